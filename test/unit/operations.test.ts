import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig } from "../../config/stackConfig";
import { changeTrigger } from "../../domain/triggers";
import { backupIdAt, expiredBackups, MANIFEST, processPaths, verifyBackup } from "../../operations/backup";
import { compareToBaseline, parseBenchmarkReports, reportsFor } from "../../operations/benchmark";
import { transientRemotingFailure } from "../../operations/mqadmin";
import { parseQueuePerms } from "../../domain/mqadminOutput";
import { planRestore } from "../../operations/restore";
import { pruneSnapshots } from "../../operations/trafficChange";

describe("performance baseline", () => {
    const report = (tps: number, rt: number, failed = 0) =>
        `Current Time: 1795569842835 | Send TPS: ${tps} | Max RT(ms): 40 | Average RT(ms):   ${rt} | Send Failed: ${failed} | Response Failed: 0`;
    const result = (tps: number, rt: number, failed = 0) => ({
        samples: 2,
        tps,
        avgRtMs: rt,
        maxRtMs: 40,
        sendFailed: failed,
        responseFailed: 0,
    });

    it("keeps every report, the first included, and counts failures from the first send", () => {
        // The tool's failure counters are cumulative: 1 failed early, 1 more later.
        const out = ["topic: x", report(1800, 7, 1), report(2000, 5, 1), report(2200, 4, 2)].join("\n");
        assert.deepStrictEqual(parseBenchmarkReports(out), {
            samples: 3,
            tps: 2000,
            avgRtMs: 5,
            maxRtMs: 40,
            sendFailed: 2,
            responseFailed: 0,
        });
        assert.deepStrictEqual(parseBenchmarkReports(report(1500, 6, 3)), {
            samples: 1,
            tps: 1500,
            avgRtMs: 6,
            maxRtMs: 40,
            sendFailed: 3,
            responseFailed: 0,
        });
    });

    it("refuses a run that printed no report, with the tool's last lines", () => {
        assert.throws(
            () => parseBenchmarkReports("topic: x\n[Complete] Send Total: 20 Send Failed: 0 Response Failed: 0"),
            /printed no report; its last lines:\n.*\[Complete\] Send Total: 20/s,
        );
    });

    it("asks the tool for one report a second from its tenth second on: 10 s of sends is one report", () => {
        assert.deepStrictEqual([1, 9, 10, 11, 30].map(reportsFor), [1, 1, 1, 2, 21]);
    });

    it("passes within the tolerance and names TPS, latency and failures beyond it", () => {
        const base = result(2000, 5);
        assert.ok(compareToBaseline(base, result(1500, 6), 0.3).ok);
        const worse = compareToBaseline(base, result(1000, 9, 3), 0.3);
        assert.strictEqual(worse.ok, false);
        assert.match(worse.detail, /TPS 1000 below 1400 .*average RT 9 ms above 6\.500 ms .*3 sends failed/);
    });

    it("demands an improvement with a negative tolerance, and never a negative TPS floor", () => {
        assert.strictEqual(compareToBaseline(result(2000, 5), result(2000, 5), -0.5).ok, false);
        assert.ok(compareToBaseline(result(2000, 5), result(1, 5), 3).ok);
    });
});

