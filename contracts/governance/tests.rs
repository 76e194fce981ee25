//! Unit tests of `governance` in the off-chain environment (cross-contract
//! calls go to `crate::mock`): the whole lifecycle, every state transition
//! allowed and refused, the quadratic cost at its boundaries, eligibility,
//! quorum, a failing execution that changes nothing, expiry, cancellation and
//! the guardian.

use crate::governance::*;
use crate::mock;
use dcu_common::loan::LoanParams;
use dcu_common::pool::PoolParams;
use dcu_common::{DAY_MS as D, ONE_TOKEN as T};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use ink::scale::Encode;

const GRAPH: [u8; 32] = [0xA5; 32];
const POOL: [u8; 32] = [0xA2; 32];
const GOV: [u8; 32] = [0xA1; 32];
const ESCROW: [u8; 32] = [0xA6; 32];
const LOANS: [u8; 32] = [0xA7; 32];

fn id(n: u8) -> AccountId {
    AccountId::from([n; 32])
}
fn events() -> usize {
    test::recorded_events().count()
}
fn as_caller(n: u8) {
    test::set_caller::<Env>(id(n));
}
/// The tests' clock starts 1 ms after the setup's verifications (at 0), so
/// that the members verified by `setup` predate every proposal.
const EPOCH: u64 = 1;
fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms + EPOCH);
}
const DEPLOYER: u8 = 9;
const GUARDIAN: u8 = 8;
const ALICE: u8 = 1;
const BOB: u8 = 2;
const CAROL: u8 = 3;
const LOW: u8 = 4; // a member who is not verified
const STRANGER: u8 = 7;

/// Governance with default parameters (production floors), wired; Alice,
/// Bob and Carol verified before anything is proposed, ten verified members
/// in all; LOW is a member who is not verified.
fn setup() -> Governance {
    mock::reset();
    test::set_callee::<Env>(AccountId::from(GOV));
    set_now(0);
    as_caller(DEPLOYER);
    let mut g = Governance::new(GovParams::default(), Some(id(GUARDIAN)), false).expect("valid params");
    assert_eq!(g.wire(Wiring { trust_graph: AccountId::from(GRAPH), credit_pool: AccountId::from(POOL), warrant_escrow: AccountId::from(ESCROW), loan_manager: AccountId::from(LOANS) }), Ok(()));
    for m in [ALICE, BOB, CAROL] {
        mock::verify(id(m));
    }
    mock::set_verified_count(10);
    g
}

fn raise_max_credit() -> Action {
    Action::SetPoolParams(PoolParams { max_credit: 5_000 * T, ..PoolParams::default() })
}

/// A proposal by Alice, voted for by Alice (10) and Bob (3) and against by Carol (2).
fn passed(g: &mut Governance, action: Action) -> u32 {
    as_caller(ALICE);
    let pid = g.propose(action, "raise".into()).unwrap();
    set_now(D);
    for (who, support, votes) in [(ALICE, true, 10), (BOB, true, 3), (CAROL, false, 2)] {
        as_caller(who);
        assert_eq!(g.vote(pid, support, votes), Ok(()));
    }
    set_now(8 * D);
    assert_eq!(g.state(pid), Ok(State::Succeeded));
    pid
}

