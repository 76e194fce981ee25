//! Cross-contract interfaces (contracts only, feature `ink`): the types and
//! calls one DCU contract uses to talk to another without depending on the
//! other's crate (which would build it in `ink-as-dependency` mode beside its
//! own unit tests).
//!
//! A call either returns the callee's answer or a [`CallFailed`]: the callee
//! trapped, was not a contract, or answered in a shape we cannot decode.

use ink::env::call::{build_call, ExecutionInput, Selector};
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;

/// A cross-contract call did not return an answer (trap, no contract, bad
/// encoding, or an ink! dispatch error such as an unknown selector).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct CallFailed;

/// Calls the message `selector` of `contract` with `args` (one value, or a
/// tuple for several: SCALE encodes a tuple as its fields in order) and
/// decodes its answer as `R`. Every cross-contract call of the suite goes
/// through here.
pub fn invoke<A: ink::scale::Encode, R: ink::scale::Decode>(contract: AccountId, selector: [u8; 4], args: A) -> Result<R, CallFailed> {
    build_call::<DefaultEnvironment>()
        .call(contract)
        .exec_input(ExecutionInput::new(Selector::new(selector)).push_arg(args))
        .returns::<R>()
        .try_invoke()
        .map_err(|_| CallFailed)?
        .map_err(|_| CallFailed)
}

/// The trust graph's errors and the messages other contracts call.
pub mod trust_graph {
    use super::*;
    use crate::Balance;

    pub use crate::trust::defaults::*;

