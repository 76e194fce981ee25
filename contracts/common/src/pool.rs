//! DCUP credit-pool accounting (SPEC §3, seed 004), as pure functions on a
//! grantor's and a line's records, plus [`Pool`], an in-memory pool built
//! from them that property tests drive with random operation sequences.
//!
//! Money model. Tokens held by the pool = Σ (stake − lent) + insurance +
//! treasury; the pool's assets = that + outstanding principal = Σ stake +
//! insurance + treasury. Every operation below preserves both identities to
//! the unit ([`Pool::check_invariants`]).
//!
//! Rules:
//! - a line's headroom is `min(limit − principal, grantor.stake − grantor.lent)`,
//!   so a grantor never lends tokens it does not have, even after a write-off;
//! - interest is simple, per whole day, `principal · rate / 365`, rounded up
//!   (owed amounts round in the protocol's favour), and none before the
//!   line's grace ends; the grace starts when a draw finds the line at zero
//!   principal (like a card's grace on a balance paid in full);
//! - repayments pay interest first, then principal, highest rate first; of
//!   the interest, `fee_bps` go to the treasury and `insurance_bps` to the
//!   insurance reserve, both rounded down, the rest to the line's grantor
//!   (added to its stake).

use crate::fixed::{mul_div, Rounding};
use crate::units::{Balance, Bps, Timestamp, BPS_DENOMINATOR, DAYS_PER_YEAR, DAY_MS};

/// Pool parameters (governance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    /// Lock-out of stakes and lines (90..=180 days).
    pub lockout_ms: Timestamp,
    /// Largest credit limit of one borrower (2,000..=10,000 tokens).
    pub max_credit: Balance,
    /// Interest-free period after a draw on an empty line.
    pub grace_ms: Timestamp,
    /// Protocol fee on interest, to the treasury.
    pub fee_bps: Bps,
    /// Insurance share of interest, to the insurance reserve.
    pub insurance_bps: Bps,
    /// Age of unpaid interest after which a warning may be recorded.
    pub overdue_ms: Timestamp,
    /// Age of unpaid interest after which the borrower may be declared in default.
    pub default_ms: Timestamp,
}

/// A grantor's position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Grantor {
    /// Staked tokens (credit points), including interest earned, less write-offs.
    pub stake: Balance,
    /// Σ limits of the grantor's lines.
    pub allocated: Balance,
    /// Σ principal outstanding on the grantor's lines.
    pub lent: Balance,
    /// No unstaking before this time.
    pub locked_until: Timestamp,
}

/// A credit line from a grantor to a borrower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// Limit the grantor extends.
    pub limit: Balance,
    /// Yearly rate in basis points.
    pub rate_bps: Bps,
    /// Principal drawn and not repaid.
    pub principal: Balance,
    /// Interest accrued and not paid.
    pub interest: Balance,
    /// Interest is accrued up to this time.
    pub accrued_to: Timestamp,
    /// No interest accrues before this time.
    pub grace_until: Timestamp,
    /// Since when interest has been owed (0: none owed).
    pub interest_since: Timestamp,
    /// Lowering or closing is refused before this time.
    pub locked_until: Timestamp,
    /// Creation order, for ties between equal rates (oldest first).
    pub seq: u64,
}

/// Why an operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolError {
    /// Amount must be above zero.
    ZeroAmount,
    /// Not enough credit available.
    InsufficientCredit { available: Balance, requested: Balance },
    /// Not enough unallocated stake.
    InsufficientStake { available: Balance, requested: Balance },
    /// The payer's wallet holds too little.
    InsufficientFunds { available: Balance, requested: Balance },
    /// Still within the lock-out.
    LockedUntil { until: Timestamp },
    /// A line cannot go below what is drawn on it.
    BelowDrawn { drawn: Balance },
    /// The rate of a drawn line cannot change.
    RateChangeWhileDrawn,
    /// Nothing is owed.
    NothingOwed,
    /// The borrower is not (yet) overdue or in default.
    NotDue { since: Timestamp },
    /// Arithmetic overflow.
    Overflow,
}

type R<T> = Result<T, PoolError>;

fn add(a: Balance, b: Balance) -> R<Balance> {
    a.checked_add(b).ok_or(PoolError::Overflow)
}
fn sub(a: Balance, b: Balance) -> R<Balance> {
    a.checked_sub(b).ok_or(PoolError::Overflow)
}

/// Accrues a line's interest up to `now` in whole days.
pub fn accrue(line: &mut Line, now: Timestamp) -> R<()> {
    let start = line.accrued_to.max(line.grace_until);
    if line.principal == 0 || now <= start {
        line.accrued_to = line.accrued_to.max(now.min(start));
        return Ok(());
    }
    let days = now.saturating_sub(start).checked_div(DAY_MS).ok_or(PoolError::Overflow)?;
    if days == 0 {
        line.accrued_to = start;
        return Ok(());
    }
    // principal · rate · days / (10_000 · 365), rounded up: owed to grantors.
    let num = line.principal.checked_mul(u128::from(line.rate_bps)).ok_or(PoolError::Overflow)?;
    let den = u128::from(BPS_DENOMINATOR).checked_mul(u128::from(DAYS_PER_YEAR)).ok_or(PoolError::Overflow)?;
    let owed = mul_div(num, u128::from(days), den, Rounding::Up).ok_or(PoolError::Overflow)?;
    if owed > 0 && line.interest == 0 {
        line.interest_since = start.saturating_add(DAY_MS);
    }
    line.interest = add(line.interest, owed)?;
    line.accrued_to = start.checked_add(days.checked_mul(DAY_MS).ok_or(PoolError::Overflow)?).ok_or(PoolError::Overflow)?;
    Ok(())
}

