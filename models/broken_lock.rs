//! # broken_lock — racelab's own lock with its Acquire weakened to Relaxed
//!
//! **The bug.** A lock is two promises: only one thread is inside at a time, *and* whatever
//! the previous holder wrote is visible to the next. The second comes from the orderings:
//! `release` stores with Release, `acquire` loads with Acquire. Weaken the acquire to Relaxed
//! and mutual exclusion still holds — yet the next holder may read the guarded data from
//! before the previous holder's writes.
//!
//! **Where it comes from.** racelab's [`RawLock`](racelab::RawLock) itself:
//! `acquire_broken_relaxed` runs the real algorithm with one ordering changed. This model is
//! the proof that racelab's orderings are checked, not decorative.
//!
//! **Reading the trace.** `main` acquires, reads and writes the counter, releases; `t1`
//! acquires — with Relaxed — and reads the counter. The steps are in order, yet loom's
//! `UnsafeCell` sees that `t1`'s read does not *happen-after* `main`'s write: nothing
//! synchronised them. A causality violation, reported as a data race, at `t1`'s first access.
//!
//! **The fix.** The plain lock-Acquire (`// FIX:` line): it pairs with the Release in
//! `release`, so each critical section happens-after the previous one.
//!
//! Shuttle cannot see this bug: it runs every atomic as SeqCst, where a Relaxed CAS orders as
//! much as an Acquire one. Weak-memory bugs are loom's alone.

use racelab::check::FailureKind;
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::{note, trace, RawLock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "broken_lock",
    bug_class: "data race (weak memory ordering)",
    source: "racelab's own lock, one ordering weakened",
    fix: "acquire with Acquire, pairing with release's Release",
    kind: FailureKind::DataRace,
    message: "Causality violation",
    loom: Loom::Exhaustive,
    shuttle: false,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// Two threads increment a counter under a lock whose acquire is Relaxed.
pub fn buggy() {
    scenario::<false>();
}

/// The same with the real lock.
pub fn fixed() {
    scenario::<true>();
}

struct Guarded {
    lock: RawLock,
    count: UnsafeCell<u32>,
}

// SAFETY: `count` is only accessed between `acquire` and `release` of `lock`; in the buggy
// variant that is exactly the unsoundness loom reports.
unsafe impl Sync for Guarded {}

fn increment<const FIXED: bool>(g: &Guarded) {
    if FIXED {
        g.lock.acquire(); // FIX: the real acquire (Acquire ordering)
    } else {
        g.lock.acquire_broken_relaxed();
    }
    // SAFETY: the lock is held (and in the buggy variant, not properly acquired: the point).
    let seen = g.count.with(|c| unsafe { *c });
    note!("read count = {seen}");
    // SAFETY: as above.
    g.count.with_mut(|c| unsafe { *c = seen + 1 });
    g.lock.release().expect("held");
}

fn scenario<const FIXED: bool>() {
    let g = Arc::new(Guarded {
        lock: RawLock::new(),
        count: UnsafeCell::new(0),
    });
    trace::label(&g.lock, "lock");
    let g2 = Arc::clone(&g);
    let other = thread::spawn(move || increment::<FIXED>(&g2));
    increment::<FIXED>(&g);
    other.join().unwrap();
    g.lock.acquire();
    // SAFETY: the lock is held and the other thread has been joined.
    let total = g.count.with(|c| unsafe { *c });
    g.lock.release().unwrap();
    assert_eq!(total, 2, "lost update: count = {total}, expected 2");
}

#[cfg(test)]
mod tests {
    use super::MODEL;
    use crate::lab;

    #[test]
    #[cfg(loom)]
    fn buggy_is_caught_by_loom() {
        insta::assert_snapshot!("loom_buggy", lab::caught_by_loom(&MODEL).swimlane());
    }

    #[test]
    #[cfg(shuttle)]
    fn buggy_is_missed_by_shuttle() {
        lab::missed_by_shuttle(&MODEL);
    }

    #[test]
    fn fixed_passes() {
        lab::fixed_passes(&MODEL);
    }
}
