// Display formatting shared by every screen. Pure functions, unit-tested.

/** 42_000 -> "0:42", 3_723_000 -> "1:02:03". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * A running clock: like `formatDuration` but counting whole seconds down
 * (41_900 -> "0:41"), so a timer never shows a second before it has passed.
 */
export function formatTimer(ms: number): string {
  return formatDuration(Math.floor(Math.max(0, ms) / 1000) * 1000);
}

const UNITS = ["bytes", "KB", "MB", "GB", "TB"];

/** Decimal units, as phones and OS storage screens show them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return bytes === 1 ? "1 byte" : `${bytes} bytes`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
});

/** An RFC 3339 timestamp as a short local date ("Nov 27, 2026"). */
export function formatDate(rfc3339: string): string {
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? "" : dateFormat.format(d);
}

/**
 * Split what a user typed into a tag field into tags: commas separate
 * tags (people paste "pricing, renewal"), blanks between are dropped. The
 * core validates each tag and says precisely what is wrong.
 */
export function splitTags(input: string): string[] {
  return input
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** How long ago an RFC 3339 time was, for "last synced": "just now", "5 min ago", "3 h ago", else the date. */
export function formatAgo(rfc3339: string, now: number = Date.now()): string {
  const t = new Date(rfc3339).getTime();
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return formatDate(rfc3339);
}

/** "4.2 MB of 10 MB" with a whole percentage. */
export function formatProgress(done: number, total: number): string {
  const pct = total > 0 ? Math.round(Math.min(1, done / total) * 100) : 0;
  return `${formatBytes(done)} of ${formatBytes(total)} (${pct}%)`;
}
