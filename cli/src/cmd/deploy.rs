//! `dcu deploy`: upload every contract's code, instantiate the suite in
//! dependency order and write the deployment manifest (addresses, code
//! hashes, block, metadata bundles) under `deploy/`.
//!
//! Re-running is safe: code already on chain is not uploaded again and an
//! instance recorded in the manifest, still alive on the same chain and with
//! the same code hash, is reused. `--fresh` instantiates everything anew.
//! The manifest is saved after every contract, so an interrupted deploy
//! leaves a manifest that says exactly what exists.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use contract_extrinsics::{ExtrinsicOptsBuilder, InstantiateCommandBuilder, UploadCommandBuilder};
use serde::Serialize;
use subxt::dynamic::Value as DynValue;

use crate::chain::{self, short_reason};
use crate::manifest::{DeployedContract, Manifest};
use crate::opts::GlobalOpts;
use crate::output::{emit, finish, spinner, Report};
use crate::profile::Profile;
use super::token::TOKEN;
use crate::{CliError, Result};

/// `dcu deploy` options.
#[derive(Clone, Debug, Args)]
pub struct DeployOpts {
    /// Folder with the built bundles (<name>/<name>.contract), as written by
    /// deploy/build-contracts.sh. Default: $CARGO_TARGET_DIR/ink, else target/ink.
    #[arg(long, env = "DCU_ARTIFACTS")]
    pub artifacts: Option<PathBuf>,
    /// Instantiate every contract anew even where the manifest has a live one.
    #[arg(long)]
    pub fresh: bool,
    /// Initial stablecoin supply minted to the deployer, in tokens.
    #[arg(long, default_value = "1000000")]
    pub initial_supply: String,
    /// Amount the development faucet pays per request, in tokens.
    #[arg(long, default_value = "10000")]
    pub faucet_amount: String,
    /// Minimum time between two faucet payments to one account, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub faucet_cooldown_secs: u64,
    /// Network profile (TOML): stablecoin, governance parameters, guardian.
    /// Default: deploy/networks/<network>.toml, built in for `local`.
    #[arg(long, env = "DCU_PROFILE")]
    pub profile: Option<PathBuf>,
    /// The credit pool's clock, overriding the profile's `pool_clock`:
    /// `real` (block time) or `fast` (credit_pool_fast, a second of block
    /// time is 10 days; local development networks only).
    #[arg(long, env = "DCU_POOL_CLOCK")]
    pub pool_clock: Option<String>,
    /// Check everything and print what would be uploaded and instantiated,
    /// with code sizes and estimated storage deposits; submit nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The bundle deployed as `name`: the fast-clock build of the loan manager
/// or of the credit pool where the profile asks for it.
fn artifact_name(name: &'static str, fast_loans: bool, fast_pool: bool) -> &'static str {
    match name {
        "loan_manager" if fast_loans => "loan_manager_fast",
        "credit_pool" if fast_pool => "credit_pool_fast",
        other => other,
    }
}

/// A clock in words, for the report.
fn clock_words(fast: bool, fast_words: &str) -> String {
    if fast { format!("fast ({fast_words})") } else { "real (block time)".into() }
}

/// One contract of the suite.
struct ContractSpec {
    name: &'static str,
    constructor: &'static str,
}

/// The suite in dependency order.
const SUITE: &[ContractSpec] = &[
    ContractSpec { name: "stable_token", constructor: "new" },
    ContractSpec { name: "trust_graph", constructor: "with_config" },
    ContractSpec { name: "credit_pool", constructor: "new" },
    ContractSpec { name: "warrant_escrow", constructor: "new" },
    ContractSpec { name: "loan_manager", constructor: "new" },
    ContractSpec { name: "governance", constructor: "new" },
];

/// The contract that holds every admin role once the suite is wired.
const GOVERNANCE: &str = "governance";

/// Who may call whom: each contract's wiring roles. A role is held by the
/// contract of the same name; a role whose contract is not part of the suite
/// yet is held by governance (so the deployer keeps no power).
const WIRING: &[(&str, &[&str])] = &[
    ("trust_graph", &["governance", "credit_pool", "loan_manager"]),
    ("credit_pool", &["governance", "loan_manager", "warrant_escrow"]),
    ("warrant_escrow", &["governance", "loan_manager", "credit_pool"]),
    ("loan_manager", &["governance"]),
    ("governance", &["trust_graph", "credit_pool", "warrant_escrow", "loan_manager"]),
];

/// What happened to one contract.
#[derive(Debug, Serialize)]
pub struct ContractOutcome {
    pub name: String,
    pub address: String,
    pub code_hash: String,
    /// "reused", "instantiated", "external" (named by the network profile)
    pub action: String,
    /// Whether its code was uploaded in this run.
    pub code_uploaded: bool,
    pub wasm_size: usize,
    pub millis: u128,
}

/// What `dcu deploy` did.
#[derive(Debug, Serialize)]
pub struct DeployReport {
    pub network: String,
    /// The network profile used.
    pub profile: String,
    pub url: String,
    pub manifest: String,
    pub block: u64,
    pub contracts: Vec<ContractOutcome>,
    /// Wiring read back from the contracts after deployment.
    pub wiring: Vec<WiringOutcome>,
    /// The loan manager's clock: "real" or "fast (…)".
    pub loan_clock: String,
    /// The credit pool's clock: "real" or "fast (…)".
    pub pool_clock: String,
    /// "finalized" (every contract and wiring reported once its block is
    /// final) or "in-block".
    pub finality: String,
    pub millis: u128,
}

/// The wiring of one contract, as read back from chain.
#[derive(Debug, Serialize)]
pub struct WiringOutcome {
    pub contract: String,
    /// "wired", "already wired"
    pub action: String,
    /// Role → address, as the contract reports it.
    pub roles: Vec<(String, String)>,
    /// Roles held by governance until the contracts that take them exist.
    pub interim_roles: Vec<String>,
}

impl Report for DeployReport {
    fn human(&self) -> String {
        let mut s = format!("Deployed the DCU suite to {} ({}) in {:.1} s, block {}\n", self.network, self.url, self.millis as f64 / 1000.0, self.block);
        s.push_str(&format!("  profile: {}\n", self.profile));
        s.push_str(&format!("  clocks: term loans {}, credit pool {}; transactions reported {}\n", self.loan_clock, self.pool_clock, self.finality));
        for c in &self.contracts {
            s.push_str(&format!(
                "  {:<14} {}  {}{}  ({} bytes of Wasm)\n",
                c.name,
                c.address,
                c.action,
                if c.code_uploaded { ", code uploaded" } else { "" },
                c.wasm_size
            ));
        }
        for w in &self.wiring {
            s.push_str(&format!("  {} {}", w.contract, w.action));
            if !w.interim_roles.is_empty() {
                s.push_str(&format!(" (interim: governance holds the {} role until that contract is deployed)", w.interim_roles.join(", ")));
            }
            s.push('\n');
        }
        s.push_str(&format!("Manifest written to {}", self.manifest));
        s
    }
}

/// Default folder of the built bundles.
pub fn default_artifacts() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("ink"),
        None => PathBuf::from("target/ink"),
    }
}

