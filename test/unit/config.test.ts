import * as assert from "assert";
import {
    checkVersionJump,
    addressServerOf,
    checkWeightIsStage,
    greenNameServerBasePort,
    nameServerVersionOf,
    parseStackConfig,
    rawConfigFromAll,
    StackConfigError,
} from "../../config/stackConfig";
import { SUPPORTED_UPGRADES } from "../../domain/compatibility";
import { mustParseVersion } from "../../domain/versions";

const BLUE = { version: "4.9.7", clusterName: "blue" };
const GREEN = { version: "5.5.0", clusterName: "green" };

function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        parseStackConfig(raw);
    } catch (err) {
        assert.ok(err instanceof StackConfigError, `expected StackConfigError, got ${String(err)}`);
        return err.problems;
    }
    assert.fail("expected the config to be refused");
}

describe("stack config", () => {
    it("fills in the documented defaults", () => {
        const cfg = parseStackConfig({ blue: BLUE, green: GREEN });
        assert.strictEqual(cfg.platform, "local");
        assert.strictEqual(cfg.strategy, "blue-green");
        assert.strictEqual(cfg.trafficWeight, 0);
        assert.deepStrictEqual(cfg.canaryStages, [10, 30, 50, 100]);
        assert.deepStrictEqual(cfg.nameServer, { count: 2, basePort: 19876, heapMb: 128 });
        assert.strictEqual(cfg.routing, "shared");
        assert.strictEqual(cfg.retireBlue, false);
        assert.strictEqual(cfg.orderedCutover, 100);
        assert.strictEqual(cfg.promotion.minSoakSeconds, 300);
        assert.strictEqual(cfg.blue.brokerGroups, 2);
        assert.strictEqual(cfg.blue.slavesPerGroup, 1);
        assert.strictEqual(cfg.blue.brokerRole, "SYNC_MASTER");
        assert.strictEqual(cfg.blue.flushDiskType, "SYNC_FLUSH");
        assert.deepStrictEqual(cfg.blue.heap, { brokerMb: 256, proxyMb: 256 });
    });

    it("names the key, the value and the range of an out-of-range weight", () => {
        const problems = problemsOf({ blue: BLUE, green: GREEN, trafficWeight: 150 });
        assert.deepStrictEqual(problems, ["rocketmq-upgrade:trafficWeight = 150: must be an integer from 0 to 100"]);
    });

    it("refuses a baseline shorter than the benchmark tool's first report, naming the key and what is allowed", () => {
        const problems = problemsOf({ blue: BLUE, green: GREEN, backup: { baselineSeconds: 4 } });
        assert.deepStrictEqual(problems, [
            "rocketmq-upgrade:backup.baselineSeconds = 4: must be 0 (no baseline) or from 10 to 600: the benchmark tool reports only after 10 s of sends",
        ]);
        for (const seconds of [0, 10]) {
            const cfg = parseStackConfig({ blue: BLUE, green: GREEN, backup: { baselineSeconds: seconds } });
            assert.strictEqual(cfg.backup.baselineSeconds, seconds);
        }
    });

    it("refuses a fractional or negative weight", () => {
        assert.match(
            problemsOf({ blue: BLUE, green: GREEN, trafficWeight: 12.5 })[0],
            /= 12.5: must be an integer from 0 to 100/,
        );
        assert.match(
            problemsOf({ blue: BLUE, green: GREEN, trafficWeight: -1 })[0],
            /= -1: must be an integer from 0 to 100/,
        );
    });

    it("refuses a weight that is not a declared canary stage", () => {
        const problems = problemsOf({ blue: BLUE, green: GREEN, trafficWeight: 20 });
        assert.deepStrictEqual(problems, [
            "rocketmq-upgrade:trafficWeight = 20: must be 0 or one of canaryStages [10, 30, 50, 100]",
        ]);
    });

    it("names nested keys with their full path", () => {
        const problems = problemsOf({ blue: { ...BLUE, brokerGroups: 0 }, green: GREEN });
        assert.deepStrictEqual(problems, ["rocketmq-upgrade:blue.brokerGroups = 0: must be an integer from 1 to 8"]);
    });

    it("refuses unknown keys, so a typo does not silently fall back to a default", () => {
        const problems = problemsOf({ blue: BLUE, green: GREEN, trafficWeigth: 10 });
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /unknown key\(s\) "trafficWeigth"/);
    });

    it("reports a missing blue cluster as not set", () => {
        const problems = problemsOf({ green: GREEN });
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^rocketmq-upgrade:blue = \(not set\)/);
    });

    it("takes blue alone (no upgrade under way) only at weight 0", () => {
        assert.strictEqual(parseStackConfig({ blue: BLUE }).green, undefined);
        assert.deepStrictEqual(problemsOf({ blue: BLUE, trafficWeight: 10 }), [
            "rocketmq-upgrade:trafficWeight = 10: must be 0 while no green cluster is declared",
        ]);
    });

    it("takes the rolling strategy with blue alone, refusing green, a weight and retirement", () => {
        const cfg = parseStackConfig({ blue: { ...BLUE, version: "5.5.0" }, strategy: "rolling" });
        assert.deepStrictEqual(cfg.rolling, {
            maxLagBytes: 1048576,
            catchUpSeconds: 60,
            writeStopSeconds: 45,
            consumerWaitSeconds: 30,
        });
        assert.strictEqual(nameServerVersionOf(cfg), "5.5.0", "name servers roll first, to blue's release");
        assert.deepStrictEqual(
            problemsOf({ blue: BLUE, green: GREEN, strategy: "rolling", trafficWeight: 10, retireBlue: true }),
            [
                'rocketmq-upgrade:green: must not be set with strategy "rolling"; the rolling strategy upgrades blue in place: change blue.version instead',
                'rocketmq-upgrade:trafficWeight = 10: must be 0 with strategy "rolling"; the rolling strategy upgrades blue in place: change blue.version instead',
                'rocketmq-upgrade:retireBlue = true: must be false with strategy "rolling"; the rolling strategy upgrades blue in place: change blue.version instead',
            ],
        );
        assert.deepStrictEqual(problemsOf({ blue: BLUE, strategy: "rolling", rolling: { catchUpSeconds: 1 } }), [
            "rocketmq-upgrade:rolling.catchUpSeconds = 1: must be an integer from 5 to 3600",
        ]);
    });

    it("runs the name servers at green's release unless told otherwise", () => {
        assert.strictEqual(nameServerVersionOf(parseStackConfig({ blue: BLUE, green: GREEN })), "5.5.0");
        assert.strictEqual(nameServerVersionOf(parseStackConfig({ blue: BLUE })), "4.9.7");
    });

    it("refuses 5.x brokers on name servers older than 5.1 (the seed's pre-flight rule)", () => {
        assert.deepStrictEqual(problemsOf({ blue: BLUE, green: GREEN, nameServer: { version: "4.9.7" } }), [
            'rocketmq-upgrade:nameServer.version = "4.9.7": green.version 5.5.0 brokers register with the shared name servers, so they must run 5.1.0 or newer',
        ]);
        assert.match(
            problemsOf({ blue: { ...BLUE, version: "5.5.0" }, nameServer: { version: "5.0.0" } })[0],
            /nameServer.version = "5.0.0": blue.version 5.5.0 brokers .* must run 5.1.0 or newer/,
        );
        assert.strictEqual(
            parseStackConfig({ blue: BLUE, green: GREEN, nameServer: { version: "5.1.0" } }).nameServer.version,
            "5.1.0",
        );
    });

    it("refuses retireBlue before weight 100, an unknown cutover stage and a duplicated topic", () => {
        assert.match(
            problemsOf({ blue: BLUE, green: GREEN, trafficWeight: 50, canaryStages: [50, 100], retireBlue: true })[0],
            /retireBlue = true: blue can only be retired at trafficWeight 100 .*\(trafficWeight is 50\)/,
        );
        assert.match(
            problemsOf({ blue: BLUE, green: GREEN, orderedCutover: 40 })[0],
            /orderedCutover = 40: must be one of canaryStages \[10, 30, 50, 100\]/,
        );
        assert.match(
            problemsOf({ blue: BLUE, green: GREEN, topics: [{ name: "A" }, { name: "A", queues: 4 }] })[0],
            /topics: topic "A" is declared twice/,
        );
        assert.match(
            problemsOf({ blue: BLUE, green: GREEN, topics: [{ name: "bad topic" }] })[0],
            /topics.0.name = "bad topic": must be 1-127 letters/,
        );
    });

    it("refuses versions outside the 4.9.x and 5.x lines", () => {
        const problems = problemsOf({ blue: { ...BLUE, version: "4.8.0" }, green: GREEN });
        assert.match(problems[0], /^rocketmq-upgrade:blue.version = "4.8.0": must be a released RocketMQ version/);
        assert.match(problemsOf({ blue: { ...BLUE, version: "latest" }, green: GREEN })[0], /blue.version = "latest"/);
        // YAML reads `version: 4.9` as a number; it must still be refused with the version rule, not a type error.
        assert.match(
            problemsOf({ blue: { ...BLUE, version: 4.9 }, green: GREEN })[0],
            /^rocketmq-upgrade:blue.version = 4.9: must be a released RocketMQ version/,
        );
    });

    it("refuses a downgrade as the target", () => {
        const problems = problemsOf({ blue: { ...BLUE, version: "5.5.0" }, green: { ...GREEN, version: "5.3.3" } });
        assert.match(problems[0], /green.version = "5.3.3": green.version 5.3.3 is older than blue.version 5.5.0/);
    });

    it("refuses one cluster name for both colours", () => {
        const problems = problemsOf({ blue: BLUE, green: { ...GREEN, clusterName: "blue" } });
        assert.match(problems[0], /green.clusterName = "blue": must differ from blue.clusterName/);
    });

    it("refuses canary stages that do not increase or do not end at 100", () => {
        assert.match(
            problemsOf({ blue: BLUE, green: GREEN, canaryStages: [10, 50, 30, 100] })[0],
            /strictly increasing/,
        );
        assert.match(problemsOf({ blue: BLUE, green: GREEN, canaryStages: [10, 50] })[0], /must end at 100/);
    });

    for (const colour of ["blue", "green"] as const) {
        const other = colour === "blue" ? { green: GREEN } : { blue: BLUE };
        const own = colour === "blue" ? BLUE : GREEN;

        it(`refuses ${colour}'s SYNC_MASTER without slaves at preview, naming both keys and what is allowed`, () => {
            assert.deepStrictEqual(problemsOf({ ...other, [colour]: { ...own, slavesPerGroup: 0 } }), [
                `rocketmq-upgrade:${colour}.brokerRole = "SYNC_MASTER" (the default) needs a slave, but ` +
                    `rocketmq-upgrade:${colour}.slavesPerGroup = 0: set brokerRole to "ASYNC_MASTER" or ` +
                    `slavesPerGroup to 1 or more`,
            ]);
            assert.deepStrictEqual(
                problemsOf({ ...other, [colour]: { ...own, slavesPerGroup: 0, brokerRole: "SYNC_MASTER" } }),
                [
                    `rocketmq-upgrade:${colour}.brokerRole = "SYNC_MASTER" needs a slave, but ` +
                        `rocketmq-upgrade:${colour}.slavesPerGroup = 0: set brokerRole to "ASYNC_MASTER" or ` +
                        `slavesPerGroup to 1 or more`,
                ],
            );
        });

        it(`takes ${colour} without slaves under ASYNC_MASTER, and SYNC_MASTER with one`, () => {
            const async = parseStackConfig({
                ...other,
                [colour]: { ...own, slavesPerGroup: 0, brokerRole: "ASYNC_MASTER" },
            });
            assert.strictEqual(async[colour]!.slavesPerGroup, 0);
            const sync = parseStackConfig({
                ...other,
                [colour]: { ...own, slavesPerGroup: 1, brokerRole: "SYNC_MASTER" },
            });
            assert.strictEqual(sync[colour]!.brokerRole, "SYNC_MASTER");
        });
    }

    it("takes fractions set with `config set --path` (stored as strings) as numbers", () => {
        const cfg = parseStackConfig({ blue: BLUE, green: GREEN, verification: { baselineTolerance: "-0.9" } });
        assert.strictEqual(cfg.verification.baselineTolerance, -0.9);
        assert.match(
            problemsOf({ blue: BLUE, green: GREEN, verification: { baselineTolerance: "lots" } })[0],
            /verification\.baselineTolerance = "lots": must be a number from -0\.99 to 10/,
        );
    });

    it("lists every problem at once", () => {
        const problems = problemsOf({ blue: { ...BLUE, brokerGroups: 9 }, green: GREEN, trafficWeight: 101 });
        assert.strictEqual(problems.length, 2);
    });

    it("reads Pulumi's flat config, numbers as strings included", () => {
        const raw = rawConfigFromAll({
            "rocketmq-upgrade:trafficWeight": "30",
            "rocketmq-upgrade:blue": JSON.stringify(BLUE),
            "rocketmq-upgrade:strategy": "rolling",
            "aws:region": "eu-west-1",
        });
        assert.deepStrictEqual(raw, { trafficWeight: 30, blue: BLUE, strategy: "rolling" });
    });
});

