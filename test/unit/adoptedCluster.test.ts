import * as assert from "assert";
import { parseStackConfig } from "../../config/stackConfig";
import {
    ADOPTED_FROM_PROPERTY,
    adoptedBrokerConfig,
    matchAdoptedNameServers,
    matchAdoption,
    planAdoptedCluster,
    type AdoptedBroker,
    type HostObservation,
} from "../../domain/adoptionMatch";
import { classpathLibDir, releaseOfVersionDesc } from "../../operations/adoptionDiscovery";
import { hostProcessInputs } from "../../contracts/hostProcessContract";
import { adoptedVersionFailures, hostProcessSpec, runningMarker } from "../../provider/hostProcessHandler";
import { hostJavaArgs } from "../../operations/hostProcess";
import { adoptionListing } from "../../components/platforms/hosts/adoptedCluster";

const NAMESRV = "org.apache.rocketmq.namesrv.NamesrvStartup";
const BROKER = "org.apache.rocketmq.broker.BrokerStartup";
const ADDRESSES = new Map([
    ["ns1", "10.1.0.2"],
    ["ns2", "10.1.0.3"],
    ["vm1", "10.1.0.4"],
]);

function seen(processes: HostObservation["processes"], files: Record<string, string> = {}): HostObservation {
    return { processes, files };
}

function adopted(brokerName: string, brokerId: number, conf: Record<string, string>): AdoptedBroker {
    return {
        key: `k[${brokerId}]`,
        host: `vm${brokerId + 1}`,
        pid: 100 + brokerId,
        confPath: "/opt/rocketmq/conf/broker.conf",
        releaseDir: "/opt/rocketmq",
        conf,
        confText: Object.entries(conf)
            .map(([k, v]) => `${k}=${v}`)
            .join("\n"),
        storeRoot: "/srv/store",
        clusterName: "legacy",
        brokerName,
        brokerId,
        address: `10.1.0.${4 + brokerId}:${conf.listenPort}`,
        version: "4.9.7",
    };
}

