//! Network profiles: what `dcu deploy` needs to know about a network beyond
//! its URL — whether to deploy the development stablecoin or use an existing
//! PSP22, and governance's parameters and guardian.
//!
//! It also names the founding verifiers (appointed in the trust graph at
//! instantiation; from then on only governance appoints verifiers), the
//! trust graph's anchoring thresholds, and whether the deployment is a
//! development one (governance's development mode: no one-day floors).
//!
//! A profile is a TOML file, `deploy/networks/<network>.toml` (or
//! `--profile PATH`). The `local` profile is built in (a copy of
//! `deploy/networks/local.toml`), so `dcu deploy` works from any folder;
//! `deploy/networks/parachain.example.toml` documents a public chain.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::chain::{parse_account, parse_rate};
use crate::{CliError, Result};

/// The built-in local profile.
pub const LOCAL: &str = include_str!("../../deploy/networks/local.toml");

/// A network profile as written in TOML.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What the profile is for, in words.
    #[serde(default)]
    pub description: String,
    /// SS58 address of an existing PSP22 stablecoin; when absent, the
    /// development `stable_token` is deployed.
    #[serde(default)]
    pub stablecoin: Option<String>,
    /// A development deployment: governance in development mode (votes and
    /// timelocks shorter than a day). Never on a live chain.
    #[serde(default)]
    pub development: bool,
    /// Founding verifiers, appointed at instantiation ("//Alice" or SS58).
    #[serde(default)]
    pub founding_verifiers: Vec<String>,
    /// The trust graph's anchoring thresholds.
    #[serde(default)]
    pub trust: TrustProfile,
    /// Governance's parameters.
    #[serde(default)]
    pub governance: GovProfile,
    /// The loan manager's clock: "real" (block time, the default) or "fast"
    /// (the `loan_manager_fast` build, a second of block time is a day: for
    /// local development networks only, so terms and defaults play out in
    /// minutes).
    #[serde(default)]
    pub loan_clock: Option<String>,
    /// The credit pool's clock: "real" (block time, the default) or "fast"
    /// (the `credit_pool_fast` build, a second of block time is 10 days: for
    /// local development networks only, so a draw's grace, overdue and
    /// default play out in seconds).
    #[serde(default)]
    pub pool_clock: Option<String>,
    /// When `dcu` reports a transaction: "finalized" (the default outside
    /// development: it waits for the block to be final) or "in-block" (the
    /// best block, which a fork may still retract: development only).
    #[serde(default)]
    pub finality: Option<String>,
    /// Decimals of the development stablecoin `dcu` deploys when the
    /// profile names no `stablecoin` (6, like USDC, by default; 18 like
    /// DAI). An existing stablecoin's decimals are read from it.
    #[serde(default)]
    pub token_decimals: Option<u8>,
}

/// Whether a clock setting (`loan_clock`, `pool_clock`, or the `dcu deploy
/// --pool-clock` override) asks for the fast clock; absent is real.
pub fn fast_clock(key: &str, value: Option<&str>) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("real") => Ok(false),
        Some("fast") => Ok(true),
        Some(other) => {
            let said = if key.starts_with("--") { format!("{key} {other}") } else { format!("{key} = \"{other}\"") };
            Err(CliError::Other(format!("{said} is not a clock: write \"real\" or \"fast\"")))
        }
    }
}

impl Profile {
    /// Whether the loan manager runs on the fast clock.
    pub fn fast_loans(&self) -> Result<bool> {
        fast_clock("loan_clock", self.loan_clock.as_deref())
    }

    /// Whether the credit pool runs on the fast clock (`credit_pool_fast`).
    pub fn fast_pool(&self) -> Result<bool> {
        fast_clock("pool_clock", self.pool_clock.as_deref())
    }

    /// Whether `dcu` waits for finality: `finality`, by default "finalized"
    /// outside development and "in-block" in development.
    pub fn wait_finalized(&self) -> Result<bool> {
        match self.finality.as_deref().map(str::trim) {
            None => Ok(!self.development),
            Some("finalized") => Ok(true),
            Some("in-block") => Ok(false),
            Some(other) => Err(CliError::Other(format!("finality = \"{other}\" is not a choice: write \"finalized\" or \"in-block\""))),
        }
    }

