//! Stand-ins for the loan manager's cross-contract calls in unit tests (the
//! off-chain environment cannot call contracts). They behave like the real
//! callees in what the loan manager relies on: a PSP22 ledger
//! (`dcu_common::ledger`), trust scores and capacities (counting the
//! `score` reads), a pool that reserves free line
//! capacity and lends from the creditor's unlent stake (paying out of and
//! back into the pool's own token balance), and an escrow that locks
//! warrants from holders with a standing yes, releases them and pays claims
//! (`dcu_common::loan::settle_default`). A refusal comes back encoded, as
//! from the real callees (one byte: the refusing check).

use crate::loan_manager::{Error, Result};
use dcu_common::iface::trust_graph::{self as tg, Reputation, ScoreInfo};
use dcu_common::iface::warrant_escrow::LoanTerms;
use dcu_common::ledger::{Ledger, LedgerError};
use dcu_common::loan::{settle_default, Purpose};
use dcu_common::pool::{insurance_cover, PathInfo, PoolParams};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;
use psp22::PSP22Error;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

type Balance = u128;

pub const POOL: [u8; 32] = [0xC0; 32];
pub const ESCROW: [u8; 32] = [0xE5; 32];

/// Pool refusal codes.
pub const NO_LINE: u8 = 1;
pub const NO_CAPACITY: u8 = 2;
pub const NO_HOLD: u8 = 3;
pub const UNPAID: u8 = 4;
/// Escrow refusal codes.
pub const NO_ESCROW_LOAN: u8 = 1;

#[derive(Clone)]
pub struct EscrowLoan {
    pub creditor: AccountId,
    /// The loan's terms as the loan manager passed them.
    pub terms: LoanTerms,
    /// (holder, amount, locked)
    pub warrants: Vec<(AccountId, Balance, bool)>,
    pub open: bool,
}

