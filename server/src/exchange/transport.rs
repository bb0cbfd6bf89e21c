//! Delivery of exchanged documents between deployments: peers (their URL, server key and
//! the organs they host), the outbox that hands each logged envelope or status to its peer
//! over HTTPS with exponential back-off, strictly in order per peer, and the inbox that
//! takes them from peers: the request signed by the peer's server key, stored once however
//! often it comes, and answered with a receipt signed by this deployment's key.
//!
//! Exactly once, in order: the sender keeps retrying the oldest undelivered message of a
//! peer until the peer answers; the peer stores an envelope once per organ and a status
//! once per hash, so a retry after a lost answer changes nothing but the receipt. A message
//! the peer refuses for good (too large, no inbox at that address, not recognised) is set
//! aside as a dead letter, kept whole and shown with its reason until the admin or the
//! sending organ's clerk sends it again, so that it does not hold back the messages after
//! it.

use crate::AppState;
use crate::platform::error::{ApiJson, AppError, AppResult};
use crate::platform::hex_array;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecabinet_crypto::{check_public_key, sha256, verify_one};
use ecabinet_domain::DomainError;
use ecabinet_domain::access;
use ecabinet_exchange::Problem;
use ecabinet_exchange::canonical::{receipt_bytes, status_bytes, transport_bytes};
use ecabinet_exchange::edxml;
use ecabinet_storage::{Claimable, NewMessage, OutboxRow, PeerRow};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The outbox's settings and its wake-up.
#[derive(Clone)]
pub struct Outbox {
    wake: Arc<tokio::sync::Notify>,
    http: reqwest::Client,
    retry_ms: u64,
    retry_max_ms: u64,
}

impl Outbox {
    /// An outbox retrying after `retry_ms`, doubling up to `retry_max_ms`.
    pub fn new(retry_ms: u64, retry_max_ms: u64) -> anyhow::Result<Outbox> {
        Ok(Outbox {
            wake: Arc::new(tokio::sync::Notify::new()),
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(30))
                .timeout(Duration::from_secs(60))
                .build()?,
            retry_ms: retry_ms.max(1),
            retry_max_ms: retry_max_ms.max(retry_ms.max(1)),
        })
    }

    /// Something was queued: try now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The wait after `attempts` failures.
    fn backoff(&self, attempts: i64) -> u64 {
        let shift = u32::try_from(attempts.clamp(0, 30)).unwrap_or(30);
        self.retry_ms
            .saturating_mul(1u64 << shift)
            .min(self.retry_max_ms)
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Domain(DomainError::Invalid {
        field,
        reason: reason.into(),
    })
}

/// A peer to know, with the organs it hosts.
#[derive(Deserialize)]
pub struct NewPeer {
    /// A name.
    pub name: String,
    /// Its base URL (`https://…`; `http://` only on the loopback, for tests).
    pub base_url: String,
    /// Its server key, hex (its `GET /api/exchange/identity`).
    pub server_key: String,
    /// The organs it hosts.
    pub organs: Vec<crate::exchange::NewOrgan>,
}

/// `POST /api/exchange/peers` (admin).
pub async fn add_peer(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(p): ApiJson<NewPeer>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    if !access::exchange::administers(u.0.role) {
        return Err(AppError::Forbidden);
    }
    let url = p.base_url.trim().trim_end_matches('/');
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|h| url.starts_with(h));
    if !(url.starts_with("https://") || loopback) {
        return Err(invalid("base_url", "an https:// address"));
    }
    let key = hex_array::<32>(&p.server_key)
        .and_then(|k| check_public_key(&k).ok())
        .ok_or_else(|| invalid("server_key", "an ed25519 public key, hex"))?;
    if key.as_bytes() == s.server_key.verifying_key().as_bytes() {
        return Err(invalid("server_key", "that is this deployment's own key"));
    }
    let mut tx = s.db.write().await?;
    if tx
        .peers()
        .await?
        .iter()
        .any(|x| x.server_key == hex::encode(key.as_bytes()))
    {
        return Err(AppError::Conflict("that peer is known already".into()));
    }
    for o in &p.organs {
        if !ecabinet_exchange::is_organ_id(&o.id) || o.name.trim().is_empty() {
            return Err(invalid(
                "organs",
                format!("“{}” is not an organ id with a name", o.id),
            ));
        }
        if tx.organ(&o.id).await?.is_some() {
            return Err(invalid("organs", format!("{} is known already", o.id)));
        }
    }
    let id = tx
        .insert_peer(p.name.trim(), url, &hex::encode(key.as_bytes()))
        .await?;
    for o in &p.organs {
        tx.insert_organ(&o.id, o.name.trim(), Some(id)).await?;
    }
    s.commit(tx).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// What a deployment tells a prospective peer.
