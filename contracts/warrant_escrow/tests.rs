//! Unit tests of `warrant_escrow` in the off-chain environment (token calls
//! go to `crate::mock`): seed 003's 40 % + 40 % warrants, policies by rate
//! and by trust tier bounded by the loan's amount and term, explicit
//! acceptance and decline, release, warrants-first claims on default paid to
//! the loan manager (largest remainder), the cap of Locked warrants at its
//! edge, payments the token refuses held as claimable balances, warrants
//! locked from a holder's stake in the pool and returned only to it (issue
//! 16), every error with nothing changed, and random operation sequences
//! with the escrow's books checked after each.

use crate::mock;
use crate::warrant_escrow::*;
use core::result::Result;
use dcu_common::ONE_TOKEN as T;
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use proptest::prelude::*;
use psp22::PSP22Error;

const ESCROW: [u8; 32] = [0xE5; 32];
const POOL: [u8; 32] = [0xC0; 32];
const GOV: u8 = 0xA1;
const LM: u8 = 0xA2;
const DEPLOYER: u8 = 9;
const CREDITOR: u8 = 1;
const I1: u8 = 2;
const I2: u8 = 3;
const STRANGER: u8 = 7;

fn id(n: u8) -> AccountId {
    AccountId::from([n; 32])
}
fn escrow_id() -> AccountId {
    AccountId::from(ESCROW)
}
fn pool_id() -> AccountId {
    AccountId::from(POOL)
}
fn wiring() -> Wiring {
    Wiring { governance: id(GOV), loan_manager: id(LM), credit_pool: pool_id() }
}
fn as_caller(n: u8) {
    test::set_caller::<Env>(id(n));
}
fn events() -> usize {
    test::recorded_events().count()
}

/// A wired escrow; accounts 1..=8 hold 1,000,000 tokens each, approved.
fn setup() -> WarrantEscrow {
    mock::reset();
    test::set_callee::<Env>(escrow_id());
    as_caller(DEPLOYER);
    let mut e = WarrantEscrow::new(id(0xA4));
    assert_eq!(e.wire(wiring()), Ok(()));
    for n in 1..=8 {
        mock::fund(id(n), escrow_id(), 1_000_000 * T);
    }
    e
}

/// The books: the escrow holds exactly the locked total plus the claimable
/// total; the locked total is the sum of locked warrants of open loans, the
/// claimable total the sum of claimable balances; open counts are the
/// Locked warrants of open loans (Pending and Declined ones do not count).
fn check_books(e: &WarrantEscrow, loans: &[u64]) {
    let mut locked = 0u128;
    let mut open = std::collections::BTreeMap::<AccountId, u32>::new();
    for l in loans {
        if let Some(r) = e.loan(*l) {
            if r.state == EscrowState::Open {
                for w in &r.warrants {
                    if w.state == WarrantState::Locked {
                        *open.entry(w.holder).or_default() += 1;
                        locked += w.amount;
                    }
                }
            }
        }
    }
    assert_eq!(e.locked_total(), locked);
    let claimable: u128 = (1..=8).chain([LM, STRANGER]).map(|n| e.claimable(id(n))).sum();
    assert_eq!(e.claimable_total(), claimable);
    assert_eq!(mock::balance(escrow_id()), locked + claimable, "the escrow holds exactly the locked warrants and the claimable balances");
    for n in 1..=8 {
        assert_eq!(e.open_warrants(id(n)), open.get(&id(n)).copied().unwrap_or(0));
    }
}

/// Everything a refused message must leave as it was: the given loans'
/// records, the totals, the open counts and claimable balances, every
/// balance and stake in the pool, and the number of events.
#[derive(Debug, PartialEq)]
struct Snapshot {
    loans: Vec<Option<LoanWarrants>>,
    totals: (u128, u128),
    accounts: Vec<(u32, u128, u128, u128)>,
    escrow_balance: u128,
    pool_balance: u128,
    events: usize,
}

fn snapshot(e: &WarrantEscrow, loans: &[u64]) -> Snapshot {
    Snapshot {
        loans: loans.iter().map(|l| e.loan(*l)).collect(),
        totals: (e.locked_total(), e.claimable_total()),
        accounts: (1..=9)
            .chain([LM, GOV, STRANGER])
            .map(|n| (e.open_warrants(id(n)), e.claimable(id(n)), mock::balance(id(n)), mock::stake_of(id(n))))
            .collect(),
        escrow_balance: mock::balance(escrow_id()),
        pool_balance: mock::balance(pool_id()),
        events: events(),
    }
}

/// A loan of `total` (the warrants) at `rate` for a borrower of TS `ts`:
/// its amount 1,000 tokens, its term 30 days.
fn create(e: &mut WarrantEscrow, loan: u64, holders: &[u8], total: u128, rate: u32, ts: u128) -> Result<u32, Error> {
    create_terms(e, loan, holders, total, terms(1_000 * T, 30, rate, ts))
}

fn create_terms(e: &mut WarrantEscrow, loan: u64, holders: &[u8], total: u128, t: LoanTerms) -> Result<u32, Error> {
    as_caller(LM);
    e.create(loan, id(CREDITOR), holders.iter().map(|h| id(*h)).collect(), total, t)
}

fn terms(amount: u128, term_days: u32, rate_bps: u32, borrower_ts: u128) -> LoanTerms {
    LoanTerms { amount, term_days, rate_bps, borrower_ts }
}

/// A minimum-rate policy for loans of any amount and term.
fn min_rate(min_rate_bps: u32) -> Policy {
    Policy::MinRate { min_rate_bps, max_amount: u128::MAX, max_term_days: 3_650 }
}

/// The trust-tier policy for loans of any amount and term.
fn tier() -> Policy {
    Policy::ByTrustTier { max_amount: u128::MAX, max_term_days: 3_650 }
}

#[test]
fn wire_only_by_the_deployer_and_once() {
    mock::reset();
    test::set_callee::<Env>(escrow_id());
    as_caller(DEPLOYER);
    let mut e = WarrantEscrow::new(id(0xA4));
    as_caller(STRANGER);
    let w = wiring();
    assert_eq!(e.wire(w), Err(Error::Unauthorized { caller: id(STRANGER) }));
    as_caller(LM);
    assert_eq!(e.create(1, id(CREDITOR), vec![id(I1)], 10, terms(100, 30, 600, 0)), Err(Error::NotWired));
    as_caller(DEPLOYER);
    assert_eq!(e.wire(w), Ok(()));
    assert_eq!(e.wire(w), Err(Error::AlreadyWired));
    assert_eq!(e.wiring(), Some(w));
}

