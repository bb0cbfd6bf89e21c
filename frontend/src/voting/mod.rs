//! Votes in a meeting: the votes block of a meeting page and of the chair's console, the
//! form of a new vote, and this tablet's side of a ballot (what it signs, how it checks
//! the receipt and the count).

mod ballot;
mod i18n;
mod new_vote;
mod votes;

#[cfg(feature = "hydrate")]
pub(crate) use ballot::{check_receipt, leaf_of};
pub(crate) use i18n::outcome;
pub(crate) use votes::Votes;
