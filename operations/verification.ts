/**
 * The seed's post-change verification (§3.3), as code. Every check returns
 * numbers, not just a verdict, so a failure names the check, the broker and
 * what was measured against what was allowed.
 */
import { MetadataRecord, metadataRegressions, recordMetadata, subjectsOf } from "./brokerMetadata";
import { topicOnMasters } from "./topicOnMasters";
import type { AdminApi } from "../domain/rocketmqAdmin";
import { versionLabel } from "../domain/mqadminOutput";
import {
    VerifiedBroker,
    CheckResult,
    VerificationSettings,
    DEFAULT_VERIFICATION,
} from "../domain/verificationSettings";

export interface ClusterUnderTest {
    nameServers: string;
    clusterName: string;
    expectedVersion: string;
    brokers: VerifiedBroker[];
    /** The brokers' metadata as a backup recorded it, and where: what they must still hold. */
    metadataRecord?: { record: MetadataRecord; source: string };
}

/**
 * What verification asks of a cluster. The admin session answers it with one
 * long-lived JVM (a dozen mqadmin JVMs per run cost most of a minute on two
 * cores); unit tests answer it with a fake.
 */
export type VerificationAdmin = Pick<
    AdminApi,
    | "cluster"
    | "runtimeStats"
    | "route"
    | "putTopic"
    | "sendToQueue"
    | "pullFromQueue"
    | "groupBacklogs"
    | "topics"
    | "groups"
    | "consumeStats"
>;

/** A registered broker as the name servers list it, with the version it reports or why it reported none. */
export interface ObservedBroker {
    cluster: string;
    brokerName: string;
    brokerId: number;
    address: string;
    version?: string;
    error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const firstLine = (err: unknown) => (err as Error).message.split("\n")[0];

/** Every broker the name servers list, each asked for its version. */
async function observeBrokers(admin: VerificationAdmin): Promise<ObservedBroker[]> {
    const observed: ObservedBroker[] = [];
    for (const b of await admin.cluster()) {
        try {
            observed.push({ ...b, version: (await admin.runtimeStats(b.address)).brokerVersionDesc ?? "" });
        } catch (err) {
            observed.push({ ...b, error: firstLine(err) });
        }
    }
    return observed;
}

/** Broker count and versions. Pure over what the cluster reported. */
export function checkBrokers(observed: ObservedBroker[], target: ClusterUnderTest): CheckResult[] {
    const rows = observed.filter((r) => r.cluster === target.clusterName);
    const results: CheckResult[] = [
        {
            check: "broker-count",
            ok: rows.length === target.brokers.length,
            detail: `${rows.length} of ${target.brokers.length} brokers registered in cluster ${target.clusterName}`,
            numbers: { registered: rows.length, expected: target.brokers.length },
        },
    ];
    const want = versionLabel(target.expectedVersion);
    for (const b of target.brokers) {
        const subject = `${b.brokerName}/${b.brokerId}`;
        const row = rows.find((r) => r.brokerName === b.brokerName && r.brokerId === b.brokerId);
        if (!row) {
            results.push({
                check: "broker-count",
                ok: false,
                subject,
                detail: `${subject} (${b.address}) is not registered`,
            });
            continue;
        }
        results.push({
            check: "broker-version",
            ok: row.version === want,
            subject,
            detail:
                row.error !== undefined
                    ? `${subject} (${row.address}) did not answer brokerStatus: ${row.error}`
                    : `${subject} reports ${row.version || "no version"}, expected ${want}`,
        });
    }
    return results;
}

/** Groups whose backlog grew by more than `slack` between two samples. Pure. */
export function growingBacklogs(first: Map<string, number>, second: Map<string, number>, slack: number): CheckResult[] {
    const results: CheckResult[] = [];
    for (const [group, after] of second) {
        const before = first.get(group) ?? 0;
        results.push({
            check: "consumer-progress",
            ok: after - before <= slack,
            subject: group,
            detail: `group ${group}: backlog ${before} then ${after} (growth ${after - before}, allowed ${slack})`,
            numbers: { before, after, slack },
        });
    }
    return results;
}

async function commitLogMaxOffset(admin: VerificationAdmin, address: string): Promise<number> {
    const value = Number((await admin.runtimeStats(address)).commitLogMaxOffset);
    if (!Number.isFinite(value)) {
        throw new Error(`brokerStatus of ${address} has no commitLogMaxOffset`);
    }
    return value;
}

async function checkReplication(
    admin: VerificationAdmin,
    target: ClusterUnderTest,
    s: VerificationSettings,
): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    for (const slave of target.brokers.filter((b) => b.brokerId > 0)) {
        const master = target.brokers.find((b) => b.brokerName === slave.brokerName && b.brokerId === 0);
        const subject = `${slave.brokerName}/${slave.brokerId}`;
        if (!master) {
            results.push({ check: "replication", ok: false, subject, detail: `${subject} has no master to follow` });
            continue;
        }
        const deadline = Date.now() + s.replicationWaitSeconds * 1000;
        let lag = Number.POSITIVE_INFINITY;
        let masterOffset = 0;
        let slaveOffset = 0;
        let error: string | undefined;
        // Measured at least once, however short the wait: a wait of 0 means "no catching up", not "no check".
        for (;;) {
            let asked = master;
            try {
                masterOffset = await commitLogMaxOffset(admin, master.address);
                asked = slave;
                slaveOffset = await commitLogMaxOffset(admin, slave.address);
                lag = masterOffset - slaveOffset;
                error = undefined;
            } catch (err) {
                error = `${asked.brokerName}/${asked.brokerId} (${asked.address}) did not answer brokerStatus: ${firstLine(err)}`;
            }
            if (lag <= s.maxReplicationLagBytes || Date.now() >= deadline) {
                break;
            }
            await sleep(1000);
        }
        results.push({
            check: "replication",
            ok: lag <= s.maxReplicationLagBytes,
            subject,
            detail:
                error ??
                `${subject} is ${lag} bytes behind its master (master ${masterOffset}, slave ${slaveOffset}, allowed ${s.maxReplicationLagBytes})`,
            numbers: { masterOffset, slaveOffset, lag: Number.isFinite(lag) ? lag : -1 },
        });
    }
    return results;
}

