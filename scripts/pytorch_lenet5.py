#!/usr/bin/python3
"""The same faithful LeNet-5 in PyTorch, for side-by-side speed figures.

Used by compare-pytorch.sh when ../shared/peers/pytorch_lenet5.py (the
project's reference peer) is not present. Same network as graph/: C1,
scaled 2x2 sum sub-sampling, C3 with the paper's connection table (a
masked dense convolution, as PyTorch has no partial one), S4, C5, F6,
1.7159 tanh(2a/3), RBF output with fixed codes and the MAP loss; float32.

Prints one JSON object: training images/s at batch 32 and 1 (forward,
backward, SGD step), single-image forward latency, batch inference
images/s (10,000 images in batches of 500).
"""
import argparse
import json
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=3.0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = LeNet5()
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
    print(json.dumps(out))


if __name__ == "__main__":
    main()
