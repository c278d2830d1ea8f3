// A clip's sync badge. It reads the live progress of transfers itself, so
// a row's badge moves while the row (and the list) stay as they are.
import type { JSX } from "preact";

import type { ClipView } from "../bindings";
import { syncBadge } from "../lib/badge";
import { clipProgress } from "../stores/sync";

export function SyncBadge({
  clip,
  progress,
}: {
  clip: Pick<ClipView, "media_state" | "sync_state"> & { id?: string };
  progress?: number;
}): JSX.Element {
  const live = clip.id === undefined ? undefined : clipProgress.value.get(clip.id);
  const badge = syncBadge(clip, progress, live);
  return (
    <span class={`badge badge-${badge.tone}`} data-testid="sync-badge">
      {badge.label}
    </span>
  );
}
