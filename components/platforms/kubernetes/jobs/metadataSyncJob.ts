/**
 * The script of the metadata-sync Job of isolated routing: green is a cluster
 * of its own, so it learns the declared topics and groups from this Job
 * before any weight sends clients to it.
 */
import type { ClusterPlan } from "../../../../domain/clusterPlan";
import { masterAddresses, prelude, registeredChecks, sh } from "./scriptPrelude";

export interface MetadataSyncScriptArgs {
    blue: ClusterPlan;
    green: ClusterPlan;
    /** Declared topics with their queues per master. */
    topics: readonly { name: string; queues: number }[];
    consumerGroups: readonly string[];
    weight: number;
}

/**
 * Isolated routing: green gets every declared topic (read-write: it is a
 * cluster of its own) and group, blue every declared topic; then both are
 * read back from green's routes, and a weight above 0 is refused while any
 * is missing.
 */
export function metadataSyncScript(a: MetadataSyncScriptArgs): string {
    const blueNs = sh(a.blue.nameServerList);
    const greenNs = sh(a.green.nameServerList);
    const create = (plan: ClusterPlan, ns: string) =>
        a.topics.flatMap((t) =>
            masterAddresses(plan).map(
                (addr) =>
                    `admin updateTopic -n ${ns} -b ${sh(addr)} -t ${sh(t.name)} -r ${t.queues} -w ${t.queues} -p 6`,
            ),
        );
    return [
        ...prelude(`metadata sync ${a.blue.clusterName} -> ${a.green.clusterName} (weight ${a.weight})`),
        ...registeredChecks(a.blue, blueNs),
        ...registeredChecks(a.green, greenNs),
        ...create(a.blue, blueNs),
        ...create(a.green, greenNs),
        ...a.consumerGroups.flatMap((g) =>
            masterAddresses(a.green).map(
                (addr) => `admin updateSubGroup -n ${greenNs} -b ${sh(addr)} -g ${sh(g)} > /dev/null`,
            ),
        ),
        ...a.topics.map(
            (t) =>
                `route=$(admin topicRoute -n ${greenNs} -t ${sh(t.name)}); printf '%s\\n' "$route" | grep -qF ${sh(`${a.green.clusterName}-`)} || fail ${sh(
                    `topic ${t.name} is missing on ${a.green.clusterName}; weight ${a.weight} refused`,
                )}`,
        ),
        `say "${a.green.clusterName} holds ${a.topics.length} topics and ${a.consumerGroups.length} groups"`,
        "",
    ].join("\n");
}
