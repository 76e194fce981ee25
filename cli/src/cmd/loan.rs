//! `dcu loan …`: purpose-driven term loans routed over chains of credit
//! lines (SPEC §5) — from the borrower's request (with the route found by
//! `dcu route`'s path finder, `--auto-route`), the creditor's approval (by
//! hand, or by the creditor's own standing policy, `dcu loan policy`) and
//! the intermediaries' warrants, to disbursement, repayment, and overdue,
//! default and settlement.

use std::io::Write;

use clap::{Args, Subcommand};
use contract_transcode::Value;
use serde::Serialize;

use super::pool::{ensure_allowance, when};
use super::route::{dev_names, find, label, Reader};
use super::trust::{chain_now, settle_scores};
use super::warrant::{accept as accept_warrant, claimables, claimed_amount, require_v2, ESCROW};
use super::{Session, TxReport};
use crate::chain::{format_amount, format_rate, parse_account, parse_amount, parse_rate};
use crate::contract::ContractHandle;
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::value::{self as val, field, uint_field};
use crate::{CliError, Result};
use dcu_common::loan::{Approval, ApprovalPolicy};

/// Name of the contract in the manifest.
pub const LOANS: &str = "loan_manager";

/// `dcu loan` options.
#[derive(Debug, Args)]
pub struct LoanOpts {
    #[command(subcommand)]
    pub cmd: LoanCmd,
}

/// Loan subcommands.
#[derive(Debug, Subcommand)]
pub enum LoanCmd {
    /// Ask for a term loan (you are the borrower). Give the route with
    /// `--path` or let dcu find the cheapest one from `--from` with `--auto-route`.
    Request {
        /// Amount in tokens.
        #[arg(allow_hyphen_values = true)]
        amount: String,
        /// community | ecological | productive | educational | creative
        #[arg(long)]
        purpose: String,
        /// Term in days (e.g. 90 or 90d).
        #[arg(long)]
        term: String,
        /// What the money is for; only its hash is stored on chain.
        #[arg(long, default_value = "")]
        description: String,
        /// The route: creditor,intermediary,…,you (accounts separated by commas).
        #[arg(long, conflicts_with = "auto_route")]
        path: Option<String>,
        /// Find the cheapest route(s) from `--from` with the path finder; when
        /// no single route carries the amount, one loan per route.
        #[arg(long, requires = "from")]
        auto_route: bool,
        /// The creditor (with --auto-route).
        #[arg(long)]
        from: Option<String>,
        /// Most lines on a route (with --auto-route).
        #[arg(long, default_value_t = 6)]
        max_hops: usize,
        /// Only show the score, rate and warrants the request would get, and
        /// whether the creditor's standing policy would approve it (or which
        /// of its bounds the loan misses).
        #[arg(long)]
        dry_run: bool,
    },
    /// Approve a loan as its creditor (needed unless your standing policy,
    /// `dcu loan policy`, approved it at its request; the score alone never does).
    Approve { id: u64 },
    /// Your standing approval policy as a creditor: loans routed from you
    /// that meet every bound are approved at their request; all others wait
    /// for `dcu loan approve`. `dcu loan policy --min-score 60 --max-amount
    /// 500 --max-term 90d --min-rate 5%`, `dcu loan policy --remove`, or
    /// `dcu loan policy show [ACCOUNT]`.
    Policy(PolicyOpts),
    /// Lock your warrant on a loan as an intermediary.
    Accept { id: u64 },
    /// Take the money of an approved loan (you are the borrower).
    Disburse { id: u64 },
    /// Pay interest, then principal, on a loan (approves the loan manager first if needed).
    Repay {
        id: u64,
        /// Amount in tokens, or `all` for everything owed now.
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// A loan's state, terms, debt, deadlines and warrants.
    Status { id: u64 },
    /// Unfinished loans of an account (default: you).
    List { account: Option<String> },
    /// Mark a loan past its due date as overdue (anyone).
    Overdue { id: u64 },
    /// Declare an overdue loan in default once the default delay has passed (anyone).
    Default { id: u64 },
    /// Settle a defaulted loan: insurance, then warrants, then the creditor (anyone).
    /// Marks it overdue and declares the default first when those are due.
    Settle { id: u64 },
    /// Withdraw your request before disbursement; warrants return to their holders.
    Cancel { id: u64 },
    /// Expire a request not disbursed in time (anyone).
    Expire { id: u64 },
    /// Take the interest shares the loan manager holds for you (those the
    /// token refused to deliver at a repayment).
    Claim,
}

/// `dcu loan policy` options: set (all four bounds), `--remove`, or `show`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PolicyOpts {
    #[command(subcommand)]
    pub show: Option<PolicyShow>,
    /// Lowest assessment score approved automatically (0–100).
    #[arg(long)]
    pub min_score: Option<String>,
    /// Largest amount approved automatically, in tokens.
    #[arg(long)]
    pub max_amount: Option<String>,
    /// Longest term approved automatically (e.g. 90d; at most 3650d).
    #[arg(long)]
    pub max_term: Option<String>,
    /// Lowest yearly rate approved automatically (e.g. 5%).
    #[arg(long)]
    pub min_rate: Option<String>,
    /// Remove your policy: every loan routed from you waits for `dcu loan approve`.
    #[arg(long, conflicts_with_all = ["min_score", "max_amount", "max_term", "min_rate"])]
    pub remove: bool,
}

/// `dcu loan policy show`.
#[derive(Debug, Subcommand)]
pub enum PolicyShow {
    /// An account's approval policy (default: yours).
    Show { account: Option<String> },
}

