//! Polls on the wire: the summary every participant sees live, the full view with the
//! definition a tablet signs against, ballot submissions and the server's signed receipts.

use ecabinet_domain::poll::{BallotForm, PollDefinition, PollResult, PollStatus, ResultRecord};
use ecabinet_domain::vote::DecisionRule;
use ecabinet_domain::{AgendaItemId, MeetingId, UserId};
use serde::{Deserialize, Serialize};

/// A poll as listed in a meeting and pushed live: no ballots, no choices before the close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollSummary {
    /// Poll id.
    pub id: i64,
    /// Its meeting.
    pub meeting_id: MeetingId,
    /// The agenda item it decides.
    pub item_id: Option<AgendaItemId>,
    /// The question.
    pub question: String,
    /// The ballot form.
    pub form: BallotForm,
    /// The rule.
    pub rule: DecisionRule,
    /// Draft, open or closed.
    pub status: PollStatus,
    /// Members entitled to vote (known once open).
    pub eligible: u32,
    /// Members who have voted so far.
    pub voted: u32,
    /// Seconds it stays open once opened, if timed.
    pub duration_seconds: Option<u32>,
    /// When it closes by itself, Unix ms.
    pub closes_at: Option<i64>,
    /// The count, once closed.
    pub result: Option<PollResult>,
}

/// `POST /api/meetings/{id}/polls`: prepares a poll (a draft).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollInput {
    /// The agenda item it decides.
    #[serde(default)]
    pub item_id: Option<AgendaItemId>,
    /// The question.
    pub question: String,
    /// The ballot form; Tán thành / Không tán thành / Không biểu quyết when absent.
    #[serde(default)]
    pub form: Option<BallotForm>,
    /// A named preset for the rule; "government" when neither this nor `rule` is given.
    #[serde(default)]
    pub preset: Option<RulePreset>,
    /// The rule in full; wins over `preset`.
    #[serde(default)]
    pub rule: Option<DecisionRule>,
    /// Close by itself this many seconds after opening (10 s to 24 h).
    #[serde(default)]
    pub duration_seconds: Option<u32>,
}

/// `POST /api/meetings/{id}/polls` answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedPoll {
    /// The new poll's id.
    pub id: i64,
}

/// Named rules (see `ecabinet_domain::vote::DecisionRule`'s constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RulePreset {
    /// Chính phủ.
    Government,
    /// Quốc hội.
    NationalAssembly,
    /// Hội đồng nhân dân.
    PeoplesCouncil,
    /// Hội đồng quản trị.
    CompanyBoard,
}

impl RulePreset {
    /// The rule it names.
    pub fn rule(self) -> DecisionRule {
        match self {
            RulePreset::Government => DecisionRule::GOVERNMENT,
            RulePreset::NationalAssembly => DecisionRule::NATIONAL_ASSEMBLY,
            RulePreset::PeoplesCouncil => DecisionRule::PEOPLES_COUNCIL,
            RulePreset::CompanyBoard => DecisionRule::COMPANY_BOARD,
        }
    }
}

/// `POST /api/polls/{id}/ballots`: canonical ballot bytes and the device's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotSubmission {
    /// Canonical v1 ballot bytes, hex.
    pub ballot: String,
    /// ed25519 signature over them, hex (64 bytes).
    pub signature: String,
}

/// The server's signed acknowledgement that a ballot is durably stored and logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Poll id.
    pub poll_id: i64,
    /// Position of the ballot in the poll's log (0-based).
    pub index: u64,
    /// RFC 6962 leaf hash of the ballot, hex.
    pub leaf_hash: String,
    /// Leaves in the log right after this ballot.
    pub tree_size: u64,
    /// The log's root at that size, hex.
    pub tree_root: String,
    /// Server signature over the receipt bytes (docs/archive-format.md §3), hex.
    pub signature: String,
    /// Inclusion proof of the leaf in that tree, hex hashes.
    pub inclusion: Vec<String>,
}

/// `GET /api/polls/{id}`: what a tablet needs to show and sign a poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollView {
    /// The summary.
    pub summary: PollSummary,
    /// The definition fixed at opening (absent for drafts).
    pub definition: Option<PollDefinition>,
    /// SHA-256 of its canonical bytes, hex.
    pub definition_hash: Option<String>,
    /// The server's public key, hex, for checking receipts and the result.
    pub server_key: String,
    /// The viewer's own receipts in this poll, oldest first.
    pub my_receipts: Vec<Receipt>,
    /// Once closed: for each of those receipts, the RFC 6962 consistency proof (hex) from
    /// the receipt's tree to the result's, so that the tablet can check that the log the
    /// result was counted from still holds its ballot.
    #[serde(default)]
    pub my_consistency: Vec<Vec<String>>,
    /// The result record the server signed (with the log size and root it was counted
    /// from), once closed.
    pub result_record: Option<ResultRecord>,
    /// The server's signature over its canonical bytes, hex.
    pub result_signature: Option<String>,
}

/// `GET /api/polls/{id}/pending` (chair and secretariat): who has not voted yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Members still to vote.
    pub members: Vec<PendingMember>,
}

/// One member who has not voted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMember {
    /// Account id.
    pub user_id: UserId,
    /// Name.
    pub display_name: String,
    /// Whether they have a key approved for this poll at all.
    pub has_key: bool,
}
