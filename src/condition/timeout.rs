//! What a timed wait returns, and when it gives up.

use core::time::Duration;

/// Whether a timed wait ([`Condition::wait_timeout`](super::Condition::wait_timeout)) gave up
/// because its time ran out (std's `WaitTimeoutResult`; Python's `wait` returns `False` then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(pub(crate) bool);

impl WaitTimeoutResult {
    /// `true` if the wait ended because the time ran out, not because of a notify.
    #[must_use]
    pub fn timed_out(self) -> bool {
        self.0
    }
}

/// When a timed wait gives up.
///
/// std builds: at the deadline. loom has no time and shuttle does not model it, so in checker
/// builds a timed wait gives up *at once*: it registers as a waiter, meets at least one more
/// scheduling point (taking the waiter queue's lock to withdraw), and times out unless a
/// notify chose it first. Which of the two happens is the schedule's, and the checker explores
/// both — including the race between the withdrawal and the notify, the one place a timed wait
/// differs from an untimed one. That is a refinement, not an approximation: a real timeout may
/// run out at any point too (a short timeout, a slow thread), so every outcome explored is one
/// a real run can have. (The pool's `get_timeout` is checked the same way.)
pub(crate) struct Deadline {
    /// `None`: a timeout too long to represent, which never runs out.
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

    /// The time left, or `None` once the deadline has passed. Checker builds: always passed.
    #[cfg(not(any(loom, shuttle)))]
    pub(crate) fn remaining(&self) -> Option<Option<Duration>> {
        match self.at {
            None => Some(None),
            Some(at) => at
                .checked_duration_since(std::time::Instant::now())
                .filter(|left| !left.is_zero())
                .map(Some),
        }
    }
}
