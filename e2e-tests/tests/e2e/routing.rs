//! Routing at community scale (issue 19): a community of 1,000 members and
//! 6,000 credit lines, set up in batches (`Utility.batch_all` of contract
//! calls, one signed batch per member and phase, submitted together), whose
//! credit graph `dcu route` reads in one pass over the pool's storage; the
//! routes it finds are the same as with the reference reader (one
//! `lines_to` dry run per member) on the same chain. The read times are
//! written for `docs/ROUTING.md` (`route_bench` reads them).

use std::time::Instant;

use dcu_e2e_tests::cli::{setup, Dcu};
use dcu_e2e_tests::{TestResult, ONE};
use futures::StreamExt;
use ink::scale::Encode;
use ink_e2e::subxt::dynamic::Value;
use ink_e2e::subxt::utils::AccountId32;
use ink_e2e::subxt::{OnlineClient, PolkadotConfig};
use ink_e2e::subxt_signer::sr25519::{dev, Keypair};
use psp22::PSP22;
use serde_json::Value as Json;

/// Members of the community (at least 1,000, the scale;
/// `DCU_ROUTE_MEMBERS` sets fewer for a quick local run).
fn members_count() -> usize {
    std::env::var("DCU_ROUTE_MEMBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000)
}
/// Lines each member extends (6,000 lines in all).
const LINES_EACH: usize = 6;
/// Batches in flight at once.
const IN_FLIGHT: usize = 64;

/// Gas limits per message (about twice what docs/BENCHMARKS.md measures),
/// ref_time and proof_size: a batch's weight is the sum of its calls' limits.
const REGISTER: (u64, u64) = (3_000_000_000, 300_000);
const FAUCET: (u64, u64) = (3_000_000_000, 300_000);
const APPROVE: (u64, u64) = (2_000_000_000, 200_000);
const STAKE: (u64, u64) = (12_000_000_000, 1_000_000);
const SET_TRUST: (u64, u64) = (6_000_000_000, 600_000);
const EXTEND: (u64, u64) = (12_000_000_000, 1_200_000);

type Api = OnlineClient<PolkadotConfig>;
type Rpc = ink_e2e::subxt::backend::legacy::LegacyRpcMethods<PolkadotConfig>;

/// A deterministic pseudo-random sequence (splitmix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `Contracts.call` of `data` on `dest` with the given gas limit.
fn contract_call(dest: &ink::primitives::AccountId, data: Vec<u8>, (ref_time, proof_size): (u64, u64)) -> Value {
    let dest: [u8; 32] = *dest.as_ref();
    Value::unnamed_variant(
        "Contracts",
        [Value::named_variant(
            "call",
            [
                ("dest", Value::unnamed_variant("Id", [Value::from_bytes(dest)])),
                ("value", Value::u128(0)),
                ("gas_limit", Value::named_composite([("ref_time", Value::u128(ref_time.into())), ("proof_size", Value::u128(proof_size.into()))])),
                ("storage_deposit_limit", Value::unnamed_variant("None", [])),
                ("data", Value::from_bytes(data)),
            ],
        )],
    )
}

/// The encoded input (selector and arguments) of a message builder.
macro_rules! input {
    ($msg:expr) => {
        Encode::encode($msg.params().exec_input())
    };
}

/// Signs and submits `Utility.batch_all(calls)` as `who` and waits until it
/// is in a block and succeeded (a reverted call fails the whole batch).
async fn batch(api: &Api, who: &Keypair, nonce: u64, calls: Vec<Value>) -> Result<(), String> {
    let tx = ink_e2e::subxt::dynamic::tx("Utility", "batch_all", vec![Value::unnamed_composite(calls)]);
    // The nonce from the pool-aware RPC: subxt's default reads it at the last
    // finalized block, which lags on an instant-seal dev node.
    let params = ink_e2e::subxt::config::DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
    let signed = api.tx().create_signed_offline(&tx, who, params).map_err(|e| format!("sign: {e}"))?;
    let mut progress = signed.submit_and_watch().await.map_err(|e| format!("submit: {e}"))?;
    use ink_e2e::subxt::tx::TxStatus;
    while let Some(status) = progress.next().await {
        match status.map_err(|e| format!("watching: {e}"))? {
            TxStatus::InBestBlock(b) | TxStatus::InFinalizedBlock(b) => {
                return match b.wait_for_success().await {
                    Ok(_) => Ok(()),
                    // The dev node keeps 256 blocks of state and seals a block
                    // per transaction: a batch's events may be pruned before
                    // they are read. The pool's totals, checked after the
                    // set-up, account for every batch's effects instead.
                    Err(e) if e.to_string().contains("State already discarded") => Ok(()),
                    Err(e) => Err(format!("dispatch: {e}")),
                };
            }
            TxStatus::Error { message } | TxStatus::Invalid { message } | TxStatus::Dropped { message } => return Err(message),
            _ => {}
        }
    }
    Err("the node stopped reporting the batch".into())
}

/// Runs the batches, IN_FLIGHT at a time; every one must succeed.
async fn all(api: &Api, rpc: &Rpc, batches: Vec<(Keypair, Vec<Value>)>) {
    let mut next: std::collections::BTreeMap<[u8; 32], u64> = Default::default();
    let mut signed = Vec::new();
    for (k, calls) in &batches {
        let who = k.public_key().0;
        let nonce = match next.get(&who) {
            Some(n) => *n,
            None => rpc.system_account_next_index(&AccountId32(who)).await.expect("the account's next nonce"),
        };
        next.insert(who, nonce + 1);
        signed.push((k, nonce, calls));
    }
    let results: Vec<Result<(), String>> =
        futures::stream::iter(signed.into_iter().map(|(k, n, calls)| batch(api, k, n, calls.clone()))).buffer_unordered(IN_FLIGHT).collect().await;
    let failed: std::collections::BTreeSet<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let count = results.iter().filter(|r| r.is_err()).count();
    assert!(failed.is_empty(), "{count} of {} batches failed: {failed:?}", results.len());
}

fn address(dcu: &Dcu, contract: &str) -> ink::primitives::AccountId {
    let manifest: Json = serde_json::from_str(&std::fs::read_to_string(dcu.dir.path().join("local.json")).expect("manifest")).expect("manifest JSON");
    let text = manifest["contracts"][contract]["address"].as_str().expect("address");
    let id: AccountId32 = text.parse().expect("SS58 address");
    ink::primitives::AccountId::from(id.0)
}

/// What the two readers must agree on: everything but how the read went.
fn routes_only(mut r: Json) -> Json {
    for k in ["reader", "lines_read", "read_requests", "read_us"] {
        r.as_object_mut().expect("a report").remove(k);
    }
    r
}

#[tokio::test]
async fn a_thousand_member_community_read_in_one_pass_routes_as_the_per_member_reader() -> TestResult {
    let (_node, dcu) = setup().await;
    dcu.json("//Alice", &["deploy"]);
    let (token, graph, pool) = (address(&dcu, "stable_token"), address(&dcu, "trust_graph"), address(&dcu, "credit_pool"));
    let api = Api::from_url(&dcu.url).await?;
    let rpc = Rpc::new(ink_e2e::subxt::backend::rpc::RpcClient::from_url(&dcu.url).await?);
    #[allow(non_snake_case)]
    let MEMBERS = members_count();
    let t0 = Instant::now();

    let members: Vec<Keypair> = (0..MEMBERS)
        .map(|i| {
            let mut seed = [0xdcu8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            Keypair::from_seed(seed).expect("a seed")
        })
        .collect();
    let ids: Vec<ink::primitives::AccountId> = members.iter().map(|k| ink::primitives::AccountId::from(k.public_key().0)).collect();

    // Native funds for fees and storage deposits: one batch of transfers from Alice.
    let transfers: Vec<Value> = members
        .iter()
        .map(|k| {
            Value::unnamed_variant(
                "Balances",
                [Value::named_variant("transfer_keep_alive", [("dest", Value::unnamed_variant("Id", [Value::from_bytes(k.public_key().0)])), ("value", Value::u128(100_000_000_000_000))])],
            )
        })
        .collect();
    all(&api, &rpc, transfers.chunks(250).map(|c| (dev::alice(), c.to_vec())).collect()).await;

    // The lines: each member extends LINES_EACH lines to distinct others
    // (at most 32 to one borrower, the pool's cap), 10–1,200 tokens at 1–15 %.
    let mut rng = Rng(19);
    let mut into = vec![0usize; MEMBERS];
    let mut plan: Vec<Vec<(usize, u128, u32)>> = Vec::with_capacity(MEMBERS);
    for i in 0..MEMBERS {
        let mut mine: Vec<(usize, u128, u32)> = Vec::new();
        while mine.len() < LINES_EACH {
            let j = rng.below(MEMBERS as u64) as usize;
            if j == i || into[j] >= 32 || mine.iter().any(|(b, _, _)| *b == j) {
                continue;
            }
            into[j] += 1;
            mine.push((j, (10 + u128::from(rng.below(1_191))) * ONE, 100 + rng.below(1_401) as u32));
        }
        plan.push(mine);
    }

    // Phase 1: each member registers, takes the faucet's tokens and stakes
    // its lines' total plus 200 (own capital that keeps it anchored).
    let mut g = ink_e2e::create_call_builder::<trust_graph::TrustGraph>(graph);
    let mut tk = ink_e2e::create_call_builder::<stable_token::StableToken>(token);
    let mut p = ink_e2e::create_call_builder::<credit_pool::CreditPool>(pool);
    let phase1: Vec<(Keypair, Vec<Value>)> = members
        .iter()
        .zip(&plan)
        .map(|(k, lines)| {
            let stake = lines.iter().map(|(_, l, _)| l).sum::<u128>() + 200 * ONE;
            let calls = vec![
                contract_call(&graph, input!(g.register()), REGISTER),
                contract_call(&token, input!(tk.faucet()), FAUCET),
                contract_call(&token, input!(tk.approve(pool, stake)), APPROVE),
                contract_call(&pool, input!(p.stake(stake)), STAKE),
            ];
            (k.clone(), calls)
        })
        .collect();
    all(&api, &rpc, phase1).await;
    // Phase 2: trust, then the lines.
    let phase2: Vec<(Keypair, Vec<Value>)> = members
        .iter()
        .zip(&plan)
        .map(|(k, lines)| {
            let mut calls: Vec<Value> = lines.iter().map(|(j, _, _)| contract_call(&graph, input!(g.set_trust(ids[*j], 400)), SET_TRUST)).collect();
            calls.extend(lines.iter().map(|(j, limit, rate)| contract_call(&pool, input!(p.extend_credit(ids[*j], *limit, *rate)), EXTEND)));
            (k.clone(), calls)
        })
        .collect();
    all(&api, &rpc, phase2).await;
    let set_up = t0.elapsed();
    let info = dcu.json("//Alice", &["pool", "info"]);
    assert_eq!(info["lines"].as_u64(), Some((MEMBERS * LINES_EACH) as u64), "{info}");
    let staked: u128 = plan.iter().map(|lines| lines.iter().map(|(_, l, _)| l).sum::<u128>() + 200 * ONE).sum();
    assert_eq!(info["staked"].as_u64().map(u128::from), Some(staked), "every member staked: {info}");
    let allocated: u128 = plan.iter().flatten().map(|(_, l, _)| l).sum();
    assert_eq!(info["allocated"].as_u64().map(u128::from), Some(allocated), "every line at its limit: {info}");
    assert_eq!(info["books_balance"], true, "{info}");

    // Routes between members, read both ways: the same routes.
    let ss58 = |i: usize| AccountId32(members[i].public_key().0).to_string();
    let mut bulk_us = Vec::new();
    let mut per_member_us = Vec::new();
    let (mut bulk_requests, mut per_member_requests, mut per_member_members) = (0u64, 0u64, 0u64);
    // Each borrower is reached from its creditor by a walk along lines (so a
    // route exists): 5, 4 and 3 lines away with the full hop limit (the
    // larger amounts need several routes), 2 away within 2 hops.
    let walk = |from: usize, steps: usize| (0..steps).fold(from, |m, k| plan[m][k % LINES_EACH].0);
    let queries: [(usize, usize, &str, &str); 4] =
        [(1, walk(1, 5), "50", "6"), (2, walk(2, 4), "3000", "6"), (3, walk(3, 3), "20000", "6"), (4, walk(4, 2), "500", "2")];
    for (from, to, amount, hops) in queries {
        if from == to {
            continue;
        }
        let (from, to) = (ss58(from), ss58(to));
        let args = |reader: &'static str| -> Vec<String> {
            ["route", &from, &to, amount, "--max-hops", hops, "--reader", reader].iter().map(|s| s.to_string()).collect()
        };
        let run = |reader: &'static str| -> Json {
            let a = args(reader);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            dcu.json("//Alice", &a)
        };
        let bulk = run("bulk");
        let slow = run("per-member");
        assert_eq!(bulk["lines_read"].as_u64(), Some((MEMBERS * LINES_EACH) as u64), "the bulk reader reads every line: {bulk}");
        assert!(bulk["read_requests"].as_u64().unwrap() <= 40, "a few paged requests: {bulk}");
        assert!(!bulk["routes"].as_array().unwrap().is_empty(), "a route exists: {bulk}");
        assert_eq!(routes_only(bulk.clone()), routes_only(slow.clone()), "the two readers route alike");
        if hops == "6" {
            bulk_us.push(bulk["read_us"].as_u64().unwrap());
            per_member_us.push(slow["read_us"].as_u64().unwrap());
            bulk_requests = bulk["read_requests"].as_u64().unwrap();
            per_member_requests = slow["read_requests"].as_u64().unwrap();
            per_member_members = slow["members_read"].as_u64().unwrap();
        }
    }
    bulk_us.sort_unstable();
    per_member_us.sort_unstable();
    let (b, s) = (bulk_us[bulk_us.len() / 2], per_member_us[per_member_us.len() / 2]);
    let timing = serde_json::json!({
        "members": MEMBERS,
        "lines": MEMBERS * LINES_EACH,
        "set_up_secs": set_up.as_secs_f64(),
        "bulk_read_us_median": b,
        "bulk_requests": bulk_requests,
        "per_member_read_us_median": s,
        "per_member_requests": per_member_requests,
        "per_member_members_read": per_member_members,
        "queries": bulk_us.len(),
    });
    std::fs::write(dcu_e2e_tests::cli::route_read_timing_path(), serde_json::to_string_pretty(&timing)?)?;
    assert!(b < s, "one pass reads faster than a dry run per member: {timing}");
    Ok(())
}
