//! # `credit_pool` — DCUP staking credit pools (SPEC §3, seed 004)
//!
//! Members stake the stablecoin and receive credit points 1:1; from their
//! points they extend credit lines to members they trust, each at its own
//! yearly rate. A borrower's credit limit is the sum of the lines to it,
//! capped at MAX_CREDIT; a draw takes the cheapest lines first and is lent
//! from those grantors' stakes.
//!
//! (v2) MAX_CREDIT is one per-person cap on what a member *owes*: the
//! principal of its draws plus the principal of the term loans it borrowed
//! (it is the end of the path) — the `owed` of its anchor record, shown as
//! `BorrowerInfo::owed` — never exceeds `params.max_credit`. Every `draw`
//! and every `loan_open` with the member as borrower is refused with
//! [`Error::AboveMaxCredit`] (nothing changed) when it would pass it, and a
//! draw may take at most `min(limit − principal, MAX_CREDIT − owed)`. A
//! reservation on a line for a loan that only passes through its borrower
//! (an intermediary) lowers that line's availability, never the member's
//! cap.
//!
//! - `stake` pulls tokens with PSP22 `transfer_from`; the stake is locked for
//!   the lock-out from its latest increase. `unstake` returns free points
//!   (neither allocated to lines nor lent) after it.
//! - Warrants from stake (SPEC §4): an intermediary may lock its warrant
//!   out of its free stake instead of its wallet. The wired warrant escrow
//!   calls `warrant_from_stake(holder, amount)`: at most the holder's free
//!   stake (neither allocated nor lent, else [`Error::InsufficientStake`]),
//!   whatever its lock-out, is paid to the escrow and the stake falls by it;
//!   the trust graph hears the lower own capital as for an `unstake` (and
//!   may refuse it, `AnchorNotReleased`, while the holder's trust counts).
//!   When the warrant is released, or after a default for the part not
//!   claimed, the escrow transfers the tokens back and calls
//!   `warrant_to_stake(holder, amount)`: the stake rises by it **without**
//!   restarting its lock-out, and the pool checks it holds every token its
//!   books say it must. The tokens never reach the holder's wallet, so a
//!   warrant never lets stake leave before its lock-out; what a default
//!   claims goes, through the loan manager, to the creditor's stake.
//! - `extend_credit` creates or raises a line (needs the trust edge grantor →
//!   borrower in `trust_graph`, read cross-contract), lowers or closes it
//!   (not before the line's lock-out ends, never below what is drawn).
//! - `draw(amount, max_rate_bps)`: lowest rate first, oldest line first on
//!   ties; refused as a whole if any part would be lent above `max_rate_bps`
//!   (v2), so a rate raised in front of a pending draw gains nothing.
//! - Interest: none for the grace period after a draw on an empty line, then
//!   simple daily interest `principal · rate / 365` per line, in whole days.
//!   (v2) One grace per window: a draw on an empty line starts a new grace
//!   only if the line was never drawn or has been empty for at least the
//!   grace period; otherwise interest runs from the draw.
//! - (v2) A line is at least MIN_LINE: a new or lowered non-zero limit below
//!   it is refused. A borrower may `decline_line(grantor)`: an unused line
//!   (nothing drawn or reserved) closes at once, whatever its lock-out, and
//!   the grantor may not extend credit to it again until the borrower calls
//!   `accept_lines_from(grantor)`. So nobody fills a member's line cap with
//!   dust it cannot remove.
//! - `repay`: interest first, then principal, highest rate first. Of the
//!   interest, the protocol fee goes to the treasury and the insurance share
//!   to the insurance reserve; the rest is added to the grantor's stake.
//! - `mark_overdue` (anyone, once unpaid interest is `overdue_ms` old) records
//!   a warning in the trust graph; `declare_default` (anyone, after
//!   `default_ms`) closes the borrower's lines: insurance co-insures the
//!   grantors' losses, the rest is written off their stakes, and the default
//!   is recorded in the trust graph.
//!
//! ## Co-insurance (SPEC §3, v2)
//! Insurance is not a honeypot. Principal is *insured* only if it was drawn
//! at least COVER_MIN_AGE after its line was created or last raised (each
//! line keeps `raised_at` and its `insured` part; repayments reduce the
//! uninsured part first). A default pays each grantor at most COVER_SHARE
//! of its insured loss, and all of them together at most
//! COVER_MAX_RESERVE_SHARE of the reserve, pro rata, rounded down. A term
//! loan is insured only if every line of its path was that old when it was
//! disbursed (kept in its `LoanHold`); its settlement (`loan_settle`, the
//! pool decides the cover) co-insures only what the warrants left, within
//! the same two caps. A grantor lending to its own throwaway borrower
//! therefore loses at least half of it, and no single default empties the
//! reserve.
//!
//! The accounting is `dcu_common::pool` (pure functions, shared with an
//! in-memory model that the property tests compare this contract against).
//!
//! ## Invariants (checked after every step of the unit and property tests)
//! - tokens held = Σ (stake − lent) + insurance + treasury, to the unit, so
//!   tokens held + outstanding principal = Σ stake + insurance + treasury;
//! - per grantor: lent = Σ principal, allocated = Σ limits of its lines,
//!   lent ≤ stake; per line: principal + reserved ≤ limit, insured ≤
//!   principal (v2), reserved = Σ principal of the term loans that reserved
//!   on that very line (v2);
//!   per borrower: principal ≤ its credit limit at the time of each draw,
//!   and principal + term loans it borrowed ≤ MAX_CREDIT (v2);
//! - `totals()` equals the sums over all grantors.
//!
//! ## Term loans (SPEC §5)
//! The wired `loan_manager` routes term loans over chains of lines
//! (creditor → intermediaries → borrower): `loan_open` reserves the amount
//! on every line of the path (reserved capacity can be neither drawn nor
//! removed) and lends it from the creditor's stake to the borrower, within
//! the borrower's MAX_CREDIT (above); `loan_return` books principal coming
//! back (the creditor's stake is unlent again), the fee and the insurance
//! share. The identities above hold with term-loan principal counted in
//! `lent`.
//!
//! (v2) A loan's hold remembers the `seq` of every line of its path at
//! disbursement, and `loan_return` and `loan_settle` release its
//! reservation only from a line whose `seq` still matches. A borrower's
//! pool default deletes its lines, reserved ones included; a line the
//! grantor creates again for the same pair is a new line (a new `seq`)
//! that holds none of the old loan's reservation, so the old loan never
//! releases another loan's (review L1).
//!
//! (v2) `loan_settle(loan_id, recovered)` follows SPEC §4's loss order,
//! warrants first: the loan manager claims the warrants and transfers the
//! claims, `recovered`, to the pool before calling; of the unreturned
//! principal P, `recovered` goes back to the creditor's stake, co-insurance
//! covers its share of `P − recovered` if the loan is insured (below), and
//! the rest is written off the creditor's stake. It returns
//! `(covered, written_off)` — written off is the creditor's net loss after
//! warrant claims and insurance — and the pool checks that it holds every
//! token its books say it must (as `loan_return` does).
//!
//! ## Own capital: what anchors a member (SPEC §2, v2)
//! The trust graph anchors a member whose pool stake is at least
//! MIN_ANCHOR_STAKE. Borrowed tokens staked do not anchor: the pool reports
//! (through the graph's `stake_changed(member, stake)`, whose `stake` means
//! "what anchors") the member's **own capital**
//!
//! `own capital = stake − owed − defaulted`, saturating at 0, where
//! - `stake` is its gross stake (credit points, interest earned included,
//!   write-offs excluded);
//! - `owed` is the principal the pool lent *to it* and has not got back: its
//!   draws on DCUP lines as a borrower and the term loans the pool funded
//!   with it as the borrower (the end of the path). A reservation on a line
//!   for a loan that only passes through it is not its debt;
//! - `defaulted` is principal lent to it that was written off in a default
//!   (a pool default or a settled term loan): it never came back, so what
//!   the member still holds is other people's money and keeps not anchoring.
//!
//! Interest owed is not counted: it accrues with time, when no message runs
//! to report it, and it is not tokens the member received and could stake.
//!
//! The pool remembers the value it last reported per member and calls the
//! graph only when the value changes (a member without stake who draws
//! reports nothing). It reports on `stake`, `unstake`, `draw`, `repay`,
//! `declare_default` (the grantors' write-offs, the borrower's debt turning
//! defaulted), `loan_open`, `loan_return`, `loan_settle`,
//! `warrant_from_stake` and `warrant_to_stake`. A report that may lower own
//! capital must reach the graph or the message fails (the graph never
//! holds more than the member's own capital); one that can only raise it (a
//! repayment: `repay`, `loan_return`; a warrant back in the stake:
//! `warrant_to_stake`) is best effort, as a repayment is never blocked. Interest a grantor earns is not reported by
//! the borrower's `repay` (one graph call per grantor paid, each of which can
//! flip an anchoring, would weigh on every repayment); it reaches the graph
//! with the grantor's next change, or at once by `report_own_capital`, which
//! anyone may call to bring a member's report current.
//!
//! ## Epoch counters (issue 20, community health)
//! Per epoch (`epoch_ms`, 30 days by default; governance may change it only
//! before counting starts) the pool counts the principal drawn (draws and
//! term loans opened), the principal repaid (repayments' principal and term
//! loans' principal returned) and the time-weighted outstanding principal
//! `∫ totals.lent dt`. Every message that changes `totals.lent` (`draw`,
//! `repay`, `declare_default`, `loan_open`, `loan_return`, `loan_settle`)
//! adds `principal × elapsed` since the last change to one running cell
//! (`Lazy`, O(1), no loop); the first such message of a later epoch closes
//! the running epoch into `epochs` (no event of its own: the counters are
//! the sums of the amounts in those messages' events). `epoch_stats(epoch)`
//! answers for any epoch, closed or not, without a message having run since
//! (it completes the integral to the epoch's end, or to now). Epoch `e`
//! spans `[e·epoch_ms, (e+1)·epoch_ms)` on the pool's clock. Counting starts
//! with the first such change after this code is installed: earlier epochs
//! report only what was counted since. The counters saturate at
//! `u128::MAX` (the epoch then says `saturated`): a statistic never refuses
//! a money message. `clock` and `token` let a federation place and check
//! the pool. `fund_insurance` lets anyone (the federation, a community's
//! treasury) pay into the insurance reserve.
//!
//! ## Clock
//! Every time the pool stores or compares (lock-outs, grace, interest days,
//! overdue and default delays, cover age) is read through one `now()`: the
//! block time, or in the `fast-clock` test build (`credit_pool_fast`, for
//! local networks and the e2e tests) 864,000 × the block time, so that one
//! second of block time is ten days. `clock_rate()` answers 1 or 864,000.
//!
//! ## Access
//! - `wire`: the deployer, once.
//! - `decline_line`, `accept_lines_from`: the borrower, for its own lines.
//! - `loan_open`, `loan_return`, `loan_settle`: the wired loan manager only.
//! - `warrant_from_stake`, `warrant_to_stake`: the wired warrant escrow only.
//! - `set_params`, `set_paused`, `spend_treasury`: the wired governance only.
//! - `report_own_capital`: anyone (it reports only the truth).
//! - Pausing stops `stake`, new or raised lines, `draw`, `loan_open` and
//!   `warrant_from_stake`; `repay`, `unstake`, lowering lines, declining
//!   and accepting lines, `mark_overdue`, `declare_default`,
//!   `report_own_capital` and `warrant_to_stake` always work, so a pause
//!   never blocks a repayment, a warrant's return or anyone's free stake.
//!
//! ## Caps
//! At most [`MAX_LINES_PER_BORROWER`] lines to one borrower and
//! [`MAX_LINES_PER_GRANTOR`] lines from one grantor, so that every message
//! reads a bounded number of records.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use dcu_common::health::EpochStats;
pub use dcu_common::pool::PathInfo;

pub use self::credit_pool::{
    BorrowerInfo, CreditPool, CreditPoolRef, Error, Flow, GrantorInfo, LineInfo, LoanHold, OwnCapitalInfo, Totals, Wiring,
    FAST_CLOCK_RATE, MAX_IDLE_EPOCHS, MAX_LINES_PER_BORROWER, MAX_LINES_PER_GRANTOR,
};

#[ink::contract]
mod credit_pool {
    use dcu_common::health::{EpochStats, DEFAULT_EPOCH_MS, PURPOSES};
    use dcu_common::loan::Purpose;
    use dcu_common::iface::trust_graph::{self as tg, Reputation};
    use dcu_common::pool::{self as acct, Grantor, Line, PathInfo, PoolError, PoolParams};
    use ink::prelude::vec::Vec;
    use ink::storage::traits::StorageKey;
    use ink::storage::{Lazy, Mapping};
    use psp22::PSP22Error;

    #[cfg(test)]
    use crate::mock as ext;

    /// Most lines one borrower may receive (a draw reads each of them).
    pub const MAX_LINES_PER_BORROWER: u32 = 32;
    /// Most lines one grantor may give.
    pub const MAX_LINES_PER_GRANTOR: u32 = 64;
    /// The pool's clock rate in the `fast-clock` test build: one second of
    /// block time is ten days (10 · 86,400,000 ms / 1,000 ms).
    pub const FAST_CLOCK_RATE: u64 = 864_000;
    /// The default epoch of the `fast-clock` test build: 150 days, i.e. 15 s
    /// of block time, so that a local federation's epochs last long enough
    /// to attest and distribute them by hand (30 days would be 3 s). The
    /// real build's default is [`DEFAULT_EPOCH_MS`] (30 days).
    pub const FAST_EPOCH_MS: u64 = 150 * dcu_common::DAY_MS;

