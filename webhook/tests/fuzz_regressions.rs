//! Replays the `review_handler` fuzz target's seeds and every crash it has
//! found (`fuzz/seeds/` and `fuzz/regressions/`) through the target's own
//! invariants, so a fixed bug stays fixed in the normal test run.

#[path = "../../fuzz/src/replay.rs"]
mod replay;
#[path = "../../fuzz/src/review_invariants.rs"]
mod review_invariants;

#[test]
fn review_handler_seeds_and_regressions_hold_every_invariant() {
    let harness = review_invariants::ReviewHarness::new();
    replay::every_input("review_handler", |body| harness.check(body));
}
