//! `dcu demo federation`: two community banks in a federation, and the
//! weaker one receives support (issue 20) — played on the live local node
//! through `dcu`'s own commands, run in this process (each step is parsed
//! from the words a member would type and handed to that command's `run`,
//! with JSON output read back), told in plain words for a treasurer.
//!
//! Everything lives in its own folder (`deploy/demo-federation/` by
//! default, `--demo-dir`), so the demo never disturbs `deploy/local*.json`:
//! the demo's plan (`plan.toml`), the two communities' manifests
//! (`local-riverside.json`, `local-hillcrest.json`, named as
//! `dcu federation deploy` names them beside `<dir>/local.json`, which is
//! never written), the attesters' data files (copies of
//! `deploy/health/riverside.json` and `deploy/health/hillcrest.json`) and
//! the health plot (`health.svg`); a `.gitignore` of `*` keeps git out of it.
//!
//! 1. `dcu federation deploy --pool-clock fast` deploys Riverside and
//!    Hillcrest (one suite each, one shared stablecoin) and the federation
//!    governed by Charlie: banks below health 70 share up to 500 DUSD an
//!    epoch. On the fast pool clock an epoch is 150 days, 15 s of block time.
//! 2. Each community appoints its attester by its own governance's vote
//!    (`dcu gov propose attester`): Dave for Riverside, Eve for Hillcrest.
//!    The local profile's vote lasts a minute; meanwhile Dave and Eve pay
//!    into the federation's treasury and, in each community, Alice lends
//!    Bob 100 DUSD on a credit line.
//! 3. The votes are executed. In a later epoch Riverside's Bob repays;
//!    Hillcrest's never does. The epoch the repayment fell in is read from
//!    the pool (`dcu pool epoch`), never assumed, and the demo waits until
//!    it has closed (blocks are sealed per transaction: a token approval
//!    makes one with the new time).
//! 4. Each attester attests that epoch from its data file (`dcu health
//!    attest`); anyone distributes it (`dcu federation distribute`, at most
//!    two epochs after it); `dcu health --verify` shows both banks' health
//!    recomputed from the pool's events and the attestation, and writes the
//!    plot; the demo ends with the support each bank received.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use serde_json::Value;

use super::demo::{names, say, title, uint, uri};
use super::{federation, gov, health, pool, token, trust};
use crate::chain::format_amount;
use crate::opts::GlobalOpts;
use crate::{CliError, Result};

/// `dcu demo federation` options.
#[derive(Debug, Args)]
pub struct FederationDemoOpts {
    /// Folder of the demo's own federation: its plan, the two communities'
    /// manifests, the attesters' data files and the health plot (default:
    /// deploy/demo-federation).
    #[arg(long)]
    pub demo_dir: Option<PathBuf>,
}

/// The demo's plan: the two communities, the federation's governance and
/// its rules (the shipped deploy/federation/local.toml, in the demo's folder).
const PLAN: &str = r#"# dcu demo federation: two communities of one bioregion and their federation.
description = "dcu demo federation: Riverside and Hillcrest on the local node"
governance = "//Charlie"
target = 70
budget = "500"

[[community]]
name = "Riverside"
bioregion = "NA-CASCADIA-01"

[[community]]
name = "Hillcrest"
bioregion = "NA-CASCADIA-02"
"#;

/// The attesters' data files: a strong community and a weak one.
const RIVERSIDE_DATA: &str = include_str!("../../../deploy/health/riverside.json");
const HILLCREST_DATA: &str = include_str!("../../../deploy/health/hillcrest.json");

/// What the federation pays into the treasury: (member, community, DUSD).
const FUNDING: [(&str, usize, &str); 2] = [("dave", 0, "150"), ("eve", 1, "100")];

/// A `dcu` command line, parsed as `dcu` parses it.
#[derive(Debug, Parser)]
#[command(name = "dcu")]
struct Line {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    cmd: Cmd,
}

/// The commands the demo plays.
#[derive(Debug, Subcommand)]
enum Cmd {
    Token(token::TokenOpts),
    Member(trust::MemberOpts),
    Trust(trust::TrustOpts),
    Pool(pool::PoolOpts),
    Gov(gov::GovOpts),
    Health(health::HealthOpts),
    Federation(federation::FederationOpts),
}

