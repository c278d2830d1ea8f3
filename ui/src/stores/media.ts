// The player's hold on a clip's video: download it when it is only on the
// team server (progress arrives through the sync store's `clipProgress`),
// and keep it offline (pin) or not. A refusal keeps its kind, so the
// player can say "Wi-Fi only is on" and point at Settings.
import { batch, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { IpcError } from "../bindings";

export type MediaApi = Pick<Api, "downloadClip" | "pinClip">;

export function createMediaStore(api: MediaApi, id: string, onChanged: () => Promise<void>, onDownloadEnd: (clipId: string) => void = () => {}) {
  const downloading = signal(false);
  const error = signal<IpcError | null>(null);
  const pinBusy = signal(false);
  const pinError = signal<string | null>(null);

  async function download(): Promise<void> {
    if (downloading.value) return;
    batch(() => {
      downloading.value = true;
      error.value = null;
    });
    try {
      await call(api.downloadClip(id));
      await onChanged();
    } catch (e) {
      error.value = e instanceof CommandError ? { kind: e.kind, message: e.message } : { kind: "internal", message: errorMessage(e) };
    } finally {
      downloading.value = false;
      onDownloadEnd(id);
    }
  }

  async function pin(pinned: boolean): Promise<void> {
    pinBusy.value = true;
    try {
      await call(api.pinClip(id, pinned));
      pinError.value = null;
      await onChanged();
    } catch (e) {
      pinError.value = errorMessage(e);
    } finally {
      pinBusy.value = false;
    }
  }

  return { downloading, error, pinBusy, pinError, download, pin };
}

export type MediaStore = ReturnType<typeof createMediaStore>;
