//! Unit tests of `trust_graph`: every message, each of its errors, the
//! graph invariants after every test, and the scores against the shared maths.

use crate::trust_graph::*;
use dcu_common::trust::{self, ScoreParams};
use dcu_common::{DAY_MS, ONE_TOKEN};
use ink::env::test::{self, DefaultAccounts};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;

const GOV: [u8; 32] = [0xA1; 32];
const POOL: [u8; 32] = [0xA2; 32];
const LOANS: [u8; 32] = [0xA3; 32];

fn acc() -> DefaultAccounts<Env> {
    test::default_accounts::<Env>()
}
fn gov() -> AccountId {
    AccountId::from(GOV)
}
fn pool() -> AccountId {
    AccountId::from(POOL)
}
fn loans() -> AccountId {
    AccountId::from(LOANS)
}
fn as_caller(who: AccountId) {
    test::set_caller::<Env>(who);
}
fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}
fn events() -> usize {
    test::recorded_events().count()
}
fn people() -> [AccountId; 6] {
    let a = acc();
    [a.alice, a.bob, a.charlie, a.django, a.eve, a.frank]
}

/// The parameters of a development network: no minimum membership age.
fn dev_params() -> Params {
    Params { min_anchor_age_days: 0, ..Params::default() }
}

/// A graph deployed by Alice, wired, with the six default accounts
/// registered, each anchored by a stake of MIN_ANCHOR_STAKE in the pool
/// (development parameters: no minimum age).
fn setup() -> TrustGraph {
    let mut g = unanchored_setup();
    as_caller(pool());
    for p in people() {
        assert_eq!(g.stake_changed(p, 100 * ONE_TOKEN), Ok(()));
        assert!(g.member_info(p).unwrap().anchored);
    }
    as_caller(acc().alice);
    g
}

/// As [`setup`] but nobody is anchored.
fn unanchored_setup() -> TrustGraph {
    as_caller(acc().alice);
    set_now(0);
    let mut g = TrustGraph::with_config(dev_params(), Vec::new()).expect("valid");
    assert_eq!(g.wire(Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() }), Ok(()));
    for p in people() {
        as_caller(p);
        assert_eq!(g.register(), Ok(()));
    }
    as_caller(acc().alice);
    g
}

/// The invariants of the crate header, checked through the public queries.
fn assert_invariants(g: &TrustGraph) {
    let ps = people();
    for v in ps {
        let Some(m) = g.member_info(v) else { continue };
        let ins = g.edges_in(v);
        let outs = g.edges_out(v);
        assert_eq!(m.in_degree as usize, ins.len());
        assert_eq!(m.out_degree as usize, outs.len());
        assert_eq!(m.counting_out as usize, outs.iter().filter(|(x, _)| g.edge(v, *x).is_some_and(|e| e.counts)).count());
        let counts = |x: AccountId, y: AccountId| g.edge(x, y).is_some_and(|e| e.counts);
        // An edge counts iff its truster is anchored, unless the truster
        // still has edges to sync after a change.
        for (x, _) in &ins {
            let t = g.member_info(*x).unwrap();
            if t.anchor_pending == 0 {
                assert_eq!(counts(*x, v), t.anchored, "a synced edge follows its truster's anchoring");
            }
        }
        let counting: Vec<(AccountId, u16)> = ins.iter().copied().filter(|(x, _)| counts(*x, v)).collect();
        let dt: u32 = counting.iter().map(|(_, w)| u32::from(*w)).sum();
        assert_eq!(m.direct_trust, dt, "DT is the sum of in-weights from anchored trusters");
        assert_eq!(m.trusters as usize, counting.len());
        for (x, w) in &ins {
            assert_eq!(g.trust_of(*x, v), Some(*w));
            assert!(g.edges_out(*x).contains(&(v, *w)));
        }
        let mutual = counting.iter().filter(|(x, _)| g.trust_of(v, *x).is_some()).count();
        assert_eq!(m.mutual_in as usize, mutual);
        let neighbours = g
            .neighbours_of(v)
            .into_iter()
            .filter(|x| counts(*x, v) || counts(v, *x))
            .count();
        assert_eq!(m.neighbours as usize, neighbours);
        assert!(m.out_degree <= g.params().max_out_degree);
        assert!(m.in_degree <= g.params().max_in_degree);
    }
}

// ---------------------------------------------------------------- register

#[ink::test]
fn register_records_time_and_emits() {
    as_caller(acc().alice);
    set_now(5_000);
    let mut g = TrustGraph::new();
    let before = events();
    assert_eq!(g.register(), Ok(()));
    assert_eq!(events(), before + 1);
    let m = g.member_info(acc().alice).unwrap();
    assert_eq!(m.registered_at, 5_000);
    assert_eq!(m.last_activity, 5_000);
    assert_eq!(g.member_count(), 1);
    assert!(g.is_member(acc().alice));
    assert_invariants(&g);
}

#[ink::test]
fn register_twice_fails_already_registered() {
    let mut g = setup();
    assert_eq!(g.register(), Err(Error::AlreadyRegistered));
    assert_eq!(g.member_count(), 6);
}

// ---------------------------------------------------------------- set_trust

#[ink::test]
fn set_trust_creates_edge_updates_dt_and_neighbours() {
    let mut g = setup();
    let (a, b) = (acc().alice, acc().bob);
    let before = events();
    assert_eq!(g.set_trust(b, 500), Ok(()));
    assert_eq!(events(), before + 1);
    assert_eq!(g.trust_of(a, b), Some(500));
    assert_eq!(g.direct_trust(b), Ok(500));
    assert_eq!(g.member_info(a).unwrap().neighbours, 1);
    assert_eq!(g.member_info(b).unwrap().neighbours, 1);
    // Bob trusts Alice back: still one neighbour each, now mutual.
    as_caller(b);
    assert_eq!(g.set_trust(a, 100), Ok(()));
    assert_eq!(g.member_info(a).unwrap().neighbours, 1);
    assert_eq!(g.member_info(a).unwrap().mutual_in, 1);
    assert_eq!(g.member_info(b).unwrap().mutual_in, 1);
    assert_invariants(&g);
}

#[ink::test]
fn set_trust_changes_weight_of_existing_edge() {
    let mut g = setup();
    let b = acc().bob;
    g.set_trust(b, 500).unwrap();
    assert_eq!(g.set_trust(b, 800), Ok(()));
    assert_eq!(g.direct_trust(b), Ok(800));
    assert_eq!(g.member_info(b).unwrap().in_degree, 1);
    assert_invariants(&g);
}

