//! The credit pool on a real node, with its real cross-contract calls to the
//! PSP22 stablecoin and the trust graph: stake → extend → draw → repay with
//! every PSP22 balance checked to the unit; refusals that come from the other
//! contracts (no trust edge, no allowance); seed 004's community through
//! `dcu pool`.

use credit_pool::{CreditPool, CreditPoolRef, Error as PoolError, Wiring as PoolWiring};
use dcu_common::pool::MAX_RATE_BPS;
use dcu_e2e_tests::cli::setup;
use dcu_e2e_tests::{start, Client, TestResult, ONE};
use ink::primitives::AccountId;
use ink_e2e::{account_id, alice, bob, charlie, eve, AccountKeyring, ContractsBackend};
use psp22::{PSP22Error, PSP22};
use stable_token::{StableToken, StableTokenRef};
use trust_graph::{TrustGraph, TrustGraphRef, Wiring as GraphWiring};

type Signer = ink_e2e::Keypair;

/// The three contracts deployed and wired by Alice, who holds the supply and
/// acts as governance.
struct Suite {
    token: AccountId,
    graph: AccountId,
    pool: AccountId,
}

async fn deploy(client: &mut Client) -> Result<Suite, Box<dyn std::error::Error>> {
    let a = account_id(AccountKeyring::Alice);
    let mut t = StableTokenRef::new(1_000_000 * ONE, Some("DCU Dollar".into()), Some("DUSD".into()), 6, 0, 0);
    let token = client.instantiate("stable_token", &alice(), &mut t).submit().await?.account_id;
    let mut g = TrustGraphRef::new();
    let graph = client.instantiate("trust_graph", &alice(), &mut g).submit().await?.account_id;
    let mut p = CreditPoolRef::new(token, graph);
    let pool = client.instantiate("credit_pool", &alice(), &mut p).submit().await?.account_id;
    let gw = GraphWiring { governance: a, credit_pool: pool, loan_manager: a };
    let mut gcall = ink_e2e::create_call_builder::<TrustGraph>(graph);
    client.call(&alice(), &gcall.wire(gw)).submit().await?;
    let mut pcall = ink_e2e::create_call_builder::<CreditPool>(pool);
    client.call(&alice(), &pcall.wire(PoolWiring { governance: a, loan_manager: a, warrant_escrow: a /* no escrow here */ })).submit().await?;
    Ok(Suite { token, graph, pool })
}

async fn balance(client: &mut Client, s: &Suite, who: AccountId) -> u128 {
    let call = ink_e2e::create_call_builder::<StableToken>(s.token);
    client.call(&alice(), &call.balance_of(who)).dry_run().await.expect("balance_of").return_value()
}

async fn register_and_trust(client: &mut Client, s: &Suite, from: &Signer, to: AccountId) -> TestResult {
    let mut g = ink_e2e::create_call_builder::<TrustGraph>(s.graph);
    let _ = client.call(from, &g.register()).submit().await;
    client.call(from, &g.set_trust(to, 500)).submit().await?;
    Ok(())
}

