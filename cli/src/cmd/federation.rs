//! `dcu federation`: a federation of community banks (issue 20, seeds
//! 000/001) — deploy several community suites sharing one stablecoin and the
//! federation that supports the ones below a target health; the
//! federation's banks, treasury and distribution.
//!
//! A **plan** (`deploy/federation/<network>.toml`) names the communities, the
//! account that governs the federation (admits banks, sets the budget) and
//! the federation's parameters. `dcu federation deploy` deploys each
//! community's suite exactly as `dcu deploy` does, into its own manifest
//! `deploy/<network>-<community>.json` (the first community's stablecoin is
//! every other's), then the federation (recorded in every community's
//! manifest as `federation`), wires it, registers every community's bank
//! and sets the plan's parameters. Re-running reuses what is alive.
//!
//! Each community then appoints its attester through its own governance
//! (`dcu gov propose attester`) — the federation takes attestations only
//! from the account a bank's governance appointed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use dcu_common::health::{EpochStats, Metrics};
use serde::{Deserialize, Serialize};
use subxt::ext::codec::Decode;
use subxt::utils::AccountId32;

use super::deploy::{self, DeployOpts, Placing};
use super::pool::{ensure_allowance, POOL};
use super::token::TOKEN;
use super::{Session, TxReport};
use crate::chain::{self, format_amount, parse_account, parse_amount};
use crate::contract::ContractHandle;
use crate::manifest::Manifest;
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::value::{self as val, uint_field};
use crate::{CliError, Result};

/// The federation's name in a manifest.
pub const FEDERATION: &str = "federation";

// ---------------------------------------------------------------------------
// Typed reads of the federation (SCALE-decoded, never by field name)
// ---------------------------------------------------------------------------

/// A registered bank.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BankInfo {
    pub id: u32,
    pub name: String,
    pub bioregion: String,
    /// Its credit pool.
    pub pool: String,
    #[serde(skip)]
    pub pool_id: AccountId32,
    /// Its governance (appoints its attester).
    #[serde(skip)]
    pub governance: AccountId32,
}

/// Decodes `bytes` as exactly one `T` (trailing bytes are a disagreement too).
pub(crate) fn decode_exact<T: Decode>(bytes: &[u8], contract: &str, what: &str) -> Result<T> {
    let mut input = bytes;
    match T::decode(&mut input) {
        Ok(v) if input.is_empty() => Ok(v),
        _ => Err(CliError::Other(format!(
            "the {contract}'s `{what}` answer does not decode as dcu's types: the deployed code and this dcu disagree"
        ))),
    }
}

/// Typed reads of the federation and its banks' pools.
pub struct Fed<'a> {
    pub(crate) s: &'a Session,
    me: AccountId32,
    pub handle: ContractHandle,
    pool_bundle: PathBuf,
}

/// What `health(bank, epoch)` answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A health report, decoded into the shared types.
    Report { metrics: Metrics, health: u8, velocity_ppm: u128, stats: EpochStats },
    /// The epoch is not closed in the bank's pool.
    Open,
    /// The bank has not attested the epoch.
    NotAttested,
    /// Its figures give no health (saturated counters, a bad metric): the contract's words.
    NoHealth(String),
}

/// The name of a rendered error variant (`EpochNotClosed { .. }` → `EpochNotClosed`).
pub(crate) fn variant_name(rendered: &str) -> &str {
    rendered.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("")
}

