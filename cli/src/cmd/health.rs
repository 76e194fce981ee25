//! `dcu health`: the federation's community banks and their health (issue 20,
//! seeds 000/001; the rules are `docs/COMMUNITY.md`).
//!
//! - `dcu health [BANK] [--epochs N] [--svg PATH] [--verify]` reads, for each
//!   bank (or the one named by id or name), its last N closed epochs from the
//!   federation's `health(bank, epoch)`: the five metrics, the weighted
//!   score, the credit velocity and the pool's counters. Epochs not closed
//!   or not attested are shown as such. The answers are SCALE-decoded into
//!   `dcu_common::health`'s own types (`Metrics`, `EpochStats`). It writes
//!   an SVG plot of health and velocity per bank (`health.svg` by default).
//!   `--verify` recomputes each shown epoch off chain — the pool's counters
//!   from its events and the blocks' times, the metrics from the `Attested`
//!   event, with `dcu_common::health` — and fails unless every epoch it can
//!   check equals the chain's answer to the unit.
//! - `dcu health attest --bank ID --epoch E --from data.json`: the bank's
//!   attester submits `attest(bank, epoch, Attestation)`, the attestation
//!   derived from the data file described in `docs/COMMUNITY.md` ("The
//!   attester's data file"); a malformed file is refused before anything is
//!   sent.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use contract_transcode::Value;
use dcu_common::health::{self as hm, EpochStats, Metrics};
use serde::Serialize;
use subxt::utils::{AccountId32, H256};

use super::{Session, TxReport};
use crate::chain::{format_amount, parse_amount_in, short_reason};
use crate::contract::ContractHandle;
use crate::manifest::Manifest;
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::value::{self as val, field, uint_field};
use crate::{CliError, Result};

pub use super::federation::FEDERATION;
/// Name of the credit pool contract in the manifest: its metadata reads
/// every bank's pool (the banks' pools run the suite's pool code).
pub const POOL: &str = super::pool::POOL;
/// Closed epochs shown per bank by default.
pub const DEFAULT_EPOCHS: u64 = 6;
/// Most epochs shown per bank.
pub const MAX_EPOCHS: u64 = 64;
/// Most recent blocks `--verify` reads: the state a default node keeps
/// (`--state-pruning 256`); events live in the state, so older blocks'
/// events are gone on such a node.
pub const SCAN_WINDOW: u64 = 256;
/// Epochs `dcu monitor` looks back for a bank's last attested one.
pub const MONITOR_LOOKBACK: u64 = 6;
/// The loan purposes of the data file, in `Purpose::ALL` order (the names
/// `dcu loan request --purpose` takes).
pub const PURPOSE_KEYS: [&str; 5] = ["productive", "creative", "community", "ecological", "educational"];

/// `dcu health` options.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HealthOpts {
    #[command(subcommand)]
    pub cmd: Option<HealthCmd>,
    #[command(flatten)]
    pub show: ShowOpts,
}

/// What `dcu health` shows.
#[derive(Debug, Args)]
pub struct ShowOpts {
    /// A bank's id or name (default: every bank of the federation).
    pub bank: Option<String>,
    /// Closed epochs per bank, the latest ones.
    #[arg(long, default_value_t = DEFAULT_EPOCHS)]
    pub epochs: u64,
    /// Where to write the plot of health and credit velocity.
    #[arg(long, default_value = "health.svg")]
    pub svg: PathBuf,
    /// Recompute each shown epoch from the pool's events and the attestation
    /// event, and fail unless it equals the chain's answer to the unit.
    #[arg(long)]
    pub verify: bool,
}

/// `dcu health` subcommands.
#[derive(Debug, Subcommand)]
pub enum HealthCmd {
    /// Attest a closed epoch for a bank (its appointed attester), from a data file.
    Attest {
        /// The bank's id or name.
        #[arg(long)]
        bank: String,
        /// The closed epoch attested.
        #[arg(long)]
        epoch: u64,
        /// The attester's data file (JSON; docs/COMMUNITY.md, "The attester's data file").
        #[arg(long)]
        from: PathBuf,
    },
}

// ---------------------------------------------------------------------------
// Reading the federation
// ---------------------------------------------------------------------------

pub use super::federation::{find_bank, Answer, BankInfo, Fed};

// ---------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------

/// An epoch's state.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Closed and attested: a health.
    Health,
    /// Not closed yet.
    Open,
    /// Closed, not attested.
    NotAttested,
    /// Closed and attested, but its figures give no health.
    NoHealth,
}

/// The five metrics.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct MetricsView {
    pub diversity: u8,
    pub circulation: u8,
    pub participation: u8,
    pub ecological: u8,
    pub knowledge: u8,
}

impl From<Metrics> for MetricsView {
    fn from(m: Metrics) -> Self {
        MetricsView { diversity: m.diversity, circulation: m.circulation, participation: m.participation, ecological: m.ecological, knowledge: m.knowledge }
    }
}

/// An epoch's health and the pool's counters.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HealthView {
    pub metrics: MetricsView,
    /// The weighted score, 0..=100.
    pub health: u8,
    /// Credit velocity, parts per million.
    pub velocity_ppm: u128,
    /// Credit velocity as a ratio (repaid ÷ average outstanding).
    pub velocity: f64,
    /// Principal drawn in the epoch, smallest units.
    pub drawn: u128,
    /// The part of it opened as term loans, per purpose (productive,
    /// creative, community, ecological, educational): what diversity measures.
    pub purpose_drawn: [u128; hm::PURPOSES],
    /// ∫ term-loan principal outstanding dt per purpose (smallest units ×
    /// ms): what diversity weighs.
    pub purpose_outstanding_ms: [u128; hm::PURPOSES],
    /// Term-loan principal outstanding at the epoch's end, per purpose.
    pub purpose_principal_end: [u128; hm::PURPOSES],
    /// Principal repaid in the epoch, smallest units.
    pub repaid: u128,
    /// ∫ outstanding dt ÷ epoch length, smallest units (rounded down).
    pub average_outstanding: u128,
    /// ∫ outstanding dt, smallest units × ms.
    pub outstanding_ms: u128,
    /// Outstanding principal at the epoch's end.
    pub principal_end: u128,
    pub saturated: bool,
    /// First millisecond and length, on the pool's clock.
    pub start: u64,
    pub epoch_ms: u64,
}

/// `--verify`'s finding for one epoch.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verification {
    /// `verified`, `mismatch` or `unavailable`.
    pub status: String,
    /// What was compared, or why not.
    pub detail: String,
    /// The epoch's blocks (first, last) read, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<(u64, u64)>,
    /// The pool events found in them.
    pub events: usize,
    /// The fields that differ, "name: recomputed X, chain Y".
    pub mismatches: Vec<String>,
}

/// One epoch of one bank.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpochRow {
    pub epoch: u64,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<HealthView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<Verification>,
}

