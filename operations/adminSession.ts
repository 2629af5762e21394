/**
 * A long-lived RocketMQ admin client (operations/java/AdminSession.java) driven
 * over a line protocol: one JVM for a whole traffic change instead of one
 * mqadmin JVM per broker and topic. Compiled once per source hash against the
 * admin runtime's jars.
 */
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { resolveRuntime } from "./maven";
import { cacheRoot, projectRoot } from "./paths";
import { compiledClasspath } from "./javaSource";
import { clientJavaArgs } from "./mqadmin";
import {
    TopicConfigData,
    GroupConfigData,
    ClusterBroker,
    RouteQueueData,
    QueueAddress,
    PulledMessage,
    QueueOffsets,
    GroupQueueProgress,
} from "../domain/rocketmqAdmin";
import type { AdminApi } from "../domain/rocketmqAdmin";

/** The 5.x admin API also speaks to 4.9.x brokers, so one release serves every stack. */
export const ADMIN_VERSION = "5.5.0";

const SOURCE = path.join(projectRoot(), "operations", "java", "AdminSession.java");

/** An open admin client. Requests are answered in order; close it when done. */
export class AdminSession implements AdminApi {
    private readonly pending: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void; what: string }> = [];
    private exited: string | undefined;
    private stderrTail = "";

    private constructor(private readonly child: ChildProcessWithoutNullStreams) {
        const lines = readline.createInterface({ input: child.stdout });
        lines.on("line", (line) => this.onLine(line));
        child.stderr.on("data", (chunk: Buffer) => {
            this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
        });
        child.on("exit", (code, signal) => {
            this.exited = `admin session exited (${signal ?? code})`;
            for (const p of this.pending.splice(0)) {
                p.reject(new Error(`${p.what}: ${this.exited}\n${this.stderrTail}`));
            }
        });
    }

    /** Starts a session against `nameServers` and waits until its client is up. */
    static async open(nameServers: string, log: (msg: string) => void = () => {}): Promise<AdminSession> {
        const runtime = await resolveRuntime(ADMIN_VERSION, log);
        const userHome = path.join(cacheRoot(), "admin-session-home");
        fs.mkdirSync(userHome, { recursive: true });
        const child = spawn(
            "java",
            clientJavaArgs(runtime, userHome, compiledClasspath(SOURCE, runtime, "admin-session"), 256, [
                "AdminSession",
                nameServers,
            ]),
            { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ROCKETMQ_HOME: runtime.home } },
        );
        const session = new AdminSession(child);
        await session.expect("start", 60_000);
        return session;
    }

    private onLine(line: string): void {
        const waiter = this.pending.shift();
        if (!waiter) {
            return;
        }
        let reply: { ok: boolean; result?: unknown; error?: string };
        try {
            reply = JSON.parse(line) as typeof reply;
        } catch {
            waiter.reject(new Error(`${waiter.what}: unreadable reply ${line.slice(0, 200)}`));
            return;
        }
        if (reply.ok) {
            waiter.resolve(reply.result);
        } else {
            waiter.reject(new Error(`${waiter.what}: ${reply.error}`));
        }
    }

    private expect(what: string, timeoutMs: number): Promise<unknown> {
        if (this.exited) {
            return Promise.reject(new Error(`${what}: ${this.exited}\n${this.stderrTail}`));
        }
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                reject(new Error(`${what}: no answer within ${timeoutMs / 1000}s`));
                this.child.kill("SIGKILL");
            }, timeoutMs);
            this.pending.push({
                what,
                resolve: (v) => {
                    clearTimeout(timer);
                    resolve(v);
                },
                reject: (e) => {
                    clearTimeout(timer);
                    reject(e);
                },
            });
        });
    }

    private request(req: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
        const what = `admin ${req.op}${req.broker ? ` on ${String(req.broker)}` : ""}${req.topic ? ` for ${String(req.topic)}` : ""}`;
        const answer = this.expect(what, timeoutMs);
        this.child.stdin.write(JSON.stringify(req) + "\n");
        return answer;
    }

    cluster(): Promise<ClusterBroker[]> {
        return this.request({ op: "cluster" }) as Promise<ClusterBroker[]>;
    }

    topics(broker: string): Promise<TopicConfigData[]> {
        return this.request({ op: "topics", broker }) as Promise<TopicConfigData[]>;
    }

    groups(broker: string): Promise<GroupConfigData[]> {
        return this.request({ op: "groups", broker }) as Promise<GroupConfigData[]>;
    }

    async putTopic(broker: string, config: TopicConfigData): Promise<void> {
        await this.request({ op: "putTopic", broker, config });
    }

    async putGroup(broker: string, config: GroupConfigData): Promise<void> {
        await this.request({ op: "putGroup", broker, config });
    }

    /** The name servers' route of `topic`; undefined when they have none. */
    async route(topic: string): Promise<RouteQueueData[] | undefined> {
        try {
            return (await this.request({ op: "route", topic })) as RouteQueueData[];
        } catch (err) {
            if (/No topic route info|TOPIC_NOT_EXIST|CODE: 17/i.test((err as Error).message)) {
                return undefined;
            }
            throw err;
        }
    }

    topicStats(topic: string): Promise<QueueOffsets[]> {
        return this.request({ op: "topicStats", topic }) as Promise<QueueOffsets[]>;
    }

    /**
     * Per-queue progress of `group` on one broker (every topic it has offsets
     * for, or just `topic`); empty when the broker has none for it. A queue
     * without a committed offset reports consumerOffset 0.
     */
    async consumeStats(broker: string, group: string, topic?: string): Promise<GroupQueueProgress[]> {
        try {
            return (await this.request({ op: "consumeStats", broker, group, topic })) as GroupQueueProgress[];
        } catch (err) {
            if (
                /No topic route info|TOPIC_NOT_EXIST|CODE: 17|consume stats is empty|CODE: 206/i.test(
                    (err as Error).message,
                )
            ) {
                return [];
            }
            throw err;
        }
    }

    /** The broker's runtime info as printed by `mqadmin brokerStatus` (values are strings). */
    runtimeStats(broker: string): Promise<Record<string, string>> {
        return this.request({ op: "runtimeStats", broker }) as Promise<Record<string, string>>;
    }

    async commitOffset(
        broker: string,
        group: string,
        queue: { topic: string; brokerName: string; queueId: number },
        offset: number,
    ): Promise<void> {
        await this.request({ op: "commitOffset", broker, group, ...queue, offset });
    }

    /** Takes write permission from `brokerName` on every name server; the count of topics changed per name server. */
    wipeWritePerm(brokerName: string): Promise<Record<string, number>> {
        return this.request({ op: "wipeWritePerm", brokerName }) as Promise<Record<string, number>>;
    }

    /** Gives `brokerName` its write permission back on every name server. */
    addWritePerm(brokerName: string): Promise<Record<string, number>> {
        return this.request({ op: "addWritePerm", brokerName }) as Promise<Record<string, number>>;
    }

    /** The broker's live configuration, every key as a string. */
    /** 5.x timer messages not yet due on the broker, per topic; undefined from a broker without timers (4.x). */
    async timerMetrics(broker: string): Promise<Record<string, number> | undefined> {
        return ((await this.request({ op: "timerMetrics", broker })) as Record<string, number> | null) ?? undefined;
    }

    brokerConfig(broker: string): Promise<Record<string, string>> {
        return this.request({ op: "brokerConfig", broker }) as Promise<Record<string, string>>;
    }

    /** Changes one key of the broker's configuration; the broker writes it to its config file. */
    async setBrokerConfig(broker: string, key: string, value: string): Promise<void> {
        await this.request({ op: "setBrokerConfig", broker, key, value });
    }

    /** Sends one message to one queue (no retry elsewhere): the broker's send status and the message's queue offset. */
    sendToQueue(queue: QueueAddress, body: string): Promise<{ status: string; queueOffset: number }> {
        return this.request({ op: "send", ...queue, body }) as Promise<{ status: string; queueOffset: number }>;
    }

    /**
     * Reads up to `max` messages of one queue from `offset`, without committing anything. System topics (the
     * schedule, half and op topics) are routed like any other and read the same way.
     */
    pullFromQueue(
        queue: QueueAddress,
        offset: number,
        max: number,
        withBody = true,
        base64 = false,
    ): Promise<PulledMessage[]> {
        return this.request({ op: "pull", ...queue, offset, max, withBody, base64 }) as Promise<PulledMessage[]>;
    }

    /** Every group with a consumer online and its total backlog: the groups `mqadmin consumerProgress` lists. */
    async groupBacklogs(): Promise<Map<string, number>> {
        const answer = (await this.request({ op: "groupBacklogs" }, 60_000)) as Record<string, number>;
        return new Map(Object.entries(answer).map(([group, diff]) => [group, Number(diff)]));
    }

    /** Ends the session and waits for its JVM to exit. */
    async close(): Promise<void> {
        if (this.exited) {
            return;
        }
        const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
        this.child.stdin.end();
        const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
        await done;
        clearTimeout(timer);
    }
}

/** Runs `work` with an open session and always closes it. */
export async function withAdminSession<T>(
    nameServers: string,
    log: (msg: string) => void,
    work: (session: AdminSession) => Promise<T>,
): Promise<T> {
    const session = await AdminSession.open(nameServers, log);
    try {
        return await work(session);
    } finally {
        await session.close();
    }
}
