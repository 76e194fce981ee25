//! A federation of community banks through `dcu federation` on a real node
//! (issue 20): the shipped plan deploys two community suites sharing one
//! stablecoin and the federation, which registers both banks; a second run
//! reuses everything; each community appoints its attester through its own
//! governance (a vote calling the federation, a contract outside its suite);
//! the treasury is funded; only the federation's governance sets its
//! parameters; bad input is one sentence and changes nothing.

use std::time::Duration;

use dcu_e2e_tests::cli::setup;
use dcu_e2e_tests::{workspace_root, TestResult, ONE};

#[tokio::test]
async fn two_communities_join_a_federation_and_appoint_their_attesters_by_vote() -> TestResult {
    let (_node, dcu) = setup().await;
    let plan = workspace_root().join("deploy/federation/local.toml");
    let plan = plan.to_str().unwrap();

    // given: the plan's two communities and their federation
    let d = dcu.json("//Alice", &["federation", "deploy", "--plan", plan]);
    let banks = d["communities"].as_array().unwrap();
    assert_eq!(banks.len(), 2, "{d}");
    assert_eq!((banks[0]["name"].as_str(), banks[0]["bank"].as_u64(), banks[0]["action"].as_str()), (Some("Riverside"), Some(0), Some("registered")));
    assert_eq!((banks[1]["name"].as_str(), banks[1]["bank"].as_u64()), (Some("Hillcrest"), Some(1)));
    let manifest = |name: &str| -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(dcu.dir.path().join(format!("local-{name}.json"))).unwrap()).unwrap() };
    let (river, hill) = (manifest("riverside"), manifest("hillcrest"));
    assert_eq!(river["contracts"]["stable_token"]["address"], hill["contracts"]["stable_token"]["address"], "one stablecoin");
    assert_ne!(river["contracts"]["credit_pool"]["address"], hill["contracts"]["credit_pool"]["address"], "two pools");
    assert_eq!(river["contracts"]["federation"]["address"], hill["contracts"]["federation"]["address"]);
    let fed = d["federation"].as_str().unwrap().to_string();
    assert_eq!(river["contracts"]["federation"]["address"], fed.as_str());

    // a second run reuses every contract and registers nothing twice
    let again = dcu.json("//Alice", &["federation", "deploy", "--plan", plan]);
    assert_eq!(again["federation_action"], "reused", "{again}");
    assert!(again["communities"].as_array().unwrap().iter().all(|c| c["action"] == "already registered"), "{again}");

    let rm = dcu.dir.path().join("local-riverside.json");
    let hm = dcu.dir.path().join("local-hillcrest.json");
    let (rm, hm) = (rm.to_str().unwrap(), hm.to_str().unwrap());
    let status = dcu.json("//Alice", &["--manifest", hm, "federation", "status"]);
    assert_eq!(status["target"], 70);
    assert_eq!(status["budget"], "500");
    assert_eq!(status["banks"][1]["bioregion"], "NA-CASCADIA-02");
    assert_eq!(status["banks"][1]["pool"], hill["contracts"]["credit_pool"]["address"]);
    assert!(status["banks"].as_array().unwrap().iter().all(|b| b["attester"].is_null()));
    assert!(status["epoch_ms"].as_u64().is_some() && status["start_epoch"].as_u64().is_some(), "{status}");

    // bad input: one sentence each, nothing changed
    dcu.fails("//Bob", &["--manifest", rm, "federation", "params", "--budget", "1"], "Unauthorized");
    dcu.fails("//Alice", &["--manifest", rm, "federation", "distribute", "0"], "EpochTooOld");
    dcu.fails("//Alice", &["--manifest", rm, "gov", "propose", "attester", "0", "nobody"], "nobody");
    dcu.fails("//Alice", &["--manifest", rm, "federation", "fund", "0"], "ZeroAmount");
    assert_eq!(dcu.json("//Alice", &["--manifest", rm, "federation", "status"])["budget"], "500");

    // the federation's governance (//Charlie in the plan) sets its budget
    dcu.json("//Charlie", &["--manifest", rm, "federation", "params", "--budget", "300"]);
    assert_eq!(dcu.json("//Alice", &["--manifest", hm, "federation", "status"])["budget"], "300");

    // the treasury: anyone funds it (the faucet pays Dave first)
    dcu.json("//Dave", &["--manifest", rm, "token", "faucet"]);
    let f = dcu.json("//Dave", &["--manifest", rm, "federation", "fund", "250"]);
    assert_eq!(f["units"].as_u64(), Some((250 * ONE) as u64), "{f}");
    assert_eq!(dcu.json("//Alice", &["--manifest", hm, "federation", "status"])["treasury"], "250");

    // when: each community's governance appoints its attester by a vote
    // (Alice, the local profile's founding verifier, verifies herself in each)
    for (m, bank, attester) in [(rm, "0", "//Dave"), (hm, "1", "//Eve")] {
        dcu.json("//Alice", &["--manifest", m, "member", "register"]);
        dcu.json("//Alice", &["--manifest", m, "trust", "verify", "//Alice"]);
        let p = dcu.json("//Alice", &["--manifest", m, "gov", "propose", "--title", "our attester", "attester", bank, attester]);
        assert!(p["summary"].as_str().unwrap().contains("appoint_attester"), "{p}");
        dcu.json("//Alice", &["--manifest", m, "gov", "vote", "0", "for", "10"]);
    }
    // Hillcrest's governance cannot appoint Riverside's attester: the
    // federation checks the bank's own governance
    dcu.json("//Alice", &["--manifest", hm, "gov", "propose", "--title", "not ours", "attester", "0", "//Eve"]);
    dcu.json("//Alice", &["--manifest", hm, "gov", "vote", "1", "for", "10"]);
    tokio::time::sleep(Duration::from_secs(62)).await;
    dcu.json("//Alice", &["--manifest", rm, "token", "transfer", "//Ferdie", "1"]);
    for (m, id) in [(rm, "0"), (hm, "0"), (hm, "1")] {
        dcu.json("//Charlie", &["--manifest", m, "gov", "queue", id]);
    }
    for m in [rm, hm] {
        let e = dcu.json("//Charlie", &["--manifest", m, "gov", "execute", "0"]);
        assert!(e["contract_events"].as_array().unwrap().iter().any(|x| x == "AttesterAppointed"), "{e}");
    }
    dcu.fails("//Charlie", &["--manifest", hm, "gov", "execute", "1"], "was not executed");

    // then: each bank has its own attester, appointed by its own community
    let status = dcu.json("//Alice", &["--manifest", rm, "federation", "status"]);
    let dave = dcu.json("//Dave", &["--manifest", rm, "gov", "info"])["account"].clone();
    let eve = dcu.json("//Eve", &["--manifest", rm, "gov", "info"])["account"].clone();
    assert_eq!((&status["banks"][0]["attester"], &status["banks"][1]["attester"]), (&dave, &eve), "{status}");
    Ok(())
}
