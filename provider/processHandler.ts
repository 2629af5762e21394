/**
 * rocketmq:local:Process: one RocketMQ server (NameServer, Broker or Proxy)
 * running as a JVM on this machine.
 *
 * - create starts it and returns only once it serves (for a broker: once the
 *   name servers list it);
 * - read reports whether the recorded process still runs;
 * - diff also looks at the live process, so a server that died outside
 *   Pulumi shows as an update and `pulumi up` restarts it on its old store;
 * - update restarts it in place (same directory, same store) with the new
 *   version or config;
 * - a name server restarted in place (a release change) counts as serving
 *   only once every broker it listed before is registered with it again, so
 *   a rolling name-server upgrade never leaves clients a name server that
 *   knows no routes;
 * - a running broker with `roll` set (the rolling strategy) is restarted
 *   through its turn of the roll (operations/brokerTurn.ts): refusals first, write
 *   permission taken away and given back around a master's restart, each
 *   step verified and reported;
 * - `stopped: true` keeps it declared but not running (a retired colour);
 * - delete stops it, waits for it to exit and removes its directory.
 */
import * as fs from "fs";
import * as provider from "@pulumi/pulumi/provider";
import {
    launchedAs,
    portIsFree,
    runningLaunch,
    runningPid,
    ServerRole,
    startServer,
    stopServer,
    STDOUT_LOG,
} from "../operations/launcher";
import { brokerConfigKeys, unknownKeys } from "../operations/configKeys";
import { resolveRuntime } from "../operations/maven";
import { brokerIsListed } from "../operations/mqadmin";
import { decodeInputs } from "../contracts/inputDecoding";
import { BrokerRollInputs, PROCESS_TYPE, processInputs, ProcessInputs } from "../contracts/processContract";
import { brokerRollTurn } from "./brokerRollTurn";
import { awaitReregistration, downgradeFailures, listedBrokers } from "./nameServerRestart";
import { changedKeys, HandlerContext, ResourceHandler } from "./resourceHandler";

const ROLES: readonly ServerRole[] = ["namesrv", "broker", "proxy"];
/** Inputs whose change restarts the process in place. */
const RESTART_KEYS = ["version", "config", "servicePort", "heapMb", "registration", "stopped"] as const;
/** Inputs whose change makes it another process altogether. */
const REPLACE_KEYS = ["role", "dir"] as const;

const START_TIMEOUT_MS: Record<ServerRole, number> = { namesrv: 120_000, broker: 240_000, proxy: 180_000 };

/** Input problems, each naming the property. Pure. */
export function processInputFailures(news: Record<string, unknown>): provider.CheckFailure[] {
    const failures: provider.CheckFailure[] = [];
    if (!ROLES.includes(news.role as ServerRole)) {
        failures.push({ property: "role", reason: `role must be one of ${ROLES.join(", ")}` });
    }
    for (const key of ["version", "dir", "config"]) {
        if (typeof news[key] !== "string" || (news[key] as string).length === 0) {
            failures.push({ property: key, reason: `${key} is required` });
        }
    }
    if (typeof news.dir === "string" && !news.dir.startsWith("/")) {
        failures.push({ property: "dir", reason: `dir must be an absolute path, got ${news.dir}` });
    }
    const port = news.servicePort;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1024 || port > 65535) {
        failures.push({ property: "servicePort", reason: `servicePort must be an integer from 1024 to 65535` });
    }
    const heap = news.heapMb;
    if (typeof heap !== "number" || !Number.isInteger(heap) || heap < 64) {
        failures.push({ property: "heapMb", reason: `heapMb must be an integer of at least 64` });
    }
    return failures;
}

/**
 * The JVM serving the process's directory, if one runs. The directory's pid
 * file decides, not the pid in state: a server restarted outside Pulumi on
 * the same directory is still this resource's process.
 */
function livePid(props: Record<string, unknown>): number | undefined {
    return typeof props.dir === "string" ? runningPid(props.dir) : undefined;
}

