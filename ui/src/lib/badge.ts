// The sync badge on each clip: one short label from the clip's media state
// (where its video is) and sync state (whether the server has it).
import type { ClipView } from "../bindings";

export type BadgeTone = "local" | "waiting" | "progress" | "synced" | "cached" | "remote" | "error";

export interface Badge {
  label: string;
  tone: BadgeTone;
}

/**
 * Precedence: what needs the user's attention first (a failure, work in
 * progress, changes still waiting), then where the video lives. `progress`
 * is a fraction 0..1 from a progress event, when one is known.
 */
export function syncBadge(
  clip: Pick<ClipView, "media_state" | "sync_state">,
  progress?: number,
  live?: { direction: "upload" | "download"; fraction: number },
): Badge {
  if (live) {
    // Bytes moving now say more than the state the list loaded earlier.
    const pct = `${Math.round(Math.min(1, Math.max(0, live.fraction)) * 100)}%`;
    return { label: `${live.direction === "upload" ? "Uploading" : "Downloading"} ${pct}`, tone: "progress" };
  }
  const pct = progress === undefined ? "" : ` ${Math.round(Math.min(1, Math.max(0, progress)) * 100)}%`;
  if (clip.media_state === "recording") return { label: "Recording", tone: "progress" };
  switch (clip.sync_state) {
    case "failed":
      return { label: "Sync failed", tone: "error" };
    case "uploading":
      return { label: `Uploading${pct}`, tone: "progress" };
    case "pending":
      return { label: "Waiting to sync", tone: "waiting" };
    case "local":
      return { label: "Only on this device", tone: "local" };
    case "synced":
      break;
  }
  switch (clip.media_state) {
    case "remote":
      return { label: "On server only", tone: "remote" };
    case "downloading":
      return { label: `Downloading${pct}`, tone: "progress" };
    case "cached":
      return { label: "Cached", tone: "cached" };
    case "ready":
    case "recovered":
      return { label: "Synced", tone: "synced" };
  }
}
