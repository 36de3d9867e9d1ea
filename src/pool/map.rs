//! [`MapResult`]: many tasks, one result — the cells their outcomes go to, and the countdown
//! whose last step resolves the map.
//!
//! # The countdown
//!
//! A map of `n` items has `n` cells and a counter that starts at `n + 1`: one step per item,
//! and one for the submitter, which takes it only once it has queued (or refused) every item.
//! Each item's outcome is written into its own cell by whoever resolves the item — the worker
//! that ran it, the thread that cancelled it (`terminate`), or the submitter for an item the
//! pool refused — and then that thread counts down. The thread whose step reaches 0 is the
//! last: it alone reads the cells, runs the callback, and resolves the map's [`AsyncResult`].
//! So the map waits for every item, whatever fails first, and no cell is read before it is
//! written: each write happens-before its own decrement, and every decrement before the last
//! one's Acquire (see [`Group::count_down`]).

use std::panic::{self, AssertUnwindSafe};

use core::fmt;
use core::time::Duration;

use crate::sync::internal::atomic::{AtomicUsize, Ordering};
use crate::sync::internal::cell::UnsafeCell;
use crate::sync::Arc;

use super::result::{self, AsyncResult, Completer};
use super::task::{message_of, Sink};
use super::{NotReady, TaskError, TimeoutError};

/// A map's outcome, as the last item leaves it: every value, or each item's outcome when one
/// failed (the caller picks the first failure in input order).
pub(crate) enum Mapped<T> {
    Values(Vec<T>),
    Each(Vec<Result<T, TaskError>>),
}

/// What `map_async_with` runs once every item is resolved: with all the values, or with the
/// first failure in input order.
pub(crate) type MapCallback<T> = Box<dyn FnOnce(Result<&[T], &TaskError>) + Send>;

type Cell<T> = UnsafeCell<Option<Result<T, TaskError>>>;

/// The map's result writer and its callback, for the last step of the countdown.
type Finish<T> = (Completer<Mapped<T>>, Option<MapCallback<T>>);

/// The cells of one map and its countdown (see the module docs).
pub(crate) struct Group<T> {
    cells: Box<[Cell<T>]>,
    /// Items not yet resolved, plus 1 until the submitter has queued every item.
    remaining: AtomicUsize,
    /// The map's result writer and callback: taken by the last step of the countdown.
    finish: UnsafeCell<Option<Finish<T>>>,
}

// SAFETY: each cell is written by one thread (whoever resolves that item, once) and read only
// by the thread that ends the countdown, after every write happened-before it (the AcqRel
// decrements); `finish` is touched by that last thread alone. Moving `T`s across threads that
// way needs `T: Send`; the callback is `Send`.
unsafe impl<T: Send> Sync for Group<T> {}
// SAFETY: as for `Sync`.
unsafe impl<T: Send> Send for Group<T> {}

impl<T: Send> Group<T> {
    /// A group for `items` items (its submitter's side), and the map's pending result.
    pub(crate) fn start(
        items: usize,
        callback: Option<MapCallback<T>>,
    ) -> (Submitting<T>, AsyncResult<Mapped<T>>) {
        let (completer, result) = result::slot();
        let group = Arc::new(Group {
            cells: (0..items).map(|_| UnsafeCell::new(None)).collect(),
            remaining: AtomicUsize::new(items + 1),
            finish: UnsafeCell::new(Some((completer, callback))),
        });
        (Submitting { group, next: 0 }, result)
    }

    /// Resolves item `index` (once) and counts it down.
    fn resolve(&self, index: usize, outcome: Result<T, TaskError>) {
        // SAFETY: cell `index` is written once, by the one sink (or submitter) that owns the
        // item; it is read only by the last step of the countdown, which this write
        // happens-before (the Release half of the decrement below).
        self.cells[index].with_mut(|cell| unsafe { *cell = Some(outcome) });
        self.count_down();
    }

