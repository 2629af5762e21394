/**
 * Moving write traffic between two broker sets that share name servers:
 * read both colours, make green hold everything blue has, seed green's empty
 * queues with committed offsets, apply the queue plan in a safe order and
 * check that the name servers' routes carry it. Also the drain check that
 * gates retiring blue, and the status picture of a rollout.
 */
import * as fs from "fs";
import * as path from "path";
import {
    ColourState,
    isSystemGroup,
    MasterRef,
    missingOnGreen,
    PERM_READ_WRITE,
    PERM_WRITE,
    planTraffic,
    reservedTopicNames,
    topicKind,
    TopicWrite,
    TrafficPlan,
} from "../domain/trafficPlan";
import type { AdminApi } from "../domain/rocketmqAdmin";
import type { GroupConfigData } from "../domain/rocketmqAdmin";
import { metadataRegressions, recordMetadata } from "./brokerMetadata";
import { exportDeadLetters, writeDeadLetters } from "./deadLetters";
import { countStranded, StrandedCounts, strandedParts, strandedSummary } from "./strandedMessages";
import { DEFAULT_STRANDED_SETTINGS, strandedAdvice, StrandedSettings } from "../domain/heldMessages";
import type { MetadataSyncInputs } from "../contracts/addressServerContract";
import type { ColourRef } from "../contracts/sharedShapes";
import type { TrafficInputs } from "../contracts/trafficContract";

/** What a traffic change needs of the Traffic resource's inputs (contracts/trafficContract.ts). */
export type TrafficRequest = Pick<
    TrafficInputs,
    | "weight"
    | "blue"
    | "green"
    | "declaredTopics"
    | "consumerGroups"
    | "orderedCutover"
    | "routeRefreshSeconds"
    | "drainTimeoutSeconds"
    | "snapshotDir"
>;

export interface TrafficResult {
    weight: number;
    /** Green's share of each topic's writable queues after the change, in percent. */
    effectiveShares: Record<string, number>;
    writes: number;
    seededOffsets: number;
    snapshotFile: string;
    orderedPauses: Record<string, number>;
}

type Log = (msg: string) => void;

/** Route snapshots kept: the newest ones, enough to see a whole rollout and its rollbacks. */
const KEPT_SNAPSHOTS = 200;

/** Removes all but the newest `keep` route snapshots (their names sort by time). */
export function pruneSnapshots(dir: string, keep: number): string[] {
    const files = fs
        .readdirSync(dir)
        .filter((f) => /^routes-.*\.json$/.test(f))
        .sort();
    const old = files.slice(0, Math.max(0, files.length - keep));
    for (const f of old) {
        fs.rmSync(path.join(dir, f), { force: true });
    }
    return old;
}

async function readColour(session: AdminApi, ref: ColourRef): Promise<ColourState> {
    const topics: ColourState["topics"] = {};
    for (const m of ref.masters) {
        topics[m.brokerName] = await session.topics(m.address);
    }
    return { clusterName: ref.clusterName, masters: ref.masters, topics };
}

async function readGroups(session: AdminApi, ref: ColourRef): Promise<Record<string, GroupConfigData[]>> {
    const groups: Record<string, GroupConfigData[]> = {};
    for (const m of ref.masters) {
        groups[m.brokerName] = (await session.groups(m.address)).filter((g) => !isSystemGroup(g.groupName));
    }
    return groups;
}

/** The non-system consumer groups on each of `ref`'s masters, by brokerName. */
async function groupNamesOn(session: AdminApi, ref: ColourRef): Promise<Record<string, string[]>> {
    const names: Record<string, string[]> = {};
    for (const [broker, list] of Object.entries(await readGroups(session, ref))) {
        names[broker] = list.map((g) => g.groupName);
    }
    return names;
}

async function putAll(session: AdminApi, writes: readonly TopicWrite[], log: Log): Promise<void> {
    for (const w of writes) {
        const c = w.config;
        log(`${c.topicName} on ${w.brokerName}: read ${c.readQueueNums}, write ${c.writeQueueNums}, perm ${c.perm}`);
        await session.putTopic(w.address, c);
    }
}

/** What making green hold blue's structure needs: both colours, what the stack declares. */
type StructureRequest = Pick<TrafficRequest, "blue" | "green" | "declaredTopics" | "consumerGroups">;