impl<'a> Fed<'a> {
    /// The deployment's federation (and the pool metadata its banks' pools are read with).
    pub fn open(s: &'a Session) -> Result<Fed<'a>> {
        let handle = federation(s)?;
        let pool_bundle = s.contract(POOL)?.bundle;
        Ok(Fed { s, me: s.me(), handle, pool_bundle })
    }

    async fn raw(&self, message: &str, args: &[String]) -> Result<Vec<u8>> {
        self.handle.read_raw_ok(&self.s.conn, &self.me, message, args).await
    }

    /// Every registered bank, in registration order.
    pub async fn banks(&self) -> Result<Vec<BankInfo>> {
        let ids: Vec<u32> = decode_exact(&self.raw("banks", &[]).await?, FEDERATION, "banks")?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.bank(id).await?);
        }
        Ok(out)
    }

    /// Bank `id`.
    pub async fn bank(&self, id: u32) -> Result<BankInfo> {
        let bytes = self.raw("bank", &[id.to_string()]).await?;
        let (name, bioregion, pool, governance, _graph): (String, String, [u8; 32], [u8; 32], [u8; 32]) = decode_exact(&bytes, FEDERATION, "bank")?;
        let pool_id = AccountId32(pool);
        Ok(BankInfo { id, name, bioregion, pool: pool_id.to_string(), pool_id, governance: AccountId32(governance) })
    }

    /// `params()`: (budget, target health).
    pub async fn params(&self) -> Result<(u128, u8)> {
        decode_exact(&self.raw("params", &[]).await?, FEDERATION, "params")
    }

    /// The treasury, smallest units.
    pub async fn treasury(&self) -> Result<u128> {
        decode_exact(&self.raw("treasury", &[]).await?, FEDERATION, "treasury")
    }

    /// The federation's governance, once wired.
    pub async fn governance(&self) -> Result<Option<AccountId32>> {
        let w: Option<[u8; 32]> = decode_exact(&self.raw("wiring", &[]).await?, FEDERATION, "wiring")?;
        Ok(w.map(AccountId32))
    }

    /// The banks' epoch length and the first distributable epoch, once a
    /// bank is registered (`epoch_clock`).
    pub async fn epoch_clock(&self) -> Result<Option<(u64, u64)>> {
        decode_exact(&self.raw("epoch_clock", &[]).await?, FEDERATION, "epoch_clock")
    }

    /// Bank `bank`'s appointed attester.
    pub async fn attester(&self, bank: u32) -> Result<Option<AccountId32>> {
        let a: Option<[u8; 32]> = decode_exact(&self.raw("attester", &[bank.to_string()]).await?, FEDERATION, "attester")?;
        Ok(a.map(AccountId32))
    }

    /// The bank's first counted epoch.
    pub async fn registered_epoch(&self, bank: u32) -> Result<Option<u64>> {
        decode_exact(&self.raw("registered_epoch", &[bank.to_string()]).await?, FEDERATION, "registered_epoch")
    }

    /// `health(bank, epoch)`; an epoch not closed, not attested or without a
    /// health is an answer, not an error.
    pub async fn health(&self, bank: u32, epoch: u64) -> Result<Answer> {
        match self.raw("health", &[bank.to_string(), epoch.to_string()]).await {
            Ok(bytes) => {
                let (metrics, health, velocity_ppm, stats): (Metrics, u8, u128, EpochStats) = decode_exact(&bytes, FEDERATION, "health")?;
                Ok(Answer::Report { metrics, health, velocity_ppm, stats })
            }
            Err(CliError::ContractRefused { variant, description, .. }) => match variant_name(&variant) {
                "EpochNotClosed" => Ok(Answer::Open),
                "NotAttested" => Ok(Answer::NotAttested),
                "Health" => Ok(Answer::NoHealth(format!("{variant}{}", if description.is_empty() { String::new() } else { format!(" — {description}") }))),
                _ => Err(CliError::ContractRefused { contract: FEDERATION.into(), message: "health".into(), variant, description }),
            },
            Err(e) => Err(e),
        }
    }

    /// A handle on a bank's pool (the manifest pool's metadata).
    pub fn pool(&self, bank: &BankInfo) -> Result<ContractHandle> {
        ContractHandle::new(POOL, bank.pool_id.clone(), self.pool_bundle.clone())
    }

    /// The pool's clock: (now on its clock, epoch length) and its clock rate.
    pub async fn pool_clock(&self, pool: &ContractHandle) -> Result<(u64, u64, u64)> {
        let bytes = pool.read_raw_ok(&self.s.conn, &self.me, "clock", &[]).await?;
        let (now, epoch_ms): (u64, u64) = decode_exact(&bytes, "pool", "clock")?;
        let rate = if pool.has_message("clock_rate") {
            decode_exact::<u64>(&pool.read_raw_ok(&self.s.conn, &self.me, "clock_rate", &[]).await?, "pool", "clock_rate")?.max(1)
        } else {
            1
        };
        if epoch_ms == 0 {
            return Err(CliError::Other(format!("the pool {} reports epochs of 0 ms", pool.address)));
        }
        Ok((now, epoch_ms, rate))
    }

    /// The open epoch of each bank's pool that answers (the federation's
    /// current epoch is the latest of them): (bank id, epoch).
    pub async fn open_epochs(&self, banks: &[BankInfo]) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        for b in banks {
            let Ok(pool) = self.pool(b) else { continue };
            if let Ok((now, epoch_ms, _)) = self.pool_clock(&pool).await {
                out.push((b.id, now / epoch_ms));
            }
        }
        out
    }

    /// The pool's `epoch_stats(epoch)`.
    pub async fn epoch_stats(&self, pool: &ContractHandle, epoch: u64) -> Result<EpochStats> {
        decode_exact(&pool.read_raw_ok(&self.s.conn, &self.me, "epoch_stats", &[epoch.to_string()]).await?, "pool", "epoch_stats")
    }
}

