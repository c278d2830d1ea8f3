//! Media garbage collection: content that no clip uses any more is deleted
//! after a grace period, by a background pass every
//! `media_gc_interval_secs` and on demand by `debrief-server gc`.
//!
//! What is kept: a team's access record to some content stays while any
//! live clip of that team uses the content (as `sha256` or
//! `thumbnail_sha256`), for the grace period after the last such clip was
//! deleted, and for the grace period after the team last uploaded it (a
//! device may upload media before it pushes the op that creates the clip).
//! The bytes stay while any team still has a record, since content is
//! stored once for all teams.
//!
//! How it is safe against uploads running at the same time, on one
//! instance or many: content is first *claimed* in the metadata store, in
//! the same transaction that sees no team record and no unfinished upload
//! of it; while the claim exists no upload of that content can start. Only
//! then are the bytes deleted, and then the claim dropped. A claim left
//! by a pass that died is finished by a later pass once it is
//! [`STALE_CLAIM_MS`] old. Blobs that no record names at all (a crash
//! between storing bytes and recording them) are found by listing the blob
//! store and go the same way once their grace period has passed.

use std::time::Duration;

use serde::Serialize;

use crate::AppState;
use crate::clock::now_ms;
use crate::store::{BlobClaim, BlobInfo, BlobStore, MetadataStore, ReleaseMedia, StoreResult};

/// Records (or blobs) handled per metadata transaction.
const BATCH: u32 = 500;
/// A claim this old belongs to a pass that stopped half-way.
pub const STALE_CLAIM_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, Copy)]
pub struct GcOptions {
    pub grace_ms: i64,
    /// "Now" for the pass (tests move it forward instead of waiting).
    pub now_ms: i64,
    /// Report what would be removed; change nothing.
    pub dry_run: bool,
}

impl GcOptions {
    pub fn new(grace_secs: u64, dry_run: bool) -> Self {
        Self {
            grace_ms: i64::try_from(grace_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
            now_ms: now_ms(),
            dry_run,
        }
    }
}

/// Why a file was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No clip of any team that had it uses it any more.
    Unreferenced,
    /// No team had a record of it at all.
    Orphan,
    /// An earlier pass claimed it and stopped before deleting it.
    Interrupted,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unreferenced => "unreferenced",
            Reason::Orphan => "orphan",
            Reason::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovedMedia {
    pub sha256: String,
    pub bytes: u64,
    pub reason: Reason,
}

/// What a pass removed (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GcReport {
    pub dry_run: bool,
    pub grace_secs: u64,
    /// Files deleted from the blob store.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// Team access records removed (content a team no longer uses, even
    /// where another team keeps the file).
    pub team_records: usize,
    pub removed: Vec<RemovedMedia>,
}

impl GcReport {
    fn new(opts: &GcOptions) -> Self {
        Self {
            dry_run: opts.dry_run,
            grace_secs: (opts.grace_ms / 1000) as u64,
            files: 0,
            bytes: 0,
            team_records: 0,
            removed: Vec::new(),
        }
    }

    fn add(&mut self, claim: BlobClaim, reason: Reason) {
        self.files += 1;
        self.bytes += claim.bytes;
        self.removed.push(RemovedMedia {
            sha256: claim.sha256,
            bytes: claim.bytes,
            reason,
        });
    }

    /// One line for people: "removed 2 media files (1.5 MiB) ...".
    pub fn summary(&self) -> String {
        format!(
            "{} {} media file{} ({}) and {} team access record{}; grace period {}",
            if self.dry_run {
                "would remove"
            } else {
                "removed"
            },
            self.files,
            if self.files == 1 { "" } else { "s" },
            human_bytes(self.bytes),
            self.team_records,
            if self.team_records == 1 { "" } else { "s" },
            human_secs(self.grace_secs),
        )
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}, {n} bytes", UNITS[unit])
}

fn human_secs(s: u64) -> String {
    match s {
        0 => "none".into(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// One pass over the stores.
pub async fn collect_media(
    meta: &dyn MetadataStore,
    blobs: &dyn BlobStore,
    opts: GcOptions,
) -> StoreResult<GcReport> {
    let mut report = GcReport::new(&opts);
    let cutoff_ms = opts.now_ms.saturating_sub(opts.grace_ms);
    let dry = opts.dry_run;
    if !dry {
        for claim in meta.blob_claims(opts.now_ms - STALE_CLAIM_MS).await? {
            delete_claimed(meta, blobs, &claim).await?;
            report.add(claim, Reason::Interrupted);
        }
    }
    let mut after = None;
    loop {
        let batch = meta
            .release_media(ReleaseMedia {
                cutoff_ms,
                now_ms: opts.now_ms,
                after,
                // A dry run writes nothing, so its batches could not see
                // each other: it decides everything in one.
                limit: if dry { u32::MAX } else { BATCH },
                dry_run: dry,
            })
            .await?;
        report.team_records += batch.records.len();
        for claim in batch.claims {
            if !dry {
                delete_claimed(meta, blobs, &claim).await?;
            }
            report.add(claim, Reason::Unreferenced);
        }
        match batch.next {
            Some(next) if !dry => after = Some(next),
            _ => break,
        }
    }
    let mut after: Option<String> = None;
    loop {
        let page = blobs.list(after.as_deref(), BATCH).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.sha256.clone());
        let full = page.len() == BATCH as usize;
        let old: Vec<BlobInfo> = page
            .into_iter()
            .filter(|b| b.modified_ms <= cutoff_ms)
            .collect();
        if !old.is_empty() {
            for claim in meta.claim_orphans(old, opts.now_ms, dry).await? {
                if !dry {
                    delete_claimed(meta, blobs, &claim).await?;
                }
                report.add(claim, Reason::Orphan);
            }
        }
        if !full {
            break;
        }
    }
    Ok(report)
}

async fn delete_claimed(
    meta: &dyn MetadataStore,
    blobs: &dyn BlobStore,
    claim: &BlobClaim,
) -> StoreResult<()> {
    blobs.delete(&claim.sha256).await?;
    meta.drop_blob_claim(&claim.sha256).await
}

/// Run a pass every `media_gc_interval_secs` (never when that is 0), until
/// the task is aborted.
pub async fn collect_media_loop(state: AppState) {
    let every = state.settings.media_gc_interval_secs;
    if every == 0 {
        return;
    }
    loop {
        tokio::time::sleep(Duration::from_secs(every)).await;
        let opts = GcOptions::new(state.settings.media_gc_grace_secs, false);
        match collect_media(state.meta.as_ref(), state.blobs.as_ref(), opts).await {
            Ok(r) if r.files == 0 && r.team_records == 0 => {}
            Ok(r) => tracing::info!(
                files = r.files,
                bytes = r.bytes,
                team_records = r.team_records,
                "deleted media that no clip uses any more"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "media garbage collection failed; retrying next interval")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_well() {
        let mut r = GcReport::new(&GcOptions {
            grace_ms: 7 * 86_400_000,
            now_ms: 0,
            dry_run: true,
        });
        assert_eq!(
            r.summary(),
            "would remove 0 media files (0 bytes) and 0 team access records; grace period 7d"
        );
        r.add(
            BlobClaim {
                sha256: "a".repeat(64),
                bytes: 1_572_864,
                claimed_ms: 0,
            },
            Reason::Orphan,
        );
        r.dry_run = false;
        r.team_records = 1;
        assert_eq!(
            r.summary(),
            "removed 1 media file (1.5 MiB, 1572864 bytes) and 1 team access record; grace period 7d"
        );
        assert_eq!(human_secs(90), "90s");
        assert_eq!(human_secs(7200), "2h");
    }
}