/** A broker started without write permission: a master's restart is verified before it takes writes again. */
export function readOnly<T extends { config: string }>(inputs: T): T {
    return { ...inputs, config: `${inputs.config.trimEnd()}\nbrokerPermission=4\n` };
}

/**
 * A start that failed only because the cluster answered slowly, so a second
 * start can succeed: a 5.x proxy creates its system topics on the brokers at
 * startup and exits if their routes do not show up within a few seconds,
 * which happens on busy cores right after the brokers started. Pure.
 */
export function retryableStartFailure(role: string, message: string): boolean {
    return role === "proxy" && /create system (broadcast )?topic \S+ failed/.test(message);
}

const START_ATTEMPTS = 3;

async function start(ctx: HandlerContext, inputs: ProcessInputs): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await startOnce(ctx, inputs);
        } catch (err) {
            const message = (err as Error).message;
            if (attempt >= START_ATTEMPTS || !retryableStartFailure(inputs.role, message)) {
                throw err;
            }
            ctx.progress(
                `${inputs.role} in ${inputs.dir} exited while creating its system topics (attempt ${attempt} of ${START_ATTEMPTS}); starting it again`,
            );
            await new Promise((r) => setTimeout(r, 3000));
        }
    }
}

async function startOnce(ctx: HandlerContext, inputs: ProcessInputs): Promise<Record<string, unknown>> {
    const runtime = await resolveRuntime(inputs.version, ctx.progress);
    if (!(await portIsFree(inputs.servicePort))) {
        throw new Error(
            `cannot start ${inputs.role} in ${inputs.dir}: port ${inputs.servicePort} is already in use by another process`,
        );
    }
    const reg = inputs.registration;
    const began = Date.now();
    const timer = setInterval(() => {
        const waited = Math.round((Date.now() - began) / 1000);
        const what = reg
            ? `${reg.brokerName}/${reg.brokerId} to register with ${reg.nameServers}`
            : `port ${inputs.servicePort}`;
        ctx.progress(`starting ${inputs.role} ${inputs.version}: waiting for ${what} (${waited}s)`);
    }, 2000);
    try {
        const pid = await startServer(
            {
                role: inputs.role,
                dir: inputs.dir,
                config: inputs.config,
                servicePort: inputs.servicePort,
                heapMb: inputs.heapMb,
                readyWhen: reg
                    ? () => brokerIsListed(runtime, reg.nameServers, reg.brokerName, reg.brokerId)
                    : undefined,
            },
            runtime,
            START_TIMEOUT_MS[inputs.role],
        );
        return {
            ...inputs,
            pid,
            running: true,
            startedAt: new Date().toISOString(),
            stdoutLog: `${inputs.dir}/${STDOUT_LOG}`,
            logDir: `${inputs.dir}/logs/rocketmqlogs`,
        };
    } finally {
        clearInterval(timer);
    }
}

async function stop(ctx: HandlerContext, dir: string, role: string): Promise<void> {
    ctx.progress(`stopping ${role} in ${dir}`);
    await stopServer(dir);
}

function stoppedOutputs(inputs: Record<string, unknown>): Record<string, unknown> {
    return {
        ...inputs,
        pid: 0,
        running: false,
        startedAt: "",
        stdoutLog: `${String(inputs.dir)}/${STDOUT_LOG}`,
        logDir: `${String(inputs.dir)}/logs/rocketmqlogs`,
    };
}

/** A running broker's turn of the roll on this machine. */
function rollTurn(
    ctx: HandlerContext,
    oldDir: string,
    inputs: ProcessInputs,
    roll: BrokerRollInputs,
    reg: NonNullable<ProcessInputs["registration"]>,
): Promise<Record<string, unknown>> {
    // An interrupted run may have restarted it already, writable or (a master) read-only.
    const launch = runningLaunch(oldDir);
    const runsTarget = launch !== undefined && (launchedAs(launch, inputs) || launchedAs(launch, readOnly(inputs)));
    return brokerRollTurn(ctx, inputs.version, roll, reg, {
        startedAt: launch?.startedAt,
        resumed:
            runsTarget && launch
                ? {
                      startedAt: launch.startedAt,
                      outputs: {
                          ...inputs,
                          pid: launch.pid,
                          running: true,
                          startedAt: launch.startedAt,
                          stdoutLog: `${inputs.dir}/${STDOUT_LOG}`,
                          logDir: `${inputs.dir}/logs/rocketmqlogs`,
                      },
                  }
                : undefined,
        stop: () => stop(ctx, oldDir, inputs.role),
        start: async (withoutWrites) => ({
            ...(await start(ctx, withoutWrites ? readOnly(inputs) : inputs)),
            config: inputs.config,
        }),
    });
}

