//! Term loans on a real node (SPEC §5), with every cross-contract call real:
//! the loan manager validating the path in the credit pool, scoring the
//! borrower from the trust graph, asking the warrant escrow for warrants
//! that the intermediaries' standing policies lock in the PSP22
//! stablecoin, the pool reserving every hop and paying from the end
//! creditor's stake.
//!
//! - A 3-hop loan Alice → Bob → Charlie → Dave with both warrants locked
//!   automatically, approved by Alice's standing approval policy (which
//!   names the bound a loan misses), refused above Dave's capacity C(v) at
//!   the default BASE, disbursed and repaid, every party's balance checked
//!   to the unit (the release build of `loan_manager`).
//! - On `loan_manager_fast` (the same contract built with `fast-clock`: a
//!   second of block time is a day of the protocol's clock, so terms and
//!   deadlines pass during a test): interest split 50/30/20 after fee and
//!   insurance to the unit, then the loan overdue, in default and settled —
//!   the insurance reserve's co-insurance first (none: the pool runs on the
//!   node's real clock, so the path's lines are younger than COVER_MIN_AGE,
//!   SPEC §3 v2), then both warrants claimed pro rata for the creditor, the
//!   rest written off its stake; loans without a creditor
//!   policy that wait for the creditor's approval; a request that expires.
//! - (issue 16, SPEC §4) An intermediary with 500 staked and an empty
//!   wallet locks its warrant from its unlent stake; the loan disburses;
//!   repaid, the warrant is back in its stake (not its wallet), its
//!   lock-out unchanged.

use credit_pool::CreditPool;
use dcu_common::loan::{loan_rate_bps, settle_default, split_interest, Approval, ApprovalPolicy, LoanParams, LoanState, Purpose};
use dcu_common::pool::PoolParams;
use dcu_e2e_tests::suite::*;
use dcu_e2e_tests::{start, TestResult, ONE};
use ink_e2e::{alice, bob, charlie, dave, eve, ferdie, AccountKeyring, ContractsBackend};
use loan_manager::{Error, LoanManager};
use trust_graph::TrustGraph;
use warrant_escrow::WarrantEscrow;

