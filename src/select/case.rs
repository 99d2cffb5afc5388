//! One case of a select, as the driver sees it: the [`Case`] protocol (try,
//! complete, withdraw), and the receive and send cases.

use std::fmt;

use crate::chan::{CaseRecv, CaseSend, Item, Key};
use crate::error::{RecvError, SendError, TryRecvError, TrySendError};
use crate::{Receiver, Sender};

// ---------------------------------------------------------------------------
// One case, as the driver sees it
// ---------------------------------------------------------------------------

/// What one attempt at a case found.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The case happened now.
    Ready,
    /// Another case of this select already happened.
    Lost,
    /// Not ready: registered on its channel.
    Waiting,
    /// The case does not take part (a false guard, a spent send, a result not
    /// taken yet, a removed case).
    Out,
}

/// What a first look at a case found: a look that registers nothing and
/// needs no token (see [`Case::first_look`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstLook {
    /// The case happened now.
    Ready,
    /// Not ready; nothing was registered.
    NotReady,
    /// The case does not take part.
    Out,
}

/// A case's try at its operation: the select's token, the case's index, and
/// whether no case of the select is registered yet (the driver counts its
/// registrations; see `chan/token.rs`).
#[doc(hidden)]
pub struct Ticket<'t>(pub(super) crate::chan::Ticket<'t>);

impl fmt::Debug for Ticket<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Ticket").field(&self.0.case).finish()
    }
}

/// The driver's view of a case: try it, complete it, or withdraw it.
#[doc(hidden)]
pub trait Case {
    /// Tries the case at once (claiming the select's token if it can happen);
    /// if it cannot, registers it on its channel under the same lock.
    fn attempt(&mut self, ticket: &Ticket<'_>) -> Attempt;
    /// Tries the case at once as a plain `try_recv` / `try_send` would,
    /// without registering it. Only valid while no case of the select is
    /// registered: then nothing can have chosen another case, no entry of
    /// this select waits in any line, and a case that can happen now is the
    /// select's to take, so the common select (its first case in the pass
    /// order is ready) needs no token at all.
    fn first_look(&mut self) -> FirstLook;
    /// The select's token chose this registered case: take its result from
    /// the channel.
    fn complete(&mut self);
    /// Withdraws the registration, if any. A value a receive case was handed
    /// goes on to the next receiver; a send case keeps its value if unsent,
    /// and records that it was sent otherwise.
    fn abort(&mut self);
    /// Whether the case takes part in the next select.
    fn enabled(&self) -> bool;
}

/// How the macro gets at a case's `Receiver`: `$rx.__gochan_receiver()`,
/// a method call, so that autoderef finds the `Receiver` behind a reference
/// (or an `Arc`, a `Box`...) as a plain `&$rx` argument's deref coercion
/// would, while a call that returns a `&Receiver` is taken as it is.
#[doc(hidden)]
pub trait AsReceiver<T> {
    /// The receiver.
    fn __gochan_receiver(&self) -> &Receiver<T>;
}

impl<T> AsReceiver<T> for Receiver<T> {
    #[inline]
    fn __gochan_receiver(&self) -> &Receiver<T> {
        self
    }
}

/// As [`AsReceiver`], for a send case's `Sender` (or `ScopedSender`).
#[doc(hidden)]
pub trait AsSender<T> {
    /// The sender.
    fn __gochan_sender(&self) -> &Sender<T>;
}

impl<T> AsSender<T> for Sender<T> {
    #[inline]
    fn __gochan_sender(&self) -> &Sender<T> {
        self
    }
}

/// A receive case: receives from one channel, or (disabled by its guard)
/// takes no part.
#[doc(hidden)]
pub struct RecvOp<'a, T> {
    /// The receiver; `None` when the case is disabled.
    rx: Option<&'a Receiver<T>>,
    /// Our registration, while waiting.
    key: Option<Key>,
    /// The result, once this case happened and until it is taken.
    pub(super) result: Option<Result<T, RecvError>>,
}

impl<'a, T> RecvOp<'a, T> {
    /// A case that receives from `rx`.
    #[inline]
    pub fn new(rx: &'a Receiver<T>) -> Self {
        RecvOp {
            rx: Some(rx),
            key: None,
            result: None,
        }
    }

    /// A case whose guard is false: it never happens.
    #[inline]
    pub fn disabled() -> Self {
        RecvOp {
            rx: None,
            key: None,
            result: None,
        }
    }

    /// The result, if this case happened and it was not taken yet.
    #[inline]
    pub fn take_result(&mut self) -> Option<Result<T, RecvError>> {
        self.result.take()
    }

    /// The receiver, if the case takes part in this select (enabled, and no
    /// result waiting to be taken).
    #[inline]
    fn take_part(&self) -> Option<&'a Receiver<T>> {
        self.rx.filter(|_| self.result.is_none())
    }
}

impl<T> Case for RecvOp<'_, T> {
    #[inline]
    fn attempt(&mut self, ticket: &Ticket<'_>) -> Attempt {
        let Some(rx) = self.take_part() else {
            return Attempt::Out;
        };
        match rx.chan.select_recv(rx.place(), &ticket.0) {
            CaseRecv::Ready(item) => {
                self.result = Some(Ok(item.into_received()));
                Attempt::Ready
            }
            CaseRecv::Closed => {
                self.result = Some(Err(RecvError));
                Attempt::Ready
            }
            CaseRecv::Lost => Attempt::Lost,
            CaseRecv::Waiting(key) => {
                self.key = Some(key);
                Attempt::Waiting
            }
        }
    }

    #[inline]
    fn first_look(&mut self) -> FirstLook {
        let Some(rx) = self.take_part() else {
            return FirstLook::Out;
        };
        // `try_recv` takes a value the handle's place holds first.
        match rx.try_recv() {
            Ok(v) => self.result = Some(Ok(v)),
            Err(TryRecvError::Closed) => self.result = Some(Err(RecvError)),
            Err(TryRecvError::Empty) => return FirstLook::NotReady,
        }
        FirstLook::Ready
    }

    #[inline]
    fn complete(&mut self) {
        let (Some(rx), Some(key)) = (self.rx, self.key.take()) else {
            return;
        };
        let item = rx.chan.select_recv_done(key);
        self.result = Some(item.map(Item::into_received).ok_or(RecvError));
    }

    #[inline]
    fn abort(&mut self) {
        if let (Some(rx), Some(key)) = (self.rx, self.key.take()) {
            rx.chan.cancel_recv(key);
        }
    }

    #[inline]
    fn enabled(&self) -> bool {
        self.rx.is_some() && self.result.is_none()
    }
}

