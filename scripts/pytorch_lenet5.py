#!/usr/bin/python3
"""The same faithful LeNet-5 in PyTorch, for side-by-side speed figures.

Used by compare-pytorch.sh. Same network as graph/ (docs/spec.md): C1,
scaled 2x2 sum sub-sampling, C3 with the paper's connection table (a
masked dense convolution, as PyTorch has no partial one), S4, C5, F6,
1.7159 tanh(2a/3), RBF output with fixed codes and the MAP loss; float32.

Prints one JSON object: training images/s at batch 32 and 1 (forward,
backward, SGD step), single-image forward latency, batch inference
images/s (10,000 images in batches of 500), and with --png FILE the
latency of decoding a digit image, making it MNIST-like (docs/spec.md §6,
as cmd/infer does) and classifying it.

With --train-mnist DIR it instead trains like `go run ./cmd/train` with no
flags (Adam 0.001, batch 32, MAP loss, each training image plus one random
affine distortion of it per epoch) for --epochs epochs on the real MNIST
files in DIR, for a peak-memory comparison; run it under /usr/bin/time.
--train-limit, --distort and --batch set the run as cmd/train's flags do
(compare-commands.sh).

With --mnist-test DIR it instead classifies the 10,000 test images in DIR
in batches of --batch, as `infer -mnist-test` does, and prints the images
per second. The weights are the untrained initial ones: the figure is a
speed, and the errors it prints only show that every image was classified.
"""
import argparse
import gzip
import json
import os
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

C3_TABLE = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5], [0, 1, 5],
            [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [0, 3, 4, 5], [0, 1, 4, 5], [0, 1, 2, 5],
            [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5]]


def squash(a):
    return 1.7159 * torch.tanh(a * (2.0 / 3.0))


class Subsample(nn.Module):
    def __init__(self, maps):
        super().__init__()
        self.coef = nn.Parameter(torch.empty(maps).uniform_(-0.6, 0.6))
        self.bias = nn.Parameter(torch.empty(maps).uniform_(-0.6, 0.6))

    def forward(self, x):
        s = F.avg_pool2d(x, 2) * 4.0
        return s * self.coef.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.s2 = Subsample(6)
        self.c3 = nn.Conv2d(6, 16, 5)
        mask = torch.zeros(16, 6, 1, 1)
        for o, ins in enumerate(C3_TABLE):
            for i in ins:
                mask[o, i] = 1
        self.register_buffer("mask", mask)
        self.s4 = Subsample(16)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.register_buffer("codes", torch.randint(0, 2, (10, 84)).float() * 2 - 1)

    def forward(self, x):
        x = squash(self.c1(x))
        x = squash(self.s2(x))
        x = squash(F.conv2d(x, self.c3.weight * self.mask, self.c3.bias))
        x = squash(self.s4(x))
        x = squash(self.c5(x)).flatten(1)
        x = squash(self.f6(x))
        return ((x.unsqueeze(1) - self.codes) ** 2).sum(-1)


def map_loss(y, labels, j=0.1):
    yd = y.gather(1, labels.view(-1, 1)).squeeze(1)
    ext = torch.cat([y.new_full((y.shape[0], 1), j), y], dim=1)
    return (yd + torch.logsumexp(-ext, dim=1)).mean()


def train_rate(model, batch, steps):
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    x = torch.rand(batch, 1, 32, 32) * 1.275 - 0.1
    labels = torch.randint(0, 10, (batch,))
    for _ in range(5):
        opt.zero_grad(); map_loss(model(x), labels).backward(); opt.step()
    t = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(); map_loss(model(x), labels).backward(); opt.step()
    return batch * steps / (time.perf_counter() - t)


