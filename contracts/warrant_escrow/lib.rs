//! # `warrant_escrow` — guarantees from the intermediaries of a credit path (SPEC §4)
//!
//! A term loan routed creditor → i1 → … → ik → borrower asks each
//! intermediary for a warrant: WARRANT_RATIO × amount in total (the loan
//! manager computes it), split equally ([`dcu_common::loan::warrant_sizes`]).
//! An intermediary locks its warrant in the stablecoin, either explicitly
//! — from its wallet with [`WarrantEscrow::accept`], or from its unlent
//! stake in the pool with [`WarrantEscrow::accept_from_stake`] — or
//! automatically (from its wallet) when the loan is created, by a standing
//! [`Policy`]: a minimum rate of its own, or the defaults by
//! the borrower's trust tier (TS ≥ 0.8 → 4 %, ≥ 0.5 → 6 %, ≥ 0.3 → 8 %, below
//! never) — and in either case only for a loan whose amount and term are
//! within the policy's `max_amount` and `max_term_days` (SPEC §4, v2), so a
//! standing yes never guarantees a ten-year loan of any size. Automatic
//! locking needs the holder's allowance for the escrow.
//!
//! (v2) A holder may [`WarrantEscrow::decline`] a Pending warrant: it
//! becomes Declined for good, so the loan is never
//! [`fully_locked`](WarrantEscrow::fully_locked) and cannot be disbursed (the
//! borrower cancels it or it expires); nothing else changes.
//!
//! (issue 16) **Warrants from stake** (SPEC §4: "from its unlent stake or a
//! direct deposit"): with [`WarrantEscrow::accept_from_stake`] the escrow
//! asks the wired credit pool to pay the warrant's amount out of the
//! holder's free stake (neither allocated to its lines nor lent; else the
//! pool refuses `InsufficientStake`, and while the holder's trust counts
//! the trust graph may refuse the lower own capital, `AnchorNotReleased`).
//! Such a warrant is marked `from_stake`, and whatever of it returns — on
//! release, or the part a default does not claim — goes **back to the
//! holder's stake**, never to its wallet: the escrow transfers the tokens
//! to the pool and calls `warrant_to_stake`, which does not restart the
//! stake's lock-out. Otherwise a warrant would let stake leave the pool
//! before its lock-out. The claimed part of a default goes to the loan
//! manager like any claim. A pool refusal (or a failed call) fails the
//! message: the pool is a protocol contract, never a "held claim".
//!
//! When the loan is repaid (or cancelled) the loan manager releases the
//! warrants: each locked amount returns to its holder (its wallet, or its
//! stake for a warrant locked from stake). On default the loan
//! manager calls [`WarrantEscrow::claim_default`] with the whole unpaid
//! principal: **warrants first** (SPEC §4, v2) — each locked warrant pays its
//! pro-rata share of the loss, capped at its size, rounded by largest
//! remainder (each claim within one unit of its exact share, the claims
//! adding up exactly; [`dcu_common::loan::settle_default`]), and gets the
//! rest back (to its wallet, or to its stake for a warrant locked from
//! stake). The claims are paid to the **caller**, the loan manager, which
//! passes them to the pool to restore the creditor's stake; what the
//! warrants do not cover goes on to co-insurance and the creditor's stake.
//!
//! (v2) Only **Locked** warrants count toward a holder's cap of
//! [`MAX_OPEN_PER_HOLDER`] open warrants: the count rises when a warrant is
//! locked (by [`WarrantEscrow::accept`] or
//! [`WarrantEscrow::accept_from_stake`], or by policy at `create` — a policy
//! lock that would pass the cap is skipped and the warrant stays Pending)
//! and falls when a Locked warrant is released or claimed. Requests routed
//! through a member therefore never fill its cap (review M4 c).
//!
//! (v2) Payments to holders never block a release or a default: a payment
//! the token refuses (an error, or a failed call — e.g. a blacklisted
//! holder) is booked as a claimable balance ([`WarrantEscrow::claimable`],
//! event `PaymentHeld`) that its owner takes later with
//! [`WarrantEscrow::claim`] (review L7). Only the payment of the claims to
//! the loan manager in `claim_default` must succeed, or nothing happens;
//! and so must every return to a stake (the pool's `warrant_to_stake`).
//!
//! Invariant: the escrow's token balance ≥ `locked_total` +
//! `claimable_total`, where `locked_total` = Σ amounts of Locked warrants of
//! Open loans and `claimable_total` = Σ claimable balances (equal unless
//! someone sends tokens to the escrow directly). Access: `create`, `release`
//! and `claim_default` only from the wired loan manager; `set_code` only
//! from governance; `wire` once by the deployer; the escrow itself calls the
//! wired credit pool's `warrant_from_stake` and `warrant_to_stake`, which
//! answer only it. Caps: at most 5 warrants per
//! loan, 32 Locked warrants on open loans per holder.
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
    use dcu_common::iface::Refusal;
    use dcu_common::loan::{auto_accept_threshold_bps, settle_default, warrant_sizes, MAX_TERM_DAYS};
    use dcu_common::units::BPS_DENOMINATOR;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;
    use psp22::PSP22Error;

    #[cfg(test)]
    use crate::mock as ext;

    /// Most warrants on one loan (MAX_HOPS 6 → at most 5 intermediaries).
    pub const MAX_HOLDERS: u32 = 5;
    /// Most Locked warrants on open loans one holder may have (Pending
    /// ones do not count, so others cannot fill a holder's cap).
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
        /// Claimed, in whole or part, on default; the rest returned.
        Claimed,
        /// Declined by its holder while Pending; never locked. Its loan is
        /// never fully locked.
        Declined,
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
        /// Claimed on default (paid to the loan manager, for the creditor's
        /// stake).
        pub claimed: Balance,
        /// Locked from the holder's stake in the pool
        /// ([`WarrantEscrow::accept_from_stake`]): what returns goes back
        /// to that stake, never to the holder's wallet.
        pub from_stake: bool,
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
        /// The end creditor (informational: claims on default are paid to
        /// the loan manager, which restores this creditor's stake).
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
        /// Pays warrants out of holders' stakes and takes them back
        /// (`warrant_from_stake`, `warrant_to_stake`).
        pub credit_pool: AccountId,
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
        /// Locked warrants on Open loans per holder (Pending ones do not
        /// count).
        open: Mapping<AccountId, u32>,
        /// Σ Locked amounts on Open loans.
        locked_total: Balance,
        /// Payments the token refused, waiting for their owner's `claim`.
        claimable: Mapping<AccountId, Balance>,
        /// Σ `claimable`.
        claimable_total: Balance,
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

    /// A warrant was locked, explicitly or by policy, from the holder's
    /// wallet or (`from_stake`) from its stake in the pool.
    #[ink(event)]
    pub struct WarrantLocked {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub holder: AccountId,
        pub amount: Balance,
        pub by_policy: bool,
        pub from_stake: bool,
    }

    /// A holder declined its Pending warrant.
    #[ink(event)]
    pub struct WarrantDeclined {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub holder: AccountId,
    }

    /// A loan's warrants were returned to their holders: `returned` in
    /// all, of which `to_stake` went back to holders' stakes in the pool.
    #[ink(event)]
    pub struct WarrantsReleased {
        #[ink(topic)]
        pub loan_id: u64,
        pub returned: Balance,
        pub to_stake: Balance,
    }

    /// A holder's warrant was claimed on default; `returned` went back to
    /// its wallet, or to its stake in the pool when `to_stake`.
    #[ink(event)]
    pub struct WarrantClaimed {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub holder: AccountId,
        pub claimed: Balance,
        pub returned: Balance,
        pub to_stake: bool,
    }

    /// A loan's default was settled against its warrants: `claimed` paid
    /// to `to` (the loan manager), `returned` owed back to the holders.
    #[ink(event)]
    pub struct DefaultSettled {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub to: AccountId,
        pub loss: Balance,
        pub claimed: Balance,
        pub returned: Balance,
    }

    /// The token refused a payment of `amount` to `to`; it waits in
    /// `claimable(to)`.
    #[ink(event)]
    pub struct PaymentHeld {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub to: AccountId,
        pub amount: Balance,
    }

    /// `to` took its claimable balance.
    #[ink(event)]
    pub struct Claimed {
        #[ink(topic)]
        pub to: AccountId,
        pub amount: Balance,
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
        /// The holder has `max` Locked warrants on open loans already.
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
        /// The caller's warrant was declined; it can no longer be locked.
        AlreadyDeclined,
        /// The caller has no claimable balance.
        NothingToClaim,
        /// The credit pool refused to move a warrant out of or back into a
        /// stake (e.g. `InsufficientStake`: more than the holder's free
        /// stake; or the trust graph's `AnchorNotReleased`); its `Error`,
        /// SCALE-encoded.
        Pool(Refusal),
        /// The call to the credit pool failed.
        PoolCallFailed,
    }

    /// The escrow's result type.
    pub type Result<T> = core::result::Result<T, Error>;

    #[cfg(not(test))]
    mod ext {
        use super::*;
        use dcu_common::iface::{credit_pool as cp, CallFailed};
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

        fn pool_answer(r: core::result::Result<core::result::Result<(), Refusal>, CallFailed>) -> Result<()> {
            r.map_err(|_| Error::PoolCallFailed)?.map_err(Error::Pool)
        }

        /// Has the pool pay `amount` of `holder`'s free stake into the
        /// escrow (nothing to do for 0).
        pub fn from_stake(pool: AccountId, holder: AccountId, amount: Balance) -> Result<()> {
            if amount == 0 {
                return Ok(());
            }
            pool_answer(cp::warrant_from_stake(pool, holder, amount))
        }

        /// Sends `amount` to the pool and has it added back to `holder`'s
        /// stake (nothing to do for 0).
        pub fn to_stake(token: AccountId, pool: AccountId, holder: AccountId, amount: Balance) -> Result<()> {
            if amount == 0 {
                return Ok(());
            }
            push(token, pool, amount)?;
            pool_answer(cp::warrant_to_stake(pool, holder, amount))
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
                claimable: Mapping::default(),
                claimable_total: 0,
            }
        }

        /// Sets the governance, loan-manager and credit-pool addresses
        /// (deployer, once).
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
        /// amount and its term), whose allowance and balance suffice and who
        /// has fewer than [`MAX_OPEN_PER_HOLDER`] Locked warrants, is locked
        /// at once; any other stays Pending (Pending warrants do not count
        /// toward the cap). Returns how many warrants are locked.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::LoanExists`],
        /// [`Error::BadHolderCount`], [`Error::DuplicateHolder`],
        /// [`Error::ZeroAmount`], [`Error::Overflow`].
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
            }
            let (sizes, _) = warrant_sizes(total, holders.len(), BPS_DENOMINATOR).ok_or(Error::Overflow)?;
            // Σ sizes = total: if this fits, every lock below fits too, so
            // nothing can fail once a token has moved.
            self.locked_total.checked_add(total).ok_or(Error::Overflow)?;
            let LoanTerms { amount, term_days, rate_bps, borrower_ts } = terms;
            let mut rec = LoanWarrants { creditor, amount, term_days, rate_bps, borrower_ts, warrants: Vec::new(), state: EscrowState::Open };
            for (h, amount) in holders.iter().zip(sizes) {
                rec.warrants.push(Warrant { holder: *h, amount, state: WarrantState::Pending, claimed: 0, from_stake: false });
                self.env().emit_event(WarrantRequested { loan_id, holder: *h, amount });
            }
            self.loans.insert(loan_id, &rec);
            // Policies: lock now where the holder's standing decision says so.
            // A holder without allowance or balance, or at its cap of Locked
            // warrants, simply stays Pending.
            let mut locked = 0u32;
            for i in 0..rec.warrants.len() {
                let w = rec.warrants[i];
                if !self.policy(w.holder).accepts(&terms) {
                    continue;
                }
                let open = self.open_warrants(w.holder);
                if open >= MAX_OPEN_PER_HOLDER {
                    continue;
                }
                let (Some(open), Some(locked_total)) = (open.checked_add(1), self.locked_total.checked_add(w.amount)) else {
                    continue;
                };
                if ext::pull(self.token, w.holder, w.amount).is_ok() {
                    rec.warrants[i].state = WarrantState::Locked;
                    self.locked_total = locked_total;
                    self.open.insert(w.holder, &open);
                    locked = locked.saturating_add(1);
                    self.loans.insert(loan_id, &rec);
                    self.env().emit_event(WarrantLocked { loan_id, holder: w.holder, amount: w.amount, by_policy: true, from_stake: false });
                }
            }
            Ok(locked)
        }

        /// Locks the caller's Pending warrant on `loan_id` (needs an
        /// allowance); the caller may then hold at most
        /// [`MAX_OPEN_PER_HOLDER`] Locked warrants on open loans.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::WrongState`] (not Open),
        /// [`Error::NotHolder`], [`Error::AlreadyLocked`],
        /// [`Error::AlreadyDeclined`], [`Error::TooManyOpenWarrants`],
        /// [`Error::Token`], [`Error::TokenCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn accept(&mut self, loan_id: u64) -> Result<()> {
            self.lock_by_hand(loan_id, None)
        }

        /// Locks the caller's Pending warrant on `loan_id` from its stake in
        /// the credit pool (SPEC §4) instead of its wallet: the pool pays the
        /// warrant's amount out of the caller's free stake (neither
        /// allocated to its lines nor lent) into the escrow, and reports the
        /// caller's lower own capital to the trust graph as an unstake does.
        /// The warrant is marked `from_stake`: whatever of it returns goes
        /// back to that stake, never to the wallet. The caller may then hold
        /// at most [`MAX_OPEN_PER_HOLDER`] Locked warrants on open loans.
        ///
        /// # Errors
        /// [`Error::NotWired`], [`Error::NoSuchLoan`], [`Error::WrongState`]
        /// (not Open), [`Error::NotHolder`], [`Error::AlreadyLocked`],
        /// [`Error::AlreadyDeclined`], [`Error::TooManyOpenWarrants`],
        /// [`Error::Pool`] (e.g. `InsufficientStake`, `Paused`, or the trust
        /// graph's `AnchorNotReleased`), [`Error::PoolCallFailed`],
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn accept_from_stake(&mut self, loan_id: u64) -> Result<()> {
            let pool = self.wiring.ok_or(Error::NotWired)?.credit_pool;
            self.lock_by_hand(loan_id, Some(pool))
        }

        /// `accept` (`pool` None: from the caller's wallet) and
        /// `accept_from_stake` (from its stake in `pool`): every check and
        /// computation first; the token and the pool cannot call back in
        /// (no re-entry is allowed), and storage is written only once the
        /// tokens are in, so a refusal leaves nothing changed.
        fn lock_by_hand(&mut self, loan_id: u64, pool: Option<AccountId>) -> Result<()> {
            let caller = self.env().caller();
            let mut rec = self.open_loan(loan_id)?;
            let i = Self::pending_of(&rec, caller)?;
            let open = self.open_warrants(caller);
            if open >= MAX_OPEN_PER_HOLDER {
                return Err(Error::TooManyOpenWarrants { max: MAX_OPEN_PER_HOLDER });
            }
            let open = open.checked_add(1).ok_or(Error::Overflow)?;
            let amount = rec.warrants[i].amount;
            rec.warrants[i].state = WarrantState::Locked;
            rec.warrants[i].from_stake = pool.is_some();
            let locked_total = self.locked_total.checked_add(amount).ok_or(Error::Overflow)?;
            match pool {
                Some(pool) => ext::from_stake(pool, caller, amount)?,
                None => ext::pull(self.token, caller, amount)?,
            }
            self.locked_total = locked_total;
            self.open.insert(caller, &open);
            self.loans.insert(loan_id, &rec);
            self.env().emit_event(WarrantLocked { loan_id, holder: caller, amount, by_policy: false, from_stake: pool.is_some() });
            Ok(())
        }

        /// Declines the caller's Pending warrant on `loan_id` for good: the
        /// loan is never fully locked (so it is never disbursed; its
        /// borrower cancels it or it expires). Nothing else changes.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::WrongState`] (not Open),
        /// [`Error::NotHolder`], [`Error::AlreadyLocked`],
        /// [`Error::AlreadyDeclined`].
        #[ink(message)]
        pub fn decline(&mut self, loan_id: u64) -> Result<()> {
            let caller = self.env().caller();
            let mut rec = self.open_loan(loan_id)?;
            let i = Self::pending_of(&rec, caller)?;
            rec.warrants[i].state = WarrantState::Declined;
            self.loans.insert(loan_id, &rec);
            self.env().emit_event(WarrantDeclined { loan_id, holder: caller });
            Ok(())
        }

        /// Returns every locked warrant of `loan_id` to its holder (loan
        /// manager only; on repayment or cancellation): a warrant locked
        /// from stake back to the holder's stake in the pool (which must
        /// take it, or nothing happens), any other to the holder's wallet —
        /// a payment the token refuses waits in the holder's claimable
        /// balance instead (`PaymentHeld`). Returns the total returned
        /// (to stakes, paid or held).
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::NoSuchLoan`],
        /// [`Error::WrongState`], [`Error::Pool`], [`Error::PoolCallFailed`],
        /// [`Error::Token`], [`Error::TokenCallFailed`] (sending a stake's
        /// warrant to the pool), [`Error::Overflow`].
        #[ink(message)]
        pub fn release(&mut self, loan_id: u64) -> Result<Balance> {
            let pool = self.ensure_loan_manager()?;
            let mut rec = self.open_loan(loan_id)?;
            let mut returned: Balance = 0;
            let mut to_stake: Balance = 0;
            let mut pays = Vec::new();
            let mut stakes = Vec::new();
            for w in rec.warrants.iter_mut() {
                match w.state {
                    WarrantState::Locked => {
                        returned = returned.checked_add(w.amount).ok_or(Error::Overflow)?;
                        if w.from_stake {
                            to_stake = to_stake.checked_add(w.amount).ok_or(Error::Overflow)?;
                            stakes.push((w.holder, w.amount));
                        } else {
                            pays.push((w.holder, w.amount));
                        }
                        w.state = WarrantState::Released;
                    }
                    WarrantState::Pending => w.state = WarrantState::Released,
                    // Declined stays Declined: nothing was locked.
                    _ => {}
                }
            }
            rec.state = EscrowState::Released;
            let locked_total = self.locked_total.checked_sub(returned).ok_or(Error::Overflow)?;
            // If every payment were held the total would still fit: nothing
            // can fail once a token has moved to a wallet.
            self.claimable_total.checked_add(returned).ok_or(Error::Overflow)?;
            // Warrants from stake go back to their stakes first, before any
            // write: the pool must take each, or nothing happens.
            for (holder, amount) in &stakes {
                ext::to_stake(self.token, pool, *holder, *amount)?;
            }
            self.locked_total = locked_total;
            for (holder, _) in pays.iter().chain(&stakes) {
                self.sub_open(*holder);
            }
            self.loans.insert(loan_id, &rec);
            self.env().emit_event(WarrantsReleased { loan_id, returned, to_stake });
            for (to, amount) in pays {
                self.pay_or_hold(loan_id, to, amount)?;
            }
            Ok(returned)
        }

        /// Settles a default of `loan_id` whose unpaid principal is `loss`
        /// (loan manager only), **warrants first**: each locked warrant pays
        /// its pro-rata share of `min(loss, Σ locked)`, capped at its size
        /// and rounded by largest remainder, and the rest returns to its
        /// holder: to its stake in the pool for a warrant locked from stake
        /// (the pool must take it, or nothing happens), else to its wallet.
        /// The claims are paid to the caller (the loan manager, which passes
        /// them to the pool for the creditor's stake); that payment must
        /// succeed. A holder's return to its wallet the token refuses waits
        /// in its claimable balance (`PaymentHeld`). Returns the total
        /// claimed.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::NoSuchLoan`],
        /// [`Error::WrongState`], [`Error::Token`], [`Error::TokenCallFailed`]
        /// (paying the caller, or sending a stake's return to the pool),
        /// [`Error::Pool`], [`Error::PoolCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn claim_default(&mut self, loan_id: u64, loss: Balance) -> Result<Balance> {
            let pool = self.ensure_loan_manager()?;
            let caller = self.env().caller();
            let mut rec = self.open_loan(loan_id)?;
            let locked: Vec<Balance> = rec.warrants.iter().map(|w| if w.state == WarrantState::Locked { w.amount } else { 0 }).collect();
            let s = settle_default(loss, &locked).ok_or(Error::Overflow)?;
            let mut claimed_total: Balance = 0;
            let mut returned: Balance = 0;
            let mut pays = Vec::new();
            for (i, w) in rec.warrants.iter_mut().enumerate() {
                match w.state {
                    WarrantState::Locked => {
                        // i < 5: `settle_default` refused more warrants.
                        let claimed = s.claims.get(i).copied().ok_or(Error::Overflow)?;
                        let back = s.released.get(i).copied().ok_or(Error::Overflow)?;
                        claimed_total = claimed_total.checked_add(claimed).ok_or(Error::Overflow)?;
                        returned = returned.checked_add(back).ok_or(Error::Overflow)?;
                        w.claimed = claimed;
                        w.state = if claimed > 0 { WarrantState::Claimed } else { WarrantState::Released };
                        pays.push((w.holder, claimed, back, w.from_stake));
                    }
                    WarrantState::Pending => w.state = WarrantState::Released,
                    // Declined stays Declined: nothing was locked.
                    _ => {}
                }
            }
            let total_locked = claimed_total.checked_add(returned).ok_or(Error::Overflow)?;
            let locked_total = self.locked_total.checked_sub(total_locked).ok_or(Error::Overflow)?;
            self.claimable_total.checked_add(returned).ok_or(Error::Overflow)?;
            rec.state = EscrowState::Settled;
            // The loan manager's payment first, then the returns to stakes,
            // before any write: if the token refuses the one or the pool any
            // of the others, the whole settlement is refused.
            ext::push(self.token, caller, claimed_total)?;
            for (holder, _, back, _) in pays.iter().filter(|p| p.3) {
                ext::to_stake(self.token, pool, *holder, *back)?;
            }
            self.locked_total = locked_total;
            for (holder, _, _, _) in &pays {
                self.sub_open(*holder);
            }
            self.loans.insert(loan_id, &rec);
            self.env().emit_event(DefaultSettled { loan_id, to: caller, loss, claimed: claimed_total, returned });
            for (holder, claimed, back, to_stake) in pays {
                self.env().emit_event(WarrantClaimed { loan_id, holder, claimed, returned: back, to_stake });
                if !to_stake {
                    self.pay_or_hold(loan_id, holder, back)?;
                }
            }
            Ok(claimed_total)
        }

        /// Pays the caller its whole claimable balance (payments the token
        /// refused earlier). If the token refuses again, nothing changes.
        /// Returns the amount paid.
        ///
        /// # Errors
        /// [`Error::NothingToClaim`], [`Error::Token`],
        /// [`Error::TokenCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn claim(&mut self) -> Result<Balance> {
            let caller = self.env().caller();
            let amount = self.claimable.get(caller).unwrap_or(0);
            if amount == 0 {
                return Err(Error::NothingToClaim);
            }
            let claimable_total = self.claimable_total.checked_sub(amount).ok_or(Error::Overflow)?;
            // Storage is written only once the tokens are out.
            ext::push(self.token, caller, amount)?;
            self.claimable.remove(caller);
            self.claimable_total = claimable_total;
            self.env().emit_event(Claimed { to: caller, amount });
            Ok(amount)
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

        /// Whether every warrant of `loan_id` is locked (false if unknown,
        /// not open, or any warrant Pending or Declined).
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

        /// Locked warrants of `holder` on open loans (Pending ones do not
        /// count), at most [`MAX_OPEN_PER_HOLDER`].
        #[ink(message)]
        pub fn open_warrants(&self, holder: AccountId) -> u32 {
            self.open.get(holder).unwrap_or(0)
        }

        /// Σ locked amounts of open loans.
        #[ink(message)]
        pub fn locked_total(&self) -> Balance {
            self.locked_total
        }

        /// What `account` may take with `claim` (payments the token refused).
        #[ink(message)]
        pub fn claimable(&self, account: AccountId) -> Balance {
            self.claimable.get(account).unwrap_or(0)
        }

        /// Σ claimable balances.
        #[ink(message)]
        pub fn claimable_total(&self) -> Balance {
            self.claimable_total
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

        /// Refuses any caller but the wired loan manager; answers the wired
        /// credit pool.
        fn ensure_loan_manager(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            let w = self.wiring.ok_or(Error::NotWired)?;
            if caller == w.loan_manager {
                Ok(w.credit_pool)
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

        /// The index of `holder`'s Pending warrant in `rec`.
        fn pending_of(rec: &LoanWarrants, holder: AccountId) -> Result<usize> {
            let i = rec.warrants.iter().position(|w| w.holder == holder).ok_or(Error::NotHolder)?;
            match rec.warrants[i].state {
                WarrantState::Pending => Ok(i),
                WarrantState::Declined => Err(Error::AlreadyDeclined),
                // Released or Claimed happen only on a loan no longer Open.
                _ => Err(Error::AlreadyLocked),
            }
        }

        /// Pays `amount` to `to`; if the token refuses (an error or a
        /// failed call), books it as `to`'s claimable balance instead.
        fn pay_or_hold(&mut self, loan_id: u64, to: AccountId, amount: Balance) -> Result<()> {
            if amount == 0 || ext::push(self.token, to, amount).is_ok() {
                return Ok(());
            }
            let mine = self.claimable(to).checked_add(amount).ok_or(Error::Overflow)?;
            let total = self.claimable_total.checked_add(amount).ok_or(Error::Overflow)?;
            self.claimable.insert(to, &mine);
            self.claimable_total = total;
            self.env().emit_event(PaymentHeld { loan_id, to, amount });
            Ok(())
        }

        fn sub_open(&mut self, holder: AccountId) {
            let n = self.open.get(holder).unwrap_or(0).saturating_sub(1);
            self.open.insert(holder, &n);
        }
    }
}
