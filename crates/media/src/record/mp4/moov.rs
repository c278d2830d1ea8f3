//! The `moov` boxes: the fragmented file's initial one (track setup and
//! `mvex`, no samples) and the final one (full sample tables), both encoded
//! with `mp4-atom`'s typed boxes, and the track setup read back from the
//! initial one when a file is finalised or recovered.
//!
//! Opus follows "Encapsulation of Opus in ISO Base Media File Format": an
//! `Opus` sample entry with `dOps` (pre-skip = the encoder's look-ahead), an
//! edit list starting at the pre-skip so the priming samples never play, and
//! a `roll` sample group of -80 ms (the pre-roll a decoder needs after a seek).

use mp4_atom::AnySampleGroupEntry;
use mp4_atom::{
    Audio, Avc1, Avcc, AvccExt, Co64, Codec, Dinf, Dops, Dref, DrefEntry, Edts, Elst, ElstEntry,
    Encode, FixedPoint, FourCC, Hdlr, Mdhd, Mdia, Minf, Moov, Mvex, Mvhd, Opus, Sbgp, SbgpEntry,
    Sgpd, SgpdEntry, Smhd, Stbl, Stco, Stsc, StscEntry, Stsd, Stss, Stsz, StszSamples, Stts,
    SttsEntry, Tkhd, Trak, Trex, Url, Visual, Vmhd,
};

use super::{
    AUDIO_TIMESCALE, AUDIO_TRACK_ID, AudioTrack, MOVIE_TIMESCALE, TrackSetup, VIDEO_TIMESCALE,
    VIDEO_TRACK_ID, rescale,
};
use crate::record::codec::{AudioTrackFormat, OPUS_PACKET_SAMPLES, VideoTrackFormat};

/// Opus needs 80 ms of decoded audio before a seek point to converge.
const OPUS_PREROLL_SAMPLES: i64 = 3840;

/// The sample tables of one track, as the final `moov` lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TrackTables {
    pub sizes: Vec<u32>,
    /// Run-length encoded sample durations: `(count, duration)`.
    pub durations: Vec<(u32, u32)>,
    /// 1-based numbers of the sync samples (video only).
    pub sync: Vec<u32>,
    /// One chunk per fragment: `(file offset, samples)`.
    pub chunks: Vec<(u64, u32)>,
    /// Sum of the durations, in the track's timescale.
    pub duration: u64,
}

impl TrackTables {
    pub(crate) fn push_sample(&mut self, size: u32, duration: u32) {
        self.sizes.push(size);
        self.duration += u64::from(duration);
        match self.durations.last_mut() {
            Some((count, last)) if *last == duration => *count += 1,
            _ => self.durations.push((1, duration)),
        }
    }
}

/// Seconds since 1904 (the MP4 epoch) for a Unix time.
pub(crate) fn mp4_time(unix_seconds: i64) -> u64 {
    u64::try_from(unix_seconds + 2_082_844_800).unwrap_or(0)
}

/// The initial `moov` of a fragmented recording.
pub(crate) fn init_moov(setup: &TrackSetup, creation: u64) -> Result<Vec<u8>, mp4_atom::Error> {
    let mut trak = vec![video_trak(setup, creation, None)?];
    let mut defaults = vec![trex(VIDEO_TRACK_ID)];
    if let Some(audio) = &setup.audio {
        trak.push(audio_trak(audio, creation, None)?);
        defaults.push(trex(AUDIO_TRACK_ID));
    }
    let moov = Moov {
        mvhd: mvhd(creation, 0, setup),
        mvex: Some(Mvex {
            mehd: None,
            trex: defaults,
        }),
        trak,
        ..Default::default()
    };
    let mut out = Vec::new();
    moov.encode(&mut out)?;
    Ok(out)
}

/// The final `moov`, listing every sample where it lies in the file.
pub(crate) fn final_moov(
    setup: &TrackSetup,
    creation: u64,
    video: &TrackTables,
    audio: Option<&TrackTables>,
) -> Result<Vec<u8>, mp4_atom::Error> {
    let mut trak = vec![video_trak(setup, creation, Some(video))?];
    let mut longest = rescale(video.duration, VIDEO_TIMESCALE, MOVIE_TIMESCALE);
    if let (Some(track), Some(tables)) = (&setup.audio, audio) {
        let audio_trak = audio_trak(track, creation, Some((tables, video.duration)))?;
        longest = longest.max(audio_trak.tkhd.duration);
        trak.push(audio_trak);
    }
    let moov = Moov {
        mvhd: mvhd(creation, longest, setup),
        trak,
        ..Default::default()
    };
    let mut out = Vec::new();
    moov.encode(&mut out)?;
    Ok(out)
}

/// How many samples of audio play: all decoded samples after the priming
/// ones, but never past the end of the video (the last packet is padded).
pub(crate) fn audio_presented(track: &AudioTrack, media: u64, video_ticks: u64) -> u64 {
    let decoded = media.saturating_sub(u64::from(track.format.priming_samples()));
    decoded.min(rescale(video_ticks, VIDEO_TIMESCALE, AUDIO_TIMESCALE))
}

