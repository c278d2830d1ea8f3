// The status area above every screen. One polite live region, so a screen
// reader hears when the device goes offline without losing its place.
import type { JSX } from "preact";

import { Icon } from "./Icon";

export function StatusBanner({ text }: { text: string | null }): JSX.Element {
  return (
    <div class="banner-area" role="status" aria-live="polite">
      {text && (
        <p class="banner banner-offline" data-testid="offline-banner">
          <Icon name="offline" size={20} />
          <span>{text}</span>
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
