/**
 * Long-running real clients for traffic tests (test/clients/TrafficLoad.java):
 * producers and consumers that know only the name servers, run in the
 * background while the test moves the weight, and leave files to count with.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { compiledClasspath } from "../../operations/javaSource";
import { RocketMQRuntime } from "../../operations/maven";
import { projectRoot } from "../../operations/paths";

const SOURCE = path.join(projectRoot(), "test", "clients", "TrafficLoad.java");

/** The RocketMQ client's own route refresh (pollNameServerInterval): what applications run with, and bench/ uses. */
export const CLIENT_DEFAULT_ROUTE_REFRESH_MS = 30_000;

export interface Send {
    at: number;
    key: string;
    brokerName: string;
    queueId: number;
    /** How long the send took, retries included. */
    latencyMs: number;
    /** SEND_OK, or e.g. SLAVE_NOT_AVAILABLE: stored on the master, not yet on a slave. */
    status: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, ready: () => boolean): Promise<void> {
    const began = Date.now();
    while (!ready()) {
        if (Date.now() - began > timeoutMs) {
            throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
        }
        await sleep(500);
    }
}

function readLines(file: string): string[] {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** A sends.csv: "epochMillis,key,brokerName,queueId,latencyMillis,sendStatus" per accepted send. */
function readSends(file: string): Send[] {
    return readLines(file)
        .filter((l) => l.split(",").length === 6)
        .map((l) => {
            const [at, key, brokerName, queueId, latencyMs, status] = l.split(",");
            return { at: Number(at), key, brokerName, queueId: Number(queueId), latencyMs: Number(latencyMs), status };
        });
}

/** One background JVM running TrafficLoad; its files live in `dir`. */
class ClientProcess {
    private readonly exited: Promise<string>;
    private readonly child: ChildProcess;
    private stdout = "";

    constructor(
        runtime: RocketMQRuntime,
        readonly dir: string,
        args: string[],
        /** Every client's pollNameServerInterval. */
        readonly routeRefreshMs: number,
    ) {
        fs.mkdirSync(dir, { recursive: true });
        const child: ChildProcess = (this.child = spawn(
            "java",
            [
                "-Xmx384m",
                `-Duser.home=${dir}`,
                `-DrouteRefreshMs=${routeRefreshMs}`,
                "-cp",
                compiledClasspath(SOURCE, runtime, "test-clients"),
                "TrafficLoad",
                ...args,
            ],
            { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
        ));
        const log = fs.createWriteStream(path.join(dir, `client-${args[0]}.log`), { flags: "a" });
        child.stdout!.on("data", (d: Buffer) => {
            this.stdout += d.toString();
        });
        child.stderr!.pipe(log);
        this.exited = new Promise((resolve, reject) => {
            child.on("exit", (code) =>
                code === 0
                    ? resolve(this.stdout)
                    : reject(new Error(`TrafficLoad ${args[0]} exited ${code}: ${this.stdout}`)),
            );
        });
    }

    /** Stops the JVM at once (test teardown). */
    kill(): void {
        // A killed client has no result to report: its exit is expected, not a failure.
        this.exited.catch(() => undefined);
        this.child.kill("SIGKILL");
    }

    protected touch(name: string): void {
        fs.writeFileSync(path.join(this.dir, name), "");
    }

    /** Waits until `group` consumed `count` distinct keys (or the timeout), then asks the client to stop via `stopFile`. */
    protected async stopOnceConsumed(
        group: string,
        count: number,
        stopFile: string,
        timeoutMs: number,
    ): Promise<Record<string, number>> {
        await until(`${group} to consume ${count} messages`, timeoutMs, () => this.progress(group) >= count).catch(
            () => undefined,
        );
        this.touch(stopFile);
        return this.result();
    }

    protected async result(): Promise<Record<string, number>> {
        const out = await this.exited;
        const line = out
            .trim()
            .split("\n")
            .reverse()
            .find((l) => l.startsWith("{"));
        if (!line) {
            throw new Error(`TrafficLoad printed no result:\n${out}`);
        }
        return JSON.parse(line) as Record<string, number>;
    }

    /** Distinct keys consumed so far by `group` (after producers stopped, for `load`). */
    progress(group: string): number {
        const f = path.join(this.dir, `progress-${group}`);
        return fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8").trim()) : 0;
    }

    /** Keys consumed so far (the consumer keeps running), from its live key log. */
    consumedSoFar(group: string): Set<string> {
        const f = path.join(this.dir, `consumed-${group}.live`);
        return fs.existsSync(f) ? new Set(fs.readFileSync(f, "utf8").split("\n").filter(Boolean)) : new Set();
    }

    consumed(group: string): Set<string> {
        return new Set(
            fs
                .readFileSync(path.join(this.dir, `consumed-${group}.txt`), "utf8")
                .split("\n")
                .filter(Boolean),
        );
    }
}

/**
 * Isolated routing: producers that ask the address server for name servers,
 * each naming itself with one of `identities`; consumers on every list of
 * `consumerNameServers`.
 */
export interface AddressServerClients {
    /** `http://host:port` of the address server. */
    url: string;
    identities: string[];
    consumerNameServers: string[];
}

/**
 * PRODUCERS producers at `ratePerProducer`/s and CONSUMERS consumers of
 * `group`, all on `topic`: on `nameServers`, or (isolated routing) producers
 * through the address server and CONSUMERS consumers per cluster.
 */
export class TrafficLoad extends ClientProcess {
    constructor(
        runtime: RocketMQRuntime,
        dir: string,
        nameServers: string | AddressServerClients,
        topic: string,
        readonly group: string,
        producers: number,
        consumers: number,
        ratePerProducer: number,
        routeRefreshMs = CLIENT_DEFAULT_ROUTE_REFRESH_MS,
    ) {
        const isolated = typeof nameServers === "string" ? undefined : nameServers;
        super(
            runtime,
            dir,
            [
                "load",
                isolated ? isolated.url : (nameServers as string),
                topic,
                group,
                String(producers),
                String(consumers),
                String(ratePerProducer),
                dir,
                ...(isolated ? [isolated.identities.join(","), isolated.consumerNameServers.join("|")] : []),
            ],
            routeRefreshMs,
        );
    }

    /** Every accepted send so far, in the order written. */
    sends(): Send[] {
        return readSends(path.join(this.dir, "sends.csv"));
    }

    /** "epochMillis,key,elapsedMillis,lastBrokerTried,message" per send that failed after the client's retries. */
    failures(): string[] {
        return readLines(path.join(this.dir, "failures.txt"));
    }

    /**
     * What to read beside a failed send: every pause of the client JVM over a second ("epochMillis,pausedMillis"),
     * and the slowest sends that succeeded. A failure inside a client pause was the machine's; one beside slow sends
     * to the same broker was that broker not answering.
     */
    sendReport(): string {
        const pauses = readLines(path.join(this.dir, "pauses.txt"));
        const slowest = [...this.sends()]
            .sort((a, b) => b.latencyMs - a.latencyMs)
            .slice(0, 5)
            .map((x) => `${x.latencyMs}ms to ${x.brokerName} at ${new Date(x.at).toISOString()}`);
        return (
            `failed sends: ${JSON.stringify(this.failures().slice(0, 10))}; ` +
            `client JVM pauses over 1 s: ${JSON.stringify(pauses.slice(0, 10))}; slowest sends: ${slowest.join(", ")}`
        );
    }

    /**
     * Stops the producers, waits until the consumers have read every send, stops them, and asserts that nothing was
     * lost (every key sent was consumed, the client's counts agree) and no send failed after the client's retries.
     */
    async assertNothingLost(minSends: number): Promise<void> {
        await this.stopProducers();
        const result = await this.drainAndStop(300_000);
        const sends = this.sends();
        const consumed = this.consumed(this.group);
        const missing = sends.filter((x) => !consumed.has(x.key)).map((x) => x.key);
        assert.ok(sends.length > minSends, `only ${sends.length} sends`);
        assert.deepStrictEqual(missing.slice(0, 10), [], `${missing.length} sent messages were never consumed`);
        assert.strictEqual(result.sent, sends.length);
        assert.strictEqual(result.consumed, sends.length);
        assert.strictEqual(
            result.failed,
            0,
            `the client counted sends that failed after its retries: ${this.sendReport()}`,
        );
    }

    /** Waits until the producers have sent `count` messages; JVMs start slowly on busy cores, so no fixed sleep. */
    async sending(count: number, timeoutMs: number): Promise<void> {
        await until(`the producers to send ${count} messages`, timeoutMs, () => this.sends().length >= count);
    }

    async stopProducers(): Promise<void> {
        this.touch("stop-producers");
        await until("the producers to stop", 60_000, () => fs.existsSync(path.join(this.dir, "producers-stopped")));
    }

    /** Waits until the consumers have seen as many distinct keys as were sent, then stops them. */
    async drainAndStop(timeoutMs: number): Promise<Record<string, number>> {
        return this.stopOnceConsumed(this.group, this.sends().length, "stop-consumers", timeoutMs);
    }
}

/** One consumer of its own group, stopped and restarted by the test. */
export class GroupConsumer extends ClientProcess {
    constructor(
        runtime: RocketMQRuntime,
        dir: string,
        nameServers: string,
        topic: string,
        readonly group: string,
        from: "first" | "last",
        routeRefreshMs = CLIENT_DEFAULT_ROUTE_REFRESH_MS,
    ) {
        fs.rmSync(path.join(dir, `stop-${group}`), { force: true });
        super(runtime, dir, ["consume", nameServers, topic, group, from, dir], routeRefreshMs);
    }

    /** Waits for at least `count` distinct keys (or the timeout), then stops. */
    async stopAfter(count: number, timeoutMs: number): Promise<Set<string>> {
        await this.stopOnceConsumed(this.group, count, `stop-${this.group}`, timeoutMs);
        return this.consumed(this.group);
    }
}

/** Green's share, in percent, of the sends in [from, to), and how many sends that is. */
export function greenShare(sends: readonly Send[], from: number, to: number, green: ReadonlySet<string>) {
    const window = sends.filter((s) => s.at >= from && s.at < to);
    const toGreen = window.filter((s) => green.has(s.brokerName)).length;
    return { share: window.length === 0 ? NaN : (100 * toGreen) / window.length, count: window.length };
}

/** How many of each kind of message a {@link PendingLoad} sends, and at which delay levels. */
export interface PendingMix {
    delayed: number;
    delayLevel: number;
    transactions: number;
    retried: number;
    retryLevel: number;
}

/**
 * Messages no group's lag shows while they wait on a broker: delayed ones,
 * transactional ones left unsettled until {@link commit}, and plain ones its
 * consumer of `group` fails (so they wait as retries) until {@link release}.
 */
export class PendingLoad extends ClientProcess {
    constructor(
        runtime: RocketMQRuntime,
        dir: string,
        nameServers: string,
        topic: string,
        readonly group: string,
        mix: PendingMix,
        routeRefreshMs = CLIENT_DEFAULT_ROUTE_REFRESH_MS,
    ) {
        super(
            runtime,
            dir,
            [
                "pending",
                nameServers,
                topic,
                group,
                dir,
                String(mix.delayed),
                String(mix.delayLevel),
                String(mix.transactions),
                String(mix.retried),
                String(mix.retryLevel),
            ],
            routeRefreshMs,
        );
    }

    /** Resolves once every message was sent (or failed to be). */
    async sent(timeoutMs: number): Promise<void> {
        await until("the pending messages to be sent", timeoutMs, () => fs.existsSync(path.join(this.dir, "sent")));
    }

    sends(): Send[] {
        return readSends(path.join(this.dir, "sends.csv"));
    }

    failures(): string[] {
        return readLines(path.join(this.dir, "failures.txt"));
    }

    /** The broker's next check-back of each open transaction commits it. */
    commit(): void {
        this.touch("commit");
    }

    /** The consumer stops failing: each waiting retry is consumed when it is next due. */
    release(): void {
        this.touch("release");
    }

    /** Waits until every sent key was consumed (or the timeout), stops, and returns the client's counts. */
    async drainAndStop(timeoutMs: number): Promise<Record<string, number>> {
        return this.stopOnceConsumed(this.group, this.sends().length, `stop-${this.group}`, timeoutMs);
    }
}
