//! The semaphore's error type.

use core::fmt;

/// [`BoundedSemaphore::release`](super::BoundedSemaphore::release) (or `release_n`) would raise
/// the count above the initial value: more releases than acquires.
///
/// The count is left as it was: none of the `released` permits is added. Python raises
/// `ValueError: Semaphore released too many times` here; racelab returns this error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OverReleaseError {
    /// The permits the release tried to return.
    pub released: usize,
    /// The permits available when it tried.
    pub available: usize,
    /// The semaphore's initial (and largest) count.
    pub initial: usize,
}

impl fmt::Display for OverReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let OverReleaseError {
            released,
            available,
            initial,
        } = self;
        write!(
            f,
            "semaphore released too many times: releasing {released} with {available} available \
             would exceed the bounded semaphore's initial count of {initial}"
        )
    }
}

impl std::error::Error for OverReleaseError {}
