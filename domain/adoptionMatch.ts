/**
 * Adoption: matching the brokers the stack config says are running to the processes found on their hosts and to
 * what the name servers report, before the first `up` imports them without a restart. Pure: the hosts' process
 * tables and files, and the cluster listing, are read by the operations and handed in, so every refusal (a broker
 * on no listed host, a process that cannot be identified, a broker.conf that disagrees with the name servers) is
 * decided, and tested, here.
 */
import { posix } from "path";
import type { BrokerPlan, BrokerRole, ClusterPlan, NameServerPlan } from "./clusterPlan";
import { parseProperties } from "./serverConfig";

/**
 * The system property the tool adds when it restarts an adopted broker in its own directory: the broker.conf the
 * operator declared, so the next preview still finds that broker by the path in the stack config.
 */
export const ADOPTED_FROM_PROPERTY = "-Drocketmq-upgrade.adoptedFrom=";

/** A broker as `blue.adopt` declares it. */
export interface DeclaredBroker {
    /** The config key that declares it, for errors: e.g. `rocketmq-upgrade:blue.adopt.brokers[2]`. */
    readonly key: string;
    readonly host: string;
    /** The broker.conf it was started with, absolute on its host. */
    readonly confPath: string;
    /** The release directory it runs from, e.g. /opt/rocketmq (often a link to /opt/rocketmq-4.9.7). */
    readonly releaseDir: string;
}

/** A process seen on a host: its pid, working directory and command line. */
export interface HostProcess {
    readonly pid: number;
    readonly cwd: string;
    readonly argv: readonly string[];
    /** The home directory of the user it runs as: RocketMQ's default store is `<user.home>/store`. */
    readonly home?: string;
}

/** What was read on one host: its processes, and each declared broker.conf (undefined when it could not be read). */
export interface HostObservation {
    readonly processes: readonly HostProcess[];
    readonly files: Readonly<Record<string, string | undefined>>;
    /**
     * Each declared path with its links resolved on the host: a broker started from /opt/rocketmq (a link to
     * /opt/rocketmq-4.9.7) with `-c conf/broker.conf` has the resolved directory as its working directory.
     */
    readonly realPaths?: Readonly<Record<string, string>>;
}

/** A broker as the name servers list it (`clusterList`). */
export interface ReportedBroker {
    readonly cluster: string;
    readonly brokerName: string;
    readonly brokerId: number;
    readonly address: string;
    /** As clusterList prints it, e.g. V4_9_7. */
    readonly version: string;
}

/** One broker the first `up` takes over as it runs. */
export interface AdoptedBroker {
    readonly key: string;
    readonly host: string;
    readonly pid: number;
    readonly confPath: string;
    readonly releaseDir: string;
    /** broker.conf as read from the host, kept in state. */
    readonly conf: Readonly<Record<string, string>>;
    /** The file's text as read, which later restarts start the broker with. */
    readonly confText: string;
    /** Where its store is: the conf's storePathRootDir, else `<user.home>/store` of the process. */
    readonly storeRoot: string;
    readonly clusterName: string;
    readonly brokerName: string;
    readonly brokerId: number;
    readonly address: string;
    readonly version: string;
}

export interface AdoptionResult {
    readonly adopted: AdoptedBroker[];
    /** Each names the broker (its key and host) and what does not match; adoption goes ahead only when empty. */
    readonly problems: string[];
}

const BROKER_MAIN = "org.apache.rocketmq.broker.BrokerStartup";
/** RocketMQ's defaults for the keys a hand-written broker.conf may leave out. */
const CONF_DEFAULTS = { brokerClusterName: "DefaultCluster", brokerId: "0", listenPort: "10911" };

/** The broker.conf a broker process was started with (`-c path`, `-c=path` or `--configFile path`), absolute. */
export function brokerConfOf(p: HostProcess): string | undefined {
    if (!p.argv.includes(BROKER_MAIN)) {
        return undefined;
    }
    for (let i = p.argv.indexOf(BROKER_MAIN) + 1; i < p.argv.length; i++) {
        const arg = p.argv[i];
        const value =
            arg === "-c" || arg === "--configFile"
                ? p.argv[i + 1]
                : arg.startsWith("-c=")
                  ? arg.slice(3)
                  : arg.startsWith("--configFile=")
                    ? arg.slice("--configFile=".length)
                    : undefined;
        if (value !== undefined) {
            return posix.resolve(p.cwd, value);
        }
    }
    return undefined;
}

/**
 * Matches each declared broker to exactly one running broker process on its host (by the broker.conf it was started
 * with) and to exactly one broker the name servers report (by its host's address and the conf's listenPort), and
 * checks that the conf's cluster, broker name and id are what the name servers say. Also refuses a broker of
 * `clusterName` the name servers report but nobody declared: adopting half a cluster would roll the rest blind.
 */
