//! CPU time and peak memory from Linux's /proc (the benchmark's only
//! platform; other systems report nothing).

use std::time::Duration;

/// User + system CPU of this process (all threads, also finished ones) and
/// of its waited-for children.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub own: Duration,
    pub children: Duration,
}

pub fn cpu() -> Cpu {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Cpu::default();
    };
    // Fields after the command name (which is in parentheses).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Cpu::default();
    };
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime, stime, cutime, cstime are fields 14-17 (1-based), i.e. 11-14 here.
    let tick = Duration::from_secs(1) / clock_ticks();
    let ticks = |i: usize| fields.get(i).copied().unwrap_or(0) as u32;
    Cpu {
        own: tick * (ticks(11) + ticks(12)),
        children: tick * (ticks(13) + ticks(14)),
    }
}

fn clock_ticks() -> u32 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// Peak resident set size of this process, in bytes.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPU used so far by each live thread of this process, by thread name.
pub fn thread_cpu() -> Vec<(String, Duration)> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let tick = Duration::from_secs(1) / clock_ticks();
    let mut threads = Vec::new();
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_string();
        let fields: Vec<u32> = stat[close + 1..]
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        let used =
            tick * (fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0));
        threads.push((name, used));
    }
    threads
}
