//! `dcu demo`: a community of eight development accounts plays the seeds'
//! stories on the live local node, through `dcu` itself — every step is a
//! `dcu` command run as a member (the same binary, so what the demo shows is
//! exactly what a member types), told in plain words, and the demo ends with
//! a table of every member's position.
//!
//! 1. A fresh suite is deployed under its own manifest (`deploy/demo.json`),
//!    so the demo never disturbs `deploy/local.json`; with the local
//!    profile, governance votes last a minute, the loan manager runs on
//!    the fast clock (a second is a day) and so does the credit pool (a
//!    second is 10 days).
//! 2. Everyone joins the trust graph and gets DUSD from the faucet; Alice,
//!    the local profile's founding verifier, verifies the six who know each
//!    other (verified members are anchored and have a voice in governance);
//!    they state whom they trust, and a trust from an unanchored member is
//!    shown to weigh nothing.
//! 3. A governance vote starts: shorten the loan manager's default delay
//!    and let requests live 30 days.
//! 4. Seed 004: Alice, Bob and Eve stake, extend lines (limits 200 / 100 /
//!    100), Alice's attempt to close her line within the lock-out is
//!    refused (at once: on the fast pool clock the 90 days last 9 s), Bob
//!    draws 75 cheapest line first, the revolving interest he would owe
//!    after the grace period is projected, and Bob repays.
//! 5. The vote passes and is executed (before the term loans, so that on
//!    a loaded machine no request expires between its steps).
//! 6. A warranted 3-hop loan Ferdie → Charlie → Dave → Grace found by the
//!    path finder, within Grace's capacity, approved by Ferdie's standing
//!    approval policy, warrants locked by the intermediaries' policies
//!    (bounded by amount and term), repaid with interest split.
//! 7. A second loan, Ferdie → Charlie → Dave → Heidi, sized to Heidi's small
//!    capacity, guaranteed by a minimum-rate policy bounded in amount and
//!    term, misses Ferdie's policy (he approves by hand), defaults and is
//!    settled: the warrants first, then co-insurance, then the creditor's
//!    stake.
//! 8. On the fast pool clock: Grace draws on Dave's line and pays nothing;
//!    past the grace and 60 days of unpaid interest Eve records a warning,
//!    after 180 days she declares the default, and the demo tells what
//!    co-insurance covered and what Dave, the grantor, lost (skipped, in one
//!    line, when the pool runs on block time).
//!
//! `dcu demo federation` (the sibling module `demo_federation`) plays issue
//! 20's story instead: two community banks in a federation, the weaker one
//! supported.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use serde_json::Value;

use crate::chain::{format_amount, format_rate};
use crate::opts::GlobalOpts;
use crate::{CliError, Result};

/// `dcu demo` options.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DemoOpts {
    #[command(subcommand)]
    pub cmd: Option<DemoCmd>,
    /// Manifest of the demo's own deployment (default: deploy/demo.json).
    #[arg(long)]
    pub demo_manifest: Option<PathBuf>,
}

/// `dcu demo` subcommands (without one: the community's stories).
#[derive(Debug, Subcommand)]
pub enum DemoCmd {
    /// Two community banks in a federation: one repays, one does not; the
    /// attesters attest, dcu health --verify shows both banks' health and
    /// the weaker one receives support (its own folder: deploy/demo-federation).
    Federation(super::demo_federation::FederationDemoOpts),
}

/// The eight members: (name, secret URI).
const MEMBERS: [(&str, &str); 8] = crate::chain::DEV_ACCOUNTS;

struct Demo {
    exe: PathBuf,
    url: String,
    manifest: PathBuf,
    t0: Instant,
    steps: u32,
}

pub(super) fn uri(name: &str) -> &'static str {
    crate::chain::dev_uri(name).unwrap_or("//Alice")
}

