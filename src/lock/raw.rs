//! [`RawLock`]: the tutorial's lock — `acquire()` / `release()`, no data inside.

use core::fmt;
use core::ptr;

use crate::sync::hint;
use crate::sync::internal::atomic::{AtomicBool, AtomicPtr, Ordering};
use crate::sync::internal::cell::UnsafeCell;
use crate::sync::internal::thread::{self, Thread};
use crate::sync::SPIN_LIMIT;
use crate::trace;

use super::ReleaseError;
#[cfg(any(loom, shuttle))]
use crate::face::Face;

/// Tag bit: the lock is held.
const LOCKED: usize = 0b01;
/// Tag bit: one releasing thread owns the waiter queue and is waking a waiter.
const QUEUE_LOCKED: usize = 0b10;
const TAGS: usize = LOCKED | QUEUE_LOCKED;

// The tags live in the low bits of a `*const Waiter`.
const _: () = assert!(core::mem::align_of::<Waiter>() > TAGS);

/// The tutorial's lock: `acquire()` blocks until the lock is free and takes it; `release()`
/// frees it. It holds no data; [`Lock<T>`](crate::Lock) is the Rust way, with the data inside
/// and a guard that releases.
///
/// Like Python's `threading.Lock` and unlike a mutex, the lock has no owner: any thread may
/// `release()` a held lock (so a lock taken in one thread can be handed off and released in
/// another). Releasing a lock that is *not* held is an error, [`ReleaseError`], never undefined
/// behaviour and never a hang.
///
/// # Fairness and blocking
///
/// The uncontended path is one compare-and-swap to acquire and one to release. A contended
/// `acquire` spins briefly, then queues itself and parks. `release` makes exactly one queued
/// waiter runnable when there is one — the one that has waited longest — and makes no wake-up
/// call when there is none. A woken waiter competes with newcomers for the lock (it is not
/// handed over), spinning briefly again before it re-queues: that keeps throughput high, at the
/// price of no strict FIFO guarantee, as with std's `Mutex`.
///
/// # Examples
///
/// The tutorial's shape, `acquire()` / `try … finally release()`:
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::RawLock;
///
/// let lock = RawLock::new();
/// lock.acquire();
/// // ... the critical section ...
/// lock.release().expect("the lock was held");
///
/// // Releasing again is an error, not undefined behaviour:
/// assert!(lock.release().is_err());
/// ```
///
/// A panic between `acquire` and `release` leaves the lock held; [`Lock<T>`](crate::Lock)'s
/// guard is the Rust answer to Python's `finally`.
///
/// # Under loom and shuttle: the spec and the implementation
///
/// A lock created in a checker build shows the checker one of two faces ([`crate::face`]). By
/// default a program that uses the lock is explored against its **spec**: the checker's own
/// blocking lock (loom's `Mutex`, shuttle's semaphore), one scheduling point per `acquire`,
/// `try_acquire` and `release`, a deadlock found and reported natively with its wait-for cycle.
/// racelab's own suites explore the **implementation** below, with
/// [`Explorer::face`](crate::check::Explorer::face)`(Face::Implementation)`.
///
/// What justifies the spec — each property of the spec, and the check of the implementation
/// that proves it:
///
/// | the spec says | proved of the implementation by |
/// |---|---|
/// | at most one holder at a time | `tests/loom_lock.rs` (every interleaving of 2–4 threads; the counter's `UnsafeCell` accesses are loom-checked, so an overlap is a reported race), `tests/shuttle_lock.rs` at 5+ threads |
/// | a release happens-before the next acquire | the same loom suites: loom reports a data race on the guarded data unless the unlock's Release pairs with the next lock's Acquire; the Miri test `tests/miri_lock.rs` for the waiter's hand-off |
/// | a release with waiters lets one of them in (no lost wake-up) | loom: any lost wake-up leaves a thread parked forever, which loom reports as a deadlock in those same suites; `loom_handoff_release` for a release from another thread |
/// | `release` of a free lock is `ReleaseError` and changes nothing; exactly one of two racing releases wins | `loom_racing_releases`, `tests/std_lock.rs` |
/// | `try_acquire` never blocks and fails only while the lock is held | `loom_try_lock` |
///
/// `cargo xtask hunt` runs the same client programs under both faces and reports whether their
/// verdicts agree, and how many executions each face costs against the checker's own mutex.
pub struct RawLock {
    /// The whole lock in one word: a pointer to the newest queued [`Waiter`], with two tag
    /// bits in its low bits.
    ///
    /// | pointer | `LOCKED` | `QUEUE_LOCKED` | meaning |
    /// |---|---|---|---|
    /// | null | 0 | 0 | free, nobody waiting |
    /// | null | 1 | 0 | held, nobody waiting (the uncontended state) |
    /// | head | 1 | 0 | held; `head` → … → oldest are parked waiters |
    /// | head | 0 | 0 | free; waiters parked, one woken waiter is on its way to retry |
    /// | head | x | 1 | a releasing thread owns the queue and is unlinking the oldest waiter |
    /// | null | x | 1 | impossible: the queue owner only exists while there is a waiter to wake |
    ///
    /// Waiters push themselves at the head (one CAS, and only while `LOCKED` is set, so the
    /// holder's `release` is sure to see them). Only the queue owner — the releasing thread
    /// whose CAS set `QUEUE_LOCKED` — unlinks a node, always the oldest. Because pushing
    /// requires `LOCKED` and every release that sees a waiter either takes the queue or
    /// leaves it to the thread that already has it, a waiter is never left parked with nobody
    /// coming to wake it: whenever the queue is non-empty, either the lock is held (its
    /// release will wake one) or a woken waiter is on its way back.
    state: AtomicPtr<Waiter>,
    /// Checker builds: the spec face, when this lock was created under [`Face::Spec`](crate::face::Face::Spec); every
    /// operation then goes to it and `state` is never touched.
    #[cfg(any(loom, shuttle))]
    spec: Option<super::spec::SpecLock>,
    /// Checker builds: the identity traces know this lock by (its name, or `lock#n` in order
    /// of creation), which moves with the lock.
    #[cfg(any(loom, shuttle))]
    id: usize,
}