#[ink::test]
fn set_trust_weight_bounds_0_1_800_801() {
    let mut g = setup();
    let b = acc().bob;
    assert_eq!(g.set_trust(b, 0), Err(Error::WeightOutOfRange { weight: 0 }));
    assert_eq!(g.set_trust(b, 801), Err(Error::WeightOutOfRange { weight: 801 }));
    assert_eq!(g.trust_of(acc().alice, b), None);
    assert_eq!(g.set_trust(b, 1), Ok(()));
    assert_eq!(g.set_trust(b, 800), Ok(()));
    assert_invariants(&g);
}

#[ink::test]
fn set_trust_self_fails_self_trust() {
    let mut g = setup();
    assert_eq!(g.set_trust(acc().alice, 10), Err(Error::SelfTrust));
    assert_invariants(&g);
}

#[ink::test]
fn set_trust_non_member_fails_not_member() {
    let mut g = setup();
    let stranger = AccountId::from([0x55; 32]);
    assert_eq!(g.set_trust(stranger, 10), Err(Error::NotMember(stranger)));
    as_caller(stranger);
    assert_eq!(g.set_trust(acc().alice, 10), Err(Error::NotMember(stranger)));
    assert_invariants(&g);
}

fn with_caps(g: &mut TrustGraph, out_cap: u32, in_cap: u32) {
    as_caller(gov());
    let p = Params { max_out_degree: out_cap, max_in_degree: in_cap, ..g.params() };
    assert_eq!(g.set_params(p), Ok(()));
    as_caller(acc().alice);
}

#[ink::test]
fn set_trust_at_out_degree_cap_and_one_past() {
    let mut g = setup();
    with_caps(&mut g, 2, 10);
    let a = acc();
    assert_eq!(g.set_trust(a.bob, 1), Ok(()));
    assert_eq!(g.set_trust(a.charlie, 1), Ok(()));
    assert_eq!(g.set_trust(a.django, 1), Err(Error::OutDegreeCap { cap: 2 }));
    // Changing an existing edge at the cap is allowed.
    assert_eq!(g.set_trust(a.bob, 2), Ok(()));
    assert_invariants(&g);
}

#[ink::test]
fn set_trust_at_in_degree_cap_and_one_past() {
    let mut g = setup();
    with_caps(&mut g, 10, 2);
    let a = acc();
    for p in [a.bob, a.charlie] {
        as_caller(p);
        assert_eq!(g.set_trust(a.alice, 5), Ok(()));
    }
    as_caller(a.django);
    assert_eq!(g.set_trust(a.alice, 5), Err(Error::InDegreeCap { cap: 2 }));
    assert_invariants(&g);
}

// ---------------------------------------------------------------- revoke_trust

#[ink::test]
fn revoke_trust_removes_edge_and_restores_counters() {
    let mut g = setup();
    let (a, b) = (acc().alice, acc().bob);
    g.set_trust(b, 300).unwrap();
    as_caller(b);
    g.set_trust(a, 200).unwrap();
    as_caller(a);
    let before = events();
    assert_eq!(g.revoke_trust(b), Ok(()));
    assert_eq!(events(), before + 1);
    assert_eq!(g.trust_of(a, b), None);
    assert_eq!(g.direct_trust(b), Ok(0));
    // Bob still trusts Alice: they remain neighbours, no longer mutual.
    assert_eq!(g.member_info(a).unwrap().neighbours, 1);
    assert_eq!(g.member_info(a).unwrap().mutual_in, 0);
    as_caller(b);
    assert_eq!(g.revoke_trust(a), Ok(()));
    assert_eq!(g.member_info(a).unwrap().neighbours, 0);
    assert_invariants(&g);
}

#[ink::test]
fn revoke_trust_without_edge_fails_no_such_edge() {
    let mut g = setup();
    assert_eq!(g.revoke_trust(acc().bob), Err(Error::NoSuchEdge));
    assert_invariants(&g);
}

// ---------------------------------------------------------------- vouch

#[ink::test]
fn vouch_counts_once_per_pair() {
    let mut g = setup();
    let b = acc().bob;
    let before = events();
    assert_eq!(g.vouch(b), Ok(()));
    assert_eq!(events(), before + 1);
    assert_eq!(g.member_info(b).unwrap().vouches, 1);
    assert_eq!(g.vouch(b), Err(Error::AlreadyVouched));
    assert_eq!(g.member_info(b).unwrap().vouches, 1);
}

#[ink::test]
fn vouch_errors_self_and_non_member() {
    let mut g = setup();
    assert_eq!(g.vouch(acc().alice), Err(Error::SelfTrust));
    let stranger = AccountId::from([0x55; 32]);
    assert_eq!(g.vouch(stranger), Err(Error::NotMember(stranger)));
    as_caller(stranger);
    assert_eq!(g.vouch(acc().alice), Err(Error::NotMember(stranger)));
}

// ---------------------------------------------------------------- verify / verifiers

#[ink::test]
fn verify_by_appointed_verifier_sets_flag() {
    let mut g = setup();
    let (v, b) = (acc().charlie, acc().bob);
    as_caller(gov());
    assert_eq!(g.set_verifier(v, true), Ok(()));
    assert!(g.is_verifier(v));
    as_caller(v);
    let before = events();
    assert_eq!(g.verify(b), Ok(()));
    assert_eq!(events(), before + 1);
    assert!(g.member_info(b).unwrap().verified);
    assert_eq!(g.verify(b), Err(Error::AlreadyVerified));
    let stranger = AccountId::from([0x55; 32]);
    assert_eq!(g.verify(stranger), Err(Error::NotMember(stranger)));
    // Removed verifiers can no longer verify.
    as_caller(gov());
    assert_eq!(g.set_verifier(v, false), Ok(()));
    as_caller(v);
    assert_eq!(g.verify(acc().eve), Err(Error::NotVerifier));
}

#[ink::test]
fn verify_by_non_verifier_fails() {
    let mut g = setup();
    assert_eq!(g.verify(acc().bob), Err(Error::NotVerifier));
    assert!(!g.member_info(acc().bob).unwrap().verified);
}

#[ink::test]
fn set_verifier_by_non_governance_fails_unauthorized() {
    let mut g = setup();
    let a = acc().alice;
    assert_eq!(g.set_verifier(a, true), Err(Error::Unauthorized { caller: a }));
    assert!(!g.is_verifier(a));
}

// ---------------------------------------------------------------- wiring and params

