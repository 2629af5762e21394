/**
 * A RocketMQ server process on a machine of the hosts platform, started and stopped the runbook's way: each
 * process has its own directory (`<dataRoot>/<name>/`) holding its config, its store, its logs, a pid file, and a
 * link `rocketmq` naming the release it runs. Starting means pointing that link and launching in the background
 * with `nohup`; stopping means SIGTERM by pid (what `mqshutdown` does), waiting until it is gone. Or, declared per
 * process, a systemd unit started and stopped through systemctl, so the manager never restarts the old release
 * behind the roll's back. The command lines are pure functions, unit-tested word for word.
 */
import * as path from "path";
import { ADOPTED_FROM_PROPERTY } from "../domain/adoptionMatch";
import { jdk17ModuleFlags } from "../domain/versions";
import { HostError, shellQuote, type HostShell } from "./hostShell";
import { javaCommand } from "./hostRelease";
import {
    BOOT_MARKER,
    configFileName,
    MAIN_CLASS,
    PID_FILE,
    portAccepts,
    portCollision,
    serverMemoryFlags,
    STDOUT_LOG,
    type ServerRole,
} from "./launcher";

/** Java 9 and later need the module flags RocketMQ's Netty and store use; Java 8 refuses them. */
const FIRST_MODULAR_JAVA = 9;

/** The link in a process's directory naming the release it runs. */
export const ACTIVE_RELEASE_LINK = "rocketmq";

/** One process on one host. */
export interface HostProcessSpec {
    readonly role: ServerRole;
    /** The process's name, e.g. "blue-broker-a-0": its systemd unit is rocketmq-<name>. */
    readonly name: string;
    /** Its own directory on the host. */
    readonly dir: string;
    /** The config file it starts with: `<dir>/<role>.conf` unless an adopted process brings its own. */
    readonly configPath?: string;
    readonly address: string;
    readonly servicePort: number;
    readonly heapMb: number;
    readonly directMemoryMb?: number;
    readonly javaHome?: string;
    /** The host's Java major version (hostRelease.checkJava). */
    readonly javaMajor: number;
    readonly manager: "process" | "systemd";
    /** An adopted broker: the broker.conf the operator declared, marked on its command line for later discovery. */
    readonly adoptedFrom?: string;
}

/** The path of a process's link to its active release. */
function activeRelease(dir: string): string {
    return path.posix.join(dir, ACTIVE_RELEASE_LINK);
}

export function configPathOf(spec: Pick<HostProcessSpec, "dir" | "role" | "configPath">): string {
    return spec.configPath ?? path.posix.join(spec.dir, configFileName(spec.role));
}

/** The JVM's arguments: the release through the process's own link, so switching the link switches the release. */
export function hostJavaArgs(spec: HostProcessSpec): string[] {
    const home = activeRelease(spec.dir);
    return [
        ...serverMemoryFlags(spec),
        ...(spec.javaMajor >= FIRST_MODULAR_JAVA ? jdk17ModuleFlags() : []),
        `-Duser.home=${spec.dir}`,
        `-Drocketmq.home.dir=${home}`,
        "-Drocketmq.client.logUseSlf4j=true",
        ...(spec.adoptedFrom !== undefined ? [`${ADOPTED_FROM_PROPERTY}${spec.adoptedFrom}`] : []),
        "-cp",
        `${home}/lib/*`,
        MAIN_CLASS[spec.role],
        spec.role === "proxy" ? "-pc" : "-c",
        configPathOf(spec),
    ];
}

function javaLine(spec: HostProcessSpec): string {
    return [javaCommand(spec.javaHome), ...hostJavaArgs(spec)].map(shellQuote).join(" ");
}

/** The unit's name for a process. */
export function unitName(spec: Pick<HostProcessSpec, "name">): string {
    return `rocketmq-${spec.name}.service`;
}

/**
 * The systemd unit of a process. Restart=no: a broker that dies mid-roll must stay down for the roll to see it,
 * and a restart by the manager would bring back whichever release the link named then.
 */