    fn count_down(&self) {
        // Release: publishes this step's cell; pairs with the Acquire of the decrement that
        // reaches 0. Every decrement is a read-modify-write, so each one continues the release
        // sequence of those before it, and the last one's Acquire synchronises with all of them.
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.finish();
        }
    }

    /// The last step: reads every cell, runs the callback, resolves the map.
    #[cold]
    fn finish(&self) {
        let each: Vec<Result<T, TaskError>> = self
            .cells
            .iter()
            // SAFETY: the countdown has ended, here, once: every cell was written and the
            // writes happened-before (see `count_down`); nobody touches the cells again.
            .map(|cell| cell.with_mut(|cell| unsafe { (*cell).take() }))
            .map(|outcome| outcome.expect("every item is resolved before the countdown ends"))
            .collect();
        // SAFETY: only the last step of the countdown touches `finish`, and it runs once.
        let finish = self.finish.with_mut(|finish| unsafe { (*finish).take() });
        let (completer, callback) = finish.expect("a map finishes once");
        let mapped = if each.iter().all(Result::is_ok) {
            Mapped::Values(each.into_iter().flatten().collect())
        } else {
            Mapped::Each(each)
        };
        let Some(callback) = callback else {
            completer.complete(Ok(mapped));
            return;
        };
        let called = panic::catch_unwind(AssertUnwindSafe(|| match &mapped {
            Mapped::Values(values) => callback(Ok(values)),
            Mapped::Each(each) => callback(Err(first_failure(each))),
        }));
        // A lock the callback held when it panicked is free (see `Task::run`).
        crate::lock::flush_unwound();
        match called {
            Ok(()) => completer.complete(Ok(mapped)),
            Err(payload) => {
                // Before the map is resolved, so a caller that sees `CallbackPanicked` sees the
                // values freed; a Drop that panics is caught (see `drop_caught`).
                super::task::drop_caught(mapped);
                completer.complete(Err(TaskError::CallbackPanicked {
                    message: message_of(payload),
                }));
            }
        }
    }
}

fn first_failure<T>(each: &[Result<T, TaskError>]) -> &TaskError {
    each.iter()
        .find_map(|outcome| outcome.as_ref().err())
        .expect("a map that is not all values has a failure")
}

/// The submitter's side of a group: hands out one sink per item in input order and, when it is
/// dropped — after the last item, or early (the pool refused one, or a panic unwinds) — rejects
/// the items it never handed out and takes its own step of the countdown.
pub(crate) struct Submitting<T: Send> {
    group: Arc<Group<T>>,
    next: usize,
}

impl<T: Send> Submitting<T> {
    /// The sink of the next item.
    pub(crate) fn item(&mut self) -> Item<T> {
        let index = self.next;
        self.next += 1;
        Item {
            group: Some(Arc::clone(&self.group)),
            index,
        }
    }
}

impl<T: Send> Drop for Submitting<T> {
    fn drop(&mut self) {
        for index in self.next..self.group.cells.len() {
            self.group.resolve(index, Err(TaskError::Rejected));
        }
        self.group.count_down();
    }
}

/// One map item's sink: its cell in the group.
pub(crate) struct Item<T: Send> {
    group: Option<Arc<Group<T>>>,
    index: usize,
}

impl<T: Send> Sink<T> for Item<T> {
    fn complete(mut self, outcome: Result<T, TaskError>) {
        if let Some(group) = self.group.take() {
            group.resolve(self.index, outcome);
        }
    }

    /// Map items are never handed back; if one were, its cell must still be resolved, or the
    /// map would wait forever.
    fn abandon(self) {
        self.complete(Err(TaskError::Rejected));
    }
}

impl<T: Send> Drop for Item<T> {
    fn drop(&mut self) {
        if let Some(group) = self.group.take() {
            group.resolve(self.index, Err(TaskError::Cancelled));
        }
    }
}

