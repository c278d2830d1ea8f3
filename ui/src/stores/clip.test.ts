import { describe, expect, it, vi } from "vitest";

import { clip, err, fakeApi, ok } from "../test/fakes";
import { createClipStore } from "./clip";

const base = clip({ title: "Pricing call", notes: "first notes", tags: ["pricing"] });

describe("clip store", () => {
  it("keeps a refused tag in the field and shows why", async () => {
    const long = "x".repeat(60);
    const tagClip = vi.fn(() => err("bad_tag", "tag 'xxxx…' is 60 characters long; tags are at most 48 characters"));
    const store = createClipStore(fakeApi({ getClip: () => ok(base), tagClip }), base.id);
    await store.load();
    store.tagInput.value = long;
    await store.addTags();
    expect(tagClip).toHaveBeenCalledWith(base.id, [long], []);
    expect(store.tagInput.value).toBe(long);
    expect(store.tagError.value).toMatch(/at most 48 characters/);
    expect(store.clip.value!.tags).toEqual(["pricing"]);
  });

  it("adds comma-separated tags and clears the field on success", async () => {
    const tagClip = vi.fn((_id: string, add: string[]) => ok({ ...base, tags: ["pricing", ...add] }));
    const store = createClipStore(fakeApi({ getClip: () => ok(base), tagClip }), base.id);
    await store.load();
    store.tagInput.value = "renewal, Objection handling";
    await store.addTags();
    expect(tagClip).toHaveBeenCalledWith(base.id, ["renewal", "Objection handling"], []);
    expect(store.tagInput.value).toBe("");
    expect(store.tagError.value).toBeNull();
    expect(store.clip.value!.tags).toEqual(["pricing", "renewal", "Objection handling"]);
  });

  it("asks for a tag instead of sending an empty one", async () => {
    const tagClip = vi.fn();
    const store = createClipStore(fakeApi({ getClip: () => ok(base), tagClip }), base.id);
    await store.load();
    store.tagInput.value = " , ";
    await store.addTags();
    expect(tagClip).not.toHaveBeenCalled();
    expect(store.tagError.value).toMatch(/Type a tag/);
  });

  it("keeps edited title and notes when the save is refused, and sends only what changed", async () => {
    const editClip = vi.fn(() => err("invalid_input", "the title is empty; give the clip a short title"));
    const store = createClipStore(fakeApi({ getClip: () => ok(base), editClip }), base.id);
    await store.load();
    store.title.value = "   ";
    store.notes.value = "new notes typed by the rep";
    expect(store.dirty.value).toBe(true);
    await store.saveDetails();
    expect(editClip).toHaveBeenCalledWith(base.id, "   ", "new notes typed by the rep");
    expect(store.detailsError.value).toMatch(/title is empty/);
    expect(store.title.value).toBe("   ");
    expect(store.notes.value).toBe("new notes typed by the rep");
    expect(store.detailsSaved.value).toBe(false);
  });

  it("saves notes alone and takes the saved clip as the new baseline", async () => {
    const editClip = vi.fn((_id: string, _t: string | null, n: string | null) => ok({ ...base, notes: n ?? base.notes }));
    const store = createClipStore(fakeApi({ getClip: () => ok(base), editClip }), base.id);
    await store.load();
    store.notes.value = "better notes";
    await store.saveDetails();
    expect(editClip).toHaveBeenCalledWith(base.id, null, "better notes");
    expect(store.dirty.value).toBe(false);
    expect(store.detailsSaved.value).toBe(true);
  });

  it("reports a missing clip by kind", async () => {
    const store = createClipStore(fakeApi({ getClip: () => err("not_found", "no clip with id x") }), "x");
    await store.load();
    expect(store.loadError.value).toEqual({ kind: "not_found", message: "no clip with id x" });
  });

  it("turns an IPC-level exception into an internal error", async () => {
    const store = createClipStore(
      fakeApi({
        getClip: () => Promise.reject(new Error("command get_clip not allowed by ACL")),
      }),
      "x",
    );
    await store.load();
    expect(store.loadError.value).toEqual({ kind: "internal", message: "command get_clip not allowed by ACL" });
  });
});
