// The inbox: notifications built from the team's change feed (new
// challenge, an answer to my challenge, a comment on my clip, a new
// playbook clip, a change the server refused), newest first, with unread
// counts. Opening one marks it read; "Mark all read" clears the count.
import { batch, signal } from "@preact/signals";

import { type Api, call, errorMessage } from "../api";
import type { NotificationView, UnreadCountsView } from "../bindings";
import type { Route } from "../router";

export type NotificationsApi = Pick<Api, "listNotifications" | "markNotificationsRead">;

const NONE: UnreadCountsView = { total: 0, new_challenge: 0, new_answer: 0, new_comment: 0, new_playbook_clip: 0, refused: 0 };

/** Where a notification leads: the clip it is about, else its challenge. */
export function notificationTarget(n: NotificationView): Route | null {
  if (n.kind === "new_challenge" && n.challenge_id) return { name: "challenge", id: n.challenge_id };
  if (n.clip_id) return { name: "clip", id: n.clip_id };
  if (n.challenge_id) return { name: "challenge", id: n.challenge_id };
  return null;
}

/** "2 new comments, 1 new challenge" (the non-zero counts, in words). */
export function unreadSummary(u: UnreadCountsView): string {
  const parts: [number, string, string][] = [
    [u.new_challenge, "new challenge", "new challenges"],
    [u.new_answer, "new answer", "new answers"],
    [u.new_comment, "new comment", "new comments"],
    [u.new_playbook_clip, "new playbook clip", "new playbook clips"],
    [u.refused, "refused change", "refused changes"],
  ];
  const words = parts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return words.length ? `Unread: ${words.join(", ")}.` : "Nothing unread.";
}

export function createNotificationsStore(api: NotificationsApi, onRead: () => void = () => {}) {
  const notifications = signal<NotificationView[]>([]);
  const unread = signal<UnreadCountsView>(NONE);
  const loaded = signal(false);
  const loadError = signal<string | null>(null);
  const actionError = signal<string | null>(null);

  async function load(): Promise<void> {
    try {
      const v = await call(api.listNotifications());
      batch(() => {
        notifications.value = v.notifications;
        unread.value = v.unread;
        loaded.value = true;
        loadError.value = null;
      });
    } catch (e) {
      loadError.value = errorMessage(e);
    }
  }

  /** Mark these read (all with `null`). */
  async function markRead(ids: number[] | null): Promise<void> {
    try {
      const left = await call(api.markNotificationsRead(ids));
      batch(() => {
        unread.value = left;
        notifications.value = notifications.value.map((n) => (ids === null || ids.includes(n.id) ? { ...n, read: true } : n));
        actionError.value = null;
      });
      onRead();
    } catch (e) {
      actionError.value = errorMessage(e);
    }
  }

  return { notifications, unread, loaded, loadError, actionError, load, markRead };
}

export type NotificationsStore = ReturnType<typeof createNotificationsStore>;
