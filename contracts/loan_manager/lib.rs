//! # `loan_manager` — purpose-driven term loans over chains of trust (SPEC §5)
//!
//! A borrower asks for a term loan from a creditor several hops away in the
//! trust graph, over a path of credit lines creditor → i1 → … → ik →
//! borrower that `dcu route` finds off chain (seed 003 §5) and this contract
//! validates on chain through `credit_pool::path_capacity`: every hop is a
//! line with enough free capacity, at most MAX_HOPS lines.
//!
//! - `request` scores the loan (seed 000 §2.1: (100·TS + purpose + 100·CF) / 3,
//!   TS, CF and the borrower's capacity C(v) read from `trust_graph` in one
//!   `score` call), prices it (seed 003 §7.1: 3 % + (1 − TS)·5 % + (hops −
//!   1)·1 %, never below the first line's rate) and asks every intermediary
//!   for a warrant in `warrant_escrow` (WARRANT_RATIO of the amount, split
//!   equally; standing policies lock at once when they accept the loan's
//!   rate, amount and term).
//! - Capacity bounds routed credit (SPEC §2, v2): the borrower's outstanding
//!   term-loan principal — the amount of each of its loans not yet
//!   disbursed (Requested, Approved), the unpaid principal of each running
//!   one (Active, Overdue, Defaulted) — plus the new amount never exceeds
//!   C(v), checked at `request` and again at `disburse`.
//! - The score is advice, not consent (SPEC §5, v2): the creditor approves
//!   every loan with `approve`, unless it has set a standing
//!   [`ApprovalPolicy`] (minimum score, maximum amount, maximum term,
//!   minimum rate) that the loan meets in full at its request; the
//!   [`Approval`] verdict is kept in the loan and shown in its quote. With
//!   the creditor's approval and every warrant locked the loan is Approved,
//!   and the borrower may `disburse`: the pool reserves the amount on every
//!   line of the path and pays it from the creditor's stake.
//! - `repay` (partial allowed): interest accrued daily at the loan's rate
//!   first, then principal. Principal, the protocol fee and the insurance
//!   share go to the pool; of the rest the direct creditor (last hop's
//!   grantor) gets 50 %, the end creditor 30 % and the warrant holders 20 %
//!   pro rata (seed 003 §7.2), paid to their accounts. When all is repaid the
//!   warrants are released (Repaid → Closed) and the trust graph records it.
//! - Past due, anyone may `mark_overdue` (a warning in the trust graph);
//!   past due + DEFAULT_AFTER, `declare_default`; then `settle` (SPEC §4–5,
//!   v2): the warrants are claimed first, pro rata up to each (largest
//!   remainder), and their claims restore the creditor's stake in the
//!   pool; then the pool's insurance co-insures what is left (an insured
//!   loan only, at most COVER_SHARE of it); the creditor's stake bears the
//!   rest — intermediaries who vouched keep their skin in the game.
//! - Interest shares the token refuses to deliver (a paused or blacklisted
//!   recipient) wait here as claimable balances (`claim`), so one blocked
//!   recipient never makes a borrower's repayment fail.
//! - A loan keeps the warrants it got at its request: a later change of
//!   WARRANT_RATIO never alters its holders' interest share.
//! - Requested or Approved loans may be cancelled by the borrower or expire
//!   (anyone, after REQUEST_EXPIRY); either releases the warrants.
//!
//! The states are [`LoanState`] with one transition check
//! ([`LoanState::transition`]); a refused transition is
//! [`Error::WrongState`] naming the current state and the one asked for.
//!
//! ## Access
//! `wire`: the deployer, once. `set_params`, `set_code`: the wired
//! governance. `request`, `disburse`, `cancel`: the borrower; `approve`: the
//! creditor; `set_approval_policy`: any account, for loans it is the
//! creditor of; everything else anyone. The pool, the escrow and the trust
//! graph accept this contract's calls because they are wired to it.
//!
//! ## Caps
//! At most [`MAX_OPEN_LOANS`] loans per borrower that are not finished
//! (Requested … Defaulted), so every borrower's list stays bounded.
//!
//! ## Invariant
//! For every borrower, `outstanding_of(borrower)` = Σ over its unfinished
//! loans of the amount (before disbursement) or the unpaid principal
//! (after); finished loans count nothing. The contract's token balance is
//! at least `claimable_total` (it holds nothing else between messages).
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use self::loan_manager::{Error, Loan, LoanManager, LoanManagerRef, LoanView, Quote, Wiring, MAX_OPEN_LOANS, MAX_TERM_DAYS};
pub use dcu_common::loan::{Approval, ApprovalPolicy, LoanParams, LoanState, Purpose};

#[ink::contract]
mod loan_manager {
    use dcu_common::iface::trust_graph::{self as tg, Reputation};
    use dcu_common::iface::warrant_escrow::LoanTerms;
    use dcu_common::iface::Refusal;
    use dcu_common::loan::{
        accrued_interest, assessment_score, loan_rate_bps, split_interest, warrant_sizes, Approval, ApprovalPolicy, LoanParams, LoanState, Purpose,
    };
    #[cfg(not(test))]
    use dcu_common::pool::PathInfo;
    use dcu_common::units::{BPS_DENOMINATOR, DAY_MS};
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;
    use psp22::PSP22Error;

    #[cfg(test)]
    use crate::mock as ext;

    /// Most unfinished loans one borrower may have.
    pub const MAX_OPEN_LOANS: u32 = 8;
    /// Longest term: ten years.
    pub const MAX_TERM_DAYS: u32 = dcu_common::loan::MAX_TERM_DAYS;

