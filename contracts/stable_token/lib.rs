//! # `stable_token` — the DCU local stablecoin
//!
//! A PSP22 fungible token (on the `psp22` 2.x crate: `transfer`, `approve`,
//! `transfer_from`, allowances and metadata) that stands in for the chain's
//! real stablecoin on local deployments. Credit points in DCU are 1:1 with
//! its smallest unit.
//!
//! Beyond PSP22 it has two ways to create money, both for development only:
//! - `faucet()`: anyone receives `faucet_amount` once per `faucet_cooldown`
//!   milliseconds (0 disables the faucet);
//! - `mint(to, value)`: the owner mints any amount.
//!
//! ## Invariants
//! - `total_supply` equals the sum of all balances (PSP22Data keeps it).
//! - Only `mint`, `faucet` and the constructor increase `total_supply`; each
//!   emits a PSP22 `Transfer { from: None, .. }`.
//!
//! ## Access
//! - `mint`, `set_faucet`, `transfer_ownership`: owner only
//!   ([`Error::NotOwner`]). A renounced owner (`None`) disables them forever.
//!
//! ## Errors
//! PSP22 messages return the standard [`PSP22Error`]; DCU's own messages
//! return [`Error`].
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::stable_token::{Error, StableToken, StableTokenRef};

#[ink::contract]
mod stable_token {
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::Mapping;
    use psp22::{PSP22Data, PSP22Error, PSP22Event, PSP22Metadata, PSP22};

    /// The token's storage.
    #[ink(storage)]
    pub struct StableToken {
        /// Balances, allowances and total supply (from the `psp22` crate).
        data: PSP22Data,
        /// Token name, e.g. "DCU Dollar".
        name: Option<String>,
        /// Token symbol, e.g. "DUSD".
        symbol: Option<String>,
        /// Number of decimals of the smallest unit.
        decimals: u8,
        /// Account allowed to mint and configure the faucet; `None` once renounced.
        owner: Option<AccountId>,
        /// Amount paid by one `faucet()` call; 0 disables the faucet.
        faucet_amount: Balance,
        /// Minimum time between two faucet payments to one account (ms).
        faucet_cooldown: Timestamp,
        /// Time of each account's last faucet payment.
        last_faucet: Mapping<AccountId, Timestamp>,
    }

    /// The owner changed (or renounced with `new_owner: None`).
    #[ink(event)]
    pub struct OwnershipTransferred {
        /// The previous owner.
        #[ink(topic)]
        pub previous_owner: Option<AccountId>,
        /// The new owner.
        #[ink(topic)]
        pub new_owner: Option<AccountId>,
    }

    /// The faucet's amount or cooldown changed.
    #[ink(event)]
    pub struct FaucetConfigured {
        /// Amount per payment (0 = disabled).
        pub amount: Balance,
        /// Cooldown between payments to one account, in ms.
        pub cooldown: Timestamp,
    }

    /// The faucet paid an account (the mint itself is a PSP22 `Transfer`).
    #[ink(event)]
    pub struct FaucetDripped {
        /// Who received the tokens.
        #[ink(topic)]
        pub to: AccountId,
        /// How much was minted.
        pub amount: Balance,
        /// Earliest time of the account's next payment.
        pub next_at: Timestamp,
    }

