// A windowed list: only the rows in view (plus a few either side) exist in
// the DOM, so 10k clips scroll like 20. Rows have one fixed height and may
// hold several columns on wide screens. The list asks for more items when
// the window nears the end of what is loaded.
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface Window {
  /** First and one-past-last row to render. */
  first: number;
  end: number;
}

/** Rows to render for a viewport; pure so it is tested on its own. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan: number,
): Window {
  if (rowCount === 0 || rowHeight <= 0) return { first: 0, end: 0 };
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(rowCount, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first, end: Math.max(first, end) };
}

export function columnsFor(width: number, minColumnWidth: number): number {
  return Math.max(1, Math.floor(width / minColumnWidth));
}

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  minColumnWidth: number;
  itemKey: (item: T) => string;
  renderItem: (item: T, index: number) => ComponentChildren;
  /** Called when fewer than `nearEndRows` rows remain below the window. */
  onNearEnd?: () => void;
  nearEndRows?: number;
  overscan?: number;
  initialScrollTop?: number;
  onScrollTop?: (top: number) => void;
  label: string;
  /** Whether `items` is the whole list (else screen readers hear "unknown size"). */
  totalKnown?: boolean;
  footer?: ComponentChildren;
}

export function VirtualList<T>(props: Props<T>): JSX.Element {
  const { items, rowHeight, minColumnWidth, overscan = 4, nearEndRows = 10 } = props;
  const ref = useRef<HTMLDivElement>(null);
  const scrollTop = useRef(props.initialScrollTop ?? 0);
  const [size, setSize] = useState({ width: 0, height: 0 });
  // Re-rendering is driven by the window of rows, not by every pixel of
  // scroll: while the same rows stay in view the browser just scrolls.
  const [, setWindowKey] = useState("");

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const measure = () =>
      // jsdom lays nothing out; fall back to the window so tests render rows.
      setSize({ width: el.clientWidth || window.innerWidth, height: el.clientHeight || window.innerHeight });
    measure();
    if (props.initialScrollTop) el.scrollTop = props.initialScrollTop;
    if (typeof ResizeObserver === "undefined") return undefined;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const columns = columnsFor(size.width, minColumnWidth);
  const rowCount = Math.ceil(items.length / columns);
  const win = visibleRows(scrollTop.current, size.height, rowHeight, rowCount, overscan);

  useEffect(() => {
    if (props.onNearEnd && rowCount - win.end < nearEndRows) props.onNearEnd();
  }, [rowCount, win.end]);

  const frame = useRef(0);
  const onScroll = (e: Event) => {
    const top = (e.currentTarget as HTMLDivElement).scrollTop;
    // At most one update per frame, however fast scroll events arrive.
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      scrollTop.current = top;
      const next = visibleRows(top, size.height, rowHeight, rowCount, overscan);
      setWindowKey(`${next.first}:${next.end}`);
      props.onScrollTop?.(top);
    });
  };

  const rows: JSX.Element[] = [];
  for (let r = win.first; r < win.end; r++) {
    const cells = items.slice(r * columns, r * columns + columns);
    rows.push(
      <div
        key={r}
        role="none"
        class="vrow"
        style={{
          transform: `translateY(${r * rowHeight}px)`,
          height: `${rowHeight}px`,
          gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
        }}
      >
        {cells.map((item, i) => (
          <div
            role="listitem"
            class="vcell"
            key={props.itemKey(item)}
            aria-posinset={r * columns + i + 1}
            aria-setsize={props.totalKnown ? items.length : -1}
          >
            {props.renderItem(item, r * columns + i)}
          </div>
        ))}
      </div>,
    );
  }

  return (
    <div class="vlist" ref={ref} onScroll={onScroll}>
      <div role="list" aria-label={props.label} class="vlist-body" style={{ height: `${rowCount * rowHeight}px` }}>
        {rows}
      </div>
      {props.footer}
    </div>
  );
}