pub(super) fn title(name: &str) -> String {
    let mut c = name.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

impl Demo {
    fn command(&self, who: &str, args: &[&str], json: bool) -> Command {
        let mut c = Command::new(&self.exe);
        c.args(["--url", &self.url, "--network", "local", "--manifest"]).arg(&self.manifest).args(["--suri", uri(who)]);
        if json {
            c.args(["--output", "json"]);
        }
        // The demo's suite follows the local profile, clocks included.
        c.args(args).env_remove("DCU_SURI").env_remove("DCU_MANIFEST").env_remove("DCU_NETWORK").env_remove("DCU_POOL_CLOCK");
        c
    }

    /// Runs `dcu ARGS` as `who`; its JSON answer, or its one-sentence error.
    fn try_json(&mut self, who: &str, args: &[&str]) -> Result<std::result::Result<Value, String>> {
        self.steps += 1;
        let out = self.command(who, args, true).output().map_err(|e| CliError::Other(format!("cannot run {}: {e}", self.exe.display())))?;
        if out.status.success() {
            let v = serde_json::from_slice(&out.stdout).map_err(|e| CliError::Other(format!("dcu {} printed no JSON: {e}", args.join(" "))))?;
            Ok(Ok(v))
        } else {
            let err = String::from_utf8_lossy(&out.stderr).lines().filter(|l| !l.trim().is_empty()).last().unwrap_or("").trim_start_matches("error: ").to_string();
            Ok(Err(err))
        }
    }

    /// Runs a step that must succeed; returns its JSON.
    fn json(&mut self, who: &str, args: &[&str]) -> Result<Value> {
        match self.try_json(who, args)? {
            Ok(v) => Ok(v),
            Err(e) => Err(CliError::Other(format!("the demo's step `dcu {}` as {} failed: {e}", args.join(" "), title(who)))),
        }
    }

    /// A step that must succeed, with its summary told.
    fn step(&mut self, out: &mut dyn Write, who: &str, args: &[&str]) -> Result<Value> {
        let v = self.json(who, args)?;
        if let Some(s) = v.get("summary").and_then(Value::as_str) {
            writeln!(out, "    {}", names(s).lines().next().unwrap_or(""))?;
        }
        Ok(v)
    }

    /// A step the protocol must refuse; the refusal is told.
    fn refused(&mut self, out: &mut dyn Write, who: &str, args: &[&str], needle: &str) -> Result<()> {
        match self.try_json(who, args)? {
            Ok(_) => Err(CliError::Other(format!("the demo expected `dcu {}` as {} to be refused, and it was not", args.join(" "), title(who)))),
            Err(e) if e.contains(needle) => {
                writeln!(out, "    refused, nothing changed: {}", names(&e))?;
                Ok(())
            }
            Err(e) => Err(CliError::Other(format!("`dcu {}` as {} was refused for another reason: {e}", args.join(" "), title(who)))),
        }
    }

    fn balance(&mut self, who: &str) -> Result<u128> {
        Ok(uint(&self.json("alice", &["token", "balance", who])?["units"]))
    }
}

pub(super) fn say(out: &mut dyn Write, text: &str) -> Result<()> {
    writeln!(out, "\n▶ {text}")?;
    Ok(())
}

pub(super) fn uint(v: &Value) -> u128 {
    v.as_u64().map(u128::from).or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

/// Replaces development addresses by their names, for reading.
pub(super) fn names(text: &str) -> String {
    let mut s = text.to_string();
    for (addr, name) in super::route::dev_names() {
        s = s.replace(&addr, &title(&name));
    }
    s
}

impl Demo {
    /// Runs a step the pool's clock may not have made due yet (a block is
    /// stamped with wall time, rounded): on `NotDue` a second more passes
    /// and it is tried again, at most `tries` times; its summary is told.
    fn when_due(&mut self, out: &mut dyn Write, who: &str, args: &[&str], tries: u32) -> Result<Value> {
        for i in 1..=tries {
            match self.try_json(who, args)? {
                Ok(v) => {
                    if let Some(s) = v.get("summary").and_then(Value::as_str) {
                        writeln!(out, "    {}", names(s).lines().next().unwrap_or(""))?;
                    }
                    return Ok(v);
                }
                Err(e) if e.contains("NotDue") && i < tries => self.wait(out, 1, "not due yet on the pool's clock: a second more")?,
                Err(e) => return Err(CliError::Other(format!("the demo's step `dcu {}` as {} failed: {e}", args.join(" "), title(who)))),
            }
        }
        Err(CliError::Other(format!("`dcu {}` never came due", args.join(" "))))
    }

    /// Lets block time pass until the pool's clock (`rate` pool ms per ms)
    /// reaches `at` (pool ms), then has a block made.
    fn wait_pool(&mut self, out: &mut dyn Write, at: u128, rate: u64, why: &str) -> Result<()> {
        let target = at / u128::from(rate.max(1)) + 1;
        let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        let secs = u64::try_from(target.saturating_sub(wall).div_ceil(1_000)).unwrap_or(60).clamp(1, 60);
        self.wait(out, secs, why)
    }

    /// Lets `secs` seconds pass, then has a block made at the new time (the
    /// local node seals a block per transaction; queries see the last one).
    fn wait(&mut self, out: &mut dyn Write, secs: u64, why: &str) -> Result<()> {
        writeln!(out, "    … {why} ({secs} s)")?;
        out.flush()?;
        std::thread::sleep(Duration::from_secs(secs));
        self.json("alice", &["token", "approve", "alice", "0"])?;
        Ok(())
    }
}

/// Runs `dcu demo`.
pub async fn run(g: &GlobalOpts, opts: &DemoOpts, out: &mut impl Write) -> Result<()> {
    if let Some(DemoCmd::Federation(o)) = &opts.cmd {
        return super::demo_federation::run(g, o, out).await;
    }
    let exe = std::env::current_exe().map_err(|e| CliError::Other(format!("cannot find the dcu binary: {e}")))?;
    let manifest = opts.demo_manifest.clone().unwrap_or_else(|| crate::manifest::default_dir().join("demo.json"));
    check_development(g, "dcu demo").await?;
    let mut d = Demo { exe, url: g.url.clone(), manifest, t0: Instant::now(), steps: 0 };
    // With --output json the story goes to stderr and stdout gets one JSON
    // document: the positions at the end.
    if !g.json() {
        tell(&mut d, g, out).await?;
    } else {
        let positions = tell(&mut d, g, &mut std::io::stderr()).await?;
        let v = serde_json::json!({
            "commands": d.steps,
            "seconds": d.t0.elapsed().as_secs_f64(),
            "manifest": d.manifest.display().to_string(),
            "members": positions,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default())?;
    }
    Ok(())
}

/// Development accounts and the local profile: development chains only.
pub(super) async fn check_development(g: &GlobalOpts, what: &str) -> Result<()> {
    crate::chain::check_url(&g.url)?;
    let chain_type = crate::chain::connect(&g.url).await?.chain_type().await?;
    if !g.development_chain(&chain_type) {
        return Err(CliError::Other(format!(
            "{what} plays development accounts (//Alice … //Ferdie, whose secrets are public) on the local profile: {} is {}; run it on a local development node (`dcu node`)",
            g.url,
            g.chain_words(&chain_type)
        )));
    }
    Ok(())
}

/// Days of the pool's clock between `from` and `at` (pool ms), for telling.
fn pool_day(at: u128, from: u128) -> String {
    format!("{:.0}", at.saturating_sub(from) as f64 / dcu_common::DAY_MS as f64)
}

/// On the fast pool clock: Grace draws on Dave's line and pays nothing;
/// anyone records the warning once the interest is overdue and declares the
/// default once it is due; the default's cover and Dave's loss are told.
fn pool_default(d: &mut Demo, o: &mut dyn Write, rate: u64) -> Result<()> {
    let info = d.json("alice", &["pool", "info"])?;
    let days = |k: &str| info[k].as_f64().unwrap_or(0.0);
    say(
        o,
        &format!(
            "A pool default (pool clock {}): Grace draws 100 DUSD on Dave's 5 % line and pays nothing. No interest for the {:.0}-day grace; {:.0} days after interest goes unpaid anyone may record a warning, after {:.0} days declare the default",
            super::pool::clock_words(rate),
            days("grace_days"),
            days("overdue_days"),
            days("default_days")
        ),
    )?;
    let stake0 = uint(&d.json("alice", &["pool", "show", "dave"])?["stake"]);
    d.step(o, "grace", &["pool", "draw", "100", "--max-rate", "5"])?;
    let p = d.json("alice", &["pool", "show", "grace"])?;
    let t0 = uint(&p["now"]);
    let lines = p["lines_received"].as_array().cloned().unwrap_or_default();
    let line = lines.iter().find(|l| uint(&l["principal"]) > 0).cloned().unwrap_or(Value::Null);
    let day_ms = u128::from(dcu_common::DAY_MS);
    // Interest is unpaid from the first whole day after the grace.
    let unpaid = uint(&line["grace_until"]).max(t0) + day_ms;
    let ms = |k: &str| (days(k) * dcu_common::DAY_MS as f64) as u128;
    let (overdue_at, default_at) = (unpaid + ms("overdue_days"), unpaid + ms("default_days"));
    writeln!(
        o,
        "    day 0: Grace owes {} DUSD, {} of it insured (Dave's line is {} than the {:.0} days cover asks); grace until day {}, a warning possible from day {}, the default from day {}",
        format_amount(uint(&p["principal"])),
        format_amount(uint(&line["insured"])),
        if uint(&line["insured"]) > 0 { "older" } else { "younger" },
        days("cover_min_age_days"),
        pool_day(uint(&line["grace_until"]), t0),
        pool_day(overdue_at, t0),
        pool_day(default_at, t0)
    )?;
    d.wait_pool(o, overdue_at, rate, "Grace pays nothing; the days pass on the pool's clock")?;
    d.when_due(o, "eve", &["pool", "overdue", "grace"], 4)?;
    let p = d.json("alice", &["pool", "show", "grace"])?;
    writeln!(
        o,
        "    day {}: Grace owes {} DUSD of principal and {} of interest, unpaid since day {}; the trust graph holds the warning",
        pool_day(uint(&p["now"]), t0),
        format_amount(uint(&p["principal"])),
        format_amount(uint(&p["interest"])),
        pool_day(uint(&p["unpaid_since"]), t0)
    )?;
    let default_at = match uint(&p["default_at"]) {
        0 => default_at,
        at => at,
    };
    d.wait_pool(o, default_at, rate, "still nothing paid")?;
    let r = d.when_due(o, "eve", &["pool", "default", "grace"], 4)?;
    let now = uint(&d.json("alice", &["pool", "show", "grace"])?["now"]);
    let stake1 = uint(&d.json("alice", &["pool", "show", "dave"])?["stake"]);
    let n = |k: &str| uint(&r["details"][k]);
    writeln!(
        o,
        "    day {}: the Defaulted event: {} DUSD unpaid, co-insurance covered {} (at most {} of the insured loss and {} of the reserve per default), written off {}; Dave, the grantor, lost {} DUSD of his stake ({} → {})",
        pool_day(now, t0),
        format_amount(n("principal")),
        format_amount(n("covered")),
        format_rate(uint(&info["cover_share_bps"])),
        format_rate(uint(&info["cover_max_reserve_share_bps"])),
        format_amount(n("written_off")),
        format_amount(stake0.saturating_sub(stake1)),
        format_amount(stake0),
        format_amount(stake1)
    )?;
    Ok(())
}

/// Plays the stories, telling them to `o`; returns every member's position.
async fn tell(d: &mut Demo, g: &GlobalOpts, o: &mut dyn Write) -> Result<Vec<Value>> {

    writeln!(o, "DCU demo — a community of eight members on {}", g.url)?;
    say(o, "A fresh DCU suite is deployed for the demo (its own manifest; governance holds every admin role)")?;
    let t = Instant::now();
    let dep = d.json("alice", &["deploy", "--fresh"])?;
    let deploy_secs = t.elapsed().as_secs_f64();
    let n = dep["contracts"].as_array().map(|a| a.len()).unwrap_or(0);
    writeln!(o, "    {n} contracts deployed and wired in {deploy_secs:.1} s (manifest {})", d.manifest.display())?;

    say(o, "Alice, Bob, Charlie, Dave, Eve, Ferdie, Grace and Heidi join the trust graph; each but Alice (who holds the supply) takes 10,000 DUSD from the faucet")?;
    for (m, _) in MEMBERS {
        d.json(m, &["member", "register"])?;
        if m != "alice" {
            d.json(m, &["token", "faucet"])?;
        }
    }
    writeln!(o, "    8 members, each with DUSD to stake, lend and repay")?;

    say(o, "Alice, the founding verifier named by the network profile, verifies the six who know each other in person; Grace and Heidi are not verified yet. Verified members are anchored — their trust counts — and only they vote")?;
    for m in ["alice", "bob", "charlie", "dave", "eve", "ferdie"] {
        d.json("alice", &["trust", "verify", m])?;
    }
    writeln!(o, "    6 verified members")?;

    say(o, "They state whom they trust (weights 1..800): the seed-004 friends trust each other; Ferdie trusts Charlie, who trusts Dave, who trusts Grace and Heidi; Grace is well known, Heidi barely")?;
    let edges: [(&str, &str, &str); 15] = [
        ("alice", "bob", "500"),
        ("alice", "eve", "500"),
        ("bob", "alice", "500"),
        ("bob", "eve", "500"),
        ("eve", "alice", "500"),
        ("eve", "bob", "500"),
        ("ferdie", "charlie", "600"),
        ("charlie", "dave", "600"),
        ("dave", "grace", "700"),
        ("dave", "heidi", "300"),
        ("alice", "grace", "800"),
        ("bob", "grace", "800"),
        ("eve", "grace", "800"),
        ("charlie", "grace", "800"),
        ("ferdie", "grace", "800"),
    ];
    for (a, b, w) in edges {
        d.json(a, &["trust", "set", b, w])?;
    }
    let ts = |v: &Value| format!("{:.2}", uint(&v["on_chain"]["trust_score"]) as f64 / 1e9);
    let grace = d.json("alice", &["trust", "show", "grace"])?;
    let heidi = d.json("alice", &["trust", "show", "heidi"])?;
    writeln!(o, "    Grace's trust score {}, Heidi's {} (computed on chain, re-checked off chain by dcu)", ts(&grace), ts(&heidi))?;
    d.refused(o, "dave", &["trust", "set", "dave", "10"], "")?;
    say(o, "Heidi, neither verified nor staked, trusts Grace with the full 800: trust has to cost something, so it weighs nothing")?;
    d.step(o, "heidi", &["trust", "set", "grace", "800"])?;
    let grace2 = d.json("alice", &["trust", "show", "grace"])?;
    writeln!(
        o,
        "    Grace's trust score is still {} ({}: {})",
        ts(&grace2),
        "Heidi's edge",
        grace2["edges_in"].as_array().and_then(|e| e.iter().find(|x| x["weight"] == 800 && x["counts"] == false)).and_then(|x| x["why"].as_str()).unwrap_or("not shown")
    )?;
    // DT, NT and TS do not depend on time (CF's age component does).
    if ["direct_trust", "network_trust", "trust_score", "neighbours"].iter().any(|k| grace2["on_chain"][k] != grace["on_chain"][k]) {
        return Err(CliError::Other("an unanchored member's trust changed Grace's score".into()));
    }

    say(o, "Governance (SPEC §6): Alice proposes that a loan may be declared in default 3 days past due instead of 90, and that a request waits 30 days for its disbursement instead of 7 (on the local fast clock, 7 days are 7 seconds); Alice and Bob vote (n votes cost n² voice credits)")?;
    d.step(o, "alice", &["gov", "propose", "--title", "Defaults after 3 days, requests live 30", "loan-params", "default_after=3d", "request_expiry=30d"])?;
    let list = d.json("alice", &["gov", "list"])?;
    let pid = list["proposals"].as_array().and_then(|a| a.iter().filter_map(|p| p["id"].as_u64()).max()).unwrap_or(0).to_string();
    let vote_started = Instant::now();
    d.step(o, "alice", &["gov", "vote", &pid, "for", "7"])?;
    d.step(o, "bob", &["gov", "vote", &pid, "for", "5"])?;
    d.refused(o, "heidi", &["gov", "vote", &pid, "for", "1"], "")?;
    writeln!(o, "    the vote lasts one minute on the local profile (7 days and a 2-day timelock by default); the community carries on meanwhile")?;

    let pool_info = d.json("alice", &["pool", "info"])?;
    let pool_rate = u64::try_from(uint(&pool_info["clock_rate"])).unwrap_or(1).max(1);
    say(o, "Seed 004: Alice stakes 100 DUSD and extends 50 to Bob (5 %) and Eve (6 %); Bob stakes 200, extends 150 to Alice (4 %) and 50 to Eve (5 %); Eve stakes 100, extends 50 to Alice (7 %) and Bob (3 %)")?;
    if pool_rate > 1 {
        let days = |k: &str| pool_info[k].as_f64().unwrap_or(0.0);
        writeln!(
            o,
            "    the pool's clock (local profile): {} — its {:.0}-day lock-out lasts {}, its {:.0}-day grace {}",
            super::pool::clock_words(pool_rate),
            days("lockout_days"),
            super::pool::block_seconds(days("lockout_days"), pool_rate),
            days("grace_days"),
            super::pool::block_seconds(days("grace_days"), pool_rate)
        )?;
    }
    // Alice's line to Bob is extended last: she tries to take it back at
    // once, within its lock-out (9 s on the fast pool clock).
    for (who, stake, lines) in [
        ("bob", "200", [("alice", "150", "4"), ("eve", "50", "5")]),
        ("eve", "100", [("alice", "50", "7"), ("bob", "50", "3")]),
        ("alice", "100", [("eve", "50", "6"), ("bob", "50", "5")]),
    ] {
        d.json(who, &["pool", "stake", stake])?;
        for (to, limit, rate) in lines {
            d.json(who, &["pool", "extend", to, limit, "--rate", rate])?;
        }
    }
    say(o, "Alice wants her line to Bob back at once, within its 90-day lock-out")?;
    d.refused(o, "alice", &["pool", "close", "bob"], "LockedUntil")?;
    say(o, "Their credit limits: the sum of the lines to each, at most MAX_CREDIT")?;
    for who in ["alice", "bob", "eve"] {
        let s = d.json("alice", &["pool", "show", who])?;
        writeln!(o, "    {}'s credit limit: {} DUSD", title(who), format_amount(uint(&s["credit_limit"])))?;
    }
    say(o, "Bob draws 75 DUSD: Eve's 3 % line first, then Alice's 5 % line")?;
    d.step(o, "bob", &["pool", "draw", "75"])?;
    let bob = d.json("alice", &["pool", "show", "bob"])?;
    let mut projected = 0f64;
    for l in bob["lines_received"].as_array().cloned().unwrap_or_default() {
        let (p, r) = (uint(&l["principal"]) as f64, uint(&l["rate_bps"]) as f64);
        if p > 0.0 {
            writeln!(o, "    {} DUSD on {}'s line at {}", format_amount(p as u128), names(l["grantor"].as_str().unwrap_or("")), format_rate(r as u128))?;
            projected += p * r / 10_000.0 * 30.0 / 365.0;
        }
    }
    writeln!(
        o,
        "    revolving interest: nothing during the 30-day grace; kept 30 days longer, Bob would owe about {:.2} DUSD (each line's rate, daily, on what is drawn)",
        projected / 1e6
    )?;
    say(o, "Bob repays everything")?;
    let paid = uint(&d.step(o, "bob", &["pool", "repay", "all"])?["units"]);
    let drawn = 75 * dcu_common::ONE_TOKEN;
    if paid <= drawn {
        writeln!(o, "    within the grace period: no interest")?;
    } else {
        writeln!(o, "    {} DUSD of it interest: the grace had passed (on the fast pool clock it lasts seconds)", format_amount(paid - drawn))?;
    }

    say(o, "The vote ends: anyone queues and executes the passed proposal: from now on a loan may be declared in default 3 days past due, and a request lives 30 days (30 seconds on the local clock) before it must be disbursed")?;
    let left = 63u64.saturating_sub(vote_started.elapsed().as_secs());
    if left > 0 {
        d.wait(o, left, "waiting for the one-minute vote to end")?;
    }
    d.step(o, "charlie", &["gov", "queue", &pid])?;
    d.step(o, "charlie", &["gov", "execute", &pid])?;

    say(o, "A warranted 3-hop loan: Ferdie stakes 1,000 and lends to Charlie (4 %), Charlie to Dave (5 %), Dave to Grace and Heidi (5 %, 6 %); Charlie and Dave guarantee loans routed through them automatically")?;
    for (who, stake, to, limit, rate) in
        [("ferdie", "1000", "charlie", "600", "4"), ("charlie", "600", "dave", "600", "5"), ("dave", "600", "grace", "400", "5")]
    {
        d.json(who, &["pool", "stake", stake])?;
        d.json(who, &["pool", "extend", to, limit, "--rate", rate])?;
    }
    d.json("dave", &["pool", "extend", "heidi", "200", "--rate", "6"])?;
    d.step(o, "charlie", &["warrant", "policy", "tier", "--max-amount", "500", "--max-term", "90d", "--allowance", "500"])?;
    d.step(o, "dave", &["warrant", "policy", "4%", "--max-amount", "500", "--max-term", "90d", "--allowance", "500"])?;
    say(o, "The score is advice, not consent: Ferdie, the creditor, sets a standing approval policy; a loan routed from him is approved at once only if it meets every bound, any other waits for his `dcu loan approve`")?;
    d.step(o, "ferdie", &["loan", "policy", "--min-score", "50", "--max-amount", "500", "--max-term", "90d", "--min-rate", "5%"])?;
    // Capacity bounds routed credit: each borrower asks for what its C(v) allows.
    let cap = |d: &mut Demo, who: &str| -> Result<u128> { Ok(uint(&d.json("alice", &["trust", "show", who])?["on_chain"]["capacity"]) / dcu_common::ONE_TOKEN) };
    let grace_amount = cap(d, "grace")?.min(300);
    say(o, &format!("Grace asks for {grace_amount} DUSD for a community project over 30 days (her capacity allows at most that much routed credit); dcu's path finder routes it from Ferdie"))?;
    if grace_amount == 0 {
        return Err(CliError::Other("Grace's capacity is below 1 DUSD: the demo's trust steps no longer give her enough trust to borrow".into()));
    }
    let amount = grace_amount.to_string();
    let r = d.json("grace", &["loan", "request", &amount, "--purpose", "community", "--term", "30", "--description", "a shared tool library", "--auto-route", "--from", "ferdie"])?;
    let q = &r["loans"][0];
    let id = q["id"].as_u64().unwrap_or(0).to_string();
    writeln!(
        o,
        "    loan #{id}: route {}, rate {}, score {}, warrants {} DUSD from each intermediary — {}: {}",
        q["path"].as_array().map(|p| p.iter().map(|a| names(a.as_str().unwrap_or(""))).collect::<Vec<_>>().join(" → ")).unwrap_or_default(),
        format_rate(uint(&q["rate_bps"])),
        uint(&q["score"]),
        format_amount(uint(&q["warrant_each"])),
        q["state"].as_str().unwrap_or(""),
        q["approval_note"].as_str().unwrap_or("")
    )?;
    if !q["policy_met"].as_bool().unwrap_or(false) {
        writeln!(o, "    Ferdie, the creditor, approves it himself")?;
        d.step(o, "ferdie", &["loan", "approve", &id])?;
    }
    let before: Vec<u128> = ["ferdie", "charlie", "dave"].iter().map(|w| d.balance(w)).collect::<Result<_>>()?;
    d.step(o, "grace", &["loan", "disburse", &id])?;
    d.wait(o, 5, "five days pass on the local loan clock")?;
    let st = d.json("grace", &["loan", "status", &id])?;
    writeln!(o, "    Grace owes {} DUSD: {} principal + {} interest", format_amount(uint(&st["owed"])), format_amount(uint(&st["principal"])), format_amount(uint(&st["interest"])))?;
    d.step(o, "grace", &["loan", "repay", &id, "all"])?;
    let after: Vec<u128> = ["ferdie", "charlie", "dave"].iter().map(|w| d.balance(w)).collect::<Result<_>>()?;
    // Charlie and Dave also got their warrants back.
    let warrant = uint(&q["warrant_each"]);
    writeln!(
        o,
        "    the interest, after the 10 % fee and 5 % insurance share: Dave (direct creditor, and guarantor) +{}, Ferdie (end creditor) +{}, Charlie (guarantor) +{} DUSD; both warrants ({} DUSD each) went back",
        format_amount(after[2].saturating_sub(before[2]).saturating_sub(warrant)),
        format_amount(after[0].saturating_sub(before[0])),
        format_amount(after[1].saturating_sub(before[1]).saturating_sub(warrant)),
        format_amount(warrant)
    )?;

    let heidi_amount = cap(d, "heidi")?.min(150);
    let id2 = if heidi_amount == 0 {
        say(o, "Heidi, barely known, has a capacity below 1 DUSD: capacity bounds routed credit, so she cannot borrow on a term loan")?;
        None
    } else {
        say(o, &format!("Heidi, barely known, asks for {heidi_amount} DUSD (all her small capacity allows) over the same chain for 2 days. Charlie's trust-tier policy never covers a borrower below TS 0.3, so Charlie, who knows Heidi, switches to a minimum rate of 8 % for small, short loans; Dave's policy covers it too. Her score misses Ferdie's policy: he approves after talking to her"))?;
        d.step(o, "charlie", &["warrant", "policy", "8%", "--max-amount", "50", "--max-term", "30d"])?;
        // On the local fast clock a request lives 30 seconds (the vote
        // executed above): approval and disbursement follow it at once.
        let r = d.json("heidi", &["loan", "request", &heidi_amount.to_string(), "--purpose", "productive", "--term", "2", "--path", "ferdie,charlie,dave,heidi"])?;
        let q2 = &r["loans"][0];
        let id2 = q2["id"].as_u64().unwrap_or(0).to_string();
        d.refused(o, "heidi", &["loan", "disburse", &id2], "")?;
        if !q2["policy_met"].as_bool().unwrap_or(false) {
            d.step(o, "ferdie", &["loan", "approve", &id2])?;
        }
        d.step(o, "heidi", &["loan", "disburse", &id2])?;
        writeln!(o, "    loan #{id2}: score {}, rate {}; both warrants locked by policy — {}", uint(&q2["score"]), format_rate(uint(&q2["rate_bps"])), q2["approval_note"].as_str().unwrap_or(""))?;
        Some(id2)
    };

    if let Some(id2) = id2 {
        say(o, "Heidi does not repay. Past due she is overdue; 3 days later anyone may declare the default and settle it")?;
        let st = d.json("heidi", &["loan", "status", &id2])?;
        let wait_s = (uint(&st["default_at"]).saturating_sub(uint(&st["now"])) / 86_400_000) as u64 + 2;
        d.wait(o, wait_s.min(120), "days pass on the local loan clock")?;
        let (c0, d0) = (d.balance("charlie")?, d.balance("dave")?);
        let f0 = uint(&d.json("alice", &["pool", "show", "ferdie"])?["stake"]);
        let settled = d.step(o, "eve", &["loan", "settle", &id2])?;
        let (c1, d1) = (d.balance("charlie")?, d.balance("dave")?);
        let f1 = uint(&d.json("alice", &["pool", "show", "ferdie"])?["stake"]);
        let n = |k: &str| uint(&settled["details"][k]);
        writeln!(
            o,
            "    warrants first: Charlie's and Dave's paid {} DUSD into Ferdie's stake (they got back {} and {} DUSD of them), co-insurance {}; Ferdie's stake went from {} to {} DUSD; the trust graph records Heidi's default",
            format_amount(n("from_warrants")),
            format_amount(c1.saturating_sub(c0)),
            format_amount(d1.saturating_sub(d0)),
            format_amount(n("from_insurance")),
            format_amount(f0),
            format_amount(f1)
        )?;
        let heidi = d.json("alice", &["trust", "show", "heidi"])?;
        writeln!(o, "    Heidi: {} default(s) on record, trust score now {}", uint(&heidi["defaults"]), ts(&heidi))?;
    }

    if pool_rate > 1 {
        pool_default(d, o, pool_rate)?;
    } else {
        say(o, "A pool default is not played: this pool runs on block time (pool_clock = \"real\"), where one takes 211 days")?;
    }

    say(o, "Every member's position")?;
    writeln!(o, "    {:<8} {:>12} {:>10} {:>10} {:>12} {:>10} {:>6} {:>6}", "member", "DUSD", "staked", "lent", "credit limit", "owes pool", "TS", "loans")?;
    let mut positions = Vec::new();
    for (m, _) in MEMBERS {
        let bal = d.balance(m)?;
        let p = d.json("alice", &["pool", "show", m])?;
        let t = d.json("alice", &["trust", "show", m])?;
        let l = d.json("alice", &["loan", "list", m])?;
        writeln!(
            o,
            "    {:<8} {:>12} {:>10} {:>10} {:>12} {:>10} {:>6} {:>6}",
            title(m),
            format_amount(bal),
            format_amount(uint(&p["stake"])),
            format_amount(uint(&p["lent"])),
            format_amount(uint(&p["credit_limit"])),
            format_amount(uint(&p["principal"])),
            ts(&t),
            l["loans"].as_array().map(|a| a.len()).unwrap_or(0)
        )?;
        positions.push(serde_json::json!({
            "member": title(m),
            "dusd": bal,
            "staked": uint(&p["stake"]),
            "lent": uint(&p["lent"]),
            "credit_limit": uint(&p["credit_limit"]),
            "owes_pool": uint(&p["principal"]),
            "trust_score": uint(&t["on_chain"]["trust_score"]),
            "open_loans": l["loans"].as_array().map(|a| a.len()).unwrap_or(0),
        }));
    }
    let info = d.json("alice", &["pool", "info"])?;
    writeln!(
        o,
        "    pool: insurance {} DUSD, treasury {} DUSD, written off {} DUSD; its books balance: {}",
        format_amount(uint(&info["insurance"])),
        format_amount(uint(&info["treasury"])),
        format_amount(uint(&info["written_off"])),
        info["books_balance"]
    )?;
    writeln!(o, "\nDemo done: {} dcu commands in {:.0} s (deploy {:.1} s).", d.steps, d.t0.elapsed().as_secs_f64(), deploy_secs)?;
    Ok(positions)
}
