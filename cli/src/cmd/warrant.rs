//! `dcu warrant …`: the warrant escrow (SPEC §4) from an intermediary's side
//! — a standing policy for warrants asked of you (manual, by the borrower's
//! trust tier, or a minimum rate of your own, each bounded by the loan's
//! amount and term), the allowance that lets the
//! escrow lock a warrant automatically, explicit acceptance — from the
//! wallet, or (`--from-stake`, SPEC §4) from the unlent stake in the pool,
//! to which the warrant then returns — or declining
//! (a declined warrant is never locked, so its loan cannot be disbursed),
//! and what the escrow holds for you or for a loan — including payments the
//! token refused to deliver earlier, which wait for `dcu warrant claim`.

use std::io::Write;

use clap::{Args, Subcommand};
use contract_transcode::Value;
use serde::Serialize;

use super::token::{allowance_of, TOKEN};
use super::loan::LOANS;
use super::{Session, TxReport};
use crate::chain::{format_amount, format_rate, parse_account, parse_amount, parse_rate};
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::value::{self as val, field, uint_field};
use crate::{CliError, Result};

/// A policy's largest loan amount when `--max-amount` is not given, in tokens.
pub const DEFAULT_MAX_AMOUNT: &str = "1000";
/// A policy's longest loan term when `--max-term` is not given.
pub const DEFAULT_MAX_TERM: &str = "365d";

/// Name of the contract in the manifest.
pub const ESCROW: &str = "warrant_escrow";

/// `dcu warrant` options.
#[derive(Debug, Args)]
pub struct WarrantOpts {
    #[command(subcommand)]
    pub cmd: WarrantCmd,
}

/// Warrant subcommands.
#[derive(Debug, Subcommand)]
pub enum WarrantCmd {
    /// Set your standing policy: `manual`, `tier` (4 % / 6 % / 8 % by the
    /// borrower's trust score, never below 0.3) or a minimum rate such as 5%;
    /// `tier` and a rate lock a warrant automatically only on a loan of at
    /// most --max-amount over at most --max-term.
    Policy {
        /// manual | tier | RATE
        policy: String,
        /// Largest loan (the loan's amount, not your warrant) guaranteed
        /// automatically, in tokens. Default: 1000 (tier and rate policies).
        #[arg(long)]
        max_amount: Option<String>,
        /// Longest loan term guaranteed automatically (e.g. 90d, at most
        /// 3650d). Default: 365d (tier and rate policies).
        #[arg(long)]
        max_term: Option<String>,
        /// Also let the escrow lock up to this many tokens of yours
        /// automatically (a PSP22 allowance).
        #[arg(long)]
        allowance: Option<String>,
    },
    /// Lock your warrant on a loan: from your wallet (approves the escrow
    /// first if needed), or with --from-stake from your free stake in the
    /// pool.
    Accept {
        loan_id: u64,
        /// Lock it from your free stake in the pool (neither allocated to
        /// your lines nor lent) instead of your wallet: whatever of it
        /// returns goes back to that stake, never to your wallet.
        #[arg(long)]
        from_stake: bool,
    },
    /// Decline the Pending warrant asked of you on a loan: it is never
    /// locked, and the loan cannot be disbursed (its borrower cancels it or it expires).
    Decline { loan_id: u64 },
    /// Take what the escrow holds for you: payments the token refused to
    /// deliver earlier (a warrant's return, say).
    Claim,
    /// Your (or an account's) policy, thresholds, locked warrants, allowance
    /// and what the escrow and the loan manager hold for you to claim.
    Show { account: Option<String> },
    /// The warrants of one loan.
    Loan { loan_id: u64 },
}

