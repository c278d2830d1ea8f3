// The record screen: pick a camera and a microphone, record with a live
// preview, a timer and a sound meter, pause, stop or discard; then name
// and tag the clip the recording became. Phone first: the picture on top,
// the controls under the thumb; on wide screens the controls sit beside it.
import type { JSX } from "preact";
import { useEffect, useMemo } from "preact/hooks";

import type { SourceChoiceView } from "../bindings";
import { Icon } from "../components/Icon";
import { formatDuration, formatTimer } from "../lib/format";
import { href } from "../router";
import { type RecordApi, type RecordStore, createRecordStore, meterFraction } from "../stores/record";
import type { ClipView } from "../bindings";

interface Props {
  api: RecordApi;
  /** After a save: usually, open the clip (or the challenge it answers). */
  onSaved: (clip: ClipView) => void;
  /** The recording answers this challenge. */
  challengeId?: string;
  /** For tests: how often the status is polled while recording. */
  pollMs?: number;
}

export function Record({ api, onSaved, challengeId, pollMs }: Props): JSX.Element {
  const store = useMemo(
    () => createRecordStore(api, { challengeId: challengeId ?? null, ...(pollMs === undefined ? {} : { pollMs }) }),
    [api, pollMs, challengeId],
  );
  useEffect(() => {
    void store.init();
    return () => store.dispose();
  }, [store]);

  const phase = store.phase.value;
  const answering = store.challengeId.value !== null;
  return (
    <section class="screen record" aria-labelledby="record-title">
      <header class="screen-head">
        <h1 id="record-title">{phase === "review" ? (answering ? "Save your answer" : "Save your debrief") : answering ? "Record an answer" : "Record"}</h1>
        <StateBadge store={store} />
      </header>
      {answering && <AnsweringNote store={store} />}
      {phase === "review" ? <SaveForm store={store} onSaved={onSaved} /> : <Recorder store={store} />}
    </section>
  );
}

/** Which challenge this recording answers, its length limit, or why it cannot answer it. */
function AnsweringNote({ store }: { store: RecordStore }): JSX.Element {
  const c = store.challenge.value;
  const trouble = store.challengeProblem.value;
  const idle = store.phase.value === "idle";
  return (
    <div class="answering card" data-testid="answering">
      {trouble ? (
        <p class="error" role="alert">
          {trouble.message}
        </p>
      ) : (
        <p>
          <span class="answering-label">Answering</span>{" "}
          {c ? (
            <a href={href({ name: "challenge", id: c.id })} class="answering-title">
              “{c.title}”
            </a>
          ) : (
            "a challenge"
          )}
          {c?.max_answer_ms != null && <span class="muted"> · up to {formatDuration(c.max_answer_ms)}</span>}
        </p>
      )}
      {idle && (
        <a class="answering-switch" href={href({ name: "record" })}>
          Record a debrief instead
        </a>
      )}
    </div>
  );
}

function StateBadge({ store }: { store: RecordStore }): JSX.Element | null {
  const s = store.status.value;
  if (store.phase.value !== "recording" || !s) return null;
  return s.paused ? (
    <span class="rec-state rec-paused" data-testid="rec-state">
      Paused
    </span>
  ) : (
    <span class="rec-state rec-live" data-testid="rec-state">
      <span class="rec-dot" aria-hidden="true" /> Recording
    </span>
  );
}

function Recorder({ store }: { store: RecordStore }): JSX.Element {
  const phase = store.phase.value;
  const s = store.status.value;
  const error = store.error.value;
  const live = phase === "recording" && s !== null;
  return (
    <div class="record-layout">
      <div class="record-stage">
        {live ? (
          // One long-lived MJPEG response from the loopback media server;
          // the clip id in its URL gives each recording a fresh stream. (No
          // `crossOrigin`: WebKit refuses multipart responses in CORS mode.)
          <img id="record-preview" class="preview" src={s.preview_url} alt="Live preview of your recording" />
        ) : (
          <div class="preview-idle">
            <Icon name="camera" size={36} />
            <p>{phase === "stopping" ? "Saving your recording…" : "Your picture shows here while you record."}</p>
          </div>
        )}
      </div>
      <div class="record-panel">
        {live ? <LiveReadout store={store} /> : <Pickers store={store} />}
        {error && !store.cameraProblem.value && !store.micProblem.value && (
          <p class="error" role="alert" id="record-error">
            {error.message}
          </p>
        )}
        <Controls store={store} />
      </div>
    </div>
  );
}

