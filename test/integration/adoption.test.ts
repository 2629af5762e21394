/**
 * Adopting a cluster the tool has never seen: a plain shell script installs and starts RocketMQ 4.9.7 on six
 * namespace hosts by hand, as the runbook's operators do (two name servers and two broker groups, each a master
 * and a slave; a release under /opt with /opt/rocketmq linked to it, a broker.conf in its conf/, each server
 * started with nohup). Reading the hosts over SSH and the name servers' listing identifies every broker by its pid
 * and refuses what it cannot adopt, naming the broker. Then, through the real CLI, the stack adopts the cluster
 * without restarting anything, backs it up and verifies it, rolls it to 5.5.0 under live traffic losing nothing
 * through an `up` killed in a master's turn (the rerun names the dead run's lock; after `cancel` it resumes without
 * restarting that master again). Then the adopted cluster switches to blue-green without a restart, green on two
 * further hosts, and walks 10 → 30 → 50 → 0 → 100 under live traffic before blue is retired (its brokers stopped by
 * pid, its name servers kept); destroy stops green and leaves the adopted name servers running.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    ADOPTED_FROM_PROPERTY,
    type DeclaredBroker,
    type HostObservation,
    matchAdoption,
    type ReportedBroker,
} from "../../domain/adoptionMatch";
import { AdminSession } from "../../operations/adminSession";
import { BROKER_METADATA_FILES } from "../../operations/backup";
import { observeHost } from "../../operations/hostDiscovery";
import { openHostShell, type HostShell } from "../../operations/hostShell";
import { resolveRuntime } from "../../operations/maven";
import { updateTopic } from "../../operations/mqadmin";
import { consume, produce } from "./clients";
import {
    adoptStackConfig,
    HAND_BROKER_HOSTS,
    HAND_CONF,
    HAND_SERVERS,
    type HandServer,
    handNameServers,
    startByHand,
    writeStack,
} from "./handMadeCluster";
import { NamespaceHosts } from "./namespaceHosts";
import {
    brokerVersion,
    copyProject,
    diagnosticsOf,
    mustPulumi,
    pulumi,
    pulumiInterruptible,
    pulumiWithEnv,
    killWhen,
    scratchDir,
    stackResources,
    TEST_ROUTE_REFRESH_MS,
} from "./support";
import { TrafficLoad } from "./trafficLoad";

const CONF = HAND_CONF;
const SERVERS = HAND_SERVERS;
type Server = HandServer;
const BROKER_HOSTS = HAND_BROKER_HOSTS;
const OPERATOR_TOPIC = "OrdersTopic";
const ROLL_TOPIC = "AdoptedRollTopic";
/** Green, for blue-green on the adopted cluster: two masters on two further hosts. */
const GREEN_HOSTS = ["g1", "g2"] as const;
const GREEN_CLUSTER = "fresh";
const CANARY_TOPIC = "AdoptedCanaryTopic";
const CANARY_GROUP = "adopted-canary";
/** The stack's resource name of each server once adopted. */
const RESOURCE: Record<Server, string> = {
    "namesrv-0": "namesrv-0",
    "namesrv-1": "namesrv-1",
    "broker-a-0": "legacy-broker-a-0",
    "broker-a-1": "legacy-broker-a-1",
    "broker-b-0": "legacy-broker-b-0",
    "broker-b-1": "legacy-broker-b-1",
};

