//! The stablecoin on a real node: the release Wasm of `stable_token`,
//! PSP22 transfers, allowances, the faucet and the owner's mint, with every
//! balance checked to the unit.

use dcu_e2e_tests::{start, TestResult, ONE};
use ink_e2e::{account_id, alice, bob, charlie, AccountKeyring, ContractsBackend};
use psp22::{PSP22Error, PSP22Metadata, PSP22};
use stable_token::{Error, StableToken, StableTokenRef};

const SUPPLY: u128 = 1_000_000 * ONE;
const FAUCET: u128 = 10_000 * ONE;

#[tokio::test]
async fn token_flow_transfer_approve_transfer_from_faucet_and_mint() -> TestResult {
    let (_node, mut client) = start().await;
    let (a, b, c) = (account_id(AccountKeyring::Alice), account_id(AccountKeyring::Bob), account_id(AccountKeyring::Charlie));

    // given: the token deployed by Alice with the whole supply
    let mut ctor = StableTokenRef::new(SUPPLY, Some("DCU Dollar".into()), Some("DUSD".into()), 6, FAUCET, 3_600_000);
    let token = client.instantiate("stable_token", &alice(), &mut ctor).submit().await?;
    let mut call = token.call_builder::<StableToken>();
    let name = client.call(&alice(), &call.token_name()).dry_run().await?.return_value();
    assert_eq!(name, Some("DCU Dollar".to_string()));
    assert_eq!(client.call(&alice(), &call.token_decimals()).dry_run().await?.return_value(), 6);

    // when: Alice sends Bob 250.5 tokens
    let sent = 250 * ONE + ONE / 2;
    let transfer = client.call(&alice(), &call.transfer(b, sent, vec![])).submit().await?;
    assert_eq!(transfer.return_value(), Ok(()));

    // then: both balances moved by exactly that amount
    assert_eq!(client.call(&alice(), &call.balance_of(a)).dry_run().await?.return_value(), SUPPLY - sent);
    assert_eq!(client.call(&alice(), &call.balance_of(b)).dry_run().await?.return_value(), sent);

    // when: Bob approves Charlie for 100 and Charlie pulls 60 to himself
    client.call(&bob(), &call.approve(c, 100 * ONE)).submit().await?;
    client.call(&charlie(), &call.transfer_from(b, c, 60 * ONE, vec![])).submit().await?;

    // then: the allowance and balances are exact
    assert_eq!(client.call(&alice(), &call.allowance(b, c)).dry_run().await?.return_value(), 40 * ONE);
    assert_eq!(client.call(&alice(), &call.balance_of(b)).dry_run().await?.return_value(), sent - 60 * ONE);
    assert_eq!(client.call(&alice(), &call.balance_of(c)).dry_run().await?.return_value(), 60 * ONE);

    // when: Charlie asks the faucet twice within the cooldown
    let first = client.call(&charlie(), &call.faucet()).submit().await?;
    assert_eq!(first.return_value(), Ok(FAUCET));
    let second = client.call(&charlie(), &call.faucet()).dry_run().await?;
    assert!(matches!(second.return_value(), Err(Error::FaucetCooldown { .. })));
    assert_eq!(client.call(&alice(), &call.balance_of(c)).dry_run().await?.return_value(), 60 * ONE + FAUCET);

    // then: the supply grew by exactly the faucet payment and the owner's mint
    client.call(&alice(), &call.mint(b, 5 * ONE)).submit().await?;
    let supply = client.call(&alice(), &call.total_supply()).dry_run().await?.return_value();
    assert_eq!(supply, SUPPLY + FAUCET + 5 * ONE);
    Ok(())
}

#[tokio::test]
async fn token_refusals_change_nothing_on_chain() -> TestResult {
    let (_node, mut client) = start().await;
    let (a, b) = (account_id(AccountKeyring::Alice), account_id(AccountKeyring::Bob));
    let mut ctor = StableTokenRef::new(1_000, None, None, 6, FAUCET, 0);
    let token = client.instantiate("stable_token", &alice(), &mut ctor).submit().await?;
    let mut call = token.call_builder::<StableToken>();

    // insufficient balance: the dry run says so and a submission reverts
    let r = client.call(&alice(), &call.transfer(b, 1_001, vec![])).dry_run().await?;
    assert_eq!(r.return_value(), Err(PSP22Error::InsufficientBalance));
    assert!(client.call(&alice(), &call.transfer(b, 1_001, vec![])).submit().await.is_err());

    // insufficient allowance
    let r = client.call(&bob(), &call.transfer_from(a, b, 1, vec![])).dry_run().await?;
    assert_eq!(r.return_value(), Err(PSP22Error::InsufficientAllowance));

    // a stranger cannot mint
    let r = client.call(&bob(), &call.mint(b, 1)).dry_run().await?;
    assert_eq!(r.return_value(), Err(Error::NotOwner));

    // nothing moved
    assert_eq!(client.call(&alice(), &call.balance_of(a)).dry_run().await?.return_value(), 1_000);
    assert_eq!(client.call(&alice(), &call.balance_of(b)).dry_run().await?.return_value(), 0);
    assert_eq!(client.call(&alice(), &call.total_supply()).dry_run().await?.return_value(), 1_000);
    Ok(())
}
