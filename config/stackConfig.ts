/**
 * The stack-config schema: every key the program reads, its default, and its
 * allowed range. Parsing is pure, so a bad value fails at preview, before any
 * resource is registered, with an error naming the key, the value and what is
 * allowed.
 */
import { z } from "zod";
import { WEIGHT_RANGE } from "../domain/canaryStages";
import { DEFAULT_ROLL_SETTINGS } from "../domain/rollSettings";
import { DEFAULT_BASELINE_TOLERANCE, DEFAULT_VERIFICATION } from "../domain/verificationSettings";
import type { ClusterSpec } from "../domain/clusterSpec";
import { compareVersions, isSupportedLine, parseVersion, RocketMQVersion } from "../domain/versions";
import { RESERVED_BROKER_KEYS } from "../domain/serverConfig";
import { clusterSpecProblem, planCluster, planNameServers, PORT_SPAN, proxyCount } from "../domain/clusterPlan";
import {
    HOST_DEFAULT_PORTS,
    hostPortCollisions,
    placeCluster,
    placeNameServers,
    type HostOf,
} from "../domain/hostPlacement";
import {
    FIVE_X_NAME_SERVER_FLOOR,
    nameServerTakesBroker,
    SUPPORTED_UPGRADES,
    supportedUpgrade,
} from "../domain/compatibility";
import { awsRegion, awsSchema, bucketName } from "./awsConfig";
import { intRange } from "./configRules";
import { recordType } from "../domain/dnsPlan";
import { adoptSchema, colourPlacement, hostSpecs, hostsProblems, hostsSchema, placementSchema } from "./hostsConfig";
import { defaultKubernetesSpec, kubernetesProblems, kubernetesSchema, KubernetesSpec } from "./kubernetesConfig";

/** The config namespace: Pulumi prefixes keys with the project name. */
export const CONFIG_NAMESPACE = "rocketmq-upgrade";

const versionText = z.coerce
    .string()
    .refine((v) => parseVersion(v) !== undefined && isSupportedLine(parseVersion(v)!), {
        message: "must be a released RocketMQ version of the 4.9.x or 5.x line, e.g. 4.9.7 or 5.5.0",
    });

const clusterName = z
    .string()
    .regex(
        /^[A-Za-z][A-Za-z0-9_-]{0,31}$/,
        "must start with a letter and use only letters, digits, '-' and '_' (1-32 characters)",
    );

/** Heap sizes in MiB. The defaults fit a 2-master/2-slave cluster per colour on a 2-core, 24 GiB machine. */
const heapSchema = z
    .object({
        brokerMb: intRange(128, 32768).default(256),
        proxyMb: intRange(128, 8192).default(256),
    })
    .strict();

/** One RocketMQ cluster: the running one (blue) or the target one (green). */
export const clusterSpecSchema = z
    .object({
        version: versionText,
        clusterName: clusterName,
        brokerGroups: intRange(1, 8).default(2),
        slavesPerGroup: intRange(0, 2).default(1),
        /** Defaults to 1 on 5.1+ and 0 below (see proxyCount). */
        proxies: intRange(0, 4).optional(),
        /** The first of the ports this cluster uses on the local platform; defaults differ per colour. */
        basePort: intRange(1024, 65535 - PORT_SPAN).optional(),
        brokerRole: z.enum(["SYNC_MASTER", "ASYNC_MASTER"]).default("SYNC_MASTER"),
        flushDiskType: z.enum(["SYNC_FLUSH", "ASYNC_FLUSH"]).default("SYNC_FLUSH"),
        heap: heapSchema.default({ brokerMb: 256, proxyMb: 256 }),
        /**
         * Extra broker.conf entries (e.g. sendMessageThreadPoolNums). Keys the
         * cluster's version does not know are refused at preview; the keys this
         * program owns (identity, role, ports, paths) cannot be overridden.
         */
        brokerConfig: z
            .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
            .default({})
            .refine((extra) => Object.keys(extra).every((k) => !RESERVED_BROKER_KEYS.includes(k)), {
                message: `must not set keys this program manages: ${RESERVED_BROKER_KEYS.join(", ")}`,
            }),
    })
    .strict();

export type { ClusterSpec };
/** The schema parses into the domain's ClusterSpec, no more and no less: a key added on one side fails to compile. */
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const clusterSpecMatchesDomain: SameShape<z.infer<typeof clusterSpecSchema>, ClusterSpec> = true;
void clusterSpecMatchesDomain;

export const DEFAULT_CANARY_STAGES = [10, 30, 50, 100];

/** Local-platform base ports when the config names none: far enough apart for PORT_SPAN each. */
export const DEFAULT_BASE_PORTS = { blue: 20000, green: 21000 } as const;

/** The base port a colour's cluster uses. */
export function basePortOf(cfg: StackConfig, colour: "blue" | "green"): number {
    return cfg[colour]?.basePort ?? DEFAULT_BASE_PORTS[colour];
}

