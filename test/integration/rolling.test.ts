/**
 * The in-place rolling path end to end on the local stack: the 2-NS / 2M-2S
 * cluster rolls from 4.9.7 to 5.5.0 and back while 5 producers and 3
 * consumers that know only the name servers run the whole time.
 *
 * A slave killed while the first master is down stops the roll before the
 * second master goes down, with that master still taking writes. A topic
 * the dead slave loses meanwhile stops the next `up` before that master's
 * turn; once it is back, the `up` after resumes. The rollback's `up` is
 * killed in a master's turn; the rerun names the lock, and after
 * `cancel` it finishes without restarting that master again. While slaves already run 5.5.0 and their masters 4.9.7, a
 * slave must catch up with its master. At the end every message sent was
 * consumed, and failed sends (after the client's own retries) are counted.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { isAlive, runningPid } from "../../operations/launcher";
import { resolveRuntime, RocketMQRuntime } from "../../operations/maven";
import { commitLogMaxOffset, mqadmin, updateTopic } from "../../operations/mqadmin";
import { parseClusterList } from "../../domain/mqadminOutput";
import { produce } from "./clients";
import {
    copyProject,
    diagnosticsOf,
    isolateStack,
    mustPulumi,
    pulumi,
    pulumiInBackground,
    killWhen,
    pulumiInterruptible,
    Run,
    stackOutputs,
    stackResources,
    TEST_ROUTE_REFRESH_MS,
} from "./support";
import { PendingLoad, Send, TrafficLoad } from "./trafficLoad";

const TOPIC = "RollTopic";
const GROUP = "RollReaders";
/** How long a master's turn waits for a slave that does not answer before it refuses (the default is 60 s). */
const CATCH_UP_SECONDS = 30;
/**
 * A group's longest stretch without a send may exceed its master's write-blocked time by one route refresh (the
 * producers learn the writes are back) and what a send in flight takes.
 */
const GAP_SLACK_MS = TEST_ROUTE_REFRESH_MS + 5_000;
/** Delayed (level 6, 2 min) just before the rollback: due while its masters roll back. */
const DELAYED_TOPIC = "RollDelayed";
const DELAYED_GROUP = "RollDelayedReaders";
const DELAYED_MIX = { delayed: 20, delayLevel: 6, transactions: 0, retried: 0, retryLevel: 4 };
/** 5.x timer messages sent before the rollback's preview: due after it has read them as pending. */
const TIMER_DELAY_MS = 60_000;

type MasterTurns = Map<string, number[]>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The longest stretch, in ms, in which `brokerName` got no send, and when it began. */
function longestGap(sends: readonly Send[], brokerName: string): { ms: number; from: number } {
    const at = sends
        .filter((s) => s.brokerName === brokerName)
        .map((s) => s.at)
        .sort((a, b) => a - b);
    let gap = { ms: 0, from: 0 };
    for (let i = 1; i < at.length; i++) {
        if (at[i] - at[i - 1] > gap.ms) {
            gap = { ms: at[i] - at[i - 1], from: at[i - 1] };
        }
    }
    return gap;
}

/**
 * Adds each master's last turn (its write-blocked seconds) to `turns`, by group; call it once after every roll
 * that turned every master. Fails on a broker with no report, or a master report without the figure. A turn
 * that an interrupted run began is measured by the test (`measured`, seconds by group): its report counts only
 * from the restart.
 */
function recordMasterTurns(dir: string, turns: MasterTurns, measured: Record<string, number> = {}): void {
    const reports = stackResources(dir)
        .filter((r) => r.type === "rocketmq:local:Process" && r.urn.includes("blue-broker-"))
        .map(
            (r) =>
                r.outputs?.lastRoll as
                    { broker: string; to: string; writeBlockedSeconds?: number; resumed?: boolean } | undefined,
        );
    for (const report of reports) {
        assert.ok(report, "a broker has no roll report");
        const [group, id] = report.broker.split("/");
        assert.strictEqual(report.resumed === true, group in measured && id === "0", `${report.broker} resumed?`);
        if (id === "0") {
            const blocked = measured[group] ?? report.writeBlockedSeconds;
            assert.ok(
                typeof blocked === "number" && blocked > 0 && blocked < 300,
                `${report.broker}: write-blocked ${String(blocked)}s`,
            );
            turns.set(group, [...(turns.get(group) ?? []), blocked]);
        } else {
            assert.strictEqual(report.writeBlockedSeconds, undefined, `${report.broker} is a slave`);
        }
    }
}