fn mvhd(creation: u64, duration: u64, setup: &TrackSetup) -> Mvhd {
    Mvhd {
        creation_time: creation,
        modification_time: creation,
        timescale: MOVIE_TIMESCALE,
        duration,
        rate: FixedPoint::from(1u16),
        volume: FixedPoint::from(1u8),
        next_track_id: if setup.audio.is_some() { 3 } else { 2 },
        ..Default::default()
    }
}

fn trex(track_id: u32) -> Trex {
    Trex {
        track_id,
        default_sample_description_index: 1,
        default_sample_duration: 0,
        default_sample_size: 0,
        default_sample_flags: 0,
    }
}

fn edit(duration_ms: u64, media_time: u64) -> Edts {
    Edts {
        elst: Some(Elst {
            entries: vec![ElstEntry {
                segment_duration: duration_ms,
                media_time: Some(media_time),
                media_rate: FixedPoint::from(1i16),
            }],
        }),
    }
}

fn dinf() -> Dinf {
    Dinf {
        dref: Dref {
            entries: vec![DrefEntry::Url(Url::default())],
        },
    }
}

fn video_trak(
    setup: &TrackSetup,
    creation: u64,
    tables: Option<&TrackTables>,
) -> Result<Trak, mp4_atom::Error> {
    let VideoTrackFormat::H264 {
        width,
        height,
        sps,
        pps,
    } = &setup.video;
    let mut avcc = Avcc::new(sps, pps)?;
    if matches!(avcc.avc_profile_indication, 100 | 110 | 122 | 144) {
        // High profiles carry chroma format and bit depths in avcC.
        avcc.ext = Some(AvccExt::default());
    }
    let (w, h) = (clamp_u16(*width), clamp_u16(*height));
    let codec = Codec::Avc1(Avc1 {
        visual: Visual {
            data_reference_index: 1,
            width: w,
            height: h,
            ..Default::default()
        },
        avcc,
        btrt: None,
        colr: None,
        pasp: None,
        taic: None,
        fiel: None,
        spatial: None,
    });
    let media = tables.map_or(0, |t| t.duration);
    let duration_ms = rescale(media, VIDEO_TIMESCALE, MOVIE_TIMESCALE);
    let mut stbl = stbl(codec, tables);
    if let Some(t) = tables {
        stbl.stss = Some(Stss {
            entries: t.sync.clone(),
        });
    }
    Ok(Trak {
        tkhd: Tkhd {
            creation_time: creation,
            modification_time: creation,
            track_id: VIDEO_TRACK_ID,
            duration: duration_ms,
            enabled: true,
            in_movie: true,
            width: FixedPoint::from(w),
            height: FixedPoint::from(h),
            ..Default::default()
        },
        edts: Some(edit(duration_ms, 0)),
        mdia: Mdia {
            mdhd: mdhd(creation, VIDEO_TIMESCALE, media),
            hdlr: Hdlr {
                handler: FourCC::new(b"vide"),
                name: "VideoHandler".into(),
            },
            minf: Minf {
                vmhd: Some(Vmhd::default()),
                dinf: dinf(),
                stbl,
                ..Default::default()
            },
        },
        ..Default::default()
    })
}

/// `tables` holds the audio tables and the video duration (in video ticks).
fn audio_trak(
    track: &AudioTrack,
    creation: u64,
    tables: Option<(&TrackTables, u64)>,
) -> Result<Trak, mp4_atom::Error> {
    let AudioTrackFormat::Opus { pre_skip, channels } = track.format;
    let codec = Codec::Opus(Opus {
        audio: Audio {
            data_reference_index: 1,
            channel_count: u16::from(channels),
            sample_size: 16,
            sample_rate: FixedPoint::from(48_000u16),
        },
        dops: Dops {
            output_channel_count: channels,
            pre_skip,
            input_sample_rate: AUDIO_TIMESCALE,
            output_gain: 0,
            channel_mapping: None,
        },
        btrt: None,
    });
    let media = tables.map_or(0, |(t, _)| t.duration);
    let presented = tables.map_or(0, |(t, video)| audio_presented(track, t.duration, video));
    let duration_ms = rescale(presented, AUDIO_TIMESCALE, MOVIE_TIMESCALE);
    let mut stbl = stbl(codec, tables.map(|(t, _)| t));
    if let Some((t, _)) = tables {
        let roll_distance = -(OPUS_PREROLL_SAMPLES / i64::from(track.packet_samples.max(1)));
        stbl.sgpd.push(Sgpd {
            grouping_type: FourCC::new(b"roll"),
            default_length: Some(2),
            entries: vec![SgpdEntry {
                description_length: Some(2),
                entry: AnySampleGroupEntry::UnknownGroupingType(
                    FourCC::new(b"roll"),
                    (roll_distance as i16).to_be_bytes().to_vec(),
                ),
            }],
            default_group_description_index: None,
            static_group_description: false,
            static_mapping: false,
            essential: false,
        });
        stbl.sbgp.push(Sbgp {
            grouping_type: FourCC::new(b"roll"),
            grouping_type_parameter: None,
            entries: vec![SbgpEntry {
                sample_count: u32::try_from(t.sizes.len()).unwrap_or(u32::MAX),
                group_description_index: 1,
            }],
        });
    }
    Ok(Trak {
        tkhd: Tkhd {
            creation_time: creation,
            modification_time: creation,
            track_id: AUDIO_TRACK_ID,
            duration: duration_ms,
            enabled: true,
            in_movie: true,
            volume: FixedPoint::from(1u8),
            ..Default::default()
        },
        edts: Some(edit(duration_ms, u64::from(pre_skip))),
        mdia: Mdia {
            mdhd: mdhd(creation, AUDIO_TIMESCALE, media),
            hdlr: Hdlr {
                handler: FourCC::new(b"soun"),
                name: "SoundHandler".into(),
            },
            minf: Minf {
                smhd: Some(Smhd::default()),
                dinf: dinf(),
                stbl,
                ..Default::default()
            },
        },
        ..Default::default()
    })
}

