//! Fixtures the blob stores' unit tests share: request bodies, reading a
//! stream back, and upload records.

use bytes::Bytes;
use futures_util::StreamExt;

use super::{ByteStream, StagedPart, UploadRecord};
use crate::ids::UploadId;

/// A request body of these chunks (an `Err` is a client that went away).
pub fn body(parts: Vec<std::io::Result<Bytes>>) -> ByteStream {
    Box::pin(futures_util::stream::iter(parts))
}

/// Everything a stream yields; panics on a read error.
pub async fn collect(mut s: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = s.next().await {
        out.extend_from_slice(&b.unwrap());
    }
    out
}

/// The record of an upload committed up to the end of its last part, or
/// up to `offset` when it has no parts (the folder store keeps none).
pub fn upload_record(id: &UploadId, offset: u64, parts: Vec<StagedPart>) -> UploadRecord {
    let offset = parts.last().map_or(offset, |p| p.end);
    UploadRecord {
        id: id.clone(),
        team_id: debrief_protocol::api::TeamId::new(),
        device_id: debrief_protocol::DeviceId::new(),
        length: offset,
        offset,
        sha256: String::new(),
        content_type: String::new(),
        clip_id: None,
        metadata: String::new(),
        created_ms: 0,
        expires_ms: 0,
        completed_ms: None,
        parts,
    }
}
