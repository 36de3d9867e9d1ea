//! Lock benchmarks: racelab's `Lock` against `std::sync::Mutex`, `parking_lot::Mutex` and
//! `spin::Mutex`, measured side by side in one run.
//!
//! | criterion id | what one iteration is |
//! |---|---|
//! | `lock/uncontended/<impl>` | one lock + unlock on one thread, nobody else around |
//! | `lock/contended_empty/<T>/<impl>` | one acquisition out of a fixed total split across `T` threads; the critical section only increments the protected counter |
//! | `lock/contended_80ns/<T>/<impl>` | the same, with ~80 ns of calibrated arithmetic inside the critical section |
//! | `lock/drain/<T>/<impl>` | one acquisition whose critical section increments the counter and yields the core (`thread::yield_now`), so the other threads run, find the lock held and queue: each release wakes a waiter from a queue about `T` deep |
//!
//! `<impl>` is `racelab`, `std`, `parking_lot` or `spin` (`drain`: the first three, a spin lock
//! has no queue); `<T>` is 1, 2, 4 or 8 (`drain`: 8 and 64). The group is
//! the figure (`lock/contended_empty/4`), the function is the implementation, so every figure
//! compares the four locks from the same run. Each reported time is per acquisition, so a
//! contended time is the inverse of throughput: a lower time is a higher throughput.
//!
//! The contended threads are spawned once per benchmark and started together on a
//! `std::sync::Barrier` for every sample; the sample's time runs from just before the start
//! barrier to just after the finish barrier (a few microseconds of wake-up against samples of
//! tens of milliseconds). After each benchmark the protected counter is checked against the
//! number of acquisitions made: a lock that lost an update fails the run.
//!
//! Under each result the bench prints the share of the machine's CPU time other processes took
//! while it ran. On a 2-core machine with one core taken by something else, the "contended"
//! threads mostly take turns on the remaining core and the figure measures little contention.
//!
//! See `benches/README.md` for how to run it and where the numbers land.

// The benchmark harness is outside the model: it times with std's own primitives on purpose,
// and only the lock under test is racelab's.
#![allow(
    clippy::disallowed_types,
    clippy::disallowed_methods,
    reason = "the harness uses std threads, Arc and atomics; only the lock under test is racelab's"
)]

#[path = "common/noise.rs"]
mod noise;
use noise::bench_noted;

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_main, BenchmarkGroup, Criterion, SamplingMode};

/// Thread counts of the contended figures.
const THREADS: [usize; 4] = [1, 2, 4, 8];

/// Thread counts of the `drain` figure.
const DRAIN_THREADS: [usize; 2] = [8, 64];

/// The work inside the `contended_80ns` critical section.
const TARGET_WORK_NS: f64 = 80.0;

// ---------------------------------------------------------------------------------------------
// The four locks behind one interface.

/// A lock around a `u64` counter, as each implementation is meant to be used.
trait BenchLock: Send + Sync + 'static {
    /// The implementation's name in benchmark ids.
    const NAME: &'static str;

    fn new(value: u64) -> Self;

    /// Locks, runs `f` on the protected value, unlocks.
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R;
}

impl BenchLock for racelab::Lock<u64> {
    const NAME: &'static str = "racelab";

    fn new(value: u64) -> Self {
        racelab::Lock::new(value)
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.lock())
    }
}

impl BenchLock for std::sync::Mutex<u64> {
    const NAME: &'static str = "std";

    fn new(value: u64) -> Self {
        std::sync::Mutex::new(value)
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        // The poison check is part of how std's Mutex is used.
        f(&mut self.lock().expect("no benchmark critical section panics"))
    }
}

impl BenchLock for parking_lot::Mutex<u64> {
    const NAME: &'static str = "parking_lot";

    fn new(value: u64) -> Self {
        parking_lot::Mutex::new(value)
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.lock())
    }
}

impl BenchLock for spin::Mutex<u64> {
    const NAME: &'static str = "spin";

    fn new(value: u64) -> Self {
        spin::Mutex::new(value)
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.lock())
    }
}

// ---------------------------------------------------------------------------------------------
// ~80 ns of work, calibrated once on this machine.

/// `rounds` steps of a 64-bit LCG; `black_box` on every step keeps the compiler from folding
/// the loop, so the time grows with `rounds` (roughly linearly; see `work_rounds`).
#[inline(never)]
fn spin_work(rounds: u32) -> u64 {
    let mut x = black_box(0x9E37_79B9_7F4A_7C15_u64);
    for _ in 0..rounds {
        x = black_box(
            x.wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407),
        );
    }
    x
}

