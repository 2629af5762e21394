import * as assert from "assert";
import { configHash, launchedAs, LaunchRecord } from "../../operations/launcher";
import { recordMetadata } from "../../operations/brokerMetadata";
import {
    awaitingSlaveSync,
    groupsAwaitingSync,
    rollBroker,
    RollAdmin,
    RollHooks,
    RollTarget,
} from "../../operations/brokerTurn";
import { DEFAULT_ROLL_SETTINGS } from "../../domain/rollSettings";

/**
 * A two-broker group behind a fake admin API: offsets, versions, the
 * broker's permission and the name servers' route perm, and every call that
 * changes something, in order.
 */
class FakeGroup implements RollAdmin {
    readonly calls: string[] = [];
    versions: Record<string, string>;
    offsets: Record<string, number> = { "m:1": 100, "s:1": 100 };
    routePerm = 4;
    /** Topic names each broker holds. */
    topicsOf: Record<string, string[]> = { "m:1": ["Orders", "blue-a"], "s:1": ["Orders", "blue-a"] };

    constructor(masterVersion: string, slaveVersion: string) {
        this.versions = { "m:1": masterVersion, "s:1": slaveVersion };
    }

    async runtimeStats(broker: string): Promise<Record<string, string>> {
        return { brokerVersionDesc: this.versions[broker], commitLogMaxOffset: String(this.offsets[broker]) };
    }
    async route(): Promise<{ brokerName: string; perm: number; readQueueNums: number; writeQueueNums: number }[]> {
        return [{ brokerName: "blue-a", perm: this.routePerm, readQueueNums: 1, writeQueueNums: 1 }];
    }
    async topics(broker: string) {
        return this.topicsOf[broker].map((topicName) => ({ topicName, readQueueNums: 4, writeQueueNums: 4, perm: 6 }));
    }
    async groups(): Promise<never[]> {
        return [];
    }
    async consumeStats(): Promise<never[]> {
        return [];
    }
    async setBrokerConfig(broker: string, key: string, value: string): Promise<void> {
        this.calls.push(`setBrokerConfig ${broker} ${key}=${value}`);
    }
    async wipeWritePerm(brokerName: string): Promise<Record<string, number>> {
        this.calls.push(`wipeWritePerm ${brokerName}`);
        this.routePerm = 4;
        return {};
    }
    async addWritePerm(brokerName: string): Promise<Record<string, number>> {
        this.calls.push(`addWritePerm ${brokerName}`);
        this.routePerm = 6;
        return {};
    }
    /** A put moves the master's table on a version: its slave then copies all of it, as a real slave's sync does. */
    /** Topics a put is refused for, as a broker refuses its cluster's own topic. */
    refusedTopics = new Set<string>();
    async putTopic(broker: string, config: { topicName: string; perm: number }): Promise<void> {
        this.calls.push(`putTopic ${broker} ${config.topicName} perm=${config.perm}`);
        if (this.refusedTopics.has(config.topicName)) {
            throw new Error(`The topic[${config.topicName}] is conflict with system topic.`);
        }
        if (broker === "m:1") {
            this.topicsOf["s:1"] = [...this.topicsOf["m:1"]];
        }
    }
}

const master: RollTarget = {
    brokerName: "blue-a",
    brokerId: 0,
    address: "m:1",
    groupRole: "SYNC_MASTER",
    peers: [{ brokerId: 1, address: "s:1" }],
    targetVersion: "5.5.0",
};
const slave: RollTarget = { ...master, brokerId: 1, address: "s:1", peers: [{ brokerId: 0, address: "m:1" }] };
const quick = { ...DEFAULT_ROLL_SETTINGS, catchUpSeconds: 1, writeStopSeconds: 1, consumerWaitSeconds: 1 };

