//! The Barrier scenarios (included by `tests/{loom,shuttle,std}_barrier.rs`): plain functions
//! on `racelab::sync`, each asserting what it proves.
#![allow(dead_code)] // each test binary uses its own subset

use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{Barrier, BrokenBarrier};

/// `parties` threads pass the barrier `generations` times. Each counts its arrival before
/// `wait`; after `wait` every arrival of that generation must be counted (nobody passes
/// early), the action must have run exactly once for it, and the generation's indices are
/// `0..parties`, each once.
pub fn nobody_passes_early(parties: usize, generations: usize) {
    let arrivals = Arc::new(AtomicUsize::new(0));
    let trips = Arc::new(AtomicUsize::new(0));
    let barrier = {
        let arrivals = Arc::clone(&arrivals);
        let trips = Arc::clone(&trips);
        Arc::new(
            Barrier::with_action(parties, move || {
                let generation = trips.load(Ordering::Relaxed);
                // Relaxed: the barrier's lock orders these (the action runs under it).
                assert_eq!(
                    arrivals.load(Ordering::Relaxed),
                    parties * (generation + 1),
                    "the action ran before every arrival"
                );
                trips.store(generation + 1, Ordering::Relaxed);
            })
            .unwrap(),
        )
    };
    let indices = Arc::new(racelab::Lock::new(vec![Vec::new(); generations]));
    let run = {
        let (arrivals, trips, barrier, indices) = (
            Arc::clone(&arrivals),
            Arc::clone(&trips),
            Arc::clone(&barrier),
            Arc::clone(&indices),
        );
        move || {
            for generation in 0..generations {
                // Relaxed: the barrier's wait orders it before the others' checks.
                arrivals.fetch_add(1, Ordering::Relaxed);
                let index = barrier.wait().expect("nobody breaks this barrier");
                assert!(
                    arrivals.load(Ordering::Relaxed) >= parties * (generation + 1),
                    "passed the barrier before everyone arrived"
                );
                assert_eq!(
                    trips.load(Ordering::Relaxed),
                    generation + 1,
                    "the action did not run exactly once for this generation"
                );
                indices.lock()[generation].push(index);
            }
        }
    };
    let handles: Vec<_> = (1..parties).map(|_| thread::spawn(run.clone())).collect();
    run();
    for h in handles {
        h.join().unwrap();
    }
    for (generation, mut got) in indices.lock().drain(..).enumerate() {
        got.sort_unstable();
        assert_eq!(
            got,
            (0..parties).collect::<Vec<_>>(),
            "generation {generation}: indices not distinct"
        );
    }
    assert_eq!(trips.load(Ordering::Relaxed), generations);
    assert_eq!(barrier.n_waiting(), 0);
}

/// A barrier for `parties` threads that only `parties - 1` reach, and one thread that aborts
/// it instead: every waiter gets `BrokenBarrier`, as does any later wait.
pub fn abort_breaks_waiters(parties: usize) {
    let barrier = Arc::new(Barrier::new(parties).unwrap());
    let handles: Vec<_> = (1..parties)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || barrier.wait())
        })
        .collect();
    barrier.abort();
    assert!(barrier.is_broken());
    for h in handles {
        assert_eq!(
            h.join().unwrap(),
            Err(BrokenBarrier),
            "a waiter passed an aborted barrier"
        );
    }
    assert_eq!(barrier.wait(), Err(BrokenBarrier));
    assert_eq!(barrier.n_waiting(), 0);
    // reset makes it usable again: a barrier of 1 passes alone.
    barrier.reset();
    assert!(!barrier.is_broken());
}

/// A reset races with a waiter of a 2-party barrier: if the waiter was waiting, it fails with
/// `BrokenBarrier` (and retries); either way both threads then pass the barrier together.
pub fn reset_breaks_waiters() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    let waiter = {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || {
            let mut broken = 0;
            loop {
                match barrier.wait() {
                    Ok(index) => return (index, broken),
                    Err(BrokenBarrier) => broken += 1,
                }
            }
        })
    };
    barrier.reset();
    let mine = barrier.wait().expect("after the reset, the barrier works");
    let (theirs, broken) = waiter.join().unwrap();
    assert!(broken <= 1, "one reset broke {broken} waits");
    assert_eq!(mine + theirs, 1, "indices 0 and 1");
    assert!(!barrier.is_broken());
}

/// A timed wait on a 2-party barrier racing the other party's arrival (under loom and shuttle
/// the timeout is the checker's choice): both pass with indices 0 and 1, or the timeout broke
/// the barrier and both fail — never one of each.
pub fn timed_wait_racing_arrival() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    let timed = {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || barrier.wait_timeout(std::time::Duration::from_secs(5)))
    };
    let mine = barrier.wait();
    let theirs = timed.join().unwrap();
    match (mine, theirs) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a + b, 1, "indices 0 and 1");
            assert!(!barrier.is_broken());
        }
        (Err(BrokenBarrier), Err(BrokenBarrier)) => assert!(barrier.is_broken()),
        other => panic!("one passed and one broke: {other:?}"),
    }
}
