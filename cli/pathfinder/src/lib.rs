//! Credit routing for DCU (seed 003 §5, SPEC §5): find how credit can reach
//! a borrower from a creditor along credit lines.
//!
//! The graph's edges are credit lines `u → v` (u lends to v) with the
//! capacity still available on them and their yearly rate. A route is a path
//! creditor → intermediaries → borrower of at most `max_hops` lines.
//!
//! - [`find_path`]: the cheapest route whose every line can carry the whole
//!   amount. Cost = Σ over hops of (line rate + hop premium), in basis
//!   points; ties go to fewer hops (then to any one of the equal routes).
//!   It is an exact bidirectional hop-limited search: a route of at most
//!   `max_hops` lines splits at a middle member into a forward half from the
//!   creditor and a backward half to the borrower (at most 3 + 3 lines for
//!   MAX_HOPS = 6), so it only explores the members within a few hops of
//!   either end, over adjacency arrays (forward and reverse) built once per
//!   graph (see [`Graph::prepare`]).
//! - [`find_multipath`]: when no single route carries the amount, the
//!   cheapest route that carries the rest, else the cheapest route with any
//!   capacity left, filled to its bottleneck; capacities are used up as
//!   routes are taken (seed 003 §5.3), until the amount is covered or no
//!   route is left (then the shortfall is reported, nothing is half-taken).
//! - [`find_path_reference`], [`find_multipath_reference`]: the previous
//!   implementation (Dijkstra over every (member, hops used) state of the
//!   whole graph), kept as the oracle of the tests and the bench's baseline.
//! - [`max_flow`]: Edmonds–Karp maximum flow (no hop limit), the bound no
//!   aggregation can exceed; the property tests check it.
//!
//! Members are dense indices `0..n`; the caller maps accounts to them.
//!
//! ## Why the bidirectional search is exact
//!
//! Costs are non-negative, so cutting a cycle out of a walk never makes it
//! dearer and always makes it shorter: the walk of at most `max_hops` lines
//! that is least by (cost, hops) is a simple path, and it is the route the
//! reference returns. The search keeps, per member and side, the labels
//! (cost, hops) no label with fewer hops and no greater cost dominates,
//! expanding one layer (one more hop) at a time on either side until the
//! two sides' layers add up to `max_hops`. Every walk of at most `max_hops`
//! lines splits into a forward part and a backward part within those depths,
//! so joining, at every member both sides reached, its cheapest forward and
//! cheapest backward label and taking the least (cost, hops) join gives the
//! optimum; that join is itself a walk, and since it is least it is simple
//! (a shared member would leave a cycle to cut). The route is checked to be
//! simple anyway and the reference answers if it ever were not.

use std::cmp::Reverse;
use std::cell::RefCell;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

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
    /// Adjacency arrays for the search, built on first use (or by
    /// [`Graph::prepare`]) and dropped when a line is added.
    index: IndexCell,
}

impl Graph {
    /// A graph of `n` members and no lines.
    pub fn new(n: usize) -> Self {
        Graph { out: vec![Vec::new(); n], index: IndexCell::default() }
    }

    /// Builds the adjacency arrays the search uses (forward and reverse,
    /// O(members + lines)) now rather than on the first query. Adding a line
    /// drops them; the next query builds them again.
    pub fn prepare(&self) {
        let _ = self.index();
    }

    fn index(&self) -> &Index {
        self.index.0.get_or_init(|| Index::build(self))
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
        self.index = IndexCell::default();
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

/// The graph's lines as flat arrays: forward (`u`'s lines, in the order of
/// [`Graph::lines`], so line `li` of `u` is arc `fwd_off[u] + li`) and
/// reverse (the lines into `v`, each naming its forward arc).
#[derive(Clone)]
struct Index {
    fwd_off: Vec<u32>,
    fwd: Vec<FwdArc>,
    rev_off: Vec<u32>,
    rev: Vec<RevArc>,
}

#[derive(Clone, Copy)]
struct FwdArc {
    capacity: Amount,
    to: Node,
    rate_bps: u32,
}

#[derive(Clone, Copy)]
struct RevArc {
    capacity: Amount,
    from: Node,
    rate_bps: u32,
    arc: u32,
}

#[derive(Clone, Default)]
struct IndexCell(OnceLock<Index>);

impl fmt::Debug for IndexCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() { "Index(built)" } else { "Index(not built)" })
    }
}

