/**
 * Records what real 4.9.7 and 5.5.0 brokers answer to the admin calls the
 * stranded-message counting makes, so its unit tests replay real answers
 * (test/unit/strandedMessages.test.ts). For each release: one name server and
 * one master on loopback ports 32600-32699, the tests' PendingLoad client
 * leaving 6 messages delayed at level 8 (4 min), 3 open transactions and 3
 * messages its consumer fails (waiting as retries at level 5, 1 min), and 4 dead
 * letters sent straight into %DLQ%StrandedReaders. Then countStranded runs
 * once through a recording proxy; every call and its answer lands in
 * test/recorded/stranded-<version>.json. Everything it started is stopped.
 *
 * Usage: node -r ts-node/register/transpile-only test/recorded/record.ts
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AdminSession } from "../../operations/adminSession";
import { startServer, stopServer } from "../integration/plainServer";
import { resolveRuntime } from "../../operations/maven";
import { updateTopic } from "../../operations/mqadmin";
import { brokerProperties, nameServerProperties, SMALL_STORE } from "../../domain/serverConfig";
import { countStranded, StrandedAdmin } from "../../operations/strandedMessages";
import { mustParseVersion } from "../../domain/versions";
import { PendingLoad } from "../integration/trafficLoad";

export const PENDING = { delayed: 6, delayLevel: 8, transactions: 3, retried: 3, retryLevel: 5 };
export const DEAD_LETTERS = 4;
export const GROUP = "StrandedReaders";
const TOPIC = "StrandedOrders";
const METHODS = [
    "runtimeStats",
    "brokerConfig",
    "topics",
    "topicStats",
    "consumeStats",
    "pullFromQueue",
    "timerMetrics",
] as const;

export interface RecordedCall {
    method: (typeof METHODS)[number];
    args: unknown[];
    answer?: unknown;
    error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The session's calls, each recorded with its answer (or its error). */
function recording(session: AdminSession, calls: RecordedCall[]): StrandedAdmin {
    const proxy: Record<string, unknown> = {};
    for (const method of METHODS) {
        proxy[method] = async (...args: unknown[]) => {
            const call: RecordedCall = { method, args };
            calls.push(call);
            try {
                call.answer = await (session[method] as (...a: unknown[]) => Promise<unknown>)(...args);
                return call.answer;
            } catch (err) {
                call.error = (err as Error).message.split("\n")[0];
                throw err;
            }
        };
    }
    return proxy as unknown as StrandedAdmin;
}

async function record(version: string, portBase: number): Promise<void> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `stranded-${version}-`));
    const runtime = await resolveRuntime(version);
    const parsed = mustParseVersion(version);
    const ns = `127.0.0.1:${portBase}`;
    const nsDir = path.join(work, "namesrv");
    const brokerDir = path.join(work, "broker");
    let pending: PendingLoad | undefined;
    let session: AdminSession | undefined;
    try {
        await startServer(
            {
                role: "namesrv",
                dir: nsDir,
                config: nameServerProperties({ version: parsed, port: portBase }),
                servicePort: portBase,
                heapMb: 128,
            },
            runtime,
        );
        await startServer(
            {
                role: "broker",
                dir: brokerDir,
                config: brokerProperties({
                    version: parsed,
                    clusterName: "recorded",
                    brokerName: "recorded-a",
                    brokerId: 0,
                    role: "ASYNC_MASTER",
                    flushDiskType: "ASYNC_FLUSH",
                    nameServers: [ns],
                    port: portBase + 11,
                    haPort: portBase + 12,
                    storeDir: path.join(brokerDir, "store"),
                    store: SMALL_STORE,
                    autoCreateTopicEnable: false,
                    // The checker's first pass creates 4.9.7's half topic: sooner than the default minute, and
                    // renewing each open transaction a few times before the recording, as a long-running broker has.
                    extra: { transactionCheckInterval: 5000, transactionTimeOut: 3000, transactionCheckMax: 1000 },
                }),
                servicePort: portBase + 11,
                heapMb: 256,
            },
            runtime,
        );
        const client = await resolveRuntime("5.5.0");
        await updateTopic(runtime, ns, "recorded", TOPIC, { readQueues: 2, writeQueues: 2, perm: 6 });
        await updateTopic(runtime, ns, "recorded", `%DLQ%${GROUP}`, { readQueues: 1, writeQueues: 1, perm: 6 });
        pending = new PendingLoad(client, path.join(work, "pending"), ns, TOPIC, GROUP, PENDING, 5_000);
        await pending.sent(120_000);
        session = await AdminSession.open(ns);
        for (let i = 0; i < DEAD_LETTERS; i++) {
            await session.sendToQueue({ topic: `%DLQ%${GROUP}`, brokerName: "recorded-a", queueId: 0 }, `dead-${i}`);
        }
        // Each retried message fails once and then waits a minute at level 5: read while they wait.
        // and until the checker has renewed each open transaction at least twice (copies with the same key).
        for (let i = 0; i < 60; i++) {
            const stats = await session.topicStats("SCHEDULE_TOPIC_XXXX").catch(() => []);
            const half = await session.topicStats("RMQ_SYS_TRANS_HALF_TOPIC").catch(() => []);
            if (
                stats.some((q) => q.queueId === PENDING.retryLevel - 1 && q.maxOffset >= PENDING.retried) &&
                half.some((q) => q.maxOffset >= 3 * PENDING.transactions)
            ) {
                break;
            }
            await sleep(1000);
        }
        const calls: RecordedCall[] = [];
        const master = { brokerName: "recorded-a", address: `127.0.0.1:${portBase + 11}` };
        const counts = await countStranded(recording(session, calls), master);
        const file = path.join(__dirname, `stranded-${version}.json`);
        fs.writeFileSync(
            file,
            JSON.stringify({ version, recordedAt: new Date().toISOString(), master, counts, calls }, null, 2) + "\n",
        );
        console.log(`${version}: ${calls.length} calls recorded in ${file}; counted ${JSON.stringify(counts)}`);
    } finally {
        await session?.close();
        pending?.kill();
        await stopServer(brokerDir).catch(() => undefined);
        await stopServer(nsDir).catch(() => undefined);
        fs.rmSync(work, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    await record("4.9.7", 32600);
    await record("5.5.0", 32650);
}

// The unit tests import the constants above; only a direct run records.
if (require.main === module) {
    main().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
