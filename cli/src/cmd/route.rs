//! `dcu route FROM TO AMOUNT`: how credit can reach a borrower from a
//! creditor along the pool's credit lines (seed 003 §5, SPEC §5).
//!
//! `dcu` reads the whole credit graph from the chain in one pass — every
//! line and grantor record of the pool's storage, at the best block, in a
//! few paged RPC requests ([`crate::storage::pool_lines`]) — keeps the lines
//! that can reach the borrower within `--max-hops`, and hands them to the
//! path finder (`dcu-pathfinder`): the cheapest single route that carries
//! the whole amount (cost = Σ line rate + hop premium), else several routes
//! aggregated, cheapest first. Each hop's capacity is the line's available
//! credit at that block. `--reader per-member` reads the same lines the slow
//! way — one `lines_to` dry run per member, walking back from the borrower —
//! as a reference: both readers give the path finder the same lines in the
//! same order, so they find the same routes.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::time::Instant;

use clap::{Args, ValueEnum};
use dcu_pathfinder::{find_multipath, find_path, Graph, Params, RouteError};
use serde::Serialize;

use super::pool::POOL;
use super::Session;
use crate::chain::{format_amount, format_rate, parse_account, parse_amount, parse_rate, signer_from_suri, DEV_ACCOUNTS};
use crate::opts::GlobalOpts;
use crate::output::{emit, Report};
use crate::storage::{pool_lines, LineEdge};
use crate::value::{self as val, field, uint_field};
use crate::{CliError, Result};

/// How `dcu` reads the credit lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reader {
    /// The pool's whole storage in one pass (a few paged RPC requests).
    #[default]
    Bulk,
    /// One `lines_to` dry run per member, walking back from the borrower
    /// (the reference reader; slow on large communities).
    PerMember,
}

/// `dcu route` options.
#[derive(Debug, Args)]
pub struct RouteOpts {
    /// The creditor (source of the funds).
    pub from: String,
    /// The borrower.
    pub to: String,
    /// Amount in tokens.
    #[arg(allow_hyphen_values = true)]
    pub amount: String,
    /// Most lines on one route (MAX_HOPS).
    #[arg(long, default_value_t = 6)]
    pub max_hops: usize,
    /// Cost added per line, in percent a year (seed 003 §7.1: 1 %).
    #[arg(long, default_value = "1")]
    pub hop_premium: String,
    /// How to read the lines from the chain.
    #[arg(long, value_enum, default_value_t = Reader::Bulk)]
    pub reader: Reader,
}

/// One hop of a route.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct HopView {
    pub grantor: String,
    pub borrower: String,
    pub rate_bps: u32,
    /// The line's available credit when read.
    pub available: u128,
}

/// One route.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct RouteView {
    pub hops: Vec<HopView>,
    /// Amount this route carries.
    pub amount: u128,
    /// Its bottleneck when found.
    pub capacity: u128,
    /// Σ (rate + hop premium), basis points a year.
    pub cost_bps: u64,
}

/// What `dcu route` found.
#[derive(Debug, Serialize)]
pub struct RouteReport {
    pub from: String,
    pub to: String,
    pub requested: u128,
    /// Amount the routes carry together.
    pub routable: u128,
    /// Whether one route carries everything.
    pub single_path: bool,
    pub routes: Vec<RouteView>,
    /// Members within `--max-hops` of the borrower over lines with
    /// available credit (the borrower included).
    pub members_read: usize,
    /// Lines with available credit within `--max-hops` of the borrower.
    pub lines_seen: usize,
    /// How the lines were read.
    pub reader: Reader,
    /// Lines read from the chain (bulk: every line of the pool).
    pub lines_read: usize,
    /// RPC requests (bulk) or contract dry runs (per member) the read took.
    pub read_requests: usize,
    /// Wall time of the read, in microseconds.
    pub read_us: u64,
}

/// A development account's name for an address, else the address.
pub fn label(names: &BTreeMap<String, String>, address: &str) -> String {
    names.get(address).cloned().unwrap_or_else(|| address.to_string())
}

pub fn dev_names() -> BTreeMap<String, String> {
    DEV_ACCOUNTS
        .iter()
        .filter_map(|(n, uri)| signer_from_suri(uri).ok().map(|k| (k.public_key().to_account_id().to_string(), n.to_string())))
        .collect()
}

