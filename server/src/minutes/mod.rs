//! Meeting minutes (biên bản): the secretariat generates a draft from the meeting's record
//! (attendance, agenda, who had the floor, closed votes) and edits it; the meeting's chair
//! signs the final text on the device; the signed minutes are archived as a PDF with the
//! text's hash and the signature printed, and exported as a bundle `ecabinet verify` checks.

mod pdf;

use crate::AppState;
use crate::platform::clock::vn_time;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult, enforce};
use crate::platform::gates;
use crate::platform::hex_array;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecabinet_archive::minutes::{FORMAT_V1, MinutesBundle};
use ecabinet_archive::{DeviceRecord, MeetingRecord as ArchivedMeeting};
use ecabinet_crypto::sha256;
use ecabinet_domain::access::MeetingCapability as Cap;
use ecabinet_domain::access::meetings;
use ecabinet_domain::attendance::Attendance;
use ecabinet_domain::meeting::MeetingStatus;
use ecabinet_domain::minutes::{
    Attendee, ItemRecord, MeetingRecord, MinutesSignature, VoteRecord, check_text, draft_text,
};
use ecabinet_domain::poll::{BallotRefusal, FormKind, PollStatus, YES_NO_OPTIONS};
use ecabinet_domain::{DomainError, MeetingId, ParticipantRole, UserId};
use ecabinet_protocol::api::{MinutesInput, MinutesSigned, MinutesSubmission, MinutesView};
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::{MinutesRow, Tx};
use std::collections::HashMap;

fn refuse(r: BallotRefusal) -> AppError {
    AppError::Domain(DomainError::Ballot(r))
}

