/**
 * Counting what a broker holds outside every group's lag (operations/strandedMessages.ts):
 * the parsers on the shapes brokers answer with, and the whole count on a fake admin API.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { PulledMessage, QueueAddress } from "../../domain/rocketmqAdmin";
import {
    countStranded,
    delayLevelMillis,
    openTransactions,
    pendingTimerMessages,
    resolvedHalfOffsets,
    scheduledFromRuntimeStats,
    StrandedAdmin,
    StrandedCounts,
    strandedSummary,
} from "../../operations/strandedMessages";
import { HALF_TOPIC, OP_TOPIC, SCHEDULE_TOPIC, TRANSACTION_CHECKER_GROUP } from "../../domain/heldMessages";
import { DEAD_LETTERS, GROUP, PENDING, RecordedCall } from "../recorded/record";

const msg = (queueOffset: number, extra: Partial<PulledMessage> = {}): PulledMessage => ({
    queueOffset,
    storeTimestamp: 0,
    properties: {},
    ...extra,
});

describe("counting messages a broker holds outside every group's lag", () => {
    it("reads each delay level's delay offset and max offset from runtime stats", () => {
        // As `brokerStatus` prints them on 4.9.7 and 5.5.0: one entry per level the schedule service has seen.
        const stats = {
            brokerVersionDesc: "V4_9_7",
            scheduleMessageOffset_3: "12,12",
            scheduleMessageOffset_7: "0,20",
            scheduleMessageOffset_16: "4, 9",
            putTps: "0.0 0.0 0.0",
        };
        assert.deepStrictEqual(scheduledFromRuntimeStats(stats), [
            { level: 3, delayOffset: 12, maxOffset: 12 },
            { level: 7, delayOffset: 0, maxOffset: 20 },
            { level: 16, delayOffset: 4, maxOffset: 9 },
        ]);
    });

    it("turns messageDelayLevel into milliseconds per level, and names a bad part", () => {
        const levels = delayLevelMillis("1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h");
        assert.strictEqual(levels.length, 18);
        assert.strictEqual(levels[6], 180_000);
        assert.strictEqual(levels[17], 7_200_000);
        assert.deepStrictEqual(delayLevelMillis("1d"), [86_400_000]);
        assert.throws(() => delayLevelMillis("1s 5x"), /"5x" is not a number with s, m, h or d/);
    });

    it("reads resolved half offsets from op bodies, single (4.9) or batched (5.x)", () => {
        assert.deepStrictEqual(
            [...resolvedHalfOffsets(["7", "8,9,10", "", "x"])].sort((a, b) => a - b),
            [7, 8, 9, 10],
        );
    });

    it("counts an open transaction once, even when the checker put it back at the end of the queue", () => {
        const half = [
            msg(4, { properties: { UNIQ_KEY: "A" } }),
            msg(5, { properties: { UNIQ_KEY: "B" } }),
            msg(6, { properties: { UNIQ_KEY: "A" } }),
            msg(7, { properties: { UNIQ_KEY: "C" } }),
        ];
        assert.strictEqual(openTransactions(half, new Set()), 3);
        // B committed; C's copy at 7 rolled back.
        assert.strictEqual(openTransactions(half, new Set([5, 7])), 1);
        // A's second copy resolved: the first copy does not keep it open.
        assert.strictEqual(openTransactions(half, new Set([5, 6, 7])), 0);
    });

    it("counts open transactions when the checker's pass falls between reading its offset and the queue's end", async () => {
        // 4.9.7's checker, every transactionCheckInterval: a renewed copy of each open half message is written at the
        // end of the queue, then its offset moves to where the end was. Here the pass runs after the first read.
        const half: PulledMessage[] = [0, 1, 2].map((i) => msg(i, { properties: { UNIQ_KEY: `t${i}` } }));
        let checkerOffset = 0;
        let passed = false;
        const pass = () => {
            if (!passed) {
                passed = true;
                half.push(...[0, 1, 2].map((i) => msg(3 + i, { properties: { UNIQ_KEY: `t${i}` } })));
                checkerOffset = 3;
            }
        };
        // The first call is countHalf's check that the topic is routed; the pass follows the window's first read.
        let halfStats = 0;
        const fake = {
            runtimeStats: async () => ({}),
            brokerConfig: async () => ({}),
            topics: async () => [],
            timerMetrics: async () => null,
            topicStats: async (topic: string) => {
                if (topic !== HALF_TOPIC) {
                    return [];
                }
                const answer = [{ brokerName: "blue-a", queueId: 0, minOffset: 0, maxOffset: half.length }];
                if (++halfStats > 1) {
                    pass();
                }
                return answer;
            },
            consumeStats: async (_broker: string, _group: string, topic?: string) => {
                const answer = [
                    {
                        topic: topic!,
                        brokerName: "blue-a",
                        queueId: 0,
                        brokerOffset: half.length,
                        consumerOffset: checkerOffset,
                    },
                ];
                pass();
                return answer;
            },
            pullFromQueue: async (q: QueueAddress, offset: number, max: number) =>
                q.topic === HALF_TOPIC ? half.filter((m) => m.queueOffset >= offset).slice(0, max) : [],
        } as unknown as StrandedAdmin;
        const counts = await countStranded(fake, { brokerName: "blue-a", address: "127.0.0.1:1" });
        assert.deepStrictEqual(counts.half, { pending: 3, atLeast: false });
    });

    it("counts scheduled, half and dead-letter messages on one master, and names them per broker", async () => {
        const stored = 1_796_000_000_000;
        const queues = new Map<string, PulledMessage[]>([
            [`${SCHEDULE_TOPIC}/6`, [msg(3, { storeTimestamp: stored - 50_000 }), msg(4, { storeTimestamp: stored })]],
            [`${SCHEDULE_TOPIC}/8`, [msg(0, { storeTimestamp: stored })]],
            [
                `${HALF_TOPIC}/0`,
                [msg(10, { properties: { UNIQ_KEY: "t1" } }), msg(11, { properties: { UNIQ_KEY: "t2" } })],
            ],
            [`${OP_TOPIC}/0`, [msg(3, { body: "11" })]],
        ]);
        const fake: StrandedAdmin = {
            // Level 7 delivered 4 of 24 so far; level 3 everything.
            runtimeStats: async () => ({ scheduleMessageOffset_7: "4,24", scheduleMessageOffset_3: "5,5" }),
            brokerConfig: async () => ({ messageDelayLevel: "1s 5s 10s 30s 1m 2m 3m 4m 5m" }),
            topics: async () => [
                { topicName: "Orders", readQueueNums: 8, writeQueueNums: 8, perm: 6 },
                { topicName: "%DLQ%OrderGroup", readQueueNums: 1, writeQueueNums: 1, perm: 6 },
                { topicName: "%DLQ%Empty", readQueueNums: 1, writeQueueNums: 1, perm: 6 },
            ],
            topicStats: async (topic: string) => {
                if (topic === SCHEDULE_TOPIC) {
                    // Levels 3, 7 and 9; level 9 was never delivered from, so its stats have no entry.
                    return [
                        { brokerName: "blue-a", queueId: 2, minOffset: 0, maxOffset: 5 },
                        { brokerName: "blue-a", queueId: 6, minOffset: 0, maxOffset: 24 },
                        { brokerName: "blue-a", queueId: 8, minOffset: 0, maxOffset: 50 },
                        { brokerName: "blue-b", queueId: 6, minOffset: 0, maxOffset: 999 },
                    ];
                }
                const offsets: Record<string, [number, number]> = {
                    [HALF_TOPIC]: [0, 12],
                    [OP_TOPIC]: [0, 4],
                    "%DLQ%OrderGroup": [2, 42],
                    "%DLQ%Empty": [0, 0],
                };
                const [minOffset, maxOffset] = offsets[topic];
                return [
                    { brokerName: "blue-a", queueId: 0, minOffset, maxOffset },
                    { brokerName: "blue-b", queueId: 0, minOffset: 0, maxOffset: 999 },
                ];
            },
            consumeStats: async (_broker: string, group: string, topic?: string) => {
                assert.strictEqual(group, TRANSACTION_CHECKER_GROUP);
                const consumerOffset = topic === HALF_TOPIC ? 10 : 3;
                return [{ topic: topic!, brokerName: "blue-a", queueId: 0, brokerOffset: 0, consumerOffset }];
            },
            pullFromQueue: async (q: QueueAddress, offset: number, max: number) =>
                (queues.get(`${q.topic}/${q.queueId}`) ?? []).filter((m) => m.queueOffset >= offset).slice(0, max),
            // A 5.x broker's timer metrics: per topic, messages not yet due.
            timerMetrics: async () => ({ Orders: 7, Reminders: 2 }),
        };
        const counts = await countStranded(fake, { brokerName: "blue-a", address: "127.0.0.1:1" });
        assert.deepStrictEqual(counts, {
            brokerName: "blue-a",
            scheduled: [
                { level: 7, pending: 20, nextDueAt: stored + 180_000 },
                { level: 9, pending: 50, nextDueAt: stored + 300_000 },
            ],
            half: { pending: 1, atLeast: false },
            timers: 9,
            deadLetters: [{ topic: "%DLQ%OrderGroup", messages: 40 }],
        });
        assert.strictEqual(
            strandedSummary([counts], stored + 60_000, true),
            "blue-a holds 20 scheduled message(s) (delay level 7, next due in 2m), 50 scheduled message(s) (delay level 9, " +
                "next due in 4m), 9 timer message(s) not yet due, 1 transactional half message(s), 40 message(s) in %DLQ%OrderGroup",
        );
        assert.strictEqual(
            strandedSummary([counts], stored + 60_000, false),
            "blue-a holds 20 scheduled message(s) (delay level 7, next due in 2m), 50 scheduled message(s) (delay level 9, " +
                "next due in 4m), 9 timer message(s) not yet due, 1 transactional half message(s)",
        );
        // A 4.x broker answers that it has no timer metrics: no timers, not an error.
        assert.strictEqual(await pendingTimerMessages({ timerMetrics: async () => undefined }, "127.0.0.1:1"), 0);
        const empty = {
            brokerName: "blue-b",
            scheduled: [],
            half: { pending: 0, atLeast: false },
            timers: 0,
            deadLetters: [],
        };
        assert.strictEqual(strandedSummary([empty], 0, true), "");
    });
});

/**
 * The calls countStranded made against a real broker (test/recorded/record.ts), answered again in order: a call
 * with other arguments than the recorded one fails the test, so a change in what is asked shows as well.
 */
