//! Pool benchmarks: racelab's [`ThreadPool`] against the `threadpool` crate, rayon, a minimal
//! pool on a crossbeam channel, and one `thread::spawn` per task, measured in one run.
//!
//! | criterion id | what one iteration is |
//! |---|---|
//! | `pool/submit_collect_100k/<W>/<impl>` | 100,000 empty tasks submitted to a pool of `W` workers, then every result collected (divide by 100,000 for the time per task; criterion also reports it as throughput) |
//! | `pool/round_trip/<impl>` | one task submitted and its result awaited before the next (`apply_async(f).get()`), pool of 5 workers |
//!
//! `<W>` is 2 or 5 (the tutorial's pool has 5). `<impl>`:
//!
//! | impl | submit | result |
//! |---|---|---|
//! | `racelab` | `pool.apply_async(f)` | `AsyncResult::get` (one result slot per task) |
//! | `threadpool` | `pool.execute(f)` | one shared `std::sync::mpsc` channel (the crate's documented pattern) |
//! | `rayon_spawn` | `pool.spawn(f)` on a private rayon pool | one shared `std::sync::mpsc` channel |
//! | `rayon_scope` | `s.spawn(f)` inside `pool.scope` | each task writes its own slot of a `Vec`; the scope's end is the collection |
//! | `crossbeam` | a minimal pool in this file: `W` workers receive `Box<dyn FnOnce>` from a crossbeam channel | one crossbeam `bounded(1)` channel per task |
//! | `thread_spawn` | `thread::spawn(f)` per task, at most `W` alive (oldest joined first) | `JoinHandle::join` |
//!
//! An empty task returns its own index; the collected results are summed and checked, so a
//! pool that lost or duplicated a task fails the run. `thread_spawn` bounds the threads alive
//! at `W`: 100,000 unjoined threads would run into the kernel's thread and memory-map limits,
//! and `W` threads in flight is the closest match to a pool of `W`.
//!
//! Every pool is started before its benchmark and shut down after it, so thread start-up is
//! not measured. Under each result the bench prints the share of the machine's CPU time other
//! processes took while it ran: hand-offs between threads wait for a free CPU, so a pool figure
//! from a busy machine says more about the scheduler than about the pool.
//!
//! See `benches/README.md` for how to run it and where the numbers land.

// The harness is outside the model: std threads, channels and Arc on purpose; only the pool
// under test is racelab's.
#![allow(
    clippy::disallowed_types,
    clippy::disallowed_methods,
    reason = "the anchors and the harness use std threads and channels; only the pool under test is racelab's"
)]

#[path = "common/noise.rs"]
mod noise;
use noise::bench_noted;

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use racelab::ThreadPool;

/// Tasks per `submit_collect` iteration.
const TASKS: usize = 100_000;
/// Their results, summed: 0 + 1 + … + (TASKS − 1).
const TASKS_SUM: usize = TASKS * (TASKS - 1) / 2;
/// Pool sizes of the `submit_collect` figures.
const WORKERS: [usize; 2] = [2, 5];
/// Pool size of the `round_trip` figure: the tutorial's.
const ROUND_TRIP_WORKERS: usize = 5;

// ---------------------------------------------------------------------------------------------
// How busy the machine was: other processes' CPU share while a benchmark ran.

// ---------------------------------------------------------------------------------------------
// The minimal crossbeam pool.

type Job = Box<dyn FnOnce() + Send + 'static>;

/// `workers` threads receiving boxed closures from one crossbeam channel; each task's result
/// comes back on its own `bounded(1)` channel. About the least a general pool can do.
struct CrossbeamPool {
    jobs: Option<crossbeam_channel::Sender<Job>>,
    handles: Vec<JoinHandle<()>>,
}

impl CrossbeamPool {
    fn new(workers: usize) -> Self {
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        let handles = (0..workers)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    for job in queue {
                        job();
                    }
                })
            })
            .collect();
        CrossbeamPool {
            jobs: Some(jobs),
            handles,
        }
    }

    fn apply_async<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> crossbeam_channel::Receiver<T> {
        let (result, pending) = crossbeam_channel::bounded(1);
        let job: Job = Box::new(move || {
            // The receiver may be gone; the task has run either way.
            let _ = result.send(f());
        });
        self.jobs
            .as_ref()
            .expect("the pool is open until dropped")
            .send(job)
            .expect("the workers outlive the sender");
        pending
    }
}

impl Drop for CrossbeamPool {
    fn drop(&mut self) {
        // Closing the channel ends each worker's loop once the queue is drained.
        drop(self.jobs.take());
        for handle in self.handles.drain(..) {
            handle.join().expect("a crossbeam pool worker panicked");
        }
    }
}

fn rayon_pool(workers: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .expect("build a rayon pool")
}

// ---------------------------------------------------------------------------------------------
// submit_collect: TASKS empty tasks queued, then every result collected.

fn submit_collect_racelab(pool: &ThreadPool) -> usize {
    let pending: Vec<_> = (0..TASKS)
        .map(|i| pool.apply_async(move || i).expect("the pool is open"))
        .collect();
    pending
        .into_iter()
        .map(|r| r.get().expect("an empty task succeeds"))
        .sum()
}

fn submit_collect_threadpool(pool: &threadpool::ThreadPool) -> usize {
    let (tx, rx) = mpsc::channel();
    for i in 0..TASKS {
        let tx = tx.clone();
        pool.execute(move || tx.send(i).expect("the collector is waiting"));
    }
    rx.iter().take(TASKS).sum()
}

fn submit_collect_rayon_spawn(pool: &rayon::ThreadPool) -> usize {
    let (tx, rx) = mpsc::channel();
    for i in 0..TASKS {
        let tx = tx.clone();
        pool.spawn(move || tx.send(i).expect("the collector is waiting"));
    }
    rx.iter().take(TASKS).sum()
}

