// The record screen in the real webview (WebKitGTK via tauri-driver), with
// the synthetic source (this machine has no camera or microphone): the
// test pattern is offered, 10 s are recorded with the live preview moving
// and the timer running, paused and resumed once, the library is browsed
// meanwhile, the clip is named and tagged (an over-long tag refused with
// the text kept) and saved; it shows in the library with its thumbnail and
// about 10 s, plays and seeks; a tag added in the player and a title word
// find it; joined to a real team server from Settings and synced, a second
// device (the CLI with its own library) gets it with its tags and ffmpeg
// decodes it. A discarded recording leaves nothing behind.
// Screenshots of the record screen (idle, recording, save form) at phone
// and desktop sizes land in artifacts/app/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";

import { By, Key } from "selenium-webdriver";

import {
  cli,
  DESKTOP,
  makeMp4,
  openApp,
  pageActions,
  PHONE,
  playAndSeek,
  screenshot,
  setSize,
  startDisplay,
  startDriver,
  startServer,
  tempDir,
  waitInPage,
} from "./harness.mjs";

let display;
let driverProc;
let driver;
let work;
let data;
let recordedId;
let server;

before(async () => {
  work = tempDir("e2e-record");
  data = path.join(work, "data");
  // One clip already there, tagged, so the save form has a tag to suggest.
  cli(data, ["import", makeMp4(path.join(work, "Earlier call.mp4"), 2, "320x240"), "--tag", "pricing"]);
  display = await startDisplay();
  driverProc = await startDriver({ display: display.display, dataDir: data });
  driver = await openApp(driverProc.port);
  await setSize(driver, ...PHONE);
});

after(async () => {
  await driver?.quit().catch(() => {});
  await driverProc?.stop();
  await display?.stop();
  await server?.stop();
});

const { go, typeInto } = pageActions(() => driver);

const click = async (selector) => (await driver.findElement(By.css(selector))).click();
const timerText = () => driver.executeScript("return document.querySelector('[data-testid=record-timer]')?.textContent ?? null");
const seconds = (timer) => {
  const [m, s] = timer.split(" / ")[0].split(":").map(Number);
  return m * 60 + s;
};
const folder = (name) => {
  try {
    return readdirSync(path.join(data, name));
  } catch {
    return [];
  }
};

/**
 * Pixels that differ inside `rect` between two viewport screenshots
 * (ImageMagick's `compare`, with a small fuzz for JPEG noise).
 */
function pixelsChanged(a, b, rect) {
  const crop = `${Math.floor(rect.width)}x${Math.floor(rect.height)}+${Math.ceil(rect.x)}+${Math.ceil(rect.y)}`;
  const fa = path.join(work, "a.png");
  const fb = path.join(work, "b.png");
  writeFileSync(fa, a, "base64");
  writeFileSync(fb, b, "base64");
  const r = spawnSync("compare", ["-metric", "AE", "-fuzz", "3%", `${fa}[${crop}]`, `${fb}[${crop}]`, "null:"], { encoding: "utf8" });
  const n = Number.parseFloat(r.stderr);
  if (Number.isNaN(n)) throw new Error(`compare failed: ${r.stderr}`);
  return n;
}

async function waitIdle() {
  await waitInPage(driver, "const b = document.querySelector('#record-start'); return !!b && !b.disabled", 15_000, "the record button");
}

async function startRecording() {
  await click("#record-start");
  await waitInPage(
    driver,
    "const i = document.querySelector('#record-preview'); return !!i && i.complete && i.naturalWidth === 640 && i.naturalHeight === 360",
    15_000,
    "the live preview (640x360 MJPEG)",
  );
}

