import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, registered, resolved, runProgram } from "./mocks";

const BASE_CONFIG: Record<string, string> = {
    "rocketmq-upgrade:blue": JSON.stringify({ version: "4.9.7", clusterName: "blue" }),
    "rocketmq-upgrade:green": JSON.stringify({ version: "5.5.0", clusterName: "green" }),
};

describe("the program (Pulumi mocks)", () => {
    before(installMocks);

    it("declares the blue cluster: 2 name servers, 2 masters, 2 slaves, its runtime, no proxy on 4.9", async () => {
        const program = runProgram(BASE_CONFIG);
        assert.strictEqual(
            await resolved(program.blueNameServers as pulumi.Output<string>),
            "127.0.0.1:20000;127.0.0.1:20001",
        );
        const processes = registered.filter((r) => r.type === "rocketmq:local:Process");
        assert.deepStrictEqual(processes.map((p) => [p.name, p.inputs.role]).sort(), [
            ["blue-broker-a-0", "broker"],
            ["blue-broker-a-1", "broker"],
            ["blue-broker-b-0", "broker"],
            ["blue-broker-b-1", "broker"],
            ["blue-namesrv-0", "namesrv"],
            ["blue-namesrv-1", "namesrv"],
        ]);
        assert.ok(processes.every((p) => p.inputs.version === "4.9.7"));
        assert.deepStrictEqual(
            registered.filter((r) => r.type === "rocketmq:index:Cluster").map((r) => r.name),
            ["blue"],
        );
        assert.deepStrictEqual(
            registered.filter((r) => r.type === "rocketmq:local:Runtime").map((r) => [r.name, r.inputs.version]),
            [["blue-runtime", "4.9.7"]],
        );
        const brokers = await resolved(program.blueBrokers as pulumi.Output<Record<string, unknown[]>>);
        assert.deepStrictEqual(Object.keys(brokers), ["a", "b"]);
    });

    it("writes each broker's identity, role and name servers into its broker.conf", async () => {
        const program = runProgram(BASE_CONFIG);
        await resolved(program.blueNameServers as pulumi.Output<string>);
        const slave = registered.find((r) => r.name === "blue-broker-b-1")!;
        const conf = String(slave.inputs.config);
        for (const line of [
            "brokerClusterName=blue",
            "brokerName=blue-b",
            "brokerId=1",
            "brokerRole=SLAVE",
            "namesrvAddr=127.0.0.1:20000;127.0.0.1:20001",
            "autoCreateTopicEnable=false",
        ]) {
            assert.ok(conf.split("\n").includes(line), `missing ${line} in:\n${conf}`);
        }
        assert.deepStrictEqual(slave.inputs.registration, {
            nameServers: "127.0.0.1:20000;127.0.0.1:20001",
            brokerName: "blue-b",
            brokerId: 1,
        });
    });

    it("registers no resource at all when the config is invalid", () => {
        assert.throws(
            () => runProgram({ ...BASE_CONFIG, "rocketmq-upgrade:trafficWeight": "150" }),
            /rocketmq-upgrade:trafficWeight = 150: must be an integer from 0 to 100/,
        );
        assert.deepStrictEqual(registered, []);
    });
});
