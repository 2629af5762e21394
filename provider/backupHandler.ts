/**
 * rocketmq:local:Backup: the seed's pre-change backup of one cluster.
 *
 * A backup is taken on create and whenever an input changes, its `trigger`
 * included (callers key it to the cluster's version, topology and traffic
 * weight), so an unchanged `pulumi up` takes none. If the recorded backup has
 * gone missing from disk, the next `up` takes a new one before anything that
 * depends on it. Deleting the resource keeps the backups: they expire by
 * `retentionDays`, never with the stack. With an `s3` target each backup is
 * uploaded once taken; a failed upload fails the resource (the local copy stays).
 */
import * as fs from "fs";
import * as path from "path";
import { withAdminSession } from "../operations/adminSession";
import { adminRecords, MANIFEST, pruneBackups } from "../operations/backup";
import { BACKUP_TYPE, backupInputs, BackupInputs, BackupOutputs } from "../contracts/backupContract";
import { decodeInputs } from "../contracts/inputDecoding";
import { measureBenchmark } from "../operations/benchmark";
import type { BenchmarkResult } from "../domain/benchmarkSettings";
import { resolveRuntime } from "../operations/maven";
import { backupFromHosts } from "./processHostShells";
import type * as S3Upload from "../operations/s3Upload";
import { changedKeys, ResourceHandler } from "./resourceHandler";

const INPUT_KEYS = [
    "version",
    "nameServers",
    "clusterName",
    "processes",
    "backupRoot",
    "includeStore",
    "retentionDays",
    "trigger",
    "s3",
];

function backupExists(props: Record<string, unknown>): boolean {
    return typeof props.backupDir === "string" && fs.existsSync(path.join(props.backupDir, MANIFEST));
}

async function backUp(
    raw: Record<string, unknown>,
    progress: (m: string) => void,
): Promise<BackupInputs & BackupOutputs> {
    const inputs = decodeInputs(BACKUP_TYPE, backupInputs, raw);
    const runtime = await resolveRuntime(inputs.version, progress);
    const { backupRoot, clusterName, benchmark: settings } = inputs;
    const { baseline, records } = await withAdminSession(inputs.nameServers, progress, async (session) => {
        const brokers = (await session.cluster()).filter((b) => b.cluster === clusterName);
        let measured: BenchmarkResult | undefined;
        if (settings) {
            progress(
                `baseline: ${settings.seconds}s of ${settings.messageBytes} B messages from ${settings.threads} threads`,
            );
            const masters = brokers.filter((b) => b.brokerId === 0);
            measured = await measureBenchmark(session, masters, inputs.nameServers, settings);
        }
        return { baseline: measured, records: await adminRecords(session, brokers) };
    });
    const { dir, manifest } = await backupFromHosts(
        {
            runtime,
            nameServers: inputs.nameServers,
            clusterName,
            processes: inputs.processes,
            backupRoot,
            includeStore: inputs.includeStore,
            progress,
        },
        inputs.privateKey,
        records.files,
        baseline,
    );
    // The local copy is kept whatever happens here: a failed upload fails the backup and names where it is.
    // The AWS SDK loads only when a backup is uploaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const s3 = inputs.s3 ? (require("../operations/s3Upload") as typeof S3Upload) : undefined;
    const upload = s3 && inputs.s3 ? await s3.uploadBackup(dir, inputs.s3, progress) : undefined;
    const pruned = pruneBackups(backupRoot, clusterName, inputs.retentionDays);
    return {
        // The inputs as the engine sent them win: a secret stays in its wrapper, so state keeps it encrypted.
        ...inputs,
        ...raw,
        backupId: manifest.backupId,
        backupDir: dir,
        fileCount: manifest.files.length,
        takenAt: manifest.takenAt,
        prunedBackups: pruned,
        uploadedTo: upload?.url ?? "",
        baseline: baseline ?? null,
        deadLetters: records.deadLetters,
        deadLettersPartial: records.partial,
    };
}

export const backupHandler: ResourceHandler = {
    async check(_ctx, news) {
        const failures = [];
        if (!Array.isArray(news.processes) || news.processes.length === 0) {
            failures.push({ property: "processes", reason: "a backup needs the cluster's processes" });
        }
        const days = news.retentionDays;
        if (typeof days !== "number" || days < 1) {
            failures.push({
                property: "retentionDays",
                reason: `retentionDays must be at least 1, got ${String(days)}`,
            });
        }
        return { inputs: news, failures };
    },

    async diff(_ctx, olds, news) {
        const changed = changedKeys(olds, news, INPUT_KEYS).length > 0;
        return { changes: changed || !backupExists(olds), replaces: [] };
    },

    async create(ctx, inputs) {
        const outs = await backUp(inputs, ctx.progress);
        return { id: outs.backupId, outs };
    },

    async read(_ctx, id, props) {
        return { id, props: backupExists(props) ? props : { ...props, backupDir: "" } };
    },

    async update(ctx, _id, _olds, news) {
        return { outs: await backUp(news, ctx.progress) };
    },

    async delete() {
        // Backups outlive the stack on purpose; retentionDays prunes them.
    },
};
