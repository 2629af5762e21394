/**
 * Where a rollout stands: stage, weight, each topic's effective share, each
 * colour's TPS and backlog. Gathering reads the live brokers; formatting and
 * the promotion gate are pure.
 */
import * as fs from "fs";
import { latestColours, parseClientLog } from "../domain/addressPlan";
import { nextStage, soakRemaining } from "../domain/canaryStages";
import { isSystemGroup, MasterRef, reservedTopicNames, topicKind } from "../domain/trafficPlan";
import type { AdminApi } from "../domain/rocketmqAdmin";
import { countStranded } from "../operations/strandedMessages";
import { SCHEDULE_TOPIC } from "../domain/heldMessages";
import { backlogOn, routeShare } from "../operations/trafficChange";

export interface ColourStatus {
    clusterName: string;
    version: string;
    /** Brokers (name/id) the stack declares. */
    expected: string[];
    /** Of those, the ones the name servers list now. */
    registered: string[];
    /** Messages per second put on the colour's masters (the brokers' 10-second figure). */
    putTps: number;
    /** Unconsumed messages on the colour's masters, summed over consumer groups. */
    backlog: number;
    /** What no group's lag shows, summed over the masters (operations/strandedMessages.ts); undefined if unreadable. */
    pending?: { scheduled: number; half: number; timers: number; deadLetters: number };
    /** Masters that cannot take writes, each with why: its own brokerPermission, or the name servers' routes. */
    writeBlocked: string[];
}

export interface RolloutStatus {
    weight: number;
    stages: number[];
    next: number | undefined;
    appliedAt: string;
    soakLeftSeconds: number;
    /** topic → green's share of its writable queues, in percent, as the name servers route it now. */
    shares: Record<string, number>;
    blue: ColourStatus;
    green?: ColourStatus;
    greenVerified: boolean;
    /** Isolated routing: the client instances that polled the address server since the weight was applied. */
    clients?: { url: string; polled: number; onGreen: number };
}

/** The broker's write bit: a permission without it (4) is read-only. */
const PERM_WRITE = 2;

/** Why a master cannot take writes, if it cannot. Pure. */
export function writeBlock(
    brokerName: string,
    brokerPermission: number | undefined,
    routePerm: number | undefined,
): string | undefined {
    if (brokerPermission !== undefined && (brokerPermission & PERM_WRITE) === 0) {
        return `${brokerName} (brokerPermission ${brokerPermission})`;
    }
    if (routePerm !== undefined && (routePerm & PERM_WRITE) === 0) {
        return `${brokerName} (write permission wiped on the name servers)`;
    }
    return undefined;
}

/** Why `promote` must not move on, one line per reason; empty when it may. Pure. */
/** What the promotion gates read: the stage, green's verification and which brokers are registered. */
export type GateView = Pick<RolloutStatus, "next" | "weight" | "greenVerified" | "soakLeftSeconds"> & {
    blue: Pick<ColourStatus, "clusterName" | "expected" | "registered">;
    green?: Pick<ColourStatus, "clusterName" | "expected" | "registered">;
};

export function promotionBlockers(s: GateView): string[] {
    const blockers: string[] = [];
    if (s.next === undefined) {
        blockers.push(`already at the last stage (${s.weight}); retire blue with retireBlue: true`);
    }
    if (!s.green) {
        blockers.push("no green cluster is declared");
        return blockers;
    }
    if (!s.greenVerified) {
        blockers.push("green's last verification did not pass (see greenVerificationReport)");
    }
    for (const c of [s.blue, s.green]) {
        const missing = c.expected.filter((b) => !c.registered.includes(b));
        if (missing.length > 0) {
            blockers.push(`${c.clusterName} is not healthy: ${missing.join(", ")} not registered`);
        }
    }
    if (s.soakLeftSeconds > 0) {
        blockers.push(
            `stage ${s.weight} has soaked too briefly: ${s.soakLeftSeconds}s left of promotion.minSoakSeconds`,
        );
    }
    return blockers;
}

function pad(cells: string[][]): string {
    const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
    return cells.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ")).join("\n");
}

/** The status as a terminal table. Pure. */
function stageLine(s: Pick<RolloutStatus, "weight" | "stages" | "next" | "appliedAt" | "soakLeftSeconds">): string {
    return (
        `stage: weight ${s.weight}% of [${s.stages.join(", ")}]; next: ${s.next ?? "none (retire blue)"}` +
        (s.appliedAt ? `; applied ${s.appliedAt}, soak left ${s.soakLeftSeconds}s` : "")
    );
}

/**
 * What a promotion reports once its `up` is done: the new stage, its soak, and each topic's green share as the
 * traffic change planned and applied it (the stack's effectiveShares); `npm run status` reads the brokers again.
 */