/// The pending result of [`ThreadPool::map_async`](super::ThreadPool::map_async): Python's
/// `MapResult`.
///
/// It is ready once *every* item is resolved — a failing item does not end the wait early.
/// [`get`](MapResult::get) then gives all the values in input order, or the first failure in
/// input order (the other items' values are dropped). For each item's own outcome, use
/// [`ThreadPool::map`](super::ThreadPool::map).
///
/// Like [`AsyncResult`], it is `Send` but not `Sync`, always resolves (items the pool refused
/// are [`TaskError::Rejected`], items `terminate` cancelled are [`TaskError::Cancelled`]), and
/// once it is dropped or read the pool holds nothing of it.
///
/// # Examples
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// let pool = racelab::ThreadPool::new(3).unwrap();
/// let squares = pool.map_async(|i: u64| i * i, 1..=4);
/// assert_eq!(squares.get(), Ok(vec![1, 4, 9, 16]));
/// ```
#[must_use = "a result that is never read hides a panic in its tasks"]
pub struct MapResult<T> {
    inner: AsyncResult<Mapped<T>>,
}

impl<T> MapResult<T> {
    pub(crate) fn new(inner: AsyncResult<Mapped<T>>) -> Self {
        MapResult { inner }
    }

    /// Waits for every item and returns all the values in input order, or the first failure
    /// in input order.
    ///
    /// # Errors
    ///
    /// The first item's failure, in input order: [`TaskError::Panicked`],
    /// [`TaskError::Cancelled`] or [`TaskError::Rejected`]; or
    /// [`TaskError::CallbackPanicked`] if the callback of
    /// [`map_async_with`](super::ThreadPool::map_async_with) panicked.
    pub fn get(self) -> Result<Vec<T>, TaskError> {
        match self.inner.get()? {
            Mapped::Values(values) => Ok(values),
            Mapped::Each(each) => Err(each
                .into_iter()
                .find_map(Result::err)
                .expect("a map that is not all values has a failure")),
        }
    }

    /// Each item's outcome in input order (what [`ThreadPool::map`](super::ThreadPool::map)
    /// returns). Only for maps without a callback, whose result never fails as a whole.
    pub(crate) fn into_each(self) -> Vec<Result<T, TaskError>> {
        match self.inner.get() {
            Ok(Mapped::Values(values)) => values.into_iter().map(Ok).collect(),
            Ok(Mapped::Each(each)) => each,
            Err(err) => unreachable!("a map without a callback resolves item by item: {err}"),
        }
    }

    /// Blocks until every item is resolved.
    pub fn wait(&self) {
        self.inner.wait();
    }

    /// Waits at most `timeout` for every item; `true` if they all are resolved. In checker
    /// builds the timeout is the schedule's choice (see [`AsyncResult::wait_timeout`]).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.inner.wait_timeout(timeout)
    }

    /// Waits at most `timeout` for [`get`](Self::get)'s answer.
    ///
    /// # Errors
    ///
    /// `Ok(Err(..))` as for [`get`](Self::get); `Err(TimeoutError)` if some item is still
    /// unresolved: the items keep running, and [`TimeoutError::into_result`] gives this result
    /// back.
    pub fn get_timeout(
        self,
        timeout: Duration,
    ) -> Result<Result<Vec<T>, TaskError>, TimeoutError<Self>> {
        if self.wait_timeout(timeout) {
            Ok(self.get())
        } else {
            Err(TimeoutError::new(self, timeout))
        }
    }

    /// Returns `true` once every item is resolved, so [`get`](Self::get) will not block.
    #[must_use]
    pub fn ready(&self) -> bool {
        self.inner.ready()
    }

    /// Whether every item returned a value: Python's `successful()`.
    ///
    /// # Errors
    ///
    /// [`NotReady`] while some item is unresolved.
    pub fn successful(&self) -> Result<bool, NotReady> {
        self.inner
            .peek(|outcome| matches!(outcome, Ok(Mapped::Values(_))))
            .ok_or(NotReady)
    }
}

impl<T> fmt::Debug for MapResult<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapResult")
            .field("ready", &self.ready())
            .finish_non_exhaustive()
    }
}
