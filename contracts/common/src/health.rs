//! Community health (seeds 000/001, issue 20): the weighted health score, the
//! circulation, diversity and participation metrics computed from on-chain
//! counters, and the federation's distribution of its budget to the banks
//! below a target health. Integer maths only, every operation checked; no
//! function panics on any input. The choices the seeds leave open are written
//! down in `docs/COMMUNITY.md`.
//!
//! # Terminology
//! - A *metric* is an integer 0..=100 (100 = best).
//! - *Health* is Σ wᵢ·mᵢ over the five metrics with the seed's weights
//!   0.2 / 0.25 / 0.2 / 0.2 / 0.15, held as basis points summing to 10,000,
//!   rounded to the nearest integer (halves up): an integer 0..=100.
//! - *Credit velocity* of an epoch is the principal repaid in it divided by
//!   its average outstanding principal (the time integral of the outstanding
//!   principal over the epoch, divided by the epoch's length), a fixed-point
//!   number in parts per million ([`PPM`]).

use crate::fixed::{mul_div, Rounding};
use crate::Balance;

/// One in parts per million: the scale of [`velocity_ppm`].
pub const PPM: u128 = 1_000_000;
/// The basis points of a whole (the weights sum to it).
pub const BPS: u32 = 10_000;
/// The largest value of a metric and of health.
pub const MAX_METRIC: u8 = 100;

/// The seed's weights in basis points, in the order of [`Metrics`]:
/// economic diversity 0.2, resource circulation 0.25, cooperative
/// participation 0.2, ecological footprint 0.2, knowledge sharing 0.15.
pub const WEIGHTS_BPS: [u32; 5] = [2_000, 2_500, 2_000, 2_000, 1_500];

/// The target health below which a bank receives support *(param 70)*.
pub const DEFAULT_TARGET_HEALTH: u8 = 70;

/// The seed's alert threshold for credit velocity, 0.5, in ppm.
pub const VELOCITY_ALERT_PPM: u128 = 500_000;

/// The velocity (ppm) at which circulation reaches 100: the whole average
/// outstanding repaid once in the epoch. Circulation is linear below it,
/// so the seed's alert threshold (0.5) is circulation 50.
pub const FULL_CIRCULATION_PPM: u128 = PPM;

/// The number of loan purposes ([`Purpose::ALL`](crate::loan::Purpose::ALL)):
/// economic diversity's K.
pub const PURPOSES: usize = crate::loan::Purpose::ALL.len();

/// The default epoch length: 30 days (ms on the pool's clock).
pub const DEFAULT_EPOCH_MS: u64 = 30 * crate::DAY_MS;

/// A credit pool's counters for one epoch (`credit_pool::epoch_stats`); the
/// federation and `dcu` read it. Times are on the pool's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
#[cfg_attr(all(feature = "ink", feature = "std"), derive(ink::storage::traits::StorageLayout))]
pub struct EpochStats {
    /// The epoch's index: `start / epoch_ms`.
    pub epoch: u64,
    /// Its first millisecond.
    pub start: u64,
    /// Its length (ms).
    pub epoch_ms: u64,
    /// Whether it has ended (`start + epoch_ms ≤ now`): its figures are final.
    pub closed: bool,
    /// Principal drawn in it: DCUP draws and term loans opened.
    pub drawn: Balance,
    /// The part of `drawn` opened as term loans, by purpose (index
    /// [`Purpose::index`](crate::loan::Purpose::index)).
    pub purpose_drawn: [Balance; PURPOSES],
    /// ∫ term-loan principal outstanding dt over the epoch, by purpose
    /// (smallest units × ms, to now while open): what economic diversity
    /// weighs (review H1: counted on chain, not attested; a loan counts for
    /// as long as it is out, so opening and returning one at once adds
    /// next to nothing).
    pub purpose_outstanding_ms: [u128; PURPOSES],
    /// Term-loan principal outstanding at its end, by purpose.
    pub purpose_principal_end: [Balance; PURPOSES],
    /// Principal repaid in it: DCUP repayments' principal and term loans'
    /// principal returned (interest, write-offs and settlements excluded).
    pub repaid: Balance,
    /// ∫ outstanding principal dt over the epoch (to now, while open), in
    /// smallest units × ms.
    pub outstanding_ms: u128,
    /// Outstanding principal at its end (now, while open).
    pub principal_end: Balance,
    /// A counter reached `u128::MAX` and stopped there (`drawn`, `repaid` or
    /// `outstanding_ms` saturated: amounts beyond ~3.4·10³⁸ smallest units,
    /// e.g. ~131,000 tokens of a 24-decimal coin outstanding all of a
    /// 30-day epoch). The pool never refuses a money message for a
    /// statistic; the epoch's figures are then a floor, and
    /// [`EpochStats::velocity_ppm`] refuses to make a velocity of them.
    pub saturated: bool,
}

