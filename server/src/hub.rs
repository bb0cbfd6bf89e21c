//! The in-process hub: after a transaction commits, its events are pushed to every
//! connection subscribed to their topic. The event table stays the source of truth: a
//! connection that misses something (lagged channel, events published out of order by two
//! racing commits) notices the gap by seq and reads the missing events from the database.

use ecabinet_protocol::{Event, Topic};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// How many events a slow connection may fall behind before it must read from the database.
const CHANNEL_CAPACITY: usize = 1024;

/// Topic → broadcast channel.
#[derive(Clone, Default)]
pub struct Hub {
    topics: Arc<Mutex<HashMap<Topic, broadcast::Sender<Arc<Event>>>>>,
}

impl Hub {
    /// Receives the events of `topic` published from now on.
    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<Event>> {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Pushes committed events to their subscribers.
    pub fn publish(&self, events: Vec<Event>) {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        for ev in events {
            let topic = ev.topic;
            if let Some(tx) = topics.get(&topic)
                && tx.send(Arc::new(ev)).is_err()
            {
                // Nobody listens any more: forget the channel.
                topics.remove(&topic);
            }
        }
    }
}
