//! The running test, and the `cargo test` command that reruns it.

/// The libtest name of the running test: libtest names each test's thread after it.
pub(crate) fn current_test() -> Option<String> {
    #[allow(clippy::disallowed_methods)] // the OS thread's name, outside any model
    let thread = std::thread::current();
    thread
        .name()
        .filter(|n| *n != "main" && !n.is_empty())
        .map(str::to_owned)
}

/// The `cargo test` command that reruns the current test with `env` set, if the test's
/// name, binary and package can be told from the running process.
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
pub(crate) fn reproduce_command(env: &str) -> Option<String> {
    let test = current_test()?;
    let package = std::env::var("CARGO_PKG_NAME").ok()?;
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    let binary = stem.rsplit_once('-').map_or(stem, |(name, _hash)| name);
    let target = if binary == package.replace('-', "_") {
        "--lib".to_owned()
    } else {
        format!("--test {binary}")
    };
    Some(format!(
        "{env} cargo test --release -p {package} {target} -- {test} --exact --nocapture"
    ))
}
