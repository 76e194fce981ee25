//! The whole suite as one in-memory model — the credit pool (its model,
//! [`crate::pool::model::Pool`]), term loans and warrants — built on the same
//! pure functions the contracts apply to their storage: the pool's line,
//! draw, repayment and default accounting, the term-loan path capacity and
//! reservations ([`crate::pool::apply_loan_open`], [`crate::pool::release_reserved`]),
//! the loan rate, warrant sizes, daily accrual, interest split and default
//! settlement ([`crate::loan`], [`crate::pool::loan_cover`]) and the loan
//! state machine.
//!
//! SPEC v2 rules the model follows: MAX_CREDIT is one per-person cap — a
//! member's draws plus the term loans it borrowed (kept in the pool model's
//! `loan_debt`) never exceed it, on draws and disbursements alike, while a
//! loan passing through a member costs its cap nothing; a loan remembers
//! the `seq` of every line it reserved on and releases only those lines, so
//! a line deleted by a pool default and created again never loses the old
//! loan's reservation (review L1); a defaulted loan is settled warrants
//! first (their claims are paid into the pool and restore the creditor's
//! stake), then co-insurance of the rest if insured, then the creditor's
//! stake.
//!
//! Property tests drive it with random sequences of operations on all of
//! them together — among them a pool default of a line a running loan
//! reserves, followed by a new line on the same pair and a loan over it —
//! and check, after every step, conservation of the stablecoin, the pool's
//! books, the zero-sum identity of seed 003 §8 (what grantors have lent =
//! what borrowers owe on lines and on term loans), the escrow's balance =
//! its locked warrants, every line's reservation = the principal of the
//! loans that reserved on that very line, each member's debt ≤ MAX_CREDIT,
//! co-insurance within its caps, and at the end that every debt can be
//! repaid in full and nothing stays reserved.

use std::collections::BTreeMap;

use crate::loan::{
    accrued_interest, assessment_score, loan_rate_bps, settle_default, split_interest, warrant_sizes, Approval, ApprovalPolicy, LoanParams,
    LoanState, Purpose,
};
use crate::pool::model::{Acc, Pool};
use crate::pool::{apply_loan_open, loan_cover, path_insured, release_reserved, PoolError, PoolParams};
use crate::units::{Balance, Timestamp, DAY_MS};

/// A term loan in the model.
#[derive(Clone, Debug)]
pub struct Loan {
    pub path: Vec<Acc>,
    pub amount: Balance,
    pub rate_bps: u32,
    pub state: LoanState,
    pub creditor_ok: bool,
    pub requested_at: Timestamp,
    pub due_at: Timestamp,
    pub term_ms: Timestamp,
    pub principal: Balance,
    pub interest: Balance,
    pub accrued_to: Timestamp,
    /// (holder, amount, locked).
    pub warrants: Vec<(Acc, Balance, bool)>,
    /// Every line of its path was old enough (COVER_MIN_AGE) at disbursement.
    pub insured: bool,
    /// The `seq` of every line of its path at disbursement: its reservation
    /// is released only from those very lines (review L1).
    pub seqs: Vec<u64>,
}

impl Loan {
    fn running(&self) -> bool {
        matches!(self.state, LoanState::Active | LoanState::Overdue | LoanState::Defaulted)
    }
    fn open_escrow(&self) -> bool {
        matches!(self.state, LoanState::Requested | LoanState::Approved | LoanState::Active | LoanState::Overdue | LoanState::Defaulted)
    }
    fn creditor(&self) -> Acc {
        self.path[0]
    }
    fn borrower(&self) -> Acc {
        self.path[self.path.len() - 1]
    }
}

/// Why the model refused an operation.
pub type Refusal = &'static str;

/// The suite: pool, loans, escrow, and the members' trust scores and standing warrant policies.
#[derive(Clone, Debug)]
pub struct World {
    pub pool: Pool,
    pub loans: Vec<Loan>,
    pub escrow_tokens: Balance,
    pub params: LoanParams,
    /// TS (10^9) per member.
    pub ts: BTreeMap<Acc, u128>,
    /// Members whose warrants lock automatically.
    pub auto: BTreeMap<Acc, bool>,
    /// Creditors' standing approval policies (SPEC §5, v2): a request is
    /// approved at once only when its creditor's policy is fully met; a
    /// creditor without one approves by hand. The score alone never does.
    pub policies: BTreeMap<Acc, ApprovalPolicy>,
}

fn ok<T, E>(r: Result<T, E>, why: Refusal) -> Result<T, Refusal> {
    r.map_err(|_| why)
}

impl World {
    pub fn new(members: &[Acc], each: Balance, ts: &[u128]) -> Self {
        World {
            pool: Pool::new(PoolParams::default(), members, each),
            loans: Vec::new(),
            escrow_tokens: 0,
            params: LoanParams::default(),
            ts: members.iter().zip(ts.iter().cycle()).map(|(m, t)| (*m, *t)).collect(),
            auto: members.iter().map(|m| (*m, m % 2 == 0)).collect(),
            // Every third member approves loans up to 150 tokens over at most
            // 30 days at a score of 50 on its own; the others by hand.
            policies: members
                .iter()
                .filter(|m| *m % 3 == 0)
                .map(|m| (*m, ApprovalPolicy { min_score: 50, max_amount: 150 * crate::units::ONE_TOKEN, max_term_days: 30, min_rate_bps: 0 }))
                .collect(),
        }
    }

