//! `dcu node`: start a local substrate-contracts-node and wait until it
//! serves RPC; `dcu node --stop` stops one started with `--detach`.

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use crate::opts::GlobalOpts;
use crate::output::{emit, finish, spinner, Report};
use crate::{chain, CliError, Result};

/// `dcu node` options.
#[derive(Debug, Args)]
pub struct NodeOpts {
    /// The node binary (default: $CONTRACTS_NODE, then ~/.dcu/node/bin, then PATH).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Keep the node running in the background and return once it serves RPC.
    #[arg(long)]
    pub detach: bool,
    /// Stop the node previously started with --detach on this port.
    #[arg(long, conflicts_with = "detach")]
    pub stop: bool,
    /// Where the node's log goes (default: deploy/node-<port>.log).
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Seconds to wait for RPC before giving up.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

/// What `dcu node` did.
#[derive(Debug, Serialize)]
pub struct NodeReport {
    pub url: String,
    pub chain: String,
    pub pid: Option<u32>,
    pub binary: Option<String>,
    pub log: Option<String>,
    pub already_running: bool,
    pub startup_ms: u128,
    pub stopped: bool,
}

impl Report for NodeReport {
    fn human(&self) -> String {
        if self.stopped {
            return format!("Stopped the node (pid {}) at {}", self.pid.unwrap_or_default(), self.url);
        }
        if self.already_running {
            return format!("A node is already serving {} (chain \"{}\")", self.url, self.chain);
        }
        format!(
            "Node ready at {} (chain \"{}\", pid {}, ready in {:.1} s)\n  binary {}\n  log {}",
            self.url,
            self.chain,
            self.pid.unwrap_or_default(),
            self.startup_ms as f64 / 1000.0,
            self.binary.clone().unwrap_or_default(),
            self.log.clone().unwrap_or_default()
        )
    }
}

/// Finds the node binary.
pub fn find_binary(explicit: Option<&PathBuf>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return if p.exists() { Ok(p.clone()) } else { Err(CliError::NodeStart(format!("{} does not exist", p.display()))) };
    }
    if let Some(p) = std::env::var_os("CONTRACTS_NODE") {
        let p = PathBuf::from(p);
        if p.exists() {
            return Ok(p);
        }
        if let Some(found) = which_on_path(&p) {
            return Ok(found);
        }
    }
    let home = std::env::var_os("DCU_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".dcu")));
    if let Some(h) = home {
        let p = h.join("node/bin/substrate-contracts-node");
        if p.exists() {
            return Ok(p);
        }
    }
    which_on_path(&PathBuf::from("substrate-contracts-node")).ok_or_else(|| {
        CliError::NodeStart("substrate-contracts-node was not found; run deploy/setup.sh or set CONTRACTS_NODE".into())
    })
}

fn which_on_path(name: &PathBuf) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

fn port_of(url: &url::Url) -> u16 {
    url.port().unwrap_or(9944)
}

fn pid_file(port: u16) -> PathBuf {
    crate::manifest::default_dir().join(format!(".node-{port}.pid"))
}

/// Asks the node for its chain name.
async fn chain_name(url: &str) -> Option<String> {
    let client = subxt::backend::rpc::RpcClient::from_insecure_url(url).await.ok()?;
    let methods = subxt::backend::legacy::LegacyRpcMethods::<chain::Config>::new(client);
    methods.system_chain().await.ok()
}

/// Runs `dcu node`.
pub async fn run(g: &GlobalOpts, opts: &NodeOpts, out: &mut impl Write) -> Result<()> {
    let url = chain::check_url(&g.url)?;
    let port = port_of(&url);
    if opts.stop {
        return stop(g, port, out).await;
    }
    if let Some(chain) = chain_name(&g.url).await {
        return emit(g, out, &NodeReport { url: g.url.clone(), chain, pid: None, binary: None, log: None, already_running: true, startup_ms: 0, stopped: false });
    }
    if !matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "::1" | "[::1]")) {
        return Err(CliError::NodeStart(format!("{} is not a local address; `dcu node` starts nodes on this machine only", g.url)));
    }
    let bin = find_binary(opts.bin.as_ref())?;
    let log = opts.log.clone().unwrap_or_else(|| crate::manifest::default_dir().join(format!("node-{port}.log")));
    if let Some(d) = log.parent() {
        if !d.as_os_str().is_empty() {
            std::fs::create_dir_all(d)?;
        }
    }
    let logf = std::fs::File::create(&log)?;
    let mut cmd = std::process::Command::new(&bin);
    cmd.args(["--dev", "--rpc-port", &port.to_string(), "--rpc-cors", "all", "--rpc-max-connections", "1000", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(logf.try_clone()?)
        .stderr(logf);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so Ctrl-C in the terminal of a detached
        // start does not stop it.
        cmd.process_group(0);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| CliError::NodeStart(format!("{}: {e}", bin.display())))?;
    let pid = child.id();
    let pb = spinner(g, format!("starting the node on port {port}"));
    let deadline = started + Duration::from_secs(opts.timeout);
    let chain = loop {
        if let Some(status) = child.try_wait()? {
            pb.finish_and_clear();
            return Err(CliError::NodeStart(format!("it exited with {status}; see {}", log.display())));
        }
        if let Some(c) = chain_name(&g.url).await {
            break c;
        }
        if Instant::now() > deadline {
            pb.finish_and_clear();
            let _ = child.kill();
            return Err(CliError::NodeStart(format!("no RPC on port {port} after {} s; see {}", opts.timeout, log.display())));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let startup_ms = started.elapsed().as_millis();
    finish(g, &pb, format!("node up in {:.1} s", startup_ms as f64 / 1000.0));
    let report = NodeReport {
        url: g.url.clone(),
        chain,
        pid: Some(pid),
        binary: Some(bin.display().to_string()),
        log: Some(log.display().to_string()),
        already_running: false,
        startup_ms,
        stopped: false,
    };
    if opts.detach {
        std::fs::write(pid_file(port), pid.to_string())?;
        emit(g, out, &report)?;
        return Ok(());
    }
    emit(g, out, &report)?;
    out.flush()?;
    // Foreground: run until the node exits or Ctrl-C.
    let waiter = tokio::task::spawn_blocking(move || child.wait());
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {
            let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
            Ok(())
        }
        status = waiter => {
            match status {
                Ok(Ok(s)) if s.success() => Ok(()),
                Ok(Ok(s)) => Err(CliError::NodeStart(format!("the node exited with {s}"))),
                _ => Err(CliError::NodeStart("lost track of the node process".into())),
            }
        }
    }
}

async fn stop(g: &GlobalOpts, port: u16, out: &mut impl Write) -> Result<()> {
    let pf = pid_file(port);
    let pid: u32 = std::fs::read_to_string(&pf)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| CliError::Other(format!("no node started with --detach on port {port} (no {})", pf.display())))?;
    let status = std::process::Command::new("kill").arg(pid.to_string()).status()?;
    let _ = std::fs::remove_file(&pf);
    if !status.success() {
        return Err(CliError::Other(format!("the node (pid {pid}) was not running")));
    }
    for _ in 0..40 {
        if chain_name(&g.url).await.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    emit(g, out, &NodeReport { url: g.url.clone(), chain: String::new(), pid: Some(pid), binary: None, log: None, already_running: false, startup_ms: 0, stopped: true })
}
