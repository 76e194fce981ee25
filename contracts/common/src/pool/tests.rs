//! The pool accounting: seed 004's examples exactly, interest across the
//! grace boundary, the repayment waterfall, a default insurance covers only
//! partly, and random operation sequences with the invariants after every step.

use super::model::{Acc, Pool};
use super::*;
use crate::ONE_TOKEN as T;
use proptest::prelude::*;

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
    assert_eq!(p.draw(CAROL, 10_000 * T + 1, 0), Err(PoolError::InsufficientCredit { available: 10_000 * T, requested: 10_000 * T + 1 }));
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

#[test]
fn default_is_covered_by_insurance_only_partly_and_written_off_pro_rata() {
    let mut p = pool();
    p.stake(ALICE, 1_000 * T, 0).unwrap();
    p.stake(EVE, 1_000 * T, 0).unwrap();
    p.extend(ALICE, BOB, 300 * T, 1_000, 0).unwrap();
    p.extend(EVE, BOB, 100 * T, 1_000, 0).unwrap();
    p.extend(ALICE, CAROL, 1_000 * T - 300 * T, 1_000, 0).unwrap();
    p.draw(BOB, 400 * T, 0).unwrap();
    // Carol borrows and pays interest, filling the insurance reserve a little.
    p.draw(CAROL, 700 * T, 0).unwrap();
    p.repay(CAROL, 700 * T + 80 * T, 30 * D + 365 * D).unwrap_or_default();
    let reserve = p.insurance;
    assert!(reserve > 0 && reserve < 400 * T, "{reserve}");
    // Bob never pays: not due before 180 days of unpaid interest.
    let since = p.unpaid_since(BOB, 40 * D).unwrap();
    assert_eq!(since, 31 * D);
    assert_eq!(p.declare_default(BOB, since + 180 * D - 1), Err(PoolError::NotDue { since }));
    let (a0, e0) = (p.grantors[&ALICE].stake, p.grantors[&EVE].stake);
    let written_off = p.declare_default(BOB, since + 180 * D).unwrap();
    // Insurance pays 3/4 of its reserve to Alice and 1/4 to Eve (rounded down).
    let (ca, ce) = (reserve * 3 / 4, reserve / 4);
    assert_eq!(a0 - p.grantors[&ALICE].stake, 300 * T - ca);
    assert_eq!(e0 - p.grantors[&EVE].stake, 100 * T - ce);
    assert_eq!(written_off, 400 * T - ca - ce);
    assert_eq!(p.insurance, reserve - ca - ce);
    assert!(!p.lines.contains_key(&(ALICE, BOB)));
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
        (acc, 1u64..5_000).prop_map(|(g, x)| Op::Unstake(g, x)),
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
}

#[test]
fn rates_up_to_100_percent_a_year() {
    let mut p = pool();
    p.stake(ALICE, 100 * T, 0).unwrap();
    assert_eq!(p.extend(ALICE, BOB, T, MAX_RATE_BPS + 1, 0), Err(PoolError::RateTooHigh { max: MAX_RATE_BPS }));
    p.extend(ALICE, BOB, T, MAX_RATE_BPS, 0).unwrap();
    p.check_invariants().unwrap();
}