describe("adopting a running cluster: name servers, plan, config", () => {
    it("finds each listed name server as the one NamesrvStartup on its placement host", () => {
        const observed = new Map([
            ["ns1", seen([{ pid: 7, cwd: "/opt/rocketmq-4.9.7", argv: ["java", "-cp", "lib/*", NAMESRV] }])],
            ["ns2", seen([{ pid: 8, cwd: "/", argv: ["java", NAMESRV] }])],
        ]);
        const r = matchAdoptedNameServers(
            ["10.1.0.2:9876", "10.1.0.3:9876"],
            ["ns1", "ns2"],
            ADDRESSES,
            observed,
            "k",
            9876,
        );
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(
            r.adopted.map((n) => [n.host, n.port, n.pid]),
            [
                ["ns1", 9876, 7],
                ["ns2", 9876, 8],
            ],
        );
    });

    it("refuses a name server that is not where the placement says, none running, or two, naming each entry", () => {
        const observed = new Map([
            ["ns1", seen([])],
            [
                "ns2",
                seen([
                    { pid: 8, cwd: "/", argv: ["java", NAMESRV] },
                    { pid: 9, cwd: "/", argv: ["java", NAMESRV] },
                ]),
            ],
        ]);
        assert.deepStrictEqual(
            matchAdoptedNameServers(["10.1.0.2:9876", "10.1.0.3:9876"], ["ns1", "ns2"], ADDRESSES, observed, "k", 9876)
                .problems,
            [
                'k[0] = "10.1.0.2:9876": no name server process runs on host ns1',
                'k[1] = "10.1.0.3:9876": 2 name server processes run on host ns2 (pids 8, 9); cannot tell which to adopt',
            ],
        );
        assert.deepStrictEqual(
            matchAdoptedNameServers(["10.1.0.3:9876"], ["ns1"], ADDRESSES, observed, "k", 9876).problems,
            [
                'k[0] = "10.1.0.3:9876": placement.nameServers[0] is host ns1 at 10.1.0.2:9876; list the running name ' +
                    "servers in placement order, at the port they listen on",
            ],
        );
    });

    it("finds a broker the tool restarted in its own directory by the conf path marked on its command line", () => {
        const conf = "/opt/rocketmq/conf/broker.conf";
        const text = "brokerClusterName=legacy\nbrokerName=broker-a\nbrokerId=0\nstorePathRootDir=/srv/store\n";
        const restarted = {
            pid: 55,
            cwd: "/srv/rocketmq/legacy-broker-a-0",
            argv: [
                "java",
                `${ADOPTED_FROM_PROPERTY}${conf}`,
                BROKER,
                "-c",
                "/srv/rocketmq/legacy-broker-a-0/broker.conf",
            ],
        };
        const reported = [
            { cluster: "legacy", brokerName: "broker-a", brokerId: 0, address: "10.1.0.4:10911", version: "" },
        ];
        const decl = [{ key: "k", host: "vm1", confPath: conf, releaseDir: "/opt/rocketmq" }];
        const found = matchAdoption(
            decl,
            ADDRESSES,
            new Map([["vm1", seen([restarted], { [conf]: text })]]),
            reported,
            "legacy",
        );
        assert.deepStrictEqual(found.problems, []);
        assert.strictEqual(found.adopted[0].pid, 55);
        // Without the mark it is some other broker's process, and nothing is adopted.
        const unmarked = { ...restarted, argv: restarted.argv.slice(0, 1).concat(restarted.argv.slice(2)) };
        assert.match(
            matchAdoption(decl, ADDRESSES, new Map([["vm1", seen([unmarked], { [conf]: text })]]), reported, "legacy")
                .problems[0],
            /no broker process on vm1 was started with/,
        );
    });

    it("finds the store of a conf that leaves it to the default under the process's home, and refuses when unknown", () => {
        const conf = "/etc/mq/broker.conf";
        const text = "brokerClusterName=legacy\nbrokerName=broker-a\nbrokerId=0\n";
        const reported = [
            { cluster: "legacy", brokerName: "broker-a", brokerId: 0, address: "10.1.0.4:10911", version: "" },
        ];
        const decl = [{ key: "k", host: "vm1", confPath: conf, releaseDir: "/opt/rocketmq" }];
        const run = (p: HostObservation["processes"][number]) =>
            matchAdoption(decl, ADDRESSES, new Map([["vm1", seen([p], { [conf]: text })]]), reported, "legacy");
        const jvm = { pid: 5, cwd: "/", argv: ["java", BROKER, "-c", conf] };
        assert.strictEqual(run({ ...jvm, home: "/home/mq" }).adopted[0].storeRoot, "/home/mq/store");
        assert.strictEqual(
            run({ ...jvm, argv: ["java", "-Duser.home=/data", BROKER, "-c", conf], home: "/root" }).adopted[0]
                .storeRoot,
            "/data/store",
            "-Duser.home wins over the user's home, as in the JVM",
        );
        assert.deepStrictEqual(run(jvm).problems, [
            "k (vm1:/etc/mq/broker.conf): broker.conf sets no storePathRootDir and pid 5's home directory is unknown, " +
                "so its store cannot be found; set storePathRootDir in the file to the store it uses",
        ]);
    });

    it("plans the cluster as it runs: brokerName and id, the conf's ports and role, masters before slaves", () => {
        const ns = [{ name: "namesrv-0", port: 9876, address: "10.1.0.2:9876" }];
        const { plan, hostOf } = planAdoptedCluster(
            "legacy",
            "4.9.7",
            [
                adopted("broker-b", 1, { listenPort: "10911", brokerRole: "SLAVE" }),
                adopted("broker-a", 1, { listenPort: "10915" }),
                adopted("broker-a", 0, { listenPort: "10911", haListenPort: "10999", brokerRole: "SYNC_MASTER" }),
            ],
            ns,
        );
        assert.deepStrictEqual(
            plan.brokers.map((b) => [b.name, b.brokerName, b.brokerId, b.role, b.port, b.haPort, b.after]),
            [
                ["legacy-broker-a-0", "broker-a", 0, "SYNC_MASTER", 10911, 10999, ["namesrv-0"]],
                ["legacy-broker-a-1", "broker-a", 1, "SLAVE", 10915, 10916, ["namesrv-0", "legacy-broker-a-0"]],
                ["legacy-broker-b-1", "broker-b", 1, "SLAVE", 10911, 10912, ["namesrv-0", "legacy-broker-b-0"]],
            ],
        );
        assert.deepStrictEqual(plan.proxies, []);
        assert.strictEqual(plan.nameServerList, "10.1.0.2:9876");
        assert.deepStrictEqual(hostOf, {
            "legacy-broker-a-0": "vm1",
            "legacy-broker-a-1": "vm2",
            "legacy-broker-b-1": "vm2",
        });
    });

    it("restarts an adopted broker with the operator's conf, its store pinned when the file left it to the default", () => {
        const b = { conf: {}, confText: "brokerName=broker-a\nbrokerId=0", storeRoot: "/home/mq/store" };
        assert.strictEqual(
            adoptedBrokerConfig(b),
            "brokerName=broker-a\nbrokerId=0\nstorePathRootDir=/home/mq/store\n",
        );
        const pinned = { ...b, confText: "storePathRootDir=/srv/store\nbrokerName=broker-a\n" };
        assert.strictEqual(adoptedBrokerConfig(pinned), pinned.confText);
    });

    it("reads the running release from the classpath and the version clusterList prints", () => {
        assert.strictEqual(
            classpathLibDir({ cwd: "/opt/rocketmq-4.9.7", argv: ["java", "-cp", ".:lib/*", BROKER] }),
            "/opt/rocketmq-4.9.7/lib",
        );
        assert.strictEqual(
            classpathLibDir({ cwd: "/", argv: ["java", "-classpath", "/srv/x/rocketmq/lib/*"] }),
            "/srv/x/rocketmq/lib",
        );
        assert.strictEqual(classpathLibDir({ cwd: "/", argv: ["java", "-jar", "a.jar"] }), undefined);
        assert.strictEqual(releaseOfVersionDesc("V4_9_7"), "4.9.7");
        assert.strictEqual(releaseOfVersionDesc("V5_5_0"), "5.5.0");
    });
});

