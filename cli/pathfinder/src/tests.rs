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

// ---- The bidirectional search against the reference and brute force ----

/// Small graphs with many ties: rates drawn from a few values (zero among
/// them), capacities from zero up, parallel lines and self-loops allowed.
fn tie_graph() -> impl Strategy<Value = (Graph, Node, Node)> {
    (2usize..10)
        .prop_flat_map(|n| {
            let rate = prop_oneof![0u32..2_000, prop::sample::select(vec![0u32, 1, 2, 100])];
            let edge = (0..n as u32, 0..n as u32, 0u128..200, rate);
            (Just(n), proptest::collection::vec(edge, 0..45), 0..n as u32, 0..n as u32)
        })
        .prop_map(|(n, edges, s, d)| {
            let mut g = Graph::new(n);
            for (a, b, c, r) in edges {
                g.add_line(a, b, c, r);
            }
            (g, s, d)
        })
}

/// Sparse graphs of up to 150 members where routes are long and the hop
/// limit binds, with a few query pairs each.
fn medium_graph() -> impl Strategy<Value = (Graph, Vec<(Node, Node)>)> {
    (10usize..150)
        .prop_flat_map(|n| {
            let edge = (0..n as u32, 0..n as u32, 1u128..100, prop_oneof![0u32..1_500, Just(0u32)]);
            let pairs = proptest::collection::vec((0..n as u32, 0..n as u32), 1..8);
            (Just(n), proptest::collection::vec(edge, n..n * 4), pairs)
        })
        .prop_map(|(n, edges, pairs)| {
            let mut g = Graph::new(n);
            for (a, b, c, r) in edges {
                if a != b {
                    g.add_line(a, b, c, r);
                }
            }
            (g, pairs.into_iter().filter(|(s, d)| s != d).collect())
        })
}

/// `find_path` and `find_path_reference` agree on (cost, hops) and on
/// whether a route exists, with brute force when `brute` is set.
fn agree(g: &Graph, s: Node, d: Node, amount: Amount, params: &Params, brute: bool) -> Result<(), TestCaseError> {
    let new = find_path(g, s, d, amount, params);
    let old = find_path_reference(g, s, d, amount, params);
    let key = |r: &Result<Route, RouteError>| r.as_ref().map(|r| (r.cost_bps, r.hops())).map_err(Clone::clone);
    prop_assert_eq!(key(&new), key(&old), "s {} d {} amount {} {:?}", s, d, amount, params);
    if brute {
        let best = brute_force(g, s, d, amount, params.max_hops, params.hop_premium_bps);
        prop_assert_eq!(key(&new).ok(), best);
    }
    if let Ok(r) = &new {
        check_route(g, r, s, d, params);
        prop_assert_eq!(r.amount, amount);
        prop_assert!(r.capacity >= amount);
        let least = r.lines.iter().enumerate().map(|(i, li)| g.lines(r.nodes[i])[*li].capacity).min().unwrap();
        prop_assert_eq!(r.capacity, least);
    } else {
        prop_assert_eq!(new.unwrap_err(), RouteError::Shortfall { routable: 0 });
    }
    Ok(())
}

/// A chain 0 → 1 → … → 9 of good lines, every shortcut u → v (v > u + 1)
/// too small for the amount: the only route to k has k lines.
fn chain_with_small_shortcuts() -> Graph {
    let mut g = Graph::new(10);
    for u in 0..10u32 {
        for v in u + 1..10 {
            if v == u + 1 {
                g.add_line(u, v, 100, 300);
            } else {
                g.add_line(u, v, 9, 0);
            }
        }
    }
    g
}

