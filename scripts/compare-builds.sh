#!/usr/bin/env bash
# Times LeNet-5's whole commands built from two revisions of this
# repository, alternating round by round in one run, so that a refactor
# can show it kept the speed (docs/performance.md). Plain `go build`s; run
# from anywhere, on an otherwise idle machine:
#
#   bash scripts/compare-builds.sh OLD_REV [NEW_REV] [rounds]
#
# NEW_REV defaults to the working tree. Training: `train -epochs 1
# -train-limit 20000 -batch 32 -workers 2 -distort 0`, its
# images_per_second (the training loop, from -metrics). Inference: `infer
# -mnist-test -json`, its images_per_second and the whole command's wall
# time. Both builds read the same shipped model file.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: compare-builds.sh OLD_REV [NEW_REV] [rounds]}
new=${2:-}
rounds=${3:-5}
out=$(mktemp -d)
trap 'git worktree remove --force "$out/old" >/dev/null 2>&1 || true; git worktree remove --force "$out/new" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

build() { # rev dir name
  if [ -z "$1" ]; then
    go build -o "$out/train-$3" ./cmd/train && go build -o "$out/infer-$3" ./cmd/infer
    return
  fi
  git worktree add -q "$out/$2" "$1"
  (cd "$out/$2" && go build -o "$out/train-$3" ./cmd/train && go build -o "$out/infer-$3" ./cmd/infer)
}
build "$old" old old
build "$new" new new
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%d)"
echo "old: $(git rev-parse --short "$old"), new: ${new:-working tree at $(git rev-parse --short HEAD)}, $rounds rounds"
now() { date +%s.%N; }
ips() { python3 -c 'import json,sys; print(round(json.loads(open(sys.argv[1]).readline())["images_per_second"]))' "$1"; }
for r in $(seq "$rounds"); do
  for b in old new; do
    "$out/train-$b" -epochs 1 -train-limit 20000 -batch 32 -workers 2 -distort 0 \
      -checkpoint "" -out "$out/model-$b.safetensors" -metrics "$out/m-$b.jsonl" >/dev/null
    echo "train $b $(ips "$out/m-$b.jsonl")" >> "$out/results.txt"
    t0=$(now)
    "$out/infer-$b" -model models/lenet5.safetensors -mnist-test -json > "$out/infer-$b.json"
    t1=$(now)
    echo "infer $b $(ips "$out/infer-$b.json")" >> "$out/results.txt"
    echo "wall $b $(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")" >> "$out/results.txt"
  done
done
awk '{v[$1" "$2]=v[$1" "$2]" "$3} END {for (k in v) print k ":" v[k]}' "$out/results.txt" | sort
