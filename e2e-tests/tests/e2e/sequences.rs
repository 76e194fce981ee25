//! Random operation sequences on the real Wasm of the whole suite together,
//! on a node (issue 8): pool stakes, draws and repayments, term-loan
//! requests, approvals, warrant acceptances, disbursements, repayments,
//! overdue, default, settlement, cancel and expiry, and time passing — the
//! loan manager is `loan_manager_fast`, so a second is a day and loans fall
//! due, default and settle within a sequence.
//!
//! After every operation (accepted or refused):
//! - conservation of the stablecoin to the unit: the accounts and the
//!   contracts hold exactly the supply;
//! - the pool holds exactly unlent stake + insurance + treasury, the escrow
//!   exactly its locked warrants, the loan manager nothing;
//! - zero sum (seed 003 §8): what grantors have lent equals what borrowers
//!   owe — pool principal plus term-loan principal held in the pool;
//! - each loan's principal is what the pool holds for it, and nothing for a
//!   loan that is not running;
//! - each borrower's outstanding term-loan principal (`outstanding_of`, which
//!   with a new amount may not exceed C(v)) is the sum over its unfinished
//!   loans: the amount before disbursement, the unpaid principal after.
//!
//! Alice approves loans routed from her by a standing approval policy (up
//! to 300 over up to 3 days); every other loan waits for its creditor's
//! `approve`, one of the random operations.
//!
//! At the end of each sequence every debt can still be repaid in full (dry
//! runs). `DCU_SEQUENCES` sets the number of sequences (default 100), each
//! of `DCU_SEQUENCE_OPS` operations (default 8); they run one after another
//! on one deployment, each from where the last left off. A failure names the
//! sequence, its seed and the operation.

use credit_pool::CreditPool;
use dcu_common::loan::{ApprovalPolicy, LoanParams, LoanState, Purpose};
use dcu_common::pool::MAX_RATE_BPS;
use dcu_e2e_tests::suite::*;
use dcu_e2e_tests::{start, Client, TestResult, ONE};
use ink::primitives::AccountId;
use ink_e2e::{alice, bob, charlie, dave, eve, ferdie, AccountKeyring, ContractsBackend, Keypair};
use loan_manager::LoanManager;
use psp22::PSP22;
use stable_token::StableToken;
use warrant_escrow::WarrantEscrow;

/// xorshift64*: a small reproducible generator (the seed is printed on failure).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn signer(k: AccountKeyring) -> Keypair {
    match k {
        AccountKeyring::Alice => alice(),
        AccountKeyring::Bob => bob(),
        AccountKeyring::Charlie => charlie(),
        AccountKeyring::Dave => dave(),
        AccountKeyring::Eve => eve(),
        _ => ferdie(),
    }
}

const PEOPLE: [AccountKeyring; 6] =
    [AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave, AccountKeyring::Eve, AccountKeyring::Ferdie];

/// The loan paths the sequences use (creditor → … → borrower).
fn paths() -> Vec<Vec<AccountId>> {
    use AccountKeyring::*;
    vec![path(&[Alice, Bob, Charlie, Dave]), path(&[Charlie, Dave]), path(&[Bob, Charlie, Dave]), path(&[Charlie, Eve]), path(&[Bob, Charlie, Eve])]
}

fn keyring_of(a: AccountId) -> AccountKeyring {
    *PEOPLE.iter().find(|k| acc(**k) == a).unwrap_or(&AccountKeyring::Ferdie)
}

