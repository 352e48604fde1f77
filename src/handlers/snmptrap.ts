/**
 * `snmptrap` (TICKscript `.snmpTrap(oid)`): Kapacitor's SNMP trap handler (services/snmptrap).
 * Each event sends one SNMPv2c trap over UDP to `[snmptrap] addr` with `[snmptrap] community`:
 * varbinds sysUpTime.0 = TimeTicks 1000 and snmpTrapOID.0 = the trap OID (as Kapacitor), then
 * one per `data` entry, whose value is a text/template over the alert's template data.
 *
 * Data types as Kapacitor takes them (net-snmp's manual letters): `c` Counter64, `i` Integer,
 * `n` Null, `s` OctetString, `t` TimeTicks. `a d o u x` are refused with Kapacitor's "not
 * supported" text — at define time here, where Kapacitor fails each trap.
 */
import { isIP } from "node:net";

import snmp, { type Session, type Varbind } from "net-snmp";

import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import { compileTemplate, type Template } from "../core/template.js";
import { Level } from "../core/types.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import { argString, schema } from "./options.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import { SerialHandler } from "./runner.js";
import { splitHostPort } from "./tcp.js";
import { eventTemplateData } from "./template-data.js";
import {
  HandlerCodes,
  type HandlerConfig,
  type HandlerContext,
  type HandlerKind,
  type ServiceTestSpec,
} from "./types.js";
import { notEnabled, requireEnabled } from "./disabled.js";

const KIND = "snmptrap";

export interface SnmpData {
  oid: string;
  type: string;
  value: string;
}

export interface SnmpTrapOptions {
  trapOid: string;
  dataList: SnmpData[];
}

const UNSUPPORTED: Readonly<Record<string, string>> = {
  a: "IP address",
  d: "Decimal string",
  o: "Object ID",
  u: "Unsigned integer",
  x: "Hexadecimal string",
};

const OID = /^\.?\d+(\.\d+)*$/;

/** Kapacitor's type check of one data entry; undefined when the type is usable. */
function typeProblem(t: string): string | undefined {
  const name = UNSUPPORTED[t];
  if (name !== undefined) return `Snmptrap Datatype '${name}' not supported`;
  if (!["c", "i", "n", "s", "t"].includes(t)) return `Snmptrap Datatype not known: ${t}`;
  return undefined;
}

export const snmpTrapSchema = schema(KIND, ["trap-oid", "data-list"], (r): SnmpTrapOptions => {
  const trapOid = r.requiredString("trap-oid");
  if (!OID.test(trapOid)) throw r.error("trap-oid", `invalid trap Oid ${JSON.stringify(trapOid)}`);
  const raw = r.value("data-list") ?? [];
  if (!Array.isArray(raw)) throw r.error("data-list", "expected a list of {oid, type, value}");
  const dataList = raw.map((d: unknown, i): SnmpData => {
    const key = `data-list[${i}]`;
    if (typeof d !== "object" || d === null || Array.isArray(d))
      throw r.error(key, "expected {oid, type, value}");
    const { oid, type, value } = d as Record<string, unknown>;
    if (typeof oid !== "string" || !OID.test(oid))
      throw r.error(`${key}.oid`, `invalid data Oid ${JSON.stringify(oid)}`);
    if (typeof type !== "string") throw r.error(`${key}.type`, "expected one of c, i, n, s, t");
    const problem = typeProblem(type);
    if (problem !== undefined) throw r.error(`${key}.type`, problem);
    const v = value === undefined || value === null ? "" : value;
    if (typeof v !== "string") throw r.error(`${key}.value`, "expected a string (a template)");
    try {
      compileTemplate(v, { name: "data" });
    } catch (e) {
      throw r.error(`${key}.value`, coerceError(e).message);
    }
    return { oid, type, value: v };
  });
  return { trapOid, dataList };
});