/** The two colours' port ranges must not overlap, or their processes would collide on one machine. */
export function checkPortRanges(blueBase: number, greenBase: number): string | undefined {
    if (Math.abs(blueBase - greenBase) >= PORT_SPAN) {
        return undefined;
    }
    return (
        `${CONFIG_NAMESPACE}:green.basePort = ${greenBase}: each cluster uses ${PORT_SPAN} ports from its base, ` +
        `so it must be at least ${PORT_SPAN} away from blue.basePort (${blueBase})`
    );
}

/** The name servers both colours register with (shared routing). */
const nameServerSchema = z
    .object({
        /**
         * The release they run. Defaults to green's (blue's when there is no
         * green): they are upgraded in place, one at a time, before green's
         * brokers register.
         */
        version: versionText.optional(),
        count: intRange(1, 5).default(2),
        /** On the local platform they listen on basePort, basePort+1, ... */
        basePort: intRange(1024, 65535 - 5).default(19876),
        /** Isolated routing: green's own name servers listen from here (default basePort + 10). */
        greenBasePort: intRange(1024, 65535 - 5).optional(),
        heapMb: intRange(64, 8192).default(128),
    })
    .strict();

/** Isolated routing's address server (RocketMQ's `rocketmq.namesrv.domain`). */
const addressServerSchema = z
    .object({
        /** On the local platform it listens on 127.0.0.1:port. */
        port: intRange(1024, 65535).default(18080),
        /**
         * Retiring blue waits until no write has reached it for this long:
         * with isolated routing blue stays writable for clients that have
         * not polled since the weight reached 100.
         */
        quietSeconds: intRange(1, 3600).default(10),
    })
    .strict();

export type AddressServerSpec = z.infer<typeof addressServerSchema>;

export type NameServerSpec = z.infer<typeof nameServerSchema> & { version: string };

/** A topic the stack manages on both colours. */
const topicSchema = z
    .object({
        name: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,127}$/, "must be 1-127 letters, digits, '-' or '_' (RocketMQ's topic rule)"),
        /** Read and write queues per master. */
        queues: intRange(1, 64).default(8),
        /**
         * Ordered (FIFO per sharding key): never split between colours. It moves
         * wholly at `orderedCutover`, behind a write pause of one route refresh
         * plus the time consumers need to drain it.
         */
        ordered: z.boolean().default(false),
    })
    .strict();

/** Promotion rules of `npm run promote` (scripts/promote.ts). */
const promotionSchema = z
    .object({
        /** How long a stage must have been held before the next one. */
        minSoakSeconds: intRange(0, 7 * 24 * 3600).default(300),
    })
    .strict();

/** How retirement treats messages no consumer group's lag shows: scheduled, transactional half, dead letters. */
const retirementSchema = z
    .object({
        /** Wait up to drainTimeoutSeconds for them to be delivered or settled, instead of refusing at once. */
        waitForPending: z.boolean().default(false),
        /** Dead letters hold retirement back; with false they are only named, and lost with blue. */
        deadLettersHold: z.boolean().default(true),
    })
    .strict();

const weight = intRange(WEIGHT_RANGE.min, WEIGHT_RANGE.max);

/** Limits of each broker's turn in a rolling upgrade (strategy "rolling"; operations/brokerTurn.ts). */
const rollingSchema = z
    .object({
        /** A master is not taken down while any slave of its group is further behind than this. */
        maxLagBytes: intRange(0, 1 << 30).default(DEFAULT_ROLL_SETTINGS.maxLagBytes),
        /** How long slaves get to hold everything their master holds once its writes stop; the roll stops after. */
        catchUpSeconds: intRange(5, 3600).default(DEFAULT_ROLL_SETTINGS.catchUpSeconds),
        /** How long producers get to leave a master whose write permission is gone (they re-read routes every 30 s). */
        writeStopSeconds: intRange(0, 600).default(DEFAULT_ROLL_SETTINGS.writeStopSeconds),
        /** How long consumers get to read what a master holds before it stops; the roll goes on after it. */
        consumerWaitSeconds: intRange(0, 3600).default(DEFAULT_ROLL_SETTINGS.consumerWaitSeconds),
    })
    .strict();

export type RollingSpec = z.infer<typeof rollingSchema>;