#[tokio::test]
async fn stake_extend_draw_repay_moves_tokens_to_the_unit() -> TestResult {
    let (_node, mut client) = start().await;
    let s = deploy(&mut client).await?;
    let (a, b, e) = (account_id(AccountKeyring::Alice), account_id(AccountKeyring::Bob), account_id(AccountKeyring::Eve));
    let mut token = ink_e2e::create_call_builder::<StableToken>(s.token);
    let mut pool = ink_e2e::create_call_builder::<CreditPool>(s.pool);
    let mut graph = ink_e2e::create_call_builder::<TrustGraph>(s.graph);

    // given: Bob and Eve members; Alice trusts Bob; Eve holds 1,000 tokens
    client.call(&bob(), &graph.register()).submit().await?;
    register_and_trust(&mut client, &s, &alice(), b).await?;
    client.call(&alice(), &token.transfer(e, 1_000 * ONE, vec![])).submit().await?;

    // a stake without an allowance is refused by the token, cross-contract
    let r = client.call(&alice(), &pool.stake(100 * ONE)).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::Token(PSP22Error::InsufficientAllowance)));

    // when: Alice stakes 100.000001 tokens
    let staked = 100 * ONE + 1;
    let a0 = balance(&mut client, &s, a).await;
    client.call(&alice(), &token.approve(s.pool, staked)).submit().await?;
    client.call(&alice(), &pool.stake(staked)).submit().await?;
    assert_eq!(balance(&mut client, &s, a).await, a0 - staked);
    assert_eq!(balance(&mut client, &s, s.pool).await, staked);

    // credit needs the trust edge, read from the trust graph: Eve is not trusted
    let r = client.call(&alice(), &pool.extend_credit(e, ONE, 500)).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::NoTrustEdge));
    client.call(&alice(), &pool.extend_credit(b, 60 * ONE, 500)).submit().await?;
    assert_eq!(client.call(&bob(), &pool.credit_limit(b)).dry_run().await?.return_value(), 60 * ONE);

    // Bob draws 45.5: exactly that leaves the pool for Bob's wallet
    let r = client.call(&bob(), &pool.draw(60 * ONE + 1, MAX_RATE_BPS)).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::InsufficientCredit { available: 60 * ONE, requested: 60 * ONE + 1 }));
    let drawn = 45 * ONE + ONE / 2;
    client.call(&bob(), &pool.draw(drawn, 500)).submit().await?;
    assert_eq!(balance(&mut client, &s, b).await, drawn);
    assert_eq!(balance(&mut client, &s, s.pool).await, staked - drawn);
    let g = client.call(&bob(), &pool.grantor(a)).dry_run().await?.return_value();
    assert_eq!((g.stake, g.lent, g.allocated), (staked, drawn, 60 * ONE));

    // Bob repays all of it within the grace period: no interest, the pool is whole
    client.call(&bob(), &token.approve(s.pool, drawn)).submit().await?;
    let used = client.call(&bob(), &pool.repay(drawn + 7)).submit().await?.return_value();
    assert_eq!(used, Ok(drawn));
    assert_eq!(balance(&mut client, &s, b).await, 0);
    assert_eq!(balance(&mut client, &s, s.pool).await, staked);
    let t = client.call(&bob(), &pool.totals()).dry_run().await?.return_value();
    assert_eq!((t.staked, t.lent, t.insurance, t.treasury), (staked, 0, 0, 0));
    assert_eq!(t.tokens_held(), Some(balance(&mut client, &s, s.pool).await));

    // the repayment reached Bob's record in the trust graph, cross-contract
    let info = client.call(&bob(), &graph.member_info(b)).dry_run().await?.return_value().expect("member");
    assert_eq!(info.tx_count, 1);

    // nobody but governance changes anything; a warning needs overdue interest
    let r = client.call(&charlie(), &pool.set_paused(true)).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::Unauthorized { caller: account_id(AccountKeyring::Charlie) }));
    let r = client.call(&eve(), &pool.mark_overdue(b)).dry_run().await?.return_value();
    assert_eq!(r, Err(PoolError::NotDue { since: 0 }));

    // the lock-out holds on chain: Alice cannot take her stake or line back yet
    let r = client.call(&alice(), &pool.close_line(b)).dry_run().await?.return_value();
    assert!(matches!(r, Err(PoolError::LockedUntil { .. })), "{r:?}");
    let r = client.call(&alice(), &pool.unstake(ONE)).dry_run().await?.return_value();
    assert!(matches!(r, Err(PoolError::LockedUntil { .. })), "{r:?}");
    Ok(())
}

