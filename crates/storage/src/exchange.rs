//! Document exchange between agencies: the organs hosted here and known from peers, who
//! works for which, the outgoing and incoming registers, the files by hash, and the message
//! log of every envelope and status package sent or received. Envelopes and seals are kept
//! as the JSON of `ecabinet_exchange` types; this crate does not read them.

use crate::{Result, Tx};
use ecabinet_domain::UserId;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An organ (cơ quan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganRow {
    /// Identifier (mã định danh).
    pub id: String,
    /// Name.
    pub name: String,
    /// The peer deployment hosting it; `None`: hosted here.
    pub peer_id: Option<i64>,
}

/// A role in an organ: defined by the access policy, which decides what each may do, and
/// stored here under the same spelling.
pub use ecabinet_domain::access::exchange::OrganRole;

/// A document in the outgoing register (sổ văn bản đi).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingRow {
    /// Register id.
    pub id: i64,
    /// The sending organ.
    pub organ_id: String,
    /// The envelope's DocumentId.
    pub document_id: String,
    /// JSON of the envelope.
    pub envelope: String,
    /// draft, signed or sent.
    pub status: String,
    /// JSON of the seal, once signed.
    pub seal: Option<String>,
    /// Who signed it.
    pub signer_id: Option<UserId>,
    /// Who filed it.
    pub created_by: UserId,
    /// When filed.
    pub created_at: i64,
    /// When sent.
    pub sent_at: Option<i64>,
}

/// What a recipient last reported of an outgoing document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientRow {
    /// The receiving organ.
    pub organ_id: String,
    /// Its name.
    pub organ_name: String,
    /// Two-digit status code, `""` before the first.
    pub status: String,
    /// Its description.
    pub description: String,
    /// When, Unix ms.
    pub updated_at: Option<i64>,
}

/// A document in an organ's incoming register (sổ văn bản đến).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingRow {
    /// Register id.
    pub id: i64,
    /// The receiving organ (hosted here).
    pub organ_id: String,
    /// The envelope's DocumentId.
    pub document_id: String,
    /// The sending organ.
    pub sender_id: String,
    /// Its name.
    pub sender_name: String,
    /// JSON of the envelope.
    pub envelope: String,
    /// JSON of the seal.
    pub seal: String,
    /// Two-digit status code.
    pub status: String,
    /// Số đến, once registered.
    pub register_number: Option<i64>,
    /// Who handles it.
    pub handler_id: Option<UserId>,
    /// The last note (assignment or rejection).
    pub note: String,
    /// When it arrived.
    pub received_at: i64,
    /// When its status last moved.
    pub updated_at: i64,
}

/// A message as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRow {
    /// Log id.
    pub id: i64,
    /// sent or received.
    pub direction: String,
    /// envelope or status.
    pub kind: String,
    /// The document it concerns.
    pub document_id: String,
    /// From organ.
    pub from_organ: String,
    /// To organ.
    pub to_organ: String,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    /// The XML.
    pub body: String,
    /// When, Unix ms.
    pub at: i64,
}

/// A new entry of the message log.
#[derive(Clone, Copy, Debug)]
pub struct NewMessage<'a> {
    /// sent or received.
    pub direction: &'a str,
    /// envelope or status.
    pub kind: &'a str,
    /// The document it concerns.
    pub document_id: &'a str,
    /// From organ.
    pub from_organ: &'a str,
    /// To organ.
    pub to_organ: &'a str,
    /// SHA-256 of the body, hex.
    pub sha256: &'a str,
    /// The XML.
    pub body: &'a str,
}

macro_rules! outgoing_sql {
    ($tail:literal) => {
        concat!(
            "select outgoing_id, organ_id, document_id, envelope, status, seal, signer_id, \
             created_by, created_at, sent_at from outgoing_document ",
            $tail
        )
    };
}

