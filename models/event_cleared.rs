//! # event_cleared — the flag cleared before the waiter looked at it
//!
//! **The bug.** A producer hands a value to a consumer through an [`Event`]: it stores the
//! value, calls `set()`, and — to have the event ready for the next value — calls `clear()`
//! right away, as if the event were a pulse. A consumer already parked in `wait()` is woken
//! by the `set` and gets through (a `set` wakes every thread waiting at that moment, however
//! soon the `clear` follows). But a consumer that reaches its `wait()` only after the `clear`
//! finds the flag down, and waits for a `set` that has come and gone — forever.
//!
//! **Where it comes from.** The classic misuse of Python's `threading.Event` as an auto-reset
//! signal (Win32's auto-reset events, a condition variable's `notify` without a predicate): an
//! event is a *level*, not an edge. Whoever clears it decides who can still see it, and the
//! setter cannot know whether the waiter has looked yet.
//!
//! **Reading the trace.** `producer` stores the value (the atomic's `store` row), sets the
//! event and clears it again (`set event`, `clear event`) before `main` has got to its `wait`; `main` then waits for
//! `event`, and the producer has finished: a deadlock with no lock in it. (Had `main` been
//! parked before the `set`, the `set` would have woken it: the bug needs the consumer to be
//! late, and the checkers find that order at once.)
//!
//! **The fix.** The setter only sets; the thread that *consumes* the event clears it, after it
//! has seen it (the `// FIX:` line against the `// BUG:` one). The flag then stays up until the
//! one it was meant for has looked at it — late or not.

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::Event;

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "event_cleared",
    bug_class: "deadlock (event cleared before the waiter's check)",
    source: "classic misuse of threading.Event as an auto-reset pulse: set(); clear()",
    fix: "only the consumer clears the event, after it has seen it; the setter only sets",
    kind: FailureKind::Deadlock,
    message: "main waits for event",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The producer pulses the event: `set()`, then `clear()` at once.
pub fn buggy() {
    scenario::<false>();
}

/// The producer only sets; the consumer clears after its `wait`.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let ready = Arc::new(Event::new());
    let value = Arc::new(AtomicUsize::new(0));
    let producer = {
        let (ready, value) = (Arc::clone(&ready), Arc::clone(&value));
        thread::Builder::new()
            .name("producer".into())
            .spawn(move || {
                // Relaxed: the event's set / wait orders it (set is a release, wait an acquire).
                value.store(42, Ordering::Relaxed);
                ready.set();
                if !FIXED {
                    ready.clear(); // BUG: the consumer may not have looked yet
                }
            })
            .expect("spawn the producer")
    };
    ready.wait();
    if FIXED {
        ready.clear(); // FIX: the consumer clears, once it has seen the flag
    }
    // Relaxed: ordered after the producer's store by the event (see above).
    assert_eq!(value.load(Ordering::Relaxed), 42);
    producer.join().unwrap();
    assert!(!ready.is_set(), "the event is ready for the next value");
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