/// One bank's epochs.
#[derive(Debug, Clone, Serialize)]
pub struct BankRows {
    #[serde(flatten)]
    pub bank: BankInfo,
    /// Its first counted epoch.
    pub first_epoch: Option<u64>,
    /// The open epoch of its pool.
    pub current_epoch: Option<u64>,
    pub epochs: Vec<EpochRow>,
    /// Why nothing could be read, when so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What `dcu health` shows.
#[derive(Debug, Serialize)]
pub struct HealthReport {
    pub federation: String,
    /// Target health (`params().target`).
    pub target: u8,
    /// Budget per distributed epoch and treasury, smallest units.
    pub budget: u128,
    pub treasury: u128,
    pub banks: Vec<BankRows>,
    /// The SVG plot written.
    pub svg: Option<String>,
    /// Whether `--verify` ran.
    pub verified: bool,
}

/// A velocity in ppm as a ratio with six decimals, exactly.
pub fn ratio(ppm: u128) -> String {
    if ppm == u128::MAX {
        return "saturated".into();
    }
    format!("{}.{:06}", ppm / hm::PPM, ppm % hm::PPM)
}

fn view(metrics: Metrics, health: u8, velocity_ppm: u128, stats: &EpochStats) -> HealthView {
    HealthView {
        metrics: metrics.into(),
        health,
        velocity_ppm,
        velocity: velocity_ppm as f64 / hm::PPM as f64,
        drawn: stats.drawn,
        purpose_drawn: stats.purpose_drawn,
        purpose_outstanding_ms: stats.purpose_outstanding_ms,
        purpose_principal_end: stats.purpose_principal_end,
        repaid: stats.repaid,
        average_outstanding: stats.outstanding_ms.checked_div(u128::from(stats.epoch_ms)).unwrap_or(0),
        outstanding_ms: stats.outstanding_ms,
        principal_end: stats.principal_end,
        saturated: stats.saturated,
        start: stats.start,
        epoch_ms: stats.epoch_ms,
    }
}

impl Report for HealthReport {
    fn human(&self) -> String {
        let mut s = format!(
            "Federation {}: target health {}, budget {} DUSD per epoch, treasury {} DUSD",
            self.federation,
            self.target,
            format_amount(self.budget),
            format_amount(self.treasury)
        );
        if self.banks.is_empty() {
            s.push_str("\n  no bank is registered yet");
        }
        for b in &self.banks {
            s.push_str(&format!("\n\nBank {} {} (bioregion {}), pool {}", b.bank.id, b.bank.name, b.bank.bioregion, b.bank.pool));
            if let Some(e) = &b.error {
                s.push_str(&format!("\n  cannot read it: {e}"));
                continue;
            }
            if let (Some(first), Some(cur)) = (b.first_epoch, b.current_epoch) {
                if first > cur {
                    s.push_str(&format!("\n  counted from epoch {first} (the first whole epoch after its registration); its pool is in epoch {cur}"));
                }
            }
            if b.epochs.is_empty() {
                continue;
            }
            s.push_str(&format!(
                "\n  {:>10}  {:>6}  {:>4} {:>4} {:>4} {:>4} {:>4}  {:>9}  {:>14}  {:>14}  {:>16}",
                "epoch", "health", "div", "circ", "part", "eco", "know", "velocity", "drawn", "repaid", "avg outstanding"
            ));
            for r in &b.epochs {
                match (&r.report, r.status) {
                    (Some(h), _) => s.push_str(&format!(
                        "\n  {:>10}  {:>6}  {:>4} {:>4} {:>4} {:>4} {:>4}  {:>9}  {:>14}  {:>14}  {:>16}{}",
                        r.epoch,
                        h.health,
                        h.metrics.diversity,
                        h.metrics.circulation,
                        h.metrics.participation,
                        h.metrics.ecological,
                        h.metrics.knowledge,
                        ratio(h.velocity_ppm),
                        format_amount(h.drawn),
                        format_amount(h.repaid),
                        format_amount(h.average_outstanding),
                        if h.health < self.target { "  below target" } else { "" }
                    )),
                    (None, Status::Open) => s.push_str(&format!("\n  {:>10}  open (not closed yet)", r.epoch)),
                    (None, Status::NotAttested) => s.push_str(&format!("\n  {:>10}  closed, not attested", r.epoch)),
                    (None, _) => s.push_str(&format!("\n  {:>10}  no health: {}", r.epoch, r.note.clone().unwrap_or_default())),
                }
                if let Some(v) = &r.verify {
                    let mark = match v.status.as_str() {
                        "verified" => "verified",
                        "mismatch" => "MISMATCH",
                        _ => "not verified",
                    };
                    s.push_str(&format!("\n  {:>10}  └ {mark}: {}", "", v.detail));
                    for m in &v.mismatches {
                        s.push_str(&format!("\n  {:>10}      {m}", ""));
                    }
                }
            }
        }
        s.push_str("\n\n  div = economic diversity, circ = resource circulation, part = cooperative participation, eco = ecological footprint, know = knowledge sharing (0..100); velocity = principal repaid ÷ average outstanding; amounts in DUSD");
        if let Some(p) = &self.svg {
            s.push_str(&format!("\n  plot: {p}"));
        }
        s
    }
}

// ---------------------------------------------------------------------------
// Off-chain recomputation (--verify)
// ---------------------------------------------------------------------------

/// A pool event that changes the epoch counters, with its amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowEvent {
    /// `Drawn.amount`: drawn, outstanding up.
    Drawn(u128),
    /// `LoanOpened.amount` and its `purpose` (index into `Purpose::ALL`;
    /// `None` from a pool that did not name it): drawn, outstanding up,
    /// counted under the purpose.
    LoanOpened(u128, Option<usize>),
    /// `Repaid.principal`: repaid, outstanding down.
    Repaid(u128),
    /// `LoanReturned.principal` and its `purpose`: repaid, outstanding
    /// down, the purpose's principal down.
    LoanReturned(u128, Option<usize>),
    /// `Defaulted.principal`: written off, outstanding down, not repaid.
    Defaulted(u128),
    /// `LoanSettled.principal` and its `purpose`: written off, outstanding
    /// down, not repaid, the purpose's principal down.
    LoanSettled(u128, Option<usize>),
}

impl FlowEvent {
    /// The counter event named `name` with its fields, if it is one.
    pub fn from_event(name: &str, fields: &Value) -> Option<FlowEvent> {
        let amount = |f: &str| uint_field(fields, f);
        // `purpose`: a `Purpose`, or an `Option<Purpose>` (`None` names none).
        let purpose = || {
            let v = field(fields, "purpose")?;
            let inner = if val::variant(v).as_deref() == Some("Some") { val::some(v)? } else { v };
            purpose_index(&val::variant(inner)?)
        };
        Some(match name {
            "Drawn" => FlowEvent::Drawn(amount("amount")?),
            "LoanOpened" => FlowEvent::LoanOpened(amount("amount")?, purpose()),
            "Repaid" => FlowEvent::Repaid(amount("principal")?),
            "LoanReturned" => FlowEvent::LoanReturned(amount("principal")?, purpose()),
            "Defaulted" => FlowEvent::Defaulted(amount("principal")?),
            "LoanSettled" => FlowEvent::LoanSettled(amount("principal")?, purpose()),
            _ => return None,
        })
    }
}

/// The index in `Purpose::ALL` of the purpose named `name` (its variant).
pub fn purpose_index(name: &str) -> Option<usize> {
    dcu_common::loan::Purpose::ALL.iter().position(|p| format!("{p:?}") == name)
}

/// Recomputes epoch `epoch`'s counters as the pool keeps them: from the
/// outstanding principal at its start (`principal_start`) and its counter
/// events at their times on the pool's clock (in chain order), the integral
/// of the outstanding principal over `[start, end)` — each principal counts
/// from the previous change (or the epoch's start) to the next (or the
/// end) — every sum saturating at `u128::MAX` as the pool's do; the same
/// per purpose for term loans, from their principal by purpose at its
/// start (`purpose_start`). Events outside the epoch are ignored.
///
/// # Errors
/// A sentence when the events take more principal out than was outstanding.
pub fn recompute(epoch: u64, epoch_ms: u64, principal_start: u128, purpose_start: [u128; hm::PURPOSES], events: &[(u64, FlowEvent)]) -> std::result::Result<EpochStats, String> {
    let start = epoch.saturating_mul(epoch_ms);
    let end = start.saturating_add(epoch_ms);
    let integral = |acc: u128, p: u128, from: u64, to: u64| acc.saturating_add(p.saturating_mul(u128::from(to.saturating_sub(from))));
    let (mut drawn, mut repaid, mut acc, mut p, mut last) = (0u128, 0u128, 0u128, principal_start, start);
    let mut purpose_drawn = [0u128; hm::PURPOSES];
    let (mut kp, mut kacc) = (purpose_start, [0u128; hm::PURPOSES]);
    for (t, e) in events.iter().filter(|(t, _)| *t >= start && *t < end) {
        acc = integral(acc, p, last, *t);
        for (a, x) in kacc.iter_mut().zip(&kp) {
            *a = integral(*a, *x, last, *t);
        }
        last = *t;
        // A term loan's principal leaving its purpose (saturating, as the pool's).
        let mut leave = |k: Option<usize>, x: u128| {
            if let Some(slot) = k.and_then(|k| kp.get_mut(k)) {
                *slot = slot.saturating_sub(x);
            }
        };
        let out = |p: u128, x: u128, what: &str| {
            p.checked_sub(x).ok_or_else(|| format!("a {what} of {x} at {t} takes out more than the {p} outstanding"))
        };
        match *e {
            FlowEvent::Drawn(x) => {
                drawn = drawn.saturating_add(x);
                p = p.saturating_add(x);
            }
            FlowEvent::LoanOpened(x, purpose) => {
                drawn = drawn.saturating_add(x);
                p = p.saturating_add(x);
                if let Some(k) = purpose.filter(|k| *k < hm::PURPOSES) {
                    purpose_drawn[k] = purpose_drawn[k].saturating_add(x);
                    kp[k] = kp[k].saturating_add(x);
                }
            }
            FlowEvent::Repaid(x) => {
                repaid = repaid.saturating_add(x);
                p = out(p, x, "repayment")?;
            }
            FlowEvent::LoanReturned(x, k) => {
                repaid = repaid.saturating_add(x);
                p = out(p, x, "term loan return")?;
                leave(k, x);
            }
            FlowEvent::Defaulted(x) => p = out(p, x, "default")?,
            FlowEvent::LoanSettled(x, k) => {
                p = out(p, x, "settlement")?;
                leave(k, x);
            }
        }
    }
    acc = integral(acc, p, last, end);
    for (a, x) in kacc.iter_mut().zip(&kp) {
        *a = integral(*a, *x, last, end);
    }
    Ok(EpochStats {
        epoch,
        start,
        epoch_ms,
        closed: true,
        drawn,
        purpose_drawn,
        purpose_outstanding_ms: kacc,
        purpose_principal_end: kp,
        repaid,
        outstanding_ms: acc,
        principal_end: p,
        saturated: drawn == u128::MAX || repaid == u128::MAX || acc == u128::MAX,
    })
}

