//! `dcu member …` and `dcu trust …`: the trust graph (SPEC §2).
//!
//! `dcu trust show` prints DT, NT, TS, CF, capacity and warnings as the
//! contract computes them, and recomputes them off chain from the raw edges
//! and each truster's anchoring read from chain with the same maths
//! (`dcu_common::trust`), reporting whether the two agree to the unit. It
//! says which edges count and why (SPEC §2, v2: only anchored trusters'
//! edges count).

use std::io::Write;

use clap::{Args, Subcommand};
use contract_transcode::Value;
use dcu_common::trust::{self, MemberState, ScoreParams};
use dcu_common::DAY_MS;
use serde::Serialize;

use super::{Session, TxReport};
use crate::chain::{format_amount, parse_account};
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::value::{self as val, field, uint_field};
use crate::{CliError, Result};

/// Name of the contract in the manifest.
pub const TRUST: &str = "trust_graph";

/// `dcu member` options.
#[derive(Debug, Args)]
pub struct MemberOpts {
    #[command(subcommand)]
    pub cmd: MemberCmd,
}

/// Member subcommands.
#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// Register the signer as a member of the trust graph.
    Register,
}

/// `dcu trust` options.
#[derive(Debug, Args)]
pub struct TrustOpts {
    #[command(subcommand)]
    pub cmd: TrustCmd,
}

/// Trust subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustCmd {
    /// Trust a member with a weight of 1..=800 (creates or changes the edge).
    Set {
        /// The member to trust.
        to: String,
        /// Weight 1..=800.
        #[arg(allow_hyphen_values = true)]
        weight: String,
    },
    /// Withdraw the signer's trust in a member.
    Revoke {
        /// The member.
        to: String,
    },
    /// Vouch for a member (once).
    Vouch {
        /// The member.
        member: String,
    },
    /// Attest a member's identity (appointed verifiers only: the network
    /// profile's founding verifiers, then those governance appoints with
    /// `dcu gov propose verifier ACCOUNT`). A verified member is anchored.
    Verify {
        /// The member.
        member: String,
    },
    /// Refuse a member's trust in the signer: its edge goes and it may not
    /// trust the signer again until `dcu trust unblock`.
    Reject {
        /// The truster.
        truster: String,
    },
    /// Lift the signer's block on a truster.
    Unblock {
        /// The truster.
        truster: String,
    },
    /// Re-evaluate whether a member is anchored (anyone; e.g. once its
    /// membership has reached the minimum age).
    Anchor {
        /// The member (default: the signer).
        member: Option<String>,
    },
    /// Release the signer's anchoring: its trust stops counting (all its
    /// edges, 32 per transaction) — needed before moving the capital that
    /// anchors it (unstake, draw, a new line).
    Release,
    /// Lift the signer's release: its trust counts again if it is anchored.
    Resume,
    /// After governance revoked a verifier: refresh every member whose
    /// verification it voided, so their trust stops counting (anyone).
    Sweep {
        /// The revoked verifier.
        verifier: String,
    },
    /// A member's scores, capacity, warnings and edges, checked off chain.
    Show {
        /// The member (default: the signer).
        account: Option<String>,
    },
}

/// The scores of one member.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default)]
pub struct Scores {
    /// DT.
    pub direct_trust: u128,
    /// NT, 10^9 fixed point.
    pub network_trust: u128,
    /// TS, 10^9 fixed point.
    pub trust_score: u128,
    /// CF, 10^9 fixed point.
    pub confidence: u128,
    /// C, smallest units.
    pub capacity: u128,
    /// |N|.
    pub neighbours: u32,
}

/// One trust edge, whether it counts and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EdgeView {
    /// The other member.
    pub member: String,
    pub weight: u16,
    /// Whether it counts in the scores (its truster is anchored).
    pub counts: bool,
    /// Why, in words.
    pub why: String,
}