#[tokio::test]
async fn a_three_hop_loan_with_warrants_locked_by_policy_is_disbursed_and_repaid_to_the_unit() -> TestResult {
    let (_node, mut client) = start().await;
    let s = deploy(&mut client, "loan_manager").await?;
    community(&mut client, &s).await?;
    let (b, c, d) = (acc(AccountKeyring::Bob), acc(AccountKeyring::Charlie), acc(AccountKeyring::Dave));
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let es = ink_e2e::create_call_builder::<WarrantEscrow>(s.escrow);
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);

    // The quote: seed 003's rate from Dave's trust score over 3 hops, 80 % of warrants split in two.
    let ts = client.call(&alice(), &g.trust_score(d)).dry_run().await?.return_value().expect("Dave is a member");
    let q = client.call(&dave(), &lm.quote(1_000 * ONE, Purpose::CommunityInfrastructure, 30, route.clone())).dry_run().await?.return_value().expect("quote");
    assert_eq!(Some(q.rate_bps), loan_rate_bps(ts, 3, 400, &LoanParams::default()));
    assert_eq!((q.warrants, q.warrant_each, q.capacity), (800 * ONE, 400 * ONE, 2_000 * ONE));
    // One score() read gives TS, CF and C(v), decoded as the trust graph encodes them.
    let info = client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score");
    assert_eq!((q.trust_score, q.confidence, q.borrower_capacity, q.outstanding), (info.trust_score, info.confidence, info.capacity, 0));
    // No approval policy: the score alone never approves.
    assert_eq!(q.approval, Approval::NoPolicy);
    // Capacity bounds routed credit: at the default BASE, Dave's C(v) is below 1,000.
    set_base_capacity(&mut client, &s, dcu_common::iface::trust_graph::DEFAULT_BASE_CAPACITY).await?;
    let cap = client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score").capacity;
    assert!(cap < 1_000 * ONE, "C(Dave) = {cap}");
    let r = client.call(&dave(), &lm.request(1_000 * ONE, Purpose::CommunityInfrastructure, desc(), 30, route.clone())).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::CapacityExceeded { capacity: cap, outstanding: 0, amount: 1_000 * ONE }));
    set_base_capacity(&mut client, &s, MAX_BASE_CAPACITY).await?;
    // Alice's standing policy: a bound one short of the loan names it; at the loan's own terms it approves.
    let score = u8::try_from(q.score).expect("a score");
    let policy = ApprovalPolicy { min_score: score, max_amount: 1_000 * ONE, max_term_days: 30, min_rate_bps: q.rate_bps };
    client.call(&alice(), &lm.set_approval_policy(Some(ApprovalPolicy { max_term_days: 29, ..policy }))).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let q2 = client.call(&dave(), &lm.quote(1_000 * ONE, Purpose::CommunityInfrastructure, 30, route.clone())).dry_run().await?.return_value().expect("quote");
    assert_eq!(q2.approval, Approval::TermAbove { term_days: 30, max: 29 });
    client.call(&alice(), &lm.set_approval_policy(Some(policy))).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(client.call(&alice(), &lm.approval_policy(acc(AccountKeyring::Alice))).dry_run().await?.return_value(), Some(policy));
    let q = client.call(&dave(), &lm.quote(1_000 * ONE, Purpose::CommunityInfrastructure, 30, route.clone())).dry_run().await?.return_value().expect("quote");
    assert_eq!(q.approval, Approval::PolicyMet);
    for h in [b, c] {
        let th = client.call(&alice(), &es.threshold(h, ts)).dry_run().await?.return_value();
        assert!(th.is_some_and(|t| t <= q.rate_bps), "holder {h:?} accepts {} automatically (threshold {th:?}, TS {ts})", q.rate_bps);
    }
    // Refusals that come from the other contracts, before anything is stored.
    let r = client.call(&dave(), &lm.request(2_001 * ONE, Purpose::CommunityInfrastructure, desc(), 30, route.clone())).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::InsufficientCapacity { available: 2_000 * ONE, requested: 2_001 * ONE }));
    let r = client.call(&dave(), &lm.request(ONE, Purpose::CommunityInfrastructure, desc(), 30, path(&[AccountKeyring::Alice, AccountKeyring::Charlie, AccountKeyring::Dave]))).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::NoLine { hop: 0 }));

    let before = all_balances(&mut client, &s).await;
    // Request: both warrants lock at once (400 each from Bob and Charlie).
    let id = client.call(&dave(), &lm.request(1_000 * ONE, Purpose::CommunityInfrastructure, desc(), 30, route.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(id, 1);
    assert_eq!(bal(&mut client, &s, b).await, before[1] - 400 * ONE);
    assert_eq!(bal(&mut client, &s, c).await, before[2] - 400 * ONE);
    assert_eq!(bal(&mut client, &s, s.escrow).await, 800 * ONE);
    // Approved at the request by Alice's own policy.
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Approved);
    assert_eq!(client.call(&alice(), &lm.outstanding_of(d)).dry_run().await?.return_value(), 1_000 * ONE);

    // Disburse: Dave gets 1,000 from Alice's stake; every hop reserves 1,000.
    let r = client.call(&bob(), &lm.disburse(id)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::Unauthorized { caller: b }));
    client.call(&dave(), &lm.disburse(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Active);
    assert_eq!(bal(&mut client, &s, d).await, before[3] + 1_000 * ONE);
    assert_eq!(bal(&mut client, &s, s.pool).await, before[6] - 1_000 * ONE);
    assert_eq!(pool_lent_and_reserved(&mut client, &s, &route).await, (1_000 * ONE, vec![1_000 * ONE; 3]));

    // Partial, then full repayment (no whole day passes: no interest).
    assert_eq!(client.call(&dave(), &lm.repay(id, 400 * ONE)).extra_gas_portion(50).submit().await?.return_value(), Ok(400 * ONE));
    assert_eq!(pool_lent_and_reserved(&mut client, &s, &route).await, (600 * ONE, vec![600 * ONE; 3]));
    assert_eq!(client.call(&dave(), &lm.repay(id, 5_000 * ONE)).extra_gas_portion(50).submit().await?.return_value(), Ok(600 * ONE));
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Closed);
    assert_eq!(pool_lent_and_reserved(&mut client, &s, &route).await, (0, vec![0; 3]));
    // Every balance is back where it was, to the unit; the escrow and the manager hold nothing.
    assert_eq!(all_balances(&mut client, &s).await, before);
    let r = client.call(&dave(), &lm.repay(id, ONE)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::WrongState { current: LoanState::Closed, wanted: LoanState::Repaid }));
    assert!(client.call(&alice(), &lm.open_loans(d)).dry_run().await?.return_value().is_empty());
    Ok(())
}

