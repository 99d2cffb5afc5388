//! A floor to read gochan's instruction counts against: the least a channel
//! can do on the paths that do not wait, under the constraints gochan's
//! contract sets (DESIGN.md): one `parking_lot` mutex over a `VecDeque`, no
//! `unsafe`, and Tokio's coop budget charged as tokio's channels charge it
//! (one unit per completed operation; `COOP = false` leaves it out, to show
//! what it costs).
//!
//! It has none of the rest: no close-and-drain beyond "the last sender
//! closes", no first-come-first-served hand-off (a woken task competes with
//! newcomers), no cancel safety, no select, no stats. So it is a floor only
//! where nothing waits (the `seq` and `try` rows, and nearly so the
//! `bounded(1024)` and `unbounded` `spsc` rows, which wait once per 1024
//! messages at most): there its every instruction is one that a channel of
//! this shape cannot skip. Where tasks wait it is not one: without a
//! hand-off its tasks are polled three times as often as gochan's and
//! kanal's, so `cargo bench --bench instructions -- --floor` leaves those
//! rows out. Not a channel to use.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use tokio::task::coop::RestoreOnPending;

/// What the lock guards.
struct Inner<T> {
    buf: VecDeque<T>,
    cap: usize,
    senders: usize,
    closed: bool,
    recv_wakers: VecDeque<Waker>,
    send_wakers: VecDeque<Waker>,
}

/// The sending handle; the last one dropped closes the channel.
pub struct Tx<T, const COOP: bool>(Arc<Mutex<Inner<T>>>);
/// The receiving handle.
pub struct Rx<T, const COOP: bool>(Arc<Mutex<Inner<T>>>);

/// A channel of `cap` values (`usize::MAX`: unbounded).
pub fn channel<T, const COOP: bool>(cap: usize) -> (Tx<T, COOP>, Rx<T, COOP>) {
    let inner = Arc::new(Mutex::new(Inner {
        buf: VecDeque::new(),
        cap,
        senders: 1,
        closed: false,
        recv_wakers: VecDeque::new(),
        send_wakers: VecDeque::new(),
    }));
    (Tx(inner.clone()), Rx(inner))
}

impl<T, const COOP: bool> Clone for Tx<T, COOP> {
    fn clone(&self) -> Self {
        self.0.lock().senders += 1;
        Tx(self.0.clone())
    }
}

impl<T, const COOP: bool> Clone for Rx<T, COOP> {
    fn clone(&self) -> Self {
        Rx(self.0.clone())
    }
}

impl<T, const COOP: bool> Drop for Tx<T, COOP> {
    fn drop(&mut self) {
        let wakers: Vec<Waker> = {
            let mut g = self.0.lock();
            g.senders -= 1;
            if g.senders > 0 {
                return;
            }
            g.closed = true;
            g.recv_wakers.drain(..).collect()
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl<T, const COOP: bool> Tx<T, COOP> {
    pub fn send(&self, v: T) -> SendFut<'_, T, COOP> {
        SendFut(&self.0, Some(v))
    }

    pub fn try_send(&self, v: T) -> Result<(), T> {
        let mut g = self.0.lock();
        if g.closed || g.buf.len() >= g.cap {
            return Err(v);
        }
        g.buf.push_back(v);
        let w = g.recv_wakers.pop_front();
        wake_after(g, w);
        Ok(())
    }
}

impl<T, const COOP: bool> Rx<T, COOP> {
    pub fn recv(&self) -> RecvFut<'_, T, COOP> {
        RecvFut(&self.0)
    }

    pub fn try_recv(&self) -> Option<T> {
        let mut g = self.0.lock();
        let v = g.buf.pop_front()?;
        let w = g.send_wakers.pop_front();
        wake_after(g, w);
        Some(v)
    }
}

/// A send: buffers the value if there is room, else waits in the line.
pub struct SendFut<'a, T, const COOP: bool>(&'a Mutex<Inner<T>>, Option<T>);
impl<T, const COOP: bool> Unpin for SendFut<'_, T, COOP> {}

impl<T, const COOP: bool> Future for SendFut<'_, T, COOP> {
    type Output = Result<(), T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T>> {
        let coop = std::task::ready!(proceed::<COOP>(cx));
        let mut g = self.0.lock();
        if g.closed {
            drop(g);
            commit(coop);
            return Poll::Ready(Err(self.1.take().expect("polled after completion")));
        }
        if g.buf.len() < g.cap {
            let v = self.1.take().expect("polled after completion");
            g.buf.push_back(v);
            let w = g.recv_wakers.pop_front();
            wake_after(g, w);
            commit(coop);
            return Poll::Ready(Ok(()));
        }
        g.send_wakers.push_back(cx.waker().clone());
        Poll::Pending
    }
}

/// A receive: takes the oldest value, else waits in the line.
pub struct RecvFut<'a, T, const COOP: bool>(&'a Mutex<Inner<T>>);

impl<T, const COOP: bool> Future for RecvFut<'_, T, COOP> {
    type Output = Option<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = std::task::ready!(proceed::<COOP>(cx));
        let mut g = self.0.lock();
        if let Some(v) = g.buf.pop_front() {
            let w = g.send_wakers.pop_front();
            wake_after(g, w);
            commit(coop);
            return Poll::Ready(Some(v));
        }
        if g.closed {
            drop(g);
            commit(coop);
            return Poll::Ready(None);
        }
        g.recv_wakers.push_back(cx.waker().clone());
        Poll::Pending
    }
}

/// Takes a unit of the task's coop budget (if `COOP`), or yields.
fn proceed<const COOP: bool>(cx: &mut Context<'_>) -> Poll<Option<RestoreOnPending>> {
    if COOP {
        tokio::task::coop::poll_proceed(cx).map(Some)
    } else {
        Poll::Ready(None)
    }
}

/// Commits the unit of a completed operation, as gochan does (`src/coop.rs`):
/// once committed the guard has nothing to restore, so it is forgotten.
fn commit(coop: Option<RestoreOnPending>) {
    if let Some(c) = coop {
        c.made_progress();
        std::mem::forget(c);
    }
}

/// Releases the lock, then wakes `w`: never a waker under the lock.
fn wake_after<G>(guard: G, w: Option<Waker>) {
    drop(guard);
    if let Some(w) = w {
        w.wake();
    }
}