#[ink::test]
fn wire_only_deployer_and_only_once() {
    as_caller(acc().alice);
    let mut g = TrustGraph::new();
    let w = Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() };
    as_caller(acc().bob);
    assert_eq!(g.wire(w), Err(Error::Unauthorized { caller: acc().bob }));
    as_caller(acc().alice);
    // Before wiring, governance messages have nobody to accept.
    assert_eq!(g.set_params(Params::default()), Err(Error::NotWired));
    assert_eq!(g.set_verifier(acc().bob, true), Err(Error::NotWired));
    assert_eq!(g.record_repayment(acc().alice), Err(Error::NotWired));
    assert_eq!(g.record_warning(acc().alice), Err(Error::NotWired));
    assert_eq!(g.record_default(acc().alice), Err(Error::NotWired));
    assert_eq!(g.wiring(), None);
    assert_eq!(g.wire(w), Ok(()));
    assert_eq!(g.wiring(), Some(w));
    assert_eq!(g.wire(w), Err(Error::AlreadyWired));
    // Only governance upgrades the code.
    assert_eq!(g.set_code([1u8; 32].into()), Err(Error::Unauthorized { caller: acc().alice }));
}

#[ink::test]
fn is_verified_reads_the_verification_flag() {
    let mut g = setup();
    let b = acc().bob;
    assert!(!g.is_verified(b));
    assert!(!g.is_verified(AccountId::from([0x77; 32])));
    as_caller(gov());
    g.set_verifier(acc().charlie, true).unwrap();
    as_caller(acc().charlie);
    g.verify(b).unwrap();
    assert!(g.is_verified(b));
}

#[ink::test]
fn set_params_by_governance_within_ranges() {
    let mut g = setup();
    as_caller(gov());
    let p = Params { max_trust: 4_000, ..Params::default() };
    let before = events();
    assert_eq!(g.set_params(p), Ok(()));
    assert_eq!(events(), before + 1);
    assert_eq!(g.params(), p);
    let bad = [
        ("max_trust", Params { max_trust: 0, ..p }),
        ("base_capacity", Params { base_capacity: 0, ..p }),
        ("max_out_degree", Params { max_out_degree: DEGREE_HARD_CAP + 1, ..p }),
        ("max_in_degree", Params { max_in_degree: 0, ..p }),
        ("max_in_degree", Params { max_in_degree: IN_DEGREE_HARD_CAP + 1, ..p }),
        ("default_penalty_days", Params { default_penalty_days: 3651, ..p }),
        ("inactivity_days", Params { inactivity_days: 0, ..p }),
    ];
    for (name, params) in bad {
        assert_eq!(g.set_params(params), Err(Error::InvalidParam { name: name.into() }));
        assert_eq!(g.params(), p, "{name} changed nothing");
    }
}

#[ink::test]
fn set_params_by_others_fails_unauthorized() {
    let mut g = setup();
    for who in [acc().alice, pool(), loans()] {
        as_caller(who);
        assert_eq!(g.set_params(Params::default()), Err(Error::Unauthorized { caller: who }));
    }
}

// ---------------------------------------------------------------- reputation hooks

#[ink::test]
fn record_repayment_warning_default_by_wired_contracts() {
    let mut g = setup();
    let b = acc().bob;
    as_caller(pool());
    assert_eq!(g.record_warning(b), Ok(()));
    assert_eq!(g.record_warning(b), Ok(()));
    assert_eq!(g.warnings_of(b), 2);
    set_now(3 * DAY_MS);
    as_caller(loans());
    assert_eq!(g.record_repayment(b), Ok(()));
    let m = g.member_info(b).unwrap();
    // A repayment clears no warning (only its source does, with clear_warning).
    assert_eq!((m.tx_count, m.open_warnings, m.last_activity), (1, 2, 3 * DAY_MS));
    assert_eq!(g.record_default(b), Ok(()));
    let m = g.member_info(b).unwrap();
    assert_eq!(m.defaults, 1);
    assert_eq!(m.default_until, 3 * DAY_MS + 365 * DAY_MS);
    assert!(g.score(b).unwrap().defaulted);
    set_now(368 * DAY_MS);
    assert!(!g.score(b).unwrap().defaulted);
}

#[ink::test]
fn record_hooks_by_anyone_else_fail_unauthorized() {
    let mut g = setup();
    let b = acc().bob;
    for who in [acc().alice, b, gov()] {
        as_caller(who);
        assert_eq!(g.record_repayment(b), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.record_warning(b), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.record_default(b), Err(Error::Unauthorized { caller: who }));
    }
    assert_eq!(g.member_info(b).unwrap().tx_count, 0);
    let stranger = AccountId::from([0x55; 32]);
    as_caller(pool());
    assert_eq!(g.record_warning(stranger), Err(Error::NotMember(stranger)));
}

// ---------------------------------------------------------------- scores

#[ink::test]
fn score_queries_of_non_member_fail_not_member() {
    let g = setup();
    let s = AccountId::from([0x55; 32]);
    assert_eq!(g.score(s), Err(Error::NotMember(s)));
    assert_eq!(g.capacity(s), Err(Error::NotMember(s)));
    assert_eq!(g.direct_trust(s), Err(Error::NotMember(s)));
    assert_eq!(g.network_trust(s), Err(Error::NotMember(s)));
    assert_eq!(g.trust_score(s), Err(Error::NotMember(s)));
    assert_eq!(g.confidence(s), Err(Error::NotMember(s)));
    assert_eq!(g.member_info(s), None);
    assert!(!g.is_member(s));
    assert_eq!(g.warnings_of(s), 0);
}

#[ink::test]
fn scores_of_mixed_community_match_shared_maths() {
    let mut g = setup();
    let [a, b, c, d, e, f] = people();
    let edges = [(a, b, 800), (b, a, 600), (c, b, 400), (d, b, 200), (e, c, 700), (b, c, 300), (f, a, 50), (a, d, 120), (d, e, 800)];
    for (from, to, w) in edges {
        as_caller(from);
        g.set_trust(to, w).unwrap();
    }
    as_caller(a);
    g.vouch(b).unwrap();
    as_caller(gov());
    g.set_verifier(f, true).unwrap();
    as_caller(f);
    g.verify(b).unwrap();
    as_caller(pool());
    g.record_repayment(b).unwrap();
    set_now(100 * DAY_MS);

    let p = g.params();
    let params = ScoreParams { max_trust: p.max_trust.into(), base_capacity: p.base_capacity, inactivity_ms: u64::from(p.inactivity_days) * DAY_MS };
    for v in people() {
        let m = g.member_info(v).unwrap();
        let state = m.state();
        let incoming: Vec<(u32, u128)> = g.edges_in(v).iter().map(|(x, w)| (u32::from(*w), g.direct_trust(*x).unwrap())).collect();
        // Every member is anchored here: every edge counts.
        let want = trust::score(&params, &state, incoming, 100 * DAY_MS).unwrap();
        let got = g.score(v).unwrap();
        assert_eq!(got.capacity, want.capacity);
        assert_eq!(got.trust_score, want.ts);
        assert_eq!(got.network_trust, want.nt);
        assert_eq!(got.confidence, want.cf);
    }
    // Bob: DT = 800 + 400 + 200 = 1400; NT = ½·(800·DT(a) + 400·DT(c) + 200·DT(d))/800.
    assert_eq!(g.direct_trust(b), Ok(1_400));
    let dt_a = g.direct_trust(a).unwrap();
    let dt_c = g.direct_trust(c).unwrap();
    let dt_d = g.direct_trust(d).unwrap();
    let nt_units = (800 * dt_a + 400 * dt_c + 200 * dt_d) * 1_000_000_000 / 1_600;
    assert_eq!(g.network_trust(b), Ok(nt_units));
    assert!(g.capacity(b).unwrap() > 0);
    assert!(g.capacity(b).unwrap() < 1_000 * ONE_TOKEN * 8);
    assert_invariants(&g);
}

