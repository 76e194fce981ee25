//! Calling and querying deployed contracts through their ink! metadata.
//!
//! Arguments are given as strings and encoded by contract-transcode from the
//! contract's metadata; return values and events are decoded the same way.
//! A call is always dry-run first: when the contract refuses, nothing is
//! submitted and the error variant is reported with its doc comment from the
//! metadata ("InsufficientBalance — the caller's balance is too low").

use std::path::{Path, PathBuf};

use contract_extrinsics::{
    CallCommandBuilder, CallExec, DisplayEvents, ErrorVariant, ExtrinsicOptsBuilder,
};
use contract_transcode::{ContractMessageTranscoder, Value};
use scale_info::{form::PortableForm, TypeDef};
use serde::Serialize;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

use crate::chain::{short_reason, Config, Env};
use crate::manifest::{self, Manifest};
use crate::{CliError, Result};

/// Weight of a call, as pallet-contracts reports it.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Gas {
    /// Computation time, in picoseconds.
    pub ref_time: u64,
    /// Storage proof size, in bytes.
    pub proof_size: u64,
}

impl From<sp_weights::Weight> for Gas {
    fn from(w: sp_weights::Weight) -> Self {
        Gas { ref_time: w.ref_time(), proof_size: w.proof_size() }
    }
}

/// What a dry run (a query) returned.
#[derive(Clone, Debug, Serialize)]
pub struct QueryOutcome {
    /// The decoded return value, with ink!'s `Ok(..)` wrapper removed.
    pub value: Value,
    /// Weight the call consumed.
    pub gas_consumed: Gas,
    /// Weight the call requires as a limit.
    pub gas_required: Gas,
    /// Storage deposit charged (positive) or refunded (negative).
    pub storage_deposit: i128,
}

/// What a submitted call did.
#[derive(Clone, Debug, Serialize)]
pub struct TxOutcome {
    /// Contract and message.
    pub contract: String,
    pub message: String,
    /// Return value of the dry run that preceded the submission.
    pub value: Value,
    /// Hash of the extrinsic, as included in a block.
    pub extrinsic_hash: String,
    /// Weight the call consumed (from the dry run at the same state).
    pub gas_consumed: Gas,
    /// Weight limit the extrinsic was submitted with.
    pub gas_limit: Gas,
    /// Storage deposit charged (positive) or refunded (negative).
    pub storage_deposit: i128,
    /// Events the contracts emitted, decoded from their metadata.
    pub contract_events: Vec<ContractEvent>,
    /// Every event of the extrinsic (pallet and contract events).
    pub events: serde_json::Value,
    /// The finalized block holding it, once waited for (see `Session::submit`).
    pub finalized_block: Option<u64>,
}

/// A contract event decoded with the emitting contract's metadata.
#[derive(Clone, Debug, Serialize)]
pub struct ContractEvent {
    /// Address of the emitting contract.
    pub contract: String,
    /// Event name from the metadata (`Transfer`, `CreditExtended`, …).
    pub name: String,
    /// Its fields.
    pub fields: Value,
}

/// Decodes the `ContractEmitted` events of an extrinsic with the metadata of
/// the contracts in `known` (events of other contracts are named "unknown").
pub fn decode_contract_events(events: &subxt::blocks::ExtrinsicEvents<Config>, known: &[&ContractHandle]) -> Vec<ContractEvent> {
    let mut out = Vec::new();
    for ev in events.iter().flatten() {
        if ev.pallet_name() != "Contracts" || ev.variant_name() != "ContractEmitted" {
            continue;
        }
        let bytes = ev.field_bytes();
        if bytes.len() < 32 {
            continue;
        }
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes[..32]);
        let contract = AccountId32(raw);
        let topics = ev.topics();
        let decoded = known
            .iter()
            .find(|h| h.address == contract)
            .zip(topics.first())
            .and_then(|(h, sig)| h.transcoder.decode_contract_event(sig, &mut &bytes[32..]).ok());
        let (name, fields) = match decoded {
            Some(Value::Map(m)) => (m.ident().unwrap_or_else(|| "event".into()), Value::Map(m)),
            Some(v) => ("event".into(), v),
            None => ("unknown".into(), Value::String(format!("0x{}", hex::encode(&bytes[32..])))),
        };
        out.push(ContractEvent { contract: contract.to_string(), name, fields });
    }
    out
}

