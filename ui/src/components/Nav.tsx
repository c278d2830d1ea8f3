// The navigation shell: a bottom tab bar on phones, a side rail on wide
// screens (CSS decides). Six tabs fit a 390 px phone; Sync and Import are
// rail-only: on a phone, Import is the Library's header button, and Sync is
// reached from Settings (the team card's "Sync status") and the status
// banner, with its waiting count on the Settings tab instead.
import type { JSX } from "preact";

import { type Route, href } from "../router";
import { Icon, type IconName } from "./Icon";

interface NavItem {
  label: string;
  icon: IconName;
  to: Route;
  /** Routes that highlight this item. */
  owns: Route["name"][];
  /** Only in the wide side rail, not in the phone tab bar. */
  wideOnly?: boolean;
  /** On phones, also show this other item's count (one that is rail-only). */
  phoneCountOf?: string;
}

export const NAV_ITEMS: NavItem[] = [
  { label: "Library", icon: "library", to: { name: "library" }, owns: ["library", "clip"] },
  { label: "Record", icon: "record", to: { name: "record" }, owns: ["record"] },
  {
    label: "Challenges",
    icon: "challenge",
    to: { name: "challenges" },
    owns: ["challenges", "challenge", "challenge-new", "challenge-edit"],
  },
  { label: "Playbook", icon: "playbook", to: { name: "playbook" }, owns: ["playbook"] },
  { label: "Inbox", icon: "bell", to: { name: "inbox" }, owns: ["inbox"] },
  { label: "Sync", icon: "sync", to: { name: "sync" }, owns: ["sync"], wideOnly: true },
  { label: "Import", icon: "import", to: { name: "import" }, owns: ["import"], wideOnly: true },
  { label: "Settings", icon: "settings", to: { name: "settings" }, owns: ["settings"], phoneCountOf: "Sync" },
];

/** What a count on an item means, for screen readers. */
const COUNT_WORDS: Record<string, string> = { Inbox: "unread", Sync: "waiting to sync" };

/** `counts`: a number to show on an item (unread notifications, things waiting to sync), by label. */
export function Nav({ current, counts = {} }: { current: Route; counts?: Record<string, number> }): JSX.Element {
  return (
    <nav class="nav" aria-label="Main">
      <div class="nav-brand" aria-hidden="true">
        Debrief
      </div>
      <ul>
        {NAV_ITEMS.map((item) => {
          const active = item.owns.includes(current.name);
          const own = counts[item.label] ?? 0;
          const borrowed = item.phoneCountOf ? (counts[item.phoneCountOf] ?? 0) : 0;
          return (
            <li key={item.label} class={item.wideOnly ? "wide-only" : undefined}>
              <a class={active ? "nav-link active" : "nav-link"} href={href(item.to)} aria-current={active ? "page" : undefined}>
                <Icon name={item.icon} />
                <span>{item.label}</span>
                {own > 0 && (
                  <span class="nav-count" data-testid={`nav-count-${item.label.toLowerCase()}`} aria-label={`${own} ${COUNT_WORDS[item.label] ?? "new"}`}>
                    {own}
                  </span>
                )}
                {own === 0 && borrowed > 0 && item.phoneCountOf && (
                  <span class="nav-count phone-only" aria-label={`${borrowed} ${COUNT_WORDS[item.phoneCountOf] ?? "new"}`}>
                    {borrowed}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
