//! The pool accounting: seed 004's examples exactly, interest across the
//! grace boundary, the repayment waterfall, a default insurance co-insures
//! only partly, and random operation sequences with the invariants after
//! every step — among them the SPEC v2 rules stated directly, on what the
//! sequence observes (not through the functions that implement them): a
//! grantor never recovers more than COVER_SHARE of a loss from insurance,
//! nothing on a line never drawn while old enough, one default takes at most
//! COVER_MAX_RESERVE_SHARE of the reserve, and a line in continuous use never
//! goes more than one grace period without interest. Also MAX_CREDIT as one
//! cap over draws and term loans, a reservation released only from the line
//! it was made on (review L1), and a term loan's loss borne warrants first,
//! then co-insurance, then the creditor ([`loan_cover`]). Term loans over
//! random sequences are in the suite model ([`crate::world`]) and the
//! `credit_pool` contract's tests.

use super::model::{Acc, Pool};
use super::*;
use crate::ONE_TOKEN as T;
use proptest::prelude::*;
use std::collections::BTreeMap;

const D: Timestamp = DAY_MS;

fn params() -> PoolParams {
    PoolParams {
        lockout_ms: 90 * D,
        max_credit: 10_000 * T,
        grace_ms: 30 * D,
        fee_bps: 1_000,
        insurance_bps: 500,
        overdue_ms: 60 * D,
        default_ms: 180 * D,
        cover_min_age_ms: 90 * D,
        cover_share_bps: 5_000,
        cover_max_reserve_share_bps: 1_000,
        min_line: 10 * T,
    }
}

const ALICE: Acc = 1;
const BOB: Acc = 2;
const EVE: Acc = 3;
const CAROL: Acc = 4;

fn pool() -> Pool {
    Pool::new(params(), &[ALICE, BOB, EVE, CAROL], 1_000_000 * T)
}

#[test]
fn seed_004_limits_alice_200_bob_100_eve_100() {
    let mut p = pool();
    p.stake(ALICE, 100 * T, 0).unwrap();
    p.extend(ALICE, BOB, 50 * T, 500, 0).unwrap();
    p.extend(ALICE, EVE, 50 * T, 500, 0).unwrap();
    p.stake(BOB, 200 * T, 0).unwrap();
    p.extend(BOB, ALICE, 150 * T, 500, 0).unwrap();
    p.extend(BOB, EVE, 50 * T, 500, 0).unwrap();
    p.stake(EVE, 100 * T, 0).unwrap();
    p.extend(EVE, ALICE, 50 * T, 500, 0).unwrap();
    p.extend(EVE, BOB, 50 * T, 500, 0).unwrap();
    assert_eq!(p.credit_limit(ALICE), 200 * T);
    assert_eq!(p.credit_limit(BOB), 100 * T);
    assert_eq!(p.credit_limit(EVE), 100 * T);
    // Σ limits ≤ points: Alice cannot give away a 101st token.
    assert_eq!(p.extend(ALICE, CAROL, 1, 500, 0), Err(PoolError::InsufficientStake { available: 0, requested: 1 }));
    p.check_invariants().unwrap();
}

#[test]
fn seed_004_granted_20000_may_use_10000() {
    let mut p = pool();
    p.stake(ALICE, 12_000 * T, 0).unwrap();
    p.stake(BOB, 8_000 * T, 0).unwrap();
    p.extend(ALICE, CAROL, 12_000 * T, 300, 0).unwrap();
    p.extend(BOB, CAROL, 8_000 * T, 400, 0).unwrap();
    assert_eq!(p.credit_limit(CAROL), 10_000 * T);
    assert_eq!(p.draw(CAROL, 10_000 * T + 1, 0), Err(PoolError::AboveMaxCredit { owed: 0, max_credit: 10_000 * T }));
    p.draw(CAROL, 10_000 * T, 0).unwrap();
    // Lowest rate first: all 10,000 from Alice's 3 % line.
    assert_eq!(p.lines[&(ALICE, CAROL)].principal, 10_000 * T);
    assert_eq!(p.lines[&(BOB, CAROL)].principal, 0);
    p.check_invariants().unwrap();
}

#[test]
fn seed_004_alice_must_wait_the_lockout_to_take_a_line_back() {
    let mut p = pool();
    let t0 = 5 * D;
    p.stake(ALICE, 100 * T, t0).unwrap();
    p.extend(ALICE, BOB, 50 * T, 500, t0).unwrap();
    let end = t0 + 90 * D;
    assert_eq!(p.extend(ALICE, BOB, 0, 500, end - 1), Err(PoolError::LockedUntil { until: end }));
    assert_eq!(p.unstake(ALICE, 50 * T, end - 1), Err(PoolError::LockedUntil { until: end }));
    assert_eq!(p.lines[&(ALICE, BOB)].limit, 50 * T);
    p.extend(ALICE, BOB, 0, 500, end).unwrap();
    assert!(!p.lines.contains_key(&(ALICE, BOB)));
    p.unstake(ALICE, 100 * T, end).unwrap();
    p.check_invariants().unwrap();
}

