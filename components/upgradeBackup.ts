import * as pulumi from "@pulumi/pulumi";
import type { BenchmarkResult, BenchmarkSettings } from "../domain/benchmarkSettings";
import type { S3Target } from "../domain/s3Target";
import type { RocketMQCluster } from "./rocketmqCluster";

/** The seed keeps the pre-upgrade backup for 7 days. */
export const DEFAULT_RETENTION_DAYS = 7;

/** Arguments of an {@link UpgradeBackup}. */
export interface UpgradeBackupArgs {
    /** The cluster to back up, at its running version. */
    cluster: RocketMQCluster;
    /**
     * A new backup is taken whenever this value changes. Key it to what is
     * about to change (version, topology, traffic weight), so that a no-change
     * `pulumi up` takes none.
     */
    trigger: pulumi.Input<string>;
    /** Also copy each broker's store (the seed's optional rsync). Default false: stores can be large. */
    includeStore?: boolean;
    /** Days a backup is kept; older ones are pruned when a new one is taken. Default 7. */
    retentionDays?: number;
    /**
     * The seed's performance baseline, measured right after the backup with
     * RocketMQ's benchmark Producer and kept in it as baseline.json. Omit to skip.
     */
    benchmark?: BenchmarkSettings;
    /** Upload each backup, manifest included, here; a failed upload fails the backup and keeps the local copy. */
    s3?: S3Target;
}

/**
 * The seed's §3.1.1 backup: every process's config; clusterList, topicList,
 * consumerProgress and statsAll; exportMetadata/exportConfigs where the
 * version has them; each broker's topics, subscription groups, consumer and
 * delay offsets; optionally the store. Written to a timestamped directory with
 * a manifest of checksums. Put changes after it with `dependsOn`: a failed
 * backup then stops the update before anything changes.
 */
export class UpgradeBackup extends pulumi.ComponentResource {
    /** The backup's directory; `npm run restore -- <dir>` restores from it. */
    public readonly backupDir: pulumi.Output<string>;
    public readonly backupId: pulumi.Output<string>;
    /** `s3://bucket/prefix/cluster/backupId/` once uploaded; "" without an S3 target. */
    public readonly uploadedTo: pulumi.Output<string>;
    /** The baseline measured with the backup (null without `benchmark`); pass it to UpgradeVerification. */
    public readonly baseline: pulumi.Output<BenchmarkResult | null>;

    constructor(name: string, args: UpgradeBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:Backup", name, {}, opts);
        const retentionDays = args.retentionDays ?? DEFAULT_RETENTION_DAYS;
        if (!Number.isInteger(retentionDays) || retentionDays < 1) {
            throw new pulumi.ResourceError(
                `retentionDays = ${retentionDays}: must be a whole number of days, at least 1`,
                this,
            );
        }
        const piece = args.cluster.platform.backup(
            `${name}-backup`,
            args.cluster,
            {
                trigger: args.trigger,
                includeStore: args.includeStore ?? false,
                retentionDays,
                benchmark: args.benchmark,
                s3: args.s3,
            },
            { parent: this, dependsOn: [args.cluster] },
        );
        this.backupDir = piece.backupDir;
        this.backupId = piece.backupId;
        this.uploadedTo = piece.uploadedTo;
        this.baseline = piece.baseline;
        this.registerOutputs({
            backupDir: this.backupDir,
            backupId: this.backupId,
            baseline: this.baseline,
            uploadedTo: this.uploadedTo,
        });
    }
}
