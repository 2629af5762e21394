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
import { DEFAULT_STRANDED_SETTINGS } from "../domain/heldMessages";
import { applyTraffic, checkDrained, trafficInPlace } from "../operations/trafficChange";
import { decodeInputs } from "../contracts/inputDecoding";
import { DRAIN_CHECK_TYPE, drainCheckInputs, TRAFFIC_TYPE, trafficInputs } from "../contracts/trafficContract";
import type { ColourRef } from "../contracts/sharedShapes";
import { WEIGHT_RANGE, weightChangeProblem } from "../domain/canaryStages";
import { weight } from "../contracts/sharedShapes";
import { changedKeys, ResourceHandler } from "./resourceHandler";

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

/** Input problems, each naming the property. Pure. */
export function trafficInputFailures(news: Record<string, unknown>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const w = news.weight;
    if (!weight.safeParse(w).success) {
        failures.push({
            property: "weight",
            reason: `weight must be an integer from ${WEIGHT_RANGE.min} to ${WEIGHT_RANGE.max}, got ${String(w)}`,
        });
    }
    for (const colour of ["blue", "green"]) {
        const ref = news[colour] as ColourRef | undefined;
        if (!ref || !Array.isArray(ref.masters) || ref.masters.length === 0) {
            failures.push({ property: colour, reason: `${colour} needs at least one master` });
        }
    }
    return failures;
}

async function apply(raw: Record<string, unknown>, progress: (m: string) => void) {
    const req = decodeInputs(TRAFFIC_TYPE, trafficInputs, raw);
    const result = await withAdminSession(req.nameServers, progress, (s) => applyTraffic(s, req, progress));
    return { ...raw, ...result, appliedAt: new Date().toISOString() };
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
            const req = decodeInputs(TRAFFIC_TYPE, trafficInputs, news);
            const inPlace = await withAdminSession(req.nameServers, ctx.progress, (s) => trafficInPlace(s, req));
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
        try {
            const req = decodeInputs(TRAFFIC_TYPE, trafficInputs, props);
            await withAdminSession(req.nameServers, ctx.progress, async (s) => {
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

    async create(ctx, raw) {
        const inputs = decodeInputs(DRAIN_CHECK_TYPE, drainCheckInputs, raw);
        const { groups, deadLettersExportedTo } = await withAdminSession(inputs.nameServers, ctx.progress, (s) =>
            checkDrained(
                s,
                inputs.blue,
                inputs.timeoutSeconds,
                ctx.progress,
                inputs.quietSeconds,
                { ...DEFAULT_STRANDED_SETTINGS, ...inputs.stranded },
                inputs.deadLetterExportRoot,
            ),
        );
        return {
            id: `drained-${inputs.blue.clusterName}`,
            outs: { ...raw, groups, deadLettersExportedTo, drainedAt: new Date().toISOString() },
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
