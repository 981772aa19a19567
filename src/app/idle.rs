//! The optional idle lock: after a set number of minutes without a key, the screen is
//! cleared of patient data until a key is pressed. That key only unlocks; it does
//! nothing else, so a stray keypress cannot change a record.

use chrono::{Duration, NaiveDateTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleLock {
    /// `None`: the lock is off (the default).
    pub after: Option<Duration>,
    pub last_activity: NaiveDateTime,
    pub locked: bool,
}

impl IdleLock {
    pub fn new(minutes: Option<u32>, now: NaiveDateTime) -> Self {
        Self {
            after: minutes.filter(|m| *m > 0).map(|m| Duration::minutes(m as i64)),
            last_activity: now,
            locked: false,
        }
    }

    /// Called on every clock tick.
    pub fn tick(&mut self, now: NaiveDateTime) {
        if let Some(after) = self.after
            && now - self.last_activity >= after
        {
            self.locked = true;
        }
    }

    /// Called on every key; returns true when the key only unlocked the screen.
    pub fn key(&mut self, now: NaiveDateTime) -> bool {
        self.last_activity = now;
        std::mem::replace(&mut self.locked, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> NaiveDateTime {
        "2026-11-25T10:00:00".parse::<NaiveDateTime>().unwrap() + Duration::minutes(min)
    }

    #[test]
    fn locks_after_the_set_minutes_and_the_next_key_only_unlocks() {
        let mut idle = IdleLock::new(Some(5), at(0));
        idle.tick(at(4));
        assert!(!idle.locked);
        idle.tick(at(5));
        assert!(idle.locked);
        assert!(idle.key(at(6)), "the unlocking key is swallowed");
        assert!(!idle.key(at(7)), "later keys act as usual");
        idle.tick(at(11));
        assert!(!idle.locked, "counted from the last key");
    }

    #[test]
    fn off_by_default_and_for_zero() {
        for minutes in [None, Some(0)] {
            let mut idle = IdleLock::new(minutes, at(0));
            idle.tick(at(10_000));
            assert!(!idle.locked);
        }
    }
}
