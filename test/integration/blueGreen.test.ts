/**
 * The product's promise, end to end on the local stack: blue 4.9.7 and green
 * 5.5.0 (2M-2S each) on shared 5.5.0 name servers; 5 producers and 3
 * consumers of one group that know only the name servers run the whole
 * time while the weight goes 0 → 10 → 30 → 50, rolls back to 0, is forced
 * to 50, goes to 100, and blue is drained and retired. Every message sent
 * is consumed; each stage's measured green share matches the plan's; the
 * last send to green after the rollback comes within route refresh plus
 * the `up`; a group that was offline while green's queues got their first
 * messages still reads those first messages. Messages no group's lag shows
 * (delayed, retrying, transactional and unsettled) hold retirement back,
 * named with their counts, until they are delivered.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { isAlive } from "../../operations/launcher";
import { resolveRuntime, RocketMQRuntime } from "../../operations/maven";
import { mqadmin } from "../../operations/mqadmin";
import { parseClusterList } from "../../domain/mqadminOutput";
import {
    copyProject,
    isolateStack,
    diagnosticsOf,
    mustPulumi,
    pulumi,
    pulumiInterruptible,
    rollout,
    stackOutputs,
    stackResources,
    TEST_ROUTE_REFRESH_MS,
} from "./support";
import { greenShare, GroupConsumer, PendingLoad, PendingMix, Send, TrafficLoad } from "./trafficLoad";

const TOPIC = "Orders";
const GROUP = "OrdersReaders";
const LATE_GROUP = "LateReaders";
/** Where the messages that wait on a broker go, and the one group that reads them. */
const PENDING_TOPIC = "Deferred";
const PENDING_GROUP = "DeferredReaders";
/**
 * Sent at the forced 50 stage, so about half land on blue: delayed 4 minutes (level 8), long enough to be still
 * waiting at the first retirement attempt; retries wait 30 s (level 4) each time the consumer fails them.
 */
const PENDING_MIX: PendingMix = { delayed: 20, delayLevel: 8, transactions: 10, retried: 10, retryLevel: 4 };
const DELAY_LEVEL_MS = 240_000;
/** The clients' route refresh; a stage's share is measured once every producer has the new route. */
const ROUTE_REFRESH_MS = TEST_ROUTE_REFRESH_MS;
/** A send in flight, and a refresh the JVM runs late on 2 busy cores. */
const ROLLBACK_SLACK_SECONDS = 5;
/** Long enough for one route refresh and a measuring window. */
const SOAK_SECONDS = 20;
/** Write queues per colour: 2 masters with 8 each. */
const QUEUES_PER_COLOUR = 16;
const SHARE_TOLERANCE = 5;
/** The least time a stage's share is measured over (100 sends/s in all). */
const MIN_WINDOW_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The share closest to `weight` that some split of the colours' write queues gives: what the weight can mean
 * with these queue counts, worked out here by trying every split rather than taken from the plan under test.
 */
function closestAllowedShare(weight: number): number {
    if (weight === 0 || weight === 100) {
        return weight;
    }
    let best = NaN;
    for (let green = 1; green <= QUEUES_PER_COLOUR; green++) {
        for (let blue = 1; blue <= QUEUES_PER_COLOUR; blue++) {
            const share = (100 * green) / (green + blue);
            if (Number.isNaN(best) || Math.abs(share - weight) < Math.abs(best - weight)) {
                best = share;
            }
        }
    }
    return best;
}

/** The key of the first message sent to each green queue ("broker/queue"). */
function firstSendPerGreenQueue(sends: readonly Send[]): Map<string, string> {
    const firsts = new Map<string, string>();
    for (const s of sends) {
        const queue = `${s.brokerName}/${s.queueId}`;
        if (s.brokerName.startsWith("green-") && !firsts.has(queue)) {
            firsts.set(queue, s.key);
        }
    }
    return firsts;
}

