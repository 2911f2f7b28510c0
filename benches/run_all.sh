#!/usr/bin/env bash
# The speed measurements behind the README's Speed section, for a quiet machine, raw output
# into one folder (default docs/bench/, the committed one):
#   benches/run_all.sh [OUT_DIR]
# Env: PEERS_PY = python of the torch/aihwkit venv (default /work/venvs/peers/bin/python; see
#      benches/README.md), FEMSYN = the femsyn command (default: femsyn on PATH),
#      PYTEST=1 to also run the pytest-benchmark suites, CRITERION=1 for `cargo bench`.
# Every file starts with the command that made it; load.txt has the load average before/after
# each step (on a busy machine the ratios still hold, absolute figures and 2-thread speed-ups not).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/bench}
PEERS_PY=${PEERS_PY:-/work/venvs/peers/bin/python}
FEMSYN=${FEMSYN:-femsyn}
mkdir -p "$OUT"

step() {  # step NAME COMMAND...: run, tee stdout into OUT/NAME.txt with the command on top
    local name=$1; shift
    echo "== $name: $(uptime)" | tee -a "$OUT/load.txt"
    { echo "\$ $*"; "$@"; } | tee "$OUT/$name.txt"  # progress (stderr) only to the terminal
    echo "   done: $(uptime)" | tee -a "$OUT/load.txt"
}

echo "femsyn $(git rev-parse --short HEAD) $(git status --porcelain -- . ":!$OUT" | grep -q . && echo '(dirty)')" \
    | tee "$OUT/version.txt"
: > "$OUT/load.txt"

# 1. femsyn vs torch / aihwkit: LeNet, MLP, VGG-8 0.25 / 0.5 at 1 and 2 threads, interleaved
if [ -x "$PEERS_PY" ]; then
    step peers "$PEERS_PY" benches/peers.py --rounds 7 --out "$OUT/peers.json"
else
    echo "peers skipped: no $PEERS_PY (see benches/README.md to set up the venv)" | tee "$OUT/peers.txt"
fi

# 2. femsyn bench: machine limits, kernels 1e4..1e7 cells, training steps of every net and its
#    designs (+ nodevice for the device share), peak memory; all cores
step bench "$FEMSYN" bench --out "$OUT/bench.json"

# 3. one thread: the update kernel target (training-like workload at 1e7 cells) and the 1-thread
#    training rates
step bench-1thread "$FEMSYN" bench --threads 1 --kernels update,update-train,readout --sizes 1e6,1e7 \
    --nets lenet,mlp,vgg0.5 --no-memory --out "$OUT/bench-1thread.json"

# 4. optional: pytest-benchmark suites and criterion (Rust kernels without Python)
if [ "${PYTEST:-0}" = 1 ]; then
    step pytest-benchmark python -m pytest benches/ --benchmark-only -q \
        --benchmark-json "$OUT/pytest-benchmark.json" --benchmark-columns=median,iqr,rounds
fi
if [ "${CRITERION:-0}" = 1 ]; then
    step criterion cargo bench
fi
echo "results in $OUT"