/// `dcu trust show`.
#[derive(Debug, Serialize)]
pub struct ShowReport {
    pub account: String,
    pub registered_at: u64,
    pub verified: bool,
    /// Anchored: its trust counts (verified, or staked and old enough).
    pub anchored: bool,
    /// Why it is or is not anchored.
    pub anchor_reason: String,
    pub vouches: u128,
    pub tx_count: u128,
    pub open_warnings: u128,
    pub defaults: u128,
    pub inactive: bool,
    pub defaulted: bool,
    /// As the contract computes them.
    pub on_chain: Scores,
    /// As `dcu` computes them from the graph read from chain.
    pub off_chain: Scores,
    /// Whether both agree to the unit.
    pub agree: bool,
    /// The on-chain scores are provisional while this member (itself or a
    /// truster) has edges left to sync after an anchoring change.
    pub provisional_by: Option<String>,
    /// This member's own out-edges left to sync after its anchoring changed.
    pub anchor_pending: u128,
    pub edges_in: Vec<EdgeView>,
    pub edges_out: Vec<EdgeView>,
}

fn frac(x: u128) -> String {
    format!("{:.4}", x as f64 / 1e9)
}

impl Report for ShowReport {
    fn human(&self) -> String {
        let s = &self.on_chain;
        let mut out = format!(
            "Member {}{}\n  {}\n  DT {}   NT {}   TS {}   CF {}\n  capacity {} DUSD   neighbours {}   warnings {}   repayments {}   vouches {}\n",
            self.account,
            if self.verified { " (verified)" } else { "" },
            self.anchor_reason,
            s.direct_trust,
            frac(s.network_trust),
            frac(s.trust_score),
            frac(s.confidence),
            format_amount(s.capacity),
            s.neighbours,
            self.open_warnings,
            self.tx_count,
            self.vouches
        );
        if self.inactive {
            out.push_str("  TS halved: no repayment within the inactivity period\n");
        }
        if self.defaulted {
            out.push_str("  CF halved: a recent default\n");
        }
        out.push_str(&format!("  trusted by {} member(s), trusts {} member(s)\n", self.edges_in.len(), self.edges_out.len()));
        for e in &self.edges_in {
            out.push_str(&format!("    ← {} ({}): {}\n", e.member, e.weight, e.why));
        }
        for e in &self.edges_out {
            out.push_str(&format!("    → {} ({}): {}\n", e.member, e.weight, e.why));
        }
        if let Some(x) = &self.provisional_by {
            out.push_str(&format!(
                "  provisional: {x} changed its anchoring and some of its edges still count as before; no loan is granted until `dcu trust anchor {x}` finishes syncing them\n"
            ));
        }
        out.push_str(if self.agree {
            "  off-chain recomputation by dcu: identical to the unit"
        } else {
            "  WARNING: dcu's off-chain recomputation differs from the contract"
        });
        out
    }
}

fn parse_weight(s: &str) -> Result<u32> {
    s.trim().parse::<u32>().ok().filter(|w| (1..=800).contains(w)).ok_or_else(|| CliError::Other(format!("'{s}' is not a trust weight: use a whole number from 1 to 800")))
}

async fn submit(g: &GlobalOpts, s: &Session, message: &str, args: Vec<String>, summary: String, out: &mut impl Write) -> Result<()> {
    let tx = s.submit(g, TRUST, message, &args).await?;
    emit(g, out, &TxReport::new(summary, None, tx))
}

/// Refreshes `m`'s anchoring and syncs its edges until none is pending
/// (a page per transaction). Returns the last transaction and their number.
pub async fn sync_anchor(g: &GlobalOpts, s: &Session, m: &str) -> Result<(crate::contract::TxOutcome, u32)> {
    let again = format!("{m}'s edges are still syncing; run `dcu trust anchor {m}` again");
    page_until_zero(g, s, m, "refresh_anchor", &[m.to_string()], "anchor_pending", &again).await
}