/// Checks every invariant; `Err` names the one that broke.
async fn check(client: &mut Client, s: &Suite, loans: u64) -> Result<(), String> {
    let tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    let pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let es = ink_e2e::create_call_builder::<WarrantEscrow>(s.escrow);
    let lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let q = |e: ink_e2e::Error| format!("query failed: {e:?}");
    let mut held = 0u128;
    for who in PEOPLE.iter().map(|k| acc(*k)).chain([s.pool, s.escrow, s.lm]) {
        held += client.call(&alice(), &tk.balance_of(who)).dry_run().await.map_err(q)?.return_value();
    }
    let supply = client.call(&alice(), &tk.total_supply()).dry_run().await.map_err(q)?.return_value();
    if held != supply {
        return Err(format!("conservation: accounts and contracts hold {held}, the supply is {supply}"));
    }
    let t = client.call(&alice(), &pool.totals()).dry_run().await.map_err(q)?.return_value();
    let pool_bal = client.call(&alice(), &tk.balance_of(s.pool)).dry_run().await.map_err(q)?.return_value();
    if Some(pool_bal) != t.tokens_held() {
        return Err(format!("pool holds {pool_bal} ≠ unlent stake + insurance + treasury {:?}", t.tokens_held()));
    }
    let esc_bal = client.call(&alice(), &tk.balance_of(s.escrow)).dry_run().await.map_err(q)?.return_value();
    let locked = client.call(&alice(), &es.locked_total()).dry_run().await.map_err(q)?.return_value();
    if esc_bal != locked {
        return Err(format!("escrow holds {esc_bal} ≠ locked warrants {locked}"));
    }
    let lm_bal = client.call(&alice(), &tk.balance_of(s.lm)).dry_run().await.map_err(q)?.return_value();
    if lm_bal != 0 {
        return Err(format!("the loan manager keeps {lm_bal}"));
    }
    // Zero sum: lent = Σ pool principal of every borrower + Σ term-loan principal.
    let mut owed = 0u128;
    let mut outstanding = std::collections::BTreeMap::<AccountId, u128>::new();
    for k in [AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave, AccountKeyring::Eve] {
        let b = client.call(&alice(), &pool.borrower(acc(k))).dry_run().await.map_err(q)?.return_value().map_err(|e| format!("{e:?}"))?;
        owed += b.principal;
    }
    for id in 1..=loans {
        let hold = client.call(&alice(), &pool.loan_hold(id)).dry_run().await.map_err(q)?.return_value();
        let v = client.call(&alice(), &lm.loan(id)).dry_run().await.map_err(q)?.return_value().map_err(|e| format!("{e:?}"))?;
        let Some(v) = v else { continue };
        let running = matches!(v.loan.state, LoanState::Active | LoanState::Overdue | LoanState::Defaulted);
        let part = match v.loan.state {
            LoanState::Requested | LoanState::Approved => v.loan.amount,
            _ if running => v.loan.principal,
            _ => 0,
        };
        *outstanding.entry(v.loan.borrower()).or_default() += part;
        let held = hold.map(|h| h.principal).unwrap_or(0);
        if held != if running { v.loan.principal } else { 0 } {
            return Err(format!("loan {id} ({:?}) owes {} principal but the pool holds {held} for it", v.loan.state, v.loan.principal));
        }
        owed += held;
    }
    if owed != t.lent {
        return Err(format!("zero sum: grantors lent {} ≠ borrowers owe {owed}", t.lent));
    }
    for k in [AccountKeyring::Dave, AccountKeyring::Eve] {
        let b = acc(k);
        let stored = client.call(&alice(), &lm.outstanding_of(b)).dry_run().await.map_err(q)?.return_value();
        let sum = outstanding.get(&b).copied().unwrap_or(0);
        if stored != sum {
            return Err(format!("{k:?}'s outstanding term-loan principal is {stored}, its unfinished loans add up to {sum}"));
        }
    }
    Ok(())
}

