//! Unit tests of `credit_pool` in the off-chain environment (cross-contract
//! calls go to `crate::mock`): seed 004's examples exactly, the lock-out to
//! the millisecond, interest across the grace boundary, the repayment
//! waterfall, a co-insured default, every error of every message with
//! nothing changed, the security review's pool attacks replayed with other
//! numbers (H1 self-dealing against the insurance reserve, M1 the grace
//! roll, L2 a rate raised in front of a draw, M4 dust lines, L1 a stale
//! reservation released from a line created again, and the informational
//! "MAX_CREDIT can be exceeded" by term loans), term-loan settlement
//! warrants first, the pool's clock, random operation sequences compared
//! step by step with the shared in-memory model, and random sequences with
//! term loans checking SPEC v2's rules on what the test observes — with
//! the books checked after every step.

use crate::credit_pool::*;
use core::result::Result;
use crate::mock;
use dcu_common::iface::trust_graph::{self as tg, Reputation};
use dcu_common::loan::Purpose;
use dcu_common::pool::model::{Acc, Pool};
use dcu_common::pool::{PathInfo, PoolParams, MAX_RATE_BPS};
use dcu_common::{DAY_MS as D, ONE_TOKEN as T};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use proptest::prelude::*;
use psp22::PSP22Error;

const POOL: [u8; 32] = [0xC0; 32];
const GOV: [u8; 32] = [0xA1; 32];
const TOKEN: [u8; 32] = [0xA4; 32];
const GRAPH: [u8; 32] = [0xA5; 32];

fn id(n: u8) -> AccountId {
    AccountId::from([n; 32])
}
fn pool_id() -> AccountId {
    AccountId::from(POOL)
}
fn gov() -> AccountId {
    AccountId::from(GOV)
}
fn lm() -> AccountId {
    AccountId::from([0xB7; 32])
}
fn escrow() -> AccountId {
    AccountId::from([0xE5; 32])
}
const ALICE: u8 = 1;
const BOB: u8 = 2;
const EVE: u8 = 3;
const CAROL: u8 = 4;
const DAVE: u8 = 5;
const DEPLOYER: u8 = 9;

fn as_caller(n: u8) {
    test::set_caller::<Env>(id(n));
}
fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}
fn events() -> usize {
    test::recorded_events().count()
}

/// A wired pool; members 1..=8 each hold 1,000,000 tokens, all approved.
fn setup() -> CreditPool {
    mock::reset();
    test::set_callee::<Env>(pool_id());
    set_now(0);
    as_caller(DEPLOYER);
    let mut p = CreditPool::new(AccountId::from(TOKEN), AccountId::from(GRAPH));
    assert_eq!(p.wire(Wiring { governance: gov(), loan_manager: lm(), warrant_escrow: escrow() }), Ok(()));
    for n in 1..=8 {
        mock::fund(id(n), pool_id(), 1_000_000 * T);
    }
    p
}

/// `g` trusts `b` and gives it a line.
fn line(p: &mut CreditPool, g: u8, b: u8, limit: u128, rate: u32) {
    mock::trust(id(g), id(b));
    as_caller(g);
    assert_eq!(p.extend_credit(id(b), limit, rate), Ok(()));
}

fn stake(p: &mut CreditPool, g: u8, amount: u128) {
    as_caller(g);
    assert_eq!(p.stake(amount), Ok(()));
}

/// Every open term loan's hold (the tests keep open loans at ids below 32).
fn holds(p: &CreditPool) -> Vec<LoanHold> {
    (0..32).filter_map(|i| p.loan_hold(i)).collect()
}

/// The books: the pool's token balance is exactly unlent stake + insurance
/// + treasury (so balance + outstanding principal = Σ stake + insurance +
/// treasury); totals equal the sums over grantors and lines; every grantor's
/// lent and allocated equal the sums over its lines, lent ≤ stake; every
/// line's principal ≤ its limit; the two line indexes mirror each other;
/// and the anchoring books of [`check_own_capital`].
fn check_books(p: &CreditPool, accounts: &[u8]) -> Result<(), String> {
    let t = p.totals();
    let held = mock::balance(pool_id());
    let expected = t.tokens_held().ok_or("lent exceeds stake")?;
    if held != expected {
        return Err(format!("pool holds {held} ≠ unlent stake + insurance + treasury = {expected}"));
    }
    let (mut staked, mut allocated, mut lent, mut lines, mut principal) = (0u128, 0u128, 0u128, 0u32, 0u128);
    for &a in accounts {
        let g = p.grantor(id(a));
        let by = p.lines_by(id(a)).map_err(|e| format!("{e:?}"))?;
        let (mut l, al) = by.iter().fold((0, 0), |(x, y), l| (x + l.principal, y + l.limit));
        l += holds(p).iter().filter(|h| h.path[0] == id(a)).map(|h| h.principal).sum::<u128>();
        if l != g.lent || al != g.allocated {
            return Err(format!("grantor {a}: lent {} / allocated {} ≠ lines {l} / {al}", g.lent, g.allocated));
        }
        if g.lent > g.stake {
            return Err(format!("grantor {a} lent {} > stake {}", g.lent, g.stake));
        }
        for li in &by {
            if li.principal + li.reserved > li.limit {
                return Err(format!("line {a}→{:?}: principal above limit", li.borrower));
            }
            if li.insured > li.principal {
                return Err(format!("line {a}→{:?}: insured {} above principal {}", li.borrower, li.insured, li.principal));
            }
            let to = p.lines_to(li.borrower).map_err(|e| format!("{e:?}"))?;
            if !to.iter().any(|x| x.grantor == id(a)) {
                return Err(format!("line {a}→{:?} missing from lines_to", li.borrower));
            }
        }
        staked += g.stake;
        allocated += g.allocated;
        lent += g.lent;
        lines += g.lines;
        principal += p.borrower(id(a)).map_err(|e| format!("{e:?}"))?.principal;
    }
    if (staked, allocated, lent, lines) != (t.staked, t.allocated, t.lent, t.lines) {
        return Err(format!("totals {t:?} ≠ sums staked {staked} allocated {allocated} lent {lent} lines {lines}"));
    }
    let loans: u128 = holds(p).iter().map(|h| h.principal).sum();
    principal += loans;
    if principal != lent {
        return Err(format!("borrowers owe {principal} ≠ grantors lent {lent}"));
    }
    if held + principal != t.staked + t.insurance + t.treasury {
        return Err("assets ≠ stake + insurance + treasury".into());
    }
    accounts.iter().try_for_each(|&a| check_own_capital(p, a))
}

/// Anchoring books (SPEC §2, v2): a member's `owed` is exactly the principal
/// it owes as a borrower (its lines' principal + the term loans ending at
/// it); its own capital is stake − owed − defaulted, at least 0; the pool's
/// `reported` is what the trust graph holds; and the graph never holds more
/// than the member's own capital (borrowed tokens staked never anchor).
fn check_own_capital(p: &CreditPool, a: u8) -> Result<(), String> {
    let oc = p.own_capital(id(a));
    let info = p.borrower(id(a)).map_err(|e| format!("{e:?}"))?;
    let lines = info.principal;
    let loans: u128 = holds(p).iter().filter(|h| h.path.last() == Some(&id(a))).map(|h| h.principal).sum();
    if oc.owed != lines + loans {
        return Err(format!("member {a}: owed {} ≠ line principal {lines} + term loans {loans}", oc.owed));
    }
    let shown = info.owed;
    if shown != lines + loans {
        return Err(format!("member {a}: borrower().owed {shown} ≠ line principal {lines} + term loans {loans}"));
    }
    let g = p.grantor(id(a));
    if oc.stake != g.stake || oc.allocated != g.allocated || oc.own_capital != oc.stake.saturating_sub(oc.allocated + oc.owed + oc.defaulted) {
        return Err(format!("member {a}: own capital wrong: {oc:?}"));
    }
    if oc.reported != mock::reported_stake(id(a)).unwrap_or(0) {
        return Err(format!(
            "member {a}: pool says it reported {}, the graph holds {:?}",
            oc.reported,
            mock::reported_stake(id(a))
        ));
    }
    if oc.reported > oc.own_capital {
        return Err(format!("member {a}: the graph holds {} > own capital {}", oc.reported, oc.own_capital));
    }
    Ok(())
}

/// `a`'s report is current: the graph holds exactly its own capital.
fn reported_current(p: &CreditPool, a: u8) -> Result<(), String> {
    let oc = p.own_capital(id(a));
    if mock::reported_stake(id(a)).unwrap_or(0) != oc.own_capital {
        return Err(format!("member {a}: graph holds {:?}, own capital {oc:?}", mock::reported_stake(id(a))));
    }
    Ok(())
}

fn books(p: &CreditPool) {
    check_books(p, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
}

// ---------------------------------------------------------------------------
// Seed 004
// ---------------------------------------------------------------------------

#[ink::test]
fn seed_004_limits_alice_200_bob_100_eve_100() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 50 * T, 500);
    line(&mut p, ALICE, EVE, 50 * T, 500);
    stake(&mut p, BOB, 200 * T);
    line(&mut p, BOB, ALICE, 150 * T, 500);
    line(&mut p, BOB, EVE, 50 * T, 500);
    stake(&mut p, EVE, 100 * T);
    line(&mut p, EVE, ALICE, 50 * T, 500);
    line(&mut p, EVE, BOB, 50 * T, 500);
    assert_eq!(p.credit_limit(id(ALICE)), 200 * T);
    assert_eq!(p.credit_limit(id(BOB)), 100 * T);
    assert_eq!(p.credit_limit(id(EVE)), 100 * T);
    assert_eq!(p.available(id(ALICE)), Ok(200 * T));
    // Σ limits ≤ points: Alice cannot give a 101st token.
    mock::trust(id(ALICE), id(CAROL));
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(CAROL), 1, 500), Err(Error::InsufficientStake { available: 0, requested: 1 }));
    assert_eq!(mock::balance(pool_id()), 400 * T);
    assert_eq!(p.totals().lines, 6);
    books(&p);
}

/// Issue 18, hazard 1: the pool reads its stablecoin's decimals at
/// instantiation. With 18 decimals MAX_CREDIT, MIN_LINE and their ranges
/// are the same whole tokens, to the unit, and seed 004 plays the same; the
/// six-decimal numbers (a millionth of a millionth of a token there) are
/// refused. A token that does not tell its decimals is taken as six.
#[ink::test]
fn an_18_decimal_stablecoin_keeps_every_amount_in_whole_tokens() {
    let e = 10u128.pow(18);
    mock::reset();
    mock::set_token_decimals(Some(18));
    test::set_callee::<Env>(pool_id());
    set_now(0);
    as_caller(DEPLOYER);
    let mut p = CreditPool::new(AccountId::from(TOKEN), AccountId::from(GRAPH));
    assert_eq!(p.unit(), e);
    assert_eq!((p.params().max_credit, p.params().min_line), (10_000 * e, 10 * e));
    assert_eq!(p.wire(Wiring { governance: gov(), loan_manager: lm(), warrant_escrow: escrow() }), Ok(()));
    for n in 1..=8 {
        mock::fund(id(n), pool_id(), 1_000_000 * e);
    }
    stake(&mut p, ALICE, 100 * e);
    line(&mut p, ALICE, BOB, 50 * e, 500);
    line(&mut p, ALICE, EVE, 50 * e, 500);
    stake(&mut p, BOB, 200 * e);
    line(&mut p, BOB, ALICE, 150 * e, 500);
    line(&mut p, BOB, EVE, 50 * e, 500);
    stake(&mut p, EVE, 100 * e);
    line(&mut p, EVE, ALICE, 50 * e, 500);
    line(&mut p, EVE, BOB, 50 * e, 500);
    assert_eq!((p.credit_limit(id(ALICE)), p.credit_limit(id(BOB)), p.credit_limit(id(EVE))), (200 * e, 100 * e, 100 * e));
    as_caller(BOB);
    assert_eq!(p.draw(75 * e, MAX_RATE_BPS), Ok(()));
    assert_eq!(mock::balance(pool_id()), 325 * e);
    // MIN_LINE is ten whole tokens of this unit, not ten six-decimal ones.
    mock::trust(id(CAROL), id(DAVE));
    stake(&mut p, CAROL, 100 * e);
    as_caller(CAROL);
    assert_eq!(p.extend_credit(id(DAVE), 10 * T, 500), Err(Error::BelowMinLine { min: 10 * e }));
    assert_eq!(p.extend_credit(id(DAVE), 10 * e, 500), Ok(()));
    // Governance's ranges are whole tokens of this unit too.
    test::set_caller::<Env>(gov());
    assert_eq!(p.set_params(PoolParams { max_credit: 8_000 * T, ..p.params() }), Err(Error::InvalidParam { name: "max_credit".into() }));
    assert_eq!(p.set_params(PoolParams { max_credit: 8_000 * e, ..p.params() }), Ok(()));
    assert_eq!(p.params().max_credit, 8_000 * e);
    books(&p);

    // A token that does not answer `token_decimals`: six.
    mock::reset();
    mock::set_token_decimals(None);
    test::set_callee::<Env>(pool_id());
    as_caller(DEPLOYER);
    let p = CreditPool::new(AccountId::from(TOKEN), AccountId::from(GRAPH));
    assert_eq!((p.unit(), p.params()), (T, PoolParams::default()));
}

/// SPEC §2 (v2): the trust graph anchors members by their pool stake, so
/// the pool reports every stake change it makes (as own capital, here equal
/// to the stake as nothing is owed): a stake, an unstake (the anchoring ends
/// at once when the stake falls below the minimum).
#[ink::test]
fn every_stake_change_is_reported_to_the_trust_graph() {
    let mut p = setup();
    assert_eq!(mock::reported_stake(id(ALICE)), None);
    stake(&mut p, ALICE, 150 * T);
    assert_eq!(mock::reported_stake(id(ALICE)), Some(150 * T));
    stake(&mut p, ALICE, 50 * T);
    assert_eq!(mock::reported_stake(id(ALICE)), Some(200 * T));
    set_now(p.grantor(id(ALICE)).locked_until);
    as_caller(ALICE);
    assert_eq!(p.unstake(150 * T), Ok(()));
    assert_eq!(mock::reported_stake(id(ALICE)), Some(50 * T));
    // A refused unstake reports nothing.
    assert_eq!(p.unstake(51 * T).is_err(), true);
    assert_eq!(mock::reported_stake(id(ALICE)), Some(50 * T));
}

// ---------------------------------------------------------------------------
// Own capital: borrowed tokens staked do not anchor (SPEC §2, v2; review
// "borrowed stake anchors")
// ---------------------------------------------------------------------------

fn own(stake: u128, owed: u128, defaulted: u128, reported: u128) -> OwnCapitalInfo {
    own_with_lines(stake, 0, owed, defaulted, reported)
}

fn own_with_lines(stake: u128, allocated: u128, owed: u128, defaulted: u128, reported: u128) -> OwnCapitalInfo {
    OwnCapitalInfo { stake, allocated, owed, defaulted, own_capital: stake.saturating_sub(allocated + owed + defaulted), reported }
}

/// Borrowed tokens staked do not anchor: the pool reports own capital =
/// stake − what the member owes the pool, so a member who draws X from a
/// friend's line and stakes X reports 0 (unanchored). And 100 tokens of real
/// capital anchor one member, not a chain of members each lending the same
/// tokens on at 0 %.
#[ink::test]
fn stake_of_borrowed_tokens_does_not_anchor() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 100 * T, 0);
    as_caller(BOB);
    assert_eq!(p.draw(100 * T, MAX_RATE_BPS), Ok(()));
    // Bob stakes what he drew.
    stake(&mut p, BOB, 100 * T);
    assert_eq!(p.own_capital(id(BOB)), own(100 * T, 100 * T, 0, 0));
    assert_eq!(mock::reported_stake(id(BOB)).unwrap_or(0), 0, "borrowed tokens staked do not anchor");
    assert_eq!(mock::stake_calls(id(BOB)), 0, "0 before and after: the graph is not called");
    // Bob lends the same tokens on at 0 % to Carol, who stakes them too.
    line(&mut p, BOB, CAROL, 100 * T, 0);
    as_caller(CAROL);
    assert_eq!(p.draw(100 * T, MAX_RATE_BPS), Ok(()));
    stake(&mut p, CAROL, 100 * T);
    assert_eq!(mock::reported_stake(id(CAROL)).unwrap_or(0), 0);
    // Nor does stake promised to a borrower's line (outside review H1: a
    // grantor's lent stake still anchored it while the borrower passed the
    // tokens on): the 100 tokens anchor nobody while they are lent.
    assert_eq!(mock::reported_stake(id(ALICE)).unwrap_or(0), 0, "allocated to Bob's line: not Alice's own capital");
    assert_eq!(p.own_capital(id(ALICE)), own_with_lines(100 * T, 100 * T, 0, 0, 0));
    // Tokens of Bob's own anchor as they are, less what backs Carol's line.
    stake(&mut p, BOB, 150 * T);
    assert_eq!(mock::reported_stake(id(BOB)), Some(50 * T));
    assert_eq!(p.own_capital(id(BOB)), own_with_lines(250 * T, 100 * T, 100 * T, 0, 50 * T));
    // Alice closes her line once repaid: her capital is her own again.
    as_caller(BOB);
    mock::approve(id(BOB), pool_id(), 100 * T);
    assert_eq!(p.repay(100 * T), Ok(100 * T));
    set_now(90 * D);
    as_caller(ALICE);
    assert_eq!(p.close_line(id(BOB)), Ok(()));
    assert_eq!(mock::reported_stake(id(ALICE)), Some(100 * T));
    books(&p);
}

/// A draw lowers the reported own capital at once; repaying the principal
/// raises it back, step by step. Interest is not debt for anchoring (it
/// accrues with time, when no message runs): paying interest only changes
/// nothing the graph holds and calls nothing.
#[ink::test]
fn repaying_a_draw_raises_the_reported_own_capital_back() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 400 * T, 1_000);
    stake(&mut p, BOB, 500 * T);
    assert_eq!(mock::reported_stake(id(BOB)), Some(500 * T));
    as_caller(BOB);
    assert_eq!(p.draw(300 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(mock::reported_stake(id(BOB)), Some(200 * T), "a draw lowers own capital at once");
    assert_eq!(p.repay(100 * T), Ok(100 * T));
    assert_eq!(mock::reported_stake(id(BOB)), Some(300 * T));
    assert_eq!(p.own_capital(id(BOB)), own(500 * T, 200 * T, 0, 300 * T));
    set_now(40 * D);
    let interest = p.borrower(id(BOB)).unwrap().interest;
    assert!(interest > 0);
    let calls = mock::stake_calls(id(BOB));
    assert_eq!(p.repay(interest), Ok(interest));
    assert_eq!(mock::stake_calls(id(BOB)), calls, "interest paid: own capital unchanged, no call");
    assert_eq!(p.repay(200 * T), Ok(200 * T));
    assert_eq!(mock::reported_stake(id(BOB)), Some(500 * T), "all repaid: the whole stake anchors again");
    assert_eq!(p.own_capital(id(BOB)), own(500 * T, 0, 0, 500 * T));
    books(&p);
}

/// A term loan the pool funds is its borrower's debt: opening it lowers the
/// borrower's reported own capital, returning it raises it back. The
/// creditor lent its own capital and the intermediaries owe nothing: their
/// reports do not move. A settled (defaulted) loan stays against its
/// borrower, as defaulted, and the write-off lowers the creditor's.
#[ink::test]
fn a_term_loan_lowers_its_borrowers_own_capital_until_returned() {
    let (mut p, path) = three_hop_pool();
    stake(&mut p, BOB, 300 * T);
    assert_eq!(mock::reported_stake(id(BOB)), Some(300 * T));
    let others = [CAROL, ALICE, EVE].map(|a| (mock::stake_calls(id(a)), mock::reported_stake(id(a))));
    as_lm();
    let n = events();
    assert_eq!(p.loan_open(1, path.clone(), 150 * T, Purpose::ProductiveEnterprise), Ok(()));
    assert_eq!(events(), n + 2, "LoanOpened and OwnCapitalReported");
    assert_eq!(mock::reported_stake(id(BOB)), Some(150 * T), "the pool funded it: the borrower's debt");
    assert_eq!(p.own_capital(id(BOB)), own(300 * T, 150 * T, 0, 150 * T));
    assert_eq!([CAROL, ALICE, EVE].map(|a| (mock::stake_calls(id(a)), mock::reported_stake(id(a)))), others);
    books(&p);
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 100 * T);
    as_lm();
    assert_eq!(p.loan_return(1, 100 * T, 0, 0), Ok(()));
    assert_eq!(mock::reported_stake(id(BOB)), Some(250 * T));
    mock::transfer(lm(), pool_id(), 50 * T);
    assert_eq!(p.loan_return(1, 50 * T, 0, 0), Ok(()));
    assert_eq!(mock::reported_stake(id(BOB)), Some(300 * T), "returned: own capital back");
    assert_eq!(p.own_capital(id(BOB)), own(300 * T, 0, 0, 300 * T));
    books(&p);
    // A second loan defaults and is settled (no insurance): Bob never paid
    // it back, so it keeps counting against him; Carol's stake bears it.
    assert_eq!(p.loan_open(2, path.clone(), 100 * T, Purpose::ProductiveEnterprise), Ok(()));
    assert_eq!(mock::reported_stake(id(BOB)), Some(200 * T));
    let bob_calls = mock::stake_calls(id(BOB));
    assert_eq!(p.loan_settle(2, 0), Ok((0, 100 * T)));
    assert_eq!(p.own_capital(id(BOB)), own(300 * T, 0, 100 * T, 200 * T));
    assert_eq!(mock::stake_calls(id(BOB)), bob_calls, "unchanged: no call");
    let c = p.grantor(id(CAROL));
    assert_eq!(c.stake, 900 * T);
    assert_eq!(mock::reported_stake(id(CAROL)), Some(c.stake - c.allocated), "the write-off lowers the creditor at once");
    books(&p);
}

