//! The access gates that several contexts pass: each loads the facts that a rule of
//! `ecabinet_domain::access` needs (the meeting and the caller's part in it, the written
//! poll and whether they drafted it or are asked, the organ and their roles in it), asks
//! the rule, and answers 404 for what the caller may not even see and 403 for what they
//! see but may not do. The rules themselves are pure and live in the domain.

use crate::platform::error::{AppError, AppResult, enforce};
use crate::platform::session::CurrentUser;
use ecabinet_domain::access::exchange::{self, ExchangeCap};
use ecabinet_domain::access::{MeetingCapability, OpinionCapability, meetings, opinions};
use ecabinet_domain::document::DocumentOwner;
use ecabinet_domain::poll::PollStatus;
use ecabinet_domain::{DomainError, MeetingId};
use ecabinet_storage::{IncomingRow, MeetingRow, OpinionRow, OrganRole, OrganRow, OutgoingRow, Tx};

/// Locks the meeting for a command and checks that `user` may use `cap` on it.
/// Meetings the user may not even see answer "not found", not "forbidden".
pub async fn meeting(
    tx: &mut Tx,
    user: &CurrentUser,
    id: MeetingId,
    cap: MeetingCapability,
) -> AppResult<MeetingRow> {
    let row = tx.meeting(id).await?.ok_or(AppError::NotFound)?;
    check_meeting(tx, user, &row, cap).await?;
    Ok(row)
}

/// Like [`meeting`] without locking: for reads, and for commands whose real check
/// happens later under a lock (the ballot desk).
pub async fn meeting_read(
    tx: &mut Tx,
    user: &CurrentUser,
    id: MeetingId,
    cap: MeetingCapability,
) -> AppResult<MeetingRow> {
    let row = tx.meeting_for_read(id).await?.ok_or(AppError::NotFound)?;
    check_meeting(tx, user, &row, cap).await?;
    Ok(row)
}

/// 404 if `user` cannot see the meeting, 403 if they see it but may not use `cap`.
async fn check_meeting(
    tx: &mut Tx,
    user: &CurrentUser,
    row: &MeetingRow,
    cap: MeetingCapability,
) -> AppResult<()> {
    let part = tx.participant_role(row.info.id, user.id()).await?;
    enforce(meetings::meeting_decision(
        user.0.role,
        part,
        row.info.status,
        cap,
    ))
}

/// The poll, locked, after checking `cap`. 404 when the user may not even see it.
pub async fn opinion(
    tx: &mut Tx,
    u: &CurrentUser,
    id: i64,
    cap: OpinionCapability,
) -> AppResult<OpinionRow> {
    let row = tx.opinion(id).await?.ok_or(AppError::NotFound)?;
    opinion_check(tx, u, &row, cap).await?;
    Ok(row)
}

/// The checks of [`opinion`] on a poll already read.
pub async fn opinion_check(
    tx: &mut Tx,
    u: &CurrentUser,
    row: &OpinionRow,
    cap: OpinionCapability,
) -> AppResult<()> {
    let draft = row.status == PollStatus::Draft;
    let addressee = tx.addressees(row.id).await?.contains(&u.id());
    // Drafted or changed it: four eyes means someone else approves what was written.
    let drafted = row.created_by == u.id() || tx.shaped_opinion(row.id, u.id()).await?;
    enforce(opinions::opinion_decision(
        u.0.role, drafted, addressee, draft, cap,
    ))
}

/// The poll read without a lock, after checking `cap` (404 when `u` may not see it).
pub async fn opinion_read(
    tx: &mut Tx,
    u: &CurrentUser,
    id: i64,
    cap: OpinionCapability,
) -> AppResult<OpinionRow> {
    let row = tx.opinion_for_read(id).await?.ok_or(AppError::NotFound)?;
    opinion_check(tx, u, &row, cap).await?;
    Ok(row)
}