/// The bank named `key` (its id, else its name; names compared exactly, then
/// ignoring case).
pub fn find_bank<'b>(banks: &'b [BankInfo], key: &str) -> Result<&'b BankInfo> {
    let key = key.trim();
    if let Ok(id) = key.parse::<u32>() {
        if let Some(b) = banks.iter().find(|b| b.id == id) {
            return Ok(b);
        }
    }
    banks
        .iter()
        .find(|b| b.name == key)
        .or_else(|| banks.iter().find(|b| b.name.eq_ignore_ascii_case(key)))
        .ok_or_else(|| {
            let known: Vec<String> = banks.iter().map(|b| format!("{} ({})", b.id, b.name)).collect();
            CliError::Other(format!(
                "the federation has no bank '{key}'; its banks are {}",
                if known.is_empty() { "none yet".to_string() } else { known.join(", ") }
            ))
        })
}

/// `dcu federation` options.
#[derive(Debug, Args)]
pub struct FederationOpts {
    #[command(subcommand)]
    pub cmd: FederationCmd,
}

/// `dcu federation` subcommands.
#[derive(Debug, Subcommand)]
pub enum FederationCmd {
    /// Deploy every community of a plan (each its own suite and manifest,
    /// one shared stablecoin) and the federation; register their banks.
    Deploy {
        /// The plan (TOML). Default: deploy/federation/<network>.toml.
        #[arg(long)]
        plan: Option<PathBuf>,
        #[command(flatten)]
        deploy: DeployOpts,
    },
    /// The federation's banks, parameters, epochs and treasury.
    Status,
    /// Pay into the federation's treasury (approves it first when needed).
    Fund { amount: String },
    /// Allot a closed epoch's support to the banks below the target health
    /// and pay each share into its pool's insurance reserve (anyone may;
    /// once per epoch; one transaction per bank paid).
    Distribute { epoch: u64 },
    /// Pay a bank a share allotted by `distribute` and not yet paid (after
    /// its pool refused it, or when `distribute` was run by another tool).
    Pay { epoch: u64, bank: u32 },
    /// Cancel a bank's unpaid share back into the treasury (the
    /// federation's governance account signs: --suri): for a share its
    /// pool refuses for good, or a removed bank's.
    Cancel { epoch: u64, bank: u32 },
    /// Set the budget per epoch and the target health (the federation's
    /// governance account signs: --suri).
    Params {
        /// Paid per distributed epoch, in tokens.
        #[arg(long)]
        budget: Option<String>,
        /// Banks below this health (0..=100) are supported.
        #[arg(long)]
        target: Option<u8>,
    },
}

/// A federation plan as written in TOML.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// What the plan is for, in words.
    #[serde(default)]
    pub description: String,
    /// The account that governs the federation: admits and removes banks,
    /// sets the budget and the target ("//Charlie" on a local chain; a
    /// multisig or a governance contract's address on a live one).
    pub governance: String,
    /// Banks below this health are supported *(70)*.
    #[serde(default)]
    pub target: Option<u8>,
    /// Paid per distributed epoch, whole tokens *(0: nothing until set)*.
    #[serde(default)]
    pub budget: Option<String>,
    /// The communities, in registration order.
    #[serde(rename = "community")]
    pub communities: Vec<Community>,
}

/// One community of a plan.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Community {
    /// Its name (1..=64 bytes), also its manifest's suffix.
    pub name: String,
    /// Its bioregion's code (1..=32 bytes).
    pub bioregion: String,
}

impl Plan {
    /// Parses and checks a plan; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Plan> {
        let plan: Plan = toml::from_str(text).map_err(|e| CliError::Other(format!("{origin}: {}", e.message())))?;
        if plan.communities.is_empty() {
            return Err(CliError::Other(format!("{origin} names no community: add a [[community]] with a name and a bioregion")));
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &plan.communities {
            if c.name.is_empty() || c.name.len() > 64 {
                return Err(CliError::Other(format!("{origin}: community name '{}' must be 1 to 64 bytes", c.name)));
            }
            if c.bioregion.is_empty() || c.bioregion.len() > 32 {
                return Err(CliError::Other(format!("{origin}: bioregion '{}' of {} must be 1 to 32 bytes", c.bioregion, c.name)));
            }
            if !seen.insert(slug(&c.name)) {
                return Err(CliError::Other(format!("{origin}: two communities are named '{}'", c.name)));
            }
        }
        if plan.target.is_some_and(|t| t > 100) {
            return Err(CliError::Other(format!("{origin}: target = {} is above 100", plan.target.unwrap_or(0))));
        }
        parse_account(&plan.governance)?;
        if let Some(b) = &plan.budget {
            parse_amount(b)?;
        }
        Ok(plan)
    }

