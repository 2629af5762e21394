import * as pulumi from "@pulumi/pulumi";
import type { BackupProcess } from "../../../operations/backup";
import type { BenchmarkResult, BenchmarkSettings } from "../../../operations/benchmark";
import type { PreflightBroker } from "../../../operations/rollPreflight";

/** Arguments of a {@link RollPreflight}. */
export interface RollPreflightArgs {
    nameServers: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    /** The release every broker runs after the roll. */
    targetVersion: pulumi.Input<string>;
    groupRole: pulumi.Input<"SYNC_MASTER" | "ASYNC_MASTER">;
    /** A master whose slave is further behind than this is not taken down. */
    maxLagBytes: pulumi.Input<number>;
    brokers: pulumi.Input<PreflightBroker[]>;
    /** What the backup copies: name servers and brokers, with their directories. */
    processes: pulumi.Input<BackupProcess[]>;
    backupRoot: pulumi.Input<string>;
    includeStore: pulumi.Input<boolean>;
    retentionDays: pulumi.Input<number>;
    /** Measure the performance baseline on the release being left. */
    benchmark?: pulumi.Input<BenchmarkSettings>;
}

/**
 * The gate in front of a rolling upgrade or rollback: refusals read from the
 * live cluster (at preview too), then a backup, before the first broker goes
 * down. Served by the `rocketmq` provider plugin.
 */
export class RollPreflight extends pulumi.CustomResource {
    /** "brokerName/brokerId" → the release each broker reported when the roll was checked (empty: nothing to roll). */
    public readonly offTarget!: pulumi.Output<Record<string, string>>;
    /** The backup taken before the roll ("" when there was nothing to roll). */
    public readonly backupDir!: pulumi.Output<string>;
    /** The baseline measured on the release being left, or null. */
    public readonly baseline!: pulumi.Output<BenchmarkResult | null>;

    constructor(name: string, args: RollPreflightArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "rocketmq:local:RollPreflight",
            name,
            { ...args, offTarget: undefined, backupDir: undefined, baseline: undefined },
            opts,
        );
    }
}
