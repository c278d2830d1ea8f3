// The inbox: what the team's changes brought this user (a new challenge,
// an answer to my challenge, a comment on my clip, a new playbook clip)
// and changes the server refused, newest first. Unread ones are marked;
// opening one marks it read and goes to its clip or challenge.
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";

import type { NotificationKind, NotificationView } from "../bindings";
import { Icon, type IconName } from "../components/Icon";
import { formatAgo } from "../lib/format";
import { href, navigate } from "../router";
import { type NotificationsStore, notificationTarget, unreadSummary } from "../stores/notifications";
import { coachingVersion } from "../stores/coaching";

const ICONS: Record<NotificationKind, IconName> = {
  new_challenge: "challenge",
  new_answer: "record",
  new_comment: "comment",
  new_playbook_clip: "playbook",
  refused: "alert",
};

export function Inbox({ store }: { store: NotificationsStore }): JSX.Element {
  // Loaded again whenever coaching may have changed (a sync, another screen).
  const version = coachingVersion.value;
  useEffect(() => {
    void store.load();
  }, [store, version]);
  const list = store.notifications.value;
  const unread = store.unread.value;
  return (
    <section class="screen inbox" aria-labelledby="inbox-title">
      <header class="screen-head">
        <h1 id="inbox-title">Inbox</h1>
        {unread.total > 0 && (
          <button type="button" class="button head-action" onClick={() => void store.markRead(null)} data-testid="mark-all-read">
            <Icon name="check" size={18} />
            <span>Mark all read</span>
          </button>
        )}
      </header>
      <p class="muted" data-testid="unread-summary" role="status">
        {unreadSummary(unread)}
      </p>
      {store.loadError.value && (
        <p class="error" role="alert">
          The inbox could not be loaded: {store.loadError.value}
        </p>
      )}
      {store.actionError.value && (
        <p class="error" role="alert">
          {store.actionError.value}
        </p>
      )}
      {!store.loaded.value ? (
        !store.loadError.value && <p class="empty muted">Loading…</p>
      ) : list.length === 0 ? (
        <div class="empty" data-testid="inbox-empty">
          <Icon name="bell" size={40} />
          <p>Nothing yet. New challenges, answers to yours, comments on your clips and new playbook clips show up here after a sync.</p>
        </div>
      ) : (
        <ul class="notice-list">
          {list.map((n) => (
            <Notice key={n.id} n={n} store={store} />
          ))}
        </ul>
      )}
    </section>
  );
}

function Notice({ n, store }: { n: NotificationView; store: NotificationsStore }): JSX.Element {
  const target = notificationTarget(n);
  const body = (
    <>
      <span class={`notice-icon notice-${n.kind}`}>
        <Icon name={ICONS[n.kind]} size={20} />
      </span>
      <span class="notice-text">
        <span class="notice-line">{n.text}</span>
        <span class="clip-meta">{formatAgo(n.created_at)}</span>
      </span>
      {!n.read && <span class="unread-dot" aria-label="Unread" />}
    </>
  );
  return (
    <li class={n.read ? "notice card" : "notice card unread"} data-testid="notice" data-kind={n.kind}>
      {target ? (
        <a
          class="notice-main"
          href={href(target)}
          onClick={async (e) => {
            e.preventDefault();
            if (!n.read) await store.markRead([n.id]);
            navigate(target);
          }}
        >
          {body}
        </a>
      ) : (
        <button type="button" class="notice-main" disabled={n.read} onClick={() => void store.markRead([n.id])}>
          {body}
        </button>
      )}
    </li>
  );
}
