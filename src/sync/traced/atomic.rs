//! The facade's atomics in checker builds: the checker's atomic, plus one trace row per
//! operation (`load count = 0 (Relaxed)`, `compare_exchange state 0 -> 1 ok (Acquire)`).
//!
//! Every operation is the checker's own, done first; the row is recorded after it, so it shows
//! the value the operation saw, and recording adds no scheduling point. `get_mut` and
//! `into_inner` need `&mut self` or `self` (no other thread can look) and record nothing.
//!
//! One difference from std, under loom only: loom keeps an atomic's value in its own execution
//! state, not in the atomic, so `get_mut` returns a guard that derefs to the value and writes it
//! back when dropped (`*a.get_mut() += 1` works as with std; a `&mut` held past the guard does
//! not).

use core::fmt;

use crate::sync::internal::atomic as raw;
use crate::sync::named::Named;
use crate::trace;

pub use raw::{fence, Ordering};

/// A pointer as a trace shows it: its address, or `null`.
#[derive(Clone, Copy)]
struct Addr(usize);

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("null"),
            a => write!(f, "{a:#x}"),
        }
    }
}

fn addr<T>(p: *mut T) -> Addr {
    Addr(p.addr())
}

/// A value as the bits a trace compares: is a load's value the last one stored?
trait Bits: Copy {
    fn bits(self) -> u128;
}

macro_rules! bits {
    ($($t:ty),*) => {$(
        impl Bits for $t {
            #[allow(clippy::cast_sign_loss, clippy::cast_lossless)]
            fn bits(self) -> u128 {
                self as i128 as u128
            }
        }
    )*};
}
bits!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl Bits for bool {
    fn bits(self) -> u128 {
        u128::from(self)
    }
}

impl Bits for Addr {
    fn bits(self) -> u128 {
        self.0 as u128
    }
}

/// What a SeqCst load's row adds when it read a value that is not the last one stored (in the
/// order the execution ran). Under the C11 model such a load is impossible; loom allows it, as
/// it models SeqCst loads and stores as Acquire and Release (loom's documented limitation, its
/// issue #180), so a failure that needs it may be a false alarm.
pub(crate) const STALE_SEQCST: &str = "stale!";

/// The row of a load: `load count = 0 (Relaxed)`, with [`STALE_SEQCST`] where it applies.
fn load_text(name: &str, shown: impl fmt::Display, order: Ordering, stale: bool) -> String {
    if stale {
        format!("load {name} = {shown} ({order:?}) {STALE_SEQCST}")
    } else {
        format!("load {name} = {shown} ({order:?})")
    }
}

/// loom: what `get_mut` returns, the value, written back to the atomic when dropped.
#[cfg(loom)]
pub struct GetMut<'a, A: WithMut> {
    atomic: &'a mut A,
    value: A::Value,
}

/// loom: an atomic whose value can be read and written through `&mut` (its `with_mut`).
#[cfg(loom)]
#[doc(hidden)]
pub trait WithMut {
    /// The value inside.
    type Value: Copy;
    #[doc(hidden)]
    fn get(&mut self) -> Self::Value;
    #[doc(hidden)]
    fn set(&mut self, value: Self::Value);
}

#[cfg(loom)]
impl<A: WithMut> core::ops::Deref for GetMut<'_, A> {
    type Target = A::Value;
    fn deref(&self) -> &A::Value {
        &self.value
    }
}

#[cfg(loom)]
impl<A: WithMut> core::ops::DerefMut for GetMut<'_, A> {
    fn deref_mut(&mut self) -> &mut A::Value {
        &mut self.value
    }
}

#[cfg(loom)]
impl<A: WithMut> Drop for GetMut<'_, A> {
    fn drop(&mut self) {
        self.atomic.set(self.value);
    }
}

#[cfg(loom)]
impl<A: WithMut> fmt::Debug for GetMut<'_, A>
where
    A::Value: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value, f)
    }
}