#[test]
fn create_splits_seed_003_warrants_equally_and_manual_holders_wait() {
    let mut e = setup();
    let before = events();
    // a 1,000 loan through two intermediaries: 80 % = 800 in warrants, 400 each
    assert_eq!(create(&mut e, 1, &[I1, I2], 800 * T, 600, 900_000_000), Ok(0));
    let r = e.loan(1).unwrap();
    assert_eq!(r.warrants.iter().map(|w| w.amount).collect::<Vec<_>>(), vec![400 * T, 400 * T]);
    assert!(r.warrants.iter().all(|w| w.state == WarrantState::Pending));
    assert_eq!(events() - before, 2, "one WarrantRequested per holder");
    assert!(!e.fully_locked(1));
    assert_eq!(e.open_warrants(id(I1)), 0, "a Pending warrant does not count");
    check_books(&e, &[1]);
    // explicit acceptance locks each
    as_caller(I1);
    assert_eq!(e.accept(1), Ok(()));
    as_caller(I2);
    assert_eq!(e.accept(1), Ok(()));
    assert!(e.fully_locked(1));
    assert_eq!(mock::balance(id(I1)), 1_000_000 * T - 400 * T);
    assert_eq!(e.open_warrants(id(I1)), 1, "a Locked warrant counts");
    check_books(&e, &[1]);
}

#[test]
fn policies_lock_at_creation_by_rate_and_by_trust_tier() {
    let mut e = setup();
    as_caller(I1);
    assert_eq!(e.set_policy(min_rate(500)), Ok(()));
    as_caller(I2);
    assert_eq!(e.set_policy(tier()), Ok(()));
    // TS 0.85 → tier threshold 4 %; a 5 % loan: both accept
    assert_eq!(e.threshold(id(I2), 850_000_000), Some(400));
    assert_eq!(create(&mut e, 1, &[I1, I2], 100, 500, 850_000_000), Ok(2));
    assert!(e.fully_locked(1));
    // a 4.99 % loan: I1's own minimum refuses, the tier (4 %) accepts
    assert_eq!(create(&mut e, 2, &[I1, I2], 100, 499, 850_000_000), Ok(1));
    // TS 0.55 → 6 %: a 5 % loan is not enough for I2
    assert_eq!(create(&mut e, 3, &[I2], 100, 500, 550_000_000), Ok(0));
    // TS 0.2: never automatically, whatever the rate
    assert_eq!(e.threshold(id(I2), 200_000_000), None);
    assert_eq!(create(&mut e, 4, &[I2], 100, 10_000, 200_000_000), Ok(0));
    // a holder whose allowance is short stays Pending (the loan is still created)
    mock::approve(id(I1), escrow_id(), 0);
    assert_eq!(create(&mut e, 5, &[I1], 100, 900, 850_000_000), Ok(0));
    assert_eq!(e.loan(5).unwrap().warrants[0].state, WarrantState::Pending);
    check_books(&e, &[1, 2, 3, 4, 5]);
}

#[test]
fn policies_lock_only_loans_within_their_max_amount_and_max_term() {
    let mut e = setup();
    as_caller(I1);
    let by_rate = Policy::MinRate { min_rate_bps: 500, max_amount: 500 * T, max_term_days: 90 };
    assert_eq!(e.set_policy(by_rate), Ok(()));
    as_caller(I2);
    let by_tier = Policy::ByTrustTier { max_amount: 500 * T, max_term_days: 90 };
    assert_eq!(e.set_policy(by_tier), Ok(()));
    let ts = 850_000_000;
    // At both bounds: both lock.
    assert_eq!(create_terms(&mut e, 1, &[I1, I2], 400 * T, terms(500 * T, 90, 500, ts)), Ok(2));
    // One unit more, or one day longer: neither locks, whatever the rate.
    assert_eq!(create_terms(&mut e, 2, &[I1, I2], 400 * T, terms(500 * T + 1, 90, 10_000, ts)), Ok(0));
    assert_eq!(create_terms(&mut e, 3, &[I1, I2], 400 * T, terms(500 * T, 91, 10_000, ts)), Ok(0));
    // The H2 loan: 10,000 over ten years at 5 % for a borrower of TS 1.0 — never by policy.
    assert_eq!(create_terms(&mut e, 4, &[I1, I2], 8_000 * T, terms(10_000 * T, 3_650, 500, 1_000_000_000)), Ok(0));
    assert!(e.loan(4).unwrap().warrants.iter().all(|w| w.state == WarrantState::Pending));
    // The escrow keeps the terms it judged.
    let r = e.loan(2).unwrap();
    assert_eq!((r.amount, r.term_days, r.rate_bps, r.borrower_ts), (500 * T + 1, 90, 10_000, ts));
    assert!(e.would_accept(id(I1), terms(500 * T, 90, 500, 0)));
    assert!(!e.would_accept(id(I2), terms(500 * T, 90, 500, 0)), "TS below 0.3: never by tier");
    assert!(!e.would_accept(id(STRANGER), terms(1, 1, 10_000, ts)), "manual by default");
    check_books(&e, &[1, 2, 3, 4]);
}

#[test]
fn set_policy_emits_policy_set_and_refuses_fields_out_of_range_changing_nothing() {
    let mut e = setup();
    as_caller(I1);
    let n = events();
    assert_eq!(e.set_policy(min_rate(500)), Ok(()));
    assert_eq!(events(), n + 1, "PolicySet");
    let cases = [
        (Policy::MinRate { min_rate_bps: 10_001, max_amount: 1, max_term_days: 1 }, "min_rate_bps"),
        (Policy::MinRate { min_rate_bps: 0, max_amount: 0, max_term_days: 1 }, "max_amount"),
        (Policy::ByTrustTier { max_amount: 0, max_term_days: 1 }, "max_amount"),
        (Policy::ByTrustTier { max_amount: 1, max_term_days: 0 }, "max_term_days"),
        (Policy::MinRate { min_rate_bps: 0, max_amount: 1, max_term_days: 3_651 }, "max_term_days"),
    ];
    for (p, name) in cases {
        assert_eq!(e.set_policy(p), Err(Error::BadPolicy { name: name.into() }), "{p:?}");
    }
    assert_eq!((events(), e.policy(id(I1))), (n + 1, min_rate(500)), "no event, the old policy stands");
    assert_eq!(e.set_policy(Policy::ByTrustTier { max_amount: 1, max_term_days: 3_650 }), Ok(()));
    assert_eq!(e.set_policy(Policy::Manual), Ok(()));
    assert_eq!((events(), e.policy(id(I1))), (n + 3, Policy::Manual));
}

#[test]
fn create_refusals_change_nothing() {
    let mut e = setup();
    as_caller(STRANGER);
    assert_eq!(e.create(1, id(CREDITOR), vec![id(I1)], 10, terms(100, 30, 600, 0)), Err(Error::Unauthorized { caller: id(STRANGER) }));
    assert_eq!(create(&mut e, 1, &[], 10, 600, 0), Err(Error::BadHolderCount { max: 5 }));
    assert_eq!(create(&mut e, 1, &[1, 2, 3, 4, 5, 6], 10, 600, 0), Err(Error::BadHolderCount { max: 5 }));
    assert_eq!(create(&mut e, 1, &[I1, I2, I1], 10, 600, 0), Err(Error::DuplicateHolder));
    assert_eq!(create(&mut e, 1, &[I1], 0, 600, 0), Err(Error::ZeroAmount));
    assert_eq!(e.loan(1), None);
    assert_eq!(create(&mut e, 1, &[1, 2, 3, 4, 5], 10, 600, 0), Ok(0), "five holders is the cap");
    let (w0, w4) = (e.loan(1).unwrap().warrants[0].amount, e.loan(1).unwrap().warrants[4].amount);
    assert_eq!((w0, w4), (2, 2));
    assert_eq!(create(&mut e, 1, &[I1], 10, 600, 0), Err(Error::LoanExists));
    check_books(&e, &[1]);
}

