//! Retrying transient backend failures with exponential backoff and jitter.
//!
//! A networked database fails in passing: a connection dropped by a
//! failover, a pool briefly exhausted, a deadlock or serialization failure
//! the server resolved by aborting us. Engines report those as
//! [`StoreError::Unavailable`]; [`retry`] runs the whole operation (one
//! transaction) again up to three times, sleeping 50 ms, 100 ms, 200 ms with
//! jitter in between, and gives up with the last error, which the HTTP
//! layer answers with 503 and Retry-After. Everything else (a constraint
//! the request broke, a bug) is permanent and returned at once.
//!
//! Running a transaction again is safe: either it committed or it left
//! nothing behind. The one grey case, a commit whose answer was lost, is
//! harmless here because every write is idempotent (ops by id, upserts)
//! or a compare-and-set that then reports a conflict the client resolves.

use std::future::Future;
use std::time::Duration;

use super::{StoreError, StoreResult};

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Tries in all, the first included.
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            attempts: 4,
            first_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(1),
        }
    }
}

impl Backoff {
    /// The pause before try number `n` (1-based: after the first failure,
    /// n = 1), with up to 50% random jitter so instances that failed
    /// together do not retry in lockstep.
    pub fn delay(&self, n: u32) -> Duration {
        let base = self
            .first_delay
            .saturating_mul(1u32 << n.saturating_sub(1).min(16))
            .min(self.max_delay);
        let mut seed = [0u8; 2];
        let jitter = match getrandom::fill(&mut seed) {
            Ok(()) => f64::from(u16::from_le_bytes(seed)) / f64::from(u16::MAX) * 0.5,
            Err(_) => 0.25,
        };
        base.mul_f64(1.0 + jitter)
    }
}

/// Run `op` until it succeeds, fails permanently, or `policy.attempts` are
/// used up. `what` names the operation in the log.
pub async fn retry<T, F, Fut>(what: &str, policy: Backoff, mut op: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut n = 0;
    loop {
        match op().await {
            Err(StoreError::Unavailable(msg)) if n + 1 < policy.attempts => {
                n += 1;
                let pause = policy.delay(n);
                tracing::warn!(operation = what, attempt = n, error = %msg, pause_ms = pause.as_millis() as u64, "transient storage failure; retrying");
                tokio::time::sleep(pause).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> Backoff {
        Backoff {
            attempts: 4,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
        }
    }

    #[tokio::test]
    async fn transient_failures_are_retried_then_given_up() {
        let tries = AtomicU32::new(0);
        let ok = retry("t", quick(), || async {
            if tries.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(StoreError::Unavailable("connection reset".into()))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(ok.unwrap(), 7);
        assert_eq!(tries.load(Ordering::SeqCst), 3);

        let tries = AtomicU32::new(0);
        let err = retry("t", quick(), || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(StoreError::Unavailable("down".into()))
        })
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)));
        assert_eq!(tries.load(Ordering::SeqCst), 4, "gives up after 4 tries");

        let tries = AtomicU32::new(0);
        let err = retry("t", quick(), || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(StoreError::Conflict("taken".into()))
        })
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)));
        assert_eq!(
            tries.load(Ordering::SeqCst),
            1,
            "permanent errors are not retried"
        );
    }

    #[test]
    fn delays_grow_and_stay_bounded() {
        let b = Backoff::default();
        assert!(b.delay(1) >= Duration::from_millis(50) && b.delay(1) <= Duration::from_millis(75));
        assert!(b.delay(3) >= Duration::from_millis(200));
        assert!(b.delay(30) <= Duration::from_millis(1500));
    }
}
