// The coaching loop in the real webview, with a real team server
// (debrief-server on a loopback port), a manager's device (the `debrief`
// CLI) and the app as a rep:
//   - the manager posts a challenge; after a sync the app shows it with its
//     due date and "Not answered yet", and no create-challenge control;
//   - the rep answers it by recording with the synthetic source; the
//     challenge then shows "Answered"; a sync takes the answer up;
//   - the manager (CLI) sees the answer, comments at 0:02, promotes it into
//     the playbook (section "Objections") along with a model answer of
//     their own;
//   - the app syncs: the inbox badge counts the unread notifications, the
//     playbook lists section "Objections" and the model answer is
//     downloaded; tapping the timestamped comment seeks the player to 0:02;
//   - a rep's `debrief challenge create` is refused on the device, and, from
//     a device that wrongly believes it is a manager, by the server (403,
//     the change dropped and announced);
//   - with the server stopped, the rep still plays the playbook clip
//     (readyState 4, currentTime advances).
// Screenshots (390x844 and 1280x800) of the challenges list, a challenge,
// the record screen answering it, the player with comments, the inbox and
// the playbook land in artifacts/app/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { after, before, test } from "node:test";

import { By } from "selenium-webdriver";

import {
  cli,
  DESKTOP,
  makeMp4,
  openApp,
  pageActions,
  PHONE,
  requireEnv,
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
let app;
let boss;
let rep;
let challengeId;
let answerId;
let modelId;
const { go, typeInto } = pageActions(() => driver);

/** A due date a month from now, as the CLI takes it. */
const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

before(async () => {
  work = tempDir("coaching");
  app = path.join(work, "app");
  boss = path.join(work, "boss");
  rep = path.join(work, "rep-cli");
  server = await startServer("Sales");
  cli(app, ["join", server.url, server.invite("member"), "--name", "Riley Rep", "--device", "riley-phone"]);
  cli(boss, ["join", server.url, server.invite("manager"), "--name", "Max Manager", "--device", "max-laptop"]);
  cli(rep, ["join", server.url, server.invite("member"), "--name", "Pat Rep", "--device", "pat-laptop"]);
  display = await startDisplay();
  driverProc = await startDriver({ display: display.display, dataDir: app });
  driver = await openApp(driverProc.port);
  await setSize(driver, ...PHONE);
});

after(async () => {
  await driver?.quit().catch(() => {});
  await driverProc?.stop();
  await display?.stop();
  await server?.stop();
});

const text = (selector) => driver.executeScript(`return document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`);
const click = async (selector) => (await driver.findElement(By.css(selector))).click();

/** Screenshots at phone and desktop size, back to phone size after. */
async function shots(name, ready) {
  for (const size of [PHONE, DESKTOP]) {
    await setSize(driver, ...size);
    if (ready) await waitInPage(driver, ready, 10_000, `${name} ready`);
    await screenshot(driver, name);
  }
  await setSize(driver, ...PHONE);
}

async function syncNowInApp() {
  await go("#/sync");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=sync-now]')", 10_000, "sync now button");
  await waitInPage(driver, "return !document.querySelector('[data-testid=sync-now]').disabled", 60_000, "sync now enabled");
  await click("[data-testid=sync-now]");
  await waitInPage(driver, "return document.querySelector('[data-testid=sync-now]').disabled === false", 90_000, "the round to end");
}

/** Run the CLI and expect it to fail; returns { code, stdout, stderr }. */
function cliFails(dataDir, args) {
  const r = spawnSync(requireEnv("DEBRIEF_CLI_BIN"), ["--data-dir", dataDir, ...args], { encoding: "utf8" });
  assert.notEqual(r.status, 0, `debrief ${args.join(" ")} should fail: ${r.stdout}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Play the video on screen for a moment: readyState reached and how far currentTime moved. */
async function playFor(ms) {
  return driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    const v = document.querySelector('#player-video');
    const fail = (why) => done({ error: why, readyState: v && v.readyState, code: v && v.error && v.error.code });
    if (!v) return fail('no video');
    const timer = setTimeout(() => fail('timeout'), 20000);
    v.muted = true;
    (async () => {
      await v.play();
      while (v.readyState < 4) await new Promise((r) => setTimeout(r, 50));
      const readyState = v.readyState;
      const t0 = v.currentTime;
      await new Promise((r) => setTimeout(r, ${ms}));
      const t1 = v.currentTime;
      v.pause();
      clearTimeout(timer);
      done({ readyState, t0, t1, duration: v.duration });
    })().catch((e) => fail(String(e)));
  `);
}

