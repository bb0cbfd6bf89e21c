//! What a node tells Prometheus at `GET /metrics`: open WebSockets, events pushed, wake-ups
//! from other nodes, ballot acknowledgement latency, the render queue, renders taken over
//! from dead nodes, refusals by the rate limits, and exchange deliveries set aside as dead
//! letters. One registry per node (tests run two
//! nodes in one process).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// The node's metrics; cheap to clone.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    connections: Gauge,
    events: Counter,
    wakeups: Counter,
    ballot_ack: Histogram,
    render_jobs: Gauge,
    renders_adopted: Counter,
    login_limited: Counter,
    frames_limited: Counter,
    dead_letters: Gauge,
    dead_lettered: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("ecabinet");
        let connections = Gauge::default();
        registry.register(
            "websocket_connections",
            "Open WebSocket connections on this node",
            connections.clone(),
        );
        let events = Counter::default();
        registry.register(
            "events_published",
            "Events pushed to this node's subscribers (its own commits and other nodes')",
            events.clone(),
        );
        let wakeups = Counter::default();
        registry.register(
            "remote_wakeups",
            "Other nodes' commits this node read from the event table for its subscribers",
            wakeups.clone(),
        );
        // 1 ms to about 16 s.
        let ballot_ack = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "ballot_ack_seconds",
            "From a ballot's arrival to its signed receipt (stored durably)",
            ballot_ack.clone(),
        );
        let render_jobs = Gauge::default();
        registry.register(
            "render_jobs",
            "Document versions being rendered or waiting for a render worker",
            render_jobs.clone(),
        );
        let renders_adopted = Counter::default();
        registry.register(
            "renders_adopted",
            "Renders a dead node left half-done that this node took over",
            renders_adopted.clone(),
        );
        let login_limited = Counter::default();
        registry.register(
            "login_rate_limited",
            "Login attempts refused by the rate limit",
            login_limited.clone(),
        );
        let frames_limited = Counter::default();
        registry.register(
            "websocket_frames_rate_limited",
            "WebSocket frames refused by the per-connection rate limit",
            frames_limited.clone(),
        );
        let dead_letters = Gauge::default();
        registry.register(
            "exchange_dead_letters",
            "Exchange deliveries a peer refused for good, waiting for someone to send them again",
            dead_letters.clone(),
        );
        let dead_lettered = Counter::default();
        registry.register(
            "exchange_dead_lettered",
            "Exchange deliveries this node set aside as dead letters",
            dead_lettered.clone(),
        );
        Metrics(Arc::new(Inner {
            registry,
            connections,
            events,
            wakeups,
            ballot_ack,
            render_jobs,
            renders_adopted,
            login_limited,
            frames_limited,
            dead_letters,
            dead_lettered,
        }))
    }
}

impl Metrics {
    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.0.registry);
        out
    }

    /// A WebSocket opened; the guard counts it closed when dropped.
    pub fn connection(&self) -> ConnectionGuard {
        self.0.connections.inc();
        ConnectionGuard(self.clone())
    }

    pub(crate) fn events_published(&self, n: usize) {
        self.0.events.inc_by(n as u64);
    }

    pub(crate) fn remote_wakeup(&self) {
        self.0.wakeups.inc();
    }

    pub(crate) fn ballot_acknowledged(&self, took: std::time::Duration) {
        self.0.ballot_ack.observe(took.as_secs_f64());
    }

    /// A render job started; the guard counts it finished when dropped.
    pub(crate) fn render_job(&self) -> RenderGuard {
        self.0.render_jobs.inc();
        RenderGuard(self.clone())
    }

    pub(crate) fn render_adopted(&self) {
        self.0.renders_adopted.inc();
    }

    pub(crate) fn login_limited(&self) {
        self.0.login_limited.inc();
    }

    pub(crate) fn frame_limited(&self) {
        self.0.frames_limited.inc();
    }

    pub(crate) fn dead_letter(&self) {
        self.0.dead_lettered.inc();
    }

    pub(crate) fn set_dead_letters(&self, n: i64) {
        self.0.dead_letters.set(n);
    }
}

/// Held by an open WebSocket.
pub struct ConnectionGuard(Metrics);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.0.connections.dec();
    }
}

/// Held by a render job until its last event.
pub struct RenderGuard(Metrics);

impl Drop for RenderGuard {
    fn drop(&mut self) {
        self.0.0.render_jobs.dec();
    }
}
