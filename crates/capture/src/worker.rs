//! The thread that owns one device, and the handle that stops it.
//!
//! Every running capture is one thread that opens the device, produces items
//! into a bounded channel and closes the device when it ends; nothing else
//! touches the device (some platforms' camera handles are not even `Send`).
//!
//! Stopping is two-phase so the tail of a stream is never lost: dropping the
//! stop sender tells the thread to finish; the thread flushes what it holds
//! (e.g. the last partial audio chunk), then returns, which drops its item
//! sender and so disconnects the channel. Whoever stops the capture drains the
//! channel until it disconnects and only then joins, so a thread blocked on a
//! full channel can always finish. Invariant: `stop` never deadlocks and
//! never leaves the thread running.

use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, select};

use crate::error::CaptureError;

/// The device thread's view of the stop request.
#[derive(Debug)]
pub(crate) struct StopSignal(Receiver<()>);

/// What happened to an item handed to [`StopSignal::send`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sent {
    Delivered,
    /// Stop was requested while waiting for room; the item was discarded.
    Stopped,
    /// Every receiver is gone; nobody will read more.
    Disconnected,
}

impl StopSignal {
    pub(crate) fn is_set(&self) -> bool {
        matches!(self.0.try_recv(), Err(TryRecvError::Disconnected))
    }

    /// Sleep for up to `d`, waking at once on a stop request. True if stopped.
    pub(crate) fn wait(&self, d: Duration) -> bool {
        matches!(self.0.recv_timeout(d), Err(RecvTimeoutError::Disconnected))
    }

    /// Send, waiting while the channel is full, unless stop is requested.
    pub(crate) fn send<T>(&self, tx: &Sender<T>, item: T) -> Sent {
        select! {
            send(tx, item) -> res => match res {
                Ok(()) => Sent::Delivered,
                Err(_) => Sent::Disconnected,
            },
            recv(self.0) -> _ => Sent::Stopped,
        }
    }

    /// For `select!` in device loops that wait on other channels too.
    pub(crate) fn receiver(&self) -> &Receiver<()> {
        &self.0
    }
}

/// How a device thread reports the outcome of opening its device.
#[derive(Debug)]
pub(crate) struct Opening<R>(Sender<Result<R, CaptureError>>);

impl<R> Opening<R> {
    /// Report the outcome; an error is also returned, to end the thread with.
    pub(crate) fn report(self, outcome: Result<R, CaptureError>) -> Result<(), CaptureError> {
        let err = outcome.as_ref().err().cloned();
        let _ = self.0.send(outcome);
        err.map_or(Ok(()), Err)
    }
}

/// A running device thread producing `T`s.
#[derive(Debug)]
pub(crate) struct Worker<T> {
    device: String,
    items: Receiver<T>,
    stop_tx: Mutex<Option<Sender<()>>>,
    thread: Option<JoinHandle<Result<(), CaptureError>>>,
}

