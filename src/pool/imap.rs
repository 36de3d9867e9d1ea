//! [`Imap`] and [`ImapUnordered`]: lazy maps, one result at a time.
//!
//! Both keep a *window* of items in flight — twice the pool's workers — pulling the next input
//! item as a result is taken, so a long (or endless) input is never queued all at once and the
//! workers stay busy while the caller handles a result. [`Imap`] holds each item's
//! [`AsyncResult`] in input order; [`ImapUnordered`] gives its tasks one shared completion
//! queue, filled in the order they finish.
//!
//! # The completion queue, and why no wake-up is lost
//!
//! The queue, its `open` flag and the parked consumer are under one racelab [`Lock`]. A
//! consumer that finds the queue empty registers a [`Sleeper`] *under the lock* and parks; a
//! task that finishes pushes its outcome and takes the registered sleeper *under the lock*,
//! then wakes it after unlocking. So the consumer either is registered when the outcome is
//! pushed (and is woken), or looks after the push (and finds it) — the pool's own idle-worker
//! protocol (see `shared.rs`). The consumer counts the items in flight itself, and every one of
//! them pushes exactly once (its value, its panic, `Rejected`, or `Cancelled` from its sink's
//! `Drop`), so it parks only when an outcome is still to come.

use std::collections::VecDeque;

use core::fmt;

use crate::sync::Arc;
use crate::{trace, Lock};

use super::sleeper::Sleeper;
use super::task::{Run, Sink, Task};
use super::{AsyncResult, TaskError, ThreadPool};

/// How many items a lazy map keeps in flight per worker.
const WINDOW_PER_WORKER: usize = 2;

fn window(pool: &ThreadPool) -> usize {
    pool.workers().saturating_mul(WINDOW_PER_WORKER)
}

/// The iterator of [`ThreadPool::imap`]: each item's outcome, in input order.
///
/// `next` blocks until the next item (in input order) is resolved, and meanwhile keeps
/// [`workers`](ThreadPool::workers) × 2 items in flight. Once the pool refuses an item (it was
/// closed), that item is [`TaskError::Rejected`] and the iterator ends after it: the rest of the
/// input is not pulled. Dropping the iterator early lets the items in flight run; their values
/// are dropped.
#[must_use = "iterators are lazy: the items beyond the first window run only as it is consumed"]
pub struct Imap<'pool, I, F, T> {
    pool: &'pool ThreadPool,
    items: I,
    f: Arc<F>,
    /// The items in flight, in input order; `None` for the item the pool refused.
    in_flight: VecDeque<Option<AsyncResult<T>>>,
    refused: bool,
}

impl<'pool, I, F, T> Imap<'pool, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    pub(crate) fn new(pool: &'pool ThreadPool, f: F, items: I) -> Self {
        let mut imap = Imap {
            pool,
            items,
            f: Arc::new(f),
            in_flight: VecDeque::new(),
            refused: false,
        };
        imap.fill();
        imap
    }

    fn fill(&mut self) {
        while !self.refused && self.in_flight.len() < window(self.pool) {
            let Some(item) = self.items.next() else {
                return;
            };
            let f = Arc::clone(&self.f);
            match self.pool.apply_async(move || f(item)) {
                Ok(result) => self.in_flight.push_back(Some(result)),
                Err(refused) => {
                    self.refused = true;
                    self.in_flight.push_back(None);
                    drop(refused);
                }
            }
        }
    }
}

impl<I, F, T> Iterator for Imap<'_, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    type Item = Result<T, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.fill();
        let next = self.in_flight.pop_front()?;
        // Refill before blocking, so the workers have the whole window while this one waits.
        self.fill();
        Some(next.map_or(Err(TaskError::Rejected), AsyncResult::get))
    }
}

impl<I, F, T> fmt::Debug for Imap<'_, I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imap")
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}

/// The completion queue of an [`ImapUnordered`] (see the module docs).
struct Completions<T> {
    state: Lock<Done<T>>,
}

struct Done<T> {
    outcomes: VecDeque<Result<T, TaskError>>,
    /// The consumer, parked until an outcome is pushed.
    waiter: Option<Arc<Sleeper>>,
    /// `false` once the iterator is dropped: outcomes are dropped, not queued.
    open: bool,
}

