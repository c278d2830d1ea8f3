// The player: the clip's video from the loopback media server (plays and
// seeks offline, since the file is on this device), then its details.
import { useSignal } from "@preact/signals";
import type { JSX } from "preact";
import { useCallback, useEffect, useMemo, useRef } from "preact/hooks";

import type { ClipView } from "../bindings";

import { SyncBadge } from "../components/Badge";
import { ChallengeLink, Comments, PlaybookPlace } from "../components/ClipCoaching";
import { Icon } from "../components/Icon";
import { formatBytes, formatDate, formatDuration } from "../lib/format";
import { href } from "../router";
import { type ClipApi, createClipStore } from "../stores/clip";
import { type CoachingApi, coachingVersion, createClipCoachingStore } from "../stores/coaching";
import { type MediaApi, type MediaStore, createMediaStore } from "../stores/media";
import { clipProgress } from "../stores/sync";
import { ClipActions, DetailsForm, TagEditor } from "./ClipDetails";

interface Props {
  api: ClipApi & Partial<MediaApi> & CoachingApi;
  id: string;
  onDeleted: () => void;
  /** Called when a download this screen started ends (done or refused). */
  onDownloadEnd?: (clipId: string) => void;
}

const noMedia: MediaApi = {
  downloadClip: () => Promise.reject(new Error("downloads are not available here")),
  pinClip: () => Promise.reject(new Error("pinning is not available here")),
};

export function Player({ api, id, onDeleted, onDownloadEnd }: Props): JSX.Element {
  const store = useMemo(() => createClipStore(api, id), [api, id]);
  const media = useMemo(
    () =>
      createMediaStore(
        { downloadClip: api.downloadClip ?? noMedia.downloadClip, pinClip: api.pinClip ?? noMedia.pinClip },
        id,
        store.load,
        onDownloadEnd,
      ),
    [api, id, store, onDownloadEnd],
  );
  const coaching = useMemo(() => createClipCoachingStore(api, id), [api, id]);
  useEffect(() => {
    void store.load();
  }, [store]);
  // Loaded again whenever coaching may have changed (a sync, another screen).
  const version = coachingVersion.value;
  useEffect(() => {
    void coaching.load();
  }, [coaching, version]);

  // The player's position, for "comment at this moment"; null without a video.
  const video = useRef<HTMLVideoElement>(null);
  const currentMs = useSignal<number | null>(null);
  const seek = useCallback((ms: number) => {
    const v = video.current;
    if (!v) return;
    v.currentTime = ms / 1000;
    currentMs.value = ms;
    // On a phone the comments sit below the video: bring it back into view.
    v.scrollIntoView?.({ block: "nearest", behavior: "smooth" });
  }, [currentMs]);

  const clip = store.clip.value;
  const hasVideo = clip?.media_url != null;
  useEffect(() => {
    currentMs.value = hasVideo ? Math.round((video.current?.currentTime ?? 0) * 1000) : null;
  }, [hasVideo, currentMs]);

  const remote = clip !== null && clip.media_url === null && (clip.media_state === "remote" || clip.media_state === "downloading");
  // A clip only on the server downloads as soon as it is opened (the core
  // refuses, with the reason, when the network policy does not allow it).
  useEffect(() => {
    if (remote && api.downloadClip && !media.downloading.peek() && media.error.peek() === null) void media.download();
  }, [remote, media, api.downloadClip]);
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
              ref={video}
              class="video"
              src={clip.media_url}
              poster={clip.thumbnail_url ?? undefined}
              controls
              playsInline
              preload="metadata"
              onTimeUpdate={(e) => (currentMs.value = Math.round(e.currentTarget.currentTime * 1000))}
              onSeeked={(e) => (currentMs.value = Math.round(e.currentTarget.currentTime * 1000))}
            />
          ) : (
            <MissingVideo clip={clip} media={media} canDownload={api.downloadClip !== undefined} />
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
            {api.pinClip && (
              <button
                type="button"
                class={clip.pinned ? "badge-button pinned" : "badge-button"}
                aria-pressed={clip.pinned}
                disabled={media.pinBusy.value}
                data-testid="pin-toggle"
                onClick={() => void media.pin(!clip.pinned)}
              >
                <Icon name="pin" size={14} /> {clip.pinned ? "Kept offline" : "Keep offline"}
              </button>
            )}
            {clip.visibility === "private" && (
              <span class="badge badge-private">
                <Icon name="lock" size={14} /> Private
              </span>
            )}
          </p>
          <ChallengeLink store={coaching} />
          <PlaybookPlace store={coaching} />
          <Comments store={coaching} currentMs={currentMs} seek={seek} />
          <TagEditor store={store} />
          <DetailsForm store={store} />
          <ClipActions store={store} onDeleted={onDeleted} />
        </div>
      </div>
    </section>
  );
}

function MissingVideo({ clip, media, canDownload }: { clip: ClipView; media: MediaStore; canDownload: boolean }): JSX.Element {
  const live = clipProgress.value.get(clip.id);
  const error = media.error.value;
  const remote = clip.media_state === "remote" || clip.media_state === "downloading";
  return (
    <div class="video video-missing" role="note" data-testid="video-missing">
      <Icon name={error ? "alert" : remote ? "download" : "film"} size={40} />
      {error ? (
        <>
          <p data-testid="download-error">{error.message}</p>
          <div class="form-actions">
            <button type="button" class="button" onClick={() => void media.download()}>
              Try again
            </button>
            {error.kind === "wifi_only" && (
              <a class="button" href={href({ name: "settings" })}>
                Settings
              </a>
            )}
          </div>
        </>
      ) : remote && canDownload ? (
        <>
          <p>{media.downloading.value ? "Downloading the video from your team…" : "This clip's video is on the team server."}</p>
          <progress class="progress progress-on-dark" max={1} value={live?.fraction ?? 0} aria-label="Download progress" data-testid="download-progress" />
          <p class="muted-on-dark">
            {live ? `${Math.round(live.fraction * 100)}% of ${formatBytes(clip.bytes)}` : formatBytes(clip.bytes)}
          </p>
        </>
      ) : (
        <p>{remote ? "This clip's video is on the team server, not on this device yet." : "This clip's video is not playable yet."}</p>
      )}
    </div>
  );
}
