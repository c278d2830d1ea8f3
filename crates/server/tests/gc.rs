//! Media garbage collection against a real server: what is kept (media
//! waiting for its clip, media a live clip uses, media another team still
//! uses, media re-used by a new clip, content an upload is finishing) and
//! what goes after the grace period (unused uploads, deleted clips' media
//! and thumbnails, orphan blobs, claims of an interrupted pass). Passes
//! run with "now" moved forward instead of waiting days.

mod helpers;

use std::time::Duration;

use debrief_protocol::api::Role;
use debrief_protocol::{ClipId, OpBody, Visibility};
use debrief_server::Settings;
use debrief_server::clock::now_ms;
use debrief_server::gc::{GcOptions, GcReport, Reason, STALE_CLAIM_MS, collect_media};
use debrief_server::store::ReleaseMedia;
use helpers::{Device, TestServer, clip_created, media_bytes, metadata, sha256_hex};
use reqwest::{Method, StatusCode};

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;

/// A pass with the default one-week grace, `later_ms` from now.
async fn gc_at(srv: &TestServer, later_ms: i64, dry_run: bool) -> GcReport {
    let opts = GcOptions {
        grace_ms: WEEK_MS,
        now_ms: now_ms() + later_ms,
        dry_run,
    };
    collect_media(srv.meta().as_ref(), srv.state.blobs.as_ref(), opts)
        .await
        .unwrap()
}

async fn stored(srv: &TestServer, sha: &str) -> bool {
    srv.state.blobs.size(sha).await.unwrap().is_some()
}

async fn readable(dev: &Device, sha: &str) -> StatusCode {
    dev.request(Method::HEAD, &format!("/v1/media/{sha}"))
        .send()
        .await
        .unwrap()
        .status()
}

/// Upload `bytes` and return their hash.
async fn upload(dev: &Device, bytes: &[u8]) -> String {
    assert_eq!(dev.upload(bytes).await, StatusCode::CREATED);
    sha256_hex(bytes)
}

async fn create_clip(dev: &Device, sha: &str, thumbnail: Option<&str>) -> ClipId {
    let clip = ClipId::new();
    let mut body = clip_created(clip, sha, Visibility::Team);
    if let OpBody::ClipCreated {
        thumbnail_sha256, ..
    } = &mut body
    {
        *thumbnail_sha256 = thumbnail.map(str::to_string);
    }
    assert_eq!(dev.push_ok(&[dev.op(1, body)]).await, ["applied"]);
    clip
}

async fn delete_clip(dev: &Device, clip: ClipId) {
    let op = dev.op(2, OpBody::ClipDeleted { clip_id: clip });
    assert_eq!(dev.push_ok(&[op]).await, ["applied"]);
}

fn removed(report: &GcReport) -> Vec<(&str, Reason)> {
    report
        .removed
        .iter()
        .map(|m| (m.sha256.as_str(), m.reason))
        .collect()
}

#[tokio::test]
async fn uploads_wait_a_grace_period_for_their_clip_then_unused_ones_go() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let early = media_bytes(50_000, 1);
    let early_sha = upload(&dev, &early).await;
    let unused = media_bytes(70_000, 2);
    let unused_sha = upload(&dev, &unused).await;

    // Within the grace period nothing goes, clip or no clip.
    for later in [0, DAY_MS, WEEK_MS - 60_000] {
        let r = gc_at(&srv, later, false).await;
        assert!(r.removed.is_empty() && r.team_records == 0, "{r:?}");
    }
    // The clip arrives six days after its media: the media stays for good.
    create_clip(&dev, &early_sha, None).await;

    // A dry run reports the unused upload and changes nothing.
    let dry = gc_at(&srv, WEEK_MS + 60_000, true).await;
    assert!(dry.dry_run);
    assert_eq!(removed(&dry), [(unused_sha.as_str(), Reason::Unreferenced)]);
    assert_eq!((dry.files, dry.bytes, dry.team_records), (1, 70_000, 1));
    assert!(stored(&srv, &unused_sha).await);
    assert_eq!(readable(&dev, &unused_sha).await, StatusCode::OK);

    let r = gc_at(&srv, WEEK_MS + 60_000, false).await;
    assert_eq!(removed(&r), [(unused_sha.as_str(), Reason::Unreferenced)]);
    assert_eq!((r.files, r.bytes, r.team_records), (1, 70_000, 1));
    assert!(!stored(&srv, &unused_sha).await);
    assert_eq!(readable(&dev, &unused_sha).await, StatusCode::NOT_FOUND);
    assert_eq!(readable(&dev, &early_sha).await, StatusCode::OK);
    let much_later = gc_at(&srv, 100 * WEEK_MS, false).await;
    assert!(much_later.removed.is_empty(), "{much_later:?}");
    assert!(stored(&srv, &early_sha).await);
    // Removed content can be uploaded again.
    assert_eq!(upload(&dev, &unused).await, unused_sha);
    assert_eq!(readable(&dev, &unused_sha).await, StatusCode::OK);
}