/// A pool default: the defaulter's unpaid principal stays counted against
/// it (as defaulted: what it still holds is other people's money), and the
/// grantors' write-offs lower their reports at once.
#[ink::test]
fn a_pool_default_keeps_the_defaulters_debt_and_lowers_its_grantors() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 300 * T, 1_000);
    stake(&mut p, BOB, 500 * T);
    as_caller(BOB);
    assert_eq!(p.draw(300 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(mock::reported_stake(id(BOB)), Some(200 * T));
    set_now(31 * D + 180 * D);
    as_caller(DAVE);
    let bob_calls = mock::stake_calls(id(BOB));
    assert_eq!(p.declare_default(id(BOB)), Ok(()));
    assert_eq!(p.own_capital(id(BOB)), own(500 * T, 0, 300 * T, 200 * T));
    assert_eq!(mock::stake_calls(id(BOB)), bob_calls, "unchanged: no call");
    assert_eq!(mock::reported_stake(id(ALICE)), Some(700 * T), "the write-off lowers the grantor at once");
    books(&p);
}

/// Weight: a member without stake (own capital 0 before and after) who draws
/// and repays calls the graph for nothing, and emits only its own events;
/// nor does a member whose debt already exceeds its stake. The graph hears
/// of it again only once its own capital is above 0.
#[ink::test]
fn a_member_without_own_capital_who_draws_calls_the_graph_for_nothing() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 300 * T, 1_000);
    as_caller(BOB);
    let n = events();
    assert_eq!(p.draw(100 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(events(), n + 1, "Drawn only");
    assert_eq!(p.repay(50 * T), Ok(50 * T));
    assert_eq!(p.draw(50 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(mock::stake_calls(id(BOB)), 0);
    assert_eq!(mock::reported_stake(id(BOB)), None);
    assert_eq!(p.own_capital(id(BOB)), own(0, 100 * T, 0, 0));
    // 50 staked against 100 owed: still no own capital, no call.
    stake(&mut p, BOB, 50 * T);
    as_caller(BOB);
    assert_eq!(p.draw(50 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(p.repay(100 * T), Ok(100 * T));
    assert_eq!(mock::stake_calls(id(BOB)), 0);
    assert_eq!(p.repay(50 * T), Ok(50 * T));
    assert_eq!((mock::stake_calls(id(BOB)), mock::reported_stake(id(BOB))), (1, Some(50 * T)));
    books(&p);
}

/// A report that lowers own capital must reach the graph: a draw the graph
/// cannot hear of is refused. A repayment only raises it and is never
/// blocked: it goes through and the graph keeps the lower value, until
/// anyone calls `report_own_capital`.
#[ink::test]
fn a_repayment_is_never_blocked_by_the_graph_and_anyone_brings_the_report_current() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 400 * T, 1_000);
    stake(&mut p, BOB, 500 * T);
    as_caller(BOB);
    assert_eq!(p.draw(300 * T, MAX_RATE_BPS), Ok(()));
    mock::refuse_stake_reports(Some(tg::Error::NotWired));
    assert_eq!(p.draw(T, MAX_RATE_BPS), Err(Error::TrustGraph(tg::Error::NotWired)));
    // On chain the refusal reverts the payment too; the off-chain ledger does not.
    mock::transfer(id(BOB), pool_id(), T);
    assert_eq!(p.borrower(id(BOB)).unwrap().principal, 300 * T);
    assert_eq!(p.own_capital(id(BOB)), own(500 * T, 300 * T, 0, 200 * T));
    assert_eq!(p.repay(300 * T), Ok(300 * T));
    assert_eq!(mock::reported_stake(id(BOB)), Some(200 * T), "the graph keeps the lower value");
    assert_eq!(p.own_capital(id(BOB)), own(500 * T, 0, 0, 200 * T));
    books(&p);
    assert_eq!(p.report_own_capital(id(BOB)), Err(Error::TrustGraph(tg::Error::NotWired)));
    mock::refuse_stake_reports(None);
    as_caller(DAVE);
    let n = events();
    assert_eq!(p.report_own_capital(id(BOB)), Ok(500 * T));
    assert_eq!(events(), n + 1);
    assert_eq!(mock::reported_stake(id(BOB)), Some(500 * T));
    // Interest a grantor earns reaches the graph the same way.
    as_caller(BOB);
    assert_eq!(p.draw(100 * T, MAX_RATE_BPS), Ok(()));
    set_now(30 * D + 365 * D);
    let owed = p.outstanding(id(BOB)).unwrap();
    assert_eq!(p.repay(owed), Ok(owed));
    let alice = p.own_capital(id(ALICE));
    assert!(alice.reported < alice.own_capital, "interest earned is not reported by the borrower's repayment");
    assert_eq!(p.report_own_capital(id(ALICE)), Ok(alice.own_capital));
    assert_eq!(mock::reported_stake(id(ALICE)), Some(alice.own_capital));
    books(&p);
}

/// SPEC §2 (v2): while a warning is open — from the pool or from an overdue
/// term loan, as the trust graph reports it — the member may not draw and
/// receives no new or larger line; it may still repay, and its grantors may
/// still lower or close lines.
#[ink::test]
fn a_warned_member_may_not_draw_or_receive_new_lines() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 300 * T, 500);
    as_caller(BOB);
    p.draw(100 * T, MAX_RATE_BPS).unwrap();
    mock::set_warnings(id(BOB), 1);
    let before = (p.borrower(id(BOB)).unwrap(), p.totals(), events());
    assert_eq!(p.draw(1, MAX_RATE_BPS), Err(Error::OpenWarning { open: 1 }));
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(BOB), 301 * T, 500), Err(Error::OpenWarning { open: 1 }));
    mock::trust(id(EVE), id(BOB));
    stake(&mut p, EVE, 100 * T);
    as_caller(EVE);
    assert_eq!(p.extend_credit(id(BOB), 10 * T, 500), Err(Error::OpenWarning { open: 1 }));
    // Only Eve's stake happened (Staked, and her own capital reported).
    assert_eq!(
        (p.borrower(id(BOB)).unwrap(), p.totals(), events()),
        (before.0, p.totals(), before.2 + 2),
        "only Eve's stake happened"
    );
    assert_eq!(p.line(id(EVE), id(BOB)), Ok(None));
    as_caller(BOB);
    assert_eq!(p.repay(10 * T), Ok(10 * T));
    mock::set_warnings(id(BOB), 0);
    assert_eq!(p.draw(1, MAX_RATE_BPS), Ok(()));
    books(&p);
}

/// SPEC §2 (v2), stated directly: no repayment that pays less than the
/// interest due — or, within the grace, less than a day's worth (1/30) of
/// the principal — counts as history or clears a warning; one that does,
/// counts; and the pool's warning is cleared by the pool once its interest
/// is paid, never by a repayment that leaves interest unpaid.
#[ink::test]
fn dust_repayments_earn_no_reputation_and_clear_no_warning() {
    let mut p = setup();
    stake(&mut p, ALICE, 10_000 * T);
    line(&mut p, ALICE, BOB, 3_000 * T, 1_000);
    as_caller(BOB);
    p.draw(3_000 * T, MAX_RATE_BPS).unwrap();
    // In the grace: 1 unit, and 99.99 of 3,000 (< 1/30 = 100), earn nothing.
    assert_eq!(p.repay(1), Ok(1));
    assert_eq!(p.repay(99_990_000), Ok(99_990_000));
    assert!(mock::records().is_empty());
    // 1/30 of what is owed now (2,900.01 / 30, rounded up) counts.
    let owed = p.borrower(id(BOB)).unwrap().principal;
    assert_eq!(p.repay(owed.div_ceil(30)), Ok(owed.div_ceil(30)));
    assert_eq!(mock::records(), vec![(Reputation::Repayment, id(BOB))]);
    // Past the grace and 60 days of unpaid interest: the pool warns.
    set_now(30 * D + 61 * D);
    as_caller(DAVE);
    p.mark_overdue(id(BOB)).unwrap();
    let due = p.borrower(id(BOB)).unwrap().interest;
    assert!(due > 1);
    as_caller(BOB);
    assert_eq!(p.repay(due - 1), Ok(due - 1));
    assert_eq!(mock::records().len(), 2, "a repayment short of the interest due neither counts nor clears: {:?}", mock::records());
    assert_eq!(p.repay(1), Ok(1));
    assert_eq!(
        mock::records()[2..].to_vec(),
        vec![(Reputation::WarningCleared, id(BOB)), (Reputation::Repayment, id(BOB))],
        "the pool clears its own warning once the interest is paid"
    );
    books(&p);
}

/// Review of v2, F3: two lines overdue since different days; part of the
/// interest repaid moves the episode's oldest unpaid day. A second
/// `mark_overdue` must not raise a second warning — the one repayment that
/// pays everything clears exactly the one the pool raised.
#[ink::test]
fn one_pool_warning_per_episode_even_when_its_oldest_day_moves() {
    let mut p = setup();
    stake(&mut p, ALICE, 10_000 * T);
    stake(&mut p, EVE, 10_000 * T);
    line(&mut p, ALICE, BOB, 1_000 * T, 1_000);
    as_caller(BOB);
    p.draw(1_000 * T, MAX_RATE_BPS).unwrap();
    set_now(10 * D);
    line(&mut p, EVE, BOB, 1_000 * T, 500);
    as_caller(BOB);
    p.draw(1_000 * T, MAX_RATE_BPS).unwrap();
    set_now(120 * D);
    as_caller(DAVE);
    p.mark_overdue(id(BOB)).unwrap();
    let since = p.borrower(id(BOB)).unwrap().unpaid_since;
    // Bob pays the oldest line's interest only: the oldest unpaid day moves.
    as_caller(BOB);
    let first = p.line(id(ALICE), id(BOB)).unwrap().unwrap().interest;
    p.repay(first).unwrap();
    assert_ne!(p.borrower(id(BOB)).unwrap().unpaid_since, since);
    set_now(200 * D);
    as_caller(DAVE);
    assert_eq!(p.mark_overdue(id(BOB)), Err(Error::AlreadyWarned));
    let warnings = mock::records().iter().filter(|(e, _)| *e == Reputation::Warning).count();
    assert_eq!(warnings, 1);
    as_caller(BOB);
    p.repay(p.borrower(id(BOB)).unwrap().interest).unwrap();
    let cleared = mock::records().iter().filter(|(e, _)| *e == Reputation::WarningCleared).count();
    assert_eq!(cleared, 1, "the one warning is cleared");
    books(&p);
}

#[ink::test]
fn seed_004_granted_20000_may_use_10000() {
    let mut p = setup();
    stake(&mut p, ALICE, 12_000 * T);
    stake(&mut p, BOB, 8_000 * T);
    line(&mut p, ALICE, CAROL, 12_000 * T, 300);
    line(&mut p, BOB, CAROL, 8_000 * T, 400);
    assert_eq!(p.credit_limit(id(CAROL)), 10_000 * T);
    as_caller(CAROL);
    assert_eq!(p.draw(10_000 * T + 1, MAX_RATE_BPS), Err(Error::AboveMaxCredit { owed: 0, max_credit: 10_000 * T }));
    let before = mock::balance(id(CAROL));
    assert_eq!(p.draw(10_000 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(mock::balance(id(CAROL)) - before, 10_000 * T);
    // Lowest rate first: all of it from Alice's 3 % line.
    assert_eq!(p.line(id(ALICE), id(CAROL)).unwrap().unwrap().principal, 10_000 * T);
    assert_eq!(p.line(id(BOB), id(CAROL)).unwrap().unwrap().principal, 0);
    assert_eq!(p.available(id(CAROL)), Ok(0));
    books(&p);
}

#[ink::test]
fn draws_take_the_lowest_rate_first_and_the_oldest_line_on_ties() {
    let mut p = setup();
    for g in [ALICE, EVE, CAROL] {
        stake(&mut p, g, 100 * T);
    }
    line(&mut p, EVE, BOB, 40 * T, 500); // oldest 5 % line
    line(&mut p, CAROL, BOB, 40 * T, 300); // cheapest
    line(&mut p, ALICE, BOB, 40 * T, 500); // younger 5 % line
    as_caller(BOB);
    assert_eq!(p.draw(60 * T, MAX_RATE_BPS), Ok(()));
    let drawn = |p: &CreditPool| [CAROL, EVE, ALICE].map(|g| p.line(id(g), id(BOB)).unwrap().unwrap().principal);
    assert_eq!(drawn(&p), [40 * T, 20 * T, 0]);
    assert_eq!(p.draw(30 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(drawn(&p), [40 * T, 40 * T, 10 * T]);
    // Repayment goes the other way: highest rate first, oldest first on ties.
    assert_eq!(p.repay(45 * T), Ok(45 * T));
    assert_eq!(drawn(&p), [40 * T, 0, 5 * T]);
    books(&p);
}

#[ink::test]
fn seed_004_alice_must_wait_the_lockout_to_take_a_line_back() {
    let mut p = setup();
    let t0 = 5 * D;
    set_now(t0);
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 50 * T, 500);
    let end = t0 + 90 * D;
    set_now(end - 1);
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(BOB), 10 * T, 500), Err(Error::LockedUntil { until: end }));
    assert_eq!(p.close_line(id(BOB)), Err(Error::LockedUntil { until: end }));
    assert_eq!(p.unstake(50 * T), Err(Error::LockedUntil { until: end }));
    assert_eq!(p.line(id(ALICE), id(BOB)).unwrap().unwrap().limit, 50 * T);
    set_now(end);
    let n = events();
    assert_eq!(p.close_line(id(BOB)), Ok(()));
    assert_eq!(events(), n + 2, "LineClosed and Alice's own capital freed");
    assert_eq!(p.line(id(ALICE), id(BOB)), Ok(None));
    assert_eq!(p.close_line(id(BOB)), Err(Error::NoSuchLine));
    let before = mock::balance(id(ALICE));
    assert_eq!(p.unstake(100 * T), Ok(()));
    assert_eq!(mock::balance(id(ALICE)) - before, 100 * T);
    assert_eq!(p.grantor(id(ALICE)), GrantorInfo::default());
    books(&p);
}

// ---------------------------------------------------------------------------
// Interest, repayment, default
// ---------------------------------------------------------------------------

#[ink::test]
fn interest_starts_after_the_grace_period_daily() {
    let mut p = setup();
    stake(&mut p, ALICE, 10_000 * T);
    line(&mut p, ALICE, BOB, 3_650 * T, 1_000); // 10 % a year
    as_caller(BOB);
    p.draw(3_650 * T, MAX_RATE_BPS).unwrap();
    let owed = |p: &CreditPool, at: u64| {
        set_now(at);
        p.outstanding(id(BOB)).unwrap()
    };
    assert_eq!(owed(&p, 30 * D - 1), 3_650 * T);
    assert_eq!(owed(&p, 30 * D), 3_650 * T);
    assert_eq!(owed(&p, 31 * D - 1), 3_650 * T);
    // One day after the grace: 3,650 · 10 % / 365 = 1 token.
    assert_eq!(owed(&p, 31 * D), 3_651 * T);
    assert_eq!(owed(&p, 40 * D), 3_660 * T);
    let b = p.borrower(id(BOB)).unwrap();
    assert_eq!((b.principal, b.interest, b.unpaid_since), (3_650 * T, 10 * T, 31 * D));
    assert_eq!((b.overdue_at, b.default_at), (91 * D, 211 * D));
    books(&p);
}

#[ink::test]
fn repay_pays_interest_then_principal_highest_rate_first_with_fee_and_insurance() {
    let mut p = setup();
    stake(&mut p, ALICE, 10_000 * T);
    stake(&mut p, EVE, 10_000 * T);
    line(&mut p, ALICE, BOB, 3_650 * T, 1_000); // 10 %
    line(&mut p, EVE, BOB, 3_650 * T, 2_000); // 20 %
    as_caller(BOB);
    p.draw(7_300 * T, MAX_RATE_BPS).unwrap();
    set_now(40 * D); // 10 days past the grace: Alice's line 10, Eve's 20
    assert_eq!(p.outstanding(id(BOB)), Ok(7_330 * T));
    let wallet = mock::balance(id(BOB));
    // 25: Eve's 20 of interest first (higher rate), then 5 of Alice's.
    assert_eq!(p.repay(25 * T), Ok(25 * T));
    assert_eq!(wallet - mock::balance(id(BOB)), 25 * T);
    assert_eq!(p.line(id(EVE), id(BOB)).unwrap().unwrap().interest, 0);
    assert_eq!(p.line(id(ALICE), id(BOB)).unwrap().unwrap().interest, 5 * T);
    let t = p.totals();
    assert_eq!((t.treasury, t.insurance, t.interest_earned), (2_500_000, 1_250_000, 21_250_000));
    assert_eq!(p.grantor(id(EVE)).stake, 10_017 * T);
    assert_eq!(p.grantor(id(ALICE)).stake, 10_004_250_000);
    // 25 of the 30 of interest due: not a repayment that earns reputation.
    assert!(mock::records().is_empty());
    // 3,655 more: Alice's 5 of interest, then Eve's principal (20 %) in full.
    assert_eq!(p.repay(3_655 * T), Ok(3_655 * T));
    assert_eq!(mock::records(), vec![(Reputation::Repayment, id(BOB))]);
    assert_eq!(p.line(id(EVE), id(BOB)).unwrap().unwrap().principal, 0);
    assert_eq!(p.line(id(ALICE), id(BOB)).unwrap().unwrap().principal, 3_650 * T);
    // Overpaying takes only what is owed.
    assert_eq!(p.repay(1_000_000 * T), Ok(3_650 * T));
    assert_eq!(p.repay(1), Err(Error::NothingOwed));
    assert_eq!(p.repay(0), Err(Error::ZeroAmount));
    books(&p);
}

/// SPEC v2 co-insurance (in v1 this test had insurance pay the whole
/// reserve, 3/4 and 1/4): Bob draws on lines 400 days old, so his principal
/// is insured; each grantor's cover is at most half its loss and the
/// default takes at most 10 % of the reserve, shared pro rata.
#[ink::test]
fn default_is_co_insured_within_cover_share_and_reserve_share_and_written_off_pro_rata() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    stake(&mut p, EVE, 1_000 * T);
    line(&mut p, ALICE, BOB, 300 * T, 1_000);
    line(&mut p, EVE, BOB, 100 * T, 1_000);
    line(&mut p, ALICE, CAROL, 700 * T, 1_000);
    // Carol borrows and pays a year of interest: the insurance reserve fills a little.
    as_caller(CAROL);
    p.draw(700 * T, MAX_RATE_BPS).unwrap();
    set_now(30 * D + 365 * D);
    p.repay(780 * T).unwrap();
    let reserve = p.totals().insurance;
    assert_eq!(reserve, 3_500_000); // 5 % of 70 tokens of interest
    let t0 = 400 * D;
    set_now(t0);
    as_caller(BOB);
    p.draw(400 * T, MAX_RATE_BPS).unwrap();
    assert_eq!(p.line(id(ALICE), id(BOB)).unwrap().unwrap().insured, 300 * T);
    assert_eq!(p.line(id(ALICE), id(BOB)).unwrap().unwrap().insured_from, 90 * D);
    // Bob never pays: interest unpaid since 31 days after his draw; a
    // warning after 60 days, a default after 180 days, not a millisecond earlier.
    let since = t0 + 31 * D;
    set_now(since);
    assert_eq!(p.borrower(id(BOB)).unwrap().unpaid_since, since);
    set_now(since + 60 * D - 1);
    as_caller(DAVE);
    assert_eq!(p.mark_overdue(id(BOB)), Err(Error::NotDue { since }));
    set_now(since + 60 * D);
    assert_eq!(p.mark_overdue(id(BOB)), Ok(()));
    assert_eq!(p.mark_overdue(id(BOB)), Err(Error::AlreadyWarned));
    set_now(since + 180 * D - 1);
    assert_eq!(p.declare_default(id(BOB)), Err(Error::NotDue { since }));
    let (a0, e0) = (p.grantor(id(ALICE)).stake, p.grantor(id(EVE)).stake);
    set_now(since + 180 * D);
    let n = events();
    assert_eq!(p.declare_default(id(BOB)), Ok(()));
    assert_eq!(events(), n + 3, "Defaulted, and Alice's and Eve's lower own capital reported");
    // Caps 150 and 50 (half of each loss) share a pot of 10 % of the reserve.
    let (ca, ce) = (262_500, 87_500);
    assert_eq!(ca + ce, reserve / 10);
    assert_eq!(a0 - p.grantor(id(ALICE)).stake, 300 * T - ca);
    assert_eq!(e0 - p.grantor(id(EVE)).stake, 100 * T - ce);
    // The trust graph hears of every grantor's smaller stake (anchoring).
    for g in [ALICE, EVE] {
        let r = p.grantor(id(g));
        assert_eq!(mock::reported_stake(id(g)), Some(r.stake - r.allocated));
    }
    let t = p.totals();
    assert_eq!((t.insurance, t.written_off), (reserve - ca - ce, 400 * T - ca - ce));
    assert_eq!(p.lines_to(id(BOB)), Ok(vec![]));
    assert_eq!(p.credit_limit(id(BOB)), 0);
    assert_eq!(p.grantor(id(ALICE)).allocated, 700 * T);
    assert_eq!(
        mock::records(),
        vec![(Reputation::Repayment, id(CAROL)), (Reputation::Warning, id(BOB)), (Reputation::Default, id(BOB))]
    );
    assert_eq!(p.declare_default(id(BOB)), Err(Error::NotDue { since: 0 }));
    books(&p);
}

