//! # `trust_graph` — members, trust, scores and credit capacity (SPEC §2)
//!
//! Members register, then state how much they trust each other with directed
//! weighted edges (weight 1..=800). From the graph the contract derives, for
//! every member v (seed 003 §3–4):
//! - DT(v): the sum of incoming weights, **stored** and kept current on every
//!   edge change, so that
//! - NT(v) = ½ · Σ_{x→v} w(x,v) · DT(x) / 800 costs O(in-degree);
//! - TS(v) = min(1, (DT + 0.3·NT) / MAX_TRUST), halved after `inactivity_days`
//!   without a repayment;
//! - CF(v) = mean(age, tx history, diversity, verified, community), halved for
//!   `default_penalty_days` after a default;
//! - C(v) = BASE · TS^1.5 · CF · (1 + ln max(1, |N(v)|)).
//!
//! The maths is `dcu_common::trust`, shared with the `dcu` CLI, so scores
//! computed off chain equal these to the unit.
//!
//! ## Trust costs something (SPEC §2, v2)
//! A member is **anchored** when it is verified, or when it has staked at
//! least MIN_ANCHOR_STAKE in the pool (reported by the wired pool through
//! `stake_changed`) and its membership is at least MIN_ANCHOR_AGE old. Only
//! edges from anchored trusters **count**: in DT, NT, the diversity share
//! and |N|. An edge from an unanchored member is stored (and counts against
//! the degree caps) but weighs nothing until its truster is anchored; so a
//! fresh account, or any number of them, adds nothing to anyone's score.
//! Vouching needs an anchored voucher. The target of trust may
//! `reject_trust(truster)`: the edge goes and the truster is blocked until
//! the target `unblock`s it.
//!
//! When a member's anchoring changes, its out-edges follow its new flag at
//! most [`ANCHOR_PAGE`] per call (the rest on later `refresh_anchor` calls,
//! anyone's): a flip of 150 edges in one call would not fit a parachain
//! block's proof budget. Each stored edge says whether it counts; while a
//! member has edges to sync, every score they feed reports it
//! (`ScoreInfo::stale_by`) and the loan manager grants no loan on it.
//!
//! Governance may revoke a verifier (`revoke_verifier`): every verification
//! it made is void at once for the electorate and the CF, and for anchoring
//! at the member's next `refresh_anchor`.
//!
//! ## Invariants (checked by `assert_invariants` in the unit tests)
//! - an edge counts iff its truster is anchored, except the truster's
//!   out-edges still pending after a change (`anchor_pending` of them);
//! - `DT(v)` = Σ of the weights of v's counting in-edges, `trusters(v)`
//!   their number;
//! - `in_edges(v)` and `out_edges(v)` mirror the weight map exactly, and
//!   `in_degree`/`out_degree` count them (anchored or not);
//! - `neighbours(v)` = |{x : x→v counts or v→x counts}|,
//!   `mutual_in(v)` = |{x : x→v counts and v→x exists}|;
//! - out-degree ≤ `max_out_degree`, in-degree ≤ `max_in_degree`;
//! - a member's `anchored` flag is what the rule said at its last refresh.
//!
//! ## Access
//! - `wire`: the deployer, once.
//! - `set_params`, `set_verifier`, `revoke_verifier`, `set_code`: the wired
//!   governance contract only.
//! - `verify`: an appointed verifier.
//! - `record_repayment`, `record_warning`, `record_default`: the wired
//!   `credit_pool` or `loan_manager` only; `stake_changed`: the wired pool.
//! - `reject_trust`, `unblock`: the target of the trust.
//! - `refresh_anchor`: anyone.
//! - Everything else: any registered member.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::trust_graph::{Edge, Error, MemberInfo, Params, ScoreInfo, TrustGraph, TrustGraphRef, Wiring, ANCHOR_PAGE, UNANCHORED_IN_CAP};

#[ink::contract]
mod trust_graph {
    use dcu_common::trust::{self, MemberState, ScoreParams, MAX_WEIGHT, MIN_WEIGHT};
    use dcu_common::DAY_MS;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;

    /// Governance parameters and their bounds (in `dcu_common::iface` so
    /// that governance can encode them).
    pub use dcu_common::iface::trust_graph::{Params, DEGREE_HARD_CAP, IN_DEGREE_HARD_CAP};

    /// At most this many of a member's edges start or stop counting in one
    /// call when its anchoring changes (SPEC §2, v2): a flip at out-degree
    /// 150 measured 6.3 MB of proof, over a parachain's 3.75 MiB budget.
    /// The rest follow in later pages (`refresh_anchor`, anyone); meanwhile
    /// the scores they touch say so (`ScoreInfo::stale_by`).
    pub const ANCHOR_PAGE: usize = 32;

    /// At most this many of a member's in-edges may be edges that do not
    /// count (their trusters are not anchored): free accounts can then
    /// never fill a member's in-degree cap and keep anchored trusters out.
    pub const UNANCHORED_IN_CAP: u32 = 50;

