/**
 * The boundary between a cluster and where it runs. RocketMQCluster walks its
 * plan and asks the platform for each piece; the local platform answers with
 * JVM processes, the Kubernetes platform (a later issue) with workloads.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../../config/stackConfig";
import type { Addressing, BrokerPlan, ClusterPlan, NameServerPlan, ProxyPlan } from "../../domain/clusterPlan";
import type { BenchmarkResult, BenchmarkSettings } from "../../domain/benchmarkSettings";
import type { RollSettings } from "../../domain/rollSettings";
import type { VerificationSettings } from "../../domain/verificationSettings";
import type { StrandedSettings } from "../../domain/heldMessages";
import type { DeclaredTopic } from "../../domain/trafficPlan";
import type { S3Target } from "../../domain/s3Target";

/** What every piece of one cluster shares. */
export interface PieceContext {
    readonly spec: ClusterSpec;
    readonly plan: ClusterPlan;
    /** The component the piece belongs to: every resource is declared with `{parent}` set to it. */
    readonly parent: pulumi.Resource;
    /** Resources the piece must wait for (its `after` names, resolved). */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Keep the piece declared but stopped (a retired colour): its store stays for inspection. */
    readonly stopped: boolean;
    /** Set for a rolling-strategy cluster: a running broker's restart is its turn of the roll. */
    readonly roll?: RollSettings;
    /** With `roll`: the pre-roll backup, whose metadata record each turn compares the brokers with. */
    readonly rollBaselineDir?: pulumi.Input<string>;
}

/** What a name server needs: its set's name, release and heap. */
export interface NameServerContext {
    /** The set it belongs to ("namesrv" for blue's or the shared set): names its directory and runtime. */
    readonly setName: string;
    /** How many name servers the set has (a platform may declare the set as one workload). */
    readonly setSize: number;
    readonly version: string;
    readonly heapMb: number;
    readonly parent: pulumi.Resource;
    readonly dependsOn: pulumi.Resource[];
}

/** A cluster as the backup and verification pieces see it. */
export interface ClusterRef {
    readonly spec: ClusterSpec;
    readonly plan: ClusterPlan;
}

