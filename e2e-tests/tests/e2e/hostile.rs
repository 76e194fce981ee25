//! A hostile PSP22 (`contracts/hostile_token`) that calls back into the
//! contract paying or pulling tokens, on a real node: the pool's `stake` and
//! the escrow's `accept` and `claim` are refused as a whole when the token
//! tries to re-enter them (a re-entry during `release` makes only the
//! payment fail, which waits as the holder's claim) (pallet-contracts denies the re-entry; no DCU
//! contract allows it), nothing changes, and the same operations succeed
//! once the token behaves. A control shows the token's call really fires:
//! aimed at a contract that is not on the call stack, it goes through.

use credit_pool::{CreditPool, CreditPoolRef, Error as PoolError, Wiring as PoolWiring};
use dcu_e2e_tests::{start, TestResult, ONE};
use hostile_token::{Attack, HostileToken, HostileTokenRef};
use ink::primitives::AccountId;
use ink::scale::Encode;
use ink_e2e::{account_id, alice, bob, charlie, AccountKeyring, ContractsBackend};
use psp22::PSP22;
use trust_graph::{Params as TrustParams, TrustGraph, TrustGraphRef, Wiring as GraphWiring};
use warrant_escrow::{Error as EscrowError, LoanTerms, WarrantEscrow, WarrantEscrowRef, WarrantState, Wiring as EscrowWiring};

fn attack(target: AccountId, selector: [u8; 4], input: Vec<u8>) -> Option<Attack> {
    Some(Attack { target, selector, input })
}

