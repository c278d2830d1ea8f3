// Everything the app's end-to-end tests and launch benchmark share: a
// virtual display, tauri-driver (which starts WebKitWebDriver, which starts
// the app), WebDriver sessions, real MP4s made by ffmpeg and the `debrief`
// CLI to prepare a library before the app opens it.
//
// Binaries come from the environment (scripts/app-test.sh sets them):
//   DEBRIEF_APP_BIN   the built app (debrief-app)
//   DEBRIEF_CLI_BIN   the `debrief` CLI
//   TAURI_DRIVER      tauri-driver (default: on PATH)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Builder, By, Key, until } from "selenium-webdriver";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
export const artifactsDir = path.join(repoRoot, "artifacts", "app");

export function requireEnv(name) {
  const value = process.env[name];
  if (!value || !existsSync(value)) {
    throw new Error(`${name} must point at a built binary (got ${value ?? "nothing"}); run scripts/app-test.sh`);
  }
  return value;
}

export function tempDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), `debrief-${prefix}-`));
}

/** A real H.264 + AAC MP4, fast-start, with a moving test pattern. */
export function makeMp4(file, seconds, size = "640x360") {
  const r = spawnSync(
    "ffmpeg",
    [
      "-v", "error", "-y",
      "-f", "lavfi", "-i", `testsrc2=size=${size}:rate=30:duration=${seconds}`,
      "-f", "lavfi", "-i", `sine=frequency=440:duration=${seconds}`,
      "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
      "-c:a", "aac", "-shortest", "-movflags", "+faststart", file,
    ],
    { stdio: "inherit" },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed to make ${file}`);
  return file;
}

/** Run the CLI on a data dir; returns stdout (ids are its last line). */
export function cli(dataDir, args) {
  const r = spawnSync(requireEnv("DEBRIEF_CLI_BIN"), ["--data-dir", dataDir, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`debrief ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout.trim();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
}

/** The display to use: $DISPLAY if set, else a private Xvfb we start. */
export async function startDisplay() {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, stop: async () => {} };
  let n = 90 + Math.floor(Math.random() * 400);
  while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n += 1;
  const display = `:${n}`;
  const xvfb = spawn("Xvfb", [display, "-screen", "0", "1400x1000x24", "-nolisten", "tcp"], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  while (!existsSync(`/tmp/.X11-unix/X${n}`)) {
    if (Date.now() > deadline || xvfb.exitCode !== null) throw new Error("Xvfb did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    display,
    stop: async () => {
      xvfb.kill("SIGTERM");
      await new Promise((r) => xvfb.once("exit", r));
    },
  };
}

/**
 * Start tauri-driver for one library: the app it launches inherits this
 * environment, which is how DEBRIEF_DATA_DIR reaches it.
 */
export async function startDriver({ display, dataDir }) {
  const port = await freePort();
  const nativePort = await freePort();
  const driverBin = process.env.TAURI_DRIVER || "tauri-driver";
  const child = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, DISPLAY: display, DEBRIEF_DATA_DIR: dataDir, NO_AT_BRIDGE: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitForPort(port, 15_000, "tauri-driver");
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** A WebDriver session, which launches the app. */
export async function openApp(driverPort) {
  const app = requireEnv("DEBRIEF_APP_BIN");
  const driver = await new Builder()
    .usingServer(`http://127.0.0.1:${driverPort}/`)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: app } })
    .build();
  return driver;
}

export async function setSize(driver, width, height) {
  await driver.manage().window().setRect({ width, height, x: 0, y: 0 });
  // Report the size the page lays out at, so a test can check it took effect.
  return driver.executeScript("return [window.innerWidth, window.innerHeight]");
}