/// A constructor's arguments; contracts that take the addresses of others
/// read them from the manifest, which holds every earlier contract by then.
fn constructor_args(spec: &ContractSpec, opts: &DeployOpts, profile: &Profile, manifest: &Manifest) -> Result<Vec<String>> {
    let addr = |name: &str| {
        manifest.contracts.get(name).map(|c| c.address.clone()).ok_or_else(|| CliError::NotDeployed(name.to_string()))
    };
    match spec.name {
        "stable_token" => {
            let decimals = profile.dev_token_decimals()?;
            let supply = chain::parse_amount_in(&opts.initial_supply, decimals)?;
            let faucet = chain::parse_amount_in(&opts.faucet_amount, decimals)?;
            let cooldown_ms = opts
                .faucet_cooldown_secs
                .checked_mul(1000)
                .ok_or_else(|| CliError::Other("the faucet cooldown is too long".into()))?;
            Ok(vec![
                supply.to_string(),
                "Some(\"DCU Dollar\")".into(),
                "Some(\"DUSD\")".into(),
                profile.dev_token_decimals()?.to_string(),
                faucet.to_string(),
                cooldown_ms.to_string(),
            ])
        }
        "trust_graph" => profile.trust_args(manifest.decimals),
        "credit_pool" => Ok(vec![addr("stable_token")?, addr("trust_graph")?]),
        "warrant_escrow" => Ok(vec![addr("stable_token")?]),
        "loan_manager" => Ok(vec![addr("stable_token")?, addr("trust_graph")?, addr("credit_pool")?, addr("warrant_escrow")?]),
        "governance" => Ok(profile.governance.values()?.constructor_args(profile.development)),
        other => Err(CliError::Other(format!("no constructor arguments known for {other}"))),
    }
}

/// A lost connection to the node as such (the deployment stops part way; the
/// manifest holds what was done), any other failure as `other`.
fn lost_or(doing: &str, text: &str, other: impl FnOnce(String) -> CliError) -> CliError {
    if crate::contract::looks_disconnected(text) {
        CliError::ConnectionLost { doing: doing.to_string(), reason: short_reason(text) }
    } else {
        other(short_reason(text))
    }
}

/// Code hash and Wasm size of a bundle.
fn bundle_info(bundle: &Path) -> Result<(String, usize)> {
    let meta = contract_metadata::ContractMetadata::load(bundle)
        .map_err(|e| CliError::BadManifest { path: bundle.to_path_buf(), reason: short_reason(&e.to_string()) })?;
    let size = meta.source.wasm.as_ref().map(|w| w.0.len()).unwrap_or(0);
    Ok((format!("0x{}", hex::encode(meta.source.hash.0)), size))
}

