// Tag filter chips with clip counts. A horizontal strip on phones (scrolls
// sideways), wrapping on wide screens. Selected chips are pressed toggles.
import type { JSX } from "preact";

import type { TagCountView } from "../bindings";

interface Props {
  tags: readonly TagCountView[];
  selected: readonly string[];
  onToggle: (name: string) => void;
}

export function TagChips({ tags, selected, onToggle }: Props): JSX.Element | null {
  if (tags.length === 0) return null;
  const isOn = (name: string) => selected.some((s) => s.toLocaleLowerCase() === name.toLocaleLowerCase());
  // Selected chips first, so the active filter is always in view.
  const ordered = [...tags].sort((a, b) => Number(isOn(b.name)) - Number(isOn(a.name)));
  return (
    <div class="chips" role="group" aria-label="Filter by tag">
      {ordered.map((t) => {
        const on = isOn(t.name);
        return (
          <button
            type="button"
            key={t.name}
            class={on ? "chip chip-on" : "chip"}
            aria-pressed={on}
            onClick={() => onToggle(t.name)}
          >
            <span class="chip-name">{t.name}</span>
            <span class="chip-count" aria-label={`${t.count} clips`}>
              {t.count}
            </span>
          </button>
        );
      })}
    </div>
  );
}
