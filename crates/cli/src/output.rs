//! How results look on stdout: JSON for scripts (`--json`), short
//! readable text for people. Ids always end up on the last line.

use std::io::{self, Write};

use debrief_device::Device;
use debrief_library::{Clip, StorageUsage, TagCount};

type Out<'a> = &'a mut dyn Write;

fn json_line<T: serde::Serialize + ?Sized>(out: Out<'_>, v: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, v).map_err(io::Error::other)?;
    writeln!(out)
}

pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn when(clip: &Clip) -> String {
    let t = clip.recorded_at;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn tags(clip: &Clip) -> String {
    if clip.tags.is_empty() {
        String::new()
    } else {
        format!("  #{}", clip.tags.join(" #"))
    }
}

pub fn clip_created(out: Out<'_>, clip: &Clip, json: bool, verb: &str) -> io::Result<()> {
    if json {
        return json_line(out, clip);
    }
    writeln!(
        out,
        "{verb} \"{}\" ({}, {}x{}, {}){}",
        clip.title,
        duration(clip.duration_ms),
        clip.width,
        clip.height,
        size(clip.bytes),
        tags(clip)
    )?;
    writeln!(out, "{}", clip.id)
}

pub fn clip_changed(out: Out<'_>, clip: &Clip, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, clip);
    }
    writeln!(out, "\"{}\"{}", clip.title, tags(clip))?;
    writeln!(out, "{}", clip.id)
}

pub fn deleted(out: Out<'_>, clip: &Clip, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, &serde_json::json!({ "deleted": clip.id }));
    }
    writeln!(out, "Deleted \"{}\"", clip.title)?;
    writeln!(out, "{}", clip.id)
}

pub fn clip_list(out: Out<'_>, clips: &[Clip], json: bool) -> io::Result<()> {
    if json {
        return json_line(out, clips);
    }
    if clips.is_empty() {
        return writeln!(out, "No clips. Import one with `debrief import FILE.mp4`.");
    }
    for c in clips {
        writeln!(
            out,
            "{}  {}  {:>6}  {}{}  [{}/{}]",
            c.id,
            when(c),
            duration(c.duration_ms),
            c.title,
            tags(c),
            c.media_state,
            c.sync_state
        )?;
    }
    Ok(())
}

pub fn clip_detail(out: Out<'_>, device: &Device, clip: &Clip, json: bool) -> io::Result<()> {
    let pending = device.library().pending_ops_for(clip.id).unwrap_or(0);
    let coaching = device.clip_coaching(clip).map_err(io::Error::other)?;
    if json {
        let mut v = serde_json::to_value(clip).map_err(io::Error::other)?;
        v["pending_ops"] = pending.into();
        v["comments"] = serde_json::to_value(&coaching.comments).map_err(io::Error::other)?;
        v["challenge"] = serde_json::to_value(&coaching.challenge).map_err(io::Error::other)?;
        v["playbook"] = serde_json::to_value(&coaching.playbook).map_err(io::Error::other)?;
        return json_line(out, &v);
    }
    writeln!(out, "{}", clip.title)?;
    if !clip.notes.is_empty() {
        writeln!(out, "  {}", clip.notes.replace('\n', "\n  "))?;
    }
    writeln!(out, "  recorded   {} UTC by {}", when(clip), clip.author)?;
    writeln!(
        out,
        "  media      {}, {}x{}, {} ({} / {})",
        duration(clip.duration_ms),
        clip.width,
        clip.height,
        size(clip.bytes),
        clip.video_codec.as_deref().unwrap_or("?"),
        clip.audio_codec.as_deref().unwrap_or("no audio")
    )?;
    writeln!(
        out,
        "  tags       {}",
        if clip.tags.is_empty() {
            "(none)".to_string()
        } else {
            clip.tags.join(", ")
        }
    )?;
    writeln!(out, "  kind       {} ({})", clip.kind, clip.visibility)?;
    writeln!(
        out,
        "  state      media {}, sync {} ({pending} change(s) waiting)",
        clip.media_state, clip.sync_state
    )?;
    writeln!(out, "  sha256     {}", clip.sha256)?;
    if let Some(p) = &clip.media_path {
        writeln!(out, "  file       {}", p.display())?;
    }
    if let Some(c) = &coaching.challenge {
        writeln!(out, "  answers    \"{}\" ({})", c.title, c.id)?;
    }
    if let Some(p) = &coaching.playbook {
        writeln!(
            out,
            "  playbook   {} (added by {})",
            p.section.as_deref().unwrap_or("unsorted"),
            p.by
        )?;
    }
    for c in &coaching.comments {
        let at = c
            .at_ms
            .map(|ms| format!("at {}  ", duration(ms)))
            .unwrap_or_default();
        writeln!(out, "  comment    {at}{}: {}", c.author, c.text)?;
    }
    writeln!(out, "{}", clip.id)
}

pub fn tag_counts(out: Out<'_>, tags: &[TagCount], json: bool) -> io::Result<()> {
    if json {
        return json_line(out, tags);
    }
    if tags.is_empty() {
        return writeln!(out, "No tags yet. Add one with `debrief tag ID --add TAG`.");
    }
    for t in tags {
        writeln!(out, "{:>6}  {}", t.count, t.name)?;
    }
    Ok(())
}

pub fn storage(out: Out<'_>, s: &StorageUsage, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, s);
    }
    writeln!(
        out,
        "{} clips, {} with media on this device",
        s.clips, s.clips_with_media
    )?;
    writeln!(out, "media       {}", size(s.media_bytes))?;
    writeln!(out, "thumbnails  {}", size(s.thumbnail_bytes))?;
    writeln!(out, "total       {}", size(s.total_bytes))
}

