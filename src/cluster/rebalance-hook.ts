/**
 * A "before this member rejoins its group" hook for kafkajs, which has no
 * onPartitionsRevoked (tulios/kafkajs#916): a member learns of a rebalance when a heartbeat
 * or fetch fails, stops its fetchers (waiting for the batch handlers in progress) and calls
 * `ConsumerGroup#joinAndSync`. With the classic (eager) protocol every partition is revoked
 * at that point, and the new owners start from the committed offsets only once every member
 * has rejoined — so work finished before the rejoin and committed then is not done twice.
 *
 * The hook wraps `joinAndSync` on kafkajs' ConsumerGroup prototype once per process (kafkajs
 * 2.2.x, the version tickd pins) and awaits the hooks registered for that group id first. If
 * the prototype is not where 2.2.x has it, nothing is patched and {@link beforeRejoin} answers
 * false: a rebalance then only costs duplicates of the records in flight (same event id).
 */
import { createRequire } from "node:module";

type Hook = () => Promise<void>;

const hooks = new Map<string, Set<Hook>>();
let installed: boolean | undefined;

interface ConsumerGroupProto {
  joinAndSync(this: { groupId: string }, ...args: unknown[]): Promise<unknown>;
}

function install(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  try {
    const require = createRequire(import.meta.url);
    const ConsumerGroup = require("kafkajs/src/consumer/consumerGroup.js") as {
      prototype?: Partial<ConsumerGroupProto>;
    };
    const proto = ConsumerGroup.prototype;
    const original = proto?.joinAndSync;
    if (proto === undefined || typeof original !== "function") return false;
    proto.joinAndSync = async function (this: { groupId: string }, ...args: unknown[]) {
      const registered = hooks.get(this.groupId);
      // A hook never stops the rejoin: its failure only means duplicates.
      if (registered !== undefined) await Promise.all([...registered].map((h) => h().catch(() => undefined)));
      return original.apply(this, args);
    };
    installed = true;
  } catch {
    installed = false;
  }
  return installed;
}

/**
 * Runs `hook` before every (re)join of group `groupId` by a kafkajs consumer of this process.
 * Returns an unregister function, and whether the hook could be installed at all.
 */
export function beforeRejoin(groupId: string, hook: Hook): { installed: boolean; remove(): void } {
  const ok = install();
  let set = hooks.get(groupId);
  if (set === undefined) hooks.set(groupId, (set = new Set()));
  set.add(hook);
  return {
    installed: ok,
    remove() {
      set.delete(hook);
      if (set.size === 0) hooks.delete(groupId);
    },
  };
}