test("the manager posts a challenge; the rep's app shows it after a sync, without a create control", async () => {
  challengeId = cli(boss, [
    "challenge", "create",
    "--title", "Pricing objection",
    "--prompt", "Record how you handle \"it's too expensive\": what you say first, and how you get back to value.",
    "--due", due,
    "--max-length", "30s",
  ]).split("\n").at(-1);
  cli(boss, ["sync", "--once"]);
  await syncNowInApp();
  await go("#/challenges");
  const card = `[data-testid=challenge-card][data-challenge-id="${challengeId}"]`;
  await waitInPage(driver, `return !!document.querySelector('${card}')`, 20_000, "the challenge in the app");
  assert.match(await text(card), /Pricing objection.*Due .* · answers up to 0:30.*Not answered yet.*from Max Manager/);
  assert.equal(await text("[data-testid=challenge-new]"), null, "a rep gets no create-challenge control");
  await shots("coaching-challenges", "return !!document.querySelector('[data-testid=challenge-card]')");
});

test("the rep answers it by recording with the synthetic source", async () => {
  await click(`[data-testid=challenge-card][data-challenge-id="${challengeId}"]`);
  await waitInPage(driver, "return !!document.querySelector('[data-testid=challenge-prompt]')", 10_000, "the challenge");
  assert.match(await text("[data-testid=challenge-prompt]"), /it's too expensive/);
  assert.equal(await text("[data-testid=who-answered]"), null, "only managers see who answered");
  assert.equal(await text("[data-testid=challenge-edit]"), null);
  await shots("coaching-challenge", "return !!document.querySelector('[data-testid=challenge-prompt]')");
  await click("[data-testid=answer-record]");
  await waitInPage(driver, "return /Answering “Pricing objection” · up to 0:30/.test(document.querySelector('[data-testid=answering]')?.textContent ?? '')", 10_000, "the answering note");
  await waitInPage(driver, "const b = document.querySelector('#record-start'); return !!b && !b.disabled", 15_000, "the record button");
  assert.equal(await driver.executeScript("return document.querySelector('#camera-picker').value"), "synthetic");
  await shots("coaching-record-answer", "return !!document.querySelector('[data-testid=answering]')");
  await click("#record-start");
  await waitInPage(driver, "return /0:30$/.test(document.querySelector('[data-testid=record-timer]')?.textContent ?? '')", 15_000, "the timer capped at 0:30");
  await waitInPage(driver, "return /^0:0[4-9]/.test(document.querySelector('[data-testid=record-timer]')?.textContent ?? '')", 30_000, "4 s recorded");
  await click("#record-stop");
  await waitInPage(driver, "return !!document.querySelector('#save-title')", 30_000, "the save form");
  assert.match(await text("h1"), /Save your answer/);
  await typeInto("#save-title", "Riley on the pricing objection");
  await click("#save-clip");
  await waitInPage(driver, `return location.hash === '#/challenge/${challengeId}' && !!document.querySelector('[data-testid=answer]')`, 15_000, "back on the challenge");
  assert.match(await text("[data-testid=answer-state]"), /Answered/);
  assert.match(await text("[data-testid=answer]"), /Riley on the pricing objection.*You · 0:0[4-6]/);
  answerId = await driver.executeScript("return document.querySelector('[data-testid=answer]').dataset.clipId");
  assert.ok(answerId);
});

test("a sync takes the answer up; the manager sees it, comments at 0:02 and promotes it", async () => {
  await syncNowInApp();
  await waitInPage(driver, "return /Up to date/.test(document.querySelector('[data-testid=sync-state]')?.textContent ?? '')", 60_000, "up to date");
  cli(boss, ["sync", "--once"]);
  const shown = JSON.parse(cli(boss, ["challenge", "show", challengeId, "--json"]));
  assert.deepEqual(shown.answers.map((a) => a.clip_id), [answerId]);
  assert.deepEqual(shown.answered_by, ["Riley Rep"]);
  assert.ok(shown.not_answered.includes("Pat Rep"), JSON.stringify(shown));
  cli(boss, ["comment", answerId, "Great reframe: you named the value before the price", "--at", "0:02"]);
  cli(boss, ["playbook", "add", answerId, "--section", "Objections", "--order", "2"]);
  const model = makeMp4(path.join(work, "Model answer.mp4"), 5, "320x240");
  modelId = cli(boss, ["import", model, "--title", "Model answer: pricing"]).split("\n").at(-1);
  cli(boss, ["playbook", "add", modelId, "--section", "Objections", "--order", "1"]);
  cli(boss, ["sync", "--once"]);
});

test("the app syncs: unread notifications on the Inbox, the playbook by section with the model answer downloaded", async () => {
  await syncNowInApp();
  await go("#/playbook");
  const item = (id) => `[data-testid=playbook-item][data-clip-id="${id}"]`;
  // Playbook media downloads in the round that learnt of it, or the next one.
  for (let i = 0; i < 3; i += 1) {
    const ok = await driver
      .wait(async () => driver.executeScript(`return !!document.querySelector('${item(modelId)} [data-testid=plays-offline]')`), 20_000)
      .catch(() => false);
    if (ok) break;
    await syncNowInApp();
    await go("#/playbook");
  }
  await waitInPage(driver, `return !!document.querySelector('${item(modelId)} [data-testid=plays-offline]')`, 30_000, "the model answer downloaded");
  assert.match(await text("[data-testid=playbook-section] h2"), /^Objections 2$/);
  const order = await driver.executeScript(
    "return [...document.querySelectorAll('[data-testid=playbook-section] [data-testid=playbook-item] .clip-title')].map((e) => e.textContent)",
  );
  assert.deepEqual(order, ["Model answer: pricing", "Riley on the pricing objection"]);
  assert.equal(await text("[data-testid=move-up]"), null, "a rep cannot reorder the playbook");
  await shots("coaching-playbook", `return !!document.querySelector('${item(modelId)} img')`);

  await waitInPage(driver, "return document.querySelector('[data-testid=nav-count-inbox]')?.textContent === '4'", 15_000, "4 unread on the Inbox");
  await go("#/inbox");
  await waitInPage(driver, "return document.querySelectorAll('[data-testid=notice]').length === 4", 10_000, "4 notifications");
  assert.equal(await text("[data-testid=unread-summary]"), "Unread: 1 new challenge, 1 new comment, 2 new playbook clips.");
  assert.match(await text("[data-testid=notice][data-kind=new_comment]"), /Max Manager commented on "Riley on the pricing objection" at 0:02: Great reframe/);
  await shots("coaching-inbox", "return !!document.querySelector('[data-testid=notice]')");
  await click("[data-testid=notice][data-kind=new_comment] a");
  await waitInPage(driver, `return location.hash === '#/clip/${answerId}'`, 10_000, "the clip the comment is on");
  await waitInPage(driver, "return document.querySelector('[data-testid=nav-count-inbox]')?.textContent === '3'", 10_000, "one fewer unread");
});

test("tapping the timestamped comment seeks the player to 0:02", async () => {
  await waitInPage(driver, "const v = document.querySelector('#player-video'); return v && v.readyState >= 1", 20_000, "the video");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=comment-moment]')", 10_000, "the comment");
  assert.match(await text("[data-testid=comment]"), /Max Manager.*0:02.*Great reframe: you named the value before the price/);
  assert.match(await text("[data-testid=playbook-place]"), /In the playbook · Objections/);
  assert.equal(await text("[data-testid=playbook-controls]"), null, "a rep gets no playbook controls");
  await waitInPage(driver, "return !document.querySelector('[data-testid=comment-moment]').disabled", 10_000, "the moment enabled");
  await click("[data-testid=comment-moment]");
  const t = await driver.wait(
    async () => {
      const s = await driver.executeScript("const v = document.querySelector('#player-video'); return v.seeking ? null : v.currentTime");
      return s === null ? null : s;
    },
    10_000,
    "the seek to end",
  );
  assert.ok(Math.abs(t - 2) < 0.25, `currentTime ${t} after tapping 0:02`);
  assert.equal(await text("[data-testid=comment-at-label]"), "At 0:02");
  await shots("coaching-player", "return !!document.querySelector('[data-testid=comment]')");
});

