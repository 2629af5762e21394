/**
 * The seed's post-change checks (operations/verification.ts) against a fake
 * admin API: each fault a cluster can show, and the check and broker it must
 * be reported under.
 */
import * as assert from "assert";
import { recordMetadata } from "../../operations/brokerMetadata";
import type { QueueAddress, RouteQueueData, TopicConfigData } from "../../domain/rocketmqAdmin";
import {
    checkBrokers,
    failureMessage,
    growingBacklogs,
    VerificationAdmin,
    verifyCluster,
} from "../../operations/verification";
import { CheckResult, DEFAULT_VERIFICATION } from "../../domain/verificationSettings";
import { DEFAULT_BENCHMARK } from "../../domain/benchmarkSettings";
import { measureBenchmark } from "../../operations/benchmark";

const target = {
    nameServers: "ns",
    clusterName: "blue",
    expectedVersion: "4.9.7",
    brokers: [
        { brokerName: "blue-a", brokerId: 0, address: "127.0.0.1:20012" },
        { brokerName: "blue-a", brokerId: 1, address: "127.0.0.1:20016" },
        { brokerName: "blue-b", brokerId: 0, address: "127.0.0.1:20020" },
        { brokerName: "blue-b", brokerId: 1, address: "127.0.0.1:20024" },
    ],
};

const settings = { ...DEFAULT_VERIFICATION, replicationWaitSeconds: 0, consumerSampleSeconds: 0 };

/** A healthy two-group cluster in memory; each test breaks one thing. */
class FakeCluster implements VerificationAdmin {
    versions = new Map(target.brokers.map((b) => [b.address, "V4_9_7"]));
    offsets = new Map(target.brokers.map((b) => [b.address, 1000]));
    hung = new Set<string>();
    perms = new Map<string, number>();
    /** Bodies stored per queue ("topic/brokerName/queueId"). */
    queues = new Map<string, string[]>();
    backlogs: Array<Map<string, number>> = [new Map([["orders", 5]]), new Map([["orders", 5]])];
    dropSends = false;
    /** How many sends to each master answer `slaveStatus` before its slave replicates (-1: for ever). */
    slaveMissing = new Map<string, number>();
    slaveStatus = "SLAVE_NOT_AVAILABLE";
    created: string[] = [];

    async cluster() {
        return target.brokers.map((b) => ({ cluster: "blue", ...b }));
    }
    async runtimeStats(address: string): Promise<Record<string, string>> {
        if (this.hung.has(address)) {
            throw new Error(`admin runtimeStats on ${address}: no answer within 30s`);
        }
        return {
            brokerVersionDesc: this.versions.get(address)!,
            commitLogMaxOffset: String(this.offsets.get(address)),
        };
    }
    async route(topic: string): Promise<RouteQueueData[] | undefined> {
        assert.strictEqual(topic, DEFAULT_VERIFICATION.verifyTopic);
        if (this.perms.size === 0) {
            return undefined;
        }
        return [...this.perms].map(([brokerName, perm]) => ({ brokerName, readQueueNums: 1, writeQueueNums: 1, perm }));
    }
    async putTopic(address: string, config: TopicConfigData) {
        const broker = target.brokers.find((b) => b.address === address)!;
        this.created.push(`${broker.brokerName}:${config.topicName}:${config.perm}`);
        this.perms.set(broker.brokerName, config.perm);
    }
    async sendToQueue(queue: QueueAddress, body: string) {
        const key = `${queue.topic}/${queue.brokerName}/${queue.queueId}`;
        const stored = this.queues.get(key) ?? [];
        stored.push(this.dropSends ? "" : body);
        this.queues.set(key, stored);
        const missing = this.slaveMissing.get(queue.brokerName) ?? 0;
        if (missing !== 0) {
            this.slaveMissing.set(queue.brokerName, missing - 1);
        }
        return { status: missing !== 0 ? this.slaveStatus : "SEND_OK", queueOffset: stored.length - 1 };
    }
    async pullFromQueue(queue: QueueAddress, offset: number, max: number) {
        const stored = this.queues.get(`${queue.topic}/${queue.brokerName}/${queue.queueId}`) ?? [];
        return stored
            .slice(offset, offset + max)
            .map((body, i) => ({ queueOffset: offset + i, storeTimestamp: 0, properties: {}, body }));
    }
    async groupBacklogs() {
        return this.backlogs.shift() ?? new Map<string, number>();
    }
    /** Topic names per broker address; every broker holds Orders unless a test takes it away. */
    topicNames = new Map(target.brokers.map((b) => [b.address, ["Orders"]]));
    async topics(address: string): Promise<TopicConfigData[]> {
        return (this.topicNames.get(address) ?? []).map((topicName) => ({
            topicName,
            readQueueNums: 4,
            writeQueueNums: 4,
            perm: 6,
        }));
    }
    async groups() {
        return [{ groupName: "orders", retryMaxTimes: 16 }];
    }
    async consumeStats(address: string) {
        return [{ topic: "Orders", brokerName: "x", queueId: 0, brokerOffset: 100, consumerOffset: 90 }].map((q) => ({
            ...q,
            brokerName: target.brokers.find((b) => b.address === address)!.brokerName,
        }));
    }
}

