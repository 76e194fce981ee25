//! The warrant escrow on a real node with the real PSP22 stablecoin: a
//! warrant locked by a standing trust-tier policy at creation (and not on a
//! loan above the policy's amount or term), another
//! accepted explicitly after a refusal for lack of allowance, a default's
//! loss claimed from the warrants first, pro rata, paid to the loan manager
//! with the rest returned, a release
//! returning every token, every balance checked to the unit; and the
//! intermediary's side through `dcu warrant`.
//!
//! Bob plays the loan manager (the escrow's wired caller) until
//! `loan_manager` exists.

use dcu_e2e_tests::cli::setup;
use dcu_e2e_tests::{start, TestResult, ONE};
use ink_e2e::{account_id, alice, bob, charlie, dave, AccountKeyring, ContractsBackend};
use psp22::{PSP22Error, PSP22};
use stable_token::{StableToken, StableTokenRef};
use warrant_escrow::{EscrowState, Error, LoanTerms, Policy, WarrantEscrow, WarrantEscrowRef, WarrantState, Wiring};

#[tokio::test]
async fn warrants_lock_by_policy_and_by_hand_then_are_claimed_pro_rata_and_released() -> TestResult {
    let (_node, mut client) = start().await;
    let (a, b, c, d, e) = (
        account_id(AccountKeyring::Alice),
        account_id(AccountKeyring::Bob),
        account_id(AccountKeyring::Charlie),
        account_id(AccountKeyring::Dave),
        account_id(AccountKeyring::Eve),
    );
    // given: the token, the escrow wired with Bob as its loan manager
    let mut t = StableTokenRef::new(1_000_000 * ONE, None, None, 6, 0, 0);
    let token = client.instantiate("stable_token", &alice(), &mut t).submit().await?.account_id;
    let mut w = WarrantEscrowRef::new(token);
    let escrow = client.instantiate("warrant_escrow", &alice(), &mut w).submit().await?.account_id;
    let mut tk = ink_e2e::create_call_builder::<StableToken>(token);
    let mut es = ink_e2e::create_call_builder::<WarrantEscrow>(escrow);
    client.call(&alice(), &es.wire(Wiring { governance: a, loan_manager: b, credit_pool: a /* no pool here */ })).submit().await?;
    for who in [c, d] {
        client.call(&alice(), &tk.transfer(who, 1_000 * ONE, vec![])).submit().await?;
    }
    let bal = |who| {
        let q = ink_e2e::create_call_builder::<StableToken>(token).balance_of(who);
        q
    };
    // Charlie: automatic by trust tier for loans up to 1,000 over up to 90 days, with an allowance; Dave: manual
    client.call(&charlie(), &es.set_policy(Policy::ByTrustTier { max_amount: 1_000 * ONE, max_term_days: 90 })).submit().await?;
    client.call(&charlie(), &tk.approve(escrow, 400 * ONE)).submit().await?;
    let terms = |amount: u128, term_days: u32| LoanTerms { amount, term_days, rate_bps: 600, borrower_ts: 850_000_000 };

    // when: a 1,000 loan through Charlie and Dave at 6 % for a borrower of TS 0.85 (tier 4 %)
    let r = client.call(&alice(), &es.create(1, e, vec![c, d], 800 * ONE, terms(1_000 * ONE, 30))).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::Unauthorized { caller: a }));
    // (a loan one unit larger, or one day longer, is not guaranteed by the policy)
    for t in [terms(1_000 * ONE + 1, 30), terms(1_000 * ONE, 91)] {
        let r = client.call(&bob(), &es.create(9, e, vec![c, d], 800 * ONE, t)).dry_run().await?.return_value();
        assert_eq!(r, Ok(0), "{t:?}");
    }
    let locked = client.call(&bob(), &es.create(1, e, vec![c, d], 800 * ONE, terms(1_000 * ONE, 30))).submit().await?.return_value();
    assert_eq!(locked, Ok(1), "Charlie's policy locks at once");
    assert_eq!(client.call(&alice(), &bal(c)).dry_run().await?.return_value(), 600 * ONE);
    // Dave without allowance is refused, nothing changes; then approves and accepts
    let r = client.call(&dave(), &es.accept(1)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::Token(PSP22Error::InsufficientAllowance)));
    client.call(&dave(), &tk.approve(escrow, 400 * ONE)).submit().await?;
    client.call(&dave(), &es.accept(1)).submit().await?;
    assert!(client.call(&alice(), &es.fully_locked(1)).dry_run().await?.return_value());
    assert_eq!(client.call(&alice(), &bal(escrow)).dry_run().await?.return_value(), 800 * ONE);
    assert_eq!(client.call(&alice(), &es.locked_total()).dry_run().await?.return_value(), 800 * ONE);

    // then: the borrower defaults owing 300: the warrants pay first, 150
    // from each to the loan manager (Bob here, which passes them to the
    // pool for the creditor's stake), 250 back to each
    let b0 = client.call(&alice(), &bal(b)).dry_run().await?.return_value();
    let paid = client.call(&bob(), &es.claim_default(1, 300 * ONE)).submit().await?.return_value();
    assert_eq!(paid, Ok(300 * ONE));
    assert_eq!(client.call(&alice(), &bal(b)).dry_run().await?.return_value(), b0 + 300 * ONE);
    assert_eq!(client.call(&alice(), &bal(e)).dry_run().await?.return_value(), 0, "the creditor's record gets nothing directly");
    assert_eq!(client.call(&alice(), &bal(c)).dry_run().await?.return_value(), 850 * ONE);
    assert_eq!(client.call(&alice(), &bal(d)).dry_run().await?.return_value(), 850 * ONE);
    assert_eq!(client.call(&alice(), &bal(escrow)).dry_run().await?.return_value(), 0);
    let rec = client.call(&alice(), &es.loan(1)).dry_run().await?.return_value().expect("loan 1");
    assert_eq!(rec.state, EscrowState::Settled);
    assert_eq!(rec.warrants[0].state, WarrantState::Claimed);
    assert_eq!(rec.warrants[0].claimed, 150 * ONE);

    // a second loan, repaid: the warrants come back whole
    client.call(&charlie(), &tk.approve(escrow, 100 * ONE)).submit().await?;
    assert_eq!(client.call(&bob(), &es.create(2, e, vec![c], 100 * ONE, terms(125 * ONE, 30))).submit().await?.return_value(), Ok(1));
    assert_eq!(client.call(&alice(), &bal(c)).dry_run().await?.return_value(), 750 * ONE);
    assert_eq!(client.call(&bob(), &es.release(2)).submit().await?.return_value(), Ok(100 * ONE));
    assert_eq!(client.call(&alice(), &bal(c)).dry_run().await?.return_value(), 850 * ONE);
    let r = client.call(&bob(), &es.release(2)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::WrongState { current: EscrowState::Released, expected: EscrowState::Open }));
    assert_eq!(client.call(&alice(), &es.open_warrants(c)).dry_run().await?.return_value(), 0);
    Ok(())
}

