import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { ChallengeDetailView, PlaybookView } from "../bindings";
import { Nav } from "../components/Nav";
import { createChallengesStore } from "../stores/challenges";
import { coachingVersion } from "../stores/coaching";
import { createNotificationsStore } from "../stores/notifications";
import { createPlaybookStore } from "../stores/playbook";
import { challenge, clip, clipCoaching, comment, err, fakeApi, fakeRecorder, notification, ok } from "../test/fakes";
import { Challenge } from "./Challenge";
import { ChallengeForm } from "./ChallengeForm";
import { Challenges } from "./Challenges";
import { Inbox } from "./Inbox";
import { Playbook } from "./Playbook";
import { Player } from "./Player";
import { Record } from "./Record";

afterEach(() => {
  cleanup();
  location.hash = "";
});

const detail = (over: Partial<ChallengeDetailView> = {}): ChallengeDetailView => ({
  challenge: challenge(),
  answers: [],
  answered_by: null,
  not_answered: null,
  can_manage: false,
  ...over,
});

describe("Challenges screen", () => {
  it("a rep sees due dates and their state, and no create control", async () => {
    const list = [challenge({ title: "Pricing objection", answered: true }), challenge({ title: "Opening line", due_at: null, max_answer_ms: null })];
    render(<Challenges store={createChallengesStore(fakeApi({ listChallenges: () => ok({ challenges: list, can_manage: false, joined: true }) }))} />);
    const cards = await screen.findAllByTestId("challenge-card");
    expect(cards[0]!.textContent).toMatch(/Pricing objection.*Due Dec 31, 2026 · answers up to 2:00.*Answered.*from Max Manager/);
    expect(cards[1]!.textContent).toMatch(/Opening line.*No due date.*Not answered yet/);
    expect(cards[0]!.getAttribute("href")).toBe(`#/challenge/${list[0]!.id}`);
    expect(screen.queryByTestId("challenge-new")).toBeNull();
  });

  it("a manager gets New challenge", async () => {
    render(<Challenges store={createChallengesStore(fakeApi({ listChallenges: () => ok({ challenges: [], can_manage: true, joined: true }) }))} />);
    expect((await screen.findByTestId("challenge-new")).getAttribute("href")).toBe("#/challenges/new");
    expect(screen.getByTestId("challenges-empty").textContent).toMatch(/Ask your team something/);
  });

  it("loads again when coaching changes", async () => {
    const listChallenges = vi.fn(() => ok({ challenges: [], can_manage: false, joined: true }));
    render(<Challenges store={createChallengesStore(fakeApi({ listChallenges }))} />);
    await screen.findByTestId("challenges-empty");
    coachingVersion.value += 1;
    await waitFor(() => expect(listChallenges).toHaveBeenCalledTimes(2));
  });
});