impl TxOutcome {
    /// The contract events' names, in order ("Transfer", "Approval", …).
    pub fn contract_event_names(&self) -> Vec<String> {
        self.contract_events.iter().map(|e| e.name.clone()).collect()
    }
}

/// A deployed contract, ready to call.
pub struct ContractHandle {
    /// Contract name in the manifest.
    pub name: String,
    /// Its address.
    pub address: AccountId32,
    /// Its `.contract` bundle.
    pub bundle: PathBuf,
    /// Encoder/decoder built from its metadata.
    pub transcoder: ContractMessageTranscoder,
}

impl ContractHandle {
    /// Looks a contract up in a manifest and loads its metadata.
    pub fn from_manifest(manifest: &Manifest, manifest_path: &Path, name: &str) -> Result<Self> {
        let c = manifest.contract(name)?;
        let bundle = manifest::resolve(manifest_path, &c.bundle);
        let address = c.address.parse::<AccountId32>().map_err(|_| CliError::BadManifest {
            path: manifest_path.to_path_buf(),
            reason: format!("`{name}` has an invalid address {}", c.address),
        })?;
        Self::new(name, address, bundle)
    }

    /// A handle on `address` with the metadata in `bundle`.
    pub fn new(name: &str, address: AccountId32, bundle: PathBuf) -> Result<Self> {
        if !bundle.exists() {
            return Err(CliError::MissingArtifact(bundle));
        }
        let transcoder = ContractMessageTranscoder::load(&bundle).map_err(|e| CliError::BadManifest {
            path: bundle.clone(),
            reason: short_reason(&e.to_string()),
        })?;
        Ok(ContractHandle { name: name.to_string(), address, bundle, transcoder })
    }

    /// Whether the contract's metadata has `message` (a deployment made
    /// before a message was added has not).
    pub fn has_message(&self, message: &str) -> bool {
        self.transcoder.metadata().spec().messages().iter().any(|m| m.label() == message)
    }

    /// Decodes the raw answer of `message` as a contract returned it to
    /// another contract (without ink!'s outer dispatch wrapper) and, when it
    /// is an `Err`, names the error variant with its doc comment.
    pub fn describe_answer(&self, message: &str, answer: &[u8]) -> Option<(String, String)> {
        let mut data = Vec::with_capacity(answer.len() + 1);
        data.push(0u8); // Ok(..) of ink!'s LangError wrapper
        data.extend_from_slice(answer);
        let value = self.transcoder.decode_message_return(message, &mut &data[..]).ok()?;
        Some(describe_error(&self.transcoder, message, &value))
    }

    async fn prepare(&self, url: &str, signer: &Keypair, message: &str, args: &[String]) -> Result<CallExec<Config, Env, Keypair>> {
        if !self.transcoder.metadata().spec().messages().iter().any(|m| m.label() == message) {
            return Err(CliError::Other(format!("`{}` has no message `{message}`", self.name)));
        }
        let url_parsed = crate::chain::check_url(url)?;
        let opts = ExtrinsicOptsBuilder::new(signer.clone())
            .file(Some(self.bundle.clone()))
            .url(url_parsed)
            .done();
        CallCommandBuilder::new(self.address.clone(), message, opts)
            .args(args.to_vec())
            .done()
            .await
            .map_err(|e| classify(url, &format!("preparing `{message}`"), &e.to_string()))
    }

