import * as pulumi from "@pulumi/pulumi";
import type { BenchmarkResult, BenchmarkSettings } from "../domain/benchmarkSettings";
import { DEFAULT_VERIFICATION, VerificationSettings } from "../domain/verificationSettings";
import type { RocketMQCluster } from "./rocketmqCluster";

/** Arguments of an {@link UpgradeVerification}. */
export interface UpgradeVerificationArgs {
    /** The cluster to verify; every broker must report the cluster's configured version. */
    cluster: RocketMQCluster;
    /** The checks run again whenever this value changes (key it like the backup's trigger). */
    trigger: pulumi.Input<string>;
    /** Thresholds; see VerificationSettings for each one's meaning. */
    settings?: Partial<VerificationSettings>;
    /** Resources the checks must wait for, e.g. the backup or a traffic change. */
    after?: pulumi.Input<pulumi.Resource>[];
    /**
     * Compare a fresh benchmark run with this baseline (UpgradeBackup's
     * `baseline`): TPS may drop and average latency rise by at most
     * `tolerance` (0.3 = 30 %). A negative tolerance demands an improvement.
     */
    baseline?: { result: pulumi.Input<BenchmarkResult | null>; benchmark: BenchmarkSettings; tolerance: number };
    /**
     * A backup whose record of every broker's metadata the cluster must still
     * hold: no topic or group gone, no offset gone back ("" for none).
     */
    metadataRecordDir?: pulumi.Input<string>;
}

/**
 * The seed's §3.3 checks: every broker registered, every broker at the target
 * version, every slave caught up with its master, a real send and consume on
 * every broker group, no consumer group falling behind, and (given a backup)
 * every broker still holding the metadata it recorded. A failed check
 * fails `pulumi up`, naming the check, the broker and the numbers; the full
 * report is written as JSON.
 */
export class UpgradeVerification extends pulumi.ComponentResource {
    /** The JSON report of the last run. */
    public readonly reportFile: pulumi.Output<string>;

    constructor(name: string, args: UpgradeVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:Verification", name, {}, opts);
        const piece = args.cluster.platform.verification(
            `${name}-checks`,
            args.cluster,
            {
                trigger: args.trigger,
                settings: { ...DEFAULT_VERIFICATION, ...args.settings },
                baseline: args.baseline,
                metadataRecordDir: args.metadataRecordDir,
            },
            { parent: this, dependsOn: [args.cluster, ...(args.after ?? [])] },
        );
        this.reportFile = piece.reportFile;
        this.registerOutputs({ reportFile: this.reportFile });
    }
}
