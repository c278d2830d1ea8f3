import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { CoachingChanged, LibraryChanged, RoundView } from "./bindings";
import { App } from "./app";
import { bannerText } from "./stores/status";
import { route } from "./router";
import { challenge, clip, err, fakeApi, ok, syncStatus } from "./test/fakes";

afterEach(() => {
  cleanup();
  route.value = { name: "library" };
});

function connectivity(online: boolean) {
  let listener: () => void = () => {};
  const c = {
    online,
    isOnline: () => c.online,
    subscribe: (fn: () => void) => {
      listener = fn;
      return () => {};
    },
    set(value: boolean) {
      c.online = value;
      listener();
    },
  };
  return c;
}

describe("bannerText", () => {
  it("says nothing online, and how much waits when offline", () => {
    expect(bannerText(true, 5)).toBeNull();
    expect(bannerText(false, 0)).toMatch(/offline.*nothing is waiting/);
    expect(bannerText(false, 1)).toMatch(/1 change will sync/);
    expect(bannerText(false, 12)).toMatch(/12 changes will sync/);
  });
});

describe("App", () => {
  const api = () =>
    fakeApi({
      listClips: () => ok({ clips: [clip({ title: "Only clip" })], has_more: false }),
      listTags: () => ok([]),
      appStatus: () => ok({ pending_changes: 4, unread_notifications: 3, data_dir: "/d", version: "0.1.0" }),
      recoveredRecordings: () => ok([]),
    });

  it("shows the offline banner with the pending count when connectivity drops", async () => {
    const net = connectivity(true);
    render(<App api={api()} subscribeLibraryChanged={async () => () => {}} connectivity={net} />);
    await screen.findByText("Only clip");
    expect(screen.queryByTestId("offline-banner")).toBeNull();
    net.set(false);
    const banner = await screen.findByTestId("offline-banner");
    expect(banner.textContent).toMatch(/4 changes will sync/);
  });

  it("refreshes the library when the shell announces a change", async () => {
    let emit: (c: LibraryChanged) => void = () => {};
    const listClips = vi
      .fn()
      .mockReturnValueOnce(ok({ clips: [clip({ title: "First" })], has_more: false }))
      .mockReturnValue(ok({ clips: [clip({ title: "Second" }), clip({ title: "First" })], has_more: false }));
    const a = { ...api(), listClips };
    render(
      <App
        api={a}
        subscribeLibraryChanged={async (h) => {
          emit = h;
          return () => {};
        }}
        connectivity={connectivity(true)}
      />,
    );
    await screen.findByText("First");
    emit({ change: "added", clip_id: "x" });
    await screen.findByText("Second");
  });

  it("announces a recording recovered at launch, with a link to it, until dismissed", async () => {
    const saved = clip({ title: "Debrief 27 Nov 10:42", duration_ms: 42_000, media_state: "recovered" });
    const a = { ...api(), recoveredRecordings: () => ok([{ clip: saved, message: "an interrupted recording was recovered (0:42)" }]) };
    render(<App api={a} subscribeLibraryChanged={async () => () => {}} connectivity={connectivity(true)} />);
    const banner = await screen.findByTestId("recovered-banner");
    expect(banner.textContent).toMatch(/Recovered an interrupted recording: “Debrief 27 Nov 10:42” \(0:42\)/);
    expect(screen.getByRole("link", { name: "Open it" }).getAttribute("href")).toBe(`#/clip/${saved.id}`);
    screen.getByRole("button", { name: "Dismiss" }).click();
    await waitFor(() => expect(screen.queryByTestId("recovered-banner")).toBeNull());
  });

  it("counts unread notifications on the Inbox tab, and reloads coaching views after a sync round or a coaching change", async () => {
    let unread = 3;
    let round: (r: RoundView) => void = () => {};
    let coaching: (c: CoachingChanged) => void = () => {};
    const listChallenges = vi
      .fn()
      .mockReturnValueOnce(ok({ challenges: [], can_manage: false, joined: true }))
      .mockReturnValue(ok({ challenges: [challenge({ title: "Pricing objection" })], can_manage: false, joined: true }));
    const a = {
      ...api(),
      appStatus: () => ok({ pending_changes: 0, unread_notifications: unread, data_dir: "/d", version: "0.1.0" }),
      syncStatus: () => ok(syncStatus()),
      listChallenges,
    };
    route.value = { name: "challenges" };
    render(
      <App
        api={a}
        subscribeLibraryChanged={async () => () => {}}
        subscribeCoachingChanged={async (h) => {
          coaching = h;
          return () => {};
        }}
        connectivity={connectivity(true)}
        syncEvents={{
          onStatus: async () => () => {},
          onDownload: async () => () => {},
          onRound: async (h) => {
            round = h;
            return () => {};
          },
        }}
      />,
    );
    await waitFor(() => expect(screen.getByTestId("nav-count-inbox").textContent).toBe("3"));
    await screen.findByTestId("challenges-empty");
    unread = 5;
    round({ ok: true, changed: true, pushed_changes: 0, uploaded_files: 0, pulled_changes: 2, downloaded_files: 0, failures: 0, error: null });
    await screen.findByText("Pricing objection");
    await waitFor(() => expect(screen.getByTestId("nav-count-inbox").textContent).toBe("5"));
    unread = 0;
    coaching({ subject: "notifications", id: "" });
    await waitFor(() => expect(screen.queryByTestId("nav-count-inbox")).toBeNull());
  });

  it("replaces everything with the reason when the library cannot open", async () => {
    const broken = fakeApi({
      listClips: () => err("startup", "Debrief cannot open your library: schema 9"),
      listTags: () => err("startup", "Debrief cannot open your library: schema 9"),
      appStatus: () => err("startup", "Debrief cannot open your library: schema 9"),
    });
    render(<App api={broken} subscribeLibraryChanged={async () => () => {}} connectivity={connectivity(true)} />);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toMatch(/schema 9/));
    expect(screen.getByRole("heading", { name: "Debrief can't open your library" })).toBeTruthy();
  });
});
