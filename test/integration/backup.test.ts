/**
 * Backup and verification on the blue cluster, through the real CLI: what a
 * backup holds, a restore into a destroyed cluster, and faults that must make
 * `pulumi up` fail with the named cause.
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import { createHash } from "crypto";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as fs from "fs";
import * as path from "path";
import { MANIFEST, readManifest, verifyBackup } from "../../operations/backup";
import { downloadObject, s3Client } from "../../operations/s3Upload";
import { S3Target } from "../../domain/s3Target";
import { ServerProcessSpec, startServer, stopServer } from "./plainServer";
import { resolveRuntime, RocketMQRuntime } from "../../operations/maven";
import { mqadmin, updateTopic } from "../../operations/mqadmin";
import { parseClusterList } from "../../domain/mqadminOutput";
import { consume, produce } from "./clients";
import {
    copyProject,
    freePortBlock,
    isolateStack,
    mustPulumi,
    pulumi,
    pulumiWithEnv,
    Run,
    stackOutputs,
    stackResources,
    urnOf,
} from "./support";

const GROUP = "backup-test-group";

function processOutputs(dir: string, name: string): Record<string, unknown> {
    const r = stackResources(dir).find((x) => x.type === "rocketmq:hosts:Process" && x.urn.endsWith(`::${name}`));
    assert.ok(r, `no process ${name} in state`);
    return r.outputs ?? {};
}

/** Committed consumer offsets of GROUP on LoadTopic, summed over queues, from `consumerProgress -g`. */
async function committedOffsets(runtime: RocketMQRuntime, ns: string): Promise<number> {
    const out = await mqadmin(runtime, ["consumerProgress", "-n", ns, "-g", GROUP], { attempts: 3 });
    let total = 0;
    for (const line of out.split("\n")) {
        const cols = line.trim().split(/\s+/);
        // #Topic #Broker Name #QID #Broker Offset #Consumer Offset ... : the fifth column is the committed offset.
        if (cols[0] === "LoadTopic" && cols.length >= 5) {
            total += Number(cols[4]);
        }
    }
    return total;
}