#[tokio::test]
async fn a_token_that_re_enters_the_pool_or_the_escrow_is_refused_and_changes_nothing() -> TestResult {
    let (_node, mut client) = start().await;
    let (a, b, c, e) = (account_id(AccountKeyring::Alice), account_id(AccountKeyring::Bob), account_id(AccountKeyring::Charlie), account_id(AccountKeyring::Eve));
    // given: the pool and the escrow on the hostile token
    let mut h = HostileTokenRef::new(1_000_000 * ONE);
    let token = client.instantiate("hostile_token", &alice(), &mut h).submit().await?.account_id;
    let mut g = TrustGraphRef::new();
    let graph = client.instantiate("trust_graph", &alice(), &mut g).submit().await?.account_id;
    let mut p = CreditPoolRef::new(token, graph);
    let pool = client.instantiate("credit_pool", &alice(), &mut p).submit().await?.account_id;
    let mut w = WarrantEscrowRef::new(token);
    let escrow = client.instantiate("warrant_escrow", &alice(), &mut w).submit().await?.account_id;
    let mut ht = ink_e2e::create_call_builder::<HostileToken>(token);
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(graph);
    let mut cp = ink_e2e::create_call_builder::<CreditPool>(pool);
    let mut es = ink_e2e::create_call_builder::<WarrantEscrow>(escrow);
    client.call(&alice(), &tg.wire(GraphWiring { governance: a, credit_pool: pool, loan_manager: a })).submit().await?;
    client.call(&alice(), &cp.wire(PoolWiring { governance: a, loan_manager: a, warrant_escrow: escrow })).submit().await?;
    client.call(&alice(), &es.wire(EscrowWiring { governance: a, loan_manager: b, credit_pool: pool })).submit().await?;
    client.call(&alice(), &ht.approve(pool, 1_000 * ONE)).submit().await?;

    // control: aimed at the trust graph (not on the call stack) the token's call goes through
    client.call(&alice(), &ht.set_attack(attack(graph, ink::selector_bytes!("member_count"), Vec::new()))).submit().await?;
    client.call(&alice(), &cp.stake(100 * ONE)).submit().await?;
    assert_eq!(client.call(&alice(), &ht.entered()).dry_run().await?.return_value(), 1);
    assert_eq!(client.call(&alice(), &ht.balance_of(pool)).dry_run().await?.return_value(), 100 * ONE);

    // when: the token re-enters the pool's `stake` while the pool pulls the tokens
    client.call(&alice(), &ht.set_attack(attack(pool, ink::selector_bytes!("stake"), (1 * ONE).encode()))).submit().await?;
    let r = client.call(&alice(), &cp.stake(50 * ONE)).dry_run().await?.return_value();
    // then: the whole stake is refused (the denied re-entry makes the token
    // fail) and nothing moved
    assert!(matches!(r, Err(PoolError::TokenCallFailed) | Err(PoolError::Token(_))), "{r:?}");
    assert_eq!(client.call(&alice(), &cp.grantor(a)).dry_run().await?.return_value().stake, 100 * ONE);
    assert_eq!(client.call(&alice(), &ht.balance_of(pool)).dry_run().await?.return_value(), 100 * ONE);
    assert_eq!(client.call(&alice(), &ht.entered()).dry_run().await?.return_value(), 1);

    // the escrow: Charlie's warrant; the token re-enters `release` while Charlie locks it
    client.call(&alice(), &ht.set_attack(None)).submit().await?;
    client.call(&alice(), &ht.transfer(c, 1_000 * ONE, vec![])).submit().await?;
    client.call(&charlie(), &ht.approve(escrow, 100 * ONE)).submit().await?;
    client.call(&bob(), &es.create(1, e, vec![c], 100 * ONE, LoanTerms { amount: 125 * ONE, term_days: 30, rate_bps: 600, borrower_ts: 0 })).submit().await?;
    client.call(&alice(), &ht.set_attack(attack(escrow, ink::selector_bytes!("release"), 1u64.encode()))).submit().await?;
    let r = client.call(&charlie(), &es.accept(1)).dry_run().await?.return_value();
    assert!(matches!(r, Err(EscrowError::TokenCallFailed) | Err(EscrowError::Token(_))), "{r:?}");
    let rec = client.call(&alice(), &es.loan(1)).dry_run().await?.return_value().expect("loan 1");
    assert_eq!(rec.warrants[0].state, WarrantState::Pending);
    assert_eq!(client.call(&alice(), &ht.balance_of(escrow)).dry_run().await?.return_value(), 0);
    // a behaving token: Charlie locks; then the token re-enters `claim_default`
    // while the escrow pays Charlie back. The re-entry is denied, so the
    // transfer to Charlie fails — and, a refused recipient never blocking
    // the loan's end (review L7), the release goes through with Charlie's
    // 100 held in the escrow as his claim; the re-entry changed nothing.
    client.call(&alice(), &ht.set_attack(None)).submit().await?;
    client.call(&charlie(), &es.accept(1)).submit().await?;
    client.call(&alice(), &ht.set_attack(attack(escrow, ink::selector_bytes!("claim_default"), (1u64, 100 * ONE).encode()))).submit().await?;
    assert_eq!(client.call(&bob(), &es.release(1)).submit().await?.return_value(), Ok(100 * ONE));
    assert_eq!(client.call(&alice(), &ht.balance_of(escrow)).dry_run().await?.return_value(), 100 * ONE);
    assert_eq!(client.call(&alice(), &es.locked_total()).dry_run().await?.return_value(), 0);
    assert_eq!(client.call(&alice(), &es.claimable(c)).dry_run().await?.return_value(), 100 * ONE);
    assert_eq!(client.call(&alice(), &es.loan(1)).dry_run().await?.return_value().expect("loan 1").warrants[0].state, WarrantState::Released);
    // the token re-enters `claim` itself while Charlie claims: refused whole, still held
    client.call(&alice(), &ht.set_attack(attack(escrow, ink::selector_bytes!("claim"), Vec::new()))).submit().await?;
    let r = client.call(&charlie(), &es.claim()).dry_run().await?.return_value();
    assert!(matches!(r, Err(EscrowError::TokenCallFailed) | Err(EscrowError::Token(_))), "{r:?}");
    assert_eq!(client.call(&alice(), &es.claimable(c)).dry_run().await?.return_value(), 100 * ONE);
    client.call(&alice(), &ht.set_attack(None)).submit().await?;
    assert_eq!(client.call(&charlie(), &es.claim()).submit().await?.return_value(), Ok(100 * ONE));
    assert_eq!(client.call(&alice(), &ht.balance_of(c)).dry_run().await?.return_value(), 1_000 * ONE);
    assert_eq!(client.call(&alice(), &ht.balance_of(escrow)).dry_run().await?.return_value(), 0);
    Ok(())
}

