//! [`Barrier`]: Python's `threading.Barrier` — a fixed number of threads wait for each other,
//! the last to arrive runs an optional action, and then all of them go on; reusable, and
//! breakable ([`abort`](Barrier::abort), [`reset`](Barrier::reset), a timeout, a panicking
//! action).
//!
//! Built the way CPython builds it: a state machine in a racelab [`Lock<T>`](crate::Lock),
//! and a racelab [`Condition`] to wait on.

mod error;

use core::fmt;
use std::panic::{self, AssertUnwindSafe};

use crate::condition::Condition;
use crate::lock::{Lock, LockGuard};
use crate::trace;

pub use error::{BarrierError, BrokenBarrier};

/// What the barrier is doing (CPython's `_state`: 0, 1, -1, -2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Threads are arriving; the barrier trips when the last of `parties` arrives.
    Filling,
    /// Tripped: the threads of this generation are leaving; newcomers wait until they have.
    Draining,
    /// `reset` was called while threads waited: they leave with `BrokenBarrier`; then it fills
    /// again.
    Resetting,
    /// `abort`, a timeout or a panicking action: every wait fails until `reset`.
    Broken,
}

struct State {
    phase: Phase,
    /// Threads inside `wait` (arrived and not yet left).
    count: usize,
}

/// Python's `threading.Barrier`: `parties` threads call [`wait`](Barrier::wait); each blocks
/// until all have, then all return. The barrier can be used again at once (the next
/// generation).
///
/// `wait` returns the thread's arrival index, `0` for the first to arrive up to `parties - 1`
/// for the last, distinct within a generation (Python's return value). The last arriver runs
/// the action given to [`with_action`](Barrier::with_action), once per generation, before
/// anyone is let go.
///
/// A barrier *breaks* when [`abort`](Barrier::abort) is called, when a timed wait runs out
/// ([`wait_timeout`](Barrier::wait_timeout)), or when the action panics; every
/// thread waiting then, and every later `wait`, fails with [`BrokenBarrier`] until
/// [`reset`](Barrier::reset). `reset` while threads wait fails *those* waits with
/// `BrokenBarrier` too, and leaves the barrier ready for a fresh generation, as in Python.
///
/// # Examples
///
/// Three workers meet before their second phase; the last to arrive runs the action:
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return Ok(()); } // run on real threads only
/// use racelab::sync::atomic::{AtomicUsize, Ordering};
/// use racelab::sync::{thread, Arc};
/// use racelab::Barrier;
///
/// let trips = Arc::new(AtomicUsize::new(0));
/// let barrier = {
///     let trips = Arc::clone(&trips);
///     Arc::new(Barrier::with_action(3, move || {
///         trips.fetch_add(1, Ordering::Relaxed);
///     })?)
/// };
/// let workers: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = Arc::clone(&barrier);
///         thread::spawn(move || barrier.wait().expect("nobody breaks this barrier"))
///     })
///     .collect();
/// let mut indices: Vec<usize> = workers.into_iter().map(|w| w.join().unwrap()).collect();
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]); // one arrival index each
/// assert_eq!(trips.load(Ordering::Relaxed), 1); // the action ran once
///
/// // 0 parties is an error, not a barrier that never trips:
/// assert!(Barrier::new(0).is_err());
/// # Ok::<(), racelab::BarrierError>(())
/// ```
///
/// # The action and the lock
///
/// The action runs with the barrier's internal lock held, as in CPython, so the generation
/// cannot move on while it runs. That lock is not reentrant: the action must not call the
/// barrier's own methods other than [`parties`](Barrier::parties) (it would block forever —
/// under loom and shuttle, a deadlock the checker reports).
///
/// # Under loom and shuttle
///
/// A `Barrier` is a [`Lock<T>`](crate::Lock) and a [`Condition`], each with
/// the face current when it was created ([`crate::face::current`]); it has no spec of its own
/// and *inherits* theirs — under the spec face, every step is the checker's own lock (a thread
/// that never arrives is a deadlock the checker reports natively, the others shown waiting
/// for `notify on barrier`); under the implementation face, the `RawLock`s' own queue and park.
///
/// What justifies building on those specs — the barrier's properties, and the checks that
/// prove them of the implementation:
///
/// | property | proved by |
/// |---|---|
/// | nobody returns from `wait` before all `parties` have arrived | `tests/loom_barrier.rs` (`loom_barrier_nobody_passes_early`: 3 threads, each records its arrival before `wait` and checks every arrival after it); `tests/shuttle_barrier.rs` at 5 threads, 3 generations |
/// | the arrival indices of a generation are distinct, `0..parties` | the same checks |
/// | the action runs exactly once per generation, before anyone leaves | `loom_barrier_action_once`, the shuttle generations |
/// | `abort` / `reset` fail the waiting threads with `BrokenBarrier`; after `reset` it works again | `loom_barrier_abort`, `loom_barrier_reset`, `tests/std_barrier.rs` |
/// | the same over the specs of its lock and condition | `loom_barrier_spec_nobody_passes_early`, `loom_barrier_spec_abort` |
///
/// A timed wait ([`wait_timeout`](Barrier::wait_timeout)) is, under loom and shuttle, a choice
/// the checker explores: the barrier trips first, or the wait times out and breaks it.
pub struct Barrier {
    parties: usize,
    action: Option<Box<dyn Fn() + Send + Sync>>,
    /// The phase and the count of threads inside `wait`.
    ///
    /// | phase | count | meaning |
    /// |---|---|---|
    /// | `Filling` | 0 ≤ n < parties | n threads have arrived and wait; the next arrival gets index n |
    /// | `Filling` | parties | the last arriver runs the action (the lock held), then trips the barrier |
    /// | `Draining` | n ≥ 1 | tripped: n of this generation have not left yet; arrivals wait for them |
    /// | `Resetting` | n ≥ 1 | reset while n threads were inside: they leave with `BrokenBarrier` |
    /// | `Draining` / `Resetting` | 0 | impossible: the last to leave sets `Filling` |
    /// | `Broken` | any | every wait fails with `BrokenBarrier` until `reset` |
    ///
    /// Every change is made under this lock and followed by `changed.notify_all()`, and every
    /// wait for a change re-checks its phase in a loop under the lock: no lost wake-up.
    ///
    /// Boxed, so its address (the trace's name for it: `barrier`) stays put when the `Barrier`
    /// moves.
    state: Box<Lock<State>>,
    /// Notified on every phase change.
    changed: Condition,
}

