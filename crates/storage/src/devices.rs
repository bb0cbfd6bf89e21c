//! Device keys.

use crate::{Result, Tx, corrupt};
use ecabinet_domain::UserId;
use ecabinet_domain::device::{Device, DeviceStatus};
use sqlx::Row;
use sqlx::any::AnyRow;

macro_rules! select_device {
    ($tail:literal) => {
        concat!(
            "select d.device_id, d.user_id, u.display_name, d.label, d.public_key, d.key_id, d.status, \
             d.created_at, d.decided_by, d.decided_at from device d join app_user u on u.user_id = d.user_id ",
            $tail
        )
    };
}

fn device_row(r: &AnyRow) -> Result<Device> {
    let status: String = r.try_get(6)?;
    Ok(Device {
        id: r.try_get(0)?,
        user_id: UserId(r.try_get(1)?),
        user_name: r.try_get(2)?,
        label: r.try_get(3)?,
        public_key: r.try_get(4)?,
        key_id: r.try_get(5)?,
        status: DeviceStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("device status {status}")))?,
        created_at: r.try_get(7)?,
        decided_by: r.try_get::<Option<i64>, _>(8)?.map(UserId),
        decided_at: r.try_get(9)?,
    })
}

impl Tx {
    /// Registers a pending device key; returns its id.
    pub async fn insert_device(
        &mut self,
        user: UserId,
        label: &str,
        public_key: &str,
        key_id: &str,
    ) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into device (user_id, label, public_key, key_id, status, created_at) \
             values ($1, $2, $3, $4, 'pending', $5) returning device_id",
        )
        .bind(user.0)
        .bind(label)
        .bind(public_key)
        .bind(key_id)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    /// One device.
    pub async fn device(&mut self, id: i64) -> Result<Option<Device>> {
        let row = sqlx::query(select_device!("where d.device_id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(device_row).transpose()
    }

    /// The device with this public key (hex), if registered.
    pub async fn device_by_key(&mut self, public_key: &str) -> Result<Option<Device>> {
        let row = sqlx::query(select_device!("where d.public_key = $1"))
            .bind(public_key)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(device_row).transpose()
    }

    /// The device with this key id (hex), if registered.
    pub async fn device_by_key_id(&mut self, key_id: &str) -> Result<Option<Device>> {
        let row = sqlx::query(select_device!("where d.key_id = $1"))
            .bind(key_id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(device_row).transpose()
    }

    /// Every approved device, by owner.
    pub async fn approved_devices(&mut self) -> Result<Vec<Device>> {
        let rows = sqlx::query(select_device!(
            "where d.status = 'approved' order by d.user_id, d.key_id"
        ))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(device_row).collect()
    }

    /// Devices of one account, pending first, then newest first.
    pub async fn devices_of(&mut self, user: UserId) -> Result<Vec<Device>> {
        let rows = sqlx::query(select_device!(
            "where d.user_id = $1 \
             order by case d.status when 'pending' then 0 else 1 end, d.device_id desc"
        ))
        .bind(user.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(device_row).collect()
    }

    /// Which of `ids` are revoked now (one query for a whole batch of ballots).
    pub async fn revoked_among(&mut self, ids: &[i64]) -> Result<std::collections::HashSet<i64>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let list = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select device_id from device where status = 'revoked' and device_id in ({list})"
        );
        // Only numbered placeholders are formatted into the text, never a value.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for id in ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(self.conn()).await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<i64, _>("device_id")?))
            .collect()
    }

    /// Every device, pending first, then newest first.
    pub async fn all_devices(&mut self) -> Result<Vec<Device>> {
        let rows = sqlx::query(select_device!(
            "order by case d.status when 'pending' then 0 else 1 end, d.device_id desc"
        ))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(device_row).collect()
    }

    /// Records an approval or revocation.
    pub async fn set_device_status(
        &mut self,
        id: i64,
        status: DeviceStatus,
        by: UserId,
    ) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "update device set status = $2, decided_by = $3, decided_at = $4 where device_id = $1",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(by.0)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