/** What an operation piece (backup, verification) waits for and belongs to. */
export interface OperationContext {
    readonly parent: pulumi.Resource;
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

export interface BackupPiece {
    readonly resource: pulumi.Resource;
    readonly backupId: pulumi.Output<string>;
    readonly backupDir: pulumi.Output<string>;
    readonly baseline: pulumi.Output<BenchmarkResult | null>;
    /** Where the backup was uploaded ("" without an S3 target). */
    readonly uploadedTo: pulumi.Output<string>;
}

export interface BackupOptions {
    trigger: pulumi.Input<string>;
    includeStore: boolean;
    retentionDays: number;
    /** Measure the performance baseline with the backup. */
    benchmark?: BenchmarkSettings;
    /** Upload the backup here once taken; a failed upload fails the backup. */
    s3?: S3Target;
}

export interface VerificationOptions {
    trigger: pulumi.Input<string>;
    settings: VerificationSettings;
    /** Compare a fresh benchmark with this baseline. */
    baseline?: { result: pulumi.Input<BenchmarkResult | null>; benchmark: BenchmarkSettings; tolerance: number };
    /** A backup whose metadata record the brokers are compared with ("" or absent: no comparison). */
    metadataRecordDir?: pulumi.Input<string>;
}

export interface VerificationPiece {
    readonly resource: pulumi.Resource;
    readonly reportFile: pulumi.Output<string>;
}

/** The weighted split between two clusters on shared name servers. */
/** What retiring blue waits for, and for how long. */
export interface RetirementGate {
    /** How long consumers (and, with `stranded.waitForPending`, pending messages) may take before it is refused. */
    timeoutSeconds: number;
    /** Isolated routing (blue stays writable): no write may have reached blue for this long. */
    quietSeconds?: number;
    stranded: StrandedSettings;
}

export interface TrafficOptions {
    weight: number;
    canaryStages: number[];
    forceWeightChange: boolean;
    declaredTopics: DeclaredTopic[];
    consumerGroups: string[];
    orderedCutover: number;
    routeRefreshSeconds: number;
    drainTimeoutSeconds: number;
    /** Blue is retired: the split is final and must not touch blue's (stopped) brokers. */
    blueRetired: boolean;
}

export interface TrafficPiece {
    readonly resource: pulumi.Resource;
    readonly effectiveShares: pulumi.Output<Record<string, number>>;
    readonly orderedPauses: pulumi.Output<Record<string, number>>;
    /** When the weight was last applied (the start of the current stage's soak). */
    readonly appliedAt: pulumi.Output<string>;
}

/** The gate before a rolling upgrade's first broker goes down. */
export interface RollPreflightOptions {
    maxLagBytes: number;
    includeStore: boolean;
    retentionDays: number;
    /** Measure the performance baseline on the release being left. */
    benchmark?: BenchmarkSettings;
}

export interface RollPreflightPiece {
    readonly resource: pulumi.Resource;
    /** The backup taken before the roll ("" when there was nothing to roll). */
    readonly backupDir: pulumi.Output<string>;
    /** The baseline measured on the release being left (null when there was nothing to roll). */
    readonly baseline: pulumi.Output<BenchmarkResult | null>;
}

/** Isolated routing: the address server clients poll for name servers. */
export interface AddressServerOptions {
    port: number;
    blueNameServers: pulumi.Input<string>;
    /** Absent while there is no green: every client gets blue. */
    greenNameServers?: pulumi.Input<string>;
    /** Percent of client instances answered green. */
    weight: number;
    canaryStages: number[];
    forceWeightChange: boolean;
}

export interface AddressServerPiece {
    readonly resource: pulumi.Resource;
    /** What clients set as `rocketmq.namesrv.domain` (host:port). */
    readonly domain: pulumi.Output<string>;
    /** The URL clients poll with the default subgroup. */
    readonly url: pulumi.Output<string>;
    /** When the weight was last applied (the start of the current stage's soak). */
    readonly appliedAt: pulumi.Output<string>;
    /** Each client poll as "time identity colour". */
    readonly clientLog: pulumi.Output<string>;
}

/** What isolated routing's metadata sync copies and for which weight. */
export interface MetadataSyncOptions {
    weight: number;
    declaredTopics: DeclaredTopic[];
    consumerGroups: string[];
    /** Blue is retired: there is nothing left to copy from. */
    blueRetired: boolean;
}

export interface ClusterPlatform {
    /** How clients and brokers reach each planned piece on this platform. */
    readonly addressing: Addressing;
    /**
     * A colour's plan as this platform runs it: unchanged on loopback and Kubernetes; on machines, each broker and
     * proxy at its host's address and ports (the placement was checked at preview, so this does not fail).
     */
    placeCluster(plan: ClusterPlan): ClusterPlan;
    /** A set of name servers as this platform runs them, placed like {@link placeCluster}. */
    placeNameServers(plans: readonly NameServerPlan[], setName: string): readonly NameServerPlan[];
    nameServer(ns: NameServerPlan, ctx: NameServerContext): pulumi.Resource;
    broker(broker: BrokerPlan, ctx: PieceContext): pulumi.Resource;
    proxy(proxy: ProxyPlan, ctx: PieceContext): pulumi.Resource;
    /** The seed's pre-change backup of `cluster`, taken again whenever `trigger` changes. */
    backup(name: string, cluster: ClusterRef, opts: BackupOptions, ctx: OperationContext): BackupPiece;
    /** The seed's verification of `cluster`, run again whenever `trigger` changes. */
    verification(
        name: string,
        cluster: ClusterRef,
        opts: VerificationOptions,
        ctx: OperationContext,
    ): VerificationPiece;
    /** Brings blue's and green's write queues to `opts.weight`; fails, moving nothing, while green lacks anything blue has. */
    traffic(
        name: string,
        blue: ClusterRef,
        green: ClusterRef,
        opts: TrafficOptions,
        ctx: OperationContext,
    ): TrafficPiece;
    /**
     * Succeeds once no consumer group has unconsumed messages on `blue` and, where the platform counts them, no
     * blue master holds scheduled, half or dead-letter messages; fails naming each group, broker, kind and count.
     */
    drainCheck(name: string, blue: ClusterRef, gate: RetirementGate, ctx: OperationContext): pulumi.Resource;
    /** Isolated routing: the address server answering each client blue's or green's name servers by weight. */
    addressServer(name: string, opts: AddressServerOptions, ctx: OperationContext): AddressServerPiece;
    /** Isolated routing: makes green hold every topic and group blue has; fails for a weight above 0 while it cannot. */
    metadataSync(
        name: string,
        blue: ClusterRef,
        green: ClusterRef,
        opts: MetadataSyncOptions,
        ctx: OperationContext,
    ): pulumi.Resource;
    /**
     * Refuses, at preview and before the roll, what would make rolling
     * `cluster` to its spec's release unsafe; then backs it up. Passes without
     * a backup when no broker runs another release.
     */
    rollPreflight(
        name: string,
        cluster: ClusterRef,
        opts: RollPreflightOptions,
        ctx: OperationContext,
    ): RollPreflightPiece;
}
