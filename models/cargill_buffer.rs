//! # cargill_buffer — one condition, two kinds of waiters, and `notify_one` wakes the wrong one
//!
//! **The bug.** A bounded buffer (one slot) shared by a producer and two consumers, with a
//! *single* [`Condition`] for both "not full" (the producer waits on it) and "not empty" (the
//! consumers wait on it). Every change wakes one waiter with `notify_one`. When a producer
//! and a consumer are both waiting, the wake-up meant for the producer can go to the other
//! consumer instead: it finds the buffer still empty and waits again, the producer is never
//! woken, and with every thread waiting, nobody is left to notify — a deadlock.
//!
//! **Where it comes from.** Tom Cargill's puzzle (2004, "Java wait/notify deadlock"): a
//! bounded buffer whose `notify` is correct for one producer and one consumer and deadlocks
//! with one more consumer. Python's `threading.Condition` has the same shape as Java's
//! monitors: one queue of waiters, `notify()` wakes the oldest, whoever it is.
//!
//! **Reading the trace.** Both consumers find the buffer empty and wait (`wait on buffer`).
//! `main` puts item 1 and wakes the oldest waiter, `t1`, then tries to put item 2, finds the
//! slot full, and waits — behind `t2`. `t1` takes item 1 and wakes the oldest waiter: `t2`,
//! not `main`. `t2` finds the buffer empty and waits again; `t1` is done. `main` and `t2` wait
//! for a notify nobody will send.
//!
//! **The fix.** `notify_all` (the `// FIX:` line, next to the `// BUG:` one): every waiter
//! re-checks its own condition in its `while` loop, and the one that can go on does. (A
//! condition per kind of waiter, `not_full` and `not_empty`, fixes it too, and wakes fewer
//! threads.)

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Condition, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "cargill_buffer",
    bug_class: "deadlock (wake-up to the wrong waiter)",
    source: "Cargill's bounded buffer: one condition for two kinds of waiters",
    fix: "notify_all (or one condition per kind of waiter)",
    kind: FailureKind::Deadlock,
    // loom, shuttle and the std watchdog word it differently; this is what they share.
    message: "waits for notify on buffer",
    loom: Loom::Bounded(3),
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The buffer's one slot.
struct Buffer {
    slot: Lock<Option<u32>>,
    changed: Condition,
}

impl Buffer {
    fn wake<const FIXED: bool>(&self) {
        if FIXED {
            self.changed.notify_all(); // FIX: every waiter re-checks; the one that can go on does
        } else {
            self.changed.notify_one(); // BUG: may wake a waiter of the wrong kind
        }
    }

    fn put<const FIXED: bool>(&self, item: u32) {
        let mut slot = self.slot.lock();
        while slot.is_some() {
            slot = self.changed.wait(slot);
        }
        note!("put item {item}");
        *slot = Some(item);
        self.wake::<FIXED>();
    }

    fn take<const FIXED: bool>(&self) -> u32 {
        let mut slot = self.slot.lock();
        while slot.is_none() {
            slot = self.changed.wait(slot);
        }
        let item = slot.take().expect("checked under the lock");
        note!("take item {item}");
        self.wake::<FIXED>();
        item
    }
}

/// A producer and two consumers, one condition, `notify_one`.
pub fn buggy() {
    scenario::<false>();
}

/// The same with `notify_all`.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let buffer = Arc::new(Buffer {
        slot: Lock::new(None),
        changed: Condition::named("buffer"),
    });
    trace::label(&buffer.slot, "slot");
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let buffer = Arc::clone(&buffer);
            thread::spawn(move || buffer.take::<FIXED>())
        })
        .collect();
    buffer.put::<FIXED>(1);
    buffer.put::<FIXED>(2);
    let mut taken: Vec<u32> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    taken.sort_unstable();
    assert_eq!(taken, [1, 2], "every item taken once");
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