export const processHandler: ResourceHandler = {
    async check(ctx, news, olds) {
        const failures = processInputFailures(news);
        if (failures.length === 0 && news.role === "broker") {
            // At preview: a key the target release has no setter for would be silently ignored by the broker.
            const runtime = await resolveRuntime(String(news.version), ctx.progress);
            const unknown = unknownKeys(String(news.config), brokerConfigKeys(runtime));
            if (unknown.length > 0) {
                failures.push({
                    property: "config",
                    reason: `broker.conf key(s) ${unknown.join(", ")} are not known to RocketMQ ${runtime.version.text}`,
                });
            }
        }
        if (failures.length === 0 && news.role === "namesrv" && olds.version !== news.version) {
            // At preview an input may still be unknown: the refusal is then left to the `up`'s own check.
            const known = processInputs.safeParse(news);
            if (known.success) {
                failures.push(...(await downgradeFailures(known.data.version, `127.0.0.1:${known.data.servicePort}`)));
            }
        }
        return { inputs: news, failures };
    },

    async diff(_ctx, olds, news) {
        const replaces = changedKeys(olds, news, REPLACE_KEYS);
        const restarts = changedKeys(olds, news, RESTART_KEYS);
        const running = livePid(olds) !== undefined;
        const wrongState = news.stopped === true ? running : !running;
        return {
            changes: replaces.length > 0 || restarts.length > 0 || wrongState,
            replaces,
            // The same ports and store directory cannot be held by two processes at once.
            deleteBeforeReplace: true,
        };
    },

    async create(ctx, inputs) {
        const outs =
            inputs.stopped === true
                ? stoppedOutputs(inputs)
                : await start(ctx, decodeInputs(PROCESS_TYPE, processInputs, inputs));
        return { id: String(inputs.dir), outs };
    },

    async read(_ctx, id, props) {
        const pid = livePid(props);
        if (pid !== undefined) {
            return { id, props: { ...props, pid, running: true } };
        }
        // Still declared, no longer running: record that, so the next `up` restarts it.
        return { id, props: { ...props, running: false, pid: 0 } };
    },

    async update(ctx, _id, olds, news) {
        const inputs = decodeInputs(PROCESS_TYPE, processInputs, news);
        const wasRunning = livePid(olds) !== undefined;
        if (wasRunning && inputs.roll && inputs.registration && inputs.stopped !== true) {
            return { outs: await rollTurn(ctx, String(olds.dir), inputs, inputs.roll, inputs.registration) };
        }
        const before =
            wasRunning && inputs.role === "namesrv"
                ? await listedBrokers(inputs.version, `127.0.0.1:${inputs.servicePort}`)
                : new Set<string>();
        if (wasRunning) {
            await stop(ctx, String(olds.dir), inputs.role);
        }
        if (inputs.stopped === true) {
            return { outs: stoppedOutputs(news) };
        }
        const outs = await start(ctx, inputs);
        if (before.size > 0) {
            await awaitReregistration(ctx, inputs.version, `127.0.0.1:${inputs.servicePort}`, before);
        }
        // A broker restarted after it died keeps the report of its last turn of a roll.
        return { outs: olds.lastRoll ? { ...outs, lastRoll: olds.lastRoll } : outs };
    },

    async delete(ctx, _id, props) {
        const dir = String(props.dir);
        await stop(ctx, dir, String(props.role));
        fs.rmSync(dir, { recursive: true, force: true });
    },
};
