//! The `fieldcheck` binary: a thin entry point over the `fieldcheck` library.

fn main() -> std::process::ExitCode {
    fieldcheck::main_with_args(std::env::args_os())
}
