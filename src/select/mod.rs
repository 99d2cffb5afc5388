//! `gochan::select!` and the dynamic [`Select`] / [`LocalSelect`]: wait on
//! several sends and receives, and exactly one of them happens.
//!
//! Every case of one select registers on its channel with the same
//! [`Token`](crate::chan::Token). A counterpart completes a registered case only
//! after claiming the token, under that channel's lock, so exactly one case
//! ever happens; the registrations of the other cases are stale from that
//! moment and are removed when the select finishes (or is dropped).
//!
//! One driver ([`SelectFuture`]) runs both forms over a [`Cases`] set. The
//! macro's set is a list of `&mut` borrows of case locals nested in pairs
//! (`(&mut c2, (&mut c1, (&mut c0, Nil)))`, built by the macro one case at a
//! time), so it is generic, allocates nothing and is `Send` exactly when the
//! items are. The dynamic set is a `Vec` of shared case slots whose typed
//! halves the caller holds ([`RecvCase`], [`SendCase`]).

mod case;
mod driver;
mod dynamic;
mod list;
mod macros;

pub use case::{AsReceiver, AsSender, Attempt, Case, RecvOp, SendOp, Ticket};
pub use driver::{try_select, unreachable_case, SelectFuture};
pub use dynamic::{LocalSelect, RecvCase, Select, SelectCase, SendCase};
pub use list::{CaseList, Cases, Nil};
