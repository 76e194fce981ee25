//! `dcu` against a real node: every token subcommand and `dcu deploy`, their
//! JSON output, and the one-sentence failures of bad input.
//!
//! Runs the `dcu` binary built by `cargo build -p dcu` (deploy/test.sh does
//! this first) with a private manifest folder per test.

use std::process::Command;

use dcu_e2e_tests::cli::{dcu_bin, setup};
use dcu_e2e_tests::{TestResult, ONE};
use serde_json::Value;

#[tokio::test]
async fn cli_deploy_then_every_token_command() -> TestResult {
    let (_node, dcu) = setup().await;

    // given: a deployment written to the manifest
    let d = dcu.json("//Alice", &["deploy"]);
    assert_eq!(d["contracts"][0]["name"], "stable_token");
    assert_eq!(d["contracts"][0]["action"], "instantiated");
    assert_eq!(d["contracts"][0]["code_uploaded"], true);
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(dcu.dir.path().join("local.json"))?)?;
    let address = manifest["contracts"]["stable_token"]["address"].as_str().unwrap().to_string();
    assert!(dcu.dir.path().join("artifacts/local/stable_token.json").exists());

    // re-running reuses the instance; --fresh makes a new one
    let again = dcu.json("//Alice", &["deploy"]);
    assert_eq!(again["contracts"][0]["action"], "reused");
    assert_eq!(again["contracts"][0]["address"], address.as_str());

    // the whole suite (token, graph, pool, warrant escrow, loan manager, governance), wired to each other and read back
    assert_eq!(d["contracts"].as_array().unwrap().len(), 6, "{d}");
    for w in d["wiring"].as_array().unwrap() {
        assert!(w["interim_roles"].as_array().unwrap().is_empty(), "every role is held by the contract of its name: {w}");
    }
    let lm = manifest["contracts"]["loan_manager"]["address"].as_str().unwrap();
    assert!(d["wiring"][1]["roles"].as_array().unwrap().iter().any(|r| r[0] == "loan_manager" && r[1] == lm), "the pool knows the loan manager: {d}");
    let pool = manifest["contracts"]["credit_pool"]["address"].as_str().unwrap();
    let graph = &d["wiring"][0];
    assert_eq!(graph["contract"], "trust_graph");
    assert_eq!(graph["action"], "wired");
    assert!(graph["roles"].as_array().unwrap().iter().any(|r| r[0] == "credit_pool" && r[1] == pool), "{graph}");
    assert_eq!(d["wiring"][1]["contract"], "credit_pool");
    assert_eq!(again["wiring"][1]["action"], "already wired");

    // info
    let info = dcu.json("//Alice", &["token", "info"]);
    assert_eq!(info["symbol"], "DUSD");
    assert_eq!(info["decimals"], 6);

    // faucet: Bob receives 10,000 tokens
    let f = dcu.json("//Bob", &["token", "faucet"]);
    assert_eq!(f["units"].as_u64(), Some((10_000 * ONE) as u64));
    assert!(f["contract_events"].as_array().unwrap().iter().any(|e| e == "Transfer"), "{f}");
    assert_eq!(dcu.balance("bob"), 10_000 * ONE);

    // transfer: Bob → Charlie 250.5, exact to the unit, with its weight reported
    let t = dcu.json("//Bob", &["token", "transfer", "//Charlie", "250.5"]);
    assert!(t["gas_consumed"]["ref_time"].as_u64().unwrap() > 0);
    assert_eq!(dcu.balance("charlie"), 250_500_000);
    assert_eq!(dcu.balance("bob"), 10_000 * ONE - 250_500_000);

    // approve + allowance
    dcu.json("//Charlie", &["token", "approve", "dave", "100"]);
    let a = dcu.json("//Alice", &["token", "allowance", "charlie", "dave"]);
    assert_eq!(a["units"].as_u64(), Some((100 * ONE) as u64));

    // mint by the owner
    dcu.json("//Alice", &["token", "mint", "eve", "0.000001"]);
    assert_eq!(dcu.balance("eve"), 1);

    // human output says it in words
    let out = dcu.run("//Alice", &["token", "balance", "charlie"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("250.5 DUSD"));

    let fresh = dcu.json("//Alice", &["deploy", "--fresh"]);
    assert_eq!(fresh["contracts"][0]["action"], "instantiated");
    assert_eq!(fresh["contracts"][0]["code_uploaded"], false);
    assert_ne!(fresh["contracts"][0]["address"], address.as_str());
    Ok(())
}

