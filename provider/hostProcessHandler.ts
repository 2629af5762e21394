/**
 * rocketmq:hosts:Process: one RocketMQ server on a machine, reached over SSH or, on a host marked local, through a
 * local shell. It is the one process resource for machines: the embedded local stack is this platform with one
 * loopback host.
 *
 * - create copies the release to the host once (checked), points the process's link at it, writes its config and
 *   starts it the runbook's way, returning once it serves (a broker: once the name servers list it);
 * - read and diff look at the live process on its host, so one that died shows as an update and `pulumi up`
 *   starts it again on its old store;
 * - update restarts it in place with the new release or config; a running broker with `roll` set goes through
 *   its turn of the roll (provider/brokerRollTurn.ts), and a name server waits for its brokers to register again
 *   and never drops below 5.1 under 5.x brokers (provider/nameServerRestart.ts): the same gates as on this machine;
 * - delete stops it by its pid and removes its directory; the release stays for the host's other processes.
 *
 * An adopted process (`adopted` set) is taken over on create by the pid the program's discovery found, without a
 * restart: its pid and a launch record go into its directory, and it is recognised by its main class from then on.
 * Its later restarts are the tool's own, in its directory; a broker keeps the operator's broker.conf, marked on its
 * command line. Delete leaves it running unless the stack opted in.
 *
 * The SSH key arrives as the engine's secret wrapper and goes back into the outputs in that wrapper, so state
 * holds it encrypted; the decoded key lives only in this process's memory.
 */
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";
import {
    configHash,
    launchedAs,
    MAIN_CLASS,
    PID_FILE,
    portAccepts,
    portIsFree,
    STDOUT_LOG,
    type LaunchRecord,
} from "../operations/launcher";
import { checkJava, installRelease, pointLink, releaseDir } from "../operations/hostRelease";
import {
    ACTIVE_RELEASE_LINK,
    configPathOf,
    hostRunningPid,
    startOnHost,
    stopOnHost,
    type HostProcessSpec,
} from "../operations/hostProcess";
import { HostError, openHostShell, shellQuote, type HostAccess, type HostShell } from "../operations/hostShell";
import { brokerConfigKeys, unknownKeys } from "../operations/configKeys";
import { resolveRuntime } from "../operations/maven";
import { brokerIsListed } from "../operations/mqadmin";
import { decodeInputs } from "../contracts/inputDecoding";
import {
    HOST_PROCESS_TYPE,
    hostProcessInputs,
    type BrokerRollInputs,
    type HostAccessInputs,
    type HostProcessInputs,
} from "../contracts/hostProcessContract";
import { brokerRollTurn } from "./brokerRollTurn";
import { awaitReregistration, downgradeFailures, listedBrokers } from "./nameServerRestart";
import { changedKeys, type HandlerContext, type ResourceHandler } from "./resourceHandler";

/** Inputs whose change restarts the process in place. */
const RESTART_KEYS = [
    "version",
    "config",
    "servicePort",
    "heapMb",
    "registration",
    "stopped",
    "javaHome",
    "manager",
] as const;
/** Inputs whose change makes it another process altogether: another directory, or another machine. */
const REPLACE_KEYS = ["role", "dir", "host"] as const;

const START_TIMEOUT_MS = { namesrv: 120_000, broker: 240_000, proxy: 180_000 } as const;
/** What the process was started with, beside its pid file on the host. */
const HOST_LAUNCH_FILE = "launch.json";

/** A broker started without write permission: a master's restart is verified before it takes writes again. */
export function readOnly<T extends { config: string }>(inputs: T): T {
    return { ...inputs, config: `${inputs.config.trimEnd()}\nbrokerPermission=4\n` };
}

/**
 * A start that failed only because the cluster answered slowly, so a second start can succeed: a 5.x proxy creates
 * its system topics on the brokers at startup and exits if their routes do not show up within a few seconds, which
 * happens on busy cores right after the brokers started. Pure.
 */
export function retryableStartFailure(role: string, message: string): boolean {
    return role === "proxy" && /create system (broadcast )?topic \S+ failed/.test(message);
}

const START_ATTEMPTS = 3;

/** How to reach the process's host. */
export function hostAccessOf(host: HostAccessInputs, privateKey: string | undefined): HostAccess {
    return { ...host, privateKey };
}

