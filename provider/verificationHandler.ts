/**
 * rocketmq:local:Verification: the seed's post-change checks on one cluster.
 * They run on create and whenever an input (its `trigger` included) changes;
 * any failed check fails the update with the check, the broker and the
 * numbers, and the full report is written as JSON either way.
 */
import * as fs from "fs";
import * as path from "path";
import { baselineCheck } from "../operations/benchmark";
import { withAdminSession } from "../operations/adminSession";
import { failureMessage, verifyCluster } from "../operations/verification";
import { decodeInputs } from "../contracts/inputDecoding";
import {
    VERIFICATION_TYPE,
    verificationInputs,
    VerificationInputs,
    VerificationOutputs,
} from "../contracts/verificationContract";
import { backupIdAt } from "../operations/backup";
import { METADATA_FILE, readMetadataRecord } from "../operations/brokerMetadata";
import { changedKeys, ResourceHandler } from "./resourceHandler";

/** The broker-metadata record of a backup, with its file, when the backup has one. */
function metadataRecordIn(dir: string | undefined) {
    const record = dir ? readMetadataRecord(dir) : undefined;
    return record && dir ? { record, source: path.join(dir, METADATA_FILE) } : undefined;
}

async function verify(
    raw: Record<string, unknown>,
    progress: (m: string) => void,
): Promise<VerificationInputs & VerificationOutputs> {
    const inputs = decodeInputs(VERIFICATION_TYPE, verificationInputs, raw);
    const { version, clusterName, nameServers, baseline, benchmark } = inputs;
    const masters = inputs.brokers.filter((b) => b.brokerId === 0);
    const results = await withAdminSession(nameServers, progress, (admin) =>
        verifyCluster(
            admin,
            {
                nameServers,
                clusterName,
                expectedVersion: version,
                brokers: inputs.brokers,
                metadataRecord: metadataRecordIn(inputs.metadataRecordDir),
            },
            inputs.settings,
            progress,
            baseline && benchmark
                ? baselineCheck(admin, masters, nameServers, benchmark, baseline, Number(inputs.baselineTolerance))
                : undefined,
        ),
    );
    const reportDir = inputs.reportDir;
    fs.mkdirSync(reportDir, { recursive: true });
    const reportFile = path.join(reportDir, `${clusterName}-${backupIdAt(new Date())}.json`);
    const report = {
        clusterName,
        version,
        checkedAt: new Date().toISOString(),
        ok: results.every((r) => r.ok),
        results,
    };
    fs.writeFileSync(reportFile, JSON.stringify(report, null, 2) + "\n");
    const failure = failureMessage(clusterName, results, reportFile);
    if (failure) {
        throw new Error(failure);
    }
    return { ...raw, ...inputs, reportFile, checksPassed: results.length };
}

export const verificationHandler: ResourceHandler = {
    async diff(_ctx, olds, news) {
        const keys = [
            "version",
            "nameServers",
            "clusterName",
            "brokers",
            "settings",
            "reportDir",
            "baseline",
            "benchmark",
            "baselineTolerance",
            "trigger",
        ];
        return { changes: changedKeys(olds, news, keys).length > 0, replaces: [] };
    },

    async create(ctx, inputs) {
        const outs = await verify(inputs, ctx.progress);
        return { id: outs.reportFile, outs };
    },

    async read(_ctx, id, props) {
        return { id, props };
    },

    async update(ctx, _id, _olds, news) {
        return { outs: await verify(news, ctx.progress) };
    },

    async delete() {
        // Reports are records of what was checked; they stay.
    },
};