/// One parked thread, on its own stack in [`RawLock::acquire_contended`].
///
/// The node stays alive until its thread sees `notified`: the waker reads it (and takes
/// `thread`) before it sets the flag and never touches it after.
struct Waiter {
    /// The next older waiter. Written by the owning thread before the push publishes the
    /// node; after that, only by the queue owner.
    next: UnsafeCell<*const Waiter>,
    /// Taken by the queue owner when it unlinks this node, to unpark it.
    thread: UnsafeCell<Option<Thread>>,
    /// Set once the waker is done with the node.
    notified: AtomicBool,
}

impl Waiter {
    fn new(thread: Thread) -> Self {
        Waiter {
            next: UnsafeCell::new(ptr::null()),
            thread: UnsafeCell::new(Some(thread)),
            notified: AtomicBool::new(false),
        }
    }

    /// Parks until a releasing thread has unlinked this node and is done with it.
    fn wait(&self) {
        // Acquire: pairs with the Release store in `wake_one`; after it the waker no longer
        // touches this node, so it may be dropped. `park` does not do this job: it may return
        // spuriously, `unpark` only synchronises with the `park` that consumes its token, and
        // the flag may already be set on the first look, before any park (the waker did all
        // its work between our push and this load). loom cannot show that last case (its
        // `unpark` synchronises at once); Miri's data-race detector can, and does, on
        // `tests/miri_lock.rs` with either side of this pair weakened.
        while !self.notified.load(Ordering::Acquire) {
            thread::park();
        }
        // The waker took the handle before it let us go. (Under loom this read is checked:
        // it races with the waker's `take` unless the Acquire above synchronised them, which
        // is also what makes dropping the node sound.)
        // SAFETY: `notified` was seen with Acquire; the waker no longer touches the node.
        let handed_over = self.thread.with(|t| unsafe { (*t).is_none() });
        debug_assert!(handed_over, "woken before the waker took the thread handle");
    }
}

#[inline]
fn tags(state: *mut Waiter) -> usize {
    state.addr() & TAGS
}

#[inline]
fn head(state: *mut Waiter) -> *mut Waiter {
    state.map_addr(|a| a & !TAGS)
}

#[inline]
fn is_locked(state: *mut Waiter) -> bool {
    state.addr() & LOCKED != 0
}

/// The state word of a lock held with nobody waiting.
#[inline]
fn locked_empty() -> *mut Waiter {
    ptr::without_provenance_mut(LOCKED)
}

