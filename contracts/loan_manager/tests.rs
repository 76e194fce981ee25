//! Unit tests of `loan_manager` in the off-chain environment (the pool, the
//! escrow, the trust graph and the token are `crate::mock`): seed 000's
//! assessment and seed 003's rate on a 3-hop loan, warrants locked by
//! policy and by hand, the creditor's consent (by hand, or by a standing
//! approval policy met in full; never by the score alone), capacity
//! bounding routed credit, one trust-graph read per request, the
//! interest split to the unit, full repayment closing the loan, overdue →
//! default → settlement with insurance first, cancel and expiry at the
//! millisecond, every error with nothing changed, every state transition
//! allowed and refused, the open-loan cap, the access matrix, and random
//! operation sequences with every balance checked after each step.

use crate::loan_manager::*;
use core::result::Result;
use crate::mock::{self, ESCROW, POOL};
use dcu_common::iface::trust_graph::{self as tg, Reputation};
use dcu_common::iface::warrant_escrow::LoanTerms;
use dcu_common::loan::{Approval, ApprovalPolicy, LoanParams, LoanState, Purpose};
use dcu_common::{DAY_MS as D, ONE_TOKEN as T};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::{AccountId, Hash};
use proptest::prelude::*;
use psp22::PSP22Error;
use std::collections::{BTreeMap, BTreeSet};

const LM: [u8; 32] = [0x10; 32];
const GOV: u8 = 0xA1;
const DEPLOYER: u8 = 9;
const C: u8 = 1;
const I1: u8 = 2;
const I2: u8 = 3;
const B: u8 = 4;
const X: u8 = 5;
const TS08: u128 = 800_000_000;
const CF09: u128 = 900_000_000;

fn id(n: u8) -> AccountId {
    AccountId::from([n; 32])
}
fn lm() -> AccountId {
    AccountId::from(LM)
}
fn as_caller(n: u8) {
    test::set_caller::<Env>(id(n));
}
fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}
fn events() -> usize {
    test::recorded_events().count()
}
fn desc() -> Hash {
    Hash::from([7u8; 32])
}
fn path3() -> Vec<AccountId> {
    vec![id(C), id(I1), id(I2), id(B)]
}

/// C stakes 10,000 and lends over C → I1 → I2 → B (lines of 1,000 at 4 %,
/// 5 %, 5 %); B has TS 0.8 and CF 0.9; I1 and I2 hold 1,000 each and lock
/// warrants automatically; B holds 10,000; everyone approved the contract
/// that pulls from them. C approves by its standing policy [`c_policy`]
/// (score ≥ 60, up to 1,000 for up to ten years at any rate).
fn setup() -> LoanManager {
    community(true)
}

/// The same community; the intermediaries lock warrants automatically or
/// only by hand.
/// C's standing approval policy in [`community`].
fn c_policy() -> ApprovalPolicy {
    ApprovalPolicy { min_score: 60, max_amount: 1_000 * T, max_term_days: MAX_TERM_DAYS, min_rate_bps: 0 }
}

fn community(auto: bool) -> LoanManager {
    mock::reset();
    test::set_callee::<Env>(lm());
    set_now(1_000);
    as_caller(DEPLOYER);
    let mut m = LoanManager::new(id(0xA4), id(0xA5), AccountId::from(POOL), AccountId::from(ESCROW));
    assert_eq!(m.wire(Wiring { governance: id(GOV) }), Ok(()));
    mock::member(id(B), TS08, CF09);
    mock::stake(id(C), 10_000 * T);
    mock::line(id(C), id(I1), 1_000 * T, 400);
    mock::line(id(I1), id(I2), 1_000 * T, 500);
    mock::line(id(I2), id(B), 1_000 * T, 500);
    for h in [I1, I2] {
        mock::fund(id(h), AccountId::from(ESCROW), 1_000 * T);
        if auto {
            mock::auto_accept(id(h));
        }
    }
    mock::fund(id(B), lm(), 10_000 * T);
    as_caller(C);
    assert_eq!(m.set_approval_policy(Some(c_policy())), Ok(()));
    m
}

fn request(m: &mut LoanManager, amount: u128, purpose: Purpose, path: Vec<AccountId>) -> Result<u64, Error> {
    as_caller(B);
    m.request(amount, purpose, desc(), 365, path)
}

fn state(m: &LoanManager, id: u64) -> LoanState {
    m.loan(id).unwrap().unwrap().loan.state
}

fn books() {
    mock::books_ok().unwrap();
}

#[ink::test]
fn a_three_hop_request_is_scored_priced_and_warranted_by_policy() {
    let mut m = setup();
    let n = events();
    let q = m.quote(1_000 * T, Purpose::CommunityInfrastructure, 365, path3()).unwrap();
    // seed 000: (80 + 95 + 90) / 3 = 88; seed 003: 3 % + 0.2 · 5 % + 2 · 1 % = 6 %.
    assert_eq!((q.score, q.rate_bps, q.approval, q.capacity), (88, 600, Approval::PolicyMet, 1_000 * T));
    assert_eq!((q.warrants, q.warrant_each), (800 * T, 400 * T), "80 % split over two intermediaries");
    let id1 = request(&mut m, 1_000 * T, Purpose::CommunityInfrastructure, path3()).unwrap();
    assert_eq!(id1, 1);
    // LoanRequested + Requested → Approved.
    assert_eq!(events(), n + 2);
    let v = m.loan(id1).unwrap().unwrap();
    assert_eq!(v.loan.state, LoanState::Approved);
    assert_eq!((v.loan.creditor_approved, v.loan.approval), (true, Approval::PolicyMet), "approved by C's own policy");
    assert_eq!((v.loan.rate_bps, v.loan.score, v.loan.warrants), (600, 88, 800 * T));
    let terms = mock::escrow_loan(id1).unwrap().terms;
    assert_eq!(terms, LoanTerms { amount: 1_000 * T, term_days: 365, rate_bps: 600, borrower_ts: TS08 }, "the escrow sees the loan's amount and term");
    assert_eq!(v.expires_at, 1_000 + 7 * D);
    assert_eq!(mock::balance(id(I1)), 600 * T, "400 locked in the escrow");
    assert_eq!(m.open_loans(id(B)), vec![1]);
    books();
}

#[ink::test]
fn a_request_is_refused_with_a_clear_error_and_nothing_changes() {
    let mut m = setup();
    let n = events();
    let cases: Vec<(u128, u32, Vec<AccountId>, Error)> = vec![
        (0, 365, path3(), Error::ZeroAmount),
        (T, 0, path3(), Error::BadTerm { max: MAX_TERM_DAYS }),
        (T, MAX_TERM_DAYS + 1, path3(), Error::BadTerm { max: MAX_TERM_DAYS }),
        (T, 365, vec![id(C), id(I1), id(I2)], Error::BadPath),
        (T, 365, vec![id(B)], Error::BadPath),
        (T, 365, vec![id(C), id(I1), id(C), id(B)], Error::BadPath),
        (T, 365, [C, I1, I2, 6, 7, 8, 11, B].into_iter().map(id).collect(), Error::TooManyHops { max: 6 }),
        (T, 365, vec![id(C), id(I2), id(B)], Error::NoLine { hop: 0 }),
        (1_001 * T, 365, path3(), Error::InsufficientCapacity { available: 1_000 * T, requested: 1_001 * T }),
    ];
    for (amount, term, path, err) in cases {
        as_caller(B);
        assert_eq!(m.request(amount, Purpose::CreativeProject, desc(), term, path.clone()), Err(err), "{amount} {term} {path:?}");
    }
    // A non-member borrower.
    mock::line(id(C), id(X), 100 * T, 400);
    as_caller(X);
    assert_eq!(m.request(T, Purpose::CreativeProject, desc(), 30, vec![id(C), id(X)]), Err(Error::TrustGraph(tg::Error::NotMember(id(X)))));
    assert_eq!(events(), n, "no event for a refusal");
    assert_eq!((m.last_id(), m.open_loans(id(B))), (0, vec![]));
    assert_eq!(m.loan(1), Ok(None));
    books();
}