impl Index {
    fn build(g: &Graph) -> Index {
        let n = g.out.len();
        let m = g.line_count();
        assert!(m < u32::MAX as usize && n < u32::MAX as usize, "too many lines for the router's index");
        let mut fwd_off = Vec::with_capacity(n + 1);
        let mut fwd = Vec::with_capacity(m);
        let mut indeg = vec![0u32; n + 1];
        fwd_off.push(0);
        for ls in &g.out {
            for l in ls {
                fwd.push(FwdArc { capacity: l.capacity, to: l.to, rate_bps: l.rate_bps });
                indeg[l.to as usize + 1] += 1;
            }
            fwd_off.push(fwd.len() as u32);
        }
        // Counting sort of the arcs by head.
        let mut rev_off = indeg;
        for v in 0..n {
            rev_off[v + 1] += rev_off[v];
        }
        let mut next: Vec<u32> = rev_off[..n].to_vec();
        let mut rev = vec![RevArc { capacity: 0, from: 0, rate_bps: 0, arc: 0 }; m];
        for (u, ls) in g.out.iter().enumerate() {
            for (li, l) in ls.iter().enumerate() {
                let slot = &mut next[l.to as usize];
                rev[*slot as usize] = RevArc { capacity: l.capacity, from: u as Node, rate_bps: l.rate_bps, arc: fwd_off[u] + li as u32 };
                *slot += 1;
            }
        }
        Index { fwd_off, fwd, rev_off, rev }
    }

    fn out_arcs(&self, u: Node) -> std::ops::Range<usize> {
        self.fwd_off[u as usize] as usize..self.fwd_off[u as usize + 1] as usize
    }

    fn in_arcs(&self, v: Node) -> std::ops::Range<usize> {
        self.rev_off[v as usize] as usize..self.rev_off[v as usize + 1] as usize
    }
}

/// A hasher for member and arc indices (a multiply-fold; the keys are dense
/// integers, not adversarial input).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_u64(&mut self, x: u64) {
        let p = u128::from(x ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

type IdMap<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;

const NO_PARENT: u32 = u32::MAX;

/// A search state: the cheapest known walk of `hops` lines between an end
/// and `node` (from the creditor on the forward side, to the borrower on the
/// backward side); `arc` is its line at `node`'s side, `parent` the label
/// one hop nearer the end.
#[derive(Clone, Copy)]
struct Label {
    cost: u64,
    node: Node,
    hops: u32,
    parent: u32,
    arc: u32,
}

/// Per member, the index of a side's cheapest label, in an array reused
/// across queries on a thread: a slot holds a label of this query only if
/// its stamp is this query's.
#[derive(Default)]
struct Marks {
    stamp: u32,
    slots: Vec<(u32, u32)>,
}

impl Marks {
    fn reset(&mut self, n: usize) {
        if self.slots.len() < n {
            self.slots.resize(n, (0, 0));
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.slots.iter_mut().for_each(|slot| slot.0 = 0);
            self.stamp = 1;
        }
    }

    #[inline]
    fn get(&self, v: Node) -> Option<u32> {
        let (stamp, at) = self.slots[v as usize];
        (stamp == self.stamp).then_some(at)
    }

    #[inline]
    fn set(&mut self, v: Node, at: u32) {
        self.slots[v as usize] = (self.stamp, at);
    }
}

/// One side of the search: its labels by layer and, per member, its
/// cheapest label (the non-dominated labels of a member have strictly
/// falling costs as hops grow, so the last one kept is the cheapest).
#[derive(Default)]
struct Side {
    labels: Vec<Label>,
    best: Marks,
    /// Labels of the last layer: `layer_start..labels.len()`.
    layer_start: usize,
    /// Arcs the next layer would scan (its frontier's degrees).
    work: usize,
    depth: usize,
}

thread_local! {
    /// Sides of finished searches, kept for their buffers.
    static SIDES: RefCell<Vec<Side>> = const { RefCell::new(Vec::new()) };
}

impl Side {
    /// A side holding only its end, `root`, on a graph of `n` members.
    fn take(root: Node, work: usize, n: usize) -> Side {
        let mut side = SIDES.with(|pool| pool.borrow_mut().pop()).unwrap_or_default();
        side.labels.clear();
        side.best.reset(n);
        side.labels.push(Label { cost: 0, node: root, hops: 0, parent: NO_PARENT, arc: NO_PARENT });
        side.best.set(root, 0);
        side.layer_start = 0;
        side.work = work;
        side.depth = 0;
        side
    }

    fn give_back(self) {
        SIDES.with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < 2 {
                pool.push(self);
            }
        });
    }

    fn done(&self) -> bool {
        self.layer_start == self.labels.len()
    }

    /// Keeps `label` if no label of its member with fewer or as many hops
    /// costs as little; the labels from `new_layer` on are the layer being
    /// built. Returns where it was kept.
    fn relax(&mut self, label: Label, new_layer: usize) -> Option<u32> {
        match self.best.get(label.node) {
            Some(at) => {
                if self.labels[at as usize].cost <= label.cost {
                    return None;
                }
                if at as usize >= new_layer {
                    self.labels[at as usize] = label;
                    Some(at)
                } else {
                    let at = self.labels.len() as u32;
                    self.best.set(label.node, at);
                    self.labels.push(label);
                    Some(at)
                }
            }
            None => {
                let at = self.labels.len() as u32;
                self.best.set(label.node, at);
                self.labels.push(label);
                Some(at)
            }
        }
    }
}