export async function screenshot(driver, name) {
  mkdirSync(artifactsDir, { recursive: true });
  const [w, h] = await driver.executeScript("return [window.innerWidth, window.innerHeight]");
  const file = path.join(artifactsDir, `${name}-${w}x${h}.png`);
  // Thumbnails decode asynchronously: a loaded <img> can still be unpainted.
  // Wait for every image's decode and two frames, so the picture shows
  // what a user sees rather than grey placeholders.
  await driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    // Only finished images (the live preview's MJPEG stream never
    // finishes), and never longer than 2 s.
    const decoded = Promise.all([...document.images].filter((i) => i.complete).map((i) => i.decode().catch(() => {})));
    Promise.race([decoded, new Promise((r) => setTimeout(r, 2000))])
      .then(() => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  `);
  writeFileSync(file, await driver.takeScreenshot(), "base64");
  return file;
}

/** Wait until `fn` (run in the page) returns a truthy value; returns it. */
export async function waitInPage(driver, script, timeoutMs = 10_000, what = script) {
  return driver.wait(async () => driver.executeScript(script), timeoutMs, `timed out waiting for: ${what}`);
}

/** Play the player's video (#player-video) muted until readyState 4, check time advances,
 *  then seek to the middle; what happened, for the caller to judge. */
export function playAndSeek(driver) {
  return driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    const v = document.querySelector('#player-video');
    if (!v) return done({ error: 'no video element' });
    const fail = (why) => done({ error: why, readyState: v.readyState, networkState: v.networkState, code: v.error && v.error.code });
    const timer = setTimeout(() => fail('timeout'), 20000);
    v.muted = true;
    const waitReady = () => new Promise((res) => {
      const check = () => (v.readyState >= 4 ? res() : setTimeout(check, 50));
      check();
    });
    (async () => {
      await v.play();
      await waitReady();
      const readyState = v.readyState;
      const t0 = v.currentTime;
      await new Promise((r) => setTimeout(r, 1500));
      const t1 = v.currentTime;
      v.pause();
      const duration = v.duration;
      const target = duration / 2;
      await new Promise((res) => { v.addEventListener('seeked', res, { once: true }); v.currentTime = target; });
      clearTimeout(timer);
      done({ readyState, t0, t1, duration, target, landed: v.currentTime, src: v.currentSrc, width: v.videoWidth, height: v.videoHeight });
    })().catch((e) => fail(String(e)));
  `);
}

/** The two window sizes every screen is checked at. */
export const PHONE = [390, 844];
export const DESKTOP = [1280, 800];

/**
 * Page actions on whichever session `getDriver()` returns (test files keep
 * the session in a variable set in `before`):
 *   go(hash)               navigate within the app;
 *   typeInto(sel, text)    replace a field's text the way a user does
 *                          (select all, delete, type), returning the field.
 */
export function pageActions(getDriver) {
  return {
    go: (hash) => getDriver().executeScript(`location.hash = ${JSON.stringify(hash)}`),
    typeInto: async (selector, text) => {
      const el = await getDriver().findElement(By.css(selector));
      await el.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
      if (text) await el.sendKeys(text);
      return el;
    },
  };
}

export { until };

/** Run `debrief-server --data-dir DIR ARGS...`; returns stdout (codes are its last line). */
export function serverAdmin(dir, args) {
  const r = spawnSync(requireEnv("DEBRIEF_SERVER_BIN"), ["--data-dir", dir, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`debrief-server ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * A real team server (as the CLI tests start it): one team, serving on a
 * loopback port; `invite(role)` makes a code, `stop()` kills it.
 */
export async function startServer(team = "Sales") {
  const dir = tempDir("server");
  serverAdmin(dir, ["team", "create", team]);
  const child = spawn(requireEnv("DEBRIEF_SERVER_BIN"), ["--data-dir", dir, "serve", "--listen", "127.0.0.1:0"], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`debrief-server did not say where it listens: ${out}`)), 15_000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`debrief-server exited (${code}): ${out}`)));
  });
  return {
    url,
    dir,
    invite: (role = "member") => serverAdmin(dir, ["invite", "--team", team, "--role", role]).split("\n").at(-1).trim(),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
