// One challenge: the prompt, due date and length limit, my state, the two
// ways to answer (record now, or pick a clip I have), the answers, and for
// managers who has and has not answered, with Edit and Delete.
import type { JSX } from "preact";
import { useEffect, useMemo } from "preact/hooks";

import type { ClipView } from "../bindings";
import { Icon } from "../components/Icon";
import { formatDate, formatDue, formatDuration } from "../lib/format";
import { href } from "../router";
import { type ChallengeApi, type ChallengeStore, createChallengeStore } from "../stores/challenges";
import { AnswerState } from "./Challenges";
import { coachingVersion } from "../stores/coaching";

interface Props {
  api: ChallengeApi;
  id: string;
  onDeleted: () => void;
  /** A store made by the caller (the app keeps one to reload on events); made here otherwise. */
  store?: ChallengeStore;
}

export function Challenge({ api, id, onDeleted, store: given }: Props): JSX.Element {
  const store = useMemo(() => given ?? createChallengeStore(api, id), [given, api, id]);
  // Loaded again whenever coaching may have changed (a sync, another screen).
  const version = coachingVersion.value;
  useEffect(() => {
    void store.load();
  }, [store, version]);
  const back = (
    <a class="back" href={href({ name: "challenges" })}>
      <Icon name="back" size={20} />
      <span>Challenges</span>
    </a>
  );
  const e = store.loadError.value;
  if (e) {
    return (
      <section class="screen challenge">
        {back}
        <div class="empty" role="alert">
          <p>{e.kind === "not_found" ? "This challenge is not on this device. It may be new: sync, then look again." : e.message}</p>
        </div>
      </section>
    );
  }
  const d = store.detail.value;
  if (!d) {
    return (
      <section class="screen challenge">
        {back}
        <p class="empty muted">Loading…</p>
      </section>
    );
  }
  const c = d.challenge;
  return (
    <section class="screen challenge" aria-labelledby="challenge-title">
      {back}
      <header class="challenge-head">
        <h1 id="challenge-title">{c.title}</h1>
        <p class="clip-meta challenge-meta">
          From {c.author} · {formatDue(c.due_at)}
          {c.max_answer_ms !== null && ` · answers up to ${formatDuration(c.max_answer_ms)}`}
        </p>
        <p class="clip-status">
          <AnswerState challenge={c} />
          {c.pending && <span class="badge badge-waiting">Waiting to sync</span>}
        </p>
      </header>
      {c.deleted && (
        <p class="note" role="status">
          This challenge was deleted; it takes no more answers. Its answers stay in the library.
        </p>
      )}
      <div class="card prompt" data-testid="challenge-prompt">
        {c.prompt}
      </div>
      {/* The challenge's author asks; the team answers. */}
      {!c.deleted && !c.mine && (
        <section class="card" aria-labelledby="answer-title">
          <h2 id="answer-title">{c.answered ? "Answer again" : "Your answer"}</h2>
          <div class="answer-actions">
            <a class="button button-primary" href={href({ name: "record", challengeId: c.id })} data-testid="answer-record">
              <Icon name="record" size={20} />
              <span>Answer by recording</span>
            </a>
            <button type="button" class="button" onClick={() => void store.pickClip()} data-testid="answer-clip">
              <Icon name="film" size={20} />
              <span>Answer with a clip</span>
            </button>
          </div>
          {store.candidates.value !== null && <ClipPicker store={store} />}
          {store.answerError.value && store.candidates.value === null && (
            <p class="error" role="alert">
              {store.answerError.value}
            </p>
          )}
        </section>
      )}
      {d.answered_by !== null && d.not_answered !== null && (
        <section class="card" aria-labelledby="who-title" data-testid="who-answered">
          <h2 id="who-title">Who has answered</h2>
          <p>
            <strong>Answered ({d.answered_by.length}):</strong> {d.answered_by.length ? d.answered_by.join(", ") : "nobody yet"}
          </p>
          <p>
            <strong>Not yet ({d.not_answered.length}):</strong> {d.not_answered.length ? d.not_answered.join(", ") : "everyone has answered"}
          </p>
          <p class="muted help">As of the last sync; answers recorded offline arrive when their authors sync.</p>
        </section>
      )}
      <section class="card" aria-labelledby="answers-title">
        <h2 id="answers-title">Answers ({d.answers.length})</h2>
        {d.answers.length === 0 ? (
          <p class="muted">No answers on this device yet.</p>
        ) : (
          <ul class="answer-list">
            {d.answers.map((a) => (
              <li key={a.clip.id}>
                <ClipLine clip={a.clip} note={a.mine ? "You" : a.clip.author} testid="answer" />
              </li>
            ))}
          </ul>
        )}
      </section>
      {d.can_manage && !c.deleted && <ManageChallenge store={store} onDeleted={onDeleted} />}
    </section>
  );
}

