//! # if_not_while — `if` instead of `while` around `wait`: the item is gone when the waiter wakes
//!
//! **The bug.** A consumer waits for an item with `if queue.is_empty() { wait }` and then
//! takes the item it was woken for. But a wake-up only means a notify chose this waiter; by
//! the time it has the lock again, another consumer that arrived in between — and never had
//! to wait — may have taken the item. The woken consumer pops an empty queue.
//!
//! **Where it comes from.** Every condition-variable API says it: Python's docs ("the while
//! loop checking for the application's condition is necessary because `wait()` can return
//! after an arbitrary long time, and the condition which prompted the `notify()` call may no
//! longer hold true"), POSIX, Java, std's `Condvar`. racelab's [`Condition`] never wakes
//! spuriously, so the only way to break the `if` is the stolen wake-up shown here.
//!
//! **Reading the trace.** `t1` finds the queue empty and waits. `main` pushes item 1 and
//! wakes `t1`; before `t1` has the lock back, `t2` takes it, finds item 1, and takes it
//! without waiting. `t1` gets the lock, does not look again, and finds the queue empty.
//!
//! **The fix.** `while` (the `// FIX:` line, next to the `// BUG:` one): after every wake-up,
//! check again, and wait again if the item is gone (the second push wakes it).

use std::collections::VecDeque;

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Condition, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "if_not_while",
    bug_class: "race condition (wait without re-check)",
    source: "`if` instead of `while` around a condition wait (a stolen wake-up)",
    fix: "re-check the condition in a `while` loop around `wait`",
    kind: FailureKind::Panic,
    message: "woke to an empty queue",
    loom: Loom::Bounded(3),
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// Two consumers that wait with `if`.
pub fn buggy() {
    scenario::<false>();
}

/// The same consumers waiting with `while`.
pub fn fixed() {
    scenario::<true>();
}

fn take<const FIXED: bool>(queue: &Lock<VecDeque<u32>>, nonempty: &Condition) -> u32 {
    let mut items = queue.lock();
    if FIXED {
        while items.is_empty() {
            // FIX: check again after every wake-up
            items = nonempty.wait(items);
        }
    } else if items.is_empty() {
        // BUG: checked once; the item may be gone by the time the lock is back
        items = nonempty.wait(items);
    }
    let item = items.pop_front().expect("woke to an empty queue");
    note!("take item {item}");
    item
}

fn scenario<const FIXED: bool>() {
    let shared = Arc::new((Lock::new(VecDeque::new()), Condition::named("nonempty")));
    trace::label(&shared.0, "queue");
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || take::<FIXED>(&shared.0, &shared.1))
        })
        .collect();
    let (queue, nonempty) = &*shared;
    for item in 1..=2 {
        queue.lock().push_back(item);
        note!("push item {item}");
        nonempty.notify_one();
    }
    let mut taken: Vec<u32> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    taken.sort_unstable();
    assert_eq!(taken, [1, 2], "every item taken once");
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed { quiet_panics: "woke to an empty queue" };
    }
}