fn outgoing_row(r: &AnyRow) -> Result<OutgoingRow> {
    Ok(OutgoingRow {
        id: r.try_get(0)?,
        organ_id: r.try_get(1)?,
        document_id: r.try_get(2)?,
        envelope: r.try_get(3)?,
        status: r.try_get(4)?,
        seal: r.try_get(5)?,
        signer_id: r.try_get::<Option<i64>, _>(6)?.map(UserId),
        created_by: UserId(r.try_get(7)?),
        created_at: r.try_get(8)?,
        sent_at: r.try_get(9)?,
    })
}

macro_rules! incoming_sql {
    ($tail:literal) => {
        concat!(
            "select incoming_id, organ_id, document_id, sender_id, sender_name, envelope, seal, \
             status, register_number, handler_id, note, received_at, updated_at \
             from incoming_document ",
            $tail
        )
    };
}

fn incoming_row(r: &AnyRow) -> Result<IncomingRow> {
    Ok(IncomingRow {
        id: r.try_get(0)?,
        organ_id: r.try_get(1)?,
        document_id: r.try_get(2)?,
        sender_id: r.try_get(3)?,
        sender_name: r.try_get(4)?,
        envelope: r.try_get(5)?,
        seal: r.try_get(6)?,
        status: r.try_get(7)?,
        register_number: r.try_get(8)?,
        handler_id: r.try_get::<Option<i64>, _>(9)?.map(UserId),
        note: r.try_get(10)?,
        received_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
    })
}

