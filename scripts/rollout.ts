/**
 * The operator's rollout commands, on top of `npm run pulumi`:
 *
 *   npm run status                      where the rollout stands (a table)
 *   npm run promote [-- --force] [--to N] [--stack S]
 *       moves to the next canary stage, only when green's verification
 *       passed, both colours are healthy and the stage before has soaked for
 *       promotion.minSoakSeconds; --force skips those gates (and allows
 *       skipping stages with --to)
 *   npm run rollback [-- --stack S]     sets trafficWeight to 0 and runs `pulumi up`
 *
 * Each changes the stack config exactly as an operator would by hand, then
 * runs `pulumi up`. If `up` fails, the config goes back to the weight that
 * was applied, so config and routes never disagree.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig, rawConfigFromAll, StackConfig } from "../config/stackConfig";
import { nextStage, weightChangeProblem } from "../domain/canaryStages";
import { AdminSession } from "../operations/adminSession";
import {
    formatStageChange,
    formatStatus,
    gatherStatus,
    gateStatus,
    promotionBlockers,
    RolloutStatus,
    StackView,
} from "./rolloutStatus";

const root = path.resolve(__dirname, "..");

function pulumi(args: string[], opts: { capture: boolean }): string {
    const r = spawnSync("bash", [path.join(root, "scripts", "pulumi.sh"), ...args], {
        cwd: root,
        encoding: "utf8",
        stdio: opts.capture ? ["ignore", "pipe", "inherit"] : "inherit",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
        throw new Error(`pulumi ${args[0]} failed (exit ${r.status})`);
    }
    return r.stdout ?? "";
}

/** A read-only `pulumi` command's stdout, without blocking: the stack's config and outputs are read side by side. */
function pulumiRead(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [path.join(root, "scripts", "pulumi.sh"), ...args], {
            cwd: root,
            stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) =>
            code === 0 ? resolve(out) : reject(new Error(`pulumi ${args[0]} failed (exit ${code})`)),
        );
    });
}

function json(text: string): unknown {
    return JSON.parse(text.slice(text.search(/[[{]/)));
}

/** The stack's outputs. The first wrapper call also sets the CLI up (prerequisites, packages, the stack). */
function readOutputs(stack: string): Record<string, unknown> {
    return json(pulumi(["stack", "output", "--json", "--stack", stack], { capture: true })) as Record<string, unknown>;
}

async function readConfig(stack: string): Promise<StackConfig> {
    const rawConfig = json(await pulumiRead(["config", "--json", "--stack", stack])) as Record<
        string,
        { value?: string; objectValue?: unknown }
    >;
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawConfig)) {
        flat[k] = v.objectValue !== undefined ? JSON.stringify(v.objectValue) : String(v.value ?? "");
    }
    return parseStackConfig(rawConfigFromAll(flat));
}

function viewOf(stack: string, cfg: StackConfig, out: Record<string, unknown>): StackView {
    const reportFile = typeof out.greenVerificationReport === "string" ? out.greenVerificationReport : "";
    const greenVerified =
        reportFile !== "" &&
        fs.existsSync(reportFile) &&
        (json(fs.readFileSync(reportFile, "utf8")) as { ok: boolean }).ok;
    const colour = (prefix: "blue" | "green") =>
        out[`${prefix}Brokers`]
            ? {
                  clusterName: String(out[`${prefix}ClusterName`]),
                  version: String(out[`${prefix}Version`]),
                  brokers: out[`${prefix}Brokers`] as StackView["blue"]["brokers"],
              }
            : undefined;
    const blue = colour("blue");
    if (!blue || typeof out.nameServers !== "string") {
        throw new Error(`stack ${stack} has not been deployed yet: run \`npm run pulumi -- up\` first`);
    }
    return {
        weight: Number(out.trafficWeight ?? 0),
        stages: cfg.canaryStages,
        minSoakSeconds: cfg.promotion.minSoakSeconds,
        appliedAt: typeof out.trafficAppliedAt === "string" ? out.trafficAppliedAt : "",
        nameServers: out.nameServers,
        isolated:
            typeof out.addressServerUrl === "string"
                ? {
                      greenNameServers: typeof out.greenNameServers === "string" ? out.greenNameServers : "",
                      url: out.addressServerUrl,
                      clientLog: String(out.addressServerClientLog),
                  }
                : undefined,
        blue,
        green: colour("green"),
        greenVerified,
    };
}

