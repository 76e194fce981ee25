//! A federation of community banks through `dcu federation` on a real node
//! (issue 20): the shipped plan deploys two community suites sharing one
//! stablecoin and the federation, which registers both banks; a second run
//! reuses everything; each community appoints its attester through its own
//! governance (a vote calling the federation, a contract outside its suite);
//! the treasury is funded; only the federation's governance sets its
//! parameters; bad input is one sentence and changes nothing. Then one
//! community repays its loan and the other does not: the attesters attest
//! the closed epoch, `dcu health --verify` recomputes each bank's health
//! from the pool's events and the attestation and finds the chain's, and
//! `distribute` pays the weaker community, once.

use std::time::Duration;

use dcu_e2e_tests::cli::{setup, Dcu};
use dcu_e2e_tests::{workspace_root, TestResult, ONE};

#[tokio::test]
async fn two_communities_join_a_federation_and_appoint_their_attesters_by_vote() -> TestResult {
    let (_node, dcu) = setup().await;
    let plan = workspace_root().join("deploy/federation/local.toml");
    let plan = plan.to_str().unwrap();

    // given: the plan's two communities and their federation
    let d = dcu.json("//Alice", &["federation", "deploy", "--plan", plan, "--pool-clock", "fast"]);
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
    let again = dcu.json("//Alice", &["federation", "deploy", "--plan", plan, "--pool-clock", "fast"]);
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

    // when: in each community Alice lends Bob 100; Riverside's Bob repays
    // in the next epoch, Hillcrest's never does
    for m in [rm, hm] {
        dcu.json("//Bob", &["--manifest", m, "member", "register"]);
        dcu.json("//Alice", &["--manifest", m, "trust", "verify", "//Bob"]);
        dcu.json("//Alice", &["--manifest", m, "pool", "stake", "300"]);
        dcu.json("//Alice", &["--manifest", m, "trust", "set", "//Bob", "400"]);
        dcu.json("//Alice", &["--manifest", m, "pool", "extend", "//Bob", "200", "--rate", "5"]);
        dcu.json("//Bob", &["--manifest", m, "pool", "draw", "100"]);
    }
    dcu.json("//Bob", &["--manifest", rm, "token", "faucet"]);
    let drawn_in = epoch_now(&dcu, rm);
    wait_for_epoch(&dcu, rm, drawn_in + 1).await;
    dcu.json("//Bob", &["--manifest", rm, "pool", "repay", "all"]);
    // and Riverside's Bob borrows 4 (within his capacity) on a term loan for
    // community infrastructure: the pool counts it under its purpose
    // (review H1: economic diversity is the pool's count, not the
    // attester's word)
    let r = dcu.json("//Bob", &["--manifest", rm, "loan", "request", "4", "--purpose", "community", "--term", "60", "--path", "//Alice,//Bob"]);
    let loan = r["loans"][0]["id"].as_u64().unwrap().to_string();
    dcu.json("//Alice", &["--manifest", rm, "loan", "approve", &loan]);
    dcu.json("//Bob", &["--manifest", rm, "loan", "disburse", &loan]);
    // the epoch the repayment fell in: the running one, or the one before
    // when it closed meanwhile (epochs are 15 s of block time)
    let running = dcu.json("//Alice", &["--manifest", rm, "pool", "epoch"]);
    let repaid_in = running["epoch"].as_u64().unwrap() - u64::from(running["repaid"] == 0);
    let stats = dcu.json("//Alice", &["--manifest", rm, "pool", "epoch", &repaid_in.to_string()]);
    assert_eq!(stats["repaid"].as_u64(), Some((100 * ONE) as u64), "{stats}");
    assert!(repaid_in > drawn_in);
    // the loan fell in that epoch or the next: its purpose is counted there
    let by_purpose = |e: u64| dcu.json("//Alice", &["--manifest", rm, "pool", "epoch", &e.to_string()])["purpose_drawn"].clone();
    let (p0, p1) = (by_purpose(repaid_in), by_purpose(repaid_in + 1));
    let four = serde_json::json!([0u64, 0, (4 * ONE) as u64, 0, 0]);
    let none = serde_json::json!([0u64, 0, 0, 0, 0]);
    assert!((p0 == four && p1 == none) || (p0 == none && p1 == four), "epoch {repaid_in}: {p0}, then {p1}");
    wait_for_epoch(&dcu, rm, repaid_in + 1).await;

    // each attester attests the closed epoch from its data file
    let data = |eco: u8, knowledge: u8, active: u32| {
        let f = tempfile::NamedTempFile::new().unwrap();
        let v = serde_json::json!({
            "ecological_footprint": eco, "knowledge_sharing": knowledge,
            "members": { "active": active, "eligible": 10 }
        });
        std::fs::write(f.path(), v.to_string()).unwrap();
        f
    };
    let strong = data(90, 90, 9);
    let weak = data(40, 30, 2);
    let e = repaid_in.to_string();
    dcu.fails("//Eve", &["--manifest", rm, "health", "attest", "--bank", "0", "--epoch", &e, "--from", strong.path().to_str().unwrap()], "Unauthorized");
    dcu.json("//Dave", &["--manifest", rm, "health", "attest", "--bank", "0", "--epoch", &e, "--from", strong.path().to_str().unwrap()]);
    dcu.fails("//Dave", &["--manifest", rm, "health", "attest", "--bank", "0", "--epoch", &e, "--from", strong.path().to_str().unwrap()], "AlreadyAttested");
    dcu.json("//Eve", &["--manifest", hm, "health", "attest", "--bank", "Hillcrest", "--epoch", &e, "--from", weak.path().to_str().unwrap()]);

    // then: the chain's health of each bank equals dcu's recomputation from
    // the pool's events and the attestation, to the unit
    let svg = dcu.dir.path().join("health.svg");
    let h = dcu.json("//Alice", &["--manifest", rm, "health", "--epochs", "2", "--verify", "--svg", svg.to_str().unwrap()]);
    let row = |bank: usize| h["banks"][bank]["epochs"].as_array().unwrap().iter().find(|r| r["epoch"].as_u64() == Some(repaid_in)).cloned().unwrap();
    let (r0, r1) = (row(0), row(1));
    for r in [&r0, &r1] {
        assert_eq!(r["status"], "health", "{r}");
        assert_eq!(r["verify"]["status"], "verified", "{r}");
    }
    assert_eq!(r0["report"]["repaid"].as_u64(), Some((100 * ONE) as u64), "{r0}");
    assert_eq!(r0["report"]["metrics"]["circulation"], 100, "Riverside's debt turned over: {r0}");
    assert_eq!(r0["report"]["purpose_drawn"], p0, "the chain's counters, verified against the pool's LoanOpened events: {r0}");
    assert_eq!(r0["report"]["metrics"]["diversity"], 0, "one purpose (or none) is no diversity: {r0}");
    assert_eq!(r1["report"]["repaid"], 0);
    assert_eq!(r1["report"]["metrics"]["circulation"], 0, "Hillcrest's did not: {r1}");
    assert_eq!(r1["report"]["principal_end"].as_u64(), Some((100 * ONE) as u64));
    let (h0, h1) = (r0["report"]["health"].as_u64().unwrap(), r1["report"]["health"].as_u64().unwrap());
    assert!(h0 >= 70 && h1 < 70, "Riverside {h0}, Hillcrest {h1}");
    assert!(std::fs::read_to_string(&svg)?.contains("<svg"), "the plot was written");

    // and distribute pays the whole treasury (below the 300 budget) to the
    // weaker community's insurance reserve, once
    let before = dcu.json("//Alice", &["--manifest", hm, "federation", "status"]);
    assert_eq!(before["banks"][1]["insurance"], "0", "{before}");
    let d = dcu.json("//Ferdie", &["--manifest", hm, "federation", "distribute", &e]);
    assert_eq!(d["units"].as_u64(), Some((250 * ONE) as u64), "{d}");
    let supported = d["details"]["supported"].as_array().unwrap();
    assert_eq!(supported.len(), 1, "{d}");
    assert_eq!((supported[0]["bank"].as_u64(), supported[0]["health"].as_u64()), (Some(1), Some(h1)));
    dcu.fails("//Ferdie", &["--manifest", hm, "federation", "distribute", &e], "AlreadyDistributed");
    // a paid share cannot be cancelled, and only the federation's
    // governance (Charlie) cancels at all
    dcu.fails("//Ferdie", &["--manifest", hm, "federation", "cancel", &e, "1"], "Unauthorized");
    dcu.fails("//Charlie", &["--manifest", hm, "federation", "cancel", &e, "1"], "NothingOwed");
    let status = dcu.json("//Alice", &["--manifest", hm, "federation", "status"]);
    assert_eq!(status["banks"][0]["insurance"], before["banks"][0]["insurance"], "the healthy bank gets nothing: {status}");
    assert_eq!((status["banks"][1]["insurance"].as_str(), status["treasury"].as_str()), (Some("250"), Some("0")), "{status}");

    // and each community's monitor labels its figures with its bank's name
    // and serves both banks' health
    let port = super::monitor::free_port();
    let _monitor = super::monitor::Killed(dcu.spawn("//Alice", &["--manifest", hm, "monitor", "--listen", &format!("127.0.0.1:{port}")]));
    let started = std::time::Instant::now();
    let text = loop {
        if let Some(t) = super::monitor::curl(&format!("http://127.0.0.1:{port}/metrics"), &[]) {
            break t;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "dcu monitor did not serve");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(text.contains("dcu_up{bank=\"Hillcrest\"} 1"), "{text}");
    assert!(text.contains(&format!("dcu_bank_health{{bank=\"Hillcrest\"}} {h1}")), "{text}");
    assert!(text.contains(&format!("dcu_bank_health{{bank=\"Riverside\"}} {h0}")), "{text}");
    Ok(())
}

/// The federation's current epoch (the latest its banks' pools report).
fn epoch_now(dcu: &Dcu, manifest: &str) -> u64 {
    dcu.json("//Alice", &["--manifest", manifest, "federation", "status"])["current_epoch"].as_u64().unwrap()
}

/// Waits until epoch `e` has begun on the pools' clock.
async fn wait_for_epoch(dcu: &Dcu, manifest: &str, e: u64) {
    let started = std::time::Instant::now();
    loop {
        // A transfer makes a block with the new time (instant seal).
        dcu.json("//Alice", &["--manifest", manifest, "token", "transfer", "//Ferdie", "1"]);
        if epoch_now(dcu, manifest) >= e {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "epoch {e} never began");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
