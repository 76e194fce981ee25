//! Stand-ins for governance's cross-contract calls in unit tests (the
//! off-chain environment cannot call contracts): trust scores, verification
//! and the member count of a trust graph, and the calls governance makes,
//! recorded, each answered with a configurable answer (`[0]` = `Ok(())`).

use crate::governance::{Error, Result};
use dcu_common::iface::trust_graph as tg;
use ink::primitives::AccountId;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct State {
    scores: BTreeMap<AccountId, u128>,
    verified: BTreeSet<AccountId>,
    members: u32,
    calls: Vec<(AccountId, [u8; 4], Vec<u8>)>,
    answer: Option<core::result::Result<Vec<u8>, ()>>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

pub fn trust_score(_graph: AccountId, member: AccountId) -> Result<u128> {
    with(|s| s.scores.get(&member).copied().ok_or(Error::TrustGraph(tg::Error::NotMember(member))))
}

pub fn is_verified(_graph: AccountId, member: AccountId) -> Result<bool> {
    Ok(with(|s| s.verified.contains(&member)))
}

pub fn member_count(_graph: AccountId) -> Result<u32> {
    Ok(with(|s| s.members))
}

pub fn call(contract: AccountId, selector: [u8; 4], args: Vec<u8>) -> core::result::Result<Vec<u8>, ()> {
    with(|s| {
        s.calls.push((contract, selector, args));
        s.answer.clone().unwrap_or(Ok(vec![0]))
    })
}

/// Forgets everything.
pub fn reset() {
    with(|s| *s = State::default());
}

/// Makes `who` a member with trust score `ts` (10^9 = 1.0).
pub fn member(who: AccountId, ts: u128) {
    with(|s| {
        s.scores.insert(who, ts);
        s.members += 1;
    });
}

/// Marks `who` verified.
pub fn verify(who: AccountId) {
    with(|s| s.verified.insert(who));
}

/// Sets the number of members the trust graph reports.
pub fn set_members(n: u32) {
    with(|s| s.members = n);
}

/// The calls made so far.
pub fn calls() -> Vec<(AccountId, [u8; 4], Vec<u8>)> {
    with(|s| s.calls.clone())
}

/// How the next calls are answered (`None`: `Ok(())`).
pub fn answer(a: Option<core::result::Result<Vec<u8>, ()>>) {
    with(|s| s.answer = a);
}