/// The policy `--min-score --max-amount --max-term --min-rate` describe,
/// every bound given and within its range.
fn parse_policy(o: &PolicyOpts) -> Result<ApprovalPolicy> {
    let missing: Vec<&str> = [("--min-score", &o.min_score), ("--max-amount", &o.max_amount), ("--max-term", &o.max_term), ("--min-rate", &o.min_rate)]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(CliError::Other(format!(
            "a policy names all four bounds; missing {} (or use --remove, or `dcu loan policy show`)",
            missing.join(", ")
        )));
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let score = text(&o.min_score);
    let min_score = match score.trim().parse::<u8>() {
        Ok(x) if x <= 100 => x,
        _ => return Err(CliError::Other(format!("--min-score '{score}' is not a score: write a whole number from 0 to 100"))),
    };
    let amount = text(&o.max_amount);
    let max_amount = parse_amount(&amount)?;
    if max_amount == 0 {
        return Err(CliError::BadAmount { value: amount, reason: "a policy approves up to a positive amount".into() });
    }
    let max_term_days = parse_term(&text(&o.max_term))?;
    let rate = text(&o.min_rate);
    let min_rate_bps = parse_rate(&rate)?;
    if min_rate_bps > 10_000 {
        return Err(CliError::Other(format!("--min-rate is at most 100 %, not {rate}")));
    }
    let p = ApprovalPolicy { min_score, max_amount, max_term_days, min_rate_bps };
    match p.invalid() {
        Some(name) => Err(CliError::Other(format!("the policy's {name} is out of range"))),
        None => Ok(p),
    }
}

/// A policy as the transcoder argument of `set_approval_policy`.
fn policy_arg(p: Option<&ApprovalPolicy>) -> String {
    match p {
        None => "None".into(),
        Some(p) => format!(
            "Some(ApprovalPolicy {{ min_score: {}, max_amount: {}, max_term_days: {}, min_rate_bps: {} }})",
            p.min_score, p.max_amount, p.max_term_days, p.min_rate_bps
        ),
    }
}

/// An `ApprovalPolicy` the contract answered.
fn policy_from(v: &Value) -> Option<ApprovalPolicy> {
    let u = |k: &str| uint_field(v, k);
    Some(ApprovalPolicy {
        min_score: u8::try_from(u("min_score")?).ok()?,
        max_amount: u("max_amount")?,
        max_term_days: u32::try_from(u("max_term_days")?).ok()?,
        min_rate_bps: u32::try_from(u("min_rate_bps")?).ok()?,
    })
}

/// The policy's bounds in words.
fn policy_bounds(p: &ApprovalPolicy) -> String {
    format!(
        "score ≥ {}, amount ≤ {} DUSD, term ≤ {} days, rate ≥ {}",
        p.min_score,
        format_amount(p.max_amount),
        p.max_term_days,
        format_rate(u128::from(p.min_rate_bps))
    )
}

/// An `Approval` verdict the contract answered (unknown shapes read as no policy).
fn approval_from(v: &Value) -> Approval {
    let u = |k: &str| uint_field(v, k).unwrap_or(0);
    let small = |k: &str| u32::try_from(u(k)).unwrap_or(u32::MAX);
    match val::variant(v).as_deref() {
        Some("PolicyMet") => Approval::PolicyMet,
        Some("ScoreBelow") => Approval::ScoreBelow { score: small("score"), min: u8::try_from(u("min")).unwrap_or(u8::MAX) },
        Some("AmountAbove") => Approval::AmountAbove { amount: u("amount"), max: u("max") },
        Some("TermAbove") => Approval::TermAbove { term_days: small("term_days"), max: small("max") },
        Some("RateBelow") => Approval::RateBelow { rate_bps: small("rate_bps"), min: small("min") },
        _ => Approval::NoPolicy,
    }
}

/// One sentence: whether the creditor's policy approves, or the bound missed.
pub fn approval_words(a: &Approval) -> String {
    let by_hand = "the creditor must approve it (dcu loan approve)";
    match *a {
        Approval::PolicyMet => "the creditor's standing policy approves it".into(),
        Approval::NoPolicy => format!("the creditor has no approval policy, so {by_hand}"),
        Approval::ScoreBelow { score, min } => format!("it scores {score}, below the {min} the creditor's policy asks, so {by_hand}"),
        Approval::AmountAbove { amount, max } => format!(
            "its {} DUSD is above the {} DUSD the creditor's policy allows, so {by_hand}",
            format_amount(amount),
            format_amount(max)
        ),
        Approval::TermAbove { term_days, max } => format!("its {term_days} days are longer than the {max} days the creditor's policy allows, so {by_hand}"),
        Approval::RateBelow { rate_bps, min } => format!(
            "its rate of {} is below the {} the creditor's policy asks, so {by_hand}",
            format_rate(u128::from(rate_bps)),
            format_rate(u128::from(min))
        ),
    }
}

/// An account's standing approval policy.
#[derive(Debug, Serialize)]
pub struct PolicyReport {
    pub account: String,
    pub policy: Option<ApprovalPolicyView>,
}

/// The fields of an approval policy (JSON).
#[derive(Debug, Serialize)]
pub struct ApprovalPolicyView {
    pub min_score: u8,
    pub max_amount: u128,
    pub max_term_days: u32,
    pub min_rate_bps: u32,
}

impl Report for PolicyReport {
    fn human(&self) -> String {
        let who = label(&dev_names(), &self.account);
        match &self.policy {
            None => format!("{who} has no approval policy: every loan routed from {who} waits for `dcu loan approve`"),
            Some(p) => {
                let p = ApprovalPolicy { min_score: p.min_score, max_amount: p.max_amount, max_term_days: p.max_term_days, min_rate_bps: p.min_rate_bps };
                format!("{who} approves a loan at its request when it meets every bound: {}; any other waits for `dcu loan approve`", policy_bounds(&p))
            }
        }
    }
}

/// A purpose as a transcoder argument.
pub fn purpose_arg(s: &str) -> Result<&'static str> {
    match s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
        "community" | "communityinfrastructure" => Ok("CommunityInfrastructure"),
        "ecological" | "ecologicalrestoration" => Ok("EcologicalRestoration"),
        "productive" | "productiveenterprise" => Ok("ProductiveEnterprise"),
        "educational" | "educationalinitiative" => Ok("EducationalInitiative"),
        "creative" | "creativeproject" => Ok("CreativeProject"),
        _ => Err(CliError::Other(format!(
            "'{s}' is not a purpose: write community, ecological, productive, educational or creative"
        ))),
    }
}

