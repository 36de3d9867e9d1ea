//! # relaxed_publication — data published behind a `Relaxed` flag
//!
//! **The bug.** The writer stores the data, then sets a flag; the reader checks the flag, then
//! reads the data. With `Relaxed` on the flag nothing orders the two threads' accesses, so the
//! reader may see the flag set and still read the data from before the writer's store.
//!
//! **Where it comes from.** The warning about data races and inconsistency that ends the
//! tutorial (see README's tutorial section), one level down: the classic message-passing litmus
//! test of the C11 memory model. Program order within the writer is not an order any other
//! thread is promised to see.
//!
//! **Reading the trace.** `t1` writes data = 42, then sets the flag. `main` reads flag = true,
//! then data = 0: the steps are in order, yet the read returns the value from before the
//! write. Nothing made `main`'s read *happen after* `t1`'s write, so loom's C11 model lets the
//! load return the older value, and the assertion fails. In the second pair
//! ([`MODEL_CELL`]) the data is plain memory (loom's `UnsafeCell`), where reading without
//! happens-before is a data race — undefined behaviour in Rust — and loom reports it as a
//! causality violation at `main`'s read.
//!
//! **The fix.** Store the flag with `Release` and load it with `Acquire` (the `// FIX:` lines,
//! next to the `// BUG:` ones): a reader whose Acquire load sees the Release store happens
//! after everything the writer did before that store, the data included.
//!
//! **Why shuttle misses it.** shuttle explores interleavings, not memory models: it runs every
//! atomic as `SeqCst`, so a load always returns the latest store in its serial order, and
//! "flag seen, data stale" cannot happen. Weak-memory bugs are loom's alone (and on x86, whose
//! hardware keeps stores and loads in order, real runs practically never show it; ARM can).

use racelab::check::FailureKind;
use racelab::note;
use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};

use crate::lab::{Loom, Model};

/// The catalogue entry: the data is an atomic, so the stale read is an assertion.
pub const MODEL: Model = Model {
    name: "relaxed_publication",
    bug_class: "weak memory ordering (publication)",
    source: "classic message-passing litmus test",
    fix: "store the flag with Release, load it with Acquire",
    kind: FailureKind::Panic,
    message: "stale read: data = 0 after flag",
    loom: Loom::Exhaustive,
    shuttle: false,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The second pair: the data is plain memory, so the stale read is a data race.
pub const MODEL_CELL: Model = Model {
    name: "relaxed_publication_cell",
    bug_class: "data race (weak memory ordering)",
    source: "classic message passing, plain data",
    fix: "store the flag with Release, load it with Acquire",
    kind: FailureKind::DataRace,
    message: "Causality violation",
    loom: Loom::Exhaustive,
    shuttle: false,
    shuttle_iterations: 1000,
    buggy: buggy_cell,
    fixed: fixed_cell,
};

/// The value the writer publishes.
const DATA: usize = 42;

/// Atomic data published behind a Relaxed flag.
pub fn buggy() {
    scenario::<false>();
}

/// Atomic data published behind a Release/Acquire flag.
pub fn fixed() {
    scenario::<true>();
}

/// Plain data published behind a Relaxed flag.
pub fn buggy_cell() {
    scenario_cell::<false>();
}

/// Plain data published behind a Release/Acquire flag.
pub fn fixed_cell() {
    scenario_cell::<true>();
}

/// The data, and the flag that says it is ready.
struct Mailbox {
    /// Relaxed on both sides: the data needs no ordering of its own; the flag's orderings
    /// decide whether it is published (that is the lesson).
    data: AtomicUsize,
    ready: AtomicBool,
}

fn set_ready<const FIXED: bool>(ready: &AtomicBool) {
    if FIXED {
        // FIX: Release: pairs with the Acquire load in `is_ready`; everything this thread
        // wrote before it is visible to a thread whose Acquire load sees `true`.
        ready.store(true, Ordering::Release);
    } else {
        // BUG: Relaxed orders nothing around it; the data store may not be seen first.
        ready.store(true, Ordering::Relaxed);
    }
    note!("set flag");
}

fn is_ready<const FIXED: bool>(ready: &AtomicBool) -> bool {
    let seen = if FIXED {
        // FIX: Acquire: pairs with the Release store in `set_ready`.
        ready.load(Ordering::Acquire)
    } else {
        // BUG: seeing `true` with Relaxed says nothing about what else is visible.
        ready.load(Ordering::Relaxed)
    };
    note!("read flag = {seen}");
    seen
}

fn scenario<const FIXED: bool>() {
    let mailbox = Arc::new(Mailbox {
        data: AtomicUsize::new(0),
        ready: AtomicBool::new(false),
    });
    let writer = Arc::clone(&mailbox);
    let other = thread::spawn(move || {
        writer.data.store(DATA, Ordering::Relaxed);
        note!("write data = {DATA}");
        set_ready::<FIXED>(&writer.ready);
    });
    if is_ready::<FIXED>(&mailbox.ready) {
        let data = mailbox.data.load(Ordering::Relaxed);
        note!("read data = {data}");
        assert!(data == DATA, "stale read: data = {data} after flag");
    }
    other.join().unwrap();
}

/// The data as plain memory, and the flag that says it is ready.
struct CellMailbox {
    data: UnsafeCell<usize>,
    ready: AtomicBool,
}

/// Shared by reference between the writer and the reader.
// SAFETY: `data` is written only before `ready` is set and read only after it is seen set;
// with the Release/Acquire pair that orders the accesses. In the buggy variant (Relaxed) it
// does not: that unsoundness is exactly what loom reports.
unsafe impl Sync for CellMailbox {}

fn scenario_cell<const FIXED: bool>() {
    let mailbox = Arc::new(CellMailbox {
        data: UnsafeCell::new(0),
        ready: AtomicBool::new(false),
    });
    let writer = Arc::clone(&mailbox);
    let other = thread::spawn(move || {
        // SAFETY: the reader reads only after it sees `ready`, which is set after this write.
        writer.data.with_mut(|data| unsafe { *data = DATA });
        note!("write data = {DATA}");
        set_ready::<FIXED>(&writer.ready);
    });
    if is_ready::<FIXED>(&mailbox.ready) {
        // SAFETY: `ready` was seen set, so the writer is done with `data` (and, with Acquire,
        // its write happens before this read; with Relaxed it does not — the bug).
        let data = mailbox.data.with(|data| unsafe { *data });
        note!("read data = {data}");
        assert!(data == DATA, "stale read: data = {data} after flag");
    }
    other.join().unwrap();
}

#[cfg(test)]
mod tests {
    // The std stress test records for the catalogue that on x86 real runs keep the stores in
    // order. The cell flavour has none: its buggy variant is a real data race, undefined
    // behaviour outside loom's model.
    crate::lab::model_tests! {
        MODEL => buggy, fixed { shuttle: misses };
        MODEL_CELL => buggy_cell, fixed_cell { shuttle: misses, std: none };
    }
}
