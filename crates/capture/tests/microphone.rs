//! The real microphone path through cpal and ALSA, fed by a fake device: an
//! asoundrc whose default PCM plays a raw file of espeak-ng speech (ALSA's
//! `file` plugin). Each test runs in a child process with its own HOME,
//! because alsa-lib reads its configuration once per process.
//!
//! The file plugin delivers much faster than real time and then garbage past
//! the end of the file, so the tests read exactly the samples the file holds.
//! It also skips input when a client reads less than is available through a
//! converting `plug`, so the tests ask for the device's own format (16-bit),
//! which `plug` passes through untouched.

mod helpers;

use std::path::PathBuf;
use std::time::Duration;

use debrief_capture::{
    AudioCapture, AudioConfig, AudioSource, CaptureClock, CaptureErrorKind, MicChoice, Microphone,
    list_microphones,
};
use helpers::{correlation, is_child, rms_dbfs, run_in_child};

const SPEECH: &str = "Debrief microphone test. The pricing objection, handled calmly.";

fn home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
}

/// Read exactly `n` samples from a running capture.
fn read_samples(capture: &AudioCapture, n: usize) -> (Duration, Vec<f32>) {
    let first = capture
        .chunks()
        .recv_timeout(Duration::from_secs(10))
        .unwrap();
    let pts = first.pts;
    let mut samples = first.samples;
    while samples.len() < n {
        let chunk = capture
            .chunks()
            .recv_timeout(Duration::from_secs(10))
            .unwrap();
        assert!(
            !chunk.discontinuity,
            "no audio may be lost: {:?} at {:?}, {} read",
            capture.stats(),
            chunk.pts,
            samples.len()
        );
        samples.extend_from_slice(&chunk.samples);
    }
    samples.truncate(n);
    (pts, samples)
}

#[test]
fn default_microphone_delivers_the_speech_unchanged_at_48k() {
    if !is_child() {
        let home = tempfile::tempdir().unwrap();
        let wav = helpers::speech_wav(home.path(), SPEECH);
        let raw = home.path().join("speech.raw");
        helpers::to_raw_s16(&wav, &raw, 48_000, 1);
        helpers::write_fake_microphone(home.path(), &raw, 48_000, 1);
        run_in_child(
            "default_microphone_delivers_the_speech_unchanged_at_48k",
            home.path(),
        );
        return;
    }
    let expected = helpers::read_raw_s16(&home().join("speech.raw"));
    let clock = CaptureClock::real();
    let capture = Microphone::new(MicChoice::Default)
        .with_device_format(Some(48_000), Some(1))
        .start(&AudioConfig::default(), &clock)
        .unwrap();
    let format = capture.format().clone();
    assert_eq!(
        (format.device_sample_rate, format.device_channels),
        (48_000, 1)
    );
    let (pts, samples) = read_samples(&capture, expected.len());
    let stats = capture.stats();
    capture.stop().unwrap();

    assert!(pts <= clock.now(), "stamped on the shared clock");
    assert_eq!(stats.samples_lost, 0);
    // 16-bit samples scaled to f32 are exact: the speech arrives bit for bit.
    assert_eq!(samples, expected);
    assert!(correlation(&samples, &expected) > 0.9999);
    assert!((rms_dbfs(&samples) - rms_dbfs(&expected)).abs() < 0.01);
}

