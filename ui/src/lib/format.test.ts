import { describe, expect, it } from "vitest";

import {
  dueInputValue,
  formatAgo,
  formatBytes,
  formatDue,
  formatDuration,
  formatMoment,
  formatProgress,
  formatTimer,
  lengthInputValue,
  splitTags,
} from "./format";

describe("formatDuration", () => {
  it.each([
    [0, "0:00"],
    [999, "0:01"],
    [42_000, "0:42"],
    [65_000, "1:05"],
    [600_000, "10:00"],
    [3_723_000, "1:02:03"],
    [-5, "0:00"],
  ])("%i ms -> %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("formatTimer", () => {
  it.each([
    [0, "0:00"],
    [999, "0:00"],
    [41_900, "0:41"],
    [42_000, "0:42"],
    [600_000, "10:00"],
    [-5, "0:00"],
  ])("%i ms -> %s", (ms, text) => {
    expect(formatTimer(ms)).toBe(text);
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 bytes"],
    [1, "1 byte"],
    [999, "999 bytes"],
    [1000, "1.0 KB"],
    [1_500_000, "1.5 MB"],
    [12_345_678, "12 MB"],
    [3_200_000_000, "3.2 GB"],
  ])("%i -> %s", (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe("splitTags", () => {
  it("splits on commas and drops blanks, keeping case and inner spaces", () => {
    expect(splitTags(" Pricing, objection handling ,, ")).toEqual(["Pricing", "objection handling"]);
    expect(splitTags("   ")).toEqual([]);
  });
});

describe("formatAgo", () => {
  const now = Date.parse("2026-11-27T12:00:00Z");
  it("says recent times in words and older ones as a date", () => {
    expect(formatAgo("2026-11-27T11:59:40Z", now)).toBe("just now");
    expect(formatAgo("2026-11-27T11:55:00Z", now)).toBe("5 min ago");
    expect(formatAgo("2026-11-27T09:00:00Z", now)).toBe("3 h ago");
    expect(formatAgo("2026-11-20T09:00:00Z", now)).toMatch(/2026/);
    expect(formatAgo("garbage", now)).toBe("");
  });
});

describe("formatProgress", () => {
  it("shows bytes and a whole percentage", () => {
    expect(formatProgress(4_200_000, 10_000_000)).toBe("4.2 MB of 10 MB (42%)");
    expect(formatProgress(0, 0)).toBe("0 bytes of 0 bytes (0%)");
  });
});

describe("coaching formats", () => {
  it("moments count down to the second", () => {
    expect(formatMoment(42_900)).toBe("0:42");
    expect(formatMoment(2_000)).toBe("0:02");
  });

  it("due dates say today, tomorrow, a date, or overdue", () => {
    const now = new Date(2026, 10, 27, 10, 0, 0).getTime();
    const at = (d: number, h = 23) => new Date(2026, 10, d, h, 59, 59).toISOString();
    expect(formatDue(null, now)).toBe("No due date");
    expect(formatDue(at(27), now)).toBe("Due today");
    expect(formatDue(at(28), now)).toBe("Due tomorrow");
    expect(formatDue(at(30), now)).toMatch(/^Due Nov 30, 2026$/);
    expect(formatDue(at(20), now)).toMatch(/^Overdue \(was due Nov 20, 2026\)$/);
  });

  it("the edit form shows a typed day as the day, and lengths as typed", () => {
    expect(dueInputValue("2026-12-31T23:59:59Z")).toBe("2026-12-31");
    expect(dueInputValue("2026-12-31T09:00:00Z")).toBe("2026-12-31T09:00:00Z");
    expect(dueInputValue(null)).toBe("");
    expect(lengthInputValue(120_000)).toBe("2m");
    expect(lengthInputValue(90_000)).toBe("1m30s");
    expect(lengthInputValue(45_000)).toBe("45s");
    expect(lengthInputValue(1_500)).toBe("1500ms");
    expect(lengthInputValue(null)).toBe("");
  });
});
