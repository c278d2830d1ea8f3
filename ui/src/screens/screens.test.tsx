import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { ClipQuery } from "../bindings";
import { createLibraryStore } from "../stores/library";
import { clip, clipCoaching, err, fakeApi, ok } from "../test/fakes";
import { Import } from "./Import";
import { Library } from "./Library";
import { Player } from "./Player";
import { Settings } from "./Settings";

afterEach(cleanup);

describe("Library screen", () => {
  it("searches after typing pauses and shows what matched", async () => {
    const pricing = clip({ title: "Pricing objection" });
    const other = clip({ title: "Security review" });
    const listClips = vi.fn((q: ClipQuery) =>
      ok({ clips: q.text ? [pricing] : [pricing, other], has_more: false }),
    );
    const store = createLibraryStore(fakeApi({ listClips }), { debounceMs: 30 });
    await store.reload();
    render(<Library store={store} />);
    expect(screen.getAllByRole("listitem")).toHaveLength(2);

    fireEvent.input(screen.getByRole("searchbox", { name: "Search clips" }), { target: { value: "pric" } });
    expect(listClips).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getAllByRole("listitem")).toHaveLength(1));
    expect(listClips.mock.calls[1]![0].text).toBe("pric");
    expect(screen.getByRole("listitem").textContent).toContain("Pricing objection");
  });

  it("filters with a chip and offers to clear when nothing matches", async () => {
    const listClips = vi.fn((q: ClipQuery) => ok({ clips: q.tags.length ? [] : [clip()], has_more: false }));
    const store = createLibraryStore(fakeApi({ listClips }));
    store.tags.value = [{ name: "renewal", count: 4 }];
    await store.reload();
    render(<Library store={store} />);
    fireEvent.click(screen.getByRole("button", { name: /renewal/ }));
    await screen.findByText(/No clips match these tags/);
    expect(listClips.mock.calls.at(-1)![0].tags).toEqual(["renewal"]);
    fireEvent.click(screen.getByRole("button", { name: "Clear search and filters" }));
    await waitFor(() => expect(screen.getAllByRole("listitem")).toHaveLength(1));
  });

  it("invites a recording or an import when the library is empty", async () => {
    const store = createLibraryStore(fakeApi({ listClips: () => ok({ clips: [], has_more: false }) }));
    await store.reload();
    render(<Library store={store} />);
    expect(screen.getByText(/No clips yet/)).toBeTruthy();
    expect(screen.getByRole("link", { name: "Record a debrief" }).getAttribute("href")).toBe("#/record");
    expect(screen.getByRole("link", { name: "Import a video" }).getAttribute("href")).toBe("#/import");
  });
});

