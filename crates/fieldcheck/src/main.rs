//! The `fieldcheck` binary: a thin entry point over the `fieldcheck` library.

fn main() -> std::process::ExitCode {
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
