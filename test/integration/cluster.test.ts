/**
 * `pulumi up` on the local stack brings up the blue 2-NS / 2M-2S cluster as
 * real JVMs; real clients send and consume; a killed broker comes back on
 * its old store; destroy leaves nothing running.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ClusterPlan, planCluster, planNameServers, portsOf } from "../../domain/clusterPlan";
import { parseStackConfig } from "../../config/stackConfig";
import { isAlive, portAccepts, portIsFree, runningPid } from "../../operations/launcher";
import { resolveRuntime, RocketMQRuntime } from "../../operations/maven";
import { commitLogMaxOffset, mqadmin, mqadminJavaArgs, topicRoutePerms, updateTopic } from "../../operations/mqadmin";
import { parseClusterList } from "../../domain/mqadminOutput";
import { backupScript } from "../../components/platforms/kubernetes/jobs/backupJob";
import { drainScript } from "../../components/platforms/kubernetes/jobs/drainJob";
import {
    rollPreflightScript,
    rollTurnScript,
    rollVerifyScript,
} from "../../components/platforms/kubernetes/jobs/rollJobs";
import { verificationScript } from "../../components/platforms/kubernetes/jobs/verificationJob";
import { consume, missingKeys, produce, sendTimes } from "./clients";
import {
    copyProject,
    isolateStack,
    mustPulumi,
    pulumi,
    pulumiInBackground,
    StackPorts,
    stackOutputs,
    stackResources,
} from "./support";

const MESSAGES = 400;

function processPids(dir: string): Map<string, number> {
    const pids = new Map<string, number>();
    for (const r of stackResources(dir)) {
        if (r.type === "rocketmq:hosts:Process") {
            pids.set(r.urn.split("::").pop()!, Number(r.outputs?.pid));
        }
    }
    return pids;
}

/** Every JVM whose user.home lies under `dir`: what a leak would look like. */
function jvmsUnder(dir: string): number[] {
    return fs
        .readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
            try {
                return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(`-Duser.home=${dir}`);
            } catch {
                return false;
            }
        })
        .map(Number);
}

