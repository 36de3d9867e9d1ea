//! Stress and soak on the std backend: millions of lock acquisitions and pool tasks, and a
//! thousand shutdowns racing submitters. Each test asserts an exact outcome (a count, every
//! result accounted for, no task run twice), prints a one-line summary (counts, wall time,
//! peak RSS), and runs under a watchdog, so a lost wake-up fails the test instead of hanging CI.
//!
//! The tests are `#[ignore]`d so that plain `cargo test` stays fast; they are sized for a
//! release build:
//!
//! ```text
//! cargo test --release --test stress -- --ignored --nocapture
//! ```
//!
//! They take a process-wide lock ([`serial`]) so that they run one at a time even under
//! libtest's parallel runner: each one's wall time and memory are then its own. Memory is
//! measured twice:
//!
//! - the heap, exactly: this binary's global allocator ([`Counting`]) counts live bytes, so a
//!   test asserts both its peak heap and that every byte it allocated came back (a leak of one
//!   byte per task fails the pool soak);
//! - the process, as the OS sees it: peak RSS (`VmHWM` from `/proc/self/status`, reset by
//!   writing `5` to `/proc/self/clear_refs` when a test starts), printed and bounded. RSS
//!   includes memory the allocator keeps after a free, so it is reported, and bounded only
//!   loosely; the heap counter is the precise check.
//!
//! Nothing here synchronises with `sleep`: threads start together on a [`Barrier`], and a
//! thread that waits for another's progress spins with `yield_now` under a deadline.
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml); the serialising mutex is std's on purpose, outside any
// checker.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::sync::{Barrier, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use common::pools::assert_every_worker_serves;
use common::watch::{wait_until, within_for};
use racelab::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::{AsyncResult, Lock, RawLock, TaskError, ThreadPool};

/// The message of every deliberate panic here; `check::quiet_panics` keeps 100,000 of them
/// from being printed.
const MARKER: &str = "racelab-stress: expected panic";

// ---------------------------------------------------------------------------------------
// harness: one test at a time, heap and RSS gauges, the summary line (the watchdog is
// tests/common's)
// ---------------------------------------------------------------------------------------

/// The system allocator, counting live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc`, passed on.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed`, passed on.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc`, passed on.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc`, passed on.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

// Relaxed throughout: the counters are statistics, read after the threads that allocate have
// been joined (which orders their updates before the read).
fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Serialises the stress tests: each one measures its own time and memory. A failed test
/// poisons the lock; the next one takes it anyway.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A field of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`), if there is one.
fn status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim_start_matches(':')
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn bytes_to_mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// One stress test's clock and memory gauges.
struct Soak {
    name: &'static str,
    start: Instant,
    /// Live heap bytes when the test started.
    heap_start: usize,
    /// `VmRSS` when the test started, with the peak reset to it (None: not measurable here).
    rss_start: Option<u64>,
}

/// What a test's memory came to.
struct Memory {
    /// The heap's peak above its level at the start, in bytes.
    heap_peak: usize,
    /// Heap bytes still live at the end that were not live at the start.
    heap_kept: usize,
    /// Peak RSS above RSS at the start, in KiB.
    rss_growth: Option<u64>,
}

impl Soak {
    fn start(name: &'static str) -> Self {
        // Linux ≥ 4.0: writing 5 resets VmHWM to the current RSS.
        let reset = fs::write("/proc/self/clear_refs", "5").is_ok();
        let heap_start = LIVE.load(Ordering::Relaxed);
        PEAK.store(heap_start, Ordering::Relaxed);
        Soak {
            name,
            start: Instant::now(),
            heap_start,
            rss_start: if reset { status_kib("VmRSS") } else { None },
        }
    }