test("the record screen offers the test pattern when there is no camera", async () => {
  await go("#/record");
  await waitIdle();
  const camera = await driver.findElement(By.css("#camera-picker"));
  assert.equal(await camera.getAttribute("value"), "synthetic");
  const selected = await driver.executeScript("return document.querySelector('#camera-picker').selectedOptions[0].textContent");
  assert.equal(selected, "Test pattern (no camera)");
  assert.match(await driver.findElement(By.css("#camera-picker-note")).getText(), /No camera found/);
  assert.equal(await driver.findElement(By.css("#mic-picker")).getAttribute("value"), "synthetic");
  // The big button is in view on a phone without scrolling.
  const inView = await driver.executeScript("const r = document.querySelector('#record-start').getBoundingClientRect(); return r.bottom <= window.innerHeight - 60");
  assert.ok(inView, "record button hidden below the fold");
  await screenshot(driver, "record-idle");
});

test("10 s recorded: the preview moves, the timer runs, a pause stops it, the library stays usable", async () => {
  await startRecording();
  const rect = await driver.executeScript("const r = document.querySelector('#record-preview').getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}");
  const shotA = await driver.takeScreenshot();
  const t1 = await timerText();
  await driver.sleep(1200);
  const shotB = await driver.takeScreenshot();
  const changed = pixelsChanged(shotA, shotB, rect);
  assert.ok(changed > 200, `the preview did not change (${changed} pixels)`);
  const t2 = await timerText();
  assert.match(t2, /^0:0\d \/ 10:00$/);
  assert.ok(seconds(t2) > seconds(t1), `timer ${t1} -> ${t2}`);
  const meter = await driver.findElement(By.css("[data-testid=sound-meter]"));
  assert.ok(Number(await meter.getAttribute("aria-valuenow")) > -60, "the test tone shows on the meter");
  await screenshot(driver, "record-recording");

  await click("#record-pause");
  await waitInPage(driver, "return document.querySelector('[data-testid=rec-state]')?.textContent === 'Paused'");
  await driver.sleep(300);
  const atPause = await timerText();
  await driver.sleep(1500);
  assert.equal(await timerText(), atPause, "the timer ran on while paused");
  await click("#record-pause");
  await waitInPage(driver, "return document.querySelector('#record-pause')?.getAttribute('aria-pressed') === 'false'");

  // The library answers while recording, and the recording is still
  // there when the screen opens again.
  await go("#/library");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 1", 10_000, "the library while recording");
  await go("#/record");
  await waitInPage(driver, "return !!document.querySelector('#record-preview') && !!document.querySelector('[data-testid=record-timer]')", 10_000, "the recording again");

  await waitInPage(
    driver,
    "const t = document.querySelector('[data-testid=record-timer]')?.textContent; return !!t && t.startsWith('0:10')",
    30_000,
    "10 s recorded",
  );
  await click("#record-stop");
  await waitInPage(driver, "return document.querySelector('#record-title')?.textContent === 'Save your debrief'", 30_000, "the save form");
});

test("the save form names and tags the clip, refusing an over-long tag with the text kept", async () => {
  assert.match(await driver.findElement(By.css(".saved-summary")).getText(), /0:1[01] recorded/);
  assert.match(await driver.findElement(By.css("#save-title")).getAttribute("value"), /^Debrief /);
  await waitInPage(driver, "return !!document.querySelector('.chip-suggest')", 5_000, "tag suggestions");
  await screenshot(driver, "record-save");

  await typeInto("#save-title", "");
  await click("#save-clip");
  const titleError = await driver.wait(async () => (await driver.findElements(By.css("#save-title-error")))[0], 5_000);
  assert.match(await titleError.getText(), /Give your debrief a title/);

  await typeInto("#save-title", "Pricing objection with Acme");
  const long = "x".repeat(49);
  await typeInto("#save-tag-input", long);
  await click("#save-tag-add");
  const tagError = await driver.wait(async () => (await driver.findElements(By.css("#save-tag-error")))[0], 5_000);
  assert.match(await tagError.getText(), /at most 48 characters/);
  assert.equal(await driver.findElement(By.css("#save-tag-input")).getAttribute("value"), long);

  const input = await typeInto("#save-tag-input", "objection");
  await input.sendKeys(Key.ENTER);
  await waitInPage(driver, "return [...document.querySelectorAll('.save-form .tag span')].some(s => s.textContent === 'objection')", 5_000, "tag added");
  await click(".chip-suggest[aria-label='Add tag pricing']");
  await waitInPage(driver, "return [...document.querySelectorAll('.save-form .tag span')].some(s => s.textContent === 'pricing')", 5_000, "suggestion added");

  await click("#save-clip");
  await waitInPage(
    driver,
    "return location.hash.startsWith('#/clip/') && document.querySelector('#clip-title')?.textContent === 'Pricing objection with Acme'",
    15_000,
    "the saved clip in the player",
  );
  recordedId = decodeURIComponent(await driver.executeScript("return location.hash.split('/')[2]"));
  const tags = await driver.executeScript("return [...document.querySelectorAll('.tag span')].map(s => s.textContent)");
  assert.deepEqual([...tags].sort(), ["objection", "pricing"]);
});

