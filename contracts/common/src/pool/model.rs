//! An in-memory credit pool built from the accounting functions of
//! [`super`], with wallets, so property tests can run random operation
//! sequences and check conservation after every step. The `credit_pool`
//! contract applies the same functions to its storage.

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
    next_seq: u64,
}

impl Pool {
    /// A pool with `members` wallets of `each` tokens.
    pub fn new(params: PoolParams, members: &[Acc], each: Balance) -> Self {
        let wallets: BTreeMap<Acc, Balance> = members.iter().map(|m| (*m, each)).collect();
        let supply = each.saturating_mul(members.len() as u128);
        Pool { params, grantors: BTreeMap::new(), lines: BTreeMap::new(), insurance: 0, treasury: 0, tokens: 0, wallets, supply, next_seq: 0 }
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
        if amount == 0 {
            return Err(PoolError::ZeroAmount);
        }
        self.pay_in(g, amount)?;
        let gr = self.grantors.entry(g).or_default();
        gr.stake = add(gr.stake, amount)?;
        gr.locked_until = now.saturating_add(self.params.lockout_ms);
        Ok(())
    }

    /// Creates or changes the line `g → b`.
    pub fn extend(&mut self, g: Acc, b: Acc, limit: Balance, rate_bps: Bps, now: Timestamp) -> R<()> {
        let gr = self.grantors.get(&g).copied().unwrap_or_default();
        let existing = self.lines.get(&(g, b)).copied();
        let old_limit = existing.map(|l| l.limit).unwrap_or(0);
        let new_alloc = add(sub(gr.allocated, old_limit)?, limit)?;
        if limit > old_limit && new_alloc > gr.stake {
            return Err(PoolError::InsufficientStake { available: gr.stake.saturating_sub(sub(gr.allocated, old_limit)?), requested: limit });
        }
        let mut line = match existing {
            Some(mut l) => {
                if limit < l.limit && now < l.locked_until {
                    return Err(PoolError::LockedUntil { until: l.locked_until });
                }
                if limit < l.principal {
                    return Err(PoolError::BelowDrawn { drawn: l.principal });
                }
                if rate_bps != l.rate_bps && l.principal > 0 {
                    return Err(PoolError::RateChangeWhileDrawn);
                }
                if limit > l.limit {
                    l.locked_until = now.saturating_add(self.params.lockout_ms);
                }
                l
            }
            None => {
                if limit == 0 {
                    return Err(PoolError::ZeroAmount);
                }
                self.next_seq = self.next_seq.saturating_add(1);
                Line { seq: self.next_seq, locked_until: now.saturating_add(self.params.lockout_ms), accrued_to: now, ..Line::default() }
            }
        };
        line.limit = limit;
        line.rate_bps = rate_bps;
        let gr = self.grantors.entry(g).or_default();
        gr.allocated = new_alloc;
        if limit == 0 && line.principal == 0 && line.interest == 0 {
            self.lines.remove(&(g, b));
        } else {
            self.lines.insert((g, b), line);
        }
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

    /// Draws `amount` for `b`.
    pub fn draw(&mut self, b: Acc, amount: Balance, now: Timestamp) -> R<()> {
        let keys: Vec<(Acc, Acc)> = self.lines.keys().filter(|(_, x)| *x == b).copied().collect();
        let views: Vec<(Bps, u64, Balance)> = keys
            .iter()
            .map(|k| {
                let l = &self.lines[k];
                (l.rate_bps, l.seq, headroom(l, &self.grantors.get(&k.0).copied().unwrap_or_default()))
            })
            .collect();
        let limit_left = self.credit_limit(b).saturating_sub(self.principal_of(b));
        let parts = plan_draw(&views, amount, limit_left)?;
        for (i, part) in parts {
            let k = keys[i];
            let mut line = self.lines[&k];
            let mut gr = self.grantors[&k.0];
            apply_draw(&mut line, &mut gr, part, now, self.params.grace_ms)?;
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

    /// Interest + principal `b` owes now.
    pub fn owed(&mut self, b: Acc, now: Timestamp) -> R<Balance> {
        self.accrue_all(b, now)?;
        Ok(self.lines.iter().filter(|((_, x), _)| *x == b).fold(0u128, |a, (_, l)| a.saturating_add(l.interest).saturating_add(l.principal)))
    }

    /// `b` repays up to `amount`; returns the amount used.
    pub fn repay(&mut self, b: Acc, amount: Balance, now: Timestamp) -> R<Balance> {
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
        for (i, p) in plan {
            let k = keys[i];
            let mut line = self.lines[&k];
            let mut gr = self.grantors[&k.0];
            let (fee, ins, to_grantor) = split_interest(p.interest, &self.params)?;
            self.treasury = add(self.treasury, fee)?;
            self.insurance = add(self.insurance, ins)?;
            gr.stake = add(gr.stake, to_grantor)?;
            line.interest = sub(line.interest, p.interest)?;
            if line.interest == 0 {
                line.interest_since = 0;
            }
            line.principal = sub(line.principal, p.principal)?;
            gr.lent = sub(gr.lent, p.principal)?;
            self.lines.insert(k, line);
            self.grantors.insert(k.0, gr);
        }
        Ok(used)
    }

    /// Oldest unpaid interest of `b` (0: none).
    pub fn unpaid_since(&mut self, b: Acc, now: Timestamp) -> R<Timestamp> {
        self.accrue_all(b, now)?;
        Ok(self.lines.iter().filter(|((_, x), l)| *x == b && l.interest > 0).map(|(_, l)| l.interest_since).min().unwrap_or(0))
    }

    /// Declares `b` in default: insurance covers grantors' principal losses
    /// pro rata, the rest is written off their stakes; the lines close.
    pub fn declare_default(&mut self, b: Acc, now: Timestamp) -> R<Balance> {
        let since = self.unpaid_since(b, now)?;
        if since == 0 || now < since.saturating_add(self.params.default_ms) {
            return Err(PoolError::NotDue { since });
        }
        let keys: Vec<(Acc, Acc)> = self.lines.keys().filter(|(_, x)| *x == b).copied().collect();
        let losses: Vec<Balance> = keys.iter().map(|k| self.lines[k].principal).collect();
        let cover = insurance_cover(&losses, self.insurance)?;
        let mut written_off = 0u128;
        for (i, k) in keys.iter().enumerate() {
            let line = self.lines[k];
            let mut gr = self.grantors[&k.0];
            let loss = line.principal;
            self.insurance = sub(self.insurance, cover[i])?;
            gr.lent = sub(gr.lent, loss)?;
            // The write-off cannot exceed the stake: lent ≤ stake always.
            gr.stake = add(sub(gr.stake, loss)?, cover[i])?;
            gr.allocated = sub(gr.allocated, line.limit)?;
            written_off = add(written_off, sub(loss, cover[i])?)?;
            self.grantors.insert(k.0, gr);
            self.lines.remove(k);
        }
        Ok(written_off)
    }

    /// Unstakes unallocated points after the lock-out.
    pub fn unstake(&mut self, g: Acc, amount: Balance, now: Timestamp) -> R<()> {
        if amount == 0 {
            return Err(PoolError::ZeroAmount);
        }
        let mut gr = self.grantors.get(&g).copied().unwrap_or_default();
        if now < gr.locked_until {
            return Err(PoolError::LockedUntil { until: gr.locked_until });
        }
        let free = gr.stake.saturating_sub(gr.allocated.max(gr.lent));
        if amount > free {
            return Err(PoolError::InsufficientStake { available: free, requested: amount });
        }
        gr.stake = sub(gr.stake, amount)?;
        self.grantors.insert(g, gr);
        self.pay_out(g, amount)
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
        }
        let borrowers: std::collections::BTreeSet<Acc> = self.lines.keys().map(|k| k.1).collect();
        for b in borrowers {
            if self.principal_of(b) > self.params.max_credit {
                return Err(format!("borrower {b} owes more principal than MAX_CREDIT"));
            }
        }
        Ok(())
    }
}