function LiveReadout({ store }: { store: RecordStore }): JSX.Element | null {
  const s = store.status.value;
  if (!s) return null;
  const rms = s.audio_level?.rms_dbfs;
  const peak = s.audio_level?.peak_dbfs;
  return (
    <div class="readout">
      <p class="timer" data-testid="record-timer" aria-label={`Recorded ${formatTimer(s.elapsed_ms)} of ${formatDuration(s.max_length_ms)}`}>
        <span class="timer-now">{formatTimer(s.elapsed_ms)}</span>
        <span class="timer-max"> / {formatDuration(s.max_length_ms)}</span>
      </p>
      {s.audio_level ? (
        <div
          class="meter"
          role="meter"
          aria-label="Sound level"
          aria-valuemin={-60}
          aria-valuemax={0}
          aria-valuenow={Math.round(Math.max(-60, rms ?? -60))}
          data-testid="sound-meter"
        >
          <span class="meter-fill" style={{ transform: `scaleX(${meterFraction(rms)})` }} />
          <span class="meter-peak" style={{ left: `${meterFraction(peak) * 100}%` }} />
        </div>
      ) : (
        <p class="muted">Recording without sound.</p>
      )}
      {s.stop_message && <p class="note">{s.stop_message}</p>}
      <SourceLine store={store} />
    </div>
  );
}

/** What is being recorded from, in the pickers' words. */
function SourceLine({ store }: { store: RecordStore }): JSX.Element | null {
  const d = store.devices.value;
  if (!d) return null;
  const label = (list: readonly SourceChoiceView[], id: string) => list.find((c) => c.id === id)?.label ?? id;
  return (
    <p class="source-line muted">
      <span class="source">
        <Icon name="camera" size={16} /> {label(d.cameras, store.camera.value)}
      </span>
      <span class="source">
        <Icon name="mic" size={16} /> {label(d.microphones, store.mic.value)}
      </span>
    </p>
  );
}

