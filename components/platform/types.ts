/**
 * The boundary between a cluster and where it runs. RocketMQCluster walks its
 * plan and asks the platform for each piece; the local platform answers with
 * JVM processes, the Kubernetes platform (a later issue) with workloads.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../config";
import type { BrokerPlan, ClusterPlan, NameServerPlan, ProxyPlan } from "../plan/clusterPlan";
import type { BenchmarkResult, BenchmarkSettings } from "../../runtime/benchmark";
import type { VerificationSettings } from "../../runtime/verification";

/** What every piece of one cluster shares. */
export interface PieceContext {
    readonly spec: ClusterSpec;
    readonly plan: ClusterPlan;
    /** The component the piece belongs to: every resource is declared with `{parent}` set to it. */
    readonly parent: pulumi.Resource;
    /** Resources the piece must wait for (its `after` names, resolved). */
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
}

export interface BackupOptions {
    trigger: pulumi.Input<string>;
    includeStore: boolean;
    retentionDays: number;
    /** Measure the performance baseline with the backup. */
    benchmark?: BenchmarkSettings;
}

export interface VerificationOptions {
    trigger: pulumi.Input<string>;
    settings: VerificationSettings;
    /** Compare a fresh benchmark with this baseline. */
    baseline?: { result: pulumi.Input<BenchmarkResult | null>; benchmark: BenchmarkSettings; tolerance: number };
}

export interface VerificationPiece {
    readonly resource: pulumi.Resource;
    readonly reportFile: pulumi.Output<string>;
}

export interface ClusterPlatform {
    nameServer(ns: NameServerPlan, ctx: PieceContext): pulumi.Resource;
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
}
