//! tus uploads and media downloads over HTTP, with every bad input the
//! issue lists, each checked to leave nothing behind.

mod helpers;

use debrief_protocol::api::Role;
use debrief_server::Settings;
use helpers::{Device, TestServer, b64, error_of, media_bytes, metadata, sha256_hex};
use reqwest::{Method, StatusCode};
use sha1::Digest;

async fn create(dev: &Device, len: usize, sha: &str) -> reqwest::Response {
    dev.request(Method::POST, "/v1/uploads")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header("Upload-Metadata", metadata(sha, "video/mp4"))
        .send()
        .await
        .unwrap()
}

async fn location(dev: &Device, bytes: &[u8]) -> String {
    let resp = create(dev, bytes.len(), &sha256_hex(bytes)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()["tus-resumable"], "1.0.0");
    assert!(resp.headers().contains_key("upload-expires"));
    resp.headers()["location"].to_str().unwrap().to_string()
}

async fn patch(
    dev: &Device,
    loc: &str,
    offset: u64,
    chunk: &[u8],
    checksum: Option<String>,
) -> reqwest::Response {
    let mut req = dev
        .request(Method::PATCH, loc)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(chunk.to_vec());
    if let Some(c) = checksum {
        req = req.header("Upload-Checksum", c);
    }
    req.send().await.unwrap()
}

async fn offset_of(dev: &Device, loc: &str) -> Result<u64, StatusCode> {
    let resp = dev
        .request(Method::HEAD, loc)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    if resp.status() != StatusCode::OK {
        return Err(resp.status());
    }
    assert_eq!(resp.headers()["cache-control"], "no-store");
    Ok(resp.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap())
}

fn sha1_b64(chunk: &[u8]) -> String {
    format!(
        "sha1 {}",
        data_encoding::BASE64.encode(&sha1::Sha1::digest(chunk))
    )
}

