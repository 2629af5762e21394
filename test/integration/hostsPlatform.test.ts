/**
 * Platform "hosts" through the real `pulumi` CLI: six namespace hosts (two name servers, a 2M-2S 4.9.7 cluster)
 * reached over SSH with a key held only as a Pulumi secret. A host that does not answer and a key the hosts
 * refuse each fail naming the host, with nothing changed; the `up` copies the release to each host, starts every
 * server there at RocketMQ's default ports, backs the cluster up from the hosts and verifies it; destroy leaves no
 * RocketMQ process on any host.
 *
 * The roll to 5.5.0 and back, under live traffic, is this suite's proof of the in-place path and its gates (the
 * local platform's brokers turn through the same code, provider/brokerRollTurn.ts):
 * - a 5.5.0 slave catches up with its 4.9.7 master;
 * - a slave killed while the first master is down stops the roll before the next master, which keeps taking writes;
 * - a topic that slave lost behind the roll's back stops the next `up`, naming topic and broker; once repaired, the
 *   `up` after resumes and rolls nothing twice;
 * - preview refuses name servers below 5.1 under 5.x brokers, and a rollback while 5.x timer messages are pending;
 * - the rollback goes slaves first and delivers delayed messages written on 5.5.0;
 * - every message sent was consumed, no send failed after the client's retries, and each group lacked writes only
 *   while its master was write-blocked (plus one route refresh).
 * An `up` killed in a master's turn, and its resumed rerun, are in adoption.test.ts.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AdminSession } from "../../operations/adminSession";
import { resolveRuntime } from "../../operations/maven";
import { topicRoutePerms, updateTopic } from "../../operations/mqadmin";
import { consume, produce } from "./clients";
import { NamespaceHosts } from "./namespaceHosts";
import {
    brokerVersion,
    copyProject,
    diagnosticsOf,
    mustPulumi,
    pulumi,
    pulumiInBackground,
    Run,
    scratchDir,
    setStackSecret,
    stackOutputs,
    stackResources,
    TEST_ROUTE_REFRESH_MS,
} from "./support";
import { PendingLoad, Send, TrafficLoad } from "./trafficLoad";

const HOSTS = ["ns1", "ns2", "b1", "b2", "b3", "b4"] as const;
const BROKER_HOSTS: Record<string, string> = {
    "blue-broker-a-0": "b1",
    "blue-broker-a-1": "b2",
    "blue-broker-b-0": "b3",
    "blue-broker-b-1": "b4",
};
const TOPIC = "HostsPlatformTopic";
const ROLL_TOPIC = "HostsRollTopic";
/** How long a master's turn waits for a slave that does not answer before it refuses (the default is 60 s). */
const CATCH_UP_SECONDS = 30;
/**
 * A group's longest stretch without a send may exceed its master's write-blocked time by one route refresh (the
 * producers learn the writes are back) and what a send in flight takes.
 */
const GAP_SLACK_MS = TEST_ROUTE_REFRESH_MS + 5_000;
/** Delayed (level 6, 2 min) just before the rollback: due while its masters roll back. */
const DELAYED_TOPIC = "RollDelayed";
const DELAYED_GROUP = "RollDelayedReaders";
const DELAYED_MIX = { delayed: 20, delayLevel: 6, transactions: 0, retried: 0, retryLevel: 4 };
/** 5.x timer messages sent before the rollback's preview: due after it has read them as pending. */
const TIMER_DELAY_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The longest stretch, in ms, in which `brokerName` got no send, and when it began. */
function longestGap(sends: readonly Send[], brokerName: string): { ms: number; from: number } {
    const at = sends
        .filter((s) => s.brokerName === brokerName)
        .map((s) => s.at)
        .sort((a, b) => a - b);
    let gap = { ms: 0, from: 0 };
    for (let i = 1; i < at.length; i++) {
        if (at[i] - at[i - 1] > gap.ms) {
            gap = { ms: at[i] - at[i - 1], from: at[i - 1] };
        }
    }
    return gap;
}

interface RollReport {
    broker: string;
    to: string;
    writeBlockedSeconds?: number;
}

/** Each broker's report of its last turn, from the stack's state; fails on a broker with none. */
function rollReports(dir: string): RollReport[] {
    return stackResources(dir)
        .filter((r) => r.type === "rocketmq:hosts:Process" && r.urn.includes("blue-broker-"))
        .map((r) => {
            const report = r.outputs?.lastRoll as RollReport | undefined;
            assert.ok(report, `${r.urn} has no roll report`);
            return report;
        });
}

