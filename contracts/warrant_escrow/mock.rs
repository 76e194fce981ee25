//! Stand-in for the escrow's PSP22 calls in unit tests (the off-chain
//! environment cannot call other contracts): the shared in-memory ledger of
//! `dcu_common::ledger`, which refuses like `psp22` does. A test may also
//! make the token refuse every transfer to one account ([`refuse_to`], like
//! a blacklist) or make the call to the token fail for one recipient
//! ([`fail_calls_to`]).

use crate::warrant_escrow::{Error, Result};
use dcu_common::ledger::{Ledger, LedgerError};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use psp22::PSP22Error;
use std::cell::{Cell, RefCell};

type Balance = u128;

thread_local! {
    static LEDGER: RefCell<Ledger<AccountId>> = RefCell::new(Ledger::default());
    /// Transfers to this account are refused with a token error.
    static REFUSE_TO: Cell<Option<AccountId>> = const { Cell::new(None) };
    /// Transfers to this account fail as a call (the token traps).
    static FAIL_TO: Cell<Option<AccountId>> = const { Cell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Ledger<AccountId>) -> R) -> R {
    LEDGER.with(|l| f(&mut l.borrow_mut()))
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

/// The error a refused transfer returns.
pub fn refused() -> Error {
    Error::Token(PSP22Error::Custom("blacklisted".into()))
}

pub fn pull(_token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
    let spender = me();
    with(|l| l.transfer_from(from, spender, spender, amount)).map_err(token_error)
}

pub fn push(_token: AccountId, to: AccountId, amount: Balance) -> Result<()> {
    // Like the real `ext::push`: a zero payment makes no call.
    if amount == 0 {
        return Ok(());
    }
    if REFUSE_TO.with(Cell::get) == Some(to) {
        return Err(refused());
    }
    if FAIL_TO.with(Cell::get) == Some(to) {
        return Err(Error::TokenCallFailed);
    }
    let from = me();
    with(|l| l.transfer(from, to, amount)).map_err(token_error)
}

/// Forgets every balance and allowance, and every refusal.
pub fn reset() {
    with(|l| *l = Ledger::default());
    refuse_to(None);
    fail_calls_to(None);
}

/// From now on the token refuses (`Token(Custom("blacklisted"))`) every
/// transfer to `who`; `None` lifts the refusal.
pub fn refuse_to(who: Option<AccountId>) {
    REFUSE_TO.with(|r| r.set(who));
}

/// From now on the call to the token fails for every transfer to `who`;
/// `None` lifts it.
pub fn fail_calls_to(who: Option<AccountId>) {
    FAIL_TO.with(|r| r.set(who));
}

/// Gives `who` `amount` tokens and approves `spender` for all of them.
pub fn fund(who: AccountId, spender: AccountId, amount: Balance) {
    with(|l| l.fund(who, spender, amount));
}

/// Sets `owner`'s allowance for `spender`.
pub fn approve(owner: AccountId, spender: AccountId, amount: Balance) {
    with(|l| l.approve(owner, spender, amount));
}

/// `who`'s balance.
pub fn balance(who: AccountId) -> Balance {
    with(|l| l.balance(who))
}

/// Σ of all balances.
pub fn supply() -> Balance {
    with(|l| l.supply())
}