async fn download(dev: &Device, sha: &str) -> Vec<u8> {
    let resp = dev.get(&format!("/v1/media/{sha}")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn chunked_upload_with_checksums_then_ranged_download() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(300_000, 1);
    let sha = sha256_hex(&bytes);
    let media = format!("/v1/media/{sha}");
    assert_eq!(
        dev.request(Method::HEAD, &media)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let loc = location(&dev, &bytes).await;
    let mut offset = 0u64;
    for (i, chunk) in bytes.chunks(100_000).enumerate() {
        let sum = if i % 2 == 0 {
            Some(sha1_b64(chunk))
        } else {
            Some(format!(
                "sha256 {}",
                data_encoding::BASE64.encode(&sha2::Sha256::digest(chunk))
            ))
        };
        let resp = patch(&dev, &loc, offset, chunk, sum).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        offset += chunk.len() as u64;
        assert_eq!(resp.headers()["upload-offset"], offset.to_string().as_str());
    }
    // Done: HEAD of the upload says complete; the media is there.
    assert_eq!(offset_of(&dev, &loc).await, Ok(bytes.len() as u64));
    let head = dev.request(Method::HEAD, &media).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], "300000");
    assert_eq!(download(&dev, &sha).await, bytes);
    let ranged = dev
        .get(&media)
        .header("Range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.headers()["content-range"], "bytes 1000-1999/300000");
    assert_eq!(ranged.headers()["content-type"], "video/mp4");
    assert_eq!(ranged.headers()["etag"], format!("\"{sha}\"").as_str());
    assert_eq!(ranged.bytes().await.unwrap(), &bytes[1000..2000]);
    let tail = dev
        .get(&media)
        .header("Range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.bytes().await.unwrap(), &bytes[bytes.len() - 10..]);
    let stale = dev
        .get(&media)
        .header("Range", "bytes=0-9")
        .header("If-Range", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        StatusCode::OK,
        "If-Range mismatch sends the whole file"
    );
    let fresh = dev
        .get(&media)
        .header("Range", "bytes=0-9")
        .header("If-Range", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::PARTIAL_CONTENT);
    let cached = dev
        .get(&media)
        .header("If-None-Match", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    let past = dev
        .get(&media)
        .header("Range", "bytes=300000-")
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(past.headers()["content-range"], "bytes */300000");
    assert_eq!(srv.staged_uploads().await, 0);
}

#[tokio::test]
async fn offset_mismatch_is_409_and_wrong_content_type_415_leaving_the_offset() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(1000, 2);
    let loc = location(&dev, &bytes).await;
    assert_eq!(
        patch(&dev, &loc, 0, &bytes[..400], None).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, kind, msg) = error_of(patch(&dev, &loc, 100, &bytes[100..200], None).await).await;
    assert_eq!((status, kind.as_str()), (StatusCode::CONFLICT, "conflict"));
    assert!(msg.contains("is at offset 400"), "{msg}");
    let resp = dev
        .request(Method::PATCH, &loc)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "400")
        .header("Content-Type", "application/octet-stream")
        .body(bytes[400..].to_vec())
        .send()
        .await
        .unwrap();
    let (status, _, msg) = error_of(resp).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(msg.contains("application/offset+octet-stream"), "{msg}");
    assert_eq!(offset_of(&dev, &loc).await, Ok(400));
    let missing = dev
        .request(Method::PATCH, &loc)
        .header("Upload-Offset", "400")
        .send()
        .await
        .unwrap();
    assert_eq!(
        missing.status(),
        StatusCode::PRECONDITION_FAILED,
        "no Tus-Resumable"
    );
    assert_eq!(missing.headers()["tus-version"], "1.0.0");
    assert_eq!(
        patch(&dev, &loc, 400, &bytes[400..], None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(download(&dev, &sha256_hex(&bytes)).await, bytes);
}

#[tokio::test]
async fn checksum_mismatch_is_460_and_discards_the_chunk() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(1000, 3);
    let loc = location(&dev, &bytes).await;
    patch(&dev, &loc, 0, &bytes[..500], Some(sha1_b64(&bytes[..500]))).await;
    let (status, kind, msg) =
        error_of(patch(&dev, &loc, 500, &bytes[500..], Some(sha1_b64(b"other"))).await).await;
    assert_eq!((status.as_u16(), kind.as_str()), (460, "checksum_mismatch"));
    assert!(msg.contains("stays at offset 500"), "{msg}");
    assert_eq!(offset_of(&dev, &loc).await, Ok(500));
    let staged = srv.staged_bytes(loc.rsplit('/').next().unwrap()).await;
    assert_eq!(staged, 500, "the discarded chunk left no bytes");
    let (status, _, msg) =
        error_of(patch(&dev, &loc, 500, &bytes[500..], Some("md5 AAAA".into())).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("use sha1 or sha256"), "{msg}");
    assert_eq!(
        patch(
            &dev,
            &loc,
            500,
            &bytes[500..],
            Some(sha1_b64(&bytes[500..]))
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(download(&dev, &sha256_hex(&bytes)).await, bytes);
}

#[tokio::test]
async fn oversize_uploads_are_413_before_and_during_the_body() {
    let settings = Settings {
        max_upload_bytes: 10_000,
        ..Settings::default()
    };
    let srv = TestServer::start_with(settings).await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let (status, kind, msg) = error_of(create(&dev, 10_001, &"a".repeat(64)).await).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    );
    assert!(msg.contains("at most 10000 bytes"), "{msg}");
    let opts = reqwest::Client::new()
        .request(Method::OPTIONS, dev.url("/v1/uploads"))
        .send()
        .await
        .unwrap();
    assert_eq!(opts.status(), StatusCode::NO_CONTENT);
    assert_eq!(opts.headers()["tus-max-size"], "10000");
    assert_eq!(opts.headers()["tus-checksum-algorithm"], "sha1,sha256");
    assert!(
        opts.headers()["tus-extension"]
            .to_str()
            .unwrap()
            .contains("creation-with-upload")
    );
    // A body longer than what remains is refused and leaves the offset.
    let bytes = media_bytes(100, 4);
    let loc = location(&dev, &bytes).await;
    patch(&dev, &loc, 0, &bytes[..50], None).await;
    let (status, _, _) = error_of(patch(&dev, &loc, 50, &media_bytes(80, 4), None).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(offset_of(&dev, &loc).await, Ok(50));
    // Also when the client hides the length (chunked transfer encoding).
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from(
        media_bytes(80, 4),
    ))]);
    let resp = dev
        .request(Method::PATCH, &loc)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "50")
        .header("Content-Type", "application/offset+octet-stream")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(offset_of(&dev, &loc).await, Ok(50));
}