#[ink::test]
fn a_second_overdue_episode_can_be_warned_again_after_interest_is_paid() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 365 * T, 1_000);
    as_caller(BOB);
    p.draw(365 * T, MAX_RATE_BPS).unwrap();
    set_now(31 * D + 60 * D);
    p.mark_overdue(id(BOB)).unwrap();
    as_caller(BOB);
    let interest = p.borrower(id(BOB)).unwrap().interest;
    assert_eq!(p.repay(interest), Ok(interest));
    assert_eq!(p.borrower(id(BOB)).unwrap().unpaid_since, 0);
    set_now(31 * D + 60 * D + 61 * D);
    assert_eq!(p.mark_overdue(id(BOB)), Ok(()));
    books(&p);
}

// ---------------------------------------------------------------------------
// Refusals: each changes nothing
// ---------------------------------------------------------------------------

#[ink::test]
fn stake_refusals() {
    let mut p = setup();
    as_caller(ALICE);
    assert_eq!(p.stake(0), Err(Error::ZeroAmount));
    mock::approve(id(ALICE), pool_id(), 10 * T);
    assert_eq!(p.stake(11 * T), Err(Error::Token(PSP22Error::InsufficientAllowance)));
    mock::fund(id(9), pool_id(), 5 * T);
    as_caller(9);
    mock::approve(id(9), pool_id(), 6 * T);
    assert_eq!(p.stake(6 * T), Err(Error::Token(PSP22Error::InsufficientBalance)));
    assert_eq!(p.grantor(id(ALICE)), GrantorInfo::default());
    assert_eq!(p.totals(), Totals::default());
    assert_eq!(mock::balance(pool_id()), 0);
    assert_eq!(events(), 1); // only `Wired`
    // Restaking restarts the lock-out of the whole stake.
    as_caller(ALICE);
    assert_eq!(p.stake(10 * T), Ok(()));
    set_now(50 * D);
    mock::approve(id(ALICE), pool_id(), 10 * T);
    assert_eq!(p.stake(T), Ok(()));
    assert_eq!(p.grantor(id(ALICE)).locked_until, 140 * D);
}

#[ink::test]
fn extend_refusals() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(ALICE), T, 500), Err(Error::SelfCredit));
    assert_eq!(p.extend_credit(id(BOB), T, 500), Err(Error::NoTrustEdge));
    mock::trust(id(ALICE), id(BOB));
    assert_eq!(p.extend_credit(id(BOB), 0, 500), Err(Error::ZeroAmount));
    assert_eq!(p.extend_credit(id(BOB), T, MAX_RATE_BPS + 1), Err(Error::RateTooHigh { max: MAX_RATE_BPS }));
    assert_eq!(p.extend_credit(id(BOB), 101 * T, 500), Err(Error::InsufficientStake { available: 100 * T, requested: 101 * T }));
    assert_eq!(p.totals().lines, 0);
    assert_eq!(p.extend_credit(id(BOB), 100 * T, MAX_RATE_BPS), Ok(()));
    // Raising needs the edge; lowering does not (after the lock-out).
    mock::untrust(id(ALICE), id(BOB));
    as_caller(BOB);
    p.draw(40 * T, MAX_RATE_BPS).unwrap();
    as_caller(ALICE);
    set_now(90 * D);
    assert_eq!(p.extend_credit(id(BOB), 39 * T, MAX_RATE_BPS), Err(Error::BelowDrawn { drawn: 40 * T }));
    assert_eq!(p.extend_credit(id(BOB), 50 * T, 500), Err(Error::RateChangeWhileDrawn));
    assert_eq!(p.close_line(id(BOB)), Err(Error::BelowDrawn { drawn: 40 * T }));
    assert_eq!(p.extend_credit(id(BOB), 40 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(p.grantor(id(ALICE)).allocated, 40 * T);
    books(&p);
}

#[ink::test]
fn lines_are_capped_per_borrower_and_per_grantor() {
    let mut p = setup();
    // 32 grantors give one line each to account 200: the 33rd is refused.
    // (Lines are at least MIN_LINE, 10 tokens, since SPEC v2.)
    for g in 100..=132u8 {
        mock::fund(id(g), pool_id(), 10 * T);
        stake(&mut p, g, 10 * T);
        mock::trust(id(g), id(200));
        as_caller(g);
        let r = p.extend_credit(id(200), 10 * T, u32::from(g));
        if g < 132 {
            assert_eq!(r, Ok(()));
        } else {
            assert_eq!(r, Err(Error::TooManyLines { cap: MAX_LINES_PER_BORROWER }));
        }
    }
    assert_eq!(p.lines_to(id(200)).unwrap().len(), 32);
    // A draw across all 32, cheapest first.
    as_caller(200);
    assert_eq!(p.draw(32 * T, MAX_RATE_BPS), Ok(()));
    // One grantor gives 64 lines: the 65th is refused.
    mock::fund(id(99), pool_id(), 1_000 * T);
    stake(&mut p, 99, 1_000 * T);
    for b in 1..=65u8 {
        let b = b + 133;
        mock::trust(id(99), id(b));
        as_caller(99);
        let r = p.extend_credit(id(b), 10 * T, 100);
        if b < 133 + 65 {
            assert_eq!(r, Ok(()));
        } else {
            assert_eq!(r, Err(Error::TooManyLines { cap: MAX_LINES_PER_GRANTOR }));
        }
    }
    assert_eq!(p.grantor(id(99)).lines, 64);
}

#[ink::test]
fn draw_and_unstake_refusals() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 60 * T, 500);
    as_caller(BOB);
    assert_eq!(p.draw(0, MAX_RATE_BPS), Err(Error::ZeroAmount));
    assert_eq!(p.draw(60 * T + 1, MAX_RATE_BPS), Err(Error::InsufficientCredit { available: 60 * T, requested: 60 * T + 1 }));
    as_caller(CAROL);
    assert_eq!(p.draw(1, MAX_RATE_BPS), Err(Error::InsufficientCredit { available: 0, requested: 1 }));
    assert_eq!(p.repay(1), Err(Error::NothingOwed));
    as_caller(ALICE);
    set_now(90 * D);
    assert_eq!(p.unstake(0), Err(Error::ZeroAmount));
    // 60 allocated: 40 free.
    assert_eq!(p.unstake(41 * T), Err(Error::InsufficientStake { available: 40 * T, requested: 41 * T }));
    assert_eq!(p.grantor(id(ALICE)).free, 40 * T);
    assert_eq!(p.unstake(40 * T), Ok(()));
    books(&p);
}

#[ink::test]
fn repay_refusals_change_nothing_and_repay_needs_no_reputation() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 60 * T, 500);
    as_caller(BOB);
    p.draw(60 * T, MAX_RATE_BPS).unwrap();
    mock::approve(id(BOB), pool_id(), 10 * T);
    let before = (p.totals(), p.borrower(id(BOB)).unwrap(), mock::balance(id(BOB)), events());
    assert_eq!(p.repay(11 * T), Err(Error::Token(PSP22Error::InsufficientAllowance)));
    assert_eq!(before, (p.totals(), p.borrower(id(BOB)).unwrap(), mock::balance(id(BOB)), events()));
    // The trust graph refusing the record never blocks a repayment.
    mock::refuse_records(Some(tg::Error::NotWired));
    assert_eq!(p.repay(10 * T), Ok(10 * T));
    assert_eq!(p.borrower(id(BOB)).unwrap().principal, 50 * T);
    assert!(mock::records().is_empty());
    // ... but a warning or a default must reach it.
    set_now(31 * D + 180 * D);
    assert_eq!(p.mark_overdue(id(BOB)), Err(Error::TrustGraph(tg::Error::NotWired)));
    assert_eq!(p.declare_default(id(BOB)), Err(Error::TrustGraph(tg::Error::NotWired)));
    assert_eq!(p.borrower(id(BOB)).unwrap().principal, 50 * T);
    books(&p);
}

#[ink::test]
fn pause_stops_new_risk_but_never_repayment_or_free_stake() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 60 * T, 500);
    as_caller(BOB);
    p.draw(30 * T, MAX_RATE_BPS).unwrap();
    as_caller(ALICE);
    assert_eq!(p.set_paused(true), Err(Error::Unauthorized { caller: id(ALICE) }));
    test::set_caller::<Env>(gov());
    assert_eq!(p.set_paused(true), Ok(()));
    assert!(p.is_paused());
    as_caller(ALICE);
    assert_eq!(p.stake(T), Err(Error::Paused));
    assert_eq!(p.extend_credit(id(BOB), 61 * T, 500), Err(Error::Paused));
    as_caller(BOB);
    assert_eq!(p.draw(T, MAX_RATE_BPS), Err(Error::Paused));
    assert_eq!(p.repay(30 * T), Ok(30 * T));
    set_now(90 * D);
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(BOB), 10 * T, 500), Ok(()));
    assert_eq!(p.unstake(90 * T), Ok(()));
    test::set_caller::<Env>(gov());
    assert_eq!(p.set_paused(false), Ok(()));
    as_caller(BOB);
    assert_eq!(p.draw(T, MAX_RATE_BPS), Ok(()));
    books(&p);
}

#[ink::test]
fn governance_alone_sets_params_within_their_ranges() {
    let mut p = setup();
    let ok = PoolParams::default();
    as_caller(DEPLOYER);
    assert_eq!(p.set_params(ok), Err(Error::Unauthorized { caller: id(DEPLOYER) }));
    test::set_caller::<Env>(gov());
    let bad = |f: &dyn Fn(&mut PoolParams), name: &str| {
        let mut x = ok;
        f(&mut x);
        (x, name.to_string())
    };
    let cases = [
        bad(&|x| x.lockout_ms = 90 * D - 1, "lockout_ms"),
        bad(&|x| x.lockout_ms = 180 * D + 1, "lockout_ms"),
        bad(&|x| x.max_credit = 2_000 * T - 1, "max_credit"),
        bad(&|x| x.max_credit = 10_000 * T + 1, "max_credit"),
        bad(&|x| x.grace_ms = 90 * D + 1, "grace_ms"),
        bad(&|x| x.fee_bps = 2_501, "fee_bps"),
        bad(&|x| x.insurance_bps = 2_501, "insurance_bps"),
        bad(&|x| x.overdue_ms = D - 1, "overdue_ms"),
        bad(&|x| x.default_ms = x.overdue_ms, "default_ms"),
        bad(&|x| x.default_ms = 730 * D + 1, "default_ms"),
        bad(&|x| x.cover_min_age_ms = 30 * D - 1, "cover_min_age_ms"),
        bad(&|x| x.cover_min_age_ms = 365 * D + 1, "cover_min_age_ms"),
        bad(&|x| x.cover_share_bps = 5_001, "cover_share_bps"),
        bad(&|x| x.cover_max_reserve_share_bps = 2_501, "cover_max_reserve_share_bps"),
        bad(&|x| x.min_line = T - 1, "min_line"),
        bad(&|x| x.min_line = 1_000 * T + 1, "min_line"),
    ];
    for (params, name) in cases {
        assert_eq!(p.set_params(params), Err(Error::InvalidParam { name }));
    }
    assert_eq!(p.params(), ok);
    let edges = PoolParams {
        lockout_ms: 180 * D,
        max_credit: 2_000 * T,
        grace_ms: 0,
        fee_bps: 2_500,
        insurance_bps: 2_500,
        overdue_ms: D,
        default_ms: 730 * D,
        cover_min_age_ms: 365 * D,
        cover_share_bps: 0,
        cover_max_reserve_share_bps: 2_500,
        min_line: 1_000 * T,
    };
    let n = events();
    assert_eq!(p.set_params(edges), Ok(()));
    assert_eq!(events(), n + 1);
    assert_eq!(p.params(), edges);
    assert_eq!(p.set_params(PoolParams { lockout_ms: 90 * D, max_credit: 10_000 * T, ..edges }), Ok(()));
    // The new MAX_CREDIT applies to the next draw.
    assert_eq!(p.set_params(edges), Ok(()));
    stake(&mut p, ALICE, 5_000 * T);
    line(&mut p, ALICE, BOB, 5_000 * T, 100);
    assert_eq!(p.credit_limit(id(BOB)), 2_000 * T);
    // ... and the new MIN_LINE to the next new or lowered line.
    stake(&mut p, ALICE, 1_000 * T);
    mock::trust(id(ALICE), id(CAROL));
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(CAROL), 999 * T, 100), Err(Error::BelowMinLine { min: 1_000 * T }));
}

#[ink::test]
fn wiring_is_once_and_by_the_deployer_and_governance_spends_the_treasury() {
    mock::reset();
    test::set_callee::<Env>(pool_id());
    as_caller(DEPLOYER);
    let mut p = CreditPool::new(AccountId::from(TOKEN), AccountId::from(GRAPH));
    test::set_caller::<Env>(gov());
    assert_eq!(p.set_paused(true), Err(Error::NotWired));
    assert_eq!(p.spend_treasury(gov(), 1), Err(Error::NotWired));
    as_caller(ALICE);
    assert_eq!(p.wire(Wiring { governance: id(ALICE), loan_manager: lm(), warrant_escrow: escrow() }), Err(Error::Unauthorized { caller: id(ALICE) }));
    as_caller(DEPLOYER);
    assert_eq!(p.wire(Wiring { governance: gov(), loan_manager: lm(), warrant_escrow: escrow() }), Ok(()));
    assert_eq!(p.wire(Wiring { governance: id(DEPLOYER), loan_manager: lm(), warrant_escrow: escrow() }), Err(Error::AlreadyWired));
    assert_eq!(p.wiring(), Some(Wiring { governance: gov(), loan_manager: lm(), warrant_escrow: escrow() }));
    assert_eq!(p.contracts(), (AccountId::from(TOKEN), AccountId::from(GRAPH)));
    // Fill the treasury with a year of interest on 3,650 at 10 %: 365 tokens, fee 36.5.
    for n in 1..=3 {
        mock::fund(id(n), pool_id(), 10_000 * T);
    }
    stake(&mut p, ALICE, 3_650 * T);
    line(&mut p, ALICE, BOB, 3_650 * T, 1_000);
    as_caller(BOB);
    p.draw(3_650 * T, MAX_RATE_BPS).unwrap();
    set_now(30 * D + 365 * D);
    p.repay(4_015 * T).unwrap();
    assert_eq!(p.totals().treasury, 36_500_000);
    as_caller(ALICE);
    assert_eq!(p.spend_treasury(id(CAROL), 1), Err(Error::Unauthorized { caller: id(ALICE) }));
    test::set_caller::<Env>(gov());
    assert_eq!(p.spend_treasury(id(CAROL), 0), Err(Error::ZeroAmount));
    assert_eq!(
        p.spend_treasury(id(CAROL), 36_500_001),
        Err(Error::InsufficientTreasury { available: 36_500_000, requested: 36_500_001 })
    );
    assert_eq!(p.spend_treasury(id(CAROL), 36_500_000), Ok(()));
    as_caller(ALICE);
    assert_eq!(p.set_code([1u8; 32].into()), Err(Error::Unauthorized { caller: id(ALICE) }));
    assert_eq!(mock::balance(id(CAROL)), 36_500_000);
    assert_eq!(p.totals().treasury, 0);
    check_books(&p, &[1, 2, 3]).unwrap();
}

/// One event per state change; a report of own capital to the trust graph
/// is a change of its own (`OwnCapitalReported`), emitted only when the
/// reported value changes.
#[ink::test]
fn every_state_change_emits_one_event() {
    let mut p = setup();
    let mut n = events();
    let mut step = |changes: usize, f: &mut dyn FnMut(&mut CreditPool)| {
        f(&mut p);
        let now = events();
        assert_eq!(now, n + changes);
        n = now;
    };
    step(2, &mut |p| stake(p, ALICE, 100 * T));
    // The line and the lower own capital it leaves Alice.
    step(2, &mut |p| line(p, ALICE, BOB, 50 * T, 100));
    step(1, &mut |p| {
        as_caller(BOB);
        p.draw(10 * T, MAX_RATE_BPS).unwrap();
    });
    step(1, &mut |p| {
        p.repay(10 * T).unwrap();
    });
    // Lowered: Alice's own capital rises by what it freed.
    step(2, &mut |p| {
        set_now(90 * D);
        as_caller(ALICE);
        p.extend_credit(id(BOB), 20 * T, 100).unwrap();
    });
    step(2, &mut |p| {
        p.unstake(10 * T).unwrap();
    });
    step(2, &mut |p| stake(p, BOB, 30 * T));
    step(2, &mut |p| {
        as_caller(BOB);
        p.draw(10 * T, MAX_RATE_BPS).unwrap();
    });
    step(2, &mut |p| {
        p.repay(10 * T).unwrap();
    });
    step(2, &mut |p| {
        as_caller(BOB);
        p.decline_line(id(ALICE)).unwrap();
    });
    step(1, &mut |p| {
        p.accept_lines_from(id(ALICE)).unwrap();
    });
}

// ---------------------------------------------------------------------------
// Random sequences: the contract against the model, the books after every step
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Stake(Acc, u64),
    Extend(Acc, Acc, u64, u16),
    Draw(Acc, u64),
    Repay(Acc, u64),
    Advance(u32),
    Overdue(Acc),
    Default(Acc),
    Unstake(Acc, u64),
    /// Borrower, grantor.
    Decline(Acc, Acc),
    /// Borrower, amount, max rate.
    DrawAtMost(Acc, u64, u16),
}

fn op() -> impl Strategy<Value = Op> {
    let acc = 1u8..=5;
    prop_oneof![
        (acc.clone(), 1u64..5_000).prop_map(|(a, x)| Op::Stake(a, x)),
        (acc.clone(), acc.clone(), 0u64..3_000, 0u16..3_000).prop_map(|(g, b, x, r)| Op::Extend(g, b, x, r)),
        (acc.clone(), 1u64..4_000).prop_map(|(b, x)| Op::Draw(b, x)),
        (acc.clone(), 1u64..4_000).prop_map(|(b, x)| Op::Repay(b, x)),
        (0u32..(60 * 24)).prop_map(Op::Advance),
        (0u32..(60 * 24)).prop_map(Op::Advance),
        acc.clone().prop_map(Op::Overdue),
        acc.clone().prop_map(Op::Default),
        (acc.clone(), 1u64..5_000).prop_map(|(g, x)| Op::Unstake(g, x)),
        (acc.clone(), acc.clone()).prop_map(|(b, g)| Op::Decline(b, g)),
        (acc, 1u64..4_000, 0u16..3_000).prop_map(|(b, x, m)| Op::DrawAtMost(b, x, m)),
    ]
}

/// The contract's view equals the model's, member by member and line by line.
fn same_as_model(p: &CreditPool, m: &Pool, now: u64) -> Result<(), String> {
    let t = p.totals();
    if (t.insurance, t.treasury) != (m.insurance, m.treasury) {
        return Err(format!("insurance/treasury {}/{} ≠ model {}/{}", t.insurance, t.treasury, m.insurance, m.treasury));
    }
    if mock::balance(pool_id()) != m.tokens {
        return Err(format!("pool holds {} ≠ model {}", mock::balance(pool_id()), m.tokens));
    }
    for a in 1..=5u8 {
        if mock::balance(id(a)) != m.wallets[&a] {
            return Err(format!("wallet {a}: {} ≠ model {}", mock::balance(id(a)), m.wallets[&a]));
        }
        let g = p.grantor(id(a));
        let mg = m.grantors.get(&a).copied().unwrap_or_default();
        if (g.stake, g.allocated, g.lent) != (mg.stake, mg.allocated, mg.lent) {
            return Err(format!("grantor {a}: {g:?} ≠ model {mg:?}"));
        }
        for b in 1..=5u8 {
            let l = p.line(id(a), id(b)).map_err(|e| format!("{e:?}"))?;
            let ml = m.lines.get(&(a, b));
            match (l, ml) {
                (None, None) => {}
                (Some(l), Some(ml)) => {
                    let mut ml = *ml;
                    dcu_common::pool::accrue(&mut ml, now).map_err(|e| format!("{e:?}"))?;
                    if (l.limit, l.rate_bps, l.principal, l.interest, l.insured, l.grace_until) != (ml.limit, ml.rate_bps, ml.principal, ml.interest, ml.insured, ml.grace_until) {
                        return Err(format!("line {a}→{b}: {l:?} ≠ model {ml:?}"));
                    }
                }
                (l, ml) => return Err(format!("line {a}→{b}: {l:?} ≠ model {ml:?}")),
            }
        }
        if p.credit_limit(id(a)) != m.credit_limit(a) {
            return Err(format!("limit of {a} differs"));
        }
    }
    Ok(())
}

