/**
 * Commands and file copies on one machine of the hosts platform: over SSH (the ssh2 library, so the private key
 * stays in this process's memory and never reaches a file, an agent or a command line), or, for a host marked
 * `local`, in a local shell. Every error starts with `host <name>:` so the user knows which machine to look at.
 */
import { spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { sha256OfFile } from "./fileChecksum";

/** How to reach one host. The private key is the decrypted value of a Pulumi secret. */
export interface HostAccess {
    readonly name: string;
    readonly address: string;
    readonly local: boolean;
    readonly sshPort: number;
    readonly user: string;
    readonly privateKey?: string;
    /** The host key's SHA256 fingerprint as `ssh-keygen -lf` prints it ("SHA256:…"); unset trusts the first key. */
    readonly hostKeyFingerprint?: string;
    /** How long to wait for the host to answer; 10 s by default. */
    readonly connectTimeoutMs?: number;
}

export interface CommandResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface RunOptions {
    readonly stdin?: string | Buffer;
    /** The command is killed after this long and the run fails naming the host; 10 min by default. */
    readonly timeoutMs?: number;
}

/** Copy progress, called as bytes go out. */
export type CopyProgress = (sentBytes: number, totalBytes: number) => void;

export interface HostShell {
    readonly host: string;
    /** Runs a `sh -c` command line; the exit code is returned, not thrown. */
    run(command: string, options?: RunOptions): Promise<CommandResult>;
    /** Runs a command line and returns its stdout; a non-zero exit throws naming the host, the command and stderr. */
    mustRun(command: string, options?: RunOptions): Promise<string>;
    /**
     * Copies a local file to `remotePath`: refused before any byte is sent when the target's file system has no room,
     * written beside it first and moved into place only once the host's own sha256 matches the local one.
     */
    copyTo(localPath: string, remotePath: string, progress?: CopyProgress): Promise<void>;
    /** The bytes of a file on the host. */
    readFile(remotePath: string): Promise<Buffer>;
    /**
     * Copies a file on the host to `localPath`, checked: the host snapshots it (a broker rewrites its metadata files
     * while it runs) and hashes the snapshot, and the local copy is put in place only once its sha256 matches.
     * Resolves false, copying nothing, when the file does not exist.
     */
    copyFrom(remotePath: string, localPath: string): Promise<boolean>;
    close(): Promise<void>;
}

/** The name every snapshot {@link HostShell.copyFrom} makes on a host starts with; it removes each one. */
export const FETCH_SNAPSHOT = "rocketmq-upgrade-fetch";

/** A failure on one host; the message starts with the host's name. */
export class HostError extends Error {
    constructor(
        readonly host: string,
        detail: string,
    ) {
        super(`host ${host}: ${detail}`);
        this.name = "HostError";
    }
}

/** A word safe to put on a POSIX shell's command line, whatever it holds. */
export function shellQuote(word: string): string {
    return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;

/** The fingerprint `ssh-keygen -lf` prints for a raw public key blob. */
export function keyFingerprint(publicKeyBlob: Buffer): string {
    return `SHA256:${createHash("sha256").update(publicKeyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** Opens a shell on the host: a local one for `local` hosts, else an SSH connection that later calls reuse. */
export async function openHostShell(access: HostAccess): Promise<HostShell> {
    return access.local ? new LocalShell(access.name) : SshShell.connect(access);
}

/** What a connection failure means, in the words a user acts on. */
export function describeConnectError(
    access: HostAccess,
    err: Error & { code?: string; level?: string },
    offeredFingerprint?: string,
): string {
    const where = `${access.address}:${access.sshPort}`;
    if (offeredFingerprint !== undefined && access.hostKeyFingerprint !== undefined) {
        return (
            `its host key changed: ${where} offered ${offeredFingerprint}, the stack pins ${access.hostKeyFingerprint}; ` +
            `if the machine was rebuilt on purpose, set hosts.${access.name}.hostKey to the new fingerprint`
        );
    }
    if (err.level === "client-authentication") {
        return `refused the private key for user ${access.user} at ${where} (is its public key in that user's authorized_keys?)`;
    }
    if (err.level === "client-timeout" || err.code === "ETIMEDOUT") {
        const seconds = (access.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000;
        return `does not answer: no SSH greeting from ${where} within ${seconds} s`;
    }
    if (err.code === "ECONNREFUSED") {
        return `refused the connection to ${where}: is sshd running and listening on port ${access.sshPort}?`;
    }
    if (err.code === "EHOSTUNREACH" || err.code === "ENETUNREACH") {
        return `is unreachable at ${where} (${err.code})`;
    }
    return `SSH to ${where} failed: ${err.message}`;
}

/** The checks and moves around a copy, the same for both kinds of shell. */
abstract class ShellBase implements HostShell {
    constructor(readonly host: string) {}

    abstract run(command: string, options?: RunOptions): Promise<CommandResult>;
    abstract readFile(remotePath: string): Promise<Buffer>;
    abstract close(): Promise<void>;
    protected abstract send(localPath: string, remotePath: string, progress?: CopyProgress): Promise<void>;
    protected abstract receive(remotePath: string, localPath: string): Promise<void>;

    async mustRun(command: string, options?: RunOptions): Promise<string> {
        const r = await this.run(command, options);
        if (r.code !== 0) {
            const said = r.stderr.trim() || r.stdout.trim() || "no output";
            throw new HostError(this.host, `\`${command}\` exited ${r.code}: ${said}`);
        }
        return r.stdout;
    }

    async copyTo(localPath: string, remotePath: string, progress?: CopyProgress): Promise<void> {
        const size = fs.statSync(localPath).size;
        const dir = remotePath.replace(/\/[^/]*$/, "") || "/";
        const partial = `${remotePath}.partial`;
        await this.mustRun(`mkdir -p ${shellQuote(dir)}`);
        // df -Pk: POSIX columns, 1 KiB blocks; the fourth is what an unprivileged writer may still use.
        const df = await this.mustRun(`df -Pk ${shellQuote(dir)} | tail -n 1`);
        const freeKib = Number(df.trim().split(/\s+/)[3]);
        const neededKib = Math.ceil(size / 1024);
        if (Number.isFinite(freeKib) && freeKib < neededKib) {
            throw new HostError(
                this.host,
                `not enough disk space for ${remotePath}: it needs ${mib(neededKib * 1024)}, ${dir} has ${mib(freeKib * 1024)} free`,
            );
        }
        const expected = sha256OfFile(localPath);
        try {
            await this.send(localPath, partial, progress);
        } catch (e) {
            await this.run(`rm -f ${shellQuote(partial)}`).catch(() => undefined);
            const detail = e instanceof HostError ? e.message.replace(/^host [^:]*: /, "") : String(e);
            throw new HostError(this.host, `copying ${localPath} to ${remotePath} failed: ${detail}`);
        }
        const sum = (await this.mustRun(`sha256sum ${shellQuote(partial)}`)).trim().split(/\s+/)[0];
        if (sum !== expected) {
            await this.run(`rm -f ${shellQuote(partial)}`);
            throw new HostError(
                this.host,
                `the copy of ${localPath} to ${remotePath} failed its checksum: sent sha256 ${expected}, the host has ${sum || "nothing"}; ` +
                    `the partial copy was removed and nothing was put in place`,
            );
        }
        await this.mustRun(`mv -f ${shellQuote(partial)} ${shellQuote(remotePath)}`);
    }

    async copyFrom(remotePath: string, localPath: string): Promise<boolean> {
        const q = shellQuote(remotePath);
        // One command, so the snapshot and its hash describe the same bytes; a missing file exits 3.
        const snap = await this.run(
            `[ -f ${q} ] || exit 3; s=$(mktemp "\${TMPDIR:-/tmp}/${FETCH_SNAPSHOT}.XXXXXX") && { cp ${q} "$s" && sha256sum "$s" || { rm -f "$s"; exit 1; }; }`,
        );
        if (snap.code === 3) {
            return false;
        }
        if (snap.code !== 0) {
            throw new HostError(this.host, `cannot snapshot ${remotePath}: ${snap.stderr.trim() || "no output"}`);
        }
        const [expected, snapshot] = snap.stdout.trim().split(/\s+/);
        const partial = `${localPath}.partial`;
        try {
            fs.mkdirSync(path.dirname(localPath), { recursive: true });
            try {
                await this.receive(snapshot, partial);
            } catch (e) {
                const detail = e instanceof HostError ? e.message.replace(/^host [^:]*: /, "") : String(e);
                throw new HostError(this.host, `copying ${remotePath} to ${localPath} failed: ${detail}`);
            }
            const got = sha256OfFile(partial);
            if (got !== expected) {
                throw new HostError(
                    this.host,
                    `the copy of ${remotePath} to ${localPath} failed its checksum: the host has sha256 ${expected}, ` +
                        `${got} arrived; nothing was put in place`,
                );
            }
            fs.renameSync(partial, localPath);
            return true;
        } finally {
            fs.rmSync(partial, { force: true });
            await this.run(`rm -f ${shellQuote(snapshot)}`).catch(() => undefined);
        }
    }
}

function mib(bytes: number): string {
    return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/** A host marked `local`: the operator's own machine, no SSH. */
class LocalShell extends ShellBase {
    run(command: string, options: RunOptions = {}): Promise<CommandResult> {
        return new Promise((resolve, reject) => {
            const child = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"] });
            const finish = collect(this.host, command, child.stdout, child.stderr, options, resolve, reject, () =>
                child.kill("SIGKILL"),
            );
            child.on("error", (e) => reject(new HostError(this.host, `\`${command}\` did not start: ${e.message}`)));
            child.on("close", (code, signal) => finish(code ?? (signal ? 128 : 1)));
            // A command that exits without reading its input closes the pipe; that is its choice, not a failure.
            child.stdin.on("error", () => undefined);
            child.stdin.end(options.stdin ?? "");
        });
    }

    readFile(remotePath: string): Promise<Buffer> {
        try {
            return Promise.resolve(fs.readFileSync(remotePath));
        } catch (e) {
            return Promise.reject(new HostError(this.host, `cannot read ${remotePath}: ${(e as Error).message}`));
        }
    }

    protected async receive(remotePath: string, localPath: string): Promise<void> {
        await fs.promises.copyFile(remotePath, localPath);
    }

    protected async send(localPath: string, remotePath: string, progress?: CopyProgress): Promise<void> {
        await fs.promises.copyFile(localPath, remotePath);
        const size = fs.statSync(localPath).size;
        progress?.(size, size);
    }

    close(): Promise<void> {
        return Promise.resolve();
    }
}

/** Collects a command's stdout and stderr and kills it at its timeout; the returned function settles the run. */
function collect(
    host: string,
    command: string,
    stdout: NodeJS.ReadableStream,
    stderr: NodeJS.ReadableStream,
    options: RunOptions,
    resolve: (r: CommandResult) => void,
    reject: (e: Error) => void,
    kill: () => void,
): (code: number) => void {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on("data", (d: Buffer) => out.push(d));
    stderr.on("data", (d: Buffer) => err.push(d));
    const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const timer = setTimeout(() => {
        kill();
        reject(
            new HostError(
                host,
                `\`${command}\` did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`,
            ),
        );
    }, timeoutMs);
    return (code: number) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    };
}

/** One SSH connection per host, reused by every command and copy until close. */
class SshShell extends ShellBase {
    private constructor(
        host: string,
        private readonly client: Client,
    ) {
        super(host);
    }

    static connect(access: HostAccess): Promise<SshShell> {
        if (!access.privateKey) {
            return Promise.reject(new HostError(access.name, `no private key to log in as ${access.user} with`));
        }
        return new Promise((resolve, reject) => {
            const client = new Client();
            let offered: string | undefined;
            const config: ConnectConfig = {
                host: access.address,
                port: access.sshPort,
                username: access.user,
                privateKey: access.privateKey,
                readyTimeout: access.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
                keepaliveInterval: 15_000,
                hostVerifier: (key: Buffer) => {
                    const fingerprint = keyFingerprint(key);
                    if (access.hostKeyFingerprint === undefined || access.hostKeyFingerprint === fingerprint) {
                        return true;
                    }
                    offered = fingerprint;
                    return false;
                },
            };
            // ssh2 may report a failure twice (a timeout, then the socket it closes): the first one decides.
            let settled = false;
            client.once("ready", () => {
                settled = true;
                resolve(new SshShell(access.name, client));
            });
            client.on("error", (e: Error & { code?: string; level?: string }) => {
                if (settled) {
                    return;
                }
                settled = true;
                client.end();
                reject(new HostError(access.name, describeConnectError(access, e, offered)));
            });
            client.connect(config);
        });
    }

    run(command: string, options: RunOptions = {}): Promise<CommandResult> {
        return new Promise((resolve, reject) => {
            this.client.exec(command, (e: Error | undefined, channel: ClientChannel) => {
                if (e) {
                    reject(new HostError(this.host, `cannot start \`${command}\`: ${e.message}`));
                    return;
                }
                const finish = collect(this.host, command, channel, channel.stderr, options, resolve, reject, () =>
                    channel.close(),
                );
                // "exit" carries the code; "close" comes once every byte of output has arrived.
                let code = 1;
                channel.on("exit", (exitCode: number | null, signal?: string) => {
                    code = exitCode ?? (signal ? 128 : 1);
                });
                channel.on("close", () => finish(code));
                channel.end(options.stdin ?? "");
            });
        });
    }

    async readFile(remotePath: string): Promise<Buffer> {
        const sftp = await this.sftp();
        return new Promise((resolve, reject) => {
            sftp.readFile(remotePath, (e: Error | undefined, data: Buffer) => {
                sftp.end();
                if (e) {
                    reject(new HostError(this.host, `cannot read ${remotePath}: ${e.message}`));
                } else {
                    resolve(data);
                }
            });
        });
    }

    protected async send(localPath: string, remotePath: string, progress?: CopyProgress): Promise<void> {
        const sftp = await this.sftp();
        await new Promise<void>((resolve, reject) => {
            sftp.fastPut(
                localPath,
                remotePath,
                { step: (sent: number, _chunk: number, total: number) => progress?.(sent, total) },
                (e: Error | null | undefined) => {
                    sftp.end();
                    if (e) {
                        reject(new HostError(this.host, e.message));
                    } else {
                        resolve();
                    }
                },
            );
        });
    }

    protected async receive(remotePath: string, localPath: string): Promise<void> {
        const sftp = await this.sftp();
        await new Promise<void>((resolve, reject) => {
            sftp.fastGet(remotePath, localPath, (e: Error | null | undefined) => {
                sftp.end();
                if (e) {
                    reject(new HostError(this.host, e.message));
                } else {
                    resolve();
                }
            });
        });
    }

    private sftp(): Promise<import("ssh2").SFTPWrapper> {
        return new Promise((resolve, reject) => {
            this.client.sftp((e, sftp) => {
                if (e) {
                    reject(new HostError(this.host, `no SFTP session: ${e.message}`));
                } else {
                    resolve(sftp);
                }
            });
        });
    }

    close(): Promise<void> {
        return new Promise((resolve) => {
            this.client.once("close", () => resolve());
            this.client.end();
        });
    }
}
