//! Command-line arguments. Names here are a contract: extend, never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "debrief",
    version,
    about = "Record, tag, search and share sales-call debriefs.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The library's data directory [default: the platform's app-data dir]
    #[arg(long, global = true, env = "DEBRIEF_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add an MP4 (H.264 or HEVC video; AAC or Opus audio) to the library
    Import(ImportArgs),
    /// List clips, newest first; search with --query, filter with --tag
    List(ListArgs),
    /// Everything known about one clip
    Show(IdArg),
    /// Add and remove tags on a clip
    Tag(TagArgs),
    /// Change a clip's title or notes
    Edit(EditArgs),
    /// Make a private clip visible to the team
    Share(IdArg),
    /// Delete a clip and its files
    Delete(IdArg),
    /// All tags with the number of clips carrying each
    Tags,
    /// Disk space used by media and thumbnails
    Storage,
    /// Record a debrief from a camera (or the synthetic test source) and microphone
    Record(RecordArgs),
    /// List cameras and microphones
    Devices,
    /// Join a team on its server with an invite code
    Join(JoinArgs),
    /// Leave the team (refused while changes wait to sync, unless --force)
    Leave(LeaveArgs),
    /// Sync with the team server: push changes, upload, pull, download
    Sync(SyncArgs),
    /// What waits to sync, what is moving, what failed and why
    Status,
    /// Keep a clip's media on this device (downloaded at the next media-allowed sync)
    Pin(IdArg),
    /// Stop keeping a clip's media on this device
    Unpin(IdArg),
    /// Print the local path of a clip's media, downloading it now if needed
    Open(OpenArgs),
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// synthetic, synthetic:fast (virtual clock, as fast as the encoder), camera or camera:INDEX
    #[arg(long, default_value = "camera")]
    pub source: String,
    /// default, a microphone name, or none (video only) [default: the synthetic tone for a synthetic source, else default]
    #[arg(long)]
    pub mic: Option<String>,
    /// Use this WAV file as the sound of a synthetic recording
    #[arg(long, value_name = "FILE.wav")]
    pub audio_file: Option<std::path::PathBuf>,
    /// Record this many seconds, then stop [default: until Ctrl-C or the 10-minute maximum]
    #[arg(long)]
    pub seconds: Option<f64>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// A tag to add (repeatable)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    #[arg(long)]
    pub width: Option<u32>,
    #[arg(long)]
    pub height: Option<u32>,
    #[arg(long)]
    pub fps: Option<u32>,
    /// Keep the clip private (only your own devices see it)
    #[arg(long)]
    pub private: bool,
}

#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The team server, e.g. https://debrief.example.com (plain http only to this computer)
    pub server_url: String,
    /// The invite code from a team admin (case, spaces and dashes do not matter)
    pub code: String,
    /// Your name as teammates see it [default: the configured author or the OS user]
    #[arg(long)]
    pub name: Option<String>,
    /// This device's name in the team's device list [default: the host name]
    #[arg(long)]
    pub device: Option<String>,
}

#[derive(Debug, Args)]
pub struct LeaveArgs {
    /// Leave even though changes have not reached the team yet
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Run one full round, then exit (0 only if nothing failed)
    #[arg(long)]
    pub once: bool,
    /// Treat the network as metered or unmetered instead of asking the platform
    #[arg(long, value_name = "KIND", value_parser = ["metered", "unmetered"])]
    pub network: Option<String>,
    /// Seconds between rounds without --once
    #[arg(long, default_value_t = 30)]
    pub interval: u64,
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    pub id: String,
    #[arg(long, value_name = "KIND", value_parser = ["metered", "unmetered"])]
    pub network: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The MP4 file to import
    pub file: PathBuf,
    /// Title [default: the file name without extension]
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// A tag to add (repeatable)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Keep the clip private (only your own devices see it)
    #[arg(long)]
    pub private: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only clips with this tag (repeatable; all must match)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Search text: every word must match the start of a word in the title, notes, tags or author
    #[arg(long, short = 'q', value_name = "TEXT")]
    pub query: Option<String>,
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// The clip id (as printed by import or list)
    pub id: String,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    pub id: String,
    /// Tag to add (repeatable)
    #[arg(long, value_name = "TAG")]
    pub add: Vec<String>,
    /// Tag to remove (repeatable)
    #[arg(long, value_name = "TAG")]
    pub remove: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub id: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
}
