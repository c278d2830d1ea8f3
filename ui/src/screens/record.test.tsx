import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { ClipView } from "../bindings";
import { err, fakeApi, fakeRecorder, ok } from "../test/fakes";
import { Record } from "./Record";

afterEach(cleanup);

function setup(extra: Parameters<typeof fakeApi>[0] = {}) {
  const shell = fakeRecorder();
  const api = fakeApi({
    ...shell.api,
    listTags: () => ok([{ name: "pricing", count: 3 }]),
    tagClip: (_id: string, add: string[]) => {
      const c = shell.state.stored.at(-1)!;
      const next: ClipView = { ...c, tags: [...c.tags, ...add] };
      shell.state.stored[shell.state.stored.length - 1] = next;
      return ok(next);
    },
    editClip: (_id: string, title: string | null) => ok({ ...shell.state.stored.at(-1)!, title: title! }),
    ...extra,
  });
  const onSaved = vi.fn();
  render(<Record api={api} onSaved={onSaved} pollMs={5} />);
  return { shell, onSaved };
}

describe("Record screen", () => {
  it("offers the test pattern when there is no camera and says so", async () => {
    setup();
    const camera = (await screen.findByLabelText("Camera")) as HTMLSelectElement;
    expect(camera.value).toBe("synthetic");
    expect(camera.selectedOptions[0]!.textContent).toBe("Test pattern (no camera)");
    expect(screen.getByText("No camera found. Connect one, or record the test pattern.")).toBeTruthy();
    expect((screen.getByLabelText("Microphone") as HTMLSelectElement).value).toBe("synthetic");
  });

  it("records with a live preview, a timer and a meter, then pauses and resumes", async () => {
    const { shell } = setup();
    fireEvent.click(await screen.findByRole("button", { name: "Start recording" }));
    const preview = (await screen.findByAltText("Live preview of your recording")) as HTMLImageElement;
    expect(preview.getAttribute("src")).toBe(shell.state.live!.preview_url);
    shell.state.advance(42_300, -30);
    await waitFor(() => expect(screen.getByTestId("record-timer").textContent).toBe("0:42 / 10:00"));
    const meter = screen.getByRole("meter", { name: "Sound level" });
    expect(meter.getAttribute("aria-valuenow")).toBe("-30");
    expect((meter.querySelector(".meter-fill") as HTMLElement).style.transform).toBe("scaleX(0.5)");
    expect(screen.getByTestId("rec-state").textContent).toMatch(/Recording/);

    fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    await screen.findByRole("button", { name: "Resume" });
    expect(screen.getByTestId("rec-state").textContent).toBe("Paused");
    fireEvent.click(screen.getByRole("button", { name: "Resume" }));
    await screen.findByRole("button", { name: "Pause" });
  });

  it("stops into a save form, refuses an empty title and keeps the text, then saves", async () => {
    const { shell, onSaved } = setup();
    fireEvent.click(await screen.findByRole("button", { name: "Start recording" }));
    await screen.findByRole("button", { name: "Stop" });
    shell.state.advance(10_000);
    fireEvent.click(screen.getByRole("button", { name: "Stop" }));
    await screen.findByRole("heading", { name: "Save your debrief" });
    expect(screen.getByText(/0:10 recorded/)).toBeTruthy();
    const title = screen.getByLabelText("Title") as HTMLInputElement;
    expect(title.value).toBe("Debrief 27 Nov 10:42");

    fireEvent.input(title, { target: { value: "  " } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Give your debrief a title/);
    expect(title.value).toBe("  ");
    expect(onSaved).not.toHaveBeenCalled();

    fireEvent.click(await screen.findByRole("button", { name: "Add tag pricing" }));
    await waitFor(() => expect(screen.getByRole("list", { name: "Tags on this debrief" }).textContent).toMatch(/pricing/));
    fireEvent.input(title, { target: { value: "Pricing objection" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledTimes(1));
    expect(onSaved.mock.calls[0]![0]).toMatchObject({ title: "Pricing objection", tags: ["pricing"] });
  });

  it("shows a refused tag's reason and keeps the text; Enter adds, it does not save", async () => {
    const long = "y".repeat(49);
    const tagClip = vi.fn(() => err("bad_tag", "tag 'yyyy…' is 49 characters long; tags are at most 48 characters"));
    const { shell, onSaved } = setup({ tagClip });
    fireEvent.click(await screen.findByRole("button", { name: "Start recording" }));
    fireEvent.click(await screen.findByRole("button", { name: "Stop" }));
    const input = (await screen.findByLabelText("Tags")) as HTMLInputElement;
    fireEvent.input(input, { target: { value: long } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect((await screen.findByRole("alert")).textContent).toMatch(/at most 48 characters/);
    expect(input.value).toBe(long);
    expect(tagClip).toHaveBeenCalledWith(shell.state.stored[0]!.id, [long], []);
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("discards after a confirmation and is ready to record again", async () => {
    const { shell } = setup();
    fireEvent.click(await screen.findByRole("button", { name: "Start recording" }));
    fireEvent.click(await screen.findByRole("button", { name: "Discard" }));
    expect(screen.getByText(/Nothing of it will be kept/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Discard" }));
    await screen.findByRole("button", { name: "Start recording" });
    expect(shell.state.discarded).toBe(1);
    expect(shell.state.stored).toHaveLength(0);
    expect(screen.queryByAltText("Live preview of your recording")).toBeNull();
  });

  it("points at the microphone picker when the microphone is the problem", async () => {
    setup({ startRecording: () => err("microphone_busy", "USB Mic is in use by another app; close it and try again") });
    fireEvent.click(await screen.findByRole("button", { name: "Start recording" }));
    const alert = await screen.findByRole("alert");
    expect(alert.id).toBe("mic-picker-problem");
    expect(screen.getByLabelText("Microphone").getAttribute("aria-invalid")).toBe("true");
  });
});
