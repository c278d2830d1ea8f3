// The library screen's state: search text (debounced into the query),
// selected tag chips, and the clips loaded so far, page by page.
//
// Invariants: `clips` always belong to the current query and tags (a reply
// to an older query is dropped, never mixed in); pages are fetched on
// demand as the list scrolls, so 10k clips cost one page at launch.
import { batch, computed, signal } from "@preact/signals";

import { type Api, CommandError, call, errorMessage } from "../api";
import type { ClipView, LibraryChanged, TagCountView } from "../bindings";

export const PAGE_SIZE = 200;
export const SEARCH_DEBOUNCE_MS = 250;

export type LibraryApi = Pick<Api, "listClips" | "listTags" | "getClip">;

export interface LibraryOptions {
  pageSize?: number;
  debounceMs?: number;
}

export function createLibraryStore(api: LibraryApi, options: LibraryOptions = {}) {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const debounceMs = options.debounceMs ?? SEARCH_DEBOUNCE_MS;

  /** What is in the search box right now. */
  const searchText = signal("");
  /** The search the list shows (the box's text, once typing pauses). */
  const query = signal("");
  const selectedTags = signal<string[]>([]);
  const clips = signal<ClipView[]>([]);
  const hasMore = signal(true);
  const loading = signal(false);
  /** True once the first page of the current query has arrived. */
  const loaded = signal(false);
  const error = signal<string | null>(null);
  const tags = signal<TagCountView[]>([]);
  const tagsError = signal<string | null>(null);
  /** Where the list was scrolled to, kept while another screen is shown. */
  const scrollTop = signal(0);

  const filtering = computed(() => query.value.length > 0 || selectedTags.value.length > 0);

  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function loadMore(): Promise<void> {
    const gen = generation;
    if (loading.value || !hasMore.value) return;
    loading.value = true;
    try {
      const page = await call(
        api.listClips({
          text: query.value || null,
          tags: selectedTags.value,
          limit: pageSize,
          offset: clips.value.length,
        }),
      );
      if (gen !== generation) return;
      if (clips.value.length === 0) performance.mark?.("library-page");
      batch(() => {
        clips.value = clips.value.concat(page.clips);
        hasMore.value = page.has_more;
        error.value = null;
      });
    } catch (e) {
      if (gen !== generation) return;
      batch(() => {
        error.value = errorMessage(e);
        hasMore.value = false;
      });
    } finally {
      if (gen === generation) {
        batch(() => {
          loading.value = false;
          loaded.value = true;
        });
      }
    }
  }

  /** Start over with the current query and tags. */
  function reload(): Promise<void> {
    generation += 1;
    batch(() => {
      clips.value = [];
      hasMore.value = true;
      loading.value = false;
      loaded.value = false;
      error.value = null;
      scrollTop.value = 0;
    });
    return loadMore();
  }

  async function refreshTags(): Promise<void> {
    try {
      tags.value = await call(api.listTags());
      tagsError.value = null;
    } catch (e) {
      tagsError.value = errorMessage(e);
    }
  }

  function setSearchText(text: string): void {
    searchText.value = text;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const next = text.trim();
      if (next !== query.value) {
        query.value = next;
        void reload();
      }
    }, debounceMs);
  }

  function toggleTag(name: string): void {
    const key = name.toLocaleLowerCase();
    const current = selectedTags.value;
    const on = current.some((t) => t.toLocaleLowerCase() === key);
    selectedTags.value = on ? current.filter((t) => t.toLocaleLowerCase() !== key) : [...current, name];
    void reload();
  }

  function clearFilters(): void {
    clearTimeout(timer);
    batch(() => {
      searchText.value = "";
      query.value = "";
      selectedTags.value = [];
    });
    void reload();
  }

  /**
   * Apply a change the shell announced. Added clips need the list rebuilt
   * (they sort first); an edit replaces the row in place so the scroll
   * position survives; a deletion removes it. Tag counts change with all.
   */
  async function applyChange(change: LibraryChanged): Promise<void> {
    void refreshTags();
    if (change.change === "added") {
      await reload();
      return;
    }
    const index = clips.value.findIndex((c) => c.id === change.clip_id);
    if (index < 0) return;
    if (change.change === "deleted") {
      clips.value = clips.value.filter((c) => c.id !== change.clip_id);
      return;
    }
    try {
      const fresh = await call(api.getClip(change.clip_id));
      clips.value = clips.value.map((c) => (c.id === fresh.id ? fresh : c));
    } catch (e) {
      if (e instanceof CommandError && e.kind === "not_found") {
        clips.value = clips.value.filter((c) => c.id !== change.clip_id);
      }
    }
  }

  function dispose(): void {
    clearTimeout(timer);
  }

  return {
    searchText,
    query,
    selectedTags,
    clips,
    hasMore,
    loading,
    loaded,
    error,
    tags,
    tagsError,
    scrollTop,
    filtering,
    loadMore,
    reload,
    refreshTags,
    setSearchText,
    toggleTag,
    clearFilters,
    applyChange,
    dispose,
  };
}

export type LibraryStore = ReturnType<typeof createLibraryStore>;
