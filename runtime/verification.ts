/**
 * The seed's post-change verification (§3.3), as code. Every check returns
 * numbers, not just a verdict, so a failure names the check, the broker and
 * what was measured against what was allowed.
 */
import { RocketMQRuntime } from "./maven";
import { commitLogMaxOffset, mqadmin, parseClusterList, topicRoutePerms, updateTopic, versionLabel } from "./mqadmin";

export interface VerifiedBroker {
    brokerName: string;
    brokerId: number;
    address: string;
}

export interface CheckResult {
    check: "broker-count" | "broker-version" | "replication" | "round-trip" | "consumer-progress" | "baseline";
    ok: boolean;
    /** The broker (brokerName/brokerId) or group the result is about, if any. */
    subject?: string;
    detail: string;
    numbers?: Record<string, number>;
}

export interface VerificationSettings {
    /** Largest allowed master-minus-slave commit-log offset, in bytes, after waiting for catch-up. */
    maxReplicationLagBytes: number;
    /** How long a slave may take to catch up before the lag counts. */
    replicationWaitSeconds: number;
    /** The topic used for the send-and-consume round trip on every broker group. */
    verifyTopic: string;
    /** Seconds between the two consumer-progress samples. */
    consumerSampleSeconds: number;
    /** A group's backlog may grow by at most this many messages between samples. */
    consumerDiffSlack: number;
}

export const DEFAULT_VERIFICATION: VerificationSettings = {
    maxReplicationLagBytes: 0,
    replicationWaitSeconds: 30,
    verifyTopic: "RMQ_UPGRADE_VERIFY",
    consumerSampleSeconds: 5,
    consumerDiffSlack: 1000,
};