fn mdhd(creation: u64, timescale: u32, duration: u64) -> Mdhd {
    Mdhd {
        creation_time: creation,
        modification_time: creation,
        timescale,
        duration,
        language: "und".into(),
    }
}

fn stbl(codec: Codec, tables: Option<&TrackTables>) -> Stbl {
    let empty = TrackTables::default();
    let t = tables.unwrap_or(&empty);
    let mut stsc: Vec<StscEntry> = Vec::new();
    for (index, &(_, samples)) in t.chunks.iter().enumerate() {
        if stsc.last().is_some_and(|e| e.samples_per_chunk == samples) {
            continue;
        }
        stsc.push(StscEntry {
            first_chunk: u32::try_from(index + 1).unwrap_or(u32::MAX),
            samples_per_chunk: samples,
            sample_description_index: 1,
        });
    }
    let offsets = t.chunks.iter().map(|&(offset, _)| offset);
    let (stco, co64) = if t.chunks.iter().all(|&(o, _)| o <= u64::from(u32::MAX)) {
        let entries = offsets.map(|o| o as u32).collect();
        (Some(Stco { entries }), None)
    } else {
        (
            None,
            Some(Co64 {
                entries: offsets.collect(),
            }),
        )
    };
    Stbl {
        stsd: Stsd {
            codecs: vec![codec],
        },
        stts: Stts {
            entries: t
                .durations
                .iter()
                .map(|&(sample_count, sample_delta)| SttsEntry {
                    sample_count,
                    sample_delta,
                })
                .collect(),
        },
        stsc: Stsc { entries: stsc },
        stsz: Stsz {
            samples: StszSamples::Different {
                sizes: t.sizes.clone(),
            },
        },
        stco,
        co64,
        ..Default::default()
    }
}

fn clamp_u16(value: u32) -> u16 {
    u16::try_from(value).unwrap_or(u16::MAX)
}

/// The track setup stated by an initial `moov` we wrote.
pub(crate) fn setup_from_init(moov: &Moov) -> Result<(TrackSetup, u64), String> {
    let video = moov
        .trak
        .iter()
        .find(|t| t.tkhd.track_id == VIDEO_TRACK_ID)
        .ok_or("it has no video track")?;
    let Some(Codec::Avc1(avc1)) = video.mdia.minf.stbl.stsd.codecs.first() else {
        return Err("its video track is not H.264".into());
    };
    let (Some(sps), Some(pps)) = (
        avc1.avcc.sequence_parameter_sets.first(),
        avc1.avcc.picture_parameter_sets.first(),
    ) else {
        return Err("its H.264 track has no parameter sets".into());
    };
    let video_format = VideoTrackFormat::H264 {
        width: u32::from(avc1.visual.width),
        height: u32::from(avc1.visual.height),
        sps: sps.clone(),
        pps: pps.clone(),
    };
    let audio = match moov.trak.iter().find(|t| t.tkhd.track_id == AUDIO_TRACK_ID) {
        None => None,
        Some(trak) => match trak.mdia.minf.stbl.stsd.codecs.first() {
            Some(Codec::Opus(opus)) => Some(AudioTrack {
                format: AudioTrackFormat::Opus {
                    pre_skip: opus.dops.pre_skip,
                    channels: opus.dops.output_channel_count,
                },
                packet_samples: OPUS_PACKET_SAMPLES as u32,
            }),
            _ => return Err("its audio track is not Opus".into()),
        },
    };
    Ok((
        TrackSetup {
            video: video_format,
            audio,
        },
        moov.mvhd.creation_time,
    ))
}

#[cfg(test)]
#[path = "moov_tests.rs"]
pub(crate) mod tests;