    /// Loads `explicit`, else deploy/federation/<network>.toml.
    pub fn load(network: &str, explicit: Option<&Path>) -> Result<(Plan, PathBuf)> {
        let path = explicit.map(Path::to_path_buf).unwrap_or_else(|| crate::manifest::default_dir().join("federation").join(format!("{network}.toml")));
        let text = std::fs::read_to_string(&path).map_err(|e| CliError::Other(format!("cannot read the federation plan {}: {e}", path.display())))?;
        Ok((Plan::parse(&text, &path.display().to_string())?, path))
    }
}

/// A community's name as a manifest suffix: lower-case letters and digits,
/// other characters as '-'.
pub fn slug(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.trim_matches('-').to_string()
}

/// The manifest of community `name` beside `main` (deploy/<network>.json):
/// deploy/<network>-<slug>.json.
pub fn community_manifest(main: &Path, network: &str, name: &str) -> PathBuf {
    main.parent().unwrap_or(Path::new(".")).join(format!("{network}-{}.json", slug(name)))
}

/// One community's deployment, for the report.
#[derive(Debug, Serialize)]
pub struct CommunityOutcome {
    pub name: String,
    pub bioregion: String,
    pub manifest: String,
    pub bank: u32,
    pub pool: String,
    /// "registered" or "already registered".
    pub action: String,
}

/// What `dcu federation deploy` did.
#[derive(Debug, Serialize)]
pub struct FederationDeployReport {
    pub plan: String,
    pub federation: String,
    pub federation_action: String,
    pub governance: String,
    pub communities: Vec<CommunityOutcome>,
    pub budget: String,
    pub target: u8,
    pub millis: u128,
}

impl Report for FederationDeployReport {
    fn human(&self) -> String {
        let mut s = format!("federation {} ({}), governed by {}\n", self.federation, self.federation_action, self.governance);
        for c in &self.communities {
            s += &format!("  bank {} {} ({}): pool {}, {} — manifest {}\n", c.bank, c.name, c.bioregion, c.pool, c.action, c.manifest);
        }
        s += &format!("budget {} DUSD per epoch to the banks below health {}; done in {:.1} s", self.budget, self.target, self.millis as f64 / 1000.0);
        s += "\neach community appoints its attester through its governance: dcu --manifest <manifest> gov propose attester <BANK> <ACCOUNT>";
        s
    }
}

