/**
 * Inhibition (Kapacitor's alert.Inhibitor): an alert node with `.inhibit(cat, tags…)`
 * registers, per group, an inhibitor holding `cat` and that group's values of `tags`. It is
 * active while the group's last triggered level is not OK. An event from a node with
 * `.category(cat)` whose tags carry those values is then dropped before any topic (and
 * counted), but its point still goes downstream. The registry is shared by all tasks.
 */
import type { Tags } from "../core/types.js";

export class Inhibitor {
  active = false;
  constructor(
    readonly category: string,
    readonly tags: Readonly<Tags>,
  ) {}

  matches(tags: Tags): boolean {
    for (const k in this.tags) if (tags[k] !== this.tags[k]) return false;
    return true;
  }
}

export class InhibitorRegistry {
  private readonly byCategory = new Map<string, Inhibitor[]>();

  add(inh: Inhibitor): void {
    const list = this.byCategory.get(inh.category);
    if (list === undefined) this.byCategory.set(inh.category, [inh]);
    else list.push(inh);
  }

  remove(inh: Inhibitor): void {
    const list = this.byCategory.get(inh.category);
    if (list === undefined) return;
    const i = list.indexOf(inh);
    if (i >= 0) list.splice(i, 1);
  }

  isInhibited(category: string, tags: Tags): boolean {
    const list = this.byCategory.get(category);
    if (list === undefined) return false;
    for (const inh of list) if (inh.active && inh.matches(tags)) return true;
    return false;
  }
}