describe("version jumps", () => {
    it("allows 4.9 to 5.x and 5.x to a later 5.y", () => {
        assert.strictEqual(checkVersionJump(mustParseVersion("4.9.7"), mustParseVersion("5.5.0")), undefined);
        assert.strictEqual(checkVersionJump(mustParseVersion("5.1.4"), mustParseVersion("5.5.0")), undefined);
    });

    it("refuses 5.x back to 4.x as a target", () => {
        assert.ok(checkVersionJump(mustParseVersion("5.5.0"), mustParseVersion("4.9.7")));
    });

    it("refuses a jump the supported-upgrades table does not cover, listing what is supported", () => {
        assert.match(
            checkVersionJump(mustParseVersion("5.5.0"), mustParseVersion("6.0.0"))!,
            /upgrading 5\.5\.0 to 6\.0\.0 is not a supported jump \(supported: 4\.9\.0\.\.4\.9\.99 -> 5\.0\.0\.\.5\.99\.99/,
        );
    });

    it("cites a source for every supported jump", () => {
        for (const u of SUPPORTED_UPGRADES) {
            assert.ok(u.sources.length > 0 && u.claim.length > 0, JSON.stringify(u));
        }
    });

    it("accepts weight 0 and declared stages only", () => {
        assert.strictEqual(checkWeightIsStage(0, [10, 100]), undefined);
        assert.strictEqual(checkWeightIsStage(100, [10, 100]), undefined);
        assert.ok(checkWeightIsStage(50, [10, 100]));
    });

    describe("stack config: isolated routing", () => {
        it("takes blue-green with an address server, each colour's name servers at its own release", () => {
            const cfg = parseStackConfig({ blue: BLUE, green: GREEN, routing: "isolated", trafficWeight: 10 });
            assert.strictEqual(cfg.routing, "isolated");
            assert.strictEqual(nameServerVersionOf(cfg), "4.9.7");
            assert.strictEqual(greenNameServerBasePort(cfg), 19886);
            assert.deepStrictEqual(addressServerOf(cfg), { port: 18080, quietSeconds: 10 });
            const custom = parseStackConfig({
                blue: BLUE,
                green: GREEN,
                routing: "isolated",
                nameServer: { greenBasePort: 19900 },
                addressServer: { port: 18500 },
            });
            assert.strictEqual(greenNameServerBasePort(custom), 19900);
            assert.deepStrictEqual(addressServerOf(custom), { port: 18500, quietSeconds: 10 });
        });

        it("refuses the rolling strategy, a pinned name-server release and ordered topics, naming each key", () => {
            const problems = problemsOf({
                blue: BLUE,
                green: GREEN,
                routing: "isolated",
                nameServer: { version: "5.5.0" },
                topics: [{ name: "Ledger", ordered: true }],
            });
            assert.ok(problems.some((p) => /nameServer.version = "5.5.0": with routing "isolated"/.test(p)));
            assert.ok(problems.some((p) => /topics: ordered topic\(s\) Ledger with routing "isolated"/.test(p)));
            assert.ok(
                problemsOf({ blue: BLUE, strategy: "rolling", routing: "isolated" }).some((p) =>
                    /routing = "isolated": needs strategy "blue-green"/.test(p),
                ),
            );
        });

        it("refuses ports that overlap and address-server settings without isolated routing", () => {
            assert.ok(
                problemsOf({
                    blue: BLUE,
                    green: GREEN,
                    routing: "isolated",
                    nameServer: { greenBasePort: 19877 },
                }).some((p) =>
                    /nameServer.greenBasePort = 19877: its ports 19877-19878 overlap nameServer.basePort's/.test(p),
                ),
            );
            assert.ok(
                problemsOf({ blue: BLUE, green: GREEN, routing: "isolated", addressServer: { port: 20005 } }).some(
                    (p) => /addressServer.port = 20005: its ports 20005-20005 overlap blue.basePort's 20000-/.test(p),
                ),
            );
            assert.match(
                problemsOf({ blue: BLUE, green: GREEN, addressServer: { port: 18080 } })[0],
                /addressServer: only used with routing "isolated" \(routing is "shared"\)/,
            );
            assert.match(
                problemsOf({ blue: BLUE, green: GREEN, routing: "isolated", addressServer: { port: 80 } })[0],
                /addressServer.port = 80: must be an integer from 1024 to 65535/,
            );
        });
    });
});
