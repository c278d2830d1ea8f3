// Fakes for unit tests: an in-memory library behind the same `Api` type
// the app gets from the generated bindings, so a test cannot call a
// command that does not exist or pass it the wrong arguments.
import type { Api } from "../api";
import type {
  CaptureDevicesView,
  ChallengeView,
  ClipCoachingView,
  ClipView,
  CommentView,
  IpcError,
  NotificationView,
  RecordingStatusView,
  SettingsView,
  StartRecordingRequest,
  SyncStatusView,
  TeamView,
} from "../bindings";

type Ok<T> = { status: "ok"; data: T };
type Err = { status: "error"; error: IpcError };

export const ok = <T,>(data: T): Promise<Ok<T>> => Promise.resolve({ status: "ok", data });
export const err = (kind: IpcError["kind"], message: string): Promise<Err> =>
  Promise.resolve({ status: "error", error: { kind, message } });

let counter = 0;

export function clip(overrides: Partial<ClipView> = {}): ClipView {
  counter += 1;
  const n = String(counter).padStart(12, "0");
  return {
    id: `0190f1c2-7a4b-7c3d-9e8f-${n}`,
    title: `Clip ${counter}`,
    notes: "",
    kind: "debrief",
    visibility: "team",
    author: "Avery Chen",
    tags: [],
    duration_ms: 65_000,
    width: 1280,
    height: 720,
    bytes: 2_000_000,
    media_state: "ready",
    sync_state: "local",
    recorded_at: "2026-11-27T10:00:00Z",
    media_url: null,
    thumbnail_url: null,
    pinned: false,
    ...overrides,
  };
}

function unexpected(name: string) {
  return () => {
    throw new Error(`unexpected call to ${name}`);
  };
}

/** An Api whose every command throws unless the test provides it. */
export function fakeApi(overrides: Partial<Api> = {}): Api {
  const base: Api = {
    listClips: unexpected("listClips"),
    getClip: unexpected("getClip"),
    tagClip: unexpected("tagClip"),
    editClip: unexpected("editClip"),
    shareClip: unexpected("shareClip"),
    deleteClip: unexpected("deleteClip"),
    listTags: unexpected("listTags"),
    storageUsage: unexpected("storageUsage"),
    appStatus: unexpected("appStatus"),
    importClip: unexpected("importClip"),
    listCaptureDevices: unexpected("listCaptureDevices"),
    startRecording: unexpected("startRecording"),
    pauseRecording: unexpected("pauseRecording"),
    resumeRecording: unexpected("resumeRecording"),
    recordingStatus: unexpected("recordingStatus"),
    stopRecording: unexpected("stopRecording"),
    discardRecording: unexpected("discardRecording"),
    recoveredRecordings: unexpected("recoveredRecordings"),
    getTeam: unexpected("getTeam"),
    joinTeam: unexpected("joinTeam"),
    leaveTeam: unexpected("leaveTeam"),
    syncNow: unexpected("syncNow"),
    syncStatus: unexpected("syncStatus"),
    pinClip: unexpected("pinClip"),
    downloadClip: unexpected("downloadClip"),
    getSettings: unexpected("getSettings"),
    setSettings: unexpected("setSettings"),
    listChallenges: unexpected("listChallenges"),
    getChallenge: unexpected("getChallenge"),
    createChallenge: unexpected("createChallenge"),
    editChallenge: unexpected("editChallenge"),
    deleteChallenge: unexpected("deleteChallenge"),
    answerCandidates: unexpected("answerCandidates"),
    answerChallenge: unexpected("answerChallenge"),
    getPlaybook: unexpected("getPlaybook"),
    reorderPlaybook: unexpected("reorderPlaybook"),
    getClipCoaching: unexpected("getClipCoaching"),
    promoteClip: unexpected("promoteClip"),
    demoteClip: unexpected("demoteClip"),
    addComment: unexpected("addComment"),
    editComment: unexpected("editComment"),
    deleteComment: unexpected("deleteComment"),
    listNotifications: unexpected("listNotifications"),
    markNotificationsRead: unexpected("markNotificationsRead"),
  };
  return { ...base, ...overrides };
}

/**
 * A stand-in for the shell's recorder: the record commands over one
 * in-memory recording whose time the test moves on with `advance`.
 */
