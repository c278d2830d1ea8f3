// The app with a real team server (debrief-server on a loopback port) and
// a second device (the `debrief` CLI with its own library):
//   - joining from Settings: an unreachable server and a wrong invite code
//     are refused with clear messages and the typed fields kept; the right
//     code joins;
//   - a clip imported before joining syncs up; the sync panel says so; the
//     CLI device joins, syncs, lists it, downloads it and ffmpeg decodes it;
//   - a clip made on the CLI device arrives in the app after a sync, shows
//     "On server only", downloads when opened and plays (readyState 4,
//     currentTime advances);
//   - "Keep offline" puts it in the Playbook;
//   - with the server gone, the sync panel and the banner say so; leaving
//     with a change waiting asks again, then leaves.
// Screenshots (390x844 and 1280x800) of Settings (joined and not), the
// sync panel (synced and failing) and the playbook land in artifacts/app/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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
let server;
let work;
let deviceB;
let appClipId;
let cliClipId;

before(async () => {
  work = tempDir("team");
  const data = path.join(work, "app");
  deviceB = path.join(work, "cli-device");
  const mp4 = makeMp4(path.join(work, "Compliance questions.mp4"), 6);
  appClipId = cli(data, ["import", mp4, "--tag", "compliance"]).split("\n").at(-1);
  server = await startServer("Sales");
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

const value = (selector) => driver.executeScript(`return document.querySelector(${JSON.stringify(selector)}).value`);
const text = (selector) => driver.executeScript(`return document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`);

/** Screenshots at phone and desktop size, back to phone size after. */
async function shots(name, ready) {
  for (const size of [PHONE, DESKTOP]) {
    await setSize(driver, ...size);
    if (ready) await waitInPage(driver, ready, 10_000, `${name} ready`);
    await screenshot(driver, name);
  }
  await setSize(driver, ...PHONE);
}

async function clickTestId(id) {
  await driver.findElement(By.css(`[data-testid=${id}]`)).click();
}

async function syncNowInApp() {
  await go("#/sync");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=sync-now]')", 10_000, "sync now button");
  await waitInPage(driver, "return !document.querySelector('[data-testid=sync-now]').disabled", 60_000, "sync now enabled");
  await clickTestId("sync-now");
  await waitInPage(driver, "return document.querySelector('[data-testid=sync-now]').disabled === false", 90_000, "the round to end");
}

test("settings before joining: a join form, this device listed", async () => {
  await go("#/settings");
  await waitInPage(driver, "return !!document.querySelector('#join-server')", 10_000, "join form");
  assert.match(await text("[data-testid=devices]"), /This device/);
  assert.equal(await text("[data-testid=offline-banner]"), null);
  await shots("team-settings-not-joined", "return !!document.querySelector('#join-server')");
});

test("an unreachable server is refused with a clear message, input kept", async () => {
  const port = Number(new URL(server.url).port) + 1;
  const closed = `http://127.0.0.1:${port === 65536 ? 1 : port}`;
  await typeInto("#join-server", closed);
  await typeInto("#join-code", "AAAA-BBBB-CCCC-DDDD");
  await clickTestId("join-submit");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=join-error]')", 20_000, "join error");
  assert.match(await text("[data-testid=join-error]"), /^Cannot reach a Debrief server at http:\/\/127\.0\.0\.1:\d+: .*Check the address/);
  assert.equal(await value("#join-server"), closed);
  assert.equal(await value("#join-code"), "AAAA-BBBB-CCCC-DDDD");
});

test("a wrong invite code is refused with the server's reason, input kept", async () => {
  await typeInto("#join-server", server.url);
  await typeInto("#join-name", "Avery Chen");
  await clickTestId("join-submit");
  await waitInPage(driver, "return /invite code/i.test(document.querySelector('[data-testid=join-error]')?.textContent ?? '')", 20_000, "invite error");
  assert.match(await text("[data-testid=join-error]"), /^Invite code not found: check it was typed completely/);
  assert.equal(await value("#join-server"), server.url);
  assert.equal(await value("#join-code"), "AAAA-BBBB-CCCC-DDDD");
  assert.equal(await value("#join-name"), "Avery Chen");
  assert.equal(await driver.executeScript("return document.querySelector('#join-code').getAttribute('aria-invalid')"), "true");
  await shots("team-join-error", "return !!document.querySelector('[data-testid=join-error]')");
});

