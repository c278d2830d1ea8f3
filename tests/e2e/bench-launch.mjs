// Benchmark: launch to first library paint with a big library, and how
// smoothly that library scrolls. A benchmark measures; it does not fail on
// a slow figure (the goal, <= 1 s to first paint with 10k clips, is printed
// beside the result).
//
//   node bench-launch.mjs            10,000 clips, 5 launches
//   node bench-launch.mjs --quick    1,000 clips, 1 launch (smoke run for CI)
//
// The end point is the first animation frame after the first page of clips
// rendered (window.__debriefFirstPaint, set by the UI). Three start points:
//   process   the app process's start time (from /proc, ~10 ms resolution):
//             what a user waits for after tapping the icon;
//   session   when the WebDriver session was requested, before WebKitWebDriver
//             spawns the app (adds the driver's own start-up, an upper bound);
//   webview   the page's navigation start (the UI's share alone).
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";

import { openApp, requireEnv, startDisplay, startDriver, tempDir } from "./harness.mjs";

const quick = process.argv.includes("--quick");
const clips = quick ? 1_000 : 10_000;
const runs = quick ? 1 : 5;
const GOAL_MS = 1000;

function seed(dataDir, n) {
  const r = spawnSync(requireEnv("DEBRIEF_SEED_BIN"), [dataDir, String(n)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`seeding failed: ${r.stderr}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Epoch ms at which the running app process started, read from /proc. */
function appProcessStart() {
  const exe = realpathSync(requireEnv("DEBRIEF_APP_BIN"));
  const pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`) === exe;
    } catch {
      return false;
    }
  });
  if (pids.length !== 1) throw new Error(`expected one app process, found ${pids.length}`);
  // Field 22 of /proc/PID/stat: start time in clock ticks (100/s on Linux) after boot.
  const stat = readFileSync(`/proc/${pids[0]}/stat`, "utf8");
  const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  const uptimeMs = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
  const bootEpoch = Date.now() - uptimeMs;
  return bootEpoch + ticks * 10;
}

async function launchOnce(driverPort) {
  const t0 = Date.now();
  const driver = await openApp(driverPort);
  try {
    const marks = await driver.wait(
      () =>
        driver.executeScript(
          "return window.__debriefFirstPaint ? [window.__debriefFirstPaint, performance.timeOrigin, document.querySelectorAll('.clip-row').length] : null",
        ),
      30_000,
      "first library paint",
    );
    const [paint, origin, rows] = marks;
    return { driver, processMs: paint - appProcessStart(), sessionMs: paint - t0, webviewMs: paint - origin, rows };
  } catch (e) {
    await driver.quit().catch(() => {});
    throw e;
  }
}

/**
 * Scroll the list a long way, one step per frame, and report frame times
 * (the floor is the display's frame interval). 600 px per frame is a hard
 * fling, about 6 rows of clips per frame on a phone.
 */
async function scrollBench(driver, pxPerFrame) {
  return driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    const SPEED = arguments[0];
    const list = document.querySelector('.vlist');
    const frames = [];
    let last = performance.now();
    let steps = 0;
    const step = () => {
      const now = performance.now();
      frames.push(now - last);
      last = now;
      list.scrollTop += SPEED;
      if (++steps < 300) requestAnimationFrame(step);
      else {
        const items = [...document.querySelectorAll('[role=listitem]')];
        done({ frames, top: list.scrollTop, inDom: items.length,
               furthest: Math.max(...items.map((e) => Number(e.getAttribute('aria-posinset')))) });
      }
    };
    requestAnimationFrame(step);
  `, pxPerFrame);
}

async function main() {
  const work = tempDir("bench");
  const dataDir = path.join(work, "data");
  const s0 = Date.now();
  seed(dataDir, clips);
  console.log(`seeded ${clips} synthetic clips in ${Date.now() - s0} ms`);

  const display = await startDisplay();
  const driverProc = await startDriver({ display: display.display, dataDir });
  const processes = [];
  const sessions = [];
  const webviews = [];
  let scroll = null;
  try {
    for (let i = 0; i < runs; i++) {
      const { driver, processMs, sessionMs, webviewMs, rows } = await launchOnce(driverProc.port);
      processes.push(processMs);
      sessions.push(sessionMs);
      webviews.push(webviewMs);
      console.log(
        `launch ${i + 1}/${runs}: first library paint ${Math.round(processMs)} ms after the process started ` +
          `(${sessionMs} ms after the session request, ${Math.round(webviewMs)} ms after navigation; ${rows} rows painted)`,
      );
      if (i === runs - 1) {
        await driver.manage().window().setRect({ width: 390, height: 844, x: 0, y: 0 });
        scroll = await scrollBench(driver, Number(process.env.BENCH_SPEED ?? 600));
      }
      await driver.quit();
    }
  } finally {
    await driverProc.stop();
    await display.stop();
  }
  const m = Math.round(median(processes));
  console.log(
    `RESULT launch-to-first-library-paint clips=${clips} runs=${runs} median=${m} ms ` +
      `min=${Math.round(Math.min(...processes))} ms max=${Math.round(Math.max(...processes))} ms ` +
      `(session-median=${median(sessions)} ms webview-median=${Math.round(median(webviews))} ms) ` +
      `goal<=${GOAL_MS} ms ${m <= GOAL_MS ? "(met)" : "(NOT met)"}`,
  );
  if (scroll) {
    const f = scroll.frames.slice(1);
    console.log(
      `RESULT scroll frames=${f.length} p50=${pct(f, 50).toFixed(1)} ms p95=${pct(f, 95).toFixed(1)} ms max=${Math.max(...f).toFixed(1)} ms ` +
        `reached-clip=${scroll.furthest} list-items-in-dom=${scroll.inDom} scrolled=${Math.round(scroll.top)} px`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
