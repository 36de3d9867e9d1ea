//! [`AsyncResult`]: a one-shot slot with one writer (the task) and one waiting owner.

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::sync::internal::atomic::{AtomicU8, Ordering};
use crate::sync::internal::cell::UnsafeCell;
use crate::sync::internal::thread::{self, Thread};
use crate::sync::{hint, Arc, SPIN_LIMIT};

use super::deadline::Deadline;
use super::task::Sink;
use super::{NotReady, TaskError, TimeoutError};
use crate::trace;

/// The slot's state.
///
/// | state | value | waiter | next |
/// |---|---|---|---|
/// | `EMPTY` | none | none | `WAITING` (owner waits) or `READY` (task done) |
/// | `WAITING` | none | the owner's thread | `READY`; the writer unparks the waiter. Or `EMPTY`: a timed wait ran out and withdrew |
/// | `READY` | written | untouched from now on | final |
const EMPTY: u8 = 0;
const WAITING: u8 = 1;
const READY: u8 = 2;

pub(crate) struct Slot<T> {
    state: AtomicU8,
    /// Written once by the writer before `READY`; read by the owner after it.
    value: UnsafeCell<Option<Result<T, TaskError>>>,
    /// Written by the owner before `WAITING`; taken by the writer after it.
    waiter: UnsafeCell<Option<Thread>>,
}

/// `Slot` moves a `T` from the worker to the owner.
// SAFETY: `value` and `waiter` are each accessed by one side at a time, handed over by the
// Release/Acquire transitions of `state` documented on each access; that needs `T: Send`.
unsafe impl<T: Send> Sync for Slot<T> {}
// SAFETY: as for `Sync`.
unsafe impl<T: Send> Send for Slot<T> {}

/// The pending result of a task submitted with
/// [`ThreadPool::apply_async`](super::ThreadPool::apply_async).
///
/// [`get`](AsyncResult::get) waits for the task and returns its value, or why there is none:
/// [`TaskError::Panicked`] with the panic message, or [`TaskError::Cancelled`] if the pool was
/// terminated before the task ran. A result always resolves: no `get` waits on a task that
/// will never run.
///
/// Dropping an `AsyncResult` without `get` is fine: the task still runs, and its value is
/// dropped by whichever side lets go last — the worker, if the `AsyncResult` was dropped
/// before the task finished (a panic from that drop is caught; the worker serves on), else
/// the thread that drops the `AsyncResult`.
///
/// `AsyncResult` is `Send` but not `Sync` (like std's `mpsc::Receiver`): one owner waits for it.
///
/// # Examples
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// let pool = racelab::ThreadPool::new(2).unwrap();
/// let result = pool.apply_async(|| 6 * 7).unwrap();
/// assert_eq!(result.get(), Ok(42));
/// ```
#[must_use = "a result that is never read hides a panic in its task"]
pub struct AsyncResult<T> {
    slot: Arc<Slot<T>>,
    /// The task's number in traces (0 in std builds).
    pub(crate) id: u64,
    /// Set by `get`, which took the value: `Drop` has nothing left to free.
    taken: bool,
    _not_sync: PhantomData<Cell<()>>,
}

/// The writing side of a slot, owned by the task. Dropped unwritten, it writes `Cancelled`.
pub(crate) struct Completer<T> {
    slot: Option<Arc<Slot<T>>>,
}

/// Creates a connected writer and result.
pub(crate) fn slot<T>() -> (Completer<T>, AsyncResult<T>) {
    let slot = Arc::new(Slot {
        state: AtomicU8::new(EMPTY),
        value: UnsafeCell::new(None),
        waiter: UnsafeCell::new(None),
    });
    let result = AsyncResult {
        slot: Arc::clone(&slot),
        id: 0,
        taken: false,
        _not_sync: PhantomData,
    };
    (Completer { slot: Some(slot) }, result)
}

impl<T: Send> Sink<T> for Completer<T> {
    /// Resolves the result with `outcome` and wakes its owner if it waits. The slot's `Arc`
    /// is let go here: from now on only the owner holds the value.
    fn complete(mut self, outcome: Result<T, TaskError>) {
        if let Some(slot) = self.slot.take() {
            slot.write(outcome);
        }
    }

    fn abandon(mut self) {
        self.slot = None;
    }
}