export function matchAdoption(
    declared: readonly DeclaredBroker[],
    hostAddresses: ReadonlyMap<string, string>,
    observed: ReadonlyMap<string, HostObservation>,
    reported: readonly ReportedBroker[],
    clusterName: string,
): AdoptionResult {
    const problems: string[] = [];
    const adopted: AdoptedBroker[] = [];
    const claimedAddresses = new Set<string>();
    const seen = new Map<string, string>();
    for (const d of declared) {
        const where = `${d.key} (${d.host}:${d.confPath})`;
        const earlier = seen.get(`${d.host}\0${d.confPath}`);
        if (earlier !== undefined) {
            problems.push(`${where}: declared twice, also as ${earlier}`);
            continue;
        }
        seen.set(`${d.host}\0${d.confPath}`, d.key);
        const address = hostAddresses.get(d.host);
        if (address === undefined) {
            problems.push(
                `${where}: host "${d.host}" is not listed under hosts (hosts: ${[...hostAddresses.keys()].join(", ") || "none"})`,
            );
            continue;
        }
        const host = observed.get(d.host);
        const brokers = (host?.processes ?? []).flatMap((p) => {
            const conf = brokerConfOf(p);
            return conf === undefined ? [] : [{ p, conf }];
        });
        const declaredConf = host?.realPaths?.[d.confPath] ?? posix.normalize(d.confPath);
        const mine = brokers.filter(
            (b) => b.conf === declaredConf || b.p.argv.includes(`${ADOPTED_FROM_PROPERTY}${d.confPath}`),
        );
        if (mine.length !== 1) {
            const running = brokers.map((b) => `pid ${b.p.pid} with ${b.conf}`).join(", ") || "none";
            problems.push(
                mine.length === 0
                    ? `${where}: no broker process on ${d.host} was started with ${d.confPath} (running brokers there: ${running})`
                    : `${where}: ${mine.length} broker processes on ${d.host} were started with ${d.confPath} (${running}); cannot tell which to adopt`,
            );
            continue;
        }
        const text = host?.files[d.confPath];
        if (text === undefined) {
            problems.push(`${where}: cannot read ${d.confPath} on ${d.host}`);
            continue;
        }
        const conf: Record<string, string> = { ...CONF_DEFAULTS, ...parseProperties(text) };
        const brokerAddress = `${address}:${conf.listenPort}`;
        const listed = reported.filter((r) => r.address === brokerAddress);
        if (listed.length === 0) {
            problems.push(
                `${where}: the name servers list no broker at ${brokerAddress} (its conf's listenPort on ${d.host}); ` +
                    `is it registered with the name servers this stack names?`,
            );
            continue;
        }
        const r = listed[0];
        const mismatches = [
            ["brokerClusterName", conf.brokerClusterName, r.cluster],
            ["brokerName", conf.brokerName ?? "(unset)", r.brokerName],
            ["brokerId", conf.brokerId, String(r.brokerId)],
        ].filter(([, mineValue, theirs]) => mineValue !== theirs);
        if (mismatches.length > 0) {
            problems.push(
                `${where}: broker.conf does not match the name servers for ${brokerAddress}: ` +
                    mismatches.map(([k, a, b]) => `${k} is ${a} in the file, ${b} registered`).join("; "),
            );
            continue;
        }
        if (r.cluster !== clusterName) {
            problems.push(`${where}: it belongs to cluster ${r.cluster}, not ${clusterName}`);
            continue;
        }
        const storeRoot = conf.storePathRootDir ?? homeOf(mine[0].p)?.concat("/store");
        if (storeRoot === undefined) {
            problems.push(
                `${where}: broker.conf sets no storePathRootDir and pid ${mine[0].p.pid}'s home directory is unknown, ` +
                    "so its store cannot be found; set storePathRootDir in the file to the store it uses",
            );
            continue;
        }
        claimedAddresses.add(brokerAddress);
        adopted.push({
            key: d.key,
            host: d.host,
            pid: mine[0].p.pid,
            confPath: d.confPath,
            releaseDir: d.releaseDir,
            conf,
            confText: text,
            storeRoot,
            clusterName: r.cluster,
            brokerName: r.brokerName,
            brokerId: r.brokerId,
            address: brokerAddress,
            version: r.version,
        });
    }
    if (problems.length === 0) {
        for (const r of reported) {
            if (r.cluster === clusterName && !claimedAddresses.has(r.address)) {
                problems.push(
                    `cluster ${clusterName}: the name servers list ${r.brokerName} id ${r.brokerId} at ${r.address}, ` +
                        `which no adopt entry declares; declare every broker of the cluster`,
                );
            }
        }
    }
    return { adopted: problems.length === 0 ? adopted : [], problems };
}

/** The JVM's user.home: its -Duser.home, else the home directory of the user it runs as. */
function homeOf(p: HostProcess): string | undefined {
    const flag = p.argv.find((a) => a.startsWith("-Duser.home="));
    return flag !== undefined ? flag.slice("-Duser.home=".length) : p.home;
}

const NAMESRV_MAIN = "org.apache.rocketmq.namesrv.NamesrvStartup";

/** A name server the first `up` takes over as it runs. */
export interface AdoptedNameServer {
    readonly key: string;
    readonly host: string;
    readonly port: number;
    readonly pid: number;
}

