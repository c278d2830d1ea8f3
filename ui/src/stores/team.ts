// The team and the sync preferences in Settings: joining (server address,
// invite code, name), leaving (confirmed; refused while changes wait unless
// the user insists), Wi-Fi only and the storage budget.
//
// Invariant, as in the clip store: what the user typed survives a failure.
// A wrong code or an unreachable server leaves every field as typed and
// shows the reason next to the form; only a successful join clears the code.
import { batch, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { IpcError, SettingsChange, SettingsView, StorageView, TeamView } from "../bindings";

export type TeamApi = Pick<Api, "getTeam" | "joinTeam" | "leaveTeam" | "getSettings" | "setSettings" | "storageUsage">;

/** Where leaving stands: not asked, asking to confirm, or refused because changes wait. */
export type LeaveStep = "idle" | "confirm" | "unsynced";

function asIpc(e: unknown): IpcError {
  return e instanceof CommandError ? { kind: e.kind, message: e.message } : { kind: "internal", message: errorMessage(e) };
}

export function createTeamStore(api: TeamApi, onTeamChanged: () => void = () => {}) {
  const team = signal<TeamView | null>(null);
  const settings = signal<SettingsView | null>(null);
  const storage = signal<StorageView | null>(null);
  const loadError = signal<string | null>(null);

  const serverUrl = signal("");
  const inviteCode = signal("");
  const displayName = signal("");
  const joinBusy = signal(false);
  const joinError = signal<IpcError | null>(null);

  const leaveStep = signal<LeaveStep>("idle");
  const leaveBusy = signal(false);
  const leaveError = signal<IpcError | null>(null);

  const settingsBusy = signal(false);
  const settingsError = signal<string | null>(null);

  async function load(): Promise<void> {
    try {
      const [t, s, st] = await Promise.all([call(api.getTeam()), call(api.getSettings()), call(api.storageUsage())]);
      batch(() => {
        team.value = t;
        settings.value = s;
        storage.value = st;
        loadError.value = null;
      });
    } catch (e) {
      loadError.value = errorMessage(e);
    }
  }

  async function join(): Promise<boolean> {
    if (joinBusy.value) return false;
    batch(() => {
      joinBusy.value = true;
      joinError.value = null;
    });
    try {
      const t = await call(
        api.joinTeam({
          server_url: serverUrl.value.trim(),
          invite_code: inviteCode.value.trim(),
          display_name: displayName.value.trim() || null,
          device_name: null,
        }),
      );
      batch(() => {
        team.value = t;
        inviteCode.value = "";
      });
      onTeamChanged();
      return true;
    } catch (e) {
      joinError.value = asIpc(e);
      return false;
    } finally {
      joinBusy.value = false;
    }
  }

  function askLeave(): void {
    batch(() => {
      leaveStep.value = "confirm";
      leaveError.value = null;
    });
  }

  function cancelLeave(): void {
    batch(() => {
      leaveStep.value = "idle";
      leaveError.value = null;
    });
  }

  /** Leave; without `force`, unsynced changes stop it and the UI asks again. */
  async function leave(force: boolean): Promise<boolean> {
    if (leaveBusy.value) return false;
    leaveBusy.value = true;
    try {
      const t = await call(api.leaveTeam(force));
      batch(() => {
        team.value = t;
        leaveStep.value = "idle";
        leaveError.value = null;
      });
      onTeamChanged();
      return true;
    } catch (e) {
      const err = asIpc(e);
      batch(() => {
        leaveError.value = err;
        if (err.kind === "unsynced_changes") leaveStep.value = "unsynced";
      });
      return false;
    } finally {
      leaveBusy.value = false;
    }
  }

  async function change(c: SettingsChange): Promise<void> {
    settingsBusy.value = true;
    try {
      const s = await call(api.setSettings(c));
      const st = await call(api.storageUsage());
      batch(() => {
        settings.value = s;
        storage.value = st;
        settingsError.value = null;
      });
    } catch (e) {
      settingsError.value = errorMessage(e);
    } finally {
      settingsBusy.value = false;
    }
  }

  return {
    team,
    settings,
    storage,
    loadError,
    serverUrl,
    inviteCode,
    displayName,
    joinBusy,
    joinError,
    leaveStep,
    leaveBusy,
    leaveError,
    settingsBusy,
    settingsError,
    load,
    join,
    askLeave,
    cancelLeave,
    leave,
    setWifiOnly: (wifiOnly: boolean) => change({ wifi_only: wifiOnly, storage_budget_bytes: null }),
    setBudget: (bytes: number) => change({ wifi_only: null, storage_budget_bytes: bytes }),
  };
}

export type TeamStore = ReturnType<typeof createTeamStore>;
