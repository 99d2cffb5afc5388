//! One case of a select, as the driver sees it: the [`Case`] protocol (try,
//! complete, withdraw), and the receive and send cases.
//!
//! A send case waits as a reservation: what it wins is a slot (on a
//! rendezvous channel, a hand-off promised against a waiting receiver), and
//! its value goes out only once it is chosen. The macro's send case
//! ([`SendOp`]) hands its win out as a [`SendGrant`] after the select is
//! done, and the value expression runs only then; the dynamic select's
//! ([`SendValueOp`]) holds its value from the start and sends it through the
//! slot at once.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

use crate::chan::{CaseRecv, CaseSend, Item, Key, TryReserve};
use crate::error::{RecvError, SendError, TryRecvError};
use crate::permit::Permit;
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
    /// goes on to the next receiver; a slot a send case was granted goes to
    /// the next in line (a rendezvous receiver granted to it keeps its
    /// place), and a send case keeps its value.
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

/// A case's handle on its channel: borrowed (the macro, `Select::recv`) or
/// owned (`Select::recv_owned`, `Select::send_owned`).
pub(crate) enum Held<'a, H> {
    /// Borrowed for the select's lifetime.
    Borrowed(&'a H),
    /// Moved into the case.
    Owned(H),
}

impl<H> Borrow<H> for Held<'_, H> {
    #[inline]
    fn borrow(&self) -> &H {
        match self {
            Held::Borrowed(h) => h,
            Held::Owned(h) => h,
        }
    }
}

/// A receive case: receives from one channel through `R` (a
/// `&Receiver<T>` for the macro), or (disabled by its guard) takes no part.
#[doc(hidden)]
pub struct RecvOp<T, R: Borrow<Receiver<T>>> {
    /// The receiver; `None` when the case is disabled.
    rx: Option<R>,
    /// Our registration, while waiting.
    key: Option<Key>,
    /// The result, once this case happened and until it is taken.
    result: Option<Result<T, RecvError>>,
}

impl<T, R: Borrow<Receiver<T>>> RecvOp<T, R> {
    /// A case that receives from `rx`.
    #[inline]
    pub fn new(rx: R) -> Self {
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
    pub fn take_outcome(&mut self) -> Option<Result<T, RecvError>> {
        self.result.take()
    }

    /// Whether it holds a result not taken yet.
    pub(super) fn has_result(&self) -> bool {
        self.result.is_some()
    }

    /// The receiver, if the case takes part in this select (enabled, and no
    /// result waiting to be taken).
    #[inline]
    fn take_part(&self) -> Option<&Receiver<T>> {
        match &self.rx {
            Some(rx) if self.result.is_none() => Some(rx.borrow()),
            _ => None,
        }
    }
}

impl<T, R: Borrow<Receiver<T>>> Case for RecvOp<T, R> {
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
        let result = match rx.try_recv() {
            Ok(v) => Ok(v),
            Err(TryRecvError::Closed) => Err(RecvError),
            Err(TryRecvError::Empty) => return FirstLook::NotReady,
        };
        self.result = Some(result);
        FirstLook::Ready
    }

    #[inline]
    fn complete(&mut self) {
        let (Some(rx), Some(key)) = (&self.rx, self.key.take()) else {
            return;
        };
        let item = rx.borrow().chan.select_recv_done(key);
        self.result = Some(item.map(Item::into_received).ok_or(RecvError));
    }

    #[inline]
    fn abort(&mut self) {
        if let (Some(rx), Some(key)) = (&self.rx, self.key.take()) {
            rx.borrow().chan.cancel_recv(key);
        }
    }

    #[inline]
    fn enabled(&self) -> bool {
        self.rx.is_some() && self.result.is_none()
    }
}

impl<T, R: Borrow<Receiver<T>>> fmt::Debug for RecvOp<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvOp")
            .field("enabled", &self.rx.is_some())
            .field("waiting", &self.key.is_some())
            .field("has_result", &self.result.is_some())
            .finish()
    }
}