/// The exact bidirectional hop-limited search: the least (cost, hops) route
/// from `s` to `d` of at most `p.max_hops` lines whose every line has at
/// least `max(min_cap, 1)` left, where `cap(arc, capacity)` gives what is
/// left on a line.
fn bidirectional<F: Fn(u32, Amount) -> Amount>(g: &Graph, s: Node, d: Node, min_cap: Amount, p: &Params, cap: &F) -> Option<Route> {
    let ix = g.index();
    let mut fw = Side::take(s, ix.out_arcs(s).len(), g.len());
    let mut bw = Side::take(d, ix.in_arcs(d).len(), g.len());
    let route = search(g, ix, &mut fw, &mut bw, s, d, min_cap, p, cap);
    fw.give_back();
    bw.give_back();
    route
}

#[allow(clippy::too_many_arguments)]
fn search<F: Fn(u32, Amount) -> Amount>(g: &Graph, ix: &Index, fw: &mut Side, bw: &mut Side, s: Node, d: Node, min_cap: Amount, p: &Params, cap: &F) -> Option<Route> {
    let need = min_cap.max(1);
    let premium = u64::from(p.hop_premium_bps);
    // The least (cost, hops) join so far: (cost, hops, forward label, backward label).
    let mut best: Option<(u64, u32, u32, u32)> = None;
    // A label that is not below it cannot lead to a better join (the other
    // half adds a non-negative cost and hops).
    let beaten = |best: &Option<(u64, u32, u32, u32)>, c: u64, h: u32| best.is_some_and(|(bc, bh, _, _)| (c, h) >= (bc, bh));
    // Each step adds one layer (one more hop) to the side with the lighter
    // frontier, until the depths add up to the hop limit. Every label kept
    // is joined at once with the other side's cheapest label at its member
    // (both sides' labels only get cheaper, so the pair of final cheapest
    // labels of every member is met when the later of them is kept).
    let mut budget = p.max_hops;
    while budget > 0 && !(fw.done() && bw.done()) {
        budget -= 1;
        let last = budget == 0;
        let forward = bw.done() || (!fw.done() && fw.work <= bw.work);
        let (side, other) = if forward { (&mut *fw, &*bw) } else { (&mut *bw, &*fw) };
        // Routes do not pass through the borrower nor return to the creditor.
        let (own_end, far_end) = if forward { (s, d) } else { (d, s) };
        let (from, to) = (side.layer_start, side.labels.len());
        side.layer_start = to;
        side.depth += 1;
        for i in from..to {
            let l = side.labels[i];
            if l.node == far_end || beaten(&best, l.cost, l.hops) {
                continue;
            }
            let arcs = if forward { ix.out_arcs(l.node) } else { ix.in_arcs(l.node) };
            for a in arcs {
                let (next, arc, rate, capacity) = if forward {
                    let x = &ix.fwd[a];
                    (x.to, a as u32, x.rate_bps, x.capacity)
                } else {
                    let x = &ix.rev[a];
                    (x.from, x.arc, x.rate_bps, x.capacity)
                };
                let (c, h) = (l.cost + u64::from(rate) + premium, l.hops + 1);
                if next == own_end || beaten(&best, c, h) || cap(arc, capacity) < need {
                    continue;
                }
                let label = Label { cost: c, node: next, hops: h, parent: i as u32, arc };
                let at = if last {
                    // The last layer is only joined, never expanded: not kept.
                    None
                } else {
                    match side.relax(label, to) {
                        Some(at) => Some(at),
                        None => continue,
                    }
                };
                let Some(j) = other.best.get(next) else { continue };
                let o = &other.labels[j as usize];
                let key = (c + o.cost, h + o.hops);
                if beaten(&best, key.0, key.1) {
                    continue;
                }
                let at = at.unwrap_or_else(|| {
                    side.labels.push(label);
                    (side.labels.len() - 1) as u32
                });
                best = Some(if forward { (key.0, key.1, at, j) } else { (key.0, key.1, j, at) });
            }
        }
        side.work = side.labels[to..]
            .iter()
            .map(|l| if forward { ix.out_arcs(l.node).len() } else { ix.in_arcs(l.node).len() })
            .sum();
    }
    let (cost, hops, fi, bi) = best?;
    debug_assert!(hops as usize <= p.max_hops);
    // Forward half: creditor → join member; backward half: join member → borrower.
    let mut arcs: Vec<u32> = Vec::with_capacity(hops as usize);
    let mut k = fi;
    while fw.labels[k as usize].parent != NO_PARENT {
        arcs.push(fw.labels[k as usize].arc);
        k = fw.labels[k as usize].parent;
    }
    arcs.reverse();
    let mut k = bi;
    while bw.labels[k as usize].parent != NO_PARENT {
        arcs.push(bw.labels[k as usize].arc);
        k = bw.labels[k as usize].parent;
    }
    let mut nodes = Vec::with_capacity(arcs.len() + 1);
    let mut lines = Vec::with_capacity(arcs.len());
    let mut capacity = Amount::MAX;
    nodes.push(s);
    for &a in &arcs {
        let u = *nodes.last().expect("the route starts at the creditor");
        debug_assert!(ix.out_arcs(u).contains(&(a as usize)));
        let li = (a - ix.fwd_off[u as usize]) as usize;
        nodes.push(ix.fwd[a as usize].to);
        lines.push(li);
        capacity = capacity.min(cap(a, ix.fwd[a as usize].capacity));
    }
    debug_assert!(capacity >= need, "a route's lines carry what was asked");
    let route = Route { nodes, lines, amount: 0, capacity, cost_bps: cost };
    if is_simple(&route.nodes) {
        return Some(route);
    }
    // Unreachable (see the module's notes); the reference answers if it were not.
    debug_assert!(false, "bidirectional search joined a non-simple walk: {:?}", route.nodes);
    let res: Residual = (0..g.len() as Node).map(|u| ix.out_arcs(u).map(|a| cap(a as u32, ix.fwd[a].capacity)).collect()).collect();
    cheapest(g, &res, s, d, min_cap, p)
}