    /// Addresses of the contracts this one trusts, set once by the deployer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Wiring {
        /// May change parameters, pause and spend the treasury.
        pub governance: AccountId,
        /// May open, return and settle term loans over the pool's lines.
        pub loan_manager: AccountId,
        /// May pay a warrant out of its holder's free stake and return it
        /// there (`warrant_from_stake`, `warrant_to_stake`; SPEC §4).
        pub warrant_escrow: AccountId,
    }

    /// A term loan's hold on the pool: its path and the principal lent.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct LoanHold {
        /// Creditor (who lends from its stake) → intermediaries → borrower.
        pub path: Vec<AccountId>,
        /// Principal lent and not yet returned or settled; reserved on every line of the path.
        pub principal: Balance,
        /// Every line of the path was at least COVER_MIN_AGE old (since created
        /// or last raised) at disbursement: insurance may co-insure its default.
        pub insured: bool,
        /// The `seq` of every line of the path at disbursement, in path
        /// order: the reservation is released only from those very lines,
        /// never from a line deleted by a default and created again (v2,
        /// review L1).
        pub seqs: Vec<u64>,
    }

    /// What the pool knows of a member as a debtor, for its own capital
    /// (see the crate docs): `own capital = stake − owed − defaulted`,
    /// saturating at 0. Absent: all zero.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    struct Anchor {
        /// Principal lent to the member and outstanding: its draws on DCUP
        /// lines plus the term loans the pool funded with it as the borrower.
        owed: Balance,
        /// Principal lent to the member and written off in a default.
        defaulted: Balance,
        /// The own capital last reported to the trust graph.
        reported: Balance,
    }

    /// The part of a grantor's stake not allocated to its lines: what it
    /// may count as its own capital (stake lent out, or promised to a
    /// borrower's line, backs someone else's credit, and may not anchor the
    /// grantor too — else one token would anchor a chain of accounts).
    fn free_stake(g: &Grantor) -> Balance {
        g.stake.saturating_sub(g.allocated)
    }

    impl Anchor {
        /// The member's own capital with `stake`: saturation is the meaning
        /// (a member owing more than it staked has no own capital, not less).
        fn own_capital(&self, stake: Balance) -> Balance {
            stake.saturating_sub(self.owed).saturating_sub(self.defaulted)
        }
    }

    /// Whether a failed report to the trust graph fails the message.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Report {
        /// Own capital may have fallen: the graph must hear it or the
        /// message fails, so the graph never holds more than the truth.
        Required,
        /// Own capital can only have risen (a repayment, which is never
        /// blocked): a failure leaves the graph's lower value, and the next
        /// change or `report_own_capital` retries.
        BestEffort,
        /// Own capital changed by a loss the member did not choose (a
        /// default's write-off): reported through the graph's
        /// `capital_lost`, which never refuses for the member's edges and
        /// syncs none of them inside this message.
        Loss,
    }

    /// A member's own capital, the value that anchors it in the trust graph.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct OwnCapitalInfo {
        /// Its gross stake (credit points).
        pub stake: Balance,
        /// Of it, allocated to its lines to borrowers: theirs to draw, not
        /// its own capital.
        pub allocated: Balance,
        /// Principal it owes the pool: its draws and the term loans the pool funded for it.
        pub owed: Balance,
        /// Principal lent to it and written off in a default.
        pub defaulted: Balance,
        /// `stake − allocated − owed − defaulted`, at least 0: neither borrowed
        /// tokens staked nor stake lent out (or promised to lines) anchor.
        pub own_capital: Balance,
        /// The value the trust graph last heard from the pool (at most `own_capital`;
        /// below it only by interest earned since, until the next report).
        pub reported: Balance,
    }

    /// Pool-wide sums, kept current by every message.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Totals {
        /// Σ stakes (credit points), interest earned included, write-offs excluded.
        pub staked: Balance,
        /// Σ limits of all lines.
        pub allocated: Balance,
        /// Σ principal outstanding.
        pub lent: Balance,
        /// Insurance reserve.
        pub insurance: Balance,
        /// Protocol treasury.
        pub treasury: Balance,
        /// Principal written off grantors' stakes by defaults, all time.
        pub written_off: Balance,
        /// Interest paid to grantors, all time.
        pub interest_earned: Balance,
        /// Open credit lines.
        pub lines: u32,
    }

    impl Totals {
        /// Tokens the pool must hold: unlent stake + insurance + treasury.
        pub fn tokens_held(&self) -> Option<Balance> {
            self.staked.checked_sub(self.lent)?.checked_add(self.insurance)?.checked_add(self.treasury)
        }
    }

    /// A grantor's position.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct GrantorInfo {
        /// Staked points (interest earned included, write-offs excluded).
        pub stake: Balance,
        /// Σ limits of its lines.
        pub allocated: Balance,
        /// Σ principal lent on its lines.
        pub lent: Balance,
        /// Unstaking is refused before this time (ms).
        pub locked_until: Timestamp,
        /// Points it may unstake once unlocked.
        pub free: Balance,
        /// Lines it gives.
        pub lines: u32,
    }

    /// A credit line, with interest accrued to the current block.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct LineInfo {
        /// Who extends the line.
        pub grantor: AccountId,
        /// Who may draw on it.
        pub borrower: AccountId,
        /// The line's limit.
        pub limit: Balance,
        /// Yearly rate in basis points.
        pub rate_bps: u32,
        /// Principal drawn and not repaid.
        pub principal: Balance,
        /// Held for term loans routed through the line.
        pub reserved: Balance,
        /// Interest owed now.
        pub interest: Balance,
        /// How much more can be drawn on it now (limit and grantor's unlent stake).
        pub available: Balance,
        /// No interest accrues before this time (ms).
        pub grace_until: Timestamp,
        /// Lowering or closing is refused before this time (ms).
        pub locked_until: Timestamp,
        /// Since when interest has been owed (0: none).
        pub interest_since: Timestamp,
        /// The insured part of the principal (drawn once the line was COVER_MIN_AGE old).
        pub insured: Balance,
        /// Draws from this time (ms) on are insured: the line's creation or
        /// latest raise + COVER_MIN_AGE.
        pub insured_from: Timestamp,
    }

    /// A borrower's position.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct BorrowerInfo {
        /// min(Σ lines, MAX_CREDIT).
        pub limit: Balance,
        /// What a draw may take now: its lines' headroom, within the limit
        /// less `principal` and within MAX_CREDIT less `owed`.
        pub available: Balance,
        /// Principal owed on its lines.
        pub principal: Balance,
        /// Interest owed now.
        pub interest: Balance,
        /// Oldest unpaid interest (0: none).
        pub unpaid_since: Timestamp,
        /// Anyone may `mark_overdue` from this time (0: not applicable).
        pub overdue_at: Timestamp,
        /// Anyone may `declare_default` from this time (0: not applicable).
        pub default_at: Timestamp,
        /// Lines it receives.
        pub lines: u32,
        /// All the principal it owes, what MAX_CREDIT caps (v2): `principal`
        /// plus the term loans it borrowed (not those passing through it).
        pub owed: Balance,
    }

    /// The running counters of the open epoch (issue 20): one cell, read
    /// and written once by each message that changes the outstanding
    /// principal. Absent: not started, epochs of [`DEFAULT_EPOCH_MS`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Flow {
        /// The epoch length (ms on the pool's clock).
        pub epoch_ms: u64,
        /// Counting has started (the length is then fixed).
        pub started: bool,
        /// The epoch the counters below belong to.
        pub epoch: u64,
        /// The last change of the outstanding principal (or the epoch's start).
        pub last: Timestamp,
        /// The outstanding principal (`totals.lent`) since `last`.
        pub principal: Balance,
        /// Principal drawn in `epoch` so far.
        pub drawn: Balance,
        /// The part of `drawn` opened as term loans, by purpose.
        pub purpose_drawn: [Balance; PURPOSES],
        /// Term-loan principal outstanding now, by purpose (since `last`).
        pub purpose_principal: [Balance; PURPOSES],
        /// ∫ term-loan principal dt by purpose, from the epoch's start to
        /// `last`: what economic diversity weighs (a loan counts for as
        /// long as it is out, so cycling one costs its interest).
        pub purpose_outstanding_ms: [u128; PURPOSES],
        /// Principal repaid in `epoch` so far.
        pub repaid: Balance,
        /// ∫ principal dt from the epoch's start to `last`.
        pub outstanding_ms: u128,
    }

    impl Default for Flow {
        fn default() -> Self {
            let epoch_ms = if cfg!(feature = "fast-clock") { FAST_EPOCH_MS } else { DEFAULT_EPOCH_MS };
            Flow {
                epoch_ms,
                started: false,
                epoch: 0,
                last: 0,
                principal: 0,
                drawn: 0,
                purpose_drawn: [0; PURPOSES],
                purpose_principal: [0; PURPOSES],
                purpose_outstanding_ms: [0; PURPOSES],
                repaid: 0,
                outstanding_ms: 0,
            }
        }
    }

    /// The pool's storage.
    #[ink(storage)]
    pub struct CreditPool {
        /// Who may call `wire` (once).
        deployer: AccountId,
        /// The PSP22 stablecoin.
        token: AccountId,
        /// The trust graph (edges, reputation).
        trust_graph: AccountId,
        /// Wired contracts; `None` until `wire`.
        wiring: Option<Wiring>,
        /// Governance parameters.
        params: PoolParams,
        /// New risk (stake, new or raised lines, draws) is refused while paused.
        paused: bool,
        /// Grantors' positions.
        grantors: Mapping<AccountId, Grantor>,
        /// Lines by (grantor, borrower).
        lines: Mapping<(AccountId, AccountId), Line>,
        /// Grantors of the lines to each borrower.
        lines_to: Mapping<AccountId, Vec<AccountId>>,
        /// Borrowers of the lines of each grantor.
        lines_by: Mapping<AccountId, Vec<AccountId>>,
        /// The unpaid-interest start a borrower was last warned for.
        warned: Mapping<AccountId, Timestamp>,
        /// Pool-wide sums.
        totals: Totals,
        /// Creation counter of lines (orders equal rates, oldest first).
        next_seq: u64,
        /// Open term loans' holds, by the loan manager's loan id.
        holds: Mapping<u64, LoanHold>,
        /// Members' debts to the pool and their last reported own capital.
        anchors: Mapping<AccountId, Anchor>,
        /// (borrower, grantor): the borrower declined the grantor's lines;
        /// no new line from it until the borrower accepts them again (v2).
        declined: Mapping<(AccountId, AccountId), ()>,
        /// One whole token of the stablecoin in its smallest units
        /// (10^decimals), read from the token at instantiation: MAX_CREDIT
        /// and MIN_LINE and their ranges are whole tokens of it. A cell of
        /// its own (`Lazy`), so the root struct keeps its layout.
        unit: Lazy<Balance>,
        /// The open epoch's running counters (issue 20); a cell of its own,
        /// so the root struct keeps its layout.
        flow: Lazy<Flow>,
        /// Closed epochs' counters, by epoch (only epochs in which the
        /// outstanding principal changed; the others are derived).
        epochs: Mapping<u64, EpochStats>,
        /// Open term loans' purposes, by loan id (a mapping of its own, so
        /// `holds` keeps its layout): its principal's purpose counter falls
        /// as it comes back or is settled.
        hold_purpose: Mapping<u64, Purpose>,
    }

    /// A grantor staked tokens.
    #[ink(event)]
    pub struct Staked {
        #[ink(topic)]
        pub grantor: AccountId,
        pub amount: Balance,
        pub stake: Balance,
        pub locked_until: Timestamp,
    }

    /// A grantor took free points back.
    #[ink(event)]
    pub struct Unstaked {
        #[ink(topic)]
        pub grantor: AccountId,
        pub amount: Balance,
        pub stake: Balance,
    }

    /// `amount` of `holder`'s free stake paid its warrant into the warrant
    /// escrow (SPEC §4): its stake fell to `stake`, its lock-out unchanged.
    #[ink(event)]
    pub struct WarrantFromStake {
        #[ink(topic)]
        pub holder: AccountId,
        pub amount: Balance,
        pub stake: Balance,
    }

    /// A warrant locked from `holder`'s stake came back to it (the loan was
    /// repaid, cancelled or expired, or the part a default did not claim):
    /// its stake rose to `stake`, its lock-out unchanged.
    #[ink(event)]
    pub struct WarrantToStake {
        #[ink(topic)]
        pub holder: AccountId,
        pub amount: Balance,
        pub stake: Balance,
    }

    /// The pool reported a member's own capital to the trust graph (as the
    /// `stake` of `stake_changed`, the value that anchors it).
    #[ink(event)]
    pub struct OwnCapitalReported {
        #[ink(topic)]
        pub member: AccountId,
        /// Its gross stake.
        pub stake: Balance,
        /// Principal it owes the pool (draws and term loans as the borrower).
        pub owed: Balance,
        /// Principal lent to it and written off in a default.
        pub defaulted: Balance,
        /// `stake − owed − defaulted`, at least 0: the value reported.
        pub own_capital: Balance,
    }

    /// A line was created or changed.
    #[ink(event)]
    pub struct CreditLineSet {
        #[ink(topic)]
        pub grantor: AccountId,
        #[ink(topic)]
        pub borrower: AccountId,
        pub limit: Balance,
        pub rate_bps: u32,
        /// The previous limit, `None` for a new line.
        pub previous: Option<Balance>,
        pub locked_until: Timestamp,
    }

    /// A line was closed.
    #[ink(event)]
    pub struct CreditLineClosed {
        #[ink(topic)]
        pub grantor: AccountId,
        #[ink(topic)]
        pub borrower: AccountId,
    }

    /// A borrower declined a grantor's line (closing it, if there was one)
    /// and blocked the grantor from extending credit to it again.
    #[ink(event)]
    pub struct LineDeclined {
        #[ink(topic)]
        pub borrower: AccountId,
        #[ink(topic)]
        pub grantor: AccountId,
        /// The limit of the line closed, `None` when there was none.
        pub previous: Option<Balance>,
    }

    /// A borrower lifted its block on a grantor's lines.
    #[ink(event)]
    pub struct LinesAccepted {
        #[ink(topic)]
        pub borrower: AccountId,
        #[ink(topic)]
        pub grantor: AccountId,
    }

    /// A borrower drew on its lines.
    #[ink(event)]
    pub struct Drawn {
        #[ink(topic)]
        pub borrower: AccountId,
        pub amount: Balance,
        /// (grantor, part) in the order drawn.
        pub parts: Vec<(AccountId, Balance)>,
    }

    /// A borrower repaid.
    #[ink(event)]
    pub struct Repaid {
        #[ink(topic)]
        pub borrower: AccountId,
        pub amount: Balance,
        pub interest: Balance,
        pub principal: Balance,
        pub fee: Balance,
        pub insurance: Balance,
        /// Whether the trust graph recorded the repayment (a failure there
        /// never blocks a repayment).
        pub reputation_recorded: bool,
    }

    /// A warning for overdue interest was recorded in the trust graph.
    #[ink(event)]
    pub struct OverdueMarked {
        #[ink(topic)]
        pub borrower: AccountId,
        pub unpaid_since: Timestamp,
        pub by: AccountId,
    }

    /// A borrower was declared in default and its lines closed.
    #[ink(event)]
    pub struct Defaulted {
        #[ink(topic)]
        pub borrower: AccountId,
        pub principal: Balance,
        pub covered: Balance,
        pub written_off: Balance,
        pub interest_forgiven: Balance,
        pub by: AccountId,
    }

    /// A term loan was disbursed over a path of lines.
    #[ink(event)]
    pub struct LoanOpened {
        #[ink(topic)]
        pub loan_id: u64,
        #[ink(topic)]
        pub creditor: AccountId,
        #[ink(topic)]
        pub borrower: AccountId,
        pub amount: Balance,
        /// What the loan is for (the loan manager's request): the epoch
        /// counters' `purpose_drawn`.
        pub purpose: Purpose,
        /// Lines on the path, each reserving the amount.
        pub hops: u32,
        /// Whether insurance may co-insure its default (every line old enough).
        pub insured: bool,
    }

    /// Principal of a term loan came back, with the fee and insurance share of its interest.
    #[ink(event)]
    pub struct LoanReturned {
        #[ink(topic)]
        pub loan_id: u64,
        pub principal: Balance,
        pub fee: Balance,
        pub insurance: Balance,
        /// Principal still lent.
        pub left: Balance,
        /// The loan's purpose, whose principal counter fell by `principal`
        /// (`None`: a loan opened before the pool counted purposes).
        pub purpose: Option<Purpose>,
    }

    /// A defaulted term loan was settled (SPEC §4, v2: warrants first):
    /// `recovered` (the warrants' claims, paid into the pool) and `covered`
    /// (co-insurance of the rest, 0 for an uninsured loan) went back to the
    /// creditor's stake, `written_off` came off it;
    /// `recovered + covered + written_off = principal`.
    #[ink(event)]
    pub struct LoanSettled {
        #[ink(topic)]
        pub loan_id: u64,
        /// Unreturned principal of the loan.
        pub principal: Balance,
        /// The warrants' claims, paid into the pool by the loan manager.
        pub recovered: Balance,
        /// From the insurance reserve.
        pub covered: Balance,
        /// The creditor's net loss after warrant claims and insurance.
        pub written_off: Balance,
        /// The loan's purpose, whose principal counter fell by `principal`
        /// (`None`: a loan opened before the pool counted purposes).
        pub purpose: Option<Purpose>,
    }

    /// Governance set the epoch length (before counting started).
    #[ink(event)]
    pub struct EpochLengthSet {
        pub epoch_ms: u64,
    }

    /// `from` paid `amount` into the insurance reserve, now `insurance`.
    #[ink(event)]
    pub struct InsuranceFunded {
        #[ink(topic)]
        pub from: AccountId,
        pub amount: Balance,
        pub insurance: Balance,
    }

    /// Governance changed the parameters.
    #[ink(event)]
    pub struct ParamsChanged {
        pub old: PoolParams,
        pub new: PoolParams,
    }

    /// Governance paused or unpaused the pool.
    #[ink(event)]
    pub struct PausedSet {
        pub paused: bool,
    }

    /// Governance spent from the treasury.
    #[ink(event)]
    pub struct TreasurySpent {
        #[ink(topic)]
        pub to: AccountId,
        pub amount: Balance,
    }

    /// Governance replaced the contract's code.
    #[ink(event)]
    pub struct Upgraded {
        pub code_hash: Hash,
    }

    /// The deployer wired the contract to the rest of the suite.
    #[ink(event)]
    pub struct Wired {
        pub wiring: Wiring,
    }

    /// Errors of the credit pool.
    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    // The codec derive casts variant indices to u8; there are fewer than 256.
    #[allow(clippy::cast_possible_truncation)]
    pub enum Error {
        /// The amount must be above zero.
        ZeroAmount,
        /// Not enough credit available.
        InsufficientCredit { available: Balance, requested: Balance },
        /// Not enough unallocated, unlent stake.
        InsufficientStake { available: Balance, requested: Balance },
        /// Still within the lock-out.
        LockedUntil { until: Timestamp },
        /// A line cannot go below what is drawn on it.
        BelowDrawn { drawn: Balance },
        /// The rate of a line cannot change while something is owed on it.
        RateChangeWhileDrawn,
        /// A line's yearly rate is at most `max` basis points.
        RateTooHigh { max: u32 },
        /// Nothing is owed.
        NothingOwed,
        /// The borrower's unpaid interest is not old enough yet (0: none unpaid).
        NotDue { since: Timestamp },
        /// There is no such credit line.
        NoSuchLine,
        /// A member cannot extend credit to itself.
        SelfCredit,
        /// The grantor does not trust the borrower in the trust graph.
        NoTrustEdge,
        /// The borrower or grantor already has the maximum number of lines.
        TooManyLines { cap: u32 },
        /// This overdue interest was already reported.
        AlreadyWarned,
        /// The pool is paused: no new stake, credit or draws.
        Paused,
        /// The caller may not call this message.
        Unauthorized { caller: AccountId },
        /// The contract is already wired.
        AlreadyWired,
        /// The contract is not wired yet.
        NotWired,
        /// A parameter is outside its allowed range.
        InvalidParam { name: ink::prelude::string::String },
        /// The treasury holds less than requested.
        InsufficientTreasury { available: Balance, requested: Balance },
        /// The stablecoin refused a transfer.
        Token(PSP22Error),
        /// The call to the stablecoin failed.
        TokenCallFailed,
        /// The trust graph refused a call.
        TrustGraph(tg::Error),
        /// The call to the trust graph failed.
        TrustGraphCallFailed,
        /// Arithmetic overflow.
        Overflow,
        /// The code hash is not an uploaded contract code.
        UpgradeFailed,
        /// A loan path needs 2..=7 distinct accounts (1..=6 lines).
        BadPath,
        /// The pool would hold fewer tokens than its books say it must.
        Unpaid { held: Balance, owed: Balance },
        /// The loan manager already opened a loan with this id.
        LoanExists,
        /// No open term loan has this id.
        NoSuchLoan,
        /// The borrower has `open` warnings in the trust graph (overdue pool
        /// interest or an overdue term loan): no draws and no new or raised
        /// lines until its source clears them.
        OpenWarning { open: u32 },
        /// Part of the draw would be lent at `rate_bps`, above the caller's
        /// `max_rate_bps`: nothing was drawn.
        RateAboveMax { rate_bps: u32, max_rate_bps: u32 },
        /// A new or lowered line must be at least `min` (MIN_LINE), or 0 to close it.
        BelowMinLine { min: Balance },
        /// `borrower` declined this grantor's lines: no new line until it accepts them again.
        Declined { borrower: AccountId },
        /// The caller has not declined this grantor's lines.
        NotDeclined,
        /// MAX_CREDIT is one per-person cap (v2): the borrower already owes
        /// `owed` (its draws + the term loans it borrowed) and the amount
        /// would take it past `max_credit`. Nothing was changed.
        AboveMaxCredit { owed: Balance, max_credit: Balance },
        /// A settlement's `recovered` is more than the loan's unreturned `principal`.
        RecoveredAbovePrincipal { principal: Balance, recovered: Balance },
        /// The epoch counters have started: their length can no longer change.
        EpochLengthFixed,
    }

    impl From<PoolError> for Error {
        fn from(e: PoolError) -> Self {
            match e {
                PoolError::ZeroAmount => Error::ZeroAmount,
                PoolError::InsufficientCredit { available, requested } => Error::InsufficientCredit { available, requested },
                PoolError::InsufficientStake { available, requested } => Error::InsufficientStake { available, requested },
                // Only the in-memory model has wallets; here the token answers.
                PoolError::InsufficientFunds { .. } => Error::Token(PSP22Error::InsufficientBalance),
                PoolError::LockedUntil { until } => Error::LockedUntil { until },
                PoolError::BelowDrawn { drawn } => Error::BelowDrawn { drawn },
                PoolError::RateChangeWhileDrawn => Error::RateChangeWhileDrawn,
                PoolError::RateTooHigh { max } => Error::RateTooHigh { max },
                PoolError::NothingOwed => Error::NothingOwed,
                PoolError::NotDue { since } => Error::NotDue { since },
                PoolError::Overflow => Error::Overflow,
                PoolError::RateAboveMax { rate_bps, max_rate_bps } => Error::RateAboveMax { rate_bps, max_rate_bps },
                PoolError::BelowMinLine { min } => Error::BelowMinLine { min },
                PoolError::AboveMaxCredit { owed, max_credit } => Error::AboveMaxCredit { owed, max_credit },
                PoolError::RecoveredAbovePrincipal { principal, recovered } => Error::RecoveredAbovePrincipal { principal, recovered },
            }
        }
    }

    /// Result of the pool's messages.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Cross-contract effects. On chain they call the stablecoin and the
    /// trust graph; the unit tests (whose off-chain environment cannot call
    /// contracts) use `crate::mock`, an in-memory PSP22 ledger and edge set
    /// with the same signatures.
    #[cfg(not(test))]
    mod ext {
        use super::*;
        use ink::codegen::TraitCallBuilder;
        use psp22::{PSP22Metadata, PSP22};

        /// Pulls `amount` from `from` into the pool (needs an allowance).
        pub fn pull(token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
            let me = ink::env::account_id::<ink::env::DefaultEnvironment>();
            let mut t: ink::contract_ref!(PSP22) = token.into();
            match t.call_mut().transfer_from(from, me, amount, Vec::new()).try_invoke() {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(Error::Token(e)),
                _ => Err(Error::TokenCallFailed),
            }
        }

        /// Pays `amount` from the pool to `to`.
        pub fn push(token: AccountId, to: AccountId, amount: Balance) -> Result<()> {
            let mut t: ink::contract_ref!(PSP22) = token.into();
            match t.call_mut().transfer(to, amount, Vec::new()).try_invoke() {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(Error::Token(e)),
                _ => Err(Error::TokenCallFailed),
            }
        }

        /// The token's decimals (`PSP22Metadata::token_decimals`), `None`
        /// when it does not answer.
        pub fn token_decimals(token: AccountId) -> Option<u8> {
            let t: ink::contract_ref!(PSP22Metadata) = token.into();
            t.call().token_decimals().try_invoke().ok()?.ok()
        }

        /// `owner`'s token balance.
        pub fn balance_of(token: AccountId, owner: AccountId) -> Result<Balance> {
            let t: ink::contract_ref!(PSP22) = token.into();
            t.call().balance_of(owner).try_invoke().map_err(|_| Error::TokenCallFailed)?.map_err(|_| Error::TokenCallFailed)
        }

        /// The trust edge `from → to`, if any.
        pub fn trust_of(graph: AccountId, from: AccountId, to: AccountId) -> Result<Option<u16>> {
            tg::trust_of(graph, from, to).map_err(|_| Error::TrustGraphCallFailed)
        }

        /// Records a reputation event for `member`.
        pub fn record(graph: AccountId, event: Reputation, member: AccountId) -> Result<()> {
            match tg::record(graph, event, member) {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Error::TrustGraph(e)),
                Err(_) => Err(Error::TrustGraphCallFailed),
            }
        }

        /// Open warnings of `member` in the trust graph, from every source.
        pub fn warnings_of(graph: AccountId, member: AccountId) -> Result<u32> {
            tg::warnings_of(graph, member).map_err(|_| Error::TrustGraphCallFailed)
        }

        /// Reports `member`'s own capital to the trust graph as the `stake`
        /// that anchors it (SPEC §2, v2): stake less what it owes the pool.
        pub fn stake_changed(graph: AccountId, member: AccountId, stake: Balance) -> Result<()> {
            match tg::stake_changed(graph, member, stake) {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Error::TrustGraph(e)),
                Err(_) => Err(Error::TrustGraphCallFailed),
            }
        }

        /// As [`stake_changed`], for a loss the member did not choose.
        pub fn capital_lost(graph: AccountId, member: AccountId, stake: Balance) -> Result<()> {
            match tg::capital_lost(graph, member, stake) {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Error::TrustGraph(e)),
                Err(_) => Err(Error::TrustGraphCallFailed),
            }
        }
    }

    /// A borrower's lines loaded for one message.
    struct Loaded {
        borrower: AccountId,
        rows: Vec<Row>,
    }

    /// One line of a loaded borrower and its grantor, as stored and as changed.
    struct Row {
        grantor: AccountId,
        stored: Line,
        line: Line,
        before: Grantor,
        after: Grantor,
    }

    impl CreditPool {
        /// A pool on the PSP22 `token`, reading trust from `trust_graph`,
        /// with default parameters; the caller may `wire` it once.
        #[ink(constructor)]
        pub fn new(token: AccountId, trust_graph: AccountId) -> Self {
            // The stablecoin's unit (SPEC §1): a token that does not tell its
            // decimals, or has more than MAX_DECIMALS, is taken as six (`dcu
            // deploy` refuses such a token before instantiating anything).
            let unit = ext::token_decimals(token).and_then(dcu_common::unit_of).unwrap_or(dcu_common::ONE_TOKEN);
            let mut unit_cell = Lazy::new();
            unit_cell.set(&unit);
            Self {
                deployer: Self::env().caller(),
                token,
                trust_graph,
                wiring: None,
                params: PoolParams::defaults_for(unit).unwrap_or_default(),
                paused: false,
                grantors: Mapping::default(),
                lines: Mapping::default(),
                lines_to: Mapping::default(),
                lines_by: Mapping::default(),
                warned: Mapping::default(),
                totals: Totals::default(),
                next_seq: 0,
                holds: Mapping::default(),
                anchors: Mapping::default(),
                declined: Mapping::default(),
                unit: unit_cell,
                flow: Lazy::new(),
                epochs: Mapping::default(),
                hold_purpose: Mapping::default(),
            }
        }

        // ---------------------------------------------------------------
        // Grantors
        // ---------------------------------------------------------------

        /// Stakes `amount` of the stablecoin (the caller must have approved
        /// the pool for it); the whole stake is locked for the lock-out. The
        /// trust graph hears the caller's new own capital (stake less what it
        /// owes the pool: tokens it borrowed and staked do not anchor it).
        ///
        /// # Errors
        /// [`Error::Paused`], [`Error::ZeroAmount`], [`Error::Token`] (balance
        /// or allowance), [`Error::TokenCallFailed`], [`Error::TrustGraph`],
        /// [`Error::TrustGraphCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn stake(&mut self, amount: Balance) -> Result<()> {
            self.ensure_active()?;
            let grantor = self.env().caller();
            let now = self.now();
            let old = self.grantor_record(grantor);
            let mut new = old;
            acct::apply_stake(&mut new, amount, now, &self.params)?;
            let totals = with_grantor(self.totals, &old, &new)?;
            ext::pull(self.token, grantor, amount)?;
            let anchor = self.anchor(grantor);
            self.sync_anchor(grantor, &new, anchor, anchor, Report::Required)?;
            self.grantors.insert(grantor, &new);
            self.totals = totals;
            self.env().emit_event(Staked { grantor, amount, stake: new.stake, locked_until: new.locked_until });
            Ok(())
        }

        /// Returns `amount` of free points (neither allocated nor lent) to
        /// the caller, after the lock-out. Works while paused. The trust
        /// graph hears the caller's lower own capital (which may end its
        /// anchoring at once).
        ///
        /// # Errors
        /// [`Error::ZeroAmount`], [`Error::LockedUntil`],
        /// [`Error::InsufficientStake`], [`Error::Token`],
        /// [`Error::TrustGraph`], [`Error::TrustGraphCallFailed`],
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn unstake(&mut self, amount: Balance) -> Result<()> {
            let grantor = self.env().caller();
            let now = self.now();
            let old = self.grantor_record(grantor);
            let mut new = old;
            acct::apply_unstake(&mut new, amount, now)?;
            let totals = with_grantor(self.totals, &old, &new)?;
            ext::push(self.token, grantor, amount)?;
            // Own capital below MIN_ANCHOR_STAKE ends the anchoring at once.
            let anchor = self.anchor(grantor);
            self.sync_anchor(grantor, &new, anchor, anchor, Report::Required)?;
            self.save_grantor(grantor, &new);
            self.totals = totals;
            self.env().emit_event(Unstaked { grantor, amount, stake: new.stake });
            Ok(())
        }

        /// Sets the caller's line to `borrower` to `limit` at `rate_bps` a
        /// year: creates or raises it (needs the caller's trust edge to the
        /// borrower; restarts the line's lock-out and its cover age), lowers
        /// it (after the lock-out, not below what is drawn) or, with `limit`
        /// 0, closes it. A new or lowered non-zero limit is at least MIN_LINE.
        ///
        /// # Errors
        /// [`Error::SelfCredit`], [`Error::Declined`] (a new line to a
        /// borrower who declined the caller's), [`Error::Paused`] (creating
        /// or raising), [`Error::NoTrustEdge`], [`Error::TooManyLines`],
        /// [`Error::InsufficientStake`], [`Error::LockedUntil`],
        /// [`Error::BelowDrawn`], [`Error::RateChangeWhileDrawn`],
        /// [`Error::RateTooHigh`], [`Error::BelowMinLine`],
        /// [`Error::ZeroAmount`] (a new line of 0),
        /// [`Error::TrustGraphCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn extend_credit(&mut self, borrower: AccountId, limit: Balance, rate_bps: u32) -> Result<()> {
            self.set_line(self.env().caller(), borrower, limit, rate_bps)
        }

        /// Closes the caller's line to `borrower` (after its lock-out, and
        /// only when nothing is owed on it).
        ///
        /// # Errors
        /// [`Error::NoSuchLine`], [`Error::LockedUntil`], [`Error::BelowDrawn`].
        #[ink(message)]
        pub fn close_line(&mut self, borrower: AccountId) -> Result<()> {
            let grantor = self.env().caller();
            let line = self.lines.get((grantor, borrower)).ok_or(Error::NoSuchLine)?;
            self.set_line(grantor, borrower, 0, line.rate_bps)
        }

        /// The caller, as a borrower, declines `grantor`'s credit (SPEC §3,
        /// v2): `grantor`'s line to the caller, if there is one, closes at
        /// once — whatever its lock-out, which protects the borrower — and
        /// `grantor` may not extend credit to the caller again until the
        /// caller calls [`Self::accept_lines_from`]. Only a line nothing is
        /// drawn on, owed on or reserved on by a term loan can be declined.
        /// Without a line, it only blocks. Works while paused.
        ///
        /// # Errors
        /// [`Error::SelfCredit`], [`Error::BelowDrawn`] (the line is in
        /// use), [`Error::Overflow`].
        #[ink(message)]
        pub fn decline_line(&mut self, grantor: AccountId) -> Result<()> {
            let borrower = self.env().caller();
            if grantor == borrower {
                return Err(Error::SelfCredit);
            }
            let line = self.lines.get((grantor, borrower));
            if let Some(l) = line {
                let old = self.grantor_record(grantor);
                let mut new = old;
                acct::apply_decline(&l, &mut new)?;
                let mut totals = with_grantor(self.totals, &old, &new)?;
                totals.lines = totals.lines.checked_sub(1).ok_or(Error::Overflow)?;
                let anchor = self.anchor(grantor);
                self.sync_anchor(grantor, &new, anchor, anchor, Report::BestEffort)?;
                self.totals = totals;
                self.save_grantor(grantor, &new);
                self.lines.remove((grantor, borrower));
                unlist(&mut self.lines_to, borrower, grantor);
                unlist(&mut self.lines_by, grantor, borrower);
            }
            self.declined.insert((borrower, grantor), &());
            self.env().emit_event(LineDeclined { borrower, grantor, previous: line.map(|l| l.limit) });
            Ok(())
        }

        /// The caller lifts its block on `grantor`'s lines (set by
        /// [`Self::decline_line`]): `grantor` may extend credit to it again.
        ///
        /// # Errors
        /// [`Error::NotDeclined`].
        #[ink(message)]
        pub fn accept_lines_from(&mut self, grantor: AccountId) -> Result<()> {
            let borrower = self.env().caller();
            if !self.declined.contains((borrower, grantor)) {
                return Err(Error::NotDeclined);
            }
            self.declined.remove((borrower, grantor));
            self.env().emit_event(LinesAccepted { borrower, grantor });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Borrowers
        // ---------------------------------------------------------------

        /// Draws `amount` from the caller's lines, lowest rate first (oldest
        /// first on ties), and pays it to the caller; refused as a whole if
        /// any part would be lent above `max_rate_bps` a year (SPEC §3, v2).
        /// Refused while the caller has an open warning (SPEC §2, v2). The
        /// amount is the caller's debt: its own capital falls by it (the
        /// trust graph hears it when that changes the value, i.e. when the
        /// caller has own capital left). A part drawn on an empty line starts
        /// a new grace only if that line has been empty for the grace period.
        /// MAX_CREDIT is one per-person cap (v2): what the caller owes — its
        /// draws and the term loans it borrowed — plus `amount` may not
        /// exceed it.
        ///
        /// # Errors
        /// [`Error::Paused`], [`Error::OpenWarning`], [`Error::ZeroAmount`],
        /// [`Error::AboveMaxCredit`], [`Error::InsufficientCredit`], [`Error::RateAboveMax`],
        /// [`Error::Token`], [`Error::TrustGraph`],
        /// [`Error::TrustGraphCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn draw(&mut self, amount: Balance, max_rate_bps: u32) -> Result<()> {
            self.ensure_active()?;
            let borrower = self.env().caller();
            self.ensure_no_warning(borrower)?;
            let now = self.now();
            let mut loaded = self.load(borrower);
            let (limit, principal) = loaded.limit_and_principal(self.params.max_credit)?;
            let anchor = self.anchor(borrower);
            let owed = owed_by(&anchor, principal);
            acct::ensure_max_credit(owed, amount, self.params.max_credit)?;
            let room = acct::draw_room(limit, principal, owed, self.params.max_credit);
            let views: Vec<(u32, u64, Balance)> =
                loaded.rows.iter().map(|r| (r.line.rate_bps, r.line.seq, acct::headroom(&r.line, &r.after))).collect();
            let plan = acct::plan_draw(&views, amount, room, max_rate_bps)?;
            let mut parts = Vec::new();
            for (i, part) in plan {
                let r = loaded.rows.get_mut(i).ok_or(Error::Overflow)?;
                acct::apply_draw(&mut r.line, &mut r.after, part, now, &self.params)?;
                parts.push((r.grantor, part));
            }
            let totals = loaded.totals(self.totals)?;
            let mut debtor = anchor;
            debtor.owed = add(debtor.owed, amount)?;
            let own = self.grantor_record(borrower);
            ext::push(self.token, borrower, amount)?;
            // Borrowed tokens staked do not anchor (SPEC §2, v2).
            self.sync_anchor(borrower, &own, anchor, debtor, Report::Required)?;
            self.count_flow(amount, 0, totals.lent, None);
            self.store(&loaded);
            self.totals = totals;
            self.env().emit_event(Drawn { borrower, amount, parts });
            Ok(())
        }

        /// Repays up to `amount` (the caller must have approved the pool for
        /// it): interest first, then principal, highest rate first. Takes only
        /// what is owed and returns it. Never refused because of a pause. The
        /// principal repaid raises the caller's own capital; the trust graph
        /// hears it best effort (a repayment is never blocked).
        ///
        /// # Errors
        /// [`Error::ZeroAmount`], [`Error::NothingOwed`], [`Error::Token`]
        /// (balance or allowance), [`Error::Overflow`].
        #[ink(message)]
        pub fn repay(&mut self, amount: Balance) -> Result<Balance> {
            let borrower = self.env().caller();
            let now = self.now();
            let mut loaded = self.load_accrued(borrower, now)?;
            let views: Vec<(u32, u64, Balance, Balance)> =
                loaded.rows.iter().map(|r| (r.line.rate_bps, r.line.seq, r.line.interest, r.line.principal)).collect();
            let (plan, used) = acct::plan_repay(&views, amount)?;
            // Whether this repayment earns reputation (SPEC §2, v2): it pays
            // all the interest due, or — within the grace, when none is due —
            // at least a day's worth of the principal (1/30 of it, the grace
            // period's days; at least one unit). At most one a day counts
            // (the trust graph keeps that rule).
            let due: Balance = views.iter().try_fold(0u128, |a, v| a.checked_add(v.2)).ok_or(Error::Overflow)?;
            let owed_principal: Balance = views.iter().try_fold(0u128, |a, v| a.checked_add(v.3)).ok_or(Error::Overflow)?;
            let qualifies = if due > 0 { used >= due } else { used >= owed_principal.div_ceil(30).max(1) };
            let (mut interest, mut principal, mut fee, mut insurance) = (0u128, 0u128, 0u128, 0u128);
            for (i, pay) in plan {
                let r = loaded.rows.get_mut(i).ok_or(Error::Overflow)?;
                let split = acct::apply_payment(&mut r.line, &mut r.after, &pay, &self.params, now)?;
                interest = add(interest, pay.interest)?;
                principal = add(principal, pay.principal)?;
                fee = add(fee, split.fee)?;
                insurance = add(insurance, split.insurance)?;
            }
            let mut totals = loaded.totals(self.totals)?;
            totals.treasury = add(totals.treasury, fee)?;
            totals.insurance = add(totals.insurance, insurance)?;
            totals.interest_earned = add(totals.interest_earned, sub(sub(interest, fee)?, insurance)?)?;
            let anchor = self.anchor(borrower);
            let mut debtor = anchor;
            // Saturating: principal drawn before the pool kept this record (a
            // pool upgraded in place) was never added to it.
            debtor.owed = debtor.owed.saturating_sub(principal);
            let own = self.grantor_record(borrower);
            ext::pull(self.token, borrower, used)?;
            self.count_flow(0, principal, totals.lent, None);
            self.store(&loaded);
            self.totals = totals;
            self.sync_anchor(borrower, &own, anchor, debtor, Report::BestEffort)?;
            // Reputation is best effort: a repayment is never blocked.
            let mut reputation_recorded = true;
            if loaded.rows.iter().all(|r| r.line.interest == 0) && self.warned.contains(borrower) {
                // The pool's own warning is cleared by the pool, once its
                // debt is current: never by another source's repayment.
                self.warned.remove(borrower);
                reputation_recorded &= ext::record(self.trust_graph, Reputation::WarningCleared, borrower).is_ok();
            }
            if qualifies {
                reputation_recorded &= ext::record(self.trust_graph, Reputation::Repayment, borrower).is_ok();
            }
            self.env().emit_event(Repaid { borrower, amount: used, interest, principal, fee, insurance, reputation_recorded });
            Ok(used)
        }

        // ---------------------------------------------------------------
        // Overdue and default (anyone may call)
        // ---------------------------------------------------------------

        /// Records a warning in the trust graph for `borrower`, whose oldest
        /// unpaid interest is at least `overdue_ms` old (once, until all of
        /// the pool's interest is paid and the pool clears it).
        ///
        /// # Errors
        /// [`Error::NotDue`], [`Error::AlreadyWarned`], [`Error::TrustGraph`],
        /// [`Error::TrustGraphCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn mark_overdue(&mut self, borrower: AccountId) -> Result<()> {
            let now = self.now();
            let loaded = self.load_accrued(borrower, now)?;
            let since = loaded.unpaid_since();
            acct::ensure_due(since, self.params.overdue_ms, now)?;
            // One warning per borrower until the pool's interest is paid:
            // an episode whose oldest unpaid day moves (part of the interest
            // repaid) is the same episode, not a second warning that its
            // repayment could never clear (review of v2, F3).
            if self.warned.contains(borrower) {
                return Err(Error::AlreadyWarned);
            }
            ext::record(self.trust_graph, Reputation::Warning, borrower)?;
            self.warned.insert(borrower, &since);
            self.env().emit_event(OverdueMarked { borrower, unpaid_since: since, by: self.env().caller() });
            Ok(())
        }

        /// Declares `borrower`, whose oldest unpaid interest is at least
        /// `default_ms` old, in default: its lines close, insurance
        /// co-insures the grantors' lost principal (only the part drawn once
        /// its line was COVER_MIN_AGE old, at most COVER_SHARE of it, and at
        /// most COVER_MAX_RESERVE_SHARE of the reserve for the whole default,
        /// pro rata), the rest is written off their stakes, and the trust
        /// graph records it and hears the grantors' lower own capital. The
        /// borrower's principal stays counted against its own capital, as
        /// defaulted.
        ///
        /// # Errors
        /// [`Error::NotDue`], [`Error::TrustGraph`],
        /// [`Error::TrustGraphCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn declare_default(&mut self, borrower: AccountId) -> Result<()> {
            let now = self.now();
            let mut loaded = self.load_accrued(borrower, now)?;
            let since = loaded.unpaid_since();
            acct::ensure_due(since, self.params.default_ms, now)?;
            let insured: Vec<Balance> = loaded.rows.iter().map(|r| r.line.insured).collect();
            let cover = acct::insurance_cover(&insured, self.totals.insurance, &self.params)?;
            let (mut principal, mut covered, mut written_off, mut forgiven) = (0u128, 0u128, 0u128, 0u128);
            for (r, c) in loaded.rows.iter_mut().zip(cover) {
                written_off = add(written_off, acct::apply_default(&r.line, &mut r.after, c)?)?;
                principal = add(principal, r.line.principal)?;
                covered = add(covered, c)?;
                forgiven = add(forgiven, r.line.interest)?;
            }
            let mut totals = loaded.totals(self.totals)?;
            totals.insurance = sub(totals.insurance, covered)?;
            totals.written_off = add(totals.written_off, written_off)?;
            let n = u32::try_from(loaded.rows.len()).map_err(|_| Error::Overflow)?;
            totals.lines = totals.lines.checked_sub(n).ok_or(Error::Overflow)?;
            // The borrower never paid this principal back: it moves from
            // owed to defaulted, and the borrower's own capital stays as low.
            let anchor = self.anchor(borrower);
            let mut debtor = anchor;
            debtor.owed = debtor.owed.saturating_sub(principal);
            debtor.defaulted = add(debtor.defaulted, principal)?;
            let own = self.grantor_record(borrower);
            ext::record(self.trust_graph, Reputation::Default, borrower)?;
            self.sync_anchor(borrower, &own, anchor, debtor, Report::Loss)?;
            for r in &loaded.rows {
                // Its stake written off, its line gone (allocation freed):
                // a loss it did not choose.
                let a = self.anchor(r.grantor);
                self.sync_anchor(r.grantor, &r.after, a, a, Report::Loss)?;
                self.lines.remove((r.grantor, borrower));
                unlist(&mut self.lines_by, r.grantor, borrower);
                self.save_grantor(r.grantor, &r.after);
            }
            self.lines_to.remove(borrower);
            self.warned.remove(borrower);
            self.count_flow(0, 0, totals.lent, None);
            self.totals = totals;
            self.env().emit_event(Defaulted {
                borrower,
                principal,
                covered,
                written_off,
                interest_forgiven: forgiven,
                by: self.env().caller(),
            });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Anchoring (anyone may call)
        // ---------------------------------------------------------------

        /// Reports `member`'s own capital (stake − owed − defaulted, at least
        /// 0) to the trust graph now, even when the pool believes the graph
        /// has it already, and returns it. Brings the graph current after
        /// interest the member earned as a grantor, after a best-effort report
        /// that failed, or after an upgrade from a pool that reported the gross
        /// stake. Anyone may call it: it reports only the truth. Works while
        /// paused.
        ///
        /// # Errors
        /// [`Error::TrustGraph`], [`Error::TrustGraphCallFailed`].
        #[ink(message)]
        pub fn report_own_capital(&mut self, member: AccountId) -> Result<Balance> {
            let g = self.grantor_record(member);
            let stake = g.stake;
            let anchor = self.anchor(member);
            let own_capital = anchor.own_capital(free_stake(&g));
            ext::stake_changed(self.trust_graph, member, own_capital)?;
            self.save_anchor(member, &Anchor { reported: own_capital, ..anchor });
            self.env().emit_event(OwnCapitalReported {
                member,
                stake,
                owed: anchor.owed,
                defaulted: anchor.defaulted,
                own_capital,
            });
            Ok(own_capital)
        }

        // ---------------------------------------------------------------
        // Term loans (the wired loan manager only)
        // ---------------------------------------------------------------

        /// Opens term loan `loan_id` of `amount` over `path` (creditor →
        /// intermediaries → borrower): every line of the path reserves the
        /// amount, the creditor lends it from its unlent stake, and the pool
        /// pays it to the borrower. Refused while paused. The amount is the
        /// borrower's debt: its own capital falls by it, and with what it
        /// already owes (draws and term loans) it may not exceed MAX_CREDIT
        /// (v2). Intermediaries owe nothing: the reservation lowers their
        /// lines' availability, never their cap. The hold remembers each
        /// line's `seq`, so the reservation is released only from these
        /// very lines.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::Paused`],
        /// [`Error::LoanExists`], [`Error::BadPath`], [`Error::NoSuchLine`],
        /// [`Error::ZeroAmount`], [`Error::AboveMaxCredit`],
        /// [`Error::InsufficientCredit`] (what the path can carry),
        /// [`Error::Token`], [`Error::TrustGraph`],
        /// [`Error::TrustGraphCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn loan_open(&mut self, loan_id: u64, path: Vec<AccountId>, amount: Balance, purpose: Purpose) -> Result<()> {
            self.ensure_loan_manager()?;
            self.ensure_active()?;
            if self.holds.contains(loan_id) {
                return Err(Error::LoanExists);
            }
            let (mut lines, missing) = self.path_lines(&path)?;
            if missing.is_some() {
                return Err(Error::NoSuchLine);
            }
            let (creditor, borrower) = ends(&path)?;
            let old = self.grantor_record(creditor);
            let mut new = old;
            let anchor = self.anchor(borrower);
            let insured = acct::path_insured(&lines, self.now(), &self.params);
            let seqs: Vec<u64> = lines.iter().map(|l| l.seq).collect();
            acct::apply_loan_open(&mut lines, &mut new, amount, anchor.owed, self.params.max_credit)?;
            let totals = with_grantor(self.totals, &old, &new)?;
            let mut debtor = anchor;
            debtor.owed = add(debtor.owed, amount)?;
            let own = self.grantor_record(borrower);
            ext::push(self.token, borrower, amount)?;
            self.sync_anchor(borrower, &own, anchor, debtor, Report::Required)?;
            for (pair, l) in path.windows(2).zip(&lines) {
                self.lines.insert((pair[0], pair[1]), l);
            }
            self.count_flow(amount, 0, totals.lent, Some(TermMove::Opened(purpose, amount)));
            self.hold_purpose.insert(loan_id, &purpose);
            self.save_grantor(creditor, &new);
            self.totals = totals;
            self.env().emit_event(LoanOpened { loan_id, creditor, borrower, amount, purpose, hops: len(&lines), insured });
            self.holds.insert(loan_id, &LoanHold { path, principal: amount, insured, seqs });
            Ok(())
        }

        /// Books `principal` of term loan `loan_id` coming back (its
        /// reservation shrinks on every line of its path that is still the
        /// line it reserved on — same `seq` — and the creditor's
        /// stake is unlent again), `fee` into the treasury and `insurance`
        /// into the insurance reserve. The loan manager transfers
        /// `principal + fee + insurance` to the pool before calling; the
        /// pool checks that it holds every token its books say it must. The
        /// borrower's own capital rises by the principal (reported best
        /// effort: a repayment is never blocked).
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::NoSuchLoan`],
        /// [`Error::InsufficientCredit`] (more principal than lent),
        /// [`Error::Unpaid`], [`Error::TokenCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn loan_return(&mut self, loan_id: u64, principal: Balance, fee: Balance, insurance: Balance) -> Result<()> {
            self.ensure_loan_manager()?;
            let mut hold = self.holds.get(loan_id).ok_or(Error::NoSuchLoan)?;
            let left = hold
                .principal
                .checked_sub(principal)
                .ok_or(Error::InsufficientCredit { available: hold.principal, requested: principal })?;
            let (creditor, borrower) = ends(&hold.path)?;
            let old = self.grantor_record(creditor);
            let mut new = old;
            new.lent = sub(new.lent, principal)?;
            let mut totals = with_grantor(self.totals, &old, &new)?;
            totals.treasury = add(totals.treasury, fee)?;
            totals.insurance = add(totals.insurance, insurance)?;
            let held = ext::balance_of(self.token, self.env().account_id())?;
            let owed = totals.tokens_held().ok_or(Error::Overflow)?;
            if held < owed {
                return Err(Error::Unpaid { held, owed });
            }
            let purpose = self.hold_purpose.get(loan_id);
            self.count_flow(0, principal, totals.lent, purpose.map(|p| TermMove::Closed(p, principal)));
            self.release_path(&hold, principal);
            self.save_grantor(creditor, &new);
            self.totals = totals;
            hold.principal = left;
            if left == 0 {
                self.holds.remove(loan_id);
                self.hold_purpose.remove(loan_id);
            } else {
                self.holds.insert(loan_id, &hold);
            }
            let anchor = self.anchor(borrower);
            let mut debtor = anchor;
            // Saturating: a loan opened before the pool kept this record.
            debtor.owed = debtor.owed.saturating_sub(principal);
            let own = self.grantor_record(borrower);
            self.sync_anchor(borrower, &own, anchor, debtor, Report::BestEffort)?;
            self.env().emit_event(LoanReturned { loan_id, principal, fee, insurance, left, purpose });
            Ok(())
        }

        /// Settles defaulted term loan `loan_id` (SPEC §4, v2: warrants
        /// first, then insurance, then the creditor's stake). The loan
        /// manager has claimed the warrants and transferred their claims,
        /// `recovered`, to the pool before calling. Of the unreturned
        /// principal P: `recovered` goes back to the creditor's stake; of
        /// the rest, `P − recovered`, the insurance reserve co-insures its
        /// share — only if the loan was insured at disbursement (every line
        /// of its path COVER_MIN_AGE old), at most COVER_SHARE of it and
        /// COVER_MAX_RESERVE_SHARE of the reserve — and the creditor's stake
        /// bears the rest, written off. The path's reservations are released
        /// (on the lines the loan reserved on only). Returns `(covered,
        /// written_off)`: written off is the creditor's net loss after
        /// warrant claims and insurance. The pool checks that it holds every
        /// token its books say it must (`recovered` included). The trust
        /// graph hears the creditor's lower own capital; the borrower's
        /// unreturned principal stays counted against its own, as defaulted.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::NoSuchLoan`],
        /// [`Error::RecoveredAbovePrincipal`], [`Error::Unpaid`] (the
        /// recovered tokens did not arrive), [`Error::TokenCallFailed`],
        /// [`Error::TrustGraph`], [`Error::TrustGraphCallFailed`],
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn loan_settle(&mut self, loan_id: u64, recovered: Balance) -> Result<(Balance, Balance)> {
            self.ensure_loan_manager()?;
            let hold = self.holds.get(loan_id).ok_or(Error::NoSuchLoan)?;
            let (creditor, borrower) = ends(&hold.path)?;
            let principal = hold.principal;
            let (covered, written_off) = acct::loan_cover(principal, recovered, hold.insured, self.totals.insurance, &self.params)?;
            let old = self.grantor_record(creditor);
            let mut new = old;
            new.lent = sub(new.lent, principal)?;
            new.stake = sub(new.stake, written_off)?;
            let mut totals = with_grantor(self.totals, &old, &new)?;
            totals.insurance = sub(totals.insurance, covered)?;
            totals.written_off = add(totals.written_off, written_off)?;
            // The books now count `recovered` as the creditor's unlent
            // stake: the loan manager must have paid it in.
            let held = ext::balance_of(self.token, self.env().account_id())?;
            let owed = totals.tokens_held().ok_or(Error::Overflow)?;
            if held < owed {
                return Err(Error::Unpaid { held, owed });
            }
            let anchor = self.anchor(borrower);
            let mut debtor = anchor;
            debtor.owed = debtor.owed.saturating_sub(principal);
            debtor.defaulted = add(debtor.defaulted, principal)?;
            let borrower_own = self.grantor_record(borrower);
            let creditor_anchor = self.anchor(creditor);
            self.sync_anchor(creditor, &new, creditor_anchor, creditor_anchor, Report::Loss)?;
            self.sync_anchor(borrower, &borrower_own, anchor, debtor, Report::Loss)?;
            let purpose = self.hold_purpose.get(loan_id);
            self.count_flow(0, 0, totals.lent, purpose.map(|p| TermMove::Closed(p, principal)));
            self.release_path(&hold, principal);
            self.save_grantor(creditor, &new);
            self.totals = totals;
            self.holds.remove(loan_id);
            self.hold_purpose.remove(loan_id);
            self.env().emit_event(LoanSettled { loan_id, principal, recovered, covered, written_off, purpose });
            Ok((covered, written_off))
        }

        // ---------------------------------------------------------------
        // Warrants from stake (the wired warrant escrow only, SPEC §4)
        // ---------------------------------------------------------------

        /// Pays `amount` of `holder`'s free stake — neither allocated to its
        /// lines nor lent, what `unstake` could take once unlocked — to the
        /// caller, the warrant escrow, which locks it as `holder`'s warrant.
        /// The stake falls by `amount`, its lock-out unchanged (the escrow
        /// returns the warrant to this stake, never to a wallet). The trust
        /// graph hears the holder's lower own capital, as for an `unstake`:
        /// it may refuse ([`tg::Error::AnchorNotReleased`]) while the
        /// holder's trust counts. Refused while paused.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::Paused`],
        /// [`Error::ZeroAmount`], [`Error::InsufficientStake`],
        /// [`Error::Token`], [`Error::TokenCallFailed`],
        /// [`Error::TrustGraph`], [`Error::TrustGraphCallFailed`],
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn warrant_from_stake(&mut self, holder: AccountId, amount: Balance) -> Result<()> {
            let escrow = self.ensure_warrant_escrow()?;
            self.ensure_active()?;
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            let old = self.grantor_record(holder);
            let available = acct::free_stake(&old);
            if amount > available {
                return Err(Error::InsufficientStake { available, requested: amount });
            }
            let mut new = old;
            new.stake = sub(new.stake, amount)?;
            let totals = with_grantor(self.totals, &old, &new)?;
            // As an unstake: lower own capital may end the anchoring at once,
            // and the graph refuses it while the holder's trust counts (the
            // likelier refusal, so it is asked before any token moves).
            let anchor = self.anchor(holder);
            self.sync_anchor(holder, &new, anchor, anchor, Report::Required)?;
            ext::push(self.token, escrow, amount)?;
            self.save_grantor(holder, &new);
            self.totals = totals;
            self.env().emit_event(WarrantFromStake { holder, amount, stake: new.stake });
            Ok(())
        }

        /// Adds `amount` back to `holder`'s stake (a warrant locked from it
        /// was released, or the part of it a default did not claim), without
        /// restarting its lock-out. The escrow transfers the tokens to the
        /// pool before calling; the pool checks that it holds every token
        /// its books say it must (as `loan_return` does). The holder's own
        /// capital rises; the trust graph hears it best effort. Never refused
        /// because of a pause.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::ZeroAmount`],
        /// [`Error::Unpaid`] (the tokens did not arrive),
        /// [`Error::TokenCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn warrant_to_stake(&mut self, holder: AccountId, amount: Balance) -> Result<()> {
            self.ensure_warrant_escrow()?;
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            let old = self.grantor_record(holder);
            let mut new = old;
            new.stake = add(new.stake, amount)?;
            let totals = with_grantor(self.totals, &old, &new)?;
            let held = ext::balance_of(self.token, self.env().account_id())?;
            let owed = totals.tokens_held().ok_or(Error::Overflow)?;
            if held < owed {
                return Err(Error::Unpaid { held, owed });
            }
            self.save_grantor(holder, &new);
            self.totals = totals;
            let anchor = self.anchor(holder);
            self.sync_anchor(holder, &new, anchor, anchor, Report::BestEffort)?;
            self.env().emit_event(WarrantToStake { holder, amount, stake: new.stake });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Wiring and governance
        // ---------------------------------------------------------------

        /// Wires the pool to governance (deployer only, once).
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

        /// Replaces the parameters (governance only), each within its range:
        /// lock-out 90..=180 days, MAX_CREDIT 2,000..=10,000 tokens, grace
        /// ≤ 90 days, fee and insurance share ≤ 25 % each, overdue
        /// 1..=365 days, default after overdue and ≤ 730 days, COVER_MIN_AGE
        /// 30..=365 days, COVER_SHARE ≤ 50 %, COVER_MAX_RESERVE_SHARE ≤ 25 %,
        /// MIN_LINE 1..=1,000 tokens.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::InvalidParam`].
        #[ink(message)]
        pub fn set_params(&mut self, params: PoolParams) -> Result<()> {
            self.ensure_governance()?;
            if let Some(name) = params.invalid_for(self.unit()) {
                return Err(Error::InvalidParam { name: name.into() });
            }
            let old = self.params;
            self.params = params;
            self.env().emit_event(ParamsChanged { old, new: params });
            Ok(())
        }

        /// Pauses or unpauses new risk (governance only).
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`].
        #[ink(message)]
        pub fn set_paused(&mut self, paused: bool) -> Result<()> {
            self.ensure_governance()?;
            self.paused = paused;
            self.env().emit_event(PausedSet { paused });
            Ok(())
        }

        /// Replaces this contract's code with `code_hash` (governance only);
        /// the storage stays as it is.
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

        /// Pays `amount` from the treasury to `to` (governance only).
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`], [`Error::ZeroAmount`],
        /// [`Error::InsufficientTreasury`], [`Error::Token`].
        #[ink(message)]
        pub fn spend_treasury(&mut self, to: AccountId, amount: Balance) -> Result<()> {
            self.ensure_governance()?;
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            let available = self.totals.treasury;
            let left = available.checked_sub(amount).ok_or(Error::InsufficientTreasury { available, requested: amount })?;
            ext::push(self.token, to, amount)?;
            self.totals.treasury = left;
            self.env().emit_event(TreasurySpent { to, amount });
            Ok(())
        }

        /// Pulls `amount` of the stablecoin from the caller (who must have
        /// approved the pool for it) into the insurance reserve: anyone may
        /// fund it (the federation's support, a community's treasury).
        /// Works while paused.
        ///
        /// # Errors
        /// [`Error::ZeroAmount`], [`Error::Token`] (balance or allowance),
        /// [`Error::TokenCallFailed`], [`Error::Overflow`].
        #[ink(message)]
        pub fn fund_insurance(&mut self, amount: Balance) -> Result<()> {
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            let from = self.env().caller();
            let insurance = add(self.totals.insurance, amount)?;
            ext::pull(self.token, from, amount)?;
            self.totals.insurance = insurance;
            self.env().emit_event(InsuranceFunded { from, amount, insurance });
            Ok(())
        }

        /// Sets the epoch length of the counters (governance only), 1..=365
        /// days on the pool's clock; only before counting has started (the
        /// first change of the outstanding principal under this code), so
        /// that epochs never overlap.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`],
        /// [`Error::InvalidParam`], [`Error::EpochLengthFixed`].
        #[ink(message)]
        pub fn set_epoch_length(&mut self, epoch_ms: u64) -> Result<()> {
            self.ensure_governance()?;
            if !(dcu_common::DAY_MS..=dcu_common::DAY_MS.saturating_mul(365)).contains(&epoch_ms) {
                return Err(Error::InvalidParam { name: "epoch_ms".into() });
            }
            let flow = self.flow.get().unwrap_or_default();
            if flow.started {
                return Err(Error::EpochLengthFixed);
            }
            self.flow.set(&Flow { epoch_ms, ..flow });
            self.env().emit_event(EpochLengthSet { epoch_ms });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Queries
        // ---------------------------------------------------------------

        /// The counters of `epoch` (issue 20): principal drawn and repaid in
        /// it and the time-weighted outstanding principal, final once
        /// `closed`; for the open epoch, to now; for a future one, zeros.
        /// Derived without any message having run since: an epoch in which
        /// the outstanding principal did not change had the principal left
        /// by the latest earlier change (looked up at most
        /// [`MAX_IDLE_EPOCHS`] epochs back; further back, or before counting
        /// started, nothing was outstanding as far as the counters know).
        #[ink(message)]
        pub fn epoch_stats(&self, epoch: u64) -> EpochStats {
            let f = self.flow.get().unwrap_or_default();
            let now = self.now();
            let start = epoch.saturating_mul(f.epoch_ms);
            let end = start.saturating_add(f.epoch_ms);
            let mut s = EpochStats { epoch, start, epoch_ms: f.epoch_ms, closed: end <= now, ..EpochStats::default() };
            if start > now {
                return s;
            }
            let to = end.min(now);
            if f.started && epoch == f.epoch {
                s.drawn = f.drawn;
                s.purpose_drawn = f.purpose_drawn;
                s.purpose_outstanding_ms = integrals(&f.purpose_outstanding_ms, &f.purpose_principal, f.last, to);
                s.purpose_principal_end = f.purpose_principal;
                s.repaid = f.repaid;
                s.principal_end = f.principal;
                s.outstanding_ms = integral(f.outstanding_ms, f.principal, f.last, to);
                s.saturated = saturated(s.drawn, s.repaid, s.outstanding_ms);
                return s;
            }
            if let Some(stored) = self.epochs.get(epoch) {
                return stored;
            }
            // An epoch without a change: the principal of the latest earlier
            // one; none before counting started (and no lookup: an idle
            // pool's answer costs one read, not MAX_IDLE_EPOCHS).
            let (principal, by_purpose) = if !f.started {
                (0, [0; PURPOSES])
            } else if epoch > f.epoch {
                (f.principal, f.purpose_principal)
            } else {
                (1..=MAX_IDLE_EPOCHS)
                    .filter_map(|back| epoch.checked_sub(back))
                    .find_map(|e| self.epochs.get(e))
                    .map(|e| (e.principal_end, e.purpose_principal_end))
                    .unwrap_or((0, [0; PURPOSES]))
            };
            s.principal_end = principal;
            s.purpose_principal_end = by_purpose;
            s.purpose_outstanding_ms = integrals(&[0; PURPOSES], &by_purpose, start, to);
            s.outstanding_ms = integral(0, principal, start, to);
            s.saturated = saturated(0, 0, s.outstanding_ms);
            s
        }

        /// The pool's clock for a federation (issue 20): `(now, epoch_ms)`,
        /// now on the pool's clock (block time, or the fast clock of the
        /// test build) and the counters' epoch length. The open epoch is
        /// `now / epoch_ms`.
        #[ink(message)]
        pub fn clock(&self) -> (Timestamp, u64) {
            (self.now(), self.flow.get().unwrap_or_default().epoch_ms)
        }

        /// The pool's PSP22 stablecoin.
        #[ink(message)]
        pub fn token(&self) -> AccountId {
            self.token
        }

        /// The epoch length (ms, pool's clock) and whether counting started.
        #[ink(message)]
        pub fn epoch_length(&self) -> (u64, bool) {
            let f = self.flow.get().unwrap_or_default();
            (f.epoch_ms, f.started)
        }

        /// A grantor's position (zeros for an account that never staked).
        #[ink(message)]
        pub fn grantor(&self, account: AccountId) -> GrantorInfo {
            let g = self.grantor_record(account);
            GrantorInfo {
                stake: g.stake,
                allocated: g.allocated,
                lent: g.lent,
                locked_until: g.locked_until,
                free: acct::free_stake(&g),
                lines: len(&self.lines_by.get(account).unwrap_or_default()),
            }
        }

        /// `member`'s own capital — its stake less the principal it owes the
        /// pool or defaulted on, the value that anchors it in the trust graph
        /// — and the value the graph last heard.
        #[ink(message)]
        pub fn own_capital(&self, member: AccountId) -> OwnCapitalInfo {
            let g = self.grantor_record(member);
            let a = self.anchor(member);
            OwnCapitalInfo {
                stake: g.stake,
                allocated: g.allocated,
                owed: a.owed,
                defaulted: a.defaulted,
                own_capital: a.own_capital(free_stake(&g)),
                reported: a.reported,
            }
        }

        /// The line `grantor → borrower` with interest accrued to now.
        ///
        /// # Errors
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn line(&self, grantor: AccountId, borrower: AccountId) -> Result<Option<LineInfo>> {
            match self.lines.get((grantor, borrower)) {
                None => Ok(None),
                Some(l) => self.line_info(grantor, borrower, l).map(Some),
            }
        }

        /// Every line to `borrower`.
        ///
        /// # Errors
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn lines_to(&self, borrower: AccountId) -> Result<Vec<LineInfo>> {
            self.line_infos(self.lines_to.get(borrower).unwrap_or_default().into_iter().map(|g| (g, borrower)))
        }

        /// Every line given by `grantor`.
        ///
        /// # Errors
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn lines_by(&self, grantor: AccountId) -> Result<Vec<LineInfo>> {
            self.line_infos(self.lines_by.get(grantor).unwrap_or_default().into_iter().map(|b| (grantor, b)))
        }

        /// A borrower's limit, availability and debt now, with all it owes
        /// (draws and term loans: what MAX_CREDIT caps).
        ///
        /// # Errors
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn borrower(&self, borrower: AccountId) -> Result<BorrowerInfo> {
            let now = self.now();
            let loaded = self.load_accrued(borrower, now)?;
            let (limit, principal) = loaded.limit_and_principal(self.params.max_credit)?;
            let owed = owed_by(&self.anchor(borrower), principal);
            let headroom = loaded.rows.iter().try_fold(0u128, |a, r| a.checked_add(acct::headroom(&r.line, &r.after)));
            let available = headroom.ok_or(Error::Overflow)?.min(acct::draw_room(limit, principal, owed, self.params.max_credit));
            let interest = loaded.rows.iter().try_fold(0u128, |a, r| a.checked_add(r.line.interest));
            let since = loaded.unpaid_since();
            let at = |delay: Timestamp| if since == 0 { 0 } else { since.saturating_add(delay) };
            Ok(BorrowerInfo {
                limit,
                available,
                principal,
                interest: interest.ok_or(Error::Overflow)?,
                unpaid_since: since,
                overdue_at: at(self.params.overdue_ms),
                default_at: at(self.params.default_ms),
                lines: len(&loaded.rows),
                owed,
            })
        }

        /// min(Σ lines to `borrower`, MAX_CREDIT).
        #[ink(message)]
        pub fn credit_limit(&self, borrower: AccountId) -> Balance {
            self.load(borrower).limit(self.params.max_credit)
        }

        /// What `borrower` could draw now.
        ///
        /// # Errors
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn available(&self, borrower: AccountId) -> Result<Balance> {
            self.borrower(borrower).map(|b| b.available)
        }

        /// Principal + interest `borrower` owes now.
        ///
        /// # Errors
        /// [`Error::Overflow`].
        #[ink(message)]
        pub fn outstanding(&self, borrower: AccountId) -> Result<Balance> {
            let b = self.borrower(borrower)?;
            add(b.principal, b.interest)
        }

        /// What a term loan over `path` (creditor → … → borrower) could
        /// carry now — every line's free limit, the creditor's unlent stake,
        /// and MAX_CREDIT less what the borrower owes (its draws and term
        /// loans) — the first line's rate, and the first hop without a line.
        ///
        /// # Errors
        /// [`Error::BadPath`], [`Error::Overflow`].
        #[ink(message)]
        pub fn path_capacity(&self, path: Vec<AccountId>) -> Result<PathInfo> {
            let (lines, missing_hop) = self.path_lines(&path)?;
            let (creditor, borrower) = ends(&path)?;
            let first_rate_bps = lines.first().map(|l| l.rate_bps).unwrap_or(0);
            let capacity = if missing_hop.is_some() {
                0
            } else {
                acct::path_capacity(&lines, &self.grantor_record(creditor), self.anchor(borrower).owed, self.params.max_credit)
            };
            Ok(PathInfo { capacity, first_rate_bps, missing_hop })
        }

        /// Whether `borrower` declined `grantor`'s lines (and has not accepted them again).
        #[ink(message)]
        pub fn declined(&self, borrower: AccountId, grantor: AccountId) -> bool {
            self.declined.contains((borrower, grantor))
        }

        /// Term loan `loan_id`'s hold on the pool, if open.
        #[ink(message)]
        pub fn loan_hold(&self, loan_id: u64) -> Option<LoanHold> {
            self.holds.get(loan_id)
        }

        /// Pool-wide sums, insurance reserve and treasury.
        #[ink(message)]
        pub fn totals(&self) -> Totals {
            self.totals
        }

        /// One whole token of the stablecoin in its smallest units
        /// (10^decimals, fixed at instantiation): MAX_CREDIT, MIN_LINE and
        /// their ranges are whole tokens of it.
        #[ink(message)]
        pub fn unit(&self) -> Balance {
            self.unit.get().unwrap_or(dcu_common::ONE_TOKEN)
        }

        /// The parameters.
        #[ink(message)]
        pub fn params(&self) -> PoolParams {
            self.params
        }

        /// Whether new risk is paused.
        #[ink(message)]
        pub fn is_paused(&self) -> bool {
            self.paused
        }

        /// Protocol milliseconds per millisecond of block time: 1, or
        /// [`FAST_CLOCK_RATE`] (864,000: a second is ten days) in the
        /// `fast-clock` build that local development networks may deploy.
        /// Every time the pool stores or reports is on this clock.
        #[ink(message)]
        pub fn clock_rate(&self) -> u64 {
            if cfg!(feature = "fast-clock") {
                FAST_CLOCK_RATE
            } else {
                1
            }
        }

        /// The wiring, `None` until `wire`.
        #[ink(message)]
        pub fn wiring(&self) -> Option<Wiring> {
            self.wiring
        }

        /// The stablecoin and the trust graph this pool uses.
        #[ink(message)]
        pub fn contracts(&self) -> (AccountId, AccountId) {
            (self.token, self.trust_graph)
        }

        // ---------------------------------------------------------------
        // Internals
        // ---------------------------------------------------------------

        fn set_line(&mut self, grantor: AccountId, borrower: AccountId, limit: Balance, rate_bps: u32) -> Result<()> {
            if grantor == borrower {
                return Err(Error::SelfCredit);
            }
            let now = self.now();
            let existing = self.lines.get((grantor, borrower));
            if existing.is_none() && self.declined.contains((borrower, grantor)) {
                return Err(Error::Declined { borrower });
            }
            let previous = existing.map(|l| l.limit);
            if limit > previous.unwrap_or(0) {
                self.ensure_active()?;
                if ext::trust_of(self.trust_graph, grantor, borrower)?.is_none() {
                    return Err(Error::NoTrustEdge);
                }
                // A warned member receives no new or larger line (SPEC §2, v2).
                self.ensure_no_warning(borrower)?;
            }
            if existing.is_none() {
                let to = len(&self.lines_to.get(borrower).unwrap_or_default());
                if to >= MAX_LINES_PER_BORROWER {
                    return Err(Error::TooManyLines { cap: MAX_LINES_PER_BORROWER });
                }
                let by = len(&self.lines_by.get(grantor).unwrap_or_default());
                if by >= MAX_LINES_PER_GRANTOR {
                    return Err(Error::TooManyLines { cap: MAX_LINES_PER_GRANTOR });
                }
            }
            let old = self.grantor_record(grantor);
            let mut new = old;
            let seq = self.next_seq.checked_add(1).ok_or(Error::Overflow)?;
            let line = acct::apply_extend(existing, &mut new, limit, rate_bps, now, seq, &self.params)?;
            let mut totals = with_grantor(self.totals, &old, &new)?;
            match (existing.is_some(), line.is_some()) {
                (false, true) => totals.lines = totals.lines.checked_add(1).ok_or(Error::Overflow)?,
                (true, false) => totals.lines = totals.lines.checked_sub(1).ok_or(Error::Overflow)?,
                _ => {}
            }
            // Capital allocated to lines is the borrowers', not the
            // grantor's own: a new or raised line may end its anchoring
            // (refused while its trust counts: drain before drop), a
            // lowered or closed one frees capital.
            let anchor = self.anchor(grantor);
            let mode = if new.allocated > old.allocated { Report::Required } else { Report::BestEffort };
            self.sync_anchor(grantor, &new, anchor, anchor, mode)?;
            self.totals = totals;
            self.save_grantor(grantor, &new);
            match line {
                Some(l) => {
                    if existing.is_none() {
                        self.next_seq = seq;
                        list(&mut self.lines_to, borrower, grantor);
                        list(&mut self.lines_by, grantor, borrower);
                    }
                    self.lines.insert((grantor, borrower), &l);
                    self.env().emit_event(CreditLineSet {
                        grantor,
                        borrower,
                        limit,
                        rate_bps,
                        previous,
                        locked_until: l.locked_until,
                    });
                }
                None => {
                    self.lines.remove((grantor, borrower));
                    unlist(&mut self.lines_to, borrower, grantor);
                    unlist(&mut self.lines_by, grantor, borrower);
                    self.env().emit_event(CreditLineClosed { grantor, borrower });
                }
            }
            Ok(())
        }

        /// Adds `drawn` and `repaid` to the open epoch's counters and the
        /// outstanding principal × time since the last change, closing the
        /// running epoch first if `now` is in a later one (one read and one
        /// write of the running cell, plus one write at an epoch's close).
        /// `lent` is the outstanding principal this message leaves; a term
        /// loan opened or closed (`term`) also moves its purpose's principal
        /// and its integral (what economic diversity weighs, review H1).
        fn count_flow(&mut self, drawn: Balance, repaid: Balance, lent: Balance, term: Option<TermMove>) {
            // Infallible by design (review H2): a statistic never refuses a
            // money message. Every sum saturates at `u128::MAX` and the
            // epoch then reports `saturated` (a sum at the maximum is one
            // that stopped there).
            let now = self.now();
            let mut f = self.flow.get().unwrap_or_default();
            // epoch_ms ≥ 1 day (set_epoch_length's range, or the default).
            let epoch = now.checked_div(f.epoch_ms).unwrap_or(0);
            if !f.started {
                f = Flow { started: true, epoch, last: now, principal: self.totals.lent, ..f };
            }
            if epoch > f.epoch {
                let start = f.epoch.saturating_mul(f.epoch_ms);
                let end = start.saturating_add(f.epoch_ms);
                let outstanding_ms = integral(f.outstanding_ms, f.principal, f.last, end);
                let closed = EpochStats {
                    epoch: f.epoch,
                    start,
                    epoch_ms: f.epoch_ms,
                    closed: true,
                    drawn: f.drawn,
                    purpose_drawn: f.purpose_drawn,
                    purpose_outstanding_ms: integrals(&f.purpose_outstanding_ms, &f.purpose_principal, f.last, end),
                    purpose_principal_end: f.purpose_principal,
                    repaid: f.repaid,
                    outstanding_ms,
                    principal_end: f.principal,
                    saturated: saturated(f.drawn, f.repaid, outstanding_ms),
                };
                // No event of its own: every change of the counters comes
                // with its message's event (`Drawn`, `Repaid`, `Defaulted`,
                // `LoanOpened`, `LoanReturned`, `LoanSettled`) carrying the
                // amounts and, with the block time, the outstanding
                // principal; an epoch's figures are their sums.
                self.epochs.insert(f.epoch, &closed);
                let last = epoch.saturating_mul(f.epoch_ms);
                f = Flow { epoch, last, drawn: 0, purpose_drawn: [0; PURPOSES], purpose_outstanding_ms: [0; PURPOSES], repaid: 0, outstanding_ms: 0, ..f };
            }
            f.outstanding_ms = integral(f.outstanding_ms, f.principal, f.last, now);
            f.purpose_outstanding_ms = integrals(&f.purpose_outstanding_ms, &f.purpose_principal, f.last, now);
            f.last = now;
            f.drawn = f.drawn.saturating_add(drawn);
            match term {
                Some(TermMove::Opened(p, amount)) => {
                    // Parts of `drawn` and of the principal: they saturate no sooner.
                    if let Some(slot) = f.purpose_drawn.get_mut(p.index()) {
                        *slot = slot.saturating_add(amount);
                    }
                    if let Some(slot) = f.purpose_principal.get_mut(p.index()) {
                        *slot = slot.saturating_add(amount);
                    }
                }
                Some(TermMove::Closed(p, amount)) => {
                    if let Some(slot) = f.purpose_principal.get_mut(p.index()) {
                        *slot = slot.saturating_sub(amount);
                    }
                }
                None => {}
            }
            f.repaid = f.repaid.saturating_add(repaid);
            f.principal = lent;
            self.flow.set(&f);
        }

        fn grantor_record(&self, account: AccountId) -> Grantor {
            self.grantors.get(account).unwrap_or_default()
        }

        /// A member's debts to the pool and its last reported own capital.
        fn anchor(&self, member: AccountId) -> Anchor {
            self.anchors.get(member).unwrap_or_default()
        }

        /// Stores a member's anchor record, or removes it once all zero.
        fn save_anchor(&mut self, member: AccountId, a: &Anchor) {
            if *a == Anchor::default() {
                self.anchors.remove(member);
            } else {
                self.anchors.insert(member, a);
            }
        }

        /// Stores `member`'s anchor record as this message leaves it (`new`;
        /// `old` as stored) and, when its own capital with `stake` differs
        /// from what the trust graph last heard, reports it (SPEC §2, v2).
        /// A member with no own capital before and after calls nothing.
        /// A report that lowers the value must succeed or the message fails,
        /// whatever `mode` says; a best-effort one that fails keeps the
        /// graph's lower value and the old `reported`, so it is retried.
        fn sync_anchor(&mut self, member: AccountId, g: &Grantor, old: Anchor, mut new: Anchor, mode: Report) -> Result<()> {
            let stake = free_stake(g);
            let own_capital = new.own_capital(stake);
            if own_capital != new.reported {
                let answer = match mode {
                    Report::Loss => ext::capital_lost(self.trust_graph, member, own_capital),
                    _ => ext::stake_changed(self.trust_graph, member, own_capital),
                };
                match answer {
                    Ok(()) => {
                        new.reported = own_capital;
                        self.env().emit_event(OwnCapitalReported {
                            member,
                            stake,
                            owed: new.owed,
                            defaulted: new.defaulted,
                            own_capital,
                        });
                    }
                    Err(e) if mode != Report::BestEffort || own_capital < new.reported => return Err(e),
                    Err(_) => {}
                }
            }
            if new != old {
                self.save_anchor(member, &new);
            }
            Ok(())
        }

        /// Refuses a member with an open warning in the trust graph (SPEC §2, v2).
        fn ensure_no_warning(&self, borrower: AccountId) -> Result<()> {
            match ext::warnings_of(self.trust_graph, borrower)? {
                0 => Ok(()),
                open => Err(Error::OpenWarning { open }),
            }
        }

        /// Stores a grantor's record, or removes it once it holds nothing.
        fn save_grantor(&mut self, account: AccountId, g: &Grantor) {
            if g.stake == 0 && g.allocated == 0 && g.lent == 0 && g.locked_until <= self.now() {
                self.grantors.remove(account);
            } else {
                self.grantors.insert(account, g);
            }
        }

        fn load(&self, borrower: AccountId) -> Loaded {
            let mut rows = Vec::new();
            for g in self.lines_to.get(borrower).unwrap_or_default() {
                if let Some(l) = self.lines.get((g, borrower)) {
                    let gr = self.grantor_record(g);
                    rows.push(Row { grantor: g, stored: l, line: l, before: gr, after: gr });
                }
            }
            Loaded { borrower, rows }
        }

        /// `borrower`'s lines with interest accrued to `now` (not stored).
        fn load_accrued(&self, borrower: AccountId, now: Timestamp) -> Result<Loaded> {
            let mut loaded = self.load(borrower);
            for r in loaded.rows.iter_mut() {
                acct::accrue(&mut r.line, now)?;
            }
            Ok(loaded)
        }

        /// Writes back the lines and grantors of a loaded borrower that changed.
        fn store(&mut self, loaded: &Loaded) {
            for r in &loaded.rows {
                if r.line != r.stored {
                    self.lines.insert((r.grantor, loaded.borrower), &r.line);
                }
                if r.after != r.before {
                    self.save_grantor(r.grantor, &r.after);
                }
            }
        }

        /// The lines of the given (grantor, borrower) pairs, accrued to now.
        fn line_infos(&self, pairs: impl Iterator<Item = (AccountId, AccountId)>) -> Result<Vec<LineInfo>> {
            let mut out = Vec::new();
            for (g, b) in pairs {
                if let Some(l) = self.lines.get((g, b)) {
                    out.push(self.line_info(g, b, l)?);
                }
            }
            Ok(out)
        }

        fn line_info(&self, grantor: AccountId, borrower: AccountId, mut l: Line) -> Result<LineInfo> {
            acct::accrue(&mut l, self.now())?;
            let g = self.grantor_record(grantor);
            Ok(LineInfo {
                grantor,
                borrower,
                limit: l.limit,
                rate_bps: l.rate_bps,
                principal: l.principal,
                reserved: l.reserved,
                interest: l.interest,
                available: acct::headroom(&l, &g),
                grace_until: l.grace_until,
                locked_until: l.locked_until,
                interest_since: l.interest_since,
                insured: l.insured,
                insured_from: l.raised_at.saturating_add(self.params.cover_min_age_ms),
            })
        }

        fn ensure_active(&self) -> Result<()> {
            if self.paused {
                Err(Error::Paused)
            } else {
                Ok(())
            }
        }

        /// The lines of a loan path (a missing line as an empty one) and
        /// the index of the first missing hop.
        fn path_lines(&self, path: &[AccountId]) -> Result<(Vec<Line>, Option<u32>)> {
            if path.len() < 2 || path.len() > acct::MAX_PATH_LINES.saturating_add(1) {
                return Err(Error::BadPath);
            }
            for (i, a) in path.iter().enumerate() {
                if path.iter().skip(i.saturating_add(1)).any(|b| b == a) {
                    return Err(Error::BadPath);
                }
            }
            let mut lines = Vec::new();
            let mut missing = None;
            for (i, pair) in path.windows(2).enumerate() {
                match self.lines.get((pair[0], pair[1])) {
                    Some(l) => lines.push(l),
                    None => {
                        missing = missing.or(Some(u32::try_from(i).map_err(|_| Error::Overflow)?));
                        lines.push(Line::default());
                    }
                }
            }
            Ok((lines, missing))
        }

        /// Releases `principal` of a loan's reservation on the lines of its
        /// path that are still the lines it reserved on (same `seq`): a line
        /// deleted by its borrower's default holds nothing any more, and one
        /// created again since holds other loans' reservations (review L1).
        fn release_path(&mut self, hold: &LoanHold, principal: Balance) {
            for (pair, seq) in hold.path.windows(2).zip(&hold.seqs) {
                if let Some(mut l) = self.lines.get((pair[0], pair[1])) {
                    if acct::release_reserved(&mut l, *seq, principal) {
                        self.lines.insert((pair[0], pair[1]), &l);
                    }
                }
            }
        }

        /// The pool's clock: the block time, or in the `fast-clock` test
        /// build (local networks only) a clock where a second of block time
        /// is ten days. Every time the pool stores or compares goes through
        /// it.
        fn now(&self) -> Timestamp {
            self.env().block_timestamp().saturating_mul(self.clock_rate())
        }

        fn ensure_loan_manager(&self) -> Result<()> {
            let caller = self.env().caller();
            let w = self.wiring.ok_or(Error::NotWired)?;
            if caller == w.loan_manager {
                Ok(())
            } else {
                Err(Error::Unauthorized { caller })
            }
        }

        /// The wired warrant escrow, if it is the caller.
        fn ensure_warrant_escrow(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            let w = self.wiring.ok_or(Error::NotWired)?;
            if caller == w.warrant_escrow {
                Ok(caller)
            } else {
                Err(Error::Unauthorized { caller })
            }
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

    /// Adds `item` to the list under `key`.
    fn list<K: StorageKey>(map: &mut Mapping<AccountId, Vec<AccountId>, K>, key: AccountId, item: AccountId) {
        let mut v = map.get(key).unwrap_or_default();
        v.push(item);
        map.insert(key, &v);
    }

    /// Removes `item` from the list under `key` (and the list once empty).
    fn unlist<K: StorageKey>(map: &mut Mapping<AccountId, Vec<AccountId>, K>, key: AccountId, item: AccountId) {
        let mut v = map.get(key).unwrap_or_default();
        v.retain(|x| *x != item);
        if v.is_empty() {
            map.remove(key);
        } else {
            map.insert(key, &v);
        }
    }

    impl Loaded {
        /// Oldest unpaid interest (0: none).
        fn unpaid_since(&self) -> Timestamp {
            acct::unpaid_since(self.rows.iter().map(|r| &r.line))
        }

        /// min(Σ limits, MAX_CREDIT); saturation is exact here, as the sum
        /// is capped anyway.
        fn limit(&self, max_credit: Balance) -> Balance {
            self.rows.iter().fold(0u128, |a, r| a.saturating_add(r.line.limit)).min(max_credit)
        }

        /// (credit limit, Σ principal).
        fn limit_and_principal(&self, max_credit: Balance) -> Result<(Balance, Balance)> {
            let principal = self.rows.iter().try_fold(0u128, |a, r| a.checked_add(r.line.principal)).ok_or(Error::Overflow)?;
            Ok((self.limit(max_credit), principal))
        }

        /// The pool totals after the grantors' changes.
        fn totals(&self, mut t: Totals) -> Result<Totals> {
            for r in &self.rows {
                t = with_grantor(t, &r.before, &r.after)?;
            }
            Ok(t)
        }
    }

    /// `t` after one grantor's record changed from `old` to `new`.
    fn with_grantor(mut t: Totals, old: &Grantor, new: &Grantor) -> Result<Totals> {
        t.staked = add(sub(t.staked, old.stake)?, new.stake)?;
        t.allocated = add(sub(t.allocated, old.allocated)?, new.allocated)?;
        t.lent = add(sub(t.lent, old.lent)?, new.lent)?;
        Ok(t)
    }

    /// All the principal a member owes, what MAX_CREDIT caps (v2): its
    /// anchor's `owed` (draws + term loans borrowed), never below its
    /// lines' `principal` (an anchor record kept since an in-place upgrade
    /// may lack older draws).
    fn owed_by(anchor: &Anchor, principal: Balance) -> Balance {
        anchor.owed.max(principal)
    }

    /// The creditor and the borrower of a loan path.
    fn ends(path: &[AccountId]) -> Result<(AccountId, AccountId)> {
        match (path.first(), path.last()) {
            (Some(c), Some(b)) if path.len() >= 2 => Ok((*c, *b)),
            _ => Err(Error::BadPath),
        }
    }

    /// How many epochs back `epoch_stats` looks for the principal of an
    /// epoch in which it did not change.
    pub const MAX_IDLE_EPOCHS: u64 = 64;

    /// Whether an epoch's sums stopped at `u128::MAX` (review H2).
    fn saturated(drawn: Balance, repaid: Balance, outstanding_ms: u128) -> bool {
        drawn == u128::MAX || repaid == u128::MAX || outstanding_ms == u128::MAX
    }

    /// A term loan's principal moving under its purpose (`count_flow`).
    #[derive(Clone, Copy)]
    enum TermMove {
        /// Opened: `drawn` and the purpose's principal rise.
        Opened(Purpose, Balance),
        /// Returned or settled: the purpose's principal falls.
        Closed(Purpose, Balance),
    }

    /// [`integral`] for each purpose.
    fn integrals(acc: &[u128; PURPOSES], principal: &[Balance; PURPOSES], from: Timestamp, to: Timestamp) -> [u128; PURPOSES] {
        let mut out = *acc;
        for (o, p) in out.iter_mut().zip(principal) {
            *o = integral(*o, *p, from, to);
        }
        out
    }

    /// `acc + principal × (to − from)`, saturating at `u128::MAX` (the epoch
    /// then reports `saturated`): neither a message nor a query ever fails
    /// for it. The clock never goes back on chain; a `to` before `from`
    /// adds nothing.
    fn integral(acc: u128, principal: Balance, from: Timestamp, to: Timestamp) -> u128 {
        acc.saturating_add(principal.saturating_mul(u128::from(to.saturating_sub(from))))
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

#[cfg(test)]
mod mock;

#[cfg(test)]
mod tests;
