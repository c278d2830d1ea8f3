// Benchmark: recording 720p30 in the app (synthetic camera and tone, the
// settings' defaults) with the live preview on screen. A benchmark
// measures; it never fails on a slow figure.
//
//   node bench-record.mjs            30 s CPU window, 10 s frame window
//   node bench-record.mjs --quick    10 s and 5 s (smoke run for CI)
//
// Figures:
//   preview fps   distinct pictures painted in the preview's screen area
//                 per second, as the X server shows them: ffmpeg's x11grab
//                 samples that area at 60 Hz and consecutive samples that
//                 differ are counted (the test pattern changes every frame).
//                 This is what the user sees, after the MJPEG stream, the
//                 webview's decode and its paint.
//   app CPU       the app process (capture, H.264 + Opus encoding, muxing,
//                 preview JPEG encoding, the media server), from
//                 /proc/PID/stat over the CPU window, in % of one core;
//   webview CPU   WebKit's web and network processes (the app's children:
//                 MJPEG parsing, JPEG decoding, painting);
//   recorded fps  frames the recorder kept per second of the same window,
//                 and frames it dropped (from `recording_status`).
// The CPU window runs before the frame window, so ffmpeg's own work does
// not count against the app.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";

import { openApp, requireEnv, setSize, startDisplay, startDriver, tempDir } from "./harness.mjs";

const quick = process.argv.includes("--quick");
const CPU_SECONDS = quick ? 10 : 30;
const FRAME_SECONDS = quick ? 5 : 10;
const [WIDTH, HEIGHT] = (process.env.BENCH_WINDOW ?? "1280x800").split("x").map(Number);
const TICKS = 100; // USER_HZ on Linux

function appPid() {
  const exe = realpathSync(requireEnv("DEBRIEF_APP_BIN"));
  const pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`) === exe;
    } catch {
      return false;
    }
  });
  if (pids.length !== 1) throw new Error(`expected one app process, found ${pids.length}`);
  return Number(pids[0]);
}

/** utime + stime (ticks) and the parent pid of a process. */
function stat(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
}

function children(pid) {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      try {
        return stat(p).ppid === pid;
      } catch {
        return false;
      }
    });
}

function ticksOf(pids) {
  return pids.reduce((sum, p) => {
    try {
      return sum + stat(p).ticks;
    } catch {
      return sum;
    }
  }, 0);
}

async function status(driver) {
  return driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    window.__TAURI_INTERNALS__.invoke('recording_status').then(done, (e) => done({ error: String(e) }));
  `);
}

/** Distinct consecutive pictures in a screen rectangle over `seconds`, sampled at 60 Hz. */
function paintedFrames(display, rect, seconds) {
  const w = Math.floor(rect.width / 2) * 2;
  const h = Math.floor(rect.height / 2) * 2;
  const started = Date.now();
  const r = spawnSync(
    "ffmpeg",
    [
      "-v", "error", "-f", "x11grab", "-framerate", "60", "-video_size", `${w}x${h}`,
      "-i", `${display}+${Math.ceil(rect.x)},${Math.ceil(rect.y)}`,
      "-t", String(seconds), "-f", "rawvideo", "-pix_fmt", "gray", "-",
    ],
    { maxBuffer: 2 ** 31 },
  );
  const wall = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`ffmpeg x11grab failed: ${r.stderr}`);
  const size = w * h;
  const samples = Math.floor(r.stdout.length / size);
  let changes = 0;
  for (let i = 1; i < samples; i++) {
    const a = r.stdout.subarray((i - 1) * size, i * size);
    const b = r.stdout.subarray(i * size, (i + 1) * size);
    if (Buffer.compare(a, b) !== 0) changes += 1;
  }
  return { samples, changes, seconds: samples / 60, wall };
}

async function main() {
  const data = path.join(tempDir("bench-record"), "data");
  const display = await startDisplay();
  const driverProc = await startDriver({ display: display.display, dataDir: data });
  const driver = await openApp(driverProc.port);
  try {
    await setSize(driver, WIDTH, HEIGHT);
    await driver.executeScript("location.hash = '#/record'");
    await driver.wait(
      () => driver.executeScript("const b = document.querySelector('#record-start'); return !!b && !b.disabled"),
      15_000,
      "record button",
    );
    await driver.executeScript("document.querySelector('#record-start').click()");
    await driver.wait(
      () => driver.executeScript("const i = document.querySelector('#record-preview'); return !!i && i.complete && i.naturalWidth > 0"),
      15_000,
      "live preview",
    );
    const rect = await driver.executeScript(
      "const r = document.querySelector('#record-preview').getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}",
    );
    await driver.sleep(2000);

    const pid = appPid();
    const webview = children(pid);
    const s0 = await status(driver);
    const app0 = ticksOf([pid]);
    const web0 = ticksOf(webview);
    const t0 = Date.now();
    await driver.sleep(CPU_SECONDS * 1000);
    const wall = (Date.now() - t0) / 1000;
    const app1 = ticksOf([pid]);
    const web1 = ticksOf(webview);
    const s1 = await status(driver);
    const appCpu = ((app1 - app0) / TICKS / wall) * 100;
    const webCpu = ((web1 - web0) / TICKS / wall) * 100;
    const recordedFps = (s1.frames_recorded - s0.frames_recorded) / wall;
    const dropped = s1.frames_dropped - s0.frames_dropped;

    const frames = paintedFrames(display.display, rect, FRAME_SECONDS);
    const previewFps = frames.changes / frames.seconds;

    const stopAt = Date.now();
    await driver.executeScript("document.querySelector('#record-stop').click()");
    await driver.wait(() => driver.executeScript("return !!document.querySelector('#save-title')"), 60_000, "save form");
    const stopMs = Date.now() - stopAt;

    console.log(
      `RESULT record-720p30 window=${WIDTH}x${HEIGHT} preview=${Math.round(rect.width)}x${Math.round(rect.height)}px ` +
        `preview-fps=${previewFps.toFixed(1)} (${frames.changes} new pictures in ${frames.samples} samples at 60 Hz over ${frames.seconds.toFixed(1)} s) ` +
        `app-cpu=${appCpu.toFixed(0)}% webview-cpu=${webCpu.toFixed(0)}% (of one core, over ${wall.toFixed(1)} s; ${webview.length} webview processes) ` +
        `recorded-fps=${recordedFps.toFixed(1)} dropped=${dropped} stop-to-save-form=${stopMs} ms ` +
        `(${process.env.BENCH_BUILD ?? "debug"} build; cores=${(await import("node:os")).cpus().length})`,
    );
  } finally {
    await driver.quit().catch(() => {});
    await driverProc.stop();
    await display.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
