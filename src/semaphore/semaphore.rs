//! [`Semaphore`]: Python's `threading.Semaphore` — a count of permits, `acquire` / `release`.

use core::fmt;

use crate::sync::hint;
use crate::sync::internal::atomic::{AtomicUsize, Ordering};
use crate::sync::internal::thread;
use crate::sync::SPIN_LIMIT;
use crate::trace;

use super::queue::{self, Queue, Waiter, QUEUE_LOCKED, SHIFT, WAITERS};
use super::OverReleaseError;
#[cfg(shuttle)]
use crate::face::Face;

/// One permit in the state word.
const ONE: usize = 1 << SHIFT;
/// The most permits a semaphore can count.
pub(super) const MAX_PERMITS: usize = usize::MAX >> SHIFT;

#[inline]
fn permits(state: usize) -> usize {
    state >> SHIFT
}

/// Python's `threading.Semaphore`: a count of permits. `acquire()` takes one, blocking while
/// there is none; `release()` gives one back and wakes a waiter. Any thread may release, and
/// releasing more than was acquired simply raises the count (use [`BoundedSemaphore`](crate::BoundedSemaphore)
/// to make that an error).
///
/// # Fairness and blocking
///
/// Taking a free permit is one compare-and-swap. An `acquire` that finds none spins briefly,
/// then queues itself and parks. `release_n(n)` wakes the `n` longest-waiting threads (fewer if
/// fewer wait), and makes no wake-up call when nobody waits. A woken thread competes with
/// newcomers for the permit, as in Python (whose woken waiter re-checks the count): if a
/// newcomer took it, the woken thread queues again.
///
/// # Examples
///
/// Python's
///
/// ```python
/// pool_slots = threading.Semaphore(2)
/// with pool_slots:
///     download(url)
/// ```
///
/// in racelab:
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::sync::{thread, Arc};
/// use racelab::Semaphore;
///
/// let slots = Arc::new(Semaphore::new(2));
/// let workers: Vec<_> = (0..4)
///     .map(|i| {
///         let slots = Arc::clone(&slots);
///         thread::spawn(move || {
///             slots.acquire();
///             // ... at most two threads download at a time ...
///             let _ = i;
///             slots.release();
///         })
///     })
///     .collect();
/// for worker in workers {
///     worker.join().unwrap();
/// }
/// assert_eq!(slots.available(), 2);
/// assert!(slots.try_acquire());
/// ```
///
/// # Under loom and shuttle: the spec and the implementation
///
/// Under **shuttle**, a semaphore created with [`Face::Spec`] (the default) is shuttle's own
/// `BatchSemaphore` (unfair, like this one): one scheduling point per `acquire`, `try_acquire`
/// and `release`, a thread blocked on it seen by shuttle's deadlock detection. Under **loom**
/// the semaphore shows its implementation under both faces: loom has no semaphore, and its only
/// blocking primitives are `Mutex` (which cannot count) and `Condvar`, whose `wait` consumes
/// the thread's park token (loom issue #422), so a spec built on it could report deadlocks
/// that do not exist in programs that also park. The implementation is cheap there: a free
/// permit is one CAS, a release with nobody waiting is one CAS.
///
/// What justifies the shuttle spec — each property of it, and the check of the implementation
/// that proves it:
///
/// | the spec says | proved of the implementation by |
/// |---|---|
/// | never more holders than permits | `tests/loom_semaphore.rs`: every interleaving of 2 threads on 1 permit, and of 3 threads (on 1 and on 2 permits) with at most 2 preemptions, the holders counted; `tests/shuttle_semaphore.rs` at 5 and 6 threads, under both faces |
/// | a release happens-before the acquire that takes its permit | `loom_semaphore_one_permit_*`: each holder adds to a counter in loom's `UnsafeCell`, which loom reports as a causality violation unless the release and the next acquire synchronise |
/// | a release with waiters lets one of them in (no lost wake-up) | loom: a lost wake-up leaves a thread parked forever, a deadlock in those checks; `loom_semaphore_release_n_wakes_two` for `release_n`, `loom_semaphore_release_from_another_thread` for a release by a thread that never acquired |
/// | `try_acquire` never blocks and fails only with no permit free | `loom_semaphore_try_acquire`, `tests/std_semaphore.rs` |
/// | a bounded release past the initial count is `OverReleaseError` and changes nothing | `loom_bounded_over_release`, `tests/std_semaphore.rs` |
/// | a timed acquire (under the checkers, the schedule's choice) gets the permit or leaves it free, never stays queued, and never keeps a wake-up from an untimed waiter | `loom_semaphore_timed_acquire_races_a_release` (exhaustive), `shuttle_semaphore_timed` (6 threads, both faces), `tests/std_semaphore.rs` |
///
/// [`Face::Spec`]: crate::Face::Spec
pub struct Semaphore {
    /// The whole semaphore in one word: the permit count above two queue bits.
    ///
    /// | permits (`>> 2`) | `WAITERS` | `QUEUE_LOCKED` | meaning |
    /// |---|---|---|---|
    /// | n | 0 | 0 | n permits free, nobody waiting |
    /// | 0 | 1 | 0 | no permit; threads parked in the queue |
    /// | n > 0 | 1 | 0 | permits just released; the releaser is on its way to wake n waiters |
    /// | n | x | 1 | a thread owns the queue: an acquirer queueing (only taken with n = 0), a releaser waking, or a timed-out waiter leaving |
    ///
    /// Permits are taken and returned with a CAS on the whole word, whatever the queue bits
    /// are; only the queue's owner changes `WAITERS`. An acquirer queues only while it sees no
    /// permit, and gives the queue up with a CAS that sets `WAITERS` only if there is still
    /// none (else it takes the permit in that same step): a release's CAS either comes before
    /// that step, which then sees the permit, or after it, and sees `WAITERS` and wakes one
    /// (`queue.rs`, "Why no wake-up is lost").
    state: AtomicUsize,
    /// The parked acquirers, oldest first; owned by whoever set `QUEUE_LOCKED`.
    queue: Queue,
    /// shuttle: the spec face, when this semaphore was created under `Face::Spec`; every
    /// operation then goes to it and `state` is never touched.
    #[cfg(shuttle)]
    spec: Option<super::spec::SpecSemaphore>,
}

