#!/usr/bin/env bash
# How far one pass over 5,000 patterns, one update per pattern, gets each
# solver setting (docs/sdlm.md, "The first 5,000 patterns"). Every setting
# runs once per seed (the seed sets the initial weights, the data order
# and the validation split) and prints its validation error per seed and
# their mean:
#
#   bash scripts/sdlm-first-pass.sh [seeds]        # default seeds: 1 2 3 4 5 6
#
# Validation protocol: the first 10,000 training images, 5,000 of them
# (chosen by the seed) held out (-train-limit 10000 -validation 5000), so
# the network trains on 5,000 patterns as in the issue's command
# `train -solver sdlm -batch 1 -epochs 1 -train-limit 5000 -test-limit 1000`
# and no choice reads the test set. Then that command itself, per seed,
# for the record (its test error on the first 1,000 test images).
# Each run takes a few seconds; set SETTINGS to run other flag sets, one
# per line.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${*:-1 2 3 4 5 6}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/train" ./cmd/train

settings=${SETTINGS:-"-solver sdlm
-solver sdlm -mu 0.1 -sdlm-refresh 50
-solver sdlm -mu 0.3 -lr 0.001
-solver sdlm -mu 0.5 -sdlm-refresh 0
-solver sdlm -mu 0.05
-solver sgd -schedule constant -lr 0.0005
-solver sgd -schedule constant -lr 0.001
-solver adam -schedule constant -lr 0.0005
-solver adam -schedule constant -lr 0.001"}

# field prints a number from the last line of a -metrics file, in percent.
field() {
	/usr/bin/env python3 -c 'import json,sys
m = json.loads(open(sys.argv[1]).readlines()[-1])
print("%.2f" % (100 * m[sys.argv[2]]))' "$1" "$2"
}

# run prints the run's error, or "diverged" when the trainer stopped it
# (divergence guard or a non-finite loss); any other failure stops the
# script with the trainer's output.
run() { # $1: flags; $2: seed; $3: protocol flags; $4: field
	local m="$out/m.jsonl"
	rm -f "$m"
	# shellcheck disable=SC2086
	if ! "$out/train" $1 -batch 1 -epochs 1 -seed "$2" $3 -workers 1 -checkpoint "" \
		-out "$out/model.safetensors" -metrics "$m" >"$out/log" 2>&1; then
		if grep -q -e 'training diverged' -e 'loss is not finite' "$out/log"; then
			echo diverged
			return
		fi
		echo "sdlm-first-pass: train $1 -seed $2 $3 failed:" >&2
		cat "$out/log" >&2
		return 1
	fi
	field "$m" "$4"
}

mean() { /usr/bin/env python3 -c 'import sys
v = [float(x) for x in sys.argv[1:] if x != "diverged"]
print("mean %.2f%s" % (sum(v) / len(v), "" if len(v) == len(sys.argv) - 1 else ", %d diverged" % (len(sys.argv) - 1 - len(v))) if v else "all diverged")' "$@"; }

echo "validation error after 5,000 patterns (%), seeds $seeds"
while IFS= read -r s; do
	vals=()
	for seed in $seeds; do
		vals+=("$(run "$s" "$seed" "-train-limit 10000 -validation 5000 -test-limit 1" validation_error)")
	done
	printf '%-48s %s  (%s)\n' "$s" "${vals[*]}" "$(mean "${vals[@]}")"
done <<<"$settings"

echo
echo "the issue's command, test error on the first 1,000 test images (%), seeds $seeds"
while IFS= read -r s; do
	vals=()
	for seed in $seeds; do
		vals+=("$(run "$s" "$seed" "-train-limit 5000 -test-limit 1000" test_error)")
	done
	printf '%-48s %s  (%s)\n' "$s" "${vals[*]}" "$(mean "${vals[@]}")"
done <<<"$settings"