function ClipLine({ clip, note, testid }: { clip: ClipView; note: string; testid: string }): JSX.Element {
  return (
    <a class="clip-line" href={href({ name: "clip", id: clip.id })} data-testid={testid} data-clip-id={clip.id}>
      <span class="thumb thumb-small">
        {clip.thumbnail_url ? (
          <img src={clip.thumbnail_url} alt="" width={96} height={54} decoding="async" />
        ) : (
          <span class="thumb-none">
            <Icon name="film" size={22} />
          </span>
        )}
      </span>
      <span class="clip-text">
        <span class="clip-title">{clip.title}</span>
        <span class="clip-meta">
          {note} · {formatDuration(clip.duration_ms)} · {formatDate(clip.recorded_at)}
        </span>
      </span>
    </a>
  );
}

function ClipPicker({ store }: { store: ChallengeStore }): JSX.Element {
  const clips = store.candidates.value ?? [];
  return (
    <div class="clip-picker" role="group" aria-labelledby="picker-title" data-testid="clip-picker">
      <div class="picker-head">
        <h3 id="picker-title">Pick one of your clips</h3>
        <button type="button" class="button" onClick={store.closePicker}>
          Cancel
        </button>
      </div>
      {store.answerError.value && (
        <p class="error" role="alert" data-testid="answer-error">
          {store.answerError.value}
        </p>
      )}
      {clips.length === 0 ? (
        <p class="muted">You have no clip that answers no challenge yet. Record one instead.</p>
      ) : (
        <ul class="answer-list">
          {clips.map((c) => (
            <li key={c.id} class="pick-row">
              <ClipLine clip={c} note={c.visibility === "private" ? "Private" : "Team"} testid="candidate" />
              <button
                type="button"
                class="button button-primary"
                disabled={store.busy.value}
                onClick={() => void store.answerWith(c.id)}
                aria-label={`Answer with ${c.title}`}
              >
                Use
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ManageChallenge({ store, onDeleted }: { store: ChallengeStore; onDeleted: () => void }): JSX.Element {
  return (
    <section class="card actions" aria-label="Manage this challenge">
      {store.confirmingDelete.value ? (
        <div class="action-row confirm" role="group" aria-label="Confirm deletion">
          <p>Delete this challenge for the whole team? Its answers stay in the library as clips.</p>
          <div class="form-actions">
            <button type="button" class="button" onClick={store.cancelDelete}>
              Cancel
            </button>
            <button
              type="button"
              class="button button-danger"
              disabled={store.busy.value}
              data-testid="challenge-delete-confirm"
              onClick={async () => {
                if (await store.remove()) onDeleted();
              }}
            >
              Delete
            </button>
          </div>
        </div>
      ) : (
        <div class="form-actions">
          <a class="button" href={href({ name: "challenge-edit", id: store.id })} data-testid="challenge-edit">
            <Icon name="edit" size={18} />
            <span>Edit</span>
          </a>
          <button type="button" class="button button-danger-quiet" onClick={() => void store.remove()} data-testid="challenge-delete">
            Delete challenge
          </button>
        </div>
      )}
      {store.actionError.value && (
        <p class="error" role="alert">
          {store.actionError.value}
        </p>
      )}
    </section>
  );
}
