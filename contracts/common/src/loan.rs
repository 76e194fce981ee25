//! Term-loan and warrant arithmetic (SPEC §4–5, seed 003 §6–7, seed 000
//! §2.1), as pure functions shared by `loan_manager`, `warrant_escrow` and
//! `dcu`: the assessment score, the loan rate, warrant sizes, auto-accept
//! thresholds, a creditor's standing approval policy and the verdict it
//! gives a request, daily accrual, the interest split after fee and
//! insurance, the settlement of a default (insurance, then warrants, then
//! the creditor), and the loan state machine with its one transition check.
//!
//! Every split is exact: the parts always add up to the whole, to the unit
//! (property tests below). Amounts owed round up, shares paid out round down,
//! and the rounding remainder goes to a named party, never lost.

use crate::fixed::{mul_div, Rounding};
use crate::units::{Balance, Bps, Timestamp, BPS_DENOMINATOR, DAYS_PER_YEAR, DAY_MS};

/// 10^9: a trust score or credit factor of 1.0.
pub const SCALE: u128 = 1_000_000_000;
const THREE_SCALE: u128 = 3 * SCALE;
const TS_08: u128 = 800_000_000;
const TS_05: u128 = 500_000_000;
const TS_03: u128 = 300_000_000;
/// Default request expiry: 7 days.
pub const DEFAULT_REQUEST_EXPIRY_MS: Timestamp = 7 * DAY_MS;
/// Default delay from due date to default: 90 days.
pub const DEFAULT_DEFAULT_AFTER_MS: Timestamp = 90 * DAY_MS;
const MAX_EXPIRY_MS: Timestamp = 90 * DAY_MS;
/// Longest term of a loan: ten years.
pub const MAX_TERM_DAYS: u32 = 3_650;
const MAX_DEFAULT_AFTER_MS: Timestamp = 730 * DAY_MS;

/// What a loan is for (seed 000's credit purposes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
// The codec derive casts variant indices to u8; there are fewer than 256.
#[cfg_attr(feature = "ink", allow(clippy::cast_possible_truncation))]
pub enum Purpose {
    ProductiveEnterprise,
    CreativeProject,
    CommunityInfrastructure,
    EcologicalRestoration,
    EducationalInitiative,
}

impl Purpose {
    /// Every purpose, in declaration order.
    pub const ALL: [Purpose; 5] = [
        Purpose::ProductiveEnterprise,
        Purpose::CreativeProject,
        Purpose::CommunityInfrastructure,
        Purpose::EcologicalRestoration,
        Purpose::EducationalInitiative,
    ];

    /// Index into [`LoanParams::purpose_scores`].
    pub fn index(self) -> usize {
        match self {
            Purpose::ProductiveEnterprise => 0,
            Purpose::CreativeProject => 1,
            Purpose::CommunityInfrastructure => 2,
            Purpose::EcologicalRestoration => 3,
            Purpose::EducationalInitiative => 4,
        }
    }
}

/// Loan and warrant parameters (governance), SPEC §4–5's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
pub struct LoanParams {
    /// Most lines on a loan's path (MAX_HOPS, 1..=6).
    pub max_hops: u32,
    /// Warrants in total, in bps of the amount (WARRANT_RATIO, 80 %;
    /// 1..=10,000: 0 is invalid). A loan keeps the warrants it was given at
    /// its request, whatever this becomes later.
    pub warrant_ratio_bps: Bps,
    /// Rate = base + (1 − TS) · risk + (hops − 1) · hop premium (3 %, 5 %, 1 %).
    pub base_rate_bps: Bps,
    pub risk_premium_bps: Bps,
    pub hop_premium_bps: Bps,
    /// A request not disbursed within this expires (7 days).
    pub request_expiry_ms: Timestamp,
    /// Past due plus this, a loan may be declared in default (90 days).
    pub default_after_ms: Timestamp,
    /// Interest shares after fee and insurance: direct creditor, end creditor,
    /// warrant holders (50 / 30 / 20 %; they add up to 100 %).
    pub direct_share_bps: Bps,
    pub end_share_bps: Bps,
    pub warrant_share_bps: Bps,
    /// Purpose scores in [`Purpose::ALL`] order (85, 75, 95, 90, 80).
    pub purpose_scores: [u32; 5],
}

