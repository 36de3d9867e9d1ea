//! # broken_lock — a lock whose acquire is Relaxed
//!
//! **The bug.** A lock is two promises: only one thread is inside at a time, *and* whatever
//! the previous holder wrote is visible to the next. The second comes from the orderings:
//! `release` stores with Release, `acquire` takes the flag with Acquire. Weaken the acquire to
//! Relaxed and mutual exclusion still holds — the compare-exchange still lets one thread in at a time — yet
//! the next holder may read the guarded data from before the previous holder's writes.
//!
//! **Where it comes from.** Every lock has this pair at its heart; racelab's
//! [`RawLock`](racelab::RawLock) too. The model's lock is the smallest one that shows it: one
//! flag, taken by a compare-exchange, waited for by spinning. (On the real lock, `cargo xtask mutants`
//! weakens each ordering in turn and checks that the loom suite notices.)
//!
//! **Reading the trace.** `main` acquires, reads the counter, writes it, releases; `t1`
//! acquires — with Relaxed — and reads the counter. The steps are in order, yet loom's
//! `UnsafeCell` sees that `t1`'s read does not *happen-after* `main`'s write: nothing
//! synchronised them. A causality violation, reported as a data race, at `t1`'s first access.
//!
//! **The fix.** Acquire on the compare-exchange (the `// FIX:` line, next to the `// BUG:` line it
//! replaces): it pairs with the Release store in `release`, so each critical section
//! happens-after the previous one.
//!
//! Shuttle cannot see this bug: it runs every atomic as SeqCst, where a Relaxed compare-exchange orders as
//! much as an Acquire one. Weak-memory bugs are loom's alone.

use racelab::check::FailureKind;
use racelab::note;
use racelab::sync::atomic::{AtomicBool, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{hint, thread, Arc};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "broken_lock",
    bug_class: "data race (weak memory ordering)",
    source: "a lock's acquire, one ordering weakened",
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

/// The same with the acquire's Acquire.
pub fn fixed() {
    scenario::<true>();
}

/// The model's lock: one flag, `true` while held.
struct SpinLock {
    locked: AtomicBool,
}

impl SpinLock {
    fn new() -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
        }
    }

    /// Takes the lock: flips the flag from `false` to `true`; while it is held, waits with a
    /// plain load and a spin hint (which loom turns into a yield, so it runs the holder).
    fn acquire<const FIXED: bool>(&self) {
        let ordering = if FIXED {
            Ordering::Acquire // FIX: pairs with the Release store in `release`
        } else {
            Ordering::Relaxed // BUG: orders nothing; the last holder's writes may be unseen
        };
        while self
            .locked
            .compare_exchange(false, true, ordering, Ordering::Relaxed)
            .is_err()
        {
            // Relaxed: only waits for a chance to retry; the compare-exchange takes the lock.
            while self.locked.load(Ordering::Relaxed) {
                hint::spin_loop();
            }
        }
        note!("acquire lock");
    }

    fn release(&self) {
        note!("release lock");
        self.locked.store(false, Ordering::Release);
    }
}

struct Guarded {
    lock: SpinLock,
    count: UnsafeCell<u32>,
}

// SAFETY: `count` is only accessed between `acquire` and `release` of `lock`; in the buggy
// variant that is exactly the unsoundness loom reports.
unsafe impl Sync for Guarded {}

fn increment<const FIXED: bool>(g: &Guarded) {
    g.lock.acquire::<FIXED>();
    // SAFETY: the lock is held (and in the buggy variant, not properly acquired: the point).
    let seen = g.count.with(|c| unsafe { *c });
    note!("read count = {seen}");
    // SAFETY: as above.
    g.count.with_mut(|c| unsafe { *c = seen + 1 });
    g.lock.release();
}

fn scenario<const FIXED: bool>() {
    let g = Arc::new(Guarded {
        lock: SpinLock::new(),
        count: UnsafeCell::new(0),
    });
    let g2 = Arc::clone(&g);
    let other = thread::spawn(move || increment::<FIXED>(&g2));
    increment::<FIXED>(&g);
    other.join().unwrap();
    // Joined: `join` orders the other thread's accesses before this read, whatever the lock does.
    // SAFETY: the other thread has been joined; nobody else touches `count`.
    let total = g.count.with(|c| unsafe { *c });
    assert_eq!(total, 2, "lost update: count = {total}, expected 2");
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed { shuttle: misses, std: none };
    }
}