describe("Challenge screen", () => {
  it("shows the prompt, both ways to answer, the answers, and no manager controls to a rep", async () => {
    const answer = clip({ title: "Rita's take", author: "Rita Rep", duration_ms: 95_000 });
    const d = detail({ answers: [{ clip: answer, mine: false }] });
    render(<Challenge api={fakeApi({ getChallenge: () => ok(d) })} id={d.challenge.id} onDeleted={() => {}} />);
    expect((await screen.findByTestId("challenge-prompt")).textContent).toBe(d.challenge.prompt);
    expect(screen.getByTestId("answer-record").getAttribute("href")).toBe(`#/record/${d.challenge.id}`);
    expect(screen.getByTestId("answer").textContent).toMatch(/Rita's take.*Rita Rep · 1:35/);
    expect(screen.queryByTestId("who-answered")).toBeNull();
    expect(screen.queryByTestId("challenge-edit")).toBeNull();
    expect(screen.queryByTestId("challenge-delete")).toBeNull();
  });

  it("a manager sees who has and has not answered, edits and deletes with a confirmation", async () => {
    const d = detail({ challenge: challenge({ mine: true, answer_count: 1 }), answered_by: ["Rita Rep"], not_answered: ["Pat Rep", "Sam Rep"], can_manage: true });
    const deleteChallenge = vi.fn(() => ok(null));
    const onDeleted = vi.fn();
    render(<Challenge api={fakeApi({ getChallenge: () => ok(d), deleteChallenge })} id={d.challenge.id} onDeleted={onDeleted} />);
    const who = await screen.findByTestId("who-answered");
    expect(who.textContent).toMatch(/Answered \(1\): Rita Rep/);
    expect(who.textContent).toMatch(/Not yet \(2\): Pat Rep, Sam Rep/);
    expect(screen.getByTestId("challenge-edit").getAttribute("href")).toBe(`#/challenge/${d.challenge.id}/edit`);
    fireEvent.click(screen.getByTestId("challenge-delete"));
    expect(deleteChallenge).not.toHaveBeenCalled();
    fireEvent.click(await screen.findByTestId("challenge-delete-confirm"));
    await waitFor(() => expect(onDeleted).toHaveBeenCalled());
  });

  it("answer with a clip: a refusal is shown in the picker, then another clip works", async () => {
    const long = clip({ title: "Long take", duration_ms: 300_000 });
    const short = clip({ title: "Short take", duration_ms: 60_000 });
    const answerChallenge = vi.fn((_c: string, clipId: string) =>
      clipId === long.id ? err("invalid_input", "\"Long take\" is 5:00 long; challenge \"Pricing objection\" takes answers of at most 2:00.") : ok(short),
    );
    const d = detail();
    render(<Challenge api={fakeApi({ getChallenge: () => ok(d), answerCandidates: () => ok([long, short]), answerChallenge })} id={d.challenge.id} onDeleted={() => {}} />);
    fireEvent.click(await screen.findByTestId("answer-clip"));
    fireEvent.click(await screen.findByRole("button", { name: "Answer with Long take" }));
    expect((await screen.findByTestId("answer-error")).textContent).toMatch(/at most 2:00/);
    fireEvent.click(screen.getByRole("button", { name: "Answer with Short take" }));
    await waitFor(() => expect(screen.queryByTestId("clip-picker")).toBeNull());
    expect(answerChallenge).toHaveBeenLastCalledWith(d.challenge.id, short.id);
  });

  it("an unknown challenge says to sync", async () => {
    render(<Challenge api={fakeApi({ getChallenge: () => err("not_found", "No challenge with id x on this device.") })} id="x" onDeleted={() => {}} />);
    expect((await screen.findByRole("alert")).textContent).toMatch(/sync, then look again/);
  });
});

describe("Challenge form", () => {
  it("keeps every field on an error and marks the field it is about", async () => {
    const createChallenge = vi
      .fn()
      .mockReturnValueOnce(err("invalid_input", "Title is empty; write at least one word."))
      .mockReturnValueOnce(err("invalid_input", "'two minutes' is not a length; write it like 2m, 90s, 1m30s or 2:00."))
      .mockReturnValue(ok(challenge({ title: "Pricing" })));
    const onSaved = vi.fn();
    render(<ChallengeForm api={fakeApi({ createChallenge })} onSaved={onSaved} />);
    const title = screen.getByLabelText("Title") as HTMLInputElement;
    const prompt = screen.getByLabelText("What you ask") as HTMLTextAreaElement;
    const length = screen.getByLabelText(/Longest answer/) as HTMLInputElement;
    fireEvent.input(prompt, { target: { value: "How do you answer?" } });
    fireEvent.input(length, { target: { value: "two minutes" } });
    fireEvent.click(screen.getByTestId("challenge-save"));
    expect((await screen.findByTestId("challenge-title-error")).textContent).toBe("Title is empty; write at least one word.");
    expect(title.getAttribute("aria-invalid")).toBe("true");
    fireEvent.input(title, { target: { value: "Pricing" } });
    fireEvent.click(screen.getByTestId("challenge-save"));
    expect((await screen.findByTestId("challenge-max-length-error")).textContent).toMatch(/is not a length/);
    expect(screen.queryByTestId("challenge-title-error")).toBeNull();
    expect([title.value, prompt.value, length.value]).toEqual(["Pricing", "How do you answer?", "two minutes"]);
    fireEvent.input(length, { target: { value: "2m" } });
    fireEvent.click(screen.getByTestId("challenge-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(createChallenge).toHaveBeenLastCalledWith({ title: "Pricing", prompt: "How do you answer?", due: null, max_length: "2m" });
  });

  it("a role refusal shows for the whole form", async () => {
    const createChallenge = () => err("forbidden", "Only managers and admins can create challenges; your role in this team is member.");
    render(<ChallengeForm api={fakeApi({ createChallenge })} onSaved={() => {}} />);
    fireEvent.input(screen.getByLabelText("Title"), { target: { value: "Mine" } });
    fireEvent.click(screen.getByTestId("challenge-save"));
    expect((await screen.findByTestId("challenge-form-error")).textContent).toMatch(/your role in this team is member/);
    expect((screen.getByLabelText("Title") as HTMLInputElement).value).toBe("Mine");
  });
});

describe("Playbook screen with sections", () => {
  const view = (canManage: boolean): PlaybookView => ({
    sections: [
      { name: "Objections", entries: [0, 1].map((i) => ({ position: i + 1, by: "Max", clip: clip({ title: `Objection ${i + 1}`, media_url: "http://127.0.0.1/x.mp4", media_state: "cached" }) })) },
      { name: null, entries: [{ position: null, by: "Max", clip: clip({ title: "Loose one", media_state: "remote" }) }] },
    ],
    kept_offline: [clip({ title: "My pinned", pinned: true, media_state: "cached", media_url: "http://127.0.0.1/y.mp4" })],
    can_manage: canManage,
  });

  it("shows the playbook by section first, then what this user keeps offline", async () => {
    render(<Playbook store={createPlaybookStore(fakeApi({ getPlaybook: () => ok(view(false)) }))} />);
    const sections = await screen.findAllByTestId("playbook-section");
    expect(sections.map((s) => s.querySelector("h2")?.textContent)).toEqual(["Objections 2", "More from the playbook 1"]);
    expect(sections[0]!.textContent).toMatch(/Objection 1.*Plays offline.*Objection 2/);
    expect(sections[1]!.querySelector("[data-testid=playbook-download]")).toBeTruthy();
    expect(screen.getByTestId("kept-offline").textContent).toMatch(/My pinned.*Pinned/);
    expect(screen.queryByTestId("move-up")).toBeNull();
  });

  it("a manager moves clips within a section", async () => {
    const v = view(true);
    const reorderPlaybook = vi.fn(() => ok(v));
    render(<Playbook store={createPlaybookStore(fakeApi({ getPlaybook: () => ok(v), reorderPlaybook }))} />);
    const downs = await screen.findAllByTestId("move-down");
    expect(downs).toHaveLength(2);
    expect((screen.getAllByTestId("move-up")[0] as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(downs[0]!);
    const ids = v.sections[0]!.entries.map((e) => e.clip.id);
    await waitFor(() => expect(reorderPlaybook).toHaveBeenCalledWith("Objections", [ids[1], ids[0]]));
  });
});

describe("Player coaching", () => {
  const playable = () => clip({ title: "My answer", media_url: "http://127.0.0.1:9/tok/media/a.mp4", media_state: "ready", duration_ms: 60_000 });

  it("lists comments; tapping a moment seeks the video there; a comment goes in at the current moment", async () => {
    const c = playable();
    const mineComment = comment({ mine: true, author: "Avery Chen", text: "Note to self", at_ms: null });
    const addComment = vi.fn((_id: string, text: string, at: number | null) => ok(comment({ text, at_ms: at, mine: true })));
    const api = fakeApi({
      getClip: () => ok(c),
      getClipCoaching: () => ok(clipCoaching({ clip_id: c.id, comments: [comment({ at_ms: 42_000 }), mineComment] })),
      addComment,
    });
    const { container } = render(<Player api={api} id={c.id} onDeleted={() => {}} />);
    const moment = await screen.findByTestId("comment-moment");
    expect(moment.textContent).toMatch(/0:42/);
    const items = screen.getAllByTestId("comment");
    expect(items[0]!.textContent).toMatch(/Max Manager.*0:42.*Great reframe/);
    expect(items[0]!.querySelector("[data-testid=comment-edit]")).toBeNull();
    expect(items[1]!.textContent).toMatch(/Avery Chen \(you\).*Note to self.*Edit.*Delete/);
    const video = container.querySelector("video") as HTMLVideoElement;
    // jsdom plays nothing, so its media position does not move: a plain property stands in.
    Object.defineProperty(video, "currentTime", { value: 0, writable: true });
    await waitFor(() => expect((moment as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(moment);
    expect(video.currentTime).toBe(42);
    await waitFor(() => expect(screen.getByTestId("comment-at-label").textContent).toBe("At 0:42"));
    fireEvent.input(screen.getByLabelText("Add a comment"), { target: { value: "Love the pause" } });
    fireEvent.click(screen.getByTestId("comment-post"));
    await waitFor(() => expect(addComment).toHaveBeenCalledWith(c.id, "Love the pause", 42_000));
  });

  it("a rep sees the playbook place but no controls; a manager promotes into a section", async () => {
    const c = playable();
    const rep = fakeApi({ getClip: () => ok(c), getClipCoaching: () => ok(clipCoaching({ playbook: { section: "Objections", position: 1, by: "Max" } })) });
    render(<Player api={rep} id={c.id} onDeleted={() => {}} />);
    expect((await screen.findByTestId("playbook-place")).textContent).toMatch(/In the playbook · Objections/);
    expect(screen.queryByTestId("playbook-controls")).toBeNull();
    cleanup();

    const promoteClip = vi.fn((_id: string, section: string | null) => ok(clipCoaching({ can_manage: true, playbook: { section, position: null, by: "Max" }, sections: ["Objections"] })));
    const manager = fakeApi({ getClip: () => ok(c), getClipCoaching: () => ok(clipCoaching({ can_manage: true, sections: ["Objections"] })), promoteClip });
    render(<Player api={manager} id={c.id} onDeleted={() => {}} />);
    await screen.findByTestId("playbook-controls");
    fireEvent.input(screen.getByLabelText("Section"), { target: { value: "Objections" } });
    fireEvent.click(screen.getByTestId("promote"));
    await waitFor(() => expect(screen.getByTestId("playbook-place").textContent).toMatch(/In the playbook, section “Objections”/));
    expect(promoteClip).toHaveBeenCalledWith(c.id, "Objections", null);
    expect(screen.getByTestId("demote")).toBeTruthy();
  });

  it("a refused comment keeps its text with the reason", async () => {
    const c = playable();
    const api = fakeApi({
      getClip: () => ok(c),
      getClipCoaching: () => ok(clipCoaching()),
      addComment: () => err("invalid_input", "Comment is empty; write at least one word."),
    });
    render(<Player api={api} id={c.id} onDeleted={() => {}} />);
    const box = (await screen.findByLabelText("Add a comment")) as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: "   " } });
    fireEvent.click(screen.getByTestId("comment-post"));
    expect((await screen.findByTestId("comment-error")).textContent).toBe("Comment is empty; write at least one word.");
    expect(box.value).toBe("   ");
    expect(box.getAttribute("aria-invalid")).toBe("true");
  });
});

describe("Inbox", () => {
  it("lists notifications with unread counts; opening one marks it read; mark all read", async () => {
    const a = notification({ text: "Max Manager commented on \"My answer\" at 0:02: Great reframe" });
    const b = notification({ kind: "new_playbook_clip", text: "Max Manager added \"My answer\" to the playbook (Objections)", read: true });
    const unread = { total: 1, new_challenge: 0, new_answer: 0, new_comment: 1, new_playbook_clip: 0, refused: 0 };
    const markNotificationsRead = vi.fn(() => ok({ ...unread, total: 0, new_comment: 0 }));
    const onRead = vi.fn();
    render(<Inbox store={createNotificationsStore(fakeApi({ listNotifications: () => ok({ unread, notifications: [a, b] }), markNotificationsRead }), onRead)} />);
    const items = await screen.findAllByTestId("notice");
    expect(items[0]!.className).toMatch(/unread/);
    expect(items[1]!.className).not.toMatch(/unread/);
    expect(screen.getByTestId("unread-summary").textContent).toBe("Unread: 1 new comment.");
    fireEvent.click(items[0]!.querySelector("a")!);
    await waitFor(() => expect(markNotificationsRead).toHaveBeenCalledWith([a.id]));
    await waitFor(() => expect(location.hash).toBe(`#/clip/${a.clip_id}`));
    expect(onRead).toHaveBeenCalled();
    expect(screen.queryByTestId("mark-all-read")).toBeNull();
  });

  it("says what will show up when empty", async () => {
    const none = { total: 0, new_challenge: 0, new_answer: 0, new_comment: 0, new_playbook_clip: 0, refused: 0 };
    render(<Inbox store={createNotificationsStore(fakeApi({ listNotifications: () => ok({ unread: none, notifications: [] }) }))} />);
    expect((await screen.findByTestId("inbox-empty")).textContent).toMatch(/New challenges/);
  });
});

describe("Nav", () => {
  it("shows the unread count on Inbox, and on phones the sync count on Settings", () => {
    const { container } = render(<Nav current={{ name: "challenge", id: "x" }} counts={{ Inbox: 3, Sync: 2 }} />);
    expect(screen.getByTestId("nav-count-inbox").textContent).toBe("3");
    expect(screen.getByTestId("nav-count-inbox").getAttribute("aria-label")).toBe("3 unread");
    expect(container.querySelector("[aria-current=page]")?.textContent).toMatch(/Challenges/);
    const settings = [...container.querySelectorAll(".nav-link")].find((a) => a.textContent?.startsWith("Settings"));
    expect(settings?.querySelector(".phone-only")?.textContent).toBe("2");
    const phoneTabs = [...container.querySelectorAll("li")].filter((li) => !li.classList.contains("wide-only"));
    expect(phoneTabs.map((li) => li.textContent?.replace(/\d+$/, ""))).toEqual(["Library", "Record", "Challenges", "Playbook", "Inbox", "Settings"]);
  });
});

describe("Record screen answering a challenge", () => {
  it("names the challenge and its length limit, and records linked to it", async () => {
    const shell = fakeRecorder();
    const c = challenge({ title: "Opening line", max_answer_ms: 90_000 });
    const api = fakeApi({ ...shell.api, getChallenge: () => ok(detail({ challenge: c })), listTags: () => ok([]) });
    render(<Record api={api} challengeId={c.id} onSaved={() => {}} pollMs={5} />);
    await waitFor(() => expect(screen.getByTestId("answering").textContent).toMatch(/Answering “Opening line” · up to 1:30/));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Record an answer");
    fireEvent.click(await screen.findByRole("button", { name: "Start recording" }));
    await waitFor(() => expect(shell.state.started).toEqual([{ source: "synthetic", mic: "synthetic", challenge_id: c.id }]));
  });

  it("an unknown challenge is said, and recording waits for a choice", async () => {
    const shell = fakeRecorder();
    const api = fakeApi({ ...shell.api, getChallenge: () => err("not_found", "No challenge with id x on this device; it may have been deleted.") });
    render(<Record api={api} challengeId="x" onSaved={() => {}} pollMs={5} />);
    await waitFor(() => expect(screen.getByTestId("answering").textContent).toMatch(/No challenge with id x.*Record a debrief instead/));
    await waitFor(() => expect((screen.getByRole("button", { name: "Start recording" }) as HTMLButtonElement).disabled).toBe(true));
  });
});
