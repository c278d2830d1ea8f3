// The app's commands, by name. build.rs includes this file to generate a
// permission per command (`allow-<name>`), which is what makes Tauri check
// `capabilities/` for app commands at all; a test keeps it equal to the
// commands in the bindings and to what the capability grants.
pub const COMMAND_NAMES: &[&str] = &[
    "list_clips",
    "get_clip",
    "tag_clip",
    "edit_clip",
    "share_clip",
    "delete_clip",
    "list_tags",
    "storage_usage",
    "app_status",
    "import_clip",
    // The record screen (commands/record.rs).
    "list_capture_devices",
    "start_recording",
    "pause_recording",
    "resume_recording",
    "recording_status",
    "stop_recording",
    "discard_recording",
    "recovered_recordings",
    "get_team",
    "join_team",
    "leave_team",
    "sync_now",
    "sync_status",
    "pin_clip",
    "download_clip",
    "list_playbook",
    "get_settings",
    "set_settings",
];
