//! Governance through `dcu gov` on a real node, as members use it: the
//! deployed suite hands every admin role to governance; members propose a
//! verifier, a lower MAX_CREDIT and a trust-graph change the graph refuses;
//! they vote quadratically, wait out the one-minute vote of the local
//! profile, queue and execute; the verifier verifies, the pool's limit
//! changes, the refused change leaves the graph as it was and stays queued
//! with its decoded reason; the guardian pauses the pool, a stranger cannot;
//! every refusal is one sentence and changes nothing.

use std::time::Duration;

use dcu_e2e_tests::cli::setup;
use dcu_e2e_tests::{TestResult, ONE};

#[tokio::test]
async fn members_govern_the_suite_through_dcu_gov() -> TestResult {
    let (_node, dcu) = setup().await;

    // given: the suite deployed; governance holds every admin role
    let d = dcu.json("//Alice", &["deploy"]);
    let names: Vec<&str> = d["contracts"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["stable_token", "trust_graph", "credit_pool", "warrant_escrow", "loan_manager", "governance"]);
    let gov = d["contracts"][5]["address"].as_str().unwrap().to_string();
    let lm = d["contracts"][4]["address"].as_str().unwrap().to_string();
    let graph = d["wiring"].as_array().unwrap().iter().find(|w| w["contract"] == "trust_graph").unwrap().clone();
    for (role, holder) in [("governance", &gov), ("loan_manager", &lm)] {
        assert!(graph["roles"].as_array().unwrap().iter().any(|r| r[0] == role && r[1] == holder.as_str()), "{role}: {graph}");
    }
    assert!(graph["interim_roles"].as_array().unwrap().is_empty(), "{graph}");
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dcu.dir.path().join("local.json"))?)?;
    let deployer = manifest["deployer"].as_str().unwrap();
    assert!(!d["wiring"].to_string().contains(deployer), "the deployer holds no role: {}", d["wiring"]);

    // members: Alice (the local profile's founding verifier) verifies herself
    // and Bob; Charlie is trusted by both but not verified; Dave is a member
    for m in ["//Alice", "//Bob", "//Charlie", "//Dave", "//Eve"] {
        dcu.json(m, &["member", "register"]);
    }
    for m in ["//Alice", "//Bob"] {
        dcu.json("//Alice", &["trust", "verify", m]);
    }
    dcu.fails("//Bob", &["trust", "verify", "//Charlie"], "NotVerifier");
    dcu.json("//Alice", &["trust", "set", "//Bob", "800"]);
    dcu.json("//Bob", &["trust", "set", "//Alice", "800"]);
    dcu.json("//Alice", &["trust", "set", "//Charlie", "800"]);
    dcu.json("//Bob", &["trust", "set", "//Charlie", "800"]);
    let info = dcu.json("//Alice", &["gov", "info"]);
    assert_eq!((info["voice_credits"].as_u64(), info["verified"].as_bool(), info["dev_mode"].as_bool()), (Some(100), Some(true), Some(true)), "{info}");
    assert_eq!(dcu.json("//Alice", &["gov", "info", "//Charlie"])["voice_credits"], 0, "trust alone gives no voice");
    assert_eq!(dcu.json("//Alice", &["gov", "info", "//Dave"])["voice_credits"], 0);
    assert_eq!(dcu.json("//Alice", &["gov", "info"])["guardian"], dcu.json("//Ferdie", &["gov", "info"])["account"]);

    // refusals before anything is proposed: one sentence each, nothing changes
    dcu.fails("//Dave", &["gov", "propose", "verifier", "//Eve"], "NoVoiceCredits");
    dcu.fails("//Alice", &["gov", "propose", "pool-params", "colour=red"], "'colour' is not a parameter");
    dcu.fails("//Alice", &["gov", "propose", "pool-params", "max_credit=ten"], "not an amount");
    dcu.fails("//Alice", &["gov", "propose", "pool-params", "lockout=soon"], "lockout");
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "stable_token", "0x00"], "cannot be upgraded");
    dcu.fails("//Alice", &["gov", "show", "0"], "no proposal #0");
    assert_eq!(dcu.json("//Alice", &["gov", "info"])["proposals"], 0);

    // when: three proposals (two verified members: the electorate of each)
    let p0 = dcu.json("//Alice", &["gov", "propose", "--title", "Eve verifies identities", "verifier", "//Eve"]);
    assert!(p0["summary"].as_str().unwrap().contains("Proposed #0: appoint"), "{p0}");
    let p1 = dcu.json("//Alice", &["gov", "propose", "--title", "MAX_CREDIT 4,000", "pool-params", "max_credit=4000"]);
    assert!(p1["summary"].as_str().unwrap().contains("max_credit: 10,000 DUSD → 4,000 DUSD"), "{p1}");
    let p2 = dcu.json("//Bob", &["gov", "propose", "--title", "no in-edges", "trust-params", "max_in_degree=0"]);
    assert!(p2["summary"].as_str().unwrap().contains("max_in_degree: 250 → 0"), "{p2}");
    assert_eq!(dcu.json("//Alice", &["gov", "show", "0"])["electorate"], 2);
    // Dave is verified now, after the proposals were made: no voice on them
    dcu.json("//Alice", &["trust", "verify", "//Dave"]);
    dcu.fails("//Dave", &["gov", "vote", "0", "for", "1"], "VerifiedAfterProposal");
    let s0 = dcu.json("//Dave", &["gov", "show", "0"]);
    assert!(s0["your_voice"].as_str().unwrap().contains("verified after this proposal"), "{s0}");
    assert_eq!(dcu.json("//Alice", &["gov", "show", "0"])["electorate"], 2, "the snapshot does not grow");

    // quadratic votes: 10 votes cost all 100 credits, 11 would cost 121
    dcu.json("//Alice", &["gov", "vote", "0", "for", "10"]);
    dcu.json("//Bob", &["gov", "vote", "0", "against", "3"]);
    dcu.fails("//Bob", &["gov", "vote", "1", "for", "11"], "InsufficientCredits");
    dcu.fails("//Charlie", &["gov", "vote", "0", "for", "1"], "NoVoiceCredits");
    dcu.fails("//Alice", &["gov", "vote", "0", "maybe", "1"], "not a choice");
    dcu.json("//Bob", &["gov", "vote", "1", "for", "7"]);
    dcu.json("//Bob", &["gov", "vote", "2", "for", "1"]);
    dcu.fails("//Alice", &["gov", "queue", "0"], "WrongState");
    let s1 = dcu.json("//Alice", &["gov", "show", "1"]);
    assert_eq!(s1["state"], "Active");
    assert_eq!(s1["votes_for"], 7);
    assert_eq!(s1["changes"][0]["from"], "10,000 DUSD");
    assert_eq!(s1["changes"][0]["to"], "4,000 DUSD");

    // then: after the one-minute vote (a transfer makes a block with the new time)
    tokio::time::sleep(Duration::from_secs(62)).await;
    dcu.json("//Alice", &["token", "transfer", "//Ferdie", "1"]);
    assert_eq!(dcu.json("//Alice", &["gov", "show", "0"])["state"], "Succeeded");
    for id in ["0", "1", "2"] {
        dcu.json("//Charlie", &["gov", "queue", id]);
    }
    let e0 = dcu.json("//Charlie", &["gov", "execute", "0"]);
    assert!(e0["contract_events"].as_array().unwrap().iter().any(|e| e == "Executed"), "{e0}");
    dcu.json("//Charlie", &["gov", "execute", "1"]);
    dcu.fails("//Charlie", &["gov", "execute", "2"], "InvalidParam");

    // the verifier verifies, the pool's MAX_CREDIT changed, the graph did not
    dcu.json("//Eve", &["trust", "verify", "//Charlie"]);
    assert_eq!(dcu.json("//Alice", &["trust", "show", "//Charlie"])["verified"], true);
    assert_eq!(dcu.json("//Alice", &["gov", "info", "//Charlie"])["voice_credits"], 100, "a voice on proposals made from now on");
    assert_eq!(dcu.json("//Alice", &["pool", "info"])["max_credit"].as_u64(), Some((4_000 * ONE) as u64));
    let s2 = dcu.json("//Alice", &["gov", "show", "2"]);
    assert_eq!(s2["state"], "Queued");
    assert!(s2["last_error"].as_str().unwrap().contains("InvalidParam"), "{s2}");
    assert_eq!(s2["changes"][0]["from"], "250", "the graph's parameter is unchanged: {s2}");
    let list = dcu.json("//Alice", &["gov", "list"]);
    let states: Vec<&str> = list["proposals"].as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["Queued", "Executed", "Executed"]);

    // cancel: only the proposer or the guardian
    dcu.json("//Alice", &["gov", "propose", "unpause"]);
    dcu.fails("//Dave", &["gov", "cancel", "3"], "Unauthorized");
    dcu.json("//Alice", &["gov", "cancel", "3"]);
    assert_eq!(dcu.json("//Alice", &["gov", "show", "3"])["state"], "Canceled");

    // the guardian (Ferdie in the local profile) pauses the pool; the deployer cannot
    dcu.fails("//Alice", &["gov", "guardian-pause"], "Unauthorized");
    dcu.json("//Ferdie", &["gov", "guardian-pause"]);
    assert_eq!(dcu.json("//Alice", &["pool", "info"])["paused"], true);

    // every governed contract can be upgraded by a vote, the escrow included
    let escrow_code = d["contracts"][3]["code_hash"].as_str().unwrap().to_string();
    let up = dcu.json("//Bob", &["gov", "propose", "upgrade", "warrant_escrow", &escrow_code]);
    assert!(up["summary"].as_str().unwrap().contains("replace warrant_escrow's code"), "{up}");
    dcu.fails("//Bob", &["gov", "propose", "upgrade", "warrant_escrow", "0x1234"], "not a code hash");
    Ok(())
}
