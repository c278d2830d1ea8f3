// The playbook: the team's playbook clips, then the clips pinned on this
// device, all kept for offline viewing. Each can be downloaded now (with
// progress through the sync store's `clipProgress`) or pinned/unpinned.
import { batch, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { ClipView, IpcError } from "../bindings";

export type PlaybookApi = Pick<Api, "listPlaybook" | "pinClip" | "downloadClip">;

function asIpc(e: unknown): IpcError {
  return e instanceof CommandError ? { kind: e.kind, message: e.message } : { kind: "internal", message: errorMessage(e) };
}

export function createPlaybookStore(api: PlaybookApi, onDownloadEnd: (clipId: string) => void = () => {}) {
  const clips = signal<ClipView[]>([]);
  const loaded = signal(false);
  const loadError = signal<string | null>(null);
  const busy = signal<ReadonlySet<string>>(new Set());
  const itemErrors = signal<ReadonlyMap<string, IpcError>>(new Map());

  function setBusy(id: string, on: boolean): void {
    const next = new Set(busy.value);
    if (on) next.add(id);
    else next.delete(id);
    busy.value = next;
  }

  function setError(id: string, e: IpcError | null): void {
    const next = new Map(itemErrors.value);
    if (e) next.set(id, e);
    else next.delete(id);
    itemErrors.value = next;
  }

  function replace(c: ClipView): void {
    clips.value = clips.value.map((x) => (x.id === c.id ? c : x));
  }

  async function load(): Promise<void> {
    try {
      const list = await call(api.listPlaybook());
      batch(() => {
        clips.value = list;
        loaded.value = true;
        loadError.value = null;
      });
    } catch (e) {
      loadError.value = errorMessage(e);
    }
  }

  async function download(id: string): Promise<void> {
    if (busy.value.has(id)) return;
    batch(() => {
      setBusy(id, true);
      setError(id, null);
    });
    try {
      replace(await call(api.downloadClip(id)));
    } catch (e) {
      setError(id, asIpc(e));
    } finally {
      setBusy(id, false);
      onDownloadEnd(id);
    }
  }

  async function pin(id: string, pinned: boolean): Promise<void> {
    if (busy.value.has(id)) return;
    batch(() => {
      setBusy(id, true);
      setError(id, null);
    });
    try {
      await call(api.pinClip(id, pinned));
      await load();
    } catch (e) {
      setError(id, asIpc(e));
    } finally {
      setBusy(id, false);
    }
  }

  return { clips, loaded, loadError, busy, itemErrors, load, download, pin };
}

export type PlaybookStore = ReturnType<typeof createPlaybookStore>;
