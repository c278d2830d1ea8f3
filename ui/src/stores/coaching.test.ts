import { describe, expect, it, vi } from "vitest";

import type { Api } from "../api";
import type { ChallengeChange, ChallengeRequest, ClipCoachingView, PlaybookView } from "../bindings";
import { challenge, clip, clipCoaching, comment, err, fakeApi, fakeRecorder, notification, ok } from "../test/fakes";
import { createChallengeFormStore, createChallengeStore, createChallengesStore, fieldOf } from "./challenges";
import { createClipCoachingStore } from "./coaching";
import { createNotificationsStore, notificationTarget, unreadSummary } from "./notifications";
import { createPlaybookStore } from "./playbook";
import { createRecordStore } from "./record";

describe("challenges store", () => {
  it("loads the list with what this user may do", async () => {
    const c = challenge({ answered: true });
    const store = createChallengesStore(fakeApi({ listChallenges: () => ok({ challenges: [c], can_manage: false, joined: true }) }));
    await store.load();
    expect(store.challenges.value).toEqual([c]);
    expect(store.canManage.value).toBe(false);
    expect(store.loaded.value).toBe(true);
  });

  it("a refused load says why and keeps what was shown", async () => {
    const listChallenges = vi
      .fn()
      .mockReturnValueOnce(ok({ challenges: [challenge()], can_manage: true, joined: true }))
      .mockReturnValue(err("busy", "the library is busy"));
    const store = createChallengesStore(fakeApi({ listChallenges }));
    await store.load();
    await store.load();
    expect(store.challenges.value).toHaveLength(1);
    expect(store.loadError.value).toBe("the library is busy");
  });
});

describe("challenge store", () => {
  const detail = (over = {}) => ({ challenge: challenge(), answers: [], answered_by: null, not_answered: null, can_manage: false, ...over });

  it("answers with a picked clip; a refusal keeps the picker open with the reason", async () => {
    const mine = clip({ title: "My long take", duration_ms: 300_000 });
    const answerChallenge = vi
      .fn()
      .mockReturnValueOnce(err("invalid_input", "\"My long take\" is 5:00 long; challenge \"Pricing objection\" takes answers of at most 2:00."))
      .mockReturnValue(ok(mine));
    const getChallenge = vi.fn(() => ok(detail()));
    const store = createChallengeStore(fakeApi({ getChallenge, answerCandidates: () => ok([mine]), answerChallenge }), "c1");
    await store.load();
    await store.pickClip();
    expect(store.candidates.value).toEqual([mine]);
    expect(await store.answerWith(mine.id)).toBe(false);
    expect(store.answerError.value).toMatch(/at most 2:00/);
    expect(store.candidates.value).toEqual([mine]);
    expect(await store.answerWith(mine.id)).toBe(true);
    expect(answerChallenge).toHaveBeenLastCalledWith("c1", mine.id);
    expect(store.candidates.value).toBeNull();
    expect(getChallenge).toHaveBeenCalledTimes(2);
  });

  it("deletes only after a confirmation", async () => {
    const deleteChallenge = vi.fn(() => ok(null));
    const store = createChallengeStore(fakeApi({ deleteChallenge }), "c1");
    expect(await store.remove()).toBe(false);
    expect(store.confirmingDelete.value).toBe(true);
    expect(deleteChallenge).not.toHaveBeenCalled();
    expect(await store.remove()).toBe(true);
    expect(deleteChallenge).toHaveBeenCalledWith("c1");
  });

  it("a role refusal is shown as the core says it", async () => {
    const store = createChallengeStore(
      fakeApi({ deleteChallenge: () => err("forbidden", "Only managers and admins can delete challenges; your role in this team is member.") }),
      "c1",
    );
    await store.remove();
    expect(await store.remove()).toBe(false);
    expect(store.actionError.value).toMatch(/^Only managers and admins can delete challenges/);
  });
});

