//! # abba_deadlock — two locks taken in opposite orders
//!
//! **The bug.** One thread takes lock A then B; another takes B then A. If each gets its first
//! lock before the other gets its second, each waits for the lock the other holds — forever.
//!
//! **Where it comes from.** The tutorial (see README's tutorial section) ends with a warning
//! that concurrent code deadlocks; this is the classic way it happens (circular wait).
//!
//! **Reading the trace.** `main` acquires A, `t1` acquires B; then `main` waits for B (held by
//! `t1`) and `t1` waits for A (held by `main`). The report names that cycle.
//!
//! **The fix.** One global lock order: both threads take A before B (the `// FIX:` line, next
//! to the `// BUG:` line it replaces).

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "abba_deadlock",
    bug_class: "deadlock (lock order)",
    source: "classic circular wait",
    fix: "take the locks in one global order",
    kind: FailureKind::Deadlock,
    message: "main holds A and waits for B (held by t1); t1 holds B and waits for A (held by main)",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// Two threads, two locks, opposite orders.
pub fn buggy() {
    scenario::<false>();
}

/// Two threads, two locks, one order.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let a = Arc::new(Lock::new(0));
    let b = Arc::new(Lock::new(0));
    trace::label(&*a, "A");
    trace::label(&*b, "B");
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let other = thread::spawn(move || {
        let (first, second) = if FIXED {
            (&a2, &b2) // FIX: A, then B: the same order as main
        } else {
            (&b2, &a2) // BUG: B, then A: the opposite order to main
        };
        let mut x = first.lock();
        let mut y = second.lock();
        note!("holds both");
        *x += 1;
        *y += 1;
    });
    {
        let mut x = a.lock();
        let mut y = b.lock();
        note!("holds both");
        *x += 1;
        *y += 1;
    }
    other.join().unwrap();
    assert_eq!((*a.lock(), *b.lock()), (2, 2));
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