/** The process as operations/hostProcess.ts runs it, on a host whose Java is `javaMajor`. Pure. */
export function hostProcessSpec(inputs: HostProcessInputs, javaMajor: number): HostProcessSpec {
    return {
        role: inputs.role,
        name: inputs.name,
        dir: inputs.dir,
        address: inputs.host.address,
        servicePort: inputs.servicePort,
        heapMb: inputs.heapMb,
        javaHome: inputs.javaHome,
        javaMajor,
        manager: inputs.manager,
        adoptedFrom: inputs.adopted?.confPath,
    };
}

/** What the running process's command line holds: an adopted one, perhaps started by hand, its main class. Pure. */
export function runningMarker(inputs: Pick<HostProcessInputs, "role" | "adopted">): string | undefined {
    return inputs.adopted ? MAIN_CLASS[inputs.role] : undefined;
}

function runningPid(shell: HostShell, inputs: HostProcessInputs): Promise<number | undefined> {
    return hostRunningPid(shell, inputs.dir, runningMarker(inputs));
}

async function withShell<T>(inputs: HostProcessInputs, fn: (shell: HostShell) => Promise<T>): Promise<T> {
    const shell = await openHostShell(hostAccessOf(inputs.host, inputs.privateKey));
    try {
        return await fn(shell);
    } finally {
        await shell.close().catch(() => undefined);
    }
}

/** The launch record left in a process's directory on its host, whether or not that process still runs. */
async function lastLaunch(shell: HostShell, inputs: HostProcessInputs): Promise<LaunchRecord | undefined> {
    const r = await shell.run(`cat ${shellQuote(path.posix.join(inputs.dir, HOST_LAUNCH_FILE))}`);
    try {
        return JSON.parse(r.stdout) as LaunchRecord;
    } catch {
        return undefined;
    }
}

/** The launch record of the process running in its directory on its host, when it is the one started there. */
async function hostLaunch(shell: HostShell, inputs: HostProcessInputs): Promise<LaunchRecord | undefined> {
    const pid = await runningPid(shell, inputs);
    if (pid === undefined) {
        return undefined;
    }
    const record = await lastLaunch(shell, inputs);
    return record?.pid === pid ? record : undefined;
}

/**
 * Whether a broker that no longer runs died during its master's turn of a roll: its last start was the turn's
 * restart on the declared release without write permission. Such a master must not come back writable behind the
 * turn's back: its turn resumes instead. Pure.
 */
export function diedDuringTurn(
    running: boolean,
    last: LaunchRecord | undefined,
    declared: Pick<HostProcessInputs, "version" | "heapMb" | "servicePort" | "config">,
): boolean {
    return !running && last !== undefined && launchedAs(last, readOnly(declared)) && !launchedAs(last, declared);
}

/** The outputs of a process that runs as `pid` since `startedAt`, beside the inputs exactly as the engine sent them. */
function runningOutputs(
    raw: Record<string, unknown>,
    inputs: HostProcessInputs,
    pid: number,
    startedAt: string,
): Record<string, unknown> {
    return {
        ...raw,
        pid,
        running: true,
        startedAt,
        release: releaseDir(inputs.releaseRoot, inputs.version),
        stdoutLog: path.posix.join(inputs.dir, STDOUT_LOG),
    };
}

function isoOf(ms: number | undefined): string | undefined {
    return ms === undefined ? undefined : new Date(ms).toISOString();
}

function stoppedOutputs(raw: Record<string, unknown>, inputs: HostProcessInputs): Record<string, unknown> {
    return { ...runningOutputs(raw, inputs, 0, ""), running: false };
}

/** What the process runs with, beside its pid file, for later runs to tell whether it is the one declared. */
async function writeLaunch(
    shell: HostShell,
    inputs: HostProcessInputs,
    pid: number,
    startedAt: string,
    writesWipedAt?: string,
): Promise<void> {
    const record: LaunchRecord = {
        pid,
        version: inputs.version,
        heapMb: inputs.heapMb,
        servicePort: inputs.servicePort,
        configSha256: configHash(inputs.config),
        startedAt,
        ...(writesWipedAt !== undefined ? { writesWipedAt } : {}),
    };
    await shell.mustRun(`cat > ${shellQuote(path.posix.join(inputs.dir, HOST_LAUNCH_FILE))}`, {
        stdin: `${JSON.stringify(record)}\n`,
    });
}