describe("challenge form", () => {
  it("maps a refusal to its field and keeps everything typed", async () => {
    const createChallenge = vi.fn((_r: ChallengeRequest) => err("invalid_input", "'next friday' is not a date; write it like 2026-05-01 (or a full RFC 3339 time)."));
    const form = createChallengeFormStore(fakeApi({ createChallenge }));
    form.title.value = "Pricing objection";
    form.prompt.value = "How do you answer?";
    form.due.value = "next friday";
    form.maxLength.value = " 2m ";
    expect(await form.submit()).toBeNull();
    expect(createChallenge).toHaveBeenCalledWith({ title: "Pricing objection", prompt: "How do you answer?", due: "next friday", max_length: "2m" });
    expect(form.error.value).toMatchObject({ field: "due", kind: "invalid_input" });
    expect([form.title.value, form.prompt.value, form.due.value, form.maxLength.value]).toEqual(["Pricing objection", "How do you answer?", "next friday", " 2m "]);
  });

  it("an edit starts from the challenge and sends only what changed", async () => {
    const c = challenge({ due_at: "2026-12-31T23:59:59Z", max_answer_ms: 90_000 });
    const editChallenge = vi.fn((_id: string, _c: ChallengeChange): ReturnType<Api["editChallenge"]> => ok({ ...c, title: "New" }));
    const form = createChallengeFormStore(fakeApi({ getChallenge: () => ok({ challenge: c, answers: [], answered_by: [], not_answered: [], can_manage: true }), editChallenge }), c.id);
    await form.load();
    expect([form.title.value, form.due.value, form.maxLength.value]).toEqual([c.title, "2026-12-31", "1m30s"]);
    form.title.value = "New";
    expect((await form.submit())?.title).toBe("New");
    expect(editChallenge).toHaveBeenCalledWith(c.id, { title: "New", prompt: null, due: null, max_length: null });
    form.due.value = "";
    editChallenge.mockReturnValueOnce(err("invalid_input", "A challenge's due date can be changed but not removed once it is set; set another one instead."));
    expect(await form.submit()).toBeNull();
    expect(editChallenge).toHaveBeenLastCalledWith(c.id, { title: "New", prompt: null, due: "", max_length: null });
    expect(form.error.value?.field).toBe("due");
    expect(form.due.value).toBe("");
  });

  it("knows the field of each core message", () => {
    expect(fieldOf("Title is empty; write at least one word.")).toBe("title");
    expect(fieldOf("Prompt is 5001 characters long; at most 5000 are allowed.")).toBe("prompt");
    expect(fieldOf("'two minutes' is not a length; write it like 2m, 90s, 1m30s or 2:00.")).toBe("max_length");
    expect(fieldOf("Max answer length must be between 1 ms and 60 minutes, got 0 ms.")).toBe("max_length");
    expect(fieldOf("Only managers and admins can create challenges.")).toBeNull();
  });
});

