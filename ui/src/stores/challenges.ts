// Challenges: the list (with my answer state), one challenge with its
// answers (and, for managers, who has and has not answered), answering
// with a clip I already have, and the manager's create/edit form.
//
// Invariants:
// - What the user typed is never thrown away by a failure: a refused
//   title, prompt, due date or length keeps every field as typed and says
//   what to change next to the field it concerns.
// - The role decides nothing here: the shell says `can_manage` and the UI
//   hides what a role cannot do; the core refuses it anyway (`forbidden`).
import { batch, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { ChallengeDetailView, ChallengeView, ClipView, ErrorKind } from "../bindings";
import { dueInputValue, lengthInputValue } from "../lib/format";

export interface Problem {
  kind: ErrorKind;
  message: string;
}

export function problem(e: unknown): Problem {
  return e instanceof CommandError ? { kind: e.kind, message: e.message } : { kind: "internal", message: errorMessage(e) };
}

export type ChallengesApi = Pick<Api, "listChallenges">;

export function createChallengesStore(api: ChallengesApi) {
  const challenges = signal<ChallengeView[]>([]);
  const canManage = signal(false);
  const joined = signal(true);
  const loaded = signal(false);
  const loadError = signal<string | null>(null);

  async function load(): Promise<void> {
    try {
      const list = await call(api.listChallenges());
      batch(() => {
        challenges.value = list.challenges;
        canManage.value = list.can_manage;
        joined.value = list.joined;
        loaded.value = true;
        loadError.value = null;
      });
    } catch (e) {
      loadError.value = errorMessage(e);
    }
  }

  return { challenges, canManage, joined, loaded, loadError, load };
}

export type ChallengesStore = ReturnType<typeof createChallengesStore>;

export type ChallengeApi = Pick<Api, "getChallenge" | "deleteChallenge" | "answerCandidates" | "answerChallenge">;

export function createChallengeStore(api: ChallengeApi, id: string) {
  const detail = signal<ChallengeDetailView | null>(null);
  const loadError = signal<Problem | null>(null);
  const confirmingDelete = signal(false);
  const actionError = signal<string | null>(null);
  const busy = signal(false);
  /** `null` while the "answer with a clip" picker is closed. */
  const candidates = signal<ClipView[] | null>(null);
  const answerError = signal<string | null>(null);

  async function load(): Promise<void> {
    try {
      const d = await call(api.getChallenge(id));
      batch(() => {
        detail.value = d;
        loadError.value = null;
      });
    } catch (e) {
      loadError.value = problem(e);
    }
  }

  /** Delete after a confirmation; true when it is gone. */
  async function remove(): Promise<boolean> {
    if (!confirmingDelete.value) {
      confirmingDelete.value = true;
      return false;
    }
    busy.value = true;
    try {
      await call(api.deleteChallenge(id));
      batch(() => {
        confirmingDelete.value = false;
        actionError.value = null;
      });
      return true;
    } catch (e) {
      actionError.value = errorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  function cancelDelete(): void {
    confirmingDelete.value = false;
  }

  /** Open the picker of my clips that answer no challenge yet. */
  async function pickClip(): Promise<void> {
    answerError.value = null;
    try {
      candidates.value = await call(api.answerCandidates());
    } catch (e) {
      answerError.value = errorMessage(e);
    }
  }

  function closePicker(): void {
    batch(() => {
      candidates.value = null;
      answerError.value = null;
    });
  }

  /** Link one of my clips as an answer; true when it is linked (the picker closes). */
  async function answerWith(clipId: string): Promise<boolean> {
    busy.value = true;
    try {
      await call(api.answerChallenge(id, clipId));
      batch(() => {
        candidates.value = null;
        answerError.value = null;
      });
      await load();
      return true;
    } catch (e) {
      // The picker stays open with the reason (too long, private, ...).
      answerError.value = errorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return {
    id,
    detail,
    loadError,
    confirmingDelete,
    actionError,
    busy,
    candidates,
    answerError,
    load,
    remove,
    cancelDelete,
    pickClip,
    closePicker,
    answerWith,
  };
}

export type ChallengeStore = ReturnType<typeof createChallengeStore>;

export type ChallengeField = "title" | "prompt" | "due" | "max_length";

/** Which field a core message is about, from its first words; `null`: the form as a whole. */
export function fieldOf(message: string): ChallengeField | null {
  const m = message.toLowerCase();
  if (m.startsWith("title")) return "title";
  if (m.startsWith("prompt")) return "prompt";
  if (m.includes("is not a date") || m.includes("due date")) return "due";
  if (m.includes("is not a length") || m.includes("answer length")) return "max_length";
  return null;
}

export type ChallengeFormApi = Pick<Api, "createChallenge" | "editChallenge" | "getChallenge">;

/**
 * The create form, or (with `editId`) the edit form filled from the
 * challenge. An edit sends only the fields that changed.
 */
export function createChallengeFormStore(api: ChallengeFormApi, editId: string | null = null) {
  const title = signal("");
  const prompt = signal("");
  const due = signal("");
  const maxLength = signal("");
  const original = signal<ChallengeView | null>(null);
  const loadError = signal<Problem | null>(null);
  const error = signal<{ field: ChallengeField | null; message: string; kind: ErrorKind } | null>(null);
  const busy = signal(false);

  async function load(): Promise<void> {
    if (!editId) return;
    try {
      const d = await call(api.getChallenge(editId));
      const c = d.challenge;
      batch(() => {
        original.value = c;
        title.value = c.title;
        prompt.value = c.prompt;
        due.value = dueInputValue(c.due_at);
        maxLength.value = lengthInputValue(c.max_answer_ms);
        loadError.value = null;
      });
    } catch (e) {
      loadError.value = problem(e);
    }
  }

  function changed(now: string, was: string): string | null {
    return now === was ? null : now;
  }

  /** Create or save; the challenge as saved, or null when refused (the form says why). */
  async function submit(): Promise<ChallengeView | null> {
    if (busy.value) return null;
    busy.value = true;
    try {
      let saved: ChallengeView;
      const o = original.value;
      if (editId && o) {
        saved = await call(
          api.editChallenge(editId, {
            title: changed(title.value, o.title),
            prompt: changed(prompt.value, o.prompt),
            due: changed(due.value.trim(), dueInputValue(o.due_at)),
            max_length: changed(maxLength.value.trim(), lengthInputValue(o.max_answer_ms)),
          }),
        );
      } else {
        saved = await call(
          api.createChallenge({
            title: title.value,
            prompt: prompt.value,
            due: due.value.trim() || null,
            max_length: maxLength.value.trim() || null,
          }),
        );
      }
      error.value = null;
      return saved;
    } catch (e) {
      const p = problem(e);
      error.value = { field: fieldOf(p.message), message: p.message, kind: p.kind };
      return null;
    } finally {
      busy.value = false;
    }
  }

  return { editId, title, prompt, due, maxLength, original, loadError, error, busy, load, submit };
}

export type ChallengeFormStore = ReturnType<typeof createChallengeFormStore>;