    /// Dry-runs a read-only `message` as `caller` over an open connection
    /// (the node's `ContractsApi_call` runtime API at the best block) and
    /// decodes its answer, ink!'s `Ok(..)` wrapper removed: one request,
    /// where [`query`](Self::query) opens a client per call. For reads
    /// repeated many times (`dcu route --reader per-member`).
    ///
    /// # Errors
    /// As [`query`](Self::query): the contract's decoded error, or the
    /// pallet's refusal.
    pub async fn read_on(&self, conn: &crate::chain::Conn, caller: &AccountId32, message: &str, args: &[String]) -> Result<Value> {
        let (bytes, reverted) = self.dry_run_on(conn, caller, message, args).await?;
        self.decode_answer(message, &bytes, reverted)
    }

    /// Decodes a dry run's answer to `message` by the metadata, ink!'s
    /// `Ok(..)` wrapper removed; a reverted answer is the contract's error.
    fn decode_answer(&self, message: &str, bytes: &[u8], reverted: bool) -> Result<Value> {
        let value = self
            .transcoder
            .decode_message_return(message, &mut &bytes[..])
            .map_err(|e| CliError::Other(format!("cannot decode the answer of `{message}`: {}", short_reason(&e.to_string()))))?;
        if reverted {
            let (variant, description) = describe_error(&self.transcoder, message, &value);
            return Err(CliError::ContractRefused { contract: self.name.clone(), message: message.to_string(), variant, description });
        }
        Ok(crate::value::unwrap_ok(&value).clone())
    }

    /// As [`read_on`](Self::read_on), the answer's SCALE bytes for the
    /// caller to decode into its own type: ink!'s `Ok(..)` wrapper, and the
    /// message's own `Ok(..)` when it returns a `Result`, removed. A refusal
    /// is decoded by the metadata into the contract's error.
    pub async fn read_raw_ok(&self, conn: &crate::chain::Conn, caller: &AccountId32, message: &str, args: &[String]) -> Result<Vec<u8>> {
        let (bytes, reverted) = self.dry_run_on(conn, caller, message, args).await?;
        // ink! 5 returns MessageResult<T> = Result<T, LangError>; T itself
        // may be a Result (the message's own error).
        let meta = self.transcoder.metadata();
        let registry = meta.registry();
        let is_result = |id: u32| registry.resolve(id).is_some_and(|t| t.path.segments.last().is_some_and(|s| s == "Result"));
        let inner = |id: u32| registry.resolve(id).and_then(|t| t.type_params.iter().find(|p| p.name == "T").and_then(|p| p.ty).map(|t| t.id));
        let returns_result = meta
            .spec()
            .messages()
            .iter()
            .find(|m| m.label() == message)
            .map(|m| m.return_type().ret_type().ty().id)
            .and_then(inner)
            .is_some_and(is_result);
        let wrappers = if returns_result { 2 } else { 1 };
        if reverted || bytes.len() < wrappers || bytes[..wrappers].iter().any(|b| *b != 0) {
            // Not Ok(Ok(..)): let the metadata name the error.
            self.decode_answer(message, &bytes, reverted)?;
            return Err(CliError::Other(format!("`{message}` answered no value")));
        }
        Ok(bytes[wrappers..].to_vec())
    }

