import * as assert from "assert";
import {
    brokerMetadata,
    BrokerMetadata,
    MetadataAdmin,
    metadataRegressions,
    MetadataRecord,
} from "../../operations/brokerMetadata";

const master: BrokerMetadata = {
    broker: "blue-a/0",
    address: "127.0.0.1:10911",
    topics: { Orders: { readQueueNums: 4, writeQueueNums: 4, perm: 6 } },
    groups: { OrderReaders: { retryMaxTimes: 16, retryQueueNums: 1, consumeBroadcastEnable: true } },
    consumerOffsets: { "OrderReaders Orders 0": 120, "OrderReaders %RETRY%OrderReaders 0": 3 },
    delayOffsets: { "3": 40, "8": 2 },
};
const record = (...brokers: BrokerMetadata[]): MetadataRecord => ({ takenAt: "t", brokers });
const roll = { queueShapesMayChange: false };

describe("metadata compared around a change", () => {
    it("finds nothing when only offsets moved forward and topics, groups and delay levels were added", () => {
        const after: BrokerMetadata = {
            ...master,
            topics: { ...master.topics, rmq_sys_wheel_timer: { readQueueNums: 1, writeQueueNums: 1, perm: 6 } },
            groups: { ...master.groups, NewReaders: {} },
            consumerOffsets: { ...master.consumerOffsets, "OrderReaders Orders 0": 180, "NewReaders Orders 1": 5 },
            delayOffsets: { "3": 41, "8": 2, "16": 1 },
        };
        assert.deepStrictEqual(metadataRegressions(record(master), record(after), roll), []);
    });

    it("names a vanished topic and group, a changed retry setting, and offsets that went back, each with its broker", () => {
        const after: BrokerMetadata = {
            ...master,
            topics: {},
            groups: {},
            consumerOffsets: { "OrderReaders Orders 0": 100, "OrderReaders %RETRY%OrderReaders 0": 3 },
            delayOffsets: { "3": 12, "8": 2 },
        };
        assert.deepStrictEqual(metadataRegressions(record(master), record(after), roll), [
            "topic Orders vanished from blue-a/0",
            "subscription group OrderReaders vanished from blue-a/0",
            "consumer offset of OrderReaders on Orders queue 0 at blue-a/0 went back from 120 to 100 (those messages would be consumed again)",
            "delay offset of level 3 at blue-a/0 went back from 40 to 12 (scheduled messages would be delivered again)",
        ]);
        const retry = { ...master, groups: { OrderReaders: { ...master.groups.OrderReaders, retryMaxTimes: 3 } } };
        assert.deepStrictEqual(metadataRegressions(record(master), record(retry), roll), [
            "subscription group OrderReaders on blue-a/0: retryMaxTimes 16 → 3",
        ]);
    });

    it("flags a topic's queue counts and permission in a roll, not in a blue-green stage", () => {
        const after = { ...master, topics: { Orders: { readQueueNums: 4, writeQueueNums: 0, perm: 4 } } };
        assert.deepStrictEqual(metadataRegressions(record(master), record(after), roll), [
            "topic Orders on blue-a/0: writeQueueNums 4 → 0",
            "topic Orders on blue-a/0: perm 6 → 4",
        ]);
        assert.deepStrictEqual(metadataRegressions(record(master), record(after), { queueShapesMayChange: true }), []);
    });

    it("holds a slave to what its master holds: a topic its master never had may go, one the master has may not", () => {
        const slave: BrokerMetadata = { ...master, broker: "blue-a/1", address: "127.0.0.1:10921" };
        const withOwn = {
            ...slave,
            topics: { ...slave.topics, rmq_sys_wheel_timer: { readQueueNums: 1, writeQueueNums: 1, perm: 6 } },
        };
        // The master's sync dropped the slave's own system topic: no loss.
        assert.deepStrictEqual(metadataRegressions(record(master, withOwn), record(master, slave), roll), []);
        // The slave lost a topic its master still holds.
        assert.deepStrictEqual(
            metadataRegressions(record(master, slave), record(master, { ...slave, topics: {} }), roll),
            ["topic Orders vanished from blue-a/1"],
        );
        // Gone from the master too: reported once, at the master.
        const bothGone = metadataRegressions(
            record(master, slave),
            record({ ...master, topics: {} }, { ...slave, topics: {} }),
            roll,
        );
        assert.deepStrictEqual(bothGone, ["topic Orders vanished from blue-a/0"]);
    });

    it("compares offsets on masters only: a slave's are copies its master's sync overwrites", () => {
        const slave: BrokerMetadata = { ...master, broker: "blue-a/1", address: "127.0.0.1:10921" };
        const behind = { ...slave, consumerOffsets: { "OrderReaders Orders 0": 100 }, delayOffsets: { "3": 12 } };
        assert.deepStrictEqual(metadataRegressions(record(master, slave), record(master, behind), roll), []);
    });

    it("leaves out a broker that was not recorded on both sides (down, or new)", () => {
        assert.deepStrictEqual(metadataRegressions(record(master), record(), roll), []);
        assert.deepStrictEqual(metadataRegressions(record(), record({ ...master, topics: {} }), roll), []);
    });

    it("asks a broker that does not answer once, not once per table: each request waits out a timeout", async () => {
        const asked: string[] = [];
        const hung = (what: string) => () => {
            asked.push(what);
            return Promise.reject(new Error(`${what}: no answer within 15s`));
        };
        const admin = {
            topics: hung("topics"),
            groups: hung("groups"),
            runtimeStats: hung("runtimeStats"),
            consumeStats: hung("consumeStats"),
        } as unknown as MetadataAdmin;
        const read = await brokerMetadata(admin, { brokerName: "blue-a", brokerId: 1, address: "127.0.0.1:10921" });
        assert.strictEqual(read, undefined);
        assert.deepStrictEqual(asked, ["topics"]);
    });
});
