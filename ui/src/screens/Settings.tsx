// Settings: the team this device belongs to (join with the server's
// address and an invite code, or leave), Wi-Fi only and the storage
// budget, the team's devices, storage used by the library, changes
// waiting to sync, and where the library lives.
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

import { type Api, call, errorMessage } from "../api";
import type { AppStatus, StorageView } from "../bindings";
import { formatBytes } from "../lib/format";
import type { TeamStore } from "../stores/team";
import { TeamSettings } from "./TeamSettings";

export type SettingsApi = Pick<Api, "storageUsage" | "appStatus">;

export function Settings({ api, team }: { api: SettingsApi; team?: TeamStore }): JSX.Element {
  const [storage, setStorage] = useState<StorageView | null>(null);
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([call(api.storageUsage()), call(api.appStatus())])
      .then(([s, a]) => {
        if (!live) return;
        setStorage(s);
        setStatus(a);
      })
      .catch((e) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [api]);

  return (
    <section class="screen settings" aria-labelledby="settings-title">
      <header class="screen-head">
        <h1 id="settings-title">Settings</h1>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {team && <TeamSettings store={team} />}
      {storage && (
        <section class="card" aria-labelledby="storage-title">
          <h2 id="storage-title">Storage on this device</h2>
          <StorageBar storage={storage} />
          <dl class="facts">
            <dt>Total</dt>
            <dd data-testid="storage-total">{formatBytes(storage.total_bytes)}</dd>
            <dt>Videos</dt>
            <dd>{formatBytes(storage.media_bytes)}</dd>
            <dt>Thumbnails</dt>
            <dd>{formatBytes(storage.thumbnail_bytes)}</dd>
            <dt>Clips</dt>
            <dd>
              {storage.clips_with_media} of {storage.clips} with their video on this device
            </dd>
          </dl>
        </section>
      )}
      {status && (
        <>
          <section class="card" aria-labelledby="sync-title">
            <h2 id="sync-title">Sync</h2>
            <p data-testid="pending-changes">
              {status.pending_changes === 0
                ? "No changes are waiting to sync."
                : `${status.pending_changes} ${status.pending_changes === 1 ? "change is" : "changes are"} waiting to sync.`}
            </p>
          </section>
          <section class="card" aria-labelledby="about-title">
            <h2 id="about-title">About</h2>
            <dl class="facts">
              <dt>Version</dt>
              <dd>{status.version}</dd>
              <dt>Library folder</dt>
              <dd class="path">{status.data_dir}</dd>
            </dl>
          </section>
        </>
      )}
    </section>
  );
}

function StorageBar({ storage }: { storage: StorageView }): JSX.Element | null {
  if (storage.total_bytes === 0) return null;
  const media = (storage.media_bytes / storage.total_bytes) * 100;
  return (
    <div class="storage-bar" aria-hidden="true">
      <span class="storage-media" style={{ width: `${media}%` }} />
      <span class="storage-thumbs" style={{ width: `${100 - media}%` }} />
    </div>
  );
}
