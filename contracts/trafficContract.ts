/**
 * rocketmq:local:Traffic, the weighted split of writes between blue and green on shared name servers, and
 * rocketmq:local:DrainCheck, the gate in front of retiring blue: their inputs and outputs, declared by
 * components/platforms/local/trafficResources.ts, served by provider/trafficHandler.ts, carried out by
 * operations/trafficChange.ts.
 */
import { z } from "zod";
import { colourRef, declaredTopic, strandedSettings, weight } from "./sharedShapes";

export const TRAFFIC_TYPE = "rocketmq:local:Traffic";
export const DRAIN_CHECK_TYPE = "rocketmq:local:DrainCheck";

export const trafficInputs = z.object({
    /** The name servers both colours register with. */
    nameServers: z.string(),
    blue: colourRef,
    green: colourRef,
    /** Percent of write traffic for green: 0 or a canary stage. */
    weight: weight,
    /** The stages the weight walks through, for the step check. */
    canaryStages: z.array(z.number()),
    /** Skip the step check for this update (skipping stages, lowering to a non-zero weight). */
    forceWeightChange: z.boolean(),
    declaredTopics: z.array(declaredTopic),
    consumerGroups: z.array(z.string()),
    orderedCutover: z.number(),
    /** How long producers may keep an old route: an ordered topic's write pause lasts at least this. */
    routeRefreshSeconds: z.number(),
    /** How long to wait for consumers to drain a colour (ordered moves, retirement). */
    drainTimeoutSeconds: z.number(),
    /** Where the routes as they were before each change are written. */
    snapshotDir: z.string(),
    /** Blue is retired (stopped): record it, move nothing. */
    blueRetired: z.boolean(),
});
export type TrafficInputs = z.infer<typeof trafficInputs>;

export interface TrafficOutputs {
    /** Green's share of each topic's writable queues, in percent. */
    effectiveShares: Record<string, number>;
    seededOffsets: number;
    snapshotFile: string;
    /** When the weight was last applied (the start of the current stage's soak). */
    appliedAt: string;
    /** Seconds each ordered topic's writes were paused by this change. */
    orderedPauses: Record<string, number>;
}
export const TRAFFIC_OUTPUTS = [
    "effectiveShares",
    "seededOffsets",
    "snapshotFile",
    "appliedAt",
    "orderedPauses",
] as const satisfies readonly (keyof TrafficOutputs)[];

export const drainCheckInputs = z.object({
    nameServers: z.string(),
    /** The colour about to be retired. */
    blue: colourRef,
    /** How long to wait for consumers (and, when allowed, held messages) before refusing. */
    timeoutSeconds: z.number(),
    /** Isolated routing (blue stays writable): no write may have reached blue for this long. */
    quietSeconds: z.number().optional(),
    /** Whether to wait for scheduled, half and dead-letter messages on blue, and whether dead letters count. */
    stranded: strandedSettings.optional(),
    /** Dead letters that do not hold retirement back are exported into a new directory here before blue goes. */
    deadLetterExportRoot: z.string().optional(),
});
export type DrainCheckInputs = z.infer<typeof drainCheckInputs>;

export interface DrainCheckOutputs {
    /** The consumer groups that were checked. */
    groups: string[];
    drainedAt: string;
    /** Where blue's dead letters were exported ("" when it held none). */
    deadLettersExportedTo: string;
}
export const DRAIN_CHECK_OUTPUTS = [
    "groups",
    "drainedAt",
    "deadLettersExportedTo",
] as const satisfies readonly (keyof DrainCheckOutputs)[];
