import * as pulumi from "@pulumi/pulumi";
import type { S3Target } from "../domain/s3Target";
import { clusterBenchmark } from "../domain/benchmarkSettings";
import type { RollSettings } from "../domain/rollSettings";
import { DEFAULT_VERIFICATION, VerificationSettings } from "../domain/verificationSettings";
import { UpgradeBackup } from "./upgradeBackup";
import { clusterOutputs, RocketMQCluster } from "./rocketmqCluster";
import type { ClusterSpec, NameServerSpec } from "../config/stackConfig";
import { NameServerSet } from "./nameServerSet";
import { planCluster } from "../domain/clusterPlan";
import { changeTrigger } from "../domain/triggers";
import type { ClusterPlatform } from "./platforms/clusterPlatform";
import { UpgradeVerification } from "./upgradeVerification";
import { BLUE_GREEN_TYPE, ROLLING_TYPE } from "./strategyTypes";

/** Arguments of a {@link RollingRocketMQ}. */
export interface RollingRocketMQArgs {
    /** Where the cluster runs. */
    platform: ClusterPlatform;
    /** The cluster's name servers; a release change rolls them first, one at a time. */
    nameServer: NameServerSpec;
    /** The cluster; changing its version rolls it in place. */
    cluster: ClusterSpec;
    /** First port of the cluster's range on the platform. */
    basePort: number;
    /** Limits of each broker's turn. */
    roll: RollSettings;
    backup: { includeStore: boolean; retentionDays: number; baselineSeconds: number; s3?: S3Target };
    verification: Omit<VerificationSettings, "verifyTopic"> & { baselineTolerance: number };
}

/**
 * The in-place rolling path for clusters that upgrade without a second
 * cluster. A release change in `cluster.version` rolls, in one `pulumi up`:
 *
 * 1. the name servers, one at a time (each waits for every broker to register again);
 * 2. the preflight gate: refusals read from the live cluster, then a backup
 *    and the baseline on the release being left;
 * 3. every slave, then every master, one broker at a time, each through its
 *    turn of the roll (operations/brokerTurn.ts);
 * 4. proxies (5.1+), then the backup and verification of the rolled cluster
 *    against the pre-roll baseline.
 *
 * A failed step stops the `up` with the cluster serving; the next `up`
 * resumes with the first broker not yet on the target release. Setting the
 * version back rolls back in the same order.
 */
export class RollingRocketMQ extends pulumi.ComponentResource {
    public readonly nameServers: NameServerSet;
    /** The cluster being rolled (the config's `blue`). */
    public readonly blue: RocketMQCluster;
    public readonly blueBackup: UpgradeBackup;
    public readonly blueVerification: UpgradeVerification;
    /** The backup the last roll took before its first broker went down ("" before any roll). */
    public readonly preRollBackupDir: pulumi.Output<string>;

    constructor(name: string, args: RollingRocketMQArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ROLLING_TYPE, name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: BLUE_GREEN_TYPE }] });
        const { platform, cluster: spec } = args;
        const { baselineSeconds, ...backupSettings } = args.backup;
        const { baselineTolerance, ...checkSettings } = args.verification;
        const benchmark = clusterBenchmark(spec.clusterName, baselineSeconds);

        this.nameServers = new NameServerSet("shared", { spec: args.nameServer, platform }, { parent: this });
        const plan = platform.placeCluster(
            planCluster(spec, args.basePort, this.nameServers.plan, platform.addressing),
        );
        // The gate reads the cluster through the name servers only: the brokers wait for it, not it for them.
        const preflight = platform.rollPreflight(
            "blue-roll-preflight",
            { spec, plan },
            { maxLagBytes: args.roll.maxLagBytes, ...backupSettings, benchmark },
            { parent: this, dependsOn: [this.nameServers] },
        );
        this.preRollBackupDir = preflight.backupDir;
        this.blue = new RocketMQCluster(
            "blue",
            {
                spec,
                platform,
                plan,
                nameServers: this.nameServers,
                after: [preflight.resource],
                rolling: args.roll,
                rollBaselineDir: preflight.backupDir,
            },
            { parent: this },
        );
        // The cluster as rolled: what a later rollback restores from if it must.
        this.blueBackup = new UpgradeBackup(
            "blue",
            { cluster: this.blue, trigger: changeTrigger(spec), ...backupSettings, benchmark },
            { parent: this },
        );
        // After a roll the comparison is with the release left behind, not with the rolled cluster's own run.
        const baseline = pulumi
            .all([preflight.baseline, this.blueBackup.baseline])
            .apply(([beforeRoll, current]) => beforeRoll ?? current);
        this.blueVerification = new UpgradeVerification(
            "blue",
            {
                cluster: this.blue,
                trigger: changeTrigger(spec),
                settings: { ...checkSettings, verifyTopic: `${DEFAULT_VERIFICATION.verifyTopic}_${spec.clusterName}` },
                after: [this.blueBackup],
                baseline: benchmark ? { result: baseline, benchmark, tolerance: baselineTolerance } : undefined,
                // What the roll must have kept: the record taken before its first broker went down.
                metadataRecordDir: preflight.backupDir,
            },
            { parent: this },
        );
        this.registerOutputs({ preRollBackupDir: this.preRollBackupDir });
    }

    /** The stack outputs of a rolling upgrade: blue's, and the backup taken before the roll. */
    stackOutputs(): Record<string, pulumi.Input<unknown>> {
        return {
            nameServers: this.nameServers.addresses,
            nameServerVersion: this.nameServers.version,
            ...clusterOutputs("blue", this.blue),
            blueRetired: this.blue.retired,
            blueBackupDir: this.blueBackup.backupDir,
            blueVerificationReport: this.blueVerification.reportFile,
            blueBaseline: this.blueBackup.baseline,
            blueBackupUploadedTo: this.blueBackup.uploadedTo,
            preRollBackupDir: this.preRollBackupDir,
        };
    }
}
