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
/// connection kept for the purpose, so that a node restarting or adopting a render left
/// by a dead node does not take over (and wipe the pages of) a render another node is
/// doing, and a node that dies lets go of all of its renders with that connection.
/// PostgreSQL grants a session the same advisory lock again, so the node also keeps the
/// set it holds: one render per version on this node too. Cheap to clone.
#[derive(Clone)]
pub struct RenderClaims {
    db: Db,
    state: std::sync::Arc<tokio::sync::Mutex<Held>>,
}

#[derive(Default)]
struct Held {
    conn: Option<PoolConnection<Any>>,
    versions: std::collections::HashSet<(i64, i64)>,
}

impl RenderClaims {
    /// Claims over `db`'s connections.
    pub fn new(db: Db) -> RenderClaims {
        RenderClaims {
            db,
            state: Default::default(),
        }
    }

    fn key(doc: i64, version: i64) -> i64 {
        (3i64 << 56) | ((doc & 0x0000_ffff_ffff_ffff) << 8) | (version & 0xff)
    }

    /// Claims the render of `version` of `doc`; `false` if this node or another renders
    /// it. If the database cannot be asked, `true`: rendering twice beats never.
    pub async fn take(&self, doc: i64, version: i64) -> bool {
        self.claim(doc, version, true).await
    }

    /// Claims a render no live node holds, to adopt it; `false` also when the database
    /// cannot be asked, since then nothing says its node is gone.
    pub async fn take_orphan(&self, doc: i64, version: i64) -> bool {
        self.claim(doc, version, false).await
    }

    async fn claim(&self, doc: i64, version: i64, unknown: bool) -> bool {
        let mut held = self.state.lock().await;
        if held.versions.contains(&(doc, version)) {
            return false;
        }
        let got = if self.db.engine() == Engine::Sqlite {
            true
        } else {
            self.ask(&mut held, "select pg_try_advisory_lock($1)", doc, version)
                .await
                .unwrap_or(unknown)
        };
        if got {
            held.versions.insert((doc, version));
        }
        got
    }

    /// Lets go of a render's claim.
    pub async fn release(&self, doc: i64, version: i64) {
        let mut held = self.state.lock().await;
        if held.versions.remove(&(doc, version)) && self.db.engine() != Engine::Sqlite {
            let _ = self
                .ask(&mut held, "select pg_advisory_unlock($1)", doc, version)
                .await;
        }
    }

    /// Makes sure the claims still stand: on PostgreSQL, checks the claims' connection
    /// and, if it was lost (and its locks with it), takes them again on a new one. Called
    /// before adopting, so that a node does not mistake a live node's render, whose
    /// connection broke a moment ago, for an orphan.
    pub async fn refresh(&self) {
        if self.db.engine() == Engine::Sqlite {
            return;
        }
        let mut held = self.state.lock().await;
        if let Some(conn) = held.conn.as_mut()
            && sqlx::query("select 1").execute(&mut **conn).await.is_err()
        {
            drop(held.conn.take());
        }
        if held.conn.is_none() && !held.versions.is_empty() {
            let _ = Self::connected(&self.db, &mut held).await;
        }
    }

    /// The claims' connection; a new one takes the claims this node holds again.
    async fn connected<'h>(db: &Db, held: &'h mut Held) -> Option<&'h mut PoolConnection<Any>> {
        if held.conn.is_none() {
            let mut conn = db.pool().acquire().await.ok()?;
            // This connection holds locks: whenever it is let go (the last clone dropped,
            // an error), it is closed, never handed back to the pool still locked.
            conn.close_on_drop();
            for (doc, version) in &held.versions {
                let again: Result<(bool,), _> = sqlx::query_as("select pg_try_advisory_lock($1)")
                    .bind(Self::key(*doc, *version))
                    .fetch_one(&mut *conn)
                    .await;
                if !matches!(again, Ok((true,))) {
                    tracing::warn!(
                        document = doc,
                        version,
                        "a render's claim was lost with its connection and not taken again"
                    );
                }
            }
            held.conn = Some(conn);
        }
        held.conn.as_mut()
    }

    async fn ask(
        &self,
        held: &mut Held,
        sql: &'static str,
        doc: i64,
        version: i64,
    ) -> Option<bool> {
        let conn = Self::connected(&self.db, held).await?;
        match sqlx::query_as::<_, (bool,)>(sql)
            .bind(Self::key(doc, version))
            .fetch_one(&mut **conn)
            .await
        {
            Ok((b,)) => Some(b),
            Err(_) => {
                // A lost connection took its locks with it: the next call (or the next
                // refresh) takes a new one and the claims again.
                drop(held.conn.take());
                None
            }
        }
    }
}
