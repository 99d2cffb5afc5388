//! Errors. Every error that refuses a value carries it back, and none needs
//! `T: Debug`.

use std::fmt;

use thiserror::Error;

/// Omits the value from `Debug` output, so no error needs `T: Debug`.
macro_rules! debug_without_value {
    ($name:ident { $($variant:ident),* $(,)? }) => {
        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($name::$variant(_) => f.write_str(concat!(stringify!($name), "::", stringify!($variant), "(..)")),)*
                }
            }
        }
    };
}

/// `send` failed because the channel is closed; the value comes back.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(1);
/// rx.close();
/// let err = tx.send(7).await.unwrap_err();
/// assert_eq!(err.into_inner(), 7);
/// assert_eq!(gochan::SendError(7).to_string(), "sending on a closed channel");
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Error)]
#[error("sending on a closed channel")]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

/// `try_send` failed; the value comes back.
///
/// # Examples
///
/// ```
/// use gochan::TrySendError;
///
/// let (tx, _rx) = gochan::bounded(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// tx.close();
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Error)]
pub enum TrySendError<T> {
    /// No room now (on a rendezvous channel: no receiver waiting now).
    #[error("sending on a full channel")]
    Full(T),
    /// The channel is closed.
    #[error("sending on a closed channel")]
    Closed(T),
}

debug_without_value!(TrySendError { Full, Closed });

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// Whether the channel was full.
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the channel was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> Self {
        TrySendError::Closed(err.0)
    }
}

/// `send_timeout` failed; the value comes back.
///
/// # Examples
///
/// ```
/// use gochan::SendTimeoutError;
///
/// let err: SendTimeoutError<u8> = SendTimeoutError::Timeout(1);
/// assert!(err.is_timeout());
/// assert_eq!(err.to_string(), "timed out waiting to send");
/// assert_eq!(err.into_inner(), 1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Error)]
pub enum SendTimeoutError<T> {
    /// No room before the deadline.
    #[error("timed out waiting to send")]
    Timeout(T),
    /// The channel is closed.
    #[error("sending on a closed channel")]
    Closed(T),
}

debug_without_value!(SendTimeoutError { Timeout, Closed });

impl<T> SendTimeoutError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }

    /// Whether the deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// Whether the channel was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, SendTimeoutError::Closed(_))
    }
}

/// `deliver` failed.
///
/// # Examples
///
/// ```
/// use gochan::DeliverError;
///
/// let refused: DeliverError<&str> = DeliverError::Closed("job");
/// assert_eq!(refused.into_inner(), Some("job"));
/// let lost: DeliverError<&str> = DeliverError::Undelivered;
/// assert_eq!(lost.to_string(), "the value entered the channel but no receiver will take it");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Error)]
pub enum DeliverError<T> {
    /// The channel was closed before the value entered it; the value comes back.
    #[error("sending on a closed channel")]
    Closed(T),
    /// The value entered the channel, but no receiver will ever take it: every
    /// receiver is gone, or `close_now` handed it to its caller.
    #[error("the value entered the channel but no receiver will take it")]
    Undelivered,
}

impl<T> fmt::Debug for DeliverError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliverError::Closed(_) => f.write_str("DeliverError::Closed(..)"),
            DeliverError::Undelivered => f.write_str("DeliverError::Undelivered"),
        }
    }
}

impl<T> DeliverError<T> {
    /// The value, if it never entered the channel.
    pub fn into_inner(self) -> Option<T> {
        match self {
            DeliverError::Closed(v) => Some(v),
            DeliverError::Undelivered => None,
        }
    }

    /// Whether the channel was closed before the value entered it.
    pub fn is_closed(&self) -> bool {
        matches!(self, DeliverError::Closed(_))
    }
}

/// `recv` failed: the channel is closed and drained.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::unbounded::<u8>();
/// drop(tx);
/// assert_eq!(rx.recv().await, Err(gochan::RecvError));
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
#[error("receiving on a closed channel")]
pub struct RecvError;

/// `try_recv` failed.
///
/// # Examples
///
/// ```
/// use gochan::TryRecvError;
///
/// let (tx, rx) = gochan::bounded::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// tx.close();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
pub enum TryRecvError {
    /// Nothing to receive now (on a rendezvous channel: no sender waiting now).
    #[error("receiving on an empty channel")]
    Empty,
    /// The channel is closed and drained.
    #[error("receiving on a closed channel")]
    Closed,
}

impl TryRecvError {
    /// Whether the channel was empty.
    pub fn is_empty(&self) -> bool {
        matches!(self, TryRecvError::Empty)
    }

    /// Whether the channel was closed and drained.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryRecvError::Closed)
    }
}

impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> Self {
        TryRecvError::Closed
    }
}

/// `recv_timeout` failed.
///
/// # Examples
///
/// ```
/// use gochan::RecvTimeoutError;
///
/// assert_eq!(RecvTimeoutError::Timeout.to_string(), "timed out waiting to receive");
/// assert!(RecvTimeoutError::Closed.is_closed());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
pub enum RecvTimeoutError {
    /// Nothing arrived before the deadline.
    #[error("timed out waiting to receive")]
    Timeout,
    /// The channel is closed and drained.
    #[error("receiving on a closed channel")]
    Closed,
}

impl RecvTimeoutError {
    /// Whether the deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, RecvTimeoutError::Timeout)
    }

    /// Whether the channel was closed and drained.
    pub fn is_closed(&self) -> bool {
        matches!(self, RecvTimeoutError::Closed)
    }
}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        RecvTimeoutError::Closed
    }
}