function replay(file: string): { admin: StrandedAdmin; recorded: Recorded } {
    const recorded = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "recorded", file), "utf8")) as Recorded;
    const unused = [...recorded.calls];
    const answer =
        (method: string) =>
        async (...args: unknown[]) => {
            const i = unused.findIndex((c) => c.method === method && JSON.stringify(c.args) === JSON.stringify(args));
            assert.ok(i >= 0, `no recorded ${method}(${JSON.stringify(args)}) left in ${file}`);
            const [call] = unused.splice(i, 1);
            if (call.error !== undefined) {
                throw new Error(call.error);
            }
            return call.answer;
        };
    const admin = Object.fromEntries(
        ["runtimeStats", "brokerConfig", "topics", "topicStats", "consumeStats", "pullFromQueue", "timerMetrics"].map(
            (m) => [m, answer(m)],
        ),
    ) as unknown as StrandedAdmin;
    return { admin, recorded };
}

interface Recorded {
    version: string;
    master: { brokerName: string; address: string };
    counts: StrandedCounts;
    calls: RecordedCall[];
}

describe("counting on answers recorded from real 4.9.7 and 5.5.0 brokers", () => {
    for (const version of ["4.9.7", "5.5.0"]) {
        it(`${version}: ${PENDING.delayed} delayed at level ${PENDING.delayLevel}, ${PENDING.retried} retries at level ${PENDING.retryLevel}, ${PENDING.transactions} open transactions, ${DEAD_LETTERS} dead letters`, async () => {
            const { admin, recorded } = replay(`stranded-${version}.json`);
            const counts = await countStranded(admin, recorded.master);
            assert.deepStrictEqual(
                counts.scheduled.map((l) => [l.level, l.pending, l.nextDueAt !== undefined]),
                [
                    [PENDING.retryLevel, PENDING.retried, true],
                    [PENDING.delayLevel, PENDING.delayed, true],
                ],
            );
            assert.deepStrictEqual(counts.half, { pending: PENDING.transactions, atLeast: false });
            assert.strictEqual(counts.timers, 0);
            assert.deepStrictEqual(counts.deadLetters, [{ topic: `%DLQ%${GROUP}`, messages: DEAD_LETTERS }]);
            assert.deepStrictEqual(counts, recorded.counts);
        });
    }
});