#[tokio::test]
async fn a_deleted_clips_media_and_thumbnail_go_a_grace_period_after_the_delete() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let video = upload(&dev, &media_bytes(40_000, 3)).await;
    let thumb = upload(&dev, &media_bytes(2_000, 4)).await;
    let clip = create_clip(&dev, &video, Some(&thumb)).await;
    // Long after the uploads, both are in use: kept.
    assert!(gc_at(&srv, 3 * WEEK_MS, false).await.removed.is_empty());
    delete_clip(&dev, clip).await;
    // Six days after the delete: still kept.
    assert!(gc_at(&srv, 6 * DAY_MS, false).await.removed.is_empty());
    let r = gc_at(&srv, WEEK_MS + 60_000, false).await;
    let mut gone: Vec<&str> = r.removed.iter().map(|m| m.sha256.as_str()).collect();
    gone.sort();
    let mut want = [video.as_str(), thumb.as_str()];
    want.sort();
    assert_eq!(gone, want);
    assert_eq!((r.files, r.bytes, r.team_records), (2, 42_000, 2));
    assert!(!stored(&srv, &video).await && !stored(&srv, &thumb).await);
}

#[tokio::test]
async fn a_file_two_teams_hold_goes_only_when_neither_uses_it() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let bob = srv.device("Support", Role::Member, "Bob").await;
    let bytes = media_bytes(30_000, 5);
    let sha = upload(&ana, &bytes).await;
    assert_eq!(upload(&bob, &bytes).await, sha);
    let ana_clip = create_clip(&ana, &sha, None).await;
    let bob_clip = create_clip(&bob, &sha, None).await;
    delete_clip(&ana, ana_clip).await;

    // Sales no longer uses it: Sales loses access, the file stays for Support.
    let r = gc_at(&srv, WEEK_MS + 60_000, false).await;
    assert_eq!((r.files, r.team_records), (0, 1), "{r:?}");
    assert_eq!(readable(&ana, &sha).await, StatusCode::NOT_FOUND);
    assert_eq!(readable(&bob, &sha).await, StatusCode::OK);
    let got = bob
        .get(&format!("/v1/media/{sha}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got, bytes);

    delete_clip(&bob, bob_clip).await;
    let r = gc_at(&srv, WEEK_MS + 60_000, false).await;
    assert_eq!(removed(&r), [(sha.as_str(), Reason::Unreferenced)]);
    assert_eq!(r.team_records, 1);
    assert!(!stored(&srv, &sha).await);
}

#[tokio::test]
async fn media_a_new_clip_uses_again_after_a_delete_is_kept() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let sha = upload(&dev, &media_bytes(20_000, 6)).await;
    let first = create_clip(&dev, &sha, None).await;
    delete_clip(&dev, first).await;
    create_clip(&dev, &sha, None).await;
    let r = gc_at(&srv, 10 * WEEK_MS, false).await;
    assert!(r.removed.is_empty() && r.team_records == 0, "{r:?}");
    assert_eq!(readable(&dev, &sha).await, StatusCode::OK);
}

