//! One module per command; each has `Opts` (clap) and `run(global, opts, out)`.
pub mod demo;
pub mod deploy;
pub mod gov;
pub mod loan;
pub mod node;
pub mod pool;
pub mod route;
pub mod token;
pub mod trust;
pub mod warrant;

use serde::Serialize;

use crate::chain;
use crate::contract::{ContractHandle, Gas, TxOutcome};
use crate::manifest::Manifest;
use crate::opts::GlobalOpts;
use crate::output::{spinner, Report};
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

    /// Dry-runs `message` on `t` as the signer and returns its decoded answer.
    pub async fn query(&self, t: &ContractHandle, message: &str, args: &[String]) -> Result<contract_transcode::Value> {
        Ok(t.query(&self.url, &self.signer, message, args).await?.value)
    }

    /// The signer's account.
    pub fn me(&self) -> subxt::utils::AccountId32 {
        self.signer.public_key().to_account_id()
    }

    /// Dry-runs, then submits `message` on the deployed `contract` as the
    /// signer, with a spinner while it waits for the block.
    pub async fn submit(&self, g: &GlobalOpts, contract: &str, message: &str, args: &[String]) -> Result<TxOutcome> {
        let t = self.contract(contract)?;
        // The other contracts of the suite, to name the events they emit
        // during cross-contract calls (a token transfer inside a stake).
        let peers: Vec<ContractHandle> =
            self.manifest.contracts.keys().filter(|n| n.as_str() != contract).filter_map(|n| self.contract(n).ok()).collect();
        let peers: Vec<&ContractHandle> = peers.iter().collect();
        let pb = spinner(g, format!("{contract}: {message} …"));
        let tx = t.execute(&self.url, &self.signer, message, args, &peers).await;
        pb.finish_and_clear();
        tx.map_err(explain_anchor)
    }
}

/// A refusal that carries the trust graph's `AnchorNotReleased` (a change of
/// own capital that would end an anchoring while the member's trust still
/// counts) says what to do, in one sentence.
fn explain_anchor(e: CliError) -> CliError {
    match e {
        CliError::ContractRefused { contract, message, variant, .. } if variant.contains("AnchorNotReleased") => {
            let description = "this would take your own capital in the pool below what anchors you while your trust still counts: \
                               stake more, or run `dcu trust release` first (your trust then stops counting; `dcu trust resume` lifts it)"
                .to_string();
            CliError::ContractRefused { contract, message, variant, description }
        }
        other => other,
    }
}

/// What a submitted transaction did, for every command that submits one.
#[derive(Debug, Serialize)]
pub struct TxReport {
    /// What happened, in words.
    pub summary: String,
    /// Amount moved, in smallest units, where the command moves money.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<u128>,
    /// Hash of the extrinsic.
    pub extrinsic_hash: String,
    /// Weight consumed.
    pub gas_consumed: Gas,
    /// Storage deposit charged (+) or refunded (−), in the chain's native units.
    pub storage_deposit: i128,
    /// Contract events emitted, by name.
    pub contract_events: Vec<String>,
    /// Every decoded event.
    pub events: serde_json::Value,
}

impl TxReport {
    /// The report of `tx`, told as `summary`.
    pub fn new(summary: String, units: Option<u128>, tx: TxOutcome) -> Self {
        TxReport {
            summary,
            units,
            contract_events: tx.contract_event_names(),
            extrinsic_hash: tx.extrinsic_hash,
            gas_consumed: tx.gas_consumed,
            storage_deposit: tx.storage_deposit,
            events: tx.events,
        }
    }
}

impl Report for TxReport {
    fn human(&self) -> String {
        format!(
            "{}\n  extrinsic {}\n  weight ref_time {} ps, proof_size {} B; events: {}",
            self.summary,
            self.extrinsic_hash,
            self.gas_consumed.ref_time,
            self.gas_consumed.proof_size,
            if self.contract_events.is_empty() { "none".to_string() } else { self.contract_events.join(", ") }
        )
    }
}