impl Semaphore {
    /// Creates a semaphore with `permits` free permits (Python's default is 1: `Semaphore::new(1)`).
    ///
    /// Python rejects a negative count with `ValueError`; a `usize` cannot be negative.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds `usize::MAX >> 2` (the state word keeps two bits for its queue).
    #[must_use]
    pub fn new(permits: usize) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "racelab: a semaphore counts at most {MAX_PERMITS} permits, not {permits}"
        );
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            queue: Queue::new(),
            #[cfg(shuttle)]
            spec: match crate::face::current() {
                Face::Spec => Some(super::spec::SpecSemaphore::new(permits)),
                Face::Implementation => None,
            },
        }
    }

    /// Blocks until a permit is free, then takes it.
    #[inline]
    pub fn acquire(&self) {
        #[cfg(shuttle)]
        if let Some(spec) = &self.spec {
            return spec.acquire();
        }
        if !self.take_one() {
            self.acquire_contended(None);
        }
    }

    /// Takes a permit if one is free and returns `true`; returns `false` at once otherwise
    /// (Python's `acquire(blocking=False)`).
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let sem = racelab::Semaphore::new(1);
    /// assert!(sem.try_acquire());
    /// assert!(!sem.try_acquire());
    /// sem.release();
    /// assert!(sem.try_acquire());
    /// ```
    #[inline]
    #[must_use = "if a permit was taken it must be released"]
    pub fn try_acquire(&self) -> bool {
        #[cfg(shuttle)]
        if let Some(spec) = &self.spec {
            return spec.try_acquire();
        }
        let taken = self.take_one();
        if !taken {
            trace::step(|| "try_acquire sem: none left".to_owned());
        }
        taken
    }

    /// Blocks until a permit is free and takes it (`true`), or until `timeout` has passed
    /// (`false`), as Python's `acquire(timeout=…)`.
    ///
    /// Under loom and shuttle (no time) the timeout is the checker's choice (see the
    /// [module docs](super#timed-waits)): the acquire queues, and either a release wakes it
    /// first or it withdraws and tries once more.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use std::time::Duration;
    ///
    /// let sem = racelab::Semaphore::new(1);
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)));
    /// assert!(!sem.acquire_timeout(Duration::from_millis(5)));
    /// ```
    #[must_use = "if a permit was taken it must be released"]
    pub fn acquire_timeout(&self, timeout: core::time::Duration) -> bool {
        #[cfg(shuttle)]
        if let Some(spec) = &self.spec {
            // The spec's timed acquire: one try, the schedule's choice of when.
            let _ = timeout;
            return spec.try_acquire();
        }
        if self.take_one() {
            return true;
        }
        match Deadline::after(timeout) {
            Some(deadline) => self.acquire_contended(Some(deadline)),
            None => {
                self.acquire_contended(None);
                true
            }
        }
    }

    /// Takes a free permit, if there is one. One CAS when the guess is right.
    #[inline]
    fn take_one(&self) -> bool {
        // Relaxed: a guess; the CAS below carries the ordering.
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if permits(s) == 0 {
                return false;
            }
            // Acquire: pairs with the Release CAS in `release_bounded` that returned the permit
            // (all writes to the word are RMWs, so any later value still carries that release).
            match self
                .state
                .compare_exchange_weak(s, s - ONE, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => {
                    trace::step(|| format!("acquire sem ({} left)", permits(s) - 1));
                    return true;
                }
                Err(actual) => s = actual,
            }
        }
    }

    /// The slow path: spin a little, then queue and park; `deadline` (std builds) gives up.
    /// Returns `true` once a permit is taken.
    #[cold]
    fn acquire_contended(&self, deadline: Option<Deadline>) -> bool {
        let me = thread::current();
        let mut spins = 0;
        loop {
            if self.take_one() {
                return true;
            }
            // Relaxed: a guess for the queue-taking CAS below.
            let s = self.state.load(Ordering::Relaxed);
            if permits(s) > 0 {
                continue;
            }
            if s & QUEUE_LOCKED != 0 {
                queue::spin_until_unlocked(&self.state);
                continue;
            }
            // Spin only while nobody is queued: a queue means a long wait. (Under loom
            // SPIN_LIMIT is 0: every wait is a real park.)
            #[allow(clippy::absurd_extreme_comparisons)]
            if spins < SPIN_LIMIT && s & WAITERS == 0 {
                spins += 1;
                hint::spin_loop();
                continue;
            }
            // Take the queue, but only while there is no permit.
            // Acquire: pairs with the previous queue owner's Release in `queue::unlock`.
            if self
                .state
                .compare_exchange(s, s | QUEUE_LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            let waiter = Waiter::new(me.clone(), 0);
            // SAFETY: we own the queue bit; `waiter` outlives its time in the queue: it is
            // removed below, or woken (we wait for that before returning), or removed by a
            // timed-out `leave`.
            unsafe { self.queue.push(&waiter) };
            if self.queue_or_take(s | QUEUE_LOCKED, &waiter) {
                return true;
            }
            trace::waiting("sem");
            if !wait(&waiter, deadline) {
                // Timed out. Leave the queue, unless a release already took us off it.
                // SAFETY: `waiter` is ours, queued in this word's queue above, and alive.
                unsafe { queue::withdraw(&self.state, &self.queue, &waiter) };
                // As Python's loop does after its timed wait: one last look for a permit.
                return self.take_one();
            }
            // Woken: compete again, with fresh spins.
            spins = 0;
        }
    }

    /// Gives up the queue bit after queueing `waiter`: sets `WAITERS` if there is still no
    /// permit (`false`: park), or, if a release came in meanwhile, takes the node back out and
    /// the permit with it (`true`: acquired).
    fn queue_or_take(&self, s: usize, waiter: &Waiter) -> bool {
        // SAFETY: forwarded from the caller: it owns the queue bit and `waiter` is its node.
        let taken = unsafe {
            queue::queue_or_leave(
                &self.state,
                &self.queue,
                waiter,
                s,
                |s| permits(s) == 0,
                |s| s - ONE,
            )
        };
        match taken {
            Some(before) => {
                trace::step(|| format!("acquire sem ({} left)", permits(before) - 1));
                true
            }
            None => false,
        }
    }

    /// Returns one permit and wakes the longest waiter, if any (Python's `release()`).
    ///
    /// Any thread may release, also one that never acquired; the count then grows past its
    /// initial value, as in Python.
    ///
    /// # Panics
    ///
    /// If the count would exceed `usize::MAX >> 2`.
    #[inline]
    pub fn release(&self) {
        self.release_n(1);
    }

    /// Returns `n` permits and wakes up to `n` waiters (Python's `release(n)`). `release_n(0)`
    /// does nothing (Python rejects `n < 1` with `ValueError`; nothing here would go wrong).
    ///
    /// # Panics
    ///
    /// If the count would exceed `usize::MAX >> 2`.
    pub fn release_n(&self, n: usize) {
        if let Err(e) = self.release_bounded(n, MAX_PERMITS) {
            panic!(
                "racelab: semaphore count overflow: {} + {} permits exceeds {MAX_PERMITS}",
                e.available, e.released
            );
        }
    }

    /// Returns `n` permits unless the count would exceed `bound`; wakes up to `n` waiters.
    pub(super) fn release_bounded(&self, n: usize, bound: usize) -> Result<(), OverReleaseError> {
        #[cfg(shuttle)]
        if let Some(spec) = &self.spec {
            return spec.release(n, bound);
        }
        if n == 0 {
            return Ok(());
        }
        // Relaxed: a guess; the CAS below carries the ordering.
        let mut s = self.state.load(Ordering::Relaxed);
        let before = loop {
            let available = permits(s);
            if n > bound - available.min(bound) {
                trace::step(|| format!("release sem: over-release ({available} left)"));
                return Err(OverReleaseError {
                    released: n,
                    available,
                    initial: bound,
                });
            }
            // Release: hands the permits over; pairs with the Acquire CAS that takes one
            // (`take_one`, `queue_or_take`).
            match self.state.compare_exchange_weak(
                s,
                s + n * ONE,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break s,
                Err(actual) => s = actual,
            }
        };
        trace::step(|| format!("release sem ({} left)", permits(before) + n));
        if before & WAITERS != 0 {
            self.wake(n);
        }
        Ok(())
    }

    /// Wakes up to `n` of the longest waiters.
    #[cold]
    fn wake(&self, n: usize) {
        let s = queue::lock(&self.state);
        // SAFETY: we own the queue bit.
        let woken = unsafe { self.queue.pop(n) };
        // SAFETY: as above.
        unsafe { queue::unlock(&self.state, &self.queue, s, |s| s) };
        woken.wake_all();
    }

    /// The number of free permits now (Python's private `_value`). A snapshot: it may be stale
    /// by the time the caller looks at it.
    #[must_use]
    pub fn available(&self) -> usize {
        #[cfg(shuttle)]
        if let Some(spec) = &self.spec {
            return spec.available();
        }
        // Relaxed: a racy snapshot; nothing is read on the strength of it.
        permits(self.state.load(Ordering::Relaxed))
    }

    /// `true` if threads are parked waiting for a permit (a snapshot, like
    /// [`available`](Self::available)). Tests use it to know that a thread is blocked without
    /// sleeping.
    #[must_use]
    pub fn has_waiters(&self) -> bool {
        #[cfg(shuttle)]
        if let Some(spec) = &self.spec {
            return spec.has_waiters();
        }
        // Relaxed: a racy snapshot.
        self.state.load(Ordering::Relaxed) & WAITERS != 0
    }

    /// How many threads are parked waiting for a permit now (a snapshot). Tests use it to know
    /// that N threads are blocked without sleeping.
    #[must_use]
    pub fn waiters(&self) -> usize {
        #[cfg(shuttle)]
        if let Some(spec) = &self.spec {
            return spec.waiters();
        }
        self.queue.len()
    }
}