/// How much more `line` can lend, given its grantor's unlent stake.
pub fn headroom(line: &Line, grantor: &Grantor) -> Balance {
    line.limit.saturating_sub(line.principal).min(grantor.stake.saturating_sub(grantor.lent))
}

/// Splits a draw of `amount` over lines given as `(rate, seq, headroom)`,
/// lowest rate first, oldest first on ties. Returns `(index, part)` pairs.
pub fn plan_draw(lines: &[(Bps, u64, Balance)], amount: Balance, limit_left: Balance) -> R<lists::Parts> {
    if amount == 0 {
        return Err(PoolError::ZeroAmount);
    }
    let mut order: lists::Parts = (0..lines.len()).map(|i| (i, 0)).collect();
    order.sort_by_key(|(i, _)| (lines[*i].0, lines[*i].1));
    let total: Balance = lines.iter().map(|l| l.2).fold(0u128, |a, b| a.saturating_add(b));
    let available = total.min(limit_left);
    if amount > available {
        return Err(PoolError::InsufficientCredit { available, requested: amount });
    }
    let mut left = amount;
    for entry in order.iter_mut() {
        let part = left.min(lines[entry.0].2);
        entry.1 = part;
        left = sub(left, part)?;
    }
    order.retain(|(_, p)| *p > 0);
    Ok(order)
}

/// Applies one part of a draw to a line and its grantor.
pub fn apply_draw(line: &mut Line, grantor: &mut Grantor, part: Balance, now: Timestamp, grace_ms: Timestamp) -> R<()> {
    accrue(line, now)?;
    if line.principal == 0 {
        line.grace_until = now.saturating_add(grace_ms);
        line.accrued_to = now;
    }
    line.principal = add(line.principal, part)?;
    grantor.lent = add(grantor.lent, part)?;
    Ok(())
}

/// What one line receives from a repayment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinePayment {
    /// Interest paid on the line.
    pub interest: Balance,
    /// Principal paid on the line.
    pub principal: Balance,
    /// The grantor's share of the interest.
    pub to_grantor: Balance,
}

/// Splits an interest payment into (fee, insurance, grantor), rounding the
/// protocol's shares down so the grantor gets the remainder.
pub fn split_interest(interest: Balance, p: &PoolParams) -> R<(Balance, Balance, Balance)> {
    let fee = mul_div(interest, u128::from(p.fee_bps), u128::from(BPS_DENOMINATOR), Rounding::Down).ok_or(PoolError::Overflow)?;
    let ins = mul_div(interest, u128::from(p.insurance_bps), u128::from(BPS_DENOMINATOR), Rounding::Down).ok_or(PoolError::Overflow)?;
    let grantor = sub(sub(interest, fee)?, ins)?;
    Ok((fee, ins, grantor))
}

/// Pays up to `amount` on lines (already accrued) given as `(rate, seq,
/// interest, principal)`: interest first, then principal, highest rate first
/// (oldest first on ties). Returns the payment per line index and the amount used.
pub fn plan_repay(lines: &[(Bps, u64, Balance, Balance)], amount: Balance) -> R<(lists::Payments, Balance)> {
    if amount == 0 {
        return Err(PoolError::ZeroAmount);
    }
    let owed = lines.iter().fold(0u128, |a, l| a.saturating_add(l.2).saturating_add(l.3));
    if owed == 0 {
        return Err(PoolError::NothingOwed);
    }
    let mut pay: lists::Payments = (0..lines.len()).map(|i| (i, LinePayment::default())).collect();
    // Highest rate first; oldest first on ties.
    pay.sort_by(|a, b| lines[b.0].0.cmp(&lines[a.0].0).then(lines[a.0].1.cmp(&lines[b.0].1)));
    let mut left = amount;
    for entry in pay.iter_mut() {
        let part = left.min(lines[entry.0].2);
        entry.1.interest = part;
        left = sub(left, part)?;
    }
    for entry in pay.iter_mut() {
        let part = left.min(lines[entry.0].3);
        entry.1.principal = part;
        left = sub(left, part)?;
    }
    pay.retain(|(_, p)| p.interest > 0 || p.principal > 0);
    Ok((pay, sub(amount, left)?))
}

/// Insurance cover of each loss, pro rata, up to `insurance` in total
/// (rounded down; the remainder stays in the reserve).
pub fn insurance_cover(losses: &[Balance], insurance: Balance) -> R<lists::Amounts> {
    let total = losses.iter().try_fold(0u128, |a, l| a.checked_add(*l)).ok_or(PoolError::Overflow)?;
    let pot = insurance.min(total);
    let mut out = lists::Amounts::new();
    for l in losses {
        let c = if total == 0 { 0 } else { mul_div(*l, pot, total, Rounding::Down).ok_or(PoolError::Overflow)? };
        out.push(c);
    }
    Ok(out)
}

/// The lists the planners return (`alloc`'s `Vec`, so contracts can use them).
pub mod lists {
    extern crate alloc;
    /// (line index, amount) pairs.
    pub type Parts = alloc::vec::Vec<(usize, super::Balance)>;
    /// (line index, payment) pairs.
    pub type Payments = alloc::vec::Vec<(usize, super::LinePayment)>;
    /// Amounts.
    pub type Amounts = alloc::vec::Vec<super::Balance>;
}

/// The in-memory pool is for tests and off-chain simulation only; contract
/// builds never compile it.
#[cfg(any(test, feature = "model"))]
pub mod model;

#[cfg(test)]
mod tests;
