/**
 * Platform "hosts" through the real `pulumi` CLI: six namespace hosts (two name servers, a 2M-2S 4.9.7 cluster)
 * reached over SSH with a key held only as a Pulumi secret. A host that does not answer and a key the hosts
 * refuse each fail naming the host, with nothing changed; the `up` copies the release to each host, starts every
 * server there at RocketMQ's default ports, backs the cluster up from the hosts and verifies it; the cluster rolls
 * to 5.5.0 over SSH and back to 4.9.7 under live traffic, losing nothing; destroy leaves no RocketMQ process on
 * any host.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AdminSession } from "../../operations/adminSession";
import { resolveRuntime } from "../../operations/maven";
import { updateTopic } from "../../operations/mqadmin";
import { consume, produce } from "./clients";
import { NamespaceHosts } from "./namespaceHosts";
import {
    brokerVersion,
    copyProject,
    diagnosticsOf,
    mustPulumi,
    pulumi,
    scratchDir,
    setStackSecret,
    stackOutputs,
    stackResources,
    TEST_ROUTE_REFRESH_MS,
} from "./support";
import { TrafficLoad } from "./trafficLoad";

const HOSTS = ["ns1", "ns2", "b1", "b2", "b3", "b4"] as const;
const BROKER_HOSTS: Record<string, string> = {
    "blue-broker-a-0": "b1",
    "blue-broker-a-1": "b2",
    "blue-broker-b-0": "b3",
    "blue-broker-b-1": "b4",
};
const TOPIC = "HostsPlatformTopic";
const ROLL_TOPIC = "HostsRollTopic";

describe("platform hosts: a cluster on six namespace hosts over SSH, through the real pulumi CLI", function () {
    this.timeout(20 * 60_000);
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

    it("rolls the cluster to 5.5.0 over SSH, one broker at a time on its own host, under live traffic", async () => {
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
        const r = pulumi(dir, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
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
        const turns = stackResources(dir)
            .filter((s) => s.type === "rocketmq:hosts:Process" && s.outputs?.lastRoll)
            .map((s) => (s.outputs!.lastRoll as { broker: string }).broker)
            .sort();
        assert.strictEqual(turns.length, 4, `turns reported: ${turns.join(", ")}`);
        for (const [name, b] of now) {
            pids.set(name, b.pid);
        }
    });

    it("rolls back to 4.9.7 by reverting the config, each broker on its kept release", async () => {
        mustPulumi(dir, "config", "set", "--path", "blue.version", "4.9.7");
        const r = pulumi(dir, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        for (const [name, b] of await brokersNow()) {
            assert.notStrictEqual(b.pid, pids.get(name), `${name} was not restarted`);
            assert.strictEqual(b.release, "/opt/rocketmq-4.9.7", name);
            assert.strictEqual(b.version, "V4_9_7", name);
            pids.set(name, b.pid);
        }
    });

    it("lost no message through the roll and the rollback, and no send failed after the client's retries", async () => {
        await load!.assertNothingLost(1000);
        load = undefined;
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
