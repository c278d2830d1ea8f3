// Announces recordings a crash or kill interrupted and the shell recovered
// when it opened the library: never silent, one notice per recording, each
// with a link to the clip and a way to dismiss it (for this launch; the
// next launch recovers nothing new and says nothing).
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

import { type Api, call } from "../api";
import type { RecoveredRecordingView } from "../bindings";
import { formatDuration } from "../lib/format";
import { href } from "../router";
import { Icon } from "./Icon";

export type RecoveryApi = Pick<Api, "recoveredRecordings">;

export function RecoveryNotice({ api }: { api: RecoveryApi }): JSX.Element {
  const [found, setFound] = useState<RecoveredRecordingView[]>([]);
  const [dismissed, setDismissed] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const list = await call(api.recoveredRecordings());
        if (live) setFound(list);
      } catch {
        // The library's own failure is reported by the status banner.
      }
    })();
    return () => {
      live = false;
    };
  }, [api]);

  const shown = found.filter((r) => !dismissed.includes(r.clip.id));
  // The live region is there from the start, so its content is announced.
  return (
    <div class="recovery" role="status" aria-live="polite">
      {shown.map((r) => (
        <p class="banner banner-recovered" key={r.clip.id} data-testid="recovered-banner">
          <Icon name="record" size={20} />
          <span class="banner-text">
            Recovered an interrupted recording: “{r.clip.title}” ({formatDuration(r.clip.duration_ms)}).{" "}
            <a href={href({ name: "clip", id: r.clip.id })} onClick={() => setDismissed((d) => [...d, r.clip.id])}>
              Open it
            </a>
          </span>
          <button
            type="button"
            class="banner-close"
            aria-label="Dismiss"
            onClick={() => setDismissed((d) => [...d, r.clip.id])}
          >
            <Icon name="close" size={18} />
          </button>
        </p>
      ))}
    </div>
  );
}
