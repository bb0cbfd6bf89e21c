//! The exchange screens' words for the registers' codes: statuses, urgency, what a
//! follow-up does, and an outgoing document's state. The screens keep their other words
//! beside them (`pick`).

use crate::platform::{Lang, pick};
use ecabinet_exchange::{Business, Envelope, Priority, Status};

/// The status in words.
pub fn status_label(l: Lang, s: Status) -> &'static str {
    match s {
        Status::Arrived => pick(l, "Đã đến", "Arrived"),
        Status::Rejected => pick(l, "Từ chối", "Rejected"),
        Status::Registered => pick(l, "Đã tiếp nhận", "Registered"),
        Status::Assigned => pick(l, "Đã phân công", "Assigned"),
        Status::Processing => pick(l, "Đang xử lý", "Processing"),
        Status::Done => pick(l, "Hoàn thành", "Done"),
        Status::Withdrawn => pick(l, "Đã thu hồi", "Withdrawn"),
        Status::RevocationAccepted => pick(l, "Đồng ý thu hồi", "Revocation accepted"),
        Status::RevocationRefused => pick(l, "Từ chối thu hồi", "Revocation refused"),
    }
}

pub(super) fn priority_label(l: Lang, p: Priority) -> &'static str {
    match p {
        Priority::Normal => pick(l, "Thường", "Normal"),
        Priority::Urgent => pick(l, "Khẩn", "Urgent"),
        Priority::VeryUrgent => pick(l, "Thượng khẩn", "Very urgent"),
        Priority::Flash => pick(l, "Hỏa tốc", "Flash"),
    }
}

/// What a follow-up does to the document it names, as a verb phrase.
pub(super) fn business_label(l: Lang, b: Business) -> &'static str {
    match b {
        Business::New => pick(l, "Văn bản mới", "New document"),
        Business::Revoke => pick(l, "Thu hồi văn bản", "Revokes"),
        Business::Update => pick(l, "Cập nhật văn bản", "Updates"),
        Business::Replace => pick(l, "Thay thế văn bản", "Replaces"),
    }
}

/// "đã được thay thế" / "has been replaced", for a superseded document.
pub(super) fn superseded_label(l: Lang, b: Business) -> &'static str {
    match b {
        Business::Replace => pick(l, "Đã có văn bản thay thế", "Replaced by a later document"),
        _ => pick(l, "Đã có văn bản cập nhật", "Updated by a later document"),
    }
}

/// A follow-up note: what an entry revokes, updates or replaces, and why.
pub(super) fn follow_up_note(l: Lang, e: &Envelope) -> Option<String> {
    let target = e.target.as_ref()?;
    Some(format!(
        "{} {target}{}",
        business_label(l, e.business),
        if e.reason.is_empty() {
            String::new()
        } else {
            format!(" — {}", e.reason)
        }
    ))
}

pub(super) fn outgoing_label(l: Lang, s: &str) -> &'static str {
    match s {
        "draft" => pick(l, "Dự thảo, chờ ký", "Draft, to be signed"),
        "signed" => pick(l, "Đã ký, chờ gửi", "Signed, to be sent"),
        _ => pick(l, "Đã gửi", "Sent"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_words_in_both_languages() {
        for s in Status::ALL {
            assert!(!status_label(Lang::Vi, s).is_empty());
            assert_ne!(
                status_label(Lang::Vi, s),
                status_label(Lang::En, s),
                "{s:?}"
            );
        }
    }
}