/// One community of the demo.
struct Bank {
    name: &'static str,
    manifest: PathBuf,
    attester: &'static str,
    data: PathBuf,
}

struct Fd {
    url: String,
    dir: PathBuf,
    t0: Instant,
    steps: u32,
    banks: [Bank; 2],
}

impl Fd {
    /// Runs `dcu ARGS` as `who` on manifest `m`, in this process; what it
    /// printed, or its one-sentence error.
    async fn run(&mut self, m: &Path, who: &str, args: &[&str], json: bool) -> Result<std::result::Result<Vec<u8>, String>> {
        self.steps += 1;
        let mut argv: Vec<String> = ["dcu", "--url", &self.url, "--network", "local", "--manifest"].iter().map(|s| s.to_string()).collect();
        argv.extend([m.display().to_string(), "--suri".into(), uri(who).into()]);
        if json {
            argv.extend(["--output".into(), "json".into()]);
        }
        argv.extend(args.iter().map(|s| s.to_string()));
        let mut line = Line::try_parse_from(&argv).map_err(|e| CliError::Other(format!("the demo's step `dcu {}` does not parse: {e}", args.join(" "))))?;
        line.global.resolve()?;
        let g = &line.global;
        let mut buf = Vec::new();
        let res = match &line.cmd {
            Cmd::Token(o) => Box::pin(token::run(g, o, &mut buf)).await,
            Cmd::Member(o) => Box::pin(trust::run_member(g, o, &mut buf)).await,
            Cmd::Trust(o) => Box::pin(trust::run(g, o, &mut buf)).await,
            Cmd::Pool(o) => Box::pin(pool::run(g, o, &mut buf)).await,
            Cmd::Gov(o) => Box::pin(gov::run(g, o, &mut buf)).await,
            Cmd::Health(o) => Box::pin(health::run(g, o, &mut buf)).await,
            Cmd::Federation(o) => Box::pin(federation::run(g, o, &mut buf)).await,
        };
        Ok(match res {
            Ok(()) => Ok(buf),
            Err(e) => Err(e.to_string()),
        })
    }

    /// A step that may be refused: its JSON answer, or its error.
    async fn try_json(&mut self, m: &Path, who: &str, args: &[&str]) -> Result<std::result::Result<Value, String>> {
        Ok(match self.run(m, who, args, true).await? {
            Ok(out) => Ok(serde_json::from_slice(&out).map_err(|e| CliError::Other(format!("dcu {} printed no JSON: {e}", args.join(" "))))?),
            Err(e) => Err(e),
        })
    }

    /// A step that must succeed; its JSON answer.
    async fn json(&mut self, m: &Path, who: &str, args: &[&str]) -> Result<Value> {
        match self.try_json(m, who, args).await? {
            Ok(v) => Ok(v),
            Err(e) => Err(CliError::Other(format!("the demo's step `dcu {}` as {} failed: {e}", args.join(" "), title(who)))),
        }
    }

    /// A step that must succeed, with its summary told (every line of it).
    async fn step(&mut self, o: &mut dyn Write, m: &Path, who: &str, args: &[&str]) -> Result<Value> {
        let v = self.json(m, who, args).await?;
        if let Some(s) = v.get("summary").and_then(Value::as_str) {
            for l in names(s).lines() {
                writeln!(o, "    {}", l.trim_start())?;
            }
        }
        Ok(v)
    }

    fn bank(&self, i: usize) -> PathBuf {
        self.banks[i].manifest.clone()
    }

    /// Lets `secs` seconds pass, then has a block made at the new time.
    async fn wait(&mut self, o: &mut dyn Write, secs: u64, why: &str) -> Result<()> {
        writeln!(o, "    … {why} ({secs} s)")?;
        o.flush()?;
        tokio::time::sleep(Duration::from_secs(secs)).await;
        self.block().await
    }

    /// A block with the current time (the local node seals one per
    /// transaction; queries see the last one).
    async fn block(&mut self) -> Result<()> {
        let m = self.bank(0);
        self.json(&m, "alice", &["token", "approve", "alice", "0"]).await.map(|_| ())
    }

