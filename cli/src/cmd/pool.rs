//! `dcu pool …`: the DCUP credit pool (SPEC §3).
//!
//! Amounts are in tokens (`12.5`), rates in percent a year (`5`, `4.75`).
//! `stake` and `repay` approve the pool for the amount first when the
//! signer's allowance is short, and say so. `draw` never lends above
//! `--max-rate` (by default the highest rate the signer's lines offer when
//! `dcu` reads them, so a rate raised in between makes the draw fail with
//! nothing changed). `decline` closes a grantor's unused line to the signer
//! and blocks that grantor until `accept`. `show` prints an account's whole
//! position (as grantor and as borrower, with interest accrued to the
//! current block); `info` the pool's totals, co-insurance rules,
//! parameters and clock, and checks that the pool's token balance equals
//! unlent stake + insurance + treasury.
//!
//! The pool's clock: block time, or in the `credit_pool_fast` build of local
//! development networks 864,000 times faster (a second is 10 days). Every
//! time the pool stores or reports, and every day `dcu` prints for it, is on
//! that clock.

use std::io::Write;

use clap::{Args, Subcommand};
use contract_transcode::Value;
use serde::Serialize;

use super::token::{allowance_of, balance_of, TOKEN};
use super::trust::chain_now;
use super::{event_fields, Session, TxReport};
use crate::chain::{format_amount, format_rate, parse_account, parse_amount, parse_rate};
use crate::contract::ContractHandle;
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::value::{self as val, field, uint_field};
use crate::{CliError, Result};

/// Name of the contract in the manifest.
pub const POOL: &str = "credit_pool";

/// `dcu pool` options.
#[derive(Debug, Args)]
pub struct PoolOpts {
    #[command(subcommand)]
    pub cmd: PoolCmd,
}

