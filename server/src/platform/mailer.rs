//! Outgoing mail: rows of `mail_outbox`, written in the transaction that decided to send
//! them, delivered over SMTP (lettre) by one task with retries and back-off. A mail is
//! marked sent only after the SMTP server accepted it, so a crash resends rather than loses.

use ecabinet_storage::{Claimable, Db, MailRow, now_ms};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Handle to the mail task: wake it after committing new mail.
#[derive(Clone, Default)]
pub struct Mailer {
    wake: Arc<Notify>,
    smtp: Option<Arc<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>>,
}

impl Mailer {
    /// A mailer for `smtp_url` (`smtp://host:port`, `smtps://…`, or with `?tls=required`;
    /// see lettre's `from_url`); with an empty URL no mail is queued.
    pub fn new(smtp_url: &str, from: &str) -> anyhow::Result<Mailer> {
        if smtp_url.trim().is_empty() {
            return Ok(Mailer::default());
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| anyhow::anyhow!("smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail_from {from:?}: {e}"))?;
        Ok(Mailer {
            wake: Arc::new(Notify::new()),
            smtp: Some(Arc::new((transport, from))),
        })
    }

    /// Whether mail is configured (otherwise reminders are in-app only).
    pub fn enabled(&self) -> bool {
        self.smtp.is_some()
    }

    /// Tells the task that new mail was committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Delivers the outbox until dropped; returns at once without SMTP.
    pub async fn run(self, db: Db) {
        if let Some(smtp) = self.smtp {
            run(db, &smtp.0, &smtp.1, self.wake).await
        }
    }
}

/// Wait before attempt `n + 1` after `n` failures: 30 s doubling, at most an hour.
fn backoff(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 7)).unwrap_or(7);
    (30_000i64 << exp).min(3_600_000)
}

fn message(from: &Mailbox, m: &MailRow) -> Result<Message, String> {
    let to: Mailbox = m.to.parse().map_err(|e| format!("to {:?}: {e}", m.to))?;
    let mut b = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone());
    if !m.cc.is_empty() {
        b = b.cc(m.cc.parse().map_err(|e| format!("cc {:?}: {e}", m.cc))?);
    }
    // 8-bit UTF-8 keeps the Vietnamese text readable in the raw message (every current
    // SMTP server accepts 8BITMIME); a body that cannot be sent so (over-long lines) is
    // left to lettre to encode.
    let text = reflow(&m.body, 74).replace('\n', "\r\n");
    let body = Body::new_with_encoding(text.clone(), ContentTransferEncoding::EightBit)
        .unwrap_or_else(|_| Body::new(text));
    b.singlepart(
        SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(body),
    )
    .map_err(|e| e.to_string())
}

/// Breaks lines at spaces so that each is under `max` bytes, as 8-bit mail needs (a
/// single longer word stays whole, and lettre then encodes the body instead).
fn reflow(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, para) in text.replace("\r\n", "\n").split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut len = 0;
        for (j, word) in para.split(' ').enumerate() {
            if j > 0 {
                if len + 1 + word.len() >= max {
                    out.push('\n');
                    len = 0;
                } else {
                    out.push(' ');
                    len += 1;
                }
            }
            out.push_str(word);
            len += word.len();
        }
    }
    out
}

async fn run(
    db: Db,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    wake: Arc<Notify>,
) {
    loop {
        let next = match deliver_due(&db, transport, from).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "mailer could not read the outbox");
                Some(now_ms() + 5_000)
            }
        };
        let wait = next.map_or(Duration::from_secs(60), |t| {
            Duration::from_millis(u64::try_from(t - now_ms()).unwrap_or(0))
                .min(Duration::from_secs(60))
        });
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}

/// Sends what is due; returns when the next attempt is due.
async fn deliver_due(
    db: &Db,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
) -> Result<Option<i64>, ecabinet_storage::StoreError> {
    let due = {
        let mut tx = db.read().await?;
        tx.mail_due(now_ms(), 50).await?
    };
    for m in due {
        // Several nodes read one outbox: only the one that claims the row sends it, and
        // only if no other node has since.
        let Some(claim) = db.claim(Claimable::Mail(m.id)).await? else {
            continue;
        };
        if !db.read_now().await?.mail_still_due(m.id, now_ms()).await? {
            claim.release().await;
            continue;
        }
        let outcome = match message(from, &m) {
            Ok(msg) => transport
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let mut tx = db.write().await?;
        match outcome {
            Ok(()) => tx.mail_sent(m.id, now_ms()).await?,
            Err(e) => {
                tracing::warn!(mail = m.id, to = %m.to, error = %e, "mail not delivered; will retry");
                tx.mail_failed(m.id, &e, now_ms() + backoff(m.attempts))
                    .await?
            }
        }
        tx.commit().await?;
        claim.release().await;
    }
    let mut tx = db.read().await?;
    tx.next_mail_attempt().await
}

#[cfg(test)]
mod tests {
    use super::{backoff, reflow};

    #[test]
    fn reflow_keeps_lines_short_and_words_whole() {
        let long =
            "Đề nghị đồng chí trả lời phiếu lấy ý kiến trước 17:00 ngày 02/12/2026, xin cảm ơn.";
        let out = reflow(long, 40);
        assert!(out.lines().all(|l| l.len() < 40), "{out}");
        assert_eq!(out.replace('\n', " "), long);
        assert_eq!(reflow("a\n\nb", 40), "a\n\nb");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), 30_000);
        assert_eq!(backoff(1), 60_000);
        assert_eq!(backoff(6), 1_920_000);
        assert_eq!(backoff(7), 3_600_000);
        assert_eq!(backoff(40), 3_600_000);
    }
}
