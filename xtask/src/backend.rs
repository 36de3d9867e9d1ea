//! The three backends, and the one place their cargo invocations are spelled out.
//!
//! | backend | `RUSTFLAGS` | target dir | profile | its suites |
//! |---|---|---|---|---|
//! | std | (inherited) | `target` | dev | the workspace (`verify`: the models) |
//! | loom | `--cfg loom -C debug-assertions` | `target/loom` | release | `tests/loom_*.rs`, the unit tests |
//! | shuttle | `--cfg shuttle` | `target/shuttle` | release | `tests/shuttle_*.rs`, `tests/proptest_*.rs`, the unit tests |
//!
//! `RUSTFLAGS` and the target dir are part of every artifact's fingerprint: the clippy and test
//! invocations of a backend use exactly these strings, so switching between them (or running
//! the command a test file's doc comment shows) never rebuilds the other's dependencies.

use std::fmt;
use std::io;
use std::path::Path;
use std::process::Command;

/// The library package.
pub const LIBRARY: &str = "racelab";
/// The example crate: a user's crate, std-shaped, switched to racelab by its `use` lines.
pub const EXAMPLE: &str = "queues";
/// The models package and its folder.
pub const MODELS: (&str, &str) = ("racelab-models", "models");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Std,
    Loom,
    Shuttle,
}

impl Backend {
    /// All three, in the order `verify` runs them.
    pub const ALL: [Backend; 3] = [Backend::Loom, Backend::Shuttle, Backend::Std];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Std => "std",
            Backend::Loom => "loom",
            Backend::Shuttle => "shuttle",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }

    /// `-C debug-assertions` under loom: release speed, with every `debug_assert!` still armed.
    fn rustflags(self) -> Option<&'static str> {
        match self {
            Backend::Std => None,
            Backend::Loom => Some("--cfg loom -C debug-assertions"),
            Backend::Shuttle => Some("--cfg shuttle"),
        }
    }

    fn target_dir(self) -> Option<&'static str> {
        match self {
            Backend::Std => None,
            Backend::Loom => Some("target/loom"),
            Backend::Shuttle => Some("target/shuttle"),
        }
    }

    /// The prefixes of the `tests/*.rs` files this backend's suite runs.
    fn test_prefixes(self) -> &'static [&'static str] {
        match self {
            Backend::Std => &[],
            Backend::Loom => &["loom_"],
            Backend::Shuttle => &["shuttle_", "proptest_"],
        }
    }

    /// cargo's arguments selecting this backend's tests: the whole workspace for std; for a
    /// checker, racelab's, the models' and the example crate's unit tests, racelab's
    /// `tests/<prefix>*.rs` files and the example crate's `tests/queues.rs`.
    ///
    /// Every invocation of a backend (clippy aside) selects exactly these packages, so cargo
    /// unifies the same features and every run reuses the last one's build. (cargo unifies
    /// features over the selected packages: selecting fewer can change a shared dependency's
    /// features, and with them the hashes of everything above it, which then rebuilds.) Pick
    /// tests with a nextest filter (`-E`) instead.
    pub fn selection(self, root: &Path) -> io::Result<Vec<String>> {
        if self == Backend::Std {
            return Ok(vec!["--workspace".to_owned()]);
        }
        let mut stems = Vec::new();
        for entry in std::fs::read_dir(root.join("tests"))? {
            let path = entry?.path();
            let is_rs = path.extension().is_some_and(|e| e == "rs");
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if is_rs && self.test_prefixes().iter().any(|p| stem.starts_with(p)) {
                stems.push(stem.to_owned());
            }
        }
        stems.sort();
        let mut args: Vec<String> = ["-p", LIBRARY, "-p", MODELS.0, "-p", EXAMPLE, "--lib"]
            .map(str::to_owned)
            .to_vec();
        // The example crate's own test: a user's crate, checked the way the README says.
        args.extend(["--test".to_owned(), EXAMPLE.to_owned()]);
        for stem in stems {
            args.extend(["--test".to_owned(), stem]);
        }
        Ok(args)
    }

    /// `cargo nextest run` over this backend's [`selection`](Self::selection), every test
    /// run even after a failure; insta never writes a snapshot (a changed one fails).
    pub fn nextest(self, root: &Path) -> io::Result<Cargo> {
        Ok(self
            .cargo(["nextest", "run", "--no-fail-fast"])
            .args(self.profile())
            .args(self.selection(root)?)
            .env("INSTA_UPDATE", "no"))
    }

    /// The checkers' tests build in release (5-20x faster under loom and shuttle); std tests
    /// share the dev build of the std stage.
    pub fn profile(self) -> &'static [&'static str] {
        match self {
            Backend::Std => &[],
            Backend::Loom | Backend::Shuttle => &["--release"],
        }
    }

    /// `cargo <args>` for this backend.
    pub fn cargo<I, S>(self, args: I) -> Cargo
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        Cargo {
            backend: self,
            args: args.into_iter().map(|a| a.to_string()).collect(),
            envs: Vec::new(),
        }
    }
}

/// A cargo invocation that can be shown (as a shell command a person can paste) and run.
#[derive(Debug, Clone)]
pub struct Cargo {
    backend: Backend,
    args: Vec<String>,
    envs: Vec<(&'static str, String)>,
}

impl Cargo {
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        self.args.extend(args.into_iter().map(|a| a.to_string()));
        self
    }

    pub fn env(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.envs.push((key, value.into()));
        self
    }

    /// The process to spawn, run from the workspace root. stdin is closed (CI has none).
    pub fn command(&self, root: &Path) -> Command {
        // CARGO is the cargo that runs xtask: `cargo +nightly xtask` stays on nightly.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(root)
            .args(&self.args)
            .stdin(std::process::Stdio::null());
        if let Some(flags) = self.backend.rustflags() {
            // CARGO_ENCODED_RUSTFLAGS would win over RUSTFLAGS: drop any the caller had.
            cmd.env_remove("CARGO_ENCODED_RUSTFLAGS")
                .env("RUSTFLAGS", flags);
        }
        if let Some(dir) = self.backend.target_dir() {
            cmd.env("CARGO_TARGET_DIR", root.join(dir));
        }
        for (key, value) in &self.envs {
            cmd.env(key, value);
        }
        cmd
    }
}

impl fmt::Display for Cargo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(flags) = self.backend.rustflags() {
            write!(f, "RUSTFLAGS=\"{flags}\" ")?;
        }
        if let Some(dir) = self.backend.target_dir() {
            write!(f, "CARGO_TARGET_DIR={dir} ")?;
        }
        for (key, value) in &self.envs {
            write!(f, "{key}={} ", quote(value))?;
        }
        f.write_str("cargo")?;
        for arg in &self.args {
            write!(f, " {}", quote(arg))?;
        }
        Ok(())
    }
}

/// Quotes `s` for a POSIX shell when it needs it.
fn quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
