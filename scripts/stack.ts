/**
 * Runs `up`, `preview`, `refresh` or `destroy` for a stack of this project
 * through the Automation API with index.ts as an *inline* program.
 *
 * Why inline: the Go module proxy, the only place this machine can get Pulumi
 * binaries from, does not serve the Node.js language host
 * (sdk/nodejs/cmd/pulumi-language-nodejs). An inline program runs its own
 * language server inside this Node process and drives the real `pulumi` CLI,
 * so the engine, the state backend and the plugins are all the real ones.
 *
 * Usage: ts-node scripts/stack.ts <up|preview|refresh|destroy> [--stack NAME] [--refresh] [--diff]
 *        [--replace URN]... [--target URN]...
 * Environment: set by scripts/pulumi.sh (backend, passphrase, PULUMI_HOME, CLI path).
 */
import * as path from "path";
import { CommandError, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";

const OPERATIONS = ["up", "preview", "refresh", "destroy"] as const;
type Operation = (typeof OPERATIONS)[number];

interface Options {
    operation: Operation;
    stack: string;
    refresh: boolean;
    diff: boolean;
    /** URNs to replace (up/preview): how to force a fresh backup or verification. */
    replace: string[];
    /** URNs to limit the operation to. */
    target: string[];
}

export function parseArgs(argv: string[]): Options {
    const [operation, ...rest] = argv;
    if (!OPERATIONS.includes(operation as Operation)) {
        throw new Error(`unknown operation "${operation ?? ""}": use one of ${OPERATIONS.join(", ")}`);
    }
    const opts: Options = {
        operation: operation as Operation,
        stack: "local",
        refresh: false,
        diff: false,
        replace: [],
        target: [],
    };
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "--stack" || arg === "-s") {
            opts.stack = rest[++i] ?? "";
        } else if (arg.startsWith("--stack=")) {
            opts.stack = arg.slice("--stack=".length);
        } else if (arg === "--refresh" || arg === "-r") {
            opts.refresh = true;
        } else if (arg === "--diff") {
            opts.diff = true;
        } else if (arg === "--replace" || arg === "--target") {
            const urn = rest[++i];
            if (!urn?.startsWith("urn:pulumi:")) {
                throw new Error(`${arg} takes a resource URN (see \`pulumi stack --show-urns\`), got "${urn ?? ""}"`);
            }
            opts[arg === "--replace" ? "replace" : "target"].push(urn);
        } else if (arg === "--yes" || arg === "-y" || arg === "--skip-preview" || arg === "-f") {
            // The Automation API never prompts; accepted so that CLI habits work.
        } else {
            throw new Error(`unknown option "${arg}" for ${opts.operation}`);
        }
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(opts.stack)) {
        throw new Error(`invalid stack name "${opts.stack}"`);
    }
    return opts;
}

async function main(): Promise<void> {
    const opts = parseArgs(process.argv.slice(2));
    const root = path.resolve(__dirname, "..");
    const cli = process.env.PULUMI_CLI;
    if (!cli) {
        throw new Error("PULUMI_CLI is not set: run this through scripts/pulumi.sh");
    }
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(path.dirname(cli)) });
    const program = async () => {
        // require, not import(): the program must load through ts-node's CommonJS hook.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const outputs: Record<string, unknown> = { ...require("../index") };
        return outputs;
    };
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: opts.stack, projectName: "rocketmq-upgrade", program },
        { workDir: root, pulumiCommand, secretsProvider: "passphrase" },
    );
    const onOutput = (out: string) => process.stdout.write(out);
    const common = {
        onOutput,
        color: "auto" as const,
        diff: opts.diff,
        replace: opts.replace.length > 0 ? opts.replace : undefined,
        target: opts.target.length > 0 ? opts.target : undefined,
    };
    switch (opts.operation) {
        case "up":
            await stack.up({ ...common, refresh: opts.refresh });
            break;
        case "preview":
            await stack.preview({ ...common, refresh: opts.refresh });
            break;
        case "refresh":
            await stack.refresh({ onOutput, color: "auto" });
            break;
        case "destroy":
            await stack.destroy({ onOutput, color: "auto" });
            break;
    }
}

if (require.main === module) {
    main().catch((err: unknown) => {
        // A failed CLI run has already streamed its diagnostics; repeating them only buries them.
        const text = err instanceof CommandError ? "the pulumi command failed (diagnostics above)" : String(err);
        process.stderr.write(`error: ${text}\n`);
        process.exit(1);
    });
}
