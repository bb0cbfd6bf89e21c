//! The speaker queue (đăng ký phát biểu) of the item under discussion.

use crate::{DomainError, UserId};
use serde::{Deserialize, Serialize};

/// One request to speak.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeakerTurn {
    /// Who asked.
    pub user_id: UserId,
    /// When they asked, Unix ms.
    pub requested_at: i64,
    /// When the chair gave them the floor, Unix ms.
    #[serde(default)]
    pub granted_at: Option<i64>,
}

/// Who speaks and who waits, in order of request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeakerQueue {
    /// The participant who has the floor.
    pub speaking: Option<SpeakerTurn>,
    /// Waiting requests, first come first served.
    pub waiting: Vec<SpeakerTurn>,
}

impl SpeakerQueue {
    /// `user` asks for the floor.
    pub fn request(&mut self, user: UserId, now: i64) -> Result<(), DomainError> {
        if self.speaking.as_ref().is_some_and(|s| s.user_id == user) {
            return Err(DomainError::Speakers("you already have the floor"));
        }
        if self.waiting.iter().any(|s| s.user_id == user) {
            return Err(DomainError::Speakers("you are already waiting"));
        }
        self.waiting.push(SpeakerTurn {
            user_id: user,
            requested_at: now,
            granted_at: None,
        });
        Ok(())
    }

    /// `user` withdraws a waiting request.
    pub fn withdraw(&mut self, user: UserId) -> Result<(), DomainError> {
        let before = self.waiting.len();
        self.waiting.retain(|s| s.user_id != user);
        if self.waiting.len() == before {
            return Err(DomainError::Speakers("no request to withdraw"));
        }
        Ok(())
    }

    /// The chair gives the floor to `user` (who must be waiting), or to the first in line.
    /// Whoever was speaking finishes their turn.
    pub fn grant(&mut self, user: Option<UserId>, now: i64) -> Result<UserId, DomainError> {
        let idx = match user {
            Some(u) => self
                .waiting
                .iter()
                .position(|s| s.user_id == u)
                .ok_or(DomainError::Speakers("that participant is not waiting"))?,
            None if self.waiting.is_empty() => {
                return Err(DomainError::Speakers("nobody is waiting"));
            }
            None => 0,
        };
        let mut turn = self.waiting.remove(idx);
        turn.granted_at = Some(now);
        let who = turn.user_id;
        self.speaking = Some(turn);
        Ok(who)
    }

    /// The current turn ends.
    pub fn end_turn(&mut self) -> Result<UserId, DomainError> {
        self.speaking
            .take()
            .map(|s| s.user_id)
            .ok_or(DomainError::Speakers("nobody has the floor"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: UserId = UserId(1);
    const B: UserId = UserId(2);
    const C: UserId = UserId(3);

    #[test]
    fn first_come_first_served() {
        let mut q = SpeakerQueue::default();
        q.request(A, 1).unwrap();
        q.request(B, 2).unwrap();
        assert_eq!(q.grant(None, 3).unwrap(), A);
        assert_eq!(q.speaking.as_ref().unwrap().granted_at, Some(3));
        assert_eq!(q.waiting.len(), 1);
        // Granting the next one ends A's turn.
        assert_eq!(q.grant(None, 4).unwrap(), B);
        assert!(q.waiting.is_empty());
        assert_eq!(q.end_turn().unwrap(), B);
        assert!(q.speaking.is_none());
    }

    #[test]
    fn chair_may_pick_out_of_order() {
        let mut q = SpeakerQueue::default();
        q.request(A, 1).unwrap();
        q.request(B, 2).unwrap();
        q.request(C, 3).unwrap();
        assert_eq!(q.grant(Some(C), 4).unwrap(), C);
        let waiting: Vec<_> = q.waiting.iter().map(|s| s.user_id).collect();
        assert_eq!(waiting, vec![A, B]);
    }

    #[test]
    fn refusals() {
        let mut q = SpeakerQueue::default();
        assert!(q.grant(None, 1).is_err());
        assert!(q.end_turn().is_err());
        assert!(q.withdraw(A).is_err());
        q.request(A, 1).unwrap();
        assert!(q.request(A, 2).is_err());
        assert!(q.grant(Some(B), 2).is_err());
        q.grant(Some(A), 3).unwrap();
        assert!(q.request(A, 4).is_err(), "the speaker cannot queue again");
        q.request(B, 5).unwrap();
        q.withdraw(B).unwrap();
        assert!(q.waiting.is_empty());
    }
}
