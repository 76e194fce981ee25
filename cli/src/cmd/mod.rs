//! One module per command; each has `Opts` (clap) and `run(global, opts, out)`.
pub mod demo;
pub mod demo_federation;
pub mod deploy;
pub mod federation;
pub mod gov;
pub mod health;
pub mod loan;
pub mod monitor;
pub mod node;
pub mod pool;
pub mod route;
pub mod token;
pub mod trust;
pub mod warrant;

use serde::Serialize;

use crate::chain;
use crate::contract::{ContractHandle, Gas, TxOutcome};
use crate::manifest::Manifest;
use crate::opts::GlobalOpts;
use crate::output::{spinner, Report};
use crate::{CliError, Result};

/// A connection, a signer and the deployment, checked against the chain.
pub struct Session {
    pub url: String,
    pub signer: subxt_signer::sr25519::Keypair,
    pub manifest: Manifest,
    pub manifest_path: std::path::PathBuf,
    pub conn: chain::Conn,
}

impl Session {
    /// Connects, parses the signer and loads the manifest, refusing a manifest
    /// written for another chain (e.g. before a dev node restarted).
    pub async fn open(g: &GlobalOpts) -> Result<Session> {
        let manifest_path = g.manifest_path();
        let manifest = Manifest::load(&manifest_path)?;
        chain::set_decimals(manifest.decimals);
        let conn = chain::connect(&g.url).await?;
        let signer = chain::signer_from_suri(&g.secret_uri(&conn.chain_type().await?)?)?;
        let genesis = format!("{:?}", conn.client.genesis_hash());
        if genesis != manifest.genesis_hash {
            return Err(CliError::StaleManifest {
                path: manifest_path,
                url: g.url.clone(),
                expected: manifest.genesis_hash.clone(),
                found: genesis,
            });
        }
        Ok(Session { url: g.url.clone(), signer, manifest, manifest_path, conn })
    }

    /// A handle on a deployed contract.
    pub fn contract(&self, name: &str) -> Result<ContractHandle> {
        ContractHandle::from_manifest(&self.manifest, &self.manifest_path, name)
    }

    /// Dry-runs `message` on `t` as the signer and returns its decoded answer.
    pub async fn query(&self, t: &ContractHandle, message: &str, args: &[String]) -> Result<contract_transcode::Value> {
        Ok(t.query(&self.url, &self.signer, message, args).await?.value)
    }

    /// The signer's account.
    pub fn me(&self) -> subxt::utils::AccountId32 {
        self.signer.public_key().to_account_id()
    }

    /// Dry-runs, then submits `message` on the deployed `contract` as the
    /// signer, with a spinner while it waits for the block.
    pub async fn submit(&self, g: &GlobalOpts, contract: &str, message: &str, args: &[String]) -> Result<TxOutcome> {
        let t = self.contract(contract)?;
        // The other contracts of the suite, to name the events they emit
        // during cross-contract calls (a token transfer inside a stake).
        let peers: Vec<ContractHandle> =
            self.manifest.contracts.keys().filter(|n| n.as_str() != contract).filter_map(|n| self.contract(n).ok()).collect();
        let peers: Vec<&ContractHandle> = peers.iter().collect();
        let pb = spinner(g, format!("{contract}: {message} …"));
        let before = if self.manifest.wait_finalized { self.conn.best_block().await?.1 } else { 0 };
        let tx = t.execute(&self.url, &self.signer, message, args, &peers).await;
        let mut tx = match tx {
            Ok(tx) => tx,
            Err(e) => {
                pb.finish_and_clear();
                return Err(explain_refusal(e));
            }
        };
        // A production deployment reports a transaction once it is final.
        if self.manifest.wait_finalized {
            pb.set_message(format!("{contract}: {message} is in a block; waiting for finality …"));
            let n = self.conn.wait_finalized(&tx.extrinsic_hash, before).await;
            pb.finish_and_clear();
            tx.finalized_block = Some(n?);
        }
        pb.finish_and_clear();
        Ok(tx)
    }
}

/// A contract's refusal, told in one sentence where `dcu` knows better
/// words than the error's doc comment: what happened and what to do.
pub fn explain_refusal(e: CliError) -> CliError {
    match e {
        CliError::ContractRefused { contract, message, variant, description } => {
            let description = explain_variant(&contract, &message, &variant).unwrap_or(description);
            CliError::ContractRefused { contract, message, variant, description }
        }
        other => other,
    }
}

