//! Meetings, participants, agenda, attendance and the speaker queue.

use crate::{Engine, Result, Tx, corrupt};
use ecabinet_domain::agenda::{AgendaItem, AgendaItemInput};
use ecabinet_domain::attendance::{Attendance, AttendanceEntry, PresenceMode};
use ecabinet_domain::meeting::{MeetingDetails, MeetingKind, MeetingStatus};
use ecabinet_domain::quorum::Fraction;
use ecabinet_domain::speakers::{SpeakerQueue, SpeakerTurn};
use ecabinet_domain::{AgendaItemId, MeetingId, ParticipantRole, UserId};
use ecabinet_protocol::{MeetingInfo, MeetingSnapshot, MeetingSummary, Participant};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A meeting row: its info and the item under discussion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingRow {
    /// Details, status, quorum.
    pub info: MeetingInfo,
    /// The item under discussion.
    pub current_item: Option<AgendaItemId>,
}

/// A `select` of the columns [`meeting_row`] reads, followed by `$tail`; `concat!` keeps
/// the SQL a `&'static str`, as sqlx wants.
macro_rules! select_meeting {
    ($tail:literal) => {
        concat!(
            "select meeting_id, title, kind, starts_at, place, status, current_item_id, \
             quorum_num, quorum_den from meeting ",
            $tail
        )
    };
}

fn meeting_row(r: &AnyRow) -> Result<MeetingRow> {
    let kind: String = r.try_get(2)?;
    let status: String = r.try_get(5)?;
    let num: i64 = r.try_get(7)?;
    let den: i64 = r.try_get(8)?;
    Ok(MeetingRow {
        info: MeetingInfo {
            id: MeetingId(r.try_get(0)?),
            details: MeetingDetails {
                title: r.try_get(1)?,
                kind: MeetingKind::parse(&kind).ok_or_else(|| corrupt(format!("kind {kind}")))?,
                starts_at: r.try_get(3)?,
                place: r.try_get(4)?,
            },
            status: MeetingStatus::parse(&status)
                .ok_or_else(|| corrupt(format!("status {status}")))?,
            quorum: Fraction::new(
                u32::try_from(num).map_err(|_| corrupt("quorum"))?,
                u32::try_from(den).map_err(|_| corrupt("quorum"))?,
            )
            .map_err(|_| corrupt("quorum"))?,
        },
        current_item: r.try_get::<Option<i64>, _>(6)?.map(AgendaItemId),
    })
}

fn summary(row: MeetingRow, my_role: Option<ParticipantRole>) -> MeetingSummary {
    MeetingSummary {
        id: row.info.id,
        details: row.info.details,
        status: row.info.status,
        my_role,
    }
}

fn participant_role(s: &str) -> Result<ParticipantRole> {
    ParticipantRole::parse(s).ok_or_else(|| corrupt(format!("participant role {s}")))
}

