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
        let mut conn = self.pool().acquire().await?;
        let (got,): (bool,) = sqlx::query_as("select pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
        Ok(got.then_some(Claim {
            conn: Some(conn),
            key,
        }))
    }
}

impl Claim {
    /// Lets others claim it again.
    pub async fn release(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let unlocked = sqlx::query("select pg_advisory_unlock($1)")
                .bind(self.key)
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                // Never hand a connection holding the lock back to the pool.
                conn.close_on_drop();
            }
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
