/**
 * The Kubernetes objects of a RocketMQ cluster as plain data: names,
 * addresses, labels, pod templates, probes, affinity. Pure, so the unit tests
 * can check every field without a cluster, and the platform only wires them
 * into resources.
 */
import { createHash } from "crypto";
import type * as k8s from "@pulumi/kubernetes";
import type { KubernetesSpec, ResourcesSpec } from "../../../config/kubernetesConfig";
import type { Addressing } from "../../../domain/clusterPlan";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Affinity = k8s.types.input.core.v1.Affinity;
type Probe = k8s.types.input.core.v1.Probe;

/** The ports RocketMQ listens on inside a pod: each pod has its own address, so they are RocketMQ's defaults. */
export const PORTS = {
    nameServer: 9876,
    /** The broker's remoting port; it also takes port-2 (the VIP channel). */
    broker: 10911,
    brokerHa: 10912,
    proxyRemoting: 8080,
    proxyGrpc: 8081,
    addressServer: 8080,
} as const;

/** Where the official image's RocketMQ keeps what a pod mounts. */
export const PATHS = {
    config: "/etc/rocketmq",
    store: "/home/rocketmq/store",
    backups: "/backups",
} as const;

/** The UID and GID the official RocketMQ image runs as. */
export const ROCKETMQ_UID = 3000;

/** Label keys this program puts on every object (the Kubernetes recommended labels). */
export const LABEL = {
    name: "app.kubernetes.io/name",
    instance: "app.kubernetes.io/instance",
    component: "app.kubernetes.io/component",
    version: "app.kubernetes.io/version",
    partOf: "app.kubernetes.io/part-of",
    managedBy: "app.kubernetes.io/managed-by",
    brokerName: "rocketmq.apache.org/broker-name",
    brokerId: "rocketmq.apache.org/broker-id",
} as const;

export type Component = "nameserver" | "broker" | "proxy" | "address-server" | "operation";

/** Where each cluster's objects live. */
export class Placement {
    constructor(private readonly spec: KubernetesSpec) {}

    /** The namespace of the shared pieces: shared name servers, the address server, operation Jobs, backups. */
    get shared(): string {
        return this.spec.namespace;
    }

    /** A cluster's namespace: its own (named after it) or the shared one. */
    ofCluster(clusterName: string): string {
        return this.spec.namespacePerCluster ? clusterName : this.spec.namespace;
    }

    /** Every namespace in use, shared first. */
    all(clusterNames: readonly string[]): string[] {
        return [...new Set([this.shared, ...clusterNames.map((c) => this.ofCluster(c))])];
    }

    /** Stable DNS names: a StatefulSet pod's through its headless Service, a proxy's through its Service. */
    addressing(): Addressing {
        return {
            nameServer: (setName, index) => `${setName}-${index}.${setName}.${this.shared}.svc:${PORTS.nameServer}`,
            broker: (cluster, name) => `${brokerHost(this.ofCluster(cluster), cluster, name)}:${PORTS.broker}`,
            proxy: (cluster) => `${proxyServiceName(cluster)}.${this.ofCluster(cluster)}.svc:${PORTS.proxyGrpc}`,
        };
    }
}

/** The headless Service every broker pod of a cluster is named through. */
export function brokerServiceName(clusterName: string): string {
    return `${clusterName}-brokers`;
}

export function proxyServiceName(clusterName: string): string {
    return `${clusterName}-proxy`;
}

/** The broker's pod DNS name: each broker is a one-pod StatefulSet named after it, so its pod is `<name>-0`. */
export function brokerHost(namespace: string, clusterName: string, brokerProcessName: string): string {
    return `${brokerProcessName}-0.${brokerServiceName(clusterName)}.${namespace}.svc`;
}

/** `registry/repository:tag`, the registry prefix only when configured. */
export function imageRef(spec: KubernetesSpec, repositoryAndTag: string): string {
    return spec.imageRegistry ? `${spec.imageRegistry}/${repositoryAndTag}` : repositoryAndTag;
}

/** The official RocketMQ image of a release: its tag is the version. */
export function rocketmqImage(spec: KubernetesSpec, version: string): string {
    return imageRef(spec, `${spec.images.rocketmq}:${version}`);
}

