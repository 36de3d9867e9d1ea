//! [`Condition`]: Python's `threading.Condition`, in the shape of std's `Condvar` — paired
//! with a [`Lock<T>`](crate::Lock), waiters woken in FIFO order.
//!
//! Built on racelab's own [`Lock<T>`](crate::Lock) (the queue of waiters) and one
//! [`RawLock`](crate::RawLock) per waiter (its gate, see `gate.rs`): no park of its own, no
//! std `Condvar`, so every step is one the checkers see, and blocking is the `RawLock`'s.

mod gate;
mod timeout;

use std::collections::VecDeque;

use core::fmt;

use crate::lock::{Lock, LockGuard};
use crate::sync::Arc;
use crate::trace;

use gate::Gate;
pub(crate) use timeout::Deadline;
pub use timeout::WaitTimeoutResult;

/// Python's `threading.Condition`: threads wait for a condition on data guarded by a
/// [`Lock<T>`](crate::Lock), and are woken by a `notify` from the thread that changed it.
///
/// The shape is std's `Condvar`: [`wait`](Condition::wait) takes the [`LockGuard`], releases
/// the lock while it blocks, and returns the guard with the lock held again. The names are
/// Python's: [`notify_one`](Condition::notify_one) (Python's `notify()`),
/// [`notify`](Condition::notify)`(n)`, [`notify_all`](Condition::notify_all).
///
/// Waiters are woken in the order they started waiting (FIFO), as Python's are: `notify(n)`
/// wakes the `n` oldest. A woken waiter then competes for the lock like any other thread. A
/// wait never returns without a notify (no spurious wake-ups) — but by the time the woken
/// thread has the lock again, another thread may have changed the data, so the condition is
/// always re-checked in a loop (or with [`wait_while`](Condition::wait_while)); the
/// `if_not_while` model shows why.
///
/// `notify` need not be called with the lock held (unlike Python, which raises
/// `RuntimeError`): it wakes the threads that were waiting when it ran. A thread that checks
/// its condition and then waits does both under the lock, so a `notify` made under the same
/// lock after the data changed cannot fall between them (no lost wake-up); a `notify` made
/// *without* the lock can.
///
/// # Examples
///
/// The tutorial's style: a worker waits until the main thread says go.
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::sync::{thread, Arc};
/// use racelab::{Condition, Lock};
///
/// let ready = Arc::new((Lock::new(false), Condition::new()));
/// let worker = {
///     let ready = Arc::clone(&ready);
///     thread::spawn(move || {
///         let (lock, cond) = &*ready;
///         let mut go = lock.lock();
///         while !*go {
///             go = cond.wait(go); // releases the lock while it waits
///         }
///         "started"
///     })
/// };
/// let (lock, cond) = &*ready;
/// *lock.lock() = true;
/// cond.notify_one();
/// assert_eq!(worker.join().unwrap(), "started");
/// ```
///
/// # Under loom and shuttle
///
/// A `Condition` is a queue ([`Lock<T>`](crate::Lock)) and one gate per waiter
/// ([`RawLock`](crate::RawLock)), each created with the face current at the time
/// ([`crate::face::current`]: the queue when the condition is created, a gate when its wait
/// starts). It has no spec of its own: it *inherits* theirs. Under the spec face (the
/// default) every step is the checker's own lock — a waiter that nobody will notify is a
/// deadlock the checker reports natively, with its row `wait for notify on cond`; under the
/// implementation face the `RawLock`s' own queue and park. Never loom's `Condvar`, whose wait
/// consumes the thread's park token (loom issue #422), and no `try_lock` pairs (#376).
///
/// What justifies building on those specs — the properties, and the checks that prove them of
/// the implementation:
///
/// | property | proved by |
/// |---|---|
/// | no lost wake-up: a waiter that re-checks in a loop always returns once the condition holds and a notify follows it | `tests/loom_condition.rs` (`loom_condition_no_lost_wakeup`: a producer and one or two consumers on a one-slot buffer, implementation face; `loom_condition_spec_no_lost_wakeup`, the same over the specs); `tests/shuttle_condition.rs` at 5 threads |
/// | a notify happens-before the woken wait returns | the same loom checks: the data is in loom's `UnsafeCell` behind the lock, and the gate's release → acquire orders the wake-up |
/// | waiters are woken in FIFO order | `loom_condition_fifo` (and `loom_condition_spec_fifo`), `tests/std_condition.rs` |
/// | `notify(n)` wakes at most n, `notify_all` every waiter queued before it | `loom_condition_notify_n`, `tests/std_condition.rs` |
///
/// A timed wait ([`wait_timeout`](Condition::wait_timeout)) is, under loom and shuttle, a
/// choice the checker explores: woken by a notify, or timed out (see `wait_timeout`).
pub struct Condition {
    /// The name trace rows use (`notify_one cond`).
    name: &'static str,
    /// The waiters' gates, oldest first. A waiter pushes its closed gate while it still holds
    /// the caller's lock; a notifier pops from the front and opens what it popped.
    ///
    /// | gate | in the queue | meaning |
    /// |---|---|---|
    /// | closed | yes | waiting, not yet chosen |
    /// | closed | no | chosen by a notifier, which is about to open it |
    /// | open | no | woken: its waiter's `pass` returns, and it re-takes the caller's lock |
    /// | open | yes | impossible: a gate is opened only after it is popped |
    ///
    /// Boxed, so its address (the trace's name for its lock, which traces hide) stays put
    /// when the `Condition` moves.
    waiters: Box<Lock<VecDeque<Arc<Gate>>>>,
}

