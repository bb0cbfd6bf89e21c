//! Delivery of exchanged documents between deployments: peers (their URL, server key and
//! the organs they host), the outbox that hands each logged envelope or status to its peer
//! over HTTPS with exponential back-off, strictly in order per peer, and the inbox that
//! takes them from peers: the request signed by the peer's server key, stored once however
//! often it comes, and answered with a receipt signed by this deployment's key.
//!
//! Exactly once, in order: the sender keeps retrying the oldest undelivered message of a
//! peer until the peer answers; the peer stores an envelope once per organ and a status
//! once per hash, so a retry after a lost answer changes nothing but the receipt.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiJson, AppError, AppResult};
use crate::hex_array;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecabinet_crypto::{check_public_key, sha256, verify_one};
use ecabinet_domain::{DomainError, Role};
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
    if u.0.role != Role::Admin {
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

/// `POST /api/exchange/inbox`: a peer delivers an envelope or a status package.
pub async fn inbox(
    State(s): State<AppState>,
    ApiJson(d): ApiJson<Delivery>,
) -> AppResult<Response> {
    let mut tx = s.db.write().await?;
    let peer = tx
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
    let from_peer = |organ: Option<ecabinet_storage::OrganRow>| {
        organ.is_some_and(|o| o.peer_id == Some(peer.id))
    };
    let mut rendering = Vec::new();
    match d.kind.as_str() {
        "envelope" => {
            let claimed = edxml::read_envelope(&d.xml).map_err(|p| p.into_iter().next());
            if let Ok(p) = &claimed
                && !from_peer(tx.organ(&p.envelope.from.id).await?)
            {
                return Ok(crate::exchange::rejected(vec![Problem::new(
                    "From",
                    format!(
                        "{} is not hosted by the peer that sent it",
                        p.envelope.from.id
                    ),
                )]));
            }
            match crate::exchange::receive(&s, &mut tx, &d.xml, &d.to_organ).await {
                Ok(arrival) => rendering = arrival.documents,
                Err(problems) => {
                    drop(tx);
                    tracing::info!(peer = peer.id, to = ?d.to_organ, "envelope from a peer refused (02)");
                    return Ok(crate::exchange::rejected(problems));
                }
            }
        }
        "status" => {
            let (package, sig) = match edxml::read_status(&d.xml) {
                Ok(x) => x,
                Err(p) => return Ok(crate::exchange::rejected(p)),
            };
            let signed = sig.is_some_and(|sig| verify_one(&key, &status_bytes(&package), &sig));
            if !signed || !from_peer(tx.organ(&package.from.id).await?) {
                return Ok(crate::exchange::rejected(vec![Problem::new(
                    "Signature",
                    "the status is not signed by the organ's deployment",
                )]));
            }
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
                crate::exchange::apply_status(&mut tx, &package).await?;
            }
        }
        _ => return Err(invalid("kind", "envelope or status")),
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

/// Hands every due message to its peer, then waits for the next one due or a wake-up.
pub async fn run(s: AppState) {
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
            Err(e) => {
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
    Ok(tx.outbox_next_due().await?)
}

enum Delivered {
    Receipt(Receipt),
    Refused(Vec<Problem>),
}

async fn attempt(s: &AppState, peer: &PeerRow, row: &OutboxRow) -> Result<Delivered, String> {
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
    let res = s
        .outbox
        .http
        .post(format!("{}/api/exchange/inbox", peer.base_url))
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{peer}: {e}", peer = peer.base_url))?;
    let status = res.status();
    if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
        let v: serde_json::Value = res.json().await.map_err(|e| e.to_string())?;
        let problems: Vec<Problem> = serde_json::from_value(v["problems"].clone())
            .map_err(|e| format!("an unreadable refusal: {e}"))?;
        return Ok(Delivered::Refused(problems));
    }
    if !status.is_success() {
        return Err(format!("{}: HTTP {status}", peer.base_url));
    }
    let receipt: Receipt = res.json().await.map_err(|e| format!("receipt: {e}"))?;
    let key = hex_array::<32>(&peer.server_key)
        .and_then(|k| check_public_key(&k).ok())
        .ok_or("stored peer key")?;
    let sig = hex_array::<64>(&receipt.signature).ok_or("receipt signature")?;
    let good = receipt.sha256 == hex::encode(hash)
        && receipt.to_organ == m.to_organ
        && verify_one(
            &key,
            &receipt_bytes(&hash, &m.to_organ, receipt.received_at),
            &sig,
        );
    if !good {
        // Not proof of delivery: try again rather than believe it.
        return Err("the receipt does not verify".into());
    }
    Ok(Delivered::Receipt(receipt))
}
