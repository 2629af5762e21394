/**
 * rocketmq:local:RollPreflight, the gate in front of a rolling upgrade or rollback: its inputs and outputs,
 * declared by components/platforms/local/rollPreflightResource.ts, served by provider/rollPreflightHandler.ts.
 */
import { z } from "zod";
import type { BenchmarkResult } from "../domain/benchmarkSettings";
import { backupProcess } from "./backupContract";
import { hostAccessInputs } from "./hostProcessContract";
import { benchmarkSettings, groupRole, secretText } from "./sharedShapes";

export const ROLL_PREFLIGHT_TYPE = "rocketmq:local:RollPreflight";

/** A broker the preflight reads, and whose store a backup may copy. */
export const preflightBroker = z.object({
    /** The Process resource's name, e.g. blue-broker-a-0. */
    name: z.string(),
    brokerName: z.string(),
    brokerId: z.number(),
    address: z.string(),
    /** Its directory on this machine (store under store/). */
    dir: z.string(),
});
export type PreflightBroker = z.infer<typeof preflightBroker>;

export const rollPreflightInputs = z.object({
    nameServers: z.string(),
    clusterName: z.string(),
    /** The release every broker runs after the roll. */
    targetVersion: z.string(),
    groupRole: groupRole,
    /** A master whose slave is further behind than this is not taken down. */
    maxLagBytes: z.number(),
    brokers: z.array(preflightBroker),
    /** Everything a backup copies: name servers and brokers, with their directories. */
    processes: z.array(backupProcess),
    backupRoot: z.string(),
    includeStore: z.boolean(),
    retentionDays: z.number(),
    /** Measure the performance baseline on the release being left, before the first broker goes down. */
    benchmark: benchmarkSettings.optional(),
    /** Filled in by check: "brokerName/brokerId" → the release it reports, for brokers not on targetVersion. */
    offTarget: z.record(z.string(), z.string()).optional(),
    /** The machines the cluster's brokers and proxies run on: the target release is staged on each before the roll. */
    releaseHosts: z.array(z.object({ host: hostAccessInputs, releaseRoot: z.string() })),
    /** The stack's SSH private key (a Pulumi secret), for processes on hosts reached over SSH. */
    privateKey: secretText.optional(),
});
export type RollPreflightInputs = z.infer<typeof rollPreflightInputs>;

export interface RollPreflightOutputs {
    /** "brokerName/brokerId" → the release each broker reported when the roll was checked (empty: nothing to roll). */
    offTarget: Record<string, string>;
    /** The backup taken before the roll ("" when there was nothing to roll). */
    backupDir: string;
    /** The baseline measured on the release being left, or null. */
    baseline: BenchmarkResult | null;
}
export const ROLL_PREFLIGHT_OUTPUTS = [
    "offTarget",
    "backupDir",
    "baseline",
] as const satisfies readonly (keyof RollPreflightOutputs)[];