/// A term in whole days: `90` or `90d`.
pub fn parse_term(s: &str) -> Result<u32> {
    let t = s.trim().trim_end_matches(['d', 'D']).trim();
    match t.parse::<u32>() {
        Ok(d) if (1..=3_650).contains(&d) => Ok(d),
        _ => Err(CliError::Other(format!("'{s}' is not a term: write whole days from 1 to 3650, e.g. 90d"))),
    }
}

/// A comma-separated route.
fn parse_path(s: &str) -> Result<Vec<String>> {
    let p: Vec<String> = s.split(',').map(|a| parse_account(a.trim()).map(|x| x.to_string())).collect::<Result<_>>()?;
    if p.len() < 2 {
        return Err(CliError::Other("a path names the creditor, any intermediaries and you, separated by commas".into()));
    }
    Ok(p)
}

fn path_arg(p: &[String]) -> String {
    format!("[{}]", p.join(", "))
}

/// The description's hash (BLAKE2-256), as stored on chain.
fn description_hash(text: &str) -> String {
    format!("0x{}", hex::encode(sp_core::hashing::blake2_256(text.as_bytes())))
}

/// A loan as `dcu` shows it.
#[derive(Debug, Serialize)]
pub struct LoanView {
    pub id: u64,
    pub state: String,
    pub path: Vec<String>,
    pub amount: u128,
    pub purpose: String,
    pub term_days: u128,
    pub rate_bps: u128,
    pub score: u128,
    pub warrants: u128,
    pub creditor_approved: bool,
    /// The creditor's policy's verdict at the request (variant name).
    pub approval: String,
    /// The same in one sentence.
    pub approval_note: String,
    pub principal: u128,
    pub interest: u128,
    pub owed: u128,
    pub interest_paid: u128,
    pub requested_at: u128,
    pub due_at: u128,
    pub expires_at: u128,
    pub default_at: u128,
    /// Block time (ms) the view is computed at.
    pub now: u64,
    /// (holder, amount, state) of each warrant.
    pub warrant_holders: Vec<(String, u128, String)>,
    /// While the loan runs (the pool holds its lines): whether every line of
    /// its path was old enough at disbursement for co-insurance to cover a
    /// default. Only `dcu loan status` reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insured: Option<bool>,
    /// What the loan manager and the escrow hold for the loan's parties and
    /// the caller (every loan's, not only this one's). Only `dcu loan status` reads it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub claimable: Vec<ClaimableView>,
}

/// What is held for one account to claim.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ClaimableView {
    pub account: String,
    /// Interest shares in the loan manager (`dcu loan claim`).
    pub loan_manager: u128,
    /// Payments in the warrant escrow (`dcu warrant claim`).
    pub escrow: u128,
}

impl LoanView {
    fn from_value(v: &Value, now: u64) -> Option<LoanView> {
        let loan = field(v, "loan")?;
        let u = |x: &Value, k: &str| uint_field(x, k).unwrap_or(0);
        Some(LoanView {
            id: u64::try_from(u(v, "id")).unwrap_or(0),
            state: field(loan, "state").and_then(val::variant).unwrap_or_default(),
            path: field(loan, "path").map(val::items).unwrap_or_default().into_iter().filter_map(val::account).collect(),
            amount: u(loan, "amount"),
            purpose: field(loan, "purpose").and_then(val::variant).unwrap_or_default(),
            term_days: u(loan, "term_days"),
            rate_bps: u(loan, "rate_bps"),
            score: u(loan, "score"),
            warrants: u(loan, "warrants"),
            creditor_approved: field(loan, "creditor_approved").and_then(val::boolean).unwrap_or(false),
            approval: field(loan, "approval").and_then(val::variant).unwrap_or_default(),
            approval_note: approval_words(&field(loan, "approval").map(approval_from).unwrap_or(Approval::NoPolicy)),
            principal: u(loan, "principal"),
            interest: u(v, "interest_now"),
            owed: u(v, "owed"),
            interest_paid: u(loan, "interest_paid"),
            requested_at: u(loan, "requested_at"),
            due_at: u(loan, "due_at"),
            expires_at: u(v, "expires_at"),
            default_at: u(v, "default_at"),
            now,
            warrant_holders: Vec::new(),
            insured: None,
            claimable: Vec::new(),
        })
    }
}