    /// Governance parameters.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Params {
        /// MAX_TRUST: the DT + 0.3·NT at which TS reaches 1 (1..=10,000,000).
        pub max_trust: u32,
        /// BASE capacity in smallest units (1 unit ..= 10^9 tokens).
        pub base_capacity: Balance,
        /// Maximum trust edges a member may give (1..=450).
        pub max_out_degree: u32,
        /// Maximum trust edges a member may receive (1..=300).
        pub max_in_degree: u32,
        /// Days a default halves CF (0..=3650).
        pub default_penalty_days: u32,
        /// Days without repayment after which TS is halved (1..=3650).
        pub inactivity_days: u32,
        /// MIN_ANCHOR_STAKE: stake in the pool that, with the age below,
        /// anchors a member (1 unit ..= 10^9 tokens).
        pub min_anchor_stake: Balance,
        /// MIN_ANCHOR_AGE in days (0..=3650; 0 only makes sense on a
        /// development network).
        pub min_anchor_age_days: u32,
    }

    impl Default for Params {
        fn default() -> Self {
            Params {
                max_trust: DEFAULT_MAX_TRUST,
                base_capacity: DEFAULT_BASE_CAPACITY,
                max_out_degree: DEFAULT_MAX_OUT_DEGREE,
                max_in_degree: DEFAULT_MAX_IN_DEGREE,
                default_penalty_days: DEFAULT_PENALTY_DAYS,
                inactivity_days: DEFAULT_INACTIVITY_DAYS,
                min_anchor_stake: DEFAULT_MIN_ANCHOR_STAKE,
                min_anchor_age_days: DEFAULT_MIN_ANCHOR_AGE_DAYS,
            }
        }
    }

    /// Errors of the trust graph.
    #[derive(Debug, PartialEq, Eq, Clone)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum Error {
        /// The account is not a registered member.
        NotMember(AccountId),
        /// The caller is already a member.
        AlreadyRegistered,
        /// A member cannot trust or vouch for itself.
        SelfTrust,
        /// Trust weights are 1..=800.
        WeightOutOfRange { weight: u32 },
        /// The truster already gives the maximum number of trust edges.
        OutDegreeCap { cap: u32 },
        /// The trusted member already receives the maximum number of edges.
        InDegreeCap { cap: u32 },
        /// There is no trust edge between these members.
        NoSuchEdge,
        /// The caller already vouched for this member.
        AlreadyVouched,
        /// The member is already verified.
        AlreadyVerified,
        /// The caller is not an appointed verifier.
        NotVerifier,
        /// The caller may not call this message.
        Unauthorized { caller: AccountId },
        /// The contract is already wired.
        AlreadyWired,
        /// The contract is not wired yet.
        NotWired,
        /// A parameter is outside its allowed range.
        InvalidParam { name: ink::prelude::string::String },
        /// Arithmetic overflow.
        Overflow,
        /// The code hash is not an uploaded contract code.
        UpgradeFailed,
        /// The target rejected this truster's trust and has not lifted the block.
        Blocked { target: AccountId },
        /// No block on this truster to lift.
        NotBlocked,
        /// Only an anchored member (verified, or staked and old enough) may vouch.
        NotAnchored,
        /// The account neither is a verifier nor has verified anyone.
        NothingToRevoke,
        /// The target already receives `cap` edges that do not count (from
        /// unanchored trusters): an unanchored member may not add another.
        UnanchoredInDegreeCap { cap: u32 },
        /// The change would end the member's anchoring while some of its
        /// edges still count: it must first `release_anchor` (its edges
        /// stop counting, a page per call) — so the capital that anchored
        /// it cannot move on while its trust still counts.
        AnchorNotReleased { counting: u32 },
    }

    /// A reputation event a wired pool or loan manager reports.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Reputation {
        /// `record_repayment`: a qualifying repayment (it paid at least the
        /// interest due, or a whole day's worth of principal).
        Repayment,
        /// `record_warning`.
        Warning,
        /// `clear_warning`: the reporter's own warning, its debt current again.
        WarningCleared,
        /// `record_default`.
        Default,
    }

    impl Reputation {
        fn selector(self) -> [u8; 4] {
            match self {
                Reputation::Repayment => ink::selector_bytes!("record_repayment"),
                Reputation::Warning => ink::selector_bytes!("record_warning"),
                Reputation::WarningCleared => ink::selector_bytes!("clear_warning"),
                Reputation::Default => ink::selector_bytes!("record_default"),
            }
        }
    }

    /// `warnings_of(member)`: open warnings from every source (0 for non-members).
    pub fn warnings_of(graph: AccountId, member: AccountId) -> Result<u32, CallFailed> {
        invoke(graph, ink::selector_bytes!("warnings_of"), member)
    }

    /// The answer of `score(member)`: every score of a member at once, so
    /// one call (one read of its in-edges) gives TS, CF, capacity and the
    /// open warnings. The trust graph returns this very type.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct ScoreInfo {
        /// DT(v).
        pub direct_trust: u128,
        /// NT(v), 10^9 fixed point.
        pub network_trust: u128,
        /// TS(v) (after the inactivity penalty), 10^9 fixed point.
        pub trust_score: u128,
        /// CF(v) (after the default penalty), 10^9 fixed point.
        pub confidence: u128,
        /// C(v), in smallest units of the stablecoin.
        pub capacity: Balance,
        /// |N(v)|.
        pub neighbours: u32,
        /// CF components, 10^9 fixed point: age, tx, diversity, verified, community.
        pub components: [u128; 5],
        /// TS is halved for inactivity.
        pub inactive: bool,
        /// CF is halved after a default.
        pub defaulted: bool,
        /// Open warnings (every source): while any is open the member may
        /// not draw, request a term loan or receive new lines. Here so that
        /// a request reads the graph once.
        pub open_warnings: u32,
        /// `Some(x)`: the scores are not final because member `x` (the
        /// member itself or one of its trusters) changed its anchoring and
        /// some of its edges still count as before; anyone finishes that
        /// with `refresh_anchor(x)`. A loan is not granted on such a score.
        pub stale_by: Option<AccountId>,
    }

    /// `score(member)`: TS, CF, capacity and their inputs in one call, or
    /// the graph's refusal (not a member).
    pub fn score(graph: AccountId, member: AccountId) -> Result<Result<ScoreInfo, Error>, CallFailed> {
        invoke(graph, ink::selector_bytes!("score"), member)
    }

    /// `trust_of(from, to)`: the weight of the edge `from → to`, if any.
    pub fn trust_of(graph: AccountId, from: AccountId, to: AccountId) -> Result<Option<u16>, CallFailed> {
        invoke(graph, ink::selector_bytes!("trust_of"), (from, to))
    }

    /// `trust_score(member)`: TS at 10^9, or the graph's refusal (not a member).
    pub fn trust_score(graph: AccountId, member: AccountId) -> Result<Result<u128, Error>, CallFailed> {
        invoke(graph, ink::selector_bytes!("trust_score"), member)
    }

    /// `confidence(member)`: CF at 10^9, or the graph's refusal (not a member).
    pub fn confidence(graph: AccountId, member: AccountId) -> Result<Result<u128, Error>, CallFailed> {
        invoke(graph, ink::selector_bytes!("confidence"), member)
    }

    /// `is_verified(member)`.
    pub fn is_verified(graph: AccountId, member: AccountId) -> Result<bool, CallFailed> {
        invoke(graph, ink::selector_bytes!("is_verified"), member)
    }

    /// `member_count()`.
    pub fn member_count(graph: AccountId) -> Result<u32, CallFailed> {
        invoke(graph, ink::selector_bytes!("member_count"), ())
    }

    /// `verified_at(member)`: when `member` was verified, `None` if it is not
    /// (or is no member). Governance's voters are those verified before a
    /// proposal was made.
    pub fn verified_at(graph: AccountId, member: AccountId) -> Result<Option<u64>, CallFailed> {
        invoke(graph, ink::selector_bytes!("verified_at"), member)
    }

    /// `stake_changed(member, stake)`: the pool reports a grantor's stake,
    /// which may anchor the member or end its anchoring.
    pub fn stake_changed(graph: AccountId, member: AccountId, stake: Balance) -> Result<Result<(), Error>, CallFailed> {
        invoke(graph, ink::selector_bytes!("stake_changed"), (member, stake))
    }

    /// `capital_lost(member, stake)`: own capital lowered by a loss the
    /// member did not choose (a write-off); never refused for its edges,
    /// which stop counting page by page on later `refresh_anchor` calls.
    pub fn capital_lost(graph: AccountId, member: AccountId, stake: Balance) -> Result<Result<(), Error>, CallFailed> {
        invoke(graph, ink::selector_bytes!("capital_lost"), (member, stake))
    }

    /// `verified_count()`: verified members now (governance's electorate).
    pub fn verified_count(graph: AccountId) -> Result<u32, CallFailed> {
        invoke(graph, ink::selector_bytes!("verified_count"), ())
    }

    /// Records `event` for `member`; the graph accepts only its wired callers.
    pub fn record(graph: AccountId, event: Reputation, member: AccountId) -> Result<Result<(), Error>, CallFailed> {
        invoke(graph, event.selector(), member)
    }
}

