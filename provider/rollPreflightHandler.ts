/**
 * rocketmq:local:RollPreflight: the gate in front of a rolling upgrade or
 * rollback. The cluster's brokers wait for it.
 *
 * - check (so also at preview) reads the live cluster. It records which
 *   brokers still run another release than the target (`offTarget`). When
 *   some do, it refuses an unsupported jump, a rollback to 4.9 that would
 *   lose data, and a master whose slave lags.
 * - diff reports a change whenever brokers are off target and the set
 *   differs from the last run, so a resumed roll checks and backs up again.
 * - create/update, with brokers off target, checks again, takes a backup
 *   of the cluster as it runs now (operations/backup.ts) and stages the target
 *   release on every broker's and proxy's machine. Then the first broker
 *   may go down. A resumed roll to the same target keeps the backup taken
 *   before its first broker went down.
 * - a roll that has not begun refuses while a broker does not answer; once
 *   under way, a dead broker is restarted by its own step instead.
 *
 * A cluster whose brokers are not running yet (a first `up`) has nothing off
 * target: the gate passes without a backup.
 */
import { withAdminSession } from "../operations/adminSession";
import { engineLog } from "./engineLog";
import { adminRecords, pruneBackups } from "../operations/backup";
import { backupFromHosts } from "./processHostShells";
import { decodeInputs } from "../contracts/inputDecoding";
import { ROLL_PREFLIGHT_TYPE, rollPreflightInputs, RollPreflightInputs } from "../contracts/rollPreflightContract";
import { measureBenchmark } from "../operations/benchmark";
import type { BenchmarkResult } from "../domain/benchmarkSettings";
import { portAccepts } from "../operations/launcher";
import { resolveRuntime } from "../operations/maven";
import { stageReleaseOnHosts } from "../operations/hostRelease";
import * as fs from "fs";
import * as path from "path";
import { MANIFEST } from "../operations/backup";
import { preflightProblems, rollProgress, silentBrokerProblem, versionOfLabel } from "../operations/rollPreflight";
import { HandlerContext, ResourceHandler } from "./resourceHandler";

/** The inputs of a RollPreflight, as the engine hands them over. */

async function anyNameServerAnswers(nameServers: string): Promise<boolean> {
    for (const address of nameServers.split(";")) {
        const [host, port] = address.split(":");
        if (await portAccepts(Number(port), host)) {
            return true;
        }
    }
    return false;
}

/** Reads the live cluster: what is off target, and every reason not to start. */
async function inspect(
    ctx: HandlerContext,
    inputs: RollPreflightInputs,
): Promise<{ offTarget: Record<string, string>; problems: string[] }> {
    if (!(await anyNameServerAnswers(inputs.nameServers))) {
        return { offTarget: {}, problems: [] };
    }
    return withAdminSession(inputs.nameServers, ctx.progress, async (session) => {
        const progress = await rollProgress(session, inputs.brokers, inputs.targetVersion);
        const { offTarget } = progress;
        if (Object.keys(offTarget).length === 0) {
            return { offTarget, problems: [] };
        }
        const silent = silentBrokerProblem(progress);
        if (silent) {
            return { offTarget, problems: [silent] };
        }
        ctx.progress(`checking the cluster before rolling ${Object.keys(offTarget).join(", ")}`);
        const problems = await preflightProblems(session, {
            clusterName: inputs.clusterName,
            brokers: inputs.brokers,
            target: inputs.targetVersion,
            groupRole: inputs.groupRole,
            maxLagBytes: inputs.maxLagBytes,
            offTarget,
        });
        return { offTarget, problems };
    });
}

/** The backup the roll to the same target took before its first broker went down, if it is still on disk. */
function backupOfRollUnderWay(inputs: RollPreflightInputs, olds: Record<string, unknown> | undefined) {
    const dir = olds?.backupDir;
    if (olds?.targetVersion !== inputs.targetVersion || typeof dir !== "string" || dir === "") {
        return undefined;
    }
    return fs.existsSync(path.join(dir, MANIFEST)) ? olds : undefined;
}

/**
 * The target release on every machine of the cluster's brokers and proxies, before the first of them goes down: a
 * host that cannot take it (a full disk, a failed checksum) stops the roll while every broker runs as it was, and no
 * master spends its time without writes on a copy.
 */
async function stageTarget(ctx: HandlerContext, inputs: RollPreflightInputs): Promise<void> {
    const runtime = await resolveRuntime(inputs.targetVersion, ctx.progress);
    const hosts = inputs.releaseHosts.map((h) => ({
        access: { ...h.host, privateKey: inputs.privateKey },
        releaseRoot: h.releaseRoot,
    }));
    await stageReleaseOnHosts(hosts, runtime, ctx.progress).catch((e: Error) => {
        throw new Error(`the roll to ${inputs.targetVersion} does not start: ${e.message}`);
    });
}