/// Submits `message` (a page of `m`'s edges per transaction) until `m`'s
/// `field` in its member record is 0, at most 64 times. Returns the last
/// transaction and their number.
async fn page_until_zero(
    g: &GlobalOpts,
    s: &Session,
    m: &str,
    message: &str,
    args: &[String],
    field: &str,
    again: &str,
) -> Result<(crate::contract::TxOutcome, u32)> {
    let t = s.contract(TRUST)?;
    let left = |v: &Value| val::some(v).and_then(|i| uint_field(i, field)).unwrap_or(0);
    let mut tx = s.submit(g, TRUST, message, args).await?;
    let mut rounds = 1u32;
    while left(&s.query(&t, "member_info", &[m.to_string()]).await?) > 0 {
        if rounds >= 64 {
            return Err(CliError::Other(format!("{again} (after {rounds} transactions)")));
        }
        tx = s.submit(g, TRUST, message, args).await?;
        rounds += 1;
    }
    Ok((tx, rounds))
}

/// Makes `who`'s scores final before a loan is asked or paid out on them:
/// while the trust graph names a member whose anchoring changed and whose
/// edges still count as before (`stale_by`), refreshes it (anyone may).
/// Returns the members refreshed.
pub async fn settle_scores(g: &GlobalOpts, s: &Session, who: &str) -> Result<Vec<String>> {
    let t = s.contract(TRUST)?;
    let mut done = Vec::new();
    loop {
        let score = s.query(&t, "score", &[who.to_string()]).await?;
        let Some(x) = field(&score, "stale_by").and_then(val::some).and_then(val::text) else { return Ok(done) };
        if done.contains(&x) || done.len() >= 32 {
            return Err(CliError::Other(format!("{who}'s score stays provisional after refreshing {}; try `dcu trust anchor {x}`", done.join(", "))));
        }
        sync_anchor(g, s, &x).await?;
        done.push(x);
    }
}

/// Runs `dcu member …`.
pub async fn run_member(g: &GlobalOpts, opts: &MemberOpts, out: &mut impl Write) -> Result<()> {
    match opts.cmd {
        MemberCmd::Register => {
            let s = Session::open(g).await?;
            let me = s.me();
            submit(g, &s, "register", vec![], format!("{me} is now a member"), out).await
        }
    }
}

