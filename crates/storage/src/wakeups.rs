//! Wake-ups between nodes sharing one PostgreSQL: each commit that appended events sends
//! `NOTIFY ecabinet_events` naming the topics and seq ranges it wrote, never the events
//! themselves; a node that hears it reads the events from the event table. PostgreSQL
//! delivers a notification only when its transaction commits, and in commit order.

use crate::{Result, Tx};
use ecabinet_protocol::{Event, Topic};
use sqlx::postgres::PgListener;
use std::collections::BTreeMap;
use std::time::Duration;

/// The channel every node listens on.
pub const CHANNEL: &str = "ecabinet_events";

/// A notification's payload stays far below PostgreSQL's 8000-byte limit; a commit that
/// touched many topics sends several.
const MAX_PAYLOAD: usize = 240;

/// What a node hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wakeup {
    /// Another transaction committed the events `first..=last` of `topic`.
    Appended { topic: Topic, first: u64, last: u64 },
    /// The listening connection was (re)established: notifications sent while it was down
    /// are lost, so every topic a node follows must be checked against the table.
    Resync,
    /// A user's sessions or account changed (a logout, a role): every node re-checks that
    /// user's WebSockets. Line: `user-changed <id>`.
    UserChanged(ecabinet_domain::UserId),
}

/// The line of [`Wakeup::UserChanged`].
const USER_CHANGED: &str = "user-changed";

/// The payloads announcing `events`: lines `topic first last`, one per topic.
pub fn payloads(events: &[Event]) -> Vec<String> {
    let mut ranges: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for e in events {
        let r = ranges.entry(e.topic.to_string()).or_insert((e.seq, e.seq));
        r.0 = r.0.min(e.seq);
        r.1 = r.1.max(e.seq);
    }
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (topic, (first, last)) in ranges {
        let line = format!("{topic} {first} {last}");
        if !cur.is_empty() && cur.len() + 1 + line.len() > MAX_PAYLOAD {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(&line);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Reads a payload back; lines that do not parse (another program on the channel) are
/// skipped.
pub fn parse(payload: &str) -> Vec<Wakeup> {
    payload
        .lines()
        .filter_map(|line| {
            if let Some(id) = line
                .strip_prefix(USER_CHANGED)
                .and_then(|r| r.strip_prefix(' '))
            {
                return id
                    .parse()
                    .ok()
                    .map(|id| Wakeup::UserChanged(ecabinet_domain::UserId(id)));
            }
            let mut parts = line.split(' ');
            let topic = parts.next()?.parse().ok()?;
            let first = parts.next()?.parse().ok()?;
            let last = parts.next()?.parse().ok()?;
            (parts.next().is_none() && first <= last && first > 0).then_some(Wakeup::Appended {
                topic,
                first,
                last,
            })
        })
        .collect()
}

impl Tx {
    /// On PostgreSQL, queues the notifications of the events appended so far; they go out
    /// with the commit.
    pub(crate) async fn notify_events(&mut self) -> Result<()> {
        if self.engine != crate::Engine::Postgres || self.events.is_empty() {
            return Ok(());
        }
        for payload in payloads(&self.events) {
            sqlx::query("select pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }
}

impl Tx {
    /// On PostgreSQL, tells every node (with the commit) that `user`'s sessions or account
    /// changed; on SQLite there is one node, which its caller tells directly.
    pub async fn announce_user_changed(&mut self, user: ecabinet_domain::UserId) -> Result<()> {
        if self.engine != crate::Engine::Postgres {
            return Ok(());
        }
        sqlx::query("select pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("{USER_CHANGED} {}", user.0))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// A node's ear on [`CHANNEL`]; reconnects by itself.
pub struct Wakeups {
    url: String,
    listener: Option<PgListener>,
    pending: std::collections::VecDeque<Wakeup>,
}

impl Wakeups {
    pub(crate) fn new(url: String) -> Wakeups {
        Wakeups {
            url,
            listener: None,
            pending: Default::default(),
        }
    }

    /// The next wake-up. After every (re)connection the first one is [`Wakeup::Resync`].
    /// Waits (retrying every second) while PostgreSQL cannot be reached.
    pub async fn next(&mut self) -> Wakeup {
        loop {
            if let Some(w) = self.pending.pop_front() {
                return w;
            }
            let Some(listener) = self.listener.as_mut() else {
                match connect(&self.url).await {
                    Ok(l) => {
                        self.listener = Some(l);
                        return Wakeup::Resync;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for other nodes' events; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                }
            };
            match listener.try_recv().await {
                Ok(Some(n)) => self.pending.extend(parse(n.payload())),
                Ok(None) => {
                    tracing::warn!("lost the listening connection; reconnecting");
                    self.listener = None;
                }
                Err(e) => {
                    // A server restart ends the session with an error rather than EOF:
                    // start over with a new connection.
                    tracing::warn!(error = %e, "listening connection failed; reconnecting");
                    self.listener = None;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
}

async fn connect(url: &str) -> Result<PgListener> {
    let mut l = PgListener::connect(url).await?;
    l.listen(CHANNEL).await?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecabinet_domain::MeetingId;
    use ecabinet_protocol::EventBody;

    fn ev(topic: Topic, seq: u64) -> Event {
        Event {
            topic,
            seq,
            body: EventBody::MeetingUnlisted {
                meeting_id: MeetingId(1),
            },
            actor: None,
            at: 0,
        }
    }

    #[test]
    fn payloads_carry_ranges_and_read_back() {
        let events = vec![
            ev(Topic::Meeting(MeetingId(7)), 4),
            ev(Topic::Meetings, 10),
            ev(Topic::Meeting(MeetingId(7)), 5),
            ev(Topic::Meeting(MeetingId(7)), 6),
        ];
        let p = payloads(&events);
        assert_eq!(p, vec!["meeting:7 4 6\nmeetings 10 10".to_owned()]);
        assert_eq!(
            parse(&p[0]),
            vec![
                Wakeup::Appended {
                    topic: Topic::Meeting(MeetingId(7)),
                    first: 4,
                    last: 6
                },
                Wakeup::Appended {
                    topic: Topic::Meetings,
                    first: 10,
                    last: 10
                },
            ]
        );
    }

    #[test]
    fn many_topics_are_split_below_the_limit_and_nothing_is_dropped() {
        let events: Vec<Event> = (1..=200)
            .map(|i| ev(Topic::Meeting(MeetingId(i)), 1_000_000 + i as u64))
            .collect();
        let p = payloads(&events);
        assert!(p.len() > 1);
        assert!(p.iter().all(|s| s.len() <= MAX_PAYLOAD));
        let back: Vec<Wakeup> = p.iter().flat_map(|s| parse(s)).collect();
        assert_eq!(back.len(), 200);
    }

    #[test]
    fn a_user_change_reads_back_beside_ranges() {
        assert_eq!(
            parse("user-changed 12\nmeetings 3 3\nuser-changed x\nuser-changed"),
            vec![
                Wakeup::UserChanged(ecabinet_domain::UserId(12)),
                Wakeup::Appended {
                    topic: Topic::Meetings,
                    first: 3,
                    last: 3
                }
            ]
        );
    }

    #[test]
    fn foreign_payloads_are_ignored() {
        assert!(parse("").is_empty());
        assert!(parse("hello").is_empty());
        assert!(parse("meeting:7 5 4").is_empty());
        assert!(parse("meeting:7 0 4").is_empty());
        assert!(parse("room:1 1 1").is_empty());
        assert!(parse("meeting:7 1 2 3").is_empty());
        assert_eq!(parse("x\nmeetings 1 1").len(), 1);
    }
}
