import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { planCluster } from "../../domain/clusterPlan";
import { RocketMQCluster } from "../../components/rocketmqCluster";
import { parseStackConfig } from "../../config/stackConfig";
import { NameServerSet } from "../../components/nameServerSet";
import type { BrokerPlan, NameServerPlan, ProxyPlan } from "../../domain/clusterPlan";
import { HostsPlatform } from "../../components/platforms/hosts/hostsPlatform";
import { loopbackPlatformArgs } from "../../components/platforms/hosts/loopbackPlatform";
import type { NameServerContext, PieceContext } from "../../components/platforms/clusterPlatform";
import { installMocks } from "./mocks";

/** Wraps the local platform (the hosts platform on one loopback host) and records, for each piece, the pieces it was told to wait for. */
class RecordingPlatform extends HostsPlatform {
    readonly order: string[] = [];
    readonly waitsFor = new Map<string, string[]>();
    readonly parents = new Map<string, pulumi.Resource>();
    private readonly names = new Map<pulumi.Resource, string>();

    constructor() {
        super(loopbackPlatformArgs({ dataRoot: "/data" }));
    }

    private record(name: string, ctx: PieceContext | NameServerContext, make: () => pulumi.Resource): pulumi.Resource {
        this.order.push(name);
        this.waitsFor.set(
            name,
            ctx.dependsOn.map((r) => this.names.get(r as pulumi.Resource)!),
        );
        this.parents.set(name, ctx.parent);
        const r = make();
        this.names.set(r, name);
        return r;
    }
    override nameServer(ns: NameServerPlan, ctx: NameServerContext) {
        return this.record(ns.name, ctx, () => super.nameServer(ns, ctx));
    }
    override broker(b: BrokerPlan, ctx: PieceContext) {
        return this.record(b.name, ctx, () => super.broker(b, ctx));
    }
    override proxy(p: ProxyPlan, ctx: PieceContext) {
        return this.record(p.name, ctx, () => super.proxy(p, ctx));
    }
}

function specOf(version: string, brokerGroups: number, slavesPerGroup: number) {
    // A SYNC_MASTER needs a slave (the config refuses it without one).
    const brokerRole = slavesPerGroup === 0 ? "ASYNC_MASTER" : "SYNC_MASTER";
    return parseStackConfig({
        blue: { version: "4.9.7", clusterName: "other" },
        green: { version, clusterName: "c", brokerGroups, slavesPerGroup, brokerRole },
    }).green!;
}

function nameServers(platform: HostsPlatform): NameServerSet {
    return new NameServerSet("ns", { spec: { version: "5.5.0", count: 2, basePort: 19876, heapMb: 128 }, platform });
}

describe("RocketMQCluster graph (Pulumi mocks)", () => {
    before(installMocks);

    for (const version of ["4.9.7", "5.5.0"]) {
        for (const groups of [1, 3]) {
            for (const slaves of [0, 2]) {
                it(`${version}, ${groups} group(s), ${slaves} slave(s) each: pieces, parent and start order`, () => {
                    const platform = new RecordingPlatform();
                    const ns = nameServers(platform);
                    const spec = specOf(version, groups, slaves);
                    const cluster = new RocketMQCluster("c", {
                        spec,
                        platform,
                        plan: platform.placeCluster(planCluster(spec, 30000, ns.plan, platform.addressing)),
                        nameServers: ns,
                    });
                    const proxies = version === "5.5.0" ? 1 : 0;
                    assert.strictEqual(platform.order.length, 2 + groups * (1 + slaves) + proxies);
                    for (const [name, parent] of platform.parents) {
                        const owner = name.startsWith("namesrv-") ? ns : cluster;
                        assert.strictEqual(parent, owner, `${name} is not parented to its component`);
                    }
                    for (const [name, deps] of platform.waitsFor) {
                        // Everything waits only for pieces declared before it: the order is a valid start order.
                        for (const d of deps) {
                            assert.ok(
                                platform.order.indexOf(d) < platform.order.indexOf(name),
                                `${name} waits for later ${d}`,
                            );
                        }
                        if (name === "namesrv-0") {
                            assert.deepStrictEqual(deps, []);
                        } else if (name === "namesrv-1") {
                            // One at a time: an in-place release change never restarts both.
                            assert.deepStrictEqual(deps, ["namesrv-0"]);
                        } else {
                            assert.ok(deps.includes("namesrv-0") && deps.includes("namesrv-1"), `${name}: ${deps}`);
                        }
                        const slave = /^c-broker-([a-z])-([1-9])$/.exec(name);
                        if (slave) {
                            assert.ok(deps.includes(`c-broker-${slave[1]}-0`), `${name} does not wait for its master`);
                        }
                        if (name.includes("-proxy-")) {
                            const masters = platform.order.filter((n) => /-broker-[a-z]-0$/.test(n));
                            assert.deepStrictEqual(
                                deps.filter((d) => d.includes("-broker-")),
                                masters,
                            );
                        }
                    }
                });
            }
        }
    }

    for (const groups of [1, 2, 3]) {
        for (const slaves of [0, 1, 2]) {
            it(`rolling, ${groups} group(s), ${slaves} slave(s): one broker after another, slaves first, each a turn of the roll`, () => {
                const platform = new RecordingPlatform();
                const settings = {
                    maxLagBytes: 1024,
                    catchUpSeconds: 60,
                    writeStopSeconds: 45,
                    consumerWaitSeconds: 30,
                };
                const spec = specOf("5.5.0", groups, slaves);
                const ns = nameServers(platform);
                new RocketMQCluster("c", {
                    spec,
                    platform,
                    plan: platform.placeCluster(planCluster(spec, 30000, ns.plan, platform.addressing)),
                    nameServers: ns,
                    rolling: settings,
                });
                const brokers = platform.order.filter((n) => n.includes("-broker-"));
                const expected = [
                    ...[1, 2]
                        .filter((id) => id <= slaves)
                        .flatMap((id) =>
                            Array.from({ length: groups }, (_, g) => `c-broker-${String.fromCharCode(97 + g)}-${id}`),
                        ),
                    ...Array.from({ length: groups }, (_, g) => `c-broker-${String.fromCharCode(97 + g)}-0`),
                ];
                assert.deepStrictEqual([...brokers].sort(), [...expected].sort());
                const slavesFirst = brokers.findIndex((n) => n.endsWith("-0"));
                assert.ok(
                    brokers.slice(slavesFirst).every((n) => n.endsWith("-0")),
                    brokers.join(", "),
                );
                brokers.forEach((name, i) => {
                    const deps = platform.waitsFor.get(name)!.filter((d) => d !== undefined);
                    // Pulumi updates a resource only after what it waits for: a chain restarts one at a time.
                    assert.deepStrictEqual(deps, i === 0 ? ["namesrv-0", "namesrv-1"] : [brokers[i - 1]], name);
                });
                const proxy = platform.order.find((n) => n.includes("-proxy-"))!;
                assert.deepStrictEqual(
                    platform.waitsFor.get(proxy)!.filter((d) => d !== undefined),
                    [brokers[brokers.length - 1]],
                );
            });
        }
    }
});