/// The text argument `s` in the transcoder's syntax.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Runs `dcu federation deploy`.
async fn deploy_plan(g: &GlobalOpts, plan_path: Option<&Path>, opts: &DeployOpts, out: &mut impl Write) -> Result<()> {
    let t0 = Instant::now();
    let (plan, plan_path) = Plan::load(&g.network, plan_path)?;
    let main = g.manifest_path();
    let artifacts = opts.artifacts.clone().unwrap_or_else(deploy::default_artifacts);
    let fed_bundle = artifacts.join(FEDERATION).join(format!("{FEDERATION}.contract"));
    if !fed_bundle.exists() {
        return Err(CliError::MissingArtifact(fed_bundle));
    }
    let conn = chain::connect(&g.url).await?;
    let genesis = format!("{:?}", conn.client.genesis_hash());
    // The federation is wired once to the plan's governance: never to a
    // development account (its secret is public) outside a development
    // chain, and dcu must be able to sign as it (to register the banks)
    // before anything is deployed.
    let chain_type = conn.chain_type().await?;
    if !g.development_chain(&chain_type) && crate::profile::is_dev_account(&plan.governance) {
        return Err(CliError::Other(format!(
            "{} names governance = \"{}\", a development account whose secret is public, and {} is {}: name the federation's real governance; nothing was deployed",
            plan_path.display(),
            plan.governance,
            g.url,
            g.chain_words(&chain_type)
        )));
    }
    let gov_signer = chain::signer_from_suri(&plan.governance)
        .map_err(|_| CliError::Other(format!("{} governs the federation in {}; dcu needs its secret URI (e.g. //Charlie) to register the banks; nothing was deployed", plan.governance, plan_path.display())))?;
    // Each community's suite, as `dcu deploy` makes it, in its own
    // manifest; the first one's stablecoin is every other's.
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut sink = Vec::new();
    for (i, c) in plan.communities.iter().enumerate() {
        let path = community_manifest(&main, &g.network, &c.name);
        let mut gc = g.clone();
        gc.manifest = Some(path.clone());
        let mut oc = opts.clone();
        if i > 0 {
            let first = Manifest::load(&paths[0])?;
            let token = first.contract(TOKEN)?.clone();
            let mut m = match Manifest::load(&path) {
                // A fresh federation, or another chain: only the token is kept.
                Ok(m) if m.genesis_hash == genesis && !opts.fresh => m,
                _ => Manifest { genesis_hash: genesis.clone(), ..Manifest::default() },
            };
            m.contracts.insert(TOKEN.into(), token);
            m.save(&path)?;
            oc.fresh = false;
        }
        // Each suite's report is shown to people; a JSON reader gets the
        // federation's report alone.
        let res = if g.json() {
            deploy::run(&gc, &oc, &mut sink).await
        } else {
            writeln!(out, "community {} ({}): {}", c.name, c.bioregion, path.display())?;
            deploy::run(&gc, &oc, out).await
        };
        res?;
        paths.push(path);
    }
    // The federation, recorded in every community's manifest.
    let signer = chain::signer_from_suri(&g.secret_uri(&chain_type)?)?;
    let mut first = Manifest::load(&paths[0])?;
    let token = first.contract(TOKEN)?.address.clone();
    let url = chain::check_url(&g.url)?;
    let publish_dir = paths[0].parent().unwrap_or(Path::new(".")).join("artifacts").join(&g.network);
    std::fs::create_dir_all(&publish_dir)?;
    let at = Placing { g, conn: &conn, signer: &signer, manifest_path: &paths[0], publish_dir: &publish_dir, url: &url, wait_finalized: first.wait_finalized };
    let placed = at.place(&mut first, FEDERATION, "new", &fed_bundle, vec![token.clone()]).await?;
    let entry = first.contract(FEDERATION)?.clone();
    for p in &paths[1..] {
        let mut m = Manifest::load(p)?;
        m.contracts.insert(FEDERATION.into(), entry.clone());
        m.save(p)?;
    }
    let fed = ContractHandle::from_manifest(&first, &paths[0], FEDERATION)?;
    let gov_account = parse_account(&plan.governance)?.to_string();
    // Wired once, by the deployer, to the plan's governance.
    let wiring = fed.query(&g.url, &signer, "wiring", &[]).await?.value;
    match val::some(&wiring).and_then(|w| val::field(w, "governance")).and_then(val::text) {
        None => {
            fed.execute(&g.url, &signer, "wire", &[format!("Wiring {{ governance: {gov_account} }}")], &[]).await.map_err(super::explain_refusal)?;
        }
        Some(a) if a == gov_account => {}
        Some(a) => {
            return Err(CliError::Other(format!(
                "the federation {} is governed by {a}, not the plan's {gov_account}: wiring is set once, so deploy it anew with --fresh",
                fed.address
            )))
        }
    }
    // Banks are admitted by the federation's governance (`gov_signer`).
    let registered = registered_pools(g, &fed, &signer).await?;
    let mut communities = Vec::new();
    for (c, path) in plan.communities.iter().zip(&paths) {
        let m = Manifest::load(path)?;
        let addr = |n: &str| m.contract(n).map(|c| c.address.clone());
        let pool = addr(POOL)?;
        let (bank, action) = match registered.iter().find(|(_, p)| *p == pool) {
            Some((id, _)) => (*id, "already registered"),
            None => {
                let args = [quoted(&c.name), quoted(&c.bioregion), pool.clone(), addr("governance")?, addr("trust_graph")?];
                let tx = fed.execute(&g.url, &gov_signer, "register_bank", &args, &[]).await.map_err(super::explain_refusal)?;
                let id = tx
                    .contract_events
                    .iter()
                    .find(|e| e.name == "BankRegistered")
                    .and_then(|e| uint_field(&e.fields, "bank"))
                    .ok_or_else(|| CliError::Other(format!("registering {} gave no BankRegistered event", c.name)))?;
                (u32::try_from(id).map_err(|_| CliError::Other("a bank id above u32".into()))?, "registered")
            }
        };
        communities.push(CommunityOutcome {
            name: c.name.clone(),
            bioregion: c.bioregion.clone(),
            manifest: path.display().to_string(),
            bank,
            pool,
            action: action.into(),
        });
    }
    // The plan's parameters, when they differ.
    let params = fed.query(&g.url, &signer, "params", &[]).await?.value;
    let (mut budget, mut target) = (uint_field(&params, "budget").unwrap_or(0), u8::try_from(uint_field(&params, "target").unwrap_or(70)).unwrap_or(70));
    let want_budget = plan.budget.as_deref().map(parse_amount).transpose()?.unwrap_or(budget);
    let want_target = plan.target.unwrap_or(target);
    if (want_budget, want_target) != (budget, target) {
        fed.execute(&g.url, &gov_signer, "set_params", &[format!("Params {{ budget: {want_budget}, target: {want_target} }}")], &[])
            .await
            .map_err(super::explain_refusal)?;
        (budget, target) = (want_budget, want_target);
    }
    emit(
        g,
        out,
        &FederationDeployReport {
            plan: plan_path.display().to_string(),
            federation: entry.address,
            federation_action: placed.action,
            governance: gov_account,
            communities,
            budget: format_amount(budget),
            target,
            millis: t0.elapsed().as_millis(),
        },
    )
}