#[test]
fn line_cannot_go_below_drawn_or_change_rate_while_drawn() {
    let mut p = pool();
    p.stake(ALICE, 100 * T, 0).unwrap();
    p.extend(ALICE, BOB, 50 * T, 500, 0).unwrap();
    p.draw(BOB, 30 * T, 0).unwrap();
    assert_eq!(p.extend(ALICE, BOB, 29 * T, 500, 100 * D), Err(PoolError::BelowDrawn { drawn: 30 * T }));
    assert_eq!(p.extend(ALICE, BOB, 60 * T, 700, 100 * D), Err(PoolError::RateChangeWhileDrawn));
    // Raising is free at any time, and restarts the line's lock-out.
    p.extend(ALICE, BOB, 60 * T, 500, 100 * D).unwrap();
    assert_eq!(p.lines[&(ALICE, BOB)].locked_until, 190 * D);
    p.check_invariants().unwrap();
}

#[test]
fn interest_starts_after_the_grace_period_daily() {
    let mut p = pool();
    p.stake(ALICE, 10_000 * T, 0).unwrap();
    p.extend(ALICE, BOB, 3_650 * T, 1_000, 0).unwrap(); // 10 % a year
    p.draw(BOB, 3_650 * T, 0).unwrap();
    // Within the grace: nothing.
    assert_eq!(p.owed(BOB, 30 * D - 1).unwrap(), 3_650 * T);
    assert_eq!(p.owed(BOB, 30 * D).unwrap(), 3_650 * T);
    // One day after the grace: 3,650 · 10 % / 365 = 1 token.
    assert_eq!(p.owed(BOB, 31 * D - 1).unwrap(), 3_650 * T);
    assert_eq!(p.owed(BOB, 31 * D).unwrap(), 3_651 * T);
    assert_eq!(p.owed(BOB, 40 * D).unwrap(), 3_660 * T);
    p.check_invariants().unwrap();
}

#[test]
fn repay_pays_interest_then_principal_highest_rate_first_with_fee_and_insurance() {
    let mut p = pool();
    p.stake(ALICE, 10_000 * T, 0).unwrap();
    p.stake(EVE, 10_000 * T, 0).unwrap();
    p.extend(ALICE, BOB, 3_650 * T, 1_000, 0).unwrap(); // 10 %
    p.extend(EVE, BOB, 3_650 * T, 2_000, 0).unwrap(); // 20 %
    p.draw(BOB, 7_300 * T, 0).unwrap();
    // 10 days past the grace: Alice's line 10 tokens, Eve's 20 tokens.
    let now = 40 * D;
    assert_eq!(p.owed(BOB, now).unwrap(), 7_330 * T);
    // Pay 25: Eve's 20 interest first (higher rate), then 5 of Alice's interest.
    let (a0, e0) = (p.grantors[&ALICE].stake, p.grantors[&EVE].stake);
    assert_eq!(p.repay(BOB, 25 * T, now).unwrap(), 25 * T);
    assert_eq!(p.lines[&(EVE, BOB)].interest, 0);
    assert_eq!(p.lines[&(ALICE, BOB)].interest, 5 * T);
    assert_eq!(p.treasury, 2_500_000);
    assert_eq!(p.insurance, 1_250_000);
    assert_eq!(p.grantors[&EVE].stake - e0, 17 * T);
    assert_eq!(p.grantors[&ALICE].stake - a0, 4_250_000);
    // Pay 3,655 more: 5 interest, then Eve's principal (20 %) in full.
    p.repay(BOB, 3_655 * T, now).unwrap();
    assert_eq!(p.lines[&(EVE, BOB)].principal, 0);
    assert_eq!(p.lines[&(ALICE, BOB)].principal, 3_650 * T);
    // Overpaying takes only what is owed.
    assert_eq!(p.repay(BOB, 1_000_000 * T, now).unwrap(), 3_650 * T);
    assert_eq!(p.repay(BOB, 1, now), Err(PoolError::NothingOwed));
    p.check_invariants().unwrap();
}

/// SPEC v2 co-insurance (this test's v1 form had insurance pay 100 % of
/// each loss, up to the whole reserve): Bob draws on lines 90 days old, so
/// his principal is insured; at his default each grantor's cover is at most
/// half its loss and the whole default takes at most 10 % of the reserve,
/// shared pro rata (3/4 to Alice, 1/4 to Eve), rounded down.
#[test]
fn default_is_co_insured_within_cover_share_and_reserve_share_and_written_off_pro_rata() {
    let mut p = pool();
    p.stake(ALICE, 1_000 * T, 0).unwrap();
    p.stake(EVE, 1_000 * T, 0).unwrap();
    p.extend(ALICE, BOB, 300 * T, 1_000, 0).unwrap();
    p.extend(EVE, BOB, 100 * T, 1_000, 0).unwrap();
    p.extend(ALICE, CAROL, 1_000 * T - 300 * T, 1_000, 0).unwrap();
    // Carol borrows and pays a year of interest, filling the insurance reserve a little.
    p.draw(CAROL, 700 * T, 0).unwrap();
    p.repay(CAROL, 700 * T + 80 * T, 30 * D + 365 * D).unwrap();
    let reserve = p.insurance;
    assert_eq!(reserve, 3_500_000, "5 % of 70 tokens of interest");
    // Bob draws once his lines are COVER_MIN_AGE old, and never pays.
    let t0 = 400 * D;
    p.draw(BOB, 400 * T, t0).unwrap();
    assert_eq!((p.lines[&(ALICE, BOB)].insured, p.lines[&(EVE, BOB)].insured), (300 * T, 100 * T));
    let since = p.unpaid_since(BOB, t0 + 40 * D).unwrap();
    assert_eq!(since, t0 + 31 * D);
    assert_eq!(p.declare_default(BOB, since + 180 * D - 1), Err(PoolError::NotDue { since }));
    let (a0, e0) = (p.grantors[&ALICE].stake, p.grantors[&EVE].stake);
    let written_off = p.declare_default(BOB, since + 180 * D).unwrap();
    // Caps 150 and 50 (half of each loss); the pot is 10 % of the reserve.
    let pot = reserve / 10;
    let (ca, ce) = (150 * T * pot / (200 * T), 50 * T * pot / (200 * T));
    assert_eq!((ca, ce), (262_500, 87_500));
    assert_eq!(a0 - p.grantors[&ALICE].stake, 300 * T - ca);
    assert_eq!(e0 - p.grantors[&EVE].stake, 100 * T - ce);
    assert_eq!(written_off, 400 * T - ca - ce);
    assert_eq!(p.insurance, reserve - ca - ce);
    assert!(!p.lines.contains_key(&(ALICE, BOB)));
    p.check_invariants().unwrap();
}

