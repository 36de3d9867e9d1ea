//! # dining_philosophers — three philosophers, three forks, everyone left fork first
//!
//! **The bug.** Three philosophers sit round a table with one fork between each pair. Each
//! picks up the fork on their left, then the one on their right, eats, and puts both down. If
//! all three pick up their left fork before anyone picks up a right one, each waits for the
//! fork their neighbour holds: a circular wait of three.
//!
//! **Where it comes from.** Dijkstra's dining philosophers (1965, as Hoare told it): the
//! deadlock of the tutorial's warning with more than two parties, where no single pair of
//! threads takes two locks in opposite orders — the cycle only closes round the whole table.
//!
//! **Reading the trace.** Philosopher 0 is `main`, 1 and 2 are `p1` and `p2`. Each acquires its
//! left fork; then each waits for its right one, held by the next philosopher. The wait-for
//! report names the cycle of three.
//!
//! **The fix.** Resource ordering: every philosopher picks up the lower-numbered of their two
//! forks first. Philosopher 2's forks are 2 and 0, so they reach for fork 0 first, and the
//! cycle cannot close (the `// FIX:` line, next to the `// BUG:` one).

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "dining_philosophers",
    bug_class: "deadlock (circular wait of three)",
    source: "Dijkstra's dining philosophers",
    fix: "pick up the lower-numbered fork first",
    kind: FailureKind::Deadlock,
    message: "main holds fork 0 and waits for fork 1 (held by p1); \
              p1 holds fork 1 and waits for fork 2 (held by p2); \
              p2 holds fork 2 and waits for fork 0 (held by main)",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// How many philosophers (and forks).
const SEATS: usize = 3;

/// Everyone picks up their left fork first.
pub fn buggy() {
    scenario::<false>();
}

/// Everyone picks up their lower-numbered fork first.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let forks: Arc<Vec<Lock<usize>>> = Arc::new((0..SEATS).map(|_| Lock::new(0)).collect());
    for (i, fork) in forks.iter().enumerate() {
        trace::label(fork, &format!("fork {i}"));
    }
    let others: Vec<_> = (1..SEATS)
        .map(|seat| {
            let forks = Arc::clone(&forks);
            thread::Builder::new()
                .name(format!("p{seat}"))
                .spawn(move || dine::<FIXED>(&forks, seat))
                .expect("a philosopher's thread")
        })
        .collect();
    dine::<FIXED>(&forks, 0);
    for other in others {
        other.join().unwrap();
    }
    let meals: usize = forks.iter().map(|f| *f.lock()).sum();
    assert_eq!(
        meals,
        2 * SEATS,
        "every philosopher ate once, with two forks"
    );
}

/// Philosopher `seat` eats once.
fn dine<const FIXED: bool>(forks: &[Lock<usize>], seat: usize) {
    let (left, right) = (seat, (seat + 1) % SEATS);
    let (first, second) = if FIXED {
        (left.min(right), left.max(right)) // FIX: the lower-numbered fork first
    } else {
        (left, right) // BUG: the left fork first, whoever you are
    };
    let mut a = forks[first].lock();
    let mut b = forks[second].lock();
    note!("eats");
    *a += 1;
    *b += 1;
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