/** Where each backup is uploaded after it is taken (the local copy stays). */
const s3TargetSchema = z
    .object({
        bucket: bucketName,
        /** Each backup goes under `<prefix>/<clusterName>/<backupId>/`. */
        prefix: z
            .string()
            .regex(/^[A-Za-z0-9!_.*'()/-]{0,200}$/, "must be an S3 key prefix of safe characters")
            .default("rocketmq-backups"),
        region: awsRegion,
        /** An S3-compatible endpoint instead of AWS's, e.g. a local emulator (path-style addressing). */
        endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    })
    .strict();

export type S3TargetSpec = z.infer<typeof s3TargetSchema>;

/** Backup settings (the seed's §3.1.1). */
const backupSchema = z
    .object({
        includeStore: z.boolean().default(false),
        retentionDays: intRange(1, 365).default(7),
        /**
         * Seconds per baseline run (1 KiB messages, 10 threads); 0 skips the baseline. The benchmark tool reports
         * only after 10 s of sends, so a shorter run would silently take 10 s.
         */
        baselineSeconds: intRange(0, 600)
            .refine((s) => s === 0 || s >= 10, {
                error: "must be 0 (no baseline) or from 10 to 600: the benchmark tool reports only after 10 s of sends",
            })
            .default(10),
        /** Upload each backup, manifest included, to S3; a failed upload fails the backup. */
        s3: s3TargetSchema.optional(),
    })
    .strict();

/** Verification thresholds (the seed's §3.3). */
const verificationSchema = z
    .object({
        maxReplicationLagBytes: intRange(0, 1 << 30).default(DEFAULT_VERIFICATION.maxReplicationLagBytes),
        replicationWaitSeconds: intRange(1, 600).default(DEFAULT_VERIFICATION.replicationWaitSeconds),
        consumerSampleSeconds: intRange(1, 300).default(DEFAULT_VERIFICATION.consumerSampleSeconds),
        consumerDiffSlack: intRange(0, 100_000_000).default(DEFAULT_VERIFICATION.consumerDiffSlack),
        /**
         * Allowed relative TPS drop and latency rise against the baseline (0.3 = 30 %);
         * negative demands an improvement. Small shared machines need a wide one.
         */
        // coerce: `pulumi config set --path` stores fractions as strings.
        baselineTolerance: z.coerce
            .number({ error: "must be a number from -0.99 to 10" })
            .min(-0.99, { error: "must be a number from -0.99 to 10" })
            .max(10, { error: "must be a number from -0.99 to 10" })
            .default(DEFAULT_BASELINE_TOLERANCE),
    })
    .strict();

const stackConfigSchema = z
    .object({
        /**
         * "local": JVMs on this machine's loopback (the embedded stack). "kubernetes": rendered objects and Jobs.
         * "hosts": processes on the machines named in `hosts`, reached over SSH (config/hostsConfig.ts).
         */
        platform: z.enum(["local", "kubernetes", "hosts"]).default("local"),
        /** Platform "hosts": the machines, by name. */
        hosts: hostsSchema.optional(),
        /** Platform "hosts": which machine each name server, broker and proxy runs on. */
        placement: placementSchema.optional(),
        /** Platform "kubernetes": namespaces, images, storage and resources (config/kubernetesConfig.ts). */
        kubernetes: kubernetesSchema.optional(),
        /** AWS: the backup bucket and isolated routing's weighted DNS (config/awsConfig.ts). */
        aws: awsSchema.optional(),
        /**
         * "blue-green": green is a second cluster and the weight moves traffic.
         * "rolling": blue is upgraded in place, one broker at a time, when
         * blue.version changes.
         */
        strategy: z.enum(["blue-green", "rolling"]).default("blue-green"),
        rolling: rollingSchema.default({ ...DEFAULT_ROLL_SETTINGS }),
        /**
         * How clients reach green. "shared": both colours register with the
         * same name servers and the weight moves write queues. "isolated":
         * each colour has its own name servers and the address server
         * answers trafficWeight percent of client instances green.
         */
        routing: z.enum(["shared", "isolated"]).default("shared"),
        addressServer: addressServerSchema.optional(),
        nameServer: nameServerSchema.default({ count: 2, basePort: 19876, heapMb: 128 }),
        /** The running cluster; on platform "hosts" it may be one started by hand, taken over with `adopt`. */
        blue: clusterSpecSchema.extend({ adopt: adoptSchema.optional() }),
        /** The target cluster; leave it out when no upgrade is under way. */
        green: clusterSpecSchema.optional(),
        trafficWeight: weight.default(0),
        topics: z.array(topicSchema).default([]),
        /** Consumer groups created on both colours (with their retry topics). */
        consumerGroups: z.array(z.string().regex(/^[A-Za-z0-9_%|-]{1,255}$/, "must be a valid group name")).default([]),
        /** The stage at which ordered topics move to green; it must be one of canaryStages. */
        orderedCutover: intRange(1, 100).default(100),
        promotion: promotionSchema.default({ minSoakSeconds: 300 }),
        /**
         * After 100 %: stop blue's brokers once every consumer group has read
         * everything on them. Then green becomes the new blue (README.md).
         */
        retireBlue: z.boolean().default(false),
        retirement: retirementSchema.default({ waitForPending: false, deadLettersHold: true }),
        /** How long retiring blue (or moving an ordered topic) waits for consumers to drain before it is refused. */
        drainTimeoutSeconds: intRange(0, 24 * 3600).default(180),
        backup: backupSchema.default({ includeStore: false, retentionDays: 7, baselineSeconds: 10 }),
        verification: verificationSchema.default({
            maxReplicationLagBytes: DEFAULT_VERIFICATION.maxReplicationLagBytes,
            replicationWaitSeconds: DEFAULT_VERIFICATION.replicationWaitSeconds,
            consumerSampleSeconds: DEFAULT_VERIFICATION.consumerSampleSeconds,
            consumerDiffSlack: DEFAULT_VERIFICATION.consumerDiffSlack,
            baselineTolerance: DEFAULT_BASELINE_TOLERANCE,
        }),
        canaryStages: z
            .array(intRange(WEIGHT_RANGE.min + 1, WEIGHT_RANGE.max))
            .min(1)
            .default(DEFAULT_CANARY_STAGES)
            .refine((s) => s.every((w, i) => i === 0 || w > s[i - 1]), { message: "must be strictly increasing" })
            .refine((s) => s[s.length - 1] === WEIGHT_RANGE.max, { message: `must end at ${WEIGHT_RANGE.max}` }),
    })
    .strict();

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** Raised for any invalid stack config; its message is what the user sees at preview. */
export class StackConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid stack config:\n  - ${problems.join("\n  - ")}`);
        this.name = "StackConfigError";
    }
}

function keyPath(pathParts: ReadonlyArray<PropertyKey>): string {
    const [head, ...rest] = pathParts.map(String);
    const base = `${CONFIG_NAMESPACE}:${head ?? ""}`;
    return rest.length === 0 ? base : `${base}.${rest.join(".")}`;
}

function valueAt(raw: unknown, pathParts: ReadonlyArray<PropertyKey>): unknown {
    let cur: unknown = raw;
    for (const p of pathParts) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<PropertyKey, unknown>)[p];
    }
    return cur;
}

function describeIssue(raw: unknown, issue: z.core.$ZodIssue): string {
    const key = keyPath(issue.path);
    const value = valueAt(raw, issue.path);
    const shown = value === undefined ? "(not set)" : JSON.stringify(value);
    if (issue.code === "unrecognized_keys") {
        return `${key}: unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; allowed keys are listed in README.md`;
    }
    return `${key} = ${shown}: ${issue.message}`;
}

/**
 * The version jumps this tool performs are those in SUPPORTED_UPGRADES; any
 * other (a downgrade as the target, a jump the table does not cover) is
 * refused up front, naming what is allowed.
 */
export function checkVersionJump(blue: RocketMQVersion, green: RocketMQVersion): string | undefined {
    if (compareVersions(green, blue) < 0) {
        return `green.version ${green.text} is older than blue.version ${blue.text}; to roll back, lower trafficWeight instead of swapping versions`;
    }
    if (!supportedUpgrade(blue, green)) {
        const allowed = SUPPORTED_UPGRADES.map((u) => `${u.from.join("..")} -> ${u.to.join("..")}`).join(", ");
        return `upgrading ${blue.text} to ${green.text} is not a supported jump (supported: ${allowed})`;
    }
    return undefined;
}

/**
 * A SYNC_MASTER answers a send only once a slave holds the message, so a
 * group without slaves answers every send SLAVE_NOT_AVAILABLE: refused here,
 * at preview, instead of late in `up`'s verification. `roleSet` says whether
 * the config names the role or it is the default.
 */
export function checkBrokerRole(
    colour: "blue" | "green",
    spec: Pick<ClusterSpec, "brokerRole" | "slavesPerGroup">,
    roleSet: boolean,
): string | undefined {
    if (spec.brokerRole !== "SYNC_MASTER" || spec.slavesPerGroup > 0) {
        return undefined;
    }
    return (
        `${CONFIG_NAMESPACE}:${colour}.brokerRole = "SYNC_MASTER"${roleSet ? "" : " (the default)"} needs a slave, ` +
        `but ${CONFIG_NAMESPACE}:${colour}.slavesPerGroup = 0: set brokerRole to "ASYNC_MASTER" or slavesPerGroup ` +
        `to 1 or more`
    );
}

/** The traffic weight must be 0 or one of the canary stages, so every weight in use is a stage someone declared. */
export function checkWeightIsStage(trafficWeight: number, stages: readonly number[]): string | undefined {
    if (trafficWeight === 0 || stages.includes(trafficWeight)) {
        return undefined;
    }
    return `${CONFIG_NAMESPACE}:trafficWeight = ${trafficWeight}: must be 0 or one of canaryStages [${stages.join(", ")}]`;
}

/**
 * The (shared or blue's) name servers' release: the configured one, else the
 * newest colour's; with isolated routing blue's own.
 */
export function nameServerVersionOf(cfg: StackConfig): string {
    if (cfg.routing === "isolated") {
        return cfg.blue.version;
    }
    return cfg.nameServer.version ?? cfg.green?.version ?? cfg.blue.version;
}

/** Where isolated green's own name servers listen from. */
export function greenNameServerBasePort(cfg: StackConfig): number {
    return cfg.nameServer.greenBasePort ?? cfg.nameServer.basePort + 10;
}

/** The address server's settings with their defaults. */
export function addressServerOf(cfg: StackConfig): AddressServerSpec {
    return cfg.addressServer ?? { port: 18080, quietSeconds: 10 };
}

/** What isolated routing takes and refuses. */
function isolatedProblems(cfg: StackConfig): string[] {
    const problems: string[] = [];
    const key = `${CONFIG_NAMESPACE}:routing = "isolated"`;
    if (cfg.routing !== "isolated") {
        if (cfg.addressServer) {
            problems.push(
                `${CONFIG_NAMESPACE}:addressServer: only used with routing "isolated" (routing is "${cfg.routing}")`,
            );
        }
        if (cfg.nameServer.greenBasePort !== undefined) {
            problems.push(
                `${CONFIG_NAMESPACE}:nameServer.greenBasePort: only used with routing "isolated" (routing is "${cfg.routing}")`,
            );
        }
        return problems;
    }
    if (cfg.strategy === "rolling") {
        problems.push(`${key}: needs strategy "blue-green"; the rolling strategy upgrades blue in place`);
    }
    if (cfg.nameServer.version !== undefined) {
        problems.push(
            `${CONFIG_NAMESPACE}:nameServer.version = "${cfg.nameServer.version}": with routing "isolated" each colour's ` +
                `name servers run that colour's release; remove nameServer.version`,
        );
    }
    const orderedTopics = cfg.topics.filter((t) => t.ordered).map((t) => t.name);
    if (orderedTopics.length > 0 && cfg.green) {
        problems.push(
            `${CONFIG_NAMESPACE}:topics: ordered topic(s) ${orderedTopics.join(", ")} with routing "isolated": a key's ` +
                `producers would write to both clusters during the move and its order would break; use routing "shared"`,
        );
    }
    const ranges: Array<[string, number, number]> = [
        ["nameServer.basePort", cfg.nameServer.basePort, cfg.nameServer.basePort + cfg.nameServer.count - 1],
        [
            "nameServer.greenBasePort",
            greenNameServerBasePort(cfg),
            greenNameServerBasePort(cfg) + cfg.nameServer.count - 1,
        ],
        ["addressServer.port", addressServerOf(cfg).port, addressServerOf(cfg).port],
    ];
    for (const colour of ["blue", "green"] as const) {
        if (cfg[colour]) {
            ranges.push([`${colour}.basePort`, basePortOf(cfg, colour), basePortOf(cfg, colour) + PORT_SPAN - 1]);
        }
    }
    for (let i = 1; i < 3; i++) {
        const [name, first, last] = ranges[i];
        const clash = ranges.find(([other, a, b], j) => j !== i && other !== name && first <= b && a <= last);
        if (clash) {
            problems.push(
                `${CONFIG_NAMESPACE}:${name} = ${first}: its ports ${first}-${last} overlap ${clash[0]}'s ${clash[1]}-${clash[2]}`,
            );
        }
    }
    return problems;
}