/// The best (lowest) time per call of `spin_work(rounds)` over several short trials: the
/// machine may be shared, and the minimum is the least disturbed trial.
fn time_spin_work(rounds: u32) -> f64 {
    let calls = (200_000 / rounds.max(1)).max(100);
    (0..21)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                black_box(spin_work(black_box(rounds)));
            }
            start.elapsed().as_nanos() as f64 / f64::from(calls)
        })
        .fold(f64::INFINITY, f64::min)
}

/// The number of `spin_work` rounds that takes ~80 ns here, measured once and printed.
///
/// A round's cost at 1,000 rounds is only a first guess (the call overhead and the loop's
/// pipelining differ at ~100 rounds), so the count is corrected by the measured ratio, up to
/// 5 times, until it is within 2% of the target.
fn work_rounds() -> u32 {
    static ROUNDS: OnceLock<u32> = OnceLock::new();
    *ROUNDS.get_or_init(|| {
        time_spin_work(1_000); // warm the core up
        let per_round = time_spin_work(1_000) / 1_000.0;
        let mut rounds = ((TARGET_WORK_NS / per_round).round() as u32).max(1);
        let mut actual = time_spin_work(rounds);
        for _ in 0..5 {
            if (actual / TARGET_WORK_NS - 1.0).abs() < 0.02 {
                break;
            }
            rounds = ((f64::from(rounds) * TARGET_WORK_NS / actual).round() as u32).max(1);
            actual = time_spin_work(rounds);
        }
        println!(
            "lock bench calibration: spin_work({rounds}) = {actual:.1} ns per call \
             (target {TARGET_WORK_NS} ns; first guess {per_round:.2} ns per round; best of 21 trials)"
        );
        rounds
    })
}

// ---------------------------------------------------------------------------------------------
// Uncontended.

fn uncontended<L: BenchLock>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let lock = L::new(0);
    bench_noted(group, "lock/uncontended", L::NAME, |b| {
        let lock = black_box(&lock);
        b.iter(|| lock.with(|count| *count += 1));
    });
}

// ---------------------------------------------------------------------------------------------
// Contended: a team of threads, spawned once per benchmark, started together per sample.

/// `threads` threads that each run their share of a sample's iterations when told to.
struct Team {
    threads: usize,
    /// Every team thread and the measuring thread meet here to start a sample.
    start: Arc<Barrier>,
    /// ... and here when every team thread is done with its share.
    done: Arc<Barrier>,
    /// The sample's total iteration count (published by the start barrier).
    iters: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    /// Iterations run so far, over all samples: what the lock's counter must read.
    total: u64,
    handles: Vec<JoinHandle<()>>,
}

impl Team {
    /// Spawns `threads` threads; each runs `work(n)` with its share `n` of every sample.
    fn new(threads: usize, work: impl Fn(u64) + Send + Sync + 'static) -> Team {
        let work = Arc::new(work);
        let start = Arc::new(Barrier::new(threads + 1));
        let done = Arc::new(Barrier::new(threads + 1));
        let iters = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..threads)
            .map(|index| {
                let (work, start, done) =
                    (Arc::clone(&work), Arc::clone(&start), Arc::clone(&done));
                let (iters, stop) = (Arc::clone(&iters), Arc::clone(&stop));
                thread::Builder::new()
                    .name(format!("bench-team-{index}"))
                    .spawn(move || loop {
                        start.wait();
                        // Relaxed: both were written before the start barrier, which orders them.
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let n = iters.load(Ordering::Relaxed);
                        let t = threads as u64;
                        let share = n / t + u64::from((index as u64) < n % t);
                        work(share);
                        done.wait();
                    })
                    .expect("spawn a benchmark thread")
            })
            .collect();
        Team {
            threads,
            start,
            done,
            iters,
            stop,
            total: 0,
            handles,
        }
    }

    /// Runs one sample of `iters` iterations split across the team; returns its wall time.
    fn run(&mut self, iters: u64) -> Duration {
        self.iters.store(iters, Ordering::Relaxed);
        self.total += iters;
        let begin = Instant::now();
        self.start.wait();
        self.done.wait();
        begin.elapsed()
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.start.wait();
        for handle in self.handles.drain(..) {
            handle.join().expect("a benchmark thread panicked");
        }
    }
}

/// One contended benchmark: `threads` threads share the iterations; each iteration locks,
/// increments the counter, runs `critical_section`, unlocks.
fn contended<L: BenchLock>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    figure: &str,
    threads: usize,
    critical_section: impl Fn() + Send + Sync + 'static,
) {
    let lock = Arc::new(L::new(0));
    let team_lock = Arc::clone(&lock);
    let mut team = Team::new(threads, move |n| {
        for _ in 0..n {
            team_lock.with(|count| {
                *count += 1;
                critical_section();
            });
        }
    });
    bench_noted(group, figure, L::NAME, |b| {
        b.iter_custom(|iters| team.run(iters));
    });
    let expected = team.total;
    let threads = team.threads;
    drop(team);
    let counted = lock.with(|count| *count);
    assert_eq!(
        counted,
        expected,
        "{} with {threads} threads lost {} of {expected} increments",
        L::NAME,
        expected.abs_diff(counted),
    );
}

