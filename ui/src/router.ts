// Hash routes, so the back button and deep links work inside the webview
// without a server. Screens to come (record, playbook, challenges, sync)
// add a `Route` variant, a `parseRoute` case and an entry in `nav.tsx`.
import { signal } from "@preact/signals";

export type Route =
  | { name: "library" }
  | { name: "clip"; id: string }
  | { name: "import" }
  | { name: "record" }
  | { name: "playbook" }
  | { name: "sync" }
  | { name: "settings" };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/^\/+/, "");
  const [head, ...rest] = path.split("/");
  switch (head) {
    case "clip":
      return rest[0] ? { name: "clip", id: decodeURIComponent(rest[0]) } : { name: "library" };
    case "import":
      return { name: "import" };
    case "record":
      return { name: "record" };
    case "settings":
      return { name: "settings" };
    case "playbook":
      return { name: "playbook" };
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
      return "#/record";
    case "settings":
      return "#/settings";
    case "playbook":
      return "#/playbook";
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
