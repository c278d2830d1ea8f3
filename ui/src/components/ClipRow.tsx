// One clip in the library list: thumbnail, title, author, date, duration,
// tags and its sync badge. The whole row is one link to the player.
import { Component, type JSX } from "preact";

import type { ClipView } from "../bindings";
import { formatDate, formatDuration } from "../lib/format";
import { href } from "../router";
import { SyncBadge } from "./Badge";
import { Icon } from "./Icon";

export const ROW_HEIGHT = 96;

interface Props {
  clip: ClipView;
}

/**
 * While the list scrolls, rows whose clip object did not change skip
 * rendering entirely (preact/compat's `memo` would do the same, for 6 KB).
 */
export class ClipRow extends Component<Props> {
  override shouldComponentUpdate(next: Props): boolean {
    return next.clip !== this.props.clip;
  }

  override render(): JSX.Element {
    return <ClipRowView clip={this.props.clip} />;
  }
}

function ClipRowView({ clip }: Props): JSX.Element {
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
