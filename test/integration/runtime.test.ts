/**
 * RocketMQ runtimes from Maven Central, started as real JVMs on loopback:
 * a 4.9.7 NameServer and Broker, and a 5.5.0 NameServer, Broker and Proxy.
 */
import * as assert from "assert";
import * as path from "path";
import { isAlive, portAccepts } from "../../operations/launcher";
import { ServerProcessSpec, startServer, stopServer } from "./plainServer";
import { resolveRuntime, RocketMQRuntime } from "../../operations/maven";
import { brokerIsListed, mqadmin, updateTopic } from "../../operations/mqadmin";
import { parseClusterList, versionLabel } from "../../domain/mqadminOutput";
import { brokerProperties, nameServerProperties, proxyJson, SMALL_STORE } from "../../domain/serverConfig";
import { freePortBlock, scratchDir } from "./support";
import { CODE, queryRoute } from "./grpcMessaging";

const BLUE_VERSION = process.env.BLUE_VERSION ?? "4.9.7";
const GREEN_VERSION = process.env.GREEN_VERSION ?? "5.5.0";

interface Started {
    dir: string;
    pid: number;
}

/**
 * Starts a one-broker cluster (plus a proxy where the version has one).
 * Each process is pushed onto `started` as soon as it runs, so a failure
 * half-way still lets the caller stop what did start.
 */
async function startSingleBrokerCluster(runtime: RocketMQRuntime, withProxy: boolean, started: Started[]) {
    const dir = scratchDir(`single-${runtime.version.text}`);
    const base = await freePortBlock(10);
    const nsPort = base;
    const brokerPort = base + 4; // the broker also binds brokerPort-2 and the HA port
    const nsAddr = `127.0.0.1:${nsPort}`;
    const clusterName = `smoke${runtime.version.major}`;
    const specs: ServerProcessSpec[] = [
        {
            role: "namesrv",
            dir: path.join(dir, "namesrv"),
            config: nameServerProperties({ version: runtime.version, port: nsPort }),
            servicePort: nsPort,
            heapMb: 128,
        },
        {
            role: "broker",
            dir: path.join(dir, "broker"),
            config: brokerProperties({
                version: runtime.version,
                clusterName,
                brokerName: `${clusterName}-a`,
                brokerId: 0,
                role: "ASYNC_MASTER",
                flushDiskType: "ASYNC_FLUSH",
                nameServers: [nsAddr],
                port: brokerPort,
                haPort: brokerPort + 1,
                storeDir: path.join(dir, "broker", "store"),
                store: SMALL_STORE,
                autoCreateTopicEnable: false,
            }),
            servicePort: brokerPort,
            heapMb: 256,
            readyWhen: () => brokerIsListed(runtime, nsAddr, `${clusterName}-a`, 0),
        },
    ];
    if (withProxy) {
        specs.push({
            role: "proxy",
            dir: path.join(dir, "proxy"),
            config: proxyJson({ clusterName, nameServers: [nsAddr], remotingPort: base + 7, grpcPort: base + 8 }),
            servicePort: base + 8,
            heapMb: 256,
        });
    }
    for (const spec of specs) {
        started.push({ dir: spec.dir, pid: await startServer(spec, runtime) });
    }
    return { nsAddr, clusterName, proxyPorts: withProxy ? [base + 7, base + 8] : [] };
}

async function roundTrip(runtime: RocketMQRuntime, nsAddr: string, clusterName: string): Promise<void> {
    const topic = `SmokeTopic${runtime.version.major}`;
    await updateTopic(runtime, nsAddr, clusterName, topic, { readQueues: 4, writeQueues: 4, perm: 6 });
    const body = `smoke-${runtime.version.text}-${Date.now()}`;
    const sent = await mqadmin(runtime, ["sendMessage", "-n", nsAddr, "-t", topic, "-p", body]);
    assert.match(sent, /SEND_OK/, `sendMessage did not report SEND_OK:\n${sent}`);
    const consumed = await mqadmin(runtime, ["consumeMessage", "-n", nsAddr, "-t", topic, "-c", "10"]);
    assert.ok(consumed.includes(`BODY: ${body}`), `the message sent was not consumed back:\n${consumed}`);
}

for (const [version, withProxy] of [
    [BLUE_VERSION, false],
    [GREEN_VERSION, true],
] as const) {
    describe(`RocketMQ ${version} from Maven Central on loopback`, () => {
        let runtime: RocketMQRuntime;
        let cluster: Awaited<ReturnType<typeof startSingleBrokerCluster>> | undefined;
        const started: Started[] = [];

        before(async () => {
            runtime = await resolveRuntime(version);
            cluster = await startSingleBrokerCluster(runtime, withProxy, started);
        });

        after(async () => {
            for (const s of [...started].reverse()) {
                await stopServer(s.dir);
            }
        });

        it("lists the broker in clusterList at the right version", async () => {
            const rows = parseClusterList(
                await mqadmin(runtime, ["clusterList", "-n", cluster!.nsAddr], { attempts: 3 }),
            );
            assert.deepStrictEqual(
                rows.map((r) => [r.cluster, r.brokerId, r.version]),
                [[cluster!.clusterName, 0, versionLabel(version)]],
            );
        });

        it("consumes back a message sent with mqadmin sendMessage", async () => {
            await roundTrip(runtime, cluster!.nsAddr, cluster!.clusterName);
        });

        if (withProxy) {
            it("runs a proxy that accepts remoting connections and answers gRPC QueryRoute from the broker's route", async () => {
                const [remotingPort, grpcPort] = cluster!.proxyPorts;
                assert.ok(
                    await portAccepts(remotingPort),
                    `proxy remoting port ${remotingPort} does not accept connections`,
                );
                // Fewer write than read queues: only a route read from this broker's topic config has one READ queue.
                const topic = "GrpcRouteTopic";
                await updateTopic(runtime, cluster!.nsAddr, cluster!.clusterName, topic, {
                    readQueues: 3,
                    writeQueues: 2,
                    perm: 6,
                });
                const route = await queryRoute(grpcPort, topic);
                assert.strictEqual(route.code, CODE.OK, `QueryRoute ${topic}: ${route.code} ${route.message}`);
                assert.deepStrictEqual(
                    route.queues.map((q) => [q.topic, q.id, q.permission, q.brokerName, q.brokerId]),
                    [
                        [topic, 0, "READ", `${cluster!.clusterName}-a`, 0],
                        [topic, 1, "READ_WRITE", `${cluster!.clusterName}-a`, 0],
                        [topic, 2, "READ_WRITE", `${cluster!.clusterName}-a`, 0],
                    ],
                );
                // In cluster mode 5.x clients send everything through the proxy, so every queue names it, not the broker.
                for (const q of route.queues) {
                    assert.deepStrictEqual(q.brokerEndpoints, [`127.0.0.1:${grpcPort}`], `queue ${q.id}`);
                }

                const unknown = await queryRoute(grpcPort, "GrpcNoSuchTopic");
                assert.strictEqual(
                    unknown.code,
                    CODE.TOPIC_NOT_FOUND,
                    `QueryRoute of an unknown topic: ${unknown.code} ${unknown.message}`,
                );
                assert.deepStrictEqual(unknown.queues, []);
            });
        }

        it("leaves no process behind once stopped", async () => {
            for (const s of [...started].reverse()) {
                await stopServer(s.dir);
            }
            for (const s of started) {
                assert.ok(!isAlive(s.pid), `pid ${s.pid} (${s.dir}) is still running`);
            }
        });
    });
}