/**
 * The seed's pre-flight rule: name servers run 5.1 or later before any 5.x
 * broker registers with them (older name servers do not take 5.x brokers'
 * registration data).
 */
export function checkNameServerVersion(cfg: StackConfig): string | undefined {
    if (cfg.routing === "isolated") {
        // Each colour's name servers run that colour's own release.
        return undefined;
    }
    const ns = parseVersion(nameServerVersionOf(cfg))!;
    for (const colour of ["blue", "green"] as const) {
        const spec = cfg[colour];
        if (spec && !nameServerTakesBroker(ns, parseVersion(spec.version)!)) {
            return (
                `${CONFIG_NAMESPACE}:nameServer.version = "${ns.text}": ${colour}.version ${spec.version} brokers register ` +
                `with the shared name servers, so they must run ${FIVE_X_NAME_SERVER_FLOOR} or newer`
            );
        }
    }
    return undefined;
}

/** The name servers' ports must not fall inside either colour's port range. */
export function checkNameServerPorts(cfg: StackConfig): string | undefined {
    const first = cfg.nameServer.basePort;
    const last = first + cfg.nameServer.count - 1;
    for (const colour of ["blue", "green"] as const) {
        if (!cfg[colour]) {
            continue;
        }
        const base = basePortOf(cfg, colour);
        if (last >= base && first < base + PORT_SPAN) {
            return (
                `${CONFIG_NAMESPACE}:nameServer.basePort = ${first}: the name servers' ports ${first}-${last} ` +
                `overlap ${colour}'s ports ${base}-${base + PORT_SPAN - 1}`
            );
        }
    }
    return undefined;
}

