//! Connecting to a node, signers, and parsing accounts and amounts.

use std::str::FromStr;
use std::time::Duration;

use subxt::backend::{legacy::LegacyRpcMethods, rpc::RpcClient};
use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};

use crate::{CliError, Result};

/// The chain's configuration (substrate-contracts-node uses Substrate's).
pub type Config = subxt::SubstrateConfig;
/// The contracts' environment (ink! default: AccountId32, u128 balances).
pub type Env = ink_env::DefaultEnvironment;
/// A connected client.
pub type Client = subxt::OnlineClient<Config>;

/// Decimals of the development stablecoin (and of a deployment whose
/// manifest does not say).
pub const DECIMALS: u32 = dcu_common::TOKEN_DECIMALS as u32;

/// The decimals of this invocation's stablecoin: the manifest's (set when a
/// session opens or `dcu deploy` reads the token), else [`DECIMALS`].
static CURRENT_DECIMALS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(DECIMALS);

/// The decimals amounts are parsed and printed with.
pub fn decimals() -> u32 {
    CURRENT_DECIMALS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets the decimals amounts are parsed and printed with (the deployment's
/// stablecoin's).
pub fn set_decimals(d: u8) {
    CURRENT_DECIMALS.store(u32::from(d), std::sync::atomic::Ordering::Relaxed);
}

/// One whole token of this invocation's stablecoin, in smallest units.
pub fn one_token() -> u128 {
    10u128.pow(decimals())
}

/// How long to wait for a node to answer before giving up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Checks that `url` is a websocket URL.
pub fn check_url(url: &str) -> Result<url::Url> {
    let parsed = url::Url::parse(url).map_err(|_| CliError::BadUrl(url.to_string()))?;
    match parsed.scheme() {
        "ws" | "wss" if parsed.host().is_some() => Ok(parsed),
        _ => Err(CliError::BadUrl(url.to_string())),
    }
}

/// A connection: the typed client and the legacy RPC methods (for the best
/// block: a dev node with instant seal may not finalize).
#[derive(Clone)]
pub struct Conn {
    pub client: Client,
    pub rpc: LegacyRpcMethods<Config>,
    /// The raw RPC client, for methods subxt does not wrap.
    pub raw: RpcClient,
}

/// A node's `system_chainType`: development chains (Development, Local)
/// get development defaults; any other is treated as a live chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainType {
    Development,
    Local,
    Live,
    Custom(String),
}

impl ChainType {
    /// Reads the RPC answer: "Development", "Local", "Live" or {"Custom": name}.
    pub fn from_json(v: &serde_json::Value) -> ChainType {
        match v.as_str() {
            Some("Development") => ChainType::Development,
            Some("Local") => ChainType::Local,
            Some("Live") => ChainType::Live,
            Some(other) => ChainType::Custom(other.to_string()),
            None => ChainType::Custom(v.get("Custom").and_then(|c| c.as_str()).unwrap_or("unknown").to_string()),
        }
    }

    /// Development or Local: a chain whose accounts and tokens are for tests.
    pub fn is_dev(&self) -> bool {
        matches!(self, ChainType::Development | ChainType::Local)
    }
}

impl std::fmt::Display for ChainType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainType::Development => write!(f, "Development"),
            ChainType::Local => write!(f, "Local"),
            ChainType::Live => write!(f, "Live"),
            ChainType::Custom(n) => write!(f, "custom (\"{n}\")"),
        }
    }
}

/// How long `dcu` waits for a block to be finalized before giving up.
pub const FINALITY_TIMEOUT: Duration = Duration::from_secs(300);

/// Connects to the node at `url`, failing with one sentence when nobody answers.
pub async fn connect(url: &str) -> Result<Conn> {
    check_url(url)?;
    let unreachable = |reason: String| CliError::NodeUnreachable { url: url.to_string(), reason };
    let attempt = async {
        let rpc = RpcClient::from_insecure_url(url).await?;
        let client = Client::from_rpc_client(rpc.clone()).await?;
        Ok::<_, subxt::Error>(Conn { client, rpc: LegacyRpcMethods::new(rpc.clone()), raw: rpc })
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(unreachable(short_reason(&e.to_string()))),
        Err(_) => Err(unreachable(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()))),
    }
}

impl Conn {
    /// The node's `system_chainType`.
    pub async fn chain_type(&self) -> Result<ChainType> {
        let v: serde_json::Value = self
            .raw
            .request("system_chainType", subxt::backend::rpc::rpc_params![])
            .await
            .map_err(|e| CliError::ConnectionLost { doing: "reading the chain type".into(), reason: short_reason(&e.to_string()) })?;
        Ok(ChainType::from_json(&v))
    }

