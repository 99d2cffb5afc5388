//! Wake-ups: what a critical section collects to run after the lock (wakers
//! to wake, replaced wakers to drop), and containment of panics in that user
//! code.

use std::task::Waker;

/// A panic caught from user code that ran outside the lock (a waker, a
/// value's `Drop`), re-raised once every value is where the contract says.
pub(crate) type Panic = Box<dyn std::any::Any + Send + 'static>;

/// Runs `f`, keeping the first panic in `first` instead of unwinding, so
/// that one panicking waker or `Drop` cannot stop the others from running.
#[inline]
pub(crate) fn guarded(first: &mut Option<Panic>, f: impl FnOnce()) {
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        first.get_or_insert(p);
    }
}

/// Re-raises a caught panic, unless this thread is already unwinding (a
/// handle dropped during a panic): a second panic would abort the process.
#[cold]
pub(crate) fn reraise(p: Panic) {
    if !std::thread::panicking() {
        std::panic::resume_unwind(p);
    }
}

/// Work to do once the lock is released: wakers are user code, so they are
/// woken, and replaced ones dropped, only after the guard is gone.
///
/// Small on purpose (every slow operation builds one): one waker to wake and
/// one to drop inline, anything more in a box that a close allocates.
#[derive(Default)]
pub(crate) struct Wake {
    /// The first task to wake (the common case has one).
    pub(super) first: Option<Waker>,
    /// A waker replaced under the lock, to drop after it.
    pub(super) old: Option<Waker>,
    /// Further tasks to wake (a close wakes every waiter), and further
    /// replaced wakers: none is ever dropped or woken under the lock,
    /// however many a critical section collects.
    pub(super) more: Option<Box<MoreWakers>>,
    /// The channel closed or finished: the `closed()`/`join()` watchers are
    /// woken (collected by [`Chan::unlock`](super::Chan::unlock) just before the guard drops).
    pub(super) events: bool,
}

/// What a [`Wake`] holds beyond one waker of each kind.
#[derive(Default)]
pub(crate) struct MoreWakers {
    /// Tasks to wake after `Wake::first`.
    pub(super) wake: Vec<Waker>,
    /// Replaced wakers after `Wake::old`.
    pub(super) drop: Vec<Waker>,
}

impl Wake {
    /// Keeps a waker that is no longer needed, to drop it after the lock.
    #[inline(always)]
    pub(super) fn discard(&mut self, waker: Option<Waker>) {
        if let Some(w) = waker {
            if self.old.is_none() {
                self.old = Some(w);
            } else {
                self.more.get_or_insert_with(Default::default).drop.push(w);
            }
        }
    }

    #[inline(always)]
    pub(super) fn push(&mut self, waker: Option<Waker>) {
        if let Some(w) = waker {
            if self.first.is_none() {
                self.first = Some(w);
            } else {
                self.more.get_or_insert_with(Default::default).wake.push(w);
            }
        }
    }

    /// Wakes everyone collected and drops the replaced wakers, every one
    /// even if some panic; returns the first panic. Call after the guard is
    /// dropped.
    #[inline(always)]
    pub(crate) fn run(&mut self) -> Option<Panic> {
        // Read in place, each field taken out: the common case (one waker,
        // nothing boxed) is seen to leave nothing for drop glue to do, and
        // the `Wake` is not copied on the way.
        if self.old.is_none() && self.more.is_none() {
            let first = self.first.take()?;
            return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| first.wake())).err();
        }
        Wake::run_all(self.first.take(), self.old.take(), self.more.take())
    }

    /// [`Wake::run`] with more than one waker to handle.
    #[cold]
    #[inline(never)]
    fn run_all(
        first: Option<Waker>,
        old: Option<Waker>,
        more: Option<Box<MoreWakers>>,
    ) -> Option<Panic> {
        let mut panic = None;
        let more = more.map(|m| *m).unwrap_or_default();
        for w in old.into_iter().chain(more.drop) {
            guarded(&mut panic, || drop(w));
        }
        for w in first.into_iter().chain(more.wake) {
            guarded(&mut panic, || w.wake());
        }
        panic
    }
}
