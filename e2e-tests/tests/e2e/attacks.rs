//! The attacks of the independent security review (`shared/reviews/
//! security-2026-12-01.md`), each replayed on a real node against the
//! release Wasm, each test named after its attack and showing that it no
//! longer reaches its goal and that its refused steps change nothing.
//!
//! Trust and governance (SPEC v2 §2, §6): trust, a vote and a quorum must
//! cost something to obtain (C1, M2, M3, M6, H2's trust half), and only the
//! wired contracts and governance may call the privileged messages (the
//! access matrix of the trust graph and governance).
//!
//! Credit (SPEC v2 §2, §5): warnings bind until their own debt is current
//! (L3, issue 15 item 6); reputation is earned, a repayment a day (C1/H2's
//! `tx_count` farming); C(v) bounds routed credit (item 7); the creditor
//! consents (H2). These run the whole suite (`dcu_e2e_tests::suite`), with
//! `loan_manager_fast` (a second of block time is a protocol day) where a
//! term loan must fall due. The credit pool has no fast clock: its warnings
//! need a day of overdue interest on the node's real clock (OVERDUE ≥ 1
//! day), so the pool-warning half of L3 is left to the unit tests.

use credit_pool::{CreditPool, Error as PoolError};
use dcu_common::loan::{Approval, ApprovalPolicy, LoanParams, LoanState, Purpose};
use dcu_common::pool::PoolParams;
use dcu_common::DAY_MS;
use dcu_e2e_tests::suite::{self as full, acc, all_balances, bal, desc, loan_state, path, set_base_capacity, wait_days, Suite};
use dcu_e2e_tests::{start, Client, TestResult, ONE};
use governance::{Action, Error as GovError, GovParams, Governance, GovernanceRef, State, Target, Wiring as GovWiring};
use ink::primitives::AccountId;
use ink_e2e::{account_id, alice, bob, charlie, dave, eve, ferdie, AccountKeyring, ChainBackend, ContractsBackend, Keypair};
use loan_manager::{Error as LmError, LoanManager};
use psp22::PSP22;
use stable_token::{StableToken, StableTokenRef};
use trust_graph::{Error as GraphError, Params as TrustParams, TrustGraph, TrustGraphRef, Wiring as GraphWiring};
use warrant_escrow::WarrantEscrow;

/// A refused call: the dry run answers `expected` (the contract's typed
/// refusal) and, submitted, the call fails on chain (the contract reverts,
/// so it changes nothing).
macro_rules! refused {
    ($client:expr, $caller:expr, $call:expr, $expected:expr) => {{
        let r = $client.call($caller, &$call).dry_run().await?.return_value();
        assert_eq!(r, $expected, "{}", stringify!($call));
        assert!($client.call($caller, &$call).submit().await.is_err(), "{} is refused on chain", stringify!($call));
    }};
}

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
    let params = if dev_mode { GovParams { voting_delay_ms: 0, voting_period_ms: 60_000, timelock_ms: 0, ..GovParams::default() } } else { GovParams::default() };
    suite_with(client, params, dev_mode).await
}

