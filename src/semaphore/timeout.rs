//! Timed waits in checker builds: a clear compile error instead of a fake clock.

/// The bound on the timed waits (`Semaphore::acquire_timeout`, `BoundedSemaphore::acquire_timeout`,
/// `Event::wait_timeout`) in loom and shuttle builds. No type implements it, so a call there
/// does not compile, and the error says why: loom has no time, and a timeout that a checker
/// neither fires nor explores would prove nothing. In std builds the timed waits take a
/// [`Duration`](std::time::Duration) and this trait is not used.
#[diagnostic::on_unimplemented(
    message = "racelab: timed waits exist only in std builds (loom and shuttle have no time)",
    label = "a timed wait in a loom or shuttle build",
    note = "explore the untimed wait (`acquire`, `wait`) under the checkers, and test the timeout on real threads"
)]
pub trait NoTimeInCheckerBuilds: sealed::Sealed {}

mod sealed {
    /// Keeps [`super::NoTimeInCheckerBuilds`] unimplementable outside racelab.
    pub trait Sealed {}
}
