//! # check_then_act — both threads see "not initialised", and both initialise
//!
//! **The bug.** A resource is initialised on first use: check a flag, and if it is not set,
//! take the lock and initialise. Two threads can both pass the check before either has
//! initialised, and then both initialise, one after the other, each under the lock.
//!
//! **Where it comes from.** The tutorial (see README's tutorial section) ends with a warning
//! about data races and inconsistency; this is the classic check-then-act race (lazy
//! initialisation, "double-checked locking" without the second check). The lock makes each
//! initialisation exclusive, but not the decision to initialise: that was taken on a check that
//! is stale by the time the lock is held.
//!
//! **Reading the trace.** shuttle's trace is the classic interleaving: `main` and `t1` both
//! check before either has initialised, both see "not initialised", and each in turn takes
//! the lock and initialises (init #1, init #2) without looking again. loom's trace shows that
//! a check can be stale even when it comes later: `main` initialises and sets `ready`, then
//! `t1` checks and still reads "not initialised". An Acquire load is ordered after a Release
//! store only once it *reads* that store; until then it may return the older value, and here
//! nothing forces it to. Either way the assertion after `join` counts two initialisations.
//!
//! **The fix.** Check again under the lock that guards the act (the `// FIX:` line, next to the
//! `// BUG:` one): the check that decides and the act it decides on are then one critical
//! section, and the lock's Acquire sees every initialisation made under it. The first,
//! lock-free check stays as a fast path once the resource is ready.

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicBool, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "check_then_act",
    bug_class: "race condition (check-then-act)",
    source: "classic lazy-initialisation race",
    fix: "re-check under the lock that guards the act",
    kind: FailureKind::Panic,
    message: "initialised twice",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// Two threads initialise on first use: check, then lock and initialise.
pub fn buggy() {
    scenario::<false>();
}

/// The same, re-checking under the lock.
pub fn fixed() {
    scenario::<true>();
}

/// A resource initialised on first use.
struct Lazy {
    /// Set once the resource is initialised: the lock-free fast-path check.
    ready: AtomicBool,
    /// How many times the resource was initialised (the lock serialises initialisers).
    inits: Lock<u32>,
}

/// Makes sure the resource is initialised before it is used.
fn ensure_initialised<const FIXED: bool>(lazy: &Lazy) {
    // The check. Acquire: pairs with the Release store below, so a thread that sees `ready`
    // also sees the initialisation.
    if lazy.ready.load(Ordering::Acquire) {
        note!("check: initialised");
        return;
    }
    note!("check: not initialised");
    // The act, under the lock. By now the check may be stale.
    let mut inits = lazy.inits.lock();
    let initialised = if FIXED {
        *inits > 0 // FIX: check again, under the lock that guards the act
    } else {
        false // BUG: acts on the check above, made before the lock was held
    };
    if initialised {
        note!("re-check: initialised meanwhile");
        return;
    }
    *inits += 1;
    note!("initialise (init #{})", *inits);
    // Release: pairs with the Acquire load of the check above.
    lazy.ready.store(true, Ordering::Release);
}

fn scenario<const FIXED: bool>() {
    let lazy = Arc::new(Lazy {
        ready: AtomicBool::new(false),
        inits: Lock::new(0),
    });
    trace::label(&lazy.inits, "init lock");
    let lazy2 = Arc::clone(&lazy);
    let other = thread::spawn(move || ensure_initialised::<FIXED>(&lazy2));
    ensure_initialised::<FIXED>(&lazy);
    other.join().unwrap();
    let inits = *lazy.inits.lock();
    assert!(
        inits == 1,
        "initialised twice: init ran {inits} times, expected once"
    );
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
