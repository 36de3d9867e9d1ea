//! What a timed wait returns, and why checker builds have none.

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

/// Timed waits are left out of loom and shuttle builds, as a compile error rather than a
/// missing method: [`RLock::acquire_timeout`](crate::RLock::acquire_timeout),
/// [`Condition::wait_timeout`](super::Condition::wait_timeout) (and `wait_timeout_while`),
/// [`Barrier::wait_timeout`](crate::Barrier::wait_timeout).
///
/// loom has no time, and a timeout the checker does not explore would let a program pass that
/// deadlocks without it: a check must not quietly take the untimed path. In checker builds
/// those methods take their timeout as a type that must implement this trait, and nothing
/// does (it is sealed), so a call does not compile, with this message. Explore the program's untimed logic
/// (the wait a timeout would cut short is a deadlock the checker reports), and keep timed
/// waits behind `#[cfg(not(any(loom, shuttle)))]`.
#[diagnostic::on_unimplemented(
    message = "racelab: timed waits exist in std builds only (loom has no time; a timeout the checker never explores would hide the deadlock it cuts short)",
    label = "a timeout in a `--cfg loom` / `--cfg shuttle` build",
    note = "check the untimed wait instead, and put the timed call behind `#[cfg(not(any(loom, shuttle)))]`"
)]
pub trait TimedWaitsNeedStd: sealed::Sealed {}

/// Sealed: no crate can implement [`TimedWaitsNeedStd`] (and so reach a checker build's
/// stand-in methods, which only exist to carry the message).
mod sealed {
    pub trait Sealed {}
}
