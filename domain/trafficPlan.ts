/**
 * The traffic weight turned into queue counts. With shared routing a
 * producer round-robins over every writable queue of a topic's route, so
 * green's share of a topic's write queues is green's share of its writes.
 * Pure: the provider feeds it what the brokers report and applies what it
 * returns.
 *
 * Rules every plan keeps:
 * - read queue counts never drop: a queue that may hold unconsumed messages
 *   stays readable, so moving traffic never strands a message;
 * - at 0 green takes no writes, at 100 blue takes no writes; both keep read;
 * - an ordered topic is never split (key order would break): it sits wholly
 *   on one colour and moves at one stage, through a write pause.
 */
import type { TopicConfigData } from "./rocketmqAdmin";

export const PERM_READ = 4;
export const PERM_WRITE = 2;
export const PERM_READ_WRITE = PERM_READ | PERM_WRITE;

/** How green's and blue's write queues of one topic split. */
export interface WriteSplit {
    /** Write queues on each blue master, in master order. */
    blueWrites: number[];
    greenWrites: number[];
    blueWritable: boolean;
    greenWritable: boolean;
    /** Green's share of the topic's writable queues, in percent (what producers will see). */
    effectiveShare: number;
}

function spread(total: number, slots: number): number[] {
    return Array.from({ length: slots }, (_, i) => Math.floor(total / slots) + (i < total % slots ? 1 : 0));
}

/**
 * Green's and blue's write-queue counts for `weight` percent of writes to
 * green: the pair of totals whose share is closest to the weight, the one
 * with more queues (more parallelism) on a tie; each colour's total spread
 * evenly over its masters.
 */
export function splitWrites(
    weight: number,
    blueMasters: number,
    blueQueuesPerMaster: number,
    greenMasters: number,
    greenQueuesPerMaster: number,
): WriteSplit {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
        throw new RangeError(`weight ${weight} must be an integer from 0 to 100`);
    }
    const blueMax = blueMasters * blueQueuesPerMaster;
    const greenMax = greenMasters * greenQueuesPerMaster;
    if (weight === 0 || greenMax === 0) {
        return {
            blueWrites: spread(blueMax, blueMasters),
            greenWrites: spread(greenMax, greenMasters),
            blueWritable: true,
            greenWritable: false,
            effectiveShare: 0,
        };
    }
    if (weight === 100 || blueMax === 0) {
        return {
            blueWrites: spread(blueMax, blueMasters),
            greenWrites: spread(greenMax, greenMasters),
            blueWritable: false,
            greenWritable: true,
            effectiveShare: 100,
        };
    }
    let best = { blue: blueMax, green: 1, error: Infinity };
    for (let green = 1; green <= greenMax; green++) {
        for (let blue = 1; blue <= blueMax; blue++) {
            const error = Math.abs((100 * green) / (green + blue) - weight);
            const better = error < best.error - 1e-9;
            const tie = Math.abs(error - best.error) <= 1e-9 && green + blue > best.green + best.blue;
            if (better || tie) {
                best = { blue, green, error };
            }
        }
    }
    return {
        blueWrites: spread(best.blue, blueMasters),
        greenWrites: spread(best.green, greenMasters),
        blueWritable: true,
        greenWritable: true,
        effectiveShare: (100 * best.green) / (best.green + best.blue),
    };
}

/** A master broker of one colour. */
export interface MasterRef {
    brokerName: string;
    address: string;
}

/** What a colour's masters hold now: topic configs by brokerName. */
export interface ColourState {
    clusterName: string;
    masters: MasterRef[];
    topics: Record<string, TopicConfigData[]>;
}

/** A topic the stack config declares. */
export interface DeclaredTopic {
    name: string;
    /** Read (and full write) queues per master. */
    queues: number;
    /** Ordered (FIFO per key): never split; moves at `orderedCutover`. */
    ordered: boolean;
}

/** Topics that belong to RocketMQ or to this tool, never split or copied. */
const SYSTEM_TOPICS = new Set([
    "TBW102",
    "SCHEDULE_TOPIC_XXXX",
    "BenchmarkTest",
    "OFFSET_MOVED_EVENT",
    "SELF_TEST_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "RMQ_SYS_TRACE_TOPIC",
]);

/**
 * Topic names a broker creates for its own cluster and broker names (route
 * probes, and the request-reply topic `<cluster>_REPLY_TOPIC`): never moved.
 */
export function reservedTopicNames(clusterNames: readonly string[], brokerNames: readonly string[]): Set<string> {
    return new Set([...clusterNames, ...clusterNames.map((c) => `${c}_REPLY_TOPIC`), ...brokerNames]);
}