/// What a send case won.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Won {
    /// A slot, held by the case until its value goes out (or it is dropped).
    Slot,
    /// The channel is closed: the case happened, and its value comes back.
    Closed,
}

/// A send case: wins a slot on one channel through `S` (a `&Sender<T>` for
/// the macro), or (disabled by its guard) takes no part. It has no value:
/// what it wins is handed out as a [`SendGrant`] (the macro evaluates the
/// case's value expression only then), or spent by [`SendValueOp`].
#[doc(hidden)]
pub struct SendOp<T, S: Borrow<Sender<T>>> {
    /// The sender; `None` when the case is disabled.
    tx: Option<S>,
    /// Our reservation, while waiting.
    key: Option<Key>,
    /// What the case won, until it is handed out: the driver finishes a
    /// select with its chosen case, and the macro's dispatch (or
    /// [`SendValueOp`]) hands the win out at once, so a slot never stays
    /// here. (No `Drop` impl: it would keep the borrowed sender alive as
    /// long as the case, for borrowck.)
    won: Option<Won>,
    /// The item type.
    item: PhantomData<fn(T)>,
}

impl<T, S: Borrow<Sender<T>>> SendOp<T, S> {
    /// A case that sends on `tx` once it is chosen.
    #[inline]
    pub fn new(tx: S) -> Self {
        SendOp {
            tx: Some(tx),
            key: None,
            won: None,
            item: PhantomData,
        }
    }

    /// A case whose guard is false: it never happens.
    #[inline]
    pub fn disabled() -> Self {
        SendOp {
            tx: None,
            key: None,
            won: None,
            item: PhantomData,
        }
    }

    /// The sender, if the case takes part (enabled, nothing won yet).
    #[inline]
    fn take_part(&self) -> Option<&Sender<T>> {
        match &self.tx {
            Some(tx) if self.won.is_none() => Some(tx.borrow()),
            _ => None,
        }
    }

    /// Hands out what the case won: `Some(Ok(sender))` a slot now the
    /// caller's to send through (or give back), `Some(Err(()))` a closed
    /// channel, `None` nothing.
    #[inline]
    fn take_won(&mut self) -> Option<Result<&Sender<T>, ()>> {
        match self.won.take()? {
            Won::Slot => Some(Ok(self
                .tx
                .as_ref()
                .expect("a case that won has a sender")
                .borrow())),
            Won::Closed => Some(Err(())),
        }
    }
}

impl<'a, T> SendOp<T, &'a Sender<T>> {
    /// What the macro's case won, if it happened: a [`SendGrant`] that sends
    /// the value expression's value (evaluated only now) through the slot,
    /// or hands it back from a closed channel.
    #[inline]
    pub fn take_outcome(&mut self) -> Option<SendGrant<'a, T>> {
        let tx: &'a Sender<T> = self.tx?;
        Some(match self.take_won()? {
            Ok(_) => SendGrant::Slot(Permit::new(&tx.chan)),
            Err(()) => SendGrant::Closed,
        })
    }
}

impl<T, S: Borrow<Sender<T>>> Case for SendOp<T, S> {
    #[inline]
    fn attempt(&mut self, ticket: &Ticket<'_>) -> Attempt {
        let Some(tx) = self.take_part() else {
            return Attempt::Out;
        };
        match tx.chan.select_reserve(&ticket.0) {
            CaseSend::Granted => {
                self.won = Some(Won::Slot);
                Attempt::Ready
            }
            CaseSend::Closed => {
                self.won = Some(Won::Closed);
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
        self.won = Some(match tx.chan.select_first_look_send() {
            TryReserve::Granted => Won::Slot,
            TryReserve::Closed => Won::Closed,
            TryReserve::Full => return FirstLook::NotReady,
        });
        FirstLook::Ready
    }

    #[inline]
    fn complete(&mut self) {
        let (Some(tx), Some(key)) = (&self.tx, self.key.take()) else {
            return;
        };
        let granted = tx.borrow().chan.select_reserve_done(key);
        self.won = Some(if granted { Won::Slot } else { Won::Closed });
    }

    #[inline]
    fn abort(&mut self) {
        if let (Some(tx), Some(key)) = (&self.tx, self.key.take()) {
            tx.borrow().chan.cancel_reserve(key);
        }
    }

    #[inline]
    fn enabled(&self) -> bool {
        self.take_part().is_some()
    }
}

impl<T, S: Borrow<Sender<T>>> fmt::Debug for SendOp<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendOp")
            .field("enabled", &self.tx.is_some())
            .field("waiting", &self.key.is_some())
            .field("won", &self.won)
            .finish()
    }
}

