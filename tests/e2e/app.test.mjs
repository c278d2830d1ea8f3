// The built app in its real webview (WebKitGTK via tauri-driver), on a
// library prepared with the CLI from a real ffmpeg MP4: the clip shows
// with its thumbnail, search and tag chips find it, a tag is added (and an
// over-long one refused with the text kept), a second file is imported
// through the UI, and the player plays, advances and seeks over the
// loopback media server. Screenshots of every screen at phone and desktop
// sizes land in artifacts/app/.
import assert from "node:assert/strict";
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
  tempDir,
  waitInPage,
} from "./harness.mjs";

let display;
let driverProc;
let driver;
let work;
let firstId;

before(async () => {
  work = tempDir("e2e");
  const data = path.join(work, "data");
  const mp4 = makeMp4(path.join(work, "Compliance questions.mp4"), 6);
  makeMp4(path.join(work, "Renewal pricing.mp4"), 3, "320x240");
  firstId = cli(data, ["import", mp4, "--tag", "compliance"]).split("\n").at(-1);
  display = await startDisplay();
  driverProc = await startDriver({ display: display.display, dataDir: data });
  driver = await openApp(driverProc.port);
});

after(async () => {
  await driver?.quit().catch(() => {});
  await driverProc?.stop();
  await display?.stop();
});

const rowTitles = () =>
  driver.executeScript("return [...document.querySelectorAll('.clip-row .clip-title')].map(e => e.textContent)");

const { go, typeInto } = pageActions(() => driver);

test("the window takes phone size", async () => {
  const [w, h] = await setSize(driver, ...PHONE);
  assert.equal(w, PHONE[0]);
  assert.equal(h, PHONE[1]);
});

test("the library shows the imported clip with its thumbnail", async () => {
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 1", 15_000, "one clip row");
  assert.deepEqual(await rowTitles(), ["Compliance questions"]);
  const row = await driver.findElement(By.css(".clip-row"));
  assert.equal(await row.getAttribute("data-clip-id"), firstId);
  assert.match(await row.getText(), /0:06/);
  assert.match(await row.getText(), /Only on this device/);
  await waitInPage(
    driver,
    "const i = document.querySelector('.clip-row img'); return !!i && i.complete && i.naturalWidth > 0",
    10_000,
    "thumbnail loaded",
  );
  const src = await driver.executeScript("return document.querySelector('.clip-row img').src");
  assert.match(src, /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/thumbs\/[0-9a-f-]{36}\.jpg$/);
  const chip = await driver.findElement(By.css(".chip"));
  assert.equal(await chip.findElement(By.css(".chip-name")).getText(), "compliance");
  assert.equal(await chip.findElement(By.css(".chip-count")).getText(), "1");
  await screenshot(driver, "library");
});

test("search finds the clip by a word prefix and reports no match otherwise", async () => {
  await typeInto(".search-input", "compl");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 1");
  await typeInto(".search-input", "zzzz");
  await waitInPage(driver, "return document.body.textContent.includes('No clips match')", 5_000, "no-match message");
  await driver.findElement(By.xpath("//button[normalize-space()='Clear search and filters']")).click();
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 1");
});

test("a second file imported through the UI opens in the player", async () => {
  await go("#/import");
  await typeInto("#import-path", path.join(work, "no-such-file.mp4"));
  await driver.findElement(By.xpath("//button[normalize-space()='Import']")).click();
  const alert = await driver.wait(async () => {
    const els = await driver.findElements(By.css("#import-error"));
    return els[0];
  }, 10_000);
  assert.match(await alert.getText(), /no-such-file/);
  assert.equal(await driver.findElement(By.css("#import-path")).getAttribute("value"), path.join(work, "no-such-file.mp4"));

  await typeInto("#import-path", path.join(work, "Renewal pricing.mp4"));
  await typeInto("#import-tags", "renewal, pricing");
  await screenshot(driver, "import");
  await driver.findElement(By.xpath("//button[normalize-space()='Import']")).click();
  await waitInPage(driver, "return location.hash.startsWith('#/clip/') && document.querySelector('#clip-title')?.textContent === 'Renewal pricing'", 20_000, "player of the imported clip");
  await go("#/library");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 2");
  assert.deepEqual(await rowTitles(), ["Renewal pricing", "Compliance questions"]);
});

test("a tag chip filters the list", async () => {
  const chip = await driver.findElement(By.xpath("//button[contains(@class,'chip')][.//span[text()='renewal']]"));
  await chip.click();
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 1");
  assert.deepEqual(await rowTitles(), ["Renewal pricing"]);
  assert.equal(await chip.getAttribute("aria-pressed"), "true");
  await chip.click();
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 2");
});

test("the player adds a tag, refuses an over-long one and keeps the text", async () => {
  await driver.findElement(By.css(`.clip-row[data-clip-id="${firstId}"]`)).click();
  await waitInPage(driver, "return document.querySelector('#clip-title')?.textContent === 'Compliance questions'");
  const input = await typeInto("#tag-input", "e2e-tag");
  await input.sendKeys(Key.ENTER);
  await waitInPage(driver, "return [...document.querySelectorAll('.tag span')].some(s => s.textContent === 'e2e-tag')", 5_000, "tag shown");
  assert.equal(await input.getAttribute("value"), "");

  const long = "x".repeat(49);
  await typeInto("#tag-input", long);
  await driver.findElement(By.xpath("//button[normalize-space()='Add']")).click();
  const error = await driver.wait(async () => (await driver.findElements(By.css("#tag-error")))[0], 5_000);
  assert.match(await error.getText(), /at most 48 characters/);
  assert.equal(await input.getAttribute("value"), long);
  await typeInto("#tag-input", "");
});