/// A result dropped unread after its task finished frees the value at once, in the dropping
/// thread, rather than whenever the worker lets go of the slot: whoever drops a result sees its
/// value gone (the pool keeps nothing of a task once its result is gone or read).
impl<T> Drop for AsyncResult<T> {
    fn drop(&mut self) {
        if self.taken {
            return;
        }
        // Acquire: pairs with the Release swap to `READY` in `Slot::write`: the value is
        // written and the writer is done with it. Not `READY`: the writer frees the value
        // itself when it drops its side of the slot (the last `Arc`).
        if self.slot.state.load(Ordering::Acquire) == READY {
            // SAFETY: `READY` was seen with Acquire, so the writer no longer touches `value`,
            // and `self` is its only reader.
            let value = self.slot.value.with_mut(|value| unsafe { (*value).take() });
            drop(value);
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            slot.write(Err(TaskError::Cancelled));
        }
    }
}

impl<T> Slot<T> {
    fn write(&self, outcome: Result<T, TaskError>) {
        // SAFETY: only the single `Completer` writes `value`, and the owner reads it only
        // after seeing `READY`, which is stored below.
        self.value
            .with_mut(|value| unsafe { *value = Some(outcome) });
        // Release: publishes `value`; pairs with the Acquire loads of `READY` in `wait`,
        // `ready` and the Acquire failure of the CAS in `wait`. Acquire: pairs with the Release
        // CAS to `WAITING` in `wait`, so the waiter's thread handle is visible.
        let previous = self.state.swap(READY, Ordering::AcqRel);
        match previous {
            EMPTY => {}
            WAITING => {
                // SAFETY: the owner wrote `waiter` before its Release CAS to `WAITING`, which
                // we acquired, and never touches it again.
                let waiter = self.waiter.with_mut(|waiter| unsafe { (*waiter).take() });
                waiter.expect("a WAITING slot has a waiter").unpark();
            }
            state => unreachable!("inconsistent result state {state}: written twice"),
        }
    }
}

impl<T> AsyncResult<T> {
    /// Waits for the task and returns its value, or why there is none.
    ///
    /// # Errors
    ///
    /// [`TaskError::Panicked`] with the panic message if the task panicked;
    /// [`TaskError::Cancelled`] if the pool was terminated before it ran. (After `terminate`,
    /// a task that had finished or was running still gives its value: running tasks are not
    /// interrupted.)
    pub fn get(mut self) -> Result<T, TaskError> {
        self.wait();
        // SAFETY: `wait` returned, so `READY` was seen with Acquire: the writer is done with
        // `value`, and `self` is the only reader.
        let value = self.slot.value.with_mut(|value| unsafe { (*value).take() });
        self.taken = true;
        value.expect("a READY slot holds its value, taken once by get(self)")
    }

    /// Blocks until the task has finished (or will never run).
    pub fn wait(&self) {
        // A task that is already running often finishes within a microsecond or two: spin
        // briefly before the park/unpark hand-off (4-8 µs). No spin under loom.
        #[allow(clippy::reversed_empty_ranges)] // SPIN_LIMIT is 0 under loom, by design
        for _ in 0..SPIN_LIMIT {
            if self.ready() {
                return;
            }
            hint::spin_loop();
        }
        if self.ready() {
            return;
        }
        if !self.register() {
            return;
        }
        trace::result_waiting(self.id);
        while !self.ready() {
            thread::park();
        }
    }

    /// Registers the calling thread as the waiter (`EMPTY` → `WAITING`); `false` if the result
    /// is `READY` already.
    fn register(&self) -> bool {
        // SAFETY: the writer reads `waiter` only after seeing `WAITING`, which is not set
        // yet; `AsyncResult` is not `Sync`, so no other thread registers at the same time, and
        // a state of `WAITING` never outlives a wait (`wait` returns only at `READY`;
        // `wait_timeout` withdraws to `EMPTY` or sees `READY`).
        self.slot
            .waiter
            .with_mut(|waiter| unsafe { *waiter = Some(thread::current()) });
        // Release: publishes `waiter`; pairs with the AcqRel swap in `Slot::write`.
        // Acquire on failure (`READY`): pairs with the Release in that swap, publishing `value`.
        self.slot
            .state
            .compare_exchange(EMPTY, WAITING, Ordering::Release, Ordering::Acquire)
            .is_ok()
    }

