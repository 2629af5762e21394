import * as crypto from "crypto";
import type { ClusterSpec } from "../config";

/**
 * The value backups and verifications are keyed to: it changes exactly when
 * the cluster's version or topology, or the traffic weight, changes. Heap
 * sizes are left out: resizing a JVM is not an upgrade step worth a backup.
 */
export function changeTrigger(spec: ClusterSpec, trafficWeight: number): string {
    const { heap: _heap, ...shape } = spec;
    const canonical = JSON.stringify({ shape: Object.fromEntries(Object.entries(shape).sort()), trafficWeight });
    return crypto.createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}
