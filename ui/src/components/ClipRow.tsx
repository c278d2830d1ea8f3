// One clip in the library list: thumbnail, title, author, date, duration,
// tags and its sync badge. The whole row is one link to the player.
import type { JSX } from "preact";

import type { ClipView } from "../bindings";
import { formatDate, formatDuration } from "../lib/format";
import { href } from "../router";
import { SyncBadge } from "./Badge";
import { Icon } from "./Icon";

export const ROW_HEIGHT = 96;

export function ClipRow({ clip }: { clip: ClipView }): JSX.Element {
  return (
    <a class="clip-row" href={href({ name: "clip", id: clip.id })} data-clip-id={clip.id}>
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
        <span class="clip-title">
          {clip.visibility === "private" && (
            <span class="private-mark" title="Private">
              <Icon name="lock" size={14} />
              <span class="sr-only">Private: </span>
            </span>
          )}
          {clip.title}
        </span>
        <span class="clip-meta">
          {clip.author} · {formatDate(clip.recorded_at)}
        </span>
        <span class="clip-foot">
          <SyncBadge clip={clip} />
          {clip.tags.length > 0 && <span class="clip-tags">{clip.tags.map((t) => `#${t}`).join(" ")}</span>}
        </span>
      </span>
    </a>
  );
}