impl RawLock {
    /// Creates a free lock (`lock#n` in a checker build's traces, `n` counting the locks
    /// created so far in the execution).
    #[must_use]
    pub fn new() -> Self {
        Self::create(None)
    }

    /// Creates a free lock called `name` in a checker build's traces (std builds ignore the
    /// name). The name moves with the lock, so it survives moving the lock into an `Arc` or a
    /// struct.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = racelab::RawLock::named("queue");
    /// assert!(!queue.is_locked());
    /// ```
    #[must_use]
    pub fn named(name: &str) -> Self {
        Self::create(Some(name))
    }

    #[inline]
    fn create(name: Option<&str>) -> Self {
        #[cfg(not(any(loom, shuttle)))]
        let _ = name;
        RawLock {
            state: AtomicPtr::new(ptr::null_mut()),
            #[cfg(any(loom, shuttle))]
            spec: match crate::face::current() {
                Face::Spec => Some(super::spec::SpecLock::new()),
                Face::Implementation => None,
            },
            #[cfg(any(loom, shuttle))]
            id: trace::object("lock", name),
        }
    }

    /// Blocks until the lock is free, then takes it.
    ///
    /// The lock is not reentrant: a thread that calls `acquire` while it holds the lock
    /// blocks forever (the `self_deadlock` model shows it).
    #[inline]
    pub fn acquire(&self) {
        #[cfg(any(loom, shuttle))]
        if let Some(spec) = &self.spec {
            return spec.acquire(self.key());
        }
        if !self.try_acquire_from(ptr::null_mut()) {
            self.acquire_contended();
        }
    }

    /// The identity traces know this lock by (std builds record nothing: any value does).
    #[inline(always)]
    fn key(&self) -> usize {
        #[cfg(any(loom, shuttle))]
        {
            self.id
        }
        #[cfg(not(any(loom, shuttle)))]
        {
            ptr::from_ref(self).addr()
        }
    }

    /// Takes the lock if it is free and returns `true`; returns `false` at once if it is held.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let lock = racelab::RawLock::new();
    /// assert!(lock.try_acquire());
    /// assert!(!lock.try_acquire());
    /// lock.release().unwrap();
    /// ```
    #[inline]
    #[must_use = "if the lock was taken it must be released"]
    pub fn try_acquire(&self) -> bool {
        #[cfg(any(loom, shuttle))]
        if let Some(spec) = &self.spec {
            return spec.try_acquire(self.key());
        }
        self.try_acquire_from(ptr::null_mut())
    }

    /// Tries to set `LOCKED`, starting from a guess of the current state; gives up as soon
    /// as the lock is seen held. One CAS when the guess is right.
    #[inline]
    fn try_acquire_from(&self, mut state: *mut Waiter) -> bool {
        loop {
            if is_locked(state) {
                return false;
            }
            let new = state.map_addr(|a| a | LOCKED);
            match self
                .state
                .compare_exchange(state, new, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => {
                    trace::lock_acquired(self.key());
                    return true;
                }
                Err(actual) => state = actual,
            }
        }
    }

    #[cold]
    fn acquire_contended(&self) {
        let mut spins = 0;
        let mut me: Option<Thread> = None;
        loop {
            let state = self.state.load(Ordering::Relaxed);
            if !is_locked(state) {
                if self.try_acquire_from(state) {
                    return;
                }
                continue;
            }
            // Spin only while nobody is queued: a queue means a long wait. (Under loom
            // SPIN_LIMIT is 0, so this never spins there: every wait is a real park.)
            #[allow(clippy::absurd_extreme_comparisons)]
            if spins < SPIN_LIMIT && head(state).is_null() {
                spins += 1;
                hint::spin_loop();
                continue;
            }
            let waiter = Waiter::new(me.get_or_insert_with(thread::current).clone());
            if self.push(&waiter, state) {
                trace::lock_waiting(self.key());
                waiter.wait();
                // Woken: a fresh wait, with its own spins. The lock was just released, so it is
                // likely free or soon to be; parking again at once would cost another
                // unpark-to-run hand-off for a lock that may be free within the spin window.
                spins = 0;
            }
            // Woken (or the lock came free before we could queue): compete again.
        }
    }

