import type { JSX } from "preact";

import type { ClipView } from "../bindings";
import { syncBadge } from "../lib/badge";

export function SyncBadge({ clip, progress }: { clip: Pick<ClipView, "media_state" | "sync_state">; progress?: number }): JSX.Element {
  const badge = syncBadge(clip, progress);
  return <span class={`badge badge-${badge.tone}`}>{badge.label}</span>;
}