#[ink::test]
fn inactivity_halves_trust_score_until_next_repayment() {
    let mut g = setup();
    let b = acc().bob;
    g.set_trust(b, 800).unwrap();
    let fresh = g.trust_score(b).unwrap();
    set_now(180 * DAY_MS - 1);
    assert_eq!(g.trust_score(b), Ok(fresh));
    set_now(180 * DAY_MS);
    assert_eq!(g.trust_score(b), Ok(fresh / 2));
    as_caller(pool());
    g.record_repayment(b).unwrap();
    assert_eq!(g.trust_score(b), Ok(fresh));
}

// ---------------------------------------------------------------- v2: trust that costs something

/// A small deterministic generator for the random graphs below.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn sybil(i: u8) -> AccountId {
    AccountId::from([0x60 + i; 32])
}

/// Every score of each of `who`, and every counter a score is made of
/// (the stored in-degree is not one: stored edges count against the cap,
/// which their target can clear with `reject_trust`).
fn snapshot(g: &TrustGraph, who: &[AccountId]) -> Vec<(ScoreInfo, [u32; 5])> {
    who.iter()
        .map(|v| {
            let m = g.member_info(*v).unwrap();
            (g.score(*v).unwrap(), [m.direct_trust, m.trusters, m.mutual_in, m.neighbours, m.vouches])
        })
        .collect()
}

/// The rule (SPEC §2, v2), stated directly: whatever accounts that are not
/// anchored do with trust — register, trust anyone at any weight, change
/// and revoke that trust, trust each other, try to vouch — no score or
/// counter of anyone else changes. 200 random communities, each with ten
/// such accounts. The rule is not vacuous: once one of them is anchored by a
/// stake its edges count, and when its stake goes they stop counting again,
/// leaving every score exactly as before.
#[ink::test]
fn unanchored_accounts_change_nobodys_score() {
    for case in 0..200u64 {
        // A contract account of its own per case: a fresh storage.
        let mut callee = [0xB0; 32];
        callee[..8].copy_from_slice(&case.to_le_bytes());
        test::set_callee::<Env>(AccountId::from(callee));
        let _ = test::recorded_events();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (case + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut g = setup();
        let honest = people();
        for _ in 0..rng.below(12) {
            let (from, to) = (honest[rng.below(6) as usize], honest[rng.below(6) as usize]);
            as_caller(from);
            let _ = g.set_trust(to, 1 + rng.below(800) as u32);
            if rng.below(3) == 0 {
                let _ = g.vouch(to);
            }
        }
        set_now(rng.below(400) * DAY_MS);
        let before = snapshot(&g, &honest);
        let sybils: Vec<AccountId> = (0..10).map(sybil).collect();
        for s in &sybils {
            as_caller(*s);
            g.register().unwrap();
        }
        for _ in 0..40 {
            let s = sybils[rng.below(10) as usize];
            let to = if rng.below(2) == 0 { honest[rng.below(6) as usize] } else { sybils[rng.below(10) as usize] };
            as_caller(s);
            match rng.below(4) {
                0 | 1 => {
                    let _ = g.set_trust(to, 1 + rng.below(800) as u32);
                }
                2 => {
                    let _ = g.revoke_trust(to);
                }
                _ => {
                    let want = if to == s { Error::SelfTrust } else { Error::NotAnchored };
                    assert_eq!(g.vouch(to), Err(want));
                }
            }
        }
        assert_eq!(snapshot(&g, &honest), before, "case {case}: unanchored accounts changed a score");
        for s in &sybils {
            let sc = g.score(*s).unwrap();
            assert_eq!((sc.direct_trust, sc.network_trust, sc.trust_score, sc.capacity), (0, 0, 0, 0), "case {case}: sybils lift each other");
        }
        assert_invariants(&g);
        // Not vacuous: a sybil with an edge to an honest member, anchored by
        // a stake, lifts that member; when the stake goes, so does the lift.
        let s0 = sybil(0);
        as_caller(s0);
        let target = honest[0];
        g.set_trust(target, 700).unwrap();
        let dt0 = g.direct_trust(target).unwrap();
        as_caller(pool());
        g.stake_changed(s0, 100 * ONE_TOKEN).unwrap();
        assert_eq!(g.direct_trust(target), Ok(dt0 + 700), "case {case}");
        assert_invariants(&g);
        // Its stake goes (a loss it did not choose: no drain first).
        g.capital_lost(s0, 100 * ONE_TOKEN - 1).unwrap();
        assert!(!g.member_info(s0).unwrap().anchored);
        g.refresh_anchor(s0).unwrap();
        assert_eq!(snapshot(&g, &honest), before, "case {case}: un-anchoring restores every score");
        assert_invariants(&g);
    }
}

/// The attack of security review C1/H2 in one member: ten fresh accounts
/// trust a borrower at 800 and vouch for it. Before v2 that gave TS 1.0 and
/// CF ≈ 0.38; now the borrower's score does not move.
#[ink::test]
fn ten_fresh_accounts_trusting_and_vouching_lift_nobody() {
    let mut g = setup();
    let b = acc().bob;
    let before = g.score(b).unwrap();
    for i in 0..10 {
        as_caller(sybil(i));
        g.register().unwrap();
        g.set_trust(b, 800).unwrap();
        assert_eq!(g.vouch(b), Err(Error::NotAnchored));
    }
    assert_eq!(g.score(b).unwrap(), before);
    assert_eq!(g.member_info(b).unwrap().in_degree, 10, "the edges are stored, and count against the in-degree cap");
    assert_eq!(g.member_info(b).unwrap().trusters, 0);
}

#[ink::test]
fn stake_and_age_anchor_a_member_and_anyone_may_refresh_it() {
    as_caller(acc().alice);
    set_now(0);
    // Production parameters: 100 tokens and 30 days.
    let mut g = TrustGraph::new();
    g.wire(Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() }).unwrap();
    let (a, b) = (acc().alice, acc().bob);
    for p in [a, b] {
        as_caller(p);
        g.register().unwrap();
    }
    as_caller(a);
    g.set_trust(b, 800).unwrap();
    // Only the wired pool reports stakes.
    assert_eq!(g.stake_changed(a, 100 * ONE_TOKEN), Err(Error::Unauthorized { caller: a }));
    as_caller(pool());
    assert_eq!(g.stake_changed(a, 100 * ONE_TOKEN), Ok(()));
    assert!(!g.member_info(a).unwrap().anchored, "staked but only 0 days a member");
    assert_eq!(g.direct_trust(b), Ok(0));
    set_now(30 * DAY_MS - 1);
    as_caller(acc().charlie);
    assert_eq!(g.refresh_anchor(a), Ok(false));
    set_now(30 * DAY_MS);
    let before = events();
    assert_eq!(g.refresh_anchor(a), Ok(true));
    assert_eq!(events(), before + 1, "AnchorChanged");
    assert_eq!(g.direct_trust(b), Ok(800));
    assert_eq!(g.refresh_anchor(a), Ok(true));
    assert_eq!(events(), before + 1, "no change, no event");
    // Unstaking below the minimum while its edge counts is refused (drain
    // before drop); released, the edge stops counting and the unstake goes.
    as_caller(pool());
    assert_eq!(g.stake_changed(a, 99 * ONE_TOKEN), Err(Error::AnchorNotReleased { counting: 1 }));
    assert_eq!((g.reported_stake(a), g.direct_trust(b)), (100 * ONE_TOKEN, Ok(800)), "refused: nothing changed");
    as_caller(a);
    assert_eq!(g.release_anchor(), Ok(0));
    assert_eq!(g.direct_trust(b), Ok(0));
    as_caller(pool());
    g.stake_changed(a, 99 * ONE_TOKEN).unwrap();
    as_caller(a);
    assert_eq!(g.resume_anchor(), Ok(false), "no longer anchored by its capital");
    assert_eq!(g.direct_trust(b), Ok(0));
    assert_eq!(g.refresh_anchor(AccountId::from([0x55; 32])), Err(Error::NotMember(AccountId::from([0x55; 32]))));
    // A stake reported before registering anchors at registration (no age here).
    as_caller(acc().alice);
    let mut d = TrustGraph::with_config(dev_params(), Vec::new()).unwrap();
    d.wire(Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() }).unwrap();
    as_caller(pool());
    d.stake_changed(acc().eve, 100 * ONE_TOKEN).unwrap();
    as_caller(acc().eve);
    d.register().unwrap();
    assert!(d.member_info(acc().eve).unwrap().anchored);
}

