//! `dcu token …`: the PSP22 stablecoin (`stable_token` on local deployments).
//!
//! Amounts are written and printed in whole tokens with up to six decimals
//! (`12.5`); JSON output also carries the exact smallest-unit integers.

use std::io::Write;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::{Session, TxReport};
use crate::chain::{format_amount, parse_account, parse_amount};
use crate::value;
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::{CliError, Result};

/// Name of the token contract in the manifest.
pub const TOKEN: &str = "stable_token";

/// `dcu token` options.
#[derive(Debug, Args)]
pub struct TokenOpts {
    #[command(subcommand)]
    pub cmd: TokenCmd,
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Balance of an account (default: the signer).
    Balance {
        /// SS58 address or development account (//Bob, bob).
        account: Option<String>,
    },
    /// Send tokens to an account.
    Transfer {
        /// Recipient.
        to: String,
        /// Amount in tokens, e.g. 12.5.
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// Allow a spender (e.g. the credit pool) to move up to AMOUNT of the signer's tokens.
    Approve {
        /// Spender.
        spender: String,
        /// Allowance in tokens (replaces the current one).
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// What SPENDER may still move from OWNER.
    Allowance {
        /// Owner of the tokens.
        owner: String,
        /// Spender.
        spender: String,
    },
    /// Receive the development faucet's amount (rate-limited per account).
    Faucet,
    /// Mint tokens to an account (token owner only).
    Mint {
        /// Recipient.
        to: String,
        /// Amount in tokens.
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// Name, symbol, decimals, supply, owner and faucet settings.
    Info,
}

/// A balance or allowance.
#[derive(Debug, Serialize)]
pub struct AmountReport {
    /// What was asked.
    pub what: String,
    /// Account(s) concerned.
    pub account: String,
    /// Smallest units.
    pub units: u128,
    /// Whole tokens, formatted.
    pub tokens: String,
}

impl Report for AmountReport {
    fn human(&self) -> String {
        format!("{} of {}: {} DUSD", self.what, self.account, self.tokens)
    }
}

/// Token metadata and settings.
#[derive(Debug, Serialize)]
pub struct InfoReport {
    pub address: String,
    pub name: Option<String>,
    pub symbol: Option<String>,
    pub decimals: u128,
    pub total_supply_units: u128,
    pub total_supply: String,
    pub owner: Option<String>,
    pub faucet_amount_units: u128,
    pub faucet_cooldown_ms: u128,
}

impl Report for InfoReport {
    fn human(&self) -> String {
        format!(
            "{} ({}) at {}\n  decimals {}\n  total supply {}\n  owner {}\n  faucet {} per {} s",
            self.name.clone().unwrap_or_else(|| "unnamed token".into()),
            self.symbol.clone().unwrap_or_default(),
            self.address,
            self.decimals,
            self.total_supply,
            self.owner.clone().unwrap_or_else(|| "none (renounced)".into()),
            format_amount(self.faucet_amount_units),
            self.faucet_cooldown_ms / 1000
        )
    }
}

/// Runs a token subcommand.
pub async fn run(g: &GlobalOpts, opts: &TokenOpts, out: &mut impl Write) -> Result<()> {
    // Parse every argument before touching the network: bad input changes nothing.
    match &opts.cmd {
        TokenCmd::Balance { account } => {
            let who = account.as_deref().map(parse_account).transpose()?;
            let s = Session::open(g).await?;
            let who = who.unwrap_or_else(|| s.me());
            let units = balance_of(&s, &who.to_string()).await?;
            emit(g, out, &AmountReport { what: "Balance".into(), account: who.to_string(), units, tokens: format_amount(units) })
        }
        TokenCmd::Allowance { owner, spender } => {
            let (o, sp) = (parse_account(owner)?, parse_account(spender)?);
            let s = Session::open(g).await?;
            let units = allowance_of(&s, &o.to_string(), &sp.to_string()).await?;
            emit(g, out, &AmountReport { what: format!("Allowance to {sp}"), account: o.to_string(), units, tokens: format_amount(units) })
        }
        TokenCmd::Transfer { to, amount } => {
            let (to, units) = (parse_account(to)?, parse_amount(amount)?);
            let s = Session::open(g).await?;
            let tx = s.submit(g, TOKEN, "PSP22::transfer", &[to.to_string(), units.to_string(), "[]".into()]).await?;
            emit(g, out, &TxReport::new(format!("Sent {} DUSD from {} to {to}", format_amount(units), s.me()), Some(units), tx))
        }
        TokenCmd::Approve { spender, amount } => {
            let (sp, units) = (parse_account(spender)?, parse_amount(amount)?);
            let s = Session::open(g).await?;
            let tx = s.submit(g, TOKEN, "PSP22::approve", &[sp.to_string(), units.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("{sp} may now move up to {} DUSD of {}", format_amount(units), s.me()), Some(units), tx))
        }
        TokenCmd::Faucet => {
            let s = Session::open(g).await?;
            let tx = s.submit(g, TOKEN, "faucet", &[]).await?;
            let units = value::uint(&tx.value).unwrap_or(0);
            emit(g, out, &TxReport::new(format!("The faucet paid {} DUSD to {}", format_amount(units), s.me()), Some(units), tx))
        }
        TokenCmd::Mint { to, amount } => {
            let (to, units) = (parse_account(to)?, parse_amount(amount)?);
            let s = Session::open(g).await?;
            let tx = s.submit(g, TOKEN, "mint", &[to.to_string(), units.to_string()]).await?;
            emit(g, out, &TxReport::new(format!("Minted {} DUSD to {to}", format_amount(units)), Some(units), tx))
        }
        TokenCmd::Info => {
            let s = Session::open(g).await?;
            let t = s.contract(TOKEN)?;
            let q = |m: &'static str| {
                let (t, s) = (&t, &s);
                async move { t.query(&s.url, &s.signer, m, &[]).await }
            };
            let some_text = |v: &contract_transcode::Value| value::some(v).and_then(value::text);
            let name = some_text(&q("PSP22Metadata::token_name").await?.value);
            let symbol = some_text(&q("PSP22Metadata::token_symbol").await?.value);
            let decimals = value::uint(&q("PSP22Metadata::token_decimals").await?.value).unwrap_or(0);
            let supply = value::uint(&q("PSP22::total_supply").await?.value).unwrap_or(0);
            let owner = some_text(&q("owner").await?.value);
            let faucet = q("faucet_config").await?.value;
            let config: Vec<u128> = value::tuple(&faucet).into_iter().filter_map(value::uint).collect();
            let (fa, fc) = (config.first().copied().unwrap_or(0), config.get(1).copied().unwrap_or(0));
            emit(
                g,
                out,
                &InfoReport {
                    address: t.address.to_string(),
                    name,
                    symbol,
                    decimals,
                    total_supply_units: supply,
                    total_supply: format_amount(supply),
                    owner,
                    faucet_amount_units: fa,
                    faucet_cooldown_ms: fc,
                },
            )
        }
    }
}

/// Balance of `who` in smallest units.
pub async fn balance_of(s: &Session, who: &str) -> Result<u128> {
    let t = s.contract(TOKEN)?;
    let q = t.query(&s.url, &s.signer, "PSP22::balance_of", &[who.to_string()]).await?;
    value::uint(&q.value).ok_or_else(|| CliError::Other("unexpected answer to balance_of".into()))
}

/// What `spender` may still move from `owner`, in smallest units.
pub async fn allowance_of(s: &Session, owner: &str, spender: &str) -> Result<u128> {
    let t = s.contract(TOKEN)?;
    let q = t.query(&s.url, &s.signer, "PSP22::allowance", &[owner.to_string(), spender.to_string()]).await?;
    value::uint(&q.value).ok_or_else(|| CliError::Other("unexpected answer to allowance".into()))
}
