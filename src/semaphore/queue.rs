//! The waiter queue that [`Semaphore`](super::Semaphore) and [`Event`](crate::Event) park on.
//!
//! Each primitive keeps its whole state in one `AtomicUsize` whose two low bits belong to the
//! queue ([`QUEUE_LOCKED`], [`WAITERS`]) and whose higher bits are its own (a permit count, a
//! flag). The queue itself — a FIFO list of [`Waiter`] nodes, each on its waiting thread's
//! stack — is plain memory, read and written only by the thread that set `QUEUE_LOCKED`.
//!
//! # Why no wake-up is lost
//!
//! A waiter takes the queue bit only while it sees its condition false (no permit, flag
//! clear), pushes its node, and gives the bit up with a compare-and-swap that sets `WAITERS`
//! *only if the condition is still false*; if it became true meanwhile, the same step takes
//! the node back out and the waiter does not sleep. A waker changes the condition with an RMW
//! on the same word and then looks at `WAITERS` in the value that RMW replaced. The word's
//! modification order puts the two RMWs one way or the other: either the waker's comes
//! first, and the waiter's unlock sees the condition true, or the waiter's unlock comes
//! first, and the waker sees `WAITERS` and takes the queue bit to wake it.
//!
//! The queue bit is held only for a constant number of pointer writes (a timed-out waiter's
//! removal walks the list), never across a park, so a thread that finds it set spins
//! ([`spin_until_unlocked`]) instead of parking: its holder is running and about to clear it.

use core::ptr;

use crate::sync::hint;
use crate::sync::internal::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::internal::cell::UnsafeCell;
use crate::sync::internal::thread::{self, Thread};
use crate::sync::SPIN_LIMIT;

/// State bit: a thread owns the queue (is pushing, popping or removing a node).
pub(crate) const QUEUE_LOCKED: usize = 0b01;
/// State bit: the queue is not empty. Written only by the queue's owner, as it gives the queue
/// up; read by wakers in the value their RMW replaced.
pub(crate) const WAITERS: usize = 0b10;
/// The first state bit the primitive may use for itself.
pub(crate) const SHIFT: u32 = 2;

/// One parked thread, on its own stack.
///
/// The node stays alive until its thread sees `notified`: a waker unlinks it under the queue
/// bit, reads `next` and `thread` after giving the bit up, then sets `notified` and never
/// touches the node again.
pub(crate) struct Waiter {
    /// The next younger waiter. Written only by the queue's owner.
    next: UnsafeCell<*const Waiter>,
    /// The parked thread; immutable once the node is queued.
    thread: Thread,
    /// The primitive's own mark for the node, immutable once it is queued (the event: the
    /// generation the waiter saw; the semaphore: 0).
    tag: usize,
    /// Set once a waker is done with the node.
    notified: AtomicBool,
}

impl Waiter {
    pub(crate) fn new(thread: Thread, tag: usize) -> Self {
        Waiter {
            next: UnsafeCell::new(ptr::null()),
            thread,
            tag,
            notified: AtomicBool::new(false),
        }
    }

    /// Parks until a waker has unlinked this node and is done with it.
    pub(crate) fn wait(&self) {
        // Acquire: pairs with the Release store in `Woken::wake`; after it the waker no longer
        // touches this node, so it may be dropped (and the waker's writes before the wake are
        // visible). `park` alone does not order this: it may return spuriously.
        while !self.notified.load(Ordering::Acquire) {
            thread::park();
        }
    }

    /// `true` once a waker is done with the node (one look, no parking).
    #[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
    pub(crate) fn is_notified(&self) -> bool {
        // Acquire: as in `wait`.
        self.notified.load(Ordering::Acquire)
    }

