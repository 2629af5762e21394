/**
 * The `kubernetes` block of the stack config (platform "kubernetes"): where
 * the clusters' objects go, which images they run, their storage and
 * resources. Quantities and image tags are checked here, so a typo fails at
 * preview naming the key instead of at apply time in the API server.
 */
import { z } from "zod";
import { intRange } from "./configRules";

/** Kubernetes' resource.Quantity grammar: a decimal number, then a binary or decimal suffix or an exponent. */
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTORS: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** A quantity's value in base units (bytes, or cores), or undefined when it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
    const match = QUANTITY.exec(text);
    if (!match) {
        return undefined;
    }
    const suffix = match[3] ?? "";
    const number = Number(match[1]);
    if (/^[eE]/.test(suffix)) {
        return number * 10 ** Number(suffix.slice(1));
    }
    return number * SUFFIX_FACTORS[suffix];
}

const quantityHelp = "a Kubernetes quantity such as 500m, 2, 4Gi or 200Gi";

/** A positive quantity, e.g. a CPU count or a memory size. */
const quantity = z.coerce
    .string()
    .refine((q) => (parseQuantity(q) ?? 0) > 0, { message: `must be ${quantityHelp}, above zero` });

/** A byte quantity: no fractions of a byte (a "m" suffix on memory or storage is always a typo). */
const byteQuantity = quantity.refine((q) => !q.endsWith("m") && Number.isInteger(parseQuantity(q)), {
    message: "must be a whole number of bytes with a binary suffix, e.g. 512Mi, 4Gi or 200Gi",
});

const computeSchema = z.object({ cpu: quantity, memory: byteQuantity }).strict();

/** Requests are what the scheduler reserves; limits are where the kubelet throttles (CPU) or kills (memory). */
const resourcesSchema = z.object({ requests: computeSchema, limits: computeSchema }).strict();

export type ResourcesSpec = z.infer<typeof resourcesSchema>;

/**
 * An image tag that names a release: it starts with a version (1.27, 1.27.3,
 * v1.27.3), optionally followed by a variant (1.27.3-alpine). Moving tags such
 * as `latest` or `stable` would make a preview lie about what runs.
 */
export const VERSION_TAG = /^v?\d+\.\d+(\.\d+)?([-.+][0-9A-Za-z.-]+)?$/;

/** `repository:tag` where the tag is a version. */
const imageWithVersionTag = z.string().refine(
    (image) => {
        const tag = image.includes(":") ? image.slice(image.lastIndexOf(":") + 1) : "";
        return !tag.includes("/") && VERSION_TAG.test(tag);
    },
    { message: "must be repository:tag with a version tag, e.g. nginx:1.27.3 (not latest or a bare repository)" },
);

/** A repository without a tag: the RocketMQ tag is always the cluster's version. */
const repositoryOnly = z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, {
    message: "must be a repository without a tag, e.g. apache/rocketmq: the tag is each cluster's version",
});

/** A DNS-1123 label: what Kubernetes accepts as a namespace name. */
const namespaceName = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS-1123 label: lowercase letters, digits and '-'");

function resources(cpu: string, memory: string, limitCpu = cpu, limitMemory = memory): ResourcesSpec {
    return { requests: { cpu, memory }, limits: { cpu: limitCpu, memory: limitMemory } };
}

const DEFAULT_RESOURCES = {
    nameServer: resources("500m", "2Gi", "1", "2Gi"),
    broker: resources("2", "16Gi", "4", "16Gi"),
    proxy: resources("1", "4Gi", "2", "4Gi"),
    addressServer: resources("100m", "128Mi", "500m", "128Mi"),
    job: resources("250m", "1Gi", "1", "1Gi"),
};

