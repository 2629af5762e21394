import * as assert from "assert";
import {
    brokerConfOf,
    DeclaredBroker,
    HostObservation,
    matchAdoption,
    ReportedBroker,
} from "../../domain/adoptionMatch";
import { parseProperties } from "../../domain/serverConfig";

const MAIN = "org.apache.rocketmq.broker.BrokerStartup";
const ADDRESSES = new Map([
    ["vm1", "10.77.0.12"],
    ["vm2", "10.77.0.13"],
]);

/** The JVM command line `sh bin/mqbroker -c conf/broker.conf` leaves behind, as the runbook starts it. */
function brokerJvm(pid: number, cwd: string, conf: string) {
    return {
        pid,
        cwd,
        argv: ["/usr/bin/java", "-server", "-Xms1g", "-cp", ".:/opt/rocketmq/lib/*", MAIN, "-c", conf],
        home: "/home/mq",
    };
}

function conf(brokerName: string, brokerId: number, extra = ""): string {
    return `# written by hand\nbrokerClusterName = prod\nbrokerName=${brokerName}\nbrokerId=${brokerId}\n${extra}`;
}

const DECLARED: DeclaredBroker[] = [
    { key: "k.brokers[0]", host: "vm1", confPath: "/opt/rocketmq/conf/broker.conf", releaseDir: "/opt/rocketmq" },
    { key: "k.brokers[1]", host: "vm2", confPath: "/opt/rocketmq/conf/broker.conf", releaseDir: "/opt/rocketmq" },
];

const REPORTED: ReportedBroker[] = [
    { cluster: "prod", brokerName: "broker-a", brokerId: 0, address: "10.77.0.12:10911", version: "V4_9_7" },
    { cluster: "prod", brokerName: "broker-a", brokerId: 1, address: "10.77.0.13:10911", version: "V4_9_7" },
];

function observed(overrides: Record<string, Partial<HostObservation>> = {}): Map<string, HostObservation> {
    const base: Record<string, HostObservation> = {
        vm1: {
            processes: [
                { pid: 40, cwd: "/", argv: ["/usr/sbin/sshd", "-D"] },
                brokerJvm(4101, "/opt/rocketmq", "conf/broker.conf"),
            ],
            files: { "/opt/rocketmq/conf/broker.conf": conf("broker-a", 0) },
        },
        vm2: {
            processes: [brokerJvm(5202, "/home/mq", "/opt/rocketmq/conf/broker.conf")],
            files: { "/opt/rocketmq/conf/broker.conf": conf("broker-a", 1, "brokerRole=SLAVE\n") },
        },
    };
    return new Map(Object.entries(base).map(([h, o]) => [h, { ...o, ...overrides[h] }]));
}

