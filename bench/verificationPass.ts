/**
 * One verification pass of the seed's checks (§3.3) on the local blue cluster (4.9.7, 2 NS, 2M-2S), as the
 * Verification resource runs it: broker count and versions, replication, a send and read back on every broker
 * group, two consumer-progress samples, through one admin session. With the default settings (samples 5 s
 * apart, up to 30 s for a slave to catch up). The benchmark run is timed apart: it belongs to a pass only when a
 * baseline is configured (backup.baselineSeconds, 10 s by default).
 * Prints medians over ROUNDS, every observation in brackets; the session's start is reported apart (a
 * Verification opens one per run).
 *
 * Usage: node -r ts-node/register/transpile-only bench/verificationPass.ts [ROUNDS=9]
 */
import { DEFAULT_BENCHMARK } from "../domain/benchmarkSettings";
import { DEFAULT_VERIFICATION } from "../domain/verificationSettings";
import { AdminSession } from "../operations/adminSession";
import { runProducerBenchmark } from "../operations/benchmark";
import { resolveRuntime } from "../operations/maven";
import { verifyCluster } from "../operations/verification";
import { copyProject, isolateStack, mustPulumi, pulumi, stackOutputs } from "../test/integration/support";
import { median, timed } from "./observations";

const fmt = (xs: number[]) =>
    `${(median(xs) / 1000).toFixed(1)} s (${xs.map((x) => (x / 1000).toFixed(1)).join(", ")})`;

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 9);
    const dir = copyProject();
    await isolateStack(dir, { green: false, timings: "production" });
    mustPulumi(dir, "config", "set", "--path", "backup.baselineSeconds", "0");
    try {
        mustPulumi(dir, "up");
        const outputs = stackOutputs(dir);
        const ns = String(outputs.nameServers);
        const brokers = Object.values(
            outputs.blueBrokers as Record<string, { address: string; brokerName: string; brokerId: number }[]>,
        ).flat();
        const [sessionMs, session] = await timed(() => AdminSession.open(ns));
        const passes: number[] = [];
        const benchmarks: number[] = [];
        try {
            const target = { nameServers: ns, clusterName: "blue", expectedVersion: "4.9.7", brokers };
            for (let i = 0; i < rounds; i++) {
                const [ms, results] = await timed(() => verifyCluster(session, target, DEFAULT_VERIFICATION));
                const failed = results.filter((r) => !r.ok);
                if (failed.length > 0) {
                    throw new Error(`verification failed: ${JSON.stringify(failed)}`);
                }
                passes.push(ms);
            }
            const runtime = await resolveRuntime("4.9.7");
            for (let i = 0; i < Math.min(3, rounds); i++) {
                const [ms] = await timed(() => runProducerBenchmark(runtime, ns, "blue", DEFAULT_BENCHMARK));
                benchmarks.push(ms);
            }
        } finally {
            await session.close();
        }
        console.log(
            `blue: ${brokers.length} brokers; ${DEFAULT_VERIFICATION.consumerSampleSeconds} s between consumer samples`,
        );
        console.log("| what | median | runs | goal |");
        console.log("| --- | --- | --- | --- |");
        console.log(`| admin session start (once per Verification) | ${(sessionMs / 1000).toFixed(1)} s | 1 | – |`);
        console.log(`| verification pass, no baseline configured | ${fmt(passes)} | ${rounds} | < 15 s |`);
        console.log(
            `| the benchmark run a configured baseline adds (${DEFAULT_BENCHMARK.seconds} s of sends) | ${fmt(benchmarks)} | ${benchmarks.length} | – |`,
        );
    } finally {
        pulumi(dir, "destroy");
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
