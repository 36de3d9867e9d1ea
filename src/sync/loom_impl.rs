//! The loom backend: loom's types under std's names, the atomics, cell and threads traced.

pub(super) const NAME: &str = "loom";

pub use loom::sync::Arc;

/// Atomics and fences: loom's (every access a scheduling point under the C11 model), each
/// operation a trace row. [`Named`](atomic::Named) creates one with its name in traces.
pub mod atomic {
    pub use super::super::named::Named;
    pub use super::super::traced::atomic::*;
}

/// Threads, parking and yielding: loom's, named in spawn order and traced; `scope` added
/// (loom has none); `sleep` panics (loom has no time).
pub mod thread {
    pub use super::super::traced::thread::*;
}

/// Spin hints (loom: a yield, so spin loops terminate under exploration).
pub mod hint {
    pub use loom::hint::spin_loop;
}

/// `UnsafeCell`: loom's (every `with` / `with_mut` checked for causality), each access a trace
/// row.
pub mod cell {
    pub use super::super::traced::cell::UnsafeCell;
}

/// loom's own atomics, cell and threads, untraced: what racelab's primitives use.
pub(crate) mod raw {
    pub(crate) mod atomic {
        pub use loom::sync::atomic::{
            fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr,
            AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }

    pub(crate) mod thread {
        pub use loom::thread::{
            current, panicking, park, yield_now, Builder, JoinHandle, Thread, ThreadId,
        };
    }

    pub(crate) mod cell {
        pub use loom::cell::UnsafeCell;
    }
}
