//! Helpers for driving the real `debrief` binary in tests.
#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "debrief failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Assert a failure with exactly one line on stderr containing `needle`.
    #[track_caller]
    pub fn fails_with(self, needle: &str) -> Self {
        assert_ne!(
            self.code, 0,
            "expected failure, got success: {}",
            self.stdout
        );
        assert_eq!(
            self.stderr.trim_end().lines().count(),
            1,
            "errors are one line: {:?}",
            self.stderr
        );
        assert!(
            self.stderr.contains(needle),
            "stderr {:?} does not mention {:?}",
            self.stderr,
            needle
        );
        self
    }
}

pub fn debrief_cmd(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_debrief"));
    c.arg("--data-dir").arg(data_dir);
    c.env_remove("DEBRIEF_DATA_DIR")
        .env_remove("DEBRIEF_LOG")
        .env("DEBRIEF_AUTHOR", "Test Rep");
    c
}

pub fn run_output(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn debrief(data_dir: &Path, args: &[&str]) -> Run {
    run_output(
        debrief_cmd(data_dir)
            .args(args)
            .output()
            .expect("run debrief"),
    )
}

/// Make a real MP4 with ffmpeg (the test command installs it; a missing
/// ffmpeg fails the test, it never skips it).
pub fn ffmpeg_mp4(dir: &Path, name: &str, seconds: f32, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size=320x240:rate=30:duration={seconds}"),
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency=440:duration={seconds}"),
        ])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .args(extra)
        .arg(&out)
        .status()
        .expect("ffmpeg must be installed (the README's test command installs it)");
    assert!(status.success(), "ffmpeg failed to make {name}");
    out
}

pub fn sha256_of(path: &Path) -> String {
    debrief_library::files::hash_file(path).unwrap()
}

/// Every file under `dir` (recursively), excluding the database files.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("library.sqlite3")
            {
                out.push(p);
            }
        }
    }
    out
}
