//! The std backend: std's types, with `UnsafeCell` adapted to loom's closure API.

pub(super) const NAME: &str = "std";

pub use std::sync::Arc;

/// Atomics and fences (std's own types). [`Named`](atomic::Named) creates one (std ignores
/// the name).
pub mod atomic {
    pub use super::super::named::Named;
    pub use std::sync::atomic::{
        fence, AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr,
        AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };
}

/// Threads, parking and yielding (std).
pub mod thread {
    pub use std::thread::{
        current, panicking, park, scope, sleep, spawn, yield_now, Builder, JoinHandle, Scope,
        ScopedJoinHandle, Thread, ThreadId,
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

/// The same types: std builds trace nothing, so racelab's primitives use what programs use.
pub(crate) mod raw {
    pub(crate) use super::{atomic, cell, thread};
}

// std builds: `AtomicUsize::named("count", 0)` and `trace::label(&count, "count")` compile
// (and name nothing) on std's own atomics, so a program that names its atomics needs no cfg.
macro_rules! std_atomics {
    ($($name:ident$(<$p:ident>)?($value:ty)),* $(,)?) => {$(
        impl$(<$p>)? super::named::Named for std::sync::atomic::$name$(<$p>)? {
            type Value = $value;
            #[inline(always)]
            fn named(_name: &str, value: $value) -> Self {
                Self::new(value)
            }
        }

        impl$(<$p>)? crate::trace::Traced for std::sync::atomic::$name$(<$p>)? {
            #[inline(always)]
            fn trace_key(&self) -> usize {
                0
            }
        }
    )*};
}

std_atomics!(
    AtomicBool(bool),
    AtomicI8(i8),
    AtomicI16(i16),
    AtomicI32(i32),
    AtomicI64(i64),
    AtomicIsize(isize),
    AtomicU8(u8),
    AtomicU16(u16),
    AtomicU32(u32),
    AtomicU64(u64),
    AtomicUsize(usize),
    AtomicPtr<T>(*mut T),
);
