/**
 * Wall time and memory of the local stack's cluster, through the real CLI.
 *
 * For each version (4.9.7 as blue, 5.5.0 shaped like green), ROUNDS times:
 * a cold `pulumi up` of the 2-NS / 2M-2S cluster (jars already cached, no
 * process running), the RSS of every JVM it started, NOCHANGE no-change
 * `pulumi up`s, then `pulumi destroy`. Prints medians as Markdown.
 *
 * Usage: node -r ts-node/register/transpile-only bench/cluster.ts [ROUNDS=3] [NOCHANGE=3]
 */
import * as fs from "fs";
import { PORT_SPAN } from "../domain/clusterPlan";
import { copyProject, freePortBlock, mustPulumi, stackResources } from "../test/integration/support";
import { median } from "./observations";

interface Round {
    upSeconds: number;
    noChangeSeconds: number[];
    rssMbByProcess: Record<string, number>;
}

function timed(fn: () => void): number {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
}

function rssMb(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function round(version: string, proxies: number, noChangeRuns: number): Promise<Round> {
    const dir = copyProject();
    const base = await freePortBlock(PORT_SPAN);
    mustPulumi(dir, "config", "set", "--path", "blue.basePort", String(base));
    mustPulumi(dir, "config", "set", "--path", "blue.version", version);
    mustPulumi(dir, "config", "set", "--path", "blue.proxies", String(proxies));
    try {
        const upSeconds = timed(() => mustPulumi(dir, "up"));
        // Let the JVMs settle after startup before reading their memory.
        await new Promise((r) => setTimeout(r, 10_000));
        const rssMbByProcess: Record<string, number> = {};
        for (const r of stackResources(dir)) {
            if (r.type === "rocketmq:hosts:Process") {
                rssMbByProcess[r.urn.split("::").pop()!] = rssMb(Number(r.outputs?.pid));
            }
        }
        const noChangeSeconds = Array.from({ length: noChangeRuns }, () => timed(() => mustPulumi(dir, "up")));
        return { upSeconds, noChangeSeconds, rssMbByProcess };
    } finally {
        mustPulumi(dir, "destroy");
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 3);
    const noChange = Number(process.argv[3] ?? 3);
    const lines: string[] = [];
    let totalRss = 0;
    for (const [version, proxies] of [
        ["4.9.7", 0],
        ["5.5.0", 1],
    ] as const) {
        const results: Round[] = [];
        for (let i = 0; i < rounds; i++) {
            results.push(await round(version, proxies, noChange));
            console.error(`${version} round ${i + 1}/${rounds}: ${JSON.stringify(results[results.length - 1])}`);
        }
        const total = median(results.map((r) => Object.values(r.rssMbByProcess).reduce((a, b) => a + b, 0)));
        totalRss += total;
        const roleMedian = (re: RegExp) =>
            median(
                results.flatMap((r) =>
                    Object.entries(r.rssMbByProcess)
                        .filter(([n]) => re.test(n))
                        .map(([, v]) => v),
                ),
            );
        lines.push(
            `| ${version} (${proxies ? "2 NS, 2M-2S, 1 proxy" : "2 NS, 2M-2S"}) | ${median(results.map((r) => r.upSeconds)).toFixed(1)} | ` +
                `${median(results.flatMap((r) => r.noChangeSeconds)).toFixed(1)} | ${total.toFixed(0)} | ` +
                `${roleMedian(/-namesrv-/).toFixed(0)} | ${roleMedian(/-broker-[a-z]-0$/).toFixed(0)} | ` +
                `${roleMedian(/-broker-[a-z]-[1-9]$/).toFixed(0)} | ${proxies ? roleMedian(/-proxy-/).toFixed(0) : "–"} |`,
        );
    }
    console.log(`rounds per version: ${rounds}; no-change ups per round: ${noChange}`);
    console.log(
        "| cluster | cold `up` s | no-change `up` s | total RSS MiB | NS RSS MiB | master RSS MiB | slave RSS MiB | proxy RSS MiB |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    lines.forEach((l) => console.log(l));
    console.log(`\nblue (4.9.7) + green (5.5.0) together: ${totalRss.toFixed(0)} MiB RSS (goal: under 8192 MiB)`);
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
