/**
 * Schemas of the domain values several contracts carry. Each is annotated with its domain type, so a field added
 * to the domain without its schema fails to compile.
 */
import { z } from "zod";
import type { BenchmarkResult, BenchmarkSettings } from "../domain/benchmarkSettings";
import type { StrandedSettings } from "../domain/heldMessages";
import type { RollSettings } from "../domain/rollSettings";
import type { S3Target } from "../domain/s3Target";
import type { DeclaredTopic, MasterRef } from "../domain/trafficPlan";
import type { VerificationSettings, VerifiedBroker } from "../domain/verificationSettings";
import { WEIGHT_RANGE } from "../domain/canaryStages";

export const benchmarkSettings: z.ZodType<BenchmarkSettings> = z.object({
    seconds: z.number(),
    threads: z.number(),
    messageBytes: z.number(),
    topic: z.string(),
});

export const benchmarkResult: z.ZodType<BenchmarkResult> = z.object({
    samples: z.number(),
    tps: z.number(),
    avgRtMs: z.number(),
    maxRtMs: z.number(),
    sendFailed: z.number(),
    responseFailed: z.number(),
    firstError: z.string().optional(),
});

export const s3Target: z.ZodType<S3Target> = z.object({
    bucket: z.string(),
    prefix: z.string(),
    region: z.string(),
    endpoint: z.string().optional(),
});

export const strandedSettings: z.ZodType<StrandedSettings> = z.object({
    waitForPending: z.boolean(),
    deadLettersHold: z.boolean(),
});

export const rollSettings: z.ZodType<RollSettings> = z.object({
    maxLagBytes: z.number(),
    catchUpSeconds: z.number(),
    writeStopSeconds: z.number(),
    consumerWaitSeconds: z.number(),
});

export const verificationSettings: z.ZodType<VerificationSettings> = z.object({
    maxReplicationLagBytes: z.number(),
    replicationWaitSeconds: z.number(),
    verifyTopic: z.string(),
    consumerSampleSeconds: z.number(),
    consumerDiffSlack: z.number(),
});

export const verifiedBroker: z.ZodType<VerifiedBroker> = z.object({
    brokerName: z.string(),
    brokerId: z.number(),
    address: z.string(),
});

export const masterRef: z.ZodType<MasterRef> = z.object({ brokerName: z.string(), address: z.string() });

/** One colour as the traffic resources see it: its cluster and its masters. */
export const colourRef = z.object({ clusterName: z.string(), masters: z.array(masterRef) });
export type ColourRef = z.infer<typeof colourRef>;

export const declaredTopic: z.ZodType<DeclaredTopic> = z.object({
    name: z.string(),
    queues: z.number(),
    ordered: z.boolean(),
});

/** Green's share of writes in percent: 0 or a canary stage. */
export const weight = z
    .number()
    .int()
    .min(WEIGHT_RANGE.min, `weight must be an integer from ${WEIGHT_RANGE.min} to ${WEIGHT_RANGE.max}`)
    .max(WEIGHT_RANGE.max, `weight must be an integer from ${WEIGHT_RANGE.min} to ${WEIGHT_RANGE.max}`);

export const serverRole = z.enum(["namesrv", "broker", "proxy"]);
export const groupRole = z.enum(["SYNC_MASTER", "ASYNC_MASTER"]);

/**
 * How the Pulumi engine hands a provider a secret value: an object marked with these two strings (the engine's
 * wire format), so a provider that echoes it back in its outputs keeps it secret in state.
 */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A secret string input: the engine's secret wrapper, or a plain string (a test, or a preview's unwrapped value). */
export const secretText = z.union([
    z.string(),
    z.object({ [SECRET_SIG_KEY]: z.literal(SECRET_SIG), value: z.string() }).transform((wrapped) => wrapped.value),
]);