    /// Prints the summary line and returns what the memory came to.
    fn finish(self, summary: &str) -> Memory {
        let elapsed = self.start.elapsed().as_secs_f64();
        let heap_end = LIVE.load(Ordering::Relaxed);
        let memory = Memory {
            heap_peak: PEAK.load(Ordering::Relaxed).saturating_sub(self.heap_start),
            heap_kept: heap_end.saturating_sub(self.heap_start),
            rss_growth: self
                .rss_start
                .zip(status_kib("VmHWM"))
                .map(|(start, peak)| peak.saturating_sub(start)),
        };
        let rss = match (self.rss_start, memory.rss_growth) {
            (Some(start), Some(growth)) => format!(
                "peak RSS {:.1} MiB (+{:.1} MiB over the {:.1} MiB at start)",
                kib_to_mib(start + growth),
                kib_to_mib(growth),
                kib_to_mib(start)
            ),
            _ => "peak RSS not measured here".to_owned(),
        };
        println!(
            "stress {}: {summary}; {elapsed:.2} s; peak heap +{:.1} MiB, {} B kept; {rss}",
            self.name,
            bytes_to_mib(memory.heap_peak),
            memory.heap_kept
        );
        memory
    }
}

// ---------------------------------------------------------------------------------------
// the lock: 8 threads × 1,000,000 acquisitions, the exact count
// ---------------------------------------------------------------------------------------

const LOCK_THREADS: usize = 8;
const LOCK_ROUNDS: usize = 1_000_000;