/// Runs `dcu trust …`.
pub async fn run(g: &GlobalOpts, opts: &TrustOpts, out: &mut impl Write) -> Result<()> {
    match &opts.cmd {
        TrustCmd::Set { to, weight } => {
            let (to, w) = (parse_account(to)?, parse_weight(weight)?);
            let s = Session::open(g).await?;
            submit(g, &s, "set_trust", vec![to.to_string(), w.to_string()], format!("{} now trusts {to} with weight {w}", s.me()), out).await
        }
        TrustCmd::Revoke { to } => {
            let to = parse_account(to)?;
            let s = Session::open(g).await?;
            submit(g, &s, "revoke_trust", vec![to.to_string()], format!("{} no longer trusts {to}", s.me()), out).await
        }
        TrustCmd::Vouch { member } => {
            let m = parse_account(member)?;
            let s = Session::open(g).await?;
            submit(g, &s, "vouch", vec![m.to_string()], format!("{} vouched for {m}", s.me()), out).await
        }
        TrustCmd::Verify { member } => {
            let m = parse_account(member)?;
            let s = Session::open(g).await?;
            submit(g, &s, "verify", vec![m.to_string()], format!("{} verified {m}", s.me()), out).await
        }
        TrustCmd::Reject { truster } => {
            let x = parse_account(truster)?;
            let s = Session::open(g).await?;
            submit(g, &s, "reject_trust", vec![x.to_string()], format!("{} refused {x}'s trust; {x} may not trust it again until it is unblocked", s.me()), out).await
        }
        TrustCmd::Unblock { truster } => {
            let x = parse_account(truster)?;
            let s = Session::open(g).await?;
            submit(g, &s, "unblock", vec![x.to_string()], format!("{} lifted its block on {x}", s.me()), out).await
        }
        TrustCmd::Anchor { member } => {
            let m = member.as_deref().map(parse_account).transpose()?;
            let s = Session::open(g).await?;
            let m = m.unwrap_or_else(|| s.me()).to_string();
            let t = s.contract(TRUST)?;
            let anchored = val::boolean(&s.query(&t, "refresh_anchor", &[m.clone()]).await?);
            let mut what = match anchored {
                Some(true) => format!("{m} is anchored: its trust counts"),
                Some(false) => format!("{m} is not anchored: its trust weighs nothing (verification, or the minimum stake and membership age, anchor it)"),
                None => format!("{m}'s anchoring was re-evaluated"),
            };
            // A change syncs at most a page of edges per transaction: go on
            // until every edge follows the new anchoring.
            let (tx, rounds) = sync_anchor(g, &s, &m).await?;
            if rounds > 1 {
                what.push_str(&format!(" (its edges synced in {rounds} transactions)"));
            }
            emit(g, out, &TxReport::new(what, None, tx))
        }
        TrustCmd::Release => {
            let s = Session::open(g).await?;
            let me = s.me().to_string();
            let again = format!("{me}'s edges still count; run `dcu trust release` again");
            let (tx, rounds) = page_until_zero(g, &s, &me, "release_anchor", &[], "counting_out", &again).await?;
            let summary = format!("{me} released its anchoring: none of its trust counts now ({rounds} transaction(s)); its capital may move, and `dcu trust resume` lifts the release");
            emit(g, out, &TxReport::new(summary, None, tx))
        }
        TrustCmd::Resume => {
            let s = Session::open(g).await?;
            let me = s.me().to_string();
            let t = s.contract(TRUST)?;
            let anchored = val::boolean(&s.query(&t, "resume_anchor", &[]).await?).unwrap_or(false);
            let tx = s.submit(g, TRUST, "resume_anchor", &[]).await?;
            let (tx, _) = if anchored { sync_anchor(g, &s, &me).await? } else { (tx, 1) };
            let summary = if anchored {
                format!("{me} lifted its release: it is anchored and its trust counts again")
            } else {
                format!("{me} lifted its release; it is not anchored (verification, or the minimum own capital and membership age, anchor it)")
            };
            emit(g, out, &TxReport::new(summary, None, tx))
        }
        TrustCmd::Sweep { verifier } => {
            let v = parse_account(verifier)?.to_string();
            let s = Session::open(g).await?;
            let t = s.contract(TRUST)?;
            if val::some(&s.query(&t, "revoked_at", &[v.clone()]).await?).is_none() {
                return Err(CliError::Other(format!("{v} was never revoked: its verifications stand (governance revokes with `dcu gov propose verifier {v} --revoke`)")));
            }
            let (mut start, mut swept, mut last) = (0u32, Vec::new(), None);
            loop {
                let page = s.query(&t, "verified_by", &[v.clone(), start.to_string(), "100".into()]).await?;
                let members: Vec<String> = val::items(&page).iter().filter_map(|x| val::text(x)).collect();
                if members.is_empty() {
                    break;
                }
                start += members.len() as u32;
                for m in members {
                    let info = s.query(&t, "member_info", &[m.clone()]).await?;
                    let flagged = val::some(&info).and_then(|i| field(i, "verified")).and_then(val::boolean).unwrap_or(false);
                    let stands = val::boolean(&s.query(&t, "is_verified", &[m.clone()]).await?).unwrap_or(false);
                    if flagged && !stands {
                        last = Some(sync_anchor(g, &s, &m).await?.0);
                        swept.push(m);
                    }
                }
            }
            let summary = format!("{} member(s) verified by {v} refreshed: their void verification no longer anchors them{}", swept.len(), if swept.is_empty() { "" } else { ":" });
            match last {
                Some(tx) => emit(g, out, &TxReport::new(format!("{summary} {}", swept.join(", ")), None, tx)),
                None => {
                    writeln!(out, "{summary} (nothing left to refresh)").map_err(|e| CliError::Other(e.to_string()))?;
                    Ok(())
                }
            }
        }
        TrustCmd::Show { account } => {
            let who = account.as_deref().map(parse_account).transpose()?;
            let s = Session::open(g).await?;
            let who = who.unwrap_or_else(|| s.me()).to_string();
            let report = show(&s, &who).await?;
            emit(g, out, &report)
        }
    }
}

