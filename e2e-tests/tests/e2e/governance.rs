//! Governance on a real node with its real cross-contract calls: a proposal
//! changing MAX_CREDIT passes by quadratic vote, waits out the timelock,
//! executes, and a member's credit limit changes; a proposal whose call
//! fails leaves the target unchanged and stays queued; members who are not
//! verified get no voice credits; once wired to governance the deployer has no power;
//! an upgrade of the trust graph to a second code version, voted the same
//! way, keeps every member, edge, score, parameter and wiring.
//!
//! Governance is deployed with a one-minute voting period and no delay or
//! timelock, so the test waits about a minute of wall-clock block time.

use std::time::Duration;

use credit_pool::{CreditPool, CreditPoolRef, Error as PoolError, Wiring as PoolWiring};
use dcu_common::pool::PoolParams;
use dcu_e2e_tests::{start, Client, TestResult, ONE};
use governance::{Action, Error as GovError, GovParams, Governance, GovernanceRef, State, Target, Wiring as GovWiring};
use ink::primitives::AccountId;
use ink_e2e::{account_id, alice, bob, charlie, dave, AccountKeyring, ContractsBackend};
use psp22::PSP22;
use stable_token::{StableToken, StableTokenRef};
use trust_graph::{Error as GraphError, Params as TrustParams, TrustGraph, TrustGraphRef, Wiring as GraphWiring};

const PERIOD_MS: u64 = 60_000;

/// A transaction, so that the chain produces a block with the current time.
async fn tick(client: &mut Client, token: AccountId) -> TestResult {
    let mut t = ink_e2e::create_call_builder::<StableToken>(token);
    client.call(&alice(), &t.transfer(account_id(AccountKeyring::Ferdie), 1, vec![])).submit().await?;
    Ok(())
}

