/**
 * Where each process of a cluster runs when the cluster lives on machines (platform "hosts"): every name server,
 * broker and proxy on a named host, at the ports RocketMQ uses by default, as on the runbook's VMs. Pure, so the
 * refusals (an unknown host, a broker with no host, a group's master and slave on one machine, two processes on
 * one port) are decided and tested before anything is touched.
 */
import type { BrokerPlan, ClusterPlan, NameServerPlan, ProxyPlan } from "./clusterPlan";

/** One machine, as the stack config describes it. */
export interface HostSpec {
    /** The name the placement refers to, e.g. "vm1". */
    readonly name: string;
    /** The address clients, brokers and SSH reach it at. */
    readonly address: string;
    /** Runs without SSH, as the operator's own machine (the embedded local stack is one such host). */
    readonly local: boolean;
    readonly sshPort: number;
    readonly user: string;
    /** Release directories live here, one per version: `<releaseRoot>/rocketmq-<version>`, copied once per host. */
    readonly releaseRoot: string;
    /** Each process's store and logs live under `<dataRoot>/<process name>`. */
    readonly dataRoot: string;
}

/** RocketMQ's own default ports: a host running one of each needs no port settings at all. */
export const HOST_DEFAULT_PORTS = {
    nameServer: 9876,
    /** listenPort; the broker also binds listenPort-2 (VIP channel) and listenPort+1 (HA). */
    broker: 10911,
    proxyRemoting: 8080,
    proxyGrpc: 8081,
};
/** A second broker on a host sits this far above the first: its VIP, listen and HA ports stay clear. */
export const HOST_BROKER_PORT_STRIDE = 100;

/** One colour's placement, as the stack config gives it. */
export interface ColourPlacement {
    /** The host of each broker, keyed `<group>-<brokerId>`: "a-0" is group a's master, "a-1" its first slave. */
    readonly brokers: Readonly<Record<string, string>>;
    /** The host of each proxy, in order. */
    readonly proxies: readonly string[];
    /** The first broker of this colour on a host listens here; a colour sharing hosts with the other needs its own. */
    readonly brokerPort: number;
    /** The proxy's remoting port; its gRPC port is the next one. */
    readonly proxyPort: number;
}

/** Which host each process of a plan runs on, by process name. */
export type HostOf = Readonly<Record<string, string>>;

export interface Placed<T> {
    readonly value?: T;
    /** Each names the config key, the value and what is allowed. Empty when `value` is set. */
    readonly problems: string[];
}

/** A broker's key in a placement: its group letter and broker id, "a-0". */
export function placementKey(b: Pick<BrokerPlan, "group" | "brokerId">): string {
    return `${b.group}-${b.brokerId}`;
}

/** The refusal of a host name the hosts list does not have: none, or one. */
function unknownHost(key: string, host: string, hosts: ReadonlyMap<string, HostSpec>): string[] {
    return hosts.has(host)
        ? []
        : [`${key} = "${host}": no host of that name (hosts: ${[...hosts.keys()].join(", ") || "none"})`];
}

/** The name servers, one per listed host, at the default port (the next ones up when a host takes several). */
export function placeNameServers(
    hostNames: readonly string[],
    hosts: ReadonlyMap<string, HostSpec>,
    key: string,
    setName = "namesrv",
    port = HOST_DEFAULT_PORTS.nameServer,
): Placed<{ nameServers: NameServerPlan[]; hostOf: HostOf }> {
    const problems = hostNames.flatMap((h, i) => unknownHost(`${key}[${i}]`, h, hosts));
    if (hostNames.length === 0) {
        problems.push(`${key} = []: list at least one host for the name servers`);
    }
    if (problems.length > 0) {
        return { problems };
    }
    const perHost = new Map<string, number>();
    const hostOf: Record<string, string> = {};
    const nameServers = hostNames.map((h, i) => {
        const n = perHost.get(h) ?? 0;
        perHost.set(h, n + 1);
        const name = `${setName}-${i}`;
        hostOf[name] = h;
        return { name, port: port + n, address: `${hosts.get(h)!.address}:${port + n}` };
    });
    return { value: { nameServers, hostOf }, problems: [] };
}

/**
 * The plan with each broker and proxy on its host, at the colour's ports, and the hosts by process name. Refuses a
 * broker with no host, a key that names no broker, an unknown host, a group's master and a slave on one host (one
 * machine's failure would take both copies), and a proxy count that does not match.
 */
