/**
 * The seed's performance baseline (§3.1.2): RocketMQ's own benchmark
 * Producer, 1 KiB messages from 10 threads, run for a fixed number of
 * messages before a change and again after it, and the comparison.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { resolveBenchmarkTool, RocketMQRuntime } from "./maven";
import { updateTopic } from "./mqadmin";
import { cacheRoot } from "./paths";

const execFileAsync = promisify(execFile);
const PRODUCER_MAIN = "org.apache.rocketmq.example.benchmark.Producer";

export interface BenchmarkSettings {
    /** Messages per run: the tool stops after this many. */
    messages: number;
    /** Sending threads; the seed's baseline uses 10. */
    threads: number;
    /** Message body size in bytes; the seed uses 1024. */
    messageBytes: number;
    /** The topic the benchmark writes to on the cluster. */
    topic: string;
}

export const DEFAULT_BENCHMARK: BenchmarkSettings = {
    messages: 5000,
    threads: 10,
    messageBytes: 1024,
    topic: "RMQ_UPGRADE_BENCH",
};

export interface BenchmarkResult {
    sent: number;
    tps: number;
    maxRtMs: number;
    avgRtMs: number;
    sendFailed: number;
    responseFailed: number;
}

/** Parses the tool's `[Complete] Send Total: … | Send TPS: … | Max RT(ms): … | Average RT(ms): …` line. Pure. */
export function parseBenchmarkOutput(output: string): BenchmarkResult {
    const m =
        /\[Complete\] Send Total: (\d+) \| Send TPS: (\d+) \| Max RT\(ms\): (\d+) \| Average RT\(ms\):\s*([\d.]+) \| Send Failed: (\d+) \| Response Failed: (\d+)/.exec(
            output,
        );
    if (!m) {
        const tail = output.trim().split("\n").slice(-5).join("\n");
        throw new Error(`the benchmark Producer printed no [Complete] summary; its last lines:\n${tail}`);
    }
    return {
        sent: Number(m[1]),
        tps: Number(m[2]),
        maxRtMs: Number(m[3]),
        avgRtMs: Number(m[4]),
        sendFailed: Number(m[5]),
        responseFailed: Number(m[6]),
    };
}

/** Runs the benchmark Producer against `cluster` through `nameServers`, creating its topic first. */
export async function runProducerBenchmark(
    serverRuntime: RocketMQRuntime,
    nameServers: string,
    cluster: string,
    settings: BenchmarkSettings = DEFAULT_BENCHMARK,
): Promise<BenchmarkResult> {
    await updateTopic(serverRuntime, nameServers, cluster, settings.topic, { readQueues: 4, writeQueues: 4, perm: 6 });
    const tool = await resolveBenchmarkTool();
    const home = path.join(cacheRoot(), "benchmark-home");
    fs.mkdirSync(home, { recursive: true });
    const args = [
        "-Xms256m",
        "-Xmx256m",
        `-Duser.home=${home}`,
        "-cp",
        tool.classpath,
        PRODUCER_MAIN,
        "-n",
        nameServers,
        "-t",
        settings.topic,
        "-s",
        String(settings.messageBytes),
        "-w",
        String(settings.threads),
        "-q",
        String(settings.messages),
        "-ri",
        "5000",
    ];
    const { stdout } = await execFileAsync("java", args, { timeout: 10 * 60_000, maxBuffer: 16 << 20, cwd: home });
    return parseBenchmarkOutput(stdout);
}

export interface BaselineComparison {
    ok: boolean;
    detail: string;
    numbers: Record<string, number>;
}

/**
 * After must reach baseline TPS × (1 − tolerance) and stay within average
 * latency × (1 + tolerance). A negative tolerance demands an improvement,
 * which is how the gate itself is tested. Pure.
 */
export function compareToBaseline(
    baseline: BenchmarkResult,
    after: BenchmarkResult,
    tolerance: number,
): BaselineComparison {
    const minTps = baseline.tps * (1 - tolerance);
    const maxRt = baseline.avgRtMs * (1 + tolerance);
    const problems: string[] = [];
    if (after.tps < minTps) {
        problems.push(`TPS ${after.tps} below ${minTps.toFixed(0)} (baseline ${baseline.tps}, tolerance ${tolerance})`);
    }
    if (after.avgRtMs > maxRt) {
        problems.push(
            `average RT ${after.avgRtMs} ms above ${maxRt.toFixed(3)} ms (baseline ${baseline.avgRtMs} ms, tolerance ${tolerance})`,
        );
    }
    if (after.sendFailed > 0) {
        problems.push(`${after.sendFailed} sends failed`);
    }
    return {
        ok: problems.length === 0,
        detail:
            problems.length === 0
                ? `TPS ${after.tps} vs baseline ${baseline.tps}, average RT ${after.avgRtMs} ms vs ${baseline.avgRtMs} ms (tolerance ${tolerance})`
                : problems.join("; "),
        numbers: {
            baselineTps: baseline.tps,
            tps: after.tps,
            baselineAvgRtMs: baseline.avgRtMs,
            avgRtMs: after.avgRtMs,
            tolerance,
        },
    };
}
