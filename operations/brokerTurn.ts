/**
 * One broker's turn in a rolling upgrade or rollback (the seed's §2.1 and
 * §3.2), carried out against the live cluster. The order of brokers is the
 * graph's (components/rocketmqCluster.ts); this is what happens to each:
 *
 * - a slave: refuse while its master does not answer → stop → start on the
 *   target → wait until it holds what its master held → verify;
 * - a master: refuse while a slave lags → take write permission away (name
 *   servers and the broker's persistent permission) → wait until producers
 *   have left and the slaves hold everything → let consumers catch up (or a
 *   timeout) → stop → start read-only on the target → verify the release and
 *   replication → give write permission back → verify the route.
 *
 * A failure after writes were taken away gives them back before it is
 * reported, so a stopped roll leaves the cluster serving.
 *
 * A broker an interrupted run already restarted on the target (the platform
 * tells, from what the running process was started with) is not restarted
 * again: its turn resumes after the restart.
 */
import { takeDownRefusal, GroupState } from "../domain/rollPlan";
import type { AdminApi } from "../domain/rocketmqAdmin";

/** What a turn asks of the cluster: the admin session's calls it uses (a fake in unit tests). */
export type RollAdmin = Pick<
    AdminApi,
    | "runtimeStats"
    | "route"
    | "topics"
    | "groups"
    | "consumeStats"
    | "setBrokerConfig"
    | "wipeWritePerm"
    | "addWritePerm"
    | "putTopic"
>;
import { versionLabel } from "../domain/mqadminOutput";
import { isSystemGroup, topicKind } from "../domain/trafficPlan";
import { MetadataRecord, MetadataSubject, metadataRegressions, recordMetadata, subjectsOf } from "./brokerMetadata";
import { RollSettings, RollReport } from "../domain/rollSettings";

/** The broker taking its turn, and the rest of its group. */
export interface RollTarget {
    brokerName: string;
    brokerId: number;
    address: string;
    groupRole: "SYNC_MASTER" | "ASYNC_MASTER";
    /** The other members of the group (the master for a slave, the slaves for a master). */
    peers: { brokerId: number; address: string }[];
    /** The release the broker runs after its turn. */
    targetVersion: string;
}