#[test]
fn routes_of_every_length_are_found_for_every_hop_limit() {
    for premium in [0, 100] {
        let g = chain_with_small_shortcuts();
        for max_hops in 0..=10 {
            let params = Params { max_hops, hop_premium_bps: premium };
            for k in 1..10u32 {
                let r = find_path(&g, 0, k, 10, &params);
                let old = find_path_reference(&g, 0, k, 10, &params);
                if k as usize <= max_hops {
                    let r = r.unwrap();
                    assert_eq!(r.nodes, (0..=k).collect::<Vec<_>>(), "max_hops {max_hops}");
                    assert_eq!(r.cost_bps, u64::from(k) * (300 + u64::from(premium)));
                    assert_eq!(old.unwrap().cost_bps, r.cost_bps);
                } else {
                    assert_eq!(r, Err(RouteError::Shortfall { routable: 0 }), "k {k} max_hops {max_hops}");
                    assert_eq!(old, Err(RouteError::Shortfall { routable: 0 }));
                }
                // The small shortcuts carry 9: the direct line.
                let r = find_path(&g, 0, k, 9, &params);
                if max_hops >= 1 {
                    assert_eq!(r.unwrap().hops(), 1, "the direct line carries 9");
                } else {
                    assert!(r.is_err());
                }
            }
            // Backwards along the chain: nothing.
            assert!(find_path(&g, 5, 2, 1, &params).is_err());
        }
    }
}

#[test]
fn free_cycles_do_not_make_routes_revisit_members() {
    // Everything is free (no premium, zero rates): the route is the one
    // with fewest lines, and the two halves' cheapest walks both go
    // through member 1 (0 → 1 → 2 → 1 → 3 would join at 2).
    let mut g = Graph::new(6);
    for (a, b) in [(0, 1), (1, 2), (2, 1), (1, 3), (2, 3), (3, 4), (4, 1), (1, 5), (3, 5)] {
        g.add_line(a, b, 50, 0);
    }
    let params = Params { max_hops: 6, hop_premium_bps: 0 };
    for d in 1..6 {
        let r = find_path(&g, 0, d, 10, &params).unwrap();
        check_route(&g, &r, 0, d, &params);
        assert_eq!(r.cost_bps, 0);
        assert_eq!(r.hops(), brute_force(&g, 0, d, 10, 6, 0).unwrap().1);
    }
    // A dear line out of the join member's cheap detour: the cheapest walk
    // 0 → 1 → 2 → 1 → 3 is not a route; 0 → 1 → 3 is.
    let mut g = Graph::new(4);
    g.add_line(0, 1, 50, 10);
    g.add_line(1, 2, 50, 0);
    g.add_line(2, 1, 50, 0);
    g.add_line(1, 3, 50, 10);
    g.add_line(2, 3, 50, 500);
    let r = find_path(&g, 0, 3, 10, &params).unwrap();
    assert_eq!((r.nodes, r.cost_bps), (vec![0, 1, 3], 20));
}

#[test]
fn the_index_follows_added_lines() {
    let mut g = Graph::new(3);
    g.add_line(0, 1, 100, 500);
    g.add_line(1, 2, 100, 500);
    g.prepare();
    assert_eq!(find_path(&g, 0, 2, 10, &p()).unwrap().cost_bps, 1_200);
    let before = g.clone();
    g.add_line(0, 2, 100, 50);
    assert_eq!(find_path(&g, 0, 2, 10, &p()).unwrap().nodes, vec![0, 2]);
    assert_eq!(find_path(&before, 0, 2, 10, &p()).unwrap().nodes, vec![0, 1, 2]);
    // Members added by a line are searchable.
    g.add_line(2, 7, 100, 0);
    assert_eq!(find_path(&g, 0, 7, 10, &p()).unwrap().nodes, vec![0, 2, 7]);
    assert_eq!(find_path(&g, 7, 0, 10, &p()), Err(RouteError::Shortfall { routable: 0 }));
}