/** Admin sessions on the stack's name servers (and green's own, with isolated routing), open for a whole command. */
interface Sessions {
    blue: AdminSession;
    green?: AdminSession;
}

/**
 * Opens the sessions while `alongside` runs, and gives `work` the sessions and what `alongside` got. If anything
 * fails, the sessions are closed before the error goes on. Otherwise `closed` settles once they are: a caller may run
 * the `up` meanwhile, since a session's JVM can take seconds to exit.
 */
async function withSessions<A, T>(
    out: Record<string, unknown>,
    alongside: Promise<A>,
    work: (sessions: Sessions, got: A) => Promise<T>,
): Promise<{ value: T; closed: Promise<void> }> {
    const quiet = () => undefined;
    const greenNameServers =
        typeof out.addressServerUrl === "string" && typeof out.greenNameServers === "string"
            ? out.greenNameServers
            : undefined;
    const [blue, green, got] = await Promise.allSettled([
        AdminSession.open(String(out.nameServers), quiet),
        greenNameServers ? AdminSession.open(greenNameServers, quiet) : Promise.resolve(undefined),
        alongside,
    ]);
    const opened = [blue, green].flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : []));
    const close = () => Promise.all(opened.map((session) => session.close())).then(() => undefined);
    let value: T;
    try {
        for (const r of [blue, green, got]) {
            if (r.status === "rejected") {
                throw r.reason;
            }
        }
        value = await work(
            { blue: (blue as PromiseFulfilledResult<AdminSession>).value, green: opened[1] },
            (got as PromiseFulfilledResult<A>).value,
        );
    } catch (err) {
        await close();
        throw err;
    }
    return { value, closed: close() };
}

function status(view: StackView, sessions: Sessions): Promise<RolloutStatus> {
    return gatherStatus(sessions.blue, view, new Date(), sessions.green);
}

/** The file descriptor scripts/stack.ts writes an `up`'s outputs to, beside the inherited stdin, stdout and stderr. */
const OUTPUTS_FD = 3;

/**
 * Sets the weight and runs `up` in one call of the wrapper; on failure restores the applied weight in config.
 * Returns the seconds taken and the stack's outputs after it.
 */
async function moveTo(
    stack: string,
    weight: number,
    applied: number,
    force: boolean,
): Promise<{ seconds: number; outputs: Record<string, unknown> }> {
    const began = Date.now();
    try {
        const { code, outputs } = await new Promise<{ code: number | null; outputs: string }>((resolve, reject) => {
            const child = spawn(
                "bash",
                [
                    path.join(root, "scripts", "pulumi.sh"),
                    "up",
                    "--stack",
                    stack,
                    "--config",
                    `trafficWeight=${weight}`,
                ],
                {
                    cwd: root,
                    stdio: ["inherit", "inherit", "inherit", "pipe"],
                    env: {
                        ...process.env,
                        ROCKETMQ_UPGRADE_OUTPUTS_FD: String(OUTPUTS_FD),
                        ...(force ? { ROCKETMQ_UPGRADE_FORCE_WEIGHT: "1" } : {}),
                    },
                },
            );
            let text = "";
            child.stdio[OUTPUTS_FD]?.on("data", (chunk: Buffer) => (text += chunk.toString()));
            child.on("error", reject);
            child.on("close", (exit) => resolve({ code: exit, outputs: text }));
        });
        if (code !== 0) {
            throw new Error(`pulumi up failed (exit ${code})`);
        }
        return { seconds: (Date.now() - began) / 1000, outputs: json(outputs) as Record<string, unknown> };
    } catch (err) {
        pulumi(["config", "set", "trafficWeight", String(applied), "--stack", stack], { capture: false });
        throw new Error(
            `${(err as Error).message}; trafficWeight in config is back at the applied ${applied}. ` +
                `Run \`npm run pulumi -- up\` to make sure the routes carry it.`,
            { cause: err },
        );
    }
}

