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
//!   line's grace ends;
//! - (v2) one grace per window: a draw that finds the line at zero principal
//!   starts a new grace only if the line was never drawn or has been empty
//!   for at least `grace_ms` since its principal last returned to zero;
//!   otherwise interest runs from the draw ([`apply_draw`]). So repaying and
//!   redrawing never makes credit interest-free;
//! - repayments pay interest first, then principal, highest rate first; of
//!   the interest, `fee_bps` go to the treasury and `insurance_bps` to the
//!   insurance reserve, both rounded down, the rest to the line's grantor
//!   (added to its stake);
//! - (v2) co-insurance: a line's principal is *insured* only if it was drawn
//!   at least `cover_min_age_ms` after the line was created or last raised
//!   (a line's age counts from its latest increase: new credit is new risk);
//!   repayments reduce the uninsured part first. A default pays each grantor
//!   at most `cover_share_bps` of its insured loss, pro rata within
//!   `cover_max_reserve_share_bps` of the reserve ([`insurance_cover`]); a
//!   term loan is insured only if every line of its path was old enough when
//!   it was disbursed ([`path_insured`]);
//! - (v2) a new or lowered non-zero line is at least `min_line` (MIN_LINE);
//! - (v2) MAX_CREDIT is one per-person cap: what a member *owes* — the
//!   principal of its draws plus the principal of the term loans it borrowed
//!   (it is the end of the path) — never exceeds `max_credit`, checked on
//!   every draw and every disbursement ([`ensure_max_credit`],
//!   [`draw_room`]). A reservation on a line for a loan that only passes
//!   through its borrower lowers that line's availability, never the
//!   member's cap;
//! - (v2) a term loan's reservation is released only from the very lines it
//!   was made on: a loan remembers each line's `seq` at disbursement, and a
//!   line deleted by its borrower's default and created again (a new `seq`)
//!   is never released by the old loan ([`release_reserved`]);
//! - (v2) a defaulted term loan's loss is borne warrants first (the loan
//!   manager claims them and passes the claims to the pool), then
//!   co-insurance of what is left (if the loan is insured), then the
//!   creditor's stake ([`loan_cover`]).

use crate::fixed::{mul_div, Rounding};
use crate::units::{Balance, Bps, Timestamp, BPS_DENOMINATOR, DAYS_PER_YEAR, DAY_MS, ONE_TOKEN};

/// Default lock-out: 90 days.
pub const DEFAULT_LOCKOUT_MS: Timestamp = 90 * DAY_MS;
/// Lock-out range governance may set: 90..=180 days.
pub const LOCKOUT_RANGE_MS: (Timestamp, Timestamp) = (90 * DAY_MS, 180 * DAY_MS);
/// Default MAX_CREDIT: 10,000 whole tokens.
pub const DEFAULT_MAX_CREDIT: Balance = 10_000 * ONE_TOKEN;
/// MAX_CREDIT range governance may set: 2,000..=10,000 whole tokens.
pub const MAX_CREDIT_RANGE: (Balance, Balance) = (2_000 * ONE_TOKEN, 10_000 * ONE_TOKEN);
/// Default grace period: 30 days.
pub const DEFAULT_GRACE_MS: Timestamp = 30 * DAY_MS;
/// Largest grace period governance may set: 90 days.
pub const MAX_GRACE_MS: Timestamp = 90 * DAY_MS;
/// Default protocol fee on interest: 10 %.
pub const DEFAULT_FEE_BPS: Bps = 1_000;
/// Default insurance share of interest: 5 %.
pub const DEFAULT_INSURANCE_BPS: Bps = 500;
/// Largest fee or insurance share: 25 % each.
pub const MAX_SHARE_BPS: Bps = 2_500;
/// Default age of unpaid interest that allows a warning: 60 days.
pub const DEFAULT_OVERDUE_MS: Timestamp = 60 * DAY_MS;
/// Default age of unpaid interest that allows a default: 180 days.
pub const DEFAULT_DEFAULT_MS: Timestamp = 180 * DAY_MS;
/// Range of the overdue delay: 1..=365 days.
pub const OVERDUE_RANGE_MS: (Timestamp, Timestamp) = (DAY_MS, 365 * DAY_MS);
/// Largest default delay: 730 days (and always longer than the overdue delay).
pub const MAX_DEFAULT_MS: Timestamp = 730 * DAY_MS;
/// Highest yearly rate of a credit line: 100 % (10,000 bps).
pub const MAX_RATE_BPS: Bps = 10_000;
/// Default COVER_MIN_AGE: insurance covers principal drawn on a line at
/// least 90 days after it was created or last raised.
pub const DEFAULT_COVER_MIN_AGE_MS: Timestamp = 90 * DAY_MS;
/// COVER_MIN_AGE range governance may set: 30..=365 days.
pub const COVER_MIN_AGE_RANGE_MS: (Timestamp, Timestamp) = (30 * DAY_MS, 365 * DAY_MS);
/// Default COVER_SHARE: insurance covers at most 50 % of a grantor's loss.
pub const DEFAULT_COVER_SHARE_BPS: Bps = 5_000;
/// Largest COVER_SHARE: 50 %, so that a grantor lending to its own
/// throwaway borrower loses at least half of it whatever governance sets.
pub const MAX_COVER_SHARE_BPS: Bps = 5_000;
/// Default COVER_MAX_RESERVE_SHARE: one default takes at most 10 % of the reserve.
pub const DEFAULT_COVER_MAX_RESERVE_SHARE_BPS: Bps = 1_000;
/// Largest COVER_MAX_RESERVE_SHARE: 25 %.
pub const MAX_COVER_RESERVE_SHARE_BPS: Bps = 2_500;
/// Default MIN_LINE: 10 whole tokens.
pub const DEFAULT_MIN_LINE: Balance = 10 * ONE_TOKEN;
/// MIN_LINE range governance may set: 1..=1,000 whole tokens.
pub const MIN_LINE_RANGE: (Balance, Balance) = (ONE_TOKEN, 1_000 * ONE_TOKEN);

