import * as assert from "assert";
import type { TopicConfigData } from "../../domain/rocketmqAdmin";
import {
    ColourState,
    missingOnGreen,
    PERM_READ,
    PERM_READ_WRITE,
    planTraffic,
    splitWrites,
    topicKind,
} from "../../domain/trafficPlan";

const STAGES = [0, 10, 30, 50, 100];

function colour(name: string, masters: number, topics: TopicConfigData[] = []): ColourState {
    const ms = Array.from({ length: masters }, (_, i) => ({
        brokerName: `${name}-${String.fromCharCode(97 + i)}`,
        address: `127.0.0.1:${1000 + i}`,
    }));
    return {
        clusterName: name,
        masters: ms,
        topics: Object.fromEntries(ms.map((m) => [m.brokerName, topics.map((t) => ({ ...t }))])),
    };
}

const orders: TopicConfigData = { topicName: "Orders", readQueueNums: 8, writeQueueNums: 8, perm: PERM_READ_WRITE };

/** Applies a plan's writes to the colours' states, as the brokers would. */
function apply(plan: ReturnType<typeof planTraffic>, blue: ColourState, green: ColourState): void {
    const writes = [
        ...plan.opens,
        ...plan.closes,
        ...plan.retryCopies,
        ...plan.orderedMoves.flatMap((m) => [...m.closes, ...m.opens]),
    ];
    for (const w of writes) {
        const state = w.colour === "blue" ? blue : green;
        const list = state.topics[w.brokerName];
        const i = list.findIndex((c) => c.topicName === w.config.topicName);
        if (i >= 0) {
            list[i] = w.config;
        } else {
            list.push(w.config);
        }
    }
}

describe("splitWrites", () => {
    it("gives green no writes at 0 and blue no writes at 100, keeping both readable", () => {
        const zero = splitWrites(0, 2, 8, 2, 8);
        assert.strictEqual(zero.greenWritable, false);
        assert.strictEqual(zero.blueWritable, true);
        assert.deepStrictEqual(zero.blueWrites, [8, 8]);
        assert.strictEqual(zero.effectiveShare, 0);
        const full = splitWrites(100, 2, 8, 2, 8);
        assert.strictEqual(full.blueWritable, false);
        assert.strictEqual(full.greenWritable, true);
        assert.deepStrictEqual(full.greenWrites, [8, 8]);
        assert.strictEqual(full.effectiveShare, 100);
    });

    it("lands each canary stage exactly when 16 queues per colour allow it", () => {
        for (const w of [10, 30, 50]) {
            const s = splitWrites(w, 2, 8, 2, 8);
            assert.strictEqual(s.effectiveShare, w, `weight ${w}: ${JSON.stringify(s)}`);
            const green = s.greenWrites.reduce((a, b) => a + b, 0);
            const blue = s.blueWrites.reduce((a, b) => a + b, 0);
            assert.strictEqual((100 * green) / (green + blue), w);
        }
    });

    it("reports the closest share the queue counts allow when the weight cannot be met exactly", () => {
        const s = splitWrites(10, 1, 4, 1, 4);
        // 1 of 5 (20 %) is the closest a 4+4 queue topic gets to 10 %.
        assert.strictEqual(s.effectiveShare, 20);
        assert.deepStrictEqual([s.greenWrites, s.blueWrites], [[1], [4]]);
    });

    it("never moves the share backwards as the weight rises", () => {
        for (const [bm, bq, gm, gq] of [
            [2, 8, 2, 8],
            [1, 4, 3, 2],
            [3, 16, 1, 16],
        ]) {
            let last = -1;
            for (let w = 0; w <= 100; w++) {
                const share = splitWrites(w, bm, bq, gm, gq).effectiveShare;
                assert.ok(share >= last, `weight ${w} (${bm}x${bq} / ${gm}x${gq}): ${share} < ${last}`);
                last = share;
            }
        }
    });

    it("spreads each colour's writes evenly over its masters", () => {
        const s = splitWrites(30, 3, 8, 2, 8);
        for (const list of [s.blueWrites, s.greenWrites]) {
            assert.ok(Math.max(...list) - Math.min(...list) <= 1, JSON.stringify(list));
        }
    });

    it("refuses weights outside 0-100", () => {
        assert.throws(() => splitWrites(-1, 2, 8, 2, 8), /weight -1 must be an integer from 0 to 100/);
        assert.throws(() => splitWrites(101, 2, 8, 2, 8), /weight 101/);
        assert.throws(() => splitWrites(12.5, 2, 8, 2, 8), /weight 12.5/);
    });
});