/** The declared release on the process's host, copied there unless it already is, with the copy's progress. */
async function stageRelease(ctx: HandlerContext, shell: HostShell, inputs: HostProcessInputs) {
    const runtime = await resolveRuntime(inputs.version, ctx.progress);
    let shown = -1;
    return installRelease(shell, runtime, inputs.releaseRoot, (sent, total) => {
        // One line per tenth of the archive: the copy reports every chunk.
        const tenth = Math.floor((10 * sent) / total);
        if (tenth !== shown) {
            shown = tenth;
            ctx.progress(
                `${inputs.role} ${inputs.name} on host ${inputs.host.name}: copying RocketMQ ${inputs.version} (${tenth * 10}%)`,
            );
        }
    });
}

/**
 * Starts the process on its host: the release copied there once, the process's link pointed at it, the config
 * written, then the start. Resolves with its outputs once it serves.
 */
async function start(
    ctx: HandlerContext,
    shell: HostShell,
    raw: Record<string, unknown>,
    inputs: HostProcessInputs,
    writesWipedAt?: string,
): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await startOnce(ctx, shell, raw, inputs, writesWipedAt);
        } catch (err) {
            if (attempt >= START_ATTEMPTS || !retryableStartFailure(inputs.role, (err as Error).message)) {
                throw err;
            }
            ctx.progress(
                `${inputs.role} ${inputs.name} on host ${inputs.host.name} exited while creating its system topics ` +
                    `(attempt ${attempt} of ${START_ATTEMPTS}); starting it again`,
            );
            await new Promise((r) => setTimeout(r, 3000));
        }
    }
}

/**
 * Whether another process already holds the port the process is to serve on: on the operator's own machine, any
 * bind on it; elsewhere, anything answering at the host's address.
 */
async function servicePortTaken(inputs: HostProcessInputs): Promise<boolean> {
    return inputs.host.local
        ? !(await portIsFree(inputs.servicePort))
        : portAccepts(inputs.servicePort, inputs.host.address);
}

async function startOnce(
    ctx: HandlerContext,
    shell: HostShell,
    raw: Record<string, unknown>,
    inputs: HostProcessInputs,
    writesWipedAt?: string,
): Promise<Record<string, unknown>> {
    const label = `${inputs.role} ${inputs.name} on host ${inputs.host.name}`;
    const runtime = await resolveRuntime(inputs.version, ctx.progress);
    const javaMajor = await checkJava(shell, inputs.javaHome);
    const release = await stageRelease(ctx, shell, inputs);
    await shell.mustRun(`mkdir -p ${shellQuote(inputs.dir)}`);
    await pointLink(shell, path.posix.join(inputs.dir, ACTIVE_RELEASE_LINK), release.dir);
    const reg = inputs.registration;
    const began = Date.now();
    const timer = setInterval(() => {
        const waited = Math.round((Date.now() - began) / 1000);
        const what = reg ? `${reg.brokerName}/${reg.brokerId} to register` : `port ${inputs.servicePort}`;
        ctx.progress(`starting ${label}: waiting for ${what} (${waited}s)`);
    }, 2000);
    try {
        let startedAt = new Date().toISOString();
        if ((await runningPid(shell, inputs)) === undefined) {
            if (await servicePortTaken(inputs)) {
                throw new HostError(
                    inputs.host.name,
                    `cannot start ${inputs.role} ${inputs.name}: port ${inputs.servicePort} is already in use by another process`,
                );
            }
            // Recorded before the start too, with no pid yet: a JVM that dies before its pid is read still leaves
            // what it was started as, so a master that dies in its turn resumes that turn instead of coming back
            // writable.
            await writeLaunch(shell, inputs, 0, startedAt, writesWipedAt);
        }
        const pid = await startOnHost(shell, hostProcessSpec(inputs, javaMajor), {
            config: inputs.config,
            timeoutMs: START_TIMEOUT_MS[inputs.role],
            readyWhen: reg ? () => brokerIsListed(runtime, reg.nameServers, reg.brokerName, reg.brokerId) : undefined,
            // Recorded as the JVM starts, not once it serves: a run killed while it boots leaves the record that
            // tells the next run this JVM is the one it declared (a broker's interrupted turn then resumes).
            onLaunched: async (launched) => {
                startedAt = new Date().toISOString();
                await writeLaunch(shell, inputs, launched, startedAt, writesWipedAt);
            },
        });
        return runningOutputs(raw, inputs, pid, startedAt);
    } finally {
        clearInterval(timer);
    }
}

