//! [`OnceLock`] in checker builds: a [`Once`] and the checker's `UnsafeCell`.

use core::fmt;

use crate::sync::internal::cell::UnsafeCell;

use super::Once;

/// std's `OnceLock<T>`, in a checker build: written once, by the first `set` or `get_or_init`;
/// concurrent initialisers wait for it, and the value's initialisation happens-before every
/// `get` that sees it. An initialiser that panics leaves the cell empty for the next one, as
/// in std.
///
/// Unlike std's, `new` is not `const` (a checker's objects belong to one execution).
pub struct OnceLock<T> {
    once: Once,
    value: UnsafeCell<Option<T>>,
}

/// As std's: the value is shared (`&T` from any thread) and may be set from any thread.
// SAFETY: the value is written once, inside the `Once`, before any reader can see it.
unsafe impl<T: Sync + Send> Sync for OnceLock<T> {}
/// As std's.
// SAFETY: sending the cell sends the value.
unsafe impl<T: Send> Send for OnceLock<T> {}

impl<T> OnceLock<T> {
    /// An empty cell.
    #[must_use]
    pub fn new() -> Self {
        OnceLock {
            once: Once::new(),
            value: UnsafeCell::new(None),
        }
    }

    /// The value, if it is set.
    pub fn get(&self) -> Option<&T> {
        if self.once.is_completed() {
            // SAFETY: completed: the value was written inside the `Once` (which
            // happens-before this) and is never written again while `&self` lives.
            self.value.with(|v| unsafe { (*v).as_ref() })
        } else {
            None
        }
    }

    /// The value, mutably, if it is set.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        // SAFETY: `&mut self` is exclusive.
        self.value.with_mut(|v| unsafe { (*v).as_mut() })
    }

    /// Sets the value if the cell is empty.
    ///
    /// # Errors
    ///
    /// `Err(value)` if the cell was already set (or another thread set it first).
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        self.get_or_init(|| value.take().expect("the initialiser runs once"));
        match value {
            None => Ok(()),
            Some(value) => Err(value),
        }
    }

    /// The value, initialised by `f` first if the cell is empty. Concurrent callers wait for
    /// the one that runs `f`.
    ///
    /// # Panics
    ///
    /// Whatever `f` panics with (the cell stays empty).
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        self.once.call_once_force(|_| {
            let value = f();
            // SAFETY: inside the `Once`: the only writer, and no reader before it completes.
            self.value.with_mut(|v| unsafe { *v = Some(value) });
        });
        self.get()
            .expect("racelab: a completed OnceLock holds its value")
    }

    /// The value, if it was set.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        core::mem::take(self).into_inner()
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> Self {
        OnceLock::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    fn from(value: T) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(value);
        cell
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("OnceLock");
        match self.get() {
            Some(v) => d.field(v),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}
