import * as assert from "assert";
import { parseStackConfig } from "../../config/stackConfig";
import { planCluster, planNameServers } from "../../domain/clusterPlan";
import { downgradeBlockers, rollSteps, takeDownRefusal } from "../../domain/rollPlan";
import { rollJumpProblem, silentBrokerProblem, versionOfLabel } from "../../operations/rollPreflight";

function plan(brokerGroups: number, slavesPerGroup: number) {
    // A SYNC_MASTER needs a slave (the config refuses it without one).
    const brokerRole = slavesPerGroup === 0 ? "ASYNC_MASTER" : "SYNC_MASTER";
    const spec = parseStackConfig({
        blue: { version: "4.9.7", clusterName: "c", brokerGroups, slavesPerGroup, brokerRole },
    }).blue;
    return planCluster(spec, 30000, planNameServers(2, 19876));
}

describe("rolling upgrade plan", () => {
    for (const groups of [1, 2, 3]) {
        for (const slaves of [0, 1, 2]) {
            it(`${groups} group(s), ${slaves} slave(s): every slave before any master, each broker once`, () => {
                const steps = rollSteps(plan(groups, slaves));
                assert.strictEqual(steps.length, groups * (1 + slaves));
                assert.strictEqual(new Set(steps.map((s) => s.broker.name)).size, steps.length);
                const firstMaster = steps.findIndex((s) => s.broker.brokerId === 0);
                assert.ok(steps.slice(firstMaster).every((s) => s.broker.brokerId === 0));
                for (const s of steps) {
                    if (s.broker.brokerId === 0) {
                        assert.deepStrictEqual(s.actions, [
                            "wipe-write-perm",
                            "await-consumers",
                            "stop",
                            "start-on-target",
                            "add-write-perm",
                            "verify",
                        ]);
                    } else {
                        assert.deepStrictEqual(s.actions, ["stop", "start-on-target", "await-replication", "verify"]);
                    }
                }
            });
        }
    }

    const master = plan(1, 1).brokers[0];
    const slave = plan(1, 1).brokers[1];

    it("takes a master down only with every slave caught up, naming the broker and the lag", () => {
        const state = { role: "SYNC_MASTER" as const, masterOffset: 5000, slaveOffsets: { 1: 5000 }, slaveCount: 1 };
        assert.strictEqual(takeDownRefusal(master, state, 0), undefined);
        assert.match(
            takeDownRefusal(master, { ...state, slaveOffsets: { 1: 4000 } }, 0)!,
            /^c-a\/0 \(127\.0\.0\.1:\d+\) is not taken down: slave 1 lags 1000 bytes \(allowed 0\)/,
        );
        assert.match(takeDownRefusal(master, { ...state, slaveOffsets: {} }, 0)!, /1 slave\(s\) do not answer/);
        assert.strictEqual(takeDownRefusal(slave, { ...state, slaveOffsets: { 1: 0 } }, 0), undefined);
    });

    it("keeps a slave up while its master does not answer: it may hold the only copy", () => {
        const state = {
            role: "SYNC_MASTER" as const,
            masterOffset: undefined,
            slaveOffsets: { 1: 5000 },
            slaveCount: 1,
        };
        assert.match(
            takeDownRefusal(slave, state, 0)!,
            /^c-a\/1 \(127\.0\.0\.1:\d+\) is not taken down: its master does not answer/,
        );
        assert.strictEqual(takeDownRefusal(master, state, 0), undefined);
    });

    it("refuses an async master with no caught-up slave: it holds the only copy", () => {
        const state = { role: "ASYNC_MASTER" as const, masterOffset: 9000, slaveOffsets: { 1: 100 }, slaveCount: 1 };
        assert.match(
            takeDownRefusal(master, state, 1024)!,
            /ASYNC_MASTER it holds the only up-to-date copy \(slave 1 lags 8900 bytes/,
        );
        assert.strictEqual(takeDownRefusal(master, { ...state, slaveOffsets: { 1: 8500 } }, 1024), undefined);
    });

    it("names every reason a rollback to 4.9 would lose data", () => {
        assert.deepStrictEqual(
            downgradeBlockers({
                topicNames: ["Orders"],
                pendingTimerMessages: 0,
                pendingPopCheckpoints: { "c-a": 0 },
                storeTypes: { a: "default" },
                // Records with no open transaction are processed at once, and at the 5.x broker's stop.
                transactionRecords: { "c-a": { open: 0, unprocessed: 4 }, "c-b": { open: 2, unprocessed: 0 } },
            }),
            [],
        );
        const blockers = downgradeBlockers({
            topicNames: ["x".repeat(128)],
            pendingTimerMessages: 3,
            pendingPopCheckpoints: { "c-a": 7 },
            storeTypes: { "c-a": "defaultRocksDB" },
            transactionRecords: { "c-a": { open: 1, unprocessed: 3 } },
        });
        assert.strictEqual(blockers.length, 5);
        assert.match(blockers[0], /128 chars\) exceed 4\.9's 127-character limit/);
        assert.match(blockers[1], /3 timer message\(s\) are pending/);
        assert.match(blockers[2], /c-a \(7\) hold POP consumption state/);
        assert.match(
            blockers[3],
            /c-a \(1 open transaction\(s\), 3 record\(s\)\) hold transaction records 4\.9 cannot read, so 4\.9 would commit those transactions a second time/,
        );
        assert.match(blockers[4], /c-a use a RocksDB store/);
    });

    it("reads a broker's release label and refuses a jump the table does not cover, either way", () => {
        assert.strictEqual(versionOfLabel("V4_9_7"), "4.9.7");
        assert.strictEqual(versionOfLabel("V5_5_0_SNAPSHOT"), "5.5.0");
        assert.strictEqual(versionOfLabel("unknown"), undefined);
        assert.strictEqual(rollJumpProblem("4.9.7", "5.5.0"), undefined);
        assert.strictEqual(rollJumpProblem("5.5.0", "4.9.7"), undefined, "a rollback along a supported jump");
        assert.match(rollJumpProblem("4.8.0", "5.5.0")!, /rolling 4\.8\.0 to 5\.5\.0 is not a supported jump/);
        assert.match(rollJumpProblem("6.0.0", "5.5.0")!, /rolling 6\.0\.0 to 5\.5\.0 is not a supported jump/);
    });

    it("starts a roll only with every broker answering, but resumes one with a broker down", () => {
        const fresh = { offTarget: { "c-a/0": "V4_9_7" }, onTarget: [], silent: ["c-a/1"] };
        assert.match(
            silentBrokerProblem(fresh)!,
            /^c-a\/1 do\(es\) not answer: a roll starts only with every broker serving/,
        );
        assert.strictEqual(silentBrokerProblem({ ...fresh, onTarget: ["c-b/1"] }), undefined, "under way");
        assert.strictEqual(silentBrokerProblem({ ...fresh, silent: [] }), undefined);
        assert.strictEqual(silentBrokerProblem({ ...fresh, offTarget: {} }), undefined, "nothing to roll");
    });
});
