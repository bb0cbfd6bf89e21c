//! The event log: append within a transaction, read back for replay.

use crate::{Result, Tx, corrupt};
use ecabinet_domain::UserId;
use ecabinet_protocol::{Event, EventBody, Topic};
use sqlx::Row;

/// An event as read back from the log.
pub type StoredEvent = Event;

impl Tx {
    /// Appends `body` to `topic` with the next seq. Visible to others only after commit.
    pub async fn append(
        &mut self,
        topic: Topic,
        body: EventBody,
        actor: Option<UserId>,
    ) -> Result<u64> {
        let name = topic.to_string();
        // The row lock (PostgreSQL) or the write lock (SQLite) on `topic` is held until
        // commit, so seqs of one topic commit in order and without gaps.
        let (seq,): (i64,) = sqlx::query_as(
            "insert into topic (topic, last_seq) values ($1, 1) \
             on conflict (topic) do update set last_seq = topic.last_seq + 1 \
             returning last_seq",
        )
        .bind(&name)
        .fetch_one(self.conn())
        .await?;
        let payload = body.payload().to_string();
        let now = self.now;
        sqlx::query(
            "insert into event (topic, seq, kind, payload, actor, at) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&name)
        .bind(seq)
        .bind(body.kind())
        .bind(payload)
        .bind(actor.map(|a| a.0))
        .bind(now)
        .execute(self.conn())
        .await?;
        let seq = u64::try_from(seq).map_err(|_| corrupt("negative seq"))?;
        self.events.push(Event {
            topic,
            seq,
            body,
            actor,
            at: now,
        });
        Ok(seq)
    }

    /// The last seq of `topic` (0 when it has none yet).
    pub async fn last_seq(&mut self, topic: Topic) -> Result<u64> {
        let row: Option<(i64,)> = sqlx::query_as("select last_seq from topic where topic = $1")
            .bind(topic.to_string())
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| u64::try_from(r.0).unwrap_or(0)).unwrap_or(0))
    }

    /// Events of `topic` with seq in `(after, after + limit]`, in order.
    pub async fn events_after(
        &mut self,
        topic: Topic,
        after: u64,
        limit: u64,
    ) -> Result<Vec<Event>> {
        let rows = sqlx::query(
            "select seq, kind, payload, actor, at from event \
             where topic = $1 and seq > $2 order by seq limit $3",
        )
        .bind(topic.to_string())
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(1)?;
                let payload: String = r.try_get(2)?;
                let payload = serde_json::from_str(&payload)
                    .map_err(|e| corrupt(format!("event payload: {e}")))?;
                let body = EventBody::from_parts(&kind, payload)
                    .map_err(|e| corrupt(format!("event {kind}: {e}")))?;
                let seq: i64 = r.try_get(0)?;
                Ok(Event {
                    topic,
                    seq: u64::try_from(seq).map_err(|_| corrupt("negative seq"))?,
                    body,
                    actor: r.try_get::<Option<i64>, _>(3)?.map(UserId),
                    at: r.try_get(4)?,
                })
            })
            .collect()
    }
}
