//! Topics of the WebSocket, each answered by the context that owns it: who may follow it
//! and its state at a seq. The socket itself (`platform::ws`) knows no context; this is
//! where the composition root hands it each context's answer.

use crate::AppState;
use crate::platform::error::{AppError, AppResult, enforce};
use crate::platform::session::CurrentUser;
use ecabinet_domain::access::{self, MeetingCapability as Cap};
use ecabinet_protocol::{DeviceList, MeetingList, SnapshotBody, Topic};

impl AppState {
    /// Whether `user` may subscribe to `topic`; meetings they cannot see are "not found".
    /// The rule is `access::topics::subscribe`; here are read only the facts the topic
    /// asked for needs.
    pub async fn authorize_topic(&self, user: &CurrentUser, topic: Topic) -> AppResult<()> {
        use access::topics::TopicFacts as F;
        let role = user.0.role;
        let facts = match topic {
            Topic::Meetings => F::Meetings,
            Topic::User(uid) => F::User(uid),
            Topic::Devices => F::Devices,
            Topic::DevicesOf(uid) => F::DevicesOf(uid),
            Topic::Opinions => F::Opinions,
            Topic::OpinionsOf(uid) => F::OpinionsOf(uid),
            Topic::Reporting => {
                let mut tx = self.db.read().await?;
                // The units are read only when the account role does not decide alone.
                F::Reporting {
                    in_some_receiving_unit: !access::reporting::reads_dashboard(role)
                        && crate::reporting::in_some_receiving_unit(&mut tx, user).await?,
                }
            }
            Topic::Meeting(id) => {
                let mut tx = self.db.read().await?;
                let row = tx.meeting_for_read(id).await?.ok_or(AppError::NotFound)?;
                F::Meeting {
                    participant: tx.participant_role(id, user.id()).await?,
                    status: row.info.status,
                }
            }
        };
        enforce(access::topics::subscribe(role, user.id(), facts))
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
                // View is never forbidden, only hidden: 404, as on the routes.
                enforce(access::meetings::meeting_decision(
                    user.0.role,
                    part,
                    snap.info.status,
                    Cap::View,
                ))?;
                SnapshotBody::Meeting(Box::new(snap))
            }
        };
        let seq = tx.last_seq(topic).await?;
        Ok((seq, body))
    }
}
