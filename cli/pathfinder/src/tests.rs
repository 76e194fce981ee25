//! The router against brute force on small graphs, and its guarantees on
//! random ones: a returned route has the capacity, is simple and within the
//! hop limit; aggregated routes never use a line past its capacity nor exceed
//! the maximum flow; a shortfall is reported only when routes run out.

use super::*;
use proptest::prelude::*;

fn p() -> Params {
    Params::default()
}

/// Every simple path s → d of at most `max_hops` lines whose lines all carry `amount`: (cost, hops).
fn brute_force(g: &Graph, s: Node, d: Node, amount: Amount, max_hops: usize, premium: u32) -> Option<(u64, usize)> {
    fn go(g: &Graph, u: Node, d: Node, amount: Amount, left: usize, premium: u32, seen: &mut Vec<Node>, cost: u64, best: &mut Option<(u64, usize)>) {
        if u == d {
            let cand = (cost, seen.len() - 1);
            if best.map_or(true, |b| cand < b) {
                *best = Some(cand);
            }
            return;
        }
        if left == 0 {
            return;
        }
        for l in g.lines(u) {
            if l.capacity >= amount && l.capacity > 0 && !seen.contains(&l.to) {
                seen.push(l.to);
                go(g, l.to, d, amount, left - 1, premium, seen, cost + u64::from(l.rate_bps) + u64::from(premium), best);
                seen.pop();
            }
        }
    }
    let mut best = None;
    go(g, s, d, amount, max_hops, premium, &mut vec![s], 0, &mut best);
    best
}

fn check_route(g: &Graph, r: &Route, s: Node, d: Node, params: &Params) {
    assert_eq!(r.nodes.first(), Some(&s));
    assert_eq!(r.nodes.last(), Some(&d));
    assert_eq!(r.nodes.len(), r.lines.len() + 1);
    assert!(r.hops() <= params.max_hops, "{} hops", r.hops());
    let mut seen = r.nodes.clone();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), r.nodes.len(), "not a simple path: {:?}", r.nodes);
    let mut cost = 0u64;
    for (i, li) in r.lines.iter().enumerate() {
        let l = g.lines(r.nodes[i])[*li];
        assert_eq!(l.to, r.nodes[i + 1]);
        cost += u64::from(l.rate_bps) + u64::from(params.hop_premium_bps);
    }
    assert_eq!(cost, r.cost_bps);
    assert!(r.amount <= r.capacity);
}

#[test]
fn cheapest_route_is_rate_plus_hop_premium() {
    // 0 → 1 → 3 at 2 % + 2 % (+ 2 × 1 % premium) = 600 bps beats 0 → 3 at 7 % (+1 %) = 800
    // and 0 → 2 → 3 at 1 % + 5 % (+2 %) = 800 (cheaper first hop, dearer route).
    let mut g = Graph::new(4);
    g.add_line(0, 3, 1_000, 700);
    g.add_line(0, 1, 1_000, 200);
    g.add_line(1, 3, 1_000, 200);
    g.add_line(0, 2, 1_000, 100);
    g.add_line(2, 3, 1_000, 500);
    let r = find_path(&g, 0, 3, 500, &p()).unwrap();
    assert_eq!(r.nodes, vec![0, 1, 3]);
    assert_eq!(r.cost_bps, 600);
    assert_eq!(r.amount, 500);
    // Too much for the cheap route's lines: only the direct one carries 1,000… and it does.
    let mut g2 = g.clone();
    g2.add_line(1, 3, 0, 0);
    assert_eq!(find_path(&g2, 0, 3, 1_000, &p()).unwrap().nodes, vec![0, 1, 3]);
    assert_eq!(find_path(&g, 0, 3, 1_001, &p()), Err(RouteError::Shortfall { routable: 0 }));
}

#[test]
fn the_hop_limit_is_exact() {
    // A chain 0 → 1 → … → 7: 7 hops, one more than MAX_HOPS.
    let mut g = Graph::new(8);
    for i in 0..7 {
        g.add_line(i, i + 1, 100, 100);
    }
    assert_eq!(find_path(&g, 0, 6, 10, &p()).unwrap().hops(), 6);
    assert_eq!(find_path(&g, 0, 7, 10, &p()), Err(RouteError::Shortfall { routable: 0 }));
    let p7 = Params { max_hops: 7, ..p() };
    assert_eq!(find_path(&g, 0, 7, 10, &p7).unwrap().hops(), 7);
    // A free detour of 9 hops loses to a dear direct line within the limit.
    let mut g = Graph::new(10);
    g.add_line(0, 9, 100, 5_000);
    for i in 0..9 {
        g.add_line(i, i + 1, 100, 0);
    }
    let r = find_path(&g, 0, 9, 10, &Params { max_hops: 6, hop_premium_bps: 0 }).unwrap();
    assert_eq!((r.nodes, r.cost_bps), (vec![0, 9], 5_000));
    let r = find_path(&g, 0, 9, 10, &Params { max_hops: 9, hop_premium_bps: 0 }).unwrap();
    assert_eq!((r.hops(), r.cost_bps), (9, 0));
}