/// A large reserve: each grantor gets exactly COVER_SHARE of its insured
/// loss; a line drawn while younger than COVER_MIN_AGE (Eve's, raised 30
/// days before the draw) gets nothing.
#[test]
fn a_line_drawn_before_it_is_cover_min_age_old_is_not_insured() {
    let mut p = pool();
    p.insurance = 100_000 * T;
    p.tokens = 100_000 * T;
    p.supply += 100_000 * T;
    p.stake(ALICE, 1_000 * T, 0).unwrap();
    p.stake(EVE, 1_000 * T, 0).unwrap();
    p.extend(ALICE, BOB, 300 * T, 1_000, 0).unwrap();
    p.extend(EVE, BOB, 50 * T, 1_000, 0).unwrap();
    // Eve raises her line at day 70: its cover age restarts.
    p.extend(EVE, BOB, 200 * T, 1_000, 70 * D).unwrap();
    p.draw(BOB, 500 * T, 100 * D).unwrap();
    assert_eq!((p.lines[&(ALICE, BOB)].insured, p.lines[&(EVE, BOB)].insured), (300 * T, 0));
    let (a0, e0) = (p.grantors[&ALICE].stake, p.grantors[&EVE].stake);
    p.declare_default(BOB, 100 * D + 31 * D + 180 * D).unwrap();
    assert_eq!(a0 - p.grantors[&ALICE].stake, 150 * T, "half of Alice's 300 covered");
    assert_eq!(e0 - p.grantors[&EVE].stake, 200 * T, "nothing of Eve's young line");
    assert_eq!(p.insurance, 100_000 * T - 150 * T);
    p.check_invariants().unwrap();
}

/// Repayments reduce the uninsured part first: a young draw repaid leaves
/// the old one insured; a raise keeps what was insured before it.
#[test]
fn repayments_reduce_the_uninsured_part_first() {
    let mut p = pool();
    p.stake(ALICE, 1_000 * T, 0).unwrap();
    p.extend(ALICE, BOB, 100 * T, 1_000, 0).unwrap();
    p.draw(BOB, 60 * T, 90 * D).unwrap();
    p.extend(ALICE, BOB, 200 * T, 1_000, 95 * D).unwrap();
    p.draw(BOB, 100 * T, 100 * D).unwrap();
    assert_eq!((p.lines[&(ALICE, BOB)].principal, p.lines[&(ALICE, BOB)].insured), (160 * T, 60 * T));
    p.repay(BOB, 100 * T, 100 * D).unwrap();
    assert_eq!((p.lines[&(ALICE, BOB)].principal, p.lines[&(ALICE, BOB)].insured), (60 * T, 60 * T));
    p.repay(BOB, 30 * T, 100 * D).unwrap();
    assert_eq!(p.lines[&(ALICE, BOB)].insured, 30 * T);
    p.check_invariants().unwrap();
}

/// One grace per window (SPEC v2): a draw on a line emptied less than a
/// grace period ago pays interest from the draw; one emptied a full grace
/// period ago starts a new grace.
#[test]
fn a_line_emptied_less_than_a_grace_ago_pays_interest_from_the_redraw() {
    let mut p = pool();
    p.stake(ALICE, 10_000 * T, 0).unwrap();
    p.extend(ALICE, BOB, 3_650 * T, 1_000, 0).unwrap(); // 1 token a day
    p.draw(BOB, 3_650 * T, 0).unwrap();
    p.repay(BOB, 3_650 * T, 25 * D).unwrap();
    p.draw(BOB, 3_650 * T, 25 * D).unwrap();
    assert_eq!(p.owed(BOB, 25 * D + 10 * D).unwrap(), 3_660 * T, "ten days of interest");
    p.repay(BOB, 3_660 * T, 35 * D).unwrap();
    // Empty for 29 days 23 hours: still no new grace.
    p.draw(BOB, 3_650 * T, 65 * D - 3_600_000).unwrap();
    assert_eq!(p.owed(BOB, 66 * D - 3_600_000).unwrap(), 3_651 * T);
    p.repay(BOB, 3_651 * T, 66 * D).unwrap();
    // Empty for the whole grace period: a new grace.
    p.draw(BOB, 3_650 * T, 96 * D).unwrap();
    assert_eq!(p.owed(BOB, 126 * D).unwrap(), 3_650 * T);
    assert_eq!(p.owed(BOB, 127 * D).unwrap(), 3_651 * T);
    p.check_invariants().unwrap();
}