fn run_sequence(lines: &[(u8, u8, u64, u16)], ops: &[Op]) -> Result<usize, String> {
    let mut p = setup();
    // Members 1..=5 hold 1,000,000 tokens each, as in the model, and
    // approve the pool for whatever it pulls.
    for n in 1..=5 {
        mock::approve(id(n), pool_id(), u128::MAX);
    }
    let mut m = Pool::new(PoolParams::default(), &[1, 2, 3, 4, 5], 1_000_000 * T);
    let mut now = 0u64;
    let mut steps = 0usize;
    let both = |a: Result<(), Error>, b: Result<(), dcu_common::pool::PoolError>| -> Result<(), String> {
        match (&a, &b) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(x), Err(y)) if *x == Error::from(*y) => Ok(()),
            _ => Err(format!("contract {a:?} ≠ model {b:?}")),
        }
    };
    for a in 1..=5u8 {
        as_caller(a);
        both(p.stake(5_000 * T), m.stake(a, 5_000 * T, 0))?;
    }
    for &(g, b, x, r) in lines {
        if g != b {
            mock::trust(id(g), id(b));
            as_caller(g);
            both(p.extend_credit(id(b), u128::from(x) * T, u32::from(r)), m.extend(g, b, u128::from(x) * T, u32::from(r), 0))?;
        }
    }
    for o in ops {
        match *o {
            Op::Stake(a, x) => {
                as_caller(a);
                let r = p.stake(u128::from(x) * T);
                let ok = r.is_ok();
                both(r, m.stake(a, u128::from(x) * T, now))?;
                if ok {
                    reported_current(&p, a)?;
                }
            }
            Op::Extend(g, b, x, r) => {
                if g == b {
                    as_caller(g);
                    if p.extend_credit(id(b), u128::from(x) * T, u32::from(r)) != Err(Error::SelfCredit) {
                        return Err("self credit accepted".into());
                    }
                } else {
                    mock::trust(id(g), id(b));
                    as_caller(g);
                    both(
                        p.extend_credit(id(b), u128::from(x) * T, u32::from(r)),
                        m.extend(g, b, u128::from(x) * T, u32::from(r), now),
                    )?
                }
            }
            Op::Draw(b, x) => {
                as_caller(b);
                let before = p.borrower(id(b)).map_err(|e| format!("{e:?}"))?.principal;
                let r = p.draw(u128::from(x) * T, MAX_RATE_BPS);
                let ok = r.is_ok();
                both(r, m.draw(b, u128::from(x) * T, now))?;
                if ok {
                    reported_current(&p, b)?;
                }
                let after = p.borrower(id(b)).map_err(|e| format!("{e:?}"))?;
                if after.principal > before && after.principal > after.limit {
                    return Err(format!("borrower {b} drew past its limit: {after:?}"));
                }
                if after.principal > PoolParams::default().max_credit {
                    return Err(format!("borrower {b} drew past MAX_CREDIT"));
                }
            }
            Op::Repay(b, x) => {
                as_caller(b);
                let a = p.repay(u128::from(x) * T);
                let mb = m.repay(b, u128::from(x) * T, now);
                match (&a, &mb) {
                    (Ok(u), Ok(v)) if u == v => reported_current(&p, b)?,
                    (Err(e), Err(f)) if *e == Error::from(*f) => {}
                    _ => return Err(format!("repay: contract {a:?} ≠ model {mb:?}")),
                }
            }
            Op::Advance(hours) => {
                now += u64::from(hours) * 3_600_000;
                set_now(now);
            }
            Op::Overdue(b) => {
                as_caller(DAVE);
                let r = p.mark_overdue(id(b));
                let since = m.unpaid_since(b, now).map_err(|e| format!("{e:?}"))?;
                let due = since > 0 && now >= since + m.params.overdue_ms;
                match r {
                    Ok(()) | Err(Error::AlreadyWarned) if due => {}
                    Err(Error::NotDue { since: s }) if !due && s == since => {}
                    other => return Err(format!("mark_overdue({b}) = {other:?}, model since {since}")),
                }
            }
            Op::Default(b) => {
                as_caller(DAVE);
                let r = p.declare_default(id(b));
                let ok = r.is_ok();
                both(r, m.declare_default(b, now).map(|_| ()))?;
                if ok {
                    reported_current(&p, b)?;
                }
            }
            Op::Unstake(g, x) => {
                as_caller(g);
                let r = p.unstake(u128::from(x) * T);
                let ok = r.is_ok();
                both(r, m.unstake(g, u128::from(x) * T, now))?;
                if ok {
                    reported_current(&p, g)?;
                }
            }
            Op::Decline(b, g) => {
                as_caller(b);
                let r = p.decline_line(id(g));
                if b == g {
                    if r != Err(Error::SelfCredit) {
                        return Err("declined its own line".into());
                    }
                } else {
                    both(r, m.decline(b, g))?;
                    // Declined: the grantor may not open a new line until accepted.
                    if p.declined(id(b), id(g)) {
                        as_caller(g);
                        let again = p.extend_credit(id(b), 10 * T, 100);
                        if p.line(id(g), id(b)).map_err(|e| format!("{e:?}"))?.is_none() && again != Err(Error::Declined { borrower: id(b) }) {
                            return Err(format!("a declined grantor re-extended: {again:?}"));
                        }
                        as_caller(b);
                        if p.accept_lines_from(id(g)) != Ok(()) || p.accept_lines_from(id(g)) != Err(Error::NotDeclined) {
                            return Err("accept_lines_from".into());
                        }
                    }
                }
            }
            Op::DrawAtMost(b, x, max) => {
                as_caller(b);
                let r = p.draw(u128::from(x) * T, u32::from(max));
                let ok = r.is_ok();
                both(r, m.draw_at_most(b, u128::from(x) * T, u32::from(max), now))?;
                if ok {
                    reported_current(&p, b)?;
                }
            }
        }
        steps += 1;
        check_books(&p, &[1, 2, 3, 4, 5])?;
        if mock::supply() != 8_000_000 * T {
            return Err(format!("money created or lost: supply {}", mock::supply()));
        }
        same_as_model(&p, &m, now)?;
    }
    // Repayment is always possible: each borrower can pay all it owes.
    for b in 1..=5u8 {
        let owed = p.outstanding(id(b)).map_err(|e| format!("{e:?}"))?;
        if owed > 0 {
            as_caller(b);
            if p.repay(owed) != Ok(owed) || p.borrower(id(b)).map_err(|e| format!("{e:?}"))?.principal != 0 {
                return Err(format!("borrower {b} could not repay {owed}"));
            }
        }
    }
    check_books(&p, &[1, 2, 3, 4, 5])?;
    Ok(steps)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// Random stake / extend / draw / repay / advance time / overdue /
    /// default / unstake sequences on the contract: after every step the
    /// pool's token balance is exactly unlent stake + insurance + treasury
    /// (equivalently, balance + outstanding principal = Σ stake + insurance
    /// + treasury), no position is negative (checked arithmetic and lent ≤
    /// stake), nobody draws past their limit or MAX_CREDIT, the contract
    /// answers exactly as the shared model does, and at the end every
    /// borrower can repay everything.
    #[test]
    fn random_sequences_keep_the_books(
        lines in proptest::collection::vec((1u8..=5, 1u8..=5, 1u64..1_500, 0u16..3_000), 3..10),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let mut outcome = Err(String::from("not run"));
        test::run_test::<Env, _>(|_| {
            outcome = run_sequence(&lines, &ops);
            Ok(())
        })
        .unwrap();
        if let Err(e) = outcome {
            prop_assert!(false, "{e}");
        }
    }
}

/// The access matrix: every privileged message × every caller that must be
/// refused (the deployer after wiring, a grantor, a borrower, a stranger)
/// → `Unauthorized { caller }`, no event, nothing changed.
#[ink::test]
fn access_matrix_refuses_every_privileged_message_to_everyone_but_governance() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 50 * T, 500);
    let (params, paused, totals) = (p.params(), p.is_paused(), p.totals());
    for caller in [DEPLOYER, ALICE, BOB, DAVE] {
        as_caller(caller);
        let who = id(caller);
        let n = events();
        let answers = [
            p.set_params(PoolParams { max_credit: 2_000 * T, ..PoolParams::default() }),
            p.set_paused(true),
            p.spend_treasury(who, 0),
            p.set_code([1u8; 32].into()),
            p.wire(Wiring { governance: who, loan_manager: lm(), warrant_escrow: escrow() }),
            p.loan_open(1, vec![id(ALICE), id(BOB)], T, Purpose::ProductiveEnterprise),
            p.loan_return(1, 0, 0, 0),
            p.loan_settle(1, 0).map(|_| ()),
        ];
        for (i, a) in answers.into_iter().enumerate() {
            let expected = if i == 4 && caller == DEPLOYER { Err(Error::AlreadyWired) } else { Err(Error::Unauthorized { caller: who }) };
            assert_eq!(a, expected, "message {i} by caller {caller}");
        }
        assert_eq!(events(), n, "no event for a refused call");
        assert_eq!((p.params(), p.is_paused(), p.totals()), (params, paused, totals));
    }
}

// ---------------------------------------------------------------------------
// Term loans over paths of lines (the loan manager's messages)
// ---------------------------------------------------------------------------

fn as_lm() {
    test::set_caller::<Env>(lm());
}

/// Carol → Alice → Eve → Bob: lines of 500 @ 4 %, 300 @ 5 %, 200 @ 6 %.
fn three_hop_pool() -> (CreditPool, Vec<AccountId>) {
    let mut p = setup();
    stake(&mut p, CAROL, 1_000 * T);
    stake(&mut p, ALICE, 300 * T);
    stake(&mut p, EVE, 200 * T);
    line(&mut p, CAROL, ALICE, 500 * T, 400);
    line(&mut p, ALICE, EVE, 300 * T, 500);
    line(&mut p, EVE, BOB, 200 * T, 600);
    (p, vec![id(CAROL), id(ALICE), id(EVE), id(BOB)])
}

#[ink::test]
fn a_path_carries_the_least_free_line_and_refuses_bad_shapes() {
    let (mut p, path) = three_hop_pool();
    assert_eq!(p.path_capacity(path.clone()), Ok(PathInfo { capacity: 200 * T, first_rate_bps: 400, missing_hop: None }));
    assert_eq!(
        p.path_capacity(vec![id(CAROL), id(EVE), id(BOB)]),
        Ok(PathInfo { capacity: 0, first_rate_bps: 0, missing_hop: Some(0) })
    );
    assert_eq!(p.path_capacity(vec![id(CAROL)]), Err(Error::BadPath));
    assert_eq!(p.path_capacity(vec![id(CAROL), id(ALICE), id(CAROL), id(BOB)]), Err(Error::BadPath), "a cycle");
    assert_eq!(p.path_capacity((1..=8).map(id).collect()), Err(Error::BadPath), "7 lines > MAX_PATH_LINES");
    // The creditor's unlent stake bounds it too: Carol draws nothing but lends 900 elsewhere.
    line(&mut p, CAROL, DAVE, 500 * T, 100);
    as_caller(DAVE);
    p.draw(450 * T, MAX_RATE_BPS).unwrap();
    assert_eq!(p.path_capacity(path).unwrap().capacity, 200 * T, "550 unlent ≥ 200");
    as_caller(DAVE);
    p.repay(450 * T).unwrap();
    books(&p);
}

#[ink::test]
fn a_term_loan_reserves_every_hop_lends_from_the_creditor_and_comes_back() {
    let (mut p, path) = three_hop_pool();
    let bob0 = mock::balance(id(BOB));
    // Only the loan manager.
    as_caller(BOB);
    assert_eq!(p.loan_open(1, path.clone(), 100 * T, Purpose::ProductiveEnterprise), Err(Error::Unauthorized { caller: id(BOB) }));
    as_lm();
    let n = events();
    assert_eq!(p.loan_open(1, path.clone(), 201 * T, Purpose::ProductiveEnterprise), Err(Error::InsufficientCredit { available: 200 * T, requested: 201 * T }));
    assert_eq!(p.loan_open(1, path.clone(), 0, Purpose::ProductiveEnterprise), Err(Error::ZeroAmount));
    assert_eq!(p.loan_open(1, vec![id(CAROL), id(EVE), id(BOB)], T, Purpose::ProductiveEnterprise), Err(Error::NoSuchLine));
    assert_eq!(events(), n, "refusals emit nothing");
    assert_eq!(p.loan_open(1, path.clone(), 150 * T, Purpose::ProductiveEnterprise), Ok(()));
    assert_eq!(events(), n + 1);
    assert_eq!(p.loan_open(1, path.clone(), T, Purpose::ProductiveEnterprise), Err(Error::LoanExists));
    assert_eq!(mock::balance(id(BOB)), bob0 + 150 * T, "paid to the borrower");
    assert_eq!(p.grantor(id(CAROL)).lent, 150 * T, "lent from the end creditor's stake");
    assert_eq!(p.grantor(id(ALICE)).lent, 0, "intermediaries lend nothing");
    for w in path.windows(2) {
        let l = p.line(w[0], w[1]).unwrap().unwrap();
        assert_eq!(l.reserved, 150 * T);
        assert_eq!(l.principal, 0);
    }
    assert_eq!(p.loan_hold(1), Some(LoanHold { path: path.clone(), principal: 150 * T, insured: false, seqs: vec![1, 2, 3] }));
    books(&p);
    // The reservation can be neither drawn nor removed.
    assert_eq!(p.available(id(BOB)), Ok(50 * T));
    assert_eq!(p.available(id(EVE)), Ok(150 * T));
    set_now(100 * D);
    as_caller(EVE);
    assert_eq!(p.extend_credit(id(BOB), 149 * T, 600), Err(Error::BelowDrawn { drawn: 150 * T }));
    assert_eq!(p.close_line(id(BOB)), Err(Error::BelowDrawn { drawn: 150 * T }));
    // Return 100 with fee 2 and insurance 1: the manager pays first, the pool checks.
    as_lm();
    assert_eq!(p.loan_return(1, 100 * T, 2 * T, T), Err(Error::Unpaid { held: p.totals().tokens_held().unwrap(), owed: p.totals().tokens_held().unwrap() + 103 * T }));
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 103 * T);
    assert_eq!(p.loan_return(1, 151 * T, 0, 0), Err(Error::InsufficientCredit { available: 150 * T, requested: 151 * T }));
    assert_eq!(p.loan_return(2, 1, 0, 0), Err(Error::NoSuchLoan));
    assert_eq!(p.loan_return(1, 100 * T, 2 * T, T), Ok(()));
    assert_eq!((p.totals().treasury, p.totals().insurance), (2 * T, T));
    assert_eq!(p.grantor(id(CAROL)).lent, 50 * T);
    assert_eq!(p.line(id(ALICE), id(EVE)).unwrap().unwrap().reserved, 50 * T);
    books(&p);
    // The rest comes back: the hold and every reservation are gone.
    mock::transfer(lm(), pool_id(), 50 * T);
    assert_eq!(p.loan_return(1, 50 * T, 0, 0), Ok(()));
    assert_eq!(p.loan_hold(1), None);
    assert_eq!(p.line(id(EVE), id(BOB)).unwrap().unwrap().reserved, 0);
    assert_eq!(p.grantor(id(CAROL)).stake, 1_000 * T);
    books(&p);
    as_caller(EVE);
    assert_eq!(p.close_line(id(BOB)), Ok(()), "free again");
}

/// SPEC §4 v2, warrants first (in v1 insurance paid first, and all it
/// held): of a defaulted loan's 90 unreturned, the warrants' claims (72,
/// paid into the pool by the loan manager) go back to the creditor's stake;
/// a loan disbursed over lines COVER_MIN_AGE old is co-insured on the 18
/// left, within COVER_MAX_RESERVE_SHARE of the reserve and COVER_SHARE of
/// the 18; the rest is written off the creditor's stake.
#[ink::test]
fn a_defaulted_term_loan_is_settled_warrants_first_then_co_insured_then_written_off() {
    let (mut p, path) = three_hop_pool();
    set_now(90 * D);
    as_lm();
    p.loan_open(7, path.clone(), 100 * T, Purpose::ProductiveEnterprise).unwrap();
    assert!(p.loan_hold(7).unwrap().insured, "every line of the path is 90 days old");
    // 4 of insurance in the reserve from an earlier interest payment.
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 10 * T + 4 * T);
    p.loan_return(7, 10 * T, 0, 4 * T).unwrap();
    as_caller(BOB);
    assert_eq!(p.loan_settle(7, 72 * T), Err(Error::Unauthorized { caller: id(BOB) }));
    as_lm();
    let n = events();
    let before = (p.totals(), p.grantor(id(CAROL)), p.loan_hold(7), p.lines_by(id(ALICE)).unwrap());
    assert_eq!(p.loan_settle(7, 90 * T + 1), Err(Error::RecoveredAbovePrincipal { principal: 90 * T, recovered: 90 * T + 1 }));
    let held = mock::balance(pool_id());
    assert_eq!(p.loan_settle(7, 72 * T), Err(Error::Unpaid { held, owed: held + 72 * T }), "the claims have not arrived");
    assert_eq!(p.loan_settle(8, 0), Err(Error::NoSuchLoan));
    assert_eq!((p.totals(), p.grantor(id(CAROL)), p.loan_hold(7), p.lines_by(id(ALICE)).unwrap()), before, "refused: nothing changed");
    assert_eq!(events(), n);
    // The loan manager passes the warrants' 72 to the pool, then settles.
    mock::transfer(lm(), pool_id(), 72 * T);
    let covered = 4 * T / 10;
    assert_eq!(p.loan_settle(7, 72 * T), Ok((covered, 18 * T - covered)), "10 % of the 4 in the reserve (below half of the 18 left)");
    assert_eq!(events(), n + 2, "LoanSettled, and Carol's lower own capital reported");
    let c = p.grantor(id(CAROL));
    assert_eq!(c.stake, 1_000 * T - 18 * T + covered, "the creditor loses only what neither the warrants nor insurance covered");
    assert_eq!(mock::reported_stake(id(CAROL)), Some(c.stake - c.allocated));
    let t = p.totals();
    assert_eq!((t.insurance, t.written_off, t.lent), (4 * T - covered, 18 * T - covered, 0));
    for w in path.windows(2) {
        assert_eq!(p.line(w[0], w[1]).unwrap().unwrap().reserved, 0);
    }
    assert_eq!(p.loan_settle(7, 0), Err(Error::NoSuchLoan));
    assert_eq!(p.own_capital(id(BOB)).defaulted, 90 * T, "the borrower's unreturned principal stays against it");
    books(&p);
}

/// The fields of the `LoanSettled` event, to decode it in the tests.
#[derive(Debug, PartialEq)]
#[ink::scale_derive(Decode)]
struct LoanSettledView {
    loan_id: u64,
    principal: u128,
    recovered: u128,
    covered: u128,
    written_off: u128,
}

/// The reserve is large: COVER_SHARE of what the warrants left binds. An
/// uninsured loan (a line raised within COVER_MIN_AGE) gets nothing.
#[ink::test]
fn a_settlement_co_insures_at_most_cover_share_of_what_the_warrants_left() {
    let (mut p, path) = three_hop_pool();
    fill_reserve(&mut p, 5_000 * T);
    set_now(90 * D);
    as_lm();
    p.loan_open(1, path.clone(), 200 * T, Purpose::ProductiveEnterprise).unwrap();
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 160 * T);
    let (stake0, reserve0) = (p.grantor(id(CAROL)).stake, p.totals().insurance);
    // 40 left after the warrants' 160: half of it from the reserve.
    assert_eq!(p.loan_settle(1, 160 * T), Ok((20 * T, 20 * T)));
    assert_eq!((stake0 - p.grantor(id(CAROL)).stake, reserve0 - p.totals().insurance), (20 * T, 20 * T));
    books(&p);
    // Uninsured: Eve raised her line to Bob a day ago.
    stake(&mut p, EVE, 100 * T);
    as_caller(EVE);
    p.extend_credit(id(BOB), 300 * T, 600).unwrap();
    set_now(91 * D);
    as_lm();
    p.loan_open(2, path.clone(), 100 * T, Purpose::ProductiveEnterprise).unwrap();
    assert!(!p.loan_hold(2).unwrap().insured);
    assert_eq!(p.loan_settle(2, 0), Ok((0, 100 * T)), "nothing recovered, nothing insured");
    let e = test::recorded_events().last().expect("LoanSettled");
    let decoded = <LoanSettledView as ink::scale::Decode>::decode(&mut &e.data[..]).expect("the event decodes");
    assert_eq!(decoded, LoanSettledView { loan_id: 2, principal: 100 * T, recovered: 0, covered: 0, written_off: 100 * T });
    books(&p);
}

#[ink::test]
fn a_borrowers_pool_default_closing_a_reserved_line_leaves_the_loan_returnable() {
    let (mut p, path) = three_hop_pool();
    as_lm();
    p.loan_open(3, path.clone(), 100 * T, Purpose::ProductiveEnterprise).unwrap();
    // Bob also draws on the pool and defaults there: his lines close.
    as_caller(BOB);
    p.draw(50 * T, MAX_RATE_BPS).unwrap();
    set_now(30 * D + 181 * D + D);
    as_caller(DAVE);
    p.declare_default(id(BOB)).unwrap();
    assert_eq!(p.line(id(EVE), id(BOB)), Ok(None));
    books(&p);
    // The term loan still comes back over the lines that remain.
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 100 * T);
    as_lm();
    assert_eq!(p.loan_return(3, 100 * T, 0, 0), Ok(()));
    assert_eq!(p.line(id(ALICE), id(EVE)).unwrap().unwrap().reserved, 0);
    books(&p);
}