impl EpochStats {
    /// Credit velocity (ppm) of the epoch: repaid ÷ (outstanding_ms ÷
    /// epoch_ms), see [`velocity_ppm`]; a velocity beyond `u128` saturates
    /// at `u128::MAX` (circulation is capped at 100 anyway).
    ///
    /// # Errors
    /// [`HealthError::Overflow`] when the counters are [`saturated`](EpochStats::saturated):
    /// their velocity would be a guess.
    pub fn velocity_ppm(&self) -> Result<u128, HealthError> {
        if self.saturated {
            return Err(HealthError::Overflow);
        }
        Ok(velocity_ppm(self.repaid, self.outstanding_ms, self.epoch_ms).unwrap_or(u128::MAX))
    }

    /// Economic diversity of the epoch: [`diversity`] of the term-loan
    /// principal outstanding over it per purpose
    /// ([`EpochStats::purpose_outstanding_ms`]).
    ///
    /// # Errors
    /// [`HealthError::Overflow`] when the counters are saturated.
    pub fn diversity(&self) -> Result<u8, HealthError> {
        if self.saturated {
            return Err(HealthError::Overflow);
        }
        diversity(&self.purpose_outstanding_ms)
    }
}

/// Why a health computation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
// The codec derive casts variant indices to u8; there are fewer than 256.
#[allow(clippy::cast_possible_truncation)]
pub enum HealthError {
    /// A metric is above 100.
    MetricOutOfRange {
        /// The metric's index in [`Metrics`] order (0 = diversity … 4 = knowledge).
        index: u8,
        /// Its value.
        value: u8,
    },
    /// More active members than eligible ones.
    ActiveAboveEligible,
    /// Diversity needs at least two categories to compare.
    TooFewCategories,
    /// A target health above 100.
    TargetOutOfRange,
    /// Arithmetic overflow (amounts beyond any real economy).
    Overflow,
}

/// The five metrics of the seed's `CommunityHealthMetrics`, each 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ink", ink::scale_derive(Encode, Decode, TypeInfo))]
pub struct Metrics {
    /// Economic diversity: evenness of credit across purposes.
    pub diversity: u8,
    /// Resource circulation: credit velocity, see [`circulation`].
    pub circulation: u8,
    /// Cooperative participation: active ÷ eligible members.
    pub participation: u8,
    /// Ecological footprint (attested; 100 = the lightest footprint).
    pub ecological: u8,
    /// Knowledge sharing (attested).
    pub knowledge: u8,
}

impl Metrics {
    /// The metrics in the order of [`WEIGHTS_BPS`].
    pub fn as_array(&self) -> [u8; 5] {
        [self.diversity, self.circulation, self.participation, self.ecological, self.knowledge]
    }
}

