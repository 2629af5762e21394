/**
 * The script of the traffic Job: a blue-green weight applied as write queues
 * on both colours' masters, in an order that never leaves a producer without
 * a writable queue.
 */
import type { ClusterPlan } from "../../../../domain/clusterPlan";
import { PERM_READ_WRITE, type TopicWrite, type TrafficPlan } from "../../../../domain/trafficPlan";
import { masterAddresses, prelude, registeredChecks, sh } from "./scriptPrelude";

/** One topic-config write as `mqadmin updateTopic` on one master. */
function updateTopic(w: TopicWrite, ns: string): string {
    const c = w.config;
    return (
        `admin updateTopic -n ${ns} -b ${sh(w.address)} -t ${sh(c.topicName)} ` +
        `-r ${c.readQueueNums} -w ${c.writeQueueNums} -p ${c.perm} -o ${c.order ? "true" : "false"}`
    );
}

export interface TrafficScriptArgs {
    plan: TrafficPlan;
    weight: number;
    /** Both colours' name servers (shared routing: one list). */
    nameServers: string;
    blue: ClusterPlan;
    green: ClusterPlan;
    consumerGroups: readonly string[];
    /** An ordered topic changing colour waits this long between closing the old colour and opening the new one. */
    orderedPauseSeconds: number;
}

/**
 * The weight as write queues. First green must hold every declared group
 * (else nothing moves); then every write that leaves a colour writable is
 * applied before any that makes one read-only, so a producer always has a
 * writable queue. Ordered topics close, wait out a route refresh, then open.
 */
export function trafficScript(a: TrafficScriptArgs): string {
    const ns = sh(a.nameServers);
    const all = [...a.plan.opens, ...a.plan.closes];
    const keepsWrite = all.filter((w) => w.config.perm === PERM_READ_WRITE);
    const readOnly = all.filter((w) => w.config.perm !== PERM_READ_WRITE);
    const lines = [
        ...prelude(`traffic weight ${a.weight}% to ${a.green.clusterName}`),
        ...registeredChecks(a.blue, ns),
        ...registeredChecks(a.green, ns),
        ...a.consumerGroups.flatMap((g) =>
            masterAddresses(a.green).map(
                (addr) => `admin updateSubGroup -n ${ns} -b ${sh(addr)} -g ${sh(g)} > /dev/null`,
            ),
        ),
        ...keepsWrite.map((w) => updateTopic(w, ns)),
        ...readOnly.map((w) => updateTopic(w, ns)),
    ];
    for (const move of a.plan.orderedMoves) {
        lines.push(
            `say "ordered topic ${move.topic}: closing ${move.from}, then ${a.orderedPauseSeconds} s for producers' routes"`,
            ...move.closes.map((w) => updateTopic(w, ns)),
            `sleep ${a.orderedPauseSeconds}`,
            ...move.opens.map((w) => updateTopic(w, ns)),
        );
    }
    lines.push(`say "weight ${a.weight}% applied to ${a.plan.topics.length} topics"`, "");
    return lines.join("\n");
}
