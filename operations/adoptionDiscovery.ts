/**
 * Adoption's read of a running cluster, for the program's rocketmq:hosts:discoverAdoption call: each declared host's
 * Java processes and broker.conf files over SSH, the brokers the name servers list, and the release each adopted
 * process runs (from the jars on its classpath). Nothing is started, stopped or written; the matching and every
 * refusal are domain/adoptionMatch.ts's.
 */
import { posix } from "path";
import {
    matchAdoptedNameServers,
    matchAdoption,
    type HostObservation,
    type HostProcess,
    type ReportedBroker,
} from "../domain/adoptionMatch";
import type { AdoptionDiscovery, AdoptionDiscoveryInputs } from "../contracts/adoptionContract";
import { AdminSession } from "./adminSession";
import { observeHost } from "./hostDiscovery";
import { openHostShell, shellQuote, type HostShell } from "./hostShell";

/** The directory of the first `dir/*` entry of a JVM's classpath, absolute. Pure. */
export function classpathLibDir(p: Pick<HostProcess, "argv" | "cwd">): string | undefined {
    const i = p.argv.findIndex((a) => a === "-cp" || a === "-classpath");
    const entry = i >= 0 ? p.argv[i + 1]?.split(":").find((e) => e.endsWith("/*")) : undefined;
    return entry === undefined ? undefined : posix.resolve(p.cwd, entry.slice(0, -2));
}

/** The RocketMQ release a process runs, from the rocketmq-common jar in its classpath's lib directory. */
async function runningVersion(shell: HostShell, p: HostProcess | undefined): Promise<string> {
    const lib = p && classpathLibDir(p);
    if (lib === undefined) {
        return "";
    }
    const r = await shell.run(`ls ${shellQuote(lib)} 2>/dev/null`);
    const jar = r.stdout.split("\n").find((f) => /^rocketmq-common-\d+\.\d+\.\d+\.jar$/.test(f));
    return jar ? jar.slice("rocketmq-common-".length, -".jar".length) : "";
}

/** The version clusterList's runtime stats print (V4_9_7) as a release (4.9.7). Pure. */
export function releaseOfVersionDesc(desc: string): string {
    return desc.replace(/^V/, "").replace(/_/g, ".");
}

export async function discoverAdoption(
    inputs: AdoptionDiscoveryInputs,
    progress: (msg: string) => void,
): Promise<AdoptionDiscovery> {
    const access = new Map(inputs.hosts.map((h) => [h.name, h]));
    const confsOn = new Map<string, string[]>();
    for (const b of inputs.brokers) {
        confsOn.set(b.host, [...(confsOn.get(b.host) ?? []), b.confPath]);
    }
    for (const h of inputs.nameServers.hosts) {
        confsOn.set(h, confsOn.get(h) ?? []);
    }
    const listed = [...confsOn.keys()].filter((h) => access.has(h));
    progress(`adoption: reading processes on ${listed.join(", ")}`);
    const shells = new Map<string, HostShell>();
    try {
        await Promise.all(
            listed.map(async (h) => {
                shells.set(h, await openHostShell({ ...access.get(h)!, privateKey: inputs.privateKey }));
            }),
        );
        const observed = new Map<string, HostObservation>();
        await Promise.all(listed.map(async (h) => observed.set(h, await observeHost(shells.get(h)!, confsOn.get(h)!))));
        const addresses = new Map(inputs.hosts.map((h) => [h.name, h.address]));
        const nameServers = matchAdoptedNameServers(
            inputs.nameServers.entries,
            inputs.nameServers.hosts,
            addresses,
            observed,
            "blue.adopt.nameServers",
            inputs.nameServers.port,
        );
        if (nameServers.problems.length > 0) {
            return { brokers: [], nameServers: [], problems: nameServers.problems };
        }
        progress(`adoption: asking ${inputs.nameServers.entries.join(";")} which brokers they list`);
        const admin = await AdminSession.open(inputs.nameServers.entries.join(";"));
        let reported: ReportedBroker[];
        try {
            reported = [];
            for (const b of await admin.cluster()) {
                const stats = await admin.runtimeStats(b.address).catch(() => ({}) as Record<string, string>);
                reported.push({ ...b, version: releaseOfVersionDesc(stats.brokerVersionDesc ?? "") });
            }
        } finally {
            await admin.close().catch(() => undefined);
        }
        const brokers = matchAdoption(
            inputs.brokers.map((b) => ({ key: b.key, host: b.host, confPath: b.confPath, releaseDir: b.releaseDir })),
            addresses,
            observed,
            reported,
            inputs.clusterName,
        );
        const processOf = (host: string, pid: number) => observed.get(host)?.processes.find((p) => p.pid === pid);
        return {
            brokers: await Promise.all(
                brokers.adopted.map(async (b) => ({
                    ...b,
                    runningVersion: await runningVersion(shells.get(b.host)!, processOf(b.host, b.pid)),
                })),
            ),
            nameServers: await Promise.all(
                nameServers.adopted.map(async (n) => ({
                    ...n,
                    runningVersion: await runningVersion(shells.get(n.host)!, processOf(n.host, n.pid)),
                })),
            ),
            problems: brokers.problems,
        };
    } finally {
        await Promise.all([...shells.values()].map((s) => s.close().catch(() => undefined)));
    }
}
