//! Path-finder report: median time per query on synthetic credit graphs of
//! 5,000 and 100,000 members with an average of 12.4 lines each (seed 003's
//! pilot), side by side with `petgraph`'s Dijkstra on the same graph in the
//! same run (cheapest route by cost, on the lines that can carry the amount,
//! without a hop limit: the plain baseline). Writes docs/ROUTING.md and
//! docs/routing.svg. No thresholds: it reports.
//!
//!   cargo run --release -p dcu-pathfinder --example route_bench -- [docs]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use dcu_pathfinder::{find_multipath, find_path, Graph, Params};
use petgraph::algo::dijkstra;
use petgraph::graph::{DiGraph, NodeIndex};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const TOKEN: u128 = 1_000_000;

struct Sizes {
    members: usize,
    queries: usize,
}

struct Result {
    members: usize,
    lines: usize,
    queries: usize,
    ours_us: f64,
    multi_us: f64,
    petgraph_us: f64,
    found: usize,
    same_cost: usize,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
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
    let amount = 45 * TOKEN; // seed 003's median loan
    let mut pg = DiGraph::<(), u64>::with_capacity(n, m);
    for _ in 0..n {
        pg.add_node(());
    }
    for (a, b, cap, rate) in &edges {
        if *cap >= amount {
            pg.add_edge(NodeIndex::new(*a as usize), NodeIndex::new(*b as usize), u64::from(*rate) + u64::from(params.hop_premium_bps));
        }
    }
    let (mut ours, mut multi, mut base) = (Vec::new(), Vec::new(), Vec::new());
    let (mut found, mut same) = (0, 0);
    for _ in 0..size.queries {
        let (s, d) = loop {
            let (s, d) = (rng.gen_range(0..n as u32), rng.gen_range(0..n as u32));
            if s != d {
                break (s, d);
            }
        };
        let t = Instant::now();
        let r = find_path(&g, s, d, amount, &params);
        ours.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let _ = find_multipath(&g, s, d, 2_000 * TOKEN, &params);
        multi.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let dist = dijkstra(&pg, NodeIndex::new(s as usize), Some(NodeIndex::new(d as usize)), |e| *e.weight());
        base.push(t.elapsed().as_secs_f64() * 1e6);
        let plain = dist.get(&NodeIndex::new(d as usize)).copied();
        if let Ok(r) = r {
            found += 1;
            let p = plain.expect("petgraph finds a route whenever the hop-limited search does");
            assert!(r.cost_bps >= p, "a hop-limited route cannot be cheaper than the unlimited one");
            if r.cost_bps == p {
                same += 1;
            }
        }
    }
    Result {
        members: n,
        lines: m,
        queries: size.queries,
        ours_us: median(ours),
        multi_us: median(multi),
        petgraph_us: median(base),
        found,
        same_cost: same,
    }
}

fn svg(results: &[Result]) -> String {
    // Grouped bars on a log10 scale of microseconds.
    let (w, h, left, bottom) = (640.0, 380.0, 70.0, 40.0);
    let max = results.iter().flat_map(|r| [r.ours_us, r.multi_us, r.petgraph_us]).fold(1.0f64, f64::max);
    let top = max.log10().ceil().max(1.0);
    let y = |us: f64| (h - bottom) - (us.max(1.0).log10() / top) * (h - bottom - 80.0);
    let colors = [("dcu find_path", "#2b6cb0"), ("dcu find_multipath (2,000 tokens)", "#68d391"), ("petgraph dijkstra", "#ed8936")];
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n");
    s.push_str(&format!("<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n"));
    for k in 0..=(top as i32) {
        let yy = y(10f64.powi(k));
        s.push_str(&format!("<line x1=\"{left}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">10^{k} µs</text>\n", w - 10.0, left - 6.0, yy + 4.0));
    }
    let group = (w - left - 20.0) / results.len() as f64;
    for (i, r) in results.iter().enumerate() {
        let x0 = left + 10.0 + i as f64 * group;
        for (j, v) in [r.ours_us, r.multi_us, r.petgraph_us].iter().enumerate() {
            let bw = group / 4.0;
            let x = x0 + j as f64 * bw;
            let yy = y(*v);
            s.push_str(&format!("<rect x=\"{x}\" y=\"{yy}\" width=\"{}\" height=\"{}\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{:.0}</text>\n", bw - 4.0, (h - bottom) - yy, colors[j].1, x + bw / 2.0 - 2.0, yy - 3.0, v));
        }
        s.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} members</text>\n", x0 + group * 3.0 / 8.0, h - bottom + 16.0, r.members));
    }
    for (j, (label, color)) in colors.iter().enumerate() {
        let yy = 14.0 + j as f64 * 16.0;
        s.push_str(&format!("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{label}</text>\n", w - 250.0, yy - 9.0, w - 235.0, yy));
    }
    s.push_str("<text x=\"10\" y=\"14\">median time per query</text>\n</svg>\n");
    s
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs"));
    let mut rng = SmallRng::seed_from_u64(2026);
    let results: Vec<Result> = [Sizes { members: 5_000, queries: 201 }, Sizes { members: 100_000, queries: 21 }].iter().map(|s| run(s, &mut rng)).collect();
    let mut md = String::new();
    writeln!(md, "# Path finder report")?;
    writeln!(md)?;
    writeln!(md, "Generated by `cargo run --release -p dcu-pathfinder --example route_bench` (run by")?;
    writeln!(md, "`deploy/test.sh`). Synthetic credit graphs with an average of 12.4 lines per member")?;
    writeln!(md, "(seed 003's pilot), random endpoints, capacities 10..1,000 tokens, rates 1..15 %; queries")?;
    writeln!(md, "for 45 tokens (seed 003's median loan) between random members. `petgraph` runs plain")?;
    writeln!(md, "Dijkstra (cost = rate + hop premium, on the lines that carry the amount, no hop limit)")?;
    writeln!(md, "on the same graph in the same run; DCU's `find_path` adds the exact 6-hop limit (Dijkstra")?;
    writeln!(md, "over member × hops states), and `find_multipath` routes 2,000 tokens over several routes.")?;
    writeln!(md, "Times are medians on this machine, so compare the ratios, not the absolute numbers.")?;
    writeln!(md)?;
    writeln!(md, "| members | lines | queries | find_path (µs) | find_multipath 2,000 (µs) | petgraph dijkstra (µs) | find_path ÷ petgraph | routes found | same cost as petgraph |")?;
    writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in &results {
        writeln!(
            md,
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {} | {} |",
            r.members, r.lines, r.queries, r.ours_us, r.multi_us, r.petgraph_us, r.ours_us / r.petgraph_us, r.found, r.same_cost
        )?;
    }
    writeln!(md)?;
    writeln!(md, "![median time per query](routing.svg)")?;
    writeln!(md)?;
    writeln!(md, "A route DCU finds is never cheaper than petgraph's unlimited one (checked on every query);")?;
    writeln!(md, "\"same cost\" counts the queries where the 6-hop limit did not change the answer.")?;
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("ROUTING.md"), &md)?;
    std::fs::write(dir.join("routing.svg"), svg(&results))?;
    println!("{md}");
    Ok(())
}
