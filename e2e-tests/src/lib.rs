//! Shared fixtures of the DCU e2e tests.
//!
//! The tests run the **release Wasm** that `dcu deploy` uploads (built by
//! `deploy/build-contracts.sh`), on a real substrate-contracts-node spawned
//! per test through ink_e2e's `TestNodeProcess`. They use plain
//! `#[tokio::test]` rather than `#[ink_e2e::test]`, whose macro would
//! rebuild every contract in debug mode for each test binary.

use std::path::PathBuf;

pub use ink_e2e;
use ink_e2e::{PolkadotConfig, TestNodeProcess};

/// The e2e client type.
pub type Client = ink_e2e::Client<PolkadotConfig, ink::env::DefaultEnvironment>;
/// A running test node (killed on drop).
pub type Node = TestNodeProcess<PolkadotConfig>;
/// Test result.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Contracts of the suite, in deployment order.
pub const CONTRACTS: &[&str] = &["stable_token", "trust_graph", "credit_pool", "warrant_escrow", "loan_manager", "governance"];

/// Second code versions that tests upgrade to through governance (built by
/// deploy/build-contracts.sh beside the contracts): trust_graph_v2 keeps the
/// storage layout; trust_graph_broken changes its root struct, and dcu
/// refuses to propose it.
pub const UPGRADES: &[&str] = &["trust_graph_v2", "trust_graph_broken"];

/// Test-only contracts (never deployed by dcu): a PSP22 that re-enters its
/// caller or refuses one recipient; the loan manager on a fast clock (a
/// second of block time is a day); the pool on a fast clock (a second of
/// block time is 10 days); the federation of community banks (dcu deploys
/// it with `dcu federation deploy`, not with the suite).
pub const FIXTURES: &[&str] = &["hostile_token", "loan_manager_fast", "credit_pool_fast", "federation"];

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Folder of the built bundles: `$DCU_ARTIFACTS`, `$CARGO_TARGET_DIR/ink`,
/// else `<workspace>/target/ink`.
pub fn artifacts_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("DCU_ARTIFACTS") {
        return PathBuf::from(p);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("ink"),
        None => workspace_root().join("target/ink"),
    }
}

/// Path of a contract's optimized Wasm; panics with the fix when missing.
pub fn wasm(name: &str) -> PathBuf {
    let p = artifacts_dir().join(name).join(format!("{name}.wasm"));
    assert!(p.exists(), "{} is missing: run deploy/build-contracts.sh first", p.display());
    p
}

/// Spawns a fresh dev node and a client that knows every contract's Wasm.
pub async fn start() -> (Node, Client) {
    let node = TestNodeProcess::<PolkadotConfig>::build_with_env_or_default()
        .spawn()
        .await
        .unwrap_or_else(|e| panic!("cannot start substrate-contracts-node (set CONTRACTS_NODE): {e}"));
    let paths: Vec<PathBuf> = CONTRACTS.iter().chain(UPGRADES).chain(FIXTURES).map(|c| wasm(c)).collect();
    let client = Client::new(node.rpc(), paths).await.expect("client connects to the node");
    (node, client)
}

/// The suite and a community on a test node (term loans, random sequences).
pub mod suite;

/// A websocket RPC proxy that makes a development node look like a live chain.
pub mod proxy;

/// One whole token in smallest units.
pub const ONE: u128 = dcu_common::ONE_TOKEN;

/// Driving the `dcu` binary against a test node.
pub mod cli {
    use std::path::PathBuf;
    use std::process::{Command, Output};

    use ink_e2e::{PolkadotConfig, TestNodeProcess};
    use serde_json::Value;

    use super::artifacts_dir;

    /// The `dcu` binary built by `cargo build -p dcu`.
    pub fn dcu_bin() -> PathBuf {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| super::workspace_root().join("target"));
        let p = target.join("debug/dcu");
        assert!(p.exists(), "{} is missing: run `cargo build -p dcu` first", p.display());
        p
    }

    /// Where the e2e demo test records how long `dcu demo` took beside one
    /// `dcu token transfer` on the same node; the benchmark report reads it
    /// instead of playing the demo a second time.
    pub fn demo_timing_path() -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| super::workspace_root().join("target"))
            .join("dcu-demo-timing.json")
    }

    /// Where the e2e routing test records the graph read times of `dcu
    /// route` (one pass against a dry run per member) on its 1,000-member
    /// community; the routing report (`route_bench`) reads it.
    pub fn route_read_timing_path() -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| super::workspace_root().join("target"))
            .join("dcu-route-read-timing.json")
    }

    pub struct Dcu {
        pub url: String,
        pub dir: tempfile::TempDir,
    }

    impl Dcu {
        pub fn run(&self, suri: &str, args: &[&str]) -> Output {
            Command::new(dcu_bin())
                .args(["--url", &self.url, "--suri", suri])
                .args(args)
                .env("DCU_DEPLOY_DIR", self.dir.path())
                .env("DCU_ARTIFACTS", artifacts_dir())
                // The CLI tests replay seed scenarios step by step on block
                // time; `dcu demo` (which drops this) plays the fast pool.
                .env("DCU_POOL_CLOCK", "real")
                .env_remove("DCU_SURI")
                .output()
                .expect("dcu runs")
        }

        /// Starts `dcu` in the background (a server such as `dcu monitor`),
        /// its output discarded; the caller kills it.
        pub fn spawn(&self, suri: &str, args: &[&str]) -> std::process::Child {
            Command::new(dcu_bin())
                .args(["--url", &self.url, "--suri", suri])
                .args(args)
                .env("DCU_DEPLOY_DIR", self.dir.path())
                .env("DCU_ARTIFACTS", artifacts_dir())
                .env_remove("DCU_SURI")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("dcu starts")
        }

        /// Runs with `--output json`, asserts success and parses stdout.
        pub fn json(&self, suri: &str, args: &[&str]) -> Value {
            let mut all = vec!["--output", "json"];
            all.extend_from_slice(args);
            let out = self.run(suri, &all);
            assert!(out.status.success(), "dcu {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("dcu {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
        }

        /// Asserts failure with one clear sentence on stderr containing `needle`.
        pub fn fails(&self, suri: &str, args: &[&str], needle: &str) {
            let out = self.run(suri, args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "dcu {args:?} should fail");
            let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "dcu {args:?} should print one line, got: {err}");
            assert!(lines[0].starts_with("error: "), "{err}");
            assert!(err.contains(needle), "dcu {args:?}: expected '{needle}' in: {err}");
            assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
        }

        pub fn balance(&self, who: &str) -> u128 {
            self.json("//Alice", &["token", "balance", who])["units"].as_u64().map(u128::from).unwrap_or_else(|| panic!("no units for {who}"))
        }
    }

    pub async fn setup() -> (TestNodeProcess<PolkadotConfig>, Dcu) {
        let node = TestNodeProcess::<PolkadotConfig>::build_with_env_or_default().spawn().await.expect("node starts");
        let dcu = Dcu { url: node.url().to_string(), dir: tempfile::tempdir().expect("temp dir") };
        (node, dcu)
    }
}
