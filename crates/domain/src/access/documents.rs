//! Who may see, read, file and follow documents (tài liệu) and their annotations: the
//! server's `documents` and `annotations`. A document's owner decides who sees it (a
//! meeting, a written poll, or a register entry: [`owner_check`] says which of their rules
//! applies); the document's readers, and whether a version is ready, decide the rest.

use super::Decision;
use super::meetings::MeetingCapability;
use super::opinions::OpinionCapability;
use crate::document::{Confidentiality, DocumentOwner, Readers};
use crate::{MeetingId, Role, UserId};

/// Whether `role` prepares documents (the secretariat): it files them, reads all it files
/// whatever their readers, follows the newest upload, and its opens are not logged.
pub fn prepares(role: Role) -> bool {
    role == Role::Secretariat
}

/// What a route does with the documents of one owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentAct {
    /// See them: list, search, read one (and its pages, text, original, annotations).
    See,
    /// File, replace or remove one (`POST …/documents`, `POST /api/documents/{id}/versions`,
    /// `DELETE /api/documents/{id}`).
    File,
    /// Follow who read them (`GET /api/documents/{id}/reads`).
    Oversee,
}

/// The owner's rule a route must pass first, the owner's context answering 404 or 403.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OwnerCheck {
    /// The meeting's rule ([`super::meetings::meeting_decision`]) for this capability.
    Meeting(MeetingId, MeetingCapability),
    /// The written poll's rule ([`super::opinions::opinion_decision`]) for this capability;
    /// filing also needs the poll to be a draft still (409, the server's
    /// `gates::opinion_documents`), since each signed answer covers the documents' hashes.
    Opinion(i64, OpinionCapability),
    /// The register entry's rule: anyone of its organ (404 otherwise,
    /// [`super::exchange::entry_decision`] with [`super::exchange::ExchangeCap::Read`]).
    Entry(DocumentOwner),
}

/// Which rule of the owner's context `act` on the documents of `owner` must pass: seeing
/// needs the owner's view; filing and following reads, the secretariat's side of a meeting
/// or a poll. Exchanged files are read by the organ's people, who also follow who of them
/// read what; nobody files them ([`sealed`]).
pub fn owner_check(owner: DocumentOwner, act: DocumentAct) -> OwnerCheck {
    let (meeting, opinion) = match act {
        DocumentAct::See => (MeetingCapability::View, OpinionCapability::View),
        DocumentAct::File | DocumentAct::Oversee => {
            (MeetingCapability::Prepare, OpinionCapability::Prepare)
        }
    };
    match owner {
        DocumentOwner::Meeting(m) => OwnerCheck::Meeting(m, meeting),
        DocumentOwner::Opinion(o) => OwnerCheck::Opinion(o, opinion),
        DocumentOwner::Outgoing(_) | DocumentOwner::Incoming(_) => OwnerCheck::Entry(owner),
    }
}

/// Whether filing under `owner` is refused whole, once the user sees it (409): an
/// exchanged file is what its signer sealed and cannot be replaced or removed.
pub fn sealed(owner: DocumentOwner) -> bool {
    owner.exchanged()
}

/// Whether someone who can see the meeting (`sees_meeting`, from
/// [`super::meeting_allows`]) may read a document with `readers`. The secretariat
/// (`prepares`) reads everything it files; anyone else must be a reader.
pub fn may_read(sees_meeting: bool, prepares: bool, readers: &Readers, user: UserId) -> bool {
    if !sees_meeting {
        return false;
    }
    prepares
        || match readers {
            Readers::Participants => true,
            Readers::Only(list) => list.contains(&user),
        }
}

/// Whether the original PDF may be downloaded: the secretariat always, a reader only for
/// unclassified documents.
pub fn may_download_original(prepares: bool, level: Confidentiality) -> bool {
    prepares || !level.is_classified()
}

/// One document by id (`GET /api/documents/{id}`, its pages, page text and original, and
/// its annotations), once its owner is seen ([`owner_check`] with [`DocumentAct::See`]):
/// 403 unless `me` is one of its readers (the secretariat always is); 404 for a reader
/// while no version is ready (`current_version` 0).
pub fn read_decision(role: Role, readers: &Readers, me: UserId, current_version: i64) -> Decision {
    if !may_read(true, prepares(role), readers, me) {
        Decision::Forbidden
    } else if !prepares(role) && current_version == 0 {
        Decision::Hidden
    } else {
        Decision::Allow
    }
}

/// Whether a meeting's or a poll's document list (`GET /api/meetings/{id}/documents`,
/// `GET /api/opinions/{id}/documents`) shows a document: all for the secretariat, else
/// ready ones `me` reads. (A register entry's list, `GET /api/exchange/{register}/{id}/documents`,
/// shows all its files to the organ's people.)
pub fn lists(role: Role, readers: &Readers, me: UserId, current_version: i64) -> bool {
    prepares(role) || (current_version > 0 && may_read(true, false, readers, me))
}

/// Whether a search (`GET …/documents/search` of a meeting, a poll or a register entry)
/// looks into a document: one with a ready version that `me` reads, for the secretariat
/// too.
pub fn searches(role: Role, readers: &Readers, me: UserId, current_version: i64) -> bool {
    current_version > 0 && may_read(true, prepares(role), readers, me)
}

/// Which version a reader is shown (`GET /api/documents/{id}`, `…/original`): the newest
/// upload for the secretariat (true), the current (ready) one for anyone else.
pub fn follows_latest(role: Role) -> bool {
    prepares(role)
}

