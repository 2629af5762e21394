import * as pulumi from "@pulumi/pulumi";
import type { S3Target } from "../domain/s3Target";
import { BenchmarkSettings, clusterBenchmark } from "../domain/benchmarkSettings";
import { DEFAULT_VERIFICATION, VerificationSettings } from "../domain/verificationSettings";
import { UpgradeBackup } from "./upgradeBackup";
import { clusterOutputs, RocketMQCluster } from "./rocketmqCluster";
import type { ClusterSpec, NameServerSpec } from "../config/stackConfig";
import { NameServerSet } from "./nameServerSet";
import { planCluster } from "../domain/clusterPlan";
import { changeTrigger } from "../domain/triggers";
import type { DeclaredTopic } from "../domain/trafficPlan";
import type { AddressServerPiece, ClusterPlatform } from "./platforms/clusterPlatform";
import { DEFAULT_STRANDED_SETTINGS, StrandedSettings } from "../domain/heldMessages";
import { UpgradeVerification } from "./upgradeVerification";
import { BLUE_GREEN_TYPE, ROLLING_TYPE } from "./strategyTypes";

/** Arguments of a {@link BlueGreenRocketMQ}. */
export interface BlueGreenRocketMQArgs {
    /** Where both colours run. */
    platform: ClusterPlatform;
    /** The name servers both colours register with; a release change upgrades them in place, one at a time. */
    nameServer: NameServerSpec;
    /** The running cluster. */
    blue: ClusterSpec;
    /** The target cluster; absent when no upgrade is under way. */
    green?: ClusterSpec;
    /** First port of each colour's range on the platform. */
    basePorts: { blue: number; green: number };
    /** Percent of write traffic for green: 0 or a canary stage. */
    trafficWeight: number;
    canaryStages: number[];
    /** Let this update skip stages or lower the weight to a non-zero stage. */
    forceWeightChange?: boolean;
    /** Topics managed on both colours (every topic blue has is copied to green anyway). */
    topics: DeclaredTopic[];
    /** Consumer groups created on both colours. */
    consumerGroups: string[];
    /** The stage at which ordered topics move to green, whole. */
    orderedCutover: number;
    /** Stop blue's brokers once no consumer group has anything left to read on them (needs weight 100). */
    retireBlue: boolean;
    backup: { includeStore: boolean; retentionDays: number; baselineSeconds: number; s3?: S3Target };
    verification: Omit<VerificationSettings, "verifyTopic"> & { baselineTolerance: number };
    /** How long clients may keep a route: RocketMQ clients poll every 30 s. An ordered move's write pause waits this out. */
    routeRefreshSeconds?: number;
    /** How long a drain (ordered move, retirement) may take before it is refused. */
    drainTimeoutSeconds?: number;
    /** How retirement treats scheduled, half and dead-letter messages still on blue (default: refuse; letters hold). */
    retirement?: StrandedSettings;
    /**
     * Isolated routing: blue keeps `nameServer` to itself, green gets its own
     * name servers, and clients learn theirs from an address server that
     * answers `trafficWeight` percent of client instances green. Absent:
     * shared routing.
     */
    isolated?: IsolatedRoutingArgs;
}

/** The pieces of isolated routing. */
export interface IsolatedRoutingArgs {
    /** Green's own name servers (their release is green's). */
    greenNameServer: NameServerSpec;
    /** Where the address server listens; retiring blue also waits until no write reached it for `quietSeconds`. */
    addressServer: { port: number; quietSeconds: number };
}

/**
 * Blue-green on shared name servers, the default upgrade path. Both colours
 * register with one {@link NameServerSet}; the traffic weight moves topics'
 * write queues from blue to green, so producers follow at their next route
 * refresh and consumers read both colours without any change.
 *
 * Order of a `pulumi up`: name servers (in place, one at a time) → blue →
 * blue's backup and verification → green → green's verification on its own
 * topic, against blue's baseline → the traffic split. With `retireBlue`, a
 * drain check gates stopping blue's brokers.
 *
 * With `isolated`, each colour has its own name servers and the weight is
 * the share of client instances the address server sends to green; the
 * metadata sync (green made to hold blue's topics and groups) takes the
 * traffic split's place in front of it.
 */