#[tokio::test]
async fn a_quadratic_vote_changes_max_credit_and_upgrades_the_graph_keeping_its_data() -> TestResult {
    let (_node, mut client) = start().await;
    let (a, b, c) = (account_id(AccountKeyring::Alice), account_id(AccountKeyring::Bob), account_id(AccountKeyring::Charlie));

    // given: the suite, wired to governance (Alice deploys; she keeps no power)
    let mut t = StableTokenRef::new(1_000_000 * ONE, None, None, 6, 0, 0);
    let token = client.instantiate("stable_token", &alice(), &mut t).submit().await?.account_id;
    // Alice is the founding verifier (a network profile names it); the graph
    // runs with development anchoring (no minimum age).
    let mut g = TrustGraphRef::with_config(TrustParams { min_anchor_age_days: 0, ..TrustParams::default() }, vec![a]);
    let graph = client.instantiate("trust_graph", &alice(), &mut g).submit().await?.account_id;
    let mut p = CreditPoolRef::new(token, graph);
    let pool = client.instantiate("credit_pool", &alice(), &mut p).submit().await?.account_id;
    let fast = GovParams { voting_delay_ms: 0, voting_period_ms: PERIOD_MS, timelock_ms: 0, ..GovParams::default() };
    let mut gv = GovernanceRef::new(fast, None, true);
    let gov = client.instantiate("governance", &alice(), &mut gv).submit().await?.account_id;
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(graph);
    let mut cp = ink_e2e::create_call_builder::<CreditPool>(pool);
    let mut gc = ink_e2e::create_call_builder::<Governance>(gov);
    client.call(&alice(), &tg.wire(GraphWiring { governance: gov, credit_pool: pool, loan_manager: gov })).submit().await?;
    client.call(&alice(), &cp.wire(PoolWiring { governance: gov, loan_manager: gov, warrant_escrow: gov /* not deployed here */ })).submit().await?;
    client.call(&alice(), &gc.wire(GovWiring { trust_graph: graph, credit_pool: pool, warrant_escrow: gov /* not deployed here */, loan_manager: gov })).submit().await?;

    // the deployer has no remaining power
    let r = client.call(&alice(), &cp.set_params(PoolParams::default())).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::Unauthorized { caller: a }));
    let r = client.call(&alice(), &tg.set_verifier(a, true)).dry_run().await?.return_value();
    assert_eq!(r, Err(GraphError::Unauthorized { caller: a }));
    let r = client.call(&alice(), &cp.wire(PoolWiring { governance: a, loan_manager: a, warrant_escrow: a })).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::AlreadyWired));

    // members: Alice and Bob are verified by the founding verifier and trust
    // each other; Charlie is a member with trust but not verified: no voice
    for who in [alice(), bob(), charlie()] {
        client.call(&who, &tg.register()).submit().await?;
    }
    for who in [a, b] {
        client.call(&alice(), &tg.verify(who)).submit().await?;
    }
    client.call(&alice(), &tg.set_trust(b, 800)).submit().await?;
    client.call(&bob(), &tg.set_trust(a, 800)).submit().await?;
    client.call(&alice(), &tg.set_trust(c, 800)).submit().await?;
    assert_eq!(client.call(&alice(), &gc.voice_credits(a)).dry_run().await?.return_value(), Ok(100));
    assert_eq!(client.call(&alice(), &gc.voice_credits(c)).dry_run().await?.return_value(), Ok(0));
    let d = account_id(AccountKeyring::Dave);
    assert_eq!(client.call(&alice(), &gc.voice_credits(d)).dry_run().await?.return_value(), Ok(0));

    // Bob holds a 10,000 line from Alice: his limit is MAX_CREDIT's default 10,000
    client.call(&alice(), &ink_e2e::create_call_builder::<StableToken>(token).approve(pool, 10_000 * ONE)).submit().await?;
    client.call(&alice(), &cp.stake(10_000 * ONE)).submit().await?;
    client.call(&alice(), &cp.extend_credit(b, 10_000 * ONE, 300)).submit().await?;
    assert_eq!(client.call(&bob(), &cp.credit_limit(b)).dry_run().await?.return_value(), 10_000 * ONE);

    // a non-member and a trusted but unverified member cannot propose
    let change = Action::SetPoolParams(PoolParams { max_credit: 4_000 * ONE, ..PoolParams::default() });
    let r = client.call(&charlie(), &gc.propose(change.clone(), "MAX_CREDIT 4,000".into())).dry_run().await?.return_value();
    assert_eq!(r, Err(GovError::NoVoiceCredits));
    let r = client.call(&dave(), &gc.propose(change.clone(), String::new())).dry_run().await?.return_value();
    assert_eq!(r, Err(GovError::NoVoiceCredits));

    // when: Alice proposes MAX_CREDIT 4,000 and a bad trust-graph change (max in-degree 0)
    let pid = client.call(&alice(), &gc.propose(change, "MAX_CREDIT 4,000".into())).extra_gas_portion(50).submit().await?.return_value().expect("proposed");
    let bad = Action::SetTrustParams(TrustParams { max_in_degree: 0, ..TrustParams::default() });
    let bad_id = client.call(&alice(), &gc.propose(bad, "in-degree 0".into())).extra_gas_portion(50).submit().await?.return_value().expect("proposed");
    // and an upgrade of the trust graph to its second code version
    assert_eq!(client.call(&bob(), &tg.version()).dry_run().await?.return_value(), 1);
    let v2 = client.upload("trust_graph_v2", &alice()).submit().await?.code_hash;
    let up = Action::Upgrade { target: Target::TrustGraph, code_hash: v2 };
    let up_id = client.call(&bob(), &gc.propose(up, "trust graph v2".into())).extra_gas_portion(50).submit().await?.return_value().expect("proposed");
    client.call(&alice(), &gc.vote(up_id, true, 5)).extra_gas_portion(50).submit().await?;
    client.call(&bob(), &gc.vote(up_id, true, 5)).extra_gas_portion(50).submit().await?;
    let graph_before = (
        client.call(&bob(), &tg.trust_score(b)).dry_run().await?.return_value(),
        client.call(&bob(), &tg.trust_of(a, b)).dry_run().await?.return_value(),
        client.call(&bob(), &tg.member_count()).dry_run().await?.return_value(),
        client.call(&bob(), &tg.wiring()).dry_run().await?.return_value(),
    );
    // quadratic votes: 10 cost 100 (all of Alice's credits), 11 would cost 121
    let r = client.call(&bob(), &gc.vote(pid, true, 11)).dry_run().await?.return_value();
    assert_eq!(r, Err(GovError::InsufficientCredits { credits: 100, cost: 121 }));
    client.call(&alice(), &gc.vote(pid, true, 10)).extra_gas_portion(50).submit().await?;
    client.call(&bob(), &gc.vote(pid, false, 3)).extra_gas_portion(50).submit().await?;
    client.call(&alice(), &gc.vote(bad_id, true, 1)).extra_gas_portion(50).submit().await?;
    let r = client.call(&charlie(), &gc.vote(pid, true, 1)).dry_run().await?.return_value();
    assert_eq!(r, Err(GovError::NoVoiceCredits));

    // then: after the voting period it has passed, is queued and executes
    tokio::time::sleep(Duration::from_millis(PERIOD_MS + 2_000)).await;
    tick(&mut client, token).await?;
    assert_eq!(client.call(&alice(), &gc.state(pid)).dry_run().await?.return_value(), Ok(State::Succeeded));
    client.call(&charlie(), &gc.queue(pid)).extra_gas_portion(50).submit().await?;
    client.call(&charlie(), &gc.queue(bad_id)).extra_gas_portion(50).submit().await?;
    let done = client.call(&charlie(), &gc.execute(pid)).extra_gas_portion(50).submit().await?.return_value();
    assert_eq!(done, Ok(true));
    assert_eq!(client.call(&alice(), &gc.state(pid)).dry_run().await?.return_value(), Ok(State::Executed));
    let params = client.call(&bob(), &cp.params()).dry_run().await?.return_value();
    assert_eq!(params.max_credit, 4_000 * ONE);
    assert_eq!(client.call(&bob(), &cp.credit_limit(b)).dry_run().await?.return_value(), 4_000 * ONE);

    // the failing call: the graph refuses, nothing changes, the proposal stays queued with the answer
    let before = client.call(&bob(), &tg.params()).dry_run().await?.return_value();
    let done = client.call(&charlie(), &gc.execute(bad_id)).extra_gas_portion(50).submit().await?.return_value();
    assert_eq!(done, Ok(false));
    assert_eq!(client.call(&bob(), &tg.params()).dry_run().await?.return_value(), before);
    let info = client.call(&bob(), &gc.proposal(bad_id)).dry_run().await?.return_value().expect("proposal");
    assert_eq!(info.state, State::Queued);
    assert!(info.proposal.last_error.as_ref().is_some_and(|e| e.first() == Some(&1)), "{:?}", info.proposal.last_error);

    // the upgrade: new code answers, every datum survived, and the graph still writes
    client.call(&charlie(), &gc.queue(up_id)).extra_gas_portion(50).submit().await?;
    let done = client.call(&charlie(), &gc.execute(up_id)).extra_gas_portion(50).submit().await?.return_value();
    assert_eq!(done, Ok(true));
    assert_eq!(client.call(&bob(), &tg.version()).dry_run().await?.return_value(), 2);
    let graph_after = (
        client.call(&bob(), &tg.trust_score(b)).dry_run().await?.return_value(),
        client.call(&bob(), &tg.trust_of(a, b)).dry_run().await?.return_value(),
        client.call(&bob(), &tg.member_count()).dry_run().await?.return_value(),
        client.call(&bob(), &tg.wiring()).dry_run().await?.return_value(),
    );
    assert_eq!(graph_after, graph_before);
    assert_eq!(graph_after.1, Some(800));
    assert_eq!(client.call(&bob(), &tg.params()).dry_run().await?.return_value(), before);
    client.call(&charlie(), &tg.set_trust(a, 100)).submit().await?;
    assert_eq!(client.call(&bob(), &tg.trust_of(c, a)).dry_run().await?.return_value(), Some(100));
    // the pool still reads the upgraded graph (cross-contract) for Bob's limit
    assert_eq!(client.call(&bob(), &cp.credit_limit(b)).dry_run().await?.return_value(), 4_000 * ONE);
    Ok(())
}
