//! Hybrid logical clock (Kulkarni et al.): physical milliseconds plus a
//! logical counter, with the device id as the final tie-breaker. Every op
//! carries one; "latest write wins" for single fields compares these.
//!
//! Invariants: a clock never goes backwards, even when the wall clock does;
//! after seeing a remote timestamp the next local one is greater; two
//! timestamps from different devices are never equal (the device id breaks
//! ties). The text form sorts like the value, so SQLite can compare HLCs as
//! plain TEXT.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::DeviceId;

/// How far ahead of our own wall clock a remote timestamp may be before we
/// refuse to follow it: a device with a clock set to 2090 must not drag the
/// whole team's clocks into the future.
pub const MAX_DRIFT_MS: u64 = 24 * 60 * 60 * 1000;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
    pub node: DeviceId,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a hybrid logical clock timestamp (expected WALLMS.COUNTER.DEVICE-UUID)")]
pub struct HlcParseError(pub String);

impl Hlc {
    /// The smallest timestamp of a node; useful as "never written".
    pub fn zero(node: DeviceId) -> Self {
        Self {
            wall_ms: 0,
            counter: 0,
            node,
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Fixed widths keep the lexicographic order equal to the numeric one.
        write!(f, "{:015}.{:010}.{}", self.wall_ms, self.counter, self.node)
    }
}

impl fmt::Debug for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hlc({self})")
    }
}

impl FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || HlcParseError(s.to_string());
        let mut parts = s.splitn(3, '.');
        let wall = parts.next().ok_or_else(err)?;
        let counter = parts.next().ok_or_else(err)?;
        let node = parts.next().ok_or_else(err)?;
        if wall.len() != 15 || counter.len() != 10 {
            return Err(err());
        }
        if !wall
            .bytes()
            .chain(counter.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        Ok(Self {
            wall_ms: wall.parse().map_err(|_| err())?,
            counter: counter.parse().map_err(|_| err())?,
            node: node.parse().map_err(|_| err())?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The clock of one node. Not thread-safe by itself: the device keeps its
/// last timestamp in its database and advances it inside the transaction
/// that writes the op, which serialises writers.
#[derive(Debug, Clone)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    pub fn new(last: Hlc) -> Self {
        Self { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A timestamp for a local event at wall time `now_ms`.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        let node = self.last.node;
        self.last = if now_ms > self.last.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
                node,
            }
        } else {
            bump(self.last.wall_ms, self.last.counter, node)
        };
        self.last
    }

    /// Merge a timestamp seen from elsewhere (receiving a remote op), so the
    /// next local tick orders after it. Timestamps too far in the future are
    /// not followed (see [`MAX_DRIFT_MS`]).
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) {
        if remote.wall_ms > now_ms.saturating_add(MAX_DRIFT_MS) {
            return;
        }
        let node = self.last.node;
        let wall = now_ms.max(self.last.wall_ms).max(remote.wall_ms);
        let counter = if wall == self.last.wall_ms && wall == remote.wall_ms {
            self.last.counter.max(remote.counter)
        } else if wall == self.last.wall_ms {
            self.last.counter
        } else if wall == remote.wall_ms {
            remote.counter
        } else {
            0
        };
        let candidate = Hlc {
            wall_ms: wall,
            counter,
            node,
        };
        if candidate > self.last {
            self.last = candidate;
        }
    }
}

fn bump(wall_ms: u64, counter: u32, node: DeviceId) -> Hlc {
    match counter.checked_add(1) {
        Some(c) => Hlc {
            wall_ms,
            counter: c,
            node,
        },
        // Four billion events in one millisecond cannot happen honestly; move
        // the logical time forward instead of wrapping.
        None => Hlc {
            wall_ms: wall_ms + 1,
            counter: 0,
            node,
        },
    }
}

/// Milliseconds since the Unix epoch, from the system clock.
pub fn wall_clock_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn node() -> DeviceId {
        DeviceId::new()
    }

    #[test]
    fn text_form_round_trips_and_sorts() {
        let n = node();
        let a = Hlc {
            wall_ms: 9,
            counter: 10,
            node: n,
        };
        let b = Hlc {
            wall_ms: 10,
            counter: 0,
            node: n,
        };
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        assert!("1.2.3".parse::<Hlc>().is_err());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Hlc>(&json).unwrap(), a);
    }

    #[test]
    fn never_goes_backwards_when_wall_clock_does() {
        let mut c = HlcClock::new(Hlc::zero(node()));
        let t1 = c.tick(1_000);
        let t2 = c.tick(500);
        let t3 = c.tick(500);
        assert!(t1 < t2 && t2 < t3);
        assert_eq!(t3.wall_ms, 1_000);
    }

    #[test]
    fn observe_orders_next_tick_after_remote() {
        let mut c = HlcClock::new(Hlc::zero(node()));
        c.tick(1_000);
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 7,
            node: node(),
        };
        c.observe(remote, 1_001);
        let next = c.tick(1_002);
        assert!(next > remote);
    }

    #[test]
    fn observe_ignores_clocks_far_in_the_future() {
        let mut c = HlcClock::new(Hlc::zero(node()));
        let remote = Hlc {
            wall_ms: 10 * MAX_DRIFT_MS,
            counter: 0,
            node: node(),
        };
        c.observe(remote, 1_000);
        assert!(c.tick(1_000).wall_ms < remote.wall_ms);
    }

    proptest! {
        #[test]
        fn ticks_strictly_increase(walls in proptest::collection::vec(0u64..10_000, 1..200)) {
            let mut c = HlcClock::new(Hlc::zero(node()));
            let mut prev = c.last();
            for w in walls {
                let t = c.tick(w);
                prop_assert!(t > prev);
                prop_assert!(t.to_string() > prev.to_string());
                prev = t;
            }
        }
    }
}
