//! `debrief sync`: one round with `--once`, else rounds on an interval
//! until Ctrl-C. Prints a summary per round; the exit status of `--once`
//! is 0 only if nothing failed.

use std::io::Write;
use std::time::Duration;

use debrief_device::{Device, DeviceError, NetworkKind, SyncReport, block_on};

use crate::args::SyncArgs;
use crate::output;

pub fn run(device: &mut Device, a: &SyncArgs, json: bool) -> Result<(), DeviceError> {
    let network: Option<NetworkKind> = a
        .network
        .as_deref()
        .map(|n| n.parse().expect("clap checked the value"));
    loop {
        let report = block_on(device.sync_once(network));
        let out = &mut std::io::stdout().lock();
        match report {
            Ok(r) => {
                output::sync_report(out, &r, json)
                    .map_err(|e| DeviceError::InvalidInput(format!("cannot write output: {e}")))?;
                if a.once {
                    return failures_to_error(&r);
                }
            }
            Err(e) if a.once => return Err(e),
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "sync failed: {e}");
            }
        }
        std::thread::sleep(Duration::from_secs(a.interval.max(1)));
    }
}

fn failures_to_error(r: &SyncReport) -> Result<(), DeviceError> {
    match r.failures.first() {
        None => Ok(()),
        Some(f) => Err(DeviceError::SyncIncomplete(format!(
            "{} item(s) failed to sync; first: {}: {} (see `debrief status`)",
            r.failures.len(),
            f.what,
            f.error
        ))),
    }
}