#[ink::test]
fn the_open_loan_cap_holds_at_eight_and_refuses_the_ninth() {
    let mut m = setup();
    mock::line(id(C), id(B), 100 * T, 400);
    for i in 1..=MAX_OPEN_LOANS as u64 {
        assert_eq!(request(&mut m, T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]).map_err(|e| format!("{e:?}")), Ok(i));
    }
    assert_eq!(request(&mut m, T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]), Err(Error::TooManyLoans { cap: MAX_OPEN_LOANS }));
    // Finishing one frees a place.
    as_caller(B);
    m.cancel(3).unwrap();
    assert_eq!(request(&mut m, T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]), Ok(9));
}

#[ink::test]
fn below_the_policys_score_the_creditor_must_approve() {
    let mut m = setup();
    // TS 0.1, CF 0.1, creative project: (10 + 75 + 10) / 3 = 31 < C's 60.
    mock::member(id(B), 100_000_000, 100_000_000);
    let id1 = request(&mut m, 500 * T, Purpose::CreativeProject, path3()).unwrap();
    let v = m.loan(id1).unwrap().unwrap();
    assert_eq!((v.loan.score, v.loan.creditor_approved, v.loan.state), (31, false, LoanState::Requested));
    assert_eq!(v.loan.approval, Approval::ScoreBelow { score: 31, min: 60 });
    as_caller(B);
    assert_eq!(m.disburse(id1), Err(Error::NeedsCreditorApproval));
    for who in [B, I1, X] {
        as_caller(who);
        assert_eq!(m.approve(id1), Err(Error::Unauthorized { caller: id(who) }));
    }
    as_caller(C);
    let n = events();
    assert_eq!(m.approve(id1), Ok(()));
    assert_eq!(events(), n + 2, "CreditorApproved + Requested → Approved");
    assert_eq!(state(&m, id1), LoanState::Approved);
    assert_eq!(m.approve(id1), Err(Error::WrongState { current: LoanState::Approved, wanted: LoanState::Approved }));
    as_caller(B);
    assert_eq!(m.disburse(id1), Ok(()));
    assert_eq!(state(&m, id1), LoanState::Active);
}

#[ink::test]
fn warrants_accepted_by_hand_let_the_borrower_take_the_money() {
    // Neither intermediary has a standing policy this time.
    let mut m = community(false);
    let id1 = request(&mut m, 1_000 * T, Purpose::EcologicalRestoration, path3()).unwrap();
    assert_eq!(state(&m, id1), LoanState::Requested);
    as_caller(B);
    assert_eq!(m.disburse(id1), Err(Error::WarrantsPending));
    mock::accept(id1, id(I1));
    assert_eq!(m.disburse(id1), Err(Error::WarrantsPending));
    mock::accept(id1, id(I2));
    as_caller(X);
    assert_eq!(m.disburse(id1), Err(Error::Unauthorized { caller: id(X) }));
    as_caller(B);
    let b0 = mock::balance(id(B));
    let n = events();
    assert_eq!(m.disburse(id1), Ok(()));
    assert_eq!(events(), n + 3, "Requested → Approved → Active, Disbursed");
    assert_eq!(mock::balance(id(B)), b0 + 1_000 * T);
    assert_eq!(mock::free(id(I1), id(I2)), 0, "every hop reserves the amount");
    assert_eq!(mock::unlent(id(C)), 9_000 * T, "lent from the end creditor's stake");
    assert_eq!(m.disburse(id1), Err(Error::WrongState { current: LoanState::Active, wanted: LoanState::Active }));
    books();
}

/// A disbursed 3-hop loan of 1,000 at 6 % for a year.
fn active() -> (LoanManager, u64) {
    let mut m = setup();
    let id1 = request(&mut m, 1_000 * T, Purpose::CommunityInfrastructure, path3()).unwrap();
    as_caller(B);
    m.disburse(id1).unwrap();
    (m, id1)
}

#[ink::test]
fn repayment_splits_interest_to_the_unit_and_full_repayment_closes_the_loan() {
    let (mut m, id1) = active();
    let supply = mock::supply();
    set_now(1_000 + 73 * D);
    // 1,000 · 6 % · 73 / 365 = 12 of interest.
    assert_eq!(m.loan(id1).unwrap().unwrap().interest_now, 12 * T);
    let (c0, i10, i20) = (mock::balance(id(C)), mock::balance(id(I1)), mock::balance(id(I2)));
    as_caller(B);
    assert_eq!(m.repay(id1, 0), Err(Error::ZeroAmount));
    assert_eq!(m.repay(id1, 112 * T), Ok(112 * T));
    // Fee 1.2, insurance 0.6, net 10.2: I2 (direct creditor) 5.1 + 1.02 as a holder,
    // C (end creditor) 3.06, I1 1.02 as a holder.
    assert_eq!(mock::balance(id(I2)) - i20, 6_120_000);
    assert_eq!(mock::balance(id(C)) - c0, 3_060_000);
    assert_eq!(mock::balance(id(I1)) - i10, 1_020_000);
    assert_eq!(mock::pool_funds(), (600_000, 1_200_000, 0));
    assert_eq!(mock::hold(id1), Some(900 * T));
    assert_eq!(mock::free(id(I1), id(I2)), 100 * T, "100 of principal released on every hop");
    let v = m.loan(id1).unwrap().unwrap();
    assert_eq!((v.loan.principal, v.loan.interest, v.loan.interest_paid, v.loan.state), (900 * T, 0, 12 * T, LoanState::Active));
    books();
    // Paying more than owed takes only what is owed and closes the loan.
    set_now(1_000 + 73 * D + D / 2);
    let n = events();
    assert_eq!(m.repay(id1, 5_000 * T), Ok(900 * T), "no new whole day: principal only");
    assert_eq!(events(), n + 3, "Repayment, Active → Repaid, Repaid → Closed");
    assert_eq!(state(&m, id1), LoanState::Closed);
    assert_eq!(mock::balance(id(I1)) - i10, 1_020_000 + 400 * T, "warrant released");
    assert_eq!(mock::hold(id1), None);
    // Both repayments earned reputation: the first paid all the interest
    // due, the second more than a day's worth of principal (the trust graph
    // counts at most one a day).
    assert_eq!(mock::records(), vec![(Reputation::Repayment, id(B)), (Reputation::Repayment, id(B))]);
    assert_eq!(m.open_loans(id(B)), Vec::<u64>::new());
    assert_eq!(m.repay(id1, T), Err(Error::WrongState { current: LoanState::Closed, wanted: LoanState::Repaid }));
    assert_eq!(mock::supply(), supply, "no token created or lost");
    books();
}

/// Review L7: one recipient the token refuses (a blacklisted holder) does
/// not make the borrower's repayment fail; its share waits as a claim.
#[ink::test]
fn a_blocked_share_recipient_cannot_force_a_default_its_share_waits_as_a_claim() {
    let (mut m, id1) = active();
    set_now(1_000 + 73 * D);
    mock::refuse_to(Some(id(I1)));
    let (c0, i10, i20) = (mock::balance(id(C)), mock::balance(id(I1)), mock::balance(id(I2)));
    as_caller(B);
    let n = events();
    assert_eq!(m.repay(id1, 12 * T), Ok(12 * T), "the repayment goes through");
    assert_eq!(events(), n + 2, "PaymentHeld, Repayment");
    assert_eq!(mock::balance(id(I2)) - i20, 6_120_000, "the others are paid at once");
    assert_eq!(mock::balance(id(C)) - c0, 3_060_000);
    assert_eq!(mock::balance(id(I1)), i10, "the refused holder got nothing yet");
    assert_eq!(m.claimable(id(I1)), 1_020_000);
    assert_eq!((m.claimable_total(), mock::balance(lm())), (1_020_000, 1_020_000), "held in the loan manager, to the unit");
    // While the token still refuses, claiming fails and changes nothing.
    as_caller(I1);
    let n = events();
    assert_eq!(m.claim(), Err(Error::Token(PSP22Error::Custom("recipient blocked".into()))));
    assert_eq!((m.claimable(id(I1)), m.claimable_total(), events()), (1_020_000, 1_020_000, n));
    // Nobody else can take it.
    as_caller(X);
    assert_eq!(m.claim(), Err(Error::NothingToClaim));
    // Unblocked, the holder claims it once.
    mock::refuse_to(None);
    as_caller(I1);
    assert_eq!(m.claim(), Ok(1_020_000));
    assert_eq!(mock::balance(id(I1)) - i10, 1_020_000);
    assert_eq!((m.claimable(id(I1)), m.claimable_total(), mock::balance(lm())), (0, 0, 0));
    assert_eq!(m.claim(), Err(Error::NothingToClaim));
    books();
}

