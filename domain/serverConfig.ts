/**
 * The config files of NameServers, Brokers and Proxies, as pure functions of
 * their settings, so that every value that reaches a broker can be unit-tested.
 */
import { compareVersions, mustParseVersion, RocketMQVersion } from "./versions";

const LOOPBACK = "127.0.0.1";

/** `key=value` lines in a stable order, as RocketMQ's -c properties files expect. */
export function toProperties(values: Record<string, string | number | boolean>): string {
    return (
        Object.entries(values)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join("\n") + "\n"
    );
}

/**
 * A properties file as RocketMQ reads it (`key=value`, `key: value` or `key value`; `#` and `!` start comments),
 * e.g. a broker.conf written by hand on a host the tool adopts. A later key wins, as in java.util.Properties.
 */
export function parseProperties(text: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#") || line.startsWith("!")) {
            continue;
        }
        const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
        if (m) {
            values[m[1]] = m[2].trim();
        } else {
            values[line] = "";
        }
    }
    return values;
}

/** 5.x servers can bind to one address; 4.9.x always listens on every interface. */
function bindAddress(version: RocketMQVersion): Record<string, string> {
    return compareVersions(version, mustParseVersion("5.0.0")) >= 0 ? { bindAddress: LOOPBACK } : {};
}

export interface NameServerSettings {
    version: RocketMQVersion;
    port: number;
    /** Listen on every interface (a pod) instead of loopback only (the local platform). */
    bindAll?: boolean;
}

export function nameServerProperties(s: NameServerSettings): string {
    return toProperties({ listenPort: s.port, ...(s.bindAll ? {} : bindAddress(s.version)) });
}

/**
 * Store sizes. Small files keep a laptop-sized cluster cheap; they must be
 * identical on every version a store is opened with, or the broker refuses it.
 */
export interface StoreSizing {
    /** Size of one commit-log file, in bytes (RocketMQ default 1 GiB). */
    commitLogFileBytes: number;
    /** Entries per consume-queue file (each entry is 20 bytes; RocketMQ default 300,000). */
    consumeQueueEntries: number;
    /** Hash slots per index file (RocketMQ default 5,000,000). */
    indexHashSlots: number;
    /** Entries per index file (RocketMQ default 20,000,000). */
    indexEntries: number;
}

/** RocketMQ's own defaults, for production stores. */
export const DEFAULT_STORE: StoreSizing = {
    commitLogFileBytes: 1024 * 1024 * 1024,
    consumeQueueEntries: 300_000,
    indexHashSlots: 5_000_000,
    indexEntries: 20_000_000,
};

export const SMALL_STORE: StoreSizing = {
    commitLogFileBytes: 16 * 1024 * 1024,
    consumeQueueEntries: 30_000,
    indexHashSlots: 50_000,
    indexEntries: 200_000,
};

export interface BrokerSettings {
    version: RocketMQVersion;
    clusterName: string;
    brokerName: string;
    /** 0 for a master, 1.. for slaves. */
    brokerId: number;
    role: "SYNC_MASTER" | "ASYNC_MASTER" | "SLAVE";
    flushDiskType: "SYNC_FLUSH" | "ASYNC_FLUSH";
    nameServers: string[];
    /** The remoting port; the broker also takes port-2 (VIP channel) and haPort. */
    port: number;
    haPort: number;
    storeDir: string;
    store: StoreSizing;
    /**
     * The name clients and slaves reach the broker by (a pod's stable DNS
     * name); the broker then listens on every interface. Default: 127.0.0.1
     * and loopback only.
     */
    advertisedHost?: string;
    /** Off in this project: auto-created topics would span both colours through TBW102. */
    autoCreateTopicEnable: boolean;
    /** Operator-supplied entries, appended after the managed ones (never one of RESERVED_BROKER_KEYS). */
    extra?: Record<string, string | number | boolean>;
}

/** broker.conf keys that this project derives from the topology and never takes from the user. */
export const RESERVED_BROKER_KEYS = [
    "brokerClusterName",
    "brokerName",
    "brokerId",
    "brokerRole",
    "namesrvAddr",
    "listenPort",
    "haListenPort",
    "brokerIP1",
    "brokerIP2",
    "bindAddress",
    "storePathRootDir",
    "storePathCommitLog",
    "mappedFileSizeCommitLog",
    "mappedFileSizeConsumeQueue",
];

export function brokerProperties(s: BrokerSettings): string {
    return toProperties({
        brokerClusterName: s.clusterName,
        brokerName: s.brokerName,
        brokerId: s.brokerId,
        brokerRole: s.role,
        flushDiskType: s.flushDiskType,
        namesrvAddr: s.nameServers.join(";"),
        listenPort: s.port,
        haListenPort: s.haPort,
        brokerIP1: s.advertisedHost ?? LOOPBACK,
        brokerIP2: s.advertisedHost ?? LOOPBACK,
        ...(s.advertisedHost ? {} : bindAddress(s.version)),
        storePathRootDir: s.storeDir,
        storePathCommitLog: `${s.storeDir}/commitlog`,
        mappedFileSizeCommitLog: s.store.commitLogFileBytes,
        mappedFileSizeConsumeQueue: s.store.consumeQueueEntries * 20,
        maxHashSlotNum: s.store.indexHashSlots,
        maxIndexNum: s.store.indexEntries,
        autoCreateTopicEnable: s.autoCreateTopicEnable,
        autoCreateSubscriptionGroup: true,
        // Keep a week of data on disk, as the seed's retention advice does.
        fileReservedTime: 168,
        ...s.extra,
    });
}

export interface ProxySettings {
    clusterName: string;
    nameServers: string[];
    remotingPort: number;
    grpcPort: number;
}

export function proxyJson(s: ProxySettings): string {
    return (
        JSON.stringify(
            {
                rocketMQClusterName: s.clusterName,
                namesrvAddr: s.nameServers.join(";"),
                proxyMode: "cluster",
                remotingListenPort: s.remotingPort,
                grpcServerPort: s.grpcPort,
            },
            null,
            2,
        ) + "\n"
    );
}