describe("adoption: a 2M-2S 4.9.7 cluster started by hand on six namespace hosts, adopted, rolled, then blue-green", function () {
    this.timeout(40 * 60_000);
    let hosts: NamespaceHosts;
    const shells = new Map<string, HostShell>();
    let admin: AdminSession | undefined;
    /** What the script reported starting: role → pid. */
    const started = new Map<Server, number>();
    let reported: ReportedBroker[] = [];
    let dir: string | undefined;
    let load: TrafficLoad | undefined;

    const nameServers = () => handNameServers(hosts);
    const declared = (...names: (typeof BROKER_HOSTS)[number][]): DeclaredBroker[] =>
        names.map((h, i) => ({
            key: `rocketmq-upgrade:blue.adopt.brokers[${i}]`,
            host: h,
            confPath: CONF,
            releaseDir: "/opt/rocketmq",
        }));

    async function look(): Promise<Map<string, HostObservation>> {
        const seen = new Map<string, HostObservation>();
        for (const h of BROKER_HOSTS) {
            seen.set(h, await observeHost(shells.get(h)!, [CONF]));
        }
        return seen;
    }

    const addresses = () => new Map(hosts.hosts.map((h) => [h.name, h.address]));

    /** The pid of the one RocketMQ server on each server's host, read on the host. */
    async function pidsNow(): Promise<Map<Server, number | undefined>> {
        const now = new Map<Server, number | undefined>();
        for (const [server, host] of Object.entries(SERVERS) as [Server, string][]) {
            const main = server.startsWith("namesrv") ? "NamesrvStartup" : "BrokerStartup";
            const out = (await shells.get(host)!.run(`pgrep -f ${main}`)).stdout.trim();
            const pids = out.split("\n").filter(Boolean).map(Number);
            assert.ok(pids.length <= 1, `host ${host} runs ${pids.length} ${main} JVMs`);
            now.set(server, pids[0]);
        }
        return now;
    }

    before(async () => {
        hosts = await NamespaceHosts.create([...Object.values(SERVERS), ...GREEN_HOSTS]);
        for (const [server, pid] of await startByHand(hosts)) {
            started.set(server, pid);
        }
        for (const h of Object.values(SERVERS)) {
            shells.set(h, await openHostShell(hosts.access(h)));
        }
        admin = await AdminSession.open(nameServers());
        const listed = await admin.cluster();
        reported = [];
        for (const b of listed) {
            reported.push({ ...b, version: await brokerVersion(admin, b.address) });
        }
        // The operator's own topic, which a running cluster has: each master persists its topic table with it.
        for (const master of listed.filter((b) => b.brokerId === 0)) {
            await admin.putTopic(master.address, {
                topicName: OPERATOR_TOPIC,
                readQueueNums: 4,
                writeQueueNums: 4,
                perm: 6,
            });
        }
    });

    after(async () => {
        load?.kill();
        canary?.kill();
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
        const result = matchAdoption(declared(...BROKER_HOSTS), addresses(), await look(), reported, "legacy");
        assert.deepStrictEqual(result.problems, []);
        assert.deepStrictEqual(
            result.adopted.map((a) => [a.host, a.pid, a.brokerName, a.brokerId, a.version, a.conf.brokerRole]),
            [
                ["b1", started.get("broker-a-0"), "broker-a", 0, "V4_9_7", "ASYNC_MASTER"],
                ["b2", started.get("broker-a-1"), "broker-a", 1, "V4_9_7", "SLAVE"],
                ["b3", started.get("broker-b-0"), "broker-b", 0, "V4_9_7", "ASYNC_MASTER"],
                ["b4", started.get("broker-b-1"), "broker-b", 1, "V4_9_7", "SLAVE"],
            ],
        );
    });

    it("refuses part of the cluster, a broker on no listed host, and a conf edited since the start, naming each", async () => {
        assert.deepStrictEqual(
            matchAdoption(declared("b1", "b2", "b3"), addresses(), await look(), reported, "legacy").problems,
            [
                `cluster legacy: the name servers list broker-b id 1 at ${hosts.host("b4").address}:10911, which no ` +
                    "adopt entry declares; declare every broker of the cluster",
            ],
        );
        const elsewhere = [{ ...declared("b1")[0], host: "vm9" }, ...declared("b1", "b2", "b3", "b4").slice(1)];
        assert.match(
            matchAdoption(elsewhere, addresses(), await look(), reported, "legacy").problems[0],
            /^rocketmq-upgrade:blue\.adopt\.brokers\[0\] \(vm9:\/opt\/rocketmq\/conf\/broker\.conf\): host "vm9" is not listed under hosts/,
        );
        // An operator renamed the broker in its file but never restarted it: the file no longer says what runs.
        await shells.get("b2")!.mustRun(`sed -i 's/^brokerName=.*/brokerName=broker-c/' ${CONF}`);
        try {
            assert.deepStrictEqual(
                matchAdoption(declared(...BROKER_HOSTS), addresses(), await look(), reported, "legacy").problems,
                [
                    `rocketmq-upgrade:blue.adopt.brokers[1] (b2:${CONF}): broker.conf does not match the name servers for ` +
                        `${hosts.host("b2").address}:10911: brokerName is broker-c in the file, broker-a registered`,
                ],
            );
        } finally {
            await shells.get("b2")!.mustRun(`sed -i 's/^brokerName=.*/brokerName=broker-a/' ${CONF}`);
        }
    });

    it("restarted nothing while reading: every process the script started runs with its pid", async () => {
        assert.deepStrictEqual([...(await pidsNow()).entries()], [...started.entries()]);
    });

    // From here the tool adopts the cluster through the real CLI, as an operator would point it at theirs.
    it("refuses at preview a broker whose declared broker.conf no process was started with, naming only it", async () => {
        dir = copyProject();
        writeStack(dir, adoptStackConfig(hosts, "/opt/rocketmq/conf/broker-b.conf"), hosts.privateKey);
        const r = pulumi(dir, "preview");
        assert.notStrictEqual(r.status, 0, r.output);
        assert.match(
            diagnosticsOf(r.output),
            /rocketmq-upgrade:blue\.adopt\.brokers\[3\] \(b4:\/opt\/rocketmq\/conf\/broker-b\.conf\): no broker process on b4 was started with/,
            r.output,
        );
        assert.ok(!/blue\.adopt\.brokers\[[012]\]/.test(diagnosticsOf(r.output)), `others were named:\n${r.output}`);
        assert.deepStrictEqual(stackResources(dir), [], "a refused preview left resources in the stack");
    });

    it("lists at preview exactly what the first up takes over: each server with its host and pid", async () => {
        writeStack(dir!, adoptStackConfig(hosts), hosts.privateKey);
        const r = pulumi(dir!, "preview");
        assert.strictEqual(r.status, 0, r.output);
        const at = (h: string) => `${hosts.host(h).address}:10911`;
        const broker = (server: Server, name: string, role: string) => {
            const host = SERVERS[server];
            return (
                `broker ${name} (${role}) on ${host} at ${at(host)}, pid ${started.get(server)}, RocketMQ 4.9.7, ` +
                `${CONF}, store /srv/store`
            );
        };
        for (const line of [
            `name server on ns1:9876, pid ${started.get("namesrv-0")}, RocketMQ 4.9.7`,
            `name server on ns2:9876, pid ${started.get("namesrv-1")}, RocketMQ 4.9.7`,
            broker("broker-a-0", "broker-a/0", "ASYNC_MASTER"),
            broker("broker-a-1", "broker-a/1", "SLAVE"),
            broker("broker-b-0", "broker-b/0", "ASYNC_MASTER"),
            broker("broker-b-1", "broker-b/1", "SLAVE"),
        ]) {
            assert.ok(r.output.includes(line), `the preview does not list "${line}":\n${r.output}`);
        }
    });

    /** Each broker host's broker.conf as the operator wrote it, when the stack adopted it. */
    const adoptedConfs = new Map<string, string>();

    it("the first up adopts the running cluster without restarting it, backs it up from the hosts and verifies it", async () => {
        const r = pulumi(dir!, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        assert.deepStrictEqual([...(await pidsNow()).entries()], [...started.entries()], "a process was restarted");
        const state = stackResources(dir!);
        const processes = new Map(
            state
                .filter((s) => s.type === "rocketmq:hosts:Process")
                .map((p) => [p.urn.slice(p.urn.lastIndexOf("::") + 2), p.outputs?.pid]),
        );
        assert.deepStrictEqual(
            processes,
            new Map((Object.keys(SERVERS) as Server[]).map((s) => [RESOURCE[s], started.get(s)])),
        );
        const backupDir = String(state.find((s) => s.type === "rocketmq:local:Backup")?.outputs?.backupDir);
        for (const server of Object.keys(SERVERS).filter((s) => s.startsWith("broker")) as Server[]) {
            const host = SERVERS[server];
            const saved = path.join(backupDir, "processes", RESOURCE[server]);
            adoptedConfs.set(host, (await shells.get(host)!.readFile(CONF)).toString("utf8"));
            assert.strictEqual(
                fs.readFileSync(path.join(saved, "broker.conf"), "utf8"),
                adoptedConfs.get(host),
                `${host}'s broker.conf in the backup`,
            );
            // Exactly the metadata files this broker's host has: read from its own store, not another's.
            const onTheHost = (await shells.get(host)!.mustRun("ls /srv/store/config"))
                .split("\n")
                .filter((f) => BROKER_METADATA_FILES.includes(f))
                .sort();
            assert.deepStrictEqual(
                fs
                    .readdirSync(path.join(saved, "config"))
                    .filter((f) => BROKER_METADATA_FILES.includes(f))
                    .sort(),
                onTheHost,
                `${host}'s metadata files`,
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
        const sent = await produce(runtime, work, nameServers(), OPERATOR_TOPIC, "adopted-1", 200);
        const got = await consume(runtime, work, nameServers(), OPERATOR_TOPIC, "adopted-group", "adopted-1", 200, 120);
        assert.strictEqual(sent.failed, 0, sent.firstFailures);
        assert.strictEqual(sent.sent, 200);
        assert.strictEqual(got.consumed, sent.sent, "messages were lost");
    });

    let rolled: Map<Server, number | undefined>;

    /** Each group's write permission on the name servers: 6 writable, 4 read-only, -1 not routed. */
    async function routePerms(): Promise<Record<string, number>> {
        const session = await AdminSession.open(nameServers());
        try {
            const perms: Record<string, number> = {};
            for (const group of ["broker-a", "broker-b"]) {
                const route = (await session.route(group).catch(() => undefined)) ?? [];
                perms[group] = route.find((q) => q.brokerName === group)?.perm ?? -1;
            }
            return perms;
        } finally {
            await session.close();
        }
    }

    it("rolls the adopted cluster to 5.5.0 under live traffic through an `up` killed in a master's turn, and the rerun resumes it", async () => {
        const runtime = await resolveRuntime("4.9.7");
        // A topic of its own: a new group reads a topic from its first message, so the count is this load's alone.
        await updateTopic(runtime, nameServers(), "legacy", ROLL_TOPIC, { readQueues: 4, writeQueues: 4, perm: 6 });
        load = new TrafficLoad(
            runtime,
            scratchDir("adoption-load"),
            nameServers(),
            ROLL_TOPIC,
            "adopted-load",
            2,
            2,
            20,
            TEST_ROUTE_REFRESH_MS,
        );
        await load.sending(200, 120_000);
        mustPulumi(dir!, "config", "set", "--path", "nameServer.version", "5.5.0");
        mustPulumi(dir!, "config", "set", "--path", "blue.version", "5.5.0");
        // The `up` is killed, process group and all, in master a's turn: after the wipe, once its 5.5.0 JVM started.
        const masterA = started.get("broker-a-0")!;
        const pidFile = "/srv/rocketmq/legacy-broker-a-0/process.pid";
        const newMasterA = (): number | undefined => {
            const pid = Number(hosts.exec("b1", `cat ${pidFile} 2>/dev/null; true`).trim());
            return pid > 0 &&
                pid !== masterA &&
                hosts.exec("b1", `kill -0 ${pid} 2>/dev/null && echo up; true`).trim() === "up"
                ? pid
                : undefined;
        };
        let restartedA: number | undefined;
        const killed = await killWhen(
            pulumiInterruptible(dir!, "up", "--yes", "--skip-preview"),
            () => (restartedA = newMasterA()) !== undefined,
            20 * 60_000,
            "master a was never restarted",
        );
        assert.notStrictEqual(killed.status, 0);
        assert.match(killed.output, /broker-a\/0: (wipe-write-perm|await-writes-stopped)/, killed.output);
        const writable = await routePerms();
        console.log(
            `      after the kill, each group's write permission on the name servers (4 read-only, 6 or 7 writable): ${JSON.stringify(writable)}`,
        );
        assert.notStrictEqual(writable["broker-a"], 6, "master a is writable right after the kill");

        // The killed run left its lock: the rerun names it, says its holder is gone, and how to clear it.
        const locked = pulumi(dir!, "up", "--yes", "--skip-preview");
        assert.notStrictEqual(locked.status, 0, "an `up` ran on a stack a killed run left locked");
        assert.match(locked.output, /the stack is currently locked by 1 lock\(s\)/);
        assert.match(locked.output, /which is no longer running: an interrupted run/);
        assert.match(locked.output, /Clear it with `npm run pulumi -- cancel --stack local`/);
        mustPulumi(dir!, "cancel", "--stack", "local");
        const r = pulumi(dir!, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        assert.match(r.output, /roll broker-a\/0: already runs V5_5_0 as declared/);
        assert.deepStrictEqual(await routePerms(), { "broker-a": 6, "broker-b": 6 }, "a group is not writable");
        rolled = await pidsNow();
        for (const [server, pid] of rolled) {
            assert.ok(pid !== undefined && pid !== started.get(server), `${server} was not restarted`);
        }
        assert.strictEqual(rolled.get("broker-a-0"), restartedA, "master a was restarted a second time");
        const adminNow = await AdminSession.open(nameServers());
        try {
            for (const host of BROKER_HOSTS) {
                assert.strictEqual(await brokerVersion(adminNow, `${hosts.host(host).address}:10911`), "V5_5_0", host);
            }
        } finally {
            await adminNow.close();
        }
        for (const server of Object.keys(SERVERS).filter((s) => s.startsWith("broker")) as Server[]) {
            const host = SERVERS[server];
            const own = `/srv/rocketmq/${RESOURCE[server]}`;
            const cmdline = hosts.exec(host, `tr '\\0' ' ' < /proc/${rolled.get(server)}/cmdline`);
            // Started the tool's way in its own directory, marked with the operator's conf for the next preview.
            assert.ok(cmdline.includes(`-Duser.home=${own} `), `${server}: ${cmdline}`);
            assert.ok(cmdline.includes(`${ADOPTED_FROM_PROPERTY}${CONF} `), `${server}: ${cmdline}`);
            assert.strictEqual(hosts.exec(host, `readlink ${own}/rocketmq`).trim(), "/opt/rocketmq-5.5.0", server);
            // The broker rewrote the operator's file with its live config at the wipe; the tool put it back.
            assert.strictEqual(hosts.exec(host, `cat ${CONF}`), adoptedConfs.get(host), `${host}'s ${CONF}`);
            // On the store it had: the operator's topic is still in its topic table.
            assert.match(hosts.exec(host, `grep -c ${OPERATOR_TOPIC} /srv/store/config/topics.json`), /^[1-9]/, server);
        }
        const turns = stackResources(dir!).filter((s) => s.type === "rocketmq:hosts:Process" && s.outputs?.lastRoll);
        assert.strictEqual(turns.length, 4, `turns reported: ${turns.map((t) => t.urn).join(", ")}`);
    });

    it("lost no message through the roll, and no send failed after the client's retries", async () => {
        await load!.assertNothingLost(1000);
        load = undefined;
    });

    it("still finds the rolled cluster by the declared paths: a preview lists the new pids and changes nothing", async () => {
        const r = pulumi(dir!, "preview");
        assert.strictEqual(r.status, 0, r.output);
        assert.doesNotMatch(r.output, /to (create|update|replace|delete)/, r.output);
        assert.match(r.output, /\d+ unchanged/, r.output);
        for (const server of Object.keys(SERVERS).filter((s) => s.startsWith("broker")) as Server[]) {
            const host = SERVERS[server];
            assert.ok(
                r.output.includes(
                    `on ${host} at ${hosts.host(host).address}:10911, pid ${rolled.get(server)}, RocketMQ 5.5.0`,
                ),
                `${server} not listed with its new pid:\n${r.output}`,
            );
        }
    });

    let canary: TrafficLoad | undefined;
    const isGreen = (brokerName: string) => brokerName.startsWith(`${GREEN_CLUSTER}-`);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    /** Sets the weight and runs `up` (forced when the change skips stages); resolves once producers had a refresh. */
    async function weight(value: number, forced = false): Promise<{ began: number; ended: number }> {
        mustPulumi(dir!, "config", "set", "trafficWeight", String(value));
        const began = Date.now();
        const r = pulumiWithEnv(
            dir!,
            forced ? { ROCKETMQ_UPGRADE_FORCE_WEIGHT: "1" } : {},
            "up",
            "--yes",
            "--skip-preview",
        );
        assert.strictEqual(r.status, 0, r.output);
        const ended = Date.now();
        await sleep(TEST_ROUTE_REFRESH_MS + 5000);
        return { began, ended };
    }

    /** The canary load's sends to green, and all of them, from `from` on. */
    function sendsSince(from: number): { green: number; all: number } {
        const sends = canary!.sends().filter((x) => x.at >= from);
        return { green: sends.filter((x) => isGreen(x.brokerName)).length, all: sends.length };
    }

    it("switches the adopted cluster to blue-green, green on two further hosts, restarting no adopted server", async () => {
        const runtime = await resolveRuntime("5.5.0");
        // The operator's topic for the canary, made on the running cluster before the switch.
        await updateTopic(runtime, nameServers(), "legacy", CANARY_TOPIC, { readQueues: 4, writeQueues: 4, perm: 6 });
        const host = (h: string) => ({
            address: hosts.host(h).address,
            hostKey: hosts.host(h).hostKeyFingerprint,
            releaseRoot: "/opt",
            dataRoot: "/srv/rocketmq",
        });
        const adopted = adoptStackConfig(hosts) as {
            hosts: Record<string, unknown>;
            placement: Record<string, unknown>;
            blue: Record<string, unknown>;
        };
        writeStack(
            dir!,
            {
                ...adopted,
                strategy: "blue-green",
                nameServer: { count: 2, version: "5.5.0" },
                hosts: { ...adopted.hosts, ...Object.fromEntries(GREEN_HOSTS.map((h) => [h, host(h)])) },
                placement: { ...adopted.placement, green: { brokers: { "a-0": "g1", "b-0": "g2" } } },
                blue: { ...adopted.blue, version: "5.5.0" },
                green: {
                    version: "5.5.0",
                    clusterName: GREEN_CLUSTER,
                    slavesPerGroup: 0,
                    brokerRole: "ASYNC_MASTER",
                    proxies: 0,
                    brokerConfig: { registerNameServerPeriod: 10000, waitTimeMillsInSendQueue: 3000 },
                },
                topics: [{ name: CANARY_TOPIC, queues: 4 }],
                consumerGroups: [CANARY_GROUP],
                trafficWeight: 0,
                promotion: { minSoakSeconds: 0 },
                drainTimeoutSeconds: 120,
            },
            hosts.privateKey,
        );
        const r = pulumi(dir!, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        assert.doesNotMatch(r.output, /rocketmq:hosts:Process\s+(namesrv|legacy-)\S*\s+(created|replaced|deleted)/);
        assert.deepStrictEqual([...(await pidsNow()).entries()], [...rolled.entries()], "an adopted server restarted");
        const green = stackResources(dir!)
            .filter((x) => x.type === "rocketmq:hosts:Process" && x.urn.includes(`::${GREEN_CLUSTER}-`))
            .map((x) => `${x.urn.slice(x.urn.lastIndexOf("::") + 2)}@${(x.outputs?.host as { name: string }).name}`)
            .sort();
        assert.deepStrictEqual(green, [`${GREEN_CLUSTER}-broker-a-0@g1`, `${GREEN_CLUSTER}-broker-b-0@g2`]);
        canary = new TrafficLoad(
            await resolveRuntime("4.9.7"),
            scratchDir("adoption-canary"),
            nameServers(),
            CANARY_TOPIC,
            CANARY_GROUP,
            2,
            2,
            20,
            TEST_ROUTE_REFRESH_MS,
        );
        await canary.sending(200, 120_000);
        assert.strictEqual(sendsSince(0).green, 0, "a send reached green at weight 0");
    });

    it("walks 10 → 30 → 50 on the adopted blue, rolls back to 0, then goes to 100", async () => {
        for (const w of [10, 30, 50]) {
            const { ended } = await weight(w);
            await sleep(10_000);
            const measured = sendsSince(ended + TEST_ROUTE_REFRESH_MS);
            assert.ok(measured.green > 0 && measured.green < measured.all, `weight ${w}: ${JSON.stringify(measured)}`);
        }
        const back = await weight(0);
        await sleep(10_000);
        const afterRollback = sendsSince(back.ended + TEST_ROUTE_REFRESH_MS + 2000);
        // Sends went on (else "none on green" proves nothing), and all of them to the adopted blue.
        assert.ok(afterRollback.all > 100, `only ${afterRollback.all} sends after the rollback`);
        assert.strictEqual(afterRollback.green, 0, "a send reached green after the rollback to 0");
        const full = await weight(100, true);
        await sleep(10_000);
        // One route refresh after the `up`, and a send in flight: every producer writes where the weight says.
        const measured = sendsSince(full.ended + TEST_ROUTE_REFRESH_MS + 2000);
        assert.ok(measured.all > 100, `only ${measured.all} sends at 100`);
        assert.strictEqual(measured.green, measured.all, "a send reached the adopted blue at 100");
    });

    it("retires the adopted blue once drained: its brokers stop, its name servers and green carry on", async () => {
        mustPulumi(dir!, "config", "set", "retireBlue", "true");
        const r = pulumi(dir!, "up", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        const now = await pidsNow();
        for (const server of Object.keys(SERVERS) as Server[]) {
            if (server.startsWith("broker")) {
                assert.strictEqual(now.get(server), undefined, `${server} still runs after the retirement`);
            } else {
                assert.strictEqual(now.get(server), rolled.get(server), `${server} was restarted`);
            }
        }
        await canary!.assertNothingLost(500);
        canary = undefined;
    });

    it("destroy forgets the stack, stops green and leaves the adopted name servers running", async () => {
        const r = pulumi(dir!, "destroy", "--yes", "--skip-preview");
        assert.strictEqual(r.status, 0, r.output);
        assert.deepStrictEqual(stackResources(dir!), []);
        dir = undefined;
        const now = await pidsNow();
        for (const server of ["namesrv-0", "namesrv-1"] as Server[]) {
            assert.strictEqual(now.get(server), rolled.get(server), `destroy stopped ${server}`);
        }
        for (const h of GREEN_HOSTS) {
            assert.strictEqual(
                hosts.exec(h, "pgrep -f '[B]rokerStartup'; true").trim(),
                "",
                `host ${h} still runs green`,
            );
        }
    });
});