impl Tx {
    /// Adds an organ (hosted here when `peer` is `None`); an existing id keeps its row.
    pub async fn insert_organ(&mut self, id: &str, name: &str, peer: Option<i64>) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "insert into organ (organ_id, name, peer_id, created_at) values ($1, $2, $3, $4) \
             on conflict (organ_id) do nothing",
        )
        .bind(id)
        .bind(name)
        .bind(peer)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Every organ known, by id.
    pub async fn organs(&mut self) -> Result<Vec<OrganRow>> {
        let rows: Vec<(String, String, Option<i64>)> =
            sqlx::query_as("select organ_id, name, peer_id from organ order by organ_id")
                .fetch_all(self.conn())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, peer_id)| OrganRow { id, name, peer_id })
            .collect())
    }

    /// One organ.
    pub async fn organ(&mut self, id: &str) -> Result<Option<OrganRow>> {
        let row: Option<(String, String, Option<i64>)> =
            sqlx::query_as("select organ_id, name, peer_id from organ where organ_id = $1")
                .bind(id)
                .fetch_optional(self.conn())
                .await?;
        Ok(row.map(|(id, name, peer_id)| OrganRow { id, name, peer_id }))
    }

    /// Gives `user` a role in `organ`.
    pub async fn add_organ_member(
        &mut self,
        organ: &str,
        user: UserId,
        role: OrganRole,
    ) -> Result<()> {
        sqlx::query(
            "insert into organ_member (organ_id, user_id, role) values ($1, $2, $3) \
             on conflict (organ_id, user_id, role) do nothing",
        )
        .bind(organ)
        .bind(user.0)
        .bind(role.as_str())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The organs `user` works for, with each role.
    pub async fn organ_roles(&mut self, user: UserId) -> Result<Vec<(String, OrganRole)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select organ_id, role from organ_member where user_id = $1 order by organ_id, role",
        )
        .bind(user.0)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(o, r)| OrganRole::parse(&r).map(|r| (o, r)))
            .collect())
    }

    /// Who works for `organ`, with their roles, by user.
    pub async fn organ_members(&mut self, organ: &str) -> Result<Vec<(UserId, OrganRole)>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "select user_id, role from organ_member where organ_id = $1 order by user_id, role",
        )
        .bind(organ)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(u, r)| OrganRole::parse(&r).map(|r| (UserId(u), r)))
            .collect())
    }

    /// Files a draft in the outgoing register with its recipients; returns its id.
    pub async fn insert_outgoing(
        &mut self,
        organ: &str,
        document_id: &str,
        envelope: &str,
        recipients: &[(String, String)],
        by: UserId,
    ) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into outgoing_document (organ_id, document_id, envelope, status, created_by, \
             created_at) values ($1, $2, $3, 'draft', $4, $5) returning outgoing_id",
        )
        .bind(organ)
        .bind(document_id)
        .bind(envelope)
        .bind(by.0)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        for (organ_id, name) in recipients {
            sqlx::query(
                "insert into outgoing_recipient (outgoing_id, organ_id, organ_name) \
                 values ($1, $2, $3)",
            )
            .bind(id)
            .bind(organ_id)
            .bind(name)
            .execute(self.conn())
            .await?;
        }
        Ok(id)
    }

    /// One outgoing document.
    pub async fn outgoing(&mut self, id: i64) -> Result<Option<OutgoingRow>> {
        let row = sqlx::query(outgoing_sql!("where outgoing_id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(outgoing_row).transpose()
    }

    /// One outgoing document by its envelope's DocumentId.
    pub async fn outgoing_by_document(&mut self, document_id: &str) -> Result<Option<OutgoingRow>> {
        let row = sqlx::query(outgoing_sql!("where document_id = $1"))
            .bind(document_id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(outgoing_row).transpose()
    }

    /// An organ's outgoing register, newest first.
    pub async fn outgoing_of(&mut self, organ: &str) -> Result<Vec<OutgoingRow>> {
        let rows = sqlx::query(outgoing_sql!(
            "where organ_id = $1 order by outgoing_id desc"
        ))
        .bind(organ)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(outgoing_row).collect()
    }

    /// Names the account that is to seal a draft.
    pub async fn set_outgoing_signer(&mut self, id: i64, signer: UserId) -> Result<()> {
        sqlx::query("update outgoing_document set signer_id = $1 where outgoing_id = $2")
            .bind(signer.0)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records the signer's seal (the draft becomes signed).
    pub async fn seal_outgoing(&mut self, id: i64, seal: &str, signer: UserId) -> Result<()> {
        sqlx::query(
            "update outgoing_document set seal = $1, signer_id = $2, status = 'signed' \
             where outgoing_id = $3",
        )
        .bind(seal)
        .bind(signer.0)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Marks an outgoing document sent.
    pub async fn mark_outgoing_sent(&mut self, id: i64) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "update outgoing_document set status = 'sent', sent_at = $1 where outgoing_id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The recipients of an outgoing document and what each last reported.
    pub async fn recipients(&mut self, id: i64) -> Result<Vec<RecipientRow>> {
        let rows: Vec<(String, String, String, String, Option<i64>)> = sqlx::query_as(
            "select organ_id, organ_name, status, description, updated_at from outgoing_recipient \
             where outgoing_id = $1 order by organ_id",
        )
        .bind(id)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(organ_id, organ_name, status, description, updated_at)| RecipientRow {
                    organ_id,
                    organ_name,
                    status,
                    description,
                    updated_at,
                },
            )
            .collect())
    }

    /// Records what a recipient reported.
    pub async fn set_recipient_status(
        &mut self,
        id: i64,
        organ: &str,
        status: &str,
        description: &str,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "update outgoing_recipient set status = $1, description = $2, updated_at = $3 \
             where outgoing_id = $4 and organ_id = $5",
        )
        .bind(status)
        .bind(description)
        .bind(at)
        .bind(id)
        .bind(organ)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Notes a stored file (by hash); a file already known is kept.
    pub async fn insert_exchange_file(&mut self, sha256: &str, size: i64) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "insert into exchange_file (sha256, size_bytes, created_at) values ($1, $2, $3) \
             on conflict (sha256) do nothing",
        )
        .bind(sha256)
        .bind(size)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Stores a received document in `row.organ_id`'s incoming register, once: `None` when
    /// the same document had already arrived there.
    pub async fn insert_incoming(&mut self, row: &IncomingRow) -> Result<Option<i64>> {
        let now = self.now();
        let id: Option<(i64,)> = sqlx::query_as(
            "insert into incoming_document (organ_id, document_id, sender_id, sender_name, \
             envelope, seal, status, received_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             on conflict (organ_id, document_id) do nothing returning incoming_id",
        )
        .bind(&row.organ_id)
        .bind(&row.document_id)
        .bind(&row.sender_id)
        .bind(&row.sender_name)
        .bind(&row.envelope)
        .bind(&row.seal)
        .bind(&row.status)
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        Ok(id.map(|(i,)| i))
    }

    /// One incoming document.
    pub async fn incoming(&mut self, id: i64) -> Result<Option<IncomingRow>> {
        let row = sqlx::query(incoming_sql!("where incoming_id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(incoming_row).transpose()
    }

    /// The entry of `document_id` in `organ`'s incoming register, if it arrived there.
    pub async fn incoming_by_document(
        &mut self,
        organ: &str,
        document_id: &str,
    ) -> Result<Option<IncomingRow>> {
        let row = sqlx::query(incoming_sql!("where organ_id = $1 and document_id = $2"))
            .bind(organ)
            .bind(document_id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(incoming_row).transpose()
    }

    /// An organ's incoming register, newest first.
    pub async fn incoming_of(&mut self, organ: &str) -> Result<Vec<IncomingRow>> {
        let rows = sqlx::query(incoming_sql!(
            "where organ_id = $1 order by incoming_id desc"
        ))
        .bind(organ)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(incoming_row).collect()
    }

    /// Moves an incoming document's status, with its handler, note and register number.
    pub async fn set_incoming_status(
        &mut self,
        id: i64,
        status: &str,
        handler: Option<UserId>,
        note: &str,
        register_number: Option<i64>,
    ) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "update incoming_document set status = $1, handler_id = $2, note = $3, \
             register_number = $4, updated_at = $5 where incoming_id = $6",
        )
        .bind(status)
        .bind(handler.map(|h| h.0))
        .bind(note)
        .bind(register_number)
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The next số đến of `organ`: one more than its highest.
    pub async fn next_register_number(&mut self, organ: &str) -> Result<i64> {
        let (n,): (Option<i64>,) = sqlx::query_as(
            "select max(register_number) from incoming_document where organ_id = $1",
        )
        .bind(organ)
        .fetch_one(self.conn())
        .await?;
        Ok(n.unwrap_or(0) + 1)
    }

    /// Appends to the message log; returns the entry's id.
    pub async fn log_message(&mut self, m: NewMessage<'_>) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into exchange_message (direction, kind, document_id, from_organ, to_organ, \
             sha256, body, at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning message_id",
        )
        .bind(m.direction)
        .bind(m.kind)
        .bind(m.document_id)
        .bind(m.from_organ)
        .bind(m.to_organ)
        .bind(m.sha256)
        .bind(m.body)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    /// The log of one document, in order.
    pub async fn messages_of(&mut self, document_id: &str) -> Result<Vec<MessageRow>> {
        let rows = sqlx::query(
            "select message_id, direction, kind, document_id, from_organ, to_organ, sha256, \
             body, at from exchange_message where document_id = $1 order by message_id",
        )
        .bind(document_id)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MessageRow {
                    id: r.try_get(0)?,
                    direction: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    document_id: r.try_get(3)?,
                    from_organ: r.try_get(4)?,
                    to_organ: r.try_get(5)?,
                    sha256: r.try_get(6)?,
                    body: r.try_get(7)?,
                    at: r.try_get(8)?,
                })
            })
            .collect()
    }
}

