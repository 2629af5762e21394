import * as pulumi from "@pulumi/pulumi";
import type { BenchmarkResult, BenchmarkSettings } from "../../../operations/benchmark";
import type { S3Target } from "../../../operations/s3Upload";
import type { VerificationSettings, VerifiedBroker } from "../../../operations/verification";

/** Arguments of a {@link ClusterBackup}. */
export interface ClusterBackupArgs {
    /** The RocketMQ version whose mqadmin reads the cluster (the cluster's running version). */
    version: pulumi.Input<string>;
    nameServers: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    /** Every process to back up, with its directory. */
    processes: pulumi.Input<{ name: string; role: "namesrv" | "broker" | "proxy"; dir: string }[]>;
    /** Backups land in `<backupRoot>/<clusterName>/<backupId>/`. */
    backupRoot: pulumi.Input<string>;
    /** Also copy each broker's store. */
    includeStore: pulumi.Input<boolean>;
    /** Backups older than this are pruned when a new one is taken (the newest is always kept). */
    retentionDays: pulumi.Input<number>;
    /** When set, the performance baseline is measured right after the backup and kept in it. */
    benchmark?: pulumi.Input<BenchmarkSettings>;
    /** A new backup is taken whenever this changes. */
    trigger: pulumi.Input<string>;
    /** Upload each backup here once taken. */
    s3?: pulumi.Input<S3Target>;
}

/** A backup of one cluster on this machine, taken by the `rocketmq` provider plugin. */
export class ClusterBackup extends pulumi.CustomResource {
    public readonly backupId!: pulumi.Output<string>;
    public readonly backupDir!: pulumi.Output<string>;
    public readonly fileCount!: pulumi.Output<number>;
    public readonly takenAt!: pulumi.Output<string>;
    /** `s3://...` where the backup was uploaded, "" without an S3 target. */
    public readonly uploadedTo!: pulumi.Output<string>;
    /** The benchmark measured with the backup, or null when none was asked for. */
    public readonly baseline!: pulumi.Output<BenchmarkResult | null>;

    constructor(name: string, args: ClusterBackupArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "rocketmq:local:Backup",
            name,
            {
                ...args,
                backupId: undefined,
                backupDir: undefined,
                fileCount: undefined,
                takenAt: undefined,
                baseline: undefined,
                uploadedTo: undefined,
            },
            opts,
        );
    }
}

/** Arguments of a {@link ClusterVerification}. */
export interface ClusterVerificationArgs {
    /** The version every broker must report. */
    version: pulumi.Input<string>;
    nameServers: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    brokers: pulumi.Input<VerifiedBroker[]>;
    settings: pulumi.Input<VerificationSettings>;
    /** Where each run's JSON report is written. */
    reportDir: pulumi.Input<string>;
    /** The baseline to compare a fresh benchmark run against; no comparison when null. */
    baseline?: pulumi.Input<BenchmarkResult | null>;
    benchmark?: pulumi.Input<BenchmarkSettings>;
    /** Allowed relative drop in TPS and rise in average latency against the baseline. */
    baselineTolerance?: pulumi.Input<number>;
    /** A backup whose broker-metadata record the brokers are compared with ("" for none). */
    metadataRecordDir?: pulumi.Input<string>;
    /** The checks run again whenever this changes. */
    trigger: pulumi.Input<string>;
}

/** The seed's verification checks against one cluster; a failed check fails the update. */
export class ClusterVerification extends pulumi.CustomResource {
    public readonly reportFile!: pulumi.Output<string>;
    public readonly checksPassed!: pulumi.Output<number>;

    constructor(name: string, args: ClusterVerificationArgs, opts?: pulumi.CustomResourceOptions) {
        super("rocketmq:local:Verification", name, { ...args, reportFile: undefined, checksPassed: undefined }, opts);
    }
}