export interface ClusterUnderTest {
    runtime: RocketMQRuntime;
    nameServers: string;
    clusterName: string;
    expectedVersion: string;
    brokers: VerifiedBroker[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Broker count and versions, from one clusterList. Pure over its output. */
export function checkClusterList(output: string, target: ClusterUnderTest): CheckResult[] {
    const rows = parseClusterList(output).filter((r) => r.cluster === target.clusterName);
    const results: CheckResult[] = [
        {
            check: "broker-count",
            ok: rows.length === target.brokers.length,
            detail: `${rows.length} of ${target.brokers.length} brokers registered in cluster ${target.clusterName}`,
            numbers: { registered: rows.length, expected: target.brokers.length },
        },
    ];
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
        const want = versionLabel(target.expectedVersion);
        results.push({
            check: "broker-version",
            ok: row.version === want,
            subject,
            detail: `${subject} reports ${row.version || "no version"}, expected ${want}`,
        });
    }
    return results;
}

/** Parses the summary of `mqadmin consumerProgress` (no -g): group → Diff Total. */
export function parseConsumerProgress(output: string): Map<string, number> {
    const diffs = new Map<string, number>();
    for (const line of output.split("\n")) {
        const cols = line.trim().split(/\s+/);
        // #Group #Count #Version #Type #Model #TPS #Diff Total: the last column is the backlog.
        if (cols.length >= 7 && !line.trim().startsWith("#") && /^\d+$/.test(cols[cols.length - 1])) {
            diffs.set(cols[0], Number(cols[cols.length - 1]));
        }
    }
    return diffs;
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

async function checkReplication(target: ClusterUnderTest, s: VerificationSettings): Promise<CheckResult[]> {
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
        let error = "";
        while (Date.now() < deadline) {
            try {
                masterOffset = await commitLogMaxOffset(target.runtime, target.nameServers, master.address);
                slaveOffset = await commitLogMaxOffset(target.runtime, target.nameServers, slave.address);
                lag = masterOffset - slaveOffset;
                error = "";
            } catch (err) {
                error = (err as Error).message.split("\n")[0];
            }
            if (lag <= s.maxReplicationLagBytes) {
                break;
            }
            await sleep(1000);
        }
        results.push({
            check: "replication",
            ok: lag <= s.maxReplicationLagBytes,
            subject,
            detail: error
                ? `${subject} (${slave.address}) did not answer brokerStatus: ${error}`
                : `${subject} is ${lag} bytes behind its master (master ${masterOffset}, slave ${slaveOffset}, allowed ${s.maxReplicationLagBytes})`,
            numbers: { masterOffset, slaveOffset, lag: Number.isFinite(lag) ? lag : -1 },
        });
    }
    return results;
}

async function checkRoundTrips(target: ClusterUnderTest, s: VerificationSettings): Promise<CheckResult[]> {
    const { runtime, nameServers } = target;
    const masters = target.brokers.filter((b) => b.brokerId === 0);
    // Created where missing, never rewritten: a verify topic someone made read-only must fail the check, not be fixed by it.
    let perms = (await topicRoutePerms(runtime, nameServers, s.verifyTopic)) ?? new Map<string, number>();
    const missing = masters.filter((m) => !perms.has(m.brokerName));
    for (const m of missing) {
        const queues = { readQueues: 1, writeQueues: 1, perm: 6 } as const;
        await updateTopic(runtime, nameServers, { brokerAddress: m.address }, s.verifyTopic, queues);
    }
    if (missing.length > 0) {
        perms = (await topicRoutePerms(runtime, nameServers, s.verifyTopic)) ?? perms;
    }
    const results: CheckResult[] = [];
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
        const since = String(Date.now() - 1000);
        let detail: string;
        let ok = false;
        try {
            // Queue 0 of this master only: the round trip must prove this broker, not any broker.
            const queue = ["-n", nameServers, "-t", s.verifyTopic, "-b", master.brokerName, "-i", "0"];
            const sent = await mqadmin(runtime, ["sendMessage", ...queue, "-p", body]);
            if (!/SEND_OK/.test(sent)) {
                detail = `send to ${master.brokerName} did not return SEND_OK: ${sent.trim().split("\n").pop()}`;
            } else {
                const read = await mqadmin(runtime, ["consumeMessage", ...queue, "-s", since, "-c", "64"]);
                ok = read.includes(`BODY: ${body}`);
                detail = ok
                    ? `sent and consumed a message on ${master.brokerName}`
                    : `the message sent to ${master.brokerName} was not consumed back`;
            }
        } catch (err) {
            detail = `round trip on ${master.brokerName} failed: ${(err as Error).message.split("\n").slice(0, 3).join(" ")}`;
        }
        results.push({ check: "round-trip", ok, subject: master.brokerName, detail });
    }
    return results;
}

async function checkConsumers(target: ClusterUnderTest, s: VerificationSettings): Promise<CheckResult[]> {
    const sample = async () =>
        parseConsumerProgress(await mqadmin(target.runtime, ["consumerProgress", "-n", target.nameServers]));
    const first = await sample();
    await sleep(s.consumerSampleSeconds * 1000);
    return growingBacklogs(first, await sample(), s.consumerDiffSlack);
}

/** Runs every check (none stops the others) and returns them all. */
export async function verifyCluster(
    target: ClusterUnderTest,
    settings: VerificationSettings = DEFAULT_VERIFICATION,
    progress: (msg: string) => void = () => {},
): Promise<CheckResult[]> {
    progress(`verifying ${target.clusterName}: broker count and versions`);
    const results = checkClusterList(await mqadmin(target.runtime, ["clusterList", "-n", target.nameServers]), target);
    progress(`verifying ${target.clusterName}: slave replication`);
    results.push(...(await checkReplication(target, settings)));
    progress(`verifying ${target.clusterName}: send and consume on every broker group`);
    results.push(...(await checkRoundTrips(target, settings)));
    progress(`verifying ${target.clusterName}: consumer progress over ${settings.consumerSampleSeconds}s`);
    results.push(...(await checkConsumers(target, settings)));
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
