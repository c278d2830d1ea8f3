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

/** A moment of a clip, counted down to the second like a player does: 42_900 -> "0:42". */
export function formatMoment(ms: number): string {
  return formatTimer(ms);
}

const DAY_MS = 86_400_000;

/**
 * A due date for a challenge card: "Due today", "Due tomorrow", "Due Dec 31,
 * 2026", or "Overdue (was due Nov 1, 2026)"; "No due date" without one.
 */
export function formatDue(rfc3339: string | null, now: number = Date.now()): string {
  if (!rfc3339) return "No due date";
  const due = new Date(rfc3339);
  if (Number.isNaN(due.getTime())) return "";
  if (due.getTime() < now) return `Overdue (was due ${formatDate(rfc3339)})`;
  const startOfDay = (t: number) => {
    const d = new Date(t);
    d.setHours(0, 0, 0, 0);
    return d.getTime();
  };
  const days = Math.round((startOfDay(due.getTime()) - startOfDay(now)) / DAY_MS);
  if (days === 0) return "Due today";
  if (days === 1) return "Due tomorrow";
  return `Due ${formatDate(rfc3339)}`;
}

/**
 * A due date as the challenge form shows it for editing: the day
 * ("2026-12-31") when it is the end of a UTC day (what a typed day means),
 * else the full RFC 3339 time.
 */
export function dueInputValue(rfc3339: string | null): string {
  if (!rfc3339) return "";
  const m = /^(\d{4}-\d{2}-\d{2})T23:59:59(\.0+)?Z$/.exec(rfc3339);
  return m ? m[1] : rfc3339;
}

/** A length limit as the form shows it: 120_000 -> "2m", 90_000 -> "1m30s", 1_500 -> "1500ms". */
export function lengthInputValue(ms: number | null): string {
  if (ms === null) return "";
  if (ms % 1000 !== 0) return `${ms}ms`;
  const s = ms / 1000;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m === 0) return `${rest}s`;
  return rest === 0 ? `${m}m` : `${m}m${rest}s`;
}
