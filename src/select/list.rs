//! The macro's case list: `&mut` borrows of the case locals nested in pairs,
//! numbered in source order, allocation-free.

use super::case::{Attempt, Case, FirstLook, Ticket};

// ---------------------------------------------------------------------------
// Sets of cases
// ---------------------------------------------------------------------------

/// The cases of one select, by index.
#[doc(hidden)]
pub trait Cases {
    /// The number of cases (taking part or not).
    fn count(&self) -> usize;
    /// Attempts case `i`.
    fn attempt(&mut self, i: usize, ticket: &Ticket<'_>) -> Attempt;
    /// A first look at case `i` ([`Case::first_look`]).
    fn first_look(&mut self, i: usize) -> FirstLook;
    /// Case `chosen` happened (or none did): complete it unless `completed`
    /// says the attempt already did, and withdraw every other case.
    fn finish(&mut self, chosen: Option<usize>, completed: bool);
    /// Whether any case takes part.
    fn any_enabled(&self) -> bool;
}

/// The end of the macro's case list.
#[doc(hidden)]
#[derive(Debug)]
pub struct Nil;

/// The macro's case list: `(&mut last, (.., (&mut first, Nil)))`. The head's
/// index is the length of the tail, so the cases are numbered in source
/// order; lookups by index are comparisons with constants, which the
/// compiler turns into a jump.
#[doc(hidden)]
pub trait CaseList: Cases {
    /// The number of cases.
    const LEN: usize;
}

impl Cases for Nil {
    #[inline]
    fn count(&self) -> usize {
        0
    }
    #[inline]
    fn attempt(&mut self, i: usize, _: &Ticket<'_>) -> Attempt {
        unreachable!("gochan: select case {i} out of range (internal error)")
    }
    #[inline]
    fn first_look(&mut self, i: usize) -> FirstLook {
        unreachable!("gochan: select case {i} out of range (internal error)")
    }
    #[inline]
    fn finish(&mut self, _: Option<usize>, _: bool) {}
    #[inline]
    fn any_enabled(&self) -> bool {
        false
    }
}

impl CaseList for Nil {
    const LEN: usize = 0;
}

impl<C: Case, R: CaseList> Cases for (&mut C, R) {
    #[inline]
    fn count(&self) -> usize {
        Self::LEN
    }
    #[inline]
    fn attempt(&mut self, i: usize, ticket: &Ticket<'_>) -> Attempt {
        if i == R::LEN {
            self.0.attempt(ticket)
        } else {
            self.1.attempt(i, ticket)
        }
    }
    #[inline]
    fn first_look(&mut self, i: usize) -> FirstLook {
        if i == R::LEN {
            self.0.first_look()
        } else {
            self.1.first_look(i)
        }
    }
    #[inline]
    fn finish(&mut self, chosen: Option<usize>, completed: bool) {
        if chosen == Some(R::LEN) {
            if !completed {
                self.0.complete();
            }
        } else {
            self.0.abort();
        }
        self.1.finish(chosen, completed);
    }
    #[inline]
    fn any_enabled(&self) -> bool {
        self.0.enabled() || self.1.any_enabled()
    }
}

impl<C: Case, R: CaseList> CaseList for (&mut C, R) {
    const LEN: usize = R::LEN + 1;
}
