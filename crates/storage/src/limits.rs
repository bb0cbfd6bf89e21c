//! Failed-login buckets in the database, so that the nodes sharing one PostgreSQL count
//! a guesser's tries together: read (and on PostgreSQL locked) and written back in the
//! caller's transaction. The arithmetic is the server's (`limits.rs`).

use crate::{Engine, Result, Tx};

/// Tries left in a bucket as of a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TryBucket {
    /// Tries left (fractional while refilling).
    pub tokens: f64,
    /// When `tokens` was worked out, ms since the Unix epoch.
    pub at_ms: i64,
}

impl Tx {
    /// The bucket of each `(key, full)`, a new one full as of `now_ms`. On PostgreSQL
    /// each row is locked until the transaction ends, created first if new so that two
    /// first tries wait for each other too. Callers ask for keys in one fixed order
    /// (the username's, then the address's), so two logins cannot deadlock.
    pub async fn login_buckets(
        &mut self,
        keys: &[(&str, f64)],
        now_ms: i64,
    ) -> Result<Vec<TryBucket>> {
        let select = match self.engine {
            Engine::Sqlite => "select tokens, at_ms from login_bucket where bucket_key = $1",
            Engine::Postgres => {
                "select tokens, at_ms from login_bucket where bucket_key = $1 for update"
            }
        };
        let mut out = Vec::with_capacity(keys.len());
        for (key, full) in keys {
            sqlx::query(
                "insert into login_bucket (bucket_key, tokens, at_ms) values ($1, $2, $3) \
                 on conflict (bucket_key) do nothing",
            )
            .bind(*key)
            .bind(*full)
            .bind(now_ms)
            .execute(self.conn())
            .await?;
            let (tokens, at_ms): (f64, i64) = sqlx::query_as(select)
                .bind(*key)
                .fetch_one(self.conn())
                .await?;
            out.push(TryBucket { tokens, at_ms });
        }
        Ok(out)
    }

    /// Stores a bucket read by [`Tx::login_buckets`].
    pub async fn set_login_bucket(&mut self, key: &str, bucket: TryBucket) -> Result<()> {
        sqlx::query("update login_bucket set tokens = $2, at_ms = $3 where bucket_key = $1")
            .bind(key)
            .bind(bucket.tokens)
            .bind(bucket.at_ms)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Forgets the buckets untouched since `before_ms` (full again by then); how many.
    pub async fn forget_login_buckets(&mut self, before_ms: i64) -> Result<u64> {
        Ok(sqlx::query("delete from login_bucket where at_ms < $1")
            .bind(before_ms)
            .execute(self.conn())
            .await?
            .rows_affected())
    }
}