describe("adoption matcher", () => {
    it("matches each declared broker to its running process, its conf and the name servers' listing", () => {
        const r = matchAdoption(DECLARED, ADDRESSES, observed(), REPORTED, "prod");
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(
            r.adopted.map((a) => [a.key, a.pid, a.address, a.brokerName, a.brokerId, a.version, a.conf.brokerRole]),
            [
                ["k.brokers[0]", 4101, "10.77.0.12:10911", "broker-a", 0, "V4_9_7", undefined],
                ["k.brokers[1]", 5202, "10.77.0.13:10911", "broker-a", 1, "V4_9_7", "SLAVE"],
            ],
        );
    });

    it("matches a broker started from a linked release directory to the path the operator declares", () => {
        // /opt/rocketmq -> /opt/rocketmq-4.9.7: the process's working directory is the link's target.
        const linked = observed({
            vm1: {
                processes: [brokerJvm(4101, "/opt/rocketmq-4.9.7", "conf/broker.conf")],
                files: { "/opt/rocketmq/conf/broker.conf": conf("broker-a", 0) },
                realPaths: { "/opt/rocketmq/conf/broker.conf": "/opt/rocketmq-4.9.7/conf/broker.conf" },
            },
        });
        const r = matchAdoption(DECLARED, ADDRESSES, linked, REPORTED, "prod");
        assert.deepStrictEqual(r.problems, []);
        assert.strictEqual(r.adopted[0].pid, 4101);
        assert.strictEqual(r.adopted[0].confPath, "/opt/rocketmq/conf/broker.conf", "kept as the operator wrote it");
        const unresolved = observed({ vm1: { ...linked.get("vm1")!, realPaths: {} } });
        assert.match(
            matchAdoption(DECLARED, ADDRESSES, unresolved, REPORTED, "prod").problems[0],
            /no broker process on vm1/,
        );
    });

    it("reads the conf a broker was started with, relative to its working directory, in each spelling", () => {
        assert.strictEqual(
            brokerConfOf(brokerJvm(1, "/opt/rocketmq", "conf/../conf/b.conf")),
            "/opt/rocketmq/conf/b.conf",
        );
        assert.strictEqual(
            brokerConfOf({ pid: 1, cwd: "/x", argv: ["java", MAIN, "--configFile=/etc/mq/b.conf"] }),
            "/etc/mq/b.conf",
        );
        assert.strictEqual(brokerConfOf({ pid: 1, cwd: "/x", argv: ["java", MAIN] }), undefined);
        assert.strictEqual(
            brokerConfOf({
                pid: 1,
                cwd: "/x",
                argv: ["java", "org.apache.rocketmq.namesrv.NamesrvStartup", "-c", "a"],
            }),
            undefined,
            "a name server is not a broker",
        );
    });

    it("refuses a broker on no listed host, naming it", () => {
        const r = matchAdoption(
            [{ ...DECLARED[0], host: "vm7" }, DECLARED[1]],
            ADDRESSES,
            observed(),
            REPORTED,
            "prod",
        );
        assert.deepStrictEqual(r.adopted, []);
        assert.deepStrictEqual(r.problems, [
            'k.brokers[0] (vm7:/opt/rocketmq/conf/broker.conf): host "vm7" is not listed under hosts (hosts: vm1, vm2)',
        ]);
    });

    it("refuses a broker whose process cannot be identified: none, or two, started with its conf", () => {
        const none = matchAdoption(
            DECLARED,
            ADDRESSES,
            observed({ vm2: { processes: [brokerJvm(77, "/", "/srv/other.conf")] } }),
            REPORTED,
            "prod",
        );
        assert.deepStrictEqual(none.problems, [
            "k.brokers[1] (vm2:/opt/rocketmq/conf/broker.conf): no broker process on vm2 was started with " +
                "/opt/rocketmq/conf/broker.conf (running brokers there: pid 77 with /srv/other.conf)",
        ]);
        const two = matchAdoption(
            DECLARED,
            ADDRESSES,
            observed({
                vm1: {
                    processes: [
                        brokerJvm(4101, "/opt/rocketmq", "conf/broker.conf"),
                        brokerJvm(4102, "/", "/opt/rocketmq/conf/broker.conf"),
                    ],
                },
            }),
            REPORTED,
            "prod",
        );
        assert.match(
            two.problems[0],
            /^k\.brokers\[0\] .*: 2 broker processes on vm1 were started with .*cannot tell which/,
        );
    });

    it("refuses a broker.conf whose cluster or broker name differs from what the name servers report", () => {
        const r = matchAdoption(
            DECLARED,
            ADDRESSES,
            observed({ vm2: { files: { "/opt/rocketmq/conf/broker.conf": conf("broker-b", 1) } } }),
            REPORTED,
            "prod",
        );
        assert.deepStrictEqual(r.problems, [
            "k.brokers[1] (vm2:/opt/rocketmq/conf/broker.conf): broker.conf does not match the name servers for " +
                "10.77.0.13:10911: brokerName is broker-b in the file, broker-a registered",
        ]);
        const unread = matchAdoption(DECLARED, ADDRESSES, observed({ vm1: { files: {} } }), REPORTED, "prod");
        assert.deepStrictEqual(unread.problems, [
            "k.brokers[0] (vm1:/opt/rocketmq/conf/broker.conf): cannot read /opt/rocketmq/conf/broker.conf on vm1",
        ]);
    });

    it("refuses a broker the name servers do not list at its host and listenPort", () => {
        const r = matchAdoption(
            DECLARED,
            ADDRESSES,
            observed({ vm1: { files: { "/opt/rocketmq/conf/broker.conf": conf("broker-a", 0, "listenPort=20911") } } }),
            REPORTED,
            "prod",
        );
        assert.match(r.problems[0], /^k\.brokers\[0\] .*: the name servers list no broker at 10\.77\.0\.12:20911/);
    });

    it("refuses to adopt half a cluster: a listed broker nobody declared is named", () => {
        const r = matchAdoption([DECLARED[0]], ADDRESSES, observed(), REPORTED, "prod");
        assert.deepStrictEqual(r.adopted, []);
        assert.deepStrictEqual(r.problems, [
            "cluster prod: the name servers list broker-a id 1 at 10.77.0.13:10911, which no adopt entry declares; " +
                "declare every broker of the cluster",
        ]);
    });

    it("refuses the same broker declared twice", () => {
        const r = matchAdoption(
            [DECLARED[0], { ...DECLARED[0], key: "k.brokers[2]" }],
            ADDRESSES,
            observed(),
            REPORTED,
            "prod",
        );
        assert.deepStrictEqual(r.problems, [
            "k.brokers[2] (vm1:/opt/rocketmq/conf/broker.conf): declared twice, also as k.brokers[0]",
        ]);
    });
});

describe("properties files", () => {
    it("reads a hand-written broker.conf: each separator, comments, blank lines, a later key winning", () => {
        assert.deepStrictEqual(
            parseProperties(
                "# c\n! c\n\nbrokerName = a\r\nbrokerId:1\nflushDiskType ASYNC_FLUSH\nbrokerName=b\nemptyKey\n",
            ),
            { brokerName: "b", brokerId: "1", flushDiskType: "ASYNC_FLUSH", emptyKey: "" },
        );
    });
});