export function labels(
    component: Component,
    instance: string,
    version: string,
    extra: Record<string, string> = {},
): Record<string, string> {
    return {
        [LABEL.name]: "rocketmq",
        [LABEL.instance]: instance,
        [LABEL.component]: component,
        [LABEL.version]: version,
        [LABEL.partOf]: "rocketmq-upgrade",
        [LABEL.managedBy]: "pulumi",
        ...extra,
    };
}

/**
 * What selects a workload's pods: labels that never change over its life (a
 * StatefulSet's selector is immutable, so the version label stays out).
 */
export function selectorOf(all: Record<string, string>): Record<string, string> {
    const { [LABEL.version]: _version, [LABEL.managedBy]: _managedBy, ...rest } = all;
    return rest;
}

/** A short content hash: put on a pod template, a config change rolls the pods. */
export function contentHash(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}

export function toResources(r: ResourcesSpec): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/** Non-root, no privilege escalation, no capabilities, the runtime's default seccomp profile. */
export function podSecurity(uid: number): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function containerSecurity(): k8s.types.input.core.v1.SecurityContext {
    return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true };
}

/** Ready once the port takes connections; restarted only after a long silence (a broker replays its store at start). */
export function tcpProbes(
    port: number,
    startupSeconds: number,
): Pick<Container, "readinessProbe" | "livenessProbe" | "startupProbe"> {
    const tcp = (extra: Partial<Probe>): Probe => ({ tcpSocket: { port }, timeoutSeconds: 3, ...extra });
    return {
        startupProbe: tcp({ periodSeconds: 5, failureThreshold: Math.ceil(startupSeconds / 5) }),
        readinessProbe: tcp({ periodSeconds: 5, failureThreshold: 3 }),
        livenessProbe: tcp({ periodSeconds: 15, failureThreshold: 4 }),
    };
}

/**
 * Pods sharing `matchLabels` (a broker group's master and slaves, a name-server
 * set) never share a node; across zones as configured. A node or zone loss
 * then takes one member of a group, never the group.
 */
export function spreadAffinity(matchLabels: Record<string, string>, zoneSpread: "required" | "preferred"): Affinity {
    const term = (topologyKey: string) => ({ labelSelector: { matchLabels }, topologyKey });
    const zone = term("topology.kubernetes.io/zone");
    return {
        podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
                term("kubernetes.io/hostname"),
                ...(zoneSpread === "required" ? [zone] : []),
            ],
            ...(zoneSpread === "preferred"
                ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: zone }] }
                : {}),
        },
    };
}

/** The JVM heap through the official image's start scripts (they append JAVA_OPT_EXT last, so it wins). */
export function heapEnv(heapMb: number): k8s.types.input.core.v1.EnvVar {
    return { name: "JAVA_OPT_EXT", value: `-Xms${heapMb}m -Xmx${heapMb}m` };
}

/** A RocketMQ server container: the image's own start script, with its config from a ConfigMap. */
export function rocketmqContainer(args: {
    name: string;
    image: string;
    /** The start script under $ROCKETMQ_HOME/bin, e.g. mqbroker. */
    script: string;
    /** Its arguments, already shell-quoted. */
    args: string;
    heapMb: number;
    ports: { name: string; containerPort: number }[];
    probePort: number;
    startupSeconds: number;
    resources: ResourcesSpec;
    mounts: { name: string; mountPath: string; readOnly?: boolean }[];
}): Container {
    return {
        name: args.name,
        image: args.image,
        imagePullPolicy: "IfNotPresent",
        // exec: the start script replaces the shell, so the pod's SIGTERM reaches RocketMQ's shutdown hook.
        command: ["sh", "-c", `exec "$ROCKETMQ_HOME/bin/${args.script}" ${args.args}`],
        env: [heapEnv(args.heapMb)],
        ports: args.ports.map((p) => ({ ...p, protocol: "TCP" })),
        resources: toResources(args.resources),
        securityContext: containerSecurity(),
        volumeMounts: args.mounts,
        ...tcpProbes(args.probePort, args.startupSeconds),
    };
}

/** A pod spec with the project's security defaults. */
export function podSpec(containers: Container[], extra: Partial<PodSpec> = {}): PodSpec {
    return {
        securityContext: podSecurity(ROCKETMQ_UID),
        containers,
        ...extra,
    };
}
