// What the status banner shows: whether the device is online, how many
// changes wait to sync, and whether the library could be opened at all.
import { batch, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { AppStatus } from "../bindings";

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

/** The banner's sentence, or null when there is nothing to say. */
export function bannerText(online: boolean, pending: number | undefined): string | null {
  if (online) return null;
  const waiting =
    pending === undefined || pending === 0
      ? "nothing is waiting to sync"
      : pending === 1
        ? "1 change will sync when you're back online"
        : `${pending} changes will sync when you're back online`;
  return `You're offline. Everything on this device still works; ${waiting}.`;
}