/// Review L4: the holders' 20 % share follows the warrants the loan got at
/// its request, never today's WARRANT_RATIO.
#[ink::test]
fn a_warrant_ratio_changed_after_the_request_leaves_the_holders_share_alone() {
    let (mut m, id1) = active();
    as_caller(GOV);
    assert_eq!(
        m.set_params(LoanParams { warrant_ratio_bps: 0, ..LoanParams::default() }),
        Err(Error::InvalidParam { name: "warrant_ratio_bps".into() }),
        "a ratio of 0 is invalid"
    );
    assert_eq!(m.set_params(LoanParams { warrant_ratio_bps: 1, ..LoanParams::default() }), Ok(()));
    set_now(1_000 + 73 * D);
    let (i10, i20) = (mock::balance(id(I1)), mock::balance(id(I2)));
    as_caller(B);
    m.repay(id1, 12 * T).unwrap();
    // As with the request's 80 %: I1 1.02 as a holder, I2 5.1 + 1.02.
    assert_eq!(mock::balance(id(I1)) - i10, 1_020_000);
    assert_eq!(mock::balance(id(I2)) - i20, 6_120_000);
    assert_eq!(m.loan(id1).unwrap().unwrap().loan.warrants, 800 * T, "the loan keeps its warrants");
}

/// The view's `interest` is the interest accrued up to the `accrued_to` it
/// returns, so a client reading the pair never under-counts.
#[ink::test]
fn the_loan_view_returns_interest_accrued_to_the_time_it_returns() {
    let (m, id1) = active();
    set_now(1_000 + 73 * D);
    let v = m.loan(id1).unwrap().unwrap();
    assert_eq!(v.loan.accrued_to, 1_000 + 73 * D);
    assert_eq!(v.loan.interest, 12 * T);
    assert_eq!(v.interest_now, v.loan.interest);
    assert_eq!(v.owed, v.loan.principal + v.loan.interest);
}

/// Review H1, term-loan form: a grantor lends to its own throwaway borrower
/// over a fresh line (not insured) and an accomplice intermediary; at the
/// default the accomplice's warrant pays first, the insurance pays nothing
/// for a loan over young lines, and the grantor bears the rest.
#[ink::test]
fn a_self_dealt_term_loan_takes_the_intermediarys_warrant_first_and_no_insurance() {
    let mut m = setup();
    // A reserve to drain: 500 tokens of insurance in the pool.
    mock::set_reserve(500 * T);
    mock::set_uninsured(true);
    let id1 = request(&mut m, 900 * T, Purpose::CommunityInfrastructure, path3()).unwrap();
    as_caller(B);
    m.disburse(id1).unwrap();
    set_now(1_000 + 365 * D + 90 * D);
    as_caller(X);
    m.mark_overdue(id1).unwrap();
    m.declare_default(id1).unwrap();
    let (i10, i20, unlent0) = (mock::balance(id(I1)), mock::balance(id(I2)), mock::unlent(id(C)));
    m.settle(id1).unwrap();
    // Warrants 360 + 360 (80 % of 900) claimed whole; 180 left, not insured.
    assert_eq!((mock::balance(id(I1)), mock::balance(id(I2))), (i10, i20), "the accomplices lose their warrants");
    assert_eq!(mock::unlent(id(C)) - unlent0, 720 * T);
    assert_eq!(mock::pool_funds().0, 500 * T, "the reserve pays nothing");
    assert_eq!(mock::pool_funds().2, 180 * T, "the grantor's own stake bears the rest");
    books();
}

#[ink::test]
fn a_repayment_needs_the_payers_allowance_and_changes_nothing_without_it() {
    let (mut m, id1) = active();
    mock::approve(id(B), lm(), 10 * T);
    set_now(1_000 + 73 * D);
    as_caller(B);
    assert_eq!(m.repay(id1, 100 * T), Err(Error::Token(PSP22Error::InsufficientAllowance)));
    let v = m.loan(id1).unwrap().unwrap();
    assert_eq!((v.loan.principal, v.loan.interest_paid), (1_000 * T, 0));
    books();
    // Anyone may pay on the borrower's behalf.
    mock::fund(id(X), lm(), 100 * T);
    as_caller(X);
    assert_eq!(m.repay(id1, 12 * T), Ok(12 * T));
    assert_eq!(m.loan(id1).unwrap().unwrap().loan.interest_paid, 12 * T);
}

#[ink::test]
fn overdue_default_and_settlement_use_warrants_then_co_insurance_then_the_creditor() {
    let (mut m, id1) = active();
    // A year and a day of interest paid: insurance gets 5 % of 60.16 ≈ 3.008.
    set_now(1_000 + 366 * D - 1);
    as_caller(B);
    m.repay(id1, m.loan(id1).unwrap().unwrap().interest_now).unwrap();
    let (insurance, _, _) = mock::pool_funds();
    assert_eq!(insurance, 3_000_000);
    let due = m.loan(id1).unwrap().unwrap().loan.due_at;
    assert_eq!(due, 1_000 + 365 * D);
    // Overdue: not a millisecond before the due date.
    set_now(due - 1);
    as_caller(X);
    assert_eq!(m.mark_overdue(id1), Err(Error::TooEarly { at: due }));
    assert_eq!(m.declare_default(id1), Err(Error::WrongState { current: LoanState::Active, wanted: LoanState::Defaulted }));
    set_now(due);
    assert_eq!(m.mark_overdue(id1), Ok(()));
    assert_eq!(m.mark_overdue(id1), Err(Error::WrongState { current: LoanState::Overdue, wanted: LoanState::Overdue }));
    assert_eq!(m.settle(id1), Err(Error::WrongState { current: LoanState::Overdue, wanted: LoanState::Settled }));
    let at = due + 90 * D;
    set_now(at - 1);
    assert_eq!(m.declare_default(id1), Err(Error::TooEarly { at }));
    set_now(at);
    assert_eq!(m.declare_default(id1), Ok(()));
    // The year's interest paid in full earned reputation; then the warning and the default.
    assert_eq!(mock::records(), vec![(Reputation::Repayment, id(B)), (Reputation::Warning, id(B)), (Reputation::Default, id(B))]);
    // Settlement (SPEC §4, v2): 1,000 unpaid; the warrants first, 400 + 400
    // claimed whole, into the pool for the creditor's stake; then
    // co-insurance of the 200 left: 50 % of it, but at most 10 % of the
    // 3-token reserve = 0.3; the creditor's stake bears 199.7.
    let (c0, unlent0) = (mock::balance(id(C)), mock::unlent(id(C)));
    let (i10, i20) = (mock::balance(id(I1)), mock::balance(id(I2)));
    let n = events();
    assert_eq!(m.settle(id1), Ok(()));
    assert_eq!(events(), n + 2, "StateChanged, Settled");
    assert_eq!(mock::balance(id(C)), c0, "claims restore the creditor's stake, not its wallet");
    assert_eq!(mock::unlent(id(C)) - unlent0, 800 * T + 300_000, "stake back: 800 of warrants + 0.3 of cover");
    assert_eq!((mock::balance(id(I1)), mock::balance(id(I2))), (i10, i20), "both warrants taken whole");
    assert_eq!(mock::pool_funds().0, 2_700_000, "one default takes at most 10 % of the reserve");
    assert_eq!(mock::pool_funds().2, 200 * T - 300_000, "the creditor's net loss");
    assert_eq!(mock::balance(lm()), 0, "the loan manager keeps nothing of the claims");
    let v = m.loan(id1).unwrap().unwrap();
    assert_eq!((v.loan.state, v.loan.principal, v.owed), (LoanState::Settled, 0, 0));
    assert_eq!(m.settle(id1), Err(Error::WrongState { current: LoanState::Settled, wanted: LoanState::Settled }));
    assert_eq!(m.open_loans(id(B)), Vec::<u64>::new());
    books();
}

