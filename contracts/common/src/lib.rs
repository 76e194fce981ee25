//! DCU shared definitions: units of account, time, and checked fixed-point
//! arithmetic used by every contract and by the `dcu` CLI.
//!
//! This is a plain `no_std` crate, not a contract: it declares no
//! `ink-as-dependency` feature, so `ink_e2e` never tries to build it.
//!
//! # Conventions
//! - Money is a `u128` count of the stablecoin's smallest unit.
//! - Time is the block timestamp in milliseconds (`u64`).
//! - Fractions are basis points (`1 bp = 1/10_000`) or a 10^9 fixed-point
//!   scale ([`fixed::SCALE`]).
//! - Every operation is checked and returns `None` on overflow; the caller maps
//!   it to its contract's `Overflow` error.
#![cfg_attr(not(feature = "std"), no_std)]

pub mod fixed;
pub mod health;
#[cfg(feature = "ink")]
pub mod iface;
#[cfg(any(test, feature = "model"))]
pub mod ledger;
pub mod loan;
pub mod pool;
pub mod trust;
pub mod units;
/// The whole suite as one model for property tests (pool, term loans, warrants).
#[cfg(any(test, feature = "model"))]
pub mod world;

pub use fixed::{mul_div, Rounding};
pub use units::*;
