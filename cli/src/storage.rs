//! Reading a contract's storage in bulk, straight from the chain's state.
//!
//! pallet-contracts keeps each contract's storage in a child trie of its
//! own (`:child_storage:default:` ++ the contract's `trie_id`), under the key
//! `blake2_128(raw) ++ raw`, where `raw` is what ink! asks for: a field's
//! 4-byte storage key (little-endian, as the metadata's storage layout writes
//! it) followed by the SCALE encoding of the mapping's key. So every entry of
//! a `Mapping` field can be listed and decoded by anyone with the contract's
//! metadata — page by page through the node's `childstate_*` RPC, all pages
//! at one block — instead of one contract dry run per key.
//!
//! [`pool_lines`] reads the credit pool's lines and grantors this way: the
//! whole credit graph in a few requests, decoded into the pool's own record
//! types (`dcu_common::pool::{Line, Grantor}`, the types the contract
//! stores), so a field the contract renames or retypes breaks the build or
//! the decoding, never reads silently as 0.

use std::collections::BTreeMap;

use contract_transcode::ink_metadata::layout::{Layout, RootLayout};
use dcu_common::pool::{headroom, Grantor, Line};
use scale_info::form::PortableForm;
use subxt::ext::codec::Decode;
use subxt::backend::rpc::rpc_params;
use subxt::utils::AccountId32;

use crate::chain::{short_reason, Conn};
use crate::contract::ContractHandle;
use crate::{CliError, Result};

/// Keys asked for per `childstate_getKeysPaged` request (the node's cap).
pub const KEYS_PER_PAGE: u32 = 1_000;

/// Values asked for per `childstate_getStorageEntries` request.
pub const VALUES_PER_REQUEST: usize = 1_000;

/// Value requests in flight at once.
pub const MAX_IN_FLIGHT: usize = 8;

/// Most storage entries one read lists (about 600,000 members' lines).
pub const MAX_KEYS: usize = 10_000_000;

/// Entries of a contract's child trie whose raw key starts with one of the
/// wanted storage keys: (raw key, value), read at one block.
#[derive(Debug, Default)]
pub struct Entries {
    /// (raw key = field key ++ mapping key, SCALE value), in trie order.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// Keys in the contract's trie, wanted or not.
    pub keys_seen: usize,
    /// RPC requests made.
    pub requests: usize,
}

impl Entries {
    /// The entries of the field stored under `key`, with the field key cut
    /// off the raw key (leaving the mapping's key).
    pub fn of(&self, key: [u8; 4]) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries.iter().filter(move |(k, _)| k.starts_with(&key)).map(|(k, v)| (&k[4..], v.as_slice()))
    }
}