#[ink::test]
fn a_small_default_releases_the_unclaimed_warrants() {
    let (mut m, id1) = active();
    set_now(1_000 + 10 * D);
    as_caller(B);
    // Repay 700 of principal and the interest.
    let owed = m.loan(id1).unwrap().unwrap().interest_now;
    m.repay(id1, owed + 700 * T).unwrap();
    let ins = mock::pool_funds().0;
    set_now(1_000 + 365 * D + 90 * D);
    as_caller(X);
    m.mark_overdue(id1).unwrap();
    m.declare_default(id1).unwrap();
    let (i10, i20, c0) = (mock::balance(id(I1)), mock::balance(id(I2)), mock::balance(id(C)));
    let (unlent0, ins0) = (mock::unlent(id(C)), mock::pool_funds().0);
    assert_eq!(ins, ins0);
    m.settle(id1).unwrap();
    // 300 unpaid, warrants first: 150 from each into the creditor's stake,
    // 250 of each returned; nothing left for insurance or a write-off.
    assert_eq!(mock::balance(id(C)), c0);
    assert_eq!(mock::unlent(id(C)) - unlent0, 300 * T);
    assert_eq!(mock::balance(id(I1)) - i10, 250 * T);
    assert_eq!(mock::balance(id(I2)) - i20, 250 * T);
    assert_eq!(mock::pool_funds().0, ins0, "the reserve is not touched while warrants cover the loss");
    books();
}

#[ink::test]
fn repaying_after_a_default_declaration_closes_the_loan() {
    let (mut m, id1) = active();
    set_now(1_000 + 455 * D);
    as_caller(X);
    m.mark_overdue(id1).unwrap();
    m.declare_default(id1).unwrap();
    as_caller(B);
    let owed = m.loan(id1).unwrap().unwrap().owed;
    assert_eq!(m.repay(id1, owed), Ok(owed));
    assert_eq!(state(&m, id1), LoanState::Closed);
    books();
}

#[ink::test]
fn cancel_and_expiry_return_the_warrants_at_the_millisecond() {
    let mut m = setup();
    let a = request(&mut m, 100 * T, Purpose::ProductiveEnterprise, path3()).unwrap();
    let b = request(&mut m, 100 * T, Purpose::ProductiveEnterprise, path3()).unwrap();
    assert_eq!(mock::balance(id(I1)), 1_000 * T - 80 * T);
    as_caller(X);
    assert_eq!(m.cancel(a), Err(Error::Unauthorized { caller: id(X) }));
    as_caller(B);
    assert_eq!(m.cancel(a), Ok(()));
    assert_eq!(state(&m, a), LoanState::Cancelled);
    assert_eq!(m.cancel(a), Err(Error::WrongState { current: LoanState::Cancelled, wanted: LoanState::Cancelled }));
    assert_eq!(m.disburse(a), Err(Error::WrongState { current: LoanState::Cancelled, wanted: LoanState::Active }));
    as_caller(C);
    assert_eq!(m.approve(a), Err(Error::WrongState { current: LoanState::Cancelled, wanted: LoanState::Approved }));
    let expiry = 1_000 + 7 * D;
    set_now(expiry - 1);
    as_caller(X);
    assert_eq!(m.expire(b), Err(Error::TooEarly { at: expiry }));
    set_now(expiry);
    as_caller(B);
    assert_eq!(m.disburse(b), Err(Error::RequestExpired { at: expiry }));
    as_caller(X);
    assert_eq!(m.expire(b), Ok(()));
    assert_eq!(state(&m, b), LoanState::Expired);
    assert_eq!(m.expire(b), Err(Error::WrongState { current: LoanState::Expired, wanted: LoanState::Expired }));
    assert_eq!(mock::balance(id(I1)), 1_000 * T, "both warrants back");
    assert_eq!(m.expire(99), Err(Error::NoSuchLoan));
    books();
}

#[ink::test]
fn a_direct_loan_needs_no_warrants_and_its_creditor_gets_every_share() {
    let mut m = setup();
    mock::line(id(C), id(B), 500 * T, 700);
    let q = m.quote(365 * T, Purpose::EducationalInitiative, 365, vec![id(C), id(B)]).unwrap();
    // 3 % + 1 % = 4 %, but never below the line's 7 %.
    assert_eq!((q.rate_bps, q.warrants), (700, 0));
    let id1 = request(&mut m, 365 * T, Purpose::EducationalInitiative, vec![id(C), id(B)]).unwrap();
    assert_eq!(state(&m, id1), LoanState::Approved);
    as_caller(B);
    m.disburse(id1).unwrap();
    set_now(1_000 + 100 * D);
    let c0 = mock::balance(id(C));
    // 365 · 7 % · 100 / 365 = 7 of interest: fee 0.7, insurance 0.35, C 5.95.
    assert_eq!(m.repay(id1, 7 * T), Ok(7 * T));
    assert_eq!(mock::balance(id(C)) - c0, 5_950_000);
    books();
}

#[ink::test]
fn every_transition_outside_the_state_machine_is_refused() {
    use LoanState::*;
    let (mut m, id1) = active();
    // From Active: approve, cancel, expire, settle, declare_default are refused.
    as_caller(C);
    assert_eq!(m.approve(id1), Err(Error::WrongState { current: Active, wanted: Approved }));
    as_caller(B);
    assert_eq!(m.cancel(id1), Err(Error::WrongState { current: Active, wanted: Cancelled }));
    assert_eq!(m.expire(id1), Err(Error::WrongState { current: Active, wanted: Expired }));
    assert_eq!(m.settle(id1), Err(Error::WrongState { current: Active, wanted: Settled }));
    // From Requested/Approved nothing can be repaid or marked overdue.
    mock::line(id(C), id(B), 100 * T, 400);
    let id2 = request(&mut m, 10 * T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]).unwrap();
    as_caller(B);
    assert_eq!(m.repay(id2, T), Err(Error::WrongState { current: Approved, wanted: Repaid }));
    assert_eq!(m.mark_overdue(id2), Err(Error::WrongState { current: Approved, wanted: Overdue }));
    assert_eq!(m.repay(77, T), Err(Error::NoSuchLoan));
}

#[ink::test]
fn access_matrix_and_governed_parameters() {
    let mut m = setup();
    let params = m.params();
    for who in [DEPLOYER, B, C, X] {
        as_caller(who);
        let n = events();
        assert_eq!(m.set_params(LoanParams { max_hops: 3, ..LoanParams::default() }), Err(Error::Unauthorized { caller: id(who) }));
        assert_eq!(m.set_code(Hash::from([1u8; 32])), Err(Error::Unauthorized { caller: id(who) }));
        let wired = if who == DEPLOYER { Error::AlreadyWired } else { Error::Unauthorized { caller: id(who) } };
        assert_eq!(m.wire(Wiring { governance: id(who) }), Err(wired));
        assert_eq!(events(), n);
        assert_eq!(m.params(), params);
    }
    as_caller(GOV);
    assert_eq!(m.set_params(LoanParams { max_hops: 7, ..LoanParams::default() }), Err(Error::InvalidParam { name: "max_hops".into() }));
    assert_eq!(m.set_params(LoanParams { max_hops: 2, ..LoanParams::default() }), Ok(()));
    assert_eq!(request(&mut m, T, Purpose::ProductiveEnterprise, path3()), Err(Error::TooManyHops { max: 2 }));
    assert_eq!(m.wiring(), Some(Wiring { governance: id(GOV) }));
    assert_eq!(m.clock_rate(), 1, "the release build runs on block time");
    // Unwired: governance messages say so.
    as_caller(DEPLOYER);
    let mut fresh = LoanManager::new(id(0xA4), id(0xA5), AccountId::from(POOL), AccountId::from(ESCROW));
    as_caller(GOV);
    assert_eq!(fresh.set_params(LoanParams::default()), Err(Error::NotWired));
}

