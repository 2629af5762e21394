/**
 * Starts and stops RocketMQ server processes (NameServer, Broker, Proxy) as
 * plain JVMs from a resolved runtime. Each process owns one directory: its
 * user.home (so logs and the default store land there), its config file, its
 * stdout log and its pid file.
 */
import { spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { RocketMQRuntime } from "./maven";
import { certificateFlags, type ServerCertificate } from "./serverCertificate";
import { jdk17ModuleFlags } from "../domain/versions";

export type ServerRole = "namesrv" | "broker" | "proxy";

export const MAIN_CLASS: Record<ServerRole, string> = {
    namesrv: "org.apache.rocketmq.namesrv.NamesrvStartup",
    broker: "org.apache.rocketmq.broker.BrokerStartup",
    proxy: "org.apache.rocketmq.proxy.ProxyStartup",
};

/** What each role prints once it serves; the start scripts shipped with RocketMQ wait for the same lines. */
export const BOOT_MARKER: Record<ServerRole, RegExp> = {
    namesrv: /The Name Server boot success/,
    broker: /boot success/,
    proxy: /rocketmq-proxy startup successfully/,
};

/** RocketMQ's system property for a server's TLS mode: permissive (its default), enforcing or disabled. */
export const TLS_SERVER_MODE = "tls.server.mode";

/** Everything needed to launch one server process. */
export interface ServerProcessSpec {
    readonly role: ServerRole;
    /** The process's own directory: user.home, config, stdout log and pid file live here. */
    readonly dir: string;
    /** The config file contents (namesrv/broker: properties; proxy: JSON). */
    readonly config: string;
    /** The port whose accepting connections, together with the boot line, means "serving". */
    readonly servicePort: number;
    readonly heapMb: number;
    /** Direct memory for Netty and the store's transient pool; defaults to the heap size. */
    readonly directMemoryMb?: number;
    /**
     * An extra readiness check after the boot line and the open port, e.g.
     * "the name servers list this broker". A broker prints its boot line
     * before its first registration lands, and proxies fail on a cluster
     * that has no registered broker yet.
     */
    readonly readyWhen?: () => Promise<boolean>;
    /**
     * RocketMQ's TLS mode; unset keeps its default, "permissive". "disabled" is not the local platform's choice: with
     * it, 4.9.7 mqadmin calls failed intermittently in CI with "send request … failed" (docs/benchmarks.md).
     */
    readonly tlsMode?: "permissive" | "disabled";
    /**
     * The certificate a permissive server presents. Unset (the local platform's choice), RocketMQ builds a
     * self-signed one at every start; bench/serverStart.ts measures the difference.
     */
    readonly tlsCertificate?: ServerCertificate;
}

export const STDOUT_LOG = "stdout.log";
export const PID_FILE = "process.pid";
/** What the running process was started with (a {@link LaunchRecord}), written beside its pid file. */
export const LAUNCH_FILE = "launch.json";

/**
 * What a process was started with. A run interrupted after a restart leaves
 * state that still describes the process before it; this record lets the
 * next run tell that the running JVM is already the declared one. The config
 * is kept as a hash: the broker rewrites its own config file when settings
 * change at run time, so the file cannot tell.
 */
export interface LaunchRecord {
    pid: number;
    version: string;
    heapMb: number;
    servicePort: number;
    configSha256: string;
    /** ISO time of the start. */
    startedAt: string;
    /**
     * A master started without write permission by its turn of a roll: when the turn took its writes away (ISO). A
     * later run that finds it dead finishes that turn and counts the write block from here.
     */
    writesWipedAt?: string;
}

/** What a declared process would be started with; compared with a {@link LaunchRecord}. */
export interface LaunchShape {
    version: string;
    heapMb: number;
    servicePort: number;
    config: string;
}

export function configHash(config: string): string {
    return createHash("sha256").update(config).digest("hex");
}

/** Whether a process started as `record` says is the one `declared` describes. Pure. */
export function launchedAs(record: LaunchRecord, declared: LaunchShape): boolean {
    return (
        record.version === declared.version &&
        record.heapMb === declared.heapMb &&
        record.servicePort === declared.servicePort &&
        record.configSha256 === configHash(declared.config)
    );
}

/** The launch record of the process running in `dir`; undefined when none runs or it was started without one. */
export function runningLaunch(dir: string): LaunchRecord | undefined {
    const pid = runningPid(dir);
    try {
        const record = JSON.parse(fs.readFileSync(path.join(dir, LAUNCH_FILE), "utf8")) as LaunchRecord;
        return pid !== undefined && record.pid === pid ? record : undefined;
    } catch {
        return undefined;
    }
}

export function configFileName(role: ServerRole): string {
    return role === "proxy" ? "rmq-proxy.json" : `${role}.conf`;
}

/** Heap, direct memory, collector and heap dumps of a server JVM, the same on every platform for machines. */
export function serverMemoryFlags(spec: Pick<ServerProcessSpec, "heapMb" | "directMemoryMb" | "dir">): string[] {
    return [
        "-server",
        `-Xms${spec.heapMb}m`,
        `-Xmx${spec.heapMb}m`,
        `-XX:MaxDirectMemorySize=${spec.directMemoryMb ?? spec.heapMb}m`,
        "-XX:+UseG1GC",
        "-XX:+HeapDumpOnOutOfMemoryError",
        `-XX:HeapDumpPath=${spec.dir}`,
    ];
}

/** The JVM command line for a server process. Pure, so it is unit-tested without a JVM. */
export function serverJavaArgs(spec: ServerProcessSpec, runtime: RocketMQRuntime): string[] {
    const configPath = path.join(spec.dir, configFileName(spec.role));
    const configFlag = spec.role === "proxy" ? "-pc" : "-c";
    return [
        ...serverMemoryFlags(spec),
        ...jdk17ModuleFlags(),
        `-Duser.home=${spec.dir}`,
        `-Drocketmq.home.dir=${runtime.home}`,
        "-Drocketmq.client.logUseSlf4j=true",
        ...(spec.tlsMode ? [`-D${TLS_SERVER_MODE}=${spec.tlsMode}`] : []),
        ...(spec.tlsCertificate ? certificateFlags(spec.tlsCertificate) : []),
        "-cp",
        runtime.classpath,
        MAIN_CLASS[spec.role],
        configFlag,
        configPath,
    ];
}

/** True if a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Field 3, after the parenthesised command name, is the state; Z is a zombie.
        const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
        return state !== "Z";
    } catch {
        return false;
    }
}

/**
 * True if `pid` is the JVM that was started for `dir`. Pids are recycled, so
 * a bare pid is never trusted before a signal is sent to it.
 */
export function isOwnProcess(pid: number, dir: string): boolean {
    try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return isAlive(pid) && cmdline.includes(`-Duser.home=${dir}`);
    } catch {
        return false;
    }
}

