#!/bin/bash
# Start-up before and after: seconds from the command to its exit (train.total_steps=100) of an
# older commit against the working tree, interleaved, 5 runs each, the median printed.
#   benchmarks/startup_ab.sh db840c4
set -euo pipefail
OLD=${1:?usage: benchmarks/startup_ab.sh <old commit>}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=$ROOT/.venv/bin/python
OLD_TREE=$(mktemp -d)/old
git -C "$ROOT" worktree add --detach "$OLD_TREE" "$OLD" -q
trap 'git -C "$ROOT" worktree remove --force "$OLD_TREE"' EXIT
RUNS=$(mktemp -d)
for cfg in "workers=serial logger=off" "workers=serial" "logger=off" ""; do
  for tree in "$OLD_TREE" "$ROOT"; do
    times=()
    for _ in 1 2 3 4 5; do
      start=$(date +%s.%N)
      (cd "$tree" && $PY -m a3c $cfg train.total_steps=100 train.progress=false \
          "hydra.run.dir=$RUNS/r$RANDOM$RANDOM" > /dev/null 2>&1)
      times+=("$(echo "$(date +%s.%N) - $start" | bc)")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
    echo "[${cfg:-default}] $([ "$tree" = "$ROOT" ] && echo "working tree" || echo "$OLD"): $median s (runs: ${times[*]})"
  done
done
