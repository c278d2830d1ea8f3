import { describe, expect, it, vi } from "vitest";

import type { ClipView } from "../bindings";
import { err, fakeApi, fakeRecorder, ok } from "../test/fakes";
import { createRecordStore, meterFraction } from "./record";

function setup(extra: Parameters<typeof fakeApi>[0] = {}) {
  const shell = fakeRecorder();
  const editClip = vi.fn((_id: string, title: string | null) => ok({ ...shell.state.stored.at(-1)!, title: title! }));
  const tagClip = vi.fn((_id: string, add: string[], remove: string[]) => {
    const c = shell.state.stored.at(-1)!;
    const tags = [...c.tags.filter((t) => !remove.includes(t)), ...add];
    const next: ClipView = { ...c, tags };
    shell.state.stored[shell.state.stored.length - 1] = next;
    return ok(next);
  });
  const api = fakeApi({
    ...shell.api,
    editClip,
    tagClip,
    deleteClip: vi.fn(() => ok(null)),
    listTags: () =>
      ok([
        { name: "renewal", count: 2 },
        { name: "pricing", count: 9 },
        { name: "Procurement", count: 4 },
      ]),
    ...extra,
  });
  const store = createRecordStore(api, { pollMs: 5 });
  return { shell, store, api, editClip, tagClip };
}

async function recordAndStop(s: ReturnType<typeof setup>) {
  await s.store.init();
  await s.store.start();
  s.shell.state.advance(10_000);
  await s.store.stop();
}

