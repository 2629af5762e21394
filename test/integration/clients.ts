/**
 * Real RocketMQ clients for counting tests: test/clients/MessageLoad.java,
 * compiled once against a resolved runtime's rocketmq-client jar.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { RocketMQRuntime } from "../../operations/maven";
import { compiledClasspath } from "../../operations/javaSource";
import { projectRoot } from "../../operations/paths";
import { TEST_ROUTE_REFRESH_MS } from "./support";

const execFileAsync = promisify(execFile);
const SOURCE = path.join(projectRoot(), "test", "clients", "MessageLoad.java");

export interface ProduceResult {
    /** Accepted by a broker (SEND_OK or stored with a replication/flush warning). */
    sent: number;
    ok: number;
    notOk: number;
    /** Failed after the client's own retries. */
    failed: number;
    seconds: number;
    firstFailures: string;
}

export interface ConsumeResult {
    /** Distinct keys of the run that arrived. */
    consumed: number;
    duplicates: number;
    seconds: number;
}

function clientClasspath(runtime: RocketMQRuntime): string {
    return compiledClasspath(SOURCE, runtime, "test-clients");
}

async function run(runtime: RocketMQRuntime, workDir: string, args: string[], timeoutMs: number): Promise<unknown> {
    fs.mkdirSync(workDir, { recursive: true });
    const { stdout } = await execFileAsync(
        "java",
        [
            "-Xmx256m",
            `-Duser.home=${workDir}`,
            `-DrouteRefreshMs=${TEST_ROUTE_REFRESH_MS}`,
            "-cp",
            clientClasspath(runtime),
            "MessageLoad",
            ...args,
        ],
        { cwd: workDir, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
    );
    const line = stdout
        .trim()
        .split("\n")
        .reverse()
        .find((l) => l.startsWith("{"));
    if (!line) {
        throw new Error(`MessageLoad ${args[0]} printed no result:\n${stdout}`);
    }
    return JSON.parse(line);
}

export function produce(
    runtime: RocketMQRuntime,
    workDir: string,
    nameServers: string,
    topic: string,
    runId: string,
    count: number,
    ratePerSec = 0,
    /** Above 0: 5.x timer messages, delivered this long after their send. */
    deliverAfterMs = 0,
    /** Above 0: scheduled messages at this delay level. */
    delayLevel = 0,
): Promise<ProduceResult> {
    const args = [
        "produce",
        nameServers,
        topic,
        runId,
        String(count),
        String(ratePerSec),
        String(deliverAfterMs),
        String(delayLevel),
    ];
    return run(runtime, workDir, args, 15 * 60_000) as Promise<ProduceResult>;
}

export function consume(
    runtime: RocketMQRuntime,
    workDir: string,
    nameServers: string,
    topic: string,
    group: string,
    runId: string,
    expected: number,
    timeoutSec: number,
): Promise<ConsumeResult> {
    const args = ["consume", nameServers, topic, group, runId, String(expected), String(timeoutSec)];
    return run(runtime, workDir, args, (timeoutSec + 120) * 1000) as Promise<ConsumeResult>;
}

/** Keys sent by a run but never consumed by `group`: what a loss would be. */
export function missingKeys(workDir: string, runId: string, group: string): string[] {
    const read = (f: string) => new Set(fs.readFileSync(path.join(workDir, f), "utf8").split("\n").filter(Boolean));
    const consumed = read(`${runId}.${group}.consumed`);
    return [...read(`${runId}.sent`)].filter((k) => !consumed.has(k));
}

/** When each accepted send of a run returned (epoch ms), in the order sent. */
export function sendTimes(workDir: string, runId: string): number[] {
    return fs
        .readFileSync(path.join(workDir, `${runId}.sent-at`), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => Number(line.split(",")[0]));
}
