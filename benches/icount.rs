//! The workloads `cargo xtask icount` counts instructions of, under valgrind's callgrind.
//!
//! `icount MODE N`:
//!
//! | mode | what runs | counted |
//! |---|---|---|
//! | `lock` | `N` uncontended `Lock::lock()` + guard drop, in `racelab_icount_lock` | inside that function (`--toggle-collect`) |
//! | `pool` | `N` `apply_async(|| 1)` submitted to a 1-worker pool while its worker is held in a first task, then released, run back to back and collected, in `racelab_icount_pool` | the whole process, every thread (`--collect-atstart`) |
//! | `round-trip` | `N` `apply_async(|| 1).get()` round trips on a 1-worker pool, in `racelab_icount_round_trip` | the whole process, every thread (`--collect-atstart`) |
//! | `gap-racelab` | 100,000 empty tasks on 5 workers, submitted then collected (the `pool/submit_collect_100k/5` benchmark), `N` times | (for `--pool-gap`) |
//! | `gap-threadpool` | the same with the `threadpool` crate and one mpsc channel | (for `--pool-gap`) |
//!
//! The counted functions are `#[no_mangle]` so that callgrind finds them by name.
//!
//! Run: `cargo xtask icount` (or by hand: `cargo build --release -p racelab-bench --bin icount`, then
//! `valgrind --tool=callgrind --toggle-collect=racelab_icount_lock target/release/icount lock 1000`).

use std::hint::black_box;
use std::process::ExitCode;
#[cfg(not(any(loom, shuttle)))]
use std::sync::mpsc;

use racelab::{Lock, ThreadPool};

/// Tasks per `gap-*` batch: the benchmark's.
const GAP_TASKS: usize = 100_000;
/// Workers of the `gap-*` pools: the tutorial's.
const GAP_WORKERS: usize = 5;

/// `n` uncontended lock + unlock pairs.
#[no_mangle]
#[inline(never)]
#[allow(
    clippy::no_mangle_with_rust_abi,
    reason = "found by name, called from Rust only"
)]
fn racelab_icount_lock(lock: &Lock<u64>, n: u64) {
    for _ in 0..n {
        let mut guard = black_box(lock).lock();
        *guard += 1;
    }
}

/// `n` submits, runs and gets in which no thread ever waits for another per task, so that the
/// count does not depend on how valgrind interleaves the threads: the pool's only worker is
/// held in a first task (blocked in the kernel, on a channel) while the `n` tasks are
/// submitted; then it runs them back to back while this thread waits for the last one; then
/// every result is collected, each already there. Waiting happens a fixed number of times per
/// run whatever `n` is, so its spins (bounded, but as long as the interleaving makes them)
/// cancel in `count(2N) - count(N)` up to a few instructions per run.
#[cfg(not(any(loom, shuttle)))]
#[no_mangle]
#[inline(never)]
#[allow(
    clippy::no_mangle_with_rust_abi,
    reason = "found by name, called from Rust only"
)]
fn racelab_icount_pool(pool: &ThreadPool, n: u64) -> u64 {
    let (started_tx, started) = mpsc::channel();
    let (open, gate) = mpsc::channel::<()>();
    let held = pool
        .apply_async(move || {
            started_tx.send(()).expect("the submitter is waiting");
            gate.recv().expect("the submitter opens the gate");
            0
        })
        .expect("the pool is open");
    // The worker is in the first task before any other is queued: no dequeue races a submit.
    started.recv().expect("the first task runs");
    // Allocated up front: no reallocation (whose copies depend on the CPU's memcpy) per task.
    let mut pending = Vec::with_capacity(usize::try_from(n).expect("n fits in memory"));
    for _ in 0..n {
        pending.push(black_box(pool).apply_async(|| 1).expect("the pool is open"));
    }
    open.send(()).expect("the first task is waiting");
    let mut sum = held.get().expect("the first task succeeds");
    if let Some(last) = pending.last() {
        last.wait();
    }
    for result in pending {
        sum += result.get().expect("an empty task succeeds");
    }
    sum
}

