//! The trust graph on a real node: a community of eight members with mixed
//! edges and vouches — some anchored by verification, one by a pool stake,
//! three not anchored at all — whose on-chain scores equal to the unit
//! what `dcu` computes off chain from the raw edges; and the contract's
//! refusals through `dcu` and through ink_e2e.

use dcu_e2e_tests::cli::setup;
use dcu_e2e_tests::{start, TestResult};
use ink_e2e::{account_id, alice, bob, AccountKeyring, ContractsBackend};
use trust_graph::{Error, TrustGraph, TrustGraphRef, Wiring};

const MEMBERS: [&str; 8] = ["//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie", "//Alice//stash", "//Bob//stash"];

#[tokio::test]
async fn community_scores_on_chain_equal_dcu_off_chain() -> TestResult {
    let (_node, dcu) = setup().await;
    // given: the suite deployed and eight members
    dcu.json("//Alice", &["deploy"]);
    for m in MEMBERS {
        dcu.json(m, &["member", "register"]);
    }
    // anchored: Alice (the local profile's founding verifier) verifies four;
    // Eve stakes the minimum 100 DUSD; Ferdie and the two stash accounts are not anchored
    for m in ["//Alice", "//Bob", "//Charlie", "//Dave"] {
        dcu.json("//Alice", &["trust", "verify", m]);
    }
    dcu.json("//Eve", &["token", "faucet"]);
    dcu.json("//Eve", &["pool", "stake", "100"]);
    // mixed edges: mutual pairs, one-way trust, a hub, weights from 1 to 800
    let edges: [(&str, &str, &str); 14] = [
        ("//Alice", "//Bob", "800"),
        ("//Bob", "//Alice", "600"),
        ("//Charlie", "//Bob", "400"),
        ("//Dave", "//Bob", "200"),
        ("//Eve", "//Charlie", "700"),
        ("//Bob", "//Charlie", "300"),
        ("//Ferdie", "//Alice", "50"),
        ("//Alice", "//Dave", "120"),
        ("//Dave", "//Eve", "800"),
        ("//Alice//stash", "//Bob", "1"),
        ("//Bob//stash", "//Bob", "799"),
        ("//Alice//stash", "//Bob//stash", "650"),
        ("//Bob//stash", "//Alice//stash", "650"),
        ("//Charlie", "//Ferdie", "333"),
    ];
    for (from, to, w) in edges {
        dcu.json(from, &["trust", "set", to, w]);
    }
    // a changed weight and a revoked edge
    dcu.json("//Dave", &["trust", "set", "//Bob", "250"]);
    dcu.json("//Charlie", &["trust", "revoke", "//Ferdie"]);
    dcu.json("//Alice", &["trust", "vouch", "//Bob"]);
    dcu.json("//Charlie", &["trust", "vouch", "//Bob"]);

    // then: for every member the contract and dcu agree to the unit
    for m in MEMBERS {
        let s = dcu.json("//Alice", &["trust", "show", m]);
        assert_eq!(s["on_chain"], s["off_chain"], "{m}: {s}");
        assert_eq!(s["agree"], true);
    }
    let bob = dcu.json("//Alice", &["trust", "show", "//Bob"]);
    // the stash accounts' 1 and 799 are stored but weigh nothing
    assert_eq!(bob["on_chain"]["direct_trust"], 800 + 400 + 250);
    assert_eq!(bob["verified"], true);
    assert_eq!(bob["anchored"], true);
    assert_eq!(bob["vouches"], 2);
    assert_eq!(bob["on_chain"]["neighbours"], 3, "Alice, Charlie, Dave: the stash accounts' edges do not count");
    let ins = bob["edges_in"].as_array().unwrap();
    assert_eq!(ins.len(), 5);
    assert_eq!(ins.iter().filter(|e| e["counts"] == false).count(), 2, "{bob}");
    assert!(ins.iter().any(|e| e["counts"] == false && e["why"].as_str().unwrap().contains("not anchored")), "{bob}");
    let eve = dcu.json("//Alice", &["trust", "show", "//Eve"]);
    assert!(eve["anchor_reason"].as_str().unwrap().contains("staked"), "{eve}");
    assert_eq!(dcu.json("//Alice", &["trust", "show", "//Charlie"])["on_chain"]["direct_trust"], 700 + 300, "Eve's stake anchors her edge (700), beside Bob's (300)");
    let stash = dcu.json("//Alice", &["trust", "show", "//Alice//stash"]);
    assert_eq!(stash["anchored"], false);
    assert!(stash["anchor_reason"].as_str().unwrap().contains("not anchored"), "{stash}");
    // an unanchored member cannot vouch
    dcu.fails("//Ferdie", &["trust", "vouch", "//Alice"], "NotAnchored");
    assert!(bob["on_chain"]["capacity"].as_u64().unwrap() > 0);
    let ferdie = dcu.json("//Alice", &["trust", "show", "//Ferdie"]);
    assert_eq!(ferdie["on_chain"]["direct_trust"], 0);
    Ok(())
}