    /// The raw answer of a dry run over `conn` and whether it reverted.
    async fn dry_run_on(&self, conn: &crate::chain::Conn, caller: &AccountId32, message: &str, args: &[String]) -> Result<(Vec<u8>, bool)> {
        use subxt::dynamic::Value as Dyn;
        use subxt::ext::scale_value::At;
        let data = self
            .transcoder
            .encode(message, args)
            .map_err(|e| CliError::Other(format!("cannot encode `{message}`: {}", short_reason(&e.to_string()))))?;
        let none = || Dyn::unnamed_variant("None", []);
        let payload = subxt::dynamic::runtime_api_call(
            "ContractsApi",
            "call",
            vec![Dyn::from_bytes(caller.0), Dyn::from_bytes(self.address.0), Dyn::u128(0), none(), none(), Dyn::from_bytes(data)],
        );
        let (at, _) = conn.best_block().await?;
        let lost = |e: subxt::Error| CliError::ConnectionLost { doing: format!("dry-running `{message}`"), reason: short_reason(&e.to_string()) };
        let answer = conn.client.runtime_api().at(at).call(payload).await.map_err(lost)?;
        let answer = answer.to_value().map_err(|e| CliError::Other(format!("cannot decode the node's answer to `{message}`: {e}")))?;
        let result = answer.at("result").ok_or_else(|| CliError::Other(format!("the node's answer to `{message}` has no result")))?;
        let ok = match &result.value {
            subxt::ext::scale_value::ValueDef::Variant(v) if v.name == "Ok" => v.values.values().next(),
            _ => None,
        };
        let Some(ok) = ok else {
            return Err(CliError::ChainRefused { message: message.to_string(), reason: format!("the dry run failed: {result}") });
        };
        let bytes = ok.at("data").map(crate::storage::value_bytes).unwrap_or_default();
        let reverted = ok.at("flags").and_then(|f| f.at("bits").or(Some(f))).and_then(|b| b.as_u128()).is_some_and(|b| b & 1 == 1);
        Ok((bytes, reverted))
    }

    /// Dry-runs `message` as `signer` and decodes its return value.
    ///
    /// # Errors
    /// [`CliError::ContractRefused`] with the decoded error when the contract
    /// returns `Err`, [`CliError::ChainRefused`] when the pallet refuses.
    pub async fn query(&self, url: &str, signer: &Keypair, message: &str, args: &[String]) -> Result<QueryOutcome> {
        let exec = self.prepare(url, signer, message, args).await?;
        self.dry_run(url, &exec, message).await
    }

    async fn dry_run(&self, url: &str, exec: &CallExec<Config, Env, Keypair>, message: &str) -> Result<QueryOutcome> {
        let result = exec
            .call_dry_run()
            .await
            .map_err(|e| classify(url, &format!("dry-running `{message}`"), &e.to_string()))?;
        let storage_deposit = deposit_of(&result.storage_deposit);
        let gas_consumed = Gas::from(result.gas_consumed);
        let gas_required = Gas::from(result.gas_required);
        match result.result {
            Ok(ret) => {
                let value = self.decode_answer(message, &ret.data, ret.did_revert())?;
                Ok(QueryOutcome { value, gas_consumed, gas_required, storage_deposit })
            }
            Err(err) => {
                let reason = match ErrorVariant::from_dispatch_error(&err, &exec.client().metadata()) {
                    Ok(v) => v.to_string(),
                    Err(_) => format!("{err:?}"),
                };
                if reason.contains("StorageDeposit") {
                    let who = exec.opts().signer().public_key().to_account_id();
                    if free_balance(url, &who).await == Some(0) {
                        return Err(CliError::ChainRefused {
                            message: message.to_string(),
                            reason: format!("the signing account {who} has no funds to pay fees and storage deposits"),
                        });
                    }
                }
                Err(CliError::ChainRefused { message: message.to_string(), reason: explain_dispatch(&reason) })
            }
        }
    }