/// `n` submit + run + get round trips: each one a hand-off to the worker and back, whose
/// spins and yields depend on the interleaving (shown, not judged).
#[no_mangle]
#[inline(never)]
#[allow(
    clippy::no_mangle_with_rust_abi,
    reason = "found by name, called from Rust only"
)]
fn racelab_icount_round_trip(pool: &ThreadPool, n: u64) -> u64 {
    let mut sum = 0;
    for _ in 0..n {
        let result = black_box(pool).apply_async(|| 1).expect("the pool is open");
        sum += result.get().expect("an empty task succeeds");
    }
    sum
}

fn gap_racelab(pool: &ThreadPool) -> usize {
    let pending: Vec<_> = (0..GAP_TASKS)
        .map(|i| pool.apply_async(move || i).expect("the pool is open"))
        .collect();
    pending
        .into_iter()
        .map(|r| r.get().expect("an empty task succeeds"))
        .sum()
}

// `threadpool` is a dependency of std builds only (the checkers' clippy stages build this binary).
#[cfg(not(any(loom, shuttle)))]
fn gap_threadpool(pool: &threadpool::ThreadPool) -> usize {
    let (tx, rx) = mpsc::channel();
    for i in 0..GAP_TASKS {
        let tx = tx.clone();
        pool.execute(move || tx.send(i).expect("the collector is waiting"));
    }
    rx.iter().take(GAP_TASKS).sum()
}

/// Prints `context switches: voluntary V, involuntary I`, summed over this process's live
/// threads (Linux: `/proc/self/task/*/status`; nothing elsewhere). A voluntary switch is a
/// thread blocking — here, a futex wait that slept.
fn print_context_switches() {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return;
    };
    let (mut voluntary, mut involuntary) = (0u64, 0u64);
    for task in tasks.flatten() {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        for line in status.lines() {
            let value = |prefix: &str| line.strip_prefix(prefix)?.trim().parse::<u64>().ok();
            voluntary += value("voluntary_ctxt_switches:").unwrap_or(0);
            involuntary += value("nonvoluntary_ctxt_switches:").unwrap_or(0);
        }
    }
    println!("context switches: voluntary {voluntary}, involuntary {involuntary}");
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(Ok(n))) = (args.first(), args.get(1).map(|n| n.parse::<u64>())) else {
        eprintln!("usage: icount lock|pool|round-trip|gap-racelab|gap-threadpool N");
        return ExitCode::from(2);
    };
    let expected_gap = GAP_TASKS * (GAP_TASKS - 1) / 2;
    match mode.as_str() {
        "lock" => {
            let lock = Lock::new(0);
            racelab_icount_lock(&lock, n);
            assert_eq!(lock.into_inner(), n);
        }
        #[cfg(not(any(loom, shuttle)))]
        "pool" => {
            let pool = ThreadPool::new(1).expect("one worker");
            assert_eq!(racelab_icount_pool(&pool, n), n);
        }
        "round-trip" => {
            let pool = ThreadPool::new(1).expect("one worker");
            assert_eq!(racelab_icount_round_trip(&pool, n), n);
        }
        "gap-racelab" => {
            let pool = ThreadPool::new(GAP_WORKERS).expect("five workers");
            for _ in 0..n {
                assert_eq!(gap_racelab(&pool), expected_gap);
            }
            print_context_switches();
        }
        #[cfg(not(any(loom, shuttle)))]
        "gap-threadpool" => {
            let pool = threadpool::ThreadPool::new(GAP_WORKERS);
            for _ in 0..n {
                assert_eq!(gap_threadpool(&pool), expected_gap);
            }
            print_context_switches();
            pool.join();
        }
        other => {
            eprintln!("icount: unknown mode {other:?}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
