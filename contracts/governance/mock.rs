//! Stand-ins for governance's cross-contract calls in unit tests (the
//! off-chain environment cannot call contracts): the verification times and
//! the verified-member count of a trust graph, and the calls governance
//! makes, recorded, each answered with a configurable answer (`[0]` = `Ok(())`).

use crate::governance::Result;
use ink::primitives::AccountId;
use std::cell::RefCell;
use std::collections::BTreeMap;

#[derive(Default)]
struct State {
    verified: BTreeMap<AccountId, u64>,
    verified_count: u32,
    calls: Vec<(AccountId, [u8; 4], Vec<u8>)>,
    answer: Option<core::result::Result<Vec<u8>, ()>>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

pub fn verified_at(_graph: AccountId, member: AccountId) -> Result<Option<u64>> {
    Ok(with(|s| s.verified.get(&member).copied()))
}

pub fn verified_count(_graph: AccountId) -> Result<u32> {
    Ok(with(|s| s.verified_count))
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

/// Marks `who` verified at time 0 (before every test's first proposal).
pub fn verify(who: AccountId) {
    verify_at(who, 0);
}

/// Marks `who` verified at `at` (ms) and counts it.
pub fn verify_at(who: AccountId, at: u64) {
    with(|s| {
        if s.verified.insert(who, at).is_none() {
            s.verified_count += 1;
        }
    });
}

/// Sets the number of verified members the trust graph reports.
pub fn set_verified_count(n: u32) {
    with(|s| s.verified_count = n);
}

/// The calls made so far.
pub fn calls() -> Vec<(AccountId, [u8; 4], Vec<u8>)> {
    with(|s| s.calls.clone())
}

/// How the next calls are answered (`None`: `Ok(())`).
pub fn answer(a: Option<core::result::Result<Vec<u8>, ()>>) {
    with(|s| s.answer = a);
}
