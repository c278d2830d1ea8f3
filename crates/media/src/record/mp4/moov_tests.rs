//! Tests of the moov boxes: what we write decodes to what we meant.
use super::*;
use mp4_atom::Decode;

pub(crate) fn setup() -> TrackSetup {
    TrackSetup {
        video: VideoTrackFormat::H264 {
            width: 320,
            height: 240,
            sps: vec![0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D],
            pps: vec![0x68, 0xCE, 0x3C, 0x80],
        },
        audio: Some(AudioTrack {
            format: AudioTrackFormat::Opus {
                pre_skip: 312,
                channels: 1,
            },
            packet_samples: 960,
        }),
    }
}

#[test]
fn init_moov_round_trips_to_the_same_setup() {
    let setup = setup();
    let bytes = init_moov(&setup, 1234).unwrap();
    let moov = Moov::decode(&mut bytes.as_slice()).unwrap();
    assert!(moov.mvex.is_some(), "fragmented files need mvex");
    assert_eq!(setup_from_init(&moov).unwrap(), (setup, 1234));
}

#[test]
fn final_moov_lists_samples_and_trims_the_padding() {
    let setup = setup();
    let mut video = TrackTables::default();
    for _ in 0..60 {
        video.push_sample(1000, 3000);
    }
    video.sync = vec![1, 31];
    video.chunks = vec![(1000, 30), (50_000, 30)];
    let mut audio = TrackTables::default();
    for _ in 0..101 {
        audio.push_sample(100, 960);
    }
    audio.chunks = vec![(31_000, 50), (80_000, 51)];
    let bytes = final_moov(&setup, 0, &video, Some(&audio)).unwrap();
    let moov = Moov::decode(&mut bytes.as_slice()).unwrap();
    assert!(moov.mvex.is_none());
    assert_eq!(moov.mvhd.duration, 2000);
    let a = &moov.trak[1];
    // 101 packets = 96,960 samples; minus 312 pre-skip, capped at 2 s of video.
    assert_eq!(a.tkhd.duration, 2000);
    let elst = a.edts.as_ref().unwrap().elst.as_ref().unwrap();
    assert_eq!(elst.entries[0].media_time, Some(312));
    let stbl = &a.mdia.minf.stbl;
    assert_eq!(stbl.stsc.entries.len(), 2, "50 then 51 samples per chunk");
    assert_eq!(stbl.stco.as_ref().unwrap().entries, vec![31_000, 80_000]);
    assert_eq!(moov.trak[0].mdia.minf.stbl.stts.entries.len(), 1);
}

#[test]
fn offsets_beyond_4_gb_use_co64() {
    let setup = TrackSetup {
        audio: None,
        ..setup()
    };
    let mut video = TrackTables::default();
    video.push_sample(10, 3000);
    video.sync = vec![1];
    video.chunks = vec![(5 << 30, 1)];
    let bytes = final_moov(&setup, 0, &video, None).unwrap();
    let moov = Moov::decode(&mut bytes.as_slice()).unwrap();
    let stbl = &moov.trak[0].mdia.minf.stbl;
    assert!(stbl.stco.is_none());
    assert_eq!(stbl.co64.as_ref().unwrap().entries, vec![5 << 30]);
}