    /// The settings a chain that is not a development chain refuses, each
    /// named as written in the profile: development-mode governance, fast
    /// clocks, development accounts (whose secrets are public) as guardian
    /// or founding verifiers, and the test token with its faucet.
    pub fn development_only_settings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.development {
            out.push("development = true (votes and timelocks shorter than a day)".to_string());
        }
        if self.fast_loans().unwrap_or(true) {
            out.push(format!("loan_clock = \"{}\" (a second of block time would be a day)", self.loan_clock.as_deref().unwrap_or("")));
        }
        if self.fast_pool().unwrap_or(true) {
            out.push(format!("pool_clock = \"{}\" (a second of block time would be 10 days)", self.pool_clock.as_deref().unwrap_or("")));
        }
        if let Some(g) = self.governance.guardian.as_deref().filter(|g| is_dev_account(g)) {
            out.push(format!("governance.guardian = \"{g}\" (a development account: its secret is public)"));
        }
        for v in self.founding_verifiers.iter().filter(|v| is_dev_account(v)) {
            out.push(format!("founding_verifiers \"{v}\" (a development account: its secret is public)"));
        }
        if self.stablecoin.is_none() {
            out.push("no stablecoin (dcu would deploy the test token stable_token, whose faucet pays anyone): name the chain's PSP22 stablecoin".to_string());
        }
        if let Ok(v) = self.governance.values() {
            if v.voting_delay_ms < DAY {
                out.push(format!("governance.voting_delay = \"{}\" (members get less than a day to see a proposal before the vote)", format_duration(u128::from(v.voting_delay_ms))));
            }
            if v.quorum_bps == 0 {
                out.push("governance.quorum = \"0%\" (a proposal could pass with no voters)".to_string());
            }
        }
        if let Some(age) = self.trust.min_anchor_age.as_deref().and_then(|a| parse_duration(a).ok()) {
            if age < DAY {
                out.push(format!("trust.min_anchor_age = \"{}\" (any stake would anchor at once)", self.trust.min_anchor_age.as_deref().unwrap_or("")));
            }
        }
        if self.finality.as_deref().map(str::trim) == Some("in-block") {
            out.push("finality = \"in-block\" (transactions reported before they are final)".to_string());
        }
        out
    }
}

/// The trust graph's anchoring thresholds, in human units; absent fields
/// take SPEC §2's defaults (100 tokens, 30 days).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TrustProfile {
    /// MIN_ANCHOR_STAKE in whole tokens, e.g. "100".
    pub min_anchor_stake: Option<String>,
    /// MIN_ANCHOR_AGE, whole days: "30d" (a development network may say "0d").
    pub min_anchor_age: Option<String>,
}

impl Profile {
    /// The founding verifiers as SS58 addresses.
    pub fn verifiers(&self) -> Result<Vec<String>> {
        self.founding_verifiers.iter().map(|v| parse_account(v).map(|a| a.to_string())).collect()
    }

    /// The decimals of the development stablecoin (`token_decimals`, 6 by
    /// default, at most `MAX_DECIMALS`).
    pub fn dev_token_decimals(&self) -> Result<u8> {
        match self.token_decimals {
            None => Ok(dcu_common::TOKEN_DECIMALS),
            Some(d) if d <= dcu_common::MAX_DECIMALS => Ok(d),
            Some(d) => Err(CliError::Other(format!("token_decimals = {d} is too many: at most {}", dcu_common::MAX_DECIMALS))),
        }
    }