#[ink::test]
fn verification_anchors_and_is_timed_and_counted() {
    as_caller(acc().alice);
    set_now(1_000);
    let founder = acc().frank;
    let mut g = TrustGraph::with_config(Params::default(), vec![founder]).unwrap();
    assert!(g.is_verifier(founder), "the founding verifier is appointed at instantiation");
    g.wire(Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() }).unwrap();
    let (a, b) = (acc().alice, acc().bob);
    for p in [a, b] {
        as_caller(p);
        g.register().unwrap();
    }
    as_caller(a);
    g.set_trust(b, 500).unwrap();
    assert_eq!(g.direct_trust(b), Ok(0));
    assert_eq!((g.verified_at(a), g.verified_count()), (None, 0));
    set_now(2_000);
    as_caller(founder);
    g.verify(a).unwrap();
    assert_eq!((g.verified_at(a), g.verified_count()), (Some(2_000), 1));
    assert!(g.member_info(a).unwrap().anchored);
    assert_eq!(g.direct_trust(b), Ok(500), "a verified truster's edge counts");
    assert_eq!(g.verified_at(AccountId::from([0x55; 32])), None);
    let bad = Params { min_anchor_stake: 0, ..Params::default() };
    assert_eq!(TrustGraph::with_config(bad, Vec::new()).err(), Some(Error::InvalidParam { name: "min_anchor_stake".into() }));
    let bad = Params { min_anchor_age_days: 3_651, ..Params::default() };
    assert_eq!(TrustGraph::with_config(bad, Vec::new()).err(), Some(Error::InvalidParam { name: "min_anchor_age_days".into() }));
}

#[ink::test]
fn the_target_rejects_trust_and_blocks_the_truster_until_it_lifts_the_block() {
    let mut g = setup();
    let (a, b) = (acc().alice, acc().bob);
    as_caller(a);
    g.set_trust(b, 600).unwrap();
    as_caller(b);
    let before = events();
    assert_eq!(g.reject_trust(a), Ok(()));
    assert_eq!(events(), before + 1);
    assert_eq!(g.trust_of(a, b), None);
    assert_eq!(g.direct_trust(b), Ok(0));
    assert!(g.is_blocked(b, a));
    assert_invariants(&g);
    as_caller(a);
    assert_eq!(g.set_trust(b, 1), Err(Error::Blocked { target: b }));
    assert_eq!(g.trust_of(a, b), None, "refused: nothing changed");
    // Rejecting before any edge exists blocks too; one cannot reject oneself.
    as_caller(b);
    assert_eq!(g.reject_trust(acc().charlie), Ok(()));
    assert_eq!(g.reject_trust(b), Err(Error::SelfTrust));
    let stranger = AccountId::from([0x55; 32]);
    as_caller(stranger);
    assert_eq!(g.reject_trust(a), Err(Error::NotMember(stranger)));
    // Only the target lifts its block.
    as_caller(a);
    assert_eq!(g.unblock(a), Err(Error::NotBlocked));
    as_caller(b);
    assert_eq!(g.unblock(a), Ok(()));
    assert_eq!(g.unblock(a), Err(Error::NotBlocked));
    as_caller(a);
    assert_eq!(g.set_trust(b, 600), Ok(()));
    assert_eq!(g.direct_trust(b), Ok(600));
    assert_invariants(&g);
}

/// SPEC §2 (v2), stated directly: a warning is cleared only by the source
/// that raised it — a term loan's repayment never clears the pool's warning,
/// nor the reverse — and a source with none of its own changes nothing.
#[ink::test]
fn a_warning_is_cleared_only_by_its_own_source() {
    let mut g = setup();
    let b = acc().bob;
    as_caller(pool());
    g.record_warning(b).unwrap();
    as_caller(loans());
    g.record_warning(b).unwrap();
    g.record_warning(b).unwrap();
    assert_eq!(g.warnings_of(b), 3);
    // The pool clears its one warning; a second clear by the pool changes nothing.
    as_caller(pool());
    let before = events();
    assert_eq!(g.clear_warning(b), Ok(()));
    assert_eq!(events(), before + 1);
    assert_eq!(g.clear_warning(b), Ok(()));
    assert_eq!(events(), before + 1, "no warning of the pool's own left: nothing happens");
    let m = g.member_info(b).unwrap();
    assert_eq!((m.open_warnings, m.pool_warnings, m.loan_warnings), (2, 0, 2));
    // Repayments, from either source, clear nothing.
    g.record_repayment(b).unwrap();
    as_caller(loans());
    g.record_repayment(b).unwrap();
    assert_eq!(g.warnings_of(b), 2);
    g.clear_warning(b).unwrap();
    g.clear_warning(b).unwrap();
    assert_eq!(g.warnings_of(b), 0);
    for who in [acc().alice, b, gov()] {
        as_caller(who);
        assert_eq!(g.clear_warning(b), Err(Error::Unauthorized { caller: who }));
    }
}

