/**
 * What a rolling upgrade or rollback checks before its first broker goes
 * down, read from the live cluster: which brokers still run another release,
 * whether the jump is supported, whether a rollback to 4.9 would lose data,
 * and whether any group's slave lags.
 */
import { downgradeBlockers, DowngradeInspection, takeDownRefusal } from "../domain/rollPlan";
import { supportedUpgrade } from "../domain/compatibility";
import type { AdminApi } from "../domain/rocketmqAdmin";
import { pendingTimerMessages, transactionRecords } from "./strandedMessages";
import { versionLabel } from "../domain/mqadminOutput";
import { offsetOf, reportedVersion } from "./brokerTurn";
import { compareVersions, mustParseVersion, parseVersion } from "../domain/versions";
import type { PreflightBroker } from "../contracts/rollPreflightContract";

/** One broker of the cluster being rolled, as the preflight sees it. */
/** A label such as V4_9_7 as a version text (4.9.7); undefined when it is not one. */
export function versionOfLabel(label: string): string | undefined {
    const m = /^V(\d+)_(\d+)_(\d+)/.exec(label);
    return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/** Where each broker of the cluster stands against the target release. */
export interface RollProgress {
    /** Brokers that answer on another release: "brokerName/brokerId" → the label they report (e.g. V4_9_7). */
    offTarget: Record<string, string>;
    /** Brokers that answer on the target release. */
    onTarget: string[];
    /** Brokers that do not answer. */
    silent: string[];
}

/** Asks every broker which release it runs. */
export async function rollProgress(
    session: AdminApi,
    brokers: readonly PreflightBroker[],
    target: string,
): Promise<RollProgress> {
    const progress: RollProgress = { offTarget: {}, onTarget: [], silent: [] };
    for (const b of brokers) {
        const id = `${b.brokerName}/${b.brokerId}`;
        const reported = await reportedVersion(session, b.address);
        if (reported === "") {
            progress.silent.push(id);
        } else if (reported === versionLabel(target)) {
            progress.onTarget.push(id);
        } else {
            progress.offTarget[id] = reported;
        }
    }
    return progress;
}

/**
 * Why a roll that has not begun yet must wait for silent brokers, or
 * undefined. Once brokers run the target, the roll is under way: a broker
 * that died meanwhile is restarted by its own step, before anything after it.
 */
export function silentBrokerProblem(progress: RollProgress): string | undefined {
    const begun = progress.onTarget.length > 0;
    if (begun || progress.silent.length === 0 || Object.keys(progress.offTarget).length === 0) {
        return undefined;
    }
    return (
        `${progress.silent.join(", ")} do(es) not answer: a roll starts only with every broker serving; ` +
        `run \`pulumi up --refresh\` with the current version first, which restarts it`
    );
}

/** Why moving from `from` to `to` is not supported in either direction, or undefined. Pure. */
export function rollJumpProblem(from: string, to: string): string | undefined {
    const a = parseVersion(from);
    const b = mustParseVersion(to);
    if (!a) {
        return `a broker reports release ${from}, which this tool does not know`;
    }
    const [low, high] = compareVersions(a, b) <= 0 ? [a, b] : [b, a];
    if (supportedUpgrade(low, high)) {
        return undefined;
    }
    return `rolling ${a.text} to ${b.text} is not a supported jump (see docs/compatibility.md)`;
}

/** 5.x POP bookkeeping: the revive log per cluster and the group that replays it. */
const REVIVE_GROUP = "CID_RMQ_SYS_REVIVE_GROUP";
const reviveTopic = (clusterName: string) => `rmq_sys_REVIVE_LOG_${clusterName}`;

/** What the cluster holds that 4.9 cannot read. */
export async function inspectForDowngrade(
    session: AdminApi,
    clusterName: string,
    brokers: readonly PreflightBroker[],
): Promise<DowngradeInspection> {
    const inspection: DowngradeInspection = {
        topicNames: [],
        pendingTimerMessages: 0,
        pendingPopCheckpoints: {},
        storeTypes: {},
        transactionRecords: {},
    };
    const names = new Set<string>();
    for (const b of brokers) {
        const label = `${b.brokerName}/${b.brokerId}`;
        const config = await session.brokerConfig(b.address).catch(() => undefined);
        inspection.storeTypes[label] = config?.storeType ?? "default";
        if (b.brokerId !== 0) {
            continue;
        }
        // Slaves mirror their master's timer counts; the master's are the ones that count.
        inspection.pendingTimerMessages += await pendingTimerMessages(session, b.address).catch(() => 0);
        for (const t of await session.topics(b.address)) {
            names.add(t.topicName);
        }
        inspection.transactionRecords[label] = await transactionRecords(session, b);
        const revive = await session.consumeStats(b.address, REVIVE_GROUP, reviveTopic(clusterName)).catch(() => []);
        inspection.pendingPopCheckpoints[label] = revive.reduce(
            (sum, q) => sum + Math.max(0, q.brokerOffset - q.consumerOffset),
            0,
        );
    }
    inspection.topicNames = [...names];
    return inspection;
}

/**
 * Every reason the roll to `target` must not start, one line each: an
 * unsupported jump, data a 4.9 broker cannot read, a slave that lags (the
 * group would lose its only up-to-date copy). Empty when it may start.
 */
export async function preflightProblems(
    session: AdminApi,
    req: {
        clusterName: string;
        brokers: readonly PreflightBroker[];
        target: string;
        groupRole: "SYNC_MASTER" | "ASYNC_MASTER";
        maxLagBytes: number;
        offTarget: Record<string, string>;
    },
): Promise<string[]> {
    const problems: string[] = [];
    const froms = [...new Set(Object.values(req.offTarget).map((l) => versionOfLabel(l) ?? l))];
    for (const from of froms) {
        const jump = rollJumpProblem(from, req.target);
        if (jump) {
            problems.push(jump);
        }
    }
    const target = mustParseVersion(req.target);
    const downgradeTo4 = target.major === 4 && froms.some((f) => (parseVersion(f)?.major ?? 0) >= 5);
    if (downgradeTo4) {
        const blockers = downgradeBlockers(await inspectForDowngrade(session, req.clusterName, req.brokers));
        problems.push(...blockers.map((b) => `rolling back to ${req.target} would lose data: ${b}`));
    }
    const offsets = new Map<string, number>();
    for (const b of req.brokers) {
        const v = await offsetOf(session, b.address);
        if (v !== undefined) {
            offsets.set(`${b.brokerName}/${b.brokerId}`, v);
        }
    }
    for (const master of req.brokers.filter((b) => b.brokerId === 0)) {
        if (!(`${master.brokerName}/0` in req.offTarget)) {
            continue;
        }
        const slaves = req.brokers.filter((b) => b.brokerName === master.brokerName && b.brokerId !== 0);
        const slaveOffsets: Record<number, number> = {};
        for (const s of slaves) {
            const o = offsets.get(`${s.brokerName}/${s.brokerId}`);
            if (o !== undefined) {
                slaveOffsets[s.brokerId] = o;
            }
        }
        // A slave that does not answer is restarted by its own step, before any master goes down.
        const refusal = takeDownRefusal(
            master,
            {
                role: req.groupRole,
                masterOffset: offsets.get(`${master.brokerName}/0`),
                slaveOffsets,
                slaveCount: Object.keys(slaveOffsets).length,
            },
            req.maxLagBytes,
        );
        if (refusal) {
            problems.push(refusal);
        }
    }
    return problems;
}