const failures = (results: Awaited<ReturnType<typeof verifyCluster>>) =>
    results.filter((r) => !r.ok).map((r) => `[${r.check} ${r.subject ?? ""}] ${r.detail}`);

describe("verification checks on a fake admin API", () => {
    it("passes a healthy cluster, creating the verify topic on each master that lacks it", async () => {
        const fake = new FakeCluster();
        const results = await verifyCluster(fake, target, settings);
        assert.deepStrictEqual(failures(results), []);
        assert.deepStrictEqual(fake.created, ["blue-a:RMQ_UPGRADE_VERIFY:6", "blue-b:RMQ_UPGRADE_VERIFY:6"]);
        assert.deepStrictEqual(
            results.map((r) => r.check),
            [
                "broker-count",
                "broker-version",
                "broker-version",
                "broker-version",
                "broker-version",
                "replication",
                "replication",
                "round-trip",
                "round-trip",
                "consumer-progress",
            ],
        );
    });

    it("names a broker on another version, a lagging slave and a hung slave, each under its own check", async () => {
        const fake = new FakeCluster();
        fake.versions.set("127.0.0.1:20024", "V5_5_0");
        fake.offsets.set("127.0.0.1:20024", 700);
        fake.hung.add("127.0.0.1:20016");
        assert.deepStrictEqual(failures(await verifyCluster(fake, target, settings)), [
            "[broker-version blue-a/1] blue-a/1 (127.0.0.1:20016) did not answer brokerStatus: admin runtimeStats on 127.0.0.1:20016: no answer within 30s",
            "[broker-version blue-b/1] blue-b/1 reports V5_5_0, expected V4_9_7",
            "[replication blue-a/1] blue-a/1 (127.0.0.1:20016) did not answer brokerStatus: admin runtimeStats on 127.0.0.1:20016: no answer within 30s",
            "[replication blue-b/1] blue-b/1 is 300 bytes behind its master (master 1000, slave 700, allowed 0)",
        ]);
    });

    it("fails the round trip on a read-only verify topic without rewriting it, and on a message not read back", async function () {
        // A message not read back is read again for 5 s: the broker indexes it a moment after SEND_OK.
        this.timeout(15_000);
        const fake = new FakeCluster();
        fake.perms.set("blue-a", 4);
        fake.perms.set("blue-b", 6);
        fake.dropSends = true;
        assert.deepStrictEqual(failures(await verifyCluster(fake, target, settings)), [
            "[round-trip blue-a] topic RMQ_UPGRADE_VERIFY cannot be written on blue-a: its route perm is 4 (producers need the write bit, 2)",
            "[round-trip blue-b] the message sent to blue-b was not consumed back at offset 0",
        ]);
        assert.deepStrictEqual(fake.created, []);
    });

    it("waits up to replicationWaitSeconds for a SYNC_MASTER's slave to replicate, then names the master", async function () {
        this.timeout(15_000);
        const fake = new FakeCluster();
        // blue-a's slave connects after two refused sends; blue-b's never does.
        fake.slaveMissing.set("blue-a", 2);
        fake.slaveMissing.set("blue-b", -1);
        const began = Date.now();
        const results = await verifyCluster(fake, target, { ...settings, replicationWaitSeconds: 3 });
        const failed = failures(results);
        assert.strictEqual(failed.length, 1, failed.join("\n"));
        assert.match(
            failed[0],
            /^\[round-trip blue-b\] send to blue-b did not return SEND_OK: SLAVE_NOT_AVAILABLE \(still after \d+s: its slave does not replicate from it\)$/,
        );
        assert.strictEqual(
            fake.slaveMissing.get("blue-a"),
            0,
            "blue-a was not sent to again until its slave replicated",
        );
        // One wait for the whole cluster, not one per master.
        assert.ok(Date.now() - began < 5000, `took ${Date.now() - began} ms`);
    });

    it("waits the same way while a freshly connected slave's acknowledgements time out", async function () {
        this.timeout(15_000);
        const fake = new FakeCluster();
        fake.slaveStatus = "FLUSH_SLAVE_TIMEOUT";
        fake.slaveMissing.set("blue-a", 1);
        fake.slaveMissing.set("blue-b", 2);
        assert.deepStrictEqual(
            failures(await verifyCluster(fake, target, { ...settings, replicationWaitSeconds: 5 })),
            [],
        );
    });

    it("fails at once on SLAVE_NOT_AVAILABLE when no wait is configured", async () => {
        const fake = new FakeCluster();
        fake.slaveMissing.set("blue-a", -1);
        assert.deepStrictEqual(failures(await verifyCluster(fake, target, settings)), [
            "[round-trip blue-a] send to blue-a did not return SEND_OK: SLAVE_NOT_AVAILABLE",
        ]);
    });

    it("flags a group whose backlog grew beyond the slack between the two samples", async () => {
        const fake = new FakeCluster();
        fake.backlogs = [new Map([["orders", 5]]), new Map([["orders", 2000]])];
        assert.deepStrictEqual(failures(await verifyCluster(fake, target, settings)), [
            "[consumer-progress orders] group orders: backlog 5 then 2000 (growth 1995, allowed 1000)",
        ]);
        assert.ok(growingBacklogs(new Map([["orders", 5]]), new Map([["orders", 900]]), 1000).every((r) => r.ok));
    });

    describe("the baseline's benchmark, a check that loads the cluster", () => {
        /** A stand-in for the benchmark: logs when it starts and whether it was stopped, and takes `ms`. */
        function loadCheck(log: string[], ms: number) {
            return (signal: AbortSignal) =>
                new Promise<CheckResult>((resolve) => {
                    log.push("load started");
                    const done = setTimeout(() => {
                        log.push("load done");
                        resolve({ check: "baseline", ok: true, detail: "TPS 900 vs baseline 1000" });
                    }, ms);
                    signal.addEventListener("abort", () => {
                        clearTimeout(done);
                        log.push("load stopped");
                        resolve({ check: "baseline", ok: false, detail: "the benchmark did not complete" });
                    });
                });
        }

        /** The fake, logging each consumer sample and each round-trip send. */
        function loggingCluster(log: string[]) {
            const fake = new FakeCluster();
            const samples = fake.groupBacklogs.bind(fake);
            fake.groupBacklogs = () => {
                log.push("consumer sample");
                return samples();
            };
            const send = fake.sendToQueue.bind(fake);
            fake.sendToQueue = (queue, body) => {
                log.push(`round trip ${queue.brokerName}`);
                return send(queue, body);
            };
            return fake;
        }

        it("starts after the round trips passed and runs beside the consumer sample, its result last", async () => {
            const log: string[] = [];
            const fake = loggingCluster(log);
            const began = Date.now();
            const results = await verifyCluster(
                fake,
                target,
                { ...settings, consumerSampleSeconds: 0.4 },
                () => {},
                loadCheck(log, 500),
            );
            assert.deepStrictEqual(log, [
                "round trip blue-a",
                "round trip blue-b",
                "load started",
                "consumer sample",
                "consumer sample",
                "load done",
            ]);
            assert.ok(Date.now() - began < 850, `took ${Date.now() - began} ms: the two ran one after the other`);
            assert.deepStrictEqual(results[results.length - 1], {
                check: "baseline",
                ok: true,
                detail: "TPS 900 vs baseline 1000",
            });
            assert.deepStrictEqual(failures(results), []);
        });

        it("is not started when a check before it failed, and says so", async () => {
            const log: string[] = [];
            const fake = loggingCluster(log);
            fake.offsets.set("127.0.0.1:20024", 700);
            const results = await verifyCluster(fake, target, settings, () => {}, loadCheck(log, 10));
            assert.ok(!log.includes("load started"), log.join(", "));
            assert.deepStrictEqual(failures(results), [
                "[replication blue-b/1] blue-b/1 is 300 bytes behind its master (master 1000, slave 700, allowed 0)",
                "[baseline ] not measured: the cluster failed the checks above",
            ]);
        });

        it("is stopped when the consumer check beside it fails, and says so", async () => {
            const log: string[] = [];
            const fake = loggingCluster(log);
            fake.backlogs = [new Map([["orders", 5]]), new Map([["orders", 2000]])];
            const results = await verifyCluster(fake, target, settings, () => {}, loadCheck(log, 60_000));
            assert.deepStrictEqual(log.slice(-2), ["consumer sample", "load stopped"]);
            assert.deepStrictEqual(failures(results), [
                "[consumer-progress orders] group orders: backlog 5 then 2000 (growth 1995, allowed 1000)",
                "[baseline ] not measured: the cluster failed the checks beside it",
            ]);
        });

        it("is stopped, and gone, before an error of a check beside it goes on", async () => {
            const log: string[] = [];
            const fake = loggingCluster(log);
            fake.groupBacklogs = () => Promise.reject(new Error("admin groupBacklogs: no answer within 30s"));
            await assert.rejects(
                verifyCluster(fake, target, settings, () => {}, loadCheck(log, 60_000)),
                /no answer within 30s/,
            );
            assert.deepStrictEqual(log.slice(-1), ["load stopped"]);
        });

        it("refuses to benchmark a master whose benchmark topic is read-only, naming it, before any tool runs", async () => {
            const fake = new FakeCluster();
            fake.route = async () => [
                { brokerName: "blue-a", readQueueNums: 4, writeQueueNums: 4, perm: 6 },
                { brokerName: "blue-b", readQueueNums: 4, writeQueueNums: 4, perm: 4 },
            ];
            const masters = target.brokers.filter((b) => b.brokerId === 0);
            await assert.rejects(
                measureBenchmark(fake, masters, "ns", { ...DEFAULT_BENCHMARK, seconds: 10 }),
                /^Error: topic RMQ_UPGRADE_BENCH is not writable on blue-b \(route perm 4\)$/,
            );
            assert.deepStrictEqual(fake.created, [], "a topic that exists is never rewritten");
        });
    });

    it("counts only the cluster's own brokers and names each missing one", () => {
        const observed = [
            { cluster: "blue", brokerName: "blue-a", brokerId: 0, address: "127.0.0.1:20012", version: "V4_9_7" },
            { cluster: "other", brokerName: "other-a", brokerId: 0, address: "127.0.0.1:30012", version: "V4_9_7" },
        ];
        const failed = checkBrokers(observed, { ...target, brokers: target.brokers.slice(0, 3) })
            .filter((r) => !r.ok)
            .map((r) => `${r.check} ${r.subject ?? ""}: ${r.detail}`);
        assert.deepStrictEqual(failed, [
            "broker-count : 1 of 3 brokers registered in cluster blue",
            "broker-count blue-a/1: blue-a/1 (127.0.0.1:20016) is not registered",
            "broker-count blue-b/0: blue-b/0 (127.0.0.1:20020) is not registered",
        ]);
    });

    it("writes one failure line per failed check, with the report path", () => {
        const msg = failureMessage(
            "blue",
            [
                { check: "replication", ok: false, subject: "blue-a/1", detail: "blue-a/1 is 300 bytes behind" },
                { check: "round-trip", ok: true, subject: "blue-a", detail: "fine" },
            ],
            "/r.json",
        );
        assert.strictEqual(
            msg,
            "verification of cluster blue failed (1 of 2 checks):\n  [replication blue-a/1] blue-a/1 is 300 bytes behind\nfull report: /r.json",
        );
        assert.strictEqual(failureMessage("blue", [{ check: "round-trip", ok: true, detail: "" }], "/r"), undefined);
    });

    it("checks the brokers against a backup's metadata record, naming a topic a slave lost", async () => {
        const fake = new FakeCluster();
        const record = await recordMetadata(fake, target.brokers);
        const recorded = { record, source: "/backups/blue/x/broker-metadata.json" };
        const healthy = await verifyCluster(fake, { ...target, metadataRecord: recorded }, settings);
        assert.deepStrictEqual(failures(healthy), []);
        assert.ok(healthy.some((r) => r.check === "metadata" && r.ok));
        fake.topicNames.set("127.0.0.1:20024", []);
        const lost = await verifyCluster(fake, { ...target, metadataRecord: recorded }, settings);
        assert.deepStrictEqual(failures(lost), [
            "[metadata blue-b/1] topic Orders vanished from blue-b/1 (recorded in /backups/blue/x/broker-metadata.json)",
        ]);
    });
});
