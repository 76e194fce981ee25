//! The attacks of the independent security review (`shared/reviews/
//! security-2026-12-01.md`), each replayed on a real node against the
//! release Wasm, each test named after its attack and showing that it no
//! longer reaches its goal and that its refused steps change nothing.
//!
//! Trust and governance (SPEC v2 §2, §6): trust, a vote and a quorum must
//! cost something to obtain.

use dcu_common::pool::PoolParams;
use dcu_e2e_tests::{start, Client, TestResult, ONE};
use governance::{Action, Error as GovError, GovParams, Governance, GovernanceRef, State, Target, Wiring as GovWiring};
use ink::primitives::AccountId;
use ink_e2e::{account_id, alice, bob, charlie, ferdie, AccountKeyring, ChainBackend, ContractsBackend, Keypair};
use psp22::PSP22;
use stable_token::{StableToken, StableTokenRef};
use trust_graph::{Error as GraphError, Params as TrustParams, TrustGraph, TrustGraphRef, Wiring as GraphWiring};

/// Governance, a trust graph (Alice the founding verifier, development
/// anchoring) and a token, wired; Alice and Bob verified. The pool and the
/// loan manager are played by governance's own address (no calls reach
/// them here). `guardian` is Ferdie.
struct Gov {
    token: AccountId,
    graph: AccountId,
    gov: AccountId,
}

async fn suite(client: &mut Client, dev_mode: bool) -> Result<Gov, Box<dyn std::error::Error>> {
    let a = account_id(AccountKeyring::Alice);
    let mut t = StableTokenRef::new(1_000_000 * ONE, None, None, 6, 0, 0);
    let token = client.instantiate("stable_token", &alice(), &mut t).submit().await?.account_id;
    let mut g = TrustGraphRef::with_config(TrustParams { min_anchor_age_days: 0, ..TrustParams::default() }, vec![a]);
    let graph = client.instantiate("trust_graph", &alice(), &mut g).submit().await?.account_id;
    let params = if dev_mode { GovParams { voting_delay_ms: 0, voting_period_ms: 60_000, timelock_ms: 0, ..GovParams::default() } } else { GovParams::default() };
    let mut gv = GovernanceRef::new(params, Some(account_id(AccountKeyring::Ferdie)), dev_mode);
    let gov = client.instantiate("governance", &alice(), &mut gv).submit().await?.account_id;
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(graph);
    let mut gc = ink_e2e::create_call_builder::<Governance>(gov);
    client.call(&alice(), &tg.wire(GraphWiring { governance: gov, credit_pool: gov, loan_manager: gov })).submit().await?;
    client.call(&alice(), &gc.wire(GovWiring { trust_graph: graph, credit_pool: gov, warrant_escrow: gov, loan_manager: gov })).submit().await?;
    for k in [alice(), bob()] {
        client.call(&k, &tg.register()).submit().await?;
    }
    for who in [a, account_id(AccountKeyring::Bob)] {
        client.call(&alice(), &tg.verify(who)).submit().await?;
    }
    Ok(Gov { token, graph, gov })
}

fn id_of(k: &Keypair) -> AccountId {
    AccountId::from(k.public_key().0)
}

/// `n` fresh accounts, funded for fees and deposits, registered as members.
async fn sybils(client: &mut Client, graph: AccountId, n: usize) -> Result<Vec<Keypair>, Box<dyn std::error::Error>> {
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(graph);
    let mut out = Vec::new();
    for _ in 0..n {
        let k = client.create_and_fund_account(&alice(), 1_000_000_000_000_000).await;
        client.call(&k, &tg.register()).submit().await?;
        out.push(k);
    }
    Ok(out)
}

