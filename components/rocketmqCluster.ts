import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../config/stackConfig";
import type { RollSettings } from "../domain/rollSettings";
import type { ClusterPlan } from "../domain/clusterPlan";
import { rollOrder } from "../domain/rollPlan";
import type { NameServerSet } from "./nameServerSet";
import type { ClusterPlatform, PieceContext } from "./platforms/clusterPlatform";

/** Arguments of a {@link RocketMQCluster}. */
export interface RocketMQClusterArgs {
    /**
     * The cluster: version, name, counts of name servers, broker groups,
     * slaves per group and proxies, replication and flush modes, heaps.
     * Usually one colour of the validated stack config.
     */
    spec: ClusterSpec;
    /** Where the cluster runs; the local platform starts JVMs on loopback. */
    platform: ClusterPlatform;
    /** The cluster's topology, planned once by the strategy (planCluster) and shared with the pieces around it. */
    plan: ClusterPlan;
    /** The name servers the cluster's brokers and proxies register with. */
    nameServers: NameServerSet;
    /** Resources every piece waits for before it starts, e.g. the other colour's backup. */
    after?: pulumi.Input<pulumi.Resource>[];
    /**
     * Retire the cluster: once `retired.after` (a drain check) succeeds, stop
     * every process and keep its directory. The cluster stays declared.
     */
    retired?: { after: pulumi.Resource };
    /**
     * The rolling strategy: brokers are declared in the roll's order (every
     * slave, then every master, each after the one before), so a release
     * change restarts one broker at a time in that order, each through its
     * turn of the roll with these limits.
     */
    rolling?: RollSettings;
    /**
     * The backup taken before the roll: each turn compares the brokers'
     * metadata with the record kept there before it takes a broker down.
     */
    rollBaselineDir?: pulumi.Input<string>;
}

/** A broker's address, as clients and mqadmin name it. */
export interface BrokerAddress {
    brokerName: string;
    brokerId: number;
    address: string;
}

/**
 * One RocketMQ cluster: broker groups of one master and N slaves, and (5.1+)
 * proxies, registered with a {@link NameServerSet}. Pieces are started in the
 * seed's order: name servers, then each group's master, then its slaves,
 * then proxies.
 */
export class RocketMQCluster extends pulumi.ComponentResource {
    /** The name-server list, `host:port;host:port`, as clients take it in `namesrvAddr`. */
    public readonly nameServerAddresses: pulumi.Output<string>;
    /** Broker addresses by group letter, master first. */
    public readonly brokers: pulumi.Output<Record<string, BrokerAddress[]>>;
    /** `host:port` of each proxy's gRPC endpoint (5.x clients), empty below 5.1. */
    public readonly proxyEndpoints: pulumi.Output<string[]>;
    public readonly version: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    /** The topology the cluster was built from. */
    public readonly plan: ClusterPlan;
    /** The spec the cluster was built from. */
    public readonly spec: ClusterSpec;
    /** Where the cluster runs; backup and verification ask it for their pieces. */
    public readonly platform: ClusterPlatform;
    /** Whether the cluster is retired: declared, stopped, its stores kept. */
    public readonly retired: boolean;

    constructor(name: string, args: RocketMQClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:Cluster", name, {}, opts);
        this.plan = args.plan;
        this.spec = args.spec;
        this.platform = args.platform;
        const plan = this.plan;

        const byName = new Map<string, pulumi.Resource>();
        args.nameServers.plan.forEach((ns, i) => byName.set(ns.name, args.nameServers.processes[i]));
        const extra = [...(args.after ?? []), ...(args.retired ? [args.retired.after] : [])];
        const ctx = (after: readonly string[]): PieceContext => ({
            spec: args.spec,
            plan,
            parent: this,
            dependsOn: [...after.map((n) => byName.get(n)!), ...extra],
            stopped: args.retired !== undefined,
            roll: args.rolling,
            rollBaselineDir: args.rollBaselineDir,
        });
        const order = args.rolling ? rollOrder(plan) : { brokers: plan.brokers, proxyAfter: undefined };
        for (const b of order.brokers) {
            byName.set(b.name, args.platform.broker(b, ctx(b.after)));
        }
        for (const p of plan.proxies) {
            byName.set(p.name, args.platform.proxy(p, ctx(order.proxyAfter ?? p.after)));
        }

        // Outputs resolve only once every process serves, so dependents wait for the whole cluster.
        const all = [...byName.values()];
        this.retired = args.retired !== undefined;
        const whenReady = <T>(value: T): pulumi.Output<T> =>
            pulumi.all(all.map((r) => (r as pulumi.CustomResource).id)).apply(() => value);
        const brokers: Record<string, BrokerAddress[]> = {};
        for (const b of plan.brokers) {
            (brokers[b.group] ??= []).push({ brokerName: b.brokerName, brokerId: b.brokerId, address: b.address });
        }
        this.nameServerAddresses = whenReady(plan.nameServerList);
        this.brokers = whenReady(brokers);
        this.proxyEndpoints = whenReady(plan.proxies.map((p) => p.grpcAddress));
        this.version = pulumi.output(args.spec.version);
        this.clusterName = pulumi.output(args.spec.clusterName);
        this.registerOutputs({
            nameServerAddresses: this.nameServerAddresses,
            brokers: this.brokers,
            proxyEndpoints: this.proxyEndpoints,
            version: this.version,
            clusterName: this.clusterName,
        });
    }
}

/** One colour's stack outputs, each named after the colour: blueVersion, greenBrokers and so on. */
export function clusterOutputs(
    colour: "blue" | "green",
    cluster: RocketMQCluster,
): Record<string, pulumi.Input<unknown>> {
    return {
        [`${colour}Version`]: cluster.version,
        [`${colour}ClusterName`]: cluster.clusterName,
        [`${colour}Brokers`]: cluster.brokers,
        [`${colour}ProxyEndpoints`]: cluster.proxyEndpoints,
    };
}
