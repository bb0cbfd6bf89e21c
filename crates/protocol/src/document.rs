//! Meeting documents on the wire: what the secretariat files, what readers list and open,
//! search results and read receipts.

use ecabinet_domain::document::{AnnotationKind, Confidentiality, DocumentKind, Readers, Region};
use ecabinet_domain::{AgendaItemId, MeetingId, UserId};
use serde::{Deserialize, Serialize};

/// The `meta` part of an upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// Title (1 to 300 characters).
    pub title: String,
    /// `submission`, `draft_resolution`, `draft_instrument`, `report` or `other`.
    pub kind: String,
    /// `normal`, `confidential`, `secret` or `top_secret`.
    pub confidentiality: String,
    /// The agenda item it belongs to, if any.
    #[serde(default)]
    pub item_id: Option<i64>,
    /// Readers; absent means every participant of the meeting.
    #[serde(default)]
    pub readers: Option<Vec<UserId>>,
}

/// Answer to an upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    /// Document id.
    pub id: i64,
    /// The version just uploaded.
    pub version: i64,
}

/// A document in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSummary {
    /// Document id.
    pub id: i64,
    /// Its meeting, for a meeting's document.
    pub meeting_id: Option<MeetingId>,
    /// Its written poll, for a poll's document.
    pub opinion_id: Option<i64>,
    /// Its outgoing register entry, for an exchanged file sent from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outgoing_id: Option<i64>,
    /// Its incoming register entry, for an exchanged file received here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming_id: Option<i64>,
    /// Its agenda item.
    pub item_id: Option<AgendaItemId>,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: DocumentKind,
    /// Confidentiality.
    pub confidentiality: Confidentiality,
    /// Readers.
    pub readers: Readers,
    /// The version readers see (0: none yet).
    pub current_version: i64,
    /// The newest upload.
    pub latest_version: i64,
    /// `rendering`, `ready` or `failed` (of the newest upload).
    pub status: String,
    /// Why the newest upload failed, in words (English).
    pub failure: Option<String>,
    /// The same reason as data, so that the UI says it in its own language.
    #[serde(default)]
    pub failure_detail: Option<FailureDetail>,
    /// Pages of the newest upload (0 until it opened).
    pub pages: i64,
    /// Pages rendered so far.
    pub pages_rendered: i64,
    /// Uploaded file name.
    pub file_name: String,
    /// Its size.
    pub size_bytes: i64,
}

/// Why a file was refused, as the render pipeline records it: a `code` (`not_pdf`,
/// `encrypted`, `damaged`, `no_pages`, `too_many_pages`, `page_too_large`, `page_failed`,
/// `crashed`, `timed_out`, `storage`, `unconfined`) and the numbers its message needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureDetail {
    /// What went wrong.
    pub code: String,
    /// The page concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Pages in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// The page limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// Page width, points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width_pt: Option<u32>,
    /// Page height, points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_pt: Option<u32>,
}

/// A page's size and whether its image is ready.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageInfo {
    /// From 1.
    pub page: i64,
    /// Width in points.
    pub width_pt: f64,
    /// Height in points.
    pub height_pt: f64,
    /// Whether its images can be fetched.
    pub rendered: bool,
}

/// `GET /api/documents/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentView {
    /// The document.
    pub summary: DocumentSummary,
    /// The version shown.
    pub version: i64,
    /// Widths the pages exist in, pixels (the first is the page view's).
    pub widths: Vec<u32>,
    /// Its pages.
    pub pages: Vec<PageInfo>,
    /// Whether this reader may download the original PDF.
    pub original_allowed: bool,
    /// Whether pages carry the reader's name and the time.
    pub watermarked: bool,
    /// Pages that changed since the version this reader last opened (empty if none, or
    /// if this is the first they open).
    #[serde(default)]
    pub changed_since_read: Vec<u32>,
    /// The version this reader opened last before this one, if any.
    #[serde(default)]
    pub last_read_version: Option<i64>,
    /// Whether the pages' text is served and searched; false for a level whose text is
    /// withheld (Tối mật and Tuyệt mật by default): the pages are images only.
    #[serde(default = "yes")]
    pub text_available: bool,
}

fn yes() -> bool {
    true
}

/// Pages of one document where a search matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Document id.
    pub document_id: i64,
    /// Its title.
    pub title: String,
    /// Page, from 1.
    pub page: i64,
    /// Occurrences on the page.
    pub count: usize,
    /// The first occurrences as `[before, match, after]`, spelled as on the page.
    pub snippets: Vec<[String; 3]>,
}

/// `GET /api/meetings/{id}/documents/search`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResult {
    /// The query as sent.
    pub query: String,
    /// Pages that matched, by document then page.
    pub hits: Vec<SearchHit>,
    /// Documents this user reads whose text is withheld at their level, so not searched.
    #[serde(default)]
    pub not_searchable: Vec<i64>,
}

/// One reader's opens of one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadReceipt {
    /// Reader.
    pub user_id: UserId,
    /// Name.
    pub name: String,
    /// Version.
    pub version: i64,
    /// First open, Unix ms.
    pub first_at: i64,
    /// Last open.
    pub last_at: i64,
    /// Number of opens.
    pub opens: i64,
}

/// A member's private annotation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// Annotation id.
    pub id: i64,
    /// Its document.
    pub document_id: i64,
    /// The version it is on.
    pub version: i64,
    /// Page, from 1.
    pub page: i64,
    /// Highlight or note.
    pub kind: AnnotationKind,
    /// Where on the page.
    pub region: Region,
    /// One of the palette's colours.
    pub color: String,
    /// The note's text (may be empty for a highlight).
    pub note: String,
    /// Last change, Unix ms.
    pub updated_at: i64,
    /// The annotation of the previous version it was carried over from.
    pub carried_from: Option<i64>,
}

/// `POST /api/documents/{id}/annotations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotationInput {
    /// The version (the one being read).
    pub version: i64,
    /// Page, from 1.
    pub page: i64,
    /// Highlight or note.
    pub kind: AnnotationKind,
    /// Where.
    pub region: Region,
    /// Colour (default yellow).
    #[serde(default = "yellow")]
    pub color: String,
    /// Text.
    #[serde(default)]
    pub note: String,
}

fn yellow() -> String {
    "yellow".into()
}

/// `PUT /api/annotations/{id}`: what changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotationPatch {
    /// New region.
    #[serde(default)]
    pub region: Option<Region>,
    /// New colour.
    #[serde(default)]
    pub color: Option<String>,
    /// New text.
    #[serde(default)]
    pub note: Option<String>,
}