test("a rep cannot create a challenge: refused on the device, and by the server", () => {
  const local = cliFails(rep, ["challenge", "create", "--title", "Mine", "--prompt", "p"]);
  assert.match(local.stderr, /only managers and admins can create challenges; your role in this team is member/);
  // A device that believes it is a manager (its role changed on the server
  // since it joined) makes the change; the server refuses it at sync.
  const db = path.join(rep, "library.sqlite3");
  const flip = spawnSync("sqlite3", [db, "UPDATE meta SET value = json_set(value, '$.role', 'manager') WHERE key = 'account'"], { encoding: "utf8" });
  assert.equal(flip.status, 0, flip.stderr);
  const stale = cli(rep, ["challenge", "create", "--title", "Sneaky", "--prompt", "p"]).split("\n").at(-1);
  const refused = cliFails(rep, ["sync", "--once", "--json"]);
  assert.match(refused.stdout + refused.stderr, /only managers and admins can create challenges; your role in this team is member/);
  const left = JSON.parse(cli(rep, ["challenge", "list", "--json"])).map((c) => c.id);
  assert.ok(!left.includes(stale), `the refused challenge ${stale} is gone: ${left}`);
  assert.ok(left.includes(challengeId));
  const notes = JSON.parse(cli(rep, ["notifications", "--json"]));
  assert.equal(notes.unread.refused, 1, JSON.stringify(notes));
  cli(boss, ["sync", "--once"]);
  const bossSees = JSON.parse(cli(boss, ["challenge", "list", "--json"])).map((c) => c.id);
  assert.ok(!bossSees.includes(stale), "the server kept nothing of it");
});