/** What the rolling strategy does not take: it upgrades blue in place. */
function rollingProblems(cfg: StackConfig): string[] {
    const problems: string[] = [];
    const why = `the rolling strategy upgrades blue in place: change blue.version instead`;
    if (cfg.green) {
        problems.push(`${CONFIG_NAMESPACE}:green: must not be set with strategy "rolling"; ${why}`);
    }
    if (cfg.trafficWeight !== 0) {
        problems.push(
            `${CONFIG_NAMESPACE}:trafficWeight = ${cfg.trafficWeight}: must be 0 with strategy "rolling"; ${why}`,
        );
    }
    if (cfg.retireBlue) {
        problems.push(`${CONFIG_NAMESPACE}:retireBlue = true: must be false with strategy "rolling"; ${why}`);
    }
    return problems;
}

/** Weight, cutover and retirement settings of blue-green that only make sense together. */
function blueGreenProblems(cfg: StackConfig): string[] {
    const problems: string[] = [];
    if (!cfg.green && cfg.trafficWeight !== 0) {
        problems.push(
            `${CONFIG_NAMESPACE}:trafficWeight = ${cfg.trafficWeight}: must be 0 while no green cluster is declared`,
        );
    }
    const stage = checkWeightIsStage(cfg.trafficWeight, cfg.canaryStages);
    if (stage) {
        problems.push(stage);
    }
    if (!cfg.canaryStages.includes(cfg.orderedCutover)) {
        problems.push(
            `${CONFIG_NAMESPACE}:orderedCutover = ${cfg.orderedCutover}: must be one of canaryStages [${cfg.canaryStages.join(", ")}]`,
        );
    }
    if (cfg.retireBlue && (!cfg.green || cfg.trafficWeight !== 100)) {
        problems.push(
            `${CONFIG_NAMESPACE}:retireBlue = true: blue can only be retired at trafficWeight 100 with a green cluster ` +
                `(trafficWeight is ${cfg.trafficWeight}${cfg.green ? "" : ", green is not declared"})`,
        );
    }
    return problems;
}