function hooks(group: FakeGroup, runsTarget: boolean, address: string): RollHooks {
    return {
        runsTarget,
        stop: async () => {
            group.calls.push("stop");
            group.versions[address] = "";
        },
        start: async (readOnly) => {
            group.calls.push(`start${readOnly ? " read-only" : ""}`);
            group.versions[address] = "V5_5_0";
        },
        progress: () => undefined,
        note: () => undefined,
    };
}

describe("a turn of the roll resumed after an interrupted run", function () {
    this.timeout(20_000);

    it("does not restart a master already on the target: it checks it and gives writes back", async () => {
        const group = new FakeGroup("V5_5_0", "V5_5_0");
        const startedAt = Date.now() - 40_000;
        const report = await rollBroker(group, master, quick, hooks(group, true, "m:1"), { startedAt });
        assert.deepStrictEqual(group.calls, ["setBrokerConfig m:1 brokerPermission=6", "addWritePerm blue-a"]);
        assert.strictEqual(report.resumed, true);
        assert.deepStrictEqual(
            report.steps.map((s) => s.action),
            ["await-answer", "verify", "add-write-perm", "verify-route"],
        );
        // Counted from the interrupted run's restart: at least the 40 s since.
        assert.ok(report.writeBlockedSeconds! >= 40, String(report.writeBlockedSeconds));
    });

    it("restarts a master that is not on the target yet, with writes taken away first", async () => {
        const group = new FakeGroup("V4_9_7", "V5_5_0");
        const report = await rollBroker(group, master, quick, hooks(group, false, "m:1"));
        assert.deepStrictEqual(group.calls, [
            "setBrokerConfig m:1 brokerPermission=4",
            "wipeWritePerm blue-a",
            "stop",
            "start read-only",
            "setBrokerConfig m:1 brokerPermission=6",
            "addWritePerm blue-a",
        ]);
        assert.strictEqual(report.resumed, undefined);
    });

    it("does not restart a slave already on the target; it still waits until it holds its master's data", async () => {
        const group = new FakeGroup("V4_9_7", "V5_5_0");
        group.offsets["s:1"] = 60;
        const late = rollBroker(group, slave, quick, hooks(group, true, "s:1"));
        await assert.rejects(late, /did not catch up with its master within 1s: 40 bytes behind/);
        assert.deepStrictEqual(group.calls, []);
        group.offsets["s:1"] = 100;
        const report = await rollBroker(group, slave, quick, hooks(group, true, "s:1"));
        assert.deepStrictEqual(group.calls, []);
        assert.deepStrictEqual(
            report.steps.map((s) => s.action),
            ["await-answer", "await-replication", "verify"],
        );
    });

    it("gives a resumed master its writes back when its slaves do not replicate, and fails", async () => {
        const group = new FakeGroup("V5_5_0", "V5_5_0");
        group.offsets["s:1"] = 10;
        await assert.rejects(
            rollBroker(group, master, quick, hooks(group, true, "m:1")),
            /blue-a\/0 runs 5\.5\.0, but its slaves do not replicate from it: slave 1 90 bytes behind/,
        );
        assert.deepStrictEqual(group.calls, ["setBrokerConfig m:1 brokerPermission=6", "addWritePerm blue-a"]);
    });

    it("refuses to call a broker on the target when it reports another release", async () => {
        const group = new FakeGroup("V4_9_7", "V5_5_0");
        await assert.rejects(
            rollBroker(group, master, quick, hooks(group, true, "m:1")),
            /reports release V4_9_7 after its restart, expected V5_5_0/,
        );
    });
});