test("the clip is in the library with its thumbnail and about 10 s", async () => {
  await go("#/library");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 2");
  const text = await driver.executeScript(`return document.querySelector('.clip-row[data-clip-id="${recordedId}"]').textContent`);
  assert.match(text, /Pricing objection with Acme/);
  assert.match(text, /0:1[01]/);
  await waitInPage(
    driver,
    `const i = document.querySelector('.clip-row[data-clip-id="${recordedId}"] img'); return !!i && i.complete && i.naturalWidth > 0`,
    10_000,
    "the recording's thumbnail",
  );
  assert.deepEqual(folder("recordings"), [], "the recording's working folder is gone");
});

test("the recording plays in the player: readyState 4, time advances, a seek to the middle lands", async () => {
  await driver.findElement(By.css(`.clip-row[data-clip-id="${recordedId}"]`)).click();
  await waitInPage(driver, "return !!document.querySelector('#player-video')", 10_000, "the video element");
  const r = await playAndSeek(driver);
  assert.equal(r.error, undefined, JSON.stringify(r));
  assert.equal(r.readyState, 4);
  assert.ok(r.t1 - r.t0 > 0.5, `currentTime advanced only ${r.t1 - r.t0}s`);
  assert.ok(r.duration >= 9.5 && r.duration <= 12, `duration ${r.duration}`);
  assert.ok(Math.abs(r.landed - r.target) < 0.25, `seek to ${r.target} landed at ${r.landed}`);
  assert.deepEqual([r.width, r.height], [1280, 720]);
  await screenshot(driver, "player-recording");
});

test("a tag added in the player; search finds the recording by it and by a title word", async () => {
  const input = await typeInto("#tag-input", "acme-deal");
  await input.sendKeys(Key.ENTER);
  await waitInPage(driver, "return [...document.querySelectorAll('.tag span')].some(s => s.textContent === 'acme-deal')", 5_000, "tag shown");
  await go("#/library");
  for (const query of ["acme-d", "objection pric"]) {
    await typeInto(".search-input", query);
    await waitInPage(
      driver,
      `const rows = [...document.querySelectorAll('.clip-row')]; return rows.length === 1 && rows[0].dataset.clipId === ${JSON.stringify(recordedId)}`,
      5_000,
      `search "${query}" finds only the recording`,
    );
  }
  await typeInto(".search-input", "");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 2");
});