/// The methods every atomic type has: new, named, load, store, swap, compare_exchange(_weak),
/// fetch_update, get_mut, into_inner, and the traits.
macro_rules! common {
    ($name:ident $(<$p:ident>)?, $value:ty, $show:expr) => {
        impl $(<$p>)? $name $(<$p>)? {
            /// A new atomic holding `value` (`atomic#n` in traces).
            #[track_caller]
            pub fn new(value: $value) -> Self {
                Self::create(None, value)
            }

            #[track_caller]
            fn create(name: Option<&str>, value: $value) -> Self {
                $name {
                    inner: raw::$name::new(value),
                    key: trace::object("atomic", name),
                }
            }

            /// Loads the value.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $value {
                let v = self.inner.load(order);
                let shown = $show(v);
                let stale = trace::loaded(self.key, shown.bits(), order == Ordering::SeqCst);
                trace::access(self.key, move |n| load_text(n, shown, order, stale));
                v
            }

            /// Stores `value`.
            #[track_caller]
            pub fn store(&self, value: $value, order: Ordering) {
                self.inner.store(value, order);
                let shown = $show(value);
                trace::stored(self.key, shown.bits());
                trace::access(self.key, move |n| format!("store {n} = {shown} ({order:?})"));
            }

            /// Stores `value`, returning the previous value.
            #[track_caller]
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                let old = self.inner.swap(value, order);
                let (new, was) = ($show(value), $show(old));
                trace::stored(self.key, new.bits());
                trace::access(self.key, move |n| format!("swap {n} = {new}, was {was} ({order:?})"));
                old
            }

            /// Stores `new` if the value is `current`; returns the previous value, `Ok` if it
            /// was `current`.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let r = self.inner.compare_exchange(current, new, success, failure);
                let shown = ($show(current), $show(new), r.map(|_| ()).map_err($show));
                if r.is_ok() {
                    trace::stored(self.key, shown.1.bits());
                }
                trace::access(self.key, move |n| cas_text("compare_exchange", n, shown, success, failure));
                r
            }

            /// As [`compare_exchange`](Self::compare_exchange), but may fail spuriously.
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let r = self.inner.compare_exchange_weak(current, new, success, failure);
                let shown = ($show(current), $show(new), r.map(|_| ()).map_err($show));
                if r.is_ok() {
                    trace::stored(self.key, shown.1.bits());
                }
                trace::access(self.key, move |n| cas_text("compare_exchange_weak", n, shown, success, failure));
                r
            }

            /// Applies `f` until it returns `None` or the update succeeds; one row for the whole
            /// update.
            #[track_caller]
            pub fn fetch_update<F>(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: F,
            ) -> Result<$value, $value>
            where
                F: FnMut($value) -> Option<$value>,
            {
                let mut last = None;
                let r = self.inner.fetch_update(set_order, fetch_order, |v| {
                    last = f(v);
                    last
                });
                let shown = match (r, last) {
                    (Ok(old), Some(new)) => Ok(($show(old), $show(new))),
                    (Ok(old), None) | (Err(old), _) => Err($show(old)),
                };
                if let Ok((_, new)) = shown {
                    trace::stored(self.key, new.bits());
                }
                trace::access(self.key, move |n| match shown {
                    Ok((old, new)) => format!("fetch_update {n} {old} -> {new} ({set_order:?})"),
                    Err(old) => format!("fetch_update {n} = {old}: no update ({fetch_order:?})"),
                });
                r
            }

            /// Consumes the atomic and returns the value.
            pub fn into_inner(self) -> $value {
                self.inner.into_inner()
            }

            /// The value, through `&mut` (no other thread can look).
            #[cfg(shuttle)]
            pub fn get_mut(&mut self) -> &mut $value {
                self.inner.get_mut()
            }

            /// The value, through `&mut` (no other thread can look): under loom a guard that
            /// derefs to it and writes it back when dropped (see the module docs).
            #[cfg(loom)]
            pub fn get_mut(&mut self) -> GetMut<'_, raw::$name $(<$p>)?> {
                let value = self.inner.get();
                GetMut { atomic: &mut self.inner, value }
            }
        }

        #[cfg(loom)]
        impl $(<$p>)? WithMut for raw::$name $(<$p>)? {
            type Value = $value;
            fn get(&mut self) -> $value {
                // SAFETY: `&mut self`: no other thread can access the atomic now.
                unsafe { self.unsync_load() }
            }
            fn set(&mut self, value: $value) {
                // A fresh atomic with the value: nobody else can see this one now.
                *self = raw::$name::new(value);
            }
        }

        impl $(<$p>)? Named for $name $(<$p>)? {
            type Value = $value;
            #[track_caller]
            fn named(name: &str, value: $value) -> Self {
                Self::create(Some(name), value)
            }
        }

        impl $(<$p>)? trace::Traced for $name $(<$p>)? {
            fn trace_key(&self) -> usize {
                self.key
            }
        }

        impl $(<$p>)? From<$value> for $name $(<$p>)? {
            #[track_caller]
            fn from(value: $value) -> Self {
                Self::new(value)
            }
        }

        impl $(<$p>)? fmt::Debug for $name $(<$p>)? {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.inner, f)
            }
        }
    };
}