impl Default for LoanParams {
    fn default() -> Self {
        LoanParams {
            max_hops: 6,
            warrant_ratio_bps: 8_000,
            base_rate_bps: 300,
            risk_premium_bps: 500,
            hop_premium_bps: 100,
            request_expiry_ms: DEFAULT_REQUEST_EXPIRY_MS,
            default_after_ms: DEFAULT_DEFAULT_AFTER_MS,
            direct_share_bps: 5_000,
            end_share_bps: 3_000,
            warrant_share_bps: 2_000,
            purpose_scores: [85, 75, 95, 90, 80],
        }
    }
}

impl LoanParams {
    /// The name of the first parameter outside its range, if any.
    pub fn invalid(&self) -> Option<&'static str> {
        if !(1..=6).contains(&self.max_hops) {
            return Some("max_hops");
        }
        // A ratio of 0 would ask intermediaries for nothing (SPEC §4, v2):
        // every routed loan would run without a guarantee.
        if self.warrant_ratio_bps == 0 || self.warrant_ratio_bps > BPS_DENOMINATOR {
            return Some("warrant_ratio_bps");
        }
        if self.base_rate_bps > 5_000 || self.risk_premium_bps > 5_000 || self.hop_premium_bps > 1_000 {
            return Some("rates");
        }
        if self.request_expiry_ms < DAY_MS || self.request_expiry_ms > MAX_EXPIRY_MS {
            return Some("request_expiry_ms");
        }
        if self.default_after_ms < DAY_MS || self.default_after_ms > MAX_DEFAULT_AFTER_MS {
            return Some("default_after_ms");
        }
        let shares = u64::from(self.direct_share_bps).checked_add(u64::from(self.end_share_bps)).and_then(|x| x.checked_add(u64::from(self.warrant_share_bps)));
        if shares != Some(u64::from(BPS_DENOMINATOR)) {
            return Some("shares");
        }
        if self.purpose_scores.iter().any(|s| *s > 100) {
            return Some("purpose_scores");
        }
        None
    }
}

/// A creditor's standing approval policy (SPEC §5, v2): a request whose
/// creditor has set one is approved at once when it meets every bound;
/// otherwise the creditor approves each loan by hand. The assessment score
/// is advice to the creditor, never consent on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
pub struct ApprovalPolicy {
    /// Lowest assessment score approved (0..=100).
    pub min_score: u8,
    /// Largest amount approved, in smallest units (above zero).
    pub max_amount: Balance,
    /// Longest term approved, in days (1..=[`MAX_TERM_DAYS`]).
    pub max_term_days: u32,
    /// Lowest yearly rate approved, in bps (0..=10,000).
    pub min_rate_bps: Bps,
}

impl ApprovalPolicy {
    /// The name of the first field outside its range, if any.
    pub fn invalid(&self) -> Option<&'static str> {
        if self.min_score > 100 {
            return Some("min_score");
        }
        if self.max_amount == 0 {
            return Some("max_amount");
        }
        if self.max_term_days == 0 || self.max_term_days > MAX_TERM_DAYS {
            return Some("max_term_days");
        }
        if self.min_rate_bps > BPS_DENOMINATOR {
            return Some("min_rate_bps");
        }
        None
    }

    /// The verdict on a loan of `amount` over `term_days` at `rate_bps`
    /// scored `score`: [`Approval::PolicyMet`] only when every bound holds,
    /// else the first bound missed (score, amount, term, rate in that order).
    pub fn check(&self, score: u32, amount: Balance, term_days: u32, rate_bps: Bps) -> Approval {
        if score < u32::from(self.min_score) {
            Approval::ScoreBelow { score, min: self.min_score }
        } else if amount > self.max_amount {
            Approval::AmountAbove { amount, max: self.max_amount }
        } else if term_days > self.max_term_days {
            Approval::TermAbove { term_days, max: self.max_term_days }
        } else if rate_bps < self.min_rate_bps {
            Approval::RateBelow { rate_bps, min: self.min_rate_bps }
        } else {
            Approval::PolicyMet
        }
    }
}