/// Pool parameters (governance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
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
    /// COVER_MIN_AGE (v2): principal is insured only if drawn at least this
    /// long after its line was created or last raised (30..=365 days).
    pub cover_min_age_ms: Timestamp,
    /// COVER_SHARE (v2): largest share of a grantor's insured loss that
    /// insurance pays (≤ 50 %).
    pub cover_share_bps: Bps,
    /// COVER_MAX_RESERVE_SHARE (v2): largest share of the reserve one
    /// default (or one settled term loan) takes (≤ 25 %).
    pub cover_max_reserve_share_bps: Bps,
    /// MIN_LINE (v2): smallest limit of a new or lowered line, 0 (closing)
    /// aside (1..=1,000 tokens).
    pub min_line: Balance,
}

impl Default for PoolParams {
    fn default() -> Self {
        PoolParams {
            lockout_ms: DEFAULT_LOCKOUT_MS,
            max_credit: DEFAULT_MAX_CREDIT,
            grace_ms: DEFAULT_GRACE_MS,
            fee_bps: DEFAULT_FEE_BPS,
            insurance_bps: DEFAULT_INSURANCE_BPS,
            overdue_ms: DEFAULT_OVERDUE_MS,
            default_ms: DEFAULT_DEFAULT_MS,
            cover_min_age_ms: DEFAULT_COVER_MIN_AGE_MS,
            cover_share_bps: DEFAULT_COVER_SHARE_BPS,
            cover_max_reserve_share_bps: DEFAULT_COVER_MAX_RESERVE_SHARE_BPS,
            min_line: DEFAULT_MIN_LINE,
        }
    }
}

impl PoolParams {
    /// The defaults for a stablecoin whose whole token is `unit` smallest
    /// units (10^decimals): MAX_CREDIT 10,000 and MIN_LINE 10 whole tokens;
    /// `None` when they overflow.
    pub fn defaults_for(unit: Balance) -> Option<PoolParams> {
        Some(PoolParams {
            max_credit: scale(DEFAULT_MAX_CREDIT, unit)?,
            min_line: scale(DEFAULT_MIN_LINE, unit)?,
            ..PoolParams::default()
        })
    }

