//! # `governance` — quadratic voting and timelocked execution (SPEC §6)
//!
//! Members propose typed actions. One person, one voice (SPEC §6, v2):
//! only **verified** members — verified by a verifier that governance (or
//! the network profile, at deployment) appointed — receive `voice_credits`
//! per proposal, and on a proposal only those verified **before it was
//! made** (a snapshot: registering, trusting or verifying accounts after a
//! proposal exists adds no voter to it). n votes for or against cost n²
//! credits. A proposal that
//! reaches the quorum and has more votes for than against is queued behind a
//! timelock, then anyone may execute it within the execution window: the
//! contract performs the cross-contract call. A failing call changes nothing
//! (the callee reverts), leaves the proposal Queued and records the error.
//!
//! States: Pending → Active → (Defeated | Succeeded → Queued → (Executed |
//! Expired)); Succeeded → Expired when nobody queues it within the
//! execution window after the vote; Pending, Active, Succeeded or Queued →
//! Canceled (proposer), Queued → Canceled (guardian). Every transition is
//! checked by [`Governance::expect`], whose error names the current and the
//! expected state.
//!
//! The guardian (set at deployment) may pause the credit pool, never
//! unpause. It may cancel a proposal only while it is Queued (in its
//! timelock), and never one that removes or replaces the guardian, unpauses
//! the pool or changes governance's own parameters: it can stop an attack
//! in flight but cannot make itself irremovable or freeze the pool for good.
//!
//! Quorum: voters ≥ `quorum_bps` of the members verified when the proposal
//! was made — registering accounts can never make quorum unreachable.
//!
//! Floors: outside development mode (a flag fixed at instantiation) the
//! voting period and the timelock are at least one day each.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::governance::{Action, Error, GovParams, Governance, GovernanceRef, ProposalInfo, State, Target, Wiring};

#[ink::contract]
mod governance {
    use dcu_common::iface::trust_graph as tg;
    use dcu_common::loan::LoanParams;
    use dcu_common::pool::PoolParams;
    use dcu_common::DAY_MS;
    use ink::prelude::{string::String, vec::Vec};
    use ink::scale::Encode;
    use ink::storage::Mapping;

    #[cfg(test)]
    use crate::mock as ext;

    /// Longest proposal title, in bytes.
    pub const MAX_TITLE: u32 = 200;
    /// Longest raw-call input, in bytes.
    pub const MAX_INPUT: u32 = 1_024;
    /// Most proposals one member may have in voting (Pending or Active) at
    /// once: a cap on storage growth and on flooding the members' attention.
    pub const MAX_OPEN_PROPOSALS: u32 = 4;
    /// The floor of the voting period and the timelock outside development mode.
    pub const PRODUCTION_FLOOR_MS: Timestamp = DAY_MS;

