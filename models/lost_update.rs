//! # lost_update — `count += 1` as a separate read and write
//!
//! **The bug.** Each thread reads the counter, then writes back what it read plus one. If the
//! other thread reads between that read and that write, both write the same value and one
//! increment is lost: two increments, a final count of 1.
//!
//! **Where it comes from.** The tutorial (see README's tutorial section) ends with a warning
//! about data races and inconsistency: shared state updated by several threads at once.
//! Python's `counter += 1` is exactly this read-modify-write (a load, an add, a store), and so
//! is the tutorial's lock used the wrong way — "lock-read, unlock, lock-write" — the second
//! pair in this file ([`MODEL_LOCKED`]).
//!
//! **Reading the trace.** shuttle's trace is the classic interleaving: `main` reads count = 0,
//! `t1` reads count = 0 before `main` writes, and both write 0 + 1 = 1 — the second write
//! overwrites the first instead of adding to it. loom's trace reaches the same end another
//! way: `main` reads 0 and writes 1, and `t1`, running after it, still reads 0. Nothing orders
//! `t1`'s load after `main`'s store (no lock, no Release/Acquire pair), so the C11 memory model
//! lets the load return the older value — as if `t1` had read first. Either way the assertion
//! after `join` sees 1. In the lock flavour every read and write is inside the lock
//! (`acquire count` … `release count`), and both traces show the interleaving: the lock is
//! released between the read and the write, and the other thread's read slips into the gap.
//!
//! **The fix.** Make the read and the write one indivisible step: `fetch_add` (the `// FIX:`
//! line, next to the `// BUG:` one), which always reads the latest value and lets nothing in
//! between; in the lock flavour, hold the lock from the read to the write — one critical
//! section, not two.

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry: the atomic flavour (a separate load and store).
pub const MODEL: Model = Model {
    name: "lost_update",
    bug_class: "race condition (lost update)",
    source: "classic read-modify-write race (Python's `counter += 1`)",
    fix: "read and write in one atomic step (fetch_add)",
    kind: FailureKind::Panic,
    message: "lost update: count = 1, expected 2",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The lock flavour: lock-read, unlock, lock-write.
pub const MODEL_LOCKED: Model = Model {
    name: "lost_update_locked",
    bug_class: "race condition (lost update)",
    source: "the tutorial's lock, released between the read and the write",
    fix: "one critical section from the read to the write",
    kind: FailureKind::Panic,
    message: "lost update: count = 1, expected 2",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy: buggy_locked,
    fixed: fixed_locked,
};

/// Two threads increment an atomic counter with a separate load and store.
pub fn buggy() {
    scenario::<false>();
}

/// Two threads increment an atomic counter with `fetch_add`.
pub fn fixed() {
    scenario::<true>();
}

/// Two threads increment a counter under a lock, but release it between the read and the
/// write.
pub fn buggy_locked() {
    scenario_locked::<false>();
}

/// Two threads increment a counter, each in one critical section.
pub fn fixed_locked() {
    scenario_locked::<true>();
}

// Relaxed throughout: the count is the only shared data, and `join` orders both threads'
// writes before the final read. No ordering makes a separate load and store one step —
// SeqCst loses the update just the same — so none is asked for.
fn increment<const FIXED: bool>(count: &AtomicUsize) {
    if FIXED {
        // FIX: read, add and write in one indivisible step: nothing can run in between.
        let seen = count.fetch_add(1, Ordering::Relaxed);
        note!("fetch_add: count {seen} -> {}", seen + 1);
    } else {
        let seen = count.load(Ordering::Relaxed);
        note!("read count = {seen}");
        // BUG: writes back what it read, over whatever the other thread wrote in between.
        count.store(seen + 1, Ordering::Relaxed);
        note!("write count = {}", seen + 1);
    }
}

fn scenario<const FIXED: bool>() {
    let count = Arc::new(AtomicUsize::new(0));
    let count2 = Arc::clone(&count);
    let other = thread::spawn(move || increment::<FIXED>(&count2));
    increment::<FIXED>(&count);
    other.join().unwrap();
    let total = count.load(Ordering::Relaxed);
    assert!(total == 2, "lost update: count = {total}, expected 2");
}

fn increment_locked<const FIXED: bool>(count: &Lock<usize>) {
    let guard = count.lock();
    let seen = *guard;
    note!("read count = {seen}");
    let mut guard = if FIXED {
        guard // FIX: keeps the lock from the read to the write
    } else {
        drop(guard); // BUG: lets the lock go: the other thread's read fits in here
        count.lock()
    };
    *guard = seen + 1;
    note!("write count = {}", seen + 1);
}

fn scenario_locked<const FIXED: bool>() {
    let count = Arc::new(Lock::new(0));
    trace::label(&*count, "count");
    let count2 = Arc::clone(&count);
    let other = thread::spawn(move || increment_locked::<FIXED>(&count2));
    increment_locked::<FIXED>(&count);
    other.join().unwrap();
    let total = *count.lock();
    assert!(total == 2, "lost update: count = {total}, expected 2");
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
        MODEL_LOCKED => buggy_locked, fixed_locked;
    }
}