describe("a turn of the roll against the metadata recorded before it", function () {
    this.timeout(20_000);
    const subjects = [
        { brokerName: "blue-a", brokerId: 0, address: "m:1" },
        { brokerName: "blue-a", brokerId: 1, address: "s:1" },
    ];

    it("refuses before the broker goes down when a slave lost a topic since the record, naming both", async () => {
        const group = new FakeGroup("V4_9_7", "V5_5_0");
        const record = await recordMetadata(group, subjects);
        group.topicsOf["s:1"] = ["blue-a"];
        await assert.rejects(
            rollBroker(group, master, quick, hooks(group, false, "m:1"), {
                baseline: { record, source: "/backups/x/metadata.json" },
            }),
            /roll stopped before blue-a\/0 went down: the brokers' metadata differs from the record taken before the roll \(\/backups\/x\/metadata\.json\):\n {2}- topic Orders vanished from blue-a\/1/,
        );
        assert.deepStrictEqual(group.calls, [], "the broker was touched");
    });

    it("fails a turn after which a topic is gone, once the group serves again", async () => {
        const group = new FakeGroup("V4_9_7", "V5_5_0");
        const record = await recordMetadata(group, subjects);
        const h = hooks(group, false, "m:1");
        const start = h.start;
        h.start = async (readOnly) => {
            await start(readOnly);
            group.topicsOf["m:1"] = ["blue-a"];
        };
        await assert.rejects(
            rollBroker(group, master, quick, h, { baseline: { record, source: "f" } }),
            /blue-a\/0 serves after its turn, but its group's metadata changed:\n {2}- topic Orders vanished from blue-a\/0/,
        );
        assert.deepStrictEqual(group.calls.slice(-2), [
            "setBrokerConfig m:1 brokerPermission=6",
            "addWritePerm blue-a",
        ]);
    });

    it("waits for a slave to copy what its master made at its restart, then goes through", async () => {
        const group = new FakeGroup("V4_9_7", "V5_5_0");
        const record = await recordMetadata(group, subjects);
        const h = hooks(group, false, "m:1");
        const start = h.start;
        h.start = async (readOnly) => {
            await start(readOnly);
            // The slave's sync has not run yet: it misses the master's topics until it does.
            const slaveHad = group.topicsOf["s:1"];
            group.topicsOf["s:1"] = [];
            setTimeout(() => (group.topicsOf["s:1"] = slaveHad), 3000);
        };
        const report = await rollBroker(group, master, quick, h, { baseline: { record, source: "f" } });
        const after = report.steps.find((s) => s.action === "compare-metadata-after")!;
        assert.ok(after.seconds >= 2, `did not wait for the slave: ${after.seconds}s`);
    });

    it("moves the master's topic table on when the slave would never copy it again, then goes through", async () => {
        const group = new FakeGroup("V4_9_7", "V5_5_0");
        group.topicsOf["m:1"].push("rmq_sys_wheel_timer", "Legacy");
        group.topicsOf["s:1"].push("rmq_sys_wheel_timer", "Legacy");
        // The cluster's own topic is refused as a system topic: the put goes on to the next one.
        group.refusedTopics.add("Legacy");
        const record = await recordMetadata(group, subjects);
        const h = hooks(group, false, "m:1");
        const start = h.start;
        h.start = async (readOnly) => {
            await start(readOnly);
            // The slave copied the old master's table, and the new master kept that table's version: the slave's
            // sync sees nothing new, so only a new version makes it copy the system topic back.
            group.topicsOf["s:1"] = ["Orders", "blue-a", "Legacy"];
        };
        const report = await rollBroker(group, master, quick, h, { baseline: { record, source: "f" } });
        assert.ok(report.steps.some((s) => s.action === "compare-metadata-after"));
        // One business topic, put back exactly as the master holds it: never a system or broker-name topic.
        assert.deepStrictEqual(
            group.calls.filter((c) => c.startsWith("putTopic")),
            ["putTopic m:1 Legacy perm=6", "putTopic m:1 Orders perm=6"],
        );
    });

    it("names the groups whose slaves await their master's table", () => {
        assert.deepStrictEqual(
            groupsAwaitingSync([
                "topic rmq_sys_wheel_timer vanished from broker-a/1",
                "topic X vanished from broker-a/2",
                "subscription group G vanished from broker-b/1",
            ]),
            ["broker-a", "broker-b"],
        );
    });

    it("tells a slave's pending sync from a loss", () => {
        assert.ok(awaitingSlaveSync(["topic rmq_sys_wheel_timer vanished from blue-a/1"]));
        assert.ok(awaitingSlaveSync(["subscription group G vanished from blue-a/2"]));
        assert.ok(!awaitingSlaveSync(["topic Orders vanished from blue-a/0"]));
        assert.ok(!awaitingSlaveSync(["topic Orders vanished from blue-a/1", "topic Orders vanished from blue-a/0"]));
        assert.ok(!awaitingSlaveSync(["consumer offset of G on T queue 0 at blue-a/1 went back from 5 to 3"]));
    });

    it("goes through when nothing changed", async () => {
        const group = new FakeGroup("V4_9_7", "V5_5_0");
        const record = await recordMetadata(group, subjects);
        const report = await rollBroker(group, master, quick, hooks(group, false, "m:1"), {
            baseline: { record, source: "f" },
        });
        assert.deepStrictEqual(
            report.steps.map((s) => s.action).filter((a) => a.startsWith("compare")),
            ["compare-metadata", "compare-metadata-after"],
        );
    });
});

