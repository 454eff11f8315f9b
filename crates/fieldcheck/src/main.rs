//! The `fieldcheck` binary: a thin entry point over the `fieldcheck` library.

fn main() -> std::process::ExitCode {
    tune_allocator();
    // Test hook, compiled only with the `toy-control` feature: the extra controls join the catalog.
    #[cfg(feature = "toy-control")]
    if std::env::var_os("FIELDCHECK_EXTRA_CONTROLS").is_some() {
        fieldcheck_controls::enable_extra_controls();
    }
    let code = fieldcheck::main_with_args(std::env::args_os());
    // Test hook: the malformed-input corpus bounds each run's memory by the clean kit's.
    if std::env::var_os("FIELDCHECK_REPORT_PEAK_RSS").is_some()
        && let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
    {
        eprintln!("fieldcheck-peak-rss: {}", line["VmHWM:".len()..].trim());
    }
    code
}

/// Serves every allocation of 256 KiB or more from its own mapping, and gives freed memory back
/// above 256 KiB (glibc's `mallopt`). A kit's record vectors grow to hundreds of megabytes on two
/// threads: in glibc's default, the blocks under its adaptive 32 MiB threshold are copied on each
/// growth and their freed halves stay in the threads' arenas, where a mapped block grows by
/// `mremap` without a copy. Measured at 50,000 people: peak memory 964 -> 885 MiB, wall time
/// 0.97 (BENCHMARKS.md). Elsewhere it does nothing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn tune_allocator() {
    use std::ffi::c_int;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    // glibc's malloc.h: M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_MMAP_THRESHOLD: c_int = -3;
    // SAFETY: mallopt only sets the allocator's parameters under its own lock; it is called
    // first thing in main, before any other thread exists, and has no other precondition.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 256 << 10);
        mallopt(M_TRIM_THRESHOLD, 256 << 10);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
