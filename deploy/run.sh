#!/usr/bin/env bash
# The README's first command: set up, start a local node, deploy the suite and
# run `dcu demo` — eight members play the seeds' stories through `dcu` — then
# `dcu demo federation` — two communities in a federation, the weaker one
# supported (issue 20). The node keeps running afterwards (stop it with:
# dcu node --stop).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
T0=$(date +%s)
"$ROOT/deploy/setup.sh"
# shellcheck source=/dev/null
source "$ROOT/deploy/env.sh"
"$ROOT/deploy/build-contracts.sh"
cargo "+$DCU_TOOLCHAIN" build --locked -p dcu
DCU="$CARGO_TARGET_DIR/debug/dcu"
say() { printf '\n\033[1m> %s\033[0m\n' "$*"; }

say "Start a local substrate-contracts-node"
"$DCU" node --detach
say "Deploy the DCU suite (re-running reuses what is deployed; the manifest is deploy/local.json)"
"$DCU" deploy
"$DCU" token info
say "dcu demo: eight members play the seeds' stories on a fresh suite of their own (deploy/demo.json)"
"$DCU" demo
say "dcu demo federation: two communities and their federation; the weaker bank receives support (deploy/demo-federation/)"
"$DCU" demo federation
echo
echo "Done in $(( $(date +%s) - T0 ))s. The node is still running at ws://127.0.0.1:9944;"
echo "stop it with: $DCU node --stop"
