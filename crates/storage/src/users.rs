//! Accounts.

use crate::{Result, Tx, corrupt};
use ecabinet_domain::{Role, UserId};
use ecabinet_protocol::api::{Me, UserSummary};
use sqlx::Row;
use sqlx::any::AnyRow;

/// An account as stored, with its password hash (never sent to clients).
#[derive(Clone, Debug)]
pub struct UserRow {
    /// Account id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Office held.
    pub title: String,
    /// Account role.
    pub role: Role,
    /// PHC string of the argon2 hash.
    pub password_hash: String,
}

impl UserRow {
    /// The public view of the account.
    pub fn me(&self) -> Me {
        Me {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            title: self.title.clone(),
            role: self.role,
            // Refined by the server, which knows organ and unit roles.
            signs: ecabinet_domain::device::can_enroll(self.role),
        }
    }
}

/// An account to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Office held.
    pub title: String,
    /// Account role.
    pub role: Role,
    /// PHC string of the argon2 hash.
    pub password_hash: String,
    /// Protocol order (the PM first, then deputies, then ministers).
    pub sort_order: i64,
}

/// A `select` of the columns [`user_row`] reads, followed by `$tail` (static SQL for sqlx).
macro_rules! select_user {
    ($tail:literal) => {
        concat!(
            "select user_id, username, display_name, title, role, password_hash from app_user ",
            $tail
        )
    };
}

fn user_row(r: &AnyRow) -> Result<UserRow> {
    let role: String = r.try_get(4)?;
    Ok(UserRow {
        id: UserId(r.try_get(0)?),
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        title: r.try_get(3)?,
        role: Role::parse(&role).ok_or_else(|| corrupt(format!("role {role}")))?,
        password_hash: r.try_get(5)?,
    })
}

impl Tx {
    /// Creates an account.
    pub async fn insert_user(&mut self, u: &NewUser) -> Result<UserId> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into app_user (username, display_name, title, role, password_hash, sort_order, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7) returning user_id",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.title)
        .bind(u.role.as_str())
        .bind(&u.password_hash)
        .bind(u.sort_order)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(UserId(id))
    }

    /// The account with this login name.
    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<UserRow>> {
        let row = sqlx::query(select_user!("where username = $1"))
            .bind(username)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(user_row).transpose()
    }

    /// Changes an account's role (the caller tells the hub: `auth::user_changed`).
    pub async fn set_role(&mut self, id: UserId, role: ecabinet_domain::Role) -> Result<bool> {
        let r = sqlx::query("update app_user set role = $2 where user_id = $1")
            .bind(id.0)
            .bind(role.as_str())
            .execute(self.conn())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The account with this id.
    pub async fn user(&mut self, id: UserId) -> Result<Option<UserRow>> {
        let row = sqlx::query(select_user!("where user_id = $1"))
            .bind(id.0)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(user_row).transpose()
    }

    /// All accounts in protocol order.
    pub async fn users(&mut self) -> Result<Vec<UserSummary>> {
        let rows = sqlx::query(select_user!("order by sort_order, user_id"))
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|r| {
                let u = user_row(r)?;
                Ok(UserSummary {
                    id: u.id,
                    display_name: u.display_name,
                    title: u.title,
                    role: u.role,
                })
            })
            .collect()
    }

    /// How many accounts exist (the seed runs only on an empty database).
    pub async fn count_users(&mut self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("select count(*) from app_user")
            .fetch_one(self.conn())
            .await?;
        Ok(n)
    }
}