function Picker(props: {
  id: string;
  label: string;
  icon: "camera" | "mic";
  choices: readonly SourceChoiceView[];
  value: string;
  onChange: (id: string) => void;
  note: string | null | undefined;
  problem: string | null;
  disabled: boolean;
}): JSX.Element {
  const chosen = props.choices.find((c) => c.id === props.value);
  const describedBy = [props.problem ? `${props.id}-problem` : null, props.note ? `${props.id}-note` : null].filter(Boolean).join(" ");
  return (
    <div class="field picker">
      <label for={props.id} class="picker-label">
        <Icon name={props.icon} size={18} />
        <span>{props.label}</span>
      </label>
      <select
        id={props.id}
        class="input"
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        aria-invalid={props.problem ? true : undefined}
        aria-describedby={describedBy || undefined}
      >
        {props.choices.map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
      </select>
      {chosen?.detail && <span class="picker-detail">{chosen.detail}</span>}
      {props.note && (
        <span class="picker-note" id={`${props.id}-note`}>
          {props.note}
        </span>
      )}
      {props.problem && (
        <span class="error" role="alert" id={`${props.id}-problem`}>
          {props.problem}
        </span>
      )}
    </div>
  );
}

function Pickers({ store }: { store: RecordStore }): JSX.Element {
  const d = store.devices.value;
  const busy = store.phase.value !== "idle";
  if (!d) {
    return <p class="muted">{store.error.value ? "" : "Looking for cameras and microphones…"}</p>;
  }
  return (
    <div class="pickers">
      <Picker
        id="camera-picker"
        label="Camera"
        icon="camera"
        choices={d.cameras}
        value={store.camera.value}
        onChange={store.chooseCamera}
        note={d.camera_note}
        problem={store.cameraProblem.value?.message ?? null}
        disabled={busy}
      />
      <Picker
        id="mic-picker"
        label="Microphone"
        icon="mic"
        choices={d.microphones}
        value={store.mic.value}
        onChange={store.chooseMic}
        note={d.microphone_note}
        problem={store.micProblem.value?.message ?? null}
        disabled={busy}
      />
    </div>
  );
}

function Controls({ store }: { store: RecordStore }): JSX.Element {
  const phase = store.phase.value;
  const s = store.status.value;
  if (phase === "idle" || phase === "starting") {
    return (
      <div class="controls">
        <button
          type="button"
          class="rec-button"
          id="record-start"
          onClick={() => void store.start()}
          disabled={phase === "starting" || store.devices.value === null || store.challengeProblem.value !== null}
        >
          <span class="rec-button-dot" aria-hidden="true" />
          <span class="rec-button-label">{phase === "starting" ? "Starting…" : "Start recording"}</span>
        </button>
      </div>
    );
  }
  if (phase === "stopping") {
    return (
      <div class="controls">
        <p class="muted" role="status">
          Saving…
        </p>
      </div>
    );
  }
  if (store.confirmingDiscard.value) {
    return (
      <div class="confirm-discard" role="group" aria-label="Confirm discarding">
        <p>Discard this recording? Nothing of it will be kept.</p>
        <div class="form-actions">
          <button type="button" class="button" onClick={store.keepRecording}>
            Keep recording
          </button>
          <button type="button" class="button button-danger" id="record-discard-confirm" onClick={() => void store.discard()}>
            Discard
          </button>
        </div>
      </div>
    );
  }
  const paused = s?.paused ?? false;
  return (
    <div class="controls">
      <button type="button" class="round-button" id="record-discard" onClick={() => void store.discard()}>
        <Icon name="trash" />
        <span>Discard</span>
      </button>
      <button type="button" class="rec-button rec-button-stop" id="record-stop" onClick={() => void store.stop()}>
        <span class="rec-button-square" aria-hidden="true" />
        <span class="rec-button-label">Stop</span>
      </button>
      <button
        type="button"
        class="round-button"
        id="record-pause"
        aria-pressed={paused}
        onClick={() => void store.togglePause()}
      >
        <Icon name={paused ? "play" : "pause"} />
        <span>{paused ? "Resume" : "Pause"}</span>
      </button>
    </div>
  );
}

function SaveForm({ store, onSaved }: { store: RecordStore; onSaved: (clip: ClipView) => void }): JSX.Element | null {
  const clip = store.clip.value;
  const recorded = store.recorded.value;
  if (!clip || !recorded) return null;
  const titleError = store.titleError.value;
  const tagError = store.tagError.value;
  const busy = store.busy.value;
  return (
    <form
      class="card save-form"
      aria-label="Name and tag your debrief"
      onSubmit={async (e) => {
        e.preventDefault();
        const saved = await store.save();
        if (saved) onSaved(saved);
      }}
    >
      <div class="saved-summary">
        {clip.thumbnail_url && <img class="saved-thumb" src={clip.thumbnail_url} alt="" width={128} height={72} />}
        <p>
          <strong>{formatDuration(clip.duration_ms)} recorded.</strong>{" "}
          {clip.kind === "challenge_answer"
            ? "It is your answer to the challenge, already in your library; a title and tags help your team find it."
            : "It is already in your library; a title and tags help your team find it."}
        </p>
      </div>
      {recorded.message && (
        <p class="note" role="status">
          {recorded.message}
        </p>
      )}
      {recorded.warnings.map((w) => (
        <p key={w} class="error" role="alert" data-testid="save-warning">
          {w}
        </p>
      ))}
      <label class="field">
        <span>Title</span>
        <input
          id="save-title"
          class="input"
          value={store.title.value}
          onInput={(e) => {
            store.title.value = e.currentTarget.value;
          }}
          onFocus={(e) => {
            // The default title is a placeholder in all but name: one tap replaces it.
            if (store.title.value === recorded.clip.title) e.currentTarget.select();
          }}
          aria-invalid={titleError ? true : undefined}
          aria-describedby={titleError ? "save-title-error" : undefined}
          autocomplete="off"
        />
      </label>
      {titleError && (
        <p id="save-title-error" class="error" role="alert">
          {titleError}
        </p>
      )}
      <div class="field">
        <label for="save-tag-input">Tags</label>
        {clip.tags.length > 0 && (
          <ul class="tag-list" aria-label="Tags on this debrief">
            {clip.tags.map((t) => (
              <li key={t} class="tag">
                <span>{t}</span>
                <button type="button" class="tag-remove" aria-label={`Remove tag ${t}`} disabled={busy} onClick={() => void store.removeTag(t)}>
                  <Icon name="close" size={16} />
                </button>
              </li>
            ))}
          </ul>
        )}
        <div class="inline-form">
          <input
            id="save-tag-input"
            class="input"
            placeholder="Add a tag, e.g. pricing"
            value={store.tagInput.value}
            onInput={(e) => {
              store.tagInput.value = e.currentTarget.value;
            }}
            onKeyDown={(e) => {
              // Enter adds the tag; it does not save the whole form.
              if (e.key === "Enter") {
                e.preventDefault();
                void store.addTypedTags();
              }
            }}
            aria-invalid={tagError ? true : undefined}
            aria-describedby={tagError ? "save-tag-error" : undefined}
            autocomplete="off"
          />
          <button type="button" class="button" id="save-tag-add" disabled={busy} onClick={() => void store.addTypedTags()}>
            Add
          </button>
        </div>
        {tagError && (
          <p id="save-tag-error" class="error" role="alert">
            {tagError}
          </p>
        )}
        {store.suggestions.value.length > 0 && (
          <div class="suggestions" role="group" aria-labelledby="suggestions-label">
            <span id="suggestions-label" class="suggestions-label">
              Tags used before:
            </span>
            {store.suggestions.value.map((t) => (
              <button
                type="button"
                key={t.name}
                class="chip chip-suggest"
                aria-label={`Add tag ${t.name}`}
                disabled={busy}
                onClick={() => void store.addSuggested(t.name)}
              >
                <span aria-hidden="true">+</span> {t.name}
              </button>
            ))}
          </div>
        )}
      </div>
      <div class="form-actions save-actions">
        <button type="submit" class="button button-primary" id="save-clip" disabled={busy}>
          <Icon name="check" size={20} />
          Save
        </button>
        <button type="button" class="button button-danger-quiet" id="save-retake" disabled={busy} onClick={() => void store.retake()}>
          Delete and record again
        </button>
      </div>
    </form>
  );
}
