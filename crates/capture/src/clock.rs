//! The one clock every capture timestamp is measured on.
//!
//! A recording mixes streams from different devices (a camera, a microphone,
//! or the synthetic stand-ins). They only stay in sync if every frame and
//! every audio chunk carries a `pts` on the same timeline, so each source is
//! started with a clone of one [`CaptureClock`] and stamps what it produces
//! with it. A `pts` is a [`Duration`] since the clock's origin.
//!
//! Two kinds:
//! - **real**: an [`Instant`] taken when the clock was made; `now()` is the
//!   monotonic time elapsed since. Cameras and microphones need this one, and
//!   the synthetic source paces itself like a camera with it.
//! - **virtual**: time exists only as the sources produce it. The synthetic
//!   source then runs as fast as its consumer takes frames and stamps them on
//!   an exact grid (frame `n` at `n / fps`), which is what tests and benchmarks
//!   want. `now()` is the latest `pts` any source has published, so code that
//!   asks "how long have we been recording" works in both modes.
//!
//! Invariants: `now()` never goes backwards; clones share one timeline.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The shared monotonic clock of one recording. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CaptureClock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
enum Inner {
    Real { origin: Instant },
    Virtual { latest_nanos: AtomicU64 },
}

impl CaptureClock {
    /// A clock on real monotonic time, starting at zero now.
    pub fn real() -> Self {
        Self {
            inner: Arc::new(Inner::Real {
                origin: Instant::now(),
            }),
        }
    }

    /// A virtual clock: time advances only as sources publish timestamps.
    pub fn virtual_time() -> Self {
        Self {
            inner: Arc::new(Inner::Virtual {
                latest_nanos: AtomicU64::new(0),
            }),
        }
    }

    /// True for a clock made by [`CaptureClock::virtual_time`].
    pub fn is_virtual(&self) -> bool {
        matches!(*self.inner, Inner::Virtual { .. })
    }

    /// The current time on this clock.
    pub fn now(&self) -> Duration {
        match &*self.inner {
            Inner::Real { origin } => origin.elapsed(),
            Inner::Virtual { latest_nanos } => {
                Duration::from_nanos(latest_nanos.load(Ordering::Acquire))
            }
        }
    }

    /// The time on this clock of a given instant (zero for instants before
    /// the origin). Only meaningful for a real clock; a virtual clock has no
    /// relation to wall time and answers [`CaptureClock::now`].
    pub fn pts_of(&self, instant: Instant) -> Duration {
        match &*self.inner {
            Inner::Real { origin } => instant.saturating_duration_since(*origin),
            Inner::Virtual { .. } => self.now(),
        }
    }

    /// Called by sources with each timestamp they publish. Advances a virtual
    /// clock (never backwards); does nothing to a real one.
    pub fn publish(&self, pts: Duration) {
        if let Inner::Virtual { latest_nanos } = &*self.inner {
            let nanos = u64::try_from(pts.as_nanos()).unwrap_or(u64::MAX);
            latest_nanos.fetch_max(nanos, Ordering::AcqRel);
        }
    }

    /// True when both handles are clones of the same clock.
    pub fn same_as(&self, other: &CaptureClock) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// The `pts` of item `n` on a grid of `per_second` items per second,
/// computed exactly in integers so long recordings do not accumulate
/// rounding drift.
pub fn grid_pts(n: u64, per_second: u64) -> Duration {
    let nanos = u128::from(n) * 1_000_000_000 / u128::from(per_second.max(1));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// The first grid index whose `pts` is at or after `t`.
pub fn grid_index_at_or_after(t: Duration, per_second: u64) -> u64 {
    let per_second = u128::from(per_second.max(1));
    let n = (t.as_nanos() * per_second).div_ceil(1_000_000_000);
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_clock_is_monotonic_and_shared_by_clones() {
        let clock = CaptureClock::real();
        let copy = clock.clone();
        let a = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        let b = copy.now();
        assert!(b >= a + Duration::from_millis(5), "{a:?} then {b:?}");
        assert!(clock.same_as(&copy));
        assert!(!clock.same_as(&CaptureClock::real()));
        assert!(!clock.is_virtual());
    }

    #[test]
    fn virtual_clock_follows_the_latest_published_pts() {
        let clock = CaptureClock::virtual_time();
        assert!(clock.is_virtual());
        assert_eq!(clock.now(), Duration::ZERO);
        clock.publish(Duration::from_millis(40));
        clock.clone().publish(Duration::from_millis(20));
        assert_eq!(clock.now(), Duration::from_millis(40), "never backwards");
    }

    #[test]
    fn real_clock_ignores_publish_and_maps_instants() {
        let clock = CaptureClock::real();
        clock.publish(Duration::from_secs(3600));
        assert!(clock.now() < Duration::from_secs(60));
        let later = Instant::now() + Duration::from_secs(2);
        let pts = clock.pts_of(later);
        assert!(pts >= Duration::from_secs(2) && pts < Duration::from_secs(3));
    }

    #[test]
    fn grid_is_exact() {
        assert_eq!(grid_pts(30, 30), Duration::from_secs(1));
        assert_eq!(grid_pts(1, 30), Duration::from_nanos(33_333_333));
        assert_eq!(grid_pts(48_000 * 120, 48_000), Duration::from_secs(120));
        assert_eq!(grid_index_at_or_after(Duration::from_secs(2), 30), 60);
        assert_eq!(grid_index_at_or_after(Duration::from_nanos(1), 30), 1);
        assert_eq!(grid_index_at_or_after(Duration::ZERO, 30), 0);
    }
}