    fn wallet(&mut self, a: Acc) -> &mut Balance {
        self.pool.wallets.entry(a).or_default()
    }

    fn transfer_to_escrow(&mut self, from: Acc, amount: Balance) -> Result<(), Refusal> {
        let w = self.wallet(from);
        *w = w.checked_sub(amount).ok_or("InsufficientBalance")?;
        self.escrow_tokens = self.escrow_tokens.checked_add(amount).ok_or("Overflow")?;
        Ok(())
    }

    fn escrow_pay(&mut self, to: Acc, amount: Balance) -> Result<(), Refusal> {
        self.escrow_tokens = self.escrow_tokens.checked_sub(amount).ok_or("escrow short")?;
        let w = self.wallet(to);
        *w = w.checked_add(amount).ok_or("Overflow")?;
        Ok(())
    }

    /// A borrower asks for `amount` over `path` for `term_days`.
    pub fn request(&mut self, path: Vec<Acc>, amount: Balance, term_days: u32, now: Timestamp) -> Result<usize, Refusal> {
        if amount == 0 {
            return Err("ZeroAmount");
        }
        if term_days == 0 || term_days > 3_650 {
            return Err("BadTerm");
        }
        if path.len() < 2 || path.len() > self.params.max_hops as usize + 1 {
            return Err("BadPath");
        }
        for (i, a) in path.iter().enumerate() {
            if path[i + 1..].contains(a) {
                return Err("BadPath");
            }
        }
        let mut lines = Vec::new();
        for w in path.windows(2) {
            lines.push(*self.pool.lines.get(&(w[0], w[1])).ok_or("NoLine")?);
        }
        let creditor = self.pool.grantors.get(&path[0]).copied().unwrap_or_default();
        let borrower = path[path.len() - 1];
        let cap = crate::pool::path_capacity(&lines, &creditor, self.pool.owes(borrower), self.pool.params.max_credit);
        if amount > cap {
            return Err("InsufficientCapacity");
        }
        let ts = self.ts.get(&borrower).copied().unwrap_or(0);
        let rate_bps = loan_rate_bps(ts, (path.len() - 1) as u32, lines[0].rate_bps, &self.params).ok_or("Overflow")?;
        let holders: Vec<Acc> = path[1..path.len() - 1].to_vec();
        let (sizes, _) = warrant_sizes(amount, holders.len(), self.params.warrant_ratio_bps).ok_or("Overflow")?;
        let mut warrants = Vec::new();
        for (i, h) in holders.iter().enumerate() {
            let lock = self.auto.get(h).copied().unwrap_or(false) && self.transfer_to_escrow(*h, sizes[i]).is_ok();
            warrants.push((*h, sizes[i], lock));
        }
        let score = assessment_score(ts, ts, Purpose::ProductiveEnterprise, &self.params);
        let approval = Approval::of(self.policies.get(&path[0]), score, amount, term_days, rate_bps);
        let mut loan = Loan {
            path,
            amount,
            rate_bps,
            state: LoanState::Requested,
            creditor_ok: approval.approves(),
            requested_at: now,
            due_at: 0,
            term_ms: u64::from(term_days) * DAY_MS,
            principal: 0,
            interest: 0,
            accrued_to: 0,
            warrants,
            insured: false,
            seqs: Vec::new(),
        };
        if loan.creditor_ok && loan.warrants.iter().all(|w| w.2) {
            loan.state = ok(loan.state.transition(LoanState::Approved), "WrongState")?;
        }
        self.loans.push(loan);
        Ok(self.loans.len() - 1)
    }

    fn get(&self, id: usize) -> Result<&Loan, Refusal> {
        self.loans.get(id).ok_or("NoSuchLoan")
    }

    /// The creditor approves.
    pub fn approve(&mut self, id: usize, now: Timestamp) -> Result<(), Refusal> {
        let expiry = self.params.request_expiry_ms;
        let l = self.loans.get_mut(id).ok_or("NoSuchLoan")?;
        if l.state != LoanState::Requested {
            return Err("WrongState");
        }
        if now >= l.requested_at + expiry {
            return Err("RequestExpired");
        }
        l.creditor_ok = true;
        if l.warrants.iter().all(|w| w.2) {
            l.state = ok(l.state.transition(LoanState::Approved), "WrongState")?;
        }
        Ok(())
    }

    /// Every holder locks its warrant by hand (as far as its wallet goes).
    pub fn accept(&mut self, id: usize) -> Result<(), Refusal> {
        let l = self.get(id)?.clone();
        if !matches!(l.state, LoanState::Requested | LoanState::Approved) {
            return Err("WrongState");
        }
        let mut any = false;
        for (i, w) in l.warrants.iter().enumerate() {
            if !w.2 && self.transfer_to_escrow(w.0, w.1).is_ok() {
                self.loans[id].warrants[i].2 = true;
                any = true;
            }
        }
        if any {
            Ok(())
        } else {
            Err("NothingToAccept")
        }
    }