/// Only Locked warrants count toward the cap: 40 Pending requests through
/// I1 leave its count at 0; 32 locks fill it; the 33rd `accept` is refused
/// with nothing changed and a policy lock past the cap is skipped (the
/// warrant stays Pending, the loan is created); releasing or claiming a
/// Locked warrant frees a slot.
#[test]
fn open_warrants_per_holder_capped_at_32() {
    let mut e = setup();
    for loan in 0..40u64 {
        assert_eq!(create(&mut e, loan, &[I1], 10, 600, 0), Ok(0));
    }
    assert_eq!(e.open_warrants(id(I1)), 0, "Pending warrants do not count");
    as_caller(I1);
    for loan in 0..32u64 {
        assert_eq!(e.accept(loan), Ok(()));
    }
    assert_eq!(e.open_warrants(id(I1)), 32);
    let loans: Vec<u64> = (0..45).collect();
    let before = snapshot(&e, &loans);
    assert_eq!(e.accept(32), Err(Error::TooManyOpenWarrants { max: 32 }));
    assert_eq!(snapshot(&e, &loans), before, "the refused accept changed nothing");
    // by policy: I1 at its cap is skipped and stays Pending, I2 is locked
    as_caller(I1);
    e.set_policy(min_rate(0)).unwrap();
    as_caller(I2);
    e.set_policy(min_rate(0)).unwrap();
    assert_eq!(create(&mut e, 40, &[I1, I2], 10, 600, 0), Ok(1));
    let r = e.loan(40).unwrap();
    assert_eq!((r.warrants[0].state, r.warrants[1].state), (WarrantState::Pending, WarrantState::Locked));
    assert_eq!((e.open_warrants(id(I1)), e.open_warrants(id(I2))), (32, 1));
    check_books(&e, &loans);
    // releasing a Locked warrant frees a slot …
    as_caller(LM);
    assert_eq!(e.release(0), Ok(10));
    assert_eq!(e.open_warrants(id(I1)), 31);
    as_caller(I1);
    assert_eq!(e.accept(32), Ok(()));
    assert_eq!(e.accept(33), Err(Error::TooManyOpenWarrants { max: 32 }));
    // … and so does claiming one; releasing a Pending one frees nothing
    as_caller(LM);
    assert_eq!(e.release(34), Ok(0));
    assert_eq!(e.open_warrants(id(I1)), 32);
    assert_eq!(e.claim_default(1, 3), Ok(3));
    assert_eq!(e.open_warrants(id(I1)), 31);
    as_caller(I1);
    assert_eq!(e.accept(40), Ok(()));
    assert_eq!(e.open_warrants(id(I1)), 32);
    check_books(&e, &loans);
}

/// Review M4(c): requests routed through a member, never disbursed, no
/// longer fill its cap.
#[test]
fn pending_requests_through_a_holder_do_not_stop_an_honest_loans_warrant_from_being_locked() {
    let mut e = setup();
    // an attacker's 32 requests (and more) through I1, never accepted
    for loan in 0..32u64 {
        assert_eq!(create(&mut e, loan, &[I1, STRANGER], 10, 600, 0), Ok(0));
    }
    assert_eq!(e.open_warrants(id(I1)), 0);
    // an honest loan through I1: created, and I1 locks its warrant by hand …
    assert_eq!(create(&mut e, 100, &[I1, I2], 800, 600, 0), Ok(0));
    as_caller(I1);
    assert_eq!(e.accept(100), Ok(()));
    as_caller(I2);
    assert_eq!(e.accept(100), Ok(()));
    assert!(e.fully_locked(100));
    // … or by policy
    as_caller(I1);
    e.set_policy(min_rate(0)).unwrap();
    assert_eq!(create(&mut e, 101, &[I1], 800, 600, 0), Ok(1));
    assert!(e.fully_locked(101));
    assert_eq!(e.open_warrants(id(I1)), 2);
    let mut loans: Vec<u64> = (0..32).collect();
    loans.extend([100, 101]);
    check_books(&e, &loans);
}

/// A holder declines a Pending warrant: the loan is never fully locked
/// again (whatever else happens), and nothing else changes — no token
/// moves, the other holders' locks and counts stay, and release returns
/// only what was locked.
#[test]
fn decline_makes_fully_locked_false_forever_and_frees_nothing_else() {
    let mut e = setup();
    create(&mut e, 1, &[I1, I2], 800, 600, 0).unwrap();
    as_caller(I1);
    e.accept(1).unwrap();
    let (n, bal, locked) = (events(), mock::balance(escrow_id()), e.locked_total());
    as_caller(I2);
    assert_eq!(e.decline(1), Ok(()));
    assert_eq!(events(), n + 1, "WarrantDeclined");
    let r = e.loan(1).unwrap();
    assert_eq!((r.warrants[0].state, r.warrants[1].state), (WarrantState::Locked, WarrantState::Declined));
    assert_eq!(r.state, EscrowState::Open);
    assert_eq!((mock::balance(escrow_id()), e.locked_total(), e.open_warrants(id(I1)), e.open_warrants(id(I2))), (bal, locked, 1, 0));
    assert!(!e.fully_locked(1));
    // the decliner cannot change its mind
    assert_eq!(e.accept(1), Err(Error::AlreadyDeclined));
    assert!(!e.fully_locked(1));
    check_books(&e, &[1]);
    // cancellation: I1's lock returns, the declined warrant stays Declined
    as_caller(LM);
    assert_eq!(e.release(1), Ok(400));
    let r = e.loan(1).unwrap();
    assert_eq!((r.warrants[0].state, r.warrants[1].state), (WarrantState::Released, WarrantState::Declined));
    assert!(!e.fully_locked(1));
    assert_eq!(mock::balance(id(I1)), 1_000_000 * T);
    check_books(&e, &[1]);
    // on default a declined warrant pays nothing
    create(&mut e, 2, &[I1, I2], 800, 600, 0).unwrap();
    as_caller(I1);
    e.accept(2).unwrap();
    as_caller(I2);
    e.decline(2).unwrap();
    as_caller(LM);
    assert_eq!(e.claim_default(2, 1_000), Ok(400), "only I1's locked 400");
    let r = e.loan(2).unwrap();
    assert_eq!((r.warrants[1].state, r.warrants[1].claimed), (WarrantState::Declined, 0));
    assert_eq!(mock::balance(id(I2)), 1_000_000 * T);
    check_books(&e, &[1, 2]);
}