impl Report for RouteReport {
    fn human(&self) -> String {
        let names = dev_names();
        let mut s = if self.routes.is_empty() {
            format!(
                "No route carries credit from {} to {} within the hop limit ({} members' lines read)",
                label(&names, &self.from),
                label(&names, &self.to),
                self.members_read
            )
        } else if self.single_path {
            format!("One route carries {} DUSD from {} to {}:", format_amount(self.requested), label(&names, &self.from), label(&names, &self.to))
        } else {
            format!(
                "No single route carries {} DUSD; {} {} carry {} DUSD:",
                format_amount(self.requested),
                self.routes.len(),
                if self.routes.len() == 1 { "route" } else { "routes together" },
                format_amount(self.routable)
            )
        };
        for (i, r) in self.routes.iter().enumerate() {
            let mut path = label(&names, &r.hops.first().map(|h| h.grantor.clone()).unwrap_or_default());
            for h in &r.hops {
                path.push_str(&format!(" →({}) {}", format_rate(u128::from(h.rate_bps)), label(&names, &h.borrower)));
            }
            s.push_str(&format!(
                "\n  {}. {} DUSD over {} hop{}: {path}\n     bottleneck {} DUSD, cost {} a year (rates + hop premium)",
                i + 1,
                format_amount(r.amount),
                r.hops.len(),
                if r.hops.len() == 1 { "" } else { "s" },
                format_amount(r.capacity),
                format_rate(u128::from(r.cost_bps)),
            ));
        }
        if !self.routes.is_empty() && self.routable < self.requested {
            s.push_str(&format!("\n  shortfall: {} DUSD cannot reach the borrower", format_amount(self.requested - self.routable)));
        }
        let how = match self.reader {
            Reader::Bulk => "in one pass over the pool's storage",
            Reader::PerMember => "by a dry run per member",
        };
        s.push_str(&format!(
            "\n  ({} lines read {how} in {} ms, {} requests; {} with credit available reach the borrower through {} members)",
            self.lines_read,
            self.read_us / 1_000,
            self.read_requests,
            self.lines_seen,
            self.members_read
        ));
        s
    }
}

/// The lines read from the chain, before pruning.
pub struct ReadLines {
    pub lines: Vec<LineEdge>,
    pub requests: usize,
    pub micros: u64,
}

/// Reads the lines with `reader`: bulk, every line of the pool; per
/// member, the lines into each member within `max_hops` of `to`.
pub async fn read_lines(s: &Session, reader: Reader, to: &str, max_hops: usize) -> Result<ReadLines> {
    let pool = s.contract(POOL)?;
    let t0 = Instant::now();
    let (lines, requests) = match reader {
        Reader::Bulk => {
            let g = pool_lines(&s.conn, &pool).await?;
            (g.lines, g.requests)
        }
        Reader::PerMember => {
            let me = s.me();
            let mut seen: BTreeMap<String, usize> = BTreeMap::from([(to.to_string(), 0)]);
            let mut queue = VecDeque::from([(to.to_string(), 0usize)]);
            let (mut lines, mut requests) = (Vec::new(), 0);
            while let Some((member, depth)) = queue.pop_front() {
                if depth >= max_hops {
                    continue;
                }
                let v = pool.read_on(&s.conn, &me, "lines_to", &[member.clone()]).await?;
                requests += 1;
                for l in val::items(&v) {
                    let grantor = field(l, "grantor").and_then(val::text).unwrap_or_default();
                    let available = uint_field(l, "available").unwrap_or(0);
                    let rate_bps = u32::try_from(uint_field(l, "rate_bps").unwrap_or(0)).unwrap_or(u32::MAX);
                    if grantor.is_empty() {
                        continue;
                    }
                    if available > 0 && !seen.contains_key(&grantor) {
                        seen.insert(grantor.clone(), depth + 1);
                        queue.push_back((grantor.clone(), depth + 1));
                    }
                    let principal = uint_field(l, "principal").unwrap_or(0);
                    lines.push(LineEdge { grantor, borrower: member.clone(), available, rate_bps, principal });
                }
            }
            (lines, requests)
        }
    };
    Ok(ReadLines { lines, requests, micros: u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX) })
}

/// The lines with available credit that can reach `to` within `max_hops`
/// (a line into a member `max_hops` lines away cannot be on a route), in
/// (grantor, borrower) order whatever order they were read in, and how many
/// members they join (the borrower included).
pub fn reaching(lines: &[LineEdge], to: &str, max_hops: usize) -> (Vec<LineEdge>, usize) {
    let mut into: BTreeMap<&str, Vec<&LineEdge>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.available > 0) {
        into.entry(l.borrower.as_str()).or_default().push(l);
    }
    let mut depth: BTreeMap<&str, usize> = BTreeMap::from([(to, 0)]);
    let mut queue = VecDeque::from([(to, 0usize)]);
    let mut out = Vec::new();
    while let Some((member, d)) = queue.pop_front() {
        if d >= max_hops {
            continue;
        }
        for l in into.get(member).map(Vec::as_slice).unwrap_or_default() {
            out.push((*l).clone());
            if !depth.contains_key(l.grantor.as_str()) {
                depth.insert(&l.grantor, d + 1);
                queue.push_back((&l.grantor, d + 1));
            }
        }
    }
    out.sort();
    (out, depth.len())
}

