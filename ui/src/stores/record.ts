// The record screen's state: the chosen camera and microphone, the
// recording in progress (polled for the timer and the sound meter), and,
// after the stop, the save form for the clip it became.
//
// Invariants:
// - The recording lives in the shell, not here: leaving the screen and
//   coming back finds it again (`init` asks for the status), and a reload
//   of the page loses nothing.
// - Stopping stores the clip before the save form opens, with a default
//   title; the form only renames and tags it. Closing the form keeps the
//   clip as it is.
// - What the user typed is never thrown away by a failure: a refused title
//   or tag keeps its text and shows the core's reason next to the field.
import { batch, computed, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type {
  CaptureDevicesView,
  ChallengeView,
  ClipView,
  ErrorKind,
  RecordedClipView,
  RecordingStatusView,
  TagCountView,
} from "../bindings";
import { splitTags } from "../lib/format";

export type RecordApi = Pick<
  Api,
  | "listCaptureDevices"
  | "startRecording"
  | "pauseRecording"
  | "resumeRecording"
  | "recordingStatus"
  | "stopRecording"
  | "discardRecording"
  | "editClip"
  | "tagClip"
  | "deleteClip"
  | "listTags"
  | "getChallenge"
>;

/**
 * idle: pickers and the record button; starting: waiting for the sources;
 * recording: live (paused or not); stopping: the file is being finalised
 * and stored; review: the save form for the stored clip.
 */
export type RecordPhase = "idle" | "starting" | "recording" | "stopping" | "review";

export interface RecordOptions {
  /** How often the status is polled while recording (timer and meter). */
  pollMs?: number;
  /** The recording answers this challenge (linked when stored; its length limit caps it). */
  challengeId?: string | null;
}

export interface Problem {
  kind: ErrorKind;
  message: string;
}

function problem(e: unknown): Problem {
  return e instanceof CommandError ? { kind: e.kind, message: e.message } : { kind: "internal", message: errorMessage(e) };
}

/** Kinds that mean "pick another camera" or "another microphone". */
const CAMERA_KINDS: ErrorKind[] = ["no_camera", "camera_busy", "camera_permission_denied", "unsupported_camera_format"];
const MIC_KINDS: ErrorKind[] = [
  "no_microphone",
  "microphone_not_found",
  "microphone_busy",
  "microphone_permission_denied",
  "unsupported_microphone_format",
  "audio_host_unavailable",
];

export function createRecordStore(api: RecordApi, options: RecordOptions = {}) {
  const pollMs = options.pollMs ?? 100;

  const phase = signal<RecordPhase>("idle");
  const devices = signal<CaptureDevicesView | null>(null);
  const camera = signal("");
  const mic = signal("");
  const status = signal<RecordingStatusView | null>(null);
  /** Why the last start, pause, stop or discard failed. */
  const error = signal<Problem | null>(null);
  /** Set once the user asked to discard: the confirmation is showing. */
  const confirmingDiscard = signal(false);

  const recorded = signal<RecordedClipView | null>(null);
  const clip = signal<ClipView | null>(null);
  const title = signal("");
  const titleError = signal<string | null>(null);
  const tagInput = signal("");
  const tagError = signal<string | null>(null);
  const busy = signal(false);
  const knownTags = signal<TagCountView[]>([]);
  /** The challenge being answered, and why it cannot be, if it cannot. */
  const challengeId = signal<string | null>(options.challengeId ?? null);
  const challenge = signal<ChallengeView | null>(null);
  const challengeProblem = signal<Problem | null>(null);

  const cameraProblem = computed(() => (error.value && CAMERA_KINDS.includes(error.value.kind) ? error.value : null));
  const micProblem = computed(() => (error.value && MIC_KINDS.includes(error.value.kind) ? error.value : null));

  /** Existing tags that are not on the clip yet and start like what is being typed. */
  const suggestions = computed(() => {
    const on = new Set((clip.value?.tags ?? []).map((t) => t.toLocaleLowerCase()));
    const typed = (tagInput.value.split(",").at(-1) ?? "").trim().toLocaleLowerCase();
    return knownTags.value
      .filter((t) => !on.has(t.name.toLocaleLowerCase()) && t.name.toLocaleLowerCase().startsWith(typed))
      .slice(0, 8);
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  function show(s: RecordingStatusView): void {
    batch(() => {
      status.value = s;
      phase.value = "recording";
    });
  }

  function schedulePoll(): void {
    clearTimeout(timer);
    if (disposed || phase.value !== "recording") return;
    timer = setTimeout(() => void poll(), pollMs);
  }

  async function poll(): Promise<void> {
    if (disposed || phase.value !== "recording") return;
    try {
      const s = await call(api.recordingStatus());
      if (disposed || phase.value !== "recording") return;
      if (s === null) {
        // Stopped elsewhere (another window): nothing to show any more.
        batch(() => {
          status.value = null;
          phase.value = "idle";
        });
        return;
      }
      status.value = s;
      if (s.state === "finished") {
        // Ended by itself (maximum length, full disk, lost camera): it is
        // saved; store it and say why.
        await stop();
        return;
      }
    } catch (e) {
      error.value = problem(e);
    }
    schedulePoll();
  }

  async function loadChallenge(id: string): Promise<void> {
    try {
      const d = await call(api.getChallenge(id));
      batch(() => {
        challenge.value = d.challenge;
        challengeProblem.value = d.challenge.deleted
          ? { kind: "invalid_input", message: `“${d.challenge.title}” was deleted; it takes no more answers.` }
          : null;
      });
    } catch (e) {
      challengeProblem.value = problem(e);
    }
  }

  /** Load the device lists and find a recording already in progress. */
  async function init(): Promise<void> {
    const [listed, current] = await Promise.allSettled([call(api.listCaptureDevices()), call(api.recordingStatus())]);
    // A recording already running answers its own challenge, whatever the link said.
    if (current.status === "fulfilled" && current.value !== null && phase.value === "idle") {
      challengeId.value = current.value.challenge_id;
    }
    if (challengeId.value) void loadChallenge(challengeId.value);
    batch(() => {
      if (listed.status === "fulfilled") {
        devices.value = listed.value;
        if (!camera.value) camera.value = listed.value.default_camera;
        if (!mic.value) mic.value = listed.value.default_microphone;
      } else {
        error.value = problem(listed.reason);
      }
      if (current.status === "fulfilled" && current.value !== null && phase.value === "idle") {
        show(current.value);
      }
    });
    schedulePoll();
  }

  /** Choose a camera; the test pattern brings its test tone along when no microphone is attached. */
  function chooseCamera(id: string): void {
    batch(() => {
      camera.value = id;
      const d = devices.value;
      if (d && mic.value === "synthetic" && id !== "synthetic") mic.value = d.default_microphone === "synthetic" ? "none" : d.default_microphone;
      if (d && id === "synthetic" && mic.value === "none" && d.default_microphone === "synthetic") mic.value = "synthetic";
      if (cameraProblem.value) error.value = null;
    });
  }

  function chooseMic(id: string): void {
    batch(() => {
      mic.value = id;
      if (micProblem.value) error.value = null;
    });
  }

  async function start(): Promise<void> {
    if (phase.value !== "idle") return;
    batch(() => {
      phase.value = "starting";
      error.value = null;
      confirmingDiscard.value = false;
    });
    try {
      show(
        await call(
          api.startRecording({ source: camera.value || "synthetic", mic: mic.value || null, challenge_id: challengeId.value }),
        ),
      );
      schedulePoll();
    } catch (e) {
      batch(() => {
        error.value = problem(e);
        phase.value = "idle";
      });
    }
  }

  async function togglePause(): Promise<void> {
    const s = status.value;
    if (phase.value !== "recording" || !s) return;
    try {
      status.value = await call(s.paused ? api.resumeRecording() : api.pauseRecording());
      error.value = null;
    } catch (e) {
      error.value = problem(e);
    }
  }

  async function loadTags(): Promise<void> {
    try {
      knownTags.value = [...(await call(api.listTags()))].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
    } catch {
      // Suggestions are a convenience: the form works without them.
      knownTags.value = [];
    }
  }

  async function stop(): Promise<void> {
    if (phase.value !== "recording") return;
    clearTimeout(timer);
    batch(() => {
      phase.value = "stopping";
      confirmingDiscard.value = false;
    });
    try {
      const r = await call(api.stopRecording());
      batch(() => {
        recorded.value = r;
        clip.value = r.clip;
        title.value = r.clip.title;
        titleError.value = null;
        tagInput.value = "";
        tagError.value = null;
        status.value = null;
        error.value = null;
        phase.value = "review";
      });
      void loadTags();
    } catch (e) {
      // The recording is out of the slot either way; what was written is
      // recovered at the next launch if storing it failed.
      batch(() => {
        error.value = problem(e);
        status.value = null;
        phase.value = "idle";
      });
    }
  }

  async function discard(): Promise<void> {
    if (phase.value !== "recording") return;
    if (!confirmingDiscard.value) {
      confirmingDiscard.value = true;
      return;
    }
    clearTimeout(timer);
    try {
      await call(api.discardRecording());
      error.value = null;
    } catch (e) {
      if (!(e instanceof CommandError && e.kind === "not_recording")) error.value = problem(e);
    }
    batch(() => {
      status.value = null;
      confirmingDiscard.value = false;
      phase.value = "idle";
    });
  }

  function keepRecording(): void {
    confirmingDiscard.value = false;
  }

  async function changeTags(add: string[], remove: string[]): Promise<boolean> {
    const c = clip.value;
    if (!c) return false;
    busy.value = true;
    try {
      clip.value = await call(api.tagClip(c.id, add, remove));
      tagError.value = null;
      return true;
    } catch (e) {
      tagError.value = errorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  /** Add what is typed in the tag field (comma-separated); false if refused. */
  async function addTypedTags(): Promise<boolean> {
    const names = splitTags(tagInput.value);
    if (names.length === 0) {
      tagError.value = "Type a tag first, for example “pricing”.";
      return false;
    }
    if (!(await changeTags(names, []))) return false;
    tagInput.value = "";
    return true;
  }

  async function addSuggested(name: string): Promise<void> {
    if (await changeTags([name], [])) {
      // Keep earlier comma-separated words, drop the one being completed.
      const parts = tagInput.value.split(",");
      parts.pop();
      tagInput.value = parts.length ? `${parts.join(",")}, ` : "";
    }
  }

  async function removeTag(name: string): Promise<void> {
    await changeTags([], [name]);
  }

  /**
   * Save the title (and any tag still in the field). Resolves to the saved
   * clip, or null when something was refused (the form then says why).
   */
  async function save(): Promise<ClipView | null> {
    const c = clip.value;
    if (!c || busy.value) return null;
    if (title.value.trim() === "") {
      titleError.value = "Give your debrief a title, for example “Pricing objection with Acme”.";
      return null;
    }
    if (tagInput.value.trim() !== "" && !(await addTypedTags())) return null;
    const current = clip.value ?? c;
    if (title.value === current.title) {
      titleError.value = null;
      return current;
    }
    busy.value = true;
    try {
      const saved = await call(api.editClip(current.id, title.value, null));
      batch(() => {
        clip.value = saved;
        titleError.value = null;
      });
      return saved;
    } catch (e) {
      titleError.value = errorMessage(e);
      return null;
    } finally {
      busy.value = false;
    }
  }

  /** Delete the stored clip and get ready to record again. */
  async function retake(): Promise<void> {
    const c = clip.value;
    if (!c) return;
    busy.value = true;
    try {
      await call(api.deleteClip(c.id));
      reset();
    } catch (e) {
      titleError.value = errorMessage(e);
    } finally {
      busy.value = false;
    }
  }

  /** Back to the pickers (after a save, or to record another). */
  function reset(): void {
    batch(() => {
      recorded.value = null;
      clip.value = null;
      title.value = "";
      titleError.value = null;
      tagInput.value = "";
      tagError.value = null;
      error.value = null;
      status.value = null;
      phase.value = "idle";
    });
  }

  function dispose(): void {
    disposed = true;
    clearTimeout(timer);
  }

  return {
    phase,
    devices,
    camera,
    mic,
    status,
    error,
    cameraProblem,
    micProblem,
    confirmingDiscard,
    recorded,
    clip,
    title,
    titleError,
    tagInput,
    tagError,
    busy,
    knownTags,
    suggestions,
    challengeId,
    challenge,
    challengeProblem,
    init,
    chooseCamera,
    chooseMic,
    start,
    togglePause,
    stop,
    discard,
    keepRecording,
    addTypedTags,
    addSuggested,
    removeTag,
    save,
    retake,
    reset,
    dispose,
  };
}

export type RecordStore = ReturnType<typeof createRecordStore>;

/**
 * A sound level in dBFS as a 0..1 meter position (-60 dBFS and below is
 * empty). `null`: what JSON makes of a level that is not a finite number.
 */
export function meterFraction(dbfs: number | null | undefined): number {
  if (dbfs === undefined || dbfs === null || !Number.isFinite(dbfs)) return 0;
  return Math.min(1, Math.max(0, (dbfs + 60) / 60));
}
