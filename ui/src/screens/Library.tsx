// The library: search, tag chips and the virtualised clip list.
import type { JSX } from "preact";
import { useLayoutEffect } from "preact/hooks";

import { ClipRow, ROW_HEIGHT } from "../components/ClipRow";
import { Icon } from "../components/Icon";
import { TagChips } from "../components/TagChips";
import { VirtualList } from "../components/VirtualList";
import { href } from "../router";
import type { LibraryStore } from "../stores/library";

declare global {
  interface Window {
    /** Epoch ms of the first painted library (read by the launch benchmark). */
    __debriefFirstPaint?: number;
  }
}

/** Mark the first frame that shows the library, once per launch. */
function markFirstPaint(): void {
  if (window.__debriefFirstPaint !== undefined) return;
  performance.mark?.("library-rendered");
  requestAnimationFrame(() => {
    window.__debriefFirstPaint ??= Date.now();
    performance.mark?.("library-first-paint");
  });
}

export function Library({ store }: { store: LibraryStore }): JSX.Element {
  const loaded = store.loaded.value;
  // A layout effect runs right after the DOM is committed; a plain effect
  // would wait for Preact's after-paint scheduling and skew the mark.
  useLayoutEffect(() => {
    if (loaded) markFirstPaint();
  }, [loaded]);

  return (
    <section class="screen library" aria-labelledby="library-title">
      <header class="screen-head">
        <h1 id="library-title">Library</h1>
        <a class="button button-primary head-action" href={href({ name: "import" })}>
          <Icon name="import" size={20} />
          <span>Import</span>
        </a>
      </header>
      <div class="search">
        <Icon name="search" size={20} />
        <input
          type="search"
          class="search-input"
          placeholder="Search titles, notes, tags, people"
          aria-label="Search clips"
          value={store.searchText.value}
          onInput={(e) => store.setSearchText(e.currentTarget.value)}
          autocomplete="off"
          spellcheck={false}
        />
      </div>
      <TagChips tags={store.tags.value} selected={store.selectedTags.value} onToggle={store.toggleTag} />
      {store.tagsError.value && (
        <p class="error" role="alert">
          Tags could not be loaded: {store.tagsError.value}
        </p>
      )}
      <LibraryBody store={store} />
    </section>
  );
}

function LibraryBody({ store }: { store: LibraryStore }): JSX.Element {
  const clips = store.clips.value;
  if (store.error.value && clips.length === 0) {
    return (
      <div class="empty" role="alert">
        <p>The library could not be loaded: {store.error.value}</p>
        <button type="button" class="button" onClick={() => void store.reload()}>
          Try again
        </button>
      </div>
    );
  }
  if (!store.loaded.value) {
    return <p class="empty muted">Loading clips…</p>;
  }
  if (clips.length === 0) {
    return store.filtering.value ? (
      <div class="empty">
        <p>No clips match {store.query.value ? `“${store.query.value}”` : "these tags"}.</p>
        <button type="button" class="button" onClick={store.clearFilters}>
          Clear search and filters
        </button>
      </div>
    ) : (
      <div class="empty">
        <p>No clips yet. Record a debrief, or import a video, to start your library.</p>
        <div class="form-actions">
          <a class="button button-primary" href={href({ name: "record" })}>
            Record a debrief
          </a>
          <a class="button" href={href({ name: "import" })}>
            Import a video
          </a>
        </div>
      </div>
    );
  }
  return (
    <VirtualList
      items={clips}
      rowHeight={ROW_HEIGHT}
      minColumnWidth={380}
      itemKey={(c) => c.id}
      renderItem={(c) => <ClipRow clip={c} />}
      onNearEnd={() => void store.loadMore()}
      initialScrollTop={store.scrollTop.peek()}
      onScrollTop={(top) => {
        store.scrollTop.value = top;
      }}
      label="Clips"
      totalKnown={!store.hasMore.value}
      footer={
        store.error.value ? (
          <p class="error list-foot" role="alert">
            More clips could not be loaded: {store.error.value}
          </p>
        ) : store.loading.value ? (
          <p class="muted list-foot">Loading more…</p>
        ) : null
      }
    />
  );
}
