//! `dcu` — the DCU command-line tool, as a library.
//!
//! The binary (`main.rs`) is a thin shell over these modules so that every
//! command can be driven from tests with its output captured:
//! - [`opts`]: global flags shared by every command (`--url`, `--suri`, …);
//! - [`chain`]: connecting to a node, signers, account and amount parsing;
//! - [`contract`]: calling and querying contracts through their ink! metadata
//!   (contract-extrinsics / contract-transcode), with contract errors decoded
//!   into the words of their doc comments;
//! - [`manifest`]: the deployment manifest written by `dcu deploy`;
//! - [`layout`]: whether a new code can take over a contract's storage,
//!   from the two builds' ink! storage layouts;
//! - [`storage`]: a contract's storage read in bulk from the chain state
//!   (the credit graph in one pass), decoded into the contracts' own types;
//! - [`output`]: human and JSON renderings of every result;
//! - [`cmd`]: one module per command.
pub mod chain;
pub mod cmd;
pub mod contract;
pub mod error;
pub mod layout;
pub mod manifest;
pub mod opts;
pub mod profile;
pub mod storage;
pub mod output;
pub mod value;

pub use error::{CliError, Result};
