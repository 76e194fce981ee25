#!/usr/bin/env bash
# The README's first command: set up, start a local node, deploy the suite and
# run a short scenario through `dcu`. The node keeps running afterwards
# (stop it with: dcu node --stop).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
T0=$(date +%s)
"$ROOT/deploy/setup.sh"
# shellcheck source=/dev/null
source "$ROOT/deploy/env.sh"
"$ROOT/deploy/build-contracts.sh"
cargo "+$DCU_TOOLCHAIN" build --locked --release -p dcu
DCU="$CARGO_TARGET_DIR/release/dcu"
say() { printf '\n\033[1m> %s\033[0m\n' "$*"; }

say "Start a local substrate-contracts-node"
"$DCU" node --detach
say "Deploy the DCU suite (re-running reuses what is deployed)"
"$DCU" deploy
"$DCU" token info
say "Bob asks the development faucet for tokens"
"$DCU" --suri //Bob token faucet || echo "(the faucet already paid Bob within the last hour)"
say "Bob sends Charlie 250.5 DUSD"
"$DCU" --suri //Bob token transfer //Charlie 250.5
say "Charlie lets Dave move up to 100 DUSD of his"
"$DCU" --suri //Charlie token approve dave 100
"$DCU" token allowance charlie dave
say "Ferdie, who holds nothing, tries to send 1 DUSD: the contract refuses, nothing changes"
if "$DCU" --suri //Ferdie token transfer bob 1; then echo "unexpected success" >&2; exit 1; fi
say "Balances"
for who in alice bob charlie dave ferdie; do "$DCU" token balance "$who"; done
echo
echo "Done in $(( $(date +%s) - T0 ))s. The node is still running at ws://127.0.0.1:9944;"
echo "stop it with: $DCU node --stop"