/// Every debt can be repaid in full now (dry runs: nothing changes).
async fn all_repayable(client: &mut Client, s: &Suite, loans: u64) -> Result<(), String> {
    let pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let mut pool_m = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let q = |e: ink_e2e::Error| format!("dry run failed: {e:?}");
    for k in [AccountKeyring::Bob, AccountKeyring::Dave, AccountKeyring::Eve] {
        let out = client.call(&alice(), &pool.outstanding(acc(k))).dry_run().await.map_err(q)?.return_value().map_err(|e| format!("{e:?}"))?;
        if out > 0 {
            let r = client.call(&signer(k), &pool_m.repay(out + ONE)).dry_run().await.map_err(q)?.return_value();
            if r.is_err() {
                return Err(format!("{k:?} cannot repay the pool: {r:?}"));
            }
        }
    }
    for id in 1..=loans {
        let Some(v) = client.call(&alice(), &lm.loan(id)).dry_run().await.map_err(q)?.return_value().map_err(|e| format!("{e:?}"))? else { continue };
        if matches!(v.loan.state, LoanState::Active | LoanState::Overdue | LoanState::Defaulted) && v.owed > 0 {
            let who = signer(keyring_of(v.loan.borrower()));
            let r = client.call(&who, &lm.repay(id, v.owed + ONE)).dry_run().await.map_err(q)?.return_value();
            if r.is_err() {
                return Err(format!("loan {id} cannot be repaid in full: {r:?}"));
            }
        }
    }
    Ok(())
}

/// Dry-runs a call; submits it when the contract accepts. `Ok(true)` when
/// it was applied, `Ok(false)` when refused (nothing changes).
macro_rules! attempt {
    ($client:expr, $who:expr, $msg:expr) => {{
        let msg = $msg;
        let accepted = match $client.call($who, &msg).dry_run().await {
            Ok(r) => !r.is_err() && r.return_value().is_ok(),
            Err(_) => false,
        };
        accepted && $client.call($who, &msg).extra_gas_portion(50).submit().await.is_ok()
    }};
}

