//! Network profiles: what `dcu deploy` needs to know about a network beyond
//! its URL — whether to deploy the development stablecoin or use an existing
//! PSP22, and governance's parameters and guardian.
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
    /// Governance's parameters.
    #[serde(default)]
    pub governance: GovProfile,
    /// The loan manager's clock: "real" (block time, the default) or "fast"
    /// (the `loan_manager_fast` build, a second of block time is a day: for
    /// local development networks only, so terms and defaults play out in
    /// minutes).
    #[serde(default)]
    pub loan_clock: Option<String>,
}

impl Profile {
    /// Whether the loan manager runs on the fast clock.
    pub fn fast_loans(&self) -> Result<bool> {
        match self.loan_clock.as_deref().map(str::trim) {
            None | Some("real") => Ok(false),
            Some("fast") => Ok(true),
            Some(other) => Err(CliError::Other(format!("loan_clock = \"{other}\" is not a clock: write \"real\" or \"fast\""))),
        }
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
    /// Trust score from 0 to 1, e.g. "0.1".
    pub min_trust_score: Option<String>,
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
    pub min_trust_score: u128,
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
        let min_trust_score = match &self.min_trust_score {
            Some(s) => parse_score(s).map_err(|r| bad("min_trust_score", s, &r))?,
            None => 100_000_000,
        };
        let guardian = self.guardian.as_deref().map(|g| parse_account(g).map(|a| a.to_string())).transpose()?;
        Ok(GovValues {
            voting_delay_ms: dur(&self.voting_delay, DAY, "voting_delay")?,
            voting_period_ms: dur(&self.voting_period, 7 * DAY, "voting_period")?,
            quorum_bps,
            timelock_ms: dur(&self.timelock, 2 * DAY, "timelock")?,
            execution_window_ms: dur(&self.execution_window, 14 * DAY, "execution_window")?,
            voice_credits: self.voice_credits.unwrap_or(100),
            min_trust_score,
            guardian,
        })
    }
}

impl GovValues {
    /// The constructor arguments of `governance::new(params, guardian)`.
    pub fn constructor_args(&self) -> Vec<String> {
        vec![
            format!(
                "GovParams {{ voting_delay_ms: {}, voting_period_ms: {}, quorum_bps: {}, timelock_ms: {}, execution_window_ms: {}, voice_credits: {}, min_trust_score: {} }}",
                self.voting_delay_ms, self.voting_period_ms, self.quorum_bps, self.timelock_ms, self.execution_window_ms, self.voice_credits, self.min_trust_score
            ),
            match &self.guardian {
                Some(g) => format!("Some({g})"),
                None => "None".into(),
            },
        ]
    }
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

/// Parses a trust score between 0 and 1 ("0.1", "0.25", "1") into 10^9 units.
pub fn parse_score(s: &str) -> std::result::Result<u128, String> {
    let t = s.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let ok = !(whole.is_empty() && frac.is_empty())
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && frac.len() <= 9;
    if !ok {
        return Err("write a trust score between 0 and 1, such as 0.1".into());
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "it is too large".to_string())? };
    let frac: u128 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().map_err(|_| "it is not a number".to_string())? };
    let v = whole.checked_mul(1_000_000_000).and_then(|w| w.checked_add(frac)).ok_or("it is too large")?;
    if v > 1_000_000_000 {
        return Err("a trust score is at most 1".into());
    }
    Ok(v)
}

/// A 10^9-scaled score as a decimal ("0.1").
pub fn format_score(v: u128) -> String {
    let s = format!("{}.{:09}", v / 1_000_000_000, v % 1_000_000_000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Profile {
    /// Parses a profile's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Profile> {
        let p: Profile = toml::from_str(text).map_err(|e| CliError::Other(format!("the network profile {origin} is not valid: {}", e.message())))?;
        if let Some(a) = &p.stablecoin {
            parse_account(a)?;
        }
        p.governance.values()?;
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
    }

    #[test]
    fn parachain_example_names_a_stablecoin_and_spec_defaults() {
        let text = std::fs::read_to_string("../deploy/networks/parachain.example.toml").unwrap();
        let p = Profile::parse(&text, "example").unwrap();
        assert!(p.stablecoin.is_some());
        let v = p.governance.values().unwrap();
        assert_eq!((v.voting_delay_ms, v.voting_period_ms, v.timelock_ms), (DAY, 7 * DAY, 2 * DAY));
        assert_eq!((v.quorum_bps, v.voice_credits, v.min_trust_score), (1_000, 100, 100_000_000));
        assert_eq!(p.fast_loans().unwrap(), false, "a public network runs loans on block time");
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
        assert_eq!(parse_score("0.1"), Ok(100_000_000));
        assert_eq!(parse_score("1"), Ok(1_000_000_000));
        assert!(parse_score("1.5").is_err());
        assert_eq!(format_score(100_000_000), "0.1");
        assert_eq!(format_score(1_000_000_000), "1");
        let e = Profile::parse("[governance]\nvoting_period = \"soon\"\n", "t").unwrap_err().to_string();
        assert!(e.contains("voting_period"), "{e}");
        let e = Profile::parse("colour = \"red\"\n", "t").unwrap_err().to_string();
        assert!(e.contains("colour"), "{e}");
        assert!(Profile::parse("stablecoin = \"nobody\"\n", "t").is_err());
        let e = Profile::parse("loan_clock = \"slow\"\n", "t").unwrap().fast_loans().unwrap_err().to_string();
        assert!(e.contains("not a clock"), "{e}");
    }
}
