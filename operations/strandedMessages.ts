/**
 * Messages a broker holds that no consumer group's lag shows, and that are
 * lost if the broker is retired: scheduled messages (delay levels, and
 * consumer retries waiting out their back-off), transactional half messages
 * not yet committed or rolled back, and dead letters nobody consumes.
 *
 * Counted from the brokers through the admin protocol, never guessed:
 * - scheduled: per delay level, the schedule queue's max offset against the
 *   broker's delay offset from its runtime stats (how far delivery got);
 * - half: the half queue from the transaction checker's committed offset,
 *   less the half offsets the op queue records as committed or rolled back
 *   (5.x; on 4.9.7 the op topic has no topic config, so no route and no
 *   read: a settled transaction leaves the count once the checker's next
 *   pass moves past it, up to two check intervals, 2 min by default);
 * - timer (5.x): the broker's timer metrics;
 * - dead letters: each `%DLQ%` queue's max minus min offset.
 */
import type { AdminApi } from "../domain/rocketmqAdmin";
import type { PulledMessage } from "../domain/rocketmqAdmin";
import {
    SCHEDULE_TOPIC,
    HALF_TOPIC,
    OP_TOPIC,
    TRANSACTION_CHECKER_GROUP,
    DLQ_PREFIX,
    DEFAULT_DELAY_LEVELS,
} from "../domain/heldMessages";

/** A broker group's master: all the counting needs (runtime code does not reach up into components/). */
export interface MasterRef {
    brokerName: string;
    address: string;
}

/** Half and op messages read per broker at most: beyond it the count is a lower bound, and says so. */
export const MAX_MESSAGES_READ = 5000;

export interface ScheduledLevel {
    level: number;
    /** Messages written at this level and not yet delivered. */
    pending: number;
    /** When the oldest of them is due (ms since the epoch), if it could be read. */
    nextDueAt?: number;
}

/** What one master holds that retiring it would strand. */
export interface StrandedCounts {
    brokerName: string;
    scheduled: ScheduledLevel[];
    half: { pending: number; atLeast: boolean };
    /** 5.x timer messages not yet due (0 on 4.x, which has no timers). */
    timers: number;
    deadLetters: Array<{ topic: string; messages: number }>;
}

export type StrandedAdmin = Pick<
    AdminApi,
    "runtimeStats" | "brokerConfig" | "topics" | "topicStats" | "consumeStats" | "pullFromQueue" | "timerMetrics"
>;

/**
 * 5.x timer messages not yet due on a broker: the broker's own timer metrics,
 * summed over topics (what a 5.x slave syncs from its master). 0 from a 4.x
 * broker, which answers that it has no such request.
 */
export async function pendingTimerMessages(admin: Pick<AdminApi, "timerMetrics">, address: string): Promise<number> {
    const metrics = await admin.timerMetrics(address);
    return Object.values(metrics ?? {}).reduce((sum, n) => sum + Math.max(0, n), 0);
}

/** `scheduleMessageOffset_<level>: "<delayOffset>,<maxOffset>"` entries of a broker's runtime stats. Pure. */
export function scheduledFromRuntimeStats(
    stats: Record<string, string>,
): Array<{ level: number; delayOffset: number; maxOffset: number }> {
    const levels: Array<{ level: number; delayOffset: number; maxOffset: number }> = [];
    for (const [key, value] of Object.entries(stats)) {
        const k = /^scheduleMessageOffset_(\d+)$/.exec(key);
        const v = /^\s*(-?\d+)\s*,\s*(-?\d+)\s*$/.exec(value);
        if (k && v) {
            levels.push({ level: Number(k[1]), delayOffset: Number(v[1]), maxOffset: Number(v[2]) });
        }
    }
    return levels.sort((a, b) => a.level - b.level);
}

/** A `messageDelayLevel` string ("1s 5s … 2h") as milliseconds per level (index 0 is level 1). Pure. */
export function delayLevelMillis(messageDelayLevel: string): number[] {
    const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    return messageDelayLevel
        .trim()
        .split(/\s+/)
        .map((part) => {
            const m = /^(\d+)([smhd])$/.exec(part);
            if (!m) {
                throw new Error(
                    `messageDelayLevel "${messageDelayLevel}": "${part}" is not a number with s, m, h or d`,
                );
            }
            return Number(m[1]) * unit[m[2]];
        });
}

/** Half-queue offsets the op messages mark as committed or rolled back (bodies "12" or "12,13,14"). Pure. */
export function resolvedHalfOffsets(opBodies: readonly string[]): Set<number> {
    const resolved = new Set<number>();
    for (const body of opBodies) {
        for (const part of body.split(",")) {
            if (/^\s*\d+\s*$/.test(part)) {
                resolved.add(Number(part));
            }
        }
    }
    return resolved;
}

