//! A std `UnsafeCell` with loom's closure API (used by the std and shuttle backends).

/// A std `UnsafeCell` behind loom's API: access goes through a closure that receives the
/// raw pointer, so loom can record each access where it happens. On std the closures
/// inline to a plain pointer read.
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    #[inline]
    pub const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    /// Wraps `value`, called `name` in a checker build's traces (std builds ignore the name).
    #[inline]
    #[cfg_attr(shuttle, allow(dead_code))] // shuttle: the traced cell wraps this one
    pub const fn named(name: &str, value: T) -> Self {
        let _ = name;
        Self::new(value)
    }

    /// Unwraps the value.
    #[inline]
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a shared pointer to the contents.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a mutable pointer to the contents.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

// std builds: `trace::label(&cell, "data")` compiles and names nothing.
#[cfg(not(any(loom, shuttle)))]
impl<T: ?Sized> crate::trace::Traced for UnsafeCell<T> {
    #[inline(always)]
    fn trace_key(&self) -> usize {
        0
    }
}