    /// Dry-runs, then submits `message` as `signer` and waits until it is in
    /// a block. Nothing is submitted when the dry run fails. Events emitted
    /// by `peers` (contracts this one calls) are decoded with their metadata.
    pub async fn execute(&self, url: &str, signer: &Keypair, message: &str, args: &[String], peers: &[&ContractHandle]) -> Result<TxOutcome> {
        let exec = self.prepare(url, signer, message, args).await?;
        let dry = self.dry_run(url, &exec, message).await?;
        // A 50 % margin over the dry run's requirement absorbs state changes
        // between the dry run and inclusion; nested cross-contract calls
        // (governance → pool → trust graph) were seen to need more than 10 %.
        // Only the weight used is charged.
        let limit = sp_weights::Weight::from_parts(
            dry.gas_required.ref_time.saturating_add(dry.gas_required.ref_time / 2),
            dry.gas_required.proof_size.saturating_add(dry.gas_required.proof_size / 2),
        );
        let events = match exec.call(Some(limit)).await {
            Ok(events) => events,
            Err(e) => {
                let text = e.to_string();
                if looks_disconnected(&text) {
                    return Err(CliError::ConnectionLost { doing: format!("submitting `{message}`"), reason: short_reason(&text) });
                }
                // The dry run passed but the block's state refused it (time
                // moved on: a request expired, a line changed): the same
                // dry run on the new state names the contract's error.
                if text.contains("ContractReverted") {
                    if let Err(CliError::ContractRefused { contract, message, variant, description }) = self.dry_run(url, &exec, message).await {
                        return Err(CliError::ContractRefused {
                            contract,
                            message,
                            variant,
                            description: format!("{description} (the dry run had passed: the state changed before the call was included)"),
                        });
                    }
                }
                return Err(CliError::ChainRefused { message: message.to_string(), reason: explain_dispatch(&short_reason(&text)) });
            }
        };
        let extrinsic_hash = format!("{:?}", events.extrinsic_hash());
        let display = DisplayEvents::from_events::<Config, Env>(&events, Some(&self.transcoder), &exec.client().metadata())
            .map_err(|e| CliError::Other(format!("cannot decode the events: {}", short_reason(&e.to_string()))))?;
        let mut known = vec![self];
        known.extend_from_slice(peers);
        let contract_events = decode_contract_events(&events, &known);
        let events = serde_json::to_value(&display).unwrap_or(serde_json::Value::Null);
        Ok(TxOutcome {
            contract: self.name.clone(),
            message: message.to_string(),
            value: dry.value,
            extrinsic_hash,
            gas_consumed: dry.gas_consumed,
            gas_limit: Gas::from(limit),
            storage_deposit: dry.storage_deposit,
            contract_events,
            events,
            finalized_block: None,
        })
    }
}

fn deposit_of<B: Into<u128> + Copy>(d: &contract_extrinsics::pallet_contracts_primitives::StorageDeposit<B>) -> i128 {
    use contract_extrinsics::pallet_contracts_primitives::StorageDeposit;
    match d {
        StorageDeposit::Charge(c) => i128::try_from((*c).into()).unwrap_or(i128::MAX),
        StorageDeposit::Refund(r) => i128::try_from((*r).into()).map(|v| -v).unwrap_or(i128::MIN),
    }
}

/// The free native balance of `who`, `None` when it cannot be read.
async fn free_balance(url: &str, who: &AccountId32) -> Option<u128> {
    use subxt::ext::scale_value::At;
    let conn = crate::chain::connect(url).await.ok()?;
    match conn.fetch("System", "Account", vec![subxt::dynamic::Value::from_bytes(who.0)], "reading a balance").await.ok()? {
        None => Some(0),
        Some(v) => v.to_value().ok()?.at("data")?.at("free")?.as_u128(),
    }
}

pub fn looks_disconnected(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["connection", "restart", "background task closed", "transport", "broken pipe", "reset by peer"]
        .iter()
        .any(|k| t.contains(k))
}

/// Maps a library error met while talking to the node to a sentence.
fn classify(url: &str, doing: &str, text: &str) -> CliError {
    if looks_disconnected(text) || text.to_ascii_lowercase().contains("refused") {
        CliError::NodeUnreachable { url: url.to_string(), reason: format!("{doing}: {}", short_reason(text)) }
    } else {
        CliError::Other(format!("{doing} failed: {}", short_reason(text)))
    }
}

