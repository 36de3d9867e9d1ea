//! The running test, and the command that reruns it with the build that is running it.

use std::path::{Path, PathBuf};

/// The libtest name of the running test: libtest names each test's thread after it.
pub(crate) fn current_test() -> Option<String> {
    #[allow(clippy::disallowed_methods)] // the OS thread's name, outside any model
    let thread = std::thread::current();
    thread
        .name()
        .filter(|n| *n != "main" && !n.is_empty())
        .map(str::to_owned)
}

/// The command that reruns the current test with `env` set (may be empty), in the checker
/// build `checker` (`"loom"`, `"shuttle"`) that is running now: `cargo test` with this build's
/// `RUSTFLAGS`, target dir and profile when cargo ran the test (it sets `CARGO_PKG_NAME`), else
/// the running test binary itself. `None` outside a `#[test]` thread.
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
pub(crate) fn reproduce_command(checker: &str, env: &str) -> Option<String> {
    let test = current_test()?;
    let exe = std::env::current_exe().ok()?;
    let package = std::env::var("CARGO_PKG_NAME").ok();
    let root = std::env::current_dir()
        .ok()
        .and_then(|dir| workspace_root(&dir));
    let this = Running {
        checker,
        debug_assertions: cfg!(debug_assertions),
        package: package.as_deref(),
        exe: &exe,
        root: root.as_deref(),
    };
    Some(this.command(env, &test))
}

/// What the command is derived from (a value, so it can be tested).
#[cfg_attr(not(any(loom, shuttle, test)), allow(dead_code))]
struct Running<'a> {
    checker: &'a str,
    debug_assertions: bool,
    /// `CARGO_PKG_NAME`, set when cargo runs the test.
    package: Option<&'a str>,
    exe: &'a Path,
    /// The workspace root (where `cargo` is run from), if found.
    root: Option<&'a Path>,
}

#[cfg_attr(not(any(loom, shuttle, test)), allow(dead_code))]
impl Running<'_> {
    fn command(&self, env: &str, test: &str) -> String {
        let env = if env.is_empty() {
            String::new()
        } else {
            format!("{env} ")
        };
        let direct = || {
            format!(
                "{env}{} {test} --exact --nocapture",
                self.exe.to_string_lossy()
            )
        };
        let (Some(package), Some(build)) = (self.package, Build::of(self.exe)) else {
            return direct();
        };
        // A binary named after its package is the library's unit tests *or* an integration
        // test of the same name (`tests/<package>.rs`): the path cannot tell them apart, so
        // the command selects no target and `--exact` picks the test wherever it is.
        let target = if build.binary == package.replace('-', "_") {
            String::new()
        } else {
            format!("--test {} ", build.binary)
        };
        let profile = match build.profile.as_str() {
            "debug" => String::new(),
            "release" => "--release ".to_owned(),
            other => format!("--profile {other} "),
        };
        // `-C debug-assertions` only where the profile alone would not have them.
        let mut flags = format!("--cfg {}", self.checker);
        if self.debug_assertions && build.profile != "debug" {
            flags.push_str(" -C debug-assertions");
        }
        let target_dir = match self
            .root
            .and_then(|r| build.target_dir.strip_prefix(r).ok())
        {
            Some(relative) => relative.to_string_lossy().into_owned(),
            None => build.target_dir.to_string_lossy().into_owned(),
        };
        format!(
            "RUSTFLAGS=\"{flags}\" CARGO_TARGET_DIR={target_dir} {env}cargo test {profile}-p \
             {package} {target}-- {test} --exact --nocapture"
        )
    }
}

/// Where a test binary sits in cargo's layout: `<target dir>/<profile>/deps/<binary>-<hash>`.
#[cfg_attr(not(any(loom, shuttle, test)), allow(dead_code))]
#[derive(Debug, PartialEq, Eq)]
struct Build {
    target_dir: PathBuf,
    /// The profile's directory: `debug` for the dev profile, else the profile's name.
    profile: String,
    binary: String,
}

#[cfg_attr(not(any(loom, shuttle, test)), allow(dead_code))]
impl Build {
    fn of(exe: &Path) -> Option<Build> {
        let stem = exe.file_stem()?.to_str()?;
        let (binary, _hash) = stem.rsplit_once('-')?;
        let deps = exe.parent()?;
        if deps.file_name()? != "deps" {
            return None;
        }
        let profile_dir = deps.parent()?;
        Some(Build {
            target_dir: profile_dir.parent()?.to_path_buf(),
            profile: profile_dir.file_name()?.to_str()?.to_owned(),
            binary: binary.to_owned(),
        })
    }
}

/// The nearest directory at or above `dir` with a `Cargo.lock`: where cargo is run from.
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
fn workspace_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running<'a>(package: Option<&'a str>, exe: &'a Path, debug: bool) -> Running<'a> {
        Running {
            checker: "loom",
            debug_assertions: debug,
            package,
            exe,
            root: Some(Path::new("/w")),
        }
    }

    #[test]
    fn the_command_names_the_build_that_runs_the_test() {
        let exe = Path::new("/w/target/loom/release/deps/loom_lock-0123abcd");
        assert_eq!(
            running(Some("racelab"), exe, true).command("", "t::x"),
            "RUSTFLAGS=\"--cfg loom -C debug-assertions\" CARGO_TARGET_DIR=target/loom cargo \
             test --release -p racelab --test loom_lock -- t::x --exact --nocapture"
        );
        // Without debug assertions, the command does not add them (another build).
        assert_eq!(
            running(Some("racelab"), exe, false).command("A=1", "t::x"),
            "RUSTFLAGS=\"--cfg loom\" CARGO_TARGET_DIR=target/loom A=1 cargo test --release -p \
             racelab --test loom_lock -- t::x --exact --nocapture"
        );
        // The dev profile has them already. A binary named after its package may be the
        // library's unit tests or `tests/<package>.rs`: no target is named, `--exact` finds it.
        let exe = Path::new("/elsewhere/t/debug/deps/racelab_models-99");
        assert_eq!(
            running(Some("racelab-models"), exe, true).command("", "m::t"),
            "RUSTFLAGS=\"--cfg loom\" CARGO_TARGET_DIR=/elsewhere/t cargo test -p racelab-models \
             -- m::t --exact --nocapture"
        );
    }

    #[test]
    fn without_cargo_the_command_runs_the_test_binary_itself() {
        // Run directly, a test binary has no CARGO_PKG_NAME: the command used to be `None`.
        let exe = Path::new("/w/target/loom/release/deps/loom_lock-0123abcd");
        assert_eq!(
            running(None, exe, true).command("RACELAB_REPLAY=91ab", "t::x"),
            "RACELAB_REPLAY=91ab /w/target/loom/release/deps/loom_lock-0123abcd t::x --exact \
             --nocapture"
        );
        // A binary outside cargo's layout is run directly too.
        let exe = Path::new("/tmp/copied-test");
        assert_eq!(
            running(Some("racelab"), exe, true).command("", "t"),
            "/tmp/copied-test t --exact --nocapture"
        );
    }
}
