//! An in-memory PSP22 ledger (balances and allowances) that contracts'
//! unit tests put behind their token calls, since the off-chain test
//! environment cannot call another contract. It refuses like the `psp22`
//! crate: the allowance is checked before the balance.

use std::collections::BTreeMap;

/// Why the ledger refused a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerError {
    InsufficientBalance,
    InsufficientAllowance,
    Overflow,
}

/// Balances and allowances by account.
#[derive(Clone, Debug)]
pub struct Ledger<A: Ord + Copy> {
    balances: BTreeMap<A, u128>,
    allowances: BTreeMap<(A, A), u128>,
}

impl<A: Ord + Copy> Default for Ledger<A> {
    fn default() -> Self {
        Ledger { balances: BTreeMap::new(), allowances: BTreeMap::new() }
    }
}

impl<A: Ord + Copy> Ledger<A> {
    /// Moves `amount` from `from` to `to` (PSP22 `transfer`).
    pub fn transfer(&mut self, from: A, to: A, amount: u128) -> Result<(), LedgerError> {
        let have = self.balance(from);
        let left = have.checked_sub(amount).ok_or(LedgerError::InsufficientBalance)?;
        let to_balance = self.balance(to);
        if from != to {
            let new_to = to_balance.checked_add(amount).ok_or(LedgerError::Overflow)?;
            self.balances.insert(from, left);
            self.balances.insert(to, new_to);
        }
        Ok(())
    }

    /// `spender` moves `amount` of `owner`'s tokens to `to` (PSP22
    /// `transfer_from`), spending the allowance.
    pub fn transfer_from(&mut self, owner: A, spender: A, to: A, amount: u128) -> Result<(), LedgerError> {
        let allowed = self.allowance(owner, spender);
        if allowed < amount {
            return Err(LedgerError::InsufficientAllowance);
        }
        self.transfer(owner, to, amount)?;
        self.allowances.insert((owner, spender), allowed - amount);
        Ok(())
    }

    /// Gives `who` `amount` new tokens and lets `spender` move all of them.
    pub fn fund(&mut self, who: A, spender: A, amount: u128) {
        *self.balances.entry(who).or_default() += amount;
        *self.allowances.entry((who, spender)).or_default() += amount;
    }

    /// Sets `owner`'s allowance for `spender`.
    pub fn approve(&mut self, owner: A, spender: A, amount: u128) {
        self.allowances.insert((owner, spender), amount);
    }

    /// `who`'s balance.
    pub fn balance(&self, who: A) -> u128 {
        self.balances.get(&who).copied().unwrap_or(0)
    }

    /// `owner`'s allowance for `spender`.
    pub fn allowance(&self, owner: A, spender: A) -> u128 {
        self.allowances.get(&(owner, spender)).copied().unwrap_or(0)
    }

    /// Σ of all balances (constant under transfers).
    pub fn supply(&self) -> u128 {
        self.balances.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_like_psp22_and_keeps_supply() {
        let mut l = Ledger::<u8>::default();
        l.fund(1, 9, 100);
        assert_eq!(l.transfer_from(1, 9, 2, 101), Err(LedgerError::InsufficientAllowance));
        l.approve(1, 9, 500);
        assert_eq!(l.transfer_from(1, 9, 2, 101), Err(LedgerError::InsufficientBalance));
        assert_eq!(l.transfer_from(1, 9, 2, 60), Ok(()));
        assert_eq!((l.balance(1), l.balance(2), l.allowance(1, 9)), (40, 60, 440));
        assert_eq!(l.transfer(2, 2, 60), Ok(()));
        assert_eq!(l.balance(2), 60);
        assert_eq!(l.supply(), 100);
    }
}
