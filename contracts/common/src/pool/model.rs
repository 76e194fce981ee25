//! An in-memory credit pool built from the accounting functions of
//! [`super`], with wallets, so property tests can run random operation
//! sequences and check conservation after every step. The `credit_pool`
//! contract applies the same functions to its storage. It has no term
//! loans of its own; the suite model ([`crate::world`]) adds them, keeping
//! each member's term-loan debt in `Pool::loan_debt` so that draws here
//! respect MAX_CREDIT as one cap over both.

use std::collections::BTreeMap;

use super::*;

/// Accounts in the model.
pub type Acc = u8;

/// The pool and its members' wallets.
#[derive(Clone, Debug)]
pub struct Pool {
    pub params: PoolParams,
    pub grantors: BTreeMap<Acc, Grantor>,
    /// Lines by (grantor, borrower).
    pub lines: BTreeMap<(Acc, Acc), Line>,
    pub insurance: Balance,
    pub treasury: Balance,
    /// Tokens the pool holds.
    pub tokens: Balance,
    /// Members' wallets.
    pub wallets: BTreeMap<Acc, Balance>,
    /// Σ of all tokens at the start.
    pub supply: Balance,
    /// Principal of the term loans each member borrowed and still owes
    /// (kept by the suite model, [`crate::world::World`]): counted with its
    /// draws against MAX_CREDIT, one per-person cap (v2).
    pub loan_debt: BTreeMap<Acc, Balance>,
    next_seq: u64,
}

impl Pool {
    /// A pool with `members` wallets of `each` tokens.
    pub fn new(params: PoolParams, members: &[Acc], each: Balance) -> Self {
        let wallets: BTreeMap<Acc, Balance> = members.iter().map(|m| (*m, each)).collect();
        let supply = each.saturating_mul(members.len() as u128);
        Pool {
            params,
            grantors: BTreeMap::new(),
            lines: BTreeMap::new(),
            insurance: 0,
            treasury: 0,
            tokens: 0,
            wallets,
            supply,
            loan_debt: BTreeMap::new(),
            next_seq: 0,
        }
    }

    fn pay_in(&mut self, from: Acc, amount: Balance) -> R<()> {
        let w = self.wallets.entry(from).or_default();
        *w = w.checked_sub(amount).ok_or(PoolError::InsufficientFunds { available: *w, requested: amount })?;
        self.tokens = add(self.tokens, amount)?;
        Ok(())
    }

    fn pay_out(&mut self, to: Acc, amount: Balance) -> R<()> {
        self.tokens = sub(self.tokens, amount)?;
        let w = self.wallets.entry(to).or_default();
        *w = add(*w, amount)?;
        Ok(())
    }

    /// Stakes `amount` from `g`'s wallet.
    pub fn stake(&mut self, g: Acc, amount: Balance, now: Timestamp) -> R<()> {
        let mut gr = self.grantors.get(&g).copied().unwrap_or_default();
        apply_stake(&mut gr, amount, now, &self.params)?;
        self.pay_in(g, amount)?;
        self.grantors.insert(g, gr);
        Ok(())
    }

    /// `b` declines `g`'s line ([`apply_decline`]): it closes; the model
    /// keeps no block list (the contract does).
    pub fn decline(&mut self, b: Acc, g: Acc) -> R<()> {
        let Some(line) = self.lines.get(&(g, b)).copied() else { return Ok(()) };
        let mut gr = self.grantors.get(&g).copied().unwrap_or_default();
        apply_decline(&line, &mut gr)?;
        self.lines.remove(&(g, b));
        self.grantors.insert(g, gr);
        Ok(())
    }

    /// Creates or changes the line `g → b`.
    pub fn extend(&mut self, g: Acc, b: Acc, limit: Balance, rate_bps: Bps, now: Timestamp) -> R<()> {
        let mut gr = self.grantors.get(&g).copied().unwrap_or_default();
        let existing = self.lines.get(&(g, b)).copied();
        let seq = self.next_seq.saturating_add(1);
        match apply_extend(existing, &mut gr, limit, rate_bps, now, seq, &self.params)? {
            Some(line) => {
                self.lines.insert((g, b), line);
            }
            None => {
                self.lines.remove(&(g, b));
            }
        }
        if existing.is_none() {
            self.next_seq = seq;
        }
        self.grantors.insert(g, gr);
        Ok(())
    }

