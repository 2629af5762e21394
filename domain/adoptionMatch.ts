/**
 * Adoption: matching the brokers the stack config says are running to the processes found on their hosts and to
 * what the name servers report, before the first `up` imports them without a restart. Pure: the hosts' process
 * tables and files, and the cluster listing, are read by the operations and handed in, so every refusal (a broker
 * on no listed host, a process that cannot be identified, a broker.conf that disagrees with the name servers) is
 * decided, and tested, here.
 */
import { posix } from "path";
import { parseProperties } from "./serverConfig";

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
        const mine = brokers.filter((b) => b.conf === declaredConf);
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
        claimedAddresses.add(brokerAddress);
        adopted.push({
            key: d.key,
            host: d.host,
            pid: mine[0].p.pid,
            confPath: d.confPath,
            releaseDir: d.releaseDir,
            conf,
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