#[tokio::test]
async fn trust_refusals_through_dcu_change_nothing() -> TestResult {
    let (_node, dcu) = setup().await;
    dcu.json("//Alice", &["deploy"]);
    dcu.json("//Alice", &["member", "register"]);
    dcu.json("//Bob", &["member", "register"]);
    dcu.fails("//Alice", &["member", "register"], "AlreadyRegistered");
    dcu.fails("//Alice", &["trust", "set", "//Alice", "5"], "SelfTrust");
    dcu.fails("//Alice", &["trust", "set", "//Charlie", "5"], "NotMember");
    dcu.fails("//Alice", &["trust", "set", "//Bob", "801"], "not a trust weight");
    dcu.fails("//Alice", &["trust", "revoke", "//Bob"], "NoSuchEdge");
    dcu.fails("//Bob", &["trust", "verify", "//Alice"], "NotVerifier");
    dcu.fails("//Alice", &["trust", "show", "//Charlie"], "is not a member");
    let s = dcu.json("//Alice", &["trust", "show", "//Bob"]);
    assert_eq!(s["on_chain"]["direct_trust"], 0);
    assert_eq!(s["edges_in"].as_array().unwrap().len(), 0);
    // Bob refuses Alice's trust; she cannot trust him again until he unblocks her
    dcu.json("//Alice", &["trust", "set", "//Bob", "300"]);
    let r = dcu.json("//Bob", &["trust", "reject", "//Alice"]);
    assert!(r["summary"].as_str().unwrap().contains("refused"), "{r}");
    assert_eq!(dcu.json("//Alice", &["trust", "show", "//Bob"])["edges_in"].as_array().unwrap().len(), 0);
    dcu.fails("//Alice", &["trust", "set", "//Bob", "300"], "Blocked");
    dcu.fails("//Alice", &["trust", "unblock", "//Bob"], "NotBlocked");
    dcu.json("//Bob", &["trust", "unblock", "//Alice"]);
    dcu.json("//Alice", &["trust", "set", "//Bob", "300"]);
    // anchoring is re-checked on demand: Alice is not anchored (not verified, no stake)
    let a = dcu.json("//Bob", &["trust", "anchor", "//Alice"]);
    assert!(a["summary"].as_str().unwrap().contains("not anchored"), "{a}");
    Ok(())
}

#[tokio::test]
async fn trust_graph_release_wasm_rejects_bad_weights_and_strangers() -> TestResult {
    let (_node, mut client) = start().await;
    let (a, b) = (account_id(AccountKeyring::Alice), account_id(AccountKeyring::Bob));
    let mut ctor = TrustGraphRef::new();
    let g = client.instantiate("trust_graph", &alice(), &mut ctor).submit().await?;
    let mut call = g.call_builder::<TrustGraph>();
    client.call(&alice(), &call.register()).submit().await?;
    client.call(&bob(), &call.register()).submit().await?;
    for (w, ok) in [(0u32, false), (1, true), (800, true), (801, false)] {
        let r = client.call(&alice(), &call.set_trust(b, w)).dry_run().await?.return_value();
        if ok {
            assert_eq!(r, Ok(()), "weight {w}");
        } else {
            assert_eq!(r, Err(Error::WeightOutOfRange { weight: w }));
        }
    }
    client.call(&alice(), &call.set_trust(b, 640)).submit().await?;
    // stored, but Alice is not anchored (neither verified nor staked): it weighs nothing
    assert_eq!(client.call(&alice(), &call.trust_of(a, b)).dry_run().await?.return_value(), Some(640));
    assert_eq!(client.call(&alice(), &call.direct_trust(b)).dry_run().await?.return_value(), Ok(0));
    // only the deployer wires; only governance sets params
    let w = Wiring { governance: a, credit_pool: a, loan_manager: a };
    let r = client.call(&bob(), &call.wire(w)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::Unauthorized { caller: b }));
    client.call(&alice(), &call.wire(w)).submit().await?;
    let r = client.call(&bob(), &call.record_default(b)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::Unauthorized { caller: b }));
    // only the wired pool reports stakes
    let r = client.call(&bob(), &call.stake_changed(b, 1_000_000_000)).dry_run().await?.return_value();
    assert_eq!(r, Err(Error::Unauthorized { caller: b }));
    Ok(())
}