/// [`suite`] with governance's parameters `params`.
async fn suite_with(client: &mut Client, params: GovParams, dev_mode: bool) -> Result<Gov, Box<dyn std::error::Error>> {
    let a = account_id(AccountKeyring::Alice);
    let mut t = StableTokenRef::new(1_000_000 * ONE, None, None, 6, 0, 0);
    let token = client.instantiate("stable_token", &alice(), &mut t).submit().await?.account_id;
    let mut g = TrustGraphRef::with_config(TrustParams { min_anchor_age_days: 0, ..TrustParams::default() }, vec![a]);
    let graph = client.instantiate("trust_graph", &alice(), &mut g).submit().await?.account_id;
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
    assert!(!client.call(&alice(), &gc.dev_mode()).dry_run().await?.return_value());
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

// ---------------------------------------------------------------------------
// Credit: the whole suite, with a community (`dcu_e2e_tests::suite`)
// ---------------------------------------------------------------------------

/// The yearly rate of Charlie's line to Dave (the community's): the most a
/// draw of Dave's may pay.
const LINE_RATE_BPS: u32 = 500;

/// The whole suite and its community; on the fast loan manager governance
/// (Alice) lets requests live 90 protocol days (90 s, the longest expiry),
/// so that no step below races the 7-second expiry of the fast clock.
async fn credit_suite(client: &mut Client, lm_code: &str) -> Result<Suite, Box<dyn std::error::Error>> {
    let s = full::deploy(client, lm_code).await?;
    full::community(client, &s).await?;
    if lm_code == "loan_manager_fast" {
        let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
        let p = LoanParams { request_expiry_ms: 90 * DAY_MS, ..LoanParams::default() };
        client.call(&alice(), &lm.set_params(p)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    }
    Ok(s)
}

/// A term loan of `amount` over [Charlie, `borrower`] for `term_days`,
/// approved by Charlie by hand and disbursed. Returns its id.
async fn direct_loan(client: &mut Client, s: &Suite, borrower: &Keypair, amount: u128, term_days: u32) -> Result<u64, Box<dyn std::error::Error>> {
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let route = vec![acc(AccountKeyring::Charlie), id_of(borrower)];
    let id = client.call(borrower, &lm.request(amount, Purpose::CommunityInfrastructure, desc(), term_days, route)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    client.call(&charlie(), &lm.approve(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    client.call(borrower, &lm.disburse(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    Ok(id)
}

/// Issue 15 item 6 (a warning that does not bind): Dave's term loan is
/// overdue and the loan manager recorded a warning, yet he keeps drawing on
/// his pool line, asks for another term loan, takes out one approved before
/// the warning, and a friend extends him a new line. Every one of these is
/// refused with `OpenWarning` and moves no token; once the overdue loan is
/// repaid its source clears the warning and Dave may draw again.
#[tokio::test]
async fn warned_borrower_keeps_drawing_and_requesting_term_loans() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager_fast").await?;
    let d = acc(AccountKeyring::Dave);
    let g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    // A one-day loan of 340 from Charlie; a second of 260 over Alice → Bob →
    // Charlie → Dave for 45 days, approved by Alice and warranted, not yet disbursed.
    let overdue = direct_loan(&mut client, &s, &dave(), 340 * ONE, 1).await?;
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);
    let waiting = client.call(&dave(), &lm.request(260 * ONE, Purpose::CommunityInfrastructure, desc(), 45, route.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    client.call(&alice(), &lm.approve(waiting)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, waiting).await, LoanState::Approved);
    // Two (fast) days later the first loan is past due: anyone marks it overdue.
    wait_days(&mut client, &s, 2).await;
    client.call(&ferdie(), &lm.mark_overdue(overdue)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(client.call(&alice(), &g.warnings_of(d)).dry_run().await?.return_value(), 1);

    let before = all_balances(&mut client, &s).await;
    let owed_before = client.call(&alice(), &pool.borrower(d)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let last_id = client.call(&alice(), &lm.last_id()).dry_run().await?.return_value();
    refused!(client, &dave(), pool.draw(75 * ONE, LINE_RATE_BPS), Err(PoolError::OpenWarning { open: 1 }));
    refused!(client, &dave(), lm.request(90 * ONE, Purpose::CommunityInfrastructure, desc(), 20, path(&[AccountKeyring::Charlie, AccountKeyring::Dave])), Err(LmError::OpenWarning { open: 1 }));
    refused!(client, &dave(), lm.request(90 * ONE, Purpose::CommunityInfrastructure, desc(), 20, route.clone()), Err(LmError::OpenWarning { open: 1 }));
    refused!(client, &dave(), lm.disburse(waiting), Err(LmError::OpenWarning { open: 1 }));
    // Bob trusts Dave and has stake to spare: still no new line for a warned member.
    refused!(client, &bob(), pool.extend_credit(d, 120 * ONE, 500), Err(PoolError::OpenWarning { open: 1 }));
    assert_eq!(all_balances(&mut client, &s).await, before, "no token moved");
    assert_eq!(client.call(&alice(), &pool.borrower(d)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.principal, owed_before.principal);
    assert!(client.call(&alice(), &pool.line(acc(AccountKeyring::Bob), d)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.is_none(), "no line from Bob");
    assert_eq!(client.call(&alice(), &lm.last_id()).dry_run().await?.return_value(), last_id, "no loan was requested");
    assert_eq!(loan_state(&mut client, &s, waiting).await, LoanState::Approved, "not disbursed");
    assert_eq!(client.call(&alice(), &g.warnings_of(d)).dry_run().await?.return_value(), 1);

    // The warning binds until its own debt is current: Dave repays the loan in full.
    let owed = client.call(&alice(), &lm.loan(overdue)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan").owed;
    client.call(&dave(), &lm.repay(overdue, owed + ONE)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, overdue).await, LoanState::Closed);
    assert_eq!(client.call(&alice(), &g.warnings_of(d)).dry_run().await?.return_value(), 0, "cleared by its source");
    let d0 = bal(&mut client, &s, d).await;
    client.call(&dave(), &pool.draw(75 * ONE, LINE_RATE_BPS)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(bal(&mut client, &s, d).await, d0 + 75 * ONE);
    Ok(())
}

/// L3 (a warning that does not last): with a term loan overdue and warned,
/// Dave repays 1 unit of an unrelated pool debt — and, for good measure, 1
/// unit of the overdue loan — to clear the warning. Neither clears it nor
/// counts as history; the pool's full repayment does not clear the loan's
/// warning either. Only the loan repaid in full does (its own source).
/// (The other half, a dust repayment clearing the *pool's* warning, needs
/// a day of overdue pool interest on the real clock: in the unit tests.)
#[tokio::test]
async fn dust_repayment_on_an_unrelated_pool_debt_clears_a_term_loans_warning() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager_fast").await?;
    let d = acc(AccountKeyring::Dave);
    let g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    // Dave owes the pool 130 (inside its grace) and a one-day term loan of 410.
    client.call(&dave(), &pool.draw(130 * ONE, LINE_RATE_BPS)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    client.call(&dave(), &tk.approve(s.pool, 1_000 * ONE)).extra_gas_portion(50).submit().await?;
    let id = direct_loan(&mut client, &s, &dave(), 410 * ONE, 1).await?;
    wait_days(&mut client, &s, 2).await;
    client.call(&eve(), &lm.mark_overdue(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let warned = client.call(&alice(), &g.member_info(d)).dry_run().await?.return_value().expect("member");
    assert_eq!((warned.open_warnings, warned.loan_warnings, warned.pool_warnings), (1, 1, 0));

    // 1 unit to the pool: taken, but the loan's warning stays and no history is earned.
    assert_eq!(client.call(&dave(), &pool.repay(1)).extra_gas_portion(50).submit().await?.return_value(), Ok(1));
    let info = client.call(&alice(), &g.member_info(d)).dry_run().await?.return_value().expect("member");
    assert_eq!((info.open_warnings, info.loan_warnings, info.tx_count), (1, 1, warned.tx_count));
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Overdue);
    // 1 unit of the overdue loan pays less than its interest due: the same.
    let v = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan");
    assert!(v.interest_now > 1, "two days of interest are due: {}", v.interest_now);
    assert_eq!(client.call(&dave(), &lm.repay(id, 1)).extra_gas_portion(50).submit().await?.return_value(), Ok(1));
    let info = client.call(&alice(), &g.member_info(d)).dry_run().await?.return_value().expect("member");
    assert_eq!((info.open_warnings, info.loan_warnings, info.tx_count), (1, 1, warned.tx_count));
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Overdue);
    // The whole pool debt repaid: the pool's debt is current, the loan's is not.
    let owed = client.call(&alice(), &pool.outstanding(d)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?;
    client.call(&dave(), &pool.repay(owed)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(client.call(&alice(), &pool.outstanding(d)).dry_run().await?.return_value(), Ok(0));
    assert_eq!(client.call(&alice(), &g.warnings_of(d)).dry_run().await?.return_value(), 1, "another source's repayment clears nothing");
    // The loan repaid in full: its source clears its warning.
    let owed = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan").owed;
    client.call(&dave(), &lm.repay(id, owed)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Closed);
    let info = client.call(&alice(), &g.member_info(d)).dry_run().await?.return_value().expect("member");
    assert_eq!((info.open_warnings, info.loan_warnings), (0, 0));
    Ok(())
}

/// C1/H2/L3 (`tx_count` farming): Dave farms his transaction history, worth
/// up to 0.2 of CF, with free `draw(1)`/`repay(1)` pairs inside the grace
/// period. Dust repayments on a real debt earn nothing; on an empty line
/// each pair repays its whole debt, but the trust graph counts at most one
/// repayment a day, so the history and the CF component stand still.
#[tokio::test]
async fn draw_and_repay_dust_pairs_in_the_grace_period_farm_the_transaction_history() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager").await?;
    let d = acc(AccountKeyring::Dave);
    let g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    client.call(&dave(), &tk.approve(s.pool, 1_000 * ONE)).extra_gas_portion(50).submit().await?;
    let tx_of = |i: Option<trust_graph::MemberInfo>| i.expect("member").tx_count;
    assert_eq!(tx_of(client.call(&alice(), &g.member_info(d)).dry_run().await?.return_value()), 0);
    let tx_component = client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score").components[1];
    assert_eq!(tx_component, 0);

    // Dave owes 90 on Charlie's line (no day passes here: no interest); 1-unit pairs on top of it are dust.
    client.call(&dave(), &pool.draw(90 * ONE, LINE_RATE_BPS)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    for _ in 0..4 {
        client.call(&dave(), &pool.draw(1, LINE_RATE_BPS)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
        assert_eq!(client.call(&dave(), &pool.repay(1)).extra_gas_portion(50).submit().await?.return_value(), Ok(1));
    }
    assert_eq!(tx_of(client.call(&alice(), &g.member_info(d)).dry_run().await?.return_value()), 0, "dust earns no history");
    assert_eq!(client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score").components[1], 0);

    // Repaying the 90 in full is a real repayment: it counts.
    assert_eq!(client.call(&dave(), &pool.repay(500 * ONE)).extra_gas_portion(50).submit().await?.return_value(), Ok(90 * ONE));
    let first = client.call(&alice(), &g.member_info(d)).dry_run().await?.return_value().expect("member");
    assert_eq!(first.tx_count, 1);
    let counted = client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score").components[1];
    assert!(counted > 0);
    // Five pairs on the empty line, each repaying all it owes: one a day counts.
    for _ in 0..5 {
        client.call(&dave(), &pool.draw(1, LINE_RATE_BPS)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
        assert_eq!(client.call(&dave(), &pool.repay(1)).extra_gas_portion(50).submit().await?.return_value(), Ok(1));
    }
    let after = client.call(&alice(), &g.member_info(d)).dry_run().await?.return_value().expect("member");
    // (Should the test cross midnight UTC, the new day may count one more.)
    let days = after.last_counted_day - first.last_counted_day;
    assert!(days <= 1);
    assert_eq!(after.tx_count, 1 + days, "five pairs on one day count as nothing more");
    if days == 0 {
        assert_eq!(client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score").components[1], counted);
    }
    assert_eq!(client.call(&alice(), &pool.outstanding(d)).dry_run().await?.return_value(), Ok(0));
    Ok(())
}

/// Issue 15 item 7 (capacity that bounds nothing): Dave routes a loan
/// through his friends' lines for more than his capacity C(v), then splits
/// it over two routes, then lets C(v) fall before taking an approved loan.
/// The first two are refused at the request, the last at the disbursement,
/// with `CapacityExceeded`; nothing is lent.
#[tokio::test]
async fn loan_routed_through_friends_beyond_the_borrowers_capacity() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager").await?;
    let (a, d) = (acc(AccountKeyring::Alice), acc(AccountKeyring::Dave));
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    // Governance sets BASE to 3,000: Dave's C(v) is a few hundred, his friends' lines carry 2,000.
    set_base_capacity(&mut client, &s, 3_000 * ONE).await?;
    let friends = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);
    let direct = path(&[AccountKeyring::Charlie, AccountKeyring::Dave]);
    let cap = client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score").capacity;
    assert!(cap > 100 * ONE && cap + ONE < 2_000 * ONE, "C(Dave) = {cap}");
    let path_cap = client.call(&alice(), &pool.path_capacity(friends.clone())).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.capacity;
    assert_eq!(path_cap, 2_000 * ONE, "the route carries far more than C(v)");
    let before = all_balances(&mut client, &s).await;

    // One loan over the friends' route above C(v).
    let r = client.call(&dave(), &lm.request(cap + ONE, Purpose::ProductiveEnterprise, desc(), 60, friends.clone())).dry_run().await?.return_value();
    assert_eq!(r, Err(LmError::CapacityExceeded { capacity: cap, outstanding: 0, amount: cap + ONE }));
    assert!(client.call(&dave(), &lm.request(cap + ONE, Purpose::ProductiveEnterprise, desc(), 60, friends.clone())).submit().await.is_err());
    // Split over two routes: the first fits, the second would pass C(v) by one token.
    let first = cap * 2 / 3 / ONE * ONE;
    let id = client.call(&dave(), &lm.request(first, Purpose::ProductiveEnterprise, desc(), 60, direct.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(client.call(&alice(), &lm.outstanding_of(d)).dry_run().await?.return_value(), first);
    let cap = client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score").capacity;
    let second = cap - first + ONE;
    let r = client.call(&dave(), &lm.request(second, Purpose::ProductiveEnterprise, desc(), 60, friends.clone())).dry_run().await?.return_value();
    assert_eq!(r, Err(LmError::CapacityExceeded { capacity: cap, outstanding: first, amount: second }));
    assert!(client.call(&dave(), &lm.request(second, Purpose::ProductiveEnterprise, desc(), 60, friends.clone())).submit().await.is_err());
    assert_eq!(client.call(&alice(), &lm.last_id()).dry_run().await?.return_value(), id, "one loan only");
    assert_eq!(client.call(&alice(), &lm.outstanding_of(d)).dry_run().await?.return_value(), first);

    // The first loan is approved; then two of Dave's trusters withdraw and C(v) falls below it.
    client.call(&charlie(), &lm.approve(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    for k in [ferdie(), eve()] {
        client.call(&k, &g.revoke_trust(d)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    }
    let fallen = client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score").capacity;
    assert!(fallen < first, "C(Dave) fell to {fallen}");
    let r = client.call(&dave(), &lm.disburse(id)).dry_run().await?.return_value();
    assert_eq!(r, Err(LmError::CapacityExceeded { capacity: fallen, outstanding: 0, amount: first }));
    assert!(client.call(&dave(), &lm.disburse(id)).submit().await.is_err());
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Approved);
    assert_eq!(client.call(&alice(), &pool.grantor(acc(AccountKeyring::Charlie))).dry_run().await?.return_value().lent, 0);
    assert_eq!(client.call(&alice(), &pool.grantor(a)).dry_run().await?.return_value().lent, 0);
    assert_eq!(all_balances(&mut client, &s).await, before, "nothing was lent");
    Ok(())
}

/// H2 (creditor consent; the trust half is
/// `sybils_trusting_and_vouching_lift_a_borrowers_score`): six Sybils that
/// *pay* — each stakes MIN_ANCHOR_STAKE, so its trust counts — trust Eve at
/// 800 and vouch for her, lifting her assessment score from below to above
/// the old auto-approval line (60). She asks Alice, who never trusted her,
/// for a ten-year loan routed through Bob and Charlie. The score approves
/// nothing: with no approval policy the loan waits for Alice; with a policy
/// whose term bound the loan misses, it waits too (the verdict names the
/// bound); the intermediaries' tier policies, bounded by term, lock no
/// warrant; and Eve cannot take the money.
#[tokio::test]
async fn paid_sybils_lift_a_borrowers_score_to_get_a_ten_year_loan_auto_approved() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager").await?;
    let (a, b, c, e) = (acc(AccountKeyring::Alice), acc(AccountKeyring::Bob), acc(AccountKeyring::Charlie), acc(AccountKeyring::Eve));
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let es = ink_e2e::create_call_builder::<WarrantEscrow>(s.escrow);
    assert_eq!(client.call(&alice(), &g.trust_of(a, e)).dry_run().await?.return_value(), None, "Alice never trusted Eve");
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Eve]);
    let (amount, ten_years) = (430 * ONE, 3_650);
    let q0 = client.call(&eve(), &lm.quote(amount, Purpose::CommunityInfrastructure, ten_years, route.clone())).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert!(q0.score < 60, "Eve alone scores {}", q0.score);

    for _ in 0..6 {
        let k = client.create_and_fund_account(&alice(), 1_000_000_000_000_000).await;
        client.call(&k, &g.register()).submit().await?;
        client.call(&alice(), &tk.transfer(id_of(&k), 100 * ONE, vec![])).submit().await?;
        client.call(&k, &tk.approve(s.pool, 100 * ONE)).submit().await?;
        client.call(&k, &pool.stake(100 * ONE)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
        client.call(&k, &g.set_trust(e, 800)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
        client.call(&k, &g.vouch(e)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    }
    let q = client.call(&eve(), &lm.quote(amount, Purpose::CommunityInfrastructure, ten_years, route.clone())).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert!(q.score >= 60, "the paid Sybils lift Eve's score to {}", q.score);
    assert_eq!(q.approval, Approval::NoPolicy);

    let before = all_balances(&mut client, &s).await;
    let id = client.call(&eve(), &lm.request(amount, Purpose::CommunityInfrastructure, desc(), ten_years, route.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let v = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan");
    assert!(v.loan.score >= 60);
    assert_eq!((v.loan.state, v.loan.creditor_approved, v.loan.approval), (LoanState::Requested, false, Approval::NoPolicy));
    // Bob's and Charlie's policies accept loans of up to a year: no warrant is pulled.
    assert!(!client.call(&alice(), &es.fully_locked(id)).dry_run().await?.return_value());
    assert_eq!(client.call(&alice(), &es.locked_total()).dry_run().await?.return_value(), 0);
    refused!(client, &eve(), lm.disburse(id), Err(LmError::NeedsCreditorApproval));

    // Alice's standing policy, up to a year: the ten-year loan misses its term bound.
    let policy = ApprovalPolicy { min_score: 60, max_amount: 1_000 * ONE, max_term_days: 365, min_rate_bps: 0 };
    client.call(&alice(), &lm.set_approval_policy(Some(policy))).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let id2 = client.call(&eve(), &lm.request(amount, Purpose::CommunityInfrastructure, desc(), ten_years, route.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let v2 = client.call(&alice(), &lm.loan(id2)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan");
    assert_eq!((v2.loan.state, v2.loan.creditor_approved), (LoanState::Requested, false));
    assert_eq!(v2.loan.approval, Approval::TermAbove { term_days: ten_years, max: 365 });
    refused!(client, &eve(), lm.disburse(id2), Err(LmError::NeedsCreditorApproval));

    assert_eq!(all_balances(&mut client, &s).await, before, "no token moved: no warrant, no loan");
    assert_eq!(client.call(&alice(), &pool.grantor(a)).dry_run().await?.return_value().lent, 0);
    let _ = (b, c);
    Ok(())
}

// ---------------------------------------------------------------------------
// Governance: stale passes; the access matrices
// ---------------------------------------------------------------------------

// M6 (stale passes) is not replayed here: the shortest execution window,
// even in development mode, is one hour, so on the node's real clock the
// replay waits ~62 minutes (it was run once and passed). The rule is
// tested off chain, to the millisecond:
// governance/tests.rs::a_passed_proposal_nobody_queues_goes_stale.

/// The trust graph's access matrix on the node (docs/THREAT_MODEL.md): on
/// the whole wired suite with a community, a stranger (not a member), a
/// member (Dave) and an intermediary (Bob) call every privileged message —
/// the pool's `stake_changed` and `capital_lost`, the reporters'
/// `record_repayment`, `record_warning`, `clear_warning`, `record_default`,
/// governance's `set_params`, `set_verifier`, `revoke_verifier`,
/// `set_code`, the deployer's `wire` and a verifier's `verify` — and get
/// `Unauthorized` (`NotVerifier` for `verify`); the deployer's second
/// `wire` gets `AlreadyWired`; every member's record, stake, warning,
/// verifier and parameter is unchanged.
#[tokio::test]
async fn stranger_calls_every_privileged_message_of_the_trust_graph() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager").await?;
    let (b, d, e) = (acc(AccountKeyring::Bob), acc(AccountKeyring::Dave), acc(AccountKeyring::Eve));
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let stranger = client.create_and_fund_account(&alice(), 1_000_000_000_000_000).await;
    let x = id_of(&stranger);
    let members = [acc(AccountKeyring::Alice), b, acc(AccountKeyring::Charlie), d, e, acc(AccountKeyring::Ferdie), x];
    let before = graph_snapshot(&mut client, s.graph, &members).await?;
    let fake = GraphWiring { governance: x, credit_pool: x, loan_manager: x };
    for (who, caller) in [(&stranger, x), (&dave(), d), (&bob(), b)] {
        let unauthorized = Err(GraphError::Unauthorized { caller });
        // The wired pool's hook.
        refused!(client, who, g.stake_changed(d, 0), unauthorized.clone());
        refused!(client, who, g.stake_changed(caller, 1_000_000 * ONE), unauthorized.clone());
        refused!(client, who, g.capital_lost(e, 0), unauthorized.clone());
        // The reporters' hooks (pool or loan manager).
        refused!(client, who, g.record_repayment(caller), unauthorized.clone());
        refused!(client, who, g.record_warning(d), unauthorized.clone());
        refused!(client, who, g.clear_warning(d), unauthorized.clone());
        refused!(client, who, g.record_default(e), unauthorized.clone());
        // Governance's.
        refused!(client, who, g.set_params(TrustParams { min_anchor_stake: 1, max_trust: 1, ..TrustParams::default() }), unauthorized.clone());
        refused!(client, who, g.set_verifier(caller, true), unauthorized.clone());
        refused!(client, who, g.revoke_verifier(acc(AccountKeyring::Alice)), unauthorized.clone());
        refused!(client, who, g.set_code([7u8; 32].into()), unauthorized.clone());
        // The deployer's, once.
        refused!(client, who, g.wire(fake), unauthorized.clone());
        // A verifier's (nobody was appointed in this suite).
        refused!(client, who, g.verify(caller), Err(GraphError::NotVerifier));
    }
    refused!(client, &alice(), g.wire(fake), Err(GraphError::AlreadyWired));
    assert_eq!(graph_snapshot(&mut client, s.graph, &members).await?, before, "nothing changed");
    Ok(())
}

/// Governance's access matrix on the node: a stranger (not a member), an
/// unverified member (Charlie) and a verified member who is neither the
/// proposer nor the guardian (Bob) call its privileged messages — the
/// deployer's `wire`, the guardian's `guardian_pause`, the proposer's or
/// guardian's `cancel` — and get `Unauthorized`; the first two also try to
/// `propose` and `vote` and get `NoVoiceCredits`; the deployer's second
/// `wire` gets `AlreadyWired`. The proposal, the parameters, the guardian
/// and the wiring are unchanged.
#[tokio::test]
async fn stranger_calls_every_privileged_message_of_governance() -> TestResult {
    let (_node, mut client) = start().await;
    // A vote of an hour: the proposal stays Active while the matrix runs.
    let params = GovParams { voting_delay_ms: 0, voting_period_ms: 3_600_000, timelock_ms: 0, ..GovParams::default() };
    let s = suite_with(&mut client, params, true).await?;
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut gc = ink_e2e::create_call_builder::<Governance>(s.gov);
    client.call(&charlie(), &tg.register()).submit().await?;
    let stranger = client.create_and_fund_account(&alice(), 1_000_000_000_000_000).await;
    let (x, b, c) = (id_of(&stranger), account_id(AccountKeyring::Bob), account_id(AccountKeyring::Charlie));
    let pid = client.call(&alice(), &gc.propose(Action::SetPoolParams(PoolParams::default()), "a change".into())).extra_gas_portion(50).submit().await?.return_value().expect("proposed");
    let before = gov_snapshot(&mut client, s.gov, pid).await?;
    let fake = GovWiring { trust_graph: x, credit_pool: x, warrant_escrow: x, loan_manager: x };
    for (who, caller) in [(&stranger, x), (&charlie(), c), (&bob(), b)] {
        let unauthorized = Err(GovError::Unauthorized { caller });
        refused!(client, who, gc.wire(fake), unauthorized.clone());
        refused!(client, who, gc.guardian_pause(), unauthorized.clone());
        refused!(client, who, gc.cancel(pid), unauthorized.clone());
    }
    for (who, _) in [(&stranger, x), (&charlie(), c)] {
        refused!(client, who, gc.propose(Action::SetGuardian(None), "mine".into()), Err(GovError::NoVoiceCredits));
        refused!(client, who, gc.vote(pid, false, 1), Err(GovError::NoVoiceCredits));
    }
    // The deployer and the proposer: wired once, and no guardian powers.
    refused!(client, &alice(), gc.wire(fake), Err(GovError::AlreadyWired));
    refused!(client, &alice(), gc.guardian_pause(), Err(GovError::Unauthorized { caller: account_id(AccountKeyring::Alice) }));
    assert_eq!(gov_snapshot(&mut client, s.gov, pid).await?, before, "nothing changed");
    Ok(())
}

/// Everything a refused trust-graph call could have changed: each of
/// `members`' record, reported stake and verifier flag; the parameters,
/// the wiring, the counts and the code version.
async fn graph_snapshot(client: &mut Client, graph: AccountId, members: &[AccountId]) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let g = ink_e2e::create_call_builder::<TrustGraph>(graph);
    let mut out = Vec::new();
    for &m in members {
        let info = client.call(&alice(), &g.member_info(m)).dry_run().await?.return_value();
        let stake = client.call(&alice(), &g.reported_stake(m)).dry_run().await?.return_value();
        let verifier = client.call(&alice(), &g.is_verifier(m)).dry_run().await?.return_value();
        out.push(format!("{info:?} {stake} {verifier}"));
    }
    let params = client.call(&alice(), &g.params()).dry_run().await?.return_value();
    let wiring = client.call(&alice(), &g.wiring()).dry_run().await?.return_value();
    let members = client.call(&alice(), &g.member_count()).dry_run().await?.return_value();
    let verified = client.call(&alice(), &g.verified_count()).dry_run().await?.return_value();
    let version = client.call(&alice(), &g.version()).dry_run().await?.return_value();
    out.push(format!("{params:?} {wiring:?} {members} {verified} {version}"));
    Ok(out)
}

/// Everything a refused governance call could have changed: parameters,
/// guardian, wiring, proposals (proposal `pid` as stored) and the mode.
async fn gov_snapshot(client: &mut Client, gov: AccountId, pid: u32) -> Result<String, Box<dyn std::error::Error>> {
    let gc = ink_e2e::create_call_builder::<Governance>(gov);
    let params = client.call(&alice(), &gc.params()).dry_run().await?.return_value();
    let guardian = client.call(&alice(), &gc.guardian()).dry_run().await?.return_value();
    let wiring = client.call(&alice(), &gc.wiring()).dry_run().await?.return_value();
    let count = client.call(&alice(), &gc.proposal_count()).dry_run().await?.return_value();
    let proposal = client.call(&alice(), &gc.proposal(pid)).dry_run().await?.return_value().map(|p| p.proposal);
    let dev = client.call(&alice(), &gc.dev_mode()).dry_run().await?.return_value();
    Ok(format!("{params:?} {guardian:?} {wiring:?} {count} {proposal:?} {dev}"))
}

// ---------------------------------------------------------------------------
// Economics (SPEC v2 §3–5, issue 16): insurance, grace, griefing, front-
// running, warrant shares, one MAX_CREDIT, blocked recipients. Time runs on
// the fast builds: `loan_manager_fast` (a second is a day) and
// `credit_pool_fast` (a second is 10 days: grace 3 s, cover age 9 s,
// default 18 s past the first unpaid day).
// ---------------------------------------------------------------------------

/// The whole suite on the fast clocks (and, with `hostile`, on the token
/// that can refuse one recipient), its community, requests living 90 days.
async fn fast_credit_suite(client: &mut Client, hostile: bool) -> Result<Suite, Box<dyn std::error::Error>> {
    let s = full::deploy_with(client, "loan_manager_fast", "credit_pool_fast", hostile).await?;
    full::community(client, &s).await?;
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let p = LoanParams { request_expiry_ms: 90 * DAY_MS, ..LoanParams::default() };
    client.call(&alice(), &lm.set_params(p)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    Ok(s)
}

macro_rules! ok {
    ($client:expr, $caller:expr, $call:expr) => {
        $client.call($caller, &$call).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{}: {e:?}", stringify!($call)))?
    };
}

/// H1 (insurance as a honeypot): Eve extends lines to two throwaway
/// borrowers of her own, who draw and never repay; at their defaults the
/// reserve was to restore her whole loss. The line drawn at once is not
/// insured at all (younger than COVER_MIN_AGE); the one she let age is
/// co-insured: at most half of her loss and at most 10 % of the reserve.
/// The pair's gain is bounded by a tenth of the reserve per 300 protocol
/// days of waiting, and the reserve is never emptied.
#[tokio::test]
async fn insurance_honeypot_self_dealt_lines_drain_the_reserve() -> TestResult {
    let (_node, mut client) = start().await;
    let s = fast_credit_suite(&mut client, false).await?;
    let (e, d) = (acc(AccountKeyring::Eve), acc(AccountKeyring::Dave));
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    // A reserve to drain: Dave borrows 1,500 for 50 days and pays 20 days of interest.
    client.call(&dave(), &tk.approve(s.pool, 2_000 * ONE)).extra_gas_portion(50).submit().await?;
    ok!(client, &dave(), pool.draw(1_500 * ONE, LINE_RATE_BPS));
    full::wait_secs(&mut client, &s, 5).await;
    ok!(client, &dave(), pool.repay(2_000 * ONE));
    let reserve0 = client.call(&alice(), &pool.totals()).dry_run().await?.return_value().insurance;
    assert!(reserve0 > 0, "interest paid filled the reserve");
    let _ = d;
    // Eve's throwaway borrowers; she trusts them, stakes and extends 400 each at 1 %.
    let throwaway = sybils(&mut client, s.graph, 2).await?;
    client.call(&eve(), &tk.approve(s.pool, 800 * ONE)).extra_gas_portion(50).submit().await?;
    ok!(client, &eve(), pool.stake(800 * ONE));
    for k in &throwaway {
        ok!(client, &eve(), g.set_trust(id_of(k), 1));
        ok!(client, &eve(), pool.extend_credit(id_of(k), 400 * ONE, 100));
    }
    // The first draws at once; the second waits for its line to be 100 days old.
    ok!(client, &throwaway[0], pool.draw(400 * ONE, 100));
    full::wait_secs(&mut client, &s, 10).await;
    ok!(client, &throwaway[1], pool.draw(400 * ONE, 100));
    let line = |k: &Keypair| pool.line(e, id_of(k));
    let l0 = client.call(&alice(), &line(&throwaway[0])).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("line");
    let l1 = client.call(&alice(), &line(&throwaway[1])).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("line");
    assert_eq!((l0.insured, l1.insured), (0, 400 * ONE), "only the aged line is insured");
    // Neither pays: 30 days of grace + 180 of unpaid interest later, anyone declares both defaults.
    full::wait_secs(&mut client, &s, 23).await;
    let stake0 = client.call(&alice(), &pool.grantor(e)).dry_run().await?.return_value().stake;
    let reserve1 = client.call(&alice(), &pool.totals()).dry_run().await?.return_value().insurance;
    ok!(client, &ferdie(), pool.declare_default(id_of(&throwaway[0])));
    let stake1 = client.call(&alice(), &pool.grantor(e)).dry_run().await?.return_value().stake;
    assert_eq!(stake0 - stake1, 400 * ONE, "the young line: Eve loses all of it");
    assert_eq!(client.call(&alice(), &pool.totals()).dry_run().await?.return_value().insurance, reserve1, "the reserve pays nothing");
    ok!(client, &ferdie(), pool.declare_default(id_of(&throwaway[1])));
    let stake2 = client.call(&alice(), &pool.grantor(e)).dry_run().await?.return_value().stake;
    let reserve2 = client.call(&alice(), &pool.totals()).dry_run().await?.return_value().insurance;
    let covered = reserve1 - reserve2;
    assert_eq!(stake1 - stake2, 400 * ONE - covered);
    assert!(covered <= 200 * ONE, "at most COVER_SHARE (50 %) of the loss");
    assert!(covered <= reserve1 / 10, "at most 10 % of the reserve per default: {covered} of {reserve1}");
    assert!(reserve2 >= reserve1 - reserve1 / 10, "the reserve is not emptied");
    Ok(())
}

/// M1 (interest-free credit forever): Dave draws, repays just before the
/// grace ends and redraws at once, hoping for a new grace. One grace per
/// window: the redraw on a line empty for less than the grace period owes
/// interest from the redraw, so 10 days later interest is due.
#[tokio::test]
async fn repay_and_redraw_before_the_grace_ends_holds_credit_interest_free() -> TestResult {
    let (_node, mut client) = start().await;
    let s = fast_credit_suite(&mut client, false).await?;
    let (c, d) = (acc(AccountKeyring::Charlie), acc(AccountKeyring::Dave));
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    client.call(&dave(), &tk.approve(s.pool, 5_000 * ONE)).extra_gas_portion(50).submit().await?;
    ok!(client, &dave(), pool.draw(1_000 * ONE, LINE_RATE_BPS));
    let first = client.call(&alice(), &pool.line(c, d)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("line");
    full::wait_secs(&mut client, &s, 2).await;
    assert_eq!(ok!(client, &dave(), pool.repay(1_000 * ONE)), 1_000 * ONE, "repaid inside the grace: no interest");
    ok!(client, &dave(), pool.draw(1_000 * ONE, LINE_RATE_BPS));
    let again = client.call(&alice(), &pool.line(c, d)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("line");
    assert!(again.grace_until < first.grace_until, "the redraw starts no new grace — interest runs from it: {again:?}");
    full::wait_secs(&mut client, &s, 2).await;
    let later = client.call(&alice(), &pool.line(c, d)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("line");
    assert!(later.interest > 0, "interest runs: {later:?}");
    Ok(())
}

/// M4 (griefing a member's capacity): throwaway grantors fill Dave's line
/// cap with dust, and loan requests routed through Bob fill his warrant
/// slots. A line below MIN_LINE is refused; a real line Dave does not want
/// he declines, and its grantor cannot re-extend it until Dave lifts the
/// block; Eve's pending requests through Bob take none of his slots (only
/// locked warrants count), and Bob declines the warrant he does not want.
#[tokio::test]
async fn dust_lines_and_pending_warrants_fill_a_members_capacity() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager_fast").await?;
    let (b, d) = (acc(AccountKeyring::Bob), acc(AccountKeyring::Dave));
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let mut es = ink_e2e::create_call_builder::<WarrantEscrow>(s.escrow);
    // A throwaway grantor with a little stake.
    let x = sybils(&mut client, s.graph, 1).await?.remove(0);
    client.call(&alice(), &tk.transfer(id_of(&x), 200 * ONE, vec![])).extra_gas_portion(50).submit().await?;
    client.call(&x, &tk.approve(s.pool, 200 * ONE)).extra_gas_portion(50).submit().await?;
    ok!(client, &x, pool.stake(200 * ONE));
    ok!(client, &x, g.set_trust(d, 1));
    let min = PoolParams::default().min_line;
    refused!(client, &x, pool.extend_credit(d, 1, 0), Err(PoolError::BelowMinLine { min }));
    ok!(client, &x, pool.extend_credit(d, min, 0));
    ok!(client, &dave(), pool.decline_line(id_of(&x)));
    assert!(client.call(&alice(), &pool.line(id_of(&x), d)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.is_none(), "the dust line is gone");
    refused!(client, &x, pool.extend_credit(d, min, 0), Err(PoolError::Declined { borrower: d }));
    assert!(client.call(&alice(), &pool.declined(d, id_of(&x))).dry_run().await?.return_value());
    ok!(client, &dave(), pool.accept_lines_from(id_of(&x)));
    assert!(!client.call(&alice(), &pool.declined(d, id_of(&x))).dry_run().await?.return_value(), "Dave lifted the block");

    // Eve files requests routed through Bob (he has no policy for her tier: they stay pending).
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Eve]);
    let open0 = client.call(&alice(), &es.open_warrants(b)).dry_run().await?.return_value();
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(ok!(client, &eve(), lm.request(50 * ONE, Purpose::CreativeProject, desc(), 30, route.clone())));
    }
    assert_eq!(client.call(&alice(), &es.open_warrants(b)).dry_run().await?.return_value(), open0, "pending warrants take no slot");
    // Bob declines one: the loan can never be disbursed, and the decline is final.
    ok!(client, &bob(), es.decline(ids[0]));
    assert!(!client.call(&alice(), &es.fully_locked(ids[0])).dry_run().await?.return_value());
    let rec = client.call(&alice(), &es.loan(ids[0])).dry_run().await?.return_value().expect("warrants");
    assert_eq!(rec.warrants[0].state, warrant_escrow::WarrantState::Declined);
    refused!(client, &bob(), es.accept(ids[0]), Err(warrant_escrow::Error::AlreadyDeclined));
    // An honest loan for Dave through Bob still gets Bob's warrant locked by his policy.
    let honest = ok!(client, &dave(), lm.request(300 * ONE, Purpose::CommunityInfrastructure, desc(), 30, path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave])));
    assert!(client.call(&alice(), &es.fully_locked(honest)).dry_run().await?.return_value(), "both warrants locked by policy");
    assert_eq!(client.call(&alice(), &es.open_warrants(b)).dry_run().await?.return_value(), open0 + 1);
    Ok(())
}

/// L2 (front-running a draw): Charlie sees Dave's pending draw and raises
/// his line's rate to 100 % first. The draw names the highest rate Dave
/// accepts: it is refused whole, nothing lent; at the old rate it goes through
/// once Charlie's rate is back.
#[tokio::test]
async fn rate_raised_in_front_of_a_pending_draw() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager").await?;
    let d = acc(AccountKeyring::Dave);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    ok!(client, &charlie(), pool.extend_credit(d, 2_000 * ONE, 10_000));
    let before = all_balances(&mut client, &s).await;
    refused!(client, &dave(), pool.draw(300 * ONE, LINE_RATE_BPS), Err(PoolError::RateAboveMax { rate_bps: 10_000, max_rate_bps: LINE_RATE_BPS }));
    assert_eq!(all_balances(&mut client, &s).await, before, "nothing lent");
    ok!(client, &charlie(), pool.extend_credit(d, 2_000 * ONE, LINE_RATE_BPS));
    ok!(client, &dave(), pool.draw(300 * ONE, LINE_RATE_BPS));
    assert_eq!(bal(&mut client, &s, d).await, before[3] + 300 * ONE);
    Ok(())
}

/// L4 (warrant shares from today's parameters): governance sets the
/// warrant ratio to 0 to strip running holders of their 20 % share. A ratio
/// of 0 is refused; a ratio of 0.01 % is accepted, and a loan's holders
/// still get the share of the warrants they locked at its request.
#[tokio::test]
async fn warrant_ratio_set_to_zero_strips_running_holders_of_their_share() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager_fast").await?;
    let (b, c) = (acc(AccountKeyring::Bob), acc(AccountKeyring::Charlie));
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);
    let id = ok!(client, &dave(), lm.request(1_000 * ONE, Purpose::CommunityInfrastructure, desc(), 30, route));
    ok!(client, &alice(), lm.approve(id));
    ok!(client, &dave(), lm.disburse(id));
    let p = client.call(&alice(), &lm.params()).dry_run().await?.return_value();
    refused!(client, &alice(), lm.set_params(LoanParams { warrant_ratio_bps: 0, ..p }), Err(LmError::InvalidParam { name: "warrant_ratio_bps".into() }));
    ok!(client, &alice(), lm.set_params(LoanParams { warrant_ratio_bps: 1, ..p }));
    wait_days(&mut client, &s, 3).await;
    let (b0, c0) = (bal(&mut client, &s, b).await, bal(&mut client, &s, c).await);
    ok!(client, &dave(), lm.repay(id, 100 * ONE));
    let v = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan");
    let split = dcu_common::loan::split_interest(v.loan.interest_paid, PoolParams::default().fee_bps, PoolParams::default().insurance_bps, &[400 * ONE, 400 * ONE], &LoanParams::default()).expect("split");
    assert!(split.holders[0] > 0);
    assert_eq!(bal(&mut client, &s, b).await - b0, split.holders[0], "Bob keeps his 10 %");
    assert_eq!(bal(&mut client, &s, c).await - c0, split.direct + split.holders[1], "Charlie keeps his 50 % + 10 %");
    assert_eq!(v.loan.warrants, 800 * ONE, "the loan keeps the warrants of its request");
    Ok(())
}

/// MAX_CREDIT (one cap per person, not one per product): Dave holds a
/// 1,500 term loan and draws on a second line to owe twice MAX_CREDIT
/// (set to its floor, 2,000). The draw past 2,000 owed is refused; up to
/// it, it goes through.
#[tokio::test]
async fn term_loans_and_draws_together_reach_twice_max_credit() -> TestResult {
    let (_node, mut client) = start().await;
    let s = credit_suite(&mut client, "loan_manager").await?;
    let d = acc(AccountKeyring::Dave);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let p = client.call(&alice(), &pool.params()).dry_run().await?.return_value();
    ok!(client, &alice(), pool.set_params(PoolParams { max_credit: 2_000 * ONE, ..p }));
    ok!(client, &alice(), pool.extend_credit(d, 1_500 * ONE, 400));
    let _loan = direct_loan(&mut client, &s, &dave(), 1_500 * ONE, 30).await?;
    let before = all_balances(&mut client, &s).await;
    refused!(client, &dave(), pool.draw(600 * ONE, LINE_RATE_BPS), Err(PoolError::AboveMaxCredit { owed: 1_500 * ONE, max_credit: 2_000 * ONE }));
    assert_eq!(all_balances(&mut client, &s).await, before, "nothing lent");
    ok!(client, &dave(), pool.draw(500 * ONE, LINE_RATE_BPS));
    refused!(client, &dave(), pool.draw(1, LINE_RATE_BPS), Err(PoolError::AboveMaxCredit { owed: 2_000 * ONE, max_credit: 2_000 * ONE }));
    Ok(())
}

/// L7 (one blocked recipient forces a default): the stablecoin blacklists
/// Bob, a warrant holder of Dave's loan. Dave's repayments still go
/// through — his interest and his full repayment — and Bob's interest share
/// and released warrant wait as claims until the token lets him have them.
#[tokio::test]
async fn blacklisted_share_recipient_blocks_every_repayment() -> TestResult {
    let (_node, mut client) = start().await;
    let s = full::deploy_with(&mut client, "loan_manager_fast", "credit_pool", true).await?;
    full::community(&mut client, &s).await?;
    let b = acc(AccountKeyring::Bob);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let mut es = ink_e2e::create_call_builder::<WarrantEscrow>(s.escrow);
    let mut ht = ink_e2e::create_call_builder::<hostile_token::HostileToken>(s.token);
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);
    let id = ok!(client, &dave(), lm.request(1_000 * ONE, Purpose::CommunityInfrastructure, desc(), 30, route));
    ok!(client, &alice(), lm.approve(id));
    ok!(client, &dave(), lm.disburse(id));
    wait_days(&mut client, &s, 3).await;
    client.call(&alice(), &ht.set_blocked(Some(b))).submit().await?;
    let b0 = bal(&mut client, &s, b).await;
    let owed = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan").owed;
    ok!(client, &dave(), lm.repay(id, owed + ONE));
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Closed, "repaid in full despite the blocked holder");
    assert_eq!(bal(&mut client, &s, b).await, b0, "Bob received nothing yet");
    let share = client.call(&alice(), &lm.claimable(b)).dry_run().await?.return_value();
    let warrant = client.call(&alice(), &es.claimable(b)).dry_run().await?.return_value();
    assert!(share > 0, "Bob's interest share is held");
    assert_eq!(warrant, 400 * ONE, "Bob's released warrant is held");
    assert_eq!(bal(&mut client, &s, s.lm).await, share, "the loan manager holds exactly what it owes");
    let r = client.call(&bob(), &lm.claim()).dry_run().await?.return_value();
    assert!(matches!(r, Err(LmError::Token(_))), "still blocked: {r:?}");
    client.call(&alice(), &ht.set_blocked(None)).submit().await?;
    assert_eq!(ok!(client, &bob(), lm.claim()), share);
    assert_eq!(ok!(client, &bob(), es.claim()), 400 * ONE);
    assert_eq!(bal(&mut client, &s, b).await, b0 + share + 400 * ONE);
    refused!(client, &bob(), lm.claim(), Err(LmError::NothingToClaim));
    Ok(())
}

/// H1, term-loan form: an accomplice intermediary vouches for a loan it
/// expects the insurance to cover, so that it gets its warrant back in
/// full. Warrants pay first: Bob and Charlie's warrants are claimed before
/// the reserve is touched, and the reserve then co-insures at most half of
/// what is left and at most 10 % of itself.
#[tokio::test]
async fn accomplice_intermediary_gets_its_warrant_back_from_the_insurance() -> TestResult {
    let (_node, mut client) = start().await;
    let s = fast_credit_suite(&mut client, false).await?;
    let (a, b, c) = (acc(AccountKeyring::Alice), acc(AccountKeyring::Bob), acc(AccountKeyring::Charlie));
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let p = client.call(&alice(), &lm.params()).dry_run().await?.return_value();
    ok!(client, &alice(), lm.set_params(LoanParams { default_after_ms: DAY_MS, ..p }));
    // The path's lines age past COVER_MIN_AGE (90 days, 9 s of the pool's clock).
    full::wait_secs(&mut client, &s, 10).await;
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);
    let id = ok!(client, &dave(), lm.request(1_000 * ONE, Purpose::CommunityInfrastructure, desc(), 1, route));
    ok!(client, &alice(), lm.approve(id));
    ok!(client, &dave(), lm.disburse(id));
    assert!(client.call(&alice(), &pool.loan_hold(id)).dry_run().await?.return_value().expect("hold").insured, "an insured loan");
    wait_days(&mut client, &s, 2).await;
    ok!(client, &ferdie(), lm.mark_overdue(id));
    wait_days(&mut client, &s, 2).await;
    ok!(client, &ferdie(), lm.declare_default(id));
    let (b0, c0) = (bal(&mut client, &s, b).await, bal(&mut client, &s, c).await);
    let reserve0 = client.call(&alice(), &pool.totals()).dry_run().await?.return_value().insurance;
    let stake0 = client.call(&alice(), &pool.grantor(a)).dry_run().await?.return_value().stake;
    ok!(client, &ferdie(), lm.settle(id));
    assert_eq!((bal(&mut client, &s, b).await, bal(&mut client, &s, c).await), (b0, c0), "both warrants taken whole: nothing back");
    let reserve1 = client.call(&alice(), &pool.totals()).dry_run().await?.return_value().insurance;
    let stake1 = client.call(&alice(), &pool.grantor(a)).dry_run().await?.return_value().stake;
    let covered = reserve0 - reserve1;
    assert!(covered <= reserve0 / 10 && covered <= 100 * ONE, "co-insurance of the 200 left: {covered}");
    assert_eq!(stake0 - stake1, 200 * ONE - covered, "Alice bears only what the warrants and the cover left");
    Ok(())
}

/// L1 (a stale reservation): loan 1 runs over Alice → Bob → Charlie →
/// Dave, reserving its amount on Bob → Charlie. Charlie defaults on his own
/// pool debt, which deletes that line; Bob extends Charlie a new one and
/// loan 2 runs over it. Loan 1's repayment used to release loan 2's
/// reservation from the new line; now a loan releases only the line it
/// reserved on, so Bob's exposure stays within his line.
#[tokio::test]
async fn stale_reservation_released_from_a_re_created_line() -> TestResult {
    let (_node, mut client) = start().await;
    let s = fast_credit_suite(&mut client, false).await?;
    let (b, c) = (acc(AccountKeyring::Bob), acc(AccountKeyring::Charlie));
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let route1 = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);
    let loan1 = ok!(client, &dave(), lm.request(300 * ONE, Purpose::CommunityInfrastructure, desc(), 90, route1));
    ok!(client, &alice(), lm.approve(loan1));
    ok!(client, &dave(), lm.disburse(loan1));
    let reserved = |l: Option<credit_pool::LineInfo>| l.expect("line").reserved;
    assert_eq!(reserved(client.call(&alice(), &pool.line(b, c)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?), 300 * ONE);
    // Charlie draws 100 on Bob's line and never pays: his pool default deletes
    // the line. (He stakes 500 more first, so that the debt leaves him anchored.)
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    client.call(&charlie(), &tk.approve(s.pool, 500 * ONE)).extra_gas_portion(50).submit().await?;
    ok!(client, &charlie(), pool.stake(500 * ONE));
    ok!(client, &charlie(), pool.draw(100 * ONE, 10_000));
    full::wait_secs(&mut client, &s, 23).await;
    ok!(client, &ferdie(), pool.declare_default(c));
    assert!(client.call(&alice(), &pool.line(b, c)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.is_none(), "the line went with the default");
    // Bob extends Charlie a new line of 400; loan 2 of 400 runs over it.
    ok!(client, &bob(), pool.extend_credit(c, 400 * ONE, 500));
    let route2 = path(&[AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);
    let loan2 = ok!(client, &dave(), lm.request(400 * ONE, Purpose::CommunityInfrastructure, desc(), 90, route2));
    ok!(client, &bob(), lm.approve(loan2));
    ok!(client, &dave(), lm.disburse(loan2));
    assert_eq!(reserved(client.call(&alice(), &pool.line(b, c)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?), 400 * ONE);
    // Loan 1 is repaid in full: the new line keeps loan 2's reservation whole.
    let owed = client.call(&alice(), &lm.loan(loan1)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan").owed;
    ok!(client, &dave(), lm.repay(loan1, owed + ONE));
    assert_eq!(loan_state(&mut client, &s, loan1).await, LoanState::Closed);
    let l = client.call(&alice(), &pool.line(b, c)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("line");
    assert_eq!((l.reserved, l.available), (400 * ONE, 0), "nothing more can be drawn on Bob's line to Charlie");
    let r = client.call(&charlie(), &pool.draw(ONE, 10_000)).dry_run().await?.return_value();
    assert!(r.is_err(), "Charlie cannot draw past the reservation: {r:?}");
    Ok(())
}