/// When a timed wait gives up. std builds: an instant. loom and shuttle have no time: there a
/// timed wait queues, takes one more look (a scheduling point), and gives up — whether the wake
/// came first is the schedule's choice, and the checker explores both, including the race
/// between the waiter withdrawing and the waker taking it off the queue. That refines a real
/// timeout rather than approximating it: a real `park_timeout` may run out at any moment too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    #[cfg(not(any(loom, shuttle)))]
    at: std::time::Instant,
}

impl Deadline {
    /// The deadline `timeout` from now; `None` if it is too far to represent (never).
    pub(crate) fn after(timeout: core::time::Duration) -> Option<Self> {
        #[cfg(not(any(loom, shuttle)))]
        {
            std::time::Instant::now()
                .checked_add(timeout)
                .map(|at| Deadline { at })
        }
        #[cfg(any(loom, shuttle))]
        {
            let _ = timeout;
            Some(Deadline {})
        }
    }
}

/// Parks until woken (`true`) or until `deadline` passes (`false`; checker builds: after one
/// look, see [`Deadline`]).
pub(crate) fn wait(waiter: &Waiter, deadline: Option<Deadline>) -> bool {
    match deadline {
        None => {
            waiter.wait();
            true
        }
        #[cfg(not(any(loom, shuttle)))]
        Some(deadline) => waiter.wait_until(deadline.at),
        #[cfg(any(loom, shuttle))]
        Some(Deadline {}) => waiter.is_notified(),
    }
}

impl Default for Semaphore {
    /// Python's default: one permit.
    fn default() -> Self {
        Self::new(1)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .field("waiters", &self.has_waiters())
            .finish()
    }
}