/// Pool subcommands.
#[derive(Debug, Subcommand)]
pub enum PoolCmd {
    /// Stake tokens as credit points (locked for the lock-out, 90 days by default).
    Stake {
        /// Amount in tokens.
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// Extend a credit line to a member you trust (or raise it).
    Extend {
        /// The borrower.
        friend: String,
        /// The line's limit in tokens.
        #[arg(allow_hyphen_values = true)]
        limit: String,
        /// Yearly rate in percent, e.g. 5 or 4.75.
        #[arg(long, allow_hyphen_values = true)]
        rate: String,
    },
    /// Change an existing line's limit (lowering waits for its lock-out) or rate.
    Adjust {
        /// The borrower.
        friend: String,
        /// The new limit in tokens.
        #[arg(allow_hyphen_values = true)]
        limit: String,
        /// New yearly rate in percent (default: keep the current one).
        #[arg(long, allow_hyphen_values = true)]
        rate: Option<String>,
    },
    /// Close a line (after its lock-out, when nothing is owed on it).
    Close {
        /// The borrower.
        friend: String,
    },
    /// Borrow from the lines extended to you, cheapest first, never above --max-rate.
    Draw {
        /// Amount in tokens.
        #[arg(allow_hyphen_values = true)]
        amount: String,
        /// Highest yearly rate in percent any part may be lent at (default:
        /// the highest rate your lines offer now); the draw fails, changing
        /// nothing, if a rate was raised above it in the meantime.
        #[arg(long, allow_hyphen_values = true)]
        max_rate: Option<String>,
    },
    /// Decline a grantor's unused line to you and block it from extending credit to you again.
    Decline {
        /// The grantor.
        grantor: String,
    },
    /// Accept lines from a grantor you declined (lifts the block).
    Accept {
        /// The grantor.
        grantor: String,
    },
    /// Repay interest, then principal (highest rate first).
    Repay {
        /// Amount in tokens, or `all` for everything owed now.
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// Take free points back after the lock-out.
    Unstake {
        /// Amount in tokens.
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// Report a borrower whose interest is overdue (records a warning).
    Overdue {
        /// The borrower.
        borrower: String,
    },
    /// Declare a borrower in default after the default delay.
    Default {
        /// The borrower.
        borrower: String,
    },
    /// An account's position as grantor and borrower (default: the signer).
    Show {
        /// SS58 address or development account.
        account: Option<String>,
    },
    /// The pool's totals, reserves and parameters.
    Info,
    /// The pool's counters of an epoch (issue 20): principal drawn and
    /// repaid, time-weighted outstanding principal, credit velocity.
    Epoch {
        /// The epoch's index (default: the running one).
        epoch: Option<u64>,
    },
}

/// One credit line as `dcu` prints it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct LineView {
    pub grantor: String,
    pub borrower: String,
    pub limit: u128,
    pub rate_bps: u128,
    pub principal: u128,
    pub interest: u128,
    pub available: u128,
    pub grace_until: u128,
    pub locked_until: u128,
    /// The insured part of the principal (drawn once the line was COVER_MIN_AGE old).
    pub insured: u128,
    /// Draws from this time (ms) on are insured.
    pub insured_from: u128,
}

/// An account's position.
#[derive(Debug, Serialize)]
pub struct PositionReport {
    pub account: String,
    /// The time (ms on the pool's clock) the position is computed at.
    pub now: u64,
    /// Pool ms per ms of block time: 1, or 864,000 on the fast clock.
    pub clock_rate: u64,
    pub stake: u128,
    pub allocated: u128,
    pub lent: u128,
    pub free: u128,
    pub stake_locked_until: u128,
    pub credit_limit: u128,
    pub available: u128,
    pub principal: u128,
    pub interest: u128,
    pub unpaid_since: u128,
    pub overdue_at: u128,
    pub default_at: u128,
    pub lines_given: Vec<LineView>,
    pub lines_received: Vec<LineView>,
}

/// How far `at` (ms) is from `now`, in days.
pub fn when(at: u128, now: u64) -> String {
    if at == 0 {
        return "—".into();
    }
    let d = (at as f64 - now as f64) / dcu_common::DAY_MS as f64;
    if d.abs() < 1e-9 {
        "now".into()
    } else if d > 0.0 {
        format!("in {d:.1} days")
    } else {
        format!("{:.1} days ago", -d)
    }
}

fn line_row(l: &LineView, other: &str, now: u64) -> String {
    format!(
        "    {other}: limit {} at {}, drawn {} (insured {}), interest {}, available {}, locked {}, draws insured {}\n",
        format_amount(l.limit),
        format_rate(l.rate_bps),
        format_amount(l.principal),
        format_amount(l.insured),
        format_amount(l.interest),
        format_amount(l.available),
        when(l.locked_until, now),
        if u128::from(now) >= l.insured_from { "now".to_string() } else { when(l.insured_from, now) }
    )
}

impl Report for PositionReport {
    fn human(&self) -> String {
        let n = self.now;
        let mut s = format!("Position of {} in the credit pool", self.account);
        if self.clock_rate > 1 {
            s.push_str(&format!(" (pool clock {}; the days below are the pool's)", clock_words(self.clock_rate)));
        }
        s.push('\n');
        s.push_str(&format!(
            "  as grantor: stake {} DUSD, allocated {}, lent {}, free {} (unlocks {})\n",
            format_amount(self.stake),
            format_amount(self.allocated),
            format_amount(self.lent),
            format_amount(self.free),
            when(self.stake_locked_until, n)
        ));
        for l in &self.lines_given {
            s.push_str(&line_row(l, &format!("to {}", l.borrower), n));
        }
        s.push_str(&format!(
            "  as borrower: credit limit {} DUSD, available {}, owes {} principal + {} interest\n",
            format_amount(self.credit_limit),
            format_amount(self.available),
            format_amount(self.principal),
            format_amount(self.interest)
        ));
        if self.unpaid_since > 0 {
            s.push_str(&format!(
                "    interest unpaid since {}; overdue {}, default {}\n",
                when(self.unpaid_since, n),
                when(self.overdue_at, n),
                when(self.default_at, n)
            ));
        }
        for l in &self.lines_received {
            s.push_str(&line_row(l, &format!("from {}", l.grantor), n));
        }
        s.trim_end().to_string()
    }
}

/// The pool's totals and parameters.
#[derive(Debug, Serialize)]
pub struct InfoReport {
    pub address: String,
    pub paused: bool,
    pub staked: u128,
    pub allocated: u128,
    pub lent: u128,
    pub insurance: u128,
    pub treasury: u128,
    pub written_off: u128,
    pub interest_earned: u128,
    pub lines: u128,
    /// The pool's PSP22 balance.
    pub token_balance: u128,
    /// token_balance == staked − lent + insurance + treasury.
    pub books_balance: bool,
    pub lockout_days: f64,
    pub max_credit: u128,
    pub grace_days: f64,
    pub fee_bps: u128,
    pub insurance_bps: u128,
    pub overdue_days: f64,
    pub default_days: f64,
    /// COVER_MIN_AGE: principal is insured only if drawn this long after its line was created or raised.
    pub cover_min_age_days: f64,
    /// COVER_SHARE: at most this share of a grantor's insured loss is covered.
    pub cover_share_bps: u128,
    /// COVER_MAX_RESERVE_SHARE: one default takes at most this share of the reserve.
    pub cover_max_reserve_share_bps: u128,
    /// MIN_LINE: the smallest new or lowered line.
    pub min_line: u128,
    /// Pool ms per ms of block time: 1 (block time), or 864,000 in the
    /// `credit_pool_fast` build (a second of block time is 10 days).
    pub clock_rate: u64,
}

/// The pool's clock in words: "real (block time)" or "fast, ×864,000: a
/// second of block time is 10 days".
pub fn clock_words(rate: u64) -> String {
    if rate <= 1 {
        return "real (block time)".into();
    }
    let day_s = dcu_common::DAY_MS / 1_000;
    let per_second = if rate % day_s == 0 {
        match rate / day_s {
            1 => "a day".to_string(),
            d => format!("{d} days"),
        }
    } else {
        format!("{:.1} hours", rate as f64 / 3_600.0)
    };
    format!("fast, ×{}: a second of block time is {per_second}", crate::chain::group(u128::from(rate)))
}

/// `days` of the pool's clock in seconds of block time at `rate`.
pub fn block_seconds(days: f64, rate: u64) -> String {
    let s = days * dcu_common::DAY_MS as f64 / 1_000.0 / rate.max(1) as f64;
    if (s - s.round()).abs() < 0.05 { format!("{:.0} s", s.round()) } else { format!("{s:.1} s") }
}

impl Report for InfoReport {
    fn human(&self) -> String {
        format!(
            "Credit pool {}{}\n  staked {} DUSD, allocated {}, lent {} on {} lines\n  insurance reserve {}, treasury {}, written off {}, interest earned by grantors {}\n  token balance {} — {}\n  parameters: lock-out {} days, MAX_CREDIT {} DUSD (one cap over a member's pool draws and term loans), grace {} days (one per window), fee {}, insurance {}, overdue after {} days, default after {} days, lines of at least {} DUSD (MIN_LINE)\n  co-insurance: only principal drawn on lines at least {} days old (since created or raised), at most {} of each grantor's loss, at most {} of the reserve per default",
            self.address,
            if self.paused { " (paused: no new stake, credit or draws)" } else { "" },
            format_amount(self.staked),
            format_amount(self.allocated),
            format_amount(self.lent),
            self.lines,
            format_amount(self.insurance),
            format_amount(self.treasury),
            format_amount(self.written_off),
            format_amount(self.interest_earned),
            format_amount(self.token_balance),
            if self.books_balance { "equals unlent stake + insurance + treasury" } else { "DOES NOT equal unlent stake + insurance + treasury" },
            self.lockout_days,
            format_amount(self.max_credit),
            self.grace_days,
            format_rate(self.fee_bps),
            format_rate(self.insurance_bps),
            self.overdue_days,
            self.default_days,
            format_amount(self.min_line),
            self.cover_min_age_days,
            format_rate(self.cover_share_bps),
            format_rate(self.cover_max_reserve_share_bps),
        ) + &self.clock_line()
    }
}

impl InfoReport {
    /// The clock, and on a fast one what its delays last in block time.
    fn clock_line(&self) -> String {
        let mut s = format!("\n  clock: {}", clock_words(self.clock_rate));
        if self.clock_rate > 1 {
            let r = self.clock_rate;
            s.push_str(&format!(
                "; in block time the grace lasts {}, a warning comes {} and a default {} after interest goes unpaid, lock-outs last {}, lines are old enough for cover after {}",
                block_seconds(self.grace_days, r),
                block_seconds(self.overdue_days, r),
                block_seconds(self.default_days, r),
                block_seconds(self.lockout_days, r),
                block_seconds(self.cover_min_age_days, r)
            ));
        }
        s
    }
}

fn u(v: &Value, name: &str) -> u128 {
    uint_field(v, name).unwrap_or(0)
}

fn line_view(v: &Value) -> LineView {
    let t = |n: &str| field(v, n).and_then(val::text).unwrap_or_default();
    LineView {
        grantor: t("grantor"),
        borrower: t("borrower"),
        limit: u(v, "limit"),
        rate_bps: u(v, "rate_bps"),
        principal: u(v, "principal"),
        interest: u(v, "interest"),
        available: u(v, "available"),
        grace_until: u(v, "grace_until"),
        locked_until: u(v, "locked_until"),
        insured: u(v, "insured"),
        insured_from: u(v, "insured_from"),
    }
}

/// The pool's clock rate: pool ms per ms of block time, 1 or 864,000 (the
/// `credit_pool_fast` build). A pool deployed before `clock_rate` existed
/// runs on block time.
pub async fn clock_rate(s: &Session, pool: &ContractHandle) -> Result<u64> {
    if !pool.has_message("clock_rate") {
        return Ok(1);
    }
    Ok(val::uint(&s.query(pool, "clock_rate", &[]).await?).and_then(|r| u64::try_from(r).ok()).unwrap_or(1).max(1))
}

/// The pool's time now (the last block's time on the pool's clock) and its clock rate.
pub async fn pool_now(s: &Session, pool: &ContractHandle) -> Result<(u64, u64)> {
    let rate = clock_rate(s, pool).await?;
    Ok((chain_now(s).await?.saturating_mul(rate), rate))
}

/// The highest rate (bps) of the lines to `who` that can lend now: what
/// `dcu pool draw` accepts by default. 0 when none can.
pub async fn highest_offered_rate(s: &Session, pool: &ContractHandle, who: &str) -> Result<u32> {
    let lines = s.query(pool, "lines_to", &[who.to_string()]).await?;
    Ok(val::items(&lines).into_iter().map(line_view).filter(|l| l.available > 0).map(|l| l.rate_bps).max().map_or(0, |r| r.min(u128::from(u32::MAX)) as u32))
}

/// The highest rate (bps) of the lines `who` has drawn on.
async fn highest_rate(s: &Session, pool: &ContractHandle, who: &str) -> Result<u128> {
    let lines = s.query(pool, "lines_to", &[who.to_string()]).await?;
    Ok(val::items(&lines).into_iter().map(line_view).filter(|l| l.principal > 0).map(|l| l.rate_bps).max().unwrap_or(0))
}

/// What `dcu pool repay all` adds to the amount owed at the last block: on
/// a fast clock, the interest of the time since that block (`chain_now`,
/// ms of block time) and of 10 s of slack, at the highest rate drawn; on
/// block time nothing (interest accrues in whole days).
pub fn repay_slack(principal: u128, rate_bps: u128, clock_rate: u64, chain_now: u64) -> u128 {
    if clock_rate <= 1 || principal == 0 {
        return 0;
    }
    let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let block_ms = real.saturating_sub(u128::from(chain_now)).saturating_add(10_000);
    let days = block_ms.saturating_mul(u128::from(clock_rate)) / u128::from(dcu_common::DAY_MS) + 1;
    principal.saturating_mul(rate_bps).saturating_mul(days) / (10_000 * 365) + 1
}

/// A default in one sentence, from the `Defaulted` event's fields.
fn default_words(borrower: &str, d: &serde_json::Value) -> String {
    let n = |k: &str| d[k].as_u64().map(u128::from).or_else(|| d[k].as_str().and_then(|x| x.parse().ok())).unwrap_or(0);
    format!(
        "Declared {borrower} in default: {} DUSD unpaid — co-insurance covered {}, the grantors' stakes bore {}, {} DUSD of interest forgiven; its lines are closed",
        format_amount(n("principal")),
        format_amount(n("covered")),
        format_amount(n("written_off")),
        format_amount(n("interest_forgiven"))
    )
}

/// Approves the pool for `units` when the signer's allowance is short;
/// returns what was done, for the report.
pub async fn ensure_allowance(g: &GlobalOpts, s: &Session, spender: &ContractHandle, units: u128) -> Result<Option<String>> {
    let who = if spender.name == POOL { "the pool".to_string() } else { format!("the {}", spender.name.replace('_', " ")) };
    let spender = spender.address.to_string();
    let have = allowance_of(s, &s.me().to_string(), &spender).await?;
    if have >= units {
        return Ok(None);
    }
    s.submit(g, TOKEN, "PSP22::approve", &[spender, units.to_string()]).await?;
    Ok(Some(format!(" (approved {who} for {} DUSD first)", format_amount(units))))
}

/// The signer's current line to `friend`, if any.
async fn current_line(s: &Session, pool: &ContractHandle, friend: &str) -> Result<Option<LineView>> {
    let v = s.query(&pool, "line", &[s.me().to_string(), friend.to_string()]).await?;
    Ok(val::some(&v).map(line_view))
}

/// Runs a pool subcommand.
pub async fn run(g: &GlobalOpts, opts: &PoolOpts, out: &mut impl Write) -> Result<()> {
    // Parse every argument before touching the network: bad input changes nothing.
    match &opts.cmd {
        PoolCmd::Stake { amount } => {
            let units = parse_amount(amount)?;
            let s = Session::open(g).await?;
            let pool = s.contract(POOL)?;
            let approved = ensure_allowance(g, &s, &pool, units).await?;
            let tx = s.submit(g, POOL, "stake", &[units.to_string()]).await?;
            let gr = s.query(&pool, "grantor", &[s.me().to_string()]).await?;
            let (now, _) = pool_now(&s, &pool).await?;
            let summary = format!(
                "Staked {} DUSD{}; stake now {}, locked {}",
                format_amount(units),
                approved.unwrap_or_default(),
                format_amount(u(&gr, "stake")),
                when(u(&gr, "locked_until"), now)
            );
            emit(g, out, &TxReport::new(summary, Some(units), tx))
        }
        PoolCmd::Extend { friend, limit, rate } => {
            let (friend, units, bps) = (parse_account(friend)?, parse_amount(limit)?, parse_rate(rate)?);
            let s = Session::open(g).await?;
            let tx = s.submit(g, POOL, "extend_credit", &[friend.to_string(), units.to_string(), bps.to_string()]).await?;
            let summary = format!("{} extends {} DUSD of credit to {friend} at {} a year", s.me(), format_amount(units), format_rate(u128::from(bps)));
            emit(g, out, &TxReport::new(summary, Some(units), tx))
        }
        PoolCmd::Adjust { friend, limit, rate } => {
            let (friend, units) = (parse_account(friend)?, parse_amount(limit)?);
            let bps = rate.as_deref().map(parse_rate).transpose()?;
            let s = Session::open(g).await?;
            let pool = s.contract(POOL)?;
            let line = current_line(&s, &pool, &friend.to_string())
                .await?
                .ok_or_else(|| CliError::Other(format!("{} has no credit line to {friend}; create one with `dcu pool extend`", s.me())))?;
            let bps = bps.map(u128::from).unwrap_or(line.rate_bps);
            let tx = s.submit(g, POOL, "extend_credit", &[friend.to_string(), units.to_string(), bps.to_string()]).await?;
            let summary = format!(
                "The line from {} to {friend} goes from {} to {} DUSD at {}",
                s.me(),
                format_amount(line.limit),
                format_amount(units),
                format_rate(bps)
            );
            emit(g, out, &TxReport::new(summary, Some(units), tx))
        }
        PoolCmd::Close { friend } => {
            let friend = parse_account(friend)?;
            let s = Session::open(g).await?;
            let tx = s.submit(g, POOL, "close_line", &[friend.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("Closed the line from {} to {friend}", s.me()), None, tx))
        }
        PoolCmd::Draw { amount, max_rate } => {
            let units = parse_amount(amount)?;
            let bound = max_rate.as_deref().map(parse_rate).transpose()?;
            let s = Session::open(g).await?;
            let pool = s.contract(POOL)?;
            let max_bps = match bound {
                Some(b) => b,
                None => highest_offered_rate(&s, &pool, &s.me().to_string()).await?,
            };
            let tx = s.submit(g, POOL, "draw", &[units.to_string(), max_bps.to_string()]).await?;
            let b = s.query(&pool, "borrower", &[s.me().to_string()]).await?;
            let summary = format!(
                "{} drew {} DUSD at no more than {} a year{}; owes {} principal, {} still available",
                s.me(),
                format_amount(units),
                format_rate(u128::from(max_bps)),
                if bound.is_none() { " (the highest rate offered when dcu read the lines)" } else { "" },
                format_amount(u(&b, "principal")),
                format_amount(u(&b, "available"))
            );
            emit(g, out, &TxReport::new(summary, Some(units), tx))
        }
        PoolCmd::Decline { grantor } => {
            let x = parse_account(grantor)?;
            let s = Session::open(g).await?;
            let tx = s.submit(g, POOL, "decline_line", &[x.to_string()]).await?;
            let summary = format!("{} declined {x}'s credit: its line, if any, is closed and {x} may not extend credit to {} again until `dcu pool accept {x}`", s.me(), s.me());
            emit(g, out, &TxReport::new(summary, None, tx))
        }
        PoolCmd::Accept { grantor } => {
            let x = parse_account(grantor)?;
            let s = Session::open(g).await?;
            let tx = s.submit(g, POOL, "accept_lines_from", &[x.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("{} accepts credit lines from {x} again", s.me()), None, tx))
        }
        PoolCmd::Repay { amount } => {
            let all = amount.trim().eq_ignore_ascii_case("all");
            let asked = if all { None } else { Some(parse_amount(amount)?) };
            let s = Session::open(g).await?;
            let pool = s.contract(POOL)?;
            let me = s.me().to_string();
            let units = match asked {
                Some(x) => x,
                None => {
                    let owed = val::uint(&s.query(&pool, "outstanding", &[me.clone()]).await?).unwrap_or(0);
                    if owed == 0 {
                        0
                    } else {
                        // On the fast clock (a second is 10 days) interest accrues
                        // between this reading and the block that repays: "all"
                        // covers that time and some slack; the pool takes only
                        // what is owed.
                        let rate = clock_rate(&s, &pool).await?;
                        let principal = u(&s.query(&pool, "borrower", &[me.clone()]).await?, "principal");
                        let top = highest_rate(&s, &pool, &me).await?;
                        owed.saturating_add(repay_slack(principal, top, rate, chain_now(&s).await?))
                    }
                }
            };
            if units == 0 {
                return Err(CliError::Other(format!("{} owes nothing to the pool", s.me())));
            }
            let approved = ensure_allowance(g, &s, &pool, units).await?;
            let tx = s.submit(g, POOL, "repay", &[units.to_string()]).await?;
            // What the block took (the dry run's answer is at the previous block's time).
            let used = tx
                .contract_events
                .iter()
                .find(|e| e.name == "Repaid")
                .map(|e| uint_field(&e.fields, "interest").unwrap_or(0).saturating_add(uint_field(&e.fields, "principal").unwrap_or(0)))
                .or_else(|| val::uint(&tx.value))
                .unwrap_or(units);
            let left = val::uint(&s.query(&pool, "outstanding", &[s.me().to_string()]).await?).unwrap_or(0);
            let summary = format!(
                "{} repaid {} DUSD{}; still owes {}",
                s.me(),
                format_amount(used),
                approved.unwrap_or_default(),
                format_amount(left)
            );
            emit(g, out, &TxReport::new(summary, Some(used), tx))
        }
        PoolCmd::Unstake { amount } => {
            let units = parse_amount(amount)?;
            let s = Session::open(g).await?;
            let tx = s.submit(g, POOL, "unstake", &[units.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("{} took {} DUSD of stake back", s.me(), format_amount(units)), Some(units), tx))
        }
        PoolCmd::Overdue { borrower } => {
            let b = parse_account(borrower)?;
            let s = Session::open(g).await?;
            let tx = s.submit(g, POOL, "mark_overdue", &[b.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("Recorded a warning: {b}'s interest is overdue"), None, tx))
        }
        PoolCmd::Default { borrower } => {
            let b = parse_account(borrower)?;
            let s = Session::open(g).await?;
            let tx = s.submit(g, POOL, "declare_default", &[b.to_string()]).await?;
            let details = event_fields(&tx, "Defaulted", &["principal", "covered", "written_off", "interest_forgiven"]);
            let summary = match &details {
                Some(d) => default_words(&b.to_string(), d),
                None => format!("Declared {b} in default; its lines are closed and the loss settled"),
            };
            let report = TxReport::new(summary, None, tx);
            emit(g, out, &match details {
                Some(d) => report.with_details(d),
                None => report,
            })
        }
        PoolCmd::Show { account } => {
            let who = account.as_deref().map(parse_account).transpose()?;
            let s = Session::open(g).await?;
            let who = who.unwrap_or_else(|| s.me()).to_string();
            emit(g, out, &position(&s, &who).await?)
        }
        PoolCmd::Epoch { epoch } => {
            let s = Session::open(g).await?;
            let pool = s.contract(POOL)?;
            let epoch = match epoch {
                Some(e) => *e,
                None => {
                    let (now, _) = pool_now(&s, &pool).await?;
                    let length: u64 = subxt::ext::codec::Decode::decode(&mut &pool.read_raw_ok(&s.conn, &s.me(), "epoch_length", &[]).await?[..])
                        .map_err(|_| CliError::Other("the pool's epoch_length answer does not decode as a u64".into()))?;
                    now.checked_div(length).unwrap_or(0)
                }
            };
            let st = super::monitor::epoch_stats(&s, &pool, &s.me(), epoch).await?;
            emit(g, out, &EpochReport::of(&st))
        }
        PoolCmd::Info => {
            let s = Session::open(g).await?;
            let pool = s.contract(POOL)?;
            let t = s.query(&pool, "totals", &[]).await?;
            let p = s.query(&pool, "params", &[]).await?;
            let paused = val::boolean(&s.query(&pool, "is_paused", &[]).await?).unwrap_or(false);
            let address = pool.address.to_string();
            let token_balance = balance_of(&s, &address).await?;
            let books = u(&t, "staked").checked_sub(u(&t, "lent")).map(|x| x + u(&t, "insurance") + u(&t, "treasury"));
            let days = |n: &str| u(&p, n) as f64 / dcu_common::DAY_MS as f64;
            let clock_rate = clock_rate(&s, &pool).await?;
            emit(
                g,
                out,
                &InfoReport {
                    address,
                    paused,
                    staked: u(&t, "staked"),
                    allocated: u(&t, "allocated"),
                    lent: u(&t, "lent"),
                    insurance: u(&t, "insurance"),
                    treasury: u(&t, "treasury"),
                    written_off: u(&t, "written_off"),
                    interest_earned: u(&t, "interest_earned"),
                    lines: u(&t, "lines"),
                    token_balance,
                    books_balance: books == Some(token_balance),
                    lockout_days: days("lockout_ms"),
                    max_credit: u(&p, "max_credit"),
                    grace_days: days("grace_ms"),
                    fee_bps: u(&p, "fee_bps"),
                    insurance_bps: u(&p, "insurance_bps"),
                    overdue_days: days("overdue_ms"),
                    default_days: days("default_ms"),
                    cover_min_age_days: days("cover_min_age_ms"),
                    cover_share_bps: u(&p, "cover_share_bps"),
                    cover_max_reserve_share_bps: u(&p, "cover_max_reserve_share_bps"),
                    min_line: u(&p, "min_line"),
                    clock_rate,
                },
            )
        }
    }
}

/// `who`'s position, read from the pool at the best block.
pub async fn position(s: &Session, who: &str) -> Result<PositionReport> {
    let pool = s.contract(POOL)?;
    let arg = [who.to_string()];
    let gr = s.query(&pool, "grantor", &arg).await?;
    let b = s.query(&pool, "borrower", &arg).await?;
    let given = s.query(&pool, "lines_by", &arg).await?;
    let received = s.query(&pool, "lines_to", &arg).await?;
    let (now, clock_rate) = pool_now(s, &pool).await?;
    Ok(PositionReport {
        account: who.to_string(),
        now,
        clock_rate,
        stake: u(&gr, "stake"),
        allocated: u(&gr, "allocated"),
        lent: u(&gr, "lent"),
        free: u(&gr, "free"),
        stake_locked_until: u(&gr, "locked_until"),
        credit_limit: u(&b, "limit"),
        available: u(&b, "available"),
        principal: u(&b, "principal"),
        interest: u(&b, "interest"),
        unpaid_since: u(&b, "unpaid_since"),
        overdue_at: u(&b, "overdue_at"),
        default_at: u(&b, "default_at"),
        lines_given: val::items(&given).into_iter().map(line_view).collect(),
        lines_received: val::items(&received).into_iter().map(line_view).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Pool {
        #[command(subcommand)]
        cmd: PoolCmd,
    }

    fn parse(args: &[&str]) -> PoolCmd {
        Pool::try_parse_from(std::iter::once("pool").chain(args.iter().copied())).expect("parses").cmd
    }

    #[test]
    fn draw_takes_an_optional_max_rate_and_decline_and_accept_a_grantor() {
        assert!(matches!(parse(&["draw", "30"]), PoolCmd::Draw { amount, max_rate: None } if amount == "30"));
        assert!(matches!(parse(&["draw", "30", "--max-rate", "6.5"]), PoolCmd::Draw { max_rate: Some(r), .. } if r == "6.5"));
        assert!(matches!(parse(&["decline", "//Eve"]), PoolCmd::Decline { grantor } if grantor == "//Eve"));
        assert!(matches!(parse(&["accept", "//Eve"]), PoolCmd::Accept { grantor } if grantor == "//Eve"));
        assert!(Pool::try_parse_from(["pool", "decline"]).is_err(), "the grantor is required");
        // The bound is read as a rate before anything touches the network.
        assert_eq!(parse_rate("6.5").unwrap(), 650);
        assert!(parse_rate("six").is_err());
    }

    #[test]
    fn the_clock_is_told_in_words_and_block_seconds() {
        assert_eq!(clock_words(1), "real (block time)");
        assert_eq!(clock_words(864_000), "fast, ×864,000: a second of block time is 10 days");
        assert_eq!(clock_words(86_400), "fast, ×86,400: a second of block time is a day");
        assert_eq!(block_seconds(30.0, 864_000), "3 s");
        assert_eq!(block_seconds(180.0, 864_000), "18 s");
        assert_eq!(block_seconds(1.0, 864_000), "0.1 s");
        assert_eq!(repay_slack(75_000_000, 500, 1, 0), 0, "block time: nothing added");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
        let slack = repay_slack(75_000_000, 500, 864_000, now);
        // 10 s of slack are 100 days: 75 · 5 % · 101/365 ≈ 1.04 DUSD.
        assert!((1_000_000..1_100_000).contains(&slack), "{slack}");
        let d = serde_json::json!({ "principal": 100_000_000u64, "covered": 2_500_000u64, "written_off": 97_500_000u64, "interest_forgiven": 0 });
        let w = default_words("Grace", &d);
        assert!(w.contains("100 DUSD unpaid") && w.contains("covered 2.5") && w.contains("bore 97.5"), "{w}");
    }

    #[test]
    fn info_tells_the_cover_rules_and_the_fast_clock_in_block_time() {
        let r = InfoReport {
            address: "pool".into(),
            paused: false,
            staked: 0,
            allocated: 0,
            lent: 0,
            insurance: 0,
            treasury: 0,
            written_off: 0,
            interest_earned: 0,
            lines: 0,
            token_balance: 0,
            books_balance: true,
            lockout_days: 90.0,
            max_credit: 10_000 * dcu_common::ONE_TOKEN,
            grace_days: 30.0,
            fee_bps: 1_000,
            insurance_bps: 500,
            overdue_days: 60.0,
            default_days: 180.0,
            cover_min_age_days: 90.0,
            cover_share_bps: 5_000,
            cover_max_reserve_share_bps: 1_000,
            min_line: 10 * dcu_common::ONE_TOKEN,
            clock_rate: 864_000,
        };
        let h = r.human();
        assert!(h.contains("lines at least 90 days old") && h.contains("at most 50.00 % of each grantor's loss") && h.contains("at most 10.00 % of the reserve"), "{h}");
        assert!(h.contains("lines of at least 10 DUSD"), "{h}");
        assert!(h.contains("clock: fast, ×864,000: a second of block time is 10 days; in block time") && h.contains("the grace lasts 3 s") && h.contains("a default 18 s"), "{h}");
        let real = InfoReport { clock_rate: 1, ..r };
        assert!(real.human().ends_with("clock: real (block time)"), "{}", real.human());
    }

    #[test]
    fn a_line_row_says_what_is_insured_and_from_when() {
        let l = LineView {
            grantor: "a".into(),
            borrower: "b".into(),
            limit: 50_000_000,
            rate_bps: 500,
            principal: 30_000_000,
            interest: 0,
            available: 20_000_000,
            grace_until: 0,
            locked_until: 0,
            insured: 10_000_000,
            insured_from: 2 * dcu_common::DAY_MS as u128,
        };
        let row = line_row(&l, "from a", 0);
        assert!(row.contains("drawn 30 (insured 10)") && row.contains("draws insured in 2.0 days"), "{row}");
        assert!(line_row(&l, "from a", 3 * dcu_common::DAY_MS).contains("draws insured now"));
    }
}

/// `dcu pool epoch`: one epoch's counters.
#[derive(Debug, Serialize)]
pub struct EpochReport {
    pub epoch: u64,
    /// First millisecond and length, on the pool's clock.
    pub start: u64,
    pub epoch_ms: u64,
    pub closed: bool,
    /// Principal drawn and repaid in the epoch, smallest units.
    pub drawn: u128,
    /// The part of `drawn` opened as term loans, per purpose (productive,
    /// creative, community, ecological, educational): economic diversity.
    pub purpose_drawn: [u128; 5],
    /// ∫ term-loan principal outstanding dt per purpose (smallest units ×
    /// ms): what economic diversity weighs.
    pub purpose_outstanding_ms: [u128; 5],
    pub repaid: u128,
    /// ∫ outstanding dt (smallest units × ms) and its average over the epoch.
    pub outstanding_ms: u128,
    pub average_outstanding: u128,
    pub principal_end: u128,
    pub saturated: bool,
    /// Credit velocity, parts per million (absent when saturated).
    pub velocity_ppm: Option<u128>,
}

impl EpochReport {
    fn of(st: &dcu_common::health::EpochStats) -> Self {
        EpochReport {
            epoch: st.epoch,
            start: st.start,
            epoch_ms: st.epoch_ms,
            closed: st.closed,
            drawn: st.drawn,
            purpose_drawn: st.purpose_drawn,
            purpose_outstanding_ms: st.purpose_outstanding_ms,
            repaid: st.repaid,
            outstanding_ms: st.outstanding_ms,
            average_outstanding: st.outstanding_ms.checked_div(u128::from(st.epoch_ms)).unwrap_or(0),
            principal_end: st.principal_end,
            saturated: st.saturated,
            velocity_ppm: st.velocity_ppm().ok(),
        }
    }
}

/// " (term loans: 50 community, 20 productive)", or nothing without any.
fn term_loans_by_purpose(v: &[u128; 5]) -> String {
    const NAMES: [&str; 5] = ["productive", "creative", "community", "ecological", "educational"];
    let parts: Vec<String> = v.iter().zip(NAMES).filter(|(x, _)| **x > 0).map(|(x, n)| format!("{} {n}", format_amount(*x))).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (term loans: {})", parts.join(", "))
    }
}

impl Report for EpochReport {
    fn human(&self) -> String {
        format!(
            "epoch {} ({}): drawn {} DUSD{}, repaid {} DUSD, average outstanding {} DUSD, {} DUSD outstanding at its end; credit velocity {}{}",
            self.epoch,
            if self.closed { "closed" } else { "running" },
            format_amount(self.drawn),
            term_loans_by_purpose(&self.purpose_drawn),
            format_amount(self.repaid),
            format_amount(self.average_outstanding),
            format_amount(self.principal_end),
            self.velocity_ppm.map(|v| format!("{}.{:06}", v / 1_000_000, v % 1_000_000)).unwrap_or_else(|| "unknown".into()),
            if self.saturated { " (counters saturated: a floor)" } else { "" }
        )
    }
}