export const kubernetesSchema = z
    .object({
        /** Shared pieces (shared name servers, the address server, operation Jobs) and, without namespacePerCluster, everything. */
        namespace: namespaceName.default("rocketmq"),
        /**
         * Each cluster in a namespace named after its clusterName (a colour's own
         * namespace). Off: one namespace, the colours told apart by their
         * `app.kubernetes.io/instance` label.
         */
        namespacePerCluster: z.boolean().default(true),
        /** Prefix for every image, e.g. a mirror `registry.example.com/mirror`; empty uses the runtime's default registry. */
        imageRegistry: z
            .string()
            .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "must be host[:port][/path] without a scheme")
            .optional(),
        images: z
            .object({
                /** The official RocketMQ image; each cluster runs the tag of its own version. */
                rocketmq: repositoryOnly.default("apache/rocketmq"),
                /** Isolated routing's address server (nginx). */
                addressServer: imageWithVersionTag.default("nginx:1.27.3"),
                /** Uploads backups when backup.s3 is set. */
                awsCli: imageWithVersionTag.default("amazon/aws-cli:2.22.35"),
            })
            .strict()
            .default({ rocketmq: "apache/rocketmq", addressServer: "nginx:1.27.3", awsCli: "amazon/aws-cli:2.22.35" }),
        /**
         * The service account backup Jobs run as: with backup.s3 it carries the
         * AWS role (e.g. IRSA) allowed to write the bucket. Unset: the namespace's default.
         */
        backupServiceAccount: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a DNS-1123 subdomain")
            .optional(),
        /** Storage class of brokers' and backups' claims; unset uses the cluster's default class. */
        storageClass: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a DNS-1123 subdomain")
            .optional(),
        storage: z
            .object({
                /** Each broker's claim (commit log, consume queues, index). */
                broker: byteQuantity.default("200Gi"),
                /** The claim backups are written to. */
                backup: byteQuantity.default("20Gi"),
            })
            .strict()
            .default({ broker: "200Gi", backup: "20Gi" }),
        resources: z
            .object({
                nameServer: resourcesSchema.default(DEFAULT_RESOURCES.nameServer),
                broker: resourcesSchema.default(DEFAULT_RESOURCES.broker),
                proxy: resourcesSchema.default(DEFAULT_RESOURCES.proxy),
                addressServer: resourcesSchema.default(DEFAULT_RESOURCES.addressServer),
                /** Backup, verification, traffic and roll Jobs (mqadmin). */
                job: resourcesSchema.default(DEFAULT_RESOURCES.job),
            })
            .strict()
            .default(DEFAULT_RESOURCES),
        /** Replicas of isolated routing's address server: two keep it answering while a weight change rolls it. */
        addressServerReplicas: intRange(1, 10).default(2),
        /**
         * Spreading a broker group's master and slaves across zones: "required"
         * refuses to schedule them in one zone, "preferred" tries. Across nodes
         * it is always required.
         */
        zoneSpread: z.enum(["required", "preferred"]).default("preferred"),
        /** The kubeconfig context to deploy to; unset uses the current one. */
        context: z.string().min(1).optional(),
        /**
         * Write every manifest into this directory instead of applying it (the
         * provider's renderYamlToDirectory): no cluster is contacted.
         */
        renderYamlToDirectory: z.string().min(1).optional(),
    })
    .strict();

export type KubernetesSpec = z.infer<typeof kubernetesSchema>;

/** The block's defaults, for a kubernetes stack that leaves it out. */
export function defaultKubernetesSpec(): KubernetesSpec {
    return kubernetesSchema.parse({});
}

/**
 * Cross-key rules: a limit below its request, or a JVM heap that cannot fit
 * its container's memory limit (the kernel would kill the broker under load).
 */
export function kubernetesProblems(
    spec: KubernetesSpec,
    heaps: ReadonlyArray<{ key: string; heapMb: number; piece: keyof KubernetesSpec["resources"] }>,
    configNamespace: string,
): string[] {
    const problems: string[] = [];
    for (const [piece, r] of Object.entries(spec.resources)) {
        for (const kind of ["cpu", "memory"] as const) {
            if (parseQuantity(r.limits[kind])! < parseQuantity(r.requests[kind])!) {
                problems.push(
                    `${configNamespace}:kubernetes.resources.${piece}.limits.${kind} = "${r.limits[kind]}": ` +
                        `must be at least the request (${r.requests[kind]})`,
                );
            }
        }
    }
    for (const h of heaps) {
        const limitMb = parseQuantity(spec.resources[h.piece].limits.memory)! / 2 ** 20;
        // The JVM needs room beyond its heap: direct buffers, metaspace, thread stacks.
        const maxHeapMb = Math.floor(limitMb * 0.75);
        if (h.heapMb > maxHeapMb) {
            problems.push(
                `${configNamespace}:${h.key} = ${h.heapMb}: must be at most ${maxHeapMb} (75% of ` +
                    `kubernetes.resources.${h.piece}.limits.memory = "${spec.resources[h.piece].limits.memory}")`,
            );
        }
    }
    if (spec.renderYamlToDirectory !== undefined && spec.context !== undefined) {
        problems.push(
            `${configNamespace}:kubernetes.context = "${spec.context}": renderYamlToDirectory contacts no cluster; remove one of them`,
        );
    }
    return problems;
}
