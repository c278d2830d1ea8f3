//! The writer thread: appends what the muxer emits, one fsync per fragment,
//! watches free space, and finalises the file when the pipeline is done.
//!
//! It runs apart from encoding so that a slow fsync (phones' flash can take
//! tens of milliseconds) never makes the camera drop frames; the channel
//! between them is bounded (a few fragments), so memory stays bounded too.
//! When a write fails (a full disk), the torn append is cut off at once, the
//! pipeline is asked to end, and later output is read and dropped (so the
//! pipeline never blocks) until it closes the channel. The file then holds
//! every fragment that was written whole, and is finalised as usual.

use std::sync::Arc;

use crossbeam_channel::Receiver;

use super::error::StopReason;
use super::mp4::{RecordingFile, is_disk_full};
use super::muxer::MuxOutput;
use super::shared::Shared;

/// What the writer did.
#[derive(Debug)]
pub(crate) struct WriterEnd {
    /// Why writing stopped early, if it did.
    pub stop: Option<StopReason>,
    pub fragments: u64,
    pub bytes: u64,
}

pub(crate) fn run_writer(
    mut file: RecordingFile,
    from_muxer: Receiver<MuxOutput>,
    shared: Arc<Shared>,
    min_free_bytes: u64,
) -> WriterEnd {
    let mut stop: Option<StopReason> = None;
    let mut fragments = 0;
    for output in from_muxer {
        if stop.is_some() || shared.wants_discard() {
            continue;
        }
        let result = match &output {
            MuxOutput::Init(moov) => file.append(&[moov]),
            MuxOutput::Fragment(fragment) => file.append(&fragment.parts()),
        };
        match result {
            Ok(()) => {
                fragments += u64::from(matches!(output, MuxOutput::Fragment(_)));
                let bytes = file.len();
                shared.update_status(|s| s.bytes_written = bytes);
                if min_free_bytes > 0 && free_space_below(&file, min_free_bytes) {
                    stop = Some(StopReason::LowDiskSpace);
                }
            }
            Err(err) if is_disk_full(&err) => stop = Some(StopReason::DiskFull),
            Err(err) => {
                stop = Some(StopReason::WriteFailed {
                    message: err.to_string(),
                });
            }
        }
        if let Some(reason) = &stop {
            tracing::warn!(?reason, path = %file.path().display(), "recording stops early");
            shared.writer_asks_stop(reason.clone());
        }
    }
    WriterEnd {
        stop,
        fragments,
        bytes: file.len(),
    }
}

fn free_space_below(file: &RecordingFile, min_free_bytes: u64) -> bool {
    let folder = file.path().parent().unwrap_or(file.path());
    match fs4::available_space(folder) {
        Ok(free) => free < min_free_bytes,
        // Not knowing is no reason to stop; a full disk still shows as ENOSPC.
        Err(_) => false,
    }
}