/// The seed's weighted score Σ wᵢ·mᵢ / 10,000, rounded to the nearest
/// integer (halves up), 0..=100.
///
/// # Errors
/// [`HealthError::MetricOutOfRange`] for a metric above 100.
pub fn health(m: &Metrics) -> Result<u8, HealthError> {
    let mut sum: u32 = 0;
    for (i, (v, w)) in m.as_array().iter().zip(WEIGHTS_BPS.iter()).enumerate() {
        if *v > MAX_METRIC {
            return Err(HealthError::MetricOutOfRange { index: u8::try_from(i).unwrap_or(u8::MAX), value: *v });
        }
        sum = u32::from(*v).checked_mul(*w).and_then(|x| sum.checked_add(x)).ok_or(HealthError::Overflow)?;
    }
    // Round half up: (sum + 5,000) / 10,000; at most 100 as Σw = 10,000.
    let h = sum.checked_add(BPS / 2).ok_or(HealthError::Overflow)?.checked_div(BPS).ok_or(HealthError::Overflow)?;
    u8::try_from(h).map_err(|_| HealthError::Overflow)
}

/// Credit velocity in ppm: `repaid · epoch_ms · 10^6 / outstanding_ms`, where
/// `outstanding_ms` is the epoch's time-weighted outstanding principal
/// (principal × milliseconds) — i.e. repaid ÷ (outstanding_ms ÷ epoch_ms).
/// Rounded down. Nothing repaid, or nothing outstanding over time: 0 — a
/// draw repaid in the same block turns nothing over (the pool does not
/// even credit it as repaid, see `docs/COMMUNITY.md`), so it can never make
/// an idle pool's circulation full.
///
/// # Errors
/// [`HealthError::Overflow`] when the velocity does not fit in `u128`.
pub fn velocity_ppm(repaid: Balance, outstanding_ms: u128, epoch_ms: u64) -> Result<u128, HealthError> {
    if repaid == 0 || epoch_ms == 0 || outstanding_ms == 0 {
        return Ok(0);
    }
    let scaled = u128::from(epoch_ms).checked_mul(PPM).ok_or(HealthError::Overflow)?;
    mul_div(repaid, scaled, outstanding_ms, Rounding::Down).ok_or(HealthError::Overflow)
}

/// Resource circulation 0..=100 from a velocity in ppm: linear, 100 at one
/// whole turnover of the average outstanding per epoch and above, rounded
/// down (velocity 0.5 → 50, 0.499999 → 49).
pub fn circulation(velocity_ppm: u128) -> u8 {
    let capped = velocity_ppm.min(FULL_CIRCULATION_PPM);
    // capped ≤ 10^6, so capped · 100 / 10^6 ≤ 100.
    let c = capped.saturating_mul(100).checked_div(FULL_CIRCULATION_PPM).unwrap_or(0);
    u8::try_from(c).unwrap_or(MAX_METRIC)
}

/// Cooperative participation 0..=100: `active · 100 / eligible`, rounded
/// down; no eligible members: 0.
///
/// # Errors
/// [`HealthError::ActiveAboveEligible`].
pub fn participation(active: u32, eligible: u32) -> Result<u8, HealthError> {
    if active > eligible {
        return Err(HealthError::ActiveAboveEligible);
    }
    if eligible == 0 {
        return Ok(0);
    }
    let p = u64::from(active).saturating_mul(100).checked_div(u64::from(eligible)).unwrap_or(0);
    u8::try_from(p).map_err(|_| HealthError::Overflow)
}

