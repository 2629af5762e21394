/**
 * The seed's performance baseline (§3.1.2): RocketMQ's own benchmark
 * Producer, 1 KiB messages from 10 threads, run for a fixed time before a
 * change and again after it, and the comparison.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { resolveBenchmarkTool, RocketMQRuntime } from "./maven";
import { updateTopic } from "./mqadmin";
import { cacheRoot } from "./paths";
import { BenchmarkSettings, DEFAULT_BENCHMARK, BenchmarkResult } from "../domain/benchmarkSettings";

const PRODUCER_MAIN = "org.apache.rocketmq.example.benchmark.Producer";

const REPORT =
    /Send TPS: (\d+) \| Max RT\(ms\): (\d+) \| Average RT\(ms\):\s*([\d.]+) \| Send Failed: (\d+) \| Response Failed: (\d+)/;

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Parses the tool's one-second reports (`Current Time: … | Send TPS: … |
 * Max RT(ms): … | Average RT(ms): … | Send Failed: … | Response Failed: …`).
 * The first report is warm-up and dropped, its failures too; medians resist the machine's noise. Pure.
 */
export function parseBenchmarkReports(output: string): BenchmarkResult {
    const reports = output
        .split("\n")
        .map((l) => REPORT.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({
            tps: Number(m[1]),
            maxRt: Number(m[2]),
            avgRt: Number(m[3]),
            failed: Number(m[4]),
            respFailed: Number(m[5]),
        }));
    const measured = reports.slice(1);
    if (measured.length < 2) {
        const tail = output.trim().split("\n").slice(-5).join("\n");
        throw new Error(
            `the benchmark Producer printed ${reports.length} report(s), at least 3 are needed; its last lines:\n${tail}`,
        );
    }
    const last = reports[reports.length - 1];
    const warmUp = reports[0];
    const firstError = output
        .split("\n")
        .find((l) => /Exception/.test(l))
        ?.trim();
    return {
        ...(firstError ? { firstError: firstError.slice(0, 300) } : {}),
        samples: measured.length,
        tps: median(measured.map((r) => r.tps)),
        avgRtMs: median(measured.map((r) => r.avgRt)),
        maxRtMs: Math.max(...measured.map((r) => r.maxRt)),
        sendFailed: last.failed - warmUp.failed,
        responseFailed: last.respFailed - warmUp.respFailed,
    };
}

/** Runs the benchmark Producer against `cluster` for `settings.seconds`, creating its topic first. */
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
        "-ri",
        "1000",
    ];
    // The tool runs until stopped; JVM startup is not part of the measured window, so allow it on top.
    const output = await new Promise<string>((resolve, reject) => {
        const child = spawn("java", args, { cwd: home, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        let timer: NodeJS.Timeout | undefined;
        const stopWhenEnoughReports = setInterval(() => {
            const reports = out.split("\n").filter((l) => REPORT.test(l)).length;
            if (reports >= settings.seconds + 1 && !timer) {
                child.kill("SIGTERM");
                timer = setTimeout(() => child.kill("SIGKILL"), 5000);
            }
        }, 250);
        const hardStop = setTimeout(() => child.kill("SIGKILL"), (settings.seconds + 120) * 1000);
        child.on("error", reject);
        child.on("close", () => {
            clearInterval(stopWhenEnoughReports);
            clearTimeout(hardStop);
            if (timer) {
                clearTimeout(timer);
            }
            resolve(out);
        });
    });
    return parseBenchmarkReports(output);
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
    const minTps = baseline.tps * Math.max(0, 1 - tolerance);
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
        problems.push(
            `${after.sendFailed} sends failed${after.firstError ? ` (first error: ${after.firstError})` : ""}`,
        );
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