/**
 * Transactions still open among the half messages read: not resolved by an
 * op message, counted once per message key (the checker puts a message it
 * asks about back at the end of the queue, so one transaction can appear twice). Pure.
 */
export function openTransactions(half: readonly PulledMessage[], resolved: ReadonlySet<number>): number {
    const open = new Set<string>();
    const resolvedKeys = new Set<string>();
    for (const m of half) {
        const key = m.properties.UNIQ_KEY ?? `offset:${m.queueOffset}`;
        if (resolved.has(m.queueOffset)) {
            resolvedKeys.add(key);
        } else {
            open.add(key);
        }
    }
    return [...open].filter((k) => !resolvedKeys.has(k)).length;
}

function humanDuration(ms: number): string {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) {
        return `${s}s`;
    }
    if (s < 3600) {
        return `${Math.round(s / 60)}m`;
    }
    return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * What one broker holds, in words, for the refusal; empty when it holds
 * nothing that counts. Dead letters count only when `deadLettersHold`. Pure.
 */
export function strandedParts(counts: StrandedCounts, now: number, deadLettersHold: boolean): string[] {
    const parts: string[] = [];
    for (const s of counts.scheduled) {
        const due = s.nextDueAt === undefined ? "" : `, next due in ${humanDuration(s.nextDueAt - now)}`;
        parts.push(`${s.pending} scheduled message(s) (delay level ${s.level}${due})`);
    }
    if (counts.timers > 0) {
        parts.push(`${counts.timers} timer message(s) not yet due`);
    }
    if (counts.half.pending > 0) {
        parts.push(`${counts.half.atLeast ? "at least " : ""}${counts.half.pending} transactional half message(s)`);
    }
    if (deadLettersHold) {
        for (const d of counts.deadLetters) {
            parts.push(`${d.messages} message(s) in ${d.topic}`);
        }
    }
    return parts;
}

/** "blue-a holds …; blue-b holds …" for every broker that holds something that counts; "" when none does. Pure. */
export function strandedSummary(counts: readonly StrandedCounts[], now: number, deadLettersHold: boolean): string {
    return counts
        .map((c) => ({ c, parts: strandedParts(c, now, deadLettersHold) }))
        .filter((x) => x.parts.length > 0)
        .map((x) => `${x.c.brokerName} holds ${x.parts.join(", ")}`)
        .join("; ");
}

/** Reads a queue of `master` from `from` to `to` (exclusive), at most MAX_MESSAGES_READ messages. */
async function readQueue(
    admin: StrandedAdmin,
    master: MasterRef,
    topic: string,
    from: number,
    to: number,
    withBody: boolean,
): Promise<{ messages: PulledMessage[]; complete: boolean }> {
    const messages: PulledMessage[] = [];
    let offset = from;
    while (offset < to && messages.length < MAX_MESSAGES_READ) {
        const page = await admin.pullFromQueue(
            { topic, brokerName: master.brokerName, queueId: 0 },
            offset,
            32,
            withBody,
        );
        if (page.length === 0) {
            break;
        }
        messages.push(...page.filter((m) => m.queueOffset < to));
        offset = page[page.length - 1].queueOffset + 1;
    }
    return { messages, complete: offset >= to };
}

/** Queue 0 of `topic` on `master`: the checker's committed offset (else the queue's minimum) and the max offset. */
async function checkerWindow(
    admin: StrandedAdmin,
    master: MasterRef,
    topic: string,
): Promise<{ from: number; to: number }> {
    // The checker's offset first, the queue's end after: a check pass in between (it writes a renewed copy of each
    // open half message at the end and moves its offset to where the end was) then widens the window, and copies
    // count once by their key. In the other order that pass left a window of nothing.
    // A broker without the topic answers consumeStats with no queue, not an error.
    const progress = (await admin.consumeStats(master.address, TRANSACTION_CHECKER_GROUP, topic)).find(
        (p) => p.brokerName === master.brokerName && p.queueId === 0,
    );
    const stats = (await admin.topicStats(topic)).find((q) => q.brokerName === master.brokerName && q.queueId === 0);
    if (!stats) {
        return { from: 0, to: 0 };
    }
    const committed = progress && progress.consumerOffset > 0 ? progress.consumerOffset : stats.minOffset;
    return { from: Math.max(committed, stats.minOffset), to: stats.maxOffset };
}

/** Routed topics only: a broker that never had a transactional message has no half topic route. */
async function routed(admin: StrandedAdmin, topic: string): Promise<boolean> {
    try {
        return (await admin.topicStats(topic)).length > 0;
    } catch {
        return false;
    }
}

/**
 * Per delay level, where delivery stands and what was written: the schedule queue's offsets (queue = level - 1),
 * and the broker's delay offset where its runtime stats have one. A level never delivered from has no stats entry
 * (the broker records a delay offset only once it has delivered at that level), and its delivery starts at the
 * queue's first message. Pure.
 */
