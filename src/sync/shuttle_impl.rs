//! The shuttle backend: shuttle's types under std's names, the atomics, cell and threads
//! traced.
//!
//! Shuttle serialises execution and treats every atomic as SeqCst, so it has no `UnsafeCell`
//! of its own: the std adapter is used, and data races on plain memory are loom's to find.

pub(super) const NAME: &str = "shuttle";

pub use shuttle::sync::Arc;

/// Atomics and fences: shuttle's (each access a scheduling point; all are SeqCst), each
/// operation a trace row. [`Named`](atomic::Named) creates one with its name in traces.
pub mod atomic {
    pub use super::super::named::Named;
    pub use super::super::traced::atomic::*;
}

/// Threads, parking and yielding: shuttle's, named in spawn order and traced.
pub mod thread {
    pub use super::super::traced::thread::*;
}

/// Spin hints (shuttle: a yield).
pub mod hint {
    pub use shuttle::hint::spin_loop;
}

/// `UnsafeCell` with loom's API (the std adapter; shuttle does not track plain memory), each
/// access a trace row.
pub mod cell {
    pub use super::super::traced::cell::UnsafeCell;
}

/// shuttle's own atomics and threads and the std cell adapter, untraced: what racelab's
/// primitives use.
pub(crate) mod raw {
    pub(crate) mod atomic {
        pub use shuttle::sync::atomic::{
            fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr,
            AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }

    pub(crate) mod thread {
        pub use shuttle::thread::{
            current, panicking, park, sleep, yield_now, Builder, JoinHandle, Thread, ThreadId,
        };
    }

    pub(crate) mod cell {
        pub use super::super::super::std_cell::UnsafeCell;
    }
}