async function stop(ctx: HandlerContext, shell: HostShell, inputs: HostProcessInputs): Promise<void> {
    ctx.progress(`stopping ${inputs.role} ${inputs.name} on host ${inputs.host.name}`);
    const spec = { dir: inputs.dir, manager: inputs.manager, name: inputs.name };
    if (inputs.adopted && (await hostRunningPid(shell, inputs.dir)) === undefined) {
        // Still the process found running: no unit of ours holds it, so it stops by its pid, as mqshutdown does.
        const pid = await runningPid(shell, inputs);
        if (pid !== undefined) {
            await stopOnHost(shell, { ...spec, manager: "process" }, { pid });
        }
        const confPath = inputs.adopted.confPath;
        if (confPath !== undefined) {
            // A broker writes its whole live config into the file it was started with whenever its config is
            // changed at runtime (the roll's wipe sets brokerPermission=4): the operator's file gets back what it
            // held when the stack adopted it.
            await shell.mustRun(`cat > ${shellQuote(confPath)}`, { stdin: inputs.config });
        }
        return;
    }
    await stopOnHost(shell, spec);
}

/**
 * Takes over an adopted process as it runs: no restart. Its pid and a launch record go into the process's directory,
 * so every later look (diff, read, the roll) finds it as if the tool had started it.
 */
async function takeOver(
    ctx: HandlerContext,
    shell: HostShell,
    raw: Record<string, unknown>,
    inputs: HostProcessInputs,
): Promise<Record<string, unknown>> {
    const { pid } = inputs.adopted!;
    const label = `${inputs.role} ${inputs.name}`;
    ctx.progress(`adopting ${label} on host ${inputs.host.name}: pid ${pid}, no restart`);
    const q = shellQuote;
    const alive = await shell.run(
        `kill -0 ${pid} && tr '\\0' ' ' < /proc/${pid}/cmdline | grep -qF -- ${q(MAIN_CLASS[inputs.role])}`,
    );
    if (alive.code !== 0) {
        throw new HostError(
            inputs.host.name,
            `${label}: pid ${pid}, which adoption found at preview, no longer runs ${MAIN_CLASS[inputs.role]}; ` +
                "nothing was taken over: run `pulumi up` again to find it afresh",
        );
    }
    const lstart = (await shell.run(`ps -o lstart= -p ${pid}`)).stdout.trim();
    const began = new Date(lstart);
    const startedAt = (Number.isNaN(began.getTime()) ? new Date() : began).toISOString();
    await shell.mustRun(`mkdir -p ${q(inputs.dir)} && echo ${pid} > ${q(path.posix.join(inputs.dir, PID_FILE))}`);
    await writeLaunch(shell, inputs, pid, startedAt);
    // The config its next restart starts it with, beside it: what the backup keeps of a name server that was
    // started with none (an adopted broker's backup reads the operator's broker.conf).
    await shell.mustRun(`cat > ${q(configPathOf(hostProcessSpec(inputs, 0)))}`, { stdin: inputs.config });
    return runningOutputs(raw, inputs, pid, startedAt);
}

/** A first creation that would record another release than the adopted process runs. Pure. */
export function adoptedVersionFailures(
    news: HostProcessInputs,
    olds: Record<string, unknown>,
): provider.CheckFailure[] {
    const a = news.adopted;
    if (!a || olds.version !== undefined || a.runningVersion === news.version) {
        return [];
    }
    return [
        {
            property: "version",
            reason:
                `${news.role} ${news.name} on host ${news.host.name} runs RocketMQ ${a.runningVersion || "(unknown)"}, ` +
                `not ${news.version}: adoption takes the cluster as it runs, so set the version to what runs, ` +
                "adopt, then change it to roll",
        },
    ];
}

