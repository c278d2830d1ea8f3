// The playbook: what the team wants everyone to have watched before the
// next call, kept on the device for offline viewing. The team's playbook
// comes first, section by section in the managers' order (managers can
// move clips up and down); then, as their own group, the clips this user
// keeps offline. A clip not here yet shows a Download button and, while
// it downloads, a progress bar.
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";

import type { ClipView, PlaybookSectionView } from "../bindings";
import { SyncBadge } from "../components/Badge";
import { Icon } from "../components/Icon";
import { formatBytes, formatDuration } from "../lib/format";
import { href } from "../router";
import type { PlaybookStore } from "../stores/playbook";
import { clipProgress } from "../stores/sync";
import { coachingVersion } from "../stores/coaching";

export function Playbook({ store }: { store: PlaybookStore }): JSX.Element {
  // Loaded again whenever coaching may have changed (a sync, another screen).
  const version = coachingVersion.value;
  useEffect(() => {
    void store.load();
  }, [store, version]);
  const sections = store.sections.value;
  const kept = store.keptOffline.value;
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
      {store.moveError.value && (
        <p class="error" role="alert">
          {store.moveError.value}
        </p>
      )}
      {!store.loaded.value ? (
        !store.loadError.value && <p class="empty muted">Loading…</p>
      ) : store.empty.value ? (
        <div class="empty" data-testid="playbook-empty">
          <Icon name="playbook" size={40} />
          <p>Your playbook is empty. Clips your team promotes appear here, and so does any clip you keep offline (“Keep offline” in the player).</p>
          <a class="button" href={href({ name: "library" })}>
            Browse the library
          </a>
        </div>
      ) : (
        <>
          {sections.length === 0 && (
            <p class="muted" data-testid="playbook-none">
              Nothing in the team playbook yet; managers add clips from a clip's screen.
            </p>
          )}
          {sections.map((s) => (
            <Section key={s.name ?? ""} section={s} named={sections.some((x) => x.name !== null)} store={store} />
          ))}
          {kept.length > 0 && (
            <section class="playbook-section" aria-labelledby="kept-title" data-testid="kept-offline">
              <h2 id="kept-title" class="section-title">
                Kept offline by you
              </h2>
              <ul class="playbook-list">
                {kept.map((c) => (
                  <PlaybookItem key={c.id} clip={c} store={store} pinnedOnly />
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </section>
  );
}

function Section({ section, named, store }: { section: PlaybookSectionView; named: boolean; store: PlaybookStore }): JSX.Element {
  const title = section.name ?? (named ? "More from the playbook" : "Team playbook");
  const id = `section-${section.name ?? "none"}`.replace(/[^A-Za-z0-9_-]/g, "-");
  const last = section.entries.length - 1;
  return (
    <section class="playbook-section" aria-labelledby={id} data-testid="playbook-section" data-section={section.name ?? ""}>
      <h2 id={id} class="section-title">
        {title} <span class="chip-count">{section.entries.length}</span>
      </h2>
      <ul class="playbook-list">
        {section.entries.map((e, i) => (
          <PlaybookItem key={e.clip.id} clip={e.clip} by={e.by} store={store}>
            {store.canManage.value && section.entries.length > 1 && (
              <span class="move-buttons">
                <button
                  type="button"
                  class="button icon-button"
                  disabled={i === 0}
                  aria-label={`Move ${e.clip.title} up`}
                  onClick={() => void store.move(section.name, e.clip.id, -1)}
                  data-testid="move-up"
                >
                  <Icon name="up" size={18} />
                </button>
                <button
                  type="button"
                  class="button icon-button"
                  disabled={i === last}
                  aria-label={`Move ${e.clip.title} down`}
                  onClick={() => void store.move(section.name, e.clip.id, 1)}
                  data-testid="move-down"
                >
                  <Icon name="down" size={18} />
                </button>
              </span>
            )}
          </PlaybookItem>
        ))}
      </ul>
    </section>
  );
}

function PlaybookItem(props: {
  clip: ClipView;
  store: PlaybookStore;
  by?: string;
  pinnedOnly?: boolean;
  children?: JSX.Element | false;
}): JSX.Element {
  const { clip, store } = props;
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
            {props.pinnedOnly ? "Pinned" : "Playbook"} · {clip.author}
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
          <span class="offline-ok" data-testid="plays-offline">
            <Icon name="check" size={18} /> Plays offline
          </span>
        ) : (
          <button type="button" class="button button-primary" disabled={busy} onClick={() => void store.download(clip.id)} data-testid="playbook-download">
            <Icon name="download" size={18} />
            <span>{busy ? "Downloading…" : `Download${clip.bytes > 0 ? ` (${formatBytes(clip.bytes)})` : ""}`}</span>
          </button>
        )}
        {props.pinnedOnly && (
          <button type="button" class="button" disabled={busy} onClick={() => void store.pin(clip.id, !clip.pinned)} data-testid="playbook-unpin">
            {clip.pinned ? "Don't keep offline" : "Keep offline"}
          </button>
        )}
        {props.children}
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
