//! The live connection: one WebSocket per tab. Topics the pages want are subscribed after
//! `hello` and resubscribed with their positions after every reconnect, so a tablet that
//! lost Wi-Fi gets exactly what it missed. State per topic is kept with the protocol's
//! `TopicState` (each event applied once, in order). On the server this is inert: pages
//! render their loading state and the data arrives after hydration.

use ecabinet_protocol::document::Annotation;
use ecabinet_protocol::event::EventBody;
use ecabinet_protocol::sync::TopicState;
use ecabinet_protocol::{DeviceList, ErrorCode, MeetingList, MeetingSnapshot, SnapshotBody, Topic};
use leptos::prelude::*;
use std::collections::HashMap;

/// What the connection indicator shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conn {
    /// First connection under way.
    Connecting,
    /// Connected and up to date.
    Live,
    /// Up to date again after a reconnect (shown for a few seconds).
    Resynced,
    /// The socket dropped; trying again with back-off.
    Reconnecting,
    /// The browser says there is no network.
    Offline,
}

impl Conn {
    /// Stable name for tests and CSS.
    pub fn name(self) -> &'static str {
        match self {
            Conn::Connecting => "connecting",
            Conn::Live => "live",
            Conn::Resynced => "resynced",
            Conn::Reconnecting => "reconnecting",
            Conn::Offline => "offline",
        }
    }
}

/// The live state, shared through context. Only signals: cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Live {
    /// Connection state.
    pub conn: RwSignal<Conn>,
    /// State of every subscribed topic.
    pub topics: RwSignal<HashMap<Topic, TopicState>>,
    /// Topics the server refused (not found, forbidden) or took away.
    pub refused: RwSignal<HashMap<Topic, ErrorCode>>,
    /// The last `document.changed` of each document. Documents are fetched over HTTP
    /// (filtered by reader); pages watch this to know when to fetch again.
    pub documents: RwSignal<HashMap<i64, DocumentChange>>,
    /// One's own annotations as the live events left them (`None`: deleted), by id. A
    /// map rather than a stream, so that two events in one tick are both kept.
    pub annotations: RwSignal<HashMap<i64, Option<Annotation>>>,
    /// The last reminder of each written poll (`opinion.reminder`): its message.
    pub reminders: RwSignal<HashMap<i64, String>>,
    /// Counts `minutes.changed` events: the minutes block reads the minutes again.
    pub minutes: RwSignal<u64>,
    /// Counts `exchange.changed` events: the registers are read again.
    pub exchange: RwSignal<u64>,
    /// Counts `report.changed` and `report.reminder` events: forms and the dashboard
    /// are read (and charts drawn) again.
    pub reporting: RwSignal<u64>,
    /// Counts snapshots that replaced a topic's state: events may have been skipped
    /// then, so what a page fetched over HTTP is fetched again.
    pub resyncs: RwSignal<u64>,
}

