/**
 * The in-place rolling upgrade as data (the seed's §2.1 and §3.2): which
 * broker goes down when, what each step does, and when a broker must not be
 * taken down. Pure; the broker Process's rolling restart
 * (operations/brokerTurn.ts) carries it out.
 */
import type { BrokerPlan, ClusterPlan } from "./clusterPlan";

export type RollAction =
    /** Master only: take write permission away (route and persistent broker permission). */
    | "wipe-write-perm"
    /** Master only: wait until consumers have read what the broker holds, or a timeout. */
    | "await-consumers"
    | "stop"
    | "start-on-target"
    /** Slave only: wait until its commit-log offset has caught up with its master's. */
    | "await-replication"
    /** Master only: give write permission back. */
    | "add-write-perm"
    | "verify";

export interface RollStep {
    broker: BrokerPlan;
    actions: RollAction[];
}

const SLAVE_ACTIONS: RollAction[] = ["stop", "start-on-target", "await-replication", "verify"];
const MASTER_ACTIONS: RollAction[] = [
    "wipe-write-perm",
    "await-consumers",
    "stop",
    "start-on-target",
    "add-write-perm",
    "verify",
];

/**
 * The seed's order: every slave (group by group), then every master; one
 * broker down at a time. Name servers go first, through their own set.
 */
export function rollSteps(plan: ClusterPlan): RollStep[] {
    const slaves = plan.brokers.filter((b) => b.brokerId !== 0);
    const masters = plan.brokers.filter((b) => b.brokerId === 0);
    return [
        ...slaves.map((broker) => ({ broker, actions: SLAVE_ACTIONS })),
        ...masters.map((broker) => ({ broker, actions: MASTER_ACTIONS })),
    ];
}

/**
 * The rolling strategy's declaration order: each broker waits for the one
 * before it in the roll (every slave, then every master), so Pulumi, which
 * updates a resource only after what it depends on, restarts them one at a
 * time in the seed's order. The first waits for the name servers; proxies
 * wait for the last master. Pure.
 */
export function rollOrder(plan: ClusterPlan): { brokers: BrokerPlan[]; proxyAfter: string[] } {
    const nameServers = plan.nameServers.map((n) => n.name);
    const steps = rollSteps(plan);
    const brokers = steps.map(({ broker }, i) => ({
        ...broker,
        after: i === 0 ? nameServers : [steps[i - 1].broker.name],
    }));
    return { brokers, proxyAfter: brokers.length > 0 ? [brokers[brokers.length - 1].name] : nameServers };
}

/** What the roll knows about one broker group just before a broker of it goes down. */
export interface GroupState {
    role: "SYNC_MASTER" | "ASYNC_MASTER";
    /** The master's commit-log offset; undefined when the master does not answer. */
    masterOffset: number | undefined;
    /** Commit-log offsets of the group's slaves that answer, by brokerId. */
    slaveOffsets: Record<number, number>;
    /** How many slaves the group should have. */
    slaveCount: number;
}

/**
 * Why `broker` must not be taken down now, or undefined. A group must never
 * lose its only up-to-date copy. A slave goes down only while its master
 * answers (the master then holds everything). A master goes down only when
 * its slaves hold what it holds: under SYNC_MASTER every slave within
 * `maxLagBytes` and answering, under ASYNC_MASTER at least one.
 */
