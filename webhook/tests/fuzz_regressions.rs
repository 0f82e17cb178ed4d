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

/// The one-pass decoder answers exactly as the reference decoder (the body
/// through a `Value`) on every seed and every crash input.
#[test]
fn the_direct_decoder_agrees_with_the_reference_on_every_seed_and_regression() {
    use hourglass_webhook::decode::{decode, decode_via_value};
    replay::every_input("review_handler", |body| {
        for content_type in [Some("application/json"), Some("text/plain"), None] {
            assert_eq!(
                decode(content_type, body),
                decode_via_value(content_type, body),
                "content type {content_type:?}"
            );
        }
    });
}