#[test]
fn decline_refusals_change_nothing() {
    let mut e = setup();
    let loans = [1, 2];
    as_caller(I1);
    assert_eq!(e.decline(1), Err(Error::NoSuchLoan));
    create(&mut e, 1, &[I1, I2], 800, 600, 0).unwrap();
    as_caller(I1);
    e.accept(1).unwrap();
    as_caller(I2);
    e.decline(1).unwrap();
    let before = snapshot(&e, &loans);
    as_caller(STRANGER);
    assert_eq!(e.decline(1), Err(Error::NotHolder));
    as_caller(I1);
    assert_eq!(e.decline(1), Err(Error::AlreadyLocked));
    as_caller(I2);
    assert_eq!(e.decline(1), Err(Error::AlreadyDeclined));
    assert_eq!(snapshot(&e, &loans), before);
    as_caller(LM);
    e.release(1).unwrap();
    let before = snapshot(&e, &loans);
    as_caller(I2);
    assert_eq!(e.decline(1), Err(Error::WrongState { current: EscrowState::Released, expected: EscrowState::Open }));
    assert_eq!(snapshot(&e, &loans), before);
}

#[test]
fn accept_refusals_change_nothing() {
    let mut e = setup();
    as_caller(I1);
    assert_eq!(e.accept(1), Err(Error::NoSuchLoan));
    create(&mut e, 1, &[I1, I2], 800, 600, 0).unwrap();
    as_caller(STRANGER);
    assert_eq!(e.accept(1), Err(Error::NotHolder));
    mock::approve(id(I1), escrow_id(), 399);
    as_caller(I1);
    assert_eq!(e.accept(1), Err(Error::Token(PSP22Error::InsufficientAllowance)));
    assert_eq!(e.loan(1).unwrap().warrants[0].state, WarrantState::Pending);
    check_books(&e, &[1]);
    mock::approve(id(I1), escrow_id(), 400);
    assert_eq!(e.accept(1), Ok(()));
    assert_eq!(e.accept(1), Err(Error::AlreadyLocked));
    check_books(&e, &[1]);
}

#[test]
fn release_returns_every_locked_warrant_once() {
    let mut e = setup();
    create(&mut e, 1, &[I1, I2], 800, 600, 0).unwrap();
    as_caller(I1);
    e.accept(1).unwrap();
    as_caller(STRANGER);
    assert_eq!(e.release(1), Err(Error::Unauthorized { caller: id(STRANGER) }));
    as_caller(LM);
    assert_eq!(e.release(1), Ok(400), "only I1 had locked");
    assert_eq!(mock::balance(id(I1)), 1_000_000 * T);
    assert_eq!(e.loan(1).unwrap().state, EscrowState::Released);
    assert_eq!(e.release(1), Err(Error::WrongState { current: EscrowState::Released, expected: EscrowState::Open }));
    assert_eq!(e.claim_default(1, 5), Err(Error::WrongState { current: EscrowState::Released, expected: EscrowState::Open }));
    assert_eq!(e.release(9), Err(Error::NoSuchLoan));
    as_caller(I2);
    assert_eq!(e.accept(1), Err(Error::WrongState { current: EscrowState::Released, expected: EscrowState::Open }));
    check_books(&e, &[1]);
    assert_eq!(e.open_warrants(id(I1)), 0);
}

/// Warrants first (SPEC §4 v2): the loan manager passes the whole unpaid
/// principal; the warrants pay their pro-rata shares of it, capped at their
/// size, to the loan manager (not the creditor), and the rest returns.
#[test]
fn claim_default_takes_warrants_first_and_pays_the_loan_manager() {
    let mut e = setup();
    as_caller(I1);
    e.set_policy(min_rate(0)).unwrap();
    as_caller(I2);
    e.set_policy(min_rate(0)).unwrap();
    create(&mut e, 1, &[I1, I2], 800, 600, 0).unwrap();
    create(&mut e, 2, &[I1, I2], 800, 600, 0).unwrap();
    let c0 = mock::balance(id(CREDITOR));
    let before = snapshot(&e, &[1, 2]);
    as_caller(STRANGER);
    assert_eq!(e.claim_default(1, 300), Err(Error::Unauthorized { caller: id(STRANGER) }));
    assert_eq!(snapshot(&e, &[1, 2]), before);
    // 300 unpaid: 150 from each, 250 back to each, all 300 to the loan manager
    as_caller(LM);
    let n = events();
    assert_eq!(e.claim_default(1, 300), Ok(300));
    assert_eq!(events() - n, 3, "DefaultSettled and one WarrantClaimed per holder");
    assert_eq!(mock::balance(id(LM)), 300);
    assert_eq!(mock::balance(id(CREDITOR)), c0, "the creditor is restored through the pool, not paid here");
    assert_eq!(mock::balance(id(I1)), 1_000_000 * T - 400 - 150, "400 locked in loan 2, 150 claimed in loan 1");
    let r = e.loan(1).unwrap();
    assert_eq!((r.state, r.warrants[0].claimed, r.warrants[0].state), (EscrowState::Settled, 150, WarrantState::Claimed));
    // the whole principal, 1,000, against 800 of warrants: all 800 claimed,
    // nothing returned (the 200 left is the pool's to cover)
    assert_eq!(e.claim_default(2, 1_000), Ok(800));
    assert_eq!(mock::balance(id(LM)), 1_100);
    assert_eq!(mock::balance(id(I2)), 1_000_000 * T - 150 - 400);
    check_books(&e, &[1, 2]);
    assert_eq!(e.claim_default(2, 1), Err(Error::WrongState { current: EscrowState::Settled, expected: EscrowState::Open }));
    // a zero loss releases everything; a Pending warrant pays nothing
    create(&mut e, 3, &[I1], 800, 600, 0).unwrap();
    as_caller(LM);
    assert_eq!(e.claim_default(3, 0), Ok(0));
    assert_eq!(e.loan(3).unwrap().warrants[0].state, WarrantState::Released);
    as_caller(I1);
    e.set_policy(Policy::Manual).unwrap();
    create(&mut e, 4, &[I1, I2], 800, 600, 0).unwrap();
    as_caller(LM);
    assert_eq!(e.claim_default(4, 1_000), Ok(400), "only I2 had locked");
    let r = e.loan(4).unwrap();
    assert_eq!((r.warrants[0].state, r.warrants[0].claimed), (WarrantState::Released, 0));
    assert_eq!(mock::balance(id(LM)), 1_500);
    check_books(&e, &[1, 2, 3, 4]);
    assert_eq!(e.open_warrants(id(I1)) + e.open_warrants(id(I2)), 0);
}