async function gate(
    ctx: HandlerContext,
    inputs: RollPreflightInputs,
    olds?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
    const { offTarget, problems } = await inspect(ctx, inputs);
    if (problems.length > 0) {
        throw new Error(`the roll to ${inputs.targetVersion} does not start:\n  - ${problems.join("\n  - ")}`);
    }
    if (Object.keys(offTarget).length === 0) {
        return {
            ...inputs,
            offTarget,
            backupId: "",
            backupDir: "",
            baseline: null,
            checkedAt: new Date().toISOString(),
        };
    }
    // A resumed roll keeps the backup taken before its first broker went down: that is the state to go back to,
    // and a half-rolled cluster with a broker down may not even export cleanly.
    const underWay = backupOfRollUnderWay(inputs, olds);
    if (underWay) {
        ctx.progress(`resuming the roll to ${inputs.targetVersion}; its backup ${String(underWay.backupDir)} stands`);
        await stageTarget(ctx, inputs);
        return {
            ...inputs,
            offTarget,
            backupId: underWay.backupId,
            backupDir: underWay.backupDir,
            baseline: underWay.baseline ?? null,
            checkedAt: new Date().toISOString(),
        };
    }
    // mqadmin of the release most brokers still run reads the cluster as it is now.
    const from = versionOfLabel(Object.values(offTarget)[0]) ?? inputs.targetVersion;
    const runtime = await resolveRuntime(from, ctx.progress);
    const benchmark = inputs.benchmark;
    const { baseline, records } = await withAdminSession(inputs.nameServers, ctx.progress, async (session) => {
        let measured: BenchmarkResult | null = null;
        if (benchmark) {
            ctx.progress(`baseline on ${from}: ${benchmark.seconds}s of ${benchmark.messageBytes} B messages`);
            const masters = inputs.brokers.filter((b) => b.brokerId === 0);
            measured = await measureBenchmark(session, masters, inputs.nameServers, benchmark);
        }
        // Each turn of the roll compares the brokers with this record before it takes one down.
        return { baseline: measured, records: await adminRecords(session, inputs.brokers) };
    });
    for (const p of records.partial) {
        engineLog(ctx.urn, `backup: dead letters exported in part: ${p}`);
    }
    const backUp = () =>
        backupFromHosts(
            {
                runtime,
                nameServers: inputs.nameServers,
                clusterName: inputs.clusterName,
                processes: inputs.processes,
                backupRoot: inputs.backupRoot,
                includeStore: inputs.includeStore,
                progress: ctx.progress,
            },
            inputs.privateKey,
            records.files,
            baseline,
        );
    // After the baseline, so the copies weigh on nothing it measures, and beside the backup: both mostly wait on the
    // hosts. Settled together, so that nothing of either still runs once the gate has answered.
    const [backedUp, staged] = await Promise.allSettled([backUp(), stageTarget(ctx, inputs)]);
    if (backedUp.status === "rejected") {
        throw backedUp.reason;
    }
    if (staged.status === "rejected") {
        throw staged.reason;
    }
    const { dir, manifest } = backedUp.value;
    pruneBackups(inputs.backupRoot, inputs.clusterName, inputs.retentionDays);
    return {
        ...inputs,
        offTarget,
        backupId: manifest.backupId,
        backupDir: dir,
        baseline,
        checkedAt: new Date().toISOString(),
    };
}

export const rollPreflightHandler: ResourceHandler = {
    async check(ctx, news) {
        // At preview an input may still be unknown: the `up` then inspects the cluster before the roll.
        const known = rollPreflightInputs.safeParse(news);
        if (!known.success) {
            return { inputs: news };
        }
        const { offTarget, problems } = await inspect(ctx, known.data);
        return {
            inputs: { ...news, offTarget },
            failures: problems.map((reason) => ({ property: "targetVersion", reason })),
        };
    },

    async diff(_ctx, olds, news) {
        const off = (news.offTarget ?? {}) as Record<string, string>;
        const changed = Object.keys(off).length > 0 && JSON.stringify(off) !== JSON.stringify(olds.offTarget ?? {});
        return { changes: changed || olds.targetVersion !== news.targetVersion, replaces: [] };
    },

    async create(ctx, inputs) {
        const outs = await gate(ctx, decodeInputs(ROLL_PREFLIGHT_TYPE, rollPreflightInputs, inputs));
        return { id: `${String(inputs.clusterName)}-roll-preflight`, outs };
    },

    async read(_ctx, id, props) {
        return { id, props };
    },

    async update(ctx, _id, olds, news) {
        return { outs: await gate(ctx, decodeInputs(ROLL_PREFLIGHT_TYPE, rollPreflightInputs, news), olds) };
    },

    async delete() {
        // Nothing runs and the backups outlive the stack (retentionDays prunes them).
    },
};
