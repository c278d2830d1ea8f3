// The player: the clip's video from the loopback media server (plays and
// seeks offline, since the file is on this device), then its details.
import type { JSX } from "preact";
import { useEffect, useMemo } from "preact/hooks";

import { SyncBadge } from "../components/Badge";
import { Icon } from "../components/Icon";
import { formatBytes, formatDate, formatDuration } from "../lib/format";
import { href } from "../router";
import { type ClipApi, createClipStore } from "../stores/clip";
import { ClipActions, DetailsForm, TagEditor } from "./ClipDetails";

interface Props {
  api: ClipApi;
  id: string;
  onDeleted: () => void;
}

export function Player({ api, id, onDeleted }: Props): JSX.Element {
  const store = useMemo(() => createClipStore(api, id), [api, id]);
  useEffect(() => {
    void store.load();
  }, [store]);

  const clip = store.clip.value;
  const back = (
    <a class="back" href={href({ name: "library" })}>
      <Icon name="back" size={20} />
      <span>Library</span>
    </a>
  );

  if (store.loadError.value) {
    const e = store.loadError.value;
    return (
      <section class="screen player">
        {back}
        <div class="empty" role="alert">
          <p>{e.kind === "not_found" ? "This clip is no longer in your library." : e.message}</p>
        </div>
      </section>
    );
  }
  if (!clip) {
    return (
      <section class="screen player">
        {back}
        <p class="empty muted">Loading…</p>
      </section>
    );
  }

  return (
    <section class="screen player" aria-labelledby="clip-title">
      {back}
      <div class="player-layout">
        <div class="player-media">
          {clip.media_url ? (
            <video
              id="player-video"
              class="video"
              src={clip.media_url}
              poster={clip.thumbnail_url ?? undefined}
              controls
              playsInline
              preload="metadata"
            />
          ) : (
            <div class="video video-missing" role="note">
              <Icon name="film" size={40} />
              <p>
                {clip.media_state === "remote"
                  ? "This clip's video is on the team server, not on this device yet."
                  : "This clip's video is not playable yet."}
              </p>
            </div>
          )}
        </div>
        <div class="player-info">
          <h1 id="clip-title" class="clip-heading">
            {clip.title}
          </h1>
          <p class="clip-meta">
            {clip.author} · {formatDate(clip.recorded_at)} · {formatDuration(clip.duration_ms)}
            {clip.bytes > 0 && ` · ${formatBytes(clip.bytes)}`}
          </p>
          <p class="clip-status">
            <SyncBadge clip={clip} />
            {clip.visibility === "private" && (
              <span class="badge badge-private">
                <Icon name="lock" size={14} /> Private
              </span>
            )}
          </p>
          <TagEditor store={store} />
          <DetailsForm store={store} />
          <ClipActions store={store} onDeleted={onDeleted} />
        </div>
      </div>
    </section>
  );
}