export function scheduledBacklog(
    queues: ReadonlyArray<{ queueId: number; minOffset: number; maxOffset: number }>,
    stats: ReadonlyArray<{ level: number; delayOffset: number }>,
): Array<{ level: number; from: number; pending: number }> {
    const delivered = new Map(stats.map((l) => [l.level, l.delayOffset]));
    return queues
        .map((q) => {
            const level = q.queueId + 1;
            const from = Math.max(delivered.get(level) ?? q.minOffset, q.minOffset);
            return { level, from, pending: Math.max(0, q.maxOffset - from) };
        })
        .filter((l) => l.pending > 0)
        .sort((x, y) => x.level - y.level);
}

async function countScheduled(admin: StrandedAdmin, master: MasterRef): Promise<ScheduledLevel[]> {
    const queues = (await admin.topicStats(SCHEDULE_TOPIC).catch(() => [])).filter(
        (q) => q.brokerName === master.brokerName,
    );
    const pending = scheduledBacklog(queues, scheduledFromRuntimeStats(await admin.runtimeStats(master.address)));
    if (pending.length === 0) {
        return [];
    }
    const config = await admin.brokerConfig(master.address);
    const delays = delayLevelMillis(config.messageDelayLevel || DEFAULT_DELAY_LEVELS);
    const levels: ScheduledLevel[] = [];
    for (const l of pending) {
        const level: ScheduledLevel = { level: l.level, pending: l.pending };
        // The oldest undelivered message of the level is where delivery stands; it is due a level's delay after it was stored.
        const [oldest] = await admin
            .pullFromQueue(
                { topic: SCHEDULE_TOPIC, brokerName: master.brokerName, queueId: l.level - 1 },
                l.from,
                1,
                false,
            )
            .catch(() => []);
        if (oldest && delays[l.level - 1] !== undefined) {
            level.nextDueAt = oldest.storeTimestamp + delays[l.level - 1];
        }
        levels.push(level);
    }
    return levels;
}

async function countHalf(admin: StrandedAdmin, master: MasterRef): Promise<{ pending: number; atLeast: boolean }> {
    if (!(await routed(admin, HALF_TOPIC))) {
        return { pending: 0, atLeast: false };
    }
    const half = await checkerWindow(admin, master, HALF_TOPIC);
    if (half.to <= half.from) {
        return { pending: 0, atLeast: false };
    }
    const halfRead = await readQueue(admin, master, HALF_TOPIC, half.from, half.to, false);
    let ops = { messages: [] as PulledMessage[], complete: true };
    if (await routed(admin, OP_TOPIC)) {
        const op = await checkerWindow(admin, master, OP_TOPIC);
        ops = await readQueue(admin, master, OP_TOPIC, op.from, op.to, true);
    }
    const resolved = resolvedHalfOffsets(ops.messages.map((m) => m.body ?? ""));
    return {
        pending: openTransactions(halfRead.messages, resolved),
        // Unread op messages could only resolve more: the count is then an upper bound, unread half messages a lower one.
        atLeast: !halfRead.complete,
    };
}

async function countDeadLetters(
    admin: StrandedAdmin,
    master: MasterRef,
): Promise<Array<{ topic: string; messages: number }>> {
    const held: Array<{ topic: string; messages: number }> = [];
    const dlqs = (await admin.topics(master.address)).filter((t) => t.topicName.startsWith(DLQ_PREFIX));
    for (const t of dlqs.sort((a, b) => a.topicName.localeCompare(b.topicName))) {
        const messages = (await admin.topicStats(t.topicName))
            .filter((q) => q.brokerName === master.brokerName)
            .reduce((sum, q) => sum + Math.max(0, q.maxOffset - q.minOffset), 0);
        if (messages > 0) {
            held.push({ topic: t.topicName, messages });
        }
    }
    return held;
}

/** Open transactions on `master`, and the transaction records (op messages) its checker has not processed yet. */
export async function transactionRecords(
    admin: StrandedAdmin,
    master: MasterRef,
): Promise<{ open: number; unprocessed: number }> {
    const open = (await countHalf(admin, master)).pending;
    if (!(await routed(admin, OP_TOPIC))) {
        return { open, unprocessed: 0 };
    }
    const op = await checkerWindow(admin, master, OP_TOPIC);
    return { open, unprocessed: Math.max(0, op.to - op.from) };
}

/** Everything `master` holds that retiring it would strand. */
export async function countStranded(admin: StrandedAdmin, master: MasterRef): Promise<StrandedCounts> {
    return {
        brokerName: master.brokerName,
        scheduled: await countScheduled(admin, master),
        half: await countHalf(admin, master),
        timers: await pendingTimerMessages(admin, master.address),
        deadLetters: await countDeadLetters(admin, master),
    };
}
