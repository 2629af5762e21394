/**
 * The topology of one RocketMQ cluster as data: every process, its name,
 * ports, broker identity and what it must wait for. Pure, so the seed's
 * ordering rules (name servers, then masters, then their slaves, then proxies)
 * are unit-tested without Pulumi.
 */
import type { ClusterSpec } from "./clusterSpec";
import { hasProxy, mustParseVersion } from "./versions";

/** Ports one cluster may use, counted from its base port. */
export const PORT_SPAN = 140;
const BROKER_PORT_OFFSET = 10;
/** A broker binds port-2 (VIP channel), port and port+1 (HA): four apart leaves a gap. */
const BROKER_PORT_STRIDE = 4;
const PROXY_PORT_OFFSET = 120;

export interface NameServerPlan {
    readonly name: string;
    readonly port: number;
    readonly address: string;
}

export type BrokerRole = "SYNC_MASTER" | "ASYNC_MASTER" | "SLAVE";

export interface BrokerPlan {
    /** The resource name, unique on the machine, e.g. blue-broker-a-0. */
    readonly name: string;
    /** The broker group's letter: a, b, c... */
    readonly group: string;
    /** RocketMQ's brokerName, shared by a master and its slaves; unique across colours because cluster names are. */
    readonly brokerName: string;
    /** 0 for the master, 1.. for slaves. */
    readonly brokerId: number;
    readonly role: BrokerRole;
    readonly port: number;
    readonly haPort: number;
    readonly address: string;
    /** Resource names this broker must wait for. */
    readonly after: readonly string[];
}

export interface ProxyPlan {
    readonly name: string;
    readonly remotingPort: number;
    readonly grpcPort: number;
    /** `host:port` that 5.x gRPC clients dial. */
    readonly grpcAddress: string;
    readonly after: readonly string[];
}

export interface ClusterPlan {
    readonly clusterName: string;
    readonly version: string;
    /** The name servers the cluster registers with: shared, not the cluster's own processes. */
    readonly nameServers: readonly NameServerPlan[];
    /** Masters and slaves, in start order: each group's master before its slaves. */
    readonly brokers: readonly BrokerPlan[];
    readonly proxies: readonly ProxyPlan[];
    /** `host:port;host:port`, as RocketMQ clients and brokers take it. */
    readonly nameServerList: string;
}

/**
 * Where a planned piece is reached: loopback ports on the local platform,
 * stable DNS names on Kubernetes. Each returns `host:port`.
 */
export interface Addressing {
    nameServer(setName: string, index: number, port: number): string;
    broker(clusterName: string, brokerProcessName: string, port: number): string;
    proxy(clusterName: string, index: number, grpcPort: number): string;
}

/** Every piece on 127.0.0.1 at its planned port (the local platform). */
export const LOOPBACK: Addressing = {
    nameServer: (_set, _i, port) => `127.0.0.1:${port}`,
    broker: (_cluster, _name, port) => `127.0.0.1:${port}`,
    proxy: (_cluster, _i, port) => `127.0.0.1:${port}`,
};

/** The letter of broker group `i`: a, b, ... */
export function groupLetter(i: number): string {
    return String.fromCharCode("a".charCodeAt(0) + i);
}

/** How many proxies the spec asks for, with the version's default when it does not say. */
export function proxyCount(spec: ClusterSpec): number {
    return spec.proxies ?? (hasProxy(mustParseVersion(spec.version)) ? 1 : 0);
}

/** Why a spec cannot be planned, or undefined. Config validation and the component both use it. */
export function clusterSpecProblem(spec: ClusterSpec): string | undefined {
    if (proxyCount(spec) > 0 && !hasProxy(mustParseVersion(spec.version))) {
        return `proxies = ${proxyCount(spec)}: the RocketMQ Proxy needs version 5.1 or newer, and this cluster runs ${spec.version}; set proxies to 0`;
    }
    return undefined;
}

/**
 * The name servers clusters register with: `count` of them on consecutive
 * ports from `basePort`. Their names carry no colour, so they outlive the
 * colour that first used them when green becomes the new blue.
 */
export function planNameServers(
    count: number,
    basePort: number,
    setName = "namesrv",
    addressing: Addressing = LOOPBACK,
): NameServerPlan[] {
    return Array.from({ length: count }, (_, i) => ({
        name: `${setName}-${i}`,
        port: basePort + i,
        address: addressing.nameServer(setName, i, basePort + i),
    }));
}

/**
 * Plans the cluster described by `spec` on ports [basePort, basePort +
 * PORT_SPAN), registering with `nameServers`.
 */
export function planCluster(
    spec: ClusterSpec,
    basePort: number,
    nameServers: readonly NameServerPlan[],
    addressing: Addressing = LOOPBACK,
): ClusterPlan {
    const problem = clusterSpecProblem(spec);
    if (problem) {
        throw new Error(`cluster ${spec.clusterName}: ${problem}`);
    }
    if (nameServers.length === 0) {
        throw new Error(`cluster ${spec.clusterName}: needs at least one name server`);
    }
    const c = spec.clusterName;
    const nsNames = nameServers.map((n) => n.name);

    const brokers: BrokerPlan[] = [];
    for (let g = 0; g < spec.brokerGroups; g++) {
        const group = groupLetter(g);
        const masterName = `${c}-broker-${group}-0`;
        for (let id = 0; id <= spec.slavesPerGroup; id++) {
            const port = basePort + BROKER_PORT_OFFSET + 2 + brokers.length * BROKER_PORT_STRIDE;
            const name = `${c}-broker-${group}-${id}`;
            brokers.push({
                name,
                group,
                brokerName: `${c}-${group}`,
                brokerId: id,
                role: id === 0 ? spec.brokerRole : "SLAVE",
                port,
                haPort: port + 1,
                address: addressing.broker(c, name, port),
                // The seed's order: a slave starts after its master, which starts after the name servers.
                after: id === 0 ? nsNames : [...nsNames, masterName],
            });
        }
    }
    const masters = brokers.filter((b) => b.brokerId === 0).map((b) => b.name);
    const proxies: ProxyPlan[] = Array.from({ length: proxyCount(spec) }, (_, i) => ({
        name: `${c}-proxy-${i}`,
        remotingPort: basePort + PROXY_PORT_OFFSET + 2 * i,
        grpcPort: basePort + PROXY_PORT_OFFSET + 2 * i + 1,
        grpcAddress: addressing.proxy(c, i, basePort + PROXY_PORT_OFFSET + 2 * i + 1),
        // A proxy creates its system topics on the cluster at startup: it needs registered masters.
        after: [...nsNames, ...masters],
    }));
    return {
        clusterName: c,
        version: spec.version,
        nameServers,
        brokers,
        proxies,
        nameServerList: nameServers.map((n) => n.address).join(";"),
    };
}

/** Every port the plan's own processes use (not the name servers'), for collision checks. */
export function portsOf(plan: ClusterPlan): number[] {
    return [
        ...plan.brokers.flatMap((b) => [b.port - 2, b.port, b.haPort]),
        ...plan.proxies.flatMap((p) => [p.remotingPort, p.grpcPort]),
    ];
}