export function formatStageChange(
    view: StackView,
    effectiveShares: Record<string, number> | undefined,
    now = new Date(),
): string {
    const lines = [
        stageLine({
            weight: view.weight,
            stages: view.stages,
            next: nextStage(view.weight, view.stages),
            appliedAt: view.appliedAt,
            soakLeftSeconds: view.appliedAt ? soakRemaining(new Date(view.appliedAt), view.minSoakSeconds, now) : 0,
        }),
    ];
    const topics = Object.keys(effectiveShares ?? {}).sort();
    if (topics.length > 0) {
        lines.push("");
        lines.push(
            pad([["topic", "green share (applied)"], ...topics.map((t) => [t, `${effectiveShares![t].toFixed(1)}%`])]),
        );
    }
    lines.push("", "`npm run status` shows both colours' brokers, backlogs and held messages.");
    return lines.join("\n");
}

export function formatStatus(s: RolloutStatus): string {
    const lines = [stageLine(s), ""];
    const colours = [s.blue, ...(s.green ? [s.green] : [])];
    lines.push(
        pad([
            [
                "colour",
                "cluster",
                "version",
                "registered",
                "put TPS",
                "backlog",
                "scheduled",
                "half",
                "timer",
                "dead letters",
            ],
            ...colours.map((c, i) => [
                i === 0 ? "blue" : "green",
                c.clusterName,
                c.version,
                `${c.registered.length}/${c.expected.length}`,
                c.putTps.toFixed(1),
                String(c.backlog),
                c.pending ? String(c.pending.scheduled) : "?",
                c.pending ? String(c.pending.half) : "?",
                c.pending ? String(c.pending.timers) : "?",
                c.pending ? String(c.pending.deadLetters) : "?",
            ]),
        ]),
    );
    for (const c of colours.filter((x) => x.writeBlocked.length > 0)) {
        lines.push(`${c.clusterName}: no write permission on ${c.writeBlocked.join(", ")}`);
    }
    if (s.clients) {
        const { url, polled, onGreen } = s.clients;
        lines.push("");
        lines.push(
            `address server ${url}: ${polled} client(s) polled since the weight was applied, ${onGreen} answered green` +
                (polled > 0 ? ` (${((100 * onGreen) / polled).toFixed(1)}%)` : ""),
        );
    }
    const topics = Object.keys(s.shares).sort();
    if (topics.length > 0) {
        lines.push("");
        lines.push(pad([["topic", "green share (route)"], ...topics.map((t) => [t, `${s.shares[t].toFixed(1)}%`])]));
    }
    return lines.join("\n");
}

export interface StackView {
    weight: number;
    stages: number[];
    minSoakSeconds: number;
    appliedAt: string;
    nameServers: string;
    /** Isolated routing: green's own name servers and the address server. */
    isolated?: { greenNameServers: string; url: string; clientLog: string };
    blue: {
        clusterName: string;
        version: string;
        brokers: Record<string, { brokerName: string; brokerId: number; address: string }[]>;
    };
    green?: StackView["blue"];
    greenVerified: boolean;
}

function mastersOf(c: StackView["blue"]): MasterRef[] {
    return Object.values(c.brokers).map((list) => {
        const m = list.find((b) => b.brokerId === 0)!;
        return { brokerName: m.brokerName, address: m.address };
    });
}

async function colourStatus(
    session: AdminApi,
    c: StackView["blue"],
    listed: Set<string>,
    groups: string[],
): Promise<ColourStatus> {
    const masters = mastersOf(c);
    let putTps = 0;
    for (const m of masters) {
        try {
            putTps += Number((await session.runtimeStats(m.address)).putTps?.split(/\s+/)[0] ?? 0) || 0;
        } catch {
            // A broker that does not answer counts as no traffic; `registered` shows it missing.
        }
    }
    const backlog = (await backlogOn(session, masters, groups).catch(() => [])).reduce((n, l) => n + l.lag, 0);
    let pending: ColourStatus["pending"] = { scheduled: 0, half: 0, timers: 0, deadLetters: 0 };
    // Every broker routes the schedule topic and no traffic change touches it: its perm shows a name-server wipe.
    const routePerms = new Map(
        ((await session.route(SCHEDULE_TOPIC).catch(() => undefined)) ?? []).map((q) => [q.brokerName, q.perm]),
    );
    const writeBlocked: string[] = [];
    for (const m of masters) {
        const counts = await countStranded(session, m).catch(() => undefined);
        if (counts && pending) {
            pending.scheduled += counts.scheduled.reduce((n, l) => n + l.pending, 0);
            pending.half += counts.half.pending;
            pending.timers += counts.timers;
            pending.deadLetters += counts.deadLetters.reduce((n, d) => n + d.messages, 0);
        } else {
            // One master that cannot be counted makes the colour's count unknown, never a low number.
            pending = undefined;
        }
        const config = await session.brokerConfig(m.address).catch(() => undefined);
        const permission = config?.brokerPermission === undefined ? undefined : Number(config.brokerPermission);
        const blocked = writeBlock(m.brokerName, permission, routePerms.get(m.brokerName));
        if (blocked) {
            writeBlocked.push(blocked);
        }
    }
    const expected = Object.values(c.brokers)
        .flat()
        .map((b) => `${b.brokerName}/${b.brokerId}`);
    return {
        clusterName: c.clusterName,
        version: c.version,
        expected,
        registered: expected.filter((b) => listed.has(b)),
        putTps,
        backlog,
        pending,
        writeBlocked,
    };
}