/// C1: throwaway accounts trust each other at 800 (a star of single edges,
/// and one edge recycled from voter to voter) to get voice credits, then
/// propose an upgrade of the pool to attacker code. None of them has a voice:
/// only verified members vote, and trust from unanchored accounts weighs
/// nothing anyway.
#[tokio::test]
async fn sybil_star_of_free_trust_edges_captures_governance() -> TestResult {
    let (_node, mut client) = start().await;
    let s = suite(&mut client, true).await?;
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut gc = ink_e2e::create_call_builder::<Governance>(s.gov);
    let sy = sybils(&mut client, s.graph, 4).await?;
    let hub = &sy[0];
    for k in &sy[1..] {
        client.call(hub, &tg.set_trust(id_of(k), 800)).submit().await?;
        client.call(k, &tg.set_trust(id_of(hub), 800)).submit().await?;
    }
    for k in &sy {
        let score = client.call(&alice(), &tg.score(id_of(k))).dry_run().await?.return_value().expect("member");
        assert_eq!((score.direct_trust, score.trust_score), (0, 0), "free trust weighs nothing");
        assert_eq!(client.call(&alice(), &gc.voice_credits(id_of(k))).dry_run().await?.return_value(), Ok(0));
    }
    let upgrade = Action::Upgrade { target: Target::CreditPool, code_hash: [7u8; 32].into() };
    let count = client.call(&alice(), &gc.proposal_count()).dry_run().await?.return_value();
    let r = client.call(&sy[1], &gc.propose(upgrade.clone(), "drain".into())).dry_run().await?.return_value();
    assert_eq!(r, Err(GovError::NoVoiceCredits));
    assert!(client.call(&sy[1], &gc.propose(upgrade, "drain".into())).submit().await.is_err(), "the proposal is refused on chain");
    assert_eq!(client.call(&alice(), &gc.proposal_count()).dry_run().await?.return_value(), count, "nothing was proposed");
    // An honest proposal: the sybils cannot vote on it either (recycling the edge changes nothing).
    let pid = client
        .call(&alice(), &gc.propose(Action::SetPoolParams(PoolParams::default()), "honest".into()))
        .extra_gas_portion(50)
        .submit()
        .await?
        .return_value()
        .expect("proposed");
    for k in &sy[1..] {
        let r = client.call(k, &gc.vote(pid, true, 10)).dry_run().await?.return_value();
        assert_eq!(r, Err(GovError::NoVoiceCredits));
        client.call(hub, &tg.revoke_trust(id_of(k))).submit().await?;
    }
    let p = client.call(&alice(), &gc.proposal(pid)).dry_run().await?.return_value().expect("proposal").proposal;
    assert_eq!((p.voters, p.votes_for, p.electorate), (0, 0, 2));
    Ok(())
}

/// M3: after a proposal is made, the attacker registers (and even gets
/// verified by a complicit verifier appointed later) many accounts to make
/// its quorum unreachable. The quorum counts only members verified before
/// the proposal: two honest voters still carry it.
#[tokio::test]
async fn mass_registration_makes_the_quorum_unreachable() -> TestResult {
    let (_node, mut client) = start().await;
    let s = suite(&mut client, true).await?;
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut gc = ink_e2e::create_call_builder::<Governance>(s.gov);
    let pid = client
        .call(&alice(), &gc.propose(Action::SetPoolParams(PoolParams::default()), "a change".into()))
        .extra_gas_portion(50)
        .submit()
        .await?
        .return_value()
        .expect("proposed");
    let sy = sybils(&mut client, s.graph, 6).await?;
    for k in &sy {
        // Verified after the proposal (Alice stands in for a careless verifier).
        client.call(&alice(), &tg.verify(id_of(k))).submit().await?;
        let r = client.call(k, &gc.vote(pid, false, 10)).dry_run().await?.return_value();
        assert!(matches!(r, Err(GovError::VerifiedAfterProposal { .. })), "{r:?}");
    }
    assert_eq!(client.call(&alice(), &tg.verified_count()).dry_run().await?.return_value(), 8);
    let p = client.call(&alice(), &gc.proposal(pid)).dry_run().await?.return_value().expect("proposal").proposal;
    assert_eq!(p.electorate, 2, "the snapshot did not grow");
    client.call(&alice(), &gc.vote(pid, true, 3)).extra_gas_portion(50).submit().await?;
    client.call(&bob(), &gc.vote(pid, true, 3)).extra_gas_portion(50).submit().await?;
    let ends = p.voting_ends;
    // Wait for the vote's end on the chain's own clock.
    let mut t = ink_e2e::create_call_builder::<StableToken>(s.token);
    loop {
        client.call(&alice(), &t.transfer(account_id(AccountKeyring::Ferdie), 1, vec![])).submit().await?;
        let state = client.call(&alice(), &gc.state(pid)).dry_run().await?.return_value().expect("the proposal exists");
        if state != State::Active {
            assert_eq!(state, State::Succeeded, "two of the two eligible voters carried it (voting ended {ends})");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2_000)).await;
    }
    Ok(())
}

