/**
 * A RocketMQ server started as a bare JVM from the Maven cache, with no stack and no host: for the tests and benches
 * that need one name server or broker as it is (a runtime's smoke test, the admin session, an unrelated cluster
 * beside a backup, a server's start or idle CPU). The product starts every process through operations/hostProcess.ts;
 * this keeps that path free of the knobs only benches turn (TLS mode, a machine certificate).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    BOOT_MARKER,
    configFileName,
    isAlive,
    MAIN_CLASS,
    PID_FILE,
    portAccepts,
    portCollision,
    runningPid,
    serverMemoryFlags,
    STDOUT_LOG,
    tail,
    terminate,
    type ServerRole,
} from "../../operations/launcher";
import type { RocketMQRuntime } from "../../operations/maven";
import { jdk17ModuleFlags } from "../../domain/versions";
import { certificateFlags, type ServerCertificate } from "./serverCertificate";

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
     * An extra readiness check after the boot line and the open port, e.g. "the name servers list this broker": a
     * broker prints its boot line before its first registration lands.
     */
    readonly readyWhen?: () => Promise<boolean>;
    /**
     * RocketMQ's TLS mode; unset keeps its default, "permissive". No platform disables it: with it, 4.9.7 mqadmin
     * calls failed intermittently in CI with "send request … failed" (docs/benchmarks.md).
     */
    readonly tlsMode?: "permissive" | "disabled";
    /** The certificate a permissive server presents; unset, RocketMQ builds a self-signed one at every start. */
    readonly tlsCertificate?: ServerCertificate;
}

/** The JVM command line for a server process. Pure, so it is unit-tested without a JVM. */
export function serverJavaArgs(spec: ServerProcessSpec, runtime: RocketMQRuntime): string[] {
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
        spec.role === "proxy" ? "-pc" : "-c",
        path.join(spec.dir, configFileName(spec.role)),
    ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server described by `spec` (unless it already runs) and resolves with its pid once it serves: the boot
 * line was printed and its port accepts connections. Fails with the process's last output if it exits or times out.
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
 * Stops the server in `dir`: SIGTERM first, which runs RocketMQ's shutdown hooks (flush, unregister from name
 * servers), then SIGKILL after `graceMs`. Resolves once the process is gone; one that is not running is no error.
 */
export async function stopServer(dir: string, graceMs = 60_000): Promise<void> {
    const pid = runningPid(dir);
    if (pid === undefined) {
        return;
    }
    await terminate(pid, graceMs);
    fs.rmSync(path.join(dir, PID_FILE), { force: true });
}
