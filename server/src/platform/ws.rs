//! One WebSocket per client. After `hello`, the client subscribes to topics; for each one
//! it gets either a replay of the events after its position or a fresh snapshot, then
//! live events, each exactly once and in seq order. Malformed frames get an `error` frame
//! and the connection lives on. See docs/protocol.md.

use crate::AppState;
use crate::platform::error::AppError;
use crate::platform::session::CurrentUser;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use ecabinet_protocol::frame::{ClientFrame, Position, ServerFrame, parse_client_frame};
use ecabinet_protocol::{
    ErrorCode, Event, EventBody, MAX_FRAME_BYTES, MAX_REPLAY, PROTOCOL_VERSION, Topic,
};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

/// Frames above this size are refused by the transport itself (close 1009); frames between
/// [`MAX_FRAME_BYTES`] and this get an `error` frame and the connection survives.
const TRANSPORT_LIMIT: usize = 1 << 20;

/// How often an open socket checks its session and its user's rights again by itself (it
/// also does so at every subscribe and whenever the hub says the user changed): a change
/// made where no node could announce it (straight in the database, a lost notification)
/// takes effect within this time.
const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(120);

/// The close code of a socket whose session ended (logout, lifetime, account changed).
pub const CLOSE_SESSION_ENDED: u16 = 4001;

/// `GET /api/ws`: upgrades an authenticated request from our own origin.
pub async fn upgrade(
    State(state): State<AppState>,
    user: CurrentUser,
    session: tower_sessions::Session,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // The socket follows this session: it ends when the session does.
    let session_id = session.id();
    let login_at = session
        .get::<i64>(crate::platform::session::SESSION_LOGIN_AT)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    // Browsers send cookies on cross-site WebSocket handshakes: refuse foreign origins.
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        let origin = origin.to_str().unwrap_or("");
        let host = host.to_str().unwrap_or("");
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin_host != host {
            return AppError::Forbidden.into_response();
        }
    }
    // tungstenite reads in 128 KiB chunks and buffers 128 KiB of writes by default: most
    // of an idle socket's memory. Client frames are small (16 KiB at most) and the buffer
    // grows for a larger one; writes go out as they come.
    ws.max_message_size(TRANSPORT_LIMIT)
        .max_frame_size(TRANSPORT_LIMIT)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            let user_name = user.0.username.clone();
            let _open = state.metrics.connection();
            tracing::debug!(user = ?user_name, "websocket open");
            Connection::new(state, user, session_id, login_at)
                .run(socket)
                .await;
            tracing::debug!(user = ?user_name, "websocket closed");
        })
}

enum Inbound {
    Event(Arc<Event>),
    Lagged(Topic),
}

struct Subscription {
    last: u64,
    forwarder: JoinHandle<()>,
}

struct Connection {
    state: AppState,
    limiter: governor::DefaultDirectRateLimiter,
    /// Frames dropped by the limiter in the current run of refusals, and when the last
    /// was. A run ends after a second without a refusal: not at the next frame let
    /// through, since a flood read slowly (a busy node) lets one through now and then.
    refused: u32,
    last_refused: Option<std::time::Instant>,
    /// This side sent a Close frame (a flood, a restart): the peer's answer is awaited.
    sent_close: bool,
    user: CurrentUser,
    /// The session that opened the socket, and when it logged in.
    session_id: Option<tower_sessions::session::Id>,
    login_at: i64,
    hello: bool,
    subs: HashMap<Topic, Subscription>,
    inbound_tx: mpsc::Sender<Inbound>,
    inbound_rx: Option<mpsc::Receiver<Inbound>>,
}

type Sink = SplitSink<WebSocket, Message>;

/// The connection is gone (the peer closed or a send failed).
struct Closed;

async fn send(sink: &mut Sink, frame: &ServerFrame) -> Result<(), Closed> {
    let text = serde_json::to_string(frame).map_err(|_| Closed)?;
    sink.send(Message::Text(Utf8Bytes::from(text)))
        .await
        .map_err(|_| Closed)
}

