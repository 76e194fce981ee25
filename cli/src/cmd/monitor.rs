//! `dcu monitor --listen 127.0.0.1:PORT`: the community's figures for
//! Prometheus (issue 20, seed 001's monitoring).
//!
//! Serves `GET /metrics` in the Prometheus text format (the Prometheus
//! project's `prometheus-client` crate), read from the chain at each scrape
//! over one open connection: the pool's totals (stake, lent, lines' limits,
//! insurance reserve, treasury), its utilization, the credit velocity of the
//! last closed epoch and of the running one (the pool's epoch counters), the
//! borrowers that may be marked overdue now and the members with principal
//! written off in a default. Every series carries the label
//! `bank="<name>"` — the community's bank name when its manifest names a
//! federation that registered its pool, else the network's name — so a
//! Prometheus scraping several communities' monitors compares them; `deploy/monitoring/alerts.yml` holds the seed's alerts
//! (velocity < 0.5, average health < 70).
//!
//! When the manifest names a `federation`, each scrape also reads it:
//! `dcu_bank_health{bank="<bank's name>"}`, the health of each bank's last
//! closed, attested epoch (looked up [`health::MONITOR_LOOKBACK`] epochs
//! back; a bank without one has no series), `dcu_federation_treasury` (whole
//! tokens) and `dcu_federation_up`. A federation that cannot be read is
//! `dcu_federation_up 0` with the reason in a comment; the pool's series
//! are served all the same.
//!
//! A scrape that cannot read the chain answers `dcu_up 0` with the reason in
//! a comment (the classic text format, where comments are allowed), so
//! Prometheus records the outage instead of a gap. Scrapes share one read:
//! one at a time, and a scrape within [`MIN_READ_INTERVAL`] of the last read
//! gets its answer, so many clients cannot multiply the node's load; at most
//! [`MAX_CONNECTIONS`] connections are served at once, each given
//! [`HEADER_TIMEOUT`] to send its request, and a failed accept is retried.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use dcu_common::health::EpochStats;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use subxt::ext::codec::Decode;

use super::health::{self, FederationFigures};
use super::pool::POOL;
use super::trust::chain_now;
use super::Session;
use crate::opts::GlobalOpts;
use crate::storage::pool_lines;
use crate::value::{self as val, uint_field};
use crate::{CliError, Result};

/// Scrapes within this time of the last read get that read's answer.
pub const MIN_READ_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 64;
/// Time a client has to send its request's headers.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `dcu monitor` options.
#[derive(Debug, Args)]
pub struct MonitorOpts {
    /// Address to serve `/metrics` on (9617: not Substrate's own 9615).
    #[arg(long, default_value = "127.0.0.1:9617")]
    pub listen: SocketAddr,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BankLabel {
    bank: String,
}

type G = Family<BankLabel, Gauge<f64, std::sync::atomic::AtomicU64>>;

/// One scrape's figures, read from the chain.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Figures {
    pub staked: f64,
    pub allocated: f64,
    pub lent: f64,
    pub insurance: f64,
    pub treasury: f64,
    pub lines: f64,
    /// lent ÷ Σ line limits (0 without lines).
    pub utilization: f64,
    /// The last closed epoch's credit velocity (repaid ÷ average outstanding).
    pub velocity: f64,
    /// The running epoch's, so far.
    pub velocity_running: f64,
    /// The last closed epoch's index.
    pub epoch: f64,
    pub overdue_borrowers: f64,
    pub defaulted_members: f64,
    /// The federation's figures, when the manifest names one: read, or why not.
    pub federation: Option<std::result::Result<FederationFigures, String>>,
}

