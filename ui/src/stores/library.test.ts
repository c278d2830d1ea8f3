import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { ClipPage, ClipQuery } from "../bindings";
import { clip, err, fakeApi, ok } from "../test/fakes";
import { createLibraryStore } from "./library";

function page(n: number, hasMore: boolean): ClipPage {
  return { clips: Array.from({ length: n }, () => clip()), has_more: hasMore };
}

describe("library store", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("debounces search: one request for a burst of typing, with the final text", async () => {
    const listClips = vi.fn((_q: ClipQuery) => ok(page(1, false)));
    const store = createLibraryStore(fakeApi({ listClips }), { debounceMs: 250 });
    for (const text of ["p", "pr", "pri", "pric "]) {
      store.setSearchText(text);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(listClips).not.toHaveBeenCalled();
    expect(store.searchText.value).toBe("pric ");
    await vi.advanceTimersByTimeAsync(250);
    expect(listClips).toHaveBeenCalledTimes(1);
    expect(listClips.mock.calls[0]![0]).toEqual({ text: "pric", tags: [], limit: 200, offset: 0 });
    expect(store.query.value).toBe("pric");
  });

  it("does not search again when only surrounding spaces changed", async () => {
    const listClips = vi.fn((_q: ClipQuery) => ok(page(1, false)));
    const store = createLibraryStore(fakeApi({ listClips }), { debounceMs: 10 });
    store.setSearchText("pricing");
    await vi.advanceTimersByTimeAsync(20);
    store.setSearchText("pricing  ");
    await vi.advanceTimersByTimeAsync(20);
    expect(listClips).toHaveBeenCalledTimes(1);
  });

  it("drops a slow reply to an older search", async () => {
    const old = clip({ title: "old" });
    const fresh = clip({ title: "fresh" });
    let releaseOld: (p: ClipPage) => void = () => {};
    const listClips = vi.fn((q: ClipQuery) =>
      q.text === "a"
        ? new Promise<{ status: "ok"; data: ClipPage }>((resolve) => {
            releaseOld = (data) => resolve({ status: "ok", data });
          })
        : ok({ clips: [fresh], has_more: false }),
    );
    const store = createLibraryStore(fakeApi({ listClips }), { debounceMs: 0 });
    store.setSearchText("a");
    await vi.advanceTimersByTimeAsync(1);
    store.setSearchText("ab");
    await vi.advanceTimersByTimeAsync(1);
    releaseOld({ clips: [old], has_more: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(store.clips.value.map((c) => c.title)).toEqual(["fresh"]);
    expect(store.hasMore.value).toBe(false);
    expect(store.loading.value).toBe(false);
  });

  it("filters by chips: toggling adds and removes a tag, case-insensitively, and reloads", async () => {
    const listClips = vi.fn((_q: ClipQuery) => ok(page(2, false)));
    const store = createLibraryStore(fakeApi({ listClips }));
    store.toggleTag("Pricing");
    await vi.advanceTimersByTimeAsync(0);
    expect(listClips.mock.calls.at(-1)![0].tags).toEqual(["Pricing"]);
    store.toggleTag("renewal");
    await vi.advanceTimersByTimeAsync(0);
    expect(listClips.mock.calls.at(-1)![0].tags).toEqual(["Pricing", "renewal"]);
    store.toggleTag("pricing");
    await vi.advanceTimersByTimeAsync(0);
    expect(listClips.mock.calls.at(-1)![0].tags).toEqual(["renewal"]);
    expect(store.filtering.value).toBe(true);
    store.clearFilters();
    await vi.advanceTimersByTimeAsync(0);
    expect(listClips.mock.calls.at(-1)![0]).toMatchObject({ text: null, tags: [] });
    expect(store.filtering.value).toBe(false);
  });

  it("pages on demand with increasing offsets and stops at the end", async () => {
    const listClips = vi.fn((q: ClipQuery) => ok(page(q.offset < 4 ? 2 : 1, q.offset < 4)));
    const store = createLibraryStore(fakeApi({ listClips }), { pageSize: 2 });
    await store.reload();
    await store.loadMore();
    await store.loadMore();
    await store.loadMore();
    expect(listClips.mock.calls.map((c) => c[0].offset)).toEqual([0, 2, 4]);
    expect(store.clips.value).toHaveLength(5);
    expect(store.hasMore.value).toBe(false);
  });

  it("shows the core's message when a page fails", async () => {
    const store = createLibraryStore(fakeApi({ listClips: () => err("busy", "the library is busy") }));
    await store.reload();
    expect(store.error.value).toBe("the library is busy");
    expect(store.loaded.value).toBe(true);
  });

  it("applies library changes: edits in place, deletions removed, additions reload", async () => {
    const a = clip({ title: "A" });
    const b = clip({ title: "B" });
    const listClips = vi.fn((_q: ClipQuery) => ok({ clips: [a, b], has_more: false }));
    const listTags = vi.fn(() => ok([]));
    const getClip = vi.fn((_id: string) => ok({ ...b, tags: ["new"] }));
    const store = createLibraryStore(fakeApi({ listClips, listTags, getClip }));
    await store.reload();
    store.scrollTop.value = 500;

    await store.applyChange({ change: "updated", clip_id: b.id });
    expect(store.clips.value[1]!.tags).toEqual(["new"]);
    expect(store.scrollTop.value).toBe(500);

    await store.applyChange({ change: "deleted", clip_id: a.id });
    expect(store.clips.value.map((c) => c.title)).toEqual(["B"]);
    expect(listTags).toHaveBeenCalledTimes(2);

    await store.applyChange({ change: "added", clip_id: "x" });
    expect(listClips).toHaveBeenCalledTimes(2);
    expect(store.scrollTop.value).toBe(0);
  });
});