/// Largest remainder: every claim is within one unit of its exact pro-rata
/// share `min(loss, Σw) · w / Σw`, never above its warrant, and the claims
/// add up exactly to what the loan manager receives — for every loss from
/// zero to past the warrants, with unequal warrants.
#[test]
fn claim_default_claims_are_within_one_unit_of_pro_rata_and_add_up_exactly() {
    let mut e = setup();
    let holders = [I1, I2, 4];
    for h in holders {
        as_caller(h);
        e.set_policy(min_rate(0)).unwrap();
    }
    // the review's case: 5 over warrants [4, 3, 3] (exact 2, 1.5, 1.5)
    assert_eq!(create(&mut e, 0, &holders, 10, 600, 0), Ok(3));
    as_caller(LM);
    assert_eq!(e.claim_default(0, 5), Ok(5));
    let claims: Vec<u128> = e.loan(0).unwrap().warrants.iter().map(|w| w.claimed).collect();
    assert_eq!(claims, vec![2, 2, 1], "floors 2, 1, 1; the spare unit to the earlier of the tied remainders");
    let mut loan = 1u64;
    for total in [10u128, 11, 800, 1_001] {
        for loss in (0..=total + 3).step_by(usize::try_from(total / 40 + 1).unwrap()) {
            assert_eq!(create(&mut e, loan, &holders, total, 600, 0), Ok(3));
            let sizes: Vec<u128> = e.loan(loan).unwrap().warrants.iter().map(|w| w.amount).collect();
            let bal: Vec<u128> = holders.iter().map(|h| mock::balance(id(*h))).collect();
            let lm0 = mock::balance(id(LM));
            as_caller(LM);
            let paid = e.claim_default(loan, loss).unwrap();
            let claimed = loss.min(total);
            assert_eq!(paid, claimed);
            assert_eq!(mock::balance(id(LM)) - lm0, claimed, "paid to the loan manager");
            let r = e.loan(loan).unwrap();
            let sum: u128 = r.warrants.iter().map(|w| w.claimed).sum();
            assert_eq!(sum, claimed, "the claims add up exactly");
            for (i, w) in r.warrants.iter().enumerate() {
                let (num, den) = (claimed * sizes[i], total);
                let (q, rem) = (num / den, num % den);
                assert!(w.claimed == q || (rem > 0 && w.claimed == q + 1), "total {total} loss {loss}: claim {} vs exact {q} + {rem}/{den}", w.claimed);
                assert!(w.claimed <= w.amount);
                assert_eq!(mock::balance(id(holders[i])), bal[i] + w.amount - w.claimed, "the rest returned");
            }
            loan += 1;
        }
    }
    check_books(&e, &(0..loan).collect::<Vec<_>>());
}

/// Review L7: a holder the token refuses (e.g. blacklisted) does not block
/// the release; the other holder is paid, the refused amount waits in
/// `claimable`; `claim` fails and changes nothing while the refusal lasts,
/// then pays it all and clears it.
#[test]
fn release_with_a_refused_holder_succeeds_and_holds_its_payment_until_claim() {
    let mut e = setup();
    create(&mut e, 1, &[I1, I2], 800, 600, 0).unwrap();
    for h in [I1, I2] {
        as_caller(h);
        e.accept(1).unwrap();
    }
    mock::refuse_to(Some(id(I2)));
    as_caller(LM);
    let n = events();
    assert_eq!(e.release(1), Ok(800));
    assert_eq!(events() - n, 2, "WarrantsReleased and PaymentHeld");
    assert_eq!(e.loan(1).unwrap().state, EscrowState::Released);
    assert_eq!(mock::balance(id(I1)), 1_000_000 * T, "the other holder is paid");
    assert_eq!(mock::balance(id(I2)), 1_000_000 * T - 400);
    assert_eq!((e.claimable(id(I2)), e.claimable_total(), e.locked_total()), (400, 400, 0));
    assert_eq!(e.open_warrants(id(I2)), 0);
    check_books(&e, &[1]);
    // while refused: claim fails, nothing changes
    let before = snapshot(&e, &[1]);
    as_caller(I2);
    assert_eq!(e.claim(), Err(mock::refused()));
    assert_eq!(snapshot(&e, &[1]), before);
    // un-refused: claim pays all and clears it
    mock::refuse_to(None);
    let n = events();
    assert_eq!(e.claim(), Ok(400));
    assert_eq!(events() - n, 1, "Claimed");
    assert_eq!(mock::balance(id(I2)), 1_000_000 * T);
    assert_eq!((e.claimable(id(I2)), e.claimable_total()), (0, 0));
    assert_eq!(e.claim(), Err(Error::NothingToClaim));
    check_books(&e, &[1]);
    assert_eq!(mock::balance(escrow_id()), 0);
}

/// On default a refused holder's return is held the same way (and a
/// failing token call counts as a refusal); but the loan manager's payment
/// must go through, or nothing happens at all.
#[test]
fn claim_default_holds_a_refused_holders_return_but_needs_the_loan_managers_payment() {
    let mut e = setup();
    for h in [I1, I2] {
        as_caller(h);
        e.set_policy(min_rate(0)).unwrap();
    }
    create(&mut e, 1, &[I1, I2], 800, 600, 0).unwrap();
    // the loan manager refused: the whole settlement is refused
    mock::refuse_to(Some(id(LM)));
    let before = snapshot(&e, &[1]);
    as_caller(LM);
    assert_eq!(e.claim_default(1, 300), Err(mock::refused()));
    assert_eq!(snapshot(&e, &[1]), before);
    mock::refuse_to(None);
    mock::fail_calls_to(Some(id(LM)));
    assert_eq!(e.claim_default(1, 300), Err(Error::TokenCallFailed));
    assert_eq!(snapshot(&e, &[1]), before);
    // a holder refused, another's call failing: both returns held
    mock::fail_calls_to(Some(id(I1)));
    mock::refuse_to(Some(id(I2)));
    let n = events();
    assert_eq!(e.claim_default(1, 300), Ok(300));
    assert_eq!(events() - n, 5, "DefaultSettled, 2 WarrantClaimed, 2 PaymentHeld");
    assert_eq!(mock::balance(id(LM)), 300);
    assert_eq!((e.claimable(id(I1)), e.claimable(id(I2)), e.claimable_total()), (250, 250, 500));
    check_books(&e, &[1]);
    mock::fail_calls_to(None);
    as_caller(I1);
    assert_eq!(e.claim(), Ok(250));
    as_caller(I2);
    assert_eq!(e.claim(), Err(mock::refused()));
    assert_eq!(e.claimable(id(I2)), 250);
    check_books(&e, &[1]);
    // held amounts add up across loans
    create(&mut e, 2, &[I1, I2], 800, 600, 0).unwrap();
    as_caller(LM);
    assert_eq!(e.release(2), Ok(800));
    assert_eq!((e.claimable(id(I1)), e.claimable(id(I2)), e.claimable_total()), (0, 650, 650));
    mock::refuse_to(None);
    as_caller(I2);
    assert_eq!(e.claim(), Ok(650));
    assert_eq!(mock::balance(id(I2)), 1_000_000 * T - 150);
    check_books(&e, &[1, 2]);
    assert_eq!(mock::balance(escrow_id()), 0);
}

#[test]
fn claim_by_a_stranger_is_nothing_to_claim() {
    let mut e = setup();
    create(&mut e, 1, &[I1], 800, 600, 0).unwrap();
    as_caller(I1);
    e.accept(1).unwrap();
    mock::refuse_to(Some(id(I1)));
    as_caller(LM);
    e.release(1).unwrap();
    let before = snapshot(&e, &[1]);
    for who in [STRANGER, LM, CREDITOR, I2] {
        as_caller(who);
        assert_eq!(e.claim(), Err(Error::NothingToClaim));
    }
    assert_eq!(snapshot(&e, &[1]), before);
    assert_eq!(e.claimable(id(I1)), 800, "the whole warrant waits for I1");
}

#[test]
fn set_code_only_by_governance() {
    let mut e = setup();
    as_caller(LM);
    assert_eq!(e.set_code([1u8; 32].into()), Err(Error::Unauthorized { caller: id(LM) }));
    as_caller(DEPLOYER);
    assert_eq!(e.set_code([1u8; 32].into()), Err(Error::Unauthorized { caller: id(DEPLOYER) }));
}