/// The registered banks' (id, pool address).
async fn registered_pools(g: &GlobalOpts, fed: &ContractHandle, signer: &subxt_signer::sr25519::Keypair) -> Result<Vec<(u32, String)>> {
    let ids = fed.query(&g.url, signer, "banks", &[]).await?.value;
    let mut out = Vec::new();
    for id in val::uints(&ids) {
        let b = fed.query(&g.url, signer, "bank", &[id.to_string()]).await?.value;
        if let (Ok(id), Some(pool)) = (u32::try_from(id), val::field(&b, "pool").and_then(val::text)) {
            out.push((id, pool));
        }
    }
    Ok(out)
}

/// One bank, for `dcu federation status`.
#[derive(Debug, Serialize)]
pub struct BankView {
    pub bank: u32,
    pub name: String,
    pub bioregion: String,
    pub pool: String,
    pub governance: String,
    pub attester: Option<String>,
    /// Its first counted epoch.
    pub first_epoch: Option<u64>,
    /// Its pool's insurance reserve.
    pub insurance: String,
}

/// `dcu federation status`.
#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub federation: String,
    pub governance: Option<String>,
    pub treasury: String,
    pub budget: String,
    pub target: u8,
    /// The banks' epoch length (pool clock, ms) and the first epoch that
    /// may be distributed, once a bank is registered.
    pub epoch_ms: Option<u64>,
    pub start_epoch: Option<u64>,
    /// The latest epoch any bank's pool reports.
    pub current_epoch: Option<u64>,
    pub banks: Vec<BankView>,
}

impl Report for StatusReport {
    fn human(&self) -> String {
        let mut s = format!(
            "federation {} governed by {}\ntreasury {} DUSD; budget {} DUSD per epoch to banks below health {}\n",
            self.federation,
            self.governance.as_deref().unwrap_or("nobody yet (not wired)"),
            self.treasury,
            self.budget,
            self.target
        );
        match (self.epoch_ms, self.start_epoch, self.current_epoch) {
            (Some(l), Some(first), cur) => {
                s += &format!("epochs of {} (pool clock), distributable from epoch {first}", crate::profile::format_duration(u128::from(l)));
                if let Some(c) = cur {
                    s += &format!("; the current epoch is {c}");
                }
                s += "\n";
            }
            _ => s += "no bank registered yet\n",
        }
        for b in &self.banks {
            s += &format!(
                "  bank {} {} ({}): pool {}, attester {}, counted from epoch {}, insurance reserve {} DUSD\n",
                b.bank,
                b.name,
                b.bioregion,
                b.pool,
                b.attester.as_deref().unwrap_or("none yet"),
                b.first_epoch.map(|e| e.to_string()).unwrap_or_else(|| "?".into()),
                b.insurance
            );
        }
        s.trim_end().to_string()
    }
}

/// The federation's handle, or a sentence saying the manifest has none.
pub fn federation(s: &Session) -> Result<ContractHandle> {
    if !s.manifest.contracts.contains_key(FEDERATION) {
        return Err(CliError::Other(format!(
            "the deployment {} has no `{FEDERATION}` contract: deploy one with `dcu federation deploy`, then pass a community's manifest (--manifest deploy/<network>-<community>.json)",
            s.manifest_path.display()
        )));
    }
    s.contract(FEDERATION)
}

/// The name of the federation's bank whose pool is this manifest's pool,
/// when the manifest names a federation that registered it.
pub async fn own_bank_name(s: &Session) -> Option<String> {
    let pool = s.manifest.contracts.get(POOL)?.address.clone();
    let banks = Fed::open(s).ok()?.banks().await.ok()?;
    banks.into_iter().find(|b| b.pool == pool).map(|b| b.name)
}