/// A policy as a transcoder argument; `tier` and a rate carry the largest
/// loan amount and the longest term they accept (defaults when not given).
fn policy_arg(s: &str, max_amount: Option<&str>, max_term: Option<&str>) -> Result<String> {
    let kind = s.trim().to_ascii_lowercase();
    if kind == "manual" {
        if max_amount.is_some() || max_term.is_some() {
            return Err(CliError::Other("a manual policy accepts nothing automatically: --max-amount and --max-term go with tier or a rate".into()));
        }
        return Ok("Manual".into());
    }
    let amount_text = max_amount.unwrap_or(DEFAULT_MAX_AMOUNT);
    let amount = parse_amount(amount_text)?;
    if amount == 0 {
        return Err(CliError::BadAmount { value: amount_text.to_string(), reason: "a policy guarantees loans up to a positive amount".into() });
    }
    let term = super::loan::parse_term(max_term.unwrap_or(DEFAULT_MAX_TERM))?;
    let bounds = format!("max_amount: {amount}, max_term_days: {term}");
    match kind.as_str() {
        "tier" | "by-trust-tier" => Ok(format!("ByTrustTier {{ {bounds} }}")),
        other => {
            let bps = parse_rate(other).map_err(|_| CliError::Other(format!("'{s}' is not a policy: write manual, tier or a minimum rate such as 5%")))?;
            if bps > 10_000 {
                return Err(CliError::Other(format!("a minimum rate is at most 100 %, not {s}")));
            }
            Ok(format!("MinRate {{ min_rate_bps: {bps}, {bounds} }}"))
        }
    }
}

const TIER_WORDS: &str = "by trust tier: automatically from 4 % (TS ≥ 0.8), 6 % (≥ 0.5), 8 % (≥ 0.3); never below TS 0.3";

fn policy_words(v: &Value) -> String {
    let bounds = |v: &Value| {
        format!(
            ", for loans of at most {} DUSD over at most {} days",
            format_amount(uint_field(v, "max_amount").unwrap_or(0)),
            uint_field(v, "max_term_days").unwrap_or(0)
        )
    };
    match val::variant(v).as_deref() {
        Some("Manual") => "manual: every warrant is accepted explicitly".into(),
        Some("ByTrustTier") => format!("{TIER_WORDS}{}", bounds(v)),
        Some("MinRate") => format!("automatically when the loan's rate is at least {}{}", format_rate(uint_field(v, "min_rate_bps").unwrap_or(0)), bounds(v)),
        Some(other) => other.to_string(),
        None => v.to_string(),
    }
}

/// An account's standing with the escrow.
#[derive(Debug, Serialize)]
pub struct HolderReport {
    pub account: String,
    pub policy: String,
    /// Lowest rate accepted automatically for a borrower of TS 0.9 / 0.6 / 0.4 / 0.2.
    pub thresholds_bps: Vec<Option<u128>>,
    /// Locked warrants on open loans (Pending ones do not count toward the cap).
    pub open_warrants: u128,
    /// The escrow's allowance over the account's tokens.
    pub allowance: u128,
    /// What the escrow holds for the account (`dcu warrant claim`).
    pub claimable: u128,
    /// Interest shares the loan manager holds for the account (`dcu loan claim`).
    pub loan_claimable: u128,
}

impl Report for HolderReport {
    fn human(&self) -> String {
        let t: Vec<String> = [("0.9", 0), ("0.6", 1), ("0.4", 2), ("0.2", 3)]
            .iter()
            .map(|(ts, i)| format!("TS {ts}: {}", self.thresholds_bps[*i].map(format_rate).unwrap_or_else(|| "never".into())))
            .collect();
        let mut s = format!(
            "Warrants of {}\n  policy: {}\n  automatic from: {}\n  locked warrants on open loans: {}; the escrow may lock up to {} DUSD automatically",
            self.account,
            self.policy,
            t.join(", "),
            self.open_warrants,
            format_amount(self.allowance)
        );
        s.push_str(&claimable_words(self.claimable, self.loan_claimable));
        s
    }
}

