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

/// The trust graph's errors and the messages other contracts call.
pub mod trust_graph {
    use super::*;

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
    }

    /// A reputation event a wired pool or loan manager reports.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Reputation {
        /// `record_repayment`.
        Repayment,
        /// `record_warning`.
        Warning,
        /// `record_default`.
        Default,
    }

    impl Reputation {
        /// The trust graph message that records it.
        pub fn message(self) -> &'static str {
            match self {
                Reputation::Repayment => "record_repayment",
                Reputation::Warning => "record_warning",
                Reputation::Default => "record_default",
            }
        }

        fn selector(self) -> [u8; 4] {
            match self {
                Reputation::Repayment => ink::selector_bytes!("record_repayment"),
                Reputation::Warning => ink::selector_bytes!("record_warning"),
                Reputation::Default => ink::selector_bytes!("record_default"),
            }
        }
    }

    /// `trust_of(from, to)`: the weight of the edge `from → to`, if any.
    pub fn trust_of(graph: AccountId, from: AccountId, to: AccountId) -> Result<Option<u16>, CallFailed> {
        build_call::<DefaultEnvironment>()
            .call(graph)
            .exec_input(ExecutionInput::new(Selector::new(ink::selector_bytes!("trust_of"))).push_arg(from).push_arg(to))
            .returns::<Option<u16>>()
            .try_invoke()
            .map_err(|_| CallFailed)?
            .map_err(|_| CallFailed)
    }

    /// Records `event` for `member`; the graph accepts only its wired callers.
    pub fn record(graph: AccountId, event: Reputation, member: AccountId) -> Result<Result<(), Error>, CallFailed> {
        build_call::<DefaultEnvironment>()
            .call(graph)
            .exec_input(ExecutionInput::new(Selector::new(event.selector())).push_arg(member))
            .returns::<Result<(), Error>>()
            .try_invoke()
            .map_err(|_| CallFailed)?
            .map_err(|_| CallFailed)
    }
}
