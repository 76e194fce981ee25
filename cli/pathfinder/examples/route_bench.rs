//! Path-finder report: time per query (median and 99th percentile) on
//! synthetic credit graphs of 5,000 and 100,000 members with an average of
//! 12.4 lines each (seed 003's pilot), for DCU's `find_path` (the exact
//! bidirectional hop-limited search), the previous `find_path` (kept as
//! `find_path_reference`: Dijkstra over member × hops states of the whole
//! graph) and `petgraph`'s Dijkstra, all on the same graph and the same
//! queries in the same run (cheapest route by cost, on the lines that can
//! carry the amount; petgraph without a hop limit: the plain baseline).
//! Every query's route is checked against the reference's cost and hops.
//! Writes docs/ROUTING.md and docs/routing.svg. No thresholds: it reports.
//!
//!   cargo run --release -p dcu-pathfinder --example route_bench -- [docs]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use dcu_pathfinder::{find_multipath, find_multipath_reference, find_path, find_path_reference, Graph, Params};
use petgraph::algo::dijkstra;
use petgraph::graph::{DiGraph, NodeIndex};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const TOKEN: u128 = 1_000_000;

struct Sizes {
    members: usize,
    /// Queries every method answers (the ratios' sample).
    queries: usize,
    /// Extra queries only the new search answers (a steadier p99).
    new_only: usize,
    /// Queries the previous aggregation answers (it is slow on big graphs).
    multi_reference: usize,
}

#[derive(Clone, Copy)]
struct Stat {
    median: f64,
    p99: f64,
}

fn stat(mut v: Vec<f64>) -> Stat {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Stat { median: v[v.len() / 2], p99: at(0.99) }
}

struct Result {
    members: usize,
    lines: usize,
    queries: usize,
    index_ms: f64,
    new: Stat,
    old: Stat,
    petgraph: Stat,
    new_many: Stat,
    new_many_queries: usize,
    multi: Stat,
    multi_old: Stat,
    multi_old_queries: usize,
    found: usize,
    same_cost: usize,
}

fn endpoints(rng: &mut SmallRng, n: usize) -> (u32, u32) {
    loop {
        let (s, d) = (rng.gen_range(0..n as u32), rng.gen_range(0..n as u32));
        if s != d {
            return (s, d);
        }
    }
}

fn us(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e6
}

