/**
 * The long-lived admin client against real brokers of both lines on one
 * 5.5.0 name server: a 4.9.7 broker (blue) and a 5.5.0 broker (green), the
 * shared-routing layout of a blue-green upgrade.
 */
import * as assert from "assert";
import * as path from "path";
import { AdminSession } from "../../operations/adminSession";
import { ServerProcessSpec, startServer, stopServer } from "./plainServer";
import { resolveRuntime } from "../../operations/maven";
import { brokerIsListed } from "../../operations/mqadmin";
import { brokerProperties, nameServerProperties, SMALL_STORE } from "../../domain/serverConfig";
import { freePortBlock, scratchDir } from "./support";

describe("admin session on a shared 5.5.0 name server with 4.9.7 and 5.5.0 brokers", function () {
    this.timeout(10 * 60_000);
    const dirs: string[] = [];
    let session: AdminSession | undefined;
    let nsAddr = "";
    let blueAddr = "";
    let greenAddr = "";

    before(async () => {
        const blueRt = await resolveRuntime("4.9.7");
        const greenRt = await resolveRuntime("5.5.0");
        const dir = scratchDir("admin-session");
        const base = await freePortBlock(20);
        nsAddr = `127.0.0.1:${base}`;
        blueAddr = `127.0.0.1:${base + 4}`;
        greenAddr = `127.0.0.1:${base + 8}`;
        const broker = (rt: typeof blueRt, name: string, port: number): ServerProcessSpec => ({
            role: "broker",
            dir: path.join(dir, name),
            config: brokerProperties({
                version: rt.version,
                clusterName: name,
                brokerName: `${name}-a`,
                brokerId: 0,
                role: "ASYNC_MASTER",
                flushDiskType: "ASYNC_FLUSH",
                nameServers: [nsAddr],
                port,
                haPort: port + 1,
                storeDir: path.join(dir, name, "store"),
                store: SMALL_STORE,
                autoCreateTopicEnable: false,
            }),
            servicePort: port,
            heapMb: 256,
            readyWhen: () => brokerIsListed(greenRt, nsAddr, `${name}-a`, 0),
        });
        const ns: ServerProcessSpec = {
            role: "namesrv",
            dir: path.join(dir, "namesrv"),
            config: nameServerProperties({ version: greenRt.version, port: base }),
            servicePort: base,
            heapMb: 128,
        };
        dirs.push(ns.dir);
        await startServer(ns, greenRt);
        const blue = broker(blueRt, "blue", base + 4);
        dirs.push(blue.dir);
        await startServer(blue, blueRt);
        const green = broker(greenRt, "green", base + 8);
        dirs.push(green.dir);
        await startServer(green, greenRt);
        session = await AdminSession.open(nsAddr);
    });

    after(async () => {
        await session?.close();
        for (const d of dirs.reverse()) {
            await stopServer(d);
        }
    });

    it("lists both colours' brokers", async () => {
        const brokers = await session!.cluster();
        const names = brokers.map((b) => `${b.cluster}/${b.brokerName}/${b.brokerId}@${b.address}`).sort();
        assert.deepStrictEqual(names, [`blue/blue-a/0@${blueAddr}`, `green/green-a/0@${greenAddr}`]);
    });

    it("copies a topic from a 4.9.7 broker to a 5.5.0 broker with fewer write queues than read queues", async () => {
        await session!.putTopic(blueAddr, { topicName: "Orders", readQueueNums: 8, writeQueueNums: 8, perm: 6 });
        const onBlue = (await session!.topics(blueAddr)).find((t) => t.topicName === "Orders");
        assert.ok(onBlue, "Orders is on blue");
        assert.strictEqual(onBlue.readQueueNums, 8);

        await session!.putTopic(greenAddr, { ...onBlue, writeQueueNums: 3, perm: 4 });
        await session!.putTopic(blueAddr, { ...onBlue, writeQueueNums: 5 });
        const route = await session!.route("Orders");
        const byBroker = Object.fromEntries((route ?? []).map((q) => [q.brokerName, q]));
        assert.deepStrictEqual(
            { ...byBroker["green-a"] },
            { brokerName: "green-a", readQueueNums: 8, writeQueueNums: 3, perm: 4 },
        );
        assert.deepStrictEqual(
            { ...byBroker["blue-a"] },
            { brokerName: "blue-a", readQueueNums: 8, writeQueueNums: 5, perm: 6 },
        );
        const stats = await session!.topicStats("Orders");
        assert.strictEqual(stats.length, 16, JSON.stringify(stats));
        assert.ok(stats.every((s) => s.maxOffset === 0));
    });

    it("copies a subscription group and commits an offset for it on a green queue", async () => {
        await session!.putGroup(blueAddr, { groupName: "OrdersReaders", retryMaxTimes: 5 });
        const group = (await session!.groups(blueAddr)).find((g) => g.groupName === "OrdersReaders");
        assert.ok(group);
        await session!.putGroup(greenAddr, group);
        const onGreen = (await session!.groups(greenAddr)).find((g) => g.groupName === "OrdersReaders");
        assert.strictEqual(onGreen?.retryMaxTimes, 5);

        await session!.commitOffset(
            greenAddr,
            "OrdersReaders",
            { topic: "Orders", brokerName: "green-a", queueId: 2 },
            0,
        );
        const progress = await session!.consumeStats(greenAddr, "OrdersReaders");
        assert.ok(
            progress.some((p) => p.brokerName === "green-a" && p.queueId === 2 && p.topic === "Orders"),
            JSON.stringify(progress),
        );
    });

    it("reports an unknown topic as having no route", async () => {
        assert.strictEqual(await session!.route("NoSuchTopic"), undefined);
    });

    // What verification asks of each broker: its version, and a message sent to one of its queues read back there.
    it("reports each broker's version, and reads back a message sent to one queue of each", async () => {
        for (const [name, address, version] of [
            ["blue-a", blueAddr, "V4_9_7"],
            ["green-a", greenAddr, "V5_5_0"],
        ]) {
            assert.strictEqual((await session!.runtimeStats(address)).brokerVersionDesc, version, name);
            await session!.putTopic(address, { topicName: "Verify", readQueueNums: 2, writeQueueNums: 2, perm: 6 });
        }
        for (let i = 0; i < 40 && ((await session!.route("Verify")) ?? []).length < 2; i++) {
            await new Promise((r) => setTimeout(r, 250));
        }
        for (const brokerName of ["blue-a", "green-a"]) {
            const queue = { topic: "Verify", brokerName, queueId: 1 };
            const first = await session!.sendToQueue(queue, `first on ${brokerName}`);
            const second = await session!.sendToQueue(queue, `second on ${brokerName}`);
            assert.strictEqual(first.status, "SEND_OK");
            assert.strictEqual(second.queueOffset, first.queueOffset + 1);
            // Stored is not yet indexed: the consume queue follows the commit log a moment later, so read until it shows.
            let read = await session!.pullFromQueue(queue, second.queueOffset, 8);
            for (let i = 0; i < 25 && read.length === 0; i++) {
                await new Promise((r) => setTimeout(r, 200));
                read = await session!.pullFromQueue(queue, second.queueOffset, 8);
            }
            assert.deepStrictEqual(
                read.map((m) => ({ queueOffset: m.queueOffset, body: m.body })),
                [{ queueOffset: second.queueOffset, body: `second on ${brokerName}` }],
            );
        }
        // No consumer is online but the session's own reader, which is not a group whose backlog counts.
        assert.deepStrictEqual([...(await session!.groupBacklogs())], []);
    });
});
