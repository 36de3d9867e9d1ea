//! [`StarFn`]: a function of several arguments, called with a tuple — Python's `f(*args)`, for
//! [`ThreadPool::starmap`](super::ThreadPool::starmap).

/// A function that takes its arguments from a tuple: `Fn(A, B) -> T` is a `StarFn<(A, B)>`.
///
/// Implemented for every `Fn` of 1 to 6 arguments; sealed (racelab implements it, nobody else
/// needs to). Python's `starmap(f, [(1, 2), (3, 4)])` calls `f(1, 2)` then `f(3, 4)`; so does
/// `pool.starmap(f, [(1, 2), (3, 4)])`.
///
/// # Examples
///
/// ```
/// use racelab::pool::StarFn;
///
/// fn call<A, F: StarFn<A>>(f: &F, args: A) -> F::Output {
///     f.call_with(args)
/// }
/// assert_eq!(call(&|a: i32, b: i32| a * b, (6, 7)), 42);
/// assert_eq!(call(&|s: &str| s.len(), ("abc",)), 3);
/// ```
pub trait StarFn<Args>: sealed::Sealed<Args> {
    /// What the function returns.
    type Output;

    /// Calls the function with the tuple's fields as its arguments.
    fn call_with(&self, args: Args) -> Self::Output;
}

mod sealed {
    pub trait Sealed<Args> {}
}

macro_rules! star_fn {
    ($($arg:ident),+) => {
        impl<Func, Out, $($arg),+> sealed::Sealed<($($arg,)+)> for Func
        where
            Func: Fn($($arg),+) -> Out,
        {
        }

        impl<Func, Out, $($arg),+> StarFn<($($arg,)+)> for Func
        where
            Func: Fn($($arg),+) -> Out,
        {
            type Output = Out;

            #[allow(non_snake_case)] // the arguments are named after their types
            fn call_with(&self, ($($arg,)+): ($($arg,)+)) -> Out {
                self($($arg),+)
            }
        }
    };
}

star_fn!(A);
star_fn!(A, B);
star_fn!(A, B, C);
star_fn!(A, B, C, D);
star_fn!(A, B, C, D, E);
star_fn!(A, B, C, D, E, G);
