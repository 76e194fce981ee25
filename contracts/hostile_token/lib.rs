//! # `hostile_token` — a PSP22 that re-enters its caller (test fixture)
//!
//! A working PSP22 (on the `psp22` crate) that, when armed with
//! [`HostileToken::set_attack`], calls a chosen message of a chosen contract
//! at the start of every `transfer` and `transfer_from` — the pool or the
//! escrow that is calling it. The e2e tests (`e2e-tests/tests/e2e/hostile.rs`)
//! use it to show that such a re-entry is refused by the chain (no DCU
//! contract allows re-entry: pallet-contracts denies it and the token's
//! call traps), so the DCU message fails as a whole and nothing changes;
//! armed against a contract that is not on the call stack, the same call
//! goes through (`entered` counts it), which shows the attack really fires.
//!
//! It can also refuse every transfer *to* one chosen account
//! ([`HostileToken::set_blocked`]), as a stablecoin that blacklists or
//! freezes an address does: the e2e attacks show that such a recipient
//! never makes a borrower's repayment fail (its share waits as a claim).
//! `dcu` never deploys it.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::hostile_token::{Attack, HostileToken, HostileTokenRef};

#[ink::contract]
mod hostile_token {
    use dcu_common::iface::raw;
    use ink::prelude::{string::String, vec::Vec};
    use psp22::{PSP22Data, PSP22Error, PSP22Event, PSP22};

    /// The call the token makes during each transfer.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Attack {
        /// The contract to re-enter.
        pub target: AccountId,
        /// Its message selector.
        pub selector: [u8; 4],
        /// The SCALE-encoded arguments.
        pub input: Vec<u8>,
    }

    /// The token's storage.
    #[ink(storage)]
    pub struct HostileToken {
        data: PSP22Data,
        attack: Option<Attack>,
        /// Calls of the attack that went through.
        entered: u32,
        /// Transfers to this account are refused (a blacklisted address).
        blocked: Option<AccountId>,
    }

    impl HostileToken {
        /// `supply` tokens to the caller, unarmed.
        #[ink(constructor)]
        pub fn new(supply: Balance) -> Self {
            let (data, _events) = PSP22Data::new(supply, Self::env().caller());
            Self { data, attack: None, entered: 0, blocked: None }
        }

        /// Arms (or, with `None`, disarms) the token.
        #[ink(message)]
        pub fn set_attack(&mut self, attack: Option<Attack>) {
            self.attack = attack;
        }

        /// Refuses (or, with `None`, stops refusing) every transfer to `who`.
        #[ink(message)]
        pub fn set_blocked(&mut self, who: Option<AccountId>) {
            self.blocked = who;
        }

        /// The account transfers to which are refused, if any.
        #[ink(message)]
        pub fn blocked(&self) -> Option<AccountId> {
            self.blocked
        }

        /// How many attack calls went through.
        #[ink(message)]
        pub fn entered(&self) -> u32 {
            self.entered
        }

        fn strike(&mut self) -> Result<(), PSP22Error> {
            let Some(a) = self.attack.clone() else { return Ok(()) };
            match raw::call(a.target, a.selector, a.input) {
                Ok(_) => {
                    self.entered = self.entered.saturating_add(1);
                    Ok(())
                }
                Err(_) => Err(PSP22Error::Custom(String::from("the attack call failed"))),
            }
        }

        fn refuse_blocked(&self, to: AccountId) -> Result<(), PSP22Error> {
            if self.blocked == Some(to) {
                Err(PSP22Error::Custom(String::from("recipient blocked")))
            } else {
                Ok(())
            }
        }

        fn emit_events(&self, events: Vec<PSP22Event>) {
            for event in events {
                match event {
                    PSP22Event::Transfer(e) => self.env().emit_event(e),
                    PSP22Event::Approval(e) => self.env().emit_event(e),
                }
            }
        }
    }

    impl PSP22 for HostileToken {
        #[ink(message)]
        fn total_supply(&self) -> Balance {
            self.data.total_supply()
        }

        #[ink(message)]
        fn balance_of(&self, owner: AccountId) -> Balance {
            self.data.balance_of(owner)
        }

        #[ink(message)]
        fn allowance(&self, owner: AccountId, spender: AccountId) -> Balance {
            self.data.allowance(owner, spender)
        }

        #[ink(message)]
        fn transfer(&mut self, to: AccountId, value: Balance, _data: Vec<u8>) -> Result<(), PSP22Error> {
            self.refuse_blocked(to)?;
            self.strike()?;
            let events = self.data.transfer(self.env().caller(), to, value)?;
            self.emit_events(events);
            Ok(())
        }

        #[ink(message)]
        fn transfer_from(&mut self, from: AccountId, to: AccountId, value: Balance, _data: Vec<u8>) -> Result<(), PSP22Error> {
            self.refuse_blocked(to)?;
            self.strike()?;
            let events = self.data.transfer_from(self.env().caller(), from, to, value)?;
            self.emit_events(events);
            Ok(())
        }

        #[ink(message)]
        fn approve(&mut self, spender: AccountId, value: Balance) -> Result<(), PSP22Error> {
            let events = self.data.approve(self.env().caller(), spender, value)?;
            self.emit_events(events);
            Ok(())
        }

        #[ink(message)]
        fn increase_allowance(&mut self, spender: AccountId, delta_value: Balance) -> Result<(), PSP22Error> {
            let events = self.data.increase_allowance(self.env().caller(), spender, delta_value)?;
            self.emit_events(events);
            Ok(())
        }

        #[ink(message)]
        fn decrease_allowance(&mut self, spender: AccountId, delta_value: Balance) -> Result<(), PSP22Error> {
            let events = self.data.decrease_allowance(self.env().caller(), spender, delta_value)?;
            self.emit_events(events);
            Ok(())
        }
    }
}
