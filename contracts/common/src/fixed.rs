//! Checked fixed-point helpers.
//!
//! `mul_div` computes `a · b / d` exactly through a 256-bit intermediate, so
//! pro-rata shares never lose precision to an early division and never
//! overflow where the true result fits in `u128`.

/// Scale of the 10^9 fixed-point numbers used for scores (1.0 = `SCALE`).
pub const SCALE: u128 = 1_000_000_000;

/// Which way a division rounds. Protocol maths rounds in the protocol's
/// favour: amounts paid out round down, amounts owed round up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Towards zero.
    Down,
    /// Away from zero.
    Up,
}

/// `a · b / d` with a 256-bit intermediate; `None` if `d == 0` or the result
/// does not fit in `u128`.
pub fn mul_div(a: u128, b: u128, d: u128, rounding: Rounding) -> Option<u128> {
    if d == 0 {
        return None;
    }
    let (hi, lo) = widening_mul(a, b);
    let (q, r) = div_wide(hi, lo, d)?;
    match rounding {
        Rounding::Down => Some(q),
        Rounding::Up if r == 0 => Some(q),
        Rounding::Up => q.checked_add(1),
    }
}

/// `a · b / d` as (quotient, remainder) with a 256-bit intermediate; `None`
/// if `d == 0` or the quotient does not fit in `u128`.
pub fn mul_div_rem(a: u128, b: u128, d: u128) -> Option<(u128, u128)> {
    if d == 0 {
        return None;
    }
    let (hi, lo) = widening_mul(a, b);
    div_wide(hi, lo, d)
}

/// Full 256-bit product of two u128 as (high, low).
fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a_hi, a_lo) = (a >> 64, a & MASK);
    let (b_hi, b_lo) = (b >> 64, b & MASK);
    // Each partial product of two 64-bit halves fits in u128.
    let ll = a_lo.wrapping_mul(b_lo);
    let lh = a_lo.wrapping_mul(b_hi);
    let hl = a_hi.wrapping_mul(b_lo);
    let hh = a_hi.wrapping_mul(b_hi);
    // Sum of the middle terms with carries; wrapping is intended and every
    // carry is accounted for explicitly.
    let mid = (ll >> 64).wrapping_add(lh & MASK).wrapping_add(hl & MASK);
    let lo = (ll & MASK) | (mid << 64);
    let hi = hh
        .wrapping_add(lh >> 64)
        .wrapping_add(hl >> 64)
        .wrapping_add(mid >> 64);
    (hi, lo)
}

/// (hi·2^128 + lo) / d as (quotient, remainder); `None` if the quotient
/// overflows u128. Bitwise long division: 128 iterations, no allocation.
fn div_wide(hi: u128, lo: u128, d: u128) -> Option<(u128, u128)> {
    if hi == 0 {
        return Some((lo.checked_div(d)?, lo.checked_rem(d)?));
    }
    if hi >= d {
        return None;
    }
    let mut rem = hi;
    let mut quo: u128 = 0;
    for i in (0..128u32).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((lo >> i) & 1);
        quo <<= 1;
        if carry == 1 || rem >= d {
            // Wrapping is intended: when carry is set the true remainder is
            // rem + 2^128 and the difference fits in u128.
            rem = rem.wrapping_sub(d);
            quo |= 1;
        }
    }
    Some((quo, rem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mul_div_simple_cases() {
        assert_eq!(mul_div(10, 20, 3, Rounding::Down), Some(66));
        assert_eq!(mul_div(10, 20, 3, Rounding::Up), Some(67));
        assert_eq!(mul_div(10, 20, 0, Rounding::Down), None);
        assert_eq!(mul_div(u128::MAX, u128::MAX, u128::MAX, Rounding::Down), Some(u128::MAX));
        assert_eq!(mul_div(u128::MAX, 2, 1, Rounding::Down), None);
        assert_eq!(mul_div(u128::MAX, u128::MAX, u128::MAX, Rounding::Up), Some(u128::MAX));
    }

    proptest! {
        #[test]
        fn mul_div_matches_u128_when_product_fits(a in any::<u64>(), b in any::<u64>(), d in 1u128..) {
            let p = (a as u128) * (b as u128);
            prop_assert_eq!(mul_div(a as u128, b as u128, d, Rounding::Down), Some(p / d));
            let up = p / d + if p % d == 0 { 0 } else { 1 };
            prop_assert_eq!(mul_div(a as u128, b as u128, d, Rounding::Up), Some(up));
        }

        #[test]
        fn mul_div_inverts_multiplication(a in any::<u128>(), b in 1u128..) {
            prop_assert_eq!(mul_div(a, b, b, Rounding::Down), Some(a));
        }

        #[test]
        fn mul_div_large_operands_consistent(a in any::<u128>(), b in any::<u128>(), d in 1u128..) {
            // q·d + r = a·b, checked in 256-bit space via widening_mul.
            if let Some(q) = mul_div(a, b, d, Rounding::Down) {
                let (phi, plo) = widening_mul(a, b);
                let (qhi, qlo) = widening_mul(q, d);
                // a·b − q·d must be < d and ≥ 0.
                let (rlo, borrow) = plo.overflowing_sub(qlo);
                let rhi = phi.wrapping_sub(qhi).wrapping_sub(borrow as u128);
                prop_assert_eq!(rhi, 0);
                prop_assert!(rlo < d);
            } else {
                let (phi, _) = widening_mul(a, b);
                prop_assert!(phi >= d);
            }
        }
    }
}