#[test]
fn aggregation_splits_over_routes_until_the_amount_is_covered() {
    // Two disjoint two-hop routes of 60 and 50, and a dear direct line of 30.
    let mut g = Graph::new(4);
    g.add_line(0, 1, 60, 100);
    g.add_line(1, 3, 60, 100);
    g.add_line(0, 2, 50, 200);
    g.add_line(2, 3, 50, 200);
    g.add_line(0, 3, 30, 2_000);
    let routes = find_multipath(&g, 0, 3, 130, &p()).unwrap();
    let amounts: Vec<Amount> = routes.iter().map(|r| r.amount).collect();
    assert_eq!(amounts, vec![60, 50, 20]);
    assert_eq!(routes[0].nodes, vec![0, 1, 3]);
    assert_eq!(routes[2].nodes, vec![0, 3]);
    assert_eq!(find_multipath(&g, 0, 3, 141, &p()), Err(RouteError::Shortfall { routable: 140 }));
    assert_eq!(max_flow(&g, 0, 3), 140);
    // One route that carries everything is preferred to cheaper partial ones.
    assert_eq!(find_multipath(&g, 0, 3, 55, &p()).unwrap().len(), 1);
}

#[test]
fn bad_requests_are_refused() {
    let g = Graph::new(3);
    assert_eq!(find_path(&g, 1, 1, 5, &p()), Err(RouteError::BadEndpoints));
    assert_eq!(find_path(&g, 0, 9, 5, &p()), Err(RouteError::BadEndpoints));
    assert_eq!(find_multipath(&g, 0, 1, 0, &p()), Err(RouteError::ZeroAmount));
    assert_eq!(find_multipath(&g, 0, 1, 5, &p()), Err(RouteError::Shortfall { routable: 0 }));
}

fn graph() -> impl Strategy<Value = (Graph, Node, Node)> {
    (3usize..10)
        .prop_flat_map(|n| {
            let edge = (0..n as u32, 0..n as u32, 0u128..200, 0u32..2_000);
            (Just(n), proptest::collection::vec(edge, 0..40), 0..n as u32, 0..n as u32)
        })
        .prop_map(|(n, edges, s, d)| {
            let mut g = Graph::new(n);
            for (a, b, c, r) in edges {
                if a != b {
                    g.add_line(a, b, c, r);
                }
            }
            (g, s, d)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// A single route exists exactly when brute force finds one; it has the
    /// capacity, respects the hop limit, is simple and as cheap (then as
    /// short) as the best one brute force finds.
    #[test]
    fn find_path_matches_brute_force((g, s, d) in graph(), amount in 1u128..150, hops in 1usize..5, premium in 0u32..200) {
        prop_assume!(s != d);
        let params = Params { max_hops: hops, hop_premium_bps: premium };
        let best = brute_force(&g, s, d, amount, hops, premium);
        match find_path(&g, s, d, amount, &params) {
            Ok(r) => {
                check_route(&g, &r, s, d, &params);
                prop_assert!(r.capacity >= amount);
                prop_assert_eq!(Some((r.cost_bps, r.hops())), best);
            }
            Err(e) => {
                prop_assert_eq!(e, RouteError::Shortfall { routable: 0 });
                prop_assert_eq!(best, None);
            }
        }
    }

    /// Aggregated routes never use a line past its capacity, never carry
    /// more than the maximum flow, and cover the amount or report exactly
    /// what they could route.
    #[test]
    fn multipath_respects_capacities_and_max_flow((g, s, d) in graph(), amount in 1u128..500) {
        prop_assume!(s != d);
        let params = p();
        let flow = max_flow(&g, s, d);
        let (routes, routed) = match find_multipath(&g, s, d, amount, &params) {
            Ok(rs) => {
                let total: Amount = rs.iter().map(|r| r.amount).sum();
                prop_assert_eq!(total, amount);
                (rs, total)
            }
            Err(RouteError::Shortfall { routable }) => {
                prop_assert!(routable < amount);
                (Vec::new(), routable)
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}"))),
        };
        prop_assert!(routed <= flow, "routed {} > max flow {}", routed, flow);
        let mut used: Vec<Vec<Amount>> = (0..g.len() as u32).map(|u| vec![0; g.lines(u).len()]).collect();
        for r in &routes {
            check_route(&g, r, s, d, &params);
            prop_assert!(r.amount > 0);
            for (i, li) in r.lines.iter().enumerate() {
                used[r.nodes[i] as usize][*li] += r.amount;
            }
        }
        for u in 0..g.len() as u32 {
            for (li, l) in g.lines(u).iter().enumerate() {
                prop_assert!(used[u as usize][li] <= l.capacity);
            }
        }
    }
}
