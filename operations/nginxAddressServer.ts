/**
 * The address server of isolated routing on this machine: nginx from
 * Debian's package, unpacked into the cache (nothing is installed
 * system-wide, and no step needs root), run in the foreground of its own
 * directory. A weight change rewrites the config, has nginx test it, and reloads it with SIGHUP: the
 * master starts workers on the new config and lets the old ones finish, so
 * no client poll is refused.
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { addressServerConfig, AddressServerSettings, colourOfClient, PROBE_PREFIX } from "../domain/addressPlan";
import { isAlive, portAccepts, tail, terminate } from "./launcher";
import { cacheRoot } from "./paths";

const CONFIG_FILE = "nginx.conf";
const PID_FILE = "nginx.pid";
const STDOUT_LOG = "stdout.log";

type Log = (msg: string) => void;

/** Identities whose answers prove a weight is in force: a few on each side of its threshold. */
const PROBES = Array.from({ length: 200 }, (_, i) => `${PROBE_PREFIX}${i}`);

/** What to do when nginx cannot be fetched: one clause, for the end of the error. */
export const NGINX_INSTALL_HINT =
    "install it as root (apt-get install -y nginx) and set NGINX_BIN=/usr/sbin/nginx, or point NGINX_BIN at any nginx binary";

/**
 * The apt-get runs that fetch nginx's package, in turn until one succeeds:
 * the machine's package lists as they are, then refreshed ones. Only root
 * may refresh the machine's lists (/var/lib/apt/lists); anyone else
 * refreshes a private copy under `aptDir`, so the fetch never needs root.
 */
export function nginxFetchAttempts(isRoot: boolean, aptDir: string): string[][][] {
    const own = isRoot
        ? []
        : ["-o", `Dir::State::Lists=${path.join(aptDir, "lists")}`, "-o", `Dir::Cache=${path.join(aptDir, "cache")}`];
    return [
        [["download", "nginx"]],
        [
            [...own, "update"],
            [...own, "download", "nginx"],
        ],
    ];
}

/**
 * Runs apt-get with each argument list in turn in `cwd`; says in one line why
 * one failed, or undefined when all succeed. `apt-get update` exits 0 when it
 * could not reach a source, and only the download after it fails: its first
 * warning is the cause then, so it goes into the answer.
 */
function runApt(runs: string[][], cwd: string): string | undefined {
    let warning: string | undefined;
    for (const args of runs) {
        const r = spawnSync("apt-get", args, { cwd, encoding: "utf8" });
        const lines = (r.stderr ?? "")
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean);
        if (r.error || r.status !== 0) {
            // apt marks its errors "E:" and its warnings "W:".
            const cause = r.error?.message ?? [...lines].reverse().find((l) => l.startsWith("E:")) ?? lines.at(-1);
            return (
                `apt-get ${args.join(" ")} exited ${r.status ?? "without a code"} (${cause ?? "no message"})` +
                (warning ? `, after apt-get warned: ${warning}` : "")
            );
        }
        warning ??= lines.find((l) => l.startsWith("W:") || l.startsWith("E:"));
    }
    return undefined;
}

/**
 * The nginx binary: NGINX_BIN if set, else Debian's package unpacked under
 * the cache, fetched with `apt-get download` on first use (as any user).
 */
export function nginxBinary(log: Log = () => undefined): string {
    if (process.env.NGINX_BIN) {
        return process.env.NGINX_BIN;
    }
    const home = path.join(cacheRoot(), "nginx");
    const bin = path.join(home, "root", "usr", "sbin", "nginx");
    if (fs.existsSync(bin)) {
        return bin;
    }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-deb-"));
    try {
        log("fetching nginx from Debian's packages");
        const isRoot = process.getuid?.() === 0;
        const aptDir = path.join(home, "apt");
        if (!isRoot) {
            // apt-get wants these to exist when its lists and cache live elsewhere.
            fs.mkdirSync(path.join(aptDir, "lists", "partial"), { recursive: true });
            fs.mkdirSync(path.join(aptDir, "cache", "archives", "partial"), { recursive: true });
        }
        let failure: string | undefined;
        for (const runs of nginxFetchAttempts(isRoot, aptDir)) {
            failure = runApt(runs, work);
            if (failure === undefined) {
                break;
            }
        }
        if (failure !== undefined) {
            throw new Error(failure);
        }
        const deb = fs.readdirSync(work).find((f) => /^nginx_.*\.deb$/.test(f));
        if (!deb) {
            throw new Error("apt-get download nginx left no .deb");
        }
        const unpacked = path.join(work, "root");
        execFileSync("dpkg-deb", ["-x", path.join(work, deb), unpacked], { stdio: "pipe" });
        fs.mkdirSync(home, { recursive: true });
        fs.rmSync(path.join(home, "root"), { recursive: true, force: true });
        fs.renameSync(unpacked, path.join(home, "root"));
        fs.writeFileSync(path.join(home, "package"), `${deb}\n`);
        return bin;
    } catch (err) {
        throw new Error(
            `could not get nginx for the address server: ${(err as Error).message.split("\n")[0]}; ${NGINX_INSTALL_HINT}.`,
            { cause: err },
        );
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** The pid of the nginx master serving `dir`, if it runs. */
export function addressServerPid(dir: string): number | undefined {
    try {
        const pid = Number(fs.readFileSync(path.join(dir, PID_FILE), "utf8").trim());
        if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
            return undefined;
        }
        // nginx rewrites its title ("nginx: master process <bin> -p ... -c <conf>") into one string.
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        return cmdline.includes(path.join(dir, CONFIG_FILE)) ? pid : undefined;
    } catch {
        return undefined;
    }
}

/** GET http://host:port/path, the body trimmed; rejects on anything but 200. */
export function httpGet(host: string, port: number, urlPath: string, timeoutMs = 2000): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host, port, path: urlPath, timeout: timeoutMs }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => (body += d));
            res.on("end", () =>
                res.statusCode === 200
                    ? resolve(body.trim())
                    : reject(new Error(`HTTP ${res.statusCode} for ${urlPath}`)),
            );
        });
        req.on("timeout", () => req.destroy(new Error(`no answer for ${urlPath} within ${timeoutMs} ms`)));
        req.on("error", reject);
    });
}

