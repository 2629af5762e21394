/**
 * Adoption's look at a cluster the tool has never seen: a plain shell script installs and starts RocketMQ 4.9.7 on
 * namespace hosts by hand, as the runbook's operators do (a release under /opt with /opt/rocketmq linked to it, a
 * broker.conf in its conf/, each server started with nohup). Reading the hosts over SSH and the name servers'
 * listing then identifies every broker by its pid, restarts nothing, and refuses what it cannot adopt, naming the
 * broker.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    type DeclaredBroker,
    type HostObservation,
    matchAdoption,
    type ReportedBroker,
} from "../../domain/adoptionMatch";
import { AdminSession } from "../../operations/adminSession";
import { BROKER_METADATA_FILES, takeBackup, verifyBackup } from "../../operations/backup";
import { observeHost } from "../../operations/hostDiscovery";
import { hostFiles } from "../../operations/processFiles";
import { releaseArchive } from "../../operations/hostRelease";
import { openHostShell, type HostShell } from "../../operations/hostShell";
import { resolveRuntime } from "../../operations/maven";
import { projectRoot } from "../../operations/paths";
import { consume, produce } from "./clients";
import { NamespaceHosts } from "./namespaceHosts";
import { brokerVersion, copyProject, diagnosticsOf, pulumi, scratchDir, stackResources } from "./support";

const CONF = "/opt/rocketmq/conf/broker.conf";
const OPERATOR_TOPIC = "OrdersTopic";

describe("adoption: a 4.9.7 cluster started by hand on namespace hosts, read without touching it, then adopted", function () {
    this.timeout(20 * 60_000);
    let hosts: NamespaceHosts;
    const shells = new Map<string, HostShell>();
    let admin: AdminSession | undefined;
    /** What the script reported starting: role → pid. */
    const started = new Map<string, number>();
    let reported: ReportedBroker[] = [];

    const declared = (...names: ("b1" | "b2")[]): DeclaredBroker[] =>
        names.map((h, i) => ({
            key: `rocketmq-upgrade:blue.adopt.brokers[${i}]`,
            host: h,
            confPath: CONF,
            releaseDir: "/opt/rocketmq",
        }));

    async function look(): Promise<Map<string, HostObservation>> {
        const seen = new Map<string, HostObservation>();
        for (const h of ["b1", "b2"]) {
            seen.set(h, await observeHost(shells.get(h)!, [CONF]));
        }
        return seen;
    }

    const addresses = () => new Map(hosts.hosts.map((h) => [h.name, h.address]));

    before(async () => {
        hosts = await NamespaceHosts.create(["ns1", "b1", "b2"]);
        const archive = await releaseArchive(await resolveRuntime("4.9.7"));
        const out = execFileSync(
            "bash",
            [
                path.join(projectRoot(), "test", "integration", "hosts", "start-by-hand.sh"),
                hosts.keyFile,
                archive.file,
                ...["ns1", "b1", "b2"].map((h) => hosts.host(h).address),
            ],
            { encoding: "utf8", timeout: 120_000 },
        );
        for (const line of out.trim().split("\n")) {
            const [role, , pid] = line.split(" ");
            started.set(role, Number(pid));
        }
        for (const h of ["ns1", "b1", "b2"]) {
            shells.set(h, await openHostShell(hosts.access(h)));
        }
        // The script returns as soon as the JVMs are forked; on a loaded machine the name server takes seconds to
        // listen, and a connection refused then is the test's haste, not adoption's fault.
        const deadline = Date.now() + 180_000;
        while ((await shells.get("ns1")!.run("ss -Hltn 'sport = :9876' | grep -q .")).code !== 0) {
            assert.ok(Date.now() < deadline, "the hand-started name server never listened on 9876");
            await new Promise((r) => setTimeout(r, 500));
        }
        admin = await AdminSession.open(`${hosts.host("ns1").address}:9876`);
        let listed = await admin.cluster();
        while (listed.length < 2 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 1000));
            listed = await admin.cluster();
        }
        assert.strictEqual(listed.length, 2, `the hand-started brokers never registered: ${JSON.stringify(listed)}`);
        reported = [];
        for (const b of listed) {
            reported.push({ ...b, version: await brokerVersion(admin, b.address) });
        }
        // The operator's own topic, which a running cluster has: the master persists its topic table with it.
        const master = listed.find((b) => b.brokerId === 0)!;
        await admin.putTopic(master.address, {
            topicName: OPERATOR_TOPIC,
            readQueueNums: 4,
            writeQueueNums: 4,
            perm: 6,
        });
    });

    after(async () => {
        if (dir) {
            // The adopted processes stay running (that is what destroy does to them); the hosts go below.
            pulumi(dir, "destroy", "--yes", "--skip-preview");
        }
        await admin?.close().catch(() => undefined);
        for (const s of shells.values()) {
            await s.close().catch(() => undefined);
        }
        hosts?.destroy();
    });

    it("identifies each broker by the pid it was started with, from the path the operator declares", async () => {
        const result = matchAdoption(declared("b1", "b2"), addresses(), await look(), reported, "legacy");
        assert.deepStrictEqual(result.problems, []);
        assert.deepStrictEqual(
            result.adopted.map((a) => [a.host, a.pid, a.brokerName, a.brokerId, a.version, a.conf.brokerRole]),
            [
                ["b1", started.get("master"), "broker-a", 0, "V4_9_7", "ASYNC_MASTER"],
                ["b2", started.get("slave"), "broker-a", 1, "V4_9_7", "SLAVE"],
            ],
        );
    });

    it("refuses half the cluster, a broker on no listed host, and a conf edited since the start, naming each", async () => {
        assert.deepStrictEqual(matchAdoption(declared("b1"), addresses(), await look(), reported, "legacy").problems, [
            `cluster legacy: the name servers list broker-a id 1 at ${hosts.host("b2").address}:10911, which no adopt ` +
                "entry declares; declare every broker of the cluster",
        ]);
        const elsewhere = [{ ...declared("b1")[0], host: "vm9" }, declared("b2")[0]];
        assert.match(
            matchAdoption(elsewhere, addresses(), await look(), reported, "legacy").problems[0],
            /^rocketmq-upgrade:blue\.adopt\.brokers\[0\] \(vm9:\/opt\/rocketmq\/conf\/broker\.conf\): host "vm9" is not listed under hosts/,
        );
        // An operator renamed the broker in its file but never restarted it: the file no longer says what runs.
        await shells.get("b2")!.mustRun(`sed -i 's/^brokerName=.*/brokerName=broker-b/' ${CONF}`);
        try {
            assert.deepStrictEqual(
                matchAdoption(declared("b1", "b2"), addresses(), await look(), reported, "legacy").problems,
                [
                    `rocketmq-upgrade:blue.adopt.brokers[1] (b2:${CONF}): broker.conf does not match the name servers for ` +
                        `${hosts.host("b2").address}:10911: brokerName is broker-b in the file, broker-a registered`,
                ],
            );
        } finally {
            await shells.get("b2")!.mustRun(`sed -i 's/^brokerName=.*/brokerName=broker-a/' ${CONF}`);
        }
    });

    it("backs up the running brokers over SSH from the paths declared: broker.conf and metadata, each checked", async () => {
        const onHost = ["b1", "b2"];
        const processes = onHost.map((_, i) => ({
            name: `broker-a-${i}`,
            role: "broker" as const,
            dir: "/opt/rocketmq",
            configPath: CONF,
            storeDir: "/srv/store",
        }));
        const { dir, manifest } = await takeBackup({
            runtime: await resolveRuntime("4.9.7"),
            nameServers: `${hosts.host("ns1").address}:9876`,
            clusterName: "legacy",
            processes,
            backupRoot: scratchDir("adoption-backup"),
            includeStore: false,
            filesOf: (p) => hostFiles(shells.get(onHost[processes.findIndex((q) => q.name === p.name)])!),
        });
        assert.deepStrictEqual(verifyBackup(dir), []);
        const listed = manifest.files.map((f) => f.path);
        for (const [i, host] of onHost.entries()) {
            const saved = path.join(dir, "processes", `broker-a-${i}`);
            assert.strictEqual(
                fs.readFileSync(path.join(saved, "broker.conf"), "utf8"),
                (await shells.get(host)!.readFile(CONF)).toString("utf8"),
                `${host}'s broker.conf`,
            );
            // Exactly the metadata files this broker's host has: read from its own store, not another's.
            const onTheHost = (await shells.get(host)!.mustRun("ls /srv/store/config"))
                .split("\n")
                .filter((f) => BROKER_METADATA_FILES.includes(f))
                .sort();
            assert.deepStrictEqual(
                listed.filter((f) => f.startsWith(`processes/broker-a-${i}/config/`)).map((f) => path.basename(f)),
                onTheHost,
                `${host}'s metadata files`,
            );
        }
        const topics = JSON.parse(
            fs.readFileSync(path.join(dir, "processes", "broker-a-0", "config", "topics.json"), "utf8"),
        ) as { topicConfigTable: Record<string, unknown> };
        assert.ok(OPERATOR_TOPIC in topics.topicConfigTable, `the master's topics.json lacks ${OPERATOR_TOPIC}`);
        assert.match(fs.readFileSync(path.join(dir, "cluster", "clusterList.txt"), "utf8"), /legacy\s+broker-a/);
    });

    it("restarted nothing: every process the script started runs with its pid", async () => {
        for (const [role, host] of [
            ["namesrv", "ns1"],
            ["master", "b1"],
            ["slave", "b2"],
        ]) {
            const pid = started.get(role)!;
            const alive = await shells.get(host)!.run(`kill -0 ${pid}`);
            assert.strictEqual(alive.code, 0, `${role} pid ${pid} on ${host} is gone`);
        }
    });

    // From here the tool adopts the cluster through the real CLI, as an operator would point it at theirs.
    let dir: string;
    const pidsNow = async (): Promise<Map<string, number | undefined>> => {
        const now = new Map<string, number | undefined>();
        for (const [role, host, main] of [
            ["namesrv", "ns1", "NamesrvStartup"],
            ["master", "b1", "BrokerStartup"],
            ["slave", "b2", "BrokerStartup"],
        ]) {
            const out = (await shells.get(host)!.run(`pgrep -f ${main}`)).stdout.trim();
            const pids = out.split("\n").filter(Boolean).map(Number);
            assert.ok(pids.length <= 1, `host ${host} runs ${pids.length} ${main} JVMs`);
            now.set(role, pids[0]);
        }
        return now;
    };
    const adoptConfig = (brokerConf: string) => ({
        platform: "hosts",
        strategy: "rolling",
        nameServer: { count: 1, version: "4.9.7" },
        hosts: Object.fromEntries(
            ["ns1", "b1", "b2"].map((h) => [
                h,
                {
                    address: hosts.host(h).address,
                    hostKey: hosts.host(h).hostKeyFingerprint,
                    releaseRoot: "/opt",
                    dataRoot: "/srv/rocketmq",
                },
            ]),
        ),
        placement: { nameServers: ["ns1"] },
        blue: {
            version: "4.9.7",
            clusterName: "legacy",
            proxies: 0,
            adopt: {
                nameServers: [`${hosts.host("ns1").address}:9876`],
                brokers: [
                    { host: "b1", brokerConf: CONF, releaseDir: "/opt/rocketmq" },
                    { host: "b2", brokerConf, releaseDir: "/opt/rocketmq" },
                ],
            },
        },
        backup: { baselineSeconds: 0 },
    });
    function writeStack(config: object): void {
        const file = path.join(dir, "Pulumi.local.yaml");
        const salt = fs.readFileSync(file, "utf8").match(/^encryptionsalt: .*$/m)?.[0];
        assert.ok(salt, "Pulumi.local.yaml has no encryptionsalt");
        const lines = Object.entries(config).map(([k, v]) => `  rocketmq-upgrade:${k}: ${JSON.stringify(v)}`);
        fs.writeFileSync(file, ["config:", ...lines, salt, ""].join("\n"));
        // The key through stdin, as a secret: it never appears on a command line.
        const r = spawnSync(
            "bash",
            [path.join(dir, "scripts", "pulumi.sh"), "config", "set", "--secret", "sshPrivateKey"],
            {
                cwd: dir,
                input: hosts.privateKey,
                encoding: "utf8",
                env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
            },
        );
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
    }

    it("refuses at preview a broker whose declared broker.conf no process was started with, naming it, with nothing touched", async () => {
        dir = copyProject();
        writeStack(adoptConfig("/opt/rocketmq/conf/broker-b.conf"));
        const r = pulumi(dir, "preview");
        assert.notStrictEqual(r.status, 0, r.output);
        assert.match(
            diagnosticsOf(r.output),
            /rocketmq-upgrade:blue\.adopt\.brokers\[1\] \(b2:\/opt\/rocketmq\/conf\/broker-b\.conf\): no broker process on b2 was started with/,
            r.output,
        );
        assert.deepStrictEqual(stackResources(dir), [], "a refused preview left resources in the stack");
        assert.ok(!/blue\.adopt\.brokers\[0\]/.test(diagnosticsOf(r.output)), `b1 was named too:\n${r.output}`);
    });

    it("lists at preview exactly what the first up takes over: each server with its host and pid", async () => {
        writeStack(adoptConfig(CONF));
        const r = pulumi(dir, "preview");
        assert.strictEqual(r.status, 0, r.output);
        const b = (h: string) => hosts.host(h).address;
        for (const line of [
            `name server on ns1:9876, pid ${started.get("namesrv")}, RocketMQ 4.9.7`,
            `broker broker-a/0 (ASYNC_MASTER) on b1 at ${b("b1")}:10911, pid ${started.get("master")}, RocketMQ 4.9.7, ${CONF}, store /srv/store`,
            `broker broker-a/1 (SLAVE) on b2 at ${b("b2")}:10911, pid ${started.get("slave")}, RocketMQ 4.9.7, ${CONF}, store /srv/store`,
        ]) {
            assert.ok(r.output.includes(line), `the preview does not list "${line}":\n${r.output}`);
        }
    });

    it("the first up adopts the running cluster without restarting it, backs it up from the hosts and verifies it", async () => {
        const r = pulumi(dir, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        const now = await pidsNow();
        assert.deepStrictEqual([...now.entries()], [...started.entries()], "a process was restarted: its pid changed");
        const state = stackResources(dir);
        const processes = new Map(
            state
                .filter((s) => s.type === "rocketmq:hosts:Process")
                .map((p) => [p.urn.slice(p.urn.lastIndexOf("::") + 2), p.outputs?.pid]),
        );
        assert.deepStrictEqual(
            processes,
            new Map([
                ["namesrv-0", started.get("namesrv")],
                ["legacy-broker-a-0", started.get("master")],
                ["legacy-broker-a-1", started.get("slave")],
            ]),
        );
        const backupDir = String(state.find((s) => s.type === "rocketmq:local:Backup")?.outputs?.backupDir);
        for (const [i, host] of ["b1", "b2"].entries()) {
            assert.strictEqual(
                fs.readFileSync(path.join(backupDir, "processes", `legacy-broker-a-${i}`, "broker.conf"), "utf8"),
                (await shells.get(host)!.readFile(CONF)).toString("utf8"),
                `${host}'s broker.conf in the backup`,
            );
        }
        const topics = JSON.parse(
            fs.readFileSync(path.join(backupDir, "processes", "legacy-broker-a-0", "config", "topics.json"), "utf8"),
        ) as { topicConfigTable: Record<string, unknown> };
        assert.ok(OPERATOR_TOPIC in topics.topicConfigTable, `the backup's topics.json lacks ${OPERATOR_TOPIC}`);
        assert.ok(
            state.some((s) => s.type === "rocketmq:local:Verification"),
            "no verification ran",
        );
        // The adopted cluster still serves, and loses nothing.
        const runtime = await resolveRuntime("4.9.7");
        const work = scratchDir("adoption-clients");
        const ns = `${hosts.host("ns1").address}:9876`;
        const sent = await produce(runtime, work, ns, OPERATOR_TOPIC, "adopted-1", 200);
        const got = await consume(runtime, work, ns, OPERATOR_TOPIC, "adopted-group", "adopted-1", sent.sent, 120);
        assert.strictEqual(sent.failed, 0, sent.firstFailures);
        assert.strictEqual(sent.sent, 200);
        assert.strictEqual(got.consumed, sent.sent, "messages were lost");
    });

    it("a second up changes nothing, and destroy forgets the cluster but leaves every adopted process running", async () => {
        const again = pulumi(dir, "up", "--yes", "--skip-preview");
        assert.strictEqual(again.status, 0, again.output);
        assert.deepStrictEqual([...(await pidsNow()).entries()], [...started.entries()], "the second up restarted");
        const r = pulumi(dir, "destroy", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        assert.deepStrictEqual(stackResources(dir), []);
        assert.deepStrictEqual([...(await pidsNow()).entries()], [...started.entries()], "destroy stopped a process");
    });
});
