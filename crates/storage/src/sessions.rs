//! Server-side login sessions for tower-sessions, kept in the same database.

use crate::{Db, now_ms};
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, Error};

/// A [`tower_sessions::SessionStore`] over the `session` table.
#[derive(Clone, Debug)]
pub struct SessionStore {
    db: Db,
}

impl SessionStore {
    /// Wraps the database.
    pub fn new(db: Db) -> Self {
        SessionStore { db }
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired(&self) -> crate::Result<u64> {
        let r = sqlx::query("delete from session where expires_at < $1")
            .bind(now_ms())
            .execute(self.db.pool())
            .await?;
        Ok(r.rows_affected())
    }
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

fn expires_ms(r: &Record) -> i64 {
    r.expiry_date.unix_timestamp() * 1000
}

#[async_trait]
impl session_store::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; retry on the (astronomically unlikely) collision.
        loop {
            let data = serde_json::to_string(record).map_err(backend)?;
            let r = sqlx::query(
                "insert into session (session_id, data, expires_at) values ($1, $2, $3) \
                 on conflict (session_id) do nothing",
            )
            .bind(record.id.to_string())
            .bind(data)
            .bind(expires_ms(record))
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
            if r.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(record).map_err(backend)?;
        sqlx::query(
            "insert into session (session_id, data, expires_at) values ($1, $2, $3) \
             on conflict (session_id) do update set data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(expires_ms(record))
        .execute(self.db.pool())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String,)> =
            sqlx::query_as("select data from session where session_id = $1 and expires_at > $2")
                .bind(id.to_string())
                .bind(now_ms())
                .fetch_optional(self.db.pool())
                .await
                .map_err(backend)?;
        row.map(|(data,)| serde_json::from_str(&data).map_err(backend))
            .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("delete from session where session_id = $1")
            .bind(id.to_string())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}
