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
pub const CONTRACTS: &[&str] = &["stable_token"];

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
    let paths: Vec<PathBuf> = CONTRACTS.iter().map(|c| wasm(c)).collect();
    let client = Client::new(node.rpc(), paths).await.expect("client connects to the node");
    (node, client)
}

/// One whole token in smallest units.
pub const ONE: u128 = dcu_common::ONE_TOKEN;