    /// Waits until the extrinsic `ext_hash` (submitted when the best block
    /// was `from`) is in a finalized block and returns that block's number;
    /// an error if the finalized chain does not hold it (it was retracted)
    /// or nothing is finalized within [`FINALITY_TIMEOUT`].
    pub async fn wait_finalized(&self, ext_hash: &str, from: u64) -> Result<u64> {
        let lost = |e: subxt::Error| CliError::ConnectionLost { doing: "waiting for finality".into(), reason: short_reason(&e.to_string()) };
        // Included by now: at or below the best block.
        let target = self.best_block().await?.1;
        let started = std::time::Instant::now();
        loop {
            let fin = self.rpc.chain_get_finalized_head().await.map_err(lost)?;
            let fin_number: u64 = self.rpc.chain_get_header(Some(fin)).await.map_err(lost)?.map(|h| h.number.into()).unwrap_or(0);
            if fin_number >= target {
                break;
            }
            if started.elapsed() > FINALITY_TIMEOUT {
                return Err(CliError::Other(format!(
                    "the transaction {ext_hash} is in a block but not final: nothing past #{fin_number} was finalized within {} s",
                    FINALITY_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        for n in (from..=target).rev() {
            let Some(hash) = self.rpc.chain_get_block_hash(Some(n.into())).await.map_err(lost)? else { continue };
            let Some(block) = self.rpc.chain_get_block(Some(hash)).await.map_err(lost)? else { continue };
            if block.block.extrinsics.iter().any(|x| format!("0x{}", hex::encode(sp_core::hashing::blake2_256(&x.0))) == ext_hash) {
                return Ok(n);
            }
        }
        Err(CliError::Other(format!(
            "the transaction {ext_hash} is not in the finalized chain (blocks #{from}–#{target}): its block was retracted; check your balance and the contract's state before repeating it"
        )))
    }

    /// Hash and number of the best (not necessarily finalized) block.
    pub async fn best_block(&self) -> Result<(<Config as subxt::Config>::Hash, u64)> {
        let lost = |e: subxt::Error| CliError::ConnectionLost { doing: "reading the best block".into(), reason: short_reason(&e.to_string()) };
        let header = self.rpc.chain_get_header(None).await.map_err(lost)?;
        let header = header.ok_or_else(|| CliError::Other("the node has no best block".into()))?;
        use subxt::config::Header;
        Ok((header.hash(), header.number.into()))
    }

    /// Reads `pallet::entry(keys)` at the best block; `doing` names the read
    /// in the error if the node stops answering.
    pub async fn fetch(&self, pallet: &str, entry: &str, keys: Vec<subxt::dynamic::Value>, doing: &str) -> Result<Option<subxt::dynamic::DecodedValueThunk>> {
        let (hash, _) = self.best_block().await?;
        self.fetch_at(hash, pallet, entry, keys, doing).await
    }

    /// Reads `pallet::entry(keys)` at block `hash`.
    pub async fn fetch_at(
        &self,
        hash: <Config as subxt::Config>::Hash,
        pallet: &str,
        entry: &str,
        keys: Vec<subxt::dynamic::Value>,
        doing: &str,
    ) -> Result<Option<subxt::dynamic::DecodedValueThunk>> {
        let addr = subxt::dynamic::storage(pallet, entry, keys);
        self.client
            .storage()
            .at(hash)
            .fetch(&addr)
            .await
            .map_err(|e| CliError::ConnectionLost { doing: doing.to_string(), reason: short_reason(&e.to_string()) })
    }
}

/// Keeps the first line of a library error, without Rust debug noise.
pub fn short_reason(s: &str) -> String {
    const MAX_CHARS: usize = 200;
    let first = s.lines().next().unwrap_or(s).trim();
    // Cut on a character boundary: library errors may carry non-ASCII text.
    match first.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None => first.to_string(),
    }
}

/// The sr25519 keypair for a secret URI (//Alice, a mnemonic, …).
pub fn signer_from_suri(suri: &str) -> Result<Keypair> {
    let uri = SecretUri::from_str(suri).map_err(|e| CliError::BadSuri(e.to_string()))?;
    Keypair::from_uri(&uri).map_err(|e| CliError::BadSuri(e.to_string()))
}

/// Parses an account: an SS58 address, a development account as a secret
/// URI (`//Bob`) or its plain name (`bob`).
pub fn parse_account(s: &str) -> Result<AccountId32> {
    let s = s.trim();
    if let Ok(a) = AccountId32::from_str(s) {
        return Ok(a);
    }
    let dev = if s.starts_with("//") {
        Some(s.to_string())
    } else if let Some(uri) = dev_uri(s) {
        Some(uri.to_string())
    } else {
        None
    };
    match dev {
        Some(uri) => signer_from_suri(&uri)
            .map(|k| k.public_key().to_account_id())
            .map_err(|_| CliError::BadAccount(s.to_string())),
        None => Err(CliError::BadAccount(s.to_string())),
    }
}

/// The development accounts a dev chain endows, by name: the six well-known
/// ones, and two of their stash accounts (also endowed) that `dcu demo`
/// calls Grace and Heidi.
pub const DEV_ACCOUNTS: [(&str, &str); 8] = [
    ("alice", "//Alice"),
    ("bob", "//Bob"),
    ("charlie", "//Charlie"),
    ("dave", "//Dave"),
    ("eve", "//Eve"),
    ("ferdie", "//Ferdie"),
    ("grace", "//Alice//stash"),
    ("heidi", "//Bob//stash"),
];

/// The development mnemonic (Substrate's DEV_PHRASE): every key derived
/// from it, and every secret URI without a phrase, has a public secret.
pub const DEV_PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// The well-known development accounts: the six `//Name` keys, their
/// `//stash` keys, `//Name//stash` for the others, and DEV_PHRASE's root.
pub fn well_known_dev_accounts() -> Vec<AccountId32> {
    let mut uris: Vec<String> = Vec::new();
    for n in ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie", "One", "Two"] {
        uris.push(format!("//{n}"));
        uris.push(format!("//{n}//stash"));
    }
    uris.push(DEV_PHRASE.to_string());
    uris.iter().filter_map(|u| signer_from_suri(u).ok()).map(|k| k.public_key().to_account_id()).collect()
}

/// Whether a secret URI's secret is public: no phrase (so DEV_PHRASE), the
/// development phrase itself, or a key of a well-known development account.
pub fn is_public_secret(suri: &str) -> bool {
    let t = suri.trim();
    if t.starts_with('/') || t.starts_with(DEV_PHRASE) {
        return true;
    }
    signer_from_suri(t).map(|k| well_known_dev_accounts().contains(&k.public_key().to_account_id())).unwrap_or(false)
}

/// The secret URI of a development account's name (`bob` → `//Bob`).
pub fn dev_uri(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    DEV_ACCOUNTS.iter().find(|(n, _)| *n == lower).map(|(_, u)| *u)
}

/// Parses a token amount written in whole tokens with up to [`decimals()`]
/// decimal places (`12`, `12.5`, `0.000001`) into smallest units.
pub fn parse_amount(s: &str) -> Result<u128> {
    parse_amount_in(s, decimals() as u8)
}

/// As [`parse_amount`], for a stablecoin with `decimals` decimals.
pub fn parse_amount_in(s: &str, decimals: u8) -> Result<u128> {
    let decimals = u32::from(decimals);
    let bad = |reason: &str| CliError::BadAmount { value: s.to_string(), reason: reason.to_string() };
    let t = s.trim().replace('_', "");
    if t.is_empty() {
        return Err(bad("it is empty"));
    }
    if t.starts_with('-') {
        return Err(bad("amounts cannot be negative"));
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) || (whole.is_empty() && frac.is_empty()) {
        return Err(bad("write it as a number of tokens such as 12 or 12.5"));
    }
    if frac.len() > decimals as usize {
        return Err(bad(&format!("the token has only {decimals} decimal places")));
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad("it is too large"))? };
    let frac_units: u128 = if frac.is_empty() {
        0
    } else {
        let padded = format!("{frac:0<width$}", width = decimals as usize);
        padded.parse().map_err(|_| bad("it is not a number"))?
    };
    whole
        .checked_mul(10u128.pow(decimals))
        .and_then(|w| w.checked_add(frac_units))
        .ok_or_else(|| bad("it is too large"))
}

/// Formats smallest units as whole tokens (`12.5`), exactly.
pub fn format_amount(units: u128) -> String {
    let one = one_token();
    let whole = units / one;
    let frac = units % one;
    if frac == 0 {
        group(whole)
    } else {
        let f = format!("{frac:0width$}", width = decimals() as usize);
        format!("{}.{}", group(whole), f.trim_end_matches('0'))
    }
}

/// `n` with thousands separators (`10,000`).
pub fn group(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Parses a yearly rate in percent with up to two decimals ("5", "5.25",
/// "5%") into basis points.
pub fn parse_rate(s: &str) -> Result<u32> {
    let bad = |reason: &str| CliError::BadRate { value: s.to_string(), reason: reason.to_string() };
    let t = s.trim().trim_end_matches('%').trim();
    if t.starts_with('-') {
        return Err(bad("a rate cannot be negative"));
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad("write a yearly rate in percent such as 5 or 4.75"));
    }
    if frac.len() > 2 {
        return Err(bad("rates have at most two decimals (one basis point is 0.01 %)"));
    }
    let whole: u32 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad("it is too large"))? };
    let frac: u32 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| bad("it is not a number"))? };
    whole.checked_mul(100).and_then(|w| w.checked_add(frac)).ok_or_else(|| bad("it is too large"))
}