#[tokio::test]
async fn unfinished_uploads_and_claims_keep_uploads_and_deletes_apart() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(10_000, 7);
    let sha = upload(&dev, &bytes).await;
    // Someone is uploading the same content again, unfinished: its last
    // record stays, since that upload will end up using the file.
    let again = dev
        .request(Method::POST, "/v1/uploads")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", metadata(&sha, "video/mp4"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let r = gc_at(&srv, 2 * WEEK_MS, false).await;
    assert!(r.removed.is_empty() && r.team_records == 0, "{r:?}");
    let loc = again.headers()["location"].to_str().unwrap().to_string();
    let gone = dev
        .request(Method::DELETE, &loc)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);

    // A pass that claimed the content and died before deleting it: uploads
    // of that content wait (503, retry) rather than finish into a file that
    // is about to disappear.
    let later = now_ms() + 2 * WEEK_MS;
    let released = srv
        .meta()
        .release_media(ReleaseMedia {
            cutoff_ms: later - WEEK_MS,
            now_ms: later,
            after: None,
            limit: 100,
            dry_run: false,
        })
        .await
        .unwrap();
    assert_eq!(released.claims.len(), 1);
    assert!(stored(&srv, &sha).await);
    let busy = dev
        .request(Method::POST, "/v1/uploads")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", metadata(&sha, "video/mp4"))
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.headers()["retry-after"], "5");
    let (_, kind, message) = helpers::error_of(busy).await;
    assert_eq!(kind, "busy");
    assert!(
        message.contains("retry the upload in a few seconds"),
        "{message}"
    );
    // A fresh claim may belong to a pass still running: left alone.
    assert!(gc_at(&srv, 2 * WEEK_MS, false).await.removed.is_empty());
    // Once stale, the next pass finishes it, and uploads work again.
    let r = gc_at(&srv, 2 * WEEK_MS + STALE_CLAIM_MS, false).await;
    assert_eq!(removed(&r), [(sha.as_str(), Reason::Interrupted)]);
    assert!(!stored(&srv, &sha).await);
    assert_eq!(upload(&dev, &bytes).await, sha);
    assert_eq!(readable(&dev, &sha).await, StatusCode::OK);
}

#[tokio::test]
async fn blobs_no_record_names_go_after_the_grace_period() {
    let srv = TestServer::start().await;
    let bytes = bytes::Bytes::from(media_bytes(5_000, 8));
    let sha = sha256_hex(&bytes);
    // Bytes stored without a record, as a crash between the two leaves them.
    let body: debrief_server::store::ByteStream =
        Box::pin(futures_util::stream::iter([Ok(bytes.clone())]));
    srv.state.blobs.put(&sha, body).await.unwrap();
    assert!(gc_at(&srv, DAY_MS, false).await.removed.is_empty());
    let dry = gc_at(&srv, WEEK_MS + 60_000, true).await;
    assert_eq!(removed(&dry), [(sha.as_str(), Reason::Orphan)]);
    assert!(stored(&srv, &sha).await);
    let r = gc_at(&srv, WEEK_MS + 60_000, false).await;
    assert_eq!(removed(&r), [(sha.as_str(), Reason::Orphan)]);
    assert_eq!((r.files, r.bytes, r.team_records), (1, 5_000, 0));
    assert!(!stored(&srv, &sha).await);
}

#[tokio::test]
async fn the_server_collects_in_the_background() {
    let settings = Settings {
        media_gc_interval_secs: 1,
        media_gc_grace_secs: 0,
        ..Settings::default()
    };
    let srv = TestServer::start_with(settings).await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    // The clip first, then its media: in use from the moment it lands.
    let used = media_bytes(8_000, 9);
    create_clip(&dev, &sha256_hex(&used), None).await;
    let used_sha = upload(&dev, &used).await;
    let unused_sha = upload(&dev, &media_bytes(9_000, 10)).await;
    let mut gone = false;
    for _ in 0..100 {
        if !stored(&srv, &unused_sha).await {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the background pass did not remove unused media");
    assert!(stored(&srv, &used_sha).await);
    assert_eq!(readable(&dev, &used_sha).await, StatusCode::OK);
}
