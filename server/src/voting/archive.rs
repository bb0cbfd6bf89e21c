//! The archive bundle of a vote or of a whole meeting: every ballot with its signature,
//! the keys, the log and the signed result, for anyone to recount offline.

use crate::AppState;
use crate::platform::error::{ApiPath, AppError, AppResult};
use crate::platform::gates;
use crate::platform::hex_array;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::extract::State;
use ecabinet_archive::{
    BallotRecord, Bundle, DeviceRecord, FORMAT_V1, MeetingRecord, MemberRecord, PollRecord,
};
use ecabinet_crypto::sha256;
use ecabinet_domain::access::MeetingCapability as Cap;
use ecabinet_domain::poll::{KeyId, PollStatus};
use ecabinet_domain::{DomainError, MeetingId, UserId};
use ecabinet_storage::{PollRow, Tx};
use std::collections::HashSet;

/// `GET /api/meetings/{id}/archive`: the bundle of the meeting's closed polls.
pub async fn meeting_archive(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Bundle>> {
    let mut tx = s.db.read().await?;
    let meeting = gates::meeting_read(&mut tx, &u, MeetingId(id), Cap::View).await?;
    let polls = tx.polls_of(MeetingId(id)).await?;
    Ok(Json(bundle(&s, &mut tx, &meeting.info, polls).await?))
}

/// `GET /api/polls/{id}/archive`: the bundle of one closed poll.
pub async fn poll_archive(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Bundle>> {
    let mut tx = s.db.read().await?;
    let poll = tx.poll_for_read(id).await?.ok_or(AppError::NotFound)?;
    let meeting = gates::meeting_read(&mut tx, &u, poll.meeting_id, Cap::View).await?;
    if poll.status != PollStatus::Closed {
        return Err(DomainError::InvalidTransition {
            subject: "vote",
            from: poll.status.as_str(),
            action: "export",
        }
        .into());
    }
    Ok(Json(bundle(&s, &mut tx, &meeting.info, vec![poll]).await?))
}

async fn bundle(
    s: &AppState,
    tx: &mut Tx,
    meeting: &ecabinet_protocol::MeetingInfo,
    polls: Vec<PollRow>,
) -> AppResult<Bundle> {
    let mut records = Vec::new();
    let mut wanted_keys: HashSet<String> = HashSet::new();
    let mut members: HashSet<UserId> = HashSet::new();
    for p in polls.into_iter().filter(|p| p.status == PollStatus::Closed) {
        let (Some(definition), Some(result), Some(sig)) =
            (p.definition, p.result, p.result_signature)
        else {
            return Err(AppError::Internal(format!(
                "closed poll {} incomplete",
                p.id
            )));
        };
        for v in &definition.voters {
            members.insert(v.member);
            wanted_keys.extend(v.keys.iter().map(|k| hex::encode(k.0)));
        }
        let bad = || AppError::Internal(format!("stored ballot of poll {} unreadable", p.id));
        let ballots = tx
            .ballots(p.id)
            .await?
            .iter()
            .map(|b| {
                Ok(BallotRecord {
                    index: b.leaf_index,
                    ballot: hex::decode(&b.bytes).map_err(|_| bad())?,
                    signature: hex_array(&b.signature).ok_or_else(bad)?,
                    tree_root: hex_array(&b.tree_root).ok_or_else(bad)?,
                    receipt_signature: hex_array(&b.receipt_signature).ok_or_else(bad)?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        records.push(PollRecord {
            definition_hash: sha256(&definition.canonical_bytes()),
            definition,
            ballots,
            result,
            result_signature: hex_array(&sig).ok_or_else(bad)?,
        });
    }
    let mut devices = Vec::new();
    for d in tx.all_devices().await? {
        if !wanted_keys.contains(&d.key_id) {
            continue;
        }
        devices.push(DeviceRecord {
            device_id: d.id,
            member_id: d.user_id,
            label: d.label,
            public_key: hex_array(&d.public_key)
                .ok_or_else(|| AppError::Internal("stored key".into()))?,
            key_id: KeyId(hex_array(&d.key_id).ok_or_else(|| AppError::Internal("key id".into()))?),
            status: d.status.as_str().into(),
            registered_at: d.created_at,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
        });
    }
    let mut member_records: Vec<MemberRecord> = tx
        .participants(meeting.id)
        .await?
        .into_iter()
        .filter(|p| members.contains(&p.user_id))
        .map(|p| MemberRecord {
            id: p.user_id,
            name: p.display_name,
            title: p.title,
        })
        .collect();
    member_records.sort_by_key(|m| m.id);
    Ok(Bundle {
        format: FORMAT_V1.into(),
        exported_at: tx.now(),
        server_key: *s.server_key.verifying_key().as_bytes(),
        meeting: MeetingRecord {
            id: meeting.id,
            title: meeting.details.title.clone(),
        },
        members: member_records,
        devices,
        polls: records,
    })
}
