/**
 * rocketmq:local:Traffic: the weighted split of write traffic between blue
 * and green on shared name servers (operations/trafficChange.ts does the work).
 *
 * - check refuses, at preview, a weight that skips a canary stage or goes
 *   down to anything but 0, unless `forceWeightChange` is set;
 * - create/update bring the brokers to the weight and fail, moving nothing,
 *   while green lacks a topic or group blue has;
 * - diff also reads the brokers, so drift (a topic created on blue since,
 *   a permission changed by hand) shows in preview and `up` repairs it;
 * - once blue is retired (`blueRetired`), it records that and touches no broker;
 * - delete gives blue back all its write queues when blue still answers,
 *   so abandoning an upgrade never leaves blue with fewer writable queues.
 *
 * rocketmq:local:DrainCheck: the gate in front of retiring blue; create
 * fails, naming each group and its lag, while any consumer group has
 * unconsumed messages on blue. With `quietSeconds` (isolated routing, where
 * blue stays writable) it also waits until no write reached blue for that
 * long.
 */
import { withAdminSession } from "../operations/adminSession";
import { DEFAULT_STRANDED_SETTINGS, StrandedSettings } from "../operations/strandedMessages";
import { applyTraffic, checkDrained, ColourRef, TrafficRequest, trafficInPlace } from "../operations/trafficChange";
import { weightChangeProblem } from "../domain/canaryStages";
import { changedKeys, ResourceHandler } from "./resourceHandler";

export const TRAFFIC_TYPE = "rocketmq:local:Traffic";
export const DRAIN_CHECK_TYPE = "rocketmq:local:DrainCheck";

const TRAFFIC_KEYS = [
    "nameServers",
    "weight",
    "blue",
    "green",
    "declaredTopics",
    "consumerGroups",
    "orderedCutover",
    "routeRefreshSeconds",
    "drainTimeoutSeconds",
    "snapshotDir",
];

function requestOf(inputs: Record<string, unknown>): TrafficRequest {
    return inputs as unknown as TrafficRequest;
}

/** Input problems, each naming the property. Pure. */
export function trafficInputFailures(news: Record<string, unknown>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const w = news.weight;
    if (typeof w !== "number" || !Number.isInteger(w) || w < 0 || w > 100) {
        failures.push({ property: "weight", reason: `weight must be an integer from 0 to 100, got ${String(w)}` });
    }
    for (const colour of ["blue", "green"]) {
        const ref = news[colour] as ColourRef | undefined;
        if (!ref || !Array.isArray(ref.masters) || ref.masters.length === 0) {
            failures.push({ property: colour, reason: `${colour} needs at least one master` });
        }
    }
    return failures;
}

async function apply(inputs: Record<string, unknown>, progress: (m: string) => void) {
    const req = requestOf(inputs);
    const result = await withAdminSession(String(inputs.nameServers), progress, (s) => applyTraffic(s, req, progress));
    return { ...inputs, ...result, appliedAt: new Date().toISOString() };
}

export const trafficHandler: ResourceHandler = {
    async check(_ctx, news, olds) {
        const failures = trafficInputFailures(news);
        const from = typeof olds.weight === "number" ? olds.weight : undefined;
        const stages = Array.isArray(news.canaryStages) ? (news.canaryStages as number[]) : [];
        const problem = weightChangeProblem(from, Number(news.weight), stages, news.forceWeightChange === true);
        if (problem) {
            failures.push({ property: "weight", reason: `rocketmq-upgrade:${problem}` });
        }
        return { inputs: news, failures };
    },

    async diff(ctx, olds, news) {
        if (news.blueRetired === true) {
            // Blue is stopped: there is nothing left to split, only the fact to record.
            return { changes: olds.blueRetired !== true, replaces: [] };
        }
        if (changedKeys(olds, news, TRAFFIC_KEYS).length > 0) {
            return { changes: true, replaces: [] };
        }
        try {
            const inPlace = await withAdminSession(String(news.nameServers), ctx.progress, (s) =>
                trafficInPlace(s, requestOf(news)),
            );
            return { changes: !inPlace, replaces: [] };
        } catch {
            // Brokers that do not answer: let `up` try and report why.
            return { changes: true, replaces: [] };
        }
    },

    async create(ctx, inputs) {
        return { id: "traffic", outs: await apply(inputs, ctx.progress) };
    },

    async read(_ctx, id, props) {
        return { id, props };
    },

    async update(ctx, _id, olds, news) {
        if (news.blueRetired === true) {
            return { outs: { ...olds, blueRetired: true } };
        }
        return { outs: await apply(news, ctx.progress) };
    },

    async delete(ctx, _id, props) {
        const req = requestOf(props);
        try {
            await withAdminSession(String(props.nameServers), ctx.progress, async (s) => {
                const live = new Set((await s.cluster()).map((b) => b.brokerName));
                if (!req.blue.masters.every((m) => live.has(m.brokerName))) {
                    ctx.progress("blue is not registered any more: leaving routes as they are");
                    return;
                }
                const green = { ...req.green, masters: req.green.masters.filter((m) => live.has(m.brokerName)) };
                if (green.masters.length === 0) {
                    return;
                }
                await applyTraffic(s, { ...req, green, weight: 0 }, ctx.progress);
            });
        } catch (err) {
            ctx.progress(`could not give blue back its write queues: ${(err as Error).message}`);
        }
    },
};

export const drainCheckHandler: ResourceHandler = {
    async diff(_ctx, olds, news) {
        const keys = ["nameServers", "blue", "timeoutSeconds", "quietSeconds", "stranded"];
        return { changes: changedKeys(olds, news, keys).length > 0, replaces: [] };
    },

    async create(ctx, inputs) {
        const blue = inputs.blue as ColourRef;
        const { groups, deadLettersExportedTo } = await withAdminSession(
            String(inputs.nameServers),
            ctx.progress,
            (s) =>
                checkDrained(
                    s,
                    blue,
                    Number(inputs.timeoutSeconds),
                    ctx.progress,
                    typeof inputs.quietSeconds === "number" ? inputs.quietSeconds : undefined,
                    { ...DEFAULT_STRANDED_SETTINGS, ...(inputs.stranded as Partial<StrandedSettings> | undefined) },
                    typeof inputs.deadLetterExportRoot === "string" ? inputs.deadLetterExportRoot : undefined,
                ),
        );
        return {
            id: `drained-${blue.clusterName}`,
            outs: { ...inputs, groups, deadLettersExportedTo, drainedAt: new Date().toISOString() },
        };
    },

    async read(_ctx, id, props) {
        return { id, props };
    },

    async update(ctx, _id, _olds, news) {
        const created = await drainCheckHandler.create(ctx, news);
        return { outs: created.outs };
    },

    async delete() {
        // A check leaves nothing behind.
    },
};