/// A version asked by number (`GET /api/documents/{id}/versions/{v}/pages/{n}` and
/// `…/text`): from 1 to the newest upload for the secretariat, to the current (ready)
/// version for anyone else; 404 beyond.
pub fn version_decision(role: Role, version: i64, newest: i64, current_version: i64) -> Decision {
    let limit = if prepares(role) {
        newest
    } else {
        current_version
    };
    Decision::hide_unless((1..=limit).contains(&version))
}

/// Whether opening a document (`GET /api/documents/{id}`) is logged as a read: everyone's
/// but the secretariat's, whose opens are its work, not reading.
pub fn logs_opens(role: Role) -> bool {
    !prepares(role)
}

/// `GET /api/documents/{id}/original`, once the document is readable: 403 for a reader of
/// a classified document ([`may_download_original`]).
pub fn original_decision(role: Role, level: Confidentiality) -> Decision {
    Decision::forbid_unless(may_download_original(prepares(role), level))
}

/// `GET /api/statistics/documents`: the secretariat and the administration; 403 otherwise.
pub fn reads_statistics(role: Role) -> bool {
    matches!(role, Role::Secretariat | Role::Admin)
}

/// `PUT` and `DELETE /api/annotations/{id}`: one's own annotation (then the document must
/// still be readable); anybody else's does not exist for them (404).
pub fn own_annotation(author: UserId, me: UserId) -> Decision {
    Decision::hide_unless(author == me)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Forbidden, Hidden};

    const ME: UserId = UserId(1);
    const OTHER: UserId = UserId(2);

    #[test]
    fn the_owner_decides_who_sees_files_and_oversees() {
        let m = MeetingId(7);
        use DocumentAct::{File, Oversee, See};
        use MeetingCapability as M;
        use OpinionCapability as O;
        let table = [
            (
                DocumentOwner::Meeting(m),
                See,
                OwnerCheck::Meeting(m, M::View),
            ),
            (
                DocumentOwner::Meeting(m),
                File,
                OwnerCheck::Meeting(m, M::Prepare),
            ),
            (
                DocumentOwner::Meeting(m),
                Oversee,
                OwnerCheck::Meeting(m, M::Prepare),
            ),
            (
                DocumentOwner::Opinion(3),
                See,
                OwnerCheck::Opinion(3, O::View),
            ),
            (
                DocumentOwner::Opinion(3),
                File,
                OwnerCheck::Opinion(3, O::Prepare),
            ),
            (
                DocumentOwner::Opinion(3),
                Oversee,
                OwnerCheck::Opinion(3, O::Prepare),
            ),
        ];
        for (owner, act, want) in table {
            assert_eq!(owner_check(owner, act), want, "{owner:?} {act:?}");
            assert!(!sealed(owner));
        }
        for owner in [DocumentOwner::Outgoing(4), DocumentOwner::Incoming(5)] {
            for act in [See, File, Oversee] {
                assert_eq!(owner_check(owner, act), OwnerCheck::Entry(owner));
            }
            assert!(sealed(owner), "{owner:?}");
        }
    }

    /// Each role × readers × readiness: reading one, listing, searching.
    #[test]
    fn reading_listing_searching_table() {
        let all = Readers::Participants;
        let only_me = Readers::Only(vec![ME]);
        let only_other = Readers::Only(vec![OTHER]);
        // (role, readers, current version) → (read, listed, searched)
        let table = [
            (Role::Secretariat, &only_other, 0, (Allow, true, false)),
            (Role::Secretariat, &only_other, 2, (Allow, true, true)),
            (Role::Secretariat, &all, 0, (Allow, true, false)),
            (Role::Member, &all, 1, (Allow, true, true)),
            (Role::Member, &all, 0, (Hidden, false, false)),
            (Role::Member, &only_me, 1, (Allow, true, true)),
            (Role::Member, &only_other, 1, (Forbidden, false, false)),
            (Role::Member, &only_other, 0, (Forbidden, false, false)),
            (Role::Chair, &only_other, 1, (Forbidden, false, false)),
            (Role::Invitee, &all, 3, (Allow, true, true)),
            (Role::Admin, &only_me, 1, (Allow, true, true)),
        ];
        for (role, readers, v, (read, listed, searched)) in table {
            let why = format!("{role:?} {readers:?} v{v}");
            assert_eq!(read_decision(role, readers, ME, v), read, "{why}");
            assert_eq!(lists(role, readers, ME, v), listed, "{why}");
            assert_eq!(searches(role, readers, ME, v), searched, "{why}");
        }
    }

    #[test]
    fn versions_originals_logs_and_statistics() {
        for role in Role::ALL {
            let sec = role == Role::Secretariat;
            assert_eq!(follows_latest(role), sec, "{role:?}");
            assert_eq!(logs_opens(role), !sec, "{role:?}");
            assert_eq!(
                reads_statistics(role),
                matches!(role, Role::Secretariat | Role::Admin),
                "{role:?}"
            );
            // Newest upload 3, current (ready) version 2.
            for (v, for_secretariat, for_reader) in [
                (0, Hidden, Hidden),
                (1, Allow, Allow),
                (2, Allow, Allow),
                (3, Allow, Hidden),
                (4, Hidden, Hidden),
            ] {
                let want = if sec { for_secretariat } else { for_reader };
                assert_eq!(version_decision(role, v, 3, 2), want, "{role:?} v{v}");
            }
            for level in Confidentiality::ALL {
                let want = if sec || !level.is_classified() {
                    Allow
                } else {
                    Forbidden
                };
                assert_eq!(original_decision(role, level), want, "{role:?} {level:?}");
            }
        }
    }

    #[test]
    fn annotations_are_their_authors_own() {
        assert_eq!(own_annotation(ME, ME), Allow);
        assert_eq!(own_annotation(OTHER, ME), Hidden);
    }
}
