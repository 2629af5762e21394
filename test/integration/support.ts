/** Shared helpers for integration tests: scratch directories and free loopback ports. */
import * as assert from "assert";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PORT_SPAN } from "../../domain/clusterPlan";
import { portIsFree } from "../../operations/launcher";
import { projectRoot } from "../../operations/paths";

/**
 * The test clients' route refresh (pollNameServerInterval). Applications keep the client's 30 s; the tests shorten
 * it so each stage, rollback and master turn waits seconds instead, and every assertion about how fast producers
 * move is written against this value.
 */
export const TEST_ROUTE_REFRESH_MS = 5_000;

/** A fresh directory under test-output/ (gitignored), named after the test. */
export function scratchDir(name: string): string {
    const dir = path.join(projectRoot(), "test-output", `${name}-${process.pid}-${Date.now()}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

/**
 * Test ports stay below Linux's ephemeral range (ip_local_port_range starts at 32768 by default): a port there
 * can be taken by any outgoing client socket between the moment it is found free and the moment a broker binds it.
 * Several mocha processes run side by side (scripts/test.sh), so each takes its own slot of the range,
 * `TEST_PORT_SLOT` (0 to SLOTS - 1), and never picks a port of another's.
 */
const TEST_PORT_RANGE = { low: 10000, high: 32000 };
const SLOTS = 2;

/** The [low, high) ports of this process's slot. */
function portSlot(slot = Number(process.env.TEST_PORT_SLOT ?? "0")): { low: number; high: number } {
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) {
        throw new Error(`TEST_PORT_SLOT=${process.env.TEST_PORT_SLOT}: allowed are 0 to ${SLOTS - 1}`);
    }
    const width = Math.floor((TEST_PORT_RANGE.high - TEST_PORT_RANGE.low) / SLOTS);
    return { low: TEST_PORT_RANGE.low + slot * width, high: TEST_PORT_RANGE.low + (slot + 1) * width };
}

/** Fails naming both ranges when the kernel would hand out test ports to outgoing sockets. */
function assertOutsideEphemeralRange(): void {
    const file = "/proc/sys/net/ipv4/ip_local_port_range";
    if (!fs.existsSync(file)) {
        return;
    }
    const [low] = fs.readFileSync(file, "utf8").trim().split(/\s+/).map(Number);
    if (low < TEST_PORT_RANGE.high) {
        throw new Error(
            `test ports ${TEST_PORT_RANGE.low}-${TEST_PORT_RANGE.high} overlap the ephemeral range starting at ${low} ` +
                `(${file}): a client socket could take a broker's port; raise that range's start above ${TEST_PORT_RANGE.high}`,
        );
    }
}

const slot = portSlot();
let nextCandidate = slot.low + ((process.pid * 97) % (slot.high - slot.low - 1000));

/**
 * Returns `count` consecutive free ports of this process's slot. RocketMQ brokers use port-2 and
 * port+1 beside their own port, so callers ask for whole blocks.
 */
export async function freePortBlock(count: number): Promise<number> {
    assertOutsideEphemeralRange();
    for (let attempt = 0; attempt < 500; attempt++) {
        if (nextCandidate + count > slot.high) {
            nextCandidate = slot.low;
        }
        const base = nextCandidate;
        nextCandidate += count + 10;
        let free = true;
        for (let p = base; p < base + count && free; p++) {
            free = await portIsFree(p);
        }
        if (free) {
            return base;
        }
    }
    throw new Error(`no block of ${count} free ports found in ${slot.low}-${slot.high}`);
}

/** A copy of the project's tracked files, with node_modules linked, so tests never touch the real stack or its config. */
export function copyProject(): string {
    const root = projectRoot();
    const dir = scratchDir("stack");
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: root,
        encoding: "utf8",
    })
        .split("\0")
        .filter(Boolean);
    for (const f of files) {
        if (!fs.existsSync(path.join(root, f))) {
            continue; // deleted in the work tree but not yet committed
        }
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(root, f), path.join(dir, f));
        fs.chmodSync(path.join(dir, f), fs.statSync(path.join(root, f)).mode);
    }
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

export interface Run {
    status: number;
    output: string;
}

export function pulumi(dir: string, ...args: string[]): Run {
    return pulumiWithEnv(dir, {}, ...args);
}

/** `pulumi` with extra environment, e.g. the passphrase of a stack other than local. */
export function pulumiWithEnv(dir: string, env: Record<string, string>, ...args: string[]): Run {
    const r = spawnSync("bash", [path.join(dir, "scripts", "pulumi.sh"), ...args], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "", ...env },
        timeout: 600_000,
    });
    return { status: r.status ?? -1, output: `${r.stdout}\n${r.stderr}` };
}

/** `pulumi` without blocking the event loop, so a test can watch processes and clients while it runs. */
export function pulumiInBackground(dir: string, ...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn("bash", [path.join(dir, "scripts", "pulumi.sh"), ...args], {
            cwd: dir,
            env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
        });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("exit", (code) => resolve({ status: code ?? -1, output }));
    });
}

/** A `pulumi` run in its own process group, watched while it runs and killed as a laptop dying would kill it. */
export interface InterruptibleRun {
    /** Everything it printed so far. */
    output(): string;
    /** SIGKILL to the whole process group: the CLI, the program and the provider plugin, with no chance to clean up. */
    kill(): void;
    done: Promise<Run>;
}

export function pulumiInterruptible(dir: string, ...args: string[]): InterruptibleRun {
    const child = spawn("bash", [path.join(dir, "scripts", "pulumi.sh"), ...args], {
        cwd: dir,
        detached: true,
        env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const done = new Promise<Run>((resolve) => child.on("exit", (code) => resolve({ status: code ?? -1, output })));
    return {
        output: () => output,
        kill: () => process.kill(-child.pid!, "SIGKILL"),
        done,
    };
}

/**
 * Kills `run` (process group and all) the moment `reached` says so, polled every 250 ms, and resolves with what it
 * printed; fails naming `what` when the run ended first or `timeoutMs` passed. Never leaves the run alive.
 */
export async function killWhen(
    run: InterruptibleRun,
    reached: () => boolean,
    timeoutMs: number,
    what: string,
): Promise<Run> {
    let ended = false;
    void run.done.then(() => (ended = true));
    const deadline = Date.now() + timeoutMs;
    let hit = false;
    try {
        while (Date.now() < deadline && !ended && !(hit = reached())) {
            await new Promise((r) => setTimeout(r, 250));
        }
        assert.ok(hit && !ended, `${what}:\n${run.output()}`);
        run.kill();
    } catch (err) {
        if (!ended) {
            run.kill();
        }
        await run.done;
        throw err;
    }
    return run.done;
}

/** Sets a secret in the copied project's stack config through stdin: the value never appears on a command line. */
export function setStackSecret(dir: string, key: string, value: string): void {
    const r = spawnSync("bash", [path.join(dir, "scripts", "pulumi.sh"), "config", "set", "--secret", key], {
        cwd: dir,
        input: value,
        encoding: "utf8",
        env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
    });
    assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
}

/** The Diagnostics section of a CLI run's output (what failed and why), or its last 3,000 characters. */
export function diagnosticsOf(output: string): string {
    const from = output.indexOf("Diagnostics:");
    const to = output.indexOf("\nOutputs:", from);
    return from >= 0 ? output.slice(from, to > from ? to : undefined) : output.slice(-3000);
}

export function mustPulumi(dir: string, ...args: string[]): string {
    const r = pulumi(dir, ...args);
    assert.strictEqual(r.status, 0, `pulumi ${args.join(" ")} failed:\n${r.output}`);
    return r.output;
}

export interface StackResource {
    urn: string;
    type: string;
    outputs?: Record<string, unknown>;
}

export function stackResources(dir: string): StackResource[] {
    const exported = JSON.parse(mustPulumi(dir, "stack", "export").replace(/^[^{]*/, "")) as {
        deployment: { resources?: StackResource[] };
    };
    return exported.deployment.resources ?? [];
}

/** The stack's outputs as JSON. */
export function stackOutputs(dir: string): Record<string, unknown> {
    return JSON.parse(mustPulumi(dir, "stack", "output", "--json").replace(/^[^{]*/, "")) as Record<string, unknown>;
}

/** The ports a copied stack was moved to. */
export interface StackPorts {
    nameServer: number;
    blue: number;
    green?: number;
}

/**
 * Moves a copied stack onto free port ranges, so a test never collides with
 * the real local stack or another test; without `green`, drops the green
 * cluster (blue alone on the shared name servers).
 */
export async function isolateStack(
    dir: string,
    opts: {
        green: boolean;
        /**
         * `test`: brokers register with the name servers every 10 s (the broker's floor), so a restarted name
         * server waits one short round for them, and hold a send in their queue up to 3 s before shedding it;
         * `production` keeps RocketMQ's 30 s and 200 ms, as bench/ measures.
         */
        timings: "test" | "production";
    },
): Promise<StackPorts> {
    const ports: StackPorts = { nameServer: await freePortBlock(5), blue: await freePortBlock(PORT_SPAN) };
    mustPulumi(dir, "config", "set", "--path", "nameServer.basePort", String(ports.nameServer));
    mustPulumi(dir, "config", "set", "--path", "blue.basePort", String(ports.blue));
    if (opts.green) {
        ports.green = await freePortBlock(PORT_SPAN);
        mustPulumi(dir, "config", "set", "--path", "green.basePort", String(ports.green));
    } else {
        mustPulumi(dir, "config", "rm", "green");
    }
    for (const colour of opts.timings === "test" ? (opts.green ? ["blue", "green"] : ["blue"]) : []) {
        mustPulumi(dir, "config", "set", "--path", `${colour}.brokerConfig.registerNameServerPeriod`, "10000");
        // Two lanes of tests run 20 and more JVMs on 2 cores: a send can wait in a broker's queue longer than
        // RocketMQ's 200 ms, and the broker then sheds it as "broker busy", which the client does not retry.
        mustPulumi(dir, "config", "set", "--path", `${colour}.brokerConfig.waitTimeMillsInSendQueue`, "3000");
    }
    return ports;
}

/** The URN of the one resource of `type` whose name is `name`. */
export function urnOf(dir: string, type: string, name: string): string {
    const r = stackResources(dir).find((x) => x.type === type && x.urn.endsWith(`::${name}`));
    assert.ok(r, `no ${type} named ${name} in the stack`);
    return r.urn;
}

/** Runs `npm run <status|promote|rollback> -- ARGS` of the copied project. */
export function rollout(dir: string, ...args: string[]): Run {
    const r = spawnSync(
        "node",
        ["--require", "ts-node/register/transpile-only", path.join(dir, "scripts", "rollout.ts"), ...args],
        { cwd: dir, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" }, timeout: 600_000 },
    );
    return { status: r.status ?? -1, output: `${r.stdout}\n${r.stderr}` };
}

/**
 * A broker's version from its runtime stats (e.g. V4_9_7). A broker that has just started answers that request
 * with an error until its first stats sample, so the question is asked again for up to 30 s.
 */
export async function brokerVersion(
    admin: { runtimeStats(broker: string): Promise<Record<string, string>> },
    address: string,
): Promise<string> {
    for (let attempt = 0; ; attempt++) {
        try {
            return (await admin.runtimeStats(address)).brokerVersionDesc;
        } catch (e) {
            if (attempt >= 30) {
                throw e;
            }
            await new Promise((r) => setTimeout(r, 1000));
        }
    }
}
