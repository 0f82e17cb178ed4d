//! Raw bytes as the body of `POST /validate` and `POST /mutate`; see
//! `src/review_invariants.rs` for what every answer must satisfy.

#![no_main]

use std::sync::OnceLock;

use hourglass_fuzz::review_invariants::ReviewHarness;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    static HARNESS: OnceLock<ReviewHarness> = OnceLock::new();
    HARNESS.get_or_init(ReviewHarness::new).check(body);
});