    /// Waits at most `timeout` for the task to finish (or to be cancelled); `true` if it has,
    /// so [`get`](Self::get) will not block. Python's `wait(timeout)`, which answers with
    /// `ready()` afterwards.
    ///
    /// # Checker builds
    ///
    /// loom has no time and shuttle does not model it: under them the wait times out at a point
    /// the schedule picks (right after registering as the waiter), and the checker explores
    /// both outcomes — the task finishing first, or the timeout — and the race between them.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use std::time::Duration;
    ///
    /// let pool = racelab::ThreadPool::new(1).unwrap();
    /// let result = pool.apply_async(|| 6 * 7).unwrap();
    /// if result.wait_timeout(Duration::from_secs(10)) {
    ///     assert!(result.ready());
    /// }
    /// assert_eq!(result.get(), Ok(42)); // timed out or not, the value is still there
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        if self.ready() {
            return true;
        }
        if !self.register() {
            return true;
        }
        trace::result_waiting(self.id);
        let deadline = Deadline::after(timeout);
        while !self.ready() {
            if !deadline.park() {
                return self.withdraw();
            }
        }
        true
    }

    /// The deadline passed: `WAITING` → `EMPTY`, unless the writer got there first. Returns
    /// whether the result is ready.
    fn withdraw(&self) -> bool {
        // Relaxed on success: a writer that swaps later reads `EMPTY` and leaves `waiter`
        // alone, and the next registration republishes `waiter` with its own Release CAS.
        // Acquire on failure (`READY`): pairs with the Release swap in `Slot::write`, which
        // published `value`. That writer saw `WAITING` and unparks this thread, maybe later: a
        // stray token, which every park in racelab tolerates (each loops on its condition).
        match self
            .slot
            .state
            .compare_exchange(WAITING, EMPTY, Ordering::Relaxed, Ordering::Acquire)
        {
            Ok(_) => false,
            Err(READY) => true,
            Err(state) => unreachable!("inconsistent result state {state} in a timed wait"),
        }
    }

    /// Waits at most `timeout` for the value: Python's `get(timeout)`.
    ///
    /// # Errors
    ///
    /// `Ok(Err(..))`: the task's own failure, as for [`get`](Self::get). `Err(TimeoutError)`:
    /// the task has not finished in time. It keeps running, and
    /// [`TimeoutError::into_result`] gives this result back, so a later `get` still returns
    /// its value. In checker builds the timeout is the schedule's choice, as for
    /// [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use std::time::Duration;
    ///
    /// let pool = racelab::ThreadPool::new(1).unwrap();
    /// let result = pool.apply_async(|| "done").unwrap();
    /// let value = match result.get_timeout(Duration::from_millis(1)) {
    ///     Ok(outcome) => outcome,
    ///     Err(timed_out) => timed_out.into_result().get(), // still running: wait for it
    /// };
    /// assert_eq!(value, Ok("done"));
    /// ```
    pub fn get_timeout(
        self,
        timeout: Duration,
    ) -> Result<Result<T, TaskError>, TimeoutError<Self>> {
        if self.wait_timeout(timeout) {
            Ok(self.get())
        } else {
            Err(TimeoutError::new(self, timeout))
        }
    }

    /// Whether the task returned a value (`true`) or failed (`false`: it panicked, was
    /// cancelled, or its callback panicked): Python's `successful()`.
    ///
    /// # Errors
    ///
    /// [`NotReady`] if the task has not finished yet (Python raises `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// racelab::check::quiet_panics("no luck");
    /// let pool = racelab::ThreadPool::new(1).unwrap();
    /// let bad = pool.apply_async(|| -> u8 { panic!("no luck") }).unwrap();
    /// bad.wait();
    /// assert_eq!(bad.successful(), Ok(false));
    /// ```
    pub fn successful(&self) -> Result<bool, NotReady> {
        self.peek(Result::is_ok).ok_or(NotReady)
    }

    /// Looks at the outcome without taking it; `None` while the task has not finished.
    pub(crate) fn peek<R>(&self, look: impl FnOnce(&Result<T, TaskError>) -> R) -> Option<R> {
        if !self.ready() {
            return None;
        }
        let outcome = self.slot.value.with(|value| {
            // SAFETY: `READY` was seen with Acquire: the writer wrote `value` before it and
            // never touches it again; the owner takes it only in `get(self)`, which cannot run
            // while `&self` is borrowed here.
            let value = unsafe { &*value };
            look(
                value
                    .as_ref()
                    .expect("a READY slot holds its value until get(self)"),
            )
        });
        Some(outcome)
    }

    /// Returns `true` if the task has finished (or will never run), so `get` will not block.
    #[must_use]
    pub fn ready(&self) -> bool {
        // Acquire: pairs with the Release swap to `READY` in `Slot::write`.
        self.slot.state.load(Ordering::Acquire) == READY
    }
}

impl<T> fmt::Debug for AsyncResult<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncResult")
            .field("ready", &self.ready())
            .finish_non_exhaustive()
    }
}