/// SPEC §2 (v2): at most one repayment a day counts in the transaction
/// history, however many qualifying repayments are reported.
#[ink::test]
fn at_most_one_repayment_a_day_counts() {
    let mut g = setup();
    let b = acc().bob;
    as_caller(pool());
    set_now(10 * DAY_MS);
    for _ in 0..5 {
        g.record_repayment(b).unwrap();
    }
    as_caller(loans());
    g.record_repayment(b).unwrap();
    assert_eq!(g.member_info(b).unwrap().tx_count, 1);
    set_now(11 * DAY_MS - 1);
    g.record_repayment(b).unwrap();
    assert_eq!(g.member_info(b).unwrap().tx_count, 1);
    set_now(11 * DAY_MS);
    g.record_repayment(b).unwrap();
    assert_eq!(g.member_info(b).unwrap().tx_count, 2);
    assert_eq!(g.member_info(b).unwrap().last_activity, 11 * DAY_MS);
}

/// The access matrix: every privileged message × every caller that may not
/// call it → `Unauthorized` (or `NotVerifier`), no event, nothing changed.
#[ink::test]
fn access_matrix_refuses_every_privileged_message_to_everyone_else() {
    let mut g = setup();
    let (a, b, c) = (acc().alice, acc().bob, acc().charlie);
    let stranger = AccountId::from([0x55; 32]);
    let snapshot = |g: &TrustGraph| (g.params(), g.member_info(b), g.is_verifier(c), g.wiring(), g.reported_stake(b), g.verified_count());
    let before = snapshot(&g);
    let wiring = Wiring { governance: stranger, credit_pool: stranger, loan_manager: stranger };
    // (message, callers that must be refused)
    let not_governance = [a, b, pool(), loans(), stranger];
    let not_reporter = [a, b, gov(), stranger];
    let not_pool = [a, b, gov(), loans(), stranger];
    for who in not_governance {
        as_caller(who);
        let n = events();
        assert_eq!(g.set_params(Params { max_trust: 1, ..Params::default() }), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.set_verifier(c, true), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.set_code([9; 32].into()), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.revoke_verifier(c), Err(Error::Unauthorized { caller: who }));
        assert_eq!(events(), n, "{who:?}");
    }
    for who in not_reporter {
        as_caller(who);
        let n = events();
        assert_eq!(g.record_repayment(b), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.record_warning(b), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.clear_warning(b), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.record_default(b), Err(Error::Unauthorized { caller: who }));
        assert_eq!(events(), n, "{who:?}");
    }
    for who in not_pool {
        as_caller(who);
        let n = events();
        assert_eq!(g.stake_changed(b, 0), Err(Error::Unauthorized { caller: who }));
        assert_eq!(g.capital_lost(b, 0), Err(Error::Unauthorized { caller: who }));
        assert_eq!(events(), n, "{who:?}");
    }
    for who in [b, gov(), pool(), stranger] {
        as_caller(who);
        assert_eq!(g.wire(wiring), Err(Error::Unauthorized { caller: who }));
    }
    as_caller(a);
    assert_eq!(g.wire(wiring), Err(Error::AlreadyWired), "the deployer, once");
    for who in [a, b, gov(), stranger] {
        as_caller(who);
        assert_eq!(g.verify(c), Err(Error::NotVerifier));
    }
    assert_eq!(snapshot(&g), before, "nothing changed");
}

/// An account of its own for the large-degree tests.
fn many(i: u32) -> AccountId {
    let mut a = [0xC0; 32];
    a[..4].copy_from_slice(&i.to_le_bytes());
    AccountId::from(a)
}

/// A member with more out-edges than one page flips its anchoring: one
/// call syncs ANCHOR_PAGE of them, the scores the rest feed say they are
/// provisional (`stale_by`), anyone finishes with `refresh_anchor`, and the
/// end state is exactly that of a flip done at once.
#[ink::test]
fn an_anchoring_change_syncs_its_edges_a_page_at_a_time() {
    let mut g = setup();
    let x = acc().alice;
    let n = u32::try_from(ANCHOR_PAGE).unwrap() * 2 + 7;
    let targets: Vec<AccountId> = (0..n).map(many).collect();
    for t in &targets {
        as_caller(*t);
        g.register().unwrap();
        as_caller(x);
        g.set_trust(*t, 300).unwrap();
    }
    assert!(targets.iter().all(|t| g.direct_trust(*t) == Ok(300)));
    // The stake goes by a loss (a write-off): the anchoring ends, nothing
    // is synced inside the loss; a refresh syncs one page.
    as_caller(pool());
    g.capital_lost(x, 0).unwrap();
    let m = g.member_info(x).unwrap();
    assert!(!m.anchored);
    assert_eq!((m.anchor_pending, m.counting_out), (n, n));
    as_caller(acc().frank);
    g.refresh_anchor(x).unwrap();
    let m = g.member_info(x).unwrap();
    assert_eq!(m.anchor_pending, n - u32::try_from(ANCHOR_PAGE).unwrap());
    let synced = targets.iter().filter(|t| g.direct_trust(**t) == Ok(0)).count();
    assert_eq!(synced, ANCHOR_PAGE);
    for t in &targets {
        let s = g.score(*t).unwrap();
        assert_eq!(s.stale_by, Some(x), "every score x feeds is provisional until x is synced");
    }
    // Anyone finishes it.
    as_caller(acc().frank);
    while g.member_info(x).unwrap().anchor_pending > 0 {
        g.refresh_anchor(x).unwrap();
    }
    for t in &targets {
        assert_eq!(g.direct_trust(*t), Ok(0), "no edge of an unanchored truster counts");
        assert_eq!(g.score(*t).unwrap().stale_by, None);
        assert_eq!(g.edge(x, *t).map(|e| e.counts), Some(false));
    }
    // And back: a new stake anchors again, the edges count again.
    as_caller(pool());
    g.stake_changed(x, 100 * ONE_TOKEN).unwrap();
    as_caller(acc().frank);
    while g.member_info(x).unwrap().anchor_pending > 0 {
        g.refresh_anchor(x).unwrap();
    }
    assert!(targets.iter().all(|t| g.direct_trust(*t) == Ok(300)));
    assert_invariants(&g);
}

