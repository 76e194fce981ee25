//! The errors `dcu` reports: each renders as one sentence a member understands.

use std::path::PathBuf;

/// Result of a `dcu` operation.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// Everything that can go wrong, in the user's terms.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Nothing answers at the node URL.
    #[error("no node is answering at {url} ({reason}); start one with `dcu node` or pass --url")]
    NodeUnreachable { url: String, reason: String },
    /// The `--url` is not a websocket URL.
    #[error("'{0}' is not a node URL; expected something like ws://127.0.0.1:9944")]
    BadUrl(String),
    /// An account argument could not be parsed.
    #[error("'{0}' is not an account: expected an SS58 address or a development account such as //Bob")]
    BadAccount(String),
    /// The secret URI could not be parsed.
    #[error("the secret URI is not valid ({0}); use a development account such as //Alice or a mnemonic phrase")]
    BadSuri(String),
    /// An amount argument could not be parsed.
    #[error("'{value}' is not an amount: {reason}")]
    BadAmount { value: String, reason: String },
    /// A rate argument could not be parsed.
    #[error("'{value}' is not a rate: {reason}")]
    BadRate { value: String, reason: String },
    /// No deployment manifest where one was expected.
    #[error("no deployment found at {0}; run `dcu deploy` first")]
    NoManifest(PathBuf),
    /// The manifest is unreadable or invalid.
    #[error("the deployment manifest {path} is not valid: {reason}")]
    BadManifest { path: PathBuf, reason: String },
    /// The manifest names a chain other than the one at `--url`.
    #[error("the deployment in {path} belongs to another chain (genesis {expected}, the node at {url} has {found}); run `dcu deploy` again")]
    StaleManifest { path: PathBuf, url: String, expected: String, found: String },
    /// The manifest has no such contract.
    #[error("the deployment has no `{0}` contract; run `dcu deploy`")]
    NotDeployed(String),
    /// A contract's build artifact is missing.
    #[error("the contract bundle {0} does not exist; build the contracts with deploy/build-contracts.sh")]
    MissingArtifact(PathBuf),
    /// The contract refused the call with one of its typed errors.
    #[error("{contract} refused `{message}`: {variant}{}", if .description.is_empty() { String::new() } else { format!(" — {}", .description) })]
    ContractRefused { contract: String, message: String, variant: String, description: String },
    /// The chain refused the extrinsic (a pallet error).
    #[error("the chain refused `{message}`: {reason}")]
    ChainRefused { message: String, reason: String },
    /// The node stopped answering in the middle of a command.
    #[error("lost the connection to the node while {doing}: {reason}")]
    ConnectionLost { doing: String, reason: String },
    /// The node binary could not be started.
    #[error("could not start the node: {0}")]
    NodeStart(String),
    /// An upgrade refused before anything was uploaded or proposed: the new
    /// code cannot take over the contract's storage, or dcu cannot check it.
    #[error("{0}; nothing was uploaded or proposed")]
    UpgradeRefused(crate::layout::LayoutError),
    /// A storage layout could not be read or compared.
    #[error(transparent)]
    Layout(#[from] crate::layout::LayoutError),
    /// Anything else, already phrased as a sentence.
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// A stable machine-readable kind for `--output json`.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::NodeUnreachable { .. } => "node_unreachable",
            CliError::BadUrl(_) => "bad_url",
            CliError::BadAccount(_) => "bad_account",
            CliError::BadSuri(_) => "bad_suri",
            CliError::BadAmount { .. } => "bad_amount",
            CliError::BadRate { .. } => "bad_rate",
            CliError::NoManifest(_) => "no_manifest",
            CliError::BadManifest { .. } => "bad_manifest",
            CliError::StaleManifest { .. } => "stale_manifest",
            CliError::NotDeployed(_) => "not_deployed",
            CliError::MissingArtifact(_) => "missing_artifact",
            CliError::ContractRefused { .. } => "contract_refused",
            CliError::ChainRefused { .. } => "chain_refused",
            CliError::ConnectionLost { .. } => "connection_lost",
            CliError::NodeStart(_) => "node_start",
            CliError::UpgradeRefused(_) => "upgrade_refused",
            CliError::Layout(_) => "storage_layout",
            CliError::Other(_) => "other",
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Other(format!("input/output error: {e}"))
    }
}