#[ink::test]
fn a_proposal_passes_waits_out_the_timelock_and_executes_the_call() {
    let mut g = setup();
    as_caller(ALICE);
    let pid = g.propose(raise_max_credit(), "MAX_CREDIT 5,000".into()).unwrap();
    assert_eq!(pid, 0);
    assert_eq!(g.state(pid), Ok(State::Pending));
    as_caller(BOB);
    assert_eq!(g.vote(pid, true, 1), Err(Error::WrongState { current: State::Pending, expected: State::Active }));
    set_now(D);
    assert_eq!(g.state(pid), Ok(State::Active));
    assert_eq!(g.queue(pid), Err(Error::WrongState { current: State::Active, expected: State::Succeeded }));
    for (who, support, votes) in [(ALICE, true, 10), (BOB, true, 3), (CAROL, false, 2)] {
        as_caller(who);
        assert_eq!(g.vote(pid, support, votes), Ok(()));
    }
    let p = g.proposal(pid).unwrap().proposal;
    assert_eq!((p.votes_for, p.votes_against, p.voters, p.electorate), (13, 2, 3, 10));
    set_now(8 * D - 1);
    assert_eq!(g.state(pid), Ok(State::Active));
    set_now(8 * D);
    assert_eq!(g.state(pid), Ok(State::Succeeded));
    assert_eq!(g.execute(pid), Err(Error::WrongState { current: State::Succeeded, expected: State::Queued }));
    assert_eq!(g.queue(pid), Ok(10 * D + EPOCH));
    assert_eq!(g.state(pid), Ok(State::Queued));
    set_now(10 * D - 1);
    assert_eq!(g.execute(pid), Err(Error::Timelocked { eta: 10 * D + EPOCH }));
    assert!(mock::calls().is_empty());
    set_now(10 * D);
    as_caller(STRANGER);
    assert_eq!(g.execute(pid), Ok(true));
    assert_eq!(g.state(pid), Ok(State::Executed));
    let calls = mock::calls();
    assert_eq!(calls.len(), 1);
    let (to, selector, args) = &calls[0];
    assert_eq!(*to, AccountId::from(POOL));
    assert_eq!(*selector, ink::selector_bytes!("set_params"));
    assert_eq!(*args, PoolParams { max_credit: 5_000 * T, ..PoolParams::default() }.encode());
    assert_eq!(g.execute(pid), Err(Error::WrongState { current: State::Executed, expected: State::Queued }));
}

#[ink::test]
fn quadratic_cost_at_its_boundaries() {
    let mut g = setup();
    as_caller(ALICE);
    let pid = g.propose(raise_max_credit(), String::new()).unwrap();
    set_now(D);
    // 100 credits: 10 votes cost exactly 100, 11 cost 121.
    as_caller(BOB);
    assert_eq!(g.vote(pid, true, 11), Err(Error::InsufficientCredits { credits: 100, cost: 121 }));
    assert_eq!(g.vote(pid, true, 0), Err(Error::ZeroVotes));
    assert_eq!(g.vote(pid, true, u32::MAX), Err(Error::InsufficientCredits { credits: 100, cost: u64::from(u32::MAX).pow(2) }));
    assert_eq!(g.vote(pid, true, 10), Ok(()));
    assert_eq!(g.vote(pid, false, 1), Err(Error::AlreadyVoted));
    assert_eq!(g.ballot(pid, id(BOB)), Some(Ballot { support: true, votes: 10 }));
    assert_eq!(g.proposal(pid).unwrap().proposal.votes_for, 10);
    assert_eq!(g.vote(7, true, 1), Err(Error::NoSuchProposal));
}

#[ink::test]
fn only_members_verified_before_a_proposal_have_a_voice_on_it() {
    let mut g = setup();
    // LOW is a member but not verified; a stranger is nothing: no voice.
    assert_eq!(g.voice_credits(id(ALICE)), Ok(100));
    assert_eq!(g.voice_credits(id(LOW)), Ok(0));
    assert_eq!(g.voice_credits(id(STRANGER)), Ok(0));
    as_caller(STRANGER);
    assert_eq!(g.propose(raise_max_credit(), String::new()), Err(Error::NoVoiceCredits));
    as_caller(LOW);
    assert_eq!(g.propose(raise_max_credit(), String::new()), Err(Error::NoVoiceCredits));
    as_caller(ALICE);
    let pid = g.propose(raise_max_credit(), String::new()).unwrap();
    let created_at = g.proposal(pid).unwrap().proposal.created_at;
    // LOW is verified after the proposal was made: a voice on the next one only.
    mock::verify_at(id(LOW), created_at);
    assert_eq!(g.voice_credits(id(LOW)), Ok(100));
    set_now(D);
    as_caller(STRANGER);
    assert_eq!(g.vote(pid, true, 1), Err(Error::NoVoiceCredits));
    as_caller(LOW);
    assert_eq!(g.voice_credits_on(pid, id(LOW)), Err(Error::VerifiedAfterProposal { verified_at: created_at, created_at }));
    assert_eq!(g.vote(pid, true, 1), Err(Error::VerifiedAfterProposal { verified_at: created_at, created_at }));
    assert_eq!(g.proposal(pid).unwrap().proposal.voters, 0);
    assert_eq!(g.voice_credits_on(pid, id(ALICE)), Ok(100));
    let next = g.propose(raise_max_credit(), String::new()).unwrap();
    set_now(2 * D);
    assert_eq!(g.vote(next, true, 1), Ok(()));
}

