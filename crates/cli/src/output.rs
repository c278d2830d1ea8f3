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
    if json {
        let mut v = serde_json::to_value(clip).map_err(io::Error::other)?;
        v["pending_ops"] = pending.into();
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
