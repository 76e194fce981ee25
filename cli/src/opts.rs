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

/// The URL of a local development node, used when neither `--url` nor the
/// manifest names one.
pub const LOCAL_URL: &str = "ws://127.0.0.1:9944";

/// The development account signing when no key is given, on a development
/// chain only.
pub const DEV_SIGNER: &str = "//Alice";

/// Global options.
#[derive(Clone, Debug, Args)]
pub struct GlobalOpts {
    /// Websocket URL of the node. Default: the URL the manifest was deployed
    /// to, else the local node ws://127.0.0.1:9944.
    #[arg(long = "url", global = true, env = "DCU_URL")]
    pub url_arg: Option<String>,
    /// The node URL this invocation uses (resolved by [`GlobalOpts::resolve`]).
    #[arg(skip)]
    pub url: String,
    /// Secret URI of the signing account: a development account such as
    /// //Bob, or a mnemonic. Prefer DCU_SURI or --suri-file for real keys.
    /// Default: //Alice, on a development chain only (`system_chainType`
    /// Development or Local); any other chain needs a key.
    #[arg(long, global = true, env = "DCU_SURI", hide_env_values = true)]
    pub suri: Option<String>,
    /// Read the secret URI from this file instead of --suri.
    #[arg(long, global = true)]
    pub suri_file: Option<PathBuf>,
    /// Network profile: the manifest is deploy/<network>.json and the
    /// profile deploy/networks/<network>.toml. Default: local — and only for
    /// a node on this machine: any other URL needs its network named.
    #[arg(long = "network", global = true, env = "DCU_NETWORK")]
    pub network_arg: Option<String>,
    /// The network this invocation uses (resolved by [`GlobalOpts::resolve`]).
    #[arg(skip)]
    pub network: String,
    /// Deployment manifest to read or write (overrides --network).
    #[arg(long, global = true, env = "DCU_MANIFEST")]
    pub manifest: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}

