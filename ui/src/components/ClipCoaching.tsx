// The coaching parts of the player screen: the challenge a clip answers,
// its place in the playbook (managers promote, move and demote it here),
// and its comments: each with author, moment and time; a comment at a
// moment seeks the player there when tapped; my own can be edited or
// deleted; a new one is posted at the player's current moment.
import type { Signal } from "@preact/signals";
import type { JSX } from "preact";

import type { CommentView } from "../bindings";
import { formatAgo, formatMoment } from "../lib/format";
import { href } from "../router";
import type { ClipCoachingStore } from "../stores/coaching";
import { Icon } from "./Icon";

interface Props {
  store: ClipCoachingStore;
  /** The player's position in ms; `null` when the video is not on this device. */
  currentMs: Signal<number | null>;
  /** Put the player at this moment. */
  seek: (ms: number) => void;
}

export function ChallengeLink({ store }: { store: ClipCoachingStore }): JSX.Element | null {
  const c = store.view.value?.challenge;
  if (!c) return null;
  return (
    <p class="answer-to" data-testid="answer-to">
      <Icon name="challenge" size={16} /> Answer to{" "}
      {c.deleted ? <span>“{c.title}” (deleted)</span> : <a href={href({ name: "challenge", id: c.id })}>“{c.title}”</a>}
    </p>
  );
}