impl<T: Send + 'static> Worker<T> {
    /// Start `body` on its own named thread. `body` gets the stop signal and
    /// the item sender; it returns when stopped, or with the error that ended
    /// the capture.
    pub(crate) fn spawn<F>(device: String, capacity: usize, body: F) -> Result<Self, CaptureError>
    where
        F: FnOnce(StopSignal, Sender<T>) -> Result<(), CaptureError> + Send + 'static,
    {
        let (tx, items) = crossbeam_channel::bounded(capacity);
        let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
        let thread = std::thread::Builder::new()
            .name(format!("capture {device}"))
            .spawn(move || body(StopSignal(stop_rx), tx))
            .map_err(|e| CaptureError::Device {
                device: device.clone(),
                detail: format!("cannot start its capture thread: {e}"),
            })?;
        Ok(Self {
            device,
            items,
            stop_tx: Mutex::new(Some(stop_tx)),
            thread: Some(thread),
        })
    }

    /// Like [`Worker::spawn`] for devices opened on the thread itself: `body`
    /// reports through its third argument whether opening worked (and what it
    /// opened), and this waits for that before returning. If opening fails,
    /// the thread is joined and the error returned.
    pub(crate) fn spawn_opening<R, F>(
        device: String,
        capacity: usize,
        body: F,
    ) -> Result<(Self, R), CaptureError>
    where
        R: Send + 'static,
        F: FnOnce(StopSignal, Sender<T>, Opening<R>) -> Result<(), CaptureError> + Send + 'static,
    {
        let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
        let mut worker = Self::spawn(device, capacity, move |stop, tx| {
            body(stop, tx, Opening(ready_tx))
        })?;
        match ready_rx.recv() {
            Ok(Ok(opened)) => Ok((worker, opened)),
            Ok(Err(e)) => {
                let _ = worker.stop();
                Err(e)
            }
            // The thread ended (or panicked) without saying.
            Err(_) => Err(worker.stop().err().unwrap_or_else(|| CaptureError::Device {
                device: worker.device.clone(),
                detail: "its capture thread ended before opening it".into(),
            })),
        }
    }

    pub(crate) fn device(&self) -> &str {
        &self.device
    }

    pub(crate) fn items(&self) -> &Receiver<T> {
        &self.items
    }

    pub(crate) fn request_stop(&self) {
        // A poisoned lock only means another thread panicked while taking the
        // sender; taking it again is still right.
        let mut guard = match self.stop_tx.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.take();
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stop, discard whatever is still queued, join, and report how the
    /// thread ended. Idempotent: a second call returns `Ok(())`.
    pub(crate) fn stop(&mut self) -> Result<(), CaptureError> {
        self.request_stop();
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        // Drain until every sender is gone: the thread may be blocked on a
        // full channel while flushing.
        while self.items.recv().is_ok() {}
        match thread.join() {
            Ok(result) => result,
            Err(panic) => Err(CaptureError::ThreadPanicked {
                device: self.device.clone(),
                detail: panic_message(panic.as_ref()),
            }),
        }
    }
}

impl<T> Drop for Worker<T> {
    fn drop(&mut self) {
        if let Ok(mut guard) = self.stop_tx.lock() {
            guard.take();
        }
        if let Some(thread) = self.thread.take() {
            while self.items.recv().is_ok() {}
            match thread.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(device = %self.device, "capture ended with: {e}"),
                Err(_) => tracing::error!(device = %self.device, "capture thread panicked"),
            }
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_unblocks_a_thread_waiting_on_a_full_channel_and_keeps_its_result() {
        let mut worker = Worker::spawn("test".into(), 1, |stop, tx| {
            let mut n = 0u32;
            while stop.send(&tx, n) == Sent::Delivered {
                n += 1;
            }
            // Flushing after stop: a plain blocking send must still complete.
            tx.send(u32::MAX).expect("stop drains the channel");
            Err(CaptureError::InvalidConfig(format!("ended after {n}")))
        })
        .unwrap();
        assert_eq!(worker.items().recv().unwrap(), 0);
        let result = worker.stop();
        assert!(
            matches!(&result, Err(CaptureError::InvalidConfig(m)) if m.starts_with("ended after")),
            "{result:?}"
        );
        assert!(worker.is_finished());
        assert_eq!(worker.stop(), Ok(()), "second stop is a no-op");
    }

    #[test]
    fn a_panicking_thread_is_reported_not_propagated() {
        let mut worker = Worker::<u8>::spawn("boom".into(), 1, |_, _| panic!("kaboom")).unwrap();
        let err = worker.stop().unwrap_err();
        assert_eq!(
            err,
            CaptureError::ThreadPanicked {
                device: "boom".into(),
                detail: "kaboom".into()
            }
        );
    }

    #[test]
    fn wait_returns_early_on_stop() {
        let worker = Worker::<u8>::spawn("sleeper".into(), 1, |stop, _| {
            if stop.wait(Duration::from_secs(30)) {
                Ok(())
            } else {
                Err(CaptureError::InvalidConfig("not woken".into()))
            }
        })
        .unwrap();
        let started = std::time::Instant::now();
        drop(worker);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