describe("taking over an adopted process (rocketmq:hosts:Process)", () => {
    const inputs = hostProcessInputs.parse({
        role: "broker",
        name: "legacy-broker-a-0",
        version: "4.9.7",
        host: { name: "vm1", address: "10.1.0.4", local: false, sshPort: 22, user: "root" },
        releaseRoot: "/opt",
        dir: "/srv/rocketmq/legacy-broker-a-0",
        config: "brokerName=broker-a\n",
        servicePort: 10911,
        heapMb: 512,
        manager: "process",
        adopted: { pid: 100, runningVersion: "4.9.6", confPath: "/opt/rocketmq/conf/broker.conf", keepOnDestroy: true },
    });

    it("refuses at its first preview a version other than the one running, naming the process and host", () => {
        assert.deepStrictEqual(adoptedVersionFailures(inputs, {}), [
            {
                property: "version",
                reason:
                    "broker legacy-broker-a-0 on host vm1 runs RocketMQ 4.9.6, not 4.9.7: adoption takes the cluster " +
                    "as it runs, so set the version to what runs, adopt, then change it to roll",
            },
        ]);
        assert.deepStrictEqual(
            adoptedVersionFailures({ ...inputs, adopted: { ...inputs.adopted!, runningVersion: "4.9.7" } }, {}),
            [],
        );
        // Once taken over, a version change is a roll, not a refusal.
        assert.deepStrictEqual(adoptedVersionFailures(inputs, { version: "4.9.7" }), []);
    });

    it("is known by its main class while it runs as found, and restarts marked with the operator's conf", () => {
        assert.strictEqual(runningMarker(inputs), BROKER);
        assert.strictEqual(runningMarker({ ...inputs, adopted: undefined }), undefined);
        const args = hostJavaArgs(hostProcessSpec(inputs, 17));
        assert.ok(args.includes(`${ADOPTED_FROM_PROPERTY}/opt/rocketmq/conf/broker.conf`), args.join(" "));
        assert.ok(args.includes("-Duser.home=/srv/rocketmq/legacy-broker-a-0"));
        assert.ok(
            !hostJavaArgs(hostProcessSpec({ ...inputs, adopted: undefined }, 17)).some((a) =>
                a.startsWith(ADOPTED_FROM_PROPERTY),
            ),
        );
    });
});

