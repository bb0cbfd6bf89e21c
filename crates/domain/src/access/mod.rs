//! Who may do what, one module per context. The server asks these functions on every route
//! and topic; keeping the policy here, pure, over plain facts the caller loads (account
//! role, the role played in a meeting, an organ or a unit, flags such as "drafted it"),
//! lets it be read in one place and tested as a table.
//!
//! A route that names something the user may not even see answers 404, not 403, so that
//! it does not tell what exists: [`Decision`] keeps the two apart.

pub mod devices;
pub mod documents;
pub mod exchange;
pub mod meetings;
pub mod opinions;
pub mod reporting;
pub mod topics;

pub use meetings::{MeetingCapability, can_manage_users, can_prepare_meetings, meeting_allows};
pub use opinions::{OpinionCapability, opinion_allows};

/// The answer to "may this user do this here?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// The user sees the thing but may not do this to it: 403.
    Forbidden,
    /// The user may not even see the thing: 404, as if it did not exist.
    Hidden,
}

impl Decision {
    /// The usual two-step check: hidden unless the user `sees` the thing, forbidden unless
    /// they `may` do this to it.
    pub fn of(sees: bool, may: bool) -> Decision {
        if !sees {
            Decision::Hidden
        } else if !may {
            Decision::Forbidden
        } else {
            Decision::Allow
        }
    }

    /// 403 unless `may` (for things everyone may know exist: a route, a list).
    pub fn forbid_unless(may: bool) -> Decision {
        Decision::of(true, may)
    }

    /// 404 unless `may`.
    pub fn hide_unless(may: bool) -> Decision {
        Decision::of(may, true)
    }

    /// Whether the user may go ahead.
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::Decision;

    #[test]
    fn not_seeing_wins_over_not_being_allowed() {
        assert_eq!(Decision::of(false, false), Decision::Hidden);
        assert_eq!(Decision::of(false, true), Decision::Hidden);
        assert_eq!(Decision::of(true, false), Decision::Forbidden);
        assert_eq!(Decision::of(true, true), Decision::Allow);
        assert_eq!(Decision::forbid_unless(false), Decision::Forbidden);
        assert_eq!(Decision::hide_unless(false), Decision::Hidden);
        assert!(Decision::forbid_unless(true).allowed() && Decision::hide_unless(true).allowed());
    }
}