impl Report for LoanView {
    fn human(&self) -> String {
        let names = dev_names();
        let route: Vec<String> = self.path.iter().map(|a| label(&names, a)).collect();
        let mut s = format!(
            "Loan #{} — {}\n  {} DUSD for {} over {} days at {} a year; score {}{}\n  route: {} ({} hop{})",
            self.id,
            self.state,
            format_amount(self.amount),
            self.purpose,
            self.term_days,
            format_rate(self.rate_bps),
            self.score,
            match (self.creditor_approved, self.approval.as_str()) {
                (true, "PolicyMet") => ", approved by the creditor's standing policy".to_string(),
                (true, _) => ", approved by the creditor".to_string(),
                (false, _) => format!(", waiting for the creditor's approval: {}", self.approval_note),
            },
            route.join(" → "),
            self.path.len().saturating_sub(1),
            if self.path.len() == 2 { "" } else { "s" },
        );
        if self.principal > 0 || self.interest > 0 {
            s.push_str(&format!(
                "\n  owes {} DUSD: principal {} + interest {} (paid so far {})",
                format_amount(self.owed),
                format_amount(self.principal),
                format_amount(self.interest),
                format_amount(self.interest_paid)
            ));
        }
        if self.expires_at > 0 {
            s.push_str(&format!("\n  expires {} unless disbursed", when(self.expires_at, self.now)));
        }
        if self.due_at > 0 {
            s.push_str(&format!("\n  due {}; default possible {}", when(self.due_at, self.now), when(self.default_at, self.now)));
        }
        if let Some(insured) = self.insured {
            s.push_str(if insured {
                "\n  insured: every line of its route was old enough at disbursement, so co-insurance may cover part of a default (after the warrants)"
            } else {
                "\n  not insured: a line of its route was younger than COVER_MIN_AGE at disbursement, so a default falls on the warrants and the creditor's stake"
            });
        }
        if self.warrants > 0 {
            s.push_str(&format!("\n  warrants {} DUSD:", format_amount(self.warrants)));
            for (h, a, st) in &self.warrant_holders {
                s.push_str(&format!("\n    {}: {} DUSD, {st}", label(&names, h), format_amount(*a)));
            }
            if self.state != "Cancelled" && self.state != "Expired" && self.warrant_holders.iter().any(|w| w.2 == "Declined") {
                s.push_str("\n    a warrant was declined: the loan cannot be disbursed (its borrower cancels it or it expires)");
            }
        }
        let held: Vec<String> = self
            .claimable
            .iter()
            .filter(|c| c.loan_manager > 0 || c.escrow > 0)
            .map(|c| {
                let mut parts = Vec::new();
                if c.loan_manager > 0 {
                    parts.push(format!("{} DUSD in the loan manager (`dcu loan claim`)", format_amount(c.loan_manager)));
                }
                if c.escrow > 0 {
                    parts.push(format!("{} DUSD in the escrow (`dcu warrant claim`)", format_amount(c.escrow)));
                }
                format!("\n    {}: {}", label(&names, &c.account), parts.join(", "))
            })
            .collect();
        if !held.is_empty() {
            s.push_str("\n  held to claim (payments the token refused earlier, from any loan):");
            s.push_str(&held.concat());
        }
        s
    }
}