/// `draw(amount, max_rate_bps)` (SPEC v2): refused whole if any part would
/// be lent above the bound, nothing changed.
#[test]
fn a_draw_above_the_borrowers_max_rate_is_refused_and_changes_nothing() {
    let mut p = pool();
    p.stake(ALICE, 1_000 * T, 0).unwrap();
    p.stake(EVE, 1_000 * T, 0).unwrap();
    p.extend(ALICE, BOB, 100 * T, 300, 0).unwrap();
    p.extend(EVE, BOB, 100 * T, 700, 0).unwrap();
    p.draw_at_most(BOB, 100 * T, 300, 0).unwrap();
    let before = format!("{p:?}");
    assert_eq!(p.draw_at_most(BOB, 10 * T, 699, 0), Err(PoolError::RateAboveMax { rate_bps: 700, max_rate_bps: 699 }));
    assert_eq!(format!("{p:?}"), before);
    p.draw_at_most(BOB, 10 * T, 700, 0).unwrap();
    p.check_invariants().unwrap();
}

/// MIN_LINE (SPEC v2): a new or lowered non-zero line below it is refused;
/// closing (0) is not.
#[test]
fn lines_below_min_line_are_refused_but_closing_is_not() {
    let mut p = pool();
    p.stake(ALICE, 1_000 * T, 0).unwrap();
    assert_eq!(p.extend(ALICE, BOB, 10 * T - 1, 500, 0), Err(PoolError::BelowMinLine { min: 10 * T }));
    p.extend(ALICE, BOB, 20 * T, 500, 0).unwrap();
    assert_eq!(p.extend(ALICE, BOB, 9 * T, 500, 90 * D), Err(PoolError::BelowMinLine { min: 10 * T }));
    p.extend(ALICE, BOB, 10 * T, 500, 90 * D).unwrap();
    p.extend(ALICE, BOB, 0, 500, 90 * D).unwrap();
    assert!(p.lines.is_empty());
    p.check_invariants().unwrap();
}

