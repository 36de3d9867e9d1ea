//! The bug hunt: small known-buggy concurrent programs from the concurrency-testing literature
//! (SCTBench, CHESS, loom's and shuttle's own tests), and the race lab's buggy twins, each with
//! the failure it must produce. `cargo xtask hunt` runs every one under loom and shuttle with
//! the default `Explorer`, and under loom's plain depth-first search, and tabulates how many
//! executions and how long each search took to its first failure, and whether it was the right
//! one.
//!
//! Each lock-using program is written once, generic over a [`Flavour`] of lock, and runs twice:
//! with racelab's `Lock` and with the checker's own mutex ([`lock`]). Everything else
//! concurrent comes from `racelab::sync`. Every program has at most 5 threads, main included
//! (loom's limit).
// std primitives are enforced in loom builds (and, for functions, shuttle builds): in a std
// build the facade *is* std, which clippy cannot tell from a stray import. See clippy.toml.
#![cfg_attr(
    not(any(loom, shuttle)),
    allow(clippy::disallowed_types, clippy::disallowed_methods)
)]
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

pub mod corpus;
pub mod lock;

use racelab::check::FailureKind;

pub use lock::{CheckerMutex, Flavour, HuntLock, RacelabLock};

/// One program of the hunt, and the failure its bug must produce.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// Its name in the table, e.g. `abba_deadlock`.
    pub name: &'static str,
    /// The bug class, e.g. `deadlock (lock order)`.
    pub bug: &'static str,
    /// Where it comes from.
    pub source: &'static str,
    /// The failure the bug must produce.
    pub kind: FailureKind,
    /// A piece of the failure's message, with racelab's lock (or with no lock).
    pub message: &'static str,
    /// A piece of the failure's message with the checker's own mutex, where it differs (a
    /// deadlock: the checkers' mutexes have no names, so their report has no wait-for cycle).
    pub checker_message: Option<&'static str>,
    /// `false` if shuttle cannot find this bug (it runs every atomic as SeqCst): an expected
    /// miss.
    pub shuttle: bool,
}

impl Program {
    /// The message piece the failure must contain with the lock flavour named `flavour`.
    pub fn message_for(&self, flavour: &str) -> &'static str {
        match self.checker_message {
            Some(message) if flavour == CheckerMutex::NAME => message,
            _ => self.message,
        }
    }

    /// A race lab model's buggy twin as a hunt program, with the model's own expected
    /// failure. The models use racelab's primitives only, so they run in one flavour. Every
    /// model fits loom (none is `Loom::Skip`); those marked `shuttle: false` (weak-memory bugs,
    /// invisible to shuttle's SeqCst atomics) are expected misses under shuttle.
    pub const fn from_model(model: &racelab_models::lab::Model) -> Program {
        Program {
            name: model.name,
            bug: model.bug_class,
            source: model.source,
            kind: model.kind,
            message: model.message,
            checker_message: None,
            shuttle: model.shuttle,
        }
    }
}
