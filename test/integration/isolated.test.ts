/**
 * Isolated routing end to end on the local stack: blue 4.9.7 and green
 * 5.5.0 (2M-2S each), each on its own name servers, and the nginx address
 * server. 10 producer instances that know only the address server send the
 * whole time; one consumer group reads both clusters. The weight goes
 * 0 → 10 → 30 → 50, rolls back to 0, is forced to 100, and blue is drained
 * and retired. At every stage nginx answers 1,000 identities as the model
 * does. At 50, 0 and 100 (the stages that prove something new: following
 * the address server does not depend on the weight) every producer ends up
 * on the colour nginx answers it, and the number of producers whose sends
 * all go to green is the weight's share of them. Nothing sent is lost.
 *
 * The 10 identities are chosen one per tenth of nginx's hash ring, so that
 * the share of 10 instances can equal the weight exactly; with identities
 * taken at random the share only tends to the weight as instances grow (see
 * README.md, "Isolated routing").
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { colourOfClient, greenThreshold, latestColours, murmurHash2, parseClientLog } from "../../domain/addressPlan";
import { httpGet } from "../../operations/nginxAddressServer";
import { isAlive } from "../../operations/launcher";
import { resolveRuntime, RocketMQRuntime } from "../../operations/maven";
import { mqadmin } from "../../operations/mqadmin";
import {
    copyProject,
    freePortBlock,
    isolateStack,
    mustPulumi,
    pulumi,
    rollout,
    stackOutputs,
    stackResources,
    TEST_ROUTE_REFRESH_MS,
} from "./support";
import { GroupConsumer, TrafficLoad } from "./trafficLoad";

const TOPIC = "Payments";
/** The README example's own topic, so its messages stay out of the load's count. */
const EXAMPLE_TOPIC = "PaymentsExample";
/** A group that reads blue a while and leaves: retiring blue must be refused while it lags there. */
const AUDIT_GROUP = "PaymentsAudit";
const GROUP = "PaymentsReaders";
const PRODUCERS = 10;
/** Each colour runs two masters and no slaves (see `before`). */
const BLUE_BROKERS = 2;
/**
 * RocketMQ clients ask the address server every 2 minutes (fixed in the client), then take up to one route
 * refresh (the clients' pollNameServerInterval) to move.
 */
const POLL_MS = 120_000;
const ROUTE_REFRESH_MS = TEST_ROUTE_REFRESH_MS;
/** Sends per producer looked at to tell which colour it writes to. */
const WINDOW_MS = 8_000;
/** Each stage soaks this long before `promote` takes the next. */
const MIN_SOAK_SECONDS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One identity per tenth of the hash ring: `i`'s hash lies in [i/10, (i+1)/10) of it. */
function spreadIdentities(count: number): string[] {
    return Array.from({ length: count }, (_, i) => {
        const low = greenThreshold((100 * i) / count);
        const high = i === count - 1 ? 0x100000000 : greenThreshold((100 * (i + 1)) / count);
        for (let k = 0; ; k++) {
            const id = `checkout-${i}-${k}`;
            const h = murmurHash2(id);
            if (h >= low && h < high) {
                return id;
            }
        }
    });
}