    /// The trust graph's constructor arguments, `with_config(params,
    /// founding)`, for a stablecoin with `decimals` decimals: BASE and the
    /// anchoring stake are whole tokens of it.
    pub fn trust_args(&self, decimals: u8) -> Result<Vec<String>> {
        use dcu_common::trust::defaults as d;
        let unit = dcu_common::unit_of(decimals).ok_or_else(|| CliError::Other(format!("a stablecoin with {decimals} decimals is not supported")))?;
        let in_unit = |six: u128| (six / dcu_common::ONE_TOKEN).checked_mul(unit).ok_or_else(|| CliError::Other("an amount is too large for this stablecoin's unit".into()));
        let stake = match &self.trust.min_anchor_stake {
            Some(v) => crate::chain::parse_amount_in(v, decimals).map_err(|e| CliError::Other(format!("the network profile's trust.min_anchor_stake '{v}' is not valid: {e}")))?,
            None => in_unit(d::DEFAULT_MIN_ANCHOR_STAKE)?,
        };
        let base = in_unit(d::DEFAULT_BASE_CAPACITY)?;
        let age_days = match &self.trust.min_anchor_age {
            Some(v) => {
                let ms = parse_duration(v).map_err(|r| CliError::Other(format!("the network profile's trust.min_anchor_age '{v}' is not valid: {r}")))?;
                if ms % DAY != 0 {
                    return Err(CliError::Other(format!("the network profile's trust.min_anchor_age '{v}' is not valid: write whole days, such as 30d")));
                }
                ms / DAY
            }
            None => u64::from(d::DEFAULT_MIN_ANCHOR_AGE_DAYS),
        };
        Ok(vec![
            format!(
                "Params {{ max_trust: {}, base_capacity: {}, max_out_degree: {}, max_in_degree: {}, default_penalty_days: {}, inactivity_days: {}, min_anchor_stake: {stake}, min_anchor_age_days: {age_days} }}",
                d::DEFAULT_MAX_TRUST,
                base,
                d::DEFAULT_MAX_OUT_DEGREE,
                d::DEFAULT_MAX_IN_DEGREE,
                d::DEFAULT_PENALTY_DAYS,
                d::DEFAULT_INACTIVITY_DAYS
            ),
            format!("[{}]", self.verifiers()?.join(", ")),
        ])
    }
}

/// Governance parameters, in human units; absent fields take SPEC §6's defaults.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GovProfile {
    /// "1d", "2h", "60s", "0s".
    pub voting_delay: Option<String>,
    pub voting_period: Option<String>,
    /// "10%".
    pub quorum: Option<String>,
    pub timelock: Option<String>,
    pub execution_window: Option<String>,
    pub voice_credits: Option<u32>,
    /// Account that may pause the pool and cancel proposals (a development
    /// name such as "//Alice" or an SS58 address); absent: no guardian.
    pub guardian: Option<String>,
}

/// Governance parameters in the contract's units (ms, bps, 10^9 scale).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GovValues {
    pub voting_delay_ms: u64,
    pub voting_period_ms: u64,
    pub quorum_bps: u32,
    pub timelock_ms: u64,
    pub execution_window_ms: u64,
    pub voice_credits: u32,
    pub guardian: Option<String>,
}

/// SPEC §6's defaults.
const DAY: u64 = dcu_common::DAY_MS;

impl GovProfile {
    /// Converts to contract units, checking every field.
    pub fn values(&self) -> Result<GovValues> {
        let dur = |v: &Option<String>, default: u64, field: &str| -> Result<u64> {
            v.as_deref().map(|s| parse_duration(s).map_err(|r| bad(field, s, &r))).transpose().map(|x| x.unwrap_or(default))
        };
        let quorum_bps = match &self.quorum {
            Some(q) => parse_rate(q).map_err(|_| bad("quorum", q, "write a share of the members such as 10%"))?,
            None => 1_000,
        };
        let guardian = self.guardian.as_deref().map(|g| parse_account(g).map(|a| a.to_string())).transpose()?;
        Ok(GovValues {
            voting_delay_ms: dur(&self.voting_delay, DAY, "voting_delay")?,
            voting_period_ms: dur(&self.voting_period, 7 * DAY, "voting_period")?,
            quorum_bps,
            timelock_ms: dur(&self.timelock, 2 * DAY, "timelock")?,
            execution_window_ms: dur(&self.execution_window, 14 * DAY, "execution_window")?,
            voice_credits: self.voice_credits.unwrap_or(100),
            guardian,
        })
    }
}

impl GovValues {
    /// The constructor arguments of `governance::new(params, guardian, dev_mode)`.
    pub fn constructor_args(&self, dev_mode: bool) -> Vec<String> {
        vec![
            format!(
                "GovParams {{ voting_delay_ms: {}, voting_period_ms: {}, quorum_bps: {}, timelock_ms: {}, execution_window_ms: {}, voice_credits: {} }}",
                self.voting_delay_ms, self.voting_period_ms, self.quorum_bps, self.timelock_ms, self.execution_window_ms, self.voice_credits
            ),
            match &self.guardian {
                Some(g) => format!("Some({g})"),
                None => "None".into(),
            },
            dev_mode.to_string(),
        ]
    }
}