    /// Σ limits of lines to `b`, capped at MAX_CREDIT.
    pub fn credit_limit(&self, b: Acc) -> Balance {
        let total = self.lines.iter().filter(|((_, x), _)| *x == b).fold(0u128, |a, (_, l)| a.saturating_add(l.limit));
        total.min(self.params.max_credit)
    }

    /// Principal `b` owes.
    pub fn principal_of(&self, b: Acc) -> Balance {
        self.lines.iter().filter(|((_, x), _)| *x == b).fold(0u128, |a, (_, l)| a.saturating_add(l.principal))
    }

    /// All the principal `b` owes: its draws and the term loans it borrowed
    /// (what MAX_CREDIT caps, v2).
    pub fn owes(&self, b: Acc) -> Balance {
        self.principal_of(b).saturating_add(self.loan_debt.get(&b).copied().unwrap_or(0))
    }

    /// Draws `amount` for `b`, accepting any rate up to 100 %.
    pub fn draw(&mut self, b: Acc, amount: Balance, now: Timestamp) -> R<()> {
        self.draw_at_most(b, amount, MAX_RATE_BPS, now)
    }

    /// Draws `amount` for `b`; refused if any part would be lent above `max_rate_bps`.
    pub fn draw_at_most(&mut self, b: Acc, amount: Balance, max_rate_bps: Bps, now: Timestamp) -> R<()> {
        let keys: Vec<(Acc, Acc)> = self.lines.keys().filter(|(_, x)| *x == b).copied().collect();
        let views: Vec<(Bps, u64, Balance)> = keys
            .iter()
            .map(|k| {
                let l = &self.lines[k];
                (l.rate_bps, l.seq, headroom(l, &self.grantors.get(&k.0).copied().unwrap_or_default()))
            })
            .collect();
        let owed = self.owes(b);
        ensure_max_credit(owed, amount, self.params.max_credit)?;
        let room = draw_room(self.credit_limit(b), self.principal_of(b), owed, self.params.max_credit);
        let parts = plan_draw(&views, amount, room, max_rate_bps)?;
        for (i, part) in parts {
            let k = keys[i];
            let mut line = self.lines[&k];
            let mut gr = self.grantors[&k.0];
            apply_draw(&mut line, &mut gr, part, now, &self.params)?;
            self.lines.insert(k, line);
            self.grantors.insert(k.0, gr);
        }
        self.pay_out(b, amount)
    }

    /// Accrues every line of `b`.
    pub fn accrue_all(&mut self, b: Acc, now: Timestamp) -> R<()> {
        for (k, l) in self.lines.iter_mut() {
            if k.1 == b {
                accrue(l, now)?;
            }
        }
        Ok(())
    }

    /// `b`'s lines with interest accrued to `now`, without storing the
    /// accrual (queries and checks; the contract does the same).
    fn accrued(&self, b: Acc, now: Timestamp) -> R<Vec<Line>> {
        let mut out = Vec::new();
        for (_, l) in self.lines.iter().filter(|((_, x), _)| *x == b) {
            let mut l = *l;
            accrue(&mut l, now)?;
            out.push(l);
        }
        Ok(out)
    }

    /// Interest + principal `b` owes now.
    pub fn owed(&self, b: Acc, now: Timestamp) -> R<Balance> {
        Ok(self.accrued(b, now)?.iter().fold(0u128, |a, l| a.saturating_add(l.interest).saturating_add(l.principal)))
    }

    /// `b` repays up to `amount`; returns the amount used. A refusal
    /// changes nothing, not even the lines' accrual (the contract stores
    /// nothing either).
    pub fn repay(&mut self, b: Acc, amount: Balance, now: Timestamp) -> R<Balance> {
        let mut next = self.clone();
        let used = next.repay_in_place(b, amount, now)?;
        *self = next;
        Ok(used)
    }

    fn repay_in_place(&mut self, b: Acc, amount: Balance, now: Timestamp) -> R<Balance> {
        self.accrue_all(b, now)?;
        let keys: Vec<(Acc, Acc)> = self.lines.keys().filter(|(_, x)| *x == b).copied().collect();
        let views: Vec<(Bps, u64, Balance, Balance)> = keys.iter().map(|k| {
            let l = &self.lines[k];
            (l.rate_bps, l.seq, l.interest, l.principal)
        }).collect();
        let (plan, used) = plan_repay(&views, amount)?;
        let have = self.wallets.get(&b).copied().unwrap_or(0);
        if have < used {
            return Err(PoolError::InsufficientFunds { available: have, requested: used });
        }
        self.pay_in(b, used)?;
        for (i, pay) in plan {
            let k = keys[i];
            let mut line = self.lines[&k];
            let mut gr = self.grantors[&k.0];
            let split = apply_payment(&mut line, &mut gr, &pay, &self.params, now)?;
            self.treasury = add(self.treasury, split.fee)?;
            self.insurance = add(self.insurance, split.insurance)?;
            self.lines.insert(k, line);
            self.grantors.insert(k.0, gr);
        }
        Ok(used)
    }

