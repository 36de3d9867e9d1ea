//! The barrier's error types.

use core::fmt;

/// [`Barrier::new`](super::Barrier::new) or [`Barrier::with_action`](super::Barrier::with_action)
/// was asked for 0 parties: a barrier nobody can trip. Python raises `ValueError: parties must
/// be >= 1` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BarrierError;

impl fmt::Display for BarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("parties must be >= 1: a barrier for 0 threads could never trip")
    }
}

impl std::error::Error for BarrierError {}

/// A [`Barrier::wait`](super::Barrier::wait) found the barrier broken, or it broke while the
/// thread waited: [`abort`](super::Barrier::abort) or [`reset`](super::Barrier::reset) was
/// called, a timed wait ran out, or the action panicked. Python raises
/// `threading.BrokenBarrierError` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "waiting on a broken barrier: it was aborted or reset, a timed wait ran out, or its \
             action panicked (Python's BrokenBarrierError)",
        )
    }
}

impl std::error::Error for BrokenBarrier {}
