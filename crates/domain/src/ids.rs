//! Identifier newtypes, so that a meeting id can never be passed where a user id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An account (tài khoản): a member, a secretariat clerk, an admin or an invitee.
    UserId
);
id_type!(
    /// A meeting (phiên họp).
    MeetingId
);
id_type!(
    /// An item of a meeting's agenda (nội dung chương trình họp).
    AgendaItemId
);
