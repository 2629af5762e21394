import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PulledMessage, QueueAddress } from "../../domain/rocketmqAdmin";
import { DeadLetterAdmin, exportDeadLetters, writeDeadLetters } from "../../operations/deadLetters";

/** blue-a holds 40 dead letters of OrderGroup in queue 0 (offsets 2..41) and an emptied DLQ; blue-b none. */
function fakeBroker(): DeadLetterAdmin & { pulls: number } {
    const stored: PulledMessage[] = Array.from({ length: 40 }, (_, i) => ({
        queueOffset: i + 2,
        storeTimestamp: 1_796_000_000_000 + i,
        properties: { UNIQ_KEY: `K${i}`, RETRY_TOPIC: "Orders" },
        bodyBase64: Buffer.from([0xff, i]).toString("base64"),
    }));
    const fake = {
        pulls: 0,
        topics: async (address: string) =>
            address === "a:1"
                ? [
                      { topicName: "Orders", readQueueNums: 4, writeQueueNums: 4, perm: 6 },
                      { topicName: "%DLQ%OrderGroup", readQueueNums: 1, writeQueueNums: 1, perm: 6 },
                      { topicName: "%DLQ%Emptied", readQueueNums: 1, writeQueueNums: 1, perm: 6 },
                  ]
                : [],
        topicStats: async (topic: string) => [
            topic === "%DLQ%OrderGroup"
                ? { brokerName: "blue-a", queueId: 0, minOffset: 2, maxOffset: 42 }
                : { brokerName: "blue-a", queueId: 0, minOffset: 7, maxOffset: 7 },
            { brokerName: "blue-b", queueId: 0, minOffset: 0, maxOffset: 999 },
        ],
        pullFromQueue: async (q: QueueAddress, offset: number, max: number, _withBody = true, base64 = false) => {
            fake.pulls++;
            assert.ok(base64, "an export must ask for the exact bytes");
            assert.strictEqual(q.brokerName, "blue-a");
            return stored.filter((m) => m.queueOffset >= offset).slice(0, max);
        },
    };
    return fake;
}

describe("dead letters exported into files", () => {
    const masters = [
        { brokerName: "blue-a", address: "a:1" },
        { brokerName: "blue-b", address: "b:1" },
    ];

    it("exports every dead letter of every master, bytes intact, one file per queue", async () => {
        const exported = await exportDeadLetters(fakeBroker(), masters);
        assert.strictEqual(exported.messages, 40);
        assert.deepStrictEqual(exported.partial, []);
        assert.deepStrictEqual(Object.keys(exported.files), [
            path.join("dead-letters", "%DLQ%OrderGroup", "blue-a-0.jsonl"),
        ]);
        const lines = Object.values(exported.files)[0]
            .trimEnd()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.strictEqual(lines.length, 40);
        assert.deepStrictEqual(lines[5].properties, { UNIQ_KEY: "K5", RETRY_TOPIC: "Orders" });
        assert.deepStrictEqual([...Buffer.from(lines[5].bodyBase64, "base64")], [0xff, 5]);

        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dlq-"));
        try {
            const written = writeDeadLetters(dir, exported);
            assert.deepStrictEqual(written, [path.join(dir, "dead-letters", "%DLQ%OrderGroup", "blue-a-0.jsonl")]);
            assert.strictEqual(fs.readFileSync(written[0], "utf8").trimEnd().split("\n").length, 40);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("says which queue it exported only in part, and how much", async () => {
        const exported = await exportDeadLetters(fakeBroker(), masters, 25);
        assert.strictEqual(exported.messages, 25);
        assert.deepStrictEqual(exported.partial, ["%DLQ%OrderGroup on blue-a queue 0: 25 of 40"]);
    });
});
