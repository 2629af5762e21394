/**
 * The cluster adoption is tried on: RocketMQ 4.9.7 started by hand on six namespace hosts by
 * test/integration/hosts/start-by-hand.sh (two name servers; broker-a and broker-b, each a master and a slave), and
 * the stack config that adopts it. Shared by adoption.test.ts and bench/adoptionBench.ts.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AdminSession } from "../../operations/adminSession";
import { releaseArchive } from "../../operations/hostRelease";
import { resolveRuntime } from "../../operations/maven";
import { projectRoot } from "../../operations/paths";
import type { NamespaceHosts } from "./namespaceHosts";
import { setStackSecret } from "./support";

/** Where the script writes each broker's broker.conf (inside the release the /opt/rocketmq link names). */
export const HAND_CONF = "/opt/rocketmq/conf/broker.conf";

/** Each server the script starts, by the role it prints, and its host. */
export const HAND_SERVERS = {
    "namesrv-0": "ns1",
    "namesrv-1": "ns2",
    "broker-a-0": "b1",
    "broker-a-1": "b2",
    "broker-b-0": "b3",
    "broker-b-1": "b4",
} as const;
export type HandServer = keyof typeof HAND_SERVERS;
export const HAND_BROKER_HOSTS = ["b1", "b2", "b3", "b4"] as const;

export const handNameServers = (hosts: NamespaceHosts) =>
    `${hosts.host("ns1").address}:9876;${hosts.host("ns2").address}:9876`;

/**
 * Installs and starts the cluster on the hosts (created with the names of HAND_SERVERS), and resolves with each
 * server's pid once both name servers listen and list all four brokers.
 */
export async function startByHand(hosts: NamespaceHosts): Promise<Map<HandServer, number>> {
    const archive = await releaseArchive(await resolveRuntime("4.9.7"));
    const out = execFileSync(
        "bash",
        [
            path.join(projectRoot(), "test", "integration", "hosts", "start-by-hand.sh"),
            hosts.keyFile,
            archive.file,
            ...Object.values(HAND_SERVERS).map((h) => hosts.host(h).address),
        ],
        { encoding: "utf8", timeout: 180_000 },
    );
    const started = new Map<HandServer, number>();
    for (const line of out.trim().split("\n")) {
        const [role, , pid] = line.split(" ");
        started.set(role as HandServer, Number(pid));
    }
    assert.deepStrictEqual([...started.keys()], Object.keys(HAND_SERVERS), out);
    // The script returns as soon as the JVMs are forked; on a loaded machine a name server takes seconds to
    // listen, and a connection refused then is the caller's haste, not adoption's fault.
    const deadline = Date.now() + 180_000;
    for (const ns of ["ns1", "ns2"]) {
        while (hosts.exec(ns, "ss -Hltn 'sport = :9876'").trim() === "") {
            assert.ok(Date.now() < deadline, `the hand-started name server on ${ns} never listened on 9876`);
            await new Promise((r) => setTimeout(r, 500));
        }
    }
    const admin = await AdminSession.open(handNameServers(hosts));
    try {
        let listed = await admin.cluster();
        while (listed.length < 4 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 1000));
            listed = await admin.cluster();
        }
        assert.strictEqual(listed.length, 4, `the hand-started brokers never registered: ${JSON.stringify(listed)}`);
    } finally {
        await admin.close();
    }
    return started;
}

/** The stack config that adopts the cluster; `lastBrokerConf` is the path declared for b4's broker. */
export function adoptStackConfig(hosts: NamespaceHosts, lastBrokerConf = HAND_CONF): Record<string, unknown> {
    return {
        platform: "hosts",
        strategy: "rolling",
        nameServer: { count: 2, version: "4.9.7" },
        hosts: Object.fromEntries(
            Object.values(HAND_SERVERS).map((h) => [
                h,
                {
                    address: hosts.host(h).address,
                    hostKey: hosts.host(h).hostKeyFingerprint,
                    releaseRoot: "/opt",
                    dataRoot: "/srv/rocketmq",
                },
            ]),
        ),
        placement: { nameServers: ["ns1", "ns2"] },
        blue: {
            version: "4.9.7",
            clusterName: "legacy",
            proxies: 0,
            adopt: {
                nameServers: handNameServers(hosts).split(";"),
                brokers: HAND_BROKER_HOSTS.map((h) => ({
                    host: h,
                    brokerConf: h === "b4" ? lastBrokerConf : HAND_CONF,
                    releaseDir: "/opt/rocketmq",
                })),
            },
        },
        backup: { baselineSeconds: 0 },
    };
}

/** Writes the stack's config into a copied project, and the hosts' key as a secret through stdin. */
export function writeStack(dir: string, config: Record<string, unknown>, privateKey: string): void {
    const file = path.join(dir, "Pulumi.local.yaml");
    const salt = fs.readFileSync(file, "utf8").match(/^encryptionsalt: .*$/m)?.[0];
    assert.ok(salt, "Pulumi.local.yaml has no encryptionsalt");
    const lines = Object.entries(config).map(([k, v]) => `  rocketmq-upgrade:${k}: ${JSON.stringify(v)}`);
    fs.writeFileSync(file, ["config:", ...lines, salt, ""].join("\n"));
    setStackSecret(dir, "sshPrivateKey", privateKey);
}