describe("planTraffic", () => {
    it("creates blue's topics on green read-only before green takes any write", () => {
        const blue = colour("blue", 2, [orders]);
        const green = colour("green", 2);
        const plan = planTraffic({ weight: 0, blue, green, declared: [], orderedCutover: 100 });
        assert.deepStrictEqual(
            plan.opens.map((w) => [w.brokerName, w.config.readQueueNums, w.config.perm]),
            [
                ["green-a", 8, PERM_READ],
                ["green-b", 8, PERM_READ],
            ],
        );
        assert.deepStrictEqual(plan.closes, []);
        assert.strictEqual(plan.topics[0].effectiveShare, 0);
    });

    it("never lowers a read queue count through 0 → 10 → 30 → 50 → 100 and back to 0", () => {
        const blue = colour("blue", 2, [orders]);
        const green = colour("green", 2);
        const reads = () =>
            [blue, green].flatMap((c) => Object.values(c.topics).flatMap((l) => l.map((t) => t.readQueueNums)));
        for (const w of [...STAGES, 50, 0]) {
            const before = reads();
            const plan = planTraffic({ weight: w, blue, green, declared: [], orderedCutover: 100 });
            for (const write of [...plan.opens, ...plan.closes]) {
                assert.ok(write.config.readQueueNums >= write.config.writeQueueNums);
            }
            apply(plan, blue, green);
            const after = reads();
            after.forEach((r, i) => assert.ok(i >= before.length || r >= before[i], `weight ${w}: read count fell`));
        }
    });

    it("opens green before closing blue when the weight rises, and the reverse on rollback", () => {
        const blue = colour("blue", 2, [orders]);
        const green = colour("green", 2);
        apply(planTraffic({ weight: 0, blue, green, declared: [], orderedCutover: 100 }), blue, green);
        const up = planTraffic({ weight: 30, blue, green, declared: [], orderedCutover: 100 });
        assert.ok(up.opens.every((w) => w.colour === "green"));
        assert.ok(up.closes.every((w) => w.colour === "blue"));
        apply(up, blue, green);
        const back = planTraffic({ weight: 0, blue, green, declared: [], orderedCutover: 100 });
        assert.ok(back.opens.every((w) => w.colour === "blue"));
        assert.ok(back.closes.every((w) => w.colour === "green" && w.config.perm === PERM_READ));
        assert.ok(back.closes.length > 0);
    });

    it("plans nothing when the brokers already hold the plan", () => {
        const blue = colour("blue", 2, [orders]);
        const green = colour("green", 2);
        apply(planTraffic({ weight: 50, blue, green, declared: [], orderedCutover: 100 }), blue, green);
        const again = planTraffic({ weight: 50, blue, green, declared: [], orderedCutover: 100 });
        assert.deepStrictEqual([again.opens, again.closes, again.orderedMoves], [[], [], []]);
    });

    it("keeps an ordered topic whole on blue below its cutover stage and moves it at the cutover", () => {
        const blue = colour("blue", 2, [orders]);
        const green = colour("green", 2);
        const declared = [{ name: "Orders", queues: 8, ordered: true }];
        apply(planTraffic({ weight: 30, blue, green, declared, orderedCutover: 50 }), blue, green);
        assert.ok(Object.values(green.topics).every((l) => l[0].perm === PERM_READ));
        const move = planTraffic({ weight: 50, blue, green, declared, orderedCutover: 50 });
        assert.deepStrictEqual(
            move.orderedMoves.map((m) => [m.topic, m.from, m.closes.length, m.opens.length]),
            [["Orders", "blue", 2, 2]],
        );
        assert.deepStrictEqual([move.opens, move.closes], [[], []]);
    });

    it("leaves system, verification and cluster-named topics alone, and copies retry topics as they are", () => {
        const retry = { topicName: "%RETRY%Readers", readQueueNums: 1, writeQueueNums: 1, perm: PERM_READ_WRITE };
        const blue = colour("blue", 1, [
            orders,
            retry,
            { ...orders, topicName: "TBW102" },
            { ...orders, topicName: "RMQ_UPGRADE_VERIFY_blue" },
            { ...orders, topicName: "blue-a" },
            { ...orders, topicName: "blue_REPLY_TOPIC" },
            { ...orders, topicName: "rmq_sys_wheel_timer" },
        ]);
        const green = colour("green", 1);
        const plan = planTraffic({ weight: 10, blue, green, declared: [], orderedCutover: 100 });
        assert.deepStrictEqual(
            plan.topics.map((t) => t.topic),
            ["Orders"],
        );
        assert.deepStrictEqual(
            plan.retryCopies.map((w) => [w.brokerName, w.config]),
            [["green-a", retry]],
        );
        assert.strictEqual(topicKind("%DLQ%Readers", new Set()), "system");
    });

    it("names every topic and group green still lacks", () => {
        const blue = colour("blue", 1, [orders]);
        const green = colour("green", 2);
        const plan = planTraffic({ weight: 10, blue, green, declared: [], orderedCutover: 100 });
        assert.deepStrictEqual(missingOnGreen(plan, green, ["Readers"], { "green-a": ["Readers"] }), [
            "topic Orders on green-a",
            "topic Orders on green-b",
            "consumer group Readers on green-b",
        ]);
    });

    it("creates declared topics on both colours", () => {
        const blue = colour("blue", 2);
        const green = colour("green", 1);
        const plan = planTraffic({
            weight: 0,
            blue,
            green,
            declared: [{ name: "Payments", queues: 4, ordered: false }],
            orderedCutover: 100,
        });
        assert.deepStrictEqual(
            plan.opens.map((w) => [w.brokerName, w.config.topicName, w.config.writeQueueNums, w.config.perm]),
            [
                ["blue-a", "Payments", 4, PERM_READ_WRITE],
                ["blue-b", "Payments", 4, PERM_READ_WRITE],
                ["green-a", "Payments", 4, PERM_READ],
            ],
        );
    });
});
