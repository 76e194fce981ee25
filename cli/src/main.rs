//! `dcu`: deploy and drive the DCU credit-union contracts.
//!
//! `main` only parses the command line, runs it and turns an error into one
//! sentence on stderr and a non-zero exit code.

use clap::{Parser, Subcommand};
use dcu::cmd::{demo, deploy, federation, gov, health, loan, monitor, node, pool, route, token, trust, warrant};
use dcu::opts::GlobalOpts;

/// DCU — a decentralized credit union on a Substrate contracts chain.
#[derive(Debug, Parser)]
#[command(name = "dcu", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    cmd: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a local substrate-contracts-node and wait until it serves RPC.
    Node(node::NodeOpts),
    /// Upload, instantiate and wire the suite; write deploy/<network>.json.
    Deploy(deploy::DeployOpts),
    /// Play the seeds' stories with eight members on a fresh suite on the local node.
    Demo(demo::DemoOpts),
    /// The PSP22 stablecoin: balance, transfer, approve, faucet, …
    Token(token::TokenOpts),
    /// Membership of the trust graph.
    Member(trust::MemberOpts),
    /// Trust edges, vouches, verification and scores.
    Trust(trust::TrustOpts),
    /// The credit pool: stake, credit lines, draws and repayments.
    Pool(pool::PoolOpts),
    /// Cheapest credit route(s) from a creditor to a borrower along credit lines.
    Route(route::RouteOpts),
    /// Warrants: your standing policy, acceptance, what the escrow holds.
    Warrant(warrant::WarrantOpts),
    /// Term loans over chains of credit lines: request, approve, accept, disburse, repay, settle, …
    Loan(loan::LoanOpts),
    /// Governance: propose, vote (n votes cost n²), queue, execute, cancel.
    Gov(gov::GovOpts),
    /// Serve the community's figures (velocity, reserves, overdue, …) for Prometheus.
    Monitor(monitor::MonitorOpts),
    /// The federation's community banks: health per epoch (plot, --verify), and `attest`.
    Health(health::HealthOpts),
    /// A federation of community banks: deploy several communities and the federation, its banks, treasury and support (issue 20).
    Federation(federation::FederationOpts),
}

async fn run(cli: Cli) -> dcu::Result<()> {
    let mut out = std::io::stdout().lock();
    match &cli.cmd {
        Command::Node(o) => node::run(&cli.global, o, &mut out).await,
        Command::Deploy(o) => deploy::run(&cli.global, o, &mut out).await,
        Command::Demo(o) => demo::run(&cli.global, o, &mut out).await,
        Command::Token(o) => token::run(&cli.global, o, &mut out).await,
        Command::Member(o) => trust::run_member(&cli.global, o, &mut out).await,
        Command::Trust(o) => trust::run(&cli.global, o, &mut out).await,
        Command::Pool(o) => pool::run(&cli.global, o, &mut out).await,
        Command::Route(o) => route::run(&cli.global, o, &mut out).await,
        Command::Warrant(o) => warrant::run(&cli.global, o, &mut out).await,
        Command::Loan(o) => loan::run(&cli.global, o, &mut out).await,
        Command::Gov(o) => gov::run(&cli.global, o, &mut out).await,
        Command::Monitor(o) => monitor::run(&cli.global, o, &mut out).await,
        Command::Health(o) => health::run(&cli.global, o, &mut out).await,
        Command::Federation(o) => federation::run(&cli.global, o, &mut out).await,
    }
}

fn main() -> std::process::ExitCode {
    let mut cli = Cli::parse();
    let json = cli.global.json();
    if let Err(e) = cli.global.resolve() {
        if json {
            println!("{}", serde_json::json!({ "error": { "kind": e.kind(), "message": e.to_string() } }));
        }
        eprintln!("error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            if json {
                let v = serde_json::json!({ "error": { "kind": e.kind(), "message": e.to_string() } });
                println!("{v}");
            }
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