describe("clip coaching store", () => {
  const clipId = "0190f1c2-7a4b-7c3d-9e8f-000000000001";

  it("posts at the player's moment, and keeps a refused comment's text", async () => {
    const addComment = vi
      .fn()
      .mockReturnValueOnce(err("invalid_input", "Comment is 5001 characters long; at most 5000 are allowed."))
      .mockReturnValue(ok(comment({ mine: true })));
    const getClipCoaching = vi.fn(() => ok(clipCoaching()));
    const store = createClipCoachingStore(fakeApi({ addComment, getClipCoaching }), clipId);
    store.draft.value = "x".repeat(5001);
    expect(await store.post(12_345.6)).toBe(false);
    expect(store.draftError.value).toMatch(/at most 5000/);
    expect(store.draft.value).toHaveLength(5001);
    store.draft.value = "Nice pause";
    expect(await store.post(12_345.6)).toBe(true);
    expect(addComment).toHaveBeenLastCalledWith(clipId, "Nice pause", 12_346);
    expect(store.draft.value).toBe("");
    store.atMoment.value = false;
    store.draft.value = "In general";
    await store.post(5_000);
    expect(addComment).toHaveBeenLastCalledWith(clipId, "In general", null);
    store.atMoment.value = true;
    await store.post(null);
    expect(addComment).toHaveBeenLastCalledWith(clipId, "", null);
  });

  it("edits my comment, keeping the draft when refused", async () => {
    const mine = comment({ mine: true, text: "first" });
    const editComment = vi.fn().mockReturnValueOnce(err("invalid_input", "Comment is empty; write at least one word.")).mockReturnValue(ok(mine));
    const store = createClipCoachingStore(fakeApi({ editComment, getClipCoaching: () => ok(clipCoaching({ comments: [mine] })) }), clipId);
    store.startEdit(mine.id, mine.text);
    store.editing.value = { id: mine.id, text: " " };
    await store.saveEdit();
    expect(store.editError.value).toMatch(/empty/);
    expect(store.editing.value).toEqual({ id: mine.id, text: " " });
    store.editing.value = { id: mine.id, text: "second" };
    await store.saveEdit();
    expect(editComment).toHaveBeenLastCalledWith(mine.id, "second");
    expect(store.editing.value).toBeNull();
  });

  it("deletes my comment only after a confirmation", async () => {
    const deleteComment = vi.fn(() => ok(null));
    const store = createClipCoachingStore(fakeApi({ deleteComment, getClipCoaching: () => ok(clipCoaching()) }), clipId);
    await store.remove("k1");
    expect(deleteComment).not.toHaveBeenCalled();
    expect(store.confirmingDelete.value).toBe("k1");
    await store.remove("k1");
    expect(deleteComment).toHaveBeenCalledWith("k1");
    expect(store.confirmingDelete.value).toBeNull();
  });

  it("promotes into a section, keeps the place when moving within it, demotes", async () => {
    const placed = (section: string | null): ClipCoachingView =>
      clipCoaching({ can_manage: true, playbook: { section, position: 3, by: "Max Manager" }, sections: section ? [section] : [] });
    const promoteClip = vi.fn((_c: string, section: string | null) => ok(placed(section)));
    const demoteClip = vi.fn(() => ok(clipCoaching({ can_manage: true })));
    const store = createClipCoachingStore(fakeApi({ promoteClip, demoteClip, getClipCoaching: () => ok(clipCoaching({ can_manage: true })) }), clipId);
    await store.load();
    store.section.value = " Objections ";
    await store.promote();
    expect(promoteClip).toHaveBeenLastCalledWith(clipId, "Objections", null);
    expect(store.view.value?.playbook?.section).toBe("Objections");
    await store.promote();
    expect(promoteClip).toHaveBeenLastCalledWith(clipId, "Objections", 3);
    store.section.value = "";
    await store.promote();
    expect(promoteClip).toHaveBeenLastCalledWith(clipId, null, null);
    await store.demote();
    expect(store.view.value?.playbook).toBeNull();
    expect(store.section.value).toBe("");
  });

  it("a role refusal of a promote is shown", async () => {
    const store = createClipCoachingStore(
      fakeApi({ promoteClip: () => err("forbidden", "Only managers and admins can add clips to or remove clips from the playbook.") }),
      clipId,
    );
    await store.promote();
    expect(store.playbookError.value).toMatch(/^Only managers and admins/);
  });
});

describe("playbook store", () => {
  const entry = (title: string) => ({ position: null, by: "Max", clip: clip({ title }) });

  it("moves a clip within its section and shows the new order", async () => {
    const a = entry("a");
    const b = entry("b");
    const view = (entries: typeof a[]): PlaybookView => ({ sections: [{ name: "Objections", entries }], kept_offline: [], can_manage: true });
    const reorderPlaybook = vi.fn((): ReturnType<Api["reorderPlaybook"]> => ok(view([b, a])));
    const store = createPlaybookStore(fakeApi({ getPlaybook: () => ok(view([a, b])), reorderPlaybook }));
    await store.load();
    await store.move("Objections", a.clip.id, -1);
    expect(reorderPlaybook).not.toHaveBeenCalled();
    await store.move("Objections", a.clip.id, 1);
    expect(reorderPlaybook).toHaveBeenCalledWith("Objections", [b.clip.id, a.clip.id]);
    expect(store.clips.value.map((c) => c.title)).toEqual(["b", "a"]);
    reorderPlaybook.mockReturnValueOnce(err("forbidden", "Only managers and admins can add clips to or remove clips from the playbook."));
    await store.move("Objections", a.clip.id, -1);
    expect(store.moveError.value).toMatch(/^Only managers/);
  });
});

