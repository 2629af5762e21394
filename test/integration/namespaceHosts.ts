/**
 * Test hosts that behave like production machines: each is a network namespace with its own address on a bridge
 * the test creates, its own hostname, and Debian's sshd (scripts/openssh-server.sh) running in a mount namespace
 * where per-host directories are bound over /opt and /srv, so a file one host writes is not visible on another.
 * The operator side (this process, the Pulumi provider) reaches them over the bridge; no traffic goes anywhere
 * else. `destroy` removes every namespace, process and directory, and runs on exit too, so a failed test leaves
 * nothing behind. Needs root (network namespaces).
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { HostAccess } from "../../operations/hostShell";
import { projectRoot } from "../../operations/paths";
import { scratchDir } from "./support";

export interface NamespaceHostOptions {
    /** A tmpfs of this many MiB over /opt instead of a directory: a host whose disk fills up. */
    readonly optSizeMb?: number;
}

export interface NamespaceHost {
    readonly name: string;
    readonly address: string;
    readonly netns: string;
    /** The host's own directories as this machine sees them: <dir>/opt is the host's /opt. */
    readonly dir: string;
    readonly hostKeyFingerprint: string;
    /** sshd's pid, which holds the host's mount and UTS namespaces. */
    readonly sshdPid: number;
}

/** Each test lane (TEST_PORT_SLOT) gets its own bridge and subnet, so two lanes' hosts never meet. */
function slotNames(): { bridge: string; prefix: string; subnet: string } {
    const slot = Number(process.env.TEST_PORT_SLOT ?? "0");
    return { bridge: `rmqbr${slot}`, prefix: `rmq${slot}-`, subnet: `10.213.${10 + slot}` };
}

function sh(command: string, args: string[], input?: string): string {
    return execFileSync(command, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

function quiet(command: string, args: string[]): void {
    spawnSync(command, args, { stdio: "ignore" });
}

/** Kills every process in the namespace, then removes it. */
function removeNetns(netns: string): void {
    const pids = spawnSync("ip", ["netns", "pids", netns], { encoding: "utf8" }).stdout ?? "";
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
        quiet("kill", ["-KILL", pid]);
    }
    quiet("ip", ["netns", "del", netns]);
    // A namespace outlives its name while orphaned TCP connections in it wind down (up to minutes): delete the
    // bridge's end of its veth now, which takes the pair with it, so the next run can reuse the name.
    quiet("ip", ["link", "del", vethOf(netns)]);
}

/** The bridge-side end of a host's veth pair (interface names are at most 15 bytes). */
function vethOf(netns: string): string {
    return `v${netns}`.slice(0, 15);
}

/** Namespaces and the bridge a crashed run of this lane left behind. */
function removeLeftovers(): void {
    const { bridge, prefix } = slotNames();
    const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
    for (const line of list.split("\n")) {
        const name = line.split(/\s+/)[0];
        if (name?.startsWith(prefix)) {
            removeNetns(name);
        }
    }
    const links = spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).stdout ?? "";
    for (const m of links.matchAll(/^\d+: (v[^@:\s]+)/gm)) {
        if (m[1].startsWith(vethOf(prefix))) {
            quiet("ip", ["link", "del", m[1]]);
        }
    }
    quiet("ip", ["link", "del", bridge]);
}

function sshdRoot(): string {
    return sh("bash", [path.join(projectRoot(), "scripts", "openssh-server.sh")]).trim();
}

export class NamespaceHosts {
    private destroyed = false;
    private readonly onExit = () => this.destroy();
    /** Killed by a signal (a timeout, ^C): remove everything, then die of it as the default handler would. */
    private readonly onSignal = (signal: NodeJS.Signals) => {
        this.destroy();
        process.kill(process.pid, signal);
    };

    private constructor(
        readonly hosts: NamespaceHost[],
        /** The test's own client key (a throwaway; the product never writes a key to disk). */
        readonly privateKey: string,
        private readonly work: string,
        private readonly bridge: string,
    ) {
        process.once("exit", this.onExit);
        process.once("SIGTERM", this.onSignal);
        process.once("SIGINT", this.onSignal);
    }

