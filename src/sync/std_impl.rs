//! The std backend: std's types, with `UnsafeCell` adapted to loom's closure API.

pub(super) const NAME: &str = "std";

pub use std::sync::Arc;

/// Atomics and fences (std).
pub mod atomic {
    pub use std::sync::atomic::{
        fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr,
        AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };
}

/// Threads, parking and yielding (std).
pub mod thread {
    pub use std::thread::{
        current, panicking, park, spawn, yield_now, Builder, JoinHandle, Thread, ThreadId,
    };
}

/// Spin hints (std).
pub mod hint {
    pub use std::hint::spin_loop;
}

/// `UnsafeCell` with loom's `with` / `with_mut` API.
pub mod cell {
    pub use super::super::std_cell::UnsafeCell;
}