// ---------------------------------------------------------------------------
// Creditor consent (SPEC §5 v2, review H2)
// ---------------------------------------------------------------------------

#[ink::test]
fn request_without_a_policy_waits_for_the_creditor_whatever_the_score() {
    let mut m = setup();
    as_caller(C);
    assert_eq!(m.set_approval_policy(None), Ok(()));
    // The best score there is: TS 1, CF 1, community infrastructure → 98.
    mock::member(id(B), 1_000_000_000, 1_000_000_000);
    let q = m.quote(1_000 * T, Purpose::CommunityInfrastructure, 365, path3()).unwrap();
    assert_eq!((q.score, q.approval), (98, Approval::NoPolicy));
    let id1 = request(&mut m, 1_000 * T, Purpose::CommunityInfrastructure, path3()).unwrap();
    let v = m.loan(id1).unwrap().unwrap();
    assert_eq!((v.loan.state, v.loan.creditor_approved, v.loan.approval), (LoanState::Requested, false, Approval::NoPolicy));
    as_caller(B);
    let n = events();
    assert_eq!(m.disburse(id1), Err(Error::NeedsCreditorApproval));
    assert_eq!((events(), state(&m, id1), mock::hold(id1)), (n, LoanState::Requested, None), "a refusal changes nothing");
    as_caller(C);
    assert_eq!(m.approve(id1), Ok(()));
    assert_eq!(state(&m, id1), LoanState::Approved);
    as_caller(B);
    assert_eq!(m.disburse(id1), Ok(()));
    books();
}

#[ink::test]
fn set_approval_policy_sets_and_removes_the_callers_policy_with_an_event() {
    let mut m = setup();
    assert_eq!(m.approval_policy(id(C)), Some(c_policy()));
    assert_eq!(m.approval_policy(id(X)), None);
    let p = ApprovalPolicy { min_score: 0, max_amount: 1, max_term_days: 1, min_rate_bps: 10_000 };
    as_caller(X);
    let n = events();
    assert_eq!(m.set_approval_policy(Some(p)), Ok(()));
    assert_eq!(events(), n + 1, "ApprovalPolicySet");
    assert_eq!((m.approval_policy(id(X)), m.approval_policy(id(C))), (Some(p), Some(c_policy())), "only the caller's own");
    assert_eq!(m.set_approval_policy(None), Ok(()));
    assert_eq!(events(), n + 2);
    assert_eq!(m.approval_policy(id(X)), None);
    // Removing twice is harmless (and still says so).
    assert_eq!(m.set_approval_policy(None), Ok(()));
    assert_eq!(events(), n + 3);
}

#[ink::test]
fn set_approval_policy_refuses_each_field_out_of_range_and_changes_nothing() {
    let mut m = setup();
    let ok = c_policy();
    let cases = [
        (ApprovalPolicy { min_score: 101, ..ok }, "min_score"),
        (ApprovalPolicy { max_amount: 0, ..ok }, "max_amount"),
        (ApprovalPolicy { max_term_days: 0, ..ok }, "max_term_days"),
        (ApprovalPolicy { max_term_days: MAX_TERM_DAYS + 1, ..ok }, "max_term_days"),
        (ApprovalPolicy { min_rate_bps: 10_001, ..ok }, "min_rate_bps"),
    ];
    as_caller(C);
    let n = events();
    for (p, name) in cases {
        assert_eq!(m.set_approval_policy(Some(p)), Err(Error::InvalidPolicy { name: name.into() }), "{p:?}");
    }
    assert_eq!((events(), m.approval_policy(id(C))), (n, Some(ok)), "no event, the old policy stands");
}

#[ink::test]
fn a_policy_approves_only_a_loan_inside_every_bound_and_names_the_one_missed() {
    let mut m = setup();
    // B (TS 0.8, CF 0.9) over C → I1 → I2 → B: productive enterprise scores 85, the rate is 6 %.
    let strict = ApprovalPolicy { min_score: 85, max_amount: 200 * T, max_term_days: 90, min_rate_bps: 600 };
    as_caller(C);
    m.set_approval_policy(Some(strict)).unwrap();
    let cases: [(ApprovalPolicy, u128, u32, Approval); 5] = [
        (strict, 200 * T, 90, Approval::PolicyMet),
        (ApprovalPolicy { min_score: 86, ..strict }, 200 * T, 90, Approval::ScoreBelow { score: 85, min: 86 }),
        (strict, 200 * T + 1, 90, Approval::AmountAbove { amount: 200 * T + 1, max: 200 * T }),
        (strict, 200 * T, 91, Approval::TermAbove { term_days: 91, max: 90 }),
        (ApprovalPolicy { min_rate_bps: 601, ..strict }, 10 * T, 30, Approval::RateBelow { rate_bps: 600, min: 601 }),
    ];
    for (policy, amount, term, verdict) in cases {
        as_caller(C);
        m.set_approval_policy(Some(policy)).unwrap();
        let q = m.quote(amount, Purpose::ProductiveEnterprise, term, path3()).unwrap();
        assert_eq!((q.score, q.rate_bps, q.approval), (85, 600, verdict));
        as_caller(B);
        let i = m.request(amount, Purpose::ProductiveEnterprise, desc(), term, path3()).unwrap();
        let v = m.loan(i).unwrap().unwrap();
        let met = verdict == Approval::PolicyMet;
        assert_eq!((v.loan.approval, v.loan.creditor_approved), (verdict, met));
        assert_eq!(v.loan.state, if met { LoanState::Approved } else { LoanState::Requested }, "{verdict:?}");
        m.cancel(i).unwrap();
    }
    // Another account's policy never approves C's loans: not an intermediary's, not the borrower's.
    as_caller(C);
    m.set_approval_policy(None).unwrap();
    for who in [I1, I2, B] {
        as_caller(who);
        m.set_approval_policy(Some(ApprovalPolicy { min_score: 0, max_amount: u128::MAX, max_term_days: MAX_TERM_DAYS, min_rate_bps: 0 })).unwrap();
    }
    let i = request(&mut m, T, Purpose::ProductiveEnterprise, path3()).unwrap();
    assert_eq!((state(&m, i), m.loan(i).unwrap().unwrap().loan.approval), (LoanState::Requested, Approval::NoPolicy));
    // A policy set after a request does not approve it: the creditor's approve does.
    as_caller(C);
    m.set_approval_policy(Some(c_policy())).unwrap();
    assert_eq!(state(&m, i), LoanState::Requested);
    assert_eq!(m.approve(i), Ok(()));
    assert_eq!(state(&m, i), LoanState::Approved);
    books();
}

// ---------------------------------------------------------------------------
// Capacity bounds routed credit (SPEC §2 v2) and one score read (review L6)
// ---------------------------------------------------------------------------