#[tokio::test]
async fn cli_bad_input_fails_with_one_sentence_and_changes_nothing() -> TestResult {
    let (_node, dcu) = setup().await;
    // before a deployment
    dcu.fails("//Alice", &["token", "balance"], "run `dcu deploy` first");
    dcu.json("//Alice", &["deploy"]);
    let before = dcu.balance("alice");

    dcu.fails("//Alice", &["token", "transfer", "5Grw-not-an-address", "1"], "is not an account");
    dcu.fails("//Alice", &["token", "transfer", "bob", "-3"], "cannot be negative");
    dcu.fails("//Alice", &["token", "transfer", "bob", "1.0000001"], "decimal places");
    dcu.fails("//Alice", &["token", "transfer", "bob", "ten"], "is not an amount");
    dcu.fails("not a valid mnemonic phrase", &["token", "transfer", "bob", "1"], "secret URI is not valid");
    // insufficient balance: decoded from the metadata, nothing submitted
    dcu.fails("//Ferdie", &["token", "transfer", "bob", "1"], "InsufficientBalance");
    dcu.fails("//Bob", &["token", "mint", "bob", "1"], "NotOwner");
    // an account with no funds at all
    dcu.fails("//Nobody", &["token", "faucet"], "has no funds to pay fees");
    // no node at --url
    let out = Command::new(dcu_bin())
        .args(["--url", "ws://127.0.0.1:1", "token", "balance"])
        .env("DCU_DEPLOY_DIR", dcu.dir.path())
        .output()?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no node is answering"), "{}", String::from_utf8_lossy(&out.stderr));
    // a malformed manifest
    std::fs::write(dcu.dir.path().join("broken.json"), "{")?;
    dcu.fails("//Alice", &["--network", "broken", "token", "balance"], "is not valid");

    assert_eq!(dcu.balance("alice"), before);
    assert_eq!(dcu.balance("bob"), 0);
    Ok(())
}

#[tokio::test]
async fn cli_node_starts_detached_serves_rpc_and_stops() -> TestResult {
    // given: a free port
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let url = format!("ws://127.0.0.1:{port}");
    let dir = tempfile::tempdir()?;
    let dcu = |args: &[&str]| {
        Command::new(dcu_bin()).args(["--url", &url, "--output", "json"]).args(args).env("DCU_DEPLOY_DIR", dir.path()).output()
    };
    // when: started detached
    let out = dcu(&["node", "--detach"])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(report["chain"], "Development");
    // then: a second start finds it running, --stop stops it, and a second stop says why it cannot
    let again: Value = serde_json::from_slice(&dcu(&["node", "--detach"])?.stdout)?;
    assert_eq!(again["already_running"], true);
    let stop = dcu(&["node", "--stop"])?;
    assert!(stop.status.success(), "{}", String::from_utf8_lossy(&stop.stderr));
    let stop2 = dcu(&["node", "--stop"])?;
    assert!(!stop2.status.success());
    assert!(String::from_utf8_lossy(&stop2.stderr).contains("no node started with --detach"));
    // a missing binary is one sentence
    let bad = dcu(&["node", "--bin", "/nonexistent/substrate-contracts-node"])?;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("does not exist"));
    Ok(())
}

