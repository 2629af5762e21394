/**
 * One verification pass of the seed's checks (§3.3) on the local blue cluster (4.9.7, 2 NS, 2M-2S), as the
 * Verification resource runs it: broker count and versions, replication, a send and read back on every broker
 * group, two consumer-progress samples, through one admin session. With the default settings (samples 5 s
 * apart, up to 30 s for a slave to catch up). A pass is timed without a baseline, then with the default one
 * (backup.baselineSeconds, 10 s), whose benchmark runs beside the consumer sample; the benchmark alone is timed
 * too, as a backup runs it for the baseline.
 * Prints medians over ROUNDS, every observation in brackets; the session's start is reported apart (a
 * Verification opens one per run).
 *
 * Usage: node -r ts-node/register/transpile-only bench/verificationPass.ts [ROUNDS=9]
 */
import { BenchmarkResult, clusterBenchmark, DEFAULT_BENCHMARK } from "../domain/benchmarkSettings";
import { DEFAULT_VERIFICATION } from "../domain/verificationSettings";
import { AdminSession } from "../operations/adminSession";
import { baselineCheck, measureBenchmark } from "../operations/benchmark";
import { LoadCheck, verifyCluster } from "../operations/verification";
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
        const withBaseline: number[] = [];
        const benchmarks: number[] = [];
        const measuredRuns: BenchmarkResult[] = [];
        const comparisons: string[] = [];
        try {
            const target = { nameServers: ns, clusterName: "blue", expectedVersion: "4.9.7", brokers };
            const masters = brokers.filter((b) => b.brokerId === 0);
            const settings = clusterBenchmark("blue", DEFAULT_BENCHMARK.seconds)!;
            const pass = async (loadCheck?: LoadCheck) => {
                const [ms, results] = await timed(() =>
                    verifyCluster(session, target, DEFAULT_VERIFICATION, () => {}, loadCheck),
                );
                const failed = results.filter((r) => !r.ok);
                if (failed.length > 0) {
                    throw new Error(`verification failed: ${JSON.stringify(failed)}`);
                }
                return ms;
            };
            for (let i = 0; i < rounds; i++) {
                passes.push(await pass());
            }
            // The backup's baseline, measured as a backup measures it.
            let baseline: BenchmarkResult | undefined;
            for (let i = 0; i < Math.min(3, rounds); i++) {
                const [ms, measured] = await timed(() => measureBenchmark(session, masters, ns, settings));
                benchmarks.push(ms);
                baseline = measured;
                measuredRuns.push(measured);
            }
            for (let i = 0; i < rounds; i++) {
                // A generous tolerance: this bench times the pass; backup.test.ts proves the gate.
                const check = baselineCheck(session, masters, ns, settings, baseline!, 3);
                withBaseline.push(
                    await pass(async (signal) => {
                        const result = await check(signal);
                        comparisons.push(result.detail);
                        return result;
                    }),
                );
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
            `| verification pass with the default baseline (${DEFAULT_BENCHMARK.seconds} s of sends) | ${fmt(withBaseline)} | ${rounds} | < 15 s |`,
        );
        console.log(
            `| the benchmark alone, as a backup measures its baseline | ${fmt(benchmarks)} | ${benchmarks.length} | – |`,
        );
        for (const r of measuredRuns) {
            console.log(
                `baseline run: ${r.samples} report(s), TPS ${r.tps}, average RT ${r.avgRtMs} ms, ${r.sendFailed} failed sends`,
            );
        }
        for (const c of comparisons) {
            console.log(`pass with baseline: ${c}`);
        }
    } finally {
        pulumi(dir, "destroy");
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
