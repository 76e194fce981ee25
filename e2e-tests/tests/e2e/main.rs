//! Every e2e test of DCU in one test binary: one link of ink_e2e, subxt and
//! the contracts' `ink-as-dependency` crates instead of one per file. Each
//! test still spawns its own substrate-contracts-node, so tests run in
//! parallel (`--test-threads`) against independent nodes. Filter a group by
//! its module: `cargo test -p dcu-e2e-tests -- attacks::`.

mod attacks;
mod cli;
mod dapp;
mod decimals;
mod federation;
mod gov_cli;
mod governance;
mod hostile;
mod live_chain;
mod loan;
mod loan_cli;
mod monitor;
mod pool;
mod routing;
mod sequences;
mod token;
mod trust;
mod upgrades;
mod warrant;