fn run(size: &Sizes, rng: &mut SmallRng) -> Result {
    let n = size.members;
    let m = (n as f64 * 12.4) as usize;
    let params = Params::default();
    let mut g = Graph::new(n);
    let mut edges = Vec::with_capacity(m);
    while edges.len() < m {
        let (a, b) = (rng.gen_range(0..n as u32), rng.gen_range(0..n as u32));
        if a == b {
            continue;
        }
        let cap = rng.gen_range(10..1_000u128) * TOKEN;
        let rate = rng.gen_range(100..1_500u32);
        g.add_line(a, b, cap, rate);
        edges.push((a, b, cap, rate));
    }
    let t = Instant::now();
    g.prepare();
    let index_ms = us(t) / 1e3;
    let amount = 45 * TOKEN; // seed 003's median loan
    let multi_amount = 2_000 * TOKEN;
    let mut pg = DiGraph::<(), u64>::with_capacity(n, m);
    for _ in 0..n {
        pg.add_node(());
    }
    for (a, b, cap, rate) in &edges {
        if *cap >= amount {
            pg.add_edge(NodeIndex::new(*a as usize), NodeIndex::new(*b as usize), u64::from(*rate) + u64::from(params.hop_premium_bps));
        }
    }
    // The same queries for every method; each method answers all of them in
    // its own pass (so none runs on caches another one just flushed).
    let queries: Vec<(u32, u32)> = (0..size.queries).map(|_| endpoints(rng, n)).collect();
    let time = |f: &mut dyn FnMut(u32, u32)| -> Vec<f64> {
        queries
            .iter()
            .map(|&(s, d)| {
                let t = Instant::now();
                f(s, d);
                us(t)
            })
            .collect()
    };
    let mut answers = Vec::with_capacity(queries.len());
    let new = time(&mut |s, d| answers.push(find_path(&g, s, d, amount, &params)));
    let mut answers_old = Vec::with_capacity(queries.len());
    let old = time(&mut |s, d| answers_old.push(find_path_reference(&g, s, d, amount, &params)));
    let mut plains = Vec::with_capacity(queries.len());
    let base = time(&mut |s, d| {
        let dist = dijkstra(&pg, NodeIndex::new(s as usize), Some(NodeIndex::new(d as usize)), |e| *e.weight());
        plains.push(dist.get(&NodeIndex::new(d as usize)).copied());
    });
    let mut aggregated = Vec::with_capacity(queries.len());
    let multi = time(&mut |s, d| aggregated.push(find_multipath(&g, s, d, multi_amount, &params)));
    let mut multi_old = Vec::new();
    for (q, &(s, d)) in queries.iter().enumerate().take(size.multi_reference) {
        let t = Instant::now();
        let routes_old = find_multipath_reference(&g, s, d, multi_amount, &params);
        multi_old.push(us(t));
        if let (Ok(a), Ok(b)) = (&aggregated[q], &routes_old) {
            assert_eq!(a[0].cost_bps, b[0].cost_bps, "aggregations start from equally cheap routes");
        }
    }
    let (mut found, mut same) = (0, 0);
    for (q, &(s, d)) in queries.iter().enumerate() {
        let key = |r: &std::result::Result<dcu_pathfinder::Route, _>| r.as_ref().map(|r| (r.cost_bps, r.hops())).ok();
        assert_eq!(key(&answers[q]), key(&answers_old[q]), "the new search answers as the reference ({s} → {d})");
        if let Ok(r) = &answers[q] {
            assert!(r.hops() <= params.max_hops && r.capacity >= amount);
            let mut members = r.nodes.clone();
            members.sort_unstable();
            members.dedup();
            assert_eq!(members.len(), r.nodes.len(), "routes are simple");
            found += 1;
            let p = plains[q].expect("petgraph finds a route whenever the hop-limited search does");
            assert!(r.cost_bps >= p, "a hop-limited route cannot be cheaper than the unlimited one");
            if r.cost_bps == p {
                same += 1;
            }
        }
    }
    // The new search alone, on many more queries.
    let mut new_many = new.clone();
    for _ in 0..size.new_only {
        let (s, d) = endpoints(rng, n);
        let t = Instant::now();
        let r = find_path(&g, s, d, amount, &params);
        new_many.push(us(t));
        std::hint::black_box(r.ok());
    }
    Result {
        members: n,
        lines: m,
        queries: size.queries,
        index_ms,
        new: stat(new),
        old: stat(old),
        petgraph: stat(base),
        new_many_queries: new_many.len(),
        new_many: stat(new_many),
        multi: stat(multi),
        multi_old_queries: multi_old.len(),
        multi_old: stat(multi_old),
        found,
        same_cost: same,
    }
}

