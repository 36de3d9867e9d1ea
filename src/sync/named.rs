//! [`Named`]: an atomic created with the name traces show for it.

/// Creates an atomic with the name a failure's trace shows for it (`load count = 0
/// (Relaxed)`), under every backend: std builds ignore the name (their atomics are std's own),
/// checker builds keep it with the object, so it survives moves.
///
/// # Examples
///
/// ```
/// use racelab::sync::atomic::{AtomicUsize, Named, Ordering};
///
/// let count = AtomicUsize::named("count", 0);
/// count.fetch_add(1, Ordering::Relaxed);
/// assert_eq!(count.load(Ordering::Relaxed), 1);
/// ```
pub trait Named: Sized {
    /// The value inside (`usize` for `AtomicUsize`, `*mut T` for `AtomicPtr<T>`).
    type Value;

    /// A new atomic holding `value`, called `name` in traces.
    fn named(name: &str, value: Self::Value) -> Self;
}
