//! The lock's error type.

use core::fmt;

/// [`RawLock::release`](super::RawLock::release) was called on a lock that was not held.
///
/// The lock is left as it was. Python raises `RuntimeError: release unlocked lock` here;
/// racelab returns this error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReleaseError;

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("release of an unlocked lock: release() was called while the lock was not held")
    }
}

impl std::error::Error for ReleaseError {}