/** The kind of a topic name as far as traffic moves go. */
export function topicKind(name: string, reservedNames: ReadonlySet<string>): "system" | "retry" | "business" {
    if (
        SYSTEM_TOPICS.has(name) ||
        reservedNames.has(name) ||
        /^(rmq_sys_|RMQ_SYS_|RMQ_UPGRADE_)/.test(name) ||
        name.startsWith("%DLQ%") ||
        name.startsWith("%LMQ%")
    ) {
        return "system";
    }
    return name.startsWith("%RETRY%") ? "retry" : "business";
}

/** One write to a broker's topic config. */
export interface TopicWrite {
    colour: "blue" | "green";
    brokerName: string;
    address: string;
    config: TopicConfigData;
}

/** The plan for one business topic. */
export interface TopicPlan {
    topic: string;
    ordered: boolean;
    effectiveShare: number;
    /** Per brokerName, what the route will carry after the change. */
    target: Record<string, { readQueueNums: number; writeQueueNums: number; perm: number }>;
}

export interface TrafficPlan {
    topics: TopicPlan[];
    /**
     * Writes that add write queues or permissions: applied first, so that a
     * producer always has somewhere to write.
     */
    opens: TopicWrite[];
    /** Writes that remove write queues or permissions: applied after the opens. */
    closes: TopicWrite[];
    /** Ordered topics whose colour changes: close the old colour, wait out route refresh and drain, then open. */
    orderedMoves: { topic: string; from: "blue" | "green"; closes: TopicWrite[]; opens: TopicWrite[] }[];
    /** Retry topics to copy to green as they are on blue (the broker writes them, not producers). */
    retryCopies: TopicWrite[];
}

function totalWrite(c: { writeQueueNums: number; perm: number }): number {
    return c.perm & PERM_WRITE ? c.writeQueueNums : 0;
}

/** The business topics on blue, with the largest per-master read count as their size; declared topics included. */
export function blueTopics(
    blue: ColourState,
    declared: readonly DeclaredTopic[],
    reservedNames: ReadonlySet<string>,
): Map<string, { queues: number; template: TopicConfigData }> {
    const topics = new Map<string, { queues: number; template: TopicConfigData }>();
    for (const configs of Object.values(blue.topics)) {
        for (const c of configs) {
            if (topicKind(c.topicName, reservedNames) !== "business") {
                continue;
            }
            const seen = topics.get(c.topicName);
            if (!seen || c.readQueueNums > seen.queues) {
                topics.set(c.topicName, { queues: c.readQueueNums, template: c });
            }
        }
    }
    for (const d of declared) {
        const seen = topics.get(d.name);
        const queues = Math.max(d.queues, seen?.queues ?? 0);
        topics.set(d.name, {
            queues,
            template: seen?.template ?? {
                topicName: d.name,
                readQueueNums: queues,
                writeQueueNums: queues,
                perm: PERM_READ_WRITE,
                order: d.ordered,
            },
        });
    }
    return topics;
}

export interface TrafficPlanInput {
    weight: number;
    blue: ColourState;
    green: ColourState;
    declared: readonly DeclaredTopic[];
    /** The stage at which ordered topics move wholly to green (and below which they are wholly on blue). */
    orderedCutover: number;
}

/**
 * Every topic config write that brings both colours to `weight`, split into
 * opens and closes. Read queue counts are never lowered: a broker keeps at
 * least the read queues it has, and green gets blue's count.
 */