impl<T> Completions<T> {
    fn push(&self, outcome: Result<T, TaskError>) {
        let (waiter, unwanted) = {
            let mut done = self.state.lock();
            if done.open {
                done.outcomes.push_back(outcome);
                (done.waiter.take(), None)
            } else {
                (None, Some(outcome))
            }
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
        // Outside the lock: a value's Drop may panic, or take a long time.
        drop(unwanted);
    }
}

/// An [`ImapUnordered`] task's sink: its outcome goes to the completion queue.
struct Unordered<T> {
    queue: Option<Arc<Completions<T>>>,
}

impl<T: Send> Sink<T> for Unordered<T> {
    fn complete(mut self, outcome: Result<T, TaskError>) {
        if let Some(queue) = self.queue.take() {
            queue.push(outcome);
        }
    }

    /// Never handed back; if one were, the consumer still counts it in flight.
    fn abandon(self) {
        self.complete(Err(TaskError::Rejected));
    }
}

impl<T> Drop for Unordered<T> {
    fn drop(&mut self) {
        if let Some(queue) = self.queue.take() {
            queue.push(Err(TaskError::Cancelled));
        }
    }
}

/// The iterator of [`ThreadPool::imap_unordered`]: each item's outcome, in the order the
/// items finish.
///
/// As [`Imap`], with [`workers`](ThreadPool::workers) × 2 items in flight; the item the pool
/// refuses is [`TaskError::Rejected`] and the last input pulled. Dropping the iterator early lets
/// the items in flight run; their values are dropped as they finish, not kept.
#[must_use = "iterators are lazy: the items beyond the first window run only as it is consumed"]
pub struct ImapUnordered<'pool, I, F, T> {
    pool: &'pool ThreadPool,
    items: I,
    f: Arc<F>,
    queue: Arc<Completions<T>>,
    /// Items submitted whose outcome has not been taken yet; each pushes exactly once.
    in_flight: usize,
    refused: bool,
}

impl<'pool, I, F, T> ImapUnordered<'pool, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    pub(crate) fn new(pool: &'pool ThreadPool, f: F, items: I) -> Self {
        let state = Lock::new(Done {
            outcomes: VecDeque::new(),
            waiter: None,
            open: true,
        });
        trace::hide(&state);
        let mut imap = ImapUnordered {
            pool,
            items,
            f: Arc::new(f),
            queue: Arc::new(Completions { state }),
            in_flight: 0,
            refused: false,
        };
        imap.fill();
        imap
    }

    fn fill(&mut self) {
        while !self.refused && self.in_flight < window(self.pool) {
            let Some(item) = self.items.next() else {
                return;
            };
            let f = Arc::clone(&self.f);
            let sink = Unordered {
                queue: Some(Arc::clone(&self.queue)),
            };
            self.in_flight += 1;
            if let Err(task) = self.pool.submit(Task::with_sink(move || f(item), sink)) {
                self.refused = true;
                task.reject(); // pushes `Rejected`: the consumer finds it with the rest
            }
        }
    }

    /// Takes the next outcome off the queue, parking until one is pushed.
    fn take(&mut self) -> Result<T, TaskError> {
        loop {
            let me = {
                let mut done = self.queue.state.lock();
                if let Some(outcome) = done.outcomes.pop_front() {
                    self.in_flight -= 1;
                    return outcome;
                }
                let me = Sleeper::current();
                me.prepare();
                done.waiter = Some(Arc::clone(&me));
                me
            };
            me.sleep();
        }
    }
}

impl<I, F, T> Iterator for ImapUnordered<'_, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    type Item = Result<T, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.fill();
        if self.in_flight == 0 {
            return None;
        }
        let outcome = self.take();
        self.fill();
        Some(outcome)
    }
}

impl<I, F, T> Drop for ImapUnordered<'_, I, F, T> {
    fn drop(&mut self) {
        let unread = {
            let mut done = self.queue.state.lock();
            done.open = false;
            core::mem::take(&mut done.outcomes)
        };
        drop(unread);
    }
}

impl<I, F, T> fmt::Debug for ImapUnordered<'_, I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapUnordered")
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}