    /// The contract allowed to change this one.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Wiring {
        /// May change the parameters and upgrade the code.
        pub governance: AccountId,
    }

    /// A term loan as stored.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Loan {
        /// Creditor (source of the funds) → intermediaries → borrower.
        pub path: Vec<AccountId>,
        pub amount: Balance,
        pub purpose: Purpose,
        /// Hash of the purpose's description (kept off chain).
        pub description: Hash,
        pub term_days: u32,
        /// Yearly rate, basis points.
        pub rate_bps: u32,
        /// Assessment score 0..=100.
        pub score: u32,
        /// The borrower's TS (10^9) at the request.
        pub borrower_ts: u128,
        /// Warrants asked of the intermediaries, in total.
        pub warrants: Balance,
        /// The creditor approved: by hand, or by its standing policy.
        pub creditor_approved: bool,
        /// The creditor's standing policy's verdict at the request: met (the
        /// policy approved it), the first bound it missed, or no policy.
        pub approval: Approval,
        pub state: LoanState,
        pub requested_at: Timestamp,
        /// 0 until disbursed.
        pub disbursed_at: Timestamp,
        /// 0 until disbursed.
        pub due_at: Timestamp,
        /// Principal not yet repaid.
        pub principal: Balance,
        /// Interest accrued and unpaid, up to `accrued_to`.
        pub interest: Balance,
        pub accrued_to: Timestamp,
        /// Interest paid so far.
        pub interest_paid: Balance,
    }

    impl Loan {
        /// The creditor (first account of the path).
        pub fn creditor(&self) -> AccountId {
            self.path.first().copied().unwrap_or([0u8; 32].into())
        }

        /// The borrower (last account of the path).
        pub fn borrower(&self) -> AccountId {
            self.path.last().copied().unwrap_or([0u8; 32].into())
        }

        /// The intermediaries, who hold the warrants.
        pub fn holders(&self) -> Vec<AccountId> {
            let n = self.path.len();
            if n <= 2 {
                Vec::new()
            } else {
                self.path.get(1..n.saturating_sub(1)).map(|s| s.to_vec()).unwrap_or_default()
            }
        }

        /// The borrower's direct creditor (grantor of the last line).
        pub fn direct_creditor(&self) -> AccountId {
            let n = self.path.len();
            self.path.get(n.saturating_sub(2)).copied().unwrap_or(self.creditor())
        }
    }

    /// A loan with its interest accrued to the current block.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct LoanView {
        pub id: u64,
        pub loan: Loan,
        /// Interest owed now.
        pub interest_now: Balance,
        /// Principal + interest owed now.
        pub owed: Balance,
        /// A Requested/Approved loan expires at this time (0 otherwise).
        pub expires_at: Timestamp,
        /// Anyone may declare a default from this time (0 before disbursement).
        pub default_at: Timestamp,
    }

    /// What a request would get, without making it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct Quote {
        pub score: u32,
        pub rate_bps: u32,
        /// The creditor's standing policy's verdict: `PolicyMet` approves the
        /// loan at its request; otherwise the creditor must `approve`.
        pub approval: Approval,
        /// What the path can carry now.
        pub capacity: Balance,
        /// The borrower's capacity C(v), which bounds its routed credit.
        pub borrower_capacity: Balance,
        /// The borrower's outstanding term-loan principal before this loan.
        pub outstanding: Balance,
        /// Warrants in total, and each intermediary's.
        pub warrants: Balance,
        pub warrant_each: Balance,
        pub trust_score: u128,
        pub confidence: u128,
    }

    #[ink(storage)]
    pub struct LoanManager {
        deployer: AccountId,
        token: AccountId,
        trust_graph: AccountId,
        credit_pool: AccountId,
        warrant_escrow: AccountId,
        wiring: Option<Wiring>,
        params: LoanParams,
        loans: Mapping<u64, Loan>,
        /// Unfinished loans of each borrower.
        open_by: Mapping<AccountId, Vec<u64>>,
        /// Ids handed out so far (the next id is this + 1).
        last_id: u64,
        /// Each creditor's standing approval policy, if it set one.
        approval_policies: Mapping<AccountId, ApprovalPolicy>,
        /// Each borrower's outstanding term-loan principal (see the invariant).
        outstanding: Mapping<AccountId, Balance>,
        /// Interest shares the token refused to deliver at a repayment,
        /// waiting for their owner's `claim` (a refused recipient never
        /// blocks the borrower's repayment).
        claimable: Mapping<AccountId, Balance>,
        /// Σ claimable: this contract holds at least this many tokens.
        claimable_total: Balance,
    }

    /// A borrower asked for a loan.
    #[ink(event)]
    pub struct LoanRequested {
        #[ink(topic)]
        pub id: u64,
        #[ink(topic)]
        pub borrower: AccountId,
        #[ink(topic)]
        pub creditor: AccountId,
        pub amount: Balance,
        pub purpose: Purpose,
        pub hops: u32,
        pub rate_bps: u32,
        pub score: u32,
        /// The creditor's standing policy's verdict (`PolicyMet`: approved).
        pub approval: Approval,
        /// Warrants locked at once by the holders' standing policies.
        pub warrants_locked: u32,
    }

    /// A loan changed state.
    #[ink(event)]
    pub struct StateChanged {
        #[ink(topic)]
        pub id: u64,
        pub from: LoanState,
        pub to: LoanState,
        pub by: AccountId,
    }

    /// The creditor approved a loan by hand.
    #[ink(event)]
    pub struct CreditorApproved {
        #[ink(topic)]
        pub id: u64,
        pub creditor: AccountId,
    }

    /// A creditor set (or, with `None`, removed) its standing approval policy.
    #[ink(event)]
    pub struct ApprovalPolicySet {
        #[ink(topic)]
        pub creditor: AccountId,
        pub policy: Option<ApprovalPolicy>,
    }

    /// A loan was paid out to its borrower.
    #[ink(event)]
    pub struct Disbursed {
        #[ink(topic)]
        pub id: u64,
        pub amount: Balance,
        pub due_at: Timestamp,
    }

    /// A repayment and where it went.
    #[ink(event)]
    pub struct Repayment {
        #[ink(topic)]
        pub id: u64,
        pub payer: AccountId,
        pub interest: Balance,
        pub principal: Balance,
        pub fee: Balance,
        pub insurance: Balance,
        /// (account, interest share) paid to the creditors and warrant holders.
        pub shares: Vec<(AccountId, Balance)>,
        /// Principal still owed.
        pub left: Balance,
    }

    /// A defaulted loan was settled: the unpaid principal was met by the
    /// warrants first, then co-insurance, and the creditor's stake bore the
    /// rest (`written_off`, the creditor's net loss — the same number as
    /// the pool's `LoanSettled.written_off`).
    #[ink(event)]
    pub struct Settled {
        #[ink(topic)]
        pub id: u64,
        pub principal: Balance,
        pub from_warrants: Balance,
        pub from_insurance: Balance,
        pub written_off: Balance,
        pub interest_forgiven: Balance,
    }

    /// The token refused to deliver an interest share to `to`: it waits in
    /// this contract until `to` calls `claim`.
    #[ink(event)]
    pub struct PaymentHeld {
        #[ink(topic)]
        pub id: u64,
        #[ink(topic)]
        pub to: AccountId,
        pub amount: Balance,
    }

    /// `to` withdrew the shares held for it.
    #[ink(event)]
    pub struct Claimed {
        #[ink(topic)]
        pub to: AccountId,
        pub amount: Balance,
    }

    /// Governance changed the parameters.
    #[ink(event)]
    pub struct ParamsChanged {
        pub old: LoanParams,
        pub new: LoanParams,
    }

    /// The deployer wired the contract.
    #[ink(event)]
    pub struct Wired {
        pub wiring: Wiring,
    }

    /// Governance replaced the contract's code.
    #[ink(event)]
    pub struct Upgraded {
        pub code_hash: Hash,
    }

    /// Errors of the loan manager.
    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum Error {
        /// The amount must be above zero.
        ZeroAmount,
        /// The term is 1..=`max` days.
        BadTerm { max: u32 },
        /// A path is creditor → … → borrower: distinct accounts, ending with the caller.
        BadPath,
        /// The path has more lines than MAX_HOPS.
        TooManyHops { max: u32 },
        /// Hop `hop` (0 = creditor → first account) has no credit line.
        NoLine { hop: u32 },
        /// The path cannot carry the amount now.
        InsufficientCapacity { available: Balance, requested: Balance },
        /// The borrower already has the maximum number of unfinished loans.
        TooManyLoans { cap: u32 },
        /// No loan has this id.
        NoSuchLoan,
        /// The loan is in state `current`; it cannot become `wanted` from there.
        WrongState { current: LoanState, wanted: LoanState },
        /// The creditor has not approved (by hand or by its policy) yet.
        NeedsCreditorApproval,
        /// The borrower's outstanding term-loan principal plus `amount`
        /// would exceed its capacity C(v).
        CapacityExceeded { capacity: Balance, outstanding: Balance, amount: Balance },
        /// An approval policy field is outside its range (`min_score` ≤ 100,
        /// `max_amount` > 0, `max_term_days` 1..=3,650, `min_rate_bps` ≤ 10,000).
        InvalidPolicy { name: ink::prelude::string::String },
        /// Not every intermediary has locked its warrant yet.
        WarrantsPending,
        /// The request expired at this time.
        RequestExpired { at: Timestamp },
        /// Not yet: possible from this time.
        TooEarly { at: Timestamp },
        /// Nothing is owed on this loan.
        NothingOwed,
        /// The caller may not call this message.
        Unauthorized { caller: AccountId },
        /// The contract is already wired.
        AlreadyWired,
        /// The contract is not wired yet.
        NotWired,
        /// A parameter is outside its allowed range.
        InvalidParam { name: ink::prelude::string::String },
        /// The stablecoin refused a transfer.
        Token(PSP22Error),
        /// The call to the stablecoin failed.
        TokenCallFailed,
        /// The trust graph refused (e.g. the borrower is not a member).
        TrustGraph(tg::Error),
        /// The call to the trust graph failed.
        TrustGraphCallFailed,
        /// The credit pool refused; its `Error`, SCALE-encoded.
        Pool(Refusal),
        /// The call to the credit pool failed.
        PoolCallFailed,
        /// The warrant escrow refused; its `Error`, SCALE-encoded.
        Escrow(Refusal),
        /// The call to the warrant escrow failed.
        EscrowCallFailed,
        /// Arithmetic overflow.
        Overflow,
        /// The code hash is not an uploaded contract code.
        UpgradeFailed,
        /// The borrower has `open` warnings in the trust graph (an overdue
        /// term loan or overdue pool interest): no new term loan until their
        /// sources clear them (SPEC §2, v2).
        OpenWarning { open: u32 },
        /// The borrower's score is provisional: `member` changed its
        /// anchoring and some of its trust edges still count as before.
        /// Anyone finishes that with the trust graph's
        /// `refresh_anchor(member)` (`dcu trust anchor <member>`).
        ScoreProvisional { member: AccountId },
        /// The caller has nothing held for it to claim.
        NothingToClaim,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    /// Cross-contract effects; the unit tests use `crate::mock` instead.
    #[cfg(not(test))]
    mod ext {
        use super::*;
        use dcu_common::iface::{credit_pool as pool, warrant_escrow as escrow, CallFailed};
        use dcu_common::pool::PoolParams;
        use ink::codegen::TraitCallBuilder;
        use psp22::PSP22;

        fn pool_answer<T>(r: core::result::Result<core::result::Result<T, Refusal>, CallFailed>) -> Result<T> {
            r.map_err(|_| Error::PoolCallFailed)?.map_err(Error::Pool)
        }
        fn escrow_answer<T>(r: core::result::Result<core::result::Result<T, Refusal>, CallFailed>) -> Result<T> {
            r.map_err(|_| Error::EscrowCallFailed)?.map_err(Error::Escrow)
        }
        fn graph_answer<T>(r: core::result::Result<core::result::Result<T, tg::Error>, CallFailed>) -> Result<T> {
            r.map_err(|_| Error::TrustGraphCallFailed)?.map_err(Error::TrustGraph)
        }

        pub fn pull(token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
            let me = ink::env::account_id::<ink::env::DefaultEnvironment>();
            let mut t: ink::contract_ref!(PSP22) = token.into();
            match t.call_mut().transfer_from(from, me, amount, Vec::new()).try_invoke() {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(Error::Token(e)),
                _ => Err(Error::TokenCallFailed),
            }
        }

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

        pub fn score(graph: AccountId, who: AccountId) -> Result<tg::ScoreInfo> {
            graph_answer(tg::score(graph, who))
        }

        pub fn record(graph: AccountId, event: Reputation, who: AccountId) -> Result<()> {
            graph_answer(tg::record(graph, event, who))
        }

        pub fn pool_path(p: AccountId, path: Vec<AccountId>) -> Result<PathInfo> {
            pool_answer(pool::path_capacity(p, path))
        }

        pub fn pool_params(p: AccountId) -> Result<PoolParams> {
            pool::params(p).map_err(|_| Error::PoolCallFailed)
        }

        pub fn pool_open(p: AccountId, id: u64, path: Vec<AccountId>, amount: Balance, purpose: Purpose) -> Result<()> {
            pool_answer(pool::loan_open(p, id, path, amount, purpose))
        }

        pub fn pool_return(p: AccountId, id: u64, principal: Balance, fee: Balance, insurance: Balance) -> Result<()> {
            pool_answer(pool::loan_return(p, id, principal, fee, insurance))
        }

        pub fn pool_settle(p: AccountId, id: u64, recovered: Balance) -> Result<(Balance, Balance)> {
            pool_answer(pool::loan_settle(p, id, recovered))
        }

        pub fn escrow_create(e: AccountId, id: u64, creditor: AccountId, holders: Vec<AccountId>, total: Balance, terms: LoanTerms) -> Result<u32> {
            escrow_answer(escrow::create(e, id, creditor, holders, total, terms))
        }

        pub fn escrow_fully_locked(e: AccountId, id: u64) -> Result<bool> {
            escrow::fully_locked(e, id).map_err(|_| Error::EscrowCallFailed)
        }

        pub fn escrow_release(e: AccountId, id: u64) -> Result<Balance> {
            escrow_answer(escrow::release(e, id))
        }

        pub fn escrow_claim(e: AccountId, id: u64, loss: Balance) -> Result<Balance> {
            escrow_answer(escrow::claim_default(e, id, loss))
        }
    }

    impl LoanManager {
        /// A loan manager over the given stablecoin, trust graph, credit
        /// pool and warrant escrow, with SPEC §5's default parameters.
        #[ink(constructor)]
        pub fn new(token: AccountId, trust_graph: AccountId, credit_pool: AccountId, warrant_escrow: AccountId) -> Self {
            LoanManager {
                deployer: Self::env().caller(),
                token,
                trust_graph,
                credit_pool,
                warrant_escrow,
                wiring: None,
                params: LoanParams::default(),
                loans: Mapping::default(),
                open_by: Mapping::default(),
                last_id: 0,
                approval_policies: Mapping::default(),
                outstanding: Mapping::default(),
                claimable: Mapping::default(),
                claimable_total: 0,
            }
        }

        // ---------------------------------------------------------------
        // Borrower and creditor
        // ---------------------------------------------------------------

        /// Asks for a loan of `amount` for `purpose` (its description kept
        /// off chain under `description`) over `term_days`, routed over
        /// `path` (creditor → intermediaries → the caller). Returns its id.
        ///
        /// # Errors
        /// [`Error::ZeroAmount`], [`Error::BadTerm`], [`Error::BadPath`],
        /// [`Error::TooManyHops`], [`Error::NoLine`],
        /// [`Error::InsufficientCapacity`], [`Error::CapacityExceeded`]
        /// (the borrower's C(v)), [`Error::TooManyLoans`],
        /// [`Error::TrustGraph`] (not a member), [`Error::Escrow`] (e.g. a
        /// holder with too many open warrants), the callees' call failures,
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn request(&mut self, amount: Balance, purpose: Purpose, description: Hash, term_days: u32, path: Vec<AccountId>) -> Result<u64> {
            let borrower = self.env().caller();
            if path.last() != Some(&borrower) {
                return Err(Error::BadPath);
            }
            let q = self.assess(amount, purpose, term_days, &path)?;
            let open = self.open_by.get(borrower).unwrap_or_default();
            if len(&open) >= MAX_OPEN_LOANS {
                return Err(Error::TooManyLoans { cap: MAX_OPEN_LOANS });
            }
            let id = self.last_id.checked_add(1).ok_or(Error::Overflow)?;
            let outstanding = add(q.outstanding, amount)?;
            let now = self.now();
            let mut loan = Loan {
                path,
                amount,
                purpose,
                description,
                term_days,
                rate_bps: q.rate_bps,
                score: q.score,
                borrower_ts: q.trust_score,
                warrants: q.warrants,
                creditor_approved: q.approval.approves(),
                approval: q.approval,
                state: LoanState::Requested,
                requested_at: now,
                disbursed_at: 0,
                due_at: 0,
                principal: 0,
                interest: 0,
                accrued_to: 0,
                interest_paid: 0,
            };
            let holders = loan.holders();
            let mut warrants_locked = 0;
            if !holders.is_empty() {
                let terms = LoanTerms { amount, term_days, rate_bps: q.rate_bps, borrower_ts: q.trust_score };
                warrants_locked = ext::escrow_create(self.warrant_escrow, id, loan.creditor(), holders, q.warrants, terms)?;
            }
            let approved = self.ready(id, &loan)?;
            self.last_id = id;
            let mut open = open;
            open.push(id);
            self.open_by.insert(borrower, &open);
            self.outstanding.insert(borrower, &outstanding);
            self.env().emit_event(LoanRequested {
                id,
                borrower,
                creditor: loan.creditor(),
                amount,
                purpose,
                hops: len(&loan.path).saturating_sub(1),
                rate_bps: q.rate_bps,
                score: q.score,
                approval: q.approval,
                warrants_locked,
            });
            if approved {
                self.change(id, &mut loan, LoanState::Approved)?;
            }
            self.loans.insert(id, &loan);
            Ok(id)
        }

        /// The creditor approves loan `id` (needed unless its standing
        /// policy approved the loan at its request).
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::Unauthorized`] (not the creditor),
        /// [`Error::WrongState`] (not Requested), [`Error::RequestExpired`],
        /// [`Error::EscrowCallFailed`].
        #[ink(message)]
        pub fn approve(&mut self, id: u64) -> Result<()> {
            let mut loan = self.get(id)?;
            let caller = self.env().caller();
            if caller != loan.creditor() {
                return Err(Error::Unauthorized { caller });
            }
            ensure_state(&loan, LoanState::Requested, LoanState::Approved)?;
            self.ensure_fresh(&loan)?;
            loan.creditor_approved = true;
            let ready = self.ready(id, &loan)?;
            self.env().emit_event(CreditorApproved { id, creditor: caller });
            if ready {
                self.change(id, &mut loan, LoanState::Approved)?;
            }
            self.loans.insert(id, &loan);
            Ok(())
        }

        /// The borrower takes loan `id`'s money: approved (by the creditor
        /// or its policy) and every warrant locked, and the borrower's
        /// outstanding principal still within its capacity C(v) now; the
        /// pool reserves the amount on every line of the path and pays it
        /// from the creditor's stake. Interest accrues from now; the loan is
        /// due in `term_days`.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::Unauthorized`] (not the borrower),
        /// [`Error::WrongState`], [`Error::RequestExpired`],
        /// [`Error::NeedsCreditorApproval`], [`Error::WarrantsPending`],
        /// [`Error::CapacityExceeded`] (C(v) fell since the request),
        /// [`Error::TrustGraph`], [`Error::Pool`] (e.g. the path's capacity
        /// is gone, or paused), [`Error::Overflow`].
        #[ink(message)]
        pub fn disburse(&mut self, id: u64) -> Result<()> {
            let mut loan = self.get(id)?;
            let caller = self.env().caller();
            if caller != loan.borrower() {
                return Err(Error::Unauthorized { caller });
            }
            if loan.state == LoanState::Requested {
                self.ensure_fresh(&loan)?;
                if !loan.creditor_approved {
                    return Err(Error::NeedsCreditorApproval);
                }
                if !self.ready(id, &loan)? {
                    return Err(Error::WarrantsPending);
                }
                loan.state.transition(LoanState::Approved).map_err(wrong)?;
            } else {
                ensure_state(&loan, LoanState::Approved, LoanState::Active)?;
                self.ensure_fresh(&loan)?;
            }
            // The loan is already counted in the borrower's outstanding
            // principal (since its request); C(v) may have fallen since.
            let borrower = loan.borrower();
            // A warning raised since the request stops the disbursement too.
            let outstanding = self.outstanding_of(borrower);
            let capacity = self.final_score(borrower)?.capacity;
            if outstanding > capacity {
                return Err(Error::CapacityExceeded { capacity, outstanding: outstanding.saturating_sub(loan.amount), amount: loan.amount });
            }
            let now = self.now();
            let term = u64::from(loan.term_days).checked_mul(DAY_MS).ok_or(Error::Overflow)?;
            let due_at = now.checked_add(term).ok_or(Error::Overflow)?;
            ext::pool_open(self.credit_pool, id, loan.path.clone(), loan.amount, loan.purpose)?;
            if loan.state == LoanState::Requested {
                self.change(id, &mut loan, LoanState::Approved)?;
            }
            loan.disbursed_at = now;
            loan.due_at = due_at;
            loan.accrued_to = now;
            loan.principal = loan.amount;
            self.change(id, &mut loan, LoanState::Active)?;
            self.loans.insert(id, &loan);
            self.env().emit_event(Disbursed { id, amount: loan.amount, due_at });
            Ok(())
        }

        /// Pays up to `amount` on loan `id` from the caller (who must have
        /// approved this contract for it): interest first, then principal.
        /// Takes only what is owed and returns it. Paying everything closes
        /// the loan and releases the warrants.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::ZeroAmount`],
        /// [`Error::WrongState`] (not Active, Overdue or Defaulted),
        /// [`Error::NothingOwed`], [`Error::Token`] (balance or allowance),
        /// [`Error::Pool`], [`Error::Escrow`], [`Error::Overflow`].
        #[ink(message)]
        pub fn repay(&mut self, id: u64, amount: Balance) -> Result<Balance> {
            let mut loan = self.get(id)?;
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            if !matches!(loan.state, LoanState::Active | LoanState::Overdue | LoanState::Defaulted) {
                return Err(wrong((loan.state, LoanState::Repaid)));
            }
            let payer = self.env().caller();
            self.accrue(&mut loan)?;
            // A loan in Overdue or Defaulted raised a warning (mark_overdue).
            let warned = matches!(loan.state, LoanState::Overdue | LoanState::Defaulted);
            let owed = add(loan.interest, loan.principal)?;
            if owed == 0 {
                return Err(Error::NothingOwed);
            }
            let used = amount.min(owed);
            let due = loan.interest;
            let interest = used.min(due);
            let principal = sub(used, interest)?;
            // Reputation is earned (SPEC §2, v2): a repayment counts when it
            // pays all the interest due, or a whole day's worth of the
            // principal (amount / term in days, rounded up); the trust graph
            // counts at most one a day.
            let day_worth = loan.amount.div_ceil(u128::from(loan.term_days.max(1))).max(1);
            let qualifies = (due > 0 && interest == due) || principal >= day_worth;
            let pp = ext::pool_params(self.credit_pool)?;
            let holders = loan.holders();
            // The warrants the loan was given at its request (SPEC §4, v2),
            // split as the escrow split them: never today's ratio.
            let (sizes, _) = warrant_sizes(loan.warrants, holders.len(), BPS_DENOMINATOR).ok_or(Error::Overflow)?;
            let warrants = sizes.get(..holders.len()).unwrap_or(&[]);
            let split = split_interest(interest, pp.fee_bps, pp.insurance_bps, warrants, &self.params).ok_or(Error::Overflow)?;
            // Who gets which interest share (one entry per account).
            let mut shares: Vec<(AccountId, Balance)> = Vec::new();
            credit(&mut shares, loan.direct_creditor(), split.direct)?;
            credit(&mut shares, loan.creditor(), split.end)?;
            for (h, s) in holders.iter().zip(split.holders.iter()) {
                credit(&mut shares, *h, *s)?;
            }
            ext::pull(self.token, payer, used)?;
            let to_pool = add(add(principal, split.fee)?, split.insurance)?;
            if to_pool > 0 {
                ext::push(self.token, self.credit_pool, to_pool)?;
                ext::pool_return(self.credit_pool, id, principal, split.fee, split.insurance)?;
            }
            // A share the token refuses (a paused or blacklisted recipient)
            // waits here for its owner's `claim`: one blocked recipient
            // never makes the borrower's repayment fail (review L7).
            for (who, s) in &shares {
                if *s > 0 && ext::push(self.token, *who, *s).is_err() {
                    let held = add(self.claimable.get(who).unwrap_or(0), *s)?;
                    self.claimable_total = add(self.claimable_total, *s)?;
                    self.claimable.insert(who, &held);
                    self.env().emit_event(PaymentHeld { id, to: *who, amount: *s });
                }
            }
            loan.interest = sub(loan.interest, interest)?;
            loan.principal = sub(loan.principal, principal)?;
            loan.interest_paid = add(loan.interest_paid, interest)?;
            self.reduce_outstanding(loan.borrower(), principal);
            let left = loan.principal;
            self.env().emit_event(Repayment { id, payer, interest, principal, fee: split.fee, insurance: split.insurance, shares, left });
            if loan.principal == 0 && loan.interest == 0 {
                if !loan.holders().is_empty() {
                    ext::escrow_release(self.warrant_escrow, id)?;
                }
                self.change(id, &mut loan, LoanState::Repaid)?;
                self.change(id, &mut loan, LoanState::Closed)?;
                self.finish(&loan, id);
                // The loan's own warning goes once the loan is repaid —
                // cleared by this contract, its source, and by nothing else.
                // Best effort: a repayment is never blocked.
                if warned {
                    let _ = ext::record(self.trust_graph, Reputation::WarningCleared, loan.borrower());
                }
            }
            if qualifies {
                let _ = ext::record(self.trust_graph, Reputation::Repayment, loan.borrower());
            }
            self.loans.insert(id, &loan);
            Ok(used)
        }

        /// The borrower withdraws loan `id` before disbursement; warrants
        /// already locked return to their holders.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::Unauthorized`], [`Error::WrongState`], [`Error::Escrow`].
        #[ink(message)]
        pub fn cancel(&mut self, id: u64) -> Result<()> {
            let mut loan = self.get(id)?;
            let caller = self.env().caller();
            if caller != loan.borrower() {
                return Err(Error::Unauthorized { caller });
            }
            self.end_request(id, &mut loan, LoanState::Cancelled)
        }

        /// Anyone marks loan `id`, not disbursed within REQUEST_EXPIRY of
        /// its request, Expired; warrants already locked are returned.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::WrongState`], [`Error::TooEarly`], [`Error::Escrow`].
        #[ink(message)]
        pub fn expire(&mut self, id: u64) -> Result<()> {
            let mut loan = self.get(id)?;
            ensure_can(&loan, LoanState::Expired)?;
            let at = self.expires_at(&loan)?;
            if self.now() < at {
                return Err(Error::TooEarly { at });
            }
            self.end_request(id, &mut loan, LoanState::Expired)
        }

        /// Anyone marks loan `id` Overdue once it is past due; the trust
        /// graph records a warning for the borrower.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::WrongState`], [`Error::TooEarly`], [`Error::TrustGraph`].
        #[ink(message)]
        pub fn mark_overdue(&mut self, id: u64) -> Result<()> {
            let mut loan = self.get(id)?;
            ensure_state(&loan, LoanState::Active, LoanState::Overdue)?;
            if self.now() < loan.due_at {
                return Err(Error::TooEarly { at: loan.due_at });
            }
            self.accrue(&mut loan)?;
            ext::record(self.trust_graph, Reputation::Warning, loan.borrower())?;
            self.change(id, &mut loan, LoanState::Overdue)?;
            self.loans.insert(id, &loan);
            Ok(())
        }

        /// Anyone declares Overdue loan `id` in default, DEFAULT_AFTER past
        /// due; the trust graph records the default.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::WrongState`], [`Error::TooEarly`], [`Error::TrustGraph`].
        #[ink(message)]
        pub fn declare_default(&mut self, id: u64) -> Result<()> {
            let mut loan = self.get(id)?;
            ensure_state(&loan, LoanState::Overdue, LoanState::Defaulted)?;
            let at = self.default_at(&loan)?;
            if self.now() < at {
                return Err(Error::TooEarly { at });
            }
            self.accrue(&mut loan)?;
            ext::record(self.trust_graph, Reputation::Default, loan.borrower())?;
            self.change(id, &mut loan, LoanState::Defaulted)?;
            self.loans.insert(id, &loan);
            Ok(())
        }

        /// Anyone settles Defaulted loan `id` (SPEC §4–5, v2): the warrants
        /// are claimed first, pro rata up to each, and their claims go to
        /// the pool to restore the creditor's stake (the rest of each
        /// warrant returns to its holder); then the pool's insurance
        /// co-insures what is left (an insured loan only, at most
        /// COVER_SHARE of it and COVER_MAX_RESERVE_SHARE of the reserve);
        /// the creditor's stake bears the rest, the `written_off` of the
        /// `Settled` event. Unpaid interest is forgiven.
        ///
        /// # Errors
        /// [`Error::NoSuchLoan`], [`Error::WrongState`], [`Error::Pool`],
        /// [`Error::Escrow`], [`Error::Token`], [`Error::Overflow`].
        #[ink(message)]
        pub fn settle(&mut self, id: u64) -> Result<()> {
            let mut loan = self.get(id)?;
            ensure_state(&loan, LoanState::Defaulted, LoanState::Settled)?;
            self.accrue(&mut loan)?;
            let principal = loan.principal;
            let from_warrants =
                if loan.holders().is_empty() { 0 } else { ext::escrow_claim(self.warrant_escrow, id, principal)? };
            if from_warrants > 0 {
                ext::push(self.token, self.credit_pool, from_warrants)?;
            }
            let (from_insurance, written_off) = ext::pool_settle(self.credit_pool, id, from_warrants)?;
            let interest_forgiven = loan.interest;
            self.reduce_outstanding(loan.borrower(), principal);
            loan.principal = 0;
            loan.interest = 0;
            self.change(id, &mut loan, LoanState::Settled)?;
            self.finish(&loan, id);
            self.loans.insert(id, &loan);
            self.env().emit_event(Settled { id, principal, from_warrants, from_insurance, written_off, interest_forgiven });
            Ok(())
        }

        /// The caller withdraws the interest shares held for it (those the
        /// token refused to deliver at a repayment) and gets the amount.
        /// A refusal by the token changes nothing.
        ///
        /// # Errors
        /// [`Error::NothingToClaim`], [`Error::Token`], [`Error::TokenCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn claim(&mut self) -> Result<Balance> {
            let to = self.env().caller();
            let amount = self.claimable.get(to).unwrap_or(0);
            if amount == 0 {
                return Err(Error::NothingToClaim);
            }
            let total = sub(self.claimable_total, amount)?;
            ext::push(self.token, to, amount)?;
            self.claimable.remove(to);
            self.claimable_total = total;
            self.env().emit_event(Claimed { to, amount });
            Ok(amount)
        }

        /// Sets the caller's standing approval policy as a creditor: a loan
        /// it is the creditor of is approved at its request when it meets
        /// every bound (score ≥ `min_score`, amount ≤ `max_amount`, term ≤
        /// `max_term_days`, rate ≥ `min_rate_bps`); `None` removes the
        /// policy, so every loan waits for `approve`. Loans already
        /// requested keep the verdict they got.
        ///
        /// # Errors
        /// [`Error::InvalidPolicy`] naming the first field outside its range.
        #[ink(message)]
        pub fn set_approval_policy(&mut self, policy: Option<ApprovalPolicy>) -> Result<()> {
            if let Some(name) = policy.as_ref().and_then(ApprovalPolicy::invalid) {
                return Err(Error::InvalidPolicy { name: name.into() });
            }
            let creditor = self.env().caller();
            if let Some(p) = &policy {
                self.approval_policies.insert(creditor, p);
            } else {
                self.approval_policies.remove(creditor);
            }
            self.env().emit_event(ApprovalPolicySet { creditor, policy });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Wiring and governance
        // ---------------------------------------------------------------

        /// Wires the loan manager to governance (deployer only, once).
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

        /// Replaces the parameters (governance only), each within its range.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::InvalidParam`].
        #[ink(message)]
        pub fn set_params(&mut self, params: LoanParams) -> Result<()> {
            self.ensure_governance()?;
            if let Some(name) = params.invalid() {
                return Err(Error::InvalidParam { name: name.into() });
            }
            let old = self.params;
            self.params = params;
            self.env().emit_event(ParamsChanged { old, new: params });
            Ok(())
        }

        /// Replaces this contract's code (governance only); storage stays.
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

        /// Score, rate, warrants and the path's capacity a request would get now.
        ///
        /// # Errors
        /// As [`LoanManager::request`] before anything is stored.
        #[ink(message)]
        pub fn quote(&self, amount: Balance, purpose: Purpose, term_days: u32, path: Vec<AccountId>) -> Result<Quote> {
            self.assess(amount, purpose, term_days, &path)
        }

        /// Loan `id` with interest accrued to now.
        ///
        /// # Errors
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn loan(&self, id: u64) -> Result<Option<LoanView>> {
            let Some(mut loan) = self.loans.get(id) else { return Ok(None) };
            // `interest` and `accrued_to` are returned as one consistent
            // pair: the interest accrued up to that time (now).
            self.accrue(&mut loan)?;
            let interest_now = loan.interest;
            let owed = add(loan.principal, interest_now)?;
            let expires_at = if matches!(loan.state, LoanState::Requested | LoanState::Approved) { self.expires_at(&loan)? } else { 0 };
            let default_at = if loan.due_at == 0 { 0 } else { self.default_at(&loan)? };
            Ok(Some(LoanView { id, loan, interest_now, owed, expires_at, default_at }))
        }

        /// `creditor`'s standing approval policy, `None` if it approves by hand.
        #[ink(message)]
        pub fn approval_policy(&self, creditor: AccountId) -> Option<ApprovalPolicy> {
            self.approval_policies.get(creditor)
        }

        /// `borrower`'s outstanding term-loan principal: the amount of its
        /// loans not yet disbursed plus the unpaid principal of its running
        /// ones; with a new amount it may not exceed C(borrower).
        #[ink(message)]
        pub fn outstanding_of(&self, borrower: AccountId) -> Balance {
            self.outstanding.get(borrower).unwrap_or(0)
        }

        /// Unfinished loans of `borrower` (Requested … Defaulted).
        #[ink(message)]
        pub fn open_loans(&self, borrower: AccountId) -> Vec<u64> {
            self.open_by.get(borrower).unwrap_or_default()
        }

        /// Interest shares held for `account` (the token refused them at a
        /// repayment); `claim` withdraws them.
        #[ink(message)]
        pub fn claimable(&self, account: AccountId) -> Balance {
            self.claimable.get(account).unwrap_or(0)
        }

        /// Σ shares held for their owners' `claim`.
        #[ink(message)]
        pub fn claimable_total(&self) -> Balance {
            self.claimable_total
        }

        /// The last id handed out (ids run 1..=this).
        #[ink(message)]
        pub fn last_id(&self) -> u64 {
            self.last_id
        }

        /// The parameters.
        #[ink(message)]
        pub fn params(&self) -> LoanParams {
            self.params
        }

        /// The wiring, `None` until `wire`.
        #[ink(message)]
        pub fn wiring(&self) -> Option<Wiring> {
            self.wiring
        }

        /// Protocol milliseconds per millisecond of block time: 1, or 86,400
        /// in the `fast-clock` build (a second is a day) that local
        /// development networks may deploy. Every time the loan manager
        /// stores or reports is on this clock.
        #[ink(message)]
        pub fn clock_rate(&self) -> u64 {
            if cfg!(feature = "fast-clock") {
                DAY_MS / 1_000
            } else {
                1
            }
        }

        /// (stablecoin, trust graph, credit pool, warrant escrow).
        #[ink(message)]
        pub fn contracts(&self) -> (AccountId, AccountId, AccountId, AccountId) {
            (self.token, self.trust_graph, self.credit_pool, self.warrant_escrow)
        }

        // ---------------------------------------------------------------
        // Internals
        // ---------------------------------------------------------------

        /// Validates a request and scores it: one `score` read of the trust
        /// graph (TS, CF and C(v) together) and one path read of the pool.
        fn assess(&self, amount: Balance, purpose: Purpose, term_days: u32, path: &[AccountId]) -> Result<Quote> {
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            if term_days == 0 || term_days > MAX_TERM_DAYS {
                return Err(Error::BadTerm { max: MAX_TERM_DAYS });
            }
            if path.len() < 2 {
                return Err(Error::BadPath);
            }
            for (i, a) in path.iter().enumerate() {
                if path.iter().skip(i.saturating_add(1)).any(|b| b == a) {
                    return Err(Error::BadPath);
                }
            }
            let hops = len(path).saturating_sub(1);
            if hops > self.params.max_hops {
                return Err(Error::TooManyHops { max: self.params.max_hops });
            }
            let borrower = *path.last().ok_or(Error::BadPath)?;
            let creditor = *path.first().ok_or(Error::BadPath)?;
            // One read of the graph: scores, capacity and open warnings.
            let graph = self.final_score(borrower)?;
            let (ts, cf) = (graph.trust_score, graph.confidence);
            let info = ext::pool_path(self.credit_pool, path.to_vec())?;
            if let Some(hop) = info.missing_hop {
                return Err(Error::NoLine { hop });
            }
            if amount > info.capacity {
                return Err(Error::InsufficientCapacity { available: info.capacity, requested: amount });
            }
            let outstanding = self.outstanding_of(borrower);
            // Saturating: a sum past u128::MAX exceeds any capacity anyway.
            if outstanding.saturating_add(amount) > graph.capacity {
                return Err(Error::CapacityExceeded { capacity: graph.capacity, outstanding, amount });
            }
            let rate_bps = loan_rate_bps(ts, hops, info.first_rate_bps, &self.params).ok_or(Error::Overflow)?;
            let score = assessment_score(ts, cf, purpose, &self.params);
            let approval = Approval::of(self.approval_policies.get(creditor).as_ref(), score, amount, term_days, rate_bps);
            let holders = path.len().saturating_sub(2);
            let (sizes, warrants) = warrant_sizes(amount, holders, self.params.warrant_ratio_bps).ok_or(Error::Overflow)?;
            Ok(Quote {
                score,
                rate_bps,
                approval,
                capacity: info.capacity,
                borrower_capacity: graph.capacity,
                outstanding,
                warrants,
                warrant_each: sizes[0],
                trust_score: ts,
                confidence: cf,
            })
        }

        /// The protocol's clock: the block time, or in the `fast-clock` test
        /// build (never deployed by dcu) a clock where a second is a day, so
        /// that terms, expiry and defaults can be played on a real node.
        fn now(&self) -> Timestamp {
            self.env().block_timestamp().saturating_mul(self.clock_rate())
        }

        fn get(&self, id: u64) -> Result<Loan> {
            self.loans.get(id).ok_or(Error::NoSuchLoan)
        }

        /// The borrower's scores, refused while it has an open warning or
        /// while they are provisional (an anchoring change not yet synced
        /// through the graph: the member to refresh is named).
        fn final_score(&self, borrower: AccountId) -> Result<tg::ScoreInfo> {
            let graph = ext::score(self.trust_graph, borrower)?;
            if graph.open_warnings > 0 {
                return Err(Error::OpenWarning { open: graph.open_warnings });
            }
            if let Some(member) = graph.stale_by {
                return Err(Error::ScoreProvisional { member });
            }
            Ok(graph)
        }

        /// Whether a Requested loan may become Approved: the creditor's
        /// approval and every warrant locked (none asked on a direct loan).
        fn ready(&self, id: u64, loan: &Loan) -> Result<bool> {
            if !loan.creditor_approved {
                return Ok(false);
            }
            if loan.holders().is_empty() {
                return Ok(true);
            }
            ext::escrow_fully_locked(self.warrant_escrow, id)
        }

        /// One state transition through [`LoanState::transition`], with its event.
        fn change(&self, id: u64, loan: &mut Loan, to: LoanState) -> Result<()> {
            let from = loan.state;
            loan.state = from.transition(to).map_err(wrong)?;
            self.env().emit_event(StateChanged { id, from, to, by: self.env().caller() });
            Ok(())
        }

        /// Cancels or expires a request and returns its warrants.
        fn end_request(&mut self, id: u64, loan: &mut Loan, to: LoanState) -> Result<()> {
            ensure_can(loan, to)?;
            if !loan.holders().is_empty() {
                ext::escrow_release(self.warrant_escrow, id)?;
            }
            self.change(id, loan, to)?;
            self.reduce_outstanding(loan.borrower(), loan.amount);
            self.finish(loan, id);
            self.loans.insert(id, loan);
            Ok(())
        }

        /// Lowers `borrower`'s outstanding principal by `by` (a repayment, a
        /// settlement, or a request that ended undisbursed).
        fn reduce_outstanding(&mut self, borrower: AccountId, by: Balance) {
            // Saturating: the invariant keeps the stored sum ≥ every loan's part.
            let left = self.outstanding_of(borrower).saturating_sub(by);
            if left == 0 {
                self.outstanding.remove(borrower);
            } else {
                self.outstanding.insert(borrower, &left);
            }
        }

        /// Takes a finished loan off its borrower's open list.
        fn finish(&mut self, loan: &Loan, id: u64) {
            let b = loan.borrower();
            let mut open = self.open_by.get(b).unwrap_or_default();
            open.retain(|x| *x != id);
            if open.is_empty() {
                self.open_by.remove(b);
            } else {
                self.open_by.insert(b, &open);
            }
        }

        /// Accrues interest in whole days up to now (in memory).
        fn accrue(&self, loan: &mut Loan) -> Result<()> {
            let now = self.now();
            if loan.principal == 0 || now <= loan.accrued_to {
                return Ok(());
            }
            let days = now.saturating_sub(loan.accrued_to).checked_div(DAY_MS).ok_or(Error::Overflow)?;
            let to = loan.accrued_to.checked_add(days.checked_mul(DAY_MS).ok_or(Error::Overflow)?).ok_or(Error::Overflow)?;
            let owed = accrued_interest(loan.principal, loan.rate_bps, loan.accrued_to, to).ok_or(Error::Overflow)?;
            loan.interest = add(loan.interest, owed)?;
            loan.accrued_to = to;
            Ok(())
        }

        fn expires_at(&self, loan: &Loan) -> Result<Timestamp> {
            loan.requested_at.checked_add(self.params.request_expiry_ms).ok_or(Error::Overflow)
        }

        fn default_at(&self, loan: &Loan) -> Result<Timestamp> {
            loan.due_at.checked_add(self.params.default_after_ms).ok_or(Error::Overflow)
        }

        /// Refuses a request past its expiry.
        fn ensure_fresh(&self, loan: &Loan) -> Result<()> {
            let at = self.expires_at(loan)?;
            if self.now() >= at {
                return Err(Error::RequestExpired { at });
            }
            Ok(())
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

    fn wrong((current, wanted): (LoanState, LoanState)) -> Error {
        Error::WrongState { current, wanted }
    }

    /// Refuses unless the loan is in `state` (on the way to `wanted`).
    fn ensure_state(loan: &Loan, state: LoanState, wanted: LoanState) -> Result<()> {
        if loan.state == state {
            Ok(())
        } else {
            Err(wrong((loan.state, wanted)))
        }
    }

    /// Refuses unless the loan may become `to`.
    fn ensure_can(loan: &Loan, to: LoanState) -> Result<()> {
        loan.state.transition(to).map(|_| ()).map_err(wrong)
    }

    /// Adds `amount` to `who`'s entry (one entry per account: a party with
    /// two roles gets both shares in one payment).
    fn credit(shares: &mut Vec<(AccountId, Balance)>, who: AccountId, amount: Balance) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        match shares.iter_mut().find(|(a, _)| *a == who) {
            Some(e) => e.1 = add(e.1, amount)?,
            None => shares.push((who, amount)),
        }
        Ok(())
    }

    fn add(a: Balance, b: Balance) -> Result<Balance> {
        a.checked_add(b).ok_or(Error::Overflow)
    }

    fn sub(a: Balance, b: Balance) -> Result<Balance> {
        a.checked_sub(b).ok_or(Error::Overflow)
    }

    fn len<T>(v: &[T]) -> u32 {
        u32::try_from(v.len()).unwrap_or(u32::MAX)
    }
}
