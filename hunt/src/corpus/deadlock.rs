//! Deadlocks: circular waits on locks, a lock held while waiting for a signal, and a wake-up
//! that comes before anyone waits for it.

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicBool, Ordering};
use racelab::sync::{thread, Arc};
use racelab::trace;

use crate::{Flavour, HuntLock, Program};

/// Two locks taken in opposite orders.
pub const ABBA: Program = Program {
    name: "abba_deadlock",
    bug: "deadlock (lock order)",
    source: "the classic circular wait (Coffman et al. 1971); loom's deadlock tests",
    kind: FailureKind::Deadlock,
    message: "holds A and waits for B",
    checker_message: Some("deadlock"),
    shuttle: true,
};

/// main takes A then B; a worker takes B then A.
pub fn abba<F: Flavour>() {
    let a = F::shared("A", 0u32);
    let b = F::shared("B", 0u32);
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let worker = thread::spawn(move || {
        let mut y = b2.lock(); // BUG: B, then A: the opposite order to main
        let mut x = a2.lock();
        *x += 1;
        *y += 1;
    });
    {
        let mut x = a.lock();
        let mut y = b.lock();
        *x += 1;
        *y += 1;
    }
    worker.join().unwrap();
}

/// Dining philosophers, three of them.
pub const PHILOSOPHERS: Program = Program {
    name: "dining_philosophers",
    bug: "deadlock (hold and wait, 3-cycle)",
    source: "Dijkstra's dining philosophers, with 3 forks",
    kind: FailureKind::Deadlock,
    message: "and waits for fork",
    checker_message: Some("deadlock"),
    shuttle: true,
};

const FORK_NAMES: [&str; 3] = ["fork 0", "fork 1", "fork 2"];

/// Three philosophers each take their left fork, then their right one.
pub fn philosophers<F: Flavour>() {
    let forks: Vec<Arc<F::Lock<u32>>> = FORK_NAMES.iter().map(|name| F::shared(name, 0)).collect();
    let philosophers: Vec<_> = (0..3)
        .map(|i| {
            let left = Arc::clone(&forks[i]);
            let right = Arc::clone(&forks[(i + 1) % 3]);
            thread::spawn(move || {
                let mut l = left.lock();
                let mut r = right.lock(); // BUG: every philosopher takes left first: a cycle
                *l += 1;
                *r += 1;
            })
        })
        .collect();
    for philosopher in philosophers {
        philosopher.join().unwrap();
    }
}

/// A lock held while waiting for a signal that needs the lock.
pub const HOLD_AND_WAIT: Program = Program {
    name: "hold_and_wait",
    bug: "deadlock (a lock held while waiting for a signal)",
    source: "SCTBench's deadlock01 shape: waiting for a condition while holding its writer's lock",
    kind: FailureKind::Deadlock,
    message: "waits for A (held by main)",
    checker_message: Some("main waits for the flag"),
    shuttle: true,
};

/// A worker takes A, raises a flag and wakes main; main takes A and waits for the flag while
/// holding it.
pub fn hold_and_wait<F: Flavour>() {
    let lock = F::shared("A", ());
    let flag = Arc::new(AtomicBool::new(false));
    let main_thread = thread::current();
    let (lock2, flag2) = (Arc::clone(&lock), Arc::clone(&flag));
    let worker = thread::spawn(move || {
        let _held = lock2.lock();
        // Release: pairs with main's Acquire load of the flag.
        flag2.store(true, Ordering::Release);
        main_thread.unpark();
    });
    {
        let _held = lock.lock(); // BUG: held while waiting for a flag the worker sets under it
                                 // Acquire: pairs with the worker's Release store.
        while !flag.load(Ordering::Acquire) {
            trace::waiting("the flag");
            thread::park();
        }
    }
    worker.join().unwrap();
}

/// A wake-up sent before the waiter registered.
pub const LOST_WAKEUP: Program = Program {
    name: "lost_wakeup_park",
    bug: "deadlock (lost wake-up: check, register, park)",
    source: "the lost wake-up (Lampson & Redell 1980), with a flag and park/unpark",
    kind: FailureKind::Deadlock,
    message: "main waits for the flag",
    checker_message: None,
    shuttle: true,
};

/// main checks the flag, registers as waiting and parks; a notifier raises the flag and wakes
/// main only if it has registered.
pub fn lost_wakeup() {
    // SeqCst on all four: the flag and the registration form a Dekker-style pair (each side
    // writes one and reads the other), which needs a single total order.
    let flag = Arc::new(AtomicBool::new(false));
    let waiting = Arc::new(AtomicBool::new(false));
    let main_thread = thread::current();
    let (flag2, waiting2) = (Arc::clone(&flag), Arc::clone(&waiting));
    let notifier = thread::spawn(move || {
        flag2.store(true, Ordering::SeqCst);
        if waiting2.load(Ordering::SeqCst) {
            main_thread.unpark();
        }
    });
    if !flag.load(Ordering::SeqCst) {
        waiting.store(true, Ordering::SeqCst);
        // BUG: no second look at the flag after registering: a notifier that ran since the
        // check found nobody waiting and will not wake us
        trace::waiting("the flag");
        thread::park();
    }
    notifier.join().unwrap();
}
