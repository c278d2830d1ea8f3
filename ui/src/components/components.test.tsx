import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";

import { clip } from "../test/fakes";
import { ClipRow } from "./ClipRow";
import { TagChips } from "./TagChips";
import { VirtualList, columnsFor, visibleRows } from "./VirtualList";

afterEach(cleanup);

describe("visibleRows", () => {
  it("covers the viewport plus overscan, clamped to the list", () => {
    expect(visibleRows(0, 800, 100, 10_000, 3)).toEqual({ first: 0, end: 11 });
    expect(visibleRows(50_000, 800, 100, 10_000, 3)).toEqual({ first: 497, end: 511 });
    expect(visibleRows(999_000, 800, 100, 10_000, 3)).toEqual({ first: 9987, end: 10_000 });
    expect(visibleRows(0, 800, 100, 0, 3)).toEqual({ first: 0, end: 0 });
  });

  it("fits as many columns as the minimum width allows, at least one", () => {
    expect(columnsFor(390, 380)).toBe(1);
    expect(columnsFor(1060, 380)).toBe(2);
    expect(columnsFor(0, 380)).toBe(1);
  });
});

describe("VirtualList", () => {
  it("renders a window of 10k items, not all of them, and asks for more near the end", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => `item ${i}`);
    const onNearEnd = vi.fn();
    render(
      <VirtualList
        items={items}
        rowHeight={96}
        minColumnWidth={10_000}
        itemKey={(s) => s}
        renderItem={(s) => <span>{s}</span>}
        onNearEnd={onNearEnd}
        label="Things"
      />,
    );
    const rendered = screen.getAllByRole("listitem");
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(40);
    expect(rendered[0]!.textContent).toBe("item 0");
    expect(rendered[0]!.getAttribute("aria-setsize")).toBe("-1");
    expect(onNearEnd).not.toHaveBeenCalled();

    cleanup();
    render(
      <VirtualList items={items.slice(0, 3)} rowHeight={96} minColumnWidth={10_000} itemKey={(s) => s} renderItem={(s) => s} onNearEnd={onNearEnd} label="Few" totalKnown />,
    );
    expect(onNearEnd).toHaveBeenCalled();
    expect(screen.getAllByRole("listitem")[2]!.getAttribute("aria-setsize")).toBe("3");
  });
});

describe("TagChips", () => {
  it("shows counts, marks selected chips pressed (first), and toggles on click", () => {
    const onToggle = vi.fn();
    render(
      <TagChips
        tags={[
          { name: "compliance", count: 3 },
          { name: "Pricing", count: 12 },
        ]}
        selected={["pricing"]}
        onToggle={onToggle}
      />,
    );
    const buttons = screen.getAllByRole("button");
    expect(buttons.map((b) => b.textContent)).toEqual(["Pricing12", "compliance3"]);
    expect(buttons[0]!.getAttribute("aria-pressed")).toBe("true");
    expect(buttons[1]!.getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(buttons[1]!);
    expect(onToggle).toHaveBeenCalledWith("compliance");
  });

  it("renders nothing without tags", () => {
    const { container } = render(<TagChips tags={[]} selected={[]} onToggle={() => {}} />);
    expect(container.innerHTML).toBe("");
  });
});

describe("ClipRow", () => {
  it("shows title, author, duration, tags, badge and thumbnail, linking to the player", () => {
    const c = clip({
      title: "Compliance questions",
      tags: ["compliance", "Objection Handling"],
      duration_ms: 125_000,
      sync_state: "synced",
      media_state: "cached",
      visibility: "private",
      thumbnail_url: "http://127.0.0.1:1234/t/thumbs/x.jpg",
    });
    const { container } = render(<ClipRow clip={c} />);
    const link = screen.getByRole("link");
    expect(link.getAttribute("href")).toBe(`#/clip/${c.id}`);
    expect(link.textContent).toContain("Compliance questions");
    expect(link.textContent).toContain("Private");
    expect(link.textContent).toContain("2:05");
    expect(link.textContent).toContain("Avery Chen");
    expect(link.textContent).toContain("#compliance #Objection Handling");
    expect(screen.getByText("Cached").className).toContain("badge-cached");
    expect(container.querySelector("img")!.getAttribute("src")).toBe(c.thumbnail_url);
  });

  it("shows a placeholder picture when there is no thumbnail", () => {
    const { container } = render(<ClipRow clip={clip({ thumbnail_url: null, media_state: "remote", sync_state: "synced" })} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector(".thumb-none")).not.toBeNull();
    expect(screen.getByText("On server only")).toBeTruthy();
  });
});