#[ink::test]
fn a_proposal_keeps_the_voice_credits_and_electorate_of_its_snapshot() {
    let mut g = setup();
    as_caller(ALICE);
    let pid = g.propose(raise_max_credit(), String::new()).unwrap();
    assert_eq!(g.proposal(pid).unwrap().proposal.electorate, 10);
    // A thousand verifications later the proposal's quorum is unchanged.
    for n in 100..=200u8 {
        mock::verify_at(id(n), D / 2);
    }
    mock::set_verified_count(1_010);
    assert_eq!(g.proposal(pid).unwrap().proposal.electorate, 10);
    set_now(D);
    for who in [ALICE, BOB] {
        as_caller(who);
        g.vote(pid, true, 10).unwrap();
    }
    set_now(8 * D);
    assert_eq!(g.state(pid), Ok(State::Succeeded), "2 of the 10 eligible voted: the quorum of 10 % was met");
}

#[ink::test]
fn without_quorum_or_majority_a_proposal_is_defeated() {
    let mut g = setup();
    mock::set_verified_count(30); // 10 % quorum: 3 voters
    as_caller(ALICE);
    let a = g.propose(raise_max_credit(), String::new()).unwrap();
    let b = g.propose(raise_max_credit(), String::new()).unwrap();
    set_now(D);
    as_caller(ALICE);
    g.vote(a, true, 10).unwrap();
    as_caller(BOB);
    g.vote(a, true, 10).unwrap();
    // b: three voters, a tie of 5 for and 5 against.
    as_caller(ALICE);
    g.vote(b, true, 5).unwrap();
    as_caller(BOB);
    g.vote(b, false, 3).unwrap();
    as_caller(CAROL);
    g.vote(b, false, 2).unwrap();
    set_now(8 * D);
    assert_eq!(g.state(a), Ok(State::Defeated));
    assert_eq!(g.state(b), Ok(State::Defeated));
    assert_eq!(g.queue(a), Err(Error::WrongState { current: State::Defeated, expected: State::Succeeded }));
}

#[ink::test]
fn a_failing_call_changes_nothing_keeps_the_proposal_queued_and_is_recorded() {
    let mut g = setup();
    let pid = passed(&mut g, raise_max_credit());
    g.queue(pid).unwrap();
    set_now(10 * D);
    // The pool refuses (e.g. Unauthorized: an Err answer) and reverts.
    mock::answer(Some(Ok(vec![1, 15])));
    assert_eq!(g.execute(pid), Ok(false));
    assert_eq!(g.state(pid), Ok(State::Queued));
    assert_eq!(g.proposal(pid).unwrap().proposal.last_error, Some(vec![1, 15]));
    // The call itself fails (trap): recorded without an answer.
    mock::answer(Some(Err(())));
    assert_eq!(g.execute(pid), Ok(false));
    assert_eq!(g.proposal(pid).unwrap().proposal.last_error, Some(vec![]));
    // Retried within the window once the cause is fixed.
    mock::answer(None);
    assert_eq!(g.execute(pid), Ok(true));
    assert_eq!(g.state(pid), Ok(State::Executed));
    assert_eq!(g.proposal(pid).unwrap().proposal.last_error, None);
}

/// Review F4: a raw call to a third-party message that returns `()` answers
/// no bytes; it ran, so the proposal is executed — once, never again.
#[ink::test]
fn a_call_answering_nothing_is_executed_once() {
    let mut g = setup();
    let target = AccountId::from([0x42; 32]);
    let pid = passed(&mut g, Action::RawCall { target: Target::Contract(target), selector: [5, 6, 7, 8], input: vec![] });
    g.queue(pid).unwrap();
    set_now(10 * D);
    mock::answer(Some(Ok(vec![])));
    assert_eq!(g.execute(pid), Ok(true));
    assert_eq!(g.state(pid), Ok(State::Executed));
    assert_eq!(g.execute(pid), Err(Error::WrongState { current: State::Executed, expected: State::Queued }));
    assert_eq!(mock::calls().iter().filter(|(to, _, _)| *to == target).count(), 1);
}

