import { describe, expect, it, vi } from "vitest";

import { err, fakeApi, ok, settings, team } from "../test/fakes";
import { createTeamStore } from "./team";

const storage = { clips: 1, clips_with_media: 1, media_bytes: 5_000_000, thumbnail_bytes: 1000, total_bytes: 5_001_000 };

describe("team store", () => {
  it("a wrong invite code keeps every field as typed and says why", async () => {
    const joinTeam = vi.fn(() => err("invalid_invite", "Invite code not found: check it was typed completely."));
    const store = createTeamStore(fakeApi({ joinTeam }));
    store.serverUrl.value = " http://127.0.0.1:8640 ";
    store.inviteCode.value = "WRNG-CODE";
    store.displayName.value = "Avery";
    expect(await store.join()).toBe(false);
    expect(joinTeam).toHaveBeenCalledWith({ server_url: "http://127.0.0.1:8640", invite_code: "WRNG-CODE", display_name: "Avery", device_name: null });
    expect(store.joinError.value?.kind).toBe("invalid_invite");
    expect(store.serverUrl.value).toBe(" http://127.0.0.1:8640 ");
    expect(store.inviteCode.value).toBe("WRNG-CODE");
    expect(store.displayName.value).toBe("Avery");
  });

  it("a successful join clears the code and tells the app", async () => {
    const changed = vi.fn();
    const store = createTeamStore(fakeApi({ joinTeam: () => ok(team(true)) }), changed);
    store.serverUrl.value = "http://127.0.0.1:8640";
    store.inviteCode.value = "GOOD-CODE";
    expect(await store.join()).toBe(true);
    expect(store.team.value?.account?.team_name).toBe("Sales East");
    expect(store.inviteCode.value).toBe("");
    expect(store.joinError.value).toBeNull();
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it("leaving asks to confirm, and unsynced changes ask again before forcing", async () => {
    const leaveTeam = vi
      .fn()
      .mockReturnValueOnce(err("unsynced_changes", "2 changes have not reached the team yet."))
      .mockReturnValueOnce(ok(team(false)));
    const store = createTeamStore(fakeApi({ leaveTeam }));
    store.askLeave();
    expect(store.leaveStep.value).toBe("confirm");
    expect(await store.leave(false)).toBe(false);
    expect(store.leaveStep.value).toBe("unsynced");
    expect(store.leaveError.value?.message).toMatch(/2 changes/);
    expect(await store.leave(true)).toBe(true);
    expect(leaveTeam.mock.calls).toEqual([[false], [true]]);
    expect(store.leaveStep.value).toBe("idle");
    expect(store.team.value?.account).toBeNull();
  });

  it("settings changes go through setSettings and show what was saved", async () => {
    const setSettings = vi.fn(() => ok(settings({ wifi_only: false })));
    const store = createTeamStore(fakeApi({ setSettings, storageUsage: () => ok(storage) }));
    await store.setWifiOnly(false);
    expect(setSettings).toHaveBeenCalledWith({ wifi_only: false, storage_budget_bytes: null });
    expect(store.settings.value?.wifi_only).toBe(false);
    setSettings.mockReturnValueOnce(err("invalid_input", "the storage budget must be at least 100 MB") as never);
    await store.setBudget(1000);
    expect(store.settingsError.value).toMatch(/at least 100 MB/);
    expect(store.settings.value?.wifi_only).toBe(false);
  });
});
