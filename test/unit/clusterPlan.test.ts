import * as assert from "assert";
import { parseStackConfig } from "../../config/stackConfig";
import { clusterSpecProblem, planCluster, planNameServers, portsOf, PORT_SPAN } from "../../domain/clusterPlan";

const NS = planNameServers(2, 19876);

function spec(overrides: Record<string, unknown> = {}) {
    return parseStackConfig({
        blue: { version: "4.9.7", clusterName: "blue", ...overrides },
        green: { version: "5.5.0", clusterName: "green" },
    }).blue;
}

describe("cluster plan", () => {
    it("plans the seed's default 2-NS / 2M-2S topology", () => {
        const plan = planCluster(spec(), 20000, NS);
        assert.deepStrictEqual(
            plan.nameServers.map((n) => [n.name, n.address]),
            [
                ["namesrv-0", "127.0.0.1:19876"],
                ["namesrv-1", "127.0.0.1:19877"],
            ],
        );
        assert.strictEqual(plan.nameServerList, "127.0.0.1:19876;127.0.0.1:19877");
        assert.deepStrictEqual(
            plan.brokers.map((b) => [b.name, b.brokerName, b.brokerId, b.role]),
            [
                ["blue-broker-a-0", "blue-a", 0, "SYNC_MASTER"],
                ["blue-broker-a-1", "blue-a", 1, "SLAVE"],
                ["blue-broker-b-0", "blue-b", 0, "SYNC_MASTER"],
                ["blue-broker-b-1", "blue-b", 1, "SLAVE"],
            ],
        );
        assert.deepStrictEqual(plan.proxies, [], "4.9.x gets no proxy by default");
    });

    it("starts masters after the name servers and slaves after their own master", () => {
        const plan = planCluster(spec({ brokerGroups: 3, slavesPerGroup: 2 }), 20000, NS);
        for (const b of plan.brokers) {
            assert.ok(b.after.includes("namesrv-0") && b.after.includes("namesrv-1"), b.name);
            const master = `blue-broker-${b.group}-0`;
            assert.strictEqual(b.after.includes(master), b.brokerId > 0, b.name);
            assert.ok(
                !b.after.some((a) => a.startsWith("blue-broker-") && a !== master),
                `${b.name} waits for another group`,
            );
        }
        assert.strictEqual(plan.brokers.length, 9);
    });

    it("plans masters only when there are no slaves", () => {
        const plan = planCluster(spec({ brokerGroups: 1, slavesPerGroup: 0, brokerRole: "ASYNC_MASTER" }), 20000, NS);
        assert.deepStrictEqual(
            plan.brokers.map((b) => b.name),
            ["blue-broker-a-0"],
        );
    });

    it("gives 5.1+ clusters a proxy that waits for every master", () => {
        const plan = planCluster({ ...spec(), version: "5.5.0", clusterName: "green" }, 21000, NS);
        assert.strictEqual(plan.proxies.length, 1);
        assert.deepStrictEqual(plan.proxies[0].after, [
            "namesrv-0",
            "namesrv-1",
            "green-broker-a-0",
            "green-broker-b-0",
        ]);
        assert.strictEqual(plan.proxies[0].grpcAddress, `127.0.0.1:${plan.proxies[0].grpcPort}`);
    });

    it("refuses proxies on 4.9.x with a clear reason", () => {
        assert.match(
            clusterSpecProblem({ ...spec(), proxies: 1 })!,
            /proxies = 1: the RocketMQ Proxy needs version 5.1 or newer/,
        );
        assert.throws(() => planCluster({ ...spec(), proxies: 2 }, 20000, NS), /cluster blue: proxies = 2/);
    });

    it("uses distinct ports inside PORT_SPAN, even at the largest topology", () => {
        const plan = planCluster(
            { ...spec({ brokerGroups: 8, slavesPerGroup: 2 }), version: "5.5.0", proxies: 4 },
            30000,
            NS,
        );
        const ports = portsOf(plan);
        assert.strictEqual(new Set(ports).size, ports.length, "a port is used twice");
        assert.ok(
            ports.every((p) => p >= 30000 && p < 30000 + PORT_SPAN),
            "a port falls outside the span",
        );
    });
});

describe("stack config of clusters", () => {
    it("refuses a 4.9.x cluster with proxies requested, naming the key", () => {
        assert.throws(
            () =>
                parseStackConfig({
                    blue: { version: "4.9.7", clusterName: "blue", proxies: 1 },
                    green: { version: "5.5.0", clusterName: "green" },
                }),
            /rocketmq-upgrade:blue\.proxies = 1: the RocketMQ Proxy needs version 5\.1 or newer, and this cluster runs 4\.9\.7/,
        );
    });

    it("refuses overlapping port ranges", () => {
        assert.throws(
            () =>
                parseStackConfig({
                    blue: { version: "4.9.7", clusterName: "blue", basePort: 20000 },
                    green: { version: "5.5.0", clusterName: "green", basePort: 20100 },
                }),
            /green\.basePort = 20100: each cluster uses 140 ports/,
        );
    });

    it("refuses name-server ports inside a colour's range, naming both ranges", () => {
        assert.throws(
            () =>
                parseStackConfig({
                    nameServer: { basePort: 21100 },
                    blue: { version: "4.9.7", clusterName: "blue" },
                    green: { version: "5.5.0", clusterName: "green" },
                }),
            /nameServer\.basePort = 21100: the name servers' ports 21100-21101 overlap green's ports 21000-21139/,
        );
    });
});