#[derive(Clone, Debug)]
enum Op {
    /// Holder, kind, rate, max amount, max term.
    Policy(u8, u8, u32, u128, u32),
    /// Loan, holders, warrants' total, rate, TS, loan amount, term.
    Create(u8, Vec<u8>, u128, u32, u128, u128, u32),
    Accept(u8, u8),
    Release(u8),
    ClaimDefault(u8, u128),
    Approve(u8, u128),
    Decline(u8, u8),
    /// The token refuses transfers to this account (or to none).
    Refuse(Option<u8>),
    /// A pull claim of a holder's claimable balance.
    Claim(u8),
    /// A holder locks its warrant from its stake in the pool.
    AcceptFromStake(u8, u8),
    /// The pool refuses every call (or none).
    PoolRefuses(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u8..=6, 0u8..3, 0u32..=1_200, 0u128..=20_000, 0u32..=3_700).prop_map(|(h, k, r, a, d)| Op::Policy(h, k, r, a, d)),
        (0u8..8, proptest::collection::vec(1u8..=6, 0..=6), 0u128..=10_000, 0u32..=1_200, 0u128..=1_000_000_000, 0u128..=20_000, 1u32..=3_650)
            .prop_map(|(l, h, t, r, ts, a, d)| Op::Create(l, h, t, r, ts, a, d)),
        (0u8..8, 1u8..=6).prop_map(|(l, h)| Op::Accept(l, h)),
        (0u8..8).prop_map(Op::Release),
        (0u8..8, 0u128..=20_000).prop_map(|(l, x)| Op::ClaimDefault(l, x)),
        (1u8..=6, 0u128..=5_000).prop_map(|(h, a)| Op::Approve(h, a)),
        (0u8..8, 1u8..=6).prop_map(|(l, h)| Op::Decline(l, h)),
        proptest::option::of(prop_oneof![1u8..=6, Just(LM)]).prop_map(Op::Refuse),
        (1u8..=6).prop_map(Op::Claim),
        (0u8..8, 1u8..=6).prop_map(|(l, h)| Op::AcceptFromStake(l, h)),
        any::<bool>().prop_map(Op::PoolRefuses),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    /// Random sequences (with the token refusing one account at times, and
    /// the pool refusing everything at times): whatever happens, the escrow
    /// holds exactly the locked warrants and the claimable balances, no
    /// token is created or lost, a refused operation changes nothing and
    /// emits no event (the callees' effects reverted, as on chain), a
    /// warrant locked by policy is on a loan within the holder's rate,
    /// amount and term bounds, no holder has more than 32 Locked warrants;
    /// a warrant from stake only ever leaves and re-enters its holder's
    /// stake (stake + locked from it + claimed from it = the stake at the
    /// start) and a wallet warrant its wallet (wallet + held for it +
    /// locked from it + claimed from it = the wallet at the start); and
    /// every loan ends with all its tokens back where they came from.
    #[test]
    fn random_sequences_keep_the_books(ops in proptest::collection::vec(op(), 1..40)) {
        // A fresh off-chain environment per case (its recorded events too).
        let mut outcome = Ok(());
        test::run_test::<Env, _>(|_| {
            outcome = run_sequence(ops);
            Ok(())
        })
        .unwrap();
        outcome?;
    }
}

fn run_sequence(ops: Vec<Op>) -> Result<(), TestCaseError> {
    {
        let mut e = setup();
        for n in 1..=6 {
            mock::set_stake(pool_id(), id(n), STAKE);
        }
        let supply = mock::supply();
        let loans: Vec<u64> = (0..8).collect();
        for o in ops {
            let before = snapshot(&e, &loans);
            let saved = mock::save();
            let res: Result<(), Error> = match o.clone() {
                Op::Policy(h, k, r, a, d) => {
                    as_caller(h);
                    e.set_policy(match k {
                        0 => Policy::Manual,
                        1 => Policy::ByTrustTier { max_amount: a, max_term_days: d },
                        _ => Policy::MinRate { min_rate_bps: r, max_amount: a, max_term_days: d },
                    })
                }
                Op::Create(l, h, t, r, ts, a, d) => {
                    let policies: Vec<Policy> = h.iter().map(|x| e.policy(id(*x))).collect();
                    let res = create_terms(&mut e, u64::from(l), &h, t, terms(a, d, r, ts));
                    if res.is_ok() {
                        // Locked at creation only within the holder's bounds (the test's own reading).
                        for (w, p) in e.loan(u64::from(l)).unwrap().warrants.iter().zip(&policies) {
                            let within = match *p {
                                Policy::Manual => false,
                                Policy::ByTrustTier { max_amount, max_term_days } => {
                                    let tier = if ts >= 800_000_000 { Some(400) } else if ts >= 500_000_000 { Some(600) } else if ts >= 300_000_000 { Some(800) } else { None };
                                    tier.is_some_and(|m| r >= m) && a <= max_amount && d <= max_term_days
                                }
                                Policy::MinRate { min_rate_bps, max_amount, max_term_days } => r >= min_rate_bps && a <= max_amount && d <= max_term_days,
                            };
                            prop_assert!(w.state == WarrantState::Pending || within, "{:?} locked outside {:?}", w, p);
                        }
                    }
                    res.map(|_| ())
                }
                Op::Accept(l, h) => { as_caller(h); e.accept(u64::from(l)) }
                Op::Release(l) => { as_caller(LM); e.release(u64::from(l)).map(|_| ()) }
                Op::ClaimDefault(l, x) => { as_caller(LM); e.claim_default(u64::from(l), x).map(|_| ()) }
                Op::Approve(h, a) => { mock::approve(id(h), escrow_id(), a); Ok(()) }
                Op::Decline(l, h) => { as_caller(h); e.decline(u64::from(l)) }
                Op::Refuse(h) => { mock::refuse_to(h.map(id)); Ok(()) }
                Op::Claim(h) => { as_caller(h); e.claim().map(|_| ()) }
                Op::AcceptFromStake(l, h) => { as_caller(h); e.accept_from_stake(u64::from(l)) }
                Op::PoolRefuses(r) => { mock::pool_refuses(r.then(|| vec![0x16])); Ok(()) }
            };
            if res.is_err() {
                // A release or settlement refused after one callee acted
                // (the loan manager paid, then the pool refused): the chain
                // reverts them all; the off-chain ledger needs telling.
                if matches!(o, Op::Release(_) | Op::ClaimDefault(..)) {
                    mock::revert(saved);
                }
                prop_assert_eq!(&snapshot(&e, &loans), &before, "a refusal changes nothing: {:?}", o);
            }
            check_books(&e, &loans);
            check_origins(&e, &loans)?;
            for n in 1..=6 {
                prop_assert!(e.open_warrants(id(n)) <= MAX_OPEN_PER_HOLDER);
            }
            prop_assert_eq!(mock::supply(), supply);
        }
        // the end: every open loan released and every claimable balance
        // claimed (the refusals lifted) returns every token
        mock::refuse_to(None);
        mock::pool_refuses(None);
        as_caller(LM);
        for l in &loans {
            if e.loan(*l).is_some_and(|r| r.state == EscrowState::Open) {
                e.release(*l).unwrap();
            }
        }
        for n in 1..=6 {
            as_caller(n);
            let owed = e.claimable(id(n));
            prop_assert_eq!(e.claim(), if owed > 0 { Ok(owed) } else { Err(Error::NothingToClaim) });
        }
        prop_assert_eq!(mock::balance(escrow_id()), 0);
        check_books(&e, &loans);
        check_origins(&e, &loans)?;
    }
    Ok(())
}

