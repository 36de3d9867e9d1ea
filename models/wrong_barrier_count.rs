//! # wrong_barrier_count — a barrier for one party more than will ever arrive
//!
//! **The bug.** Two workers each compute half of a result, meet at a [`Barrier`], then each
//! reads the other's half. The barrier is made for `WORKERS + 1` parties — counting the main
//! thread, which starts the workers and joins them but never calls `wait`. The workers arrive,
//! wait for a third party that never comes, and main waits for the workers: a deadlock.
//!
//! **Where it comes from.** The classic off-by-one of every rendezvous (Python's
//! `threading.Barrier(parties)`, std's `Barrier::new(n)`, OpenMP teams): a party count that
//! does not match the threads that call `wait`. Python's answer is a timeout or `abort()`,
//! which turns the hang into `BrokenBarrierError`; a checker finds the hang itself.
//!
//! **Reading the trace.** `t1` and `t2` write their halves and arrive (`barrier wait (arrival
//! 1 of 3)`, `(arrival 2 of 3)`) and wait for the barrier; `main` waits to join `t1`. Nobody
//! can run: the third arrival was never coming.
//!
//! **The fix.** Count the threads that call `wait`: `Barrier::new(WORKERS)` (the `// FIX:`
//! line, next to the `// BUG:` one).

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Barrier, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "wrong_barrier_count",
    bug_class: "deadlock (barrier party count)",
    source: "a barrier whose party count is wrong: one party never arrives",
    fix: "make the barrier for exactly the threads that call wait",
    kind: FailureKind::Deadlock,
    // loom, shuttle and the std watchdog word it differently; this is what they share.
    message: "waits for notify on barrier",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The threads that compute and meet.
const WORKERS: usize = 2;

/// A barrier made for the workers and main, which never waits.
pub fn buggy() {
    scenario::<false>();
}

/// A barrier made for the workers.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let parties = if FIXED {
        WORKERS // FIX: the threads that call wait
    } else {
        WORKERS + 1 // BUG: counts main, which never calls wait
    };
    let barrier = Arc::new(Barrier::new(parties).expect("parties ≥ 1"));
    let halves = Arc::new(Lock::new([0u32; WORKERS]));
    trace::label(&*halves, "halves");
    let workers: Vec<_> = (0..WORKERS)
        .map(|me| {
            let (barrier, halves) = (Arc::clone(&barrier), Arc::clone(&halves));
            thread::spawn(move || {
                let mine = 10 * (me as u32 + 1);
                halves.lock()[me] = mine;
                note!("wrote half {me} = {mine}");
                barrier.wait().expect("nobody breaks this barrier");
                let theirs = halves.lock()[1 - me];
                assert_ne!(theirs, 0, "read the other half before it was written");
                mine + theirs
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap(), 30);
    }
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