#[tokio::test]
async fn interest_is_split_to_the_unit_then_a_default_is_settled_warrants_first_then_co_insurance_then_the_creditor() -> TestResult {
    let (_node, mut client) = start().await;
    let s = deploy(&mut client, "loan_manager_fast").await?;
    community(&mut client, &s).await?;
    let (a, b, c, d) = (acc(AccountKeyring::Alice), acc(AccountKeyring::Bob), acc(AccountKeyring::Charlie), acc(AccountKeyring::Dave));
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    // Governance (Alice here) shortens the default delay to one (fast) day.
    client.call(&alice(), &lm.set_params(LoanParams { default_after_ms: dcu_common::DAY_MS, ..LoanParams::default() })).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Bob, AccountKeyring::Charlie, AccountKeyring::Dave]);
    let id = client.call(&dave(), &lm.request(1_000 * ONE, Purpose::CommunityInfrastructure, desc(), 2, route.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    // Alice has no approval policy: she approves by hand.
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Requested);
    client.call(&alice(), &lm.approve(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Approved);
    client.call(&dave(), &lm.disburse(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    wait_days(&mut client, &s, 3).await;

    // Interest first: 100 pays the accrued interest and the rest of it principal.
    let before = all_balances(&mut client, &s).await;
    let t0 = client.call(&alice(), &pool.totals()).dry_run().await?.return_value();
    client.call(&dave(), &lm.repay(id, 100 * ONE)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let v = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan");
    let interest = v.loan.interest_paid;
    assert!(interest > 0, "three days of interest were paid");
    let split = split_interest(interest, PoolParams::default().fee_bps, PoolParams::default().insurance_bps, &[400 * ONE, 400 * ONE], &LoanParams::default()).expect("split");
    let after = all_balances(&mut client, &s).await;
    assert_eq!(after[0] - before[0], split.end, "Alice, the end creditor: 30 %");
    assert_eq!(after[1] - before[1], split.holders[0], "Bob, a warrant holder: 10 %");
    assert_eq!(after[2] - before[2], split.direct + split.holders[1], "Charlie, direct creditor and holder: 50 % + 10 %");
    assert_eq!(before[3] - after[3], 100 * ONE, "Dave paid 100");
    assert_eq!(after[6] - before[6], 100 * ONE - interest + split.fee + split.insurance, "principal, fee and insurance to the pool");
    let t1 = client.call(&alice(), &pool.totals()).dry_run().await?.return_value();
    assert_eq!((t1.treasury - t0.treasury, t1.insurance - t0.insurance), (split.fee, split.insurance));
    assert_eq!(v.loan.principal, 1_000 * ONE - (100 * ONE - interest));

    // Past due (2 days): overdue, then in default one day later.
    let r = client.call(&ferdie(), &lm.declare_default(id)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::WrongState { current: LoanState::Active, wanted: LoanState::Defaulted }));
    client.call(&ferdie(), &lm.mark_overdue(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    wait_days(&mut client, &s, 1).await;
    client.call(&ferdie(), &lm.declare_default(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Defaulted);
    let score = client.call(&alice(), &g.score(d)).dry_run().await?.return_value().expect("score");
    assert!(score.defaulted, "the trust graph recorded the default");

    // Settlement (SPEC §4, v2): the warrants first, pro rata, their claims
    // into the pool for Alice's stake; then co-insurance — but the pool's
    // clock is the node's real one: the path's lines are minutes old,
    // younger than COVER_MIN_AGE, so the loan is not insured and the
    // reserve pays nothing; Alice's stake bears the rest.
    let principal = v.loan.principal;
    let hold = client.call(&alice(), &pool.loan_hold(id)).dry_run().await?.return_value().expect("the pool holds the loan");
    assert!(!hold.insured, "disbursed over lines younger than COVER_MIN_AGE");
    let expected = settle_default(principal, &[400 * ONE, 400 * ONE]).expect("settlement");
    assert_eq!(expected.from_warrants, 800 * ONE, "the loss is above both warrants");
    let before = all_balances(&mut client, &s).await;
    let stake0 = client.call(&alice(), &pool.grantor(a)).dry_run().await?.return_value().stake;
    client.call(&ferdie(), &lm.settle(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let after = all_balances(&mut client, &s).await;
    assert_eq!(after[0], before[0], "Alice's wallet: the claims go to her stake");
    assert_eq!(after[1] - before[1], expected.released[0], "Bob gets back what was not claimed");
    assert_eq!(after[2] - before[2], expected.released[1]);
    assert_eq!(after[6] - before[6], expected.from_warrants, "the claims reach the pool");
    assert_eq!((after[7], after[8]), (0, 0), "the escrow and the loan manager hold nothing");
    let t2 = client.call(&alice(), &pool.totals()).dry_run().await?.return_value();
    assert_eq!(t2.insurance, t1.insurance, "an uninsured loan takes nothing from the reserve");
    assert_eq!(t2.written_off - t1.written_off, expected.rest, "written off: the loss after the warrants");
    let stake1 = client.call(&alice(), &pool.grantor(a)).dry_run().await?.return_value().stake;
    assert_eq!(stake0 - stake1, expected.rest, "Alice's net loss");
    assert_eq!(pool_lent_and_reserved(&mut client, &s, &route).await, (0, vec![0; 3]));
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Settled);
    // The pool still holds exactly unlent stake + insurance + treasury.
    assert_eq!(after[6], t2.tokens_held().expect("books"));
    let _ = (b, c);
    Ok(())
}

#[tokio::test]
async fn a_low_score_loan_waits_for_its_creditor_and_an_unused_request_expires() -> TestResult {
    let (_node, mut client) = start().await;
    let s = deploy(&mut client, "loan_manager_fast").await?;
    community(&mut client, &s).await?;
    let (c, e) = (acc(AccountKeyring::Charlie), acc(AccountKeyring::Eve));
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let route = path(&[AccountKeyring::Charlie, AccountKeyring::Eve]);
    // Eve is barely trusted: a creative project scores well below 60.
    let id = client.call(&eve(), &lm.request(100 * ONE, Purpose::CreativeProject, desc(), 30, route.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let v = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan");
    assert!(v.loan.score < 60, "score {}", v.loan.score);
    assert_eq!((v.loan.state, v.loan.creditor_approved, v.loan.warrants, v.loan.approval), (LoanState::Requested, false, 0, Approval::NoPolicy));
    let r = client.call(&eve(), &lm.disburse(id)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::NeedsCreditorApproval));
    let r = client.call(&bob(), &lm.approve(id)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::Unauthorized { caller: acc(AccountKeyring::Bob) }));
    client.call(&charlie(), &lm.approve(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let e0 = bal(&mut client, &s, e).await;
    client.call(&eve(), &lm.disburse(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(bal(&mut client, &s, e).await, e0 + 100 * ONE);
    let owed = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().map_err(|e| format!("{e:?}"))?.expect("loan").owed;
    client.call(&eve(), &lm.repay(id, owed + 10 * ONE)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Closed);

    // A second request is never disbursed: after 7 (fast) days it expires.
    let id2 = client.call(&eve(), &lm.request(50 * ONE, Purpose::CreativeProject, desc(), 30, route.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let r = client.call(&ferdie(), &lm.expire(id2)).dry_run().await?.return_value();
    assert!(matches!(r, Err(Error::TooEarly { .. })), "{r:?}");
    client.call(&charlie(), &lm.approve(id2)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    wait_days(&mut client, &s, 8).await;
    let r = client.call(&eve(), &lm.disburse(id2)).dry_run().await?.return_value();
    assert!(matches!(r, Err(Error::RequestExpired { .. })), "{r:?}");
    client.call(&ferdie(), &lm.expire(id2)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, id2).await, LoanState::Expired);
    let pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    assert_eq!(client.call(&alice(), &pool.grantor(c)).dry_run().await?.return_value().lent, 0);
    Ok(())
}

/// Issue 16 (SPEC §4: "from its unlent stake or a direct deposit"): Ferdie,
/// an intermediary on Alice → Ferdie → Dave with 500 staked (100 of it
/// behind its line to Dave) and an empty wallet, is refused
/// `InsufficientBalance` by `accept` but locks its 80 warrant from its
/// stake with `accept_from_stake`: the pool pays the escrow, its stake
/// falls by 80 and the graph hears 320 of own capital. The loan disburses;
/// repaid, the 80 are back in Ferdie's stake — not its wallet — with its
/// lock-out unchanged, and the pool holds every token its books say.
#[tokio::test]
async fn an_intermediary_with_an_empty_wallet_locks_its_warrant_from_stake_and_gets_it_back_in_its_stake() -> TestResult {
    use psp22::{PSP22Error, PSP22};
    use stable_token::StableToken;
    use warrant_escrow::{Error as EscrowError, WarrantState};
    let (_node, mut client) = start().await;
    let s = deploy(&mut client, "loan_manager").await?;
    community(&mut client, &s).await?;
    let (a, d, f) = (acc(AccountKeyring::Alice), acc(AccountKeyring::Dave), acc(AccountKeyring::Ferdie));
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut es = ink_e2e::create_call_builder::<WarrantEscrow>(s.escrow);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);

    // given: Alice trusts Ferdie and gives it a line of 1,000; Ferdie (who
    // trusts Dave and staked 100) stakes 400 more, gives Dave a line of
    // 100, and sends everything left in its wallet away.
    client.call(&alice(), &g.set_trust(f, 500)).extra_gas_portion(50).submit().await?;
    client.call(&alice(), &pool.extend_credit(f, 1_000 * ONE, 400)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    client.call(&ferdie(), &tk.approve(s.pool, 400 * ONE)).extra_gas_portion(50).submit().await?;
    client.call(&ferdie(), &pool.stake(400 * ONE)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    client.call(&ferdie(), &pool.extend_credit(d, 100 * ONE, 500)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let wallet = bal(&mut client, &s, f).await;
    client.call(&ferdie(), &tk.transfer(a, wallet, vec![])).extra_gas_portion(50).submit().await?;
    assert_eq!(bal(&mut client, &s, f).await, 0, "an empty wallet");
    let g0 = client.call(&alice(), &pool.grantor(f)).dry_run().await?.return_value();
    assert_eq!((g0.stake, g0.allocated, g0.free), (500 * ONE, 100 * ONE, 400 * ONE));

    // when: Dave asks 100 over Alice → Ferdie → Dave; Alice approves by hand
    let route = path(&[AccountKeyring::Alice, AccountKeyring::Ferdie, AccountKeyring::Dave]);
    let id = client.call(&dave(), &lm.request(100 * ONE, Purpose::CommunityInfrastructure, desc(), 30, route.clone())).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    client.call(&alice(), &lm.approve(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let rec = client.call(&alice(), &es.loan(id)).dry_run().await?.return_value().expect("the escrow has the loan");
    assert_eq!((rec.warrants.len(), rec.warrants[0].holder, rec.warrants[0].amount), (1, f, 80 * ONE), "80 % of 100, all Ferdie's");
    let r = client.call(&dave(), &lm.disburse(id)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::WarrantsPending));
    // From the wallet, even approved: InsufficientBalance.
    client.call(&ferdie(), &tk.approve(s.escrow, 80 * ONE)).extra_gas_portion(50).submit().await?;
    let r = client.call(&ferdie(), &es.accept(id)).dry_run().await?.return_value();
    assert_eq!(r, Err(EscrowError::Token(PSP22Error::InsufficientBalance)));
    // From the stake: locked.
    let escrow0 = bal(&mut client, &s, s.escrow).await;
    client.call(&ferdie(), &es.accept_from_stake(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    let w = client.call(&alice(), &es.loan(id)).dry_run().await?.return_value().expect("loan").warrants[0];
    assert_eq!((w.state, w.from_stake), (WarrantState::Locked, true));
    assert!(client.call(&alice(), &es.fully_locked(id)).dry_run().await?.return_value());
    assert_eq!(bal(&mut client, &s, s.escrow).await, escrow0 + 80 * ONE, "the escrow holds the warrant");
    let g1 = client.call(&alice(), &pool.grantor(f)).dry_run().await?.return_value();
    assert_eq!((g1.stake, g1.free, g1.locked_until), (420 * ONE, 320 * ONE, g0.locked_until), "the stake fell by 80, its lock-out unchanged");
    assert_eq!(client.call(&alice(), &pool.own_capital(f)).dry_run().await?.return_value().reported, 320 * ONE);
    assert_eq!(bal(&mut client, &s, f).await, 0);

    // then: the loan disburses from Alice's stake …
    let dave0 = bal(&mut client, &s, d).await;
    client.call(&dave(), &lm.disburse(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|e| format!("{e:?}"))?;
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Active);
    assert_eq!(bal(&mut client, &s, d).await, dave0 + 100 * ONE);
    // … and, repaid (no whole day passes: no interest), the warrant is back in Ferdie's stake
    assert_eq!(client.call(&dave(), &lm.repay(id, 5_000 * ONE)).extra_gas_portion(50).submit().await?.return_value(), Ok(100 * ONE));
    assert_eq!(loan_state(&mut client, &s, id).await, LoanState::Closed);
    let w = client.call(&alice(), &es.loan(id)).dry_run().await?.return_value().expect("loan").warrants[0];
    assert_eq!(w.state, WarrantState::Released);
    let g2 = client.call(&alice(), &pool.grantor(f)).dry_run().await?.return_value();
    assert_eq!((g2.stake, g2.free, g2.locked_until), (500 * ONE, 400 * ONE, g0.locked_until), "back in the stake, the lock-out not restarted");
    assert_eq!(bal(&mut client, &s, f).await, 0, "never to the wallet");
    assert_eq!(client.call(&alice(), &es.claimable(f)).dry_run().await?.return_value(), 0, "nor held for it");
    assert_eq!(bal(&mut client, &s, s.escrow).await, escrow0);
    assert_eq!(client.call(&alice(), &pool.own_capital(f)).dry_run().await?.return_value().reported, 400 * ONE);
    let t = client.call(&alice(), &pool.totals()).dry_run().await?.return_value();
    assert_eq!(bal(&mut client, &s, s.pool).await, t.tokens_held().expect("books"), "the pool holds exactly what its books say");
    // Ferdie still cannot take the stake out before its lock-out.
    let r = client.call(&ferdie(), &pool.unstake(ONE)).dry_run().await?.return_value();
    assert_eq!(r, Err(credit_pool::Error::LockedUntil { until: g0.locked_until }));
    Ok(())
}
