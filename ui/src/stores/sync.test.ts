import { afterEach, describe, expect, it, vi } from "vitest";

import { clip, err, fakeApi, ok, syncStatus } from "../test/fakes";
import { clipProgress, createSyncStore } from "./sync";

afterEach(() => {
  clipProgress.value = new Map();
});

const upload = (clip_id: string, done: number, live = true) => ({
  direction: "upload" as const,
  clip_id,
  thumbnail: false,
  bytes_done: done,
  bytes_total: 1000,
  live,
  attempts: 0,
  last_error: null,
  permanent: false,
});

describe("sync store", () => {
  it("publishes live progress per clip and looks titles up once", async () => {
    const c = clip({ title: "Pricing objection" });
    const getClip = vi.fn(() => ok(c));
    const store = createSyncStore(fakeApi({ getClip }));
    store.applyStatus(syncStatus({ running: true, transfers: [upload(c.id, 250)] }));
    expect(clipProgress.value.get(c.id)).toEqual({ direction: "upload", fraction: 0.25 });
    store.applyStatus(syncStatus({ running: true, transfers: [upload(c.id, 900)] }));
    expect(clipProgress.value.get(c.id)?.fraction).toBe(0.9);
    await vi.waitFor(() => expect(store.titleOf(c.id)).toBe("Pricing objection"));
    expect(getClip).toHaveBeenCalledTimes(1);
    // A paused transfer is not "moving now".
    store.applyStatus(syncStatus({ transfers: [upload(c.id, 900, false)] }));
    expect(clipProgress.value.has(c.id)).toBe(false);
  });

  it("tracks a download until it completes or ends", () => {
    const store = createSyncStore(fakeApi());
    store.applyDownload({ clip_id: "a", bytes_done: 50, bytes_total: 200 });
    expect(clipProgress.value.get("a")).toEqual({ direction: "download", fraction: 0.25 });
    store.applyDownload({ clip_id: "a", bytes_done: 200, bytes_total: 200 });
    expect(clipProgress.value.has("a")).toBe(false);
    store.applyDownload({ clip_id: "b", bytes_done: 1, bytes_total: 200 });
    store.endDownload("b");
    expect(clipProgress.value.size).toBe(0);
  });

  it("sync now waits for the round, keeps its error and refreshes the status", async () => {
    const syncNow = vi.fn(() =>
      ok({
        ok: false,
        changed: false,
        pushed_changes: 0,
        uploaded_files: 0,
        pulled_changes: 0,
        downloaded_files: 0,
        failures: 0,
        error: { kind: "unreachable" as const, message: "Cannot reach the team server" },
      }),
    );
    const statusCalls = vi.fn(() => ok(syncStatus({ pending_ops: 2 })));
    const store = createSyncStore(fakeApi({ syncNow, syncStatus: statusCalls }));
    const running = store.syncNow();
    expect(store.syncing.value).toBe(true);
    await running;
    expect(store.syncing.value).toBe(false);
    expect(store.actionError.value?.kind).toBe("unreachable");
    expect(store.status.value?.pending_ops).toBe(2);
    expect(store.waiting.value).toEqual({ changes: 2, files: 0 });
  });

  it("a refused sync now (not joined) is shown, not thrown", async () => {
    const store = createSyncStore(
      fakeApi({ syncNow: () => err("not_joined", "join a team first"), syncStatus: () => ok(syncStatus({ joined: false })) }),
    );
    await store.syncNow();
    expect(store.actionError.value).toEqual({ kind: "not_joined", message: "join a team first" });
  });
});
