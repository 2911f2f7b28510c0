#!/usr/bin/env bash
# The final speed measurements of issue 5, for a quiet machine: everything into one folder.
#   benches/run_all.sh [OUT_DIR]        (default $TMPDIR/femsyn-bench-<UTC time>)
# Env: PEERS_PY=python of the torch/aihwkit venv (default /tmp/peers-venv/bin/python),
#      CRITERION=1 to also run `cargo bench` (the Rust kernels' criterion benches).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-${TMPDIR:-/tmp}/femsyn-bench-$(date -u +%Y%m%dT%H%M%SZ)}
PEERS_PY=${PEERS_PY:-/tmp/peers-venv/bin/python}
mkdir -p "$OUT"
uptime | tee "$OUT/load.txt"

# 1. machine limits, kernels at 1e4..1e7 cells, LeNet/MLP/VGG x float/ideal-6b/femfet-6b, peak memory
femsyn bench --out "$OUT/bench.json" | tee "$OUT/bench.txt"
femsyn bench --threads 1 --kernels update,readout --nets lenet,mlp --no-memory \
    --out "$OUT/bench-1thread.json" | tee "$OUT/bench-1thread.txt"

# 2. femsyn vs torch / aihwkit, interleaved, at 1 and 2 threads
if [ -x "$PEERS_PY" ]; then
    "$PEERS_PY" benches/peers.py --rounds 7 --out "$OUT/peers.json" | tee "$OUT/peers.txt"
else
    echo "peers skipped: no $PEERS_PY (see benches/README.md to set up the venv)" | tee "$OUT/peers.txt"
fi

# 3. pytest-benchmark suites (kernels per size, one training step per net and preset)
python -m pytest benches/ --benchmark-only -q --benchmark-json "$OUT/pytest-benchmark.json" \
    --benchmark-columns=median,iqr,rounds | tee "$OUT/pytest-benchmark.txt"

# 4. criterion (Rust kernels without Python)
if [ "${CRITERION:-0}" = 1 ]; then
    cargo bench 2>&1 | tee "$OUT/criterion.txt"
fi
uptime | tee -a "$OUT/load.txt"
echo "results in $OUT"