    /// The name of the first parameter outside its range, if any, for the
    /// six-decimal unit ([`ONE_TOKEN`]).
    pub fn invalid(&self) -> Option<&'static str> {
        self.invalid_for(ONE_TOKEN)
    }

    /// The name of the first parameter outside its range for every unit a
    /// stablecoin may have (0..=[`MAX_DECIMALS`] decimals), if any: what
    /// governance can check before a vote without knowing the pool's unit
    /// (the pool checks [`PoolParams::invalid_for`] its own at execution).
    pub fn invalid_for_any_unit(&self) -> Option<&'static str> {
        // The other checks do not depend on the unit: with the amounts set
        // to the six-decimal defaults, any failure names one of them.
        let unit_free = PoolParams { max_credit: DEFAULT_MAX_CREDIT, min_line: DEFAULT_MIN_LINE, ..*self };
        if let Some(name) = unit_free.invalid() {
            return Some(name);
        }
        let mut first = None;
        for d in 0..=crate::units::MAX_DECIMALS {
            let Some(unit) = crate::units::unit_of(d) else { continue };
            match self.invalid_for(unit) {
                None => return None,
                Some(name) => first = first.or(Some(name)),
            }
        }
        first
    }

    /// The name of the first parameter outside its range, if any, for a
    /// stablecoin whose whole token is `unit` smallest units: MAX_CREDIT
    /// 2,000..=10,000 and MIN_LINE 1..=1,000 whole tokens of it.
    pub fn invalid_for(&self, unit: Balance) -> Option<&'static str> {
        let within = |x: u128, (lo, hi): (u128, u128)| lo <= x && x <= hi;
        let in_unit = |(lo, hi): (Balance, Balance)| match (scale(lo, unit), scale(hi, unit)) {
            (Some(lo), Some(hi)) => (lo, hi),
            _ => (1, 0), // an unrepresentable unit: nothing is within
        };
        let ms = |(lo, hi): (Timestamp, Timestamp)| (u128::from(lo), u128::from(hi));
        if !within(u128::from(self.lockout_ms), ms(LOCKOUT_RANGE_MS)) {
            return Some("lockout_ms");
        }
        if !within(self.max_credit, in_unit(MAX_CREDIT_RANGE)) {
            return Some("max_credit");
        }
        if self.grace_ms > MAX_GRACE_MS {
            return Some("grace_ms");
        }
        if self.fee_bps > MAX_SHARE_BPS {
            return Some("fee_bps");
        }
        if self.insurance_bps > MAX_SHARE_BPS {
            return Some("insurance_bps");
        }
        if !within(u128::from(self.overdue_ms), ms(OVERDUE_RANGE_MS)) {
            return Some("overdue_ms");
        }
        if self.default_ms <= self.overdue_ms || self.default_ms > MAX_DEFAULT_MS {
            return Some("default_ms");
        }
        if !within(u128::from(self.cover_min_age_ms), ms(COVER_MIN_AGE_RANGE_MS)) {
            return Some("cover_min_age_ms");
        }
        if self.cover_share_bps > MAX_COVER_SHARE_BPS {
            return Some("cover_share_bps");
        }
        if self.cover_max_reserve_share_bps > MAX_COVER_RESERVE_SHARE_BPS {
            return Some("cover_max_reserve_share_bps");
        }
        if !within(self.min_line, in_unit(MIN_LINE_RANGE)) {
            return Some("min_line");
        }
        None
    }
}

/// `amount` (in the six-decimal unit) in a unit of `unit` smallest units:
/// `amount / ONE_TOKEN · unit`, exact for the whole-token constants above.
fn scale(amount: Balance, unit: Balance) -> Option<Balance> {
    amount.checked_div(ONE_TOKEN)?.checked_mul(unit)
}

/// A grantor's position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
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
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
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
    /// Capacity held for term loans routed through this line (SPEC §5):
    /// neither drawable nor removable until the loans are repaid or settled.
    pub reserved: Balance,
    /// When the line was created or last raised: principal drawn at least
    /// COVER_MIN_AGE later is insured (v2).
    pub raised_at: Timestamp,
    /// The insured part of `principal` (drawn while the line was old enough);
    /// repayments reduce the uninsured part first, so `insured ≤ principal`.
    pub insured: Balance,
    /// When the principal last returned to zero (`None`: never drawn since
    /// the line was created): a draw on the empty line starts a new grace
    /// only once it has been empty for the grace period (v2).
    pub emptied_at: Option<Timestamp>,
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
    /// A line's yearly rate is at most `max` basis points.
    RateTooHigh { max: Bps },
    /// The borrower is not (yet) overdue or in default.
    NotDue { since: Timestamp },
    /// Arithmetic overflow.
    Overflow,
    /// Part of a draw would be lent at `rate_bps`, above the borrower's `max_rate_bps`.
    RateAboveMax { rate_bps: Bps, max_rate_bps: Bps },
    /// A new or lowered line must be at least `min` (MIN_LINE), or 0 to close it.
    BelowMinLine { min: Balance },
    /// MAX_CREDIT is one per-person cap (v2): the member already owes `owed`
    /// (pool principal + principal of the term loans it borrowed), and the
    /// amount would take it past `max_credit`.
    AboveMaxCredit { owed: Balance, max_credit: Balance },
    /// A term loan's settlement recovered more than its unreturned principal.
    RecoveredAbovePrincipal { principal: Balance, recovered: Balance },
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

