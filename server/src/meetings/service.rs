//! The use cases: each command opens one write transaction, checks access and the domain
//! rules, writes the change and its events together, commits, and hands the events to the
//! hub. Reads for snapshots use one read transaction so state and seq agree.

use crate::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::platform::gates;
use crate::platform::session::CurrentUser;
use ecabinet_domain::access::{self, MeetingCapability as Cap};
use ecabinet_domain::agenda::{self, plan_agenda};
use ecabinet_domain::attendance::{Attendance, AttendanceEntry};
use ecabinet_domain::meeting::{MeetingAction, check_publishable};
use ecabinet_domain::quorum::Fraction;
use ecabinet_domain::speakers::SpeakerQueue;
use ecabinet_domain::{DomainError, MeetingId, ParticipantRole, Role, UserId};
use ecabinet_protocol::api::{AgendaInput, GrantFloor, MeetingInput, MoveTo};
use ecabinet_protocol::{EventBody, MeetingSnapshot, MeetingSummary, Participant, Topic};
use ecabinet_storage::{MeetingRow, Tx};
use std::collections::HashSet;

/// Most participants one meeting may have.
const MAX_PARTICIPANTS: usize = 500;

impl AppState {
    /// The meetings `user` may see, soonest first.
    pub async fn meetings(&self, user: &CurrentUser) -> AppResult<Vec<MeetingSummary>> {
        let mut tx = self.db.read().await?;
        if access::can_prepare_meetings(user.0.role) {
            Ok(tx.all_meetings().await?)
        } else {
            Ok(tx.meetings_of(user.id()).await?)
        }
    }

    /// One meeting's full state.
    pub async fn meeting(&self, user: &CurrentUser, id: MeetingId) -> AppResult<MeetingSnapshot> {
        let mut tx = self.db.read().await?;
        gates::meeting_read(&mut tx, user, id, Cap::View).await?;
        tx.meeting_snapshot(id).await?.ok_or(AppError::NotFound)
    }

    /// Creates a draft meeting.
    pub async fn create_meeting(
        &self,
        user: &CurrentUser,
        input: MeetingInput,
    ) -> AppResult<MeetingId> {
        if !access::can_prepare_meetings(user.0.role) {
            return Err(AppError::Forbidden);
        }
        let details = input.details.validated()?;
        let quorum = checked_quorum(input.quorum)?;
        let mut tx = self.db.write().await?;
        let participants = resolve_participants(&mut tx, &input.participants).await?;
        let id = tx.insert_meeting(&details, quorum, user.id()).await?;
        tx.replace_participants(id, &participants).await?;
        publish_listings(&mut tx, id, &[], Some(user.id())).await?;
        self.commit(tx).await?;
        tracing::info!(meeting = %id, "meeting created");
        Ok(id)
    }

