#![no_main]
//! See `hitflow_fuzz::reporter_checks::parquet_roundtrip`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: hitflow_fuzz::abort_on_own_panics(), |data: &[u8]| {
    let _ = hitflow_fuzz::reporter_checks::parquet_roundtrip(data);
});
