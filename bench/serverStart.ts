/**
 * How long a name server and a broker take to serve from a cold JVM through the local platform's launcher in three
 * TLS set-ups: RocketMQ's default ("permissive" with a self-signed certificate built at every start), permissive
 * with the machine's certificate loaded from files (not adopted: docs/benchmarks.md says why), and TLS disabled. Each round
 * starts a fresh name server, then a fresh master on an empty store, and stops both; the modes alternate so a noisy
 * moment hits each. The machine should be otherwise idle.
 * Prints medians (every observation in brackets) and the ratio per release and role.
 *
 * Usage: node -r ts-node/register/transpile-only bench/serverStart.ts [ROUNDS=3]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nameServerProperties } from "../domain/serverConfig";
import { mustParseVersion } from "../domain/versions";
import { startServer, stopServer } from "../test/integration/plainServer";
import { resolveRuntime } from "../operations/maven";
import { machineServerCertificate } from "../test/integration/serverCertificate";
import { freePortBlock } from "../test/integration/support";
import { benchBrokerProperties } from "./singleBroker";
import { median } from "./observations";

async function timed(work: () => Promise<unknown>): Promise<number> {
    const began = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - began) / 1e9;
}

const MODES = ["self-signed", "certificate", "disabled"] as const;
type Mode = (typeof MODES)[number];

function tlsOf(mode: Mode) {
    if (mode === "disabled") {
        return { tlsMode: "disabled" as const };
    }
    return mode === "certificate" ? { tlsCertificate: machineServerCertificate() } : {};
}

async function round(versionText: string, mode: Mode, root: string): Promise<{ namesrv: number; broker: number }> {
    const runtime = await resolveRuntime(versionText);
    const version = mustParseVersion(versionText);
    const base = await freePortBlock(10);
    const nsDir = fs.mkdtempSync(path.join(root, "ns-"));
    const brokerDir = fs.mkdtempSync(path.join(root, "broker-"));
    try {
        const namesrv = await timed(() =>
            startServer(
                {
                    role: "namesrv",
                    dir: nsDir,
                    config: nameServerProperties({ version, port: base }),
                    servicePort: base,
                    heapMb: 128,
                    ...tlsOf(mode),
                },
                runtime,
            ),
        );
        const brokerPort = base + 4;
        const broker = await timed(() =>
            startServer(
                {
                    role: "broker",
                    dir: brokerDir,
                    config: benchBrokerProperties(version, base, brokerPort, brokerDir),
                    servicePort: brokerPort,
                    heapMb: 256,
                    ...tlsOf(mode),
                },
                runtime,
            ),
        );
        return { namesrv, broker };
    } finally {
        await stopServer(brokerDir);
        await stopServer(nsDir);
        fs.rmSync(nsDir, { recursive: true, force: true });
        fs.rmSync(brokerDir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 3);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-server-start-"));
    const fmt = (xs: number[]) => `${median(xs).toFixed(1)} s (${xs.map((x) => x.toFixed(1)).join(", ")})`;
    console.log(
        "| release | role | self-signed at start (RocketMQ default) | machine certificate | TLS disabled | default / certificate |",
    );
    console.log(
        "| ------- | ---- | --------------------------------------- | ------------------- | ------------ | --------------------- |",
    );
    try {
        for (const version of ["4.9.7", "5.5.0"]) {
            const seen = Object.fromEntries(MODES.map((m) => [m, { namesrv: [] as number[], broker: [] as number[] }]));
            for (let i = 0; i < rounds; i++) {
                for (const mode of MODES) {
                    const r = await round(version, mode, root);
                    seen[mode].namesrv.push(r.namesrv);
                    seen[mode].broker.push(r.broker);
                    console.error(`${version} ${mode} round ${i + 1}: ${JSON.stringify(r)}`);
                }
            }
            for (const role of ["namesrv", "broker"] as const) {
                const [s, c, d] = MODES.map((m) => seen[m][role]);
                console.log(
                    `| ${version} | ${role} | ${fmt(s)} | ${fmt(c)} | ${fmt(d)} | ${(median(s) / median(c)).toFixed(2)} |`,
                );
            }
        }
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