/** Input problems, each naming the property. Pure. */
export function hostProcessInputFailures(news: Record<string, unknown>): provider.CheckFailure[] {
    const parsed = hostProcessInputs.safeParse(news);
    if (parsed.success) {
        const failures: provider.CheckFailure[] = [];
        if (!parsed.data.dir.startsWith("/")) {
            failures.push({
                property: "dir",
                reason: `dir must be an absolute path on the host, got ${parsed.data.dir}`,
            });
        }
        if (!parsed.data.host.local && parsed.data.privateKey === undefined) {
            failures.push({
                property: "privateKey",
                reason: `host ${parsed.data.host.name} is reached over SSH: set the stack's sshPrivateKey`,
            });
        }
        return failures;
    }
    // At preview an input may still be unknown; the engine leaves it out and the `up` checks it again.
    return parsed.error.issues
        .filter((i) => news[String(i.path[0])] !== undefined)
        .map((i) => ({ property: i.path.join("."), reason: i.message }));
}

/** What a broker declared to restart through its turn of the roll carries. */
interface DeclaredTurn {
    roll: BrokerRollInputs;
    registration: NonNullable<HostProcessInputs["registration"]>;
}

/** The broker's turn of the roll, when its restart is one (a running broker of a rolling cluster); pure. */
function declaredTurn(inputs: HostProcessInputs): DeclaredTurn | undefined {
    return inputs.roll && inputs.registration && inputs.stopped !== true
        ? { roll: inputs.roll, registration: inputs.registration }
        : undefined;
}

/** Where a broker's turn of the roll on its host begins: fresh, or on a launch that already runs the target. */
interface TurnStart {
    /** When its write block began, if it did. */
    startedAt?: string;
    /** The launch on the target the turn continues from. */
    resumed?: { startedAt: string; outputs: Record<string, unknown> };
    /** The declaration the running process was started from, which its stop goes by. */
    stopping: HostProcessInputs;
}

/** A broker's turn of the roll on its host, with the stop and the (read-only or writable) start the turn calls. */
function hostRollTurn(
    ctx: HandlerContext,
    shell: HostShell,
    raw: Record<string, unknown>,
    inputs: HostProcessInputs,
    turn: DeclaredTurn,
    from: TurnStart,
): Promise<Record<string, unknown>> {
    return brokerRollTurn(ctx, inputs.version, turn.roll, turn.registration, {
        startedAt: from.startedAt,
        resumed: from.resumed,
        stop: () => stop(ctx, shell, from.stopping),
        start: async (withoutWrites, wipedAt) => ({
            ...(await start(ctx, shell, raw, withoutWrites ? readOnly(inputs) : inputs, isoOf(wipedAt))),
            config: raw.config,
        }),
    });
}