#[ink::test]
fn a_term_loan_over_a_line_younger_than_cover_min_age_is_not_insured() {
    let (mut p, path) = three_hop_pool();
    // Alice raises her line to Eve at day 60: its cover age restarts.
    set_now(60 * D);
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(EVE), 300 * T + 10 * T, 500), Err(Error::InsufficientStake { available: 300 * T, requested: 310 * T }));
    stake(&mut p, ALICE, 100 * T);
    as_caller(ALICE);
    p.extend_credit(id(EVE), 310 * T, 500).unwrap();
    set_now(100 * D);
    as_lm();
    p.loan_open(5, path.clone(), 100 * T, Purpose::ProductiveEnterprise).unwrap();
    assert!(!p.loan_hold(5).unwrap().insured, "Alice → Eve is 40 days old since its raise");
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 50 * T);
    p.loan_return(5, 0, 0, 50 * T).unwrap();
    assert_eq!(p.loan_settle(5, 0), Ok((0, 100 * T)), "nothing from the reserve");
    assert_eq!((p.totals().insurance, p.totals().written_off), (50 * T, 100 * T));
    books(&p);
}

// ---------------------------------------------------------------------------
// The security review's pool attacks (SPEC v2 §3), with other numbers
// ---------------------------------------------------------------------------

/// Throwaway accounts the attacks use (funded by `setup` for 1..=8 only).
const B1: u8 = 6;
const B2: u8 = 7;

/// Fills the insurance reserve with `amount` the way the loan manager does
/// (the insurance share of a term loan's interest): account 8 lends 10 to
/// Dave for a moment and the return carries `amount` of insurance.
fn fill_reserve(p: &mut CreditPool, amount: u128) {
    stake(p, 8, 100 * T);
    line(p, 8, DAVE, 50 * T, 100);
    as_lm();
    p.loan_open(99, vec![id(8), id(DAVE)], 10 * T, Purpose::ProductiveEnterprise).unwrap();
    mock::fund(lm(), pool_id(), amount + 10 * T);
    mock::transfer(lm(), pool_id(), amount + 10 * T);
    p.loan_return(99, 10 * T, 0, amount).unwrap();
}

/// H1, revolving (review: 10,000 at 1 %, 100 % restored up to the whole
/// reserve): a grantor lends to its own throwaway borrowers, who draw and
/// never repay. On a line younger than COVER_MIN_AGE it recovers nothing;
/// on an old line at most COVER_SHARE — it loses at least half of what it lent.
#[ink::test]
fn a_grantor_lending_to_its_own_throwaway_borrower_recovers_at_most_cover_share_and_nothing_on_a_young_line() {
    let mut p = setup();
    fill_reserve(&mut p, 30_000 * T);
    stake(&mut p, ALICE, 7_000 * T);
    line(&mut p, ALICE, B1, 3_000 * T, 250);
    line(&mut p, ALICE, B2, 4_000 * T, 250);
    // B1 draws at once on its new line; B2 waits until its line is 89 days old.
    set_now(D);
    as_caller(B1);
    p.draw(3_000 * T, MAX_RATE_BPS).unwrap();
    set_now(89 * D);
    as_caller(B2);
    p.draw(4_000 * T, MAX_RATE_BPS).unwrap();
    for b in [B1, B2] {
        let l = p.line(id(ALICE), id(b)).unwrap().unwrap();
        assert_eq!((l.insured, l.insured_from), (0, 90 * D), "drawn before the line was 90 days old");
    }
    let (stake0, reserve0) = (p.grantor(id(ALICE)).stake, p.totals().insurance);
    set_now(89 * D + 31 * D + 180 * D);
    as_caller(DAVE);
    p.declare_default(id(B1)).unwrap();
    p.declare_default(id(B2)).unwrap();
    assert_eq!(stake0 - p.grantor(id(ALICE)).stake, 7_000 * T, "Alice recovers nothing of either loss");
    assert_eq!(p.totals().insurance, reserve0);
    books(&p);

    // Patient now: a fresh line, drawn once it is COVER_MIN_AGE old to the millisecond.
    let t0 = 300 * D;
    stake(&mut p, ALICE, 5_000 * T);
    line(&mut p, ALICE, B1, 5_000 * T, 250);
    set_now(t0 + 90 * D);
    as_caller(B1);
    p.draw(5_000 * T, MAX_RATE_BPS).unwrap();
    assert_eq!(p.line(id(ALICE), id(B1)).unwrap().unwrap().insured, 5_000 * T);
    let (stake0, reserve0) = (p.grantor(id(ALICE)).stake, p.totals().insurance);
    set_now(t0 + 90 * D + 31 * D + 180 * D);
    as_caller(DAVE);
    p.declare_default(id(B1)).unwrap();
    let recovered = p.grantor(id(ALICE)).stake + 5_000 * T - stake0;
    assert_eq!(recovered, 2_500 * T, "COVER_SHARE: half of the loss (10 % of the reserve would be 3,000)");
    assert_eq!(reserve0 - p.totals().insurance, recovered);
    assert!(stake0 - p.grantor(id(ALICE)).stake >= 5_000 * T / 2, "the attacker loses at least half");
    books(&p);
}

/// H1, the reserve: one default takes at most COVER_MAX_RESERVE_SHARE of
/// the reserve however large the insured losses (review: first come, first
/// served, up to the whole reserve); the next takes at most that share of
/// what is left.
#[ink::test]
fn one_default_takes_at_most_cover_max_reserve_share_of_the_reserve() {
    let mut p = setup();
    fill_reserve(&mut p, 6_000 * T);
    let reserve0 = p.totals().insurance;
    assert_eq!(reserve0, 6_000 * T);
    stake(&mut p, ALICE, 5_000 * T);
    stake(&mut p, EVE, 5_000 * T);
    line(&mut p, ALICE, B1, 2_600 * T, 800);
    line(&mut p, EVE, B1, 1_300 * T, 900);
    line(&mut p, ALICE, B2, 2_000 * T, 800);
    set_now(120 * D);
    for b in [B1, B2] {
        as_caller(b);
        p.draw(p.available(id(b)).unwrap(), MAX_RATE_BPS).unwrap();
    }
    let (a0, e0) = (p.grantor(id(ALICE)).stake, p.grantor(id(EVE)).stake);
    set_now(120 * D + 31 * D + 180 * D);
    as_caller(DAVE);
    p.declare_default(id(B1)).unwrap();
    // Caps 1,300 + 650 = 1,950 > 10 % of 6,000 = 600: 400 to Alice, 200 to Eve.
    assert_eq!((a0 - p.grantor(id(ALICE)).stake, e0 - p.grantor(id(EVE)).stake), (2_200 * T, 1_100 * T));
    let reserve1 = p.totals().insurance;
    assert_eq!(reserve1, reserve0 - 600 * T, "10 % of the reserve");
    p.declare_default(id(B2)).unwrap();
    assert_eq!(p.totals().insurance, reserve1 - reserve1 / 10, "the next default: 10 % of what is left");
    books(&p);
}

/// M1 (review: 10,000 at 20 %, every 29 days, 0 interest for a year): Bob
/// and Carol lend each other the money to repay and redraw every 25 days on
/// 3,000 lines at 15 %. Bob's line is never empty for a grace period, so he
/// has one grace and pays interest for every later day; Carol holds hers
/// for an instant each time and owes nothing.
#[ink::test]
fn two_borrowers_repaying_and_redrawing_every_25_days_pay_interest() {
    let mut p = setup();
    stake(&mut p, ALICE, 5_000 * T);
    stake(&mut p, EVE, 5_000 * T);
    line(&mut p, ALICE, BOB, 3_000 * T, 1_500);
    line(&mut p, EVE, CAROL, 3_000 * T, 1_500);
    as_caller(BOB);
    p.draw(3_000 * T, MAX_RATE_BPS).unwrap();
    let wallets0 = mock::balance(id(BOB)) + mock::balance(id(CAROL));
    for k in 1..=10u64 {
        set_now(25 * D * k);
        as_caller(CAROL);
        p.draw(3_000 * T, MAX_RATE_BPS).unwrap();
        mock::transfer(id(CAROL), id(BOB), 3_000 * T);
        as_caller(BOB);
        let owed = p.outstanding(id(BOB)).unwrap();
        assert_eq!(p.repay(owed), Ok(owed));
        // Within his first grace once, never again: the line was never empty.
        let days_of_interest = if k == 1 { 0 } else { 25 };
        let a_day = 3_000 * T * 1_500 / (10_000 * 365);
        assert!(owed - 3_000 * T >= days_of_interest * a_day, "day {}: {owed}", 25 * k);
        p.draw(3_000 * T, MAX_RATE_BPS).unwrap();
        let l = p.line(id(ALICE), id(BOB)).unwrap().unwrap();
        assert_eq!(l.grace_until, 25 * D * k, "no new grace: interest runs from the redraw");
        mock::transfer(id(BOB), id(CAROL), 3_000 * T);
        as_caller(CAROL);
        assert_eq!(p.repay(3_000 * T), Ok(3_000 * T));
    }
    // Held 3,000 for 250 days: interest for the 225 days after the first repayment.
    let paid = wallets0 - (mock::balance(id(BOB)) + mock::balance(id(CAROL)));
    let per_25_days = (3_000 * T * 1_500 * 25).div_ceil(10_000 * 365);
    assert_eq!(paid, 9 * per_25_days);
    assert!(paid > 277 * T);
    assert!(p.totals().interest_earned > 0 && p.totals().insurance > 0, "grantors and the reserve earn on it");
    books(&p);
}

/// L2: a grantor raises its rate in front of Bob's pending draw (review: 2 %
/// and 5 % lines, the first raised to 100 %). The draw, bounded at the rate
/// Bob saw, fails with nothing changed; the same draw within what is
/// offered at that bound goes through.
#[ink::test]
fn a_rate_raised_in_front_of_a_draw_makes_the_draw_fail_with_nothing_changed() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    stake(&mut p, EVE, 1_000 * T);
    line(&mut p, ALICE, BOB, 400 * T, 250);
    line(&mut p, EVE, BOB, 300 * T, 600);
    // Bob signs draw(600, at most 6 %); Alice front-runs it.
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(BOB), 400 * T, 9_000), Ok(()));
    let before = (p.totals(), p.lines_to(id(BOB)).unwrap(), mock::balance(id(BOB)), mock::balance(pool_id()), events());
    as_caller(BOB);
    assert_eq!(p.draw(600 * T, 600), Err(Error::RateAboveMax { rate_bps: 9_000, max_rate_bps: 600 }));
    assert_eq!(before, (p.totals(), p.lines_to(id(BOB)).unwrap(), mock::balance(id(BOB)), mock::balance(pool_id()), events()));
    assert_eq!(p.own_capital(id(BOB)).owed, 0);
    // Within the bound: only Eve's 6 % line lends.
    assert_eq!(p.draw(300 * T, 600), Ok(()));
    assert_eq!(p.line(id(EVE), id(BOB)).unwrap().unwrap().principal, 300 * T);
    assert_eq!(p.line(id(ALICE), id(BOB)).unwrap().unwrap().principal, 0);
    assert_eq!(p.draw(T, 8_999), Err(Error::RateAboveMax { rate_bps: 9_000, max_rate_bps: 8_999 }));
    assert_eq!(p.draw(0, 600), Err(Error::ZeroAmount), "bad input first");
    books(&p);
}

/// M4 (review: 32 Sybils' 1-unit lines fill the victim's 32-line cap): each
/// of 32 lines of 5 tokens is refused (MIN_LINE 10), nothing changes. Lines
/// of the minimum that do arrive, the victim declines; a declined grantor
/// cannot re-extend until the victim accepts its lines again.
#[ink::test]
fn thirty_two_dust_lines_are_refused_and_a_declined_grantor_cannot_re_extend_until_unblocked() {
    let mut p = setup();
    const VICTIM: u8 = 200;
    for g in 100..132u8 {
        mock::fund(id(g), pool_id(), 20 * T);
        stake(&mut p, g, 20 * T);
        mock::trust(id(g), id(VICTIM));
        as_caller(g);
        let n = events();
        assert_eq!(p.extend_credit(id(VICTIM), 5 * T, 0), Err(Error::BelowMinLine { min: 10 * T }));
        assert_eq!(events(), n);
    }
    assert_eq!((p.lines_to(id(VICTIM)), p.totals().lines, p.totals().allocated), (Ok(vec![]), 0, 0));
    // Lines of the minimum fill the cap …
    for g in 100..132u8 {
        as_caller(g);
        assert_eq!(p.extend_credit(id(VICTIM), 10 * T, 0), Ok(()));
    }
    mock::trust(id(ALICE), id(VICTIM));
    stake(&mut p, ALICE, 500 * T);
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(VICTIM), 500 * T, 300), Err(Error::TooManyLines { cap: MAX_LINES_PER_BORROWER }));
    // … so the victim declines them, inside their lock-out.
    as_caller(VICTIM);
    for g in 100..132u8 {
        let n = events();
        assert_eq!(p.decline_line(id(g)), Ok(()));
        assert_eq!(events(), n + 2, "LineDeclined, and the grantor's own capital freed");
        assert!(p.declined(id(VICTIM), id(g)));
        assert_eq!(p.grantor(id(g)).allocated, 0, "the grantor's limit is released");
    }
    assert_eq!(p.lines_to(id(VICTIM)), Ok(vec![]));
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(VICTIM), 500 * T, 300), Ok(()), "an honest line fits again");
    // A declined grantor cannot come back …
    as_caller(100);
    assert_eq!(p.extend_credit(id(VICTIM), 20 * T, 0), Err(Error::Declined { borrower: id(VICTIM) }));
    // … until the victim accepts its lines again.
    as_caller(VICTIM);
    let n = events();
    assert_eq!(p.accept_lines_from(id(100)), Ok(()));
    assert_eq!(events(), n + 1, "LinesAccepted");
    assert_eq!(p.accept_lines_from(id(100)), Err(Error::NotDeclined));
    assert!(!p.declined(id(VICTIM), id(100)));
    as_caller(100);
    assert_eq!(p.extend_credit(id(VICTIM), 20 * T, 0), Ok(()));
    let everyone: Vec<u8> = (1..=8).chain(100..132).chain([VICTIM]).collect();
    check_books(&p, &everyone).unwrap();
}

#[ink::test]
fn decline_line_refusals_change_nothing_and_a_pause_does_not_stop_it() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 100 * T, 500);
    as_caller(BOB);
    assert_eq!(p.decline_line(id(BOB)), Err(Error::SelfCredit));
    p.draw(30 * T, MAX_RATE_BPS).unwrap();
    let before = (p.totals(), p.lines_to(id(BOB)).unwrap(), p.grantor(id(ALICE)), events());
    assert_eq!(p.decline_line(id(ALICE)), Err(Error::BelowDrawn { drawn: 30 * T }));
    assert_eq!(before, (p.totals(), p.lines_to(id(BOB)).unwrap(), p.grantor(id(ALICE)), events()));
    assert!(!p.declined(id(BOB), id(ALICE)));
    assert_eq!(p.accept_lines_from(id(ALICE)), Err(Error::NotDeclined));
    p.repay(30 * T).unwrap();
    // A line reserved by a term loan is in use too.
    as_lm();
    p.loan_open(1, vec![id(ALICE), id(BOB)], 40 * T, Purpose::ProductiveEnterprise).unwrap();
    as_caller(BOB);
    assert_eq!(p.decline_line(id(ALICE)), Err(Error::BelowDrawn { drawn: 40 * T }));
    mock::fund(lm(), pool_id(), 40 * T);
    mock::transfer(lm(), pool_id(), 40 * T);
    as_lm();
    p.loan_return(1, 40 * T, 0, 0).unwrap();
    // Paused: declining lowers risk and still works; so does a block in advance.
    test::set_caller::<Env>(gov());
    p.set_paused(true).unwrap();
    as_caller(BOB);
    assert_eq!(p.decline_line(id(ALICE)), Ok(()));
    assert_eq!(p.decline_line(id(EVE)), Ok(()), "no line yet: a block in advance");
    assert!(p.declined(id(BOB), id(EVE)));
    assert_eq!(p.line(id(ALICE), id(BOB)), Ok(None));
    assert_eq!((p.totals().lines, p.grantor(id(ALICE)).allocated), (0, 0));
    books(&p);
}

#[ink::test]
fn a_line_below_min_line_is_refused_when_new_or_lowered_but_may_close() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    mock::trust(id(ALICE), id(BOB));
    as_caller(ALICE);
    assert_eq!(p.extend_credit(id(BOB), 10 * T - 1, 500), Err(Error::BelowMinLine { min: 10 * T }));
    assert_eq!(p.extend_credit(id(BOB), 10 * T, 500), Ok(()));
    assert_eq!(p.extend_credit(id(BOB), 30 * T, 500), Ok(()));
    set_now(90 * D);
    assert_eq!(p.extend_credit(id(BOB), 9 * T, 500), Err(Error::BelowMinLine { min: 10 * T }));
    assert_eq!(p.line(id(ALICE), id(BOB)).unwrap().unwrap().limit, 30 * T);
    assert_eq!(p.close_line(id(BOB)), Ok(()));
    books(&p);
}

/// Drain before drop, the pool's side: when the trust graph refuses a drop
/// of own capital (`AnchorNotReleased`: the member's trust still counts),
/// the grantor's new line is refused with nothing changed; a lowered line
/// (capital freed) never is.
#[ink::test]
fn a_new_line_that_would_end_a_counting_anchoring_is_refused_with_nothing_changed() {
    let mut p = setup();
    stake(&mut p, ALICE, 150 * T);
    line(&mut p, ALICE, BOB, 40 * T, 100);
    mock::trust(id(ALICE), id(CAROL));
    mock::refuse_stake_reports(Some(dcu_common::iface::trust_graph::Error::AnchorNotReleased { counting: 3 }));
    as_caller(ALICE);
    let before = (p.grantor(id(ALICE)), p.own_capital(id(ALICE)), events());
    assert_eq!(
        p.extend_credit(id(CAROL), 60 * T, 100),
        Err(Error::TrustGraph(dcu_common::iface::trust_graph::Error::AnchorNotReleased { counting: 3 }))
    );
    assert_eq!((p.grantor(id(ALICE)), p.own_capital(id(ALICE)), events()), before, "refused: nothing changed");
    assert_eq!(p.line(id(ALICE), id(CAROL)), Ok(None));
    mock::refuse_stake_reports(None);
    assert_eq!(p.extend_credit(id(CAROL), 60 * T, 100), Ok(()));
    assert_eq!(mock::reported_stake(id(ALICE)), Some(50 * T), "150 staked, 100 backing lines");
    books(&p);
}

// ---------------------------------------------------------------------------
// MAX_CREDIT as one cap, stale reservations (review L1), the fast clock
// ---------------------------------------------------------------------------

