/**
 * The traffic side of blue-green on the local stack, through the real CLI:
 * - a stage bump: `pulumi up` with only trafficWeight changed (0→10→30→50);
 * - a rollback from 50: `npm run rollback` (infra side), and from its start
 *   until the last send that reaches green, with one producer and one consumer
 *   running throughout;
 * - the RSS of the whole stack (every JVM of both colours and the name servers).
 * ROUNDS times the sequence 0→10→30→50→rollback; prints medians as Markdown.
 *
 * Usage: node -r ts-node/register/transpile-only bench/traffic.ts [ROUNDS=3]
 */
import * as fs from "fs";
import * as path from "path";
import { resolveRuntime } from "../operations/maven";
import {
    copyProject,
    isolateStack,
    mustPulumi,
    rollout,
    stackOutputs,
    stackResources,
} from "../test/integration/support";
import { TrafficLoad } from "../test/integration/trafficLoad";
import { median } from "./observations";

function rssMb(pid: number): number {
    try {
        return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
    } catch {
        return 0;
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 3);
    const dir = copyProject();
    await isolateStack(dir, { green: true, timings: "production" });
    mustPulumi(dir, "config", "set", "--path", "topics[0].name", "BenchOrders");
    mustPulumi(dir, "config", "set", "--path", "consumerGroups[0]", "BenchReaders");
    const bumps: number[] = [];
    const rollbacks: number[] = [];
    const lastSends: number[] = [];
    let rss: number | undefined;
    let load: TrafficLoad | undefined;
    try {
        mustPulumi(dir, "up");
        const ns = String(stackOutputs(dir).nameServers);
        load = new TrafficLoad(
            await resolveRuntime("4.9.7"),
            path.join(dir, "load"),
            ns,
            "BenchOrders",
            "BenchReaders",
            1,
            1,
            50,
        );
        await sleep(15_000);
        for (let i = 0; i < rounds; i++) {
            for (const w of [10, 30, 50]) {
                mustPulumi(dir, "config", "set", "trafficWeight", String(w));
                const t0 = Date.now();
                mustPulumi(dir, "up");
                bumps.push((Date.now() - t0) / 1000);
            }
            // Every producer has the 50 % route before the rollback starts.
            await sleep(35_000);
            const t0 = Date.now();
            const r = rollout(dir, "rollback");
            if (r.status !== 0) {
                throw new Error(r.output);
            }
            rollbacks.push((Date.now() - t0) / 1000);
            await sleep(45_000);
            const toGreen = load.sends().filter((s) => s.at >= t0 && s.brokerName.startsWith("green-"));
            lastSends.push(toGreen.length > 0 ? (toGreen[toGreen.length - 1].at - t0) / 1000 : 0);
            console.error(
                `round ${i + 1}: bumps ${bumps.slice(-3).join(", ")}s; rollback ${rollbacks[i]}s; last send to green +${lastSends[i]}s`,
            );
        }
        rss = stackResources(dir)
            .filter((r) => r.type === "rocketmq:hosts:Process")
            .reduce((sum, r) => sum + rssMb(Number(r.outputs?.pid)), 0);
    } finally {
        load?.kill();
        mustPulumi(dir, "destroy");
        fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`rounds: ${rounds} (stage bumps: ${bumps.length}, rollbacks: ${rollbacks.length})`);
    console.log(
        "| stage bump `up` (s) | rollback command (s) | rollback start → last send to green (s) | stack RSS (MiB) |",
    );
    console.log("| --- | --- | --- | --- |");
    console.log(
        `| ${median(bumps).toFixed(1)} (${bumps.map((b) => b.toFixed(1)).join(", ")}) | ${median(rollbacks).toFixed(1)} ` +
            `(${rollbacks.map((b) => b.toFixed(1)).join(", ")}) | ${median(lastSends).toFixed(1)} ` +
            `(${lastSends.map((b) => b.toFixed(1)).join(", ")}) | ${rss?.toFixed(0) ?? "?"} |`,
    );
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
