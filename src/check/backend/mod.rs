//! The one place the harness differs per backend: one file each, with what all three share
//! (the mode, the outcome, counting executions) in `search`.
//!
//! Each backend searches (loom's depth-first order, shuttle's schedulers, std's repeated
//! runs) and hands the failing panic that `capture` chose to `Captured::into_failure`, with
//! its own `Replay` and, in checker builds, the command from `command`.

#[cfg(loom)]
mod bounding;
#[cfg(loom)]
mod loom;
#[cfg(shuttle)]
mod schedule;
mod search;
#[cfg(shuttle)]
mod shuttle;
#[cfg(not(any(loom, shuttle)))]
mod std;
#[cfg(shuttle)]
mod strategy;

#[cfg(loom)]
pub(super) use self::loom::search;
pub(super) use self::search::Mode;
#[cfg(shuttle)]
pub(super) use self::shuttle::{replay, search};
#[cfg(not(any(loom, shuttle)))]
pub(super) use self::std::search;