/// Runs `LOCK_THREADS` threads, started together, each calling `increment` `LOCK_ROUNDS` times.
fn hammer(increment: impl Fn() + Send + Sync + 'static) {
    let increment = Arc::new(increment);
    let start = Arc::new(Barrier::new(LOCK_THREADS));
    let threads: Vec<_> = (0..LOCK_THREADS)
        .map(|_| {
            let (increment, start) = (Arc::clone(&increment), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                for _ in 0..LOCK_ROUNDS {
                    increment();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a hammering thread panicked");
    }
}

#[test]
#[ignore = "stress: run with cargo test --release --test stress -- --ignored"]
fn lock_8_threads_x_1m_acquisitions_count_exactly() {
    let _serial = serial();
    let soak = Soak::start("lock_8_threads_x_1m");
    let counter = Arc::new(Lock::new(0usize));
    let c = Arc::clone(&counter);
    let total = within_for(
        Duration::from_secs(60),
        || "lock".into(),
        move || {
            hammer(move || {
                let mut guard = c.lock();
                // A separate read and write: a lost update shows as a short count.
                let seen = *guard;
                *guard = std::hint::black_box(seen) + 1;
            });
            let total = *counter.lock();
            assert!(!counter.is_locked(), "the lock ended held");
            total
        },
    );
    assert_eq!(total, LOCK_THREADS * LOCK_ROUNDS, "lost updates");
    soak.finish(&format!(
        "{LOCK_THREADS} threads × {LOCK_ROUNDS} Lock<usize> acquisitions, count {total} exact"
    ));
}

#[test]
#[ignore = "stress: run with cargo test --release --test stress -- --ignored"]
fn raw_lock_8_threads_x_1m_acquire_release_count_exactly() {
    /// The tutorial's shape: a `RawLock` next to the data, not around it.
    struct Counter {
        lock: RawLock,
        count: UnsafeCell<usize>,
    }
    // SAFETY: `count` is only accessed between `acquire` and `release` of `lock`.
    unsafe impl Sync for Counter {}

    let _serial = serial();
    let soak = Soak::start("raw_lock_8_threads_x_1m");
    let counter = Arc::new(Counter {
        lock: RawLock::new(),
        count: UnsafeCell::new(0),
    });
    let c = Arc::clone(&counter);
    let total = within_for(
        Duration::from_secs(60),
        || "raw lock".into(),
        move || {
            hammer(move || {
                c.lock.acquire();
                // SAFETY: the lock is held.
                c.count.with_mut(|n| unsafe {
                    let seen = *n;
                    *n = std::hint::black_box(seen) + 1;
                });
                c.lock
                    .release()
                    .expect("released by the thread that acquired it");
            });
            assert!(!counter.lock.is_locked(), "the lock ended held");
            assert!(!counter.lock.has_waiters(), "a waiter was left queued");
            counter.lock.acquire();
            // SAFETY: the lock is held.
            let total = counter.count.with(|n| unsafe { *n });
            counter.lock.release().unwrap();
            total
        },
    );
    assert_eq!(total, LOCK_THREADS * LOCK_ROUNDS, "lost updates");
    soak.finish(&format!(
        "{LOCK_THREADS} threads × {LOCK_ROUNDS} RawLock acquire/release, count {total} exact"
    ));
}

// ---------------------------------------------------------------------------------------
// the pool: 1,000,000 tasks, 10 % panicking
// ---------------------------------------------------------------------------------------

const POOL_WORKERS: usize = 5;
const POOL_TASKS: usize = 1_000_000;
const BATCH: usize = 10_000;

/// `text` with [`MARKER`] masked. A failure message must never start with the marker:
/// `quiet_panics` silences every panic whose message starts with it, an assertion's included;
/// masking it wherever it occurs keeps that true whatever the message quotes first.
fn unmark(text: &str) -> String {
    text.replace(MARKER, "<MARKER>")
}

/// Task `i`'s outcome: every tenth task panics with a message naming it.
fn soak_task(i: usize) -> usize {
    if i % 10 == 7 {
        panic!("{MARKER}: task {i}");
    }
    i * 3
}

/// Checks task `i`'s result; returns whether it panicked.
fn check_outcome(i: usize, outcome: Result<usize, TaskError>) -> bool {
    match outcome {
        Ok(value) if i % 10 != 7 => {
            assert_eq!(value, i * 3, "task {i} returned another task's value");
            false
        }
        Err(TaskError::Panicked { message }) if i % 10 == 7 => {
            assert!(
                message == format!("{MARKER}: task {i}"),
                "task {i} panicked with another message: {}",
                unmark(&message)
            );
            true
        }
        other => panic!("task {i}: unexpected {}", unmark(&format!("{other:?}"))),
    }
}

/// Pushes `POOL_TASKS` tasks through a 5-worker pool, `batch` at a time (each batch's results
/// are collected before the next is submitted), and checks every result. Returns the number
/// of panicked tasks.
fn soak_pool(batch: usize, done: Arc<AtomicUsize>) -> usize {
    racelab::check::quiet_panics(MARKER);
    let pool = ThreadPool::new(POOL_WORKERS).unwrap();
    let mut panicked = 0;
    let mut next = 0;
    while next < POOL_TASKS {
        let end = (next + batch).min(POOL_TASKS);
        let pending: Vec<AsyncResult<usize>> = (next..end)
            .map(|i| {
                pool.apply_async(move || soak_task(i))
                    .expect("the pool is open")
            })
            .collect();
        for (i, result) in (next..end).zip(pending) {
            panicked += usize::from(check_outcome(i, result.get()));
            done.fetch_add(1, Ordering::Relaxed);
        }
        next = end;
    }
    assert_eq!(panicked, POOL_TASKS / 10, "every tenth task panics");
    assert_every_worker_serves(&pool, POOL_WORKERS);
    pool.close();
    pool.join().unwrap();
    panicked
}

/// `heap_bound_mib` bounds the heap's peak; RSS gets 1 GiB, enough for anything but a runaway.
fn pool_soak_test(name: &'static str, batch: usize, heap_bound_mib: usize) {
    let _serial = serial();
    let soak = Soak::start(name);
    let done = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&done);
    let panicked = within_for(
        Duration::from_secs(120),
        move || {
            format!(
                "{} of {POOL_TASKS} results checked",
                d.load(Ordering::Relaxed)
            )
        },
        {
            let done = Arc::clone(&done);
            move || soak_pool(batch, done)
        },
    );
    let memory = soak.finish(&format!(
        "{POOL_TASKS} tasks on {POOL_WORKERS} workers, {batch} per batch: {} Ok, {panicked} \
         Panicked with their own message; all {POOL_WORKERS} workers still serving",
        POOL_TASKS - panicked
    ));
    // The pool is joined and every result consumed: what is still live is a leak. (A little
    // slack for one-time allocations: the panic hook's marker list, stdout's buffer.)
    assert!(
        memory.heap_kept < 64 * 1024,
        "{} heap bytes outlived the pool: a leak",
        memory.heap_kept
    );
    assert!(
        memory.heap_peak < heap_bound_mib * 1024 * 1024,
        "the heap peaked {:.1} MiB above its start (bound {heap_bound_mib} MiB)",
        bytes_to_mib(memory.heap_peak)
    );
    if let Some(growth) = memory.rss_growth {
        assert!(
            growth < 1024 * 1024,
            "peak RSS grew by {:.1} MiB: a runaway",
            kib_to_mib(growth)
        );
    }
}

/// Batches of 10,000: the heap is bounded by the batch (about 1 MiB of slots and jobs), so
/// the 16 MiB bound fails if anything per task outlives its batch (16 bytes × 1,000,000).
#[test]
#[ignore = "stress: run with cargo test --release --test stress -- --ignored"]
fn pool_1m_tasks_10pct_panicking_in_batches() {
    pool_soak_test("pool_1m_tasks_batched", BATCH, 16);
}

/// All 1,000,000 submitted before any is collected: the queue and the results hold every
/// task at once (about 80 MiB of heap, see the summary line).
#[test]
#[ignore = "stress: run with cargo test --release --test stress -- --ignored"]
fn pool_1m_tasks_10pct_panicking_all_at_once() {
    pool_soak_test("pool_1m_tasks_all_at_once", POOL_TASKS, 256);
}

// ---------------------------------------------------------------------------------------
// close / terminate / drop racing 4 submitting threads
// ---------------------------------------------------------------------------------------

const RACE_ROUNDS: usize = 1_000;
const SUBMITTERS: usize = 4;
const PER_SUBMITTER: usize = 50;
const RACE_WORKERS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shutdown {
    Close,
    Terminate,
    /// The test drops its handle; the pool's `Drop` (close + join) runs on whichever thread
    /// lets go of the pool last — the test or a submitter.
    Drop,
}

/// What one round's tasks came to.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    ok: usize,
    cancelled: usize,
    refused: usize,
}

/// A small deterministic generator: round `r` always shuts down at the same point.
fn scramble(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

type Refused = Box<dyn FnOnce() -> usize + Send>;

/// One round: 4 threads submit 50 tasks each while this thread shuts the pool down after a
/// pseudo-random number of submissions. Every task ends exactly one way, checked against its
/// run counter.
fn race_round(round: usize, shutdown: Shutdown) -> Tally {
    let total = SUBMITTERS * PER_SUBMITTER;
    let pool = Arc::new(ThreadPool::new(RACE_WORKERS).unwrap());
    let runs: Arc<Vec<AtomicU8>> = Arc::new((0..total).map(|_| AtomicU8::new(0)).collect());
    let submitted = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(SUBMITTERS + 1));
    let submitters: Vec<_> = (0..SUBMITTERS)
        .map(|s| {
            let (pool, runs) = (Arc::clone(&pool), Arc::clone(&runs));
            let (submitted, start) = (Arc::clone(&submitted), Arc::clone(&start));
            thread::spawn(move || {
                let mut accepted = Vec::new();
                let mut refused: Vec<(usize, Refused)> = Vec::new();
                start.wait();
                for id in s * PER_SUBMITTER..(s + 1) * PER_SUBMITTER {
                    let runs = Arc::clone(&runs);
                    let task = move || {
                        runs[id].fetch_add(1, Ordering::SeqCst);
                        id
                    };
                    match pool.apply_async(task) {
                        Ok(result) => {
                            assert!(
                                refused.is_empty(),
                                "round {round}: task {id} accepted after a refusal: the pool reopened"
                            );
                            accepted.push((id, result));
                        }
                        Err(err) => refused.push((id, Box::new(err.into_task()))),
                    }
                    submitted.fetch_add(1, Ordering::SeqCst);
                }
                (accepted, refused)
            })
        })
        .collect();
    let trigger = (scramble(round as u64) % (total as u64 + 1)) as usize;
    start.wait();
    wait_until("the submitters reach the shutdown point", || {
        submitted.load(Ordering::SeqCst) >= trigger
    });
    let pool = match shutdown {
        Shutdown::Close => {
            pool.close();
            Some(pool)
        }
        Shutdown::Terminate => {
            pool.terminate();
            Some(pool)
        }
        Shutdown::Drop => {
            drop(pool);
            None
        }
    };
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for s in submitters {
        let (a, r) = s.join().expect("a submitter panicked");
        accepted.extend(a);
        refused.extend(r);
    }
    if let Some(pool) = pool {
        pool.join().unwrap();
    }
    // Every worker has exited (join returned, or the last handle's Drop joined them): every
    // accepted task has run or been cancelled.
    let mut seen = vec![false; total];
    let mut tally = Tally::default();
    for (id, result) in accepted {
        seen[id] = true;
        assert!(
            result.ready(),
            "round {round}: task {id} pending after join"
        );
        match result.get() {
            Ok(value) => {
                assert_eq!(value, id, "round {round}: task {id} got another's value");
                assert_eq!(
                    runs[id].load(Ordering::SeqCst),
                    1,
                    "round {round}: task {id}"
                );
                tally.ok += 1;
            }
            Err(TaskError::Cancelled) => {
                assert_eq!(
                    shutdown,
                    Shutdown::Terminate,
                    "round {round}: task {id} cancelled without terminate"
                );
                assert_eq!(
                    runs[id].load(Ordering::SeqCst),
                    0,
                    "round {round}: task {id} ran but was reported cancelled"
                );
                tally.cancelled += 1;
            }
            Err(other) => panic!("round {round}: task {id}: unexpected {other:?}"),
        }
    }
    for (id, task) in refused {
        seen[id] = true;
        assert_ne!(
            shutdown,
            Shutdown::Drop,
            "round {round}: task {id} refused by a pool that was never closed"
        );
        assert_eq!(
            runs[id].load(Ordering::SeqCst),
            0,
            "round {round}: refused task {id} ran in the pool"
        );
        assert_eq!(task(), id, "round {round}: into_task returned another task");
        assert_eq!(runs[id].load(Ordering::SeqCst), 1);
        tally.refused += 1;
    }
    assert!(
        seen.iter().all(|&s| s),
        "round {round}: a task was neither accepted nor refused"
    );
    tally
}

#[test]
#[ignore = "stress: run with cargo test --release --test stress -- --ignored"]
fn close_terminate_drop_race_4_submitters_1000_rounds() {
    let _serial = serial();
    let soak = Soak::start("shutdown_races");
    let round = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&round);
    let tallies = within_for(
        Duration::from_secs(120),
        move || {
            format!(
                "stuck in round {} of {RACE_ROUNDS}",
                r.load(Ordering::SeqCst)
            )
        },
        move || {
            let mut tallies = [Tally::default(); 3];
            for n in 0..RACE_ROUNDS {
                round.store(n, Ordering::SeqCst);
                let (k, shutdown) = match n % 3 {
                    0 => (0, Shutdown::Close),
                    1 => (1, Shutdown::Terminate),
                    _ => (2, Shutdown::Drop),
                };
                let t = race_round(n, shutdown);
                tallies[k].ok += t.ok;
                tallies[k].cancelled += t.cancelled;
                tallies[k].refused += t.refused;
            }
            tallies
        },
    );
    let [close, terminate, drop] = tallies;
    // The races must really happen: some shutdowns land mid-stream.
    assert!(close.refused > 0, "no close ever refused a submission");
    assert!(
        terminate.cancelled > 0,
        "no terminate ever cancelled a queued task"
    );
    soak.finish(&format!(
        "{RACE_ROUNDS} rounds × {SUBMITTERS} submitters × {PER_SUBMITTER} tasks on \
         {RACE_WORKERS} workers: close {} ok / {} refused; terminate {} ok / {} cancelled / {} \
         refused; drop {} ok; no task ran twice, every result resolved",
        close.ok, close.refused, terminate.ok, terminate.cancelled, terminate.refused, drop.ok
    ));
}
