//! The lock's scenarios: mutual exclusion, `try_lock`, releases racing and handed over, a
//! guard released while unwinding, and a deliberately broken lock every checker must catch.

use std::panic::{self, AssertUnwindSafe};

use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::{Lock, RawLock};

use crate::common::EXPECTED_PANIC;

/// Counts threads inside a critical section; asserts there is never more than one.
pub struct Inside(AtomicUsize);

impl Inside {
    pub fn new() -> Self {
        Inside(AtomicUsize::new(0))
    }

    pub fn enter(&self) {
        // Relaxed on purpose: read-modify-writes see one modification order, which is all the
        // check needs; anything stronger would synchronise the threads itself and hide a lock
        // with too-weak orderings from loom.
        let before = self.0.fetch_add(1, Ordering::Relaxed);
        assert_eq!(before, 0, "two threads inside the critical section at once");
    }

    pub fn leave(&self) {
        // Relaxed: as in `enter`.
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// `threads` threads each take `Lock<usize>` `rounds` times and increment it as a separate
/// read and write; the lock must make the count exact and the sections disjoint. Loom
/// checks the data access itself through its `UnsafeCell`.
pub fn lock_counter(threads: usize, rounds: usize) {
    let lock = Arc::new(Lock::new(0usize));
    let inside = Arc::new(Inside::new());
    let workers: Vec<_> = (1..threads)
        .map(|_| {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            thread::spawn(move || increment(&lock, &inside, rounds))
        })
        .collect();
    increment(&lock, &inside, rounds);
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(*lock.lock(), threads * rounds, "lost an update");
    assert!(!lock.is_locked());
}

fn increment(lock: &Lock<usize>, inside: &Inside, rounds: usize) {
    for _ in 0..rounds {
        let mut guard = lock.lock();
        inside.enter();
        let seen = *guard;
        *guard = seen + 1;
        inside.leave();
        drop(guard);
    }
}

/// The tutorial's shape: `RawLock::acquire` / `release` around data in an `UnsafeCell`.
pub fn raw_lock_counter(threads: usize, rounds: usize) {
    struct Shared {
        lock: RawLock,
        count: UnsafeCell<usize>,
    }
    // SAFETY: `count` is only accessed between `acquire` and `release`.
    unsafe impl Sync for Shared {}

    let shared = Arc::new(Shared {
        lock: RawLock::new(),
        count: UnsafeCell::new(0),
    });
    let body = move |shared: &Shared| {
        for _ in 0..rounds {
            shared.lock.acquire();
            // SAFETY: the lock is held.
            shared.count.with_mut(|c| unsafe { *c += 1 });
            shared.lock.release().expect("held by this thread");
        }
    };
    let workers: Vec<_> = (1..threads)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || body(&shared))
        })
        .collect();
    body(&shared);
    for w in workers {
        w.join().unwrap();
    }
    shared.lock.acquire();
    // SAFETY: the lock is held.
    let total = shared.count.with(|c| unsafe { *c });
    shared.lock.release().unwrap();
    assert_eq!(total, threads * rounds);
}

/// One thread holds the lock while another tries: `try_lock` must fail exactly while the
/// lock is held, and never block.
pub fn try_lock_contended() {
    let lock = Arc::new(Lock::new(0usize));
    let inside = Arc::new(Inside::new());
    let (lock2, inside2) = (Arc::clone(&lock), Arc::clone(&inside));
    let t = thread::spawn(move || {
        let mut g = lock2.lock();
        inside2.enter();
        *g += 1;
        inside2.leave();
    });
    let mut got = false;
    if let Some(mut g) = lock.try_lock() {
        inside.enter();
        *g += 10;
        inside.leave();
        got = true;
    }
    t.join().unwrap();
    assert_eq!(*lock.lock(), if got { 11 } else { 1 });
}

/// Two threads release one held `RawLock` at once: exactly one succeeds, the other gets
/// `ReleaseError`, and the lock ends free and usable.
pub fn racing_releases() {
    let lock = Arc::new(RawLock::new());
    lock.acquire();
    let lock2 = Arc::clone(&lock);
    let t = thread::spawn(move || lock2.release().is_ok());
    let mine = lock.release().is_ok();
    let theirs = t.join().unwrap();
    assert!(
        mine ^ theirs,
        "exactly one release must succeed (mine={mine}, theirs={theirs})"
    );
    assert!(!lock.is_locked());
    assert!(lock.try_acquire());
    lock.release().unwrap();
}

/// A waiter blocked in `acquire` while another thread holds the lock and releases it
/// from a thread that is not the holder (Python's lock has no owner).
pub fn handoff_release() {
    let lock = Arc::new(RawLock::new());
    lock.acquire();
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let waiter = thread::spawn(move || {
        l1.acquire();
        l1.release().unwrap();
    });
    let releaser = thread::spawn(move || l2.release().unwrap());
    releaser.join().unwrap();
    waiter.join().unwrap();
    assert!(!lock.is_locked());
}

/// One of three threads panics while holding the guard (and catches its panic): the guard's
/// `Drop` releases the lock during unwinding, so the waiting threads still get it, and the
/// panicking thread's half-done update is all that is lost.
pub fn guard_released_while_unwinding() {
    let lock = Arc::new(Lock::new(0usize));
    let inside = Arc::new(Inside::new());
    let others: Vec<_> = (0..2)
        .map(|_| {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            thread::spawn(move || {
                let mut guard = lock.lock();
                inside.enter();
                *guard += 1;
                inside.leave();
            })
        })
        .collect();
    let panicked = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut guard = lock.lock();
        inside.enter();
        *guard += 100;
        inside.leave();
        panic!("{}", EXPECTED_PANIC);
    }));
    assert!(panicked.is_err(), "the critical section was meant to panic");
    for t in others {
        t.join().unwrap();
    }
    assert!(!lock.is_locked(), "the unwinding guard left the lock held");
    assert_eq!(*lock.lock(), 102);
}

/// The classic broken lock: check, then set, as two steps. Two threads can both see it free.
struct CheckThenSetLock(AtomicBool);

impl CheckThenSetLock {
    fn acquire(&self) {
        while self.0.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        // BUG: another thread can take the lock between the load above and this store.
        self.0.store(true, Ordering::SeqCst);
    }

    fn release(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Two threads through a [`CheckThenSetLock`]: a checker must find the schedule in which both
/// are inside at once, and fail with [`Inside`]'s "two threads inside the critical section at
/// once".
pub fn check_then_set_counter() {
    let lock = Arc::new(CheckThenSetLock(AtomicBool::new(false)));
    let inside = Arc::new(Inside::new());
    let (lock2, inside2) = (Arc::clone(&lock), Arc::clone(&inside));
    let t = thread::spawn(move || {
        lock2.acquire();
        inside2.enter();
        inside2.leave();
        lock2.release();
    });
    lock.acquire();
    inside.enter();
    inside.leave();
    lock.release();
    t.join().unwrap();
}