/**
 * Whether the running server answers as `s` says: its weight endpoint
 * reports the weight and every probe identity gets the colour (and name
 * servers) the model predicts.
 */
export async function answersMatch(s: AddressServerSettings): Promise<string | undefined> {
    let weight: string;
    try {
        weight = await httpGet(s.host, s.port, "/rocketmq-upgrade/weight");
    } catch (err) {
        return `the address server does not answer on ${s.host}:${s.port}: ${(err as Error).message}`;
    }
    if (weight !== String(s.weight)) {
        return `the address server applies weight ${weight}, not ${s.weight}`;
    }
    const hasGreen = s.greenNameServers !== "";
    for (const probe of PROBES) {
        const want = hasGreen ? colourOfClient(probe, s.weight) : "blue";
        const body = await httpGet(s.host, s.port, `/rocketmq/nsaddr-${probe}`);
        const expected = want === "green" ? s.greenNameServers : s.blueNameServers;
        if (body !== expected) {
            return `client ${probe} got "${body}", expected ${want}'s "${expected}"`;
        }
    }
    return undefined;
}

async function waitForAnswers(s: AddressServerSettings, pid: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let problem: string | undefined = "not asked yet";
    while (Date.now() < deadline) {
        if (!isAlive(pid)) {
            throw new Error(`nginx in ${s.dir} exited. Last errors:\n${tail(path.join(s.dir, "error.log"), 10)}`);
        }
        if ((await portAccepts(s.port, s.host)) && (problem = await answersMatch(s)) === undefined) {
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the address server did not serve weight ${s.weight} within ${timeoutMs / 1000}s: ${problem}`);
}

/** Writes the config for `s` and has nginx check it; the running server is not touched. */
function writeCheckedConfig(s: AddressServerSettings, bin: string): string {
    fs.mkdirSync(path.join(s.dir, "tmp"), { recursive: true });
    const file = path.join(s.dir, CONFIG_FILE);
    const candidate = `${file}.next`;
    fs.writeFileSync(candidate, addressServerConfig(s));
    try {
        execFileSync(bin, ["-t", "-q", "-p", `${s.dir}/`, "-e", path.join(s.dir, "error.log"), "-c", candidate], {
            stdio: "pipe",
        });
    } catch (err) {
        const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? "";
        throw new Error(`nginx refused the address server's config ${candidate}: ${stderr.trim()}`, { cause: err });
    }
    fs.renameSync(candidate, file);
    return file;
}

/** Starts the address server for `s` (or keeps the one running) and returns its pid once it answers as `s` says. */
export async function startAddressServer(s: AddressServerSettings, log: Log, timeoutMs = 30_000): Promise<number> {
    const bin = nginxBinary(log);
    const running = addressServerPid(s.dir);
    if (running !== undefined) {
        await reloadAddressServer(s, log, timeoutMs);
        return running;
    }
    const config = writeCheckedConfig(s, bin);
    const out = fs.openSync(path.join(s.dir, STDOUT_LOG), "w");
    const child = spawn(bin, ["-p", `${s.dir}/`, "-e", path.join(s.dir, "error.log"), "-c", config], {
        cwd: s.dir,
        detached: true,
        stdio: ["ignore", out, out],
    });
    fs.closeSync(out);
    if (child.pid === undefined) {
        throw new Error(`could not start nginx (${bin})`);
    }
    child.unref();
    fs.writeFileSync(path.join(s.dir, PID_FILE), `${child.pid}\n`);
    log(`address server started on ${s.host}:${s.port} (pid ${child.pid}), weight ${s.weight}`);
    await waitForAnswers(s, child.pid, timeoutMs);
    return child.pid;
}

/**
 * Applies `s` to the running server: a checked config, then SIGHUP; resolves
 * once the new workers answer as `s` says.
 */
export async function reloadAddressServer(s: AddressServerSettings, log: Log, timeoutMs = 30_000): Promise<void> {
    const pid = addressServerPid(s.dir);
    if (pid === undefined) {
        throw new Error(`the address server in ${s.dir} is not running`);
    }
    writeCheckedConfig(s, nginxBinary(log));
    process.kill(pid, "SIGHUP");
    await waitForAnswers(s, pid, timeoutMs);
    log(`address server reloaded: weight ${s.weight}`);
}

/** Stops the address server in `dir` (fast shutdown); a server that is not running is not an error. */
export async function stopAddressServer(dir: string, graceMs = 10_000): Promise<void> {
    const pid = addressServerPid(dir);
    if (pid === undefined) {
        return;
    }
    await terminate(pid, graceMs);
    fs.rmSync(path.join(dir, PID_FILE), { force: true });
}
