// The editable parts of a clip: tags, title and notes, sharing, deletion.
// Errors appear next to the field they concern and the field keeps what
// the user typed (see stores/clip.ts).
import type { JSX } from "preact";
import { useState } from "preact/hooks";

import { Icon } from "../components/Icon";
import type { ClipStore } from "../stores/clip";

export function TagEditor({ store }: { store: ClipStore }): JSX.Element {
  const clip = store.clip.value;
  const error = store.tagError.value;
  return (
    <section class="card" aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      {clip && clip.tags.length > 0 ? (
        <ul class="tag-list">
          {clip.tags.map((t) => (
            <li key={t} class="tag">
              <span>{t}</span>
              <button
                type="button"
                class="tag-remove"
                aria-label={`Remove tag ${t}`}
                disabled={store.tagBusy.value}
                onClick={() => void store.removeTag(t)}
              >
                <Icon name="close" size={16} />
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No tags yet.</p>
      )}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void store.addTags();
        }}
      >
        <label class="sr-only" for="tag-input">
          Add tags
        </label>
        <input
          id="tag-input"
          class="input"
          placeholder="Add a tag"
          value={store.tagInput.value}
          onInput={(e) => {
            store.tagInput.value = e.currentTarget.value;
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "tag-error" : undefined}
          autocomplete="off"
        />
        <button type="submit" class="button" disabled={store.tagBusy.value}>
          Add
        </button>
      </form>
      {error && (
        <p id="tag-error" class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function DetailsForm({ store }: { store: ClipStore }): JSX.Element {
  const error = store.detailsError.value;
  return (
    <form
      class="card"
      aria-labelledby="details-title"
      onSubmit={(e) => {
        e.preventDefault();
        void store.saveDetails();
      }}
    >
      <h2 id="details-title">Details</h2>
      <label class="field">
        <span>Title</span>
        <input
          id="title-input"
          class="input"
          value={store.title.value}
          onInput={(e) => {
            store.title.value = e.currentTarget.value;
            store.detailsSaved.value = false;
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "details-error" : undefined}
        />
      </label>
      <label class="field">
        <span>Notes</span>
        <textarea
          id="notes-input"
          class="input textarea"
          rows={4}
          placeholder="What happened, what worked, what to try next time"
          value={store.notes.value}
          onInput={(e) => {
            store.notes.value = e.currentTarget.value;
            store.detailsSaved.value = false;
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "details-error" : undefined}
        />
      </label>
      {error && (
        <p id="details-error" class="error" role="alert">
          {error}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={!store.dirty.value || store.detailsBusy.value}>
          {store.detailsBusy.value ? "Saving…" : "Save changes"}
        </button>
        {store.detailsSaved.value && !store.dirty.value && (
          <span class="saved" role="status">
            Saved
          </span>
        )}
      </div>
    </form>
  );
}

export function ClipActions({ store, onDeleted }: { store: ClipStore; onDeleted: () => void }): JSX.Element {
  const [confirming, setConfirming] = useState(false);
  const clip = store.clip.value;
  return (
    <section class="card actions" aria-label="Clip actions">
      {clip?.visibility === "private" && (
        <div class="action-row">
          <p class="muted">Only your own devices can see this clip.</p>
          <button type="button" class="button" onClick={() => void store.share()}>
            Share with team
          </button>
        </div>
      )}
      {confirming ? (
        <div class="action-row confirm" role="group" aria-label="Confirm deletion">
          <p>Delete this clip and its video? Once synced, it is gone for the whole team too.</p>
          <button type="button" class="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
          <button
            type="button"
            class="button button-danger"
            onClick={async () => {
              if (await store.remove()) onDeleted();
            }}
          >
            Delete
          </button>
        </div>
      ) : (
        <button type="button" class="button button-danger-quiet" onClick={() => setConfirming(true)}>
          Delete clip
        </button>
      )}
      {store.actionError.value && (
        <p class="error" role="alert">
          {store.actionError.value}
        </p>
      )}
    </section>
  );
}
