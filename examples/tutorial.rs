//! The tutorial's example, in racelab: a pool of 5 workers, 10 tasks, one lock. Each task
//! holds the lock for its whole body, so the pool runs them one at a time (a lock convoy —
//! see the `lock_convoy` model); `--short` holds it only around the shared print.
//!
//! Run: `cargo run --example tutorial` (about 1 s) or `cargo run --example tutorial -- --short`.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)] // std only

use std::time::{Duration, Instant};

use racelab::sync::Arc;
use racelab::{Lock, ThreadPool};

fn main() -> Result<(), racelab::PoolError> {
    let short = std::env::args().any(|a| a == "--short");
    let pool = ThreadPool::new(5)?;
    let lock = Arc::new(Lock::new(()));
    let start = Instant::now();
    let results: Vec<_> = (0..10)
        .map(|i| {
            let lock = Arc::clone(&lock);
            pool.apply_async(move || {
                if short {
                    println!("task {i} started");
                    std::thread::sleep(Duration::from_millis(100)); // the work, outside the lock
                    let _guard = lock.lock();
                    println!("task {i} finished");
                } else {
                    let _guard = lock.lock(); // released when the task returns, even by a panic
                    println!("task {i} started");
                    std::thread::sleep(Duration::from_millis(100)); // the work, inside the lock
                    println!("task {i} finished");
                }
                i
            })
        })
        .collect::<Result<_, _>>()?;
    for result in results {
        let i = result.get().expect("the task did not panic");
        assert!(i < 10);
    }
    println!(
        "10 tasks on 5 workers took {:.2} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
