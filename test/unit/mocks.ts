/** Pulumi mocks shared by the unit tests: records every resource the program registers. */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

export const registered: Registered[] = [];

/** What a function call (an invoke) returns; a test sets its own and puts the echo back when it is done. */
export const mockCalls: { answer: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> } = {
    answer: (args) => args.inputs,
};

let installed = false;

/** Installs the mocks once per process: custom resources echo their inputs as outputs. */
export async function installMocks(): Promise<void> {
    if (installed) {
        return;
    }
    installed = true;
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "aws:s3/bucket:Bucket") {
                    // What AWS computes: the bucket's ARN from its name.
                    state.arn = `arn:aws:s3:::${String(args.inputs.bucket)}`;
                }
                if (args.type === "rocketmq:hosts:Process") {
                    state.pid = 4242;
                    state.running = true;
                }
                return { id: `${args.name}-id`, state };
            },
            call: (args: pulumi.runtime.MockCallArgs) => mockCalls.answer(args),
        },
        "rocketmq-upgrade",
        "unit",
        false,
    );
}

/** Loads index.ts afresh with `config` as the stack config, the keys in `secretKeys` marked secret as the engine does. */
export function runProgram(config: Record<string, string>, secretKeys: string[] = []): Record<string, unknown> {
    registered.length = 0;
    pulumi.runtime.setAllConfig(config, secretKeys);
    const root = path.resolve(__dirname, "..", "..");
    for (const key of Object.keys(require.cache)) {
        if (
            key.startsWith(root) &&
            !key.includes(`${path.sep}node_modules${path.sep}`) &&
            !key.includes(`${path.sep}test${path.sep}`)
        ) {
            delete require.cache[key];
        }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("../../index");
}

export function resolved<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Waits until the program stops registering resources (registrations wait on their dependencies' outputs). */
export async function settled(quietMs = 150): Promise<void> {
    let seen = -1;
    while (seen !== registered.length) {
        seen = registered.length;
        await new Promise((r) => setTimeout(r, quietMs));
    }
}