    /// Errors of DCU's own (non-PSP22) messages.
    // The codec derive casts the variant index to u8 for variants with
    // fields; the enum has four variants, so nothing truncates.
    #[allow(clippy::cast_possible_truncation)]
    #[derive(Debug, PartialEq, Eq, Clone)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// The caller is not the token's owner.
        NotOwner,
        /// The faucet is disabled (its amount is 0).
        FaucetDisabled,
        /// This account used the faucet too recently.
        FaucetCooldown {
            /// Earliest time (ms) of the next payment.
            available_at: Timestamp,
        },
        /// Minting would push the total supply past 2^128 - 1.
        SupplyOverflow,
    }

    /// Result of DCU's own messages.
    pub type Result<T> = core::result::Result<T, Error>;

    impl StableToken {
        /// A token with `supply` minted to the caller, who becomes the owner.
        #[ink(constructor)]
        pub fn new(
            supply: Balance,
            name: Option<String>,
            symbol: Option<String>,
            decimals: u8,
            faucet_amount: Balance,
            faucet_cooldown: Timestamp,
        ) -> Self {
            let caller = Self::env().caller();
            // Minting into an empty ledger cannot overflow.
            let (data, events) = PSP22Data::new(supply, caller);
            let contract = Self {
                data,
                name,
                symbol,
                decimals,
                owner: Some(caller),
                faucet_amount,
                faucet_cooldown,
                last_faucet: Mapping::default(),
            };
            contract.emit_events(events);
            contract
        }

        /// Mints `value` to `to`.
        ///
        /// # Errors
        /// [`Error::NotOwner`] unless called by the owner;
        /// [`Error::SupplyOverflow`] if the supply would overflow.
        #[ink(message)]
        pub fn mint(&mut self, to: AccountId, value: Balance) -> Result<()> {
            self.ensure_owner()?;
            let events = self.data.mint(to, value).map_err(|_| Error::SupplyOverflow)?;
            self.emit_events(events);
            Ok(())
        }

        /// Pays `faucet_amount` to the caller, at most once per cooldown.
        /// Returns the amount paid.
        ///
        /// # Errors
        /// [`Error::FaucetDisabled`] when the amount is 0;
        /// [`Error::FaucetCooldown`] within the cooldown of the last payment;
        /// [`Error::SupplyOverflow`] if the supply would overflow.
        #[ink(message)]
        pub fn faucet(&mut self) -> Result<Balance> {
            let caller = self.env().caller();
            let now = self.env().block_timestamp();
            let amount = self.faucet_amount;
            if amount == 0 {
                return Err(Error::FaucetDisabled);
            }
            if let Some(available_at) = self.next_faucet_at(caller) {
                if now < available_at {
                    return Err(Error::FaucetCooldown { available_at });
                }
            }
            let events = self.data.mint(caller, amount).map_err(|_| Error::SupplyOverflow)?;
            self.last_faucet.insert(caller, &now);
            self.emit_events(events);
            self.env().emit_event(FaucetDripped {
                to: caller,
                amount,
                next_at: now.saturating_add(self.faucet_cooldown),
            });
            Ok(amount)
        }

        /// Sets the faucet's amount per payment (0 disables it) and cooldown.
        ///
        /// # Errors
        /// [`Error::NotOwner`] unless called by the owner.
        #[ink(message)]
        pub fn set_faucet(&mut self, amount: Balance, cooldown: Timestamp) -> Result<()> {
            self.ensure_owner()?;
            self.faucet_amount = amount;
            self.faucet_cooldown = cooldown;
            self.env().emit_event(FaucetConfigured { amount, cooldown });
            Ok(())
        }

        /// Hands ownership to `new_owner`, or renounces it with `None`.
        ///
        /// # Errors
        /// [`Error::NotOwner`] unless called by the owner.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: Option<AccountId>) -> Result<()> {
            self.ensure_owner()?;
            let previous_owner = self.owner;
            self.owner = new_owner;
            self.env().emit_event(OwnershipTransferred {
                previous_owner,
                new_owner,
            });
            Ok(())
        }

        /// The owner, `None` once renounced.
        #[ink(message)]
        pub fn owner(&self) -> Option<AccountId> {
            self.owner
        }

        /// The faucet's (amount per payment, cooldown in ms).
        #[ink(message)]
        pub fn faucet_config(&self) -> (Balance, Timestamp) {
            (self.faucet_amount, self.faucet_cooldown)
        }

        /// Earliest time `account` may use the faucet again; `None` if it
        /// never has (it may use it now).
        #[ink(message)]
        pub fn next_faucet_at(&self, account: AccountId) -> Option<Timestamp> {
            self.last_faucet
                .get(account)
                .map(|t| t.saturating_add(self.faucet_cooldown))
        }

        fn ensure_owner(&self) -> Result<()> {
            if self.owner == Some(self.env().caller()) {
                Ok(())
            } else {
                Err(Error::NotOwner)
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

    impl PSP22 for StableToken {
        /// Total amount of tokens in existence.
        #[ink(message)]
        fn total_supply(&self) -> Balance {
            self.data.total_supply()
        }

        /// Balance of `owner`.
        #[ink(message)]
        fn balance_of(&self, owner: AccountId) -> Balance {
            self.data.balance_of(owner)
        }

        /// What `spender` may still move from `owner`.
        #[ink(message)]
        fn allowance(&self, owner: AccountId, spender: AccountId) -> Balance {
            self.data.allowance(owner, spender)
        }

        /// Moves `value` from the caller to `to`.
        ///
        /// # Errors
        /// `InsufficientBalance`.
        #[ink(message)]
        fn transfer(&mut self, to: AccountId, value: Balance, _data: Vec<u8>) -> core::result::Result<(), PSP22Error> {
            let events = self.data.transfer(self.env().caller(), to, value)?;
            self.emit_events(events);
            Ok(())
        }

        /// Moves `value` from `from` to `to` using the caller's allowance.
        ///
        /// # Errors
        /// `InsufficientAllowance`, `InsufficientBalance`.
        #[ink(message)]
        fn transfer_from(
            &mut self,
            from: AccountId,
            to: AccountId,
            value: Balance,
            _data: Vec<u8>,
        ) -> core::result::Result<(), PSP22Error> {
            let events = self.data.transfer_from(self.env().caller(), from, to, value)?;
            self.emit_events(events);
            Ok(())
        }

        /// Sets the caller's allowance for `spender` to `value`.
        #[ink(message)]
        fn approve(&mut self, spender: AccountId, value: Balance) -> core::result::Result<(), PSP22Error> {
            let events = self.data.approve(self.env().caller(), spender, value)?;
            self.emit_events(events);
            Ok(())
        }

        /// Raises the caller's allowance for `spender` by `delta_value` (saturating).
        #[ink(message)]
        fn increase_allowance(&mut self, spender: AccountId, delta_value: Balance) -> core::result::Result<(), PSP22Error> {
            let events = self.data.increase_allowance(self.env().caller(), spender, delta_value)?;
            self.emit_events(events);
            Ok(())
        }

        /// Lowers the caller's allowance for `spender` by `delta_value`.
        ///
        /// # Errors
        /// `InsufficientAllowance` if it is below `delta_value`.
        #[ink(message)]
        fn decrease_allowance(&mut self, spender: AccountId, delta_value: Balance) -> core::result::Result<(), PSP22Error> {
            let events = self.data.decrease_allowance(self.env().caller(), spender, delta_value)?;
            self.emit_events(events);
            Ok(())
        }
    }

    impl PSP22Metadata for StableToken {
        /// The token's name.
        #[ink(message)]
        fn token_name(&self) -> Option<String> {
            self.name.clone()
        }
        /// The token's symbol.
        #[ink(message)]
        fn token_symbol(&self) -> Option<String> {
            self.symbol.clone()
        }
        /// The number of decimals.
        #[ink(message)]
        fn token_decimals(&self) -> u8 {
            self.decimals
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::test::{self, DefaultAccounts};
        use ink::env::DefaultEnvironment as Env;

        const FAUCET: Balance = 10_000_000_000;
        const COOLDOWN: Timestamp = 60_000;

        fn accounts() -> DefaultAccounts<Env> {
            test::default_accounts::<Env>()
        }

        fn set_caller(who: AccountId) {
            test::set_caller::<Env>(who);
        }

        fn set_now(ms: Timestamp) {
            test::set_block_timestamp::<Env>(ms);
        }

        fn events_len() -> usize {
            test::recorded_events().count()
        }

        /// A token owned by Alice with 1,000 units and the faucet on.
        fn deploy() -> StableToken {
            set_caller(accounts().alice);
            set_now(0);
            StableToken::new(1_000, Some("DCU Dollar".into()), Some("DUSD".into()), 6, FAUCET, COOLDOWN)
        }

        /// Invariant checked at the end of every test: the supply is the sum
        /// of the balances of every account the tests use.
        fn assert_supply_is_sum_of_balances(t: &StableToken) {
            let a = accounts();
            let sum: Balance = [a.alice, a.bob, a.charlie, a.django, a.eve, a.frank]
                .iter()
                .map(|x| t.balance_of(*x))
                .sum();
            assert_eq!(t.total_supply(), sum);
        }

        #[ink::test]
        fn new_sets_metadata_owner_and_supply() {
            let t = deploy();
            assert_eq!(t.token_name(), Some("DCU Dollar".into()));
            assert_eq!(t.token_symbol(), Some("DUSD".into()));
            assert_eq!(t.token_decimals(), 6);
            assert_eq!(t.owner(), Some(accounts().alice));
            assert_eq!(t.faucet_config(), (FAUCET, COOLDOWN));
            assert_eq!(t.balance_of(accounts().alice), 1_000);
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn mint_by_owner_increases_supply_and_emits_transfer() {
            let mut t = deploy();
            let before = events_len();
            assert_eq!(t.mint(accounts().bob, 500), Ok(()));
            assert_eq!(t.balance_of(accounts().bob), 500);
            assert_eq!(t.total_supply(), 1_500);
            assert_eq!(events_len(), before + 1);
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn mint_by_non_owner_fails_not_owner_and_changes_nothing() {
            let mut t = deploy();
            set_caller(accounts().bob);
            let before = events_len();
            assert_eq!(t.mint(accounts().bob, 500), Err(Error::NotOwner));
            assert_eq!(t.total_supply(), 1_000);
            assert_eq!(events_len(), before);
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn mint_past_max_supply_fails_supply_overflow() {
            let mut t = deploy();
            assert_eq!(t.mint(accounts().bob, u128::MAX), Err(Error::SupplyOverflow));
            assert_eq!(t.total_supply(), 1_000);
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn faucet_pays_amount_and_records_next_time() {
            let mut t = deploy();
            set_caller(accounts().bob);
            set_now(5_000);
            let before = events_len();
            assert_eq!(t.faucet(), Ok(FAUCET));
            assert_eq!(t.balance_of(accounts().bob), FAUCET);
            assert_eq!(t.next_faucet_at(accounts().bob), Some(5_000 + COOLDOWN));
            // Transfer (mint) + FaucetDripped.
            assert_eq!(events_len(), before + 2);
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn faucet_within_cooldown_fails_and_at_boundary_succeeds() {
            let mut t = deploy();
            set_caller(accounts().bob);
            set_now(1_000);
            assert_eq!(t.faucet(), Ok(FAUCET));
            set_now(1_000 + COOLDOWN - 1);
            assert_eq!(
                t.faucet(),
                Err(Error::FaucetCooldown { available_at: 1_000 + COOLDOWN })
            );
            assert_eq!(t.balance_of(accounts().bob), FAUCET);
            set_now(1_000 + COOLDOWN);
            assert_eq!(t.faucet(), Ok(FAUCET));
            assert_eq!(t.balance_of(accounts().bob), 2 * FAUCET);
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn faucet_disabled_fails_faucet_disabled() {
            let mut t = deploy();
            assert_eq!(t.set_faucet(0, 0), Ok(()));
            set_caller(accounts().bob);
            assert_eq!(t.faucet(), Err(Error::FaucetDisabled));
            assert_eq!(t.balance_of(accounts().bob), 0);
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn faucet_at_max_supply_fails_supply_overflow() {
            let mut t = deploy();
            assert_eq!(t.mint(accounts().charlie, u128::MAX - 1_000), Ok(()));
            set_caller(accounts().bob);
            assert_eq!(t.faucet(), Err(Error::SupplyOverflow));
            assert_eq!(t.next_faucet_at(accounts().bob), None);
        }

        #[ink::test]
        fn set_faucet_by_owner_updates_config_and_emits() {
            let mut t = deploy();
            let before = events_len();
            assert_eq!(t.set_faucet(7, 8), Ok(()));
            assert_eq!(t.faucet_config(), (7, 8));
            assert_eq!(events_len(), before + 1);
        }

        #[ink::test]
        fn set_faucet_by_non_owner_fails_not_owner() {
            let mut t = deploy();
            set_caller(accounts().eve);
            assert_eq!(t.set_faucet(7, 8), Err(Error::NotOwner));
            assert_eq!(t.faucet_config(), (FAUCET, COOLDOWN));
        }

        #[ink::test]
        fn transfer_ownership_moves_power_and_renounce_ends_it() {
            let mut t = deploy();
            assert_eq!(t.transfer_ownership(Some(accounts().bob)), Ok(()));
            assert_eq!(t.owner(), Some(accounts().bob));
            assert_eq!(t.mint(accounts().alice, 1), Err(Error::NotOwner));
            set_caller(accounts().bob);
            assert_eq!(t.mint(accounts().alice, 1), Ok(()));
            assert_eq!(t.transfer_ownership(None), Ok(()));
            assert_eq!(t.owner(), None);
            assert_eq!(t.mint(accounts().alice, 1), Err(Error::NotOwner));
            assert_eq!(t.transfer_ownership(Some(accounts().bob)), Err(Error::NotOwner));
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn transfer_insufficient_balance_fails_and_changes_nothing() {
            let mut t = deploy();
            assert_eq!(
                t.transfer(accounts().bob, 1_001, Vec::new()),
                Err(PSP22Error::InsufficientBalance)
            );
            assert_eq!(t.balance_of(accounts().alice), 1_000);
            assert_eq!(t.balance_of(accounts().bob), 0);
            assert_supply_is_sum_of_balances(&t);
        }

        #[ink::test]
        fn transfer_from_insufficient_allowance_fails_and_changes_nothing() {
            let mut t = deploy();
            assert_eq!(t.approve(accounts().bob, 10), Ok(()));
            set_caller(accounts().bob);
            assert_eq!(
                t.transfer_from(accounts().alice, accounts().bob, 11, Vec::new()),
                Err(PSP22Error::InsufficientAllowance)
            );
            assert_eq!(t.allowance(accounts().alice, accounts().bob), 10);
            assert_eq!(t.transfer_from(accounts().alice, accounts().charlie, 10, Vec::new()), Ok(()));
            assert_eq!(t.balance_of(accounts().charlie), 10);
            assert_eq!(t.allowance(accounts().alice, accounts().bob), 0);
            assert_supply_is_sum_of_balances(&t);
        }
    }

    // The `psp22` crate's own conformance suite (40 tests of transfers,
    // allowances and their events) run against this contract.
    #[cfg(test)]
    psp22::tests!(StableToken, (|supply| StableToken::new(supply, None, None, 6, 0, 0)));
}
