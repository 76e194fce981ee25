//! The whole suite on a test node, wired as `dcu deploy` wires it but with
//! Alice as governance, and a community with lines and warrant policies: the
//! fixtures of the term-loan and random-sequence tests.

use crate::{Client, TestResult, ONE};
use credit_pool::{CreditPool, CreditPoolRef, Wiring as PoolWiring};
use hostile_token::HostileTokenRef;
use dcu_common::loan::LoanState;
use ink::primitives::{AccountId, Hash};
use ink_e2e::{account_id, alice, bob, charlie, dave, eve, ferdie, AccountKeyring, ContractsBackend};
use loan_manager::{LoanManager, LoanManagerRef, Wiring as LmWiring};
use psp22::PSP22;
use stable_token::{StableToken, StableTokenRef};
use trust_graph::{Params as TrustParams, TrustGraph, TrustGraphRef, Wiring as GraphWiring};
use warrant_escrow::{Policy, WarrantEscrow, WarrantEscrowRef, Wiring as EscrowWiring};

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

pub struct Suite {
    pub token: AccountId,
    pub graph: AccountId,
    pub pool: AccountId,
    pub escrow: AccountId,
    pub lm: AccountId,
}

pub fn acc(k: AccountKeyring) -> AccountId {
    account_id(k)
}

/// Every contract, wired to each other; Alice holds the supply and plays
/// governance. `lm_code` is `loan_manager` or `loan_manager_fast`.
pub async fn deploy(client: &mut Client, lm_code: &str) -> Res<Suite> {
    deploy_with(client, lm_code, "credit_pool", false).await
}

/// As [`deploy`], with the pool's code (`credit_pool` or `credit_pool_fast`,
/// where a second of block time is 10 protocol days) and, with `hostile`,
/// the `hostile_token` fixture as the stablecoin (a PSP22 that can refuse
/// transfers to one account).
pub async fn deploy_with(client: &mut Client, lm_code: &str, pool_code: &str, hostile: bool) -> Res<Suite> {
    deploy_full(client, lm_code, pool_code, hostile, 6).await
}

/// As [`deploy_with`], the stablecoin (`stable_token`) with `decimals`
/// decimals: the supply, BASE and the anchoring stake are the same whole
/// tokens of its unit, and the pool reads the unit from the token.
pub async fn deploy_full(client: &mut Client, lm_code: &str, pool_code: &str, hostile: bool, decimals: u8) -> Res<Suite> {
    let a = acc(AccountKeyring::Alice);
    let unit = dcu_common::unit_of(decimals).ok_or("decimals")?;
    let token = if hostile {
        let mut t = HostileTokenRef::new(1_000_000 * ONE);
        client.instantiate("hostile_token", &alice(), &mut t).submit().await?.account_id
    } else {
        let mut t = StableTokenRef::new(1_000_000 * unit, Some("DCU Dollar".into()), Some("DUSD".into()), decimals, 0, 0);
        client.instantiate("stable_token", &alice(), &mut t).submit().await?.account_id
    };
    // Development anchoring (no minimum age): a stake of 100 anchors at once.
    let d = TrustParams::default();
    let trust = TrustParams { min_anchor_age_days: 0, base_capacity: d.base_capacity / ONE * unit, min_anchor_stake: d.min_anchor_stake / ONE * unit, ..d };
    let mut g = TrustGraphRef::with_config(trust, Vec::new());
    let graph = client.instantiate("trust_graph", &alice(), &mut g).submit().await?.account_id;
    let mut p = CreditPoolRef::new(token, graph);
    let pool = client.instantiate(pool_code, &alice(), &mut p).submit().await?.account_id;
    let mut e = WarrantEscrowRef::new(token);
    let escrow = client.instantiate("warrant_escrow", &alice(), &mut e).submit().await?.account_id;
    let mut l = LoanManagerRef::new(token, graph, pool, escrow);
    let lm = client.instantiate(lm_code, &alice(), &mut l).submit().await?.account_id;
    let mut gc = ink_e2e::create_call_builder::<TrustGraph>(graph);
    client.call(&alice(), &gc.wire(GraphWiring { governance: a, credit_pool: pool, loan_manager: lm })).extra_gas_portion(50).submit().await?;
    let mut pc = ink_e2e::create_call_builder::<CreditPool>(pool);
    client.call(&alice(), &pc.wire(PoolWiring { governance: a, loan_manager: lm, warrant_escrow: escrow })).extra_gas_portion(50).submit().await?;
    let mut ec = ink_e2e::create_call_builder::<WarrantEscrow>(escrow);
    client.call(&alice(), &ec.wire(EscrowWiring { governance: a, loan_manager: lm, credit_pool: pool })).extra_gas_portion(50).submit().await?;
    let mut lc = ink_e2e::create_call_builder::<LoanManager>(lm);
    client.call(&alice(), &lc.wire(LmWiring { governance: a })).extra_gas_portion(50).submit().await?;
    Ok(Suite { token, graph, pool, escrow, lm })
}