    /// [`wait`](Self::wait) until `deadline`: `true` if woken, `false` if the deadline passed
    /// first (the node may still be queued then: the caller removes it). std builds only.
    #[cfg(not(any(loom, shuttle)))]
    pub(crate) fn wait_until(&self, deadline: std::time::Instant) -> bool {
        loop {
            // Acquire: as in `wait`.
            if self.notified.load(Ordering::Acquire) {
                return true;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            // The facade has no timed park (loom has no time); in a std build the facade's
            // `park` *is* std's, so this is the same parking, with a deadline.
            std::thread::park_timeout(deadline - now);
        }
    }
}

/// A node taken off the queue, to be woken once the queue bit is given up.
pub(crate) struct Woken {
    node: *const Waiter,
}

impl Woken {
    /// Wakes the node's thread. The node must not be touched after this.
    pub(crate) fn wake(self) {
        // SAFETY: the node is unlinked and alive until `notified` is set (its thread waits for
        // it); nobody else reads or writes it now.
        let node = unsafe { &*self.node };
        let thread = node.thread.clone();
        // Release: pairs with the Acquire load in `Waiter::wait`; after it the waiter may free
        // the node, so only our own handle is used below.
        node.notified.store(true, Ordering::Release);
        thread.unpark();
    }
}

/// The list of parked waiters, oldest first. Every method requires the queue bit.
pub(crate) struct Queue {
    head: UnsafeCell<*const Waiter>,
    tail: UnsafeCell<*const Waiter>,
    /// How many waiters are queued: written only by the queue's owner, read as a snapshot by
    /// [`len`](Self::len) (so tests can tell that N threads are parked without sleeping).
    len: AtomicUsize,
}

// SAFETY: the raw pointers are only followed by the queue bit's owner (see each method's
// `# Safety`), and the nodes they point to are `Sync` data of threads parked until woken.
unsafe impl Send for Queue {}
// SAFETY: as for `Send`: all access is serialised by the queue bit.
unsafe impl Sync for Queue {}

impl Queue {
    pub(crate) fn new() -> Self {
        Queue {
            head: UnsafeCell::new(ptr::null()),
            tail: UnsafeCell::new(ptr::null()),
            len: AtomicUsize::new(0),
        }
    }

    /// How many waiters are queued now: a snapshot, which may be stale at once.
    pub(crate) fn len(&self) -> usize {
        // Relaxed: a racy snapshot; nothing is read on the strength of it.
        self.len.load(Ordering::Relaxed)
    }

    /// The owner's update of `len`.
    fn set_len(&self, f: impl FnOnce(usize) -> usize) {
        // Relaxed: only the queue's owner writes `len`, and the queue bit orders the owners;
        // readers take a snapshot.
        let len = self.len.load(Ordering::Relaxed);
        self.len.store(f(len), Ordering::Relaxed);
    }

    /// `true` if no waiter is queued.
    ///
    /// # Safety
    ///
    /// The caller owns the queue bit.
    pub(crate) unsafe fn is_empty(&self) -> bool {
        // SAFETY: the caller owns the queue bit, so nobody writes `head` now.
        self.head.with(|head| unsafe { (*head).is_null() })
    }

    /// Queues `waiter` as the youngest.
    ///
    /// # Safety
    ///
    /// The caller owns the queue bit, and `waiter` stays alive until it is woken or removed.
    pub(crate) unsafe fn push(&self, waiter: &Waiter) {
        let node = ptr::from_ref(waiter);
        // SAFETY: `waiter` is not queued yet; only its own thread sees it.
        waiter.next.with_mut(|next| unsafe { *next = ptr::null() });
        // SAFETY: the caller owns the queue bit: `head`, `tail` and the queued nodes' `next`
        // are ours to read and write, and queued nodes are alive.
        unsafe {
            let tail = self.tail.with(|t| *t);
            if tail.is_null() {
                self.head.with_mut(|h| *h = node);
            } else {
                (*tail).next.with_mut(|next| *next = node);
            }
            self.tail.with_mut(|t| *t = node);
        }
        self.set_len(|len| len + 1);
    }

    /// Unlinks up to `n` of the oldest waiters (all of them for `usize::MAX`), to be woken
    /// with [`Detached::wake_all`] after the queue bit is given up.
    ///
    /// # Safety
    ///
    /// The caller owns the queue bit.
    pub(crate) unsafe fn pop(&self, n: usize) -> Detached {
        let mut count = 0;
        // SAFETY: the caller owns the queue bit.
        unsafe {
            self.pop_while(|_| {
                count += 1;
                count <= n
            })
        }
    }

