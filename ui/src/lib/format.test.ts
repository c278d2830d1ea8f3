import { describe, expect, it } from "vitest";

import { formatAgo, formatBytes, formatDuration, formatProgress, formatTimer, splitTags } from "./format";

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
