//! `debrief`: the device side of Debrief on the command line.
//!
//! Contract (scripts rely on it): `--data-dir` and `--json` are global and
//! accepted before or after the subcommand; ids are printed as the last
//! line of stdout; errors are one line on stderr with a non-zero exit code
//! (see [`exit_code`]).

mod args;
mod coach;
mod output;
mod record;
mod sync;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use debrief_device::{Device, DeviceError, ImportOptions, ListOptions, block_on};

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg = e.to_string().replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "error: {msg}");
            ExitCode::from(exit_code(&e))
        }
    }
}

fn init_logging() {
    // Logs go to stderr and are quiet unless asked for (DEBRIEF_LOG=debug).
    let filter = tracing_subscriber::EnvFilter::try_from_env("DEBRIEF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,mp4_atom=error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// Exit codes by error kind, so scripts can branch without parsing text.
fn exit_code(e: &DeviceError) -> u8 {
    match e.kind() {
        "not_found" | "file_not_found" => 3,
        "bad_id" | "bad_tag" | "invalid_input" | "bad_media" | "config" | "not_permitted"
        | "forbidden" => 4,
        "disk_full" | "io" | "busy" | "corrupt" | "schema_too_new" | "library" | "token_store" => 5,
        "unreachable" | "server" | "bad_response" | "hash_mismatch" | "sync_incomplete" => 6,
        "unauthorized"
        | "revoked"
        | "not_joined"
        | "incompatible_server"
        | "bad_url"
        | "insecure_url" => 7,
        // Cameras, microphones and recording.
        "no_camera"
        | "camera_busy"
        | "camera_permission_denied"
        | "unsupported_camera_format"
        | "no_microphone"
        | "microphone_not_found"
        | "microphone_busy"
        | "microphone_permission_denied"
        | "unsupported_microphone_format"
        | "audio_host_unavailable"
        | "device_lost"
        | "device"
        | "audio_file"
        | "record" => 8,
        _ => 1,
    }
}

fn run(cli: Cli) -> Result<(), DeviceError> {
    let data_dir = match cli.global.data_dir.clone() {
        Some(d) => d,
        None => debrief_device::config::default_data_dir()?,
    };
    let json = cli.global.json;
    let mut device = Device::open(&data_dir)?;
    for r in device.recovered() {
        // Never silent: an interrupted recording was saved.
        let _ = writeln!(
            std::io::stderr(),
            "note: recovered an interrupted recording \"{}\" ({}) as clip {}",
            r.clip.title,
            output::duration(r.clip.duration_ms),
            r.clip.id
        );
    }
    let out = &mut std::io::stdout().lock();
    match cli.command {
        Command::Import(a) => {
            let opts = ImportOptions {
                title: a.title,
                notes: a.notes,
                tags: a.tag,
                private: a.private,
            };
            let clip = device.import(&a.file, &opts)?;
            output::clip_created(out, &clip, json, "Imported")
        }
        Command::List(a) => {
            let opts = ListOptions {
                query: a.query,
                tags: a.tag,
                limit: a.limit,
                offset: a.offset,
            };
            let clips = device.list(&opts)?;
            output::clip_list(out, &clips, json)
        }
        Command::Show(a) => {
            let clip = device.show(&a.id)?;
            output::clip_detail(out, &device, &clip, json)
        }
        Command::Tag(a) => {
            if a.add.is_empty() && a.remove.is_empty() {
                return Err(DeviceError::InvalidInput(
                    "nothing to do: give --add TAG and/or --remove TAG".into(),
                ));
            }
            let clip = device.tag(&a.id, &a.add, &a.remove)?;
            output::clip_changed(out, &clip, json)
        }
        Command::Edit(a) => {
            if a.title.is_none() && a.notes.is_none() {
                return Err(DeviceError::InvalidInput(
                    "nothing to do: give --title TEXT and/or --notes TEXT".into(),
                ));
            }
            let clip = device.edit(&a.id, a.title.as_deref(), a.notes.as_deref())?;
            output::clip_changed(out, &clip, json)
        }
        Command::Share(a) => {
            let clip = device.share(&a.id)?;
            output::clip_changed(out, &clip, json)
        }
        Command::Delete(a) => {
            let clip = device.show(&a.id)?;
            device.delete(&a.id)?;
            output::deleted(out, &clip, json)
        }
        Command::Tags => output::tag_counts(out, &device.tags()?, json),
        Command::Storage => output::storage(out, &device.storage()?, json),
        Command::Record(a) => return record::run(&mut device, a, json),
        Command::Devices => output::devices(out, &debrief_device::list_devices(), json),
        Command::Join(a) => {
            let account = block_on(device.join(
                &a.server_url,
                &a.code,
                a.name.as_deref(),
                a.device.as_deref(),
            ))?;
            output::joined(out, &account, json)
        }
        Command::Leave(a) => {
            let account = block_on(device.leave(a.force))?;
            output::left(out, &account, json)
        }
        Command::Sync(a) => return sync::run(&mut device, &a, json),
        Command::Status => output::status(out, &device.sync_status()?, json),
        Command::Pin(a) => {
            let clip = device.pin(&a.id, true)?;
            output::clip_changed(out, &clip, json)
        }
        Command::Unpin(a) => {
            let clip = device.pin(&a.id, false)?;
            output::clip_changed(out, &clip, json)
        }
        Command::Open(a) => {
            let network = a
                .network
                .as_deref()
                .map(|n| n.parse().expect("clap checked the value"));
            let path = block_on(device.open_clip(&a.id, network))?;
            output::opened(out, &path, json)
        }
        Command::Challenge(a) => return coach::challenge(&mut device, a, json),
        Command::Answer(a) => return coach::answer(&mut device, a, json),
        Command::Playbook(a) => return coach::playbook(&mut device, a, json),
        Command::Comment(a) => return coach::comment(&mut device, a, json),
        Command::Comments(a) => return coach::comments(&device, a, json),
        Command::CommentEdit(a) => return coach::comment_edit(&mut device, a, json),
        Command::CommentDelete(a) => return coach::comment_delete(&mut device, a, json),
        Command::Notifications(a) => return coach::notifications(&mut device, a, json),
    }
    .map_err(|e| DeviceError::InvalidInput(format!("cannot write output: {e}")))
}