/// A message waiting for a peer deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    /// Outbox id (the order of sending per peer).
    pub id: i64,
    /// The peer.
    pub peer_id: i64,
    /// The message log entry carried.
    pub message: MessageRow,
    /// Attempts so far.
    pub attempts: i64,
}

/// A delivery the peer refused for good, set aside until someone sends it again (or one
/// not delivered yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetterRow {
    /// Outbox id.
    pub id: i64,
    /// The peer.
    pub peer_id: i64,
    /// The peer's name.
    pub peer_name: String,
    /// `envelope` or `status`.
    pub kind: String,
    /// The document it concerns.
    pub document_id: String,
    /// The organ that sent it.
    pub from_organ: String,
    /// The organ it is for.
    pub to_organ: String,
    /// Attempts made.
    pub attempts: i64,
    /// Why the peer refused it (or the last attempt failed).
    pub reason: String,
    /// When it was set aside, Unix ms; `None` while it is still being tried.
    pub dead_at: Option<i64>,
}

type DeadRowTuple = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

fn dead_row(r: DeadRowTuple) -> DeadLetterRow {
    let (id, peer_id, peer_name, kind, document_id, from_organ, to_organ, attempts, reason, at) = r;
    DeadLetterRow {
        id,
        peer_id,
        peer_name,
        kind,
        document_id,
        from_organ,
        to_organ,
        attempts,
        reason: reason.unwrap_or_default(),
        dead_at: at,
    }
}