#[derive(Serialize, Deserialize)]
pub struct Identity {
    /// Its server key, hex.
    pub server_key: String,
    /// The organs it hosts.
    pub organs: Vec<ecabinet_protocol::exchange::OrganInfo>,
}

/// `GET /api/exchange/identity` (anyone): this deployment's key and organs.
pub async fn identity(State(s): State<AppState>) -> AppResult<Json<Identity>> {
    let mut tx = s.db.read().await?;
    Ok(Json(Identity {
        server_key: hex::encode(s.server_key.verifying_key().as_bytes()),
        organs: tx
            .organs()
            .await?
            .into_iter()
            .filter(|o| o.peer_id.is_none())
            .map(|o| ecabinet_protocol::exchange::OrganInfo {
                id: o.id,
                name: o.name,
                hosted: true,
            })
            .collect(),
    }))
}

/// A message handed to a peer.
#[derive(Serialize, Deserialize)]
pub struct Delivery {
    /// `envelope` or `status`.
    pub kind: String,
    /// The organ it is for.
    pub to_organ: String,
    /// The edXML.
    pub xml: String,
    /// When the sender handed it over, Unix ms.
    pub sent_at: i64,
    /// The sender's server key, hex.
    pub peer_key: String,
    /// Its signature over `transport_bytes`, hex.
    pub signature: String,
}

/// The peer's signed acknowledgement.
#[derive(Clone, Serialize, Deserialize)]
pub struct Receipt {
    /// SHA-256 of the XML received, hex.
    pub sha256: String,
    /// The organ it was for.
    pub to_organ: String,
    /// When it was stored, Unix ms.
    pub received_at: i64,
    /// The receiver's signature over `receipt_bytes`, hex.
    pub signature: String,
}

/// A delivery read and checked before the write lock: who sent it and what it says.
enum Checked {
    Envelope(Box<edxml::Package>),
    Status(ecabinet_exchange::StatusPackage),
}