test("the right code joins the team", async () => {
  await typeInto("#join-code", server.invite("member"));
  await clickTestId("join-submit");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=team-card]')", 20_000, "joined");
  assert.match(await text("[data-testid=team-card]"), /Sales.*Avery Chen \(member\)/);
  assert.equal(await text("[data-testid=team-server]"), `${server.url}/`);
});

test("sync: the clip goes up and the sync panel says it is synced", async () => {
  await syncNowInApp();
  await waitInPage(driver, "return /Up to date/.test(document.querySelector('[data-testid=sync-state]')?.textContent ?? '')", 60_000, "up to date");
  assert.match(await text("[data-testid=sync-state]"), /Up to date.*last synced just now/);
  assert.equal(await text("[data-testid=sync-waiting]"), "Nothing waits to go to the team.");
  await go("#/library");
  await waitInPage(
    driver,
    `return document.querySelector('.clip-row[data-clip-id="${appClipId}"] [data-testid=sync-badge]')?.textContent === 'Synced'`,
    15_000,
    "Synced badge",
  );
  await go("#/sync");
  await shots("team-sync", "return /Up to date/.test(document.querySelector('[data-testid=sync-state]')?.textContent ?? '')");
});

test("a second device (the CLI) gets the clip and its video decodes", () => {
  cli(deviceB, ["join", server.url, server.invite("member"), "--name", "Blake Rivera", "--device", "blake-laptop"]);
  cli(deviceB, ["sync", "--once"]);
  const clips = JSON.parse(cli(deviceB, ["list", "--json"]));
  const seen = clips.find((c) => c.id === appClipId);
  assert.ok(seen, `the CLI device lists ${appClipId}: ${JSON.stringify(clips.map((c) => c.title))}`);
  assert.equal(seen.title, "Compliance questions");
  assert.equal(seen.author, "Avery Chen");
  const local = cli(deviceB, ["open", appClipId]).split("\n").at(-1);
  const probe = spawnSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", local], { encoding: "utf8" });
  assert.equal(probe.status, 0, probe.stderr);
  assert.ok(Math.abs(Number(probe.stdout) - 6) < 0.2, `duration ${probe.stdout}`);
  const decode = spawnSync("ffmpeg", ["-v", "error", "-i", local, "-f", "null", "-"], { encoding: "utf8" });
  assert.equal(decode.status, 0, decode.stderr);
  assert.equal(decode.stderr, "", "ffmpeg decoded without errors");
});

