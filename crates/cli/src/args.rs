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
    /// Challenges: post one (managers and admins), list them, show one with its answers
    Challenge(ChallengeArgs),
    /// Answer a challenge with one of your clips (--clip ID) or by recording one now
    Answer(AnswerArgs),
    /// The team playbook: add a clip (managers and admins), remove one, list it
    Playbook(PlaybookArgs),
    /// Comment on a clip, optionally at a moment of it (--at 0:42); prints the comment's id
    Comment(CommentArgs),
    /// A clip's comments, timestamped ones first
    Comments(IdArg),
    /// Change the text of one of your comments
    CommentEdit(CommentEditArgs),
    /// Delete one of your comments
    CommentDelete(CommentIdArg),
    /// New challenges, answers to your challenges, comments on your clips, new playbook clips
    Notifications(NotificationsArgs),
}

#[derive(Debug, Args)]
pub struct ChallengeArgs {
    #[command(subcommand)]
    pub command: ChallengeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ChallengeCommand {
    /// Ask the team for answers (managers and admins); prints the challenge's id
    Create(ChallengeCreateArgs),
    /// Live challenges, newest first, with your answer state
    List,
    /// One challenge with its answers' clip ids (and, for managers, who has not answered)
    Show(ChallengeIdArg),
    /// Change a challenge's title, prompt, due date or longest answer (managers and admins)
    Edit(ChallengeEditArgs),
    /// Delete a challenge for the team (managers and admins); its answers stay as clips
    Delete(ChallengeIdArg),
}

#[derive(Debug, Args)]
pub struct ChallengeEditArgs {
    /// The challenge id
    pub id: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub prompt: Option<String>,
    /// A new due date (a due date can be changed, not removed)
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// A new longest answer (a limit can be changed, not removed)
    #[arg(long, value_name = "LENGTH")]
    pub max_length: Option<String>,
}

#[derive(Debug, Args)]
pub struct ChallengeCreateArgs {
    #[arg(long)]
    pub title: String,
    /// What to record, e.g. "Record how you handle the pricing objection"
    #[arg(long)]
    pub prompt: String,
    /// Due date: YYYY-MM-DD (the end of that day, UTC) or an RFC 3339 time
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// Longest answer wanted, e.g. 2m, 90s or 1m30s
    #[arg(long, value_name = "LENGTH")]
    pub max_length: Option<String>,
}

#[derive(Debug, Args)]
pub struct ChallengeIdArg {
    /// The challenge id (as printed by `challenge create` or `challenge list`)
    pub id: String,
}

#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// The challenge to answer
    pub challenge_id: String,
    /// Answer with this existing clip of yours instead of recording one
    #[arg(long, value_name = "ID")]
    pub clip: Option<String>,
    #[command(flatten)]
    pub record: RecordArgs,
}

#[derive(Debug, Args)]
pub struct PlaybookArgs {
    #[command(subcommand)]
    pub command: PlaybookCommand,
}

#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// Put a clip into the playbook, or move it (managers and admins)
    Add(PlaybookAddArgs),
    /// Take a clip out of the playbook (managers and admins)
    Remove(IdArg),
    /// The playbook by section, then order
    List,
}

#[derive(Debug, Args)]
pub struct PlaybookAddArgs {
    /// The clip id
    pub id: String,
    /// The playbook section, e.g. Objections
    #[arg(long)]
    pub section: Option<String>,
    /// Position within the section (lower comes first)
    #[arg(long, allow_negative_numbers = true)]
    pub order: Option<i64>,
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    /// The clip id
    pub clip_id: String,
    pub text: String,
    /// The moment the comment is about, e.g. 0:42
    #[arg(long, value_name = "M:SS")]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct CommentIdArg {
    /// The comment id (as printed by `comment` or `comments`)
    pub id: String,
}

#[derive(Debug, Args)]
pub struct CommentEditArgs {
    /// The comment id
    pub id: String,
    pub text: String,
}

#[derive(Debug, Args)]
pub struct NotificationsArgs {
    /// Only unread ones
    #[arg(long)]
    pub unread: bool,
    /// Mark every notification read after listing them
    #[arg(long)]
    pub mark_read: bool,
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