/// How a request stands with its creditor's standing approval policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
#[cfg_attr(feature = "ink", allow(clippy::cast_possible_truncation))]
pub enum Approval {
    /// The creditor has no policy: it approves by hand.
    NoPolicy,
    /// Every bound of the creditor's policy holds: approved at the request.
    PolicyMet,
    /// The score is below the policy's minimum.
    ScoreBelow { score: u32, min: u8 },
    /// The amount is above the policy's maximum.
    AmountAbove { amount: Balance, max: Balance },
    /// The term is longer than the policy's maximum.
    TermAbove { term_days: u32, max: u32 },
    /// The rate is below the policy's minimum.
    RateBelow { rate_bps: Bps, min: Bps },
}

impl Approval {
    /// The verdict of `policy` (none: [`Approval::NoPolicy`]).
    pub fn of(policy: Option<&ApprovalPolicy>, score: u32, amount: Balance, term_days: u32, rate_bps: Bps) -> Approval {
        policy.map_or(Approval::NoPolicy, |p| p.check(score, amount, term_days, rate_bps))
    }

    /// Whether the policy approves the loan on the creditor's behalf.
    pub fn approves(&self) -> bool {
        matches!(self, Approval::PolicyMet)
    }
}

/// Seed 000 §2.1: score = (100·TS + purpose score + 100·CF) / 3, rounded
/// down; TS and CF at 10^9, capped at 1.
pub fn assessment_score(ts: u128, cf: u128, purpose: Purpose, p: &LoanParams) -> u32 {
    let ts = ts.min(SCALE);
    let cf = cf.min(SCALE);
    let purpose_score = u128::from(p.purpose_scores[purpose.index()].min(100));
    // Cannot overflow: every term is at most 100 · 10^9.
    let sum = ts.saturating_mul(100).saturating_add(purpose_score.saturating_mul(SCALE)).saturating_add(cf.saturating_mul(100));
    u32::try_from(sum.checked_div(THREE_SCALE).unwrap_or(0)).unwrap_or(100)
}

/// Seed 003 §7.1: r = base + (1 − TS) · risk + (hops − 1) · hop premium, the
/// risk term rounded up, and never below `first_line_bps`.
pub fn loan_rate_bps(ts: u128, hops: u32, first_line_bps: Bps, p: &LoanParams) -> Option<Bps> {
    let distrust = SCALE.checked_sub(ts.min(SCALE))?;
    let risk = mul_div(distrust, u128::from(p.risk_premium_bps), SCALE, Rounding::Up)?;
    let hop = u128::from(hops.checked_sub(1)?).checked_mul(u128::from(p.hop_premium_bps))?;
    let r = u128::from(p.base_rate_bps).checked_add(risk)?.checked_add(hop)?;
    Bps::try_from(r).ok().map(|r| r.max(first_line_bps))
}

/// Seed 003 §7.4: the lowest loan rate at which a warrant holder accepts
/// automatically, by the borrower's trust score; `None` below TS 0.3.
pub fn auto_accept_threshold_bps(ts: u128) -> Option<Bps> {
    if ts >= TS_08 {
        Some(400)
    } else if ts >= TS_05 {
        Some(600)
    } else if ts >= TS_03 {
        Some(800)
    } else {
        None
    }
}

/// Seed 003 §6.3: warrants totalling `ratio` of `amount` (rounded up, so the
/// guarantee is never short) split equally over `holders`; the first
/// holders carry the rounding remainder, one unit each.
pub fn warrant_sizes(amount: Balance, holders: usize, ratio_bps: Bps) -> Option<([Balance; 5], Balance)> {
    let mut out = [0; 5];
    if holders == 0 {
        return Some((out, 0));
    }
    if holders > out.len() {
        return None;
    }
    let total = mul_div(amount, u128::from(ratio_bps), u128::from(BPS_DENOMINATOR), Rounding::Up)?;
    let n = u128::try_from(holders).ok()?;
    let each = total.checked_div(n)?;
    let rem = total.checked_rem(n)?;
    for (i, slot) in out.iter_mut().take(holders).enumerate() {
        let extra = u128::from(u128::try_from(i).ok()? < rem);
        *slot = each.checked_add(extra)?;
    }
    Some((out, total))
}

