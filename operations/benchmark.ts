/**
 * The seed's performance baseline (§3.1.2): RocketMQ's own benchmark
 * Producer, 1 KiB messages from 10 threads, run for a fixed time before a
 * change and again after it, and the comparison.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { resolveBenchmarkTool } from "./maven";
import { cacheRoot } from "./paths";
import { TopicAdmin, TopicMaster, topicOnMasters } from "./topicOnMasters";
import { BenchmarkSettings, BenchmarkResult } from "../domain/benchmarkSettings";
import type { CheckResult } from "../domain/verificationSettings";

const PRODUCER_MAIN = "org.apache.rocketmq.example.benchmark.Producer";

const REPORT =
    /Send TPS: (\d+) \| Max RT\(ms\): (\d+) \| Average RT\(ms\):\s*([\d.]+) \| Send Failed: (\d+) \| Response Failed: (\d+)/;

/**
 * The tool snapshots its counters every second and reports only once it holds ten snapshots, each report covering
 * the nine seconds back to its oldest one: the first report comes 10 s after the threads start. Reports are asked
 * for every second (`-ri 1000`), so a run of `seconds` needs this many. Pure.
 */
export function reportsFor(seconds: number): number {
    return Math.max(1, Math.ceil(seconds) - 9);
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Parses the tool's reports (`Current Time: … | Send TPS: … | Max RT(ms): … | Average RT(ms): … | Send Failed: … |
 * Response Failed: …`). Every report counts: the first one's window already starts a second after the threads did,
 * past the producer's start. The failure counters are the tool's own, cumulative from its first send: with the
 * topic routed before the tool starts, a first send has nothing to learn and fails only for a reason. Medians resist
 * the machine's noise. Pure.
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
    if (reports.length === 0) {
        const tail = output.trim().split("\n").slice(-5).join("\n");
        throw new Error(`the benchmark Producer printed no report; its last lines:\n${tail}`);
    }
    const last = reports[reports.length - 1];
    const firstError = output
        .split("\n")
        .find((l) => /Exception/.test(l))
        ?.trim();
    return {
        ...(firstError ? { firstError: firstError.slice(0, 300) } : {}),
        samples: reports.length,
        tps: median(reports.map((r) => r.tps)),
        avgRtMs: median(reports.map((r) => r.avgRt)),
        maxRtMs: Math.max(...reports.map((r) => r.maxRt)),
        sendFailed: last.failed,
        responseFailed: last.respFailed,
    };
}

/**
 * Runs the benchmark Producer on `nameServers` until it has sent for `settings.seconds` (at least the 10 s its first
 * report takes), on a topic the caller has routed. `signal` stops it early, failing the run.
 */
async function runProducerBenchmark(
    nameServers: string,
    settings: BenchmarkSettings,
    signal?: AbortSignal,
): Promise<BenchmarkResult> {
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
    const needed = reportsFor(settings.seconds);
    // The tool runs until stopped; JVM startup is not part of the measured window, so allow it on top.
    const output = await new Promise<string>((resolve, reject) => {
        if (signal?.aborted) {
            reject(new Error("the benchmark was stopped before it started"));
            return;
        }
        const child = spawn("java", args, { cwd: home, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        let timer: NodeJS.Timeout | undefined;
        const stop = () => {
            if (!timer) {
                child.kill("SIGTERM");
                timer = setTimeout(() => child.kill("SIGKILL"), 5000);
            }
        };
        const onAbort = () => stop();
        signal?.addEventListener("abort", onAbort);
        const stopWhenEnoughReports = setInterval(() => {
            if (out.split("\n").filter((l) => REPORT.test(l)).length >= needed) {
                stop();
            }
        }, 250);
        const hardStop = setTimeout(() => child.kill("SIGKILL"), (Math.max(10, settings.seconds) + 120) * 1000);
        child.on("error", reject);
        child.on("close", () => {
            clearInterval(stopWhenEnoughReports);
            clearTimeout(hardStop);
            signal?.removeEventListener("abort", onAbort);
            if (timer) {
                clearTimeout(timer);
            }
            if (signal?.aborted) {
                reject(new Error("the benchmark was stopped before its reports were in"));
            } else {
                resolve(out);
            }
        });
    });
    return parseBenchmarkReports(output);
}

/**
 * The seed's benchmark on one cluster: its topic (4 write queues on each master) routed first, then the tool.
 * The same for a baseline and for the run compared with it.
 */
export async function measureBenchmark(
    admin: TopicAdmin,
    masters: readonly TopicMaster[],
    nameServers: string,
    settings: BenchmarkSettings,
    signal?: AbortSignal,
): Promise<BenchmarkResult> {
    const perms = await topicOnMasters(admin, masters, {
        topicName: settings.topic,
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
    });
    const unwritable = masters.filter((m) => ((perms.get(m.brokerName) ?? 0) & 2) === 0);
    if (unwritable.length > 0) {
        throw new Error(
            `topic ${settings.topic} is not writable on ${unwritable.map((m) => `${m.brokerName} (route perm ${perms.get(m.brokerName) ?? "none"})`).join(", ")}`,
        );
    }
    return runProducerBenchmark(nameServers, settings, signal);
}

/**
 * The baseline check of a verification: the benchmark again, compared with `baseline`. Resolves to the check's
 * result whatever happens, a run that did not complete included.
 */
export function baselineCheck(
    admin: TopicAdmin,
    masters: readonly TopicMaster[],
    nameServers: string,
    settings: BenchmarkSettings,
    baseline: BenchmarkResult,
    tolerance: number,
): (signal: AbortSignal) => Promise<CheckResult> {
    return async (signal) => {
        try {
            const after = await measureBenchmark(admin, masters, nameServers, settings, signal);
            return { check: "baseline", ...compareToBaseline(baseline, after, tolerance) };
        } catch (err) {
            return {
                check: "baseline",
                ok: false,
                detail: `the benchmark did not complete: ${(err as Error).message}`,
            };
        }
    };
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
