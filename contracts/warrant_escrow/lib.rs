//! # `warrant_escrow` — guarantees from the intermediaries of a credit path (SPEC §4)
//!
//! A term loan routed creditor → i1 → … → ik → borrower asks each
//! intermediary for a warrant: WARRANT_RATIO × amount in total (the loan
//! manager computes it), split equally ([`dcu_common::loan::warrant_sizes`]).
//! An intermediary locks its warrant in the stablecoin, either explicitly
//! with [`WarrantEscrow::accept`] or automatically when the loan is created,
//! by a standing [`Policy`]: a minimum rate of its own, or the defaults by
//! the borrower's trust tier (TS ≥ 0.8 → 4 %, ≥ 0.5 → 6 %, ≥ 0.3 → 8 %, below
//! never) — and in either case only for a loan whose amount and term are
//! within the policy's `max_amount` and `max_term_days` (SPEC §4, v2), so a
//! standing yes never guarantees a ten-year loan of any size. Automatic
//! locking needs the holder's allowance for the escrow.
//!
//! When the loan is repaid (or cancelled) the loan manager releases the
//! warrants: each locked amount returns to its holder. On default the loan
//! manager claims: each holder pays `min(warrant, loss · share)` in order to
//! the creditor and gets the rest back (seed 003 §6.4,
//! [`dcu_common::loan::settle_default`]).
//!
//! Invariant: the escrow's token balance ≥ `locked_total` = Σ amounts of
//! Locked warrants of Open loans (equal unless someone sends tokens to the
//! escrow directly). Access: `create`, `release` and `claim` only from the
//! wired loan manager; `set_code` only from governance; `wire` once by the
//! deployer. Caps: at most 5 warrants per loan, 32 open warrants per holder.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use self::warrant_escrow::{
    Error, EscrowState, LoanTerms, LoanWarrants, Policy, Warrant, WarrantEscrow, WarrantEscrowRef, WarrantState, Wiring, MAX_HOLDERS, MAX_OPEN_PER_HOLDER,
};

#[ink::contract]
mod warrant_escrow {
    pub use dcu_common::iface::warrant_escrow::LoanTerms;
    use dcu_common::loan::{auto_accept_threshold_bps, settle_default, warrant_sizes, MAX_TERM_DAYS};
    use dcu_common::units::BPS_DENOMINATOR;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;
    use psp22::PSP22Error;

    #[cfg(test)]
    use crate::mock as ext;

    /// Most warrants on one loan (MAX_HOPS 6 → at most 5 intermediaries).
    pub const MAX_HOLDERS: u32 = 5;
    /// Most open warrants one holder may have (a storage-growth cap).
    pub const MAX_OPEN_PER_HOLDER: u32 = 32;

