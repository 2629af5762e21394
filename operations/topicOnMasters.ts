/**
 * A topic the tool itself writes to (verification's round trips, the performance baseline) on every master of a
 * cluster, created where missing and waited for until the name servers route it: a producer that asks for the route
 * before a broker has registered the new topic fails its first sends.
 */
import type { AdminApi, TopicConfigData } from "../domain/rocketmqAdmin";

export type TopicAdmin = Pick<AdminApi, "route" | "putTopic">;

/** A master the topic must be on: its broker group and the address it is written at. */
export interface TopicMaster {
    brokerName: string;
    address: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each broker group's perm for `topic` in the name servers' route; empty when there is no route. */
export async function routePerms(admin: TopicAdmin, topic: string): Promise<Map<string, number>> {
    return new Map(((await admin.route(topic)) ?? []).map((q) => [q.brokerName, q.perm]));
}

/**
 * Creates `config` on each master the route lacks, never rewriting one it has (a topic someone made read-only must
 * fail whatever uses it, not be fixed by it), then waits up to 10 s for the route to list every master. Returns the
 * route's perms as last read; a master still missing from them is the caller's to report.
 */
export async function topicOnMasters(
    admin: TopicAdmin,
    masters: readonly TopicMaster[],
    config: TopicConfigData,
): Promise<Map<string, number>> {
    let perms = await routePerms(admin, config.topicName);
    const missing = masters.filter((m) => !perms.has(m.brokerName));
    for (const m of missing) {
        await admin.putTopic(m.address, config);
    }
    for (let i = 0; i < 20 && missing.some((m) => !perms.has(m.brokerName)); i++) {
        // The broker registers a new topic with the name servers on its own; the route follows within moments.
        await sleep(i === 0 ? 0 : 500);
        perms = await routePerms(admin, config.topicName);
    }
    return perms;
}