impl Tx {
    /// Creates a draft meeting.
    pub async fn insert_meeting(
        &mut self,
        d: &MeetingDetails,
        quorum: Fraction,
        created_by: UserId,
    ) -> Result<MeetingId> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into meeting (title, kind, starts_at, place, status, quorum_num, quorum_den, \
             created_by, created_at, updated_at) \
             values ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $8) returning meeting_id",
        )
        .bind(&d.title)
        .bind(d.kind.as_str())
        .bind(d.starts_at)
        .bind(&d.place)
        .bind(i64::from(quorum.num))
        .bind(i64::from(quorum.den))
        .bind(created_by.0)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(MeetingId(id))
    }

    /// Updates a meeting's details and quorum.
    pub async fn update_meeting(
        &mut self,
        id: MeetingId,
        d: &MeetingDetails,
        quorum: Fraction,
    ) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "update meeting set title = $2, kind = $3, starts_at = $4, place = $5, \
             quorum_num = $6, quorum_den = $7, updated_at = $8 where meeting_id = $1",
        )
        .bind(id.0)
        .bind(&d.title)
        .bind(d.kind.as_str())
        .bind(d.starts_at)
        .bind(&d.place)
        .bind(i64::from(quorum.num))
        .bind(i64::from(quorum.den))
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Reads a meeting. In a write transaction on PostgreSQL the row is locked until commit,
    /// so that two concurrent commands on one meeting are applied one after the other.
    pub async fn meeting(&mut self, id: MeetingId) -> Result<Option<MeetingRow>> {
        let sql = match self.engine {
            Engine::Sqlite => select_meeting!("where meeting_id = $1"),
            Engine::Postgres => select_meeting!("where meeting_id = $1 for update"),
        };
        let row = sqlx::query(sql)
            .bind(id.0)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(meeting_row).transpose()
    }

    /// Reads a meeting without locking it (for snapshots in read transactions).
    pub async fn meeting_for_read(&mut self, id: MeetingId) -> Result<Option<MeetingRow>> {
        let row = sqlx::query(select_meeting!("where meeting_id = $1"))
            .bind(id.0)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(meeting_row).transpose()
    }

    /// Sets a meeting's status.
    pub async fn set_status(&mut self, id: MeetingId, status: MeetingStatus) -> Result<()> {
        let now = self.now();
        sqlx::query("update meeting set status = $2, updated_at = $3 where meeting_id = $1")
            .bind(id.0)
            .bind(status.as_str())
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Sets the item under discussion.
    pub async fn set_current_item(
        &mut self,
        id: MeetingId,
        item: Option<AgendaItemId>,
    ) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "update meeting set current_item_id = $2, updated_at = $3 where meeting_id = $1",
        )
        .bind(id.0)
        .bind(item.map(|i| i.0))
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// All meetings, soonest first (the secretariat's list).
    pub async fn all_meetings(&mut self) -> Result<Vec<MeetingSummary>> {
        let rows = sqlx::query(select_meeting!("order by starts_at, meeting_id"))
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|r| Ok(summary(meeting_row(r)?, None)))
            .collect()
    }

    /// Meetings `user` is invited to and may see (not drafts), soonest first.
    pub async fn meetings_of(&mut self, user: UserId) -> Result<Vec<MeetingSummary>> {
        let rows = sqlx::query(
            "select m.meeting_id, m.title, m.kind, m.starts_at, m.place, m.status, m.current_item_id, \
             m.quorum_num, m.quorum_den, p.role from meeting m \
             join participant p on p.meeting_id = m.meeting_id \
             where p.user_id = $1 and m.status <> 'draft' order by m.starts_at, m.meeting_id",
        )
        .bind(user.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get(9)?;
                Ok(summary(meeting_row(r)?, Some(participant_role(&role)?)))
            })
            .collect()
    }

    /// Participants in protocol order (chair, members, invitees; then the accounts' order).
    pub async fn participants(&mut self, id: MeetingId) -> Result<Vec<Participant>> {
        let rows = sqlx::query(
            "select p.user_id, u.display_name, u.title, p.role from participant p \
             join app_user u on u.user_id = p.user_id where p.meeting_id = $1 \
             order by case p.role when 'chair' then 0 when 'member' then 1 else 2 end, \
             u.sort_order, u.user_id",
        )
        .bind(id.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get(3)?;
                Ok(Participant {
                    user_id: UserId(r.try_get(0)?),
                    display_name: r.try_get(1)?,
                    title: r.try_get(2)?,
                    role: participant_role(&role)?,
                })
            })
            .collect()
    }

    /// The part `user` plays in meeting `id`, if invited.
    pub async fn participant_role(
        &mut self,
        id: MeetingId,
        user: UserId,
    ) -> Result<Option<ParticipantRole>> {
        let row: Option<(String,)> =
            sqlx::query_as("select role from participant where meeting_id = $1 and user_id = $2")
                .bind(id.0)
                .bind(user.0)
                .fetch_optional(self.conn())
                .await?;
        row.map(|(r,)| participant_role(&r)).transpose()
    }

    /// Replaces the participant list.
    pub async fn replace_participants(
        &mut self,
        id: MeetingId,
        list: &[(UserId, ParticipantRole)],
    ) -> Result<()> {
        sqlx::query("delete from participant where meeting_id = $1")
            .bind(id.0)
            .execute(self.conn())
            .await?;
        for (user, role) in list {
            sqlx::query("insert into participant (meeting_id, user_id, role) values ($1, $2, $3)")
                .bind(id.0)
                .bind(user.0)
                .bind(role.as_str())
                .execute(self.conn())
                .await?;
        }
        // Attendance of people no longer invited is meaningless.
        sqlx::query(
            "delete from attendance where meeting_id = $1 and user_id not in \
             (select user_id from participant where meeting_id = $1)",
        )
        .bind(id.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The agenda in order.
    pub async fn agenda(&mut self, id: MeetingId) -> Result<Vec<AgendaItem>> {
        let rows = sqlx::query(
            "select item_id, position, title, presenter, planned_minutes from agenda_item \
             where meeting_id = $1 order by position, item_id",
        )
        .bind(id.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AgendaItem {
                    id: AgendaItemId(r.try_get(0)?),
                    position: r.try_get(1)?,
                    title: r.try_get(2)?,
                    presenter: r.try_get(3)?,
                    planned_minutes: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Writes a checked agenda plan (see `ecabinet_domain::agenda::plan_agenda`): updates kept
    /// items, inserts new ones, deletes the rest; returns the new agenda.
    pub async fn replace_agenda(
        &mut self,
        id: MeetingId,
        plan: &[AgendaItemInput],
    ) -> Result<Vec<AgendaItem>> {
        let kept: Vec<i64> = plan.iter().filter_map(|i| i.id.map(|x| x.0)).collect();
        for old in self.agenda(id).await? {
            if !kept.contains(&old.id.0) {
                sqlx::query("delete from agenda_item where item_id = $1")
                    .bind(old.id.0)
                    .execute(self.conn())
                    .await?;
            }
        }
        for (pos, item) in (1i64..).zip(plan) {
            match item.id {
                Some(item_id) => {
                    sqlx::query(
                        "update agenda_item set position = $2, title = $3, presenter = $4, \
                         planned_minutes = $5 where item_id = $1 and meeting_id = $6",
                    )
                    .bind(item_id.0)
                    .bind(pos)
                    .bind(&item.title)
                    .bind(&item.presenter)
                    .bind(item.planned_minutes)
                    .bind(id.0)
                    .execute(self.conn())
                    .await?;
                }
                None => {
                    sqlx::query(
                        "insert into agenda_item (meeting_id, position, title, presenter, planned_minutes) \
                         values ($1, $2, $3, $4, $5)",
                    )
                    .bind(id.0)
                    .bind(pos)
                    .bind(&item.title)
                    .bind(&item.presenter)
                    .bind(item.planned_minutes)
                    .execute(self.conn())
                    .await?;
                }
            }
        }
        self.agenda(id).await
    }

    /// Reported attendance.
    pub async fn attendance(&mut self, id: MeetingId) -> Result<Vec<AttendanceEntry>> {
        let rows = sqlx::query(
            "select user_id, status, mode, reason, substitute, at from attendance \
             where meeting_id = $1 order by user_id",
        )
        .bind(id.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get(1)?;
                let attendance = match status.as_str() {
                    "present" => {
                        let mode: Option<String> = r.try_get(2)?;
                        Attendance::Present {
                            mode: match mode.as_deref() {
                                Some("remote") => PresenceMode::Remote,
                                Some("in_room") => PresenceMode::InRoom,
                                other => return Err(corrupt(format!("presence mode {other:?}"))),
                            },
                        }
                    }
                    "absent" => Attendance::Absent {
                        reason: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                        substitute: r.try_get(4)?,
                    },
                    other => return Err(corrupt(format!("attendance {other}"))),
                };
                Ok(AttendanceEntry {
                    user_id: UserId(r.try_get(0)?),
                    attendance,
                    at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Records `user`'s attendance.
    pub async fn set_attendance(&mut self, id: MeetingId, entry: &AttendanceEntry) -> Result<()> {
        let (status, mode, reason, substitute) = match &entry.attendance {
            Attendance::Present { mode } => (
                "present",
                Some(match mode {
                    PresenceMode::InRoom => "in_room",
                    PresenceMode::Remote => "remote",
                }),
                None,
                None,
            ),
            Attendance::Absent { reason, substitute } => {
                ("absent", None, Some(reason.clone()), substitute.clone())
            }
        };
        sqlx::query(
            "insert into attendance (meeting_id, user_id, status, mode, reason, substitute, at) \
             values ($1, $2, $3, $4, $5, $6, $7) on conflict (meeting_id, user_id) do update set \
             status = excluded.status, mode = excluded.mode, reason = excluded.reason, \
             substitute = excluded.substitute, at = excluded.at",
        )
        .bind(id.0)
        .bind(entry.user_id.0)
        .bind(status)
        .bind(mode)
        .bind(reason)
        .bind(substitute)
        .bind(entry.at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The open speaker queue (speaking and waiting turns).
    pub async fn speakers(&mut self, id: MeetingId) -> Result<SpeakerQueue> {
        let rows = sqlx::query(
            "select user_id, status, requested_at, granted_at from speaker_turn \
             where meeting_id = $1 and status in ('waiting', 'speaking') order by requested_at, turn_id",
        )
        .bind(id.0)
        .fetch_all(self.conn())
        .await?;
        let mut q = SpeakerQueue::default();
        for r in &rows {
            let status: String = r.try_get(1)?;
            let turn = SpeakerTurn {
                user_id: UserId(r.try_get(0)?),
                requested_at: r.try_get(2)?,
                granted_at: r.try_get(3)?,
            };
            if status == "speaking" {
                q.speaking = Some(turn);
            } else {
                q.waiting.push(turn);
            }
        }
        Ok(q)
    }

    /// Stores the queue after a domain operation: open turns are brought in line with `q`
    /// (new requests inserted, granted ones marked speaking, vanished ones closed as `gone`).
    pub async fn save_speakers(
        &mut self,
        id: MeetingId,
        item: Option<AgendaItemId>,
        q: &SpeakerQueue,
        gone: &'static str,
    ) -> Result<()> {
        let now = self.now();
        let before = self.speakers(id).await?;
        // The one who spoke before and no longer does has finished.
        if let Some(prev) = &before.speaking
            && q.speaking.as_ref().map(|s| s.user_id) != Some(prev.user_id)
        {
            self.close_turn(id, prev.user_id, "speaking", "done", now)
                .await?;
        }
        for w in &before.waiting {
            let still_waiting = q.waiting.iter().any(|t| t.user_id == w.user_id);
            let now_speaking = q.speaking.as_ref().is_some_and(|s| s.user_id == w.user_id);
            if now_speaking {
                sqlx::query(
                    "update speaker_turn set status = 'speaking', granted_at = $3 \
                     where meeting_id = $1 and user_id = $2 and status = 'waiting'",
                )
                .bind(id.0)
                .bind(w.user_id.0)
                .bind(now)
                .execute(self.conn())
                .await?;
            } else if !still_waiting {
                self.close_turn(id, w.user_id, "waiting", gone, now).await?;
            }
        }
        for t in &q.waiting {
            if !before.waiting.iter().any(|w| w.user_id == t.user_id) {
                sqlx::query(
                    "insert into speaker_turn (meeting_id, item_id, user_id, status, requested_at) \
                     values ($1, $2, $3, 'waiting', $4)",
                )
                .bind(id.0)
                .bind(item.map(|i| i.0))
                .bind(t.user_id.0)
                .bind(t.requested_at)
                .execute(self.conn())
                .await?;
            }
        }
        Ok(())
    }

    async fn close_turn(
        &mut self,
        id: MeetingId,
        user: UserId,
        from: &str,
        to: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "update speaker_turn set status = $4, ended_at = $5 \
             where meeting_id = $1 and user_id = $2 and status = $3",
        )
        .bind(id.0)
        .bind(user.0)
        .bind(from)
        .bind(to)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The whole state of a meeting as participants see it.
    pub async fn meeting_snapshot(&mut self, id: MeetingId) -> Result<Option<MeetingSnapshot>> {
        let Some(row) = self.meeting_for_read(id).await? else {
            return Ok(None);
        };
        Ok(Some(MeetingSnapshot {
            info: row.info,
            participants: self.participants(id).await?,
            agenda: self.agenda(id).await?,
            current_item: row.current_item,
            attendance: self.attendance(id).await?,
            speakers: self.speakers(id).await?,
            polls: self.poll_summaries(id).await?,
        }))
    }
}
