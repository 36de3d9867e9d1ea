//! [`Event`]: Python's `threading.Event` — `set()`, `clear()`, `is_set()`, `wait()`.

use core::fmt;

use crate::semaphore::queue::{self, Queue, Waiter, QUEUE_LOCKED, SHIFT, WAITERS};
use crate::sync::internal::atomic::{AtomicUsize, Ordering};
use crate::sync::internal::thread;
use crate::trace;

/// State bit: the flag.
const SET: usize = 1 << SHIFT;
/// One `set` in the generation count above the flag.
const GENERATION: usize = SET << 1;

/// The generation bits of a state.
#[inline]
fn generation(state: usize) -> usize {
    state & !(GENERATION - 1)
}

/// Python's `threading.Event`: a flag, initially clear. [`wait`](Self::wait) blocks until the
/// flag is set; [`set`](Self::set) sets it and wakes every waiting thread; [`clear`](Self::clear)
/// clears it, so later waits block again.
///
/// A `set` wakes every thread that was waiting at that moment, even if the flag is cleared
/// again before they run: each returns from `wait`, as in Python (whose `wait()` then
/// returns `True`). A thread that starts waiting after the `clear` blocks until the next `set`.
/// Everything a thread did before `set` happens-before the return of every `wait` it wakes
/// (and of every `wait` or `is_set` that sees the flag).
///
/// # Examples
///
/// Python's "wait until ready":
///
/// ```python
/// ready = threading.Event()
/// def worker():
///     ready.wait()
///     ...
/// threading.Thread(target=worker).start()
/// load_config()
/// ready.set()
/// ```
///
/// in racelab:
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::sync::{thread, Arc};
/// use racelab::Event;
///
/// let ready = Arc::new(Event::new());
/// let worker = {
///     let ready = Arc::clone(&ready);
///     thread::spawn(move || {
///         ready.wait();
///         // ... the configuration is loaded ...
///     })
/// };
/// // ... load the configuration ...
/// ready.set();
/// worker.join().unwrap();
/// assert!(ready.is_set());
/// ```
///
/// # Under loom and shuttle: the implementation under both faces
///
/// An `Event` shows the checker its implementation whatever the [face](crate::face): neither
/// checker has an event to serve as its spec, and one built from the checker's mutex and
/// condition variable would cost the checker as many scheduling points as the implementation
/// (a lock, a flag, a wait loop) — under loom with the false deadlocks of its `Condvar`, whose
/// `wait` consumes the thread's park token (loom issue #422). The implementation is small: a
/// `wait` on a set flag is one load, a `set` with nobody waiting is one CAS.
///
/// What its checks prove:
///
/// | property | proved by |
/// |---|---|
/// | every waiter returns after `set` (no lost wake-up: a waiter left parked is a deadlock) | `tests/loom_event.rs`: every interleaving of one waiter and the setter, and of two waiters (or two setters) with at most 2 preemptions; `tests/shuttle_event.rs` at 5 and 6 threads |
/// | `set` then `clear` still wakes the threads that were waiting | `loom_event_set_then_clear`, `tests/std_event.rs` |
/// | a wait that starts after `clear` blocks until the next `set` | `loom_event_wait_after_clear_blocks` (loom reports the deadlock when no `set` follows) |
/// | ... and is not woken by the `set` before the `clear`, even one still on its way to the queue | `shuttle_event_next_generation` (20,000 schedules each: with the generation tags taken out, PCT finds the early wake-up in about 200 and random in about 9,000); four threads, more than loom finishes at bound 2 in 60 s |
/// | `set` happens-before the return of the waits it wakes | the loom checks: the setter writes a cell each waiter reads, a reported race unless they synchronise |
/// | a timed wait (under the checkers, the schedule's choice) returns either way and never stays queued; untimed waiters beside it still return | `loom_event_timed_wait_races_a_set` (exhaustive), `shuttle_event_timed` (6 threads), `tests/std_event.rs` |
pub struct Event {
    /// A generation count (bits 3 and up: how many times the flag went from clear to set,
    /// wrapping), the flag, and two queue bits.
    ///
    /// | generation | `SET` | `WAITERS` | `QUEUE_LOCKED` | meaning |
    /// |---|---|---|---|---|
    /// | g | 0 | 0 | 0 | clear, nobody waiting |
    /// | g | 0 | 1 | 0 | clear; threads parked in the queue |
    /// | g | 1 | 0 | 0 | set; nobody waits (a `wait` returns at once) |
    /// | g | 1 | 1 | 0 | just set; the setter is on its way to wake the queue |
    /// | g | x | x | 1 | a thread owns the queue: a waiter queueing (only taken with the flag clear), the setter detaching the waiters of its generation, or a timed-out waiter leaving |
    ///
    /// `set` moves the flag from clear to set and the generation on by one in one CAS. A
    /// waiter queues only while it sees the flag clear, and gives the queue up with a CAS that
    /// sets `WAITERS` only if the generation is still the one it saw (else it takes its node
    /// back out and returns: a `set` ran during its wait, even if a `clear` has hidden the
    /// flag again). `set` wakes the queue if the value its CAS replaced had `WAITERS`: the
    /// word's modification order puts the two CASes one way or the other, so no waiter sleeps
    /// through a `set` (`queue.rs`, "Why no wake-up is lost"). Each queued node is tagged
    /// with the generation its waiter saw, and a `set` detaches only the nodes of the
    /// generation it ended (or older): a waiter that queued after a `clear` that followed the
    /// `set`'s CAS — while that `set` was on its way to the queue — is not woken by it. `set`
    /// wakes the nodes it detached whatever the flag becomes later: that is why `clear` after
    /// `set` still lets them go. (The generation wraps after 2⁶¹ sets on 64-bit targets; a waiter would have to
    /// sleep through exactly that many, between two of its own steps, to miss one.)
    state: AtomicUsize,
    /// The parked waiters, oldest first; owned by whoever set `QUEUE_LOCKED`.
    queue: Queue,
}