async fn code_on_chain(conn: &chain::Conn, code_hash: &str) -> Result<bool> {
    let bytes = hex::decode(code_hash.trim_start_matches("0x")).map_err(|e| CliError::Other(e.to_string()))?;
    let code = conn.fetch("Contracts", "PristineCode", vec![DynValue::from_bytes(bytes)], "reading the chain's code storage").await?;
    Ok(code.is_some())
}

/// Uploads a bundle's code unless the chain has it; whether it uploaded.
async fn upload_code(g: &GlobalOpts, signer: &subxt_signer::sr25519::Keypair, conn: &chain::Conn, bundle: &Path, code_hash: &str, name: &str, wasm_size: usize) -> Result<bool> {
    if code_on_chain(conn, code_hash).await? {
        return Ok(false);
    }
    let url = chain::check_url(&g.url)?;
    let pb = spinner(g, format!("uploading {name} ({wasm_size} bytes)"));
    let ex = UploadCommandBuilder::<chain::Config, chain::Env, subxt_signer::sr25519::Keypair>::new(ExtrinsicOptsBuilder::new(signer.clone()).file(Some(bundle.to_path_buf())).url(url).done())
        .done()
        .await
        .map_err(|e| lost_or(&format!("preparing the upload of {name}"), &e.to_string(), |r| CliError::Other(format!("preparing the upload of {name}: {r}"))))?;
    let res = ex.upload_code().await;
    pb.finish_and_clear();
    res.map_err(|e| lost_or(&format!("uploading {name}"), &e.to_string(), |r| CliError::ChainRefused { message: format!("upload {name}"), reason: r }))?;
    Ok(true)
}

/// Uploads the code of a `.contract` bundle unless the chain has it, and
/// returns its code hash (for `dcu gov propose upgrade`).
pub async fn upload_bundle(g: &GlobalOpts, signer: &subxt_signer::sr25519::Keypair, conn: &chain::Conn, bundle: &Path) -> Result<String> {
    if bundle.extension().and_then(|e| e.to_str()) != Some("contract") || !bundle.exists() {
        return Err(CliError::Other(format!("{} is neither a 0x code hash nor an existing .contract bundle", bundle.display())));
    }
    let (code_hash, size) = bundle_info(bundle)?;
    let name = bundle.file_stem().and_then(|s| s.to_str()).unwrap_or("contract").to_string();
    upload_code(g, signer, conn, bundle, &code_hash, &name, size).await?;
    Ok(code_hash)
}

async fn contract_alive(conn: &chain::Conn, address: &str) -> Result<bool> {
    Ok(running_code(conn, address).await?.is_some())
}

/// The 0x code hash the contract at `address` runs on chain
/// (`Contracts::ContractInfoOf`), `None` when no contract lives there.
pub async fn running_code(conn: &chain::Conn, address: &str) -> Result<Option<String>> {
    use subxt::ext::scale_value::At;
    let Ok(acc) = address.parse::<subxt::utils::AccountId32>() else { return Ok(None) };
    let Some(info) = conn.fetch("Contracts", "ContractInfoOf", vec![DynValue::from_bytes(acc.0)], "reading the chain's contract storage").await? else {
        return Ok(None);
    };
    let value = info.to_value().map_err(|e| CliError::Other(format!("cannot decode the contract info of {address}: {e}")))?;
    let bytes = value.at("code_hash").map(crate::storage::value_bytes).unwrap_or_default();
    if bytes.len() != 32 {
        return Err(CliError::Other(format!("the code hash of {address} on chain could not be read ({} bytes)", bytes.len())));
    }
    Ok(Some(format!("0x{}", hex::encode(bytes))))
}