/// Reads the figures (amounts in whole tokens of the stablecoin).
pub async fn read(s: &Session) -> Result<Figures> {
    let pool = s.contract(POOL)?;
    let me = s.me();
    let one = crate::chain::one_token() as f64;
    let t = pool.read_on(&s.conn, &me, "totals", &[]).await?;
    let u = |n: &str| uint_field(&t, n).unwrap_or(0) as f64;
    let mut f = Figures {
        staked: u("staked") / one,
        allocated: u("allocated") / one,
        lent: u("lent") / one,
        insurance: u("insurance") / one,
        treasury: u("treasury") / one,
        lines: u("lines"),
        ..Figures::default()
    };
    f.utilization = if f.allocated > 0.0 { f.lent / f.allocated } else { 0.0 };

    // Epoch counters: the running epoch, and the one before it (closed).
    let rate = if pool.has_message("clock_rate") { val::uint(&pool.read_on(&s.conn, &me, "clock_rate", &[]).await?).unwrap_or(1).max(1) } else { 1 };
    let now = u64::try_from(u128::from(chain_now(s).await?).saturating_mul(rate)).unwrap_or(u64::MAX);
    let stats = |epoch: u64| {
        let pool = &pool;
        let me = &me;
        async move { epoch_stats(s, pool, me, epoch).await }
    };
    let length = pool.read_raw_ok(&s.conn, &me, "epoch_length", &[]).await?;
    let (epoch_ms, _started) = <(u64, bool)>::decode(&mut &length[..])
        .map_err(|_| CliError::Other("the pool's epoch_length answer is not (ms, started): the deployed code and this dcu disagree".into()))?;
    let current = now.checked_div(epoch_ms).unwrap_or(0);
    let running = stats(current).await?;
    f.velocity_running = running.velocity_ppm().unwrap_or(0) as f64 / 1e6;
    if current > 0 {
        let last = stats(current - 1).await?;
        f.velocity = last.velocity_ppm().unwrap_or(0) as f64 / 1e6;
        f.epoch = (current - 1) as f64;
    }

    // Borrowers: those owing principal on a line, then each one's position
    // as the pool computes it (overdue from `overdue_at`).
    let graph = pool_lines(&s.conn, &pool).await?;
    let mut owing: Vec<&str> = graph.lines.iter().filter(|l| l.principal > 0).map(|l| l.borrower.as_str()).collect();
    owing.sort_unstable();
    owing.dedup();
    for b in owing {
        let info = pool.read_on(&s.conn, &me, "borrower", &[b.to_string()]).await?;
        let at = uint_field(&info, "overdue_at").unwrap_or(0);
        if at != 0 && at <= u128::from(now) {
            f.overdue_borrowers += 1.0;
        }
    }
    f.defaulted_members = graph.defaulted_members as f64;

    // The federation, when the deployment has one; its failure is its own.
    if s.manifest.contracts.contains_key(health::FEDERATION) {
        f.federation = Some(health::monitor_figures(s).await.map_err(|e| e.to_string()));
    }
    Ok(f)
}

/// The pool's counters of `epoch`, decoded into dcu_common's `EpochStats`.
pub async fn epoch_stats(s: &Session, pool: &crate::contract::ContractHandle, me: &subxt::utils::AccountId32, epoch: u64) -> Result<EpochStats> {
    let bytes = pool.read_raw_ok(&s.conn, me, "epoch_stats", &[epoch.to_string()]).await?;
    EpochStats::decode(&mut &bytes[..]).map_err(|_| CliError::Other("the pool's epoch_stats answer does not decode as dcu's EpochStats: the deployed code and this dcu disagree".into()))
}