/// Alice (creditor), Bob and Charlie (intermediaries), Dave (borrower, well
/// trusted: TS (4 · 800 + 0.3 · 500) / 8,000 ≈ 0.52), Eve (barely trusted), Ferdie;
/// every truster is anchored by at least 100 of own capital — stake not
/// allocated to its lines nor owed (Ferdie stakes exactly 100, Eve 200 so
/// that a 100 term loan leaves her anchored). Lines Alice → Bob 2,000 @ 4 %,
/// Bob → Charlie 2,000 @ 5 %, Charlie → Dave 2,000 @ 5 %, Charlie → Eve 500
/// @ 5 %. Bob locks warrants by trust tier, Charlie from 4 %, both on loans
/// of up to 2,000 over up to a year; both have approved the escrow; Dave
/// and Eve approved the loan manager. No creditor has an approval policy
/// (each test approves by hand or sets one). Governance (Alice) raises
/// BASE to its maximum so the borrowers' capacity C(v) bounds none of the
/// money flows tested with it (`loan.rs` checks the bound at the default).
pub async fn community(client: &mut Client, s: &Suite) -> TestResult {
    let (a, b, c, d, e, f) = (
        acc(AccountKeyring::Alice),
        acc(AccountKeyring::Bob),
        acc(AccountKeyring::Charlie),
        acc(AccountKeyring::Dave),
        acc(AccountKeyring::Eve),
        acc(AccountKeyring::Ferdie),
    );
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut es = ink_e2e::create_call_builder::<WarrantEscrow>(s.escrow);
    for k in [alice(), bob(), charlie(), dave(), eve(), ferdie()] {
        client.call(&k, &g.register()).extra_gas_portion(50).submit().await?;
    }
    for (from, to, w) in [(alice(), b, 500), (bob(), c, 500), (charlie(), d, 800), (alice(), d, 800), (bob(), d, 800), (ferdie(), d, 800), (eve(), d, 800), (charlie(), e, 10)] {
        client.call(&from, &g.set_trust(to, w)).extra_gas_portion(50).submit().await?;
    }
    for who in [b, c, d, e, f] {
        client.call(&alice(), &tk.transfer(who, 10_000 * ONE, vec![])).extra_gas_portion(50).submit().await?;
    }
    // Everyone who trusts stakes at least MIN_ANCHOR_STAKE, so every edge
    // counts (SPEC §2, v2: only anchored trusters' edges do).
    for (k, amount) in [(alice(), 5_000 * ONE), (bob(), 2_100 * ONE), (charlie(), 2_600 * ONE), (eve(), 200 * ONE), (ferdie(), 100 * ONE)] {
        client.call(&k, &tk.approve(s.pool, amount)).extra_gas_portion(50).submit().await?;
        client.call(&k, &pool.stake(amount)).extra_gas_portion(50).submit().await?;
    }
    for (k, to, limit, rate) in [(alice(), b, 2_000, 400), (bob(), c, 2_000, 500), (charlie(), d, 2_000, 500), (charlie(), e, 500, 500)] {
        client.call(&k, &pool.extend_credit(to, limit * ONE, rate)).extra_gas_portion(50).submit().await?;
    }
    client.call(&bob(), &es.set_policy(Policy::ByTrustTier { max_amount: 2_000 * ONE, max_term_days: 365 })).extra_gas_portion(50).submit().await?;
    client.call(&charlie(), &es.set_policy(Policy::MinRate { min_rate_bps: 400, max_amount: 2_000 * ONE, max_term_days: 365 })).extra_gas_portion(50).submit().await?;
    for k in [bob(), charlie()] {
        client.call(&k, &tk.approve(s.escrow, 5_000 * ONE)).extra_gas_portion(50).submit().await?;
    }
    for k in [dave(), eve()] {
        client.call(&k, &tk.approve(s.lm, 10_000 * ONE)).extra_gas_portion(50).submit().await?;
    }
    set_base_capacity(client, s, MAX_BASE_CAPACITY).await?;
    let _ = (a, f);
    Ok(())
}

