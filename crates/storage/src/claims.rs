//! Claims: one node at a time works on an outbox row (sending a mail, delivering to a
//! peer). On PostgreSQL a claim is a session advisory lock held on its own connection
//! for the whole attempt, so a node that dies mid-attempt releases it with its
//! connection and another node may retry at once; nothing waits for a lease to run out.
//! On SQLite there is one node, and a claim is always granted.

use crate::{Db, Engine, Result};
use sqlx::Any;
use sqlx::pool::PoolConnection;

/// What is claimed: the kind of row (so that ids of two tables never collide) and its id.
#[derive(Clone, Copy, Debug)]
pub enum Claimable {
    /// A row of `mail_outbox`.
    Mail(i64),
    /// A row of `exchange_outbox`.
    Delivery(i64),
}

impl Claimable {
    fn key(self) -> i64 {
        let (class, id) = match self {
            Claimable::Mail(id) => (1i64, id),
            Claimable::Delivery(id) => (2i64, id),
        };
        (class << 56) | (id & 0x00ff_ffff_ffff_ffff)
    }
}

/// A held claim; [`Claim::release`] it when the attempt is recorded.
pub struct Claim {
    conn: Option<PoolConnection<Any>>,
    key: i64,
}

impl Db {
    /// Claims `what`, or `None` if another node holds it.
    pub async fn claim(&self, what: Claimable) -> Result<Option<Claim>> {
        let key = what.key();
        if self.engine() == Engine::Sqlite {
            return Ok(Some(Claim { conn: None, key }));
        }
        // Held in a claim before asking, so that a cancelled call closes the connection
        // (and whatever lock it got) instead of returning it to the pool.
        let mut claim = Claim {
            conn: Some(self.pool().acquire().await?),
            key,
        };
        let Some(conn) = claim.conn.as_mut() else {
            return Ok(None);
        };
        let (got,): (bool,) = sqlx::query_as("select pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut **conn)
            .await?;
        if got {
            Ok(Some(claim))
        } else {
            // Not locked: the connection may go back to the pool as it is.
            drop(claim.conn.take());
            Ok(None)
        }
    }
}

impl Claim {
    /// Lets others claim it again.
    pub async fn release(mut self) {
        // The connection stays in `self` until the unlock has succeeded: if this future
        // is dropped half-way (a task aborted at shutdown), `Drop` closes it rather than
        // handing a locked connection back to the pool.
        let unlocked = match self.conn.as_mut() {
            Some(conn) => sqlx::query("select pg_advisory_unlock($1)")
                .bind(self.key)
                .execute(&mut **conn)
                .await
                .is_ok(),
            None => return,
        };
        if unlocked {
            // Back to the pool, unlocked.
            drop(self.conn.take());
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Not released (an error on the way): closing the connection releases the lock.
        if let Some(conn) = self.conn.take() {
            let mut conn = conn;
            conn.close_on_drop();
        }
    }
}

/// A node's claims on the versions it is rendering: session advisory locks on one
/// connection kept for the purpose, so that a node restarting does not take over (and
/// wipe the pages of) a render another node is doing, and a node that dies lets go of
/// all of its renders with that connection. Cheap to clone.
#[derive(Clone)]
pub struct RenderClaims {
    db: Db,
    conn: std::sync::Arc<tokio::sync::Mutex<Option<PoolConnection<Any>>>>,
}

impl RenderClaims {
    /// Claims over `db`'s connections.
    pub fn new(db: Db) -> RenderClaims {
        RenderClaims {
            db,
            conn: Default::default(),
        }
    }

    fn key(doc: i64, version: i64) -> i64 {
        (3i64 << 56) | ((doc & 0x0000_ffff_ffff_ffff) << 8) | (version & 0xff)
    }

    /// Claims the render of `version` of `doc`; `false` if another node renders it. If
    /// the database cannot be asked, `true`: rendering twice beats never.
    pub async fn take(&self, doc: i64, version: i64) -> bool {
        if self.db.engine() == Engine::Sqlite {
            return true;
        }
        self.ask("select pg_try_advisory_lock($1)", doc, version)
            .await
            .unwrap_or(true)
    }

    /// Lets go of a render's claim.
    pub async fn release(&self, doc: i64, version: i64) {
        if self.db.engine() != Engine::Sqlite {
            let _ = self
                .ask("select pg_advisory_unlock($1)", doc, version)
                .await;
        }
    }

    async fn ask(&self, sql: &'static str, doc: i64, version: i64) -> Option<bool> {
        let mut guard = self.conn.lock().await;
        if guard.is_none() {
            let mut conn = self.db.pool().acquire().await.ok()?;
            // This connection holds locks: whenever it is let go (the last clone dropped,
            // an error), it is closed, never handed back to the pool still locked.
            conn.close_on_drop();
            *guard = Some(conn);
        }
        let conn = guard.as_mut()?;
        match sqlx::query_as::<_, (bool,)>(sql)
            .bind(Self::key(doc, version))
            .fetch_one(&mut **conn)
            .await
        {
            Ok((b,)) => Some(b),
            Err(_) => {
                // A lost connection took its locks with it: start afresh.
                drop(guard.take());
                None
            }
        }
    }
}
