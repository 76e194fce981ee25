//! The deployment manifest `dcu deploy` writes under `deploy/`: which chain,
//! which block, and for every contract its address, code hash and metadata.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{CliError, Result};

/// Folder holding manifests and published metadata bundles: `$DCU_DEPLOY_DIR`
/// or `./deploy`.
pub fn default_dir() -> PathBuf {
    std::env::var_os("DCU_DEPLOY_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("deploy"))
}

/// A deployment of the suite on one chain.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Network profile name (`local`, …).
    pub network: String,
    /// Node URL used for the deployment.
    pub url: String,
    /// Genesis hash of the chain (a restarted dev chain has a new one).
    pub genesis_hash: String,
    /// Best block when the deployment last changed.
    pub block: u64,
    /// SS58 address of the deployer.
    pub deployer: String,
    /// Decimals of the deployment's stablecoin: `dcu` parses and prints
    /// amounts with them (6 for manifests written before they were kept).
    #[serde(default = "six")]
    pub decimals: u8,
    /// Whether `dcu` waits for finality before it reports a transaction
    /// (the profile's `finality`; in-block when false).
    #[serde(default)]
    pub wait_finalized: bool,
    /// Contracts by name, in deployment order of their names.
    pub contracts: BTreeMap<String, DeployedContract>,
}

/// One deployed contract.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeployedContract {
    /// SS58 address of the instance.
    pub address: String,
    /// 0x-prefixed code hash.
    pub code_hash: String,
    /// Block in which it was instantiated.
    pub block: u64,
    /// Constructor and the arguments it was called with.
    pub constructor: String,
    /// Constructor arguments as given to the transcoder.
    pub args: Vec<String>,
    /// The `.contract` bundle (code + metadata), relative to the manifest.
    pub bundle: PathBuf,
    /// The `.json` metadata for dapp frontends, relative to the manifest.
    pub metadata: PathBuf,
    /// Optimized Wasm size in bytes.
    pub wasm_size: usize,
}

fn six() -> u8 {
    dcu_common::TOKEN_DECIMALS
}

impl Manifest {
    /// Reads a manifest.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                CliError::NoManifest(path.to_path_buf())
            } else {
                CliError::BadManifest { path: path.to_path_buf(), reason: e.to_string() }
            }
        })?;
        serde_json::from_str(&text)
            .map_err(|e| CliError::BadManifest { path: path.to_path_buf(), reason: e.to_string() })
    }

    /// Writes the manifest atomically (temp file + rename), so an interrupted
    /// deploy never leaves a truncated file.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| CliError::Other(format!("cannot encode the manifest: {e}")))?;
        std::fs::write(&tmp, text + "\n")?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    /// The named contract, or [`CliError::NotDeployed`].
    pub fn contract(&self, name: &str) -> Result<&DeployedContract> {
        self.contracts.get(name).ok_or_else(|| CliError::NotDeployed(name.to_string()))
    }
}

/// Resolves a path stored relative to the manifest's folder.
pub fn resolve(manifest_path: &Path, rel: &Path) -> PathBuf {
    if rel.is_absolute() {
        rel.to_path_buf()
    } else {
        manifest_path.parent().unwrap_or(Path::new(".")).join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let mut m = Manifest { network: "local".into(), url: "ws://127.0.0.1:9944".into(), genesis_hash: "0xab".into(), block: 7, deployer: "5Grw".into(), ..Default::default() };
        m.contracts.insert(
            "stable_token".into(),
            DeployedContract {
                address: "5C".into(),
                code_hash: "0x01".into(),
                block: 3,
                constructor: "new".into(),
                args: vec!["1".into()],
                bundle: "artifacts/local/stable_token.contract".into(),
                metadata: "artifacts/local/stable_token.json".into(),
                wasm_size: 10,
            },
        );
        m
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("local.json");
        sample().save(&p).unwrap();
        assert_eq!(Manifest::load(&p).unwrap(), sample());
        assert!(!p.with_extension("json.tmp").exists());
    }

    #[test]
    fn load_missing_is_no_manifest_and_garbage_is_bad_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("none.json");
        assert!(matches!(Manifest::load(&p), Err(CliError::NoManifest(_))));
        std::fs::write(&p, "{ not json").unwrap();
        assert!(matches!(Manifest::load(&p), Err(CliError::BadManifest { .. })));
    }

    #[test]
    fn unknown_contract_is_not_deployed() {
        assert!(matches!(sample().contract("governance"), Err(CliError::NotDeployed(_))));
        assert!(sample().contract("stable_token").is_ok());
    }

    #[test]
    fn resolve_is_relative_to_manifest() {
        assert_eq!(resolve(Path::new("deploy/local.json"), Path::new("a/b")), PathBuf::from("deploy/a/b"));
    }
}