/// A callee's refusal, still SCALE-encoded as the callee's own `Error`
/// (decode it with the callee's metadata).
pub type Refusal = ink::prelude::vec::Vec<u8>;

/// Calls a message returning `Result<T, E>` and keeps `E` encoded: for
/// callers that pass a refusal on without depending on the callee's crate.
pub fn invoke_result<A: ink::scale::Encode, T: ink::scale::Decode>(
    contract: AccountId,
    selector: [u8; 4],
    args: A,
) -> Result<Result<T, Refusal>, CallFailed> {
    let bytes = raw::call(contract, selector, ink::scale::Encode::encode(&args))?;
    match bytes.split_first() {
        Some((0, mut rest)) => T::decode(&mut rest).map(Ok).map_err(|_| CallFailed),
        Some((1, rest)) => Ok(Err(rest.into())),
        _ => Err(CallFailed),
    }
}

/// The credit pool's messages for the loan manager.
pub mod credit_pool {
    use super::*;
    use crate::pool::{PathInfo, PoolParams};
    use crate::Balance;
    use ink::prelude::vec::Vec;

    /// `path_capacity(path)`.
    pub fn path_capacity(pool: AccountId, path: Vec<AccountId>) -> Result<Result<PathInfo, Refusal>, CallFailed> {
        invoke_result(pool, ink::selector_bytes!("path_capacity"), path)
    }

    /// `loan_open(loan_id, path, amount, purpose)`.
    pub fn loan_open(pool: AccountId, loan_id: u64, path: Vec<AccountId>, amount: Balance, purpose: crate::loan::Purpose) -> Result<Result<(), Refusal>, CallFailed> {
        invoke_result(pool, ink::selector_bytes!("loan_open"), (loan_id, path, amount, purpose))
    }

    /// `loan_return(loan_id, principal, fee, insurance)`.
    pub fn loan_return(pool: AccountId, loan_id: u64, principal: Balance, fee: Balance, insurance: Balance) -> Result<Result<(), Refusal>, CallFailed> {
        invoke_result(pool, ink::selector_bytes!("loan_return"), (loan_id, principal, fee, insurance))
    }

    /// `loan_settle(loan_id, recovered)`: `recovered` (the warrants'
    /// claims, already sent to the pool) restores the creditor's stake
    /// first; returns (covered by co-insurance, written off the creditor's
    /// stake).
    pub fn loan_settle(pool: AccountId, loan_id: u64, recovered: Balance) -> Result<Result<(Balance, Balance), Refusal>, CallFailed> {
        invoke_result(pool, ink::selector_bytes!("loan_settle"), (loan_id, recovered))
    }

