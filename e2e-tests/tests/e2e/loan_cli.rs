//! `dcu loan` against a real node and a suite deployed by `dcu deploy`: a
//! 3-hop loan found by `--auto-route`, warrants locked by the intermediaries'
//! standing policies (`dcu warrant policy`), a dry run naming the bound of
//! the creditor's approval policy (`dcu loan policy`) it misses, approved
//! by that policy, disbursed and repaid with `repay all`; loans the creditor
//! approves by hand; a warrant accepted by hand with `dcu loan accept`; a
//! request cancelled with its warrants returned; and each subcommand's
//! refusal in one sentence.

use dcu_e2e_tests::cli::setup;
use dcu_e2e_tests::{TestResult, ONE};

#[tokio::test]
async fn a_member_borrows_over_three_hops_through_dcu_loan() -> TestResult {
    let (_node, dcu) = setup().await;
    dcu.json("//Alice", &["deploy"]);
    for m in ["//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie"] {
        dcu.json(m, &["member", "register"]);
    }
    // On the local fast clock a request expires 7 s after it is made; the
    // story below takes several commands between a request and its
    // disbursement, which a loaded machine may not fit into 7 s. So the
    // members first vote the expiry up to 60 (fast) days — a one-minute vote
    // that runs while the refusals below are checked — instead of racing it.
    dcu.json("//Alice", &["trust", "verify", "//Alice"]);
    let vote = std::time::Instant::now();
    dcu.json("//Alice", &["gov", "propose", "--title", "requests last 60 days", "loan-params", "request_expiry=60d"]);
    dcu.json("//Alice", &["gov", "vote", "0", "for", "1"]);
    for m in ["//Bob", "//Charlie", "//Dave", "//Eve"] {
        dcu.json(m, &["token", "faucet"]);
    }
    for (from, to, w) in [("//Alice", "//Bob", "500"), ("//Bob", "//Charlie", "500"), ("//Charlie", "//Dave", "800"), ("//Alice", "//Dave", "800"), ("//Bob", "//Dave", "800"), ("//Eve", "//Dave", "800"), ("//Ferdie", "//Dave", "800")] {
        // Dave's TS: (5 · 800 + 0.3 · 500) / 8,000 ≈ 0.52, so Bob's trust-tier policy accepts from 6 %.
        dcu.json(from, &["trust", "set", to, w]);
    }
    // Bob and Charlie keep 100 of own capital beside their 300 lines, so
    // that their trust keeps counting (SPEC §2, v2).
    for (who, stake, to, rate) in [("//Alice", "500", "//Bob", "4"), ("//Bob", "400", "//Charlie", "5"), ("//Charlie", "400", "//Dave", "5")] {
        dcu.json(who, &["pool", "stake", stake]);
        dcu.json(who, &["pool", "extend", to, "300", "--rate", rate]);
    }
    dcu.json("//Bob", &["warrant", "policy", "tier", "--allowance", "1000"]);
    dcu.json("//Charlie", &["warrant", "policy", "4%", "--allowance", "1000"]);
    // Alice, a founding verifier, verifies Dave: his CF, and so his capacity
    // C(v) (which bounds his term-loan principal), covers the loans below.
    dcu.json("//Alice", &["trust", "verify", "//Dave"]);

    // Refusals before anything is sent.
    let req = ["loan", "request", "100", "--purpose", "community", "--term", "300d", "--auto-route", "--from", "//Alice"];
    dcu.fails("//Dave", &["loan", "request", "100", "--purpose", "holiday", "--term", "30", "--path", "//Charlie,//Dave"], "not a purpose");
    dcu.fails("//Dave", &["loan", "request", "100", "--purpose", "community", "--term", "0d", "--path", "//Charlie,//Dave"], "not a term");
    dcu.fails("//Dave", &["loan", "request", "100", "--purpose", "community", "--term", "30"], "--auto-route");
    dcu.fails("//Dave", &["loan", "request", "100", "--purpose", "community", "--term", "30", "--path", "//Dave,//Charlie"], "ends with the borrower");
    dcu.fails("//Dave", &["loan", "request", "100000", "--purpose", "community", "--term", "30", "--auto-route", "--from", "//Alice"], "can reach");
    dcu.fails("//Dave", &["loan", "request", "100", "--purpose", "community", "--term", "30", "--path", "//Alice,//Charlie,//Dave"], "NoLine");

    // A dry run shows the route, the rate, the warrants, Dave's capacity and
    // that Alice, without an approval policy, must approve by hand.
    let mut dry = req.to_vec();
    dry.push("--dry-run");
    let q = dcu.json("//Dave", &dry);
    assert_eq!(q["requested"], false, "{q}");
    assert_eq!(q["loans"][0]["path"].as_array().unwrap().len(), 4, "Alice → Bob → Charlie → Dave: {q}");
    assert_eq!(q["loans"][0]["warrant_each"].as_u64(), Some(40 * ONE as u64));
    assert!(q["loans"][0]["borrower_capacity"].as_u64().unwrap() >= 100 * ONE as u64, "C(Dave) covers the loan: {q}");
    assert_eq!((q["loans"][0]["approval"].as_str(), q["loans"][0]["policy_met"].as_bool()), (Some("NoPolicy"), Some(false)), "{q}");

    // Alice's standing approval policy: a dry run names the one bound the loan misses, in one sentence.
    dcu.fails("//Alice", &["loan", "policy", "--min-score", "0", "--max-amount", "500"], "missing --max-term, --min-rate");
    dcu.fails("//Alice", &["loan", "policy", "--min-score", "101", "--max-amount", "500", "--max-term", "90d", "--min-rate", "1%"], "0 to 100");
    let set = dcu.json("//Alice", &["loan", "policy", "--min-score", "0", "--max-amount", "500", "--max-term", "90d", "--min-rate", "5%"]);
    assert!(set["summary"].as_str().unwrap().contains("term ≤ 90 days"), "{set}");
    let shown = dcu.json("//Bob", &["loan", "policy", "show", "//Alice"]);
    assert_eq!(shown["policy"]["max_term_days"], 90, "{shown}");
    let q = dcu.json("//Dave", &dry);
    assert_eq!(q["loans"][0]["approval"], "TermAbove", "300 days > 90: {q}");
    let human = String::from_utf8_lossy(&dcu.run("//Dave", &dry).stdout).to_string();
    assert!(human.contains("300 days are longer than the 90 days the creditor's policy allows, so the creditor must approve it"), "{human}");
    dcu.json("//Alice", &["loan", "policy", "--min-score", "0", "--max-amount", "500", "--max-term", "365d", "--min-rate", "5%"]);
    let q = dcu.json("//Dave", &dry);
    assert_eq!((q["loans"][0]["approval"].as_str(), q["loans"][0]["policy_met"].as_bool()), (Some("PolicyMet"), Some(true)), "{q}");

    // The vote has ended (the chain's clock decides: poll it with a block
    // per look, at most three minutes); anyone queues and executes it.
    let deadline = vote + std::time::Duration::from_secs(240);
    loop {
        dcu.json("//Ferdie", &["token", "approve", "ferdie", "0"]);
        let state = dcu.json("//Alice", &["gov", "show", "0"])["state"].as_str().unwrap_or_default().to_string();
        if state == "Succeeded" {
            break;
        }
        assert!(state == "Active" && std::time::Instant::now() < deadline, "the expiry vote: {state}");
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    dcu.json("//Eve", &["gov", "queue", "0"]);
    dcu.json("//Eve", &["gov", "execute", "0"]);

    // The loan: both warrants lock by policy; Alice's policy approves it at the request.
    let dave0 = dcu.balance("dave");
    let (bob0, charlie0) = (dcu.balance("bob"), dcu.balance("charlie"));
    let r = dcu.json("//Dave", &req);
    assert_eq!(r["loans"][0]["id"], 1, "{r}");
    assert_eq!(r["loans"][0]["state"], "Approved", "{r}");
    assert_eq!(dcu.balance("bob"), bob0 - 40 * ONE);
    let st = dcu.json("//Dave", &["loan", "status", "1"]);
    assert_eq!((st["state"].as_str(), st["approval"].as_str()), (Some("Approved"), Some("PolicyMet")), "{st}");
    // Without a policy, every later loan of Alice's waits for her.
    let removed = dcu.json("//Alice", &["loan", "policy", "--remove"]);
    assert!(removed["summary"].as_str().unwrap().contains("removed"), "{removed}");
    assert!(dcu.json("//Alice", &["loan", "policy", "show"])["policy"].is_null());
    assert_eq!(st["warrant_holders"].as_array().unwrap().len(), 2);
    dcu.fails("//Bob", &["loan", "disburse", "1"], "Unauthorized");
    dcu.json("//Dave", &["loan", "disburse", "1"]);
    assert_eq!(dcu.balance("dave"), dave0 + 100 * ONE);
    let list = dcu.json("//Alice", &["loan", "list", "//Dave"]);
    assert_eq!(list["loans"].as_array().unwrap().len(), 1);
    dcu.fails("//Eve", &["loan", "overdue", "1"], "TooEarly"); // due in 30 days (30 s on the fast clock)
    dcu.fails("//Eve", &["loan", "default", "1"], "WrongState");
    dcu.fails("//Eve", &["loan", "settle", "1"], "TooEarly");
    // The local profile runs loans on the fast clock (a second is a day): some interest is due.
    let paid = dcu.json("//Dave", &["loan", "repay", "1", "all"]);
    assert!(paid["summary"].as_str().unwrap().contains("Closed"), "{paid}");
    let units = u128::from(paid["units"].as_u64().unwrap());
    let interest = units - 100 * ONE;
    assert!(interest > 0 && interest < ONE, "days of interest at ~7.4 % on 100: {interest}");
    assert_eq!(dcu.balance("dave"), dave0 - interest);
    assert_eq!(dcu.json("//Dave", &["loan", "status", "1"])["interest_paid"].as_u64(), Some(interest as u64));
    // Warrants released, with the holders' interest shares on top.
    assert!(dcu.balance("bob") > bob0 && dcu.balance("charlie") > charlie0, "warrants released with interest");
    dcu.fails("//Dave", &["loan", "repay", "1", "1"], "WrongState");
    dcu.fails("//Dave", &["loan", "status", "99"], "no loan #99");

    // A warrant accepted by hand: Bob turns manual; the loan waits for him.
    dcu.json("//Bob", &["warrant", "policy", "manual"]);
    let r = dcu.json("//Dave", &["loan", "request", "20", "--purpose", "productive", "--term", "10", "--path", "//Alice,//Bob,//Charlie,//Dave"]);
    let id = r["loans"][0]["id"].as_u64().unwrap().to_string();
    assert_eq!(r["loans"][0]["state"], "Requested", "{r}");
    dcu.fails("//Dave", &["loan", "disburse", &id], "NeedsCreditorApproval");
    dcu.json("//Alice", &["loan", "approve", &id]);
    dcu.fails("//Dave", &["loan", "disburse", &id], "WarrantsPending");
    dcu.fails("//Eve", &["loan", "accept", &id], "holds no warrant");
    let acc = dcu.json("//Bob", &["loan", "accept", &id]);
    assert!(acc["summary"].as_str().unwrap().contains("2 of 2 warrants locked — the borrower can take the money"), "{acc}");
    dcu.json("//Dave", &["loan", "disburse", &id]);
    dcu.json("//Dave", &["loan", "repay", &id, "all"]);
    assert_eq!(dcu.json("//Dave", &["loan", "status", &id])["state"], "Closed");

    // A request withdrawn: its warrants go back.
    dcu.json("//Bob", &["warrant", "policy", "tier"]);
    let r = dcu.json("//Dave", &["loan", "request", "30", "--purpose", "educational", "--term", "10", "--path", "//Alice,//Bob,//Charlie,//Dave"]);
    let id = r["loans"][0]["id"].as_u64().unwrap().to_string();
    dcu.fails("//Eve", &["loan", "expire", &id], "TooEarly");
    let bob1 = dcu.balance("bob");
    dcu.fails("//Eve", &["loan", "cancel", &id], "Unauthorized");
    dcu.json("//Dave", &["loan", "cancel", &id]);
    assert_eq!(dcu.balance("bob"), bob1 + 12 * ONE, "Bob's 12 DUSD warrant came back");
    assert_eq!(dcu.json("//Dave", &["loan", "status", &id])["state"], "Cancelled");
    assert!(dcu.json("//Dave", &["loan", "list"])["loans"].as_array().unwrap().is_empty());
    let st = dcu.json("//Dave", &["loan", "status", "1"]);
    assert_eq!(st["path"].as_array().map(|p| p.len()), Some(4), "{st}");
    let human = String::from_utf8_lossy(&dcu.run("//Dave", &["loan", "status", "1"]).stdout).to_string();
    assert!(human.contains("alice → bob → charlie → dave"), "{human}");

    // On the local fast clock (a second is a day) a 1-day loan is overdue a
    // second after it is paid out, and an unused request expires after 60
    // (the expiry voted above).
    let one_day = |dcu: &dcu_e2e_tests::cli::Dcu| -> String {
        let r = dcu.json("//Dave", &["loan", "request", "5", "--purpose", "creative", "--term", "1", "--path", "//Charlie,//Dave"]);
        let id = r["loans"][0]["id"].as_u64().unwrap().to_string();
        assert_eq!(r["loans"][0]["state"], "Requested", "Charlie has no approval policy: {r}");
        dcu.json("//Charlie", &["loan", "approve", &id]);
        id
    };
    // Waits until the loan's own clock, read from the chain, has reached the
    // moment `field` names (due_at, default_at, expires_at): a block at the
    // new time is made and the loan read again until it has, at most three
    // minutes. No fixed sleep stands for "late enough".
    let wait_past = |dcu: &dcu_e2e_tests::cli::Dcu, id: &str, field: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
        loop {
            dcu.json("//Ferdie", &["token", "approve", "ferdie", "0"]); // a block at the new time
            let st = dcu.json("//Eve", &["loan", "status", id]);
            let (now, at) = (st["now"].as_u64().unwrap(), st[field].as_u64().unwrap_or_else(|| panic!("{field} in {st}")));
            if now >= at {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "the chain never reached {field} of loan {id}: {st}");
            std::thread::sleep(std::time::Duration::from_millis(((at - now) / 86_400).clamp(100, 2_000)));
        }
    };
    let id = one_day(&dcu);
    wait_past(&dcu, &id, "expires_at");
    dcu.fails("//Dave", &["loan", "disburse", &id], "RequestExpired");
    let e = dcu.json("//Eve", &["loan", "expire", &id]);
    assert!(e["summary"].as_str().unwrap().contains("expired"), "{e}");
    assert_eq!(dcu.json("//Dave", &["loan", "status", &id])["state"], "Expired");
    // Last, as a default leaves Dave's warning open for good (no new loan after it):
    let id = one_day(&dcu);
    dcu.json("//Dave", &["loan", "disburse", &id]);
    wait_past(&dcu, &id, "due_at");
    let o = dcu.json("//Eve", &["loan", "overdue", &id]);
    assert!(o["summary"].as_str().unwrap().contains("overdue"), "{o}");
    dcu.fails("//Eve", &["loan", "default", &id], "TooEarly");
    // 90 (fast) days past due anyone may declare the default, then settle it.
    wait_past(&dcu, &id, "default_at");
    let d = dcu.json("//Eve", &["loan", "default", &id]);
    assert!(d["summary"].as_str().unwrap().contains("in default"), "{d}");
    let s = dcu.json("//Eve", &["loan", "settle", &id]);
    assert!(s["summary"].as_str().unwrap().contains("settled"), "{s}");
    assert_eq!(dcu.json("//Dave", &["loan", "status", &id])["state"], "Settled");
    dcu.fails("//Dave", &["loan", "repay", &id, "1"], "WrongState");
    // The overdue loan's warning is open: Dave may not borrow again (SPEC §2, v2).
    dcu.fails("//Dave", &["loan", "request", "5", "--purpose", "creative", "--term", "1", "--path", "//Charlie,//Dave"], "OpenWarning");
    dcu.fails("//Alice", &["loan", "list", "nobody"], "is not an account");

    // Governance can change the loan manager's parameters; a bad field is refused at once.
    dcu.fails("//Alice", &["gov", "propose", "loan-params", "nonsense=1"], "not a parameter here");
    Ok(())
}