#[derive(Clone, Debug)]
enum Op {
    Stake(Acc, u64),
    Extend(Acc, Acc, u64, u16),
    Draw(Acc, u64),
    Repay(Acc, u64),
    Advance(u32),
    Default(Acc),
    Unstake(Acc, u64),
    Decline(Acc, Acc),
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
        acc.clone().prop_map(Op::Default),
        (acc.clone(), 1u64..5_000).prop_map(|(g, x)| Op::Unstake(g, x)),
        (acc.clone(), acc).prop_map(|(b, g)| Op::Decline(b, g)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    /// After every step of a random sequence: the pool holds exactly the
    /// unlent stake + insurance + treasury, no money is created or lost,
    /// every grantor's lent/allocated match its lines, nobody owes more
    /// principal than their limit or MAX_CREDIT, and nothing panics.
    #[test]
    fn random_sequences_keep_the_books(
        lines in proptest::collection::vec((1u8..=5, 1u8..=5, 1u64..1_500, 0u16..3_000), 3..10),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let mut p = Pool::new(params(), &[1, 2, 3, 4, 5], 50_000 * T);
        let mut now: Timestamp = 0;
        // A community to start from: everyone stakes, some lines exist.
        for a in 1..=5 {
            p.stake(a, 5_000 * T, 0).unwrap();
        }
        for (g, b, x, r) in lines {
            if g != b {
                let _ = p.extend(g, b, u128::from(x) * T, u32::from(r), 0);
            }
        }
        for o in ops {
            let _ = match o {
                Op::Stake(a, x) => p.stake(a, u128::from(x) * T, now).map(|_| 0),
                Op::Extend(g, b, x, r) if g != b => p.extend(g, b, u128::from(x) * T, u32::from(r), now).map(|_| 0),
                Op::Extend(..) => Ok(0),
                Op::Draw(b, x) => {
                    let before = p.principal_of(b);
                    let r = p.draw(b, u128::from(x) * T, now).map(|_| 0);
                    prop_assert!(p.principal_of(b) <= p.credit_limit(b).max(before));
                    r
                }
                Op::Repay(b, x) => p.repay(b, u128::from(x) * T, now),
                Op::Advance(hours) => { now += u64::from(hours) * 3_600_000; Ok(0) }
                Op::Default(b) => p.declare_default(b, now),
                Op::Unstake(g, x) => p.unstake(g, u128::from(x) * T, now).map(|_| 0),
                Op::Decline(b, g) => p.decline(b, g).map(|_| 0),
            };
            if let Err(e) = p.check_invariants() {
                prop_assert!(false, "{e}");
            }
        }
        // Repayment is always possible: each borrower can pay all it owes.
        let borrowers: Vec<Acc> = p.lines.keys().map(|k| k.1).collect();
        for b in borrowers {
            let owed = p.owed(b, now).unwrap();
            if owed > 0 && p.wallets[&b] >= owed {
                prop_assert_eq!(p.repay(b, owed, now), Ok(owed));
                prop_assert_eq!(p.principal_of(b), 0);
            }
        }
        if let Err(e) = p.check_invariants() {
            prop_assert!(false, "{e}");
        }
    }
}

/// Issue 18, hazard 1: with an 18-decimal stablecoin the amounts and their
/// ranges are the same whole tokens, to the unit; the six-decimal numbers
/// are a millionth of a millionth of a token there and are refused.
#[test]
fn amounts_and_ranges_scale_with_the_stablecoins_unit() {
    let e18 = crate::units::unit_of(18).unwrap();
    let p = PoolParams::defaults_for(e18).unwrap();
    assert_eq!((p.max_credit, p.min_line), (10_000 * e18, 10 * e18));
    assert_eq!(PoolParams { max_credit: 0, min_line: 0, ..p }, PoolParams { max_credit: 0, min_line: 0, ..PoolParams::default() }, "only the amounts change");
    assert_eq!(PoolParams::defaults_for(T), Some(PoolParams::default()));
    assert_eq!(p.invalid_for(e18), None);
    assert_eq!(PoolParams { max_credit: 2_000 * e18, ..p }.invalid_for(e18), None);
    assert_eq!(PoolParams { max_credit: 2_000 * e18 - 1, ..p }.invalid_for(e18), Some("max_credit"));
    assert_eq!(PoolParams { max_credit: 10_000 * e18 + 1, ..p }.invalid_for(e18), Some("max_credit"));
    assert_eq!(PoolParams { min_line: e18 - 1, ..p }.invalid_for(e18), Some("min_line"));
    assert_eq!(PoolParams { min_line: 1_000 * e18, ..p }.invalid_for(e18), None);
    assert_eq!(PoolParams::default().invalid_for(e18), Some("max_credit"), "10,000 six-decimal tokens are 10^-8 of an 18-decimal token");
    assert_eq!(p.invalid(), Some("max_credit"), "and the other way round");
    // Governance, before a vote, knows no unit: amounts valid in some unit
    // pass, nonsense in every unit is refused, a unit-free error is named.
    assert_eq!(p.invalid_for_any_unit(), None);
    assert_eq!(PoolParams::default().invalid_for_any_unit(), None);
    assert_eq!(PoolParams { max_credit: 1, ..p }.invalid_for_any_unit(), Some("max_credit"));
    assert_eq!(PoolParams { grace_ms: 91 * D, ..p }.invalid_for_any_unit(), Some("grace_ms"));
    assert_eq!(PoolParams { grace_ms: 91 * D, max_credit: 1, ..p }.invalid_for_any_unit(), Some("grace_ms"), "the unit-free error first");
    assert_eq!(PoolParams::defaults_for(u128::MAX), None);
    assert_eq!(p.invalid_for(u128::MAX), Some("max_credit"), "an unrepresentable unit accepts nothing");
}

#[test]
fn defaults_are_the_spec_values_and_ranges_are_enforced_at_their_edges() {
    assert_eq!(PoolParams::default(), params());
    assert_eq!(params().invalid(), None);
    let with = |f: fn(&mut PoolParams)| {
        let mut p = params();
        f(&mut p);
        p.invalid()
    };
    assert_eq!(with(|p| p.lockout_ms = 90 * D), None);
    assert_eq!(with(|p| p.lockout_ms = 90 * D - 1), Some("lockout_ms"));
    assert_eq!(with(|p| p.lockout_ms = 180 * D), None);
    assert_eq!(with(|p| p.lockout_ms = 180 * D + 1), Some("lockout_ms"));
    assert_eq!(with(|p| p.max_credit = 2_000 * T), None);
    assert_eq!(with(|p| p.max_credit = 2_000 * T - 1), Some("max_credit"));
    assert_eq!(with(|p| p.max_credit = 10_000 * T + 1), Some("max_credit"));
    assert_eq!(with(|p| p.grace_ms = 90 * D), None);
    assert_eq!(with(|p| p.grace_ms = 90 * D + 1), Some("grace_ms"));
    assert_eq!(with(|p| p.fee_bps = 2_500), None);
    assert_eq!(with(|p| p.fee_bps = 2_501), Some("fee_bps"));
    assert_eq!(with(|p| p.insurance_bps = 2_501), Some("insurance_bps"));
    assert_eq!(with(|p| p.overdue_ms = D - 1), Some("overdue_ms"));
    assert_eq!(with(|p| p.overdue_ms = 365 * D + 1), Some("overdue_ms"));
    assert_eq!(with(|p| p.default_ms = 60 * D), Some("default_ms"));
    assert_eq!(with(|p| p.default_ms = 730 * D), None);
    assert_eq!(with(|p| p.default_ms = 730 * D + 1), Some("default_ms"));
    assert_eq!(with(|p| p.cover_min_age_ms = 30 * D), None);
    assert_eq!(with(|p| p.cover_min_age_ms = 30 * D - 1), Some("cover_min_age_ms"));
    assert_eq!(with(|p| p.cover_min_age_ms = 365 * D), None);
    assert_eq!(with(|p| p.cover_min_age_ms = 365 * D + 1), Some("cover_min_age_ms"));
    assert_eq!(with(|p| p.cover_share_bps = 0), None);
    assert_eq!(with(|p| p.cover_share_bps = 5_001), Some("cover_share_bps"));
    assert_eq!(with(|p| p.cover_max_reserve_share_bps = 2_500), None);
    assert_eq!(with(|p| p.cover_max_reserve_share_bps = 2_501), Some("cover_max_reserve_share_bps"));
    assert_eq!(with(|p| p.min_line = T), None);
    assert_eq!(with(|p| p.min_line = T - 1), Some("min_line"));
    assert_eq!(with(|p| p.min_line = 1_000 * T), None);
    assert_eq!(with(|p| p.min_line = 1_000 * T + 1), Some("min_line"));
}

/// MAX_CREDIT is one per-person cap (SPEC §3, v2): draws and term-loan
/// principal together; a zero amount is refused first.
#[test]
fn max_credit_caps_draws_and_term_loans_together() {
    assert_eq!(ensure_max_credit(0, 0, 10 * T), Err(PoolError::ZeroAmount));
    assert_eq!(ensure_max_credit(4 * T, 6 * T, 10 * T), Ok(()));
    assert_eq!(ensure_max_credit(4 * T, 6 * T + 1, 10 * T), Err(PoolError::AboveMaxCredit { owed: 4 * T, max_credit: 10 * T }));
    assert_eq!(ensure_max_credit(u128::MAX, 1, 10 * T), Err(PoolError::AboveMaxCredit { owed: u128::MAX, max_credit: 10 * T }), "no overflow");
    // limit 8, drawn 3 → 5 by the lines; owes 3 + 4 in term loans → 3 by the cap
    assert_eq!(draw_room(8 * T, 3 * T, 7 * T, 10 * T), 3 * T);
    assert_eq!(draw_room(8 * T, 3 * T, 3 * T, 10 * T), 5 * T);
    assert_eq!(draw_room(8 * T, 3 * T, 12 * T, 10 * T), 0, "owing past a lowered MAX_CREDIT leaves nothing");

    // In the model: Carol owes 6,000 on a term loan; 4,000 of draws are left.
    let mut p = pool();
    p.stake(ALICE, 12_000 * T, 0).unwrap();
    p.extend(ALICE, CAROL, 12_000 * T, 300, 0).unwrap();
    p.loan_debt.insert(CAROL, 6_000 * T);
    assert_eq!(p.draw(CAROL, 4_000 * T + 1, 0), Err(PoolError::AboveMaxCredit { owed: 6_000 * T, max_credit: 10_000 * T }));
    p.draw(CAROL, 4_000 * T, 0).unwrap();
    assert_eq!(p.owes(CAROL), 10_000 * T);
    p.check_invariants().unwrap();

    // A term loan: the borrower's debt, not the path's reservations, counts.
    let line = Line { limit: 5_000 * T, ..Line::default() };
    let mut lines = [line, line];
    let mut creditor = Grantor { stake: 10_000 * T, ..Grantor::default() };
    let before = (lines, creditor);
    assert_eq!(
        apply_loan_open(&mut lines, &mut creditor, 2_001 * T, 8_000 * T, 10_000 * T),
        Err(PoolError::AboveMaxCredit { owed: 8_000 * T, max_credit: 10_000 * T })
    );
    assert_eq!((lines, creditor), before, "refused: nothing changed");
    assert_eq!(path_capacity(&lines, &creditor, 8_000 * T, 10_000 * T), 2_000 * T);
    assert_eq!(apply_loan_open(&mut lines, &mut creditor, 0, 0, 10_000 * T), Err(PoolError::ZeroAmount));
    apply_loan_open(&mut lines, &mut creditor, 2_000 * T, 8_000 * T, 10_000 * T).unwrap();
    assert_eq!((lines[0].reserved, lines[1].reserved, creditor.lent), (2_000 * T, 2_000 * T, 2_000 * T));
}

/// Review L1: a reservation is released only from the line it was made on
/// (same `seq`), never from a line created again for the same pair.
#[test]
fn a_reservation_is_released_only_from_the_line_it_was_made_on() {
    let mut old = Line { limit: 300 * T, reserved: 120 * T, seq: 4, ..Line::default() };
    assert!(release_reserved(&mut old, 4, 100 * T));
    assert_eq!(old.reserved, 20 * T);
    let mut again = Line { limit: 180 * T, reserved: 180 * T, seq: 9, ..Line::default() };
    assert!(!release_reserved(&mut again, 4, 100 * T), "the old loan's seq is 4");
    assert_eq!(again.reserved, 180 * T, "the new loan's reservation is intact");
}

/// A defaulted term loan (SPEC §4, v2): the warrants' claims (`recovered`)
/// first, then co-insurance of the rest if insured, then the creditor.
#[test]
fn a_term_loans_loss_is_borne_by_warrants_then_co_insurance_then_the_creditor() {
    let p = params();
    // 1,000 unreturned, 800 claimed from warrants: 200 left; half of it is
    // insurable (100), within 10 % of a 5,000 reserve (500): 100 covered.
    assert_eq!(loan_cover(1_000 * T, 800 * T, true, 5_000 * T, &p), Ok((100 * T, 100 * T)));
    // Not insured: the creditor bears all 200.
    assert_eq!(loan_cover(1_000 * T, 800 * T, false, 5_000 * T, &p), Ok((0, 200 * T)));
    // The reserve share binds: 10 % of 300 = 30.
    assert_eq!(loan_cover(1_000 * T, 0, true, 300 * T, &p), Ok((30 * T, 970 * T)));
    // Fully recovered: nothing for insurance or the creditor.
    assert_eq!(loan_cover(1_000 * T, 1_000 * T, true, 5_000 * T, &p), Ok((0, 0)));
    assert_eq!(
        loan_cover(1_000 * T, 1_000 * T + 1, true, 5_000 * T, &p),
        Err(PoolError::RecoveredAbovePrincipal { principal: 1_000 * T, recovered: 1_000 * T + 1 })
    );
    // COVER_SHARE 0: insurance pays nothing.
    assert_eq!(loan_cover(1_000 * T, 0, true, 5_000 * T, &PoolParams { cover_share_bps: 0, ..p }), Ok((0, 1_000 * T)));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// `loan_cover` over random inputs, each rule stated on the numbers:
    /// recovered + covered + written off = principal; covered ≤ COVER_SHARE
    /// of what the warrants left and ≤ COVER_MAX_RESERVE_SHARE of the
    /// reserve; nothing for an uninsured loan.
    #[test]
    fn loan_cover_keeps_the_loss_order_and_the_cover_caps(
        principal in 0u128..=u128::from(u64::MAX),
        recovered_bps in 0u32..=10_000,
        insured in any::<bool>(),
        reserve in 0u128..=u128::from(u64::MAX),
        share in 0u32..=5_000,
        reserve_share in 0u32..=2_500,
    ) {
        let p = PoolParams { cover_share_bps: share, cover_max_reserve_share_bps: reserve_share, ..params() };
        let recovered = principal * u128::from(recovered_bps) / 10_000;
        let (covered, written_off) = loan_cover(principal, recovered, insured, reserve, &p).unwrap();
        let rest = principal - recovered;
        prop_assert_eq!(recovered + covered + written_off, principal);
        prop_assert!(covered * 10_000 <= rest * u128::from(share));
        prop_assert!(covered * 10_000 <= reserve * u128::from(reserve_share));
        if !insured {
            prop_assert_eq!(covered, 0);
        }
    }
}

#[test]
fn rates_up_to_100_percent_a_year() {
    let mut p = pool();
    p.stake(ALICE, 100 * T, 0).unwrap();
    assert_eq!(p.extend(ALICE, BOB, T, MAX_RATE_BPS + 1, 0), Err(PoolError::RateTooHigh { max: MAX_RATE_BPS }));
    p.extend(ALICE, BOB, 10 * T, MAX_RATE_BPS, 0).unwrap();
    p.check_invariants().unwrap();
}

// ---------------------------------------------------------------------------
// SPEC v2 rules over random sequences, stated on what the sequence observes
// ---------------------------------------------------------------------------

/// What the test itself remembers of a line, from the changes it sees.
#[derive(Clone, Copy, Debug)]
struct Seen {
    /// When the test saw the line created or its limit raised.
    raised_at: Timestamp,
    /// Some principal now outstanding was drawn at least COVER_MIN_AGE after that.
    old_draw: bool,
    /// Start of the current stretch of continuous use: a draw on a line never
    /// drawn or empty for at least a grace period.
    span_start: Timestamp,
    /// When its principal last returned to zero.
    emptied: Option<Timestamp>,
}

#[derive(Clone, Debug)]
enum V2Op {
    Extend(Acc, Acc, u64, u16),
    Draw(Acc, u64, u16),
    Repay(Acc, u64),
    Advance(u32),
    Default(Acc),
    Decline(Acc, Acc),
}

fn v2_op() -> impl Strategy<Value = V2Op> {
    let acc = 1u8..=4;
    prop_oneof![
        2 => (acc.clone(), acc.clone(), 5u64..2_000, 100u16..3_000).prop_map(|(g, b, x, r)| V2Op::Extend(g, b, x, r)),
        4 => (acc.clone(), 1u64..1_500, 0u16..3_200).prop_map(|(b, x, m)| V2Op::Draw(b, x, m)),
        3 => (acc.clone(), 1u64..1_500).prop_map(|(b, x)| V2Op::Repay(b, x)),
        4 => (1u32..(70 * 24)).prop_map(V2Op::Advance),
        2 => acc.clone().prop_map(V2Op::Default),
        1 => (acc.clone(), acc).prop_map(|(b, g)| V2Op::Decline(b, g)),
    ]
}

/// One daily accrual of `principal` at `rate_bps`, rounded down: a line
/// accruing interest adds at least this much a day.
fn a_days_interest(principal: Balance, rate_bps: Bps) -> Balance {
    principal * u128::from(rate_bps) / (10_000 * 365)
}

fn run_v2(lines: &[(u8, u8, u64, u16)], reserve: u64, ops: &[V2Op]) -> Result<(), String> {
    let pp = params();
    let mut p = Pool::new(pp, &[1, 2, 3, 4], 100_000 * T);
    // A reserve filled by earlier interest (as if repaid before the sequence).
    p.insurance = u128::from(reserve) * T;
    p.tokens = p.insurance;
    p.supply += p.insurance;
    for a in 1..=4 {
        p.stake(a, 20_000 * T, 0).map_err(|e| format!("{e:?}"))?;
    }
    let mut seen: BTreeMap<(Acc, Acc), Seen> = BTreeMap::new();
    let fresh = |now| Seen { raised_at: now, old_draw: false, span_start: 0, emptied: None };
    for &(g, b, x, r) in lines {
        if g != b && p.extend(g, b, u128::from(x) * T, u32::from(r), 0).is_ok() {
            seen.insert((g, b), fresh(0));
        }
    }
    let mut now: Timestamp = 0;
    for (step, o) in ops.iter().enumerate() {
        let before = p.clone();
        let r = match *o {
            V2Op::Extend(g, b, x, r) if g != b => p.extend(g, b, u128::from(x) * T, u32::from(r), now).map(|_| ()),
            V2Op::Extend(..) => Ok(()),
            V2Op::Draw(b, x, m) => p.draw_at_most(b, u128::from(x) * T, u32::from(m), now),
            V2Op::Repay(b, x) => p.repay(b, u128::from(x) * T, now).map(|_| ()),
            V2Op::Advance(h) => {
                now += u64::from(h) * 3_600_000;
                Ok(())
            }
            V2Op::Default(b) => p.declare_default(b, now).map(|_| ()),
            V2Op::Decline(b, g) if g != b => p.decline(b, g),
            V2Op::Decline(..) => Ok(()),
        };
        let at = |what: String| format!("step {step} {o:?} at day {}: {what}", now / D);
        if r.is_err() && format!("{p:?}") != format!("{before:?}") {
            return Err(at(format!("refused ({r:?}) but changed the pool")));
        }
        // A draw lends nothing above the borrower's bound.
        if let (V2Op::Draw(_, _, m), Ok(())) = (o, &r) {
            for (k, l) in &p.lines {
                if l.principal > before.lines.get(k).map_or(0, |x| x.principal) && l.rate_bps > u32::from(*m) {
                    return Err(at(format!("lent on {k:?} at {} bps above the bound {m}", l.rate_bps)));
                }
            }
        }
        // Co-insurance, on what a default did to each grantor's stake.
        if let (V2Op::Default(b), Ok(())) = (o, &r) {
            let mut recovered_total = 0u128;
            for (&(g, x), l) in before.lines.iter().filter(|((_, x), _)| *x == *b) {
                let loss = l.principal;
                let stake_before = before.grantors[&g].stake;
                let stake_after = p.grantors[&g].stake;
                let recovered = (stake_after + loss).checked_sub(stake_before).ok_or_else(|| at(format!("grantor {g} lost more than its loss")))?;
                if recovered * 10_000 > loss * u128::from(pp.cover_share_bps) {
                    return Err(at(format!("grantor {g} recovered {recovered} of a loss of {loss}: more than COVER_SHARE")));
                }
                if !seen[&(g, x)].old_draw && recovered > 0 {
                    return Err(at(format!("grantor {g} recovered {recovered} on a line never drawn when COVER_MIN_AGE old")));
                }
                recovered_total += recovered;
            }
            if recovered_total * 10_000 > before.insurance * u128::from(pp.cover_max_reserve_share_bps) {
                return Err(at(format!("one default took {recovered_total} of a reserve of {}", before.insurance)));
            }
            if before.insurance - p.insurance != recovered_total {
                return Err(at("the reserve paid something other than the grantors' recoveries".into()));
            }
        }
        // Update what the test saw of each line.
        seen.retain(|k, _| p.lines.contains_key(k));
        for (k, l) in &p.lines {
            let old = before.lines.get(k);
            let s = seen.entry(*k).or_insert_with(|| fresh(now));
            if old.is_none() {
                *s = fresh(now);
            } else if old.is_some_and(|o| l.limit > o.limit) {
                s.raised_at = now;
            }
            let was = old.map_or(0, |o| o.principal);
            if l.principal > was {
                if now - s.raised_at >= pp.cover_min_age_ms {
                    s.old_draw = true;
                }
                if was == 0 && s.emptied.is_none_or(|t| now - t >= pp.grace_ms) {
                    s.span_start = now;
                }
            }
            if l.principal == 0 && was > 0 {
                s.emptied = Some(now);
                s.old_draw = false;
            }
        }
        // One grace per window: a line in continuous use for a grace period
        // or longer pays a day's interest for each further day.
        for b in 1..=4u8 {
            let due: Balance = p
                .lines
                .iter()
                .filter(|((_, x), l)| *x == b && l.principal > 0)
                .filter(|(k, _)| now >= seen[k].span_start + pp.grace_ms)
                .map(|(_, l)| a_days_interest(l.principal, l.rate_bps))
                .sum();
            let today = p.owed(b, now).map_err(|e| format!("{e:?}"))?;
            let tomorrow = p.owed(b, now + D).map_err(|e| format!("{e:?}"))?;
            if tomorrow - today < due {
                return Err(at(format!("borrower {b} owes {} more tomorrow, less than a day's interest {due} on lines used for a grace period", tomorrow - today)));
            }
        }
        p.check_invariants().map_err(at)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    /// SPEC v2 over random sequences (lines, draws with a rate bound,
    /// repayments and redraws, months of time, defaults, declines), each
    /// rule stated on what the sequence observes: a grantor never recovers
    /// more than COVER_SHARE of a loss from insurance, and nothing on a line
    /// never drawn while COVER_MIN_AGE old; one default takes at most
    /// COVER_MAX_RESERVE_SHARE of the reserve; a draw lends nothing above its
    /// bound and a refusal changes nothing; a line in continuous use (never
    /// empty for a grace period) goes at most one grace period without
    /// interest.
    #[test]
    fn co_insurance_and_one_grace_per_window_hold_over_random_sequences(
        lines in proptest::collection::vec((1u8..=4, 1u8..=4, 5u64..3_000, 100u16..3_000), 3..10),
        reserve in 0u64..20_000,
        ops in proptest::collection::vec(v2_op(), 1..80),
    ) {
        if let Err(e) = run_v2(&lines, reserve, &ops) {
            prop_assert!(false, "{e}");
        }
    }
}
