//! The facade's `UnsafeCell` in checker builds: the checker's cell (loom's, which checks each
//! access for causality; shuttle's std adapter), plus a trace row per access: `read data` for
//! [`with`](UnsafeCell::with), `write data` for [`with_mut`](UnsafeCell::with_mut).
//!
//! The row is recorded as the access begins: loom reports a data race as the racing access
//! begins, and the row is then that failure's last step.

use core::fmt;

use crate::sync::internal::cell as raw;
use crate::trace;

/// loom's API (`with` / `with_mut` closures) over the checker's cell, every access a trace row.
pub struct UnsafeCell<T: ?Sized> {
    key: usize,
    inner: raw::UnsafeCell<T>,
}

impl<T> UnsafeCell<T> {
    /// Wraps `value` (`cell#n` in traces).
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self::create(None, value)
    }

    /// Wraps `value`, called `name` in traces.
    #[track_caller]
    pub fn named(name: &str, value: T) -> Self {
        Self::create(Some(name), value)
    }

    #[track_caller]
    fn create(name: Option<&str>, value: T) -> Self {
        UnsafeCell {
            key: trace::object("cell", name),
            inner: raw::UnsafeCell::new(value),
        }
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a shared pointer to the contents: `read {name}`.
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        trace::access(self.key, |n| format!("read {n}"));
        self.inner.with(f)
    }

    /// Calls `f` with a mutable pointer to the contents: `write {name}`.
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        trace::access(self.key, |n| format!("write {n}"));
        self.inner.with_mut(f)
    }
}

impl<T: Default> Default for UnsafeCell<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized> trace::Traced for UnsafeCell<T> {
    fn trace_key(&self) -> usize {
        self.key
    }
}

impl<T: ?Sized> fmt::Debug for UnsafeCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsafeCell").finish_non_exhaustive()
    }
}
