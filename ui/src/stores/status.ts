// What the status banner shows: whether the device is online, how many
// changes wait to sync, and whether the library could be opened at all.
import { batch, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { AppStatus, SyncStatusView } from "../bindings";

export type StatusApi = Pick<Api, "appStatus">;

/** Where online/offline comes from; the browser's in the app, a fake in tests. */
export interface Connectivity {
  isOnline(): boolean;
  subscribe(onChange: () => void): () => void;
}

export const browserConnectivity: Connectivity = {
  isOnline: () => navigator.onLine,
  subscribe(onChange) {
    window.addEventListener("online", onChange);
    window.addEventListener("offline", onChange);
    return () => {
      window.removeEventListener("online", onChange);
      window.removeEventListener("offline", onChange);
    };
  },
};

export function createStatusStore(api: StatusApi, connectivity: Connectivity) {
  const online = signal(connectivity.isOnline());
  const status = signal<AppStatus | null>(null);
  /** Set when the library could not be opened: the app cannot work at all. */
  const fatal = signal<string | null>(null);
  const error = signal<string | null>(null);

  async function refresh(): Promise<void> {
    try {
      const s = await call(api.appStatus());
      batch(() => {
        status.value = s;
        error.value = null;
      });
    } catch (e) {
      if (e instanceof CommandError && e.kind === "startup") fatal.value = e.message;
      else error.value = errorMessage(e);
    }
  }

  const unsubscribe = connectivity.subscribe(() => {
    online.value = connectivity.isOnline();
  });

  return { online, status, fatal, error, refresh, dispose: unsubscribe };
}

export type StatusStore = ReturnType<typeof createStatusStore>;

/** "3 changes and 1 video", or null when nothing waits. */
export function waitingPhrase(changes: number, files: number): string | null {
  const parts: string[] = [];
  if (changes > 0) parts.push(changes === 1 ? "1 change" : `${changes} changes`);
  if (files > 0) parts.push(files === 1 ? "1 video" : `${files} videos`);
  return parts.length ? parts.join(" and ") : null;
}

export interface BannerInput {
  /** The browser's idea of connectivity. */
  online: boolean;
  /** Changes waiting, from the app status (used until sync status is known). */
  pendingChanges?: number;
  /** The background sync's status, once known. */
  sync?: SyncStatusView | null;
}

export interface BannerMessage {
  text: string;
  tone: "offline" | "waiting";
}

/**
 * What the banner says, or null when all is well: offline (with what will
 * sync when back), a team server that cannot be reached, or videos held
 * for Wi-Fi on a metered network.
 */
export function statusBanner({ online, pendingChanges, sync }: BannerInput): BannerMessage | null {
  const changes = sync ? sync.pending_ops : (pendingChanges ?? 0);
  const files = sync ? sync.pending_uploads : 0;
  const many = changes + files !== 1;
  const waiting = waitingPhrase(changes, files);
  if (!online || sync?.network === "offline") {
    return {
      tone: "offline",
      text: `You're offline. Everything on this device still works; ${
        waiting ? `${waiting} will sync when you're back online` : "nothing is waiting to sync"
      }.`,
    };
  }
  if (!sync?.joined) return null;
  if (sync.round_error?.kind === "unreachable") {
    return {
      tone: "offline",
      text: `Can't reach the team server. ${waiting ? `${waiting} ${many ? "are" : "is"} waiting; ` : ""}Debrief keeps trying.`,
    };
  }
  if (sync.media_paused_metered && files > 0) {
    return {
      tone: "waiting",
      text: `On a metered network: ${files === 1 ? "1 video waits" : `${files} videos wait`} for Wi-Fi (Wi-Fi only is on).`,
    };
  }
  return null;
}

/** The banner's sentence, or null when there is nothing to say. */
export function bannerText(online: boolean, pending: number | undefined): string | null {
  return statusBanner({ online, pendingChanges: pending })?.text ?? null;
}