/// Adds plain words to the pallet errors members meet most.
fn explain_dispatch(reason: &str) -> String {
    let hints = [
        ("ContractTrapped", "the contract stopped with a trap (a bug or an unhandled case)"),
        ("StorageDepositLimitExhausted", "the signing account cannot pay the storage deposit, or the deposit limit is too low"),
        ("StorageDepositNotEnoughFunds", "the account cannot pay the storage deposit"),
        ("OutOfGas", "the call ran out of gas"),
        ("ContractNotFound", "there is no contract at that address"),
        ("CodeNotFound", "the contract code is not on chain"),
        ("DuplicateContract", "a contract with the same code and salt already exists"),
        ("Inability to pay some fees", "the signing account cannot pay the fees"),
    ];
    for (key, words) in hints {
        if reason.contains(key) {
            return format!("{words} ({reason})");
        }
    }
    reason.to_string()
}

/// The variant of a refused call's error and its doc comment from metadata.
pub fn describe_error(transcoder: &ContractMessageTranscoder, message: &str, value: &Value) -> (String, String) {
    // Walk Ok(Err(e)) / Err(lang_error) in the value and the type registry together.
    let registry = transcoder.metadata().registry();
    let mut ty = transcoder
        .metadata()
        .spec()
        .messages()
        .iter()
        .find(|m| m.label() == message)
        .map(|m| m.return_type().ret_type().ty().id);
    let mut cur = value;
    loop {
        let (ident, inner) = match cur {
            Value::Tuple(t) => {
                let mut vals = t.values();
                (t.ident(), match (vals.next(), vals.next()) { (Some(v), None) => Some(v), _ => None })
            }
            _ => (None, None),
        };
        match (ident.as_deref(), inner) {
            (Some(id @ ("Ok" | "Err")), Some(inner)) => {
                ty = ty.and_then(|t| field_type_of_variant(registry, t, id));
                if id == "Err" {
                    return variant_and_docs(registry, ty, inner);
                }
                cur = inner;
            }
            _ => return variant_and_docs(registry, ty, cur),
        }
    }
}

fn field_type_of_variant(registry: &scale_info::PortableRegistry, ty: u32, variant: &str) -> Option<u32> {
    match &registry.resolve(ty)?.type_def {
        TypeDef::Variant(v) => v.variants.iter().find(|x| x.name == variant)?.fields.first().map(|f| f.ty.id),
        _ => None,
    }
}

fn variant_and_docs(registry: &scale_info::PortableRegistry, ty: Option<u32>, value: &Value) -> (String, String) {
    let name = match value {
        Value::Tuple(t) => t.ident(),
        Value::Map(m) => m.ident(),
        Value::Literal(s) => Some(s.clone()),
        _ => None,
    };
    let shown = value.to_string();
    let mut docs = match (ty.and_then(|t| registry.resolve(t)), &name) {
        (Some(t), Some(n)) => match &t.type_def {
            TypeDef::Variant::<PortableForm>(v) => v
                .variants
                .iter()
                .find(|x| &x.name == n)
                .map(|x| x.docs.join(" ").trim().to_string())
                .unwrap_or_default(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    let gloss = gloss(value);
    if !gloss.is_empty() {
        docs = format!("{} ({gloss})", docs.trim_end_matches('.')).trim_start().to_string();
    }
    (shown, docs)
}

/// The error's amounts in tokens and times as dates, in words: fields named
/// like an amount (`available`, `requested`, `drawn`) or a time (`until`,
/// `since`).
fn gloss(value: &Value) -> String {
    let Value::Map(m) = value else { return String::new() };
    let mut parts = Vec::new();
    for (k, v) in m.iter() {
        let (Value::String(k) | Value::Literal(k)) = k else { continue };
        let Some(n) = crate::value::uint(v) else { continue };
        match k.as_str() {
            "available" | "requested" | "drawn" => parts.push(format!("{k} {} DUSD", crate::chain::format_amount(n))),
            "until" | "since" if n > 0 => parts.push(format!("{k} {}", crate::chain::format_time(u64::try_from(n).unwrap_or(u64::MAX)))),
            _ => {}
        }
    }
    parts.join(", ")
}
