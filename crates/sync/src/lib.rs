//! The device's sync engine. It talks to the team server (`debrief-server`)
//! and keeps this device's library in step with the team: see [`engine`]
//! for the order of a round and its guarantees, [`tus`] for resumable
//! uploads, [`download`] for verified resumable downloads and [`network`]
//! for the metered-network policy.

pub mod background;
pub mod client;
mod convert;
pub mod download;
pub mod engine;
pub mod error;
pub mod network;
pub mod retry;
pub mod status;
pub mod token;
pub mod tus;
mod watchdog;

pub use background::{LoopTiming, RoundOutcome, SyncLoop, Trigger};
pub use client::{Client, Timeouts, Token};
pub use engine::{ItemFailure, SyncEngine, SyncOptions, SyncReport, join, leave};
pub use error::{Result, SyncError};
pub use network::{NetworkKind, NetworkSource};
pub use retry::RetryPolicy;
pub use status::{LiveTransfer, SyncStatus, read_status};
pub use tus::UploadOptions;