export function systemdUnit(spec: HostProcessSpec): string {
    return [
        "[Unit]",
        `Description=RocketMQ ${spec.role} ${spec.name} (managed by rocketmq-upgrade)`,
        "After=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        `WorkingDirectory=${spec.dir}`,
        `Environment=ROCKETMQ_HOME=${activeRelease(spec.dir)}`,
        `ExecStart=${javaLine(spec)}`,
        "KillSignal=SIGTERM",
        "TimeoutStopSec=120",
        "SuccessExitStatus=143",
        "Restart=no",
        `StandardOutput=append:${path.posix.join(spec.dir, STDOUT_LOG)}`,
        `StandardError=append:${path.posix.join(spec.dir, STDOUT_LOG)}`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/** The shell lines that start a process; each runs on the host, in order. */
export function startCommands(spec: HostProcessSpec): string[] {
    const q = shellQuote;
    const stdout = path.posix.join(spec.dir, STDOUT_LOG);
    const pidFile = path.posix.join(spec.dir, PID_FILE);
    if (spec.manager === "systemd") {
        const unit = unitName(spec);
        return [
            // startOnHost has just written the unit file; the manager reads it again before the start.
            "systemctl daemon-reload",
            `: > ${q(stdout)}`,
            `systemctl start ${q(unit)}`,
            `systemctl show --property MainPID --value ${q(unit)} > ${q(pidFile)}`,
        ];
    }
    return [
        // setsid: the process leaves the SSH session, which ends before it does. The inner sh writes its own pid
        // and becomes java, so the pid file names the JVM. The background job is one simple command with every
        // stream redirected, so nothing holds the session's pipes open.
        `cd ${q(spec.dir)} || exit 1; ROCKETMQ_HOME=${q(activeRelease(spec.dir))} ` +
            `setsid sh -c ${q(`echo $$ > ${PID_FILE}; exec "$@"`)} rocketmq ${javaLine(spec)} > ${q(stdout)} 2>&1 < /dev/null &`,
    ];
}

/** The shell lines that stop a process started by `startCommands`. */
export function stopCommands(spec: Pick<HostProcessSpec, "manager" | "name">, pid: number): string[] {
    return spec.manager === "systemd" ? [`systemctl stop ${shellQuote(unitName(spec))}`] : [`kill -TERM ${pid}`];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The pid in a process directory's pid file, when that process still runs and is the one started there: its command
 * line holds `marker`, by default the directory the tool started it in. An adopted process, started by hand, is
 * recognised by its main class instead.
 */
export async function hostRunningPid(
    shell: HostShell,
    dir: string,
    marker = `-Duser.home=${dir}`,
): Promise<number | undefined> {
    const q = shellQuote;
    const r = await shell.run(
        `pid=$(cat ${q(path.posix.join(dir, PID_FILE))} 2>/dev/null) && kill -0 "$pid" 2>/dev/null && ` +
            `tr '\\0' ' ' < /proc/$pid/cmdline | grep -qF -- ${q(marker)} && echo "$pid"`,
    );
    const pid = Number(r.stdout.trim());
    return r.code === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The pid the start wrote: the background start writes it a moment after the command returns. */
async function startedPid(shell: HostShell, spec: HostProcessSpec): Promise<number> {
    const file = path.posix.join(spec.dir, PID_FILE);
    for (let i = 0; i < 50; i++) {
        const pid = Number((await shell.run(`cat ${shellQuote(file)} 2>/dev/null`)).stdout.trim());
        if (Number.isInteger(pid) && pid > 0) {
            return pid;
        }
        await sleep(100);
    }
    throw new HostError(shell.host, `${spec.role} ${spec.name} wrote no pid to ${file} within 5 s of its start`);
}

async function lastLines(shell: HostShell, file: string, lines: number): Promise<string> {
    return (await shell.run(`tail -n ${lines} ${shellQuote(file)}`)).stdout;
}

/**
 * Starts a process on its host (unless it already runs there) and resolves with its pid once it serves: the boot
 * line printed, the port accepting from the operator's side, and `readyWhen` true. A process that exits, or does
 * not serve in time, fails naming the host, with its last output; one that does not serve in time is stopped.
 */
export async function startOnHost(
    shell: HostShell,
    spec: HostProcessSpec,
    options: {
        config?: string;
        timeoutMs?: number;
        readyWhen?: () => Promise<boolean>;
        /** Called with the new JVM's pid as soon as it is known, before it serves. */
        onLaunched?: (pid: number) => Promise<void>;
    } = {},
): Promise<number> {
    const running = await hostRunningPid(shell, spec.dir);
    if (running !== undefined) {
        return running;
    }
    const q = shellQuote;
    await shell.mustRun(`mkdir -p ${q(spec.dir)}`);
    if (options.config !== undefined) {
        await shell.mustRun(`cat > ${q(configPathOf(spec))}`, { stdin: options.config });
    }
    if (spec.manager === "systemd") {
        await shell.mustRun(`cat > ${q(`/etc/systemd/system/${unitName(spec)}`)}`, { stdin: systemdUnit(spec) });
    }
    // A stale pid file from a process that died must not be taken for the new one's.
    await shell.mustRun(`rm -f ${q(path.posix.join(spec.dir, PID_FILE))}`);
    for (const line of startCommands(spec)) {
        await shell.mustRun(line);
    }
    const pid = await startedPid(shell, spec);
    await options.onLaunched?.(pid);
    const stdout = path.posix.join(spec.dir, STDOUT_LOG);
    const timeoutMs = options.timeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const state = await shell.run(
            `kill -0 ${pid} 2>/dev/null || echo exited; tail -n 50 ${q(stdout)} | grep -q ${q(BOOT_MARKER[spec.role].source)} && echo booted`,
        );
        if (state.stdout.includes("exited")) {
            const last = await lastLines(shell, stdout, 20);
            throw new HostError(
                shell.host,
                `${spec.role} ${spec.name} exited during startup${portCollision(last, spec.servicePort)}. Last output (${stdout}):\n${last}`,
            );
        }
        if (
            state.stdout.includes("booted") &&
            (await portAccepts(spec.servicePort, spec.address)) &&
            (options.readyWhen ? await options.readyWhen() : true)
        ) {
            return pid;
        }
        await sleep(500);
    }
    const last = await lastLines(shell, stdout, 20);
    await stopOnHost(shell, spec);
    throw new HostError(
        shell.host,
        `${spec.role} ${spec.name} did not serve on ${spec.address}:${spec.servicePort} within ${timeoutMs / 1000} s; ` +
            `it was stopped. Last output (${stdout}):\n${last}`,
    );
}

/**
 * Stops a process by its pid, as `mqshutdown` does (SIGTERM: RocketMQ's shutdown hooks flush and unregister), and
 * resolves once it is gone; SIGKILL after `graceMs`. An adopted process is stopped by the pid adoption found.
 */
export async function stopOnHost(
    shell: HostShell,
    spec: Pick<HostProcessSpec, "dir" | "manager" | "name">,
    options: { pid?: number; graceMs?: number } = {},
): Promise<void> {
    const pid = options.pid ?? (await hostRunningPid(shell, spec.dir));
    if (pid === undefined) {
        return;
    }
    for (const line of stopCommands(spec, pid)) {
        await shell.mustRun(line);
    }
    const deadline = Date.now() + (options.graceMs ?? 60_000);
    while ((await shell.run(`kill -0 ${pid}`)).code === 0) {
        if (Date.now() >= deadline) {
            await shell.run(`kill -KILL ${pid}; while kill -0 ${pid} 2>/dev/null; do sleep 0.1; done`, {
                timeoutMs: 30_000,
            });
            break;
        }
        await sleep(250);
    }
    await shell.run(`rm -f ${shellQuote(path.posix.join(spec.dir, PID_FILE))}`);
}