/// What is used of `line`'s limit: principal drawn and capacity reserved
/// for term loans.
pub fn line_used(line: &Line) -> Balance {
    line.principal.saturating_add(line.reserved)
}

/// How much more of `line`'s limit is free (neither drawn nor reserved).
pub fn line_free(line: &Line) -> Balance {
    line.limit.saturating_sub(line_used(line))
}

/// How much more `line` can lend, given its grantor's unlent stake.
pub fn headroom(line: &Line, grantor: &Grantor) -> Balance {
    line_free(line).min(grantor.stake.saturating_sub(grantor.lent))
}

/// What a term loan's path can carry now (`credit_pool::path_capacity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
pub struct PathInfo {
    /// Largest amount a loan over the path could have now (0 if a line is missing).
    pub capacity: Balance,
    /// Yearly rate of the first line (creditor → first hop), basis points.
    pub first_rate_bps: Bps,
    /// Index of the first hop without a credit line, if any.
    pub missing_hop: Option<u32>,
}

/// Most lines on a term loan's path (SPEC §5's MAX_HOPS can be set up to this).
pub const MAX_PATH_LINES: usize = 6;

/// MAX_CREDIT as one per-person cap (SPEC §3, v2): a member who owes
/// `owed` — the principal of its draws plus the principal of the term
/// loans it borrowed — may take `amount` more only if `owed + amount ≤
/// max_credit`, else [`PoolError::AboveMaxCredit`]. A zero amount is
/// [`PoolError::ZeroAmount`] (bad input first).
pub fn ensure_max_credit(owed: Balance, amount: Balance, max_credit: Balance) -> R<()> {
    if amount == 0 {
        return Err(PoolError::ZeroAmount);
    }
    match owed.checked_add(amount) {
        Some(total) if total <= max_credit => Ok(()),
        _ => Err(PoolError::AboveMaxCredit { owed, max_credit }),
    }
}

/// What a borrower may still draw as far as its limits go (before its
/// lines' headroom): its credit limit `min(Σ lines, MAX_CREDIT)` less the
/// principal it drew, and never more than MAX_CREDIT less all it `owes`
/// (draws and term loans, v2). Saturating: nothing left is 0.
pub fn draw_room(limit: Balance, principal: Balance, owed: Balance, max_credit: Balance) -> Balance {
    limit.saturating_sub(principal).min(max_credit.saturating_sub(owed))
}

/// What a term loan routed over `lines` (creditor → … → borrower, in order)
/// can carry: the free limit of every line, the creditor's unlent stake (it
/// lends the money) and what MAX_CREDIT leaves the borrower, who already
/// owes `borrower_owed` (the principal of its draws and of the term loans
/// it borrowed; reservations for loans only passing through it are not its
/// debt, v2).
pub fn path_capacity(lines: &[Line], creditor: &Grantor, borrower_owed: Balance, max_credit: Balance) -> Balance {
    let unlent = creditor.stake.saturating_sub(creditor.lent);
    lines.iter().fold(unlent.min(max_credit.saturating_sub(borrower_owed)), |cap, l| cap.min(line_free(l)))
}

/// Reserves `amount` of a loan on every line of its path and lends it from
/// the creditor's stake. Refused with [`PoolError::ZeroAmount`], then
/// [`PoolError::AboveMaxCredit`] if the borrower's debt would pass
/// MAX_CREDIT ([`ensure_max_credit`]), then [`PoolError::InsufficientCredit`]
/// unless the path can carry it ([`path_capacity`]).
pub fn apply_loan_open(lines: &mut [Line], creditor: &mut Grantor, amount: Balance, borrower_owed: Balance, max_credit: Balance) -> R<()> {
    ensure_max_credit(borrower_owed, amount, max_credit)?;
    let available = path_capacity(lines, creditor, borrower_owed, max_credit);
    if amount > available {
        return Err(PoolError::InsufficientCredit { available, requested: amount });
    }
    for l in lines.iter_mut() {
        l.reserved = add(l.reserved, amount)?;
    }
    creditor.lent = add(creditor.lent, amount)?;
    Ok(())
}

