import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";

import { SyncBadge } from "../components/Badge";
import { statusBanner } from "../stores/status";
import { createPlaybookStore } from "../stores/playbook";
import { clipProgress, createSyncStore } from "../stores/sync";
import { createTeamStore } from "../stores/team";
import { clip, err, fakeApi, ok, settings, syncStatus, team } from "../test/fakes";
import { Playbook } from "./Playbook";
import { Sync } from "./Sync";
import { TeamSettings } from "./TeamSettings";

afterEach(() => {
  cleanup();
  clipProgress.value = new Map();
});

const storage = { clips: 2, clips_with_media: 1, media_bytes: 500_000_000, thumbnail_bytes: 1000, total_bytes: 500_001_000 };

describe("Sync panel", () => {
  it("shows progress bars for moving files, what waits, and failures with Retry", async () => {
    const c = clip({ title: "Pricing objection" });
    const syncNow = vi.fn(() => ok({ ok: true, changed: true, pushed_changes: 1, uploaded_files: 1, pulled_changes: 0, downloaded_files: 0, failures: 0, error: null }));
    const store = createSyncStore(fakeApi({ getClip: () => ok(c), syncNow, syncStatus: () => ok(syncStatus()) }));
    store.applyStatus(
      syncStatus({
        running: true,
        pending_ops: 3,
        pending_uploads: 1,
        pending_upload_bytes: 10_000_000,
        transfers: [
          { direction: "upload", clip_id: c.id, thumbnail: false, bytes_done: 4_200_000, bytes_total: 10_000_000, live: true, attempts: 0, last_error: null, permanent: false },
        ],
        failed: [{ clip_id: "x", title: "Old demo", error: "the server refused it (too_large)" }],
      }),
    );
    render(<Sync store={store} />);
    const transfer = await screen.findByTestId("sync-transfer");
    expect(transfer.querySelector("progress")?.getAttribute("value")).toBe("4200000");
    expect(transfer.textContent).toMatch(/4.2 MB of 10 MB \(42%\)/);
    await waitFor(() => expect(transfer.textContent).toContain("Pricing objection"));
    expect(screen.getByTestId("sync-waiting").textContent).toBe("3 changes and 1 video waiting to go to the team (10 MB).");
    expect(screen.getByTestId("sync-failed").textContent).toMatch(/Old demo.*too_large/);
    expect(screen.getByTestId("sync-state").textContent).toMatch(/Syncing/);
    fireEvent.click(screen.getByTestId("sync-retry-failed"));
    await waitFor(() => expect(syncNow).toHaveBeenCalledTimes(1));
  });

  it("an unreachable server is said plainly, with Retry", async () => {
    const store = createSyncStore(fakeApi());
    store.applyStatus(syncStatus({ round_error: { kind: "unreachable", message: "Cannot reach the team server at http://x/" } }));
    render(<Sync store={store} />);
    const problem = await screen.findByTestId("sync-problem");
    expect(problem.textContent).toMatch(/Can't reach the team server.*Cannot reach the team server at http:\/\/x\//);
    expect(screen.getByTestId("sync-retry")).toBeTruthy();
  });

  it("before joining, points at Settings", async () => {
    const store = createSyncStore(fakeApi());
    store.applyStatus(syncStatus({ joined: false }));
    render(<Sync store={store} />);
    expect((await screen.findByTestId("sync-not-joined")).textContent).toMatch(/Join a team/);
    expect(screen.queryByTestId("sync-now")).toBeNull();
  });
});

describe("Team settings", () => {
  const api = (joined: boolean, extra = {}) =>
    fakeApi({ getTeam: () => ok(team(joined)), getSettings: () => ok(settings()), storageUsage: () => ok(storage), ...extra });

  it("a wrong invite code shows the server's reason and keeps what was typed", async () => {
    const joinTeam = vi.fn(() => err("invalid_invite", "Invite code not found: check it was typed completely."));
    render(<TeamSettings store={createTeamStore(api(false, { joinTeam }))} />);
    const server = (await screen.findByLabelText("Server address")) as HTMLInputElement;
    fireEvent.input(server, { target: { value: "http://127.0.0.1:8640" } });
    const code = screen.getByLabelText("Invite code") as HTMLInputElement;
    fireEvent.input(code, { target: { value: "WRNG-CODE" } });
    fireEvent.click(screen.getByTestId("join-submit"));
    expect((await screen.findByTestId("join-error")).textContent).toMatch(/Invite code not found/);
    expect(server.value).toBe("http://127.0.0.1:8640");
    expect(code.value).toBe("WRNG-CODE");
    expect(code.getAttribute("aria-invalid")).toBe("true");
  });

  it("joined: shows the team and confirms before leaving", async () => {
    const leaveTeam = vi.fn(() => ok(team(false)));
    render(<TeamSettings store={createTeamStore(api(true, { leaveTeam }))} />);
    expect((await screen.findByTestId("team-card")).textContent).toMatch(/Sales East.*Avery Chen \(member\)/);
    fireEvent.click(screen.getByTestId("leave"));
    expect(screen.getByTestId("leave-confirm").textContent).toMatch(/Leave Sales East\?/);
    expect(leaveTeam).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("leave-yes"));
    await screen.findByTestId("join-card");
    expect(leaveTeam).toHaveBeenCalledWith(false);
  });

  it("Wi-Fi only and the budget show usage against the budget", async () => {
    const setSettings = vi.fn(() => ok(settings({ wifi_only: false })));
    render(<TeamSettings store={createTeamStore(api(true, { setSettings }))} />);
    const toggle = (await screen.findByRole("switch")) as HTMLInputElement;
    expect(toggle.checked).toBe(true);
    expect(screen.getByTestId("budget-usage").textContent).toMatch(/500 MB of 2.0 GB/);
    fireEvent.change(toggle, { target: { checked: false } });
    await waitFor(() => expect(setSettings).toHaveBeenCalledWith({ wifi_only: false, storage_budget_bytes: null }));
    await waitFor(() => expect((screen.getByRole("switch") as HTMLInputElement).checked).toBe(false));
    expect(screen.getByTestId("devices").textContent).toMatch(/avery-phone.*This device/);
    expect(screen.getAllByTestId("device")[1].textContent).toMatch(/avery-laptop.*active 3 h ago/);
  });

  it("devices the server could not list: this device alone, and why", async () => {
    const getTeam = vi.fn(() =>
      ok({ ...team(true), devices: [team(true).devices[0]], devices_note: "Showing this device only: cannot reach http://127.0.0.1:8640/" }),
    );
    render(<TeamSettings store={createTeamStore(api(true, { getTeam }))} />);
    expect((await screen.findByTestId("devices-note")).textContent).toMatch(/this device only: cannot reach/);
    expect(screen.getAllByTestId("device")).toHaveLength(1);
  });
});

