/**
 * rocketmq:local:Process, one RocketMQ server (name server, broker or proxy) as a JVM on this machine: the one
 * definition of its inputs and outputs, which the component side (components/platforms/local/processResource.ts)
 * declares and the provider (provider/processHandler.ts) decodes.
 */
import { z } from "zod";
import type { RollReport } from "../domain/rollSettings";
import { groupRole, rollSettings, serverRole } from "./sharedShapes";

export const PROCESS_TYPE = "rocketmq:local:Process";

/** What a broker's turn of the roll needs beyond its own identity. */
export const brokerRollInputs = z.object({
    groupRole: groupRole,
    /** `host:port` of the broker, as its peers and the name servers know it. */
    address: z.string(),
    /** The rest of its group: the master for a slave, the slaves for a master. */
    peers: z.array(z.object({ brokerId: z.number(), address: z.string() })),
    settings: rollSettings,
    /** The pre-roll backup, whose metadata record the turn compares the brokers with ("" for none). */
    baselineDir: z.string().optional(),
});
export type BrokerRollInputs = z.infer<typeof brokerRollInputs>;

export const processInputs = z.object({
    /** Which server this is. */
    role: serverRole,
    /** The RocketMQ release to run; changing it restarts the process in place on the same store. */
    version: z.string(),
    /** The process's own directory (user.home, config, logs, store). Changing it replaces the process. */
    dir: z.string(),
    /** The config file: properties for name servers and brokers, JSON for proxies. */
    config: z.string(),
    /** The port that must accept connections before the process counts as serving. */
    servicePort: z.number(),
    /** JVM heap (and direct memory) in MiB. */
    heapMb: z.number(),
    /** Brokers only: the process serves once these name servers list it under this name and id. */
    registration: z.object({ nameServers: z.string(), brokerName: z.string(), brokerId: z.number() }).optional(),
    /** Keep the process stopped (its directory stays): how a retired colour's servers are held. */
    stopped: z.boolean().optional(),
    /** Brokers of a rolling-strategy cluster: a restart of the running broker is its turn of the roll. */
    roll: brokerRollInputs.optional(),
});
export type ProcessInputs = z.infer<typeof processInputs>;

export interface ProcessOutputs {
    /** The pid of the running JVM (0 after a refresh found it dead). */
    pid: number;
    /** Whether the process was running when last created, updated or refreshed. */
    running: boolean;
    /** The JVM's console output. */
    stdoutLog: string;
    /** RocketMQ's own log files. */
    logDir: string;
    /** Brokers of a rolling cluster: what their last turn of the roll did, step by step. */
    lastRoll?: RollReport;
}
export const PROCESS_OUTPUTS = [
    "pid",
    "running",
    "stdoutLog",
    "logDir",
    "lastRoll",
] as const satisfies readonly (keyof ProcessOutputs)[];