    /// Unlinks the oldest waiters for as long as `take(tag)` says so (the first `false` stops
    /// it), to be woken with [`Detached::wake_all`] after the queue bit is given up.
    ///
    /// # Safety
    ///
    /// The caller owns the queue bit.
    pub(crate) unsafe fn pop_while(&self, mut take: impl FnMut(usize) -> bool) -> Detached {
        // SAFETY: the caller owns the queue bit (see `push`).
        unsafe {
            let first = self.head.with(|h| *h);
            let mut last: *const Waiter = ptr::null();
            let mut rest = first;
            let mut count = 0;
            while !rest.is_null() && take((*rest).tag) {
                last = rest;
                rest = (*rest).next.with(|next| *next);
                count += 1;
            }
            if !last.is_null() {
                // Cut the detached run off from the rest of the queue.
                (*last).next.with_mut(|next| *next = ptr::null());
            }
            self.head.with_mut(|h| *h = rest);
            if rest.is_null() {
                self.tail.with_mut(|t| *t = ptr::null());
            }
            if count > 0 {
                self.set_len(|len| len - count);
            }
            Detached {
                first: if count == 0 { ptr::null() } else { first },
                count,
            }
        }
    }

    /// Unlinks `waiter` if it is queued; `false` if it is not (a waker took it off).
    ///
    /// # Safety
    ///
    /// The caller owns the queue bit.
    pub(crate) unsafe fn remove(&self, waiter: &Waiter) -> bool {
        let node = ptr::from_ref(waiter);
        // SAFETY: the caller owns the queue bit (see `push`).
        unsafe {
            let mut before: *const Waiter = ptr::null();
            let mut at = self.head.with(|h| *h);
            while !at.is_null() && at != node {
                before = at;
                at = (*at).next.with(|next| *next);
            }
            if at.is_null() {
                return false;
            }
            let after = (*at).next.with(|next| *next);
            if before.is_null() {
                self.head.with_mut(|h| *h = after);
            } else {
                (*before).next.with_mut(|next| *next = after);
            }
            if self.tail.with(|t| *t) == node {
                self.tail.with_mut(|t| *t = before);
            }
            self.set_len(|len| len - 1);
            true
        }
    }
}

/// Waiters taken off the queue, oldest first, linked by their `next`.
pub(crate) struct Detached {
    first: *const Waiter,
    count: usize,
}

impl Detached {
    /// How many waiters were taken off.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Wakes every detached waiter, oldest first. Call it after giving the queue bit up.
    pub(crate) fn wake_all(self) {
        let mut at = self.first;
        while !at.is_null() {
            // SAFETY: a detached node is alive until it is woken, and only this waker reads
            // it; its `next` (the rest of the detached run, or null) was written by the queue
            // owner that detached it — this thread.
            let next = unsafe { &*at }.next.with(|next| unsafe { *next });
            Woken { node: at }.wake();
            at = next;
        }
    }
}

/// Spins until the queue bit is clear, then returns the state seen. (The bit's holder never
/// parks while it holds it; see the module docs.) Under loom `SPIN_LIMIT` is 0 and every round
/// yields, so the checker runs the holder.
pub(crate) fn spin_until_unlocked(state: &AtomicUsize) -> usize {
    let mut spins = 0;
    loop {
        // Relaxed: only a guess for the caller's next CAS, which carries the ordering.
        let s = state.load(Ordering::Relaxed);
        if s & QUEUE_LOCKED == 0 {
            return s;
        }
        #[allow(clippy::absurd_extreme_comparisons)]
        if spins < SPIN_LIMIT {
            spins += 1;
            hint::spin_loop();
        } else {
            thread::yield_now();
        }
    }
}

/// Takes the queue bit whatever the rest of the state is; returns the state with the bit set.
pub(crate) fn lock(state: &AtomicUsize) -> usize {
    loop {
        let s = spin_until_unlocked(state);
        match state.compare_exchange_weak(s, s | QUEUE_LOCKED, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => return s | QUEUE_LOCKED,
            Err(_) => continue,
        }
    }
}

/// The last step of a waiter that holds the queue bit and has pushed its node `waiter`: gives
/// the bit up. While `blocked(s)` holds for the state seen (no permit; the flag clear) it sets
/// `WAITERS` and returns `None`: the caller parks. Once `blocked` fails it takes the node back
/// out and, in the same CAS, applies `leave` to the primitive's own bits (the semaphore takes
/// its permit; the event changes nothing), returning `Some` of the state that CAS replaced:
/// the caller does not park. The module docs say why no wake-up is lost between the two.
///
/// # Safety
///
/// The caller owns the queue bit of `state`, whose queue is `queue`, and `waiter` is its own
/// node in that queue, alive until the caller sees it notified or removed.
pub(crate) unsafe fn queue_or_leave(
    state: &AtomicUsize,
    queue: &Queue,
    waiter: &Waiter,
    mut s: usize,
    blocked: impl Fn(usize) -> bool,
    leave: impl Fn(usize) -> usize,
) -> Option<usize> {
    loop {
        if blocked(s) {
            let new = (s | WAITERS) & !QUEUE_LOCKED;
            // Release: ends this owner's turn (the node it pushed); pairs with the Acquire CAS
            // of the next queue owner (`lock`, or a queueing waiter's own CAS).
            match state.compare_exchange(s, new, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return None,
                Err(actual) => s = actual,
            }
        } else {
            // SAFETY: the caller owns the queue bit, and `waiter` is its node in the queue.
            let removed = unsafe { queue.remove(waiter) };
            debug_assert!(removed, "only the queue's owner unlinks a node");
            // SAFETY: as above.
            let waiters = if unsafe { queue.is_empty() } {
                0
            } else {
                WAITERS
            };
            let new = (leave(s) & !(QUEUE_LOCKED | WAITERS)) | waiters;
            // AcqRel. Acquire: what made `blocked` fail; pairs with the Release RMW of the
            // waker that changed the primitive's bits (`Semaphore::release_bounded` returning
            // a permit, `Event::set` setting the flag). Release: ends this owner's turn, as
            // above.
            match state.compare_exchange(s, new, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return Some(s),
                Err(actual) => {
                    // A node removed is not queued again: retry the whole step from the top
                    // with the node back in.
                    // SAFETY: the caller still owns the queue bit; the node is its own and
                    // alive.
                    unsafe { queue.push(waiter) };
                    s = actual;
                }
            }
        }
    }
}

/// A timed-out waiter leaves the queue: takes the queue bit, unlinks `waiter`, gives the bit
/// up. Returns `true` if the node was still queued; `false` if a waker had already taken it
/// off — its wake is then on the way, and this waits for it, so that the node may be dropped.
///
/// # Safety
///
/// `waiter` is the caller's own node, pushed into `queue`, the queue of `state`, and alive.
pub(crate) unsafe fn withdraw(state: &AtomicUsize, queue: &Queue, waiter: &Waiter) -> bool {
    let s = lock(state);
    // SAFETY: we own the queue bit, and the queue is this word's.
    let removed = unsafe { queue.remove(waiter) };
    // SAFETY: as above.
    unsafe { unlock(state, queue, s, |s| s) };
    if !removed {
        waiter.wait();
    }
    removed
}

/// Gives the queue bit up, setting `WAITERS` as `queue` is empty or not and applying `f` to the
/// primitive's own bits. `s` is the state the caller last saw (with the bit set).
///
/// # Safety
///
/// The caller owns the queue bit of `state`, whose queue is `queue`.
pub(crate) unsafe fn unlock(
    state: &AtomicUsize,
    queue: &Queue,
    mut s: usize,
    f: impl Fn(usize) -> usize,
) -> usize {
    // SAFETY: the caller owns the queue bit.
    let waiters = if unsafe { queue.is_empty() } {
        0
    } else {
        WAITERS
    };
    loop {
        let new = (f(s) & !(QUEUE_LOCKED | WAITERS)) | waiters;
        // Release: ends this owner's turn (its writes to the list); pairs with the Acquire CAS
        // in `lock` (or a waiter's own queue-taking CAS) of the next owner.
        match state.compare_exchange_weak(s, new, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => return new,
            Err(actual) => s = actual,
        }
    }
}
