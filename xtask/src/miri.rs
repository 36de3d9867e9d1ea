//! `cargo xtask miri`: the std tests under Miri (undefined behaviour, data races, leaks).
//!
//! Runs `cargo +nightly miri test -p racelab --lib --test std_lock --test std_pool
//! --test std_faults`, and every `tests/miri_*.rs` (tests written for Miri); the `miri` stage of
//! `cargo xtask test` runs the unit tests and `tests/miri_*.rs` only ([`CI_TESTS`]). Both skip the tests Miri cannot run in reasonable time or at all
//! ([`SKIP`]). Miri interprets every instruction (about 1000x slower), so the loops of the
//! stress-style tests (thousands of contended acquisitions, hundreds of racing rounds) run into
//! their 30 s watchdogs; Miri does not honour a thread's stack size, so the tests that need
//! the operating system to refuse a huge stack see the spawn succeed; and two tests leak on
//! purpose (a deadlocked thread left parked forever, a panic payload forgotten because dropping
//! it panics), which Miri's leak check reports as a failure of the whole binary. With those two
//! skipped, Miri runs with its leak check on (no `-Zmiri-ignore-leaks`): every other test
//! joins every thread it starts and frees everything it allocates.
//!
//! Where the nightly `miri` component is missing, one `rustup component add` is tried; if it is
//! still missing the command says so and succeeds.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use crate::scratch::shown;
use crate::table::seconds;

/// The test binaries `cargo xtask miri` runs (besides the library's unit tests and
/// `tests/miri_*.rs`).
const TESTS: [&str; 3] = ["std_lock", "std_pool", "std_faults"];

/// The test binaries the `miri` stage of `cargo xtask test` runs besides the library's unit
/// tests and `tests/miri_*.rs` (the tests written for Miri: the lock's hand-off race, on 32
/// seeds): none. The std tiers are the long part under the interpreter (`std_lock` about a
/// minute cold, `std_pool` another); `cargo xtask miri` runs them all.
const CI_TESTS: [&str; 0] = [];

/// Tests left out under Miri, and why.
const SKIP: [(&str, &str); 9] = [
    (
        "lock_counter_eight_threads",
        "8 threads × 10,000 acquisitions: past the 30 s watchdog",
    ),
    (
        "lock_try_lock_contended_never_blocks",
        "300 contended rounds: past the 30 s watchdog",
    ),
    (
        "raw_lock_counter_under_contention",
        "contended counter: past the 30 s watchdog",
    ),
    (
        "raw_lock_handoff_release_wakes_the_waiter",
        "300 rounds: past the 30 s watchdog",
    ),
    (
        "raw_lock_racing_releases_exactly_one_wins",
        "300 rounds: past the 30 s watchdog",
    ),
    (
        "map_racing_terminate_is_ok_then_cancelled_then_rejected",
        "50 rounds × 200 items: past the 30 s watchdog",
    ),
    (
        "spawn_failure_is_spawn_error_with_the_os_error_as_source",
        "Miri ignores the stack size: the spawn succeeds",
    ),
    (
        "expect_failure_reports_a_std_deadlock_after_the_timeout",
        "leaves its deadlocked thread parked by design; Miri's leak check fails the binary",
    ),
    (
        "panic_payload_whose_drop_panics_does_not_kill_the_worker",
        "the pool forgets a payload whose drop panics, by design; Miri's leak check fails the binary",
    ),
];

/// `cargo xtask miri`: every std tier Miri can run.
pub fn run(root: &Path) -> ExitCode {
    run_tests(root, &TESTS)
}

/// The `miri` stage of `cargo xtask test`: the CI subset ([`CI_TESTS`]).
pub fn run_ci(root: &Path) -> ExitCode {
    run_tests(root, &CI_TESTS)
}

fn run_tests(root: &Path, tests: &[&str]) -> ExitCode {
    if !installed() {
        let mut add = Command::new("rustup");
        add.args([
            "component",
            "add",
            "--toolchain",
            "nightly",
            "miri",
            "rust-src",
        ]);
        println!("$ {}", shown(&add));
        let _ = add.status();
        if !installed() {
            println!(
                "miri: skipped: the nightly `miri` component is not installed and `rustup component add` could not add it"
            );
            return ExitCode::SUCCESS;
        }
    }
    let mut cmd = cargo_miri(root);
    // MIRIFLAGS as the caller set it: the leak check stays on.
    cmd.args(["test", "--no-fail-fast", "-p", "racelab", "--lib"]);
    for test in tests
        .iter()
        .map(|t| (*t).to_owned())
        .chain(miri_tests(root))
    {
        cmd.args(["--test", &test]);
    }
    // --exact: a skip names one test; a renamed test runs (and shows up) rather than a
    // substring silently skipping others.
    cmd.args(["--", "--exact"]);
    for (name, _) in SKIP {
        cmd.args(["--skip", name]);
    }
    println!("skipped under Miri:");
    for (name, why) in SKIP {
        println!("    {name}: {why}");
    }
    println!("$ {}", shown(&cmd));
    let start = Instant::now();
    let status = match cmd.stdin(Stdio::null()).status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("xtask miri: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "miri: {} in {}",
        if status.success() { "ok" } else { "FAILED" },
        seconds(start.elapsed())
    );
    if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The stems of `tests/miri_*.rs`, sorted.
fn miri_tests(root: &Path) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(root.join("tests"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|name| Some(name.strip_suffix(".rs")?.to_owned()))
        .filter(|stem| stem.starts_with("miri_"))
        .collect();
    stems.sort();
    stems
}

/// `cargo +nightly miri` in `dir`. `cargo` on the PATH is rustup's proxy, which understands
/// `+nightly`; CARGO (the cargo running xtask) is a toolchain's own binary, which would not.
pub fn cargo_miri(dir: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(dir)
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN")
        .args(["+nightly", "miri"]);
    cmd
}

/// The nightly toolchain has the miri component.
pub fn installed() -> bool {
    Command::new("rustup")
        .args(["+nightly", "component", "list", "--installed"])
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .any(|l| l.starts_with("miri"))
        })
}
