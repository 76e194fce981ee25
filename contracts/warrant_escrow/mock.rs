//! Stand-in for the escrow's PSP22 calls in unit tests (the off-chain
//! environment cannot call other contracts): a ledger with balances and
//! allowances that checks the allowance before the balance, as `psp22` does.

use crate::warrant_escrow::{Error, Result};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use psp22::PSP22Error;
use std::cell::RefCell;
use std::collections::BTreeMap;

type Balance = u128;

#[derive(Default)]
struct State {
    balances: BTreeMap<AccountId, Balance>,
    allowances: BTreeMap<(AccountId, AccountId), Balance>,
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

fn move_tokens(s: &mut State, from: AccountId, to: AccountId, amount: Balance) -> Result<()> {
    let have = s.balances.get(&from).copied().unwrap_or(0);
    let left = have.checked_sub(amount).ok_or(Error::Token(PSP22Error::InsufficientBalance))?;
    s.balances.insert(from, left);
    let to_balance = s.balances.entry(to).or_default();
    *to_balance = to_balance.checked_add(amount).ok_or(Error::Overflow)?;
    Ok(())
}

pub fn pull(_token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
    let spender = me();
    with(|s| {
        let allowed = s.allowances.get(&(from, spender)).copied().unwrap_or(0);
        if allowed < amount {
            return Err(Error::Token(PSP22Error::InsufficientAllowance));
        }
        move_tokens(s, from, spender, amount)?;
        s.allowances.insert((from, spender), allowed - amount);
        Ok(())
    })
}

pub fn push(_token: AccountId, to: AccountId, amount: Balance) -> Result<()> {
    let from = me();
    with(|s| move_tokens(s, from, to, amount))
}

/// Forgets every balance and allowance.
pub fn reset() {
    with(|s| *s = State::default());
}

/// Gives `who` `amount` tokens and approves `spender` for all of them.
pub fn fund(who: AccountId, spender: AccountId, amount: Balance) {
    with(|s| {
        *s.balances.entry(who).or_default() += amount;
        *s.allowances.entry((who, spender)).or_default() += amount;
    });
}



/// Sets `owner`'s allowance for `spender`.
pub fn approve(owner: AccountId, spender: AccountId, amount: Balance) {
    with(|s| s.allowances.insert((owner, spender), amount));
}

/// `who`'s balance.
pub fn balance(who: AccountId) -> Balance {
    with(|s| s.balances.get(&who).copied().unwrap_or(0))
}

/// Σ of all balances.
pub fn supply() -> Balance {
    with(|s| s.balances.values().sum())
}
