// Import a video file that is already on this device (until recording
// lands, this is how clips get in). The path is typed or pasted; the core
// probes, copies, hashes and thumbnails it.
import type { JSX } from "preact";
import { useState } from "preact/hooks";

import { type Api, call, errorMessage } from "../api";
import type { ClipView } from "../bindings";
import { splitTags } from "../lib/format";

export type ImportApi = Pick<Api, "importClip">;

export function Import({ api, onImported }: { api: ImportApi; onImported: (clip: ClipView) => void }): JSX.Element {
  const [path, setPath] = useState("");
  const [title, setTitle] = useState("");
  const [tags, setTags] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    if (path.trim() === "") {
      setError("Type or paste the full path of a video file, for example /home/sam/Videos/call.mp4.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const clip = await call(
        api.importClip({ path: path.trim(), title: title.trim() || null, tags: splitTags(tags), private: isPrivate }),
      );
      onImported(clip);
    } catch (err) {
      // Everything typed stays, so the user fixes one field and retries.
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="screen import" aria-labelledby="import-title">
      <header class="screen-head">
        <h1 id="import-title">Import a video</h1>
      </header>
      <form class="card" onSubmit={submit} aria-describedby={error ? "import-error" : undefined}>
        <p class="muted">MP4 with H.264 or HEVC video and AAC or Opus audio. The file is copied into your library.</p>
        <label class="field">
          <span>Video file</span>
          <input
            id="import-path"
            class="input"
            value={path}
            onInput={(e) => setPath(e.currentTarget.value)}
            placeholder="/path/to/video.mp4"
            autocomplete="off"
            spellcheck={false}
            aria-invalid={error ? true : undefined}
          />
        </label>
        <label class="field">
          <span>Title (optional)</span>
          <input
            id="import-title-input"
            class="input"
            value={title}
            onInput={(e) => setTitle(e.currentTarget.value)}
            placeholder="Defaults to the file name"
          />
        </label>
        <label class="field">
          <span>Tags (optional)</span>
          <input
            id="import-tags"
            class="input"
            value={tags}
            onInput={(e) => setTags(e.currentTarget.value)}
            placeholder="pricing, renewal"
            autocomplete="off"
          />
        </label>
        <label class="check">
          <input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate(e.currentTarget.checked)} />
          <span>Private: only my own devices see it</span>
        </label>
        {error && (
          <p id="import-error" class="error" role="alert">
            {error}
          </p>
        )}
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? "Importing…" : "Import"}
          </button>
        </div>
      </form>
    </section>
  );
}