    /// A stored trust edge: its weight and whether it counts now (its
    /// truster was anchored when the edge was last synced).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Edge {
        /// 1..=800.
        pub weight: u16,
        /// Counted in the target's DT, trusters, diversity and |N|.
        pub counts: bool,
    }

    /// The pair's share of every counter from its two edges (if any).
    fn shares(ab: Option<Edge>, ba: Option<Edge>) -> (trust::PairShare, trust::PairShare) {
        trust::pair_shares(
            ab.map(|e| e.weight),
            ba.map(|e| e.weight),
            ab.map(|e| e.counts).unwrap_or(false),
            ba.map(|e| e.counts).unwrap_or(false),
        )
    }

    /// A member's in-edges: (truster, weight).
    pub type InEdges = Vec<(AccountId, u16)>;

    /// How the member count is stored: `u32`. The test-only `layout-break`
    /// build widens it to `u64`, a root struct the deployed code's storage
    /// does not decode as: `dcu gov propose upgrade` must refuse that code.
    #[cfg(not(feature = "layout-break"))]
    type MemberCount = u32;
    /// How the member count is stored (`layout-break`: widened to `u64`).
    #[cfg(feature = "layout-break")]
    type MemberCount = u64;

    /// The stored member count as the `member_count` message answers it.
    #[cfg(not(feature = "layout-break"))]
    fn member_count_u32(n: MemberCount) -> u32 {
        n
    }
    /// The stored member count as the `member_count` message answers it.
    #[cfg(feature = "layout-break")]
    fn member_count_u32(n: MemberCount) -> u32 {
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Addresses of the contracts this one trusts, set once by the deployer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Wiring {
        /// May change parameters and appoint verifiers.
        pub governance: AccountId,
        /// May record repayments, warnings and defaults.
        pub credit_pool: AccountId,
        /// May record repayments, warnings and defaults.
        pub loan_manager: AccountId,
    }

    /// A member's stored record.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct MemberInfo {
        /// Registration time (ms).
        pub registered_at: Timestamp,
        /// Verified by an appointed verifier.
        pub verified: bool,
        /// DT: sum of the weights of counting in-edges (from anchored trusters).
        pub direct_trust: u32,
        /// Trust edges received and stored, counting or not (the in-degree cap).
        pub in_degree: u32,
        /// Trust edges given and stored (the out-degree cap).
        pub out_degree: u32,
        /// Counting in-edges: anchored trusters.
        pub trusters: u32,
        /// Anchored trusters this member trusts back.
        pub mutual_in: u32,
        /// |N(v)|: distinct accounts with a counting edge to or from this member.
        pub neighbours: u32,
        /// Anchored (SPEC §2, v2): verified, or staked MIN_ANCHOR_STAKE with a
        /// membership MIN_ANCHOR_AGE old. Only an anchored member's edges
        /// count. Kept current by `verify`, the pool's `stake_changed` and
        /// `refresh_anchor` (anyone, e.g. once the age is reached).
        pub anchored: bool,
        /// Vouches received.
        pub vouches: u32,
        /// Repayments recorded.
        pub tx_count: u64,
        /// Last repayment or registration (ms).
        pub last_activity: Timestamp,
        /// Open warnings from every source (the pool's and the loan
        /// manager's below): while any is open the member may not draw,
        /// request a term loan or receive new lines.
        pub open_warnings: u32,
        /// Defaults recorded.
        pub defaults: u32,
        /// CF is halved until this time (ms).
        pub default_until: Timestamp,
        /// Open warnings raised by the pool (overdue pool interest).
        pub pool_warnings: u32,
        /// Open warnings raised by the loan manager (overdue term loans).
        pub loan_warnings: u32,
        /// The day (block time / 1 day) of the last repayment counted in
        /// `tx_count`: at most one a day counts.
        pub last_counted_day: u64,
        /// When a verifier attested this member (ms; 0: not verified).
        /// Governance gives a voice on a proposal only to members verified
        /// before it was made.
        pub verified_at: Timestamp,
        /// Who verified this member: revoking that verifier revokes this
        /// verification too (SPEC §6, v2).
        pub verified_by: Option<AccountId>,
        /// Out-edges still to sync after the last anchoring change (0: all
        /// of this member's edges count as its `anchored` flag says).
        pub anchor_pending: u32,
        /// Own capital in the pool (stake net of what it owes the pool), as
        /// the wired pool last reported it: what anchors by stake.
        pub own_capital: Balance,
        /// Out-edges that count now (their `counts` flag).
        pub counting_out: u32,
        /// The member released its anchoring (`release_anchor`): its edges
        /// stop counting whatever anchors it, until `resume_anchor`.
        pub released: bool,
    }

    impl MemberInfo {
        /// The record as the shared scoring maths reads it.
        pub fn state(&self) -> MemberState {
            MemberState {
                registered_at: self.registered_at,
                last_activity: self.last_activity,
                default_until: self.default_until,
                dt: u128::from(self.direct_trust),
                tx_count: self.tx_count,
                trusters: self.trusters,
                trusted_back: self.mutual_in,
                verified: self.verified,
                vouches: self.vouches,
                connections: self.neighbours,
            }
        }
    }

    /// Every score of a member at the current block (the type the other
    /// contracts decode: one definition, in `dcu_common::iface`).
    pub use dcu_common::iface::trust_graph::ScoreInfo;

    /// The trust graph's storage.
    #[ink(storage)]
    pub struct TrustGraph {
        /// Who may call `wire` (once).
        deployer: AccountId,
        /// Wired contracts; `None` until `wire`.
        wiring: Option<Wiring>,
        /// Governance parameters.
        params: Params,
        /// Members by account.
        members: Mapping<AccountId, MemberInfo>,
        /// Number of members.
        member_count: MemberCount,
        /// Edge weights by (from, to).
        weights: Mapping<(AccountId, AccountId), Edge>,
        /// Out-neighbours of each member, unordered.
        out_edges: Mapping<AccountId, Vec<AccountId>>,
        /// In-neighbours of each member with their weights, unordered. The
        /// weight is mirrored here so that NT reads one value per truster.
        in_edges: Mapping<AccountId, InEdges>,
        /// (voucher, member) pairs already vouched.
        vouched: Mapping<(AccountId, AccountId), ()>,
        /// Appointed verifiers.
        verifiers: Mapping<AccountId, ()>,
        /// Verified members (governance's electorate at a proposal).
        verified_count: u32,
        /// (target, truster) pairs the target has rejected: the truster may
        /// not trust the target again until the target lifts the block.
        blocked: Mapping<(AccountId, AccountId), ()>,
        /// Own capital in the credit pool reported for accounts that are
        /// not members yet (moved into their record when they register).
        stakes: Mapping<AccountId, Balance>,
        /// Out-edges of a member still to sync after its anchoring changed.
        pending: Mapping<AccountId, Vec<AccountId>>,
        /// Verifiers revoked by governance, with the time: every
        /// verification they made up to then is void.
        revoked_at: Mapping<AccountId, Timestamp>,
        /// Live (unrevoked) verifications by each verifier.
        live_by: Mapping<AccountId, u32>,
        /// Every member each verifier verified, in order (verifier, index):
        /// after a revocation, the members to refresh.
        verified_list: Mapping<(AccountId, u32), AccountId>,
        /// Length of each verifier's list.
        verified_len: Mapping<AccountId, u32>,
    }

    /// A member registered.
    #[ink(event)]
    pub struct MemberRegistered {
        #[ink(topic)]
        pub member: AccountId,
        pub at: Timestamp,
    }

    /// A trust edge was created or its weight changed.
    #[ink(event)]
    pub struct TrustSet {
        #[ink(topic)]
        pub from: AccountId,
        #[ink(topic)]
        pub to: AccountId,
        pub weight: u16,
        /// The previous weight, `None` for a new edge.
        pub previous: Option<u16>,
    }

    /// A trust edge was removed.
    #[ink(event)]
    pub struct TrustRevoked {
        #[ink(topic)]
        pub from: AccountId,
        #[ink(topic)]
        pub to: AccountId,
        pub previous: u16,
    }

    /// A member vouched for another.
    #[ink(event)]
    pub struct Vouched {
        #[ink(topic)]
        pub voucher: AccountId,
        #[ink(topic)]
        pub member: AccountId,
    }

    /// A verifier attested a member's identity.
    #[ink(event)]
    pub struct MemberVerified {
        #[ink(topic)]
        pub verifier: AccountId,
        #[ink(topic)]
        pub member: AccountId,
    }

    /// The target rejected a truster's trust: the edge (if any) is gone and
    /// the truster may not re-add it until the target lifts the block.
    #[ink(event)]
    pub struct TrustRejected {
        #[ink(topic)]
        pub target: AccountId,
        #[ink(topic)]
        pub truster: AccountId,
        /// The weight of the removed edge, `None` if there was none.
        pub previous: Option<u16>,
    }

    /// A member became anchored (its edges count from now on) or stopped
    /// being anchored (they weigh nothing until it is again).
    #[ink(event)]
    pub struct AnchorChanged {
        #[ink(topic)]
        pub member: AccountId,
        pub anchored: bool,
    }

    /// A page of a member's out-edges now follows its anchored flag.
    #[ink(event)]
    pub struct AnchorSynced {
        #[ink(topic)]
        pub member: AccountId,
        /// The flag the synced edges now follow.
        pub anchored: bool,
        /// Out-edges still to sync (0: done).
        pub pending: u32,
    }

    /// Governance revoked a verifier and every verification it made.
    #[ink(event)]
    pub struct VerifierRevoked {
        #[ink(topic)]
        pub verifier: AccountId,
        /// Verifications voided.
        pub verifications: u32,
        pub at: Timestamp,
    }

    /// The pool reported a member's own capital in it.
    #[ink(event)]
    pub struct StakeReported {
        #[ink(topic)]
        pub member: AccountId,
        pub stake: Balance,
    }

    /// The target lifted its block on a truster.
    #[ink(event)]
    pub struct TrustUnblocked {
        #[ink(topic)]
        pub target: AccountId,
        #[ink(topic)]
        pub truster: AccountId,
    }

    /// Governance appointed or removed a verifier.
    #[ink(event)]
    pub struct VerifierSet {
        #[ink(topic)]
        pub verifier: AccountId,
        pub appointed: bool,
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

    /// The deployer wired the contract to the rest of the suite.
    #[ink(event)]
    pub struct Wired {
        pub wiring: Wiring,
    }

    /// A qualifying repayment was reported: activity now; it counts in the
    /// transaction history (`counted`) if none counted yet today.
    #[ink(event)]
    pub struct RepaymentRecorded {
        #[ink(topic)]
        pub member: AccountId,
        pub tx_count: u64,
        pub counted: bool,
    }

    /// The source of a warning cleared it: that debt is current again.
    #[ink(event)]
    pub struct WarningCleared {
        #[ink(topic)]
        pub member: AccountId,
        /// The wired contract that raised and cleared it.
        pub source: AccountId,
        pub open_warnings: u32,
    }

    /// A warning was recorded and is visible to everyone.
    #[ink(event)]
    pub struct WarningRecorded {
        #[ink(topic)]
        pub member: AccountId,
        pub open_warnings: u32,
    }

    /// A default was recorded; CF is halved until `penalty_until`.
    #[ink(event)]
    pub struct DefaultRecorded {
        #[ink(topic)]
        pub member: AccountId,
        pub penalty_until: Timestamp,
    }

    /// Errors of the trust graph (defined in `dcu_common::iface` so that the
    /// contracts calling this one decode them without depending on this crate).
    pub use dcu_common::iface::trust_graph::Error;

    /// Result of the trust graph's messages.
    pub type Result<T> = core::result::Result<T, Error>;

    impl Default for TrustGraph {
        fn default() -> Self {
            Self::new()
        }
    }

    impl TrustGraph {
        /// An empty graph with default parameters and no verifier; the
        /// caller may `wire` it once.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self::with_verifiers(Vec::new())
        }

        /// An empty graph with `params` (checked) and founding verifiers:
        /// what `dcu deploy` instantiates from a network profile (a
        /// development profile may set MIN_ANCHOR_AGE to 0).
        ///
        /// # Errors
        /// [`Error::InvalidParam`].
        #[ink(constructor)]
        pub fn with_config(params: Params, founding: Vec<AccountId>) -> Result<Self> {
            validate(&params)?;
            let mut g = Self::with_verifiers(founding);
            g.params = params;
            Ok(g)
        }

        /// An empty graph whose founding verifiers (named by the network
        /// profile) are appointed at once; from then on only governance
        /// appoints or removes verifiers (SPEC §6, v2).
        #[ink(constructor)]
        pub fn with_verifiers(founding: Vec<AccountId>) -> Self {
            let mut verifiers = Mapping::default();
            for v in &founding {
                verifiers.insert(*v, &());
            }
            for v in founding {
                Self::env().emit_event(VerifierSet { verifier: v, appointed: true });
            }
            Self {
                deployer: Self::env().caller(),
                wiring: None,
                params: Params::default(),
                members: Mapping::default(),
                member_count: 0,
                weights: Mapping::default(),
                out_edges: Mapping::default(),
                in_edges: Mapping::default(),
                vouched: Mapping::default(),
                verifiers,
                verified_count: 0,
                blocked: Mapping::default(),
                stakes: Mapping::default(),
                pending: Mapping::default(),
                revoked_at: Mapping::default(),
                live_by: Mapping::default(),
                verified_list: Mapping::default(),
                verified_len: Mapping::default(),
            }
        }

        // ---------------------------------------------------------------
        // Membership and trust
        // ---------------------------------------------------------------

        /// Registers the caller as a member.
        ///
        /// # Errors
        /// [`Error::AlreadyRegistered`].
        #[ink(message)]
        pub fn register(&mut self) -> Result<()> {
            let caller = self.env().caller();
            if self.members.contains(caller) {
                return Err(Error::AlreadyRegistered);
            }
            let now = self.env().block_timestamp();
            self.member_count = self.member_count.checked_add(1).ok_or(Error::Overflow)?;
            let own_capital = self.stakes.take(caller).unwrap_or(0);
            let mut m = MemberInfo { registered_at: now, last_activity: now, own_capital, ..Default::default() };
            self.env().emit_event(MemberRegistered { member: caller, at: now });
            // A pool stake made before registering anchors at once when no
            // minimum age applies (a member has no edges yet: nothing to count).
            if self.anchored_now(&m) {
                m.anchored = true;
                self.env().emit_event(AnchorChanged { member: caller, anchored: true });
            }
            self.members.insert(caller, &m);
            Ok(())
        }

        /// Sets the caller's trust in `to` to `weight` (1..=800), creating the
        /// edge or changing its weight.
        ///
        /// # Errors
        /// [`Error::NotMember`] for the caller or `to`, [`Error::SelfTrust`],
        /// [`Error::WeightOutOfRange`], [`Error::OutDegreeCap`],
        /// [`Error::InDegreeCap`], [`Error::UnanchoredInDegreeCap`],
        /// [`Error::Blocked`], [`Error::Overflow`].
        #[ink(message)]
        pub fn set_trust(&mut self, to: AccountId, weight: u32) -> Result<()> {
            let from = self.env().caller();
            if !(MIN_WEIGHT..=MAX_WEIGHT).contains(&weight) {
                return Err(Error::WeightOutOfRange { weight });
            }
            if from == to {
                return Err(Error::SelfTrust);
            }
            if self.blocked.contains((to, from)) {
                return Err(Error::Blocked { target: to });
            }
            let mut f = self.member(from)?;
            // A truster whose verification was voided is brought in line
            // first, so that its new edge counts only if it should.
            if f.verified && self.voided(&f) {
                self.reanchor_record(from, f)?;
                f = self.member(from)?;
            }
            let mut t = self.member(to)?;
            // Cannot truncate: weight ≤ 800.
            let w = u16::try_from(weight).map_err(|_| Error::WeightOutOfRange { weight })?;
            let previous = self.weights.get((from, to));
            let reverse = self.weights.get((to, from));
            match previous.map(|e| e.weight) {
                Some(_) => {
                    let mut ins = self.in_edges.get(to).unwrap_or_default();
                    if let Some(e) = ins.iter_mut().find(|(x, _)| *x == from) {
                        e.1 = w;
                    }
                    self.in_edges.insert(to, &ins);
                }
                None => {
                    if f.out_degree >= self.params.max_out_degree {
                        return Err(Error::OutDegreeCap { cap: self.params.max_out_degree });
                    }
                    if t.in_degree >= self.params.max_in_degree {
                        return Err(Error::InDegreeCap { cap: self.params.max_in_degree });
                    }
                    // In-edges that do not count: stored minus counting.
                    if !f.anchored && t.in_degree.saturating_sub(t.trusters) >= UNANCHORED_IN_CAP {
                        return Err(Error::UnanchoredInDegreeCap { cap: UNANCHORED_IN_CAP });
                    }
                    f.out_degree = inc(f.out_degree)?;
                    t.in_degree = inc(t.in_degree)?;
                    let mut outs = self.out_edges.get(from).unwrap_or_default();
                    outs.push(to);
                    self.out_edges.insert(from, &outs);
                    let mut ins = self.in_edges.get(to).unwrap_or_default();
                    ins.push((from, w));
                    self.in_edges.insert(to, &ins);
                }
            }
            // The pair's share of every counter, before and after. The edge
            // counts as its truster's flag says (synced now, even while the
            // truster's other edges are still pending).
            let edge = Edge { weight: w, counts: f.anchored };
            if previous.is_some_and(|e| e.counts) {
                f.counting_out = dec(f.counting_out)?;
            }
            if edge.counts {
                f.counting_out = inc(f.counting_out)?;
            }
            let before = shares(previous, reverse);
            let after = shares(Some(edge), reverse);
            shift(&mut f, before.0, after.0)?;
            shift(&mut t, before.1, after.1)?;
            self.members.insert(from, &f);
            self.members.insert(to, &t);
            self.weights.insert((from, to), &edge);
            self.env().emit_event(TrustSet { from, to, weight: w, previous: previous.map(|e| e.weight) });
            Ok(())
        }

        /// Removes the caller's trust edge to `to`.
        ///
        /// # Errors
        /// [`Error::NoSuchEdge`].
        #[ink(message)]
        pub fn revoke_trust(&mut self, to: AccountId) -> Result<()> {
            let from = self.env().caller();
            let old = self.weights.get((from, to)).ok_or(Error::NoSuchEdge)?;
            self.remove_edge(from, to, old)?;
            self.env().emit_event(TrustRevoked { from, to, previous: old.weight });
            Ok(())
        }

        /// The caller refuses `truster`'s trust: the edge `truster → caller`
        /// is removed if there is one, and `truster` may not trust the caller
        /// again until the caller calls [`Self::unblock`]. So nobody can fill
        /// a member's in-degree, or lend it their name, against its will.
        ///
        /// # Errors
        /// [`Error::NotMember`] (the caller), [`Error::SelfTrust`].
        #[ink(message)]
        pub fn reject_trust(&mut self, truster: AccountId) -> Result<()> {
            let target = self.env().caller();
            self.member(target)?;
            if truster == target {
                return Err(Error::SelfTrust);
            }
            let previous = self.weights.get((truster, target));
            if let Some(old) = previous {
                self.remove_edge(truster, target, old)?;
            }
            let previous = previous.map(|e| e.weight);
            self.blocked.insert((target, truster), &());
            self.env().emit_event(TrustRejected { target, truster, previous });
            Ok(())
        }

        /// The caller lifts its block on `truster` (who may then trust it again).
        ///
        /// # Errors
        /// [`Error::NotBlocked`].
        #[ink(message)]
        pub fn unblock(&mut self, truster: AccountId) -> Result<()> {
            let target = self.env().caller();
            if !self.blocked.contains((target, truster)) {
                return Err(Error::NotBlocked);
            }
            self.blocked.remove((target, truster));
            self.env().emit_event(TrustUnblocked { target, truster });
            Ok(())
        }

        /// Removes the edge `from → to` (now `old`) and every counter it feeds.
        fn remove_edge(&mut self, from: AccountId, to: AccountId, old: Edge) -> Result<()> {
            // Both are members: an edge exists only between members.
            let mut f = self.member(from)?;
            let mut t = self.member(to)?;
            let reverse = self.weights.get((to, from));
            f.out_degree = dec(f.out_degree)?;
            t.in_degree = dec(t.in_degree)?;
            if old.counts {
                f.counting_out = dec(f.counting_out)?;
            }
            let before = shares(Some(old), reverse);
            let after = shares(None, reverse);
            shift(&mut f, before.0, after.0)?;
            shift(&mut t, before.1, after.1)?;
            self.weights.remove((from, to));
            remove_from(&mut self.out_edges, from, |x| *x == to);
            remove_from(&mut self.in_edges, to, |(x, _)| *x == from);
            self.members.insert(from, &f);
            self.members.insert(to, &t);
            Ok(())
        }

        /// Whether a member with record `m` is anchored now, by the rule
        /// (not its stored flag).
        fn anchored_now(&self, m: &MemberInfo) -> bool {
            !m.released && self.anchored_if(m, self.verified_now(m))
        }

        /// The anchoring rule for `m`, taking `verified` as given.
        fn anchored_if(&self, m: &MemberInfo, verified: bool) -> bool {
            let age = u64::from(self.params.min_anchor_age_days).saturating_mul(DAY_MS);
            trust::anchored(verified, m.own_capital, self.params.min_anchor_stake, m.registered_at, age, self.env().block_timestamp())
        }

        /// Whether `x`'s edges may count more than the rule allows now: its
        /// flag is set but the rule (read from its record alone, without the
        /// revocation lookup) no longer anchors it — a threshold raised, say
        /// — or it lost its anchoring and edges are still to sync. Scores
        /// such a member feeds are provisional. (Edges that count less than
        /// they could, as after a new anchoring, only understate scores.)
        fn over_counts(&self, x: &MemberInfo) -> bool {
            if x.anchored {
                !self.anchored_if(x, x.verified)
            } else {
                x.counting_out > 0
            }
        }

        /// As [`Self::over_counts`], and also when `x` is anchored only by
        /// a verification its verifier's revocation voided (`cache` holds
        /// the revocation times read so far: one read per verifier).
        fn over_counts_cached(&self, x: &MemberInfo, cache: &mut Vec<(AccountId, Option<Timestamp>)>) -> bool {
            if self.over_counts(x) {
                return true;
            }
            let (true, true, Some(v)) = (x.anchored, x.verified, x.verified_by) else { return false };
            let at = match cache.iter().find(|(w, _)| *w == v) {
                Some((_, at)) => *at,
                None => {
                    let at = self.revoked_at.get(v);
                    cache.push((v, at));
                    at
                }
            };
            at.is_some_and(|at| x.verified_at <= at) && !self.anchored_if(x, false)
        }

        /// Whether `m`'s verification stands: it was verified and its
        /// verifier has not been revoked since (SPEC §6, v2).
        fn verified_now(&self, m: &MemberInfo) -> bool {
            m.verified && !self.voided(m)
        }

        /// Whether `m`'s verification was voided by revoking its verifier.
        fn voided(&self, m: &MemberInfo) -> bool {
            match m.verified_by.and_then(|v| self.revoked_at.get(v)) {
                Some(at) => m.verified_at <= at,
                None => false,
            }
        }

        /// Brings `member` in line with the rules now: a verification whose
        /// verifier was revoked is dropped, the anchored flag is set to what
        /// the rule says and, when it changed, the member's out-edges start
        /// or stop counting — at most [`ANCHOR_PAGE`] of them per call, the
        /// rest on later calls. Returns the flag. O(page).
        fn reanchor(&mut self, member: AccountId) -> Result<bool> {
            let m = self.member(member)?;
            self.reanchor_record(member, m)
        }

        /// [`Self::reanchor`] with the member's record already read (and
        /// possibly changed: it is stored here).
        fn reanchor_record(&mut self, member: AccountId, mut m: MemberInfo) -> Result<bool> {
            let changed = self.flip(member, &mut m)?;
            let now_anchored = m.anchored;
            if m.anchor_pending > 0 {
                self.sync_page(member, &mut m)?;
                // A change synced in one page needs no second event.
                if !changed || m.anchor_pending > 0 {
                    self.env().emit_event(AnchorSynced { member, anchored: m.anchored, pending: m.anchor_pending });
                }
            }
            self.members.insert(member, &m);
            Ok(now_anchored)
        }

        /// Sets `m`'s anchored flag to the rule now; when it changes, lists
        /// every out-edge as pending (none synced yet). Returns whether it
        /// changed. The caller stores `m`.
        fn flip(&mut self, member: AccountId, m: &mut MemberInfo) -> Result<bool> {
            if m.verified && self.voided(m) {
                // Already out of `verified_count` and `live_by` (revocation).
                m.verified = false;
                m.verified_at = 0;
                m.verified_by = None;
            }
            let now_anchored = self.anchored_now(m);
            if now_anchored == m.anchored {
                return Ok(false);
            }
            m.anchored = now_anchored;
            let outs = self.out_edges.get(member).unwrap_or_default();
            m.anchor_pending = u32::try_from(outs.len()).map_err(|_| Error::Overflow)?;
            if outs.is_empty() {
                self.pending.remove(member);
            } else {
                self.pending.insert(member, &outs);
            }
            self.env().emit_event(AnchorChanged { member, anchored: now_anchored });
            Ok(true)
        }

        /// Syncs up to [`ANCHOR_PAGE`] of `member`'s pending out-edges with
        /// its anchored flag (`m` is its record, stored by the caller).
        fn sync_page(&mut self, member: AccountId, m: &mut MemberInfo) -> Result<()> {
            let mut list = self.pending.get(member).unwrap_or_default();
            for _ in 0..ANCHOR_PAGE {
                let Some(x) = list.pop() else { break };
                // Revoked since, or already synced (re-set after the change).
                let Some(mut e) = self.weights.get((member, x)) else { continue };
                if e.counts == m.anchored {
                    continue;
                }
                let reverse = self.weights.get((x, member));
                let mut xm = self.member(x)?;
                let before = shares(Some(e), reverse);
                e.counts = m.anchored;
                let after = shares(Some(e), reverse);
                m.counting_out = if e.counts { inc(m.counting_out)? } else { dec(m.counting_out)? };
                shift(m, before.0, after.0)?;
                shift(&mut xm, before.1, after.1)?;
                self.weights.insert((member, x), &e);
                self.members.insert(x, &xm);
            }
            m.anchor_pending = u32::try_from(list.len()).map_err(|_| Error::Overflow)?;
            if list.is_empty() {
                self.pending.remove(member);
            } else {
                self.pending.insert(member, &list);
            }
            Ok(())
        }

        /// Anyone re-evaluates whether `member` is anchored (e.g. once its
        /// membership has reached MIN_ANCHOR_AGE, after governance changed
        /// the thresholds or revoked its verifier) and syncs the next page
        /// of its edges after a change (call again while
        /// `member_info(member).anchor_pending > 0`). Returns whether it is
        /// anchored.
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::Overflow`].
        #[ink(message)]
        pub fn refresh_anchor(&mut self, member: AccountId) -> Result<bool> {
            self.reanchor(member)
        }

        /// The wired pool reports `member`'s own capital after a change the
        /// member made (stake, unstake, a draw, a repayment, a line, a term
        /// loan); it may anchor the member or end its anchoring. Capital of
        /// an account that is not a member is kept for when it registers.
        ///
        /// Drain before drop: a change that would end the anchoring of a
        /// member whose edges still count is refused
        /// ([`Error::AnchorNotReleased`], the pool's message reverts) — the
        /// member first calls `release_anchor` until none counts, so the
        /// capital that anchored it cannot move on (and anchor someone
        /// else) while its trust still counts.
        ///
        /// # Errors
        /// [`Error::Unauthorized`] unless called by the wired credit pool;
        /// [`Error::NotWired`], [`Error::AnchorNotReleased`], [`Error::Overflow`].
        #[ink(message)]
        pub fn stake_changed(&mut self, member: AccountId, stake: Balance) -> Result<()> {
            self.capital_report(member, stake, true)
        }

        /// The wired pool reports `member`'s own capital lowered by a loss
        /// it did not choose (its stake written off for a borrower's
        /// default, a defaulted debt). Never refused for the member's
        /// edges, and it syncs none of them (a default may touch many
        /// grantors): the ones that stop counting are synced by later
        /// `refresh_anchor` calls, and until then every score they feed is
        /// provisional.
        ///
        /// # Errors
        /// [`Error::Unauthorized`] unless called by the wired credit pool;
        /// [`Error::NotWired`], [`Error::Overflow`].
        #[ink(message)]
        pub fn capital_lost(&mut self, member: AccountId, stake: Balance) -> Result<()> {
            self.capital_report(member, stake, false)
        }

        fn capital_report(&mut self, member: AccountId, stake: Balance, voluntary: bool) -> Result<()> {
            let caller = self.env().caller();
            let w = self.wiring.ok_or(Error::NotWired)?;
            if caller != w.credit_pool {
                return Err(Error::Unauthorized { caller });
            }
            match self.members.get(member) {
                Some(mut m) => {
                    let lower = stake < m.own_capital;
                    m.own_capital = stake;
                    if voluntary && lower && m.counting_out > 0 && !self.anchored_now(&m) {
                        return Err(Error::AnchorNotReleased { counting: m.counting_out });
                    }
                    self.env().emit_event(StakeReported { member, stake });
                    if voluntary {
                        self.reanchor_record(member, m)?;
                    } else {
                        self.flip(member, &mut m)?;
                        self.members.insert(member, &m);
                    }
                }
                None => {
                    self.env().emit_event(StakeReported { member, stake });
                    if stake == 0 {
                        self.stakes.remove(member);
                    } else {
                        self.stakes.insert(member, &stake);
                    }
                }
            }
            Ok(())
        }

        /// The caller releases its anchoring: its edges stop counting (a
        /// page of [`ANCHOR_PAGE`] now, the rest on `refresh_anchor`, or on
        /// calling this again) whatever anchors it, until `resume_anchor`.
        /// Needed before moving the capital that anchors it (drain before
        /// drop). Returns the edges still counting.
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::Overflow`].
        #[ink(message)]
        pub fn release_anchor(&mut self) -> Result<u32> {
            let member = self.env().caller();
            let mut m = self.member(member)?;
            m.released = true;
            self.reanchor_record(member, m)?;
            Ok(self.member(member)?.counting_out)
        }

        /// The caller lifts its release: it is anchored again if the rule
        /// says so (its edges start counting, a page at a time).
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::Overflow`].
        #[ink(message)]
        pub fn resume_anchor(&mut self) -> Result<bool> {
            let member = self.env().caller();
            let mut m = self.member(member)?;
            m.released = false;
            self.reanchor_record(member, m)
        }

        /// The caller, an anchored member, vouches for `member` (once per pair).
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::SelfTrust`], [`Error::NotAnchored`],
        /// [`Error::AlreadyVouched`].
        #[ink(message)]
        pub fn vouch(&mut self, member: AccountId) -> Result<()> {
            let voucher = self.env().caller();
            let v = self.member(voucher)?;
            let mut m = self.member(member)?;
            if voucher == member {
                return Err(Error::SelfTrust);
            }
            // A vouch costs what trust costs: free accounts cannot vouch (by
            // the rule now: a voided verification or a stale flag does not do).
            if !v.anchored || !self.anchored_now(&v) {
                return Err(Error::NotAnchored);
            }
            if self.vouched.contains((voucher, member)) {
                return Err(Error::AlreadyVouched);
            }
            m.vouches = inc(m.vouches)?;
            self.vouched.insert((voucher, member), &());
            self.members.insert(member, &m);
            self.env().emit_event(Vouched { voucher, member });
            Ok(())
        }

        /// An appointed verifier attests `member`'s identity.
        ///
        /// # Errors
        /// [`Error::NotVerifier`], [`Error::NotMember`], [`Error::AlreadyVerified`].
        #[ink(message)]
        pub fn verify(&mut self, member: AccountId) -> Result<()> {
            let verifier = self.env().caller();
            // Not appointed, or revoked in this very block (a verification
            // stamped at its revocation time would be void on arrival).
            let now = self.env().block_timestamp();
            if !self.verifiers.contains(verifier) || self.revoked_at.get(verifier).is_some_and(|at| at >= now) {
                return Err(Error::NotVerifier);
            }
            let mut m = self.member(member)?;
            if self.verified_now(&m) {
                return Err(Error::AlreadyVerified);
            }
            // A verification voided by its verifier's revocation was already
            // taken out of the counts: this one replaces it.
            m.verified = true;
            m.verified_at = self.env().block_timestamp();
            m.verified_by = Some(verifier);
            self.verified_count = self.verified_count.checked_add(1).ok_or(Error::Overflow)?;
            let live = self.live_by.get(verifier).unwrap_or(0).checked_add(1).ok_or(Error::Overflow)?;
            self.live_by.insert(verifier, &live);
            let n = self.verified_len.get(verifier).unwrap_or(0);
            self.verified_list.insert((verifier, n), &member);
            self.verified_len.insert(verifier, &n.checked_add(1).ok_or(Error::Overflow)?);
            self.members.insert(member, &m);
            self.env().emit_event(MemberVerified { verifier, member });
            // A verified member is anchored: its edges count from now on.
            self.reanchor(member)?;
            Ok(())
        }

        // ---------------------------------------------------------------
        // Reputation hooks (credit_pool / loan_manager)
        // ---------------------------------------------------------------

        /// Records a repayment that the reporter judged to qualify (SPEC §2,
        /// v2: it paid at least the interest due, or a whole day's worth of
        /// principal): activity now, and one more transaction in the history
        /// unless one was already counted today. It clears no warning:
        /// only a warning's own source does (`clear_warning`).
        ///
        /// # Errors
        /// [`Error::Unauthorized`] unless called by the wired credit pool or
        /// loan manager; [`Error::NotMember`].
        #[ink(message)]
        pub fn record_repayment(&mut self, member: AccountId) -> Result<()> {
            self.ensure_reporter()?;
            let mut m = self.member(member)?;
            let now = self.env().block_timestamp();
            let day = now / DAY_MS;
            // Day 0 is a real day too: the first repayment always counts.
            let counted = m.tx_count == 0 || day > m.last_counted_day;
            if counted {
                m.tx_count = m.tx_count.checked_add(1).ok_or(Error::Overflow)?;
                m.last_counted_day = day;
            }
            m.last_activity = now;
            self.members.insert(member, &m);
            self.env().emit_event(RepaymentRecorded { member, tx_count: m.tx_count, counted });
            Ok(())
        }

        /// Records a warning (overdue debt) raised by the calling source,
        /// visible to everyone.
        ///
        /// # Errors
        /// As [`Self::record_repayment`].
        #[ink(message)]
        pub fn record_warning(&mut self, member: AccountId) -> Result<()> {
            let from_pool = self.ensure_reporter()?;
            let mut m = self.member(member)?;
            if from_pool {
                m.pool_warnings = inc(m.pool_warnings)?;
            } else {
                m.loan_warnings = inc(m.loan_warnings)?;
            }
            m.open_warnings = inc(m.open_warnings)?;
            self.members.insert(member, &m);
            self.env().emit_event(WarningRecorded { member, open_warnings: m.open_warnings });
            Ok(())
        }

        /// The source that raised a warning clears one of its own, when that
        /// debt is current again; a source with no open warning of its own
        /// for `member` changes nothing (and emits nothing).
        ///
        /// # Errors
        /// As [`Self::record_repayment`].
        #[ink(message)]
        pub fn clear_warning(&mut self, member: AccountId) -> Result<()> {
            let from_pool = self.ensure_reporter()?;
            let mut m = self.member(member)?;
            let own = if from_pool { &mut m.pool_warnings } else { &mut m.loan_warnings };
            if *own == 0 {
                return Ok(());
            }
            *own = dec(*own)?;
            m.open_warnings = dec(m.open_warnings)?;
            self.members.insert(member, &m);
            self.env().emit_event(WarningCleared { member, source: self.env().caller(), open_warnings: m.open_warnings });
            Ok(())
        }

        /// Records a default: CF is halved for `default_penalty_days`.
        ///
        /// # Errors
        /// As [`Self::record_repayment`].
        #[ink(message)]
        pub fn record_default(&mut self, member: AccountId) -> Result<()> {
            let _source = self.ensure_reporter()?;
            let mut m = self.member(member)?;
            let penalty = u64::from(self.params.default_penalty_days).checked_mul(DAY_MS).ok_or(Error::Overflow)?;
            let until = self.env().block_timestamp().checked_add(penalty).ok_or(Error::Overflow)?;
            m.defaults = inc(m.defaults)?;
            m.default_until = m.default_until.max(until);
            self.members.insert(member, &m);
            self.env().emit_event(DefaultRecorded { member, penalty_until: m.default_until });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Administration
        // ---------------------------------------------------------------

        /// Wires the contract to governance, the credit pool and the loan
        /// manager. Only the deployer, only once.
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
        pub fn set_params(&mut self, params: Params) -> Result<()> {
            self.ensure_governance()?;
            validate(&params)?;
            let old = self.params;
            self.params = params;
            self.env().emit_event(ParamsChanged { old, new: params });
            Ok(())
        }

        /// Appoints (`true`) or removes (`false`) a verifier (governance only).
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`].
        #[ink(message)]
        pub fn set_verifier(&mut self, verifier: AccountId, appointed: bool) -> Result<()> {
            self.ensure_governance()?;
            if appointed {
                self.verifiers.insert(verifier, &());
            } else {
                self.verifiers.remove(verifier);
            }
            self.env().emit_event(VerifierSet { verifier, appointed });
            Ok(())
        }

        /// Removes `verifier` and voids every verification it made so far
        /// (governance only; SPEC §6, v2): at once for governance's
        /// electorate (`verified_count`, `verified_at`) and the CF verified
        /// component, and for anchoring as soon as anyone calls
        /// `refresh_anchor` for the member (`dcu trust anchor`), which also
        /// makes the member's edges stop counting if nothing else anchors it.
        /// Its members are listed by the `MemberVerified` events.
        ///
        /// # Errors
        /// [`Error::Unauthorized`], [`Error::NotWired`],
        /// [`Error::NothingToRevoke`] (neither a verifier nor one who verified).
        #[ink(message)]
        pub fn revoke_verifier(&mut self, verifier: AccountId) -> Result<()> {
            self.ensure_governance()?;
            let live = self.live_by.get(verifier).unwrap_or(0);
            let appointed = self.verifiers.contains(verifier);
            if live == 0 && !appointed {
                return Err(Error::NothingToRevoke);
            }
            self.verified_count = self.verified_count.checked_sub(live).ok_or(Error::Overflow)?;
            self.live_by.remove(verifier);
            self.verifiers.remove(verifier);
            let at = self.env().block_timestamp();
            self.revoked_at.insert(verifier, &at);
            if appointed {
                self.env().emit_event(VerifierSet { verifier, appointed: false });
            }
            self.env().emit_event(VerifierRevoked { verifier, verifications: live, at });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Queries
        // ---------------------------------------------------------------

        /// A member's stored record, `None` for non-members.
        #[ink(message)]
        pub fn member_info(&self, member: AccountId) -> Option<MemberInfo> {
            self.members.get(member)
        }

        /// Whether `account` is a member.
        #[ink(message)]
        pub fn is_member(&self, account: AccountId) -> bool {
            self.members.contains(account)
        }

        /// Number of members.
        #[ink(message)]
        pub fn member_count(&self) -> u32 {
            member_count_u32(self.member_count)
        }

        /// Weight of the edge `from → to`, `None` if there is none.
        #[ink(message)]
        pub fn trust_of(&self, from: AccountId, to: AccountId) -> Option<u16> {
            self.weights.get((from, to)).map(|e| e.weight)
        }

        /// Edges `member` gives: (to, weight).
        #[ink(message)]
        pub fn edges_out(&self, member: AccountId) -> Vec<(AccountId, u16)> {
            let outs = self.out_edges.get(member).unwrap_or_default();
            outs.into_iter().map(|to| (to, self.weights.get((member, to)).unwrap_or_default().weight)).collect()
        }

        /// Edges `member` receives: (from, weight).
        #[ink(message)]
        pub fn edges_in(&self, member: AccountId) -> Vec<(AccountId, u16)> {
            self.in_edges.get(member).unwrap_or_default()
        }

        /// Distinct accounts with an edge to or from `member`.
        #[ink(message)]
        pub fn neighbours_of(&self, member: AccountId) -> Vec<AccountId> {
            let mut all = self.out_edges.get(member).unwrap_or_default();
            for (x, _) in self.in_edges.get(member).unwrap_or_default() {
                if !all.contains(&x) {
                    all.push(x);
                }
            }
            all
        }

        /// Open warnings of `member` (0 for non-members).
        #[ink(message)]
        pub fn warnings_of(&self, member: AccountId) -> u32 {
            self.members.get(member).map(|m| m.open_warnings).unwrap_or(0)
        }

        /// DT(member).
        ///
        /// # Errors
        /// [`Error::NotMember`].
        #[ink(message)]
        pub fn direct_trust(&self, member: AccountId) -> Result<u128> {
            Ok(u128::from(self.member(member)?.direct_trust))
        }

        /// NT(member), 10^9 fixed point.
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::Overflow`].
        #[ink(message)]
        pub fn network_trust(&self, member: AccountId) -> Result<u128> {
            Ok(self.score(member)?.network_trust)
        }

        /// TS(member), 10^9 fixed point.
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::Overflow`].
        #[ink(message)]
        pub fn trust_score(&self, member: AccountId) -> Result<u128> {
            Ok(self.score(member)?.trust_score)
        }

        /// CF(member), 10^9 fixed point.
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::Overflow`].
        #[ink(message)]
        pub fn confidence(&self, member: AccountId) -> Result<u128> {
            Ok(self.score(member)?.confidence)
        }

        /// C(member), in smallest units of the stablecoin.
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::Overflow`].
        #[ink(message)]
        pub fn capacity(&self, member: AccountId) -> Result<Balance> {
            Ok(self.score(member)?.capacity)
        }

        /// Every score of `member` at the current block.
        ///
        /// # Errors
        /// [`Error::NotMember`], [`Error::Overflow`].
        #[ink(message)]
        pub fn score(&self, member: AccountId) -> Result<ScoreInfo> {
            let m = self.member(member)?;
            let p = self.params;
            let params = ScoreParams {
                max_trust: u128::from(p.max_trust),
                base_capacity: p.base_capacity,
                inactivity_ms: u64::from(p.inactivity_days).checked_mul(DAY_MS).ok_or(Error::Overflow)?,
            };
            let mut state = m.state();
            state.verified = self.verified_now(&m);
            let ins = self.in_edges.get(member).unwrap_or_default();
            // A member whose anchoring changed and whose edges are not all
            // synced yet makes the scores it feeds provisional.
            let mut cache = Vec::new();
            let mut stale_by = self.over_counts_cached(&m, &mut cache).then_some(member);
            let mut trusters = Vec::with_capacity(ins.len());
            for (x, w) in ins {
                let Some(i) = self.members.get(x) else { continue };
                if stale_by.is_none() && self.over_counts_cached(&i, &mut cache) {
                    stale_by = Some(x);
                }
                // Only anchored trusters' edges count (SPEC §2, v2).
                if i.anchored {
                    trusters.push((u32::from(w), u128::from(i.direct_trust)));
                }
            }
            let s = trust::score(&params, &state, trusters.into_iter(), self.env().block_timestamp()).ok_or(Error::Overflow)?;
            let c = s.confidence;
            Ok(ScoreInfo {
                direct_trust: s.dt,
                network_trust: s.nt,
                trust_score: s.ts,
                confidence: s.cf,
                capacity: s.capacity,
                neighbours: s.neighbours,
                components: [c.age, c.tx, c.diversity, c.verified, c.community],
                inactive: s.inactive,
                defaulted: s.defaulted,
                open_warnings: m.open_warnings,
                stale_by,
            })
        }

        /// The parameters.
        #[ink(message)]
        pub fn params(&self) -> Params {
            self.params
        }

        /// The wiring, `None` before `wire`.
        #[ink(message)]
        pub fn wiring(&self) -> Option<Wiring> {
            self.wiring
        }

        /// When `member` was verified (ms), `None` if it is not verified or
        /// not a member.
        #[ink(message)]
        pub fn verified_at(&self, member: AccountId) -> Option<Timestamp> {
            self.members.get(member).filter(|m| self.verified_now(m)).map(|m| m.verified_at)
        }

        /// Verified members now.
        #[ink(message)]
        pub fn verified_count(&self) -> u32 {
            self.verified_count
        }

        /// `member`'s own capital in the pool (stake net of what it owes
        /// the pool) as the pool last reported it (0 if none).
        #[ink(message)]
        pub fn reported_stake(&self, member: AccountId) -> Balance {
            match self.members.get(member) {
                Some(m) => m.own_capital,
                None => self.stakes.get(member).unwrap_or(0),
            }
        }

        /// Up to 100 of the members `verifier` verified, from index `start`
        /// in the order it verified them (whether or not the verification
        /// still stands): after a revocation, the members to refresh.
        #[ink(message)]
        pub fn verified_by(&self, verifier: AccountId, start: u32, count: u32) -> Vec<AccountId> {
            let end = self.verified_len.get(verifier).unwrap_or(0).min(start.saturating_add(count.min(100)));
            (start..end).filter_map(|i| self.verified_list.get((verifier, i))).collect()
        }

        /// Whether `target` has blocked `truster` from trusting it.
        #[ink(message)]
        pub fn is_blocked(&self, target: AccountId, truster: AccountId) -> bool {
            self.blocked.contains((target, truster))
        }

        /// The stored edge `from → to`: its weight and whether it counts.
        #[ink(message)]
        pub fn edge(&self, from: AccountId, to: AccountId) -> Option<Edge> {
            self.weights.get((from, to))
        }

        /// When `verifier` was revoked (ms), `None` if it never was.
        #[ink(message)]
        pub fn revoked_at(&self, verifier: AccountId) -> Option<Timestamp> {
            self.revoked_at.get(verifier)
        }

        /// Whether `member` is a verified member (false for non-members).
        #[ink(message)]
        pub fn is_verified(&self, member: AccountId) -> bool {
            self.members.get(member).map(|m| self.verified_now(&m)).unwrap_or(false)
        }

        /// The code version: 1, or 2 for the `v2` build that the upgrade
        /// tests install through a governance vote (same storage layout).
        #[ink(message)]
        pub fn version(&self) -> u32 {
            if cfg!(feature = "v2") {
                2
            } else {
                1
            }
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

        /// Whether `account` is an appointed verifier.
        #[ink(message)]
        pub fn is_verifier(&self, account: AccountId) -> bool {
            self.verifiers.contains(account)
        }

        // ---------------------------------------------------------------
        // Guards
        // ---------------------------------------------------------------

        fn member(&self, account: AccountId) -> Result<MemberInfo> {
            self.members.get(account).ok_or(Error::NotMember(account))
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

        /// The caller must be the wired pool (`true`) or loan manager (`false`).
        fn ensure_reporter(&self) -> Result<bool> {
            let caller = self.env().caller();
            let w = self.wiring.ok_or(Error::NotWired)?;
            if caller == w.credit_pool {
                Ok(true)
            } else if caller == w.loan_manager {
                Ok(false)
            } else {
                Err(Error::Unauthorized { caller })
            }
        }
    }

    /// Replaces a pair's share `old` of `m`'s counters by `new`.
    fn shift(m: &mut MemberInfo, old: trust::PairShare, new: trust::PairShare) -> Result<()> {
        let f = |v: u32, o: u32, n: u32| v.checked_sub(o).and_then(|x| x.checked_add(n)).ok_or(Error::Overflow);
        m.trusters = f(m.trusters, old.trusters, new.trusters)?;
        m.direct_trust = f(m.direct_trust, old.dt, new.dt)?;
        m.mutual_in = f(m.mutual_in, old.trusted_back, new.trusted_back)?;
        m.neighbours = f(m.neighbours, old.neighbour, new.neighbour)?;
        Ok(())
    }

    fn inc(x: u32) -> Result<u32> {
        x.checked_add(1).ok_or(Error::Overflow)
    }

    fn dec(x: u32) -> Result<u32> {
        x.checked_sub(1).ok_or(Error::Overflow)
    }

    fn remove_from<T, K>(map: &mut Mapping<AccountId, Vec<T>, K>, key: AccountId, matches: impl Fn(&T) -> bool)
    where
        T: ink::storage::traits::Packed + ink::scale::EncodeLike,
        K: ink::storage::traits::StorageKey,
    {
        let mut list = map.get(key).unwrap_or_default();
        if let Some(i) = list.iter().position(matches) {
            list.swap_remove(i);
        }
        if list.is_empty() {
            map.remove(key);
        } else {
            map.insert(key, &list);
        }
    }

    fn validate(p: &Params) -> Result<()> {
        let bad = |name: &str| Err(Error::InvalidParam { name: name.into() });
        if !(1..=10_000_000).contains(&p.max_trust) {
            return bad("max_trust");
        }
        // Amounts are in the stablecoin's smallest unit (up to MAX_DECIMALS
        // decimals): at most 10^9 whole tokens of the largest unit.
        let max_amount = dcu_common::unit_of(dcu_common::MAX_DECIMALS).map_or(u128::MAX, |u| u.saturating_mul(1_000_000_000));
        if p.base_capacity == 0 || p.base_capacity > max_amount {
            return bad("base_capacity");
        }
        if !(1..=DEGREE_HARD_CAP).contains(&p.max_out_degree) {
            return bad("max_out_degree");
        }
        if !(1..=IN_DEGREE_HARD_CAP).contains(&p.max_in_degree) {
            return bad("max_in_degree");
        }
        if p.default_penalty_days > 3650 {
            return bad("default_penalty_days");
        }
        if !(1..=3650).contains(&p.inactivity_days) {
            return bad("inactivity_days");
        }
        if p.min_anchor_stake == 0 || p.min_anchor_stake > max_amount {
            return bad("min_anchor_stake");
        }
        if p.min_anchor_age_days > 3650 {
            return bad("min_anchor_age_days");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
