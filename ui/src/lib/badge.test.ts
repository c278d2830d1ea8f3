import { describe, expect, it } from "vitest";

import type { MediaState, SyncState } from "../bindings";
import { syncBadge } from "./badge";

describe("syncBadge", () => {
  it.each<[MediaState, SyncState, number | undefined, string, string]>([
    ["ready", "local", undefined, "Only on this device", "local"],
    ["ready", "pending", undefined, "Waiting to sync", "waiting"],
    ["ready", "uploading", undefined, "Uploading", "progress"],
    ["ready", "uploading", 0.426, "Uploading 43%", "progress"],
    ["ready", "synced", undefined, "Synced", "synced"],
    ["recovered", "synced", undefined, "Synced", "synced"],
    ["remote", "synced", undefined, "On server only", "remote"],
    ["downloading", "synced", 0.5, "Downloading 50%", "progress"],
    ["cached", "synced", undefined, "Cached", "cached"],
    ["cached", "pending", undefined, "Waiting to sync", "waiting"],
    ["ready", "failed", undefined, "Sync failed", "error"],
    ["recording", "local", undefined, "Recording", "progress"],
  ])("%s + %s (%s) -> %s", (media_state, sync_state, progress, label, tone) => {
    expect(syncBadge({ media_state, sync_state }, progress)).toEqual({ label, tone });
  });

  it("clamps progress to 0..100%", () => {
    expect(syncBadge({ media_state: "ready", sync_state: "uploading" }, 1.7).label).toBe("Uploading 100%");
    expect(syncBadge({ media_state: "ready", sync_state: "uploading" }, -1).label).toBe("Uploading 0%");
  });

  it("prefers live transfer progress over the loaded states", () => {
    const pending = { media_state: "ready", sync_state: "pending" } as const;
    expect(syncBadge(pending, undefined, { direction: "upload", fraction: 0.25 })).toEqual({ label: "Uploading 25%", tone: "progress" });
    const remote = { media_state: "remote", sync_state: "synced" } as const;
    expect(syncBadge(remote, undefined, { direction: "download", fraction: 0.999 }).label).toBe("Downloading 100%");
  });
});