#[ink::test]
fn request_beyond_the_borrowers_capacity_is_refused_and_changes_nothing() {
    let mut m = setup();
    mock::set_capacity(id(B), 1_500 * T);
    mock::line(id(C), id(B), 1_000 * T, 400);
    let direct = || vec![id(C), id(B)];
    let a = request(&mut m, 1_000 * T, Purpose::ProductiveEnterprise, path3()).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 1_000 * T, "counted from the request");
    let q = m.quote(500 * T, Purpose::ProductiveEnterprise, 365, direct()).unwrap();
    assert_eq!((q.borrower_capacity, q.outstanding), (1_500 * T, 1_000 * T));
    let exceeded = || Error::CapacityExceeded { capacity: 1_500 * T, outstanding: 1_000 * T, amount: 500 * T + 1 };
    assert_eq!(m.quote(500 * T + 1, Purpose::ProductiveEnterprise, 365, direct()), Err(exceeded()));
    let n = events();
    assert_eq!(request(&mut m, 500 * T + 1, Purpose::ProductiveEnterprise, direct()), Err(exceeded()));
    assert_eq!((events(), m.last_id(), m.open_loans(id(B)), m.outstanding_of(id(B))), (n, 1, vec![a], 1_000 * T));
    // Exactly up to C(v) is allowed.
    let b = request(&mut m, 500 * T, Purpose::ProductiveEnterprise, direct()).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 1_500 * T);
    assert_eq!(
        request(&mut m, 1, Purpose::ProductiveEnterprise, direct()),
        Err(Error::CapacityExceeded { capacity: 1_500 * T, outstanding: 1_500 * T, amount: 1 })
    );
    // Finishing a request frees its part.
    as_caller(B);
    m.cancel(b).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 1_000 * T);
    books();
}

#[ink::test]
fn outstanding_principal_follows_every_step_of_a_loans_life() {
    let mut m = setup();
    let a = request(&mut m, 1_000 * T, Purpose::CommunityInfrastructure, path3()).unwrap();
    as_caller(B);
    m.disburse(a).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 1_000 * T, "disbursing changes nothing: the amount became principal");
    set_now(1_000 + 73 * D);
    // 12 of interest first, then 100 of principal.
    m.repay(a, 112 * T).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 900 * T);
    // Expiry of a second request frees its amount.
    mock::line(id(C), id(B), 100 * T, 400);
    let b = request(&mut m, 50 * T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 950 * T);
    set_now(1_000 + 73 * D + 7 * D);
    as_caller(X);
    m.expire(b).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 900 * T);
    // Default and settlement: the unpaid principal leaves the borrower's count.
    set_now(1_000 + 455 * D);
    m.mark_overdue(a).unwrap();
    m.declare_default(a).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 900 * T, "a defaulted loan is still owed");
    m.settle(a).unwrap();
    assert_eq!(m.outstanding_of(id(B)), 0);
    // Full repayment closes to zero too. (The defaulted loan's warning stays
    // open for good; this stands in for it being gone, to reuse B.)
    mock::record(AccountId::from([0; 32]), Reputation::WarningCleared, id(B)).unwrap();
    let c = request(&mut m, 10 * T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]).unwrap();
    as_caller(B);
    m.disburse(c).unwrap();
    m.repay(c, 20 * T).unwrap();
    assert_eq!((state(&m, c), m.outstanding_of(id(B))), (LoanState::Closed, 0));
    books();
}

#[ink::test]
fn disburse_rechecks_the_borrowers_capacity_and_changes_nothing_when_it_fell() {
    let mut m = setup();
    let a = request(&mut m, 1_000 * T, Purpose::CommunityInfrastructure, path3()).unwrap();
    // C(v) fell since the request (e.g. TS fell): 900 < 1,000.
    mock::set_capacity(id(B), 900 * T);
    as_caller(B);
    let (n, b0) = (events(), mock::balance(id(B)));
    assert_eq!(m.disburse(a), Err(Error::CapacityExceeded { capacity: 900 * T, outstanding: 0, amount: 1_000 * T }));
    assert_eq!((events(), state(&m, a), mock::hold(a), mock::balance(id(B))), (n, LoanState::Approved, None, b0));
    assert_eq!(m.outstanding_of(id(B)), 1_000 * T);
    mock::set_capacity(id(B), 1_000 * T);
    assert_eq!(m.disburse(a), Ok(()));
    assert_eq!(mock::balance(id(B)), b0 + 1_000 * T);
    books();
}

#[ink::test]
fn request_and_quote_read_the_trust_graph_once() {
    let mut m = setup();
    let r0 = mock::score_reads();
    m.quote(100 * T, Purpose::CreativeProject, 30, path3()).unwrap();
    assert_eq!(mock::score_reads(), r0 + 1, "quote: one score() call for TS, CF and C(v)");
    let a = request(&mut m, 100 * T, Purpose::CreativeProject, path3()).unwrap();
    assert_eq!(mock::score_reads(), r0 + 2, "request: one score() call");
    as_caller(B);
    m.disburse(a).unwrap();
    assert_eq!(mock::score_reads(), r0 + 3, "disburse: one score() call to recheck C(v)");
}

// ---------------------------------------------------------------------------
// Random operation sequences
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Request { amount: u16, hops: u8, auto: bool, purpose: u8, term: u16 },
    /// Creditor `20 + creditor % 4` sets a policy (some out of range) or removes it.
    Policy { creditor: u8, policy: Option<(u8, u16, u16, u16)> },
    /// The loan's creditor approves, or (`by_creditor` false) someone else tries.
    Approve { loan: u8, by_creditor: bool },
    /// The borrower's capacity C(v) changes (in whole tokens).
    Capacity(u16),
    Accept(u8),
    Disburse(u8),
    Repay { loan: u8, amount: u16 },
    Wait(u16),
    Overdue(u8),
    Default(u8),
    Settle(u8),
    Cancel(u8),
    Expire(u8),
    /// The token starts refusing transfers to member `20 + n % 4` (`None`: to nobody).
    Block(Option<u8>),
    /// Member `20 + n % 4` claims its held shares.
    Claim(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u16..600, 1u8..=4, any::<bool>(), 0u8..5, prop_oneof![Just(30u16), Just(90), Just(400), 1u16..=3_651])
            .prop_map(|(amount, hops, auto, purpose, term)| Op::Request { amount, hops, auto, purpose, term }),
        1 => (0u8..4, proptest::option::of((55u8..=102, 0u16..=700, 0u16..=500, 400u16..=900)))
            .prop_map(|(creditor, policy)| Op::Policy { creditor, policy }),
        2 => (0u8..8, any::<bool>()).prop_map(|(loan, by_creditor)| Op::Approve { loan, by_creditor }),
        1 => (0u16..3_000).prop_map(Op::Capacity),
        2 => (0u8..8).prop_map(Op::Accept),
        3 => (0u8..8).prop_map(Op::Disburse),
        3 => ((0u8..8), (1u16..150)).prop_map(|(loan, amount)| Op::Repay { loan, amount }),
        2 => (1u16..400).prop_map(Op::Wait),
        2 => (0u8..8).prop_map(Op::Overdue),
        2 => (0u8..8).prop_map(Op::Default),
        2 => (0u8..8).prop_map(Op::Settle),
        1 => (0u8..8).prop_map(Op::Cancel),
        1 => (0u8..8).prop_map(Op::Expire),
        1 => proptest::option::of(0u8..4).prop_map(Op::Block),
        1 => (0u8..4).prop_map(Op::Claim),
    ]
}

/// A policy as the test sets it, and the test's own reading of its bounds
/// (independent of `ApprovalPolicy::check`).
fn policy_of(p: (u8, u16, u16, u16)) -> ApprovalPolicy {
    ApprovalPolicy { min_score: p.0, max_amount: u128::from(p.1) * T, max_term_days: u32::from(p.2), min_rate_bps: u32::from(p.3) }
}

fn inside(p: &ApprovalPolicy, l: &Loan) -> bool {
    l.score >= u32::from(p.min_score) && l.amount <= p.max_amount && l.term_days <= p.max_term_days && l.rate_bps >= p.min_rate_bps
}

