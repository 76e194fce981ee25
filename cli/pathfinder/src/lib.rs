//! Credit routing for DCU (seed 003 §5, SPEC §5): find how credit can reach
//! a borrower from a creditor along credit lines.
//!
//! The graph's edges are credit lines `u → v` (u lends to v) with the
//! capacity still available on them and their yearly rate. A route is a path
//! creditor → intermediaries → borrower of at most `max_hops` lines.
//!
//! - [`find_path`]: the cheapest route whose every line can carry the whole
//!   amount. Cost = Σ over hops of (line rate + hop premium), in basis
//!   points; ties go to fewer hops, then to the route found first. It is
//!   Dijkstra over (member, hops used) states, so the hop limit is exact.
//! - [`find_multipath`]: when no single route carries the amount, the
//!   cheapest route that carries the rest, else the cheapest route with any
//!   capacity left, filled to its bottleneck; capacities are used up as
//!   routes are taken (seed 003 §5.3), until the amount is covered or no
//!   route is left (then the shortfall is reported, nothing is half-taken).
//! - [`max_flow`]: Edmonds–Karp maximum flow (no hop limit), the bound no
//!   aggregation can exceed; the property tests check it.
//!
//! Members are dense indices `0..n`; the caller maps accounts to them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// A member's index in the graph.
pub type Node = u32;
/// An amount in the stablecoin's smallest unit.
pub type Amount = u128;

/// Routing parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Most lines on one route (MAX_HOPS, SPEC §5: 6).
    pub max_hops: usize,
    /// Cost added per line, in basis points (seed 003 §7.1: 1 % per extra hop).
    pub hop_premium_bps: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params { max_hops: 6, hop_premium_bps: 100 }
    }
}

/// A credit line as the router sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// The borrower of the line.
    pub to: Node,
    /// Capacity still available on it.
    pub capacity: Amount,
    /// Yearly rate in basis points.
    pub rate_bps: u32,
}

/// The credit-line graph.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    out: Vec<Vec<Line>>,
}

impl Graph {
    /// A graph of `n` members and no lines.
    pub fn new(n: usize) -> Self {
        Graph { out: vec![Vec::new(); n] }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether the graph has no members.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Adds the line `from → to`; members beyond the current size are added.
    pub fn add_line(&mut self, from: Node, to: Node, capacity: Amount, rate_bps: u32) {
        let need = (from.max(to) as usize) + 1;
        if self.out.len() < need {
            self.out.resize(need, Vec::new());
        }
        self.out[from as usize].push(Line { to, capacity, rate_bps });
    }

    /// The lines given by `from`.
    pub fn lines(&self, from: Node) -> &[Line] {
        self.out.get(from as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.out.iter().map(Vec::len).sum()
    }
}

/// One route and the amount it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// Members from creditor to borrower.
    pub nodes: Vec<Node>,
    /// Index of each hop's line in `Graph::lines(from)`.
    pub lines: Vec<usize>,
    /// Amount sent along it.
    pub amount: Amount,
    /// Smallest available capacity along it when it was found.
    pub capacity: Amount,
    /// Σ (rate + hop premium) over its hops, in basis points.
    pub cost_bps: u64,
}

impl Route {
    /// Number of lines.
    pub fn hops(&self) -> usize {
        self.lines.len()
    }
}

/// Why an amount cannot be routed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// Creditor and borrower are the same member, or unknown.
    BadEndpoints,
    /// The amount is zero.
    ZeroAmount,
    /// Only `routable` can reach the borrower within the hop limit.
    Shortfall { routable: Amount },
}

/// Residual capacity per line, indexed like the graph.
type Residual = Vec<Vec<Amount>>;

fn residual_of(g: &Graph) -> Residual {
    g.out.iter().map(|ls| ls.iter().map(|l| l.capacity).collect()).collect()
}

