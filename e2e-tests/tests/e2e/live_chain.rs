//! `dcu` on a chain that is not a development chain (issue 18, hazards 2–4).
//! The node here only runs its development chain, so a test RPC proxy on
//! 127.0.0.1 forwards everything to it but answers `system_chainType` as
//! `Live`; finality is shown on a node started with `--finalize-delay-sec`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use dcu_e2e_tests::cli::dcu_bin;
use dcu_e2e_tests::ink_e2e::subxt::ext::scale_value::Value as Dyn;
use dcu_e2e_tests::ink_e2e::{self, alice, ChainBackend, ContractsBackend, PolkadotConfig, TestNodeProcess};
use dcu_e2e_tests::{artifacts_dir, proxy, start, TestResult, ONE};
use serde_json::Value;
use stable_token::StableTokenRef;

/// Keys that are not development accounts (raw seeds; the deployer is
/// funded below). A key derived from the development phrase is refused.
const DEPLOYER: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";
const VERIFIER: &str = "0x2222222222222222222222222222222222222222222222222222222222222222";

fn account(suri: &str) -> dcu_e2e_tests::ink_e2e::Keypair {
    use std::str::FromStr;
    let uri = ink_e2e::subxt_signer::SecretUri::from_str(suri).expect("a secret URI");
    ink_e2e::Keypair::from_uri(&uri).expect("a key")
}

fn ss58(k: &ink_e2e::Keypair) -> String {
    k.public_key().to_account_id().to_string()
}

/// Runs dcu with `args` only (no default --suri), in `dir`.
fn dcu(dir: &Path, args: &[&str]) -> Output {
    Command::new(dcu_bin())
        .args(args)
        .env("DCU_DEPLOY_DIR", dir)
        .env("DCU_ARTIFACTS", artifacts_dir())
        .env_remove("DCU_SURI")
        .env_remove("DCU_URL")
        .env_remove("DCU_NETWORK")
        .env_remove("DCU_POOL_CLOCK")
        .output()
        .expect("dcu runs")
}

/// The one sentence dcu printed on failure.
fn refusal(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "should have failed: {}", String::from_utf8_lossy(&out.stdout));
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one sentence: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "dcu failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// A production profile: the chain's stablecoin, a founding verifier who is
/// not a development account, SPEC's governance defaults, real clocks.
fn production_profile(dir: &Path, stablecoin: &str, verifier: &str, extra: &str) -> PathBuf {
    let p = dir.join("para.toml");
    std::fs::write(&p, format!("description = \"a live chain\"\nstablecoin = \"{stablecoin}\"\nfounding_verifiers = [\"{verifier}\"]\n{extra}")).expect("write the profile");
    p
}

/// The number of the node's finalized head.
async fn finalized_head(node: &TestNodeProcess<PolkadotConfig>) -> u64 {
    let rpc = ink_e2e::subxt::backend::legacy::LegacyRpcMethods::<PolkadotConfig>::new(node.rpc());
    let head = rpc.chain_get_finalized_head().await.expect("finalized head");
    rpc.chain_get_header(Some(head)).await.expect("header").map(|h| u64::from(h.number)).unwrap_or(0)
}

