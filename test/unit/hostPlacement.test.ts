import * as assert from "assert";
import { parseStackConfig } from "../../config/stackConfig";
import { planCluster, planNameServers } from "../../domain/clusterPlan";
import {
    ColourPlacement,
    HOST_DEFAULT_PORTS,
    HostSpec,
    hostPortCollisions,
    placeCluster,
    placeNameServers,
    processPaths,
} from "../../domain/hostPlacement";

function host(name: string, address: string): HostSpec {
    return { name, address, local: false, sshPort: 22, user: "rocketmq", releaseRoot: "/opt", dataRoot: "/data" };
}

const HOSTS = new Map(
    ["ns1", "ns2", "vm1", "vm2", "vm3", "vm4"].map((n, i) => [n, host(n, `10.77.0.${i + 10}`)] as const),
);

function specs() {
    const cfg = parseStackConfig({
        blue: { version: "4.9.7", clusterName: "blue" },
        green: { version: "5.5.0", clusterName: "green" },
    });
    const ns = planNameServers(2, 19876);
    return { blue: planCluster(cfg.blue!, 20000, ns), green: planCluster(cfg.green!, 21000, ns) };
}

const BLUE: ColourPlacement = {
    brokers: { "a-0": "vm1", "a-1": "vm2", "b-0": "vm3", "b-1": "vm4" },
    proxies: [],
    brokerPort: HOST_DEFAULT_PORTS.broker,
    proxyPort: HOST_DEFAULT_PORTS.proxyRemoting,
};

