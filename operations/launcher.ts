/**
 * What every start of a RocketMQ server process on a machine shares, whoever starts it (operations/hostProcess.ts
 * on a host, the tests' plain JVMs): main classes, boot lines, config file names, memory flags, launch records,
 * pid checks and port probes.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

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

export const STDOUT_LOG = "stdout.log";
export const PID_FILE = "process.pid";

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

export function configFileName(role: ServerRole): string {
    return role === "proxy" ? "rmq-proxy.json" : `${role}.conf`;
}

/** Heap, direct memory, collector and heap dumps of a server JVM, the same on every platform for machines. */
export function serverMemoryFlags(spec: { heapMb: number; directMemoryMb?: number; dir: string }): string[] {
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
