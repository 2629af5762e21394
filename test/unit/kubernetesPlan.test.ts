import * as assert from "assert";
import { parseQuantity } from "../../components/kubernetesConfig";
import { parseStackConfig } from "../../components/config";
import { planCluster, planNameServers } from "../../components/plan/clusterPlan";
import { planTraffic } from "../../components/plan/trafficPlan";
import { drainScript, trafficScript } from "../../components/platform/kubernetes/jobScripts";
import { Placement, spreadAffinity } from "../../components/platform/kubernetes/objects";
import { pluginVersionIn } from "../../components/platform/kubernetes/plugin";

describe("Kubernetes planning (pure)", () => {
    it("reads Kubernetes quantities as the API server does", () => {
        assert.strictEqual(parseQuantity("500m"), 0.5);
        assert.strictEqual(parseQuantity("2"), 2);
        assert.strictEqual(parseQuantity("4Gi"), 4 * 2 ** 30);
        assert.strictEqual(parseQuantity("200G"), 200e9);
        assert.strictEqual(parseQuantity("1e3"), 1000);
        assert.strictEqual(parseQuantity(".5"), 0.5);
        for (const bad of ["500GB", "four", "", "4 Gi", "-1Gi", "Gi"]) {
            assert.strictEqual(parseQuantity(bad), undefined, bad);
        }
    });

    const cfg = parseStackConfig({
        platform: "kubernetes",
        kubernetes: { namespace: "mq" },
        backup: { baselineSeconds: 0 },
        blue: { version: "4.9.7", clusterName: "blue", heap: { brokerMb: 1024, proxyMb: 512 } },
        green: { version: "5.5.0", clusterName: "green", heap: { brokerMb: 1024, proxyMb: 512 } },
    });
    const placement = new Placement(cfg.kubernetes!);
    const names = planNameServers(2, 19876, "namesrv", placement.addressing());
    const blue = planCluster(cfg.blue, 20000, names, placement.addressing());
    const green = planCluster(cfg.green!, 21000, names, placement.addressing());
    const declared = [{ name: "Orders", queues: 4, ordered: false }];

    function traffic(weight: number) {
        const colour = (plan: typeof blue) => ({
            clusterName: plan.clusterName,
            masters: plan.brokers.filter((b) => b.brokerId === 0),
            topics: {},
        });
        const plan = planTraffic({ weight, blue: colour(blue), green: colour(green), declared, orderedCutover: 100 });
        return trafficScript({
            plan,
            weight,
            nameServers: blue.nameServerList,
            blue,
            green,
            consumerGroups: ["OrdersConsumer"],
            orderedPauseSeconds: 35,
        });
    }

    it("addresses every piece by a stable DNS name in its cluster's namespace", () => {
        assert.strictEqual(names[1].address, "namesrv-1.namesrv.mq.svc:9876");
        assert.strictEqual(blue.brokers[1].address, "blue-broker-a-1-0.blue-brokers.blue.svc:10911");
        assert.strictEqual(green.proxies[0].grpcAddress, "green-proxy.green.svc:8081");
    });

    for (const [weight, gaining, losing] of [
        [100, "green", "blue"],
        [0, "blue", "green"],
    ] as const) {
        it(`at weight ${weight} opens ${gaining}'s writes before it makes ${losing} read-only`, () => {
            const updates = traffic(weight)
                .split("\n")
                .filter((l) => l.startsWith("admin updateTopic"));
            assert.strictEqual(updates.length, 4);
            const lastOpen = Math.max(...updates.map((l, i) => (l.includes(`'${gaining}-broker-`) ? i : -1)));
            const firstClose = updates.findIndex((l) => l.includes(`'${losing}-broker-`));
            assert.ok(lastOpen < firstClose, updates.join("\n"));
            assert.ok(
                updates.filter((l) => l.includes(`'${losing}-broker-`)).every((l) => l.endsWith("-p 4 -o false")),
            );
            assert.ok(updates.filter((l) => l.includes(`'${gaining}-broker-`)).every((l) => l.includes("-p 6")));
        });
    }

    it("creates the consumer groups on green before any topic moves", () => {
        const lines = traffic(10).split("\n");
        const group = lines.findIndex((l) => l.includes("updateSubGroup") && l.includes("'OrdersConsumer'"));
        const topic = lines.findIndex((l) => l.startsWith("admin updateTopic"));
        assert.ok(group >= 0 && group < topic);
    });

    it("drains only blue's brokers and, with isolated routing, waits for blue's commit logs to stand still", () => {
        const shared = drainScript({ blue, timeoutSeconds: 60 });
        assert.match(shared, /\$2 == "blue-a" \|\| \$2 == "blue-b"/);
        assert.doesNotMatch(shared, /commitlog_offset/);
        const isolated = drainScript({ blue, timeoutSeconds: 60, quietSeconds: 10 });
        assert.match(isolated, /sleep 10/);
        assert.match(isolated, /still takes writes/);
    });

    it("spreads a group across nodes always and across zones as configured", () => {
        const required = spreadAffinity({ a: "b" }, "required").podAntiAffinity as {
            requiredDuringSchedulingIgnoredDuringExecution: { topologyKey: string }[];
        };
        assert.deepStrictEqual(
            required.requiredDuringSchedulingIgnoredDuringExecution.map((t) => t.topologyKey),
            ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
        );
        const preferred = spreadAffinity({ a: "b" }, "preferred").podAntiAffinity as {
            requiredDuringSchedulingIgnoredDuringExecution: { topologyKey: string }[];
            preferredDuringSchedulingIgnoredDuringExecution: { podAffinityTerm: { topologyKey: string } }[];
        };
        assert.deepStrictEqual(
            preferred.requiredDuringSchedulingIgnoredDuringExecution.map((t) => t.topologyKey),
            ["kubernetes.io/hostname"],
        );
        assert.strictEqual(
            preferred.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
            "topology.kubernetes.io/zone",
        );
    });

    it("reads the plugin version out of toolchain.lock and refuses a lock without one", () => {
        assert.strictEqual(
            pluginVersionIn("A=1\nKUBERNETES_PLUGIN_VERSION=4.2.0-alpha.1+abc\nB=2\n"),
            "4.2.0-alpha.1+abc",
        );
        assert.throws(() => pluginVersionIn("A=1\n"), /names no KUBERNETES_PLUGIN_VERSION/);
    });
});