/// A development account: a secret URI of the well-known development
/// keys ("//Alice"), or one of their SS58 addresses.
pub fn is_dev_account(s: &str) -> bool {
    let s = s.trim();
    if s.starts_with("//") || crate::chain::dev_uri(s).is_some() {
        return true;
    }
    parse_account(s).map(|a| crate::chain::well_known_dev_accounts().contains(&a)).unwrap_or(false)
}

fn bad(field: &str, value: &str, reason: &str) -> CliError {
    CliError::Other(format!("the network profile's governance.{field} '{value}' is not valid: {reason}"))
}

/// Parses "90d", "12h", "30m", "60s", "500ms" into milliseconds.
pub fn parse_duration(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| "write a whole number with a unit: 90d, 12h, 30m, 60s or 500ms".to_string())?;
    let per: u64 = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => DAY,
        "" => return Err("the unit is missing: 90d, 12h, 30m, 60s or 500ms".into()),
        other => return Err(format!("'{other}' is not a unit: use d, h, m, s or ms")),
    };
    n.checked_mul(per).ok_or_else(|| "it is too long".into())
}

/// A duration in ms as the largest whole unit ("7d", "36h", "60s", "0s").
pub fn format_duration(ms: u128) -> String {
    let units: [(u128, &str); 4] = [(u128::from(DAY), "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")];
    if ms == 0 {
        return "0s".into();
    }
    for (per, name) in units {
        if ms % per == 0 {
            return format!("{}{name}", ms / per);
        }
    }
    format!("{ms}ms")
}

