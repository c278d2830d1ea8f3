//! Synthetic libraries for benchmarks and UI load tests: many clips with
//! realistic titles, notes, tags and authors, written through the same
//! row, tag and index code as real clips, but in large transactions and
//! without media files (they look like clips known from the server).

use debrief_protocol::{ClipId, OpBody, Tag};
use rusqlite::params;
use time::OffsetDateTime;

use crate::Library;
use crate::clips::{fmt_time, refresh_fts};
use crate::error::Result;
use crate::writer::Writer;

const OPENERS: &[&str] = &[
    "How I handled",
    "Handling",
    "Turning around",
    "What worked with",
    "Lessons from",
    "Recovering from",
    "Winning",
    "Navigating",
    "Closing with",
    "Debrief:",
    "Quick tip on",
    "Second call about",
];
const TOPICS: &[&str] = &[
    "the compliance questions",
    "the pricing objection",
    "a procurement stall",
    "security review",
    "the legal redlines",
    "budget pushback",
    "a competitor comparison",
    "the renewal discount ask",
    "an angry champion",
    "the CFO's ROI question",
    "multi-year terms",
    "a late-stage surprise",
    "onboarding timeline fears",
    "data residency",
    "the pilot scope",
];
const NOTES: &[&str] = &[
    "Led with the audit report and offered a call with our security team.",
    "They wanted 30% off; anchored on value and traded term length instead.",
    "Procurement needed three vendor quotes, we sent the comparison sheet.",
    "Reframed the price around cost of delay and their quarterly targets.",
    "Legal flagged the indemnity clause; escalated to our counsel same day.",
    "Champion went quiet after the reorg; found a new sponsor in finance.",
    "Used the customer story from the insurance vertical, landed well.",
    "Asked for a mutual action plan and dates for each step.",
];
const TAGS: &[&str] = &[
    "pricing",
    "compliance",
    "objection",
    "procurement",
    "security",
    "legal",
    "renewal",
    "discovery",
    "demo",
    "closing",
    "champion",
    "competitor",
    "ROI",
    "onboarding",
    "enterprise",
    "SMB",
    "healthcare",
    "finance",
    "insurance",
    "public sector",
];
const AUTHORS: &[&str] = &[
    "Avery Chen",
    "Jordan Patel",
    "Sam Okafor",
    "Riley García",
    "Morgan Lee",
    "Taylor Novak",
    "Casey Dubois",
    "Jamie Ito",
];

/// A small deterministic generator, so a benchmark's data is the same every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Words a realistic search would type, for benchmarks.
pub fn sample_queries() -> Vec<&'static str> {
    vec![
        "compl",
        "pricing",
        "price obj",
        "procure",
        "secur",
        "legal red",
        "renewal",
        "champ",
        "roi",
        "cfo",
        "audit",
        "discount",
        "pilot scope",
        "data resid",
        "avery",
        "insurance",
        "p",
        "co",
        "handled pricing",
        "turning around budget",
    ]
}

impl Library {
    /// Add `n` synthetic clips (no media files) with deterministic content.
    /// They are written in transactions of a few thousand rows, with their
    /// ops in the outbox like any other change.
    pub fn add_synthetic_clips(&mut self, n: usize, seed: u64) -> Result<()> {
        let mut rng = Rng::new(seed);
        let start = OffsetDateTime::now_utc() - time::Duration::days(365 * 2);
        let mut done = 0;
        while done < n {
            let batch = (n - done).min(5000);
            let mut w = Writer::begin(&mut self.conn, self.device_id)?;
            for _ in 0..batch {
                let id = ClipId::new();
                let recorded_at =
                    start + time::Duration::seconds((rng.below(365 * 2 * 86_400)) as i64);
                let title = format!("{} {}", rng.pick(OPENERS), rng.pick(TOPICS));
                let notes = if rng.below(3) == 0 {
                    String::new()
                } else {
                    format!("{} {}", rng.pick(NOTES), rng.pick(NOTES))
                };
                let author = rng.pick(AUTHORS);
                let seq = crate::clips::free_seq(&w, recorded_at)?;
                let sha = format!(
                    "{:016x}{:016x}{:016x}{:016x}",
                    rng.next_u64(),
                    rng.next_u64(),
                    rng.next_u64(),
                    rng.next_u64()
                );
                let duration_ms = 30_000 + rng.below(150_000) as u64;
                let created = w.emit(OpBody::ClipCreated {
                    clip_id: id,
                    title: title.clone(),
                    notes: notes.clone(),
                    kind: debrief_protocol::ClipKind::Debrief,
                    visibility: debrief_protocol::Visibility::Team,
                    recorded_at,
                    duration_ms,
                    width: 1280,
                    height: 720,
                    bytes: duration_ms * 312,
                    sha256: sha.clone(),
                    thumbnail_sha256: None,
                })?;
                let now = fmt_time(w.now);
                w.tx.execute(
                    "INSERT INTO clips (seq, id, title, notes, kind, author, visibility, recorded_at, duration_ms, width, height, bytes, sha256, \
                     video_codec, audio_codec, media_state, sync_state, title_hlc, notes_hlc, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, 'debrief', ?5, 'team', ?6, ?7, 1280, 720, ?8, ?9, 'h264', 'opus', 'remote', 'synced', ?10, ?10, ?11, ?11)",
                    params![seq, id.to_string(), title, notes, author, fmt_time(recorded_at), duration_ms as i64, (duration_ms * 312) as i64, sha, created.hlc.to_string(), now],
                )?;
                for _ in 0..rng.below(4) {
                    let tag = Tag::parse(rng.pick(TAGS)).expect("fixture tags are valid");
                    crate::tags::add_tag(&mut w, seq, id, &tag)?;
                }
                refresh_fts(&w, seq)?;
            }
            w.commit()?;
            done += batch;
        }
        Ok(())
    }
}