    /// Pushes `waiter` at the head of the queue, but only while the lock is held. Returns
    /// `false`, with nothing queued, once the lock is seen free.
    fn push(&self, waiter: &Waiter, mut state: *mut Waiter) -> bool {
        let node = ptr::from_ref(waiter).cast_mut();
        loop {
            if !is_locked(state) {
                return false;
            }
            // SAFETY: `waiter` is not published yet; this thread is the only one that sees it.
            waiter.next.with_mut(|next| unsafe { *next = head(state) });
            let new = node.map_addr(|a| a | tags(state));
            // Release: publishes the node's fields; pairs with the Acquire in `release_contended`
            // / `wake_one` that loads this head before walking the queue.
            match self
                .state
                .compare_exchange(state, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// Releases the lock.
    ///
    /// Any thread may release a held lock (as with Python's `Lock`): a release by a thread
    /// that did not acquire it wakes a waiter exactly as the acquirer's would, and the
    /// acquirer's own later `release` is then a [`ReleaseError`]. If threads are queued, the
    /// one that has waited longest is woken.
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] if the lock is not held; the lock is left as it was.
    #[inline]
    pub fn release(&self) -> Result<(), ReleaseError> {
        #[cfg(any(loom, shuttle))]
        if let Some(spec) = &self.spec {
            return spec.release(self.key());
        }
        match self.state.compare_exchange(
            locked_empty(),
            ptr::null_mut(),
            Ordering::Release,
            Ordering::Relaxed,
        ) {
            Ok(_) => {
                trace::lock_released(self.key());
                Ok(())
            }
            Err(state) => self.release_contended(state),
        }
    }

    #[cold]
    fn release_contended(&self, mut state: *mut Waiter) -> Result<(), ReleaseError> {
        loop {
            if !is_locked(state) {
                return Err(ReleaseError);
            }
            if head(state).is_null() || state.addr() & QUEUE_LOCKED != 0 {
                // Nobody to wake, or another release already owns the queue and is waking
                // one: just unlock.
                let new = state.map_addr(|a| a & !LOCKED);
                match self
                    .state
                    .compare_exchange(state, new, Ordering::Release, Ordering::Relaxed)
                {
                    Ok(_) => {
                        trace::lock_released(self.key());
                        return Ok(());
                    }
                    Err(actual) => state = actual,
                }
            } else {
                // Unlock and take the queue in one step.
                let new = state.map_addr(|a| (a & !LOCKED) | QUEUE_LOCKED);
                // Release: the unlock (pairs with the Acquire CAS in `try_acquire_from`). No
                // Acquire needed: `wake_one` starts with an Acquire load of this word, which
                // synchronises with every earlier Release on it (all its writes are RMWs, so
                // each Release heads a release sequence that load reads from) — the pushes of
                // the queued nodes and the previous queue owner's `unlock_queue`.
                match self
                    .state
                    .compare_exchange(state, new, Ordering::Release, Ordering::Relaxed)
                {
                    Ok(_) => {
                        trace::lock_released(self.key());
                        self.wake_one();
                        return Ok(());
                    }
                    Err(actual) => state = actual,
                }
            }
        }
    }

    /// Unlinks the oldest waiter, gives up the queue, and wakes that waiter.
    ///
    /// Called only by the thread that set `QUEUE_LOCKED`.
    ///
    /// # Cost
    ///
    /// The queue is singly linked from the newest node, so finding the oldest walks the whole
    /// queue: O(n) node reads per wake for n parked waiters, O(n²) to drain them. parking_lot's
    /// word lock avoids the walk by caching the tail (`queue_tail`, `prev` links, filled in
    /// once per node by the queue owner); this lock does not, because the walk is not what a
    /// wake costs. Each step is one read of a parked thread's node; the wake that follows is an
    /// `unpark` system call and the woken thread's trip back onto a core. `benches/lock.rs`
    /// measures it (`lock/drain/<T>`: each critical section yields its core, so the others
    /// queue and the queue stays about `T` deep): on a shared 2-core VM, racelab took 29 µs per
    /// acquisition with 8 threads and 22–47 µs with 64 (std's `Mutex` 17–29 µs and 29–45 µs,
    /// parking_lot 11–29 µs and 14–44 µs, in the same runs) — no growth from 8 to 64 waiters
    /// beyond the machine's noise. Caching the tail would add two fields per node and a second
    /// pass that every loom check explores; it is worth it only for queues of many hundreds.
    fn wake_one(&self) {
        let oldest = loop {
            // Acquire: pairs with the Release CAS in `push` of every queued waiter (their
            // nodes) and with the previous queue owner's Release in `unlock_queue` (the `next`
            // it cleared). Reloaded on every attempt, so the walk below always reads nodes
            // this load has synchronised with.
            let state = self.state.load(Ordering::Acquire);
            debug_assert!(
                state.addr() & QUEUE_LOCKED != 0,
                "the queue owner lost QUEUE_LOCKED"
            );
            let newest = head(state).cast_const();
            assert!(
                !newest.is_null(),
                "queue owner with an empty queue: {state:p}"
            );
            // Walk to the oldest node, remembering the one before it.
            let mut before: *const Waiter = ptr::null();
            let mut oldest = newest;
            loop {
                // SAFETY: every node reachable from the head is alive (its thread waits for
                // `notified`, which only the queue owner — this thread — sets), and its `next`
                // is written only by the queue owner once published.
                let next = unsafe { &*oldest }.next.with(|next| unsafe { *next });
                if next.is_null() {
                    break;
                }
                before = oldest;
                oldest = next;
            }
            if before.is_null() {
                // The oldest is the only node: unlink it and give up the queue in one CAS.
                let new = ptr::without_provenance_mut(state.addr() & LOCKED);
                // Relaxed: this path wrote nothing a later queue owner reads (the node it
                // unlinks is no longer reachable), and the unlock itself was released by
                // `release_contended`. On failure (a waiter just arrived) the loop reloads
                // with Acquire.
                if self
                    .state
                    .compare_exchange(state, new, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
                {
                    break oldest;
                }
            } else {
                // SAFETY: `before` is alive (see above) and its `next` is ours to write: we own
                // the queue, and pushers only write the `next` of their own unpublished node.
                unsafe { &*before }
                    .next
                    .with_mut(|next| unsafe { *next = ptr::null() });
                self.unlock_queue(state);
                break oldest;
            }
        };
        // SAFETY: `oldest` is unlinked and alive until we set `notified`; nobody else
        // touches it now.
        let oldest = unsafe { &*oldest };
        // SAFETY: as above; the thread handle was written before the Release push we acquired.
        let thread = oldest.thread.with_mut(|t| unsafe { (*t).take() });
        let thread = thread.expect("a queued waiter has its thread handle");
        // Release: pairs with the Acquire load in `Waiter::wait`; after it the waiter may free
        // the node, so `oldest` is not touched again. (`unpark` does not order it: the waiter
        // may see the flag before any park; `tests/miri_lock.rs` shows the race without it.)
        oldest.notified.store(true, Ordering::Release);
        thread.unpark();
    }

    /// Clears `QUEUE_LOCKED`, keeping whatever the other bits have become.
    fn unlock_queue(&self, mut state: *mut Waiter) {
        loop {
            let new = state.map_addr(|a| a & !QUEUE_LOCKED);
            // Release: ends this queue owner's turn (the `next` we wrote); pairs with the
            // Acquire load at the top of the next owner's `wake_one`.
            match self
                .state
                .compare_exchange(state, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
    }

    /// Returns `true` if the lock is held right now.
    ///
    /// A snapshot: by the time the caller looks at it, it may be stale.
    #[must_use]
    pub fn is_locked(&self) -> bool {
        #[cfg(any(loom, shuttle))]
        if let Some(spec) = &self.spec {
            return spec.is_locked();
        }
        // Relaxed: a racy snapshot; nothing is read on the strength of it.
        is_locked(self.state.load(Ordering::Relaxed))
    }

    /// Returns `true` if threads are queued waiting (a snapshot, like [`is_locked`](Self::is_locked)).
    #[must_use]
    pub fn has_waiters(&self) -> bool {
        #[cfg(any(loom, shuttle))]
        if let Some(spec) = &self.spec {
            return spec.has_waiters();
        }
        // Relaxed: a racy snapshot; nothing is read on the strength of it.
        !head(self.state.load(Ordering::Relaxed)).is_null()
    }
}

impl trace::Traced for RawLock {
    fn trace_key(&self) -> usize {
        self.key()
    }
}

impl Default for RawLock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RawLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawLock")
            .field("locked", &self.is_locked())
            .field("waiters", &self.has_waiters())
            .finish()
    }
}
