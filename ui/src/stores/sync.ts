// Background sync as the UI sees it: the status (what waits, what moves,
// what failed), fed by the shell's live events and refreshed by command,
// the user's "Sync now"/"Retry", and per-clip progress for badges.
//
// `clipProgress` is module-wide on purpose: every badge in the library, the
// playbook and the player reads it, and passing it through the virtual
// list would re-render rows that did not change. The store writes it.
import { batch, computed, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { DownloadProgress, IpcError, RoundView, SyncStatusView } from "../bindings";

export type SyncApi = Pick<Api, "syncStatus" | "syncNow" | "getClip">;

export interface ClipProgress {
  direction: "upload" | "download";
  /** 0..1 */
  fraction: number;
}

/** Live progress of the clips moving now, by clip id. */
export const clipProgress = signal<ReadonlyMap<string, ClipProgress>>(new Map());

function fraction(done: number, total: number): number {
  return total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
}

export function createSyncStore(api: SyncApi) {
  const status = signal<SyncStatusView | null>(null);
  const loadError = signal<string | null>(null);
  /** A round the user asked for is running. */
  const syncing = signal(false);
  const lastRound = signal<RoundView | null>(null);
  /** Why the user's last "Sync now" could not run. */
  const actionError = signal<IpcError | null>(null);
  /** Downloads the player or playbook started, by clip id. */
  const downloads = signal<ReadonlyMap<string, DownloadProgress>>(new Map());
  /** Titles of clips named in transfers, looked up once each. */
  const titles = signal<ReadonlyMap<string, string>>(new Map());
  const asked = new Set<string>();

  /** Changes and files on this device that the team does not have yet. */
  const waiting = computed(() => {
    const s = status.value;
    return s ? { changes: s.pending_ops, files: s.pending_uploads } : null;
  });

  function publishProgress(): void {
    const map = new Map<string, ClipProgress>();
    for (const t of status.value?.transfers ?? []) {
      if (t.live && !t.thumbnail) map.set(t.clip_id, { direction: t.direction, fraction: fraction(t.bytes_done, t.bytes_total) });
    }
    for (const d of downloads.value.values()) {
      map.set(d.clip_id, { direction: "download", fraction: fraction(d.bytes_done, d.bytes_total) });
    }
    clipProgress.value = map;
  }

  function lookUpTitles(s: SyncStatusView): void {
    for (const f of s.failed) asked.add(f.clip_id);
    if (s.failed.length > 0) {
      const next = new Map(titles.value);
      for (const f of s.failed) next.set(f.clip_id, f.title);
      titles.value = next;
    }
    for (const t of s.transfers) {
      if (asked.has(t.clip_id)) continue;
      asked.add(t.clip_id);
      call(api.getClip(t.clip_id))
        .then((c) => {
          const next = new Map(titles.value);
          next.set(c.id, c.title);
          titles.value = next;
        })
        .catch(() => {
          // A clip deleted meanwhile: the panel says "a clip".
        });
    }
  }

  function applyStatus(s: SyncStatusView): void {
    batch(() => {
      status.value = s;
      loadError.value = null;
      publishProgress();
    });
    lookUpTitles(s);
  }

  function applyRound(r: RoundView): void {
    lastRound.value = r;
  }

  function applyDownload(p: DownloadProgress): void {
    const next = new Map(downloads.value);
    if (p.bytes_total > 0 && p.bytes_done >= p.bytes_total) next.delete(p.clip_id);
    else next.set(p.clip_id, p);
    batch(() => {
      downloads.value = next;
      publishProgress();
    });
  }

  /** A download ended (done or refused): stop showing its progress. */
  function endDownload(clipId: string): void {
    if (!downloads.value.has(clipId)) return;
    const next = new Map(downloads.value);
    next.delete(clipId);
    batch(() => {
      downloads.value = next;
      publishProgress();
    });
  }

  async function refresh(): Promise<void> {
    try {
      applyStatus(await call(api.syncStatus()));
    } catch (e) {
      loadError.value = errorMessage(e);
    }
  }

  /** Sync now (also "Retry"): waits for the round, then shows its outcome. */
  async function syncNow(): Promise<void> {
    if (syncing.value) return;
    batch(() => {
      syncing.value = true;
      actionError.value = null;
    });
    try {
      const round = await call(api.syncNow());
      batch(() => {
        lastRound.value = round;
        actionError.value = round.error;
      });
    } catch (e) {
      actionError.value = e instanceof CommandError ? { kind: e.kind, message: e.message } : { kind: "internal", message: errorMessage(e) };
    } finally {
      syncing.value = false;
      await refresh();
    }
  }

  function titleOf(clipId: string): string | null {
    return titles.value.get(clipId) ?? null;
  }

  function dispose(): void {
    clipProgress.value = new Map();
  }

  return {
    status,
    loadError,
    syncing,
    lastRound,
    actionError,
    downloads,
    waiting,
    refresh,
    syncNow,
    applyStatus,
    applyRound,
    applyDownload,
    endDownload,
    titleOf,
    dispose,
  };
}

export type SyncStore = ReturnType<typeof createSyncStore>;