/// SPEC §3 v2 (review, Informational: B could owe 2 × MAX_CREDIT): with
/// MAX_CREDIT 2,000, Bob's term loan of 1,500 leaves him 500 to draw, and a
/// second loan or a larger draw is refused with nothing changed. A loan
/// that only passes through Eve costs her cap nothing: she still draws
/// 2,000 on her other lines.
#[ink::test]
fn max_credit_is_one_cap_over_draws_and_term_loans_and_passing_through_costs_nothing() {
    let mut p = setup();
    test::set_caller::<Env>(gov());
    p.set_params(PoolParams { max_credit: 2_000 * T, ..PoolParams::default() }).unwrap();
    for g in [ALICE, CAROL, DAVE, EVE] {
        stake(&mut p, g, 5_000 * T);
    }
    line(&mut p, CAROL, EVE, 3_000 * T, 300);
    line(&mut p, EVE, BOB, 3_000 * T, 300);
    line(&mut p, ALICE, BOB, 3_000 * T, 200);
    line(&mut p, DAVE, EVE, 3_000 * T, 200);
    // Carol → Eve → Bob: 1,500 to Bob through Eve.
    as_lm();
    assert_eq!(p.loan_open(1, vec![id(CAROL), id(EVE), id(BOB)], 1_500 * T, Purpose::ProductiveEnterprise), Ok(()));
    let b = p.borrower(id(BOB)).unwrap();
    assert_eq!((b.limit, b.principal, b.owed, b.available), (2_000 * T, 0, 1_500 * T, 500 * T), "the view shows the cap");
    assert_eq!(p.path_capacity(vec![id(ALICE), id(BOB)]).unwrap().capacity, 500 * T);
    // A larger draw: refused, nothing changed.
    as_caller(BOB);
    let before = (p.totals(), p.lines_to(id(BOB)).unwrap(), mock::balance(id(BOB)), p.own_capital(id(BOB)), events());
    assert_eq!(p.draw(501 * T, MAX_RATE_BPS), Err(Error::AboveMaxCredit { owed: 1_500 * T, max_credit: 2_000 * T }));
    assert_eq!(before, (p.totals(), p.lines_to(id(BOB)).unwrap(), mock::balance(id(BOB)), p.own_capital(id(BOB)), events()));
    assert_eq!(p.draw(0, MAX_RATE_BPS), Err(Error::ZeroAmount), "bad input first");
    assert_eq!(p.draw(500 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(p.borrower(id(BOB)).unwrap().available, 0);
    // A second loan to Bob: refused, nothing changed.
    as_lm();
    let before = (p.totals(), p.lines_by(id(ALICE)).unwrap(), p.loan_hold(2), events());
    assert_eq!(p.loan_open(2, vec![id(ALICE), id(BOB)], T, Purpose::ProductiveEnterprise), Err(Error::AboveMaxCredit { owed: 2_000 * T, max_credit: 2_000 * T }));
    assert_eq!(before, (p.totals(), p.lines_by(id(ALICE)).unwrap(), p.loan_hold(2), events()));
    // Eve only passes the loan on: her cap is whole.
    let e = p.borrower(id(EVE)).unwrap();
    assert_eq!((e.owed, e.available), (0, 2_000 * T), "Carol → Eve reserves 1,500 of its 3,000; Dave → Eve is free");
    as_caller(EVE);
    assert_eq!(p.draw(2_000 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(p.line(id(DAVE), id(EVE)).unwrap().unwrap().principal, 2_000 * T);
    books(&p);
    // Bob repays part of the loan: room for exactly that much again.
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 300 * T);
    as_lm();
    p.loan_return(1, 300 * T, 0, 0).unwrap();
    as_caller(BOB);
    assert_eq!(p.draw(300 * T + 1, MAX_RATE_BPS), Err(Error::AboveMaxCredit { owed: 1_700 * T, max_credit: 2_000 * T }));
    assert_eq!(p.draw(300 * T, MAX_RATE_BPS), Ok(()));
    books(&p);
}

/// Review L1 replayed with other numbers: loan 1 (120) runs over [Carol,
/// Eve, Bob]; Bob's pool default deletes Eve → Bob; Eve extends a new Eve →
/// Bob of 180 and loan 2 (180) reserves all of it. Loan 1 repaid releases
/// its reservation on Carol → Eve but nothing of loan 2's: Bob cannot draw
/// past the line. Loan 2 returned frees it.
#[ink::test]
fn a_stale_reservation_is_never_released_from_a_line_created_again() {
    let mut p = setup();
    stake(&mut p, CAROL, 1_000 * T);
    stake(&mut p, EVE, 1_000 * T);
    line(&mut p, CAROL, EVE, 500 * T, 400);
    line(&mut p, EVE, BOB, 300 * T, 500);
    as_lm();
    p.loan_open(1, vec![id(CAROL), id(EVE), id(BOB)], 120 * T, Purpose::ProductiveEnterprise).unwrap();
    assert_eq!(p.loan_hold(1).unwrap().seqs, vec![1, 2]);
    as_caller(BOB);
    p.draw(50 * T, MAX_RATE_BPS).unwrap();
    set_now(30 * D + 180 * D + 2 * D);
    as_caller(DAVE);
    p.declare_default(id(BOB)).unwrap();
    assert_eq!(p.line(id(EVE), id(BOB)), Ok(None), "the default deleted the reserved line");
    as_caller(EVE);
    assert_eq!(p.extend_credit(id(BOB), 180 * T, 500), Ok(()));
    as_lm();
    p.loan_open(2, vec![id(EVE), id(BOB)], 180 * T, Purpose::ProductiveEnterprise).unwrap();
    assert_eq!(p.loan_hold(2).unwrap().seqs, vec![3], "a new line: a new seq");
    assert_eq!(p.line(id(EVE), id(BOB)).unwrap().unwrap().reserved, 180 * T);
    books(&p);
    // Loan 1 is repaid.
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 120 * T);
    let n = events();
    assert_eq!(p.loan_return(1, 120 * T, 0, 0), Ok(()));
    assert!(events() > n);
    assert_eq!(p.line(id(EVE), id(BOB)).unwrap().unwrap().reserved, 180 * T, "loan 2's reservation is intact");
    assert_eq!(p.line(id(CAROL), id(EVE)).unwrap().unwrap().reserved, 0, "loan 1's own is released");
    assert_eq!(p.available(id(BOB)), Ok(0));
    as_caller(BOB);
    assert_eq!(p.draw(T, MAX_RATE_BPS), Err(Error::InsufficientCredit { available: 0, requested: T }), "B cannot draw past the line");
    books(&p);
    // Loan 2 comes back: the new line is free again.
    mock::transfer(lm(), pool_id(), 180 * T);
    as_lm();
    assert_eq!(p.loan_return(2, 180 * T, 0, 0), Ok(()));
    assert_eq!(p.line(id(EVE), id(BOB)).unwrap().unwrap().reserved, 0);
    assert_eq!(p.available(id(BOB)), Ok(180 * T));
    books(&p);
}

/// The pool's clock: `clock_rate()` is 1 (or 864,000 in the `fast-clock`
/// build, where a second of block time is ten days), and every time the
/// pool stores is on it.
#[ink::test]
fn the_pools_clock_runs_at_clock_rate() {
    let mut p = setup();
    let rate = p.clock_rate();
    assert_eq!(rate, if cfg!(feature = "fast-clock") { FAST_CLOCK_RATE } else { 1 });
    assert_eq!(FAST_CLOCK_RATE, 10 * D / 1_000, "a second is ten days");
    set_now(9_000);
    stake(&mut p, ALICE, 100 * T);
    assert_eq!(p.grantor(id(ALICE)).locked_until, 9_000 * rate + PoolParams::default().lockout_ms);
    line(&mut p, ALICE, BOB, 50 * T, 500);
    as_caller(BOB);
    p.draw(10 * T, MAX_RATE_BPS).unwrap();
    assert_eq!(p.line(id(ALICE), id(BOB)).unwrap().unwrap().grace_until, 9_000 * rate + PoolParams::default().grace_ms);
}

// ---------------------------------------------------------------------------
// SPEC v2 with term loans over random sequences, each rule stated on what
// the sequence observes (not through the pool's own functions)
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum LoanOp {
    Extend(Acc, Acc, u64, u16),
    Draw(Acc, u64),
    Repay(Acc, u64),
    Advance(u32),
    /// A member — mostly one a running loan passes through or ends at —
    /// draws a token, goes unpaid past the default delay and defaults on
    /// the pool; each grantor whose line it deleted extends a new one
    /// (limit): review L1.
    Lapse(u8, u64),
    /// Creditor, hops, path seed, amount.
    Open(Acc, u8, u16, u64),
    /// Loan pick, principal, insurance share.
    Return(u8, u64, u64),
    /// Loan pick, recovered in bps of the principal (above 10,000: too much).
    Settle(u8, u16),
}

fn loan_op() -> impl Strategy<Value = LoanOp> {
    let acc = 1u8..=5;
    prop_oneof![
        2 => (acc.clone(), acc.clone(), 10u64..2_000, 100u16..3_000).prop_map(|(g, b, x, r)| LoanOp::Extend(g, b, x, r)),
        3 => (acc.clone(), 1u64..1_500).prop_map(|(b, x)| LoanOp::Draw(b, x)),
        2 => (acc.clone(), 1u64..1_500).prop_map(|(b, x)| LoanOp::Repay(b, x)),
        3 => (1u32..(60 * 24)).prop_map(LoanOp::Advance),
        2 => (any::<u8>(), 10u64..800).prop_map(|(b, x)| LoanOp::Lapse(b, x)),
        4 => (acc, 1u8..4, any::<u16>(), 1u64..1_200).prop_map(|(c, h, s, x)| LoanOp::Open(c, h, s, x)),
        2 => (any::<u8>(), 1u64..800, 0u64..30).prop_map(|(i, x, f)| LoanOp::Return(i, x, f)),
        2 => (any::<u8>(), 0u16..10_500).prop_map(|(i, r)| LoanOp::Settle(i, r)),
    ]
}

/// Members of the sequences (8 fills the reserve with a line to Dave).
const MEMBERS: [u8; 6] = [1, 2, 3, 4, 5, 8];

/// What the test itself remembers of a line, from the changes it sees.
#[derive(Clone, Copy, Debug)]
struct LineSeen {
    /// A generation of the pair, new whenever the line (re)appears.
    gen: u64,
    limit: u128,
    principal: u128,
    /// When it was created or its limit raised.
    raised_at: u64,
    /// Start of the current stretch of continuous use.
    span_start: u64,
    /// When its principal last returned to zero.
    emptied: Option<u64>,
}

/// A term loan as the test sees it.
#[derive(Clone, Debug)]
struct LoanSeen {
    path: Vec<u8>,
    principal: u128,
    /// The generation of every line of its path at disbursement.
    gens: Vec<u64>,
    /// Every line of its path was COVER_MIN_AGE old at disbursement.
    insured: bool,
}

#[derive(Default)]
struct Seen {
    lines: std::collections::BTreeMap<(u8, u8), LineSeen>,
    next_gen: u64,
    loans: std::collections::BTreeMap<u64, LoanSeen>,
}

impl Seen {
    /// Follows every line after a (sub-)step.
    fn lines(&mut self, p: &CreditPool, now: u64, grace: u64) -> Result<(), String> {
        for g in MEMBERS {
            for b in MEMBERS {
                let Some(l) = p.line(id(g), id(b)).map_err(|e| format!("{e:?}"))? else {
                    self.lines.remove(&(g, b));
                    continue;
                };
                let s = match self.lines.get(&(g, b)) {
                    Some(s) => *s,
                    None => {
                        self.next_gen += 1;
                        LineSeen { gen: self.next_gen, limit: 0, principal: 0, raised_at: now, span_start: 0, emptied: None }
                    }
                };
                let mut s = s;
                if l.limit > s.limit {
                    s.raised_at = now;
                }
                if l.principal > 0 && s.principal == 0 && s.emptied.is_none_or(|t| now - t >= grace) {
                    s.span_start = now;
                }
                if l.principal == 0 && s.principal > 0 {
                    s.emptied = Some(now);
                }
                s.limit = l.limit;
                s.principal = l.principal;
                self.lines.insert((g, b), s);
            }
        }
        Ok(())
    }

    /// All the principal `a` owes: its lines' principal and the term loans
    /// ending at it.
    fn owed(&self, a: u8) -> u128 {
        let drawn: u128 = self.lines.iter().filter(|((_, b), _)| *b == a).map(|(_, s)| s.principal).sum();
        drawn + self.loans.values().filter(|l| l.path.last() == Some(&a)).map(|l| l.principal).sum::<u128>()
    }
}

/// One daily accrual of `principal` at `rate_bps`, rounded down.
fn a_days_interest(principal: u128, rate_bps: u32) -> u128 {
    principal * u128::from(rate_bps) / (10_000 * 365)
}

/// What a refused message must leave as it was.
fn state(p: &CreditPool) -> String {
    let lines: Vec<_> = MEMBERS.iter().map(|g| p.lines_by(id(*g))).collect();
    let grantors: Vec<_> = MEMBERS.iter().map(|g| p.grantor(id(*g))).collect();
    let owed: Vec<_> = MEMBERS.iter().map(|g| p.own_capital(id(*g))).collect();
    format!("{:?}", (p.totals(), lines, grantors, owed, holds(p), mock::balance(pool_id()), events()))
}

/// The rules after every step: (c) nobody owes more than MAX_CREDIT, the
/// borrower's view shows what it owes; (d) every line reserves exactly the
/// principal of the open loans that reserved on that very line; (b) a line
/// in continuous use for a grace period accrues a day's interest each day.
fn rules(p: &CreditPool, seen: &Seen, now: u64) -> Result<(), String> {
    let params = p.params();
    for a in MEMBERS {
        let owed = seen.owed(a);
        if owed > params.max_credit {
            return Err(format!("member {a} owes {owed} > MAX_CREDIT"));
        }
        let shown = p.borrower(id(a)).map_err(|e| format!("{e:?}"))?.owed;
        if shown != owed {
            return Err(format!("member {a}: the pool shows it owes {shown}, it owes {owed}"));
        }
    }
    for (&(g, b), s) in &seen.lines {
        let reserved = p.line(id(g), id(b)).map_err(|e| format!("{e:?}"))?.map_or(0, |l| l.reserved);
        let owners: u128 = seen
            .loans
            .values()
            .filter(|l| l.path.windows(2).zip(&l.gens).any(|(h, gen)| (h[0], h[1]) == (g, b) && *gen == s.gen))
            .map(|l| l.principal)
            .sum();
        if reserved != owners {
            return Err(format!("line {g}→{b} reserves {reserved}, the loans that reserved on it owe {owners}"));
        }
    }
    for b in MEMBERS {
        let due: u128 = seen
            .lines
            .iter()
            .filter(|((_, x), s)| *x == b && s.principal > 0 && now >= s.span_start + params.grace_ms)
            .map(|((g, _), s)| a_days_interest(s.principal, p.line(id(*g), id(b)).ok().flatten().map_or(0, |l| l.rate_bps)))
            .sum();
        if due == 0 {
            continue;
        }
        let today = p.outstanding(id(b)).map_err(|e| format!("{e:?}"))?;
        set_now(now + D);
        let tomorrow = p.outstanding(id(b)).map_err(|e| format!("{e:?}"));
        set_now(now);
        if tomorrow? - today < due {
            return Err(format!("borrower {b} accrues less than a day's interest {due} on lines used for a grace period"));
        }
    }
    Ok(())
}

/// (a) on a pool default: each grantor recovers from insurance at most
/// COVER_SHARE of its loss, and the reserve pays exactly what they recover.
fn pool_default_co_insured(p: &CreditPool, before: &[(u8, u128, u128)], reserve0: u128) -> Result<(), String> {
    let share = u128::from(p.params().cover_share_bps);
    let mut total = 0u128;
    for &(g, loss, stake0) in before {
        let recovered = (p.grantor(id(g)).stake + loss).checked_sub(stake0).ok_or("a grantor lost more than its loss")?;
        if recovered * 10_000 > loss * share {
            return Err(format!("grantor {g} recovered {recovered} of {loss}: more than COVER_SHARE"));
        }
        total += recovered;
    }
    if reserve0 - p.totals().insurance != total {
        return Err("the reserve paid other than what the grantors recovered".into());
    }
    Ok(())
}

fn run_loans(lines: &[(u8, u8, u64, u16)], ops: &[LoanOp]) -> Result<(), String> {
    let mut p = setup();
    for n in MEMBERS {
        mock::approve(id(n), pool_id(), u128::MAX);
    }
    mock::fund(lm(), pool_id(), 100_000_000 * T);
    fill_reserve(&mut p, 20_000 * T);
    test::set_caller::<Env>(gov());
    p.set_params(PoolParams { max_credit: 2_000 * T, ..PoolParams::default() }).map_err(|e| format!("{e:?}"))?;
    let params = p.params();
    for a in 1..=5u8 {
        stake(&mut p, a, 5_000 * T);
    }
    for &(g, b, x, r) in lines {
        if g != b {
            mock::trust(id(g), id(b));
            as_caller(g);
            let _ = p.extend_credit(id(b), u128::from(x) * T, u32::from(r));
        }
    }
    let mut now = 0u64;
    let mut seen = Seen::default();
    seen.lines(&p, now, params.grace_ms)?;
    let mut next_id = 0u64;
    for (step, o) in ops.iter().enumerate() {
        let day = now / D;
        let at = move |e: String| format!("step {step} {o:?} from day {day}: {e}");
        let before = state(&p);
        let refused = match *o {
            LoanOp::Extend(g, b, x, r) if g != b => {
                mock::trust(id(g), id(b));
                as_caller(g);
                p.extend_credit(id(b), u128::from(x) * T, u32::from(r)).is_err()
            }
            LoanOp::Extend(..) => false,
            LoanOp::Draw(b, x) => {
                let (amount, owed) = (u128::from(x) * T, seen.owed(b));
                as_caller(b);
                let r = p.draw(amount, MAX_RATE_BPS);
                if owed + amount > params.max_credit && r != Err(Error::AboveMaxCredit { owed, max_credit: params.max_credit }) {
                    return Err(at(format!("a draw past MAX_CREDIT answered {r:?}")));
                }
                r.is_err()
            }
            LoanOp::Repay(b, x) => {
                as_caller(b);
                p.repay(u128::from(x) * T).is_err()
            }
            LoanOp::Advance(h) => {
                now += u64::from(h) * 3_600_000;
                set_now(now);
                false
            }
            LoanOp::Lapse(i, x) => {
                let hops: Vec<u8> = seen.loans.values().flat_map(|l| l.path[1..].to_vec()).collect();
                let b = if hops.is_empty() || i % 4 == 0 { 1 + i % 5 } else { hops[usize::from(i) % hops.len()] };
                as_caller(b);
                let _ = p.draw(T, MAX_RATE_BPS);
                seen.lines(&p, now, params.grace_ms).map_err(at)?;
                check_books(&p, &MEMBERS).map_err(at)?;
                rules(&p, &seen, now).map_err(at)?;
                now += params.grace_ms + params.default_ms + D;
                set_now(now);
                seen.lines(&p, now, params.grace_ms).map_err(at)?;
                let lost: Vec<(u8, u128, u128)> = seen
                    .lines
                    .iter()
                    .filter(|((_, y), _)| *y == b)
                    .map(|((g, _), s)| (*g, s.principal, p.grantor(id(*g)).stake))
                    .collect();
                let reserve0 = p.totals().insurance;
                as_caller(DAVE);
                if p.declare_default(id(b)).is_ok() {
                    pool_default_co_insured(&p, &lost, reserve0).map_err(at)?;
                    seen.lines(&p, now, params.grace_ms).map_err(at)?;
                    for (g, _, _) in lost {
                        as_caller(g);
                        let _ = p.extend_credit(id(b), u128::from(x) * T, 300);
                    }
                }
                false
            }
            LoanOp::Open(c, hops, s, x) => {
                let mut path = vec![c];
                let mut s = usize::from(s);
                for _ in 0..hops {
                    let last = *path.last().unwrap_or(&c);
                    let next: Vec<u8> = MEMBERS.iter().copied().filter(|b| !path.contains(b) && seen.lines.contains_key(&(last, *b))).collect();
                    if next.is_empty() {
                        break;
                    }
                    path.push(next[s % next.len()]);
                    s /= 5;
                }
                if path.len() < 2 || next_id >= 32 {
                    false
                } else {
                    let b = path[path.len() - 1];
                    let (amount, owed) = (u128::from(x) * T, seen.owed(b));
                    as_lm();
                    let r = p.loan_open(next_id, path.iter().map(|a| id(*a)).collect(), amount, Purpose::ProductiveEnterprise);
                    if owed + amount > params.max_credit && r != Err(Error::AboveMaxCredit { owed, max_credit: params.max_credit }) {
                        return Err(at(format!("a loan past MAX_CREDIT answered {r:?}")));
                    }
                    if r.is_ok() {
                        let hops: Vec<LineSeen> = path.windows(2).map(|h| seen.lines[&(h[0], h[1])]).collect();
                        let insured = hops.iter().all(|s| now >= s.raised_at + params.cover_min_age_ms);
                        if p.loan_hold(next_id).map(|h| h.insured) != Some(insured) {
                            return Err(at(format!("loan insured {:?}, every line COVER_MIN_AGE old: {insured}", p.loan_hold(next_id))));
                        }
                        let gens = hops.iter().map(|s| s.gen).collect();
                        seen.loans.insert(next_id, LoanSeen { path, principal: amount, gens, insured });
                        next_id += 1;
                    }
                    r.is_err()
                }
            }
            LoanOp::Return(i, x, f) => {
                let ids: Vec<u64> = seen.loans.keys().copied().collect();
                if let Some(&k) = ids.get(usize::from(i) % ids.len().max(1)) {
                    let part = (u128::from(x) * T).min(seen.loans[&k].principal);
                    let (fee, ins) = (u128::from(f) * T / 2, u128::from(f) * T);
                    mock::transfer(lm(), pool_id(), part + fee + ins);
                    as_lm();
                    p.loan_return(k, part, fee, ins).map_err(|e| at(format!("return refused: {e:?}")))?;
                    let l = seen.loans.get_mut(&k).ok_or("no loan")?;
                    l.principal -= part;
                    if l.principal == 0 {
                        seen.loans.remove(&k);
                    }
                }
                false
            }
            LoanOp::Settle(i, r) => {
                let ids: Vec<u64> = seen.loans.keys().copied().collect();
                if let Some(&k) = ids.get(usize::from(i) % ids.len().max(1)) {
                    let l = seen.loans[&k].clone();
                    let principal = l.principal;
                    let recovered = principal * u128::from(r) / 10_000;
                    as_lm();
                    if recovered > principal {
                        if p.loan_settle(k, recovered) != Err(Error::RecoveredAbovePrincipal { principal, recovered }) {
                            return Err(at("recovered above the principal was not refused".into()));
                        }
                        true
                    } else {
                        mock::transfer(lm(), pool_id(), recovered);
                        let creditor = l.path[0];
                        let (stake0, reserve0) = (p.grantor(id(creditor)).stake, p.totals().insurance);
                        let answer = p.loan_settle(k, recovered).map_err(|e| at(format!("settle refused: {e:?}")))?;
                        // (a) warrants first: the creditor's loss is what they
                        // left; insurance pays at most COVER_SHARE of it.
                        let loss = principal - recovered;
                        let from_reserve = reserve0 - p.totals().insurance;
                        let from_insurance = (p.grantor(id(creditor)).stake + loss).checked_sub(stake0).ok_or_else(|| at("the creditor lost more than what the warrants left".into()))?;
                        if from_insurance != from_reserve {
                            return Err(at(format!("the creditor recovered {from_insurance} from insurance, the reserve paid {from_reserve}")));
                        }
                        if from_insurance * 10_000 > loss * u128::from(params.cover_share_bps) {
                            return Err(at(format!("the creditor recovered {from_insurance} of {loss}: more than COVER_SHARE")));
                        }
                        if from_reserve * 10_000 > reserve0 * u128::from(params.cover_max_reserve_share_bps) {
                            return Err(at(format!("one settlement took {from_reserve} of a reserve of {reserve0}")));
                        }
                        if !l.insured && from_insurance > 0 {
                            return Err(at("an uninsured loan was covered".into()));
                        }
                        if answer != (from_insurance, loss - from_insurance) {
                            return Err(at(format!("settle answered {answer:?}")));
                        }
                        seen.loans.remove(&k);
                        false
                    }
                } else {
                    false
                }
            }
        };
        if refused && state(&p) != before {
            return Err(at("refused but changed something".into()));
        }
        seen.lines(&p, now, params.grace_ms).map_err(at)?;
        check_books(&p, &MEMBERS).map_err(at)?;
        rules(&p, &seen, now).map_err(at)?;
    }
    // Every loan comes back and every debt is repaid: nothing stays reserved.
    for (k, l) in seen.loans.clone() {
        mock::transfer(lm(), pool_id(), l.principal);
        as_lm();
        p.loan_return(k, l.principal, 0, 0).map_err(|e| format!("loan {k} cannot come back: {e:?}"))?;
        seen.loans.remove(&k);
    }
    for b in MEMBERS {
        let owed = p.outstanding(id(b)).map_err(|e| format!("{e:?}"))?;
        if owed > 0 {
            as_caller(b);
            p.repay(owed).map_err(|e| format!("{b} cannot repay: {e:?}"))?;
        }
    }
    seen.lines(&p, now, params.grace_ms)?;
    check_books(&p, &MEMBERS)?;
    rules(&p, &seen, now)?;
    if seen.lines.keys().any(|(g, b)| p.line(id(*g), id(*b)).ok().flatten().is_some_and(|l| l.reserved > 0)) {
        return Err("something stays reserved after every loan came back".into());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// SPEC v2 with term loans, over random sequences of lines, draws,
    /// repayments, months of time, pool defaults followed by new lines on
    /// the same pairs (review L1), term loans opened over random paths,
    /// returned and settled with random warrant recoveries — each rule
    /// stated on what the test observes: (a) a grantor never recovers more
    /// than COVER_SHARE of a loss from insurance (pool defaults, and term
    /// loans after the warrants), and an uninsured loan nothing; (b) a line
    /// in continuous use never goes more than one grace period without
    /// interest; (c) a member's draws plus the term loans it borrowed never
    /// exceed MAX_CREDIT, and a draw or loan past it is refused as
    /// `AboveMaxCredit`; (d) every line reserves exactly the principal of
    /// the loans that reserved on that very line, so each reservation is
    /// released by the loan that made it and by no other. A refusal changes
    /// nothing; the books hold after every step.
    #[test]
    fn term_loans_keep_one_cap_own_reservations_and_co_insurance_over_random_sequences(
        lines in proptest::collection::vec((1u8..=5, 1u8..=5, 100u64..1_500, 100u16..3_000), 4..12),
        ops in proptest::collection::vec(loan_op(), 1..40),
    ) {
        let mut outcome = Err(String::from("not run"));
        test::run_test::<Env, _>(|_| {
            outcome = run_loans(&lines, &ops);
            Ok(())
        })
        .unwrap();
        if let Err(e) = outcome {
            prop_assert!(false, "{e}");
        }
    }
}

// ---------------------------------------------------------------------------
// Warrants from stake (SPEC §4, issue 16: the wired warrant escrow only)
// ---------------------------------------------------------------------------

fn as_escrow() {
    test::set_caller::<Env>(escrow());
}

/// Everything a refused warrant message must leave as it was: the holder's
/// position and own capital, the totals, the pool's, the escrow's and the
/// holder's balances, and the events.
fn warrant_snapshot(p: &CreditPool, holder: u8) -> (GrantorInfo, OwnCapitalInfo, Totals, u128, u128, u128, usize) {
    (
        p.grantor(id(holder)),
        p.own_capital(id(holder)),
        p.totals(),
        mock::balance(pool_id()),
        mock::balance(escrow()),
        mock::balance(id(holder)),
        events(),
    )
}

/// Issue 16: Eve, with 500 staked (100 of it behind her line to Bob) and an
/// empty wallet, locks an 80 warrant from her stake: the stake falls by 80,
/// the escrow holds the 80, the trust graph hears her lower own capital,
/// her lock-out stays where it was. The warrant released, the 80 come back
/// to her stake (not her wallet), her lock-out still unchanged: she may
/// unstake only when it ends. The books are exact after each step.
#[ink::test]
fn a_warrant_locked_from_stake_leaves_the_stake_and_comes_back_to_it_with_the_lockout_unchanged() {
    let mut p = setup();
    set_now(5 * D);
    stake(&mut p, EVE, 500 * T);
    line(&mut p, EVE, BOB, 100 * T, 500);
    let lock = p.grantor(id(EVE)).locked_until;
    assert_eq!(lock, 95 * D);
    mock::transfer(id(EVE), id(8), mock::balance(id(EVE)));
    assert_eq!(mock::balance(id(EVE)), 0, "an empty wallet");
    books(&p);
    set_now(10 * D);
    as_escrow();
    let n = events();
    assert_eq!(p.warrant_from_stake(id(EVE), 80 * T), Ok(()));
    assert_eq!(events(), n + 2, "Eve's lower own capital reported, and WarrantFromStake");
    let g = p.grantor(id(EVE));
    assert_eq!((g.stake, g.allocated, g.free, g.locked_until), (420 * T, 100 * T, 320 * T, lock));
    assert_eq!(mock::balance(escrow()), 80 * T, "the escrow holds the warrant");
    assert_eq!(mock::balance(id(EVE)), 0);
    assert_eq!((p.totals().staked, mock::balance(pool_id())), (420 * T, 420 * T), "the books follow: 80 fewer staked and held");
    assert_eq!(mock::reported_stake(id(EVE)), Some(320 * T), "420 staked, 100 behind Bob's line");
    books(&p);
    // The warrant released: the escrow sends the 80 back, then calls.
    set_now(30 * D);
    mock::transfer(escrow(), pool_id(), 80 * T);
    let n = events();
    assert_eq!(p.warrant_to_stake(id(EVE), 80 * T), Ok(()));
    assert_eq!(events(), n + 2, "Eve's own capital reported, and WarrantToStake");
    let g = p.grantor(id(EVE));
    assert_eq!((g.stake, g.free, g.locked_until), (500 * T, 400 * T, lock), "back in the stake, the lock-out not restarted");
    assert_eq!(mock::balance(id(EVE)), 0, "never to the wallet");
    assert_eq!(mock::reported_stake(id(EVE)), Some(400 * T));
    books(&p);
    as_caller(EVE);
    assert_eq!(p.unstake(T), Err(Error::LockedUntil { until: lock }));
    set_now(lock);
    assert_eq!(p.unstake(400 * T), Ok(()));
    assert_eq!(mock::balance(id(EVE)), 400 * T);
    books(&p);
}

/// The pool's totals follow each warrant to the unit: staked and held fall
/// by what leaves for the escrow and rise by what comes back.
#[ink::test]
fn a_warrant_from_stake_lowers_the_totals_by_its_amount_and_its_return_raises_them_back() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    stake(&mut p, EVE, 500 * T);
    as_escrow();
    assert_eq!(p.warrant_from_stake(id(EVE), 80 * T), Ok(()));
    assert_eq!((p.totals().staked, mock::balance(pool_id())), (1_420 * T, 1_420 * T));
    books(&p);
    mock::transfer(escrow(), pool_id(), 30 * T);
    assert_eq!(p.warrant_to_stake(id(EVE), 30 * T), Ok(()));
    assert_eq!((p.totals().staked, mock::balance(pool_id())), (1_450 * T, 1_450 * T));
    books(&p);
}

/// More than the free stake — neither allocated to lines nor lent, what
/// `unstake` could take — is refused `InsufficientStake`, and so are zero,
/// a pause, and a drop of own capital the trust graph refuses while the
/// holder's trust counts (`AnchorNotReleased`): each with nothing changed.
/// The lock-out does not matter (the stake goes to the escrow, not away).
#[ink::test]
fn warrant_from_stake_refuses_more_than_the_free_stake_a_pause_and_the_graph_changing_nothing() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 600 * T, 500);
    as_caller(BOB);
    assert_eq!(p.draw(300 * T, MAX_RATE_BPS), Ok(()));
    stake(&mut p, EVE, 500 * T);
    line(&mut p, EVE, CAROL, 100 * T, 500);
    assert_eq!(p.grantor(id(ALICE)).free, 400 * T, "1,000 less the 600 line (300 of it lent)");
    assert_eq!(p.grantor(id(EVE)).free, 400 * T);
    as_escrow();
    for (who, amount, err) in [
        (ALICE, 400 * T + 1, Error::InsufficientStake { available: 400 * T, requested: 400 * T + 1 }),
        (EVE, 400 * T + 1, Error::InsufficientStake { available: 400 * T, requested: 400 * T + 1 }),
        (DAVE, 1, Error::InsufficientStake { available: 0, requested: 1 }),
        (EVE, 0, Error::ZeroAmount),
    ] {
        let before = warrant_snapshot(&p, who);
        assert_eq!(p.warrant_from_stake(id(who), amount), Err(err));
        assert_eq!(warrant_snapshot(&p, who), before, "refused: nothing changed");
    }
    // Paused: refused (new risk), and allowed again once unpaused.
    test::set_caller::<Env>(gov());
    p.set_paused(true).unwrap();
    as_escrow();
    let before = warrant_snapshot(&p, EVE);
    assert_eq!(p.warrant_from_stake(id(EVE), 10 * T), Err(Error::Paused));
    assert_eq!(warrant_snapshot(&p, EVE), before);
    test::set_caller::<Env>(gov());
    p.set_paused(false).unwrap();
    // The graph refuses Eve's drop while her trust counts: nothing changed.
    let refusal = tg::Error::AnchorNotReleased { counting: 2 };
    mock::refuse_stake_reports(Some(refusal.clone()));
    as_escrow();
    let before = warrant_snapshot(&p, EVE);
    assert_eq!(p.warrant_from_stake(id(EVE), 10 * T), Err(Error::TrustGraph(refusal)));
    assert_eq!(warrant_snapshot(&p, EVE), before);
    mock::refuse_stake_reports(None);
    // Within the lock-out, all the free stake: accepted.
    assert!(p.grantor(id(EVE)).locked_until > 0);
    assert_eq!(p.warrant_from_stake(id(EVE), 400 * T), Ok(()));
    assert_eq!(p.warrant_from_stake(id(ALICE), 400 * T), Ok(()));
    assert_eq!((p.grantor(id(EVE)).free, p.grantor(id(ALICE)).free), (0, 0));
    assert_eq!(mock::balance(escrow()), 800 * T);
    books(&p);
}

