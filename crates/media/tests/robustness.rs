//! Damaged and huge files: probing returns an answer (never panics) and
//! reads only what it must.
//!
//! Real files made by ffmpeg are cut at every byte of their index and at
//! hundreds of places in their media, and have bits flipped thousands of
//! times, mostly in the boxes the prober reads. A cut file must be refused;
//! a flipped one may probe or be refused, but must not panic. A 2 GB file
//! (sparse on disk) must probe by reading a few kilobytes.

mod helpers;

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;

use debrief_media::{ProbeError, make_thumbnail, probe_file, probe_reader};
use helpers::Fixtures;
use proptest::prelude::*;

/// A small real file: 320x180, 1 s, H.264 + AAC, with the given mux options.
fn small(fx: &Fixtures, name: &str, movflags: &[&str]) -> Vec<u8> {
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=30",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440",
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-g",
        "10",
        "-c:a",
        "aac",
    ];
    args.extend_from_slice(movflags);
    std::fs::read(fx.ffmpeg(name, &args)).expect("read fixture")
}

/// Top-level boxes as (kind, start, end), read the simple way (test only).
fn boxes(file: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 8 <= file.len() {
        let size = u32::from_be_bytes(file[pos..pos + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = file[pos + 4..pos + 8].try_into().unwrap();
        assert!(size >= 8, "ffmpeg writes 32-bit box sizes here");
        out.push((kind, pos, pos + size));
        pos += size;
    }
    out
}

fn probe_bytes(bytes: &[u8]) -> Result<debrief_media::MediaInfo, ProbeError> {
    probe_reader(Cursor::new(bytes))
}

/// Every cut through the index, and hundreds through the media.
fn cut_points(len: usize) -> impl Iterator<Item = usize> {
    (0..len.min(8192)).chain((8192..len).step_by((len / 400).max(1)))
}

#[test]
fn every_cut_of_a_fast_start_file_is_refused() {
    let fx = Fixtures::new();
    let full = small(&fx, "fast.mp4", &["-movflags", "+faststart"]);
    probe_bytes(&full).expect("the whole file probes");
    for cut in cut_points(full.len()) {
        let result = probe_bytes(&full[..cut]);
        assert!(
            result.is_err(),
            "cut at {cut} of {} probed as {result:?}",
            full.len()
        );
    }
}

#[test]
fn every_cut_of_a_moov_at_end_file_is_refused() {
    let fx = Fixtures::new();
    let full = small(&fx, "end.mp4", &[]);
    probe_bytes(&full).expect("the whole file probes");
    let moov = boxes(&full).into_iter().find(|b| &b.0 == b"moov").unwrap();
    let index_cuts = moov.1..full.len();
    for cut in cut_points(full.len()).chain(index_cuts) {
        let result = probe_bytes(&full[..cut]);
        assert!(
            result.is_err(),
            "cut at {cut} of {} probed as {result:?}",
            full.len()
        );
    }
}

#[test]
fn a_fragmented_file_probes_only_when_cut_between_fragments() {
    let fx = Fixtures::new();
    let full = small(
        &fx,
        "frag.mp4",
        &["-movflags", "+frag_keyframe+empty_moov+default_base_moof"],
    );
    let whole = probe_bytes(&full).expect("the whole file probes");
    let boxes = boxes(&full);
    let mdat_ends: Vec<usize> = boxes
        .iter()
        .filter(|b| &b.0 == b"mdat")
        .map(|b| b.2)
        .collect();
    assert!(mdat_ends.len() >= 3, "several fragments");
    // The fragment index at the end ('mfra') is optional to players.
    let tail = boxes
        .iter()
        .find(|b| &b.0 == b"mfra")
        .map_or(full.len(), |b| b.1);
    for cut in cut_points(full.len()) {
        let result = probe_bytes(&full[..cut]);
        if mdat_ends.contains(&cut) || cut >= tail {
            let info =
                result.unwrap_or_else(|err| panic!("cut at {cut} (a fragment boundary): {err}"));
            assert!(info.duration_ms <= whole.duration_ms);
        } else {
            assert!(
                result.is_err(),
                "cut at {cut} of {} probed as {result:?}",
                full.len()
            );
        }
    }
}

/// xorshift64*: reproducible randomness without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Flips bits, mostly inside the boxes the prober decodes (everything but
/// sample data), and checks each result is an answer, not a panic.
fn flip_bits_and_probe(full: &[u8], seed: u64, rounds: usize) -> (usize, usize) {
    let structural: Vec<(usize, usize)> = boxes(full)
        .into_iter()
        .filter(|b| &b.0 != b"mdat")
        .map(|b| (b.1, b.2))
        .collect();
    let mut rng = Rng(seed);
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..rounds {
        let mut damaged = full.to_vec();
        for _ in 0..1 + rng.below(3) {
            let at = if rng.below(10) < 8 {
                let (start, end) = structural[rng.below(structural.len())];
                start + rng.below(end - start)
            } else {
                rng.below(damaged.len())
            };
            damaged[at] ^= 1 << rng.below(8);
        }
        match probe_bytes(&damaged) {
            Ok(info) => {
                assert!(info.width > 0 && info.height > 0, "{info:?}");
                ok += 1;
            }
            Err(err) => {
                assert!(!err.to_string().is_empty());
                refused += 1;
            }
        }
    }
    (ok, refused)
}

#[test]
fn bit_flips_give_answers_not_panics() {
    let fx = Fixtures::new();
    let fast = small(&fx, "fast.mp4", &["-movflags", "+faststart"]);
    let (ok, refused) = flip_bits_and_probe(&fast, 0x5EED_0001, 3000);
    // Both outcomes occur, so the damage reached code that decides.
    assert!(ok > 0 && refused > 0, "ok {ok}, refused {refused}");

    let fragmented = small(
        &fx,
        "frag.mp4",
        &["-movflags", "+frag_keyframe+empty_moov+default_base_moof"],
    );
    let (ok, refused) = flip_bits_and_probe(&fragmented, 0x5EED_0002, 3000);
    assert!(ok > 0 && refused > 0, "ok {ok}, refused {refused}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// The whole path (probe, then thumbnail from the damaged index) on
    /// files that are cut and flipped at once: answers, never panics.
    #[test]
    fn damaged_files_through_probe_and_thumbnail(
        keep in prop_oneof![Just(1.0f64), 0.5f64..1.0],
        flips in proptest::collection::vec((0usize..8192, 0u8..8), 1..4),
    ) {
        let (fx, full) = shared_fixture();
        let mut damaged = full[..(full.len() as f64 * keep) as usize].to_vec();
        for (at, bit) in flips {
            if let Some(byte) = damaged.get_mut(at) {
                *byte ^= 1 << bit;
            }
        }
        let path = fx.write("damaged.mp4", &damaged);
        if let Ok(info) = probe_file(&path)
            && let Ok(thumb) = make_thumbnail(&path, &info)
        {
            prop_assert!(!thumb.jpeg.is_empty());
        }
    }
}

/// One fast-start fixture shared by the property cases (made once).
fn shared_fixture() -> &'static (Fixtures, Vec<u8>) {
    static SHARED: std::sync::OnceLock<(Fixtures, Vec<u8>)> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let fx = Fixtures::new();
        let full = small(&fx, "fast.mp4", &["-movflags", "+faststart"]);
        (fx, full)
    })
}

