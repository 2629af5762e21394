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
 *        [--replace URN]... [--target URN]... [--config KEY=VALUE]...
 * Environment: set by scripts/pulumi.sh (backend, passphrase, PULUMI_HOME, CLI path).
 * ROCKETMQ_UPGRADE_OUTPUTS_FD: after a successful `up`, the stack's outputs as JSON are written to this file
 * descriptor (secret values as "[secret]"), so a caller needs no second CLI call to read them.
 */
import * as fs from "fs";
import * as os from "os";
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
    /** Config values set in the stack before an `up` or `preview`, as the CLI's `--config` does. */
    config: Array<[string, string]>;
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
        config: [],
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
        } else if ((arg === "--config" || arg === "-c") && (operation === "up" || operation === "preview")) {
            const pair = rest[++i] ?? "";
            const eq = pair.indexOf("=");
            if (eq <= 0) {
                throw new Error(`${arg} takes KEY=VALUE, got "${pair}"`);
            }
            opts.config.push([pair.slice(0, eq), pair.slice(eq + 1)]);
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

/** The CLI's own stderr, out of a CommandError's message ("code: … stdout: … stderr: … err?: …"). */
export function cliStderr(message: string): string {
    const m = /\n stderr: ([\s\S]*?)\n err\?: /.exec(message);
    return (m ? m[1] : message).trim();
}

/** Who holds a stack's lock, as the CLI names it: "created by USER@HOST (pid N) at TIME". */
export interface LockHolder {
    user: string;
    host: string;
    pid: number;
    since: string;
}

export function lockHolders(stderr: string): LockHolder[] {
    return [...stderr.matchAll(/created by (\S+?)@(\S+) \(pid (\d+)\) at (\S+)/g)].map((m) => ({
        user: m[1],
        host: m[2],
        pid: Number(m[3]),
        since: m[4],
    }));
}

/**
 * What to print when the CLI failed. The engine's diagnostics were streamed
 * already; the CLI's own error (a locked stack, a bad flag) was not, so it is
 * printed here. For a lock: who holds it, whether that process still runs,
 * and how to clear it without letting two runs change the cluster at once.
 */
export function describeCliFailure(
    stderr: string,
    stack: string,
    here: { host: string; isRunning: (pid: number) => boolean },
): string {
    const own = stderr
        .split("\n")
        .filter((line) => line.trim() !== "")
        .join("\n");
    const lines = [own || "the pulumi command failed (diagnostics above)"];
    for (const holder of lockHolders(stderr)) {
        const who = `pid ${holder.pid} on ${holder.host} (since ${holder.since})`;
        if (holder.host !== here.host) {
            lines.push(
                `The lock on stack "${stack}" was taken by ${who}, another host: make sure no run is going on there, then clear it with \`npm run pulumi -- cancel --stack ${stack}\`.`,
            );
        } else if (here.isRunning(holder.pid)) {
            lines.push(
                `The lock on stack "${stack}" is held by ${who}, which is still running: wait for it to end. Cancelling now would let two runs change the cluster at once.`,
            );
        } else {
            lines.push(
                `The lock on stack "${stack}" was left by ${who}, which is no longer running: an interrupted run. Clear it with \`npm run pulumi -- cancel --stack ${stack}\`, then run \`npm run pulumi -- up --stack ${stack}\` again to finish the change.`,
            );
        }
    }
    return lines.join("\n");
}

/**
 * The program's exports that have a value: an output of a strategy or routing
 * the stack does not use is left out rather than exported as undefined,
 * which the engine warns about on every run. Pure.
 */
export function definedOutputs(exports: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(exports).filter(([, value]) => value !== undefined));
}

/** An `up`'s outputs as `pulumi stack output --json` shows them: secret values as "[secret]". Pure. */
export function shownOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? "[secret]" : o.value]));
}

function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        // EPERM: it exists, owned by someone else.
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
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
        return definedOutputs(require("../index") as Record<string, unknown>);
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
    if (opts.config.length > 0) {
        await stack.setAllConfig(Object.fromEntries(opts.config.map(([k, value]) => [k, { value }])));
    }
    switch (opts.operation) {
        case "up": {
            const result = await stack.up({ ...common, refresh: opts.refresh });
            const fd = process.env.ROCKETMQ_UPGRADE_OUTPUTS_FD;
            if (fd) {
                fs.writeSync(Number(fd), JSON.stringify(shownOutputs(result.outputs)));
            }
            break;
        }
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
        let text: string;
        if (err instanceof CommandError) {
            let stack = "local";
            try {
                stack = parseArgs(process.argv.slice(2)).stack;
            } catch {
                // The arguments were accepted before the CLI ran; keep the default name.
            }
            const described = describeCliFailure(cliStderr(err.message), stack, { host: os.hostname(), isRunning });
            text = described.replace(/^error: /i, "");
        } else {
            text = String(err);
        }
        process.stderr.write(`error: ${text}\n`);
        process.exit(1);
    });
}