#[tokio::test]
async fn random_sequences_on_the_real_wasm_keep_every_invariant() -> TestResult {
    let sequences: u64 = std::env::var("DCU_SEQUENCES").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let ops: u64 = std::env::var("DCU_SEQUENCE_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let (_node, mut client) = start().await;
    let s = deploy(&mut client, "loan_manager_fast").await?;
    community(&mut client, &s).await?;
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let mut es = ink_e2e::create_call_builder::<WarrantEscrow>(s.escrow);
    // Short deadlines so loans fall due, default and expire within a sequence;
    // allowances for pool stakes and repayments.
    client
        .call(&alice(), &lm.set_params(LoanParams { default_after_ms: 2 * dcu_common::DAY_MS, request_expiry_ms: 4 * dcu_common::DAY_MS, ..LoanParams::default() }))
        .submit()
        .await?;
    for k in [alice(), bob(), charlie(), dave(), eve()] {
        client.call(&k, &tk.approve(s.pool, 100_000 * ONE)).submit().await?;
    }
    let alice_policy = ApprovalPolicy { min_score: 0, max_amount: 300 * ONE, max_term_days: 3, min_rate_bps: 0 };
    client.call(&alice(), &lm.set_approval_policy(Some(alice_policy))).submit().await?;
    let paths = paths();
    let mut loans = 0u64;
    let (mut applied, mut refused) = (0u64, 0u64);
    check(&mut client, &s, loans).await.map_err(|e| format!("before any operation: {e}"))?;
    for seq in 0..sequences {
        let seed = 0x9E37_79B9_7F4A_7C15u64 ^ (seq + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut rng = Rng(seed);
        for step in 0..ops {
            let loan = if loans == 0 { 1 } else { 1 + rng.below(loans) };
            let kind = rng.below(14);
            let label;
            let ok = match kind {
                0 => {
                    let k = [AccountKeyring::Bob, AccountKeyring::Dave, AccountKeyring::Eve][rng.below(3) as usize];
                    let amt = (1 + rng.below(300)) as u128 * ONE;
                    label = format!("{k:?} draws {amt}");
                    attempt!(client, &signer(k), pool.draw(amt, MAX_RATE_BPS))
                }
                1 => {
                    let k = [AccountKeyring::Bob, AccountKeyring::Dave, AccountKeyring::Eve][rng.below(3) as usize];
                    let amt = (1 + rng.below(300)) as u128 * ONE;
                    label = format!("{k:?} repays the pool {amt}");
                    attempt!(client, &signer(k), pool.repay(amt))
                }
                2 => {
                    let k = [AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie][rng.below(3) as usize];
                    let amt = (1 + rng.below(200)) as u128 * ONE;
                    label = format!("{k:?} stakes {amt}");
                    attempt!(client, &signer(k), pool.stake(amt))
                }
                3 | 4 => {
                    let p = paths[rng.below(paths.len() as u64) as usize].clone();
                    let amt = (1 + rng.below(400)) as u128 * ONE;
                    let term = 1 + rng.below(5) as u32;
                    let who = signer(keyring_of(*p.last().expect("a path")));
                    label = format!("request {amt} over {} hops for {term} days", p.len() - 1);
                    let ok = attempt!(client, &who, lm.request(amt, Purpose::ProductiveEnterprise, desc(), term, p));
                    if ok {
                        loans += 1;
                    }
                    ok
                }
                5 => {
                    label = format!("creditor approves loan {loan}");
                    match client.call(&alice(), &lm.loan(loan)).dry_run().await?.return_value() {
                        Ok(Some(v)) => attempt!(client, &signer(keyring_of(v.loan.creditor())), lm.approve(loan)),
                        _ => false,
                    }
                }
                6 => {
                    label = format!("intermediaries accept loan {loan}");
                    let mut any = false;
                    if let Some(rec) = client.call(&alice(), &es.loan(loan)).dry_run().await?.return_value() {
                        for w in rec.warrants {
                            let k = signer(keyring_of(w.holder));
                            any |= attempt!(client, &k, es.accept(loan));
                        }
                    }
                    any
                }
                7 | 8 => {
                    label = format!("borrower takes loan {loan}");
                    match client.call(&alice(), &lm.loan(loan)).dry_run().await?.return_value() {
                        Ok(Some(v)) => attempt!(client, &signer(keyring_of(v.loan.borrower())), lm.disburse(loan)),
                        _ => false,
                    }
                }
                9 | 10 => {
                    let amt = (1 + rng.below(250)) as u128 * ONE;
                    label = format!("borrower repays {amt} on loan {loan}");
                    match client.call(&alice(), &lm.loan(loan)).dry_run().await?.return_value() {
                        Ok(Some(v)) => attempt!(client, &signer(keyring_of(v.loan.borrower())), lm.repay(loan, amt)),
                        _ => false,
                    }
                }
                11 => {
                    label = format!("Ferdie marks overdue / declares default / settles loan {loan}");
                    let a = attempt!(client, &ferdie(), lm.mark_overdue(loan));
                    let b = attempt!(client, &ferdie(), lm.declare_default(loan));
                    let c = attempt!(client, &ferdie(), lm.settle(loan));
                    a || b || c
                }
                12 => {
                    label = format!("cancel or expire loan {loan}");
                    match client.call(&alice(), &lm.loan(loan)).dry_run().await?.return_value() {
                        Ok(Some(v)) if rng.below(2) == 0 => attempt!(client, &signer(keyring_of(v.loan.borrower())), lm.cancel(loan)),
                        Ok(Some(_)) => attempt!(client, &ferdie(), lm.expire(loan)),
                        _ => false,
                    }
                }
                _ => {
                    label = "a day passes".into();
                    tokio::time::sleep(std::time::Duration::from_millis(1_050)).await;
                    client.call(&ferdie(), &tk.approve(acc(AccountKeyring::Ferdie), 0)).submit().await.is_ok()
                }
            };
            if ok {
                applied += 1;
            } else {
                refused += 1;
            }
            check(&mut client, &s, loans).await.map_err(|e| format!("sequence {seq} (seed {seed:#x}), step {step} ({label}): {e}"))?;
        }
        all_repayable(&mut client, &s, loans).await.map_err(|e| format!("after sequence {seq} (seed {seed:#x}): {e}"))?;
    }
    eprintln!("{sequences} sequences of {ops} operations on the real Wasm: {applied} applied, {refused} refused, {loans} loans requested; every invariant held after each");
    assert!(applied > sequences, "the sequences did something: {applied} applied");
    Ok(())
}
