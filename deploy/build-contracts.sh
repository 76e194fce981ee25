#!/usr/bin/env bash
# Builds every DCU contract to optimized Wasm with cargo-contract 5.0.3 and the
# Rust 1.85 toolchain made by deploy/setup.sh. Bundles land in
# $CARGO_TARGET_DIR/ink/<name>/<name>.{contract,wasm,json}.
#
#   deploy/build-contracts.sh            all contracts
#   deploy/build-contracts.sh stable_token
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
source "$ROOT/deploy/env.sh"

CONTRACTS=("$@")
if [ ${#CONTRACTS[@]} -eq 0 ]; then
  # Every contract crate: a folder of contracts/ with lib.rs at its root
  # (the shared crate `common` keeps its code in src/ and is not a contract).
  for d in "$ROOT"/contracts/*/; do
    [ -f "$d/lib.rs" ] && CONTRACTS+=("$(basename "$d")")
  done
fi
for c in "${CONTRACTS[@]}"; do
  t0=$(date +%s)
  echo "[build] $c ..."
  cargo "+$DCU_TOOLCHAIN" contract build --quiet --release \
    --manifest-path "$ROOT/contracts/$c/Cargo.toml"
  wasm="$CARGO_TARGET_DIR/ink/$c/$c.wasm"
  [ -f "$wasm" ] || { echo "[build] $wasm was not produced" >&2; exit 1; }
  echo "[build] $c: $(stat -c %s "$wasm") bytes of optimized Wasm in $(( $(date +%s) - t0 ))s"
done
