/**
 * What each broker holds besides messages: topics, subscription groups,
 * consumer offsets and delay offsets, recorded through the admin session and
 * compared around a change. RocketMQ's own tracker knows 5.x slaves that
 * dropped topic and subscription configs after an upgrade, and delayed
 * messages replayed from a delay offset that went back; a broker that
 * restarts serves either way, so only a comparison shows it.
 */
import * as fs from "fs";
import * as path from "path";
import type { AdminApi } from "../domain/rocketmqAdmin";
import { scheduledFromRuntimeStats } from "./strandedMessages";

/** The record's file in a backup. */
export const METADATA_FILE = "broker-metadata.json";

/** The admin calls a record needs (a fake in unit tests). */
export type MetadataAdmin = Pick<AdminApi, "topics" | "groups" | "consumeStats" | "runtimeStats">;

export interface TopicShape {
    readQueueNums: number;
    writeQueueNums: number;
    perm: number;
}

/** The settings of a subscription group that decide how its failed messages are retried. */
export interface GroupShape {
    retryMaxTimes?: number;
    retryQueueNums?: number;
    consumeBroadcastEnable?: boolean;
}

/** One broker's metadata at one moment. */
export interface BrokerMetadata {
    /** brokerName/brokerId */
    broker: string;
    address: string;
    topics: Record<string, TopicShape>;
    groups: Record<string, GroupShape>;
    /** "group topic queueId" → the committed offset. */
    consumerOffsets: Record<string, number>;
    /** delay level → the offset the broker has delivered up to in its schedule queue. */
    delayOffsets: Record<string, number>;
}

export interface MetadataRecord {
    takenAt: string;
    brokers: BrokerMetadata[];
}

/** A broker whose metadata is recorded. */
export interface MetadataSubject {
    brokerName: string;
    brokerId: number;
    address: string;
}

const GROUP_SETTINGS = ["retryMaxTimes", "retryQueueNums", "consumeBroadcastEnable"] as const;

/** One broker's metadata, or undefined when it does not answer (a broker that is down holds nothing to compare). */
export async function brokerMetadata(
    admin: MetadataAdmin,
    subject: MetadataSubject,
): Promise<BrokerMetadata | undefined> {
    let topics, groups, stats;
    try {
        // One request first: a hung broker then costs one request timeout, not three in the session's queue.
        topics = await admin.topics(subject.address);
        [groups, stats] = await Promise.all([admin.groups(subject.address), admin.runtimeStats(subject.address)]);
    } catch {
        return undefined;
    }
    const record: BrokerMetadata = {
        broker: `${subject.brokerName}/${subject.brokerId}`,
        address: subject.address,
        topics: {},
        groups: {},
        consumerOffsets: {},
        delayOffsets: {},
    };
    for (const t of topics) {
        record.topics[t.topicName] = {
            readQueueNums: t.readQueueNums,
            writeQueueNums: t.writeQueueNums,
            perm: t.perm,
        };
    }
    // Asked all at once: the session answers in order, and no call waits for the one before to come back.
    const progress = await Promise.all(
        groups.map((g) => admin.consumeStats(subject.address, g.groupName).catch(() => [])),
    );
    groups.forEach((g, i) => {
        const shape: GroupShape = {};
        for (const key of GROUP_SETTINGS) {
            if (g[key] !== undefined) {
                (shape as Record<string, unknown>)[key] = g[key];
            }
        }
        record.groups[g.groupName] = shape;
        for (const q of progress[i]) {
            if (q.consumerOffset > 0) {
                record.consumerOffsets[`${g.groupName} ${q.topic} ${q.queueId}`] = q.consumerOffset;
            }
        }
    });
    for (const level of scheduledFromRuntimeStats(stats)) {
        record.delayOffsets[String(level.level)] = level.delayOffset;
    }
    return record;
}

/** The brokers a record covers, to read them again. Pure. */
export function subjectsOf(record: MetadataRecord): MetadataSubject[] {
    return record.brokers.map((b) => {
        const [brokerName, brokerId] = b.broker.split("/");
        return { brokerName, brokerId: Number(brokerId), address: b.address };
    });
}