export function planTraffic(input: TrafficPlanInput): TrafficPlan {
    const { blue, green } = input;
    const reserved = reservedTopicNames(
        [blue.clusterName, green.clusterName],
        [...blue.masters, ...green.masters].map((m) => m.brokerName),
    );
    const orderedNames = new Set(input.declared.filter((d) => d.ordered).map((d) => d.name));
    const plan: TrafficPlan = { topics: [], opens: [], closes: [], orderedMoves: [], retryCopies: [] };
    const current = (colour: ColourState, brokerName: string, topic: string) =>
        colour.topics[brokerName]?.find((c) => c.topicName === topic);

    for (const [topic, { queues, template }] of [...blueTopics(blue, input.declared, reserved)].sort()) {
        const ordered = orderedNames.has(topic) || template.order === true;
        const weight = ordered ? (input.weight >= input.orderedCutover ? 100 : 0) : input.weight;
        const split = splitWrites(weight, blue.masters.length, queues, green.masters.length, queues);
        const topicPlan: TopicPlan = { topic, ordered, effectiveShare: split.effectiveShare, target: {} };
        const writes: { write: TopicWrite; opens: boolean; closes: boolean }[] = [];
        const side = (colour: "blue" | "green", state: ColourState, counts: number[], writable: boolean) => {
            state.masters.forEach((m, i) => {
                const now = current(state, m.brokerName, topic);
                const readQueueNums = Math.max(queues, now?.readQueueNums ?? 0);
                const writeQueueNums = writable ? counts[i] : readQueueNums;
                const perm = writable ? PERM_READ_WRITE : PERM_READ;
                topicPlan.target[m.brokerName] = { readQueueNums, writeQueueNums, perm };
                if (
                    now &&
                    now.readQueueNums === readQueueNums &&
                    now.writeQueueNums === writeQueueNums &&
                    now.perm === perm
                ) {
                    return;
                }
                const config: TopicConfigData = {
                    ...(now ?? template),
                    topicName: topic,
                    readQueueNums,
                    writeQueueNums,
                    perm,
                    order: ordered,
                };
                const before = now ? totalWrite(now) : 0;
                const after = totalWrite(config);
                writes.push({
                    write: { colour, brokerName: m.brokerName, address: m.address, config },
                    opens: !now || after > before,
                    closes: after < before,
                });
            });
        };
        side("blue", blue, split.blueWrites, split.blueWritable);
        side("green", green, split.greenWrites, split.greenWritable);
        plan.topics.push(topicPlan);

        const movedFrom = ordered ? orderedSource(blue, green, topic, weight) : undefined;
        if (movedFrom) {
            plan.orderedMoves.push({
                topic,
                from: movedFrom,
                closes: writes.filter((w) => w.closes).map((w) => w.write),
                opens: writes.filter((w) => !w.closes).map((w) => w.write),
            });
            continue;
        }
        for (const w of writes) {
            (w.closes ? plan.closes : plan.opens).push(w.write);
        }
    }

    for (const m of green.masters) {
        const have = new Set((green.topics[m.brokerName] ?? []).map((c) => c.topicName));
        const retry = new Map<string, TopicConfigData>();
        for (const configs of Object.values(blue.topics)) {
            for (const c of configs) {
                if (topicKind(c.topicName, reserved) === "retry" && !have.has(c.topicName)) {
                    retry.set(c.topicName, c);
                }
            }
        }
        for (const c of [...retry.values()].sort((a, b) => a.topicName.localeCompare(b.topicName))) {
            plan.retryCopies.push({ colour: "green", brokerName: m.brokerName, address: m.address, config: c });
        }
    }
    return plan;
}

/**
 * For an ordered topic: the colour it moves away from in this change, or
 * undefined when it stays where it is (or is new everywhere).
 */
function orderedSource(
    blue: ColourState,
    green: ColourState,
    topic: string,
    weight: number,
): "blue" | "green" | undefined {
    const writable = (state: ColourState) =>
        state.masters.some((m) => {
            const c = state.topics[m.brokerName]?.find((t) => t.topicName === topic);
            return c !== undefined && totalWrite(c) > 0;
        });
    if (weight === 100 && writable(blue)) {
        return "blue";
    }
    if (weight === 0 && writable(green)) {
        return "green";
    }
    return undefined;
}

/** Topics and groups green must hold before it may take any write, by name. */
export function missingOnGreen(
    plan: TrafficPlan,
    green: ColourState,
    blueGroups: readonly string[],
    greenGroups: Record<string, readonly string[]>,
): string[] {
    const missing: string[] = [];
    for (const m of green.masters) {
        const topics = new Set((green.topics[m.brokerName] ?? []).map((c) => c.topicName));
        for (const t of plan.topics) {
            if (!topics.has(t.topic)) {
                missing.push(`topic ${t.topic} on ${m.brokerName}`);
            }
        }
        const groups = new Set(greenGroups[m.brokerName] ?? []);
        for (const g of blueGroups) {
            if (!groups.has(g)) {
                missing.push(`consumer group ${g} on ${m.brokerName}`);
            }
        }
    }
    return missing;
}

/** Prefixes of the consumer groups RocketMQ itself keeps. */
export const SYSTEM_GROUP_PREFIXES = ["CID_RMQ_SYS_", "CID_ONS"];

/** Consumer groups RocketMQ itself keeps on every broker. */
export const SYSTEM_GROUPS = [
    "TOOLS_CONSUMER",
    "FILTERSRV_CONSUMER",
    "__MONITOR_CONSUMER",
    "SELF_TEST_C_GROUP",
    "CLIENT_INNER_PRODUCER",
    "SELF_TEST_P_GROUP",
];

/** Consumer groups RocketMQ itself keeps on every broker: never copied or counted. */
export function isSystemGroup(name: string): boolean {
    return SYSTEM_GROUP_PREFIXES.some((p) => name.startsWith(p)) || SYSTEM_GROUPS.includes(name);
}