/// Economic diversity 0..=100: the normalized Gini–Simpson evenness of the
/// credit `volumes` across `volumes.len()` = K categories (purposes),
/// `(1 − Σ sᵢ²) / (1 − 1/K)` with sᵢ each category's share, scaled to 100
/// and rounded down. Every category equal: 100; everything in one
/// category, or no credit at all: 0. Rounded to the nearest integer
/// (halves up). Shares are taken in ppm first so that no amount overflows.
///
/// # Errors
/// [`HealthError::TooFewCategories`] for K < 2, [`HealthError::Overflow`].
pub fn diversity(volumes: &[Balance]) -> Result<u8, HealthError> {
    let k = u128::try_from(volumes.len()).map_err(|_| HealthError::Overflow)?;
    if k < 2 {
        return Err(HealthError::TooFewCategories);
    }
    let total = volumes.iter().try_fold(0u128, |a, v| a.checked_add(*v)).ok_or(HealthError::Overflow)?;
    if total == 0 {
        return Ok(0);
    }
    // Shares in ppm (rounded down), then S = Σ shares (≈ 10^6) as the whole.
    let (mut s, mut sq) = (0u128, 0u128);
    for v in volumes {
        let share = mul_div(*v, PPM, total, Rounding::Down).ok_or(HealthError::Overflow)?;
        s = s.checked_add(share).ok_or(HealthError::Overflow)?;
        sq = share.checked_mul(share).and_then(|x| sq.checked_add(x)).ok_or(HealthError::Overflow)?;
    }
    let s2 = s.checked_mul(s).ok_or(HealthError::Overflow)?;
    if s2 == 0 {
        return Ok(0);
    }
    // 100 · K · (S² − Σs²) / ((K − 1) · S²); S² − Σs² ≥ 0 as Σs² ≤ (Σs)².
    let gini = s2.checked_sub(sq).ok_or(HealthError::Overflow)?;
    let num = gini.checked_mul(k).and_then(|x| x.checked_mul(100)).ok_or(HealthError::Overflow)?;
    let den = s2.checked_mul(k.checked_sub(1).ok_or(HealthError::Overflow)?).ok_or(HealthError::Overflow)?;
    let d = num.checked_add(den / 2).ok_or(HealthError::Overflow)?.checked_div(den).ok_or(HealthError::Overflow)?;
    Ok(u8::try_from(d.min(100)).unwrap_or(MAX_METRIC))
}