/// A rate in basis points as percent ("4.75 %").
pub fn format_rate(bps: u128) -> String {
    format!("{}.{:02} %", bps / 100, bps % 100)
}

/// A block time in ms as a UTC date and time ("2027-02-21 10:30 UTC").
pub fn format_time(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3_600, (rem % 3_600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_time_gives_utc_dates() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(format_time(1_803_209_816_791), "2027-02-21 11:36 UTC"); // date -u -d @1803209816
    }

    #[test]
    fn parse_rate_reads_percent_into_basis_points() {
        assert_eq!(parse_rate("5").unwrap(), 500);
        assert_eq!(parse_rate("5%").unwrap(), 500);
        assert_eq!(parse_rate("4.75").unwrap(), 475);
        assert_eq!(parse_rate("0.01").unwrap(), 1);
        assert_eq!(parse_rate("100").unwrap(), 10_000);
        for bad in ["", "-1", "x", "1.001", "1e3", "99999999999"] {
            assert!(matches!(parse_rate(bad), Err(CliError::BadRate { .. })), "{bad}");
        }
        assert_eq!(format_rate(475), "4.75 %");
    }

    #[test]
    fn parse_amount_accepts_tokens_and_decimals() {
        assert_eq!(parse_amount("12").unwrap(), 12_000_000);
        assert_eq!(parse_amount("12.5").unwrap(), 12_500_000);
        assert_eq!(parse_amount("0.000001").unwrap(), 1);
        assert_eq!(parse_amount(".5").unwrap(), 500_000);
        assert_eq!(parse_amount("1_000").unwrap(), 1_000_000_000);
    }

    #[test]
    fn parse_amount_rejects_garbage_with_a_reason() {
        for bad in ["", "-1", "abc", "1.0000001", "1e5", "1.2.3", "."] {
            let e = parse_amount(bad).unwrap_err();
            assert!(matches!(e, CliError::BadAmount { .. }), "{bad}: {e}");
        }
        assert!(parse_amount(&"9".repeat(60)).is_err());
    }

    #[test]
    fn format_amount_round_trips() {
        for units in [0u128, 1, 999_999, 1_000_000, 12_500_000, 123_456_789_012] {
            let s = format_amount(units).replace(',', "");
            assert_eq!(parse_amount(&s).unwrap(), units, "{s}");
        }
        assert_eq!(format_amount(1_234_567_000_000), "1,234,567");
    }

    #[test]
    fn parse_account_accepts_ss58_and_dev_names() {
        let alice = parse_account("//Alice").unwrap();
        assert_eq!(parse_account("alice").unwrap(), alice);
        assert_eq!(parse_account(&alice.to_string()).unwrap(), alice);
        assert_eq!(alice.to_string(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
    }

    #[test]
    fn parse_account_rejects_malformed() {
        for bad in ["", "5Grw", "not-an-account", "0x1234"] {
            assert!(matches!(parse_account(bad), Err(CliError::BadAccount(_))), "{bad}");
        }
    }

    #[test]
    fn short_reason_keeps_the_first_line_and_cuts_on_a_char_boundary() {
        assert_eq!(short_reason("first\nsecond"), "first");
        let long = "é".repeat(300);
        let cut = short_reason(&long);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn check_url_requires_websocket() {
        assert!(check_url("ws://127.0.0.1:9944").is_ok());
        assert!(matches!(check_url("http://x"), Err(CliError::BadUrl(_))));
        assert!(matches!(check_url("nonsense"), Err(CliError::BadUrl(_))));
    }

    #[test]
    fn bad_suri_is_reported() {
        assert!(matches!(signer_from_suri("//Alice"), Ok(_)));
        assert!(matches!(signer_from_suri("not a mnemonic at all"), Err(CliError::BadSuri(_))));
    }
}
