//! One module per command; each has `Opts` (clap) and `run(global, opts, out)`.
pub mod deploy;
pub mod node;
pub mod token;
pub mod trust;

use crate::chain;
use crate::contract::ContractHandle;
use crate::manifest::Manifest;
use crate::opts::GlobalOpts;
use crate::{CliError, Result};

/// A connection, a signer and the deployment, checked against the chain.
pub struct Session {
    pub url: String,
    pub signer: subxt_signer::sr25519::Keypair,
    pub manifest: Manifest,
    pub manifest_path: std::path::PathBuf,
    pub conn: chain::Conn,
}

impl Session {
    /// Connects, parses the signer and loads the manifest, refusing a manifest
    /// written for another chain (e.g. before a dev node restarted).
    pub async fn open(g: &GlobalOpts) -> Result<Session> {
        let signer = chain::signer_from_suri(&g.secret_uri()?)?;
        let manifest_path = g.manifest_path();
        let manifest = Manifest::load(&manifest_path)?;
        let conn = chain::connect(&g.url).await?;
        let genesis = format!("{:?}", conn.client.genesis_hash());
        if genesis != manifest.genesis_hash {
            return Err(CliError::StaleManifest {
                path: manifest_path,
                url: g.url.clone(),
                expected: manifest.genesis_hash.clone(),
                found: genesis,
            });
        }
        Ok(Session { url: g.url.clone(), signer, manifest, manifest_path, conn })
    }

    /// A handle on a deployed contract.
    pub fn contract(&self, name: &str) -> Result<ContractHandle> {
        ContractHandle::from_manifest(&self.manifest, &self.manifest_path, name)
    }

    /// The signer's account.
    pub fn me(&self) -> subxt::utils::AccountId32 {
        self.signer.public_key().to_account_id()
    }
}
