//! # lost_wakeup — the waiter checks, then registers: too late to be woken
//!
//! **The bug.** A naive one-shot event: the waiter checks the flag, finds it unset, then
//! registers its thread handle and parks, while the notifier sets the flag and unparks the
//! registered waiter. If the notifier runs between the waiter's check and its registration, it
//! finds nobody to wake, and the waiter parks for a wake-up that has come and gone — forever.
//!
//! **Where it comes from.** The tutorial (see README's tutorial section) ends with a warning
//! that concurrent code deadlocks; this is the classic lost wake-up (check, then go to sleep,
//! with no token to remember a wake-up sent in between — a condition-variable wait outside the
//! lock that guards its condition). Every step here is under the lock; the bug is the order of
//! the waiter's two critical sections: it checks, then registers, and a `set` that runs
//! between the two finds nobody to wake.
//!
//! The second pair in this file ([`MODEL_NO_RECHECK`]) is the classic's twin: a wait that does
//! not re-check its condition after a wake-up. `park` may return without the condition — on a
//! token left over from an earlier `unpark`, or spuriously, as std's docs allow — and the
//! waiter goes on with the condition false.
//!
//! **Reading the trace.** `main` checks: not set, and releases the lock. `t1` sets the flag and
//! looks for a waiter: none registered yet, so it wakes nobody and finishes. `main` registers —
//! too late — and parks; nothing is left that could unpark it. No thread can run (loom:
//! `main` `Blocked`, `t1` `Terminated`): a deadlock with no lock in it. In the no-re-check
//! pair, loom's trace is the stale token: `t1` publishes item 1 and unparks `main`, which has
//! not parked (the token is kept); `main` takes item 1 without parking, then parks for item 2
//! and returns at once on that token, with item 2 not yet published. shuttle's trace is a
//! spurious wake-up: `main`'s second `park` returns with no `unpark` at all.
//!
//! **The fix.** The same two critical sections, the other way round: register, then check (the
//! `// FIX:` line, next to the `// BUG:` one). A `set` that runs before the registration is
//! seen by the check; one that runs after it finds the waiter, and `park`'s token covers an
//! `unpark` that lands between the check and the `park`. In the no-re-check pair: loop back
//! and check again after every wake-up — a wake-up is a hint, not a promise.

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::thread::{self, Thread};
use racelab::sync::Arc;
use racelab::{note, trace, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry: the lost wake-up (register after the check).
pub const MODEL: Model = Model {
    name: "lost_wakeup",
    bug_class: "deadlock (lost wake-up)",
    source: "classic lost wake-up (check, then register, then sleep)",
    fix: "register as a waiter before checking the condition",
    kind: FailureKind::Deadlock,
    // loom, shuttle and the std watchdog word it differently; this is what they share.
    message: "deadlock: main waits for the flag",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The twin: a wait that does not re-check its condition after a wake-up.
pub const MODEL_NO_RECHECK: Model = Model {
    name: "lost_wakeup_no_recheck",
    bug_class: "race condition (wait without re-check)",
    source: "classic wait without a re-check loop (spurious or stale wake-up)",
    fix: "re-check the condition after every wake-up, in a loop",
    kind: FailureKind::Panic,
    // The item differs: a stale token (loom) fails at item 2, a spurious wake-up (shuttle)
    // can fail at item 1.
    message: "woke without its condition",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy: buggy_no_recheck,
    fixed: fixed_no_recheck,
};

/// A waiter that checks, then registers, then parks; a notifier that sets and wakes.
pub fn buggy() {
    scenario::<false>();
}

/// The same waiter registering before it checks.
pub fn fixed() {
    scenario::<true>();
}

/// A consumer that parks once per item and assumes the item is there when it wakes.
pub fn buggy_no_recheck() {
    scenario_no_recheck::<false>();
}

/// The same consumer re-checking after every wake-up.
pub fn fixed_no_recheck() {
    scenario_no_recheck::<true>();
}

/// A one-shot event, built the naive way: a flag, and the thread waiting for it.
struct Event {
    state: Lock<State>,
}

struct State {
    set: bool,
    /// The thread to unpark when the flag is set, once it has registered.
    waiter: Option<Thread>,
}

impl Event {
    fn new() -> Self {
        Event {
            state: Lock::new(State {
                set: false,
                waiter: None,
            }),
        }
    }

    fn is_set(&self) -> bool {
        let state = self.state.lock();
        note!("check: set = {}", state.set);
        state.set
    }

    fn register(&self) {
        let mut state = self.state.lock();
        state.waiter = Some(thread::current());
        note!("register as the waiter");
    }

    /// Blocks until the flag is set.
    fn wait<const FIXED: bool>(&self) {
        loop {
            if FIXED {
                self.register(); // FIX: register, then check: a later `set` finds the waiter
                if self.is_set() {
                    return;
                }
            } else {
                if self.is_set() {
                    return;
                }
                self.register(); // BUG: check, then register: a `set` in between wakes nobody
            }
            trace::waiting("the flag");
            thread::park();
            note!("woken");
        }
    }

    /// Sets the flag and wakes the registered waiter, if there is one.
    fn set(&self) {
        let waiter = {
            let mut state = self.state.lock();
            state.set = true;
            let waiter = state.waiter.take();
            match waiter {
                Some(_) => note!("set; a waiter is registered"),
                None => note!("set; no waiter registered"),
            }
            waiter
        };
        match waiter {
            Some(waiter) => {
                note!("unpark the waiter");
                waiter.unpark();
            }
            None => note!("wake nobody"),
        }
    }
}

fn scenario<const FIXED: bool>() {
    let event = Arc::new(Event::new());
    trace::label(&event.state, "event");
    let event2 = Arc::clone(&event);
    let notifier = thread::spawn(move || event2.set());
    event.wait::<FIXED>();
    notifier.join().unwrap();
}

/// The consumer's side: waits until item `item` is published, then takes it.
fn take<const FIXED: bool>(published: &AtomicUsize, item: usize) {
    loop {
        // Acquire: pairs with the Release store in the producer (a published item is
        // complete when it is seen).
        let seen = published.load(Ordering::Acquire);
        note!("wants item {item}: published = {seen}");
        if seen >= item {
            break;
        }
        note!("park");
        thread::park();
        note!("woken");
        if FIXED {
            continue; // FIX: loop back and re-check: a wake-up is a hint, not a promise
        } else {
            break; // BUG: takes the wake-up for the condition
        }
    }
    // Acquire: as above.
    let seen = published.load(Ordering::Acquire);
    assert!(
        seen >= item,
        "woke without its condition: wants item {item}, published = {seen}"
    );
    note!("take item {item}");
}

fn scenario_no_recheck<const FIXED: bool>() {
    let published = Arc::new(AtomicUsize::new(0));
    let consumer = thread::current();
    let published2 = Arc::clone(&published);
    let producer = thread::spawn(move || {
        for item in 1..=2 {
            // Release: pairs with the Acquire loads in `take`.
            published2.store(item, Ordering::Release);
            note!("publish item {item}; unpark the consumer");
            consumer.unpark();
        }
    });
    take::<FIXED>(&published, 1);
    take::<FIXED>(&published, 2);
    producer.join().unwrap();
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
        MODEL_NO_RECHECK => buggy_no_recheck, fixed_no_recheck;
    }
}