/// The block timestamp at the best block (what a dry run sees).
pub async fn chain_now(s: &Session) -> Result<u64> {
    let v = s
        .conn
        .fetch("Timestamp", "Now", Vec::new(), "reading the chain's time")
        .await?
        .ok_or_else(|| CliError::Other("the chain has no timestamp".into()))?;
    v.as_type::<u64>().map_err(|e| CliError::Other(format!("cannot read the chain's time: {e}")))
}

fn edges(v: &Value) -> Vec<(String, u16)> {
    val::items(v)
        .into_iter()
        .filter_map(|e| {
            let parts = val::tuple(e);
            Some((val::text(parts.first()?)?, u16::try_from(val::uint(parts.get(1)?)?).ok()?))
        })
        .collect()
}

fn bad(what: &str) -> CliError {
    CliError::Other(format!("unexpected answer from trust_graph: {what}"))
}

/// Reads a member's record and edges, the on-chain scores, and recomputes
/// the scores off chain from the same graph.
pub async fn show(s: &Session, who: &str) -> Result<ShowReport> {
    let t = s.contract(TRUST)?;
    let info_v = s.query(&t, "member_info", &[who.to_string()]).await?;
    let info = val::some(&info_v).ok_or_else(|| CliError::Other(format!("{who} is not a member of the trust graph; they can join with `dcu member register`")))?;
    let score = s.query(&t, "score", &[who.to_string()]).await?;
    let params = s.query(&t, "params", &[]).await?;
    let ins = edges(&s.query(&t, "edges_in", &[who.to_string()]).await?);
    let outs = edges(&s.query(&t, "edges_out", &[who.to_string()]).await?);
    let now = chain_now(s).await?;

    let get = |name: &str| uint_field(info, name).ok_or_else(|| bad(name));
    let flag = |v: &Value, name: &str| field(v, name).and_then(val::boolean).unwrap_or(false);
    let me_anchored = flag(info, "anchored");
    // Recomputed from the raw edges and each truster's anchoring, not from
    // the contract's counters: only anchored trusters' edges count.
    let (mut incoming, mut dt, mut trusters, mut trusted_back) = (Vec::new(), 0u128, 0u32, 0u32);
    let mut neighbours = std::collections::BTreeSet::new();
    let mut edges_in = Vec::new();
    for (x, w) in &ins {
        let xi = s.query(&t, "member_info", &[x.clone()]).await?;
        let xm = val::some(&xi).ok_or_else(|| bad("truster record"))?;
        let x_dt = uint_field(xm, "direct_trust").ok_or_else(|| bad("truster record"))?;
        let counts = flag(xm, "anchored");
        if counts {
            incoming.push((u32::from(*w), x_dt));
            dt += u128::from(*w);
            trusters += 1;
            neighbours.insert(x.clone());
            if outs.iter().any(|(y, _)| y == x) {
                trusted_back += 1;
            }
        }
        let why = if counts { "counts: the truster is anchored".to_string() } else { "weighs nothing: the truster is not anchored".to_string() };
        edges_in.push(EdgeView { member: x.clone(), weight: *w, counts, why });
    }
    let edges_out: Vec<EdgeView> = outs
        .iter()
        .map(|(x, w)| {
            if me_anchored {
                neighbours.insert(x.clone());
            }
            let why = if me_anchored { "counts: this member is anchored" } else { "weighs nothing until this member is anchored" };
            EdgeView { member: x.clone(), weight: *w, counts: me_anchored, why: why.into() }
        })
        .collect();
    // The verification that stands (a revoked verifier's is void at once).
    let verified = val::boolean(&s.query(&t, "is_verified", &[who.to_string()]).await?).unwrap_or(false);
    let stake = val::uint(&s.query(&t, "reported_stake", &[who.to_string()]).await?).unwrap_or(0);
    let min_stake = uint_field(&params, "min_anchor_stake").ok_or_else(|| bad("min_anchor_stake"))?;
    let min_age_days = uint_field(&params, "min_anchor_age_days").ok_or_else(|| bad("min_anchor_age_days"))?;
    let anchor_reason = match (me_anchored, verified) {
        (true, true) => "anchored: verified — its trust counts".to_string(),
        (true, false) => format!("anchored: {} DUSD staked — its trust counts", format_amount(stake)),
        (false, _) => format!(
            "not anchored — its trust weighs nothing until it is verified, or stakes {} DUSD (has {}) with {} days of membership (`dcu trust anchor` re-checks)",
            format_amount(min_stake),
            format_amount(stake),
            min_age_days
        ),
    };
    let p = ScoreParams {
        max_trust: uint_field(&params, "max_trust").ok_or_else(|| bad("max_trust"))?,
        base_capacity: uint_field(&params, "base_capacity").ok_or_else(|| bad("base_capacity"))?,
        inactivity_ms: u64::try_from(uint_field(&params, "inactivity_days").ok_or_else(|| bad("inactivity_days"))?)
            .ok()
            .and_then(|d| d.checked_mul(DAY_MS))
            .ok_or_else(|| bad("inactivity_days"))?,
    };
    let state = MemberState {
        registered_at: get("registered_at")? as u64,
        last_activity: get("last_activity")? as u64,
        default_until: get("default_until")? as u64,
        dt,
        tx_count: get("tx_count")? as u64,
        trusters,
        trusted_back,
        verified,
        vouches: get("vouches")? as u32,
        connections: u32::try_from(neighbours.len()).map_err(|_| bad("neighbours"))?,
    };
    let off = trust::score(&p, &state, incoming, now).ok_or_else(|| CliError::Other("the off-chain score overflowed".into()))?;
    let off_chain = Scores { direct_trust: off.dt, network_trust: off.nt, trust_score: off.ts, confidence: off.cf, capacity: off.capacity, neighbours: off.neighbours };
    let sg = |name: &str| uint_field(&score, name).ok_or_else(|| bad(name));
    let on_chain = Scores {
        direct_trust: sg("direct_trust")?,
        network_trust: sg("network_trust")?,
        trust_score: sg("trust_score")?,
        confidence: sg("confidence")?,
        capacity: sg("capacity")?,
        neighbours: sg("neighbours")? as u32,
    };
    Ok(ShowReport {
        account: who.to_string(),
        registered_at: state.registered_at,
        verified: state.verified,
        anchored: me_anchored,
        anchor_reason,
        vouches: get("vouches")?,
        tx_count: get("tx_count")?,
        open_warnings: get("open_warnings")?,
        defaults: get("defaults")?,
        inactive: field(&score, "inactive").and_then(val::boolean).unwrap_or(false),
        defaulted: field(&score, "defaulted").and_then(val::boolean).unwrap_or(false),
        agree: on_chain == off_chain,
        provisional_by: field(&score, "stale_by").and_then(val::some).and_then(val::text),
        anchor_pending: get("anchor_pending")?,
        on_chain,
        off_chain,
        edges_in,
        edges_out,
    })
}