impl Profile {
    /// Parses a profile's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Profile> {
        let p: Profile = toml::from_str(text).map_err(|e| CliError::Other(format!("the network profile {origin} is not valid: {}", e.message())))?;
        if let Some(a) = &p.stablecoin {
            parse_account(a)?;
        }
        let v = p.governance.values()?;
        if !p.development && (v.voting_period_ms < DAY || v.timelock_ms < DAY) {
            return Err(CliError::Other(format!(
                "the network profile {origin} asks for a voting period of {} and a timelock of {}: outside development (development = true, for local chains only) both must be at least 1d",
                format_duration(u128::from(v.voting_period_ms)),
                format_duration(u128::from(v.timelock_ms))
            )));
        }
        // A fast clock (a second is a day, or ten) on a real chain would end
        // every grace, lock-out and term at once: development only.
        if !p.development && (p.fast_loans().unwrap_or(false) || p.fast_pool().unwrap_or(false)) {
            return Err(CliError::Other(format!(
                "the network profile {origin} asks for a fast clock (loan_clock or pool_clock = \"fast\"): outside development (development = true, for local chains only) both clocks must be \"real\""
            )));
        }
        p.wait_finalized()?;
        if !p.development && p.finality.as_deref().map(str::trim) == Some("in-block") {
            return Err(CliError::Other(format!(
                "the network profile {origin} asks for finality = \"in-block\": outside development (development = true, for local chains only) dcu waits for finality"
            )));
        }
        p.verifiers()?;
        p.trust_args(p.dev_token_decimals()?)?;
        Ok(p)
    }

    /// The profile for `network`: `explicit` when given, else
    /// `deploy/networks/<network>.toml` when it exists, else the built-in
    /// local profile for `local`.
    pub fn load(network: &str, explicit: Option<&Path>) -> Result<(Profile, String)> {
        let path: Option<PathBuf> = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => {
                let p = PathBuf::from("deploy/networks").join(format!("{network}.toml"));
                p.exists().then_some(p)
            }
        };
        match path {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| CliError::Other(format!("cannot read the network profile {}: {e}", p.display())))?;
                let origin = p.display().to_string();
                Ok((Profile::parse(&text, &origin)?, origin))
            }
            None if network == "local" => Ok((Profile::parse(LOCAL, "(built-in local)")?, "built-in local profile".into())),
            None => Err(CliError::Other(format!(
                "there is no profile for network '{network}'; write deploy/networks/{network}.toml (see deploy/networks/parachain.example.toml) or pass --profile"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_local_profile_is_fast_and_valid() {
        let (p, _) = Profile::load("local", Some(Path::new("../deploy/networks/local.toml"))).unwrap();
        assert_eq!(p, Profile::parse(LOCAL, "x").unwrap());
        let v = p.governance.values().unwrap();
        assert_eq!(v.voting_delay_ms, 0);
        assert_eq!(v.voting_period_ms, 60_000);
        assert_eq!(v.timelock_ms, 0);
        assert!(p.stablecoin.is_none());
        assert_eq!(p.fast_loans().unwrap(), true, "local loans run on the fast clock");
        assert_eq!(p.fast_pool().unwrap(), true, "the local pool runs on the fast clock");
        assert!(p.development);
        assert_eq!(p.verifiers().unwrap().len(), 1, "one founding verifier");
        assert!(p.trust_args(6).unwrap()[0].contains("min_anchor_age_days: 0"));
        let e18 = p.trust_args(18).unwrap()[0].clone();
        assert!(e18.contains("base_capacity: 1000000000000000000000,") && e18.contains("min_anchor_stake: 100000000000000000000,"), "BASE 1,000 and the anchoring stake 100 whole tokens of 18 decimals: {e18}");
    }

    #[test]
    fn parachain_example_names_a_stablecoin_and_spec_defaults() {
        let text = std::fs::read_to_string("../deploy/networks/parachain.example.toml").unwrap();
        let p = Profile::parse(&text, "example").unwrap();
        assert!(p.stablecoin.is_some());
        let v = p.governance.values().unwrap();
        assert_eq!((v.voting_delay_ms, v.voting_period_ms, v.timelock_ms), (DAY, 7 * DAY, 2 * DAY));
        assert_eq!((v.quorum_bps, v.voice_credits), (1_000, 100));
        assert!(!p.development);
        assert_eq!(p.fast_loans().unwrap(), false, "a public network runs loans on block time");
        assert_eq!(p.pool_clock.as_deref(), Some("real"), "the template says so explicitly");
        assert_eq!(p.fast_pool().unwrap(), false, "a public network runs the pool on block time");
    }

    /// Review of issue 16 (F2): a fast clock never reaches a real chain
    /// through a profile — only a development profile may ask for one.
    #[test]
    fn a_fast_clock_outside_development_is_refused() {
        let text = std::fs::read_to_string("../deploy/networks/parachain.example.toml").unwrap();
        for key in ["pool_clock", "loan_clock"] {
            let fast = text.lines().filter(|l| !l.starts_with(key)).collect::<Vec<_>>().join("\n") + &format!("\n{key} = \"fast\"\n");
            // (appended at the end would fall into the last table: put it first)
            let fast = format!("{key} = \"fast\"\n") + &fast.replace(&format!("\n{key} = \"fast\"\n"), "\n");
            let e = Profile::parse(&fast, "example").unwrap_err().to_string();
            assert!(e.contains("outside development") && e.contains("fast clock"), "{key}: {e}");
        }
    }

    /// Hazard 2 of issue 18: every development choice is named, as the
    /// profile writes it, for a chain that is not a development chain; the
    /// parachain template's placeholders (development accounts) are too.
    #[test]
    fn development_settings_are_named_for_a_live_chain() {
        let (local, _) = Profile::load("local", Some(Path::new("../deploy/networks/local.toml"))).unwrap();
        let named = local.development_only_settings().join("; ");
        for s in ["development = true", "loan_clock = \"fast\"", "pool_clock = \"fast\"", "governance.guardian = \"//Ferdie\"", "founding_verifiers \"//Alice\"", "no stablecoin"] {
            assert!(named.contains(s), "{s} in {named}");
        }
        let text = std::fs::read_to_string("../deploy/networks/parachain.example.toml").unwrap();
        let example = Profile::parse(&text, "example").unwrap();
        assert_eq!(example.development_only_settings(), vec!["founding_verifiers \"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\" (a development account: its secret is public)".to_string()], "only the placeholder");
        let real = text.replace("founding_verifiers = [\"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\"]", "founding_verifiers = [\"5EYCAe5ijiYfyeZ2JJCGq56LmPyNRAKzpG4QkoQkkQNB5e6Z\"]");
        assert!(Profile::parse(&real, "real").unwrap().development_only_settings().is_empty());
        // A hand-written copy of local.toml with a real stablecoin keeps the
        // fast clocks: still refused, by name.
        let copy = LOCAL.replace("# No `stablecoin`", "stablecoin = \"5EYCAe5ijiYfyeZ2JJCGq56LmPyNRAKzpG4QkoQkkQNB5e6Z\"\n#");
        let named = Profile::parse(&copy, "copy").unwrap().development_only_settings().join("; ");
        assert!(named.contains("loan_clock = \"fast\"") && !named.contains("no stablecoin"), "{named}");
    }

    #[test]
    fn finality_is_waited_for_outside_development() {
        assert!(Profile::parse("", "t").unwrap().wait_finalized().unwrap(), "production default: finalized");
        assert!(!Profile::parse(LOCAL, "t").unwrap().wait_finalized().unwrap(), "local: in-block");
        assert!(Profile::parse("development = true\nfinality = \"finalized\"\n", "t").unwrap().wait_finalized().unwrap());
        let e = Profile::parse("finality = \"in-block\"\n", "t").unwrap_err().to_string();
        assert!(e.contains("in-block") && e.contains("outside development"), "{e}");
        let e = Profile::parse("finality = \"soon\"\n", "t").unwrap_err().to_string();
        assert!(e.contains("not a choice"), "{e}");
    }

    #[test]
    fn durations_scores_and_bad_fields() {
        assert_eq!(parse_duration("90d"), Ok(90 * DAY));
        assert_eq!(parse_duration("60s"), Ok(60_000));
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert!(parse_duration("60").unwrap_err().contains("unit"));
        assert!(parse_duration("1w").unwrap_err().contains("not a unit"));
        assert!(parse_duration("-1d").is_err());
        assert_eq!(format_duration(7 * u128::from(DAY)), "7d");
        assert_eq!(format_duration(90_000), "90s");
        let e = Profile::parse("[governance]\nvoting_period = \"60s\"\n", "t").unwrap_err().to_string();
        assert!(e.contains("at least 1d"), "one-minute votes only in development: {e}");
        let e = Profile::parse("[trust]\nmin_anchor_age = \"12h\"\n", "t").unwrap_err().to_string();
        assert!(e.contains("whole days"), "{e}");
        let e = Profile::parse("[governance]\nvoting_period = \"soon\"\n", "t").unwrap_err().to_string();
        assert!(e.contains("voting_period"), "{e}");
        let e = Profile::parse("colour = \"red\"\n", "t").unwrap_err().to_string();
        assert!(e.contains("colour"), "{e}");
        assert!(Profile::parse("stablecoin = \"nobody\"\n", "t").is_err());
        let e = Profile::parse("loan_clock = \"slow\"\n", "t").unwrap().fast_loans().unwrap_err().to_string();
        assert!(e.contains("not a clock"), "{e}");
        let e = Profile::parse("pool_clock = \"slow\"\n", "t").unwrap().fast_pool().unwrap_err().to_string();
        assert!(e.contains("pool_clock = \"slow\" is not a clock"), "{e}");
    }

    #[test]
    fn the_pool_clock_is_real_unless_the_profile_says_fast() {
        assert_eq!(Profile::parse("", "t").unwrap().fast_pool().unwrap(), false, "absent: block time");
        assert_eq!(Profile::parse("pool_clock = \"real\"\n", "t").unwrap().fast_pool().unwrap(), false);
        assert_eq!(Profile::parse("development = true\npool_clock = \" fast \"\n", "t").unwrap().fast_pool().unwrap(), true);
        assert!(Profile::parse("pool_clock = \"fast\"\n", "t").is_err(), "fast only in development");
        let p = Profile::parse("development = true\npool_clock = \"fast\"\nloan_clock = \"real\"\n", "t").unwrap();
        assert_eq!((p.fast_pool().unwrap(), p.fast_loans().unwrap()), (true, false), "the two clocks are chosen apart");
        assert!(Profile::parse("pool_clock = 10\n", "t").is_err(), "a clock is a word");
        assert!(Profile::parse("pool_clock = \"Fast\"\n", "t").unwrap().fast_pool().is_err(), "spelled as documented");
        assert_eq!(fast_clock("--pool-clock", Some("fast")).unwrap(), true);
        assert!(fast_clock("--pool-clock", Some("10x")).unwrap_err().to_string().contains("--pool-clock 10x is not a clock"));
    }
}
