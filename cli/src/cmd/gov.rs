//! `dcu gov …`: governance (SPEC §6) — propose typed actions, vote
//! quadratically, queue, execute, cancel, and read proposals in human terms.
//!
//! Parameter changes are written `field=value` in the field's own unit
//! (`max_credit=4000` in tokens, `lockout=120d`, `fee=1.5%`,
//! `min_anchor_stake=100`); `dcu` reads the current parameters, changes only
//! the fields given and shows every change as "from → to" before anything
//! is submitted. A proposal is shown with what its action changes, measured
//! against the chain's current values.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use contract_transcode::Value;
use serde::Serialize;

use super::loan::LOANS;
use super::pool::POOL;
use super::trust::{chain_now, TRUST as GRAPH};
use super::{Session, TxReport};
use crate::chain::{format_amount, format_rate, format_time, parse_account, parse_amount, parse_rate};
use crate::contract::ContractHandle;
use crate::layout::{self, LayoutError, StorageLayout};
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::profile::{format_duration, parse_duration};
use crate::value::{self as val, field, uint_field};
use crate::{CliError, Result};

/// Name of the contract in the manifest.
pub const GOV: &str = "governance";

/// `dcu gov` options.
#[derive(Debug, Args)]
pub struct GovOpts {
    #[command(subcommand)]
    pub cmd: GovCmd,
}

/// Governance subcommands.
#[derive(Debug, Subcommand)]
pub enum GovCmd {
    /// Propose an action; members with voice credits may propose.
    Propose {
        /// A one-line title (at most 200 bytes).
        #[arg(long, default_value = "")]
        title: String,
        #[command(subcommand)]
        action: ProposeAction,
    },
    /// Cast n votes for or against; n votes cost n² of your voice credits.
    Vote {
        /// Proposal id.
        id: u32,
        /// `for` or `against`.
        choice: String,
        /// Number of votes (cost: its square).
        votes: u32,
    },
    /// Queue a passed proposal behind the timelock (anyone).
    Queue { id: u32 },
    /// Execute a queued proposal after its timelock (anyone).
    Execute { id: u32 },
    /// Cancel a proposal (its proposer or the guardian).
    Cancel { id: u32 },
    /// The guardian pauses the credit pool (only governance unpauses).
    GuardianPause,
    /// One proposal: its action in words, votes, state and dates.
    Show { id: u32 },
    /// Every proposal, newest first.
    List,
    /// Governance's parameters, guardian and an account's voice credits.
    Info {
        /// Account whose voice credits to show (default: the signer).
        account: Option<String>,
    },
    /// A contract's storage layout, normalized from its .contract bundle or
    /// .json metadata (what docs/layouts/ keeps); with --against, whether
    /// that code can take over storage laid out as in an older build (its
    /// bundle, metadata or stored layout). Needs no node.
    Layout {
        /// The .contract bundle or .json metadata of the (new) code.
        metadata: PathBuf,
        /// The older build or stored layout to check it against.
        #[arg(long, value_name = "PATH")]
        against: Option<PathBuf>,
    },
}

/// `dcu gov layout --against`: the new code can take over the old storage.
#[derive(Debug, Serialize)]
pub struct LayoutReport {
    pub compatible: bool,
    pub contract: String,
    /// The root struct's packed fields (unchanged).
    pub root_fields: Vec<String>,
    /// Fields under their own keys that the new code keeps.
    pub kept: Vec<String>,
    /// Fields under fresh keys of their own that the new code adds.
    pub added: Vec<String>,
    /// Whether the new layout is the old one exactly (else a stored layout
    /// is worth refreshing).
    pub identical: bool,
}