/// An attestation as read from an `Attested` event; the fields a future
/// federation no longer attests are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attested {
    pub ecological: Option<u8>,
    pub knowledge: Option<u8>,
    pub members: Option<(u32, u32)>,
    pub volumes: Option<Vec<u128>>,
}

impl Attested {
    /// Reads an attestation value (a struct decoded by the metadata).
    pub fn from_value(v: &Value) -> Attested {
        let small = |n: &str| uint_field(v, n).and_then(|x| u8::try_from(x).ok());
        let count = |n: &str| uint_field(v, n).and_then(|x| u32::try_from(x).ok());
        Attested {
            ecological: small("ecological"),
            knowledge: small("knowledge"),
            members: count("active_members").zip(count("eligible_members")),
            volumes: field(v, "purpose_volumes").map(val::uints),
        }
    }
}

/// Compares the chain's answer with the recomputed counters and the metrics
/// recomputed from the attestation: the differences, one per field.
/// A metric the attestation does not carry is taken from the chain (said in
/// `notes`).
pub fn compare(chain: (&Metrics, u8, u128, &EpochStats), stats: &EpochStats, att: &Attested, notes: &mut Vec<String>) -> Vec<String> {
    let (cm, ch, cv, cs) = chain;
    let mut diff = Vec::new();
    let mut check = |name: &str, ours: String, theirs: String| {
        if ours != theirs {
            diff.push(format!("{name}: recomputed {ours}, chain {theirs}"));
        }
    };
    check("drawn", stats.drawn.to_string(), cs.drawn.to_string());
    check("purpose_drawn", format!("{:?}", stats.purpose_drawn), format!("{:?}", cs.purpose_drawn));
    check("purpose_outstanding_ms", format!("{:?}", stats.purpose_outstanding_ms), format!("{:?}", cs.purpose_outstanding_ms));
    check("purpose_principal_end", format!("{:?}", stats.purpose_principal_end), format!("{:?}", cs.purpose_principal_end));
    check("repaid", stats.repaid.to_string(), cs.repaid.to_string());
    check("outstanding_ms", stats.outstanding_ms.to_string(), cs.outstanding_ms.to_string());
    check("principal_end", stats.principal_end.to_string(), cs.principal_end.to_string());
    check("saturated", stats.saturated.to_string(), cs.saturated.to_string());
    let velocity = match stats.velocity_ppm() {
        Ok(v) => v,
        Err(_) => {
            check("velocity_ppm", "none (saturated)".into(), cv.to_string());
            return diff;
        }
    };
    check("velocity_ppm", velocity.to_string(), cv.to_string());
    let mut metric = |name: &str, r: std::result::Result<u8, hm::HealthError>, chain: u8| match r {
        Ok(x) => Some(x),
        Err(e) => {
            diff.push(format!("{name}: recomputed none ({e:?}), chain {chain}"));
            None
        }
    };
    // Diversity is the pool's count of term loans by purpose (review H1),
    // recomputed from its `LoanOpened` events; a federation from before
    // attested volumes instead.
    let diversity = match &att.volumes {
        Some(v) => metric("diversity", hm::diversity(v), cm.diversity),
        None => metric("diversity", stats.diversity(), cm.diversity),
    };
    let participation = match att.members {
        Some((a, e)) => metric("participation", hm::participation(a, e), cm.participation),
        None => {
            notes.push("participation not attested: the chain's".into());
            Some(cm.participation)
        }
    };
    let ecological = att.ecological.unwrap_or_else(|| {
        notes.push("ecological not attested: the chain's".into());
        cm.ecological
    });
    let knowledge = att.knowledge.unwrap_or_else(|| {
        notes.push("knowledge not attested: the chain's".into());
        cm.knowledge
    });
    let (Some(diversity), Some(participation)) = (diversity, participation) else { return diff };
    let m = Metrics { diversity, circulation: hm::circulation(velocity), participation, ecological, knowledge };
    let mut check = |name: &str, ours: u8, theirs: u8| {
        if ours != theirs {
            diff.push(format!("{name}: recomputed {ours}, chain {theirs}"));
        }
    };
    check("diversity", m.diversity, cm.diversity);
    check("circulation", m.circulation, cm.circulation);
    check("participation", m.participation, cm.participation);
    check("ecological", m.ecological, cm.ecological);
    check("knowledge", m.knowledge, cm.knowledge);
    match hm::health(&m) {
        Ok(h) => check("health", h, ch),
        Err(e) => diff.push(format!("health: recomputed none ({e:?}), chain {ch}")),
    }
    diff
}

/// A block's contract events and time, as read for `--verify`.
struct Scanned {
    number: u64,
    /// Block time (ms).
    time: u64,
    /// (emitting contract, signature topic, data with its length prefix).
    events: Vec<(AccountId32, H256, Vec<u8>)>,
}

type Hash = <crate::chain::Config as subxt::Config>::Hash;

async fn block_hash(s: &Session, n: u64) -> Result<Hash> {
    let lost = |e: subxt::Error| CliError::ConnectionLost { doing: format!("reading block #{n}"), reason: short_reason(&e.to_string()) };
    s.conn.rpc.chain_get_block_hash(Some(n.into())).await.map_err(lost)?.ok_or_else(|| CliError::Other(format!("the node has no block #{n}")))
}

/// Block `n`'s time, `None` when the node no longer holds its state.
async fn block_time(s: &Session, n: u64) -> Result<Option<u64>> {
    let hash = block_hash(s, n).await?;
    match s.conn.fetch_at(hash, "Timestamp", "Now", Vec::new(), "reading a block's time").await {
        Ok(Some(v)) => Ok(v.as_type::<u64>().ok()),
        Ok(None) => Ok(Some(0)),
        Err(_) => Ok(None),
    }
}

