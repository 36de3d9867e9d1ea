//! Which face racelab's primitives show a checker: their **spec** or their **implementation**.
//!
//! In loom and shuttle builds every racelab primitive ([`RawLock`](crate::RawLock),
//! [`Lock<T>`](crate::Lock), and the lock inside the [`ThreadPool`](crate::ThreadPool)) exists
//! twice:
//!
//! | face | what the checker sees | who explores it |
//! |---|---|---|
//! | [`Face::Spec`] (the default) | one scheduling point per operation; blocking is the checker's own (loom's `Mutex`, shuttle's semaphore), so a deadlock is found natively and reported with its wait-for cycle; a release happens-before the next acquire | every program that *uses* the primitive: the models, your crate |
//! | [`Face::Implementation`] | the real algorithm: every CAS, queue push, park and wake a scheduling point | the primitive's own suites (`tests/loom_lock.rs`, `tests/loom_pool.rs`, …) |
//!
//! A client explored against the spec pays one choice per lock operation, as with the
//! checker's own mutex, instead of re-proving the lock in every execution. That is sound
//! because the implementation is proved against the same contract by its own suites — see
//! "What justifies the spec" on [`RawLock`](crate::RawLock) — and `cargo xtask hunt` runs the
//! same clients under both faces and compares their verdicts.
//!
//! std builds have one face, the implementation, at no cost: [`current`] is always
//! [`Face::Implementation`] there and [`with`] only calls its closure.
//!
//! The face is chosen when a primitive is *created*: [`Explorer::face`](crate::check::Explorer::face)
//! sets it for every execution of a check; [`with`] sets it around any other code (a hand-written
//! `loom::model` body, say).

#[cfg(any(loom, shuttle))]
use core::cell::Cell;

/// Which face racelab's primitives show the checker (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Face {
    /// One scheduling point per operation, blocking modelled by the checker: what programs
    /// that use racelab's primitives are explored against. The default in checker builds.
    #[default]
    Spec,
    /// The real algorithm, every atomic step explored: what racelab's own primitive suites
    /// explore. The only face of a std build.
    Implementation,
}

impl Face {
    /// The face's name in reports: `"spec"` or `"implementation"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Face::Spec => "spec",
            Face::Implementation => "implementation",
        }
    }
}

impl core::fmt::Display for Face {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

// Per OS thread: loom and shuttle run every model thread as a coroutine of the OS thread that
// runs the check, so a face set around a check is seen by all of its threads, and checks on
// other OS threads (other tests of the same binary) keep their own.
#[cfg(any(loom, shuttle))]
std::thread_local! {
    static FACE: Cell<Face> = const { Cell::new(Face::Spec) };
}

/// The face primitives created now get.
#[must_use]
#[inline]
pub fn current() -> Face {
    #[cfg(any(loom, shuttle))]
    {
        FACE.with(Cell::get)
    }
    #[cfg(not(any(loom, shuttle)))]
    {
        Face::Implementation
    }
}

/// Runs `f` with primitives created inside it showing `face`; the previous face is restored
/// afterwards, also when `f` panics.
///
/// # Examples
///
/// ```
/// use racelab::face::{self, Face};
///
/// let lock = face::with(Face::Implementation, racelab::RawLock::new);
/// # drop(lock);
/// ```
pub fn with<R>(face: Face, f: impl FnOnce() -> R) -> R {
    #[cfg(any(loom, shuttle))]
    {
        struct Restore(Face);
        impl Drop for Restore {
            fn drop(&mut self) {
                FACE.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(FACE.with(|c| c.replace(face)));
        f()
    }
    #[cfg(not(any(loom, shuttle)))]
    {
        let _ = face;
        f()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_restores_the_previous_face_also_after_a_panic() {
        let before = current();
        let inside = with(Face::Implementation, current);
        assert_eq!(inside, Face::Implementation);
        assert_eq!(current(), before);
        let caught = std::panic::catch_unwind(|| with(Face::Implementation, || panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(current(), before);
        if cfg!(any(loom, shuttle)) {
            assert_eq!(before, Face::Spec);
            assert_eq!(with(Face::Spec, current), Face::Spec);
        } else {
            // std builds have only the implementation.
            assert_eq!(with(Face::Spec, current), Face::Implementation);
        }
    }
}
