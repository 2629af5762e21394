import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type {
    AdminApi,
    GroupConfigData,
    GroupQueueProgress,
    QueueOffsets,
    RouteQueueData,
    TopicConfigData,
} from "../../domain/rocketmqAdmin";
import { PERM_WRITE } from "../../domain/trafficPlan";
import { applyTraffic, TrafficRequest } from "../../operations/trafficChange";

const TOPIC = "Orders";
const GROUP = "Readers";
const MASTERS = {
    "blue-a": "ba:1",
    "blue-b": "bb:1",
    "green-a": "ga:1",
    "green-b": "gb:1",
} as const;
type Broker = keyof typeof MASTERS;
const brokerAt = (address: string) => (Object.keys(MASTERS) as Broker[]).find((b) => MASTERS[b] === address)!;

/**
 * Four masters behind a fake admin API: each one's topics and groups, the route the name servers would build from
 * them, and every call that changes something, in order.
 */
class FakeCluster implements AdminApi {
    readonly calls: string[] = [];
    readonly topicsOn: Record<Broker, Map<string, TopicConfigData>> = {
        "blue-a": new Map(),
        "blue-b": new Map(),
        "green-a": new Map(),
        "green-b": new Map(),
    };
    readonly groupsOn: Record<Broker, GroupConfigData[]> = {
        "blue-a": [{ groupName: GROUP }],
        "blue-b": [{ groupName: GROUP }],
        "green-a": [],
        "green-b": [],
    };
    /** Every topic config a broker was given, in order, with what it had before. */
    readonly puts: { broker: Broker; before?: TopicConfigData; after: TopicConfigData; at: number }[] = [];
    readonly commits: { broker: Broker; queueId: number; at: number }[] = [];

    constructor() {
        for (const b of ["blue-a", "blue-b"] as const) {
            this.topicsOn[b].set(TOPIC, { topicName: TOPIC, readQueueNums: 4, writeQueueNums: 4, perm: 6 });
        }
    }

    async cluster() {
        return (Object.keys(MASTERS) as Broker[]).map((b) => ({
            cluster: b.split("-")[0],
            brokerName: b,
            brokerId: 0,
            address: MASTERS[b],
        }));
    }
    async topics(address: string): Promise<TopicConfigData[]> {
        return [...this.topicsOn[brokerAt(address)].values()].map((t) => ({ ...t }));
    }
    async groups(address: string): Promise<GroupConfigData[]> {
        return this.groupsOn[brokerAt(address)].map((g) => ({ ...g }));
    }
    async putTopic(address: string, config: TopicConfigData): Promise<void> {
        const broker = brokerAt(address);
        const before = this.topicsOn[broker].get(config.topicName);
        this.calls.push(
            `putTopic ${broker} ${config.topicName} r${config.readQueueNums}/w${config.writeQueueNums}/p${config.perm}`,
        );
        this.puts.push({ broker, before, after: { ...config }, at: this.calls.length - 1 });
        this.topicsOn[broker].set(config.topicName, { ...config });
    }
    async putGroup(address: string, config: GroupConfigData): Promise<void> {
        this.calls.push(`putGroup ${brokerAt(address)} ${config.groupName}`);
        this.groupsOn[brokerAt(address)].push({ ...config });
    }
    async route(topic: string): Promise<RouteQueueData[] | undefined> {
        const route = (Object.keys(MASTERS) as Broker[]).flatMap((b) => {
            const t = this.topicsOn[b].get(topic);
            return t
                ? [{ brokerName: b, readQueueNums: t.readQueueNums, writeQueueNums: t.writeQueueNums, perm: t.perm }]
                : [];
        });
        return route.length > 0 ? route : undefined;
    }
    async topicStats(topic: string): Promise<QueueOffsets[]> {
        return (Object.keys(MASTERS) as Broker[]).flatMap((b) => {
            const t = this.topicsOn[b].get(topic);
            const filled = b.startsWith("blue") ? 100 : 0;
            return t
                ? Array.from({ length: t.readQueueNums }, (_, queueId) => ({
                      brokerName: b,
                      queueId,
                      minOffset: 0,
                      maxOffset: filled,
                  }))
                : [];
        });
    }
    async consumeStats(address: string, group: string): Promise<GroupQueueProgress[]> {
        const broker = brokerAt(address);
        const t = this.topicsOn[broker].get(TOPIC);
        if (!broker.startsWith("blue") || !t || !this.groupsOn[broker].some((g) => g.groupName === group)) {
            return [];
        }
        return Array.from({ length: t.readQueueNums }, (_, queueId) => ({
            topic: TOPIC,
            brokerName: broker,
            queueId,
            brokerOffset: 100,
            consumerOffset: 100,
        }));
    }
    async runtimeStats(): Promise<Record<string, string>> {
        return { brokerVersionDesc: "V5_5_0", commitLogMaxOffset: "1000" };
    }
    async commitOffset(address: string, group: string, queue: { topic: string; queueId: number }, offset: number) {
        this.calls.push(`commitOffset ${brokerAt(address)} ${group} ${queue.topic}#${queue.queueId}=${offset}`);
        this.commits.push({ broker: brokerAt(address), queueId: queue.queueId, at: this.calls.length - 1 });
    }
    async wipeWritePerm(): Promise<Record<string, number>> {
        throw new Error("a traffic change never wipes a broker's write permission");
    }
    async addWritePerm(): Promise<Record<string, number>> {
        throw new Error("a traffic change never adds a broker's write permission wholesale");
    }
    async timerMetrics() {
        return undefined;
    }
    async brokerConfig(): Promise<Record<string, string>> {
        return {};
    }
    async setBrokerConfig(): Promise<void> {
        throw new Error("a traffic change never changes a broker's config");
    }
    async sendToQueue(): Promise<{ status: string; queueOffset: number }> {
        throw new Error("a traffic change sends nothing");
    }
    async pullFromQueue() {
        return [];
    }
    async groupBacklogs() {
        return new Map<string, number>();
    }
}

