import * as assert from "assert";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, registered, resolved, runProgram, settled } from "./mocks";

const BLUE = JSON.stringify({ version: "4.9.7", clusterName: "blue" });
const GREEN = JSON.stringify({ version: "5.5.0", clusterName: "green" });
const BASE_CONFIG: Record<string, string> = {
    "rocketmq-upgrade:blue": BLUE,
    "rocketmq-upgrade:green": GREEN,
};

function processes() {
    return registered.filter((r) => r.type === "rocketmq:hosts:Process");
}

describe("the program (Pulumi mocks)", () => {
    before(installMocks);

    it("declares shared name servers at green's release, blue at 4.9.7, green at 5.5.0 with a proxy", async () => {
        const program = runProgram(BASE_CONFIG);
        assert.strictEqual(
            await resolved(program.nameServers as pulumi.Output<string>),
            "127.0.0.1:19876;127.0.0.1:19877",
        );
        await settled();
        assert.deepStrictEqual(
            processes()
                .map((p) => [p.name, p.inputs.role, p.inputs.version])
                .sort(),
            [
                ["blue-broker-a-0", "broker", "4.9.7"],
                ["blue-broker-a-1", "broker", "4.9.7"],
                ["blue-broker-b-0", "broker", "4.9.7"],
                ["blue-broker-b-1", "broker", "4.9.7"],
                ["green-broker-a-0", "broker", "5.5.0"],
                ["green-broker-a-1", "broker", "5.5.0"],
                ["green-broker-b-0", "broker", "5.5.0"],
                ["green-broker-b-1", "broker", "5.5.0"],
                ["green-proxy-0", "proxy", "5.5.0"],
                ["namesrv-0", "namesrv", "5.5.0"],
                ["namesrv-1", "namesrv", "5.5.0"],
            ],
        );
        const components = registered.filter((r) => r.type.startsWith("rocketmq:index:"));
        assert.deepStrictEqual(components.map((r) => `${r.type} ${r.name}`).sort(), [
            "rocketmq:index:Backup blue",
            "rocketmq:index:BlueGreen rocketmq",
            "rocketmq:index:Cluster blue",
            "rocketmq:index:Cluster green",
            "rocketmq:index:NameServers shared",
            "rocketmq:index:Verification blue",
            "rocketmq:index:Verification green",
        ]);
        // The local platform is the hosts platform with one host, this machine, reached without SSH.
        const inventory = registered.filter((r) => r.type === "rocketmq:hosts:Inventory");
        assert.deepStrictEqual(
            inventory.map((r) =>
                (r.inputs.hosts as { access: { name: string; local: boolean } }[]).map((h) => h.access),
            ),
            [
                [
                    {
                        name: "local",
                        address: "127.0.0.1",
                        local: true,
                        sshPort: 22,
                        user: os.userInfo().username,
                    },
                ],
            ],
        );
        const root = path.resolve(__dirname, "..", "..", ".pulumi", "local", "unit");
        const where = (name: string) => {
            const p = processes().find((x) => x.name === name)!.inputs;
            return [(p.host as { name: string }).name, p.dir, p.releaseRoot, p.privateKey];
        };
        assert.deepStrictEqual(where("namesrv-0"), [
            "local",
            `${root}/namesrv/namesrv-0`,
            `${root}/releases`,
            undefined,
        ]);
        assert.deepStrictEqual(where("green-broker-a-1"), [
            "local",
            `${root}/green/green-broker-a-1`,
            `${root}/releases`,
            undefined,
        ]);
        const traffic = registered.filter((r) => r.type === "rocketmq:local:Traffic");
        assert.strictEqual(traffic.length, 1);
        assert.strictEqual(traffic[0].inputs.weight, 0);
        assert.deepStrictEqual(traffic[0].inputs.green, {
            clusterName: "green",
            masters: [
                { brokerName: "green-a", address: "127.0.0.1:21012" },
                { brokerName: "green-b", address: "127.0.0.1:21020" },
            ],
        });
        assert.strictEqual(registered.filter((r) => r.type === "rocketmq:local:DrainCheck").length, 0);
    });

    it("registers both colours' brokers with the shared name servers", async () => {
        const program = runProgram(BASE_CONFIG);
        await resolved(program.nameServers as pulumi.Output<string>);
        await settled();
        for (const name of ["blue-broker-b-1", "green-broker-a-0"]) {
            const broker = registered.find((r) => r.name === name)!;
            const conf = String(broker.inputs.config).split("\n");
            assert.ok(conf.includes("namesrvAddr=127.0.0.1:19876;127.0.0.1:19877"), `${name}:\n${conf.join("\n")}`);
            assert.ok(conf.includes("autoCreateTopicEnable=false"));
        }
        const slave = registered.find((r) => r.name === "blue-broker-b-1")!;
        assert.deepStrictEqual(slave.inputs.registration, {
            nameServers: "127.0.0.1:19876;127.0.0.1:19877",
            brokerName: "blue-b",
            brokerId: 1,
        });
    });

    it("keys each colour's verification to its own topic and compares green with blue's baseline", async () => {
        runProgram(BASE_CONFIG);
        await settled();
        const checks = registered.filter((r) => r.type === "rocketmq:local:Verification");
        assert.deepStrictEqual(
            checks.map((c) => [c.name, (c.inputs.settings as { verifyTopic: string }).verifyTopic]),
            [
                ["blue-checks", "RMQ_UPGRADE_VERIFY_blue"],
                ["green-checks", "RMQ_UPGRADE_VERIFY_green"],
            ],
        );
        const green = checks.find((c) => c.name === "green-checks")!;
        assert.strictEqual((green.inputs.benchmark as { topic: string }).topic, "RMQ_UPGRADE_BENCH_green");
    });

    it("declares blue alone, at its own release, when no upgrade is under way", async () => {
        runProgram({ "rocketmq-upgrade:blue": BLUE });
        await settled();
        // Two name servers and 2 groups of master + slave: an empty list must not pass the every() below.
        assert.strictEqual(processes().length, 6);
        assert.ok(processes().every((p) => p.inputs.version === "4.9.7"));
        assert.ok(!processes().some((p) => p.name.startsWith("green-")));
        assert.strictEqual(registered.filter((r) => r.type === "rocketmq:local:Traffic").length, 0);
    });

    it("with retireBlue at 100 %, gates blue's stopped brokers behind a drain check", async () => {
        runProgram({ ...BASE_CONFIG, "rocketmq-upgrade:trafficWeight": "100", "rocketmq-upgrade:retireBlue": "true" });
        await settled();
        assert.strictEqual(registered.filter((r) => r.type === "rocketmq:local:DrainCheck").length, 1);
        const blue = processes().filter((p) => p.name.startsWith("blue-"));
        assert.ok(blue.length === 4 && blue.every((p) => p.inputs.stopped === true));
        const others = processes().filter((p) => !p.name.startsWith("blue-"));
        // Green's 4 brokers and proxy, and the 2 name servers.
        assert.strictEqual(others.length, 7);
        assert.ok(others.every((p) => p.inputs.stopped !== true));
    });

    it("registers no resource at all when the config is invalid", () => {
        for (const [key, value, message] of [
            ["trafficWeight", "150", /rocketmq-upgrade:trafficWeight = 150: must be an integer from 0 to 100/],
            ["trafficWeight", "abc", /rocketmq-upgrade:trafficWeight = "abc": must be an integer from 0 to 100/],
            ["trafficWeight", "-1", /rocketmq-upgrade:trafficWeight = -1: must be an integer from 0 to 100/],
            ["canaryStages", "[10, 30, 50]", /rocketmq-upgrade:canaryStages = \[10,30,50\]: must end at 100/],
        ] as const) {
            assert.throws(() => runProgram({ ...BASE_CONFIG, [`rocketmq-upgrade:${key}`]: value }), message);
            assert.deepStrictEqual(registered, [], `${key}=${value} registered resources`);
        }
    });

    it("declares the rolling strategy: a preflight gate before the first broker, every broker a turn of the roll", async () => {
        runProgram({ "rocketmq-upgrade:blue": BLUE, "rocketmq-upgrade:strategy": "rolling" });
        await settled();
        const components = registered.filter((r) => r.type.startsWith("rocketmq:index:"));
        assert.deepStrictEqual(components.map((r) => `${r.type} ${r.name}`).sort(), [
            "rocketmq:index:Backup blue",
            "rocketmq:index:Cluster blue",
            "rocketmq:index:NameServers shared",
            "rocketmq:index:Rolling rocketmq",
            "rocketmq:index:Verification blue",
        ]);
        const gate = registered.filter((r) => r.type === "rocketmq:local:RollPreflight");
        assert.strictEqual(gate.length, 1);
        assert.strictEqual(gate[0].inputs.targetVersion, "4.9.7");
        // The whole cluster is on this machine: the release is staged there once.
        assert.deepStrictEqual(
            (gate[0].inputs.releaseHosts as { host: { name: string; local: boolean }; releaseRoot: string }[]).map(
                (h) => [h.host.name, h.host.local, path.basename(h.releaseRoot)],
            ),
            [["local", true, "releases"]],
        );
        assert.deepStrictEqual(
            (gate[0].inputs.processes as { name: string }[]).map((p) => p.name),
            ["namesrv-0", "namesrv-1", "blue-broker-a-0", "blue-broker-a-1", "blue-broker-b-0", "blue-broker-b-1"],
        );
        // Registration order follows the dependency chain: the gate, then slaves, then masters.
        const order = registered
            .filter((r) => r.type === "rocketmq:local:RollPreflight" || r.name.includes("-broker-"))
            .map((r) => r.name);
        assert.deepStrictEqual(order, [
            "blue-roll-preflight",
            "blue-broker-a-1",
            "blue-broker-b-1",
            "blue-broker-a-0",
            "blue-broker-b-0",
        ]);
        const masterA = registered.find((r) => r.name === "blue-broker-a-0")!;
        assert.deepStrictEqual(masterA.inputs.roll, {
            groupRole: "SYNC_MASTER",
            address: "127.0.0.1:20012",
            peers: [{ brokerId: 1, address: "127.0.0.1:20016" }],
            settings: { maxLagBytes: 1048576, catchUpSeconds: 60, writeStopSeconds: 45, consumerWaitSeconds: 30 },
        });
        assert.strictEqual(registered.filter((r) => r.type === "rocketmq:local:Traffic").length, 0);
    });

    it("declares blue-green brokers without a roll", async () => {
        runProgram(BASE_CONFIG);
        await settled();
        // Both colours' 8 brokers, green's proxy and the 2 name servers.
        assert.strictEqual(processes().length, 11);
        assert.ok(processes().every((p) => p.inputs.roll === undefined));
    });

    it("declares isolated routing: each colour on its own name servers, the address server behind the metadata sync", async () => {
        const program = runProgram({
            ...BASE_CONFIG,
            "rocketmq-upgrade:routing": "isolated",
            "rocketmq-upgrade:trafficWeight": "10",
        });
        assert.strictEqual(
            await resolved(program.nameServers as pulumi.Output<string>),
            "127.0.0.1:19876;127.0.0.1:19877",
        );
        assert.strictEqual(
            await resolved(program.greenNameServers as pulumi.Output<string>),
            "127.0.0.1:19886;127.0.0.1:19887",
        );
        await settled();
        const nameServers = processes()
            .filter((p) => p.inputs.role === "namesrv")
            .map((p) => [p.name, p.inputs.version]);
        assert.deepStrictEqual(nameServers.sort(), [
            ["green-namesrv-0", "5.5.0"],
            ["green-namesrv-1", "5.5.0"],
            ["namesrv-0", "4.9.7"],
            ["namesrv-1", "4.9.7"],
        ]);
        const namesrvLine = (name: string) =>
            String(registered.find((r) => r.name === name)!.inputs.config)
                .split("\n")
                .find((l) => l.startsWith("namesrvAddr="));
        assert.strictEqual(namesrvLine("blue-broker-a-0"), "namesrvAddr=127.0.0.1:19876;127.0.0.1:19877");
        assert.strictEqual(namesrvLine("green-broker-b-1"), "namesrvAddr=127.0.0.1:19886;127.0.0.1:19887");
        assert.strictEqual(registered.filter((r) => r.type === "rocketmq:local:Traffic").length, 0);
        const sync = registered.filter((r) => r.type === "rocketmq:local:MetadataSync");
        const address = registered.filter((r) => r.type === "rocketmq:local:AddressServer");
        assert.strictEqual(sync.length, 1);
        assert.strictEqual(address.length, 1);
        assert.strictEqual(sync[0].inputs.weight, 10);
        assert.strictEqual(address[0].inputs.weight, 10);
        assert.strictEqual(address[0].inputs.port, 18080);
        assert.strictEqual(address[0].inputs.blueNameServers, "127.0.0.1:19876;127.0.0.1:19877");
        assert.strictEqual(address[0].inputs.greenNameServers, "127.0.0.1:19886;127.0.0.1:19887");
    });

    it("declares an isolated blue alone with an address server that answers blue to everyone", async () => {
        const { "rocketmq-upgrade:green": _green, ...blueOnly } = BASE_CONFIG;
        runProgram({ ...blueOnly, "rocketmq-upgrade:routing": "isolated" });
        await settled();
        const address = registered.filter((r) => r.type === "rocketmq:local:AddressServer");
        assert.strictEqual(address.length, 1);
        assert.strictEqual(address[0].inputs.greenNameServers, "");
        assert.strictEqual(address[0].inputs.weight, 0);
        assert.strictEqual(registered.filter((r) => r.type === "rocketmq:local:MetadataSync").length, 0);
    });
});
