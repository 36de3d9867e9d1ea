//! [`Sleeper`]: how an idle worker parks, and how a waker lets it go.

use crate::sync::internal::atomic::{AtomicBool, Ordering};
use crate::sync::internal::thread::{self, Thread};
use crate::sync::Arc;

/// A parked idle worker: its thread, and a flag that says "stop parking".
///
/// # Protocol
///
/// 1. The worker, holding the pool's lock, calls [`prepare`](Self::prepare) (the flag becomes
///    `false`) and lists itself in `State::idle`; it unlocks and calls [`sleep`](Self::sleep).
/// 2. A waker, holding the same lock, takes the sleeper off the list; after unlocking it calls
///    [`wake`](Self::wake) (the flag becomes `true`, then `unpark`).
/// 3. `sleep` parks until it reads `true`, so a spurious unpark, or the token of an older
///    `unpark`, only makes it look at the flag again.
///
/// # Why every access is Relaxed
///
/// The flag carries no data. The woken worker's next step is to take the pool's lock, and that
/// lock's Acquire is what orders everything it reads next; the flag only ends the park loop.
/// What remains is that `sleep` must not stop on a stale `true` from an earlier round, nor
/// miss the new one, and coherence — which holds for Relaxed accesses too — gives both:
///
/// - this round's `false` happens-before this round's `true`: `prepare` stores it in the same
///   critical section that lists the sleeper, and the waker's critical section that unlists it
///   comes later in the lock's order (its Acquire pairs with the worker's unlock), before its
///   `wake`. So `true` follows `false` in the flag's modification order;
/// - the previous round's `true` comes before this round's `false` in that order: the worker
///   read it in `sleep` before it called `prepare` (read, then write, on one thread).
///
/// So once `prepare` has run, the only `true` left to read is this round's, and the `unpark`
/// after it makes the `park` that would otherwise wait for it return.
///
/// The consumer of an `imap_unordered` iterator parks the same way, with its completion
/// queue's lock in the pool's lock's place (see `imap.rs`); it takes a fresh `Sleeper` for
/// each wait, so a stale `true` can only be an older sleeper's.
pub(crate) struct Sleeper {
    thread: Thread,
    /// `true` once a waker has taken this sleeper off the idle list (see the protocol above).
    woken: AtomicBool,
}

impl Sleeper {
    /// A sleeper for the current thread.
    pub(crate) fn current() -> Arc<Self> {
        Arc::new(Sleeper {
            thread: thread::current(),
            woken: AtomicBool::new(false),
        })
    }

    /// Called under the pool's lock, just before listing this sleeper as idle.
    pub(crate) fn prepare(&self) {
        // Relaxed: see "Why every access is Relaxed" on the type; the waker's `true` store is
        // Relaxed too, and ordered after this one by the pool's lock.
        self.woken.store(false, Ordering::Relaxed);
    }

    /// Parks until a waker has taken this worker off the idle list.
    pub(crate) fn sleep(&self) {
        // Relaxed: the flag only ends the loop; the pool's lock, taken next, orders the data
        // (see the type's docs).
        while !self.woken.load(Ordering::Relaxed) {
            thread::park();
        }
    }

    /// Wakes a sleeper that the caller took off the idle list (under the pool's lock, now
    /// released).
    pub(crate) fn wake(&self) {
        // Relaxed: see the type's docs; it follows `prepare`'s `false` through the lock.
        self.woken.store(true, Ordering::Relaxed);
        self.thread.unpark();
    }
}
