// The playbook: what the team wants everyone to have watched before the
// next call, kept on the device for offline viewing. Playbook clips come
// first, then the clips this user pinned. A clip not here yet shows a
// Download button and, while it downloads, a progress bar.
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";

import type { ClipView } from "../bindings";
import { SyncBadge } from "../components/Badge";
import { Icon } from "../components/Icon";
import { formatBytes, formatDuration } from "../lib/format";
import { href } from "../router";
import type { PlaybookStore } from "../stores/playbook";
import { clipProgress } from "../stores/sync";

export function Playbook({ store }: { store: PlaybookStore }): JSX.Element {
  useEffect(() => {
    void store.load();
  }, [store]);
  const clips = store.clips.value;
  return (
    <section class="screen playbook" aria-labelledby="playbook-title">
      <header class="screen-head">
        <h1 id="playbook-title">Playbook</h1>
      </header>
      <p class="muted">The team's best answers, kept on this device so they play offline before your next call.</p>
      {store.loadError.value && (
        <p class="error" role="alert">
          The playbook could not be loaded: {store.loadError.value}
        </p>
      )}
      {!store.loaded.value ? (
        <p class="empty muted">Loading…</p>
      ) : clips.length === 0 ? (
        <div class="empty" data-testid="playbook-empty">
          <Icon name="playbook" size={40} />
          <p>Your playbook is empty. Clips your team promotes appear here, and so does any clip you keep offline (“Keep offline” in the player).</p>
          <a class="button" href={href({ name: "library" })}>
            Browse the library
          </a>
        </div>
      ) : (
        <ul class="playbook-list">
          {clips.map((c) => (
            <PlaybookItem key={c.id} clip={c} store={store} />
          ))}
        </ul>
      )}
    </section>
  );
}

function PlaybookItem({ clip, store }: { clip: ClipView; store: PlaybookStore }): JSX.Element {
  const busy = store.busy.value.has(clip.id);
  const error = store.itemErrors.value.get(clip.id);
  const live = clipProgress.value.get(clip.id);
  const here = clip.media_url !== null;
  return (
    <li class="playbook-item card" data-clip-id={clip.id} data-testid="playbook-item">
      <a class="playbook-main" href={href({ name: "clip", id: clip.id })}>
        <span class="thumb">
          {clip.thumbnail_url ? (
            <img src={clip.thumbnail_url} alt="" width={128} height={72} decoding="async" />
          ) : (
            <span class="thumb-none">
              <Icon name="film" size={28} />
            </span>
          )}
          <span class="thumb-duration">{formatDuration(clip.duration_ms)}</span>
        </span>
        <span class="clip-text">
          <span class="clip-title">{clip.title}</span>
          <span class="clip-meta">
            {clip.kind === "playbook" ? "Playbook" : "Pinned"} · {clip.author}
          </span>
          <span class="clip-foot">
            <SyncBadge clip={clip} />
          </span>
        </span>
      </a>
      {live?.direction === "download" && (
        <progress class="progress" max={1} value={live.fraction} aria-label={`Downloading ${clip.title}`} data-testid="playbook-progress" />
      )}
      <div class="playbook-actions">
        {here ? (
          <span class="offline-ok">
            <Icon name="check" size={18} /> Plays offline
          </span>
        ) : (
          <button type="button" class="button button-primary" disabled={busy} onClick={() => void store.download(clip.id)} data-testid="playbook-download">
            <Icon name="download" size={18} />
            <span>{busy ? "Downloading…" : `Download${clip.bytes > 0 ? ` (${formatBytes(clip.bytes)})` : ""}`}</span>
          </button>
        )}
        {clip.kind !== "playbook" && (
          <button type="button" class="button" disabled={busy} onClick={() => void store.pin(clip.id, !clip.pinned)} data-testid="playbook-unpin">
            {clip.pinned ? "Don't keep offline" : "Keep offline"}
          </button>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error.message}
          {error.kind === "wifi_only" && (
            <>
              {" "}
              <a href={href({ name: "settings" })}>Settings</a>
            </>
          )}
        </p>
      )}
    </li>
  );
}
