//! # `federation` — community banks, their health and support (seeds 000/001, issue 20)
//!
//! A federation registers **community banks** — a name, a bioregion code and
//! the bank's own suite: credit pool, governance, trust graph — admitted and
//! removed by the federation's governance. Each bank's governance appoints
//! an **attester**, who submits per closed epoch what the chain cannot see:
//! the ecological footprint and knowledge sharing (0..=100 each) and the
//! members active in the epoch and those eligible. Every attestation is an
//! event.
//!
//! [`Federation::health`] computes a bank's health for a closed epoch with
//! `dcu_common::health` (the seed's weights): circulation and economic
//! diversity from the bank pool's `epoch_stats` (credit velocity =
//! principal repaid ÷ average outstanding; diversity = the evenness of the
//! term loans opened per purpose, counted by the pool — review H1: not
//! attested), participation from the attested counts, ecological and
//! knowledge as attested. See `docs/COMMUNITY.md`.
//!
//! The **treasury** is the federation's balance of the stablecoin: funded
//! with [`Federation::fund`] (PSP22 `transfer_from`, after `approve`) or by
//! any transfer — a community's governance spending its pool's treasury to
//! the federation. Once per epoch anyone may call
//! [`Federation::distribute`]: the epoch's budget (`params.budget`, or the
//! treasury if smaller) is split among the attested banks below the target
//! health (`params.target`, default 70) in proportion to their shortfall,
//! the whole budget to the unit (`dcu_common::health::distribute`), and
//! paid into each bank pool's insurance reserve (`approve`, then the pool's
//! `fund_insurance`).
//!
//! ## Rules
//! - `register_bank` checks the pool: the federation's stablecoin, a
//!   `clock`, the epoch length of the first bank (which fixes the
//!   federation's), counters that answer. It records the bank's first
//!   counted epoch: the first whole epoch of its pool after registration.
//! - A bank's epoch counts once its pool reports it closed; attestations of
//!   an epoch not yet closed, before the bank's first counted epoch, or a
//!   second one are refused.
//! - `distribute(e)` only for `e` from the federation's first epoch on and
//!   at most two epochs behind the current one (`EpochTooOld`); it needs
//!   `e` closed and either every bank registered before `e` attested or
//!   `e + 1` closed as well (an epoch's grace for attesters). Banks without
//!   an attestation, whose pool fails or whose figures give no health are
//!   skipped (`BankSkipped`), never failing the others.
//! - An epoch is distributed at most once, even when nothing was paid to a
//!   bank because all were healthy; with a budget or treasury of 0 it is
//!   refused (`NothingToPay`) and not marked.
//!
//! ## Invariants
//! - balance = treasury() + owed; Σ SupportPaid + balance = Σ funded +
//!   direct transfers; `owed` = Σ shares allotted − paid − cancelled.
//! - `distributed(e)` is set exactly once, with what was paid.
//!
//! ## Access
//! - `wire`: the deployer, once.
//! - `register_bank`, `remove_bank`, `set_params`, `set_code`,
//!   `approve_pool_code`, `cancel_support`: the federation's governance
//!   (wired).
//! - `appoint_attester(bank, _)`: that bank's governance.
//! - `attest(bank, …)`: that bank's attester.
//! - `fund`, `distribute`, `pay_support`, queries: anyone.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use self::federation::{
    Attestation, Bank, EpochClock, Error, Federation, FederationRef, HealthReport, Params, Wiring, DISTRIBUTE_WINDOW, MAX_BANKS, MAX_BIOREGION_LEN,
    MAX_NAME_LEN, SKIP_NOT_ATTESTED, SKIP_NOT_CLOSED, SKIP_NO_HEALTH, SKIP_POOL,
};

#[ink::contract]
mod federation {
    use dcu_common::health::{self, EpochStats, HealthError, Metrics, DEFAULT_TARGET_HEALTH};
    use dcu_common::iface::Refusal;
    use ink::prelude::string::String;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;
    use psp22::PSP22Error;

    #[cfg(test)]
    use crate::mock as ext;

    /// Most banks in one federation: what the benchmark measures every run.
    /// `distribute` calls no pool (each bank's time is the block time at
    /// the federation's clock rate): measured, 2 banks take 0.29 MB of
    /// proof, 16 banks 1.32 MB — 34 % of a parachain block's 3.75 MiB
    /// (it was 3.35 MB while each pool was asked its clock; docs/COMMUNITY.md).
    pub const MAX_BANKS: u32 = 16;
    /// Longest bank name, in bytes.
    pub const MAX_NAME_LEN: usize = 64;
    /// Longest bioregion code, in bytes.
    pub const MAX_BIOREGION_LEN: usize = 32;
    /// How many epochs behind the current one `distribute` still accepts:
    /// the epoch just closed and the one before it (review C1).
    pub const DISTRIBUTE_WINDOW: u64 = 2;
    /// [`BankSkipped::reason`]: the pool runs code the federation has not
    /// approved (or its code cannot be read).
    pub const SKIP_POOL: u8 = 0;
    /// [`BankSkipped::reason`]: the epoch is not closed in its pool.
    pub const SKIP_NOT_CLOSED: u8 = 1;
    /// [`BankSkipped::reason`]: no attestation.
    pub const SKIP_NOT_ATTESTED: u8 = 2;
    /// [`BankSkipped::reason`]: its figures give no health.
    pub const SKIP_NO_HEALTH: u8 = 3;