impl Report for LayoutReport {
    fn human(&self) -> String {
        let added = if self.added.is_empty() { String::new() } else { format!("; it adds {}", self.added.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")) };
        format!(
            "{}'s storage carries over: the same root struct ({} fields) and the same {} fields under their own keys{added}",
            self.contract,
            self.root_fields.len(),
            self.kept.len()
        )
    }
}

/// Runs `dcu gov layout` (offline).
fn run_layout(g: &GlobalOpts, metadata: &std::path::Path, against: Option<&std::path::Path>, out: &mut impl Write) -> Result<()> {
    let new = StorageLayout::load(metadata)?;
    let Some(old_path) = against else {
        writeln!(out, "{}", new.to_pretty_json())?;
        return Ok(());
    };
    let old = StorageLayout::load(old_path)?;
    let contract = if old.contract.is_empty() { new.contract.clone() } else { old.contract.clone() };
    layout::ensure_compatible(&contract, &metadata.display().to_string(), &old, &new)?;
    let names = |fs: &[layout::LazyField]| fs.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
    let kept: Vec<String> = names(&new.lazy).into_iter().filter(|n| old.lazy.iter().any(|o| &o.name == n)).collect();
    let added: Vec<String> = names(&new.lazy).into_iter().filter(|n| !kept.contains(n)).collect();
    emit(
        g,
        out,
        &LayoutReport { compatible: true, identical: old.packed == new.packed && old.lazy == new.lazy && old.root_key == new.root_key, contract, root_fields: new.packed.iter().map(|f| f.name.clone()).collect(), kept, added },
    )
}

/// The actions a proposal can carry.
#[derive(Debug, Subcommand)]
pub enum ProposeAction {
    /// Change credit-pool parameters: max_credit=4000 lockout=120d grace=30d
    /// fee=1% insurance=2% overdue=30d default=90d cover_min_age=90d
    /// cover_share=50% cover_max_reserve_share=10% min_line=10.
    PoolParams {
        #[arg(required = true, value_name = "FIELD=VALUE")]
        set: Vec<String>,
    },
    /// Change trust-graph parameters: max_trust=, base_capacity=,
    /// max_out_degree=, max_in_degree=, default_penalty_days=, inactivity_days=.
    TrustParams {
        #[arg(required = true, value_name = "FIELD=VALUE")]
        set: Vec<String>,
    },
    /// Change governance's parameters: voting_delay=1d voting_period=7d
    /// quorum=10% timelock=2d execution_window=14d voice_credits=100 (outside
    /// development mode the voting period and the timelock are at least 1d).
    GovParams {
        #[arg(required = true, value_name = "FIELD=VALUE")]
        set: Vec<String>,
    },
    /// Change the loan manager's parameters: max_hops=4 warrant_ratio=80%
    /// base_rate=3% risk_premium=5% hop_premium=1%
    /// request_expiry=7d default_after=90d direct_share=50% end_share=30%
    /// warrant_share=20%.
    LoanParams {
        #[arg(required = true, value_name = "FIELD=VALUE")]
        set: Vec<String>,
    },
    /// Appoint a verifier (or remove one with --remove; --revoke also
    /// voids every verification it made).
    Verifier {
        account: String,
        #[arg(long)]
        remove: bool,
        /// Remove the verifier and void its verifications (implies --remove).
        #[arg(long)]
        revoke: bool,
    },
    /// Pause the credit pool (no new stake, credit or draws).
    Pause,
    /// Unpause the credit pool.
    Unpause,
    /// Pay an amount from the pool's treasury.
    SpendTreasury { to: String, amount: String },
    /// Replace a contract's code, keeping its storage. dcu first checks,
    /// from the two builds' metadata, that the new code reads the storage the
    /// deployed one left (the same root struct; mappings and lazy fields
    /// keep their keys and types; new ones under fresh keys are fine), and
    /// refuses before uploading or proposing anything when it does not.
    Upgrade {
        /// trust_graph, credit_pool, warrant_escrow, loan_manager or governance.
        contract: String,
        /// The new code: a .contract bundle that dcu uploads first, or its 0x
        /// code hash (already uploaded) together with --bundle.
        code: String,
        /// The .contract bundle of a code given by its hash: its metadata is
        /// what the storage check reads, and its Wasm must have that hash.
        #[arg(long, value_name = "PATH")]
        bundle: Option<PathBuf>,
        /// The .contract bundle of the code the contract runs now, when it
        /// is not the manifest's (an upgrade was executed since): the new
        /// code is checked against it. Its Wasm must hash to the code on chain.
        #[arg(long, value_name = "PATH")]
        current_bundle: Option<PathBuf>,
    },
    /// Replace the guardian, or remove it with `none`.
    Guardian { account: String },
    /// Appoint this community's attester in its federation (a call from
    /// this community's governance to the federation's appoint_attester:
    /// the account that submits the community's ecological and knowledge
    /// metrics each epoch).
    Attester {
        /// The community's bank id in the federation (`dcu federation status`).
        bank: u32,
        account: String,
    },
    /// Set the credit pool's epoch length (1d..=365d on the pool's clock):
    /// only before the pool's first draw, and the same for every bank of a
    /// federation.
    EpochLength { length: String },
}

/// How a parameter's number is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Milliseconds, written 90d / 12h / 60s.
    Duration,
    /// Basis points, written as a percentage.
    Percent,
    /// Token amount in smallest units, written in tokens.
    Amount,
    /// A plain number.
    Count,
}

fn kind_of(field: &str) -> Kind {
    if field.ends_with("_ms") {
        Kind::Duration
    } else if field.ends_with("_bps") {
        Kind::Percent
    } else if matches!(field, "max_credit" | "base_capacity" | "min_anchor_stake" | "min_line") {
        Kind::Amount
    } else {
        Kind::Count
    }
}

fn parse_in(kind: Kind, field: &str, s: &str) -> Result<u128> {
    let bad = |reason: String| CliError::Other(format!("{field}={s} is not valid: {reason}"));
    match kind {
        Kind::Duration => parse_duration(s).map(u128::from).map_err(bad),
        Kind::Percent => parse_rate(s).map(u128::from).map_err(|_| bad("write a percentage such as 1.5%".into())),
        Kind::Amount => parse_amount(s),
        Kind::Count => s.trim().parse::<u128>().map_err(|_| bad("write a whole number".into())),
    }
}

fn format_in(kind: Kind, v: u128) -> String {
    match kind {
        Kind::Duration => format_duration(v),
        Kind::Percent => format_rate(v),
        Kind::Amount => format!("{} DUSD", format_amount(v)),
        Kind::Count => v.to_string(),
    }
}

/// `field=value` pairs, parsed before anything touches the network.
fn parse_changes(set: &[String]) -> Result<Vec<(String, String)>> {
    set.iter()
        .map(|kv| {
            let (k, v) = kv.split_once('=').ok_or_else(|| CliError::Other(format!("'{kv}' is not FIELD=VALUE, e.g. max_credit=4000")))?;
            Ok((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// One parameter change, for reports.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// Applies `changes` to the current parameter struct `current`; returns the
/// new struct as a transcoder argument and the changes in words. Fields may
/// be named with or without their unit suffix (`lockout` for `lockout_ms`).
fn apply_changes(current: &Value, changes: &[(String, String)]) -> Result<(String, Vec<Change>)> {
    let Value::Map(m) = current else { return Err(CliError::Other("the contract's parameters could not be read".into())) };
    let names: Vec<String> = m.iter().filter_map(|(k, _)| val::text(k)).collect();
    // Numbers can change; other fields (e.g. the purpose scores) are kept as they are.
    let mut values: Vec<(String, Option<u128>, String)> =
        names.iter().map(|n| (n.clone(), uint_field(current, n), field(current, n).map(|v| v.to_string()).unwrap_or_default())).collect();
    let mut out = Vec::new();
    for (k, raw) in changes {
        let name = [k.clone(), format!("{k}_ms"), format!("{k}_bps")]
            .into_iter()
            .find(|c| names.contains(c))
            .ok_or_else(|| CliError::Other(format!("'{k}' is not a parameter here; the parameters are {}", names.join(", "))))?;
        let kind = kind_of(&name);
        let new = parse_in(kind, &name, raw)?;
        if let Some(slot) = values.iter_mut().find(|(n, _, _)| *n == name) {
            let Some(old) = slot.1 else { return Err(CliError::Other(format!("'{name}' is not a number and cannot be changed here"))) };
            out.push(Change { field: name.clone(), from: format_in(kind, old), to: format_in(kind, new) });
            slot.1 = Some(new);
        }
    }
    let ident = m.ident().unwrap_or_default();
    let body = values
        .iter()
        .map(|(n, v, text)| match v {
            Some(x) => format!("{n}: {x}"),
            None => format!("{n}: {text}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok((format!("{ident} {{ {body} }}"), out))
}

/// The differences between two parameter structs, in words.
fn diff(current: Option<&Value>, proposed: &Value) -> Vec<Change> {
    let Value::Map(m) = proposed else { return Vec::new() };
    m.iter()
        .filter_map(|(k, v)| {
            let name = val::text(k)?;
            let to = val::uint(v)?;
            let kind = kind_of(&name);
            match current.and_then(|c| uint_field(c, &name)) {
                Some(from) if from == to => None,
                Some(from) => Some(Change { field: name, from: format_in(kind, from), to: format_in(kind, to) }),
                None => Some(Change { field: name, from: "?".into(), to: format_in(kind, to) }),
            }
        })
        .collect()
}

fn first(v: &Value) -> Option<&Value> {
    val::tuple(v).into_iter().next()
}

fn hex_of(v: &Value) -> String {
    match v {
        Value::Hex(h) => format!("{h:?}"),
        Value::Seq(_) => format!("0x{}", hex::encode(val::uints(v).into_iter().map(|b| b as u8).collect::<Vec<u8>>())),
        Value::Tuple(_) => first(v).map(hex_of).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// The contract and message an action calls, for decoding a failed answer.
fn callee(action: &Value) -> Option<(&'static str, &'static str)> {
    match val::variant(action)?.as_str() {
        "SetPoolParams" => Some((POOL, "set_params")),
        "SetLoanParams" => Some((LOANS, "set_params")),
        "SetTrustParams" => Some((GRAPH, "set_params")),
        "SetVerifier" => Some((GRAPH, "set_verifier")),
        "RevokeVerifier" => Some((GRAPH, "revoke_verifier")),
        "SetPoolPaused" => Some((POOL, "set_paused")),
        "SpendTreasury" => Some((POOL, "spend_treasury")),
        "Upgrade" => Some((target_name(field(action, "target")?)?, "set_code")),
        _ => None,
    }
}

fn target_name(v: &Value) -> Option<&'static str> {
    match val::variant(v)?.as_str() {
        "TrustGraph" => Some(GRAPH),
        "CreditPool" => Some(POOL),
        "Governance" => Some(GOV),
        "WarrantEscrow" => Some(super::warrant::ESCROW),
        "LoanManager" => Some(LOANS),
        _ => None,
    }
}

/// The current parameters of a governed contract.
async fn params_of(s: &Session, contract: &str) -> Result<Value> {
    let h = s.contract(contract)?;
    s.query(&h, "params", &[]).await
}

/// What an action does, in words, against the chain's current state.
async fn describe_action(s: &Session, action: &Value) -> Result<(String, Vec<Change>)> {
    let name = val::variant(action).unwrap_or_default();
    Ok(match name.as_str() {
        "SetPoolParams" => {
            let cur = params_of(s, POOL).await?;
            ("change the credit pool's parameters".into(), first(action).map(|p| diff(Some(&cur), p)).unwrap_or_default())
        }
        "SetTrustParams" => {
            let cur = params_of(s, GRAPH).await?;
            ("change the trust graph's parameters".into(), first(action).map(|p| diff(Some(&cur), p)).unwrap_or_default())
        }
        "SetLoanParams" => {
            let cur = params_of(s, LOANS).await?;
            ("change the loan manager's parameters".into(), first(action).map(|p| diff(Some(&cur), p)).unwrap_or_default())
        }
        "SetGovParams" => {
            let cur = params_of(s, GOV).await?;
            ("change governance's parameters".into(), first(action).map(|p| diff(Some(&cur), p)).unwrap_or_default())
        }
        "SetVerifier" => {
            let who = field(action, "verifier").and_then(val::text).unwrap_or_default();
            let appointed = field(action, "appointed").and_then(val::boolean).unwrap_or(false);
            (if appointed { format!("appoint {who} as a verifier") } else { format!("remove {who} as a verifier") }, Vec::new())
        }
        "RevokeVerifier" => {
            let who = first(action).and_then(val::text).unwrap_or_default();
            let g = s.contract(GRAPH)?;
            let at = s.query(&g, "revoked_at", &[who.clone()]).await?;
            let note = if val::some(&at).is_some() { " (already revoked once: this voids what it verified since)" } else { "" };
            (format!("remove {who} as a verifier and void every verification it made{note}: those members lose their voice and, unless staked, their anchoring"), Vec::new())
        }
        "SetPoolPaused" => {
            let on = first(action).and_then(val::boolean).unwrap_or(false);
            (if on { "pause the credit pool (no new stake, credit or draws)".into() } else { "unpause the credit pool".into() }, Vec::new())
        }
        "SpendTreasury" => {
            let to = field(action, "to").and_then(val::text).unwrap_or_default();
            let amount = uint_field(action, "amount").unwrap_or(0);
            (format!("pay {} DUSD from the credit pool's treasury to {to}", format_amount(amount)), Vec::new())
        }
        "Upgrade" => {
            let target = target_label(s, field(action, "target"));
            let target = target.as_str();
            let code = field(action, "code_hash").map(hex_of).unwrap_or_default();
            let now = s.manifest.contracts.get(target).map(|c| c.code_hash.clone()).unwrap_or_default();
            (format!("replace {target}'s code, keeping its storage"), vec![Change { field: "code_hash".into(), from: now, to: code }])
        }
        "SetGuardian" => match first(action).and_then(val::some).and_then(val::text) {
            Some(g) => (format!("make {g} the guardian"), Vec::new()),
            None => ("remove the guardian".into(), Vec::new()),
        },
        "RawCall" => {
            let sel = field(action, "selector").map(hex_of).unwrap_or_default();
            let t = field(action, "target");
            let target = target_label(s, t);
            // The call decoded with the target's metadata, arguments
            // included: voters read what it does, not "prepared input".
            let input = field(action, "input").map(bytes_of).unwrap_or_default();
            let selector = field(action, "selector").map(bytes_of).unwrap_or_default();
            let outside = !s.manifest.contracts.contains_key(&target) && t.and_then(target_name).is_none();
            let place = if outside { format!("{target} (a contract outside this deployment)") } else { target.clone() };
            let decoded = s.contract(&target).ok().map(|h| {
                let data = [selector.as_slice(), input.as_slice()].concat();
                let mut rest = &data[..];
                match h.transcoder.decode_contract_message(&mut rest) {
                    Ok(v) if rest.is_empty() => Ok(visible(&v.to_string())),
                    Ok(v) => Err(format!("{} followed by {} bytes it does not read", visible(&v.to_string()), rest.len())),
                    Err(_) => Err(format!("selector {sel} with input that {target}'s metadata does not decode")),
                }
            });
            match decoded {
                Some(Ok(call)) => (format!("call {place}: {call}"), Vec::new()),
                Some(Err(why)) => (format!("call {place}: WARNING, {why}"), Vec::new()),
                None => (format!("call selector {sel} of {place} with input dcu cannot decode (no metadata): 0x{}", hex::encode(&input)), Vec::new()),
            }
        }
        other => (format!("an action this dcu does not know ({other})"), Vec::new()),
    })
}

/// Builds the action argument (transcoder syntax) and its description.
async fn build_action(s: &Session, g: &GlobalOpts, a: &ProposeAction) -> Result<String> {
    Ok(match a {
        ProposeAction::PoolParams { set } => format!("SetPoolParams({})", apply_changes(&params_of(s, POOL).await?, &parse_changes(set)?)?.0),
        ProposeAction::TrustParams { set } => format!("SetTrustParams({})", apply_changes(&params_of(s, GRAPH).await?, &parse_changes(set)?)?.0),
        ProposeAction::GovParams { set } => format!("SetGovParams({})", apply_changes(&params_of(s, GOV).await?, &parse_changes(set)?)?.0),
        ProposeAction::LoanParams { set } => format!("SetLoanParams({})", apply_changes(&params_of(s, LOANS).await?, &parse_changes(set)?)?.0),
        ProposeAction::Verifier { account, revoke: true, .. } => format!("RevokeVerifier({})", parse_account(account)?),
        ProposeAction::Verifier { account, remove, .. } => format!("SetVerifier {{ verifier: {}, appointed: {} }}", parse_account(account)?, !remove),
        ProposeAction::Pause => "SetPoolPaused(true)".into(),
        ProposeAction::Unpause => "SetPoolPaused(false)".into(),
        ProposeAction::SpendTreasury { to, amount } => format!("SpendTreasury {{ to: {}, amount: {} }}", parse_account(to)?, parse_amount(amount)?),
        ProposeAction::Upgrade { contract, code, bundle, current_bundle } => {
            let target = match contract.as_str() {
                "trust_graph" => "TrustGraph",
                "credit_pool" => "CreditPool",
                "governance" => "Governance",
                "warrant_escrow" => "WarrantEscrow",
                "loan_manager" => "LoanManager",
                other => return Err(CliError::Other(format!("'{other}' cannot be upgraded by governance; choose trust_graph, credit_pool, warrant_escrow, loan_manager or governance"))),
            };
            // The baseline is the code the contract runs on chain now, not
            // what the manifest last recorded (an upgrade may have been
            // executed since).
            let running = running_code_hash(s, contract).await?;
            let hash = if code.starts_with("0x") {
                let bytes = hex::decode(&code[2..]).map_err(|_| CliError::Other(format!("'{code}' is not a 0x code hash")))?;
                if bytes.len() != 32 {
                    return Err(CliError::Other(format!("'{code}' is not a code hash: it has {} bytes, not 32", bytes.len())));
                }
                check_upgrade_layout(s, contract, &running, current_bundle.as_deref(), UpgradeCode::Hash { hash: code.as_str(), bundle: bundle.as_deref() })?;
                code.clone()
            } else {
                if bundle.is_some() {
                    return Err(CliError::Other(format!("{code} is already the code's bundle: give --bundle only with a 0x code hash")));
                }
                let path = PathBuf::from(code);
                let hash = check_upgrade_layout(s, contract, &running, current_bundle.as_deref(), UpgradeCode::Bundle(&path))?;
                let uploaded = super::deploy::upload_bundle(g, &s.signer, &s.conn, &path).await?;
                if !uploaded.eq_ignore_ascii_case(&hash) {
                    return Err(CliError::UpgradeRefused(LayoutError::HashMismatch { path, expected: hash, found: uploaded }));
                }
                hash
            };
            format!("Upgrade {{ target: {target}, code_hash: {hash} }}")
        }
        ProposeAction::Attester { bank, account } => {
            let fed = super::federation::federation(s)?;
            raw_call(&fed, &format!("Contract({})", fed.address), "appoint_attester", &[bank.to_string(), parse_account(account)?.to_string()])?
        }
        ProposeAction::EpochLength { length } => {
            let ms = crate::profile::parse_duration(length).map_err(|e| CliError::Other(format!("epoch length '{length}': {e}")))?;
            raw_call(&s.contract(POOL)?, "CreditPool", "set_epoch_length", &[ms.to_string()])?
        }
        ProposeAction::Guardian { account } => {
            if account.eq_ignore_ascii_case("none") {
                "SetGuardian(None)".into()
            } else {
                format!("SetGuardian(Some({}))", parse_account(account)?)
            }
        }
    })
}

/// A governance target by name: the suite's contract, or for a contract by
/// address the manifest's name for it (else its address).
fn target_label(s: &Session, t: Option<&Value>) -> String {
    match t.and_then(target_name) {
        Some(n) => n.to_string(),
        None => t
            .and_then(first)
            .and_then(val::account)
            .map(|a| s.manifest.contracts.iter().find(|(_, c)| c.address == a).map(|(n, _)| n.clone()).unwrap_or(a))
            .unwrap_or_else(|| "?".into()),
    }
}

/// The bytes of a decoded `[u8; N]` or `Vec<u8>` (hex or a sequence).
fn bytes_of(v: &Value) -> Vec<u8> {
    match v {
        Value::Hex(h) => h.bytes().to_vec(),
        other => val::uints(other).into_iter().filter_map(|b| u8::try_from(b).ok()).collect(),
    }
}

/// `text` with control characters escaped (a newline as `\n`).
fn visible(text: &str) -> String {
    text.chars().flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect()
}

/// A `RawCall` action (transcoder syntax) calling `message(args)` of
/// `contract`, which governance names as `target`: the selector and the
/// SCALE input are encoded from the contract's metadata.
fn raw_call(contract: &crate::contract::ContractHandle, target: &str, message: &str, args: &[String]) -> Result<String> {
    let data = contract
        .transcoder
        .encode(message, args)
        .map_err(|e| CliError::Other(format!("cannot encode {}'s {message}: {}", contract.name, crate::chain::short_reason(&e.to_string()))))?;
    if data.len() < 4 {
        return Err(CliError::Other(format!("{}'s {message} encoded to fewer than 4 bytes", contract.name)));
    }
    Ok(format!("RawCall {{ target: {target}, selector: 0x{}, input: 0x{} }}", hex::encode(&data[..4]), hex::encode(&data[4..])))
}

/// The code an upgrade proposes.
enum UpgradeCode<'a> {
    /// A .contract bundle, to be uploaded.
    Bundle(&'a std::path::Path),
    /// A code hash, with the bundle holding that code if one was given.
    Hash { hash: &'a str, bundle: Option<&'a std::path::Path> },
}

/// The code hash `contract` runs on chain now (`Contracts::ContractInfoOf`).
async fn running_code_hash(s: &Session, contract: &str) -> Result<String> {
    let address = &s.manifest.contract(contract)?.address;
    super::deploy::running_code(&s.conn, address).await?.ok_or_else(|| CliError::Other(format!("{contract} ({address}) is not a contract on this chain")))
}

/// Refuses, before anything is uploaded or proposed, a code that cannot take
/// over `contract`'s storage: its metadata's storage layout is compared with
/// that of the code the contract runs on chain (`running`): the manifest's
/// bundle when it holds that code, else `current_bundle`, whose Wasm must
/// hash to it. A code hash needs its bundle, unless it is the running code
/// itself. A bundle's own Wasm is hashed: the hash it claims is not
/// trusted. Returns the new code's hash.
fn check_upgrade_layout(s: &Session, contract: &str, running: &str, current_bundle: Option<&std::path::Path>, code: UpgradeCode<'_>) -> Result<String> {
    let deployed = s.manifest.contract(contract)?;
    let wasm_hash = |p: &std::path::Path| -> Result<String> {
        layout::bundle_code_hash(&layout::read_json(p)?).ok_or_else(|| {
            CliError::UpgradeRefused(LayoutError::NotMetadata {
                path: p.to_path_buf(),
                reason: "it holds no Wasm (`source.wasm`): give the .contract bundle, not the .json metadata".into(),
            })
        })
    };
    let (path, label, new_hash) = match code {
        UpgradeCode::Bundle(p) => {
            if p.extension().and_then(|e| e.to_str()) != Some("contract") || !p.exists() {
                return Err(CliError::Other(format!("{} is neither a 0x code hash nor an existing .contract bundle", p.display())));
            }
            let found = wasm_hash(p)?;
            let claimed = layout::read_json(p)?.pointer("/source/hash").and_then(|h| h.as_str()).unwrap_or_default().to_string();
            if !claimed.eq_ignore_ascii_case(&found) {
                return Err(CliError::UpgradeRefused(LayoutError::HashMismatch { path: p.to_path_buf(), expected: claimed, found }));
            }
            (p, p.display().to_string(), found)
        }
        // The code running now reads its own storage.
        UpgradeCode::Hash { hash, .. } if hash.eq_ignore_ascii_case(running) => return Ok(hash.to_string()),
        UpgradeCode::Hash { hash, bundle: None } => {
            return Err(CliError::UpgradeRefused(LayoutError::NeedBundle { contract: contract.to_string(), hash: hash.to_string() }))
        }
        UpgradeCode::Hash { hash, bundle: Some(p) } => {
            let found = wasm_hash(p)?;
            if !found.eq_ignore_ascii_case(hash) {
                return Err(CliError::UpgradeRefused(LayoutError::HashMismatch { path: p.to_path_buf(), expected: hash.to_string(), found }));
            }
            (p, hash.to_string(), found)
        }
    };
    let manifest_bundle = crate::manifest::resolve(&s.manifest_path, &deployed.bundle);
    let current = match current_bundle {
        Some(p) => {
            let found = wasm_hash(p)?;
            if !found.eq_ignore_ascii_case(running) {
                return Err(CliError::UpgradeRefused(LayoutError::HashMismatch { path: p.to_path_buf(), expected: running.to_string(), found }));
            }
            p.to_path_buf()
        }
        None => {
            if !manifest_bundle.exists() {
                return Err(CliError::MissingArtifact(manifest_bundle));
            }
            if !wasm_hash(&manifest_bundle)?.eq_ignore_ascii_case(running) {
                return Err(CliError::UpgradeRefused(LayoutError::UnknownBaseline { contract: contract.to_string(), running: running.to_string(), bundle: manifest_bundle }));
            }
            manifest_bundle
        }
    };
    let old = StorageLayout::load(&current)?;
    let new = StorageLayout::load(path)?;
    layout::ensure_compatible(contract, &label, &old, &new).map_err(CliError::UpgradeRefused)?;
    Ok(new_hash)
}

/// Checks what can be checked without the network.
fn check_offline(a: &ProposeAction) -> Result<()> {
    match a {
        ProposeAction::PoolParams { set } | ProposeAction::TrustParams { set } | ProposeAction::GovParams { set } | ProposeAction::LoanParams { set } => {
            // Values of fields named in full are checked now; a short name
            // (`lockout` for `lockout_ms`) is resolved against the contract's
            // fields, and checked, before anything is submitted.
            for (k, v) in parse_changes(set)? {
                let kind = kind_of(&k);
                if kind != Kind::Count {
                    parse_in(kind, &k, &v)?;
                }
            }
            Ok(())
        }
        ProposeAction::Verifier { account, .. } => parse_account(account).map(|_| ()),
        ProposeAction::SpendTreasury { to, amount } => parse_account(to).and(parse_amount(amount)).map(|_| ()),
        ProposeAction::Guardian { account } if !account.eq_ignore_ascii_case("none") => parse_account(account).map(|_| ()),
        ProposeAction::Attester { account, .. } => parse_account(account).map(|_| ()),
        ProposeAction::EpochLength { length } => crate::profile::parse_duration(length).map(|_| ()).map_err(|e| CliError::Other(format!("epoch length '{length}': {e}"))),
        _ => Ok(()),
    }
}

/// A proposal as `dcu` prints it.
#[derive(Debug, Serialize)]
pub struct ProposalView {
    pub id: u32,
    pub state: String,
    pub title: String,
    pub proposer: String,
    /// What the action does, in words.
    pub action: String,
    /// Parameter changes, "from" being the chain's current value.
    pub changes: Vec<Change>,
    /// The contract the action calls, when it calls one.
    pub target: Option<String>,
    pub votes_for: u128,
    pub votes_against: u128,
    pub voters: u128,
    /// Members verified when the proposal was made (the snapshot): the only
    /// possible voters.
    pub electorate: u128,
    /// When it was made: only members verified before then may vote.
    pub created_at: u128,
    /// Voters needed for the quorum.
    pub quorum_voters: u128,
    /// The signer's voice on it: its credits, or why it has none.
    pub your_voice: String,
    pub voting_starts: u128,
    pub voting_ends: u128,
    /// Earliest execution (0: not queued).
    pub eta: u128,
    pub execution_window_ms: u128,
    /// Why the last execution failed, decoded from the callee's metadata.
    pub last_error: Option<String>,
    /// Block time the view was read at.
    pub now: u64,
}

impl ProposalView {
    fn line(&self) -> String {
        format!("#{} {:<9} {} — {}", self.id, self.state, if self.title.is_empty() { "(untitled)" } else { &self.title }, self.action)
    }
}

fn changes_text(changes: &[Change]) -> String {
    changes.iter().map(|c| format!("\n    {}: {} → {}", c.field, c.from, c.to)).collect()
}

impl Report for ProposalView {
    fn human(&self) -> String {
        let mut s = format!("Proposal #{} — {}: \"{}\"\n  proposed by {}\n  action: {}{}", self.id, self.state, self.title, self.proposer, self.action, changes_text(&self.changes));
        s.push_str(&format!(
            "\n  votes: {} for, {} against, by {} voters (quorum: {} of the {} members verified before it was made, {})",
            self.votes_for,
            self.votes_against,
            self.voters,
            self.quorum_voters,
            self.electorate,
            format_time(self.created_at as u64)
        ));
        s.push_str(&format!("\n  your voice: {}", self.your_voice));
        s.push_str(&format!("\n  voting: {} → {}", format_time(self.voting_starts as u64), format_time(self.voting_ends as u64)));
        if self.eta > 0 {
            s.push_str(&format!(
                "\n  executable from {} until {}",
                format_time(self.eta as u64),
                format_time(self.eta.saturating_add(self.execution_window_ms) as u64)
            ));
        }
        if let Some(e) = &self.last_error {
            s.push_str(&format!("\n  last execution failed: {e}"));
        }
        s
    }
}

async fn view(s: &Session, info: &Value) -> Result<ProposalView> {
    let p = field(info, "proposal").ok_or_else(|| CliError::Other("the proposal could not be read".into()))?;
    let u = |n: &str| uint_field(p, n).unwrap_or(0);
    let action = field(p, "action").cloned().unwrap_or(Value::Unit);
    let (words, changes) = describe_action(s, &action).await?;
    let last_error = field(p, "last_error").and_then(val::some).map(|e| {
        let bytes: Vec<u8> = val::uints(e).into_iter().map(|b| b as u8).collect();
        let decoded = callee(&action).and_then(|(c, m)| s.contract(c).ok().and_then(|h| h.describe_answer(m, &bytes)));
        match decoded {
            Some((v, d)) if d.is_empty() => v,
            Some((v, d)) => format!("{v} — {d}"),
            None if bytes.is_empty() => "the call trapped or ran out of gas".into(),
            None => format!("answer 0x{}", hex::encode(&bytes)),
        }
    });
    let electorate = u("electorate");
    let quorum_bps = u("quorum_bps");
    let id = uint_field(info, "id").unwrap_or(0) as u32;
    let gov = s.contract(GOV)?;
    let your_voice = match s.query(&gov, "voice_credits_on", &[id.to_string(), s.me().to_string()]).await {
        Ok(v) => format!("{} voice credits (n votes cost n²)", val::uint(&v).unwrap_or(0)),
        Err(CliError::ContractRefused { variant, .. }) if variant.starts_with("VerifiedAfterProposal") => {
            format!("none — {} was verified after this proposal was made; it has a voice on later ones", s.me())
        }
        Err(CliError::ContractRefused { variant, .. }) if variant.starts_with("NoVoiceCredits") => {
            format!("none — {} is not a verified member (a verifier must verify it before a proposal is made)", s.me())
        }
        Err(e) => return Err(e),
    };
    Ok(ProposalView {
        id,
        state: field(info, "state").and_then(val::variant).unwrap_or_default(),
        // Shown as plain text: control characters (newlines, terminal
        // escapes) a proposer put on chain cannot forge lines of the view.
        title: field(p, "title").and_then(val::text).map(|t| visible(&t)).unwrap_or_default(),
        proposer: field(p, "proposer").and_then(val::text).unwrap_or_default(),
        action: words,
        changes,
        target: callee(&action).map(|(c, _)| c.to_string()),
        votes_for: u("votes_for"),
        votes_against: u("votes_against"),
        voters: u("voters"),
        electorate,
        created_at: u("created_at"),
        your_voice,
        // Voters needed: ⌈electorate · quorum_bps / 10,000⌉, as the contract counts.
        quorum_voters: (electorate * quorum_bps).div_ceil(10_000),
        voting_starts: u("voting_starts"),
        voting_ends: u("voting_ends"),
        eta: u("eta"),
        execution_window_ms: u("execution_window_ms"),
        last_error,
        now: chain_now(s).await?,
    })
}

async fn load(s: &Session, gov: &ContractHandle, id: u32) -> Result<ProposalView> {
    let v = s.query(gov, "proposal", &[id.to_string()]).await?;
    let info = val::some(&v).ok_or_else(|| CliError::Other(format!("there is no proposal #{id}; `dcu gov list` shows them")))?;
    view(s, info).await
}

/// Every proposal.
#[derive(Debug, Serialize)]
pub struct ListReport {
    pub proposals: Vec<ProposalView>,
}

impl Report for ListReport {
    fn human(&self) -> String {
        if self.proposals.is_empty() {
            return "No proposals yet; `dcu gov propose` makes one".into();
        }
        self.proposals.iter().map(|p| p.line() + &changes_text(&p.changes)).collect::<Vec<_>>().join("\n")
    }
}

/// Governance's settings.
#[derive(Debug, Serialize)]
pub struct InfoReport {
    pub address: String,
    pub account: String,
    pub voice_credits: u128,
    pub guardian: Option<String>,
    pub voting_delay: String,
    pub voting_period: String,
    pub quorum: String,
    pub timelock: String,
    pub execution_window: String,
    pub credits_per_proposal: u128,
    /// Whether the account is a verified member (voice credits on proposals made from now on).
    pub verified: bool,
    /// Development mode (no one-day floors on the vote and the timelock).
    pub dev_mode: bool,
    pub proposals: u128,
}

impl Report for InfoReport {
    fn human(&self) -> String {
        format!(
            "Governance {}{}\n  {} has {} voice credits per proposal (n votes cost n²){}\n  guardian: {}\n  voting delay {}, voting period {}, quorum {} of the members verified when a proposal is made, timelock {}, execution window {}\n  {} credits per verified member on each proposal made after its verification; {} proposals so far",
            self.address,
            if self.dev_mode { " (development mode)" } else { "" },
            self.account,
            self.voice_credits,
            if self.verified { "" } else { ": only verified members have a voice" },
            self.guardian.as_deref().unwrap_or("none"),
            self.voting_delay,
            self.voting_period,
            self.quorum,
            self.timelock,
            self.execution_window,
            self.credits_per_proposal,
            self.proposals
        )
    }
}

/// Runs a governance subcommand.
pub async fn run(g: &GlobalOpts, opts: &GovOpts, out: &mut impl Write) -> Result<()> {
    match &opts.cmd {
        GovCmd::Layout { metadata, against } => run_layout(g, metadata, against.as_deref(), out),
        GovCmd::Propose { title, action } => {
            check_offline(action)?;
            if title.len() > 200 {
                return Err(CliError::Other(format!("the title has {} bytes; at most 200", title.len())));
            }
            let s = Session::open(g).await?;
            let gov = s.contract(GOV)?;
            let arg = build_action(&s, g, action).await?;
            let title_arg = format!("{:?}", title);
            let tx = s.submit(g, GOV, "propose", &[arg, title_arg]).await?;
            let id = val::uint(&tx.value).unwrap_or(0) as u32;
            let v = load(&s, &gov, id).await?;
            let summary = format!("Proposed #{id}: {}{}\n  voting {} → {}", v.action, changes_text(&v.changes), format_time(v.voting_starts as u64), format_time(v.voting_ends as u64));
            emit(g, out, &TxReport::new(summary, None, tx))
        }
        GovCmd::Vote { id, choice, votes } => {
            let support = match choice.to_ascii_lowercase().as_str() {
                "for" | "yes" | "aye" => true,
                "against" | "no" | "nay" => false,
                other => return Err(CliError::Other(format!("'{other}' is not a choice: vote `for` or `against`"))),
            };
            let s = Session::open(g).await?;
            let tx = s.submit(g, GOV, "vote", &[id.to_string(), support.to_string(), votes.to_string()]).await?;
            let cost = u128::from(*votes) * u128::from(*votes);
            let summary = format!("{} cast {votes} votes {} proposal #{id}, spending {cost} voice credits", s.me(), if support { "for" } else { "against" });
            emit(g, out, &TxReport::new(summary, None, tx))
        }
        GovCmd::Queue { id } => {
            let s = Session::open(g).await?;
            let tx = s.submit(g, GOV, "queue", &[id.to_string()]).await?;
            let eta = val::uint(&tx.value).unwrap_or(0);
            emit(g, out, &TxReport::new(format!("Queued proposal #{id}; it may be executed from {}", format_time(eta as u64)), None, tx))
        }
        GovCmd::Execute { id } => {
            let s = Session::open(g).await?;
            let gov = s.contract(GOV)?;
            let tx = s.submit(g, GOV, "execute", &[id.to_string()]).await?;
            let done = val::boolean(&tx.value).unwrap_or(false);
            let v = load(&s, &gov, *id).await?;
            if !done {
                // The call was refused: nothing changed; report it as a failure.
                return Err(CliError::Other(format!(
                    "proposal #{id} was not executed: the call to {} was refused ({}); nothing changed and it stays queued",
                    v.target.as_deref().unwrap_or("the target contract"),
                    v.last_error.clone().unwrap_or_default()
                )));
            }
            emit(g, out, &TxReport::new(format!("Executed proposal #{id}: {}{}", v.action, changes_text(&v.changes)), None, tx))
        }
        GovCmd::Cancel { id } => {
            let s = Session::open(g).await?;
            let tx = s.submit(g, GOV, "cancel", &[id.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("Canceled proposal #{id}"), None, tx))
        }
        GovCmd::GuardianPause => {
            let s = Session::open(g).await?;
            let tx = s.submit(g, GOV, "guardian_pause", &[]).await?;
            emit(g, out, &TxReport::new("The guardian paused the credit pool; only a governance vote unpauses it".into(), None, tx))
        }
        GovCmd::Show { id } => {
            let s = Session::open(g).await?;
            let gov = s.contract(GOV)?;
            emit(g, out, &load(&s, &gov, *id).await?)
        }
        GovCmd::List => {
            let s = Session::open(g).await?;
            let gov = s.contract(GOV)?;
            let n = val::uint(&s.query(&gov, "proposal_count", &[]).await?).unwrap_or(0) as u32;
            let mut proposals = Vec::new();
            for id in (0..n).rev() {
                proposals.push(load(&s, &gov, id).await?);
            }
            emit(g, out, &ListReport { proposals })
        }
        GovCmd::Info { account } => {
            let who = account.as_deref().map(parse_account).transpose()?;
            let s = Session::open(g).await?;
            let gov = s.contract(GOV)?;
            let who = who.unwrap_or_else(|| s.me()).to_string();
            let credits = val::uint(&s.query(&gov, "voice_credits", &[who.clone()]).await?).unwrap_or(0);
            let p = s.query(&gov, "params", &[]).await?;
            let guardian = val::some(&s.query(&gov, "guardian", &[]).await?).and_then(val::text);
            let count = val::uint(&s.query(&gov, "proposal_count", &[]).await?).unwrap_or(0);
            let dev_mode = val::boolean(&s.query(&gov, "dev_mode", &[]).await?).unwrap_or(false);
            let graph = s.contract(super::trust::TRUST)?;
            let verified = val::boolean(&s.query(&graph, "is_verified", &[who.clone()]).await?).unwrap_or(false);
            let f = |n: &str| format_in(kind_of(n), uint_field(&p, n).unwrap_or(0));
            emit(
                g,
                out,
                &InfoReport {
                    address: gov.address.to_string(),
                    account: who,
                    voice_credits: credits,
                    guardian,
                    voting_delay: f("voting_delay_ms"),
                    voting_period: f("voting_period_ms"),
                    quorum: f("quorum_bps"),
                    timelock: f("timelock_ms"),
                    execution_window: f("execution_window_ms"),
                    credits_per_proposal: uint_field(&p, "voice_credits").unwrap_or(0),
                    verified,
                    dev_mode,
                    proposals: count,
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contract_transcode::{Map, Value};

    fn pool_params() -> Value {
        indexmap_of(&[("lockout_ms", 90 * dcu_common::DAY_MS as u128), ("max_credit", 10_000_000_000), ("fee_bps", 100)])
    }

    fn indexmap_of(fields: &[(&str, u128)]) -> Value {
        Value::Map(Map::new(Some("PoolParams"), fields.iter().map(|(k, v)| (Value::String(k.to_string()), Value::UInt(*v))).collect()))
    }

    #[test]
    fn apply_changes_reads_units_and_keeps_other_fields() {
        let cur = pool_params();
        let changes = parse_changes(&["max_credit=4000".into(), "lockout=120d".into(), "fee=1.5%".into()]).unwrap();
        let (arg, words) = apply_changes(&cur, &changes).unwrap();
        assert_eq!(arg, format!("PoolParams {{ lockout_ms: {}, max_credit: 4000000000, fee_bps: 150 }}", 120 * dcu_common::DAY_MS));
        assert_eq!(words[0], Change { field: "max_credit".into(), from: "10,000 DUSD".into(), to: "4,000 DUSD".into() });
        assert_eq!(words[1], Change { field: "lockout_ms".into(), from: "90d".into(), to: "120d".into() });
        assert_eq!(words[2].to, "1.50 %");
    }

    #[test]
    fn apply_changes_refuses_unknown_fields_and_bad_values() {
        let cur = pool_params();
        let e = apply_changes(&cur, &parse_changes(&["colour=red".into()]).unwrap()).unwrap_err().to_string();
        assert!(e.contains("'colour' is not a parameter") && e.contains("max_credit"), "{e}");
        let e = apply_changes(&cur, &parse_changes(&["lockout=soon".into()]).unwrap()).unwrap_err().to_string();
        assert!(e.contains("lockout_ms=soon"), "{e}");
        assert!(parse_changes(&["max_credit".into()]).unwrap_err().to_string().contains("FIELD=VALUE"));
        assert!(check_offline(&ProposeAction::PoolParams { set: vec!["fee_bps=ten".into()] }).is_err());
        assert!(check_offline(&ProposeAction::TrustParams { set: vec!["max_in_degree=0".into()] }).is_ok());
        assert!(check_offline(&ProposeAction::Verifier { account: "nobody".into(), remove: false, revoke: false }).is_err());
    }

    #[test]
    fn the_pools_cover_rules_and_min_line_are_read_in_their_units() {
        assert_eq!(kind_of("cover_min_age_ms"), Kind::Duration);
        assert_eq!(kind_of("cover_share_bps"), Kind::Percent);
        assert_eq!(kind_of("cover_max_reserve_share_bps"), Kind::Percent);
        assert_eq!(kind_of("min_line"), Kind::Amount);
        let cur = indexmap_of(&[("cover_share_bps", 5_000), ("min_line", 10_000_000)]);
        let (arg, words) = apply_changes(&cur, &parse_changes(&["cover_share=40%".into(), "min_line=25".into()]).unwrap()).unwrap();
        assert_eq!(arg, "PoolParams { cover_share_bps: 4000, min_line: 25000000 }");
        assert_eq!(words[1], Change { field: "min_line".into(), from: "10 DUSD".into(), to: "25 DUSD".into() });
    }

    #[test]
    fn diff_names_only_what_changes() {
        let cur = pool_params();
        let new = indexmap_of(&[("lockout_ms", 90 * dcu_common::DAY_MS as u128), ("max_credit", 4_000_000_000), ("fee_bps", 100)]);
        let d = diff(Some(&cur), &new);
        assert_eq!(d, vec![Change { field: "max_credit".into(), from: "10,000 DUSD".into(), to: "4,000 DUSD".into() }]);
    }
}
