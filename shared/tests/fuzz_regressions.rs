//! Replays the `rules_and_mutation` fuzz target's seeds and every crash it
//! has found (`fuzz/seeds/` and `fuzz/regressions/`) through the target's
//! own invariants, so a fixed bug stays fixed in the normal test run.

#[path = "../../fuzz/src/object_from_bytes.rs"]
mod object_from_bytes;
#[path = "../../fuzz/src/replay.rs"]
mod replay;
#[path = "../../fuzz/src/rules_invariants.rs"]
mod rules_invariants;

#[test]
fn rules_and_mutation_seeds_and_regressions_hold_every_invariant() {
    replay::every_input("rules_and_mutation", rules_invariants::check);
}