describe("blue.adopt in the stack config", () => {
    const base = {
        platform: "hosts",
        strategy: "rolling",
        nameServer: { count: 1 },
        hosts: { ns1: { address: "10.1.0.2" }, vm1: { address: "10.1.0.4" }, vm2: { address: "10.1.0.5" } },
        placement: { nameServers: ["ns1"] },
        blue: {
            version: "4.9.7",
            clusterName: "legacy",
            adopt: {
                nameServers: ["10.1.0.2:9876"],
                brokers: [
                    { host: "vm1", brokerConf: "/opt/rocketmq/conf/broker.conf", releaseDir: "/opt/rocketmq" },
                    { host: "vm2", brokerConf: "/opt/rocketmq/conf/broker.conf", releaseDir: "/opt/rocketmq" },
                ],
            },
        },
    };
    const problems = (raw: Record<string, unknown>): string[] => {
        try {
            parseStackConfig({ ...raw, sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----" }, true);
            return [];
        } catch (e) {
            return String((e as Error).message)
                .split("\n")
                .filter((l) => l.includes("rocketmq-upgrade:"));
        }
    };

    it("accepts an adopted cluster with no placement of its brokers", () => {
        assert.deepStrictEqual(problems(base), []);
    });

    it("takes blue-green onto further hosts on an adopted cluster", () => {
        assert.deepStrictEqual(
            problems({
                ...base,
                strategy: "blue-green",
                nameServer: { count: 1, version: "5.5.0" },
                hosts: { ...base.hosts, vm3: { address: "10.1.0.6" } },
                placement: { ...base.placement, green: { brokers: { "a-0": "vm3" } } },
                green: {
                    version: "5.5.0",
                    clusterName: "fresh",
                    brokerGroups: 1,
                    slavesPerGroup: 0,
                    brokerRole: "ASYNC_MASTER",
                    proxies: 0,
                },
            }),
            [],
        );
    });

    it("refuses adopt with placement.blue, with name servers placed elsewhere, and off platform hosts", () => {
        const all = [
            ...problems({ ...base, placement: { nameServers: ["ns1"], blue: { brokers: { "a-0": "vm1" } } } }),
            ...problems({
                ...base,
                blue: { ...base.blue, adopt: { ...base.blue.adopt, nameServers: ["10.1.0.9:9876"] } },
            }),
            ...problems({
                ...base,
                blue: {
                    ...base.blue,
                    adopt: { ...base.blue.adopt, brokers: [{ ...base.blue.adopt.brokers[0], host: "vm9" }] },
                },
            }),
            ...problems({ blue: base.blue }),
        ].join("\n");
        for (const expected of [
            /placement\.blue: leave it out when blue\.adopt is set/,
            /blue\.adopt\.nameServers\[0\] = "10\.1\.0\.9:9876": placement\.nameServers\[0\] is host ns1, so it must be "10\.1\.0\.2:9876"/,
            /blue\.adopt\.brokers\[0\]\.host = "vm9": no host of that name/,
            /blue\.adopt: only used with platform "hosts" \(platform is "local"\)/,
        ]) {
            assert.match(all, expected);
        }
    });
});

describe("the adoption listing a preview prints", () => {
    it("names every server with its host, pid, release, conf and store", () => {
        const b = { ...adopted("broker-a", 0, { listenPort: "10911" }), runningVersion: "4.9.7" };
        assert.strictEqual(
            adoptionListing("legacy", {
                brokers: [b],
                nameServers: [{ key: "k", host: "ns1", port: 9876, pid: 7, runningVersion: "4.9.7" }],
                problems: [],
            }),
            "blue.adopt: cluster legacy as it runs:\n" +
                "  name server on ns1:9876, pid 7, RocketMQ 4.9.7\n" +
                "  broker broker-a/0 (ASYNC_MASTER) on vm1 at 10.1.0.4:10911, pid 100, RocketMQ 4.9.7, " +
                "/opt/rocketmq/conf/broker.conf, store /srv/store",
        );
    });
});