/// Releases `principal` of a loan's reservation on `line` if it is the very
/// line the loan reserved on — its `seq` is the `seq` the loan recorded at
/// disbursement — and returns whether it did. A line deleted by its
/// borrower's default and created again has a new `seq` and holds none of
/// the old loan's reservation (v2, review L1), so nothing is taken from it.
/// Saturating: a matching line always holds at least the loan's principal.
pub fn release_reserved(line: &mut Line, seq: u64, principal: Balance) -> bool {
    if line.seq != seq {
        return false;
    }
    line.reserved = line.reserved.saturating_sub(principal);
    true
}

/// A defaulted term loan's settlement (SPEC §4, v2: warrants first, then
/// insurance, then the creditor's stake). `recovered` is what the warrants
/// paid towards the loan's unreturned `principal` (the loan manager passes
/// it to the pool); of the rest, `uncovered = principal − recovered`,
/// co-insurance covers its share if the loan is `insured`
/// ([`insurance_cover`] of the one loss against `reserve`), and the
/// creditor's stake bears what is left. Returns `(covered, written_off)`:
/// `recovered + covered + written_off = principal`, `covered ≤ COVER_SHARE
/// of uncovered` and `≤ COVER_MAX_RESERVE_SHARE of reserve`. Refused with
/// [`PoolError::RecoveredAbovePrincipal`] if `recovered > principal`.
pub fn loan_cover(principal: Balance, recovered: Balance, insured: bool, reserve: Balance, p: &PoolParams) -> R<(Balance, Balance)> {
    let uncovered = principal.checked_sub(recovered).ok_or(PoolError::RecoveredAbovePrincipal { principal, recovered })?;
    let covered = if insured { insurance_cover(&[uncovered], reserve, p)?.first().copied().unwrap_or(0) } else { 0 };
    Ok((covered, sub(uncovered, covered)?))
}

/// Splits a draw of `amount` over lines given as `(rate, seq, headroom)`,
/// lowest rate first, oldest first on ties. Returns `(index, part)` pairs.
/// Refused with [`PoolError::RateAboveMax`] if any part would be lent above
/// `max_rate_bps` (v2), so a rate raised in front of a draw gains nothing.
pub fn plan_draw(lines: &[(Bps, u64, Balance)], amount: Balance, limit_left: Balance, max_rate_bps: Bps) -> R<lists::Parts> {
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
    // Lowest rate first: the last part has the highest rate.
    if let Some(rate_bps) = order.last().map(|(i, _)| lines[*i].0) {
        if rate_bps > max_rate_bps {
            return Err(PoolError::RateAboveMax { rate_bps, max_rate_bps });
        }
    }
    Ok(order)
}

/// Applies one part of a draw to a line and its grantor.
///
/// One grace per window (v2): a draw that finds the line empty starts a new
/// grace only if the line was never drawn or its principal returned to zero
/// at least `grace_ms` ago; otherwise interest runs from the draw. The part
/// is insured if the line was created or last raised at least
/// `cover_min_age_ms` ago.
pub fn apply_draw(line: &mut Line, grantor: &mut Grantor, part: Balance, now: Timestamp, p: &PoolParams) -> R<()> {
    accrue(line, now)?;
    if line.principal == 0 {
        let rested = line.emptied_at.is_none_or(|t| now.saturating_sub(t) >= p.grace_ms);
        line.grace_until = if rested { now.saturating_add(p.grace_ms) } else { now };
        line.accrued_to = now;
    }
    if line_insurable(line, now, p) {
        line.insured = add(line.insured, part)?;
    }
    line.principal = add(line.principal, part)?;
    grantor.lent = add(grantor.lent, part)?;
    Ok(())
}

/// Whether principal drawn on `line` at `now` is insured: the line was
/// created or last raised at least COVER_MIN_AGE ago.
pub fn line_insurable(line: &Line, now: Timestamp, p: &PoolParams) -> bool {
    now.saturating_sub(line.raised_at) >= p.cover_min_age_ms
}

