//! [`Deadline`]: the timed park behind `wait_timeout` and `get_timeout`.
//!
//! std builds park with `std::thread::park_timeout` until the deadline. loom has no time and
//! shuttle does not model it (its `park_timeout` is a plain `park`), so in checker builds a
//! timed park *times out at once*: the wait registers, meets one more scheduling point, and
//! gives up. Which of "the result was written first" and "the wait timed out first" happens is
//! then the schedule's choice, and the checker explores both — including the race between the
//! waiter withdrawing and the writer waking it, the one place a timed wait differs from `wait`.
//! That is a refinement, not an approximation: a real `park_timeout` may return at any moment
//! too (spuriously, or because the deadline is short).

use core::time::Duration;

/// When a timed wait gives up.
pub(crate) struct Deadline {
    /// `None`: a timeout too long to represent, which never ends (std builds).
    #[cfg(not(any(loom, shuttle)))]
    at: Option<std::time::Instant>,
}

impl Deadline {
    pub(crate) fn after(timeout: Duration) -> Self {
        #[cfg(not(any(loom, shuttle)))]
        {
            Deadline {
                at: std::time::Instant::now().checked_add(timeout),
            }
        }
        #[cfg(any(loom, shuttle))]
        {
            let _ = timeout;
            Deadline {}
        }
    }

    /// Parks the calling thread until it is unparked (or wakes spuriously), or the deadline
    /// passes; returns `false` once it has passed, without parking.
    pub(crate) fn park(&self) -> bool {
        #[cfg(not(any(loom, shuttle)))]
        {
            // std builds: the facade *is* std, which has the timed park loom lacks (see the
            // module docs; clippy.toml bans it in checker builds, where this is compiled out).
            match self.at {
                None => {
                    crate::sync::internal::thread::park();
                    true
                }
                Some(at) => {
                    let now = std::time::Instant::now();
                    if now >= at {
                        return false;
                    }
                    std::thread::park_timeout(at - now);
                    true
                }
            }
        }
        #[cfg(any(loom, shuttle))]
        {
            false
        }
    }
}