pub fn joined(out: Out<'_>, a: &debrief_library::Account, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, a);
    }
    writeln!(
        out,
        "Joined team \"{}\" at {} as {} ({}), device \"{}\".",
        a.team_name, a.server_url, a.display_name, a.role, a.device_name
    )?;
    writeln!(
        out,
        "Run `debrief sync --once` to share your clips and get the team's."
    )?;
    writeln!(out, "{}", a.member_id)
}

pub fn left(out: Out<'_>, a: &debrief_library::Account, json: bool) -> io::Result<()> {
    if json {
        return json_line(
            out,
            &serde_json::json!({ "left": a.team_name, "server_url": a.server_url }),
        );
    }
    writeln!(
        out,
        "Left team \"{}\". Your clips stay on this device.",
        a.team_name
    )
}

pub fn opened(out: Out<'_>, path: &std::path::Path, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, &serde_json::json!({ "media_path": path }));
    }
    writeln!(out, "{}", path.display())
}

pub fn sync_report(out: Out<'_>, r: &debrief_device::SyncReport, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, r);
    }
    let network = r
        .network
        .map(|n| n.to_string())
        .unwrap_or_else(|| "unknown".into());
    writeln!(
        out,
        "Synced on a {network} network: pushed {} change(s), uploaded {} file(s) ({}{}), pulled {} change(s), {} thumbnail(s), downloaded {} file(s) ({}).",
        r.pushed_ops,
        r.uploaded_files,
        size(r.upload_bytes_sent),
        if r.skipped_uploads > 0 {
            format!(", {} already on the server", r.skipped_uploads)
        } else {
            String::new()
        },
        r.pulled_changes,
        r.thumbnails,
        r.downloaded_files,
        size(r.download_bytes)
    )?;
    if !r.media_allowed {
        writeln!(
            out,
            "Media waits for an unmetered network (set DEBRIEF_ALLOW_CELLULAR=1 to send it anyway)."
        )?;
    }
    for f in &r.failures {
        writeln!(
            out,
            "failed: {}{}: {}",
            f.what,
            f.clip_id.map(|c| format!(" of {c}")).unwrap_or_default(),
            f.error
        )?;
    }
    Ok(())
}

pub fn status(out: Out<'_>, s: &debrief_device::SyncStatus, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, s);
    }
    match (&s.team_name, &s.server_url) {
        (Some(t), Some(u)) => writeln!(out, "Team \"{t}\" at {u}")?,
        _ => writeln!(
            out,
            "Not in a team: clips stay on this device. Join one with `debrief join SERVER_URL CODE`."
        )?,
    }
    writeln!(
        out,
        "waiting    {} change(s), {} file(s) to upload ({}), {} pinned download(s)",
        s.pending_ops,
        s.pending_uploads,
        size(s.pending_upload_bytes),
        s.pending_downloads
    )?;
    if s.media_paused_metered {
        writeln!(
            out,
            "           media is paused: the last sync was on a metered network"
        )?;
    }
    for t in &s.transfers {
        let dir = match t.direction {
            debrief_library::Direction::Up => "upload",
            debrief_library::Direction::Down => "download",
        };
        let pct = (t.bytes_done * 100).checked_div(t.bytes_total).unwrap_or(0);
        writeln!(
            out,
            "moving     {dir} of {}{}: {} of {} ({pct}%)",
            t.clip_id,
            if t.thumbnail { " (thumbnail)" } else { "" },
            size(t.bytes_done),
            size(t.bytes_total)
        )?;
        if let Some(e) = &t.last_error {
            writeln!(
                out,
                "           last error{}: {e}",
                if t.permanent {
                    " (will not retry)"
                } else {
                    " (will retry)"
                }
            )?;
        }
    }
    for f in &s.failed {
        writeln!(
            out,
            "failed     \"{}\" ({}): {}",
            f.title, f.clip_id, f.error
        )?;
    }
    if s.unread_notifications > 0 {
        writeln!(
            out,
            "unread     {} notification(s): `debrief notifications`",
            s.unread_notifications
        )?;
    }
    writeln!(
        out,
        "last sync  {}",
        s.last_success.as_deref().unwrap_or("never")
    )?;
    if let Some(e) = &s.last_error {
        writeln!(out, "last error {e}")?;
    }
    Ok(())
}

pub fn devices(out: Out<'_>, d: &debrief_device::DeviceList, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, d);
    }
    if d.cameras.is_empty() {
        writeln!(
            out,
            "Cameras: none found. Connect a camera, or record with --source synthetic."
        )?;
    } else {
        writeln!(out, "Cameras:")?;
        for c in &d.cameras {
            writeln!(out, "  camera:{}  {}", c.index, c.name)?;
        }
    }
    if let Some(e) = &d.camera_error {
        writeln!(out, "  ({})", e.message)?;
    }
    if d.microphones.is_empty() {
        writeln!(
            out,
            "Microphones: none found. Connect one, or record video only with --mic none."
        )?;
    } else {
        writeln!(out, "Microphones:")?;
        for m in &d.microphones {
            writeln!(
                out,
                "  {}  (--mic {}){}",
                m.name,
                m.id,
                if m.is_default { "  default" } else { "" }
            )?;
        }
    }
    if let Some(e) = &d.microphone_error {
        writeln!(out, "  ({})", e.message)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_naturally() {
        assert_eq!(duration(0), "0:00");
        assert_eq!(duration(125_400), "2:05");
        assert_eq!(duration(3_725_000), "1:02:05");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(12_300_000), "12.3 MB");
    }
}