fn submit_collect_rayon_scope(pool: &rayon::ThreadPool) -> usize {
    let mut results = vec![0usize; TASKS];
    pool.scope(|s| {
        for (i, slot) in results.iter_mut().enumerate() {
            s.spawn(move |_| *slot = i);
        }
    });
    results.into_iter().sum()
}

fn submit_collect_crossbeam(pool: &CrossbeamPool) -> usize {
    let pending: Vec<_> = (0..TASKS).map(|i| pool.apply_async(move || i)).collect();
    pending
        .into_iter()
        .map(|r| r.recv().expect("every task sends its result"))
        .sum()
}

fn submit_collect_thread_spawn(workers: usize) -> usize {
    let mut in_flight = VecDeque::with_capacity(workers);
    let mut sum = 0;
    for i in 0..TASKS {
        if in_flight.len() == workers {
            let oldest: JoinHandle<usize> = in_flight.pop_front().expect("the window is full");
            sum += oldest.join().expect("an empty task succeeds");
        }
        in_flight.push_back(thread::spawn(move || i));
    }
    sum + in_flight
        .into_iter()
        .map(|h| h.join().expect("an empty task succeeds"))
        .sum::<usize>()
}

/// Benchmarks `run` as one `submit_collect` iteration and checks its sum every time.
fn bench_batch(
    group: &mut BenchmarkGroup<'_, WallTime>,
    figure: &str,
    name: &str,
    mut run: impl FnMut() -> usize,
) {
    bench_noted(group, figure, name, |b| {
        b.iter(|| {
            let sum = run();
            assert_eq!(sum, TASKS_SUM, "{name}: a task was lost or ran twice");
        });
    });
}

fn bench_submit_collect(c: &mut Criterion) {
    for workers in WORKERS {
        let figure = format!("pool/submit_collect_100k/{workers}");
        let mut group = c.benchmark_group(&figure);
        group
            .throughput(Throughput::Elements(TASKS as u64))
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(20);
        let g = &mut group;

        {
            let pool = ThreadPool::new(workers).expect("start a racelab pool");
            bench_batch(g, &figure, "racelab", || submit_collect_racelab(&pool));
        }
        {
            let pool = threadpool::ThreadPool::new(workers);
            bench_batch(g, &figure, "threadpool", || {
                submit_collect_threadpool(&pool)
            });
            pool.join();
        }
        {
            let pool = rayon_pool(workers);
            bench_batch(g, &figure, "rayon_spawn", || {
                submit_collect_rayon_spawn(&pool)
            });
            bench_batch(g, &figure, "rayon_scope", || {
                submit_collect_rayon_scope(&pool)
            });
        }
        {
            let pool = CrossbeamPool::new(workers);
            bench_batch(g, &figure, "crossbeam", || submit_collect_crossbeam(&pool));
        }
        // 100,000 spawns take seconds: the fewest samples criterion allows.
        g.sample_size(10).warm_up_time(Duration::from_millis(100));
        bench_batch(g, &figure, "thread_spawn", || {
            submit_collect_thread_spawn(workers)
        });
        group.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// round_trip: one task submitted and awaited at a time.

/// Benchmarks `one` round trip (its task returns 1, which is checked).
fn bench_one(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, mut one: impl FnMut() -> usize) {
    bench_noted(group, "pool/round_trip", name, |b| {
        b.iter(|| {
            let result = one();
            assert_eq!(result, 1, "{name}: wrong result");
        });
    });
}

fn bench_round_trip(c: &mut Criterion) {
    let workers = ROUND_TRIP_WORKERS;
    let mut group = c.benchmark_group("pool/round_trip");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1_500))
        .sample_size(30);
    let g = &mut group;

    {
        let pool = ThreadPool::new(workers).expect("start a racelab pool");
        bench_one(g, "racelab", || {
            let x = black_box(1usize);
            pool.apply_async(move || x)
                .expect("the pool is open")
                .get()
                .expect("an empty task succeeds")
        });
    }
    {
        let pool = threadpool::ThreadPool::new(workers);
        let (tx, rx) = mpsc::channel();
        bench_one(g, "threadpool", || {
            let (x, tx) = (black_box(1usize), tx.clone());
            pool.execute(move || tx.send(x).expect("the bench is waiting"));
            rx.recv().expect("the task sends its result")
        });
        pool.join();
    }
    {
        let pool = rayon_pool(workers);
        let (tx, rx) = mpsc::channel();
        bench_one(g, "rayon_spawn", || {
            let (x, tx) = (black_box(1usize), tx.clone());
            pool.spawn(move || tx.send(x).expect("the bench is waiting"));
            rx.recv().expect("the task sends its result")
        });
        bench_one(g, "rayon_scope", || {
            let x = black_box(1usize);
            let mut result = 0;
            pool.scope(|s| s.spawn(|_| result = x));
            result
        });
    }
    {
        let pool = CrossbeamPool::new(workers);
        bench_one(g, "crossbeam", || {
            let x = black_box(1usize);
            pool.apply_async(move || x)
                .recv()
                .expect("the task sends its result")
        });
    }
    bench_one(g, "thread_spawn", || {
        let x = black_box(1usize);
        thread::spawn(move || x)
            .join()
            .expect("an empty task succeeds")
    });
    group.finish();
}

/// criterion's `criterion_group!` makes a `pub fn`; kept in a private module so the
/// workspace's `missing_docs` lint does not ask for docs on generated code.
mod entry {
    use super::{bench_round_trip, bench_submit_collect};
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
        targets = bench_submit_collect, bench_round_trip
    }
}

criterion_main!(entry::benches);