impl Event {
    /// Creates an event with the flag clear.
    #[must_use]
    pub fn new() -> Self {
        Event {
            state: AtomicUsize::new(0),
            queue: Queue::new(),
        }
    }

    /// `true` if the flag is set (Python's `is_set()`). A snapshot, but an acquiring one: after
    /// a `true`, everything the setter did before `set` is visible.
    #[must_use]
    pub fn is_set(&self) -> bool {
        // Acquire: pairs with the Release CAS in `set`.
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Sets the flag and wakes every waiting thread. Setting a set flag does nothing more.
    pub fn set(&self) {
        // Relaxed: a guess; the CAS below carries the ordering.
        let mut before = self.state.load(Ordering::Relaxed);
        loop {
            if before & SET != 0 {
                trace::step(|| "set event (already set)".to_owned());
                return;
            }
            // A new generation, and the flag.
            let new = before.wrapping_add(GENERATION) | SET;
            // Release: publishes what the setter did before; pairs with the Acquire loads that
            // see the flag or the new generation (`is_set`, `wait_contended`) and with the
            // AcqRel CAS of a waiter that sees them while it queues. (Woken waiters
            // synchronise through their node instead: `queue.rs`.)
            match self.state.compare_exchange_weak(
                before,
                new,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => before = actual,
            }
        }
        if before & WAITERS == 0 {
            trace::step(|| "set event".to_owned());
            return;
        }
        let s = queue::lock(&self.state);
        // Wake the waiters that queued before this `set`: those of its generation or older.
        // A waiter that queued after it (after a `clear` that followed it) is a later
        // generation's and waits for the next `set`. Tags grow along the queue (each waiter
        // takes the queue bit with a CAS on this word and tags itself with the generation that
        // CAS saw), so they are a prefix.
        let ended = generation(before);
        // SAFETY: we own the queue bit, and the queue is this word's.
        let woken = unsafe {
            self.queue
                .pop_while(|tag| ended.wrapping_sub(tag) <= usize::MAX / 2)
        };
        // SAFETY: as above.
        unsafe { queue::unlock(&self.state, &self.queue, s, |s| s) };
        trace::step(|| format!("set event (wake {})", woken.len()));
        woken.wake_all();
    }

    /// Clears the flag: waits that start from now on block until the next `set`. Threads a
    /// `set` already woke still return.
    pub fn clear(&self) {
        // Relaxed: clearing publishes nothing. The flag is one word whose every write is an
        // RMW, so a `wait` that happens after this `clear` sees it (or a later `set`).
        self.state.fetch_and(!SET, Ordering::Relaxed);
        trace::step(|| "clear event".to_owned());
    }

    /// Blocks until the flag is set (returns at once if it is). Python's `wait()`, which returns
    /// `True` here.
    pub fn wait(&self) {
        if !self.is_set() {
            self.wait_contended(None);
        }
    }

    /// Blocks until the flag is set (`true`) or until `timeout` has passed (`false`), as
    /// Python's `wait(timeout)`.
    ///
    /// Under loom and shuttle (no time) the timeout is the checker's choice: the wait queues,
    /// and either a `set` has woken it by then or it withdraws (see the
    /// [semaphore's timed waits](crate::semaphore#timed-waits)).
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use std::time::Duration;
    ///
    /// let event = racelab::Event::new();
    /// assert!(!event.wait_timeout(Duration::from_millis(5)));
    /// event.set();
    /// assert!(event.wait_timeout(Duration::from_millis(5)));
    /// ```
    #[must_use = "`false` means the wait timed out with the flag clear"]
    pub fn wait_timeout(&self, timeout: core::time::Duration) -> bool {
        if self.is_set() {
            return true;
        }
        match crate::semaphore::Deadline::after(timeout) {
            Some(deadline) => self.wait_contended(Some(deadline)),
            None => self.wait_contended(None),
        }
    }

    /// The slow path: queue and park until a `set` wakes us; `deadline` (std builds) gives up.
    #[cold]
    fn wait_contended(&self, deadline: Option<crate::semaphore::Deadline>) -> bool {
        let me = thread::current();
        loop {
            // Acquire: pairs with the Release CAS in `set`.
            let s = self.state.load(Ordering::Acquire);
            if s & SET != 0 {
                trace::step(|| "wait event: set".to_owned());
                return true;
            }
            if s & QUEUE_LOCKED != 0 {
                queue::spin_until_unlocked(&self.state);
                continue;
            }
            // Take the queue, but only while the flag is clear.
            // Acquire: pairs with the previous queue owner's Release in `queue::unlock`.
            if self
                .state
                .compare_exchange(s, s | QUEUE_LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            // Tagged with the generation it saw: only a `set` that ends this generation wakes it.
            let waiter = Waiter::new(me.clone(), generation(s));
            // SAFETY: we own the queue bit; `waiter` outlives its time in the queue: it is
            // removed by `queue_or_return`, or woken (waited for below), or removed on a
            // timeout.
            unsafe { self.queue.push(&waiter) };
            if self.queue_or_return(s | QUEUE_LOCKED, &waiter) {
                trace::step(|| "wait event: set".to_owned());
                return true;
            }
            trace::waiting("event");
            if crate::semaphore::wait(&waiter, deadline) {
                trace::step(|| "wait event: woken by set".to_owned());
                return true;
            }
            // Timed out. Leave the queue, unless a `set` already took us off it (the wait then
            // succeeded).
            // SAFETY: `waiter` is ours, queued in this word's queue above, and alive.
            return !unsafe { queue::withdraw(&self.state, &self.queue, &waiter) };
        }
    }

    /// Gives up the queue bit after queueing `waiter`: sets `WAITERS` if no `set` has run
    /// since the waiter saw the flag clear (the generation is still `seen`'s: `false`, park),
    /// or, if one came in meanwhile, takes the node back out (`true`: the wait is over — also
    /// when a `clear` followed that `set`, which the flag alone would not show).
    fn queue_or_return(&self, s: usize, waiter: &Waiter) -> bool {
        let seen = generation(s);
        // SAFETY: forwarded from the caller: it owns the queue bit and `waiter` is its node.
        unsafe {
            queue::queue_or_leave(
                &self.state,
                &self.queue,
                waiter,
                s,
                |s| generation(s) == seen && s & SET == 0,
                |s| s,
            )
        }
        .is_some()
    }

    /// `true` if threads are parked waiting for the flag (a snapshot). Tests use it to know
    /// that threads are blocked without sleeping.
    #[must_use]
    pub fn has_waiters(&self) -> bool {
        // Relaxed: a racy snapshot.
        self.state.load(Ordering::Relaxed) & WAITERS != 0
    }

    /// How many threads are parked waiting for the flag now (a snapshot). Tests use it to know
    /// that N threads are blocked without sleeping.
    #[must_use]
    pub fn waiters(&self) -> usize {
        self.queue.len()
    }
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .field("waiters", &self.has_waiters())
            .finish()
    }
}
