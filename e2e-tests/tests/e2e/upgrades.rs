//! An upgrade must not brick a contract for good (issue 18, hazard 5).
//!
//! ink! decodes a contract's root storage struct before every message; a new
//! code whose root struct encodes differently traps on every call, its own
//! `set_code` included, so no later vote could repair it. `dcu gov propose
//! upgrade` compares the new code's storage layout (from its metadata) with
//! the deployed code's before it uploads or proposes anything:
//! - `trust_graph_broken` (trust_graph with its member count widened to u64)
//!   is refused, naming the field: nothing is uploaded, no proposal exists;
//! - `trust_graph_v2` (same storage) is proposed; a bare code hash needs the
//!   code's bundle. That the data survives an executed upgrade to v2 is
//!   shown at the contract level in `governance.rs`.
//!
//! And the layout of each governed contract's release, kept in
//! docs/layouts/, must still be readable by the freshly built code: a change
//! that breaks it without a migration fails here (and so in deploy/test.sh).

use std::path::PathBuf;
use std::process::{Command, Output};

use dcu_e2e_tests::cli::{dcu_bin, setup};
use dcu_e2e_tests::ink_e2e::subxt::dynamic::{self, Value as Dyn};
use dcu_e2e_tests::{artifacts_dir, workspace_root, TestResult, UPGRADES};

/// The contracts governance can upgrade: their layouts are kept in docs/layouts/.
const GOVERNED: &[&str] = &["trust_graph", "credit_pool", "warrant_escrow", "loan_manager", "governance"];

fn artifact(name: &str, ext: &str) -> PathBuf {
    let p = artifacts_dir().join(name).join(format!("{name}.{ext}"));
    assert!(p.exists(), "{} is missing: run deploy/build-contracts.sh first", p.display());
    p
}

/// The code hash a bundle's metadata records for its Wasm.
fn code_hash(bundle: &PathBuf) -> String {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(bundle).expect("bundle")).expect("bundle JSON");
    v["source"]["hash"].as_str().expect("source.hash").to_string()
}

/// `dcu gov layout …` (no node).
fn layout(args: &[&str]) -> Output {
    Command::new(dcu_bin()).args(["gov", "layout"]).args(args).env_remove("DCU_URL").env_remove("DCU_SURI").output().expect("dcu runs")
}