/// A document's state as `document.changed` tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentChange {
    /// The version readers see (0: none yet).
    pub current_version: i64,
    /// The newest upload.
    pub latest_version: i64,
    /// `rendering`, `ready` or `failed`.
    pub status: String,
    /// Pages of the newest upload.
    pub pages: i64,
    /// Pages rendered so far.
    pub pages_rendered: i64,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    /// Fresh, unconnected state.
    pub fn new() -> Self {
        Live {
            conn: RwSignal::new(Conn::Connecting),
            topics: RwSignal::new(HashMap::new()),
            refused: RwSignal::new(HashMap::new()),
            documents: RwSignal::new(HashMap::new()),
            annotations: RwSignal::new(HashMap::new()),
            reminders: RwSignal::new(HashMap::new()),
            minutes: RwSignal::new(0),
            exchange: RwSignal::new(0),
            reporting: RwSignal::new(0),
            resyncs: RwSignal::new(0),
        }
    }

    /// Keeps what the topic reducers ignore: document and annotation events.
    pub fn note(&self, body: &EventBody) {
        match body {
            EventBody::DocumentChanged {
                document_id,
                current_version,
                latest_version,
                status,
                pages,
                pages_rendered,
            } => self.documents.update(|m| {
                m.insert(
                    *document_id,
                    DocumentChange {
                        current_version: *current_version,
                        latest_version: *latest_version,
                        status: status.clone(),
                        pages: *pages,
                        pages_rendered: *pages_rendered,
                    },
                );
            }),
            EventBody::AnnotationChanged { annotation } => self.annotations.update(|m| {
                m.insert(annotation.id, Some(annotation.clone()));
            }),
            EventBody::AnnotationDeleted { id, .. } => self.annotations.update(|m| {
                m.insert(*id, None);
            }),
            EventBody::MinutesChanged { .. } => self.minutes.update(|n| *n += 1),
            EventBody::ExchangeChanged { .. } => self.exchange.update(|n| *n += 1),
            EventBody::ReportChanged { .. } | EventBody::ReportReminder { .. } => {
                self.reporting.update(|n| *n += 1)
            }
            EventBody::OpinionReminder { id, message, .. } => self.reminders.update(|m| {
                m.insert(*id, message.clone());
            }),
            _ => {}
        }
    }

    /// Asks for `topic` (idempotent). In the browser this starts the connection if needed.
    pub fn want(&self, topic: Topic) {
        #[cfg(feature = "hydrate")]
        client::want(*self, topic);
        #[cfg(not(feature = "hydrate"))]
        let _ = topic;
    }

    /// The meeting state of `topic`, if received (tracked).
    pub fn meeting(&self, topic: Topic) -> Option<MeetingSnapshot> {
        self.topics.with(|m| match m.get(&topic).map(|t| &t.state) {
            Some(SnapshotBody::Meeting(s)) => Some((**s).clone()),
            _ => None,
        })
    }

    /// The list state of `topic`, if received (tracked).
    pub fn list(&self, topic: Topic) -> Option<MeetingList> {
        self.topics.with(|m| match m.get(&topic).map(|t| &t.state) {
            Some(SnapshotBody::MeetingList(l)) => Some(l.clone()),
            _ => None,
        })
    }

    /// The device list of `topic`, if received (tracked).
    pub fn devices(&self, topic: Topic) -> Option<DeviceList> {
        self.topics.with(|m| match m.get(&topic).map(|t| &t.state) {
            Some(SnapshotBody::Devices(l)) => Some(l.clone()),
            _ => None,
        })
    }

    /// The written polls of `topic`, if received (tracked).
    pub fn opinions(&self, topic: Topic) -> Option<ecabinet_protocol::opinion::OpinionList> {
        self.topics.with(|m| match m.get(&topic).map(|t| &t.state) {
            Some(SnapshotBody::Opinions(l)) => Some(l.clone()),
            _ => None,
        })
    }

    /// Why the server refused `topic`, if it did (tracked).
    pub fn refusal(&self, topic: Topic) -> Option<ErrorCode> {
        self.refused.with(|r| r.get(&topic).copied())
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{Conn, Live};
    use ecabinet_protocol::frame::{ClientFrame, ServerFrame};
    use ecabinet_protocol::sync::{Applied, TopicState};
    use ecabinet_protocol::{ErrorCode, PROTOCOL_VERSION, Topic};
    use gloo_timers::callback::{Interval, Timeout};
    use leptos::prelude::*;
    use std::cell::RefCell;
    use std::collections::HashSet;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{MessageEvent, WebSocket};

    const PING_EVERY_MS: u32 = 15_000;
    const PONG_WITHIN_MS: f64 = 10_000.0;

    #[derive(Default)]
    struct Inner {
        live: Option<Live>,
        ws: Option<WebSocket>,
        // Keeps the current socket's callbacks alive; dropped with the socket.
        handlers: Vec<Closure<dyn FnMut(JsValue)>>,
        generation: u64,
        welcomed: bool,
        wanted: Vec<Topic>,
        pending: HashSet<Topic>,
        backoff: u32,
        was_live: bool,
        ping_sent_at: Option<f64>,
    }

    thread_local! {
        static INNER: RefCell<Inner> = RefCell::new(Inner::default());
    }

    fn now() -> f64 {
        js_sys::Date::now()
    }

    fn online() -> bool {
        web_sys::window()
            .map(|w| w.navigator().on_line())
            .unwrap_or(true)
    }

    pub fn want(live: Live, topic: Topic) {
        let (start, send_now) = INNER.with_borrow_mut(|i| {
            let start = i.live.is_none();
            if start {
                i.live = Some(live);
            }
            let new = !i.wanted.contains(&topic);
            if new {
                i.wanted.push(topic);
            }
            let send_now = new && i.welcomed;
            if send_now {
                i.pending.insert(topic);
            }
            (start, send_now)
        });
        live.refused.update(|r| {
            r.remove(&topic);
        });
        if start {
            install_listeners();
            connect();
        } else if send_now {
            subscribe(live, topic);
        }
    }

    fn install_listeners() {
        let Some(window) = web_sys::window() else {
            return;
        };
        let off = Closure::<dyn FnMut(JsValue)>::new(|_| {
            let (live, ws, handlers) = INNER.with_borrow_mut(|i| {
                i.generation += 1;
                i.welcomed = false;
                (i.live, i.ws.take(), std::mem::take(&mut i.handlers))
            });
            if let Some(ws) = ws {
                detach(&ws);
                let _ = ws.close();
            }
            if let Some(l) = live {
                l.conn.set(Conn::Offline);
            }
            // Only now that the socket no longer points at them may its callbacks go.
            drop(handlers);
        });
        let on = Closure::<dyn FnMut(JsValue)>::new(|_| {
            if let Some(l) = INNER.with_borrow(|i| i.live) {
                l.conn.set(Conn::Reconnecting);
            }
            connect();
        });
        let _ = window.add_event_listener_with_callback("offline", off.as_ref().unchecked_ref());
        let _ = window.add_event_listener_with_callback("online", on.as_ref().unchecked_ref());
        // These live as long as the page.
        off.forget();
        on.forget();
        Interval::new(PING_EVERY_MS, heartbeat).forget();
    }

    fn heartbeat() {
        let (stale, ws) = INNER.with_borrow_mut(|i| {
            if !i.welcomed {
                return (false, None);
            }
            match i.ping_sent_at {
                Some(t) if now() - t > PONG_WITHIN_MS => (true, i.ws.clone()),
                Some(_) => (false, None),
                None => {
                    i.ping_sent_at = Some(now());
                    (false, i.ws.clone())
                }
            }
        });
        if stale {
            // No pong: the connection is dead even if the socket does not know yet.
            if let Some(ws) = ws {
                let _ = ws.close();
            }
        } else if let Some(ws) = ws {
            send_on(
                &ws,
                &ClientFrame::Ping {
                    nonce: now() as u64,
                },
            );
        }
    }

    fn url() -> Option<String> {
        let loc = web_sys::window()?.location();
        let scheme = if loc.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/api/ws", loc.host().ok()?))
    }

    fn connect() {
        if !online() {
            if let Some(l) = INNER.with_borrow(|i| i.live) {
                l.conn.set(Conn::Offline);
            }
            return;
        }
        let Some(url) = url() else { return };
        let Ok(ws) = WebSocket::new(&url) else {
            schedule_reconnect();
            return;
        };
        let generation = INNER.with_borrow_mut(|i| {
            i.generation += 1;
            i.welcomed = false;
            i.ping_sent_at = None;
            i.generation
        });
        let open_ws = ws.clone();
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            send_on(
                &open_ws,
                &ClientFrame::Hello {
                    protocol: PROTOCOL_VERSION,
                },
            );
        });
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            if INNER.with_borrow(|i| i.generation) != generation {
                return;
            }
            let Some(text) = ev
                .dyn_into::<MessageEvent>()
                .ok()
                .and_then(|m| m.data().as_string())
            else {
                return;
            };
            if let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) {
                on_frame(frame);
            }
        });
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            // 4001: the session ended (logout elsewhere, lifetime, account changed):
            // reconnecting would be refused, so the member logs in again.
            let ended = ev
                .dyn_into::<web_sys::CloseEvent>()
                .is_ok_and(|c| c.code() == 4001);
            if ended {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().assign("/login");
                }
                return;
            }
            let (current, live) = INNER.with_borrow_mut(|i| {
                let current = i.generation == generation;
                if current {
                    i.ws = None;
                    i.welcomed = false;
                }
                (current, i.live)
            });
            if !current {
                return;
            }
            if let Some(l) = live {
                l.conn.set(if online() {
                    Conn::Reconnecting
                } else {
                    Conn::Offline
                });
            }
            schedule_reconnect();
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let old = INNER.with_borrow_mut(|i| {
            let old = i.ws.replace(ws);
            if let Some(old) = &old {
                detach(old);
            }
            std::mem::replace(&mut i.handlers, vec![on_open, on_message, on_close])
        });
        drop(old);
    }

    /// Unhooks a socket's callbacks, so that a socket being dropped never calls into
    /// closures that are freed.
    fn detach(ws: &WebSocket) {
        ws.set_onopen(None);
        ws.set_onmessage(None);
        ws.set_onclose(None);
    }

    fn schedule_reconnect() {
        if !online() {
            return;
        }
        let delay = INNER.with_borrow_mut(|i| {
            let d = 500u32.saturating_mul(1 << i.backoff.min(4)).min(8_000);
            i.backoff += 1;
            d
        });
        Timeout::new(delay, || {
            let idle = INNER.with_borrow(|i| i.ws.is_none());
            if idle {
                connect();
            }
        })
        .forget();
    }

    fn send_on(ws: &WebSocket, frame: &ClientFrame) {
        if ws.ready_state() == WebSocket::OPEN
            && let Ok(text) = serde_json::to_string(frame)
        {
            let _ = ws.send_with_str(&text);
        }
    }

    fn send(frame: &ClientFrame) {
        if let Some(ws) = INNER.with_borrow(|i| i.ws.clone()) {
            send_on(&ws, frame);
        }
    }

    fn subscribe(live: Live, topic: Topic) {
        let since = live
            .topics
            .with_untracked(|m| m.get(&topic).map(TopicState::position));
        send(&ClientFrame::Subscribe { topic, since });
    }

    fn on_frame(frame: ServerFrame) {
        let Some(live) = INNER.with_borrow(|i| i.live) else {
            return;
        };
        match frame {
            ServerFrame::Welcome { .. } => {
                let wanted = INNER.with_borrow_mut(|i| {
                    i.welcomed = true;
                    i.pending = i.wanted.iter().copied().collect();
                    i.wanted.clone()
                });
                for t in wanted {
                    subscribe(live, t);
                }
            }
            ServerFrame::Snapshot {
                topic,
                epoch,
                seq,
                state,
            } => {
                let mut replaced = false;
                live.topics.update(|m| {
                    replaced = m.insert(topic, TopicState { epoch, seq, state }).is_some();
                });
                // A first snapshot is no news; a later one means events were skipped.
                if replaced {
                    live.resyncs.update(|n| *n += 1);
                }
            }
            ServerFrame::Event { event } => {
                let mut applied = None;
                live.topics.update(|m| {
                    if let Some(t) = m.get_mut(&event.topic) {
                        applied = Some(t.on_event(&event));
                    }
                });
                match applied {
                    Some(Applied::Applied) => live.note(&event.body),
                    Some(Applied::Gap { .. }) => subscribe(live, event.topic),
                    _ => {}
                }
            }
            ServerFrame::Synced { topic, .. } => settle(live, topic),
            ServerFrame::Error {
                code,
                topic: Some(topic),
                ..
            } => {
                live.refused.update(|r| {
                    r.insert(topic, code);
                });
                settle(live, topic);
            }
            ServerFrame::Unsubscribed { topic } => {
                live.topics.update(|m| {
                    m.remove(&topic);
                });
                live.refused.update(|r| {
                    r.insert(topic, ErrorCode::NotFound);
                });
                INNER.with_borrow_mut(|i| i.wanted.retain(|t| *t != topic));
            }
            ServerFrame::Pong { .. } => INNER.with_borrow_mut(|i| i.ping_sent_at = None),
            ServerFrame::Error { .. } => {}
        }
    }

    /// One subscription is up to date; when all are, the indicator says so.
    fn settle(live: Live, topic: Topic) {
        let done = INNER.with_borrow_mut(|i| {
            i.pending.remove(&topic);
            if !i.pending.is_empty() || !i.welcomed {
                return None;
            }
            i.backoff = 0;
            let again = i.was_live;
            i.was_live = true;
            Some(again)
        });
        match done {
            Some(true) if live.conn.get_untracked() != Conn::Live => {
                live.conn.set(Conn::Resynced);
                Timeout::new(4_000, move || {
                    if live.conn.get_untracked() == Conn::Resynced {
                        live.conn.set(Conn::Live);
                    }
                })
                .forget();
            }
            Some(_) => live.conn.set(Conn::Live),
            None => {}
        }
    }
}