/// The same hostile token under the loan manager: it re-enters `disburse`
/// while the pool pays the borrower, and `repay` while the loan manager pulls
/// the repayment. Both are refused as a whole — the loan stays where it was,
/// no token moves — and both succeed once the token behaves.
#[tokio::test]
async fn a_token_that_re_enters_the_loan_manager_is_refused_and_changes_nothing() -> TestResult {
    use dcu_common::loan::{LoanState, Purpose};
    use loan_manager::{LoanManager, LoanManagerRef, Wiring as LmWiring};
    let (_node, mut client) = start().await;
    let (a, b) = (account_id(AccountKeyring::Alice), account_id(AccountKeyring::Bob));
    let mut h = HostileTokenRef::new(1_000_000 * ONE);
    let token = client.instantiate("hostile_token", &alice(), &mut h).submit().await?.account_id;
    // Development anchoring (Alice's stake anchors her trust in Bob at once).
    let mut g = TrustGraphRef::with_config(TrustParams { min_anchor_age_days: 0, ..TrustParams::default() }, Vec::new());
    let graph = client.instantiate("trust_graph", &alice(), &mut g).submit().await?.account_id;
    let mut p = CreditPoolRef::new(token, graph);
    let pool = client.instantiate("credit_pool", &alice(), &mut p).submit().await?.account_id;
    let mut w = WarrantEscrowRef::new(token);
    let escrow = client.instantiate("warrant_escrow", &alice(), &mut w).submit().await?.account_id;
    let mut l = LoanManagerRef::new(token, graph, pool, escrow);
    let lmid = client.instantiate("loan_manager", &alice(), &mut l).submit().await?.account_id;
    let mut ht = ink_e2e::create_call_builder::<HostileToken>(token);
    let mut tg = ink_e2e::create_call_builder::<TrustGraph>(graph);
    let mut cp = ink_e2e::create_call_builder::<CreditPool>(pool);
    let mut es = ink_e2e::create_call_builder::<WarrantEscrow>(escrow);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(lmid);
    client.call(&alice(), &tg.wire(GraphWiring { governance: a, credit_pool: pool, loan_manager: lmid })).submit().await?;
    client.call(&alice(), &cp.wire(PoolWiring { governance: a, loan_manager: lmid, warrant_escrow: escrow })).submit().await?;
    client.call(&alice(), &es.wire(EscrowWiring { governance: a, loan_manager: lmid, credit_pool: pool })).submit().await?;
    client.call(&alice(), &lm.wire(LmWiring { governance: a })).submit().await?;
    for k in [alice(), bob()] {
        client.call(&k, &tg.register()).submit().await?;
    }
    client.call(&alice(), &tg.set_trust(b, 800)).submit().await?;
    client.call(&alice(), &ht.approve(pool, 500 * ONE)).submit().await?;
    client.call(&alice(), &cp.stake(500 * ONE)).submit().await?;
    client.call(&alice(), &cp.extend_credit(b, 300 * ONE, 500)).submit().await?;
    // Governance (Alice) raises BASE so Bob's capacity C(v) does not bound this loan.
    let params = client.call(&alice(), &tg.params()).dry_run().await?.return_value();
    client.call(&alice(), &tg.set_params(TrustParams { base_capacity: 1_000_000_000 * ONE, ..params })).submit().await?;
    let id = client.call(&bob(), &lm.request(100 * ONE, Purpose::ProductiveEnterprise, [1u8; 32].into(), 30, vec![a, b])).extra_gas_portion(50).submit().await?.return_value().expect("requested");
    let state = |v: Option<loan_manager::LoanView>| v.expect("the loan").loan.state;
    if state(client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().expect("view")) == LoanState::Requested {
        client.call(&alice(), &lm.approve(id)).extra_gas_portion(50).submit().await?;
    }

    // when: the token re-enters `disburse` while the pool pays Bob
    client.call(&alice(), &ht.set_attack(attack(lmid, ink::selector_bytes!("disburse"), id.encode()))).submit().await?;
    let r = client.call(&bob(), &lm.disburse(id)).dry_run().await?.return_value();
    assert!(r.is_err(), "{r:?}");
    assert_eq!(state(client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().expect("view")), LoanState::Approved);
    assert_eq!(client.call(&alice(), &ht.balance_of(b)).dry_run().await?.return_value(), 0);
    assert_eq!(client.call(&alice(), &cp.grantor(a)).dry_run().await?.return_value().lent, 0);
    client.call(&alice(), &ht.set_attack(None)).submit().await?;
    client.call(&bob(), &lm.disburse(id)).extra_gas_portion(50).submit().await?;
    assert_eq!(client.call(&alice(), &ht.balance_of(b)).dry_run().await?.return_value(), 100 * ONE);

    // when: the token re-enters `repay` while the loan manager pulls Bob's repayment
    client.call(&bob(), &ht.approve(lmid, 200 * ONE)).submit().await?;
    client.call(&alice(), &ht.set_attack(attack(lmid, ink::selector_bytes!("repay"), (id, ONE).encode()))).submit().await?;
    let r = client.call(&bob(), &lm.repay(id, 100 * ONE)).dry_run().await?.return_value();
    assert!(matches!(r, Err(loan_manager::Error::TokenCallFailed) | Err(loan_manager::Error::Token(_))), "{r:?}");
    let v = client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().expect("view").expect("loan");
    assert_eq!((v.loan.state, v.loan.principal), (LoanState::Active, 100 * ONE));
    assert_eq!(client.call(&alice(), &ht.balance_of(b)).dry_run().await?.return_value(), 100 * ONE);
    assert_eq!(client.call(&alice(), &ht.balance_of(lmid)).dry_run().await?.return_value(), 0);
    // then, behaving: repaid in full and closed
    client.call(&alice(), &ht.set_attack(None)).submit().await?;
    client.call(&bob(), &lm.repay(id, 100 * ONE)).extra_gas_portion(50).submit().await?;
    assert_eq!(state(client.call(&alice(), &lm.loan(id)).dry_run().await?.return_value().expect("view")), LoanState::Closed);
    assert_eq!(client.call(&alice(), &ht.balance_of(b)).dry_run().await?.return_value(), 0);
    assert_eq!(client.call(&alice(), &cp.grantor(a)).dry_run().await?.return_value().lent, 0);
    Ok(())
}