#[ink::test]
fn a_queued_proposal_expires_after_the_execution_window() {
    let mut g = setup();
    let pid = passed(&mut g, raise_max_credit());
    g.queue(pid).unwrap();
    let end = 10 * D + 14 * D;
    set_now(end);
    assert_eq!(g.state(pid), Ok(State::Queued));
    set_now(end + 1);
    assert_eq!(g.state(pid), Ok(State::Expired));
    assert_eq!(g.execute(pid), Err(Error::WrongState { current: State::Expired, expected: State::Queued }));
    assert!(mock::calls().is_empty());
}

#[ink::test]
fn proposer_or_guardian_cancel_unfinished_proposals() {
    let mut g = setup();
    as_caller(ALICE);
    let pid = g.propose(raise_max_credit(), String::new()).unwrap();
    as_caller(BOB);
    assert_eq!(g.cancel(pid), Err(Error::Unauthorized { caller: id(BOB) }));
    as_caller(ALICE);
    assert_eq!(g.cancel(pid), Ok(()));
    assert_eq!(g.state(pid), Ok(State::Canceled));
    assert_eq!(g.cancel(pid), Err(Error::WrongState { current: State::Canceled, expected: State::Active }));
    set_now(0);
    // The guardian may not cancel a proposal in its vote, nor one that has
    // passed but is not queued: only in the timelock.
    as_caller(ALICE);
    let active = g.propose(raise_max_credit(), String::new()).unwrap();
    as_caller(GUARDIAN);
    assert_eq!(g.cancel(active), Err(Error::WrongState { current: State::Pending, expected: State::Queued }));
    set_now(0);
    let q = passed(&mut g, raise_max_credit());
    as_caller(GUARDIAN);
    assert_eq!(g.cancel(q), Err(Error::WrongState { current: State::Succeeded, expected: State::Queued }));
    g.queue(q).unwrap();
    assert_eq!(g.cancel(q), Ok(()));
    set_now(10 * D);
    assert_eq!(g.execute(q), Err(Error::WrongState { current: State::Canceled, expected: State::Queued }));
}

#[ink::test]
fn the_guardian_cannot_cancel_its_removal_an_unpause_or_governance_changes() {
    // The attack (security review M2): a rogue guardian pauses the pool and
    // cancels every proposal that would unpause it or remove the guardian.
    let mut g = setup();
    as_caller(GUARDIAN);
    assert_eq!(g.guardian_pause(), Ok(()));
    let actions = [
        Action::SetPoolPaused(false),
        Action::SetGovParams(GovParams { voting_period_ms: 3 * D, ..GovParams::default() }),
        Action::SetGuardian(Some(id(CAROL))),
        Action::SetGuardian(None),
    ];
    as_caller(ALICE);
    let ids: Vec<u32> = actions.iter().map(|a| g.propose(a.clone(), String::new()).unwrap()).collect();
    set_now(D);
    for &pid in &ids {
        for who in [ALICE, BOB] {
            as_caller(who);
            g.vote(pid, true, 10).unwrap();
        }
    }
    set_now(8 * D);
    for (&pid, action) in ids.iter().zip(&actions) {
        g.queue(pid).unwrap();
        as_caller(GUARDIAN);
        assert_eq!(g.cancel(pid), Err(Error::GuardianMayNotCancel), "{action:?}");
        assert_eq!(g.state(pid), Ok(State::Queued));
    }
    set_now(10 * D);
    for (&pid, action) in ids.iter().zip(&actions) {
        assert_eq!(g.execute(pid), Ok(true), "{action:?} executes despite the guardian");
    }
    assert_eq!(g.guardian(), None, "the guardian was removed");
    // A guardian may still stop an upgrade in flight.
    as_caller(ALICE);
    let pid = g.propose(Action::SetGuardian(Some(id(GUARDIAN))), String::new()).unwrap();
    set_now(11 * D);
    g.vote(pid, true, 10).unwrap();
    set_now(18 * D);
    g.queue(pid).unwrap();
    set_now(20 * D);
    g.execute(pid).unwrap();
    as_caller(ALICE);
    let up = g.propose(Action::Upgrade { target: Target::CreditPool, code_hash: [7; 32].into() }, String::new()).unwrap();
    set_now(21 * D);
    g.vote(up, true, 10).unwrap();
    set_now(28 * D);
    g.queue(up).unwrap();
    as_caller(GUARDIAN);
    assert_eq!(g.cancel(up), Ok(()));
}

