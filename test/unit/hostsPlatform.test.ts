import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, StackConfigError } from "../../config/stackConfig";
import { installMocks, mockCalls, registered, resolved, runProgram, settled } from "./mocks";

const NS = "rocketmq-upgrade";
const HOSTS = {
    ns1: { address: "10.0.0.11" },
    ns2: { address: "10.0.0.12" },
    b1: { address: "10.0.0.21" },
    b2: { address: "10.0.0.22" },
    b3: { address: "10.0.0.23" },
    b4: { address: "10.0.0.24", processManager: "systemd" },
};
const PLACEMENT = {
    nameServers: ["ns1", "ns2"],
    blue: { brokers: { "a-0": "b1", "a-1": "b2", "b-0": "b3", "b-1": "b4" } },
};
const RAW = {
    platform: "hosts",
    hosts: HOSTS,
    placement: PLACEMENT,
    blue: { version: "4.9.7", clusterName: "blue" },
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nunit\n-----END OPENSSH PRIVATE KEY-----\n",
};

function problemsOf(raw: Record<string, unknown>, secret = true): string[] {
    try {
        parseStackConfig(raw, secret);
    } catch (e) {
        assert.ok(e instanceof StackConfigError, String(e));
        return e.problems;
    }
    return [];
}

describe("platform hosts: the stack config", () => {
    it("takes six machines, two name servers and a 2M-2S blue, with the key as a secret", () => {
        const cfg = parseStackConfig(RAW, true);
        assert.strictEqual(cfg.platform, "hosts");
        assert.ok(!("sshPrivateKey" in cfg), "the key must not be part of the parsed config");
    });

    it("takes Pulumi.hosts-example.yaml as shipped, once the key is set as a secret", () => {
        const file = path.resolve(__dirname, "..", "..", "Pulumi.hosts-example.yaml");
        const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
        const raw = Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace(`${NS}:`, ""), v]));
        const cfg = parseStackConfig({ ...raw, sshPrivateKey: RAW.sshPrivateKey }, true);
        assert.strictEqual(cfg.platform, "hosts");
        assert.strictEqual(Object.keys(cfg.hosts ?? {}).length, 6);
        assert.deepStrictEqual(problemsOf(raw), [
            `${NS}:sshPrivateKey is not set: hosts ns1, ns2, broker1, broker2, broker3, broker4 are reached over ` +
                "SSH; set it with `pulumi config set --secret sshPrivateKey < key-file`",
        ]);
    });

    it("refuses the key missing or in plain text, naming the key and the hosts that need it", () => {
        const { sshPrivateKey: _key, ...withoutKey } = RAW;
        assert.deepStrictEqual(problemsOf(withoutKey), [
            `${NS}:sshPrivateKey is not set: hosts ns1, ns2, b1, b2, b3, b4 are reached over SSH; set it with ` +
                "`pulumi config set --secret sshPrivateKey < key-file`",
        ]);
        assert.deepStrictEqual(problemsOf(RAW, false), [
            `${NS}:sshPrivateKey is stored in plain text: set it again with \`pulumi config set --secret\`, so it ` +
                "is encrypted in the stack's config and state",
        ]);
    });

    it("refuses a placement on an unknown host, a count mismatch, isolated routing and stray keys, naming each", () => {
        assert.deepStrictEqual(
            problemsOf({
                ...RAW,
                routing: "isolated",
                placement: {
                    ...PLACEMENT,
                    nameServers: ["ns1"],
                    blue: { brokers: { ...PLACEMENT.blue.brokers, "b-1": "vm9" } },
                },
            }),
            [
                `${NS}:routing = "isolated": not available on platform "hosts" yet (each colour's own name servers ` +
                    `and the address server are placed on this machine and Kubernetes only); use "shared"`,
                `${NS}:placement.nameServers lists 1 host(s) but nameServer.count is 2: list one host per name server`,
                `${NS}:placement.blue.brokers.b-1 = "vm9": no host of that name (hosts: ns1, ns2, b1, b2, b3, b4)`,
            ],
        );
        assert.deepStrictEqual(problemsOf({ blue: RAW.blue, hosts: HOSTS }), [
            `${NS}:hosts: only used with platform "hosts" (platform is "local")`,
        ]);
        assert.deepStrictEqual(problemsOf({ ...RAW, placement: undefined }), [
            `${NS}:placement: required on platform "hosts": name the host of each name server and broker`,
        ]);
    });

    it("refuses a master and its slave on one machine", () => {
        assert.deepStrictEqual(
            problemsOf({
                ...RAW,
                placement: { ...PLACEMENT, blue: { brokers: { ...PLACEMENT.blue.brokers, "a-1": "b1" } } },
            }),
            [
                `${NS}:placement.blue.brokers: a-0 and a-1 are all on host b1: a group's master and slaves must be on ` +
                    "different hosts, or one machine's failure takes every copy of their messages",
            ],
        );
    });
});

