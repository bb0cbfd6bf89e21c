//! The hub: after a transaction commits, its events are pushed to every connection of
//! this node subscribed to their topic; on PostgreSQL, other nodes' commits arrive as
//! wake-ups (ids only) and the hub reads those events from the table once for all its
//! connections. The event table stays the source of truth: a connection that misses
//! something (lagged channel, events published out of order by two racing commits, a lost
//! wake-up) notices the gap by seq and reads the missing events from the database.

use crate::platform::metrics::Metrics;
use ecabinet_domain::UserId;
use ecabinet_protocol::{Event, Topic};
use ecabinet_storage::{Db, Wakeup, Wakeups};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// How many events a slow connection may fall behind before it must read from the database.
const CHANNEL_CAPACITY: usize = 1024;

/// How many events one read of another node's commits takes.
const FETCH_PAGE: u64 = 500;

struct Channel {
    tx: broadcast::Sender<Arc<Event>>,
    /// The highest seq pushed on this node (0: none since the channel was made).
    published: u64,
}

/// Topic → broadcast channel.
#[derive(Clone)]
pub struct Hub {
    topics: Arc<Mutex<HashMap<Topic, Channel>>>,
    /// Users whose sessions or account changed: their WebSockets check themselves again.
    users: broadcast::Sender<UserId>,
    metrics: Metrics,
}

impl Hub {
    /// An empty hub counting into `metrics`.
    pub fn new(metrics: Metrics) -> Hub {
        Hub {
            topics: Default::default(),
            users: broadcast::channel(CHANNEL_CAPACITY).0,
            metrics,
        }
    }

    /// Tells this node's WebSockets of `user` to check their session and rights again.
    pub fn user_changed(&self, user: UserId) {
        // No receiver (no socket open) is not an error.
        let _ = self.users.send(user);
    }

    /// The users whose sessions or account changed from now on.
    pub fn user_changes(&self) -> broadcast::Receiver<UserId> {
        self.users.subscribe()
    }

    fn topics(&self) -> std::sync::MutexGuard<'_, HashMap<Topic, Channel>> {
        self.topics.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Receives the events of `topic` published from now on.
    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<Event>> {
        self.topics()
            .entry(topic)
            .or_insert_with(|| Channel {
                tx: broadcast::channel(CHANNEL_CAPACITY).0,
                published: 0,
            })
            .tx
            .subscribe()
    }

    /// Pushes committed events to their subscribers.
    pub fn publish(&self, events: Vec<Event>) {
        self.metrics.events_published(events.len());
        let mut topics = self.topics();
        for ev in events {
            let topic = ev.topic;
            if let Some(ch) = topics.get_mut(&topic) {
                ch.published = ch.published.max(ev.seq);
                if ch.tx.send(Arc::new(ev)).is_err() {
                    // Nobody listens any more: forget the channel.
                    topics.remove(&topic);
                }
            }
        }
    }

    /// Follows the commits of every node (this one's too: those are skipped) until
    /// aborted.
    pub async fn follow(self, db: Db, mut wakeups: Wakeups) {
        loop {
            match wakeups.next().await {
                Wakeup::Appended { topic, first, last } => {
                    self.catch_up(&db, topic, first, last).await
                }
                // One lost while not listening is caught by each socket's periodic check.
                Wakeup::UserChanged(user) => self.user_changed(user),
                Wakeup::Resync => {
                    let followed: Vec<Topic> = self.topics().keys().copied().collect();
                    for topic in followed {
                        let head = match db.read_now().await {
                            Ok(mut tx) => tx.last_seq(topic).await,
                            Err(e) => Err(e),
                        };
                        match head {
                            Ok(0) => {}
                            Ok(head) => self.catch_up(&db, topic, head, head).await,
                            Err(e) => tracing::warn!(error = %e, %topic, "resync failed"),
                        }
                    }
                }
            }
        }
    }

    /// Reads and pushes the events of `topic` up to `last` that this node has not pushed,
    /// if anyone here listens. A connection further behind than what is read sees a gap
    /// and reads the rest itself.
    async fn catch_up(&self, db: &Db, topic: Topic, first: u64, last: u64) {
        let mut from = match self.topics().get(&topic) {
            None => return,
            Some(ch) if ch.published >= last => return,
            Some(ch) if ch.published == 0 => first - 1,
            Some(ch) => ch.published,
        };
        self.metrics.remote_wakeup();
        let mut failures = 0u32;
        while from < last {
            let page = match db.read_now().await {
                Ok(mut tx) => {
                    tx.events_after(topic, from, FETCH_PAGE.min(last - from))
                        .await
                }
                Err(e) => Err(e),
            };
            match page {
                Ok(page) if !page.is_empty() => {
                    from = page.last().map_or(last, |e| e.seq);
                    self.publish(page);
                }
                Ok(_) => return,
                Err(e) => {
                    // Try again shortly, or the followers of a quiet topic would wait for
                    // its next event. (A longer outage drops the listening connection
                    // too, and its return brings a resync.)
                    failures += 1;
                    tracing::warn!(error = %e, %topic, failures, "reading another node's events failed");
                    if failures >= 5 {
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100 << failures)).await;
                }
            }
        }
    }
}