/// A compare-exchange's row: `compare_exchange state 0 -> 1 ok (Acquire)`, or
/// `... failed: 2 (Relaxed)` with the value found and the failure ordering.
fn cas_text<V: fmt::Display>(
    op: &str,
    name: &str,
    (current, new, result): (V, V, Result<(), V>),
    success: Ordering,
    failure: Ordering,
) -> String {
    match result {
        Ok(()) => format!("{op} {name} {current} -> {new} ok ({success:?})"),
        Err(actual) => format!("{op} {name} {current} -> {new} failed: {actual} ({failure:?})"),
    }
}

/// A read-modify-write's row: `fetch_add n += 1 -> 3 (Relaxed)`, with the value it left.
macro_rules! rmw {
    ($value:ty; $($(#[$doc:meta])* $op:ident($sym:literal, $apply:expr);)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $op(&self, value: $value, order: Ordering) -> $value {
            let old = self.inner.$op(value, order);
            let new = $apply(old, value);
            trace::stored(self.key, new.bits());
            trace::access(self.key, move |n| {
                format!(concat!(stringify!($op), " {} ", $sym, " {} -> {} ({:?})"), n, value, new, order)
            });
            old
        }
    )*};
}

macro_rules! int {
    ($($name:ident($int:ty)),* $(,)?) => {$(
        #[doc = concat!("The checker's `", stringify!($name), "`, every operation a trace row.")]
        pub struct $name {
            inner: raw::$name,
            key: usize,
        }

        common!($name, $int, |v: $int| v);

        impl $name {
            rmw! {
                $int;
                /// Adds `value` (wrapping), returning the previous value.
                fetch_add("+=", <$int>::wrapping_add);
                /// Subtracts `value` (wrapping), returning the previous value.
                fetch_sub("-=", <$int>::wrapping_sub);
                /// Bitwise and, returning the previous value.
                fetch_and("&=", |a: $int, b: $int| a & b);
                /// Bitwise nand, returning the previous value.
                fetch_nand("nand=", |a: $int, b: $int| !(a & b));
                /// Bitwise or, returning the previous value.
                fetch_or("|=", |a: $int, b: $int| a | b);
                /// Bitwise xor, returning the previous value.
                fetch_xor("^=", |a: $int, b: $int| a ^ b);
                /// Maximum, returning the previous value.
                fetch_max("max=", <$int>::max);
                /// Minimum, returning the previous value.
                fetch_min("min=", <$int>::min);
            }
        }

        impl Default for $name {
            #[track_caller]
            fn default() -> Self {
                Self::new(0)
            }
        }
    )*};
}

int!(
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
);

/// The checker's `AtomicBool`, every operation a trace row.
pub struct AtomicBool {
    inner: raw::AtomicBool,
    key: usize,
}

common!(AtomicBool, bool, |v: bool| v);

impl AtomicBool {
    rmw! {
        bool;
        /// Logical and, returning the previous value.
        fetch_and("&=", |a: bool, b: bool| a & b);
        /// Logical nand, returning the previous value.
        fetch_nand("nand=", |a: bool, b: bool| !(a & b));
        /// Logical or, returning the previous value.
        fetch_or("|=", |a: bool, b: bool| a | b);
        /// Logical xor, returning the previous value.
        fetch_xor("^=", |a: bool, b: bool| a ^ b);
    }
}

impl Default for AtomicBool {
    #[track_caller]
    fn default() -> Self {
        Self::new(false)
    }
}

/// The checker's `AtomicPtr`, every operation a trace row (pointers as addresses).
pub struct AtomicPtr<T> {
    inner: raw::AtomicPtr<T>,
    key: usize,
}

common!(AtomicPtr<T>, *mut T, addr);

impl<T> Default for AtomicPtr<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(core::ptr::null_mut())
    }
}