/// `warrant_to_stake` books only tokens that arrived (`Unpaid` otherwise,
/// nothing changed), refuses zero, and works while paused (a warrant's
/// return, like a repayment, is never blocked) — even when the graph cannot
/// hear the higher own capital (best effort).
#[ink::test]
fn warrant_to_stake_needs_the_tokens_first_and_is_never_blocked_by_a_pause_or_the_graph() {
    let mut p = setup();
    stake(&mut p, EVE, 500 * T);
    as_escrow();
    p.warrant_from_stake(id(EVE), 200 * T).unwrap();
    let before = warrant_snapshot(&p, EVE);
    let held = mock::balance(pool_id());
    assert_eq!(p.warrant_to_stake(id(EVE), 50 * T), Err(Error::Unpaid { held, owed: held + 50 * T }), "the tokens have not arrived");
    assert_eq!(p.warrant_to_stake(id(EVE), 0), Err(Error::ZeroAmount));
    assert_eq!(warrant_snapshot(&p, EVE), before);
    test::set_caller::<Env>(gov());
    p.set_paused(true).unwrap();
    mock::refuse_stake_reports(Some(tg::Error::NotWired));
    as_escrow();
    mock::transfer(escrow(), pool_id(), 50 * T);
    assert_eq!(p.warrant_to_stake(id(EVE), 50 * T), Ok(()));
    assert_eq!(p.grantor(id(EVE)).stake, 350 * T);
    assert_eq!(mock::reported_stake(id(EVE)), Some(300 * T), "the graph keeps the lower value");
    mock::refuse_stake_reports(None);
    books(&p);
    assert_eq!(p.report_own_capital(id(EVE)), Ok(350 * T));
    books(&p);
}

/// A holder whose whole stake, its lock-out over, went into a warrant has
/// no record left; the warrant's return creates it again, unlocked — the
/// lock-out had ended, and a return never starts one.
#[ink::test]
fn a_warrant_of_a_whole_unlocked_stake_comes_back_unlocked() {
    let mut p = setup();
    stake(&mut p, EVE, 100 * T);
    set_now(90 * D);
    as_escrow();
    p.warrant_from_stake(id(EVE), 100 * T).unwrap();
    assert_eq!(p.grantor(id(EVE)), GrantorInfo::default());
    books(&p);
    set_now(100 * D);
    mock::transfer(escrow(), pool_id(), 100 * T);
    p.warrant_to_stake(id(EVE), 100 * T).unwrap();
    let g = p.grantor(id(EVE));
    assert_eq!((g.stake, g.locked_until), (100 * T, 0));
    as_caller(EVE);
    assert_eq!(p.unstake(100 * T), Ok(()));
    books(&p);
}

/// A default with a warrant locked from an intermediary's stake, on the
/// pool's side: the escrow pays the claimed part to the loan manager, which
/// passes it to the pool for the creditor (`loan_settle`'s `recovered`),
/// and sends the rest back to the intermediary's stake. The books are exact
/// after every step.
#[ink::test]
fn a_default_takes_the_claim_from_a_stake_warrant_and_the_rest_returns_to_the_stake() {
    let (mut p, path) = three_hop_pool();
    stake(&mut p, ALICE, 200 * T);
    let lock = p.grantor(id(ALICE)).locked_until;
    as_lm();
    p.loan_open(7, path.clone(), 100 * T, Purpose::ProductiveEnterprise).unwrap();
    books(&p);
    // Alice, an intermediary, locks her 40 warrant from her stake.
    as_escrow();
    p.warrant_from_stake(id(ALICE), 40 * T).unwrap();
    assert_eq!(p.grantor(id(ALICE)).stake, 460 * T);
    books(&p);
    // Default: the escrow claims 25 of her 40 for the loan manager and
    // sends the 15 left back to her stake.
    mock::transfer(escrow(), lm(), 25 * T);
    mock::transfer(escrow(), pool_id(), 15 * T);
    p.warrant_to_stake(id(ALICE), 15 * T).unwrap();
    books(&p);
    as_lm();
    mock::transfer(lm(), pool_id(), 25 * T);
    let (covered, written_off) = p.loan_settle(7, 25 * T).unwrap();
    assert_eq!(covered + written_off, 75 * T);
    let a = p.grantor(id(ALICE));
    assert_eq!((a.stake, a.locked_until), (475 * T, lock), "her stake lost the 25 claimed, nothing else");
    assert_eq!(p.grantor(id(CAROL)).stake, 1_000 * T - written_off);
    assert_eq!(mock::balance(escrow()), 0);
    books(&p);
}

/// The access matrix of the two warrant messages: only the wired escrow —
/// not governance, the loan manager, the deployer, the holder itself or a
/// stranger — and nothing before wiring; the escrow in turn may call none
/// of the loan manager's or governance's messages. No event, nothing
/// changed.
#[ink::test]
fn only_the_wired_escrow_moves_a_warrant_out_of_and_back_into_a_stake() {
    mock::reset();
    test::set_callee::<Env>(pool_id());
    as_caller(DEPLOYER);
    let mut p = CreditPool::new(AccountId::from(TOKEN), AccountId::from(GRAPH));
    as_escrow();
    assert_eq!(p.warrant_from_stake(id(EVE), T), Err(Error::NotWired));
    assert_eq!(p.warrant_to_stake(id(EVE), T), Err(Error::NotWired));
    let mut p = setup();
    stake(&mut p, EVE, 500 * T);
    let callers = [id(DEPLOYER), gov(), lm(), id(EVE), id(DAVE)];
    for who in callers {
        test::set_caller::<Env>(who);
        let before = warrant_snapshot(&p, EVE);
        assert_eq!(p.warrant_from_stake(id(EVE), T), Err(Error::Unauthorized { caller: who }));
        mock::transfer(id(DAVE), pool_id(), T);
        assert_eq!(p.warrant_to_stake(id(EVE), T), Err(Error::Unauthorized { caller: who }));
        mock::transfer(pool_id(), id(DAVE), T);
        assert_eq!(warrant_snapshot(&p, EVE), before, "caller {who:?}: nothing changed");
    }
    as_escrow();
    let n = events();
    let e = escrow();
    assert_eq!(p.loan_open(1, vec![id(EVE), id(BOB)], T, Purpose::ProductiveEnterprise), Err(Error::Unauthorized { caller: e }));
    assert_eq!(p.loan_return(1, 0, 0, 0), Err(Error::Unauthorized { caller: e }));
    assert_eq!(p.loan_settle(1, 0), Err(Error::Unauthorized { caller: e }));
    assert_eq!(p.set_paused(true), Err(Error::Unauthorized { caller: e }));
    assert_eq!(p.spend_treasury(e, 1), Err(Error::Unauthorized { caller: e }));
    assert_eq!(events(), n);
    assert_eq!(p.warrant_from_stake(id(EVE), T), Ok(()));
    books(&p);
}

// ---------------------------------------------------------------------------
// Epoch counters and the insurance fund (issue 20, community health)
// ---------------------------------------------------------------------------

use crate::EpochStats;

const EPOCH: u64 = 30 * D;

/// Principal × days, in the counters' unit (smallest units × ms).
fn pd(principal: u128, days: u64) -> u128 {
    principal * u128::from(days * D)
}

