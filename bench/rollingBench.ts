/**
 * The rolling path on the local stack (2 NS, 2M-2S, SYNC_MASTER), through
 * the real CLI, with 5 producers (20 msg/s each) and 3 consumers running:
 * - roll time: the whole `pulumi up` (name servers, preflight backup, the
 *   four brokers, backup and verification after), and the brokers' turns
 *   alone (the sum of each broker's step times, from its `lastRoll`);
 * - the longest window in which a broker group took no write, from the
 *   producers' own send log, and each master's write-blocked time as the
 *   roll saw it (write permission taken away until given back);
 * - send latency p50/p99 (retries included) during each roll, against the
 *   60 s before the first one.
 * ROUNDS times 4.9.7 → 5.5.0 → 4.9.7 (name servers kept on 5.5.0 after the
 * first roll); prints medians as Markdown, every observation in brackets.
 *
 * Usage: node -r ts-node/register/transpile-only bench/rollingBench.ts [ROUNDS=2]
 */
import * as path from "path";
import { resolveRuntime } from "../operations/maven";
import { updateTopic } from "../operations/mqadmin";
import type { RollReport } from "../domain/rollSettings";
import { copyProject, isolateStack, mustPulumi, stackOutputs, stackResources } from "../test/integration/support";
import { Send, TrafficLoad } from "../test/integration/trafficLoad";

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function percentile(xs: number[], p: number): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** The longest stretch (ms) in [from, to) without a send to `brokerName`, edges included. */
function longestGap(sends: readonly Send[], brokerName: string, from: number, to: number): number {
    const at = [
        from,
        ...sends.filter((s) => s.brokerName === brokerName && s.at >= from && s.at < to).map((s) => s.at),
        to,
    ];
    at.sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < at.length; i++) {
        gap = Math.max(gap, at[i] - at[i - 1]);
    }
    return gap;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Roll {
    direction: string;
    upSeconds: number;
    brokerTurnSeconds: number;
    masterWriteBlocked: number[];
    longestGapSeconds: number;
    p50: number;
    p99: number;
}

async function roll(dir: string, load: TrafficLoad, version: string): Promise<Roll> {
    mustPulumi(dir, "config", "set", "--path", "blue.version", version);
    const began = Date.now();
    mustPulumi(dir, "up");
    const ended = Date.now();
    const reports = stackResources(dir)
        .filter((r) => r.type === "rocketmq:local:Process" && r.urn.includes("-broker-"))
        .map((r) => r.outputs?.lastRoll as RollReport);
    const sends = load.sends().filter((s) => s.at >= began && s.at < ended);
    const latencies = sends.map((s) => s.latencyMs);
    return {
        direction: `→ ${version}`,
        upSeconds: (ended - began) / 1000,
        brokerTurnSeconds: reports.reduce((sum, r) => sum + r.steps.reduce((a, s) => a + s.seconds, 0), 0),
        masterWriteBlocked: reports.filter((r) => r.broker.endsWith("/0")).map((r) => r.writeBlockedSeconds ?? NaN),
        longestGapSeconds: Math.max(...["blue-a", "blue-b"].map((g) => longestGap(sends, g, began, ended))) / 1000,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
    };
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 2);
    const dir = copyProject();
    await isolateStack(dir, { green: false, timings: "production" });
    mustPulumi(dir, "config", "set", "strategy", "rolling");
    mustPulumi(dir, "config", "set", "--path", "backup.baselineSeconds", "0");
    let load: TrafficLoad | undefined;
    const rolls: Roll[] = [];
    try {
        mustPulumi(dir, "up");
        const ns = String(stackOutputs(dir).nameServers);
        await updateTopic(await resolveRuntime("4.9.7"), ns, "blue", "BenchRoll", {
            readQueues: 4,
            writeQueues: 4,
            perm: 6,
        });
        load = new TrafficLoad(
            await resolveRuntime("5.5.0"),
            path.join(dir, "load"),
            ns,
            "BenchRoll",
            "BenchRollReaders",
            5,
            3,
            20,
        );
        await sleep(20_000);
        const quietFrom = Date.now();
        await sleep(60_000);
        const before = load
            .sends()
            .filter((s) => s.at >= quietFrom)
            .map((s) => s.latencyMs);
        for (let i = 0; i < rounds; i++) {
            for (const version of ["5.5.0", "4.9.7"]) {
                const r = await roll(dir, load, version);
                rolls.push(r);
                console.error(JSON.stringify(r));
                // The name servers stay on 5.x once 5.x brokers exist (they take 4.9 brokers too).
                mustPulumi(dir, "config", "set", "--path", "nameServer.version", "5.5.0");
            }
        }
        await load.stopProducers();
        const result = await load.drainAndStop(300_000);
        const all = load.sends().length;
        const fmt = (xs: number[], digits = 1) =>
            `${median(xs).toFixed(digits)} (${xs.map((x) => x.toFixed(digits)).join(", ")})`;
        console.log(
            `before the rolls: send latency p50 ${percentile(before, 50)} ms, p99 ${percentile(before, 99)} ms`,
        );
        console.log(
            "| roll | `up` (s) | brokers' turns (s) | master write-blocked (s) | longest group gap (s) | send p50 (ms) | send p99 (ms) |",
        );
        console.log("| --- | --- | --- | --- | --- | --- | --- |");
        for (const direction of ["→ 5.5.0", "→ 4.9.7"]) {
            const rs = rolls.filter((r) => r.direction === direction);
            console.log(
                `| ${direction === "→ 5.5.0" ? "4.9.7" : "5.5.0"} ${direction} | ${fmt(rs.map((r) => r.upSeconds))} | ${fmt(rs.map((r) => r.brokerTurnSeconds))} | ` +
                    `${fmt(rs.flatMap((r) => r.masterWriteBlocked))} | ${fmt(rs.map((r) => r.longestGapSeconds))} | ` +
                    `${fmt(
                        rs.map((r) => r.p50),
                        0,
                    )} | ${fmt(
                        rs.map((r) => r.p99),
                        0,
                    )} |`,
            );
        }
        console.log(
            `messages: sent ${all}, consumed ${result.consumed}, failed after retries ${result.failed}` +
                `${result.consumed === all ? "" : " — LOST MESSAGES"}`,
        );
    } finally {
        load?.kill();
        mustPulumi(dir, "destroy");
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
