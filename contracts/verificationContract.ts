/**
 * rocketmq:local:Verification, the seed's checks against one cluster: its inputs and outputs, declared by
 * components/platforms/local/operationResources.ts, served by provider/verificationHandler.ts.
 */
import { z } from "zod";
import { benchmarkResult, benchmarkSettings, verificationSettings, verifiedBroker } from "./sharedShapes";

export const VERIFICATION_TYPE = "rocketmq:local:Verification";

export const verificationInputs = z.object({
    /** The version every broker must report. */
    version: z.string(),
    nameServers: z.string(),
    clusterName: z.string(),
    brokers: z.array(verifiedBroker),
    settings: verificationSettings,
    /** Where each run's JSON report is written. */
    reportDir: z.string(),
    /** The baseline to compare a fresh benchmark run against; no comparison when null. */
    baseline: benchmarkResult.nullable().optional(),
    benchmark: benchmarkSettings.optional(),
    /** Allowed relative drop in TPS and rise in average latency against the baseline. */
    baselineTolerance: z.number().optional(),
    /** A backup whose broker-metadata record the brokers are compared with ("" for none). */
    metadataRecordDir: z.string().optional(),
    /** The checks run again whenever this changes. */
    trigger: z.string(),
});
export type VerificationInputs = z.infer<typeof verificationInputs>;

export interface VerificationOutputs {
    reportFile: string;
    checksPassed: number;
}
export const VERIFICATION_OUTPUTS = [
    "reportFile",
    "checksPassed",
] as const satisfies readonly (keyof VerificationOutputs)[];