/// Runs `dcu route`.
pub async fn run(g: &GlobalOpts, opts: &RouteOpts, out: &mut impl Write) -> Result<()> {
    let (from, to, amount) = (parse_account(&opts.from)?, parse_account(&opts.to)?, parse_amount(&opts.amount)?);
    if from == to {
        return Err(CliError::Other("the creditor and the borrower are the same account".into()));
    }
    if amount == 0 {
        return Err(CliError::BadAmount { value: opts.amount.clone(), reason: "route a positive amount".into() });
    }
    if opts.max_hops == 0 || opts.max_hops > 6 {
        return Err(CliError::Other(format!("--max-hops {} is outside 1..=6 (SPEC §5's MAX_HOPS)", opts.max_hops)));
    }
    let premium = parse_rate(&opts.hop_premium)?;
    let s = Session::open(g).await?;
    let report = find(&s, &from.to_string(), &to.to_string(), amount, opts.max_hops, premium, opts.reader).await?;
    if report.routes.is_empty() {
        return Err(CliError::Other(format!(
            "no credit can reach {} from {} within {} hops ({} members' lines read)",
            report.to, report.from, opts.max_hops, report.members_read
        )));
    }
    emit(g, out, &report)
}

/// Routes `amount` from `from` to `to` over the pool's lines as they are at
/// the best block: the cheapest single route, else aggregated routes, else
/// what can be carried (possibly nothing).
pub async fn find(s: &Session, from: &str, to: &str, amount: u128, max_hops: usize, premium: u32, reader: Reader) -> Result<RouteReport> {
    let (from, to) = (from.to_string(), to.to_string());
    let read = read_lines(s, reader, &to, max_hops).await?;
    let (lines, members_read) = reaching(&read.lines, &to, max_hops);

    // Accounts to dense indices: the borrower 0, the creditor 1, others after.
    let mut index: BTreeMap<String, u32> = BTreeMap::new();
    let mut accounts: Vec<String> = Vec::new();
    let mut id = |a: &str, index: &mut BTreeMap<String, u32>| -> u32 {
        *index.entry(a.to_string()).or_insert_with(|| {
            accounts.push(a.to_string());
            (accounts.len() - 1) as u32
        })
    };
    let d = id(&to, &mut index);
    let src = id(&from, &mut index);
    let mut graph = Graph::new(2);
    for l in &lines {
        let (u, v) = (id(&l.grantor, &mut index), id(&l.borrower, &mut index));
        graph.add_line(u, v, l.available, l.rate_bps);
    }
    let params = Params { max_hops, hop_premium_bps: premium };
    let (routes, single) = match find_path(&graph, src, d, amount, &params) {
        Ok(r) => (vec![r], true),
        Err(RouteError::Shortfall { .. }) => match find_multipath(&graph, src, d, amount, &params) {
            Ok(rs) => (rs, false),
            Err(RouteError::Shortfall { .. }) => (partial(&graph, src, d, amount, &params), false),
            Err(e) => return Err(CliError::Other(format!("cannot route: {e:?}"))),
        },
        Err(e) => return Err(CliError::Other(format!("cannot route: {e:?}"))),
    };
    let views: Vec<RouteView> = routes
        .iter()
        .map(|r| RouteView {
            hops: r
                .nodes
                .windows(2)
                .zip(&r.lines)
                .map(|(w, &li)| {
                    let line = graph.lines(w[0])[li];
                    HopView { grantor: accounts[w[0] as usize].clone(), borrower: accounts[w[1] as usize].clone(), rate_bps: line.rate_bps, available: line.capacity }
                })
                .collect(),
            amount: r.amount,
            capacity: r.capacity,
            cost_bps: r.cost_bps,
        })
        .collect();
    let routable = views.iter().map(|r| r.amount).sum();
    Ok(RouteReport {
        from,
        to,
        requested: amount,
        routable,
        single_path: single,
        routes: views,
        members_read,
        lines_seen: lines.len(),
        reader,
        lines_read: read.lines.len(),
        read_requests: read.requests,
        read_us: read.micros,
    })
}

/// The routes that carry what can be carried when the whole amount cannot:
/// multi-path aggregation of exactly the routable amount.
fn partial(graph: &Graph, s: u32, d: u32, amount: u128, p: &Params) -> Vec<dcu_pathfinder::Route> {
    match find_multipath(graph, s, d, amount, p) {
        Err(RouteError::Shortfall { routable }) if routable > 0 => find_multipath(graph, s, d, routable, p).unwrap_or_default(),
        _ => Vec::new(),
    }
}