    /// The federation's current epoch, as its banks' pools report it.
    async fn epoch_now(&mut self) -> Result<u64> {
        let m = self.bank(0);
        let s = self.json(&m, "alice", &["federation", "status"]).await?;
        s["current_epoch"].as_u64().ok_or_else(|| CliError::Other(format!("the federation reports no current epoch: {s}")))
    }

    /// Waits until epoch `e` has begun on the pools' clock.
    async fn wait_for_epoch(&mut self, o: &mut dyn Write, e: u64, why: &str) -> Result<u64> {
        let started = Instant::now();
        let mut told = false;
        loop {
            self.block().await?;
            let now = self.epoch_now().await?;
            if now >= e {
                if told {
                    writeln!(o, "    epoch {e} began after {:.0} s", started.elapsed().as_secs_f64())?;
                }
                return Ok(now);
            }
            if !told {
                writeln!(o, "    … {why}")?;
                o.flush()?;
                told = true;
            }
            if started.elapsed() > Duration::from_secs(120) {
                return Err(CliError::Other(format!("epoch {e} never began on the pools' clock (still {now} after 120 s)")));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Queues and executes proposal `id` of community `i`, retrying while
    /// its vote has not ended on the chain's clock.
    async fn enact(&mut self, o: &mut dyn Write, i: usize, id: &str) -> Result<Value> {
        let m = self.bank(i);
        for attempt in 1..=10 {
            match self.try_json(&m, "charlie", &["gov", "queue", id]).await? {
                Ok(v) => {
                    if let Some(s) = v.get("summary").and_then(Value::as_str) {
                        writeln!(o, "    {}: {}", self.banks[i].name, names(s).lines().next().unwrap_or(""))?;
                    }
                    break;
                }
                Err(e) if e.contains("WrongState") && attempt < 10 => self.wait(o, 2, "the vote has not ended on the chain's clock yet").await?,
                Err(e) => return Err(CliError::Other(format!("the demo's step `dcu gov queue {id}` in {} failed: {e}", self.banks[i].name))),
            }
        }
        let v = self.json(&m, "charlie", &["gov", "execute", id]).await?;
        if let Some(s) = v.get("summary").and_then(Value::as_str) {
            writeln!(o, "    {}: {}", self.banks[i].name, names(s).lines().next().unwrap_or(""))?;
        }
        Ok(v)
    }
}

/// Runs `dcu demo federation`.
pub async fn run(g: &GlobalOpts, opts: &FederationDemoOpts, out: &mut impl Write) -> Result<()> {
    super::demo::check_development(g, "dcu demo federation").await?;
    let dir = opts.demo_dir.clone().unwrap_or_else(|| crate::manifest::default_dir().join("demo-federation"));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::Other(format!("cannot create the demo's folder {}: {e}", dir.display())))?;
    let main = dir.join("local.json");
    let bank = |name: &'static str, attester: &'static str, file: &str| Bank {
        name,
        manifest: federation::community_manifest(&main, "local", name),
        attester,
        data: dir.join(file),
    };
    let banks = [bank("Riverside", "dave", "riverside.json"), bank("Hillcrest", "eve", "hillcrest.json")];
    // A fresh federation every time: the previous run's manifests go.
    for b in &banks {
        if b.manifest.exists() {
            std::fs::remove_file(&b.manifest).map_err(|e| CliError::Other(format!("cannot remove the previous demo's {}: {e}", b.manifest.display())))?;
        }
    }
    let write = |p: PathBuf, text: &str| std::fs::write(&p, text).map_err(|e| CliError::Other(format!("cannot write {}: {e}", p.display())));
    // The folder is the demo's output: git ignores all of it.
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        write(ignore, "# written by dcu demo federation: its output, never committed\n*\n")?;
    }
    write(dir.join("plan.toml"), PLAN)?;
    write(banks[0].data.clone(), RIVERSIDE_DATA)?;
    write(banks[1].data.clone(), HILLCREST_DATA)?;
    let mut d = Fd { url: g.url.clone(), dir, t0: Instant::now(), steps: 0, banks };
    // With --output json the story goes to stderr and stdout gets one JSON
    // document: the outcome.
    if !g.json() {
        tell(&mut d, out).await?;
    } else {
        let outcome = tell(&mut d, &mut std::io::stderr()).await?;
        writeln!(out, "{}", serde_json::to_string_pretty(&outcome).unwrap_or_default())?;
    }
    Ok(())
}

/// Plays the story, telling it to `o`; returns its outcome.
async fn tell(d: &mut Fd, o: &mut dyn Write) -> Result<Value> {
    let (rm, hm) = (d.bank(0), d.bank(1));
    writeln!(o, "DCU federation demo — two community banks and their federation on {}", d.url)?;
    writeln!(o, "(its files: {})", d.dir.display())?;

    say(o, "The plan: two communities of one bioregion, Riverside and Hillcrest, each with its own bank, and a federation between them governed by Charlie. Every epoch the federation measures each bank's health (0 to 100); the banks below 70 share a support budget of up to 500 DUSD, paid from a common treasury into their insurance reserve")?;
    let plan = d.dir.join("plan.toml");
    let t = Instant::now();
    let main = d.dir.join("local.json");
    let dep = d.json(&main, "alice", &["federation", "deploy", "--plan", &plan.display().to_string(), "--pool-clock", "fast", "--fresh"]).await?;
    let fed = dep["federation"].as_str().unwrap_or("").to_string();
    writeln!(o, "    `dcu federation deploy` deployed each community's own bank (stablecoin shared; trust graph, credit pool, warrants, loans and governance of its own) and the federation, in {:.0} s", t.elapsed().as_secs_f64())?;
    for c in dep["communities"].as_array().cloned().unwrap_or_default() {
        writeln!(o, "    bank {} {} ({}): {} — manifest {}", uint(&c["bank"]), c["name"].as_str().unwrap_or(""), c["bioregion"].as_str().unwrap_or(""), c["action"].as_str().unwrap_or(""), c["manifest"].as_str().unwrap_or(""))?;
    }
    let status = d.json(&rm, "alice", &["federation", "status"]).await?;
    let info = d.json(&rm, "alice", &["pool", "info"]).await?;
    let rate = u64::try_from(uint(&info["clock_rate"])).unwrap_or(1).max(1);
    let epoch_days = uint(&status["epoch_ms"]) as f64 / dcu_common::DAY_MS as f64;
    writeln!(
        o,
        "    an epoch is {epoch_days:.0} days of the pools' clock ({}): {} of block time on this local node",
        pool::clock_words(rate),
        pool::block_seconds(epoch_days, rate)
    )?;

    say(o, "Each community chooses who reports its figures to the federation — its attester — by its own vote: Riverside proposes Dave, Hillcrest Eve. Alice, a verified member of both, votes for. Nobody else can appoint a community's attester")?;
    let mut pids = Vec::new();
    let mut vote_started = Instant::now();
    for i in 0..2 {
        let (m, name, attester) = (d.bank(i), d.banks[i].name, d.banks[i].attester);
        writeln!(o, "  {name}:")?;
        d.json(&m, "alice", &["member", "register"]).await?;
        d.json(&m, "alice", &["trust", "verify", "alice"]).await?;
        let title_words = format!("{} reports {name}'s figures", title(attester));
        d.step(o, &m, "alice", &["gov", "propose", "--title", &title_words, "attester", &i.to_string(), attester]).await?;
        let list = d.json(&m, "alice", &["gov", "list"]).await?;
        let pid = list["proposals"].as_array().and_then(|a| a.iter().filter_map(|p| p["id"].as_u64()).max()).unwrap_or(0).to_string();
        vote_started = Instant::now();
        d.step(o, &m, "alice", &["gov", "vote", &pid, "for", "10"]).await?;
        pids.push(pid);
    }
    writeln!(o, "    a vote lasts one minute on the local profile (7 days and a 2-day timelock by default); the communities carry on meanwhile")?;

    say(o, "Both communities pay into the federation's common treasury: Dave 150 DUSD from Riverside, Eve 100 from Hillcrest")?;
    for (who, i, amount) in FUNDING {
        let m = d.bank(i);
        d.json(&m, who, &["token", "faucet"]).await?;
        d.step(o, &m, who, &["federation", "fund", amount]).await?;
    }

    say(o, "In each community Alice stakes 300 DUSD, trusts Bob and opens him a credit line of 200 DUSD at 5 %; Bob draws 100 DUSD in each")?;
    for i in 0..2 {
        let m = d.bank(i);
        d.json(&m, "bob", &["member", "register"]).await?;
        d.json(&m, "alice", &["trust", "verify", "bob"]).await?;
        d.json(&m, "alice", &["pool", "stake", "300"]).await?;
        d.json(&m, "alice", &["trust", "set", "bob", "400"]).await?;
        d.json(&m, "alice", &["pool", "extend", "bob", "200", "--rate", "5"]).await?;
        d.json(&m, "bob", &["pool", "draw", "100"]).await?;
    }
    let drawn_in = uint(&d.json(&rm, "alice", &["pool", "epoch"]).await?["epoch"]) as u64;
    writeln!(o, "    Bob owes 100 DUSD in Riverside and 100 in Hillcrest (drawn in epoch {drawn_in})")?;

    say(o, "The votes end: anyone queues and executes them. From now on the federation takes Riverside's figures from Dave only, Hillcrest's from Eve only")?;
    let left = 63u64.saturating_sub(vote_started.elapsed().as_secs());
    if left > 0 {
        d.wait(o, left, "waiting for the one-minute votes to end").await?;
    }
    for (i, pid) in pids.clone().iter().enumerate() {
        let e = d.enact(o, i, pid).await?;
        if !e["contract_events"].as_array().is_some_and(|a| a.iter().any(|x| x == "AttesterAppointed")) {
            return Err(CliError::Other(format!("{}'s proposal was executed without appointing its attester: {e}", d.banks[i].name)));
        }
    }

    say(o, "A new epoch: Riverside's Bob repays his 100 DUSD with its interest; Hillcrest's Bob repays nothing")?;
    d.wait_for_epoch(o, drawn_in + 1, "waiting for the epoch after the draws").await?;
    d.step(o, &rm, "bob", &["pool", "repay", "all"]).await?;
    // The epoch the repayment fell in: the running one, or the one before
    // when it closed meanwhile (epochs are 15 s of block time).
    let running = d.json(&rm, "alice", &["pool", "epoch"]).await?;
    let e = (uint(&running["epoch"]) as u64).saturating_sub(u64::from(uint(&running["repaid"]) == 0));
    let es = e.to_string();
    let stats = d.json(&rm, "alice", &["pool", "epoch", &es]).await?;
    if uint(&stats["repaid"]) != 100 * dcu_common::ONE_TOKEN {
        return Err(CliError::Other(format!("Riverside's pool does not count Bob's repayment in epoch {e}: {stats}")));
    }
    writeln!(o, "    the repayment fell in epoch {e}: Riverside's pool counts 100 DUSD repaid in it, Hillcrest's nothing (Bob still owes 100 DUSD there)")?;
    d.wait_for_epoch(o, e + 1, &format!("waiting for epoch {e} to close (an epoch is {} of block time)", pool::block_seconds(epoch_days, rate))).await?;

    say(o, &format!("Epoch {e} is closed. Each attester attests it from the community's data file — ecological footprint, knowledge shared, members active; the federation takes the rest from the pool's own counters: credit velocity, and economic diversity from the term-loan principal out per purpose over the epoch (none in this epoch: diversity 0 for both), which no attester can restate"))?;
    for i in 0..2 {
        let (m, name, who, data) = (d.bank(i), d.banks[i].name, d.banks[i].attester, d.banks[i].data.clone());
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&data)?).unwrap_or(Value::Null);
        writeln!(
            o,
            "  {name} ({}): footprint {}, knowledge sharing {}, {} of {} members active",
            data.display(),
            v["ecological_footprint"],
            v["knowledge_sharing"],
            v["members"]["active"],
            v["members"]["eligible"]
        )?;
        d.step(o, &m, who, &["health", "attest", "--bank", name, "--epoch", &es, "--from", &data.display().to_string()]).await?;
    }

    say(o, &format!("Anyone asks the federation to distribute epoch {e}: it computes each bank's health on chain from its pool's counters and its attestation, and pays the budget (or the treasury, when smaller) to the banks below 70, in proportion to how far below they are"))?;
    let before = d.json(&hm, "alice", &["federation", "status"]).await?;
    let dist = d.step(o, &hm, "ferdie", &["federation", "distribute", &es]).await?;

    say(o, "dcu health --verify: each bank's health per epoch from the federation, recomputed by dcu from the pool's events and the attestation (it must equal the chain's to the unit)")?;
    let now = d.epoch_now().await?;
    let epochs = (now.saturating_sub(e) + 1).clamp(2, health::MAX_EPOCHS).to_string();
    let svg = d.dir.join("health.svg");
    let svg_s = svg.display().to_string();
    let table = match d.run(&rm, "alice", &["health", "--epochs", &epochs, "--verify", "--svg", &svg_s], false).await? {
        Ok(t) => String::from_utf8_lossy(&t).to_string(),
        Err(err) => return Err(CliError::Other(format!("the demo's step `dcu health --verify` failed: {err}"))),
    };
    for l in table.lines() {
        writeln!(o, "    {l}")?;
    }
    let h = d.json(&rm, "alice", &["health", "--epochs", &epochs, "--svg", &svg_s]).await?;
    let after = d.json(&hm, "alice", &["federation", "status"]).await?;

    say(o, &format!("Where the support went (epoch {e})"))?;
    let supported = dist["details"]["supported"].as_array().cloned().unwrap_or_default();
    let target = uint(&after["target"]);
    let mut outcome = Vec::new();
    for i in 0..2 {
        let row = h["banks"][i]["epochs"].as_array().and_then(|rows| rows.iter().find(|r| r["epoch"].as_u64() == Some(e)).cloned()).unwrap_or(Value::Null);
        let health = row["report"]["health"].as_u64();
        let got = supported.iter().find(|s| s["bank"].as_u64() == Some(i as u64)).map(|s| uint(&s["amount"])).unwrap_or(0);
        let (ins0, ins1) = (before["banks"][i]["insurance"].as_str().unwrap_or("?"), after["banks"][i]["insurance"].as_str().unwrap_or("?"));
        let health_words = health.map(|x| x.to_string()).unwrap_or_else(|| "none".into());
        if got > 0 {
            writeln!(o, "    {:<10} health {health_words:>3}, below {target}: received {} DUSD into its insurance reserve ({ins0} → {ins1} DUSD)", d.banks[i].name, format_amount(got))?;
        } else {
            writeln!(o, "    {:<10} health {health_words:>3}, at or above {target}: no support needed (insurance reserve {ins1} DUSD)", d.banks[i].name)?;
        }
        outcome.push(serde_json::json!({
            "bank": i,
            "name": d.banks[i].name,
            "manifest": d.banks[i].manifest.display().to_string(),
            "attester": title(d.banks[i].attester),
            "health": health,
            "velocity_ppm": row["report"]["velocity_ppm"],
            "repaid": uint(&row["report"]["repaid"]),
            "supported": got > 0,
            "received": got,
            "insurance_before": ins0,
            "insurance": ins1,
        }));
    }
    writeln!(o, "    the federation's treasury: {} DUSD before, {} DUSD left; the plot of both banks' health: {svg_s}", before["treasury"].as_str().unwrap_or("?"), after["treasury"].as_str().unwrap_or("?"))?;
    let secs = d.t0.elapsed().as_secs_f64();
    writeln!(o, "\nDemo done: {} dcu commands in {secs:.0} s. Its files are in {}: plan.toml, {}, {}, the data files and health.svg.", d.steps, d.dir.display(), file_name(&rm), file_name(&hm))?;
    Ok(serde_json::json!({
        "commands": d.steps,
        "seconds": secs,
        "dir": d.dir.display().to_string(),
        "federation": fed,
        "epoch": e,
        "target": target,
        "paid": uint(&dist["units"]),
        "treasury_left": after["treasury"],
        "svg": svg_s,
        "banks": outcome,
    }))
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default()
}
