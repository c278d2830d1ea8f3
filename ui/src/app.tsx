// The app shell: status banner, navigation and the current screen. Stores
// are made once here from the injected Api, so tests render the whole app
// against fakes and the running app against the generated bindings.
import type { JSX } from "preact";
import { useLayoutEffect, useMemo } from "preact/hooks";

import type { Api, SubscribeLibraryChanged } from "./api";
import { FatalScreen, StatusBanner } from "./components/Banner";
import { RecoveryNotice } from "./components/RecoveryNotice";
import { Nav } from "./components/Nav";
import { type Route, navigate, route as currentRoute } from "./router";
import { Import } from "./screens/Import";
import { Library } from "./screens/Library";
import { Player } from "./screens/Player";
import { Record } from "./screens/Record";
import { Settings } from "./screens/Settings";
import { createLibraryStore } from "./stores/library";
import { type Connectivity, bannerText, createStatusStore } from "./stores/status";

export interface AppDeps {
  api: Api;
  subscribeLibraryChanged: SubscribeLibraryChanged;
  connectivity: Connectivity;
}

export function App({ api, subscribeLibraryChanged, connectivity }: AppDeps): JSX.Element {
  const library = useMemo(() => createLibraryStore(api), [api]);
  const status = useMemo(() => createStatusStore(api, connectivity), [api, connectivity]);

  // A layout effect starts the first queries in the same task as the first
  // render; a plain effect waits for Preact's after-paint hook, which in a
  // webview that has not painted yet can cost up to 100 ms of launch time.
  useLayoutEffect(() => {
    void library.reload();
    void library.refreshTags();
    void status.refresh();
    let unsubscribe: (() => void) | undefined;
    let live = true;
    subscribeLibraryChanged((change) => {
      void library.applyChange(change);
      void status.refresh();
    }).then((u) => (live ? (unsubscribe = u) : u()));
    return () => {
      live = false;
      unsubscribe?.();
      library.dispose();
      status.dispose();
    };
  }, [library, status, subscribeLibraryChanged]);

  if (status.fatal.value) return <FatalScreen message={status.fatal.value} />;

  const route = currentRoute.value;
  return (
    <div class="app">
      <Nav current={route} />
      <div class="main">
        <StatusBanner text={bannerText(status.online.value, status.status.value?.pending_changes)} />
        <RecoveryNotice api={api} />
        <main class="content" id="content">
          <Screen route={route} api={api} library={library} />
        </main>
      </div>
    </div>
  );
}

function Screen({ route, api, library }: { route: Route; api: Api; library: ReturnType<typeof createLibraryStore> }): JSX.Element {
  switch (route.name) {
    case "library":
      return <Library store={library} />;
    case "clip":
      return <Player key={route.id} api={api} id={route.id} onDeleted={() => navigate({ name: "library" })} />;
    case "import":
      return <Import api={api} onImported={(clip) => navigate({ name: "clip", id: clip.id })} />;
    case "record":
      return <Record api={api} onSaved={(clip) => navigate({ name: "clip", id: clip.id })} />;
    case "settings":
      return <Settings api={api} />;
  }
}