/** Reads the live picture of the rollout through an admin session. */
export async function gatherStatus(
    session: AdminApi,
    view: StackView,
    now = new Date(),
    /** Isolated routing: a session on green's own name servers. */
    greenSession?: AdminApi,
): Promise<RolloutStatus> {
    const listed = new Set(
        [...(await session.cluster()), ...(greenSession ? await greenSession.cluster() : [])].map(
            (b) => `${b.brokerName}/${b.brokerId}`,
        ),
    );
    const blueMasters = mastersOf(view.blue);
    const groups = new Set<string>();
    const topics = new Set<string>();
    const reserved = reservedTopicNames(
        [view.blue.clusterName],
        blueMasters.map((m) => m.brokerName),
    );
    for (const m of blueMasters) {
        for (const g of await session.groups(m.address).catch(() => [])) {
            if (!isSystemGroup(g.groupName)) {
                groups.add(g.groupName);
            }
        }
        for (const t of await session.topics(m.address).catch(() => [])) {
            if (topicKind(t.topicName, reserved) === "business") {
                topics.add(t.topicName);
            }
        }
    }
    const groupList = [...groups].sort();
    return {
        ...(await stageStatus(session, view, [...topics], now)),
        blue: await colourStatus(session, view.blue, listed, groupList),
        green: view.green ? await colourStatus(session, view.green, listed, groupList) : undefined,
        greenVerified: view.greenVerified,
    };
}

/** Where the weight stands: the stage, its soak, each topic's green share as routed now, the clients' answers. */
async function stageStatus(
    session: AdminApi,
    view: StackView,
    topics: readonly string[],
    now: Date,
): Promise<Pick<RolloutStatus, "weight" | "stages" | "next" | "appliedAt" | "soakLeftSeconds" | "shares" | "clients">> {
    const shares: Record<string, number> = {};
    if (view.green && !view.isolated) {
        const greenNames = new Set(mastersOf(view.green).map((m) => m.brokerName));
        for (const t of topics) {
            shares[t] = routeShare((await session.route(t)) ?? [], greenNames);
        }
    }
    return {
        weight: view.weight,
        stages: view.stages,
        next: nextStage(view.weight, view.stages),
        appliedAt: view.appliedAt,
        soakLeftSeconds: view.appliedAt ? soakRemaining(new Date(view.appliedAt), view.minSoakSeconds, now) : 0,
        shares,
        clients: view.isolated ? clientsSince(view.isolated, view.appliedAt) : undefined,
    };
}

/**
 * Only what the promotion gates need, in one name-server request per session: a promote that passes its gates
 * reads the full status once, after the change.
 */
export async function gateStatus(
    session: AdminApi,
    view: StackView,
    now = new Date(),
    greenSession?: AdminApi,
): Promise<GateView> {
    const listed = new Set(
        [...(await session.cluster()), ...(greenSession ? await greenSession.cluster() : [])].map(
            (b) => `${b.brokerName}/${b.brokerId}`,
        ),
    );
    const registration = (c: StackView["blue"]) => {
        const expected = Object.values(c.brokers)
            .flat()
            .map((b) => `${b.brokerName}/${b.brokerId}`);
        return { clusterName: c.clusterName, expected, registered: expected.filter((b) => listed.has(b)) };
    };
    return {
        weight: view.weight,
        next: nextStage(view.weight, view.stages),
        soakLeftSeconds: view.appliedAt ? soakRemaining(new Date(view.appliedAt), view.minSoakSeconds, now) : 0,
        greenVerified: view.greenVerified,
        blue: registration(view.blue),
        green: view.green ? registration(view.green) : undefined,
    };
}

function clientsSince(isolated: NonNullable<StackView["isolated"]>, appliedAt: string): RolloutStatus["clients"] {
    const log = fs.existsSync(isolated.clientLog) ? fs.readFileSync(isolated.clientLog, "utf8") : "";
    const latest = latestColours(parseClientLog(log), appliedAt ? Date.parse(appliedAt) : 0);
    return {
        url: isolated.url,
        polled: latest.size,
        onGreen: [...latest.values()].filter((c) => c === "green").length,
    };
}