fn render(bank: &str, f: Option<&Figures>, failure: Option<&str>, took: f64) -> String {
    let mut reg = Registry::with_prefix("dcu");
    let label = BankLabel { bank: bank.to_string() };
    let mut gauge = |name: &str, help: &str, v: f64| {
        let g = G::default();
        g.get_or_create(&label).set(v);
        reg.register(name, help, g);
    };
    gauge("up", "Whether the last read of the chain succeeded", if f.is_some() { 1.0 } else { 0.0 });
    gauge("scrape_duration_seconds", "Time to read the figures from the chain", took);
    if let Some(f) = f {
        gauge("pool_staked_tokens", "Sum of stakes (credit points), whole tokens", f.staked);
        gauge("pool_allocated_tokens", "Sum of the credit lines' limits, whole tokens", f.allocated);
        gauge("pool_lent_tokens", "Principal outstanding, whole tokens", f.lent);
        gauge("pool_utilization_ratio", "Principal outstanding over the lines' limits", f.utilization);
        gauge("pool_lines", "Credit lines", f.lines);
        gauge("insurance_reserve_tokens", "The pool's insurance reserve, whole tokens", f.insurance);
        gauge("treasury_tokens", "The pool's protocol treasury, whole tokens", f.treasury);
        gauge("credit_velocity", "Credit velocity of the last closed epoch: repaid over average outstanding", f.velocity);
        gauge("credit_velocity_running", "Credit velocity of the running epoch so far", f.velocity_running);
        gauge("epoch", "Index of the last closed epoch", f.epoch);
        gauge("overdue_borrowers", "Borrowers anyone may mark overdue now", f.overdue_borrowers);
        gauge("defaulted_members", "Members with principal written off in a default", f.defaulted_members);
    }
    let mut federation_failure = None;
    if let Some(fed) = f.and_then(|f| f.federation.as_ref()) {
        let up = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        up.set(if fed.is_ok() { 1.0 } else { 0.0 });
        reg.register("federation_up", "Whether the last read of the federation succeeded", up);
        match fed {
            Ok(ff) => {
                let treasury = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
                treasury.set(ff.treasury);
                reg.register("federation_treasury", "The federation's treasury, whole tokens", treasury);
                let healths = G::default();
                for (name, h, _epoch) in &ff.banks {
                    healths.get_or_create(&BankLabel { bank: name.clone() }).set(*h);
                }
                reg.register("bank_health", "Health (0-100, seed weights) of each bank's last closed, attested epoch", healths);
            }
            Err(why) => federation_failure = Some(why.clone()),
        }
    }
    let mut out = String::new();
    if let Some(why) = failure {
        out.push_str(&format!("# dcu could not read the chain: {}\n", why.replace('\n', " ")));
    }
    if let Some(why) = federation_failure {
        out.push_str(&format!("# dcu could not read the federation: {}\n", why.replace('\n', " ")));
    }
    // Encoding into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &reg);
    out
}