const writable = (t?: TopicConfigData) => (t && t.perm & PERM_WRITE ? t.writeQueueNums : 0);

function request(weight: number, snapshotDir: string): TrafficRequest {
    const colour = (name: "blue" | "green") => ({
        clusterName: name,
        masters: (["a", "b"] as const).map((g) => ({ brokerName: `${name}-${g}`, address: MASTERS[`${name}-${g}`] })),
    });
    return {
        weight,
        blue: colour("blue"),
        green: colour("green"),
        declaredTopics: [],
        consumerGroups: [GROUP],
        orderedCutover: 100,
        routeRefreshSeconds: 5,
        drainTimeoutSeconds: 5,
        snapshotDir,
    };
}

describe("a traffic change on a fake admin API", function () {
    this.timeout(30_000);
    let snapshots: string;
    before(() => {
        snapshots = fs.mkdtempSync(path.join(os.tmpdir(), "traffic-change-"));
    });
    after(() => fs.rmSync(snapshots, { recursive: true, force: true }));

    /** Walks 0 → 10 → 50 → 100 → 0 on one cluster; each stage's calls end where `ends` says. */
    async function walk(): Promise<{ cluster: FakeCluster; ends: number[] }> {
        const cluster = new FakeCluster();
        const ends: number[] = [];
        for (const weight of [0, 10, 50, 100, 0]) {
            await applyTraffic(cluster, request(weight, snapshots), () => undefined);
            ends.push(cluster.calls.length);
        }
        return { cluster, ends };
    }

    it("opens writes before it closes any, at every stage", async () => {
        const { cluster, ends } = await walk();
        let opens = 0;
        let closes = 0;
        ends.forEach((end, i) => {
            const begin = i === 0 ? 0 : ends[i - 1];
            const kinds = cluster.puts
                .filter((p) => p.at >= begin && p.at < end)
                .map((p) => Math.sign(writable(p.after) - writable(p.before)));
            const firstClose = kinds.indexOf(-1);
            assert.ok(
                firstClose === -1 || kinds.lastIndexOf(1) < firstClose,
                `a close came before an open:\n${cluster.calls.slice(begin, end).join("\n")}`,
            );
            opens += kinds.filter((k) => k === 1).length;
            closes += kinds.filter((k) => k === -1).length;
        });
        // Green takes writes from 10 % on and blue gives all of its up at 100 %: the walk moves writes both ways.
        assert.ok(opens >= 4 && closes >= 4, `opens ${opens}, closes ${closes}`);
    });

    it("never lowers a topic's read queues on any broker: consumers keep reading what is left there", async () => {
        const { cluster } = await walk();
        const lowered = cluster.puts.filter((p) => p.before && p.after.readQueueNums < p.before.readQueueNums);
        assert.deepStrictEqual(lowered, []);
        assert.ok(cluster.puts.length >= 8, `only ${cluster.puts.length} topic writes in the walk`);
    });

    it("always leaves the topic a writable queue", async () => {
        const { cluster } = await walk();
        const state = new Map<string, TopicConfigData | undefined>();
        for (const b of ["blue-a", "blue-b"]) {
            state.set(b, { topicName: TOPIC, readQueueNums: 4, writeQueueNums: 4, perm: 6 });
        }
        for (const p of cluster.puts.filter((x) => x.after.topicName === TOPIC)) {
            state.set(p.broker, p.after);
            const total = [...state.values()].reduce((sum, t) => sum + writable(t), 0);
            assert.ok(total > 0, `${TOPIC} had no writable queue after ${cluster.calls[p.at]}`);
        }
    });

    it("commits offset 0 on green's empty queues before it opens any of them for writes", async () => {
        const cluster = new FakeCluster();
        await applyTraffic(cluster, request(10, snapshots), () => undefined);
        const firstGreenOpen = cluster.puts.find((p) => p.broker.startsWith("green") && writable(p.after) > 0);
        assert.ok(firstGreenOpen, `no green queue opened at 10 %:\n${cluster.calls.join("\n")}`);
        assert.ok(
            cluster.commits.length >= 8,
            `${cluster.commits.length} offsets committed, expected one per green queue`,
        );
        const late = cluster.commits.filter((c) => c.at > firstGreenOpen.at);
        assert.deepStrictEqual(late, [], `offsets committed after green opened:\n${cluster.calls.join("\n")}`);
        assert.ok(
            cluster.commits.every((c) => c.broker.startsWith("green")),
            "an offset was committed on blue",
        );
    });

    it("creates the group on green before any of green's topics takes writes", async () => {
        const cluster = new FakeCluster();
        await applyTraffic(cluster, request(10, snapshots), () => undefined);
        const groupOnGreen = cluster.calls.findIndex((c) => /^putGroup green-[ab] Readers$/.test(c));
        const firstGreenOpen = cluster.puts.find((p) => p.broker.startsWith("green") && writable(p.after) > 0)!;
        assert.ok(groupOnGreen >= 0 && groupOnGreen < firstGreenOpen.at, cluster.calls.join("\n"));
    });
});