/// The bytes of a scale-value (a byte array or vector decodes as a
/// composite of numbers, possibly nested).
pub fn value_bytes<T>(v: &subxt::ext::scale_value::Value<T>) -> Vec<u8> {
    use subxt::ext::scale_value::{Composite, ValueDef};
    fn walk<T>(v: &subxt::ext::scale_value::Value<T>, out: &mut Vec<u8>) {
        match &v.value {
            ValueDef::Composite(Composite::Unnamed(vs)) => vs.iter().for_each(|x| walk(x, out)),
            ValueDef::Composite(Composite::Named(vs)) => vs.iter().for_each(|(_, x)| walk(x, out)),
            ValueDef::Primitive(_) => {
                if let Some(n) = v.as_u128().and_then(|n| u8::try_from(n).ok()) {
                    out.push(n);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

fn lost(doing: &str) -> impl Fn(subxt::Error) -> CliError + '_ {
    move |e| CliError::ConnectionLost { doing: doing.to_string(), reason: short_reason(&e.to_string()) }
}

/// Reads, at the best block, every entry of `contract`'s storage stored
/// under one of `fields` (4-byte storage keys).
pub async fn read_fields(conn: &Conn, contract: &ContractHandle, fields: &[[u8; 4]]) -> Result<Entries> {
    let (at, _) = conn.best_block().await?;
    let at_hex = format!("{at:?}");
    let address: &AccountId32 = &contract.address;
    let info = conn
        .fetch_at(at, "Contracts", "ContractInfoOf", vec![subxt::dynamic::Value::from_bytes(address.0)], "reading the contract's info")
        .await?
        .ok_or_else(|| CliError::Other(format!("{} ({address}) is not a contract on this chain", contract.name)))?;
    let value = info.to_value().map_err(|e| CliError::Other(format!("cannot decode {}'s contract info: {e}", contract.name)))?;
    use subxt::ext::scale_value::At;
    let trie_id = value.at("trie_id").map(value_bytes).filter(|b| !b.is_empty());
    let trie_id = trie_id.ok_or_else(|| CliError::Other(format!("{}'s contract info has no trie id", contract.name)))?;
    let mut child = b":child_storage:default:".to_vec();
    child.extend_from_slice(&trie_id);
    let child = format!("0x{}", hex::encode(child));

    let mut out = Entries::default();
    // Each page's wanted values are fetched while the next page of keys is
    // listed (the node answers both at once), all at block `at`.
    let mut fetches: std::collections::VecDeque<Fetch> = Default::default();
    let mut start: Option<String> = None;
    loop {
        let page: Vec<String> = conn
            .raw
            .request("childstate_getKeysPaged", rpc_params![&child, "0x", KEYS_PER_PAGE, &start, &at_hex])
            .await
            .map_err(lost("listing the contract's storage keys"))?;
        out.requests += 1;
        out.keys_seen += page.len();
        if out.keys_seen > MAX_KEYS {
            return Err(CliError::Other(format!("{} holds more than {MAX_KEYS} storage entries: dcu stops reading", contract.name)));
        }
        // Each page continues the last, in strictly increasing key order (as
        // lowercase hex, the order of the bytes): a node answering otherwise
        // would make dcu loop or count a line twice.
        let mut previous = start.clone().map(|k| k.to_ascii_lowercase());
        let mut wanted: Vec<String> = Vec::new();
        for k in &page {
            let lower = k.to_ascii_lowercase();
            if previous.as_ref().is_some_and(|p| lower <= *p) {
                return Err(CliError::Other(format!("the node listed {}'s storage keys out of order ({k}): dcu cannot trust this read", contract.name)));
            }
            let bytes = hex::decode(k.trim_start_matches("0x")).map_err(|_| CliError::Other(format!("the node answered a storage key that is not hex: {k}")))?;
            if bytes.len() >= 20 && fields.iter().any(|f| bytes[16..].starts_with(f)) {
                wanted.push(k.clone());
            }
            previous = Some(lower);
        }
        for chunk in wanted.chunks(VALUES_PER_REQUEST) {
            // At most MAX_IN_FLIGHT value requests at once.
            if fetches.len() >= MAX_IN_FLIGHT {
                if let Some(oldest) = fetches.pop_front() {
                    take_values(contract, &mut out, oldest).await?;
                }
            }
            let (raw, child, at_hex, chunk) = (conn.raw.clone(), child.clone(), at_hex.clone(), chunk.to_vec());
            fetches.push_back(tokio::spawn(async move {
                let values: std::result::Result<Vec<Option<String>>, subxt::Error> =
                    raw.request("childstate_getStorageEntries", rpc_params![&child, &chunk, &at_hex]).await;
                (chunk, values)
            }));
            out.requests += 1;
        }
        if page.len() < KEYS_PER_PAGE as usize {
            break;
        }
        start = page.last().cloned();
    }
    while let Some(fetch) = fetches.pop_front() {
        take_values(contract, &mut out, fetch).await?;
    }
    Ok(out)
}

/// A value request in flight: its keys and the node's answer.
type Fetch = tokio::task::JoinHandle<(Vec<String>, std::result::Result<Vec<Option<String>>, subxt::Error>)>;

/// Adds one value request's answers to `out`, each key checked.
async fn take_values(
    contract: &ContractHandle,
    out: &mut Entries,
    fetch: Fetch,
) -> Result<()> {
    let (chunk, values) = fetch.await.map_err(|e| CliError::Other(format!("reading the contract's storage stopped: {e}")))?;
    let values = values.map_err(lost("reading the contract's storage"))?;
    if values.len() != chunk.len() {
        return Err(CliError::Other(format!("the node answered {} values for {} storage keys", values.len(), chunk.len())));
    }
    for (k, v) in chunk.iter().zip(values) {
        let Some(v) = v else { continue }; // listed and read at one block: always present
        let key = hex::decode(k.trim_start_matches("0x")).unwrap_or_default();
        let (hash, raw) = key.split_at(16);
        // The hashed prefix proves the key's structure: blake2_128(raw) (not
        // that the data is genuine: dcu trusts the node it reads from, as any
        // RPC client does; the contracts re-check every route on chain).
        if hash != sp_core::hashing::blake2_128(raw) {
            return Err(CliError::Other(format!(
                "{}'s storage key {k} is not blake2_128(key) ++ key: this chain's pallet-contracts stores contract storage differently",
                contract.name
            )));
        }
        let value = hex::decode(v.trim_start_matches("0x")).map_err(|_| CliError::Other(format!("the node answered a storage value that is not hex: {v}")))?;
        out.entries.push((raw.to_vec(), value));
    }
    Ok(())
}

/// One credit line as a route sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineEdge {
    pub grantor: String,
    pub borrower: String,
    /// What the line can lend now: `headroom` (free limit within the
    /// grantor's unlent stake), as the contract's `lines_to` answers it.
    pub available: u128,
    pub rate_bps: u32,
    /// Principal drawn on it and not repaid.
    pub principal: u128,
}

/// The pool's whole credit graph, read in one pass.
#[derive(Debug, Default)]
pub struct PoolGraph {
    /// Every line, available or not, in (grantor, borrower) order.
    pub lines: Vec<LineEdge>,
    /// Grantors with a record.
    pub grantors: usize,
    /// Members with principal written off in a default (the pool's
    /// `anchors` records with `defaulted` > 0).
    pub defaulted_members: usize,
    /// Keys in the pool's trie and RPC requests made.
    pub keys_seen: usize,
    pub requests: usize,
}

fn account(bytes: &[u8]) -> Option<AccountId32> {
    <[u8; 32]>::try_from(bytes).ok().map(AccountId32)
}

/// Decodes the pool's `grantors` and `lines` entries into [`LineEdge`]s.
pub fn decode_pool(entries: &Entries, grantors_key: [u8; 4], lines_key: [u8; 4]) -> Result<PoolGraph> {
    let bad = |what: &str, key: &[u8]| {
        CliError::Other(format!(
            "the pool's `{what}` entry 0x{} does not decode as dcu expects: the deployed code and this dcu disagree on the pool's storage",
            hex::encode(key)
        ))
    };
    let mut grantors: BTreeMap<[u8; 32], Grantor> = BTreeMap::new();
    for (k, mut v) in entries.of(grantors_key) {
        let who = <[u8; 32]>::try_from(k).map_err(|_| bad("grantors", k))?;
        let g = Grantor::decode(&mut v).map_err(|_| bad("grantors", k))?;
        if !v.is_empty() {
            return Err(bad("grantors", k));
        }
        grantors.insert(who, g);
    }
    // Addresses rendered once each (an SS58 checksum is a hash).
    let mut names: BTreeMap<[u8; 32], String> = BTreeMap::new();
    let mut name = |a: AccountId32| names.entry(a.0).or_insert_with(|| a.to_string()).clone();
    let mut lines = Vec::new();
    for (k, mut v) in entries.of(lines_key) {
        if k.len() != 64 {
            return Err(bad("lines", k));
        }
        let (g, b) = (account(&k[..32]).ok_or_else(|| bad("lines", k))?, account(&k[32..]).ok_or_else(|| bad("lines", k))?);
        let line = Line::decode(&mut v).map_err(|_| bad("lines", k))?;
        if !v.is_empty() {
            return Err(bad("lines", k));
        }
        let grantor = grantors.get(&g.0).copied().unwrap_or_default();
        lines.push(LineEdge { grantor: name(g.clone()), borrower: name(b), available: headroom(&line, &grantor), rate_bps: line.rate_bps, principal: line.principal });
    }
    lines.sort();
    Ok(PoolGraph { lines, grantors: grantors.len(), defaulted_members: 0, keys_seen: entries.keys_seen, requests: entries.requests })
}

/// The root layout (own storage key) of the root struct's field `field` in
/// a contract's metadata (as loaded by its transcoder).
fn root_field<'a>(contract: &'a ContractHandle, field: &str) -> Result<&'a RootLayout<PortableForm>> {
    let missing = || CliError::Other(format!("the {} contract's metadata has no `{field}` storage field: dcu cannot read its storage", contract.name));
    let Layout::Root(root) = contract.transcoder.metadata().layout() else { return Err(missing()) };
    let Layout::Struct(st) = root.layout() else { return Err(missing()) };
    match st.fields().iter().find(|f| f.name() == field).map(|f| f.layout()) {
        Some(Layout::Root(r)) => Ok(r),
        _ => Err(missing()),
    }
}

/// The 4-byte storage key of the root struct's field `field`.
pub fn metadata_field_key(contract: &ContractHandle, field: &str) -> Result<[u8; 4]> {
    Ok(root_field(contract, field)?.root_key().key().to_le_bytes())
}

/// Reads every line of the pool at the best block in one pass over its
/// storage (see the module's documentation).
pub async fn pool_lines(conn: &Conn, pool: &ContractHandle) -> Result<PoolGraph> {
    let (grantors_key, lines_key, anchors_key) = (metadata_field_key(pool, "grantors")?, metadata_field_key(pool, "lines")?, metadata_field_key(pool, "anchors")?);
    let entries = read_fields(conn, pool, &[grantors_key, lines_key, anchors_key]).await?;
    let mut graph = decode_pool(&entries, grantors_key, lines_key)?;
    // The anchors' type is the contract's own (private): decoded by its metadata.
    let anchor_ty = metadata_value_type(pool, "anchors")?;
    for (k, mut v) in entries.of(anchors_key) {
        let anchor = pool.transcoder.decode(anchor_ty, &mut v).map_err(|_| {
            CliError::Other(format!("the pool's `anchors` entry 0x{} does not decode by its metadata", hex::encode(k)))
        })?;
        if crate::value::uint_field(&anchor, "defaulted").unwrap_or(0) > 0 {
            graph.defaulted_members += 1;
        }
    }
    Ok(graph)
}

/// The type id of the values of the root struct's `Mapping` field `field`.
pub fn metadata_value_type(contract: &ContractHandle, field: &str) -> Result<u32> {
    let r = root_field(contract, field)?;
    let not_mapping = || CliError::Other(format!("the {} contract's `{field}` storage field is not a mapping: dcu cannot read its values", contract.name));
    let ty = contract.transcoder.metadata().registry().resolve(r.ty().id).ok_or_else(not_mapping)?;
    ty.type_params.iter().find(|p| p.name == "V").and_then(|p| p.ty).map(|t| t.id).ok_or_else(not_mapping)
}

#[cfg(test)]
mod tests {
    use super::*;
    use subxt::ext::codec::Encode;

    fn acct(n: u8) -> [u8; 32] {
        [n; 32]
    }

    fn entries(grantors: &[([u8; 32], Grantor)], lines: &[([u8; 32], [u8; 32], Line)]) -> Entries {
        let (gk, lk) = ([1, 0, 0, 0], [2, 0, 0, 0]);
        let mut e = Entries::default();
        for (who, g) in grantors {
            e.entries.push(([gk.as_slice(), who].concat(), g.encode()));
        }
        for (gr, b, l) in lines {
            e.entries.push(([lk.as_slice(), gr, b].concat(), l.encode()));
        }
        // An entry of another field is ignored.
        e.entries.push((vec![9, 0, 0, 0, 7], vec![1, 2, 3]));
        e
    }

    #[test]
    fn a_lines_availability_is_its_free_limit_within_the_grantors_unlent_stake() {
        let g = Grantor { stake: 500, allocated: 900, lent: 350, locked_until: 0 };
        let wide = Line { limit: 600, rate_bps: 400, principal: 100, ..Default::default() };
        let narrow = Line { limit: 300, rate_bps: 700, principal: 100, reserved: 150, ..Default::default() };
        let e = entries(&[(acct(1), g)], &[(acct(1), acct(2), wide), (acct(1), acct(3), narrow)]);
        let graph = decode_pool(&e, [1, 0, 0, 0], [2, 0, 0, 0]).unwrap();
        assert_eq!(graph.grantors, 1);
        let by_borrower: BTreeMap<String, (u128, u32)> =
            graph.lines.iter().map(|l| (l.borrower.clone(), (l.available, l.rate_bps))).collect();
        // 600 − 100 = 500 free, but only 500 − 350 = 150 of the stake is unlent.
        assert_eq!(by_borrower[&AccountId32(acct(2)).to_string()], (150, 400));
        // 300 − 100 − 150 = 50 free.
        assert_eq!(by_borrower[&AccountId32(acct(3)).to_string()], (50, 700));
    }

    #[test]
    fn a_line_whose_grantor_has_no_record_can_lend_nothing() {
        let l = Line { limit: 600, rate_bps: 400, ..Default::default() };
        let graph = decode_pool(&entries(&[], &[(acct(4), acct(5), l)]), [1, 0, 0, 0], [2, 0, 0, 0]).unwrap();
        assert_eq!(graph.lines.len(), 1);
        assert_eq!(graph.lines[0].available, 0);
    }

    #[test]
    fn an_entry_that_does_not_decode_is_refused_in_one_sentence() {
        let mut e = entries(&[], &[]);
        e.entries.push(([[2u8, 0, 0, 0].as_slice(), &acct(1), &acct(2)].concat(), vec![1, 2, 3]));
        let err = decode_pool(&e, [1, 0, 0, 0], [2, 0, 0, 0]).unwrap_err().to_string();
        assert!(err.contains("`lines` entry") && err.contains("disagree"), "{err}");
        // Trailing bytes: a record that grew a field is not read as the old one.
        let mut e = entries(&[], &[]);
        let mut v = Line::default().encode();
        v.push(0);
        e.entries.push(([[2u8, 0, 0, 0].as_slice(), &acct(1), &acct(2)].concat(), v));
        assert!(decode_pool(&e, [1, 0, 0, 0], [2, 0, 0, 0]).is_err());
    }
}