// ---------------------------------------------------------------------------------------------
// How busy the machine was: other processes' CPU share while a benchmark ran.

// ---------------------------------------------------------------------------------------------
// The groups.

fn bench_uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("lock/uncontended");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(50);
    uncontended::<racelab::Lock<u64>>(&mut group);
    uncontended::<std::sync::Mutex<u64>>(&mut group);
    uncontended::<parking_lot::Mutex<u64>>(&mut group);
    uncontended::<spin::Mutex<u64>>(&mut group);
    group.finish();
}

/// Sampling settings for a contended figure. Every sample runs the same number of
/// acquisitions (flat sampling: one sample is tens of milliseconds, so there is nothing to
/// gain from criterion's linear ramp); criterion sizes that number from the warm-up, so the
/// slow cases (spinning locks with 8 threads on 2 cores) get few iterations on their own.
fn configure_contended(group: &mut BenchmarkGroup<'_, WallTime>, threads: usize) {
    group
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    if threads >= 8 {
        group
            .measurement_time(Duration::from_secs(1))
            .sample_size(15);
    } else {
        group
            .measurement_time(Duration::from_millis(1_500))
            .sample_size(20);
    }
}

fn bench_contended_empty(c: &mut Criterion) {
    for threads in THREADS {
        let figure = format!("lock/contended_empty/{threads}");
        let mut group = c.benchmark_group(&figure);
        configure_contended(&mut group, threads);
        contended::<racelab::Lock<u64>>(&mut group, &figure, threads, || {});
        contended::<std::sync::Mutex<u64>>(&mut group, &figure, threads, || {});
        contended::<parking_lot::Mutex<u64>>(&mut group, &figure, threads, || {});
        contended::<spin::Mutex<u64>>(&mut group, &figure, threads, || {});
        group.finish();
    }
}

fn bench_contended_80ns(c: &mut Criterion) {
    let rounds = work_rounds();
    let work = move || {
        black_box(spin_work(rounds));
    };
    for threads in THREADS {
        let figure = format!("lock/contended_80ns/{threads}");
        let mut group = c.benchmark_group(&figure);
        configure_contended(&mut group, threads);
        contended::<racelab::Lock<u64>>(&mut group, &figure, threads, work);
        contended::<std::sync::Mutex<u64>>(&mut group, &figure, threads, work);
        contended::<parking_lot::Mutex<u64>>(&mut group, &figure, threads, work);
        contended::<spin::Mutex<u64>>(&mut group, &figure, threads, work);
        group.finish();
    }
}

/// racelab's waiter queue against the other parking locks' with 8 and 64 threads. The holder
/// yields its core inside the critical section, so the others run, find the lock held and park:
/// the queue stays about `T` deep, and a release that wakes its oldest waiter starts from the
/// newest. This is the figure where the length of that queue shows.
fn bench_drain(c: &mut Criterion) {
    for threads in DRAIN_THREADS {
        let figure = format!("lock/drain/{threads}");
        let mut group = c.benchmark_group(&figure);
        configure_contended(&mut group, threads);
        contended::<racelab::Lock<u64>>(&mut group, &figure, threads, thread::yield_now);
        contended::<std::sync::Mutex<u64>>(&mut group, &figure, threads, thread::yield_now);
        contended::<parking_lot::Mutex<u64>>(&mut group, &figure, threads, thread::yield_now);
        group.finish();
    }
}

/// criterion's `criterion_group!` makes a `pub fn`; kept in a private module so the
/// workspace's `missing_docs` lint does not ask for docs on generated code.
mod entry {
    use super::{bench_contended_80ns, bench_contended_empty, bench_drain, bench_uncontended};
    use criterion::{criterion_group, Criterion};

    /// 10,000 bootstrap resamples instead of criterion's 100,000: the analysis (and the
    /// plots drawn from it) then takes ~0.5 s per benchmark instead of ~7 s on 2 busy cores,
    /// with confidence intervals still far narrower than this machine's run-to-run noise.
    /// `--nresamples N` on the command line overrides it.
    fn config() -> Criterion {
        Criterion::default().nresamples(10_000)
    }

    criterion_group! {
        name = benches;
        config = config();
        targets = bench_uncontended, bench_contended_empty, bench_contended_80ns, bench_drain
    }
}

criterion_main!(entry::benches);