#[tokio::test]
async fn an_upgrade_whose_storage_layout_differs_is_refused_before_any_vote() -> TestResult {
    let (node, dcu) = setup().await;
    assert!(UPGRADES.contains(&"trust_graph_broken") && UPGRADES.contains(&"trust_graph_v2"));
    let broken = artifact("trust_graph_broken", "contract");
    let v2 = artifact("trust_graph_v2", "contract");
    let (broken_s, v2_s) = (broken.to_str().unwrap(), v2.to_str().unwrap());
    let (broken_hash, v2_hash) = (code_hash(&broken), code_hash(&v2));

    // given: the suite deployed; Alice (the local profile's founding
    // verifier) is a verified member with a voice
    dcu.json("//Alice", &["deploy"]);
    dcu.json("//Alice", &["member", "register"]);
    dcu.json("//Alice", &["trust", "verify", "//Alice"]);
    assert_eq!(dcu.json("//Alice", &["gov", "info"])["voice_credits"], 100);

    // when: the code whose root struct differs is proposed, as a bundle or
    // by its hash with the bundle: refused in one sentence naming the field
    let field = "trust_graph's storage field `member_count` changed type: u32 → u64";
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", broken_s], field);
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", &broken_hash, "--bundle", broken_s], field);
    let out = dcu.run("//Alice", &["gov", "propose", "upgrade", "trust_graph", broken_s]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`set_code` included") && err.contains("nothing was uploaded or proposed"), "{err}");
    // a bare hash: dcu has no metadata to check, so it asks for the bundle
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", &v2_hash], "pass the code's .contract bundle");
    // a bundle holding other code than the hash
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", &v2_hash, "--bundle", broken_s], "not 0x");

    // then: nothing proposed, nothing uploaded
    assert_eq!(dcu.json("//Alice", &["gov", "info"])["proposals"], 0);
    let api = node.client();
    let on_chain = |hash: &str| {
        let bytes = hex_bytes(hash);
        let api = api.clone();
        async move {
            let q = dynamic::storage("Contracts", "PristineCode", vec![Dyn::from_bytes(bytes)]);
            api.storage().at_latest().await.expect("latest block").fetch(&q).await.expect("storage read").is_some()
        }
    };
    assert!(!on_chain(&broken_hash).await, "the refused code was not uploaded");

    // the code with the same storage is accepted: uploaded and proposed
    let up = dcu.json("//Alice", &["gov", "propose", "--title", "trust graph v2", "upgrade", "trust_graph", v2_s]);
    assert!(up["summary"].as_str().unwrap().contains("replace trust_graph's code"), "{up}");
    assert!(on_chain(&v2_hash).await);
    let shown = dcu.json("//Alice", &["gov", "show", "0"]);
    assert_eq!(shown["changes"][0]["to"], v2_hash.as_str(), "{shown}");
    // by its hash with its bundle too
    dcu.json("//Alice", &["gov", "propose", "upgrade", "trust_graph", &v2_hash, "--bundle", v2_s]);
    assert_eq!(dcu.json("//Alice", &["gov", "info"])["proposals"], 2);
    assert!(!on_chain(&broken_hash).await);

    // Review of issue 18 (finding 6): the baseline is the code the contract
    // runs on chain, not the manifest's. Once the upgrade to v2 is executed
    // (a one-minute vote on the local profile), the manifest still names v1.
    dcu.json("//Alice", &["gov", "vote", "0", "for", "5"]);
    std::thread::sleep(std::time::Duration::from_secs(62));
    dcu.json("//Alice", &["token", "approve", "//Alice", "0"]); // a block at the new time
    dcu.json("//Alice", &["gov", "queue", "0"]);
    dcu.json("//Alice", &["gov", "execute", "0"]);
    let v1 = artifact("trust_graph", "contract");
    let (v1_s, v1_hash) = (v1.to_str().unwrap(), code_hash(&v1));
    // The running code's metadata is unknown: dcu asks for it instead of
    // checking against v1's (before, v1's hash passed as "the running code").
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", v1_s], &format!("runs code {v2_hash} on chain"));
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", &v1_hash, "--bundle", v1_s], "--current-bundle");
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", &v1_hash], "pass the code's .contract bundle");
    // With the running code's bundle: checked against it.
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", broken_s, "--current-bundle", v2_s], field);
    dcu.fails("//Alice", &["gov", "propose", "upgrade", "trust_graph", v1_s, "--current-bundle", broken_s], "not 0x");
    dcu.json("//Alice", &["gov", "propose", "upgrade", "trust_graph", v1_s, "--current-bundle", v2_s]);
    // The running code itself needs no bundle.
    dcu.json("//Alice", &["gov", "propose", "upgrade", "trust_graph", &v2_hash]);
    assert_eq!(dcu.json("//Alice", &["gov", "info"])["proposals"], 4);
    Ok(())
}

fn hex_bytes(h: &str) -> Vec<u8> {
    let h = h.trim_start_matches("0x");
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex")).collect()
}

/// The stored layout of each governed contract's release (docs/layouts/)
/// against the freshly built metadata: a change that breaks it fails here.
/// After an intentional change with a migration, refresh the stored layouts
/// as docs/layouts/README.md says.
#[test]
fn the_built_contracts_can_take_over_their_stored_layouts() {
    let dir = workspace_root().join("docs/layouts");
    let mut broken = Vec::new();
    for c in GOVERNED {
        let stored = dir.join(format!("{c}.json"));
        assert!(stored.exists(), "{} is missing: see docs/layouts/README.md", stored.display());
        let built = artifact(c, "json");
        let out = layout(&[built.to_str().unwrap(), "--against", stored.to_str().unwrap(), "--output", "json"]);
        if !out.status.success() {
            broken.push(String::from_utf8_lossy(&out.stderr).trim().to_string());
            continue;
        }
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        assert_eq!(report["compatible"], true, "{report}");
    }
    assert!(
        broken.is_empty(),
        "a contract's storage no longer matches its last release's layout (docs/layouts/); add a migration and refresh the layouts as docs/layouts/README.md says:\n{}",
        broken.join("\n")
    );

    // the check itself: the test-only broken build is refused against the
    // stored layout, by field, and v2 (same storage) is accepted
    let stored = dir.join("trust_graph.json");
    let out = layout(&[artifact("trust_graph_broken", "json").to_str().unwrap(), "--against", stored.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("field `member_count` changed type: u32 → u64"), "{err}");
    assert_eq!(err.lines().filter(|l| !l.trim().is_empty()).count(), 1, "{err}");
    let out = layout(&[artifact("trust_graph_v2", "contract").to_str().unwrap(), "--against", stored.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
