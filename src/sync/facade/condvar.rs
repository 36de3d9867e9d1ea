//! [`Condvar`] in checker builds: a FIFO of gates, one per waiter, each a spec lock.
//!
//! The protocol, and why no wake-up is lost or made up:
//!
//! - A waiter takes a closed gate (a lock it holds), and, *while it still holds the mutex*,
//!   queues the gate at the back of the condvar's FIFO; then it releases the mutex and acquires
//!   its gate again, which blocks — the checker's own blocking — until a notifier releases it.
//!   It then takes the mutex again.
//! - `notify_one` takes the oldest gate off the queue and releases it; `notify_all` does so for
//!   every queued gate. A notify with nobody queued does nothing: it is lost, as in std.
//! - A notifier that holds the mutex sees every waiter that queued before it took the mutex
//!   (queuing happens under the mutex), so "check the condition, then wait" under the mutex
//!   cannot miss a notify sent under the mutex after the condition changed.
//! - The gate's release happens-before the woken waiter's acquire (the spec lock's
//!   Release → Acquire), so a notify happens-before the wait it ends returns.
//!
//! Gates are never parks: a user's own `park`/`unpark` tokens are left alone (loom's own
//! `Condvar` consumes the thread's token, so a program mixing the two can hang there).
//!
//! The queue is [`Serial`] bookkeeping. Every queue access comes right after an RMW on the
//! condvar's `turn` atomic, which makes a waiter's queuing and a notifier's look at the
//! queue dependent operations for loom: both orders are explored.
//!
//! `wait_timeout`: there is no time in a checker, so the timeout is modelled as able to fire
//! at any moment the waiter is scheduled. The waiter does not block on its gate: it looks once
//! (a scheduling point) — if a notifier released its gate by then, the wait was notified,
//! otherwise it timed out and leaves the queue. The checker explores where that look falls
//! among the other threads' steps, so both outcomes are explored, and a waiter that nobody
//! will notify times out instead of deadlocking. The duration itself is not modelled (any
//! outcome is possible for any duration; std promises nothing about timing either).

use core::fmt;
use core::time::Duration;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::sync::internal::atomic::{AtomicUsize, Ordering};
use crate::trace;
use crate::RawLock;

use super::{LockResult, MutexGuard, PoisonError, Serial};

/// One waiter's gate: held while closed; the notifier opens it by releasing it.
struct Gate {
    lock: RawLock,
}

impl Gate {
    /// A closed gate. Boxed in an `Rc` before it is hidden: traces know a lock by its address.
    fn closed() -> Rc<Gate> {
        let gate = Rc::new(Gate {
            lock: crate::face::with(crate::Face::Spec, RawLock::new),
        });
        trace::hide(&gate.lock);
        // A free lock: taken at once.
        gate.lock.acquire();
        gate
    }

    fn open(&self) {
        let opened = self.lock.release();
        debug_assert!(opened.is_ok(), "a queued gate is always closed");
    }
}

#[derive(Default)]
struct Queue {
    /// The waiting threads' gates, oldest first.
    waiting: VecDeque<Rc<Gate>>,
    /// Closed gates kept for the next waiters (a gate whose wait ended is closed again: its
    /// waiter holds it).
    spare: Vec<Rc<Gate>>,
}