#[tokio::test]
async fn seed_004_community_through_dcu_pool() -> TestResult {
    let (_node, dcu) = setup().await;
    dcu.json("//Alice", &["deploy"]);
    for m in ["//Alice", "//Bob", "//Eve"] {
        dcu.json(m, &["member", "register"]);
    }
    for m in ["//Bob", "//Eve"] {
        dcu.json(m, &["token", "faucet"]);
    }
    // Verified (by Alice, the local founding verifier): their trust counts
    // whatever they lend — the seed's stakes all go to lines.
    for m in ["//Alice", "//Bob", "//Eve"] {
        dcu.json("//Alice", &["trust", "verify", m]);
    }
    // Seed 004: Alice stakes 100, gives 50 to Bob and Eve; Bob stakes 200,
    // gives 150 to Alice and 50 to Eve; Eve stakes 100, gives 50 to each.
    let grants: [(&str, &str, &[(&str, &str)]); 3] = [
        ("//Alice", "100", &[("//Bob", "50"), ("//Eve", "50")]),
        ("//Bob", "200", &[("//Alice", "150"), ("//Eve", "50")]),
        ("//Eve", "100", &[("//Alice", "50"), ("//Bob", "50")]),
    ];
    for (who, stake, lines) in grants {
        let st = dcu.json(who, &["pool", "stake", stake]);
        assert!(st["summary"].as_str().unwrap().contains("approved the pool"), "{st}");
        for (to, limit) in lines {
            dcu.fails(who, &["pool", "extend", to, limit, "--rate", "5"], "NoTrustEdge");
            dcu.json(who, &["trust", "set", to, "400"]);
            dcu.json(who, &["pool", "extend", to, limit, "--rate", "5"]);
        }
    }
    let limit = |who: &str| dcu.json("//Alice", &["pool", "show", who])["credit_limit"].as_u64().unwrap();
    assert_eq!(limit("//Alice"), 200_000_000);
    assert_eq!(limit("//Bob"), 100_000_000);
    assert_eq!(limit("//Eve"), 100_000_000);

    // Alice cannot take her line to Bob back within the lock-out
    dcu.fails("//Alice", &["pool", "close", "//Bob"], "LockedUntil");
    dcu.fails("//Alice", &["pool", "adjust", "//Bob", "10"], "LockedUntil");
    dcu.fails("//Alice", &["pool", "unstake", "1"], "LockedUntil");
    // Raising is free
    dcu.fails("//Alice", &["pool", "adjust", "//Bob", "51"], "InsufficientStake");

    // Bob draws 75 (Alice's and Eve's lines), then repays everything
    let bob0 = dcu.balance("bob");
    dcu.json("//Bob", &["pool", "draw", "75"]);
    assert_eq!(dcu.balance("bob"), bob0 + 75 * ONE);
    let show = dcu.json("//Bob", &["pool", "show"]);
    assert_eq!(show["principal"].as_u64(), Some(75_000_000));
    assert_eq!(show["available"].as_u64(), Some(25_000_000));
    assert_eq!(show["lines_received"].as_array().unwrap().len(), 2);
    dcu.fails("//Bob", &["pool", "draw", "25.000001"], "InsufficientCredit");
    let r = dcu.json("//Bob", &["pool", "repay", "all"]);
    assert_eq!(r["units"].as_u64(), Some(75_000_000));
    assert_eq!(dcu.balance("bob"), bob0);
    dcu.fails("//Bob", &["pool", "repay", "1"], "NothingOwed");

    // the books balance: the pool holds exactly unlent stake + reserves
    let info = dcu.json("//Alice", &["pool", "info"]);
    assert_eq!(info["books_balance"], true, "{info}");
    assert_eq!(info["token_balance"].as_u64(), Some(400_000_000));
    assert_eq!(info["lines"].as_u64(), Some(6));
    let human = String::from_utf8_lossy(&dcu.run("//Alice", &["pool", "show", "//Bob"]).stdout).to_string();
    assert!(human.contains("credit limit 100 DUSD"), "{human}");

    // routes over the lines read from the chain (rate 5 % + 1 % hop premium per hop)
    let r = dcu.json("//Alice", &["route", "//Alice", "//Bob", "40"]);
    assert_eq!(r["single_path"], true, "{r}");
    assert_eq!(r["routes"][0]["hops"].as_array().unwrap().len(), 1);
    assert_eq!(r["routes"][0]["cost_bps"], 600);
    let r = dcu.json("//Alice", &["route", "//Alice", "//Bob", "80"]);
    assert_eq!(r["single_path"], false, "{r}");
    assert_eq!(r["routable"].as_u64(), Some(80_000_000));
    assert_eq!(r["routes"][0]["amount"].as_u64(), Some(50_000_000), "the direct line first: {r}");
    assert_eq!(r["routes"][1]["hops"].as_array().unwrap().len(), 2, "then through Eve: {r}");
    assert_eq!(r["routes"][1]["cost_bps"], 1_200);
    let r = dcu.json("//Alice", &["route", "//Alice", "//Bob", "150"]);
    assert_eq!(r["routable"].as_u64(), Some(100_000_000), "Alice's two lines carry at most 100: {r}");
    dcu.fails("//Alice", &["route", "//Bob", "//Dave", "1"], "no credit can reach");
    dcu.fails("//Alice", &["route", "//Bob", "//Bob", "1"], "the same account");
    dcu.fails("//Alice", &["route", "//Alice", "//Bob", "1", "--max-hops", "7"], "MAX_HOPS");

    // bad input: one sentence, nothing submitted
    dcu.fails("//Alice", &["pool", "extend", "//Bob", "5", "--rate", "five"], "is not a rate");
    dcu.fails("//Alice", &["pool", "stake", "-3"], "cannot be negative");
    dcu.fails("//Alice", &["pool", "overdue", "nobody"], "is not an account");
    dcu.fails("//Alice", &["pool", "default", "//Bob"], "NotDue");
    dcu.fails("//Alice", &["pool", "adjust", "//Dave", "5"], "has no credit line");
    Ok(())
}
