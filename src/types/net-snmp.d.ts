// net-snmp ships no types: the small part tickd uses (SNMP v2c traps).
declare module "net-snmp" {
  export const Version2c: number;
  export const ObjectType: {
    readonly Integer: number;
    readonly OctetString: number;
    readonly Null: number;
    readonly OID: number;
    readonly TimeTicks: number;
    readonly Counter64: number;
  };
  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }
  export interface SessionOptions {
    version?: number;
    port?: number;
    trapPort?: number;
    retries?: number;
    timeout?: number;
    transport?: "udp4" | "udp6";
  }
  export interface TrapOptions {
    upTime?: number;
    agentAddr?: string;
  }
  export interface Session {
    trap(
      typeOrOid: string,
      varbinds: Varbind[],
      options: TrapOptions,
      callback: (error: Error | null) => void,
    ): Session;
    close(): Session;
    on(event: "error", listener: (e: Error) => void): Session;
  }
  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  const snmp: {
    Version2c: typeof Version2c;
    ObjectType: typeof ObjectType;
    createSession: typeof createSession;
  };
  export default snmp;
}