/**
 * A SYNC_MASTER's answers while its slave is not yet replicating: no slave connected, or the slave's acknowledgement
 * did not come within the master's wait (seen on the first sends after a fresh slave connects). The message is stored
 * on the master only.
 */
const SLAVE_PENDING = new Set(["SLAVE_NOT_AVAILABLE", "FLUSH_SLAVE_TIMEOUT"]);

async function checkRoundTrips(
    admin: VerificationAdmin,
    target: ClusterUnderTest,
    s: VerificationSettings,
): Promise<CheckResult[]> {
    const masters = target.brokers.filter((b) => b.brokerId === 0);
    const perms = await topicOnMasters(admin, masters, {
        topicName: s.verifyTopic,
        readQueueNums: 1,
        writeQueueNums: 1,
        perm: 6,
    });
    const results: CheckResult[] = [];
    // A slave started before its master learns where to replicate from at its next registration with the name
    // servers (registerNameServerPeriod, 30 s by default); until then a SYNC_MASTER answers SLAVE_NOT_AVAILABLE.
    // A slave that never replicates is still named, once the wait is up.
    const slavesDue = Date.now() + s.replicationWaitSeconds * 1000;
    for (const master of masters) {
        const perm = perms.get(master.brokerName) ?? 0;
        if ((perm & 2) === 0) {
            results.push({
                check: "round-trip",
                ok: false,
                subject: master.brokerName,
                detail: `topic ${s.verifyTopic} cannot be written on ${master.brokerName}: its route perm is ${perm} (producers need the write bit, 2)`,
                numbers: { perm },
            });
            continue;
        }
        const body = `verify-${master.brokerName}-${Date.now()}`;
        let detail: string;
        let ok = false;
        try {
            // Queue 0 of this master only: the round trip must prove this broker, not any broker.
            const queue = { topic: s.verifyTopic, brokerName: master.brokerName, queueId: 0 };
            let sent = await admin.sendToQueue(queue, body);
            const began = Date.now();
            while (SLAVE_PENDING.has(sent.status) && Date.now() < slavesDue) {
                await sleep(1000);
                sent = await admin.sendToQueue(queue, body);
            }
            if (sent.status !== "SEND_OK") {
                const waited = SLAVE_PENDING.has(sent.status) ? Math.round((Date.now() - began) / 1000) : 0;
                detail =
                    `send to ${master.brokerName} did not return SEND_OK: ${sent.status}` +
                    (waited > 0 ? ` (still after ${waited}s: its slave does not replicate from it)` : "");
            } else {
                // SEND_OK means stored in the commit log; the queue's index follows a moment later (dispatch), so a read
                // straight after may find nothing yet.
                let read = await admin.pullFromQueue(queue, sent.queueOffset, 1);
                for (let i = 0; i < 25 && !read.some((m) => m.body === body); i++) {
                    await sleep(200);
                    read = await admin.pullFromQueue(queue, sent.queueOffset, 1);
                }
                ok = read.some((m) => m.body === body);
                detail = ok
                    ? `sent and consumed a message on ${master.brokerName}`
                    : `the message sent to ${master.brokerName} was not consumed back at offset ${sent.queueOffset}`;
            }
        } catch (err) {
            detail = `round trip on ${master.brokerName} failed: ${(err as Error).message.split("\n").slice(0, 3).join(" ")}`;
        }
        results.push({ check: "round-trip", ok, subject: master.brokerName, detail });
    }
    return results;
}

