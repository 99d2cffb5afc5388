//! Compile-time checks of the auto traits (`Send`, `Sync`, `Unpin`) of every
//! public type and future, for a `T` that is `Send + Sync`, `Send` only
//! (`Cell<u8>`) and neither (`Rc<u8>`), in the style of tokio's
//! `tests/async_send_sync.rs`; plus the traits every error must have
//! (`Error + Send + Sync + 'static`, `Debug` without `T: Debug`) and the shape
//! of the error messages.
//!
//! A wrong claim here is a compile error, not a test failure.

#![allow(clippy::type_complexity, clippy::diverging_sub_expression)]

use std::cell::Cell;
use std::error::Error;
use std::fmt::Debug;
use std::rc::Rc;
use std::time::Duration;

use gochan::{
    DeliverError, DeliverFuture, OwnedPermit, Permit, PermitIterator, Receiver, RecvError,
    RecvFuture, RecvManyFuture, RecvTimeoutError, ReserveFuture, ReserveManyFuture,
    ReserveOwnedFuture, ScopedSender, SendError, SendFuture, SendOwnedFuture, SendSink,
    SendTimeoutError, Sender, Stats, TryRecvError, TrySendError, WeakSender,
};
use tokio_stream::Stream;

// Send: yes, Sync: yes.
#[allow(dead_code)]
struct YY(u8);

// Send: yes, Sync: no.
#[allow(dead_code)]
struct YN(Cell<u8>);

// Send: no, Sync: no.
#[allow(dead_code)]
struct NN(Rc<u8>);

#[allow(dead_code)]
fn require_send<T: Send>(_t: &T) {}
#[allow(dead_code)]
fn require_sync<T: Sync>(_t: &T) {}
#[allow(dead_code)]
fn require_unpin<T: Unpin>(_t: &T) {}

#[allow(dead_code)]
struct Invalid;