/// Simple interest on `principal` at `rate_bps` a year for the whole days
/// between `from` and `to`, rounded up (an amount owed).
pub fn accrued_interest(principal: Balance, rate_bps: Bps, from: Timestamp, to: Timestamp) -> Option<Balance> {
    let days = to.saturating_sub(from).checked_div(DAY_MS)?;
    if days == 0 || principal == 0 {
        return Some(0);
    }
    let per_year = u128::from(BPS_DENOMINATOR).checked_mul(u128::from(DAYS_PER_YEAR))?;
    mul_div(principal.checked_mul(u128::from(rate_bps))?, u128::from(days), per_year, Rounding::Up)
}

/// Where one interest payment goes (seed 003 §7.2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct InterestSplit {
    /// Protocol fee (treasury), rounded down.
    pub fee: Balance,
    /// Insurance reserve, rounded down.
    pub insurance: Balance,
    /// The borrower's direct creditor (last hop's grantor).
    pub direct: Balance,
    /// The end creditor (first hop's grantor, source of the funds); it also
    /// receives every rounding remainder, and the warrant share of a loan
    /// without intermediaries.
    pub end: Balance,
    /// Each warrant holder's share, pro rata to its warrant, rounded down.
    pub holders: [Balance; 5],
}

impl InterestSplit {
    /// Sum of every part; always the interest split.
    pub fn total(&self) -> Option<Balance> {
        self.holders.iter().try_fold(self.fee.checked_add(self.insurance)?.checked_add(self.direct)?.checked_add(self.end)?, |a, h| a.checked_add(*h))
    }
}

/// Splits `interest`: fee and insurance first, then of the rest the direct
/// creditor's, the end creditor's and the warrant holders' shares (pro rata
/// to `warrants`). Where one party holds two roles the caller adds its
/// shares; with no warrants their share goes to the end creditor.
pub fn split_interest(interest: Balance, fee_bps: Bps, insurance_bps: Bps, warrants: &[Balance], p: &LoanParams) -> Option<InterestSplit> {
    let bps = |x: Balance, b: Bps| mul_div(x, u128::from(b), u128::from(BPS_DENOMINATOR), Rounding::Down);
    let fee = bps(interest, fee_bps)?;
    let insurance = bps(interest, insurance_bps)?;
    let net = interest.checked_sub(fee)?.checked_sub(insurance)?;
    let direct = bps(net, p.direct_share_bps)?;
    let to_holders = bps(net, p.warrant_share_bps)?;
    let total_w = warrants.iter().try_fold(0u128, |a, w| a.checked_add(*w))?;
    let mut holders = [0; 5];
    let mut paid = 0u128;
    if total_w > 0 {
        for (slot, w) in holders.iter_mut().zip(warrants) {
            *slot = mul_div(to_holders, *w, total_w, Rounding::Down)?;
            paid = paid.checked_add(*slot)?;
        }
    }
    // Cannot underflow: direct + paid ≤ 50 % + 20 % of net.
    let end = net.checked_sub(direct)?.checked_sub(paid)?;
    Some(InterestSplit { fee, insurance, direct, end, holders })
}

/// How a term-loan default's unpaid principal is shared (seed 003 §6.4,
/// SPEC §4–5, v2): **warrants first** — each locked warrant pays its
/// pro-rata share of the loss, `loss · w / Σw`, capped at the warrant
/// (all of them together at most `min(loss, Σw)`), rounded by largest
/// remainder so each claim is within one unit of its exact share and the
/// claims add up exactly; the unclaimed part of each warrant is released.
/// What the warrants do not cover (`rest`) goes on to the pool's
/// co-insurance and then the creditor's stake
/// ([`crate::pool::loan_cover`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Settlement {
    /// Paid from each warrant towards the loss.
    pub claims: [Balance; 5],
    /// Returned to each warrant's holder.
    pub released: [Balance; 5],
    /// Σ claims.
    pub from_warrants: Balance,
    /// The loss left after the warrants.
    pub rest: Balance,
}