    /// The accounts this contract trusts, set once by the deployer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Wiring {
        /// Admits and removes banks, sets the parameters, replaces the code.
        pub governance: AccountId,
    }

    /// Governance parameters.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Params {
        /// Paid per distributed epoch (at most the treasury), smallest units.
        pub budget: Balance,
        /// Banks below this health (0..=100) are supported *(70)*.
        pub target: u8,
    }

    impl Default for Params {
        fn default() -> Self {
            Params { budget: 0, target: DEFAULT_TARGET_HEALTH }
        }
    }

    /// A community bank.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Bank {
        /// Its name (1..=64 bytes).
        pub name: String,
        /// Its bioregion's code (1..=32 bytes).
        pub bioregion: String,
        /// Its credit pool (epoch counters, insurance reserve).
        pub pool: AccountId,
        /// Its governance (appoints the attester).
        pub governance: AccountId,
        /// Its trust graph (its members).
        pub trust_graph: AccountId,
    }

    /// What a bank's attester submits for one closed epoch.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Attestation {
        /// Ecological footprint, 0..=100 (100 = the lightest).
        pub ecological: u8,
        /// Knowledge sharing, 0..=100.
        pub knowledge: u8,
        /// Members who voted, borrowed or lent in the epoch.
        pub active_members: u32,
        /// Members who could have (the trust graph's members).
        pub eligible_members: u32,
    }

    /// A bank's health for one closed epoch.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct HealthReport {
        /// The five metrics, 0..=100.
        pub metrics: Metrics,
        /// The seed's weighted score, 0..=100.
        pub health: u8,
        /// Credit velocity of the epoch, ppm.
        pub velocity_ppm: u128,
        /// The pool's counters it was computed from.
        pub stats: EpochStats,
    }

    /// The federation's storage.
    #[ink(storage)]
    pub struct Federation {
        /// Who may call `wire` (once).
        deployer: AccountId,
        /// The PSP22 stablecoin of the treasury and of the banks' pools.
        token: AccountId,
        /// Wired accounts; `None` until `wire`.
        wiring: Option<Wiring>,
        /// Governance parameters.
        params: Params,
        /// Registered banks' ids, in registration order (≤ MAX_BANKS).
        bank_ids: Vec<u32>,
        /// The next bank id.
        next_id: u32,
        /// Banks by id.
        banks: Mapping<u32, Bank>,
        /// The bank id of each registered pool (a pool belongs to one bank).
        bank_of_pool: Mapping<AccountId, u32>,
        /// Each bank's attester.
        attesters: Mapping<u32, AccountId>,
        /// (bank, epoch) → its attestation.
        attestations: Mapping<(u32, u64), Attestation>,
        /// Distributed epochs → what was paid.
        distributed: Mapping<u64, Balance>,
        /// The banks' epoch length (ms on their pools' clock) and the first
        /// epoch the federation may distribute, both fixed by the first
        /// bank registered (review C1); `None` before it.
        clock: Option<EpochClock>,
        /// Each bank's first counted epoch: the first whole epoch of its
        /// pool after its registration (review C1).
        registered: Mapping<u32, u64>,
        /// (bank, epoch) → its health, computed when it attested (the
        /// epoch closed, its counters final), so that `distribute` needs no
        /// pool's counters; absent when the figures give none.
        healths: Mapping<(u32, u64), u8>,
        /// (epoch, bank) → (its pool, its share) allotted by `distribute`
        /// and not yet paid by `pay_support`.
        support: Mapping<(u64, u32), (AccountId, Balance)>,
        /// Σ allotted and not yet paid: held for the banks, not treasury.
        owed: Balance,
        /// Each bank's pool code, pinned at registration (or re-approved by
        /// governance): a pool whose code changed since — its community
        /// upgraded it — is not believed about its clock or its counters
        /// until the federation's governance approves the new code.
        pool_code: Mapping<u32, Hash>,
        /// The banks' pool clock rate (protocol ms per ms of block time: 1,
        /// or the fast-clock build's), fixed by the first bank registered;
        /// every pool registered or whose code is approved must run it and
        /// answer the block time at it (review of issue 20's clock: a pool
        /// on a faster clock would make every other bank's epochs look too
        /// old). With the pinned code it fixes each pool's time, so
        /// `distribute` computes every bank's current epoch itself instead
        /// of calling each pool. `None` before the first bank.
        rate: Option<u64>,
    }

    /// The federation's epoch length and first epoch (set once).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct EpochClock {
        /// The epoch length every bank's pool must use (ms).
        pub epoch_ms: u64,
        /// The first epoch `distribute` accepts: the first bank's first
        /// counted epoch.
        pub start_epoch: u64,
    }

    /// The deployer wired the contract.
    #[ink(event)]
    pub struct Wired {
        pub wiring: Wiring,
    }

    /// Governance admitted a bank.
    #[ink(event)]
    pub struct BankRegistered {
        #[ink(topic)]
        pub bank: u32,
        #[ink(topic)]
        pub pool: AccountId,
        pub name: String,
        pub bioregion: String,
        pub governance: AccountId,
        pub trust_graph: AccountId,
    }

    /// Governance removed a bank.
    #[ink(event)]
    pub struct BankRemoved {
        #[ink(topic)]
        pub bank: u32,
    }

    /// A bank's governance appointed its attester.
    #[ink(event)]
    pub struct AttesterAppointed {
        #[ink(topic)]
        pub bank: u32,
        #[ink(topic)]
        pub attester: AccountId,
    }

    /// A bank's attester attested an epoch.
    #[ink(event)]
    pub struct Attested {
        #[ink(topic)]
        pub bank: u32,
        #[ink(topic)]
        pub epoch: u64,
        pub attester: AccountId,
        pub attestation: Attestation,
    }

    /// Someone paid into the treasury.
    #[ink(event)]
    pub struct Funded {
        #[ink(topic)]
        pub from: AccountId,
        pub amount: Balance,
    }

    /// A bank below target was allotted its share (paid into its pool's
    /// insurance reserve by `pay_support`).
    #[ink(event)]
    pub struct BankSupported {
        #[ink(topic)]
        pub epoch: u64,
        #[ink(topic)]
        pub bank: u32,
        pub health: u8,
        pub amount: Balance,
    }

    /// The federation's governance approved the code a bank's pool runs.
    #[ink(event)]
    pub struct PoolCodeApproved {
        #[ink(topic)]
        pub bank: u32,
        pub code_hash: Hash,
    }

    /// A bank's share was paid into its pool's insurance reserve.
    #[ink(event)]
    pub struct SupportPaid {
        #[ink(topic)]
        pub epoch: u64,
        #[ink(topic)]
        pub bank: u32,
        pub pool: AccountId,
        pub amount: Balance,
    }

    /// The federation's governance cancelled a share that was never paid
    /// (its pool refused it, or the bank was removed): `amount` is back in
    /// the treasury.
    #[ink(event)]
    pub struct SupportCancelled {
        #[ink(topic)]
        pub epoch: u64,
        #[ink(topic)]
        pub bank: u32,
        pub pool: AccountId,
        pub amount: Balance,
    }

    /// An epoch was distributed: `paid` of a budget of `budget` to the banks
    /// below `target` (of `attested` attested banks).
    #[ink(event)]
    pub struct Distributed {
        #[ink(topic)]
        pub epoch: u64,
        pub budget: Balance,
        pub paid: Balance,
        pub target: u8,
        pub attested: u32,
    }

    /// `distribute(epoch)` left bank `bank` out (review M2): its pool's
    /// call failed or answered another epoch length (`reason` 0), the
    /// epoch is not closed in its pool (1), it has not attested (2), or
    /// its figures give no health (3: saturated counters, a bad metric).
    #[ink(event)]
    pub struct BankSkipped {
        #[ink(topic)]
        pub epoch: u64,
        #[ink(topic)]
        pub bank: u32,
        pub reason: u8,
    }

    /// Governance changed the parameters.
    #[ink(event)]
    pub struct ParamsChanged {
        pub old: Params,
        pub new: Params,
    }

    /// Governance replaced the contract's code.
    #[ink(event)]
    pub struct Upgraded {
        pub code_hash: Hash,
    }

    /// Errors of the federation.
    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum Error {
        /// The caller may not call this message.
        Unauthorized { caller: AccountId },
        /// The contract is already wired.
        AlreadyWired,
        /// The contract is not wired yet.
        NotWired,
        /// This pool is already registered, as bank `bank`.
        AlreadyRegistered { bank: u32 },
        /// No registered bank has this id.
        UnknownBank { bank: u32 },
        /// The federation already has MAX_BANKS banks.
        TooManyBanks { cap: u32 },
        /// A name or bioregion code is empty or too long.
        InvalidName,
        /// A parameter is outside its range.
        InvalidParam { name: String },
        /// The bank has no attester appointed.
        NoAttester { bank: u32 },
        /// The epoch has not closed in this bank's pool yet.
        EpochNotClosed { bank: u32, epoch: u64 },
        /// The bank already attested this epoch.
        AlreadyAttested { bank: u32, epoch: u64 },
        /// The bank has not attested this epoch.
        NotAttested { bank: u32, epoch: u64 },
        /// An attested metric is invalid (above 100, active above eligible, overflow).
        Health(HealthError),
        /// The epoch was already distributed.
        AlreadyDistributed { epoch: u64 },
        /// Not every bank attested and the next epoch has not closed yet.
        AttestationsPending { epoch: u64 },
        /// The amount must be above zero.
        ZeroAmount,
        /// The stablecoin refused a transfer.
        Token(PSP22Error),
        /// The call to the stablecoin failed.
        TokenCallFailed,
        /// A bank's pool refused `fund_insurance` (its error, SCALE-encoded).
        PoolRefused { bank: u32, error: Refusal },
        /// The call to a bank's pool failed.
        PoolCallFailed { bank: u32 },
        /// Arithmetic overflow.
        Overflow,
        /// The code hash is not an uploaded contract code.
        UpgradeFailed,
        /// No bank is registered: there is nothing to distribute to.
        NoBanks,
        /// The epoch is before the bank's first counted epoch (the first
        /// whole epoch after its registration): nothing to attest.
        BeforeRegistration { bank: u32, epoch: u64, first: u64 },
        /// The epoch is before the federation's first epoch or more than two
        /// epochs behind the current one (`oldest` is the oldest accepted now).
        EpochTooOld { epoch: u64, oldest: u64 },
        /// The pool counts epochs of another length than the federation's.
        EpochLengthMismatch { bank_epoch_ms: u64, epoch_ms: u64 },
        /// The pool's stablecoin is not the federation's.
        TokenMismatch { token: AccountId },
        /// Nothing would be paid: the budget or the treasury is 0 (nothing
        /// is marked; `distribute` may run once there is something to pay).
        NothingToPay { epoch: u64 },
        /// The bank's pool runs other code than the federation approved (its
        /// community upgraded it): not believed until governance approves it.
        PoolCodeChanged { bank: u32 },
        /// Nothing is owed to this bank for this epoch (never allotted, or paid).
        NothingOwed { epoch: u64, bank: u32 },
        /// The pool's clock is not the federation's: its rate (protocol ms
        /// per ms of block time) is 0 or not the first bank's `expected`,
        /// or its `clock()` is not the block time at that rate.
        ClockMismatch { bank: u32, rate: u64, expected: u64 },
    }

    impl From<HealthError> for Error {
        fn from(e: HealthError) -> Self {
            Error::Health(e)
        }
    }

    /// Result of the federation's messages.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Cross-contract calls: the stablecoin and the banks' pools. The unit
    /// tests use `crate::mock`, with the same signatures.
    #[cfg(not(test))]
    mod ext {
        use super::*;
        use dcu_common::iface::{invoke, invoke_result};
        use ink::codegen::TraitCallBuilder;
        use psp22::PSP22;

        /// Pulls `amount` from `from` into the federation (needs an allowance).
        pub fn pull(token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
            let me = ink::env::account_id::<ink::env::DefaultEnvironment>();
            let mut t: ink::contract_ref!(PSP22) = token.into();
            match t.call_mut().transfer_from(from, me, amount, Vec::new()).try_invoke() {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(Error::Token(e)),
                _ => Err(Error::TokenCallFailed),
            }
        }

        /// The federation's balance: its treasury.
        pub fn treasury(token: AccountId) -> Result<Balance> {
            let me = ink::env::account_id::<ink::env::DefaultEnvironment>();
            let t: ink::contract_ref!(PSP22) = token.into();
            t.call().balance_of(me).try_invoke().map_err(|_| Error::TokenCallFailed)?.map_err(|_| Error::TokenCallFailed)
        }

        /// The pool's `epoch_stats(epoch)`.
        pub fn epoch_stats(bank: u32, pool: AccountId, epoch: u64) -> Result<EpochStats> {
            invoke(pool, ink::selector_bytes!("epoch_stats"), epoch).map_err(|_| Error::PoolCallFailed { bank })
        }

        /// The pool's clock: `(now, epoch_ms)` (`credit_pool::clock`).
        pub fn clock(bank: u32, pool: AccountId) -> Result<(u64, u64)> {
            invoke(pool, ink::selector_bytes!("clock"), ()).map_err(|_| Error::PoolCallFailed { bank })
        }

        /// The pool's clock rate (`credit_pool::clock_rate`).
        pub fn clock_rate(bank: u32, pool: AccountId) -> Result<u64> {
            invoke(pool, ink::selector_bytes!("clock_rate"), ()).map_err(|_| Error::PoolCallFailed { bank })
        }

        /// A pool's time now, without calling it: the block time at its
        /// clock rate (what its pinned code answers to `clock`).
        pub fn pool_now(_pool: AccountId, rate: u64) -> u64 {
            ink::env::block_timestamp::<ink::env::DefaultEnvironment>().saturating_mul(rate)
        }

        /// The code hash of the contract at `pool`.
        pub fn code_hash(bank: u32, pool: AccountId) -> Result<Hash> {
            ink::env::code_hash::<ink::env::DefaultEnvironment>(&pool).map_err(|_| Error::PoolCallFailed { bank })
        }

        /// The pool's stablecoin (`credit_pool::token`).
        pub fn pool_token(bank: u32, pool: AccountId) -> Result<AccountId> {
            invoke(pool, ink::selector_bytes!("token"), ()).map_err(|_| Error::PoolCallFailed { bank })
        }

        /// Approves `pool` for `amount`, then has it pull `amount` into its
        /// insurance reserve (`fund_insurance`).
        pub fn fund_pool(token: AccountId, bank: u32, pool: AccountId, amount: Balance) -> Result<()> {
            let mut t: ink::contract_ref!(PSP22) = token.into();
            match t.call_mut().approve(pool, amount).try_invoke() {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => return Err(Error::Token(e)),
                _ => return Err(Error::TokenCallFailed),
            }
            match invoke_result::<Balance, ()>(pool, ink::selector_bytes!("fund_insurance"), amount) {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(Error::PoolRefused { bank, error }),
                Err(_) => Err(Error::PoolCallFailed { bank }),
            }
        }
    }

    impl Federation {
        /// A federation over the PSP22 `token`; the caller may `wire` it once.
        #[ink(constructor)]
        pub fn new(token: AccountId) -> Self {
            Federation {
                deployer: Self::env().caller(),
                token,
                wiring: None,
                params: Params::default(),
                bank_ids: Vec::new(),
                next_id: 0,
                banks: Mapping::default(),
                bank_of_pool: Mapping::default(),
                attesters: Mapping::default(),
                attestations: Mapping::default(),
                distributed: Mapping::default(),
                clock: None,
                registered: Mapping::default(),
                healths: Mapping::default(),
                support: Mapping::default(),
                owed: 0,
                pool_code: Mapping::default(),
                rate: None,
            }
        }

        /// Sets the federation's governance (deployer, once).
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

        // ---------------------------------------------------------------
        // Banks (the federation's governance)
        // ---------------------------------------------------------------

        /// Admits a community bank (federation governance only) and returns
        /// its id.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::InvalidName`],
        /// [`Error::AlreadyRegistered`] (its pool is registered),
        /// [`Error::TooManyBanks`], [`Error::TokenMismatch`] (the pool's
        /// stablecoin is another), [`Error::EpochLengthMismatch`] (its epochs
        /// are not the federation's: the first bank's length),
        /// [`Error::PoolCallFailed`] (it answers no `token`, `clock` or
        /// `epoch_stats`), [`Error::Overflow`].
        ///
        /// Records the bank's first counted epoch — the first whole epoch
        /// of its pool after now — and, for the first bank, the federation's
        /// epoch length and first epoch.
        #[ink(message)]
        pub fn register_bank(&mut self, name: String, bioregion: String, pool: AccountId, governance: AccountId, trust_graph: AccountId) -> Result<u32> {
            self.ensure_governance()?;
            if name.is_empty() || name.len() > MAX_NAME_LEN || bioregion.is_empty() || bioregion.len() > MAX_BIOREGION_LEN {
                return Err(Error::InvalidName);
            }
            if let Some(bank) = self.bank_of_pool.get(pool) {
                return Err(Error::AlreadyRegistered { bank });
            }
            if self.bank_ids.len() >= MAX_BANKS as usize {
                return Err(Error::TooManyBanks { cap: MAX_BANKS });
            }
            let bank = self.next_id;
            // The pool must be a pool of this federation's kind (review M2):
            // the same stablecoin, an epoch clock, the federation's epoch
            // length, and counters that answer.
            let code = ext::code_hash(bank, pool)?;
            let token = ext::pool_token(bank, pool)?;
            if token != self.token {
                return Err(Error::TokenMismatch { token });
            }
            let (now, bank_epoch_ms) = ext::clock(bank, pool)?;
            let rate = self.checked_rate(bank, pool, now)?;
            let epoch_ms = self.clock.map_or(bank_epoch_ms, |c| c.epoch_ms);
            if bank_epoch_ms != epoch_ms || epoch_ms == 0 {
                return Err(Error::EpochLengthMismatch { bank_epoch_ms, epoch_ms });
            }
            // Its first counted epoch (review C1): the first whole one — the
            // current epoch only when registered at its very first
            // millisecond, else the next.
            let current = now.checked_div(epoch_ms).ok_or(Error::Overflow)?;
            let first = if now.checked_rem(epoch_ms) == Some(0) { current } else { current.checked_add(1).ok_or(Error::Overflow)? };
            let stats = ext::epoch_stats(bank, pool, first)?;
            if stats.epoch_ms != epoch_ms {
                return Err(Error::EpochLengthMismatch { bank_epoch_ms: stats.epoch_ms, epoch_ms });
            }
            self.next_id = bank.checked_add(1).ok_or(Error::Overflow)?;
            if self.clock.is_none() {
                self.clock = Some(EpochClock { epoch_ms, start_epoch: first });
            }
            self.registered.insert(bank, &first);
            self.pool_code.insert(bank, &code);
            self.rate = Some(rate);
            self.bank_ids.push(bank);
            self.bank_of_pool.insert(pool, &bank);
            self.banks.insert(bank, &Bank { name: name.clone(), bioregion: bioregion.clone(), pool, governance, trust_graph });
            self.env().emit_event(BankRegistered { bank, pool, name, bioregion, governance, trust_graph });
            Ok(bank)
        }

        /// Removes bank `bank` (federation governance only): it is no longer
        /// supported, its attester is gone; its past attestations stay.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::UnknownBank`].
        #[ink(message)]
        pub fn remove_bank(&mut self, bank: u32) -> Result<()> {
            self.ensure_governance()?;
            let b = self.bank(bank)?;
            self.bank_ids.retain(|x| *x != bank);
            self.bank_of_pool.remove(b.pool);
            self.banks.remove(bank);
            self.attesters.remove(bank);
            self.registered.remove(bank);
            self.pool_code.remove(bank);
            self.env().emit_event(BankRemoved { bank });
            Ok(())
        }

        /// Appoints `attester` for bank `bank` (that bank's governance only),
        /// replacing any earlier one.
        ///
        /// # Errors
        /// [`Error::UnknownBank`], [`Error::Unauthorized`].
        #[ink(message)]
        pub fn appoint_attester(&mut self, bank: u32, attester: AccountId) -> Result<()> {
            let b = self.bank(bank)?;
            let caller = self.env().caller();
            if caller != b.governance {
                return Err(Error::Unauthorized { caller });
            }
            self.attesters.insert(bank, &attester);
            self.env().emit_event(AttesterAppointed { bank, attester });
            Ok(())
        }

        /// Bank `bank`'s attester attests `epoch`, which its pool reports
        /// closed: the ecological and knowledge metrics (0..=100), active
        /// and eligible members. Once per epoch. Economic diversity is not
        /// attested: it is the pool's count of the epoch's term loans by
        /// purpose (review H1).
        ///
        /// # Errors
        /// [`Error::UnknownBank`], [`Error::NoAttester`],
        /// [`Error::Unauthorized`], [`Error::AlreadyAttested`],
        /// [`Error::BeforeRegistration`] (an epoch before the bank's first
        /// whole epoch in the federation), [`Error::Health`] (a metric
        /// above 100, active above eligible), [`Error::EpochNotClosed`] (the current
        /// or a future epoch), [`Error::PoolCallFailed`].
        #[ink(message)]
        pub fn attest(&mut self, bank: u32, epoch: u64, attestation: Attestation) -> Result<()> {
            let b = self.bank(bank)?;
            let attester = self.attesters.get(bank).ok_or(Error::NoAttester { bank })?;
            let caller = self.env().caller();
            if caller != attester {
                return Err(Error::Unauthorized { caller });
            }
            if self.attestations.contains((bank, epoch)) {
                return Err(Error::AlreadyAttested { bank, epoch });
            }
            let first = self.registered.get(bank).unwrap_or(u64::MAX);
            if epoch < first {
                return Err(Error::BeforeRegistration { bank, epoch, first });
            }
            // Every metric it implies must compute (checked before any call).
            metrics_of(&attestation, 0, 0)?;
            self.ensure_pool_code(bank, b.pool)?;
            let stats = ext::epoch_stats(bank, b.pool, epoch)?;
            if !stats.closed {
                return Err(Error::EpochNotClosed { bank, epoch });
            }
            // Its pool counts epochs of the federation's length (a pool
            // registered before its counting started could still change
            // it): else its epoch is another span of time.
            let epoch_ms = self.clock.map_or(stats.epoch_ms, |c| c.epoch_ms);
            if stats.epoch_ms != epoch_ms {
                return Err(Error::EpochLengthMismatch { bank_epoch_ms: stats.epoch_ms, epoch_ms });
            }
            // The epoch is closed: its counters are final, and so is its
            // health (none when they saturated: `distribute` skips it).
            if let Ok(r) = report(&attestation, stats) {
                self.healths.insert((bank, epoch), &r.health);
            }
            self.attestations.insert((bank, epoch), &attestation);
            self.env().emit_event(Attested { bank, epoch, attester, attestation });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Treasury and distribution
        // ---------------------------------------------------------------

        /// Pulls `amount` of the stablecoin from the caller (after
        /// `approve`) into the treasury. Plain transfers to the federation
        /// count too.
        ///
        /// # Errors
        /// [`Error::ZeroAmount`], [`Error::Token`], [`Error::TokenCallFailed`].
        #[ink(message)]
        pub fn fund(&mut self, amount: Balance) -> Result<()> {
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            let from = self.env().caller();
            ext::pull(self.token, from, amount)?;
            self.env().emit_event(Funded { from, amount });
            Ok(())
        }

        /// Distributes `epoch` (anyone, once): the budget — `params.budget`,
        /// or the treasury if smaller — goes to the attested banks below
        /// the target health in proportion to their shortfall, the whole
        /// budget to the unit when any is below target, allotted to each one
        /// (`BankSupported`) and paid into its pool's insurance reserve by
        /// [`pay_support`](Self::pay_support), one bank per call; the health
        /// of each is the one computed when it attested, and the only call
        /// out is the token's balance: no pool is called (each bank's time
        /// is the block time at the clock rate read with its pinned code).
        /// Only an epoch from the federation's first one on and at most
        /// [`DISTRIBUTE_WINDOW`] epochs behind the current one (the latest
        /// of the banks'). Waits, until `epoch +
        /// 1` has closed too, for every bank registered before `epoch` to
        /// attest. A bank whose pool's code changed since it was approved,
        /// that has not closed the epoch, has not attested it, or whose
        /// figures give no health is left out with a `BankSkipped` event.
        /// Returns what was allotted.
        ///
        /// # Errors
        /// [`Error::AlreadyDistributed`], [`Error::NoBanks`],
        /// [`Error::EpochNotClosed`], [`Error::EpochTooOld`],
        /// [`Error::AttestationsPending`], [`Error::NothingToPay`] (budget
        /// or treasury 0: nothing marked), [`Error::PoolCallFailed`] (every
        /// bank's pool runs code not approved), [`Error::TokenCallFailed`],
        /// [`Error::Health`], [`Error::Overflow`].
        #[ink(message)]
        pub fn distribute(&mut self, epoch: u64) -> Result<Balance> {
            if self.distributed.contains(epoch) {
                return Err(Error::AlreadyDistributed { epoch });
            }
            // Without a bank no pool can say the epoch closed: refused, so
            // that nobody marks future epochs distributed before banks join.
            let clock = match (self.bank_ids.is_empty(), self.clock) {
                (false, Some(c)) => c,
                _ => return Err(Error::NoBanks),
            };
            if epoch < clock.start_epoch {
                return Err(Error::EpochTooOld { epoch, oldest: clock.start_epoch });
            }
            let next = epoch.checked_add(1).ok_or(Error::Overflow)?;
            let rate = self.rate.ok_or(Error::NoBanks)?;
            // No pool is called: each bank's time is the block time at its
            // pool's clock rate (fixed with its pinned code), its health the
            // one computed when it attested. A bank whose pool's code
            // changed, that has not closed the epoch, has not attested it or
            // whose figures give no health is left out (`BankSkipped`),
            // never failing the rest (review M2). The federation's current
            // epoch is the latest of its banks'.
            let mut current: Option<u64> = None;
            let mut ids = Vec::new();
            let mut healths = Vec::new();
            let mut skipped: Vec<(u32, u8)> = Vec::new();
            let mut pending = false;
            let mut first_open = None;
            for &bank in &self.bank_ids {
                let b = self.bank(bank)?;
                // A pool whose code changed since it was approved is not
                // believed about time (it could move the federation's
                // current epoch) and is left out.
                if self.ensure_pool_code(bank, b.pool).is_err() {
                    skipped.push((bank, SKIP_POOL));
                    continue;
                }
                let now = ext::pool_now(b.pool, rate);
                let bank_current = now.checked_div(clock.epoch_ms).ok_or(Error::Overflow)?;
                current = Some(current.map_or(bank_current, |c| c.max(bank_current)));
                // Counted in the epoch (registered before it) and not
                // attested: wait for it through the grace.
                let could_attest = self.registered.get(bank).is_some_and(|f| f <= epoch);
                if bank_current <= epoch {
                    first_open.get_or_insert(bank);
                    pending |= could_attest;
                    skipped.push((bank, SKIP_NOT_CLOSED));
                    continue;
                }
                if !self.attestations.contains((bank, epoch)) {
                    pending |= could_attest;
                    skipped.push((bank, SKIP_NOT_ATTESTED));
                    continue;
                }
                // Its health, computed when it attested the closed epoch.
                match self.healths.get((bank, epoch)) {
                    Some(h) => {
                        ids.push((bank, b.pool));
                        healths.push(h);
                    }
                    None => skipped.push((bank, SKIP_NO_HEALTH)),
                }
            }
            let Some(current) = current else {
                return Err(Error::PoolCallFailed { bank: self.bank_ids.first().copied().unwrap_or(0) });
            };
            if current <= epoch {
                return Err(Error::EpochNotClosed { bank: first_open.unwrap_or(0), epoch });
            }
            // Recent epochs only (review C1): the one just closed and the one
            // before it; with the registration bounds on `attest`, nobody
            // attests and distributes a backlog of past epochs.
            let oldest = current.saturating_sub(DISTRIBUTE_WINDOW).max(clock.start_epoch);
            if epoch < oldest {
                return Err(Error::EpochTooOld { epoch, oldest });
            }
            // An attester's grace: until `epoch + 1` has closed, wait for
            // every bank that could attest and has not.
            if pending && current <= next {
                return Err(Error::AttestationsPending { epoch });
            }
            let budget = self.params.budget.min(self.available()?);
            // Nothing to pay because there is no budget or no treasury: the
            // epoch is not burnt (review L1).
            if budget == 0 {
                return Err(Error::NothingToPay { epoch });
            }
            let mut shares = ink::prelude::vec![0; healths.len()];
            let paid = health::distribute(budget, self.params.target, &healths, &mut shares)?;
            // Each share is allotted here and paid by `pay_support(epoch,
            // bank)`, one bank per call: a payment calls the token and the
            // bank's pool, whose code each call puts in the block's proof,
            // so paying every bank here would not fit a parachain block past
            // a few banks (docs/COMMUNITY.md, "What it costs").
            let mut owed = self.owed;
            for (((bank, pool), amount), h) in ids.iter().zip(&shares).zip(&healths) {
                if *amount > 0 {
                    owed = owed.checked_add(*amount).ok_or(Error::Overflow)?;
                    self.support.insert((epoch, *bank), &(*pool, *amount));
                    self.env().emit_event(BankSupported { epoch, bank: *bank, health: *h, amount: *amount });
                }
            }
            self.owed = owed;
            for (bank, reason) in skipped {
                self.env().emit_event(BankSkipped { epoch, bank, reason });
            }
            self.distributed.insert(epoch, &paid);
            let attested = u32::try_from(ids.len()).map_err(|_| Error::Overflow)?;
            self.env().emit_event(Distributed { epoch, budget, paid, target: self.params.target, attested });
            Ok(paid)
        }

        /// Pays bank `bank` its share of `epoch` (anyone, once): into its
        /// pool's insurance reserve (`approve`, then the pool's
        /// `fund_insurance`). A pool that refuses keeps its share owed
        /// (nothing changes); it may be paid later.
        ///
        /// # Errors
        /// [`Error::NothingOwed`] (no share, or already paid),
        /// [`Error::PoolRefused`], [`Error::PoolCallFailed`],
        /// [`Error::Token`], [`Error::TokenCallFailed`].
        #[ink(message)]
        pub fn pay_support(&mut self, epoch: u64, bank: u32) -> Result<Balance> {
            let (pool, amount) = self.support.get((epoch, bank)).ok_or(Error::NothingOwed { epoch, bank })?;
            if self.banks.contains(bank) {
                self.ensure_pool_code(bank, pool)?;
            }
            // Paid, then recorded: a failed payment reverts the message, and
            // ink! refuses any call back into the federation meanwhile.
            ext::fund_pool(self.token, bank, pool, amount)?;
            self.support.remove((epoch, bank));
            self.owed = self.owed.checked_sub(amount).ok_or(Error::Overflow)?;
            self.env().emit_event(SupportPaid { epoch, bank, pool, amount });
            Ok(amount)
        }

        /// Cancels bank `bank`'s unpaid share of `epoch` (the federation's
        /// governance): it goes back to the treasury (`owed` falls, nothing
        /// moves). For a share its pool refuses for good or a removed bank's
        /// — without it such a share would stay out of the treasury
        /// forever. Anyone may still `pay_support` it until the cancel
        /// executes (a governance vote's timelock is that window).
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`],
        /// [`Error::NothingOwed`] (no share, or already paid or cancelled),
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn cancel_support(&mut self, epoch: u64, bank: u32) -> Result<Balance> {
            self.ensure_governance()?;
            let (pool, amount) = self.support.get((epoch, bank)).ok_or(Error::NothingOwed { epoch, bank })?;
            self.owed = self.owed.checked_sub(amount).ok_or(Error::Overflow)?;
            self.support.remove((epoch, bank));
            self.env().emit_event(SupportCancelled { epoch, bank, pool, amount });
            Ok(amount)
        }

        /// Approves the code bank `bank`'s pool runs now (the federation's
        /// governance, after reading it): after its community upgraded the
        /// pool, the federation believes it again.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::UnknownBank`],
        /// [`Error::PoolCallFailed`].
        #[ink(message)]
        pub fn approve_pool_code(&mut self, bank: u32) -> Result<()> {
            self.ensure_governance()?;
            let b = self.bank(bank)?;
            let code_hash = ext::code_hash(bank, b.pool)?;
            // The new code must keep the federation's clock: its rate and
            // its answer are checked again.
            let (now, _) = ext::clock(bank, b.pool)?;
            self.checked_rate(bank, b.pool, now)?;
            self.pool_code.insert(bank, &code_hash);
            self.env().emit_event(PoolCodeApproved { bank, code_hash });
            Ok(())
        }

        /// The pool code approved for bank `bank`.
        #[ink(message)]
        pub fn pool_code(&self, bank: u32) -> Option<Hash> {
            self.pool_code.get(bank)
        }

        /// Bank `bank`'s share of `epoch` allotted and not yet paid.
        #[ink(message)]
        pub fn support(&self, epoch: u64, bank: u32) -> Option<Balance> {
            self.support.get((epoch, bank)).map(|(_, amount)| amount)
        }

        /// Σ shares allotted and not yet paid (held for the banks).
        #[ink(message)]
        pub fn owed(&self) -> Balance {
            self.owed
        }

        /// Bank `bank`'s first counted epoch (the first whole epoch of its
        /// pool after its registration), `None` for an unknown bank.
        #[ink(message)]
        pub fn registered_epoch(&self, bank: u32) -> Option<u64> {
            self.registered.get(bank)
        }

        /// The federation's epoch length and first epoch, `None` before the
        /// first bank.
        #[ink(message)]
        pub fn epoch_clock(&self) -> Option<EpochClock> {
            self.clock
        }

        // ---------------------------------------------------------------
        // Governance
        // ---------------------------------------------------------------

        /// Replaces the parameters (federation governance only); the target
        /// is 0..=100.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::InvalidParam`].
        #[ink(message)]
        pub fn set_params(&mut self, params: Params) -> Result<()> {
            self.ensure_governance()?;
            if params.target > health::MAX_METRIC {
                return Err(Error::InvalidParam { name: "target".into() });
            }
            let old = self.params;
            self.params = params;
            self.env().emit_event(ParamsChanged { old, new: params });
            Ok(())
        }

        /// Replaces this contract's code (federation governance only).
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::UpgradeFailed`].
        #[ink(message)]
        pub fn set_code(&mut self, code_hash: Hash) -> Result<()> {
            self.ensure_governance()?;
            self.env().set_code_hash(&code_hash).map_err(|_| Error::UpgradeFailed)?;
            self.env().emit_event(Upgraded { code_hash });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Queries
        // ---------------------------------------------------------------

        /// Bank `bank`'s health for `epoch`: needs its pool to report the
        /// epoch closed and the bank's attestation for it.
        ///
        /// # Errors
        /// [`Error::UnknownBank`], [`Error::PoolCallFailed`],
        /// [`Error::EpochNotClosed`], [`Error::NotAttested`], [`Error::Health`].
        #[ink(message)]
        pub fn health(&self, bank: u32, epoch: u64) -> Result<HealthReport> {
            let b = self.bank(bank)?;
            let stats = ext::epoch_stats(bank, b.pool, epoch)?;
            if !stats.closed {
                return Err(Error::EpochNotClosed { bank, epoch });
            }
            let a = self.attestations.get((bank, epoch)).ok_or(Error::NotAttested { bank, epoch })?;
            report(&a, stats)
        }

        /// Bank `bank`.
        ///
        /// # Errors
        /// [`Error::UnknownBank`].
        #[ink(message)]
        pub fn bank(&self, bank: u32) -> Result<Bank> {
            self.banks.get(bank).ok_or(Error::UnknownBank { bank })
        }

        /// Registered banks' ids, in registration order.
        #[ink(message)]
        pub fn banks(&self) -> Vec<u32> {
            self.bank_ids.clone()
        }

        /// Bank `bank`'s attester, if appointed.
        #[ink(message)]
        pub fn attester(&self, bank: u32) -> Option<AccountId> {
            self.attesters.get(bank)
        }

        /// Bank `bank`'s attestation of `epoch`, if any.
        #[ink(message)]
        pub fn attestation(&self, bank: u32, epoch: u64) -> Option<Attestation> {
            self.attestations.get((bank, epoch))
        }

        /// What `distribute(epoch)` paid, `None` before it ran.
        #[ink(message)]
        pub fn distributed(&self, epoch: u64) -> Option<Balance> {
            self.distributed.get(epoch)
        }

        /// The treasury: the federation's balance of the stablecoin less
        /// the shares allotted and not yet paid (`owed`).
        ///
        /// # Errors
        /// [`Error::TokenCallFailed`].
        #[ink(message)]
        pub fn treasury(&self) -> Result<Balance> {
            self.available()
        }

        /// The parameters.
        #[ink(message)]
        pub fn params(&self) -> Params {
            self.params
        }

        /// The wiring, `None` until `wire`.
        #[ink(message)]
        pub fn wiring(&self) -> Option<Wiring> {
            self.wiring
        }

        /// The stablecoin.
        #[ink(message)]
        pub fn token(&self) -> AccountId {
            self.token
        }

        /// Refuses a pool whose code is not the one approved for its bank.
        fn ensure_pool_code(&self, bank: u32, pool: AccountId) -> Result<()> {
            let approved = self.pool_code.get(bank);
            let running = ext::code_hash(bank, pool)?;
            if approved != Some(running) {
                return Err(Error::PoolCodeChanged { bank });
            }
            Ok(())
        }

        /// The balance less what is owed to banks.
        fn available(&self) -> Result<Balance> {
            Ok(ext::treasury(self.token)?.saturating_sub(self.owed))
        }

        /// The clock rate of bank `bank`'s pool, which answered `now` to
        /// `clock()`: it must be positive, the federation's (once a first
        /// bank fixed it) and `now` the block time at it.
        fn checked_rate(&self, bank: u32, pool: AccountId, now: u64) -> Result<u64> {
            let rate = ext::clock_rate(bank, pool)?;
            let expected = self.rate.unwrap_or(rate);
            if rate == 0 || rate != expected || now != ext::pool_now(pool, rate) {
                return Err(Error::ClockMismatch { bank, rate, expected });
            }
            Ok(rate)
        }

        fn ensure_governance(&self) -> Result<()> {
            let caller = self.env().caller();
            let w = self.wiring.ok_or(Error::NotWired)?;
            if caller == w.governance {
                Ok(())
            } else {
                Err(Error::Unauthorized { caller })
            }
        }
    }

    /// The metrics an attestation, the pool's diversity and a velocity imply.
    fn metrics_of(a: &Attestation, diversity: u8, velocity_ppm: u128) -> Result<Metrics> {
        let m = Metrics {
            diversity,
            circulation: health::circulation(velocity_ppm),
            participation: health::participation(a.active_members, a.eligible_members)?,
            ecological: a.ecological,
            knowledge: a.knowledge,
        };
        health::health(&m)?;
        Ok(m)
    }

    /// A bank's health report from its attestation and its pool's counters.
    fn report(a: &Attestation, stats: EpochStats) -> Result<HealthReport> {
        let velocity_ppm = stats.velocity_ppm()?;
        let metrics = metrics_of(a, stats.diversity()?, velocity_ppm)?;
        Ok(HealthReport { metrics, health: health::health(&metrics)?, velocity_ppm, stats })
    }
}
