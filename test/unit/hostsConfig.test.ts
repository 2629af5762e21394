import * as assert from "assert";
import { z } from "zod";
import {
    adoptSchema,
    colourPlacement,
    hostSpecs,
    hostsProblems,
    hostsSchema,
    placementSchema,
} from "../../config/hostsConfig";
import { planCluster, planNameServers } from "../../domain/clusterPlan";
import { placeCluster } from "../../domain/hostPlacement";
import { parseStackConfig } from "../../config/stackConfig";

const NS = "rocketmq-upgrade";

/** Each issue as `path: message`, to assert what the user is told. */
function refusals(schema: z.ZodType, value: unknown): string[] {
    const r = schema.safeParse(value);
    assert.ok(!r.success, "expected a refusal");
    return r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("hosts platform config", () => {
    it("fills each host's defaults: root over port 22, /opt for releases, /data/rocketmq for processes", () => {
        const hosts = hostsSchema.parse({ vm1: { address: "10.0.0.11" }, me: { address: "127.0.0.1", local: true } });
        assert.deepStrictEqual(hosts.vm1, {
            address: "10.0.0.11",
            local: false,
            sshPort: 22,
            user: "root",
            releaseRoot: "/opt",
            dataRoot: "/data/rocketmq",
            processManager: "process",
        });
        assert.deepStrictEqual([...hostSpecs(hosts).keys()], ["vm1", "me"]);
    });

    it("refuses a bad address, key pin, path, user or unknown key, naming each", () => {
        assert.deepStrictEqual(
            refusals(hostsSchema, {
                vm1: {
                    address: "10.0.0.300",
                    hostKey: "ssh-ed25519 AAAA",
                    releaseRoot: "opt",
                    dataRoot: "/data/../etc",
                    user: "Root",
                    sshPort: 0,
                    password: "x",
                },
                VM2: { address: "db.example" },
            }),
            [
                "vm1.address: must be an IPv4 address or a DNS name",
                "vm1.sshPort: must be an integer from 1 to 65535",
                "vm1.user: must be a POSIX user name",
                "vm1.hostKey: must be a fingerprint as `ssh-keygen -lf` prints it, SHA256:…",
                "vm1.releaseRoot: must be an absolute path of letters, digits, '.', '_', '-' and '/'",
                "vm1.dataRoot: must not contain '..'",
                'vm1: Unrecognized key: "password"',
                "VM2: must be a host name of lower-case letters, digits and '-' (1-31 characters)",
            ],
        );
    });

    it("places each colour by broker key, and refuses keys that are not <group>-<id>", () => {
        const placement = placementSchema.parse({
            nameServers: ["ns1"],
            blue: { brokers: { "a-0": "vm1", "a-1": "vm2" } },
        });
        assert.deepStrictEqual(placement.blue, {
            brokers: { "a-0": "vm1", "a-1": "vm2" },
            proxies: [],
            brokerPort: 10911,
            proxyPort: 8080,
        });
        assert.deepStrictEqual(refusals(placementSchema, { nameServers: [], blue: { brokers: { master: "vm1" } } }), [
            "nameServers: list at least one host for the name servers",
            'blue.brokers.master: must be "<group letter>-<broker id>", e.g. "a-0"',
        ]);
    });

    it("hands the domain a placement that it checks against the plan and the hosts", () => {
        const cfg = parseStackConfig({ blue: { version: "4.9.7", clusterName: "blue", brokerGroups: 1 } });
        const plan = planCluster(cfg.blue!, 20000, planNameServers(1, 19876));
        const hosts = hostSpecs(hostsSchema.parse({ vm1: { address: "10.0.0.11" }, vm2: { address: "10.0.0.12" } }));
        const good = placementSchema.parse({ nameServers: ["vm1"], blue: { brokers: { "a-0": "vm1", "a-1": "vm2" } } });
        const placed = placeCluster(plan, colourPlacement(good.blue!), hosts, `${NS}:placement.blue`);
        assert.deepStrictEqual(placed.problems, []);
        assert.deepStrictEqual(
            placed.value!.plan.brokers.map((b) => b.address),
            ["10.0.0.11:10911", "10.0.0.12:10911"],
        );
        const typo = placementSchema.parse({ nameServers: ["vm1"], blue: { brokers: { "a-0": "vm1", "a-1": "vm3" } } });
        assert.deepStrictEqual(
            placeCluster(plan, colourPlacement(typo.blue!), hosts, `${NS}:placement.blue`).problems,
            [`${NS}:placement.blue.brokers.a-1 = "vm3": no host of that name (hosts: vm1, vm2)`],
        );
    });

    it("needs the SSH key as a secret for hosts reached over SSH, each machine once, adopted brokers on listed hosts", () => {
        const hosts = hostsSchema.parse({
            vm1: { address: "10.0.0.11" },
            vm2: { address: "10.0.0.11" },
            me: { address: "127.0.0.1", local: true },
        });
        const adopt = adoptSchema.parse({
            nameServers: ["10.0.0.11:9876"],
            brokers: [{ host: "vm9", brokerConf: "/opt/rocketmq/conf/broker.conf", releaseDir: "/opt/rocketmq" }],
        });
        assert.strictEqual(adopt.stopOnDestroy, false, "an adopted broker outlives the stack unless asked");
        assert.deepStrictEqual(hostsProblems(hosts, undefined, NS, adopt), [
            `${NS}:sshPrivateKey is not set: hosts vm1, vm2 are reached over SSH; set it with \`pulumi config set --secret sshPrivateKey < key-file\``,
            `${NS}:hosts.vm2.address = "10.0.0.11": host vm1 has the same address and SSH port 22; list each machine once`,
            `${NS}:blue.adopt.brokers[0].host = "vm9": no host of that name (hosts: vm1, vm2, me)`,
        ]);
        assert.match(hostsProblems({ vm1: hosts.vm1 }, false, NS)[0], /sshPrivateKey is stored in plain text/);
        assert.deepStrictEqual(hostsProblems({ vm1: hosts.vm1 }, true, NS), []);
        assert.deepStrictEqual(hostsProblems({ me: hosts.me }, undefined, NS), [], "a local host needs no key");
    });
});