/**
 * Matches each `blue.adopt.nameServers` entry (`address:port`) to the host of that address and to the one name
 * server process running there. `hostNames` are the hosts the placement puts the name servers on, in order: the
 * entries must name the same machines in the same order, at RocketMQ's default port.
 */
export function matchAdoptedNameServers(
    entries: readonly string[],
    hostNames: readonly string[],
    hostAddresses: ReadonlyMap<string, string>,
    observed: ReadonlyMap<string, HostObservation>,
    keyPrefix: string,
    port: number,
): { adopted: AdoptedNameServer[]; problems: string[] } {
    const problems: string[] = [];
    const adopted: AdoptedNameServer[] = [];
    if (entries.length !== hostNames.length) {
        problems.push(
            `${keyPrefix} lists ${entries.length} name server(s) and placement.nameServers ${hostNames.length}: ` +
                "list the same machines in the same order",
        );
    }
    entries.forEach((entry, i) => {
        const key = `${keyPrefix}[${i}] = "${entry}"`;
        const [address, portText] = entry.split(":");
        const host = hostNames[i];
        if (host === undefined) {
            return;
        }
        if (hostAddresses.get(host) !== address || Number(portText) !== port) {
            problems.push(
                `${key}: placement.nameServers[${i}] is host ${host} at ${hostAddresses.get(host) ?? "?"}:${port}; ` +
                    "list the running name servers in placement order, at the port they listen on",
            );
            return;
        }
        const running = (observed.get(host)?.processes ?? []).filter((p) => p.argv.includes(NAMESRV_MAIN));
        if (running.length !== 1) {
            problems.push(
                running.length === 0
                    ? `${key}: no name server process runs on host ${host}`
                    : `${key}: ${running.length} name server processes run on host ${host} ` +
                          `(pids ${running.map((p) => p.pid).join(", ")}); cannot tell which to adopt`,
            );
            return;
        }
        adopted.push({ key, host, port, pid: running[0].pid });
    });
    return { adopted: problems.length === 0 ? adopted : [], problems };
}

/** The resource name of an adopted broker: its cluster, RocketMQ's brokerName and id, e.g. legacy-broker-a-1. */
export function adoptedBrokerProcessName(clusterName: string, b: Pick<AdoptedBroker, "brokerName" | "brokerId">) {
    return `${clusterName}-${b.brokerName}-${b.brokerId}`;
}

/**
 * The cluster's plan as it runs: each adopted broker under its own brokerName and id, at the port its conf names,
 * on its host; masters before their slaves, as the roll and the start order expect. No proxies: a 4.x cluster has
 * none, and one the tool adds would need a host of its own.
 */
export function planAdoptedCluster(
    clusterName: string,
    version: string,
    adopted: readonly AdoptedBroker[],
    nameServers: readonly NameServerPlan[],
): { plan: ClusterPlan; hostOf: Record<string, string> } {
    const nsNames = nameServers.map((n) => n.name);
    const ordered = [...adopted].sort((a, b) =>
        a.brokerName === b.brokerName ? a.brokerId - b.brokerId : a.brokerName < b.brokerName ? -1 : 1,
    );
    const hostOf: Record<string, string> = {};
    const brokers: BrokerPlan[] = ordered.map((b) => {
        const name = adoptedBrokerProcessName(clusterName, b);
        hostOf[name] = b.host;
        const port = Number(b.conf.listenPort);
        const master = adoptedBrokerProcessName(clusterName, { brokerName: b.brokerName, brokerId: 0 });
        return {
            name,
            group: b.brokerName,
            brokerName: b.brokerName,
            brokerId: b.brokerId,
            role: adoptedRole(b),
            port,
            haPort: b.conf.haListenPort !== undefined ? Number(b.conf.haListenPort) : port + 1,
            address: b.address,
            after: b.brokerId === 0 ? nsNames : [...nsNames, master],
        };
    });
    return {
        plan: {
            clusterName,
            version,
            nameServers,
            brokers,
            proxies: [],
            nameServerList: nameServers.map((n) => n.address).join(";"),
        },
        hostOf,
    };
}

/** The role a broker runs in: its conf's brokerRole, else RocketMQ's default for its id. Pure. */
export function adoptedRole(b: AdoptedBroker): BrokerRole {
    const role = b.conf.brokerRole;
    if (role === "SYNC_MASTER" || role === "ASYNC_MASTER" || role === "SLAVE") {
        return role;
    }
    return b.brokerId === 0 ? "ASYNC_MASTER" : "SLAVE";
}

/**
 * The broker.conf an adopted broker is restarted with: the operator's file as read, with its store pinned. A file
 * that leaves storePathRootDir to the default would otherwise follow the tool's user.home to an empty store.
 */
export function adoptedBrokerConfig(b: Pick<AdoptedBroker, "confText" | "conf" | "storeRoot">): string {
    const text = b.confText.endsWith("\n") ? b.confText : `${b.confText}\n`;
    return "storePathRootDir" in parseProperties(b.confText) ? text : `${text}storePathRootDir=${b.storeRoot}\n`;
}