impl Condition {
    /// Creates a condition with no waiters.
    #[must_use]
    pub fn new() -> Self {
        Self::named("cond")
    }

    /// Creates a condition that trace rows call `name` (`notify_one not_full`).
    #[must_use]
    pub fn named(name: &'static str) -> Self {
        let waiters = Box::new(Lock::new(VecDeque::new()));
        // The queue's lock is the condition's own detail: its rows would bury `wait` and
        // `notify`.
        trace::hide(&*waiters);
        Condition { name, waiters }
    }

    /// Queues a closed gate for the calling thread (which holds the caller's lock).
    fn enqueue(&self, gate: Gate) -> Arc<Gate> {
        let gate = Arc::new(gate);
        gate.close();
        let mut queue = self.waiters.lock();
        queue.push_back(Arc::clone(&gate));
        let place = queue.len();
        drop(queue);
        trace::step(|| format!("wait on {} (waiter {place})", self.name));
        gate
    }

    /// Releases the lock behind `guard`, blocks until a notify wakes this thread, and takes
    /// the lock again; returns the new guard.
    ///
    /// Call it in a loop that re-checks the condition (or use
    /// [`wait_while`](Condition::wait_while)): being woken means only that a notify chose
    /// this waiter, not that the condition still holds when the lock is taken again.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use racelab::sync::{thread, Arc};
    /// use racelab::{Condition, Lock};
    ///
    /// let queue = Arc::new((Lock::new(Vec::new()), Condition::new()));
    /// let producer = {
    ///     let queue = Arc::clone(&queue);
    ///     thread::spawn(move || {
    ///         let (lock, cond) = &*queue;
    ///         lock.lock().push(42);
    ///         cond.notify_one();
    ///     })
    /// };
    /// let (lock, cond) = &*queue;
    /// let mut items = lock.lock();
    /// while items.is_empty() {
    ///     items = cond.wait(items);
    /// }
    /// assert_eq!(items.pop(), Some(42));
    /// # drop(items);
    /// producer.join().unwrap();
    /// ```
    pub fn wait<'a, T: ?Sized>(&self, guard: LockGuard<'a, T>) -> LockGuard<'a, T> {
        let lock = guard.lock_ref();
        let gate = self.enqueue(Gate::new());
        drop(guard);
        trace::waiting(&format!("notify on {}", self.name));
        gate.pass();
        trace::step(|| format!("woken on {}", self.name));
        lock.lock()
    }

    /// Waits while `condition` holds: re-checks it under the lock before the first wait and
    /// after every wake-up, and returns the guard once it is `false` (std's
    /// `Condvar::wait_while`; Python's `wait_for` takes the negation).
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use racelab::{Condition, Lock};
    ///
    /// let (lock, cond) = (Lock::new(3), Condition::new());
    /// // Nothing to wait for: the condition is already false.
    /// let guard = cond.wait_while(lock.lock(), |n| *n == 0);
    /// assert_eq!(*guard, 3);
    /// ```
    pub fn wait_while<'a, T: ?Sized, F>(
        &self,
        mut guard: LockGuard<'a, T>,
        mut condition: F,
    ) -> LockGuard<'a, T>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Wakes the oldest waiter, if any (Python's `notify()`).
    pub fn notify_one(&self) {
        self.wake(1, "notify_one");
    }

    /// Wakes the `n` oldest waiters (all of them, if fewer are waiting).
    pub fn notify(&self, n: usize) {
        self.wake(n, "notify");
    }

    /// Wakes every thread waiting now.
    pub fn notify_all(&self) {
        self.wake(usize::MAX, "notify_all");
    }

    fn wake(&self, n: usize, what: &'static str) {
        let mut queue = self.waiters.lock();
        let waiting = queue.len();
        let chosen: Vec<Arc<Gate>> = queue.drain(..n.min(waiting)).collect();
        drop(queue);
        trace::step(|| {
            let call = if what == "notify" {
                format!("notify({n})")
            } else {
                what.to_owned()
            };
            match chosen.len() {
                0 => format!("{call} {}: nobody waits", self.name),
                k => format!("{call} {}: wakes {k} of {waiting}", self.name),
            }
        });
        // Oldest first: in queue order.
        for gate in chosen {
            gate.open();
        }
    }

    /// How many threads are waiting right now (a snapshot: by the time the caller looks at it,
    /// it may be stale). CPython's own tests read the same figure (`_waiters`) to see that
    /// every thread has reached its wait without sleeping.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.waiters.lock().len()
    }
}