export function takeDownRefusal(
    broker: Pick<BrokerPlan, "brokerName" | "brokerId" | "address">,
    group: GroupState,
    maxLagBytes: number,
): string | undefined {
    if (broker.brokerId !== 0) {
        return group.masterOffset === undefined
            ? `${broker.brokerName}/${broker.brokerId} (${broker.address}) is not taken down: its master does not ` +
                  `answer, so this slave may hold the group's only copy; bring the master back first`
            : undefined;
    }
    if (group.masterOffset === undefined) {
        // The master is already down: nothing to protect by refusing, restarting it is the repair.
        return undefined;
    }
    const masterOffset = group.masterOffset;
    const lags = Object.entries(group.slaveOffsets).map(([id, offset]) => ({
        id: Number(id),
        lag: masterOffset - offset,
    }));
    const missing = group.slaveCount - lags.length;
    if (group.role === "ASYNC_MASTER" && group.slaveCount > 0 && !lags.some((l) => l.lag <= maxLagBytes)) {
        const shown = lags.map((l) => `slave ${l.id} lags ${l.lag} bytes`).join(", ") || "no slave answers";
        return (
            `${broker.brokerName}/0 (${broker.address}) is not taken down: under ASYNC_MASTER it holds the only ` +
            `up-to-date copy (${shown}; allowed ${maxLagBytes})`
        );
    }
    const lagging = lags.filter((l) => l.lag > maxLagBytes);
    if (group.role === "SYNC_MASTER" && (lagging.length > 0 || missing > 0)) {
        const shown = [
            ...lagging.map((l) => `slave ${l.id} lags ${l.lag} bytes`),
            ...(missing > 0 ? [`${missing} slave(s) do not answer`] : []),
        ].join(", ");
        return `${broker.brokerName}/0 (${broker.address}) is not taken down: ${shown} (allowed ${maxLagBytes})`;
    }
    return undefined;
}

/** What a 5.x cluster holds that a 4.9 broker cannot read. */
export interface DowngradeInspection {
    topicNames: string[];
    /** Messages waiting in the timer wheel (5.x timer messages). */
    pendingTimerMessages: number;
    /** POP checkpoints not yet revived, per broker (5.x only): messages popped but neither acked nor redelivered. */
    pendingPopCheckpoints: Record<string, number>;
    /** Each broker's storeType ("default", or "defaultRocksDB" on 5.x). */
    storeTypes: Record<string, string>;
    /**
     * Per master: open transactions, and the transaction records (op messages) the checker has not processed yet.
     * 5.x writes records in batches ("10,11,12,") that 4.9 cannot parse, so 4.9 asks about those transactions again.
     */
    transactionRecords: Record<string, { open: number; unprocessed: number }>;
}

/** 4.9's limit; 5.x's V2 message format allows longer topic names. */
export const MAX_TOPIC_NAME_4_9 = 127;

/** Why rolling back to 4.9 would lose or corrupt data, one reason each; empty when it is safe. */
export function downgradeBlockers(inspection: DowngradeInspection): string[] {
    const blockers: string[] = [];
    const long = inspection.topicNames.filter((t) => t.length > MAX_TOPIC_NAME_4_9);
    if (long.length > 0) {
        blockers.push(
            `topic(s) ${long.map((t) => `${t.slice(0, 20)}… (${t.length} chars)`).join(", ")} exceed 4.9's ` +
                `${MAX_TOPIC_NAME_4_9}-character limit (5.x V2 message format)`,
        );
    }
    if (inspection.pendingTimerMessages > 0) {
        blockers.push(
            `${inspection.pendingTimerMessages} timer message(s) are pending; 4.9 has no timer wheel and would never deliver them`,
        );
    }
    const pop = Object.entries(inspection.pendingPopCheckpoints).filter(([, n]) => n > 0);
    if (pop.length > 0) {
        blockers.push(
            `broker(s) ${pop.map(([b, n]) => `${b} (${n})`).join(", ")} hold POP consumption state not yet revived, ` +
                `which 4.9 cannot read; let POP consumers ack or stop them and wait for the revive`,
        );
    }
    // An open transaction holds the checker back, so newer records stay unprocessed across the stop (tried on
    // this machine: 3 of 4 committed transactions delivered twice after 5.5.0 → 4.9.7; docs/compatibility.md).
    const held = Object.entries(inspection.transactionRecords).filter(([, r]) => r.open > 0 && r.unprocessed > 0);
    if (held.length > 0) {
        blockers.push(
            `broker(s) ${held.map(([b, r]) => `${b} (${r.open} open transaction(s), ${r.unprocessed} record(s))`).join(", ")} ` +
                `hold transaction records 4.9 cannot read, so 4.9 would commit those transactions a second time; ` +
                `let the open transactions commit or roll back first`,
        );
    }
    const rocks = Object.entries(inspection.storeTypes).filter(([, t]) => /rocksdb/i.test(t));
    if (rocks.length > 0) {
        blockers.push(`broker(s) ${rocks.map(([b]) => b).join(", ")} use a RocksDB store, which 4.9 cannot open`);
    }
    return blockers;
}
