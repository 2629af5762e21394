/**
 * The rolling path through the real CLI (2 NS, 2M-2S, SYNC_MASTER, no proxy), with 5 producers (20 msg/s each)
 * and 3 consumers running:
 * - roll time: the whole `pulumi up` (preflight backup, the four brokers, backup and verification after), and the
 *   brokers' turns alone (the sum of each broker's step times, from its `lastRoll`);
 * - the longest window in which a broker group took no write, from the producers' own send log, and each master's
 *   write-blocked time as the roll saw it (write permission taken away until given back);
 * - send latency p50/p99 (retries included) during each roll, against the 60 s before the first one.
 * ROUNDS times 4.9.7 → 5.5.0 → 4.9.7, the name servers on 5.5.0 from the start (the runbook's first step), so a
 * roll is the brokers' alone; prints medians as Markdown, every observation in brackets. Round i's `up`s start
 * i/ROUNDS of the way into the producers' 30 s route refresh period, the same phases on both platforms.
 *
 * PLATFORM "local" runs the cluster on this machine's loopback; "hosts" on six namespace hosts over SSH (one server
 * per host at RocketMQ's default ports, test/integration/namespaceHosts.ts); "both" runs local, then hosts, with the
 * same settings, and prints each roll's ratio hosts / local.
 *
 * Usage: node -r ts-node/register/transpile-only bench/rollingBench.ts [ROUNDS=2] [PLATFORM=local|hosts|both]
 */
import * as fs from "fs";
import * as path from "path";
import { resolveRuntime } from "../operations/maven";
import { updateTopic } from "../operations/mqadmin";
import type { RollReport } from "../domain/rollSettings";
import { writeStack } from "../test/integration/handMadeCluster";
import { NamespaceHosts } from "../test/integration/namespaceHosts";
import {
    copyProject,
    isolateStack,
    mustPulumi,
    pulumi,
    stackOutputs,
    stackResources,
} from "../test/integration/support";
import { CLIENT_DEFAULT_ROUTE_REFRESH_MS, Send, TrafficLoad } from "../test/integration/trafficLoad";
import { median } from "./observations";

type Platform = "local" | "hosts";

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

/**
 * When the producers' route refreshes tick: each producer's client polls the name servers at a fixed rate from its
 * start, so its first send marks its phase. The latest producer's is the one a master's wait for writes to stop
 * ends on. Pure.
 */
function refreshEpoch(sends: readonly Send[]): number {
    const first = new Map<string, number>();
    for (const s of sends) {
        const producer = s.key.replace(/-\d+$/, "");
        first.set(producer, Math.min(first.get(producer) ?? Infinity, s.at));
    }
    return Math.max(...first.values());
}

/** How long to wait from `now` until `offsetMs` into a refresh period that began at `epoch`. Pure. */
function untilPhase(now: number, epoch: number, offsetMs: number): number {
    const period = CLIENT_DEFAULT_ROUTE_REFRESH_MS;
    return (((offsetMs - (now - epoch)) % period) + period) % period;
}

interface Roll {
    direction: string;
    upSeconds: number;
    brokerTurnSeconds: number;
    masterWriteBlocked: number[];
    longestGapSeconds: number;
    p50: number;
    p99: number;
    /** Seconds per step of the turns, summed over the brokers of each role ("master stop", "slave start", …). */
    steps: Record<string, number>;
    /** Each resource's own time in the `up`, as the CLI printed it ("created (25s)"), by "type name". */
    resources: Record<string, number>;
}

/**
 * The seconds the CLI printed for each resource once its step finished (`rocketmq:local:Backup blue-pre-roll-backup
 * created (25s)`, or `updated (61s) [diff: ~version]`), by "type name". Resources run side by side, so these overlap
 * and do not add up to the `up`. Pure.
 */
function resourceSeconds(output: string): Record<string, number> {
    const seconds: Record<string, number> = {};
    const line =
        /^[\s+~-]*([\w-]+:[\w-]+:[\w-]+)\s+(\S+)\s+(?:created|updated|replaced|deleted|read)[\w ]*\((\d+)s\)/gm;
    for (const m of output.matchAll(line)) {
        seconds[`${m[1]} ${m[2]}`] = Number(m[3]);
    }
    return seconds;
}

/** Each turn's step times, summed per role and action: where a roll's time goes. Pure. */
function stepTotals(reports: readonly RollReport[]): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const r of reports) {
        const role = r.broker.endsWith("/0") ? "master" : "slave";
        for (const step of r.steps) {
            const key = `${role} ${step.action}`;
            totals[key] = (totals[key] ?? 0) + step.seconds;
        }
    }
    return totals;
}