test("the manager's screens in the app: post with errors kept, who answered, edit, reorder, promote controls, delete", async () => {
  // A second app on the manager's library (the one the CLI used), next to the rep's.
  const bossDriver = await startDriver({ display: display.display, dataDir: boss });
  const m = await openApp(bossDriver.port);
  const mText = (selector) => m.executeScript(`return document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`);
  const { go: mGo, typeInto: mType } = pageActions(() => m);
  // Scrolled to the middle first: WebKitWebDriver does not scroll an element
  // that is partly in view, and then hits whatever covers its centre.
  const mClick = async (selector) => {
    const el = await m.findElement(By.css(selector));
    await m.executeScript("arguments[0].scrollIntoView({ block: 'center' })", el);
    await el.click();
  };
  const mValue = (selector) => m.executeScript(`return document.querySelector(${JSON.stringify(selector)}).value`);
  const mShots = async (name, ready) => {
    for (const size of [PHONE, DESKTOP]) {
      await setSize(m, ...size);
      if (ready) await waitInPage(m, ready, 10_000, `${name} ready`);
      await screenshot(m, name);
    }
    await setSize(m, ...PHONE);
  };
  try {
    await setSize(m, ...PHONE);
    await mGo("#/challenges");
    await waitInPage(m, "return !!document.querySelector('[data-testid=challenge-new]')", 15_000, "New challenge for a manager");
    assert.match(await mText("[data-testid=challenge-card]"), /Pricing objection.*Yours · 1 answer/);

    // Posting: every refusal keeps what was typed, next to the field it concerns.
    await mClick("[data-testid=challenge-new]");
    await waitInPage(m, "return !!document.querySelector('#challenge-title')", 10_000, "the form");
    await mType("#challenge-prompt", "Record your opening line for a renewal call.");
    await mType("#challenge-due", "next friday");
    await mClick("[data-testid=challenge-save]");
    await waitInPage(m, "return !!document.querySelector('[data-testid=challenge-due-error]')", 10_000, "due date error");
    assert.match(await mText("[data-testid=challenge-due-error]"), /^'next friday' is not a date; write it like 2026-05-01/);
    assert.deepEqual(
      [await mValue("#challenge-title"), await mValue("#challenge-prompt"), await mValue("#challenge-due")],
      ["", "Record your opening line for a renewal call.", "next friday"],
    );
    assert.equal(await m.executeScript("return document.querySelector('#challenge-due').getAttribute('aria-invalid')"), "true");
    await mShots("coaching-challenge-form-error", "return !!document.querySelector('[data-testid=challenge-due-error]')");
    await mType("#challenge-due", due);
    await mClick("[data-testid=challenge-save]");
    await waitInPage(m, "return !!document.querySelector('[data-testid=challenge-title-error]')", 10_000, "title error");
    assert.equal(await mText("[data-testid=challenge-title-error]"), "Title is empty; write at least one word.");
    assert.equal(await mText("[data-testid=challenge-due-error]"), null, "the due date is fine now");
    assert.equal(await mValue("#challenge-due"), due);
    await mType("#challenge-title", "Renewal opening");
    await mType("#challenge-max-length", "1m");
    await mClick("[data-testid=challenge-save]");
    await waitInPage(m, "return /^#\\/challenge\\//.test(location.hash) && !!document.querySelector('[data-testid=who-answered]')", 10_000, "the new challenge");
    const newId = decodeURIComponent((await m.executeScript("return location.hash")).split("/")[2]);
    assert.match(await mText("[data-testid=who-answered]"), /Answered \(0\): nobody yet.*Not yet \(2\): Pat Rep, Riley Rep/);

    // The first challenge: who has and has not answered.
    await mGo(`#/challenge/${challengeId}`);
    await waitInPage(m, "return /Riley Rep/.test(document.querySelector('[data-testid=who-answered]')?.textContent ?? '')", 10_000, "who answered");
    assert.match(await mText("[data-testid=who-answered]"), /Answered \(1\): Riley Rep.*Not yet \(1\): Pat Rep/);
    await mShots("coaching-challenge-manager", "return !!document.querySelector('[data-testid=who-answered]')");

    // Editing: a due date cannot be removed (said, input kept); another one can be set.
    await mClick("[data-testid=challenge-edit]");
    await waitInPage(m, `return document.querySelector('#challenge-due')?.value === ${JSON.stringify(due)}`, 10_000, "the edit form, filled");
    await mType("#challenge-due", "");
    await mClick("[data-testid=challenge-save]");
    await waitInPage(m, "return !!document.querySelector('[data-testid=challenge-due-error]')", 10_000, "due removal refused");
    assert.match(await mText("[data-testid=challenge-due-error]"), /due date can be changed but not removed/);
    assert.equal(await mValue("#challenge-due"), "");
    await mType("#challenge-title", "Pricing objection (round 1)");
    await mType("#challenge-due", due);
    await mClick("[data-testid=challenge-save]");
    await waitInPage(m, `return location.hash === '#/challenge/${challengeId}' && /round 1/.test(document.querySelector('h1')?.textContent ?? '')`, 10_000, "saved");

    // The playbook: a manager moves clips within a section.
    await mGo("#/playbook");
    await waitInPage(m, "return document.querySelectorAll('[data-testid=move-down]').length === 2", 10_000, "move buttons");
    await mClick("[data-testid=move-down]");
    await waitInPage(
      m,
      "const t = [...document.querySelectorAll('[data-testid=playbook-section] .clip-title')].map((e) => e.textContent); return t[0] === 'Riley on the pricing objection'",
      10_000,
      "the new order",
    );
    await mShots("coaching-playbook-manager", "return !!document.querySelector('[data-testid=move-down]')");

    // A clip: promote controls for managers.
    await mGo(`#/clip/${answerId}`);
    await waitInPage(m, "return !!document.querySelector('[data-testid=playbook-controls]')", 15_000, "playbook controls");
    assert.match(await mText("[data-testid=playbook-place]"), /In the playbook, section “Objections”/);
    assert.equal(await mValue("#playbook-section"), "Objections");
    await mShots("coaching-player-manager", "return !!document.querySelector('[data-testid=playbook-controls]')");

    // Deleting asks first.
    await mGo(`#/challenge/${newId}`);
    await waitInPage(m, "return !!document.querySelector('[data-testid=challenge-delete]')", 10_000, "delete");
    await mClick("[data-testid=challenge-delete]");
    await waitInPage(m, "return !!document.querySelector('[data-testid=challenge-delete-confirm]')", 5_000, "the confirmation");
    await mClick("[data-testid=challenge-delete-confirm]");
    await waitInPage(m, "return location.hash === '#/challenges' && document.querySelectorAll('[data-testid=challenge-card]').length === 1", 10_000, "back to one challenge");
  } finally {
    await m.quit().catch(() => {});
    await bossDriver.stop();
  }
});

test("with the server stopped, the rep still plays the playbook clip", async () => {
  await server.stop();
  await go("#/playbook");
  const row = `[data-testid=playbook-item][data-clip-id="${modelId}"]`;
  await waitInPage(driver, `return !!document.querySelector('${row} [data-testid=plays-offline]')`, 10_000, "the model answer");
  await click(`${row} .playbook-main`);
  await waitInPage(driver, "const v = document.querySelector('#player-video'); return v && v.readyState >= 1", 20_000, "the video");
  const result = await playFor(1200);
  assert.equal(result.error, undefined, JSON.stringify(result));
  assert.equal(result.readyState, 4);
  assert.ok(result.t1 - result.t0 > 0.5, `currentTime advanced only ${result.t1 - result.t0}s`);
  assert.ok(Math.abs(result.duration - 5) < 0.2, `duration ${result.duration}`);
  assert.equal(await text("[data-testid=sync-badge]"), "Cached");
  await go("#/challenges");
  await waitInPage(driver, "return !!document.querySelector('[data-testid=challenge-card]')", 10_000, "challenges offline");
  assert.equal(await text("[data-testid=challenge-new]"), null);
});