#[tokio::test]
async fn bad_hashes_and_ids_are_refused_before_touching_any_path() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    for bad in [
        "abc",
        &"A".repeat(64),
        &"a".repeat(65),
        "../../../../etc/passwd",
    ] {
        let (status, _, msg) = error_of(create(&dev, 10, bad).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(msg.contains("not a SHA-256 digest"), "{msg}");
    }
    let no_sha = dev
        .request(Method::POST, "/v1/uploads")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .header(
            "Upload-Metadata",
            format!("content_type {}", b64("video/mp4")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(no_sha).await.0, StatusCode::BAD_REQUEST);
    for bad in [
        "..%2F..%2Fserver.sqlite3",
        "%2E%2E%2Fx",
        &"A".repeat(32),
        "0123",
    ] {
        for method in [Method::HEAD, Method::PATCH, Method::DELETE] {
            let resp = dev
                .request(method.clone(), &format!("/v1/uploads/{bad}"))
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Offset", "0")
                .header("Content-Type", "application/offset+octet-stream")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{method} {bad}");
        }
    }
    for bad in ["..%2F..%2Fserver.sqlite3", "abc", &"a".repeat(63)] {
        let (status, _, msg) =
            error_of(dev.get(&format!("/v1/media/{bad}")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(msg.contains("64 lowercase hex"), "{msg}");
    }
    assert_eq!(
        srv.meta()
            .expired_uploads(i64::MAX, 10)
            .await
            .unwrap()
            .len(),
        0,
        "no upload was created"
    );
    assert_eq!(srv.staged_uploads().await, 0);
}

#[tokio::test]
async fn a_whole_file_hash_mismatch_stores_nothing() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(2000, 5);
    let lie = sha256_hex(b"something else");
    let resp = create(&dev, bytes.len(), &lie).await;
    let loc = resp.headers()["location"].to_str().unwrap().to_string();
    patch(&dev, &loc, 0, &bytes[..1000], None).await;
    let (status, kind, msg) = error_of(patch(&dev, &loc, 1000, &bytes[1000..], None).await).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "content_mismatch")
    );
    assert!(
        msg.contains(&sha256_hex(&bytes)) && msg.contains("nothing was stored"),
        "{msg}"
    );
    assert_eq!(offset_of(&dev, &loc).await, Err(StatusCode::NOT_FOUND));
    for sha in [lie, sha256_hex(&bytes)] {
        let head = dev
            .request(Method::HEAD, &format!("/v1/media/{sha}"))
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(
        (srv.stored_blobs().await, srv.staged_uploads().await),
        (0, 0)
    );
}

#[tokio::test]
async fn another_teams_uploads_and_media_are_404_like_missing_ones() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let eve = srv.device("Rivals", Role::Admin, "Eve").await;
    let bytes = media_bytes(1000, 6);
    let sha = sha256_hex(&bytes);
    assert_eq!(ana.upload(&bytes).await, StatusCode::CREATED);
    let partial = location(&ana, &media_bytes(10, 7)).await;
    let missing_upload = format!("/v1/uploads/{}", "0".repeat(32));
    let missing_sha = "0".repeat(64);
    let probe = |path: String, method: Method| {
        eve.request(method, &path)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .send()
    };
    for (theirs, missing) in [(partial.clone(), missing_upload.clone())] {
        for m in [Method::PATCH, Method::DELETE] {
            let a = error_of(probe(theirs.clone(), m.clone()).await.unwrap()).await;
            let b = error_of(probe(missing.clone(), m.clone()).await.unwrap()).await;
            assert_eq!(a.0, StatusCode::NOT_FOUND);
            assert_eq!((a.0, a.1), (b.0, b.1));
        }
        assert_eq!(
            probe(theirs, Method::HEAD).await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
    }
    for m in [Method::HEAD, Method::GET] {
        let a = probe(format!("/v1/media/{sha}"), m.clone())
            .await
            .unwrap()
            .status();
        let b = probe(format!("/v1/media/{missing_sha}"), m)
            .await
            .unwrap()
            .status();
        assert_eq!((a, b), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    }
    // Ana's partial upload is untouched by Eve's attempts.
    assert_eq!(offset_of(&ana, &partial).await, Ok(0));
    // Eve uploading the same content gets access; the bytes are stored once.
    assert_eq!(eve.upload(&bytes).await, StatusCode::CREATED);
    assert_eq!(download(&eve, &sha).await, bytes);
    assert_eq!(ana.upload(&bytes).await, StatusCode::CREATED);
    assert_eq!(srv.stored_blobs().await, 1);
}

#[tokio::test]
async fn termination_and_expiry_remove_partial_uploads() {
    let settings = Settings {
        upload_expiry_secs: 1,
        ..Settings::default()
    };
    let srv = TestServer::start_with(settings).await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(100, 8);
    let loc = location(&dev, &bytes).await;
    patch(&dev, &loc, 0, &bytes[..10], None).await;
    let del = dev
        .request(Method::DELETE, &loc)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&dev, &loc).await, Err(StatusCode::NOT_FOUND));
    assert_eq!(srv.staged_uploads().await, 0);

    let stale = location(&dev, &bytes).await;
    patch(&dev, &stale, 0, &bytes[..10], None).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(offset_of(&dev, &stale).await, Err(StatusCode::GONE));
    let removed = debrief_server::cleanup::clean_expired(&srv.state)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(offset_of(&dev, &stale).await, Err(StatusCode::NOT_FOUND));
    assert_eq!(srv.staged_uploads().await, 0);
}

#[tokio::test]
async fn an_empty_file_and_a_lost_final_response_are_handled() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    assert_eq!(dev.upload(b"").await, StatusCode::CREATED);
    assert_eq!(download(&dev, &sha256_hex(b"")).await, b"");
    // Re-sending the last chunk after completion: the offset says done.
    let bytes = media_bytes(100, 9);
    let loc = location(&dev, &bytes).await;
    patch(&dev, &loc, 0, &bytes, None).await;
    let again = patch(&dev, &loc, 0, &bytes, None).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(
        patch(&dev, &loc, 100, b"", None).await.status(),
        StatusCode::NO_CONTENT
    );
}
