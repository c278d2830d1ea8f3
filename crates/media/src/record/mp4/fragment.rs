//! Building one fragment: `moof`, `mdat` and the check box that commits it.
//!
//! Samples are buffered for about a second (bounded: one fragment's worth,
//! whatever the recording's length), then serialised in one piece for the
//! writer. Video sample durations are explicit (capture timestamps decide
//! them, frames can be dropped); audio packets share one default duration.
//! Each track's `tfdt` is the sum of its earlier durations, so fragments
//! butt together exactly, and data offsets are relative to the `moof`
//! (`default-base-is-moof`), so a fragment means the same wherever it lies.

use mp4_atom::{Encode, Mfhd, Moof, Tfdt, Tfhd, Traf, Trun, TrunEntry, TrunSamples};

use super::{AUDIO_TRACK_ID, VIDEO_TRACK_ID, check_box};

/// Sample flags: a sync sample depends on no other.
pub(crate) const SYNC_FLAGS: u32 = 0x0200_0000;
/// Sample flags: depends on others, not a sync sample.
pub(crate) const NON_SYNC_FLAGS: u32 = 0x0101_0000;

#[derive(Debug, Clone, Copy)]
struct VideoEntry {
    size: u32,
    duration: u32,
    sync: bool,
}

/// Collects the samples of the fragment being recorded.
#[derive(Debug)]
pub(crate) struct FragmentBuilder {
    sequence: u32,
    audio_packet_samples: Option<u32>,
    video_time: u64,
    audio_time: u64,
    video: Vec<VideoEntry>,
    video_data: Vec<u8>,
    audio: Vec<u32>,
    audio_data: Vec<u8>,
}

/// A serialised fragment, in the order it goes to disk.
#[derive(Debug)]
pub(crate) struct FragmentBytes {
    /// `moof` and the `mdat` header.
    pub header: Vec<u8>,
    pub video: Vec<u8>,
    pub audio: Vec<u8>,
    /// The check box, written last.
    pub check: [u8; super::CHECK_LEN as usize],
    pub video_samples: u32,
    pub audio_samples: u32,
}

impl FragmentBytes {
    /// The parts to write, in order.
    pub(crate) fn parts(&self) -> [&[u8]; 4] {
        [&self.header, &self.video, &self.audio, &self.check]
    }
}

impl FragmentBuilder {
    /// `audio_packet_samples` is `None` for a recording without sound.
    pub(crate) fn new(audio_packet_samples: Option<u32>) -> Self {
        Self {
            sequence: 1,
            audio_packet_samples,
            video_time: 0,
            audio_time: 0,
            video: Vec::new(),
            video_data: Vec::new(),
            audio: Vec::new(),
            audio_data: Vec::new(),
        }
    }

    pub(crate) fn push_video(&mut self, data: &[u8], duration: u32, sync: bool) {
        self.video.push(VideoEntry {
            size: u32::try_from(data.len()).unwrap_or(u32::MAX),
            duration,
            sync,
        });
        self.video_data.extend_from_slice(data);
    }

    pub(crate) fn push_audio(&mut self, data: &[u8]) {
        self.audio
            .push(u32::try_from(data.len()).unwrap_or(u32::MAX));
        self.audio_data.extend_from_slice(data);
    }

    /// Video ticks buffered in this fragment.
    pub(crate) fn video_ticks(&self) -> u64 {
        self.video.iter().map(|e| u64::from(e.duration)).sum()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.video.is_empty() && self.audio.is_empty()
    }