#[derive(Default)]
struct State {
    ledger: Ledger<AccountId>,
    /// TS, CF, C(v).
    scores: BTreeMap<AccountId, (u128, u128, Balance)>,
    /// `score` calls so far.
    score_reads: u32,
    /// Members whose score is provisional, and the member to refresh.
    stale: BTreeMap<AccountId, AccountId>,
    /// (grantor, borrower) → (free capacity, rate)
    lines: BTreeMap<(AccountId, AccountId), (Balance, u32)>,
    unlent: BTreeMap<AccountId, Balance>,
    insurance: Balance,
    treasury: Balance,
    written_off: Balance,
    /// loan → (path, principal, insured)
    holds: BTreeMap<u64, (Vec<AccountId>, Balance, bool)>,
    /// New term loans are not insured (lines younger than COVER_MIN_AGE).
    uninsured: bool,
    /// The token refuses every transfer to this account.
    refuse_to: Option<AccountId>,
    escrow: BTreeMap<u64, EscrowLoan>,
    auto: BTreeSet<AccountId>,
    records: Vec<(Reputation, AccountId)>,
    params: Option<PoolParams>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

fn me() -> AccountId {
    ink::env::account_id::<Env>()
}

fn token_error(e: LedgerError) -> Error {
    match e {
        LedgerError::InsufficientBalance => Error::Token(PSP22Error::InsufficientBalance),
        LedgerError::InsufficientAllowance => Error::Token(PSP22Error::InsufficientAllowance),
        LedgerError::Overflow => Error::Overflow,
    }
}

fn pool() -> AccountId {
    AccountId::from(POOL)
}
fn escrow() -> AccountId {
    AccountId::from(ESCROW)
}

// --- the `ext` interface ---------------------------------------------------

pub fn pull(_token: AccountId, from: AccountId, amount: Balance) -> Result<()> {
    let spender = me();
    with(|s| s.ledger.transfer_from(from, spender, spender, amount)).map_err(token_error)
}

pub fn push(_token: AccountId, to: AccountId, amount: Balance) -> Result<()> {
    let from = me();
    with(|s| {
        if s.refuse_to == Some(to) {
            return Err(Error::Token(PSP22Error::Custom("recipient blocked".into())));
        }
        s.ledger.transfer(from, to, amount).map_err(token_error)
    })
}

pub fn score(_graph: AccountId, who: AccountId) -> Result<ScoreInfo> {
    with(|s| {
        s.score_reads += 1;
        let raised = s.records.iter().filter(|(e, w)| *w == who && *e == Reputation::Warning).count();
        let cleared = s.records.iter().filter(|(e, w)| *w == who && *e == Reputation::WarningCleared).count();
        let open_warnings = u32::try_from(raised.saturating_sub(cleared)).unwrap_or(u32::MAX);
        let stale_by = s.stale.get(&who).copied();
        s.scores.get(&who).map(|&(trust_score, confidence, capacity)| ScoreInfo {
            trust_score,
            confidence,
            capacity,
            open_warnings,
            stale_by,
            ..ScoreInfo::default()
        })
    })
    .ok_or(Error::TrustGraph(tg::Error::NotMember(who)))
}

/// Marks `who`'s score provisional until `by` is refreshed (`None`: final).
pub fn set_stale(who: AccountId, by: Option<AccountId>) {
    with(|s| match by {
        Some(b) => s.stale.insert(who, b),
        None => s.stale.remove(&who),
    });
}

pub fn record(_graph: AccountId, event: Reputation, who: AccountId) -> Result<()> {
    with(|s| s.records.push((event, who)));
    Ok(())
}

pub fn pool_path(_p: AccountId, path: Vec<AccountId>) -> Result<PathInfo> {
    with(|s| {
        let mut capacity = s.unlent.get(&path[0]).copied().unwrap_or(0);
        let mut missing_hop = None;
        let mut first_rate_bps = 0;
        for (i, w) in path.windows(2).enumerate() {
            match s.lines.get(&(w[0], w[1])) {
                Some((free, rate)) => {
                    capacity = capacity.min(*free);
                    if i == 0 {
                        first_rate_bps = *rate;
                    }
                }
                None => {
                    missing_hop = missing_hop.or(Some(i as u32));
                    capacity = 0;
                }
            }
        }
        Ok(PathInfo { capacity, first_rate_bps, missing_hop })
    })
}

pub fn pool_params(_p: AccountId) -> Result<PoolParams> {
    Ok(with(|s| s.params.unwrap_or_default()))
}

pub fn pool_open(p: AccountId, id: u64, path: Vec<AccountId>, amount: Balance, _purpose: Purpose) -> Result<()> {
    let info = pool_path(p, path.clone())?;
    if info.missing_hop.is_some() {
        return Err(Error::Pool(vec![NO_LINE]));
    }
    if amount > info.capacity {
        return Err(Error::Pool(vec![NO_CAPACITY]));
    }
    with(|s| {
        for w in path.windows(2) {
            s.lines.get_mut(&(w[0], w[1])).unwrap().0 -= amount;
        }
        *s.unlent.get_mut(&path[0]).unwrap() -= amount;
        s.ledger.transfer(pool(), *path.last().unwrap(), amount).map_err(token_error)?;
        let insured = !s.uninsured;
        s.holds.insert(id, (path, amount, insured));
        Ok(())
    })
}

pub fn pool_return(_p: AccountId, id: u64, principal: Balance, fee: Balance, insurance: Balance) -> Result<()> {
    with(|s| {
        let Some((path, left, insured)) = s.holds.get(&id).cloned() else { return Err(Error::Pool(vec![NO_HOLD])) };
        for w in path.windows(2) {
            s.lines.get_mut(&(w[0], w[1])).unwrap().0 += principal;
        }
        *s.unlent.get_mut(&path[0]).unwrap() += principal;
        s.insurance += insurance;
        s.treasury += fee;
        if s.ledger.balance(pool()) < s.unlent.values().sum::<u128>() + s.insurance + s.treasury {
            return Err(Error::Pool(vec![UNPAID]));
        }
        if left == principal {
            s.holds.remove(&id);
        } else {
            s.holds.insert(id, (path, left - principal, insured));
        }
        Ok(())
    })
}

/// The pool's term-loan settlement: `recovered` (the warrants' claims,
/// already sent to the pool) restores the creditor first, co-insurance
/// covers its share of the rest of an insured loan, the creditor's stake
/// bears what is left. Returns (covered, written off).
pub fn pool_settle(_p: AccountId, id: u64, recovered: Balance) -> Result<(Balance, Balance)> {
    with(|s| {
        let Some((path, principal, insured)) = s.holds.remove(&id) else { return Err(Error::Pool(vec![NO_HOLD])) };
        let uncovered = principal - recovered;
        let params = s.params.unwrap_or_default();
        let covered = insurance_cover(&[if insured { uncovered } else { 0 }], s.insurance, &params).unwrap()[0];
        s.insurance -= covered;
        *s.unlent.get_mut(&path[0]).unwrap() += recovered + covered;
        let written_off = uncovered - covered;
        s.written_off += written_off;
        for w in path.windows(2) {
            s.lines.get_mut(&(w[0], w[1])).unwrap().0 += principal;
        }
        Ok((covered, written_off))
    })
}

pub fn escrow_create(_e: AccountId, id: u64, creditor: AccountId, holders: Vec<AccountId>, total: Balance, terms: LoanTerms) -> Result<u32> {
    with(|s| {
        let n = holders.len() as u128;
        let mut warrants = Vec::new();
        let mut locked = 0;
        for (i, h) in holders.iter().enumerate() {
            let amount = total / n + u128::from((i as u128) < total % n);
            let lock = s.auto.contains(h) && s.ledger.transfer(*h, escrow(), amount).is_ok();
            locked += u32::from(lock);
            warrants.push((*h, amount, lock));
        }
        s.escrow.insert(id, EscrowLoan { creditor, terms, warrants, open: true });
        Ok(locked)
    })
}

pub fn escrow_fully_locked(_e: AccountId, id: u64) -> Result<bool> {
    Ok(with(|s| s.escrow.get(&id).is_some_and(|l| l.open && l.warrants.iter().all(|w| w.2))))
}

pub fn escrow_release(_e: AccountId, id: u64) -> Result<Balance> {
    with(|s| {
        let Some(mut l) = s.escrow.get(&id).cloned().filter(|l| l.open) else { return Err(Error::Escrow(vec![NO_ESCROW_LOAN])) };
        let mut back = 0;
        for w in l.warrants.iter_mut() {
            if w.2 {
                s.ledger.transfer(escrow(), w.0, w.1).map_err(token_error)?;
                back += w.1;
                w.2 = false;
            }
        }
        l.open = false;
        s.escrow.insert(id, l);
        Ok(back)
    })
}

pub fn escrow_claim(_e: AccountId, id: u64, loss: Balance) -> Result<Balance> {
    with(|s| {
        let Some(mut l) = s.escrow.get(&id).cloned().filter(|l| l.open) else { return Err(Error::Escrow(vec![NO_ESCROW_LOAN])) };
        let locked: Vec<Balance> = l.warrants.iter().map(|w| if w.2 { w.1 } else { 0 }).collect();
        let st = settle_default(loss, &locked).ok_or(Error::Overflow)?;
        let mut paid = 0;
        for (i, w) in l.warrants.iter_mut().enumerate() {
            // Claims go to the caller, the loan manager, which passes them to the pool.
            if st.claims[i] > 0 {
                s.ledger.transfer(escrow(), me(), st.claims[i]).map_err(token_error)?;
                paid += st.claims[i];
            }
            if st.released[i] > 0 {
                s.ledger.transfer(escrow(), w.0, st.released[i]).map_err(token_error)?;
            }
            w.2 = false;
        }
        l.open = false;
        s.escrow.insert(id, l);
        Ok(paid)
    })
}

// --- test controls ------------------------------------------------------------

/// Forgets everything.
pub fn reset() {
    with(|s| *s = State::default());
}

/// Gives `who` `amount` tokens and approves `spender` for all of them.
pub fn fund(who: AccountId, spender: AccountId, amount: Balance) {
    with(|s| s.ledger.fund(who, spender, amount));
}

/// Sets `owner`'s allowance for `spender`.
pub fn approve(owner: AccountId, spender: AccountId, amount: Balance) {
    with(|s| s.ledger.approve(owner, spender, amount));
}

pub fn balance(who: AccountId) -> Balance {
    with(|s| s.ledger.balance(who))
}

pub fn supply() -> Balance {
    with(|s| s.ledger.supply())
}

/// A member with TS and CF (10^9) and a capacity (1,000,000 tokens) that
/// bounds nothing in tests about other rules.
pub fn member(who: AccountId, ts: u128, cf: u128) {
    with(|s| s.scores.insert(who, (ts, cf, 1_000_000 * dcu_common::ONE_TOKEN)));
}

/// Sets a member's capacity C(v).
pub fn set_capacity(who: AccountId, capacity: Balance) {
    with(|s| s.scores.get_mut(&who).unwrap().2 = capacity);
}

/// How many `score` reads the trust graph answered so far.
pub fn score_reads() -> u32 {
    with(|s| s.score_reads)
}

/// `creditor` stakes `amount` in the pool (tokens move into the pool).
pub fn stake(creditor: AccountId, amount: Balance) {
    with(|s| {
        s.ledger.fund(pool(), pool(), amount);
        *s.unlent.entry(creditor).or_default() += amount;
    });
}

/// A line `g → b` with `free` capacity at `rate` bps.
pub fn line(g: AccountId, b: AccountId, free: Balance, rate: u32) {
    with(|s| s.lines.insert((g, b), (free, rate)));
}

/// `h` locks warrants automatically (it must hold the tokens).
pub fn auto_accept(h: AccountId) {
    with(|s| s.auto.insert(h));
}

/// `h` locks its warrant of loan `id` by hand.
pub fn accept(id: u64, h: AccountId) {
    with(|s| {
        let mut l = s.escrow.get(&id).cloned().unwrap();
        for w in l.warrants.iter_mut().filter(|w| w.0 == h && !w.2) {
            s.ledger.transfer(h, escrow(), w.1).unwrap();
            w.2 = true;
        }
        s.escrow.insert(id, l);
    });
}

pub fn escrow_loan(id: u64) -> Option<EscrowLoan> {
    with(|s| s.escrow.get(&id).cloned())
}

pub fn records() -> Vec<(Reputation, AccountId)> {
    with(|s| s.records.clone())
}

/// (insurance, treasury, written off) of the pool.
pub fn pool_funds() -> (Balance, Balance, Balance) {
    with(|s| (s.insurance, s.treasury, s.written_off))
}

pub fn free(g: AccountId, b: AccountId) -> Balance {
    with(|s| s.lines[&(g, b)].0)
}

pub fn unlent(c: AccountId) -> Balance {
    with(|s| s.unlent.get(&c).copied().unwrap_or(0))
}

pub fn hold(id: u64) -> Option<Balance> {
    with(|s| s.holds.get(&id).map(|h| h.1))
}

/// Puts `amount` into the pool's insurance reserve (tokens included).
pub fn set_reserve(amount: Balance) {
    with(|s| {
        s.ledger.fund(pool(), pool(), amount);
        s.insurance += amount;
    });
}

/// Term loans disbursed from now on are (not) insured.
pub fn set_uninsured(uninsured: bool) {
    with(|s| s.uninsured = uninsured);
}

/// The token refuses transfers to `who` (`None`: to nobody).
pub fn refuse_to(who: Option<AccountId>) {
    with(|s| s.refuse_to = who);
}

/// The pool's books: it holds exactly unlent stake + insurance + treasury;
/// the escrow holds exactly its locked warrants of open loans.
pub fn books_ok() -> std::result::Result<(), String> {
    with(|s| {
        let pool_owes = s.unlent.values().sum::<u128>() + s.insurance + s.treasury;
        if s.ledger.balance(pool()) != pool_owes {
            return Err(format!("pool holds {} ≠ {pool_owes}", s.ledger.balance(pool())));
        }
        let locked: u128 = s.escrow.values().filter(|l| l.open).flat_map(|l| l.warrants.iter()).filter(|w| w.2).map(|w| w.1).sum();
        if s.ledger.balance(escrow()) != locked {
            return Err(format!("escrow holds {} ≠ locked {locked}", s.ledger.balance(escrow())));
        }
        Ok(())
    })
}
