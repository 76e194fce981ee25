//! Stand-ins for the federation's cross-contract calls in unit tests (the
//! off-chain environment cannot call other contracts): the shared PSP22
//! ledger of `dcu_common::ledger` (allowance checked before balance, as
//! `psp22` does) and, per pool, the epoch counters it answers and the
//! insurance reserve `fund_insurance` pulls into (with the pool's own
//! allowance check). A test may make one pool refuse or fail.

use crate::federation::{Error, Result};
use dcu_common::health::EpochStats;
use dcu_common::ledger::{Ledger, LedgerError};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use psp22::PSP22Error;
use std::cell::RefCell;
use std::collections::BTreeMap;

type Balance = u128;

#[derive(Default)]
struct State {
    ledger: Ledger<AccountId>,
    /// (pool, epoch) → counters; absent: zeros, open.
    stats: BTreeMap<(AccountId, u64), EpochStats>,
    /// Each pool's insurance reserve, as `fund_insurance` raised it.
    insurance: BTreeMap<AccountId, Balance>,
    /// This pool refuses `fund_insurance` with these bytes.
    refuses: BTreeMap<AccountId, Vec<u8>>,
    /// Calls to this pool fail.
    fails: Option<AccountId>,
    /// `fund_insurance` calls, in order: (pool, amount).
    funded: Vec<(AccountId, Balance)>,
    /// A pool's clock `now`; absent: the end of the latest epoch it reports
    /// closed (0 before any) — a pool that reports an epoch closed is past it.
    now: BTreeMap<AccountId, u64>,
    /// A pool's epoch length; absent: 30 days.
    epoch_ms: BTreeMap<AccountId, u64>,
    /// A pool's stablecoin; absent: [`TOKEN`].
    tokens: BTreeMap<AccountId, AccountId>,
    /// A pool's code hash; absent: [`POOL_CODE`].
    code: BTreeMap<AccountId, [u8; 32]>,
    /// Calls into pools (clock, clock_rate, epoch_stats, token, fund_insurance).
    pool_calls: u32,
    /// A pool's clock rate; absent: 1.
    rates: BTreeMap<AccountId, u64>,
    /// What a pool's `clock()` adds to its true time (a lying pool).
    skew: BTreeMap<AccountId, u64>,
}

/// The code every test pool runs unless a test replaces it.
pub const POOL_CODE: [u8; 32] = [0xC0; 32];

/// The stablecoin the tests' federation runs on (`tests::TOKEN`).
const TOKEN: [u8; 32] = [0xA4; 32];