/// What the macro's chosen send case hands its body: the slot it won, or
/// the closed channel it found. [`send`](SendGrant::send) takes the value,
/// evaluated only now that the case is chosen.
#[doc(hidden)]
#[derive(Debug)]
pub enum SendGrant<'a, T> {
    /// The case holds a slot: sending never waits. Dropped unused (the value
    /// expression panicked), the slot goes to the next in line.
    Slot(Permit<'a, T>),
    /// The channel is closed.
    Closed,
}

impl<T> SendGrant<'_, T> {
    /// Sends `value` through the slot; hands it back if the channel is
    /// closed (or was closed for good since: see [`Permit::send`]).
    #[inline]
    pub fn send(self, value: T) -> Result<(), SendError<T>> {
        match self {
            SendGrant::Slot(permit) => permit.send(value),
            SendGrant::Closed => Err(SendError(value)),
        }
    }
}

/// The dynamic select's send case: a [`SendOp`] and the value it sends once
/// it wins a slot. A case that loses keeps its value for the next select.
pub(crate) struct SendValueOp<'a, T> {
    /// Wins the slot.
    op: SendOp<T, Held<'a, Sender<T>>>,
    /// The value, while it is ours to send.
    value: Option<T>,
    /// The result, once this case happened and until it is taken.
    result: Option<Result<(), SendError<T>>>,
}

impl<'a, T> SendValueOp<'a, T> {
    /// A case that sends `value` on `tx`.
    pub(super) fn new(tx: Held<'a, Sender<T>>, value: T) -> Self {
        SendValueOp {
            op: SendOp::new(tx),
            value: Some(value),
            result: None,
        }
    }

    /// The case won (a slot, or a closed channel): its value goes out, or
    /// comes back in the result.
    fn settle(&mut self) {
        let Some(won) = self.op.take_won() else {
            return;
        };
        let value = self
            .value
            .take()
            .expect("a case that takes part has a value");
        self.result = Some(match won {
            Ok(tx) => tx
                .chan
                .send_permit(Item::new(value))
                .map_err(|item| SendError(item.value)),
            Err(()) => Err(SendError(value)),
        });
    }

    /// The result, if this case happened and it was not taken yet.
    pub(super) fn take_result(&mut self) -> Option<Result<(), SendError<T>>> {
        self.result.take()
    }

    /// Whether it holds a result not taken yet.
    pub(super) fn has_result(&self) -> bool {
        self.result.is_some()
    }

    /// Whether it holds a value not sent yet.
    pub(super) fn has_value(&self) -> bool {
        self.value.is_some()
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

    /// Whether the case takes part (a value to send, no result waiting).
    fn takes_part(&self) -> bool {
        self.value.is_some() && self.result.is_none()
    }
}

impl<T> Case for SendValueOp<'_, T> {
    fn attempt(&mut self, ticket: &Ticket<'_>) -> Attempt {
        if !self.takes_part() {
            return Attempt::Out;
        }
        let a = self.op.attempt(ticket);
        if a == Attempt::Ready {
            self.settle();
        }
        a
    }

    fn first_look(&mut self) -> FirstLook {
        if !self.takes_part() {
            return FirstLook::Out;
        }
        let look = self.op.first_look();
        if look == FirstLook::Ready {
            self.settle();
        }
        look
    }

    fn complete(&mut self) {
        self.op.complete();
        self.settle();
    }

    fn abort(&mut self) {
        self.op.abort();
    }

    fn enabled(&self) -> bool {
        self.takes_part() && self.op.enabled()
    }
}
