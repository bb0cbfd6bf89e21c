//! Topics: the streams of events a client can subscribe to.

use ecabinet_domain::{MeetingId, UserId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A stream of events with its own gap-free sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// `meetings`: every meeting's summary (secretariat only).
    Meetings,
    /// `meeting:<id>`: everything about one meeting.
    Meeting(MeetingId),
    /// `user:<id>`: one user's own stream (meetings they are invited to).
    User(UserId),
    /// `devices`: every device key and its approval (secretariat only).
    Devices,
    /// `devices:<user id>`: one member's device keys (the member and the secretariat).
    DevicesOf(UserId),
    /// `opinions`: every written poll (secretariat and chair).
    Opinions,
    /// `opinions:<user id>`: the written polls sent to one member, and their reminders.
    OpinionsOf(UserId),
    /// `reporting`: reports submitted, approved and returned (the direction dashboard).
    Reporting,
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Meetings => f.write_str("meetings"),
            Topic::Meeting(id) => write!(f, "meeting:{id}"),
            Topic::User(id) => write!(f, "user:{id}"),
            Topic::Devices => f.write_str("devices"),
            Topic::DevicesOf(id) => write!(f, "devices:{id}"),
            Topic::Opinions => f.write_str("opinions"),
            Topic::OpinionsOf(id) => write!(f, "opinions:{id}"),
            Topic::Reporting => f.write_str("reporting"),
        }
    }
}

/// A topic name that is not one of the known forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTopic(pub String);

impl fmt::Display for BadTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown topic {:?}", self.0)
    }
}

impl FromStr for Topic {
    type Err = BadTopic;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadTopic(s.chars().take(64).collect());
        match s {
            "meetings" => return Ok(Topic::Meetings),
            "devices" => return Ok(Topic::Devices),
            "opinions" => return Ok(Topic::Opinions),
            "reporting" => return Ok(Topic::Reporting),
            _ => {}
        }
        let (kind, id) = s.split_once(':').ok_or_else(bad)?;
        // Only plain positive decimal ids: no sign, no leading zeros, so that one topic has one name.
        if id.is_empty() || id.starts_with('0') || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: i64 = id.parse().map_err(|_| bad())?;
        match kind {
            "meeting" => Ok(Topic::Meeting(MeetingId(n))),
            "user" => Ok(Topic::User(UserId(n))),
            "devices" => Ok(Topic::DevicesOf(UserId(n))),
            "opinions" => Ok(Topic::OpinionsOf(UserId(n))),
            _ => Err(bad()),
        }
    }
}

impl Serialize for Topic {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in [
            Topic::Meetings,
            Topic::Meeting(MeetingId(12)),
            Topic::User(UserId(3)),
            Topic::Devices,
            Topic::DevicesOf(UserId(4)),
            Topic::Opinions,
            Topic::OpinionsOf(UserId(5)),
            Topic::Reporting,
        ] {
            assert_eq!(t.to_string().parse::<Topic>().unwrap(), t);
        }
    }

    #[test]
    fn odd_names_are_refused() {
        for s in [
            "",
            "meeting",
            "meeting:",
            "meeting:01",
            "meeting:-1",
            "meeting:+1",
            "room:1",
            "user:1x",
            "meeting:99999999999999999999",
        ] {
            assert!(s.parse::<Topic>().is_err(), "{s}");
        }
    }
}