/// `dcu demo` (the README's first command after set-up) on a fresh node:
/// eight members, seed 004, a warranted loan repaid, a vote, a default
/// settled, and the table of positions; and its failure on a node that is
/// not there, in one sentence.
#[tokio::test]
async fn cli_demo_plays_the_stories_and_ends_with_every_position() {
    let (_node, dcu) = setup().await;
    let demo_manifest = dcu.dir.path().join("demo.json");
    let load = || std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_string)).unwrap_or_default();
    let load_before = load();
    let started = std::time::Instant::now();
    let out = dcu.run("//Alice", &["demo", "--demo-manifest", demo_manifest.to_str().unwrap()]);
    let demo_s = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "dcu demo failed: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    // The benchmark report's demo row: the demo beside one transfer on the
    // same node, in this run (the bench does not play the demo again).
    let started = std::time::Instant::now();
    let t = dcu.run("//Alice", &["--manifest", demo_manifest.to_str().unwrap(), "token", "transfer", "//Bob", "1"]);
    let transfer_s = started.elapsed().as_secs_f64();
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let commands = text.lines().find(|l| l.starts_with("Demo done:")).and_then(|l| l.split_whitespace().nth(2)).unwrap_or("?").to_string();
    let timing = serde_json::json!({ "demo_s": demo_s, "transfer_s": transfer_s, "commands": commands, "load_before": load_before, "load_after": load() });
    let _ = std::fs::write(dcu_e2e_tests::cli::demo_timing_path(), timing.to_string());
    for needle in [
        "6 contracts deployed and wired",
        "Alice's credit limit: 200 DUSD",
        "Bob's credit limit: 100 DUSD",
        "Eve's credit limit: 100 DUSD",
        "LockedUntil",
        "route Ferdie → Charlie → Dave → Grace",
        "the loan is Closed and its warrants are released",
        "Executed proposal",
        "declared in default and settled",
        "its books balance: true",
    ] {
        assert!(text.contains(needle), "the demo should tell '{needle}':\n{text}");
    }
    let table = text.split("Every member's position").nth(1).unwrap_or("");
    for m in ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie", "Grace", "Heidi"] {
        assert!(table.contains(m), "{m} in the table:\n{table}");
    }
    let out = Command::new(dcu_bin()).args(["--url", "ws://127.0.0.1:1", "demo"]).env("DCU_DEPLOY_DIR", dcu.dir.path()).output().expect("dcu runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(err.lines().filter(|l| !l.trim().is_empty()).count(), 1, "one sentence: {err}");
    assert!(err.contains("no node is answering"), "{err}");
}

/// `dcu demo federation` (issue 20; deploy/run.sh plays it after `dcu
/// demo`) on a fresh node: two communities in a federation, attesters
/// appointed by vote, Riverside repays and Hillcrest does not; its JSON
/// outcome says the weaker bank was supported and the stronger not, the
/// story on stderr tells it, and its folder holds the manifests, the data
/// files and the health plot — and the chain agrees.
#[tokio::test]
async fn cli_demo_federation_supports_the_weaker_community() {
    let (_node, dcu) = setup().await;
    let dir = dcu.dir.path().join("demo-federation");
    let out = dcu.run("//Alice", &["--output", "json", "demo", "federation", "--demo-dir", dir.to_str().unwrap()]);
    let story = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "dcu demo federation failed: {story}\n{}", String::from_utf8_lossy(&out.stdout));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no JSON outcome ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    let banks = v["banks"].as_array().unwrap();
    assert_eq!(banks.len(), 2, "{v}");
    let (river, hill) = (&banks[0], &banks[1]);
    assert_eq!((river["name"].as_str(), hill["name"].as_str()), (Some("Riverside"), Some("Hillcrest")));
    let (h0, h1) = (river["health"].as_u64().unwrap(), hill["health"].as_u64().unwrap());
    assert!(h0 >= 70 && h1 < 70, "Riverside {h0}, Hillcrest {h1}: {v}");
    assert_eq!(river["repaid"].as_u64(), Some((100 * ONE) as u64), "Riverside's Bob repaid in the attested epoch: {v}");
    assert_eq!(hill["repaid"], 0);
    assert_eq!((river["supported"].as_bool(), river["received"].as_u64()), (Some(false), Some(0)), "the stronger bank gets nothing: {v}");
    assert_eq!((hill["supported"].as_bool(), hill["received"].as_u64()), (Some(true), Some((250 * ONE) as u64)), "the weaker bank gets the treasury: {v}");
    assert_eq!(v["paid"].as_u64(), Some((250 * ONE) as u64));
    assert_eq!((hill["insurance_before"].as_str(), hill["insurance"].as_str(), v["treasury_left"].as_str()), (Some("0"), Some("250"), Some("0")), "{v}");
    // its story, for a treasurer
    for needle in [
        "Riverside proposes Dave, Hillcrest Eve",
        "appoint_attester",
        "Executed proposal",
        "Riverside's pool counts 100 DUSD repaid in it",
        "250 DUSD paid",
        "└ verified",
        "below target",
        "received 250 DUSD into its insurance reserve (0 → 250 DUSD)",
        "no support needed",
    ] {
        assert!(story.contains(needle), "the demo should tell '{needle}':\n{story}");
    }
    // its files, beside each other, none of them deploy/local*.json
    for f in ["plan.toml", "local-riverside.json", "local-hillcrest.json", "riverside.json", "hillcrest.json"] {
        assert!(dir.join(f).exists(), "{f} in {}", dir.display());
    }
    assert!(std::fs::read_to_string(dir.join("health.svg")).unwrap().contains("<svg"), "the plot was written");
    assert!(!dcu.dir.path().join("local-riverside.json").exists() && !dcu.dir.path().join("local.json").exists());
    // the chain agrees: the federation's status through the demo's manifest
    let hm = dir.join("local-hillcrest.json");
    let status = dcu.json("//Alice", &["--manifest", hm.to_str().unwrap(), "federation", "status"]);
    assert_eq!(status["federation"], v["federation"]);
    assert_eq!((status["banks"][1]["insurance"].as_str(), status["treasury"].as_str()), (Some("250"), Some("0")), "{status}");
    assert!(status["banks"].as_array().unwrap().iter().all(|b| !b["attester"].is_null()), "both attesters appointed: {status}");
    let e = v["epoch"].as_u64().unwrap().to_string();
    dcu.fails("//Ferdie", &["--manifest", hm.to_str().unwrap(), "federation", "distribute", &e], "AlreadyDistributed");
}