impl<T> fmt::Debug for RecvOp<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvOp")
            .field("enabled", &self.rx.is_some())
            .field("waiting", &self.key.is_some())
            .field("has_result", &self.result.is_some())
            .finish()
    }
}

/// A send case: sends one value on one channel, or (disabled by its guard,
/// or spent) takes no part. It waits as a reservation: its value goes out
/// only once the case is chosen and holds a slot.
#[doc(hidden)]
pub struct SendOp<'a, T> {
    /// The sender; `None` when the case is disabled.
    tx: Option<&'a Sender<T>>,
    /// The value, while it is ours to send.
    pub(super) value: Option<T>,
    /// Our reservation, while waiting.
    key: Option<Key>,
    /// The result, once this case happened and until it is taken.
    pub(super) result: Option<Result<(), SendError<T>>>,
}

impl<'a, T> SendOp<'a, T> {
    /// A case that sends `value` on `tx`.
    #[inline]
    pub fn new(tx: &'a Sender<T>, value: T) -> Self {
        SendOp {
            tx: Some(tx),
            value: Some(value),
            key: None,
            result: None,
        }
    }

    /// A case whose guard is false: it never happens, and has no value.
    #[inline]
    pub fn disabled() -> Self {
        SendOp {
            tx: None,
            value: None,
            key: None,
            result: None,
        }
    }

    /// The result, if this case happened and it was not taken yet.
    #[inline]
    pub fn take_result(&mut self) -> Option<Result<(), SendError<T>>> {
        self.result.take()
    }

    /// The sender, if the case takes part in this select: enabled, holding
    /// a value, no result waiting to be taken.
    #[inline]
    fn take_part(&self) -> Option<&'a Sender<T>> {
        self.tx
            .filter(|_| self.result.is_none() && self.value.is_some())
    }

    /// The case holds a slot: its value goes out through it.
    fn send_granted(&mut self, tx: &Sender<T>) {
        let value = self
            .value
            .take()
            .expect("a case that takes part has a value");
        self.result = Some(
            tx.chan
                .send_permit(Item::new(value))
                .map_err(|item| SendError(item.value)),
        );
    }

    /// The channel is closed: the case happened, its value comes back.
    fn refused(&mut self) {
        let value = self
            .value
            .take()
            .expect("a case that takes part has a value");
        self.result = Some(Err(SendError(value)));
    }

    /// The value, if it was not sent; the case is spent afterwards.
    pub(super) fn take_value(&mut self) -> Option<T> {
        self.value.take()
    }

    /// Gives the case a new value; returns the value it replaces (unsent, or
    /// refused by a closed channel and not taken).
    pub(super) fn set_value(&mut self, value: T) -> Option<T> {
        let old = self.value.take().or(match self.result.take() {
            Some(Err(SendError(v))) => Some(v),
            _ => None,
        });
        self.value = Some(value);
        old
    }
}

impl<T> fmt::Debug for SendOp<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendOp")
            .field("enabled", &self.tx.is_some())
            .field("has_value", &self.value.is_some())
            .field("waiting", &self.key.is_some())
            .field("has_result", &self.result.is_some())
            .finish()
    }
}

impl<T> Case for SendOp<'_, T> {
    #[inline]
    fn attempt(&mut self, ticket: &Ticket<'_>) -> Attempt {
        let Some(tx) = self.take_part() else {
            return Attempt::Out;
        };
        match tx.chan.select_reserve(&ticket.0) {
            CaseSend::Granted => {
                self.send_granted(tx);
                Attempt::Ready
            }
            CaseSend::Closed => {
                self.refused();
                Attempt::Ready
            }
            CaseSend::Lost => Attempt::Lost,
            CaseSend::Waiting(key) => {
                self.key = Some(key);
                Attempt::Waiting
            }
        }
    }

    #[inline]
    fn first_look(&mut self) -> FirstLook {
        let Some(tx) = self.take_part() else {
            return FirstLook::Out;
        };
        match tx.try_reserve() {
            Ok(permit) => {
                let value = self.value.take().expect("checked by take_part");
                self.result = Some(permit.send(value));
            }
            Err(TrySendError::Closed(())) => self.refused(),
            Err(TrySendError::Full(())) => return FirstLook::NotReady,
        }
        FirstLook::Ready
    }

    #[inline]
    fn complete(&mut self) {
        let (Some(tx), Some(key)) = (self.tx, self.key.take()) else {
            return;
        };
        if tx.chan.select_reserve_done(key) {
            self.send_granted(tx);
        } else {
            self.refused();
        }
    }

    #[inline]
    fn abort(&mut self) {
        if let (Some(tx), Some(key)) = (self.tx, self.key.take()) {
            // A slot granted to it goes to the next in line; the value stays.
            tx.chan.cancel_reserve(key);
        }
    }

    #[inline]
    fn enabled(&self) -> bool {
        self.take_part().is_some()
    }
}