describe("backups", () => {
    it("names backups by sortable UTC timestamps and expires them by age", () => {
        assert.strictEqual(backupIdAt(new Date("2026-11-25T01:02:03.004Z")), "20261125T010203004Z");
        const now = new Date("2026-11-25T00:00:00Z");
        assert.deepStrictEqual(expiredBackups(["20261117T000000000Z", "20261119T000000000Z", "junk"], 7, now), [
            "20261117T000000000Z",
        ]);
    });

    it("reads a process's config and store from its own paths when it has them, else from its directory", () => {
        assert.deepStrictEqual(processPaths({ name: "blue-broker-a-0", role: "broker", dir: "/d/b" }), {
            config: "/d/b/broker.conf",
            store: "/d/b/store",
        });
        assert.deepStrictEqual(
            processPaths({ name: "ns", role: "namesrv", dir: "/d/ns" }).config,
            "/d/ns/namesrv.conf",
        );
        const adopted = {
            name: "broker-a-0",
            role: "broker" as const,
            dir: "/opt/rocketmq",
            configPath: "/opt/rocketmq/conf/broker.conf",
            storeDir: "/srv/store",
        };
        assert.deepStrictEqual(processPaths(adopted), {
            config: "/opt/rocketmq/conf/broker.conf",
            store: "/srv/store",
        });
    });

    it("keys backups to version and topology, not to heap size", () => {
        const cfg = parseStackConfig({
            blue: { version: "4.9.7", clusterName: "blue" },
            green: { version: "5.5.0", clusterName: "green" },
        });
        const base = changeTrigger(cfg.blue);
        assert.strictEqual(changeTrigger({ ...cfg.blue, heap: { ...cfg.blue.heap, brokerMb: 512 } }), base);
        assert.notStrictEqual(changeTrigger({ ...cfg.blue, version: "5.5.0" }), base);
        assert.notStrictEqual(changeTrigger({ ...cfg.blue, slavesPerGroup: 2 }), base);
    });

    it("verifies files against the manifest and plans a restore into another cluster directory", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-test-"));
        const file = (p: string, body: string) => {
            fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
            fs.writeFileSync(path.join(dir, p), body);
        };
        file("processes/c-broker-a-0/broker.conf", "brokerName=c-a\n");
        file("processes/c-broker-a-0/config/topics.json", "{}");
        const sha = (body: string) => crypto.createHash("sha256").update(body).digest("hex");
        const manifest = {
            formatVersion: 1,
            backupId: "x",
            clusterName: "c",
            version: "4.9.7",
            takenAt: "",
            includeStore: false,
            processes: [{ name: "c-broker-a-0", role: "broker", dir: "/old/c-broker-a-0" }],
            files: [
                { path: "processes/c-broker-a-0/broker.conf", sha256: sha("brokerName=c-a\n"), bytes: 15 },
                { path: "processes/c-broker-a-0/config/topics.json", sha256: sha("{}"), bytes: 2 },
            ],
        };
        fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(manifest));
        assert.deepStrictEqual(verifyBackup(dir), []);
        const target = path.join(dir, "restore-into");
        assert.deepStrictEqual(
            planRestore(dir, target).map((a) => [a.to, a.change]),
            [
                [path.join(target, "c-broker-a-0", "broker.conf"), "create"],
                [path.join(target, "c-broker-a-0", "store", "config", "topics.json"), "create"],
            ],
        );
        file("processes/c-broker-a-0/config/extra.json", "{}");
        assert.deepStrictEqual(verifyBackup(dir), ["processes/c-broker-a-0/config/extra.json: not in the manifest"]);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("topic routes", () => {
    it("reads each broker's queue perm from fastjson's non-strict topicRoute output", () => {
        const out = `{
	"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:20012",1:"127.0.0.1:20016"},"brokerName":"blue-a","cluster":"blue"}],
	"filterServerTable":{},
	"queueDatas":[{"brokerName":"blue-a","perm":4,"readQueueNums":1,"topicSysFlag":0,"writeQueueNums":1},
		{"brokerName":"blue-b","perm":6,"readQueueNums":1,"topicSysFlag":0,"writeQueueNums":1}]
}`;
        assert.deepStrictEqual(
            [...parseQueuePerms(out)],
            [
                ["blue-a", 4],
                ["blue-b", 6],
            ],
        );
    });
});

describe("route snapshots", () => {
    it("keeps only the newest ones", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "snapshots-"));
        for (const t of ["2026-11-25T01", "2026-11-25T03", "2026-11-25T02"]) {
            fs.writeFileSync(path.join(dir, `routes-${t}.json`), "{}");
        }
        fs.writeFileSync(path.join(dir, "notes.txt"), "");
        assert.deepStrictEqual(pruneSnapshots(dir, 2), ["routes-2026-11-25T01.json"]);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), [
            "notes.txt",
            "routes-2026-11-25T02.json",
            "routes-2026-11-25T03.json",
        ]);
    });
});

describe("which mqadmin failures are worth another run", () => {
    it("retries a server that answered too late, never a refusal", () => {
        assert.strictEqual(
            transientRemotingFailure(
                "mqadmin clusterList failed: ClusterListSubCommand command failed\nCaused by: org.apache.rocketmq.remoting.exception.RemotingTimeoutException: wait response on the channel </127.0.0.1:17249> timeout, 3368(ms)",
            ),
            true,
        );
        assert.strictEqual(transientRemotingFailure("CODE: 17  DESC: No topic route info in name server"), false);
    });
});