type MasterTurns = Map<string, number[]>;

/** Adds each master's last turn (its write-blocked seconds) to `turns`, by group, after a roll that turned them all. */
function recordMasterTurns(dir: string, turns: MasterTurns): void {
    for (const report of rollReports(dir)) {
        const [group, id] = report.broker.split("/");
        if (id === "0") {
            const blocked = report.writeBlockedSeconds;
            assert.ok(
                typeof blocked === "number" && blocked > 0 && blocked < 300,
                `${report.broker}: write-blocked ${String(blocked)}s`,
            );
            turns.set(group, [...(turns.get(group) ?? []), blocked]);
        } else {
            assert.strictEqual(report.writeBlockedSeconds, undefined, `${report.broker} is a slave`);
        }
    }
}

describe("platform hosts: a cluster on six namespace hosts over SSH, through the real pulumi CLI", function () {
    this.timeout(35 * 60_000);
    let hosts: NamespaceHosts;
    let dir: string;

    /** Sets the stack's SSH key from a file, through stdin: the key never appears on a command line. */
    function setKey(key: string): void {
        setStackSecret(dir, "sshPrivateKey", key);
    }

    /** The pid of the RocketMQ JVM serving `processDir` on a host, read on the host itself; undefined when none. */
    function jvmOn(host: string, processDir: string): number | undefined {
        const out = hosts.exec(
            host,
            `for p in $(pgrep -x java); do tr '\\0' ' ' < /proc/$p/cmdline | grep -qF -- '-Duser.home=${processDir} ' && echo $p; done; true`,
        );
        const pids = out.split("\n").filter(Boolean).map(Number);
        assert.ok(pids.length <= 1, `host ${host} runs ${pids.length} JVMs for ${processDir}`);
        return pids[0];
    }

    function javaCount(host: string): number {
        return Number(hosts.exec(host, "pgrep -x java | wc -l").trim());
    }

    before(async () => {
        hosts = await NamespaceHosts.create([...HOSTS]);
        dir = copyProject();
        const salt = fs.readFileSync(path.join(dir, "Pulumi.local.yaml"), "utf8").match(/^encryptionsalt: .*$/m)?.[0];
        assert.ok(salt, "Pulumi.local.yaml has no encryptionsalt");
        const hostsConfig = Object.fromEntries(
            HOSTS.map((h) => [
                h,
                {
                    address: hosts.host(h).address,
                    hostKey: hosts.host(h).hostKeyFingerprint,
                    releaseRoot: "/opt",
                    dataRoot: "/srv/rocketmq",
                },
            ]),
        );
        const config = {
            platform: "hosts",
            strategy: "rolling",
            // 5.x brokers need name servers of 5.1 or newer: they run 5.5.0 from the start, as the runbook's first step.
            nameServer: { count: 2, version: "5.5.0" },
            hosts: hostsConfig,
            placement: {
                nameServers: ["ns1", "ns2"],
                blue: { brokers: { "a-0": "b1", "a-1": "b2", "b-0": "b3", "b-1": "b4" } },
            },
            blue: {
                version: "4.9.7",
                clusterName: "blue",
                // 5.5.0 would bring a proxy, which needs a host of its own; this cluster keeps the runbook's shape.
                proxies: 0,
                brokerConfig: { registerNameServerPeriod: 10000, waitTimeMillsInSendQueue: 3000 },
            },
            backup: { baselineSeconds: 0 },
            rolling: { catchUpSeconds: CATCH_UP_SECONDS },
            // Verification has its own tests; after each roll it samples consumer progress briefly.
            verification: { consumerSampleSeconds: 2 },
        };
        const yaml = [
            "config:",
            ...Object.entries(config).map(([k, v]) => `  rocketmq-upgrade:${k}: ${JSON.stringify(v)}`),
            salt,
            "",
        ].join("\n");
        fs.writeFileSync(path.join(dir, "Pulumi.local.yaml"), yaml);
        setKey(hosts.privateKey);
    });

    after(async () => {
        load?.kill();
        delayed?.kill();
        await background;
        if (dir) {
            pulumi(dir, "destroy", "--yes", "--skip-preview");
        }
        hosts?.destroy();
    });

    it("refuses at preview a host that does not answer, naming it, and touches no host", () => {
        hosts.freezeSsh("b4", true);
        try {
            const r = pulumi(dir, "preview");
            assert.notStrictEqual(r.status, 0, r.output);
            assert.match(diagnosticsOf(r.output), /host b4: does not answer: no SSH greeting from /, r.output);
            // Only b4 is at fault: the others answered.
            const faults = [
                ...diagnosticsOf(r.output).matchAll(/host (\w+): (does not answer|refused|no usable JDK)/g),
            ];
            assert.deepStrictEqual([...new Set(faults.map((m) => m[1]))], ["b4"], r.output);
        } finally {
            hosts.freezeSsh("b4", false);
        }
        for (const h of HOSTS) {
            assert.strictEqual(hosts.exec(h, "ls -A /opt /srv").trim(), "/opt:\n\n/srv:", `host ${h} was touched`);
        }
        assert.deepStrictEqual(stackResources(dir), [], "the stack holds resources after a refused preview");
    });

    let pids: Map<string, number>;
    /** Each broker's broker.conf as its host held it after the first `up`. */
    const confs = new Map<string, string>();
    const nameServers = () => `${hosts.host("ns1").address}:9876;${hosts.host("ns2").address}:9876`;

    it("brings the cluster up on the hosts: each server on its own host at the default ports, backed up from the hosts and verified", async () => {
        const r = pulumi(dir, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        const state = stackResources(dir);
        const processes = state.filter((s) => s.type === "rocketmq:hosts:Process");
        assert.strictEqual(processes.length, 6, processes.map((p) => p.urn).join("\n"));
        pids = new Map();
        for (const p of processes) {
            const name = p.urn.slice(p.urn.lastIndexOf("::") + 2);
            const host = BROKER_HOSTS[name] ?? (name === "namesrv-0" ? "ns1" : "ns2");
            const onHost = jvmOn(host, `/srv/rocketmq/${name}`);
            assert.strictEqual(onHost, p.outputs?.pid, `${name}: state's pid against host ${host}'s JVM`);
            pids.set(name, onHost!);
            const release = name.startsWith("namesrv") ? "/opt/rocketmq-5.5.0" : "/opt/rocketmq-4.9.7";
            assert.strictEqual(hosts.exec(host, `readlink /srv/rocketmq/${name}/rocketmq`).trim(), release, name);
        }
        // Each host runs only its own server: a tool that confused two hosts would show here.
        for (const h of HOSTS) {
            assert.strictEqual(javaCount(h), 1, `host ${h} runs ${javaCount(h)} JVMs`);
        }
        const admin = await AdminSession.open(nameServers());
        try {
            const listed = (await admin.cluster()).map((b) => `${b.brokerName}/${b.brokerId}@${b.address}`).sort();
            assert.deepStrictEqual(listed, [
                `blue-a/0@${hosts.host("b1").address}:10911`,
                `blue-a/1@${hosts.host("b2").address}:10911`,
                `blue-b/0@${hosts.host("b3").address}:10911`,
                `blue-b/1@${hosts.host("b4").address}:10911`,
            ]);
        } finally {
            await admin.close();
        }
        // The backup fetched each broker's broker.conf from its own host.
        const backup = state.find((s) => s.type === "rocketmq:local:Backup");
        const backupDir = String(backup?.outputs?.backupDir);
        for (const [name, host] of Object.entries(BROKER_HOSTS)) {
            confs.set(name, hosts.exec(host, `cat /srv/rocketmq/${name}/broker.conf`));
            assert.strictEqual(
                fs.readFileSync(path.join(backupDir, "processes", name, "broker.conf"), "utf8"),
                confs.get(name),
                `${name}'s broker.conf in the backup is not host ${host}'s`,
            );
        }
        assert.ok(
            state.some((s) => s.type === "rocketmq:local:Verification"),
            "no verification ran",
        );

        // The key is in state only as ciphertext.
        const exported = mustPulumi(dir, "stack", "export");
        const keyBody = hosts.privateKey.split("\n")[1];
        assert.ok(keyBody.length > 20);
        assert.ok(!exported.includes(keyBody), "the SSH key is in state in plain text");
        const found = spawnSync("grep", ["-rlF", keyBody, path.join(dir, ".pulumi")], { encoding: "utf8" });
        assert.strictEqual(found.status, 1, `the SSH key is in plain text in ${found.stdout}${found.stderr}`);

        const runtime = await resolveRuntime("4.9.7");
        // The operator's topic, made as the runbook makes it: on the cluster, with mqadmin.
        await updateTopic(runtime, nameServers(), "blue", TOPIC, { readQueues: 4, writeQueues: 4, perm: 6 });
        const work = scratchDir("hosts-clients");
        const sent = await produce(runtime, work, nameServers(), TOPIC, "hosts-1", 400);
        const got = await consume(runtime, work, nameServers(), TOPIC, "hosts-group", "hosts-1", sent.sent, 120);
        assert.strictEqual(sent.failed, 0, sent.firstFailures);
        assert.strictEqual(sent.sent, 400);
        assert.strictEqual(got.consumed, sent.sent, "messages were lost");
    });

    /** Every broker's host, pid, active release and reported version, read on the hosts and from the cluster. */
    async function brokersNow(): Promise<Map<string, { pid: number; release: string; version: string }>> {
        const admin = await AdminSession.open(nameServers());
        try {
            const now = new Map<string, { pid: number; release: string; version: string }>();
            for (const [name, host] of Object.entries(BROKER_HOSTS)) {
                now.set(name, {
                    pid: jvmOn(host, `/srv/rocketmq/${name}`) ?? 0,
                    release: hosts.exec(host, `readlink /srv/rocketmq/${name}/rocketmq`).trim(),
                    version: await brokerVersion(admin, `${hosts.host(host).address}:10911`),
                });
            }
            return now;
        } finally {
            await admin.close();
        }
    }

    let load: TrafficLoad | undefined;
    let delayed: PendingLoad | undefined;
    /** An `up` still running in the background; teardown waits for it, or destroy would find the stack locked. */
    let background: Promise<Run> | undefined;
    /** Each master's write-blocked seconds per roll, by group, from the brokers' roll reports. */
    const masterTurns: MasterTurns = new Map();
    const addressOf = (name: string) => `${hosts.host(BROKER_HOSTS[name]).address}:10911`;
    const processDir = (name: string) => `/srv/rocketmq/${name}`;
    const pidOn = (name: string) => jvmOn(BROKER_HOSTS[name], processDir(name));

    /** What a broker reports itself running, or "down" when it does not answer. */
    async function versionOf(name: string): Promise<string> {
        const admin = await AdminSession.open(nameServers());
        try {
            return (await admin.runtimeStats(addressOf(name))).brokerVersionDesc ?? "down";
        } catch {
            return "down";
        } finally {
            await admin.close();
        }
    }

    /** Waits up to `seconds` until the slave's commit log holds what its master held when asked. */
    async function slaveCatchesUp(group: "a" | "b", seconds: number): Promise<{ master: number; slave: number }> {
        const admin = await AdminSession.open(nameServers());
        const offset = async (name: string) =>
            Number((await admin.runtimeStats(addressOf(name))).commitLogMaxOffset ?? -1);
        try {
            const master = await offset(`blue-broker-${group}-0`);
            let slave = -1;
            for (let i = 0; i < seconds && slave < master; i++) {
                slave = await offset(`blue-broker-${group}-1`).catch(() => -1);
                if (slave < master) {
                    await sleep(1000);
                }
            }
            return { master, slave };
        } finally {
            await admin.close();
        }
    }

    it("starts the roll to 5.5.0 under live traffic; a slave killed while the first master is down stops it before the next master, which keeps taking writes", async () => {
        const runtime = await resolveRuntime("4.9.7");
        // A topic of its own: a new group reads a topic from its first message, so the count is this load's alone.
        await updateTopic(runtime, nameServers(), "blue", ROLL_TOPIC, { readQueues: 4, writeQueues: 4, perm: 6 });
        load = new TrafficLoad(
            runtime,
            scratchDir("hosts-load"),
            nameServers(),
            ROLL_TOPIC,
            "hosts-load",
            2,
            2,
            20,
            TEST_ROUTE_REFRESH_MS,
        );
        await load.sending(200, 120_000);
        mustPulumi(dir, "config", "set", "--path", "blue.version", "5.5.0");
        const masterA = pids.get("blue-broker-a-0")!;
        const slaveB = pids.get("blue-broker-b-1")!;
        const rolling = (background = pulumiInBackground(dir, "up", "--yes", "--skip-preview"));
        let ended: Run | undefined;
        void rolling.then((r) => (ended = r));
        let killedAt = 0;
        try {
            const deadline = Date.now() + 15 * 60_000;
            const until = async (what: string, done: () => boolean) => {
                while (!done() && Date.now() < deadline && !ended) {
                    await sleep(500);
                }
                assert.ok(
                    done(),
                    ended
                        ? `the roll's \`up\` ended before ${what}:\n${ended.output}`
                        : `timed out waiting for ${what}`,
                );
            };
            // Slaves go first: once slave b runs 5.5.0 on its host, its 4.9.7 master must replicate to it.
            await until("slave b to restart", () => {
                const pid = pidOn("blue-broker-b-1");
                return pid !== undefined && pid !== slaveB;
            });
            let slave = "";
            for (let i = 0; i < 60 && slave !== "V5_5_0"; i++) {
                slave = await versionOf("blue-broker-b-1");
                await sleep(1000);
            }
            assert.strictEqual(slave, "V5_5_0", "slave b never ran 5.5.0");
            assert.strictEqual(await versionOf("blue-broker-b-0"), "V4_9_7");
            const mixed = await slaveCatchesUp("b", 60);
            assert.ok(
                mixed.slave >= mixed.master,
                `5.5.0 slave of a 4.9.7 master stuck at ${mixed.slave} of ${mixed.master}`,
            );

            await until("master a to go down", () => pidOn("blue-broker-a-0") !== masterA);
            hosts.exec("b4", `kill -KILL ${pidOn("blue-broker-b-1")}`);
            killedAt = Date.now();
        } catch (err) {
            // The next test's `up` would find the stack locked by this one.
            await rolling;
            throw err;
        }
        const run = await rolling;
        background = undefined;
        assert.notStrictEqual(run.status, 0, "the roll went on with a dead slave");
        const refusal = new RegExp(
            `blue-b/0 \\(${addressOf("blue-broker-b-0").replace(/\./g, "\\.")}\\) is not taken down: 1 slave\\(s\\) do not answer`,
        );
        assert.match(diagnosticsOf(run.output), refusal, run.output);
        assert.strictEqual(await versionOf("blue-broker-a-0"), "V5_5_0");
        assert.strictEqual(await versionOf("blue-broker-b-0"), "V4_9_7");
        assert.strictEqual(pidOn("blue-broker-b-0"), pids.get("blue-broker-b-0"), "master b went down anyway");
        // The stopped roll left master b writable: producers still reach it.
        await sleep(TEST_ROUTE_REFRESH_MS + 10_000);
        const toB = load.sends().filter((s) => s.at > killedAt && s.brokerName === "blue-b");
        assert.ok(toB.length > 50, `only ${toB.length} sends reached blue-b after the roll stopped`);
        assert.ok(
            toB.some((s) => s.at > Date.now() - 5000),
            "blue-b took no writes in the last 5 s: the stopped roll left it read-only",
        );
    });

    it("brings the dead slave back, then refuses the next master while that slave lacks a topic it had", async () => {
        // Behind the roll's back, on slave b's own host: its topic table loses the roll's topic. Its data version
        // stays the master's, so the master's periodic sync sees nothing to copy and the topic stays missing.
        const topicsFile = `${processDir("blue-broker-b-1")}/store/config/topics.json`;
        const readTable = () =>
            JSON.parse(hosts.exec("b4", `cat ${topicsFile}`)) as { topicConfigTable: Record<string, unknown> };
        const table = readTable();
        assert.ok(table.topicConfigTable[ROLL_TOPIC], `${ROLL_TOPIC} is not in b4's ${topicsFile}`);
        delete table.topicConfigTable[ROLL_TOPIC];
        const edited = path.join(scratchDir("hosts-topics"), "topics.json");
        fs.writeFileSync(edited, JSON.stringify(table));
        hosts.exec("b4", `cp ${edited} ${topicsFile}`);
        const refused = pulumi(dir, "up", "--yes", "--skip-preview");
        assert.notStrictEqual(refused.status, 0, "the roll went on with a slave missing a topic");
        assert.match(refused.output, /rocketmq:hosts:Process\s+blue-broker-b-1\s+updated/, refused.output);
        assert.ok(
            /roll stopped before blue-b\/0 went down: the brokers' metadata differs from the record taken before the roll \(\S+broker-metadata\.json\)/.test(
                refused.output,
            ),
            diagnosticsOf(refused.output),
        );
        assert.match(refused.output, new RegExp(`topic ${ROLL_TOPIC} vanished from blue-b/1`));
        assert.strictEqual(pidOn("blue-broker-b-0"), pids.get("blue-broker-b-0"), "master b went down anyway");
        assert.strictEqual(await versionOf("blue-broker-b-0"), "V4_9_7");
        // The operator's repair: the topic again on the master, whose next sync gives it back to the slave.
        await updateTopic(await resolveRuntime("4.9.7"), nameServers(), "blue", ROLL_TOPIC, {
            readQueues: 4,
            writeQueues: 4,
            perm: 6,
        });
        const restored = () => ROLL_TOPIC in readTable().topicConfigTable;
        for (let i = 0; i < 90 && !restored(); i++) {
            await sleep(1000);
        }
        assert.ok(restored(), `the slave never synced ${ROLL_TOPIC} back from its master`);
    });

    it("fails the `up` whose last master dies in its turn, saying first that it is left without writes", async () => {
        const masterB = pidOn("blue-broker-b-0");
        const rolling = (background = pulumiInBackground(dir, "up", "--yes", "--skip-preview"));
        let ended: Run | undefined;
        void rolling.then((r) => (ended = r));
        let killed: number | undefined;
        try {
            // Its turn has taken its writes away and stopped it: the JVM it starts on 5.5.0 dies before it serves.
            const deadline = Date.now() + 10 * 60_000;
            while (killed === undefined && !ended && Date.now() < deadline) {
                const pid = pidOn("blue-broker-b-0");
                if (pid !== undefined && pid !== masterB) {
                    hosts.exec("b3", `kill -KILL ${pid}`);
                    killed = pid;
                } else {
                    await sleep(200);
                }
            }
        } catch (err) {
            await rolling;
            throw err;
        }
        const run = await rolling;
        background = undefined;
        assert.ok(killed !== undefined, `master b's new JVM never showed on b3:\n${run.output}`);
        assert.notStrictEqual(run.status, 0, "the `up` went on after master b died in its turn");
        assert.match(
            run.output,
            /^.*error: blue-b\/0 is left without write permission \(it does not answer\); .*The roll stopped: /m,
            diagnosticsOf(run.output),
        );
        assert.strictEqual(pidOn("blue-broker-b-0"), undefined, "master b runs again");
        // Its group takes no writes meanwhile: the name servers route blue-b read-only, or not at all.
        const perm = (
            await topicRoutePerms(await resolveRuntime("4.9.7"), nameServers(), ROLL_TOPIC, { attempts: 3 })
        )?.get("blue-b");
        assert.ok(perm === undefined || (perm & 2) === 0, `blue-b is routed writable (perm ${String(perm)})`);
    });

    it("resumes on the next `up`: the dead master restarts read-only and finishes its turn, nothing rolls twice, each broker on 5.5.0 with the old release kept", async () => {
        const before = new Map(Object.keys(BROKER_HOSTS).map((name) => [name, pidOn(name)]));
        const r = pulumi(dir, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        assert.match(r.output, /roll blue-b\/0: already runs V5_5_0 as declared/);
        assert.match(r.output, /roll blue-b\/0 V5_5_0 → V5_5_0: add-write-perm done/);
        for (const name of ["blue-broker-a-0", "blue-broker-a-1"]) {
            assert.strictEqual(pidOn(name), before.get(name), `${name} was rolled twice`);
        }
        const now = await brokersNow();
        for (const [name, b] of now) {
            assert.notStrictEqual(b.pid, pids.get(name), `${name} was not restarted`);
            assert.strictEqual(b.release, "/opt/rocketmq-5.5.0", name);
            assert.strictEqual(b.version, "V5_5_0", name);
            // The release rolled away from stays on the host until the roll is done, for a rollback.
            assert.strictEqual(
                hosts.exec(BROKER_HOSTS[name], "ls -d /opt/rocketmq-4.9.7").trim(),
                "/opt/rocketmq-4.9.7",
            );
        }
        // The broker.conf each broker runs with was fetched from its host before the first one went down.
        const preRoll = String(stackOutputs(dir).preRollBackupDir);
        for (const [name, conf] of confs) {
            assert.strictEqual(
                fs.readFileSync(path.join(preRoll, "processes", name, "broker.conf"), "utf8"),
                conf,
                name,
            );
        }
        assert.deepStrictEqual(
            rollReports(dir)
                .map((x) => `${x.broker}→${x.to}`)
                .sort(),
            ["blue-a/0→V5_5_0", "blue-a/1→V5_5_0", "blue-b/0→V5_5_0", "blue-b/1→V5_5_0"],
        );
        recordMasterTurns(dir, masterTurns);
        for (const group of ["a", "b"] as const) {
            const { master, slave } = await slaveCatchesUp(group, 60);
            assert.ok(slave >= master, `blue-${group}: slave at ${slave}, master at ${master}`);
        }
        for (const [name, b] of now) {
            pids.set(name, b.pid);
        }
    });

    it("refuses at preview to put the name servers below 5.1 under 5.x brokers, touching nothing", () => {
        const snapshot = () =>
            stackResources(dir)
                .map((s) => `${s.urn}@${String(s.outputs?.pid)}`)
                .sort();
        const before = snapshot();
        // The config alone is consistent (everything on 4.9.7); what runs is not: the brokers are on 5.5.0, and the
        // name servers would go down to 4.9.7 under them before the brokers' rollback.
        mustPulumi(dir, "config", "set", "--path", "blue.version", "4.9.7");
        mustPulumi(dir, "config", "set", "--path", "nameServer.version", "4.9.7");
        try {
            const preview = pulumi(dir, "preview");
            assert.notStrictEqual(preview.status, 0);
            assert.match(preview.output, /name servers below 5\.1\.0 cannot take 5\.x brokers/);
            assert.match(preview.output, /rocketmq-upgrade:nameServer\.version/);
        } finally {
            mustPulumi(dir, "config", "set", "--path", "nameServer.version", "5.5.0");
            mustPulumi(dir, "config", "set", "--path", "blue.version", "5.5.0");
        }
        assert.deepStrictEqual(snapshot(), before);
    });

    it("refuses at preview a rollback while 5.x timer messages are pending, and takes it once they are delivered", async () => {
        const runtime = await resolveRuntime("5.5.0");
        await updateTopic(runtime, nameServers(), "blue", "RollTimers", { readQueues: 2, writeQueues: 2, perm: 6 });
        const timers = await produce(
            runtime,
            scratchDir("hosts-timers"),
            nameServers(),
            "RollTimers",
            "timers",
            3,
            0,
            TIMER_DELAY_MS,
        );
        assert.strictEqual(timers.sent, 3, timers.firstFailures);
        // Each master writes its timer counts to store/config/timermetrics on its host every few seconds.
        const pending = () =>
            ["blue-broker-a-0", "blue-broker-b-0"]
                .map((name) =>
                    hosts.exec(
                        BROKER_HOSTS[name],
                        `cat ${processDir(name)}/store/config/timermetrics 2>/dev/null; true`,
                    ),
                )
                .filter((text) => text.trim() !== "")
                .map((text) => JSON.parse(text) as { timingCount?: Record<string, { count: number }> })
                .reduce((sum, m) => sum + (m.timingCount?.RollTimers?.count ?? 0), 0);
        for (let i = 0; i < 60 && pending() < 3; i++) {
            await sleep(1000);
        }
        assert.strictEqual(pending(), 3, "the brokers never recorded the pending timer messages");
        mustPulumi(dir, "config", "set", "--path", "blue.version", "4.9.7");
        const preview = pulumi(dir, "preview");
        assert.notStrictEqual(preview.status, 0);
        // At least the three sent here; the count is the brokers' own, over every topic.
        const refused = /rolling back to 4\.9\.7 would lose data: (\d+) timer message\(s\) are pending/.exec(
            preview.output,
        );
        assert.ok(refused && Number(refused[1]) >= 3, preview.output);
        for (let i = 0; i < 240 && pending() > 0; i++) {
            await sleep(1000);
        }
        assert.strictEqual(pending(), 0, "the timer messages were never delivered");
        const accepted = pulumi(dir, "preview");
        assert.strictEqual(accepted.status, 0, accepted.output);
    });

    it("rolls back to 4.9.7 by reverting the config, slaves first, each broker on its kept release, delivering delayed messages written on 5.5.0", async () => {
        // Delayed messages written on 5.5.0 and due while the masters roll back: 4.9.7 delivers them from the same
        // schedule queues and delay offsets, each once.
        const runtime = await resolveRuntime("5.5.0");
        await updateTopic(runtime, nameServers(), "blue", DELAYED_TOPIC, { readQueues: 2, writeQueues: 2, perm: 6 });
        delayed = new PendingLoad(
            runtime,
            scratchDir("hosts-delayed"),
            nameServers(),
            DELAYED_TOPIC,
            DELAYED_GROUP,
            DELAYED_MIX,
            TEST_ROUTE_REFRESH_MS,
        );
        await delayed.sent(120_000);
        assert.strictEqual(delayed.sends().length, DELAYED_MIX.delayed, delayed.failures().join("\n"));
        const r = pulumi(dir, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        const order = ["blue-broker-a-1", "blue-broker-b-1", "blue-broker-a-0", "blue-broker-b-0"].map((n) =>
            r.output.indexOf(`rocketmq:hosts:Process ${n} updating`),
        );
        assert.ok(
            order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])),
            `not slaves first, one at a time: ${order.join(", ")}`,
        );
        for (const [name, b] of await brokersNow()) {
            assert.notStrictEqual(b.pid, pids.get(name), `${name} was not restarted`);
            assert.strictEqual(b.release, "/opt/rocketmq-4.9.7", name);
            assert.strictEqual(b.version, "V4_9_7", name);
            pids.set(name, b.pid);
        }
        recordMasterTurns(dir, masterTurns);
    });

    it("lost no message through the roll, its stop, its resume and the rollback; no send failed after the client's retries; each group lacked writes only while its master did", async () => {
        await load!.assertNothingLost(1000);
        const sends = load!.sends();
        load = undefined;
        const delayedKeys = delayed!.sends().map((s) => s.key);
        const delayedResult = await delayed!.drainAndStop(300_000);
        const delayedConsumed = delayed!.consumed(DELAYED_GROUP);
        delayed = undefined;
        assert.strictEqual(delayedKeys.length, DELAYED_MIX.delayed);
        assert.strictEqual(delayedResult.failed, 0, "delayed sends failed after the client's retries");
        assert.deepStrictEqual(
            delayedKeys.filter((k) => !delayedConsumed.has(k)),
            [],
            "delayed messages never delivered",
        );
        for (const group of ["blue-a", "blue-b"]) {
            const blocked = masterTurns.get(group) ?? [];
            assert.strictEqual(blocked.length, 2, `${group}: master turns recorded ${JSON.stringify(blocked)}`);
            const gap = longestGap(sends, group);
            const bound = Math.max(...blocked) * 1000 + GAP_SLACK_MS;
            assert.ok(
                gap.ms <= bound,
                `${group} took no send for ${gap.ms} ms from ${new Date(gap.from).toISOString()}; its master was ` +
                    `write-blocked at most ${Math.max(...blocked)} s, and a route refresh is ${TEST_ROUTE_REFRESH_MS} ms`,
            );
        }
    });

    it("switches strategy to blue-green keeping every server: the preview changes none, only the rolling gate goes", () => {
        mustPulumi(dir, "config", "set", "strategy", "blue-green");
        try {
            const r = pulumi(dir, "preview");
            assert.strictEqual(r.status, 0, r.output);
            // Each step the preview plans, as "op type name". Blue's backup and verification may run again (their
            // inputs name the records they check against, which differ between the strategies); no server changes.
            const steps = [
                ...r.output.matchAll(/^\s*[+~-]+\s+(rocketmq:\S+)\s+(\S+)\s+(create|update|replace|delete)\b/gm),
            ]
                .map((m) => `${m[3]} ${m[1]} ${m[2]}`)
                .filter((step) => !/^(update|replace) rocketmq:local:(Backup|Verification) /.test(step));
            assert.deepStrictEqual(steps, ["delete rocketmq:local:RollPreflight blue-roll-preflight"], r.output);
        } finally {
            mustPulumi(dir, "config", "set", "strategy", "rolling");
        }
    });

    it("refuses an `up` whose key the hosts refuse, naming every host, with every server still the same process", () => {
        const other = scratchDir("other-key");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(other, "key")]);
        // Secrets are encrypted afresh at every write, so state is compared by what it says of each resource.
        const summary = () =>
            stackResources(dir)
                .map((s) => `${s.urn} ${String(s.outputs?.pid ?? "")} ${String(s.outputs?.release ?? "")}`)
                .sort();
        const before = summary();
        setKey(fs.readFileSync(path.join(other, "key"), "utf8"));
        try {
            const r = pulumi(dir, "up", "--yes", "--skip-preview");
            assert.notStrictEqual(r.status, 0, r.output);
            for (const h of HOSTS) {
                assert.match(diagnosticsOf(r.output), new RegExp(`host ${h}: .*key`), `${h} not named:\n${r.output}`);
            }
        } finally {
            setKey(hosts.privateKey);
        }
        assert.deepStrictEqual(summary(), before, "the refused `up` changed the stack");
        for (const [name, pid] of pids) {
            const host = BROKER_HOSTS[name] ?? (name === "namesrv-0" ? "ns1" : "ns2");
            assert.strictEqual(jvmOn(host, `/srv/rocketmq/${name}`), pid, `${name} was restarted`);
        }
    });

    it("destroys the stack leaving no RocketMQ process on any host", () => {
        const r = pulumi(dir, "destroy", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        for (const h of HOSTS) {
            assert.strictEqual(javaCount(h), 0, `host ${h} still runs java`);
        }
    });
});
