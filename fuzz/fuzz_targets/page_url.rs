#![no_main]
//! See `hitflow_fuzz::collector_checks::page_url`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hitflow_fuzz::collector_checks::page_url(data);
});
