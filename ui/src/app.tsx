// The app shell: status banner, navigation and the current screen. Stores
// are made once here from the injected Api, so tests render the whole app
// against fakes and the running app against the generated bindings.
import type { JSX } from "preact";
import { useLayoutEffect, useMemo } from "preact/hooks";

import {
  type Api,
  type SubscribeCoachingChanged,
  type SubscribeLibraryChanged,
  type SyncEvents,
  noCoachingChanges,
  noSyncEvents,
} from "./api";
import { FatalScreen, StatusBanner } from "./components/Banner";
import { RecoveryNotice } from "./components/RecoveryNotice";
import { Nav } from "./components/Nav";
import { type Route, navigate, route as currentRoute } from "./router";
import { Challenge } from "./screens/Challenge";
import { ChallengeForm } from "./screens/ChallengeForm";
import { Challenges } from "./screens/Challenges";
import { Import } from "./screens/Import";
import { Inbox } from "./screens/Inbox";
import { Library } from "./screens/Library";
import { Player } from "./screens/Player";
import { Record } from "./screens/Record";
import { Playbook } from "./screens/Playbook";
import { Settings } from "./screens/Settings";
import { Sync } from "./screens/Sync";
import { type ChallengesStore, createChallengesStore } from "./stores/challenges";
import { coachingVersion } from "./stores/coaching";
import { createLibraryStore } from "./stores/library";
import { type NotificationsStore, createNotificationsStore } from "./stores/notifications";
import { type PlaybookStore, createPlaybookStore } from "./stores/playbook";
import { type Connectivity, createStatusStore, statusBanner } from "./stores/status";
import { type SyncStore, createSyncStore } from "./stores/sync";
import { type TeamStore, createTeamStore } from "./stores/team";

export interface AppDeps {
  api: Api;
  subscribeLibraryChanged: SubscribeLibraryChanged;
  /** Coaching changes made in this app; none in tests that do not care. */
  subscribeCoachingChanged?: SubscribeCoachingChanged;
  connectivity: Connectivity;
  /** Background sync events; none in tests that do not care. */
  syncEvents?: SyncEvents;
}

interface Stores {
  library: ReturnType<typeof createLibraryStore>;
  sync: SyncStore;
  team: TeamStore;
  playbook: PlaybookStore;
  challenges: ChallengesStore;
  notifications: NotificationsStore;
}

export function App({
  api,
  subscribeLibraryChanged,
  subscribeCoachingChanged = noCoachingChanges,
  connectivity,
  syncEvents = noSyncEvents,
}: AppDeps): JSX.Element {
  const library = useMemo(() => createLibraryStore(api), [api]);
  const status = useMemo(() => createStatusStore(api, connectivity), [api, connectivity]);
  const sync = useMemo(() => createSyncStore(api), [api]);
  const playbook = useMemo(() => createPlaybookStore(api, sync.endDownload), [api, sync]);
  const team = useMemo(() => createTeamStore(api, () => void sync.refresh()), [api, sync]);
  const challenges = useMemo(() => createChallengesStore(api), [api]);
  const notifications = useMemo(() => createNotificationsStore(api, () => void status.refresh()), [api, status]);

  // A layout effect starts the first queries in the same task as the first
  // render; a plain effect waits for Preact's after-paint hook, which in a
  // webview that has not painted yet can cost up to 100 ms of launch time.
  useLayoutEffect(() => {
    void library.reload();
    void library.refreshTags();
    void status.refresh();
    void sync.refresh();
    const unsubscribers: (() => void)[] = [];
    let live = true;
    const keep = (p: Promise<() => void>) => p.then((u) => (live ? unsubscribers.push(u) : u()));
    // Screens showing challenges, comments, the playbook or the inbox load
    // again when `coachingVersion` moves; the unread count is in the status.
    const coachingMayHaveChanged = () => {
      coachingVersion.value += 1;
      void status.refresh();
    };
    keep(
      subscribeLibraryChanged((change) => {
        void library.applyChange(change);
        void status.refresh();
        if (currentRoute.peek().name === "playbook") void playbook.load();
      }),
    );
    keep(subscribeCoachingChanged(coachingMayHaveChanged));
    keep(syncEvents.onStatus(sync.applyStatus));
    keep(syncEvents.onDownload(sync.applyDownload));
    keep(
      syncEvents.onRound((round) => {
        sync.applyRound(round);
        void sync.refresh();
        void status.refresh();
        // Clips, challenges, comments or notifications arrived, uploads
        // finished, badges moved: views reload.
        if (round.changed) {
          void library.reload();
          void library.refreshTags();
          coachingMayHaveChanged();
        }
      }),
    );
    return () => {
      live = false;
      for (const u of unsubscribers) u();
      library.dispose();
      status.dispose();
      sync.dispose();
    };
  }, [library, status, sync, playbook, subscribeLibraryChanged, subscribeCoachingChanged, syncEvents]);

  if (status.fatal.value) return <FatalScreen message={status.fatal.value} />;

  const route = currentRoute.value;
  const waiting = sync.waiting.value;
  const message = statusBanner({
    online: status.online.value,
    pendingChanges: status.status.value?.pending_changes,
    sync: sync.status.value,
  });
  const counts = {
    // Before joining, changes wait for a team, not for sync: no count.
    Sync: waiting && sync.status.value?.joined ? waiting.changes + waiting.files : 0,
    Inbox: status.status.value?.unread_notifications ?? 0,
  };
  return (
    <div class="app">
      <Nav current={route} counts={counts} />
      <div class="main">
        <StatusBanner message={route.name === "sync" ? null : message} />
        <RecoveryNotice api={api} />
        <main class="content" id="content">
          <Screen route={route} api={api} stores={{ library, sync, team, playbook, challenges, notifications }} />
        </main>
      </div>
    </div>
  );
}

function Screen({ route, api, stores }: { route: Route; api: Api; stores: Stores }): JSX.Element {
  switch (route.name) {
    case "library":
      return <Library store={stores.library} />;
    case "clip":
      return <Player key={route.id} api={api} id={route.id} onDeleted={() => navigate({ name: "library" })} onDownloadEnd={stores.sync.endDownload} />;
    case "import":
      return <Import api={api} onImported={(clip) => navigate({ name: "clip", id: clip.id })} />;
    case "record": {
      const challengeId = route.challengeId;
      return (
        <Record
          key={challengeId ?? ""}
          api={api}
          challengeId={challengeId}
          onSaved={(clip) => navigate(challengeId ? { name: "challenge", id: challengeId } : { name: "clip", id: clip.id })}
        />
      );
    }
    case "challenges":
      return <Challenges store={stores.challenges} />;
    case "challenge":
      return <Challenge key={route.id} api={api} id={route.id} onDeleted={() => navigate({ name: "challenges" })} />;
    case "challenge-new":
      return <ChallengeForm api={api} onSaved={(c) => navigate({ name: "challenge", id: c.id })} />;
    case "challenge-edit":
      return <ChallengeForm key={route.id} api={api} editId={route.id} onSaved={(c) => navigate({ name: "challenge", id: c.id })} />;
    case "playbook":
      return <Playbook store={stores.playbook} />;
    case "inbox":
      return <Inbox store={stores.notifications} />;
    case "sync":
      return <Sync store={stores.sync} />;
    case "settings":
      return <Settings api={api} team={stores.team} />;
  }
}
