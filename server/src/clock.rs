//! The clock that deadlines and reminders follow: the system's, or a manual one that
//! integration tests move forward, so that "a day before the deadline" takes no day.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Now, in Unix ms, for the rules that depend on time. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// `None`: the system clock.
    manual: Option<AtomicI64>,
    moved: Notify,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Inner {
            manual: None,
            moved: Notify::new(),
        }))
    }

    /// A clock that stands at `start` until [`Clock::set`] or [`Clock::advance`] moves it.
    pub fn manual(start: i64) -> Clock {
        Clock(Arc::new(Inner {
            manual: Some(AtomicI64::new(start)),
            moved: Notify::new(),
        }))
    }

    /// Now, Unix ms.
    pub fn now(&self) -> i64 {
        match &self.0.manual {
            Some(t) => t.load(Ordering::SeqCst),
            None => ecabinet_storage::now_ms(),
        }
    }

    /// Sets a manual clock (ignored by the system clock) and wakes its sleepers.
    pub fn set(&self, t: i64) {
        if let Some(m) = &self.0.manual {
            m.store(t, Ordering::SeqCst);
            self.0.moved.notify_waiters();
        }
    }

    /// Moves a manual clock forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.set(self.now() + ms);
    }

    /// Sleeps until `until` (Unix ms) on this clock, at most `cap` of real time. A manual
    /// clock wakes when moved, and every 200 ms in case it was moved just before.
    pub async fn sleep_until(&self, until: Option<i64>, cap: Duration) {
        match &self.0.manual {
            Some(_) => {
                let moved = self.0.moved.notified();
                if until.is_some_and(|t| t <= self.now()) {
                    return;
                }
                let _ = tokio::time::timeout(cap.min(Duration::from_millis(200)), moved).await;
            }
            None => {
                let wait = until.map_or(cap, |t| {
                    Duration::from_millis(u64::try_from(t - self.now()).unwrap_or(0)).min(cap)
                });
                tokio::time::sleep(wait).await;
            }
        }
    }
}