describe("Player screen", () => {
  const c = clip({
    title: "Pricing call",
    tags: ["pricing"],
    media_url: "http://127.0.0.1:9/tok/media/x.mp4",
    thumbnail_url: "http://127.0.0.1:9/tok/thumbs/x.jpg",
  });

  it("plays the clip's media URL", async () => {
    const { container } = render(<Player api={fakeApi({ getClipCoaching: () => ok(clipCoaching()), getClip: () => ok(c) })} id={c.id} onDeleted={() => {}} />);
    await screen.findByRole("heading", { name: "Pricing call" });
    const video = container.querySelector("video")!;
    expect(video.getAttribute("src")).toBe(c.media_url);
    expect(video.getAttribute("poster")).toBe(c.thumbnail_url);
    expect(video.hasAttribute("controls")).toBe(true);
  });

  it("shows a refused tag's reason next to the field and keeps the text", async () => {
    const tagClip = vi.fn(() => err("bad_tag", "tag 'xxxxxxxxxxxxxxxxxxxx…' is 49 characters long; tags are at most 48 characters"));
    render(<Player api={fakeApi({ getClipCoaching: () => ok(clipCoaching()), getClip: () => ok(c), tagClip })} id={c.id} onDeleted={() => {}} />);
    const input = (await screen.findByLabelText("Add tags")) as HTMLInputElement;
    const typed = "x".repeat(49);
    fireEvent.input(input, { target: { value: typed } });
    fireEvent.click(screen.getByRole("button", { name: "Add" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/at most 48 characters/);
    expect(input.value).toBe(typed);
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });

  it("shows a refused title's reason and keeps title and notes as typed", async () => {
    const editClip = vi.fn(() => err("invalid_input", "the title is empty; give the clip a short title"));
    render(<Player api={fakeApi({ getClipCoaching: () => ok(clipCoaching()), getClip: () => ok(c), editClip })} id={c.id} onDeleted={() => {}} />);
    const title = (await screen.findByLabelText("Title")) as HTMLInputElement;
    const notes = screen.getByLabelText("Notes") as HTMLTextAreaElement;
    fireEvent.input(title, { target: { value: "" } });
    fireEvent.input(notes, { target: { value: "Led with value" } });
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/title is empty/);
    expect(title.value).toBe("");
    expect(notes.value).toBe("Led with value");
  });

  it("says so when the video is only on the server and cannot download", async () => {
    const remote = clip({ media_state: "remote", sync_state: "synced", media_url: null });
    const downloadClip = vi.fn(() => err("wifi_only", "\"Clip\" is on the team server only, and Wi-Fi only is on"));
    const { container } = render(<Player api={fakeApi({ getClipCoaching: () => ok(clipCoaching()), getClip: () => ok(remote), downloadClip })} id={remote.id} onDeleted={() => {}} />);
    expect((await screen.findByTestId("download-error")).textContent).toMatch(/Wi-Fi only is on/);
    expect(screen.getByRole("link", { name: "Settings" })).toBeTruthy();
    expect(downloadClip).toHaveBeenCalledTimes(1);
    expect(container.querySelector("video")).toBeNull();
  });

  it("deletes only after confirmation", async () => {
    const deleteClip = vi.fn(() => ok(null));
    const onDeleted = vi.fn();
    render(<Player api={fakeApi({ getClipCoaching: () => ok(clipCoaching()), getClip: () => ok(c), deleteClip })} id={c.id} onDeleted={onDeleted} />);
    fireEvent.click(await screen.findByRole("button", { name: "Delete clip" }));
    expect(deleteClip).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalled());
    expect(deleteClip).toHaveBeenCalledWith(c.id);
  });
});

describe("Import screen", () => {
  it("keeps every field when the import is refused, and shows the reason", async () => {
    const importClip = vi.fn(() => err("file_not_found", "cannot open /nope.mp4: No such file or directory"));
    render(<Import api={fakeApi({ importClip })} onImported={() => {}} />);
    fireEvent.input(screen.getByLabelText("Video file"), { target: { value: " /nope.mp4 " } });
    fireEvent.input(screen.getByLabelText("Title (optional)"), { target: { value: "Renewal call" } });
    fireEvent.input(screen.getByLabelText("Tags (optional)"), { target: { value: "renewal, pricing" } });
    fireEvent.click(screen.getByRole("button", { name: "Import" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/No such file/);
    expect(importClip).toHaveBeenCalledWith({ path: "/nope.mp4", title: "Renewal call", tags: ["renewal", "pricing"], private: false });
    expect((screen.getByLabelText("Video file") as HTMLInputElement).value).toBe(" /nope.mp4 ");
    expect((screen.getByLabelText("Title (optional)") as HTMLInputElement).value).toBe("Renewal call");
  });

  it("asks for a path before calling the core", async () => {
    const importClip = vi.fn();
    render(<Import api={fakeApi({ importClip })} onImported={() => {}} />);
    fireEvent.click(screen.getByRole("button", { name: "Import" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/full path/);
    expect(importClip).not.toHaveBeenCalled();
  });
});

describe("Settings screen", () => {
  it("shows storage and the changes waiting to sync", async () => {
    render(
      <Settings
        api={fakeApi({
          storageUsage: () => ok({ clips: 10, clips_with_media: 3, media_bytes: 42_000_000, thumbnail_bytes: 300_000, total_bytes: 42_300_000 }),
          appStatus: () => ok({ pending_changes: 7, unread_notifications: 0, data_dir: "/data/debrief", version: "0.1.0" }),
        })}
      />,
    );
    expect((await screen.findByTestId("storage-total")).textContent).toBe("42 MB");
    expect(screen.getByText("3 of 10 with their video on this device")).toBeTruthy();
    expect(screen.getByTestId("pending-changes").textContent).toBe("7 changes are waiting to sync.");
    expect(screen.getByText("/data/debrief")).toBeTruthy();
  });
});
