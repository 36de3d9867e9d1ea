//! [`LazyLock`] in checker builds: a [`Once`] that runs the stored initialiser.

use core::fmt;
use core::ops::Deref;

use crate::sync::internal::cell::UnsafeCell;

use super::Once;

/// std's `LazyLock<T, F>`, in a checker build: the value is computed by `F` on first access
/// (from whichever thread gets there first; others wait), once. As in std, an initialiser
/// that panics poisons the lock: every later access panics.
///
/// Unlike std's, `new` is not `const`, so a checker build cannot have a `static LazyLock`
/// (a checker's objects belong to one execution): create it inside the checked body.
pub struct LazyLock<T, F = fn() -> T> {
    once: Once,
    init: UnsafeCell<Option<F>>,
    value: UnsafeCell<Option<T>>,
}

/// As std's: forcing from any thread runs `F` there and shares `&T`.
// SAFETY: `init` and `value` are written only inside the `Once`, before any reader can see
// `value`.
unsafe impl<T: Sync + Send, F: Send> Sync for LazyLock<T, F> {}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// A lazy value computed by `f` on first access.
    pub fn new(f: F) -> Self {
        LazyLock {
            once: Once::new(),
            init: UnsafeCell::new(Some(f)),
            value: UnsafeCell::new(None),
        }
    }

    /// The value, computed first if this is the first access.
    ///
    /// # Panics
    ///
    /// If the initialiser panics, now or in an earlier access.
    pub fn force(this: &LazyLock<T, F>) -> &T {
        this.once.call_once_force(|state| {
            assert!(
                !state.is_poisoned(),
                "LazyLock instance has previously been poisoned"
            );
            // SAFETY: inside the `Once`: the only access to `init`.
            let f = this.init.with_mut(|f| unsafe { (*f).take() });
            let f = f.expect("LazyLock instance has previously been poisoned");
            let value = f();
            // SAFETY: inside the `Once`: the only writer of `value`, before any reader.
            this.value.with_mut(|v| unsafe { *v = Some(value) });
        });
        // SAFETY: the `Once` completed (its closure's writes happen-before this) and `value`
        // is never written again while `this` lives.
        let value = this.value.with(|v| unsafe { (*v).as_ref() });
        value.expect("racelab: a completed LazyLock holds its value")
    }

    /// The value if computed, else the initialiser.
    ///
    /// # Errors
    ///
    /// `Err(f)` with the initialiser if the value was never computed.
    ///
    /// # Panics
    ///
    /// If the initialiser panicked.
    pub fn into_inner(this: Self) -> Result<T, F> {
        match (this.value.into_inner(), this.init.into_inner()) {
            (Some(value), _) => Ok(value),
            (None, Some(f)) => Err(f),
            (None, None) => panic!("LazyLock instance has previously been poisoned"),
        }
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    fn default() -> Self {
        LazyLock::new(T::default)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyLock").finish_non_exhaustive()
    }
}
