/**
 * A minimal client-side router: pages are real `<a href>` links under /ui/ (so middle-click,
 * keyboard and reload work; tickd answers every page path with index.html), and query
 * parameters hold the filters so a view can be bookmarked or shared.
 */
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

export const BASE = "/ui/";

const listeners = new Set<() => void>();

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  for (const f of listeners) f();
}

/** The current location; re-renders on navigation and on back/forward. */
export function useLocation(): URL {
  const [, setTick] = useState(0);
  useEffect(() => {
    const f = (): void => setTick((n) => n + 1);
    listeners.add(f);
    window.addEventListener("popstate", f);
    return () => {
      listeners.delete(f);
      window.removeEventListener("popstate", f);
    };
  }, []);
  return new URL(location.href);
}

/** Replaces the query parameters (empty values removed) without a new history entry per keystroke. */
export function setQuery(params: Record<string, string>, replace = false): void {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(params)) {
    if (v === "") url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  navigate(url.pathname + url.search, replace);
}

export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  "aria-current"?: "page";
}): JSX.Element {
  const onClick = (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a
      href={props.href}
      onClick={onClick}
      {...(props.class !== undefined ? { class: props.class } : {})}
      {...(props["aria-current"] !== undefined ? { "aria-current": props["aria-current"] } : {})}
    >
      {props.children}
    </a>
  );
}