/// Runs `dcu deploy`.
pub async fn run(g: &GlobalOpts, opts: &DeployOpts, out: &mut impl Write) -> Result<()> {
    let t0 = Instant::now();
    let artifacts = opts.artifacts.clone().unwrap_or_else(default_artifacts);
    let (profile, profile_origin) = Profile::load(&g.network, opts.profile.as_deref())?;
    // Check every input before the first transaction (arguments that are
    // addresses of other contracts are known only as the suite deploys).
    let stand_in = Manifest { decimals: profile.dev_token_decimals()?, ..Manifest::default() };
    for spec in SUITE {
        match constructor_args(spec, opts, &profile, &stand_in) {
            Ok(_) | Err(CliError::NotDeployed(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let fast_loans = profile.fast_loans()?;
    let fast_pool = match &opts.pool_clock {
        Some(c) => crate::profile::fast_clock("--pool-clock", Some(c))?,
        None => profile.fast_pool()?,
    };
    // Never a fast clock outside development, whatever the flag or an
    // exported DCU_POOL_CLOCK says (the profile's own keys are checked when
    // it is parsed).
    if fast_pool && !profile.development {
        return Err(CliError::Other(format!(
            "{profile_origin} is not a development profile: the pool's fast clock (--pool-clock fast or DCU_POOL_CLOCK=fast) is for local chains only"
        )));
    }
    let mut plan = Vec::new();
    for spec in SUITE {
        // The fast-clock builds, where the profile asks for them.
        let src = artifact_name(spec.name, fast_loans, fast_pool);
        let bundle = artifacts.join(src).join(format!("{src}.contract"));
        if !bundle.exists() {
            return Err(CliError::MissingArtifact(bundle));
        }
        plan.push((spec, bundle));
    }
    let conn = chain::connect(&g.url).await?;
    if conn.client.metadata().pallet_by_name("Contracts").is_none() {
        return Err(CliError::Other(format!(
            "{} has no pallet-contracts: DCU is ink! 5 Wasm code and needs a chain that still runs it (a pallet-revive chain takes ink! 6 / PolkaVM code); nothing was uploaded",
            g.url
        )));
    }
    // A chain that is not a development chain refuses every development
    // choice before anything is uploaded, each named as the profile says it.
    let chain_type = conn.chain_type().await?;
    if !g.development_chain(&chain_type) {
        let mut refused = profile.development_only_settings();
        if fast_pool && opts.pool_clock.is_some() {
            refused.push("--pool-clock fast (or DCU_POOL_CLOCK=fast)".into());
        }
        if !refused.is_empty() {
            return Err(CliError::Other(format!(
                "{} is {}, and {profile_origin} is not for one: change {}; nothing was uploaded",
                g.url,
                g.chain_words(&chain_type),
                refused.join("; ")
            )));
        }
    }
    let signer = chain::signer_from_suri(&g.secret_uri(&chain_type)?)?;
    let wait_finalized = profile.wait_finalized()?;
    // Every constructor is dry-run with the profile's arguments before any
    // code is uploaded: a value a contract refuses stops the deployment
    // while nothing exists yet. `--dry-run` stops here with the plan.
    let report = dry_run(g, opts, &profile, &conn, &signer, &plan, &chain_type).await?;
    if opts.dry_run {
        return emit(g, out, &DryRunReport { profile: profile_origin, finality: if wait_finalized { "finalized".into() } else { "in-block".into() }, ..report });
    }
    let genesis = format!("{:?}", conn.client.genesis_hash());
    let manifest_path = g.manifest_path();
    let mut manifest = match Manifest::load(&manifest_path) {
        Ok(m) if m.genesis_hash == genesis && !opts.fresh => m,
        // A production deployment's manifest is the only record of where
        // its contracts live: never replaced silently by another chain's.
        Ok(m) if m.wait_finalized && m.genesis_hash != genesis && !opts.fresh => {
            return Err(CliError::Other(format!(
                "{} records a deployment on another chain (genesis {}, at {}), not {} (genesis {genesis}): pass --fresh to replace it, or use another --network/--manifest",
                manifest_path.display(),
                m.genesis_hash,
                m.url,
                g.url
            )))
        }
        Ok(_) | Err(CliError::NoManifest(_)) => Manifest::default(),
        Err(e) => return Err(e),
    };
    manifest.network = g.network.clone();
    manifest.url = g.url.clone();
    manifest.genesis_hash = genesis;
    manifest.deployer = signer.public_key().to_account_id().to_string();
    manifest.wait_finalized = wait_finalized;
    // The development token's decimals, or the profile's stablecoin's (read
    // from it below, before anything is uploaded).
    manifest.decimals = profile.dev_token_decimals()?;
    chain::set_decimals(manifest.decimals);
    let url = chain::check_url(&g.url)?;
    let publish_dir = manifest_path.parent().unwrap_or(Path::new(".")).join("artifacts").join(&g.network);
    std::fs::create_dir_all(&publish_dir)?;

    let mut outcomes = Vec::new();
    let at = Placing { g, conn: &conn, signer: &signer, manifest_path: &manifest_path, publish_dir: &publish_dir, url: &url, wait_finalized };
    for (spec, bundle) in plan {
        let started = Instant::now();
        // A stablecoin named by the profile is used, not deployed; our
        // bundle's PSP22 metadata drives it.
        if let (TOKEN, Some(address)) = (spec.name, profile.stablecoin.as_ref()) {
            let (published, json_dst) = at.publish(spec.name, &bundle)?;
            let address = chain::parse_account(address)?.to_string();
            if !contract_alive(&conn, &address).await? {
                return Err(CliError::Other(format!("the profile's stablecoin {address} is not a contract on {}", g.url)));
            }
            manifest.contracts.insert(
                spec.name.into(),
                DeployedContract { address: address.clone(), code_hash: String::new(), block: 0, constructor: String::new(), args: Vec::new(), bundle: at.rel(&published), metadata: at.rel(&json_dst), wasm_size: 0 },
            );
            manifest.decimals = check_stablecoin(g, &signer, &address, &published).await?;
            chain::set_decimals(manifest.decimals);
            outcomes.push(ContractOutcome { name: spec.name.into(), address, code_hash: String::new(), action: "external".into(), code_uploaded: false, wasm_size: 0, millis: started.elapsed().as_millis() });
            continue;
        }
        let args = constructor_args(spec, opts, &profile, &manifest)?;
        outcomes.push(at.place(&mut manifest, spec.name, spec.constructor, &bundle, args).await?);
    }
    let wiring = wire_suite(g, &signer, &manifest, &manifest_path, wait_finalized.then_some(&conn)).await?;
    if !wait_finalized {
        manifest.block = conn.best_block().await?.1;
    }
    manifest.save(&manifest_path)?;
    emit(
        g,
        out,
        &DeployReport {
            network: g.network.clone(),
            profile: profile_origin,
            url: g.url.clone(),
            manifest: manifest_path.display().to_string(),
            block: manifest.block,
            contracts: outcomes,
            wiring,
            loan_clock: clock_words(fast_loans, "loan_manager_fast, a second is a day"),
            pool_clock: clock_words(fast_pool, "credit_pool_fast, a second is 10 days"),
            finality: if wait_finalized { "finalized".into() } else { "in-block".into() },
            millis: t0.elapsed().as_millis(),
        },
    )
}

/// Where and how contracts are placed on the chain: the connection, the
/// deployer, the manifest's file and the folder its bundles are published in.
pub struct Placing<'a> {
    pub g: &'a GlobalOpts,
    pub conn: &'a chain::Conn,
    pub signer: &'a subxt_signer::sr25519::Keypair,
    pub manifest_path: &'a Path,
    /// `artifacts/<network>` beside the manifest.
    pub publish_dir: &'a Path,
    pub url: &'a url::Url,
    pub wait_finalized: bool,
}

impl Placing<'_> {
    /// A path relative to the manifest's folder.
    fn rel(&self, p: &Path) -> PathBuf {
        p.strip_prefix(self.manifest_path.parent().unwrap_or(Path::new("."))).unwrap_or(p).to_path_buf()
    }

    /// Publishes `bundle` and its metadata beside the manifest as `name`;
    /// the published `.contract` and `.json`.
    fn publish(&self, name: &str, bundle: &Path) -> Result<(PathBuf, PathBuf)> {
        let published = self.publish_dir.join(format!("{name}.contract"));
        std::fs::copy(bundle, &published)?;
        let json_src = bundle.with_extension("json");
        let json_dst = self.publish_dir.join(format!("{name}.json"));
        if json_src.exists() {
            std::fs::copy(&json_src, &json_dst)?;
        }
        Ok((published, json_dst))
    }

    /// Places contract `name` from `bundle` with `constructor(args)`: the
    /// manifest's instance when it is alive with the same code and
    /// arguments, else the code is uploaded (unless on chain) and
    /// instantiated, and the manifest saved naming it.
    pub async fn place(&self, manifest: &mut Manifest, name: &str, constructor: &str, bundle: &Path, args: Vec<String>) -> Result<ContractOutcome> {
        let started = Instant::now();
        let (code_hash, wasm_size) = bundle_info(bundle)?;
        let (published, json_dst) = self.publish(name, bundle)?;
        if let Some(existing) = manifest.contracts.get(name) {
            // Reused only with the same code and the same dependencies.
            // The code the chain runs there, not only what the manifest
            // recorded: a manifest naming another contract is not trusted.
            if existing.code_hash == code_hash && existing.args == args && running_code(self.conn, &existing.address).await?.is_some_and(|c| c.eq_ignore_ascii_case(&code_hash)) {
                return Ok(ContractOutcome {
                    name: name.into(),
                    address: existing.address.clone(),
                    code_hash,
                    action: "reused".into(),
                    code_uploaded: false,
                    wasm_size,
                    millis: started.elapsed().as_millis(),
                });
            }
        }
        let code_uploaded = upload_code(self.g, self.signer, self.conn, &published, &code_hash, name, wasm_size).await?;
        let pb = spinner(self.g, format!("instantiating {name}"));
        // With the .json metadata (no code inside) contract-extrinsics
        // instantiates from the code hash already on chain.
        let meta_file = if json_dst.exists() { json_dst.clone() } else { published.clone() };
        let (ex, _) = match prepare_instantiation(self.signer, &meta_file, self.url, name, constructor, args.clone()).await {
            Ok(x) => x,
            Err(e) => {
                pb.finish_and_clear();
                return Err(e);
            }
        };
        let before = self.conn.best_block().await?.1;
        let res = ex.instantiate(None).await;
        let res = res.map_err(|e| {
            pb.finish_and_clear();
            lost_or(&format!("instantiating {name}"), &e.to_string(), |r| CliError::ChainRefused { message: format!("instantiate {name}"), reason: r })
        })?;
        // On a production profile the manifest names a contract only once
        // its block is final.
        let block = if self.wait_finalized {
            pb.set_message(format!("{name} instantiated; waiting for finality"));
            self.conn.wait_finalized(&format!("{:?}", res.events.extrinsic_hash()), before).await?
        } else {
            self.conn.best_block().await?.1
        };
        let address = res.contract_address.to_string();
        manifest.contracts.insert(
            name.into(),
            DeployedContract {
                address: address.clone(),
                code_hash: code_hash.clone(),
                block,
                constructor: constructor.into(),
                args,
                bundle: self.rel(&published),
                metadata: self.rel(&json_dst),
                wasm_size,
            },
        );
        manifest.block = block;
        manifest.save(self.manifest_path)?;
        // Said only once the manifest names it: a reader of this line (a
        // person, a script) can rely on the manifest holding the contract.
        finish(self.g, &pb, format!("{name} instantiated"));
        Ok(ContractOutcome { name: name.into(), address, code_hash, action: "instantiated".into(), code_uploaded, wasm_size, millis: started.elapsed().as_millis() })
    }
}

/// The stablecoin's decimals (`PSP22Metadata::token_decimals`): every
/// amount of the suite (MAX_CREDIT, MIN_LINE, BASE, the anchoring stake) is
/// whole tokens of its unit, fixed at instantiation. Refuses a token that
/// does not tell them or has more than `MAX_DECIMALS`. `bundle` is a PSP22
/// bundle whose metadata drives the query.
async fn check_stablecoin(g: &GlobalOpts, signer: &subxt_signer::sr25519::Keypair, address: &str, bundle: &Path) -> Result<u8> {
    let abs = std::fs::canonicalize(bundle).unwrap_or_else(|_| bundle.to_path_buf());
    let mut m = Manifest::default();
    m.contracts.insert(
        TOKEN.into(),
        DeployedContract { address: address.to_string(), code_hash: String::new(), block: 0, constructor: String::new(), args: Vec::new(), bundle: abs.clone(), metadata: abs.with_extension("json"), wasm_size: 0 },
    );
    let t = crate::contract::ContractHandle::from_manifest(&m, Path::new("stablecoin.json"), TOKEN)?;
    let decimals = t.query(&g.url, signer, "PSP22Metadata::token_decimals", &[]).await.ok().and_then(|q| crate::value::uint(&q.value));
    match decimals.and_then(|d| u8::try_from(d).ok()) {
        Some(d) if d <= dcu_common::MAX_DECIMALS => Ok(d),
        Some(d) => Err(CliError::Other(format!(
            "the profile's stablecoin {address} has {d} decimals, more than the {} DCU supports; nothing was uploaded",
            dcu_common::MAX_DECIMALS
        ))),
        None => Err(CliError::Other(format!(
            "the profile's stablecoin {address} does not tell its decimals (PSP22Metadata::token_decimals), and every amount of DCU is whole tokens of its unit; nothing was uploaded"
        ))),
    }
}

/// A prepared instantiation of `spec` with `args` from `meta_file` (a
/// `.json` instantiates code already on chain; a `.contract` brings its code)
/// and its dry run; a constructor that refuses (a value out of its range) is
/// an error naming the contract and its refusal.
async fn prepare_instantiation(
    signer: &subxt_signer::sr25519::Keypair,
    meta_file: &Path,
    url: &url::Url,
    name: &str,
    constructor: &str,
    args: Vec<String>,
) -> Result<(contract_extrinsics::InstantiateExec<chain::Config, chain::Env, subxt_signer::sr25519::Keypair>, contract_extrinsics::pallet_contracts_primitives::ContractInstantiateResult<subxt::utils::AccountId32, u128>)> {
    let ex = InstantiateCommandBuilder::<chain::Config, chain::Env, subxt_signer::sr25519::Keypair>::new(ExtrinsicOptsBuilder::new(signer.clone()).file(Some(meta_file.to_path_buf())).url(url.clone()).done())
        .constructor(constructor)
        .args(args)
        .salt(Some(sp_core::Bytes(rand_salt().to_le_bytes().to_vec())))
        .done()
        .await
        .map_err(|e| lost_or(&format!("preparing {}", name), &e.to_string(), |r| CliError::Other(format!("preparing {}: {r}", name))))?;
    let dry = ex.instantiate_dry_run().await.map_err(|e| CliError::Other(format!("dry-running {}: {}", name, short_reason(&e.to_string()))))?;
    let decoded = ex
        .decode_instantiate_dry_run(&dry)
        .await
        .map_err(|e| lost_or(&format!("dry-running {}", name), &e.to_string(), |r| CliError::ChainRefused { message: format!("instantiate {}", name), reason: r }))?;
    if decoded.reverted {
        return Err(CliError::ContractRefused {
            contract: name.into(),
            message: constructor.into(),
            variant: decoded.result.to_string(),
            description: "the profile asks for a value the contract refuses".into(),
        });
    }
    Ok((ex, dry))
}

/// What `dcu deploy --dry-run` found: the plan, nothing submitted.
#[derive(Debug, Default, Serialize)]
pub struct DryRunReport {
    pub network: String,
    pub url: String,
    /// The chain's `system_chainType`.
    pub chain_type: String,
    pub profile: String,
    pub deployer: String,
    /// "finalized" or "in-block".
    pub finality: String,
    pub contracts: Vec<PlannedContract>,
    /// The sum of the estimated storage deposits, in the chain's native units.
    pub total_deposit: u128,
    /// The deployer's free native balance.
    pub deployer_free: Option<u128>,
}

/// One contract in a dry run.
#[derive(Debug, Serialize)]
pub struct PlannedContract {
    pub name: String,
    /// The bundle it would deploy (the fast-clock build where asked).
    pub artifact: String,
    pub code_hash: String,
    pub wasm_size: usize,
    /// "upload and instantiate", "instantiate (code on chain)", "external"
    pub action: String,
    /// Estimated storage deposit of the upload and the instance.
    pub deposit: u128,
}

impl Report for DryRunReport {
    fn human(&self) -> String {
        let mut s = format!("Dry run: nothing was submitted. {} ({}, a {} chain), profile {}, deployer {}\n", self.network, self.url, self.chain_type, self.profile, self.deployer);
        for c in &self.contracts {
            s.push_str(&format!("  {:<14} {:<26} {:>7} B of Wasm  deposit ≈ {}  ({})\n", c.name, c.action, c.wasm_size, c.deposit, c.artifact));
        }
        s.push_str(&format!("  then wire 5 contracts ({} calls); transactions reported {}\n", WIRING.len(), self.finality));
        s.push_str(&format!("Estimated storage deposits: {} native units", self.total_deposit));
        if let Some(free) = self.deployer_free {
            s.push_str(&format!(" (the deployer has {free} free{})", if free < self.total_deposit { ": not enough" } else { "" }));
        }
        s
    }
}

/// Estimates every contract's upload and instantiation by dry runs (the
/// bundle's code with it, so the deposit includes the code's), with the
/// deployer's address standing in for contracts not deployed yet.
async fn dry_run(
    g: &GlobalOpts,
    opts: &DeployOpts,
    profile: &Profile,
    conn: &chain::Conn,
    signer: &subxt_signer::sr25519::Keypair,
    plan: &[(&ContractSpec, PathBuf)],
    chain_type: &chain::ChainType,
) -> Result<DryRunReport> {
    let me = signer.public_key().to_account_id().to_string();
    let mut stand_in = Manifest { decimals: profile.dev_token_decimals()?, ..Manifest::default() };
    for spec in SUITE {
        stand_in.contracts.insert(
            spec.name.into(),
            DeployedContract { address: me.clone(), code_hash: String::new(), block: 0, constructor: String::new(), args: Vec::new(), bundle: PathBuf::new(), metadata: PathBuf::new(), wasm_size: 0 },
        );
    }
    let url = chain::check_url(&g.url)?;
    let mut contracts = Vec::new();
    for (spec, bundle) in plan {
        let (code_hash, wasm_size) = bundle_info(bundle)?;
        let artifact = bundle.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
        if let (TOKEN, Some(address)) = (spec.name, profile.stablecoin.as_ref()) {
            let address = chain::parse_account(address)?.to_string();
            if !contract_alive(conn, &address).await? {
                return Err(CliError::Other(format!("the profile's stablecoin {address} is not a contract on {}", g.url)));
            }
            stand_in.decimals = check_stablecoin(g, signer, &address, bundle).await?;
            contracts.push(PlannedContract { name: spec.name.into(), artifact: address, code_hash: String::new(), wasm_size: 0, action: "external".into(), deposit: 0 });
            continue;
        }
        let on_chain = code_on_chain(conn, &code_hash).await?;
        let args = constructor_args(spec, opts, profile, &stand_in)?;
        // The bundle carries the code: the estimate includes its deposit.
        let (_, dry) = prepare_instantiation(signer, bundle, &url, spec.name, spec.constructor, args).await.map_err(|e| match e {
            CliError::ContractRefused { contract, message, variant, description } => {
                CliError::ContractRefused { contract, message, variant, description: format!("{description}; nothing was uploaded") }
            }
            other => other,
        })?;
        let deposit = u128::try_from(deposit_charge(&dry.storage_deposit)).unwrap_or(0);
        contracts.push(PlannedContract {
            name: spec.name.into(),
            artifact,
            code_hash,
            wasm_size,
            action: if on_chain { "instantiate (code on chain)".into() } else { "upload and instantiate".into() },
            deposit,
        });
    }
    let total_deposit = contracts.iter().map(|c| c.deposit).fold(0u128, u128::saturating_add);
    let deployer_free = {
        use subxt::ext::scale_value::At;
        let who = signer.public_key().to_account_id();
        match conn.fetch("System", "Account", vec![DynValue::from_bytes(who.0)], "reading the deployer's balance").await? {
            None => Some(0),
            Some(v) => v.to_value().ok().and_then(|v| v.at("data").and_then(|d| d.at("free")).and_then(|f| f.as_u128())),
        }
    };
    Ok(DryRunReport {
        network: g.network.clone(),
        url: g.url.clone(),
        chain_type: chain_type.to_string(),
        deployer: me,
        contracts,
        total_deposit,
        deployer_free,
        ..DryRunReport::default()
    })
}

fn deposit_charge<B: Into<u128> + Copy>(d: &contract_extrinsics::pallet_contracts_primitives::StorageDeposit<B>) -> i128 {
    use contract_extrinsics::pallet_contracts_primitives::StorageDeposit;
    match d {
        StorageDeposit::Charge(c) => i128::try_from((*c).into()).unwrap_or(i128::MAX),
        StorageDeposit::Refund(r) => i128::try_from((*r).into()).map(|v| -v).unwrap_or(i128::MIN),
    }
}

/// A salt that differs between runs, so `--fresh` never collides with an
/// earlier instance of the same code and arguments.
fn rand_salt() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    (nanos as u64) ^ (std::process::id() as u64).rotate_left(32)
}

/// Wires each contract to the others once, then reads the wiring back and
/// checks it. Roles whose contracts are not part of the suite yet are held by
/// governance in the meantime, and the report says so; the deployer keeps
/// no role. A reused contract
/// wired to other addresses (an older deployment) is an error: wiring is
/// once-only, so the suite must be redeployed with `--fresh`.
async fn wire_suite(g: &GlobalOpts, signer: &subxt_signer::sr25519::Keypair, manifest: &Manifest, manifest_path: &Path, finality: Option<&chain::Conn>) -> Result<Vec<WiringOutcome>> {
    use crate::contract::ContractHandle;
    use crate::value;
    let addr_of = |name: &str| manifest.contracts.get(name).map(|c| c.address.clone());
    let governance = addr_of(GOVERNANCE).ok_or_else(|| CliError::NotDeployed(GOVERNANCE.into()))?;
    let mut out = Vec::new();
    for (contract, roles) in WIRING {
        let t = ContractHandle::from_manifest(manifest, manifest_path, contract)?;
        let wanted: Vec<(String, String)> = roles.iter().map(|r| (r.to_string(), addr_of(r).unwrap_or_else(|| governance.clone()))).collect();
        let current = t.query(&g.url, signer, "wiring", &[]).await?.value;
        let mut action = "already wired".to_string();
        if value::some(&current).is_none() {
            let arg = format!("Wiring {{ {} }}", wanted.iter().map(|(r, a)| format!("{r}: {a}")).collect::<Vec<_>>().join(", "));
            let pb = spinner(g, format!("wiring {contract}"));
            let before = match finality {
                Some(conn) => conn.best_block().await?.1,
                None => 0,
            };
            let res = t.execute(&g.url, signer, "wire", &[arg], &[]).await;
            if let (Ok(tx), Some(conn)) = (&res, finality) {
                pb.set_message(format!("{contract} wired; waiting for finality"));
                conn.wait_finalized(&tx.extrinsic_hash, before).await?;
            }
            pb.finish_and_clear();
            res?;
            action = "wired".into();
        }
        // Read back and verify.
        let now = t.query(&g.url, signer, "wiring", &[]).await?.value;
        let w = value::some(&now).ok_or_else(|| CliError::Other(format!("{contract} reports no wiring after `wire`")))?;
        let read: Vec<(String, String)> =
            roles.iter().map(|r| (r.to_string(), value::field(w, r).and_then(value::text).unwrap_or_default())).collect();
        if read != wanted {
            return Err(CliError::Other(format!(
                "{contract} is wired as {read:?}, not {wanted:?}; wiring is set once, so redeploy the suite with `dcu deploy --fresh`"
            )));
        }
        let interim_roles = read.iter().filter(|(r, a)| *a == governance && r != GOVERNANCE).map(|(r, _)| r.clone()).collect();
        out.push(WiringOutcome { contract: contract.to_string(), action, roles: read, interim_roles });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Deploy {
        #[command(flatten)]
        opts: DeployOpts,
    }

    #[test]
    fn the_fast_builds_replace_the_loan_manager_and_the_pool_only_where_asked() {
        let names = |loans, pool| SUITE.iter().map(|c| artifact_name(c.name, loans, pool)).collect::<Vec<_>>();
        assert_eq!(names(false, false), ["stable_token", "trust_graph", "credit_pool", "warrant_escrow", "loan_manager", "governance"]);
        assert_eq!(names(true, true), ["stable_token", "trust_graph", "credit_pool_fast", "warrant_escrow", "loan_manager_fast", "governance"]);
        assert_eq!(names(false, true)[2], "credit_pool_fast");
        assert_eq!(names(false, true)[4], "loan_manager");
        assert_eq!(names(true, false)[2], "credit_pool");
    }

    #[test]
    fn pool_clock_overrides_the_profile() {
        std::env::remove_var("DCU_POOL_CLOCK");
        let o = Deploy::try_parse_from(["deploy"]).unwrap().opts;
        assert!(o.pool_clock.is_none(), "the profile decides by default");
        let o = Deploy::try_parse_from(["deploy", "--pool-clock", "real", "--fresh"]).unwrap().opts;
        assert_eq!(o.pool_clock.as_deref(), Some("real"));
        assert!(o.fresh);
    }
}