/// M2: a rogue guardian pauses the pool and cancels every proposal that
/// would unpause it or remove the guardian, forever. It may no longer cancel
/// either, nor anything still in its vote; it may still stop an upgrade in
/// its timelock (in the unit tests: the timelock here is 0).
#[tokio::test]
async fn rogue_guardian_cancels_its_own_removal_and_the_unpause() -> TestResult {
    let (_node, mut client) = start().await;
    let s = suite(&mut client, true).await?;
    let mut gc = ink_e2e::create_call_builder::<Governance>(s.gov);
    let mut ids = Vec::new();
    for action in [Action::SetGuardian(None), Action::SetPoolPaused(false)] {
        let pid = client.call(&alice(), &gc.propose(action, String::new())).extra_gas_portion(50).submit().await?.return_value().expect("proposed");
        ids.push(pid);
    }
    for &pid in &ids {
        let r = client.call(&ferdie(), &gc.cancel(pid)).dry_run().await?.return_value();
        assert!(matches!(r, Err(GovError::WrongState { current: State::Active, expected: State::Queued })), "{r:?}");
        assert!(client.call(&ferdie(), &gc.cancel(pid)).submit().await.is_err());
        assert_eq!(client.call(&alice(), &gc.state(pid)).dry_run().await?.return_value(), Ok(State::Active));
        // a stranger cannot either
        let r = client.call(&charlie(), &gc.cancel(pid)).dry_run().await?.return_value();
        assert_eq!(r, Err(GovError::Unauthorized { caller: account_id(AccountKeyring::Charlie) }));
    }
    Ok(())
}

/// M6 (floors): a production deployment with one-minute votes and no
/// timelock — a post-capture fast track — cannot be instantiated, and a
/// proposal to set one is refused before anyone votes.
#[tokio::test]
async fn one_minute_vote_without_timelock_on_a_production_deployment() -> TestResult {
    let (_node, mut client) = start().await;
    let fast = GovParams { voting_delay_ms: 0, voting_period_ms: 60_000, timelock_ms: 0, ..GovParams::default() };
    let mut gv = GovernanceRef::new(fast, None, false);
    assert!(client.instantiate("governance", &alice(), &mut gv).submit().await.is_err(), "refused at instantiation");
    let s = suite(&mut client, false).await?;
    let mut gc = ink_e2e::create_call_builder::<Governance>(s.gov);
    assert_eq!(client.call(&alice(), &gc.dev_mode()).dry_run().await?.return_value(), false);
    let r = client.call(&alice(), &gc.propose(Action::SetGovParams(fast), "fast track".into())).dry_run().await?.return_value();
    assert_eq!(r, Err(GovError::InvalidParam { name: "voting_period_ms".into() }));
    Ok(())
}

/// H2 (the trust half; the creditor-consent half is in the loan tests):
/// fresh accounts trust a borrower at 800 and vouch for it to lift its trust
/// score and confidence. Its score does not move; the vouches are refused;
/// and the borrower can reject the edges that fill its in-degree.
#[tokio::test]
async fn sybils_trusting_and_vouching_lift_a_borrowers_score() -> TestResult {
    let (_node, mut client) = start().await;
    let s = suite(&mut client, true).await?;
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let b = account_id(AccountKeyring::Bob);
    let before = client.call(&alice(), &tg.score(b)).dry_run().await?.return_value().expect("member");
    let sy = sybils(&mut client, s.graph, 5).await?;
    for k in &sy {
        client.call(k, &tg.set_trust(b, 800)).submit().await?;
        let r = client.call(k, &tg.vouch(b)).dry_run().await?.return_value();
        assert_eq!(r, Err(GraphError::NotAnchored));
    }
    let after = client.call(&alice(), &tg.score(b)).dry_run().await?.return_value().expect("member");
    assert_eq!((after.direct_trust, after.network_trust, after.trust_score, after.neighbours), (before.direct_trust, before.network_trust, before.trust_score, before.neighbours));
    assert_eq!(client.call(&alice(), &tg.member_info(b)).dry_run().await?.return_value().expect("member").vouches, 0);
    // The target refuses them: the edges go and the trusters are blocked.
    for k in &sy {
        client.call(&bob(), &tg.reject_trust(id_of(k))).submit().await?;
        let r = client.call(k, &tg.set_trust(b, 800)).dry_run().await?.return_value();
        assert_eq!(r, Err(GraphError::Blocked { target: b }));
    }
    assert_eq!(client.call(&alice(), &tg.member_info(b)).dry_run().await?.return_value().expect("member").in_degree, 0);
    Ok(())
}
