// A manager's form to post a challenge or edit one: title, prompt, an
// optional due date and an optional longest answer. A refusal shows the
// core's sentence next to the field it concerns and keeps everything typed.
import type { JSX } from "preact";
import { useEffect, useMemo } from "preact/hooks";

import type { ChallengeView } from "../bindings";
import { Icon } from "../components/Icon";
import { href } from "../router";
import { type ChallengeField, type ChallengeFormApi, type ChallengeFormStore, createChallengeFormStore } from "../stores/challenges";

interface Props {
  api: ChallengeFormApi;
  /** Edit this challenge; create a new one without. */
  editId?: string;
  onSaved: (challenge: ChallengeView) => void;
}

export function ChallengeForm({ api, editId, onSaved }: Props): JSX.Element {
  const store = useMemo(() => createChallengeFormStore(api, editId ?? null), [api, editId]);
  useEffect(() => {
    void store.load();
  }, [store]);
  const backTo = editId ? href({ name: "challenge", id: editId }) : href({ name: "challenges" });
  const back = (
    <a class="back" href={backTo}>
      <Icon name="back" size={20} />
      <span>{editId ? "Challenge" : "Challenges"}</span>
    </a>
  );
  if (store.loadError.value) {
    return (
      <section class="screen challenge-form">
        {back}
        <p class="error" role="alert">
          {store.loadError.value.message}
        </p>
      </section>
    );
  }
  if (editId && !store.original.value) {
    return (
      <section class="screen challenge-form">
        {back}
        <p class="empty muted">Loading…</p>
      </section>
    );
  }
  const error = store.error.value;
  return (
    <section class="screen challenge-form" aria-labelledby="challenge-form-title">
      {back}
      <h1 id="challenge-form-title">{editId ? "Edit challenge" : "New challenge"}</h1>
      <form
        class="card challenge-fields"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const saved = await store.submit();
          if (saved) onSaved(saved);
        }}
      >
        <Field store={store} field="title" label="Title" hint="What to record, in a few words.">
          {(props) => (
            <input
              {...props}
              class="input"
              placeholder="Pricing objection"
              value={store.title.value}
              onInput={(e) => (store.title.value = e.currentTarget.value)}
              autocomplete="off"
            />
          )}
        </Field>
        <Field store={store} field="prompt" label="What you ask" hint="Reps read this before they record.">
          {(props) => (
            <textarea
              {...props}
              class="input textarea"
              rows={5}
              placeholder="Record how you handle “it's too expensive”: what you say first, and how you move to value."
              value={store.prompt.value}
              onInput={(e) => (store.prompt.value = e.currentTarget.value)}
            />
          )}
        </Field>
        <div class="field-row">
          <Field store={store} field="due" label="Due date" optional hint="A day like 2026-12-31 (the end of that day).">
            {(props) => (
              <input
                {...props}
                class="input"
                inputMode="numeric"
                placeholder="2026-12-31"
                value={store.due.value}
                onInput={(e) => (store.due.value = e.currentTarget.value)}
                autocomplete="off"
              />
            )}
          </Field>
          <Field store={store} field="max_length" label="Longest answer" optional hint="Like 2m, 90s or 1m30s.">
            {(props) => (
              <input
                {...props}
                class="input"
                placeholder="2m"
                value={store.maxLength.value}
                onInput={(e) => (store.maxLength.value = e.currentTarget.value)}
                autocomplete="off"
              />
            )}
          </Field>
        </div>
        {error && error.field === null && (
          <p class="error" role="alert" data-testid="challenge-form-error">
            {error.message}
          </p>
        )}
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={store.busy.value} data-testid="challenge-save">
            <Icon name="check" size={20} />
            <span>{store.busy.value ? "Saving…" : editId ? "Save changes" : "Post challenge"}</span>
          </button>
          <a class="button" href={backTo}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}

interface FieldInputProps {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby": string;
}

function Field(props: {
  store: ChallengeFormStore;
  field: ChallengeField;
  label: string;
  hint: string;
  optional?: boolean;
  children: (p: FieldInputProps) => JSX.Element;
}): JSX.Element {
  const id = `challenge-${props.field.replace("_", "-")}`;
  const error = props.store.error.value;
  const mine = error !== null && error.field === props.field;
  return (
    <div class="field">
      <label for={id}>
        {props.label} {props.optional && <span class="optional muted">(optional)</span>}
      </label>
      {props.children({
        id,
        ...(mine ? { "aria-invalid": true as const } : {}),
        "aria-describedby": mine ? `${id}-error` : `${id}-hint`,
      })}
      {mine ? (
        <span class="error" role="alert" id={`${id}-error`} data-testid={`${id}-error`}>
          {error.message}
        </span>
      ) : (
        <span class="muted help" id={`${id}-hint`}>
          {props.hint}
        </span>
      )}
    </div>
  );
}