interface Args {
    command: "status" | "promote" | "rollback";
    stack: string;
    force: boolean;
    to?: number;
}

export function parseArgs(argv: string[]): Args {
    const [command, ...rest] = argv;
    if (command !== "status" && command !== "promote" && command !== "rollback") {
        throw new Error(`usage: rollout.ts <status|promote|rollback> [--stack S] [--force] [--to N]`);
    }
    const args: Args = { command, stack: "local", force: false };
    for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--stack") {
            args.stack = rest[++i] ?? "";
        } else if (rest[i] === "--force") {
            args.force = true;
        } else if (rest[i] === "--to" && command === "promote") {
            args.to = Number(rest[++i]);
        } else {
            throw new Error(`unknown option "${rest[i]}" for ${command}`);
        }
    }
    return args;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    if (args.command === "rollback") {
        // The fast path: one output read, the config edit and `up`; nothing else stands between the operator and 0.
        const out = readOutputs(args.stack);
        const applied = Number(out.trafficWeight ?? 0);
        console.log(`rolling back: trafficWeight ${applied} → 0`);
        const { seconds } = await moveTo(args.stack, 0, applied, false);
        console.log(
            out.addressServerUrl
                ? `rolled back in ${seconds.toFixed(1)}s: the address server answers blue to every client; each ` +
                      `client moves at its next poll (2 min) plus a route refresh (30 s), and green's messages are still consumed`
                : `rolled back in ${seconds.toFixed(1)}s: green takes no new writes; producers drop it at their next ` +
                      `route refresh (30 s), and green's messages are still consumed`,
        );
        return;
    }
    const out = readOutputs(args.stack);
    if (typeof out.nameServers !== "string") {
        throw new Error(`stack ${args.stack} has not been deployed yet: run \`npm run pulumi -- up\` first`);
    }
    // The config is read while the admin sessions start; they serve the gates (or the status) and are closed
    // before the change, which opens its own.
    const { value: promotion, closed } = await withSessions(out, readConfig(args.stack), async (sessions, cfg) => {
        const view = viewOf(args.stack, cfg, out);
        if (cfg.trafficWeight !== view.weight) {
            throw new Error(
                `trafficWeight in config is ${cfg.trafficWeight} but ${view.weight} is applied: ` +
                    `run \`npm run pulumi -- up\` or set it back before promoting`,
            );
        }
        if (args.command === "status") {
            console.log(formatStatus(await status(view, sessions)));
            return undefined;
        }
        return { cfg, view, target: await promotionTarget(args, view, sessions) };
    });
    if (!promotion) {
        await closed;
        return;
    }
    const { cfg, view, target } = promotion;
    console.log(`promoting: trafficWeight ${view.weight} → ${target}`);
    // The sessions' JVMs exit while the `up` runs, not before it starts.
    const [{ seconds, outputs: after }] = await Promise.all([
        moveTo(args.stack, target, view.weight, args.force),
        closed,
    ]);
    console.log(`stage ${target} applied in ${seconds.toFixed(1)}s\n`);
    console.log(formatStageChange(viewOf(args.stack, cfg, after), after.effectiveShares as Record<string, number>));
}

/** The stage a promotion moves to, once its gates pass; throws naming each blocker (with the status) otherwise. */
async function promotionTarget(args: Args, view: StackView, sessions: Sessions): Promise<number> {
    const target = args.to ?? nextStage(view.weight, view.stages);
    const blockers = promotionBlockers(await gateStatus(sessions.blue, view, new Date(), sessions.green));
    const step = target === undefined ? undefined : weightChangeProblem(view.weight, target, view.stages, args.force);
    if (step) {
        blockers.unshift(step);
    }
    if (target === undefined || (blockers.length > 0 && !args.force)) {
        console.log(formatStatus(await status(view, sessions)));
        throw new Error(
            `promotion refused:\n  - ${blockers.join("\n  - ")}${args.force ? "" : "\n(--force skips these gates)"}`,
        );
    }
    return target;
}

if (require.main === module) {
    main().catch((err: unknown) => {
        process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    });
}