export function placeCluster(
    plan: ClusterPlan,
    placement: ColourPlacement,
    hosts: ReadonlyMap<string, HostSpec>,
    key: string,
): Placed<{ plan: ClusterPlan; hostOf: HostOf }> {
    const problems: string[] = [];
    const planned = new Set(plan.brokers.map(placementKey));
    for (const b of plan.brokers) {
        const host = placement.brokers[placementKey(b)];
        if (host === undefined) {
            problems.push(
                `${key}.brokers: broker ${placementKey(b)} (${b.name}) has no host; add "${placementKey(b)}": "<host>"`,
            );
        } else {
            problems.push(...unknownHost(`${key}.brokers.${placementKey(b)}`, host, hosts));
        }
    }
    for (const k of Object.keys(placement.brokers)) {
        if (!planned.has(k)) {
            problems.push(
                `${key}.brokers.${k}: the cluster has no broker ${k} (its brokers: ${[...planned].join(", ")})`,
            );
        }
    }
    const groups = new Map<string, BrokerPlan[]>();
    for (const b of plan.brokers) {
        groups.set(b.group, [...(groups.get(b.group) ?? []), b]);
    }
    for (const members of groups.values()) {
        const byHost = new Map<string, string[]>();
        for (const b of members) {
            const h = placement.brokers[placementKey(b)];
            if (h !== undefined) {
                byHost.set(h, [...(byHost.get(h) ?? []), placementKey(b)]);
            }
        }
        for (const [h, keys] of byHost) {
            if (keys.length > 1) {
                problems.push(
                    `${key}.brokers: ${keys.join(" and ")} are all on host ${h}: a group's master and slaves must ` +
                        `be on different hosts, or one machine's failure takes every copy of their messages`,
                );
            }
        }
    }
    if (placement.proxies.length !== plan.proxies.length) {
        problems.push(
            `${key}.proxies: lists ${placement.proxies.length} host(s) for ${plan.proxies.length} prox${plan.proxies.length === 1 ? "y" : "ies"}; list one host per proxy`,
        );
    }
    placement.proxies.forEach((h, i) => problems.push(...unknownHost(`${key}.proxies[${i}]`, h, hosts)));
    if (problems.length > 0) {
        return { problems };
    }

    const hostOf: Record<string, string> = {};
    const brokersOnHost = new Map<string, number>();
    const brokers: BrokerPlan[] = plan.brokers.map((b) => {
        const h = placement.brokers[placementKey(b)];
        const n = brokersOnHost.get(h) ?? 0;
        brokersOnHost.set(h, n + 1);
        const port = placement.brokerPort + n * HOST_BROKER_PORT_STRIDE;
        hostOf[b.name] = h;
        return { ...b, port, haPort: port + 1, address: `${hosts.get(h)!.address}:${port}` };
    });
    const proxiesOnHost = new Map<string, number>();
    const proxies: ProxyPlan[] = plan.proxies.map((p, i) => {
        const h = placement.proxies[i];
        const n = proxiesOnHost.get(h) ?? 0;
        proxiesOnHost.set(h, n + 1);
        const remotingPort = placement.proxyPort + 2 * n;
        hostOf[p.name] = h;
        return {
            ...p,
            remotingPort,
            grpcPort: remotingPort + 1,
            grpcAddress: `${hosts.get(h)!.address}:${remotingPort + 1}`,
        };
    });
    return { value: { plan: { ...plan, brokers, proxies }, hostOf }, problems: [] };
}

/** Every port a placed process binds, to find two processes on one host's port. */
function portsOfProcess(name: string, plans: readonly ClusterPlan[], nameServers: readonly NameServerPlan[]): number[] {
    const ns = nameServers.find((n) => n.name === name);
    if (ns) {
        return [ns.port];
    }
    for (const plan of plans) {
        const b = plan.brokers.find((x) => x.name === name);
        if (b) {
            return [b.port - 2, b.port, b.haPort];
        }
        const p = plan.proxies.find((x) => x.name === name);
        if (p) {
            return [p.remotingPort, p.grpcPort];
        }
    }
    return [];
}

/**
 * Two processes of the stack (name servers, either colour) that would bind one port on one host, each named. The
 * colours share hosts only when their broker and proxy ports keep them apart.
 */
export function hostPortCollisions(
    plans: readonly ClusterPlan[],
    nameServers: readonly NameServerPlan[],
    hostOf: HostOf,
): string[] {
    const taken = new Map<string, string>();
    const problems: string[] = [];
    for (const [name, host] of Object.entries(hostOf)) {
        for (const port of portsOfProcess(name, plans, nameServers)) {
            const slot = `${host}:${port}`;
            const holder = taken.get(slot);
            if (holder !== undefined && holder !== name) {
                problems.push(
                    `host ${host}: ${holder} and ${name} would both bind port ${port}; give one colour its own ` +
                        `brokerPort or proxyPort, or another host`,
                );
            } else {
                taken.set(slot, name);
            }
        }
    }
    return problems;
}

/**
 * The directories of one process the tool starts on its host: the shared release it runs, the link naming its
 * active release, and its own store and logs. The runbook's single `/opt/rocketmq` link assumes one broker per
 * machine; with both colours on one host (4.9.7 and 5.5.0 side by side), each process needs its own link.
 */
export function processPaths(
    host: HostSpec,
    processName: string,
    version: string,
): { release: string; active: string; store: string; logs: string } {
    const data = processDir(host, processName);
    return {
        release: `${host.releaseRoot.replace(/\/+$/, "")}/rocketmq-${version}`,
        active: `${data}/rocketmq`,
        store: `${data}/store`,
        logs: `${data}/logs`,
    };
}

/** A process's own directory on its host: its config, store, logs and pid file. */
export function processDir(host: Pick<HostSpec, "dataRoot">, processName: string): string {
    return `${host.dataRoot.replace(/\/+$/, "")}/${processName}`;
}