impl Barrier {
    /// Creates a barrier for `parties` threads.
    ///
    /// # Errors
    ///
    /// [`BarrierError`] if `parties` is 0 (Python's `ValueError`).
    pub fn new(parties: usize) -> Result<Barrier, BarrierError> {
        Self::build(parties, None)
    }

    /// Creates a barrier for `parties` threads whose last arriver runs `action` once per
    /// generation, before the others are let go. If the action panics, the barrier breaks
    /// (the others' waits fail with [`BrokenBarrier`]) and the panic goes on in the thread
    /// that ran it.
    ///
    /// # Errors
    ///
    /// [`BarrierError`] if `parties` is 0.
    pub fn with_action<F>(parties: usize, action: F) -> Result<Barrier, BarrierError>
    where
        F: Fn() + Send + Sync + 'static,
    {
        Self::build(parties, Some(Box::new(action)))
    }

    fn build(
        parties: usize,
        action: Option<Box<dyn Fn() + Send + Sync>>,
    ) -> Result<Barrier, BarrierError> {
        if parties == 0 {
            return Err(BarrierError);
        }
        let state = Box::new(Lock::new(State {
            phase: Phase::Filling,
            count: 0,
        }));
        trace::label(&*state, "barrier");
        Ok(Barrier {
            parties,
            action,
            state,
            changed: Condition::named("barrier"),
        })
    }

    /// The number of threads the barrier waits for.
    #[must_use]
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many threads are waiting for the barrier to trip right now (0 while it drains,
    /// resets or is broken, as Python's `n_waiting`). A snapshot.
    #[must_use]
    pub fn n_waiting(&self) -> usize {
        let state = self.lock();
        if state.phase == Phase::Filling {
            state.count
        } else {
            0
        }
    }

    /// Returns `true` if the barrier is broken (a snapshot).
    #[must_use]
    pub fn is_broken(&self) -> bool {
        self.lock().phase == Phase::Broken
    }

    fn lock(&self) -> LockGuard<'_, State> {
        self.state.lock()
    }

    /// Blocks until all [`parties`](Barrier::parties) threads have called `wait`, then returns
    /// this thread's arrival index (0 for the first, `parties - 1` for the last, which ran the
    /// action).
    ///
    /// # Errors
    ///
    /// [`BrokenBarrier`] if the barrier is broken when the thread arrives, or breaks (or is
    /// reset) while it waits.
    ///
    /// # Panics
    ///
    /// If this thread is the last arriver and the action panics: the barrier breaks first.
    pub fn wait(&self) -> Result<usize, BrokenBarrier> {
        self.wait_with(|cond, state| (cond.wait_while(state, |s| s.phase == Phase::Filling), false))
    }