/// Runs `dcu monitor` until interrupted.
pub async fn run(g: &GlobalOpts, opts: &MonitorOpts, out: &mut impl Write) -> Result<()> {
    use http_body_util::Full;
    use hyper::body::Bytes;
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;

    let s = Arc::new(Session::open(g).await?);
    // The community's name in its federation (two communities' monitors
    // must not both say "local"), else the network's.
    let bank = super::federation::own_bank_name(&s).await.unwrap_or_else(|| s.manifest.network.clone());
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on {}: {e}", opts.listen)))?;
    let addr = listener.local_addr().map_err(|e| CliError::Other(format!("cannot listen on {}: {e}", opts.listen)))?;
    writeln!(out, "serving the {bank} community's figures for Prometheus at http://{addr}/metrics (Ctrl-C stops)").map_err(CliError::from)?;
    if !addr.ip().is_loopback() {
        writeln!(out, "note: {addr} is reachable from other machines; the figures are public chain data, but each read costs your node work")
            .map_err(CliError::from)?;
    }
    out.flush().map_err(CliError::from)?;
    // The last read: one read at a time, reused within MIN_READ_INTERVAL.
    let last: Arc<tokio::sync::Mutex<Option<(Instant, String)>>> = Arc::new(tokio::sync::Mutex::new(None));
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors, say: wait and go on serving.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream); // too many open connections: this one is refused
            continue;
        };
        let (s, bank, last) = (s.clone(), bank.clone(), last.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (s, bank, last) = (s.clone(), bank.clone(), last.clone());
                async move {
                    let response = if req.uri().path() != "/metrics" {
                        hyper::Response::builder().status(404).body(Full::new(Bytes::from("dcu monitor serves /metrics\n")))
                    } else {
                        let mut last = last.lock().await;
                        let body = match last.as_ref() {
                            Some((at, body)) if at.elapsed() < MIN_READ_INTERVAL => body.clone(),
                            _ => {
                                let t0 = Instant::now();
                                let figures = read(&s).await;
                                let took = t0.elapsed().as_secs_f64();
                                let body = match &figures {
                                    Ok(f) => render(&bank, Some(f), None, took),
                                    Err(e) => render(&bank, None, Some(&e.to_string()), took),
                                };
                                *last = Some((Instant::now(), body.clone()));
                                body
                            }
                        };
                        hyper::Response::builder().header("content-type", "text/plain; version=0.0.4; charset=utf-8").body(Full::new(Bytes::from(body)))
                    };
                    response.map_err(|e| e.to_string())
                }
            });
            let _ = http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_render_as_prometheus_text_with_the_bank_label() {
        let f = Figures { velocity: 0.49, insurance: 12.5, overdue_borrowers: 2.0, ..Figures::default() };
        let text = render("valley", Some(&f), None, 0.25);
        assert!(text.contains("dcu_up{bank=\"valley\"} 1"), "{text}");
        assert!(text.contains("dcu_credit_velocity{bank=\"valley\"} 0.49"), "{text}");
        assert!(text.contains("dcu_insurance_reserve_tokens{bank=\"valley\"} 12.5"), "{text}");
        assert!(text.contains("dcu_overdue_borrowers{bank=\"valley\"} 2"), "{text}");
        assert!(text.contains("# HELP dcu_credit_velocity Credit velocity of the last closed epoch"), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }

    #[test]
    fn without_a_federation_nothing_of_it_is_served() {
        let text = render("valley", Some(&Figures::default()), None, 0.1);
        assert!(!text.contains("federation") && !text.contains("bank_health"), "{text}");
    }

    #[test]
    fn the_federation_serves_each_banks_health_and_its_treasury() {
        let ff = FederationFigures { treasury: 1500.5, banks: vec![("Riverside".into(), 61.0, 4), ("Hillcrest".into(), 78.0, 4)] };
        let f = Figures { velocity: 0.7, federation: Some(Ok(ff)), ..Figures::default() };
        let text = render("local", Some(&f), None, 0.2);
        assert!(text.contains("dcu_bank_health{bank=\"Riverside\"} 61"), "{text}");
        assert!(text.contains("dcu_bank_health{bank=\"Hillcrest\"} 78"), "{text}");
        assert!(text.contains("dcu_federation_treasury 1500.5"), "{text}");
        assert!(text.contains("dcu_federation_up 1"), "{text}");
        assert!(text.contains("dcu_credit_velocity{bank=\"local\"} 0.7"), "{text}");
        // A federation that cannot be read: its reason, and the pool's figures all the same.
        let f = Figures { velocity: 0.7, federation: Some(Err("federation refused `banks`".into())), ..Figures::default() };
        let text = render("local", Some(&f), None, 0.2);
        assert!(text.starts_with("# dcu could not read the federation: federation refused `banks`"), "{text}");
        assert!(text.contains("dcu_federation_up 0") && !text.contains("dcu_bank_health{"), "{text}");
        assert!(text.contains("dcu_up{bank=\"local\"} 1") && text.contains("dcu_credit_velocity{bank=\"local\"} 0.7"), "{text}");
    }

    #[test]
    fn a_failed_read_is_dcu_up_0_with_the_reason() {
        let text = render("valley", None, Some("the node at ws://x stopped answering"), 0.1);
        assert!(text.contains("dcu_up{bank=\"valley\"} 0"), "{text}");
        assert!(text.starts_with("# dcu could not read the chain: the node at ws://x stopped answering"), "{text}");
        assert!(!text.contains("dcu_credit_velocity{"), "no stale figures: {text}");
    }
}