fn svg(results: &[Result]) -> String {
    // Grouped bars (medians) with 99th-percentile whiskers, log10 scale of microseconds.
    let (w, h, left, bottom) = (680.0, 400.0, 70.0, 40.0);
    let series = |r: &Result| [r.new, r.old, r.petgraph];
    let max = results.iter().flat_map(|r| series(r).map(|s| s.p99)).fold(10.0f64, f64::max);
    let min = results.iter().flat_map(|r| series(r).map(|s| s.median)).fold(f64::MAX, f64::min);
    let bottom_k = min.log10().floor().min(0.0);
    let top = max.log10().ceil().max(bottom_k + 1.0);
    let y = |us: f64| (h - bottom) - ((us.max(10f64.powf(bottom_k)).log10() - bottom_k) / (top - bottom_k)) * (h - bottom - 90.0);
    let colors = [("dcu find_path (bidirectional, 3 + 3 hops)", "#2b6cb0"), ("previous find_path (member × hops Dijkstra)", "#a0aec0"), ("petgraph dijkstra (no hop limit)", "#ed8936")];
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n");
    s.push_str(&format!("<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n"));
    for k in (bottom_k as i32)..=(top as i32) {
        let yy = y(10f64.powi(k));
        let label = match k {
            k if k < 3 => format!("{} µs", 10f64.powi(k)),
            k if k < 6 => format!("{} ms", 10f64.powi(k - 3)),
            k => format!("{} s", 10f64.powi(k - 6)),
        };
        s.push_str(&format!("<line x1=\"{left}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>\n", w - 10.0, left - 6.0, yy + 4.0));
    }
    let group = (w - left - 20.0) / results.len() as f64;
    for (i, r) in results.iter().enumerate() {
        let x0 = left + 10.0 + i as f64 * group;
        let bw = group / 4.0;
        for (j, st) in series(r).iter().enumerate() {
            let x = x0 + j as f64 * bw;
            let yy = y(st.median);
            let yp = y(st.p99);
            let cx = x + bw / 2.0 - 2.0;
            let shown = if st.median < 1_000.0 { format!("{:.0} µs", st.median) } else { format!("{:.1} ms", st.median / 1e3) };
            s.push_str(&format!(
                "<rect x=\"{x}\" y=\"{yy}\" width=\"{}\" height=\"{}\" fill=\"{}\"/><line x1=\"{cx}\" x2=\"{cx}\" y1=\"{yy}\" y2=\"{yp}\" stroke=\"black\"/><line x1=\"{}\" x2=\"{}\" y1=\"{yp}\" y2=\"{yp}\" stroke=\"black\"/><text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{shown}</text>\n",
                bw - 4.0,
                (h - bottom) - yy,
                colors[j].1,
                cx - 6.0,
                cx + 6.0,
                yp - 4.0
            ));
        }
        s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} members, {} lines</text>\n", x0 + bw * 1.5 - 2.0, h - bottom + 16.0, r.members, r.lines));
    }
    for (j, (label, color)) in colors.iter().enumerate() {
        let yy = 34.0 + j as f64 * 16.0;
        s.push_str(&format!("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{label}</text>\n", w - 330.0, yy - 9.0, w - 315.0, yy));
    }
    s.push_str("<text x=\"10\" y=\"16\">time per query: bar = median, whisker = 99th percentile (log scale)</text>\n</svg>\n");
    s
}

fn ms_or_us(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} ms", v / 1e3)
    } else if v >= 100.0 {
        format!("{v:.0} µs")
    } else {
        format!("{v:.1} µs")
    }
}

/// The graph read times the e2e routing test measured on the node
/// (`dcu-e2e-tests::cli::route_read_timing_path`): a flat JSON object of numbers.
struct ReadTiming {
    members: f64,
    lines: f64,
    set_up_secs: f64,
    bulk_us: f64,
    bulk_requests: f64,
    per_member_us: f64,
    per_member_requests: f64,
    queries: f64,
}

fn read_timing() -> Option<ReadTiming> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let text = std::fs::read_to_string(target.join("dcu-route-read-timing.json")).ok()?;
    let num = |key: &str| -> Option<f64> {
        let at = text.find(&format!("\"{key}\":"))? + key.len() + 3;
        let rest = text[at..].trim_start();
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-' || c == '+')).unwrap_or(rest.len());
        rest[..end].parse().ok()
    };
    Some(ReadTiming {
        members: num("members")?,
        lines: num("lines")?,
        set_up_secs: num("set_up_secs")?,
        bulk_us: num("bulk_read_us_median")?,
        bulk_requests: num("bulk_requests")?,
        per_member_us: num("per_member_read_us_median")?,
        per_member_requests: num("per_member_requests")?,
        queries: num("queries")?,
    })
}