/// Whether a term loan disbursed now over `lines` is insured: every line of
/// its path is old enough ([`line_insurable`]).
pub fn path_insured(lines: &[Line], now: Timestamp, p: &PoolParams) -> bool {
    lines.iter().all(|l| line_insurable(l, now, p))
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

/// Co-insurance of one default (v2): given each grantor's *insured* loss
/// (principal drawn while its line was old enough; 0 for an uninsured one),
/// each is covered at most `cover_share_bps` of it, and all of them together
/// at most `cover_max_reserve_share_bps` of `insurance`, shared pro rata.
/// Every step rounds down, in the reserve's favour (the remainder stays in
/// it), so each cover ≤ COVER_SHARE of its loss and Σ ≤ the reserve's share.
pub fn insurance_cover(insured_losses: &[Balance], insurance: Balance, p: &PoolParams) -> R<lists::Amounts> {
    let bps = |x: Balance, b: Bps| mul_div(x, u128::from(b), u128::from(BPS_DENOMINATOR), Rounding::Down).ok_or(PoolError::Overflow);
    let mut caps = lists::Amounts::new();
    for l in insured_losses {
        caps.push(bps(*l, p.cover_share_bps)?);
    }
    let total = caps.iter().try_fold(0u128, |a, c| a.checked_add(*c)).ok_or(PoolError::Overflow)?;
    let pot = bps(insurance, p.cover_max_reserve_share_bps)?.min(total);
    let mut out = lists::Amounts::new();
    for c in caps {
        out.push(if total == 0 { 0 } else { mul_div(c, pot, total, Rounding::Down).ok_or(PoolError::Overflow)? });
    }
    Ok(out)
}

/// Stakes `amount` more: the stake's lock-out restarts from `now`.
pub fn apply_stake(grantor: &mut Grantor, amount: Balance, now: Timestamp, p: &PoolParams) -> R<()> {
    if amount == 0 {
        return Err(PoolError::ZeroAmount);
    }
    grantor.stake = add(grantor.stake, amount)?;
    grantor.locked_until = now.checked_add(p.lockout_ms).ok_or(PoolError::Overflow)?;
    Ok(())
}

/// Sets the line from `grantor` to a borrower to `limit` at `rate_bps`:
/// creates it (`existing` is `None`; `seq` orders it among equal rates),
/// raises it (free, restarts the line's lock-out and its cover age), lowers
/// or closes it (not before its lock-out ends, never below what is drawn),
/// or changes its rate (only while nothing is drawn). A new or lowered
/// non-zero limit is at least MIN_LINE. Returns the line, or `None` when it
/// closes.
#[allow(clippy::too_many_arguments)]
pub fn apply_extend(
    existing: Option<Line>,
    grantor: &mut Grantor,
    limit: Balance,
    rate_bps: Bps,
    now: Timestamp,
    seq: u64,
    p: &PoolParams,
) -> R<Option<Line>> {
    if rate_bps > MAX_RATE_BPS {
        return Err(PoolError::RateTooHigh { max: MAX_RATE_BPS });
    }
    let old_limit = existing.map(|l| l.limit).unwrap_or(0);
    let others = sub(grantor.allocated, old_limit)?;
    let new_alloc = add(others, limit)?;
    if limit > old_limit && new_alloc > grantor.stake {
        return Err(PoolError::InsufficientStake { available: grantor.stake.saturating_sub(others), requested: limit });
    }
    // MIN_LINE (v2): no dust lines. A line already below it (MIN_LINE raised
    // since) may keep its limit, change its rate, or be raised or closed.
    if limit > 0 && limit < p.min_line && (existing.is_none() || limit < old_limit) {
        return Err(PoolError::BelowMinLine { min: p.min_line });
    }
    let lock_end = now.checked_add(p.lockout_ms).ok_or(PoolError::Overflow)?;
    let mut line = match existing {
        Some(mut l) => {
            if limit < l.limit && now < l.locked_until {
                return Err(PoolError::LockedUntil { until: l.locked_until });
            }
            if limit < line_used(&l) {
                return Err(PoolError::BelowDrawn { drawn: line_used(&l) });
            }
            if rate_bps != l.rate_bps && (l.principal > 0 || l.interest > 0) {
                return Err(PoolError::RateChangeWhileDrawn);
            }
            if limit > l.limit {
                l.locked_until = lock_end;
                // New credit is new risk: the line's cover age restarts.
                l.raised_at = now;
            }
            l
        }
        None => {
            if limit == 0 {
                return Err(PoolError::ZeroAmount);
            }
            Line { seq, locked_until: lock_end, accrued_to: now, raised_at: now, ..Line::default() }
        }
    };
    line.limit = limit;
    line.rate_bps = rate_bps;
    grantor.allocated = new_alloc;
    if limit == 0 && line.principal == 0 && line.interest == 0 && line.reserved == 0 {
        Ok(None)
    } else {
        Ok(Some(line))
    }
}

/// A borrower declines `line` (v2): only an unused line (nothing drawn,
/// owed or reserved on it, else [`PoolError::BelowDrawn`]), at any time —
/// the lock-out protects the borrower, who may give the line up. The
/// grantor's limit is released.
pub fn apply_decline(line: &Line, grantor: &mut Grantor) -> R<()> {
    let drawn = line_used(line);
    if drawn > 0 || line.interest > 0 {
        return Err(PoolError::BelowDrawn { drawn });
    }
    grantor.allocated = sub(grantor.allocated, line.limit)?;
    Ok(())
}

/// How much of `grantor`'s stake is free to unstake: neither allocated to
/// lines nor lent out.
pub fn free_stake(grantor: &Grantor) -> Balance {
    grantor.stake.saturating_sub(grantor.allocated.max(grantor.lent))
}

/// Unstakes `amount`: only after the stake's lock-out, only free points.
pub fn apply_unstake(grantor: &mut Grantor, amount: Balance, now: Timestamp) -> R<()> {
    if amount == 0 {
        return Err(PoolError::ZeroAmount);
    }
    if now < grantor.locked_until {
        return Err(PoolError::LockedUntil { until: grantor.locked_until });
    }
    let free = free_stake(grantor);
    if amount > free {
        return Err(PoolError::InsufficientStake { available: free, requested: amount });
    }
    grantor.stake = sub(grantor.stake, amount)?;
    Ok(())
}

/// What a repayment of one line sends where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// To the treasury.
    pub fee: Balance,
    /// To the insurance reserve.
    pub insurance: Balance,
    /// Added to the grantor's stake.
    pub to_grantor: Balance,
}

