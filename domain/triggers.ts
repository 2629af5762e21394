import * as crypto from "crypto";
import type { ClusterSpec } from "./clusterSpec";

/**
 * The value a cluster's backup and verification are keyed to: it changes
 * exactly when the cluster's version or topology changes. Heap sizes are left
 * out: resizing a JVM is not an upgrade step worth a backup. The traffic
 * weight is left out too: a stage bump must take seconds, and the traffic
 * split snapshots the routes it changes and checks them itself.
 */
export function changeTrigger(spec: ClusterSpec): string {
    const { heap: _heap, ...shape } = spec;
    const canonical = JSON.stringify({ shape: Object.fromEntries(Object.entries(shape).sort()) });
    return crypto.createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}
