import { render } from "preact";

import { subscribeCoachingChanged, subscribeLibraryChanged, tauriApi, tauriSyncEvents } from "./api";
import { App } from "./app";
import { startRouter } from "./router";
import { browserConnectivity } from "./stores/status";
import "./styles.css";

// Timeline marks for the launch benchmark (performance.getEntriesByType("mark")).
performance.mark?.("ui-start");
startRouter();
const root = document.getElementById("app");
if (root) {
  render(
    <App
      api={tauriApi}
      subscribeLibraryChanged={subscribeLibraryChanged}
      subscribeCoachingChanged={subscribeCoachingChanged}
      connectivity={browserConnectivity}
      syncEvents={tauriSyncEvents}
    />,
    root,
  );
}