export const hostProcessHandler: ResourceHandler = {
    async check(ctx, news, olds) {
        const failures = hostProcessInputFailures(news);
        if (failures.length === 0 && news.role === "broker" && typeof news.config === "string") {
            // At preview: a key the target release has no setter for would be silently ignored by the broker.
            const runtime = await resolveRuntime(String(news.version), ctx.progress);
            const unknown = unknownKeys(news.config, brokerConfigKeys(runtime));
            if (unknown.length > 0) {
                failures.push({
                    property: "config",
                    reason: `broker.conf key(s) ${unknown.join(", ")} are not known to RocketMQ ${runtime.version.text}`,
                });
            }
        }
        const parsed = hostProcessInputs.safeParse(news);
        if (failures.length === 0 && parsed.success) {
            failures.push(...adoptedVersionFailures(parsed.data, olds));
        }
        if (
            failures.length === 0 &&
            news.role === "namesrv" &&
            olds.version !== undefined &&
            olds.version !== news.version
        ) {
            // At preview an input may still be unknown: the refusal is then left to the `up`'s own check.
            const known = hostProcessInputs.safeParse(news);
            if (known.success) {
                const address = `${known.data.host.address}:${known.data.servicePort}`;
                failures.push(...(await downgradeFailures(known.data.version, address)));
            }
        }
        return { inputs: news, failures };
    },

    async diff(_ctx, olds, news) {
        const replaces = changedKeys(olds, news, REPLACE_KEYS);
        const restarts = changedKeys(olds, news, RESTART_KEYS);
        const old = decodeInputs(HOST_PROCESS_TYPE, hostProcessInputs, olds);
        const running = (await withShell(old, (shell) => runningPid(shell, old))) !== undefined;
        const wrongState = news.stopped === true ? running : !running;
        return {
            changes: replaces.length > 0 || restarts.length > 0 || wrongState,
            replaces,
            // The same ports and store cannot be held by two processes at once.
            deleteBeforeReplace: true,
        };
    },

    async create(ctx, raw) {
        const inputs = decodeInputs(HOST_PROCESS_TYPE, hostProcessInputs, raw);
        const outs =
            inputs.stopped === true
                ? stoppedOutputs(raw, inputs)
                : await withShell(inputs, (shell) =>
                      inputs.adopted ? takeOver(ctx, shell, raw, inputs) : start(ctx, shell, raw, inputs),
                  );
        return { id: `${inputs.host.name}:${inputs.dir}`, outs };
    },

    async read(_ctx, id, props) {
        const inputs = decodeInputs(HOST_PROCESS_TYPE, hostProcessInputs, props);
        const pid = await withShell(inputs, (shell) => runningPid(shell, inputs));
        // Still declared, no longer running: record that, so the next `up` starts it again.
        return { id, props: { ...props, pid: pid ?? 0, running: pid !== undefined } };
    },

    async update(ctx, _id, olds, raw) {
        const inputs = decodeInputs(HOST_PROCESS_TYPE, hostProcessInputs, raw);
        const old = decodeInputs(HOST_PROCESS_TYPE, hostProcessInputs, olds);
        return withShell(inputs, async (shell) => {
            const turn = declaredTurn(inputs);
            if (turn) {
                // Before the turn takes anything away: the copy then costs no time without writes, and a copy that
                // fails (a full disk, a bad checksum) stops the roll with every broker as it was.
                await stageRelease(ctx, shell, inputs);
            }
            const launch = await hostLaunch(shell, old);
            const wasRunning = (await runningPid(shell, old)) !== undefined;
            const last = wasRunning ? undefined : await lastLaunch(shell, old);
            if (turn && diedDuringTurn(wasRunning, last, inputs)) {
                const label = `broker ${inputs.name} on host ${inputs.host.name}`;
                ctx.progress(
                    `${label} died during its turn of the roll, started on ${inputs.version} without write ` +
                        `permission: starting it again the same way to finish that turn`,
                );
                const restarted = await start(ctx, shell, raw, readOnly(inputs), last!.writesWipedAt);
                const outs = await hostRollTurn(ctx, shell, raw, inputs, turn, {
                    // The write block began when the first attempt took the writes away, not at this start.
                    startedAt: last!.writesWipedAt ?? last!.startedAt,
                    resumed: { startedAt: String(restarted.startedAt), outputs: { ...restarted, config: raw.config } },
                    stopping: inputs,
                });
                return { outs };
            }
            if (turn && wasRunning) {
                const runsTarget =
                    launch !== undefined && (launchedAs(launch, inputs) || launchedAs(launch, readOnly(inputs)));
                const outs = await hostRollTurn(ctx, shell, raw, inputs, turn, {
                    startedAt: launch?.startedAt,
                    resumed:
                        runsTarget && launch
                            ? {
                                  startedAt: launch.startedAt,
                                  outputs: runningOutputs(raw, inputs, launch.pid, launch.startedAt),
                              }
                            : undefined,
                    stopping: old,
                });
                return { outs };
            }
            const address = `${inputs.host.address}:${inputs.servicePort}`;
            const before =
                wasRunning && inputs.role === "namesrv"
                    ? await listedBrokers(inputs.version, address)
                    : new Set<string>();
            if (wasRunning) {
                await stop(ctx, shell, old);
            }
            if (inputs.stopped === true) {
                return { outs: stoppedOutputs(raw, inputs) };
            }
            const outs = await start(ctx, shell, raw, inputs);
            if (before.size > 0) {
                await awaitReregistration(ctx, inputs.version, address, before);
            }
            // A broker restarted after it died keeps the report of its last turn of a roll.
            return { outs: olds.lastRoll ? { ...outs, lastRoll: olds.lastRoll } : outs };
        });
    },

    async delete(ctx, _id, props) {
        const inputs = decodeInputs(HOST_PROCESS_TYPE, hostProcessInputs, props);
        if (inputs.adopted?.keepOnDestroy) {
            // It ran before the stack and runs after it: the stack only forgets it.
            ctx.progress(`leaving adopted ${inputs.role} ${inputs.name} running on host ${inputs.host.name}`);
            return;
        }
        await withShell(inputs, async (shell) => {
            await stop(ctx, shell, inputs);
            await shell.mustRun(`rm -rf ${shellQuote(inputs.dir)}`);
        });
    },
};
