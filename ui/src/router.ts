// Hash routes, so the back button and deep links work inside the webview
// without a server. A screen adds a `Route` variant, a `parseRoute` case,
// an `href` case and (if it has a tab) an entry in components/Nav.tsx.
import { signal } from "@preact/signals";

export type Route =
  | { name: "library" }
  | { name: "clip"; id: string }
  | { name: "import" }
  /** `challengeId`: the recording answers that challenge. */
  | { name: "record"; challengeId?: string }
  | { name: "challenges" }
  | { name: "challenge"; id: string }
  | { name: "challenge-new" }
  | { name: "challenge-edit"; id: string }
  | { name: "playbook" }
  | { name: "inbox" }
  | { name: "sync" }
  | { name: "settings" };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/^\/+/, "");
  const [head, ...rest] = path.split("/");
  const id = rest[0] ? decodeURIComponent(rest[0]) : "";
  switch (head) {
    case "clip":
      return id ? { name: "clip", id } : { name: "library" };
    case "import":
      return { name: "import" };
    case "record":
      return id ? { name: "record", challengeId: id } : { name: "record" };
    case "challenges":
      return rest[0] === "new" ? { name: "challenge-new" } : { name: "challenges" };
    case "challenge":
      if (!id) return { name: "challenges" };
      return rest[1] === "edit" ? { name: "challenge-edit", id } : { name: "challenge", id };
    case "settings":
      return { name: "settings" };
    case "playbook":
      return { name: "playbook" };
    case "inbox":
      return { name: "inbox" };
    case "sync":
      return { name: "sync" };
    default:
      return { name: "library" };
  }
}

export function href(route: Route): string {
  switch (route.name) {
    case "library":
      return "#/library";
    case "clip":
      return `#/clip/${encodeURIComponent(route.id)}`;
    case "import":
      return "#/import";
    case "record":
      return route.challengeId ? `#/record/${encodeURIComponent(route.challengeId)}` : "#/record";
    case "challenges":
      return "#/challenges";
    case "challenge-new":
      return "#/challenges/new";
    case "challenge":
      return `#/challenge/${encodeURIComponent(route.id)}`;
    case "challenge-edit":
      return `#/challenge/${encodeURIComponent(route.id)}/edit`;
    case "settings":
      return "#/settings";
    case "playbook":
      return "#/playbook";
    case "inbox":
      return "#/inbox";
    case "sync":
      return "#/sync";
  }
}

export const route = signal<Route>(parseRoute(typeof location === "undefined" ? "" : location.hash));

export function startRouter(): () => void {
  const onChange = () => {
    route.value = parseRoute(location.hash);
  };
  window.addEventListener("hashchange", onChange);
  onChange();
  return () => window.removeEventListener("hashchange", onChange);
}

export function navigate(to: Route): void {
  location.hash = href(to);
}