describe("rolling in-place upgrade and rollback under load, no message lost", function () {
    this.timeout(45 * 60_000);
    const masterTurns: MasterTurns = new Map();
    let dir: string;
    let runtime: RocketMQRuntime;
    let ns: string;
    let load: TrafficLoad | undefined;
    let delayed: PendingLoad | undefined;
    /** An `up` still running in the background; teardown waits for it, or destroy would find the stack locked. */
    let background: Promise<Run> | undefined;
    const brokerDir = (name: string) => path.join(dir, ".pulumi", "local", "local", "blue", name);
    const pidOf = (name: string) => runningPid(brokerDir(name));

    async function versions(): Promise<string[]> {
        const rows = parseClusterList(await mqadmin(runtime, ["clusterList", "-n", ns]));
        return rows.map((r) => `${r.brokerName}/${r.brokerId}/${r.version}`).sort();
    }

    /** A broker's address from the stack's outputs: it stays the same while the broker is down mid-roll. */
    function addressOf(brokerName: string, brokerId: number): string {
        const brokers = stackOutputs(dir).blueBrokers as Record<string, { address: string }[]>;
        const address = brokers[brokerName.replace(/^blue-/, "")]?.[brokerId]?.address;
        assert.ok(address, `${brokerName}/${brokerId} is not in the stack's outputs`);
        return address;
    }

    /**
     * What `brokerName/brokerId` reports itself running, asked directly (`brokerStatus`), or "down". Mid-roll a
     * master may be down, and `clusterList` then fails as a whole.
     */
    async function versionOf(brokerName: string, brokerId: number): Promise<string> {
        const status = await mqadmin(runtime, ["brokerStatus", "-n", ns, "-b", addressOf(brokerName, brokerId)]).catch(
            () => "",
        );
        return `${brokerName}/${brokerId}/${/^brokerVersionDesc\s*:\s*(\S+)/m.exec(status)?.[1] ?? "down"}`;
    }

    /** The permission the name servers route for the group (its own topic), or -1 when there is no route. */
    async function routePerm(group: string): Promise<number> {
        const route = await mqadmin(runtime, ["topicRoute", "-n", ns, "-t", group]).catch(() => "");
        return Number(/"perm"\s*:\s*(\d+)/.exec(route)?.[1] ?? -1);
    }

    /** Waits until the slave's commit log holds what its master held when asked. */
    async function slaveCatchesUp(group: string, seconds: number): Promise<{ master: number; slave: number }> {
        const master = await commitLogMaxOffset(runtime, ns, addressOf(group, 0));
        const slaveAddress = addressOf(group, 1);
        let slave = -1;
        for (let i = 0; i < seconds && slave < master; i++) {
            slave = await commitLogMaxOffset(runtime, ns, slaveAddress).catch(() => -1);
            if (slave < master) {
                await sleep(1000);
            }
        }
        return { master, slave };
    }

    before(async () => {
        dir = copyProject();
        await isolateStack(dir, { green: false, timings: "test" });
        mustPulumi(dir, "config", "set", "strategy", "rolling");
        // Backup and baseline have their own tests; here the roll's own backup is what counts.
        mustPulumi(dir, "config", "set", "--path", "backup.baselineSeconds", "0");
        mustPulumi(dir, "config", "set", "--path", "rolling.catchUpSeconds", String(CATCH_UP_SECONDS));
        // Verification has its own tests; after each roll it samples consumer progress briefly.
        mustPulumi(dir, "config", "set", "--path", "verification.consumerSampleSeconds", "2");
        runtime = await resolveRuntime("5.5.0");
    });

    after(async () => {
        load?.kill();
        delayed?.kill();
        await background;
        if (dir) {
            pulumi(dir, "destroy");
        }
    });

    it("comes up at 4.9.7 with the rolling strategy and takes traffic", async () => {
        mustPulumi(dir, "up");
        ns = String(stackOutputs(dir).nameServers);
        assert.deepStrictEqual(await versions(), [
            "blue-a/0/V4_9_7",
            "blue-a/1/V4_9_7",
            "blue-b/0/V4_9_7",
            "blue-b/1/V4_9_7",
        ]);
        await updateTopic(await resolveRuntime("4.9.7"), ns, "blue", TOPIC, {
            readQueues: 4,
            writeQueues: 4,
            perm: 6,
        });
        load = new TrafficLoad(runtime, path.join(dir, "load"), ns, TOPIC, GROUP, 5, 3, 20, TEST_ROUTE_REFRESH_MS);
        await load.sending(500, 90_000);
    });

    it("stops before the next master when a slave dies mid-roll, with that master still taking writes", async () => {
        mustPulumi(dir, "config", "set", "--path", "blue.version", "5.5.0");
        const masterA = pidOf("blue-broker-a-0")!;
        const slaveB = pidOf("blue-broker-b-1")!;
        const rolling = (background = pulumiInBackground(dir, "up"));
        let ended: Run | undefined;
        void rolling.then((r) => (ended = r));
        let killedAt = 0;
        try {
            const deadline = Date.now() + 15 * 60_000;
            const until = async (what: string, done: () => boolean) => {
                while (!done() && Date.now() < deadline && !ended) {
                    await sleep(500);
                }
                assert.ok(
                    done(),
                    ended
                        ? `the roll's \`up\` ended before ${what}:\n${ended.output}`
                        : `timed out waiting for ${what}`,
                );
            };
            // Slaves go first: once slave b runs 5.5.0, its 4.9.7 master must replicate to it.
            await until("slave b to restart", () => {
                const pid = pidOf("blue-broker-b-1");
                return pid !== undefined && pid !== slaveB;
            });
            let slave = "";
            for (let i = 0; i < 60 && slave !== "blue-b/1/V5_5_0"; i++) {
                slave = await versionOf("blue-b", 1);
                await sleep(1000);
            }
            assert.strictEqual(slave, "blue-b/1/V5_5_0", "slave b never ran 5.5.0");
            assert.strictEqual(await versionOf("blue-b", 0), "blue-b/0/V4_9_7");
            const mixed = await slaveCatchesUp("blue-b", 60);
            assert.ok(
                mixed.slave >= mixed.master,
                `5.5.0 slave of a 4.9.7 master stuck at ${mixed.slave} of ${mixed.master}`,
            );

            await until("master a to go down", () => !isAlive(masterA));
            process.kill(pidOf("blue-broker-b-1")!, "SIGKILL");
            killedAt = Date.now();
        } catch (err) {
            // The next test's `up` would find the stack locked by this one.
            await rolling;
            throw err;
        }
        const run = await rolling;
        assert.notStrictEqual(run.status, 0, "the roll went on with a dead slave");
        assert.ok(
            /blue-b\/0 \(127\.0\.0\.1:\d+\) is not taken down: 1 slave\(s\) do not answer/.test(run.output),
            diagnosticsOf(run.output),
        );
        assert.deepStrictEqual(
            (await versions()).filter((v) => v.startsWith("blue-b/0") || v.startsWith("blue-a/0")),
            ["blue-a/0/V5_5_0", "blue-b/0/V4_9_7"],
        );
        // The stopped roll left master b writable: producers still reach it.
        await sleep(TEST_ROUTE_REFRESH_MS + 10_000);
        const toB = load!.sends().filter((s) => s.at > killedAt && s.brokerName === "blue-b");
        assert.ok(toB.length > 100, `only ${toB.length} sends reached blue-b after the roll stopped`);
        assert.ok(
            toB.some((s) => s.at > Date.now() - 5000),
            "blue-b took no writes in the last 5 s: the stopped roll left it read-only",
        );
    });

    it("brings the dead slave back, then refuses the next master while that slave lacks a topic it had", async () => {
        // Behind the roll's back: the dead slave's topic table loses the roll's topic. Its data version stays the
        // master's, so the master's periodic sync sees nothing to copy and the topic stays missing.
        const topicsFile = path.join(brokerDir("blue-broker-b-1"), "store", "config", "topics.json");
        const table = JSON.parse(fs.readFileSync(topicsFile, "utf8")) as { topicConfigTable: Record<string, unknown> };
        assert.ok(table.topicConfigTable[TOPIC], `${TOPIC} is not in ${topicsFile}`);
        delete table.topicConfigTable[TOPIC];
        fs.writeFileSync(topicsFile, JSON.stringify(table));
        const masterB = pidOf("blue-broker-b-0");
        const refused = pulumi(dir, "up");
        assert.notStrictEqual(refused.status, 0, "the roll went on with a slave missing a topic");
        assert.match(refused.output, /rocketmq:local:Process\s+blue-broker-b-1\s+updated/);
        assert.ok(
            /roll stopped before blue-b\/0 went down: the brokers' metadata differs from the record taken before the roll \(\S+broker-metadata\.json\)/.test(
                refused.output,
            ),
            diagnosticsOf(refused.output),
        );
        assert.match(refused.output, new RegExp(`topic ${TOPIC} vanished from blue-b/1`));
        assert.strictEqual(pidOf("blue-broker-b-0"), masterB, "master b went down anyway");
        assert.strictEqual(await versionOf("blue-b", 0), "blue-b/0/V4_9_7");
        // The operator's repair: the topic again on the master, whose next sync gives it back to the slave.
        await mqadmin(await resolveRuntime("4.9.7"), [
            "updateTopic",
            "-n",
            ns,
            "-b",
            addressOf("blue-b", 0),
            "-t",
            TOPIC,
            "-r",
            "4",
            "-w",
            "4",
        ]);
        const restored = () =>
            TOPIC in (JSON.parse(fs.readFileSync(topicsFile, "utf8")) as typeof table).topicConfigTable;
        for (let i = 0; i < 90 && !restored(); i++) {
            await sleep(1000);
        }
        assert.ok(restored(), `the slave never synced ${TOPIC} back from its master`);
    });

    it("resumes on the next `up`: the last master rolls", async () => {
        const masterA = pidOf("blue-broker-a-0");
        const slaveA = pidOf("blue-broker-a-1");
        const out = mustPulumi(dir, "up");
        assert.match(out, /roll blue-b\/0 V4_9_7 → V5_5_0: add-write-perm done/);
        assert.strictEqual(pidOf("blue-broker-a-0"), masterA, "master a was rolled twice");
        assert.strictEqual(pidOf("blue-broker-a-1"), slaveA, "slave a was rolled twice");
        assert.deepStrictEqual(await versions(), [
            "blue-a/0/V5_5_0",
            "blue-a/1/V5_5_0",
            "blue-b/0/V5_5_0",
            "blue-b/1/V5_5_0",
        ]);
        const reports = stackResources(dir)
            .filter((r) => r.type === "rocketmq:local:Process" && r.urn.includes("blue-broker-"))
            .map((r) => r.outputs?.lastRoll as { broker: string; to: string; writeBlockedSeconds?: number });
        assert.deepStrictEqual(reports.map((r) => `${r.broker}→${r.to}`).sort(), [
            "blue-a/0→V5_5_0",
            "blue-a/1→V5_5_0",
            "blue-b/0→V5_5_0",
            "blue-b/1→V5_5_0",
        ]);
        assert.ok(fs.existsSync(String(stackOutputs(dir).preRollBackupDir)), "no backup before the roll");
        recordMasterTurns(dir, masterTurns);
        for (const group of ["blue-a", "blue-b"]) {
            const { master, slave } = await slaveCatchesUp(group, 60);
            assert.ok(slave >= master, `${group}: slave at ${slave}, master at ${master}`);
        }
    });

    it("refuses at preview to put the name servers below 5.1 under 5.x brokers, touching nothing", async () => {
        const snapshot = () =>
            stackResources(dir)
                .map((r) => `${r.urn}@${String(r.outputs?.pid)}`)
                .sort();
        const before = snapshot();
        mustPulumi(dir, "config", "set", "--path", "blue.version", "4.9.7");
        const preview = pulumi(dir, "preview");
        assert.notStrictEqual(preview.status, 0);
        assert.match(preview.output, /name servers below 5\.1\.0 cannot take 5\.x brokers/);
        assert.match(preview.output, /rocketmq-upgrade:nameServer\.version/);
        assert.deepStrictEqual(snapshot(), before);
    });

    it("refuses at preview a rollback while 5.x timer messages are pending, and takes it once they are delivered", async () => {
        mustPulumi(dir, "config", "set", "--path", "nameServer.version", "5.5.0");
        await updateTopic(runtime, ns, "blue", "RollTimers", { readQueues: 2, writeQueues: 2, perm: 6 });
        const timers = await produce(
            runtime,
            path.join(dir, "timers"),
            ns,
            "RollTimers",
            "timers",
            3,
            0,
            TIMER_DELAY_MS,
        );
        assert.strictEqual(timers.sent, 3, timers.firstFailures);
        // The broker writes its timer counts to store/config/timermetrics every few seconds.
        const pending = () =>
            ["blue-broker-a-0", "blue-broker-b-0"]
                .map((b) => path.join(brokerDir(b), "store", "config", "timermetrics"))
                .filter((f) => fs.existsSync(f))
                .map(
                    (f) =>
                        JSON.parse(fs.readFileSync(f, "utf8")) as { timingCount?: Record<string, { count: number }> },
                )
                .reduce((sum, m) => sum + (m.timingCount?.RollTimers?.count ?? 0), 0);
        for (let i = 0; i < 60 && pending() < 3; i++) {
            await sleep(1000);
        }
        assert.strictEqual(pending(), 3, "the brokers never recorded the pending timer messages");
        const preview = pulumi(dir, "preview");
        assert.notStrictEqual(preview.status, 0);
        // At least the three sent here; the count is the brokers' own, over every topic.
        const refused = /rolling back to 4\.9\.7 would lose data: (\d+) timer message\(s\) are pending/.exec(
            preview.output,
        );
        assert.ok(refused && Number(refused[1]) >= 3, preview.output);
        for (let i = 0; i < 240 && pending() > 0; i++) {
            await sleep(1000);
        }
        assert.strictEqual(pending(), 0, "the timer messages were never delivered");
    });

    it("rolls back to 4.9.7 in the same order, name servers kept on 5.5.0, through an `up` killed in a master's turn", async () => {
        // Delayed messages written on 5.5.0 and due while the masters roll back: 4.9.7 delivers them from the same
        // schedule queues and delay offsets, each once.
        await updateTopic(runtime, ns, "blue", DELAYED_TOPIC, { readQueues: 2, writeQueues: 2, perm: 6 });
        delayed = new PendingLoad(
            runtime,
            path.join(dir, "delayed"),
            ns,
            DELAYED_TOPIC,
            DELAYED_GROUP,
            DELAYED_MIX,
            TEST_ROUTE_REFRESH_MS,
        );
        await delayed.sent(120_000);
        assert.strictEqual(delayed.sends().length, DELAYED_MIX.delayed, delayed.failures().join("\n"));
        // The rollback's `up` is killed, process group and all, once master a was wiped and its 4.9.7 JVM started.
        const masterA = pidOf("blue-broker-a-0");
        const launchOfA = () => {
            try {
                return JSON.parse(fs.readFileSync(path.join(brokerDir("blue-broker-a-0"), "launch.json"), "utf8")) as {
                    pid: number;
                    version: string;
                };
            } catch {
                return undefined;
            }
        };
        const restarting = () => {
            const launch = launchOfA();
            return launch !== undefined && launch.version === "4.9.7" && launch.pid !== masterA;
        };
        const interrupted = pulumiInterruptible(dir, "up");
        background = interrupted.done;
        let wipedAt = 0;
        // The CLI streams each step's start as the resource's status ("blue-a/0: await-writes-stopped", the step
        // after the wipe); the restart shows first in the broker's own launch record, written as its JVM starts.
        const killed = await killWhen(
            interrupted,
            () => {
                if (!wipedAt && /blue-a\/0: await-writes-stopped/.test(interrupted.output())) {
                    wipedAt = Date.now();
                }
                return restarting();
            },
            15 * 60_000,
            "master a was never wiped and restarted",
        );
        assert.ok(wipedAt > 0, `master a restarted before its wipe showed:\n${killed.output}`);
        assert.notStrictEqual(killed.status, 0);
        const order = ["blue-broker-a-1", "blue-broker-b-1", "blue-broker-a-0"].map((n) =>
            killed.output.indexOf(`rocketmq:local:Process ${n} updating`),
        );
        assert.ok(
            order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])),
            `not slaves first, one at a time: ${order.join(", ")}`,
        );
        const restartedA = pidOf("blue-broker-a-0");
        assert.ok(restartedA, "master a is not running after the kill");
        // Read-only, or not routed at all while its new JVM boots: never writable.
        assert.notStrictEqual(await routePerm("blue-a"), 6, "master a is writable right after the kill");
        // The JVM the killed run started boots on by itself.
        let reported = await versionOf("blue-a", 0);
        for (let i = 0; i < 120 && reported === "blue-a/0/down"; i++) {
            await sleep(1000);
            reported = await versionOf("blue-a", 0);
        }
        assert.strictEqual(reported, "blue-a/0/V4_9_7");

        const locked = pulumi(dir, "up");
        assert.notStrictEqual(locked.status, 0, "an `up` ran on a stack a killed run left locked");
        assert.match(locked.output, /the stack is currently locked by 1 lock\(s\)/);
        assert.match(locked.output, /which is no longer running: an interrupted run/);
        assert.match(locked.output, /Clear it with `npm run pulumi -- cancel --stack local`/);
        mustPulumi(dir, "cancel", "--stack", "local");

        const slaveB = pidOf("blue-broker-b-1");
        const out = mustPulumi(dir, "up");
        const resumedAt = Date.now();
        assert.match(out, /roll blue-a\/0: already runs V4_9_7 as declared/);
        assert.match(out, /roll blue-b\/0 V5_5_0 → V4_9_7: add-write-perm done/);
        assert.strictEqual(pidOf("blue-broker-a-0"), restartedA, "master a was restarted a second time");
        assert.strictEqual(pidOf("blue-broker-b-1"), slaveB, "slave b was rolled twice");
        assert.deepStrictEqual(await versions(), [
            "blue-a/0/V4_9_7",
            "blue-a/1/V4_9_7",
            "blue-b/0/V4_9_7",
            "blue-b/1/V4_9_7",
        ]);
        for (const group of ["blue-a", "blue-b"]) {
            assert.strictEqual(await routePerm(group), 6, `${group} is not writable after the resumed roll`);
        }
        // Master a's turn counts from its wipe in the killed run to the end of the resumed one.
        recordMasterTurns(dir, masterTurns, { "blue-a": Math.ceil((resumedAt - wipedAt) / 1000) + 1 });
    });

    it("consumed every message sent through the roll, its stop, its resume and the rollback", async () => {
        await load!.stopProducers();
        const result = await load!.drainAndStop(300_000);
        const sends = load!.sends();
        const failures = load!.failures();
        const consumed = load!.consumed(GROUP);
        const missing = sends.filter((s) => !consumed.has(s.key)).map((s) => s.key);
        const statuses: Record<string, number> = {};
        for (const s of sends) {
            statuses[s.status] = (statuses[s.status] ?? 0) + 1;
        }
        console.log(
            `      sent ${sends.length}, consumed ${consumed.size}, failed after retries ${failures.length}, ` +
                `statuses ${JSON.stringify(statuses)}, longest gap per group: ` +
                ["blue-a", "blue-b"].map((g) => `${g} ${longestGap(sends, g).ms} ms`).join(", "),
        );
        assert.deepStrictEqual(missing.slice(0, 10), [], `${missing.length} sent messages were never consumed`);
        assert.strictEqual(result.sent, sends.length);
        assert.strictEqual(result.consumed, sends.length);
        assert.strictEqual(consumed.size, sends.length);
        assert.strictEqual(failures.length, 0, `sends failed after retries:\n${failures.slice(0, 5).join("\n")}`);
        assert.strictEqual(result.failed, 0, "the client counted sends that failed after its retries");
        // The delayed messages sent on 5.5.0 and due during the rollback: each consumed.
        const delayedKeys = delayed!.sends().map((s) => s.key);
        const delayedResult = await delayed!.drainAndStop(300_000);
        const delayedConsumed = delayed!.consumed(DELAYED_GROUP);
        delayed = undefined;
        assert.strictEqual(delayedKeys.length, DELAYED_MIX.delayed);
        assert.strictEqual(delayedResult.failed, 0, "delayed sends failed after the client's retries");
        assert.deepStrictEqual(
            delayedKeys.filter((k) => !delayedConsumed.has(k)),
            [],
            "delayed messages never delivered",
        );
        // Each group was without writes only while its master was: the roll gave them back.
        for (const group of ["blue-a", "blue-b"]) {
            const blocked = masterTurns.get(group) ?? [];
            assert.strictEqual(blocked.length, 2, `${group}: master turns recorded ${JSON.stringify(blocked)}`);
            const gap = longestGap(sends, group);
            const bound = Math.max(...blocked) * 1000 + GAP_SLACK_MS;
            assert.ok(
                gap.ms <= bound,
                `${group} took no send for ${gap.ms} ms from ${new Date(gap.from).toISOString()}; its master was ` +
                    `write-blocked at most ${Math.max(...blocked)} s, and a route refresh is ${TEST_ROUTE_REFRESH_MS} ms`,
            );
        }
    });
});