/// Applies one line's share of a repayment (see [`plan_repay`]) at `now`:
/// principal repaid reduces the uninsured part first; a line whose
/// principal returns to zero remembers when (one grace per window).
pub fn apply_payment(line: &mut Line, grantor: &mut Grantor, pay: &LinePayment, p: &PoolParams, now: Timestamp) -> R<Split> {
    let (fee, insurance, to_grantor) = split_interest(pay.interest, p)?;
    grantor.stake = add(grantor.stake, to_grantor)?;
    line.interest = sub(line.interest, pay.interest)?;
    if line.interest == 0 {
        line.interest_since = 0;
    }
    line.principal = sub(line.principal, pay.principal)?;
    line.insured = line.insured.min(line.principal);
    if line.principal == 0 && pay.principal > 0 {
        line.emptied_at = Some(now);
    }
    grantor.lent = sub(grantor.lent, pay.principal)?;
    Ok(Split { fee, insurance, to_grantor })
}

/// Oldest unpaid interest among `lines` (already accrued), 0 when none.
pub fn unpaid_since<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Timestamp {
    lines.into_iter().filter(|l| l.interest > 0).map(|l| l.interest_since).min().unwrap_or(0)
}

/// Whether a borrower whose oldest unpaid interest dates from `since` is
/// past `delay` at `now`; `Err(NotDue)` otherwise.
pub fn ensure_due(since: Timestamp, delay: Timestamp, now: Timestamp) -> R<()> {
    if since == 0 || now < since.saturating_add(delay) {
        return Err(PoolError::NotDue { since });
    }
    Ok(())
}

/// Closes a defaulted line: the grantor loses its principal, less the
/// insurance `cover`, from its stake; the line's limit is released.
/// Returns the amount written off.
pub fn apply_default(line: &Line, grantor: &mut Grantor, cover: Balance) -> R<Balance> {
    let loss = line.principal;
    let cover = cover.min(loss);
    grantor.lent = sub(grantor.lent, loss)?;
    // Cannot underflow: lent ≤ stake is kept by every operation.
    grantor.stake = add(sub(grantor.stake, loss)?, cover)?;
    grantor.allocated = sub(grantor.allocated, line.limit)?;
    sub(loss, cover)
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
