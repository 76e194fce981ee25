#!/usr/bin/env bash
# Builds every DCU contract to optimized Wasm with cargo-contract 5.0.3 and the
# Rust 1.85 toolchain made by deploy/setup.sh. Bundles land in
# $CARGO_TARGET_DIR/ink/<name>/<name>.{contract,wasm,json}.
#
#   deploy/build-contracts.sh            all contracts, and trust_graph_v2
#   deploy/build-contracts.sh stable_token
#
# trust_graph_v2 is trust_graph built with its `v2` feature (same storage,
# `version()` answers 2): the code the upgrade test installs by a governance
# vote. It builds in its own target folder, so neither build undoes the other.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
source "$ROOT/deploy/env.sh"

CONTRACTS=("$@")
ALL=0
if [ ${#CONTRACTS[@]} -eq 0 ]; then
  ALL=1
  # Every contract crate: a folder of contracts/ with lib.rs at its root
  # (the shared crate `common` keeps its code in src/ and is not a contract).
  for d in "$ROOT"/contracts/*/; do
    [ -f "$d/lib.rs" ] && CONTRACTS+=("$(basename "$d")")
  done
fi
for c in "${CONTRACTS[@]}"; do
  [ "$c" = trust_graph_v2 ] && continue
  [ "$c" = loan_manager_fast ] && continue
  t0=$(date +%s)
  echo "[build] $c ..."
  cargo "+$DCU_TOOLCHAIN" contract build --quiet --release \
    --manifest-path "$ROOT/contracts/$c/Cargo.toml"
  wasm="$CARGO_TARGET_DIR/ink/$c/$c.wasm"
  [ -f "$wasm" ] || { echo "[build] $wasm was not produced" >&2; exit 1; }
  echo "[build] $c: $(stat -c %s "$wasm") bytes of optimized Wasm in $(( $(date +%s) - t0 ))s"
done

# loan_manager_fast: loan_manager with its `fast-clock` feature (a second of
# block time is a day of the protocol's clock), so that e2e tests can play
# terms, expiry and defaults on a real node. Never deployed by dcu.
if [ "$ALL" = 1 ] || [[ " ${CONTRACTS[*]} " == *" loan_manager_fast "* ]]; then
  t0=$(date +%s)
  echo "[build] loan_manager_fast (loan_manager --features fast-clock) ..."
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/fast" cargo "+$DCU_TOOLCHAIN" contract build --quiet --release \
    --features fast-clock --manifest-path "$ROOT/contracts/loan_manager/Cargo.toml"
  out="$CARGO_TARGET_DIR/ink/loan_manager_fast"
  mkdir -p "$out"
  for ext in wasm contract json; do
    cp "$CARGO_TARGET_DIR/fast/ink/loan_manager/loan_manager.$ext" "$out/loan_manager_fast.$ext"
  done
  echo "[build] loan_manager_fast: $(stat -c %s "$out/loan_manager_fast.wasm") bytes of optimized Wasm in $(( $(date +%s) - t0 ))s"
fi

if [ "$ALL" = 1 ] || [[ " ${CONTRACTS[*]} " == *" trust_graph_v2 "* ]]; then
  t0=$(date +%s)
  echo "[build] trust_graph_v2 (trust_graph --features v2) ..."
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/v2" cargo "+$DCU_TOOLCHAIN" contract build --quiet --release \
    --features v2 --manifest-path "$ROOT/contracts/trust_graph/Cargo.toml"
  out="$CARGO_TARGET_DIR/ink/trust_graph_v2"
  mkdir -p "$out"
  for ext in wasm contract json; do
    cp "$CARGO_TARGET_DIR/v2/ink/trust_graph/trust_graph.$ext" "$out/trust_graph_v2.$ext"
  done
  echo "[build] trust_graph_v2: $(stat -c %s "$out/trust_graph_v2.wasm") bytes of optimized Wasm in $(( $(date +%s) - t0 ))s"
fi
