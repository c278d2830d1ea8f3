//! Reads the HTTP/1.1 traffic that crosses the fault proxy, so tests can
//! say which request a byte belonged to ("0 bytes of PATCH /v1/uploads for
//! this clip", "this POST /v1/ops was answered but the answer dropped").
//!
//! The device speaks plain HTTP/1.1 on loopback without pipelining, so a
//! response always belongs to the last request sent on its connection;
//! request bodies are delimited by Content-Length or chunked encoding.
//! The meter never changes a byte: it only splits each read into runs
//! (head or body of one exchange) for the proxy to count and cut.
#![allow(dead_code)]

use std::collections::BTreeMap;

/// How much of each request body an exchange keeps for inspection.
pub const SAMPLE_BYTES: usize = 64 << 10;

/// One request and its response, as seen on the wire.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    pub conn: u64,
    pub method: String,
    pub path: String,
    /// Request headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// Body bytes the sender put on the wire (including any the proxy cut off).
    pub request_body: u64,
    /// The first [`SAMPLE_BYTES`] of the request body (e.g. an ops batch).
    pub request_sample: Vec<u8>,
    /// Set once the response head went through.
    pub status: Option<u16>,
    pub response_headers: BTreeMap<String, String>,
    pub response_body: u64,
    /// The proxy swallowed the response (a `DropResponse` fault).
    pub response_dropped: bool,
}

impl Exchange {
    pub fn is(&self, method: &str, path_prefix: &str) -> bool {
        self.method == method && self.path.starts_with(path_prefix)
    }
}

/// Where a run of bytes belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Head(usize),
    Body(usize),
    /// Bytes outside any exchange we understood (counted, not attributed).
    Unknown,
}

#[derive(Debug)]
enum Body {
    Length(u64),
    /// Chunked: bytes left in the current chunk, or reading a size line.
    Chunk(u64),
    ChunkLine(Vec<u8>),
    ChunkTrailer(Vec<u8>),
    None,
}

/// Client-to-server parser of one connection.
#[derive(Debug)]
pub struct RequestParser {
    head: Vec<u8>,
    body: Body,
    /// Index in the exchange log of the request being sent.
    pub current: Option<usize>,
}

impl Default for RequestParser {
    fn default() -> Self {
        Self {
            head: Vec::new(),
            body: Body::None,
            current: None,
        }
    }
}

fn parse_headers(lines: &mut std::str::Lines<'_>) -> BTreeMap<String, String> {
    lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

impl RequestParser {
    /// Consume a prefix of `data`; returns its length and where it belongs.
    /// `start` registers a new exchange and returns its index.
    pub fn step(&mut self, data: &[u8], start: &mut dyn FnMut(Exchange) -> usize) -> (usize, Part) {
        match &mut self.body {
            Body::Length(left) if *left > 0 => {
                let n = (*left).min(data.len() as u64) as usize;
                *left -= n as u64;
                return (n, self.current.map(Part::Body).unwrap_or(Part::Unknown));
            }
            Body::Chunk(left) if *left > 0 => {
                let n = (*left).min(data.len() as u64) as usize;
                *left -= n as u64;
                if *left == 0 {
                    // Each chunk's data is followed by CRLF, then a size line.
                    self.body = Body::ChunkLine(Vec::new());
                }
                return (n, self.current.map(Part::Body).unwrap_or(Part::Unknown));
            }
            Body::ChunkLine(_) | Body::ChunkTrailer(_) => {
                let idx = self.current;
                let mut used = 0;
                while used < data.len() {
                    let b = data[used];
                    used += 1;
                    let (line, trailer) = match &mut self.body {
                        Body::ChunkLine(l) => (l, false),
                        Body::ChunkTrailer(l) => (l, true),
                        _ => break,
                    };
                    line.push(b);
                    if !line.ends_with(b"\r\n") {
                        continue;
                    }
                    let text = String::from_utf8_lossy(&line[..line.len() - 2]).to_string();
                    line.clear();
                    if trailer {
                        if text.is_empty() {
                            self.body = Body::None;
                            break;
                        }
                        continue;
                    }
                    if text.is_empty() {
                        continue; // the CRLF after a chunk's data
                    }
                    let size = u64::from_str_radix(text.split(';').next().unwrap_or("").trim(), 16)
                        .unwrap_or(0);
                    self.body = if size == 0 {
                        Body::ChunkTrailer(Vec::new())
                    } else {
                        Body::Chunk(size)
                    };
                    break;
                }
                return (used, idx.map(Part::Body).unwrap_or(Part::Unknown));
            }
            _ => {}
        }
        // A request head: read up to the blank line.
        let mut used = 0;
        for &b in data {
            used += 1;
            self.head.push(b);
            if self.head.ends_with(b"\r\n\r\n") {
                let text = String::from_utf8_lossy(&self.head).to_string();
                self.head.clear();
                let mut lines = text.lines();
                let mut first = lines.next().unwrap_or("").split_whitespace();
                let method = first.next().unwrap_or("").to_string();
                let path = first.next().unwrap_or("").to_string();
                let headers = parse_headers(&mut lines);
                self.body = if headers
                    .get("transfer-encoding")
                    .is_some_and(|v| v.contains("chunked"))
                {
                    Body::ChunkLine(Vec::new())
                } else {
                    match headers.get("content-length").and_then(|v| v.parse().ok()) {
                        Some(n) => Body::Length(n),
                        None => Body::None,
                    }
                };
                let idx = start(Exchange {
                    method,
                    path,
                    headers,
                    ..Exchange::default()
                });
                self.current = Some(idx);
                return (used, Part::Head(idx));
            }
        }
        (used, self.current.map(Part::Head).unwrap_or(Part::Unknown))
    }
}

/// Server-to-client parser of one connection: the response head of the
/// current exchange, then its body (everything until the next request).
#[derive(Debug, Default)]
pub struct ResponseParser {
    head: Vec<u8>,
    in_body: bool,
    answering: Option<usize>,
}

impl ResponseParser {
    /// Consume a prefix of `data` for exchange `current`; when a head
    /// completes, `headers` receives its status and headers.
    pub fn step(
        &mut self,
        data: &[u8],
        current: Option<usize>,
        headers: &mut dyn FnMut(usize, u16, BTreeMap<String, String>),
    ) -> (usize, Part) {
        let Some(idx) = current else {
            return (data.len(), Part::Unknown);
        };
        if self.answering != Some(idx) {
            self.answering = Some(idx);
            self.in_body = false;
            self.head.clear();
        }
        if self.in_body {
            return (data.len(), Part::Body(idx));
        }
        let mut used = 0;
        for &b in data {
            used += 1;
            self.head.push(b);
            if self.head.ends_with(b"\r\n\r\n") {
                let text = String::from_utf8_lossy(&self.head).to_string();
                self.head.clear();
                let mut lines = text.lines();
                let status = lines
                    .next()
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                if (100..200).contains(&status) {
                    continue; // an interim answer; the real head follows
                }
                headers(idx, status, parse_headers(&mut lines));
                self.in_body = true;
                break;
            }
        }
        (used, Part::Head(idx))
    }
}
