//! Flags shared by every command, flattened into each (cargo-contract style).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// How results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Sentences and tables for people.
    #[default]
    Human,
    /// One JSON document on stdout, for scripts.
    Json,
}

/// Global options.
#[derive(Clone, Debug, Args)]
pub struct GlobalOpts {
    /// Websocket URL of the node.
    #[arg(long, global = true, env = "DCU_URL", default_value = "ws://127.0.0.1:9944")]
    pub url: String,
    /// Secret URI of the signing account: a development account such as
    /// //Alice, or a mnemonic. Prefer DCU_SURI or --suri-file for real keys.
    #[arg(long, global = true, env = "DCU_SURI", default_value = "//Alice", hide_env_values = true)]
    pub suri: String,
    /// Read the secret URI from this file instead of --suri.
    #[arg(long, global = true)]
    pub suri_file: Option<PathBuf>,
    /// Network profile: the manifest is deploy/<network>.json.
    #[arg(long, global = true, env = "DCU_NETWORK", default_value = "local")]
    pub network: String,
    /// Deployment manifest to read or write (overrides --network).
    #[arg(long, global = true, env = "DCU_MANIFEST")]
    pub manifest: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}

impl GlobalOpts {
    /// The manifest path for this invocation.
    pub fn manifest_path(&self) -> PathBuf {
        self.manifest
            .clone()
            .unwrap_or_else(|| crate::manifest::default_dir().join(format!("{}.json", self.network)))
    }

    /// The secret URI, from --suri-file when given.
    pub fn secret_uri(&self) -> crate::Result<String> {
        match &self.suri_file {
            Some(p) => std::fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .map_err(|e| crate::CliError::BadSuri(format!("cannot read {}: {e}", p.display()))),
            None => Ok(self.suri.clone()),
        }
    }

    /// Whether JSON output was asked for.
    pub fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }
}