    /// Changes a meeting's details, quorum and participants.
    pub async fn update_meeting(
        &self,
        user: &CurrentUser,
        id: MeetingId,
        input: MeetingInput,
    ) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Prepare).await?;
        row.info.status.check(MeetingAction::Edit)?;
        let details = input.details.validated()?;
        let quorum = checked_quorum(input.quorum)?;
        let participants = resolve_participants(&mut tx, &input.participants).await?;
        let before = tx.participants(id).await?;
        tx.update_meeting(id, &details, quorum).await?;
        tx.replace_participants(id, &participants).await?;
        let info = tx.meeting(id).await?.ok_or(AppError::NotFound)?.info;
        let actor = Some(user.id());
        tx.append(
            Topic::Meeting(id),
            EventBody::MeetingInfoChanged { info },
            actor,
        )
        .await?;
        let after = tx.participants(id).await?;
        if after != before {
            tx.append(
                Topic::Meeting(id),
                EventBody::ParticipantsChanged {
                    participants: after,
                },
                actor,
            )
            .await?;
        }
        publish_listings(&mut tx, id, &before, actor).await?;
        self.commit(tx).await
    }

    /// Replaces the agenda (edit, add, remove, reorder).
    pub async fn replace_agenda(
        &self,
        user: &CurrentUser,
        id: MeetingId,
        input: AgendaInput,
    ) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Prepare).await?;
        row.info.status.check(MeetingAction::Edit)?;
        let existing: Vec<_> = tx.agenda(id).await?.iter().map(|i| i.id).collect();
        let plan = plan_agenda(&existing, row.current_item, input.items)?;
        let items = tx.replace_agenda(id, &plan).await?;
        tx.append(
            Topic::Meeting(id),
            EventBody::AgendaChanged { items },
            Some(user.id()),
        )
        .await?;
        self.commit(tx).await
    }

    /// Sends the invitations.
    pub async fn publish(&self, user: &CurrentUser, id: MeetingId) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Prepare).await?;
        let status = row.info.status.apply(MeetingAction::Publish)?;
        let members = tx
            .participants(id)
            .await?
            .iter()
            .filter(|p| p.role.counts_for_quorum())
            .count();
        check_publishable(members, tx.agenda(id).await?.len())?;
        self.set_status(&mut tx, user, id, status).await?;
        self.commit(tx).await
    }

    /// The chair opens the meeting; discussion starts at the first item.
    pub async fn start(&self, user: &CurrentUser, id: MeetingId) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Conduct).await?;
        let status = row.info.status.apply(MeetingAction::Start)?;
        self.set_status(&mut tx, user, id, status).await?;
        let first = agenda::next_item(&tx.agenda(id).await?, None);
        self.move_to(&mut tx, user, id, first).await?;
        self.commit(tx).await
    }

    /// The chair closes the meeting; open turns to speak are closed.
    pub async fn end(&self, user: &CurrentUser, id: MeetingId) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Conduct).await?;
        let status = row.info.status.apply(MeetingAction::End)?;
        // Ending would strand ballots: the chair closes (and so counts) each vote first.
        let open = tx
            .polls_of(id)
            .await?
            .iter()
            .filter(|p| p.status == ecabinet_domain::poll::PollStatus::Open)
            .count();
        if open > 0 {
            return Err(DomainError::VotesOpen(open).into());
        }
        let q = tx.speakers(id).await?;
        if q != SpeakerQueue::default() {
            let empty = SpeakerQueue::default();
            tx.save_speakers(id, row.current_item, &empty, "dropped")
                .await?;
            tx.append(
                Topic::Meeting(id),
                EventBody::SpeakersChanged { speakers: empty },
                Some(user.id()),
            )
            .await?;
        }
        self.set_status(&mut tx, user, id, status).await?;
        self.commit(tx).await
    }

    async fn set_status(
        &self,
        tx: &mut Tx,
        user: &CurrentUser,
        id: MeetingId,
        status: ecabinet_domain::meeting::MeetingStatus,
    ) -> AppResult<()> {
        tx.set_status(id, status).await?;
        tx.append(
            Topic::Meeting(id),
            EventBody::MeetingStatusChanged { status },
            Some(user.id()),
        )
        .await?;
        let participants = tx.participants(id).await?;
        publish_listings(tx, id, &participants, Some(user.id())).await
    }

    /// The chair moves the discussion to another item.
    pub async fn move_current(
        &self,
        user: &CurrentUser,
        id: MeetingId,
        to: MoveTo,
    ) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Conduct).await?;
        row.info.status.check(MeetingAction::Conduct)?;
        let items = tx.agenda(id).await?;
        let target = match to {
            MoveTo::Next => agenda::next_item(&items, row.current_item),
            MoveTo::Previous => agenda::previous_item(&items, row.current_item),
            MoveTo::Item { item_id } => items.iter().find(|i| i.id == item_id).map(|i| i.id),
        };
        let target = target.ok_or(DomainError::Invalid {
            field: "to",
            reason: "there is no such agenda item".into(),
        })?;
        self.move_to(&mut tx, user, id, Some(target)).await?;
        self.commit(tx).await
    }

    async fn move_to(
        &self,
        tx: &mut Tx,
        user: &CurrentUser,
        id: MeetingId,
        item: Option<ecabinet_domain::AgendaItemId>,
    ) -> AppResult<()> {
        // Requests to speak belong to an item: a new item starts with an empty queue.
        let speakers = SpeakerQueue::default();
        tx.save_speakers(id, item, &speakers, "dropped").await?;
        tx.set_current_item(id, item).await?;
        tx.append(
            Topic::Meeting(id),
            EventBody::CurrentItemChanged {
                item_id: item,
                speakers,
            },
            Some(user.id()),
        )
        .await?;
        Ok(())
    }

    /// A participant checks in or reports absence.
    pub async fn attend(
        &self,
        user: &CurrentUser,
        id: MeetingId,
        attendance: Attendance,
    ) -> AppResult<()> {
        let attendance = attendance.validated()?;
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Attend).await?;
        row.info.status.check(MeetingAction::Attend)?;
        let entry = AttendanceEntry {
            user_id: user.id(),
            attendance,
            at: tx.now(),
        };
        tx.set_attendance(id, &entry).await?;
        tx.append(
            Topic::Meeting(id),
            EventBody::AttendanceChanged { entry },
            Some(user.id()),
        )
        .await?;
        self.commit(tx).await
    }

    /// A participant asks for the floor (`withdraw = false`) or withdraws the request.
    pub async fn request_floor(
        &self,
        user: &CurrentUser,
        id: MeetingId,
        withdraw: bool,
    ) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::RequestFloor).await?;
        row.info.status.check(MeetingAction::RequestFloor)?;
        let mut q = tx.speakers(id).await?;
        if withdraw {
            q.withdraw(user.id())?;
        } else {
            q.request(user.id(), tx.now())?;
        }
        self.save_queue(&mut tx, user, &row, q, "withdrawn").await?;
        self.commit(tx).await
    }

    /// The chair gives the floor.
    pub async fn grant_floor(
        &self,
        user: &CurrentUser,
        id: MeetingId,
        grant: GrantFloor,
    ) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Conduct).await?;
        row.info.status.check(MeetingAction::Conduct)?;
        let mut q = tx.speakers(id).await?;
        q.grant(grant.user_id, tx.now())?;
        self.save_queue(&mut tx, user, &row, q, "withdrawn").await?;
        self.commit(tx).await
    }

    /// The chair ends the current turn.
    pub async fn end_turn(&self, user: &CurrentUser, id: MeetingId) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let row = gates::meeting(&mut tx, user, id, Cap::Conduct).await?;
        row.info.status.check(MeetingAction::Conduct)?;
        let mut q = tx.speakers(id).await?;
        q.end_turn()?;
        self.save_queue(&mut tx, user, &row, q, "withdrawn").await?;
        self.commit(tx).await
    }

    async fn save_queue(
        &self,
        tx: &mut Tx,
        user: &CurrentUser,
        row: &MeetingRow,
        q: SpeakerQueue,
        gone: &'static str,
    ) -> AppResult<()> {
        let id = row.info.id;
        tx.save_speakers(id, row.current_item, &q, gone).await?;
        tx.append(
            Topic::Meeting(id),
            EventBody::SpeakersChanged { speakers: q },
            Some(user.id()),
        )
        .await?;
        Ok(())
    }
}

