//! The suite on an 18-decimal stablecoin (issue 18, hazard 1): the pool
//! reads the token's decimals at instantiation, and MAX_CREDIT, MIN_LINE,
//! BASE and the anchoring stake are the same whole tokens of its unit. Seed
//! 004 and a term loan play as they do with six decimals, every limit and
//! balance checked to the unit.

use credit_pool::{CreditPool, Error as PoolError};
use dcu_common::loan::Purpose;
use dcu_common::pool::{PoolParams, MAX_RATE_BPS};
use dcu_e2e_tests::suite::*;
use dcu_e2e_tests::{start, TestResult, ONE};
use ink_e2e::{alice, bob, charlie, eve, AccountKeyring, ContractsBackend};
use loan_manager::LoanManager;
use psp22::PSP22;
use stable_token::StableToken;
use trust_graph::TrustGraph;

#[tokio::test]
async fn seed_004_and_a_term_loan_on_an_18_decimal_stablecoin_to_the_unit() -> TestResult {
    let (_node, mut client) = start().await;
    let e = 10u128.pow(18);
    let s = deploy_full(&mut client, "loan_manager", "credit_pool", false, 18).await?;
    let (a, b, ev) = (acc(AccountKeyring::Alice), acc(AccountKeyring::Bob), acc(AccountKeyring::Eve));
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let mut tk = ink_e2e::create_call_builder::<StableToken>(s.token);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut lm = ink_e2e::create_call_builder::<LoanManager>(s.lm);

    // The unit, read from the token; the parameters in whole tokens of it.
    assert_eq!(client.call(&alice(), &pool.unit()).dry_run().await?.return_value(), e);
    let params = client.call(&alice(), &pool.params()).dry_run().await?.return_value();
    assert_eq!((params.max_credit, params.min_line), (10_000 * e, 10 * e));

    // Seed 004: Alice stakes 100 and extends 50 to Bob and Eve; Bob stakes
    // 200, extends 150 to Alice and 50 to Eve; Eve stakes 100, extends 50
    // to Alice and Bob.
    for k in [alice(), bob(), eve()] {
        client.call(&k, &g.register()).extra_gas_portion(50).submit().await?;
    }
    for who in [b, ev] {
        client.call(&alice(), &tk.transfer(who, 1_000 * e, vec![])).extra_gas_portion(50).submit().await?;
    }
    // Verified (Alice, governance here, appoints herself verifier): their
    // trust counts whatever they lend — the seed's stakes all go to lines.
    client.call(&alice(), &g.set_verifier(a, true)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    for who in [a, b, ev] {
        client.call(&alice(), &g.verify(who)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    }
    let plan = [(alice(), 100, [(b, 50), (ev, 50)]), (bob(), 200, [(a, 150), (ev, 50)]), (eve(), 100, [(a, 50), (b, 50)])];
    for (k, stake, lines) in &plan {
        client.call(k, &tk.approve(s.pool, 1_000 * e)).extra_gas_portion(50).submit().await?;
        client.call(k, &pool.stake(*stake * e)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
        for (to, limit) in lines {
            client.call(k, &g.set_trust(*to, 800)).extra_gas_portion(50).submit().await?;
            client.call(k, &pool.extend_credit(*to, *limit * e, 500)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
        }
    }
    let limit = |who| pool.credit_limit(who);
    let mut limits = Vec::new();
    for who in [a, b, ev] {
        limits.push(client.call(&alice(), &limit(who)).dry_run().await?.return_value());
    }
    assert_eq!(limits, vec![200 * e, 100 * e, 100 * e], "Alice 200, Bob 100, Eve 100 whole tokens");
    // MIN_LINE is ten whole tokens of this unit: ten six-decimal tokens are
    // 10^-11 of one here.
    // (Charlie, with a stake of his own, trusts Alice.)
    client.call(&charlie(), &g.register()).extra_gas_portion(50).submit().await?;
    client.call(&alice(), &tk.transfer(acc(AccountKeyring::Charlie), 1_000 * e, vec![])).extra_gas_portion(50).submit().await?;
    client.call(&charlie(), &tk.approve(s.pool, 1_000 * e)).extra_gas_portion(50).submit().await?;
    client.call(&charlie(), &pool.stake(500 * e)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    client.call(&charlie(), &g.set_trust(a, 800)).extra_gas_portion(50).submit().await?;
    let r = client.call(&charlie(), &pool.extend_credit(a, 10 * ONE, 500)).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::BelowMinLine { min: 10 * e }));
    let r = client.call(&charlie(), &pool.extend_credit(a, 10 * e, 500)).dry_run().await?.return_value();
    assert_eq!(r, Ok(()), "ten whole tokens is a line");

    // Bob draws 75 and repays at once (within the grace: no interest).
    let reader = ink_e2e::create_call_builder::<StableToken>(s.token);
    let bal = |who| reader.balance_of(who);
    let b0 = client.call(&alice(), &bal(b)).dry_run().await?.return_value();
    client.call(&bob(), &pool.draw(75 * e, MAX_RATE_BPS)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    assert_eq!(client.call(&alice(), &bal(b)).dry_run().await?.return_value(), b0 + 75 * e);
    assert_eq!(client.call(&alice(), &bal(s.pool)).dry_run().await?.return_value(), 900 * e - 75 * e, "the seed's 400 and Charlie's 500 staked, 75 lent");
    client.call(&bob(), &pool.repay(75 * e)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    assert_eq!(client.call(&alice(), &bal(b)).dry_run().await?.return_value(), b0);
    assert_eq!(client.call(&alice(), &bal(s.pool)).dry_run().await?.return_value(), 900 * e);

    // A term loan of 20 over Alice → Bob, approved by Alice, disbursed and
    // repaid the same day (no interest): every balance to the unit.
    set_base_capacity(&mut client, &s, 1_000_000 * e).await?;
    client.call(&bob(), &tk.approve(s.lm, 1_000 * e)).extra_gas_portion(50).submit().await?;
    let id = client
        .call(&bob(), &lm.request(20 * e, Purpose::ProductiveEnterprise, desc(), 30, vec![a, b]))
        .extra_gas_portion(50)
        .submit()
        .await?
        .return_value()
        .map_err(|x| format!("{x:?}"))?;
    client.call(&alice(), &lm.approve(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    client.call(&bob(), &lm.disburse(id)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    assert_eq!(client.call(&alice(), &bal(b)).dry_run().await?.return_value(), b0 + 20 * e);
    assert_eq!(client.call(&alice(), &bal(s.pool)).dry_run().await?.return_value(), 880 * e, "Alice's stake lends it");
    client.call(&bob(), &lm.repay(id, 20 * e)).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    assert_eq!(client.call(&alice(), &bal(b)).dry_run().await?.return_value(), b0);
    assert_eq!(client.call(&alice(), &bal(s.pool)).dry_run().await?.return_value(), 900 * e);
    assert_eq!(loan_state(&mut client, &s, id).await, dcu_common::loan::LoanState::Closed);

    // Governance's ranges are whole tokens of this unit (Alice governs here).
    let r = client.call(&alice(), &pool.set_params(PoolParams { max_credit: 8_000 * ONE, ..params })).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::InvalidParam { name: "max_credit".into() }));
    client.call(&alice(), &pool.set_params(PoolParams { max_credit: 8_000 * e, ..params })).extra_gas_portion(50).submit().await?.return_value().map_err(|x| format!("{x:?}"))?;
    assert_eq!(client.call(&alice(), &pool.params()).dry_run().await?.return_value().max_credit, 8_000 * e);
    Ok(())
}