/// A flip back before the first one is synced leaves every edge as it
/// should be (each edge is checked against the flag when its turn comes);
/// edges set or revoked meanwhile are counted right.
#[ink::test]
fn a_flip_back_during_a_pending_flip_ends_consistent() {
    let mut g = setup();
    let x = acc().alice;
    let n = u32::try_from(ANCHOR_PAGE).unwrap() + 10;
    let targets: Vec<AccountId> = (0..n).map(many).collect();
    for t in &targets {
        as_caller(*t);
        g.register().unwrap();
        as_caller(x);
        g.set_trust(*t, 200).unwrap();
    }
    as_caller(pool());
    g.capital_lost(x, 0).unwrap();
    as_caller(x);
    // Meanwhile: a new edge (counts as the flag says: not) and a revoked one.
    let late = many(10_000);
    as_caller(late);
    g.register().unwrap();
    as_caller(x);
    g.set_trust(late, 700).unwrap();
    g.revoke_trust(targets[0]).unwrap();
    assert_eq!(g.direct_trust(late), Ok(0));
    as_caller(pool());
    g.stake_changed(x, 100 * ONE_TOKEN).unwrap();
    while g.member_info(x).unwrap().anchor_pending > 0 {
        g.refresh_anchor(x).unwrap();
    }
    assert_eq!(g.direct_trust(late), Ok(700));
    assert_eq!(g.direct_trust(targets[0]), Ok(0));
    assert!(targets[1..].iter().all(|t| g.direct_trust(*t) == Ok(200)));
    assert!(g.edges_out(x).iter().all(|(t, _)| g.edge(x, *t).unwrap().counts));
    assert_invariants(&g);
}

/// Governance revokes a verifier: every verification it made is void at
/// once for the electorate and the CF, its members' edges stop counting at
/// their next refresh (anyone's), and verifications it makes after a new
/// appointment stand.
#[ink::test]
fn revoking_a_verifier_voids_its_verifications() {
    as_caller(acc().alice);
    set_now(1_000);
    let (v, honest) = (acc().frank, acc().eve);
    let mut g = TrustGraph::with_config(Params::default(), vec![v, honest]).unwrap();
    g.wire(Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() }).unwrap();
    let (a, b, c, d) = (acc().alice, acc().bob, acc().charlie, acc().django);
    for p in [a, b, c, d] {
        as_caller(p);
        g.register().unwrap();
    }
    as_caller(v);
    g.verify(a).unwrap();
    g.verify(b).unwrap();
    as_caller(honest);
    g.verify(c).unwrap();
    as_caller(a);
    g.set_trust(d, 800).unwrap();
    assert_eq!((g.verified_count(), g.direct_trust(d)), (3, Ok(800)));
    set_now(2_000);
    for who in [a, v, pool()] {
        as_caller(who);
        assert_eq!(g.revoke_verifier(v), Err(Error::Unauthorized { caller: who }));
    }
    as_caller(gov());
    assert_eq!(g.revoke_verifier(d), Err(Error::NothingToRevoke));
    assert_eq!(g.revoke_verifier(v), Ok(()));
    assert!(!g.is_verifier(v));
    assert_eq!(g.revoked_at(v), Some(2_000));
    assert_eq!(g.verified_count(), 1, "only the honest verifier's verification stands");
    assert_eq!((g.verified_at(a), g.verified_at(b), g.verified_at(c)), (None, None, Some(1_000)));
    assert!(!g.is_verified(a));
    assert_eq!(g.score(a).unwrap().components[3], 0, "the CF verified component is gone at once");
    // a's edge counts until anyone refreshes a.
    as_caller(c);
    assert_eq!(g.refresh_anchor(a), Ok(false));
    assert_eq!(g.direct_trust(d), Ok(0));
    assert!(!g.member_info(a).unwrap().verified);
    // Another verifier may verify a again; the count follows.
    as_caller(honest);
    g.verify(a).unwrap();
    assert_eq!(g.verified_count(), 2);
    assert_eq!(g.direct_trust(d), Ok(800));
    // Re-appointed later, v's new verifications stand; its old ones do not.
    as_caller(gov());
    g.set_verifier(v, true).unwrap();
    set_now(3_000);
    as_caller(v);
    g.verify(d).unwrap();
    assert_eq!((g.verified_at(d), g.verified_at(b)), (Some(3_000), None));
    assert_eq!(g.verified_count(), 3);
    assert_eq!(g.verified_by(v, 0, 10), vec![a, b, d], "every member it ever verified, to refresh after a revocation");
    assert_eq!(g.verified_by(v, 1, 1), vec![b]);
    assert_eq!(g.verified_by(honest, 0, 10), vec![c, a]);
    assert_invariants(&g);
}

/// Raising MIN_ANCHOR_STAKE leaves flags set by the old rule: every score
/// such a member feeds is provisional (named, so anyone refreshes it) until
/// it is refreshed; a member who newly meets the rule (only understating
/// scores until refreshed) makes nobody's score provisional.
#[ink::test]
fn a_raised_threshold_makes_the_scores_of_over_anchored_trusters_provisional() {
    let mut g = setup();
    let (a, b, c) = (acc().alice, acc().bob, acc().charlie);
    as_caller(a);
    g.set_trust(b, 400).unwrap();
    as_caller(pool());
    g.stake_changed(c, 500 * ONE_TOKEN).unwrap();
    as_caller(c);
    g.set_trust(b, 300).unwrap();
    assert_eq!(g.score(b).unwrap().stale_by, None);
    as_caller(gov());
    g.set_params(Params { min_anchor_stake: 200 * ONE_TOKEN, ..dev_params() }).unwrap();
    // b's own flag (its 100) is stale too: it is named first.
    assert_eq!(g.score(b).unwrap().stale_by, Some(b));
    as_caller(acc().frank);
    assert_eq!(g.refresh_anchor(b), Ok(false));
    let s = g.score(b).unwrap();
    assert_eq!(s.stale_by, Some(a), "a's 100 no longer anchors it but its edge still counts");
    assert_eq!(s.direct_trust, 700);
    assert_eq!(g.refresh_anchor(a), Ok(false));
    let s = g.score(b).unwrap();
    assert_eq!((s.stale_by, s.direct_trust), (None, 300), "c's 500 still anchors it");
    assert_invariants(&g);
}

