//! How long an idle worker looks for work before it parks: [`IDLE_SPINS`], and the
//! [`QueuedHint`] it watches meanwhile.

use crate::sync::internal::atomic::{AtomicUsize, Ordering};
use crate::sync::{hint, thread};

/// How many times an idle worker looks for work again before it registers as idle and parks.
///
/// Parking at once costs a futex wake per task while workers are idle (measured: ~0.95 wakes
/// per task for 100,000 empty tasks on 5 workers), and the hand-off is 4–8 µs. A worker that
/// looks again for a little while — yielding its core to the submitter — is usually there
/// for the next task without one. Zero under loom, like every spin; two under shuttle, so
/// the path is exercised.
pub(crate) const IDLE_SPINS: u32 = if cfg!(loom) {
    0
} else if cfg!(shuttle) {
    2
} else {
    4
};

/// Rounds of the wait in [`QueuedHint::wait_for_work`]: a few pure spins, then yields.
const WAIT_ROUNDS: u32 = 32;
const WAIT_SPINS: u32 = 8;

/// How many jobs are queued: a hint for looking workers, written under the pool's lock and read
/// without it. Never trusted for correctness — a worker re-checks the queue under the lock —
/// and not maintained at all where [`IDLE_SPINS`] is 0 (loom).
pub(crate) struct QueuedHint {
    queued: AtomicUsize,
}

impl QueuedHint {
    pub(crate) fn new() -> Self {
        QueuedHint {
            queued: AtomicUsize::new(0),
        }
    }

    /// Publishes the queue length; call with the pool's lock held.
    #[inline]
    pub(crate) fn note(&self, len: usize) {
        #[allow(clippy::absurd_extreme_comparisons)] // IDLE_SPINS is 0 under loom, by design
        if IDLE_SPINS > 0 {
            // Relaxed: a hint; whoever acts on it takes the lock, which orders the queue.
            self.queued.store(len, Ordering::Relaxed);
        }
    }

    /// Waits a little for the queue to fill, without the lock: spins, then yields its core
    /// (on an oversubscribed machine the submitter needs it). Returns early once a job shows.
    pub(crate) fn wait_for_work(&self) {
        for round in 0..WAIT_ROUNDS {
            // Relaxed: a hint (see the type's docs).
            if self.queued.load(Ordering::Relaxed) > 0 {
                return;
            }
            if round < WAIT_SPINS {
                hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
    }
}