describe("record store", () => {
  it("offers the devices with the shell's defaults preselected", async () => {
    const { store } = setup();
    await store.init();
    expect(store.devices.value!.cameras.map((c) => c.label)).toEqual(["Test pattern (no camera)"]);
    expect(store.camera.value).toBe("synthetic");
    expect(store.mic.value).toBe("synthetic");
    expect(store.phase.value).toBe("idle");
  });

  it("records with the chosen sources, polls the timer and the meter, pauses and resumes", async () => {
    const { shell, store } = setup();
    await store.init();
    store.chooseMic("none");
    await store.start();
    expect(shell.state.started).toEqual([{ source: "synthetic", mic: "none", challenge_id: null }]);
    expect(store.phase.value).toBe("recording");
    shell.state.advance(42_000, -18);
    await vi.waitFor(() => expect(store.status.value!.elapsed_ms).toBe(42_000));
    expect(store.status.value!.audio_level!.rms_dbfs).toBe(-18);

    await store.togglePause();
    expect(store.status.value!.paused).toBe(true);
    shell.state.advance(5_000);
    await vi.waitFor(() => expect(store.status.value!.bytes).toBeGreaterThan(1000));
    expect(store.status.value!.elapsed_ms).toBe(42_000);
    await store.togglePause();
    expect(store.status.value!.paused).toBe(false);
    store.dispose();
  });

  it("finds a recording already running when the screen opens again", async () => {
    const { shell, store } = setup();
    await shell.api.startRecording!({ source: "synthetic", mic: null });
    shell.state.advance(3_000);
    await store.init();
    expect(store.phase.value).toBe("recording");
    expect(store.status.value!.elapsed_ms).toBe(3_000);
    store.dispose();
  });

  it("shows a camera problem by the camera picker, keeps the choice, and clears it on a new choice", async () => {
    const startRecording = vi.fn(() => err("no_camera", "no camera was found; connect one or choose “Test pattern (no camera)”"));
    const { store } = setup({ startRecording });
    await store.init();
    store.chooseCamera("camera:0");
    await store.start();
    expect(store.phase.value).toBe("idle");
    expect(store.cameraProblem.value!.message).toMatch(/no camera was found/);
    expect(store.micProblem.value).toBeNull();
    expect(store.camera.value).toBe("camera:0");
    store.chooseCamera("synthetic");
    expect(store.error.value).toBeNull();
  });

  it("stops into the save form with the default title and tag suggestions", async () => {
    const s = setup();
    await recordAndStop(s);
    expect(s.store.phase.value).toBe("review");
    expect(s.store.clip.value!.duration_ms).toBe(10_000);
    expect(s.store.title.value).toBe("Debrief 27 Nov 10:42");
    await vi.waitFor(() => expect(s.store.suggestions.value.map((t) => t.name)).toEqual(["pricing", "Procurement", "renewal"]));
    s.store.tagInput.value = "pr";
    expect(s.store.suggestions.value.map((t) => t.name)).toEqual(["pricing", "Procurement"]);
    await s.store.addSuggested("pricing");
    expect(s.store.clip.value!.tags).toEqual(["pricing"]);
    expect(s.store.tagInput.value).toBe("");
    expect(s.store.suggestions.value.map((t) => t.name)).toEqual(["Procurement", "renewal"]);
  });

  it("refuses an empty title with a clear message and keeps what was typed", async () => {
    const s = setup();
    await recordAndStop(s);
    s.store.title.value = "   ";
    expect(await s.store.save()).toBeNull();
    expect(s.store.titleError.value).toMatch(/Give your debrief a title/);
    expect(s.store.title.value).toBe("   ");
    expect(s.editClip).not.toHaveBeenCalled();
  });

  it("keeps an over-long tag in the field with the core's reason", async () => {
    const long = "x".repeat(49);
    const tagClip = vi.fn(() => err("bad_tag", `tag '${long.slice(0, 20)}…' is 49 characters long; tags are at most 48 characters`));
    const s = setup({ tagClip });
    await recordAndStop(s);
    s.store.tagInput.value = long;
    expect(await s.store.addTypedTags()).toBe(false);
    expect(s.store.tagError.value).toMatch(/at most 48 characters/);
    expect(s.store.tagInput.value).toBe(long);
    // Saving with the refused tag still typed stops at the tag.
    s.store.title.value = "Pricing call";
    expect(await s.store.save()).toBeNull();
    expect(s.editClip).not.toHaveBeenCalled();
  });

  it("saves the new title and a tag still in the field", async () => {
    const s = setup();
    await recordAndStop(s);
    s.store.title.value = "Pricing objection with Acme";
    s.store.tagInput.value = "objection";
    const saved = await s.store.save();
    expect(s.tagClip).toHaveBeenCalledWith(saved!.id, ["objection"], []);
    expect(s.editClip).toHaveBeenCalledWith(saved!.id, "Pricing objection with Acme", null);
    expect(saved!.title).toBe("Pricing objection with Acme");
    expect(saved!.tags).toEqual(["objection"]);
  });

  it("saving an unchanged title changes nothing (the clip is already stored)", async () => {
    const s = setup();
    await recordAndStop(s);
    const saved = await s.store.save();
    expect(saved!.title).toBe("Debrief 27 Nov 10:42");
    expect(s.editClip).not.toHaveBeenCalled();
  });

  it("stores a recording that ended by itself and says why", async () => {
    const s = setup();
    await s.store.init();
    await s.store.start();
    s.shell.state.advance(600_000);
    s.shell.state.endByItself("the recording reached its maximum length (10:00) and was saved");
    await vi.waitFor(() => expect(s.store.phase.value).toBe("review"));
    expect(s.store.recorded.value!.message).toMatch(/maximum length/);
    expect(s.shell.state.stored).toHaveLength(1);
  });

  it("asks before discarding, then keeps nothing", async () => {
    const s = setup();
    await s.store.init();
    await s.store.start();
    await s.store.discard();
    expect(s.store.confirmingDiscard.value).toBe(true);
    expect(s.shell.state.discarded).toBe(0);
    s.store.keepRecording();
    expect(s.store.phase.value).toBe("recording");
    await s.store.discard();
    await s.store.discard();
    expect(s.shell.state.discarded).toBe(1);
    expect(s.shell.state.stored).toHaveLength(0);
    expect(s.store.phase.value).toBe("idle");
    expect(s.store.status.value).toBeNull();
  });

  it("retake deletes the stored clip and gets ready to record again", async () => {
    const s = setup();
    await recordAndStop(s);
    const id = s.store.clip.value!.id;
    await s.store.retake();
    expect(s.api.deleteClip).toHaveBeenCalledWith(id);
    expect(s.store.phase.value).toBe("idle");
    await s.store.start();
    expect(s.store.phase.value).toBe("recording");
    s.store.dispose();
  });
});

describe("meterFraction", () => {
  it.each([
    [undefined, 0],
    [-100, 0],
    [-60, 0],
    [-30, 0.5],
    [0, 1],
    [3, 1],
  ])("%s dBFS -> %s", (db, f) => {
    expect(meterFraction(db)).toBeCloseTo(f);
  });
});