    /// Oldest unpaid interest of `b` (0: none).
    pub fn unpaid_since(&self, b: Acc, now: Timestamp) -> R<Timestamp> {
        Ok(unpaid_since(self.accrued(b, now)?.iter()))
    }

    /// Declares `b` in default: insurance co-insures the grantors' insured
    /// principal ([`insurance_cover`]), the rest is written off their
    /// stakes; the lines close.
    pub fn declare_default(&mut self, b: Acc, now: Timestamp) -> R<Balance> {
        let since = self.unpaid_since(b, now)?;
        ensure_due(since, self.params.default_ms, now)?;
        let keys: Vec<(Acc, Acc)> = self.lines.keys().filter(|(_, x)| *x == b).copied().collect();
        let insured: Vec<Balance> = keys.iter().map(|k| self.lines[k].insured).collect();
        let cover = insurance_cover(&insured, self.insurance, &self.params)?;
        let mut written_off = 0u128;
        for (i, k) in keys.iter().enumerate() {
            let mut gr = self.grantors[&k.0];
            let lost = apply_default(&self.lines[k], &mut gr, cover[i])?;
            self.insurance = sub(self.insurance, cover[i])?;
            written_off = add(written_off, lost)?;
            self.grantors.insert(k.0, gr);
            self.lines.remove(k);
        }
        Ok(written_off)
    }

    /// Unstakes unallocated points after the lock-out.
    pub fn unstake(&mut self, g: Acc, amount: Balance, now: Timestamp) -> R<()> {
        let mut gr = self.grantors.get(&g).copied().unwrap_or_default();
        apply_unstake(&mut gr, amount, now)?;
        self.pay_out(g, amount)?;
        self.grantors.insert(g, gr);
        Ok(())
    }

    /// The pool's invariants; `Err` names the first one broken.
    pub fn check_invariants(&self) -> Result<(), String> {
        let unlent = self.grantors.values().try_fold(0u128, |a, g| g.stake.checked_sub(g.lent).map(|x| a + x)).ok_or("a grantor lent more than its stake")?;
        if self.tokens != unlent + self.insurance + self.treasury {
            return Err(format!("pool tokens {} ≠ unlent {} + insurance {} + treasury {}", self.tokens, unlent, self.insurance, self.treasury));
        }
        let wallets: Balance = self.wallets.values().sum();
        if wallets + self.tokens != self.supply {
            return Err(format!("money created or lost: wallets {wallets} + pool {} ≠ supply {}", self.tokens, self.supply));
        }
        for (g, gr) in &self.grantors {
            let lent: Balance = self.lines.iter().filter(|((x, _), _)| x == g).map(|(_, l)| l.principal).sum();
            let alloc: Balance = self.lines.iter().filter(|((x, _), _)| x == g).map(|(_, l)| l.limit).sum();
            if lent != gr.lent {
                return Err(format!("grantor {g}: lent {} ≠ Σ principal {lent}", gr.lent));
            }
            if alloc != gr.allocated {
                return Err(format!("grantor {g}: allocated {} ≠ Σ limits {alloc}", gr.allocated));
            }
        }
        for l in self.lines.values() {
            if l.principal > l.limit {
                return Err("a line's principal exceeds its limit".into());
            }
            if l.insured > l.principal {
                return Err("a line's insured principal exceeds its principal".into());
            }
        }
        let borrowers: std::collections::BTreeSet<Acc> = self.lines.keys().map(|k| k.1).chain(self.loan_debt.keys().copied()).collect();
        for b in borrowers {
            let (drawn, loans) = (self.principal_of(b), self.loan_debt.get(&b).copied().unwrap_or(0));
            if drawn + loans > self.params.max_credit {
                return Err(format!("borrower {b} owes {drawn} drawn + {loans} in term loans: more than MAX_CREDIT"));
            }
        }
        Ok(())
    }
}