/// Settles `unpaid` against the locked `warrants` (at most 5; an unlocked
/// one counts as 0).
pub fn settle_default(unpaid: Balance, warrants: &[Balance]) -> Option<Settlement> {
    if warrants.len() > 5 {
        return None;
    }
    let total_w = warrants.iter().try_fold(0u128, |a, w| a.checked_add(*w))?;
    let mut s = Settlement::default();
    let claimed = unpaid.min(total_w);
    if claimed > 0 {
        // Exact shares claimed · w / Σw = floor + remainder / Σw; the units
        // the floors leave go one each to the largest remainders (ties: the
        // earlier holder). A remainder > 0 means floor < exact ≤ w, so the
        // extra unit never takes a claim past its warrant.
        let mut rems = [0u128; 5];
        let mut given = 0u128;
        for (i, w) in warrants.iter().enumerate() {
            let (q, r) = crate::fixed::mul_div_rem(claimed, *w, total_w)?;
            s.claims[i] = q;
            rems[i] = r;
            given = given.checked_add(q)?;
        }
        let mut left = claimed.checked_sub(given)?;
        while left > 0 {
            let mut best: Option<usize> = None;
            for (i, r) in rems.iter().enumerate().take(warrants.len()) {
                if *r > 0 && best.is_none_or(|b| *r > rems[b]) {
                    best = Some(i);
                }
            }
            let b = best?;
            s.claims[b] = s.claims[b].checked_add(1)?;
            rems[b] = 0;
            left = left.checked_sub(1)?;
        }
    }
    for (i, w) in warrants.iter().enumerate() {
        s.released[i] = w.checked_sub(s.claims[i])?;
    }
    s.from_warrants = claimed;
    s.rest = unpaid.checked_sub(claimed)?;
    Some(s)
}

/// A loan's state (SPEC §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
#[cfg_attr(feature = "ink", allow(clippy::cast_possible_truncation))]
pub enum LoanState {
    /// Requested; waiting for warrants and, below the score, the creditor.
    Requested,
    /// Warrants in and approved; waiting for disbursement.
    Approved,
    /// Disbursed; being repaid.
    Active,
    /// Past due.
    Overdue,
    /// Declared in default; waiting for settlement.
    Defaulted,
    /// Warrants claimed, insurance paid, losses written off.
    Settled,
    /// Fully repaid.
    Repaid,
    /// Repaid and every warrant released.
    Closed,
    /// Withdrawn by the borrower before disbursement.
    Cancelled,
    /// Not disbursed in time.
    Expired,
}

impl LoanState {
    /// Whether a loan may go from `self` to `to`.
    pub fn can_become(self, to: LoanState) -> bool {
        use LoanState::*;
        matches!(
            (self, to),
            (Requested, Approved)
                | (Requested | Approved, Cancelled | Expired)
                | (Approved, Active)
                | (Active, Overdue | Repaid)
                | (Overdue, Defaulted | Repaid)
                | (Defaulted, Settled | Repaid)
                | (Repaid, Closed)
        )
    }

    /// The one transition check: `Ok` when allowed, else the states that
    /// would allow it are named by the caller's error.
    pub fn transition(self, to: LoanState) -> Result<LoanState, (LoanState, LoanState)> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err((self, to))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::ONE_TOKEN;
    use proptest::prelude::*;

    #[test]
    fn assessment_matches_seed_000() {
        let p = LoanParams::default();
        // TS 0.6, CF 0.9, community infrastructure (95): (60 + 95 + 90) / 3 = 81
        assert_eq!(assessment_score(600_000_000, 900_000_000, Purpose::CommunityInfrastructure, &p), 81);
        // a stranger's creative project: (0 + 75 + 0) / 3 = 25
        assert_eq!(assessment_score(0, 0, Purpose::CreativeProject, &p), 25);
        assert_eq!(assessment_score(SCALE, SCALE, Purpose::CommunityInfrastructure, &p), 98);
        assert_eq!(assessment_score(u128::MAX, u128::MAX, Purpose::CommunityInfrastructure, &p), 98, "capped at 1");
    }