test("joined to a team server and synced, a second device (the CLI) gets the recording and it decodes", async () => {
  server = await startServer("Sales");
  await go("#/settings");
  await waitInPage(driver, "return !!document.querySelector('#join-server')", 10_000, "join form");
  await typeInto("#join-server", server.url);
  await typeInto("#join-code", server.invite("member"));
  await typeInto("#join-name", "Riley Rep");
  await driver.findElement(By.css("[data-testid=join-submit]")).click();
  await waitInPage(driver, "return !!document.querySelector('[data-testid=team-card]')", 20_000, "joined");
  await go("#/sync");
  await waitInPage(driver, "return !document.querySelector('[data-testid=sync-now]')?.disabled", 60_000, "sync now enabled");
  await driver.findElement(By.css("[data-testid=sync-now]")).click();
  await go("#/library");
  await waitInPage(
    driver,
    `return document.querySelector('.clip-row[data-clip-id="${recordedId}"] [data-testid=sync-badge]')?.textContent === 'Synced'`,
    90_000,
    "the recording synced",
  );

  const other = path.join(work, "second-device");
  cli(other, ["join", server.url, server.invite("member"), "--name", "Sam Second", "--device", "sam-laptop"]);
  cli(other, ["sync", "--once"]);
  const seen = JSON.parse(cli(other, ["list", "--json"])).find((c) => c.id === recordedId);
  assert.ok(seen, "the second device lists the recording");
  assert.equal(seen.title, "Pricing objection with Acme");
  assert.deepEqual([...seen.tags].sort(), ["acme-deal", "objection", "pricing"]);
  assert.equal(seen.author, "Riley Rep");
  const local = cli(other, ["open", recordedId]).split("\n").at(-1);
  const probe = spawnSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", local], { encoding: "utf8" });
  assert.equal(probe.status, 0, probe.stderr);
  assert.ok(Number(probe.stdout) >= 9.5 && Number(probe.stdout) <= 12, `duration ${probe.stdout}`);
  const decode = spawnSync("ffmpeg", ["-v", "error", "-i", local, "-f", "null", "-"], { encoding: "utf8" });
  assert.equal(decode.status, 0, decode.stderr);
  assert.equal(decode.stderr, "", "ffmpeg decoded video and sound without errors");
});

test("a discarded recording leaves nothing behind", async () => {
  const mediaBefore = folder("media").sort();
  await go("#/record");
  await waitIdle();
  await startRecording();
  await waitInPage(driver, "const t = document.querySelector('[data-testid=record-timer]')?.textContent; return !!t && !t.startsWith('0:00')", 10_000);
  await click("#record-discard");
  await click("#record-discard-confirm");
  await waitIdle();
  assert.equal((await driver.findElements(By.css("#record-preview"))).length, 0);
  assert.deepEqual(folder("recordings"), []);
  assert.deepEqual(folder("media").sort(), mediaBefore);
  await go("#/library");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 2");
});

test("the record screen at desktop size; retake deletes the stored clip", async () => {
  const [w, h] = await setSize(driver, ...DESKTOP);
  assert.deepEqual([w, h], DESKTOP);
  await go("#/record");
  await waitIdle();
  await screenshot(driver, "record-idle");
  await startRecording();
  // 30 s: on a loaded 2-core machine the debug build's encoder can run
  // behind real time, and the timer shows recorded time, not wall time.
  await waitInPage(
    driver,
    "const t = document.querySelector('[data-testid=record-timer]')?.textContent; return !!t && t.startsWith('0:02')",
    30_000,
  ).catch(async (e) => {
    const seen = await driver.executeScript("return document.querySelector('main')?.innerText");
    throw new Error(`${e.message}; the screen said: ${seen}`);
  });
  // Preview and controls side by side.
  const [stage, panel] = await driver.executeScript(
    "return ['.record-stage', '.record-panel'].map(s => document.querySelector(s).getBoundingClientRect().left)",
  );
  assert.ok(panel > stage + 300, `panel at ${panel}, stage at ${stage}`);
  await screenshot(driver, "record-recording");
  await click("#record-stop");
  await waitInPage(driver, "return !!document.querySelector('#save-title')", 30_000, "the save form");
  await waitInPage(driver, "return !!document.querySelector('.chip-suggest')", 5_000, "tag suggestions");
  await screenshot(driver, "record-save");
  const mediaWithIt = folder("media").length;
  await click("#save-retake");
  await waitIdle();
  assert.equal(folder("media").length, mediaWithIt - 1);
  await go("#/library");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 2");
});
