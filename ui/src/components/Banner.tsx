// The status area above every screen. One polite live region, so a screen
// reader hears when the device goes offline without losing its place.
import type { JSX } from "preact";

import { href } from "../router";
import type { BannerMessage } from "../stores/status";
import { Icon } from "./Icon";

export function StatusBanner({ message }: { message: BannerMessage | null }): JSX.Element {
  return (
    <div class="banner-area" role="status" aria-live="polite">
      {message && (
        <p class={`banner banner-${message.tone}`} data-testid="offline-banner">
          <Icon name={message.tone === "offline" ? "offline" : "sync"} size={20} />
          <span>{message.text}</span>
          <a class="banner-link" href={href({ name: "sync" })}>
            Details
          </a>
        </p>
      )}
    </div>
  );
}

export function FatalScreen({ message }: { message: string }): JSX.Element {
  return (
    <main class="fatal" role="alert">
      <h1>Debrief can't open your library</h1>
      <p>{message}</p>
      <p class="muted">Nothing was changed. Close Debrief, fix the problem above, and open it again.</p>
    </main>
  );
}