/// Epoch 0 = days [0, 30): Bob owes 100 from day 1, 200 from day 11 and
/// 150 from day 21 (50 repaid in the grace, all principal). The integral is
/// what the test adds up piece by piece; the open epoch runs to now; a
/// closed epoch is final without any message; a later message stores it.
#[ink::test]
fn epoch_stats_count_draws_repayments_and_time_weighted_outstanding() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 500 * T, 500);
    assert_eq!(p.epoch_length(), (EPOCH, false));
    as_caller(BOB);
    set_now(D);
    assert_eq!(p.draw(100 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(p.epoch_length(), (EPOCH, true));
    set_now(11 * D);
    assert_eq!(p.draw(100 * T, MAX_RATE_BPS), Ok(()));
    set_now(21 * D);
    assert_eq!(p.repay(50 * T), Ok(50 * T));
    set_now(25 * D);
    let open = p.epoch_stats(0);
    assert_eq!(
        open,
        EpochStats {
            epoch: 0,
            start: 0,
            epoch_ms: EPOCH,
            closed: false,
            drawn: 200 * T,
            purpose_drawn: [0; 5], purpose_outstanding_ms: [0; 5], purpose_principal_end: [0; 5],
            repaid: 50 * T,
            outstanding_ms: pd(100 * T, 10) + pd(200 * T, 10) + pd(150 * T, 4),
            principal_end: 150 * T,
            saturated: false,
        }
    );
    let full = pd(100 * T, 10) + pd(200 * T, 10) + pd(150 * T, 9);
    set_now(35 * D);
    let closed = p.epoch_stats(0);
    assert_eq!(closed, EpochStats { closed: true, outstanding_ms: full, ..open });
    // Velocity: 50 repaid over an average outstanding of `full / 30 days`.
    let avg = full / u128::from(EPOCH);
    assert_eq!(closed.velocity_ppm(), Ok(50 * T * 1_000_000 / avg));
    // Epoch 1 so far: 150 outstanding from day 30, nothing drawn or repaid.
    assert_eq!(
        p.epoch_stats(1),
        EpochStats { epoch: 1, start: EPOCH, epoch_ms: EPOCH, closed: false, drawn: 0, purpose_drawn: [0; 5], purpose_outstanding_ms: [0; 5], purpose_principal_end: [0; 5], repaid: 0, outstanding_ms: pd(150 * T, 5), principal_end: 150 * T, saturated: false }
    );
    // A message in epoch 1 stores epoch 0 as it was.
    set_now(40 * D);
    assert_eq!(p.draw(10 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(p.epoch_stats(0), closed);
    set_now(45 * D);
    let e1 = p.epoch_stats(1);
    assert_eq!((e1.drawn, e1.repaid, e1.outstanding_ms, e1.principal_end), (10 * T, 0, pd(150 * T, 10) + pd(160 * T, 5), 160 * T));
    // The future: zeros, not closed.
    assert_eq!(p.epoch_stats(9), EpochStats { epoch: 9, start: 9 * EPOCH, epoch_ms: EPOCH, ..EpochStats::default() });
    books(&p);
}

/// Epochs in which nothing changed carry the principal left by the latest
/// change, before and after a later epoch is stored; nothing repaid is
/// velocity 0.
#[ink::test]
fn epochs_without_a_change_carry_the_principal_of_the_last_change() {
    let mut p = setup();
    stake(&mut p, ALICE, 1_000 * T);
    line(&mut p, ALICE, BOB, 500 * T, 500);
    as_caller(BOB);
    set_now(10 * D);
    assert_eq!(p.draw(100 * T, MAX_RATE_BPS), Ok(()));
    // Day 100 (epoch 3): epochs 1 and 2 were idle with 100 outstanding.
    set_now(100 * D);
    let idle = p.epoch_stats(2);
    assert_eq!(idle, EpochStats { epoch: 2, start: 2 * EPOCH, epoch_ms: EPOCH, closed: true, drawn: 0, purpose_drawn: [0; 5], purpose_outstanding_ms: [0; 5], purpose_principal_end: [0; 5], repaid: 0, outstanding_ms: pd(100 * T, 30), principal_end: 100 * T, saturated: false });
    assert_eq!(idle.velocity_ppm(), Ok(0));
    // Day 130 (epoch 4): a payment stores epoch 0; epochs 1..=3 stay derived.
    set_now(130 * D);
    mock::fund(id(BOB), pool_id(), 1_000 * T);
    let owed = p.outstanding(id(BOB)).unwrap();
    assert_eq!(p.repay(owed), Ok(owed));
    assert_eq!(p.epoch_stats(0).outstanding_ms, pd(100 * T, 20));
    assert_eq!(p.epoch_stats(2), idle);
    assert_eq!(p.epoch_stats(3).outstanding_ms, pd(100 * T, 30));
    let e4 = p.epoch_stats(4);
    assert_eq!((e4.repaid, e4.principal_end, e4.outstanding_ms), (100 * T, 0, pd(100 * T, 10)));
    set_now(200 * D);
    assert_eq!(p.epoch_stats(5).outstanding_ms, 0, "nothing outstanding since");
    books(&p);
}

/// Term loans count as drawn when opened and as repaid when their principal
/// comes back; a pool default and a settlement lower the outstanding
/// principal without counting as repaid.
#[ink::test]
fn term_loans_and_defaults_move_the_epoch_counters() {
    let (mut p, path) = three_hop_pool();
    as_lm();
    assert_eq!(p.loan_open(1, path.clone(), 150 * T, Purpose::ProductiveEnterprise), Ok(()));
    set_now(10 * D);
    mock::fund(lm(), pool_id(), 1_000 * T);
    mock::transfer(lm(), pool_id(), 100 * T);
    assert_eq!(p.loan_return(1, 100 * T, 0, 0), Ok(()));
    set_now(20 * D);
    assert_eq!(p.loan_settle(1, 0).map(|_| ()), Ok(()));
    let s = p.epoch_stats(0);
    assert_eq!((s.drawn, s.repaid, s.principal_end), (150 * T, 100 * T, 0));
    assert_eq!(s.outstanding_ms, pd(150 * T, 10) + pd(50 * T, 10));
    // A pool default: Bob's 40 leave the outstanding principal, not repaid.
    stake(&mut p, DAVE, 100 * T);
    line(&mut p, DAVE, BOB, 50 * T, 500);
    as_caller(BOB);
    set_now(21 * D);
    assert_eq!(p.draw(40 * T, MAX_RATE_BPS), Ok(()));
    set_now(21 * D + p.params().default_ms + 31 * D);
    let e = p.epoch_stats(0).epoch; // still epoch 0's figures
    assert_eq!(e, 0);
    assert_eq!(p.declare_default(id(BOB)), Ok(()));
    let now_epoch = (21 * D + p.params().default_ms + 31 * D) / EPOCH;
    let s = p.epoch_stats(now_epoch);
    assert_eq!((s.drawn, s.repaid, s.principal_end), (0, 0, 0));
    assert_eq!(p.epoch_stats(0).drawn, 190 * T);
    books(&p);
}

/// Attack review of review H1's fix: economic diversity weighs each
/// purpose's term-loan principal by the time it is out, so a member pair
/// that opens and returns a huge loan at once under one purpose — for no
/// interest — moves it by next to nothing, while the same principal held
/// all epoch counts in full. `purpose_drawn` still shows the gross sums.
#[ink::test]
fn a_term_loan_opened_and_returned_at_once_barely_moves_diversity() {
    let (mut p, path) = three_hop_pool();
    as_lm();
    mock::fund(lm(), pool_id(), 1_000 * T);
    // Day 0: 100 for community infrastructure, out all epoch.
    assert_eq!(p.loan_open(1, path.clone(), 100 * T, Purpose::CommunityInfrastructure), Ok(()));
    // Day 1: as much again for a creative project, back one millisecond later.
    set_now(D);
    assert_eq!(p.loan_open(2, path.clone(), 100 * T, Purpose::CreativeProject), Ok(()));
    set_now(D + 1);
    mock::transfer(lm(), pool_id(), 100 * T);
    assert_eq!(p.loan_return(2, 100 * T, 0, 0), Ok(()));
    set_now(EPOCH);
    let s = p.epoch_stats(0);
    assert_eq!(s.purpose_drawn, [0, 100 * T, 100 * T, 0, 0]);
    assert_eq!(s.purpose_outstanding_ms, [0, 100 * T, pd(100 * T, 30), 0, 0]);
    assert_eq!(s.purpose_principal_end, [0, 0, 100 * T, 0, 0]);
    // Counted gross it would be 63 (two of five purposes evenly:
    // (1 − ½) / (1 − ⅕) = 62.5, halves up); weighed by time it is 0.
    assert_eq!(dcu_common::health::diversity(&s.purpose_drawn), Ok(63));
    assert_eq!(s.diversity(), Ok(0));
    // Held the whole next epoch alongside the other, it counts in full.
    assert_eq!(p.loan_open(3, path.clone(), 100 * T, Purpose::CreativeProject), Ok(()));
    set_now(2 * EPOCH);
    let s1 = p.epoch_stats(1);
    assert_eq!(s1.purpose_outstanding_ms, [0, pd(100 * T, 30), pd(100 * T, 30), 0, 0]);
    assert_eq!(s1.diversity(), Ok(63));
    // An idle epoch carries the principal by purpose: derived, not stored.
    set_now(3 * EPOCH);
    let idle = p.epoch_stats(2);
    assert_eq!((idle.purpose_outstanding_ms, idle.purpose_principal_end, idle.purpose_drawn), ([0, pd(100 * T, 30), pd(100 * T, 30), 0, 0], [0, 100 * T, 100 * T, 0, 0], [0; 5]));
    books(&p);
}

/// Only governance sets the epoch length, within 1..=365 days, and only
/// before counting starts; every refusal changes nothing and emits nothing.
#[ink::test]
fn set_epoch_length_by_governance_before_counting_only() {
    let mut p = setup();
    let n = events();
    as_caller(ALICE);
    assert_eq!(p.set_epoch_length(7 * D), Err(Error::Unauthorized { caller: id(ALICE) }));
    test::set_caller::<Env>(gov());
    assert_eq!(p.set_epoch_length(D - 1), Err(Error::InvalidParam { name: "epoch_ms".into() }));
    assert_eq!(p.set_epoch_length(366 * D), Err(Error::InvalidParam { name: "epoch_ms".into() }));
    assert_eq!((p.epoch_length(), events()), ((EPOCH, false), n));
    assert_eq!(p.set_epoch_length(7 * D), Ok(()));
    assert_eq!((p.epoch_length(), events()), ((7 * D, false), n + 1));
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 50 * T, 500);
    as_caller(BOB);
    set_now(8 * D);
    assert_eq!(p.draw(10 * T, MAX_RATE_BPS), Ok(()));
    assert_eq!(p.epoch_stats(1).drawn, 10 * T, "day 8 is in the second 7-day epoch");
    test::set_caller::<Env>(gov());
    let n = events();
    assert_eq!(p.set_epoch_length(30 * D), Err(Error::EpochLengthFixed));
    assert_eq!((p.epoch_length(), events()), ((7 * D, true), n));
}

/// Review H2: a statistic never refuses a money message. With a 24-decimal
/// stablecoin and 365-day epochs, 20,000 tokens outstanding make the
/// integral (smallest units × ms) pass u128::MAX after ~197 days; the
/// repayment, the draw and the default after that still go through, the
/// counters stop at u128::MAX and the epoch says `saturated` (no velocity
/// is made of it); the next epoch counts afresh.
#[ink::test]
fn saturated_epoch_counters_never_refuse_a_repayment_draw_or_default() {
    let e = 10u128.pow(24);
    mock::reset();
    mock::set_token_decimals(Some(24));
    test::set_callee::<Env>(pool_id());
    set_now(0);
    as_caller(DEPLOYER);
    let mut p = CreditPool::new(AccountId::from(TOKEN), AccountId::from(GRAPH));
    assert_eq!(p.unit(), e);
    assert_eq!(p.wire(Wiring { governance: gov(), loan_manager: lm(), warrant_escrow: escrow() }), Ok(()));
    test::set_caller::<Env>(gov());
    assert_eq!(p.set_epoch_length(365 * D), Ok(()));
    for n in 1..=8 {
        mock::fund(id(n), pool_id(), 1_000_000 * e);
    }
    stake(&mut p, DAVE, 100_000 * e);
    for b in [ALICE, BOB, EVE] {
        line(&mut p, DAVE, b, 10_000 * e, 500);
    }
    set_now(D);
    for b in [BOB, EVE] {
        as_caller(b);
        assert_eq!(p.draw(10_000 * e, MAX_RATE_BPS), Ok(()));
    }
    // 2·10²⁸ × 197 days > u128::MAX: at day 250 the integral has saturated.
    assert!((20_000 * e).checked_mul(u128::from(196 * D)).is_some() && (20_000 * e).checked_mul(u128::from(197 * D)).is_none());
    set_now(250 * D);
    let open = p.epoch_stats(0);
    assert_eq!((open.outstanding_ms, open.saturated, open.closed), (u128::MAX, true, false));
    assert_eq!(open.velocity_ppm(), Err(dcu_common::health::HealthError::Overflow));
    as_caller(BOB);
    let owed = p.outstanding(id(BOB)).unwrap();
    assert_eq!(p.repay(owed), Ok(owed), "a repayment is never refused");
    as_caller(ALICE);
    assert_eq!(p.draw(5_000 * e, MAX_RATE_BPS), Ok(()), "nor a draw");
    let s = p.epoch_stats(0);
    assert_eq!((s.drawn, s.repaid, s.outstanding_ms, s.principal_end, s.saturated), (25_000 * e, 10_000 * e, u128::MAX, 15_000 * e, true));
    // A default long after (Eve never repaid): it goes through too.
    set_now(D + p.params().default_ms + 31 * D);
    assert_eq!(p.declare_default(id(EVE)), Ok(()));
    // Epoch 0 is stored saturated; the next one counts afresh.
    set_now(400 * D);
    as_caller(ALICE);
    let owed = p.outstanding(id(ALICE)).unwrap();
    assert_eq!(p.repay(owed), Ok(owed));
    let (e0, e1) = (p.epoch_stats(0), p.epoch_stats(1));
    assert!(e0.closed && e0.saturated && e0.outstanding_ms == u128::MAX);
    assert!(!e1.saturated && e1.repaid == 5_000 * e && e1.outstanding_ms < u128::MAX);
    assert!(e1.velocity_ppm().is_ok());
    books(&p);
}

/// Anyone may pay into the insurance reserve (after approving the pool);
/// the books keep holding; refusals change nothing.
#[ink::test]
fn fund_insurance_raises_the_reserve_and_keeps_the_books() {
    let mut p = setup();
    stake(&mut p, ALICE, 100 * T);
    let outsider = id(0x77);
    as_caller(0x77);
    let (t0, n) = (p.totals(), events());
    assert_eq!(p.fund_insurance(0), Err(Error::ZeroAmount));
    assert_eq!(p.fund_insurance(5 * T), Err(Error::Token(PSP22Error::InsufficientAllowance)));
    assert_eq!((p.totals(), events()), (t0, n));
    mock::fund(outsider, pool_id(), 5 * T);
    assert_eq!(p.fund_insurance(6 * T), Err(Error::Token(PSP22Error::InsufficientAllowance)));
    assert_eq!(p.fund_insurance(5 * T), Ok(()));
    assert_eq!(events(), n + 1);
    assert_eq!(p.totals(), Totals { insurance: t0.insurance + 5 * T, ..t0 });
    assert_eq!(mock::balance(outsider), 0);
    books(&p);
    // It co-insures like any other reserve: the pool still holds every token.
    p.set_paused(true).unwrap_err();
    mock::fund(outsider, pool_id(), T);
    assert_eq!(p.fund_insurance(T), Ok(()), "works while paused");
    books(&p);
}

#[derive(Clone, Debug)]
enum FlowOp {
    Draw(u8, u64),
    /// A term loan from Dave to a borrower, for purpose index `.1`.
    Open(u8, u8, u64),
    /// Up to `.1` of the principal of an open term loan (picked by `.0`) comes back.
    Return(u8, u64),
    Repay(u8, u64),
    Advance(u32),
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Random draws, term loans of random purposes, repayments and waits of
    /// up to 40 days: every epoch's drawn and repaid are the sums of the
    /// principal the test saw move in it, its `purpose_drawn` the sums of
    /// the term loans opened in it by purpose (each `LoanOpened` event
    /// naming that purpose), its per-purpose integrals Σ (term-loan
    /// principal of that purpose the test holds) × time, and its integral is Σ (outstanding principal the test read after
    /// each step) × (time until the next step), split at epoch boundaries.
    #[test]
    fn epoch_counters_equal_the_sums_the_test_observes(ops in proptest::collection::vec(prop_oneof![
        (1u8..=3, 1u64..300).prop_map(|(b, x)| FlowOp::Draw(b, x)),
        (1u8..=3, 1u64..300).prop_map(|(b, x)| FlowOp::Repay(b, x)),
        (1u8..=3, 0u8..5, 1u64..300).prop_map(|(b, k, x)| FlowOp::Open(b, k, x)),
        (0u8..8, 1u64..300).prop_map(|(i, x)| FlowOp::Return(i, x)),
        (1u32..(40 * 24)).prop_map(FlowOp::Advance),
    ], 1..40)) {
        let mut outcome = Err(String::from("not run"));
        test::run_test::<Env, _>(|_| {
            outcome = run_flow(&ops);
            Ok(())
        })
        .unwrap();
        if let Err(e) = outcome {
            prop_assert!(false, "{e}");
        }
    }
}

/// The fields of the `LoanOpened` event, to decode it in the tests.
#[derive(Debug, PartialEq)]
#[ink::scale_derive(Decode)]
struct LoanOpenedView {
    loan_id: u64,
    creditor: AccountId,
    borrower: AccountId,
    amount: u128,
    purpose: Purpose,
    hops: u32,
    insured: bool,
}

fn run_flow(ops: &[FlowOp]) -> Result<(), String> {
    let mut p = setup();
    stake(&mut p, DAVE, 100_000 * T);
    for b in [ALICE, BOB, EVE] {
        line(&mut p, DAVE, b, 1_000 * T, 700);
    }
    let mut now = 0u64;
    let mut exp: std::collections::BTreeMap<u64, (u128, u128, u128)> = Default::default();
    let mut by_purpose: std::collections::BTreeMap<u64, [u128; 5]> = Default::default();
    let mut purpose_ms: std::collections::BTreeMap<u64, [u128; 5]> = Default::default();
    // Open term loans the test holds: (id, purpose index, principal left).
    let mut loans: Vec<(u64, usize, u128)> = Vec::new();
    let mut lent = 0u128;
    let mut next_id = 0u64;
    mock::fund(lm(), pool_id(), 1_000_000 * T);
    let held = |loans: &Vec<(u64, usize, u128)>| {
        let mut k = [0u128; 5];
        for (_, p, x) in loans {
            k[*p] += *x;
        }
        k
    };
    let add_purpose_time = |acc: &mut std::collections::BTreeMap<u64, [u128; 5]>, from: u64, to: u64, k: [u128; 5]| {
        let mut t = from;
        while t < to {
            let e = t / EPOCH;
            let end = ((e + 1) * EPOCH).min(to);
            let slot = acc.entry(e).or_default();
            for i in 0..5 {
                slot[i] += k[i] * u128::from(end - t);
            }
            t = end;
        }
    };
    let add_time = |exp: &mut std::collections::BTreeMap<u64, (u128, u128, u128)>, from: u64, to: u64, lent: u128| {
        let mut t = from;
        while t < to {
            let e = t / EPOCH;
            let end = ((e + 1) * EPOCH).min(to);
            exp.entry(e).or_default().2 += lent * u128::from(end - t);
            t = end;
        }
    };
    for op in ops {
        match op {
            FlowOp::Advance(h) => {
                let next = now + u64::from(*h) * 3_600_000;
                add_time(&mut exp, now, next, lent);
                add_purpose_time(&mut purpose_ms, now, next, held(&loans));
                now = next;
                set_now(now);
            }
            FlowOp::Draw(b, x) => {
                as_caller(*b);
                if p.draw(u128::from(*x) * T, MAX_RATE_BPS).is_ok() {
                    exp.entry(now / EPOCH).or_default().0 += u128::from(*x) * T;
                }
            }
            FlowOp::Open(b, k, x) => {
                let purpose = Purpose::ALL[usize::from(*k)];
                as_lm();
                next_id += 1;
                if p.loan_open(next_id, vec![id(DAVE), id(*b)], u128::from(*x) * T, purpose).is_ok() {
                    exp.entry(now / EPOCH).or_default().0 += u128::from(*x) * T;
                    by_purpose.entry(now / EPOCH).or_default()[usize::from(*k)] += u128::from(*x) * T;
                    let e = test::recorded_events().last().ok_or("no LoanOpened")?;
                    let ev = <LoanOpenedView as ink::scale::Decode>::decode(&mut &e.data[..]).map_err(|e| format!("LoanOpened: {e:?}"))?;
                    if (ev.loan_id, ev.amount, ev.purpose) != (next_id, u128::from(*x) * T, purpose) {
                        return Err(format!("LoanOpened {ev:?} for loan {next_id} of {x} for {purpose:?}"));
                    }
                    loans.push((next_id, usize::from(*k), u128::from(*x) * T));
                }
            }
            FlowOp::Return(i, x) => {
                if !loans.is_empty() {
                    let j = usize::from(*i) % loans.len();
                    let (loan, _, left) = loans[j];
                    let part = (u128::from(*x) * T).min(left);
                    mock::transfer(lm(), pool_id(), part);
                    as_lm();
                    p.loan_return(loan, part, 0, 0).map_err(|e| format!("return of loan {loan}: {e:?}"))?;
                    exp.entry(now / EPOCH).or_default().1 += part;
                    loans[j].2 -= part;
                    if loans[j].2 == 0 {
                        loans.remove(j);
                    }
                }
            }
            FlowOp::Repay(b, x) => {
                as_caller(*b);
                let before = p.borrower(id(*b)).unwrap().principal;
                let _ = p.repay(u128::from(*x) * T);
                let repaid = before - p.borrower(id(*b)).unwrap().principal;
                exp.entry(now / EPOCH).or_default().1 += repaid;
            }
        }
        lent = p.totals().lent;
        check_books(&p, &[1, 2, 3, 4, 5])?;
    }
    // Close the last epoch in the books of the test: to its end, or to now.
    let last = now / EPOCH;
    add_time(&mut exp, now, (last + 1) * EPOCH, lent);
    add_purpose_time(&mut purpose_ms, now, (last + 1) * EPOCH, held(&loans));
    set_now((last + 1) * EPOCH);
    for e in 0..=last {
        let s = p.epoch_stats(e);
        let (d, r, o) = exp.get(&e).copied().unwrap_or_default();
        let k = by_purpose.get(&e).copied().unwrap_or_default();
        let km = purpose_ms.get(&e).copied().unwrap_or_default();
        if !s.closed || (s.drawn, s.repaid, s.outstanding_ms, s.purpose_drawn, s.purpose_outstanding_ms) != (d, r, o, k, km) {
            return Err(format!("epoch {e}: {s:?} ≠ observed drawn {d} repaid {r} ∫ {o} by purpose {k:?} ∫ by purpose {km:?}"));
        }
        if s.purpose_outstanding_ms.iter().sum::<u128>() > s.outstanding_ms {
            return Err(format!("epoch {e}: term loans by purpose outstanding longer than all credit"));
        }
        if s.purpose_drawn.iter().sum::<u128>() > s.drawn {
            return Err(format!("epoch {e}: the term loans by purpose {k:?} exceed all that was drawn {}", s.drawn));
        }
    }
    Ok(())
}

/// Epoch indices are u64: the fast-clock build's clock (×864,000) with
/// one-day epochs passes u32::MAX epochs, and the counters keep counting.
#[ink::test]
fn epoch_indices_past_u32_max_keep_counting() {
    let mut p = setup();
    test::set_caller::<Env>(gov());
    assert_eq!(p.set_epoch_length(D), Ok(()));
    let t = 1_800_000_000_000 * 864_000; // a 2027 block time on the fast clock
    set_now(t);
    stake(&mut p, ALICE, 100 * T);
    line(&mut p, ALICE, BOB, 50 * T, 500);
    as_caller(BOB);
    assert_eq!(p.draw(10 * T, MAX_RATE_BPS), Ok(()));
    let e = t / D;
    assert!(e > u64::from(u32::MAX));
    set_now(t + D);
    let s = p.epoch_stats(e);
    assert_eq!((s.closed, s.drawn, s.outstanding_ms), (true, 10 * T, 10 * T * u128::from((e + 1) * D - t)));
    assert_eq!(p.repay(10 * T), Ok(10 * T));
    assert_eq!(p.epoch_stats(e + 1).repaid, 10 * T);
    books(&p);
}