/// Runs a `dcu federation` subcommand.
pub async fn run(g: &GlobalOpts, opts: &FederationOpts, out: &mut impl Write) -> Result<()> {
    if let FederationCmd::Deploy { plan, deploy } = &opts.cmd {
        return deploy_plan(g, plan.as_deref(), deploy, out).await;
    }
    let s = Session::open(g).await?;
    let fed = federation(&s)?;
    match &opts.cmd {
        FederationCmd::Deploy { .. } => unreachable_deploy(),
        FederationCmd::Status => {
            let f = Fed::open(&s)?;
            let (budget, target) = f.params().await?;
            let treasury = f.treasury().await?;
            let clock = f.epoch_clock().await?;
            let (epoch_ms, start_epoch) = (clock.map(|c| c.0), clock.map(|c| c.1));
            let infos = f.banks().await?;
            let mut banks = Vec::new();
            for b in &infos {
                // The pool's `Totals` is the pool's type, not in dcu_common
                // yet (issue 17): read by name.
                let t = s.query(&f.pool(b)?, "totals", &[]).await?;
                banks.push(BankView {
                    bank: b.id,
                    name: b.name.clone(),
                    bioregion: b.bioregion.clone(),
                    pool: b.pool.clone(),
                    governance: b.governance.to_string(),
                    attester: f.attester(b.id).await?.map(|a| a.to_string()),
                    first_epoch: f.registered_epoch(b.id).await?,
                    insurance: format_amount(uint_field(&t, "insurance").unwrap_or(0)),
                });
            }
            let current_epoch = match epoch_ms {
                Some(_) => f.open_epochs(&infos).await.into_iter().map(|(_, e)| e).max(),
                None => None,
            };
            emit(
                g,
                out,
                &StatusReport {
                    federation: fed.address.to_string(),
                    governance: f.governance().await?.map(|a| a.to_string()),
                    treasury: format_amount(treasury),
                    budget: format_amount(budget),
                    target,
                    epoch_ms,
                    start_epoch,
                    current_epoch,
                    banks,
                },
            )
        }
        FederationCmd::Fund { amount } => {
            let units = parse_amount(amount)?;
            let approved = ensure_allowance(g, &s, &fed, units).await?;
            let tx = s.submit(g, FEDERATION, "fund", &[units.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("paid {} DUSD into the federation's treasury{}", format_amount(units), approved.unwrap_or_default()), Some(units), tx))
        }
        FederationCmd::Distribute { epoch } => {
            let tx = s.submit(g, FEDERATION, "distribute", &[epoch.to_string()]).await?;
            // Each share is paid by its own transaction (`pay_support`: a
            // payment calls the token and the bank's pool, too heavy to do
            // for every bank in one block).
            let mut unpaid = Vec::new();
            for e in tx.contract_events.iter().filter(|e| e.name == "BankSupported") {
                let bank = uint_field(&e.fields, "bank").unwrap_or(0);
                if let Err(err) = s.submit(g, FEDERATION, "pay_support", &[epoch.to_string(), bank.to_string()]).await {
                    unpaid.push(format!("  bank {bank}'s share is not paid yet ({}): retry with `dcu federation pay {epoch} {bank}`", crate::chain::short_reason(&err.to_string())));
                }
            }
            let mut lines = Vec::new();
            for e in &tx.contract_events {
                match e.name.as_str() {
                    "BankSupported" => lines.push(format!(
                        "  bank {} (health {}) is allotted {} DUSD for its insurance reserve",
                        uint_field(&e.fields, "bank").unwrap_or(0),
                        uint_field(&e.fields, "health").unwrap_or(0),
                        format_amount(uint_field(&e.fields, "amount").unwrap_or(0))
                    )),
                    "BankSkipped" => lines.push(format!(
                        "  bank {} was left out ({})",
                        uint_field(&e.fields, "bank").unwrap_or(0),
                        skip_reason(uint_field(&e.fields, "reason").unwrap_or(u128::MAX))
                    )),
                    _ => {}
                }
            }
            let paid = tx.contract_events.iter().find(|e| e.name == "Distributed").and_then(|e| uint_field(&e.fields, "paid")).unwrap_or(0);
            let details = serde_json::json!({ "paid": paid, "supported": tx.contract_events.iter().filter(|e| e.name == "BankSupported").map(|e| serde_json::json!({ "bank": uint_field(&e.fields, "bank").unwrap_or(0), "health": uint_field(&e.fields, "health").unwrap_or(0), "amount": uint_field(&e.fields, "amount").unwrap_or(0) })).collect::<Vec<_>>() });
            lines.extend(unpaid);
            let head = if paid == 0 { format!("epoch {epoch} distributed: every attested bank is at or above the target, nothing paid") } else { format!("epoch {epoch} distributed: {} DUSD paid", format_amount(paid)) };
            emit(g, out, &TxReport::new(std::iter::once(head).chain(lines).collect::<Vec<_>>().join("\n"), Some(paid), tx).with_details(details))
        }
        FederationCmd::Pay { epoch, bank } => {
            let tx = s.submit(g, FEDERATION, "pay_support", &[epoch.to_string(), bank.to_string()]).await?;
            let amount = tx.contract_events.iter().find(|e| e.name == "SupportPaid").and_then(|e| uint_field(&e.fields, "amount")).unwrap_or(0);
            emit(g, out, &TxReport::new(format!("paid bank {bank} its share of epoch {epoch}: {} DUSD into its pool's insurance reserve", format_amount(amount)), Some(amount), tx))
        }
        FederationCmd::Cancel { epoch, bank } => {
            let tx = s.submit(g, FEDERATION, "cancel_support", &[epoch.to_string(), bank.to_string()]).await?;
            let amount = tx.contract_events.iter().find(|e| e.name == "SupportCancelled").and_then(|e| uint_field(&e.fields, "amount")).unwrap_or(0);
            emit(g, out, &TxReport::new(format!("cancelled bank {bank}'s unpaid share of epoch {epoch}: {} DUSD back in the treasury", format_amount(amount)), Some(amount), tx))
        }
        FederationCmd::Params { budget, target } => {
            let (cur_budget, cur_target) = Fed::open(&s)?.params().await?;
            let budget = match budget {
                Some(b) => parse_amount(b)?,
                None => cur_budget,
            };
            let target = target.unwrap_or(cur_target);
            let tx = s.submit(g, FEDERATION, "set_params", &[format!("Params {{ budget: {budget}, target: {target} }}")]).await?;
            emit(g, out, &TxReport::new(format!("the federation pays {} DUSD per epoch to the banks below health {target}", format_amount(budget)), None, tx))
        }
    }
}