/// The unsigned field `name` of a rendered error (`AboveMaxCredit { owed: 5, max_credit: 9 }`).
fn num_in(variant: &str, name: &str) -> Option<u128> {
    let at = variant.find(&format!("{name}: "))? + name.len() + 2;
    let digits: String = variant[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The text field `name` of a rendered error (an account).
fn word_in(variant: &str, name: &str) -> Option<String> {
    let at = variant.find(&format!("{name}: "))? + name.len() + 2;
    let w: String = variant[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    (!w.is_empty()).then_some(w)
}

/// One sentence for the refusals members meet after SPEC v2 (§3–5): the
/// error's name in `variant` (as rendered, fields included), by `contract`
/// refusing `message`. `None` leaves the doc comment.
pub fn explain_variant(contract: &str, message: &str, variant: &str) -> Option<String> {
    use crate::chain::{format_amount, format_rate};
    let name = variant.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
    let amount = |field: &str| num_in(variant, field).map(format_amount).unwrap_or_else(|| "?".into());
    let rate = |field: &str| num_in(variant, field).map(format_rate).unwrap_or_else(|| "?".into());
    let sentence = match name {
        "AnchorNotReleased" => "this would take your own capital in the pool below what anchors you while your trust still counts: \
                                stake more, or run `dcu trust release` first (your trust then stops counting; `dcu trust resume` lifts it)"
            .to_string(),
        "AboveMaxCredit" => format!(
            "you would owe {} DUSD — pool draws and the term loans you borrowed together — above MAX_CREDIT, the one cap of {} DUSD per member: repay first or borrow less",
            amount("owed"),
            amount("max_credit")
        ),
        "NothingToClaim" if contract == warrant::ESCROW => {
            "the escrow holds nothing for you: every warrant payment reached you (`dcu warrant show` lists what is held)".to_string()
        }
        "NothingToClaim" => "nothing is held for you: every interest share reached you at its repayment (`dcu loan status ID` lists what is held)".to_string(),
        "AlreadyDeclined" => "you declined this warrant: it can never be locked, so the loan cannot be disbursed over this route (its borrower cancels it or it expires)".to_string(),
        "AlreadyLocked" if message == "decline" => "your warrant on this loan is already locked: it stays until the loan is repaid (released with its interest share) or settled".to_string(),
        "NotHolder" if message == "decline" || message == "accept" || message == "accept_from_stake" => "you hold no warrant on this loan (`dcu warrant loan ID` names its holders)".to_string(),
        "Declined" => {
            let who = word_in(variant, "borrower").unwrap_or_else(|| "the borrower".into());
            format!("{who} declined your credit lines: no new line to {who} until {who} runs `dcu pool accept` with your address")
        }
        "NotDeclined" => "you have not declined this grantor's lines, so there is nothing to accept".to_string(),
        "BelowMinLine" => format!(
            "a line is at least MIN_LINE, {} DUSD (or 0, to close it with `dcu pool close` once its lock-out ends)",
            amount("min")
        ),
        "RateAboveMax" => format!(
            "part of the draw would be lent at {}, above your limit of {}: nothing was drawn; a line's rate may have been raised — see `dcu pool show`, and draw again with a higher --max-rate only if you accept it",
            rate("rate_bps"),
            rate("max_rate_bps")
        ),
        _ => return None,
    };
    Some(sentence)
}

/// What a submitted transaction did, for every command that submits one.
#[derive(Debug, Serialize)]
pub struct TxReport {
    /// What happened, in words.
    pub summary: String,
    /// Amount moved, in smallest units, where the command moves money.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<u128>,
    /// Hash of the extrinsic.
    pub extrinsic_hash: String,
    /// The finalized block holding it, when the deployment waits for
    /// finality (production profiles); absent: reported at the best block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalized_block: Option<u64>,
    /// Weight consumed.
    pub gas_consumed: Gas,
    /// Storage deposit charged (+) or refunded (−), in the chain's native units.
    pub storage_deposit: i128,
    /// Contract events emitted, by name.
    pub contract_events: Vec<String>,
    /// Every decoded event.
    pub events: serde_json::Value,
    /// What the command read from its events, by name (e.g. a default's
    /// `covered` and `written_off`), where it reports more than `units`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl TxReport {
    /// The report of `tx`, told as `summary`.
    pub fn new(summary: String, units: Option<u128>, tx: TxOutcome) -> Self {
        TxReport {
            summary,
            units,
            contract_events: tx.contract_event_names(),
            finalized_block: tx.finalized_block,
            extrinsic_hash: tx.extrinsic_hash,
            gas_consumed: tx.gas_consumed,
            storage_deposit: tx.storage_deposit,
            events: tx.events,
            details: None,
        }
    }

    /// The same report with `details`.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// The unsigned fields `names` of the first contract event called `event`
/// in `tx`, as JSON (absent fields are 0); `None` without such an event.
pub fn event_fields(tx: &TxOutcome, event: &str, names: &[&str]) -> Option<serde_json::Value> {
    let e = tx.contract_events.iter().find(|e| e.name == event)?;
    let map: serde_json::Map<String, serde_json::Value> =
        names.iter().map(|n| (n.to_string(), serde_json::json!(crate::value::uint_field(&e.fields, n).unwrap_or(0)))).collect();
    Some(serde_json::Value::Object(map))
}

impl Report for TxReport {
    fn human(&self) -> String {
        format!(
            "{}\n  extrinsic {}{}\n  weight ref_time {} ps, proof_size {} B; events: {}",
            self.summary,
            self.extrinsic_hash,
            self.finalized_block.map(|n| format!(", finalized in block #{n}")).unwrap_or_default(),
            self.gas_consumed.ref_time,
            self.gas_consumed.proof_size,
            if self.contract_events.is_empty() { "none".to_string() } else { self.contract_events.join(", ") }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_refusals_get_one_sentence_with_their_amounts() {
        let one = dcu_common::ONE_TOKEN;
        let e = explain_variant("credit_pool", "draw", &format!("AboveMaxCredit {{ owed: {}, max_credit: {} }}", 10_050 * one, 10_000 * one)).unwrap();
        assert!(e.contains("10,050") && e.contains("10,000") && e.contains("MAX_CREDIT"), "{e}");
        let e = explain_variant("loan_manager", "disburse", "AboveMaxCredit { owed: 5, max_credit: 3 }").unwrap();
        assert!(e.contains("term loans"), "{e}");
        let e = explain_variant("warrant_escrow", "claim", "NothingToClaim").unwrap();
        assert!(e.contains("escrow holds nothing"), "{e}");
        let e = explain_variant("loan_manager", "claim", "NothingToClaim").unwrap();
        assert!(e.contains("interest share"), "{e}");
        assert!(explain_variant("warrant_escrow", "accept", "AlreadyDeclined").unwrap().contains("declined this warrant"));
        assert!(explain_variant("warrant_escrow", "decline", "AlreadyLocked").unwrap().contains("already locked"));
        assert!(explain_variant("warrant_escrow", "accept", "AlreadyLocked").is_none(), "the doc comment says it for accept");
        let e = explain_variant("credit_pool", "extend_credit", "Declined { borrower: 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty }").unwrap();
        assert!(e.starts_with("5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty declined your credit lines"), "{e}");
        assert!(explain_variant("credit_pool", "accept_lines_from", "NotDeclined").unwrap().contains("nothing to accept"));
        let e = explain_variant("credit_pool", "extend_credit", &format!("BelowMinLine {{ min: {} }}", 10 * one)).unwrap();
        assert!(e.contains("MIN_LINE, 10 DUSD"), "{e}");
        let e = explain_variant("credit_pool", "draw", "RateAboveMax { rate_bps: 700, max_rate_bps: 500 }").unwrap();
        assert!(e.contains("7.00 %") && e.contains("5.00 %") && e.contains("nothing was drawn"), "{e}");
        assert!(explain_variant("credit_pool", "stake", "AnchorNotReleased { counting: 2 }").unwrap().contains("dcu trust release"));
        assert!(explain_variant("credit_pool", "draw", "InsufficientCredit { available: 1, requested: 2 }").is_none());
        // A name is matched whole, not as a prefix.
        assert!(explain_variant("credit_pool", "x", "DeclinedSomething").is_none());
    }

    #[test]
    fn a_refusal_keeps_its_variant_and_gets_the_sentence() {
        let e = explain_refusal(CliError::ContractRefused {
            contract: "warrant_escrow".into(),
            message: "claim".into(),
            variant: "NothingToClaim".into(),
            description: "The caller has no claimable balance.".into(),
        });
        let text = e.to_string();
        assert!(text.starts_with("warrant_escrow refused `claim`: NothingToClaim — the escrow holds nothing for you"), "{text}");
        assert_eq!(text.lines().count(), 1, "one sentence: {text}");
        let other = explain_refusal(CliError::Other("x".into()));
        assert_eq!(other.to_string(), "x");
    }
}
