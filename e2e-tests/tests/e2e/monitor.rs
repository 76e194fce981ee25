//! `dcu monitor` scraped by a real Prometheus (Debian's `prometheus`
//! package, installed by `deploy/setup.sh`): the test starts both on
//! 127.0.0.1 against a node where Bob owes the pool 75 DUSD, and asks
//! Prometheus's query API for what it scraped — the chain's own figures.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use dcu_e2e_tests::cli::setup;
use dcu_e2e_tests::TestResult;
use serde_json::Value;

/// Kills a background process when the test ends, passed or not.
pub(crate) struct Killed(pub(crate) Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub(crate) fn curl(url: &str, extra: &[&str]) -> Option<String> {
    let out = Command::new("curl").args(["-sf", "--max-time", "10"]).args(extra).arg(url).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

/// Prometheus's latest sample of `query`, once it has one.
fn query(prom: &str, q: &str) -> Option<f64> {
    let body = curl(&format!("{prom}/api/v1/query"), &["-G", "--data-urlencode", &format!("query={q}")])?;
    let v: Value = serde_json::from_str(&body).ok()?;
    v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[tokio::test]
async fn prometheus_scrapes_dcu_monitor_and_its_query_api_returns_the_chains_figures() -> TestResult {
    let prometheus = which("prometheus").expect("prometheus is installed by deploy/setup.sh (Debian's package)");
    let (_node, dcu) = setup().await;
    dcu.json("//Alice", &["deploy"]);
    for m in ["//Alice", "//Bob"] {
        dcu.json(m, &["member", "register"]);
        dcu.json("//Alice", &["trust", "verify", m]);
    }
    dcu.json("//Bob", &["token", "faucet"]);
    dcu.json("//Alice", &["pool", "stake", "300"]);
    dcu.json("//Alice", &["trust", "set", "//Bob", "400"]);
    dcu.json("//Alice", &["pool", "extend", "//Bob", "200", "--rate", "5"]);
    dcu.json("//Bob", &["pool", "draw", "75"]);
    let info = dcu.json("//Alice", &["pool", "info"]);

    let (port, prom_port) = (free_port(), free_port());
    let _monitor = Killed(dcu.spawn("//Alice", &["monitor", "--listen", &format!("127.0.0.1:{port}")]));
    let metrics_url = format!("http://127.0.0.1:{port}/metrics");
    let started = Instant::now();
    let text = loop {
        if let Some(t) = curl(&metrics_url, &[]) {
            break t;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "dcu monitor did not serve {metrics_url}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(text.contains("dcu_up{bank=\"local\"} 1"), "{text}");
    assert!(text.contains("dcu_pool_lent_tokens{bank=\"local\"} 75"), "{text}");

    let dir = tempfile::tempdir()?;
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: dcu\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"),
    )?;
    let _prometheus = Killed(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?,
    );
    let prom = format!("http://127.0.0.1:{prom_port}");
    let started = Instant::now();
    let lent = loop {
        if let Some(v) = query(&prom, "dcu_pool_lent_tokens") {
            break v;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "Prometheus never scraped dcu monitor");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let one = 1e6;
    let tokens = |k: &str| info[k].as_f64().unwrap_or_else(|| panic!("pool info has {k}: {info}")) / one;
    assert_eq!(lent, tokens("lent"), "Prometheus holds the chain's principal outstanding");
    assert_eq!(query(&prom, "dcu_pool_allocated_tokens"), Some(tokens("allocated")));
    assert_eq!(query(&prom, "dcu_pool_staked_tokens"), Some(tokens("staked")));
    assert_eq!(query(&prom, "dcu_insurance_reserve_tokens"), Some(tokens("insurance")));
    assert_eq!(query(&prom, "dcu_pool_utilization_ratio"), Some(75.0 / 200.0));
    assert_eq!(query(&prom, "dcu_up"), Some(1.0));
    assert_eq!(query(&prom, "dcu_overdue_borrowers"), Some(0.0), "nothing is overdue on the first day");
    assert_eq!(query(&prom, "up{job=\"dcu\"}"), Some(1.0), "Prometheus's own view of the target");
    Ok(())
}

fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(cmd)).find(|f| f.is_file()))
}