    /// The borrower takes the money.
    pub fn disburse(&mut self, id: usize, now: Timestamp) -> Result<(), Refusal> {
        let l = self.get(id)?.clone();
        if !matches!(l.state, LoanState::Requested | LoanState::Approved) {
            return Err("WrongState");
        }
        if now >= l.requested_at + self.params.request_expiry_ms {
            return Err("RequestExpired");
        }
        if !l.creditor_ok {
            return Err("NeedsCreditorApproval");
        }
        if !l.warrants.iter().all(|w| w.2) {
            return Err("WarrantsPending");
        }
        let mut lines = Vec::new();
        for w in l.path.windows(2) {
            lines.push(*self.pool.lines.get(&(w[0], w[1])).ok_or("NoSuchLine")?);
        }
        let mut creditor = self.pool.grantors.get(&l.creditor()).copied().unwrap_or_default();
        let b = l.borrower();
        let insured = path_insured(&lines, now, &self.pool.params);
        let seqs: Vec<u64> = lines.iter().map(|x| x.seq).collect();
        // MAX_CREDIT: what the borrower owes (draws and term loans), not what
        // is reserved on its lines for loans passing through it.
        apply_loan_open(&mut lines, &mut creditor, l.amount, self.pool.owes(b), self.pool.params.max_credit).map_err(|e| match e {
            PoolError::AboveMaxCredit { .. } => "AboveMaxCredit",
            _ => "InsufficientCredit",
        })?;
        self.pool.tokens = self.pool.tokens.checked_sub(l.amount).ok_or("pool short")?;
        *self.wallet(b) += l.amount;
        *self.pool.loan_debt.entry(b).or_default() += l.amount;
        for (w, line) in l.path.windows(2).zip(lines) {
            self.pool.lines.insert((w[0], w[1]), line);
        }
        self.pool.grantors.insert(l.creditor(), creditor);
        let m = &mut self.loans[id];
        if m.state == LoanState::Requested {
            m.state = ok(m.state.transition(LoanState::Approved), "WrongState")?;
        }
        m.state = ok(m.state.transition(LoanState::Active), "WrongState")?;
        m.principal = m.amount;
        m.accrued_to = now;
        m.due_at = now + m.term_ms;
        m.insured = insured;
        m.seqs = seqs;
        Ok(())
    }

    fn accrue(l: &mut Loan, now: Timestamp) -> Result<(), Refusal> {
        if l.principal == 0 || now <= l.accrued_to {
            return Ok(());
        }
        let days = (now - l.accrued_to) / DAY_MS;
        let to = l.accrued_to + days * DAY_MS;
        l.interest += accrued_interest(l.principal, l.rate_bps, l.accrued_to, to).ok_or("Overflow")?;
        l.accrued_to = to;
        Ok(())
    }

    /// What loan `id` owes now.
    pub fn owed(&self, id: usize, now: Timestamp) -> Result<Balance, Refusal> {
        let mut l = self.get(id)?.clone();
        Self::accrue(&mut l, now)?;
        Ok(l.principal + l.interest)
    }

    /// Releases `principal` of loan `id` on the lines of its path it
    /// reserved on (same `seq`), unlends it from the creditor and takes it
    /// off the borrower's debt.
    fn give_back(&mut self, id: usize, principal: Balance) -> Result<(), Refusal> {
        let l = self.loans[id].clone();
        for (w, seq) in l.path.windows(2).zip(&l.seqs) {
            if let Some(line) = self.pool.lines.get_mut(&(w[0], w[1])) {
                release_reserved(line, *seq, principal);
            }
        }
        let g = self.pool.grantors.get_mut(&l.creditor()).ok_or("no creditor")?;
        g.lent = g.lent.checked_sub(principal).ok_or("lent underflow")?;
        let debt = self.pool.loan_debt.entry(l.borrower()).or_default();
        *debt = debt.checked_sub(principal).ok_or("loan debt underflow")?;
        if *debt == 0 {
            self.pool.loan_debt.remove(&l.borrower());
        }
        Ok(())
    }

    fn release_warrants(&mut self, id: usize) -> Result<(), Refusal> {
        let ws = self.loans[id].warrants.clone();
        for (i, w) in ws.iter().enumerate() {
            if w.2 {
                self.escrow_pay(w.0, w.1)?;
                self.loans[id].warrants[i].2 = false;
            }
        }
        Ok(())
    }