/// The poll whose documents `u` changes: the secretariat's, and still a draft, since each
/// signed answer covers the documents' hashes once it is sent. Locked when `lock`.
pub async fn opinion_documents(
    tx: &mut Tx,
    u: &CurrentUser,
    id: i64,
    lock: bool,
) -> AppResult<OpinionRow> {
    let row = if lock {
        opinion(tx, u, id, OpinionCapability::Prepare).await?
    } else {
        opinion_read(tx, u, id, OpinionCapability::Prepare).await?
    };
    if row.status != PollStatus::Draft {
        return Err(AppError::Domain(DomainError::InvalidTransition {
            subject: "written poll",
            from: row.status.as_str(),
            action: "change the documents of",
        }));
    }
    if lock {
        // Its documents are about to change: whoever changes them does not send it.
        tx.note_opinion_editor(id, u.id()).await?;
    }
    Ok(row)
}

/// 404 unless `u` works for the organ of the register entry that owns an exchanged
/// document (any role: clerks, leaders and handlers all read what the organ sends and
/// receives).
pub async fn entry(tx: &mut Tx, u: &CurrentUser, owner: DocumentOwner) -> AppResult<()> {
    match owner {
        DocumentOwner::Outgoing(id) => outgoing(tx, u, id).await.map(|_| ()),
        DocumentOwner::Incoming(id) => incoming(tx, u, id).await.map(|_| ()),
        DocumentOwner::Meeting(_) | DocumentOwner::Opinion(_) => Err(AppError::NotFound),
    }
}

/// The organ, after checking that `u` may use `cap` there, and their roles in it: 404 if
/// unknown or not hosted here, 403 without the role (also for those who work elsewhere:
/// the directory is public).
pub async fn organ(
    tx: &mut Tx,
    u: &CurrentUser,
    organ: &str,
    cap: ExchangeCap,
) -> AppResult<(OrganRow, Vec<OrganRole>)> {
    let (row, roles) = organ_roles(tx, u, organ).await?;
    enforce(exchange::organ_decision(&roles, cap))?;
    Ok((row, roles))
}

/// The organ (404 if unknown or not hosted here) and `u`'s roles in it, none if they work
/// elsewhere.
async fn organ_roles(
    tx: &mut Tx,
    u: &CurrentUser,
    organ: &str,
) -> AppResult<(OrganRow, Vec<OrganRole>)> {
    let row = tx
        .organ(organ)
        .await?
        .filter(|o| o.peer_id.is_none())
        .ok_or(AppError::NotFound)?;
    let roles: Vec<OrganRole> = tx
        .organ_roles(u.id())
        .await?
        .into_iter()
        .filter(|(o, _)| o == organ)
        .map(|(_, r)| r)
        .collect();
    Ok((row, roles))
}

/// An outgoing register entry and `u`'s roles in its organ: 404 unless they work there
/// (they may read it then).
pub async fn outgoing(
    tx: &mut Tx,
    u: &CurrentUser,
    id: i64,
) -> AppResult<(OutgoingRow, Vec<OrganRole>)> {
    let row = tx.outgoing(id).await?.ok_or(AppError::NotFound)?;
    let (_, roles) = organ_roles(tx, u, &row.organ_id).await?;
    enforce(exchange::entry_decision(&roles, ExchangeCap::Read))?;
    Ok((row, roles))
}

/// An incoming register entry and `u`'s roles in its organ: 404 unless they work there
/// (they may read it then).
pub async fn incoming(
    tx: &mut Tx,
    u: &CurrentUser,
    id: i64,
) -> AppResult<(IncomingRow, Vec<OrganRole>)> {
    let row = tx.incoming(id).await?.ok_or(AppError::NotFound)?;
    let (_, roles) = organ_roles(tx, u, &row.organ_id).await?;
    enforce(exchange::entry_decision(&roles, ExchangeCap::Read))?;
    Ok((row, roles))
}