/// Members 20..=24 form a chain 20 → 21 → 22 → 23 → 24 (lines of 2,000 at
/// 5 %); the borrower 24 has TS 0.6; intermediaries hold 5,000 each. No
/// creditor has a policy until an `Op::Policy` sets one.
fn run_sequence(ops: &[Op]) -> Result<(), String> {
    mock::reset();
    test::set_callee::<Env>(lm());
    set_now(1);
    as_caller(DEPLOYER);
    let mut m = LoanManager::new(id(0xA4), id(0xA5), AccountId::from(POOL), AccountId::from(ESCROW));
    m.wire(Wiring { governance: id(GOV) }).unwrap();
    // Short deadlines, so that sequences reach overdue, default and settlement.
    as_caller(GOV);
    m.set_params(LoanParams { default_after_ms: 10 * D, ..LoanParams::default() }).unwrap();
    let chain: Vec<AccountId> = (20..=24).map(id).collect();
    mock::member(id(24), 600_000_000, 500_000_000);
    for g in 20..=23u8 {
        mock::stake(id(g), 3_000 * T);
        mock::line(id(g), id(g + 1), 2_000 * T, 500);
        mock::fund(id(g), AccountId::from(ESCROW), 5_000 * T);
    }
    mock::fund(id(24), lm(), 100_000 * T);
    let supply = mock::supply();
    let mut now = 1u64;
    // The test's own record: each creditor's policy in force, the policy
    // in force at each loan's request, the loans its creditor approved by
    // hand, and the capacity C(24) now.
    let mut policies: BTreeMap<AccountId, ApprovalPolicy> = BTreeMap::new();
    let mut policy_at_request: BTreeMap<u64, Option<ApprovalPolicy>> = BTreeMap::new();
    let mut by_hand: BTreeSet<u64> = BTreeSet::new();
    let mut capacity = 1_000_000 * T;
    for (step, op) in ops.iter().enumerate() {
        let last = m.last_id();
        let pick = |k: u8| if last == 0 { 1 } else { u64::from(k) % last + 1 };
        // Mostly a loan in a state where the operation applies; sometimes any loan.
        let in_state = |k: u8, states: &[LoanState]| {
            let fit: Vec<u64> = (1..=last).filter(|i| states.contains(&m.loan(*i).unwrap().unwrap().loan.state)).collect();
            if fit.is_empty() || k % 5 == 0 { pick(k) } else { fit[usize::from(k) % fit.len()] }
        };
        let before: Vec<_> = (1..=last).map(|i| m.loan(i).unwrap()).collect();
        let outstanding_before = m.outstanding_of(id(24));
        let policies_before: Vec<_> = (20..=23).map(|c| m.approval_policy(id(c))).collect();
        let events_before = events();
        let res: Result<(), Error> = match op {
            Op::Request { amount, hops, auto, purpose, term } => {
                let start = 4 - usize::from(*hops);
                let path = chain[start..].to_vec();
                let holders: Vec<AccountId> = path[1..path.len() - 1].to_vec();
                // From now on these holders lock by policy; others accept by hand (`Accept`).
                for h in holders.iter().filter(|_| *auto) {
                    mock::auto_accept(*h);
                }
                let creditor = path[0];
                as_caller(24);
                let r = m.request(u128::from(*amount) * T, Purpose::ALL[usize::from(*purpose)], desc(), u32::from(*term), path);
                if let Ok(i) = r {
                    policy_at_request.insert(i, policies.get(&creditor).copied());
                }
                r.map(|_| ())
            }
            Op::Policy { creditor, policy } => {
                let c = id(20 + creditor % 4);
                let p = policy.map(policy_of);
                test::set_caller::<Env>(c);
                let r = m.set_approval_policy(p);
                if r.is_ok() {
                    match p {
                        Some(p) => policies.insert(c, p),
                        None => policies.remove(&c),
                    };
                }
                r
            }
            Op::Approve { loan, by_creditor } => {
                let i = in_state(*loan, &[LoanState::Requested]);
                match m.loan(i).unwrap() {
                    Some(v) => {
                        let who = if *by_creditor { v.loan.creditor() } else { v.loan.path[1] };
                        test::set_caller::<Env>(who);
                        let r = m.approve(i);
                        if r.is_ok() {
                            by_hand.insert(i);
                        }
                        r
                    }
                    None => Err(Error::NoSuchLoan),
                }
            }
            Op::Capacity(c) => {
                capacity = u128::from(*c) * T;
                mock::set_capacity(id(24), capacity);
                Ok(())
            }
            Op::Accept(k) => {
                let i = pick(*k);
                if let Some(l) = mock::escrow_loan(i).filter(|l| l.open) {
                    for w in l.warrants.iter().filter(|w| !w.2) {
                        mock::accept(i, w.0);
                    }
                }
                Ok(())
            }
            Op::Disburse(k) => {
                as_caller(24);
                m.disburse(in_state(*k, &[LoanState::Requested, LoanState::Approved]))
            }
            Op::Repay { loan, amount } => {
                as_caller(24);
                m.repay(in_state(*loan, &[LoanState::Active, LoanState::Overdue, LoanState::Defaulted]), u128::from(*amount) * T).map(|_| ())
            }
            Op::Wait(days) => {
                now += u64::from(*days) * D / 8 + 1;
                set_now(now);
                Ok(())
            }
            Op::Overdue(k) => {
                as_caller(X);
                m.mark_overdue(in_state(*k, &[LoanState::Active]))
            }
            Op::Default(k) => {
                as_caller(X);
                m.declare_default(in_state(*k, &[LoanState::Overdue]))
            }
            Op::Settle(k) => {
                as_caller(X);
                m.settle(in_state(*k, &[LoanState::Defaulted]))
            }
            Op::Cancel(k) => {
                as_caller(24);
                m.cancel(pick(*k))
            }
            Op::Expire(k) => {
                as_caller(X);
                m.expire(pick(*k))
            }
            Op::Block(who) => {
                mock::refuse_to(who.map(|n| id(20 + n % 4)));
                Ok(())
            }
            Op::Claim(n) => {
                as_caller(20 + n % 4);
                m.claim().map(|_| ())
            }
        };
        // A refusal changes nothing and says nothing.
        if res.is_err() {
            let after: Vec<_> = (1..=last).map(|i| m.loan(i).unwrap()).collect();
            if after != before || m.last_id() != last {
                return Err(format!("step {step} {op:?} refused ({res:?}) but changed loans"));
            }
            let policies_after: Vec<_> = (20..=23).map(|c| m.approval_policy(id(c))).collect();
            if m.outstanding_of(id(24)) != outstanding_before || policies_after != policies_before {
                return Err(format!("step {step} {op:?} refused ({res:?}) but changed the outstanding principal or a policy"));
            }
            if events() != events_before {
                return Err(format!("step {step} {op:?} refused ({res:?}) but emitted an event"));
            }
        }
        // Capacity bounds routed credit: a request or disbursement that went
        // through leaves the outstanding principal within C(v) now.
        if res.is_ok() && matches!(op, Op::Request { .. } | Op::Disburse(_)) && m.outstanding_of(id(24)) > capacity {
            return Err(format!("step {step} {op:?}: outstanding {} above capacity {capacity}", m.outstanding_of(id(24))));
        }
        // The stored outstanding principal is the sum over unfinished loans.
        let mut owed = 0u128;
        for i in 1..=m.last_id() {
            let l = m.loan(i).unwrap().unwrap().loan;
            owed += match l.state {
                LoanState::Requested | LoanState::Approved => l.amount,
                LoanState::Active | LoanState::Overdue | LoanState::Defaulted => l.principal,
                _ => 0,
            };
        }
        if m.outstanding_of(id(24)) != owed {
            return Err(format!("step {step} {op:?}: outstanding {} ≠ Σ unfinished loans {owed}", m.outstanding_of(id(24))));
        }
        // Consent: no loan is approved without its creditor's approve or a
        // policy, in force at the request, that it meets in full.
        for i in 1..=m.last_id() {
            let l = m.loan(i).unwrap().unwrap().loan;
            let reached_approved = l.creditor_approved
                || matches!(
                    l.state,
                    LoanState::Approved | LoanState::Active | LoanState::Overdue | LoanState::Defaulted | LoanState::Settled | LoanState::Repaid | LoanState::Closed
                );
            let consent = by_hand.contains(&i) || policy_at_request.get(&i).copied().flatten().is_some_and(|p| inside(&p, &l));
            if reached_approved && !consent {
                return Err(format!("step {step} {op:?}: loan {i} ({:?}) approved without the creditor's consent", l.state));
            }
        }
        mock::books_ok().map_err(|e| format!("step {step} {op:?}: {e}"))?;
        // Shares the token refused are held to the unit, and nothing else is.
        let held: u128 = (20..=23).map(|c| m.claimable(id(c))).sum();
        if held != m.claimable_total() || mock::balance(lm()) != held {
            return Err(format!("step {step} {op:?}: held {held}, total {}, balance {}", m.claimable_total(), mock::balance(lm())));
        }
        if mock::supply() != supply {
            return Err(format!("step {step} {op:?}: supply changed"));
        }
        // Every active loan's principal is held in the pool; finished loans hold nothing.
        for i in 1..=m.last_id() {
            let v = m.loan(i).unwrap().unwrap();
            let held = mock::hold(i).unwrap_or(0);
            let expect = match v.loan.state {
                LoanState::Active | LoanState::Overdue | LoanState::Defaulted => v.loan.principal,
                _ => 0,
            };
            if held != expect {
                return Err(format!("step {step} {op:?}: loan {i} {:?} principal {} but pool holds {held}", v.loan.state, v.loan.principal));
            }
            if v.loan.principal > v.loan.amount {
                return Err(format!("loan {i}: principal above amount"));
            }
        }
    }
    // Repayment is always possible — whoever the token refuses — and every
    // loan still owing can be paid off in full.
    for i in 1..=m.last_id() {
        let v = m.loan(i).unwrap().unwrap();
        if matches!(v.loan.state, LoanState::Active | LoanState::Overdue | LoanState::Defaulted) {
            as_caller(24);
            let paid = m.repay(i, v.owed).map_err(|e| format!("final repay of {i}: {e:?}"))?;
            if paid != v.owed || state(&m, i) != LoanState::Closed {
                return Err(format!("loan {i} did not close"));
            }
        }
    }
    mock::books_ok()?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// Random sequences of requests (any purpose and term), creditors'
    /// approval policies (valid, out of range, removed), approvals by the
    /// creditor and by others, capacity changes, acceptances,
    /// disbursements, repayments, waits, overdue, default, settlement,
    /// cancel and expiry: after every step the pool holds exactly its
    /// unlent stake + insurance + treasury, the escrow exactly its locked
    /// warrants, no token is created or lost, a refused operation changes
    /// no loan, policy or outstanding principal and emits no event, every
    /// open loan's principal is what the pool holds for it, **no loan
    /// reaches Approved without its creditor's `approve` or a policy it
    /// fully met at its request**, **the outstanding routed principal
    /// never exceeds C(v) after a request or disbursement**, and at the
    /// end every loan still owing can be repaid in full.
    #[test]
    fn random_sequences_keep_every_balance(ops in proptest::collection::vec(op(), 1..50)) {
        let mut outcome = Err(String::from("not run"));
        test::run_test::<Env, _>(|_| {
            outcome = run_sequence(&ops);
            Ok(())
        })
        .unwrap();
        if let Err(e) = outcome {
            prop_assert!(false, "{e}");
        }
    }
}

