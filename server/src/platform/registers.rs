//! What an organ hears about its registers: every member of the organ is told, on their
//! own topic, that an entry of its outgoing or incoming register moved. Exchange tells it
//! when an entry's status changes; documents tell it when the entry's files have rendered.

use crate::platform::error::AppResult;
use ecabinet_domain::UserId;
use ecabinet_domain::document::DocumentOwner;
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::Tx;

/// Tells the entry's organ that one of its files finished rendering (or failed), so that
/// its registers show the pages.
pub async fn files_changed(tx: &mut Tx, owner: DocumentOwner) -> AppResult<()> {
    let (organ, register, id, status) = match owner {
        DocumentOwner::Outgoing(id) => {
            let Some(row) = tx.outgoing(id).await? else {
                return Ok(());
            };
            (row.organ_id, "outgoing", id, row.status)
        }
        DocumentOwner::Incoming(id) => {
            let Some(row) = tx.incoming(id).await? else {
                return Ok(());
            };
            (row.organ_id, "incoming", id, row.status)
        }
        DocumentOwner::Meeting(_) | DocumentOwner::Opinion(_) => return Ok(()),
    };
    notify(tx, &organ, register, id, &status, None).await
}

/// Tells every member of `organ` that an entry of its register moved.
pub async fn notify(
    tx: &mut Tx,
    organ: &str,
    register: &str,
    id: i64,
    status: &str,
    actor: Option<UserId>,
) -> AppResult<()> {
    let mut members: Vec<UserId> = tx
        .organ_members(organ)
        .await?
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    members.dedup();
    for m in members {
        tx.append(
            Topic::User(m),
            EventBody::ExchangeChanged {
                organ_id: organ.to_owned(),
                register: register.to_owned(),
                id,
                status: status.to_owned(),
            },
            actor,
        )
        .await?;
    }
    Ok(())
}