#[test]
fn agrees_with_the_reference_on_a_pilot_sized_graph() {
    use rand::{rngs::SmallRng, Rng, SeedableRng};
    let mut rng = SmallRng::seed_from_u64(19);
    let n = 3_000u32;
    let mut g = Graph::new(n as usize);
    for _ in 0..(n as usize * 124 / 10) {
        let (a, b) = (rng.gen_range(0..n), rng.gen_range(0..n));
        if a != b {
            g.add_line(a, b, rng.gen_range(10..1_000u128), rng.gen_range(100..1_500u32));
        }
    }
    let mut found = 0;
    for q in 0..300 {
        let (s, d) = (rng.gen_range(0..n), rng.gen_range(0..n));
        if s == d {
            continue;
        }
        let amount = if q % 3 == 0 { 950 } else { 45 };
        let params = Params { max_hops: [6, 6, 3, 4, 5][q % 5], hop_premium_bps: 100 };
        agree(&g, s, d, amount, &params, false).unwrap();
        found += usize::from(find_path(&g, s, d, amount, &params).is_ok());
    }
    assert!(found > 100, "{found}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    /// On small graphs with ties, zero costs, zero capacities, parallel
    /// lines and every hop limit from 0 to 8 (binding or not): the same
    /// (cost, hops) as the reference and as brute force, and a valid route.
    #[test]
    fn bidirectional_matches_reference_and_brute_force((g, s, d) in tie_graph(), amount in 1u128..150, hops in 0usize..9, premium in prop_oneof![Just(0u32), 0u32..200]) {
        prop_assume!(s != d);
        agree(&g, s, d, amount, &Params { max_hops: hops, hop_premium_bps: premium }, true)?;
    }

    /// Aggregation over the new search: every route is, when it is taken, as
    /// cheap (and as short) as the reference's cheapest on what the earlier
    /// routes left, and carries what its bottleneck allows; the routes cover
    /// the amount, or the reference finds no route either on what is left
    /// and the shortfall is what was taken.
    #[test]
    fn multipath_takes_the_reference_cheapest_at_every_step((g, s, d) in tie_graph(), amount in 1u128..400, hops in 1usize..8, premium in 0u32..200) {
        prop_assume!(s != d);
        let params = Params { max_hops: hops, hop_premium_bps: premium };
        let result = find_multipath(&g, s, d, amount, &params);
        let off = g.index().fwd_off.clone();
        let mut res = residual_of(&g);
        let mut left = amount;
        let mut taken = Vec::new();
        while left > 0 {
            let r = {
                let cap = |a: u32, _| {
                    let u = off.partition_point(|&o| o <= a) - 1;
                    res[u][(a - off[u]) as usize]
                };
                bidirectional(&g, s, d, left, &params, &cap).or_else(|| bidirectional(&g, s, d, 1, &params, &cap))
            };
            let want = cheapest(&g, &res, s, d, left, &params).or_else(|| cheapest(&g, &res, s, d, 1, &params));
            let Some(mut r) = r else {
                prop_assert!(want.is_none(), "the reference still finds {:?}", want);
                break;
            };
            let want = want.unwrap();
            prop_assert_eq!((r.cost_bps, r.hops()), (want.cost_bps, want.hops()));
            let bottleneck = r.lines.iter().enumerate().map(|(i, li)| res[r.nodes[i] as usize][*li]).min().unwrap();
            prop_assert_eq!(r.capacity, bottleneck);
            r.amount = bottleneck.min(left);
            for (i, li) in r.lines.iter().enumerate() {
                res[r.nodes[i] as usize][*li] -= r.amount;
            }
            left -= r.amount;
            taken.push(r);
        }
        for r in &taken {
            check_route(&g, r, s, d, &params);
        }
        if left == 0 {
            prop_assert_eq!(result, Ok(taken));
        } else {
            prop_assert_eq!(result, Err(RouteError::Shortfall { routable: amount - left }));
            prop_assert!(amount - left <= max_flow(&g, s, d));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Larger sparse graphs with zero rates among others, where routes need
    /// most of the hop limit and capacities force detours: the same (cost,
    /// hops) as the reference and brute force at hop limits 1..=8.
    #[test]
    fn bidirectional_matches_on_medium_graphs((g, pairs) in medium_graph(), amount in 1u128..90, hops in 1usize..9, premium in prop_oneof![Just(0u32), 0u32..300]) {
        let params = Params { max_hops: hops, hop_premium_bps: premium };
        for (s, d) in pairs {
            agree(&g, s, d, amount, &params, hops <= 6)?;
        }
    }
}
