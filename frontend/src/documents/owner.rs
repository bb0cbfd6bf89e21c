//! Whose documents a card or the viewer shows (a meeting, a written poll, an exchange
//! register entry), and the routes that follow from it.

use ecabinet_protocol::document::DocumentSummary;

/// Whose documents a card or the viewer shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A meeting's, by id.
    Meeting(i64),
    /// A written poll's, by id.
    Opinion(i64),
    /// An outgoing register entry's file, by entry id.
    Outgoing(i64),
    /// An incoming register entry's file, by entry id.
    Incoming(i64),
}

impl Owner {
    /// The page the documents belong to.
    pub fn page(self) -> String {
        match self {
            Owner::Meeting(m) => format!("/meetings/{m}"),
            Owner::Opinion(o) => format!("/opinions/{o}"),
            Owner::Outgoing(_) | Owner::Incoming(_) => "/exchange".to_owned(),
        }
    }

    /// The API route of the list (and of uploads).
    pub fn api(self) -> String {
        match self {
            Owner::Meeting(m) => format!("/api/meetings/{m}/documents"),
            Owner::Opinion(o) => format!("/api/opinions/{o}/documents"),
            Owner::Outgoing(e) => format!("/api/exchange/outgoing/{e}/documents"),
            Owner::Incoming(e) => format!("/api/exchange/incoming/{e}/documents"),
        }
    }

    /// The viewer's route for document `doc`.
    pub fn viewer(self, doc: i64) -> String {
        match self {
            Owner::Meeting(_) | Owner::Opinion(_) => format!("{}/documents/{doc}", self.page()),
            Owner::Outgoing(e) => format!("/exchange/outgoing/{e}/documents/{doc}"),
            Owner::Incoming(e) => format!("/exchange/incoming/{e}/documents/{doc}"),
        }
    }

    /// The owner a document's summary names.
    pub fn of(d: &DocumentSummary) -> Option<Owner> {
        match (d.meeting_id, d.opinion_id, d.outgoing_id, d.incoming_id) {
            (Some(m), ..) => Some(Owner::Meeting(m.0)),
            (_, Some(o), ..) => Some(Owner::Opinion(o)),
            (_, _, Some(e), _) => Some(Owner::Outgoing(e)),
            (_, _, _, Some(e)) => Some(Owner::Incoming(e)),
            _ => None,
        }
    }
}
