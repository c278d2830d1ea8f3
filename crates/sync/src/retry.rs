//! Exponential backoff with jitter for transient failures.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries per item in one sync round (the first included).
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 8,
            base: Duration::from_millis(250),
            max: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0-based): base * 2^attempt,
    /// capped, then scaled by a random factor in [0.5, 1.0] so many devices
    /// coming back at once do not hit the server in lockstep.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX));
        let capped = exp.min(self.max);
        capped.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_capped_and_jittered() {
        let p = RetryPolicy {
            attempts: 10,
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
        };
        for attempt in 0..12 {
            let d = p.delay(attempt);
            let nominal = Duration::from_millis(100 * (1u64 << attempt.min(20))).min(p.max);
            assert!(
                d <= nominal && d >= nominal / 2,
                "attempt {attempt}: {d:?} vs {nominal:?}"
            );
        }
    }
}
