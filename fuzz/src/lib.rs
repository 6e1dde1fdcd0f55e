//! What hitflow's fuzz targets check, one function per target. The same files are compiled into
//! `collector/tests/fuzz_regressions.rs` and `reporter/tests/fuzz_regressions.rs` (through
//! `#[path]`), so the regression inputs in `fuzz/regressions/` replay the exact code the fuzzer ran.

pub mod collector_checks;
pub mod replay;
pub mod reporter_checks;

/// For the Parquet targets: the readers contain panics inside parquet-rs / arrow-rs (known
/// upstream bugs on damaged pages, see `hitflow_schema::contain_panic`), so those must not abort
/// the fuzzer, while a panic anywhere else still does.
pub fn abort_on_own_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let upstream = info.location().is_some_and(|l| {
            ["/parquet-", "/arrow-"]
                .iter()
                .any(|crate_dir| l.file().contains(crate_dir))
        });
        if !upstream {
            default_hook(info);
            std::process::abort();
        }
    }));
}
