/**
 * One RocketMQ cluster as the stack config declares it (blue, the running one, or green, the target). The config
 * schema (config/stackConfig.ts) parses stack config into exactly this shape, defaults filled in; the plans take
 * it from there.
 */
export interface ClusterSpec {
    /** A released version of the 4.9.x or 5.x line. */
    version: string;
    clusterName: string;
    brokerGroups: number;
    slavesPerGroup: number;
    /** Defaults to 1 on 5.1+ and 0 below (see proxyCount). */
    proxies?: number;
    /** The first of the ports this cluster uses on the local platform; defaults differ per colour. */
    basePort?: number;
    brokerRole: "SYNC_MASTER" | "ASYNC_MASTER";
    flushDiskType: "SYNC_FLUSH" | "ASYNC_FLUSH";
    /** Heap sizes in MiB. */
    heap: { brokerMb: number; proxyMb: number };
    /** Extra broker.conf entries; the keys this program manages are refused. */
    brokerConfig: Record<string, string | number | boolean>;
}