describe("host placement", () => {
    it("puts each broker on its host at RocketMQ's default ports, addressed by the host", () => {
        const placed = placeCluster(specs().blue, BLUE, HOSTS, "rocketmq-upgrade:blue.hosts");
        assert.deepStrictEqual(placed.problems, []);
        assert.deepStrictEqual(
            placed.value!.plan.brokers.map((b) => [b.name, b.address, b.haPort]),
            [
                ["blue-broker-a-0", "10.77.0.12:10911", 10912],
                ["blue-broker-a-1", "10.77.0.13:10911", 10912],
                ["blue-broker-b-0", "10.77.0.14:10911", 10912],
                ["blue-broker-b-1", "10.77.0.15:10911", 10912],
            ],
        );
        assert.strictEqual(placed.value!.hostOf["blue-broker-b-1"], "vm4");
        // Identity and start order are the plan's; only where it runs changes.
        assert.deepStrictEqual(
            placed.value!.plan.brokers.map((b) => [b.brokerName, b.brokerId, b.role, b.after]),
            specs().blue.brokers.map((b) => [b.brokerName, b.brokerId, b.role, b.after]),
        );
    });

    it("gives a second broker on one host ports clear of the first's VIP, listen and HA ports", () => {
        const placed = placeCluster(
            specs().blue,
            { ...BLUE, brokers: { "a-0": "vm1", "a-1": "vm2", "b-0": "vm2", "b-1": "vm1" } },
            HOSTS,
            "k",
        );
        assert.deepStrictEqual(placed.problems, []);
        const ports = placed.value!.plan.brokers.map((b) => [b.name, b.port]);
        assert.deepStrictEqual(ports, [
            ["blue-broker-a-0", 10911],
            ["blue-broker-a-1", 10911],
            ["blue-broker-b-0", 11011],
            ["blue-broker-b-1", 11011],
        ]);
        assert.deepStrictEqual(hostPortCollisions([placed.value!.plan], [], placed.value!.hostOf), []);
    });

    it("refuses, naming the key, a broker without a host, a key for no broker and an unknown host", () => {
        const placed = placeCluster(
            specs().blue,
            { ...BLUE, brokers: { "a-0": "vm1", "a-1": "vm9", "b-0": "vm3", "c-0": "vm4" } },
            HOSTS,
            "rocketmq-upgrade:blue.hosts",
        );
        assert.strictEqual(placed.value, undefined);
        assert.deepStrictEqual(placed.problems, [
            'rocketmq-upgrade:blue.hosts.brokers.a-1 = "vm9": no host of that name (hosts: ns1, ns2, vm1, vm2, vm3, vm4)',
            'rocketmq-upgrade:blue.hosts.brokers: broker b-1 (blue-broker-b-1) has no host; add "b-1": "<host>"',
            "rocketmq-upgrade:blue.hosts.brokers.c-0: the cluster has no broker c-0 (its brokers: a-0, a-1, b-0, b-1)",
        ]);
    });

    it("refuses a group's master and slave on one host", () => {
        const placed = placeCluster(
            specs().blue,
            { ...BLUE, brokers: { "a-0": "vm1", "a-1": "vm1", "b-0": "vm3", "b-1": "vm4" } },
            HOSTS,
            "k",
        );
        assert.deepStrictEqual(placed.problems, [
            "k.brokers: a-0 and a-1 are all on host vm1: a group's master and slaves must be on different hosts, " +
                "or one machine's failure takes every copy of their messages",
        ]);
    });

    it("places proxies one per listed host, and refuses a list of the wrong length", () => {
        const green = specs().green;
        const ok = placeCluster(
            green,
            { ...BLUE, brokerPort: 11911, proxies: ["vm1"] },
            HOSTS,
            "rocketmq-upgrade:green.hosts",
        );
        assert.deepStrictEqual(ok.problems, []);
        assert.deepStrictEqual(
            ok.value!.plan.proxies.map((p) => [p.remotingPort, p.grpcAddress]),
            [[8080, "10.77.0.12:8081"]],
        );
        const wrong = placeCluster(green, { ...BLUE, proxies: [] }, HOSTS, "rocketmq-upgrade:green.hosts");
        assert.deepStrictEqual(wrong.problems, [
            "rocketmq-upgrade:green.hosts.proxies: lists 0 host(s) for 1 proxy; list one host per proxy",
        ]);
    });

    it("finds both colours on one host's port, naming host, port and both processes", () => {
        const { blue, green } = specs();
        const b = placeCluster(blue, BLUE, HOSTS, "blue").value!;
        const sameHosts = { ...BLUE, proxies: ["ns1"] };
        const clash = placeCluster(green, sameHosts, HOSTS, "green").value!;
        const problems = hostPortCollisions([b.plan, clash.plan], [], { ...b.hostOf, ...clash.hostOf });
        assert.strictEqual(problems.length, 12, problems.join("\n"));
        assert.strictEqual(
            problems[0],
            "host vm1: blue-broker-a-0 and green-broker-a-0 would both bind port 10909; give one colour its own " +
                "brokerPort or proxyPort, or another host",
        );
        const apart = placeCluster(green, { ...sameHosts, brokerPort: 11911 }, HOSTS, "green").value!;
        assert.deepStrictEqual(hostPortCollisions([b.plan, apart.plan], [], { ...b.hostOf, ...apart.hostOf }), []);
    });

    it("puts name servers on their hosts at 9876, the next port up for a second on one host", () => {
        const placed = placeNameServers(["ns1", "ns2", "ns1"], HOSTS, "rocketmq-upgrade:nameServer.hosts");
        assert.deepStrictEqual(
            placed.value!.nameServers.map((n) => [n.name, n.address]),
            [
                ["namesrv-0", "10.77.0.10:9876"],
                ["namesrv-1", "10.77.0.11:9876"],
                ["namesrv-2", "10.77.0.10:9877"],
            ],
        );
        assert.deepStrictEqual(placeNameServers(["nsX"], HOSTS, "ns.hosts").problems, [
            'ns.hosts[0] = "nsX": no host of that name (hosts: ns1, ns2, vm1, vm2, vm3, vm4)',
        ]);
        assert.deepStrictEqual(placeNameServers([], HOSTS, "ns.hosts").problems, [
            "ns.hosts = []: list at least one host for the name servers",
        ]);
    });

    it("keeps a release per version on the host and a link per process, so two colours on one host never share one", () => {
        const h = { ...host("vm1", "10.77.0.12"), releaseRoot: "/opt/", dataRoot: "/data/rocketmq/" };
        assert.deepStrictEqual(processPaths(h, "green-broker-a-0", "5.5.0"), {
            release: "/opt/rocketmq-5.5.0",
            active: "/data/rocketmq/green-broker-a-0/rocketmq",
            store: "/data/rocketmq/green-broker-a-0/store",
            logs: "/data/rocketmq/green-broker-a-0/logs",
        });
        assert.notStrictEqual(
            processPaths(h, "blue-broker-a-0", "4.9.7").active,
            processPaths(h, "green-broker-a-0", "5.5.0").active,
        );
    });
});