/** The kubernetes block with its defaults. */
export function kubernetesOf(cfg: StackConfig): KubernetesSpec {
    return cfg.kubernetes ?? defaultKubernetesSpec();
}

/** The kubernetes block belongs to platform "kubernetes", and its limits must hold the configured heaps. */
function platformProblems(cfg: StackConfig, sshKey: SshKeyState): string[] {
    if (cfg.platform === "hosts") {
        return hostsPlatformProblems(cfg, sshKey);
    }
    const hostKeys = [
        ...(["hosts", "placement"] as const).filter((k) => cfg[k] !== undefined),
        ...(cfg.blue.adopt ? ["blue.adopt"] : []),
    ];
    if (hostKeys.length > 0) {
        return hostKeys.map(
            (k) => `${CONFIG_NAMESPACE}:${k}: only used with platform "hosts" (platform is "${cfg.platform}")`,
        );
    }
    if (cfg.platform !== "kubernetes") {
        return cfg.kubernetes
            ? [`${CONFIG_NAMESPACE}:kubernetes: only used with platform "kubernetes" (platform is "${cfg.platform}")`]
            : [];
    }
    const problems: string[] = [];
    for (const colour of ["blue", "green"] as const) {
        const name = cfg[colour]?.clusterName;
        // Object names, DNS names and (namespacePerCluster) a namespace are made from the cluster name.
        if (name !== undefined && !/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/.test(name)) {
            problems.push(
                `${CONFIG_NAMESPACE}:${colour}.clusterName = "${name}": on platform "kubernetes" it names objects and ` +
                    `DNS records, so it must be lowercase letters, digits and '-', starting with a letter`,
            );
        }
    }
    if (cfg.backup.includeStore) {
        problems.push(
            `${CONFIG_NAMESPACE}:backup.includeStore = true: on platform "kubernetes" backups hold metadata and ` +
                `configs; a copy of the brokers' stores needs volume snapshots, which this program does not take`,
        );
    }
    if (cfg.backup.baselineSeconds > 0) {
        problems.push(
            `${CONFIG_NAMESPACE}:backup.baselineSeconds = ${cfg.backup.baselineSeconds}: must be 0 on platform ` +
                `"kubernetes" (the performance baseline runs on the local platform only)`,
        );
    }
    const heaps: Parameters<typeof kubernetesProblems>[1][number][] = [
        { key: "nameServer.heapMb", heapMb: cfg.nameServer.heapMb, piece: "nameServer" },
    ];
    for (const colour of ["blue", "green"] as const) {
        const spec = cfg[colour];
        if (spec) {
            heaps.push({ key: `${colour}.heap.brokerMb`, heapMb: spec.heap.brokerMb, piece: "broker" });
            if (proxyCount(spec) > 0) {
                heaps.push({ key: `${colour}.heap.proxyMb`, heapMb: spec.heap.proxyMb, piece: "proxy" });
            }
        }
    }
    return [...problems, ...kubernetesProblems(kubernetesOf(cfg), heaps, CONFIG_NAMESPACE)];
}

/** Whether the stack config holds the SSH private key, and whether it is a secret. */
export type SshKeyState = "absent" | "secret" | "plain";