/// `POST /api/exchange/inbox`: a peer delivers an envelope or a status package. The body
/// may be as large as an envelope with a full upload's files
/// ([`crate::exchange::max_envelope_bytes`]); the sender, its signature and the XML are
/// checked, and the XML read once, before SQLite's write lock is taken, so that a stranger
/// or a large file does not hold every writer up.
pub async fn inbox(State(s): State<AppState>, req: Request) -> AppResult<Response> {
    let bytes = axum::body::to_bytes(req.into_body(), crate::exchange::max_envelope_bytes(&s))
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let d: Delivery = serde_json::from_slice(&bytes)
        .map_err(|e| AppError::BadRequest(format!("the delivery could not be read: {e}")))?;
    drop(bytes);
    let peer =
        s.db.read_now()
            .await?
            .peers()
            .await?
            .into_iter()
            .find(|p| p.server_key == d.peer_key.trim().to_lowercase())
            .ok_or(AppError::Unauthenticated)?;
    let key = hex_array::<32>(&peer.server_key)
        .and_then(|k| check_public_key(&k).ok())
        .ok_or_else(|| AppError::Internal("stored peer key".into()))?;
    let hash = sha256(d.xml.as_bytes());
    let signature = hex_array::<64>(&d.signature).ok_or(AppError::Unauthenticated)?;
    if !verify_one(
        &key,
        &transport_bytes(&d.kind, &d.to_organ, &hash, d.sent_at),
        &signature,
    ) {
        return Err(AppError::Unauthenticated);
    }
    // Read once, outside any transaction; whose organ it is from is checked on a read.
    let checked = match d.kind.as_str() {
        "envelope" => match edxml::read_envelope(&d.xml) {
            Ok(p) => Checked::Envelope(Box::new(p)),
            Err(problems) => {
                tracing::info!(peer = peer.id, to = %d.to_organ, "envelope from a peer refused (02)");
                return Ok(crate::exchange::rejected(problems));
            }
        },
        "status" => {
            let (package, sig) = match edxml::read_status(&d.xml) {
                Ok(x) => x,
                Err(p) => return Ok(crate::exchange::rejected(p)),
            };
            if !sig.is_some_and(|sig| verify_one(&key, &status_bytes(&package), &sig)) {
                return Ok(not_signed());
            }
            Checked::Status(package)
        }
        _ => return Err(invalid("kind", "envelope or status")),
    };
    let from = match &checked {
        Checked::Envelope(p) => &p.envelope.from.id,
        Checked::Status(p) => &p.from.id,
    };
    let hosted_by_peer =
        s.db.read_now()
            .await?
            .organ(from)
            .await?
            .is_some_and(|o| o.peer_id == Some(peer.id));
    if !hosted_by_peer {
        return Ok(match &checked {
            Checked::Envelope(_) => crate::exchange::rejected(vec![Problem::new(
                "From",
                format!("{from} is not hosted by the peer that sent it"),
            )]),
            Checked::Status(_) => not_signed(),
        });
    }

    let mut tx = s.db.write().await?;
    let mut rendering = Vec::new();
    match &checked {
        Checked::Envelope(package) => {
            match crate::exchange::receive(
                &s,
                &mut tx,
                &d.xml,
                package,
                &d.to_organ,
                crate::exchange::Via::Peer(peer.id),
            )
            .await
            {
                Ok(arrival) => rendering = arrival.documents,
                Err(problems) => {
                    drop(tx);
                    tracing::info!(peer = peer.id, to = ?d.to_organ, "envelope from a peer refused (02)");
                    return Ok(crate::exchange::rejected(problems));
                }
            }
        }
        Checked::Status(package) => {
            let hash_hex = hex::encode(hash);
            if !tx.received_before(&package.document_id, &hash_hex).await? {
                tx.log_message(NewMessage {
                    direction: "received",
                    kind: "status",
                    document_id: &package.document_id,
                    from_organ: &package.from.id,
                    to_organ: &package.to.id,
                    sha256: &hash_hex,
                    body: &d.xml,
                })
                .await?;
                crate::exchange::apply_status(&mut tx, package).await?;
            }
        }
    }
    let received_at = tx.now();
    let receipt = Receipt {
        sha256: hex::encode(hash),
        to_organ: d.to_organ.clone(),
        received_at,
        signature: hex::encode(ecabinet_crypto::sign(
            &s.server_key,
            &receipt_bytes(&hash, &d.to_organ, received_at),
        )),
    };
    s.commit(tx).await?;
    crate::exchange::render(&s, rendering);
    // Receiving queues the 01 answer for the sender.
    s.outbox.wake();
    Ok(Json(receipt).into_response())
}

fn not_signed() -> Response {
    crate::exchange::rejected(vec![Problem::new(
        "Signature",
        "the status is not signed by the organ's deployment",
    )])
}

/// Hands every due message to its peer, then waits for the next one due or a wake-up.
pub async fn run_outbox(s: AppState) {
    loop {
        let next = match deliver_due(&s).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "exchange outbox");
                Some(ecabinet_storage::now_ms() + 5_000)
            }
        };
        let wait = next.map_or(Duration::from_secs(60), |at| {
            Duration::from_millis(u64::try_from(at - ecabinet_storage::now_ms()).unwrap_or(0))
        });
        tokio::select! {
            () = s.outbox.wake.notified() => {}
            () = tokio::time::sleep(wait.min(Duration::from_secs(60))) => {}
        }
    }
}

