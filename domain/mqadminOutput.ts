/**
 * Reading what `mqadmin` prints: its failure lines (it often exits 0 on failure)
 * and its tables. Pure, so the Kubernetes Job scripts and the local runs read
 * the same way.
 */
/**
 * mqadmin reports many failures on stdout and still exits 0; a line matching
 * one of these (extended regexes, any case) means the command did not do its job.
 */
export const MQADMIN_FAILURE_PATTERNS = [
    "command failed",
    "SubCommandException",
    "MQClientException",
    "connect to .* failed",
];

export function mqadminFailure(output: string): string | undefined {
    for (const pattern of MQADMIN_FAILURE_PATTERNS) {
        const m = new RegExp(`^.*(${pattern}).*$`, "im").exec(output);
        if (m) {
            return m[0].trim();
        }
    }
    return undefined;
}

/** One row of `mqadmin clusterList`. */
export interface ClusterListRow {
    cluster: string;
    brokerName: string;
    brokerId: number;
    address: string;
    /** As printed, e.g. V4_9_7 or V5_5_0; empty while the broker has not reported its runtime info yet. */
    version: string;
}

/** Parses `mqadmin clusterList`: a header row then one row per broker, whitespace separated. */
export function parseClusterList(output: string): ClusterListRow[] {
    const rows: ClusterListRow[] = [];
    for (const line of output.split("\n")) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 5 || line.trim().startsWith("#") || !/^\d+$/.test(cols[2])) {
            continue;
        }
        const version = /^V\d+_\d+_\d+/.test(cols[4]) ? cols[4] : "";
        rows.push({ cluster: cols[0], brokerName: cols[1], brokerId: Number(cols[2]), address: cols[3], version });
    }
    return rows;
}

/** How mqadmin prints a release, e.g. 4.9.7 → V4_9_7. */
export function versionLabel(versionText: string): string {
    return `V${versionText.replace(/\./g, "_")}`;
}

/** Parses `mqadmin brokerStatus` (`key : value` lines) into a map. */
export function parseBrokerStatus(output: string): Record<string, string> {
    const status: Record<string, string> = {};
    for (const line of output.split("\n")) {
        const m = /^\s*([A-Za-z0-9_.]+)\s*:\s*(.*?)\s*$/.exec(line);
        if (m) {
            status[m[1]] = m[2];
        }
    }
    return status;
}

/**
 * brokerName → perm from `topicRoute` output. Not JSON.parse: fastjson writes
 * the brokerAddrs map with bare numeric keys ({0:"host:port"}). Pure.
 */
export function parseQueuePerms(topicRouteOutput: string): Map<string, number> {
    const queueDatas = topicRouteOutput.slice(topicRouteOutput.indexOf('"queueDatas"'));
    const perms = new Map<string, number>();
    for (const entry of queueDatas.match(/\{[^{}]*\}/g) ?? []) {
        const name = /"brokerName"\s*:\s*"([^"]+)"/.exec(entry);
        const perm = /"perm"\s*:\s*(\d+)/.exec(entry);
        if (name && perm) {
            perms.set(name[1], Number(perm[1]));
        }
    }
    return perms;
}