/**
 * Creates on green every topic it lacks (read-only on shared name servers,
 * where the weight opens them; read-write for an isolated green, which only
 * its own clients reach), and on every colour every consumer group
 * (declared, or on blue) it lacks. Returns the groups that matter for
 * traffic.
 */
async function ensureStructure(
    session: AdminApi,
    req: StructureRequest,
    blue: ColourState,
    green: ColourState,
    log: Log,
    greenWritable = false,
): Promise<string[]> {
    const blueGroups = await readGroups(session, req.blue);
    const greenGroups = await readGroups(session, req.green);
    const configs = new Map<string, GroupConfigData>();
    for (const list of Object.values(blueGroups)) {
        for (const g of list) {
            configs.set(g.groupName, g);
        }
    }
    for (const name of req.consumerGroups) {
        if (!configs.has(name)) {
            configs.set(name, { groupName: name });
        }
    }
    for (const [colour, ref, have] of [
        ["blue", req.blue, blueGroups],
        ["green", req.green, greenGroups],
    ] as const) {
        for (const m of ref.masters) {
            const names = new Set((have[m.brokerName] ?? []).map((g) => g.groupName));
            for (const [name, config] of configs) {
                if (!names.has(name)) {
                    log(`consumer group ${name}: creating on ${colour} ${m.brokerName}`);
                    await session.putGroup(m.address, config);
                }
            }
        }
    }

    const shape = planTraffic({ weight: 0, blue, green, declared: req.declaredTopics, orderedCutover: 100 });
    const held = (w: TopicWrite) =>
        (w.colour === "green" ? green : blue).topics[w.brokerName]?.some((t) => t.topicName === w.config.topicName);
    // With shared routing the weight's own plan creates declared topics on blue; an isolated green's sync must.
    const creates = shape.opens
        .filter((w) => (w.colour === "green" || greenWritable) && !held(w))
        .map((w) =>
            greenWritable
                ? { ...w, config: { ...w.config, writeQueueNums: w.config.readQueueNums, perm: PERM_READ_WRITE } }
                : w,
        );
    await putAll(session, [...creates, ...shape.retryCopies], (m) => log(`creating: ${m}`));
    return [...configs.keys()].sort();
}

/**
 * Commits offset 0 for every consumer group on every green queue that is
 * still empty. A consumer assigned a queue with no committed offset starts
 * at the queue's end when the broker cannot vouch for its first message
 * (4.9.x: swapped out; 5.x: not in page cache); with an offset committed
 * while the queue was empty, the first message written there is read.
 */
async function seedOffsets(
    session: AdminApi,
    req: StructureRequest,
    plan: TrafficPlan,
    groups: readonly string[],
    log: Log,
): Promise<number> {
    const greenNames = new Set(req.green.masters.map((m) => m.brokerName));
    const byName = new Map(req.green.masters.map((m) => [m.brokerName, m.address]));
    const topicsOf = new Map<string, Set<string>>();
    for (const g of groups) {
        const topics = new Set<string>();
        for (const m of req.blue.masters) {
            for (const p of await session.consumeStats(m.address, g)) {
                topics.add(p.topic);
            }
        }
        topicsOf.set(g, topics);
    }
    let seeded = 0;
    for (const t of plan.topics) {
        const empty = (await session.topicStats(t.topic)).filter(
            (q) => greenNames.has(q.brokerName) && q.maxOffset === 0,
        );
        for (const g of groups) {
            if (!topicsOf.get(g)?.has(t.topic) && !req.declaredTopics.some((d) => d.name === t.topic)) {
                continue;
            }
            for (const q of empty) {
                await session.commitOffset(byName.get(q.brokerName)!, g, { topic: t.topic, ...q }, 0);
                seeded++;
            }
        }
    }
    if (seeded > 0) {
        log(`committed offset 0 for ${groups.length} group(s) on ${seeded} empty green queue(s)`);
    }
    return seeded;
}

