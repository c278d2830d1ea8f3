//! `debrief record`: record until `--seconds` of recorded time, Ctrl-C
//! (or SIGTERM), or the maximum length; then finalise and store the clip
//! and print its id (`--json`: the clip object).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use debrief_device::{Device, DeviceError, RecordOptions, RecordedClip};

use crate::args::RecordArgs;
use crate::output;

pub fn run(device: &mut Device, a: RecordArgs, json: bool) -> Result<(), DeviceError> {
    let recorded = capture(device, a, None)?;
    let out = &mut std::io::stdout().lock();
    output::clip_created(out, &recorded.clip, json, "Recorded")
        .map_err(|e| DeviceError::InvalidInput(format!("cannot write output: {e}")))
}

/// Record until done and store the clip (linked to `challenge_id` when given).
pub fn capture(
    device: &mut Device,
    a: RecordArgs,
    challenge_id: Option<String>,
) -> Result<RecordedClip, DeviceError> {
    let opts = RecordOptions {
        source: a.source,
        mic: a.mic,
        audio_file: a.audio_file,
        width: a.width,
        height: a.height,
        fps: a.fps,
        seconds: a.seconds,
        title: a.title,
        notes: a.notes,
        tags: a.tag,
        private: a.private,
        challenge_id,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // A second Ctrl-C while finalising is ignored: stopping is quick and
    // interrupting it would only leave work for recovery.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    let recording = device.start_recording(&opts)?;
    let tty = std::io::stderr().is_terminal();
    if tty {
        let until = if opts.seconds.is_some() {
            "".to_string()
        } else {
            " (Ctrl-C to stop)".to_string()
        };
        let _ = writeln!(std::io::stderr(), "Recording from {}{until}", opts.source);
    }
    while !stop.load(Ordering::SeqCst) {
        if recording.wait_until_finished(Duration::from_millis(200)) {
            break;
        }
        if tty {
            let s = recording.status();
            let level = s
                .audio_level
                .map(|l| format!("  audio {:>5.1} dBFS", l.rms_dbfs))
                .unwrap_or_default();
            let _ = write!(
                std::io::stderr(),
                "\r  {} / {}{level}   ",
                output::duration(s.elapsed.as_millis() as u64),
                output::duration(s.max_length.as_millis() as u64)
            );
        }
    }
    if tty {
        let _ = writeln!(std::io::stderr());
    }
    let recorded = device.finish_recording(recording)?;
    if let Some(m) = &recorded.message {
        let _ = writeln!(std::io::stderr(), "note: {m}");
    }
    for w in &recorded.warnings {
        let _ = writeln!(std::io::stderr(), "warning: {w}");
    }
    Ok(recorded)
}