fn unreachable_deploy() -> Result<()> {
    Err(CliError::Other("federation deploy is handled before a session opens".into()))
}

/// `BankSkipped::reason` in words.
pub fn skip_reason(reason: u128) -> &'static str {
    match reason {
        0 => "its pool runs code the federation has not approved",
        1 => "its pool has not closed the epoch",
        2 => "it has not attested the epoch",
        3 => "its figures give no health",
        _ => "an unknown reason",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../deploy/federation/local.toml");

    #[test]
    fn the_shipped_local_plan_parses() {
        let p = Plan::parse(SAMPLE, "local.toml").unwrap();
        assert!(p.communities.len() >= 2);
        assert_eq!(p.target, Some(70));
        assert_eq!(community_manifest(Path::new("deploy/local.json"), "local", &p.communities[0].name).parent(), Some(Path::new("deploy")));
    }

    #[test]
    fn a_bad_plan_is_one_sentence_naming_what_is_wrong() {
        let bad = |t: &str| Plan::parse(t, "p.toml").unwrap_err().to_string();
        assert!(bad("governance = \"//Charlie\"\ncommunity = []").contains("names no community"));
        let two = "governance = \"//Charlie\"\n[[community]]\nname = \"A b\"\nbioregion = \"x\"\n[[community]]\nname = \"a-B\"\nbioregion = \"y\"";
        assert!(bad(two).contains("two communities are named"));
        assert!(bad("governance = \"//Charlie\"\ntarget = 101\n[[community]]\nname = \"a\"\nbioregion = \"x\"").contains("above 100"));
        assert!(bad("governance = \"//Charlie\"\n[[community]]\nname = \"a\"\nbioregion = \"\"").contains("1 to 32 bytes"));
        assert!(bad("governance = \"//Charlie\"\nfoo = 1\n[[community]]\nname = \"a\"\nbioregion = \"x\"").contains("foo"));
        assert!(!bad("governance = \"//Charlie\"\ncommunity = []").contains('\n'));
    }

    #[test]
    fn slugs_name_manifests() {
        assert_eq!(slug("Riverside Commons"), "riverside-commons");
        assert_eq!(community_manifest(Path::new("d/local.json"), "local", "Hill Crest"), PathBuf::from("d/local-hill-crest.json"));
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
    }
}
