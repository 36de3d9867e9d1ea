//! The programs `tests/loom_trace.rs` and `tests/shuttle_trace.rs` trace: written once, as a
//! user would, with everything concurrent from `racelab::sync`.

use racelab::sync::atomic::{AtomicBool, AtomicUsize, Named, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::{trace, Lock, RawLock};

/// Every panic these scenarios raise on purpose starts with this.
pub const MARK: &str = "trace test:";
/// The relaxed flag's stale read.
pub const STALE: &str = "trace test: stale data after the flag";
/// The end of a scenario that fails on purpose, to show its trace.
pub const SHOW: &str = "trace test: show the trace";

/// Message passing with a flag: t1 writes `data`, then sets `ready`; t2 reads `ready`, then
/// `data`. With `RELEASE` false the flag is Relaxed both ways (the bug: t2 may see the flag and
/// still the old data, which loom finds and shuttle, all SeqCst, cannot).
pub fn relaxed_flag<const RELEASE: bool>() {
    let data = Arc::new(AtomicUsize::named("data", 0));
    let ready = Arc::new(AtomicBool::named("ready", false));
    let (store, load) = if RELEASE {
        (Ordering::Release, Ordering::Acquire) // FIX: the store pairs with the load below
    } else {
        (Ordering::Relaxed, Ordering::Relaxed) // BUG: nothing orders data before the flag
    };
    let writer = {
        let (data, ready) = (Arc::clone(&data), Arc::clone(&ready));
        thread::spawn(move || {
            // Relaxed: the flag's ordering (above) is what publishes it.
            data.store(42, Ordering::Relaxed);
            ready.store(true, store);
        })
    };
    let reader = thread::spawn(move || {
        if ready.load(load) {
            // Relaxed: ordered by the flag's load, when it is Acquire.
            let seen = data.load(Ordering::Relaxed);
            assert_eq!(seen, 42, "{STALE}"); // the STALE assertion
        }
    });
    writer.join().unwrap();
    reader.join().unwrap();
}

/// Three threads take one turn each, each assuming the one spawned before it went first (the
/// bug: spawn order is not run order). The thread that finds the ring out of order says which
/// it is, by spawn order.
pub fn ring() {
    let hop = Arc::new(AtomicUsize::named("hop", 0));
    let threads: Vec<_> = (1..=3)
        .map(|k| {
            let hop = Arc::clone(&hop);
            thread::spawn(move || {
                // SeqCst: a test of the trace, not of orderings.
                let before = hop.fetch_add(1, Ordering::SeqCst);
                assert_eq!(before, k - 1, "trace test: t{k} ran out of turn");
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// Names given at construction or by `label`, then moved into `Arc`s; unnamed objects
/// numbered per kind; a park / unpark hand-off. Fails at the end, on purpose, to show the trace.
pub fn names_and_moves() {
    let queue = Lock::named("queue", 0);
    let count = AtomicUsize::new(0); // atomic#1
    trace::label(&count, "count");
    let spare = AtomicUsize::new(7); // atomic#2, unnamed
    let gate = RawLock::new(); // lock#2
    let cell = UnsafeCell::named("slot", 0u32);
    let (queue, count, spare) = (Arc::new(queue), Arc::new(count), Arc::new(spare));
    let go = Arc::new(AtomicBool::named("go", false));
    let worker = {
        let (queue, count, go) = (Arc::clone(&queue), Arc::clone(&count), Arc::clone(&go));
        thread::Builder::new()
            .name("worker".to_owned())
            .spawn(move || {
                // SeqCst, here and below: a test of the trace, not of orderings.
                while !go.load(Ordering::SeqCst) {
                    thread::park();
                }
                *queue.lock() += 1;
                count.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap()
    };
    gate.acquire();
    gate.release().unwrap();
    spare.load(Ordering::SeqCst);
    // SAFETY: only this thread touches the cell.
    cell.with_mut(|p| unsafe { *p = 1 });
    go.store(true, Ordering::SeqCst);
    worker.thread().unpark();
    worker.join().unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    panic!("{SHOW}");
}

/// Two scoped threads borrow a local counter; the scope joins them. Fails at the end, on
/// purpose, when `FAIL`.
pub fn scoped<const FAIL: bool>() {
    let n = AtomicUsize::named("n", 0);
    let got = thread::scope(|s| {
        let first = s.spawn(|| n.fetch_add(1, Ordering::SeqCst));
        s.spawn(|| {
            n.fetch_add(10, Ordering::SeqCst);
        });
        first.join().unwrap()
    });
    assert!(got == 0 || got == 10, "the first thread saw {got}");
    assert_eq!(
        n.load(Ordering::SeqCst),
        11,
        "the scope joined both threads"
    );
    if FAIL {
        panic!("{SHOW}");
    }
}

/// One thread's long run of steps, then a failure in it.
pub fn long_run() {
    let n = Arc::new(AtomicUsize::named("n", 0));
    let t = {
        let n = Arc::clone(&n);
        thread::spawn(move || {
            for _ in 0..30 {
                // Relaxed: one thread's counter.
                n.fetch_add(1, Ordering::Relaxed);
            }
            panic!("{SHOW}");
        })
    };
    let _ = t.join();
}

/// A worker parks until main sets `go` and unparks it. Fails at the end, on purpose, in the
/// executions where the worker parked.
pub fn park_unpark() {
    let go = Arc::new(AtomicBool::named("go", false));
    let parked = Arc::new(AtomicBool::named("parked", false));
    let worker = {
        let (go, parked) = (Arc::clone(&go), Arc::clone(&parked));
        thread::spawn(move || {
            // SeqCst, here and below: a test of the trace, not of orderings.
            while !go.load(Ordering::SeqCst) {
                parked.store(true, Ordering::SeqCst);
                thread::park();
            }
        })
    };
    go.store(true, Ordering::SeqCst);
    worker.thread().unpark();
    worker.join().unwrap();
    if parked.load(Ordering::SeqCst) {
        panic!("{SHOW}");
    }
}

/// Two threads race on a cell: t1 writes it while main reads it (the bug: nothing orders them).
/// loom's alone: shuttle does not track plain memory.
#[cfg(loom)]
pub fn cell_race() {
    struct Shared(UnsafeCell<i32>);
    // SAFETY: not safe: the race loom is asked to find, and reports as the access begins.
    unsafe impl Sync for Shared {}
    let cell = Arc::new(Shared(UnsafeCell::named("data", 0)));
    let writer = {
        let cell = Arc::clone(&cell);
        // SAFETY: not safe: see `Shared`.
        thread::spawn(move || cell.0.with_mut(|p| unsafe { *p = 1 }))
    };
    // SAFETY: not safe: see `Shared`.
    let _ = cell.0.with(|p| unsafe { *p });
    writer.join().unwrap();
}