fn write_read_section(md: &mut String, t: Option<&ReadTiming>) -> std::fmt::Result {
    writeln!(md)?;
    writeln!(md, "## Reading the credit graph from the chain")?;
    writeln!(md)?;
    let Some(t) = t else {
        writeln!(md, "Not measured in this run: the e2e test `routing::` (run by `deploy/test.sh` before this")?;
        return writeln!(md, "report) writes the read times this section reports.");
    };
    writeln!(md, "Measured by the e2e test `routing::` on a substrate-contracts-node in the same test run: a")?;
    writeln!(md, "community of {:.0} members and {:.0} credit lines (set up in {:.0} s by `Utility.batch_all`", t.members, t.lines, t.set_up_secs)?;
    writeln!(md, "batches of contract calls, one per member and phase), then `dcu route` between members")?;
    writeln!(md, "with each reader; both found the same routes on every query. Median over {:.0} queries", t.queries)?;
    writeln!(md, "with the full 6-hop limit (where the per-member reader has to visit nearly everyone):")?;
    writeln!(md)?;
    writeln!(md, "| reader | requests | read time (median) | ratio |")?;
    writeln!(md, "|---|---:|---:|---:|")?;
    writeln!(md, "| one pass over the pool's storage (`--reader bulk`, the default) | {:.0} | {} | 1.00 |", t.bulk_requests, ms_or_us(t.bulk_us))?;
    writeln!(
        md,
        "| a `lines_to` dry run per member (`--reader per-member`) | {:.0} | {} | {:.1}× slower |",
        t.per_member_requests,
        ms_or_us(t.per_member_us),
        t.per_member_us / t.bulk_us.max(1.0)
    )?;
    writeln!(md)?;
    writeln!(md, "![graph read time: one pass against a dry run per member](routing-read.svg)")?;
    writeln!(md)?;
    writeln!(md, "The one-pass reader lists the pool's child trie (`childstate_getKeysPaged`, 1,000 keys a page)")?;
    writeln!(md, "and fetches the `lines` and `grantors` entries (`childstate_getStorageEntries`), all at one")?;
    writeln!(md, "block, and decodes them into the contract's own record types; a line's availability is the")?;
    writeln!(md, "contract's `headroom`. Both readers exclude loading the pool's metadata, which they share.")
}