describe("notifications store", () => {
  it("marks read one or all and tells the app", async () => {
    const a = notification();
    const b = notification({ kind: "new_challenge", challenge_id: "c9", clip_id: null });
    const unread = { total: 2, new_challenge: 1, new_answer: 0, new_comment: 1, new_playbook_clip: 0, refused: 0 };
    const markNotificationsRead = vi.fn((ids: number[] | null) => ok({ ...unread, total: ids === null ? 0 : 1, new_comment: 0, new_challenge: ids === null ? 0 : 1 }));
    const onRead = vi.fn();
    const store = createNotificationsStore(fakeApi({ listNotifications: () => ok({ unread, notifications: [a, b] }), markNotificationsRead }), onRead);
    await store.load();
    expect(store.unread.value.total).toBe(2);
    await store.markRead([a.id]);
    expect(markNotificationsRead).toHaveBeenCalledWith([a.id]);
    expect(store.notifications.value.map((n) => n.read)).toEqual([true, false]);
    expect(store.unread.value.total).toBe(1);
    await store.markRead(null);
    expect(store.notifications.value.every((n) => n.read)).toBe(true);
    expect(onRead).toHaveBeenCalledTimes(2);
  });

  it("leads to the clip or the challenge, and sums up in words", () => {
    expect(notificationTarget(notification({ kind: "new_challenge", challenge_id: "c1", clip_id: null }))).toEqual({ name: "challenge", id: "c1" });
    expect(notificationTarget(notification({ kind: "new_answer", challenge_id: "c1", clip_id: "k1" }))).toEqual({ name: "clip", id: "k1" });
    expect(notificationTarget(notification({ kind: "refused", challenge_id: null, clip_id: null }))).toBeNull();
    expect(unreadSummary({ total: 3, new_challenge: 1, new_answer: 0, new_comment: 2, new_playbook_clip: 0, refused: 0 })).toBe("Unread: 1 new challenge, 2 new comments.");
    expect(unreadSummary({ total: 0, new_challenge: 0, new_answer: 0, new_comment: 0, new_playbook_clip: 0, refused: 0 })).toBe("Nothing unread.");
  });
});

describe("record store answering a challenge", () => {
  it("starts linked to the challenge, and refuses to start for a deleted one", async () => {
    const shell = fakeRecorder();
    const c = challenge({ max_answer_ms: 60_000 });
    const getChallenge = vi.fn(() => ok({ challenge: c, answers: [], answered_by: null, not_answered: null, can_manage: false }));
    const store = createRecordStore(fakeApi({ ...shell.api, getChallenge }), { pollMs: 5, challengeId: c.id });
    await store.init();
    await vi.waitFor(() => expect(store.challenge.value?.title).toBe("Pricing objection"));
    await store.start();
    expect(shell.state.started).toEqual([{ source: "synthetic", mic: "synthetic", challenge_id: c.id }]);
    store.dispose();

    const gone = createRecordStore(
      fakeApi({ ...shell.api, getChallenge: () => ok({ challenge: { ...c, deleted: true }, answers: [], answered_by: null, not_answered: null, can_manage: false }) }),
      { challengeId: c.id },
    );
    await gone.init();
    await vi.waitFor(() => expect(gone.challengeProblem.value?.message).toMatch(/was deleted; it takes no more answers/));
    gone.dispose();
  });
});
