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
cargo "+$DCU_TOOLCHAIN" build --locked -p dcu
DCU="$CARGO_TARGET_DIR/debug/dcu"
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
say "Alice, Bob, Charlie and Dave join the trust graph"
for who in Alice Bob Charlie Dave; do
  "$DCU" --suri "//$who" member register >/dev/null 2>&1 || echo "  ($who is already a member)"
done
say "They state how much they trust each other (weights 1..800)"
"$DCU" --suri //Alice trust set bob 800
"$DCU" --suri //Charlie trust set bob 400
"$DCU" --suri //Bob trust set alice 600
"$DCU" --suri //Dave trust set charlie 300
"$DCU" --suri //Alice trust vouch bob >/dev/null 2>&1 || true
say "Bob's scores and credit capacity, computed on chain and re-checked by dcu off chain"
"$DCU" trust show bob
say "Dave tries to trust himself: refused"
if "$DCU" --suri //Dave trust set dave 10; then echo "unexpected success" >&2; exit 1; fi
say "Balances"
for who in alice bob charlie dave ferdie; do "$DCU" token balance "$who"; done
echo
echo "Done in $(( $(date +%s) - T0 ))s. The node is still running at ws://127.0.0.1:9944;"
echo "stop it with: $DCU node --stop"