    #[test]
    fn an_approval_policy_names_the_first_bound_a_loan_misses() {
        let p = ApprovalPolicy { min_score: 60, max_amount: 500 * ONE_TOKEN, max_term_days: 90, min_rate_bps: 500 };
        assert_eq!(p.invalid(), None);
        assert_eq!(p.check(60, 500 * ONE_TOKEN, 90, 500), Approval::PolicyMet, "every bound is inclusive");
        assert_eq!(p.check(59, 500 * ONE_TOKEN, 90, 500), Approval::ScoreBelow { score: 59, min: 60 });
        assert_eq!(p.check(99, 500 * ONE_TOKEN + 1, 90, 500), Approval::AmountAbove { amount: 500 * ONE_TOKEN + 1, max: 500 * ONE_TOKEN });
        assert_eq!(p.check(99, 1, 91, 500), Approval::TermAbove { term_days: 91, max: 90 });
        assert_eq!(p.check(99, 1, 1, 499), Approval::RateBelow { rate_bps: 499, min: 500 });
        assert_eq!(p.check(0, u128::MAX, MAX_TERM_DAYS, 0), Approval::ScoreBelow { score: 0, min: 60 }, "the score is checked first");
        assert!(Approval::PolicyMet.approves());
        assert!(!Approval::NoPolicy.approves());
        assert_eq!(Approval::of(None, 100, 1, 1, 10_000), Approval::NoPolicy, "no policy: never approved on the creditor's behalf");
        assert_eq!(Approval::of(Some(&p), 60, 1, 1, 500), Approval::PolicyMet);
    }

    #[test]
    fn an_approval_policy_outside_its_ranges_is_named() {
        let ok = ApprovalPolicy { min_score: 100, max_amount: 1, max_term_days: MAX_TERM_DAYS, min_rate_bps: 10_000 };
        assert_eq!(ok.invalid(), None);
        assert_eq!(ApprovalPolicy { min_score: 101, ..ok }.invalid(), Some("min_score"));
        assert_eq!(ApprovalPolicy { max_amount: 0, ..ok }.invalid(), Some("max_amount"));
        assert_eq!(ApprovalPolicy { max_term_days: 0, ..ok }.invalid(), Some("max_term_days"));
        assert_eq!(ApprovalPolicy { max_term_days: MAX_TERM_DAYS + 1, ..ok }.invalid(), Some("max_term_days"));
        assert_eq!(ApprovalPolicy { min_rate_bps: 10_001, ..ok }.invalid(), Some("min_rate_bps"));
    }

    #[test]
    fn rate_matches_seed_003() {
        let p = LoanParams::default();
        // TS 0.8, 3 hops: 3 % + 0.2 · 5 % + 2 · 1 % = 6 %
        assert_eq!(loan_rate_bps(800_000_000, 3, 0, &p), Some(600));
        // never below the first line's rate
        assert_eq!(loan_rate_bps(800_000_000, 3, 750, &p), Some(750));
        // TS 0 and one hop: 8 %
        assert_eq!(loan_rate_bps(0, 1, 0, &p), Some(800));
        assert_eq!(loan_rate_bps(SCALE, 0, 0, &p), None, "a loan has at least one hop");
    }

    #[test]
    fn thresholds_by_trust_tier() {
        assert_eq!(auto_accept_threshold_bps(SCALE), Some(400));
        assert_eq!(auto_accept_threshold_bps(800_000_000), Some(400));
        assert_eq!(auto_accept_threshold_bps(799_999_999), Some(600));
        assert_eq!(auto_accept_threshold_bps(500_000_000), Some(600));
        assert_eq!(auto_accept_threshold_bps(300_000_000), Some(800));
        assert_eq!(auto_accept_threshold_bps(299_999_999), None);
    }