/** Unconsumed messages per group on `masters` (broker offset minus consumer offset, summed). */
export async function backlogOn(
    session: AdminApi,
    masters: readonly MasterRef[],
    groups: readonly string[],
    topic?: string,
): Promise<Array<{ group: string; brokerName: string; lag: number }>> {
    const lags: Array<{ group: string; brokerName: string; lag: number }> = [];
    for (const g of groups) {
        for (const m of masters) {
            const lag = (await session.consumeStats(m.address, g, topic))
                .filter((p) => p.brokerName === m.brokerName)
                .reduce((sum, p) => sum + Math.max(0, p.brokerOffset - p.consumerOffset), 0);
            if (lag > 0) {
                lags.push({ group: g, brokerName: m.brokerName, lag });
            }
        }
    }
    return lags;
}

async function waitForDrain(
    session: AdminApi,
    masters: readonly MasterRef[],
    groups: readonly string[],
    timeoutSeconds: number,
    what: string,
    log: Log,
    topic?: string,
): Promise<void> {
    const began = Date.now();
    for (;;) {
        const lags = await backlogOn(session, masters, groups, topic);
        if (lags.length === 0) {
            return;
        }
        const shown = lags.map((l) => `group ${l.group} has ${l.lag} unconsumed on ${l.brokerName}`).join("; ");
        const waited = Math.round((Date.now() - began) / 1000);
        if (waited >= timeoutSeconds) {
            throw new Error(`${what}: consumers did not drain within ${timeoutSeconds}s: ${shown}`);
        }
        log(`${what}: waiting for consumers (${waited}s): ${shown}`);
        await sleep(3000);
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

/** Both colours as the brokers report them now, and the plan that brings them to `req.weight`. */
async function readPlan(
    session: AdminApi,
    req: TrafficRequest,
): Promise<{ blue: ColourState; green: ColourState; plan: TrafficPlan }> {
    const blue = await readColour(session, req.blue);
    const green = await readColour(session, req.green);
    const plan = planTraffic({
        weight: req.weight,
        blue,
        green,
        declared: req.declaredTopics,
        orderedCutover: req.orderedCutover,
    });
    return { blue, green, plan };
}

/** Polls the name servers until each planned topic's route carries the plan, or fails naming the difference. */
async function verifyRoutes(session: AdminApi, plan: TrafficPlan, timeoutMs = 20_000): Promise<void> {
    const began = Date.now();
    for (;;) {
        const problems: string[] = [];
        for (const t of plan.topics) {
            const route = (await session.route(t.topic)) ?? [];
            for (const [brokerName, want] of Object.entries(t.target)) {
                const got = route.find((q) => q.brokerName === brokerName);
                const same =
                    got !== undefined &&
                    got.readQueueNums === want.readQueueNums &&
                    got.perm === want.perm &&
                    (!(want.perm & PERM_WRITE) || got.writeQueueNums === want.writeQueueNums);
                if (!same) {
                    problems.push(
                        `${t.topic} on ${brokerName}: route has ${got ? `read ${got.readQueueNums}/write ${got.writeQueueNums}/perm ${got.perm}` : "nothing"}, ` +
                            `expected read ${want.readQueueNums}/write ${want.writeQueueNums}/perm ${want.perm}`,
                    );
                }
            }
        }
        if (problems.length === 0) {
            return;
        }
        if (Date.now() - began > timeoutMs) {
            throw new Error(`the name servers' routes do not carry the traffic plan:\n  ${problems.join("\n  ")}`);
        }
        await sleep(1000);
    }
}

/** Green's share of a route's writable queues, in percent. */
export function routeShare(
    route: ReadonlyArray<{ brokerName: string; writeQueueNums: number; perm: number }>,
    greenBrokers: ReadonlySet<string>,
): number {
    let green = 0;
    let total = 0;
    for (const q of route) {
        const w = q.perm & PERM_WRITE ? q.writeQueueNums : 0;
        total += w;
        if (greenBrokers.has(q.brokerName)) {
            green += w;
        }
    }
    return total === 0 ? 0 : (100 * green) / total;
}

/**
 * Brings both colours to `req.weight`. Nothing moves until green holds every
 * topic and group blue has; the routes as they were are written to
 * `snapshotDir` first; opens go before closes, so producers always have a
 * writable queue; ordered topics move whole, behind a write pause.
 */
export async function applyTraffic(session: AdminApi, req: TrafficRequest, log: Log): Promise<TrafficResult> {
    log(`reading topics and groups on ${req.blue.clusterName} and ${req.green.clusterName}`);
    const blue = await readColour(session, req.blue);
    let green = await readColour(session, req.green);
    const masters = [...req.blue.masters, ...req.green.masters].map((m) => ({ ...m, brokerId: 0 }));
    const metadataBefore = await recordMetadata(session, masters);

    fs.mkdirSync(req.snapshotDir, { recursive: true });
    const snapshotFile = path.join(req.snapshotDir, `routes-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    fs.writeFileSync(
        snapshotFile,
        JSON.stringify(
            { takenAt: new Date().toISOString(), targetWeight: req.weight, blue, green, metadata: metadataBefore },
            null,
            2,
        ) + "\n",
    );

    pruneSnapshots(req.snapshotDir, KEPT_SNAPSHOTS);
    const groups = await ensureStructure(session, req, blue, green, log);
    const fresh = await readPlan(session, req);
    green = fresh.green;
    const plan = fresh.plan;
    const greenGroups = await groupNamesOn(session, req.green);
    const missing = missingOnGreen(plan, green, groups, greenGroups);
    if (missing.length > 0 && req.weight > 0) {
        throw new Error(
            `trafficWeight ${req.weight} refused: green lacks ${missing.join(", ")}; nothing was moved (weight stays where it was)`,
        );
    }
    const seeded = await seedOffsets(session, req, plan, groups, log);

    await putAll(session, plan.opens, (m) => log(`open ${m}`));
    await putAll(session, plan.closes, (m) => log(`close ${m}`));
    const orderedPauses: Record<string, number> = {};
    for (const move of plan.orderedMoves) {
        const began = Date.now();
        const from = move.from === "blue" ? req.blue : req.green;
        await putAll(session, move.closes, (m) => log(`ordered ${move.topic}: pause writes: ${m}`));
        for (let s = req.routeRefreshSeconds; s > 0; s -= 5) {
            log(`ordered ${move.topic}: writes paused; producers drop ${move.from}'s route in ${s}s`);
            await sleep(Math.min(5, s) * 1000);
        }
        await waitForDrain(
            session,
            from.masters,
            groups,
            req.drainTimeoutSeconds,
            `ordered ${move.topic}`,
            log,
            move.topic,
        );
        await putAll(session, move.opens, (m) => log(`ordered ${move.topic}: resume writes: ${m}`));
        orderedPauses[move.topic] = Math.round((Date.now() - began) / 1000);
    }
    await verifyRoutes(session, plan);
    // Queue counts and permissions are what a stage changes; anything else that went missing or back is a fault.
    const regressions = metadataRegressions(metadataBefore, await recordMetadata(session, masters), {
        queueShapesMayChange: true,
    });
    if (regressions.length > 0) {
        throw new Error(
            `trafficWeight ${req.weight} is applied, but the masters' metadata changed around it (the record from ` +
                `before is in ${snapshotFile}):\n  - ${regressions.join("\n  - ")}`,
        );
    }
    const effectiveShares = Object.fromEntries(plan.topics.map((t) => [t.topic, t.effectiveShare]));
    return {
        weight: req.weight,
        effectiveShares,
        writes: plan.opens.length + plan.closes.length + plan.orderedMoves.length,
        seededOffsets: seeded,
        snapshotFile,
        orderedPauses,
    };
}

/** Whether the brokers already carry `req.weight` (and green holds everything blue has). */
export async function trafficInPlace(session: AdminApi, req: TrafficRequest): Promise<boolean> {
    const { plan } = await readPlan(session, req);
    return (
        plan.opens.length === 0 &&
        plan.closes.length === 0 &&
        plan.orderedMoves.length === 0 &&
        plan.retryCopies.length === 0
    );
}

/** Messages ever written to blue's business topics: the sum of their queues' max offsets. */
async function writtenTo(session: AdminApi, blue: ColourRef, reserved: ReadonlySet<string>): Promise<number> {
    const names = new Set(blue.masters.map((m) => m.brokerName));
    const topics = new Set<string>();
    for (const m of blue.masters) {
        for (const t of await session.topics(m.address)) {
            if (topicKind(t.topicName, reserved) === "business") {
                topics.add(t.topicName);
            }
        }
    }
    let total = 0;
    for (const t of topics) {
        for (const q of await session.topicStats(t)) {
            total += names.has(q.brokerName) ? q.maxOffset : 0;
        }
    }
    return total;
}

/** Waits until no message reached blue's business topics for `quietSeconds`; fails after `timeoutSeconds`. */
async function waitForQuiet(
    session: AdminApi,
    blue: ColourRef,
    reserved: ReadonlySet<string>,
    quietSeconds: number,
    timeoutSeconds: number,
    log: Log,
): Promise<void> {
    const began = Date.now();
    let before = await writtenTo(session, blue, reserved);
    for (;;) {
        await sleep(quietSeconds * 1000);
        const after = await writtenTo(session, blue, reserved);
        if (after === before) {
            return;
        }
        const waited = Math.round((Date.now() - began) / 1000);
        if (waited >= timeoutSeconds) {
            throw new Error(
                `retireBlue refused: producers still write to ${blue.clusterName} (${after - before} messages in the last ` +
                    `${quietSeconds}s); every client must have polled the address server since trafficWeight 100`,
            );
        }
        log(`retireBlue: ${after - before} messages reached blue in ${quietSeconds}s; waiting (${waited}s)`);
        before = after;
    }
}

/**
 * The gate in front of retiring blue: every non-system consumer group on
 * blue's masters has consumed everything there. Waits up to
 * `timeoutSeconds`, then fails naming each group, broker and lag.
 */
export async function checkDrained(
    session: AdminApi,
    blue: ColourRef,
    timeoutSeconds: number,
    log: Log,
    /** Isolated routing keeps blue writable: then no write may reach blue for this long instead. */
    quietSeconds?: number,
    stranded: StrandedSettings = DEFAULT_STRANDED_SETTINGS,
    /** Where dead letters that do not hold retirement back are exported before blue goes (a new directory in it). */
    deadLetterExportRoot?: string,
): Promise<{ groups: string[]; deadLettersExportedTo: string }> {
    const groups = new Set<string>();
    for (const list of Object.values(await readGroups(session, blue))) {
        for (const g of list) {
            groups.add(g.groupName);
        }
    }
    // Producers must not still write to blue: no business topic there may keep its write permission.
    const reserved = reservedTopicNames(
        [blue.clusterName],
        blue.masters.map((b) => b.brokerName),
    );
    if (quietSeconds !== undefined) {
        await waitForQuiet(session, blue, reserved, quietSeconds, timeoutSeconds, log);
    }
    for (const m of quietSeconds === undefined ? blue.masters : []) {
        const writable = (await session.topics(m.address)).filter(
            (t) => t.perm & PERM_WRITE && topicKind(t.topicName, reserved) === "business",
        );
        if (writable.length > 0) {
            throw new Error(
                `retireBlue refused: ${m.brokerName} still takes writes for ${writable.map((t) => t.topicName).join(", ")}; ` +
                    `apply trafficWeight 100 first`,
            );
        }
    }
    const list = [...groups].sort();
    const counts = await waitForRetirable(session, blue, list, stranded, timeoutSeconds, log);
    let deadLettersExportedTo = "";
    if (deadLetterExportRoot && counts.some((c) => c.deadLetters.length > 0)) {
        // Dead letters that do not hold retirement back go with blue's store: a copy stays where the operator can replay it.
        const exported = await exportDeadLetters(session, blue.masters);
        deadLettersExportedTo = path.join(deadLetterExportRoot, new Date().toISOString().replace(/[:.]/g, "-"));
        writeDeadLetters(deadLettersExportedTo, exported);
        const partial = exported.partial.length > 0 ? `; in part only: ${exported.partial.join(", ")}` : "";
        log(`retireBlue: ${exported.messages} dead letter(s) exported to ${deadLettersExportedTo}${partial}`);
    }
    return { groups: list, deadLettersExportedTo };
}

/**
 * Waits until no group has unconsumed messages on blue's masters and no
 * master holds scheduled, half or (when they hold it back) dead-letter
 * messages. Lag is waited for up to `timeoutSeconds`; what no group's lag
 * shows is refused at once unless `settings.waitForPending`. The refusal
 * names every group, broker, kind and count, so one run shows all of it.
 */
async function waitForRetirable(
    session: AdminApi,
    blue: ColourRef,
    groups: readonly string[],
    settings: StrandedSettings,
    timeoutSeconds: number,
    log: Log,
): Promise<StrandedCounts[]> {
    const began = Date.now();
    for (;;) {
        // Held messages before lag: one delivered (or committed) between the two reads then shows as lag. In the
        // other order it could pass both unseen.
        const counts = [];
        for (const m of blue.masters) {
            counts.push(await countStranded(session, m));
        }
        const lags = await backlogOn(session, blue.masters, groups);
        const now = Date.now();
        for (const c of counts.filter((x) => x.deadLetters.length > 0 && !settings.deadLettersHold)) {
            log(
                `retireBlue: ${c.brokerName} holds ${strandedParts(c, now, true).join(", ")}; they do not hold it back`,
            );
        }
        const lagText = lags.map((l) => `group ${l.group} has ${l.lag} unconsumed on ${l.brokerName}`).join("; ");
        const strandedText = strandedSummary(counts, now, settings.deadLettersHold);
        if (!lagText && !strandedText) {
            return counts;
        }
        const waited = Math.round((now - began) / 1000);
        const shown = [lagText, strandedText].filter(Boolean).join("; ");
        if ((lags.length === 0 && !settings.waitForPending) || waited >= timeoutSeconds) {
            const advice = strandedText ? `; ${strandedAdvice(settings)}` : "";
            throw new Error(
                `retireBlue refused after ${waited}s (drainTimeoutSeconds ${timeoutSeconds}): ${shown}${advice}`,
            );
        }
        log(`retireBlue: waiting (${waited}s of ${timeoutSeconds}s): ${shown}`);
        await sleep(3000);
    }
}

/** Isolated routing's metadata sync: blue's structure copied onto a green with its own name servers. */
/** What a metadata sync needs of the MetadataSync resource's inputs (contracts/addressServerContract.ts). */
export type SyncRequest = Pick<MetadataSyncInputs, "blue" | "green" | "declaredTopics" | "consumerGroups" | "weight">;

export interface SyncResult {
    /** Business topics green holds for blue. */
    topics: string[];
    groups: string[];
    seededOffsets: number;
}

/**
 * Makes an isolated green hold every topic (read-write) and group blue has,
 * and commits offset 0 on green's empty queues, so consumers reading both
 * clusters read green's first messages. `session` must be on green's name
 * servers (blue is read broker by broker). Fails, naming what is missing,
 * when green still lacks something and `req.weight` is above 0.
 */
export async function syncGreen(session: AdminApi, req: SyncRequest, log: Log): Promise<SyncResult> {
    log(`reading topics and groups on ${req.blue.clusterName} and ${req.green.clusterName}`);
    const blue = await readColour(session, req.blue);
    const groups = await ensureStructure(session, req, blue, await readColour(session, req.green), log, true);
    const green = await readColour(session, req.green);
    const plan = planTraffic({ weight: 0, blue, green, declared: req.declaredTopics, orderedCutover: 100 });
    const greenGroups = await groupNamesOn(session, req.green);
    const missing = missingOnGreen(plan, green, groups, greenGroups);
    if (missing.length > 0 && req.weight > 0) {
        throw new Error(
            `trafficWeight ${req.weight} refused: green lacks ${missing.join(", ")}; the address server was not changed`,
        );
    }
    const seeded = await seedOffsets(session, req, plan, groups, log);
    return { topics: plan.topics.map((t) => t.topic), groups, seededOffsets: seeded };
}

/** What green still lacks of blue's topics and groups (empty when the sync is in place). */
export async function syncDrift(session: AdminApi, req: SyncRequest): Promise<string[]> {
    const blue = await readColour(session, req.blue);
    const green = await readColour(session, req.green);
    const plan = planTraffic({ weight: 0, blue, green, declared: req.declaredTopics, orderedCutover: 100 });
    const groups = new Set(req.consumerGroups);
    for (const list of Object.values(await readGroups(session, req.blue))) {
        list.forEach((g) => groups.add(g.groupName));
    }
    const greenGroups = await groupNamesOn(session, req.green);
    return [
        ...missingOnGreen(plan, green, [...groups], greenGroups),
        ...plan.retryCopies.map((w) => `topic ${w.config.topicName} on ${w.brokerName}`),
    ];
}