    /** Creates the hosts, each answering SSH as root with the returned key, and waits until every sshd listens. */
    static async create(names: string[], options: Record<string, NamespaceHostOptions> = {}): Promise<NamespaceHosts> {
        if (process.getuid?.() !== 0) {
            throw new Error("namespace test hosts need root (ip netns); run the integration tests as root");
        }
        const sshd = sshdRoot();
        const { bridge, prefix, subnet } = slotNames();
        removeLeftovers();
        const work = scratchDir("hosts");
        sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rocketmq-upgrade-test", "-f", `${work}/client_key`]);
        const privateKey = fs.readFileSync(`${work}/client_key`, "utf8");
        const publicKey = fs.readFileSync(`${work}/client_key.pub`, "utf8");
        const hosts: NamespaceHost[] = [];
        const made = new NamespaceHosts(hosts, privateKey, work, bridge);
        try {
            sh("ip", ["link", "add", bridge, "type", "bridge"]);
            sh("ip", ["addr", "add", `${subnet}.1/24`, "dev", bridge]);
            sh("ip", ["link", "set", bridge, "up"]);
            names.forEach((name, i) => {
                hosts.push(
                    startHost(
                        name,
                        `${subnet}.${11 + i}`,
                        `${prefix}${name}`,
                        work,
                        sshd,
                        publicKey,
                        bridge,
                        options[name] ?? {},
                    ),
                );
            });
            for (const h of hosts) {
                await waitForSsh(h, path.join(work, h.name, "sshd.log"));
            }
        } catch (e) {
            made.destroy();
            throw e;
        }
        return made;
    }

    /** The test's client key as a file, for the plain OpenSSH client a test's own scripts use. */
    get keyFile(): string {
        return path.join(this.work, "client_key");
    }

    host(name: string): NamespaceHost {
        const h = this.hosts.find((x) => x.name === name);
        if (!h) {
            throw new Error(`no namespace host ${name} (hosts: ${this.hosts.map((x) => x.name).join(", ")})`);
        }
        return h;
    }

    /** How the product reaches a host: SSH as root with the test's key, the host key pinned. */
    access(name: string, overrides: Partial<HostAccess> = {}): HostAccess {
        const h = this.host(name);
        return {
            name: h.name,
            address: h.address,
            local: false,
            sshPort: 22,
            user: "root",
            privateKey: this.privateKey,
            hostKeyFingerprint: h.hostKeyFingerprint,
            ...overrides,
        };
    }

    /** Runs a command inside the host (its network, mount and UTS namespaces), as the test's own hand on it. */
    exec(name: string, command: string): string {
        const h = this.host(name);
        return sh("nsenter", ["-t", String(h.sshdPid), "-n", "-m", "-u", "-p", "sh", "-c", command]);
    }

    /** Freezes or thaws a host's sshd: a frozen one accepts TCP but never answers, as a hung machine does. */
    freezeSsh(name: string, frozen: boolean): void {
        process.kill(this.host(name).sshdPid, frozen ? "SIGSTOP" : "SIGCONT");
    }

    destroy(): void {
        if (this.destroyed) {
            return;
        }
        this.destroyed = true;
        process.removeListener("exit", this.onExit);
        process.removeListener("SIGTERM", this.onSignal);
        process.removeListener("SIGINT", this.onSignal);
        for (const h of this.hosts) {
            quiet("kill", ["-CONT", String(h.sshdPid)]);
            removeNetns(h.netns);
        }
        quiet("ip", ["link", "del", this.bridge]);
        // tmpfs mounts lived in the hosts' mount namespaces and went with their last process.
        fs.rmSync(this.work, { recursive: true, force: true });
    }
}

