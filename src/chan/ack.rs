//! Items and the delivery acknowledgement a `deliver` waits on.

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::sync::Mutex;
use super::wake::guarded;

/// One value in the channel, with the acknowledgement a `deliver` waits on.
pub(crate) struct Item<T> {
    /// The user's value.
    pub(crate) value: T,
    /// Signalled once a receiver takes `value` (or once nobody ever will).
    pub(crate) ack: Option<Arc<Ack>>,
}

impl<T> Item<T> {
    /// A plain value, nobody waiting for its delivery.
    #[inline]
    pub(crate) fn new(value: T) -> Self {
        Item { value, ack: None }
    }

    /// Hands the value to a receiver's caller: signals `deliver`, if any.
    #[inline]
    pub(crate) fn into_received(self) -> T {
        if let Some(ack) = self.ack {
            ack.set(AckState::Delivered);
        }
        self.value
    }

    /// Hands the value back to a caller that is not a receiver (`close_now`,
    /// a drained channel): the delivery it may be waiting for will never happen.
    #[inline]
    pub(crate) fn into_undelivered(self) -> T {
        if let Some(ack) = self.ack {
            ack.set(AckState::Undelivered);
        }
        self.value
    }
}

/// What became of a value that a `deliver` put into the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AckState {
    /// Still in the channel or in a receiver's hands.
    Pending,
    /// A receiver's caller took it.
    Delivered,
    /// No receiver will ever take it.
    Undelivered,
}

/// The acknowledgement shared by a `deliver` future and its value.
#[derive(Debug)]
pub(crate) struct Ack {
    /// The state and the `deliver` future's waker.
    inner: Mutex<(AckState, Option<Waker>)>,
}

impl Ack {
    /// A pending acknowledgement.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Ack {
            inner: Mutex::new((AckState::Pending, None)),
        })
    }

    /// Settles the acknowledgement (first call wins) and wakes the waiter.
    ///
    /// The waker is the `deliver` task's; a panic from it is not the
    /// settling side's to handle (a receiver holding the value it returns,
    /// a close handing values back), so it is contained here.
    pub(crate) fn set(&self, state: AckState) {
        let waker = {
            let mut inner = self.inner.lock();
            if inner.0 != AckState::Pending {
                return;
            }
            inner.0 = state;
            inner.1.take()
        };
        if let Some(w) = waker {
            let mut panic = None;
            guarded(&mut panic, || w.wake());
        }
    }

    /// Returns the settled state, or registers the waker and returns `Pending`.
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<AckState> {
        let mut inner = self.inner.lock();
        match inner.0 {
            AckState::Pending => {
                let old = match &inner.1 {
                    Some(w) if w.will_wake(cx.waker()) => None,
                    _ => inner.1.replace(cx.waker().clone()),
                };
                drop(inner);
                // A replaced waker is user code: dropped after the lock.
                drop(old);
                Poll::Pending
            }
            done => Poll::Ready(done),
        }
    }
}