fn error_frame(code: ErrorCode, message: impl Into<String>, topic: Option<Topic>) -> ServerFrame {
    ServerFrame::Error {
        code,
        message: message.into(),
        topic,
    }
}

impl Connection {
    fn new(
        state: AppState,
        user: CurrentUser,
        session_id: Option<tower_sessions::session::Id>,
        login_at: i64,
    ) -> Self {
        let (inbound_tx, inbound_rx) = mpsc::channel(256);
        let (rate, burst) = state.ws_frame_rate;
        Connection {
            limiter: frame_limiter(rate, burst),
            refused: 0,
            last_refused: None,
            sent_close: false,
            state,
            user,
            session_id,
            login_at,
            hello: false,
            subs: HashMap::new(),
            inbound_tx,
            inbound_rx: Some(inbound_rx),
        }
    }

    async fn run(mut self, socket: WebSocket) {
        let (mut sink, mut stream) = socket.split();
        let Some(mut inbound) = self.inbound_rx.take() else {
            return;
        };
        let mut closing = self.state.closing.clone();
        let mut user_changes = self.state.hub.user_changes();
        let lifetime_left = std::time::Duration::from_millis(
            u64::try_from(
                self.login_at
                    .saturating_add(
                        i64::try_from(self.state.session_max.as_millis()).unwrap_or(i64::MAX),
                    )
                    .saturating_sub(ecabinet_storage::now_ms()),
            )
            .unwrap_or(0),
        );
        let session_end = tokio::time::sleep(lifetime_left);
        tokio::pin!(session_end);
        // Spread over the interval, so that sockets opened together do not all check at once.
        let first = SESSION_RECHECK.mul_f64(0.5 + rand::random::<f64>() / 2.0);
        let mut recheck =
            tokio::time::interval_at(tokio::time::Instant::now() + first, SESSION_RECHECK);
        loop {
            let step = tokio::select! {
                () = &mut session_end => self.end_session(&mut sink, "session expired").await,
                _ = recheck.tick() => self.recheck(&mut sink).await,
                changed = user_changes.recv() => match changed {
                    Ok(u) if u != self.user.id() => Ok(()),
                    // Ours, or some were missed: check.
                    _ => self.recheck(&mut sink).await,
                },
                _ = async { let _ = closing.wait_for(|c| *c).await; } => {
                    let close = CloseFrame { code: 1012, reason: Utf8Bytes::from_static("server restarting") };
                    let _ = sink.send(Message::Close(Some(close))).await;
                    self.sent_close = true;
                    Err(Closed)
                }
                msg = stream.next() => match msg {
                    Some(Ok(Message::Text(_) | Message::Binary(_))) if self.limiter.check().is_err() => self.on_flood(&mut sink).await,
                    Some(Ok(Message::Text(text))) => {
                        if self.last_refused.is_some_and(|t| t.elapsed() > std::time::Duration::from_secs(1)) {
                            self.refused = 0;
                        }
                        self.on_text(&mut sink, text.as_str()).await
                    }
                    Some(Ok(Message::Binary(_))) => send(&mut sink, &error_frame(ErrorCode::BadFrame, "binary frames are not used; send JSON text", None)).await,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                    Some(Ok(Message::Close(_))) | None => Err(Closed),
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "websocket receive failed");
                        Err(Closed)
                    }
                },
                Some(msg) = inbound.recv() => self.on_inbound(&mut sink, msg).await,
            };
            if step.is_err() {
                break;
            }
        }
        for (_, sub) in self.subs.drain() {
            sub.forwarder.abort();
        }
        if self.sent_close {
            // Read (and drop) what the peer still sends until it answers the Close, for a
            // moment at most: closing the socket with its frames unread would reset the
            // connection, and the client would see a reset instead of the close code.
            let drained = async {
                while let Some(Ok(m)) = stream.next().await {
                    if matches!(m, Message::Close(_)) {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), drained).await;
        }
    }

    /// A frame over the rate limit: dropped. The first of a run is answered, so that a
    /// client bug shows in its console without the server echoing a flood; a connection
    /// that keeps flooding long after is closed (1008, policy violation).
    async fn on_flood(&mut self, sink: &mut Sink) -> Result<(), Closed> {
        self.state.metrics.frame_limited();
        self.refused = self.refused.saturating_add(1);
        self.last_refused = Some(std::time::Instant::now());
        let (rate, burst) = self.state.ws_frame_rate;
        if self.refused == 1 {
            let msg = format!("more than {rate} frames a second; frames are being dropped");
            return send(sink, &error_frame(ErrorCode::RateLimited, msg, None)).await;
        }
        if self.refused > burst.max(1).saturating_mul(10) {
            tracing::warn!(user = ?self.user.0.username, "websocket flood: closing");
            let close = CloseFrame {
                code: 1008,
                reason: Utf8Bytes::from_static("too many frames"),
            };
            let _ = sink.send(Message::Close(Some(close))).await;
            self.sent_close = true;
            return Err(Closed);
        }
        Ok(())
    }

    async fn on_text(&mut self, sink: &mut Sink, text: &str) -> Result<(), Closed> {
        if text.len() > MAX_FRAME_BYTES {
            let msg = format!("frames are limited to {MAX_FRAME_BYTES} bytes");
            return send(sink, &error_frame(ErrorCode::FrameTooLarge, msg, None)).await;
        }
        let frame = match parse_client_frame(text) {
            Ok(f) => f,
            Err((code, msg)) => return send(sink, &error_frame(code, msg, None)).await,
        };
        match frame {
            ClientFrame::Hello { protocol } => {
                if protocol != PROTOCOL_VERSION {
                    let msg = format!("this server speaks protocol {PROTOCOL_VERSION}");
                    send(
                        sink,
                        &error_frame(ErrorCode::UnsupportedProtocol, msg.clone(), None),
                    )
                    .await?;
                    let close = CloseFrame {
                        code: 4000,
                        reason: Utf8Bytes::from(msg),
                    };
                    let _ = sink.send(Message::Close(Some(close))).await;
                    return Err(Closed);
                }
                self.hello = true;
                let epoch = self.state.epoch.clone();
                send(
                    sink,
                    &ServerFrame::Welcome {
                        protocol: PROTOCOL_VERSION,
                        epoch,
                        user: self.user.0.me(),
                        server_time: ecabinet_storage::now_ms(),
                    },
                )
                .await
            }
            _ if !self.hello => {
                send(
                    sink,
                    &error_frame(ErrorCode::HelloRequired, "send hello first", None),
                )
                .await
            }
            ClientFrame::Ping { nonce } => send(sink, &ServerFrame::Pong { nonce }).await,
            ClientFrame::Unsubscribe { topic } => {
                if let Some(sub) = self.subs.remove(&topic) {
                    sub.forwarder.abort();
                }
                send(sink, &ServerFrame::Unsubscribed { topic }).await
            }
            ClientFrame::Subscribe { topic, since } => self.subscribe(sink, topic, since).await,
        }
    }

    async fn subscribe(
        &mut self,
        sink: &mut Sink,
        topic: Topic,
        since: Option<Position>,
    ) -> Result<(), Closed> {
        if let Some(old) = self.subs.remove(&topic) {
            old.forwarder.abort();
        }
        match self.session_user().await {
            Ok(Some(user)) => self.user = user,
            Ok(None) => return self.end_session(sink, "session ended").await,
            Err(e) => {
                return send(sink, &error_frame(e.code(), e.to_string(), Some(topic))).await;
            }
        }
        if let Err(e) = self.state.authorize_topic(&self.user, topic).await {
            return send(sink, &error_frame(e.code(), e.to_string(), Some(topic))).await;
        }
        // Listen before reading the database: whatever commits after the read is then
        // surely received live (and whatever was read is dropped as a duplicate).
        let forwarder = spawn_forwarder(
            self.state.hub.subscribe(topic),
            self.inbound_tx.clone(),
            topic,
        );
        let resumed = match since {
            Some(pos) if pos.epoch == self.state.epoch => self.replay(sink, topic, pos.seq).await?,
            _ => None,
        };
        let last = match resumed {
            Some(last) => last,
            None => match self.state.topic_snapshot(&self.user, topic).await {
                Ok((seq, state)) => {
                    let epoch = self.state.epoch.clone();
                    send(
                        sink,
                        &ServerFrame::Snapshot {
                            topic,
                            epoch,
                            seq,
                            state,
                        },
                    )
                    .await?;
                    seq
                }
                Err(e) => {
                    forwarder.abort();
                    return send(sink, &error_frame(e.code(), e.to_string(), Some(topic))).await;
                }
            },
        };
        self.subs.insert(topic, Subscription { last, forwarder });
        send(sink, &ServerFrame::Synced { topic, seq: last }).await
    }

    /// Sends the events after `from` if the client is not too far behind; `None` means
    /// "send a snapshot instead".
    async fn replay(
        &mut self,
        sink: &mut Sink,
        topic: Topic,
        from: u64,
    ) -> Result<Option<u64>, Closed> {
        let head = match self.last_seq(topic).await {
            Some(h) => h,
            None => return Ok(None),
        };
        if from > head || head - from > MAX_REPLAY {
            return Ok(None);
        }
        // Access was checked just now: a removal in the history being replayed is undone
        // by a later change, or the check would have refused.
        self.send_from_db(sink, topic, from, false).await.map(Some)
    }

    async fn last_seq(&self, topic: Topic) -> Option<u64> {
        let mut tx = self.state.db.read().await.ok()?;
        tx.last_seq(topic).await.ok()
    }

    /// Sends every stored event after `from`, in pages; returns the last seq sent.
    async fn send_from_db(
        &mut self,
        sink: &mut Sink,
        topic: Topic,
        from: u64,
        check_access: bool,
    ) -> Result<u64, Closed> {
        let mut last = from;
        loop {
            let page = match self.state.db.read().await {
                Ok(mut tx) => tx.events_after(topic, last, MAX_REPLAY).await,
                Err(e) => Err(e),
            };
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, %topic, "replay failed");
                    send(
                        sink,
                        &error_frame(ErrorCode::Internal, "replay failed", Some(topic)),
                    )
                    .await?;
                    return Err(Closed);
                }
            };
            let full = page.len() as u64 == MAX_REPLAY;
            for event in page {
                last = event.seq;
                // A gap filled live can hold the event that removes this user from the
                // meeting: it ends the subscription as it does when it comes directly.
                let lost_access = check_access && self.loses_access(&event);
                send(sink, &ServerFrame::Event { event }).await?;
                if lost_access {
                    if let Some(sub) = self.subs.remove(&topic) {
                        sub.forwarder.abort();
                    }
                    send(sink, &ServerFrame::Unsubscribed { topic }).await?;
                    return Ok(last);
                }
            }
            if !full {
                return Ok(last);
            }
        }
    }

    async fn on_inbound(&mut self, sink: &mut Sink, msg: Inbound) -> Result<(), Closed> {
        let (topic, event) = match msg {
            Inbound::Event(ev) => (ev.topic, Some(ev)),
            Inbound::Lagged(topic) => (topic, None),
        };
        let Some(last) = self.subs.get(&topic).map(|s| s.last) else {
            return Ok(());
        };
        let new_last = match event {
            Some(ev) if ev.seq <= last => return Ok(()),
            Some(ev) if ev.seq == last + 1 => {
                let lost_access = self.loses_access(&ev);
                send(
                    sink,
                    &ServerFrame::Event {
                        event: (*ev).clone(),
                    },
                )
                .await?;
                if lost_access {
                    if let Some(sub) = self.subs.remove(&topic) {
                        sub.forwarder.abort();
                    }
                    return send(sink, &ServerFrame::Unsubscribed { topic }).await;
                }
                ev.seq
            }
            // A gap (racing commits published out of order, or a lagged channel): the log
            // has everything, in order.
            _ => self.send_from_db(sink, topic, last, true).await?,
        };
        if let Some(sub) = self.subs.get_mut(&topic) {
            sub.last = new_last;
        }
        Ok(())
    }

    /// The account of this socket's session as it is now, or `None` if the session has
    /// ended (logged out, expired, deleted) or no longer names this account.
    async fn session_user(&self) -> Result<Option<CurrentUser>, AppError> {
        use tower_sessions::SessionStore as _;
        let Some(id) = self.session_id else {
            return Ok(None);
        };
        let record = ecabinet_storage::SessionStore::new(self.state.db.clone())
            .load(&id)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let Some(record) = record else {
            return Ok(None);
        };
        let uid = record
            .data
            .get(crate::platform::session::SESSION_USER)
            .and_then(|v| v.as_i64());
        let login_at = record
            .data
            .get(crate::platform::session::SESSION_LOGIN_AT)
            .and_then(|v| v.as_i64());
        let now = ecabinet_storage::now_ms();
        if uid != Some(self.user.id().0)
            || !crate::platform::session::within_lifetime(login_at, now, self.state.session_max)
        {
            return Ok(None);
        }
        let mut tx = self.state.db.read_now().await?;
        Ok(tx.user(self.user.id()).await?.map(CurrentUser))
    }

    /// Checks the session again: closes the socket if it has ended; with the account as it
    /// is now, ends each subscription its user may no longer hold.
    async fn recheck(&mut self, sink: &mut Sink) -> Result<(), Closed> {
        let user = match self.session_user().await {
            Ok(Some(user)) => user,
            Ok(None) => return self.end_session(sink, "session ended").await,
            Err(e) => {
                // The database is away for a moment: the next check decides.
                tracing::warn!(error = %e, "could not check a websocket's session");
                return Ok(());
            }
        };
        self.user = user;
        let topics: Vec<Topic> = self.subs.keys().copied().collect();
        for topic in topics {
            if let Err(e) = self.state.authorize_topic(&self.user, topic).await {
                if let Some(sub) = self.subs.remove(&topic) {
                    sub.forwarder.abort();
                }
                send(sink, &error_frame(e.code(), e.to_string(), Some(topic))).await?;
                send(sink, &ServerFrame::Unsubscribed { topic }).await?;
            }
        }
        Ok(())
    }

    /// Closes the socket because its session is over (4001): the client logs in again.
    async fn end_session(&mut self, sink: &mut Sink, why: &'static str) -> Result<(), Closed> {
        tracing::debug!(user = ?self.user.0.username, why, "websocket session ended");
        let close = CloseFrame {
            code: CLOSE_SESSION_ENDED,
            reason: Utf8Bytes::from_static(why),
        };
        let _ = sink.send(Message::Close(Some(close))).await;
        self.sent_close = true;
        Err(Closed)
    }

    /// Whether this event takes the meeting away from this user (removed from participants).
    fn loses_access(&self, ev: &Event) -> bool {
        match &ev.body {
            EventBody::ParticipantsChanged { participants } => {
                ecabinet_domain::access::topics::loses_meeting(
                    self.user.0.role,
                    participants.iter().any(|p| p.user_id == self.user.id()),
                )
            }
            _ => false,
        }
    }
}

fn spawn_forwarder(
    mut rx: broadcast::Receiver<Arc<Event>>,
    tx: mpsc::Sender<Inbound>,
    topic: Topic,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let msg = match rx.recv().await {
                Ok(ev) => Inbound::Event(ev),
                Err(broadcast::error::RecvError::Lagged(_)) => Inbound::Lagged(topic),
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if tx.send(msg).await.is_err() {
                return;
            }
        }
    })
}

/// The frames one connection may send (governor's GCRA).
pub fn frame_limiter(per_second: u32, burst: u32) -> governor::DefaultDirectRateLimiter {
    let rate = std::num::NonZeroU32::new(per_second.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    let burst = std::num::NonZeroU32::new(burst.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    governor::RateLimiter::direct(governor::Quota::per_second(rate).allow_burst(burst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_beyond_the_burst_are_refused() {
        let f = frame_limiter(1, 5);
        let passed = (0..20).filter(|_| f.check().is_ok()).count();
        assert_eq!(passed, 5);
    }
}