describe("backup and verification on the blue cluster", () => {
    let dir: string;
    let runtime: RocketMQRuntime;
    let ns: string;

    /** `pulumi up` that forces a fresh backup and verification, the way an operator would: `--replace`. */
    function upWithFreshChecks(): Run {
        const backup = urnOf(dir, "rocketmq:local:Backup", "blue-backup");
        const checks = urnOf(dir, "rocketmq:local:Verification", "blue-checks");
        return pulumi(dir, "up", "--replace", backup, "--replace", checks);
    }

    /**
     * `pulumi up` that runs the verification again and nothing else: what a fault case needs. Targeted, so a change
     * still pending elsewhere (a backup whose inputs an earlier case changed) is not applied while the fault holds.
     */
    function verifyAgain(): Run {
        const checks = urnOf(dir, "rocketmq:local:Verification", "blue-checks");
        return pulumi(dir, "up", "--target", checks, "--replace", checks);
    }

    before(async () => {
        dir = copyProject();
        await isolateStack(dir, { green: false, timings: "test" });
        // Short waits keep the fault cases quick; the defaults are for production.
        mustPulumi(dir, "config", "set", "--path", "verification.replicationWaitSeconds", "10");
        mustPulumi(dir, "config", "set", "--path", "verification.consumerSampleSeconds", "2");
        mustPulumi(dir, "config", "set", "--path", "backup.baselineSeconds", "10");
        // 5.5.0 name servers, as blue-green runs blue: the fault case starts a 5.5.0 slave, and 5.x brokers need
        // 5.x name servers to register reliably (with 4.9.7 ones that slave once never appeared in 60 s).
        mustPulumi(dir, "config", "set", "--path", "nameServer.version", "5.5.0");
        runtime = await resolveRuntime("4.9.7");
        mustPulumi(dir, "up");
        ns = String(stackOutputs(dir).nameServers);
    });

    after(() => {
        emulator?.kill("SIGTERM");
        if (dir) {
            pulumi(dir, "destroy");
        }
    });

    // Backups are uploaded to a real S3 API: moto's server, started by the first test.
    let emulator: ChildProcess | undefined;
    let target: S3Target | undefined;
    const credentials = { AWS_ACCESS_KEY_ID: "emulator", AWS_SECRET_ACCESS_KEY: "emulator" };
    async function startEmulator(): Promise<S3Target> {
        const port = await freePortBlock(1);
        const server = execFileSync(
            "bash",
            [path.join(dir, "scripts", "python-tool.sh"), "s3-emulator", "moto_server"],
            {
                encoding: "utf8",
            },
        ).trim();
        emulator = spawn(server, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
        const s3 = {
            bucket: "rocketmq-backups-test",
            prefix: "team/rocketmq",
            region: "eu-west-1",
            endpoint: `http://127.0.0.1:${port}`,
        };
        Object.assign(process.env, credentials);
        for (let i = 0; ; i++) {
            try {
                await s3Client(s3).send(new CreateBucketCommand({ Bucket: s3.bucket }));
                return s3;
            } catch (err) {
                if (i >= 50) {
                    throw err;
                }
                await new Promise((r) => setTimeout(r, 200));
            }
        }
    }

    it("backs up configs, cluster metadata and broker metadata, with a manifest whose checksums verify", async () => {
        await updateTopic(runtime, ns, "blue", "LoadTopic", { readQueues: 4, writeQueues: 4, perm: 6 });
        const clientDir = path.join(dir, "clients");
        const sent = await produce(runtime, clientDir, ns, "LoadTopic", "backup-run", 200);
        assert.strictEqual(sent.failed, 0);
        const got = await consume(runtime, clientDir, ns, "LoadTopic", GROUP, "backup-run", sent.sent, 120);
        assert.strictEqual(got.consumed, sent.sent);

        // The same `up` uploads the backup: its upload is checked in the next test.
        target = await startEmulator();
        for (const [key, value] of Object.entries(target)) {
            mustPulumi(dir, "config", "set", "--path", `backup.s3.${key}`, value);
        }
        const before = String(stackOutputs(dir).blueBackupDir);
        const up = upWithFreshChecks();
        assert.strictEqual(up.status, 0, up.output);
        const backupDir = String(stackOutputs(dir).blueBackupDir);
        assert.notStrictEqual(backupDir, before, "a trigger change must take a new backup");
        assert.deepStrictEqual(verifyBackup(backupDir), []);
        const baseline = JSON.parse(fs.readFileSync(path.join(backupDir, "baseline.json"), "utf8")) as {
            samples: number;
            tps: number;
        };
        // 10 s of sends: the tool's one report.
        assert.ok(baseline.samples === 1 && baseline.tps > 0, JSON.stringify(baseline));
        const files = readManifest(backupDir).files.map((f) => f.path);
        for (const f of [
            "cluster/clusterList.txt",
            "cluster/topicList.txt",
            "cluster/consumerProgress.txt",
            "cluster/statsAll.txt",
            "cluster/metadata.json",
            "cluster/configs.json",
            "broker-metadata.json",
            "processes/namesrv-0/namesrv.conf",
            "processes/blue-broker-a-0/broker.conf",
            "processes/blue-broker-a-0/config/topics.json",
            "processes/blue-broker-a-0/config/subscriptionGroup.json",
            "processes/blue-broker-a-0/config/consumerOffset.json",
            "processes/blue-broker-b-1/config/topics.json",
        ]) {
            assert.ok(files.includes(f), `backup lacks ${f}; it has ${files.join(", ")}`);
        }
        assert.match(fs.readFileSync(path.join(backupDir, "cluster/topicList.txt"), "utf8"), /LoadTopic/);
        // The record later changes are compared with: every broker, the load's topic on each.
        const record = JSON.parse(fs.readFileSync(path.join(backupDir, "broker-metadata.json"), "utf8")) as {
            brokers: { broker: string; topics: Record<string, unknown> }[];
        };
        assert.deepStrictEqual(record.brokers.map((b) => b.broker).sort(), [
            "blue-a/0",
            "blue-a/1",
            "blue-b/0",
            "blue-b/1",
        ]);
        assert.ok(
            record.brokers.every((b) => "LoadTopic" in b.topics),
            `LoadTopic missing from a broker's record: ${JSON.stringify(record.brokers.map((b) => Object.keys(b.topics)))}`,
        );

        // A tampered file is caught by the manifest.
        const victim = path.join(backupDir, "cluster/topicList.txt");
        const original = fs.readFileSync(victim);
        fs.appendFileSync(victim, "tampered\n");
        assert.deepStrictEqual(verifyBackup(backupDir), ["cluster/topicList.txt: checksum differs from the manifest"]);
        fs.writeFileSync(victim, original);
    });

    it("takes no new backup and changes nothing on a no-change `pulumi up`", () => {
        const before = String(stackOutputs(dir).blueBackupDir);
        mustPulumi(dir, "up");
        assert.strictEqual(String(stackOutputs(dir).blueBackupDir), before);
        const history = JSON.parse(mustPulumi(dir, "stack", "history", "--json").replace(/^[^[]*/, "")) as Array<{
            resourceChanges?: Record<string, number>;
        }>;
        assert.deepStrictEqual(
            Object.keys(history[0].resourceChanges ?? {}).filter((k) => k !== "same"),
            [],
        );
    });

    it("uploads the backup with its manifest to S3; listed and downloaded again, every checksum verifies", async () => {
        assert.ok(target, "the emulator was not started");
        const outputs = stackOutputs(dir);
        const local = readManifest(String(outputs.blueBackupDir));
        const prefix = `team/rocketmq/blue/${local.backupId}/`;
        assert.strictEqual(outputs.blueBackupUploadedTo, `s3://${target.bucket}/${prefix}`);

        const listed = await s3Client(target).send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix }));
        const keys = (listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
        assert.deepStrictEqual(keys, [...local.files.map((f) => f.path), MANIFEST].sort());

        const remote = JSON.parse((await downloadObject(target, prefix + MANIFEST)).toString("utf8")) as typeof local;
        assert.deepStrictEqual(remote, local);
        for (const f of remote.files) {
            const body = await downloadObject(target, prefix + f.path);
            assert.strictEqual(body.length, f.bytes, f.path);
            assert.strictEqual(createHash("sha256").update(body).digest("hex"), f.sha256, f.path);
        }
    });

    it("fails the backup naming the S3 target when the upload fails, and keeps the local copy", () => {
        const before = String(stackOutputs(dir).blueBackupDir);
        mustPulumi(dir, "config", "set", "--path", "backup.s3.bucket", "no-such-bucket");
        try {
            const up = pulumiWithEnv(dir, credentials, "up");
            assert.notStrictEqual(up.status, 0, up.output);
            const m =
                /upload to s3:\/\/no-such-bucket\/team\/rocketmq\/blue\/\S+\/ failed at \S+: NoSuchBucket \(HTTP 404\)[^;]*; the backup is kept locally at (\S+)/.exec(
                    up.output,
                );
            assert.ok(m, up.output);
            assert.notStrictEqual(m[1], before, "the failed run took a backup of its own");
            assert.deepStrictEqual(verifyBackup(m[1]), []);
            // The stack still records the last backup that was uploaded.
            assert.strictEqual(String(stackOutputs(dir).blueBackupDir), before);
        } finally {
            mustPulumi(dir, "config", "rm", "--path", "backup.s3");
            emulator?.kill("SIGTERM");
        }
    });

    // Three faults on different brokers, each caught by its own check, none able to hide another: a hung slave
    // in group a (replication), a slave of group b on another release (broker version), and the verify topic
    // read-only on master a (round trip; its permission is checked before any send, so the hung slave cannot
    // decide it). One verification run must name all three.
    it("fails `pulumi up` naming each broker at fault: a hung slave, a slave on another version, a master that cannot be written", async () => {
        const hung = processOutputs(dir, "blue-broker-a-1");
        const other = processOutputs(dir, "blue-broker-b-1");
        const otherDir = String(other.dir);
        const brokers = stackOutputs(dir).blueBrokers as Record<string, { address: string }[]>;
        const master = { brokerAddress: brokers.a[0].address };
        // Read-only on blue-a's master only: the route then offers producers no writable queue there.
        const setPermission = (perm: 4 | 6) =>
            updateTopic(runtime, ns, master, "RMQ_UPGRADE_VERIFY_blue", { readQueues: 1, writeQueues: 1, perm });
        const green = await resolveRuntime("5.5.0");
        // Where this case's minutes go (it is the file's longest), printed per phase.
        const began = Date.now();
        const phase = (what: string) => console.log(`      ${what}: ${((Date.now() - began) / 1000).toFixed(0)}s`);
        await stopServer(otherDir);
        let stopped = false;
        let permissionSet = false;
        try {
            // The same directory, config and store, started outside Pulumi on 5.5.0.
            const spec: ServerProcessSpec = {
                role: "broker",
                dir: otherDir,
                config: String(other.config),
                servicePort: Number(other.servicePort),
                heapMb: Number(other.heapMb),
            };
            await startServer(spec, green);
            // Serving is not yet registered: wait until the name servers list it at 5.5.0, so the check below can
            // only fail on the version, never on a registration still under way.
            let lastListing = "";
            const listed = async () => {
                lastListing = await mqadmin(runtime, ["clusterList", "-n", ns]).catch((e: Error) => e.message);
                return parseClusterList(lastListing).some(
                    (row) => row.brokerName === "blue-b" && row.brokerId === 1 && row.version === "V5_5_0",
                );
            };
            for (let i = 0; i < 60 && !(await listed()); i++) {
                await new Promise((r) => setTimeout(r, 1000));
            }
            assert.ok(await listed(), `blue-b/1 on 5.5.0 never registered with the name servers:\n${lastListing}`);
            phase("5.5.0 slave registered");
            permissionSet = true;
            await setPermission(4);
            // SIGSTOP: the JVM still exists (so it is not restarted as dead) but answers nothing, like a hung broker.
            process.kill(Number(hung.pid), "SIGSTOP");
            stopped = true;
            const r = verifyAgain();
            phase("faulty verification done");
            assert.notStrictEqual(r.status, 0, r.output);
            assert.match(
                r.output,
                /\[replication blue-a\/1\] blue-a\/1 \(127\.0\.0\.1:\d+\) did not answer brokerStatus/,
            );
            assert.match(r.output, /\[broker-version blue-b\/1\] blue-b\/1 reports V5_5_0, expected V4_9_7/);
            assert.match(
                r.output,
                /\[round-trip blue-a\] topic RMQ_UPGRADE_VERIFY_blue cannot be written on blue-a: its route perm is 4/,
            );
            assert.doesNotMatch(r.output, /\[round-trip blue-b\]/);
            assert.doesNotMatch(r.output, /\[replication blue-b\/1\]/);
        } finally {
            // Each undo runs even when another fails: a 5.5.0 slave left running would fail every later case.
            if (stopped) {
                process.kill(Number(hung.pid), "SIGCONT");
            }
            await stopServer(otherDir);
            if (permissionSet) {
                await setPermission(6);
            }
        }
        phase("faults undone");
        // Pulumi brings the slave back on its configured version, and the checks pass again.
        mustPulumi(dir, "up");
        phase("repairing `up` done");
    });

    it("fails `pulumi up` on a baseline regression beyond the tolerance, with the numbers", () => {
        // -0.99 demands 1.99 times the baseline TPS at a hundredth of its latency: no real run can pass it. (With -0.9,
        // a tenth of the latency, a baseline taken while the other lane loaded both cores was once beaten.)
        mustPulumi(dir, "config", "set", "--path", "verification.baselineTolerance", "--", "-0.99");
        try {
            const r = verifyAgain();
            assert.notStrictEqual(r.status, 0, r.output);
            // Either figure can give out first: the baseline was taken on the same busy cores at another moment.
            assert.match(
                r.output,
                /\[baseline\] (TPS [\d.]+ below [\d.]+ \(baseline [\d.]+|average RT [\d.]+ ms above [\d.]+ ms \(baseline [\d.]+ ms), tolerance -0\.99\)/,
            );
        } finally {
            mustPulumi(dir, "config", "set", "--path", "verification.baselineTolerance", "3");
        }
    });

    it("restores topics, groups and consumer offsets into a destroyed cluster", async () => {
        mustPulumi(dir, "up");
        const offsets = await committedOffsets(runtime, ns);
        assert.ok(offsets > 0, "the group committed no offsets before the backup");
        const backupDir = String(stackOutputs(dir).blueBackupDir);
        mustPulumi(dir, "destroy");
        assert.ok(!fs.existsSync(path.join(dir, ".pulumi", "local", "local", "blue", "blue-broker-a-0")));

        const dry = restore(dir, backupDir, "--dry-run");
        assert.match(dry, /^create\s+.*blue-broker-a-0\/store\/config\/topics\.json$/m);
        restore(dir, backupDir);
        mustPulumi(dir, "up");
        const topics = await mqadmin(runtime, ["topicList", "-n", ns], { attempts: 3 });
        assert.match(topics, /^LoadTopic$/m);
        const groups = await mqadmin(runtime, ["consumerProgress", "-n", ns], { attempts: 3 });
        assert.match(groups, new RegExp(`^${GROUP}\\s`, "m"));
        assert.strictEqual(await committedOffsets(runtime, ns), offsets);
    });
});

/** Runs the restore script of the copied project, as `npm run restore -- ...` would. */
function restore(dir: string, ...args: string[]): string {
    return execFileSync(
        "node",
        ["--require", "ts-node/register/transpile-only", "scripts/restoreCommand.ts", ...args],
        {
            cwd: dir,
            encoding: "utf8",
        },
    );
}