async function checkConsumers(admin: VerificationAdmin, s: VerificationSettings): Promise<CheckResult[]> {
    const first = await admin.groupBacklogs();
    await sleep(s.consumerSampleSeconds * 1000);
    return growingBacklogs(first, await admin.groupBacklogs(), s.consumerDiffSlack);
}

/**
 * Every broker in the record still holds what it held: no topic or group
 * gone, no retry setting changed, no consumer or delay offset gone back.
 */
export async function checkMetadata(
    admin: VerificationAdmin,
    recorded: { record: MetadataRecord; source: string },
): Promise<CheckResult[]> {
    const now = await recordMetadata(admin, subjectsOf(recorded.record));
    const findings = metadataRegressions(recorded.record, now, { queueShapesMayChange: false });
    if (findings.length === 0) {
        return [
            {
                check: "metadata",
                ok: true,
                detail: `${now.brokers.length} broker(s) hold the topics, groups and offsets recorded in ${recorded.source}`,
            },
        ];
    }
    return findings.map((detail) => ({
        check: "metadata",
        ok: false,
        subject: /(?:from|on|at) (\S+\/\d+)/.exec(detail)?.[1],
        detail: `${detail} (recorded in ${recorded.source})`,
    }));
}

/**
 * A check that loads the cluster: the benchmark a configured baseline is compared with. It resolves to its result
 * whatever happens, and stops early when `signal` aborts.
 */
export type LoadCheck = (signal: AbortSignal) => Promise<CheckResult>;

/**
 * Runs every check (none stops the others) through `admin` and returns them all. `loadCheck` starts once the
 * brokers, replication and round trips have passed, so its load can neither cause nor hide their failures (a slave
 * behind under load, a hung slave keeping the benchmark busy for minutes); it runs beside the consumer sample and
 * the metadata check, which read groups and topics it does not write, and is stopped when one of those fails.
 */
export async function verifyCluster(
    admin: VerificationAdmin,
    target: ClusterUnderTest,
    settings: VerificationSettings = DEFAULT_VERIFICATION,
    progress: (msg: string) => void = () => {},
    loadCheck?: LoadCheck,
): Promise<CheckResult[]> {
    progress(`verifying ${target.clusterName}: broker count and versions`);
    const results = checkBrokers(await observeBrokers(admin), target);
    progress(`verifying ${target.clusterName}: slave replication`);
    results.push(...(await checkReplication(admin, target, settings)));
    progress(`verifying ${target.clusterName}: send and consume on every broker group`);
    results.push(...(await checkRoundTrips(admin, target, settings)));
    const stop = new AbortController();
    let loaded: Promise<CheckResult> | undefined;
    if (loadCheck && results.every((r) => r.ok)) {
        progress(`verifying ${target.clusterName}: benchmark against the baseline, beside the checks below`);
        loaded = loadCheck(stop.signal);
    } else if (loadCheck) {
        results.push({ check: "baseline", ok: false, detail: "not measured: the cluster failed the checks above" });
    }
    try {
        progress(`verifying ${target.clusterName}: consumer progress over ${settings.consumerSampleSeconds}s`);
        results.push(...(await checkConsumers(admin, settings)));
        if (target.metadataRecord) {
            progress(`verifying ${target.clusterName}: metadata against ${target.metadataRecord.source}`);
            results.push(...(await checkMetadata(admin, target.metadataRecord)));
        }
    } catch (err) {
        // Its JVM is gone before the error goes on.
        stop.abort();
        await loaded;
        throw err;
    }
    if (loaded) {
        if (results.some((r) => !r.ok)) {
            stop.abort();
        }
        const measured = await loaded;
        results.push(
            stop.signal.aborted
                ? { check: "baseline", ok: false, detail: "not measured: the cluster failed the checks beside it" }
                : measured,
        );
    }
    return results;
}

/** The error a failed verification raises: every failed check with its subject and numbers. */
export function failureMessage(clusterName: string, results: CheckResult[], reportFile: string): string | undefined {
    const failed = results.filter((r) => !r.ok);
    if (failed.length === 0) {
        return undefined;
    }
    const lines = failed.map((r) => `[${r.check}${r.subject ? ` ${r.subject}` : ""}] ${r.detail}`);
    return `verification of cluster ${clusterName} failed (${failed.length} of ${results.length} checks):\n  ${lines.join("\n  ")}\nfull report: ${reportFile}`;
}