/** The pid recorded for the process in `dir`, if it is still that process. */
export function runningPid(dir: string): number | undefined {
    try {
        const pid = Number(fs.readFileSync(path.join(dir, PID_FILE), "utf8").trim());
        return Number.isInteger(pid) && pid > 0 && isOwnProcess(pid, dir) ? pid : undefined;
    } catch {
        return undefined;
    }
}

export function portAccepts(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ port, host });
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

export function portIsFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen({ port, host: "0.0.0.0", exclusive: true }, () => server.close(() => resolve(true)));
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The last `lines` lines of a log file, or "(no output)". */
export function tail(file: string, lines: number): string {
    try {
        return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no output)";
    }
}

/**
 * A bind failure means one of the server's ports was taken between the moment it was chosen and the start, by
 * another process or an outgoing socket: say so, rather than leave the reader to find it in the log.
 */
export function portCollision(output: string, servicePort: number): string {
    return /BindException|Address already in use/.test(output)
        ? `: port collision, a port it binds (service port ${servicePort} or one beside it) is already in use by another process`
        : "";
}

/**
 * Starts the server described by `spec` (unless it already runs) and resolves
 * with its pid once it serves: the boot line was printed and its port accepts
 * connections. Fails with the process's last output if it exits or times out.
 */
export async function startServer(
    spec: ServerProcessSpec,
    runtime: RocketMQRuntime,
    timeoutMs = 120_000,
): Promise<number> {
    const existing = runningPid(spec.dir);
    if (existing !== undefined) {
        return existing;
    }
    fs.mkdirSync(spec.dir, { recursive: true });
    fs.writeFileSync(path.join(spec.dir, configFileName(spec.role)), spec.config);
    const stdoutPath = path.join(spec.dir, STDOUT_LOG);
    // A fresh stdout log per start: the boot marker must come from this start, not an earlier one.
    const out = fs.openSync(stdoutPath, "w");
    const child = spawn("java", serverJavaArgs(spec, runtime), {
        cwd: spec.dir,
        detached: true,
        stdio: ["ignore", out, out],
        env: { ...process.env, ROCKETMQ_HOME: runtime.home },
    });
    fs.closeSync(out);
    const pid = child.pid;
    if (pid === undefined) {
        throw new Error(`could not start ${spec.role} in ${spec.dir}: java did not start (is a JDK installed?)`);
    }
    child.unref();
    fs.writeFileSync(path.join(spec.dir, PID_FILE), `${pid}\n`);
    const record: LaunchRecord = {
        pid,
        version: runtime.version.text,
        heapMb: spec.heapMb,
        servicePort: spec.servicePort,
        configSha256: configHash(spec.config),
        startedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(spec.dir, LAUNCH_FILE), `${JSON.stringify(record)}\n`);

    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (!isAlive(pid)) {
            const last = tail(stdoutPath, 20);
            throw new Error(
                `${spec.role} in ${spec.dir} exited during startup${portCollision(last, spec.servicePort)}. Last output (${stdoutPath}):\n${last}`,
            );
        }
        const booted = BOOT_MARKER[spec.role].test(tail(stdoutPath, 50));
        if (booted && (await portAccepts(spec.servicePort)) && (spec.readyWhen ? await spec.readyWhen() : true)) {
            return pid;
        }
        await sleep(250);
    }
    await stopServer(spec.dir);
    throw new Error(
        `${spec.role} in ${spec.dir} did not serve on port ${spec.servicePort} within ${timeoutMs / 1000}s; it was stopped. ` +
            `Last output (${stdoutPath}):\n${tail(stdoutPath, 20)}`,
    );
}

/**
 * Stops the server in `dir`: SIGTERM first, which runs RocketMQ's shutdown
 * hooks (flush, unregister from name servers), then SIGKILL after
 * `graceMs`. Resolves once the process is gone. A process that is not running
 * is not an error.
 */
export async function stopServer(dir: string, graceMs = 60_000): Promise<void> {
    const pid = runningPid(dir);
    if (pid === undefined) {
        return;
    }
    await terminate(pid, graceMs);
    fs.rmSync(path.join(dir, PID_FILE), { force: true });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once `pid` is gone. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) {
        await sleep(200);
    }
    if (isAlive(pid)) {
        process.kill(pid, "SIGKILL");
        while (isAlive(pid)) {
            await sleep(100);
        }
    }
}
