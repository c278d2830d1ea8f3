// A clip's coaching on the player screen: its comments (add one at the
// current playback moment, edit or delete my own), the challenge it
// answers, and its place in the playbook (promote into a section, move,
// demote: managers only).
//
// Invariants:
// - A refused comment or edit keeps its text in the field with the
//   core's reason (too long, empty, past the end of the clip).
// - `at_ms` is taken from the player when the comment is sent, not when
//   typing started: "at the current playback time" means the moment on
//   screen when the user taps Post.
import { batch, signal } from "@preact/signals";

import { type Api, call, errorMessage } from "../api";
import type { ClipCoachingView } from "../bindings";
import { type Problem, problem } from "./challenges";

/**
 * Bumped by the app when coaching data may have changed (a coaching
 * change made here, a sync round that brought changes): screens showing
 * challenges, comments or the playbook load again.
 */
export const coachingVersion = signal(0);

export type CoachingApi = Pick<
  Api,
  "getClipCoaching" | "addComment" | "editComment" | "deleteComment" | "promoteClip" | "demoteClip"
>;

export function createClipCoachingStore(api: CoachingApi, clipId: string) {
  const view = signal<ClipCoachingView | null>(null);
  const loadError = signal<Problem | null>(null);

  const draft = signal("");
  /** Post the comment at the player's current moment. */
  const atMoment = signal(true);
  const draftError = signal<string | null>(null);
  const posting = signal(false);

  /** The comment being edited, with its draft text. */
  const editing = signal<{ id: string; text: string } | null>(null);
  const editError = signal<string | null>(null);
  const listError = signal<string | null>(null);
  /** The comment whose deletion waits for a confirmation. */
  const confirmingDelete = signal<string | null>(null);

  const section = signal("");
  const playbookError = signal<string | null>(null);
  const playbookBusy = signal(false);

  async function load(): Promise<void> {
    try {
      const v = await call(api.getClipCoaching(clipId));
      batch(() => {
        view.value = v;
        loadError.value = null;
        if (!playbookBusy.value) section.value = v.playbook?.section ?? section.value;
      });
    } catch (e) {
      loadError.value = problem(e);
    }
  }

  /** Post the draft, at `currentMs` when the moment is wanted; true when posted. */
  async function post(currentMs: number | null): Promise<boolean> {
    if (posting.value) return false;
    posting.value = true;
    try {
      const at = atMoment.value && currentMs !== null ? Math.max(0, Math.round(currentMs)) : null;
      await call(api.addComment(clipId, draft.value, at));
      batch(() => {
        draft.value = "";
        draftError.value = null;
      });
      await load();
      return true;
    } catch (e) {
      draftError.value = errorMessage(e);
      return false;
    } finally {
      posting.value = false;
    }
  }

  function startEdit(id: string, text: string): void {
    batch(() => {
      editing.value = { id, text };
      editError.value = null;
    });
  }

  function cancelEdit(): void {
    batch(() => {
      editing.value = null;
      editError.value = null;
    });
  }

  async function saveEdit(): Promise<void> {
    const e = editing.value;
    if (!e) return;
    try {
      await call(api.editComment(e.id, e.text));
      batch(() => {
        editing.value = null;
        editError.value = null;
      });
      await load();
    } catch (err) {
      editError.value = errorMessage(err);
    }
  }

  /** Delete one of my comments; the first call asks for a confirmation. */
  async function remove(id: string): Promise<void> {
    if (confirmingDelete.value !== id) {
      confirmingDelete.value = id;
      return;
    }
    try {
      await call(api.deleteComment(id));
      batch(() => {
        listError.value = null;
        confirmingDelete.value = null;
      });
      await load();
    } catch (e) {
      listError.value = errorMessage(e);
    }
  }

  async function changePlaybook(run: () => ReturnType<CoachingApi["promoteClip"]>): Promise<void> {
    playbookBusy.value = true;
    try {
      const v = await call(run());
      batch(() => {
        view.value = v;
        playbookError.value = null;
        section.value = v.playbook?.section ?? "";
      });
    } catch (e) {
      playbookError.value = errorMessage(e);
    } finally {
      playbookBusy.value = false;
    }
  }

  /** Into the playbook, or to another section (empty: none). */
  function promote(): Promise<void> {
    const s = section.value.trim();
    const place = view.value?.playbook;
    // Moving within the same section keeps its position.
    const position = place && (place.section ?? "") === s ? place.position : null;
    return changePlaybook(() => api.promoteClip(clipId, s === "" ? null : s, position));
  }

  function demote(): Promise<void> {
    return changePlaybook(() => api.demoteClip(clipId));
  }

  return {
    clipId,
    view,
    loadError,
    draft,
    atMoment,
    draftError,
    posting,
    editing,
    editError,
    listError,
    confirmingDelete,
    section,
    playbookError,
    playbookBusy,
    load,
    post,
    startEdit,
    cancelEdit,
    saveEdit,
    remove,
    promote,
    demote,
  };
}

export type ClipCoachingStore = ReturnType<typeof createClipCoachingStore>;