/// Amounts at their edges: 1 unit borrows and repays to the unit; the largest
/// amount is refused by the path's capacity; a repayment of u128::MAX takes
/// only what is owed; the term at 3,650 days and one past.
#[ink::test]
fn amounts_and_terms_at_their_boundaries() {
    let mut m = setup();
    assert_eq!(
        request(&mut m, u128::MAX, Purpose::ProductiveEnterprise, path3()),
        Err(Error::InsufficientCapacity { available: 1_000 * T, requested: u128::MAX })
    );
    as_caller(B);
    assert_eq!(m.request(1, Purpose::ProductiveEnterprise, desc(), MAX_TERM_DAYS + 1, path3()), Err(Error::BadTerm { max: MAX_TERM_DAYS }));
    let id1 = m.request(1, Purpose::ProductiveEnterprise, desc(), MAX_TERM_DAYS, path3()).unwrap();
    assert_eq!(m.disburse(id1), Ok(()));
    set_now(1_000 + 400 * D);
    // 1 unit at 6 % for 400 days rounds up to 1 unit of interest.
    assert_eq!(m.loan(id1).unwrap().unwrap().owed, 2);
    let b0 = mock::balance(id(B));
    assert_eq!(m.repay(id1, u128::MAX), Ok(2), "takes only what is owed");
    assert_eq!(mock::balance(id(B)), b0 - 2);
    assert_eq!(state(&m, id1), LoanState::Closed);
    books();
}

/// SPEC §2 (v2), stated directly: while a warning is open the borrower may
/// not request a term loan; a loan's warning is cleared by the loan manager
/// (its source) when that loan is repaid in full, not before; a repayment
/// that pays less than the interest due and less than a day's worth of
/// principal earns no reputation.
#[ink::test]
fn an_open_warning_blocks_requests_until_its_own_loan_is_repaid() {
    let (mut m, id1) = active();
    let due = m.loan(id1).unwrap().unwrap().loan.due_at;
    set_now(due);
    as_caller(X);
    m.mark_overdue(id1).unwrap();
    assert_eq!(mock::records(), vec![(Reputation::Warning, id(B))]);
    mock::line(id(C), id(B), 100 * T, 400);
    let before = (m.outstanding_of(id(B)), events());
    assert_eq!(request(&mut m, 10 * T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]), Err(Error::OpenWarning { open: 1 }));
    assert_eq!((m.outstanding_of(id(B)), events()), before, "refused: nothing changed");
    // A dust repayment: less than the interest due — no reputation, no clearing.
    as_caller(B);
    assert!(m.loan(id1).unwrap().unwrap().interest_now > 1);
    m.repay(id1, 1).unwrap();
    assert_eq!(mock::records(), vec![(Reputation::Warning, id(B))]);
    // Repaid in full: the loan manager clears its own warning and the
    // repayment counts; the borrower may borrow again.
    let owed = m.loan(id1).unwrap().unwrap().owed;
    m.repay(id1, owed).unwrap();
    assert_eq!(state(&m, id1), LoanState::Closed);
    assert_eq!(mock::records(), vec![(Reputation::Warning, id(B)), (Reputation::WarningCleared, id(B)), (Reputation::Repayment, id(B))]);
    let later = request(&mut m, 10 * T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]).unwrap();
    // A warning raised after a request stops its disbursement too.
    mock::record(AccountId::from([0; 32]), Reputation::Warning, id(B)).unwrap();
    as_caller(C);
    let _ = m.approve(later);
    as_caller(B);
    let n = events();
    assert_eq!(m.disburse(later), Err(Error::OpenWarning { open: 1 }));
    assert_eq!((events(), state(&m, later) != LoanState::Active), (n, true), "refused: nothing changed");
}

/// SPEC §2 (v2): no loan is granted on a provisional score — one that an
/// anchoring change not yet synced through the graph still inflates (a
/// truster whose stake went keeps counting until its edges are synced).
/// The refusal names the member to refresh; once refreshed, all goes on.
#[ink::test]
fn a_provisional_score_grants_no_loan() {
    let (mut m, _) = active();
    mock::line(id(C), id(B), 100 * T, 400);
    let truster = AccountId::from([0x5A; 32]);
    mock::set_stale(id(B), Some(truster));
    let before = (m.outstanding_of(id(B)), events());
    assert_eq!(
        request(&mut m, 10 * T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]),
        Err(Error::ScoreProvisional { member: truster })
    );
    assert_eq!((m.outstanding_of(id(B)), events()), before, "refused: nothing changed");
    mock::set_stale(id(B), None);
    let later = request(&mut m, 10 * T, Purpose::ProductiveEnterprise, vec![id(C), id(B)]).unwrap();
    as_caller(C);
    let _ = m.approve(later);
    mock::set_stale(id(B), Some(truster));
    as_caller(B);
    let n = events();
    assert_eq!(m.disburse(later), Err(Error::ScoreProvisional { member: truster }));
    assert_eq!(events(), n);
    mock::set_stale(id(B), None);
    assert_eq!(m.disburse(later), Ok(()));
}
