/**
 * Kibana's `referenced_by_count` of a connector: how many places send through it — topic
 * handlers of `kind: connector` naming it, and `.connector('<id>')` calls on the alert nodes
 * of stored TICKscript tasks. Task graphs are compiled once per task version and cached (the
 * list is asked for rarely, a compile is not free); a task that no longer compiles counts 0.
 */
import { argString } from "../handlers/options.js";
import type { TaskGraph } from "../pipeline/task-graph.js";
import { CONNECTOR_KIND } from "./handler-factory.js";

export interface ReferenceSources {
  /** Every topic handler (API-defined and from files). */
  handlers(): Iterable<{ kind: string; options: Record<string, unknown> }>;
  /** Every stored task: `version` changes whenever its script or vars do. */
  tasks(): Iterable<{ id: string; version: string; graph: () => TaskGraph }>;
}

export interface ConnectorReferences {
  count(id: string): number;
}

/** The connector ids a compiled task sends through, once per `.connector()` call. */
export function connectorIdsOf(graph: TaskGraph): string[] {
  const out: string[] = [];
  for (const n of graph.nodes)
    for (const h of n.handlers) {
      if (h.kind.toLowerCase() !== CONNECTOR_KIND) continue;
      const id = argString(h.args[0]);
      if (typeof id === "string") out.push(id);
    }
  return out;
}

export function connectorReferences(src: ReferenceSources): ConnectorReferences {
  const cache = new Map<string, { version: string; ids: string[] }>();
  const idsOf = (t: { id: string; version: string; graph: () => TaskGraph }): string[] => {
    const hit = cache.get(t.id);
    if (hit?.version === t.version) return hit.ids;
    let ids: string[] = [];
    try {
      ids = connectorIdsOf(t.graph());
    } catch {
      // A task that does not compile sends through nothing.
    }
    cache.set(t.id, { version: t.version, ids });
    return ids;
  };
  return {
    count(id) {
      let n = 0;
      for (const h of src.handlers()) {
        if (h.kind.toLowerCase() !== CONNECTOR_KIND) continue;
        const named = h.options["connector-id"] ?? h.options.id;
        if (named === id) n++;
      }
      const live = new Set<string>();
      for (const t of src.tasks()) {
        live.add(t.id);
        for (const x of idsOf(t)) if (x === id) n++;
      }
      for (const k of cache.keys()) if (!live.has(k)) cache.delete(k);
      return n;
    },
  };
}