#[tokio::test]
async fn intermediaries_set_their_policy_through_dcu_warrant() -> TestResult {
    let (_node, dcu) = setup().await;
    dcu.json("//Alice", &["deploy"]);
    let s = dcu.json("//Charlie", &["warrant", "show"]);
    assert!(s["policy"].as_str().unwrap().starts_with("manual"), "{s}");
    assert_eq!(s["thresholds_bps"], serde_json::json!([null, null, null, null]));
    let p = dcu.json("//Charlie", &["warrant", "policy", "tier", "--allowance", "500"]);
    assert!(p["summary"].as_str().unwrap().contains("by trust tier"), "{p}");
    assert!(p["summary"].as_str().unwrap().contains("at most 1,000 DUSD over at most 365 days"), "the defaults: {p}");
    let s = dcu.json("//Alice", &["warrant", "show", "//Charlie"]);
    assert_eq!(s["thresholds_bps"], serde_json::json!([400, 600, 800, null]));
    assert_eq!(s["allowance"].as_u64(), Some(500 * ONE as u64));
    let p = dcu.json("//Charlie", &["warrant", "policy", "5.5%", "--max-amount", "250", "--max-term", "90d"]);
    assert!(p["summary"].as_str().unwrap().contains("at most 250 DUSD over at most 90 days"), "{p}");
    let s = dcu.json("//Alice", &["warrant", "show", "charlie"]);
    assert_eq!(s["thresholds_bps"], serde_json::json!([550, 550, 550, 550]));
    assert!(s["policy"].as_str().unwrap().contains("250 DUSD"), "{s}");
    assert_eq!(s["open_warrants"], 0);
    // refusals: one sentence, nothing changed
    dcu.fails("//Charlie", &["warrant", "policy", "sometimes"], "not a policy");
    dcu.fails("//Charlie", &["warrant", "policy", "101%"], "at most 100 %");
    dcu.fails("//Charlie", &["warrant", "policy", "tier", "--max-term", "3651d"], "not a term");
    dcu.fails("//Charlie", &["warrant", "loan", "1"], "no warrants for loan #1");
    dcu.fails("//Charlie", &["warrant", "accept", "1"], "no warrants for loan #1");
    dcu.fails("//Charlie", &["warrant", "show", "nobody"], "is not an account");
    assert_eq!(dcu.json("//Alice", &["warrant", "show", "charlie"])["thresholds_bps"][0], 550);
    Ok(())
}
