/**
 * Runs RocketMQ's own admin tool (mqadmin, MQAdminStartup) from a resolved
 * runtime, and parses the outputs this project relies on.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { RocketMQRuntime } from "./maven";
import { compiledClasspath } from "./javaSource";
import { cacheRoot, projectRoot } from "./paths";
import { jdk17ModuleFlags } from "../domain/versions";
import { mqadminFailure, parseClusterList, parseBrokerStatus, parseQueuePerms } from "../domain/mqadminOutput";

const execFileAsync = promisify(execFile);

/** MQAdminStartup behind a main that exits once the command returns (operations/java/MqadminCommand.java says why). */
const MQADMIN_MAIN = "MqadminCommand";
const MQADMIN_SOURCE = path.join(projectRoot(), "operations", "java", `${MQADMIN_MAIN}.java`);

/** The JVM command line of an admin client. Tuned for quick startup: small heap, serial GC, C1 only. */
export function clientJavaArgs(
    runtime: RocketMQRuntime,
    userHome: string,
    classpath: string,
    maxHeapMb: number,
    mainAndArgs: readonly string[],
): string[] {
    return [
        "-Xms64m",
        `-Xmx${maxHeapMb}m`,
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        ...jdk17ModuleFlags(),
        `-Duser.home=${userHome}`,
        `-Drocketmq.home.dir=${runtime.home}`,
        "-cp",
        classpath,
        ...mainAndArgs,
    ];
}

/** The release's jars and the command's main class, compiled once per release into the cache. */
export function mqadminClasspath(runtime: RocketMQRuntime): string {
    return compiledClasspath(MQADMIN_SOURCE, runtime, "mqadmin-command");
}

/** The JVM command line for one mqadmin call. */
export function mqadminJavaArgs(
    runtime: RocketMQRuntime,
    userHome: string,
    args: readonly string[],
    classpath = mqadminClasspath(runtime),
): string[] {
    return clientJavaArgs(runtime, userHome, classpath, 128, [MQADMIN_MAIN, ...args]);
}

export interface MqadminOptions {
    /** Kill the call after this long; mqadmin has no overall timeout of its own. */
    timeoutMs?: number;
    /**
     * Read-only commands only: how many times to run it when a broker or name server did not answer in time
     * (mqadmin waits 3 s per request, which a busy machine can miss). Default 1.
     */
    attempts?: number;
}

/** A failure that says only that a server answered too late or not at all. Pure. */
export function transientRemotingFailure(message: string): boolean {
    return /RemotingTimeoutException|RemotingConnectException|RemotingSendRequestException/.test(message);
}

/**
 * Runs `mqadmin <args>` and returns its stdout. A non-zero exit, or a known
 * failure line on stdout (mqadmin often exits 0 after printing an exception),
 * rejects with the command and its output.
 */
export async function mqadmin(
    runtime: RocketMQRuntime,
    args: readonly string[],
    opts: MqadminOptions = {},
): Promise<string> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await mqadminOnce(runtime, args, opts);
        } catch (err) {
            if (attempt >= (opts.attempts ?? 1) || !transientRemotingFailure((err as Error).message)) {
                throw err;
            }
            // A machine busy enough to miss mqadmin's 3 s answer window is often busy for a while: back off.
            await new Promise((r) => setTimeout(r, Math.min(2000 * 2 ** (attempt - 1), 16_000)));
        }
    }
}

async function mqadminOnce(runtime: RocketMQRuntime, args: readonly string[], opts: MqadminOptions): Promise<string> {
    const userHome = path.join(cacheRoot(), "mqadmin-home", runtime.version.text);
    fs.mkdirSync(userHome, { recursive: true });
    const shown = `mqadmin ${args.join(" ")}`;
    try {
        const { stdout, stderr } = await execFileAsync("java", mqadminJavaArgs(runtime, userHome, args), {
            env: { ...process.env, ROCKETMQ_HOME: runtime.home },
            timeout: opts.timeoutMs ?? 60_000,
            killSignal: "SIGKILL",
            maxBuffer: 64 * 1024 * 1024,
        });
        const failure = mqadminFailure(stdout + "\n" + stderr);
        if (failure) {
            const output = `${stdout}\n${stderr}`.trim().split("\n").slice(-20).join("\n");
            throw new Error(`${shown} (RocketMQ ${runtime.version.text}) failed: ${failure}\n${output}`);
        }
        return stdout;
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string; killed?: boolean; message: string };
        if (e.stdout === undefined && e.stderr === undefined) {
            throw err;
        }
        const why = e.killed ? `timed out after ${(opts.timeoutMs ?? 60_000) / 1000}s` : "exited with an error";
        throw new Error(`${shown} (RocketMQ ${runtime.version.text}) ${why}:\n${`${e.stdout}\n${e.stderr}`.trim()}`, {
            cause: err,
        });
    }
}

