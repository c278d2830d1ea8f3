//! What the user sees about sync: what waits, what moves, what failed and
//! why, and when the last sync succeeded. Built from the library (so any
//! process can show it) plus the live byte counters of a running engine.

use debrief_library::{Direction, Library, Transfer};
use debrief_protocol::ClipId;
use serde::Serialize;

use crate::error::Result;
use crate::network::NetworkKind;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncStatus {
    pub joined: bool,
    pub server_url: Option<String>,
    pub team_name: Option<String>,
    /// Changes made here that the server does not have yet.
    pub pending_ops: u64,
    /// Files waiting to be uploaded (media and thumbnails).
    pub pending_uploads: u64,
    pub pending_upload_bytes: u64,
    /// Pinned clips whose media is not here yet.
    pub pending_downloads: u64,
    /// Transfers under way or interrupted, with their progress.
    pub transfers: Vec<TransferStatus>,
    /// Clips whose last attempt failed, and why.
    pub failed: Vec<FailedClip>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    /// Set while a sync round runs in this process.
    pub running: bool,
    pub network: Option<NetworkKind>,
    /// Media is held back because the network is metered.
    pub media_paused_metered: bool,
    /// The transfer moving right now in this process, with live progress.
    pub live: Option<LiveTransfer>,
    /// Notifications not read yet (new challenges, answers, comments,
    /// playbook clips, refused changes).
    pub unread_notifications: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveTransfer {
    pub direction: Direction,
    pub clip_id: ClipId,
    pub thumbnail: bool,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferStatus {
    pub direction: Direction,
    pub clip_id: ClipId,
    pub thumbnail: bool,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub permanent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedClip {
    pub clip_id: ClipId,
    pub title: String,
    pub error: String,
}

impl From<Transfer> for TransferStatus {
    fn from(t: Transfer) -> Self {
        Self {
            direction: t.direction,
            clip_id: t.clip_id,
            thumbnail: t.thumbnail,
            bytes_done: t.bytes_done,
            bytes_total: t.bytes_total,
            attempts: t.attempts,
            last_error: t.last_error,
            permanent: t.permanent,
        }
    }
}

/// The status as recorded in the library.
pub fn read_status(lib: &Library) -> Result<SyncStatus> {
    let account = lib.account()?;
    let uploads = lib.pending_uploads()?;
    Ok(SyncStatus {
        joined: account.is_some(),
        server_url: account.as_ref().map(|a| a.server_url.clone()),
        team_name: account.as_ref().map(|a| a.team_name.clone()),
        pending_ops: lib.outbox_len()?,
        pending_uploads: uploads.len() as u64,
        pending_upload_bytes: uploads.iter().map(|u| u.bytes).sum(),
        pending_downloads: lib.wanted_media()?.len() as u64,
        transfers: lib.transfers()?.into_iter().map(Into::into).collect(),
        failed: lib
            .failed_clips()?
            .into_iter()
            .map(|(clip_id, title, error)| FailedClip {
                clip_id,
                title,
                error,
            })
            .collect(),
        last_success: lib.note("last_success")?,
        last_error: lib.note("last_error")?,
        running: false,
        network: None,
        media_paused_metered: lib.note("media_paused_metered")?.is_some(),
        live: None,
        unread_notifications: lib.unread_counts()?.total,
    })
}

#[cfg(test)]
mod tests {
    use debrief_library::{Account, RemoteChallenge, RemoteChange};
    use debrief_protocol::{ChallengeId, DeviceId, Hlc};

    use super::*;

    #[test]
    fn the_status_counts_unread_notifications() {
        let dir = tempfile::tempdir().unwrap();
        let mut lib = Library::open(dir.path()).unwrap();
        assert_eq!(read_status(&lib).unwrap().unread_notifications, 0);
        lib.set_account(&Account {
            server_url: "http://127.0.0.1:1/".into(),
            team_id: "t".into(),
            team_name: "Sales".into(),
            member_id: "me".into(),
            display_name: "Riley".into(),
            role: "member".into(),
            device_name: "phone".into(),
        })
        .unwrap();
        let hlc = Hlc {
            wall_ms: 1,
            counter: 0,
            node: DeviceId::new(),
        };
        let challenge = |title: &str| {
            RemoteChange::Challenge(RemoteChallenge {
                id: ChallengeId::new(),
                title: title.into(),
                prompt: "How?".into(),
                due_at: None,
                max_answer_ms: None,
                author: "Max".into(),
                author_id: "boss".into(),
                created_hlc: hlc,
                updated_hlc: hlc,
                deleted: false,
            })
        };
        lib.apply_remote_changes(&[challenge("one"), challenge("two")], 2)
            .unwrap();
        assert_eq!(read_status(&lib).unwrap().unread_notifications, 2);
        let first = lib.notifications(true).unwrap()[0].id;
        lib.mark_read(Some(&[first][..])).unwrap();
        assert_eq!(read_status(&lib).unwrap().unread_notifications, 1);
    }
}
