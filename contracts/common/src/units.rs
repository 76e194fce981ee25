//! Units of account and time.

/// Balance of the stablecoin, in its smallest unit.
pub type Balance = u128;
/// Block timestamp in milliseconds.
pub type Timestamp = u64;
/// A fraction in basis points (10_000 = 100 %).
pub type Bps = u32;

/// Number of decimals of the DCU local stablecoin (like USDC).
pub const TOKEN_DECIMALS: u8 = 6;
/// One whole token in smallest units (10^6).
pub const ONE_TOKEN: Balance = 1_000_000;
/// 100 % in basis points.
pub const BPS_DENOMINATOR: Bps = 10_000;
/// One second in milliseconds.
pub const SECOND_MS: Timestamp = 1_000;
/// One day in milliseconds.
pub const DAY_MS: Timestamp = 86_400_000;
/// Days per year used for daily interest (`daily = principal · rate / 365`).
pub const DAYS_PER_YEAR: u64 = 365;

/// Most decimals a stablecoin may have: its whole unit 10^24 keeps every
/// amount range (up to 10^9 whole tokens) and product with a 10^9 fixed
/// point scale inside u128.
pub const MAX_DECIMALS: u8 = 24;

/// One whole token of a coin with `decimals` decimals (10^decimals), `None`
/// above [`MAX_DECIMALS`]. The suite's amounts (MAX_CREDIT, MIN_LINE, BASE,
/// the anchoring stake) are whole tokens times this unit.
pub const fn unit_of(decimals: u8) -> Option<Balance> {
    if decimals > MAX_DECIMALS {
        return None;
    }
    10u128.checked_pow(decimals as u32)
}

/// `amount` whole tokens in smallest units, `None` on overflow.
pub const fn tokens(amount: u128) -> Option<Balance> {
    amount.checked_mul(ONE_TOKEN)
}

/// `days` days in milliseconds, `None` on overflow.
pub const fn days(days: u64) -> Option<Timestamp> {
    days.checked_mul(DAY_MS)
}

/// Whole days elapsed from `from` to `to` (0 when `to <= from`).
pub const fn whole_days_between(from: Timestamp, to: Timestamp) -> u64 {
    // Cannot underflow: saturating_sub floors at zero, DAY_MS is non-zero.
    match to.saturating_sub(from).checked_div(DAY_MS) {
        Some(d) => d,
        None => 0,
    }
}

/// `value · bps / 10_000`, rounded down, `None` on overflow.
pub fn apply_bps(value: Balance, bps: Bps) -> Option<Balance> {
    crate::fixed::mul_div(value, bps as u128, BPS_DENOMINATOR as u128, crate::Rounding::Down)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_is_ten_to_the_decimals_up_to_the_maximum() {
        assert_eq!(unit_of(TOKEN_DECIMALS), Some(ONE_TOKEN));
        assert_eq!(unit_of(0), Some(1));
        assert_eq!(unit_of(18), Some(1_000_000_000_000_000_000));
        assert_eq!(unit_of(MAX_DECIMALS), Some(10u128.pow(24)));
        assert_eq!(unit_of(MAX_DECIMALS + 1), None);
        assert_eq!(unit_of(255), None);
    }

    #[test]
    fn tokens_scales_by_decimals() {
        assert_eq!(tokens(100), Some(100_000_000));
        assert_eq!(tokens(u128::MAX), None);
        assert_eq!(10u128.pow(TOKEN_DECIMALS as u32), ONE_TOKEN);
    }

    #[test]
    fn days_and_whole_days_between() {
        assert_eq!(days(90), Some(7_776_000_000));
        assert_eq!(days(u64::MAX), None);
        assert_eq!(whole_days_between(0, DAY_MS - 1), 0);
        assert_eq!(whole_days_between(0, DAY_MS), 1);
        assert_eq!(whole_days_between(5, 0), 0);
    }

    #[test]
    fn apply_bps_rounds_down() {
        assert_eq!(apply_bps(1_000, 1_000), Some(100));
        assert_eq!(apply_bps(999, 1), Some(0));
        assert_eq!(apply_bps(u128::MAX, 10_000), Some(u128::MAX));
    }
}