describe("blue-green with shared routing: canary stages, rollback, retirement, no message lost", function () {
    this.timeout(40 * 60_000);
    let dir: string;
    let runtime: RocketMQRuntime;
    let ns: string;
    let load: TrafficLoad | undefined;
    let late: GroupConsumer | undefined;
    let pending: PendingLoad | undefined;
    let lateFirstRun = new Set<string>();
    const greenBrokers = new Set(["green-a", "green-b"]);
    /** [weight, window start, window end, effective share reported] for each stage. */
    const windows: Array<{ weight: number; from: number; to: number; effective: number }> = [];
    let stageEnd = 0;
    let stageWeight = 0;
    let stageEffective = 0;

    function outputs() {
        return stackOutputs(dir);
    }

    /** When the current stage's routes were applied: from then on, producers move within one route refresh. */
    function appliedAt(): number {
        return Date.parse(String(outputs().trafficAppliedAt));
    }

    function closeWindow(): void {
        windows.push({
            weight: stageWeight,
            from: stageEnd + ROUTE_REFRESH_MS + 2000,
            to: Date.now(),
            effective: stageEffective,
        });
    }

    /** Waits out the soak and a measuring window of MIN_WINDOW_MS, then `npm run promote` (with `extra`). */
    async function promote(...extra: string[]): Promise<number> {
        const due = Math.max(
            appliedAt() + SOAK_SECONDS * 1000 + 1000,
            stageEnd + ROUTE_REFRESH_MS + 2000 + MIN_WINDOW_MS,
        );
        await sleep(Math.max(0, due - Date.now()));
        closeWindow();
        const began = Date.now();
        const r = rollout(dir, "promote", ...extra);
        assert.strictEqual(r.status, 0, r.output);
        const seconds = (Date.now() - began) / 1000;
        stageEnd = appliedAt();
        const out = outputs();
        stageWeight = Number(out.trafficWeight);
        stageEffective = (out.effectiveShares as Record<string, number>)[TOPIC];
        return seconds;
    }

    before(async () => {
        dir = copyProject();
        await isolateStack(dir, { green: true, timings: "test" });
        for (const [key, value] of [
            ["backup.baselineSeconds", "10"],
            ["verification.replicationWaitSeconds", "10"],
            ["verification.consumerSampleSeconds", "2"],
            // Green's benchmark runs beside the other lanes of tests on 2 cores: only a collapse may fail it here
            // (the baseline gate itself is backup.test.ts's).
            ["verification.baselineTolerance", "10"],
            ["promotion.minSoakSeconds", String(SOAK_SECONDS)],
            ["drainTimeoutSeconds", "15"],
            ["topics[0].name", TOPIC],
            ["topics[0].queues", "8"],
            ["consumerGroups[0]", GROUP],
            ["topics[1].name", PENDING_TOPIC],
            ["topics[1].queues", "4"],
            ["consumerGroups[1]", PENDING_GROUP],
            // Check-backs of open transactions every 5 s, and never a give-up while the test holds them open.
            ...["blue", "green"].flatMap((c) => [
                [`${c}.brokerConfig.transactionCheckInterval`, "5000"],
                [`${c}.brokerConfig.transactionTimeOut`, "3000"],
                [`${c}.brokerConfig.transactionCheckMax`, "1000"],
            ]),
        ]) {
            mustPulumi(dir, "config", "set", "--path", key, value);
        }
        runtime = await resolveRuntime("4.9.7");
    });

    after(() => {
        load?.kill();
        late?.kill();
        pending?.kill();
        if (dir) {
            pulumi(dir, "destroy");
        }
    });

    it("comes up: name servers at 5.5.0, green verified and holding blue's topic and group read-only", async () => {
        mustPulumi(dir, "up");
        const out = outputs();
        ns = String(out.nameServers);
        assert.strictEqual(out.nameServerVersion, "5.5.0");
        assert.deepStrictEqual(out.effectiveShares, { [TOPIC]: 0, [PENDING_TOPIC]: 0 });
        const route = await mqadmin(runtime, ["topicRoute", "-n", ns, "-t", TOPIC], { attempts: 3 });
        for (const broker of ["blue-a", "blue-b", "green-a", "green-b"]) {
            assert.match(route, new RegExp(`"brokerName":"${broker}"`), route);
        }
        stageEnd = Date.parse(String(out.trafficAppliedAt));
    });

    it("refuses a skipped stage at preview, touching nothing, and a promotion before the soak", () => {
        mustPulumi(dir, "config", "set", "trafficWeight", "30");
        const preview = pulumi(dir, "preview");
        mustPulumi(dir, "config", "set", "trafficWeight", "0");
        assert.notStrictEqual(preview.status, 0);
        assert.match(preview.output, /rocketmq-upgrade:trafficWeight = 30: skips stages; the next stage after 0 is 10/);
        // A soak no test waits out: the refusal cannot depend on how long the `up` and the preview above took.
        mustPulumi(dir, "config", "set", "--path", "promotion.minSoakSeconds", "3600");
        const early = rollout(dir, "promote");
        mustPulumi(dir, "config", "set", "--path", "promotion.minSoakSeconds", String(SOAK_SECONDS));
        assert.notStrictEqual(early.status, 0);
        assert.match(early.output, /promotion refused:[\s\S]*stage 0 has soaked too briefly/);
        assert.strictEqual(outputs().trafficWeight, 0);
    });

    it("runs 5 producers and 3 consumers on the name servers only; a second group reads a while and leaves", async () => {
        load = new TrafficLoad(runtime, path.join(dir, "load"), ns, TOPIC, GROUP, 5, 3, 20, ROUTE_REFRESH_MS);
        late = new GroupConsumer(runtime, path.join(dir, "late"), ns, TOPIC, LATE_GROUP, "first", ROUTE_REFRESH_MS);
        await sleep(10_000);
        lateFirstRun = await late.stopAfter(200, 60_000);
        late = undefined;
        assert.ok(lateFirstRun.size >= 200, `${LATE_GROUP} read only ${lateFirstRun.size}`);
        assert.ok(load.sends().length > 500, "the producers are not sending");
    });

    it("moves 10 → 30 → 50 %, each promotion a config bump and an `up` of seconds", async () => {
        for (const expected of [10, 30, 50]) {
            const seconds = await promote();
            assert.strictEqual(stageWeight, expected);
            console.log(
                `      stage ${expected}: promote took ${seconds.toFixed(1)}s, effective share ${stageEffective}`,
            );
        }
    });

    it("rolls back from 50 to 0: no send reaches green later than route refresh plus the `up`", async () => {
        await sleep(Math.max(0, stageEnd + ROUTE_REFRESH_MS + 2000 + MIN_WINDOW_MS - Date.now()));
        closeWindow();
        const began = Date.now();
        const r = rollout(dir, "rollback");
        assert.strictEqual(r.status, 0, r.output);
        const upSeconds = (Date.now() - began) / 1000;
        stageEnd = appliedAt();
        stageWeight = 0;
        stageEffective = 0;
        await sleep(ROUTE_REFRESH_MS + 10_000);
        const before = load!.sends().filter((s) => s.at >= began - 5000 && s.at < began);
        assert.ok(
            before.some((s) => greenBrokers.has(s.brokerName)),
            "nothing reached green in the 5 s before the rollback: there was nothing to roll back",
        );
        const toGreen = load!.sends().filter((s) => s.at >= began && greenBrokers.has(s.brokerName));
        const last = toGreen.length > 0 ? toGreen[toGreen.length - 1].at : began;
        const lastAfter = (last - began) / 1000;
        console.log(
            `      rollback: command ${upSeconds.toFixed(1)}s, last send to green ${lastAfter.toFixed(1)}s after it`,
        );
        assert.ok(
            lastAfter <= upSeconds + ROUTE_REFRESH_MS / 1000 + ROLLBACK_SLACK_SECONDS,
            `a send reached green ${lastAfter}s after the rollback began (up took ${upSeconds}s)`,
        );
        assert.strictEqual(outputs().trafficWeight, 0);
    });

    it("goes back to 50 only with --force, then to 100", async () => {
        const refused = rollout(dir, "promote", "--to", "50");
        assert.notStrictEqual(refused.status, 0);
        assert.match(refused.output, /trafficWeight = 50: skips stages; the next stage after 0 is 10/);
        await promote("--to", "50", "--force");
        assert.strictEqual(stageWeight, 50);
        pending = new PendingLoad(
            runtime,
            path.join(dir, "pending"),
            ns,
            PENDING_TOPIC,
            PENDING_GROUP,
            PENDING_MIX,
            ROUTE_REFRESH_MS,
        );
        await pending.sent(60_000);
        assert.deepStrictEqual(pending.failures(), [], "pending sends failed");
        await promote();
        assert.strictEqual(stageWeight, 100);
        await sleep(Math.max(0, stageEnd + ROUTE_REFRESH_MS + 2000 + MIN_WINDOW_MS - Date.now()));
        closeWindow();
    });

    it("measured each stage's green share within 5 points of the weight (as close as the queues allow) and of the plan's share", () => {
        const sends = load!.sends();
        const report = windows.map((w) => ({ ...w, ...greenShare(sends, w.from, w.to, greenBrokers) }));
        console.log(
            `      shares: ${report.map((w) => `${w.weight}%→${w.share.toFixed(1)} (plan ${w.effective.toFixed(1)}, n=${w.count})`).join(", ")}`,
        );
        assert.deepStrictEqual(
            report.map((w) => w.weight),
            [0, 10, 30, 50, 0, 50, 100],
        );
        for (const w of report) {
            assert.ok(w.count >= 300, `stage ${w.weight}: only ${w.count} sends measured`);
            assert.ok(
                Math.abs(w.share - w.effective) <= SHARE_TOLERANCE,
                `stage ${w.weight}: green got ${w.share.toFixed(1)}% of sends, the plan reported ${w.effective}%`,
            );
            const allowed = closestAllowedShare(w.weight);
            assert.ok(
                Math.abs(w.share - allowed) <= SHARE_TOLERANCE,
                `stage ${w.weight}: green got ${w.share.toFixed(1)}% of sends; ${allowed.toFixed(1)}% is the closest ` +
                    `${QUEUES_PER_COLOUR} + ${QUEUES_PER_COLOUR} write queues allow`,
            );
        }
    });

    it("refuses to retire blue while anything there is unconsumed, delayed or retrying, naming each kind and count; status counts the unsettled", () => {
        mustPulumi(dir, "config", "set", "retireBlue", "true");
        try {
            const r = pulumi(dir, "up");
            assert.notStrictEqual(r.status, 0, r.output);
            const refusal = /retireBlue refused[^\n]*/.exec(r.output)?.[0] ?? "";
            console.log(`      ${refusal}`);
            assert.match(refusal, new RegExp(`group ${LATE_GROUP} has \\d+ unconsumed on blue-[ab]`));
            // Counted from the brokers: each blue master's share of what was sent, exactly.
            const onBlue = (prefix: string, broker: string) =>
                pending!.sends().filter((x) => x.key.startsWith(prefix) && x.brokerName === broker).length;
            for (const broker of ["blue-a", "blue-b"]) {
                const delayed = onBlue("delayed-", broker);
                const open = onBlue("tx-", broker);
                const held = new RegExp(`${broker} holds [^;]*`).exec(refusal)?.[0] ?? `${broker} holds nothing`;
                if (delayed > 0) {
                    assert.match(
                        held,
                        new RegExp(`\\b${delayed} scheduled message\\(s\\) \\(delay level 8, next due in \\d+[smh]`),
                    );
                }
                if (open > 0) {
                    assert.match(held, new RegExp(`\\b${open} transactional half message\\(s\\)`));
                } else {
                    assert.doesNotMatch(held, /transactional half/);
                }
            }
            assert.ok(
                onBlue("delayed-", "blue-a") + onBlue("delayed-", "blue-b") > 0,
                "no delayed message went to blue",
            );
            assert.ok(onBlue("tx-", "blue-a") + onBlue("tx-", "blue-b") > 0, "no transaction went to blue");
            if (onBlue("retry-", "blue-a") + onBlue("retry-", "blue-b") > 0) {
                // A failed message goes back to the broker it came from and waits there at the consumer's level.
                assert.match(refusal, /scheduled message\(s\) \(delay level 4, next due in/);
            }
            const blue = stackResources(dir).filter(
                (x) => x.type === "rocketmq:hosts:Process" && /::blue-broker-/.test(x.urn),
            );
            assert.ok(blue.length === 4 && blue.every((x) => isAlive(Number(x.outputs?.pid))), "blue was touched");
            // `npm run status` shows the same counts per colour.
            const status = rollout(dir, "status");
            assert.strictEqual(status.status, 0, status.output);
            // Columns: scheduled, half, timer (none on 4.9.7), dead letters.
            const row = /^blue\s+blue\s+4\.9\.7\s+4\/4\s+\S+\s+\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/m.exec(
                status.output,
            );
            assert.ok(row, status.output);
            const delayedOnBlue = onBlue("delayed-", "blue-a") + onBlue("delayed-", "blue-b");
            assert.ok(
                Number(row[1]) >= delayedOnBlue,
                `status shows ${row[1]} scheduled on blue, ${delayedOnBlue} were sent there`,
            );
            assert.strictEqual(Number(row[2]), onBlue("tx-", "blue-a") + onBlue("tx-", "blue-b"), status.output);
            assert.strictEqual(Number(row[3]), 0, `a 4.9.7 blue has no timer messages:\n${status.output}`);
        } finally {
            // Settle the transactions, pass or fail: the next check-back commits them. The retries stay failing: the
            // retirement below must be seen waiting on them.
            pending!.commit();
        }
    });

    it("a group that never saw green's new queues reads their first messages when it comes back", async () => {
        late = new GroupConsumer(runtime, path.join(dir, "late"), ns, TOPIC, LATE_GROUP, "last", ROUTE_REFRESH_MS);
        // What it must catch up on: everything sent so far that its first run did not read.
        const target = load!.sends().length;
        const began = Date.now();
        while (late.progress(LATE_GROUP) + lateFirstRun.size < target && Date.now() - began < 240_000) {
            await sleep(2000);
        }
        assert.ok(late.progress(LATE_GROUP) + lateFirstRun.size >= target, `${LATE_GROUP} did not catch up`);
        const lateKeys = late.consumedSoFar(LATE_GROUP);
        for (const [queue, key] of firstSendPerGreenQueue(load!.sends())) {
            assert.ok(lateKeys.has(key), `${LATE_GROUP} missed ${key}, the first message written to ${queue}`);
        }
    });

    it("retires blue once drained, waiting for its delayed messages and held retries: its brokers stop, green carries on", async () => {
        const retriesOnBlue = pending!
            .sends()
            .filter((x) => x.key.startsWith("retry-") && x.brokerName.startsWith("blue-")).length;
        assert.ok(retriesOnBlue > 0, "no retried message went to blue: the wait below would not be exercised");
        mustPulumi(dir, "config", "set", "--path", "retirement.waitForPending", "true");
        mustPulumi(dir, "config", "set", "drainTimeoutSeconds", "300");
        // The consumer still fails every retry, so blue cannot drain until the test releases them: the `up` must be
        // seen waiting first, whatever the delayed messages' timing on a busy machine.
        const up = pulumiInterruptible(dir, "up");
        let exitedAt = 0;
        void up.done.then(() => (exitedAt = Date.now()));
        let releasedAt: number;
        try {
            const began = Date.now();
            while (!/retireBlue: waiting \(\d+s of 300s\)/.test(up.output()) && Date.now() - began < 180_000) {
                await sleep(1000);
            }
            assert.match(up.output(), /retireBlue: waiting \(\d+s of 300s\)/, "the `up` was not seen waiting");
        } finally {
            pending!.release();
            releasedAt = Date.now();
        }
        const r = await up.done;
        assert.strictEqual(r.status, 0, diagnosticsOf(r.output));
        const lastDue = Math.max(...pending!.sends().map((x) => x.at)) + DELAY_LEVEL_MS;
        assert.ok(
            exitedAt > releasedAt && exitedAt >= lastDue - 5000,
            `blue was retired before its retries were released or its delayed messages were due (due at ${new Date(lastDue).toISOString()})`,
        );
        assert.strictEqual(outputs().blueRetired, true);
        const rows = parseClusterList(await mqadmin(runtime, ["clusterList", "-n", ns], { attempts: 3 }));
        assert.deepStrictEqual(
            [...new Set(rows.map((x) => x.cluster))],
            ["green"],
            "only green is registered after retirement",
        );
        await sleep(10_000);
    });

    it("lost nothing: every message sent was consumed by both groups, first messages on green included", async () => {
        await load!.stopProducers();
        const sends = load!.sends();
        const result = await load!.drainAndStop(180_000);
        const lateKeys = await late!.stopAfter(sends.length - lateFirstRun.size, 180_000);
        late = undefined;
        const consumed = load!.consumed(GROUP);
        const sent = sends.map((s) => s.key);
        const report = load!.sendReport();
        console.log(`      sent ${sent.length}, consumed ${consumed.size} (${JSON.stringify(result)}); ${report}`);
        assert.deepStrictEqual(load!.failures(), [], `sends failed: ${report}`);
        assert.strictEqual(result.failed, 0, "the client counted sends that failed after its retries");
        assert.strictEqual(result.sent, sent.length);
        assert.strictEqual(result.consumed, sent.length, `${GROUP} consumed ${result.consumed} of ${sent.length}`);
        assert.strictEqual(consumed.size, sent.length);
        assert.deepStrictEqual(sent.filter((k) => !consumed.has(k)).slice(0, 20), [], `${GROUP} missed messages`);
        const lateAll = new Set([...lateFirstRun, ...lateKeys]);
        const firsts = firstSendPerGreenQueue(sends);
        assert.strictEqual(firsts.size, 16, "every green queue got messages");
        for (const [queue, key] of firsts) {
            assert.ok(lateAll.has(key), `${LATE_GROUP} missed ${key}, the first message written to ${queue}`);
            assert.ok(consumed.has(key), `${GROUP} missed ${key}, the first message written to ${queue}`);
        }
        assert.deepStrictEqual(sent.filter((k) => !lateAll.has(k)).slice(0, 20), [], `${LATE_GROUP} missed messages`);

        // Delayed, transactional and retried messages: each sent one consumed, every retried one failed first.
        const deferred = pending!.sends().map((x) => x.key);
        const deferredResult = await pending!.drainAndStop(180_000);
        const deferredConsumed = pending!.consumed(PENDING_GROUP);
        console.log(`      deferred: sent ${deferred.length}, ${JSON.stringify(deferredResult)}`);
        pending = undefined;
        assert.strictEqual(deferred.length, PENDING_MIX.delayed + PENDING_MIX.transactions + PENDING_MIX.retried);
        assert.strictEqual(deferredResult.failed, 0, "the client counted pending sends that failed after its retries");
        assert.deepStrictEqual(
            deferred.filter((k) => !deferredConsumed.has(k)),
            [],
            `${PENDING_GROUP} missed messages`,
        );
        assert.strictEqual(deferredConsumed.size, deferred.length);
        assert.strictEqual(deferredResult.retried, PENDING_MIX.retried, "not every retried message was failed once");
    });

    it("makes green the new blue with the README's config edit, without restarting green", () => {
        const pids = (prefix: string) =>
            new Map(
                stackResources(dir)
                    .filter((x) => x.type === "rocketmq:hosts:Process" && x.urn.includes(`::${prefix}`))
                    .map((x) => [x.urn.split("::").pop()!, Number(x.outputs?.pid)]),
            );
        const greenBefore = pids("green-");
        const greenSpec = mustPulumi(dir, "config", "get", "green").trim();
        mustPulumi(dir, "config", "set", "blue", greenSpec.slice(greenSpec.indexOf("{")));
        mustPulumi(dir, "config", "rm", "green");
        mustPulumi(dir, "config", "rm", "retireBlue");
        mustPulumi(dir, "config", "set", "trafficWeight", "0");
        const r = pulumi(dir, "up");
        assert.strictEqual(r.status, 0, r.output);
        const out = outputs();
        assert.strictEqual(out.blueClusterName, "green");
        assert.strictEqual(out.greenClusterName, undefined);
        assert.deepStrictEqual(pids("green-"), greenBefore, "green's processes were restarted");
        assert.deepStrictEqual([...pids("blue-").keys()], [], "the old blue's processes are still declared");
        assert.ok(
            !fs.existsSync(path.join(dir, ".pulumi", "local", "local", "blue")) ||
                fs.readdirSync(path.join(dir, ".pulumi", "local", "local", "blue")).length === 0,
        );
    });
});