/// Whether `url` names a node on this machine (loopback).
pub fn is_local_url(url: &str) -> bool {
    match url::Url::parse(url).ok().and_then(|u| u.host().map(|h| h.to_owned())) {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

impl GlobalOpts {
    /// Fills `network` and `url`: the network is `--network` or `local`; the
    /// URL is `--url`, else the one the manifest was deployed to, else the
    /// local node. A URL that is not on this machine needs its network
    /// named (`--network` or `--manifest`): the local profile (fast clocks,
    /// one-minute votes, development accounts) is never picked for it by
    /// default.
    pub fn resolve(&mut self) -> crate::Result<()> {
        self.network = self.network_arg.clone().unwrap_or_else(|| "local".into());
        self.url = match &self.url_arg {
            Some(u) => u.clone(),
            None => match crate::manifest::Manifest::load(&self.manifest_path()).ok().map(|m| m.url).filter(|u| !u.is_empty()) {
                Some(u) => u,
                // Another network's node is never guessed to be this machine's.
                None if self.network != "local" => {
                    return Err(crate::CliError::Other(format!(
                        "network '{}' has no manifest naming its node yet ({}): pass its node with --url",
                        self.network,
                        self.manifest_path().display()
                    )))
                }
                None => LOCAL_URL.to_string(),
            },
        };
        if !is_local_url(&self.url) && self.network_arg.is_none() && self.manifest.is_none() {
            return Err(crate::CliError::Other(format!(
                "{} is not a node on this machine: name its network with --network NAME (profile deploy/networks/NAME.toml, manifest deploy/NAME.json); the local profile is for local development nodes only",
                self.url
            )));
        }
        Ok(())
    }

    /// The manifest path for this invocation.
    pub fn manifest_path(&self) -> PathBuf {
        let network = self.network_arg.as_deref().unwrap_or("local");
        self.manifest.clone().unwrap_or_else(|| crate::manifest::default_dir().join(format!("{network}.json")))
    }

    /// The secret URI: from --suri-file, else --suri / DCU_SURI, else
    /// //Alice on a development chain. `chain_type` is the node's
    /// `system_chainType`; on any other chain a development account (whose
    /// secret is public) is refused.
    pub fn secret_uri(&self, chain_type: &crate::chain::ChainType) -> crate::Result<String> {
        let given = match &self.suri_file {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .map(|s| s.trim().to_string())
                    .map_err(|e| crate::CliError::BadSuri(format!("cannot read {}: {e}", p.display())))?,
            ),
            None => self.suri.clone(),
        };
        match given {
            Some(uri) if !self.development_chain(chain_type) && crate::chain::is_public_secret(&uri) => Err(crate::CliError::BadSuri(format!(
                "{} is a development account, whose secret is public; {} is {}: sign with your own key (--suri-file PATH or DCU_SURI)",
                if uri.trim_start().starts_with('/') { uri.trim().to_string() } else { "the key given".to_string() },
                self.url,
                self.chain_words(chain_type)
            ))),
            Some(uri) => Ok(uri),
            None if self.development_chain(chain_type) => Ok(DEV_SIGNER.to_string()),
            None => Err(crate::CliError::BadSuri(format!(
                "no signing key: {} is {}, where dcu has no default account; pass --suri-file PATH (or set DCU_SURI)",
                self.url,
                self.chain_words(chain_type)
            ))),
        }
    }

    /// Whether this invocation talks to a development chain: the node says
    /// so (`system_chainType` Development or Local) *and* it runs on this
    /// machine — a remote node's word alone is not trusted (a public
    /// testnet built from a template spec says `Local`).
    pub fn development_chain(&self, chain_type: &crate::chain::ChainType) -> bool {
        chain_type.is_dev() && is_local_url(&self.url)
    }

    /// The chain in words, for refusals: "a Live chain", or "a remote node".
    pub fn chain_words(&self, chain_type: &crate::chain::ChainType) -> String {
        if chain_type.is_dev() {
            format!("a remote node (its chain says {chain_type}, which dcu trusts only on this machine)")
        } else {
            format!("a {chain_type} chain")
        }
    }

    /// Whether JSON output was asked for.
    pub fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ChainType;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        g: GlobalOpts,
    }

    fn parse(args: &[&str]) -> GlobalOpts {
        for k in ["DCU_URL", "DCU_SURI", "DCU_NETWORK", "DCU_MANIFEST"] {
            std::env::remove_var(k);
        }
        let mut all = vec!["dcu"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().g
    }

    #[test]
    fn only_a_node_on_this_machine_is_local() {
        for u in ["ws://127.0.0.1:9944", "ws://localhost:9944", "ws://[::1]:9944", "ws://127.0.0.2:1"] {
            assert!(is_local_url(u), "{u}");
        }
        for u in ["wss://rpc.example.org", "ws://10.0.0.1:9944", "ws://localhost.example.org", "nonsense"] {
            assert!(!is_local_url(u), "{u}");
        }
    }

    /// Hazard 2 of issue 18: any URL that is not local needs its network
    /// named; the local profile is never picked for it by default.
    #[test]
    fn a_remote_url_needs_its_network_named() {
        let mut g = parse(&["--url", "wss://rpc.example.org"]);
        let e = g.resolve().unwrap_err().to_string();
        assert!(e.contains("wss://rpc.example.org is not a node on this machine") && e.contains("--network"), "{e}");
        let mut g = parse(&["--url", "wss://rpc.example.org", "--network", "rococo"]);
        g.resolve().unwrap();
        assert_eq!((g.network.as_str(), g.url.as_str()), ("rococo", "wss://rpc.example.org"));
        assert!(g.manifest_path().ends_with("rococo.json"));
        let mut g = parse(&[]);
        g.resolve().unwrap();
        assert_eq!(g.network, "local");
    }

    /// Review of issue 18: a named network without a manifest does not
    /// fall back to the local node.
    #[test]
    fn another_network_without_a_manifest_needs_its_url() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("para.json");
        let mut g = parse(&["--network", "para", "--manifest", missing.to_str().unwrap()]);
        let e = g.resolve().unwrap_err().to_string();
        assert!(e.contains("network 'para' has no manifest") && e.contains("--url"), "{e}");
        let mut g = parse(&["--network", "para", "--manifest", missing.to_str().unwrap(), "--url", "wss://para.example.org"]);
        g.resolve().unwrap();
    }

    /// Hazard 3: the manifest remembers its URL, so later commands need not
    /// repeat it; `--url` still wins.
    #[test]
    fn the_manifest_remembers_its_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("para.json");
        let m = crate::manifest::Manifest { network: "para".into(), url: "wss://para.example.org".into(), ..Default::default() };
        m.save(&path).unwrap();
        let mut g = parse(&["--manifest", path.to_str().unwrap()]);
        g.resolve().unwrap();
        assert_eq!(g.url, "wss://para.example.org");
        let mut g = parse(&["--manifest", path.to_str().unwrap(), "--url", "wss://other.example.org"]);
        g.resolve().unwrap();
        assert_eq!(g.url, "wss://other.example.org");
    }

    /// Hazard 3: no default signer outside a development chain, and never a
    /// development account (its secret is public) there.
    #[test]
    fn no_default_signer_on_a_live_chain() {
        let mut g = parse(&["--url", "ws://127.0.0.1:9944"]);
        g.resolve().unwrap();
        assert_eq!(g.secret_uri(&ChainType::Development).unwrap(), DEV_SIGNER);
        assert_eq!(g.secret_uri(&ChainType::Local).unwrap(), DEV_SIGNER);
        let mut g = parse(&["--url", "wss://para.example.org", "--network", "para"]);
        g.resolve().unwrap();
        let e = g.secret_uri(&ChainType::Live).unwrap_err().to_string();
        assert!(e.contains("no signing key") && e.contains("Live") && e.contains("--suri-file"), "{e}");
        // A remote node that says it is a development chain is not believed.
        let e = g.secret_uri(&ChainType::Local).unwrap_err().to_string();
        assert!(e.contains("no signing key") && e.contains("remote node"), "{e}");
        let e = g.secret_uri(&ChainType::Custom("para".into())).unwrap_err().to_string();
        assert!(e.contains("no signing key"), "{e}");
        let mut g = parse(&["--url", "wss://para.example.org", "--network", "para", "--suri", "//Alice"]);
        g.resolve().unwrap();
        let e = g.secret_uri(&ChainType::Live).unwrap_err().to_string();
        assert!(e.contains("//Alice is a development account"), "{e}");
        // Review of issue 18: every public secret, not only `//Name`.
        for public in [crate::chain::DEV_PHRASE, "/Alice", &format!("{}//Alice", crate::chain::DEV_PHRASE), &format!("{}//dcu", crate::chain::DEV_PHRASE)] {
            let mut g = parse(&["--url", "wss://para.example.org", "--network", "para", "--suri", public]);
            g.resolve().unwrap();
            let e = g.secret_uri(&ChainType::Live).unwrap_err().to_string();
            assert!(e.contains("development account"), "{public}: {e}");
        }
        let own = format!("0x{}", "11".repeat(32));
        let mut g = parse(&["--url", "wss://para.example.org", "--network", "para", "--suri", &own]);
        g.resolve().unwrap();
        assert_eq!(g.secret_uri(&ChainType::Live).unwrap(), own);
    }
}