#[ink::test]
fn a_passed_proposal_nobody_queues_goes_stale() {
    // The attack (security review M6): a proposal passed long ago is queued
    // months later, when circumstances have changed.
    let mut g = setup();
    let pid = passed(&mut g, Action::SpendTreasury { to: id(STRANGER), amount: 1_000 * T });
    let ends = g.proposal(pid).unwrap().proposal.voting_ends;
    test::set_block_timestamp::<Env>(ends + 14 * D);
    assert_eq!(g.state(pid), Ok(State::Succeeded));
    test::set_block_timestamp::<Env>(ends + 14 * D + 1);
    assert_eq!(g.state(pid), Ok(State::Expired));
    assert_eq!(g.queue(pid), Err(Error::WrongState { current: State::Expired, expected: State::Succeeded }));
    assert!(mock::calls().is_empty());
}

#[ink::test]
fn the_guardian_pauses_but_governance_decides_who_the_guardian_is() {
    let mut g = setup();
    as_caller(ALICE);
    assert_eq!(g.guardian_pause(), Err(Error::Unauthorized { caller: id(ALICE) }));
    as_caller(GUARDIAN);
    assert_eq!(g.guardian_pause(), Ok(()));
    assert_eq!(mock::calls(), vec![(AccountId::from(POOL), ink::selector_bytes!("set_paused"), true.encode())]);
    // Governance removes the guardian.
    let pid = passed(&mut g, Action::SetGuardian(None));
    g.queue(pid).unwrap();
    set_now(10 * D);
    assert_eq!(g.execute(pid), Ok(true));
    assert_eq!(g.guardian(), None);
    as_caller(GUARDIAN);
    assert_eq!(g.guardian_pause(), Err(Error::NoGuardian));
}

#[ink::test]
fn typed_actions_call_the_right_message_with_their_arguments() {
    let mut g = setup();
    let cases = [
        (Action::SetVerifier { verifier: id(5), appointed: true }, GRAPH, ink::selector_bytes!("set_verifier"), (id(5), true).encode()),
        (Action::RevokeVerifier(id(5)), GRAPH, ink::selector_bytes!("revoke_verifier"), id(5).encode()),
        (Action::SetPoolPaused(false), POOL, ink::selector_bytes!("set_paused"), false.encode()),
        (Action::SpendTreasury { to: id(5), amount: 7 }, POOL, ink::selector_bytes!("spend_treasury"), (id(5), 7u128).encode()),
        (
            Action::Upgrade { target: Target::TrustGraph, code_hash: [7u8; 32].into() },
            GRAPH,
            ink::selector_bytes!("set_code"),
            ink::primitives::Hash::from([7u8; 32]).encode(),
        ),
        (
            Action::Upgrade { target: Target::WarrantEscrow, code_hash: [8u8; 32].into() },
            ESCROW,
            ink::selector_bytes!("set_code"),
            ink::primitives::Hash::from([8u8; 32]).encode(),
        ),
        (Action::RawCall { target: Target::CreditPool, selector: [1, 2, 3, 4], input: vec![9, 9] }, POOL, [1, 2, 3, 4], vec![9, 9]),
        // A contract outside the suite (a federation), by address.
        (Action::RawCall { target: Target::Contract(AccountId::from([0x42; 32])), selector: [5, 6, 7, 8], input: vec![3] }, [0x42; 32], [5, 6, 7, 8], vec![3]),
        (
            Action::SetLoanParams(LoanParams { max_hops: 4, ..LoanParams::default() }),
            LOANS,
            ink::selector_bytes!("set_params"),
            LoanParams { max_hops: 4, ..LoanParams::default() }.encode(),
        ),
        (
            Action::Upgrade { target: Target::LoanManager, code_hash: [9u8; 32].into() },
            LOANS,
            ink::selector_bytes!("set_code"),
            ink::primitives::Hash::from([9u8; 32]).encode(),
        ),
    ];
    for (i, (action, to, selector, args)) in cases.into_iter().enumerate() {
        set_now(100 * D * i as u64);
        let pid = {
            as_caller(ALICE);
            let pid = g.propose(action, String::new()).unwrap();
            set_now(100 * D * i as u64 + D);
            for who in [ALICE, BOB] {
                as_caller(who);
                g.vote(pid, true, 5).unwrap();
            }
            set_now(100 * D * i as u64 + 8 * D);
            g.queue(pid).unwrap();
            set_now(100 * D * i as u64 + 10 * D);
            pid
        };
        assert_eq!(g.execute(pid), Ok(true));
        assert_eq!(mock::calls().last().cloned(), Some((AccountId::from(to), selector, args)));
    }
}

