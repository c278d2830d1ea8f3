//! The live preview over a real socket: a stand-in recording whose pictures
//! are real 720p I420 frames encoded by `debrief-media`'s preview encoder,
//! so what a test decodes is what the app's webview receives.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use debrief_capture::VideoFrame;
use debrief_mediaserver::{LivePreview, MediaServer, PreviewFrame, PreviewState, ServeDirs};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A recording in progress as the preview sees it: on or off, and the
/// number of the newest frame (which also sets its brightness).
#[derive(Default)]
struct FakeRecording {
    state: Mutex<Option<u64>>,
}

impl FakeRecording {
    fn set(&self, frame: Option<u64>) {
        *self.state.lock().unwrap() = frame;
    }
}

/// A 1280x720 frame whose luma is `16 + 20 * seq` (capped at white).
fn frame(seq: u64) -> VideoFrame {
    let luma = 1280 * 720;
    let y = (16 + 20 * seq).min(235) as u8;
    let mut data = vec![y; luma];
    data.extend(std::iter::repeat_n(128u8, luma / 2));
    VideoFrame::from_i420(1280, 720, data, Duration::ZERO, seq).unwrap()
}

impl LivePreview for FakeRecording {
    fn state(&self) -> PreviewState {
        match *self.state.lock().unwrap() {
            None => PreviewState::Off,
            Some(seq) => PreviewState::Frame(seq),
        }
    }

    fn jpeg(&self) -> Option<PreviewFrame> {
        let seq = (*self.state.lock().unwrap())?;
        let image = debrief_media::preview::preview_jpeg(&frame(seq)).unwrap();
        Some(PreviewFrame {
            seq,
            jpeg: image.jpeg.into(),
        })
    }
}

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

/// One raw HTTP/1.0 exchange (so a streamed body is delimited by the
/// connection closing, not chunked).
async fn request(addr: SocketAddr, method: &str, path: &str, host: &str) -> Reply {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("{method} {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(buf[..split].to_vec()).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        head: head.to_ascii_lowercase(),
        body: buf[split + 4..].to_vec(),
    }
}

async fn get(server: &MediaServer, path: &str) -> Reply {
    request(server.addr(), "GET", path, &server.addr().to_string()).await
}

fn path_of(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    rest[rest.find('/').unwrap()..].to_string()
}

fn decode(jpeg: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .expect("a decodable JPEG")
        .to_rgb8()
}

async fn start() -> (tempfile::TempDir, Arc<FakeRecording>, MediaServer) {
    let dir = tempfile::tempdir().unwrap();
    let recording = Arc::new(FakeRecording::default());
    let server = MediaServer::start_with_preview(
        ServeDirs::of_library(dir.path()),
        recording.clone() as Arc<dyn LivePreview>,
    )
    .await
    .unwrap();
    (dir, recording, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_newest_picture_is_a_jpeg_of_the_preview_size() {
    let (_dir, recording, server) = start().await;
    recording.set(Some(3));
    let url = server.preview_frame_url();
    assert!(url.starts_with(&server.base_url()), "{url}");
    let r = get(&server, &path_of(&url)).await;
    assert_eq!(r.status, 200);
    assert!(r.head.contains("content-type: image/jpeg"), "{}", r.head);
    assert!(r.head.contains("cache-control: no-store"), "{}", r.head);
    let picture = decode(&r.body);
    assert_eq!(picture.dimensions(), (640, 360));
    // Luma 76 (limited range) is about 70 in full-range RGB.
    let grey = picture.get_pixel(320, 180).0[0];
    assert!((60..=80).contains(&grey), "{grey}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_needs_the_token_and_our_own_host() {
    let (_dir, recording, server) = start().await;
    recording.set(Some(1));
    let good = path_of(&server.preview_frame_url());
    assert_eq!(get(&server, &good).await.status, 200);
    let token = server.base_url().rsplit('/').next().unwrap().to_string();
    let mut wrong = token.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    for path in [
        "/preview/frame.jpg".to_string(),
        "/preview/live.mjpeg".to_string(),
        format!("/{wrong}/preview/frame.jpg"),
        format!("/{wrong}/preview/live.mjpeg"),
        format!("/{}/preview/frame.jpg", &token[..31]),
        format!("/{token}/preview/nope.jpg"),
    ] {
        let r = get(&server, &path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(r.body.is_empty(), "{path} leaked a body");
    }
    // A page on another origin that resolves to 127.0.0.1 is turned away.
    let r = request(server.addr(), "GET", &good, "attacker.example:80").await;
    assert_eq!(r.status, 403);
    let r = request(server.addr(), "POST", &good, &server.addr().to_string()).await;
    assert_eq!(r.status, 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_served_when_nothing_records_or_there_is_no_preview() {
    let (dir, _recording, server) = start().await;
    assert_eq!(
        get(&server, &path_of(&server.preview_frame_url()))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&server, &path_of(&server.preview_stream_url()))
            .await
            .status,
        404
    );

    let files_only = MediaServer::start(ServeDirs::of_library(dir.path()))
        .await
        .unwrap();
    assert_eq!(
        get(&files_only, &path_of(&files_only.preview_frame_url()))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&files_only, &path_of(&files_only.preview_stream_url()))
            .await
            .status,
        404
    );
}

/// Split an MJPEG body into its JPEG parts.
fn jpeg_parts(body: &[u8]) -> Vec<Vec<u8>> {
    let boundary = b"--debrief-preview\r\n";
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.windows(boundary.len()).position(|w| w == boundary) {
        rest = &rest[at + boundary.len()..];
        let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") else {
            break;
        };
        let head = String::from_utf8_lossy(&rest[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .expect("every part has a length")
            .trim()
            .parse()
            .unwrap();
        assert!(head.contains("content-type: image/jpeg"), "{head}");
        let data = &rest[end + 4..end + 4 + len];
        parts.push(data.to_vec());
        rest = &rest[end + 4 + len..];
    }
    parts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_sends_each_new_picture_and_ends_with_the_recording() {
    let (_dir, recording, server) = start().await;
    recording.set(Some(0));
    let feeder = recording.clone();
    let frames = tokio::spawn(async move {
        for seq in 1..=5 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            feeder.set(Some(seq));
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        feeder.set(None);
    });
    let r = get(&server, &path_of(&server.preview_stream_url())).await;
    frames.await.unwrap();
    assert_eq!(r.status, 200);
    assert!(
        r.head
            .contains("content-type: multipart/x-mixed-replace; boundary=debrief-preview"),
        "{}",
        r.head
    );
    let parts = jpeg_parts(&r.body);
    // Six pictures were shown, 150 ms apart; each is sent at most once, in
    // order (a stalled test machine may see a picture replaced before it
    // was sent: then the newer one goes instead).
    assert!((2..=6).contains(&parts.len()), "{} parts", parts.len());
    let lumas: Vec<u8> = parts
        .iter()
        .map(|p| {
            let picture = decode(p);
            assert_eq!(picture.dimensions(), (640, 360));
            picture.get_pixel(10, 10).0[1]
        })
        .collect();
    assert!(lumas.windows(2).all(|w| w[0] < w[1]), "{lumas:?}");
    // The first part is the picture that was current when the page asked.
    assert!(lumas[0] < 20, "{lumas:?}");
}