export class BlueGreenRocketMQ extends pulumi.ComponentResource {
    /** The shared name servers, or blue's own with isolated routing. */
    public readonly nameServers: NameServerSet;
    /** Green's own name servers (isolated routing with a green). */
    public readonly greenNameServers?: NameServerSet;
    /** The address server clients poll (isolated routing). */
    public readonly addressServer?: AddressServerPiece;
    public readonly blue: RocketMQCluster;
    public readonly green?: RocketMQCluster;
    public readonly blueBackup: UpgradeBackup;
    public readonly blueVerification: UpgradeVerification;
    public readonly greenVerification?: UpgradeVerification;
    /** Green's share of each topic's writable queues, in percent (empty without green). */
    public readonly effectiveShares: pulumi.Output<Record<string, number>>;
    /** Seconds each ordered topic's writes were paused by the last change. */
    public readonly orderedPauses: pulumi.Output<Record<string, number>>;
    /** When the current weight was applied ("" without green): the start of the stage's soak. */
    public readonly trafficAppliedAt: pulumi.Output<string>;

    constructor(name: string, args: BlueGreenRocketMQArgs, opts?: pulumi.ComponentResourceOptions) {
        super(BLUE_GREEN_TYPE, name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), { type: ROLLING_TYPE }] });
        const { platform } = args;
        const routeRefreshSeconds = args.routeRefreshSeconds ?? 35;
        const drainTimeoutSeconds = args.drainTimeoutSeconds ?? 180;
        const { baselineSeconds, ...backupSettings } = args.backup;
        const { baselineTolerance, ...checkSettings } = args.verification;
        const benchmarkFor = (spec: ClusterSpec): BenchmarkSettings | undefined =>
            clusterBenchmark(spec.clusterName, baselineSeconds);

        const { isolated } = args;
        this.nameServers = new NameServerSet(
            isolated ? "blue" : "shared",
            { spec: args.nameServer, platform },
            { parent: this },
        );
        if (isolated && args.green) {
            this.greenNameServers = new NameServerSet(
                "green",
                { spec: isolated.greenNameServer, platform, setName: "green-namesrv" },
                { parent: this },
            );
        }

        // Planned once: the drain check and the metadata sync read blue through this plan without waiting for its processes.
        const bluePlan = platform.placeCluster(
            planCluster(args.blue, args.basePorts.blue, this.nameServers.plan, platform.addressing),
        );
        // The gate reads blue through the name servers only: it must not wait for blue's own processes, which wait for it.
        const drain =
            args.retireBlue && args.green
                ? platform.drainCheck(
                      "blue-drained",
                      { spec: args.blue, plan: bluePlan },
                      {
                          timeoutSeconds: drainTimeoutSeconds,
                          quietSeconds: isolated?.addressServer.quietSeconds,
                          stranded: args.retirement ?? DEFAULT_STRANDED_SETTINGS,
                      },
                      { parent: this, dependsOn: [this.nameServers] },
                  )
                : undefined;
        this.blue = new RocketMQCluster(
            "blue",
            {
                spec: args.blue,
                platform,
                plan: bluePlan,
                nameServers: this.nameServers,
                retired: drain ? { after: drain } : undefined,
            },
            { parent: this },
        );
        const blueBenchmark = benchmarkFor(args.blue);
        this.blueBackup = new UpgradeBackup(
            "blue",
            {
                cluster: this.blue,
                trigger: changeTrigger(args.blue),
                ...backupSettings,
                benchmark: blueBenchmark,
            },
            { parent: this },
        );
        const verifySettings = (spec: ClusterSpec): VerificationSettings => ({
            ...checkSettings,
            verifyTopic: `${DEFAULT_VERIFICATION.verifyTopic}_${spec.clusterName}`,
        });
        this.blueVerification = new UpgradeVerification(
            "blue",
            {
                cluster: this.blue,
                trigger: changeTrigger(args.blue),
                settings: verifySettings(args.blue),
                after: [this.blueBackup],
                metadataRecordDir: this.blueBackup.backupDir,
                baseline: blueBenchmark
                    ? { result: this.blueBackup.baseline, benchmark: blueBenchmark, tolerance: baselineTolerance }
                    : undefined,
            },
            { parent: this },
        );

        if (!args.green) {
            this.addressServer = isolated
                ? platform.addressServer(
                      "address-server",
                      {
                          port: isolated.addressServer.port,
                          blueNameServers: this.nameServers.addresses,
                          weight: 0,
                          canaryStages: args.canaryStages,
                          forceWeightChange: false,
                      },
                      { parent: this, dependsOn: [this.nameServers] },
                  )
                : undefined;
            this.effectiveShares = pulumi.output<Record<string, number>>({});
            this.orderedPauses = pulumi.output<Record<string, number>>({});
            this.trafficAppliedAt = this.addressServer?.appliedAt ?? pulumi.output("");
            this.registerOutputs({ effectiveShares: this.effectiveShares, trafficAppliedAt: this.trafficAppliedAt });
            return;
        }
        // Nothing of green starts before blue is backed up.
        this.green = new RocketMQCluster(
            "green",
            {
                spec: args.green,
                platform,
                plan: platform.placeCluster(
                    planCluster(
                        args.green,
                        args.basePorts.green,
                        (this.greenNameServers ?? this.nameServers).plan,
                        platform.addressing,
                    ),
                ),
                nameServers: this.greenNameServers ?? this.nameServers,
                after: [this.blueBackup],
            },
            { parent: this },
        );
        const greenBenchmark = benchmarkFor(args.green);
        this.greenVerification = new UpgradeVerification(
            "green",
            {
                cluster: this.green,
                trigger: changeTrigger(args.green),
                settings: verifySettings(args.green),
                baseline: greenBenchmark
                    ? { result: this.blueBackup.baseline, benchmark: greenBenchmark, tolerance: baselineTolerance }
                    : undefined,
            },
            { parent: this },
        );
        // Green takes traffic only once it passed verification on its own and blue is backed up.
        const gates = [this.blueBackup, this.blueVerification, this.greenVerification];
        if (isolated) {
            const sync = platform.metadataSync(
                "metadata-sync",
                { spec: args.blue, plan: bluePlan },
                { spec: args.green, plan: this.green.plan },
                {
                    weight: args.trafficWeight,
                    declaredTopics: args.topics,
                    consumerGroups: args.consumerGroups,
                    blueRetired: drain !== undefined,
                },
                { parent: this, dependsOn: gates },
            );
            this.addressServer = platform.addressServer(
                "address-server",
                {
                    port: isolated.addressServer.port,
                    blueNameServers: this.nameServers.addresses,
                    greenNameServers: this.greenNameServers!.addresses,
                    weight: args.trafficWeight,
                    canaryStages: args.canaryStages,
                    forceWeightChange: args.forceWeightChange ?? false,
                },
                { parent: this, dependsOn: [sync] },
            );
            this.effectiveShares = pulumi.output<Record<string, number>>({});
            this.orderedPauses = pulumi.output<Record<string, number>>({});
            this.trafficAppliedAt = this.addressServer.appliedAt;
            this.registerOutputs({ trafficAppliedAt: this.trafficAppliedAt, addressServer: this.addressServer.url });
            return;
        }
        const traffic = platform.traffic(
            "traffic",
            this.blue,
            this.green,
            {
                weight: args.trafficWeight,
                canaryStages: args.canaryStages,
                forceWeightChange: args.forceWeightChange ?? false,
                declaredTopics: args.topics,
                consumerGroups: args.consumerGroups,
                orderedCutover: args.orderedCutover,
                routeRefreshSeconds,
                drainTimeoutSeconds,
                blueRetired: drain !== undefined,
            },
            { parent: this, dependsOn: gates },
        );
        this.effectiveShares = traffic.effectiveShares;
        this.orderedPauses = traffic.orderedPauses;
        this.trafficAppliedAt = traffic.appliedAt;
        this.registerOutputs({
            effectiveShares: this.effectiveShares,
            orderedPauses: this.orderedPauses,
            trafficAppliedAt: this.trafficAppliedAt,
        });
    }

    /**
     * The stack outputs this rollout has: blue's always, green's once there is a green, the address server's with
     * isolated routing. A value the stack does not have is left out rather than exported as undefined.
     */
    stackOutputs(): Record<string, pulumi.Input<unknown>> {
        const { blue, green } = this;
        return {
            nameServers: this.nameServers.addresses,
            nameServerVersion: this.nameServers.version,
            ...clusterOutputs("blue", blue),
            blueRetired: blue.retired,
            blueBackupDir: this.blueBackup.backupDir,
            blueVerificationReport: this.blueVerification.reportFile,
            blueBaseline: this.blueBackup.baseline,
            blueBackupUploadedTo: this.blueBackup.uploadedTo,
            ...(this.greenNameServers ? { greenNameServers: this.greenNameServers.addresses } : {}),
            ...(this.addressServer
                ? {
                      addressServerDomain: this.addressServer.domain,
                      addressServerUrl: this.addressServer.url,
                      addressServerClientLog: this.addressServer.clientLog,
                  }
                : {}),
            ...(green ? clusterOutputs("green", green) : {}),
            ...(this.greenVerification ? { greenVerificationReport: this.greenVerification.reportFile } : {}),
            effectiveShares: this.effectiveShares,
            orderedPauses: this.orderedPauses,
            trafficAppliedAt: this.trafficAppliedAt,
        };
    }
}