impl State {
    fn epoch_ms(&self, pool: AccountId) -> u64 {
        self.epoch_ms.get(&pool).copied().unwrap_or(dcu_common::health::DEFAULT_EPOCH_MS)
    }
    fn now(&self, pool: AccountId) -> u64 {
        self.now.get(&pool).copied().unwrap_or_else(|| {
            let ms = self.epoch_ms(pool);
            self.stats.iter().filter(|((p, _), st)| *p == pool && st.closed).map(|((_, e), _)| (e + 1) * ms).max().unwrap_or(0)
        })
    }
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

fn me() -> AccountId {
    ink::env::account_id::<Env>()
}

fn token_error(e: LedgerError) -> Error {
    match e {
        LedgerError::InsufficientBalance => Error::Token(PSP22Error::InsufficientBalance),
        LedgerError::InsufficientAllowance => Error::Token(PSP22Error::InsufficientAllowance),
        LedgerError::Overflow => Error::Overflow,
    }
}

// --- the `ext` interface ---------------------------------------------------

pub fn pull(_token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
    let spender = me();
    with(|s| s.ledger.transfer_from(from, spender, spender, amount)).map_err(token_error)
}

pub fn treasury(_token: AccountId) -> Result<Balance> {
    let fed = me();
    Ok(with(|s| s.ledger.balance(fed)))
}

pub fn epoch_stats(bank: u32, pool: AccountId, epoch: u64) -> Result<EpochStats> {
    with(|s| s.pool_calls += 1);
    with(|s| {
        if s.fails == Some(pool) {
            return Err(Error::PoolCallFailed { bank });
        }
        let ms = s.epoch_ms(pool);
        let closed = (epoch + 1).saturating_mul(ms) <= s.now(pool);
        Ok(s.stats.get(&(pool, epoch)).copied().unwrap_or(EpochStats { epoch, epoch_ms: ms, closed, ..EpochStats::default() }))
    })
}

pub fn clock(bank: u32, pool: AccountId) -> Result<(u64, u64)> {
    with(|s| s.pool_calls += 1);
    with(|s| if s.fails == Some(pool) { Err(Error::PoolCallFailed { bank }) } else { Ok((s.now(pool) + s.skew.get(&pool).copied().unwrap_or(0), s.epoch_ms(pool))) })
}

pub fn clock_rate(bank: u32, pool: AccountId) -> Result<u64> {
    with(|s| s.pool_calls += 1);
    with(|s| if s.fails == Some(pool) { Err(Error::PoolCallFailed { bank }) } else { Ok(s.rates.get(&pool).copied().unwrap_or(1)) })
}

/// The pool's time as the federation computes it (block time × rate in the
/// contract): here the pool's mock clock, so that tests move each pool's
/// time on its own.
pub fn pool_now(pool: AccountId, _rate: u64) -> u64 {
    with(|s| s.now(pool))
}

pub fn code_hash(bank: u32, pool: AccountId) -> Result<ink::primitives::Hash> {
    with(|s| if s.fails == Some(pool) { Err(Error::PoolCallFailed { bank }) } else { Ok(s.code.get(&pool).copied().unwrap_or(POOL_CODE).into()) })
}

pub fn pool_token(bank: u32, pool: AccountId) -> Result<AccountId> {
    with(|s| s.pool_calls += 1);
    with(|s| if s.fails == Some(pool) { Err(Error::PoolCallFailed { bank }) } else { Ok(s.tokens.get(&pool).copied().unwrap_or(AccountId::from(TOKEN))) })
}

pub fn fund_pool(_token: AccountId, bank: u32, pool: AccountId, amount: Balance) -> Result<()> {
    with(|s| s.pool_calls += 1);
    let fed = me();
    with(|s| {
        s.ledger.approve(fed, pool, amount);
        if s.fails == Some(pool) {
            return Err(Error::PoolCallFailed { bank });
        }
        if let Some(error) = s.refuses.get(&pool) {
            return Err(Error::PoolRefused { bank, error: error.clone() });
        }
        s.ledger.transfer_from(fed, pool, pool, amount).map_err(token_error)?;
        *s.insurance.entry(pool).or_default() += amount;
        s.funded.push((pool, amount));
        Ok(())
    })
}

// --- test controls ---------------------------------------------------------

/// `pool` reports clock rate `rate`.
pub fn set_rate(pool: AccountId, rate: u64) {
    with(|s| s.rates.insert(pool, rate));
}

/// `pool`'s `clock()` answers `skew` ms ahead of its true time.
pub fn set_skew(pool: AccountId, skew: u64) {
    with(|s| s.skew.insert(pool, skew));
}

/// Calls made into pools so far.
pub fn pool_calls() -> u32 {
    with(|s| s.pool_calls)
}

/// Forgets everything.
pub fn reset() {
    with(|s| *s = State::default());
}

/// Gives `who` `amount` tokens and approves `spender` for them.
pub fn fund(who: AccountId, spender: AccountId, amount: Balance) {
    with(|s| s.ledger.fund(who, spender, amount));
}

/// Moves tokens outside the federation (a plain transfer).
pub fn transfer(from: AccountId, to: AccountId, amount: Balance) {
    with(|s| s.ledger.transfer(from, to, amount)).expect("test transfer");
}

/// `who`'s balance.
pub fn balance(who: AccountId) -> Balance {
    with(|s| s.ledger.balance(who))
}

/// The pool answers `stats` for `stats.epoch`.
pub fn set_stats(pool: AccountId, stats: EpochStats) {
    with(|s| s.stats.insert((pool, stats.epoch), stats));
}

/// `pool`'s counters of `epoch` (set before by [`set_stats`]) count
/// `volumes` of term loans opened per purpose, all of them drawn and out
/// the whole epoch.
pub fn set_purposes(pool: AccountId, epoch: u64, volumes: [Balance; 5]) {
    with(|s| {
        let st = s.stats.get_mut(&(pool, epoch)).expect("set_stats first");
        st.purpose_drawn = volumes;
        st.purpose_principal_end = volumes;
        st.purpose_outstanding_ms = volumes.map(|v| v.saturating_mul(u128::from(st.epoch_ms)));
        st.drawn = volumes.iter().fold(0u128, |a, v| a.saturating_add(*v));
    });
}

/// `pool`'s insurance reserve as funded.
pub fn insurance(pool: AccountId) -> Balance {
    with(|s| s.insurance.get(&pool).copied().unwrap_or(0))
}

/// Every `fund_insurance` call so far.
pub fn funded() -> Vec<(AccountId, Balance)> {
    with(|s| s.funded.clone())
}

/// `pool` refuses `fund_insurance` with `error` (`None`: accepts again).
pub fn pool_refuses(pool: AccountId, error: Option<Vec<u8>>) {
    with(|s| match error {
        Some(e) => s.refuses.insert(pool, e),
        None => s.refuses.remove(&pool),
    });
}

/// `pool`'s clock reads `now` (ms).
pub fn set_now(pool: AccountId, now: u64) {
    with(|s| s.now.insert(pool, now));
}

/// `pool` counts epochs of `ms`.
pub fn set_epoch_ms(pool: AccountId, ms: u64) {
    with(|s| s.epoch_ms.insert(pool, ms));
}

/// `pool`'s stablecoin is `token`.
pub fn set_token(pool: AccountId, token: AccountId) {
    with(|s| s.tokens.insert(pool, token));
}

/// Every call to `pool` fails (`None`: none).
pub fn pool_fails(pool: Option<AccountId>) {
    with(|s| s.fails = pool);
}

/// The pool's code is replaced (an upgrade by its community's governance).
pub fn set_code(pool: AccountId, code: [u8; 32]) {
    with(|s| {
        s.code.insert(pool, code);
    });
}
