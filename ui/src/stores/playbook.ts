// The playbook: the team's playbook by section (in order), then the clips
// pinned on this device, all kept for offline viewing. Each can be
// downloaded now (with progress through the sync store's `clipProgress`)
// or pinned/unpinned; a manager moves clips up and down within a section.
import { batch, computed, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { ClipView, IpcError, PlaybookSectionView } from "../bindings";

export type PlaybookApi = Pick<Api, "getPlaybook" | "reorderPlaybook" | "pinClip" | "downloadClip">;

function asIpc(e: unknown): IpcError {
  return e instanceof CommandError ? { kind: e.kind, message: e.message } : { kind: "internal", message: errorMessage(e) };
}

export function createPlaybookStore(api: PlaybookApi, onDownloadEnd: (clipId: string) => void = () => {}) {
  const sections = signal<PlaybookSectionView[]>([]);
  const keptOffline = signal<ClipView[]>([]);
  const canManage = signal(false);
  const loaded = signal(false);
  const loadError = signal<string | null>(null);
  const busy = signal<ReadonlySet<string>>(new Set());
  const itemErrors = signal<ReadonlyMap<string, IpcError>>(new Map());
  /** Why the last reorder was refused. */
  const moveError = signal<string | null>(null);

  /** Every clip shown, playbook first. */
  const clips = computed(() => [...sections.value.flatMap((s) => s.entries.map((e) => e.clip)), ...keptOffline.value]);
  const empty = computed(() => sections.value.length === 0 && keptOffline.value.length === 0);

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
    batch(() => {
      sections.value = sections.value.map((s) => ({
        ...s,
        entries: s.entries.map((e) => (e.clip.id === c.id ? { ...e, clip: c } : e)),
      }));
      keptOffline.value = keptOffline.value.map((x) => (x.id === c.id ? c : x));
    });
  }

  function show(view: { sections: PlaybookSectionView[]; kept_offline: ClipView[]; can_manage: boolean }): void {
    batch(() => {
      sections.value = view.sections;
      keptOffline.value = view.kept_offline;
      canManage.value = view.can_manage;
      loaded.value = true;
      loadError.value = null;
    });
  }

  async function load(): Promise<void> {
    try {
      show(await call(api.getPlaybook()));
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

  /** Move a clip one place up (-1) or down (+1) within its section. */
  async function move(sectionName: string | null, clipId: string, delta: -1 | 1): Promise<void> {
    const section = sections.value.find((s) => s.name === sectionName);
    if (!section) return;
    const ids = section.entries.map((e) => e.clip.id);
    const from = ids.indexOf(clipId);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= ids.length) return;
    [ids[from], ids[to]] = [ids[to], ids[from]];
    try {
      show(await call(api.reorderPlaybook(sectionName, ids)));
      moveError.value = null;
    } catch (e) {
      moveError.value = errorMessage(e);
    }
  }

  return { sections, keptOffline, canManage, clips, empty, loaded, loadError, busy, itemErrors, moveError, load, download, pin, move };
}

export type PlaybookStore = ReturnType<typeof createPlaybookStore>;