describe("blue-green with isolated routing: address server, canary stages, rollback, retirement, no message lost", function () {
    this.timeout(50 * 60_000);
    let dir: string;
    let runtime: RocketMQRuntime;
    let addressPort: number;
    let load: TrafficLoad | undefined;
    let audit: GroupConsumer | undefined;
    const identities = spreadIdentities(PRODUCERS);
    const greenBrokers = new Set(["green-a", "green-b"]);

    function outputs() {
        return stackOutputs(dir);
    }

    function polls() {
        const file = String(outputs().addressServerClientLog);
        return parseClientLog(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
    }

    /** The colour each producer wrote to over the last WINDOW_MS, or "both" while it is moving. */
    function producerColours(): Map<string, "blue" | "green" | "both"> {
        const now = Date.now();
        const seen = new Map<string, Set<string>>();
        for (const s of load!.sends().filter((x) => x.at >= now - WINDOW_MS)) {
            const id = identities[Number(/^p(\d+)-/.exec(s.key)![1])];
            const colours = seen.get(id) ?? new Set<string>();
            colours.add(greenBrokers.has(s.brokerName) ? "green" : "blue");
            seen.set(id, colours);
        }
        return new Map(
            [...seen].map(([id, c]) => [id, c.size === 2 ? "both" : (c.values().next().value as "blue" | "green")]),
        );
    }

    /**
     * Waits until every producer has polled since `since` and then sends only
     * to the colour the model gives it at `weight`; returns when that held.
     */
    async function waitForProducersAt(weight: number, since: number): Promise<number> {
        const deadline = Math.max(since, Date.now()) + POLL_MS + ROUTE_REFRESH_MS + 30_000;
        for (;;) {
            const polled = latestColours(polls(), since);
            const colours = producerColours();
            const settled =
                identities.every((id) => polled.get(id) === colourOfClient(id, weight)) &&
                identities.every((id) => colours.get(id) === colourOfClient(id, weight));
            if (settled) {
                return Date.now();
            }
            if (Date.now() > deadline) {
                const state = identities.map((id) => `${id}: asked ${polled.get(id) ?? "-"}, sends ${colours.get(id)}`);
                assert.fail(
                    `weight ${weight}: producers not settled ${(Date.now() - since) / 1000}s after it:\n  ${state.join("\n  ")}`,
                );
            }
            await sleep(2000);
        }
    }

    /** nginx's answer for 1,000 identities matches the model at the weight in force. */
    async function nginxMatchesModel(weight: number): Promise<void> {
        const wrong: string[] = [];
        for (let i = 0; i < 1000; i++) {
            const id = `fleet-${i}`;
            const got = await httpGet("127.0.0.1", addressPort, `/rocketmq-upgrade/colour/${id}`);
            if (got !== colourOfClient(id, weight)) {
                wrong.push(`${id}: ${got}`);
            }
        }
        assert.deepStrictEqual(wrong.slice(0, 10), [], `nginx disagrees with the model at ${weight}`);
    }

    /** How many producers wrote only to green over the last WINDOW_MS, from their own sends. */
    function producersOnGreen(): number {
        return [...producerColours().values()].filter((c) => c === "green").length;
    }

    /**
     * Promotes; nginx must answer the model at the new weight at once. Following the address server does not
     * depend on the weight, so waiting for the producers to move (up to a poll and a refresh) is only done when
     * `waitForProducers` says the stage proves something new.
     */
    async function stage(weight: number, waitForProducers: boolean, ...promoteArgs: string[]): Promise<void> {
        if (!promoteArgs.includes("--force")) {
            // The soak gate would refuse a promotion this test makes faster than an operator would.
            const applied = Date.parse(String(outputs().trafficAppliedAt));
            if (Number.isFinite(applied)) {
                await sleep(Math.max(0, applied + MIN_SOAK_SECONDS * 1000 + 1000 - Date.now()));
            }
        }
        const r = rollout(dir, "promote", ...promoteArgs);
        assert.strictEqual(r.status, 0, r.output);
        const out = outputs();
        assert.strictEqual(out.trafficWeight, weight);
        const applied = Date.parse(String(out.trafficAppliedAt));
        await nginxMatchesModel(weight);
        if (!waitForProducers) {
            return;
        }
        const at = await waitForProducersAt(weight, applied);
        const onGreen = producersOnGreen();
        assert.strictEqual(
            onGreen,
            Math.round((PRODUCERS * weight) / 100),
            `producers whose sends all went to green at ${weight}%`,
        );
        console.log(
            `      stage ${weight}: ${onGreen}/${PRODUCERS} producers on green, all settled ${((at - applied) / 1000).toFixed(0)}s after the up`,
        );
    }

    before(async () => {
        dir = copyProject();
        await isolateStack(dir, { green: true, timings: "test" });
        addressPort = await freePortBlock(1);
        for (const [key, value] of [
            ["routing", "isolated"],
            // Routing by address server does not depend on slaves (rolling, backup and blue-green run 2M-2S):
            // masters alone spare four JVMs beside the other lane on 2 cores.
            ["blue.brokerGroups", String(BLUE_BROKERS)],
            ["blue.slavesPerGroup", "0"],
            ["blue.brokerRole", "ASYNC_MASTER"],
            ["green.slavesPerGroup", "0"],
            ["green.brokerRole", "ASYNC_MASTER"],
            ["nameServer.greenBasePort", String(await freePortBlock(5))],
            ["addressServer.port", String(addressPort)],
            ["backup.baselineSeconds", "0"],
            ["verification.replicationWaitSeconds", "10"],
            ["verification.consumerSampleSeconds", "2"],
            ["promotion.minSoakSeconds", String(MIN_SOAK_SECONDS)],
            ["drainTimeoutSeconds", "30"],
            ["topics[0].name", TOPIC],
            ["topics[0].queues", "4"],
            ["topics[1].name", EXAMPLE_TOPIC],
            ["topics[1].queues", "2"],
            ["consumerGroups[0]", GROUP],
        ]) {
            mustPulumi(dir, "config", "set", "--path", key, value);
        }
        runtime = await resolveRuntime("4.9.7");
    });

    after(() => {
        load?.kill();
        audit?.kill();
        if (dir) {
            pulumi(dir, "destroy");
        }
    });

    it("comes up: each colour on its own name servers at its own release, green holding blue's topic, all clients on blue", async () => {
        mustPulumi(dir, "up");
        const out = outputs();
        assert.notStrictEqual(out.nameServers, out.greenNameServers);
        assert.strictEqual(out.addressServerDomain, `127.0.0.1:${addressPort}`);
        for (const [ns, brokers] of [
            [String(out.nameServers), ["blue-a", "blue-b"]],
            [String(out.greenNameServers), ["green-a", "green-b"]],
        ] as Array<[string, string[]]>) {
            const route = await mqadmin(runtime, ["topicRoute", "-n", ns, "-t", TOPIC], { attempts: 3 });
            for (const b of ["blue-a", "blue-b", "green-a", "green-b"]) {
                assert.strictEqual(
                    route.includes(`"brokerName":"${b}"`),
                    brokers.includes(b),
                    `${b} in ${ns}:\n${route}`,
                );
            }
        }
        assert.strictEqual(await httpGet("127.0.0.1", addressPort, "/rocketmq/nsaddr"), String(out.nameServers));
        await nginxMatchesModel(0);
    });

    it("refuses a skipped stage at preview, touching nothing", () => {
        mustPulumi(dir, "config", "set", "trafficWeight", "30");
        const preview = pulumi(dir, "preview");
        mustPulumi(dir, "config", "set", "trafficWeight", "0");
        assert.notStrictEqual(preview.status, 0);
        assert.match(preview.output, /rocketmq-upgrade:trafficWeight = 30: skips stages; the next stage after 0 is 10/);
        assert.strictEqual(outputs().trafficWeight, 0);
    });

    it(`runs ${PRODUCERS} producers that know only the address server, and consumers on both clusters`, async () => {
        const out = outputs();
        load = new TrafficLoad(
            runtime,
            path.join(dir, "load"),
            {
                url: `http://${String(out.addressServerDomain)}`,
                identities,
                consumerNameServers: [String(out.nameServers), String(out.greenNameServers)],
            },
            TOPIC,
            GROUP,
            PRODUCERS,
            2,
            10,
            ROUTE_REFRESH_MS,
        );
        audit = new GroupConsumer(
            runtime,
            path.join(dir, "audit"),
            String(out.nameServers),
            TOPIC,
            AUDIT_GROUP,
            "first",
            ROUTE_REFRESH_MS,
        );
        await waitForProducersAt(0, 0);
        assert.strictEqual(producersOnGreen(), 0, "a producer writes to green at 0%");
        assert.ok(load.sends().length > 100, "the producers are not sending");
        const audited = await audit.stopAfter(100, 60_000);
        audit = undefined;
        assert.ok(audited.size >= 100, `${AUDIT_GROUP} read only ${audited.size}`);
    });

    it("moves 10 → 30 → 50 %: nginx answers the model at each stage, and at 50 exactly half the producers write to green", async () => {
        await stage(10, false);
        await stage(30, false);
        await stage(50, true);
        const r = rollout(dir, "status");
        assert.strictEqual(r.status, 0, r.output);
        assert.match(
            r.output,
            /address server http:\/\/127.0.0.1:\d+\/rocketmq\/nsaddr: 10 client\(s\) polled since the weight was applied, 5 answered green \(50.0%\)/,
        );
    });

    it("runs the README's example client: a producer through the address server, a group reading both clusters", () => {
        const out = outputs();
        const r = spawnSync(
            "java",
            [
                "-cp",
                runtime.classpath,
                path.join(dir, "examples", "IsolatedRoutingClient.java"),
                String(out.addressServerDomain),
                String(out.nameServers),
                String(out.greenNameServers),
                EXAMPLE_TOPIC,
                "ExampleReaders",
                "200",
                identities[0],
            ],
            { cwd: dir, encoding: "utf8", timeout: 180_000 },
        );
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
        // identities[0] is green from 10 % on: at 50 % its messages go to green and are read there.
        assert.match(
            r.stdout,
            /client checkout-0-\d+ sent 200 \(by broker: \{green-[ab]=\d+.*\}\); read 0 from blue and 200 from green/,
        );
    });

    it("rolls back from 50 to 0: nginx answers blue to every client within seconds, every producer is on blue within a poll and a route refresh", async () => {
        const began = Date.now();
        const r = rollout(dir, "rollback");
        assert.strictEqual(r.status, 0, r.output);
        const commandSeconds = (Date.now() - began) / 1000;
        const applied = Date.parse(String(outputs().trafficAppliedAt));
        await nginxMatchesModel(0);
        const settled = await waitForProducersAt(0, applied);
        assert.strictEqual(producersOnGreen(), 0, "a producer still writes only to green after the rollback");
        const seconds = (settled - applied) / 1000;
        console.log(
            `      rollback: command ${commandSeconds.toFixed(1)}s, every producer on blue ${seconds.toFixed(0)}s after it`,
        );
        assert.ok(seconds <= (POLL_MS + ROUTE_REFRESH_MS) / 1000 + 5, `producers took ${seconds}s to leave green`);
        const toGreen = load!.sends().filter((s) => greenBrokers.has(s.brokerName));
        assert.ok(toGreen.length > 0, "nothing was sent to green before the rollback");
        const lastToGreen = toGreen[toGreen.length - 1].at;
        assert.ok(
            (lastToGreen - applied) / 1000 <= (POLL_MS + ROUTE_REFRESH_MS) / 1000,
            "a send reached green too late",
        );
    });

    it("goes to 100 only with --force, then every producer is on green", async () => {
        const refused = rollout(dir, "promote", "--to", "100");
        assert.notStrictEqual(refused.status, 0);
        assert.match(refused.output, /trafficWeight = 100: skips stages; the next stage after 0 is 10/);
        await stage(100, true, "--to", "100", "--force");
    });

    it("refuses to retire blue while a group lags there, naming it; retires it once that group has read everything", async () => {
        mustPulumi(dir, "config", "set", "retireBlue", "true");
        const refused = pulumi(dir, "up");
        assert.notStrictEqual(refused.status, 0, refused.output);
        assert.match(refused.output, new RegExp(`group ${AUDIT_GROUP} has \\d+ unconsumed on blue-[ab]`));
        const running = stackResources(dir).filter(
            (x) => x.type === "rocketmq:hosts:Process" && /::blue-broker-/.test(x.urn),
        );
        assert.ok(
            running.length === BLUE_BROKERS && running.every((x) => isAlive(Number(x.outputs?.pid))),
            "blue was touched",
        );

        audit = new GroupConsumer(
            runtime,
            path.join(dir, "audit"),
            String(outputs().nameServers),
            TOPIC,
            AUDIT_GROUP,
            "first",
            ROUTE_REFRESH_MS,
        );
        const r = pulumi(dir, "up");
        audit.kill();
        audit = undefined;
        assert.strictEqual(r.status, 0, r.output);
        assert.strictEqual(outputs().blueRetired, true);
        const blue = stackResources(dir).filter(
            (x) => x.type === "rocketmq:hosts:Process" && /::blue-broker-/.test(x.urn),
        );
        assert.ok(
            blue.length === BLUE_BROKERS && blue.every((x) => !isAlive(Number(x.outputs?.pid))),
            "blue still runs",
        );
    });

    it("lost nothing: every message sent through either cluster was consumed", async () => {
        await load!.stopProducers();
        const result = await load!.drainAndStop(180_000);
        const sent = load!.sends().map((s) => s.key);
        const consumed = load!.consumed(GROUP);
        const onGreen = load!.sends().filter((s) => greenBrokers.has(s.brokerName)).length;
        console.log(
            `      ${sent.length} sent (${onGreen} to green), ${consumed.size} consumed, ${load!.failures().length} failed`,
        );
        const failures = load!.failures();
        const report = load!.sendReport();
        load = undefined;
        assert.deepStrictEqual(failures.slice(0, 5), [], `sends failed: ${report}`);
        assert.strictEqual(result.failed, 0, "sends failed");
        assert.strictEqual(result.sent, sent.length);
        assert.deepStrictEqual(sent.filter((k) => !consumed.has(k)).slice(0, 20), [], `${GROUP} missed messages`);
        assert.strictEqual(result.consumed, sent.length);
        assert.ok(onGreen > 1000 && sent.length - onGreen > 1000, "both clusters carried traffic");
    });
});