/** Each colour's plan and the name servers', placed on the configured hosts; or the problems. Pure. */
export function hostsPlacementOf(cfg: StackConfig): {
    problems: string[];
    nameServers?: ReturnType<typeof planNameServers>;
    colours: Partial<Record<"blue" | "green", ReturnType<typeof planCluster>>>;
    hostOf: HostOf;
} {
    const hosts = hostSpecs(cfg.hosts ?? {});
    const placement = cfg.placement!;
    const key = `${CONFIG_NAMESPACE}:placement`;
    const ns = placeNameServers(placement.nameServers, hosts, `${key}.nameServers`);
    const problems = [...ns.problems];
    const colours: Partial<Record<"blue" | "green", ReturnType<typeof planCluster>>> = {};
    let hostOf: HostOf = { ...ns.value?.hostOf };
    for (const colour of ["blue", "green"] as const) {
        const spec = cfg[colour];
        const where = placement[colour];
        if (!spec) {
            if (where) {
                problems.push(`${key}.green: there is no green cluster to place (green is not declared)`);
            }
            continue;
        }
        if (colour === "blue" && cfg.blue.adopt) {
            if (where) {
                problems.push(
                    `${key}.blue: leave it out when blue.adopt is set: the adopted brokers stay on the hosts ` +
                        "blue.adopt.brokers names",
                );
            }
            continue;
        }
        if (!where) {
            problems.push(`${key}.${colour}: required on platform "hosts" while ${colour} is declared`);
            continue;
        }
        if (!ns.value) {
            continue;
        }
        const plan = planCluster(spec, basePortOf(cfg, colour), ns.value.nameServers);
        const placed = placeCluster(plan, colourPlacement(where), hosts, `${key}.${colour}`);
        problems.push(...placed.problems);
        if (placed.value) {
            colours[colour] = placed.value.plan;
            hostOf = { ...hostOf, ...placed.value.hostOf };
        }
    }
    if (problems.length === 0 && ns.value) {
        problems.push(
            ...hostPortCollisions(Object.values(colours), ns.value.nameServers, hostOf).map((p) => `${key}: ${p}`),
        );
    }
    return { problems, nameServers: ns.value?.nameServers, colours, hostOf };
}

/** The hosts platform's rules: the machines and the key, and every process placed on a listed machine. */
function hostsPlatformProblems(cfg: StackConfig, sshKey: SshKeyState): string[] {
    const problems: string[] = [];
    if (cfg.kubernetes) {
        problems.push(`${CONFIG_NAMESPACE}:kubernetes: only used with platform "kubernetes" (platform is "hosts")`);
    }
    if (!cfg.hosts || Object.keys(cfg.hosts).length === 0) {
        problems.push(`${CONFIG_NAMESPACE}:hosts: required on platform "hosts": list the machines, by name`);
    }
    if (!cfg.placement) {
        problems.push(
            `${CONFIG_NAMESPACE}:placement: required on platform "hosts": name the host of each name server and broker`,
        );
    }
    if (problems.length > 0) {
        return problems;
    }
    problems.push(
        ...hostsProblems(
            cfg.hosts!,
            sshKey === "absent" ? undefined : sshKey === "secret",
            CONFIG_NAMESPACE,
            cfg.blue.adopt,
        ),
        ...adoptProblems(cfg),
    );
    if (cfg.routing === "isolated") {
        problems.push(
            `${CONFIG_NAMESPACE}:routing = "isolated": not available on platform "hosts" yet (each colour's own name ` +
                `servers and the address server are placed on this machine and Kubernetes only); use "shared"`,
        );
    }
    if (cfg.placement!.nameServers.length !== cfg.nameServer.count) {
        problems.push(
            `${CONFIG_NAMESPACE}:placement.nameServers lists ${cfg.placement!.nameServers.length} host(s) but ` +
                `nameServer.count is ${cfg.nameServer.count}: list one host per name server`,
        );
    }
    return [...problems, ...hostsPlacementOf(cfg).problems];
}

/**
 * What adoption needs of the rest of the config: the running name servers listed where placement.nameServers puts
 * them, at RocketMQ's default port. Either strategy then applies to the adopted cluster as to one the tool made.
 */
function adoptProblems(cfg: StackConfig): string[] {
    const adopt = cfg.blue.adopt;
    if (!adopt) {
        return [];
    }
    const key = `${CONFIG_NAMESPACE}:blue.adopt`;
    const problems: string[] = [];
    const nsHosts = cfg.placement!.nameServers;
    const port = HOST_DEFAULT_PORTS.nameServer;
    if (adopt.nameServers.length !== nsHosts.length) {
        problems.push(
            `${key}.nameServers lists ${adopt.nameServers.length} name server(s) and placement.nameServers ` +
                `${nsHosts.length}: list the running name servers, and their hosts in the same order`,
        );
    } else {
        adopt.nameServers.forEach((entry, i) => {
            const expected = `${cfg.hosts![nsHosts[i]]?.address}:${port}`;
            if (entry !== expected) {
                problems.push(
                    `${key}.nameServers[${i}] = "${entry}": placement.nameServers[${i}] is host ${nsHosts[i]}, so ` +
                        `it must be "${expected}" (running name servers are adopted at RocketMQ's default port)`,
                );
            }
        });
    }
    return problems;
}

