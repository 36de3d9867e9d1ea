//! The loom backend: loom's types under std's names.

pub(super) const NAME: &str = "loom";

pub use loom::sync::Arc;

/// Atomics and fences (loom: every access is a scheduling point under the C11 model).
pub mod atomic {
    pub use loom::sync::atomic::{
        fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr,
        AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };
}

/// Threads, parking and yielding (loom).
pub mod thread {
    pub use loom::thread::{
        current, panicking, park, spawn, yield_now, Builder, JoinHandle, Thread, ThreadId,
    };
}

/// Spin hints (loom: a yield, so spin loops terminate under exploration).
pub mod hint {
    pub use loom::hint::spin_loop;
}

/// loom's `UnsafeCell`: every `with` / `with_mut` is checked for causality.
pub mod cell {
    pub use loom::cell::UnsafeCell;
}