/// The largest BASE capacity governance may set: 10^9 tokens.
pub const MAX_BASE_CAPACITY: u128 = 1_000_000_000 * ONE;

/// Governance (Alice) sets the trust graph's BASE capacity, other parameters kept.
pub async fn set_base_capacity(client: &mut Client, s: &Suite, base_capacity: u128) -> TestResult {
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let p = client.call(&alice(), &g.params()).dry_run().await?.return_value();
    client.call(&alice(), &g.set_params(TrustParams { base_capacity, ..p })).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    Ok(())
}

pub async fn bal(client: &mut Client, s: &Suite, who: AccountId) -> u128 {
    let call = ink_e2e::create_call_builder::<StableToken>(s.token);
    client.call(&alice(), &call.balance_of(who)).dry_run().await.expect("balance_of").return_value()
}

/// Balances of every account and contract of the test, in a fixed order.
pub async fn all_balances(client: &mut Client, s: &Suite) -> Vec<u128> {
    let mut out = Vec::new();
    for who in [
        acc(AccountKeyring::Alice),
        acc(AccountKeyring::Bob),
        acc(AccountKeyring::Charlie),
        acc(AccountKeyring::Dave),
        acc(AccountKeyring::Eve),
        acc(AccountKeyring::Ferdie),
        s.pool,
        s.escrow,
        s.lm,
    ] {
        out.push(bal(client, s, who).await);
    }
    out
}

pub async fn loan_state(client: &mut Client, s: &Suite, id: u64) -> LoanState {
    let lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    client.call(&alice(), &lm.loan(id)).dry_run().await.expect("loan").return_value().expect("no overflow").expect("the loan exists").loan.state
}

pub fn path(keys: &[AccountKeyring]) -> Vec<AccountId> {
    keys.iter().map(|k| acc(*k)).collect()
}

pub fn desc() -> Hash {
    Hash::from([5u8; 32])
}

pub async fn pool_lent_and_reserved(client: &mut Client, s: &Suite, p: &[AccountId]) -> (u128, Vec<u128>) {
    let pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let lent = client.call(&alice(), &pool.grantor(p[0])).dry_run().await.expect("grantor").return_value().lent;
    let mut reserved = Vec::new();
    for w in p.windows(2) {
        let l = client.call(&alice(), &pool.line(w[0], w[1])).dry_run().await.expect("line").return_value().expect("no overflow").expect("line exists");
        reserved.push(l.reserved);
    }
    (lent, reserved)
}


/// Waits `secs` seconds of block time (on `credit_pool_fast` a second is
/// 10 protocol days), then has a block made.
pub async fn wait_secs(client: &mut Client, s: &Suite, secs: u64) {
    wait_days(client, s, secs).await;
}

/// Waits until the fast clock (a second a day) has passed `days` more days,
/// then has a block made (the node seals one per transaction, and queries
/// see the time of the last block): Ferdie approves nobody in particular.
pub async fn wait_days(client: &mut Client, s: &Suite, days: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(days * 1_000 + 200)).await;
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    client.call(&ferdie(), &tk.approve(acc(AccountKeyring::Ferdie), 1)).submit().await.expect("a block at the new time");
}