#[test]
fn a_44k_stereo_device_is_downmixed_and_resampled_to_48k_mono() {
    if !is_child() {
        let home = tempfile::tempdir().unwrap();
        let wav = helpers::speech_wav(home.path(), SPEECH);
        let device_raw = home.path().join("speech-44k-stereo.raw");
        helpers::to_raw_s16(&wav, &device_raw, 44_100, 2);
        // The reference: the same speech converted to 48 kHz mono by sox.
        helpers::to_raw_s16(&wav, &home.path().join("reference-48k.raw"), 48_000, 1);
        helpers::write_fake_microphone(home.path(), &device_raw, 44_100, 2);
        run_in_child(
            "a_44k_stereo_device_is_downmixed_and_resampled_to_48k_mono",
            home.path(),
        );
        return;
    }
    let device_frames = std::fs::metadata(home().join("speech-44k-stereo.raw"))
        .unwrap()
        .len() as usize
        / 4;
    let reference = helpers::read_raw_s16(&home().join("reference-48k.raw"));
    let capture = Microphone::new(MicChoice::Default)
        .with_device_format(Some(44_100), Some(2))
        .start(&AudioConfig::default(), &CaptureClock::real())
        .unwrap();
    let format = capture.format().clone();
    assert_eq!(
        (format.device_sample_rate, format.device_channels),
        (44_100, 2),
        "the device runs at 44.1 kHz stereo: {format:?}"
    );
    // Exactly the output the file's frames make at 48 kHz.
    let n = (device_frames * 48_000 + 22_050) / 44_100;
    assert!(
        n.abs_diff(reference.len()) <= 2,
        "{n} vs sox's {}",
        reference.len()
    );
    let (_, samples) = read_samples(&capture, n.min(reference.len()));
    capture.stop().unwrap();
    let reference = &reference[..samples.len()];

    let level = (rms_dbfs(&samples), rms_dbfs(reference));
    println!(
        "RMS ours/sox {level:?}, correlation {}",
        correlation(&samples, reference)
    );
    assert!((level.0 - level.1).abs() < 0.2, "RMS {level:?}");
    assert!(correlation(&samples, reference) > 0.99);
    // Duration and rate: every quarter with speech in it still lines up with
    // the reference, so nothing drifts or stretches.
    for quarter in samples
        .chunks(samples.len() / 4)
        .zip(reference.chunks(samples.len() / 4))
    {
        if rms_dbfs(quarter.1) > -45.0 {
            let c = correlation(quarter.0, quarter.1);
            assert!(c > 0.98, "a quarter correlates only {c}");
        }
    }
}

/// An asoundrc whose default device is a sound card that does not exist.
fn write_missing_card(home: &std::path::Path) {
    std::fs::write(
        home.join(".asoundrc"),
        "pcm.!default { type hw card NoSuchCard }\nctl.!default { type hw card NoSuchCard }\n",
    )
    .unwrap();
}

#[test]
fn without_a_microphone_opening_the_default_says_what_to_do() {
    if !is_child() {
        let home = tempfile::tempdir().unwrap();
        write_missing_card(home.path());
        run_in_child(
            "without_a_microphone_opening_the_default_says_what_to_do",
            home.path(),
        );
        return;
    }
    let err = Microphone::default()
        .start(&AudioConfig::default(), &CaptureClock::real())
        .unwrap_err();
    assert_eq!(err.kind(), CaptureErrorKind::NoMicrophone, "{err}");
    assert!(err.to_string().starts_with(
        "no microphone found; connect one, choose another with --mic NAME, \
         or record video only with --mic none"
    ));
    println!("{err}");
}

#[test]
fn an_unknown_microphone_name_lists_what_there_is() {
    if !is_child() {
        let home = tempfile::tempdir().unwrap();
        write_missing_card(home.path());
        run_in_child(
            "an_unknown_microphone_name_lists_what_there_is",
            home.path(),
        );
        return;
    }
    let listed = list_microphones().expect("the ALSA host answers");
    assert!(
        listed.iter().all(|m| m.id != "null"),
        "ALSA's null sink is not a microphone"
    );
    let err = Microphone::new(MicChoice::Named("No Such Mic 3000".into()))
        .start(&AudioConfig::default(), &CaptureClock::real())
        .unwrap_err();
    assert_eq!(err.kind(), CaptureErrorKind::MicrophoneNotFound, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("'No Such Mic 3000'") && text.contains("--mic none"),
        "{text}"
    );
    for mic in &listed {
        assert!(text.contains(&mic.id), "{text} lists {}", mic.id);
    }
}

#[test]
fn a_microphone_needs_the_real_clock() {
    let err = Microphone::default()
        .start(&AudioConfig::default(), &CaptureClock::virtual_time())
        .unwrap_err();
    assert_eq!(err.kind(), CaptureErrorKind::InvalidConfig);
}