def read_idx(path):
    """Reads a gzipped IDX file of MNIST as a uint8 tensor."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).view(*shape)


def preprocess(images):
    """uint8 N x 28 x 28 -> float32 N x 1 x 32 x 32 (docs/spec.md §6)."""
    x = images.float().mul_(1.275 / 255).sub_(0.1)
    return F.pad(x, (2, 2, 2, 2), value=-0.1).unsqueeze(1)


def distort(x, gen):
    """One random affine distortion per image (shift 2 px, scale and
    squeeze 15%, shear 0.3, as data.DefaultDistortRanges), bilinear."""
    n = x.shape[0]
    r = lambda lo, hi: torch.empty(n).uniform_(lo, hi, generator=gen)
    s, q, sh = r(0.85, 1.15), r(0.85, 1.15), r(-0.3, 0.3)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1], theta[:, 1, 1] = 1 / (s * q), sh, q / s
    theta[:, 0, 2], theta[:, 1, 2] = r(-2, 2) / 16, r(-2, 2) / 16
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x + 0.1, grid, align_corners=False) - 0.1


def train_mnist(model, folder, epochs, limit=0, copies=1, batch=32):
    """Adam at 1e-3 on the first limit (0 = all) training images plus copies
    distorted copies of each, as cmd/train's -train-limit, -distort and
    -batch; returns the training images per second (the loop only, as
    cmd/train's images_per_second)."""
    images = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz")).long()
    if limit:
        images, labels = images[:limit], labels[:limit]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(1)
    n = images.shape[0]
    total = (1 + copies) * n
    t = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(total, generator=gen)
        for k in range(0, total - batch + 1, batch):
            idx = order[k:k + batch]
            x = preprocess(images[idx % n])
            distorted = idx >= n
            if distorted.any():
                x[distorted] = distort(x[distorted], gen)
            opt.zero_grad()
            map_loss(model(x), labels[idx % n]).backward()
            opt.step()
    return total * epochs / (time.perf_counter() - t)


def test_mnist(model, folder, batch):
    """Classifies the 10,000 test images in batches, as cmd/infer
    -mnist-test; returns the errors and the images per second of the
    evaluation: preprocessing and forward passes, not reading the files,
    as ours."""
    images = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")).long()
    t = time.perf_counter()
    errors = 0
    with torch.no_grad():
        for k in range(0, images.shape[0], batch):
            pred = model(preprocess(images[k:k + batch])).argmin(1)
            errors += int((pred != labels[k:k + batch]).sum())
    return errors, images.shape[0] / (time.perf_counter() - t)


def user_image_latency(model, path, n):
    """Decode a digit image and make it MNIST-like as cmd/infer does: grey,
    ink bounding box, longer side scaled to 20 with anti-aliasing, centred
    by mass in 28 x 28, then preprocessed and classified."""
    import numpy as np
    from PIL import Image

    def classify():
        g = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255
        border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
        if border.mean() > 0.5:
            g = 1 - g
        ys, xs = np.nonzero(g > 0.1)
        crop = g[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        h, w = crop.shape
        k = 20 / max(h, w)
        size = (max(1, round(w * k)), max(1, round(h * k)))
        box = np.asarray(Image.fromarray(crop).resize(size, Image.LANCZOS))
        field = np.zeros((28, 28), dtype=np.float32)
        m = box.sum()
        cy = (box.sum(1) * np.arange(box.shape[0])).sum() / m
        cx = (box.sum(0) * np.arange(box.shape[1])).sum() / m
        oy, ox = int(round(13.5 - cy)), int(round(13.5 - cx))
        oy, ox = min(max(oy, 0), 28 - box.shape[0]), min(max(ox, 0), 28 - box.shape[1])
        field[oy:oy + box.shape[0], ox:ox + box.shape[1]] = np.clip(box, 0, 1)
        x = preprocess(torch.from_numpy(field * 255).unsqueeze(0))
        return int(model(x).argmin(1))

    for _ in range(20):
        classify()
    t = time.perf_counter()
    for _ in range(n):
        classify()
    return (time.perf_counter() - t) / n * 1e6


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--png", help="a digit image for the decode+preprocess+forward latency")
    p.add_argument("--train-mnist", metavar="DIR", help="train on the MNIST files in DIR instead of timing")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--train-limit", type=int, default=0, help="with --train-mnist: the first N training images (0 = all)")
    p.add_argument("--distort", type=int, default=1, help="with --train-mnist: distorted copies of each image per epoch")
    p.add_argument("--batch", type=int, default=32, help="with --train-mnist or --mnist-test: images per step")
    p.add_argument("--mnist-test", metavar="DIR", help="classify the 10,000 test images in DIR instead of timing (untrained weights: a speed figure)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = LeNet5()
    if a.train_mnist:
        rate = train_mnist(model, a.train_mnist, a.epochs, a.train_limit, a.distort, a.batch)
        print(json.dumps({"threads": a.threads, "train_mnist_images_per_second": rate}))
        return
    if a.mnist_test:
        errors, rate = test_mnist(model, a.mnist_test, a.batch)
        print(json.dumps({"threads": a.threads, "batch": a.batch, "errors": errors, "images_per_second": rate}))
        return
    out = {"threads": a.threads, "torch": torch.__version__}
    out["train_images_per_second_batch32"] = train_rate(model, 32, max(20, int(a.seconds * 250)))
    out["train_images_per_second_batch1"] = train_rate(model, 1, max(100, int(a.seconds * 600)))
    with torch.no_grad():
        x1 = torch.rand(1, 1, 32, 32)
        for _ in range(50):
            model(x1)
        n = max(200, int(a.seconds * 2000))
        t = time.perf_counter()
        for _ in range(n):
            model(x1)
        out["forward_latency_us_batch1"] = (time.perf_counter() - t) / n * 1e6
        xb = torch.rand(500, 1, 32, 32)
        model(xb)
        t = time.perf_counter()
        for _ in range(20):
            model(xb).argmin(1)
        out["inference_images_per_second_batch500"] = 500 * 20 / (time.perf_counter() - t)
        if a.png:
            out["decode_preprocess_forward_us"] = user_image_latency(model, a.png, max(100, int(a.seconds * 1000)))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
