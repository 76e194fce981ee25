//! Stand-ins for the pool's cross-contract calls in unit tests: the
//! off-chain test environment cannot call other contracts, so `ext` resolves
//! to these functions under `cfg(test)`. They behave like the real callees:
//! the shared PSP22 ledger of `dcu_common::ledger` (allowance checked before
//! balance, as the `psp22` crate does), a set of trust edges, and the
//! reputation events the trust graph recorded — or a refusal, when a test
//! asks for one.

use crate::credit_pool::{Error, Result};
use dcu_common::iface::trust_graph::{self as tg, Reputation};
use dcu_common::ledger::{Ledger, LedgerError};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use psp22::PSP22Error;
use std::cell::RefCell;
use std::collections::BTreeSet;

type Balance = u128;

#[derive(Default)]
struct State {
    ledger: Ledger<AccountId>,
    edges: BTreeSet<(AccountId, AccountId)>,
    records: Vec<(Reputation, AccountId)>,
    graph_refuses: Option<tg::Error>,
    stakes: std::collections::BTreeMap<AccountId, Balance>,
    /// Every `stake_changed` call the graph accepted, in order.
    stake_calls: Vec<(AccountId, Balance)>,
    stakes_refused: Option<tg::Error>,
    warnings: std::collections::BTreeMap<AccountId, u32>,
    /// The decimals the token answers (`None`: six, the default; set by a
    /// test before instantiating the pool).
    decimals: Option<Option<u8>>,
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

pub fn push(_token: AccountId, to: AccountId, amount: Balance) -> Result<()> {
    let from = me();
    with(|s| s.ledger.transfer(from, to, amount)).map_err(token_error)
}

pub fn token_decimals(_token: AccountId) -> Option<u8> {
    with(|s| s.decimals.unwrap_or(Some(6)))
}

/// Makes the token answer `decimals` (`None`: no answer) from now on.
pub fn set_token_decimals(decimals: Option<u8>) {
    with(|s| s.decimals = Some(decimals));
}

pub fn balance_of(_token: AccountId, owner: AccountId) -> Result<Balance> {
    Ok(with(|s| s.ledger.balance(owner)))
}

pub fn trust_of(_graph: AccountId, from: AccountId, to: AccountId) -> Result<Option<u16>> {
    Ok(with(|s| s.edges.contains(&(from, to)).then_some(100)))
}

/// Open warnings the trust graph reports for `member` (set by the tests).
pub fn warnings_of(_graph: AccountId, member: AccountId) -> Result<u32> {
    Ok(with(|s| s.warnings.get(&member).copied().unwrap_or(0)))
}

/// Makes the trust graph report `n` open warnings for `member`.
pub fn set_warnings(member: AccountId, n: u32) {
    with(|s| s.warnings.insert(member, n));
}

/// The value that anchors `member` (the pool reports its own capital),
/// last report per member; every accepted call is logged.
pub fn stake_changed(_graph: AccountId, member: AccountId, stake: Balance) -> Result<()> {
    with(|s| match &s.stakes_refused {
        Some(e) => Err(Error::TrustGraph(e.clone())),
        None => {
            s.stakes.insert(member, stake);
            s.stake_calls.push((member, stake));
            Ok(())
        }
    })
}

/// As [`stake_changed`] (the graph's `capital_lost`: a loss, never
/// refused for the member's edges); recorded alike.
pub fn capital_lost(graph: AccountId, member: AccountId, stake: Balance) -> Result<()> {
    stake_changed(graph, member, stake)
}

/// The value (own capital) last reported for `member`.
pub fn reported_stake(member: AccountId) -> Option<Balance> {
    with(|s| s.stakes.get(&member).copied())
}

/// How many `stake_changed` calls the graph accepted for `member`.
pub fn stake_calls(member: AccountId) -> usize {
    with(|s| s.stake_calls.iter().filter(|(m, _)| *m == member).count())
}

/// Makes the trust graph refuse every `stake_changed` (or accept again with `None`).
pub fn refuse_stake_reports(e: Option<tg::Error>) {
    with(|s| s.stakes_refused = e);
}

pub fn record(_graph: AccountId, event: Reputation, member: AccountId) -> Result<()> {
    with(|s| match &s.graph_refuses {
        Some(e) => Err(Error::TrustGraph(e.clone())),
        None => {
            s.records.push((event, member));
            Ok(())
        }
    })
}

// --- test controls ------------------------------------------------------------

/// Forgets every balance, allowance, edge and record.
pub fn reset() {
    with(|s| *s = State::default());
}

/// Gives `who` `amount` tokens and approves the pool `pool` for all of them.
pub fn fund(who: AccountId, pool: AccountId, amount: Balance) {
    with(|s| s.ledger.fund(who, pool, amount));
}

/// Sets `owner`'s allowance for `spender`.
pub fn approve(owner: AccountId, spender: AccountId, amount: Balance) {
    with(|s| s.ledger.approve(owner, spender, amount));
}

/// Moves `amount` from `from` to `to` (a payment made outside the pool).
pub fn transfer(from: AccountId, to: AccountId, amount: Balance) {
    with(|s| s.ledger.transfer(from, to, amount)).expect("test transfer");
}

/// `who`'s token balance.
pub fn balance(who: AccountId) -> Balance {
    with(|s| s.ledger.balance(who))
}

/// Σ of all balances.
pub fn supply() -> Balance {
    with(|s| s.ledger.supply())
}

/// Adds the trust edge `from → to`.
pub fn trust(from: AccountId, to: AccountId) {
    with(|s| s.edges.insert((from, to)));
}

/// Removes the trust edge `from → to`.
pub fn untrust(from: AccountId, to: AccountId) {
    with(|s| s.edges.remove(&(from, to)));
}

/// The reputation events recorded so far.
pub fn records() -> Vec<(Reputation, AccountId)> {
    with(|s| s.records.clone())
}

/// Makes the trust graph refuse every record (or accept again with `None`).
pub fn refuse_records(e: Option<tg::Error>) {
    with(|s| s.graph_refuses = e);
}
