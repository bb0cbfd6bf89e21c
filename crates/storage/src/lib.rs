//! Persistence of ecabinet. One implementation over sqlx's `Any` driver serves both engines:
//! SQLite (embedded default: one file, WAL, `synchronous=FULL`) and PostgreSQL (scale-out).
//! The SQL is written once in the dialect both accept (`$n` placeholders, `returning`,
//! `on conflict`); where the engines differ (transaction start, row locks, migrations)
//! [`Engine`] picks the statement. Every change and its events are written in one
//! transaction ([`Tx`]); the events are handed back on commit so the hub can push them.

mod annotations;
mod claims;
mod devices;
mod documents;
mod events;
mod exchange;
mod limits;
mod meetings;
mod minutes;
mod opinions;
mod polls;
mod reporting;
mod sessions;
mod users;
mod wakeups;

pub use annotations::NewAnnotation;
pub use claims::{Claim, Claimable, RenderClaims};
pub use documents::{Access, DocumentRow, NewDocument, PageRow, ReadRow, RenderedPage, VersionRow};
pub use events::StoredEvent;
pub use exchange::{
    DeadLetterRow, IncomingRow, MessageRow, NewMessage, OrganRole, OrganRow, OutboxRow,
    OutgoingRow, PeerRow, RecipientRow,
};
pub use limits::TryBucket;
pub use meetings::MeetingRow;
pub use minutes::MinutesRow;
pub use opinions::{AnswerRow, Contact, MailRow, OpinionDraft, OpinionRow};
pub use polls::{BallotRow, NewBallot, PollDraft, PollRow};
pub use reporting::{RegimeRow, ReportRow, RevisionRow, SeriesPoint, UnitRow};
pub use sessions::SessionStore;
pub use users::{NewUser, UserRow};
pub use wakeups::{Wakeup, Wakeups};

use ecabinet_protocol::Event;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Connection, Executor};
use std::str::FromStr;
use std::time::Duration;
use thiserror::Error;

/// A storage failure. The details are for logs; clients see a generic internal error.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Migrations could not be applied.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Shorthand.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine is behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Embedded file database.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
    /// Kept for the listening connection of [`Db::wakeups`] (PostgreSQL only); never logged.
    url: std::sync::Arc<str>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("Db").field("engine", &self.engine).finish()
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://path/to/file.db` or `postgres://...`). A SQLite file is
    /// created if missing.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let (engine, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let url = if rest.contains("mode=") {
                url.to_owned()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Engine::Sqlite, url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Engine::Postgres, url.to_owned())
        } else {
            return Err(StoreError::Db(sqlx::Error::Configuration(
                "database url must start with sqlite: or postgres:".into(),
            )));
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // WAL lets readers run beside the writer; FULL makes a commit durable
                        // before we acknowledge it (ballots will rely on this).
                        conn.execute(
                            "pragma journal_mode = wal; pragma synchronous = full; \
                             pragma foreign_keys = on; pragma busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db {
            pool,
            engine,
            url: url.into(),
        })
    }

    /// The engine behind this handle.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Applies the embedded migrations of this engine.
    pub async fn migrate(&self) -> Result<()> {
        match self.engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Engine::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Applies the migrations up to `version` only: upgrade tests start from an older
    /// schema holding data, then [`Db::migrate`] the rest.
    pub async fn migrate_to(&self, version: i64) -> Result<()> {
        match self.engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.run_to(version, &self.pool).await?,
            Engine::Postgres => POSTGRES_MIGRATIONS.run_to(version, &self.pool).await?,
        }
        Ok(())
    }

    /// The identity of this event log (see `meta.epoch`).
    pub async fn epoch(&self) -> Result<String> {
        let row: (String,) = sqlx::query_as("select value from meta where key = 'epoch'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.0)
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once, so that two
    /// writers never both read and then fail to upgrade.
    pub async fn write(&self) -> Result<Tx> {
        let tx = match self.engine {
            Engine::Sqlite => self.pool.begin_with("begin immediate").await?,
            Engine::Postgres => self.pool.begin().await?,
        };
        Ok(Tx {
            tx: Conn::Tx(tx),
            engine: self.engine,
            events: Vec::new(),
            now: now_ms(),
        })
    }

    /// Starts a read-only transaction that sees one consistent state (a snapshot and the
    /// seq it corresponds to must agree).
    pub async fn read(&self) -> Result<Tx> {
        let tx = match self.engine {
            Engine::Sqlite => self.pool.begin().await?,
            Engine::Postgres => {
                self.pool
                    .begin_with("begin isolation level repeatable read read only")
                    .await?
            }
        };
        Ok(Tx {
            tx: Conn::Tx(tx),
            engine: self.engine,
            events: Vec::new(),
            now: now_ms(),
        })
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    /// What other nodes commit, as wake-ups (PostgreSQL only: one SQLite file has one node).
    pub fn wakeups(&self) -> Option<Wakeups> {
        (self.engine == Engine::Postgres).then(|| Wakeups::new(self.url.to_string()))
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Reads outside a transaction: each statement sees the latest commit. For a single
    /// read, or checks that a later write transaction makes again (a ballot's pre-checks):
    /// on PostgreSQL it saves the round trips of `begin` and `rollback`. Nothing may be
    /// written through it.
    pub async fn read_now(&self) -> Result<Tx> {
        Ok(Tx {
            tx: Conn::Plain(self.pool.acquire().await?),
            engine: self.engine,
            events: Vec::new(),
            now: now_ms(),
        })
    }
}

/// A transaction, or a plain connection for [`Db::read_now`].
enum Conn {
    Tx(sqlx::Transaction<'static, Any>),
    Plain(sqlx::pool::PoolConnection<Any>),
}

/// A transaction, with the events it appended. Dropping it without [`Tx::commit`] rolls back.
pub struct Tx {
    tx: Conn,
    engine: Engine,
    events: Vec<Event>,
    now: i64,
}

impl Tx {
    /// The time of this transaction, Unix ms: every row and event it writes carries it.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Commits, then returns the events written, in order, for the hub to push.
    pub async fn commit(mut self) -> Result<Vec<Event>> {
        self.notify_events().await?;
        if let Conn::Tx(tx) = self.tx {
            tx.commit().await?;
        }
        Ok(self.events)
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        match &mut self.tx {
            Conn::Tx(tx) => tx,
            Conn::Plain(c) => c,
        }
    }
}

/// The current time, Unix ms.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}
