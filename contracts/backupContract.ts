/**
 * rocketmq:local:Backup, the seed's pre-change backup of one cluster on this machine: its inputs and outputs,
 * declared by components/platforms/local/operationResources.ts, served by provider/backupHandler.ts.
 */
import { z } from "zod";
import type { BenchmarkResult } from "../domain/benchmarkSettings";
import { hostAccessInputs } from "./hostProcessContract";
import { benchmarkSettings, s3Target, secretText, serverRole } from "./sharedShapes";

export const BACKUP_TYPE = "rocketmq:local:Backup";

/** One process a backup copies. */
export const backupProcess = z.object({
    /** The process's resource name, e.g. blue-broker-a-0. */
    name: z.string(),
    role: serverRole,
    /** The process's directory (config file, store/). */
    dir: z.string(),
    /** Its config file when it is not in `dir` under the role's usual name (an adopted broker's broker.conf). */
    configPath: z.string().optional(),
    /** Its store when it is not `dir`/store (an adopted broker's storePathRootDir). */
    storeDir: z.string().optional(),
    /** The machine holding its files when it is not this one (the hosts platform). */
    host: hostAccessInputs.optional(),
});
export type BackupProcess = z.infer<typeof backupProcess>;

export const backupInputs = z.object({
    /** The RocketMQ version whose mqadmin reads the cluster (the cluster's running version). */
    version: z.string(),
    nameServers: z.string(),
    clusterName: z.string(),
    /** Every process to back up, with its directory. */
    processes: z.array(backupProcess),
    /** Backups land in `<backupRoot>/<clusterName>/<backupId>/`. */
    backupRoot: z.string(),
    /** Also copy each broker's store. */
    includeStore: z.boolean(),
    /** Backups older than this are pruned when a new one is taken (the newest is always kept). */
    retentionDays: z.number(),
    /** When set, the performance baseline is measured right after the backup and kept in it. */
    benchmark: benchmarkSettings.optional(),
    /** A new backup is taken whenever this changes. */
    trigger: z.string(),
    /** Upload each backup here once taken. */
    s3: s3Target.optional(),
    /** The stack's SSH private key (a Pulumi secret), for processes on hosts reached over SSH. */
    privateKey: secretText.optional(),
});
export type BackupInputs = z.infer<typeof backupInputs>;

export interface BackupOutputs {
    backupId: string;
    backupDir: string;
    fileCount: number;
    takenAt: string;
    /** `s3://...` where the backup was uploaded, "" without an S3 target. */
    uploadedTo: string;
    /** The benchmark measured with the backup, or null when none was asked for. */
    baseline: BenchmarkResult | null;
    /** Older backups this one's retention removed. */
    prunedBackups: string[];
    /** Dead letters exported into the backup, and the queues exported only in part. */
    deadLetters: number;
    deadLettersPartial: string[];
}
export const BACKUP_OUTPUTS = [
    "backupId",
    "backupDir",
    "fileCount",
    "takenAt",
    "uploadedTo",
    "baseline",
] as const satisfies readonly (keyof BackupOutputs)[];