describe("platform hosts: the program (Pulumi mocks)", () => {
    before(installMocks);

    function config(): Record<string, string> {
        const { sshPrivateKey, ...rest } = RAW;
        return {
            ...Object.fromEntries(
                Object.entries(rest).map(([k, v]) => [`${NS}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
            ),
            [`${NS}:sshPrivateKey`]: sshPrivateKey,
        };
    }

    it("places every process on its host at RocketMQ's default ports, each behind one check of every host", async () => {
        const program = runProgram(config(), [`${NS}:sshPrivateKey`]);
        assert.strictEqual(
            await resolved(program.nameServers as pulumi.Output<string>),
            "10.0.0.11:9876;10.0.0.12:9876",
        );
        await settled();
        const processes = registered.filter((r) => r.type === "rocketmq:hosts:Process");
        assert.deepStrictEqual(
            [...processes]
                .sort((x, y) => x.name.localeCompare(y.name))
                .map((p) => [
                    p.name,
                    (p.inputs.host as { name: string }).name,
                    p.inputs.servicePort,
                    p.inputs.dir,
                    p.inputs.manager,
                ]),
            [
                ["blue-broker-a-0", "b1", 10911, "/data/rocketmq/blue-broker-a-0", "process"],
                ["blue-broker-a-1", "b2", 10911, "/data/rocketmq/blue-broker-a-1", "process"],
                ["blue-broker-b-0", "b3", 10911, "/data/rocketmq/blue-broker-b-0", "process"],
                ["blue-broker-b-1", "b4", 10911, "/data/rocketmq/blue-broker-b-1", "systemd"],
                ["namesrv-0", "ns1", 9876, "/data/rocketmq/namesrv-0", "process"],
                ["namesrv-1", "ns2", 9876, "/data/rocketmq/namesrv-1", "process"],
            ],
        );
        assert.strictEqual(registered.filter((r) => r.type === "rocketmq:local:Process").length, 0);
        const broker = processes.find((p) => p.name === "blue-broker-b-1")!;
        assert.match(String(broker.inputs.config), /^namesrvAddr=10\.0\.0\.11:9876;10\.0\.0\.12:9876$/m);
        assert.match(String(broker.inputs.config), /^storePathRootDir=\/data\/rocketmq\/blue-broker-b-1\/store$/m);
        assert.match(String(broker.inputs.config), /^listenPort=10911$/m);
        // Clients and its slave reach it at its host's address, never loopback.
        assert.match(String(broker.inputs.config), /^brokerIP1=10\.0\.0\.24$/m);
        assert.doesNotMatch(String(broker.inputs.config), /127\.0\.0\.1/);
        const nameServer = processes.find((p) => p.name === "namesrv-0")!;
        assert.strictEqual(String(nameServer.inputs.config).trim(), "listenPort=9876");

        const inventory = registered.filter((r) => r.type === "rocketmq:hosts:Inventory");
        assert.strictEqual(inventory.length, 1);
        const checked = (inventory[0].inputs.hosts as { access: { name: string; address: string } }[]).map(
            (h) => `${h.access.name}=${h.access.address}`,
        );
        assert.deepStrictEqual(checked, [
            "ns1=10.0.0.11",
            "ns2=10.0.0.12",
            "b1=10.0.0.21",
            "b2=10.0.0.22",
            "b3=10.0.0.23",
            "b4=10.0.0.24",
        ]);
        // The backup fetches each process's files from its own host.
        const backup = registered.find((r) => r.type === "rocketmq:local:Backup")!;
        assert.deepStrictEqual(
            (backup.inputs.processes as { name: string; host?: { name: string } }[]).map(
                (p) => `${p.name}@${p.host?.name}`,
            ),
            [
                "namesrv-0@ns1",
                "namesrv-1@ns2",
                "blue-broker-a-0@b1",
                "blue-broker-a-1@b2",
                "blue-broker-b-0@b3",
                "blue-broker-b-1@b4",
            ],
        );
    });

    it("stages a roll's target release on the brokers' hosts, each once, before the first broker goes down", async () => {
        runProgram({ ...config(), [`${NS}:strategy`]: "rolling" }, [`${NS}:sshPrivateKey`]);
        await settled();
        const gate = registered.filter((r) => r.type === "rocketmq:local:RollPreflight");
        assert.strictEqual(gate.length, 1);
        assert.deepStrictEqual(
            (gate[0].inputs.releaseHosts as { host: { name: string; address: string }; releaseRoot: string }[]).map(
                (h) => `${h.host.name}=${h.host.address}:${h.releaseRoot}`,
            ),
            ["b1=10.0.0.21:/opt", "b2=10.0.0.22:/opt", "b3=10.0.0.23:/opt", "b4=10.0.0.24:/opt"],
        );
    });
});

describe("platform hosts: an adopted cluster in the program (Pulumi mocks)", () => {
    before(installMocks);
    after(() => {
        mockCalls.answer = (args) => args.inputs;
    });

    const CONF = "/opt/rocketmq/conf/broker.conf";
    const confOf = (name: string, id: number) =>
        `brokerClusterName=legacy\nbrokerName=${name}\nbrokerId=${id}\nbrokerRole=${id === 0 ? "ASYNC_MASTER" : "SLAVE"}\n`;
    const brokers = (["a", "b"] as const).flatMap((g, gi) =>
        [0, 1].map((id) => ({
            key: `${NS}:blue.adopt.brokers[${gi * 2 + id}]`,
            host: `b${gi * 2 + id + 1}`,
            pid: 500 + gi * 2 + id,
            confPath: CONF,
            releaseDir: "/opt/rocketmq",
            conf: { brokerClusterName: "legacy", brokerName: `broker-${g}`, brokerId: String(id), listenPort: "10911" },
            confText: confOf(`broker-${g}`, id),
            storeRoot: "/home/mq/store",
            clusterName: "legacy",
            brokerName: `broker-${g}`,
            brokerId: id,
            address: `10.0.0.2${gi * 2 + id + 1}:10911`,
            version: "4.9.7",
            runningVersion: "4.9.7",
        })),
    );
    const nameServers = [
        { key: "k[0]", host: "ns1", port: 9876, pid: 300, runningVersion: "4.9.7" },
        { key: "k[1]", host: "ns2", port: 9876, pid: 301, runningVersion: "4.9.7" },
    ];
    let asked: Record<string, unknown> | undefined;

    function adoptConfig(): Record<string, string> {
        const raw = {
            platform: "hosts",
            strategy: "rolling",
            hosts: HOSTS,
            placement: { nameServers: ["ns1", "ns2"] },
            blue: {
                version: "4.9.7",
                clusterName: "legacy",
                proxies: 0,
                adopt: {
                    nameServers: ["10.0.0.11:9876", "10.0.0.12:9876"],
                    brokers: ["b1", "b2", "b3", "b4"].map((host) => ({
                        host,
                        brokerConf: CONF,
                        releaseDir: "/opt/rocketmq",
                    })),
                },
            },
        };
        return {
            ...Object.fromEntries(
                Object.entries(raw).map(([k, v]) => [`${NS}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
            ),
            [`${NS}:sshPrivateKey`]: RAW.sshPrivateKey,
        };
    }

    it("lays the stack out as the cluster runs: each server taken over by the pid found, with the operator's conf", async () => {
        mockCalls.answer = (args) => {
            asked = args.inputs;
            return { brokers, nameServers, problems: [] };
        };
        await (runProgram(adoptConfig(), [`${NS}:sshPrivateKey`]) as unknown as Promise<unknown>);
        await settled();
        const discovery = asked as { brokers: { key: string; host: string; confPath: string }[]; clusterName: string };
        assert.strictEqual(discovery.clusterName, "legacy");
        assert.deepStrictEqual(
            discovery.brokers.map((b) => `${b.key} ${b.host}:${b.confPath}`),
            ["b1", "b2", "b3", "b4"].map((h, i) => `${NS}:blue.adopt.brokers[${i}] ${h}:${CONF}`),
        );
        const processes = registered
            .filter((r) => r.type === "rocketmq:hosts:Process")
            .sort((x, y) => x.name.localeCompare(y.name));
        assert.deepStrictEqual(
            processes.map((p) => {
                const adopted = p.inputs.adopted as { pid: number; confPath?: string; keepOnDestroy: boolean };
                return [
                    p.name,
                    (p.inputs.host as { name: string }).name,
                    adopted.pid,
                    adopted.confPath,
                    adopted.keepOnDestroy,
                ];
            }),
            [
                ["legacy-broker-a-0", "b1", 500, CONF, true],
                ["legacy-broker-a-1", "b2", 501, CONF, true],
                ["legacy-broker-b-0", "b3", 502, CONF, true],
                ["legacy-broker-b-1", "b4", 503, CONF, true],
                ["namesrv-0", "ns1", 300, undefined, true],
                ["namesrv-1", "ns2", 301, undefined, true],
            ],
        );
        // The operator's file as read, its store pinned where the process keeps it; none of the tool's own keys.
        assert.strictEqual(processes[0].inputs.config, `${confOf("broker-a", 0)}storePathRootDir=/home/mq/store\n`);
        const backup = registered.find((r) => r.type === "rocketmq:local:Backup")!;
        const saved = (backup.inputs.processes as { name: string; configPath?: string; storeDir?: string }[]).find(
            (p) => p.name === "legacy-broker-b-1",
        );
        assert.deepStrictEqual([saved?.configPath, saved?.storeDir], [CONF, "/home/mq/store"]);
    });

    it("takes blue-green on the adopted cluster: blue as it runs, green on its own hosts, one split over both", async () => {
        mockCalls.answer = () => ({ brokers, nameServers, problems: [] });
        const config: Record<string, unknown> = {
            ...adoptConfig(),
            [`${NS}:strategy`]: "blue-green",
            [`${NS}:nameServer`]: { count: 2, version: "5.5.0" },
            [`${NS}:hosts`]: { ...HOSTS, g1: { address: "10.0.0.31" }, g2: { address: "10.0.0.32" } },
            [`${NS}:placement`]: { nameServers: ["ns1", "ns2"], green: { brokers: { "a-0": "g1", "b-0": "g2" } } },
            [`${NS}:green`]: {
                version: "5.5.0",
                clusterName: "fresh",
                slavesPerGroup: 0,
                brokerRole: "ASYNC_MASTER",
                proxies: 0,
            },
            [`${NS}:topics`]: [{ name: "Orders", queues: 4 }],
            [`${NS}:consumerGroups`]: ["orders-readers"],
            [`${NS}:trafficWeight`]: 10,
        };
        const program = runProgram(
            Object.fromEntries(
                Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
            ),
            [`${NS}:sshPrivateKey`],
        );
        await (program as unknown as Promise<unknown>);
        await settled();
        assert.ok(registered.some((r) => r.type === "rocketmq:index:BlueGreen"));
        const processes = registered
            .filter((r) => r.type === "rocketmq:hosts:Process")
            .map((p) => {
                const adopted = p.inputs.adopted as { pid: number } | undefined;
                return `${p.name}@${(p.inputs.host as { name: string }).name}${adopted ? ` pid ${adopted.pid}` : ""}`;
            })
            .sort();
        assert.deepStrictEqual(processes, [
            "fresh-broker-a-0@g1",
            "fresh-broker-b-0@g2",
            "legacy-broker-a-0@b1 pid 500",
            "legacy-broker-a-1@b2 pid 501",
            "legacy-broker-b-0@b3 pid 502",
            "legacy-broker-b-1@b4 pid 503",
            "namesrv-0@ns1 pid 300",
            "namesrv-1@ns2 pid 301",
        ]);
        const traffic = registered.filter((r) => r.type === "rocketmq:local:Traffic");
        assert.strictEqual(traffic.length, 1);
        const text = JSON.stringify(traffic[0].inputs);
        for (const brokerName of ["broker-a", "broker-b", "fresh-a", "fresh-b"]) {
            assert.ok(text.includes(`"${brokerName}"`), `the split does not name ${brokerName}: ${text}`);
        }
    });

    it("stops the program before any resource when the discovery refuses, naming each broker", async () => {
        mockCalls.answer = () => ({
            brokers: [],
            nameServers: [],
            problems: [`${NS}:blue.adopt.brokers[3] (b4:${CONF}): no broker process on b4 was started with ${CONF}`],
        });
        registered.length = 0;
        await assert.rejects(
            runProgram(adoptConfig(), [`${NS}:sshPrivateKey`]) as unknown as Promise<unknown>,
            (e: Error) => {
                assert.strictEqual(
                    e.message,
                    `rocketmq-upgrade:blue.adopt: nothing was adopted or changed:\n  - ${NS}:blue.adopt.brokers[3] (b4:${CONF}): ` +
                        `no broker process on b4 was started with ${CONF}`,
                );
                return true;
            },
        );
        assert.deepStrictEqual(
            registered.filter((r) => r.type.startsWith("rocketmq:")),
            [],
        );
    });
});

describe("platform hosts: blue-green onto further hosts (Pulumi mocks)", () => {
    before(installMocks);

    it("places green on its own hosts at the default ports, on the shared name servers, behind blue", async () => {
        const { sshPrivateKey, ...rest } = RAW;
        const raw = {
            ...rest,
            strategy: "blue-green",
            nameServer: { count: 2, version: "5.5.0" },
            hosts: {
                ...HOSTS,
                g1: { address: "10.0.0.31" },
                g2: { address: "10.0.0.32" },
                g3: { address: "10.0.0.33" },
                g4: { address: "10.0.0.34" },
            },
            placement: {
                ...PLACEMENT,
                green: { brokers: { "a-0": "g1", "a-1": "g2", "b-0": "g3", "b-1": "g4" }, proxies: ["g1"] },
            },
            green: { version: "5.5.0", clusterName: "green" },
            trafficWeight: 10,
        };
        const program = runProgram(
            {
                ...Object.fromEntries(
                    Object.entries(raw).map(([k, v]) => [`${NS}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
                ),
                [`${NS}:sshPrivateKey`]: sshPrivateKey,
            },
            [`${NS}:sshPrivateKey`],
        );
        assert.strictEqual(
            await resolved(program.nameServers as pulumi.Output<string>),
            "10.0.0.11:9876;10.0.0.12:9876",
        );
        await settled();
        const green = registered
            .filter((r) => r.type === "rocketmq:hosts:Process" && r.name.startsWith("green-"))
            .map((p) => `${p.name}@${(p.inputs.host as { name: string }).name}:${String(p.inputs.servicePort)}`)
            .sort();
        assert.deepStrictEqual(green, [
            "green-broker-a-0@g1:10911",
            "green-broker-a-1@g2:10911",
            "green-broker-b-0@g3:10911",
            "green-broker-b-1@g4:10911",
            "green-proxy-0@g1:8081",
        ]);
        const traffic = registered.filter((r) => r.type === "rocketmq:local:Traffic");
        assert.strictEqual(traffic.length, 1, registered.map((r) => r.type).join(", "));
    });
});
