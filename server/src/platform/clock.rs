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

/// The instant `ms` (Unix ms) in Vietnam's time (UTC+7, no daylight saving), or `None` out
/// of range. Deadlines, reports, minutes and watermarks all speak Hà Nội's time.
pub fn in_vietnam(ms: i64) -> Option<time::OffsetDateTime> {
    let offset = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .map(|t| t.to_offset(offset))
}

/// The day it is in Hà Nội at `ms`.
pub fn today_in_vietnam(ms: i64) -> time::Date {
    in_vietnam(ms).map_or(time::Date::MIN, |t| t.date())
}

/// "14:05 ngày 02/12/2026" in Vietnam's time, for mail and reports.
pub fn vn_time(ms: i64) -> String {
    match in_vietnam(ms) {
        Some(t) => format!(
            "{:02}:{:02} ngày {:02}/{:02}/{}",
            t.hour(),
            t.minute(),
            t.day(),
            u8::from(t.month()),
            t.year()
        ),
        None => ms.to_string(),
    }
}