async function roll(dir: string, load: TrafficLoad, version: string): Promise<Roll> {
    mustPulumi(dir, "config", "set", "--path", "blue.version", version);
    const began = Date.now();
    const output = mustPulumi(dir, "up");
    const ended = Date.now();
    // Kept beside the stack (test-output/), for reading a resource's progress lines after the run.
    fs.writeFileSync(path.join(dir, `up-${version}-${began}.log`), output);
    const reports = stackResources(dir)
        .filter((r) => /^rocketmq:(local|hosts):Process$/.test(r.type) && r.urn.includes("-broker-"))
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
        steps: stepTotals(reports),
        resources: resourceSeconds(output),
    };
}

/** What both platforms' stacks share: the settings a roll's time depends on. */
const SHARED = {
    strategy: "rolling",
    nameServer: { count: 2, version: "5.5.0" },
    backup: { baselineSeconds: 0 },
};
const BLUE = { version: "4.9.7", clusterName: "blue", proxies: 0, brokerConfig: { waitTimeMillsInSendQueue: 3000 } };

interface Cluster {
    dir: string;
    nameServers(): string;
    tearDown(): void;
}

/** The 2-NS 2M-2S cluster at 4.9.7 on this machine's loopback, as the local stack lays it out. */
async function localCluster(): Promise<Cluster> {
    const dir = copyProject();
    await isolateStack(dir, { green: false, timings: "production" });
    mustPulumi(dir, "config", "set", "strategy", SHARED.strategy);
    mustPulumi(dir, "config", "set", "--path", "nameServer.version", SHARED.nameServer.version);
    mustPulumi(dir, "config", "set", "--path", "backup.baselineSeconds", "0");
    mustPulumi(dir, "config", "set", "--path", "blue.proxies", "0");
    mustPulumi(dir, "config", "set", "--path", "blue.brokerConfig.waitTimeMillsInSendQueue", "3000");
    mustPulumi(dir, "up");
    return { dir, nameServers: () => String(stackOutputs(dir).nameServers), tearDown: () => pulumi(dir, "destroy") };
}

/** The same cluster on six namespace hosts over SSH: each server on its own host at RocketMQ's default ports. */
async function hostsCluster(): Promise<Cluster> {
    const names = ["ns1", "ns2", "b1", "b2", "b3", "b4"];
    const hosts = await NamespaceHosts.create(names);
    let dir: string | undefined;
    try {
        dir = copyProject();
        const host = (h: string) => ({
            address: hosts.host(h).address,
            hostKey: hosts.host(h).hostKeyFingerprint,
            releaseRoot: "/opt",
            dataRoot: "/srv/rocketmq",
        });
        writeStack(
            dir,
            {
                platform: "hosts",
                ...SHARED,
                hosts: Object.fromEntries(names.map((h) => [h, host(h)])),
                placement: {
                    nameServers: ["ns1", "ns2"],
                    blue: { brokers: { "a-0": "b1", "a-1": "b2", "b-0": "b3", "b-1": "b4" } },
                },
                blue: BLUE,
            },
            hosts.privateKey,
        );
        mustPulumi(dir, "up", "--yes", "--skip-preview");
    } catch (err) {
        if (dir) {
            pulumi(dir, "destroy", "--yes", "--skip-preview");
        }
        hosts.destroy();
        throw err;
    }
    const stackDir = dir;
    return {
        dir: stackDir,
        nameServers: () => ["ns1", "ns2"].map((h) => `${hosts.host(h).address}:9876`).join(";"),
        tearDown: () => {
            pulumi(stackDir, "destroy", "--yes", "--skip-preview");
            hosts.destroy();
        },
    };
}

const fmt = (xs: number[], digits = 1) =>
    `${median(xs).toFixed(digits)} [${xs.map((x) => x.toFixed(digits)).join(", ")}]`;

