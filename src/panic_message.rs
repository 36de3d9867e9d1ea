//! The text of a caught panic, shared by the pool (a task's `TaskError::Panicked`) and the
//! harness (a failure's message). A leaf: it uses nothing of the crate.

use std::any::Any;

/// What a panic payload says: the message of a `panic!` (a `&'static str` or a `String`
/// payload), or `"<non-string panic payload>"` for any other payload (a `panic_any` value, a
/// boxed string).
///
/// # Examples
///
/// ```
/// use racelab::check::panic_message;
///
/// let caught = std::panic::catch_unwind(|| panic!("task {} failed", 3)).unwrap_err();
/// assert_eq!(panic_message(&*caught), "task 3 failed");
/// let caught = std::panic::catch_unwind(|| std::panic::panic_any(42)).unwrap_err();
/// assert_eq!(panic_message(&*caught), "<non-string panic payload>");
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "<non-string panic payload>"
    }
}