fn read_svg(t: &ReadTiming) -> String {
    let (w, h, left, top, bar) = (640.0f64, 170.0f64, 330.0f64, 30.0f64, 36.0f64);
    let max = t.per_member_us.max(t.bulk_us).max(1.0);
    let scale = |v: f64| (w - left - 90.0) * (v.max(1.0).ln() / max.ln().max(1.0));
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n");
    s.push_str(&format!("<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n"));
    s.push_str(&format!("<text x=\"10\" y=\"18\">reading {:.0} members' {:.0} lines (median, log scale)</text>\n", t.members, t.lines));
    for (i, (label, v, color)) in [("one pass over the pool's storage", t.bulk_us, "#2b7bb9"), ("a dry run per member", t.per_member_us, "#d95f02")].iter().enumerate() {
        let y = top + 20.0 + i as f64 * (bar + 20.0);
        s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>\n", left - 8.0, y + bar / 2.0 + 4.0));
        s.push_str(&format!("<rect x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"{bar}\" fill=\"{color}\"/>\n", scale(*v)));
        s.push_str(&format!("<text x=\"{:.1}\" y=\"{}\">{}</text>\n", left + scale(*v) + 6.0, y + bar / 2.0 + 4.0, ms_or_us(*v)));
    }
    s.push_str("</svg>\n");
    s
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs"));
    let mut rng = SmallRng::seed_from_u64(2026);
    let started = Instant::now();
    let results: Vec<Result> = [
        Sizes { members: 5_000, queries: 1_001, new_only: 9_000, multi_reference: 101 },
        Sizes { members: 100_000, queries: 201, new_only: 9_800, multi_reference: 5 },
    ]
    .iter()
    .map(|s| run(s, &mut rng))
    .collect();
    let secs = started.elapsed().as_secs_f64();
    let mut md = String::new();
    writeln!(md, "# Path finder report")?;
    writeln!(md)?;
    writeln!(md, "Generated by `cargo run --release -p dcu-pathfinder --example route_bench` (run by")?;
    writeln!(md, "`deploy/test.sh`). Synthetic credit graphs with an average of 12.4 lines per member")?;
    writeln!(md, "(seed 003's pilot), capacities 10..1,000 tokens, rates 1..15 %; queries for 45 tokens")?;
    writeln!(md, "(seed 003's median loan) between random members, the same queries for every method:")?;
    writeln!(md)?;
    writeln!(md, "- **find_path**: DCU's router, an exact bidirectional hop-limited search. A route of at")?;
    writeln!(md, "  most 6 lines splits at a middle member into at most 3 + 3, so it grows layers of")?;
    writeln!(md, "  (member, hops) labels forward from the creditor and backward from the borrower (the")?;
    writeln!(md, "  lighter frontier first) until their depths add up to 6, and joins them at the members")?;
    writeln!(md, "  both reached, over flat forward and reverse adjacency arrays built once per graph.")?;
    writeln!(md, "- **previous find_path** (`find_path_reference`, the tests' oracle): Dijkstra over")?;
    writeln!(md, "  member × hops states of the whole graph.")?;
    writeln!(md, "- **petgraph**: plain Dijkstra (cost = rate + hop premium, on the lines that carry the")?;
    writeln!(md, "  amount, no hop limit), the baseline.")?;
    writeln!(md)?;
    writeln!(md, "Every query's route is checked to have the reference's cost and hops (and to be simple,")?;
    writeln!(md, "within 6 lines, able to carry the amount). Times are on this machine, so compare the")?;
    writeln!(md, "ratios, not the absolute numbers; \"× faster\" is the other method's time ÷ find_path's,")?;
    writeln!(md, "median to median and p99 to p99.")?;
    writeln!(md)?;
    writeln!(md, "| members | lines | queries | find_path median | p99 | previous find_path median | p99 | petgraph median | p99 | × faster than petgraph (median / p99) | × faster than previous (median / p99) |")?;
    writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in &results {
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} / {:.0} | {:.0} / {:.0} |",
            r.members,
            r.lines,
            r.queries,
            ms_or_us(r.new.median),
            ms_or_us(r.new.p99),
            ms_or_us(r.old.median),
            ms_or_us(r.old.p99),
            ms_or_us(r.petgraph.median),
            ms_or_us(r.petgraph.p99),
            r.petgraph.median / r.new.median,
            r.petgraph.p99 / r.new.p99,
            r.old.median / r.new.median,
            r.old.p99 / r.new.p99,
        )?;
    }
    writeln!(md)?;
    writeln!(md, "![time per query: medians and 99th percentiles](routing.svg)")?;
    writeln!(md)?;
    writeln!(md, "| members | find_path alone: queries | median | p99 | adjacency arrays built once (ms) | routes found | same cost as petgraph | find_multipath 2,000 tokens median / p99 | previous find_multipath: queries | median / p99 |")?;
    writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in &results {
        writeln!(
            md,
            "| {} | {} | {} | {} | {:.0} | {} of {} | {} | {} / {} | {} | {} / {} |",
            r.members,
            r.new_many_queries,
            ms_or_us(r.new_many.median),
            ms_or_us(r.new_many.p99),
            r.index_ms,
            r.found,
            r.queries,
            r.same_cost,
            ms_or_us(r.multi.median),
            ms_or_us(r.multi.p99),
            r.multi_old_queries,
            ms_or_us(r.multi_old.median),
            ms_or_us(r.multi_old.p99),
        )?;
    }
    writeln!(md)?;
    writeln!(md, "\"find_path alone\" adds queries only the new search answers, for a steadier p99. The")?;
    writeln!(md, "adjacency arrays are built on a graph's first query (or by `Graph::prepare`) and kept")?;
    writeln!(md, "until a line is added; the per-query times above exclude that one-off build.")?;
    writeln!(md, "A route DCU finds is never cheaper than petgraph's unlimited one (checked on every query);")?;
    writeln!(md, "\"same cost\" counts the queries where the 6-hop limit did not change the answer.")?;
    writeln!(md, "`find_multipath` routes 2,000 tokens over as many routes as it takes, each found by the")?;
    writeln!(md, "bidirectional search on what the earlier routes left (the previous one: by the reference).")?;
    writeln!(md)?;
    let read = read_timing();
    write_read_section(&mut md, read.as_ref())?;
    writeln!(md)?;
    writeln!(md, "The whole report took {secs:.0} s to generate.")?;
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("ROUTING.md"), &md)?;
    if let Some(t) = &read {
        std::fs::write(dir.join("routing-read.svg"), read_svg(t))?;
    }
    std::fs::write(dir.join("routing.svg"), svg(&results))?;
    println!("{md}");
    Ok(())
}
