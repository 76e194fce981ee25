#!/usr/bin/env bash
# Builds every DCU contract to optimized Wasm with cargo-contract 5.0.3 and the
# Rust 1.85 toolchain made by deploy/setup.sh. Bundles land in
# $CARGO_TARGET_DIR/ink/<name>/<name>.{contract,wasm,json}.
#
#   deploy/build-contracts.sh            all contracts, and the test-only variants
#   deploy/build-contracts.sh stable_token
#
# trust_graph_v2 is trust_graph built with its `v2` feature (same storage,
# `version()` answers 2): the code the upgrade test installs by a governance
# vote. It builds in its own target folder, so neither build undoes the other.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
source "$ROOT/deploy/env.sh"

# A bundle is rebuilt only when what it is built from changed: its crate, the
# shared crate, Cargo.lock, the workspace manifest, the feature, and the
# cargo-contract and rustc versions — their content hash is kept beside the
# bundle (.source-hash). DCU_REBUILD=1 rebuilds regardless.
TOOLS="$(cargo "+$DCU_TOOLCHAIN" contract --version) / $(rustc "+$DCU_TOOLCHAIN" --version)"
source_hash() { # crate feature
  ( cd "$ROOT" && {
      echo "$TOOLS / feature: $2"
      find "contracts/$1" contracts/common -type f | LC_ALL=C sort | xargs sha256sum
      sha256sum Cargo.lock Cargo.toml
    } | sha256sum | cut -d' ' -f1 )
}
up_to_date() { # bundle-dir name hash
  [ "${DCU_REBUILD:-0}" != 1 ] && [ -f "$1/$2.wasm" ] && [ -f "$1/$2.contract" ] && [ -f "$1/$2.json" ] \
    && [ "$(cat "$1/.source-hash" 2>/dev/null)" = "$3" ]
}

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
  [ "$c" = trust_graph_broken ] && continue
  [ "$c" = loan_manager_fast ] && continue
  [ "$c" = credit_pool_fast ] && continue
  t0=$(date +%s)
  hash=$(source_hash "$c" "")
  if up_to_date "$CARGO_TARGET_DIR/ink/$c" "$c" "$hash"; then
    echo "[build] $c: up to date ($(stat -c %s "$CARGO_TARGET_DIR/ink/$c/$c.wasm") bytes; sources unchanged since it was built)"
    continue
  fi
  echo "[build] $c ..."
  rm -f "$CARGO_TARGET_DIR/ink/$c/.source-hash"
  cargo "+$DCU_TOOLCHAIN" contract build --quiet --release \
    --manifest-path "$ROOT/contracts/$c/Cargo.toml"
  wasm="$CARGO_TARGET_DIR/ink/$c/$c.wasm"
  [ -f "$wasm" ] || { echo "[build] $wasm was not produced" >&2; exit 1; }
  echo "$hash" > "$CARGO_TARGET_DIR/ink/$c/.source-hash"
  echo "[build] $c: $(stat -c %s "$wasm") bytes of optimized Wasm in $(( $(date +%s) - t0 ))s"
done

# Test-only code versions: a contract built with one feature, in its own target
# folder (so neither build undoes the other), copied to ink/<name>/.
#   trust_graph_v2: trust_graph with `v2` (same storage, `version()` answers 2),
#     the code the upgrade test installs by a governance vote;
#   trust_graph_broken: trust_graph with `layout-break` (the root storage
#     struct's member count widened to u64), the code `dcu gov propose
#     upgrade` must refuse because it could not read the deployed storage;
#   loan_manager_fast: loan_manager with `fast-clock` (a second of block time
#     is a day of the protocol's clock), for local networks and the e2e tests;
#   credit_pool_fast: credit_pool with `fast-clock` (a second of block time is
#     ten days of the pool's clock), likewise.
variant() { # crate feature name
  local crate=$1 feature=$2 name=$3 t0
  if [ "$ALL" = 1 ] || [[ " ${CONTRACTS[*]} " == *" $name "* ]]; then
    t0=$(date +%s)
    local out="$CARGO_TARGET_DIR/ink/$name" hash
    hash=$(source_hash "$crate" "$feature")
    if up_to_date "$out" "$name" "$hash"; then
      echo "[build] $name: up to date ($(stat -c %s "$out/$name.wasm") bytes; sources unchanged since it was built)"
      return
    fi
    echo "[build] $name ($crate --features $feature) ..."
    rm -f "$out/.source-hash"
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR/$feature" cargo "+$DCU_TOOLCHAIN" contract build --quiet --release \
      --features "$feature" --manifest-path "$ROOT/contracts/$crate/Cargo.toml"
    mkdir -p "$out"
    for ext in wasm contract json; do
      cp "$CARGO_TARGET_DIR/$feature/ink/$crate/$crate.$ext" "$out/$name.$ext"
    done
    echo "$hash" > "$out/.source-hash"
    echo "[build] $name: $(stat -c %s "$out/$name.wasm") bytes of optimized Wasm in $(( $(date +%s) - t0 ))s"
  fi
}
variant loan_manager fast-clock loan_manager_fast
variant credit_pool fast-clock credit_pool_fast
variant trust_graph v2 trust_graph_v2
variant trust_graph layout-break trust_graph_broken
