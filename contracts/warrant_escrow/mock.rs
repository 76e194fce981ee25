//! Stand-in for the escrow's PSP22 calls in unit tests (the off-chain
//! environment cannot call other contracts): the shared in-memory ledger of
//! `dcu_common::ledger`, which refuses like `psp22` does.

use crate::warrant_escrow::{Error, Result};
use dcu_common::ledger::{Ledger, LedgerError};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use psp22::PSP22Error;
use std::cell::RefCell;

type Balance = u128;

thread_local! {
    static LEDGER: RefCell<Ledger<AccountId>> = RefCell::new(Ledger::default());
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

pub fn pull(_token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
    let spender = me();
    with(|l| l.transfer_from(from, spender, spender, amount)).map_err(token_error)
}

pub fn push(_token: AccountId, to: AccountId, amount: Balance) -> Result<()> {
    let from = me();
    with(|l| l.transfer(from, to, amount)).map_err(token_error)
}

/// Forgets every balance and allowance.
pub fn reset() {
    with(|l| *l = Ledger::default());
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