fn is_simple(nodes: &[Node]) -> bool {
    nodes.iter().enumerate().all(|(i, v)| !nodes[i + 1..].contains(v))
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
/// the hop limit, if any (the exact bidirectional search; the first query
/// on a graph builds its adjacency arrays, see [`Graph::prepare`]).
///
/// # Errors
/// [`RouteError::BadEndpoints`], [`RouteError::ZeroAmount`],
/// [`RouteError::Shortfall`] (with `routable: 0`) when no single route can
/// carry the amount.
pub fn find_path(g: &Graph, s: Node, d: Node, amount: Amount, p: &Params) -> Result<Route, RouteError> {
    check_endpoints(g, s, d, amount)?;
    let mut r = bidirectional(g, s, d, amount, p, &|_, c| c).ok_or(RouteError::Shortfall { routable: 0 })?;
    r.amount = amount;
    Ok(r)
}

/// [`find_path`] as it was: Dijkstra over every (member, hops used) state of
/// the whole graph. Same cost and hops as [`find_path`] (routes may differ
/// between equally cheap ones); the tests' oracle and the bench's baseline.
///
/// # Errors
/// As [`find_path`].
pub fn find_path_reference(g: &Graph, s: Node, d: Node, amount: Amount, p: &Params) -> Result<Route, RouteError> {
    check_endpoints(g, s, d, amount)?;
    let res = residual_of(g);
    let mut r = cheapest(g, &res, s, d, amount, p).ok_or(RouteError::Shortfall { routable: 0 })?;
    r.amount = amount;
    Ok(r)
}

/// Routes `amount` over as few, cheap routes as it takes (seed 003 §5.3),
/// each found by the bidirectional search on what the earlier ones left.
///
/// # Errors
/// [`RouteError::BadEndpoints`], [`RouteError::ZeroAmount`], or
/// [`RouteError::Shortfall`] with what could be routed.
pub fn find_multipath(g: &Graph, s: Node, d: Node, amount: Amount, p: &Params) -> Result<Vec<Route>, RouteError> {
    check_endpoints(g, s, d, amount)?;
    // What the routes taken so far use, per forward arc.
    let mut used: IdMap<Amount> = IdMap::default();
    let mut left = amount;
    let mut routes = Vec::new();
    while left > 0 {
        let route = {
            let cap = |a: u32, c: Amount| c - used.get(&a).copied().unwrap_or(0);
            bidirectional(g, s, d, left, p, &cap).or_else(|| bidirectional(g, s, d, 1, p, &cap))
        };
        let Some(mut r) = route else {
            return Err(RouteError::Shortfall { routable: amount - left });
        };
        let take = r.capacity.min(left);
        let ix = g.index();
        for (i, li) in r.lines.iter().enumerate() {
            let a = ix.fwd_off[r.nodes[i] as usize] + *li as u32;
            *used.entry(a).or_default() += take;
        }
        r.amount = take;
        left -= take;
        routes.push(r);
    }
    Ok(routes)
}

/// [`find_multipath`] as it was, over [`find_path_reference`]'s search.
///
/// # Errors
/// As [`find_multipath`].
pub fn find_multipath_reference(g: &Graph, s: Node, d: Node, amount: Amount, p: &Params) -> Result<Vec<Route>, RouteError> {
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