#[ink::test]
fn governance_changes_its_own_parameters_within_their_ranges() {
    let mut g = setup();
    // Production floors (security review M6): a vote shorter than a day or a
    // timelock shorter than a day is refused before anyone votes on it.
    let fast = GovParams { voting_delay_ms: 0, voting_period_ms: 60_000, timelock_ms: 0, ..GovParams::default() };
    as_caller(ALICE);
    assert_eq!(g.propose(Action::SetGovParams(fast), String::new()), Err(Error::InvalidParam { name: "voting_period_ms".into() }));
    assert_eq!(
        g.propose(Action::SetGovParams(GovParams { timelock_ms: D - 1, ..GovParams::default() }), String::new()),
        Err(Error::InvalidParam { name: "timelock_ms".into() })
    );
    let faster = GovParams { voting_delay_ms: 0, voting_period_ms: D, timelock_ms: D, ..GovParams::default() };
    assert_eq!(
        g.propose(Action::SetPoolParams(PoolParams { max_credit: 1, ..PoolParams::default() }), String::new()),
        Err(Error::InvalidParam { name: "max_credit".into() })
    );
    assert_eq!(
        g.propose(Action::SetLoanParams(LoanParams { max_hops: 0, ..LoanParams::default() }), String::new()),
        Err(Error::InvalidParam { name: "max_hops".into() })
    );
    assert_eq!(
        g.propose(Action::RawCall { target: Target::CreditPool, selector: [0; 4], input: vec![0; 1_025] }, String::new()),
        Err(Error::InputTooLong { max: MAX_INPUT })
    );
    assert_eq!(g.propose(raise_max_credit(), "x".repeat(201)), Err(Error::TitleTooLong { max: MAX_TITLE }));
    set_now(0);
    let pid = passed(&mut g, Action::SetGovParams(faster));
    g.queue(pid).unwrap();
    set_now(10 * D);
    assert_eq!(g.execute(pid), Ok(true));
    assert_eq!(g.params(), faster);
    assert!(mock::calls().is_empty());
}

#[ink::test]
fn one_minute_votes_and_no_timelock_exist_only_in_development_mode() {
    mock::reset();
    as_caller(DEPLOYER);
    let fast = GovParams { voting_delay_ms: 0, voting_period_ms: 60_000, timelock_ms: 0, ..GovParams::default() };
    assert_eq!(Governance::new(fast, None, false).err(), Some(Error::InvalidParam { name: "voting_period_ms".into() }));
    let g = Governance::new(fast, None, true).expect("development mode");
    assert!(g.dev_mode());
    assert_eq!(g.params(), fast);
    assert!(!Governance::new(GovParams::default(), None, false).unwrap().dev_mode());
    // Even in development mode a vote lasts at least a minute.
    let silly = GovParams { voting_period_ms: 59_999, ..fast };
    assert_eq!(Governance::new(silly, None, true).err(), Some(Error::InvalidParam { name: "voting_period_ms".into() }));
}

#[ink::test]
fn wiring_and_construction_are_checked() {
    mock::reset();
    as_caller(DEPLOYER);
    let bad = GovParams { quorum_bps: 10_001, ..GovParams::default() };
    assert_eq!(Governance::new(bad, None, false).err(), Some(Error::InvalidParam { name: "quorum_bps".into() }));
    let mut g = Governance::new(GovParams::default(), None, false).unwrap();
    as_caller(ALICE);
    assert_eq!(g.propose(raise_max_credit(), String::new()), Err(Error::NotWired));
    let w = Wiring { trust_graph: AccountId::from(GRAPH), credit_pool: AccountId::from(POOL), warrant_escrow: AccountId::from(ESCROW), loan_manager: AccountId::from(LOANS) };
    assert_eq!(g.wire(w), Err(Error::Unauthorized { caller: id(ALICE) }));
    as_caller(DEPLOYER);
    assert_eq!(g.wire(w), Ok(()));
    assert_eq!(g.wire(w), Err(Error::AlreadyWired));
    assert_eq!(g.wiring(), Some(w));
    as_caller(GUARDIAN);
    assert_eq!(g.guardian_pause(), Err(Error::NoGuardian));
}