    /// A holder's standing decision on warrants asked of it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum Policy {
        /// Accept each warrant explicitly (the default).
        #[default]
        Manual,
        /// Accept when the loan's rate reaches the default for the
        /// borrower's trust tier (4 % / 6 % / 8 %; never below TS 0.3), its
        /// amount is at most `max_amount` and its term at most `max_term_days`.
        ByTrustTier {
            /// Largest loan amount (the loan's, not the warrant's) accepted.
            max_amount: Balance,
            /// Longest loan term accepted, in days.
            max_term_days: u32,
        },
        /// Accept when the loan's rate is at least `min_rate_bps`, its amount
        /// at most `max_amount` and its term at most `max_term_days`.
        MinRate {
            /// Lowest yearly rate accepted, bps (0..=10,000).
            min_rate_bps: u32,
            /// Largest loan amount (the loan's, not the warrant's) accepted.
            max_amount: Balance,
            /// Longest loan term accepted, in days.
            max_term_days: u32,
        },
    }

    impl Policy {
        /// The name of the first field outside its range, if any: a rate of
        /// at most 10,000 bps, an amount above zero, a term of
        /// 1..=MAX_TERM_DAYS days.
        pub fn invalid(&self) -> Option<&'static str> {
            let (rate, max_amount, max_term_days) = match *self {
                Policy::Manual => return None,
                Policy::ByTrustTier { max_amount, max_term_days } => (0, max_amount, max_term_days),
                Policy::MinRate { min_rate_bps, max_amount, max_term_days } => (min_rate_bps, max_amount, max_term_days),
            };
            if rate > BPS_DENOMINATOR {
                Some("min_rate_bps")
            } else if max_amount == 0 {
                Some("max_amount")
            } else if max_term_days == 0 || max_term_days > MAX_TERM_DAYS {
                Some("max_term_days")
            } else {
                None
            }
        }

        /// Whether this policy locks a warrant on a loan of `terms` at once.
        pub fn accepts(&self, terms: &LoanTerms) -> bool {
            let (threshold, max_amount, max_term_days) = match *self {
                Policy::Manual => return false,
                Policy::ByTrustTier { max_amount, max_term_days } => (auto_accept_threshold_bps(terms.borrower_ts), max_amount, max_term_days),
                Policy::MinRate { min_rate_bps, max_amount, max_term_days } => (Some(min_rate_bps), max_amount, max_term_days),
            };
            threshold.is_some_and(|t| terms.rate_bps >= t) && terms.amount <= max_amount && terms.term_days <= max_term_days
        }
    }

    /// A warrant's state.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[allow(clippy::cast_possible_truncation)]
    pub enum WarrantState {
        /// Asked for, not locked yet.
        Pending,
        /// Locked in the escrow.
        Locked,
        /// Returned to its holder (or never locked and the loan ended).
        Released,
        /// Claimed, in whole or part, for the creditor; the rest returned.
        Claimed,
    }

    /// One intermediary's warrant.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Warrant {
        /// The intermediary.
        pub holder: AccountId,
        /// Tokens to lock.
        pub amount: Balance,
        pub state: WarrantState,
        /// Paid to the creditor on default.
        pub claimed: Balance,
    }

    /// The escrow's record of one loan.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[allow(clippy::cast_possible_truncation)]
    pub enum EscrowState {
        /// Warrants asked for or locked.
        Open,
        /// Loan repaid or cancelled: warrants returned.
        Released,
        /// Loan defaulted: warrants claimed.
        Settled,
    }

    /// The warrants of one loan.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct LoanWarrants {
        /// Who receives claims on default (the end creditor).
        pub creditor: AccountId,
        /// The loan's amount, against which policies are checked.
        pub amount: Balance,
        /// The loan's term in days, against which policies are checked.
        pub term_days: u32,
        /// The loan's yearly rate, against which policies are checked.
        pub rate_bps: u32,
        /// The borrower's trust score (10^9) when the loan was requested.
        pub borrower_ts: u128,
        pub warrants: Vec<Warrant>,
        pub state: EscrowState,
    }

    /// The contracts allowed to act on the escrow.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Wiring {
        /// May replace the code.
        pub governance: AccountId,
        /// Creates, releases and claims warrants.
        pub loan_manager: AccountId,
    }

    /// The escrow's storage.
    #[ink(storage)]
    pub struct WarrantEscrow {
        /// May `wire` once.
        deployer: AccountId,
        /// The PSP22 stablecoin.
        token: AccountId,
        wiring: Option<Wiring>,
        loans: Mapping<u64, LoanWarrants>,
        policies: Mapping<AccountId, Policy>,
        /// Open warrants per holder (Pending or Locked on an Open loan).
        open: Mapping<AccountId, u32>,
        /// Σ Locked amounts on Open loans.
        locked_total: Balance,
    }

    /// The escrow was wired.
    #[ink(event)]
    pub struct Wired {
        pub wiring: Wiring,
    }

    /// A holder set its standing policy.
    #[ink(event)]
    pub struct PolicySet {
        #[ink(topic)]
        pub holder: AccountId,
        pub policy: Policy,
    }

    /// A warrant was asked of a holder.
    #[ink(event)]
    pub struct WarrantRequested {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub holder: AccountId,
        pub amount: Balance,
    }

    /// A warrant was locked, explicitly or by policy.
    #[ink(event)]
    pub struct WarrantLocked {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub holder: AccountId,
        pub amount: Balance,
        pub by_policy: bool,
    }

    /// A loan's warrants were returned to their holders.
    #[ink(event)]
    pub struct WarrantsReleased {
        #[ink(topic)]
        pub loan_id: u64,
        pub returned: Balance,
    }

    /// A holder's warrant was claimed on default.
    #[ink(event)]
    pub struct WarrantClaimed {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub holder: AccountId,
        pub claimed: Balance,
        pub returned: Balance,
    }

    /// The code was replaced.
    #[ink(event)]
    pub struct Upgraded {
        pub code_hash: Hash,
    }

    /// Why the escrow refused.
    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[allow(clippy::cast_possible_truncation)]
    pub enum Error {
        /// The caller may not do this.
        Unauthorized { caller: AccountId },
        /// `wire` has not been called yet.
        NotWired,
        /// `wire` was already called.
        AlreadyWired,
        /// The loan already has warrants.
        LoanExists,
        /// The escrow has no warrants for this loan.
        NoSuchLoan,
        /// The loan's warrants are not in the expected state.
        WrongState { current: EscrowState, expected: EscrowState },
        /// A loan needs 1..=`max` warrant holders.
        BadHolderCount { max: u32 },
        /// An account appears twice among the holders.
        DuplicateHolder,
        /// The warrants' total must be above zero.
        ZeroAmount,
        /// The holder has `max` open warrants already.
        TooManyOpenWarrants { max: u32 },
        /// The caller holds no warrant on this loan.
        NotHolder,
        /// The caller's warrant is already locked.
        AlreadyLocked,
        /// A policy field is outside its range (`min_rate_bps` ≤ 10,000,
        /// `max_amount` > 0, `max_term_days` 1..=3,650).
        BadPolicy { name: ink::prelude::string::String },
        /// The token refused a transfer (e.g. allowance or balance too low).
        Token(PSP22Error),
        /// The token contract could not be called.
        TokenCallFailed,
        /// Replacing the code failed (unknown code hash).
        UpgradeFailed,
        /// Arithmetic overflow.
        Overflow,
    }

    /// The escrow's result type.
    pub type Result<T> = core::result::Result<T, Error>;

    #[cfg(not(test))]
    mod ext {
        use super::*;
        use ink::codegen::TraitCallBuilder;
        use psp22::PSP22;

        /// Pulls `amount` from `from` into the escrow (needs an allowance).
        pub fn pull(token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
            let me = ink::env::account_id::<ink::env::DefaultEnvironment>();
            let mut t: ink::contract_ref!(PSP22) = token.into();
            match t.call_mut().transfer_from(from, me, amount, Vec::new()).try_invoke() {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(Error::Token(e)),
                _ => Err(Error::TokenCallFailed),
            }
        }

        /// Pays `amount` from the escrow to `to`.
        pub fn push(token: AccountId, to: AccountId, amount: Balance) -> Result<()> {
            if amount == 0 {
                return Ok(());
            }
            let mut t: ink::contract_ref!(PSP22) = token.into();
            match t.call_mut().transfer(to, amount, Vec::new()).try_invoke() {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(Error::Token(e)),
                _ => Err(Error::TokenCallFailed),
            }
        }
    }

    impl WarrantEscrow {
        /// An escrow of the PSP22 `token`; the caller may `wire` it once.
        #[ink(constructor)]
        pub fn new(token: AccountId) -> Self {
            WarrantEscrow {
                deployer: Self::env().caller(),
                token,
                wiring: None,
                loans: Mapping::default(),
                policies: Mapping::default(),
                open: Mapping::default(),
                locked_total: 0,
            }
        }

        /// Sets the governance and loan-manager addresses (deployer, once).
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::AlreadyWired`].
        #[ink(message)]
        pub fn wire(&mut self, wiring: Wiring) -> Result<()> {
            let caller = self.env().caller();
            if caller != self.deployer {
                return Err(Error::Unauthorized { caller });
            }
            if self.wiring.is_some() {
                return Err(Error::AlreadyWired);
            }
            self.wiring = Some(wiring);
            self.env().emit_event(Wired { wiring });
            Ok(())
        }

        /// Sets the caller's standing policy for warrants asked of it.
        ///
        /// # Errors
        /// [`Error::BadPolicy`] for a minimum rate above 10,000 bps, a
        /// maximum amount of zero, or a maximum term outside 1..=3,650 days.
        #[ink(message)]
        pub fn set_policy(&mut self, policy: Policy) -> Result<()> {
            if let Some(name) = policy.invalid() {
                return Err(Error::BadPolicy { name: name.into() });
            }
            let holder = self.env().caller();
            self.policies.insert(holder, &policy);
            self.env().emit_event(PolicySet { holder, policy });
            Ok(())
        }

        /// Asks `holders` for warrants totalling `total` on loan `loan_id`
        /// (loan manager only), split equally; a holder whose policy accepts
        /// the loan's `terms` (its rate for the borrower's trust score, its
        /// amount and its term), and whose allowance and balance suffice, is
        /// locked at once. Returns how many warrants are locked.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::LoanExists`],
        /// [`Error::BadHolderCount`], [`Error::DuplicateHolder`],
        /// [`Error::ZeroAmount`], [`Error::TooManyOpenWarrants`], [`Error::Overflow`].
        #[ink(message)]
        pub fn create(&mut self, loan_id: u64, creditor: AccountId, holders: Vec<AccountId>, total: Balance, terms: LoanTerms) -> Result<u32> {
            self.ensure_loan_manager()?;
            if self.loans.contains(loan_id) {
                return Err(Error::LoanExists);
            }
            if holders.is_empty() || holders.len() > MAX_HOLDERS as usize {
                return Err(Error::BadHolderCount { max: MAX_HOLDERS });
            }
            if total == 0 {
                return Err(Error::ZeroAmount);
            }
            for (i, h) in holders.iter().enumerate() {
                if holders.iter().skip(i.saturating_add(1)).any(|x| x == h) {
                    return Err(Error::DuplicateHolder);
                }
                if self.open.get(h).unwrap_or(0) >= MAX_OPEN_PER_HOLDER {
                    return Err(Error::TooManyOpenWarrants { max: MAX_OPEN_PER_HOLDER });
                }
            }
            let (sizes, _) = warrant_sizes(total, holders.len(), BPS_DENOMINATOR).ok_or(Error::Overflow)?;
            let LoanTerms { amount, term_days, rate_bps, borrower_ts } = terms;
            let mut rec = LoanWarrants { creditor, amount, term_days, rate_bps, borrower_ts, warrants: Vec::new(), state: EscrowState::Open };
            for (h, amount) in holders.iter().zip(sizes) {
                rec.warrants.push(Warrant { holder: *h, amount, state: WarrantState::Pending, claimed: 0 });
                self.add_open(*h)?;
                self.env().emit_event(WarrantRequested { loan_id, holder: *h, amount });
            }
            self.loans.insert(loan_id, &rec);
            // Policies: lock now where the holder's standing decision says so.
            // A holder without allowance or balance simply stays Pending.
            let mut locked = 0u32;
            for i in 0..rec.warrants.len() {
                let w = rec.warrants[i];
                if !self.policy(w.holder).accepts(&terms) {
                    continue;
                }
                if ext::pull(self.token, w.holder, w.amount).is_ok() {
                    rec.warrants[i].state = WarrantState::Locked;
                    self.locked_total = self.locked_total.checked_add(w.amount).ok_or(Error::Overflow)?;
                    locked = locked.saturating_add(1);
                    self.loans.insert(loan_id, &rec);
                    self.env().emit_event(WarrantLocked { loan_id, holder: w.holder, amount: w.amount, by_policy: true });
                }
            }
            Ok(locked)
        }

        /// Locks the caller's warrant on `loan_id` (needs an allowance).
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::WrongState`] (not Open),
        /// [`Error::NotHolder`], [`Error::AlreadyLocked`], [`Error::Token`],
        /// [`Error::TokenCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn accept(&mut self, loan_id: u64) -> Result<()> {
            let caller = self.env().caller();
            let mut rec = self.open_loan(loan_id)?;
            let i = rec.warrants.iter().position(|w| w.holder == caller).ok_or(Error::NotHolder)?;
            if rec.warrants[i].state != WarrantState::Pending {
                return Err(Error::AlreadyLocked);
            }
            let amount = rec.warrants[i].amount;
            rec.warrants[i].state = WarrantState::Locked;
            let locked_total = self.locked_total.checked_add(amount).ok_or(Error::Overflow)?;
            // Every check and computation is done; the token cannot call
            // back in (no re-entry is allowed), and storage is written only
            // once the tokens are in, so a refusal leaves nothing changed.
            ext::pull(self.token, caller, amount)?;
            self.locked_total = locked_total;
            self.loans.insert(loan_id, &rec);
            self.env().emit_event(WarrantLocked { loan_id, holder: caller, amount, by_policy: false });
            Ok(())
        }

        /// Returns every locked warrant of `loan_id` to its holder (loan
        /// manager only; on repayment or cancellation). Returns the total.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::NoSuchLoan`],
        /// [`Error::WrongState`], [`Error::Token`], [`Error::TokenCallFailed`].
        #[ink(message)]
        pub fn release(&mut self, loan_id: u64) -> Result<Balance> {
            self.ensure_loan_manager()?;
            let mut rec = self.open_loan(loan_id)?;
            let mut returned: Balance = 0;
            let mut pays = Vec::new();
            for w in rec.warrants.iter_mut() {
                if w.state == WarrantState::Locked {
                    returned = returned.checked_add(w.amount).ok_or(Error::Overflow)?;
                    pays.push((w.holder, w.amount));
                }
                w.state = WarrantState::Released;
            }
            rec.state = EscrowState::Released;
            let locked_total = self.locked_total.checked_sub(returned).ok_or(Error::Overflow)?;
            for (to, amount) in pays {
                ext::push(self.token, to, amount)?;
            }
            self.locked_total = locked_total;
            for w in &rec.warrants {
                self.sub_open(w.holder);
            }
            self.loans.insert(loan_id, &rec);
            self.env().emit_event(WarrantsReleased { loan_id, returned });
            Ok(returned)
        }

        /// Settles a default of `loan_id` whose uncovered loss is `loss`
        /// (loan manager only, after the insurance reserve): each locked
        /// warrant pays `min(warrant, loss · share)` to the creditor and the
        /// rest returns to its holder. Returns the total paid to the creditor.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::NoSuchLoan`],
        /// [`Error::WrongState`], [`Error::Token`], [`Error::TokenCallFailed`],
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn claim(&mut self, loan_id: u64, loss: Balance) -> Result<Balance> {
            self.ensure_loan_manager()?;
            let mut rec = self.open_loan(loan_id)?;
            let locked: Vec<Balance> = rec.warrants.iter().map(|w| if w.state == WarrantState::Locked { w.amount } else { 0 }).collect();
            let s = settle_default(loss, 0, &locked).ok_or(Error::Overflow)?;
            let mut to_creditor: Balance = 0;
            let mut pays = Vec::new();
            for (i, w) in rec.warrants.iter_mut().enumerate() {
                let (claimed, back) = (s.claims[i], s.released[i]);
                to_creditor = to_creditor.checked_add(claimed).ok_or(Error::Overflow)?;
                w.claimed = claimed;
                w.state = if claimed > 0 { WarrantState::Claimed } else { WarrantState::Released };
                pays.push((w.holder, back));
            }
            let total_locked = locked.iter().try_fold(0u128, |a, b| a.checked_add(*b)).ok_or(Error::Overflow)?;
            let locked_total = self.locked_total.checked_sub(total_locked).ok_or(Error::Overflow)?;
            rec.state = EscrowState::Settled;
            ext::push(self.token, rec.creditor, to_creditor)?;
            for (to, amount) in &pays {
                ext::push(self.token, *to, *amount)?;
            }
            self.locked_total = locked_total;
            for (i, w) in rec.warrants.iter().enumerate() {
                self.sub_open(w.holder);
                if locked[i] > 0 {
                    self.env().emit_event(WarrantClaimed { loan_id, holder: w.holder, claimed: w.claimed, returned: pays[i].1 });
                }
            }
            self.loans.insert(loan_id, &rec);
            Ok(to_creditor)
        }

        /// Replaces this contract's code (governance only); storage stays.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::UpgradeFailed`].
        #[ink(message)]
        pub fn set_code(&mut self, code_hash: Hash) -> Result<()> {
            let caller = self.env().caller();
            let w = self.wiring.ok_or(Error::NotWired)?;
            if caller != w.governance {
                return Err(Error::Unauthorized { caller });
            }
            self.env().set_code_hash(&code_hash).map_err(|_| Error::UpgradeFailed)?;
            self.env().emit_event(Upgraded { code_hash });
            Ok(())
        }

        /// The warrants of `loan_id`.
        #[ink(message)]
        pub fn loan(&self, loan_id: u64) -> Option<LoanWarrants> {
            self.loans.get(loan_id)
        }

        /// Whether every warrant of `loan_id` is locked (false if unknown).
        #[ink(message)]
        pub fn fully_locked(&self, loan_id: u64) -> bool {
            self.loans
                .get(loan_id)
                .is_some_and(|r| r.state == EscrowState::Open && r.warrants.iter().all(|w| w.state == WarrantState::Locked))
        }

        /// `holder`'s standing policy.
        #[ink(message)]
        pub fn policy(&self, holder: AccountId) -> Policy {
            self.policies.get(holder).unwrap_or_default()
        }

        /// The lowest rate `holder` accepts automatically for a borrower of
        /// trust score `borrower_ts` (within its policy's amount and term);
        /// `None`: never automatically.
        #[ink(message)]
        pub fn threshold(&self, holder: AccountId, borrower_ts: u128) -> Option<u32> {
            match self.policy(holder) {
                Policy::Manual => None,
                Policy::ByTrustTier { .. } => auto_accept_threshold_bps(borrower_ts),
                Policy::MinRate { min_rate_bps, .. } => Some(min_rate_bps),
            }
        }

        /// Whether `holder`'s policy would lock its warrant at once on a
        /// loan of `terms` (allowance and balance permitting).
        #[ink(message)]
        pub fn would_accept(&self, holder: AccountId, terms: LoanTerms) -> bool {
            self.policy(holder).accepts(&terms)
        }

        /// Open warrants of `holder`.
        #[ink(message)]
        pub fn open_warrants(&self, holder: AccountId) -> u32 {
            self.open.get(holder).unwrap_or(0)
        }

        /// Σ locked amounts of open loans.
        #[ink(message)]
        pub fn locked_total(&self) -> Balance {
            self.locked_total
        }

        /// The wiring, `None` before `wire`.
        #[ink(message)]
        pub fn wiring(&self) -> Option<Wiring> {
            self.wiring
        }

        /// The stablecoin.
        #[ink(message)]
        pub fn token(&self) -> AccountId {
            self.token
        }

        // ---------------------------------------------------------------
        // Guards and helpers
        // ---------------------------------------------------------------

        fn ensure_loan_manager(&self) -> Result<()> {
            let caller = self.env().caller();
            let w = self.wiring.ok_or(Error::NotWired)?;
            if caller == w.loan_manager {
                Ok(())
            } else {
                Err(Error::Unauthorized { caller })
            }
        }

        fn open_loan(&self, loan_id: u64) -> Result<LoanWarrants> {
            let rec = self.loans.get(loan_id).ok_or(Error::NoSuchLoan)?;
            if rec.state != EscrowState::Open {
                return Err(Error::WrongState { current: rec.state, expected: EscrowState::Open });
            }
            Ok(rec)
        }

        fn add_open(&mut self, holder: AccountId) -> Result<()> {
            let n = self.open.get(holder).unwrap_or(0).checked_add(1).ok_or(Error::Overflow)?;
            self.open.insert(holder, &n);
            Ok(())
        }

        fn sub_open(&mut self, holder: AccountId) {
            let n = self.open.get(holder).unwrap_or(0).saturating_sub(1);
            self.open.insert(holder, &n);
        }
    }
}