/// The node disappears while `dcu deploy` is uploading and instantiating:
/// dcu exits non-zero with one sentence, and the manifest it leaves names
/// exactly the contracts that dcu said it instantiated (it is written after
/// each one, before the line is printed), so a re-run knows what happened.
///
/// The node is killed at a point the test observes — right after dcu's first
/// "… instantiated" line — never after a fixed time, so a fast or a slow
/// machine sees the same story: the first contract is on chain, the others
/// and the wiring are not.
#[tokio::test]
async fn cli_node_vanishing_mid_deploy_fails_in_one_sentence_and_the_manifest_tells_what_was_done() {
    use std::io::BufRead;
    let (node, dcu) = setup().await;
    let mut child = Command::new(dcu_bin())
        .args(["--url", &dcu.url, "--suri", "//Alice", "deploy"])
        .env("DCU_DEPLOY_DIR", dcu.dir.path())
        .env("DCU_ARTIFACTS", dcu_e2e_tests::artifacts_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dcu runs");
    // stderr is read on its own thread; each line reaches the test as it is written.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut err_lines = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let first = line.ends_with(" instantiated");
                err_lines.push(line);
                if first {
                    break;
                }
            }
            Err(e) => panic!("dcu deploy never said it instantiated a contract ({e:?}): {err_lines:?}"),
        }
    }
    drop(node); // kills the node mid-deployment: one contract is known to be on chain
    let out = child.wait_with_output().expect("dcu ends");
    reader.join().expect("the reader ends with dcu");
    err_lines.extend(rx.try_iter());
    let err = err_lines.join("\n");
    assert!(!out.status.success(), "dcu deploy cannot succeed without its node: {}", String::from_utf8_lossy(&out.stdout));
    // stderr holds the progress lines ("stable_token instantiated") and one error sentence, last.
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "one sentence: {err}");
    assert!(err.trim_end().lines().last().is_some_and(|l| l.starts_with("error: ")), "{err}");
    assert!(errors[0].contains("lost the connection to the node") || errors[0].contains("no node is answering"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // The manifest names exactly the contracts dcu said it instantiated: at
    // least the first, never the whole suite (the wiring cannot have happened).
    let said: std::collections::BTreeSet<String> =
        err.lines().filter_map(|l| l.strip_suffix(" instantiated")).map(|n| n.trim().to_string()).collect();
    let manifest = dcu.dir.path().join("local.json");
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).expect("the manifest was written")).expect("the manifest is whole JSON");
    let named: std::collections::BTreeSet<String> = m["contracts"].as_object().expect("contracts").keys().cloned().collect();
    assert!(!named.is_empty(), "{m}");
    assert_eq!(named, said, "the manifest names what dcu said it instantiated: {m}\n{err}");
    for (name, c) in m["contracts"].as_object().into_iter().flatten() {
        assert!(c["address"].as_str().is_some_and(|a| !a.is_empty()), "{name} has an address");
    }
}