    #[test]
    fn warrants_of_seed_003_two_intermediaries_40_percent_each() {
        let (w, total) = warrant_sizes(1_000 * ONE_TOKEN, 2, 8_000).unwrap();
        assert_eq!(total, 800 * ONE_TOKEN);
        assert_eq!(&w[..2], &[400 * ONE_TOKEN, 400 * ONE_TOKEN]);
        let (w, total) = warrant_sizes(10, 3, 8_000).unwrap();
        assert_eq!((w[0], w[1], w[2], total), (3, 3, 2, 8));
        assert!(warrant_sizes(10, 6, 8_000).is_none());
    }

    #[test]
    fn interest_split_of_seed_003() {
        // 100 of interest, no fee or insurance, two equal warrants: 50 / 30 / 10 + 10
        let s = split_interest(100, 0, 0, &[400, 400], &LoanParams::default()).unwrap();
        assert_eq!((s.direct, s.end, s.holders[0], s.holders[1]), (50, 30, 10, 10));
        // with the pool's 10 % fee and 5 % insurance on 1,000: 100 + 50, then 425 / 255 / 85+85
        let s = split_interest(1_000, 1_000, 500, &[1, 1], &LoanParams::default()).unwrap();
        assert_eq!((s.fee, s.insurance, s.direct, s.end, s.holders[0], s.holders[1]), (100, 50, 425, 255, 85, 85));
        // a direct loan: the warrant share goes to the (end = direct) creditor
        let s = split_interest(100, 0, 0, &[], &LoanParams::default()).unwrap();
        assert_eq!((s.direct, s.end), (50, 50));
    }

    #[test]
    fn default_claims_warrants_first_by_largest_remainder() {
        // 1,000 unpaid, warrants 400 + 400: both claimed whole, 200 left for insurance and the creditor
        let s = settle_default(1_000, &[400, 400]).unwrap();
        assert_eq!((s.claims[0], s.claims[1], s.from_warrants, s.rest), (400, 400, 800, 200));
        assert_eq!(&s.released[..2], &[0, 0]);
        // 300 unpaid: 150 from each, 250 released each, nothing left
        let s = settle_default(300, &[400, 400]).unwrap();
        assert_eq!((s.claims[0], s.claims[1], s.released[0], s.rest), (150, 150, 250, 0));
        // the review's case: rounding up each share landed one claim two
        // units off; largest remainder keeps each within one unit.
        // 10 over [3, 3, 3]: at most Σw = 9 is claimed, each warrant whole
        let s = settle_default(10, &[3, 3, 3]).unwrap();
        assert_eq!(&s.claims[..3], &[3, 3, 3], "capped at each warrant: 9 claimed, 1 left");
        assert_eq!(s.rest, 1);
        let s = settle_default(5, &[3, 3, 3]).unwrap();
        assert_eq!(&s.claims[..3], &[2, 2, 1], "exact 5/3 each: floors 1,1,1 and two units to the first two");
        // unequal warrants: 7 over [1, 2, 4] (Σ 7) → exactly 1, 2, 4
        let s = settle_default(7, &[1, 2, 4]).unwrap();
        assert_eq!(&s.claims[..3], &[1, 2, 4]);
        // an unlocked warrant (0) pays nothing
        let s = settle_default(100, &[0, 400]).unwrap();
        assert_eq!((s.claims[0], s.claims[1], s.released[1]), (0, 100, 300));
    }

    #[test]
    fn state_machine_allows_only_the_spec_transitions() {
        use LoanState::*;
        let all = [Requested, Approved, Active, Overdue, Defaulted, Settled, Repaid, Closed, Cancelled, Expired];
        let allowed = [
            (Requested, Approved),
            (Requested, Cancelled),
            (Requested, Expired),
            (Approved, Cancelled),
            (Approved, Expired),
            (Approved, Active),
            (Active, Overdue),
            (Active, Repaid),
            (Overdue, Defaulted),
            (Overdue, Repaid),
            (Defaulted, Settled),
            (Defaulted, Repaid),
            (Repaid, Closed),
        ];
        for a in all {
            for b in all {
                assert_eq!(a.can_become(b), allowed.contains(&(a, b)), "{a:?} → {b:?}");
                assert_eq!(a.transition(b).is_ok(), allowed.contains(&(a, b)));
            }
        }
        assert_eq!(Settled.transition(Active), Err((Settled, Active)));
    }

