//! Upload requests fail when they stop making progress, not when they take
//! long. A PATCH on a slow link may need minutes; what must not happen is
//! a connection that moves nothing for `Timeouts::read`.
//!
//! Progress is seen from the body stream: the HTTP client pulls the next
//! piece only once the socket took the previous one, so a stalled link
//! stops the pulls once the kernel's send buffer is full. After the last
//! piece, up to the whole body may still sit in that buffer (megabytes on
//! a fast local link), so the answer gets the timeout plus the time the
//! body would take at [`DRAIN_FLOOR`]; on Linux, TCP_USER_TIMEOUT (set on
//! the upload client) still ends a connection whose data stops being
//! acknowledged after the plain timeout. When the watchdog fires, the body
//! stream also fails at its next pull, so the connection is torn down
//! rather than left sending in the background (which would hold the
//! server's upload lock and get retries answered 423).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::Stream;

use crate::client::Client;
use crate::error::{Result, SyncError};

/// Size of the pieces a body is handed over in: small enough that one
/// piece crosses even a slow link well within the timeout.
pub(crate) const PIECE: usize = 64 << 10;

/// The slowest link (bytes per second) an upload's last bytes are expected
/// to drain over before the answer is overdue.
pub(crate) const DRAIN_FLOOR: u64 = 32 << 10;

#[derive(Debug)]
struct State {
    start: Instant,
    /// Milliseconds after `start` of the last sign of progress.
    last_ms: AtomicU64,
    /// Extra quiet time allowed once the whole body was handed over.
    drain_ms: AtomicU64,
    abort: AtomicBool,
}

/// Watches one request.
#[derive(Debug, Clone)]
pub(crate) struct Watchdog(Arc<State>);

impl Watchdog {
    pub(crate) fn new() -> Self {
        Self(Arc::new(State {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            drain_ms: AtomicU64::new(0),
            abort: AtomicBool::new(false),
        }))
    }

    fn touch(&self) {
        let now = self.0.start.elapsed().as_millis() as u64;
        self.0.last_ms.fetch_max(now, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.0.last_ms.load(Ordering::Relaxed));
        self.0.start.elapsed().saturating_sub(last)
    }

    /// A request body of `len` bytes from `pieces` that reports progress to
    /// this watchdog and counts the bytes it hands over in `live`.
    pub(crate) fn body<S>(&self, pieces: S, len: u64, live: Arc<AtomicU64>) -> reqwest::Body
    where
        S: Stream<Item = io::Result<Bytes>> + Send + Sync + 'static,
    {
        reqwest::Body::wrap_stream(WatchedBody {
            inner: Box::pin(pieces),
            watchdog: self.clone(),
            live,
            sent: 0,
            len,
        })
    }

    /// Run a request (send, check, read its answer) under the watchdog.
    pub(crate) async fn run<T>(
        &self,
        client: &Client,
        request: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let limit = client.timeouts().read;
        let tick = (limit / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        tokio::pin!(request);
        loop {
            tokio::select! {
                r = &mut request => return r,
                () = tokio::time::sleep(tick) => {
                    let drain = Duration::from_millis(self.0.drain_ms.load(Ordering::Relaxed));
                    if self.idle() >= limit + drain {
                        self.0.abort.store(true, Ordering::Relaxed);
                        return Err(SyncError::Unreachable {
                            url: client.base().to_string(),
                            detail: format!(
                                "the upload made no progress for {} s",
                                limit.as_secs_f32()
                            ),
                        });
                    }
                }
            }
        }
    }

    /// The answer arrived: reading it gets a fresh timeout.
    pub(crate) fn answered(&self) {
        self.touch();
    }
}

struct WatchedBody {
    inner: Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send + Sync>>,
    watchdog: Watchdog,
    live: Arc<AtomicU64>,
    sent: u64,
    len: u64,
}

impl Stream for WatchedBody {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.watchdog.0.abort.load(Ordering::Relaxed) {
            return Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the upload made no progress",
            ))));
        }
        // Being asked for more means the socket took what came before.
        self.watchdog.touch();
        let next = self.inner.as_mut().poll_next(cx);
        if let Poll::Ready(Some(Ok(piece))) = &next {
            self.live.fetch_add(piece.len() as u64, Ordering::Relaxed);
            self.sent += piece.len() as u64;
            // With a Content-Length the client stops asking after the last
            // byte (it never sees the end of the stream): the tail may drain.
            if self.sent >= self.len {
                let drain = self.sent.saturating_mul(1000) / DRAIN_FLOOR;
                self.watchdog.0.drain_ms.store(drain, Ordering::Relaxed);
            }
        }
        next
    }
}

/// `bytes` as a stream of [`PIECE`]-sized slices (no copies).
pub(crate) fn pieces(bytes: Bytes) -> impl Stream<Item = io::Result<Bytes>> + Send + Sync {
    let len = bytes.len();
    futures_util::stream::iter(
        (0..len)
            .step_by(PIECE)
            .map(move |at| Ok(bytes.slice(at..(at + PIECE).min(len)))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fires_only_after_a_quiet_spell() {
        let client = Client::new(
            "http://127.0.0.1:9",
            None,
            crate::Timeouts {
                connect: Duration::from_secs(1),
                read: Duration::from_millis(200),
            },
        )
        .unwrap();
        // Busy for longer than the timeout, but never quiet for that long.
        let dog = Watchdog::new();
        let busy = dog.clone();
        let long = async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                busy.answered();
            }
            Ok(7)
        };
        assert_eq!(dog.run(&client, long).await.unwrap(), 7);
        // Quiet for longer than the timeout: fails, and its body stops.
        let dog = Watchdog::new();
        let quiet = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        };
        let err = dog.run(&client, quiet).await.unwrap_err();
        assert!(err.to_string().contains("no progress"), "{err}");
        assert!(!err.is_permanent());
        assert!(dog.0.abort.load(Ordering::Relaxed));
    }

    #[tokio::test]
    async fn pieces_cover_the_bytes_in_order() {
        use futures_util::StreamExt;
        let data: Vec<u8> = (0..(PIECE * 2 + 5)).map(|i| i as u8).collect();
        let got: Vec<Bytes> = pieces(Bytes::from(data.clone()))
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(got.len(), 3);
        assert_eq!(got.concat(), data);
    }
}