describe("Playbook screen", () => {
  it("lists playbook clips first, downloads one with progress, and keeps the reason when refused", async () => {
    const play = clip({ title: "Best pricing answer", kind: "playbook", media_state: "remote", sync_state: "synced" });
    const pinned = clip({ title: "Renewal call", pinned: true, media_state: "cached", sync_state: "synced", media_url: "http://127.0.0.1/x.mp4" });
    const downloadClip = vi.fn(() => err("wifi_only", "\"Best pricing answer\" is on the team server only, and Wi-Fi only is on"));
    const getPlaybook = () =>
      ok({ sections: [{ name: null, entries: [{ position: null, by: "Max Manager", clip: play }] }], kept_offline: [pinned], can_manage: false });
    const store = createPlaybookStore(fakeApi({ getPlaybook, downloadClip }));
    render(<Playbook store={store} />);
    const items = await screen.findAllByTestId("playbook-item");
    expect(items.map((i) => i.querySelector(".clip-title")?.textContent)).toEqual(["Best pricing answer", "Renewal call"]);
    expect(items[1]!.textContent).toMatch(/Plays offline/);
    clipProgress.value = new Map([[play.id, { direction: "download", fraction: 0.3 }]]);
    await waitFor(() => expect(screen.getByTestId("playbook-progress").getAttribute("value")).toBe("0.3"));
    expect(items[0]!.textContent).toMatch(/Downloading 30%/);
    fireEvent.click(screen.getByTestId("playbook-download"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Wi-Fi only is on.*Settings/);
  });

  it("says how clips get there when empty", async () => {
    render(<Playbook store={createPlaybookStore(fakeApi({ getPlaybook: () => ok({ sections: [], kept_offline: [], can_manage: false }) }))} />);
    expect((await screen.findByTestId("playbook-empty")).textContent).toMatch(/Keep offline/);
  });
});

describe("status banner", () => {
  it("counts changes and videos offline, names an unreachable server, and videos held for Wi-Fi", () => {
    expect(statusBanner({ online: false, sync: syncStatus({ pending_ops: 2, pending_uploads: 1 }) })?.text).toBe(
      "You're offline. Everything on this device still works; 2 changes and 1 video will sync when you're back online.",
    );
    expect(statusBanner({ online: true, sync: syncStatus({ network: "offline" }) })?.tone).toBe("offline");
    expect(statusBanner({ online: true, sync: syncStatus({ pending_ops: 1, round_error: { kind: "unreachable", message: "x" } }) })?.text).toBe(
      "Can't reach the team server. 1 change is waiting; Debrief keeps trying.",
    );
    expect(statusBanner({ online: true, sync: syncStatus({ media_paused_metered: true, pending_uploads: 2 }) })?.text).toMatch(/2 videos wait for Wi-Fi/);
    expect(statusBanner({ online: true, sync: syncStatus({ pending_ops: 4 }) })).toBeNull();
    expect(statusBanner({ online: true, sync: syncStatus({ joined: false, round_error: { kind: "unreachable", message: "x" } }) })).toBeNull();
  });

  it("a badge follows live progress without its row re-rendering", async () => {
    const c = clip({ sync_state: "pending" });
    render(<SyncBadge clip={c} />);
    expect(screen.getByTestId("sync-badge").textContent).toBe("Waiting to sync");
    clipProgress.value = new Map([[c.id, { direction: "upload", fraction: 0.5 }]]);
    await waitFor(() => expect(screen.getByTestId("sync-badge").textContent).toBe("Uploading 50%"));
  });
});
