//! The one place the harness differs per backend.
//!
//! The execution counter is a std atomic on purpose: it counts runs of the model from
//! outside it, and must not itself become part of what loom or shuttle explore.
#![allow(clippy::disallowed_types)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::Explorer;

/// Wraps `body` so each execution bumps a counter the caller can read afterwards.
fn counted<F>(body: F) -> (Arc<AtomicU64>, impl Fn() + Send + Sync + 'static)
where
    F: Fn() + Send + Sync + 'static,
{
    let count = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&count);
    let body = move || {
        // Relaxed: a statistic read after every execution has finished.
        counter.fetch_add(1, Ordering::Relaxed);
        body();
    };
    (count, body)
}

#[cfg(loom)]
pub(super) fn run<F>(explorer: &Explorer, body: F) -> (String, u64)
where
    F: Fn() + Send + Sync + 'static,
{
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = explorer.preemption_bound;
    }
    let budget = match builder.preemption_bound {
        Some(bound) => format!("bound {bound}"),
        None => "unbounded".to_owned(),
    };
    let (count, body) = counted(body);
    builder.check(body);
    (budget, count.load(Ordering::Relaxed))
}

#[cfg(shuttle)]
pub(super) fn run<F>(explorer: &Explorer, body: F) -> (String, u64)
where
    F: Fn() + Send + Sync + 'static,
{
    use super::Scheduler;
    use shuttle::scheduler::{PctScheduler, RandomScheduler};
    use shuttle::{Config, Runner};

    let (count, body) = counted(body);
    let n = explorer.iterations;
    let budget = match (explorer.scheduler, explorer.seed) {
        (Scheduler::Random, None) => {
            Runner::new(RandomScheduler::new(n), Config::new()).run(body);
            format!("random × {n}")
        }
        (Scheduler::Random, Some(seed)) => {
            Runner::new(RandomScheduler::new_from_seed(seed, n), Config::new()).run(body);
            format!("random × {n}, seed {seed}")
        }
        (Scheduler::Pct { depth }, None) => {
            Runner::new(PctScheduler::new(depth, n), Config::new()).run(body);
            format!("pct({depth}) × {n}")
        }
        (Scheduler::Pct { depth }, Some(seed)) => {
            Runner::new(PctScheduler::new_from_seed(seed, depth, n), Config::new()).run(body);
            format!("pct({depth}) × {n}, seed {seed}")
        }
    };
    (budget, count.load(Ordering::Relaxed))
}

#[cfg(not(any(loom, shuttle)))]
pub(super) fn run<F>(explorer: &Explorer, body: F) -> (String, u64)
where
    F: Fn() + Send + Sync + 'static,
{
    let (count, body) = counted(body);
    for _ in 0..explorer.iterations {
        body();
    }
    (
        format!("stress × {}", explorer.iterations),
        count.load(Ordering::Relaxed),
    )
}