/// What the escrow and the loan manager hold for an account, as a line
/// (empty when nothing is held).
pub fn claimable_words(escrow: u128, loans: u128) -> String {
    let mut parts = Vec::new();
    if escrow > 0 {
        parts.push(format!("{} DUSD in the escrow (`dcu warrant claim`)", format_amount(escrow)));
    }
    if loans > 0 {
        parts.push(format!("{} DUSD of interest shares in the loan manager (`dcu loan claim`)", format_amount(loans)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("\n  held to claim (the token refused to deliver it earlier): {}", parts.join(", "))
    }
}

/// A loan's warrants.
#[derive(Debug, Serialize)]
pub struct LoanReport {
    pub loan_id: u64,
    pub state: String,
    pub creditor: String,
    /// The loan's amount and term, which policies are checked against.
    pub amount: u128,
    pub term_days: u128,
    pub rate_bps: u128,
    pub warrants: Vec<WarrantView>,
}

/// One warrant.
#[derive(Debug, Serialize)]
pub struct WarrantView {
    pub holder: String,
    pub amount: u128,
    pub state: String,
    pub claimed: u128,
    /// Locked from the holder's stake in the pool (it returns there).
    pub from_stake: bool,
}

impl Report for LoanReport {
    fn human(&self) -> String {
        let mut s = format!(
            "Warrants of loan #{} ({}): {} DUSD over {} days at {}, claims to {}",
            self.loan_id,
            self.state,
            format_amount(self.amount),
            self.term_days,
            format_rate(self.rate_bps),
            self.creditor
        );
        for w in &self.warrants {
            s.push_str(&format!("\n  {}: {} DUSD, {}", w.holder, format_amount(w.amount), w.state));
            if w.from_stake {
                s.push_str(" from stake (returns to the holder's stake)");
            }
            if w.claimed > 0 {
                s.push_str(&format!(", {} DUSD claimed", format_amount(w.claimed)));
            }
        }
        if self.warrants.iter().any(|w| w.state == "Declined") && self.state == "Open" {
            s.push_str("\n  a warrant was declined: the loan can never be fully guaranteed, so it cannot be disbursed (its borrower cancels it or it expires)");
        }
        s
    }
}

/// Locks the signer's warrant on `loan_id`, approving the escrow for it
/// first when the allowance is short: (amount, what was approved, the tx).
pub async fn accept(s: &Session, g: &GlobalOpts, loan_id: u64) -> Result<(u128, String, crate::contract::TxOutcome)> {
    let escrow = s.contract(ESCROW)?;
    let rec = s.query(&escrow, "loan", &[loan_id.to_string()]).await?;
    let rec = val::some(&rec).ok_or_else(|| CliError::Other(format!("the escrow has no warrants for loan #{loan_id}")))?;
    let me = s.me().to_string();
    let mine = field(rec, "warrants")
        .map(val::items)
        .unwrap_or_default()
        .into_iter()
        .find(|w| field(w, "holder").and_then(val::text).as_deref() == Some(me.as_str()))
        .ok_or_else(|| CliError::Other(format!("{me} holds no warrant on loan #{loan_id}")))?;
    let amount = uint_field(mine, "amount").unwrap_or(0);
    let have = allowance_of(s, &me, &escrow.address.to_string()).await?;
    let mut approved = String::new();
    if have < amount {
        s.submit(g, TOKEN, "PSP22::approve", &[escrow.address.to_string(), amount.to_string()]).await?;
        approved = format!(" (approved the escrow for {} DUSD first)", format_amount(amount));
    }
    let tx = s.submit(g, ESCROW, "accept", &[loan_id.to_string()]).await?;
    Ok((amount, approved, tx))
}

/// Locks the signer's warrant on `loan_id` from its free stake in the pool
/// (SPEC §4): (amount, the free stake left, the tx). A refusal the escrow
/// passes on from the pool is told in the pool's words.
pub async fn accept_from_stake(s: &Session, g: &GlobalOpts, loan_id: u64) -> Result<(u128, Option<u128>, crate::contract::TxOutcome)> {
    let escrow = s.contract(ESCROW)?;
    require_v2(&escrow, "accept_from_stake")?;
    let rec = s.query(&escrow, "loan", &[loan_id.to_string()]).await?;
    let rec = val::some(&rec).ok_or_else(|| CliError::Other(format!("the escrow has no warrants for loan #{loan_id}")))?;
    let me = s.me().to_string();
    let mine = field(rec, "warrants")
        .map(val::items)
        .unwrap_or_default()
        .into_iter()
        .find(|w| field(w, "holder").and_then(val::text).as_deref() == Some(me.as_str()))
        .ok_or_else(|| CliError::Other(format!("{me} holds no warrant on loan #{loan_id}")))?;
    let amount = uint_field(mine, "amount").unwrap_or(0);
    let tx = s.submit(g, ESCROW, "accept_from_stake", &[loan_id.to_string()]).await.map_err(|e| explain_from_stake(s, e))?;
    let free = match s.contract(super::pool::POOL) {
        Ok(pool) => uint_field(&s.query(&pool, "grantor", &[me]).await?, "free"),
        Err(_) => None,
    };
    Ok((amount, free, tx))
}

/// Rewrites the escrow's `Pool(..)` refusal of `accept_from_stake` in the
/// pool's words (decoded with its metadata), and the refusals a member
/// meets there in one sentence.
fn explain_from_stake(s: &Session, e: CliError) -> CliError {
    let CliError::ContractRefused { contract, message, variant, description } = e else { return e };
    let inner = variant.starts_with("Pool(").then(|| s.contract(super::pool::POOL).ok()).flatten().and_then(|pool| {
        let msg = if pool.has_message("warrant_from_stake") { "warrant_from_stake" } else { "loan_open" };
        let mut answer = vec![1u8];
        answer.extend_from_slice(&super::loan::bytes_in(&variant));
        pool.describe_answer(msg, &answer)
    });
    let (variant, description) = match inner {
        Some((v, d)) => (v, format!("the credit pool refused: {d}")),
        None => (variant, description),
    };
    let description = from_stake_words(&variant).unwrap_or(description);
    CliError::ContractRefused { contract, message, variant, description }
}

/// One sentence for the pool's refusals of a warrant locked from stake, by
/// the error's rendering (`InsufficientStake { available: 1, requested: 2 }`,
/// `TrustGraph(AnchorNotReleased { counting: 2 })`, `Paused`).
fn from_stake_words(variant: &str) -> Option<String> {
    let amount = |name: &str| super::num_in(variant, name).map(format_amount).unwrap_or_else(|| "?".into());
    if variant.contains("InsufficientStake") {
        Some(format!(
            "a warrant is locked only from your free stake (neither allocated to your lines nor lent): {} DUSD is free for this {} DUSD warrant — stake more, lower a line, or lock it from your wallet (`dcu warrant accept ID`)",
            amount("available"),
            amount("requested")
        ))
    } else if variant.contains("AnchorNotReleased") {
        Some("locking it from your stake would take your own capital in the pool below what anchors you while your trust still counts: lock it from your wallet (`dcu warrant accept ID`), stake more, or run `dcu trust release` first".into())
    } else if variant.starts_with("Paused") {
        Some("the pool is paused: no warrant leaves a stake until governance lifts the pause; lock it from your wallet (`dcu warrant accept ID`) instead".into())
    } else {
        None
    }
}

/// Refuses, in one sentence, a deployment whose `contract` predates
/// `message` (SPEC v2, issue 16): its metadata cannot encode the call.
pub fn require_v2(contract: &crate::contract::ContractHandle, message: &str) -> Result<()> {
    if contract.has_message(message) {
        Ok(())
    } else {
        Err(CliError::Other(format!(
            "the deployed {} predates `{message}` (SPEC v2): redeploy the suite with `dcu deploy --fresh` from freshly built contracts",
            contract.name
        )))
    }
}

/// What `accept --from-stake` did, in one sentence.
fn from_stake_summary(me: &str, loan_id: u64, amount: u128, free: Option<u128>) -> String {
    let left = free.map(|f| format!("; {} DUSD of your stake is still free", format_amount(f))).unwrap_or_default();
    format!(
        "{me} locked a {} DUSD warrant on loan #{loan_id} from its stake in the pool: it returns to that stake (not the wallet) when the loan is repaid or cancelled, less what a default claims{left}",
        format_amount(amount)
    )
}

/// What `decline` did, in one sentence.
fn decline_words(me: &str, loan_id: u64, what: &str) -> String {
    format!("{me} declined {what} asked of it on loan #{loan_id}: nothing was locked, and the loan cannot be disbursed over this route (its borrower cancels it or it expires)")
}

/// The amount a `claim` paid: its `Claimed` event, else the dry run's answer.
pub fn claimed_amount(tx: &crate::contract::TxOutcome) -> u128 {
    tx.contract_events
        .iter()
        .find(|e| e.name == "Claimed")
        .and_then(|e| uint_field(&e.fields, "amount"))
        .or_else(|| val::uint(&tx.value))
        .unwrap_or(0)
}

/// What the escrow and the loan manager hold for `who` to claim (0 where
/// the deployed contract predates `claimable`).
pub async fn claimables(s: &Session, who: &str) -> Result<(u128, u128)> {
    let mut out = [0u128; 2];
    for (i, name) in [ESCROW, LOANS].iter().enumerate() {
        let Ok(h) = s.contract(name) else { continue };
        if h.has_message("claimable") {
            out[i] = val::uint(&s.query(&h, "claimable", &[who.to_string()]).await?).unwrap_or(0);
        }
    }
    Ok((out[0], out[1]))
}

/// Runs a warrant subcommand.
pub async fn run(g: &GlobalOpts, opts: &WarrantOpts, out: &mut impl Write) -> Result<()> {
    match &opts.cmd {
        WarrantCmd::Policy { policy, max_amount, max_term, allowance } => {
            let arg = policy_arg(policy, max_amount.as_deref(), max_term.as_deref())?;
            let allowance = allowance.as_deref().map(parse_amount).transpose()?;
            let s = Session::open(g).await?;
            let escrow = s.contract(ESCROW)?;
            let tx = s.submit(g, ESCROW, "set_policy", &[arg]).await?;
            let mut summary = format!("{}'s warrant policy: {}", s.me(), policy_words(&s.query(&escrow, "policy", &[s.me().to_string()]).await?));
            if let Some(units) = allowance {
                s.submit(g, TOKEN, "PSP22::approve", &[escrow.address.to_string(), units.to_string()]).await?;
                summary.push_str(&format!("; the escrow may lock up to {} DUSD automatically", format_amount(units)));
            }
            emit(g, out, &TxReport::new(summary, allowance, tx))
        }
        WarrantCmd::Accept { loan_id, from_stake: false } => {
            let s = Session::open(g).await?;
            let (amount, approved, tx) = accept(&s, g, *loan_id).await?;
            emit(g, out, &TxReport::new(format!("{} locked a {} DUSD warrant on loan #{loan_id}{approved}", s.me(), format_amount(amount)), Some(amount), tx))
        }
        WarrantCmd::Accept { loan_id, from_stake: true } => {
            let s = Session::open(g).await?;
            let (amount, free, tx) = accept_from_stake(&s, g, *loan_id).await?;
            emit(g, out, &TxReport::new(from_stake_summary(&s.me().to_string(), *loan_id, amount, free), Some(amount), tx))
        }
        WarrantCmd::Decline { loan_id } => {
            let s = Session::open(g).await?;
            let escrow = s.contract(ESCROW)?;
            require_v2(&escrow, "decline")?;
            let me = s.me().to_string();
            // The warrant's amount, for the sentence (the contract checks the rest).
            let rec = s.query(&escrow, "loan", &[loan_id.to_string()]).await?;
            let amount = val::some(&rec)
                .and_then(|r| field(r, "warrants"))
                .map(val::items)
                .unwrap_or_default()
                .into_iter()
                .find(|w| field(w, "holder").and_then(val::text).as_deref() == Some(me.as_str()))
                .and_then(|w| uint_field(w, "amount"));
            let tx = s.submit(g, ESCROW, "decline", &[loan_id.to_string()]).await?;
            let what = amount.map(|a| format!("the {} DUSD warrant", format_amount(a))).unwrap_or_else(|| "the warrant".into());
            emit(g, out, &TxReport::new(decline_words(&me, *loan_id, &what), None, tx))
        }
        WarrantCmd::Claim => {
            let s = Session::open(g).await?;
            require_v2(&s.contract(ESCROW)?, "claim_default")?;
            let tx = s.submit(g, ESCROW, "claim", &[]).await?;
            let amount = claimed_amount(&tx);
            let summary = format!("{} took {} DUSD the escrow held for it (payments the token had refused to deliver)", s.me(), format_amount(amount));
            emit(g, out, &TxReport::new(summary, Some(amount), tx))
        }
        WarrantCmd::Show { account } => {
            let who = account.as_deref().map(parse_account).transpose()?;
            let s = Session::open(g).await?;
            let escrow = s.contract(ESCROW)?;
            let who = who.unwrap_or_else(|| s.me()).to_string();
            let policy = policy_words(&s.query(&escrow, "policy", &[who.clone()]).await?);
            let mut thresholds_bps = Vec::new();
            for ts in [900_000_000u128, 600_000_000, 400_000_000, 200_000_000] {
                let v = s.query(&escrow, "threshold", &[who.clone(), ts.to_string()]).await?;
                thresholds_bps.push(val::some(&v).and_then(val::uint));
            }
            let open_warrants = val::uint(&s.query(&escrow, "open_warrants", &[who.clone()]).await?).unwrap_or(0);
            let allowance = allowance_of(&s, &who, &escrow.address.to_string()).await?;
            let (claimable, loan_claimable) = claimables(&s, &who).await?;
            emit(g, out, &HolderReport { account: who, policy, thresholds_bps, open_warrants, allowance, claimable, loan_claimable })
        }
        WarrantCmd::Loan { loan_id } => {
            let s = Session::open(g).await?;
            let escrow = s.contract(ESCROW)?;
            let rec = s.query(&escrow, "loan", &[loan_id.to_string()]).await?;
            let rec = val::some(&rec).ok_or_else(|| CliError::Other(format!("the escrow has no warrants for loan #{loan_id}")))?;
            let warrants = field(rec, "warrants")
                .map(val::items)
                .unwrap_or_default()
                .into_iter()
                .map(|w| WarrantView {
                    holder: field(w, "holder").and_then(val::text).unwrap_or_default(),
                    amount: uint_field(w, "amount").unwrap_or(0),
                    state: field(w, "state").and_then(val::variant).unwrap_or_default(),
                    claimed: uint_field(w, "claimed").unwrap_or(0),
                    from_stake: field(w, "from_stake").and_then(val::boolean).unwrap_or(false),
                })
                .collect();
            emit(
                g,
                out,
                &LoanReport {
                    loan_id: *loan_id,
                    state: field(rec, "state").and_then(val::variant).unwrap_or_default(),
                    creditor: field(rec, "creditor").and_then(val::text).unwrap_or_default(),
                    amount: uint_field(rec, "amount").unwrap_or(0),
                    term_days: uint_field(rec, "term_days").unwrap_or(0),
                    rate_bps: uint_field(rec, "rate_bps").unwrap_or(0),
                    warrants,
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Warrant {
        #[command(subcommand)]
        cmd: WarrantCmd,
    }

    fn parse(args: &[&str]) -> std::result::Result<WarrantCmd, clap::Error> {
        Warrant::try_parse_from(std::iter::once("warrant").chain(args.iter().copied())).map(|w| w.cmd)
    }

    #[test]
    fn decline_takes_a_loan_id_and_claim_nothing() {
        assert!(matches!(parse(&["decline", "7"]), Ok(WarrantCmd::Decline { loan_id: 7 })));
        assert!(parse(&["decline"]).is_err(), "the loan id is required");
        assert!(parse(&["decline", "seven"]).is_err(), "a loan id is a number");
        assert!(matches!(parse(&["claim"]), Ok(WarrantCmd::Claim)));
        assert!(parse(&["claim", "7"]).is_err(), "claim takes everything held, for no loan in particular");
        let w = decline_words("Dave", 7, "the 40 DUSD warrant");
        assert!(w.starts_with("Dave declined the 40 DUSD warrant asked of it on loan #7: nothing was locked"), "{w}");
    }

    #[test]
    fn what_is_held_to_claim_is_told_only_when_there_is_some() {
        let one = dcu_common::ONE_TOKEN;
        assert_eq!(claimable_words(0, 0), "");
        let w = claimable_words(12 * one, 0);
        assert!(w.contains("12 DUSD in the escrow (`dcu warrant claim`)") && !w.contains("loan manager"), "{w}");
        let w = claimable_words(0, one / 2);
        assert!(w.contains("0.5 DUSD of interest shares in the loan manager (`dcu loan claim`)"), "{w}");
        let r = LoanReport {
            loan_id: 3,
            state: "Open".into(),
            creditor: "f".into(),
            amount: 100 * one,
            term_days: 30,
            rate_bps: 600,
            warrants: vec![WarrantView { holder: "c".into(), amount: 40 * one, state: "Declined".into(), claimed: 0, from_stake: false }],
        };
        assert!(r.human().contains("c: 40 DUSD, Declined\n  a warrant was declined"), "{}", r.human());
    }

    #[test]
    fn accept_takes_from_stake_as_a_flag_and_tells_the_pools_refusals_in_one_sentence() {
        let one = dcu_common::ONE_TOKEN;
        assert!(matches!(parse(&["accept", "7"]), Ok(WarrantCmd::Accept { loan_id: 7, from_stake: false })));
        assert!(matches!(parse(&["accept", "7", "--from-stake"]), Ok(WarrantCmd::Accept { loan_id: 7, from_stake: true })));
        assert!(parse(&["accept", "--from-stake"]).is_err(), "the loan id is required");
        let w = from_stake_words(&format!("InsufficientStake {{ available: {}, requested: {} }}", 100 * one, 400 * one)).unwrap();
        assert!(w.contains("100 DUSD is free for this 400 DUSD warrant") && w.contains("free stake"), "{w}");
        let w = from_stake_words("TrustGraph(AnchorNotReleased { counting: 2 })").unwrap();
        assert!(w.contains("anchors you") && w.contains("dcu trust release") && w.contains("wallet"), "{w}");
        assert!(from_stake_words("Paused").unwrap().contains("paused"));
        assert!(from_stake_words("NotHolder").is_none(), "the doc comment says it");
        assert_eq!(w.lines().count(), 1, "one sentence");
        let s = from_stake_summary("Ferdie", 3, 80 * one, Some(320 * one));
        assert!(s.starts_with("Ferdie locked a 80 DUSD warrant on loan #3 from its stake in the pool") && s.ends_with("320 DUSD of your stake is still free"), "{s}");
        let r = LoanReport {
            loan_id: 3,
            state: "Open".into(),
            creditor: "a".into(),
            amount: 100 * one,
            term_days: 30,
            rate_bps: 600,
            warrants: vec![WarrantView { holder: "f".into(), amount: 80 * one, state: "Locked".into(), claimed: 0, from_stake: true }],
        };
        assert!(r.human().contains("f: 80 DUSD, Locked from stake (returns to the holder's stake)"), "{}", r.human());
    }

    #[test]
    fn policies_parse_into_the_contract_enum() {
        let one = dcu_common::ONE_TOKEN;
        assert_eq!(policy_arg("manual", None, None).unwrap(), "Manual");
        assert_eq!(policy_arg("Tier", None, None).unwrap(), format!("ByTrustTier {{ max_amount: {}, max_term_days: 365 }}", 1_000 * one));
        assert_eq!(policy_arg("5%", Some("200"), Some("90d")).unwrap(), format!("MinRate {{ min_rate_bps: 500, max_amount: {}, max_term_days: 90 }}", 200 * one));
        assert_eq!(policy_arg("4.75", None, Some("30")).unwrap(), format!("MinRate {{ min_rate_bps: 475, max_amount: {}, max_term_days: 30 }}", 1_000 * one));
        assert!(policy_arg("sometimes", None, None).unwrap_err().to_string().contains("not a policy"));
        assert!(policy_arg("101%", None, None).unwrap_err().to_string().contains("at most 100 %"));
        assert!(policy_arg("tier", None, Some("3651d")).unwrap_err().to_string().contains("not a term"));
        assert!(policy_arg("tier", Some("0"), None).is_err());
        assert!(policy_arg("manual", Some("10"), None).unwrap_err().to_string().contains("manual"));
    }
}
