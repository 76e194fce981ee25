//! Dapp frontends can use DCU's published metadata: after `dcu deploy`, a
//! script that knows nothing but @polkadot/api-contract (deploy/dapp-check,
//! installed by deploy/setup.sh) loads the manifest and the metadata bundles
//! beside it, queries the live node and gets the same credit limit, available
//! credit and token balance as `dcu`.

use std::path::PathBuf;
use std::process::Command;

use dcu_e2e_tests::cli::setup;
use dcu_e2e_tests::TestResult;

/// Where deploy/setup.sh installs the dapp check.
fn dapp_check() -> PathBuf {
    let home = std::env::var_os("DCU_HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".dcu"));
    let p = home.join("dapp-check/check.mjs");
    assert!(home.join("dapp-check/node_modules/@polkadot/api-contract").exists(), "run deploy/setup.sh: {} has no @polkadot/api-contract", home.display());
    p
}

#[tokio::test]
async fn a_dapp_reads_the_same_credit_limit_as_dcu_through_polkadot_api_contract() -> TestResult {
    let (_node, dcu) = setup().await;
    // given: Alice stakes and extends Bob a 60 DUSD line
    dcu.json("//Alice", &["deploy"]);
    for m in ["//Alice", "//Bob"] {
        dcu.json(m, &["member", "register"]);
    }
    dcu.json("//Alice", &["trust", "set", "//Bob", "400"]);
    // 160: the 60 behind Bob's line is not Alice's own capital, and her
    // counting trust needs 100 of it (SPEC §2, v2).
    dcu.json("//Alice", &["pool", "stake", "160"]);
    dcu.json("//Alice", &["pool", "extend", "//Bob", "60", "--rate", "5"]);
    dcu.json("//Alice", &["token", "transfer", "//Bob", "12.5"]);
    let bob = dcu.json("//Alice", &["pool", "show", "//Bob"]);
    let address = bob["account"].as_str().unwrap().to_string();
    assert_eq!(bob["credit_limit"].as_u64(), Some(60_000_000));

    // when: the dapp reads the same account from the published metadata
    let manifest = dcu.dir.path().join("local.json");
    let out = Command::new("node")
        .arg(dapp_check())
        .args(["--manifest", manifest.to_str().unwrap(), "--account", &address, "--url", &dcu.url])
        .output()?;
    assert!(out.status.success(), "dapp check failed: {}", String::from_utf8_lossy(&out.stderr));
    let js: serde_json::Value = serde_json::from_slice(&out.stdout)?;

    // then: the same answers as dcu, to the unit
    assert_eq!(js["credit_limit"], bob["credit_limit"].to_string(), "{js}");
    assert_eq!(js["available"], bob["available"].to_string());
    assert_eq!(js["token_balance"], dcu.balance("//Bob").to_string());
    assert_eq!(js["token_symbol"], "DUSD");
    assert_eq!(js["members"], 2);
    for (contract, message) in [("credit_pool", "extend_credit"), ("governance", "propose"), ("warrant_escrow", "set_policy"), ("trust_graph", "set_trust")] {
        assert!(js["messages"][contract].as_array().unwrap().iter().any(|m| m == message), "{contract}.{message} in {js}");
    }

    // a dapp pointed at a missing manifest fails with one sentence
    let out = Command::new("node").arg(dapp_check()).args(["--manifest", "/nonexistent.json", "--account", &address]).output()?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: cannot read the manifest"));
    Ok(())
}