    /// `params()`.
    pub fn params(pool: AccountId) -> Result<PoolParams, CallFailed> {
        invoke(pool, ink::selector_bytes!("params"), ())
    }

    /// `warrant_from_stake(holder, amount)` (the warrant escrow only): the
    /// pool pays `amount` of `holder`'s free stake to the caller.
    pub fn warrant_from_stake(pool: AccountId, holder: AccountId, amount: Balance) -> Result<Result<(), Refusal>, CallFailed> {
        invoke_result(pool, ink::selector_bytes!("warrant_from_stake"), (holder, amount))
    }

    /// `warrant_to_stake(holder, amount)` (the warrant escrow only, once it
    /// has transferred `amount` to the pool): back to `holder`'s stake.
    pub fn warrant_to_stake(pool: AccountId, holder: AccountId, amount: Balance) -> Result<Result<(), Refusal>, CallFailed> {
        invoke_result(pool, ink::selector_bytes!("warrant_to_stake"), (holder, amount))
    }
}

/// The warrant escrow's messages for the loan manager.
pub mod warrant_escrow {
    use super::*;
    use crate::Balance;
    use ink::prelude::vec::Vec;

    /// What the escrow is told of a loan whose warrants it creates: the
    /// terms its holders' standing policies are checked against.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct LoanTerms {
        /// The loan's amount (not the warrants').
        pub amount: Balance,
        /// The loan's term in days.
        pub term_days: u32,
        /// The loan's yearly rate, bps.
        pub rate_bps: u32,
        /// The borrower's trust score (10^9) at the request.
        pub borrower_ts: u128,
    }

    /// `create(loan_id, creditor, holders, total, terms)`: warrants locked at once.
    pub fn create(
        escrow: AccountId,
        loan_id: u64,
        creditor: AccountId,
        holders: Vec<AccountId>,
        total: Balance,
        terms: LoanTerms,
    ) -> Result<Result<u32, Refusal>, CallFailed> {
        invoke_result(escrow, ink::selector_bytes!("create"), (loan_id, creditor, holders, total, terms))
    }

    /// `fully_locked(loan_id)`.
    pub fn fully_locked(escrow: AccountId, loan_id: u64) -> Result<bool, CallFailed> {
        invoke(escrow, ink::selector_bytes!("fully_locked"), loan_id)
    }

    /// `release(loan_id)`: the amount returned to holders.
    pub fn release(escrow: AccountId, loan_id: u64) -> Result<Result<Balance, Refusal>, CallFailed> {
        invoke_result(escrow, ink::selector_bytes!("release"), loan_id)
    }

    /// `claim_default(loan_id, loss)`: the warrants' claims towards `loss`,
    /// paid to the caller (the loan manager, which passes them to the pool).
    pub fn claim_default(escrow: AccountId, loan_id: u64, loss: Balance) -> Result<Result<Balance, Refusal>, CallFailed> {
        invoke_result(escrow, ink::selector_bytes!("claim_default"), (loan_id, loss))
    }
}

/// Calls with bytes prepared by the caller, for governance's execution of
/// proposals: the arguments are already SCALE-encoded and the answer comes
/// back undecoded.
pub mod raw {
    use super::*;
    use ink::prelude::vec::Vec;
    use ink::scale::{Decode, Encode, Input, Output};

    /// Arguments already encoded, written as they are.
    pub struct Args(pub Vec<u8>);

    impl Encode for Args {
        fn size_hint(&self) -> usize {
            self.0.len()
        }
        fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
            dest.write(&self.0);
        }
    }

    /// The message's return value, undecoded (after ink!'s dispatch wrapper).
    pub struct Answer(pub Vec<u8>);

    impl Decode for Answer {
        fn decode<I: Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
            let len = input.remaining_len()?.unwrap_or(0);
            let mut v = ink::prelude::vec![0u8; len];
            input.read(&mut v)?;
            Ok(Answer(v))
        }
    }

    /// Calls `selector` on `contract` with `args`; returns the answer's bytes.
    /// A message returning `Result` succeeded when the first byte is 0.
    pub fn call(contract: AccountId, selector: [u8; 4], args: Vec<u8>) -> Result<Vec<u8>, CallFailed> {
        invoke::<Args, Answer>(contract, selector, Args(args)).map(|a| a.0)
    }
}