#[tokio::test]
async fn a_live_chain_refuses_the_local_profile_development_keys_and_a_missing_key() -> TestResult {
    let (node, mut client) = start().await;
    let live = proxy::start(node.url(), "Live").await;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let url = live.url.as_str();

    // The development token stands in for the chain's stablecoin; the
    // deployer is funded by Alice (fees and deposits).
    let mut t = StableTokenRef::new(1_000_000 * ONE, Some("USD Coin".into()), Some("USDC".into()), 6, 0, 0);
    let token = client.instantiate("stable_token", &alice(), &mut t).submit().await?.account_id;
    let token = ink_e2e::subxt::utils::AccountId32(*AsRef::<[u8; 32]>::as_ref(&token)).to_string();
    let deployer = account(DEPLOYER);
    client
        .runtime_call(&alice(), "Balances", "transfer_keep_alive", vec![Dyn::unnamed_variant("Id", [Dyn::from_bytes(deployer.public_key().0)]), Dyn::u128(10u128.pow(17))])
        .await?;
    let key = d.join("deployer.key");
    std::fs::write(&key, DEPLOYER)?;
    let key = key.to_str().unwrap();

    // Hazard 2: the local profile (the default) on a live chain — every
    // development choice named, nothing uploaded, no manifest written.
    let e = refusal(&dcu(d, &["--url", url, "--suri-file", key, "deploy"]));
    for named in ["is a Live chain", "development = true", "loan_clock = \"fast\"", "pool_clock = \"fast\"", "governance.guardian = \"//Ferdie\"", "founding_verifiers \"//Alice\"", "no stablecoin", "nothing was uploaded"] {
        assert!(e.contains(named), "'{named}' in: {e}");
    }
    assert!(!d.join("local.json").exists(), "no manifest: nothing was deployed");

    // A hand-written copy of local.toml with a real stablecoin keeps its
    // fast clocks and development mode: still refused, by name.
    let copy = d.join("copy.toml");
    let local = std::fs::read_to_string(dcu_e2e_tests::workspace_root().join("deploy/networks/local.toml"))?;
    std::fs::write(&copy, format!("stablecoin = \"{token}\"\n{local}"))?;
    let e = refusal(&dcu(d, &["--url", url, "--network", "copy", "--suri-file", key, "deploy", "--profile", copy.to_str().unwrap()]));
    assert!(e.contains("loan_clock = \"fast\"") && e.contains("development = true") && !e.contains("no stablecoin"), "{e}");
    // `--pool-clock fast` on a production profile is refused too.
    let verifier = ss58(&account(VERIFIER));
    let para = production_profile(d, &token, &verifier, "");
    let para = para.to_str().unwrap();
    let e = refusal(&dcu(d, &["--url", url, "--network", "para", "--suri-file", key, "deploy", "--profile", para, "--pool-clock", "fast"]));
    assert!(e.contains("fast clock"), "{e}");
    // A development account as guardian, by its address: refused by name.
    let alice_ss58 = ss58(&alice());
    let guarded = production_profile(d, &token, &verifier, &format!("[governance]\nguardian = \"{alice_ss58}\"\n"));
    let e = refusal(&dcu(d, &["--url", url, "--network", "para", "--suri-file", key, "deploy", "--profile", guarded.to_str().unwrap()]));
    assert!(e.contains(&format!("governance.guardian = \"{alice_ss58}\"")) && e.contains("secret is public"), "{e}");
    // A value a constructor refuses (governance: no voice credits) stops the
    // deployment before any code is uploaded (every constructor is dry-run
    // first), even though the governance contract is instantiated last.
    let no_voice = production_profile(d, &token, &verifier, "[governance]\nvoice_credits = 0\n");
    let e = refusal(&dcu(d, &["--url", url, "--network", "para", "--suri-file", key, "deploy", "--profile", no_voice.to_str().unwrap()]));
    assert!(e.contains("governance refused `new`") && e.contains("nothing was uploaded"), "{e}");
    assert!(!d.join("para.json").exists(), "nothing deployed");

    // A stablecoin that does not tell its decimals (every amount of DCU is
    // whole tokens of its unit): refused before anything is uploaded.
    let mut mute = hostile_token::HostileTokenRef::new(1_000_000 * ONE);
    let mute = client.instantiate("hostile_token", &alice(), &mut mute).submit().await?.account_id;
    let mute = ink_e2e::subxt::utils::AccountId32(*AsRef::<[u8; 32]>::as_ref(&mute)).to_string();
    let p_mute = production_profile(d, &mute, &verifier, "");
    let e = refusal(&dcu(d, &["--url", url, "--network", "para", "--suri-file", key, "deploy", "--profile", p_mute.to_str().unwrap()]));
    assert!(e.contains("does not tell its decimals") && e.contains("nothing was uploaded"), "{e}");
    // The deployment below lends an 18-decimal stablecoin (hazard 1): its
    // amounts and ranges are whole tokens of that unit.
    let mut t18 = StableTokenRef::new(1_000_000 * 10u128.pow(18), Some("Dai".into()), Some("DAI".into()), 18, 0, 0);
    let dai = client.instantiate("stable_token", &alice(), &mut t18).submit().await?.account_id;
    let dai = ink_e2e::subxt::utils::AccountId32(*AsRef::<[u8; 32]>::as_ref(&dai)).to_string();
    let para = production_profile(d, &dai, &verifier, "");
    let para = para.to_str().unwrap();

    // Hazard 3: no default signer, and no development key, on a live chain.
    let e = refusal(&dcu(d, &["--url", url, "--network", "para", "deploy", "--profile", para]));
    assert!(e.contains("no signing key") && e.contains("Live") && e.contains("--suri-file"), "{e}");
    let e = refusal(&dcu(d, &["--url", url, "--network", "para", "--suri", "//Alice", "deploy", "--profile", para]));
    assert!(e.contains("//Alice is a development account"), "{e}");
    assert!(!d.join("para.json").exists(), "nothing deployed yet");

    // `deploy --dry-run`: the plan with code sizes and estimated deposits;
    // nothing submitted (the real deploy below still uploads every code).
    let plan = json(&dcu(d, &["--output", "json", "--url", url, "--network", "para", "--suri-file", key, "deploy", "--profile", para, "--dry-run"]));
    let planned = plan["contracts"].as_array().expect("contracts");
    assert_eq!(planned.len(), 6);
    assert_eq!(planned[0]["action"], "external");
    for c in &planned[1..] {
        assert_eq!(c["action"], "upload and instantiate", "{c}");
        assert!(c["wasm_size"].as_u64().unwrap() > 10_000 && c["deposit"].as_u64().unwrap() > 0, "{c}");
    }
    assert_eq!(plan["chain_type"], "Live");
    assert!(plan["total_deposit"].as_u64().unwrap() < plan["deployer_free"].as_u64().unwrap(), "{plan}");
    assert!(!d.join("para.json").exists(), "a dry run writes no manifest");

    // The production profile with a real key deploys, real clocks, and
    // reports every contract once final (hazard 4).
    let started = Instant::now();
    let report = json(&dcu(d, &["--output", "json", "--url", url, "--network", "para", "--suri-file", key, "deploy", "--profile", para]));
    let deploy_s = started.elapsed().as_secs_f64();
    assert_eq!(report["finality"], "finalized");
    assert!(report["contracts"].as_array().unwrap()[1..].iter().all(|c| c["code_uploaded"] == true), "the dry run uploaded nothing: {report}");
    assert_eq!(report["loan_clock"], "real (block time)");
    assert_eq!(report["pool_clock"], "real (block time)");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(d.join("para.json"))?)?;
    assert_eq!(manifest["url"], url, "the manifest keeps its URL");
    assert_eq!(manifest["wait_finalized"], true);
    assert_eq!(manifest["contracts"]["stable_token"]["address"], dai.as_str(), "the chain's stablecoin, not the test token");
    assert_eq!(manifest["decimals"], 18);

    // Later commands find the URL in the manifest (no --url) and still
    // need a key.
    let e = refusal(&dcu(d, &["--network", "para", "member", "register"]));
    assert!(e.contains("no signing key"), "{e}");
    let started = Instant::now();
    let tx = json(&dcu(d, &["--output", "json", "--network", "para", "--suri-file", key, "member", "register"]));
    let register_s = started.elapsed().as_secs_f64();
    let fin = tx["finalized_block"].as_u64().expect("reported with its finalized block");
    let head_number = finalized_head(&node).await;
    assert!(head_number >= fin, "block #{fin} is final (finalized head #{head_number})");
    // dcu reads and writes amounts in the deployment's unit: MAX_CREDIT and
    // MIN_LINE are 10,000 and 10 whole DAI, to the unit.
    let out = dcu(d, &["--network", "para", "--suri-file", key, "pool", "info"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let info = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(info.contains("MAX_CREDIT 10,000 ") && info.contains("lines of at least 10 "), "whole DAI: {info}");
    eprintln!("live chain (proxy): dcu deploy {deploy_s:.1} s, dcu member register {register_s:.1} s, ratio {:.1}", deploy_s / register_s);
    Ok(())
}

/// Hazard 4: on a node that finalizes 2 s after each block, a profile with
/// `finality = "finalized"` makes dcu report each transaction once its
/// block is final; the local profile reports at once (in-block).
#[tokio::test]
async fn a_production_profile_waits_for_finality_on_a_delayed_finality_node() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let node_bin = std::env::var("CONTRACTS_NODE").expect("CONTRACTS_NODE names the node");
    let wrapper = d.join("slow-finality-node");
    std::fs::write(&wrapper, format!("#!/bin/sh\nexec \"{node_bin}\" --finalize-delay-sec 2 \"$@\"\n"))?;
    std::process::Command::new("chmod").arg("+x").arg(&wrapper).status()?;
    let node = TestNodeProcess::<PolkadotConfig>::build(wrapper.as_os_str()).spawn().await?;
    let url = node.url().to_string();
    let local = std::fs::read_to_string(dcu_e2e_tests::workspace_root().join("deploy/networks/local.toml"))?;
    let profile = d.join("final.toml");
    std::fs::write(&profile, local.replace("finality = \"in-block\"", "finality = \"finalized\""))?;
    let p = profile.to_str().unwrap();

    let started = Instant::now();
    let report = json(&dcu(d, &["--output", "json", "--url", &url, "--network", "final", "--suri", "//Alice", "deploy", "--profile", p]));
    let deploy_s = started.elapsed().as_secs_f64();
    assert_eq!(report["finality"], "finalized");
    let started = Instant::now();
    let tx = json(&dcu(d, &["--output", "json", "--network", "final", "--suri", "//Alice", "token", "transfer", "//Bob", "1"]));
    let transfer_s = started.elapsed().as_secs_f64();
    let fin = tx["finalized_block"].as_u64().expect("the transfer is reported with its finalized block");
    let head_number = finalized_head(&node).await;
    assert!(head_number >= fin, "block #{fin} is final (finalized head #{head_number})");

    // The local profile on the same node: reported in-block, no finality wait.
    let started = Instant::now();
    json(&dcu(d, &["--output", "json", "--url", &url, "--suri", "//Alice", "deploy"]));
    let local_deploy_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let tx = json(&dcu(d, &["--output", "json", "--suri", "//Alice", "token", "transfer", "//Bob", "1"]));
    let local_transfer_s = started.elapsed().as_secs_f64();
    assert!(tx.get("finalized_block").is_none(), "in-block: {tx}");
    eprintln!(
        "finality (2 s delay): dcu deploy {deploy_s:.1} s = {:.1}× one dcu token transfer ({transfer_s:.1} s); in-block: deploy {local_deploy_s:.1} s = {:.1}× a transfer ({local_transfer_s:.1} s)",
        deploy_s / transfer_s,
        local_deploy_s / local_transfer_s
    );
    Ok(())
}