    /// The wait, with `until_tripped` to block while the phase is `Filling` (returns the guard
    /// and whether it timed out).
    fn wait_with<F>(&self, until_tripped: F) -> Result<usize, BrokenBarrier>
    where
        F: for<'a> FnOnce(&Condition, LockGuard<'a, State>) -> (LockGuard<'a, State>, bool),
    {
        let mut state = self.lock();
        // A tripped or resetting barrier first lets its threads leave.
        state = self.changed.wait_while(state, |s| {
            matches!(s.phase, Phase::Draining | Phase::Resetting)
        });
        if state.phase == Phase::Broken {
            trace::step(|| "barrier wait: broken".to_owned());
            return Err(BrokenBarrier);
        }
        let index = state.count;
        state.count += 1;
        let parties = self.parties;
        trace::step(|| format!("barrier wait (arrival {} of {parties})", index + 1));
        let result = if index + 1 == parties {
            self.trip(&mut state);
            Ok(index)
        } else {
            let (again, timed_out) = until_tripped(&self.changed, state);
            state = again;
            if timed_out && state.phase == Phase::Filling {
                trace::step(|| "barrier wait timed out: break the barrier".to_owned());
                self.break_barrier(&mut state);
            }
            match state.phase {
                Phase::Draining => Ok(index),
                Phase::Broken | Phase::Resetting => Err(BrokenBarrier),
                Phase::Filling => unreachable!("a barrier wait woke while the barrier fills"),
            }
        };
        state.count -= 1;
        // The last to leave ends the draining (or resetting).
        if state.count == 0 && matches!(state.phase, Phase::Draining | Phase::Resetting) {
            state.phase = Phase::Filling;
            self.changed.notify_all();
        }
        if result.is_err() {
            trace::step(|| "barrier wait: broken".to_owned());
        }
        result
    }

    /// The last arriver: runs the action, then lets the generation go.
    fn trip(&self, state: &mut LockGuard<'_, State>) {
        if let Some(action) = &self.action {
            trace::step(|| "barrier action".to_owned());
            if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(action)) {
                self.break_barrier(state);
                state.count -= 1;
                panic::resume_unwind(panic);
            }
        }
        state.phase = Phase::Draining;
        trace::step(|| "barrier trips".to_owned());
        self.changed.notify_all();
    }

    fn break_barrier(&self, state: &mut LockGuard<'_, State>) {
        state.phase = Phase::Broken;
        self.changed.notify_all();
    }

    /// Breaks the barrier: every thread waiting now, and every later `wait`, fails with
    /// [`BrokenBarrier`] until [`reset`](Barrier::reset) (Python's `abort`, used to keep a
    /// thread that cannot arrive from deadlocking the others).
    pub fn abort(&self) {
        let mut state = self.lock();
        trace::step(|| "barrier abort".to_owned());
        self.break_barrier(&mut state);
    }

    /// Returns the barrier to its first state. Threads waiting now fail with
    /// [`BrokenBarrier`]; once they have left, the barrier fills afresh (Python's `reset`).
    pub fn reset(&self) {
        let mut state = self.lock();
        trace::step(|| "barrier reset".to_owned());
        if state.count > 0 {
            if matches!(state.phase, Phase::Filling | Phase::Broken) {
                state.phase = Phase::Resetting;
            }
            // Draining or already resetting: the leaving threads finish as they are.
        } else {
            state.phase = Phase::Filling;
        }
        self.changed.notify_all();
    }
}

impl Barrier {
    /// Like [`wait`](Barrier::wait), but gives up after `timeout`: the barrier then *breaks*
    /// (the others' waits fail too) and this wait fails with [`BrokenBarrier`], as Python's
    /// `wait(timeout)`.
    ///
    /// Under loom and shuttle (no time) the timeout is the checker's choice, as for
    /// [`Condition::wait_timeout`]: the barrier trips first, or the wait times out and breaks
    /// it, and the checker explores both.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrier`], as for `wait`, and when the time runs out.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let barrier = racelab::Barrier::new(2)?;
    /// // Nobody else arrives: the wait times out and breaks the barrier.
    /// assert!(barrier.wait_timeout(Duration::from_millis(1)).is_err());
    /// assert!(barrier.is_broken());
    /// # Ok::<(), racelab::BarrierError>(())
    /// ```
    pub fn wait_timeout(&self, timeout: core::time::Duration) -> Result<usize, BrokenBarrier> {
        let deadline = crate::condition::Deadline::after(timeout);
        self.wait_with(|cond, mut state| loop {
            if state.phase != Phase::Filling {
                return (state, false);
            }
            let (again, result) = cond.wait_deadline(state, &deadline);
            state = again;
            if result.timed_out() {
                return (state, true);
            }
        })
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &self.n_waiting())
            .field("broken", &self.is_broken())
            .finish_non_exhaustive()
    }
}