impl Condition {
    /// Like [`wait`](Condition::wait), but gives up after `timeout`: returns the guard (the
    /// lock held again either way) and whether the time ran out (Python's
    /// `wait(timeout=…)`, which returns `False` then).
    ///
    /// Under loom and shuttle (no time) the timeout is the checker's choice: the wait queues,
    /// releases the lock, and then either a notify has chosen it (woken) or it withdraws
    /// (timed out), and the checker explores both, including their race. Every outcome
    /// explored is one a real run can have: a timeout may run out at any point.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use racelab::{Condition, Lock};
    ///
    /// let (lock, cond) = (Lock::new(()), Condition::new());
    /// let (guard, result) = cond.wait_timeout(lock.lock(), Duration::from_millis(1));
    /// assert!(result.timed_out()); // nobody notified
    /// # drop(guard);
    /// ```
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: LockGuard<'a, T>,
        timeout: core::time::Duration,
    ) -> (LockGuard<'a, T>, WaitTimeoutResult) {
        self.wait_deadline(guard, &Deadline::after(timeout))
    }

    /// Like [`wait_while`](Condition::wait_while), but gives up after `timeout` in all:
    /// returns the guard and whether the time ran out with `condition` still `true` (std's
    /// `Condvar::wait_timeout_while`). Under loom and shuttle, each wait in it is a choice as for
    /// `wait_timeout`.
    pub fn wait_timeout_while<'a, T: ?Sized, F>(
        &self,
        mut guard: LockGuard<'a, T>,
        timeout: core::time::Duration,
        mut condition: F,
    ) -> (LockGuard<'a, T>, WaitTimeoutResult)
    where
        F: FnMut(&mut T) -> bool,
    {
        let deadline = Deadline::after(timeout);
        while condition(&mut *guard) {
            let (again, result) = self.wait_deadline(guard, &deadline);
            guard = again;
            if result.timed_out() {
                let still = condition(&mut *guard);
                return (guard, WaitTimeoutResult(still));
            }
        }
        (guard, WaitTimeoutResult(false))
    }

    pub(crate) fn wait_deadline<'a, T: ?Sized>(
        &self,
        guard: LockGuard<'a, T>,
        deadline: &Deadline,
    ) -> (LockGuard<'a, T>, WaitTimeoutResult) {
        let lock = guard.lock_ref();
        let gate = self.enqueue(Gate::timed());
        drop(guard);
        trace::waiting(&format!("notify on {} (timed)", self.name));
        let mut woken = gate.pass_until(deadline);
        if !woken {
            // Timed out, unless a notifier chose this gate meanwhile: it leaves the queue only
            // by a notifier's pop (which opens it next) or here.
            let mut queue = self.waiters.lock();
            match queue.iter().position(|g| Arc::ptr_eq(g, &gate)) {
                Some(place) => {
                    queue.remove(place);
                    drop(queue);
                    trace::step(|| format!("wait on {} timed out", self.name));
                }
                None => {
                    drop(queue);
                    // Chosen: its opener is on its way, so this wait is short.
                    gate.pass();
                    woken = true;
                }
            }
        }
        if woken {
            trace::step(|| format!("woken on {}", self.name));
        }
        (lock.lock(), WaitTimeoutResult(!woken))
    }
}

impl Default for Condition {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("name", &self.name)
            .field("waiting", &self.waiting())
            .finish()
    }
}