/// One pass: each peer's oldest due message; returns when the next attempt is due.
async fn deliver_due(s: &AppState) -> AppResult<Option<i64>> {
    let (due, peers) = {
        let mut tx = s.db.read().await?;
        (
            tx.outbox_due(ecabinet_storage::now_ms()).await?,
            tx.peers().await?,
        )
    };
    for row in due {
        let Some(peer) = peers.iter().find(|p| p.id == row.peer_id) else {
            continue;
        };
        // Several nodes read one outbox: only the one that claims the row delivers it, and
        // only if no other node has since.
        let Some(claim) = s.db.claim(Claimable::Delivery(row.id)).await? else {
            continue;
        };
        let now = ecabinet_storage::now_ms();
        if !s.db.read_now().await?.outbox_still_due(row.id, now).await? {
            claim.release().await;
            continue;
        }
        let outcome = attempt(s, peer, &row).await;
        let mut tx = s.db.write().await?;
        match outcome {
            Ok(Delivered::Receipt(r)) => {
                tx.outbox_delivered(
                    row.id,
                    Some(&serde_json::to_string(&r).unwrap_or_default()),
                    None,
                )
                .await?;
            }
            Ok(Delivered::Refused(problems)) => {
                // Final: the peer read it and said no; the sender sees 02 and why.
                let reason = problems
                    .iter()
                    .map(Problem::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                tx.outbox_delivered(row.id, None, Some(&reason)).await?;
                if row.message.kind == "envelope" {
                    crate::exchange::refused_by_peer(&mut tx, &row.message, &reason).await?;
                }
                tracing::warn!(
                    peer = peer.id,
                    message = row.message.id,
                    ?reason,
                    "refused by the peer"
                );
            }
            Err(Failure::ForGood(reason)) => {
                // Retrying cannot help: set it aside, visible, so that the peer's later
                // messages go on; a person sends it again once the cause is fixed.
                tx.outbox_dead(row.id, &reason).await?;
                let m = &row.message;
                crate::exchange::delivery_changed(&mut tx, &m.kind, &m.document_id, &m.from_organ)
                    .await?;
                s.metrics.dead_letter();
                tracing::warn!(peer = peer.id, message = row.message.id, kind = %row.message.kind, %reason, "refused for good by the peer: a dead letter");
            }
            Err(Failure::ForNow(e)) => {
                let retry = ecabinet_storage::now_ms()
                    + i64::try_from(s.outbox.backoff(row.attempts)).unwrap_or(i64::MAX / 2);
                tx.outbox_failed(row.id, &e, retry).await?;
                tracing::info!(peer = peer.id, message = row.message.id, attempts = row.attempts + 1, error = %e, "delivery failed; will retry");
            }
        }
        s.commit(tx).await?;
        claim.release().await;
    }
    let mut tx = s.db.read().await?;
    s.metrics.set_dead_letters(tx.dead_letter_count().await?);
    Ok(tx.outbox_next_due().await?)
}

enum Delivered {
    Receipt(Receipt),
    Refused(Vec<Problem>),
}

/// Why an attempt failed.
enum Failure {
    /// The peer may take it later (down, overloaded, a bad receipt): try again.
    ForNow(String),
    /// The peer answered that it never will as things stand: a dead letter, with why in
    /// Vietnamese and English.
    ForGood(String),
}

/// Whether an HTTP status from a peer's inbox is final for this message. Time-outs, "too
/// early", "too many" and server errors pass; every other refusal (too large, no inbox at
/// that address, not recognised, a request it cannot read) stays until someone acts.
fn for_good(status: reqwest::StatusCode) -> bool {
    status.is_client_error() && !matches!(status.as_u16(), 408 | 425 | 429)
}

/// The reason a dead letter shows, in Vietnamese and English; `detail` is the peer's own
/// message, if it gave one.
fn dead_reason(status: reqwest::StatusCode, detail: &str) -> String {
    let code = status.as_u16();
    let (vi, en) = match code {
        413 => (
            "nơi nhận từ chối vì văn bản quá lớn",
            "the peer refused it as too large",
        ),
        401 | 403 => (
            "nơi nhận không nhận ra máy chủ này (hãy kiểm tra khóa máy chủ đã đăng ký ở hai bên)",
            "the peer does not recognise this deployment (check the server keys each side registered)",
        ),
        404 | 405 | 410 => (
            "không có hộp thư liên thông ở địa chỉ của nơi nhận",
            "there is no exchange inbox at the peer's address",
        ),
        422 => (
            "nơi nhận từ chối mà không nêu lý do đọc được",
            "the peer refused it without a readable reason",
        ),
        _ => ("nơi nhận từ chối yêu cầu", "the peer refused the request"),
    };
    let detail: String = detail.trim().chars().take(300).collect();
    if detail.is_empty() {
        format!("Không chuyển được: {vi} (HTTP {code}) / Undeliverable: {en} (HTTP {code})")
    } else {
        format!(
            "Không chuyển được: {vi} (HTTP {code}) / Undeliverable: {en} (HTTP {code}): {detail}"
        )
    }
}

async fn attempt(s: &AppState, peer: &PeerRow, row: &OutboxRow) -> Result<Delivered, Failure> {
    let m = &row.message;
    let hash = sha256(m.body.as_bytes());
    let sent_at = ecabinet_storage::now_ms();
    let body = Delivery {
        kind: m.kind.clone(),
        to_organ: m.to_organ.clone(),
        xml: m.body.clone(),
        sent_at,
        peer_key: hex::encode(s.server_key.verifying_key().as_bytes()),
        signature: hex::encode(ecabinet_crypto::sign(
            &s.server_key,
            &transport_bytes(&m.kind, &m.to_organ, &hash, sent_at),
        )),
    };
    // A document of many megabytes over a slow line: a minute, and a second more for each
    // 256 KiB, before giving up on this attempt.
    let timeout = Duration::from_secs(60 + (m.body.len() as u64) / (256 * 1024));
    let res = s
        .outbox
        .http
        .post(format!("{}/api/exchange/inbox", peer.base_url))
        .timeout(timeout)
        .json(&body)
        .send()
        .await
        .map_err(|e| Failure::ForNow(format!("{peer}: {e}", peer = peer.base_url)))?;
    let status = res.status();
    if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
        let text = res
            .text()
            .await
            .map_err(|e| Failure::ForNow(e.to_string()))?;
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        return match serde_json::from_value::<Vec<Problem>>(v["problems"].clone()) {
            Ok(problems) if !problems.is_empty() => Ok(Delivered::Refused(problems)),
            _ => Err(Failure::ForGood(dead_reason(
                status,
                v["message"].as_str().unwrap_or_default(),
            ))),
        };
    }
    if for_good(status) {
        let v: serde_json::Value = res.json().await.unwrap_or_default();
        return Err(Failure::ForGood(dead_reason(
            status,
            v["message"].as_str().unwrap_or_default(),
        )));
    }
    if !status.is_success() {
        return Err(Failure::ForNow(format!("{}: HTTP {status}", peer.base_url)));
    }
    let receipt: Receipt = res
        .json()
        .await
        .map_err(|e| Failure::ForNow(format!("receipt: {e}")))?;
    let key = hex_array::<32>(&peer.server_key)
        .and_then(|k| check_public_key(&k).ok())
        .ok_or(Failure::ForNow("stored peer key".into()))?;
    let sig =
        hex_array::<64>(&receipt.signature).ok_or(Failure::ForNow("receipt signature".into()))?;
    let good = receipt.sha256 == hex::encode(hash)
        && receipt.to_organ == m.to_organ
        && verify_one(
            &key,
            &receipt_bytes(&hash, &m.to_organ, receipt.received_at),
            &sig,
        );
    if !good {
        // Not proof of delivery: try again rather than believe it.
        return Err(Failure::ForNow("the receipt does not verify".into()));
    }
    Ok(Delivered::Receipt(receipt))
}
