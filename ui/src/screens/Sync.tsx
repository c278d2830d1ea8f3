// The sync panel: where this device stands with its team. What waits to
// go up, what is moving (a progress bar per file), what failed and why,
// when sync last worked, and one button to sync now (which is also how a
// failure is retried).
import type { JSX } from "preact";

import type { IpcError, SyncStatusView, TransferView } from "../bindings";
import { Icon } from "../components/Icon";
import { formatAgo, formatBytes, formatProgress } from "../lib/format";
import { href } from "../router";
import { waitingPhrase } from "../stores/status";
import type { SyncStore } from "../stores/sync";

export function Sync({ store }: { store: SyncStore }): JSX.Element {
  const s = store.status.value;
  return (
    <section class="screen sync" aria-labelledby="sync-title">
      <header class="screen-head">
        <h1 id="sync-title">Sync</h1>
        {s?.joined && (
          <button
            type="button"
            class="button button-primary head-action"
            data-testid="sync-now"
            disabled={store.syncing.value}
            onClick={() => void store.syncNow()}
          >
            <Icon name="sync" size={20} />
            <span>{store.syncing.value || s.running ? "Syncing…" : "Sync now"}</span>
          </button>
        )}
      </header>
      {store.loadError.value && (
        <p class="error" role="alert">
          Sync status could not be read: {store.loadError.value}
        </p>
      )}
      {!s ? (
        <p class="empty muted">Loading…</p>
      ) : !s.joined ? (
        <NotJoined />
      ) : (
        <SyncPanel store={store} status={s} />
      )}
    </section>
  );
}

function NotJoined(): JSX.Element {
  return (
    <div class="card" data-testid="sync-not-joined">
      <h2>Not in a team yet</h2>
      <p>Everything stays on this device until you join your team's server. Then your clips back up and your team's clips arrive here.</p>
      <a class="button button-primary" href={href({ name: "settings" })}>
        Join a team
      </a>
    </div>
  );
}

function SyncPanel({ store, status: s }: { store: SyncStore; status: SyncStatusView }): JSX.Element {
  const running = store.syncing.value || s.running;
  const problem: IpcError | null = store.actionError.value ?? s.round_error;
  const waiting = waitingPhrase(s.pending_ops, s.pending_uploads);
  const transfers = s.transfers.filter((t) => !t.thumbnail || t.last_error);
  return (
    <>
      <section class="card" aria-labelledby="sync-state-title">
        <h2 id="sync-state-title">{s.team_name ?? "Your team"}</h2>
        <p class="muted path">{s.server_url}</p>
        <p class="sync-state" data-testid="sync-state">
          <StateLine running={running} problem={problem} status={s} />
        </p>
        <NetworkLine status={s} />
      </section>

      {problem && (
        <section class="card card-error" role="alert" data-testid="sync-problem">
          <h2>
            <Icon name="alert" size={20} /> {problem.kind === "unreachable" ? "Can't reach the team server" : "Sync could not run"}
          </h2>
          <p>{problem.message}</p>
          <div class="form-actions">
            <button type="button" class="button" data-testid="sync-retry" disabled={running} onClick={() => void store.syncNow()}>
              {running ? "Retrying…" : "Retry"}
            </button>
          </div>
        </section>
      )}

      <section class="card" aria-labelledby="sync-waiting-title">
        <h2 id="sync-waiting-title">Waiting</h2>
        <p data-testid="sync-waiting">
          {waiting
            ? `${waiting} waiting to go to the team${s.pending_upload_bytes > 0 ? ` (${formatBytes(s.pending_upload_bytes)})` : ""}.`
            : "Nothing waits to go to the team."}
        </p>
        {s.pending_downloads > 0 && (
          <p>
            {s.pending_downloads === 1 ? "1 playbook or pinned video" : `${s.pending_downloads} playbook or pinned videos`} to download
            {s.media_paused_metered ? " on Wi-Fi." : "."}
          </p>
        )}
      </section>

      {transfers.length > 0 && (
        <section class="card" aria-labelledby="sync-moving-title">
          <h2 id="sync-moving-title">Transfers</h2>
          <ul class="transfers">
            {transfers.map((t) => (
              <Transfer key={`${t.direction}-${t.clip_id}-${t.thumbnail}`} t={t} title={store.titleOf(t.clip_id)} />
            ))}
          </ul>
        </section>
      )}

      {s.failed.length > 0 && (
        <section class="card card-error" aria-labelledby="sync-failed-title" data-testid="sync-failed">
          <h2 id="sync-failed-title">Didn't sync</h2>
          <ul class="failures">
            {s.failed.map((f) => (
              <li key={f.clip_id}>
                <a href={href({ name: "clip", id: f.clip_id })}>{f.title}</a>
                <p class="muted">{f.error}</p>
              </li>
            ))}
          </ul>
          <div class="form-actions">
            <button type="button" class="button" data-testid="sync-retry-failed" disabled={running} onClick={() => void store.syncNow()}>
              {running ? "Retrying…" : "Retry"}
            </button>
          </div>
        </section>
      )}
    </>
  );
}

function StateLine({ running, problem, status: s }: { running: boolean; problem: IpcError | null; status: SyncStatusView }): JSX.Element {
  const last = s.last_success ? `last synced ${formatAgo(s.last_success)}` : "not synced yet";
  if (running) {
    return (
      <>
        <span class="badge badge-progress">Syncing</span> {last}
      </>
    );
  }
  if (problem || s.failed.length > 0) {
    return (
      <>
        <span class="badge badge-error">Needs attention</span> {last}
      </>
    );
  }
  if (s.pending_ops + s.pending_uploads > 0) {
    return (
      <>
        <span class="badge badge-waiting">Waiting</span> {last}
      </>
    );
  }
  return (
    <>
      <span class="badge badge-synced">Up to date</span> {last}
    </>
  );
}

function NetworkLine({ status: s }: { status: SyncStatusView }): JSX.Element | null {
  if (s.network === "metered") {
    return <p class="muted">{s.media_paused_metered ? "Metered network: videos wait for Wi-Fi (Wi-Fi only is on in Settings)." : "Metered network: videos sync too (Wi-Fi only is off)."}</p>;
  }
  if (s.network === "offline") return <p class="muted">This device is offline.</p>;
  if (s.network === "unmetered") return <p class="muted">On Wi-Fi or a wired network: videos sync.</p>;
  return null;
}

function Transfer({ t, title }: { t: TransferView; title: string | null }): JSX.Element {
  const what = t.thumbnail ? "Thumbnail" : t.direction === "upload" ? "Uploading" : "Downloading";
  const state = t.live ? what : t.direction === "upload" ? "Upload paused" : "Download paused";
  return (
    <li class="transfer" data-testid="sync-transfer" data-clip-id={t.clip_id}>
      <div class="transfer-head">
        <span class="transfer-title">{title ?? "A clip"}</span>
        <span class="muted">{state}</span>
      </div>
      <progress class="progress" max={Math.max(1, t.bytes_total)} value={t.bytes_done} aria-label={`${what} ${title ?? "a clip"}`} />
      <span class="muted transfer-bytes">{formatProgress(t.bytes_done, t.bytes_total)}</span>
      {t.last_error && (
        <p class="error">
          {t.last_error}
          {t.permanent ? "" : " It will be retried."}
        </p>
      )}
    </li>
  );
}
