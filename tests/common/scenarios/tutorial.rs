//! The tutorial's example (README's tutorial section): a pool, tasks sharing one lock, results drained in order.

use racelab::sync::{thread, Arc};
use racelab::{Lock, TaskError, ThreadPool};

use super::Inside;
use crate::common::EXPECTED_PANIC;

/// The tutorial's example (README's tutorial section): a pool of `workers`, `tasks` tasks, each holding one shared
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

/// The tutorial's `pool.map`: results in input order whatever order the workers finish in,
/// and a panicking item reported in its place without disturbing the others.
pub fn tutorial_map(workers: usize, tasks: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let results = pool.map(
        |i: usize| {
            if i == 3 {
                panic!("{}", EXPECTED_PANIC);
            }
            i * i
        },
        0..tasks,
    );
    let expected: Vec<_> = (0..tasks)
        .map(|i| {
            if i == 3 {
                Err(TaskError::Panicked {
                    message: EXPECTED_PANIC.to_owned(),
                })
            } else {
                Ok(i * i)
            }
        })
        .collect();
    assert_eq!(results, expected);
}