/** How the broker is stopped and started; the platform provides it. */
export interface RollHooks {
    /**
     * The running process was already started on the target release with the
     * declared settings: an earlier run restarted it and was interrupted before
     * it could record that. The turn then checks it and gives writes back,
     * without a second restart.
     */
    runsTarget: boolean;
    stop(): Promise<void>;
    /** Starts the broker on the target release; `readOnly` starts it without write permission. */
    start(readOnly: boolean, writesWipedAt?: number): Promise<void>;
    /** A transient status line. */
    progress(message: string): void;
    /** A line kept in the update's output. */
    note(message: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long a slave may take to copy its restarted master's tables: a slave stops syncing while the name servers
 * list no master for its group, and starts again only at its own next registration (every
 * registerNameServerPeriod, 30 s by default) once the master is back, then copies at its next sync (every 10 s).
 * 30 s was seen to fall short on a loaded machine (hostsPlatform.test.ts in CI, 2026-12-02).
 */
const SLAVE_SYNC_WAIT_MS = 90_000;
const SLAVE_SYNC_POLL_MS = 2_000;

/**
 * Whether every finding is a slave lacking a topic or group its master holds now, which the slave's periodic
 * copy of its master's metadata puts back. Pure.
 */
export function awaitingSlaveSync(findings: readonly string[]): boolean {
    return findings.every((f) => /^(topic|subscription group) \S+ vanished from \S+\/[1-9]\d*$/.test(f));
}

/** The broker names whose slaves lack what their master holds, from findings that all await a slave's sync. Pure. */
export function groupsAwaitingSync(findings: readonly string[]): string[] {
    return [
        ...new Set(findings.map((f) => /vanished from (\S+)\/[1-9]\d*$/.exec(f)?.[1]).filter((g) => g !== undefined)),
    ];
}

/**
 * Moves each named group's master's topic table on by one version: one of its business topics put back exactly as
 * the master holds it. A master restarted on another release keeps the table's version from its file, so a slave
 * that copied that version from the old release sees nothing new and never copies what the new release added (5.x
 * system topics); a new version makes it copy the whole table at its next sync. Nothing about the topic changes.
 */
async function nudgeSlaveSync(
    session: RollAdmin,
    subjects: readonly MetadataSubject[],
    groups: readonly string[],
    hooks: RollHooks,
): Promise<void> {
    const reserved = new Set(subjects.map((s) => s.brokerName));
    for (const group of groups) {
        const master = subjects.find((s) => s.brokerName === group && s.brokerId === 0);
        if (!master) {
            continue;
        }
        const candidates = (await session.topics(master.address))
            .filter((t) => topicKind(t.topicName, reserved) === "business" && !t.topicName.endsWith("_REPLY_TOPIC"))
            .sort((a, b) => a.topicName.localeCompare(b.topicName));
        // The cluster's own topic (named as the cluster) looks like a business one here and is refused as a system
        // topic: the next one does. A put that fails changes nothing, and the wait below still decides.
        for (const topic of candidates.slice(0, 5)) {
            try {
                await session.putTopic(master.address, topic);
                hooks.note(
                    `${group}/0: put topic ${topic.topicName} back as it is, so its slaves copy the topic table anew`,
                );
                break;
            } catch (err) {
                hooks.note(`${group}/0: topic ${topic.topicName} could not be put back (${(err as Error).message})`);
            }
        }
    }
}

/** How long a resumed turn waits for a broker an interrupted run started: a broker's start limit. */
const RESTARTED_BROKER_BOOT_SECONDS = 240;

/** The broker's commit-log offset, or undefined when it does not answer. */
export async function offsetOf(session: RollAdmin, address: string): Promise<number | undefined> {
    try {
        const value = Number((await session.runtimeStats(address)).commitLogMaxOffset);
        return Number.isFinite(value) ? value : undefined;
    } catch {
        return undefined;
    }
}

/** The group's replication state as seen now. */
export async function groupState(session: RollAdmin, target: RollTarget): Promise<GroupState> {
    const own = await offsetOf(session, target.address);
    const master =
        target.brokerId === 0 ? own : await offsetOf(session, target.peers.find((p) => p.brokerId === 0)!.address);
    const slaves = target.brokerId === 0 ? target.peers : [{ brokerId: target.brokerId, address: target.address }];
    const slaveOffsets: Record<number, number> = {};
    for (const s of slaves) {
        const o = s.brokerId === target.brokerId ? own : await offsetOf(session, s.address);
        if (o !== undefined) {
            slaveOffsets[s.brokerId] = o;
        }
    }
    return { role: target.groupRole, masterOffset: master, slaveOffsets, slaveCount: slaves.length };
}

/** The release label the broker reports (e.g. V5_5_0), or "" when it does not answer. */
export async function reportedVersion(session: RollAdmin, address: string): Promise<string> {
    try {
        return (await session.runtimeStats(address)).brokerVersionDesc ?? "";
    } catch {
        return "";
    }
}

/** Polls `ready` every second until it returns undefined (done) or `seconds` pass; returns the last reason. */
async function waitUntil(
    seconds: number,
    hooks: RollHooks,
    what: string,
    ready: () => Promise<string | undefined>,
): Promise<string | undefined> {
    const began = Date.now();
    for (;;) {
        const reason = await ready();
        if (reason === undefined) {
            return undefined;
        }
        const waited = (Date.now() - began) / 1000;
        if (waited >= seconds) {
            return reason;
        }
        hooks.progress(`${what}: ${reason} (${Math.round(waited)}s of ${seconds}s)`);
        await sleep(1000);
    }
}

/** Unconsumed messages on `address` per consumer group with any, system groups left out. */
async function consumerBacklog(session: RollAdmin, address: string): Promise<Record<string, number>> {
    const backlog: Record<string, number> = {};
    for (const g of await session.groups(address)) {
        if (isSystemGroup(g.groupName)) {
            continue;
        }
        const queues = await session.consumeStats(address, g.groupName).catch(() => []);
        const lag = queues.reduce((sum, q) => sum + Math.max(0, q.brokerOffset - q.consumerOffset), 0);
        // A group that never committed here has no consumer to wait for.
        if (lag > 0 && queues.some((q) => q.consumerOffset > 0)) {
            backlog[g.groupName] = lag;
        }
    }
    return backlog;
}

class Turn {
    private readonly began = Date.now();
    readonly report: RollReport;

    constructor(
        private readonly hooks: RollHooks,
        target: RollTarget,
        from: string,
    ) {
        this.report = {
            broker: `${target.brokerName}/${target.brokerId}`,
            from,
            to: versionLabel(target.targetVersion),
            steps: [],
        };
    }

    async step<T>(action: string, work: () => Promise<T>, detail?: (r: T) => string | undefined): Promise<T> {
        const stepBegan = Date.now();
        this.hooks.progress(`${this.report.broker}: ${action}`);
        const result = await work();
        const seconds = Math.round((Date.now() - stepBegan) / 100) / 10;
        const shown = detail?.(result);
        this.report.steps.push({ action, seconds, ...(shown ? { detail: shown } : {}) });
        this.hooks.note(
            `roll ${this.report.broker} ${this.report.from} → ${this.report.to}: ${action} done in ${seconds}s` +
                `${shown ? ` (${shown})` : ""}, ${Math.round((Date.now() - this.began) / 1000)}s into its turn`,
        );
        return result;
    }
}

/**
 * Waits, up to `catchUpSeconds`, until taking the broker down is safe; then
 * refuses naming the broker and the lag. A slave restarted moments ago
 * (a resumed roll) is still catching up under load: that is worth a wait,
 * not a stop.
 */
async function refuseUnlessSafe(
    session: RollAdmin,
    target: RollTarget,
    settings: RollSettings,
    hooks: RollHooks,
): Promise<void> {
    const refusal = await waitUntil(settings.catchUpSeconds, hooks, "waiting until the group can spare it", async () =>
        takeDownRefusal(target, await groupState(session, target), settings.maxLagBytes),
    );
    if (refusal) {
        throw new Error(
            `roll stopped before ${target.brokerName}/${target.brokerId} went down, after ${settings.catchUpSeconds}s: ${refusal}`,
        );
    }
}

/**
 * A check that passes once the master's slaves hold what it holds now: under
 * SYNC_MASTER all of them, under ASYNC_MASTER at least one. Otherwise it says
 * who is behind.
 */
function slavesHold(session: RollAdmin, target: RollTarget) {
    const slaves = target.peers.filter((p) => p.brokerId !== 0);
    return async (): Promise<string | undefined> => {
        if (slaves.length === 0) {
            return undefined;
        }
        const want = await offsetOf(session, target.address);
        if (want === undefined) {
            return "the master does not answer";
        }
        const state = await groupState(session, target);
        const behind = slaves.filter((s) => (state.slaveOffsets[s.brokerId] ?? -1) < want);
        const enough = target.groupRole === "SYNC_MASTER" ? behind.length === 0 : behind.length < slaves.length;
        if (enough) {
            return undefined;
        }
        return behind
            .map((s) => {
                const at = state.slaveOffsets[s.brokerId];
                return `slave ${s.brokerId} ${at === undefined ? "does not answer" : `${want - at} bytes behind`}`;
            })
            .join(", ");
    };
}

async function rollSlave(session: RollAdmin, target: RollTarget, settings: RollSettings, hooks: RollHooks, turn: Turn) {
    await turn.step("check", () => refuseUnlessSafe(session, target, settings, hooks));
    await turn.step("stop", () => hooks.stop());
    await turn.step("start-on-target", () => hooks.start(false));
    await awaitSlaveCaughtUp(session, target, settings, hooks, turn);
    await turn.step("verify", () => verifyRelease(session, target));
}

/** A restarted slave's wait until it holds what its master held when the wait began. */
async function awaitSlaveCaughtUp(
    session: RollAdmin,
    target: RollTarget,
    settings: RollSettings,
    hooks: RollHooks,
    turn: Turn,
): Promise<void> {
    const master = target.peers.find((p) => p.brokerId === 0)!;
    await turn.step(
        "await-replication",
        async () => {
            const want = await offsetOf(session, master.address);
            if (want === undefined) {
                throw new Error(
                    `${target.brokerName}/${target.brokerId} restarted, but its master ${master.address} does not answer`,
                );
            }
            const late = await waitUntil(settings.catchUpSeconds, hooks, "catching up with the master", async () => {
                const own = await offsetOf(session, target.address);
                return own !== undefined && own >= want
                    ? undefined
                    : `${own === undefined ? "no answer" : `${want - own} bytes behind`}`;
            });
            if (late) {
                throw new Error(
                    `${target.brokerName}/${target.brokerId} runs ${target.targetVersion} but did not catch up with its master within ` +
                        `${settings.catchUpSeconds}s: ${late}. The roll stops here; the master still serves.`,
                );
            }
            return want;
        },
        (want) => `holds the master's ${want} bytes`,
    );
}

async function verifyRelease(session: RollAdmin, target: RollTarget): Promise<void> {
    const reported = await reportedVersion(session, target.address);
    if (reported !== versionLabel(target.targetVersion)) {
        throw new Error(
            `${target.brokerName}/${target.brokerId} reports release ${reported || "(none)"} after its restart, ` +
                `expected ${versionLabel(target.targetVersion)}`,
        );
    }
}

const READ_ONLY = "4";
const READ_WRITE = "6";

async function giveWritesBack(session: RollAdmin, target: RollTarget): Promise<void> {
    await session.setBrokerConfig(target.address, "brokerPermission", READ_WRITE);
    await session.addWritePerm(target.brokerName);
}

/** Whether the name servers route writes to the master: the route of its own topic (every broker has one) says so. */
async function routedWritable(session: RollAdmin, brokerName: string): Promise<boolean> {
    const route = await session.route(brokerName).catch(() => undefined);
    const own = route?.find((q) => q.brokerName === brokerName);
    return own !== undefined && (own.perm & 2) === 2;
}

async function awaitWritableRoute(session: RollAdmin, target: RollTarget, hooks: RollHooks): Promise<void> {
    const late = await waitUntil(30, hooks, "waiting for the route", async () =>
        (await routedWritable(session, target.brokerName)) ? undefined : "the name servers still route it read-only",
    );
    if (late) {
        throw new Error(`${target.brokerName}/0 serves, but ${late}`);
    }
}

async function rollMaster(
    session: RollAdmin,
    target: RollTarget,
    settings: RollSettings,
    hooks: RollHooks,
    turn: Turn,
) {
    await turn.step("check", () => refuseUnlessSafe(session, target, settings, hooks));
    const wiped = Date.now();
    let stopped = false;
    try {
        await turn.step("wipe-write-perm", async () => {
            await session.setBrokerConfig(target.address, "brokerPermission", READ_ONLY);
            await session.wipeWritePerm(target.brokerName);
        });
        await turn.step(
            "await-writes-stopped",
            async () => {
                let last = await offsetOf(session, target.address);
                let quietSince = Date.now();
                const late = await waitUntil(
                    settings.writeStopSeconds,
                    hooks,
                    "waiting for producers to leave",
                    async () => {
                        const now = await offsetOf(session, target.address);
                        if (now !== last) {
                            last = now;
                            quietSince = Date.now();
                        }
                        return Date.now() - quietSince >= 3000 ? undefined : "still taking writes";
                    },
                );
                return late;
            },
            // Producers that missed the route change retry their sends on another master.
            (late) =>
                late
                    ? `writes still arriving after ${settings.writeStopSeconds}s; their retries go elsewhere`
                    : undefined,
        );
        // Every slave must hold what the master holds, or it could lose the only copy by going down.
        const awaitSlaves = async (what: string, failure: (late: string) => string) => {
            const late = await waitUntil(settings.catchUpSeconds, hooks, what, slavesHold(session, target));
            if (late) {
                throw new Error(failure(late));
            }
        };
        await turn.step("await-replication", () =>
            awaitSlaves(
                "slaves catching up",
                (late) =>
                    `${target.brokerName}/0 is not taken down: its slaves did not catch up within ${settings.catchUpSeconds}s (${late})`,
            ),
        );
        await turn.step(
            "await-consumers",
            async () =>
                waitUntil(settings.consumerWaitSeconds, hooks, "consumers catching up", async () => {
                    const backlog = await consumerBacklog(session, target.address);
                    const shown = Object.entries(backlog).map(([g, n]) => `${g} ${n}`);
                    return shown.length === 0 ? undefined : `unconsumed: ${shown.join(", ")}`;
                }),
            // What is left is on the slaves too and is read after the restart.
            (late) => late && `gave up waiting: ${late}`,
        );
        stopped = true;
        await turn.step("stop", () => hooks.stop());
        await turn.step("start-on-target", () => hooks.start(true, wiped));
        await turn.step("verify", async () => {
            await verifyRelease(session, target);
            await awaitSlaves(
                "slaves reconnecting",
                (late) => `${target.brokerName}/0 restarted, but its slaves do not replicate from it: ${late}`,
            );
        });
        await turn.step("add-write-perm", () => giveWritesBack(session, target));
        await turn.step("verify-route", () => awaitWritableRoute(session, target, hooks));
        turn.report.writeBlockedSeconds = Math.round((Date.now() - wiped) / 100) / 10;
    } catch (err) {
        // The roll stops here, but the group keeps taking writes.
        const answers = !stopped || (await offsetOf(session, target.address)) !== undefined;
        throw await restoreWritesOrSay(
            session,
            target,
            hooks,
            err as Error,
            answers ? undefined : "it does not answer",
        );
    }
}

/**
 * After a failed master's turn: gives the master its writes back, and returns the error to throw. When they could
 * not be given back, that error says so in its first line, ahead of why the roll stopped: the operator must know a
 * master is left read-only before anything else.
 */
async function restoreWritesOrSay(
    session: RollAdmin,
    target: RollTarget,
    hooks: RollHooks,
    err: Error,
    cannot: string | undefined,
): Promise<Error> {
    let why = cannot;
    if (why === undefined) {
        try {
            await giveWritesBack(session, target);
            return err;
        } catch (restoreErr) {
            why = (restoreErr as Error).message.split("\n")[0];
            hooks.note(`could not give ${target.brokerName}/0 its write permission back: ${why}`);
        }
    }
    return new Error(
        `${target.brokerName}/0 is left without write permission (${why}); its group's other masters take the writes ` +
            `until it gets them back. The roll stopped: ${err.message}`,
        { cause: err },
    );
}

/**
 * The rest of a turn an interrupted run began: the broker already runs the
 * target, so only what follows the restart is left: verify it, let the
 * slaves (or this slave) catch up, and give a master its writes back.
 */
async function resumeTurn(
    session: RollAdmin,
    target: RollTarget,
    settings: RollSettings,
    hooks: RollHooks,
    turn: Turn,
    restartedAt: number,
) {
    turn.report.resumed = true;
    hooks.note(
        `roll ${turn.report.broker}: already runs ${turn.report.to} as declared (an interrupted run restarted it); ` +
            `resuming after the restart, no second restart`,
    );
    // The interrupted run may have been stopped while the JVM still booted: give it the start's own time limit.
    await turn.step("await-answer", async () => {
        const late = await waitUntil(
            RESTARTED_BROKER_BOOT_SECONDS,
            hooks,
            "waiting for the restarted broker to answer",
            async () => ((await reportedVersion(session, target.address)) === "" ? "no answer yet" : undefined),
        );
        if (late) {
            throw new Error(
                `${target.brokerName}/${target.brokerId} was restarted by an interrupted run but does not answer after ${RESTARTED_BROKER_BOOT_SECONDS}s`,
            );
        }
    });
    if (target.brokerId !== 0) {
        await awaitSlaveCaughtUp(session, target, settings, hooks, turn);
        await turn.step("verify", () => verifyRelease(session, target));
        return;
    }
    try {
        await turn.step("verify", async () => {
            await verifyRelease(session, target);
            const late = await waitUntil(
                settings.catchUpSeconds,
                hooks,
                "slaves reconnecting",
                slavesHold(session, target),
            );
            if (late) {
                throw new Error(
                    `${target.brokerName}/0 runs ${target.targetVersion}, but its slaves do not replicate from it: ${late}`,
                );
            }
        });
        await turn.step("add-write-perm", () => giveWritesBack(session, target));
        await turn.step("verify-route", () => awaitWritableRoute(session, target, hooks));
        turn.report.writeBlockedSeconds = Math.round((Date.now() - restartedAt) / 100) / 10;
    } catch (err) {
        // As in a full turn: a stopped roll leaves the group taking writes.
        throw await restoreWritesOrSay(session, target, hooks, err as Error, undefined);
    }
}

/** What a turn knows beyond its broker and limits. */
export interface TurnContext {
    /** When the running process started (ms since the epoch): a resumed turn counts its write block from it. */
    startedAt?: number;
    /** The brokers' metadata recorded before the roll, and where it is kept (named in a refusal). */
    baseline?: { record: MetadataRecord; source: string };
}

function metadataFailure(what: string, findings: readonly string[]): Error {
    return new Error(`${what}:\n  - ${findings.join("\n  - ")}`);
}

/**
 * Takes one broker through its turn; throws, with the cluster serving, when a
 * step fails. With a baseline, the brokers' metadata is compared with it
 * before the broker goes down (what changed behind the roll's back, e.g.
 * between two runs), and again after the turn with what it was just before.
 */
export async function rollBroker(
    session: RollAdmin,
    target: RollTarget,
    settings: RollSettings,
    hooks: RollHooks,
    context: TurnContext = {},
): Promise<RollReport> {
    const from = await reportedVersion(session, target.address);
    const turn = new Turn(hooks, target, from || "(not answering)");
    const baseline = context.baseline;
    const subjects = baseline && subjectsOf(baseline.record);
    const before =
        baseline &&
        (await turn.step(
            "compare-metadata",
            async () => {
                const now = await recordMetadata(session, subjects!);
                const findings = metadataRegressions(baseline.record, now, { queueShapesMayChange: false });
                if (findings.length > 0) {
                    throw metadataFailure(
                        `roll stopped before ${turn.report.broker} went down: the brokers' metadata differs from the ` +
                            `record taken before the roll (${baseline.source})`,
                        findings,
                    );
                }
                return now;
            },
            (now) => `${now.brokers.length} broker(s) as recorded before the roll`,
        ));
    if (hooks.runsTarget) {
        await resumeTurn(session, target, settings, hooks, turn, context.startedAt ?? Date.now());
    } else if (target.brokerId === 0) {
        await rollMaster(session, target, settings, hooks, turn);
    } else {
        await rollSlave(session, target, settings, hooks, turn);
    }
    if (before) {
        await turn.step("compare-metadata-after", async () => {
            const compare = async () =>
                metadataRegressions(before, await recordMetadata(session, subjects!), { queueShapesMayChange: false });
            let findings = await compare();
            // A slave copies its master's topics and groups every 10 s: right after the master's restart it may
            // still lack what the master made at its start (5.x system topics). That heals once the master's table
            // has a version the slave has not copied; a loss on the master, or one the sync does not heal, does not.
            const syncBy = Date.now() + SLAVE_SYNC_WAIT_MS;
            if (findings.length > 0 && awaitingSlaveSync(findings)) {
                await nudgeSlaveSync(session, subjects!, groupsAwaitingSync(findings), hooks);
            }
            while (findings.length > 0 && awaitingSlaveSync(findings) && Date.now() < syncBy) {
                hooks.progress(`${turn.report.broker}: waiting for the slaves to copy their master's metadata`);
                await sleep(SLAVE_SYNC_POLL_MS);
                findings = await compare();
            }
            if (findings.length > 0) {
                throw metadataFailure(
                    `${turn.report.broker} serves after its turn, but its group's metadata changed`,
                    findings,
                );
            }
        });
    }
    return turn.report;
}