/// Each holder's stake in the pool at the start of a random sequence.
const STAKE: u128 = 3_000;

/// Where each holder's warrants came from and went: a warrant from stake
/// only ever leaves and re-enters the holder's stake (stake + Locked from
/// it on open loans + claimed from it = `STAKE`), a wallet warrant only its
/// wallet (wallet + held for it + Locked from it + claimed from it = the
/// wallet at the start).
fn check_origins(e: &WarrantEscrow, loans: &[u64]) -> Result<(), TestCaseError> {
    for n in 1..=6u8 {
        let (mut from_stake, mut from_wallet) = (0u128, 0u128);
        for l in loans {
            let Some(r) = e.loan(*l) else { continue };
            for w in r.warrants.iter().filter(|w| w.holder == id(n)) {
                let out = if r.state == EscrowState::Open && w.state == WarrantState::Locked { w.amount } else { w.claimed };
                if w.from_stake {
                    from_stake += out;
                } else {
                    from_wallet += out;
                }
            }
        }
        prop_assert_eq!(mock::stake_of(id(n)) + from_stake, STAKE, "holder {}'s stake", n);
        prop_assert_eq!(mock::balance(id(n)) + e.claimable(id(n)) + from_wallet, 1_000_000 * T, "holder {}'s wallet", n);
    }
    Ok(())
}

/// The access matrix: create, release, claim_default, set_code and wire × every
/// caller that must be refused (the deployer after wiring, governance for
/// the loan manager's messages, a holder, a creditor, a stranger) →
/// `Unauthorized`, no event, no token moved.
#[test]
fn access_matrix_refuses_privileged_messages_to_everyone_but_their_caller() {
    let mut e = setup();
    create(&mut e, 1, &[I1], 800, 600, 0).unwrap();
    as_caller(I1);
    e.accept(1).unwrap();
    let rec = e.loan(1);
    for caller in [DEPLOYER, GOV, I1, CREDITOR, STRANGER] {
        as_caller(caller);
        let who = id(caller);
        let n = events();
        let unauthorized = || Error::Unauthorized { caller: who };
        assert_eq!(e.create(2, who, vec![id(I2)], 10, terms(100, 30, 600, 0)), Err(unauthorized()));
        assert_eq!(e.release(1), Err(unauthorized()));
        assert_eq!(e.claim_default(1, 800), Err(unauthorized()));
        if caller != GOV {
            assert_eq!(e.set_code([1u8; 32].into()), Err(unauthorized()));
        }
        let wire = e.wire(Wiring { governance: who, loan_manager: who, credit_pool: who });
        assert_eq!(wire, Err(if caller == DEPLOYER { Error::AlreadyWired } else { unauthorized() }));
        assert_eq!(events(), n);
        assert_eq!(e.loan(1), rec);
        assert_eq!(e.loan(2), None);
        check_books(&e, &[1, 2]);
    }
}

// ---------------------------------------------------------------------------
// Warrants from stake (SPEC §4, issue 16)
// ---------------------------------------------------------------------------

/// `who` has `stake` of free stake in the pool and nothing in its wallet.
fn staked_with_empty_wallet(who: u8, stake: u128) {
    mock::set_stake(pool_id(), id(who), stake);
    mock::transfer(id(who), id(0xEE), mock::balance(id(who)));
}

/// Issue 16: I1, with 500 staked in the pool and an empty wallet, is
/// refused `InsufficientBalance` by `accept`; `accept_from_stake` locks its
/// warrant from the stake: the stake falls by 400, the escrow holds it, the
/// warrant is marked `from_stake`, the loan is fully locked. Released, the
/// 400 go back to I1's stake — not its wallet — while I2's wallet warrant
/// goes back to I2's wallet. The books are exact after each step.
#[test]
fn an_empty_wallet_locks_its_warrant_from_stake_and_the_release_returns_it_to_the_stake() {
    let mut e = setup();
    staked_with_empty_wallet(I1, 500 * T);
    create(&mut e, 1, &[I1, I2], 800 * T, 600, 0).unwrap();
    as_caller(I1);
    assert_eq!(e.accept(1), Err(Error::Token(PSP22Error::InsufficientBalance)), "today's refusal");
    let n = events();
    assert_eq!(e.accept_from_stake(1), Ok(()));
    assert_eq!(events(), n + 1, "WarrantLocked");
    let w = e.loan(1).unwrap().warrants[0];
    assert_eq!((w.state, w.amount, w.from_stake), (WarrantState::Locked, 400 * T, true));
    assert_eq!((mock::stake_of(id(I1)), mock::balance(id(I1))), (100 * T, 0), "the stake fell by the warrant");
    assert_eq!(mock::balance(escrow_id()), 400 * T, "the escrow holds it");
    assert_eq!(e.open_warrants(id(I1)), 1, "a warrant from stake counts toward the cap");
    check_books(&e, &[1]);
    as_caller(I2);
    assert_eq!(e.accept(1), Ok(()));
    assert!(!e.loan(1).unwrap().warrants[1].from_stake);
    assert!(e.fully_locked(1));
    check_books(&e, &[1]);
    // Repaid: released, each to where it came from.
    as_caller(LM);
    let n = events();
    assert_eq!(e.release(1), Ok(800 * T));
    assert_eq!(events(), n + 1, "WarrantsReleased (nothing held)");
    assert_eq!((mock::stake_of(id(I1)), mock::balance(id(I1))), (500 * T, 0), "back in the stake, never the wallet");
    assert_eq!(mock::balance(id(I2)), 1_000_000 * T);
    assert_eq!((mock::balance(escrow_id()), mock::balance(pool_id())), (0, 500 * T));
    assert_eq!((e.open_warrants(id(I1)), e.claimable(id(I1))), (0, 0));
    check_books(&e, &[1]);
}