/// The oldest block (of the last [`SCAN_WINDOW`]) whose state the node still holds.
async fn oldest_readable(s: &Session, best: u64) -> Result<Option<u64>> {
    let mut lo = best.saturating_sub(SCAN_WINDOW - 1);
    if block_time(s, lo).await?.is_some() {
        return Ok(Some(lo));
    }
    let mut hi = best;
    if block_time(s, hi).await?.is_none() {
        return Ok(None);
    }
    // lo unreadable, hi readable: the first readable one in between.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if block_time(s, mid).await?.is_some() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

/// The first block in `lo..=hi` whose time is at least `t` (block time), or `hi + 1`.
async fn first_at_or_after(s: &Session, mut lo: u64, hi: u64, t: u64) -> Result<u64> {
    let mut end = hi + 1;
    while lo < end {
        let mid = lo + (end - lo) / 2;
        let time = block_time(s, mid).await?.ok_or_else(|| CliError::Other(format!("the node dropped block #{mid}'s state while dcu read it; run again")))?;
        if time >= t {
            end = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(lo)
}

/// Reads the contract events and times of blocks `from..=to`.
async fn scan(s: &Session, from: u64, to: u64) -> Result<Vec<Scanned>> {
    let mut out = Vec::new();
    for n in from..=to {
        let hash = block_hash(s, n).await?;
        let gone = || CliError::Other(format!("the node no longer holds block #{n}'s state (it keeps the last {SCAN_WINDOW} blocks); run again"));
        let time = block_time(s, n).await?.ok_or_else(gone)?;
        let block = s.conn.client.blocks().at(hash).await.map_err(|_| gone())?;
        let events = block.events().await.map_err(|_| gone())?;
        let mut list = Vec::new();
        for ev in events.iter().flatten() {
            if ev.pallet_name() != "Contracts" || ev.variant_name() != "ContractEmitted" {
                continue;
            }
            let bytes = ev.field_bytes();
            let (Some(addr), Some(sig)) = (bytes.get(..32), ev.topics().first()) else { continue };
            let mut raw = [0u8; 32];
            raw.copy_from_slice(addr);
            list.push((AccountId32(raw), *sig, bytes[32..].to_vec()));
        }
        out.push(Scanned { number: n, time, events: list });
    }
    Ok(out)
}

/// What `--verify` needs of one bank.
struct BankClock {
    pool: ContractHandle,
    rate: u64,
    epoch_ms: u64,
}

/// Verifies every shown epoch with a health; fills `row.verify`.
async fn verify(fed: &Fed<'_>, banks: &mut [BankRows], clocks: &BTreeMap<u32, BankClock>) -> Result<()> {
    let s = fed.s;
    let (_, best) = s.conn.best_block().await?;
    let lo = oldest_readable(s, best).await?;
    let lo_time = match lo {
        Some(n) => block_time(s, n).await?,
        None => None,
    };
    // Which epochs can be checked: their first block is readable.
    let mut threshold: Option<u64> = None;
    for b in banks.iter() {
        let Some(c) = clocks.get(&b.bank.id) else { continue };
        for r in b.epochs.iter().filter(|r| r.report.is_some()) {
            let start = r.epoch.saturating_mul(c.epoch_ms);
            let readable = match (lo, lo_time) {
                (Some(0), _) => true,
                (Some(_), Some(t)) => t.saturating_mul(c.rate) < start,
                _ => false,
            };
            if readable {
                let t = start / c.rate;
                threshold = Some(threshold.map_or(t, |x| x.min(t)));
            }
        }
    }
    let blocks = match (threshold, lo) {
        (Some(t), Some(lo)) => {
            let first = first_at_or_after(s, lo, best, t).await?;
            if first <= best { scan(s, first, best).await? } else { Vec::new() }
        }
        _ => Vec::new(),
    };
    for b in banks.iter_mut() {
        let Some(c) = clocks.get(&b.bank.id) else { continue };
        for r in b.epochs.iter_mut() {
            let Some(h) = &r.report else { continue };
            let start = r.epoch.saturating_mul(c.epoch_ms);
            let end = start.saturating_add(c.epoch_ms);
            let readable = match (lo, lo_time) {
                (Some(0), _) => true,
                (Some(_), Some(t)) => t.saturating_mul(c.rate) < start,
                _ => false,
            };
            if !readable {
                r.verify = Some(Verification {
                    status: "unavailable".into(),
                    detail: format!(
                        "its blocks are no longer available: the node keeps the state (and so the events) of its last {SCAN_WINDOW} blocks{}, and the epoch began before them",
                        lo.map(|n| format!(" (from #{n})")).unwrap_or_default()
                    ),
                    blocks: None,
                    events: 0,
                    mismatches: Vec::new(),
                });
                continue;
            }
            let pool_time = |blk: &Scanned| blk.time.saturating_mul(c.rate);
            let mut flow = Vec::new();
            let mut span: Option<(u64, u64)> = None;
            let mut att: Option<Attested> = None;
            for blk in &blocks {
                let t = pool_time(blk);
                let inside = t >= start && t < end;
                if inside {
                    span = Some(span.map_or((blk.number, blk.number), |(a, _)| (a, blk.number)));
                }
                for (addr, sig, data) in &blk.events {
                    if inside && *addr == c.pool.address {
                        if let Ok(Value::Map(m)) = c.pool.transcoder.decode_contract_event(sig, &mut &data[..]) {
                            let name = m.ident().unwrap_or_default();
                            if let Some(e) = FlowEvent::from_event(&name, &Value::Map(m)) {
                                flow.push((t, e));
                            }
                        }
                    } else if *addr == fed.handle.address && t >= end {
                        if let Ok(v @ Value::Map(_)) = fed.handle.transcoder.decode_contract_event(sig, &mut &data[..]) {
                            let is_attested = val::variant(&v).as_deref() == Some("Attested");
                            if is_attested && uint_field(&v, "bank") == Some(u128::from(b.bank.id)) && uint_field(&v, "epoch") == Some(u128::from(r.epoch)) {
                                att = field(&v, "attestation").map(Attested::from_value);
                            }
                        }
                    }
                }
            }
            let before = if r.epoch == 0 { EpochStats::default() } else { fed.epoch_stats(&c.pool, r.epoch - 1).await? };
            let (principal_start, purpose_start) = (before.principal_end, before.purpose_principal_end);
            let span_words = span.map(|(a, z)| format!("blocks #{a}–#{z}")).unwrap_or_else(|| "no block in the epoch".into());
            let mut v = Verification { status: "verified".into(), detail: String::new(), blocks: span, events: flow.len(), mismatches: Vec::new() };
            let Some(att) = att else {
                v.status = "mismatch".into();
                v.detail = format!("no Attested event for bank {} epoch {} in blocks #{}–#{best}, yet the chain has a health for it", b.bank.id, r.epoch, blocks.first().map(|x| x.number).unwrap_or(best));
                r.verify = Some(v);
                continue;
            };
            let stats = match recompute(r.epoch, c.epoch_ms, principal_start, purpose_start, &flow) {
                Ok(st) => st,
                Err(why) => {
                    v.status = "mismatch".into();
                    v.detail = format!("the pool's events do not add up ({span_words}): {why}");
                    r.verify = Some(v);
                    continue;
                }
            };
            let chain_metrics = Metrics {
                diversity: h.metrics.diversity,
                circulation: h.metrics.circulation,
                participation: h.metrics.participation,
                ecological: h.metrics.ecological,
                knowledge: h.metrics.knowledge,
            };
            let chain_stats = EpochStats {
                epoch: r.epoch,
                start: h.start,
                epoch_ms: h.epoch_ms,
                closed: true,
                drawn: h.drawn,
                purpose_drawn: h.purpose_drawn,
                purpose_outstanding_ms: h.purpose_outstanding_ms,
                purpose_principal_end: h.purpose_principal_end,
                repaid: h.repaid,
                outstanding_ms: h.outstanding_ms,
                principal_end: h.principal_end,
                saturated: h.saturated,
            };
            let mut notes = Vec::new();
            v.mismatches = compare((&chain_metrics, h.health, h.velocity_ppm, &chain_stats), &stats, &att, &mut notes);
            let notes = if notes.is_empty() { String::new() } else { format!("; {}", notes.join(", ")) };
            if v.mismatches.is_empty() {
                v.detail = format!(
                    "{} counter events in {span_words} and the Attested event give the chain's counters, velocity {}, metrics and health {} to the unit{notes}",
                    flow.len(),
                    ratio(h.velocity_ppm),
                    h.health
                );
            } else {
                v.status = "mismatch".into();
                v.detail = format!("{} counter events in {span_words} and the Attested event disagree with the chain{notes}:", flow.len());
            }
            r.verify = Some(v);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The plot
// ---------------------------------------------------------------------------

const COLORS: [&str; 8] = ["#2b6cb0", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666"];

/// One bank's points: (epoch, health, velocity as a ratio).
pub type Series = (String, Vec<(u64, u8, f64)>);

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The plot: health 0–100 (a dashed line at the target) above credit
/// velocity (a dashed line at the seed's 0.5 alert), over epochs, one line
/// per bank.
pub fn svg(series: &[Series], target: u8) -> String {
    let (w, left, right, panel, gap, top) = (720.0f64, 60.0f64, 170.0f64, 200.0f64, 50.0f64, 40.0f64);
    let h = top + panel * 2.0 + gap + 40.0;
    let points = || series.iter().flat_map(|(_, p)| p.iter());
    let (e0, e1) = points().fold((u64::MAX, 0u64), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (e0, e1) = if e0 > e1 { (0, 1) } else if e0 == e1 { (e0.saturating_sub(1), e1.saturating_add(1)) } else { (e0, e1) };
    let vmax = points().map(|p| p.2).fold(1.0f64, f64::max).min(1e6);
    let vmax = (vmax * 10.0).ceil() / 10.0;
    let x = |e: u64| left + (e.saturating_sub(e0)) as f64 / (e1 - e0) as f64 * (w - left - right);
    let y_health = |v: f64| top + panel - v / 100.0 * panel;
    let vtop = top + panel + gap;
    let y_vel = |v: f64| vtop + panel - v.min(vmax) / vmax * panel;
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n");
    s.push_str(&format!("<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n"));
    s.push_str("<text x=\"10\" y=\"18\">community health (0–100, seed weights) and credit velocity per closed epoch</text>\n");
    // Axes and grids.
    for (label, y0) in [("health", top), ("credit velocity", vtop)] {
        s.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{left}\" y1=\"{y0}\" y2=\"{}\" stroke=\"black\"/><line x1=\"{left}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"black\"/><text x=\"{}\" y=\"{}\" font-weight=\"bold\">{label}</text>\n",
            y0 + panel,
            w - right,
            y0 + panel,
            y0 + panel,
            left,
            y0 - 6.0
        ));
    }
    for k in 0..=4 {
        let v = f64::from(k) * 25.0;
        let yy = y_health(v);
        s.push_str(&format!("<line x1=\"{left}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{v}</text>\n", w - right, left - 6.0, yy + 4.0));
        let vv = vmax * f64::from(k) / 4.0;
        let yv = y_vel(vv);
        s.push_str(&format!("<line x1=\"{left}\" x2=\"{}\" y1=\"{yv}\" y2=\"{yv}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{vv:.2}</text>\n", w - right, left - 6.0, yv + 4.0));
    }
    let step = ((e1 - e0) / 10).max(1);
    let mut e = e0;
    while e <= e1 {
        s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{e}</text>\n", x(e), vtop + panel + 16.0));
        e = match e.checked_add(step) {
            Some(n) => n,
            None => break,
        };
    }
    s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n", left + (w - left - right) / 2.0, vtop + panel + 32.0));
    let yt = y_health(f64::from(target));
    s.push_str(&format!(
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{yt}\" y2=\"{yt}\" stroke=\"#c53030\" stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{}\" fill=\"#c53030\">target {target}</text>\n",
        w - right,
        w - right + 4.0,
        yt + 4.0
    ));
    let ya = y_vel(0.5);
    s.push_str(&format!(
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{ya}\" y2=\"{ya}\" stroke=\"#c53030\" stroke-dasharray=\"2 4\"/><text x=\"{}\" y=\"{}\" fill=\"#c53030\">alert 0.5</text>\n",
        w - right,
        w - right + 4.0,
        ya + 4.0
    ));
    for (i, (name, pts)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        for (coord, ys) in [(0usize, &y_health as &dyn Fn(f64) -> f64), (1, &y_vel)] {
            let path: Vec<String> = pts.iter().map(|p| format!("{:.1},{:.1}", x(p.0), ys(if coord == 0 { f64::from(p.1) } else { p.2 }))).collect();
            if path.len() > 1 {
                s.push_str(&format!("<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>\n", path.join(" ")));
            }
            for p in pts {
                let v = if coord == 0 { f64::from(p.1) } else { p.2 };
                s.push_str(&format!("<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"><title>{} epoch {}: {}</title></circle>\n", x(p.0), ys(v), esc(name), p.0, if coord == 0 { format!("health {}", p.1) } else { format!("velocity {:.6}", p.2) }));
            }
        }
        let ly = top + 20.0 + i as f64 * 18.0;
        s.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{}</text>\n",
            w - right + 4.0,
            ly + 10.0,
            w - right + 18.0,
            ly + 19.0,
            esc(name)
        ));
    }
    if series.iter().all(|(_, p)| p.is_empty()) {
        s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\">no closed, attested epoch yet</text>\n", left + (w - left - right) / 2.0, top + panel / 2.0));
    }
    s.push_str("</svg>\n");
    s
}

// ---------------------------------------------------------------------------
// dcu health (show)
// ---------------------------------------------------------------------------

/// Reads the banks' epochs (and verifies them with `verify`).
pub async fn read(s: &Session, bank: Option<&str>, epochs: u64, verify_them: bool) -> Result<HealthReport> {
    let fed = Fed::open(s)?;
    let (budget, target) = fed.params().await?;
    let treasury = fed.treasury().await?;
    let all = fed.banks().await?;
    let chosen: Vec<BankInfo> = match bank {
        Some(key) => vec![find_bank(&all, key)?.clone()],
        None => all,
    };
    let mut rows = Vec::new();
    let mut clocks = BTreeMap::new();
    for b in chosen {
        let mut r = BankRows { bank: b.clone(), first_epoch: None, current_epoch: None, epochs: Vec::new(), error: None };
        r.first_epoch = fed.registered_epoch(b.id).await?;
        let pool = fed.pool(&b)?;
        let (now, epoch_ms, rate) = match fed.pool_clock(&pool).await {
            Ok(c) => c,
            Err(e) => {
                r.error = Some(format!("its pool's clock does not answer: {e}"));
                rows.push(r);
                continue;
            }
        };
        let current = now / epoch_ms;
        r.current_epoch = Some(current);
        let from = current.saturating_sub(epochs).max(r.first_epoch.unwrap_or(0));
        for e in from..=current {
            let row = match fed.health(b.id, e).await? {
                Answer::Report { metrics, health, velocity_ppm, stats } => {
                    EpochRow { epoch: e, status: Status::Health, report: Some(view(metrics, health, velocity_ppm, &stats)), note: None, verify: None }
                }
                Answer::Open => EpochRow { epoch: e, status: Status::Open, report: None, note: None, verify: None },
                Answer::NotAttested => EpochRow { epoch: e, status: Status::NotAttested, report: None, note: None, verify: None },
                Answer::NoHealth(why) => EpochRow { epoch: e, status: Status::NoHealth, report: None, note: Some(why), verify: None },
            };
            r.epochs.push(row);
        }
        clocks.insert(b.id, BankClock { pool, rate, epoch_ms });
        rows.push(r);
    }
    if verify_them {
        verify(&fed, &mut rows, &clocks).await?;
    }
    Ok(HealthReport { federation: fed.handle.address.to_string(), target, budget, treasury, banks: rows, svg: None, verified: verify_them })
}

/// The plot's series of a report.
pub fn series_of(report: &HealthReport) -> Vec<Series> {
    report
        .banks
        .iter()
        .map(|b| (b.bank.name.clone(), b.epochs.iter().filter_map(|r| r.report.as_ref().map(|h| (r.epoch, h.health, h.velocity))).collect()))
        .collect()
}

/// Runs `dcu health`.
pub async fn run(g: &GlobalOpts, opts: &HealthOpts, out: &mut impl Write) -> Result<()> {
    if let Some(HealthCmd::Attest { bank, epoch, from }) = &opts.cmd {
        return attest(g, bank, *epoch, from, out).await;
    }
    let o = &opts.show;
    if o.epochs == 0 || o.epochs > MAX_EPOCHS {
        return Err(CliError::Other(format!("--epochs {} is outside 1..={MAX_EPOCHS}", o.epochs)));
    }
    let s = Session::open(g).await?;
    let mut report = read(&s, o.bank.as_deref(), o.epochs, o.verify).await?;
    let plot = svg(&series_of(&report), report.target);
    std::fs::write(&o.svg, plot).map_err(|e| CliError::Other(format!("cannot write the plot to {}: {e}", o.svg.display())))?;
    report.svg = Some(o.svg.display().to_string());
    emit(g, out, &report)?;
    if o.verify {
        let rows = || report.banks.iter().flat_map(|b| b.epochs.iter().filter_map(move |r| r.verify.as_ref().map(|v| (b, r, v))));
        let bad: Vec<String> = rows().filter(|(_, _, v)| v.status == "mismatch").map(|(b, r, _)| format!("bank {} epoch {}", b.bank.name, r.epoch)).collect();
        if !bad.is_empty() {
            return Err(CliError::Other(format!("--verify: the events do not give the chain's health for {}", bad.join(", "))));
        }
        let checked = rows().filter(|(_, _, v)| v.status == "verified").count();
        let unavailable = rows().filter(|(_, _, v)| v.status == "unavailable").count();
        if checked == 0 && unavailable > 0 {
            return Err(CliError::Other(format!(
                "--verify could check none of the {unavailable} epochs with a health: their blocks are older than the last {SCAN_WINDOW} the node keeps"
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// dcu health attest
// ---------------------------------------------------------------------------

/// The attester's data file, parsed and checked (docs/COMMUNITY.md, "The
/// attester's data file"). Amounts are smallest units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttesterData {
    /// 0..=100, 100 = the lightest footprint.
    pub ecological_footprint: u8,
    /// 0..=100.
    pub knowledge_sharing: u8,
    /// (active, eligible), when given.
    pub members: Option<(u32, u32)>,
    /// Credit extended per purpose in `Purpose::ALL` order, when given.
    pub credit_by_purpose: Option<[u128; 5]>,
    /// Where the figures come from (not submitted).
    pub source: Option<String>,
}

fn found(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("the text \"{s}\""),
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => format!("{b}"),
        serde_json::Value::Number(n) => format!("{n}"),
        serde_json::Value::Array(_) => "a list".into(),
        serde_json::Value::Object(_) => "an object".into(),
    }
}

/// Parses the attester's data file `text` (amounts with `decimals`); one
/// sentence naming the field when it is malformed.
pub fn parse_data(text: &str, decimals: u8) -> std::result::Result<AttesterData, String> {
    use serde_json::Value as J;
    let root: J = serde_json::from_str(text).map_err(|e| format!("is not JSON ({e})"))?;
    let J::Object(top) = root else { return Err("must be a JSON object".into()) };
    const TOP: [&str; 5] = ["ecological_footprint", "knowledge_sharing", "members", "credit_by_purpose", "source"];
    let unknown = |path: &str, k: &str, allowed: &[&str]| format!("has an unknown field `{path}{k}` (the fields are {})", allowed.join(", "));
    for k in top.keys() {
        if !TOP.contains(&k.as_str()) {
            return Err(unknown("", k, &TOP));
        }
    }
    let whole = |name: &str, v: Option<&J>, max: u64| -> std::result::Result<u64, String> {
        let v = v.ok_or_else(|| format!("lacks the field `{name}`"))?;
        match v.as_u64() {
            Some(n) if n <= max => Ok(n),
            Some(n) => Err(format!("has `{name}` = {n}, outside 0..={max}")),
            None if v.is_number() => Err(format!("has `{name}` = {v}, outside 0..={max} (a whole number)")),
            None => Err(format!("has `{name}` = {}, not a whole number 0..={max}", found(v))),
        }
    };
    let ecological_footprint = whole("ecological_footprint", top.get("ecological_footprint"), 100)? as u8;
    let knowledge_sharing = whole("knowledge_sharing", top.get("knowledge_sharing"), 100)? as u8;
    let members = match top.get("members") {
        None => None,
        Some(J::Object(m)) => {
            const M: [&str; 2] = ["active", "eligible"];
            if let Some(k) = m.keys().find(|k| !M.contains(&k.as_str())) {
                return Err(unknown("members.", k, &M));
            }
            let active = whole("members.active", m.get("active"), u64::from(u32::MAX))? as u32;
            let eligible = whole("members.eligible", m.get("eligible"), u64::from(u32::MAX))? as u32;
            if active > eligible {
                return Err(format!("has `members.active` = {active} above `members.eligible` = {eligible}"));
            }
            Some((active, eligible))
        }
        Some(other) => return Err(format!("has `members` = {}, not an object {{ \"active\": N, \"eligible\": N }}", found(other))),
    };
    let credit_by_purpose = match top.get("credit_by_purpose") {
        None => None,
        Some(J::Object(c)) => {
            if let Some(k) = c.keys().find(|k| !PURPOSE_KEYS.contains(&k.as_str())) {
                return Err(unknown("credit_by_purpose.", k, &PURPOSE_KEYS));
            }
            let mut out = [0u128; 5];
            for (slot, key) in out.iter_mut().zip(PURPOSE_KEYS) {
                let name = format!("credit_by_purpose.{key}");
                let text = match c.get(key) {
                    None => return Err(format!("lacks the field `{name}` (write 0 for none)")),
                    Some(J::String(s)) => s.clone(),
                    Some(J::Number(n)) => n.to_string(),
                    Some(other) => return Err(format!("has `{name}` = {}, not an amount of tokens such as \"1200.50\"", found(other))),
                };
                *slot = parse_amount_in(&text, decimals).map_err(|e| format!("has `{name}` = {text}: {}", e.to_string().split(": ").skip(1).collect::<Vec<_>>().join(": ")))?;
            }
            hm::diversity(&out).map_err(|_| "has `credit_by_purpose` amounts too large to count together".to_string())?;
            Some(out)
        }
        Some(other) => return Err(format!("has `credit_by_purpose` = {}, not an object of amounts per purpose", found(other))),
    };
    let source = match top.get("source") {
        None => None,
        Some(J::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("has `source` = {}, not a text", found(other))),
    };
    Ok(AttesterData { ecological_footprint, knowledge_sharing, members, credit_by_purpose, source })
}

/// Reads and checks the data file at `path`.
pub fn load_data(path: &Path, decimals: u8) -> Result<AttesterData> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::Other(format!("cannot read the attester's data file {}: {e}", path.display())))?;
    parse_data(&text, decimals).map_err(|why| CliError::Other(format!("the attester's data file {} {why}; nothing was sent", path.display())))
}

/// The `Attestation` argument for a federation whose `Attestation` struct
/// is `ident { fields… }` (its metadata's field names, in order), derived
/// from `d`; and the file's sections the contract no longer takes. The one
/// place that maps data to attestation fields.
pub fn attestation_arg(ident: &str, fields: &[String], d: &AttesterData) -> Result<(String, Vec<&'static str>)> {
    let need = |section: &str| CliError::Other(format!("the federation attests `{section}`: add it to the data file (docs/COMMUNITY.md, \"The attester's data file\"); nothing was sent"));
    let mut parts = Vec::new();
    for f in fields {
        let value = match f.as_str() {
            "ecological" => d.ecological_footprint.to_string(),
            "knowledge" => d.knowledge_sharing.to_string(),
            "active_members" => d.members.ok_or_else(|| need("members"))?.0.to_string(),
            "eligible_members" => d.members.ok_or_else(|| need("members"))?.1.to_string(),
            "purpose_volumes" => {
                let v = d.credit_by_purpose.ok_or_else(|| need("credit_by_purpose"))?;
                format!("[{}]", v.iter().map(u128::to_string).collect::<Vec<_>>().join(", "))
            }
            other => {
                return Err(CliError::Other(format!(
                    "the federation's Attestation has a field `{other}` that this dcu cannot derive from the data file: use a dcu built for this federation; nothing was sent"
                )))
            }
        };
        parts.push(format!("{f}: {value}"));
    }
    let has = |n: &str| fields.iter().any(|f| f == n);
    let mut ignored = Vec::new();
    if d.members.is_some() && !has("active_members") && !has("eligible_members") {
        ignored.push("members");
    }
    if d.credit_by_purpose.is_some() && !has("purpose_volumes") {
        ignored.push("credit_by_purpose");
    }
    Ok((format!("{ident} {{ {} }}", parts.join(", ")), ignored))
}

/// The `Attestation` struct of the federation's `attest` message: its name
/// and field names, from the metadata.
pub fn attestation_fields(fed: &ContractHandle) -> Result<(String, Vec<String>)> {
    use scale_info::TypeDef;
    let meta = fed.transcoder.metadata();
    let odd = || CliError::Other("the federation's metadata has no `attest(bank, epoch, attestation)` with a struct argument: the deployed code and this dcu disagree".into());
    let msg = meta.spec().messages().iter().find(|m| m.label() == "attest").ok_or_else(odd)?;
    let arg = msg.args().get(2).ok_or_else(odd)?;
    let ty = meta.registry().resolve(arg.ty().ty().id).ok_or_else(odd)?;
    let TypeDef::Composite(c) = &ty.type_def else { return Err(odd()) };
    let fields: Vec<String> = c.fields.iter().filter_map(|f| f.name.clone()).collect();
    if fields.len() != c.fields.len() {
        return Err(odd());
    }
    Ok((ty.path.segments.last().cloned().unwrap_or_else(|| "Attestation".into()), fields))
}

async fn attest(g: &GlobalOpts, bank: &str, epoch: u64, from: &Path, out: &mut impl Write) -> Result<()> {
    // The file is checked before anything else: amounts in the deployment's decimals.
    let decimals = Manifest::load(&g.manifest_path()).map(|m| m.decimals).unwrap_or(dcu_common::TOKEN_DECIMALS);
    let data = load_data(from, decimals)?;
    let s = Session::open(g).await?;
    let fed = Fed::open(&s)?;
    let banks = fed.banks().await?;
    let b = find_bank(&banks, bank)?.clone();
    let (ident, fields) = attestation_fields(&fed.handle)?;
    let (arg, ignored) = attestation_arg(&ident, &fields, &data)?;
    let tx = s.submit(g, FEDERATION, "attest", &[b.id.to_string(), epoch.to_string(), arg.clone()]).await?;
    let mut summary = format!("Attested epoch {epoch} for bank {} {}: {arg}", b.id, b.name);
    if !ignored.is_empty() {
        summary.push_str(&format!(" (the federation no longer takes the file's {}: left out)", ignored.join(", ")));
    }
    let details = serde_json::json!({
        "bank": b.id,
        "epoch": epoch,
        "attestation": arg,
        "ignored": ignored,
        "source": data.source,
    });
    emit(g, out, &TxReport::new(summary, None, tx).with_details(details))
}

// ---------------------------------------------------------------------------
// For dcu monitor
// ---------------------------------------------------------------------------

/// The federation's figures for `dcu monitor`: the treasury (whole tokens)
/// and, per bank with one, the health of its last closed, attested epoch
/// (looked up at most [`MONITOR_LOOKBACK`] epochs back).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FederationFigures {
    pub treasury: f64,
    /// (bank name, health, epoch).
    pub banks: Vec<(String, f64, u64)>,
}

/// Reads [`FederationFigures`].
pub async fn monitor_figures(s: &Session) -> Result<FederationFigures> {
    let fed = Fed::open(s)?;
    let one = crate::chain::one_token() as f64;
    let mut f = FederationFigures { treasury: fed.treasury().await? as f64 / one, banks: Vec::new() };
    for b in fed.banks().await? {
        let pool = fed.pool(&b)?;
        let Ok((now, epoch_ms, _)) = fed.pool_clock(&pool).await else { continue };
        let current = now / epoch_ms;
        let first = fed.registered_epoch(b.id).await?.unwrap_or(0);
        let mut e = current;
        while e > first && current - e < MONITOR_LOOKBACK {
            e -= 1;
            if let Answer::Report { health, .. } = fed.health(b.id, e).await? {
                f.banks.push((b.name.clone(), f64::from(health), e));
                break;
            }
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::federation::{decode_exact, variant_name};

    const SAMPLE: &str = include_str!("../../../deploy/health/sample.json");

    fn all_fields() -> Vec<String> {
        ["ecological", "knowledge", "active_members", "eligible_members", "purpose_volumes"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_sample_file_parses_into_an_attestation() {
        let d = parse_data(SAMPLE, 6).unwrap();
        assert!(d.ecological_footprint <= 100 && d.knowledge_sharing <= 100);
        let (a, e) = d.members.unwrap();
        assert!(a <= e);
        let fields: Vec<String> = all_fields().into_iter().filter(|f| f != "purpose_volumes").collect();
        let (arg, ignored) = attestation_arg("Attestation", &fields, &d).unwrap();
        assert_eq!(arg, "Attestation { ecological: 72, knowledge: 64, active_members: 41, eligible_members: 60 }");
        assert!(ignored.is_empty());
        // The credit by purpose is the pool's count now (review H1): an
        // older federation that attested it needs the section.
        assert!(attestation_arg("Attestation", &all_fields(), &d).unwrap_err().to_string().contains("credit_by_purpose"));
    }

    fn one_sentence(e: &str) {
        assert!(!e.contains('\n') && !e.is_empty(), "{e}");
    }

    #[test]
    fn a_malformed_file_is_refused_naming_the_field() {
        let good = r#"{"ecological_footprint": 70, "knowledge_sharing": 55,
            "members": {"active": 4, "eligible": 10},
            "credit_by_purpose": {"productive": "10", "creative": 2.5, "community": 0, "ecological": "1", "educational": "0.000001"}}"#;
        let d = parse_data(good, 6).unwrap();
        assert_eq!(d.credit_by_purpose, Some([10_000_000, 2_500_000, 0, 1_000_000, 1]));
        let cases: [(&str, &str); 12] = [
            (r#"{"knowledge_sharing": 5}"#, "`ecological_footprint`"),
            (r#"{"ecological_footprint": 101, "knowledge_sharing": 5}"#, "`ecological_footprint` = 101, outside 0..=100"),
            (r#"{"ecological_footprint": -1, "knowledge_sharing": 5}"#, "`ecological_footprint` = -1"),
            (r#"{"ecological_footprint": 7.5, "knowledge_sharing": 5}"#, "`ecological_footprint` = 7.5"),
            (r#"{"ecological_footprint": "70", "knowledge_sharing": 5}"#, "`ecological_footprint` = the text \"70\""),
            (r#"{"ecological_footprint": 70, "knowledge_sharing": 5, "footprint": 3}"#, "unknown field `footprint`"),
            (r#"{"ecological_footprint": 70, "knowledge_sharing": 5, "members": {"active": 4}}"#, "`members.eligible`"),
            (r#"{"ecological_footprint": 70, "knowledge_sharing": 5, "members": {"active": 11, "eligible": 10}}"#, "`members.active` = 11 above"),
            (r#"{"ecological_footprint": 70, "knowledge_sharing": 5, "members": {"active": 1, "eligible": 2, "voters": 3}}"#, "unknown field `members.voters`"),
            (r#"{"ecological_footprint": 70, "knowledge_sharing": 5, "credit_by_purpose": {"productive": "1"}}"#, "`credit_by_purpose.creative`"),
            (r#"{"ecological_footprint": 70, "knowledge_sharing": 5, "credit_by_purpose": {"productive": "x", "creative": 0, "community": 0, "ecological": 0, "educational": 0}}"#, "`credit_by_purpose.productive` = x"),
            (r#"{"ecological_footprint": 70, "knowledge_sharing": 5, "credit_by_purpose": {"housing": 1}}"#, "unknown field `credit_by_purpose.housing`"),
        ];
        for (text, needle) in cases {
            let e = parse_data(text, 6).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
            one_sentence(&e);
        }
        assert!(parse_data("[1]", 6).unwrap_err().contains("object"));
        assert!(parse_data("{", 6).unwrap_err().contains("not JSON"));
        // The file's sentence names the file and says nothing was sent.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.json");
        std::fs::write(&p, r#"{"ecological_footprint": 170, "knowledge_sharing": 5}"#).unwrap();
        let e = load_data(&p, 6).unwrap_err().to_string();
        assert!(e.contains("d.json") && e.contains("ecological_footprint") && e.contains("nothing was sent"), "{e}");
        one_sentence(&e);
    }

    #[test]
    fn the_argument_follows_the_contracts_field_list() {
        let d = AttesterData {
            ecological_footprint: 70,
            knowledge_sharing: 55,
            members: Some((4, 10)),
            credit_by_purpose: Some([1, 2, 3, 4, 5]),
            source: None,
        };
        let (arg, _) = attestation_arg("Attestation", &all_fields(), &d).unwrap();
        assert_eq!(arg, "Attestation { ecological: 70, knowledge: 55, active_members: 4, eligible_members: 10, purpose_volumes: [1, 2, 3, 4, 5] }");
        // A federation that attests only ecological and knowledge: the rest is left out, and said so.
        let (arg, ignored) = attestation_arg("Attestation", &["ecological".into(), "knowledge".into()], &d).unwrap();
        assert_eq!(arg, "Attestation { ecological: 70, knowledge: 55 }");
        assert_eq!(ignored, vec!["members", "credit_by_purpose"]);
        // A file without the sections is enough for it.
        let small = AttesterData { members: None, credit_by_purpose: None, ..d.clone() };
        assert!(attestation_arg("Attestation", &["ecological".into(), "knowledge".into()], &small).is_ok());
        let e = attestation_arg("Attestation", &all_fields(), &small).unwrap_err().to_string();
        assert!(e.contains("`members`"), "{e}");
        let e = attestation_arg("Attestation", &["water".into()], &d).unwrap_err().to_string();
        assert!(e.contains("`water`"), "{e}");
    }

    /// With the federation's real metadata (when the contracts are built):
    /// the argument dcu builds encodes as the contract's `Attestation`.
    #[test]
    fn the_argument_encodes_by_the_federations_metadata() {
        use subxt::ext::codec::Encode;
        let dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"));
        let bundle = dir.join("ink/federation/federation.contract");
        if !bundle.exists() {
            eprintln!("skipped: {} is not built", bundle.display());
            return;
        }
        let fed = ContractHandle::new(FEDERATION, AccountId32([1; 32]), bundle).unwrap();
        let (ident, fields) = attestation_fields(&fed).unwrap();
        assert_eq!(ident, "Attestation");
        let d = parse_data(SAMPLE, 6).unwrap();
        let (arg, _) = attestation_arg(&ident, &fields, &d).unwrap();
        let data = fed.transcoder.encode("attest", [3.to_string(), 9.to_string(), arg]).unwrap();
        let (a, e) = d.members.unwrap();
        let expected = (3u32, 9u64, d.ecological_footprint, d.knowledge_sharing, a, e).encode();
        assert!(fields.iter().all(|f| f != "purpose_volumes"), "diversity is counted by the pool, not attested: {fields:?}");
        assert_eq!(&data[4..], &expected[..], "selector, then the arguments");
    }

    /// The pool's own bookkeeping (`count_flow` and `epoch_stats`), step by step.
    fn pool_model(epoch_ms: u64, changes: &[(u64, u128, u128, i128)], epoch: u64) -> EpochStats {
        // (time, drawn, repaid, Δprincipal); started at the first change with nothing outstanding.
        let (mut fe, mut last, mut p, mut d, mut r, mut acc) = (0u64, 0u64, 0u128, 0u128, 0u128, 0u128);
        let mut stored = BTreeMap::new();
        let mut started = false;
        for &(now, dr, rp, dp) in changes {
            let e = now / epoch_ms;
            if !started {
                started = true;
                fe = e;
                last = now;
            }
            if e > fe {
                let end = (fe + 1) * epoch_ms;
                stored.insert(fe, (d, r, acc + p * u128::from(end - last), p));
                fe = e;
                last = e * epoch_ms;
                d = 0;
                r = 0;
                acc = 0;
            }
            acc += p * u128::from(now - last);
            last = now;
            d += dr;
            r += rp;
            p = (p as i128 + dp) as u128;
        }
        let (d, r, acc, pe) = if epoch == fe {
            (d, r, acc + p * u128::from((epoch + 1) * epoch_ms - last), p)
        } else if let Some(x) = stored.get(&epoch) {
            *x
        } else {
            let prev = stored.range(..epoch).next_back().map(|(_, x)| x.3).unwrap_or(if epoch > fe { p } else { 0 });
            (0, 0, prev * u128::from(epoch_ms), prev)
        };
        EpochStats { epoch, start: epoch * epoch_ms, epoch_ms, closed: true, drawn: d, repaid: r, outstanding_ms: acc, principal_end: pe, saturated: false, ..EpochStats::default() }
    }

    #[test]
    fn the_events_give_the_pools_counters() {
        let l = 1_000u64;
        // (time, event)
        let events = [
            (250u64, FlowEvent::Drawn(100)),
            (600, FlowEvent::LoanOpened(50, Some(2))),
            (900, FlowEvent::Repaid(30)),
            (1_100, FlowEvent::Repaid(20)),
            (1_100, FlowEvent::Defaulted(40)),
            (1_500, FlowEvent::LoanReturned(50, Some(2))),
            (1_700, FlowEvent::Drawn(10)),
            (2_400, FlowEvent::LoanSettled(0, Some(2))),
            (3_100, FlowEvent::Repaid(20)),
        ];
        let changes: Vec<(u64, u128, u128, i128)> = events
            .iter()
            .map(|(t, e)| match *e {
                FlowEvent::Drawn(x) | FlowEvent::LoanOpened(x, _) => (*t, x, 0, x as i128),
                FlowEvent::Repaid(x) | FlowEvent::LoanReturned(x, _) => (*t, 0, x, -(x as i128)),
                FlowEvent::Defaulted(x) | FlowEvent::LoanSettled(x, _) => (*t, 0, 0, -(x as i128)),
            })
            .collect();
        let (mut p, mut k) = (0u128, [0u128; 5]);
        for e in 0..4u64 {
            let ours = recompute(e, l, p, k, &events).unwrap();
            let plain = EpochStats { purpose_drawn: [0; 5], purpose_outstanding_ms: [0; 5], purpose_principal_end: [0; 5], ..ours };
            assert_eq!(plain, pool_model(l, &changes, e), "epoch {e}");
            p = ours.principal_end;
            k = ours.purpose_principal_end;
        }
        // By hand, epoch 0: 100 × 350 + 150 × 300 + 120 × 100 = 92,000.
        let e0 = recompute(0, l, 0, [0; 5], &events).unwrap();
        assert_eq!((e0.drawn, e0.repaid, e0.outstanding_ms, e0.principal_end), (150, 30, 92_000, 120));
        // The term loan counts under its purpose (community infrastructure); the draw under none.
        assert_eq!(e0.purpose_drawn, [0, 0, 50, 0, 0]);
        // … and is out under it from 600 to the epoch's end, then until its return at 1,500.
        assert_eq!((e0.purpose_outstanding_ms, e0.purpose_principal_end), ([0, 0, 50 * 400, 0, 0], [0, 0, 50, 0, 0]));
        let e1 = recompute(1, l, 120, e0.purpose_principal_end, &events).unwrap();
        assert_eq!((e1.purpose_outstanding_ms, e1.purpose_principal_end), ([0, 0, 50 * 500, 0, 0], [0; 5]));
        assert_eq!(recompute(0, l, 0, [0; 5], &[(5, FlowEvent::LoanOpened(7, None))]).unwrap().purpose_drawn, [0; 5], "a pool that did not name it");
        // Epoch 1 counts its first 100 ms at the 120 carried over.
        let e1 = recompute(1, l, 120, [0, 0, 50, 0, 0], &events).unwrap();
        assert_eq!((e1.drawn, e1.repaid, e1.principal_end), (10, 70, 20));
        assert_eq!(e1.outstanding_ms, 120 * 100 + 60 * 400 + 10 * 200 + 20 * 300);
        // More taken out than outstanding is a mismatch in words.
        assert!(recompute(0, l, 0, [0; 5], &[(5, FlowEvent::Repaid(1))]).unwrap_err().contains("more than the 0 outstanding"));
    }

    #[test]
    fn verification_compares_every_field_to_the_unit() {
        let stats = EpochStats {
            epoch: 3,
            start: 3_000,
            epoch_ms: 1_000,
            closed: true,
            drawn: 100,
            purpose_drawn: [20; 5],
            purpose_outstanding_ms: [8_000; 5],
            purpose_principal_end: [8; 5],
            repaid: 60,
            outstanding_ms: 100_000,
            principal_end: 40,
            saturated: false,
        };
        let v = stats.velocity_ppm().unwrap();
        assert_eq!(v, 600_000);
        let att = Attested { ecological: Some(80), knowledge: Some(50), members: Some((3, 4)), volumes: Some(vec![1, 1, 1, 1, 1]) };
        let m = Metrics { diversity: 100, circulation: 60, participation: 75, ecological: 80, knowledge: 50 };
        let h = hm::health(&m).unwrap();
        let mut notes = Vec::new();
        assert!(compare((&m, h, v, &stats), &stats, &att, &mut notes).is_empty());
        assert!(notes.is_empty());
        let off = EpochStats { outstanding_ms: 100_001, ..stats };
        let d = compare((&m, h, v, &stats), &off, &att, &mut notes);
        assert!(d.iter().any(|x| x.starts_with("outstanding_ms: recomputed 100001, chain 100000")), "{d:?}");
        assert!(d.iter().any(|x| x.starts_with("velocity_ppm")), "{d:?}");
        let d = compare((&m, h.saturating_add(1), v, &stats), &stats, &att, &mut notes);
        assert_eq!(d, vec![format!("health: recomputed {h}, chain {}", h + 1)]);
        // An attestation without volumes (this federation: the pool counts
        // them, review H1) is checked against the pool's events' purposes;
        // without member counts (a later federation): the chain's participation.
        let shrunk = Attested { members: None, volumes: None, ..att };
        assert!(compare((&m, h, v, &stats), &stats, &shrunk, &mut notes).is_empty());
        assert_eq!(notes, vec!["participation not attested: the chain's".to_string()]);
        let lopsided = EpochStats { purpose_outstanding_ms: [40_000, 0, 0, 0, 0], ..stats };
        let d = compare((&m, h, v, &stats), &lopsided, &shrunk, &mut notes);
        assert!(d.iter().any(|x| x.starts_with("purpose_outstanding_ms: recomputed [40000, 0, 0, 0, 0]")), "{d:?}");
        assert!(d.iter().any(|x| x == "diversity: recomputed 0, chain 100"), "{d:?}");
    }

    #[test]
    fn velocity_reads_as_a_ratio_exactly() {
        assert_eq!(ratio(500_000), "0.500000");
        assert_eq!(ratio(499_999), "0.499999");
        assert_eq!(ratio(2_000_001), "2.000001");
        assert_eq!(ratio(u128::MAX), "saturated");
    }

    #[test]
    fn answers_decode_into_the_shared_types_and_refuse_trailing_bytes() {
        use subxt::ext::codec::Encode;
        let m = Metrics { diversity: 1, circulation: 2, participation: 3, ecological: 4, knowledge: 5 };
        let st = EpochStats { epoch: 7, ..EpochStats::default() };
        let bytes = (m, 9u8, 42u128, st).encode();
        let back: (Metrics, u8, u128, EpochStats) = decode_exact(&bytes, FEDERATION, "health").unwrap();
        assert_eq!(back, (m, 9, 42, st));
        let mut longer = bytes.clone();
        longer.push(0);
        let e = decode_exact::<(Metrics, u8, u128, EpochStats)>(&longer, FEDERATION, "health").unwrap_err().to_string();
        assert!(e.contains("disagree"), "{e}");
        assert_eq!(variant_name("EpochNotClosed { bank: 0, epoch: 3 }"), "EpochNotClosed");
        assert_eq!(variant_name("Health(Overflow)"), "Health");
    }

    #[test]
    fn a_bank_is_found_by_id_or_name() {
        let b = |id: u32, name: &str| BankInfo { id, name: name.into(), bioregion: "r".into(), pool: String::new(), pool_id: AccountId32([0; 32]), governance: AccountId32([0; 32]) };
        let banks = vec![b(0, "valley"), b(3, "Hillside"), b(7, "3")];
        assert_eq!(find_bank(&banks, "3").unwrap().id, 3, "an id first");
        assert_eq!(find_bank(&banks, "valley").unwrap().id, 0);
        assert_eq!(find_bank(&banks, "hillside").unwrap().id, 3);
        let e = find_bank(&banks, "nowhere").unwrap_err().to_string();
        assert!(e.contains("0 (valley)"), "{e}");
    }

    #[test]
    fn the_plot_has_a_line_per_bank_and_the_dashed_target() {
        let series = vec![("valley".to_string(), vec![(3, 61, 0.45), (4, 72, 0.8)]), ("hill<side".to_string(), vec![(4, 50, 1.2)])];
        let text = svg(&series, 70);
        assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
        assert_eq!(text.matches("<polyline").count(), 2, "valley's two lines; one point draws none");
        assert!(text.contains("stroke-dasharray=\"6 4\"") && text.contains("target 70"));
        assert!(text.contains("hill&lt;side"));
        let empty = svg(&[], 70);
        assert!(empty.contains("no closed, attested epoch yet"));
    }

    #[test]
    fn attest_and_a_bank_parse_on_the_command_line() {
        use clap::Parser;
        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            h: HealthOpts,
        }
        let c = Cli::try_parse_from(["dcu", "attest", "--bank", "0", "--epoch", "5", "--from", "d.json"]).unwrap();
        assert!(matches!(c.h.cmd, Some(HealthCmd::Attest { epoch: 5, .. })));
        let c = Cli::try_parse_from(["dcu", "valley", "--epochs", "3", "--verify"]).unwrap();
        assert!(c.h.cmd.is_none());
        assert_eq!(c.h.show.bank.as_deref(), Some("valley"));
        assert!(c.h.show.verify && c.h.show.epochs == 3);
        let c = Cli::try_parse_from(["dcu"]).unwrap();
        assert_eq!((c.h.show.epochs, c.h.show.svg.clone()), (DEFAULT_EPOCHS, PathBuf::from("health.svg")));
    }
}