export function PlaybookPlace({ store }: { store: ClipCoachingStore }): JSX.Element | null {
  const v = store.view.value;
  if (!v) return null;
  const place = v.playbook;
  if (!v.can_manage) {
    // Reps see where the clip stands; only managers change it.
    return place ? (
      <p class="playbook-place" data-testid="playbook-place">
        <Icon name="playbook" size={16} /> In the playbook{place.section ? ` · ${place.section}` : ""}
      </p>
    ) : null;
  }
  const busy = store.playbookBusy.value;
  const error = store.playbookError.value;
  return (
    <section class="card" aria-labelledby="playbook-place-title" data-testid="playbook-controls">
      <h2 id="playbook-place-title">
        <Icon name="playbook" size={18} /> Playbook
      </h2>
      <p class="muted" data-testid="playbook-place">
        {place
          ? `In the playbook${place.section ? `, section “${place.section}”` : " (no section)"}, added by ${place.by}. Every teammate's device keeps it for offline viewing.`
          : "Not in the playbook. Add it and every teammate's device downloads it for offline viewing."}
      </p>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void store.promote();
        }}
      >
        <label class="sr-only" for="playbook-section">
          Section
        </label>
        <input
          id="playbook-section"
          class="input"
          list="playbook-sections"
          placeholder="Section, e.g. Objections (optional)"
          value={store.section.value}
          onInput={(e) => (store.section.value = e.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "playbook-error" : undefined}
          autocomplete="off"
        />
        <datalist id="playbook-sections">
          {v.sections.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <button type="submit" class="button button-primary" disabled={busy} data-testid="promote">
          {place ? "Move" : "Add"}
        </button>
      </form>
      {place && (
        <button type="button" class="button button-danger-quiet" disabled={busy} onClick={() => void store.demote()} data-testid="demote">
          Remove from playbook
        </button>
      )}
      {error && (
        <p id="playbook-error" class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function Comments({ store, currentMs, seek }: Props): JSX.Element {
  const v = store.view.value;
  const comments = v?.comments ?? [];
  const now = currentMs.value;
  const draftError = store.draftError.value;
  return (
    <section class="card" aria-labelledby="comments-title" data-testid="comments">
      <h2 id="comments-title">
        <Icon name="comment" size={18} /> Comments {comments.length > 0 && <span class="chip-count">{comments.length}</span>}
      </h2>
      {store.loadError.value && (
        <p class="error" role="alert">
          {store.loadError.value.message}
        </p>
      )}
      {comments.length === 0 ? (
        <p class="muted">No comments yet. Pause at the moment that matters and say what worked.</p>
      ) : (
        <ul class="comment-list">
          {comments.map((c) => (
            <CommentItem key={c.id} c={c} store={store} seek={now === null ? null : seek} />
          ))}
        </ul>
      )}
      {store.listError.value && (
        <p class="error" role="alert">
          {store.listError.value}
        </p>
      )}
      <form
        class="comment-form"
        onSubmit={(e) => {
          e.preventDefault();
          void store.post(currentMs.peek());
        }}
      >
        <label class="sr-only" for="comment-input">
          Add a comment
        </label>
        <textarea
          id="comment-input"
          class="input textarea comment-input"
          rows={2}
          placeholder="Add a comment"
          value={store.draft.value}
          onInput={(e) => (store.draft.value = e.currentTarget.value)}
          aria-invalid={draftError ? true : undefined}
          aria-describedby={draftError ? "comment-error" : undefined}
        />
        {draftError && (
          <p id="comment-error" class="error" role="alert" data-testid="comment-error">
            {draftError}
          </p>
        )}
        <div class="comment-form-foot">
          {now !== null ? (
            <label class="moment-toggle">
              <input
                type="checkbox"
                id="comment-at"
                checked={store.atMoment.value}
                onChange={(e) => (store.atMoment.value = e.currentTarget.checked)}
              />
              <span data-testid="comment-at-label">At {formatMoment(now)}</span>
            </label>
          ) : (
            <span class="muted help">Download the video to comment at a moment.</span>
          )}
          <button type="submit" class="button button-primary" disabled={store.posting.value} data-testid="comment-post">
            Post
          </button>
        </div>
      </form>
    </section>
  );
}

function CommentItem({ c, store, seek }: { c: CommentView; store: ClipCoachingStore; seek: ((ms: number) => void) | null }): JSX.Element {
  const editing = store.editing.value;
  const isEditing = editing !== null && editing.id === c.id;
  const editError = store.editError.value;
  return (
    <li class="comment" data-testid="comment" data-comment-id={c.id}>
      <div class="comment-head">
        <strong class="comment-author">{c.mine ? `${c.author} (you)` : c.author}</strong>
        {c.at_ms !== null && (
          <button
            type="button"
            class="moment"
            disabled={seek === null}
            onClick={() => seek?.(c.at_ms ?? 0)}
            aria-label={`Play from ${formatMoment(c.at_ms)}`}
            data-testid="comment-moment"
            data-at-ms={c.at_ms}
          >
            <Icon name="play" size={12} /> {formatMoment(c.at_ms)}
          </button>
        )}
        <span class="clip-meta">{formatAgo(c.created_at)}</span>
        {c.pending && <span class="badge badge-waiting">Waiting to sync</span>}
      </div>
      {isEditing ? (
        <form
          class="comment-edit"
          onSubmit={(e) => {
            e.preventDefault();
            void store.saveEdit();
          }}
        >
          <label class="sr-only" for={`edit-${c.id}`}>
            Edit your comment
          </label>
          <textarea
            id={`edit-${c.id}`}
            class="input textarea comment-input"
            rows={2}
            value={editing.text}
            onInput={(e) => (store.editing.value = { id: c.id, text: e.currentTarget.value })}
            aria-invalid={editError ? true : undefined}
            aria-describedby={editError ? `edit-error-${c.id}` : undefined}
          />
          {editError && (
            <p id={`edit-error-${c.id}`} class="error" role="alert">
              {editError}
            </p>
          )}
          <div class="form-actions">
            <button type="submit" class="button button-primary">
              Save
            </button>
            <button type="button" class="button" onClick={store.cancelEdit}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p class="comment-text">{c.text}</p>
      )}
      {c.mine && !isEditing && store.confirmingDelete.value === c.id && (
        <div class="comment-actions" role="group" aria-label="Confirm deleting your comment">
          <span>Delete this comment?</span>
          <button type="button" class="link-button" onClick={() => (store.confirmingDelete.value = null)}>
            Keep it
          </button>
          <button type="button" class="link-button danger" onClick={() => void store.remove(c.id)} data-testid="comment-delete-confirm">
            Delete
          </button>
        </div>
      )}
      {c.mine && !isEditing && store.confirmingDelete.value !== c.id && (
        <div class="comment-actions">
          <button type="button" class="link-button" onClick={() => store.startEdit(c.id, c.text)} data-testid="comment-edit">
            Edit
          </button>
          <button type="button" class="link-button danger" onClick={() => void store.remove(c.id)} data-testid="comment-delete">
            Delete
          </button>
        </div>
      )}
    </li>
  );
}