function intValue(v: string): bigint {
  if (!/^[+-]?\d+$/.test(v.trim()))
    throw new TickdError(HandlerCodes.SEND, `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return BigInt(v.trim());
}

/** Go's wrap-around conversions: int32(x), uint32(x), uint64(x). */
const asInt32 = (x: bigint): number => Number(BigInt.asIntN(32, x));
const asUint32 = (x: bigint): number => Number(BigInt.asUintN(32, x));

/** The varbinds after sysUpTime and snmpTrapOID, values rendered. */
export function dataVarbinds(data: readonly SnmpData[], values: readonly string[]): Varbind[] {
  return data.map((d, i) => {
    const v = values[i] ?? "";
    const oid = d.oid.replace(/^\./, "");
    switch (d.type) {
      case "c": {
        const b = Buffer.alloc(8);
        b.writeBigUInt64BE(BigInt.asUintN(64, intValue(v)));
        return { oid, type: snmp.ObjectType.Counter64, value: b };
      }
      case "i":
        return { oid, type: snmp.ObjectType.Integer, value: asInt32(intValue(v)) };
      case "n":
        return { oid, type: snmp.ObjectType.Null, value: null };
      case "t":
        return { oid, type: snmp.ObjectType.TimeTicks, value: asUint32(intValue(v)) };
      default:
        return { oid, type: snmp.ObjectType.OctetString, value: Buffer.from(v, "utf8") };
    }
  });
}

/** Sends one v2c trap; resolves once the datagram is written. */
export function sendTrap(
  addr: string,
  community: string,
  retries: number,
  trapOid: string,
  varbinds: Varbind[],
): Promise<void> {
  const hp = splitHostPort(addr);
  if (hp === undefined)
    return Promise.reject(new TickdError(HandlerCodes.SEND, `invalid [snmptrap] addr "${addr}"`));
  return new Promise((resolve, reject) => {
    let session: Session;
    try {
      session = snmp.createSession(hp.host, community, {
        version: snmp.Version2c,
        trapPort: hp.port,
        retries,
        transport: isIP(hp.host) === 6 ? "udp6" : "udp4",
      });
    } catch (e) {
      reject(new TickdError(HandlerCodes.SEND, `invalid SNMP configuration: ${coerceError(e).message}`));
      return;
    }
    session.on("error", (e) =>
      reject(new TickdError(HandlerCodes.SEND, `failed to send SNMP trap: ${e.message}`)),
    );
    session.trap(trapOid.replace(/^\./, ""), varbinds, { upTime: 1000 }, (error) => {
      session.close();
      if (error !== null)
        reject(
          new TickdError(HandlerCodes.SEND, `failed to send SNMP trap: ${error.message}`, { cause: error }),
        );
      else resolve();
    });
  });
}

export function createSnmpTrap(o: SnmpTrapOptions, ctx: HandlerContext): SerialHandler {
  const templates: Template[] = o.dataList.map((d) => compileTemplate(d.value, { name: "data" }));
  return new SerialHandler(ctx, KIND, async (event: AlertEvent) => {
    const c = ctx.config.snmptrap;
    if (c === undefined || !c.enabled) throw notEnabled();
    const td = eventTemplateData(event);
    const values = templates.map((t) => t.execute(td));
    await sendTrap(c.addr, c.community, c.retries, o.trapOid, dataVarbinds(o.dataList, values));
  });
}

function snmpTrapFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const oid = argString(spec.args[0]);
  if (oid !== undefined) out["trap-oid"] = oid;
  const dataList: SnmpData[] = [];
  for (const p of spec.properties) {
    if (p.name !== "data") continue;
    dataList.push({
      oid: argString(p.args[0]) ?? "",
      type: argString(p.args[1]) ?? "",
      value: argString(p.args[2]) ?? "",
    });
  }
  if (dataList.length > 0) out["data-list"] = dataList;
  return out;
}

function snmpTrapPreflight(_o: SnmpTrapOptions, config: HandlerConfig): void {
  requireEnabled(
    config.snmptrap?.enabled === true,
    "snmptrap",
    "set [snmptrap] enabled = true and addr in the config",
  );
}

/** Kapacitor's `snmptrap` service test: one trap with the given OID and data. */
const snmptrapServiceTest: ServiceTestSpec = {
  name: "snmptrap",
  options: () => ({
    "trap-oid": "1.1.1.1",
    "data-list": [{ oid: "1.1.1.1.2", type: "s", value: "test snmptrap message" }],
  }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("snmptrap", raw);
    return {
      handlerOptions: { "trap-oid": o.string("trap-oid"), "data-list": raw["data-list"] ?? [] },
      event: testEvent({ id: "snmptrap-service-test", message: "", level: Level.CRITICAL, timeMs: nowMs }),
    };
  },
};

export const snmptrap: HandlerKind<SnmpTrapOptions> = {
  kind: KIND,
  optionsSchema: snmpTrapSchema,
  create: createSnmpTrap,
  fromTickscript: snmpTrapFromTickscript,
  secrets: [],
  preflight: snmpTrapPreflight,
  serviceTest: snmptrapServiceTest,
};