describe("the blue cluster on the local stack", () => {
    let dir: string;
    let ports: StackPorts;
    let runtime: RocketMQRuntime;
    let ns: string;
    let clientDir: string;
    let plan: ClusterPlan;

    before(async () => {
        dir = copyProject();
        clientDir = path.join(dir, "clients");
        ports = await isolateStack(dir, { green: false, timings: "test" });
        // This file is about the cluster; backup and baseline have their own tests.
        mustPulumi(dir, "config", "set", "--path", "backup.baselineSeconds", "0");
        mustPulumi(dir, "config", "set", "--path", "verification.consumerSampleSeconds", "2");
        runtime = await resolveRuntime("4.9.7");
        const cfg = parseStackConfig({ blue: { version: "4.9.7", clusterName: "blue" } });
        plan = planCluster(cfg.blue, ports.blue, planNameServers(2, ports.nameServer));
    });

    after(() => {
        if (dir) {
            pulumi(dir, "destroy");
        }
    });

    it("comes up with `pulumi up`: 4 brokers at 4.9.7 in clusterList", async () => {
        const up = mustPulumi(dir, "up");
        // Outputs of a strategy or routing this stack does not use are left out, not exported undefined.
        assert.doesNotMatch(up, /Undefined value/);
        ns = String(stackOutputs(dir).nameServers);
        assert.strictEqual(ns, `127.0.0.1:${ports.nameServer};127.0.0.1:${ports.nameServer + 1}`);
        const rows = parseClusterList(await mqadmin(runtime, ["clusterList", "-n", ns], { attempts: 3 }));
        assert.deepStrictEqual(rows.map((r) => `${r.cluster}/${r.brokerName}/${r.brokerId}/${r.version}`).sort(), [
            "blue/blue-a/0/V4_9_7",
            "blue/blue-a/1/V4_9_7",
            "blue/blue-b/0/V4_9_7",
            "blue/blue-b/1/V4_9_7",
        ]);
    });

    it("consumes every message a real producer sent", async () => {
        await updateTopic(runtime, ns, "blue", "LoadTopic", { readQueues: 4, writeQueues: 4, perm: 6 });
        const sent = await produce(runtime, clientDir, ns, "LoadTopic", "before-kill", MESSAGES);
        assert.strictEqual(sent.failed, 0, `sends failed after retries: ${sent.firstFailures}`);
        assert.strictEqual(sent.sent, MESSAGES);
        assert.strictEqual(sent.ok, MESSAGES, "SYNC_MASTER with a live slave should answer SEND_OK to every send");
        const got = await consume(runtime, clientDir, ns, "LoadTopic", "group-first", "before-kill", MESSAGES, 120);
        assert.deepStrictEqual(missingKeys(clientDir, "before-kill", "group-first"), []);
        assert.strictEqual(got.consumed, sent.sent);
    });

    it("has every slave caught up with its master", async () => {
        for (const group of ["a", "b"]) {
            const [master, slave] = plan.brokers.filter((b) => b.group === group);
            const masterOffset = await commitLogMaxOffset(runtime, ns, master.address);
            let slaveOffset = -1;
            for (let i = 0; i < 30 && slaveOffset < masterOffset; i++) {
                slaveOffset = await commitLogMaxOffset(runtime, ns, slave.address);
                if (slaveOffset < masterOffset) {
                    await new Promise((r) => setTimeout(r, 1000));
                }
            }
            assert.ok(masterOffset > 0, `group ${group}: the master holds no data`);
            assert.strictEqual(
                slaveOffset,
                masterOffset,
                `group ${group}: slave at ${slaveOffset}, master at ${masterOffset}`,
            );
        }
    });

    // The Kubernetes platform's Job scripts, run with sh and this release's mqadmin against this cluster.
    const runJobScript = (script: string) => {
        const home = path.join(dir, "fake-rocketmq-home");
        if (!fs.existsSync(home)) {
            fs.mkdirSync(path.join(home, "bin"), { recursive: true });
            // What the official image's bin/mqadmin does, the admin tool's main class on the release's jars, through
            // operations/java/MqadminCommand.java, which only exits sooner.
            const argv = mqadminJavaArgs(runtime, path.join(home, "user"), []).map((a) => `'${a}'`);
            fs.writeFileSync(path.join(home, "bin", "mqadmin"), `#!/bin/sh\nexec java ${argv.join(" ")} "$@"\n`, {
                mode: 0o755,
            });
        }
        const r = spawnSync("sh", ["-c", script], {
            encoding: "utf8",
            env: { ...process.env, ROCKETMQ_HOME: home },
            timeout: 300_000,
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it("Kubernetes Job script: verification passes: every broker registered, every slave caught up", () => {
        const r = runJobScript(verificationScript({ plan, maxReplicationLagBytes: 0, replicationWaitSeconds: 30 }));
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /blue: 4 brokers registered, replication within 0 bytes/);
    });

    it("Kubernetes Job script: verification fails naming a broker that is not registered", () => {
        const ghost = { ...plan.brokers[1], name: "blue-broker-a-9", brokerId: 9, address: "127.0.0.1:1" };
        const r = runJobScript(
            verificationScript({
                plan: { ...plan, brokers: [...plan.brokers, ghost] },
                maxReplicationLagBytes: 0,
                replicationWaitSeconds: 5,
            }),
        );
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /FAILED: blue-broker-a-9 \(blue-a, id 9\) is not registered at 127\.0\.0\.1:1/);
    });

    it("Kubernetes Job script: backup writes the listing, broker configs and metadata, and its checksums verify", () => {
        const root = path.join(dir, "k8s-backups");
        fs.mkdirSync(root);
        const r = runJobScript(backupScript({ plan, retentionDays: 7, backupRoot: root }));
        assert.strictEqual(r.status, 0, r.stderr);
        const backups = fs.readdirSync(root).filter((f) => !f.startsWith("."));
        assert.strictEqual(backups.length, 1, backups.join(", "));
        const [backup] = backups;
        assert.match(backup, /^blue-\d{8}T\d{6}Z$/);
        // The upload step of the Job finds the backup through this file.
        assert.strictEqual(fs.readFileSync(path.join(root, ".latest-blue"), "utf8").trim(), path.join(root, backup));
        const files = fs.readdirSync(path.join(root, backup)).sort();
        for (const f of [
            "SHA256SUMS",
            "clusterList.txt",
            "topicList.txt",
            "blue-broker-a-0.conf",
            "blue-broker-b-1.conf",
        ]) {
            assert.ok(files.includes(f), `${f} missing from ${files.join(", ")}`);
        }
        assert.match(fs.readFileSync(path.join(root, backup, "topicList.txt"), "utf8"), /LoadTopic/);
        assert.match(
            fs.readFileSync(path.join(root, backup, "blue-broker-a-1.conf"), "utf8"),
            /brokerRole\s*=\s*SLAVE/,
        );
        execFileSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: path.join(root, backup) });
    });

    it("Kubernetes Job script: roll preflight passes with every slave in step", () => {
        const r = runJobScript(rollPreflightScript({ plan, maxLagBytes: 0 }));
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /blue may roll/);
    });

    it("Kubernetes Job script: the drain check passes once every group read everything and blue holds nothing scheduled; it fails naming a group that lags, and scheduled messages with their count", async () => {
        const drain = (timeoutSeconds: number, waitForPending = false) =>
            runJobScript(
                drainScript({ blue: plan, timeoutSeconds, stranded: { waitForPending, deadLettersHold: true } }),
            );
        const drained = drain(30);
        assert.strictEqual(drained.status, 0, drained.stderr);
        assert.match(drained.stdout, /every group has read everything on blue, and its masters hold nothing scheduled/);
        const sent = await produce(runtime, clientDir, ns, "LoadTopic", "unread", 20);
        assert.strictEqual(sent.sent, 20);
        const lagging = drain(5);
        assert.notStrictEqual(lagging.status, 0);
        assert.match(
            lagging.stderr,
            /FAILED: retireBlue refused after 5 s on blue: consumer groups still lag: group-first=20"?$/m,
        );
        const got = await consume(runtime, clientDir, ns, "LoadTopic", "group-first", "unread", 20, 120);
        assert.strictEqual(got.consumed, sent.sent);
        // Level 5 is 1 min: still waiting when the check reads them (first in its pass, each `mqadmin` a JVM start on
        // busy cores), delivered and then consumed within the wait below.
        const delayed = await produce(runtime, clientDir, ns, "LoadTopic", "delayed", 10, 0, 0, 5);
        assert.strictEqual(delayed.sent, 10);
        const held = drain(5);
        assert.notStrictEqual(held.status, 0);
        const named = [...held.stderr.matchAll(/(blue-[ab]) holds (\d+) scheduled message\(s\) \(delay level 5\)/g)];
        assert.strictEqual(
            named.reduce((sum, m) => sum + Number(m[2]), 0),
            10,
            `every delayed message is named on its master:\n${held.stderr}`,
        );
        assert.match(held.stderr, /retiring now would lose them: wait until they are delivered/);
        const delivered = await consume(runtime, clientDir, ns, "LoadTopic", "group-first", "delayed", 10, 120);
        assert.strictEqual(delivered.consumed, 10);
        const after = drain(30, true);
        assert.strictEqual(after.status, 0, after.stderr);
    });

    it("Kubernetes Job script: a master's roll turn takes its writes away, and the check after its restart gives them back", async () => {
        const master = plan.brokers.find((b) => b.name === "blue-broker-a-0")!;
        const settings = { maxLagBytes: 1 << 20, catchUpSeconds: 30, writeStopSeconds: 5, consumerWaitSeconds: 0 };
        const writePerm = async () => {
            const perm = (await topicRoutePerms(runtime, ns, "LoadTopic"))?.get(master.brokerName);
            assert.ok(perm !== undefined, `LoadTopic has no route on ${master.brokerName}`);
            return perm & 2;
        };
        const already = runJobScript(rollTurnScript({ plan, broker: master, targetVersion: "4.9.7", settings }));
        assert.strictEqual(already.status, 0, already.stderr);
        assert.match(already.stdout, /blue-broker-a-0 already runs 4\.9\.7/);
        assert.strictEqual(await writePerm(), 2);

        const turn = runJobScript(rollTurnScript({ plan, broker: master, targetVersion: "5.5.0", settings }));
        assert.strictEqual(turn.status, 0, turn.stderr);
        assert.match(turn.stdout, /every slave holds everything; the StatefulSet may restart it/);
        assert.strictEqual(await writePerm(), 0, "the name servers still route writes to the master");

        // The broker is not restarted here: the check after the restart sees the release it runs.
        const after = runJobScript(rollVerifyScript({ plan, broker: master, targetVersion: "4.9.7", waitSeconds: 30 }));
        assert.strictEqual(after.status, 0, after.stderr);
        assert.strictEqual(await writePerm(), 2, "the master did not get its writes back");
        const wrong = runJobScript(rollVerifyScript({ plan, broker: master, targetVersion: "5.5.0", waitSeconds: 3 }));
        assert.notStrictEqual(wrong.status, 0);
        assert.match(wrong.stderr, /FAILED: blue-broker-a-0 does not report V5_5_0 3 s after its restart/);
    });

    it("reports no changes on a second `pulumi up`", () => {
        mustPulumi(dir, "up");
        const history = JSON.parse(mustPulumi(dir, "stack", "history", "--json").replace(/^[^[]*/, "")) as Array<{
            resourceChanges?: Record<string, number>;
        }>;
        const latest = history[0].resourceChanges ?? {};
        assert.deepStrictEqual(
            Object.keys(latest).filter((k) => k !== "same"),
            [],
            JSON.stringify(latest),
        );
    });

    it("restarts a broker killed with SIGKILL on `up --refresh`, with its data intact", async () => {
        const before = processPids(dir);
        const victim = before.get("blue-broker-a-0")!;
        process.kill(victim, "SIGKILL");
        while (isAlive(victim)) {
            await new Promise((r) => setTimeout(r, 100));
        }
        const out = mustPulumi(dir, "up", "--refresh");
        assert.match(out, /rocketmq:hosts:Process\s+blue-broker-a-0\s+updated/);
        const after = processPids(dir);
        assert.notStrictEqual(after.get("blue-broker-a-0"), victim);
        assert.ok(isAlive(after.get("blue-broker-a-0")!));
        for (const [name, pid] of before) {
            if (name !== "blue-broker-a-0") {
                assert.strictEqual(after.get(name), pid, `${name} was restarted but had not died`);
            }
        }
        const got = await consume(
            runtime,
            clientDir,
            ns,
            "LoadTopic",
            "group-after-kill",
            "before-kill",
            MESSAGES,
            180,
        );
        assert.deepStrictEqual(missingKeys(clientDir, "before-kill", "group-after-kill"), []);
        assert.strictEqual(got.consumed, MESSAGES);
    });

    it("upgrades the name servers in place to 5.5.0, one at a time, while producers keep sending through each restart", async () => {
        const before = processPids(dir);
        const nameServers = plan.nameServers.map((n, i) => ({
            name: `namesrv-${i}`,
            port: n.port,
            dir: String(
                stackResources(dir).find((r) => r.urn.endsWith(`::namesrv-${i}`))?.outputs?.dir ?? assert.fail(),
            ),
        }));
        // What the processes did, sampled every 200 ms: when each name server was down (its old process gone and
        // no new one serving on its port).
        const down = new Map<string, Array<{ from: number; to: number }>>(nameServers.map((n) => [n.name, []]));
        let sampling = true;
        const sampler = (async () => {
            while (sampling) {
                const at = Date.now();
                for (const n of nameServers) {
                    const pid = runningPid(n.dir);
                    const serving = pid !== undefined && (await portAccepts(n.port, "127.0.0.1", 500));
                    const spans = down.get(n.name)!;
                    const open =
                        spans.length > 0 && spans[spans.length - 1].to === 0 ? spans[spans.length - 1] : undefined;
                    if (!serving && !open) {
                        spans.push({ from: at, to: 0 });
                    } else if (serving && open) {
                        open.to = at;
                    }
                }
                await new Promise((r) => setTimeout(r, 200));
            }
        })();
        const sending = produce(runtime, clientDir, ns, "LoadTopic", "during-ns-upgrade", 3000, 30);
        await new Promise((r) => setTimeout(r, 5000));
        mustPulumi(dir, "config", "set", "--path", "nameServer.version", "5.5.0");
        const up = await pulumiInBackground(dir, "up");
        const sent = await sending;
        sampling = false;
        await sampler;
        assert.strictEqual(up.status, 0, up.output);
        const after = processPids(dir);
        for (const n of ["namesrv-0", "namesrv-1"]) {
            assert.notStrictEqual(after.get(n), before.get(n), `${n} was not restarted`);
        }
        for (const [name, pid] of before) {
            if (!name.startsWith("namesrv-")) {
                assert.strictEqual(after.get(name), pid, `${name} was restarted`);
            }
        }
        // One at a time: each was down exactly once, and namesrv-1 went down only after namesrv-0 served again.
        const [first, second] = nameServers.map((n) => down.get(n.name)!);
        assert.strictEqual(first.length, 1, `namesrv-0 was down ${JSON.stringify(first)}`);
        assert.strictEqual(second.length, 1, `namesrv-1 was down ${JSON.stringify(second)}`);
        assert.ok(first[0].to > 0 && second[0].to > 0, "a name server did not come back while sampled");
        assert.ok(
            second[0].from > first[0].to,
            `namesrv-1 went down at ${second[0].from}, before namesrv-0 served again at ${first[0].to}`,
        );
        // The producer kept sending while each of them was down, and after.
        const times = sendTimes(clientDir, "during-ns-upgrade");
        for (const [i, span] of [first[0], second[0]].entries()) {
            const during = times.filter((t) => t >= span.from && t <= span.to).length;
            assert.ok(during > 0, `no send returned while namesrv-${i} was down (${span.to - span.from} ms)`);
        }
        assert.ok(
            times.some((t) => t > second[0].to),
            "the producer stopped before the second name server came back",
        );
        for (const nsAddress of ns.split(";")) {
            const rows = parseClusterList(await mqadmin(runtime, ["clusterList", "-n", nsAddress], { attempts: 3 }));
            assert.strictEqual(rows.length, 4, `${nsAddress} lists ${rows.length} brokers after its upgrade`);
        }
        assert.strictEqual(stackOutputs(dir).nameServerVersion, "5.5.0");
        assert.strictEqual(sent.failed, 0, sent.firstFailures);
        assert.strictEqual(sent.sent, 3000);
        const got = await consume(runtime, clientDir, ns, "LoadTopic", "group-ns", "during-ns-upgrade", sent.sent, 180);
        assert.deepStrictEqual(missingKeys(clientDir, "during-ns-upgrade", "group-ns"), []);
        assert.strictEqual(got.consumed, sent.sent);
    });

    it("leaves no RocketMQ process and no listening port behind after `pulumi destroy`", async () => {
        mustPulumi(dir, "destroy");
        assert.deepStrictEqual(jvmsUnder(dir), []);
        for (const port of [...portsOf(plan), ...plan.nameServers.map((n) => n.port)]) {
            assert.ok(await portIsFree(port), `port ${port} is still taken`);
        }
        assert.deepStrictEqual(stackResources(dir), []);
    });
});