/// The federation's distribution of `budget` among banks with health
/// `healths[i]`: banks at or above `target` get nothing; the others share
/// the whole budget in proportion to their shortfall `target − health`,
/// each rounded down, and the remainder (fewer units than there are banks
/// below target) goes one unit at a time to the largest shortfalls first,
/// ties to the lower index — so the sum is exactly `budget` when any bank
/// is below target, and 0 otherwise. Returns the payouts written into
/// `out[..healths.len()]` (`out` must be at least as long) and the total
/// paid.
///
/// # Errors
/// [`HealthError::TargetOutOfRange`], [`HealthError::MetricOutOfRange`]
/// (a health above 100), [`HealthError::Overflow`] (`out` too short).
pub fn distribute(budget: Balance, target: u8, healths: &[u8], out: &mut [Balance]) -> Result<Balance, HealthError> {
    if target > MAX_METRIC {
        return Err(HealthError::TargetOutOfRange);
    }
    let out = out.get_mut(..healths.len()).ok_or(HealthError::Overflow)?;
    let mut total_shortfall: u128 = 0;
    for (i, h) in healths.iter().enumerate() {
        if *h > MAX_METRIC {
            return Err(HealthError::MetricOutOfRange { index: u8::try_from(i).unwrap_or(u8::MAX), value: *h });
        }
        total_shortfall = total_shortfall.checked_add(u128::from(target.saturating_sub(*h))).ok_or(HealthError::Overflow)?;
    }
    for o in out.iter_mut() {
        *o = 0;
    }
    if total_shortfall == 0 || budget == 0 {
        return Ok(0);
    }
    let mut paid: u128 = 0;
    for (h, o) in healths.iter().zip(out.iter_mut()) {
        let shortfall = u128::from(target.saturating_sub(*h));
        // Rounded down: the remainder is handed out below, never created.
        *o = mul_div(budget, shortfall, total_shortfall, Rounding::Down).ok_or(HealthError::Overflow)?;
        paid = paid.checked_add(*o).ok_or(HealthError::Overflow)?;
    }
    // Fewer than (banks below target) units are left; give them one each to
    // the largest shortfalls (ties: lower index). Shortfalls are 1..=100, so
    // walking them from 100 down visits each bank once, in that order.
    let mut left = budget.checked_sub(paid).ok_or(HealthError::Overflow)?;
    let mut level: u8 = MAX_METRIC;
    while left > 0 && level > 0 {
        for (h, o) in healths.iter().zip(out.iter_mut()) {
            if left > 0 && target.saturating_sub(*h) == level {
                *o = o.checked_add(1).ok_or(HealthError::Overflow)?;
                left = left.saturating_sub(1);
            }
        }
        level = level.saturating_sub(1);
    }
    budget.checked_sub(left).ok_or(HealthError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The seed's formula in f64, verbatim.
    fn seed_health(m: &Metrics) -> f64 {
        f64::from(m.diversity) * 0.2
            + f64::from(m.circulation) * 0.25
            + f64::from(m.participation) * 0.2
            + f64::from(m.ecological) * 0.2
            + f64::from(m.knowledge) * 0.15
    }

    fn metrics(a: [u8; 5]) -> Metrics {
        Metrics { diversity: a[0], circulation: a[1], participation: a[2], ecological: a[3], knowledge: a[4] }
    }

    #[test]
    fn weights_sum_to_one_and_match_the_seed() {
        assert_eq!(WEIGHTS_BPS.iter().sum::<u32>(), BPS);
        let seed = [0.2, 0.25, 0.2, 0.2, 0.15];
        for (w, s) in WEIGHTS_BPS.iter().zip(seed) {
            assert_eq!(f64::from(*w) / 10_000.0, s);
        }
    }

    #[test]
    fn health_at_its_bounds() {
        assert_eq!(health(&metrics([0; 5])), Ok(0));
        assert_eq!(health(&metrics([100; 5])), Ok(100));
        assert_eq!(health(&metrics([70; 5])), Ok(70));
        // Each metric alone at 100 gives its weight.
        assert_eq!(health(&metrics([100, 0, 0, 0, 0])), Ok(20));
        assert_eq!(health(&metrics([0, 100, 0, 0, 0])), Ok(25));
        assert_eq!(health(&metrics([0, 0, 0, 0, 100])), Ok(15));
        // 0.25·1 + 0.15·1 = 0.4 → 0; 0.25·2 = 0.5 → 1 (halves up).
        assert_eq!(health(&metrics([0, 1, 0, 0, 1])), Ok(0));
        assert_eq!(health(&metrics([0, 2, 0, 0, 0])), Ok(1));
    }

    #[test]
    fn health_metric_above_100_is_refused() {
        assert_eq!(health(&metrics([0, 0, 101, 0, 0])), Err(HealthError::MetricOutOfRange { index: 2, value: 101 }));
        assert_eq!(health(&metrics([255; 5])), Err(HealthError::MetricOutOfRange { index: 0, value: 255 }));
    }

    #[test]
    fn velocity_of_an_epoch() {
        let e = 30 * crate::DAY_MS;
        // 1,000 outstanding all epoch, 500 repaid: velocity 0.5.
        assert_eq!(velocity_ppm(500, 1_000 * u128::from(e), e), Ok(500_000));
        // 1,000 outstanding for half the epoch: average 500, 500 repaid → 1.0.
        assert_eq!(velocity_ppm(500, 1_000 * u128::from(e / 2), e), Ok(1_000_000));
        assert_eq!(velocity_ppm(0, 1_000, e), Ok(0));
        assert_eq!(velocity_ppm(0, 0, e), Ok(0));
        assert_eq!(velocity_ppm(10, 0, e), Ok(0));
        // Huge amounts: the 256-bit intermediate keeps it exact.
        assert_eq!(velocity_ppm(u128::MAX / 2, u128::MAX, 2), Ok(999_999));
        assert_eq!(velocity_ppm(u128::MAX, 1, u64::MAX), Err(HealthError::Overflow));
    }

    /// Review M1: something repaid with nothing outstanding over time (a
    /// draw repaid in the same block) is no turnover at all — velocity 0,
    /// circulation 0 — never a full one.
    #[test]
    fn nothing_outstanding_over_time_is_no_circulation() {
        let e = 30 * crate::DAY_MS;
        assert_eq!(velocity_ppm(1, 0, e), Ok(0));
        assert_eq!(velocity_ppm(u128::MAX, 0, e), Ok(0));
        let s = EpochStats { epoch_ms: e, repaid: 1, drawn: 1, closed: true, ..EpochStats::default() };
        assert_eq!(s.velocity_ppm().map(circulation), Ok(0));
    }

    /// Review M2: a velocity beyond u128 saturates (circulation 100), it
    /// never makes the federation's computation fail; saturated counters
    /// (review H2) give no velocity at all.
    #[test]
    fn epoch_velocity_saturates_and_saturated_counters_give_none() {
        let s = EpochStats { epoch_ms: u64::MAX, repaid: u128::MAX, outstanding_ms: 1, ..EpochStats::default() };
        assert_eq!(velocity_ppm(s.repaid, s.outstanding_ms, s.epoch_ms), Err(HealthError::Overflow));
        assert_eq!(s.velocity_ppm(), Ok(u128::MAX));
        assert_eq!(circulation(s.velocity_ppm().unwrap()), 100);
        let sat = EpochStats { saturated: true, epoch_ms: 1_000, repaid: 5, outstanding_ms: u128::MAX, ..EpochStats::default() };
        assert_eq!(sat.velocity_ppm(), Err(HealthError::Overflow));
    }

    #[test]
    fn circulation_at_the_seed_threshold() {
        assert_eq!(circulation(0), 0);
        assert_eq!(circulation(499_999), 49);
        assert_eq!(circulation(VELOCITY_ALERT_PPM), 50);
        assert_eq!(circulation(1_000_000), 100);
        assert_eq!(circulation(u128::MAX), 100);
    }

    #[test]
    fn participation_bounds() {
        assert_eq!(participation(0, 0), Ok(0));
        assert_eq!(participation(0, 10), Ok(0));
        assert_eq!(participation(10, 10), Ok(100));
        assert_eq!(participation(1, 3), Ok(33));
        assert_eq!(participation(u32::MAX, u32::MAX), Ok(100));
        assert_eq!(participation(11, 10), Err(HealthError::ActiveAboveEligible));
    }

    #[test]
    fn diversity_bounds() {
        assert_eq!(diversity(&[5, 5, 5, 5, 5]), Ok(100));
        assert_eq!(diversity(&[7, 0, 0, 0, 0]), Ok(0));
        assert_eq!(diversity(&[0; 5]), Ok(0));
        // Two of two categories equal: 100; 3:1 → (1 − 10/16)·2 = 0.75.
        assert_eq!(diversity(&[1, 1]), Ok(100));
        assert_eq!(diversity(&[3, 1]), Ok(75));
        assert_eq!(diversity(&[u128::MAX, u128::MAX]), Err(HealthError::Overflow));
        assert_eq!(diversity(&[u128::MAX / 2, u128::MAX / 2]), Ok(100));
        assert_eq!(diversity(&[1]), Err(HealthError::TooFewCategories));
        assert_eq!(diversity(&[]), Err(HealthError::TooFewCategories));
    }

    #[test]
    fn distribute_examples() {
        let mut out = [0u128; 4];
        // Shortfalls 10, 30, 0, 0 of 40: 1,000 → 250, 750.
        assert_eq!(distribute(1_000, 70, &[60, 40, 70, 95], &mut out), Ok(1_000));
        assert_eq!(out, [250, 750, 0, 0]);
        // Shortfalls 1, 1, 1: 100 → 33 each and the last unit to the first (tie, lower index).
        assert_eq!(distribute(100, 70, &[69, 69, 69, 80], &mut out), Ok(100));
        assert_eq!(out, [34, 33, 33, 0]);
        // Shortfalls 1, 2: 2 → 0 + 1 rounded down, then 1 to the largest.
        assert_eq!(distribute(2, 70, &[69, 68], &mut out[..2]), Ok(2));
        assert_eq!(out[..2], [0, 2]);
        // Everyone at or above target: nothing paid.
        assert_eq!(distribute(1_000, 70, &[70, 100], &mut out), Ok(0));
        assert_eq!(out[..2], [0, 0]);
        assert_eq!(distribute(1_000, 101, &[0], &mut out), Err(HealthError::TargetOutOfRange));
        assert_eq!(distribute(1_000, 70, &[101], &mut out), Err(HealthError::MetricOutOfRange { index: 0, value: 101 }));
        assert_eq!(distribute(1_000, 70, &[1, 2], &mut out[..1]), Err(HealthError::Overflow));
        assert_eq!(distribute(u128::MAX, 100, &[0, 0, 0], &mut out), Ok(u128::MAX));
    }

    proptest! {
        #[test]
        fn health_within_one_of_the_seed_formula(a in proptest::array::uniform5(0u8..=100)) {
            let m = metrics(a);
            let h = health(&m).unwrap();
            prop_assert!((f64::from(h) - seed_health(&m)).abs() <= 0.5 + 1e-9, "{h} vs {}", seed_health(&m));
            prop_assert!(h <= 100);
        }

        #[test]
        fn velocity_within_one_ppm_of_f64(repaid in 0u128..1u128 << 80, avg in 1u128..1u128 << 80, days in 1u64..=90) {
            let e = days * crate::DAY_MS;
            let v = velocity_ppm(repaid, avg * u128::from(e), e).unwrap();
            let reference = repaid as f64 / avg as f64 * 1e6;
            prop_assert!((v as f64 - reference).abs() <= 1.0 + reference * 1e-12, "{v} vs {reference}");
        }

        #[test]
        fn diversity_within_one_of_f64(v in proptest::collection::vec(0u128..1u128 << 100, 2..8)) {
            let d = diversity(&v).unwrap();
            prop_assert!(d <= 100);
            let total: f64 = v.iter().map(|x| *x as f64).sum();
            if total == 0.0 {
                prop_assert_eq!(d, 0);
            } else {
                let k = v.len() as f64;
                let hhi: f64 = v.iter().map(|x| (*x as f64 / total).powi(2)).sum();
                let reference = (1.0 - hhi) / (1.0 - 1.0 / k) * 100.0;
                prop_assert!((f64::from(d) - reference).abs() <= 1.0, "{d} vs {reference}");
            }
        }

        #[test]
        fn participation_within_one_of_f64(active in 0u32..=1_000_000, extra in 0u32..=1_000_000) {
            let eligible = active + extra;
            let p = participation(active, eligible).unwrap();
            prop_assert!(p <= 100);
            if eligible > 0 {
                let reference = f64::from(active) / f64::from(eligible) * 100.0;
                prop_assert!((f64::from(p) - reference).abs() < 1.0);
            }
        }

        #[test]
        fn distribute_conserves_pays_below_target_and_is_proportional(
            budget in 0u128..1u128 << 100,
            target in 0u8..=100,
            healths in proptest::collection::vec(0u8..=100, 0..25),
        ) {
            let mut out = vec![0u128; healths.len()];
            let paid = distribute(budget, target, &healths, &mut out).unwrap();
            let any_below = healths.iter().any(|h| *h < target);
            prop_assert_eq!(paid, out.iter().sum::<u128>());
            if any_below {
                prop_assert_eq!(paid, budget, "the whole budget, to the unit");
            } else {
                prop_assert_eq!(paid, 0);
            }
            let total: u128 = healths.iter().map(|h| u128::from(target.saturating_sub(*h))).sum();
            for (h, o) in healths.iter().zip(&out) {
                if *h >= target {
                    prop_assert_eq!(*o, 0, "a bank at or above target is paid nothing");
                } else {
                    // Within one unit of budget · shortfall / Σ shortfall (exact rational).
                    let s = u128::from(target - *h);
                    let exact_floor = mul_div(budget, s, total, Rounding::Down).unwrap();
                    prop_assert!(*o == exact_floor || *o == exact_floor + 1, "{o} vs ⌊{exact_floor}⌋");
                }
            }
            // A larger shortfall never receives less.
            for (i, a) in healths.iter().enumerate() {
                for (j, b) in healths.iter().enumerate() {
                    if a < b && *b <= target {
                        prop_assert!(out[i] >= out[j], "shortfall order kept: {i} {j}");
                    }
                }
            }
        }
    }
}
