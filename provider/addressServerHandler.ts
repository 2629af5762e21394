/**
 * Isolated routing's two resources.
 *
 * rocketmq:local:AddressServer: the nginx address server clients poll for
 * name servers, answering each client blue or green by weight.
 * - check refuses, at preview, a weight that skips a canary stage or goes
 *   down to anything but 0, unless `forceWeightChange` is set (the same
 *   rule as shared routing's split);
 * - create starts it; update reloads it in place (a port change restarts
 *   it); both return once it answers as the new inputs say;
 * - diff also asks the live server, so a stopped server or a config changed
 *   by hand shows in preview and `up` repairs it;
 * - delete stops it.
 *
 * rocketmq:local:MetadataSync: the gate in front of any weight above 0:
 * green made to hold every topic and group blue has. Its diff reads both
 * clusters only when the weight is above 0, so a rollback to 0 never waits
 * for it.
 */
import * as fs from "fs";
import * as path from "path";
import { WEIGHT_RANGE, weightChangeProblem } from "../domain/canaryStages";
import { weight } from "../contracts/sharedShapes";
import { ADDRESS_POLL_SECONDS, AddressServerSettings } from "../domain/addressPlan";
import {
    addressServerPid,
    answersMatch,
    reloadAddressServer,
    startAddressServer,
    stopAddressServer,
} from "../operations/nginxAddressServer";
import { withAdminSession } from "../operations/adminSession";
import { syncDrift, syncGreen } from "../operations/trafficChange";
import {
    ADDRESS_SERVER_TYPE,
    addressServerInputs,
    METADATA_SYNC_TYPE,
    metadataSyncInputs,
    MetadataSyncInputs,
} from "../contracts/addressServerContract";
import { decodeInputs } from "../contracts/inputDecoding";
import { changedKeys, ResourceHandler } from "./resourceHandler";

function settingsOf(raw: Record<string, unknown>): AddressServerSettings {
    const { dir, port, host, blueNameServers, greenNameServers, weight } = decodeInputs(
        ADDRESS_SERVER_TYPE,
        addressServerInputs,
        raw,
    );
    return { dir, port, host, blueNameServers, greenNameServers, weight };
}

/** Input problems, each naming the property. Pure. */
export function addressServerInputFailures(
    news: Record<string, unknown>,
    olds: Record<string, unknown>,
): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const parsed = weight.safeParse(news.weight);
    if (!parsed.success) {
        failures.push({
            property: "weight",
            reason: `weight must be an integer from ${WEIGHT_RANGE.min} to ${WEIGHT_RANGE.max}, got ${String(news.weight)}`,
        });
        return failures;
    }
    const w = parsed.data;
    if (w > 0 && !news.greenNameServers) {
        failures.push({ property: "weight", reason: `weight ${w} needs green's name servers; there is no green` });
    }
    const from = typeof olds.weight === "number" ? olds.weight : undefined;
    const stages = Array.isArray(news.canaryStages) ? (news.canaryStages as number[]) : [];
    const problem = weightChangeProblem(from, w, stages, news.forceWeightChange === true);
    if (problem) {
        failures.push({ property: "weight", reason: `rocketmq-upgrade:${problem}` });
    }
    return failures;
}

function outputsOf(inputs: Record<string, unknown>, pid: number): Record<string, unknown> {
    const s = settingsOf(inputs);
    return {
        ...inputs,
        pid,
        url: `http://${s.host}:${s.port}/rocketmq/nsaddr`,
        domain: `${s.host}:${s.port}`,
        clientLog: path.join(s.dir, "clients.log"),
        appliedAt: new Date().toISOString(),
        // Every client has its new answer one poll later; its producers follow at their next route refresh.
        settledAfterSeconds: ADDRESS_POLL_SECONDS + 30,
    };
}

export const addressServerHandler: ResourceHandler = {
    async check(_ctx, news, olds) {
        return { inputs: news, failures: addressServerInputFailures(news, olds) };
    },

    async diff(_ctx, olds, news) {
        const keys = ["dir", "port", "host", "blueNameServers", "greenNameServers", "weight"];
        const changed = changedKeys(olds, news, keys);
        if (changed.includes("dir")) {
            return { changes: true, replaces: ["dir"], deleteBeforeReplace: true };
        }
        if (changed.length > 0) {
            return { changes: true, replaces: [] };
        }
        if (!addressServerInputs.safeParse(news).success) {
            return { changes: true, replaces: [] };
        }
        const s = settingsOf(news);
        const live = addressServerPid(s.dir) !== undefined && (await answersMatch(s)) === undefined;
        return { changes: !live, replaces: [] };
    },

    async create(ctx, inputs) {
        const s = settingsOf(inputs);
        const pid = await startAddressServer(s, ctx.progress);
        return { id: `address-server-${s.port}`, outs: outputsOf(inputs, pid) };
    },

    async read(_ctx, id, props) {
        return { id, props };
    },

    async update(ctx, _id, olds, news) {
        const s = settingsOf(news);
        const pid = addressServerPid(s.dir);
        if (pid !== undefined && olds.port === news.port && olds.host === news.host) {
            await reloadAddressServer(s, ctx.progress);
            return { outs: outputsOf(news, pid) };
        }
        await stopAddressServer(s.dir);
        return { outs: outputsOf(news, await startAddressServer(s, ctx.progress)) };
    },

    async delete(_ctx, _id, props) {
        const dir = String(props.dir);
        await stopAddressServer(dir);
        if (fs.existsSync(dir)) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    },
};

function syncRequestOf(raw: Record<string, unknown>): MetadataSyncInputs {
    return decodeInputs(METADATA_SYNC_TYPE, metadataSyncInputs, raw);
}

export const metadataSyncHandler: ResourceHandler = {
    async diff(ctx, olds, news) {
        if (news.blueRetired === true) {
            // Blue is stopped: there is nothing left to copy from, only the fact to record.
            return { changes: olds.blueRetired !== true, replaces: [] };
        }
        const structural = changedKeys(olds, news, [
            "blueNameServers",
            "greenNameServers",
            "blue",
            "green",
            "declaredTopics",
            "consumerGroups",
        ]);
        if (structural.length > 0) {
            return { changes: true, replaces: [] };
        }
        if (Number(news.weight) === 0) {
            // Going back to (or staying at) 0 never waits for a sync.
            return { changes: false, replaces: [] };
        }
        if (olds.weight !== news.weight) {
            return { changes: true, replaces: [] };
        }
        try {
            const req = syncRequestOf(news);
            const drift = await withAdminSession(req.greenNameServers, ctx.progress, (s) => syncDrift(s, req));
            return { changes: drift.length > 0, replaces: [] };
        } catch {
            return { changes: true, replaces: [] };
        }
    },

    async create(ctx, inputs) {
        const req = syncRequestOf(inputs);
        const result = await withAdminSession(req.greenNameServers, ctx.progress, (s) =>
            syncGreen(s, req, ctx.progress),
        );
        return {
            id: `sync-${req.green.clusterName}`,
            outs: { ...inputs, ...result, syncedAt: new Date().toISOString() },
        };
    },

    async read(_ctx, id, props) {
        return { id, props };
    },

    async update(ctx, _id, olds, news) {
        if (news.blueRetired === true) {
            return { outs: { ...olds, blueRetired: true } };
        }
        return { outs: (await metadataSyncHandler.create(ctx, news)).outs };
    },

    async delete() {
        // Topics and groups stay on green: removing them could strand messages.
    },
};