test("the player plays over the media server: readyState 4, time advances, a seek lands", async () => {
  const result = await playAndSeek(driver);
  assert.equal(result.error, undefined, JSON.stringify(result));
  assert.equal(result.readyState, 4);
  assert.ok(result.t1 - result.t0 > 0.5, `currentTime advanced only ${result.t1 - result.t0}s`);
  assert.ok(Math.abs(result.duration - 6) < 0.2, `duration ${result.duration}`);
  assert.ok(Math.abs(result.landed - result.target) < 0.25, `seek to ${result.target} landed at ${result.landed}`);
  assert.match(result.src, /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/media\//);
  await screenshot(driver, "player");
});

test("search finds the clip by its new tag", async () => {
  await go("#/library");
  await typeInto(".search-input", "e2e");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 1");
  assert.deepEqual(await rowTitles(), ["Compliance questions"]);
  await typeInto(".search-input", "");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 2");
});

test("the CSP blocks inline scripts and network access, and ungranted commands are refused", async () => {
  const r = await driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    const out = {};
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.append(s);
    out.inlineRan = window.__inlineRan === true;
    const media = document.querySelector('.clip-row img')?.src;
    Promise.allSettled([
      fetch(media),
      fetch('https://example.com/'),
      window.__TAURI_INTERNALS__.invoke('plugin:window|close', { label: 'main' }),
      window.__TAURI_INTERNALS__.invoke('list_tags'),
    ]).then((rs) => {
      out.fetchMedia = rs[0].status;
      out.fetchRemote = rs[1].status;
      out.closeWindow = rs[2].status + ' ' + String(rs[2].reason ?? '');
      out.listTags = rs[3].status;
      done(out);
    });
  `);
  assert.equal(r.inlineRan, false, "an inline script ran");
  // connect-src allows only IPC: the media server is for <img>/<video> only.
  assert.equal(r.fetchMedia, "rejected");
  assert.equal(r.fetchRemote, "rejected");
  assert.match(r.closeWindow, /^rejected .*not allowed/);
  assert.equal(r.listTags, "fulfilled");
});

test("settings shows storage and pending changes", async () => {
  await go("#/settings");
  const total = await driver.wait(async () => (await driver.findElements(By.css("[data-testid=storage-total]")))[0], 5_000);
  assert.match(await total.getText(), /\d+(\.\d)? (KB|MB)/);
  assert.match(await driver.findElement(By.css("[data-testid=pending-changes]")).getText(), /^\d+ changes are waiting to sync\.$/);
  await screenshot(driver, "settings");
});

test("every screen at desktop size", async () => {
  const [w, h] = await setSize(driver, ...DESKTOP);
  assert.equal(w, DESKTOP[0]);
  assert.equal(h, DESKTOP[1]);
  await go("#/library");
  await waitInPage(driver, "return document.querySelectorAll('.clip-row').length === 2");
  await waitInPage(driver, "return [...document.querySelectorAll('.clip-row img')].every(i => i.complete && i.naturalWidth > 0)");
  // Two columns of clips fit beside the side rail.
  const lefts = await driver.executeScript("return [...document.querySelectorAll('.vcell')].map(c => Math.round(c.getBoundingClientRect().left))");
  assert.equal(new Set(lefts).size, 2, `columns at ${lefts}`);
  await screenshot(driver, "library");
  await driver.findElement(By.css(`.clip-row[data-clip-id="${firstId}"]`)).click();
  await waitInPage(driver, "const v = document.querySelector('#player-video'); return v && v.readyState >= 2", 15_000, "video frame");
  await screenshot(driver, "player");
  await go("#/import");
  await waitInPage(driver, "return !!document.querySelector('#import-path')");
  await screenshot(driver, "import");
  await go("#/settings");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=storage-total]')");
  await screenshot(driver, "settings");
});

// Debrief's own recordings (fragmented while recording, finalised in place
// to fast-start with Opus audio) must play and seek in WebKitGTK too.
test("a clip recorded by `debrief record` plays and seeks in the webview", async () => {
  const data = path.join(work, "data");
  const id = cli(data, ["record", "--source", "synthetic:fast", "--seconds", "4", "--title", "Recorded debrief"]).split("\n").at(-1);
  await setSize(driver, ...PHONE);
  await go(`#/clip/${id}`);
  await waitInPage(driver, "return !!document.querySelector('#player-video')", 15_000, "player");
  const result = await playAndSeek(driver);
  assert.equal(result.error, undefined, JSON.stringify(result));
  assert.equal(result.readyState, 4);
  assert.ok(result.t1 - result.t0 > 0.5, `currentTime advanced only ${result.t1 - result.t0}s`);
  assert.ok(Math.abs(result.duration - 4) < 0.1, `duration ${result.duration}`);
  assert.ok(Math.abs(result.landed - result.target) < 0.25, `seek to ${result.target} landed at ${result.landed}`);
  await screenshot(driver, "player-recorded");
});