/// The meeting's record as the draft is written from it.
async fn record(tx: &mut Tx, id: MeetingId) -> AppResult<MeetingRecord> {
    let snap = tx.meeting_snapshot(id).await?.ok_or(AppError::NotFound)?;
    let names: HashMap<UserId, String> = snap
        .participants
        .iter()
        .map(|p| (p.user_id, p.display_name.clone()))
        .collect();
    // Who had the floor on which item, from the meeting's event log (the queue itself
    // keeps only the current item).
    let mut item = None;
    let mut spoke: HashMap<i64, Vec<UserId>> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut after = 0;
    loop {
        let events = tx.events_after(Topic::Meeting(id), after, 1000).await?;
        let Some(last) = events.last() else { break };
        after = last.seq;
        for e in &events {
            match &e.body {
                EventBody::CurrentItemChanged { item_id, .. } => item = item_id.map(|i| i.0),
                EventBody::SpeakersChanged { speakers } => {
                    if let (Some(i), Some(turn)) = (item, &speakers.speaking)
                        && seen.insert((i, turn.user_id, turn.granted_at))
                    {
                        let list = spoke.entry(i).or_default();
                        if !list.contains(&turn.user_id) {
                            list.push(turn.user_id);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let attendance: HashMap<UserId, &Attendance> = snap
        .attendance
        .iter()
        .map(|a| (a.user_id, &a.attendance))
        .collect();
    let quorum = snap.quorum();
    let mut votes = Vec::new();
    for p in tx.polls_of(id).await? {
        let (PollStatus::Closed, Some(r)) = (p.status, &p.result) else {
            continue;
        };
        let labels: Vec<String> = if p.form.kind == FormKind::YesNo {
            YES_NO_OPTIONS.iter().map(|s| (*s).to_owned()).collect()
        } else {
            p.form.options.clone()
        };
        votes.push(VoteRecord {
            question: p.question.clone(),
            counts: labels
                .into_iter()
                .zip(r.result.counts.iter().copied())
                .collect(),
            outcome: r.result.outcome,
        });
    }
    Ok(MeetingRecord {
        title: snap.info.details.title.clone(),
        when: vn_time(snap.info.details.starts_at),
        place: snap.info.details.place.clone(),
        chair: snap
            .participants
            .iter()
            .find(|p| p.role == ParticipantRole::Chair)
            .map(|p| p.display_name.clone())
            .unwrap_or_default(),
        present: quorum.present,
        members: quorum.total,
        attendees: snap
            .participants
            .iter()
            .map(|p| Attendee {
                name: p.display_name.clone(),
                title: p.title.clone(),
                absent: match attendance.get(&p.user_id) {
                    Some(Attendance::Absent { reason, substitute }) => Some(match substitute {
                        Some(s) if !s.trim().is_empty() => format!("{reason}; dự thay: {s}"),
                        _ => reason.clone(),
                    }),
                    _ => None,
                },
                unreported: !attendance.contains_key(&p.user_id),
            })
            .collect(),
        items: snap
            .agenda
            .iter()
            .map(|i| ItemRecord {
                title: i.title.clone(),
                presenter: i.presenter.clone(),
                speakers: spoke
                    .get(&i.id.0)
                    .map(|l| l.iter().filter_map(|u| names.get(u).cloned()).collect())
                    .unwrap_or_default(),
            })
            .collect(),
        votes,
    })
}

async fn signed_of(tx: &mut Tx, row: &MinutesRow) -> AppResult<Option<MinutesSigned>> {
    let (Some(bytes), Some(sig), Some(signer)) = (&row.signed_bytes, &row.signature, row.signer)
    else {
        return Ok(None);
    };
    let parsed = hex::decode(bytes)
        .ok()
        .and_then(|b| MinutesSignature::from_bytes(&b))
        .ok_or_else(|| AppError::Internal("stored minutes signature unreadable".into()))?;
    let name = tx
        .user(signer)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    Ok(Some(MinutesSigned {
        signer,
        signer_name: name,
        key_id: hex::encode(parsed.key_id),
        signed_at: parsed.signed_at,
        signature: sig.clone(),
        pdf_sha256: row.pdf_sha256.clone().unwrap_or_default(),
    }))
}

/// `GET /api/meetings/{id}/minutes` (everyone who sees the meeting).
pub async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<MinutesView>> {
    let meeting = MeetingId(id);
    let mut tx = s.db.read().await?;
    gates::meeting_read(&mut tx, &u, meeting, Cap::View).await?;
    let part = tx.participant_role(meeting, u.id()).await?;
    let Some(row) = tx.minutes(meeting).await? else {
        return Ok(Json(MinutesView {
            status: "none".into(),
            text: String::new(),
            text_sha256: String::new(),
            may_sign: false,
            signed: None,
        }));
    };
    let signed = signed_of(&mut tx, &row).await?;
    Ok(Json(MinutesView {
        text_sha256: hex::encode(sha256(row.body.as_bytes())),
        may_sign: meetings::may_sign_minutes(part, row.status == "draft"),
        status: row.status,
        text: row.body,
        signed,
    }))
}

async fn changed(
    s: &AppState,
    mut tx: Tx,
    meeting: MeetingId,
    u: &CurrentUser,
    status: &str,
) -> AppResult<()> {
    tx.append(
        Topic::Meeting(meeting),
        EventBody::MinutesChanged {
            status: status.into(),
        },
        Some(u.id()),
    )
    .await?;
    s.commit(tx).await
}

/// `POST /api/meetings/{id}/minutes/draft` (secretariat): writes the draft from the
/// record, replacing an unsigned one. Only once the meeting has started.
pub async fn generate(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let meeting = MeetingId(id);
    let mut tx = s.db.write().await?;
    let row = gates::meeting(&mut tx, &u, meeting, Cap::Prepare).await?;
    if !matches!(
        row.info.status,
        MeetingStatus::InProgress | MeetingStatus::Ended
    ) {
        return Err(DomainError::InvalidTransition {
            subject: "meeting",
            from: row.info.status.as_str(),
            action: "write the minutes of",
        }
        .into());
    }
    let text = draft_text(&record(&mut tx, meeting).await?);
    if !tx.save_minutes(meeting, &text, u.id()).await? {
        return Err(AppError::Conflict("the minutes are signed already".into()));
    }
    changed(&s, tx, meeting, &u, "draft").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/meetings/{id}/minutes` (secretariat): the edited draft.
pub async fn update(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MinutesInput>,
) -> AppResult<StatusCode> {
    let meeting = MeetingId(id);
    let text = check_text(&input.text)?;
    let mut tx = s.db.write().await?;
    gates::meeting(&mut tx, &u, meeting, Cap::Prepare).await?;
    if tx.minutes(meeting).await?.is_none() {
        return Err(DomainError::InvalidTransition {
            subject: "meeting",
            from: "none",
            action: "edit the minutes of",
        }
        .into());
    }
    if !tx.save_minutes(meeting, &text, u.id()).await? {
        return Err(AppError::Conflict("the minutes are signed already".into()));
    }
    changed(&s, tx, meeting, &u, "draft").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/meetings/{id}/minutes/sign` (the meeting's chair): the signature made on
/// the device over the current text's hash. The PDF is written and archived with it.
pub async fn sign(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(sub): ApiJson<MinutesSubmission>,
) -> AppResult<StatusCode> {
    let meeting = MeetingId(id);
    let bytes = hex::decode(sub.bytes.trim()).map_err(|_| refuse(BallotRefusal::Malformed))?;
    let signature: [u8; 64] =
        hex_array(&sub.signature).ok_or(refuse(BallotRefusal::BadSignature))?;
    let signed = MinutesSignature::from_bytes(&bytes).ok_or(refuse(BallotRefusal::Malformed))?;
    let mut tx = s.db.write().await?;
    // The gate locks the meeting; after it, only the chair's seat is left to decide.
    let m = gates::meeting(&mut tx, &u, meeting, Cap::View).await?;
    let part = tx.participant_role(meeting, u.id()).await?;
    enforce(meetings::sign_minutes(u.0.role, part, m.info.status))?;
    let row = tx
        .minutes(meeting)
        .await?
        .ok_or(DomainError::InvalidTransition {
            subject: "meeting",
            from: "none",
            action: "sign the minutes of",
        })?;
    if row.status != "draft" {
        return Err(AppError::Conflict("the minutes are signed already".into()));
    }
    if signed.meeting_id != meeting {
        return Err(refuse(BallotRefusal::Malformed));
    }
    if signed.signer != u.id() {
        return Err(refuse(BallotRefusal::OtherMember));
    }
    if signed.text_sha256 != sha256(row.body.as_bytes()) {
        return Err(refuse(BallotRefusal::StalePoll));
    }
    let (device, _) = crate::platform::signatures::verify_signed(
        &mut tx,
        u.id(),
        &signed.key_id,
        &bytes,
        &signature,
    )
    .await?;
    let font = s
        .report_font
        .clone()
        .ok_or_else(|| AppError::Internal("no report font configured".into()))?;
    let info = MinutesSigned {
        signer: u.id(),
        signer_name: u.0.display_name.clone(),
        key_id: hex::encode(signed.key_id),
        signed_at: signed.signed_at,
        signature: hex::encode(signature),
        pdf_sha256: String::new(),
    };
    let text_hash = hex::encode(signed.text_sha256);
    let body = row.body.clone();
    let pdf = tokio::task::spawn_blocking(move || {
        crate::minutes::pdf::minutes_pdf(&body, &text_hash, Some(&info), &font)
    })
    .await
    .map_err(|e| AppError::Internal(format!("pdf task: {e}")))?
    .map_err(|e| AppError::Internal(format!("pdf: {e}")))?;
    let pdf_hash = hex::encode(sha256(&pdf));
    // The file is in place before the row that names it commits.
    s.documents
        .blobs()
        .put(&minutes_key(meeting), pdf)
        .await
        .map_err(|e| AppError::Internal(format!("storing the minutes PDF: {e}")))?;
    if !tx
        .sign_minutes(
            meeting,
            &hex::encode(&bytes),
            &hex::encode(signature),
            u.id(),
            device.id,
            signed.signed_at,
            &pdf_hash,
        )
        .await?
    {
        return Err(AppError::Conflict("the minutes are signed already".into()));
    }
    changed(&s, tx, meeting, &u, "signed").await?;
    tracing::info!(meeting = id, "minutes signed by the chair");
    Ok(StatusCode::NO_CONTENT)
}

/// The signed minutes' PDF in the store (the documents folder or bucket).
fn minutes_key(meeting: MeetingId) -> String {
    format!("minutes/meeting-{}-signed.pdf", meeting.0)
}

/// `GET /api/meetings/{id}/minutes.pdf`: the archived PDF once signed, else the draft's.
pub async fn pdf(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let meeting = MeetingId(id);
    let mut tx = s.db.read().await?;
    gates::meeting_read(&mut tx, &u, meeting, Cap::View).await?;
    let row = tx.minutes(meeting).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    let bytes = if row.status == "signed" {
        s.documents
            .blobs()
            .get(&minutes_key(meeting))
            .await
            .map_err(|e| AppError::Internal(format!("reading the minutes PDF: {e}")))?
            .ok_or_else(|| AppError::Internal("the signed minutes' PDF is missing".into()))?
    } else {
        let font = s
            .report_font
            .clone()
            .ok_or_else(|| AppError::Internal("no report font configured".into()))?;
        let hash = hex::encode(sha256(row.body.as_bytes()));
        tokio::task::spawn_blocking(move || {
            crate::minutes::pdf::minutes_pdf(&row.body, &hash, None, &font)
        })
        .await
        .map_err(|e| AppError::Internal(format!("pdf task: {e}")))?
        .map_err(|e| AppError::Internal(format!("pdf: {e}")))?
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bien-ban-{id}.pdf\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/meetings/{id}/minutes/archive`: signed minutes for `ecabinet verify`.
pub async fn archive(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<MinutesBundle>> {
    let meeting = MeetingId(id);
    let mut tx = s.db.read().await?;
    let m = gates::meeting_read(&mut tx, &u, meeting, Cap::View).await?;
    let row = tx.minutes(meeting).await?.ok_or(AppError::NotFound)?;
    let (Some(bytes), Some(sig), Some(device_id)) =
        (&row.signed_bytes, &row.signature, row.device_id)
    else {
        return Err(DomainError::InvalidTransition {
            subject: "meeting",
            from: "draft",
            action: "export the minutes of",
        }
        .into());
    };
    let bad = || AppError::Internal("stored minutes unreadable".into());
    let d = tx.device(device_id).await?.ok_or_else(bad)?;
    Ok(Json(MinutesBundle {
        format: FORMAT_V1.into(),
        meeting: ArchivedMeeting {
            id: meeting,
            title: m.info.details.title.clone(),
        },
        text: row.body.clone(),
        signed_bytes: hex::decode(bytes).map_err(|_| bad())?,
        signature: hex_array(sig).ok_or_else(bad)?,
        device: DeviceRecord {
            device_id: d.id,
            member_id: d.user_id,
            label: d.label,
            public_key: hex_array(&d.public_key).ok_or_else(bad)?,
            key_id: ecabinet_domain::poll::KeyId(hex_array(&d.key_id).ok_or_else(bad)?),
            status: d.status.as_str().into(),
            registered_at: d.created_at,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
        },
        pdf_sha256: row.pdf_sha256.clone().unwrap_or_default(),
    }))
}

/// The routes of minutes, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings/{id}/minutes", get(show).put(update))
        .route("/meetings/{id}/minutes/draft", post(generate))
        .route("/meetings/{id}/minutes/sign", post(sign))
        .route("/meetings/{id}/minutes.pdf", get(pdf))
        .route("/meetings/{id}/minutes/archive", get(archive))
}