    /// Governance parameters (times in ms).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct GovParams {
        /// From proposal to the start of voting (0..=30 days).
        pub voting_delay_ms: Timestamp,
        /// Length of the vote (1 minute..=30 days).
        pub voting_period_ms: Timestamp,
        /// Voters needed, in basis points of the members (0..=10,000).
        pub quorum_bps: u32,
        /// From queueing to the earliest execution (0..=30 days).
        pub timelock_ms: Timestamp,
        /// How long a queued proposal may be executed (1 hour..=90 days).
        pub execution_window_ms: Timestamp,
        /// Voice credits per eligible member and proposal (1..=10,000).
        pub voice_credits: u32,
    }

    impl Default for GovParams {
        fn default() -> Self {
            GovParams {
                voting_delay_ms: DAY_MS,
                voting_period_ms: 7 * DAY_MS,
                quorum_bps: 1_000,
                timelock_ms: 2 * DAY_MS,
                execution_window_ms: 14 * DAY_MS,
                voice_credits: 100,
            }
        }
    }

    impl GovParams {
        /// The name of the first parameter outside its range, if any;
        /// outside development mode the voting period and the timelock are
        /// at least [`PRODUCTION_FLOOR_MS`].
        pub fn invalid(&self, dev_mode: bool) -> Option<&'static str> {
            const MINUTE: Timestamp = 60_000;
            if !dev_mode && self.voting_period_ms < PRODUCTION_FLOOR_MS {
                return Some("voting_period_ms");
            }
            if !dev_mode && self.timelock_ms < PRODUCTION_FLOOR_MS {
                return Some("timelock_ms");
            }
            if self.voting_delay_ms > 30 * DAY_MS {
                return Some("voting_delay_ms");
            }
            if !(MINUTE..=30 * DAY_MS).contains(&self.voting_period_ms) {
                return Some("voting_period_ms");
            }
            if self.quorum_bps > 10_000 {
                return Some("quorum_bps");
            }
            if self.timelock_ms > 30 * DAY_MS {
                return Some("timelock_ms");
            }
            if !(60 * MINUTE..=90 * DAY_MS).contains(&self.execution_window_ms) {
                return Some("execution_window_ms");
            }
            if !(1..=10_000).contains(&self.voice_credits) {
                return Some("voice_credits");
            }
            None
        }
    }

    /// The contracts governance acts on.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum Target {
        /// The trust graph.
        TrustGraph,
        /// The credit pool.
        CreditPool,
        /// This contract.
        Governance,
        /// The warrant escrow.
        WarrantEscrow,
        /// The loan manager.
        LoanManager,
        /// Any other contract, by address: a federation the community
        /// belongs to (issue 20: appointing the community's attester). Only
        /// `RawCall` and `Upgrade` name targets; a call to this contract's
        /// own address fails (ink! refuses reentrancy).
        Contract(AccountId),
    }

    /// What a proposal does when executed.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum Action {
        /// The credit pool's parameters.
        SetPoolParams(PoolParams),
        /// The trust graph's parameters.
        SetTrustParams(tg::Params),
        /// Appoint (`true`) or remove a verifier.
        SetVerifier { verifier: AccountId, appointed: bool },
        /// Pause or unpause the credit pool.
        SetPoolPaused(bool),
        /// Pay from the pool's treasury.
        SpendTreasury { to: AccountId, amount: Balance },
        /// Replace a contract's code, keeping its storage.
        Upgrade { target: Target, code_hash: Hash },
        /// Governance's own parameters.
        SetGovParams(GovParams),
        /// Replace or remove the guardian.
        SetGuardian(Option<AccountId>),
        /// Any message of a wired contract: selector and SCALE-encoded input.
        RawCall { target: Target, selector: [u8; 4], input: Vec<u8> },
        /// The loan manager's parameters.
        SetLoanParams(LoanParams),
        /// Remove a verifier and void every verification it made (SPEC §6, v2).
        RevokeVerifier(AccountId),
    }

    /// A proposal's state.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum State {
        /// Voting has not started.
        Pending,
        /// Voting is open.
        Active,
        /// Canceled by its proposer, or by the guardian while queued.
        Canceled,
        /// Voting ended without quorum or majority.
        Defeated,
        /// Voting passed; not queued yet.
        Succeeded,
        /// Queued behind the timelock (or its execution failed; it may be retried).
        Queued,
        /// Queued but not executed within the window, or passed but not
        /// queued within the window after the vote.
        Expired,
        /// Executed.
        Executed,
    }

    /// Addresses of the contracts governance acts on, set once by the deployer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Wiring {
        /// Eligibility (trust scores, verification) and a target.
        pub trust_graph: AccountId,
        /// A target.
        pub credit_pool: AccountId,
        /// A target (upgrades and raw calls).
        pub warrant_escrow: AccountId,
        /// A target (loan parameters, upgrades and raw calls).
        pub loan_manager: AccountId,
    }

    /// A stored proposal.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Proposal {
        pub proposer: AccountId,
        pub title: String,
        pub action: Action,
        pub created_at: Timestamp,
        pub voting_starts: Timestamp,
        pub voting_ends: Timestamp,
        pub votes_for: u64,
        pub votes_against: u64,
        pub voters: u32,
        /// Verified members of the trust graph when the proposal was made:
        /// the most voters it can have.
        pub electorate: u32,
        pub quorum_bps: u32,
        /// Voice credits of each eligible voter (the parameter when it was made).
        pub voice_credits: u32,
        /// Earliest execution (0: not queued).
        pub eta: Timestamp,
        pub execution_window_ms: Timestamp,
        pub canceled: bool,
        pub executed: bool,
        /// The answer of the last failed execution, undecoded.
        pub last_error: Option<Vec<u8>>,
    }

    /// A proposal with its current state.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct ProposalInfo {
        pub id: u32,
        pub state: State,
        pub proposal: Proposal,
    }

    /// How a member voted.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Ballot {
        pub support: bool,
        pub votes: u32,
    }

    /// The governance storage.
    #[ink(storage)]
    pub struct Governance {
        deployer: AccountId,
        wiring: Option<Wiring>,
        params: GovParams,
        guardian: Option<AccountId>,
        proposals: Mapping<u32, Proposal>,
        ballots: Mapping<(u32, AccountId), Ballot>,
        next_id: u32,
        /// Each proposer's proposals that were in voting at its last proposal
        /// (at most [`MAX_OPEN_PROPOSALS`]).
        open_by: Mapping<AccountId, Vec<u32>>,
        /// Development mode (fixed at instantiation): no floor on the voting
        /// period and the timelock. For development chains only.
        dev_mode: bool,
    }

    /// A proposal was made.
    #[ink(event)]
    pub struct Proposed {
        #[ink(topic)]
        pub id: u32,
        #[ink(topic)]
        pub proposer: AccountId,
        pub action: Action,
        pub voting_starts: Timestamp,
        pub voting_ends: Timestamp,
    }

    /// A member voted.
    #[ink(event)]
    pub struct Voted {
        #[ink(topic)]
        pub id: u32,
        #[ink(topic)]
        pub voter: AccountId,
        pub support: bool,
        pub votes: u32,
        pub cost: u32,
    }

    /// A proposal was queued behind the timelock.
    #[ink(event)]
    pub struct Queued {
        #[ink(topic)]
        pub id: u32,
        pub eta: Timestamp,
    }

    /// A proposal was executed.
    #[ink(event)]
    pub struct Executed {
        #[ink(topic)]
        pub id: u32,
    }

    /// A proposal's execution failed; it stays queued.
    #[ink(event)]
    pub struct ExecutionFailed {
        #[ink(topic)]
        pub id: u32,
        pub answer: Option<Vec<u8>>,
    }

    /// A proposal was canceled.
    #[ink(event)]
    pub struct Canceled {
        #[ink(topic)]
        pub id: u32,
        pub by: AccountId,
    }

    /// The guardian changed.
    #[ink(event)]
    pub struct GuardianSet {
        pub guardian: Option<AccountId>,
    }

    /// The guardian paused the credit pool.
    #[ink(event)]
    pub struct GuardianPaused {
        pub guardian: AccountId,
    }

    /// Governance's parameters changed.
    #[ink(event)]
    pub struct ParamsChanged {
        pub old: GovParams,
        pub new: GovParams,
    }

    /// The deployer wired governance.
    #[ink(event)]
    pub struct Wired {
        pub wiring: Wiring,
    }

    /// Errors of governance.
    #[derive(Debug, PartialEq, Eq, Clone)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum Error {
        /// No proposal has this id.
        NoSuchProposal,
        /// The proposal is in `current`, the operation needs `expected`.
        WrongState { current: State, expected: State },
        /// The caller has no voice: it is not a verified member.
        NoVoiceCredits,
        /// The caller already voted on this proposal.
        AlreadyVoted,
        /// At least one vote.
        ZeroVotes,
        /// n votes cost n² credits; the caller has fewer.
        InsufficientCredits { credits: u32, cost: u64 },
        /// The timelock runs until `eta` (ms).
        Timelocked { eta: Timestamp },
        /// The caller may not do this.
        Unauthorized { caller: AccountId },
        /// The contract is already wired.
        AlreadyWired,
        /// The contract is not wired yet.
        NotWired,
        /// There is no guardian.
        NoGuardian,
        /// A parameter is outside its allowed range.
        InvalidParam { name: String },
        /// The title is longer than `max` bytes.
        TitleTooLong { max: u32 },
        /// A raw call's input is longer than `max` bytes.
        InputTooLong { max: u32 },
        /// The trust graph refused a query.
        TrustGraph(tg::Error),
        /// A call to another contract failed.
        CallFailed,
        /// The code hash is not an uploaded contract code.
        UpgradeFailed,
        /// Arithmetic overflow.
        Overflow,
        /// The proposer already has `max` proposals in voting.
        TooManyProposals { max: u32 },
        /// The caller was verified at `verified_at`, not before the proposal
        /// was made at `created_at`: it has no voice on this one.
        VerifiedAfterProposal { verified_at: Timestamp, created_at: Timestamp },
        /// The guardian may cancel only a Queued proposal, and never one that
        /// removes or replaces the guardian, unpauses the pool or changes
        /// governance's own parameters.
        GuardianMayNotCancel,
    }

    /// Result of governance's messages.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Cross-contract calls (on chain); `crate::mock` in unit tests.
    #[cfg(not(test))]
    mod ext {
        use super::*;
        use dcu_common::iface::raw;

        pub fn verified_at(graph: AccountId, member: AccountId) -> Result<Option<Timestamp>> {
            tg::verified_at(graph, member).map_err(|_| Error::CallFailed)
        }

        pub fn verified_count(graph: AccountId) -> Result<u32> {
            tg::verified_count(graph).map_err(|_| Error::CallFailed)
        }

        pub fn call(contract: AccountId, selector: [u8; 4], args: Vec<u8>) -> core::result::Result<Vec<u8>, ()> {
            raw::call(contract, selector, args).map_err(|_| ())
        }
    }

    impl Governance {
        /// Governance with `params` and an optional `guardian`; the caller
        /// may `wire` it once. `dev_mode` (fixed for good) lifts the one-day
        /// floors of the voting period and the timelock: for development
        /// chains only.
        ///
        /// # Errors
        /// [`Error::InvalidParam`].
        #[ink(constructor)]
        pub fn new(params: GovParams, guardian: Option<AccountId>, dev_mode: bool) -> Result<Self> {
            if let Some(name) = params.invalid(dev_mode) {
                return Err(Error::InvalidParam { name: name.into() });
            }
            Ok(Self {
                deployer: Self::env().caller(),
                wiring: None,
                params,
                guardian,
                proposals: Mapping::default(),
                ballots: Mapping::default(),
                next_id: 0,
                open_by: Mapping::default(),
                dev_mode,
            })
        }

        /// Wires governance to the contracts it governs (deployer, once).
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

        /// Proposes `action`; the caller must be a verified member. Returns the id.
        ///
        /// # Errors
        /// [`Error::NotWired`], [`Error::NoVoiceCredits`], [`Error::TitleTooLong`],
        /// [`Error::InputTooLong`], [`Error::InvalidParam`],
        /// [`Error::TooManyProposals`], [`Error::Overflow`].
        #[ink(message)]
        pub fn propose(&mut self, action: Action, title: String) -> Result<u32> {
            let w = self.wiring.ok_or(Error::NotWired)?;
            let proposer = self.env().caller();
            if u32::try_from(title.len()).map_or(true, |n| n > MAX_TITLE) {
                return Err(Error::TitleTooLong { max: MAX_TITLE });
            }
            check_action(&action, self.dev_mode)?;
            if ext::verified_at(w.trust_graph, proposer)?.is_none() {
                return Err(Error::NoVoiceCredits);
            }
            let mut open: Vec<u32> = self
                .open_by
                .get(proposer)
                .unwrap_or_default()
                .into_iter()
                .filter(|i| self.proposals.get(i).is_some_and(|p| matches!(self.state_of(&p), State::Pending | State::Active)))
                .collect();
            if open.len() >= MAX_OPEN_PROPOSALS as usize {
                return Err(Error::TooManyProposals { max: MAX_OPEN_PROPOSALS });
            }
            let now = self.env().block_timestamp();
            let voting_starts = now.checked_add(self.params.voting_delay_ms).ok_or(Error::Overflow)?;
            let voting_ends = voting_starts.checked_add(self.params.voting_period_ms).ok_or(Error::Overflow)?;
            // The snapshot: members verified now; only those verified before
            // `now` may vote, so the electorate is never smaller than the voters.
            let electorate = ext::verified_count(w.trust_graph)?;
            let id = self.next_id;
            self.next_id = id.checked_add(1).ok_or(Error::Overflow)?;
            open.push(id);
            self.open_by.insert(proposer, &open);
            self.proposals.insert(
                id,
                &Proposal {
                    proposer,
                    title,
                    action: action.clone(),
                    created_at: now,
                    voting_starts,
                    voting_ends,
                    votes_for: 0,
                    votes_against: 0,
                    voters: 0,
                    electorate,
                    quorum_bps: self.params.quorum_bps,
                    voice_credits: self.params.voice_credits,
                    eta: 0,
                    execution_window_ms: self.params.execution_window_ms,
                    canceled: false,
                    executed: false,
                    last_error: None,
                },
            );
            self.env().emit_event(Proposed { id, proposer, action, voting_starts, voting_ends });
            Ok(id)
        }

        /// Casts `votes` votes for (`support`) or against proposal `id`,
        /// costing votes² of the caller's voice credits (once per proposal).
        ///
        /// # Errors
        /// [`Error::NoSuchProposal`], [`Error::WrongState`] (not Active),
        /// [`Error::AlreadyVoted`], [`Error::ZeroVotes`],
        /// [`Error::NoVoiceCredits`], [`Error::VerifiedAfterProposal`],
        /// [`Error::InsufficientCredits`].
        #[ink(message)]
        pub fn vote(&mut self, id: u32, support: bool, votes: u32) -> Result<()> {
            let mut p = self.get(id)?;
            self.expect(&p, State::Active)?;
            let voter = self.env().caller();
            if self.ballots.contains((id, voter)) {
                return Err(Error::AlreadyVoted);
            }
            if votes == 0 {
                return Err(Error::ZeroVotes);
            }
            let credits = self.credits_on(&p, voter)?;
            let cost = u64::from(votes).checked_mul(u64::from(votes)).ok_or(Error::Overflow)?;
            if cost > u64::from(credits) {
                return Err(Error::InsufficientCredits { credits, cost });
            }
            if support {
                p.votes_for = p.votes_for.checked_add(u64::from(votes)).ok_or(Error::Overflow)?;
            } else {
                p.votes_against = p.votes_against.checked_add(u64::from(votes)).ok_or(Error::Overflow)?;
            }
            p.voters = p.voters.checked_add(1).ok_or(Error::Overflow)?;
            self.proposals.insert(id, &p);
            self.ballots.insert((id, voter), &Ballot { support, votes });
            // Cannot truncate: cost ≤ credits, a u32.
            let cost = u32::try_from(cost).map_err(|_| Error::Overflow)?;
            self.env().emit_event(Voted { id, voter, support, votes, cost });
            Ok(())
        }

        /// Queues a Succeeded proposal behind the timelock (anyone).
        ///
        /// # Errors
        /// [`Error::NoSuchProposal`], [`Error::WrongState`], [`Error::Overflow`].
        #[ink(message)]
        pub fn queue(&mut self, id: u32) -> Result<Timestamp> {
            let mut p = self.get(id)?;
            self.expect(&p, State::Succeeded)?;
            let eta = self.env().block_timestamp().checked_add(self.params.timelock_ms).ok_or(Error::Overflow)?;
            p.eta = eta;
            self.proposals.insert(id, &p);
            self.env().emit_event(Queued { id, eta });
            Ok(eta)
        }

        /// Executes a Queued proposal after its timelock (anyone). Returns
        /// whether the action succeeded; a failed call changes nothing, keeps
        /// the proposal Queued and records the callee's answer.
        ///
        /// # Errors
        /// [`Error::NoSuchProposal`], [`Error::WrongState`], [`Error::Timelocked`],
        /// [`Error::NotWired`].
        #[ink(message)]
        pub fn execute(&mut self, id: u32) -> Result<bool> {
            let mut p = self.get(id)?;
            self.expect(&p, State::Queued)?;
            if self.env().block_timestamp() < p.eta {
                return Err(Error::Timelocked { eta: p.eta });
            }
            let outcome = self.perform(&p.action)?;
            match outcome {
                Ok(()) => {
                    p.executed = true;
                    p.last_error = None;
                    self.proposals.insert(id, &p);
                    self.env().emit_event(Executed { id });
                    Ok(true)
                }
                Err(answer) => {
                    p.last_error = Some(answer.clone().unwrap_or_default());
                    self.proposals.insert(id, &p);
                    self.env().emit_event(ExecutionFailed { id, answer });
                    Ok(false)
                }
            }
        }

        /// Cancels a proposal: its proposer while it is not finished; the
        /// guardian only while it is Queued and only if it does not remove or
        /// replace the guardian, unpause the pool or change governance's
        /// parameters.
        ///
        /// # Errors
        /// [`Error::NoSuchProposal`], [`Error::Unauthorized`], [`Error::WrongState`],
        /// [`Error::GuardianMayNotCancel`].
        #[ink(message)]
        pub fn cancel(&mut self, id: u32) -> Result<()> {
            let mut p = self.get(id)?;
            let caller = self.env().caller();
            let current = self.state_of(&p);
            if caller == p.proposer {
                if !matches!(current, State::Pending | State::Active | State::Succeeded | State::Queued) {
                    return Err(Error::WrongState { current, expected: State::Active });
                }
            } else if Some(caller) == self.guardian {
                if current != State::Queued {
                    return Err(Error::WrongState { current, expected: State::Queued });
                }
                if !guardian_may_cancel(&p.action) {
                    return Err(Error::GuardianMayNotCancel);
                }
            } else {
                return Err(Error::Unauthorized { caller });
            }
            p.canceled = true;
            self.proposals.insert(id, &p);
            self.env().emit_event(Canceled { id, by: caller });
            Ok(())
        }

        /// The guardian pauses the credit pool (it can never unpause).
        ///
        /// # Errors
        /// [`Error::NoGuardian`], [`Error::Unauthorized`], [`Error::NotWired`],
        /// [`Error::CallFailed`].
        #[ink(message)]
        pub fn guardian_pause(&mut self) -> Result<()> {
            let guardian = self.guardian.ok_or(Error::NoGuardian)?;
            let caller = self.env().caller();
            if caller != guardian {
                return Err(Error::Unauthorized { caller });
            }
            self.perform(&Action::SetPoolPaused(true))?.map_err(|_| Error::CallFailed)?;
            self.env().emit_event(GuardianPaused { guardian });
            Ok(())
        }

        // --- queries --------------------------------------------------------

        /// A proposal and its current state.
        #[ink(message)]
        pub fn proposal(&self, id: u32) -> Option<ProposalInfo> {
            let p = self.proposals.get(id)?;
            Some(ProposalInfo { id, state: self.state_of(&p), proposal: p })
        }

        /// A proposal's current state.
        ///
        /// # Errors
        /// [`Error::NoSuchProposal`].
        #[ink(message)]
        pub fn state(&self, id: u32) -> Result<State> {
            Ok(self.state_of(&self.get(id)?))
        }

        /// Number of proposals made (ids are 0..count).
        #[ink(message)]
        pub fn proposal_count(&self) -> u32 {
            self.next_id
        }

        /// How `voter` voted on `id`.
        #[ink(message)]
        pub fn ballot(&self, id: u32, voter: AccountId) -> Option<Ballot> {
            self.ballots.get((id, voter))
        }

        /// Voice credits `account` would receive on a proposal made now (0:
        /// not a verified member).
        ///
        /// # Errors
        /// [`Error::NotWired`], [`Error::CallFailed`].
        #[ink(message)]
        pub fn voice_credits(&self, account: AccountId) -> Result<u32> {
            let w = self.wiring.ok_or(Error::NotWired)?;
            Ok(if ext::verified_at(w.trust_graph, account)?.is_some() { self.params.voice_credits } else { 0 })
        }

        /// Voice credits `account` has on proposal `id`: the proposal's
        /// snapshot decides (verified before it was made), or the typed
        /// reason it has none.
        ///
        /// # Errors
        /// [`Error::NoSuchProposal`], [`Error::NotWired`], [`Error::CallFailed`],
        /// [`Error::NoVoiceCredits`], [`Error::VerifiedAfterProposal`].
        #[ink(message)]
        pub fn voice_credits_on(&self, id: u32, account: AccountId) -> Result<u32> {
            let p = self.get(id)?;
            self.credits_on(&p, account)
        }

        /// Whether governance runs in development mode (no one-day floors).
        #[ink(message)]
        pub fn dev_mode(&self) -> bool {
            self.dev_mode
        }

        /// The parameters.
        #[ink(message)]
        pub fn params(&self) -> GovParams {
            self.params
        }

        /// The guardian, if any.
        #[ink(message)]
        pub fn guardian(&self) -> Option<AccountId> {
            self.guardian
        }

        /// The wiring, `None` until `wire`.
        #[ink(message)]
        pub fn wiring(&self) -> Option<Wiring> {
            self.wiring
        }

        // --- internals ------------------------------------------------------

        fn get(&self, id: u32) -> Result<Proposal> {
            self.proposals.get(id).ok_or(Error::NoSuchProposal)
        }

        /// The one transition check: `p` must be in `expected`.
        fn expect(&self, p: &Proposal, expected: State) -> Result<()> {
            let current = self.state_of(p);
            if current == expected {
                Ok(())
            } else {
                Err(Error::WrongState { current, expected })
            }
        }

        fn state_of(&self, p: &Proposal) -> State {
            let now = self.env().block_timestamp();
            if p.canceled {
                return State::Canceled;
            }
            if p.executed {
                return State::Executed;
            }
            if now < p.voting_starts {
                return State::Pending;
            }
            if now < p.voting_ends {
                return State::Active;
            }
            // Quorum: voters · 10,000 ≥ quorum_bps · electorate.
            let quorum = u64::from(p.voters).saturating_mul(10_000) >= u64::from(p.quorum_bps).saturating_mul(u64::from(p.electorate));
            if !quorum || p.votes_for <= p.votes_against {
                return State::Defeated;
            }
            if p.eta == 0 {
                // Passed but never queued: stale after the execution window.
                if now > p.voting_ends.saturating_add(p.execution_window_ms) {
                    return State::Expired;
                }
                return State::Succeeded;
            }
            if now > p.eta.saturating_add(p.execution_window_ms) {
                return State::Expired;
            }
            State::Queued
        }

        /// The voice credits of `account` on proposal `p`: the proposal's
        /// credits if `account` was verified before `p` was made.
        fn credits_on(&self, p: &Proposal, account: AccountId) -> Result<u32> {
            let w = self.wiring.ok_or(Error::NotWired)?;
            match ext::verified_at(w.trust_graph, account)? {
                None => Err(Error::NoVoiceCredits),
                Some(at) if at >= p.created_at => Err(Error::VerifiedAfterProposal { verified_at: at, created_at: p.created_at }),
                Some(_) => Ok(p.voice_credits),
            }
        }

        fn target(&self, t: Target) -> Result<AccountId> {
            let w = self.wiring.ok_or(Error::NotWired)?;
            Ok(match t {
                Target::TrustGraph => w.trust_graph,
                Target::CreditPool => w.credit_pool,
                Target::Governance => self.env().account_id(),
                Target::WarrantEscrow => w.warrant_escrow,
                Target::LoanManager => w.loan_manager,
                Target::Contract(account) => account,
            })
        }

        /// Performs `action`: `Ok(Ok(()))` done, `Ok(Err(answer))` the callee
        /// refused (its answer, if it gave one) and changed nothing.
        fn perform(&mut self, action: &Action) -> Result<core::result::Result<(), Option<Vec<u8>>>> {
            let (target, selector, args) = match action {
                Action::SetGovParams(params) => {
                    if let Some(name) = params.invalid(self.dev_mode) {
                        return Ok(Err(Some(Error::InvalidParam { name: name.into() }.encode())));
                    }
                    let old = self.params;
                    self.params = *params;
                    self.env().emit_event(ParamsChanged { old, new: *params });
                    return Ok(Ok(()));
                }
                Action::SetGuardian(guardian) => {
                    self.guardian = *guardian;
                    self.env().emit_event(GuardianSet { guardian: *guardian });
                    return Ok(Ok(()));
                }
                Action::Upgrade { target: Target::Governance, code_hash } => {
                    return Ok(self.env().set_code_hash(code_hash).map_err(|_| Some(Error::UpgradeFailed.encode())));
                }
                Action::SetPoolParams(p) => (Target::CreditPool, ink::selector_bytes!("set_params"), p.encode()),
                Action::SetTrustParams(p) => (Target::TrustGraph, ink::selector_bytes!("set_params"), p.encode()),
                Action::SetLoanParams(p) => (Target::LoanManager, ink::selector_bytes!("set_params"), p.encode()),
                Action::SetVerifier { verifier, appointed } => {
                    (Target::TrustGraph, ink::selector_bytes!("set_verifier"), (verifier, appointed).encode())
                }
                Action::RevokeVerifier(verifier) => {
                    (Target::TrustGraph, ink::selector_bytes!("revoke_verifier"), verifier.encode())
                }
                Action::SetPoolPaused(paused) => (Target::CreditPool, ink::selector_bytes!("set_paused"), paused.encode()),
                Action::SpendTreasury { to, amount } => {
                    (Target::CreditPool, ink::selector_bytes!("spend_treasury"), (to, amount).encode())
                }
                Action::Upgrade { target, code_hash } => (*target, ink::selector_bytes!("set_code"), code_hash.encode()),
                Action::RawCall { target, selector, input } => (*target, *selector, input.clone()),
            };
            let to = self.target(target)?;
            match ext::call(to, selector, args) {
                // A suite message returns `Result`: 0 is `Ok` (an `Err`
                // reverts its changes). A message returning `()` answers
                // nothing and has run once it returns (review F4: it was
                // counted failed, so re-executable within the window). Any
                // other answer — an `Err`, or a third party's `bool` or
                // value — is kept as `last_error` and may be retried.
                Ok(answer) if answer.is_empty() || answer.first() == Some(&0) => Ok(Ok(())),
                Ok(answer) => Ok(Err(Some(answer))),
                Err(()) => Ok(Err(None)),
            }
        }
    }

    /// Whether the guardian may cancel a proposal doing `action`: never one
    /// that removes or replaces the guardian, unpauses the pool or changes
    /// governance's own parameters. (It may cancel upgrades, governance's
    /// included: stopping a malicious upgrade in its timelock is its job.)
    fn guardian_may_cancel(action: &Action) -> bool {
        !matches!(action, Action::SetGuardian(_) | Action::SetPoolPaused(false) | Action::SetGovParams(_))
    }

    /// Refuses actions that can never succeed, before anyone votes on them.
    fn check_action(action: &Action, dev_mode: bool) -> Result<()> {
        match action {
            // The pool checks the amounts in its stablecoin's unit at
            // execution; before the vote, what no unit allows is refused.
            Action::SetPoolParams(p) => match p.invalid_for_any_unit() {
                Some(name) => Err(Error::InvalidParam { name: name.into() }),
                None => Ok(()),
            },
            Action::SetGovParams(p) => match p.invalid(dev_mode) {
                Some(name) => Err(Error::InvalidParam { name: name.into() }),
                None => Ok(()),
            },
            Action::SetLoanParams(p) => match p.invalid() {
                Some(name) => Err(Error::InvalidParam { name: name.into() }),
                None => Ok(()),
            },
            Action::RawCall { input, .. } if u32::try_from(input.len()).map_or(true, |n| n > MAX_INPUT) => {
                Err(Error::InputTooLong { max: MAX_INPUT })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod mock;

#[cfg(test)]
mod tests;