    /// Bytes held for the fragment being built.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.video_data.capacity()
            + self.audio_data.capacity()
            + self.video.capacity() * size_of::<VideoEntry>()
            + self.audio.capacity() * size_of::<u32>()
    }

    /// Serialises the buffered samples as the next fragment and starts an
    /// empty one. `None` if nothing is buffered.
    pub(crate) fn finish(&mut self) -> Result<Option<FragmentBytes>, mp4_atom::Error> {
        if self.is_empty() {
            return Ok(None);
        }
        // The next fragment will be about as big as this one.
        let video_capacity = self.video_data.capacity();
        let audio_capacity = self.audio_data.capacity();
        let video_data =
            std::mem::replace(&mut self.video_data, Vec::with_capacity(video_capacity));
        let audio_data =
            std::mem::replace(&mut self.audio_data, Vec::with_capacity(audio_capacity));
        let mdat_len = 8 + video_data.len() + audio_data.len();
        // The moof's size does not depend on the offsets' values: encode
        // once to learn it, then with the real offsets.
        let mut moof = self.moof(0, 0);
        let mut header = Vec::with_capacity(1024);
        moof.encode(&mut header)?;
        let video_offset = header.len() + 8;
        let audio_offset = video_offset + video_data.len();
        moof = self.moof(video_offset, audio_offset);
        header.clear();
        moof.encode(&mut header)?;
        debug_assert_eq!(header.len() + 8, video_offset);
        header.extend_from_slice(&u32::try_from(mdat_len).unwrap_or(u32::MAX).to_be_bytes());
        header.extend_from_slice(b"mdat");

        let mut crc = crc32fast::Hasher::new();
        crc.update(&header);
        crc.update(&video_data);
        crc.update(&audio_data);
        let video_ticks = self.video_ticks();
        let fragment = FragmentBytes {
            header,
            video: video_data,
            audio: audio_data,
            check: check_box(self.sequence, crc.finalize()),
            video_samples: self.video.len() as u32,
            audio_samples: self.audio.len() as u32,
        };
        self.sequence += 1;
        self.video_time += video_ticks;
        self.audio_time +=
            self.audio.len() as u64 * u64::from(self.audio_packet_samples.unwrap_or(0));
        self.video.clear();
        self.audio.clear();
        Ok(Some(fragment))
    }

    fn moof(&self, video_offset: usize, audio_offset: usize) -> Moof {
        let mut traf = Vec::with_capacity(2);
        if !self.video.is_empty() {
            let entries = self
                .video
                .iter()
                .map(|e| TrunEntry {
                    duration: Some(e.duration),
                    size: Some(e.size),
                    flags: Some(if e.sync { SYNC_FLAGS } else { NON_SYNC_FLAGS }),
                    cts: None,
                })
                .collect();
            traf.push(Traf {
                tfhd: Tfhd {
                    track_id: VIDEO_TRACK_ID,
                    default_base_is_moof: true,
                    ..Default::default()
                },
                tfdt: Some(Tfdt {
                    base_media_decode_time: self.video_time,
                }),
                trun: vec![Trun {
                    data_offset: Some(offset(video_offset)),
                    samples: TrunSamples::Explicit(entries),
                }],
                ..Default::default()
            });
        }
        if let (false, Some(packet)) = (self.audio.is_empty(), self.audio_packet_samples) {
            let entries = self
                .audio
                .iter()
                .map(|&size| TrunEntry {
                    size: Some(size),
                    ..Default::default()
                })
                .collect();
            traf.push(Traf {
                tfhd: Tfhd {
                    track_id: AUDIO_TRACK_ID,
                    default_sample_duration: Some(packet),
                    default_sample_flags: Some(SYNC_FLAGS),
                    default_base_is_moof: true,
                    ..Default::default()
                },
                tfdt: Some(Tfdt {
                    base_media_decode_time: self.audio_time,
                }),
                trun: vec![Trun {
                    data_offset: Some(offset(audio_offset)),
                    samples: TrunSamples::Explicit(entries),
                }],
                ..Default::default()
            });
        }
        Moof {
            mfhd: Mfhd {
                sequence_number: self.sequence,
            },
            traf,
        }
    }
}

fn offset(value: usize) -> i32 {
    // A fragment is about a second of media: far below 2 GB.
    i32::try_from(value).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mp4_atom::Decode;

    #[test]
    fn fragments_chain_their_decode_times_and_offsets_point_at_the_data() {
        let mut builder = FragmentBuilder::new(Some(960));
        builder.push_video(&[1; 100], 3000, true);
        builder.push_video(&[2; 50], 3003, false);
        builder.push_audio(&[3; 20]);
        builder.push_audio(&[4; 21]);
        assert_eq!(builder.video_ticks(), 6003);
        let first = builder.finish().unwrap().unwrap();
        assert!(builder.is_empty());
        assert!(builder.finish().unwrap().is_none());

        let moof = Moof::decode(&mut first.header.as_slice()).unwrap();
        assert_eq!(moof.mfhd.sequence_number, 1);
        let bytes: Vec<u8> = first.parts().concat();
        let video = &moof.traf[0];
        let offset = video.trun[0].data_offset.unwrap() as usize;
        assert_eq!(&bytes[offset..offset + 100], &[1; 100]);
        let audio = &moof.traf[1];
        let offset = audio.trun[0].data_offset.unwrap() as usize;
        assert_eq!(&bytes[offset..offset + 20], &[3; 20]);

        builder.push_video(&[5; 10], 3000, true);
        let second = builder.finish().unwrap().unwrap();
        let moof = Moof::decode(&mut second.header.as_slice()).unwrap();
        assert_eq!(moof.mfhd.sequence_number, 2);
        assert_eq!(moof.traf.len(), 1, "no audio this time: no audio traf");
        assert_eq!(
            moof.traf[0].tfdt.as_ref().unwrap().base_media_decode_time,
            6003
        );
        let (sequence, crc) = super::super::parse_check_box(&second.check).unwrap();
        assert_eq!(sequence, 2);
        let covered = [&second.header[..], &second.video, &second.audio].concat();
        assert_eq!(crc, crc32fast::hash(&covered));
    }
}
