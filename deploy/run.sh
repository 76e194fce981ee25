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
say "Seed 004's credit union: Eve joins; everyone gets DUSD from the faucet"
"$DCU" --suri //Eve member register >/dev/null 2>&1 || echo "  (Eve is already a member)"
"$DCU" --suri //Eve token faucet >/dev/null 2>&1 || echo "  (the faucet already paid Eve within the last hour)"
say "Alice stakes 100 DUSD and extends 50 to Bob and 50 to Eve; Bob stakes 200 and extends 150 to Alice, 50 to Eve; Eve stakes 100 and extends 50 to each"
pool_line() { # grantor borrower limit rate
  "$DCU" --suri "//$1" trust set "$2" 500 >/dev/null 2>&1 || true
  "$DCU" --suri "//$1" pool extend "$2" "$3" --rate "$4" >/dev/null 2>&1 || echo "  ($1's line to $2 is already there)"
}
if [ "$("$DCU" --output json pool show alice | sed -n 's/.*"stake": *\([0-9]*\).*/\1/p')" = "0" ]; then
  "$DCU" --suri //Alice pool stake 100
  "$DCU" --suri //Bob pool stake 200
  "$DCU" --suri //Eve pool stake 100
fi
pool_line Alice bob 50 5; pool_line Alice eve 50 6
pool_line Bob alice 150 4; pool_line Bob eve 50 5
pool_line Eve alice 50 7; pool_line Eve bob 50 3
say "Credit limits: Alice 200, Bob 100, Eve 100 (seed 004)"
for who in alice bob eve; do "$DCU" pool show "$who" | grep -E '^Position|as borrower'; done
say "How Alice's credit can reach Bob: cheapest route by rate + 1 % per hop, several routes when one is not enough"
"$DCU" route alice bob 40
"$DCU" route alice bob 80
say "Bob draws 75 DUSD: Eve's 3 % line first, then Alice's 5 % line"
"$DCU" --suri //Bob pool draw 75
"$DCU" pool show bob
say "Alice tries to take her line to Bob back within the 90-day lock-out: refused"
if "$DCU" --suri //Alice pool close bob; then echo "unexpected success" >&2; exit 1; fi
say "Bob repays everything he owes (no interest within the 30-day grace period)"
"$DCU" --suri //Bob pool repay all
say "The pool's books: its token balance equals unlent stake + insurance + treasury"
"$DCU" pool info
say "Charlie will guarantee loans routed through him: warrants lock automatically at his trust-tier rates"
"$DCU" --suri //Charlie warrant policy tier --allowance 200
"$DCU" warrant show charlie
say "Governance (SPEC §6): no one holds admin keys; members vote. Alice proposes MAX_CREDIT 8,000 DUSD and Charlie as a verifier"
"$DCU" gov info alice
first=$("$DCU" --output json gov info | sed -n 's/.*"proposals": *\([0-9]*\).*/\1/p')
"$DCU" --suri //Alice gov propose --title "MAX_CREDIT 8,000" pool-params max_credit=8000
"$DCU" --suri //Alice gov propose --title "Charlie verifies identities" verifier charlie
say "Alice casts 7 votes for each (49 of her 100 voice credits); Bob 3 against the first (9 credits) and 5 for the second"
"$DCU" --suri //Alice gov vote "$first" for 7
"$DCU" --suri //Alice gov vote "$((first + 1))" for 7
"$DCU" --suri //Bob gov vote "$first" against 3
"$DCU" --suri //Bob gov vote "$((first + 1))" for 5
say "Dave, with no trust yet, has no voice credits: refused"
if "$DCU" --suri //Dave gov vote "$first" for 1; then echo "unexpected success" >&2; exit 1; fi
say "The local profile's vote lasts one minute (SPEC default: 7 days, then a 2-day timelock) ..."
sleep 62
"$DCU" --suri //Alice token transfer //Ferdie 0.000001 >/dev/null # a block with the new time
for id in "$first" "$((first + 1))"; do
  "$DCU" --suri //Charlie gov queue "$id"
  "$DCU" --suri //Charlie gov execute "$id"
done
"$DCU" gov list
say "Charlie, now a verifier, verifies Dave; the pool's parameters changed"
"$DCU" --suri //Charlie trust verify dave || echo "  (Dave is already verified)"
"$DCU" pool info | grep parameters
say "Balances"
for who in alice bob charlie dave ferdie; do "$DCU" token balance "$who"; done
echo
echo "Done in $(( $(date +%s) - T0 ))s. The node is still running at ws://127.0.0.1:9944;"
echo "stop it with: $DCU node --stop"
