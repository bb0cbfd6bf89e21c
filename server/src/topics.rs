//! Topics of the WebSocket, each answered by the context that owns it: who may follow it
//! and its state at a seq. The socket itself (`platform::ws`) knows no context; this is
//! where the composition root hands it each context's answer.

use crate::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::platform::session::CurrentUser;
use ecabinet_domain::Role;
use ecabinet_domain::access::{self, MeetingCapability as Cap};
use ecabinet_domain::device;
use ecabinet_protocol::{DeviceList, MeetingList, SnapshotBody, Topic};

impl AppState {
    /// Whether `user` may subscribe to `topic`; meetings they cannot see are "not found".
    pub async fn authorize_topic(&self, user: &CurrentUser, topic: Topic) -> AppResult<()> {
        match topic {
            Topic::Meetings if access::can_prepare_meetings(user.0.role) => Ok(()),
            Topic::Meetings => Err(AppError::Forbidden),
            Topic::User(uid) if uid == user.id() => Ok(()),
            Topic::User(_) => Err(AppError::Forbidden),
            Topic::Devices if device::can_manage_devices(user.0.role) => Ok(()),
            Topic::Devices => Err(AppError::Forbidden),
            Topic::DevicesOf(uid)
                if uid == user.id() || device::can_manage_devices(user.0.role) =>
            {
                Ok(())
            }
            Topic::DevicesOf(_) => Err(AppError::Forbidden),
            Topic::Opinions if matches!(user.0.role, Role::Secretariat | Role::Chair) => Ok(()),
            Topic::Opinions => Err(AppError::Forbidden),
            Topic::OpinionsOf(uid) if uid == user.id() => Ok(()),
            Topic::OpinionsOf(_) => Err(AppError::Forbidden),
            Topic::Reporting => {
                let mut tx = self.db.read().await?;
                let role = user.0.role;
                if access::reporting::reads_dashboard(role)
                    || crate::reporting::in_some_receiving_unit(&mut tx, user).await?
                {
                    Ok(())
                } else {
                    Err(AppError::Forbidden)
                }
            }
            Topic::Meeting(id) => {
                let mut tx = self.db.read().await?;
                let row = tx.meeting_for_read(id).await?.ok_or(AppError::NotFound)?;
                let part = tx.participant_role(id, user.id()).await?;
                if access::meeting_allows(user.0.role, part, row.info.status, Cap::View) {
                    Ok(())
                } else {
                    Err(AppError::NotFound)
                }
            }
        }
    }

    /// The state of `topic` and the seq it includes, read consistently.
    pub async fn topic_snapshot(
        &self,
        user: &CurrentUser,
        topic: Topic,
    ) -> AppResult<(u64, SnapshotBody)> {
        let mut tx = self.db.read().await?;
        let body = match topic {
            Topic::Meetings => SnapshotBody::MeetingList(MeetingList {
                meetings: tx.all_meetings().await?,
            }),
            Topic::User(uid) => SnapshotBody::MeetingList(MeetingList {
                meetings: tx.meetings_of(uid).await?,
            }),
            Topic::Devices => SnapshotBody::Devices(DeviceList {
                devices: tx.all_devices().await?,
            }),
            Topic::DevicesOf(uid) => SnapshotBody::Devices(DeviceList {
                devices: tx.devices_of(uid).await?,
            }),
            Topic::Opinions | Topic::OpinionsOf(_) => {
                SnapshotBody::Opinions(crate::opinions::topic_list(&mut tx, topic).await?)
            }
            Topic::Reporting => SnapshotBody::Reporting(ecabinet_protocol::ReportingState {
                steps: tx.last_seq(topic).await?,
            }),
            Topic::Meeting(id) => {
                let snap = tx.meeting_snapshot(id).await?.ok_or(AppError::NotFound)?;
                let part = snap.participant(user.id()).map(|p| p.role);
                if !access::meeting_allows(user.0.role, part, snap.info.status, Cap::View) {
                    return Err(AppError::NotFound);
                }
                SnapshotBody::Meeting(Box::new(snap))
            }
        };
        let seq = tx.last_seq(topic).await?;
        Ok((seq, body))
    }
}
