// The UI's door to the shell. Screens and stores never call Tauri directly:
// they get an `Api` (the generated commands) and an event subscription, so
// tests hand them fakes with the very same types.
import {
  commands,
  events,
  type CoachingChanged,
  type DownloadProgress,
  type ErrorKind,
  type IpcError,
  type LibraryChanged,
  type RoundView,
  type SyncStatusView,
} from "./bindings";

export type Api = typeof commands;

type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: IpcError };

/** A failed command: `message` is written for the user, `kind` is for code. */
export class CommandError extends Error {
  readonly kind: ErrorKind;
  constructor(error: IpcError) {
    super(error.message);
    this.name = "CommandError";
    this.kind = error.kind;
  }
}

/**
 * Unwrap a command's result or throw a `CommandError`. Failures that are
 * not the command's own (the IPC layer refusing a call, say) arrive as
 * exceptions and are turned into `internal` errors with their text.
 */
export async function call<T>(result: Promise<CommandResult<T>>): Promise<T> {
  let r: CommandResult<T>;
  try {
    r = await result;
  } catch (e) {
    throw new CommandError({ kind: "internal", message: e instanceof Error ? e.message : String(e) });
  }
  if (r.status === "error") throw new CommandError(r.error);
  return r.data;
}

/** The message to show for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export type Unsubscribe = () => void;
export type SubscribeLibraryChanged = (handler: (change: LibraryChanged) => void) => Promise<Unsubscribe>;

export type SubscribeCoachingChanged = (handler: (change: CoachingChanged) => void) => Promise<Unsubscribe>;

export const tauriApi: Api = commands;

export const subscribeCoachingChanged: SubscribeCoachingChanged = (handler) =>
  events.coachingChanged.listen((e) => handler(e.payload));

/** For tests that do not care: coaching changes that never come. */
export const noCoachingChanges: SubscribeCoachingChanged = async () => () => {};

export const subscribeLibraryChanged: SubscribeLibraryChanged = (handler) =>
  events.libraryChanged.listen((e) => handler(e.payload));

/** The background sync's events: live status, finished rounds, download progress. */
export interface SyncEvents {
  onStatus(handler: (status: SyncStatusView) => void): Promise<Unsubscribe>;
  onRound(handler: (round: RoundView) => void): Promise<Unsubscribe>;
  onDownload(handler: (progress: DownloadProgress) => void): Promise<Unsubscribe>;
}

export const tauriSyncEvents: SyncEvents = {
  onStatus: (handler) => events.syncStatusChanged.listen((e) => handler(e.payload.status)),
  onRound: (handler) => events.syncRoundFinished.listen((e) => handler(e.payload.round)),
  onDownload: (handler) => events.downloadProgress.listen((e) => handler(e.payload)),
};

/** For tests and screens that do not care: events that never come. */
export const noSyncEvents: SyncEvents = {
  onStatus: async () => () => {},
  onRound: async () => () => {},
  onDownload: async () => () => {},
};