/// std's `Condvar`, in a checker build: waiting blocks in the checker (so a lost wake-up is a
/// reported deadlock), every `wait`, `notify_one` and `notify_all` is a trace row, and a
/// notify with no waiter is lost, as in std.
///
/// Use it with racelab's [`Mutex`](super::Mutex) (the facade's `MutexGuard`). Waits never
/// wake spuriously here, though std allows it; a condition checked with `while` (or
/// [`wait_while`](Self::wait_while)) is right under both.
///
/// `wait_timeout` has no time to measure: the timeout may fire at any point the waiter is
/// scheduled, and the checker explores both "notified" and "timed out" (see the module
/// source for the protocol). The duration is ignored.
///
/// # Examples
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::sync::{thread, Arc, Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = Arc::clone(&pair);
/// thread::spawn(move || {
///     *pair2.0.lock().unwrap() = true;
///     pair2.1.notify_one();
/// });
/// let (ready, cv) = &*pair;
/// let ready = cv.wait_while(ready.lock().unwrap(), |ready| !*ready).unwrap();
/// assert!(*ready);
/// ```
pub struct Condvar {
    queue: Serial<Queue>,
    /// Touched (RMW) right before every queue access: makes those accesses dependent for
    /// loom (see the module source).
    turn: AtomicUsize,
    /// Whether notifies are trace rows (a facade type's own condvar records its own rows).
    rows: bool,
}

/// Whether a timed wait timed out (std's `WaitTimeoutResult`).
#[derive(Debug, PartialEq, Eq, Copy, Clone)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// `true` if the wait ended because the timeout fired, not because of a notify.
    #[must_use]
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

/// How a wait ends.
enum Woken {
    Notified,
    TimedOut,
}

impl Condvar {
    /// Creates a condvar with no waiters.
    #[must_use]
    pub fn new() -> Self {
        Condvar {
            queue: Serial::new(Queue::default()),
            turn: AtomicUsize::new(0),
            rows: true,
        }
    }

    /// A condvar for a facade type's own use, whose notifies are no trace rows.
    pub(super) fn internal() -> Self {
        Condvar {
            rows: false,
            ..Condvar::new()
        }
    }

    /// A scheduling point that loom sees as dependent with every other queue access.
    fn turn(&self) {
        // Relaxed: only the dependency is wanted; a woken waiter's happens-before comes from
        // its gate (the spec lock's Release → Acquire), and a lost notify orders nothing.
        self.turn.fetch_add(1, Ordering::Relaxed);
    }

    /// Blocks until notified: releases the guard's mutex, waits, takes the mutex again.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when it is taken again, the guard inside the error.
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.wait_as(guard, "notify on cv")
    }

    /// [`wait`](Self::wait), recording that the thread waits for `what` (the facade's own
    /// types say what their wait is for: `recv on channel`).
    pub(super) fn wait_as<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        what: &str,
    ) -> LockResult<MutexGuard<'a, T>> {
        let (guard, _) = self.wait_inner(guard, what, false);
        guard.mutex().poison().map(guard)
    }

    /// [`wait_timeout`](Self::wait_timeout), recording what the wait is for.
    pub(super) fn wait_timeout_as<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        what: &str,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let (guard, woken) = self.wait_inner(guard, what, true);
        let result = WaitTimeoutResult(matches!(woken, Woken::TimedOut));
        guard.mutex().poison().map((guard, result))
    }

    fn wait_inner<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        what: &str,
        timed: bool,
    ) -> (MutexGuard<'a, T>, Woken) {
        let spare = self.queue.with(|q| q.spare.pop());
        let gate = spare.unwrap_or_else(Gate::closed);
        self.turn();
        self.queue.with(|q| q.waiting.push_back(Rc::clone(&gate)));
        if timed {
            trace::step(|| "wait_timeout cv".to_owned());
        }
        guard.unlock();
        let woken = if timed {
            if gate.lock.try_acquire() {
                Woken::Notified
            } else {
                self.turn();
                let queued = self.queue.with(|q| {
                    let at = q.waiting.iter().position(|g| Rc::ptr_eq(g, &gate));
                    at.map(|at| q.waiting.remove(at)).is_some()
                });
                if queued {
                    trace::step(|| "wait_timeout cv: timed out".to_owned());
                    Woken::TimedOut
                } else {
                    // A notifier took the gate off the queue and is about to open it.
                    gate.lock.acquire();
                    Woken::Notified
                }
            }
        } else {
            trace::waiting(what);
            gate.lock.acquire();
            Woken::Notified
        };
        // Closed again (this thread holds it): ready for the next waiter.
        self.queue.with(|q| q.spare.push(gate));
        guard.relock();
        (guard, woken)
    }

    /// Blocks while `condition` holds: checks it under the mutex, waits, checks again.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when it is taken again, the guard inside the error.
    pub fn wait_while<'a, T: ?Sized, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Blocks until notified or the timeout fires (at any point the checker chooses; the
    /// duration is not modelled).
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when it is taken again, the guard and result inside the
    /// error.
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let _ = dur;
        self.wait_timeout_as(guard, "notify on cv")
    }

    /// Blocks while `condition` holds, until the timeout fires; `timed_out()` is `true` if it
    /// returned with the condition still holding.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned when it is taken again, the guard and result inside the
    /// error.
    pub fn wait_timeout_while<'a, T: ?Sized, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let mut timed_out = false;
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            if timed_out {
                return Ok((guard, WaitTimeoutResult(true)));
            }
            let (g, result) = match self.wait_timeout(guard, dur) {
                Ok(woken) => woken,
                Err(poisoned) => {
                    let (g, _) = poisoned.into_inner();
                    return Err(PoisonError::new((g, WaitTimeoutResult(false))));
                }
            };
            guard = g;
            timed_out = result.timed_out();
        }
    }

    /// Wakes the longest-waiting thread, if any. With nobody waiting the notify is lost.
    pub fn notify_one(&self) {
        self.notify(false);
    }

    /// Wakes every waiting thread. With nobody waiting the notify is lost.
    pub fn notify_all(&self) {
        self.notify(true);
    }

    fn notify(&self, all: bool) {
        self.turn();
        let (woken, waiting) = self.queue.with(|q| {
            let waiting = q.waiting.len();
            let n = if all { waiting } else { waiting.min(1) };
            (q.waiting.drain(..n).collect::<Vec<_>>(), waiting)
        });
        let name = if all { "notify_all" } else { "notify_one" };
        if self.rows {
            trace::step(|| match (woken.len(), waiting) {
                (0, _) => format!("{name} cv: nobody waits, lost"),
                (n, w) if n == w => format!("{name} cv: wakes {n}"),
                (n, w) => format!("{name} cv: wakes {n} of {w}"),
            });
        }
        for gate in woken {
            gate.open();
        }
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