test("a clip made on the CLI device arrives in the app, downloads on open and plays", async () => {
  const mp4 = makeMp4(path.join(work, "Renewal pricing.mp4"), 3, "320x240");
  cliClipId = cli(deviceB, ["import", mp4, "--tag", "pricing"]).split("\n").at(-1);
  cli(deviceB, ["sync", "--once"]);
  await syncNowInApp();
  await go("#/library");
  const row = `.clip-row[data-clip-id="${cliClipId}"]`;
  await waitInPage(driver, `return !!document.querySelector('${row}')`, 20_000, "the CLI clip in the library");
  assert.match(await text(row), /Renewal pricing.*Blake Rivera/);
  assert.equal(await text(`${row} [data-testid=sync-badge]`), "On server only");
  await driver.findElement(By.css(row)).click();
  await waitInPage(driver, "const v = document.querySelector('#player-video'); return v && v.readyState >= 1", 30_000, "the downloaded video");
  const result = await driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    const v = document.querySelector('#player-video');
    const fail = (why) => done({ error: why, readyState: v.readyState, code: v.error && v.error.code });
    const timer = setTimeout(() => fail('timeout'), 20000);
    v.muted = true;
    (async () => {
      await v.play();
      while (v.readyState < 4) await new Promise((r) => setTimeout(r, 50));
      const readyState = v.readyState;
      const t0 = v.currentTime;
      await new Promise((r) => setTimeout(r, 1200));
      const t1 = v.currentTime;
      v.pause();
      clearTimeout(timer);
      done({ readyState, t0, t1, duration: v.duration });
    })().catch((e) => fail(String(e)));
  `);
  assert.equal(result.error, undefined, JSON.stringify(result));
  assert.equal(result.readyState, 4);
  assert.ok(result.t1 - result.t0 > 0.5, `currentTime advanced only ${result.t1 - result.t0}s`);
  assert.ok(Math.abs(result.duration - 3) < 0.2, `duration ${result.duration}`);
  assert.equal(await text("[data-testid=sync-badge]"), "Cached");
});

test("keep offline puts the clip in the playbook", async () => {
  await clickTestId("pin-toggle");
  await waitInPage(driver, "return document.querySelector('[data-testid=pin-toggle]').getAttribute('aria-pressed') === 'true'", 10_000, "pinned");
  await go("#/playbook");
  await waitInPage(driver, `return !!document.querySelector('[data-testid=playbook-item][data-clip-id="${cliClipId}"]')`, 10_000, "playbook item");
  assert.match(await text("[data-testid=playbook-item]"), /Renewal pricing.*Pinned.*Plays offline/);
  await shots("team-playbook", "return !!document.querySelector('[data-testid=playbook-item] img')");
});

test("settings when joined: team, Wi-Fi only, budget and devices", async () => {
  await go("#/settings");
  await waitInPage(driver, "return !!document.querySelector('#wifi-only')", 10_000, "preferences");
  assert.equal(await driver.executeScript("return document.querySelector('#wifi-only').checked"), true);
  assert.match(await text("[data-testid=network-now]"), /unmetered/);
  assert.match(await text("[data-testid=budget-usage]"), /^Videos on this device: [\d.]+ (KB|MB) of 2\.1 GB\./);
  // The server's device list: a member sees their own devices only (the
  // CLI device is Blake's), with when each was last active.
  await waitInPage(driver, "return document.querySelectorAll('[data-testid=device]').length >= 1", 10_000, "devices");
  const devices = await driver.executeScript("return [...document.querySelectorAll('[data-testid=device]')].map(d => d.textContent)");
  assert.equal(devices.length, 1, JSON.stringify(devices));
  assert.match(devices[0], /This device.*active (just now|\d+ min ago)/);
  assert.equal(await text("[data-testid=devices-note]"), null);
  await shots("team-settings-joined", "return !!document.querySelector('[data-testid=team-card]')");
});

test("with the server gone, the sync panel and the banner say so", async () => {
  await server.stop();
  // A change made now waits for the server.
  await go(`#/clip/${appClipId}`);
  await waitInPage(driver, "return !!document.querySelector('#tag-input')", 10_000, "tag field");
  const tagField = await driver.findElement(By.css("#tag-input"));
  await tagField.sendKeys("offline-edit", Key.ENTER);
  await waitInPage(driver, "return /offline-edit/.test(document.querySelector('.tag-list')?.textContent ?? '')", 10_000, "tag added");
  await syncNowInApp();
  await waitInPage(driver, "return !!document.querySelector('[data-testid=sync-problem]')", 60_000, "sync problem");
  assert.match(await text("[data-testid=sync-problem]"), /Can't reach the team server.*cannot reach the team server at http:\/\/127\.0\.0\.1:\d+/i);
  assert.ok(await driver.findElement(By.css("[data-testid=sync-retry]")).isDisplayed());
  await shots("team-sync-error", "return !!document.querySelector('[data-testid=sync-problem]')");
  await go("#/library");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=offline-banner]')", 10_000, "banner");
  assert.match(await text("[data-testid=offline-banner]"), /Can't reach the team server\. \d+ changes? (is|are) waiting; Debrief keeps trying\./);
});

test("with the server gone, Settings lists this device and says why the others are missing", async () => {
  await go("#/settings");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=devices-note]')", 15_000, "devices note");
  assert.match(await text("[data-testid=devices-note]"), /^Showing this device only: .*127\.0\.0\.1/);
  assert.match(await text("[data-testid=device]"), /This device/);
});

test("leaving with a change waiting asks again, then leaves", async () => {
  await go("#/settings");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=leave]')", 10_000, "leave button");
  await clickTestId("leave");
  await clickTestId("leave-yes");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=leave-unsynced]')", 10_000, "unsynced warning");
  assert.match(await text("[data-testid=leave-unsynced]"), /^\d+ changes? ha(s|ve) not reached the team yet\. Sync first, or leave anyway/);
  await clickTestId("leave-force");
  await waitInPage(driver, "return !!document.querySelector('#join-server')", 10_000, "join form again");
  assert.equal(await text("[data-testid=offline-banner]"), null);
});