function startHost(
    name: string,
    address: string,
    netns: string,
    work: string,
    sshd: string,
    publicKey: string,
    bridge: string,
    options: NamespaceHostOptions,
): NamespaceHost {
    const dir = path.join(work, name);
    for (const d of ["opt", "srv", "etc", "ssh"]) {
        fs.mkdirSync(path.join(dir, d), { recursive: true });
    }
    sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", `${dir}/ssh/host_key`]);
    const hostKeyFingerprint = sh("ssh-keygen", ["-lf", `${dir}/ssh/host_key.pub`]).split(/\s+/)[1];
    fs.writeFileSync(path.join(dir, "ssh", "authorized_keys"), publicKey, { mode: 0o600 });
    // sshd's privilege separation needs its own user; the host's /etc/passwd is a copy that has it. Root gets a home
    // of the host's own, as on a fresh machine: the operator's dotfiles must not run there (a stale pyenv rehash lock
    // in this machine's ~/.bashrc once hung every command sshd ran).
    fs.mkdirSync(path.join(dir, "home"), { recursive: true });
    const passwd = fs
        .readFileSync("/etc/passwd", "utf8")
        .trimEnd()
        .split("\n")
        .map((line) => (line.startsWith("root:") ? line.replace(/^((?:[^:]*:){5})[^:]*/, `$1${dir}/home`) : line));
    fs.writeFileSync(
        path.join(dir, "etc", "passwd"),
        `${passwd.join("\n")}\nsshd:x:74:65534:sshd privilege separation:/run/sshd:/usr/sbin/nologin\n`,
    );
    fs.writeFileSync(
        path.join(dir, "ssh", "sshd_config"),
        [
            `ListenAddress ${address}`,
            "Port 22",
            `HostKey ${dir}/ssh/host_key`,
            `AuthorizedKeysFile ${dir}/ssh/authorized_keys`,
            `PidFile ${dir}/sshd.pid`,
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "MaxSessions 64",
            "MaxStartups 64",
            `Subsystem sftp ${sshd}/usr/lib/openssh/sftp-server`,
            "",
        ].join("\n"),
    );
    sh("ip", ["netns", "add", netns]);
    const veth = vethOf(netns);
    sh("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
    sh("ip", ["link", "set", veth, "master", bridge, "up"]);
    sh("ip", ["netns", "exec", netns, "ip", "addr", "add", `${address}/24`, "dev", "eth0"]);
    sh("ip", ["netns", "exec", netns, "ip", "link", "set", "eth0", "up"]);
    sh("ip", ["netns", "exec", netns, "ip", "link", "set", "lo", "up"]);
    const opt = options.optSizeMb
        ? `mount -t tmpfs -o size=${options.optSizeMb}m tmpfs /opt`
        : `mount --bind ${dir}/opt /opt`;
    const setup = [
        "set -e",
        `hostname ${name}`,
        opt,
        `mount --bind ${dir}/srv /srv`,
        `mount --bind ${dir}/etc/passwd /etc/passwd`,
        // A private /run: sshd's privilege-separation directory, without touching the machine's.
        "mount -t tmpfs -o size=16m,mode=755 tmpfs /run",
        "mkdir -m 755 /run/sshd",
        `LD_LIBRARY_PATH=${sshd}/usr/lib/x86_64-linux-gnu exec ${sshd}/usr/sbin/sshd -D -e -f ${dir}/ssh/sshd_config`,
    ].join("\n");
    const log = fs.openSync(path.join(dir, "sshd.log"), "a");
    const child = spawn(
        "ip",
        // Its own PID namespace with its own /proc too: a host sees only its own processes, as a machine does.
        [
            "netns",
            "exec",
            netns,
            "unshare",
            "--mount",
            "--uts",
            "--pid",
            "--fork",
            "--mount-proc",
            "--propagation",
            "private",
            "sh",
            "-c",
            setup,
        ],
        { stdio: ["ignore", log, log], detached: true },
    );
    fs.closeSync(log);
    child.unref();
    if (child.pid === undefined) {
        throw new Error(`host ${name}: sshd did not start`);
    }
    // `ip netns exec` execs unshare, which forks the host's first process: sh, which execs sshd (pid 1 inside).
    return { name, address, netns, dir, hostKeyFingerprint, sshdPid: firstChild(child.pid, name) };
}

/** The only child of `pid`, as this machine numbers it, once it exists. */
function firstChild(pid: number, host: string): number {
    const file = `/proc/${pid}/task/${pid}/children`;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
        const first = Number((fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "").trim().split(/\s+/)[0]);
        if (Number.isInteger(first) && first > 0) {
            return first;
        }
        spawnSync("sleep", ["0.05"]);
    }
    throw new Error(`host ${host}: its first process did not start within 5 s`);
}

async function waitForSsh(h: NamespaceHost, log: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
        if (fs.readFileSync(log, "utf8").includes("Server listening")) {
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
        `host ${h.name}: sshd did not listen on ${h.address}:22 within 15 s:\n${fs.readFileSync(log, "utf8")}`,
    );
}