/** The AWS pieces' cross-key rules. */
function awsProblems(cfg: StackConfig): string[] {
    const problems: string[] = [];
    const aws = cfg.aws;
    const bucket = aws?.backupBucket;
    const s3 = cfg.backup.s3;
    if (bucket && s3 && s3.bucket !== bucket.name) {
        problems.push(
            `${CONFIG_NAMESPACE}:backup.s3.bucket = "${s3.bucket}": must be aws.backupBucket.name ("${bucket.name}"), ` +
                `the bucket this stack declares and hardens`,
        );
    }
    if (bucket && s3 && s3.region !== aws.region) {
        problems.push(
            `${CONFIG_NAMESPACE}:backup.s3.region = "${s3.region}": must be aws.region ("${aws.region}"), where the bucket is`,
        );
    }
    const dns = aws?.dns;
    if (!dns) {
        return problems;
    }
    if (cfg.routing !== "isolated") {
        problems.push(
            `${CONFIG_NAMESPACE}:aws.dns: only used with routing "isolated" (routing is "${cfg.routing}"); with shared ` +
                `routing both colours sit behind the same name servers`,
        );
    }
    if (proxyCount(cfg.blue) === 0) {
        problems.push(
            `${CONFIG_NAMESPACE}:aws.dns: blue (${cfg.blue.version}) runs no proxy, so 5.x gRPC clients have nothing to ` +
                `dial on blue; weighted DNS needs proxies on both colours (blue.proxies, 5.1 or newer)`,
        );
    }
    if (cfg.green && !dns.endpoints.green) {
        problems.push(`${CONFIG_NAMESPACE}:aws.dns.endpoints.green: required while a green cluster is declared`);
    }
    if (dns.endpoints.green && recordType(dns.endpoints.blue) !== recordType(dns.endpoints.green)) {
        problems.push(
            `${CONFIG_NAMESPACE}:aws.dns.endpoints: blue "${dns.endpoints.blue}" and green "${dns.endpoints.green}" must ` +
                `both be DNS names or both IPv4 addresses (Route53 weights records of one type)`,
        );
    }
    return problems;
}

/** Settings that only make sense together. */
export function rolloutProblems(cfg: StackConfig, sshKey: SshKeyState = "absent"): string[] {
    const problems: string[] = [...platformProblems(cfg, sshKey), ...isolatedProblems(cfg), ...awsProblems(cfg)];
    problems.push(...(cfg.strategy === "rolling" ? rollingProblems(cfg) : blueGreenProblems(cfg)));
    const names = cfg.topics.map((t) => t.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
        problems.push(`${CONFIG_NAMESPACE}:topics: topic "${dup}" is declared twice`);
    }
    return problems;
}

/**
 * Parses the raw stack config (as an object of key → parsed JSON value) into a
 * typed, defaulted StackConfig. Throws StackConfigError listing every problem.
 */
export function parseStackConfig(withKey: Record<string, unknown>, sshKeyIsSecret = false): StackConfig {
    // The SSH key is read by the program as a secret, never as part of the parsed config.
    const { sshPrivateKey, ...raw } = withKey;
    const sshKey: SshKeyState = sshPrivateKey === undefined ? "absent" : sshKeyIsSecret ? "secret" : "plain";
    const result = stackConfigSchema.safeParse(raw);
    if (!result.success) {
        throw new StackConfigError(result.error.issues.map((i) => describeIssue(raw, i)));
    }
    const cfg = result.data;
    const problems: string[] = [];
    const green = cfg.green;
    if (green) {
        const jump = checkVersionJump(parseVersion(cfg.blue.version)!, parseVersion(green.version)!);
        if (jump) {
            problems.push(`${CONFIG_NAMESPACE}:green.version = "${green.version}": ${jump}`);
        }
        if (cfg.blue.clusterName === green.clusterName) {
            problems.push(
                `${CONFIG_NAMESPACE}:green.clusterName = "${green.clusterName}": must differ from blue.clusterName, so each colour stays addressable`,
            );
        }
        const ports = checkPortRanges(basePortOf(cfg, "blue"), basePortOf(cfg, "green"));
        if (ports) {
            problems.push(ports);
        }
    }
    for (const colour of ["blue", "green"] as const) {
        const spec = cfg[colour];
        const problem = spec ? clusterSpecProblem(spec) : undefined;
        if (problem) {
            problems.push(`${CONFIG_NAMESPACE}:${colour}.${problem}`);
        }
        const role = spec
            ? checkBrokerRole(colour, spec, valueAt(raw, [colour, "brokerRole"]) !== undefined)
            : undefined;
        if (role) {
            problems.push(role);
        }
    }
    problems.push(...rolloutProblems(cfg, sshKey));
    const nameServers = checkNameServerVersion(cfg);
    if (nameServers) {
        problems.push(nameServers);
    }
    const nsPorts = checkNameServerPorts(cfg);
    if (nsPorts) {
        problems.push(nsPorts);
    }
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
    return cfg;
}

/**
 * Turns Pulumi's flat config map ("project:key" → string) into the raw object
 * parseStackConfig takes. Structured values are stored as JSON and numbers set
 * with `pulumi config set` arrive as strings, so a value that parses as JSON is
 * taken as JSON and anything else as a plain string. Keys of other namespaces
 * are ignored; unknown keys of ours are kept so that the schema can name them.
 */
export function rawConfigFromAll(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
            continue;
        }
        const key = fullKey.slice(prefix.length);
        try {
            raw[key] = JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    return raw;
}
