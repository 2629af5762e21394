/**
 * Releases and processes on namespace hosts over SSH (operations/hostRelease.ts, operations/hostProcess.ts): a JDK
 * check naming the host, a release copied once per host and checked, a name server and a broker started at
 * RocketMQ's default ports on their own hosts, the broker stopped by its pid and started again on the next
 * release through its link, with the same broker.conf and store: a message written before is read after.
 */
import * as assert from "assert";
import { matchAdoption } from "../../domain/adoptionMatch";
import { AdminSession } from "../../operations/adminSession";
import { observeHost } from "../../operations/hostDiscovery";
import { checkJava, installRelease, linkTarget, pointLink, RELEASE_MARKER } from "../../operations/hostRelease";
import { hostRunningPid, startOnHost, stopOnHost, type HostProcessSpec } from "../../operations/hostProcess";
import { HostError, openHostShell, type HostShell } from "../../operations/hostShell";
import { resolveRuntime } from "../../operations/maven";
import { NamespaceHosts } from "./namespaceHosts";
import { brokerVersion } from "./support";

describe("hosts over SSH: a release and a broker on namespace hosts, rolled to the next release", function () {
    this.timeout(10 * 60_000);
    let hosts: NamespaceHosts;
    let ns: HostShell;
    let broker: HostShell;
    let admin: AdminSession | undefined;
    let javaMajor = 0;
    const TOPIC = "HostRollTopic";

    function spec(host: "ns1" | "b1", role: "namesrv" | "broker"): HostProcessSpec {
        return {
            role,
            name: role === "namesrv" ? "namesrv" : "broker-a-0",
            dir: role === "namesrv" ? "/srv/rocketmq/namesrv" : "/srv/rocketmq/broker-a-0",
            address: hosts.host(host).address,
            servicePort: role === "namesrv" ? 9876 : 10911,
            heapMb: role === "namesrv" ? 128 : 256,
            javaMajor,
            manager: "process",
        };
    }

    before(async () => {
        hosts = await NamespaceHosts.create(["ns1", "b1"]);
        ns = await openHostShell(hosts.access("ns1"));
        broker = await openHostShell(hosts.access("b1"));
    });

    after(async () => {
        await admin?.close().catch(() => undefined);
        for (const [shell, s] of [
            [broker, spec("b1", "broker")],
            [ns, spec("ns1", "namesrv")],
        ] as const) {
            await stopOnHost(shell, s, { graceMs: 10_000 }).catch(() => undefined);
            await shell.close().catch(() => undefined);
        }
        hosts?.destroy();
    });

    it("checks each host's JDK, naming a host without a usable one", async () => {
        javaMajor = await checkJava(broker);
        assert.ok(javaMajor >= 8, `java ${javaMajor}`);
        await assert.rejects(
            checkJava(ns, "/opt/no-jdk"),
            (e: unknown) =>
                e instanceof HostError &&
                e.message.startsWith('host ns1: has no usable JDK: `/opt/no-jdk/bin/java -version` answered "') &&
                e.message.endsWith("install a JDK 8 or newer there, or correct hosts.ns1.javaHome"),
        );
    });

    it("copies a release to each host once, checked, into its versioned directory", async () => {
        const runtime = await resolveRuntime("4.9.7");
        for (const shell of [ns, broker]) {
            const first = await installRelease(shell, runtime, "/opt");
            assert.deepStrictEqual(first, { dir: "/opt/rocketmq-4.9.7", copied: true });
            const again = await installRelease(shell, runtime, "/opt");
            assert.strictEqual(again.copied, false, `copied twice to ${shell.host}`);
            assert.match(await shell.mustRun(`cat /opt/rocketmq-4.9.7/${RELEASE_MARKER}`), /^[0-9a-f]{64}\n$/);
            assert.strictEqual(
                (await shell.mustRun("ls -A /opt")).trim(),
                "rocketmq-4.9.7",
                "nothing else left in /opt",
            );
        }
    });

    it("starts a name server and a broker at RocketMQ's default ports, each on its own host", async () => {
        for (const [shell, s] of [
            [ns, spec("ns1", "namesrv")],
            [broker, spec("b1", "broker")],
        ] as const) {
            await pointLink(shell, `${s.dir}/rocketmq`, "/opt/rocketmq-4.9.7");
        }
        await startOnHost(ns, spec("ns1", "namesrv"), { config: "listenPort=9876\n" });
        const nameServer = `${hosts.host("ns1").address}:9876`;
        // The broker.conf an operator writes by hand, as in the runbook.
        const conf = [
            "brokerClusterName=hosts",
            "brokerName=broker-a",
            "brokerId=0",
            "brokerRole=ASYNC_MASTER",
            "flushDiskType=ASYNC_FLUSH",
            `brokerIP1=${hosts.host("b1").address}`,
            "listenPort=10911",
            `namesrvAddr=${nameServer}`,
            "storePathRootDir=/srv/rocketmq/broker-a-0/store",
            "storePathCommitLog=/srv/rocketmq/broker-a-0/store/commitlog",
            "autoCreateTopicEnable=false",
            "",
        ].join("\n");
        admin = await AdminSession.open(nameServer);
        const session = admin;
        const pid = await startOnHost(broker, spec("b1", "broker"), {
            config: conf,
            readyWhen: async () => (await session.cluster()).some((b) => b.brokerName === "broker-a"),
        });
        assert.strictEqual(await hostRunningPid(broker, "/srv/rocketmq/broker-a-0"), pid);
        assert.strictEqual(
            await hostRunningPid(ns, "/srv/rocketmq/broker-a-0"),
            undefined,
            "the broker runs on b1 only",
        );
        const [listed] = await admin.cluster();
        assert.deepStrictEqual(listed, {
            cluster: "hosts",
            brokerName: "broker-a",
            brokerId: 0,
            address: `${hosts.host("b1").address}:10911`,
        });
        assert.strictEqual(await brokerVersion(admin, listed.address), "V4_9_7");

        // What adoption reads from a running host identifies this broker, and names a declared one that is not there.
        const confPath = "/srv/rocketmq/broker-a-0/broker.conf";
        const missing = "/opt/rocketmq/conf/broker-b.conf";
        const observed = await observeHost(broker, [confPath, missing]);
        assert.strictEqual(observed.files[missing], undefined);
        const declare = (key: string, path: string) => ({
            key,
            host: "b1",
            confPath: path,
            releaseDir: "/opt/rocketmq-4.9.7",
        });
        const addresses = new Map(hosts.hosts.map((h) => [h.name, h.address]));
        const match = (declared: ReturnType<typeof declare>[]) =>
            matchAdoption(
                declared,
                addresses,
                new Map([["b1", observed]]),
                [{ ...listed, version: "V4_9_7" }],
                "hosts",
            );
        const found = match([declare("blue.adopt.brokers[0]", confPath)]);
        assert.deepStrictEqual(found.problems, []);
        assert.deepStrictEqual(
            found.adopted.map((a) => [a.pid, a.brokerName, a.brokerId, a.address]),
            [[pid, "broker-a", 0, listed.address]],
        );
        const refused = match([declare("blue.adopt.brokers[0]", confPath), declare("blue.adopt.brokers[1]", missing)]);
        assert.deepStrictEqual(refused.problems, [
            `blue.adopt.brokers[1] (b1:${missing}): no broker process on b1 was started with ${missing} ` +
                `(running brokers there: pid ${pid} with ${confPath})`,
        ]);
    });

    it("stops the broker by its pid, points its link at 5.5.0 and starts it with the same conf and store", async () => {
        const session = admin!;
        const address = `${hosts.host("b1").address}:10911`;
        await session.putTopic(address, { topicName: TOPIC, readQueueNums: 1, writeQueueNums: 1, perm: 6 });
        const queue = { topic: TOPIC, brokerName: "broker-a", queueId: 0 };
        const sent = await session.sendToQueue(queue, "written on 4.9.7");
        assert.strictEqual(sent.status, "SEND_OK");

        const before = await hostRunningPid(broker, "/srv/rocketmq/broker-a-0");
        await stopOnHost(broker, spec("b1", "broker"));
        assert.notStrictEqual((await broker.run(`kill -0 ${before}`)).code, 0, "the old broker is gone");
        assert.strictEqual(await hostRunningPid(broker, "/srv/rocketmq/broker-a-0"), undefined);

        await installRelease(broker, await resolveRuntime("5.5.0"), "/opt");
        await pointLink(broker, "/srv/rocketmq/broker-a-0/rocketmq", "/opt/rocketmq-5.5.0");
        assert.strictEqual(await linkTarget(broker, "/srv/rocketmq/broker-a-0/rocketmq"), "/opt/rocketmq-5.5.0");
        // The old release stays on the host until the roll is finished: a rollback points back at it.
        assert.strictEqual((await broker.mustRun("ls /opt")).trim(), "rocketmq-4.9.7\nrocketmq-5.5.0");
        const conf = await broker.readFile("/srv/rocketmq/broker-a-0/broker.conf");
        const pid = await startOnHost(broker, spec("b1", "broker"), {
            readyWhen: async () => (await session.cluster()).some((b) => b.brokerName === "broker-a"),
        });
        assert.notStrictEqual(pid, before);
        assert.deepStrictEqual(
            await broker.readFile("/srv/rocketmq/broker-a-0/broker.conf"),
            conf,
            "the conf was not rewritten",
        );
        assert.strictEqual(await brokerVersion(session, address), "V5_5_0");
        const read = await session.pullFromQueue(queue, sent.queueOffset, 1, true);
        assert.strictEqual(read[0]?.body, "written on 4.9.7", "the store came along");
    });
});
