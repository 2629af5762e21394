import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseQuantity } from "../../config/kubernetesConfig";
import { parseStackConfig } from "../../config/stackConfig";
import { planCluster, planNameServers } from "../../domain/clusterPlan";
import { planTraffic } from "../../domain/trafficPlan";
import { drainScript } from "../../components/platforms/kubernetes/jobs/drainJob";
import { trafficScript } from "../../components/platforms/kubernetes/jobs/trafficJob";
import { Placement, spreadAffinity } from "../../components/platforms/kubernetes/kubernetesObjects";
import { pluginVersionIn } from "../../components/platforms/kubernetes/kubernetesPlugin";
import { DEFAULT_STRANDED_SETTINGS, StrandedSettings } from "../../domain/heldMessages";

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
        const shared = drainScript({ blue, timeoutSeconds: 60, stranded: DEFAULT_STRANDED_SETTINGS });
        assert.match(shared, /\$2 == "blue-a" \|\| \$2 == "blue-b"/);
        assert.doesNotMatch(shared, /commitlog_offset/);
        const isolated = drainScript({
            blue,
            timeoutSeconds: 60,
            quietSeconds: 10,
            stranded: DEFAULT_STRANDED_SETTINGS,
        });
        assert.match(isolated, /sleep 10/);
        assert.match(isolated, /still takes writes/);
    });

    describe("the drain Job's count of what blue's masters hold, run against mqadmin's recorded output", () => {
        // What 4.9.7's mqadmin prints for these commands (column layout as in its source), per broker address.
        const fakeMqadmin = [
            "#!/bin/sh",
            'cmd=$1; shift; topic=""; broker=""',
            "while [ $# -gt 0 ]; do case $1 in -t) topic=$2; shift ;; -b) broker=$2; shift ;; esac; shift; done",
            "case $cmd in",
            "  consumerProgress) echo '#Group                           #Count  #Version  #Type  #Model  #TPS  #Diff Total' ;;",
            "  brokerStatus)",
            '    echo "bootTimestamp                   : 1796100000000"',
            '    case $broker in *:10911) echo "scheduleMessageOffset_3         : 5,8"; echo "scheduleMessageOffset_4         : 2,2" ;; esac',
            '    echo "commitLogMaxOffset              : 123456" ;;',
            '  topicList) printf \'%s\\n\' Orders "%DLQ%OrderReaders" "%RETRY%OrderReaders" ;;',
            "  topicStatus)",
            '    printf "%-32s  %-4s  %-20s  %-20s    %s\\n" "#Broker Name" "#QID" "#Min Offset" "#Max Offset" "#Last Updated"',
            "    case $topic in",
            "      SCHEDULE_TOPIC_XXXX)",
            '        echo "blue-a                            2     0                     8                       2026-12-01 05:00:00,000"',
            '        echo "blue-a                            3     0                     2                       2026-12-01 05:00:00,000"',
            '        echo "blue-a                            8     0                     6                       2026-12-01 05:00:00,000"',
            '        echo "blue-b                            2     0                     0                       " ;;',
            "      %DLQ%OrderReaders)",
            '        echo "blue-a                            0     10                    50                      2026-12-01 05:00:00,000"',
            '        echo "blue-a                            1     0                     5                       2026-12-01 05:00:00,000" ;;',
            '      *) echo "No topic route info in name server for the topic: $topic" ;;',
            "    esac ;;",
            "esac",
        ].join("\n");
        function runDrain(stranded: StrandedSettings): { status: number | null; stdout: string; stderr: string } {
            const home = fs.mkdtempSync(path.join(os.tmpdir(), "fake-mqadmin-"));
            try {
                fs.mkdirSync(path.join(home, "bin"));
                fs.writeFileSync(path.join(home, "bin", "mqadmin"), fakeMqadmin, { mode: 0o755 });
                const script = drainScript({ blue, timeoutSeconds: 0, stranded });
                const r = spawnSync("sh", ["-c", script], {
                    encoding: "utf8",
                    env: { ...process.env, ROCKETMQ_HOME: home },
                });
                return { status: r.status, stdout: r.stdout, stderr: r.stderr };
            } finally {
                fs.rmSync(home, { recursive: true, force: true });
            }
        }
        const masterA = () => blue.brokers.find((b) => b.brokerName === "blue-a" && b.brokerId === 0)!.address;

        it("names each delay level's undelivered messages and each dead-letter topic, per master", () => {
            assert.match(masterA(), /:10911$/, "the fake answers blue-a's master at port 10911");
            const r = runDrain(DEFAULT_STRANDED_SETTINGS);
            assert.strictEqual(r.status, 1, r.stdout + r.stderr);
            // Level 3 delivered 5 of 8; level 4 delivered all; level 9 (queue 8) never delivered from: all 6 wait.
            assert.match(
                r.stderr,
                /FAILED: retireBlue refused on blue: blue-a holds 3 scheduled message\(s\) \(delay level 3\), 6 scheduled message\(s\) \(delay level 9\), 45 message\(s\) in %DLQ%OrderReaders; retiring now would lose them: wait until they are delivered or settled, or set retirement\.waitForPending/,
            );
            assert.doesNotMatch(r.stderr, /blue-b holds|delay level 4/);
        });

        it("leaves dead letters out when they do not hold retirement back, and waits instead of refusing when told to", () => {
            const r = runDrain({ waitForPending: true, deadLettersHold: false });
            assert.strictEqual(r.status, 1, r.stdout + r.stderr);
            assert.match(
                r.stderr,
                /FAILED: retireBlue refused after 0 s on blue: blue-a holds 3 scheduled message\(s\) \(delay level 3\), 6 scheduled message\(s\) \(delay level 9\); retiring now would lose them"?$/m,
            );
            assert.doesNotMatch(r.stderr, /DLQ/);
        });
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