describe("whether the running process is the declared one", () => {
    const record: LaunchRecord = {
        pid: 42,
        version: "5.5.0",
        heapMb: 256,
        servicePort: 10911,
        configSha256: configHash("brokerName=blue-a\n"),
        startedAt: "2026-12-01T00:00:00.000Z",
    };
    const declared = { version: "5.5.0", heapMb: 256, servicePort: 10911, config: "brokerName=blue-a\n" };

    it("matches only on the same release, heap, port and config", () => {
        assert.strictEqual(launchedAs(record, declared), true);
        assert.strictEqual(launchedAs(record, { ...declared, version: "4.9.7" }), false);
        assert.strictEqual(launchedAs(record, { ...declared, heapMb: 512 }), false);
        assert.strictEqual(launchedAs(record, { ...declared, servicePort: 10921 }), false);
        // A config change alone is a reason to restart, even on the same release.
        assert.strictEqual(
            launchedAs(record, { ...declared, config: "brokerName=blue-a\nflushDiskType=SYNC_FLUSH\n" }),
            false,
        );
    });
});

/** A group whose master stops answering between its stop and its start, as a real broker does. */
class StoppingGroup extends FakeGroup {
    readonly down = new Set<string>();

    async runtimeStats(broker: string): Promise<Record<string, string>> {
        if (this.down.has(broker)) {
            throw new Error(`${broker} does not answer`);
        }
        return super.runtimeStats(broker);
    }
}

/** Hooks that record the turn's steps and throw at the start of `failAt`, as a failure inside that step would. */
function steppingHooks(group: StoppingGroup, steps: string[], failAt?: string): RollHooks {
    return {
        runsTarget: false,
        stop: async () => {
            group.calls.push("stop");
            group.down.add("m:1");
        },
        start: async (readOnly) => {
            group.calls.push(`start${readOnly ? " read-only" : ""}`);
            group.down.delete("m:1");
            group.versions["m:1"] = "V5_5_0";
        },
        progress: (message) => {
            const step = /^blue-a\/0: (\S+)$/.exec(message)?.[1];
            if (step) {
                steps.push(step);
                if (step === failAt) {
                    throw new Error(`injected failure in ${step}`);
                }
            }
        },
        note: () => undefined,
    };
}

const GIVE_WRITES_BACK = ["setBrokerConfig m:1 brokerPermission=6", "addWritePerm blue-a"];