/// Cheapest route from `s` to `d` whose every line has at least `min_cap`
/// left in `res`, within `p.max_hops` lines.
fn cheapest(g: &Graph, res: &Residual, s: Node, d: Node, min_cap: Amount, p: &Params) -> Option<Route> {
    let n = g.len();
    let layers = p.max_hops + 1;
    let idx = |v: usize, h: usize| v * layers + h;
    let mut dist = vec![u64::MAX; n * layers];
    // (previous state, line index) per state.
    let mut prev: Vec<Option<(usize, usize)>> = vec![None; n * layers];
    let mut heap = BinaryHeap::new();
    dist[idx(s as usize, 0)] = 0;
    heap.push(Reverse((0u64, 0usize, s as usize)));
    let mut best: Option<(u64, usize)> = None;
    while let Some(Reverse((cost, hops, u))) = heap.pop() {
        if cost > dist[idx(u, hops)] {
            continue;
        }
        if u == d as usize {
            // The first time the borrower is settled is the cheapest (then fewest hops).
            best = Some((cost, hops));
            break;
        }
        if hops == p.max_hops {
            continue;
        }
        for (li, line) in g.out[u].iter().enumerate() {
            if res[u][li] < min_cap || res[u][li] == 0 {
                continue;
            }
            let v = line.to as usize;
            if v == s as usize {
                continue;
            }
            let c = cost.saturating_add(u64::from(line.rate_bps)).saturating_add(u64::from(p.hop_premium_bps));
            let k = idx(v, hops + 1);
            if c < dist[k] {
                dist[k] = c;
                prev[k] = Some((idx(u, hops), li));
                heap.push(Reverse((c, hops + 1, v)));
            }
        }
    }
    let (cost, hops) = best?;
    let mut nodes = vec![d];
    let mut lines = Vec::with_capacity(hops);
    let mut capacity = Amount::MAX;
    let mut k = idx(d as usize, hops);
    while let Some((pk, li)) = prev[k] {
        let u = pk / layers;
        capacity = capacity.min(res[u][li]);
        lines.push(li);
        nodes.push(u as Node);
        k = pk;
    }
    nodes.reverse();
    lines.reverse();
    // The walk is a simple path: a walk through a cycle costs at least as
    // much and takes more hops than the same walk without it, and states
    // settle in (cost, hops) order.
    Some(Route { nodes, lines, amount: 0, capacity, cost_bps: cost })
}

fn check_endpoints(g: &Graph, s: Node, d: Node, amount: Amount) -> Result<(), RouteError> {
    if s == d || s as usize >= g.len() || d as usize >= g.len() {
        return Err(RouteError::BadEndpoints);
    }
    if amount == 0 {
        return Err(RouteError::ZeroAmount);
    }
    Ok(())
}

/// The cheapest route from `s` to `d` that carries all of `amount` within
/// the hop limit, if any.
///
/// # Errors
/// [`RouteError::BadEndpoints`], [`RouteError::ZeroAmount`],
/// [`RouteError::Shortfall`] (with `routable: 0`) when no single route can
/// carry the amount.
pub fn find_path(g: &Graph, s: Node, d: Node, amount: Amount, p: &Params) -> Result<Route, RouteError> {
    check_endpoints(g, s, d, amount)?;
    let res = residual_of(g);
    let mut r = cheapest(g, &res, s, d, amount, p).ok_or(RouteError::Shortfall { routable: 0 })?;
    r.amount = amount;
    Ok(r)
}

/// Routes `amount` over as few, cheap routes as it takes (seed 003 §5.3).
///
/// # Errors
/// [`RouteError::BadEndpoints`], [`RouteError::ZeroAmount`], or
/// [`RouteError::Shortfall`] with what could be routed.
pub fn find_multipath(g: &Graph, s: Node, d: Node, amount: Amount, p: &Params) -> Result<Vec<Route>, RouteError> {
    check_endpoints(g, s, d, amount)?;
    let mut res = residual_of(g);
    let mut left = amount;
    let mut routes = Vec::new();
    while left > 0 {
        let route = cheapest(g, &res, s, d, left, p).or_else(|| cheapest(g, &res, s, d, 1, p));
        let Some(mut r) = route else {
            return Err(RouteError::Shortfall { routable: amount - left });
        };
        let take = r.capacity.min(left);
        for (i, li) in r.lines.iter().enumerate() {
            let u = r.nodes[i] as usize;
            res[u][*li] -= take;
        }
        r.amount = take;
        left -= take;
        routes.push(r);
    }
    Ok(routes)
}

/// Maximum flow from `s` to `d` over the lines' capacities, ignoring the
/// hop limit (Edmonds–Karp on a dense residual matrix; for tests and small
/// graphs).
pub fn max_flow(g: &Graph, s: Node, d: Node) -> Amount {
    let n = g.len();
    if s == d || s as usize >= n || d as usize >= n {
        return 0;
    }
    let mut cap = vec![vec![0u128; n]; n];
    for (u, ls) in g.out.iter().enumerate() {
        for l in ls {
            cap[u][l.to as usize] = cap[u][l.to as usize].saturating_add(l.capacity);
        }
    }
    let mut flow = 0u128;
    loop {
        let mut parent = vec![usize::MAX; n];
        parent[s as usize] = s as usize;
        let mut q = VecDeque::from([s as usize]);
        while let Some(u) = q.pop_front() {
            for v in 0..n {
                if parent[v] == usize::MAX && cap[u][v] > 0 {
                    parent[v] = u;
                    q.push_back(v);
                }
            }
        }
        if parent[d as usize] == usize::MAX {
            return flow;
        }
        let mut push = u128::MAX;
        let mut v = d as usize;
        while v != s as usize {
            let u = parent[v];
            push = push.min(cap[u][v]);
            v = u;
        }
        let mut v = d as usize;
        while v != s as usize {
            let u = parent[v];
            cap[u][v] -= push;
            cap[v][u] = cap[v][u].saturating_add(push);
            v = u;
        }
        flow = flow.saturating_add(push);
    }
}

#[cfg(test)]
mod tests;