/// A default claims a warrant from stake first like any other (pro rata,
/// paid to the loan manager) and returns the rest to the holder's stake:
/// 300 unpaid over 400 + 400 → 150 from each, I1's 250 back to its stake,
/// I2's 250 to its wallet. A loss that takes a whole warrant returns
/// nothing, and the pool is not called (it may even be refusing).
#[test]
fn a_default_claims_a_stake_warrant_first_and_returns_the_rest_to_the_stake() {
    let mut e = setup();
    staked_with_empty_wallet(I1, 1_000 * T);
    create(&mut e, 1, &[I1, I2], 800 * T, 600, 0).unwrap();
    create(&mut e, 2, &[I1, I2], 800 * T, 600, 0).unwrap();
    for l in [1, 2] {
        as_caller(I1);
        e.accept_from_stake(l).unwrap();
        as_caller(I2);
        e.accept(l).unwrap();
    }
    assert_eq!(mock::stake_of(id(I1)), 200 * T);
    as_caller(LM);
    let n = events();
    assert_eq!(e.claim_default(1, 300 * T), Ok(300 * T));
    assert_eq!(events(), n + 3, "DefaultSettled and a WarrantClaimed per holder, nothing held");
    assert_eq!(mock::balance(id(LM)), 300 * T, "the claims to the loan manager");
    assert_eq!((mock::stake_of(id(I1)), mock::balance(id(I1))), (450 * T, 0), "I1's 250 back to its stake");
    assert_eq!(mock::balance(id(I2)), 1_000_000 * T - 400 * T - 150 * T);
    let r = e.loan(1).unwrap();
    assert_eq!((r.warrants[0].claimed, r.warrants[0].state, r.warrants[0].from_stake), (150 * T, WarrantState::Claimed, true));
    check_books(&e, &[1, 2]);
    // The whole loan lost: both warrants taken, nothing to return.
    mock::pool_refuses(Some(vec![9]));
    assert_eq!(e.claim_default(2, 1_000 * T), Ok(800 * T));
    assert_eq!((mock::stake_of(id(I1)), mock::balance(id(I1))), (450 * T, 0));
    assert_eq!(mock::balance(id(LM)), 1_100 * T);
    check_books(&e, &[1, 2]);
    assert_eq!(mock::balance(escrow_id()), 0);
}

/// More than the free stake (`InsufficientStake`, the pool's error), any
/// pool refusal (the trust graph's `AnchorNotReleased`, a pause) or a
/// failed call, and every refusal `accept` has: nothing changed.
#[test]
fn accept_from_stake_refusals_change_nothing() {
    mock::reset();
    test::set_callee::<Env>(escrow_id());
    as_caller(DEPLOYER);
    let mut unwired = WarrantEscrow::new(id(0xA4));
    as_caller(I1);
    assert_eq!(unwired.accept_from_stake(1), Err(Error::NotWired));
    let mut e = setup();
    let loans = [1, 2, 3];
    mock::set_stake(pool_id(), id(I1), 399 * T);
    mock::set_stake(pool_id(), id(I2), 1_000 * T);
    as_caller(I1);
    assert_eq!(e.accept_from_stake(1), Err(Error::NoSuchLoan));
    create(&mut e, 1, &[I1, I2], 800 * T, 600, 0).unwrap();
    let before = snapshot(&e, &loans);
    as_caller(STRANGER);
    assert_eq!(e.accept_from_stake(1), Err(Error::NotHolder));
    as_caller(I1);
    assert_eq!(e.accept_from_stake(1), Err(mock::insufficient_stake(399 * T, 400 * T)));
    assert_eq!(snapshot(&e, &loans), before);
    // The pool's own refusals come back as they are.
    as_caller(I2);
    let anchor_not_released = vec![0x11, 0x16, 2, 0, 0, 0];
    mock::pool_refuses(Some(anchor_not_released.clone()));
    assert_eq!(e.accept_from_stake(1), Err(Error::Pool(anchor_not_released)));
    mock::pool_calls_fail();
    assert_eq!(e.accept_from_stake(1), Err(Error::PoolCallFailed));
    assert_eq!(snapshot(&e, &loans), before, "refused: nothing changed");
    mock::pool_refuses(None);
    assert_eq!(e.accept_from_stake(1), Ok(()));
    assert_eq!(e.accept_from_stake(1), Err(Error::AlreadyLocked));
    assert_eq!(e.accept(1), Err(Error::AlreadyLocked));
    as_caller(I1);
    e.decline(1).unwrap();
    let before = snapshot(&e, &loans);
    assert_eq!(e.accept_from_stake(1), Err(Error::AlreadyDeclined));
    assert_eq!(snapshot(&e, &loans), before);
    as_caller(LM);
    e.release(1).unwrap();
    assert_eq!(mock::stake_of(id(I2)), 1_000 * T);
    let before = snapshot(&e, &loans);
    as_caller(I2);
    assert_eq!(e.accept_from_stake(1), Err(Error::WrongState { current: EscrowState::Released, expected: EscrowState::Open }));
    assert_eq!(snapshot(&e, &loans), before);
    check_books(&e, &loans);
    // The cap of Locked warrants counts warrants from stake too.
    for loan in 10..42u64 {
        create(&mut e, loan, &[I2], 1, 600, 0).unwrap();
        as_caller(I2);
        assert_eq!(e.accept_from_stake(loan), Ok(()));
    }
    create(&mut e, 42, &[I2], 1, 600, 0).unwrap();
    let all: Vec<u64> = (10..=42).collect();
    let before = snapshot(&e, &all);
    as_caller(I2);
    assert_eq!(e.accept_from_stake(42), Err(Error::TooManyOpenWarrants { max: MAX_OPEN_PER_HOLDER }));
    assert_eq!(snapshot(&e, &all), before);
    check_books(&e, &all);
}

/// A return to a stake is never a "held claim": the pool is a protocol
/// contract. If it refuses (or the call fails, or the token refuses the
/// transfer to it), `release` and `claim_default` fail as a whole — on
/// chain every callee's effect is reverted with them — and nothing in the
/// escrow changes; once it takes them, they go through. A token refusing
/// the holder itself does not matter: its warrant from stake never goes to
/// its wallet.
#[test]
fn a_pool_refusal_fails_the_release_and_the_default_with_nothing_changed() {
    let mut e = setup();
    mock::set_stake(pool_id(), id(I1), 1_000 * T);
    for l in [1, 2] {
        create(&mut e, l, &[I1, I2], 800 * T, 600, 0).unwrap();
        as_caller(I1);
        e.accept_from_stake(l).unwrap();
        as_caller(I2);
        e.accept(l).unwrap();
    }
    let loans = [1, 2];
    as_caller(LM);
    for refuse in [0, 1, 2] {
        match refuse {
            0 => mock::pool_refuses(Some(vec![0x16])),
            1 => mock::pool_calls_fail(),
            _ => {
                mock::pool_refuses(None);
                mock::refuse_to(Some(pool_id()));
            }
        }
        let before = snapshot(&e, &loans);
        let saved = mock::save();
        assert!(e.release(1).is_err());
        mock::revert(saved);
        assert_eq!(snapshot(&e, &loans), before, "case {refuse}: release refused, nothing changed");
        let saved = mock::save();
        assert!(e.claim_default(2, 300 * T).is_err());
        mock::revert(saved);
        assert_eq!(snapshot(&e, &loans), before, "case {refuse}: default refused, nothing changed");
    }
    assert_eq!(e.release(1), Err(mock::refused()), "the token refuses the transfer to the pool");
    mock::refuse_to(Some(id(I1)));
    assert_eq!(e.release(1), Ok(800 * T));
    assert_eq!(e.claim_default(2, 300 * T), Ok(300 * T));
    assert_eq!((mock::stake_of(id(I1)), e.claimable(id(I1))), (1_000 * T - 150 * T, 0), "to the stake, never held for the wallet");
    check_books(&e, &loans);
}
