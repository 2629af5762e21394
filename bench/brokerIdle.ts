/**
 * The CPU an idle broker spends, per release and per timer slack: RocketMQ's brokers poll in loops of 1-10 ms
 * sleeps, and on the test machine's two saturated cores that CPU is wall time. Each round starts a name server and a
 * master on an empty store (the local platform's launcher command line), leaves the broker 15 s to settle after it
 * serves, then reads every thread's utime+stime from /proc over a 30 s window. The broker's JVM is started through
 * `sh`, which sets its own timer slack (/proc/<pid>/timerslack_ns) first: the JVM and its threads inherit it.
 * Prints medians (every observation in brackets), the ratio per release, and the busiest threads of the last round.
 * The machine should be otherwise idle.
 *
 * Usage: node -r ts-node/register/transpile-only bench/brokerIdle.ts [ROUNDS=3]
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nameServerProperties } from "../domain/serverConfig";
import { mustParseVersion } from "../domain/versions";
import { portAccepts } from "../operations/launcher";
import { serverJavaArgs, startServer, stopServer } from "../test/integration/plainServer";
import { resolveRuntime } from "../operations/maven";
import { freePortBlock } from "../test/integration/support";
import { median, observations } from "./observations";
import { benchBrokerProperties } from "./singleBroker";

/** The kernel's default slack, and the one scripts/test.sh sets for the integration tier. */
const SLACKS_NS = [50_000, 10_000_000];
const SETTLE_MS = 15_000;
const WINDOW_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds per thread name (digits folded, so pools add up), from /proc. */
function threadCpu(pid: number): Map<string, number> {
    const ticks = 100; // USER_HZ on Linux
    const byName = new Map<string, number>();
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        try {
            const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
            const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+/g, "#");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / ticks);
        } catch {
            // The thread ended between the listing and the read.
        }
    }
    return byName;
}

async function round(
    versionText: string,
    slackNs: number,
    root: string,
): Promise<{ cpu: number; threads: [string, number][] }> {
    const runtime = await resolveRuntime(versionText);
    const version = mustParseVersion(versionText);
    const base = await freePortBlock(10);
    const nsDir = fs.mkdtempSync(path.join(root, "ns-"));
    const brokerDir = fs.mkdtempSync(path.join(root, "broker-"));
    const port = base + 4;
    await startServer(
        {
            role: "namesrv",
            dir: nsDir,
            config: nameServerProperties({ version, port: base }),
            servicePort: base,
            heapMb: 128,
        },
        runtime,
    );
    const config = benchBrokerProperties(version, base, port, brokerDir);
    fs.writeFileSync(path.join(brokerDir, "broker.conf"), config);
    const args = serverJavaArgs({ role: "broker", dir: brokerDir, config, servicePort: port, heapMb: 256 }, runtime);
    const out = fs.openSync(path.join(brokerDir, "stdout.log"), "w");
    const child = spawn("sh", ["-c", `echo ${slackNs} > /proc/$$/timerslack_ns && exec java "$@"`, "broker", ...args], {
        cwd: brokerDir,
        stdio: ["ignore", out, out],
        env: { ...process.env, ROCKETMQ_HOME: runtime.home },
    });
    fs.closeSync(out);
    try {
        const deadline = Date.now() + 120_000;
        while (!(await portAccepts(port))) {
            if (Date.now() > deadline || child.exitCode !== null) {
                throw new Error(`the broker did not serve; see ${brokerDir}/stdout.log`);
            }
            await sleep(200);
        }
        await sleep(SETTLE_MS);
        const before = threadCpu(child.pid!);
        await sleep(WINDOW_MS);
        const after = threadCpu(child.pid!);
        const threads = [...after]
            .map(([name, s]) => [name, s - (before.get(name) ?? 0)] as [string, number])
            .sort((a, b) => b[1] - a[1]);
        return { cpu: threads.reduce((sum, [, s]) => sum + s, 0), threads };
    } finally {
        child.kill("SIGKILL");
        await stopServer(nsDir);
        for (const dir of [nsDir, brokerDir]) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 3);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-broker-idle-"));
    const rows: string[] = [];
    const busiest: string[] = [];
    try {
        for (const version of ["4.9.7", "5.5.0"]) {
            const seen = SLACKS_NS.map(() => [] as number[]);
            for (let i = 0; i < rounds; i++) {
                for (const [k, slack] of SLACKS_NS.entries()) {
                    const r = await round(version, slack, root);
                    seen[k].push(r.cpu);
                    console.error(`${version} slack ${slack} ns round ${i + 1}: ${r.cpu.toFixed(2)} CPU-s`);
                    if (i === rounds - 1) {
                        const top = r.threads.slice(0, 5).map(([n, s]) => `${n} ${s.toFixed(2)}`);
                        busiest.push(`${version}, slack ${slack / 1000} us: ${top.join(", ")}`);
                    }
                }
            }
            rows.push(
                `| ${version} | ${observations(seen[0])} | ${observations(seen[1])} | ${(median(seen[1]) / median(seen[0])).toFixed(2)} |`,
            );
        }
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
    console.log(`CPU-s of an idle broker over ${WINDOW_MS / 1000} s, medians of ${rounds}:`);
    console.log("| release | 50 us slack (kernel default) | 10 ms slack (scripts/test.sh) | 10 ms / default |");
    console.log("| ------- | ---------------------------- | ----------------------------- | --------------- |");
    rows.forEach((r) => console.log(r));
    console.log("\nBusiest threads (CPU-s), last round:");
    busiest.forEach((b) => console.log(`- ${b}`));
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
