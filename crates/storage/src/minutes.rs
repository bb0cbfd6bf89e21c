//! Meeting minutes: the draft text and, once signed, the chair's signature and the
//! archived PDF's hash.

use crate::{Result, Tx};
use ecabinet_domain::{MeetingId, UserId};

/// The minutes of a meeting as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinutesRow {
    /// The text.
    pub body: String,
    /// `draft` or `signed`.
    pub status: String,
    /// Signed canonical bytes, hex.
    pub signed_bytes: Option<String>,
    /// The chair's signature, hex.
    pub signature: Option<String>,
    /// Who signed.
    pub signer: Option<UserId>,
    /// With which device.
    pub device_id: Option<i64>,
    /// SHA-256 of the archived PDF, hex.
    pub pdf_sha256: Option<String>,
}

type Raw = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

impl Tx {
    /// The minutes of `meeting`, if drafted.
    pub async fn minutes(&mut self, meeting: MeetingId) -> Result<Option<MinutesRow>> {
        let row: Option<Raw> = sqlx::query_as(
            "select body, status, signed_bytes, signature, signer, device_id, pdf_sha256 \
             from minutes where meeting_id = $1",
        )
        .bind(meeting.0)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(
            |(body, status, signed_bytes, signature, signer, device_id, pdf)| MinutesRow {
                body,
                status,
                signed_bytes,
                signature,
                signer: signer.map(UserId),
                device_id,
                pdf_sha256: pdf,
            },
        ))
    }

    /// Writes the draft (new or edited). Returns false if the minutes are signed already.
    pub async fn save_minutes(
        &mut self,
        meeting: MeetingId,
        body: &str,
        by: UserId,
    ) -> Result<bool> {
        let now = self.now();
        let done = sqlx::query(
            "insert into minutes (meeting_id, body, status, updated_by, updated_at) \
             values ($1, $2, 'draft', $3, $4) \
             on conflict (meeting_id) do update set body = $2, updated_by = $3, updated_at = $4 \
             where minutes.status = 'draft'",
        )
        .bind(meeting.0)
        .bind(body)
        .bind(by.0)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the chair's signature on the draft whose text it covers. Returns false if
    /// they were signed already.
    #[allow(clippy::too_many_arguments)] // one signature's parts
    pub async fn sign_minutes(
        &mut self,
        meeting: MeetingId,
        bytes_hex: &str,
        signature_hex: &str,
        signer: UserId,
        device_id: i64,
        signed_at: i64,
        pdf_sha256: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "update minutes set status = 'signed', signed_bytes = $2, signature = $3, signer = $4, \
             device_id = $5, signed_at = $6, pdf_sha256 = $7 \
             where meeting_id = $1 and status = 'draft'",
        )
        .bind(meeting.0)
        .bind(bytes_hex)
        .bind(signature_hex)
        .bind(signer.0)
        .bind(device_id)
        .bind(signed_at)
        .bind(pdf_sha256)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
