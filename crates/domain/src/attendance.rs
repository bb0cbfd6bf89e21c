//! Attendance (điểm danh): checked in (in the room or remote) or absent with a reason.

use crate::meeting::{optional_text, required_text};
use crate::{DomainError, UserId};
use serde::{Deserialize, Serialize};

/// How a present participant attends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceMode {
    /// Tại phòng họp.
    InRoom,
    /// Trực tuyến (remote); counts for quorum as in e-Cabinet practice.
    Remote,
}

/// A participant's attendance. No entry means "not yet checked in".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Attendance {
    /// Checked in.
    Present {
        /// In the room or remote.
        mode: PresenceMode,
    },
    /// Reported absence (báo vắng).
    Absent {
        /// Why (required).
        reason: String,
        /// Who attends in their place, if anyone (người dự thay), as free text.
        #[serde(default)]
        substitute: Option<String>,
    },
}

impl Attendance {
    /// Whether this counts as present.
    pub fn is_present(&self) -> bool {
        matches!(self, Attendance::Present { .. })
    }

    /// Trims and checks an absence report.
    pub fn validated(self) -> Result<Attendance, DomainError> {
        match self {
            Attendance::Present { .. } => Ok(self),
            Attendance::Absent { reason, substitute } => {
                let reason = required_text("reason", &reason, 500)?;
                let substitute = match substitute {
                    Some(s) => {
                        let s = optional_text("substitute", &s, 200)?;
                        (!s.is_empty()).then_some(s)
                    }
                    None => None,
                };
                Ok(Attendance::Absent { reason, substitute })
            }
        }
    }
}

/// One participant's attendance, as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceEntry {
    /// Whose.
    pub user_id: UserId,
    /// Present or absent.
    pub attendance: Attendance,
    /// When it was last reported, Unix ms.
    pub at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absence_needs_a_reason() {
        let a = Attendance::Absent {
            reason: "  ".into(),
            substitute: None,
        };
        assert_eq!(a.validated().unwrap_err().code(), "invalid");
        let a = Attendance::Absent {
            reason: " Công tác nước ngoài ".into(),
            substitute: Some("  ".into()),
        };
        assert_eq!(
            a.validated().unwrap(),
            Attendance::Absent {
                reason: "Công tác nước ngoài".into(),
                substitute: None
            }
        );
    }
}
