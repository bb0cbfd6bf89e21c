//! Written opinion polls on the wire: the draft the secretariat prepares, the summary in
//! inboxes and dashboards (pushed live on `opinions` and `opinions:<user id>`), the view a
//! member's device signs against, answer submissions, and the aggregated report.

use crate::poll::Receipt;
use ecabinet_domain::UserId;
use ecabinet_domain::opinion::{
    Answer, NonResponse, OpinionDefinition, OpinionResult, OpinionResultRecord,
};
use ecabinet_domain::poll::PollStatus;
use ecabinet_domain::vote::DecisionRule;
use serde::{Deserialize, Serialize};

/// `POST /api/opinions` and `PUT /api/opinions/{id}`: a draft poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionInput {
    /// The question.
    pub question: String,
    /// The draft decision the question is about.
    #[serde(default)]
    pub draft_decision: String,
    /// Members asked; every member (and the chair) when empty.
    #[serde(default)]
    pub addressees: Vec<UserId>,
    /// When answers stop, Unix ms.
    pub deadline: i64,
    /// The rule in full; the Government's written-poll rule when absent.
    #[serde(default)]
    pub rule: Option<DecisionRule>,
    /// How a missing answer counts; "not agreeing" when absent.
    #[serde(default)]
    pub non_response: NonResponse,
    /// Reminders, in minutes before the deadline (default: one day and one hour).
    #[serde(default)]
    pub reminders: Option<Vec<u32>>,
    /// Copy e-mail reminders to each member's advisory staff.
    #[serde(default)]
    pub copy_staff: bool,
}

/// A poll as listed and pushed live: counts only, never who answered what before the close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionSummary {
    /// Poll id.
    pub id: i64,
    /// The question.
    pub question: String,
    /// Draft (not yet sent), open (taking answers) or closed.
    pub status: PollStatus,
    /// When answers stop, Unix ms.
    pub deadline: i64,
    /// Members asked.
    pub addressees: u32,
    /// Members who have answered.
    pub answered: u32,
    /// How a missing answer counts.
    pub non_response: NonResponse,
    /// Who drafted it.
    pub created_by: UserId,
    /// Who approved sending it.
    pub approved_by: Option<UserId>,
    /// When it was sent, Unix ms.
    pub sent_at: Option<i64>,
    /// The count, once closed.
    pub result: Option<OpinionResult>,
    /// On a member's own list: their current answer, if any.
    #[serde(default)]
    pub my_answer: Option<Answer>,
}

/// `POST /api/opinions/{id}/answers`: a signed answer and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerSubmission {
    /// Canonical v1 ballot bytes, hex; the one choice is the answer's index.
    pub ballot: String,
    /// ed25519 signature over them, hex.
    pub signature: String,
    /// The written opinion or comment whose SHA-256 the ballot carries ("" for none).
    #[serde(default)]
    pub text: String,
}

/// One of the viewer's own answers, with the receipt it was acknowledged with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAnswer {
    /// The answer.
    pub answer: Answer,
    /// The text.
    pub text: String,
    /// When it was received, Unix ms.
    pub received_at: i64,
    /// The server's signed receipt.
    pub receipt: Receipt,
}

/// `GET /api/opinions/{id}`: what a member needs to read, sign and check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionView {
    /// The summary.
    pub summary: OpinionSummary,
    /// The draft decision.
    pub draft_decision: String,
    /// The rule.
    pub rule: DecisionRule,
    /// Members asked (drafts: as planned).
    pub addressee_ids: Vec<UserId>,
    /// Reminder times, minutes before the deadline.
    pub reminders: Vec<u32>,
    /// Whether reminders are copied to advisory staff.
    pub copy_staff: bool,
    /// The definition fixed when sent.
    pub definition: Option<OpinionDefinition>,
    /// SHA-256 of its canonical bytes, hex.
    pub definition_hash: Option<String>,
    /// The server's public key, hex.
    pub server_key: String,
    /// The viewer's answers, oldest first (the last one counts).
    pub my_answers: Vec<MyAnswer>,
    /// Once closed: the signed result record and its signature, hex.
    pub result_record: Option<OpinionResultRecord>,
    /// The server's signature over the record, hex.
    pub result_signature: Option<String>,
    /// Deadline changes: when, old and new deadline, why.
    pub changes: Vec<DeadlineChange>,
}

/// `POST /api/opinions/{id}/extend`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The new deadline, Unix ms (later than the current one).
    pub deadline: i64,
    /// Why, for the record and the notice to members.
    #[serde(default)]
    pub reason: String,
}

/// A logged deadline change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineChange {
    /// When, Unix ms.
    pub at: i64,
    /// Who.
    pub actor: UserId,
    /// The deadline before.
    pub old_deadline: i64,
    /// The deadline after.
    pub new_deadline: i64,
    /// Why.
    pub reason: String,
}

/// `POST /api/opinions/{id}/remind`: a reminder now, to everyone who has not answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RemindNow {
    /// A message from the secretariat.
    #[serde(default)]
    pub message: String,
}

/// `POST /api/opinions/{id}/remind` answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminded {
    /// Members reminded.
    pub recipients: u32,
}

/// The state of the `opinions` and `opinions:<user id>` topics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionList {
    /// Newest first.
    pub opinions: Vec<OpinionSummary>,
}

impl OpinionList {
    /// Applies one event of an opinion topic. Events of other kinds are ignored.
    pub fn apply(&mut self, body: &crate::EventBody) {
        use crate::EventBody as E;
        match body {
            E::OpinionChanged { opinion } => {
                self.opinions.retain(|o| o.id != opinion.id);
                self.opinions.push(opinion.clone());
                self.opinions.sort_by_key(|o| std::cmp::Reverse(o.id));
            }
            E::OpinionProgress { id, answered } => {
                if let Some(o) = self.opinions.iter_mut().find(|o| o.id == *id) {
                    o.answered = *answered;
                }
            }
            _ => {}
        }
    }
}

/// One line of the aggregated report (tổng hợp ý kiến).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    /// The member.
    pub user_id: UserId,
    /// Name.
    pub display_name: String,
    /// Position.
    pub title: String,
    /// The answer that counts; none if they did not answer.
    pub answer: Option<Answer>,
    /// Its text.
    pub text: String,
    /// When it was given, Unix ms.
    pub answered_at: Option<i64>,
}

/// `GET /api/opinions/{id}/report` (secretariat and chair): also as `.pdf` and `.xlsx`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionReport {
    /// The poll.
    pub summary: OpinionSummary,
    /// The count: final once closed, provisional before.
    pub result: OpinionResult,
    /// Every addressee, answered or not, by member id.
    pub lines: Vec<ReportLine>,
}