    /// `payer` pays up to `amount` on loan `id`; returns what was taken.
    pub fn repay(&mut self, id: usize, payer: Acc, amount: Balance, now: Timestamp) -> Result<Balance, Refusal> {
        if amount == 0 {
            return Err("ZeroAmount");
        }
        let mut l = self.get(id)?.clone();
        if !l.running() {
            return Err("WrongState");
        }
        Self::accrue(&mut l, now)?;
        let owed = l.principal + l.interest;
        if owed == 0 {
            return Err("NothingOwed");
        }
        let used = amount.min(owed);
        if self.pool.wallets.get(&payer).copied().unwrap_or(0) < used {
            return Err("InsufficientBalance");
        }
        let interest = used.min(l.interest);
        let principal = used - interest;
        let sizes: Vec<Balance> = l.warrants.iter().map(|w| w.1).collect();
        let s = split_interest(interest, self.pool.params.fee_bps, self.pool.params.insurance_bps, &sizes, &self.params).ok_or("Overflow")?;
        *self.wallet(payer) -= used;
        self.pool.tokens += principal + s.fee + s.insurance;
        self.pool.treasury += s.fee;
        self.pool.insurance += s.insurance;
        let n = l.path.len();
        *self.wallet(l.path[n - 2]) += s.direct;
        *self.wallet(l.creditor()) += s.end;
        for (i, w) in l.warrants.iter().enumerate() {
            *self.wallet(w.0) += s.holders[i];
        }
        l.interest -= interest;
        l.principal -= principal;
        let done = l.principal == 0 && l.interest == 0;
        self.loans[id] = l;
        self.give_back(id, principal)?;
        if done {
            self.release_warrants(id)?;
            let m = &mut self.loans[id];
            m.state = ok(m.state.transition(LoanState::Repaid), "WrongState")?;
            m.state = ok(m.state.transition(LoanState::Closed), "WrongState")?;
        }
        Ok(used)
    }

    /// Anyone: Active past due → Overdue.
    pub fn mark_overdue(&mut self, id: usize, now: Timestamp) -> Result<(), Refusal> {
        let l = self.loans.get_mut(id).ok_or("NoSuchLoan")?;
        if l.state != LoanState::Active {
            return Err("WrongState");
        }
        if now < l.due_at {
            return Err("TooEarly");
        }
        l.state = ok(l.state.transition(LoanState::Overdue), "WrongState")?;
        Ok(())
    }

    /// Anyone: Overdue past due + the default delay → Defaulted.
    pub fn declare_default(&mut self, id: usize, now: Timestamp) -> Result<(), Refusal> {
        let after = self.params.default_after_ms;
        let l = self.loans.get_mut(id).ok_or("NoSuchLoan")?;
        if l.state != LoanState::Overdue {
            return Err("WrongState");
        }
        if now < l.due_at + after {
            return Err("TooEarly");
        }
        l.state = ok(l.state.transition(LoanState::Defaulted), "WrongState")?;
        Ok(())
    }

    /// Anyone: settles a Defaulted loan (SPEC §4, v2): the locked warrants
    /// first ([`settle_default`]: their claims are paid into the pool and
    /// restore the creditor's stake, the rest returns to the holders), then
    /// co-insurance of what is left if the loan is insured, then the
    /// creditor's stake ([`loan_cover`]). Unpaid interest is forgiven.
    pub fn settle(&mut self, id: usize) -> Result<(), Refusal> {
        let l = self.get(id)?.clone();
        if l.state != LoanState::Defaulted {
            return Err("WrongState");
        }
        let p = l.principal;
        let locked: Vec<Balance> = l.warrants.iter().map(|w| if w.2 { w.1 } else { 0 }).collect();
        let s = settle_default(p, &locked).ok_or("Overflow")?;
        let (covered, written_off) = ok(loan_cover(p, s.from_warrants, l.insured, self.pool.insurance, &self.pool.params), "Overflow")?;
        for (i, w) in l.warrants.iter().enumerate() {
            if w.2 {
                self.escrow_tokens = self.escrow_tokens.checked_sub(s.claims[i]).ok_or("escrow short")?;
                self.pool.tokens += s.claims[i];
                self.escrow_pay(w.0, s.released[i])?;
            }
        }
        self.pool.insurance -= covered;
        self.give_back(id, p)?;
        let g = self.pool.grantors.get_mut(&l.creditor()).ok_or("no creditor")?;
        g.stake = g.stake.checked_sub(written_off).ok_or("stake underflow")?;
        let m = &mut self.loans[id];
        for w in m.warrants.iter_mut() {
            w.2 = false;
        }
        m.principal = 0;
        m.interest = 0;
        m.state = ok(m.state.transition(LoanState::Settled), "WrongState")?;
        Ok(())
    }

    /// The borrower withdraws (`expire` false) or anyone expires a request.
    pub fn end_request(&mut self, id: usize, expire: bool, now: Timestamp) -> Result<(), Refusal> {
        let l = self.get(id)?.clone();
        let to = if expire { LoanState::Expired } else { LoanState::Cancelled };
        ok(l.state.transition(to), "WrongState")?;
        if expire && now < l.requested_at + self.params.request_expiry_ms {
            return Err("TooEarly");
        }
        self.release_warrants(id)?;
        self.loans[id].state = to;
        Ok(())
    }

