/**
 * What the stranded-message gate and the metadata comparison add, on the
 * local blue cluster (4.9.7, 2 NS, 2M-2S) holding real pending work from the
 * tests' PendingLoad client: 200 messages delayed at level 8 (4 minutes), 10
 * open transactions and 10 messages its consumer fails (waiting as retries).
 *
 * - retirement: one pass of the extended gate over both masters (scheduled,
 *   half, timer and dead-letter counts, `countStranded`), as the DrainCheck
 *   runs it on each poll;
 * - a roll turn: what a turn adds, two metadata records of all four brokers
 *   and their comparison (before the broker goes down and after its turn).
 *
 * Both through one admin session, as the provider runs them; the session's
 * start is reported apart (a DrainCheck and a turn each open one anyway).
 * Prints medians over ROUNDS, every observation in brackets.
 *
 * Usage: node -r ts-node/register/transpile-only bench/gates.ts [ROUNDS=9]
 */
import * as path from "path";
import { AdminSession } from "../operations/adminSession";
import { metadataRegressions, recordMetadata } from "../operations/brokerMetadata";
import { resolveRuntime } from "../operations/maven";
import { updateTopic } from "../operations/mqadmin";
import { countStranded } from "../operations/strandedMessages";
import { copyProject, isolateStack, mustPulumi, pulumi, stackOutputs } from "../test/integration/support";
import { PendingLoad } from "../test/integration/trafficLoad";
import { median, timed } from "./observations";

const fmt = (xs: number[]) => `${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(", ")})`;

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 9);
    const dir = copyProject();
    await isolateStack(dir, { green: false, timings: "production" });
    mustPulumi(dir, "config", "set", "--path", "backup.baselineSeconds", "0");
    let pending: PendingLoad | undefined;
    try {
        mustPulumi(dir, "up");
        const ns = String(stackOutputs(dir).nameServers);
        const runtime = await resolveRuntime("5.5.0");
        await updateTopic(await resolveRuntime("4.9.7"), ns, "blue", "BenchGate", {
            readQueues: 4,
            writeQueues: 4,
            perm: 6,
        });
        pending = new PendingLoad(runtime, path.join(dir, "pending"), ns, "BenchGate", "BenchGateReaders", {
            delayed: 200,
            delayLevel: 8,
            transactions: 10,
            retried: 10,
            retryLevel: 4,
        });
        await pending.sent(120_000);
        const [sessionMs, session] = await timed(() => AdminSession.open(ns));
        try {
            const cluster = (await session.cluster()).filter((b) => b.cluster === "blue");
            const masters = cluster.filter((b) => b.brokerId === 0);
            const gate: number[] = [];
            const turn: number[] = [];
            let scheduled = 0;
            for (let i = 0; i < rounds; i++) {
                const [g, counts] = await timed(() => Promise.all(masters.map((m) => countStranded(session, m))));
                gate.push(g);
                scheduled = counts.reduce((n, c) => n + c.scheduled.reduce((k, l) => k + l.pending, 0), 0);
                const [t] = await timed(async () => {
                    const before = await recordMetadata(session, cluster);
                    const after = await recordMetadata(session, cluster);
                    return metadataRegressions(before, after, { queueShapesMayChange: false });
                });
                turn.push(t);
            }
            console.log(`blue: ${cluster.length} brokers, ${scheduled} scheduled message(s) pending while measured`);
            console.log("| what | median | runs | goal |");
            console.log("| --- | --- | --- | --- |");
            console.log(`| admin session start (once per DrainCheck or turn) | ${sessionMs.toFixed(0)} ms | 1 | – |`);
            console.log(`| retirement gate, one pass over both masters | ${fmt(gate)} | ${rounds} | < 2 s |`);
            console.log(`| one roll turn's metadata records and comparison | ${fmt(turn)} | ${rounds} | < 2 s |`);
        } finally {
            await session.close();
        }
    } finally {
        pending?.kill();
        pulumi(dir, "destroy");
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
