//! The scenarios. Each asserts what it proves; a failing assertion is a bug in racelab.

use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::{Lock, RawLock, TaskError, ThreadPool};

use super::EXPECTED_PANIC;

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

/// Every task's result is delivered exactly once, with its own value.
pub fn pool_delivers(workers: usize, tasks: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let results: Vec<_> = (0..tasks)
        .map(|i| {
            let runs = Arc::clone(&runs);
            pool.apply_async(move || {
                runs.fetch_add(1, Ordering::Relaxed);
                i * 10
            })
            .unwrap()
        })
        .collect();
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r.get(), Ok(i * 10));
    }
    drop(pool);
    assert_eq!(runs.load(Ordering::Relaxed), tasks);
}

/// `close` then `join`: every queued task still runs; later submissions are refused.
pub fn pool_close_join(workers: usize, tasks: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let results: Vec<_> = (0..tasks)
        .map(|i| pool.apply_async(move || i).unwrap())
        .collect();
    pool.close();
    assert!(
        pool.apply_async(|| 0).is_err(),
        "a closed pool accepted a task"
    );
    pool.join().unwrap();
    for (i, r) in results.into_iter().enumerate() {
        assert!(r.ready(), "join returned before task {i} finished");
        assert_eq!(r.get(), Ok(i));
    }
}

/// `terminate` from another thread races the running and queued tasks: every result
/// resolves, `Ok` exactly for the tasks that ran, `Cancelled` for the rest.
pub fn pool_terminate_race(workers: usize, tasks: usize) {
    let pool = Arc::new(ThreadPool::new(workers).unwrap());
    let runs = Arc::new(AtomicUsize::new(0));
    let results: Vec<_> = (0..tasks)
        .map(|i| {
            let runs = Arc::clone(&runs);
            pool.apply_async(move || {
                runs.fetch_add(1, Ordering::Relaxed);
                i
            })
            .unwrap()
        })
        .collect();
    let p = Arc::clone(&pool);
    let terminator = thread::spawn(move || p.terminate());
    let mut ok = 0;
    for (i, r) in results.into_iter().enumerate() {
        match r.get() {
            Ok(v) => {
                assert_eq!(v, i);
                ok += 1;
            }
            Err(TaskError::Cancelled) => {}
            Err(other) => panic!("task {i}: unexpected {other}"),
        }
    }
    terminator.join().unwrap();
    pool.join().unwrap();
    assert_eq!(
        runs.load(Ordering::Relaxed),
        ok,
        "a task ran but was reported cancelled"
    );
}

/// A panicking task resolves `Panicked` with its message; its worker serves the next task.
pub fn pool_panicking_task(workers: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let bad = pool
        .apply_async(|| -> usize { panic!("{}", EXPECTED_PANIC) })
        .unwrap();
    let good = pool.apply_async(|| 7usize).unwrap();
    assert_eq!(
        bad.get(),
        Err(TaskError::Panicked {
            message: EXPECTED_PANIC.to_owned()
        })
    );
    assert_eq!(good.get(), Ok(7));
    // Every worker is still alive: one more task per worker runs.
    let more: Vec<_> = (0..workers)
        .map(|i| pool.apply_async(move || i).unwrap())
        .collect();
    for (i, r) in more.into_iter().enumerate() {
        assert_eq!(r.get(), Ok(i));
    }
}

/// Dropping the pool with tasks still queued runs them all (Drop = close + join).
pub fn pool_drop_with_queued(workers: usize, tasks: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let results: Vec<_> = (0..tasks)
        .map(|i| {
            let runs = Arc::clone(&runs);
            pool.apply_async(move || {
                runs.fetch_add(1, Ordering::Relaxed);
                i
            })
            .unwrap()
        })
        .collect();
    drop(pool);
    assert_eq!(
        runs.load(Ordering::Relaxed),
        tasks,
        "dropping the pool lost queued work"
    );
    for (i, r) in results.into_iter().enumerate() {
        assert!(r.ready());
        assert_eq!(r.get(), Ok(i));
    }
}

/// The tutorial's §4 example: a pool of `workers`, `tasks` tasks, each holding one shared
/// lock for its whole critical section ("task i started" … "task i finished"). No two
/// critical sections overlap, and every result arrives. Returns the log of events.
pub fn tutorial_example(workers: usize, tasks: usize) -> Vec<String> {
    let pool = ThreadPool::new(workers).unwrap();
    let lock = Arc::new(Lock::new(Vec::new()));
    let inside = Arc::new(Inside::new());
    let results: Vec<_> = (0..tasks)
        .map(|i| {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            pool.apply_async(move || {
                let mut log = lock.lock();
                inside.enter();
                log.push(format!("task {i} started"));
                thread::yield_now(); // the tutorial's sleep(1): give the others a chance
                log.push(format!("task {i} finished"));
                inside.leave();
                i
            })
            .unwrap()
        })
        .collect();
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r.get(), Ok(i), "task {i}'s result did not arrive");
    }
    drop(pool);
    let log = std::mem::take(&mut *lock.lock());
    assert_eq!(log.len(), 2 * tasks);
    for pair in log.chunks(2) {
        let task = pair[0].strip_suffix(" started").expect("a start first");
        assert_eq!(
            pair[1],
            format!("{task} finished"),
            "critical sections interleaved: {log:?}"
        );
    }
    log
}