/// Counts what the prober reads.
struct Counting<R> {
    inner: R,
    bytes: u64,
    reads: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        self.reads += 1;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

const TWO_GIB: u64 = 2 << 30;

/// Rewrites `full` with 2 GiB of (sparse) zeros appended to its media data,
/// keeping every sample where it was: a 2 GB recording in shape.
fn inflate(full: &[u8], path: &Path) {
    let mdat = boxes(full).into_iter().find(|b| &b.0 == b"mdat").unwrap();
    let mut file = File::create(path).unwrap();
    let mut head = full[..mdat.2].to_vec();
    let new_size = u32::try_from((mdat.2 - mdat.1) as u64 + TWO_GIB).unwrap();
    head[mdat.1..mdat.1 + 4].copy_from_slice(&new_size.to_be_bytes());
    file.write_all(&head).unwrap();
    file.seek(SeekFrom::Current(TWO_GIB as i64)).unwrap();
    file.write_all(&full[mdat.2..]).unwrap();
    file.set_len(full.len() as u64 + TWO_GIB).unwrap();
}

#[test]
fn a_2_gb_file_probes_by_reading_a_few_kilobytes() {
    let fx = Fixtures::new();
    for (name, flags) in [
        ("end.mp4", &[][..]),
        ("fast.mp4", &["-movflags", "+faststart"][..]),
    ] {
        let full = small(&fx, name, flags);
        let expected = probe_bytes(&full).unwrap();
        let big = fx.path(&format!("big_{name}"));
        inflate(&full, &big);
        assert_eq!(
            std::fs::metadata(&big).unwrap().len(),
            full.len() as u64 + TWO_GIB
        );

        let mut reader = Counting {
            inner: File::open(&big).unwrap(),
            bytes: 0,
            reads: 0,
        };
        let info = probe_reader(&mut reader).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(info, expected, "{name}");
        assert!(
            reader.bytes < 64 * 1024,
            "{name}: read {} bytes",
            reader.bytes
        );
        assert!(reader.reads < 50, "{name}: {} reads", reader.reads);

        // The thumbnail reads one keyframe, wherever the index says it is.
        let thumb = make_thumbnail(&big, &info).unwrap();
        assert_eq!(thumb.source, debrief_media::ThumbnailSource::DecodedFrame);
    }
}