fn checked_quorum(q: Option<Fraction>) -> AppResult<Fraction> {
    let q = q.unwrap_or_default();
    Ok(Fraction::new(q.num, q.den)?)
}

/// Turns the requested participants into (account, meeting role) pairs, checking that each
/// account exists, appears once, can take part, and that there is at most one chair.
async fn resolve_participants(
    tx: &mut Tx,
    input: &[ecabinet_protocol::api::ParticipantInput],
) -> AppResult<Vec<(UserId, ParticipantRole)>> {
    let invalid = |reason: String| {
        AppError::Domain(DomainError::Invalid {
            field: "participants",
            reason,
        })
    };
    if input.len() > MAX_PARTICIPANTS {
        return Err(invalid(format!("at most {MAX_PARTICIPANTS} participants")));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(input.len());
    for p in input {
        if !seen.insert(p.user_id) {
            return Err(invalid(format!("account {} appears twice", p.user_id)));
        }
        let user = tx
            .user(p.user_id)
            .await?
            .ok_or_else(|| invalid(format!("no account {}", p.user_id)))?;
        let role = match (p.role, user.role) {
            (_, Role::Admin | Role::Secretariat) => {
                return Err(invalid(format!(
                    "{} cannot take part in meetings",
                    user.display_name
                )));
            }
            (Some(r), account) if !account.may_sit_as(r) => {
                return Err(invalid(format!(
                    "{} is an invitee: invitees take part as invitees, never as {}",
                    user.display_name,
                    r.as_str()
                )));
            }
            (Some(r), _) => r,
            (None, account) => account
                .default_participant_role()
                .ok_or_else(|| invalid("no default role".into()))?,
        };
        out.push((p.user_id, role));
    }
    if out
        .iter()
        .filter(|(_, r)| *r == ParticipantRole::Chair)
        .count()
        > 1
    {
        return Err(invalid("a meeting has at most one chair".into()));
    }
    Ok(out)
}

/// Keeps the meeting lists current: the secretariat's `meetings` topic always, and each
/// participant's `user:<id>` topic once the meeting is visible to them; `before` are the
/// participants before the change, so that removed ones get the meeting unlisted.
async fn publish_listings(
    tx: &mut Tx,
    id: MeetingId,
    before: &[Participant],
    actor: Option<UserId>,
) -> AppResult<()> {
    let row = tx.meeting(id).await?.ok_or(AppError::NotFound)?;
    let summary = MeetingSummary {
        id,
        details: row.info.details.clone(),
        status: row.info.status,
        my_role: None,
    };
    tx.append(
        Topic::Meetings,
        EventBody::MeetingListed {
            meeting: summary.clone(),
        },
        actor,
    )
    .await?;
    if !row.info.status.visible_to_participants() {
        return Ok(());
    }
    let now = tx.participants(id).await?;
    for p in &now {
        let meeting = MeetingSummary {
            my_role: Some(p.role),
            ..summary.clone()
        };
        tx.append(
            Topic::User(p.user_id),
            EventBody::MeetingListed { meeting },
            actor,
        )
        .await?;
    }
    for p in before {
        if !now.iter().any(|n| n.user_id == p.user_id) {
            tx.append(
                Topic::User(p.user_id),
                EventBody::MeetingUnlisted { meeting_id: id },
                actor,
            )
            .await?;
        }
    }
    Ok(())
}
