import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

const BASE_CONFIG: Record<string, string> = {
    "rocketmq-upgrade:blue": JSON.stringify({ version: "4.9.7", clusterName: "blue" }),
    "rocketmq-upgrade:green": JSON.stringify({ version: "5.5.0", clusterName: "green" }),
};

/** Loads index.ts afresh with `config` as the stack config, recording every resource it registers. */
async function runProgram(config: Record<string, string>): Promise<Record<string, unknown>> {
    registered.length = 0;
    pulumi.runtime.setAllConfig(config);
    const root = path.resolve(__dirname, "..", "..");
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(root) && !key.includes(`${path.sep}node_modules${path.sep}`)) {
            delete require.cache[key];
        }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("../../index");
}

function resolved<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

describe("the program (Pulumi mocks)", () => {
    before(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource(args: pulumi.runtime.MockResourceArgs) {
                    registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                    const state = { ...args.inputs };
                    if (args.type === "rocketmq:local:Runtime") {
                        state.home = `/cache/rocketmq/${String(args.inputs.version)}`;
                    }
                    return { id: `${args.name}-id`, state };
                },
                call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
            },
            "rocketmq-upgrade",
            "unit",
            true,
        );
    });

    it("declares one runtime per colour at the configured versions", async () => {
        const program = await runProgram(BASE_CONFIG);
        assert.strictEqual(await resolved(program.blueHome as pulumi.Output<string>), "/cache/rocketmq/4.9.7");
        assert.strictEqual(await resolved(program.greenHome as pulumi.Output<string>), "/cache/rocketmq/5.5.0");
        const runtimes = registered.filter((r) => r.type === "rocketmq:local:Runtime");
        assert.deepStrictEqual(
            runtimes.map((r) => [r.name, r.inputs.version]),
            [
                ["blue-runtime", "4.9.7"],
                ["green-runtime", "5.5.0"],
            ],
        );
        assert.strictEqual(program.trafficWeight, 0);
    });

    it("registers no resource at all when the config is invalid", async () => {
        await assert.rejects(
            runProgram({ ...BASE_CONFIG, "rocketmq-upgrade:trafficWeight": "150" }),
            /rocketmq-upgrade:trafficWeight = 150: must be an integer from 0 to 100/,
        );
        assert.deepStrictEqual(registered, []);
    });
});