macro_rules! select_letter {
    () => {
        "select o.outbox_id, o.peer_id, p.name, m.kind, m.document_id, m.from_organ, \
         m.to_organ, o.attempts, o.last_error, o.dead_at \
         from exchange_outbox o join exchange_message m on m.message_id = o.message_id \
         join exchange_peer p on p.peer_id = o.peer_id \
         where o.delivered_at is null"
    };
}
/// A peer deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerRow {
    /// Peer id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its base URL.
    pub base_url: String,
    /// Its server key, hex.
    pub server_key: String,
}

impl Tx {
    /// Adds a peer deployment; returns its id.
    pub async fn insert_peer(
        &mut self,
        name: &str,
        base_url: &str,
        server_key: &str,
    ) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into exchange_peer (name, base_url, server_key, created_at) \
             values ($1, $2, $3, $4) returning peer_id",
        )
        .bind(name)
        .bind(base_url)
        .bind(server_key)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    /// Every peer.
    pub async fn peers(&mut self) -> Result<Vec<PeerRow>> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "select peer_id, name, base_url, server_key from exchange_peer order by peer_id",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, base_url, server_key)| PeerRow {
                id,
                name,
                base_url,
                server_key,
            })
            .collect())
    }

    /// Queues a logged message for a peer, due now.
    pub async fn enqueue(&mut self, peer: i64, message: i64) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "insert into exchange_outbox (peer_id, message_id, next_attempt_at) values ($1, $2, $3)",
        )
        .bind(peer)
        .bind(message)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Whether outbox row `id` is still undelivered, not a dead letter, and due at `now`
    /// (checked again once claimed, as for mail).
    pub async fn outbox_still_due(&mut self, id: i64, now: i64) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "select outbox_id from exchange_outbox \
             where outbox_id = $1 and delivered_at is null and dead_at is null \
             and next_attempt_at <= $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.is_some())
    }

    /// For each peer, its oldest undelivered message if it is due by `now`: a peer's
    /// messages go strictly in order, the next only after the one before was delivered
    /// or set aside as a dead letter.
    pub async fn outbox_due(&mut self, now: i64) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query(
            "select o.outbox_id, o.peer_id, o.attempts, m.message_id, m.direction, m.kind, \
             m.document_id, m.from_organ, m.to_organ, m.sha256, m.body, m.at \
             from exchange_outbox o join exchange_message m on m.message_id = o.message_id \
             where o.delivered_at is null and o.dead_at is null and o.next_attempt_at <= $1 \
             and o.outbox_id = \
             (select min(x.outbox_id) from exchange_outbox x \
              where x.peer_id = o.peer_id and x.delivered_at is null and x.dead_at is null) \
             order by o.outbox_id",
        )
        .bind(now)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    id: r.try_get(0)?,
                    peer_id: r.try_get(1)?,
                    attempts: r.try_get(2)?,
                    message: MessageRow {
                        id: r.try_get(3)?,
                        direction: r.try_get(4)?,
                        kind: r.try_get(5)?,
                        document_id: r.try_get(6)?,
                        from_organ: r.try_get(7)?,
                        to_organ: r.try_get(8)?,
                        sha256: r.try_get(9)?,
                        body: r.try_get(10)?,
                        at: r.try_get(11)?,
                    },
                })
            })
            .collect()
    }

    /// When the next undelivered message is due, if any.
    pub async fn outbox_next_due(&mut self) -> Result<Option<i64>> {
        let (n,): (Option<i64>,) = sqlx::query_as(
            "select min(next_attempt_at) from exchange_outbox \
             where delivered_at is null and dead_at is null",
        )
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    /// Undelivered messages still being tried (dead letters aside): outbox id, peer,
    /// attempts, last error.
    pub async fn outbox_pending(&mut self) -> Result<Vec<(i64, i64, i64, Option<String>)>> {
        let rows: Vec<(i64, i64, i64, Option<String>)> = sqlx::query_as(
            "select outbox_id, peer_id, attempts, last_error from exchange_outbox \
             where delivered_at is null and dead_at is null order by outbox_id",
        )
        .fetch_all(self.conn())
        .await?;
        Ok(rows)
    }

    /// Records a delivery and the peer's receipt.
    pub async fn outbox_delivered(
        &mut self,
        id: i64,
        receipt: Option<&str>,
        note: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "update exchange_outbox set delivered_at = $1, receipt = $2, last_error = $3, \
             attempts = attempts + 1 where outbox_id = $4",
        )
        .bind(now)
        .bind(receipt)
        .bind(note)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records a failed attempt and when to try again.
    pub async fn outbox_failed(&mut self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        sqlx::query(
            "update exchange_outbox set attempts = attempts + 1, last_error = $1, \
             next_attempt_at = $2 where outbox_id = $3",
        )
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Sets a delivery the peer refused for good aside as a dead letter, with why: it
    /// stays whole in the outbox and no longer holds back the peer's later messages.
    pub async fn outbox_dead(&mut self, id: i64, reason: &str) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "update exchange_outbox set attempts = attempts + 1, last_error = $1, dead_at = $2 \
             where outbox_id = $3 and delivered_at is null",
        )
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Puts dead letter `id` back in the queue, due now (its back-off starts again);
    /// whether it was a dead letter.
    pub async fn outbox_retry(&mut self, id: i64) -> Result<bool> {
        let now = self.now();
        let done = sqlx::query(
            "update exchange_outbox set dead_at = null, attempts = 0, next_attempt_at = $1 \
             where outbox_id = $2 and dead_at is not null and delivered_at is null",
        )
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Dead letters, oldest first; only those of `document_id` if given.
    pub async fn dead_letters(&mut self, document_id: Option<&str>) -> Result<Vec<DeadLetterRow>> {
        let rows: Vec<DeadRowTuple> = match document_id {
            Some(d) => {
                sqlx::query_as(concat!(
                    select_letter!(),
                    " and o.dead_at is not null and m.document_id = $1 order by o.outbox_id"
                ))
                .bind(d)
                .fetch_all(self.conn())
                .await?
            }
            None => {
                sqlx::query_as(concat!(
                    select_letter!(),
                    " and o.dead_at is not null order by o.outbox_id"
                ))
                .fetch_all(self.conn())
                .await?
            }
        };
        Ok(rows.into_iter().map(dead_row).collect())
    }

    /// One undelivered outbox row, a dead letter (`dead_at` set) or still being tried.
    pub async fn undelivered(&mut self, id: i64) -> Result<Option<DeadLetterRow>> {
        let row: Option<DeadRowTuple> =
            sqlx::query_as(concat!(select_letter!(), " and o.outbox_id = $1"))
                .bind(id)
                .fetch_optional(self.conn())
                .await?;
        Ok(row.map(dead_row))
    }

    /// How many dead letters wait.
    pub async fn dead_letter_count(&mut self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from exchange_outbox where dead_at is not null and delivered_at is null",
        )
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    /// Whether a message with this hash was already received for this document.
    pub async fn received_before(&mut self, document_id: &str, sha256: &str) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from exchange_message where document_id = $1 and sha256 = $2 \
             and direction = 'received'",
        )
        .bind(document_id)
        .bind(sha256)
        .fetch_one(self.conn())
        .await?;
        Ok(n > 0)
    }
}
