//! The engine's synchronisation primitives, reached through this one module
//! so that the loom models (`tests/loom_*.rs`, built with
//! `RUSTFLAGS="--cfg gochan_loom"`) can replace them with loom's, which
//! explore every interleaving of the threads that use them.
//!
//! A normal build uses `parking_lot`'s mutex (chosen over std's by
//! measurement: under contention std's futex mutex puts waiters to sleep and
//! every later unlock is a system call, up to twice as slow on the contended
//! benchmark rows; uncontended the two cost the same) and std's atomics. The
//! wrappers are `#[inline(always)]` and compile to the calls they wrap.

#[cfg(not(gochan_loom))]
mod imp {
    pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

    /// A mutex that does not poison: no user code runs while it is held, so
    /// a panic elsewhere cannot leave what it guards half-changed.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

    /// A held [`Mutex`].
    pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        #[inline(always)]
        pub(crate) const fn new(value: T) -> Self {
            Mutex(parking_lot::Mutex::new(value))
        }

        #[inline(always)]
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock()
        }

        #[inline(always)]
        pub(crate) fn get_mut(&mut self) -> &mut T {
            self.0.get_mut()
        }
    }
}

#[cfg(gochan_loom)]
mod imp {
    pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};

    /// loom's mutex, with `parking_lot`'s interface (no poisoning).
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    /// A held [`Mutex`].
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(|e| e.into_inner())
        }

        pub(crate) fn get_mut(&mut self) -> &mut T {
            self.0.get_mut().unwrap_or_else(|e| e.into_inner())
        }
    }

    impl<T: Default> Default for Mutex<T> {
        fn default() -> Self {
            Mutex::new(T::default())
        }
    }
}

pub(crate) use imp::{AtomicUsize, Mutex, MutexGuard, Ordering};