/// What a request would get (or got).
#[derive(Debug, Serialize)]
pub struct QuoteView {
    pub path: Vec<String>,
    pub amount: u128,
    pub score: u128,
    pub rate_bps: u128,
    /// The creditor's standing policy approves the loan at its request.
    pub policy_met: bool,
    /// Its verdict: PolicyMet, NoPolicy, or the bound missed (ScoreBelow,
    /// AmountAbove, TermAbove, RateBelow).
    pub approval: String,
    /// The verdict in one sentence.
    pub approval_note: String,
    /// What the route can carry now.
    pub capacity: u128,
    /// The borrower's capacity C(v), which bounds its term-loan principal.
    pub borrower_capacity: u128,
    /// The borrower's term-loan principal outstanding before this loan.
    pub outstanding: u128,
    pub warrants: u128,
    pub warrant_each: u128,
    /// The loan's id once requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// `dcu loan request`'s answer: one quote per route.
#[derive(Debug, Serialize)]
pub struct RequestReport {
    pub requested: bool,
    pub loans: Vec<QuoteView>,
}

impl Report for RequestReport {
    fn human(&self) -> String {
        let names = dev_names();
        let mut s = String::new();
        if self.loans.len() > 1 {
            s.push_str(&format!("No single route carries the whole amount; {} loans over {} routes:\n", self.loans.len(), self.loans.len()));
        }
        for q in &self.loans {
            let route: Vec<String> = q.path.iter().map(|a| label(&names, a)).collect();
            let head = match (q.id, &q.state) {
                (Some(id), Some(st)) => format!("Loan #{id} requested ({st})"),
                _ => "Would request".to_string(),
            };
            s.push_str(&format!(
                "{head}: {} DUSD over {} at {} a year, score {}.\n  Approval: {}.",
                format_amount(q.amount),
                route.join(" → "),
                format_rate(q.rate_bps),
                q.score,
                q.approval_note
            ));
            s.push_str(&format!(
                "\n  borrower's capacity {} DUSD, of which {} DUSD already owed or requested on term loans",
                format_amount(q.borrower_capacity),
                format_amount(q.outstanding)
            ));
            if q.warrants > 0 {
                s.push_str(&format!(
                    "\n  warrants: {} DUSD from each of {} intermediar{}",
                    format_amount(q.warrant_each),
                    q.path.len() - 2,
                    if q.path.len() == 3 { "y" } else { "ies" }
                ));
            }
            s.push('\n');
        }
        s.trim_end().to_string()
    }
}

/// Rewrites a loan manager refusal that carries another contract's encoded
/// error (`Pool(..)`, `Escrow(..)`) into that contract's words.
fn explain(s: &Session, e: CliError) -> CliError {
    let e = super::explain_refusal(e);
    let CliError::ContractRefused { contract, message, variant, description } = e else { return e };
    let callee = if variant.starts_with("Pool(") {
        Some((super::pool::POOL, "loan_open", "the credit pool"))
    } else if variant.starts_with("Escrow(") {
        Some((ESCROW, "release", "the warrant escrow"))
    } else {
        None
    };
    let Some((name, msg, words)) = callee else { return CliError::ContractRefused { contract, message, variant, description } };
    let bytes = bytes_in(&variant);
    let inner = s.contract(name).ok().and_then(|h: ContractHandle| {
        let mut answer = vec![1u8];
        answer.extend_from_slice(&bytes);
        h.describe_answer(msg, &answer)
    });
    match inner {
        Some((v, d)) => {
            let d = super::explain_variant(name, msg, &v).unwrap_or(d);
            CliError::ContractRefused { contract, message, variant: v, description: format!("{words} refused: {d}") }
        }
        None => CliError::ContractRefused { contract, message, variant, description },
    }
}

/// The bytes in a rendered `Pool(0x…)` or `Pool([1, 2])`.
pub(super) fn bytes_in(s: &str) -> Vec<u8> {
    let inner = s.split_once('(').map(|x| x.1).unwrap_or("").trim_end_matches(')');
    if let Some(h) = inner.trim().strip_prefix("0x") {
        return hex::decode(h.trim()).unwrap_or_default();
    }
    inner.split(|c: char| !c.is_ascii_digit()).filter(|t| !t.is_empty()).filter_map(|t| t.parse::<u8>().ok()).collect()
}

async fn submit(s: &Session, g: &GlobalOpts, message: &str, args: &[String]) -> Result<crate::contract::TxOutcome> {
    s.submit(g, LOANS, message, args).await.map_err(|e| explain(s, e))
}

/// The loan manager's time now: the last block's time on its clock (a fast
/// clock on local development networks, where a second is a day).
pub async fn protocol_now(s: &Session, lm: &ContractHandle) -> Result<u64> {
    let rate = val::uint(&s.query(lm, "clock_rate", &[]).await?).and_then(|r| u64::try_from(r).ok()).unwrap_or(1);
    Ok(chain_now(s).await?.saturating_mul(rate.max(1)))
}

/// The loan `id` now, with its warrants.
pub async fn view(s: &Session, id: u64) -> Result<LoanView> {
    let lm = s.contract(LOANS)?;
    let v = s.query(&lm, "loan", &[id.to_string()]).await?;
    let now = protocol_now(s, &lm).await?;
    let mut view = val::some(&v)
        .and_then(|x| LoanView::from_value(x, now))
        .ok_or_else(|| CliError::Other(format!("there is no loan #{id}")))?;
    if view.warrants > 0 {
        let escrow = s.contract(ESCROW)?;
        let rec = s.query(&escrow, "loan", &[id.to_string()]).await?;
        if let Some(rec) = val::some(&rec) {
            view.warrant_holders = field(rec, "warrants")
                .map(val::items)
                .unwrap_or_default()
                .into_iter()
                .map(|w| {
                    (
                        field(w, "holder").and_then(val::text).unwrap_or_default(),
                        uint_field(w, "amount").unwrap_or(0),
                        field(w, "state").and_then(val::variant).unwrap_or_default(),
                    )
                })
                .collect();
        }
    }
    Ok(view)
}

async fn quote(s: &Session, amount: u128, purpose: &str, term: u32, path: &[String]) -> Result<QuoteView> {
    let lm = s.contract(LOANS)?;
    let q = s
        .query(&lm, "quote", &[amount.to_string(), purpose.to_string(), term.to_string(), path_arg(path)])
        .await
        .map_err(|e| explain(s, e))?;
    let u = |k: &str| uint_field(&q, k).unwrap_or(0);
    let approval = field(&q, "approval").map(approval_from).unwrap_or(Approval::NoPolicy);
    Ok(QuoteView {
        path: path.to_vec(),
        amount,
        score: u("score"),
        rate_bps: u("rate_bps"),
        policy_met: approval.approves(),
        approval: field(&q, "approval").and_then(val::variant).unwrap_or_default(),
        approval_note: approval_words(&approval),
        capacity: u("capacity"),
        borrower_capacity: u("borrower_capacity"),
        outstanding: u("outstanding"),
        warrants: u("warrants"),
        warrant_each: u("warrant_each"),
        id: None,
        state: None,
    })
}

/// Runs a loan subcommand.
pub async fn run(g: &GlobalOpts, opts: &LoanOpts, out: &mut impl Write) -> Result<()> {
    // Parse every argument before touching the network: bad input changes nothing.
    match &opts.cmd {
        LoanCmd::Request { amount, purpose, term, description, path, auto_route, from, max_hops, dry_run } => {
            let units = parse_amount(amount)?;
            if units == 0 {
                return Err(CliError::BadAmount { value: amount.clone(), reason: "borrow a positive amount".into() });
            }
            let purpose = purpose_arg(purpose)?;
            let term = parse_term(term)?;
            let given = path.as_deref().map(parse_path).transpose()?;
            let creditor = from.as_deref().map(parse_account).transpose()?;
            if given.is_none() && !auto_route {
                return Err(CliError::Other("give the route with --path CREDITOR,…,YOU or let dcu find it with --auto-route --from CREDITOR".into()));
            }
            if *max_hops == 0 || *max_hops > 6 {
                return Err(CliError::Other(format!("--max-hops {max_hops} is outside 1..=6 (SPEC §5's MAX_HOPS)")));
            }
            let s = Session::open(g).await?;
            let me = s.me().to_string();
            // No loan is granted on a provisional score: finish any
            // anchoring change still syncing through the borrower's trusters.
            if !*dry_run {
                settle_scores(g, &s, &me).await?;
            }
            // The routes and the amount each carries.
            let routes: Vec<(Vec<String>, u128)> = match (given, creditor) {
                (Some(p), _) => {
                    if p.last() != Some(&me) {
                        return Err(CliError::Other(format!("a path ends with the borrower, you ({me})")));
                    }
                    vec![(p, units)]
                }
                (None, Some(c)) => {
                    let premium = parse_rate("1")?;
                    let r = find(&s, &c.to_string(), &me, units, *max_hops, premium, Reader::Bulk).await?;
                    if r.routable < units {
                        return Err(CliError::Other(format!(
                            "only {} of {} DUSD can reach {me} from {c} within {max_hops} hops",
                            format_amount(r.routable),
                            format_amount(units)
                        )));
                    }
                    r.routes
                        .iter()
                        .map(|rt| {
                            let mut p = vec![rt.hops.first().map(|h| h.grantor.clone()).unwrap_or_default()];
                            p.extend(rt.hops.iter().map(|h| h.borrower.clone()));
                            (p, rt.amount)
                        })
                        .collect()
                }
                (None, None) => unreachable!("clap requires --from with --auto-route"),
            };
            let mut loans = Vec::new();
            for (p, a) in &routes {
                loans.push(quote(&s, *a, purpose, term, p).await?);
            }
            if !*dry_run {
                let lm = s.contract(LOANS)?;
                let hash = description_hash(description);
                for q in loans.iter_mut() {
                    let tx = submit(&s, g, "request", &[q.amount.to_string(), purpose.to_string(), hash.clone(), term.to_string(), path_arg(&q.path)]).await?;
                    let id = val::uint(&tx.value).and_then(|x| u64::try_from(x).ok());
                    if let Some(id) = id {
                        let v = s.query(&lm, "loan", &[id.to_string()]).await?;
                        q.state = val::some(&v).and_then(|x| field(x, "loan")).and_then(|l| field(l, "state")).and_then(val::variant);
                    }
                    q.id = id;
                }
            }
            emit(g, out, &RequestReport { requested: !*dry_run, loans })
        }
        LoanCmd::Approve { id } => {
            let s = Session::open(g).await?;
            let tx = submit(&s, g, "approve", &[id.to_string()]).await?;
            let v = view(&s, *id).await?;
            emit(g, out, &TxReport::new(format!("{} approved loan #{id} as its creditor; it is {}", s.me(), v.state), None, tx))
        }
        LoanCmd::Policy(o) => {
            if let Some(PolicyShow::Show { account }) = &o.show {
                let who = account.as_deref().map(parse_account).transpose()?;
                let s = Session::open(g).await?;
                let who = who.unwrap_or_else(|| s.me()).to_string();
                let lm = s.contract(LOANS)?;
                let v = s.query(&lm, "approval_policy", &[who.clone()]).await?;
                let policy = val::some(&v).and_then(policy_from).map(|p| ApprovalPolicyView {
                    min_score: p.min_score,
                    max_amount: p.max_amount,
                    max_term_days: p.max_term_days,
                    min_rate_bps: p.min_rate_bps,
                });
                return emit(g, out, &PolicyReport { account: who, policy });
            }
            let policy = if o.remove { None } else { Some(parse_policy(o)?) };
            let s = Session::open(g).await?;
            let tx = submit(&s, g, "set_approval_policy", &[policy_arg(policy.as_ref())]).await?;
            let summary = match &policy {
                Some(p) => format!(
                    "{} now approves loans routed from them at their request when they meet every bound ({}); any other waits for `dcu loan approve`",
                    s.me(),
                    policy_bounds(p)
                ),
                None => format!("{} removed their approval policy: every loan routed from them waits for `dcu loan approve`", s.me()),
            };
            emit(g, out, &TxReport::new(summary, None, tx))
        }
        LoanCmd::Accept { id } => {
            let s = Session::open(g).await?;
            let (amount, approved, tx) = accept_warrant(&s, g, *id).await?;
            let v = view(&s, *id).await?;
            let locked = v.warrant_holders.iter().filter(|w| w.2 == "Locked").count();
            let summary = format!(
                "{} locked a {} DUSD warrant on loan #{id}{approved}; {locked} of {} warrants locked{}",
                s.me(),
                format_amount(amount),
                v.warrant_holders.len(),
                if locked == v.warrant_holders.len() && v.creditor_approved { " — the borrower can take the money" } else { "" }
            );
            emit(g, out, &TxReport::new(summary, Some(amount), tx))
        }
        LoanCmd::Disburse { id } => {
            let s = Session::open(g).await?;
            settle_scores(g, &s, &s.me().to_string()).await?;
            let tx = submit(&s, g, "disburse", &[id.to_string()]).await?;
            let v = view(&s, *id).await?;
            let summary = format!("{} received {} DUSD of loan #{id}; due {}", s.me(), format_amount(v.amount), when(v.due_at, v.now));
            emit(g, out, &TxReport::new(summary, Some(v.amount), tx))
        }
        LoanCmd::Repay { id, amount } => {
            let all = amount.trim().eq_ignore_ascii_case("all");
            let asked = if all { None } else { Some(parse_amount(amount)?) };
            let s = Session::open(g).await?;
            let before = view(&s, *id).await?;
            let units = match asked {
                Some(x) => x,
                None => {
                    // The view is at the last block's time; the repayment runs in a
                    // later block. "all" covers the interest of the time between (on
                    // the loan manager's clock) and some slack; the loan manager
                    // takes only what is owed.
                    let lm = s.contract(LOANS)?;
                    let rate = val::uint(&s.query(&lm, "clock_rate", &[]).await?).unwrap_or(1).max(1);
                    let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
                    let gap = real.saturating_sub(u128::from(chain_now(&s).await?)).saturating_mul(rate);
                    // On a fast clock (a second a day) the approval and the repayment
                    // themselves take days: a minute of slack.
                    let slack = if rate > 1 { 60 } else { 2 };
                    let days = gap / u128::from(dcu_common::DAY_MS) + slack;
                    before.owed.saturating_add(before.principal.saturating_mul(before.rate_bps).saturating_mul(days) / (10_000 * 365) + 1)
                }
            };
            if units == 0 {
                return Err(CliError::BadAmount { value: amount.clone(), reason: "repay a positive amount".into() });
            }
            let lm = s.contract(LOANS)?;
            let approved = ensure_allowance(g, &s, &lm, units).await?;
            let tx = submit(&s, g, "repay", &[id.to_string(), units.to_string()]).await?;
            // What the block took (the dry run's answer is at the previous block's time).
            let used = tx
                .contract_events
                .iter()
                .find(|e| e.name == "Repayment")
                .map(|e| uint_field(&e.fields, "interest").unwrap_or(0).saturating_add(uint_field(&e.fields, "principal").unwrap_or(0)))
                .or_else(|| val::uint(&tx.value))
                .unwrap_or(units);
            let v = view(&s, *id).await?;
            let summary = format!(
                "{} paid {} DUSD on loan #{id}{}; {}",
                s.me(),
                format_amount(used),
                approved.unwrap_or_default(),
                if v.owed == 0 { format!("the loan is {} and its warrants are released", v.state) } else { format!("still owes {} DUSD", format_amount(v.owed)) }
            );
            emit(g, out, &TxReport::new(summary, Some(used), tx))
        }
        LoanCmd::Status { id } => {
            let s = Session::open(g).await?;
            let mut v = view(&s, *id).await?;
            let pool = s.contract(super::pool::POOL)?;
            let hold = s.query(&pool, "loan_hold", &[id.to_string()]).await?;
            v.insured = val::some(&hold).and_then(|h| field(h, "insured")).and_then(val::boolean);
            for who in parties(&v.path, &s.me().to_string()) {
                let (escrow, loan_manager) = claimables(&s, &who).await?;
                v.claimable.push(ClaimableView { account: who, loan_manager, escrow });
            }
            emit(g, out, &v)
        }
        LoanCmd::Claim => {
            let s = Session::open(g).await?;
            require_v2(&s.contract(LOANS)?, "claimable")?;
            let tx = submit(&s, g, "claim", &[]).await?;
            let amount = claimed_amount(&tx);
            let summary = format!("{} took {} DUSD of interest shares the loan manager held for it (the token had refused them at a repayment)", s.me(), format_amount(amount));
            emit(g, out, &TxReport::new(summary, Some(amount), tx))
        }
        LoanCmd::List { account } => {
            let who = account.as_deref().map(parse_account).transpose()?;
            let s = Session::open(g).await?;
            let who = who.unwrap_or_else(|| s.me()).to_string();
            let lm = s.contract(LOANS)?;
            let ids: Vec<u64> = val::uints(&s.query(&lm, "open_loans", &[who.clone()]).await?).into_iter().filter_map(|x| u64::try_from(x).ok()).collect();
            let mut loans = Vec::new();
            for id in ids {
                loans.push(view(&s, id).await?);
            }
            emit(g, out, &LoanList { account: who, loans })
        }
        LoanCmd::Overdue { id } => {
            let s = Session::open(g).await?;
            let tx = submit(&s, g, "mark_overdue", &[id.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("Loan #{id} is overdue; the trust graph recorded a warning for its borrower"), None, tx))
        }
        LoanCmd::Default { id } => {
            let s = Session::open(g).await?;
            let tx = submit(&s, g, "declare_default", &[id.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("Loan #{id} is in default; the trust graph recorded it"), None, tx))
        }
        LoanCmd::Settle { id } => {
            let s = Session::open(g).await?;
            let v = view(&s, *id).await?;
            let mut steps = Vec::new();
            if v.state == "Active" {
                submit(&s, g, "mark_overdue", &[id.to_string()]).await?;
                steps.push("marked overdue");
            }
            if v.state == "Active" || v.state == "Overdue" {
                submit(&s, g, "declare_default", &[id.to_string()]).await?;
                steps.push("declared in default");
            }
            let tx = submit(&s, g, "settle", &[id.to_string()]).await?;
            let settled = tx.contract_events.iter().find(|e| e.name == "Settled").map(|e| e.fields.clone());
            let mut summary = format!("Loan #{id} settled");
            if !steps.is_empty() {
                summary = format!("Loan #{id} {} and settled", steps.join(", "));
            }
            if let Some(e) = settled {
                let n = |k: &str| uint_field(&e, k).unwrap_or(0);
                summary.push_str(&settle_words(n("principal"), n("from_warrants"), n("from_insurance"), n("written_off"), n("interest_forgiven")));
            }
            let details = super::event_fields(&tx, "Settled", &["principal", "from_warrants", "from_insurance", "written_off", "interest_forgiven"]);
            let report = TxReport::new(summary, None, tx);
            emit(g, out, &match details {
                Some(d) => report.with_details(d),
                None => report,
            })
        }
        LoanCmd::Cancel { id } => {
            let s = Session::open(g).await?;
            let tx = submit(&s, g, "cancel", &[id.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("{} withdrew loan #{id}; any warrants went back to their holders", s.me()), None, tx))
        }
        LoanCmd::Expire { id } => {
            let s = Session::open(g).await?;
            let tx = submit(&s, g, "expire", &[id.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("Loan #{id} expired; any warrants went back to their holders"), None, tx))
        }
    }
}

/// The accounts whose claimable balances `dcu loan status` shows: the
/// route's (creditor, intermediaries, borrower), then the caller if not on it.
fn parties(path: &[String], me: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in path.iter().map(String::as_str).chain(std::iter::once(me)) {
        if !out.iter().any(|x| x == a) {
            out.push(a.to_string());
        }
    }
    out
}

/// A settlement's numbers in words (SPEC §4–5 v2: warrants first, then
/// co-insurance; `written_off` is the creditor's net loss).
fn settle_words(principal: u128, from_warrants: u128, from_insurance: u128, written_off: u128, interest_forgiven: u128) -> String {
    let mut s = format!(
        ": {} DUSD unpaid — the warrants paid {} first, co-insurance {}, and the creditor's stake bore {}",
        format_amount(principal),
        format_amount(from_warrants),
        format_amount(from_insurance),
        format_amount(written_off)
    );
    if interest_forgiven > 0 {
        s.push_str(&format!("; {} DUSD of interest forgiven", format_amount(interest_forgiven)));
    }
    s
}

/// An account's unfinished loans.
#[derive(Debug, Serialize)]
pub struct LoanList {
    pub account: String,
    pub loans: Vec<LoanView>,
}

impl Report for LoanList {
    fn human(&self) -> String {
        if self.loans.is_empty() {
            return format!("{} has no unfinished loans", label(&dev_names(), &self.account));
        }
        self.loans.iter().map(|l| l.human()).collect::<Vec<_>>().join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Loan {
        #[command(subcommand)]
        cmd: LoanCmd,
    }

    #[test]
    fn claim_takes_no_argument_and_status_reads_every_party_once() {
        assert!(matches!(Loan::try_parse_from(["loan", "claim"]).map(|l| l.cmd), Ok(LoanCmd::Claim)));
        assert!(Loan::try_parse_from(["loan", "claim", "3"]).is_err(), "everything held, for no loan in particular");
        let path: Vec<String> = ["f", "c", "d", "h"].iter().map(|x| x.to_string()).collect();
        assert_eq!(parties(&path, "d"), ["f", "c", "d", "h"], "the caller on the route is not repeated");
        assert_eq!(parties(&path, "alice"), ["f", "c", "d", "h", "alice"]);
        let w = settle_words(150, 120, 15, 15, 0);
        assert_eq!(w, ": 0.00015 DUSD unpaid — the warrants paid 0.00012 first, co-insurance 0.000015, and the creditor's stake bore 0.000015");
        assert!(settle_words(1, 0, 0, 1, 2).ends_with("0.000002 DUSD of interest forgiven"));
    }

    #[test]
    fn status_tells_insurance_declines_and_what_is_held() {
        let one = dcu_common::ONE_TOKEN;
        let alice = subxt_signer::sr25519::dev::alice().public_key().to_account_id().to_string();
        let mut v = LoanView {
            id: 2,
            state: "Active".into(),
            path: vec![alice.clone(), "b".into()],
            amount: 100 * one,
            purpose: "ProductiveEnterprise".into(),
            term_days: 30,
            rate_bps: 600,
            score: 70,
            warrants: 0,
            creditor_approved: true,
            approval: "NoPolicy".into(),
            approval_note: String::new(),
            principal: 100 * one,
            interest: 0,
            owed: 100 * one,
            interest_paid: 0,
            requested_at: 0,
            due_at: 0,
            expires_at: 0,
            default_at: 0,
            now: 0,
            warrant_holders: Vec::new(),
            insured: Some(true),
            claimable: vec![
                ClaimableView { account: alice.clone(), loan_manager: 3 * one, escrow: 0 },
                ClaimableView { account: "b".into(), loan_manager: 0, escrow: 0 },
            ],
        };
        let h = v.human();
        assert!(h.contains("\n  insured: every line"), "{h}");
        assert!(h.contains("held to claim") && h.contains("alice: 3 DUSD in the loan manager (`dcu loan claim`)") && !h.contains("b: 0"), "{h}");
        v.insured = Some(false);
        v.claimable.clear();
        assert!(v.human().contains("not insured") && !v.human().contains("held to claim"));
        v.insured = None;
        v.state = "Approved".into();
        v.warrants = 40 * one;
        v.warrant_holders = vec![("c".into(), 40 * one, "Declined".into())];
        let h = v.human();
        assert!(!h.contains("insured") && h.contains("c: 40 DUSD, Declined") && h.contains("a warrant was declined"), "{h}");
        let json = serde_json::to_value(&v).unwrap();
        assert!(json.get("insured").is_none() && json.get("claimable").is_none(), "absent outside status: {json}");
    }

    #[test]
    fn purposes_terms_and_paths_parse_or_say_why_not() {
        assert_eq!(purpose_arg("community").unwrap(), "CommunityInfrastructure");
        assert_eq!(purpose_arg("Ecological-Restoration").unwrap(), "EcologicalRestoration");
        assert_eq!(purpose_arg("creative").unwrap(), "CreativeProject");
        assert!(purpose_arg("holiday").unwrap_err().to_string().contains("not a purpose"));
        assert_eq!(parse_term("90d").unwrap(), 90);
        assert_eq!(parse_term("365").unwrap(), 365);
        for bad in ["0", "3651", "soon", "-1"] {
            assert!(parse_term(bad).unwrap_err().to_string().contains("not a term"), "{bad}");
        }
        assert_eq!(parse_path("alice,bob").unwrap().len(), 2);
        assert!(parse_path("alice").is_err());
        assert!(parse_path("alice,nobody-here").is_err());
        assert_eq!(bytes_in("Pool(0x0b00)"), vec![0x0b, 0]);
        assert_eq!(bytes_in("Escrow([3, 1])"), vec![3, 1]);
        assert_eq!(description_hash("").len(), 66);
    }

    fn opts(score: Option<&str>, amount: Option<&str>, term: Option<&str>, rate: Option<&str>) -> PolicyOpts {
        PolicyOpts {
            show: None,
            min_score: score.map(Into::into),
            max_amount: amount.map(Into::into),
            max_term: term.map(Into::into),
            min_rate: rate.map(Into::into),
            remove: false,
        }
    }

    #[test]
    fn approval_policies_parse_into_the_contract_struct_or_say_why_not() {
        let p = parse_policy(&opts(Some("60"), Some("500"), Some("90d"), Some("5%"))).unwrap();
        assert_eq!(p, ApprovalPolicy { min_score: 60, max_amount: 500 * dcu_common::ONE_TOKEN, max_term_days: 90, min_rate_bps: 500 });
        assert_eq!(
            policy_arg(Some(&p)),
            format!("Some(ApprovalPolicy {{ min_score: 60, max_amount: {}, max_term_days: 90, min_rate_bps: 500 }})", 500 * dcu_common::ONE_TOKEN)
        );
        assert_eq!(policy_arg(None), "None");
        let e = parse_policy(&opts(Some("60"), None, Some("90d"), None)).unwrap_err().to_string();
        assert!(e.contains("missing --max-amount, --min-rate"), "{e}");
        assert!(parse_policy(&opts(Some("101"), Some("1"), Some("1"), Some("0"))).unwrap_err().to_string().contains("0 to 100"));
        assert!(parse_policy(&opts(Some("60"), Some("0"), Some("1"), Some("0"))).is_err());
        assert!(parse_policy(&opts(Some("60"), Some("1"), Some("3651d"), Some("0"))).unwrap_err().to_string().contains("not a term"));
        assert!(parse_policy(&opts(Some("60"), Some("1"), Some("1"), Some("101%"))).unwrap_err().to_string().contains("at most 100 %"));
    }

    #[test]
    fn the_approval_verdict_is_one_sentence_naming_the_missed_bound() {
        assert_eq!(approval_words(&Approval::PolicyMet), "the creditor's standing policy approves it");
        assert!(approval_words(&Approval::NoPolicy).contains("no approval policy"));
        let w = approval_words(&Approval::AmountAbove { amount: 600 * dcu_common::ONE_TOKEN, max: 500 * dcu_common::ONE_TOKEN });
        assert!(w.contains("above the 500") && w.contains("must approve"), "{w}");
        assert!(approval_words(&Approval::TermAbove { term_days: 120, max: 90 }).contains("120 days are longer than the 90 days"));
        assert!(approval_words(&Approval::ScoreBelow { score: 55, min: 60 }).contains("scores 55, below the 60"));
        assert!(approval_words(&Approval::RateBelow { rate_bps: 450, min: 500 }).contains("4.50 %"));
    }
}
