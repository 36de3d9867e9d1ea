//! The shuttle backend: shuttle's types under std's names.
//!
//! Shuttle serialises execution and treats every atomic as SeqCst, so it has no `UnsafeCell`
//! of its own: the std adapter is used, and data races on plain memory are loom's to find.

pub(super) const NAME: &str = "shuttle";

pub use shuttle::sync::Arc;

/// Atomics and fences (shuttle: each access is a scheduling point; all are SeqCst).
pub mod atomic {
    pub use shuttle::sync::atomic::{
        fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr,
        AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };
}

/// Threads, parking and yielding (shuttle).
pub mod thread {
    pub use shuttle::thread::{
        current, panicking, park, spawn, yield_now, Builder, JoinHandle, Thread, ThreadId,
    };
}

/// Spin hints (shuttle: a yield).
pub mod hint {
    pub use shuttle::hint::spin_loop;
}

/// `UnsafeCell` with loom's API (the std adapter; shuttle does not track plain memory).
pub mod cell {
    pub use super::super::std_cell::UnsafeCell;
}