/** ROUNDS of 4.9.7 → 5.5.0 → 4.9.7 on one platform under the load, printed as a Markdown table. */
async function bench(platform: Platform, rounds: number): Promise<Roll[]> {
    const cluster = platform === "local" ? await localCluster() : await hostsCluster();
    let load: TrafficLoad | undefined;
    const rolls: Roll[] = [];
    try {
        const ns = cluster.nameServers();
        await updateTopic(await resolveRuntime("4.9.7"), ns, "blue", "BenchRoll", {
            readQueues: 4,
            writeQueues: 4,
            perm: 6,
        });
        load = new TrafficLoad(
            await resolveRuntime("5.5.0"),
            path.join(cluster.dir, "load"),
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
        const epoch = refreshEpoch(load.sends());
        for (let i = 0; i < rounds; i++) {
            for (const version of ["5.5.0", "4.9.7"]) {
                // Round i starts its up i/ROUNDS of the way into the producers' refresh period, on both platforms:
                // a master waits for the producers' next refresh, and an up that always began at the same phase
                // (its start is fixed by the bench's own sleeps) would give each platform one phase, lucky or not.
                const offset = (i * CLIENT_DEFAULT_ROUTE_REFRESH_MS) / rounds;
                await sleep(untilPhase(Date.now(), epoch, offset));
                console.error(
                    `[${platform}] round ${i + 1} of ${rounds}: → ${version}, ${offset / 1000}s into the refresh period`,
                );
                const r = await roll(cluster.dir, load, version);
                rolls.push(r);
                console.error(JSON.stringify(r));
            }
        }
        await load.stopProducers();
        const result = await load.drainAndStop(300_000);
        const all = load.sends().length;
        console.log(
            `\n${platform}: before the rolls, send latency p50 ${percentile(before, 50)} ms, p99 ${percentile(before, 99)} ms`,
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
        if (result.consumed !== all || result.failed !== 0) {
            throw new Error(`${platform}: ${all - result.consumed} message(s) lost, ${result.failed} send(s) failed`);
        }
        return rolls;
    } finally {
        load?.kill();
        cluster.tearDown();
    }
}

/** One Markdown row per key of `of` and roll direction: local, hosts and the difference of their medians. */
function printComparison(
    results: Map<Platform, Roll[]>,
    title: string,
    column: string,
    of: (r: Roll) => Record<string, number>,
    minDifference: number,
): void {
    console.log(`\n${title}`);
    console.log(`| roll | ${column} | local (s) | hosts (s) | hosts − local (s) |`);
    console.log("| --- | --- | --- | --- | --- |");
    for (const direction of ["→ 5.5.0", "→ 4.9.7"]) {
        const rolled = (p: Platform) => results.get(p)!.filter((r) => r.direction === direction);
        const keys = [
            ...new Set((["local", "hosts"] as const).flatMap((p) => rolled(p).flatMap((r) => Object.keys(of(r))))),
        ];
        for (const key of keys) {
            const at = (p: Platform) => median(rolled(p).map((r) => of(r)[key] ?? 0));
            if (Math.abs(at("hosts") - at("local")) >= minDifference) {
                console.log(
                    `| ${direction} | ${key} | ${at("local").toFixed(1)} | ${at("hosts").toFixed(1)} | ${(at("hosts") - at("local")).toFixed(1)} |`,
                );
            }
        }
    }
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 2);
    const which = process.argv[3] ?? "local";
    if (!["local", "hosts", "both"].includes(which)) {
        throw new Error(`PLATFORM must be local, hosts or both, not ${which}`);
    }
    const platforms: Platform[] = which === "both" ? ["local", "hosts"] : [which as Platform];
    const results = new Map<Platform, Roll[]>();
    for (const platform of platforms) {
        results.set(platform, await bench(platform, rounds));
    }
    if (which === "both") {
        console.log("\n| roll | local `up` (s) | hosts `up` (s) | ratio | local turns (s) | hosts turns (s) | ratio |");
        console.log("| --- | --- | --- | --- | --- | --- | --- |");
        for (const direction of ["→ 5.5.0", "→ 4.9.7"]) {
            const of = (p: Platform, f: (r: Roll) => number) =>
                results
                    .get(p)!
                    .filter((r) => r.direction === direction)
                    .map(f);
            const up = (p: Platform) => of(p, (r) => r.upSeconds);
            const turns = (p: Platform) => of(p, (r) => r.brokerTurnSeconds);
            console.log(
                `| ${direction === "→ 5.5.0" ? "4.9.7" : "5.5.0"} ${direction} | ${fmt(up("local"))} | ${fmt(up("hosts"))} | ` +
                    `${(median(up("hosts")) / median(up("local"))).toFixed(2)} | ${fmt(turns("local"))} | ` +
                    `${fmt(turns("hosts"))} | ${(median(turns("hosts")) / median(turns("local"))).toFixed(2)} |`,
            );
        }
        printComparison(
            results,
            "Where the turns' time goes: each step summed over the brokers of its role, median over rounds.",
            "step",
            (r) => r.steps,
            0,
        );
        printComparison(
            results,
            "Each resource's own time in the `up` (as the CLI printed it; they overlap), where the platforms differ by 3 s or more.",
            "resource",
            (r) => r.resources,
            3,
        );
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
