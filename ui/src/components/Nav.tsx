// The navigation shell: a bottom tab bar on phones, a side rail on wide
// screens (CSS decides). Screens still to come (Record, Playbook,
// Challenges, Sync) are one entry each in NAV_ITEMS.
import type { JSX } from "preact";

import { type Route, href } from "../router";
import { Icon, type IconName } from "./Icon";

interface NavItem {
  label: string;
  icon: IconName;
  to: Route;
  /** Routes that highlight this item. */
  owns: Route["name"][];
}

export const NAV_ITEMS: NavItem[] = [
  { label: "Library", icon: "library", to: { name: "library" }, owns: ["library", "clip"] },
  { label: "Record", icon: "record", to: { name: "record" }, owns: ["record"] },
  { label: "Playbook", icon: "playbook", to: { name: "playbook" }, owns: ["playbook"] },
  { label: "Sync", icon: "sync", to: { name: "sync" }, owns: ["sync"] },
  { label: "Import", icon: "import", to: { name: "import" }, owns: ["import"] },
  { label: "Settings", icon: "settings", to: { name: "settings" }, owns: ["settings"] },
];

/** `counts`: a number to show on an item (things waiting to sync), by label. */
export function Nav({ current, counts = {} }: { current: Route; counts?: Record<string, number> }): JSX.Element {
  return (
    <nav class="nav" aria-label="Main">
      <div class="nav-brand" aria-hidden="true">
        Debrief
      </div>
      <ul>
        {NAV_ITEMS.map((item) => {
          const active = item.owns.includes(current.name);
          return (
            <li key={item.label}>
              <a class={active ? "nav-link active" : "nav-link"} href={href(item.to)} aria-current={active ? "page" : undefined}>
                <Icon name={item.icon} />
                <span>{item.label}</span>
                {(counts[item.label] ?? 0) > 0 && (
                  <span class="nav-count" aria-label={`${counts[item.label]} waiting`}>
                    {counts[item.label]}
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
