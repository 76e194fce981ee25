//! Stand-in for the escrow's PSP22 and credit-pool calls in unit tests (the
//! off-chain environment cannot call other contracts): the shared in-memory
//! ledger of `dcu_common::ledger`, which refuses like `psp22` does. A test
//! may also make the token refuse every transfer to one account
//! ([`refuse_to`], like a blacklist) or make the call to the token fail for
//! one recipient ([`fail_calls_to`]).
//!
//! The pool stand-in keeps each holder's free stake ([`set_stake`],
//! [`stake_of`]) and holds the tokens behind it in the ledger under the
//! pool's account: `warrant_from_stake` pays the escrow out of it (refusing
//! `InsufficientStake` as the pool does, encoded as the pool encodes it),
//! `warrant_to_stake` takes the tokens the escrow sent back into the
//! stake. A test may make the pool refuse everything ([`pool_refuses`]).

use crate::warrant_escrow::{Error, Result};
use dcu_common::ledger::{Ledger, LedgerError};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use psp22::PSP22Error;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

type Balance = u128;

thread_local! {
    static LEDGER: RefCell<Ledger<AccountId>> = RefCell::new(Ledger::default());
    /// The pool stand-in: each holder's free stake.
    static STAKES: RefCell<BTreeMap<AccountId, Balance>> = RefCell::new(BTreeMap::new());
    /// The pool refuses every call with this encoded error (`Error::Pool`),
    /// or (`Some(None)`) every call to it fails (`Error::PoolCallFailed`).
    static POOL_REFUSES: RefCell<Option<Option<Vec<u8>>>> = const { RefCell::new(None) };
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

/// The pool's `InsufficientStake { available, requested }`, encoded as the
/// pool encodes it (its third variant) inside the escrow's `Error::Pool`.
pub fn insufficient_stake(available: Balance, requested: Balance) -> Error {
    use ink::scale::Encode;
    Error::Pool((2u8, available, requested).encode())
}

/// The pool stand-in's `warrant_from_stake`, as the escrow's `ext` calls it
/// (nothing for 0): pays `amount` of `holder`'s free stake to the escrow.
pub fn from_stake(pool: AccountId, holder: AccountId, amount: Balance) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    if let Some(e) = pool_error() {
        return Err(e);
    }
    let free = stake_of(holder);
    if amount > free {
        return Err(insufficient_stake(free, amount));
    }
    let to = me();
    with(|l| l.transfer(pool, to, amount)).map_err(token_error)?;
    STAKES.with(|m| m.borrow_mut().insert(holder, free - amount));
    Ok(())
}

/// The escrow's `ext::to_stake` against the stand-in (nothing for 0): the
/// tokens to the pool (refused like [`push`]), then `warrant_to_stake`.
pub fn to_stake(token: AccountId, pool: AccountId, holder: AccountId, amount: Balance) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    // On chain a refusal reverts the transfer too; here nothing moves.
    if let Some(e) = pool_error() {
        return Err(e);
    }
    push(token, pool, amount)?;
    let s = stake_of(holder) + amount;
    STAKES.with(|m| m.borrow_mut().insert(holder, s));
    Ok(())
}

/// Gives `holder` `amount` of free stake in the pool `pool` (the pool holds
/// the tokens).
pub fn set_stake(pool: AccountId, holder: AccountId, amount: Balance) {
    let old = stake_of(holder);
    if amount > old {
        with(|l| l.fund(pool, pool, amount - old));
    } else {
        with(|l| l.transfer(pool, AccountId::from([0xFF; 32]), old - amount)).expect("the pool holds the stakes");
    }
    STAKES.with(|m| m.borrow_mut().insert(holder, amount));
}

/// `holder`'s free stake in the pool stand-in.
pub fn stake_of(holder: AccountId) -> Balance {
    STAKES.with(|m| m.borrow().get(&holder).copied().unwrap_or(0))
}

/// The error the pool answers every call with now, if any.
fn pool_error() -> Option<Error> {
    POOL_REFUSES.with(|r| r.borrow().clone()).map(|e| match e {
        Some(bytes) => Error::Pool(bytes),
        None => Error::PoolCallFailed,
    })
}

/// From now on the pool refuses every call with its error encoded as
/// `refusal` (`Error::Pool(refusal)`); `None` lifts it.
pub fn pool_refuses(refusal: Option<Vec<u8>>) {
    POOL_REFUSES.with(|r| *r.borrow_mut() = refusal.map(Some));
}

/// From now on every call to the pool fails (`Error::PoolCallFailed`).
pub fn pool_calls_fail() {
    POOL_REFUSES.with(|r| *r.borrow_mut() = Some(None));
}

/// Forgets every balance and allowance, every stake, and every refusal.
pub fn reset() {
    with(|l| *l = Ledger::default());
    STAKES.with(|m| m.borrow_mut().clear());
    refuse_to(None);
    fail_calls_to(None);
    pool_refuses(None);
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

/// Moves `amount` from `from` to `to` (a payment made outside the escrow).
pub fn transfer(from: AccountId, to: AccountId, amount: Balance) {
    with(|l| l.transfer(from, to, amount)).expect("test transfer");
}

/// The token's and the pool's state, as [`save`] found it.
pub struct Saved(Ledger<AccountId>, BTreeMap<AccountId, Balance>);

/// The token's and the pool's state now, for [`revert`].
pub fn save() -> Saved {
    Saved(with(|l| l.clone()), STAKES.with(|m| m.borrow().clone()))
}

/// Puts the token's and the pool's state back as `saved` found it, as the
/// chain does with every callee's effects when a message returns an error
/// (the off-chain environment cannot revert them).
pub fn revert(saved: Saved) {
    with(|l| *l = saved.0);
    STAKES.with(|m| *m.borrow_mut() = saved.1);
}