    #[test]
    fn accrual_is_per_whole_day_rounded_up() {
        assert_eq!(accrued_interest(365 * ONE_TOKEN, 1_000, 0, DAY_MS - 1), Some(0));
        assert_eq!(accrued_interest(365 * ONE_TOKEN, 1_000, 0, DAY_MS), Some(ONE_TOKEN / 10));
        assert_eq!(accrued_interest(1, 1, 0, DAY_MS), Some(1), "rounded up");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn interest_split_adds_up_to_the_unit(
            interest in 0u128..=u128::from(u64::MAX),
            fee in 0u32..=2_500, ins in 0u32..=2_500,
            warrants in proptest::collection::vec(0u128..=u128::from(u64::MAX), 0..=5),
        ) {
            let s = split_interest(interest, fee, ins, &warrants, &LoanParams::default()).unwrap();
            prop_assert_eq!(s.total(), Some(interest));
            let net = interest - s.fee - s.insurance;
            prop_assert!(s.direct <= net / 2);
            let to_holders: u128 = s.holders.iter().sum();
            prop_assert!(to_holders <= net / 5);
        }

        #[test]
        fn settlement_conserves_debt_and_warrants(
            unpaid in 0u128..=u128::from(u64::MAX),
            warrants in proptest::collection::vec(0u128..=u128::from(u64::MAX), 0..=5),
        ) {
            let s = settle_default(unpaid, &warrants).unwrap();
            let claims: u128 = s.claims.iter().sum();
            let total_w: u128 = warrants.iter().sum();
            prop_assert_eq!(claims, s.from_warrants);
            prop_assert_eq!(s.from_warrants + s.rest, unpaid);
            prop_assert_eq!(s.from_warrants, unpaid.min(total_w), "warrants first: nothing left over while a warrant is unclaimed");
            for (i, w) in warrants.iter().enumerate() {
                prop_assert_eq!(s.claims[i] + s.released[i], *w);
                // within one unit of the exact pro-rata share claimed · w / Σw
                if total_w > 0 {
                    let (q, r) = crate::fixed::mul_div_rem(s.from_warrants, *w, total_w).unwrap();
                    let ok = s.claims[i] == q || (r > 0 && s.claims[i] == q + 1);
                    prop_assert!(ok, "claim {} = {} is not within one unit of its exact share {} + {}/{}", i, s.claims[i], q, r, total_w);
                }
            }
        }

        #[test]
        fn warrants_add_up_to_the_ratio(amount in 0u128..=u128::from(u64::MAX), k in 1usize..=5, ratio in 0u32..=10_000) {
            let (w, total) = warrant_sizes(amount, k, ratio).unwrap();
            prop_assert_eq!(w.iter().sum::<u128>(), total);
            prop_assert!(total >= amount * u128::from(ratio) / 10_000);
            let (lo, hi) = (w[..k].iter().min().unwrap(), w[..k].iter().max().unwrap());
            prop_assert!(hi - lo <= 1, "equal split");
        }

        /// A policy approves exactly the loans inside every one of its bounds.
        #[test]
        fn a_policy_approves_only_inside_all_its_bounds(
            min_score in 0u8..=100, max_amount in 1u128..=1_000_000, max_term in 1u32..=MAX_TERM_DAYS, min_rate in 0u32..=10_000,
            score in 0u32..=100, amount in 1u128..=2_000_000, term in 1u32..=MAX_TERM_DAYS, rate in 0u32..=10_000,
        ) {
            let p = ApprovalPolicy { min_score, max_amount, max_term_days: max_term, min_rate_bps: min_rate };
            let inside = score >= u32::from(min_score) && amount <= max_amount && term <= max_term && rate >= min_rate;
            prop_assert_eq!(p.check(score, amount, term, rate).approves(), inside);
        }

        #[test]
        fn rate_is_bounded(ts in 0u128..=SCALE, hops in 1u32..=6, first in 0u32..=10_000) {
            let p = LoanParams::default();
            let r = loan_rate_bps(ts, hops, first, &p).unwrap();
            prop_assert!(r >= first && r >= 300);
            prop_assert!(r <= (800 + 500).max(first));
        }
    }
}