/** Every answering broker's metadata, in the order given. */
export async function recordMetadata(
    admin: MetadataAdmin,
    subjects: readonly MetadataSubject[],
    now = new Date(),
): Promise<MetadataRecord> {
    const read = await Promise.all(subjects.map((s) => brokerMetadata(admin, s)));
    return { takenAt: now.toISOString(), brokers: read.filter((m): m is BrokerMetadata => m !== undefined) };
}

export interface ComparisonRules {
    /**
     * Queue counts and permissions are the tool's own lever in a blue-green
     * stage; in a roll nothing should change them.
     */
    queueShapesMayChange: boolean;
}

/**
 * What changed for the worse between two records, one line per finding
 * naming the broker: a topic or group that vanished, a group whose retry
 * settings changed, a consumer offset that went back (messages consumed
 * again), a delay offset that went back (scheduled messages delivered
 * again), and, unless the rules allow it, a topic's queue counts or
 * permission. A slave is held to what its master holds now, and its offsets
 * (copies of its master's) are not compared. Brokers missing
 * from either record are left out: one that does not answer is the roll's or
 * the drain gate's concern. Pure.
 */
export function metadataRegressions(before: MetadataRecord, after: MetadataRecord, rules: ComparisonRules): string[] {
    const findings: string[] = [];
    const now = new Map(after.brokers.map((b) => [b.broker, b]));
    for (const was of before.brokers) {
        const is = now.get(was.broker);
        if (!is) {
            continue;
        }
        const at = was.broker;
        // A slave holds what its master holds: its periodic sync drops what the master lacks (a 5.x slave's own
        // system topics under a 4.x master), which is no loss. What the master holds and the slave lost is.
        const master = at.endsWith("/0") ? undefined : now.get(`${at.split("/")[0]}/0`);
        const expected = (table: "topics" | "groups", name: string) => !master || name in master[table];
        for (const [topic, shape] of Object.entries(was.topics)) {
            const current = is.topics[topic];
            if (!current) {
                if (expected("topics", topic)) {
                    findings.push(`topic ${topic} vanished from ${at}`);
                }
            } else if (!rules.queueShapesMayChange) {
                for (const key of ["readQueueNums", "writeQueueNums", "perm"] as const) {
                    if (current[key] !== shape[key]) {
                        findings.push(`topic ${topic} on ${at}: ${key} ${shape[key]} → ${current[key]}`);
                    }
                }
            }
        }
        for (const [group, shape] of Object.entries(was.groups)) {
            const current = is.groups[group];
            if (!current) {
                if (expected("groups", group)) {
                    findings.push(`subscription group ${group} vanished from ${at}`);
                }
                continue;
            }
            for (const key of GROUP_SETTINGS) {
                if (shape[key] !== undefined && current[key] !== undefined && current[key] !== shape[key]) {
                    findings.push(
                        `subscription group ${group} on ${at}: ${key} ${String(shape[key])} → ${String(current[key])}`,
                    );
                }
            }
        }
        // Offsets that replay messages are the master's: a slave's are copies its periodic sync overwrites, and
        // while its master restarts they are taken from the master's last persisted state.
        const offsetsCount = at.endsWith("/0");
        for (const [key, offset] of Object.entries(offsetsCount ? was.consumerOffsets : {})) {
            const current = is.consumerOffsets[key];
            if (current !== undefined && current < offset) {
                const [group, topic, queueId] = key.split(" ");
                findings.push(
                    `consumer offset of ${group} on ${topic} queue ${queueId} at ${at} went back from ${offset} to ${current} ` +
                        `(those messages would be consumed again)`,
                );
            }
        }
        for (const [level, offset] of Object.entries(offsetsCount ? was.delayOffsets : {})) {
            const current = is.delayOffsets[level];
            if (current !== undefined && current < offset) {
                findings.push(
                    `delay offset of level ${level} at ${at} went back from ${offset} to ${current} ` +
                        `(scheduled messages would be delivered again)`,
                );
            }
        }
    }
    return findings;
}

/** The record kept in a backup directory, or undefined when it has none (a backup older than the record). */
export function readMetadataRecord(backupDir: string): MetadataRecord | undefined {
    const file = path.join(backupDir, METADATA_FILE);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as MetadataRecord) : undefined;
}
