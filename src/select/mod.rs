//! `gochan::select!` and the dynamic [`Select`] / [`LocalSelect`]: wait on
//! several sends and receives, and exactly one of them happens.
//!
//! Every case of one select registers on its channel with the same
//! [`Token`](crate::chan::Token). A counterpart completes a registered case only
//! after claiming the token, under that channel's lock, so exactly one case
//! ever happens; the registrations of the other cases are stale from that
//! moment and are removed when the select finishes (or is dropped).
//!
//! A send case waits as a reservation: it wins a slot (on a rendezvous
//! channel, a hand-off promised against a waiting receiver), and only then
//! is its value built (the macro) or taken (the dynamic select) and sent
//! through the slot, which never waits. So a case that loses has sent and
//! built nothing, and a case chosen but dropped gives its slot back.
//!
//! | file | part |
//! |---|---|
//! | `case.rs` | the [`Case`] protocol and the receive and send cases |
//! | `list.rs` | the macro's case list: `&mut` borrows of case locals nested in pairs (`(&mut c2, (&mut c1, (&mut c0, Nil)))`), generic, allocation-free, `Send` exactly when the items are |
//! | `driver.rs` | [`SelectFuture`], which runs both forms over a [`Cases`] set, and [`try_select`] |
//! | `dynamic.rs` | [`Select`] and [`LocalSelect`]: a `Vec` of shared case cells whose typed halves the caller holds ([`RecvCase`], [`SendCase`]); each cell's mutex is the one lock outside `src/chan/`, guarding the case alone |
//! | `macros.rs` | `select!`, normalised case by case, expanded once |

mod case;
mod driver;
mod dynamic;
mod list;
mod macros;

pub use case::{AsReceiver, AsSender, Attempt, Case, RecvOp, SendGrant, SendOp, Ticket};
pub use driver::{try_select, unreachable_case, SelectFuture};
pub use dynamic::{LocalSelect, RecvCase, Select, SelectCase, SendCase};
pub use list::{CaseList, Cases, Nil};
