//! Objects built from fuzzer bytes (`src/object_from_bytes.rs`) through
//! parsing, validation on CREATE and UPDATE, mutation and the patch; see
//! `src/rules_invariants.rs` for what must hold.

#![no_main]

use hourglass_fuzz::rules_invariants;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rules_invariants::check(data));