// `AmbiguousIfX::some_item(&v)` compiles only if `v`'s type is *not* X: if it
// is, both impls apply and the call is ambiguous.
#[allow(unused)]
trait AmbiguousIfSend<A> {
    fn some_item(&self) {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
impl<T: ?Sized + Send> AmbiguousIfSend<Invalid> for T {}

#[allow(unused)]
trait AmbiguousIfSync<A> {
    fn some_item(&self) {}
}
impl<T: ?Sized> AmbiguousIfSync<()> for T {}
impl<T: ?Sized + Sync> AmbiguousIfSync<Invalid> for T {}

#[allow(unused)]
trait AmbiguousIfUnpin<A> {
    fn some_item(&self) {}
}
impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
impl<T: ?Sized + Unpin> AmbiguousIfUnpin<Invalid> for T {}

macro_rules! into_todo {
    ($typ:ty) => {{
        let x: $typ = todo!();
        x
    }};
}

macro_rules! assert_fn_send {
    (Send & $(!)?Sync & $(!)?Unpin, $value:expr) => {
        require_send(&$value);
    };
    (!Send & $(!)?Sync & $(!)?Unpin, $value:expr) => {
        AmbiguousIfSend::some_item(&$value);
    };
}
macro_rules! assert_fn_sync {
    ($(!)?Send & Sync & $(!)?Unpin, $value:expr) => {
        require_sync(&$value);
    };
    ($(!)?Send & !Sync & $(!)?Unpin, $value:expr) => {
        AmbiguousIfSync::some_item(&$value);
    };
}
macro_rules! assert_fn_unpin {
    ($(!)?Send & $(!)?Sync & Unpin, $value:expr) => {
        require_unpin(&$value);
    };
    ($(!)?Send & $(!)?Sync & !Unpin, $value:expr) => {
        AmbiguousIfUnpin::some_item(&$value);
    };
}

/// Checks the future (or value) a function or method returns.
macro_rules! async_assert_fn {
    ($($f:ident $(< $($generic:ty),* > )? )::+($($arg:ty),*): $($tok:tt)*) => {
        #[allow(unreachable_code)]
        #[allow(unused_variables)]
        const _: fn() = || {
            let f = $($f $(::<$($generic),*>)? )::+( $( into_todo!($arg) ),* );
            assert_fn_send!($($tok)*, f);
            assert_fn_sync!($($tok)*, f);
            assert_fn_unpin!($($tok)*, f);
        };
    };
}

/// Checks a type.
macro_rules! assert_value {
    ($type:ty: $($tok:tt)*) => {
        #[allow(unreachable_code)]
        #[allow(unused_variables)]
        const _: fn() = || {
            let f: $type = todo!();
            assert_fn_send!($($tok)*, f);
            assert_fn_sync!($($tok)*, f);
            assert_fn_unpin!($($tok)*, f);
        };
    };
}

mod handles {
    use super::*;

    // The handles are `Send + Sync` whenever `T: Send`, like tokio's mpsc.
    assert_value!(Sender<YY>: Send & Sync & Unpin);
    assert_value!(Sender<YN>: Send & Sync & Unpin);
    assert_value!(Sender<NN>: !Send & !Sync & Unpin);
    assert_value!(Receiver<YY>: Send & Sync & Unpin);
    assert_value!(Receiver<YN>: Send & Sync & Unpin);
    assert_value!(Receiver<NN>: !Send & !Sync & Unpin);
    assert_value!(ScopedSender<YY>: Send & Sync & Unpin);
    assert_value!(ScopedSender<YN>: Send & Sync & Unpin);
    assert_value!(ScopedSender<NN>: !Send & !Sync & Unpin);
    assert_value!(WeakSender<YY>: Send & Sync & Unpin);
    assert_value!(WeakSender<YN>: Send & Sync & Unpin);
    assert_value!(WeakSender<NN>: !Send & !Sync & Unpin);
    assert_value!(Stats: Send & Sync & Unpin);

    // The permits hold no value: they follow the handles.
    assert_value!(Permit<'static, YY>: Send & Sync & Unpin);
    assert_value!(Permit<'static, YN>: Send & Sync & Unpin);
    assert_value!(Permit<'static, NN>: !Send & !Sync & Unpin);
    assert_value!(OwnedPermit<YY>: Send & Sync & Unpin);
    assert_value!(OwnedPermit<YN>: Send & Sync & Unpin);
    assert_value!(OwnedPermit<NN>: !Send & !Sync & Unpin);
    assert_value!(PermitIterator<'static, YY>: Send & Sync & Unpin);
    assert_value!(PermitIterator<'static, YN>: Send & Sync & Unpin);
    assert_value!(PermitIterator<'static, NN>: !Send & !Sync & Unpin);
    assert_value!(SendSink<'static, YY>: Send & Sync & Unpin);
    assert_value!(SendSink<'static, YN>: Send & Sync & Unpin);
    assert_value!(SendSink<'static, NN>: !Send & !Sync & Unpin);

    // The constructors.
    async_assert_fn!(gochan::bounded<YY>(usize): Send & Sync & Unpin);
    async_assert_fn!(gochan::bounded<YN>(usize): Send & Sync & Unpin);
    async_assert_fn!(gochan::bounded<NN>(usize): !Send & !Sync & Unpin);
    async_assert_fn!(gochan::unbounded<YY>(): Send & Sync & Unpin);
    async_assert_fn!(gochan::unbounded<YN>(): Send & Sync & Unpin);
    async_assert_fn!(gochan::unbounded<NN>(): !Send & !Sync & Unpin);
    async_assert_fn!(gochan::rendezvous<YY>(): Send & Sync & Unpin);
    async_assert_fn!(gochan::rendezvous<YN>(): Send & Sync & Unpin);
    async_assert_fn!(gochan::rendezvous<NN>(): !Send & !Sync & Unpin);
}

mod futures {
    use super::*;

    // The named futures. A future that holds the value (`SendFuture`,
    // `DeliverFuture`) or `&mut Vec<T>` (`RecvManyFuture`) is `Sync` only if
    // `T` is.
    assert_value!(SendFuture<'static, YY>: Send & Sync & Unpin);
    assert_value!(SendFuture<'static, YN>: Send & !Sync & Unpin);
    assert_value!(SendFuture<'static, NN>: !Send & !Sync & Unpin);
    assert_value!(RecvFuture<'static, YY>: Send & Sync & Unpin);
    assert_value!(RecvFuture<'static, YN>: Send & Sync & Unpin);
    assert_value!(RecvFuture<'static, NN>: !Send & !Sync & Unpin);
    assert_value!(RecvManyFuture<'static, 'static, YY>: Send & Sync & Unpin);
    assert_value!(RecvManyFuture<'static, 'static, YN>: Send & !Sync & Unpin);
    assert_value!(RecvManyFuture<'static, 'static, NN>: !Send & !Sync & Unpin);
    assert_value!(DeliverFuture<'static, YY>: Send & Sync & Unpin);
    assert_value!(DeliverFuture<'static, YN>: Send & !Sync & Unpin);
    assert_value!(DeliverFuture<'static, NN>: !Send & !Sync & Unpin);
    assert_value!(SendOwnedFuture<YY>: Send & Sync & Unpin);
    assert_value!(SendOwnedFuture<YN>: Send & !Sync & Unpin);
    assert_value!(SendOwnedFuture<NN>: !Send & !Sync & Unpin);
    assert_value!(ReserveFuture<'static, YY>: Send & Sync & Unpin);
    assert_value!(ReserveFuture<'static, YN>: Send & Sync & Unpin);
    assert_value!(ReserveFuture<'static, NN>: !Send & !Sync & Unpin);
    assert_value!(ReserveOwnedFuture<YY>: Send & Sync & Unpin);
    assert_value!(ReserveOwnedFuture<YN>: Send & Sync & Unpin);
    assert_value!(ReserveOwnedFuture<NN>: !Send & !Sync & Unpin);
    assert_value!(ReserveManyFuture<'static, YY>: Send & Sync & Unpin);
    assert_value!(ReserveManyFuture<'static, YN>: Send & Sync & Unpin);
    assert_value!(ReserveManyFuture<'static, NN>: !Send & !Sync & Unpin);

    // What the methods actually return.
    async_assert_fn!(Sender<YY>::send(_, YY): Send & Sync & Unpin);
    async_assert_fn!(Sender<YN>::send(_, YN): Send & !Sync & Unpin);
    async_assert_fn!(Sender<NN>::send(_, NN): !Send & !Sync & Unpin);
    async_assert_fn!(Sender<YY>::deliver(_, YY): Send & Sync & Unpin);
    async_assert_fn!(Sender<YN>::deliver(_, YN): Send & !Sync & Unpin);
    async_assert_fn!(Sender<NN>::deliver(_, NN): !Send & !Sync & Unpin);
    async_assert_fn!(Sender<YY>::send_owned(_, YY): Send & Sync & Unpin);
    async_assert_fn!(Sender<YN>::send_owned(_, YN): Send & !Sync & Unpin);
    async_assert_fn!(Sender<NN>::send_owned(_, NN): !Send & !Sync & Unpin);
    async_assert_fn!(Sender<YY>::reserve(_): Send & Sync & Unpin);
    async_assert_fn!(Sender<YN>::reserve(_): Send & Sync & Unpin);
    async_assert_fn!(Sender<NN>::reserve(_): !Send & !Sync & Unpin);
    async_assert_fn!(Sender<YY>::reserve_owned(_): Send & Sync & Unpin);
    async_assert_fn!(Sender<YN>::reserve_owned(_): Send & Sync & Unpin);
    async_assert_fn!(Sender<NN>::reserve_owned(_): !Send & !Sync & Unpin);
    async_assert_fn!(Sender<YY>::reserve_many(_, usize): Send & Sync & Unpin);
    async_assert_fn!(Sender<YN>::reserve_many(_, usize): Send & Sync & Unpin);
    async_assert_fn!(Sender<NN>::reserve_many(_, usize): !Send & !Sync & Unpin);
    async_assert_fn!(Sender<YY>::send_timeout(_, YY, Duration): Send & Sync & !Unpin);
    async_assert_fn!(Sender<YN>::send_timeout(_, YN, Duration): Send & !Sync & !Unpin);
    async_assert_fn!(Sender<NN>::send_timeout(_, NN, Duration): !Send & !Sync & !Unpin);
    async_assert_fn!(Sender<YY>::closed(_): Send & Sync & !Unpin);
    async_assert_fn!(Sender<YN>::closed(_): Send & Sync & !Unpin);
    async_assert_fn!(Sender<NN>::closed(_): !Send & !Sync & !Unpin);
    async_assert_fn!(Sender<YY>::join(_): Send & Sync & !Unpin);
    async_assert_fn!(Sender<YN>::join(_): Send & Sync & !Unpin);
    async_assert_fn!(Sender<NN>::join(_): !Send & !Sync & !Unpin);

    async_assert_fn!(Receiver<YY>::recv(_): Send & Sync & Unpin);
    async_assert_fn!(Receiver<YN>::recv(_): Send & Sync & Unpin);
    async_assert_fn!(Receiver<NN>::recv(_): !Send & !Sync & Unpin);
    async_assert_fn!(Receiver<YY>::recv_many(_, &mut Vec<YY>, usize): Send & Sync & Unpin);
    async_assert_fn!(Receiver<YN>::recv_many(_, &mut Vec<YN>, usize): Send & !Sync & Unpin);
    async_assert_fn!(Receiver<NN>::recv_many(_, &mut Vec<NN>, usize): !Send & !Sync & Unpin);
    async_assert_fn!(Receiver<YY>::recv_timeout(_, Duration): Send & Sync & !Unpin);
    async_assert_fn!(Receiver<YN>::recv_timeout(_, Duration): Send & Sync & !Unpin);
    async_assert_fn!(Receiver<NN>::recv_timeout(_, Duration): !Send & !Sync & !Unpin);
    async_assert_fn!(Receiver<YY>::closed(_): Send & Sync & !Unpin);
    async_assert_fn!(Receiver<YN>::closed(_): Send & Sync & !Unpin);
    async_assert_fn!(Receiver<NN>::closed(_): !Send & !Sync & !Unpin);
    async_assert_fn!(Receiver<YY>::join(_): Send & Sync & !Unpin);
    async_assert_fn!(Receiver<YN>::join(_): Send & Sync & !Unpin);
    async_assert_fn!(Receiver<NN>::join(_): !Send & !Sync & !Unpin);

    // Through a scoped sender's `Deref`.
    #[allow(unreachable_code)]
    #[allow(unused_variables)]
    const _: fn() = || {
        let tx: ScopedSender<YN> = todo!();
        let f = tx.send(todo!());
        assert_fn_send!(Send & !Sync & Unpin, f);
        assert_fn_sync!(Send & !Sync & Unpin, f);
        assert_fn_unpin!(Send & !Sync & Unpin, f);
    };
}

mod errors {
    use super::*;

    // Value-carrying errors follow `T`; the others are plain data.
    assert_value!(SendError<YY>: Send & Sync & Unpin);
    assert_value!(SendError<YN>: Send & !Sync & Unpin);
    assert_value!(SendError<NN>: !Send & !Sync & Unpin);
    assert_value!(TrySendError<YY>: Send & Sync & Unpin);
    assert_value!(TrySendError<YN>: Send & !Sync & Unpin);
    assert_value!(TrySendError<NN>: !Send & !Sync & Unpin);
    assert_value!(SendTimeoutError<YY>: Send & Sync & Unpin);
    assert_value!(SendTimeoutError<YN>: Send & !Sync & Unpin);
    assert_value!(SendTimeoutError<NN>: !Send & !Sync & Unpin);
    assert_value!(DeliverError<YY>: Send & Sync & Unpin);
    assert_value!(DeliverError<YN>: Send & !Sync & Unpin);
    assert_value!(DeliverError<NN>: !Send & !Sync & Unpin);
    assert_value!(RecvError: Send & Sync & Unpin);
    assert_value!(TryRecvError: Send & Sync & Unpin);
    assert_value!(RecvTimeoutError: Send & Sync & Unpin);
}

fn require_error<E: Error + Send + Sync + 'static>() {}
fn require_error_send<E: Error + Send + 'static>() {}
fn require_debug<T: Debug>() {}
fn require_clone<T: Clone>() {}

/// Every error is a `std::error::Error + Send + Sync + 'static` for any
/// `T: Send + Sync + 'static`: no `T: Debug` or `T: Display` needed, so it
/// goes into `Box<dyn Error + Send + Sync>` (anyhow, `?`).
#[allow(dead_code)]
fn errors_are_std_errors<T: Send + Sync + 'static>() {
    require_error::<SendError<T>>();
    require_error::<TrySendError<T>>();
    require_error::<SendTimeoutError<T>>();
    require_error::<DeliverError<T>>();
    require_error::<RecvError>();
    require_error::<TryRecvError>();
    require_error::<RecvTimeoutError>();
}

/// With `T: Send + 'static` only (not `Sync`), the value-carrying errors are
/// still `Error + Send + 'static`; they cannot be `Sync` since they hold the
/// `T` (see the `Send & !Sync` lines above).
#[allow(dead_code)]
fn errors_are_send_errors<T: Send + 'static>() {
    require_error_send::<SendError<T>>();
    require_error_send::<TrySendError<T>>();
    require_error_send::<SendTimeoutError<T>>();
    require_error_send::<DeliverError<T>>();
}

/// `Debug` for every public type, with no bound on `T` at all.
#[allow(dead_code)]
fn debug_without_t_debug<'a, T: 'a>() {
    require_debug::<Sender<T>>();
    require_debug::<Receiver<T>>();
    require_debug::<ScopedSender<T>>();
    require_debug::<WeakSender<T>>();
    require_debug::<SendFuture<'a, T>>();
    require_debug::<RecvFuture<'a, T>>();
    require_debug::<RecvManyFuture<'a, 'a, T>>();
    require_debug::<DeliverFuture<'a, T>>();
    require_debug::<SendOwnedFuture<T>>();
    require_debug::<ReserveFuture<'a, T>>();
    require_debug::<ReserveOwnedFuture<T>>();
    require_debug::<ReserveManyFuture<'a, T>>();
    require_debug::<Permit<'a, T>>();
    require_debug::<OwnedPermit<T>>();
    require_debug::<PermitIterator<'a, T>>();
    require_debug::<SendSink<'a, T>>();
    require_debug::<Stats>();
    require_debug::<SendError<T>>();
    require_debug::<TrySendError<T>>();
    require_debug::<SendTimeoutError<T>>();
    require_debug::<DeliverError<T>>();
    require_debug::<RecvError>();
    require_debug::<TryRecvError>();
    require_debug::<RecvTimeoutError>();
}

/// The handles are `Clone` with no bound on `T`, and the receiver is a
/// `Stream` of `T`.
#[allow(dead_code)]
fn handles_clone_and_stream<T: 'static>() {
    require_clone::<Sender<T>>();
    require_clone::<Receiver<T>>();
    require_clone::<WeakSender<T>>();
    fn require_stream<S: Stream<Item = T>, T>() {}
    require_stream::<Receiver<T>, T>();
    fn require_fused_stream<S: ::futures::stream::FusedStream<Item = T>, T>() {}
    require_fused_stream::<Receiver<T>, T>();
    fn require_sink<S: ::futures::Sink<T, Error = SendError<T>>, T>() {}
    require_sink::<SendSink<'static, T>, T>();
    fn require_fused_future<F: ::futures::future::FusedFuture>() {}
    require_fused_future::<SendFuture<'static, T>>();
    require_fused_future::<SendOwnedFuture<T>>();
    require_fused_future::<ReserveOwnedFuture<T>>();
    require_fused_future::<ReserveManyFuture<'static, T>>();
}

/// A value type that implements neither `Debug` nor `Display`.
struct NoDebug;

#[test]
fn errors_box_into_dyn_error() {
    errors_are_std_errors::<NoDebug>();
    errors_are_send_errors::<Cell<u8>>();
    debug_without_t_debug::<NoDebug>();
    handles_clone_and_stream::<NoDebug>();

    let errs: Vec<Box<dyn Error + Send + Sync + 'static>> = vec![
        Box::new(SendError(NoDebug)),
        Box::new(TrySendError::Full(NoDebug)),
        Box::new(TrySendError::Closed(NoDebug)),
        Box::new(SendTimeoutError::Timeout(NoDebug)),
        Box::new(SendTimeoutError::Closed(NoDebug)),
        Box::new(DeliverError::Closed(NoDebug)),
        Box::new(DeliverError::<NoDebug>::Undelivered),
        Box::new(RecvError),
        Box::new(TryRecvError::Empty),
        Box::new(TryRecvError::Closed),
        Box::new(RecvTimeoutError::Timeout),
        Box::new(RecvTimeoutError::Closed),
    ];
    for e in &errs {
        assert!(e.source().is_none());
    }
}

#[test]
fn debug_names_the_error_without_the_value() {
    assert!(format!("{:?}", SendError(NoDebug)).contains("SendError"));
    assert!(format!("{:?}", TrySendError::Full(NoDebug)).contains("Full"));
    assert!(format!("{:?}", TrySendError::Closed(NoDebug)).contains("Closed"));
    assert!(format!("{:?}", SendTimeoutError::Timeout(NoDebug)).contains("Timeout"));
    assert!(format!("{:?}", SendTimeoutError::Closed(NoDebug)).contains("Closed"));
    assert!(format!("{:?}", DeliverError::Closed(NoDebug)).contains("Closed"));
    assert!(format!("{:?}", DeliverError::<NoDebug>::Undelivered).contains("Undelivered"));

    let (tx, rx) = gochan::bounded::<NoDebug>(1);
    assert!(format!("{tx:?}").contains("Sender"));
    assert!(format!("{rx:?}").contains("Receiver"));
    assert!(format!("{:?}", tx.downgrade()).contains("WeakSender"));
    assert!(format!("{:?}", tx.send(NoDebug)).contains("SendFuture"));
    assert!(format!("{:?}", tx.deliver(NoDebug)).contains("DeliverFuture"));
    assert!(format!("{:?}", rx.recv()).contains("RecvFuture"));
    let mut buf = Vec::new();
    assert!(format!("{:?}", rx.recv_many(&mut buf, 1)).contains("RecvManyFuture"));
    assert!(format!("{:?}", tx.stats()).contains("Stats"));
    assert!(format!("{:?}", tx.clone().scope()).contains("ScopedSender"));
}

#[test]
fn error_messages_are_lowercase_without_period() {
    let messages = [
        SendError(()).to_string(),
        TrySendError::Full(()).to_string(),
        TrySendError::Closed(()).to_string(),
        SendTimeoutError::Timeout(()).to_string(),
        SendTimeoutError::Closed(()).to_string(),
        DeliverError::Closed(()).to_string(),
        DeliverError::<()>::Undelivered.to_string(),
        RecvError.to_string(),
        TryRecvError::Empty.to_string(),
        TryRecvError::Closed.to_string(),
        RecvTimeoutError::Timeout.to_string(),
        RecvTimeoutError::Closed.to_string(),
    ];
    for msg in &messages {
        assert!(!msg.is_empty());
        assert!(
            msg.starts_with(|c: char| c.is_lowercase()),
            "not lowercase: {msg:?}"
        );
        assert!(!msg.ends_with('.'), "trailing period: {msg:?}");
        assert_eq!(msg.trim(), msg, "stray whitespace: {msg:?}");
    }
    // One word for one idea: every closed error says "closed".
    for msg in [
        SendError(()).to_string(),
        TrySendError::Closed(()).to_string(),
        SendTimeoutError::Closed(()).to_string(),
        DeliverError::Closed(()).to_string(),
        RecvError.to_string(),
        TryRecvError::Closed.to_string(),
        RecvTimeoutError::Closed.to_string(),
    ] {
        assert!(msg.contains("closed"), "{msg:?}");
    }
}

#[test]
fn error_values_come_back() {
    assert_eq!(SendError(1).into_inner(), 1);
    assert_eq!(SendError(1).0, 1);
    assert_eq!(TrySendError::Full(2).into_inner(), 2);
    assert_eq!(TrySendError::Closed(3).into_inner(), 3);
    assert_eq!(SendTimeoutError::Timeout(4).into_inner(), 4);
    assert_eq!(SendTimeoutError::Closed(5).into_inner(), 5);
    assert_eq!(DeliverError::Closed(6).into_inner(), Some(6));
    assert_eq!(DeliverError::<i32>::Undelivered.into_inner(), None);
    assert_eq!(
        TrySendError::from(SendError(7)),
        TrySendError::Closed(7),
        "a closed send is a closed try_send"
    );
    assert_eq!(TryRecvError::from(RecvError), TryRecvError::Closed);
    assert_eq!(RecvTimeoutError::from(RecvError), RecvTimeoutError::Closed);
}

/// Handles and futures are `UnwindSafe` and `RefUnwindSafe` (as tokio's and
/// crossbeam's are) for an unwind-safe `T`: a panic in user code cannot leave
/// the channel inconsistent, since none runs under its lock.
#[test]
fn handles_and_futures_are_unwind_safe() {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    fn both<X: UnwindSafe + RefUnwindSafe>(_: &X) {}
    let (tx, rx) = gochan::bounded::<u32>(1);
    both(&tx);
    both(&rx);
    both(&tx.downgrade());
    both(&tx.send(1));
    both(&tx.deliver(1));
    both(&tx.reserve());
    both(&tx.reserve_many(1));
    both(&tx.clone().reserve_owned());
    both(&tx.clone().send_owned(1));
    both(&tx.sink());
    both(&rx.recv());
    let scoped = tx.clone().scope();
    both(&scoped);
    let res = std::panic::catch_unwind(|| {
        tx.try_send(5).unwrap();
        panic!("user code");
    });
    assert!(res.is_err());
    assert_eq!(rx.try_recv(), Ok(5), "the channel is whole after the panic");
    drop(scoped);
}