#[ink::test]
fn a_member_has_at_most_four_proposals_in_voting() {
    let mut g = setup();
    as_caller(ALICE);
    for i in 0..4 {
        assert_eq!(g.propose(Action::SetPoolPaused(true), String::new()), Ok(i));
    }
    let before = g.proposal_count();
    assert_eq!(g.propose(Action::SetPoolPaused(true), String::new()), Err(Error::TooManyProposals { max: 4 }));
    assert_eq!(g.proposal_count(), before);
    // another member is not affected
    as_caller(BOB);
    assert_eq!(g.propose(Action::SetPoolPaused(true), String::new()), Ok(4));
    // once the votes end, Alice may propose again
    let ends = g.proposal(0).unwrap().proposal.voting_ends;
    set_now(ends);
    as_caller(ALICE);
    assert_eq!(g.propose(Action::SetPoolPaused(true), String::new()), Ok(5));
}

/// SPEC §6 (v2), stated directly: a proposal's set of possible voters never
/// grows after it is created. Over random verification times before, at and
/// after a proposal's creation (and at random times of voting), an account
/// has a voice on it exactly when it was verified strictly before it was
/// made, and its electorate stays what it was.
#[ink::test]
fn the_possible_voters_of_a_proposal_never_grow() {
    let mut seed: u64 = 0x5EED_0F_601D;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut g = setup();
    as_caller(ALICE);
    set_now(2 * D);
    let pid = g.propose(raise_max_credit(), String::new()).unwrap();
    let p0 = g.proposal(pid).unwrap().proposal;
    let created = p0.created_at;
    let mut eligible = vec![id(ALICE), id(BOB), id(CAROL)];
    for n in 100..=199u8 {
        // verified somewhere in [created − 1 day, created + 1 day], or never
        if next(5) == 0 {
            continue;
        }
        let at = created + next(2 * D + 1) - D;
        mock::verify_at(id(n), at);
        if at < created {
            eligible.push(id(n));
        }
        mock::set_verified_count(10 + u32::from(n));
    }
    for _ in 0..20 {
        set_now(2 * D + next(7 * D));
        for n in (1..=8u8).chain(100..=199) {
            let who = id(n);
            let has_voice = g.voice_credits_on(pid, who).is_ok();
            assert_eq!(has_voice, eligible.contains(&who), "account {n} at {created}");
        }
        assert_eq!(g.proposal(pid).unwrap().proposal.electorate, p0.electorate);
    }
}

/// The access matrix: every privileged message × every caller that may not
/// call it → `Unauthorized`, no event, nothing changed. (Governance has no
/// setter of its own: its parameters, guardian and code change only by an
/// executed proposal, which anyone may queue and execute once it passed.)
#[ink::test]
fn access_matrix_refuses_every_privileged_message_to_everyone_else() {
    let mut g = setup();
    as_caller(ALICE);
    let pid = g.propose(raise_max_credit(), String::new()).unwrap();
    let w = Wiring { trust_graph: id(STRANGER), credit_pool: id(STRANGER), warrant_escrow: id(STRANGER), loan_manager: id(STRANGER) };
    let before = (g.params(), g.guardian(), g.wiring(), g.proposal(pid), events());
    for who in [ALICE, BOB, GUARDIAN, STRANGER] {
        as_caller(who);
        assert_eq!(g.wire(w), Err(Error::Unauthorized { caller: id(who) }));
    }
    as_caller(DEPLOYER);
    assert_eq!(g.wire(w), Err(Error::AlreadyWired));
    for who in [DEPLOYER, ALICE, BOB, STRANGER] {
        as_caller(who);
        assert_eq!(g.guardian_pause(), Err(Error::Unauthorized { caller: id(who) }));
    }
    for who in [DEPLOYER, BOB, STRANGER] {
        as_caller(who);
        assert_eq!(g.cancel(pid), Err(Error::Unauthorized { caller: id(who) }));
    }
    assert_eq!((g.params(), g.guardian(), g.wiring(), g.proposal(pid), events()), before, "nothing changed");
    assert!(mock::calls().is_empty());
}