    /// Every invariant of the suite together; `Err` names the first broken.
    pub fn check(&self) -> Result<(), String> {
        let p = &self.pool;
        let wallets: Balance = p.wallets.values().sum();
        if wallets + p.tokens + self.escrow_tokens != p.supply {
            return Err(format!("money created or lost: wallets {wallets} + pool {} + escrow {} ≠ {}", p.tokens, self.escrow_tokens, p.supply));
        }
        let unlent = p.grantors.values().try_fold(0u128, |a, g| g.stake.checked_sub(g.lent).map(|x| a + x)).ok_or("a grantor lent more than its stake")?;
        if p.tokens != unlent + p.insurance + p.treasury {
            return Err(format!("pool tokens {} ≠ unlent {unlent} + insurance {} + treasury {}", p.tokens, p.insurance, p.treasury));
        }
        // Zero sum, per grantor: lent = its lines' principal + its running loans' principal.
        for (g, gr) in &p.grantors {
            let on_lines: Balance = p.lines.iter().filter(|((x, _), _)| x == g).map(|(_, l)| l.principal).sum();
            let on_loans: Balance = self.loans.iter().filter(|l| l.running() && l.creditor() == *g).map(|l| l.principal).sum();
            if gr.lent != on_lines + on_loans {
                return Err(format!("zero sum: grantor {g} lent {} ≠ lines {on_lines} + loans {on_loans}", gr.lent));
            }
        }
        // Reservations: every line holds exactly the principal of the running
        // loans that reserved on that very line (same pair, same seq).
        for ((a, b), line) in &p.lines {
            let routed: Balance = self
                .loans
                .iter()
                .filter(|l| l.running() && l.path.windows(2).zip(&l.seqs).any(|(w, s)| w[0] == *a && w[1] == *b && *s == line.seq))
                .map(|l| l.principal)
                .sum();
            if line.reserved != routed {
                return Err(format!("line {a}→{b} reserves {} ≠ routed principal {routed}", line.reserved));
            }
        }
        for ((a, b), line) in &p.lines {
            if line.principal + line.reserved > line.limit {
                return Err(format!("line {a}→{b}: principal {} + reserved {} > limit {}", line.principal, line.reserved, line.limit));
            }
        }
        for (g, gr) in &p.grantors {
            let alloc: Balance = p.lines.iter().filter(|((x, _), _)| x == g).map(|(_, l)| l.limit).sum();
            if alloc != gr.allocated {
                return Err(format!("grantor {g}: allocated {} ≠ Σ limits {alloc}", gr.allocated));
            }
        }
        // MAX_CREDIT is one per-person cap: draws + term loans borrowed.
        let members: std::collections::BTreeSet<Acc> = p.wallets.keys().copied().collect();
        for b in members {
            let loans: Balance = self.loans.iter().filter(|l| l.running() && l.borrower() == b).map(|l| l.principal).sum();
            if p.loan_debt.get(&b).copied().unwrap_or(0) != loans {
                return Err(format!("member {b}: loan debt {:?} ≠ its running loans' principal {loans}", p.loan_debt.get(&b)));
            }
            let drawn = p.principal_of(b);
            if drawn + loans > p.params.max_credit {
                return Err(format!("member {b} owes {drawn} drawn + {loans} in term loans: more than MAX_CREDIT"));
            }
        }
        let locked: Balance = self.loans.iter().filter(|l| l.open_escrow()).flat_map(|l| l.warrants.iter()).filter(|w| w.2).map(|w| w.1).sum();
        if locked != self.escrow_tokens {
            return Err(format!("escrow holds {} ≠ locked warrants {locked}", self.escrow_tokens));
        }
        for l in &self.loans {
            if l.principal > l.amount || (!l.running() && l.principal != 0) {
                return Err(format!("loan {:?} principal {} of {}", l.state, l.principal, l.amount));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::ONE_TOKEN as T;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Stake(u8, u16),
        Extend(u8, u8, u16, u16),
        Draw(u8, u16),
        PoolRepay(u8, u16),
        Request(u8, u16, u8, u16, u8),
        Approve(u8),
        Accept(u8),
        Disburse(u8),
        Repay(u8, u16),
        Overdue(u8),
        Default(u8),
        Settle(u8),
        End(u8, bool),
        PoolDefault(u8),
        Wait(u16),
        /// Review L1 replayed: a hop (X, B) of a running loan (picked by the
        /// first number); B draws and defaults on the pool, which deletes
        /// X→B; X extends a new X→B (the limit) and a loan runs over [X, B].
        Recreate(u8, u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            1 => (0u8..6, 1u16..500).prop_map(|(a, x)| Op::Stake(a, x)),
            1 => (0u8..6, 0u8..6, 1u16..800, 100u16..1_500).prop_map(|(a, b, l, r)| Op::Extend(a, b, l, r)),
            2 => (0u8..6, 1u16..300).prop_map(|(a, x)| Op::Draw(a, x)),
            2 => (0u8..6, 1u16..300).prop_map(|(a, x)| Op::PoolRepay(a, x)),
            4 => (0u8..6, any::<u16>(), 1u8..5, 1u16..400, 1u8..60).prop_map(|(a, seed, h, x, t)| Op::Request(a, seed, h, x, t)),
            1 => (0u8..16).prop_map(Op::Approve),
            2 => (0u8..16).prop_map(Op::Accept),
            3 => (0u8..16).prop_map(Op::Disburse),
            3 => ((0u8..16), (1u16..400)).prop_map(|(i, x)| Op::Repay(i, x)),
            2 => (0u8..16).prop_map(Op::Overdue),
            2 => (0u8..16).prop_map(Op::Default),
            2 => (0u8..16).prop_map(Op::Settle),
            1 => ((0u8..16), any::<bool>()).prop_map(|(i, e)| Op::End(i, e)),
            1 => (0u8..6).prop_map(Op::PoolDefault),
            2 => (1u16..2_000).prop_map(Op::Wait),
            3 => (any::<u8>(), 10u16..600).prop_map(|(i, l)| Op::Recreate(i, l)),
        ]
    }

    /// Six members with 5,000 tokens each; a dense random web of lines.
    fn world(lines: &[(u8, u8, u16, u16)]) -> World {
        let members: Vec<Acc> = (0..6).collect();
        let mut w = World::new(&members, 5_000 * T, &[900_000_000, 700_000_000, 550_000_000, 400_000_000, 200_000_000, 50_000_000]);
        // Short deadlines (governance may set them), so sequences reach default and settlement.
        w.params.default_after_ms = 2 * DAY_MS;
        // The lowest MAX_CREDIT governance may set, so that the one cap on
        // draws and term loans together binds.
        w.pool.params.max_credit = 2_000 * T;
        // A reserve from earlier interest, so defaults and settlements draw on it.
        w.pool.insurance = 3_000 * T;
        w.pool.tokens += 3_000 * T;
        w.pool.supply += 3_000 * T;
        for m in 0..6u8 {
            w.pool.stake(m, 2_000 * T, 0).expect("stake");
        }
        for (a, b, l, r) in lines {
            let _ = w.pool.extend(a % 6, b % 6, u128::from(*l) * T, u32::from(*r), 0);
        }
        w
    }

    /// Co-insurance (SPEC §3–4, v2), on what one step did to the stakes,
    /// the reserve and the escrow: a pool default pays each grantor at most
    /// COVER_SHARE of its loss; a settled term loan takes the warrants first
    /// (min(principal, its locked warrants) paid into the pool), and its
    /// creditor recovers from insurance at most COVER_SHARE of what the
    /// warrants left; no step takes more than COVER_MAX_RESERVE_SHARE of
    /// the reserve, and the reserve pays exactly what the grantors recover.
    fn co_insured(before: &World, after: &World) -> Result<(), String> {
        let p = &before.pool.params;
        let paid = before.pool.insurance.saturating_sub(after.pool.insurance);
        if paid * 10_000 > before.pool.insurance * u128::from(p.cover_max_reserve_share_bps) {
            return Err(format!("one step took {paid} of a reserve of {}", before.pool.insurance));
        }
        let stake = |w: &World, g: Acc| w.pool.grantors.get(&g).map_or(0, |x| x.stake);
        let mut recovered_total = 0u128;
        // Pool defaults: every line that vanished with principal on it.
        for (&(g, b), l) in before.pool.lines.iter().filter(|(k, l)| l.principal > 0 && !after.pool.lines.contains_key(k)) {
            let recovered = (stake(after, g) + l.principal).checked_sub(stake(before, g)).ok_or("a grantor lost more than its loss")?;
            if recovered * 10_000 > l.principal * u128::from(p.cover_share_bps) {
                return Err(format!("grantor {g} recovered {recovered} of its loss {} on {b}'s default: more than COVER_SHARE", l.principal));
            }
            recovered_total += recovered;
        }
        // Settled term loans.
        for (i, (l, was)) in after.loans.iter().zip(&before.loans).enumerate() {
            if l.state == LoanState::Settled && was.state != LoanState::Settled {
                let locked: Balance = was.warrants.iter().filter(|w| w.2).map(|w| w.1).sum();
                let claims = after.pool.tokens.checked_sub(before.pool.tokens).ok_or("the pool paid out on a settlement")?;
                if claims != was.principal.min(locked) {
                    return Err(format!("loan {i}: warrants paid {claims} into the pool, not min(principal {}, locked {locked})", was.principal));
                }
                if before.escrow_tokens - after.escrow_tokens != locked {
                    return Err(format!("loan {i}: the escrow did not give back or pay out all its {locked} locked"));
                }
                let loss = was.principal - claims;
                let recovered = (stake(after, l.creditor()) + loss).checked_sub(stake(before, l.creditor())).ok_or("a creditor lost more than its loss after the warrants")?;
                if recovered * 10_000 > loss * u128::from(p.cover_share_bps) {
                    return Err(format!("creditor of loan {i} recovered {recovered} of {loss} left by the warrants: more than COVER_SHARE"));
                }
                recovered_total += recovered;
            }
        }
        if recovered_total != paid {
            return Err(format!("the reserve paid {paid} but grantors recovered {recovered_total}"));
        }
        Ok(())
    }

    /// What the test itself knows of line identities: a generation per
    /// pair, new whenever it sees the pair's line appear, and the
    /// generations each running loan reserved on when it was disbursed.
    #[derive(Default)]
    struct Gens {
        of: BTreeMap<(Acc, Acc), u64>,
        next: u64,
        loans: BTreeMap<usize, Vec<u64>>,
    }

    impl Gens {
        /// Follows the lines after a (sub-)step: a vanished pair forgets its
        /// generation, a new one gets the next; a loan that became Active
        /// records the generations of its path.
        fn see(&mut self, w: &World) {
            self.of.retain(|k, _| w.pool.lines.contains_key(k));
            for k in w.pool.lines.keys() {
                if !self.of.contains_key(k) {
                    self.next += 1;
                    self.of.insert(*k, self.next);
                }
            }
            for (id, l) in w.loans.iter().enumerate() {
                if l.running() && !self.loans.contains_key(&id) {
                    let g = l.path.windows(2).map(|h| self.of[&(h[0], h[1])]).collect();
                    self.loans.insert(id, g);
                }
            }
        }

        /// Every reservation belongs to the loan that made it, on the line
        /// it made it on: each line reserves the principal of exactly the
        /// running loans that reserved on this generation of the pair.
        fn check(&self, w: &World) -> Result<(), String> {
            for (k, line) in &w.pool.lines {
                let owners: Balance = w
                    .loans
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.running())
                    .filter(|(id, l)| l.path.windows(2).zip(&self.loans[id]).any(|(h, g)| (h[0], h[1]) == *k && *g == self.of[k]))
                    .map(|(_, l)| l.principal)
                    .sum();
                if line.reserved != owners {
                    return Err(format!("line {k:?} reserves {} but the loans that reserved on it owe {owners}", line.reserved));
                }
            }
            Ok(())
        }
    }

    /// Review L1 with the model's operations: see [`Op::Recreate`]. Best
    /// effort: a step the model refuses ends the replay. `Err` if the pool
    /// default broke co-insurance.
    fn recreate(w: &mut World, gens: &mut Gens, now: &mut Timestamp, pick: u8, limit: u16) -> Result<(), String> {
        let running: Vec<usize> = (0..w.loans.len()).filter(|i| w.loans[*i].running()).collect();
        if running.is_empty() {
            return Ok(());
        }
        let l = w.loans[running[usize::from(pick) % running.len()]].clone();
        let k = usize::from(pick) % (l.path.len() - 1);
        let (x, b) = (l.path[k], l.path[k + 1]);
        if w.pool.draw(b, T, *now).is_err() {
            return Ok(());
        }
        *now += w.pool.params.grace_ms + w.pool.params.default_ms + DAY_MS;
        let before = w.clone();
        if w.pool.declare_default(b, *now).is_err() {
            return Ok(());
        }
        co_insured(&before, w)?;
        gens.see(w);
        if w.pool.lines.contains_key(&(x, b)) || w.pool.extend(x, b, u128::from(limit) * T, 300, *now).is_err() {
            return Ok(());
        }
        gens.see(w);
        if let Ok(id) = w.request(vec![x, b], u128::from(limit) * T, 30, *now) {
            let _ = w.approve(id, *now);
            let _ = w.disburse(id, *now);
        }
        Ok(())
    }

    fn run(lines: &[(u8, u8, u16, u16)], ops: &[Op]) -> Result<(), String> {
        let mut w = world(lines);
        let mut gens = Gens::default();
        gens.see(&w);
        // The first lines (made at 0) are COVER_MIN_AGE old when the
        // sequence starts, so loans over them are insured; lines made or
        // raised during the sequence are young.
        let mut now: Timestamp = w.pool.params.cover_min_age_ms;
        let pick = |w: &World, i: u8| if w.loans.is_empty() { 0 } else { usize::from(i) % w.loans.len() };
        // Mostly a loan in a state the operation applies to.
        let pick_in = |w: &World, i: u8, states: &[LoanState]| {
            let fit: Vec<usize> = (0..w.loans.len()).filter(|k| states.contains(&w.loans[*k].state)).collect();
            if fit.is_empty() || i % 5 == 0 { pick(w, i) } else { fit[usize::from(i) % fit.len()] }
        };
        use LoanState::*;
        for (step, op) in ops.iter().enumerate() {
            let before = w.clone();
            let r: Result<(), Refusal> = match op {
                Op::Stake(a, x) => w.pool.stake(*a, u128::from(*x) * T, now).map_err(|_| "pool"),
                Op::Extend(a, b, l, r) => w.pool.extend(*a, *b, u128::from(*l) * T, u32::from(*r), now).map_err(|_| "pool"),
                Op::Draw(a, x) => w.pool.draw(*a, u128::from(*x) * T, now).map_err(|_| "pool"),
                Op::PoolRepay(a, x) => w.pool.repay(*a, u128::from(*x) * T, now).map(|_| ()).map_err(|_| "pool"),
                Op::Request(a, seed, h, x, t) => {
                    // A path along existing lines from member `a`, `h` hops at most.
                    let mut path = vec![*a];
                    let mut seed = *seed as usize;
                    for _ in 0..*h {
                        let last = path[path.len() - 1];
                        let next: Vec<Acc> = w.pool.lines.keys().filter(|(g, b)| *g == last && !path.contains(b)).map(|k| k.1).collect();
                        if next.is_empty() {
                            break;
                        }
                        path.push(next[seed % next.len()]);
                        seed /= 3;
                    }
                    w.request(path, u128::from(*x) * T, u32::from(*t), now).map(|_| ())
                }
                Op::Approve(i) => w.approve(pick_in(&w, *i, &[Requested]), now),
                Op::Accept(i) => w.accept(pick_in(&w, *i, &[Requested])),
                Op::Disburse(i) => w.disburse(pick_in(&w, *i, &[Requested, Approved]), now),
                Op::Repay(i, x) => {
                    let id = pick_in(&w, *i, &[Active, Overdue, Defaulted]);
                    let payer = w.loans.get(id).map(|l| l.borrower()).unwrap_or(0);
                    w.repay(id, payer, u128::from(*x) * T, now).map(|_| ())
                }
                Op::Overdue(i) => w.mark_overdue(pick_in(&w, *i, &[Active]), now),
                Op::Default(i) => w.declare_default(pick_in(&w, *i, &[Overdue]), now),
                Op::Settle(i) => w.settle(pick_in(&w, *i, &[Defaulted])),
                Op::End(i, e) => w.end_request(pick_in(&w, *i, &[Requested, Approved]), *e, now),
                Op::PoolDefault(b) => w.pool.declare_default(*b, now).map(|_| ()).map_err(|_| "pool"),
                Op::Wait(h) => {
                    now += u64::from(*h) * 3_600_000;
                    Ok(())
                }
                Op::Recreate(i, l) => {
                    recreate(&mut w, &mut gens, &mut now, *i, *l).map_err(|e| format!("step {step} {op:?}: {e}"))?;
                    Ok(())
                }
            };
            if r.is_err() {
                // A refused operation changes nothing (the model, like the
                // contracts, checks before it writes).
                if format!("{:?}", w.loans) != format!("{:?}", before.loans) || w.escrow_tokens != before.escrow_tokens || w.pool.tokens != before.pool.tokens {
                    return Err(format!("step {step} {op:?} was refused ({r:?}) but changed something"));
                }
            }
            gens.see(&w);
            if !matches!(op, Op::Recreate(..)) {
                co_insured(&before, &w).map_err(|e| format!("step {step} {op:?}: {e}"))?;
            }
            w.check().map_err(|e| format!("step {step} {op:?}: {e}"))?;
            gens.check(&w).map_err(|e| format!("step {step} {op:?}: {e}"))?;
        }
        // Every debt can be repaid in full: term loans by their borrowers (topped up), then the pool's lines.
        for id in 0..w.loans.len() {
            if w.loans[id].running() {
                let owed = w.owed(id, now).map_err(|e| e.to_string())?;
                let b = w.loans[id].borrower();
                *w.wallet(b) += owed;
                w.pool.supply += owed;
                w.repay(id, b, owed, now).map_err(|e| format!("loan {id} cannot be repaid: {e}"))?;
                if w.loans[id].state != LoanState::Closed {
                    return Err(format!("loan {id} did not close"));
                }
            }
        }
        for b in 0..6u8 {
            let owed = w.pool.owed(b, now).map_err(|e| format!("{e:?}"))?;
            if owed > 0 {
                *w.wallet(b) += owed;
                w.pool.supply += owed;
                w.pool.repay(b, owed, now).map_err(|e| format!("{b} cannot repay the pool: {e:?}"))?;
            }
        }
        w.check()?;
        gens.check(&w)?;
        if w.pool.grantors.values().any(|g| g.lent != 0) || w.pool.lines.values().any(|l| l.reserved != 0) {
            return Err("after every repayment something is still lent or reserved".into());
        }
        Ok(())
    }

    /// Review L1 in the model, with other numbers: loan 1 (120) over
    /// [C, X, B]; B's pool default deletes X→B; X extends a new X→B of 180
    /// and loan 2 (180) runs over it; loan 1 is repaid — loan 2's
    /// reservation is intact and B cannot draw past the line.
    #[test]
    fn review_l1_a_line_created_again_keeps_the_new_loans_reservation() {
        let (c, x, b) = (0u8, 1u8, 2u8);
        let mut w = world(&[]);
        w.pool.extend(c, x, 500 * T, 300, 0).unwrap();
        w.pool.extend(x, b, 300 * T, 300, 0).unwrap();
        let mut now = 0;
        let one = w.request(vec![c, x, b], 120 * T, 30, now).unwrap();
        w.accept(one).unwrap();
        w.disburse(one, now).unwrap();
        w.pool.draw(b, 50 * T, now).unwrap();
        now += w.pool.params.grace_ms + w.pool.params.default_ms + DAY_MS;
        w.pool.declare_default(b, now).unwrap();
        assert!(!w.pool.lines.contains_key(&(x, b)));
        w.pool.extend(x, b, 180 * T, 300, now).unwrap();
        let two = w.request(vec![x, b], 180 * T, 30, now).unwrap();
        w.approve(two, now).unwrap();
        w.disburse(two, now).unwrap();
        assert_eq!(w.pool.lines[&(x, b)].reserved, 180 * T);
        w.check().unwrap();
        let owed = w.owed(one, now).unwrap();
        *w.wallet(b) += owed;
        w.pool.supply += owed;
        w.repay(one, b, owed, now).unwrap();
        assert_eq!(w.loans[one].state, LoanState::Closed);
        assert_eq!(w.pool.lines[&(x, b)].reserved, 180 * T, "loan 1 released nothing from the new line");
        assert_eq!(w.pool.lines[&(c, x)].reserved, 0, "but all of its own reservation on C→X");
        assert!(w.pool.draw(b, T, now).is_err(), "B cannot draw past the line");
        w.check().unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// 10,000 random sequences over the pool, term loans and warrants
        /// together per run; every invariant after every step.
        #[test]
        fn the_suite_together_keeps_every_invariant(
            lines in proptest::collection::vec((0u8..6, 0u8..6, 100u16..1_500, 100u16..1_500), 6..16),
            ops in proptest::collection::vec(op(), 1..40),
        ) {
            if let Err(e) = run(&lines, &ops) {
                prop_assert!(false, "{e}");
            }
        }
    }
}