export function fakeRecorder(opts: { devices?: Partial<CaptureDevicesView> } = {}) {
  const devices: CaptureDevicesView = {
    cameras: [{ id: "synthetic", label: "Test pattern (no camera)", detail: null }],
    microphones: [
      { id: "synthetic", label: "Test tone (no microphone)", detail: null },
      { id: "none", label: "No sound (video only)", detail: null },
    ],
    default_camera: "synthetic",
    default_microphone: "synthetic",
    camera_note: "No camera found. Connect one, or record the test pattern.",
    microphone_note: "No microphone found. Connect one, or use the test tone or no sound.",
    ...opts.devices,
  };
  let live: RecordingStatusView | null = null;
  let recordings = 0;
  const state = {
    started: [] as StartRecordingRequest[],
    stored: [] as ClipView[],
    discarded: 0,
    get live() {
      return live;
    },
    advance(ms: number, level = -20) {
      if (!live) return;
      live = {
        ...live,
        elapsed_ms: live.paused ? live.elapsed_ms : live.elapsed_ms + ms,
        audio_level: { rms_dbfs: level, peak_dbfs: level + 6 },
        bytes: live.bytes + 1000,
      };
    },
    endByItself(message: string) {
      if (live) live = { ...live, state: "finished", stop_message: message };
    },
  };
  const none = () => err("not_recording", "nothing is being recorded right now; start a recording first");
  const api: Partial<Api> = {
    listCaptureDevices: () => ok(devices),
    recordingStatus: () => ok(live),
    startRecording: (request) => {
      if (live) return err("recording_in_progress", "a recording is already running; stop or discard it before starting another");
      state.started.push(request);
      recordings += 1;
      live = {
        clip_id: `0190f1c2-7a4b-7c3d-9e8f-${String(900 + recordings).padStart(12, "0")}`,
        challenge_id: request.challenge_id ?? null,
        state: "recording",
        paused: false,
        elapsed_ms: 0,
        max_length_ms: 600_000,
        audio_level: null,
        bytes: 0,
        frames_recorded: 0,
        frames_dropped: 0,
        stop_message: null,
        preview_url: `http://127.0.0.1:9/tok/preview/live.mjpeg?clip=${recordings}`,
      };
      return ok(live);
    },
    pauseRecording: () => (live ? ok((live = { ...live, paused: true, state: "paused" })) : none()),
    resumeRecording: () => (live ? ok((live = { ...live, paused: false, state: "recording" })) : none()),
    stopRecording: () => {
      if (!live) return none();
      const stored = clip({
        id: live.clip_id,
        title: "Debrief 27 Nov 10:42",
        duration_ms: live.elapsed_ms,
        thumbnail_url: "http://127.0.0.1:9/tok/thumbs/x.jpg",
      });
      const message = live.stop_message;
      live = null;
      state.stored.push(stored);
      return ok({ clip: stored, message, warnings: [] });
    },
    discardRecording: () => {
      if (!live) return none();
      live = null;
      state.discarded += 1;
      return ok(null);
    },
  };
  return { api, state };
}

/** A sync status: joined, nothing waiting, unless overridden. */
export function syncStatus(overrides: Partial<SyncStatusView> = {}): SyncStatusView {
  return {
    joined: true,
    server_url: "http://127.0.0.1:8640/",
    team_name: "Sales East",
    pending_ops: 0,
    pending_uploads: 0,
    pending_upload_bytes: 0,
    pending_downloads: 0,
    transfers: [],
    failed: [],
    last_success: null,
    last_error: null,
    running: false,
    network: "unmetered",
    media_paused_metered: false,
    round_error: null,
    unread_notifications: 0,
    ...overrides,
  };
}

export function team(joined: boolean): TeamView {
  return {
    account: joined
      ? { server_url: "http://127.0.0.1:8640/", team_name: "Sales East", display_name: "Avery Chen", role: "member", device_name: "avery-phone" }
      : null,
    devices: [
      { id: "0190f1c2-7a4b-7c3d-9e8f-000000000001", name: "avery-phone", this_device: true, owner: joined ? "Avery Chen" : null, last_seen_at: null },
      ...(joined
        ? [{ id: "0190f1c2-7a4b-7c3d-9e8f-000000000002", name: "avery-laptop", this_device: false, owner: "Avery Chen", last_seen_at: new Date(Date.now() - 3 * 3_600_000).toISOString() }]
        : []),
    ],
    devices_note: null,
    default_device_name: "avery-phone",
  };
}

export function settings(overrides: Partial<SettingsView> = {}): SettingsView {
  return { wifi_only: true, storage_budget_bytes: 2_000_000_000, min_storage_budget_bytes: 104_857_600, network: "unmetered", ...overrides };
}

/** A challenge from a manager, not answered, unless overridden. */
export function challenge(overrides: Partial<ChallengeView> = {}): ChallengeView {
  counter += 1;
  return {
    id: `0190f1c2-7a4b-7c3d-9e8f-c${String(counter).padStart(11, "0")}`,
    title: "Pricing objection",
    prompt: "Record how you handle “it's too expensive”.",
    due_at: "2026-12-31T23:59:59Z",
    max_answer_ms: 120_000,
    author: "Max Manager",
    mine: false,
    deleted: false,
    answered: false,
    my_answers: [],
    answer_count: 0,
    pending: false,
    ...overrides,
  };
}

export function comment(overrides: Partial<CommentView> = {}): CommentView {
  counter += 1;
  return {
    id: `0190f1c2-7a4b-7c3d-9e8f-d${String(counter).padStart(11, "0")}`,
    clip_id: "0190f1c2-7a4b-7c3d-9e8f-000000000001",
    author: "Max Manager",
    text: "Great reframe",
    at_ms: 42_000,
    created_at: "2026-11-27T10:00:00Z",
    mine: false,
    pending: false,
    ...overrides,
  };
}

export function clipCoaching(overrides: Partial<ClipCoachingView> = {}): ClipCoachingView {
  return {
    clip_id: "0190f1c2-7a4b-7c3d-9e8f-000000000001",
    comments: [],
    challenge: null,
    playbook: null,
    can_manage: false,
    sections: [],
    ...overrides,
  };
}

export function notification(overrides: Partial<NotificationView> = {}): NotificationView {
  counter += 1;
  return {
    id: counter,
    kind: "new_comment",
    text: "Max Manager commented on \"My answer\" at 0:02: Great reframe",
    clip_id: "0190f1c2-7a4b-7c3d-9e8f-000000000001",
    challenge_id: null,
    created_at: "2026-11-27T10:00:00Z",
    read: false,
    ...overrides,
  };
}