/// Own capital reported before registering anchors at registration and is
/// the member's `reported_stake` from then on.
#[ink::test]
fn capital_reported_before_registering_moves_into_the_record() {
    as_caller(acc().alice);
    set_now(0);
    let mut g = TrustGraph::with_config(dev_params(), Vec::new()).unwrap();
    g.wire(Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() }).unwrap();
    let x = AccountId::from([0x42; 32]);
    as_caller(pool());
    g.stake_changed(x, 100 * ONE_TOKEN).unwrap();
    assert_eq!(g.reported_stake(x), 100 * ONE_TOKEN);
    as_caller(x);
    g.register().unwrap();
    let m = g.member_info(x).unwrap();
    assert_eq!((m.own_capital, m.anchored, g.reported_stake(x)), (100 * ONE_TOKEN, true, 100 * ONE_TOKEN));
    as_caller(pool());
    g.stake_changed(x, 40 * ONE_TOKEN).unwrap();
    assert_eq!((g.reported_stake(x), g.member_info(x).unwrap().anchored), (40 * ONE_TOKEN, false));
}

/// Free accounts cannot fill a member's in-degree: at most
/// UNANCHORED_IN_CAP of its in-edges may be edges that do not count; then
/// an unanchored account is refused (nothing changed) while an anchored one
/// still gets in, and a rejected one frees its slot.
#[ink::test]
fn unanchored_trusters_fill_at_most_their_share_of_the_in_degree() {
    let mut g = setup();
    let target = acc().alice;
    for i in 0..UNANCHORED_IN_CAP {
        as_caller(many(i));
        g.register().unwrap();
        g.set_trust(target, 800).unwrap();
    }
    let late = many(UNANCHORED_IN_CAP);
    as_caller(late);
    g.register().unwrap();
    let before = (g.member_info(target), events());
    assert_eq!(g.set_trust(target, 800), Err(Error::UnanchoredInDegreeCap { cap: UNANCHORED_IN_CAP }));
    assert_eq!((g.member_info(target), events()), before, "refused: nothing changed");
    // An anchored member is not kept out.
    as_caller(acc().bob);
    assert_eq!(g.set_trust(target, 300), Ok(()));
    // The target rejects one free account: the next one fits.
    as_caller(target);
    g.reject_trust(many(0)).unwrap();
    as_caller(late);
    assert_eq!(g.set_trust(target, 800), Ok(()));
    let m = g.member_info(target).unwrap();
    assert_eq!((m.in_degree, m.trusters, m.direct_trust), (UNANCHORED_IN_CAP + 1, 1, 300));
    assert_invariants(&g);
}

/// Drain before drop (SPEC §2, v2; outside review H1/H2): the capital that
/// anchors a member cannot move on — to anchor someone else — while the
/// member's trust still counts. A voluntary change that would end the
/// anchoring is refused until `release_anchor` has made every edge stop
/// counting; meanwhile the scores those edges feed are provisional.
#[ink::test]
fn anchoring_capital_cannot_leave_while_its_trust_counts() {
    let mut g = setup();
    let x = acc().alice;
    let n = u32::try_from(ANCHOR_PAGE).unwrap() + 5;
    let targets: Vec<AccountId> = (0..n).map(many).collect();
    for t in &targets {
        as_caller(*t);
        g.register().unwrap();
        as_caller(x);
        g.set_trust(*t, 250).unwrap();
    }
    as_caller(pool());
    let before = (g.member_info(x), events());
    assert_eq!(g.stake_changed(x, 99 * ONE_TOKEN), Err(Error::AnchorNotReleased { counting: n }));
    assert_eq!((g.member_info(x), events()), before, "refused: nothing changed");
    // More capital is always fine.
    assert_eq!(g.stake_changed(x, 300 * ONE_TOKEN), Ok(()));
    as_caller(x);
    assert_eq!(g.release_anchor(), Ok(5), "one page now");
    assert_eq!(g.score(targets[0]).unwrap().stale_by.or(g.score(targets[n as usize - 1]).unwrap().stale_by), Some(x));
    as_caller(pool());
    assert_eq!(g.stake_changed(x, 0), Err(Error::AnchorNotReleased { counting: 5 }));
    as_caller(x);
    assert_eq!(g.release_anchor(), Ok(0));
    assert!(targets.iter().all(|t| g.direct_trust(*t) == Ok(0) && g.score(*t).unwrap().stale_by.is_none()));
    as_caller(pool());
    assert_eq!(g.stake_changed(x, 0), Ok(()));
    // New trust from a released member does not count either.
    as_caller(x);
    g.set_trust(acc().bob, 600).unwrap();
    assert_eq!(g.edge(x, acc().bob).map(|e| e.counts), Some(false));
    assert_invariants(&g);
}

/// A verifier revoked and re-appointed in one block cannot verify in that
/// block (its verification would be void on arrival yet counted).
#[ink::test]
fn a_verifier_revoked_in_this_block_cannot_verify_in_it() {
    as_caller(acc().alice);
    set_now(1_000);
    let v = acc().frank;
    let mut g = TrustGraph::with_config(Params::default(), vec![v]).unwrap();
    g.wire(Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() }).unwrap();
    as_caller(acc().bob);
    g.register().unwrap();
    as_caller(gov());
    g.revoke_verifier(v).unwrap();
    g.set_verifier(v, true).unwrap();
    as_caller(v);
    assert_eq!(g.verify(acc().bob), Err(Error::NotVerifier));
    assert_eq!(g.verified_count(), 0);
    set_now(2_000);
    assert_eq!(g.verify(acc().bob), Ok(()));
    assert_eq!((g.verified_count(), g.is_verified(acc().bob)), (1, true));
}

/// A truster anchored only by a verification its verifier's revocation
/// voided, not refreshed yet, makes the scores it feeds provisional.
#[ink::test]
fn an_unrefreshed_voided_verification_makes_scores_provisional() {
    as_caller(acc().alice);
    set_now(1_000);
    let v = acc().frank;
    let mut g = TrustGraph::with_config(Params::default(), vec![v]).unwrap();
    g.wire(Wiring { governance: gov(), credit_pool: pool(), loan_manager: loans() }).unwrap();
    let (a, b) = (acc().alice, acc().bob);
    for p in [a, b] {
        as_caller(p);
        g.register().unwrap();
    }
    as_caller(v);
    g.verify(a).unwrap();
    as_caller(a);
    g.set_trust(b, 800).unwrap();
    assert_eq!(g.score(b).unwrap().stale_by, None);
    set_now(2_000);
    as_caller(gov());
    g.revoke_verifier(v).unwrap();
    assert_eq!(g.score(b).unwrap().stale_by, Some(a));
    // a may not vouch on its void verification; a new edge of a's does not count.
    as_caller(a);
    assert_eq!(g.vouch(b), Err(Error::NotAnchored));
    as_caller(acc().charlie);
    g.register().unwrap();
    as_caller(a);
    g.set_trust(acc().charlie, 500).unwrap();
    assert_eq!(g.direct_trust(acc().charlie), Ok(0));
    assert_eq!((g.score(b).unwrap().stale_by, g.direct_trust(b)), (None, Ok(0)), "a was refreshed by its own set_trust");
    assert_invariants(&g);
}
