// The player screen's state for one clip: the clip, the tag being typed,
// and the title/notes being edited.
//
// Invariant: what the user typed is never thrown away by a failure. A
// refused tag or title leaves the field as it was and shows the core's
// message (it says what to change); only a successful save clears or
// replaces the draft.
import { batch, computed, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { ClipView, ErrorKind } from "../bindings";
import { splitTags } from "../lib/format";

export type ClipApi = Pick<Api, "getClip" | "tagClip" | "editClip" | "shareClip" | "deleteClip">;

export function createClipStore(api: ClipApi, id: string) {
  const clip = signal<ClipView | null>(null);
  const loadError = signal<{ kind: ErrorKind; message: string } | null>(null);

  const tagInput = signal("");
  const tagError = signal<string | null>(null);
  const tagBusy = signal(false);

  const title = signal("");
  const notes = signal("");
  const detailsError = signal<string | null>(null);
  const detailsBusy = signal(false);
  const detailsSaved = signal(false);

  const actionError = signal<string | null>(null);

  const dirty = computed(() => {
    const c = clip.value;
    return c !== null && (title.value !== c.title || notes.value !== c.notes);
  });

  function show(c: ClipView, resetDrafts: boolean): void {
    batch(() => {
      clip.value = c;
      if (resetDrafts) {
        title.value = c.title;
        notes.value = c.notes;
      }
    });
  }

  async function load(): Promise<void> {
    try {
      show(await call(api.getClip(id)), true);
      loadError.value = null;
    } catch (e) {
      loadError.value =
        e instanceof CommandError ? { kind: e.kind, message: e.message } : { kind: "internal", message: errorMessage(e) };
    }
  }

  async function changeTags(add: string[], remove: string[]): Promise<boolean> {
    tagBusy.value = true;
    try {
      // Drafts of title/notes stay as typed: tags are a separate change.
      show(await call(api.tagClip(id, add, remove)), false);
      tagError.value = null;
      return true;
    } catch (e) {
      tagError.value = errorMessage(e);
      return false;
    } finally {
      tagBusy.value = false;
    }
  }

  async function addTags(): Promise<void> {
    const names = splitTags(tagInput.value);
    if (names.length === 0) {
      tagError.value = "Type a tag first, for example “pricing”.";
      return;
    }
    if (await changeTags(names, [])) tagInput.value = "";
  }

  async function removeTag(name: string): Promise<void> {
    await changeTags([], [name]);
  }

  async function saveDetails(): Promise<void> {
    const c = clip.value;
    if (!c) return;
    detailsBusy.value = true;
    detailsSaved.value = false;
    try {
      const changedTitle = title.value !== c.title ? title.value : null;
      const changedNotes = notes.value !== c.notes ? notes.value : null;
      const saved = await call(api.editClip(id, changedTitle, changedNotes));
      batch(() => {
        show(saved, true);
        detailsError.value = null;
        detailsSaved.value = true;
      });
    } catch (e) {
      detailsError.value = errorMessage(e);
    } finally {
      detailsBusy.value = false;
    }
  }

  async function share(): Promise<void> {
    try {
      show(await call(api.shareClip(id)), false);
      actionError.value = null;
    } catch (e) {
      actionError.value = errorMessage(e);
    }
  }

  /** Delete the clip; true when it is gone. */
  async function remove(): Promise<boolean> {
    try {
      await call(api.deleteClip(id));
      return true;
    } catch (e) {
      actionError.value = errorMessage(e);
      return false;
    }
  }

  return {
    id,
    clip,
    loadError,
    tagInput,
    tagError,
    tagBusy,
    title,
    notes,
    dirty,
    detailsError,
    detailsBusy,
    detailsSaved,
    actionError,
    load,
    addTags,
    removeTag,
    saveDetails,
    share,
    remove,
  };
}

export type ClipStore = ReturnType<typeof createClipStore>;