/**
 * True once every name server in `nameServers` (`;`-separated) that answers lists `brokerName`/`brokerId` with a
 * reported version, and at least one does: the broker is registered and answering. A client asks any one of them,
 * and on a busy machine a broker's first registration can reach one name server and miss another until its next
 * heartbeat. A name server that does not answer at all is left out, so a broker can start while one is down.
 */
export async function brokerIsListed(
    runtime: RocketMQRuntime,
    nameServers: string,
    brokerName: string,
    brokerId: number,
): Promise<boolean> {
    let listedBy = 0;
    for (const address of nameServers.split(";").filter((a) => a.trim() !== "")) {
        let output: string;
        try {
            output = await mqadmin(runtime, ["clusterList", "-n", address], { timeoutMs: 30_000 });
        } catch (err) {
            if (/RemotingConnectException|connect to .* failed/i.test((err as Error).message)) {
                continue;
            }
            return false;
        }
        const rows = parseClusterList(output);
        if (!rows.some((r) => r.brokerName === brokerName && r.brokerId === brokerId && r.version !== "")) {
            return false;
        }
        listedBy++;
    }
    return listedBy > 0;
}

/** The highest commit-log offset a broker reports; master minus slave is the replication lag (4.9 and 5.x). */
export async function commitLogMaxOffset(
    runtime: RocketMQRuntime,
    nameServers: string,
    brokerAddress: string,
): Promise<number> {
    // A hung broker must not hang the caller for mqadmin's whole default timeout.
    const status = parseBrokerStatus(
        await mqadmin(runtime, ["brokerStatus", "-n", nameServers, "-b", brokerAddress], { timeoutMs: 15_000 }),
    );
    const value = Number(status.commitLogMaxOffset);
    if (!Number.isFinite(value)) {
        throw new Error(`brokerStatus of ${brokerAddress} has no commitLogMaxOffset`);
    }
    return value;
}

/** Read/write queue counts and permission of a topic on one cluster. */
export interface TopicQueues {
    readQueues: number;
    writeQueues: number;
    /** 6 = read+write, 4 = read only, 2 = write only. */
    perm: 2 | 4 | 6;
}

/**
 * `mqadmin updateTopic` on every broker of a cluster (a cluster name) or on
 * one broker (its address). The counts and perm are always passed: left out,
 * mqadmin silently uses r=w=8 and perm=6.
 */
export async function updateTopic(
    runtime: RocketMQRuntime,
    nameServers: string,
    target: string | { brokerAddress: string },
    topic: string,
    q: TopicQueues,
): Promise<string> {
    if (q.readQueues < q.writeQueues) {
        throw new Error(
            `topic ${topic}: readQueues (${q.readQueues}) below writeQueues (${q.writeQueues}) would strand messages`,
        );
    }
    const where = typeof target === "string" ? ["-c", target] : ["-b", target.brokerAddress];
    const args = ["updateTopic", "-n", nameServers, ...where, "-t", topic];
    return mqadmin(runtime, [...args, "-r", String(q.readQueues), "-w", String(q.writeQueues), "-p", String(q.perm)]);
}

/**
 * The permission each broker's queues of `topic` carry in the name servers'
 * route, by brokerName; undefined when the topic has no route. Producers
 * only write to queues whose route perm has the write bit, whatever the
 * broker itself would accept.
 */
export async function topicRoutePerms(
    runtime: RocketMQRuntime,
    nameServers: string,
    topic: string,
    opts: MqadminOptions = {},
): Promise<Map<string, number> | undefined> {
    let out: string;
    try {
        out = await mqadmin(runtime, ["topicRoute", "-n", nameServers, "-t", topic], opts);
    } catch (err) {
        if (/No topic route info|CODE: 17|TOPIC_NOT_EXIST/i.test((err as Error).message)) {
            return undefined;
        }
        throw err;
    }
    return parseQueuePerms(out);
}
