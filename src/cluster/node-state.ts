/**
 * Node group state of one input partition in the state changelog (DESIGN §11): window
 * buffers, stateful lambda functions, stateDuration/stateCount runs, transforms
 * (derivative, difference, …), changeDetect and sample counts — everything a node exposes
 * through `RuntimeNode.groupState()` (src/engine/group-state.ts).
 *
 * States of one (task, node, group) key:
 *   restored (read from the changelog, waiting for its task's instance) → loaded into the
 *   instance when the partition engine starts it (then forgotten here, only the key is kept)
 *   → saved at every commit while the group is dirty (one record per key: compaction keeps
 *   the last) → tombstoned when the group is gone, its task is deleted or redefined (a
 *   redefined task starts empty, as it does on one node), or its state is over the bound.
 * A record that does not fit its node any more (the task changed meanwhile) is logged and
 * counted, and the group starts empty.
 */
import type { EngineLogger } from "../engine/context.js";
import type { Task } from "../engine/task.js";
import { coerceError } from "../core/errors.js";
import { encodeNodeState, MAX_NODE_STATE_BYTES, nodeStateKey } from "./changelog.js";
import type { PartitionWork } from "./context.js";

export interface NodeStateStats {
  /** Group states saved (records buffered for a transaction). */
  saved: number;
  /** Group states over MAX_NODE_STATE_BYTES: not kept (tombstone). */
  oversize: number;
  /** Restored group states a node refused (logged; the group starts empty). */
  unloadable: number;
}

export const newNodeStateStats = (): NodeStateStats => ({ saved: 0, oversize: 0, unloadable: 0 });

const sep = "\u0000";

/** Key of the restored map: task, node and group joined by NUL (none of them hold one but group). */
export function nodeMapKey(task: string, node: string, group: string): string {
  return `${task}${sep}${node}${sep}${group}`;
}

export class PartitionNodeStates {
  /** Keys (node NUL group) with a live record in the changelog, per task. */
  private readonly live = new Map<string, Set<string>>();
  /** Changelog keys already logged as over the bound (logged once, counted every time). */
  private readonly warned = new Set<string>();

  constructor(
    private readonly work: PartitionWork,
    /** Restored from the changelog (nodeMapKey → saved data); entries leave as they are loaded. */
    private readonly restored: Map<string, unknown>,
    private readonly logger: EngineLogger,
    private readonly stats: NodeStateStats,
  ) {
    for (const k of restored.keys()) {
      const [task, node, group] = split(k);
      this.liveOf(task).add(`${node}${sep}${group}`);
    }
  }

  /** Seeds a just-started instance of `task` with its restored group states. */
  load(taskId: string, task: Task): void {
    const prefix = `${taskId}${sep}`;
    const byNode = new Map(task.nodes.map((n) => [n.name, n.groupState()]));
    for (const [k, data] of [...this.restored]) {
      if (!k.startsWith(prefix)) continue;
      this.restored.delete(k);
      const [, node, group] = split(k);
      const access = byNode.get(node);
      try {
        if (access === undefined) throw new Error(`the task has no node ${node} keeping state`);
        access.load(group, data);
      } catch (e) {
        this.stats.unloadable++;
        this.logger.log("warn", "cluster: restored node state not loaded; the group starts empty", {
          task: taskId,
          node,
          partition: this.work.input.partition,
          error: coerceError(e).message,
        });
      }
    }
  }

  /** Buffers the changed group states of every instance for the next transaction. */
  checkpoint(instances: Iterable<[string, Task]>): void {
    if (this.work.closed) return;
    for (const [taskId, task] of instances) {
      for (const n of task.nodes) {
        const access = n.groupState();
        if (access === undefined) continue;
        const dirty = access.takeDirty();
        if (dirty.size === 0) continue;
        const live = this.liveOf(taskId);
        for (const group of dirty) {
          const key = nodeStateKey(this.work.input, taskId, n.name, group);
          const data = access.save(group);
          const liveKey = `${n.name}${sep}${group}`;
          let value = data === undefined ? null : encodeNodeState(data);
          if (value !== null && value.length > MAX_NODE_STATE_BYTES) {
            this.stats.oversize++;
            if (!this.warned.has(key) && this.warned.add(key))
              this.logger.log(
                "warn",
                "cluster: node state over the bound not kept; the group would start empty after a failover",
                {
                  task: taskId,
                  node: n.name,
                  bytes: value.length,
                  max: MAX_NODE_STATE_BYTES,
                },
              );
            value = null;
          }
          if (value === null) {
            if (!live.delete(liveKey)) continue;
          } else {
            live.add(liveKey);
            this.stats.saved++;
          }
          this.work.putState(key, value);
        }
      }
    }
  }

  /** Tombstones every group state of a task (deleted or redefined: the new instance starts empty). */
  forget(taskId: string): void {
    const prefix = `${taskId}${sep}`;
    for (const k of [...this.restored.keys()]) if (k.startsWith(prefix)) this.restored.delete(k);
    const live = this.live.get(taskId);
    if (live === undefined) return;
    this.live.delete(taskId);
    if (this.work.closed) return;
    for (const k of live) {
      const [node, group] = [k.slice(0, k.indexOf(sep)), k.slice(k.indexOf(sep) + 1)];
      this.work.putState(nodeStateKey(this.work.input, taskId, node, group), null);
    }
  }

  private liveOf(task: string): Set<string> {
    let s = this.live.get(task);
    if (s === undefined) this.live.set(task, (s = new Set()));
    return s;
  }
}

/** task, node, group of a nodeMapKey (the group is everything after the second NUL). */
function split(k: string): [string, string, string] {
  const i = k.indexOf(sep);
  const j = k.indexOf(sep, i + 1);
  return [k.slice(0, i), k.slice(i + 1, j), k.slice(j + 1)];
}
