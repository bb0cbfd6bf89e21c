//! Written opinion polls (phiếu lấy ý kiến): the secretariat drafts, a second account or
//! the chair approves and sends, members answer with signed ballots until the deadline,
//! reminders go out in-app and by e-mail, the deadline may be extended, and at the deadline
//! the poll closes by itself and is counted. Also the aggregated report and the archive.
//!
//! Answers are few and spread over days, so each is one transaction under the poll's lock
//! (no group commit as for votes in a meeting): the log is rebuilt from the stored answers,
//! the new leaf appended, the receipt signed, and the receipt sent only after the commit.
//!
//! Its files: `drafting` (to sending), `answers`, `deadline` (extensions, reminders, the
//! clock that closes), `results` (with the files of `report`). What they share is here: the
//! errors, the poll's documents as sent, its summary and its announcements.

mod answers;
mod deadline;
mod drafting;
mod report;
mod results;

pub use deadline::run_clock;
pub use drafting::topic_list;

use crate::AppState;
use crate::platform::clock::vn_time;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::platform::gates;
use crate::platform::hex_array;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecabinet_archive::opinion::{AnswerRecord, OpinionBundle, OpinionRecord};
use ecabinet_archive::{DeviceRecord, MemberRecord};
use ecabinet_crypto::log::{PollLog, leaf_hash, receipt_bytes, server_sign};
use ecabinet_crypto::{Ballot, SignedBallot, sha256};
use ecabinet_domain::access::{self, OpinionCapability as Cap};
use ecabinet_domain::opinion::{
    self, Addressee, Answer, AnswerContext, AnswerFacts, GOVERNMENT_RULE, OpinionDefinition,
    OpinionResultRecord, check_draft,
};
use ecabinet_domain::poll::{BallotRefusal, KeyId, PollStatus, check_question};
use ecabinet_domain::{DomainError, Role, UserId};
use ecabinet_protocol::opinion::{
    AnswerSubmission, Extension, MyAnswer, OpinionInput, OpinionReport, OpinionSummary,
    OpinionView, RemindNow, Reminded, ReportLine,
};
use ecabinet_protocol::poll::Receipt;
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::{AnswerRow, Contact, OpinionDraft, OpinionRow, Tx};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Reminders when the draft names none: a day and an hour before the deadline.
const DEFAULT_REMINDERS: [u32; 2] = [24 * 60, 60];
/// Most reminders per poll, and the longest lead (30 days).
const MAX_REMINDERS: usize = 10;
const MAX_REMINDER_MINUTES: u32 = 30 * 24 * 60;
/// Most members one poll may ask.
const MAX_ADDRESSEES: usize = 500;
/// Longest reason for an extension, and longest reminder message, in characters.
const MAX_NOTE_CHARS: usize = 1000;

fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Domain(DomainError::Invalid {
        field,
        reason: reason.into(),
    })
}

fn refuse(r: BallotRefusal) -> AppError {
    AppError::Domain(DomainError::Ballot(r))
}

fn transition(from: PollStatus, action: &'static str) -> AppError {
    AppError::Domain(DomainError::InvalidTransition {
        subject: "written poll",
        from: from.as_str(),
        action,
    })
}

/// The documents as sent: each ready, in the version readers see, with its file's hash.
async fn attached(tx: &mut Tx, id: i64) -> AppResult<Vec<opinion::AttachedDocument>> {
    let mut out = Vec::new();
    for d in tx.documents_of_opinion(id).await? {
        let latest_ready = d
            .latest
            .as_ref()
            .is_some_and(|v| v.status == "ready" && v.version == d.current_version);
        if d.current_version == 0 || !latest_ready {
            return Err(invalid(
                "documents",
                format!(
                    "“{}” is not ready: wait until it has rendered, or replace or remove it",
                    d.title
                ),
            ));
        }
        let sha = tx
            .version_sha256(d.id, d.current_version)
            .await?
            .and_then(|h| hex_array::<32>(&h))
            .ok_or_else(|| AppError::Internal(format!("document {} has no hash", d.id)))?;
        out.push(opinion::AttachedDocument {
            document_id: d.id,
            version: d.current_version,
            sha256: sha,
        });
    }
    Ok(out)
}

/// The answer that counts for each member: their last, in log order.
fn last_answers(answers: &[AnswerRow]) -> BTreeMap<UserId, &AnswerRow> {
    let mut by_member = BTreeMap::new();
    for a in answers {
        by_member.insert(a.member_id, a);
    }
    by_member
}

async fn summary_for(
    tx: &mut Tx,
    row: &OpinionRow,
    member: Option<UserId>,
) -> AppResult<OpinionSummary> {
    let addressees = u32::try_from(tx.addressees(row.id).await?.len()).unwrap_or(u32::MAX);
    let answered = tx.answered_count(row.id).await?;
    let mine = match member {
        Some(m) => tx.answers_of(row.id, m).await?.last().map(|a| a.answer),
        None => None,
    };
    Ok(row.summary(addressees, answered, mine))
}

/// Appends `opinion.changed` to `opinions` and, once sent, to each addressee's list.
async fn announce(tx: &mut Tx, id: i64, actor: Option<UserId>) -> AppResult<()> {
    let row = tx.opinion(id).await?.ok_or(AppError::NotFound)?;
    let all = summary_for(tx, &row, None).await?;
    tx.append(
        Topic::Opinions,
        EventBody::OpinionChanged { opinion: all },
        actor,
    )
    .await?;
    if row.status != PollStatus::Draft {
        for m in tx.addressees(id).await? {
            let mine = summary_for(tx, &row, Some(m)).await?;
            tx.append(
                Topic::OpinionsOf(m),
                EventBody::OpinionChanged { opinion: mine },
                actor,
            )
            .await?;
        }
    }
    Ok(())
}

fn stored_leaf(a: &AnswerRow) -> AppResult<Vec<u8>> {
    let bad = || AppError::Internal("stored answer unreadable".into());
    let mut leaf = hex::decode(&a.bytes).map_err(|_| bad())?;
    leaf.extend(hex::decode(&a.signature).map_err(|_| bad())?);
    Ok(leaf)
}

/// The routes of written opinion polls, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opinions", get(drafting::list).post(drafting::create))
        .route("/opinions/{id}", get(answers::show).put(drafting::update))
        .route("/opinions/{id}/send", post(drafting::send))
        .route("/opinions/{id}/answers", post(answers::answer))
        .route("/opinions/{id}/extend", post(deadline::extend))
        .route("/opinions/{id}/remind", post(deadline::remind))
        .route("/opinions/{id}/report", get(results::report))
        .route("/opinions/{id}/report.xlsx", get(results::report_xlsx))
        .route("/opinions/{id}/report.pdf", get(results::report_pdf))
        .route("/opinions/{id}/archive", get(results::archive))
}
