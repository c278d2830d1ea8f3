// The challenges a manager posted, newest first: each with its due date,
// the longest answer wanted, and my state (answered or not). Managers get
// a "New challenge" button; reps never see it (and the core refuses a rep
// anyway).
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";

import type { ChallengeView } from "../bindings";
import { Icon } from "../components/Icon";
import { formatDue, formatDuration } from "../lib/format";
import { href } from "../router";
import type { ChallengesStore } from "../stores/challenges";
import { coachingVersion } from "../stores/coaching";

export function Challenges({ store }: { store: ChallengesStore }): JSX.Element {
  // Loaded again whenever coaching may have changed (a sync, another screen).
  const version = coachingVersion.value;
  useEffect(() => {
    void store.load();
  }, [store, version]);
  const list = store.challenges.value;
  return (
    <section class="screen challenges" aria-labelledby="challenges-title">
      <header class="screen-head">
        <h1 id="challenges-title">Challenges</h1>
        {store.canManage.value && (
          <a class="button button-primary head-action" href={href({ name: "challenge-new" })} data-testid="challenge-new">
            <Icon name="plus" size={20} />
            <span>New challenge</span>
          </a>
        )}
      </header>
      {store.loadError.value && (
        <p class="error" role="alert">
          The challenges could not be loaded: {store.loadError.value}
        </p>
      )}
      {!store.loaded.value ? (
        !store.loadError.value && <p class="empty muted">Loading…</p>
      ) : list.length === 0 ? (
        <div class="empty" data-testid="challenges-empty">
          <Icon name="challenge" size={40} />
          {!store.joined.value ? (
            <>
              <p>Challenges come from your team. Join it in Settings to see what your manager asks.</p>
              <a class="button" href={href({ name: "settings" })}>
                Settings
              </a>
            </>
          ) : store.canManage.value ? (
            <p>No challenges yet. Ask your team something, for example “Record how you handle the pricing objection”.</p>
          ) : (
            <p>No challenges yet. When your manager posts one, it shows here (after a sync), offline too.</p>
          )}
        </div>
      ) : (
        <ul class="challenge-list">
          {list.map((c) => (
            <ChallengeCard key={c.id} challenge={c} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** "Answered" or "Not answered yet" (or "Yours" for the challenge's author). */
export function AnswerState({ challenge }: { challenge: ChallengeView }): JSX.Element {
  if (challenge.mine) {
    return (
      <span class="badge badge-local" data-testid="answer-state">
        Yours · {challenge.answer_count === 1 ? "1 answer" : `${challenge.answer_count} answers`}
      </span>
    );
  }
  return challenge.answered ? (
    <span class="badge badge-synced" data-testid="answer-state">
      <Icon name="check" size={14} /> Answered
    </span>
  ) : (
    <span class="badge badge-waiting" data-testid="answer-state">
      Not answered yet
    </span>
  );
}

function ChallengeCard({ challenge: c }: { challenge: ChallengeView }): JSX.Element {
  const due = formatDue(c.due_at);
  return (
    <li>
      <a class="challenge-card card" href={href({ name: "challenge", id: c.id })} data-testid="challenge-card" data-challenge-id={c.id}>
        <span class="challenge-card-title">{c.title}</span>
        <span class={due.startsWith("Overdue") ? "challenge-due overdue" : "challenge-due"}>
          {due}
          {c.max_answer_ms !== null && ` · answers up to ${formatDuration(c.max_answer_ms)}`}
        </span>
        <span class="challenge-card-foot">
          <AnswerState challenge={c} />
          <span class="muted">from {c.author}</span>
          {c.pending && <span class="badge badge-waiting">Waiting to sync</span>}
        </span>
      </a>
    </li>
  );
}