describe("a master's turn, step by step", function () {
    this.timeout(60_000);

    it("takes writes away, waits for producers, slaves and consumers, restarts, verifies, then gives writes back", async () => {
        const group = new StoppingGroup("V4_9_7", "V5_5_0");
        const steps: string[] = [];
        await rollBroker(group, master, quick, steppingHooks(group, steps));
        assert.deepStrictEqual(steps, [
            "check",
            "wipe-write-perm",
            "await-writes-stopped",
            "await-replication",
            "await-consumers",
            "stop",
            "start-on-target",
            "verify",
            "add-write-perm",
            "verify-route",
        ]);
        assert.deepStrictEqual(group.calls, [
            "setBrokerConfig m:1 brokerPermission=4",
            "wipeWritePerm blue-a",
            "stop",
            "start read-only",
            ...GIVE_WRITES_BACK,
        ]);
    });

    it("refuses a master whose slave lags beyond maxLagBytes, before touching anything", async () => {
        const group = new StoppingGroup("V4_9_7", "V5_5_0");
        group.offsets["s:1"] = 100 - 4096;
        const steps: string[] = [];
        await assert.rejects(
            rollBroker(group, master, { ...quick, maxLagBytes: 1024 }, steppingHooks(group, steps)),
            /roll stopped before blue-a\/0 went down, after 1s: .*4096/,
        );
        assert.deepStrictEqual(steps, ["check"]);
        assert.deepStrictEqual(group.calls, [], "the master was touched");
    });

    for (const failAt of ["await-writes-stopped", "await-replication", "await-consumers", "stop", "verify"]) {
        it(`gives the master its writes back when ${failAt} fails after the wipe, and stops the roll`, async () => {
            const group = new StoppingGroup("V4_9_7", "V5_5_0");
            const steps: string[] = [];
            await assert.rejects(
                rollBroker(group, master, quick, steppingHooks(group, steps, failAt)),
                new RegExp(`injected failure in ${failAt}`),
            );
            assert.strictEqual(steps[steps.length - 1], failAt);
            assert.deepStrictEqual(group.calls.slice(0, 2), [
                "setBrokerConfig m:1 brokerPermission=4",
                "wipeWritePerm blue-a",
            ]);
            assert.deepStrictEqual(group.calls.slice(-2), GIVE_WRITES_BACK, group.calls.join("\n"));
        });
    }

    it("gives writes back when the route check fails after they were given back once", async () => {
        const group = new StoppingGroup("V4_9_7", "V5_5_0");
        const steps: string[] = [];
        await assert.rejects(
            rollBroker(group, master, quick, steppingHooks(group, steps, "verify-route")),
            /injected failure in verify-route/,
        );
        assert.deepStrictEqual(group.calls.slice(-4), [...GIVE_WRITES_BACK, ...GIVE_WRITES_BACK]);
    });

    it("says first that a master whose start failed is left without writes: down, it cannot take them back", async () => {
        const group = new StoppingGroup("V4_9_7", "V5_5_0");
        const steps: string[] = [];
        await assert.rejects(
            rollBroker(group, master, quick, steppingHooks(group, steps, "start-on-target")),
            (err: Error) => {
                const [first] = err.message.split("\n");
                assert.match(first, /^blue-a\/0 is left without write permission \(it does not answer\); /);
                assert.match(first, /The roll stopped: injected failure in start-on-target$/);
                return true;
            },
        );
        assert.deepStrictEqual(group.calls, ["setBrokerConfig m:1 brokerPermission=4", "wipeWritePerm blue-a", "stop"]);
    });

    it("says first that a master is left without writes when giving them back fails, and why", async () => {
        const group = new StoppingGroup("V4_9_7", "V5_5_0");
        group.addWritePerm = async () => {
            throw new Error("no name server took addWritePerm\nsecond line");
        };
        await assert.rejects(rollBroker(group, master, quick, steppingHooks(group, [], "verify")), (err: Error) => {
            assert.match(
                err.message.split("\n")[0],
                /^blue-a\/0 is left without write permission \(no name server took addWritePerm\); .*The roll stopped: injected failure in verify$/,
            );
            return true;
        });
    });

    it("keeps the turn's own error when the writes were given back", async () => {
        const group = new StoppingGroup("V4_9_7", "V5_5_0");
        await assert.rejects(rollBroker(group, master, quick, steppingHooks(group, [], "verify")), (err: Error) => {
            assert.strictEqual(err.message, "injected failure in verify");
            return true;
        });
    });
});
