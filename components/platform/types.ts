/**
 * The boundary between a cluster and where it runs. RocketMQCluster walks its
 * plan and asks the platform for each piece; the local platform answers with
 * JVM processes, the Kubernetes platform (a later issue) with workloads.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../config";
import type { BrokerPlan, ClusterPlan, NameServerPlan, ProxyPlan } from "../plan/clusterPlan";

/** What every piece of one cluster shares. */
export interface PieceContext {
    readonly spec: ClusterSpec;
    readonly plan: ClusterPlan;
    /** The component the piece belongs to: every resource is declared with `{parent}` set to it. */
    readonly parent: pulumi.Resource;
    /** Resources the piece must wait for (its `after` names, resolved). */
    readonly dependsOn: pulumi.Resource[];
}

export interface ClusterPlatform {
    /** A short name for outputs and errors, e.g. "local". */
    readonly name: string;
    nameServer(ns: NameServerPlan, ctx: PieceContext): pulumi.Resource;
    broker(broker: BrokerPlan, ctx: PieceContext): pulumi.Resource;
    proxy(proxy: ProxyPlan, ctx: PieceContext): pulumi.Resource;
}
