/**
 * RocketMQ on Kubernetes, declared on a KubernetesFoundation's provider and
 * namespaces (kubernetesFoundation.ts). Name servers are one StatefulSet per
 * set behind a headless Service; each broker is a one-pod StatefulSet (so a
 * roll can take exactly one broker at a time, in the component's order) with
 * its own claim, broker.conf from a ConfigMap, a PodDisruptionBudget per
 * broker group and anti-affinity across nodes and zones; 5.x proxies are a
 * Deployment with a Service. The seed's operations run as Jobs around mqadmin
 * (jobs/, one file per Job's script); the provider waits for each Job, so a
 * failed check fails the update and everything after it stays untouched.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesSpec } from "../../../config/kubernetesConfig";
import { addressServerConfig, type AddressServerSettings } from "../../../domain/addressPlan";
import type { BrokerPlan, ClusterPlan, NameServerPlan, ProxyPlan } from "../../../domain/clusterPlan";
import { planTraffic, type ColourState } from "../../../domain/trafficPlan";
import { brokerProperties, DEFAULT_STORE, nameServerProperties, proxyJson } from "../../../domain/serverConfig";
import { mustParseVersion } from "../../../domain/versions";
import type {
    AddressServerOptions,
    AddressServerPiece,
    BackupOptions,
    BackupPiece,
    ClusterPlatform,
    ClusterRef,
    MetadataSyncOptions,
    NameServerContext,
    OperationContext,
    PieceContext,
    RollPreflightOptions,
    RollPreflightPiece,
    TrafficOptions,
    TrafficPiece,
    VerificationOptions,
    VerificationPiece,
    RetirementGate,
} from "../clusterPlatform";
import { BACKUP_CLAIM, type KubernetesFoundation } from "./kubernetesFoundation";
import { backupScript } from "./jobs/backupJob";
import { drainScript } from "./jobs/drainJob";
import { metadataSyncScript } from "./jobs/metadataSyncJob";
import { rollPreflightScript, rollTurnScript, rollVerifyScript } from "./jobs/rollJobs";
import { s3UploadScript } from "./jobs/s3UploadJob";
import { trafficScript } from "./jobs/trafficJob";
import { verificationScript } from "./jobs/verificationJob";
import {
    brokerHost,
    brokerServiceName,
    contentHash,
    imageRef,
    LABEL,
    labels,
    PATHS,
    Placement,
    podSecurity,
    podSpec,
    PORTS,
    proxyServiceName,
    rocketmqContainer,
    rocketmqImage,
    ROCKETMQ_UID,
    selectorOf,
    spreadAffinity,
    toResources,
    containerSecurity,
} from "./kubernetesObjects";

/** The UID of the official nginx image's unprivileged user. */
const NGINX_UID = 101;

/** Arguments of a {@link KubernetesPlatform}. */
export interface KubernetesPlatformArgs {
    spec: KubernetesSpec;
    foundation: KubernetesFoundation;
}

/** The ClusterPlatform that declares Kubernetes objects. */
export class KubernetesPlatform implements ClusterPlatform {
    readonly addressing;

    /** Each piece already has its stable DNS name. */
    placeCluster(plan: ClusterPlan): ClusterPlan {
        return plan;
    }

    placeNameServers(plans: readonly NameServerPlan[]): readonly NameServerPlan[] {
        return plans;
    }
    private readonly spec: KubernetesSpec;
    private readonly foundation: KubernetesFoundation;
    private readonly placement: Placement;
    /** Workloads shared by several planned pieces (a set's StatefulSet, a cluster's proxy Deployment), by key. */
    private readonly shared = new Map<string, pulumi.Resource>();

    constructor(args: KubernetesPlatformArgs) {
        this.spec = args.spec;
        this.foundation = args.foundation;
        this.placement = args.foundation.placement;
        this.addressing = this.placement.addressing();
    }

    private opts(
        parent: pulumi.Resource,
        namespace: string,
        dependsOn: pulumi.Input<pulumi.Resource>[] = [],
        extra: pulumi.CustomResourceOptions = {},
    ): pulumi.CustomResourceOptions {
        return {
            parent,
            provider: this.foundation.provider,
            dependsOn: [this.foundation.namespaces.get(namespace)!, ...dependsOn],
            ...extra,
        };
    }

    private once<T extends pulumi.Resource>(key: string, make: () => T): T {
        let r = this.shared.get(key);
        if (!r) {
            r = make();
            this.shared.set(key, r);
        }
        return r as T;
    }

    private configMap(
        name: string,
        namespace: string,
        lbls: Record<string, string>,
        data: Record<string, string>,
        opts: pulumi.CustomResourceOptions,
    ): k8s.core.v1.ConfigMap {
        // Auto-named: a content change creates a new ConfigMap, so the workload rolls onto it and the old pods keep theirs.
        return new k8s.core.v1.ConfigMap(name, { metadata: { namespace, labels: lbls }, data }, opts);
    }

    private disruptionBudget(
        name: string,
        namespace: string,
        lbls: Record<string, string>,
        opts: pulumi.CustomResourceOptions,
    ): k8s.policy.v1.PodDisruptionBudget {
        return new k8s.policy.v1.PodDisruptionBudget(
            name,
            {
                metadata: { name, namespace, labels: lbls },
                // A drain takes one member of the group at a time: the seed's "one broker at a time".
                spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf(lbls) } },
            },
            opts,
        );
    }

    /**
     * The Service that gives each StatefulSet pod its DNS name. Not-ready pods
     * are published too: brokers resolve name servers, and slaves their
     * master's HA port, while those are still starting.
     */
    private headlessService(
        name: string,
        namespace: string,
        lbls: Record<string, string>,
        ports: Record<string, number>,
        opts: pulumi.CustomResourceOptions,
    ): k8s.core.v1.Service {
        return new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace, labels: lbls },
                spec: {
                    clusterIP: "None",
                    publishNotReadyAddresses: true,
                    selector: selectorOf(lbls),
                    ports: Object.entries(ports).map(([portName, port]) => ({
                        name: portName,
                        port,
                        targetPort: port,
                    })),
                },
            },
            opts,
        );
    }

    nameServer(_ns: NameServerPlan, ctx: NameServerContext): pulumi.Resource {
        const namespace = this.placement.shared;
        return this.once(`namesrv/${ctx.setName}`, () => {
            const set = ctx.setName;
            const lbls = labels("nameserver", set, ctx.version);
            const opts = this.opts(ctx.parent, namespace, ctx.dependsOn);
            const conf = this.configMap(
                `${set}-conf`,
                namespace,
                lbls,
                {
                    "namesrv.conf": nameServerProperties({
                        version: mustParseVersion(ctx.version),
                        port: PORTS.nameServer,
                        bindAll: true,
                    }),
                },
                opts,
            );
            const service = this.headlessService(set, namespace, lbls, { remoting: PORTS.nameServer }, opts);
            this.disruptionBudget(set, namespace, lbls, opts);
            return new k8s.apps.v1.StatefulSet(
                set,
                {
                    metadata: { name: set, namespace, labels: lbls },
                    spec: {
                        serviceName: set,
                        replicas: ctx.setSize,
                        // A release change restarts them one at a time, each ready before the next.
                        podManagementPolicy: "OrderedReady",
                        updateStrategy: { type: "RollingUpdate" },
                        selector: { matchLabels: selectorOf(lbls) },
                        template: {
                            metadata: { labels: lbls },
                            spec: podSpec(
                                [
                                    rocketmqContainer({
                                        name: "nameserver",
                                        image: rocketmqImage(this.spec, ctx.version),
                                        script: "mqnamesrv",
                                        args: `-c ${PATHS.config}/namesrv.conf`,
                                        heapMb: ctx.heapMb,
                                        ports: [{ name: "remoting", containerPort: PORTS.nameServer }],
                                        probePort: PORTS.nameServer,
                                        startupSeconds: 60,
                                        resources: this.spec.resources.nameServer,
                                        mounts: [{ name: "config", mountPath: PATHS.config, readOnly: true }],
                                    }),
                                ],
                                {
                                    affinity: spreadAffinity(selectorOf(lbls), this.spec.zoneSpread),
                                    volumes: [{ name: "config", configMap: { name: conf.metadata.name } }],
                                },
                            ),
                        },
                    },
                },
                { ...opts, dependsOn: [...(opts.dependsOn as pulumi.Resource[]), service] },
            );
        });
    }

    broker(b: BrokerPlan, ctx: PieceContext): pulumi.Resource {
        const { plan, spec } = ctx;
        const namespace = this.placement.ofCluster(plan.clusterName);
        const clusterLabels = labels("broker", plan.clusterName, spec.version);
        const groupLabels = { ...clusterLabels, [LABEL.brokerName]: b.brokerName };
        const lbls = { ...groupLabels, [LABEL.brokerId]: String(b.brokerId) };
        const baseOpts = this.opts(ctx.parent, namespace);
        const service = this.once(`brokers/${plan.clusterName}`, () =>
            this.headlessService(
                brokerServiceName(plan.clusterName),
                namespace,
                clusterLabels,
                { remoting: PORTS.broker, ha: PORTS.brokerHa },
                baseOpts,
            ),
        );
        this.once(`pdb/${b.brokerName}`, () => this.disruptionBudget(b.brokerName, namespace, groupLabels, baseOpts));
        // Rolling: the seed's hand-over before the restart (a Job), the StatefulSet after it, and a check after that.
        const turn = ctx.roll
            ? this.job(
                  `${b.name}-turn`,
                  {
                      version: spec.version,
                      script: rollTurnScript({ plan, broker: b, targetVersion: spec.version, settings: ctx.roll }),
                      trigger: `version=${spec.version}`,
                      deadlineSeconds: ctx.roll.writeStopSeconds + ctx.roll.catchUpSeconds + 300,
                  },
                  { parent: ctx.parent, dependsOn: ctx.dependsOn },
              )
            : undefined;
        const opts = this.opts(ctx.parent, namespace, [...ctx.dependsOn, service, ...(turn ? [turn] : [])]);
        const conf = this.configMap(
            `${b.name}-conf`,
            namespace,
            lbls,
            { "broker.conf": brokerConf(b, plan, spec, namespace) },
            opts,
        );
        const statefulSet = new k8s.apps.v1.StatefulSet(
            b.name,
            {
                metadata: { name: b.name, namespace, labels: lbls },
                spec: {
                    serviceName: brokerServiceName(plan.clusterName),
                    // A retired colour keeps its StatefulSet and claim (for inspection), with no pod.
                    replicas: ctx.stopped ? 0 : 1,
                    updateStrategy: { type: "RollingUpdate" },
                    selector: { matchLabels: selectorOf(lbls) },
                    template: {
                        metadata: { labels: lbls },
                        spec: podSpec(
                            [
                                rocketmqContainer({
                                    name: "broker",
                                    image: rocketmqImage(this.spec, spec.version),
                                    script: "mqbroker",
                                    args: `-c ${PATHS.config}/broker.conf`,
                                    heapMb: spec.heap.brokerMb,
                                    ports: [
                                        { name: "vip", containerPort: PORTS.broker - 2 },
                                        { name: "remoting", containerPort: PORTS.broker },
                                        { name: "ha", containerPort: PORTS.brokerHa },
                                    ],
                                    probePort: PORTS.broker,
                                    // A broker replays its commit log at start: give it time before liveness counts.
                                    startupSeconds: 600,
                                    resources: this.spec.resources.broker,
                                    mounts: [
                                        { name: "config", mountPath: PATHS.config, readOnly: true },
                                        { name: "store", mountPath: PATHS.store },
                                    ],
                                }),
                            ],
                            {
                                affinity: spreadAffinity(selectorOf(groupLabels), this.spec.zoneSpread),
                                // The shutdown hook flushes and unregisters: let it finish.
                                terminationGracePeriodSeconds: 120,
                                volumes: [{ name: "config", configMap: { name: conf.metadata.name } }],
                            },
                        ),
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "store", labels: selectorOf(lbls) },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                storageClassName: this.spec.storageClass,
                                resources: { requests: { storage: this.spec.storage.broker } },
                            },
                        },
                    ],
                    // Claims outlive the StatefulSet: a broker's messages are never deleted by this program.
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                },
            },
            { ...opts, deleteBeforeReplace: true },
        );
        if (!ctx.roll) {
            return statefulSet;
        }
        // The next broker's turn waits for this check, so the roll goes on only with this one serving its new release.
        return this.job(
            `${b.name}-verify`,
            {
                version: spec.version,
                script: rollVerifyScript({ plan, broker: b, targetVersion: spec.version, waitSeconds: 600 }),
                trigger: `version=${spec.version}`,
                deadlineSeconds: 900,
            },
            { parent: ctx.parent, dependsOn: [statefulSet] },
        );
    }

    proxy(_p: ProxyPlan, ctx: PieceContext): pulumi.Resource {
        const { plan, spec } = ctx;
        const namespace = this.placement.ofCluster(plan.clusterName);
        return this.once(`proxy/${plan.clusterName}`, () => {
            const name = proxyServiceName(plan.clusterName);
            const lbls = labels("proxy", plan.clusterName, spec.version);
            const opts = this.opts(ctx.parent, namespace, ctx.dependsOn);
            const conf = this.configMap(
                `${name}-conf`,
                namespace,
                lbls,
                {
                    "rmq-proxy.json": proxyJson({
                        clusterName: plan.clusterName,
                        nameServers: plan.nameServers.map((n) => n.address),
                        remotingPort: PORTS.proxyRemoting,
                        grpcPort: PORTS.proxyGrpc,
                    }),
                },
                opts,
            );
            new k8s.core.v1.Service(
                name,
                {
                    metadata: { name, namespace, labels: lbls },
                    spec: {
                        selector: selectorOf(lbls),
                        ports: [
                            { name: "remoting", port: PORTS.proxyRemoting, targetPort: PORTS.proxyRemoting },
                            { name: "grpc", port: PORTS.proxyGrpc, targetPort: PORTS.proxyGrpc },
                        ],
                    },
                },
                opts,
            );
            this.disruptionBudget(name, namespace, lbls, opts);
            return new k8s.apps.v1.Deployment(
                name,
                {
                    metadata: { name, namespace, labels: lbls },
                    spec: {
                        replicas: ctx.stopped ? 0 : plan.proxies.length,
                        selector: { matchLabels: selectorOf(lbls) },
                        // A new proxy is ready before an old one goes: gRPC clients always have one to dial.
                        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                        template: {
                            metadata: { labels: lbls },
                            spec: podSpec(
                                [
                                    rocketmqContainer({
                                        name: "proxy",
                                        image: rocketmqImage(this.spec, spec.version),
                                        script: "mqproxy",
                                        args: `-pc ${PATHS.config}/rmq-proxy.json`,
                                        heapMb: spec.heap.proxyMb,
                                        ports: [
                                            { name: "remoting", containerPort: PORTS.proxyRemoting },
                                            { name: "grpc", containerPort: PORTS.proxyGrpc },
                                        ],
                                        probePort: PORTS.proxyGrpc,
                                        startupSeconds: 120,
                                        resources: this.spec.resources.proxy,
                                        mounts: [{ name: "config", mountPath: PATHS.config, readOnly: true }],
                                    }),
                                ],
                                {
                                    affinity: spreadAffinity(selectorOf(lbls), "preferred"),
                                    volumes: [{ name: "config", configMap: { name: conf.metadata.name } }],
                                },
                            ),
                        },
                    },
                },
                opts,
            );
        });
    }

    /**
     * A Job running `script` in a cluster's RocketMQ image, in the shared
     * namespace. No retries: a failed check must fail the update, not pass
     * on a second try. The trigger is on the pod template, so a new trigger
     * replaces the Job and runs it again.
     */
    private job(
        name: string,
        args: {
            version: string;
            script: string;
            trigger: pulumi.Input<string>;
            deadlineSeconds: number;
            backups?: boolean;
            /** A step after the script, in its own image (the script then runs as an init container). */
            followUp?: { name: string; image: string; script: string; env: Record<string, string> };
            serviceAccountName?: string;
        },
        ctx: OperationContext,
    ): k8s.batch.v1.Job {
        const backupMounts = args.backups ? [{ name: "backups", mountPath: PATHS.backups }] : [];
        const mqadmin = {
            name: "mqadmin",
            image: rocketmqImage(this.spec, args.version),
            command: ["sh", "-c", args.script],
            resources: toResources(this.spec.resources.job),
            securityContext: containerSecurity(),
            volumeMounts: backupMounts,
        };
        const followUp = args.followUp && {
            name: args.followUp.name,
            image: imageRef(this.spec, args.followUp.image),
            command: ["sh", "-c", args.followUp.script],
            // The AWS CLI keeps its cache under $HOME; the image's own home belongs to root.
            env: Object.entries({ HOME: "/tmp", ...args.followUp.env }).map(([name, value]) => ({ name, value })),
            resources: toResources(this.spec.resources.job),
            securityContext: containerSecurity(),
            volumeMounts: backupMounts,
        };
        const namespace = this.placement.shared;
        const lbls = labels("operation", name, args.version);
        return new k8s.batch.v1.Job(
            name,
            {
                metadata: { namespace, labels: lbls },
                spec: {
                    backoffLimit: 0,
                    activeDeadlineSeconds: args.deadlineSeconds,
                    template: {
                        metadata: {
                            labels: lbls,
                            annotations: {
                                "rocketmq.apache.org/trigger": args.trigger,
                                "rocketmq.apache.org/script-sha256": contentHash(
                                    args.script,
                                    args.followUp?.script ?? "",
                                ),
                            },
                        },
                        spec: {
                            restartPolicy: "Never",
                            serviceAccountName: args.serviceAccountName,
                            securityContext: podSecurity(ROCKETMQ_UID),
                            ...(followUp
                                ? { initContainers: [mqadmin], containers: [followUp] }
                                : { containers: [mqadmin] }),
                            volumes: args.backups
                                ? [{ name: "backups", persistentVolumeClaim: { claimName: BACKUP_CLAIM } }]
                                : [],
                        },
                    },
                },
            },
            this.opts(ctx.parent, namespace, [
                ...ctx.dependsOn,
                ...(args.backups ? [this.foundation.backupClaim] : []),
            ]),
        );
    }

    backup(name: string, cluster: ClusterRef, opts: BackupOptions, ctx: OperationContext): BackupPiece {
        const { plan } = cluster;
        const job = this.job(
            name,
            {
                version: cluster.spec.version,
                script: backupScript({ plan, retentionDays: opts.retentionDays }),
                trigger: opts.trigger,
                deadlineSeconds: 1800,
                backups: true,
                followUp: opts.s3 && {
                    name: "upload",
                    image: this.spec.images.awsCli,
                    script: s3UploadScript({
                        clusterName: plan.clusterName,
                        bucket: opts.s3.bucket,
                        prefix: opts.s3.prefix,
                        endpoint: opts.s3.endpoint,
                    }),
                    env: { AWS_REGION: opts.s3.region },
                },
                serviceAccountName: this.spec.backupServiceAccount,
            },
            ctx,
        );
        const backupId = job.metadata.name;
        const prefix = opts.s3 ? [...opts.s3.prefix.split("/").filter(Boolean), plan.clusterName].join("/") : "";
        return {
            resource: job,
            backupId,
            backupDir: pulumi.interpolate`${BACKUP_CLAIM}:${PATHS.backups}/${plan.clusterName}-<time> (written by job ${backupId})`,
            baseline: pulumi.output(null),
            uploadedTo: pulumi.output(opts.s3 ? `s3://${opts.s3.bucket}/${prefix}/<time>/` : ""),
        };
    }

    verification(
        name: string,
        cluster: ClusterRef,
        opts: VerificationOptions,
        ctx: OperationContext,
    ): VerificationPiece {
        const namespace = this.placement.shared;
        const job = this.job(
            name,
            {
                version: cluster.spec.version,
                script: verificationScript({
                    plan: cluster.plan,
                    maxReplicationLagBytes: opts.settings.maxReplicationLagBytes,
                    replicationWaitSeconds: opts.settings.replicationWaitSeconds,
                }),
                trigger: opts.trigger,
                deadlineSeconds: 600,
            },
            ctx,
        );
        return { resource: job, reportFile: pulumi.interpolate`kubectl -n ${namespace} logs job/${job.metadata.name}` };
    }

    traffic(
        name: string,
        blue: ClusterRef,
        green: ClusterRef,
        opts: TrafficOptions,
        ctx: OperationContext,
    ): TrafficPiece {
        const plan = planTraffic({
            weight: opts.weight,
            blue: colourState(blue.plan),
            green: colourState(green.plan),
            declared: opts.declaredTopics,
            orderedCutover: opts.orderedCutover,
        });
        const job = this.job(
            name,
            {
                version: green.spec.version,
                script: trafficScript({
                    plan,
                    weight: opts.weight,
                    nameServers: blue.plan.nameServerList,
                    blue: blue.plan,
                    green: green.plan,
                    consumerGroups: opts.consumerGroups,
                    orderedPauseSeconds: opts.routeRefreshSeconds,
                }),
                trigger: `weight=${opts.weight}`,
                deadlineSeconds: 600 + opts.drainTimeoutSeconds,
            },
            ctx,
        );
        const shares = Object.fromEntries(plan.topics.map((t) => [t.topic, Math.round(t.effectiveShare * 10) / 10]));
        return {
            resource: job,
            effectiveShares: pulumi.output(shares),
            orderedPauses: pulumi.output<Record<string, number>>({}),
            appliedAt: job.metadata.creationTimestamp.apply((t) => t ?? ""),
        };
    }

    drainCheck(name: string, blue: ClusterRef, gate: RetirementGate, ctx: OperationContext): pulumi.Resource {
        const { timeoutSeconds, quietSeconds } = gate;
        return this.job(
            name,
            {
                version: blue.spec.version,
                script: drainScript({ blue: blue.plan, timeoutSeconds, quietSeconds, stranded: gate.stranded }),
                trigger: "retire",
                deadlineSeconds: timeoutSeconds + (quietSeconds ?? 0) + 300,
            },
            ctx,
        );
    }

    addressServer(name: string, opts: AddressServerOptions, ctx: OperationContext): AddressServerPiece {
        const namespace = this.placement.shared;
        const lbls = labels("address-server", name, "1");
        const baseOpts = this.opts(ctx.parent, namespace, ctx.dependsOn);
        const settings = pulumi
            .all([opts.blueNameServers, opts.greenNameServers ?? ""])
            .apply(([blueNs, greenNs]): AddressServerSettings => ({
                dir: "/tmp/nginx",
                host: "0.0.0.0",
                port: PORTS.addressServer,
                blueNameServers: blueNs,
                greenNameServers: greenNs,
                weight: opts.weight,
            }));
        const conf = new k8s.core.v1.ConfigMap(
            `${name}-conf`,
            { metadata: { namespace, labels: lbls }, data: { "nginx.conf": settings.apply(addressServerConfig) } },
            baseOpts,
        );
        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace, labels: lbls },
                spec: {
                    selector: selectorOf(lbls),
                    ports: [{ name: "http", port: 80, targetPort: PORTS.addressServer }],
                },
            },
            baseOpts,
        );
        this.disruptionBudget(name, namespace, lbls, baseOpts);
        const deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name, namespace, labels: lbls },
                spec: {
                    replicas: this.spec.addressServerReplicas,
                    selector: { matchLabels: selectorOf(lbls) },
                    // A weight change is a new ConfigMap: new pods answer before any old one stops.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels: lbls },
                        spec: {
                            securityContext: podSecurity(NGINX_UID),
                            affinity: spreadAffinity(selectorOf(lbls), "preferred"),
                            containers: [
                                {
                                    name: "nginx",
                                    image: imageRef(this.spec, this.spec.images.addressServer),
                                    command: [
                                        "sh",
                                        "-c",
                                        "mkdir -p /tmp/nginx/tmp && exec nginx -c /etc/rocketmq-upgrade/nginx.conf",
                                    ],
                                    ports: [{ name: "http", containerPort: PORTS.addressServer, protocol: "TCP" }],
                                    resources: toResources(this.spec.resources.addressServer),
                                    securityContext: { ...containerSecurity(), readOnlyRootFilesystem: true },
                                    readinessProbe: {
                                        httpGet: { path: "/rocketmq-upgrade/weight", port: PORTS.addressServer },
                                        periodSeconds: 5,
                                    },
                                    livenessProbe: {
                                        httpGet: { path: "/rocketmq-upgrade/weight", port: PORTS.addressServer },
                                        periodSeconds: 15,
                                        failureThreshold: 4,
                                    },
                                    volumeMounts: [
                                        { name: "config", mountPath: "/etc/rocketmq-upgrade", readOnly: true },
                                        { name: "run", mountPath: "/tmp/nginx" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "config", configMap: { name: conf.metadata.name } },
                                { name: "run", emptyDir: {} },
                            ],
                        },
                    },
                },
            },
            { ...baseOpts, dependsOn: [...(baseOpts.dependsOn as pulumi.Resource[]), service] },
        );
        const domain = `${name}.${namespace}.svc:80`;
        return {
            resource: deployment,
            domain: pulumi.output(domain),
            url: pulumi.output(`http://${domain}/rocketmq/nsaddr`),
            appliedAt: deployment.metadata.creationTimestamp.apply((t) => t ?? ""),
            clientLog: pulumi.output(`kubectl -n ${namespace} exec deploy/${name} -- cat /tmp/nginx/clients.log`),
        };
    }

    metadataSync(
        name: string,
        blue: ClusterRef,
        green: ClusterRef,
        opts: MetadataSyncOptions,
        ctx: OperationContext,
    ): pulumi.Resource {
        return this.job(
            name,
            {
                version: green.spec.version,
                script: metadataSyncScript({
                    blue: blue.plan,
                    green: green.plan,
                    topics: opts.declaredTopics.map((t) => ({ name: t.name, queues: t.queues })),
                    consumerGroups: opts.consumerGroups,
                    weight: opts.weight,
                }),
                trigger: `weight=${opts.weight}`,
                deadlineSeconds: 600,
            },
            ctx,
        );
    }

    rollPreflight(
        name: string,
        cluster: ClusterRef,
        opts: RollPreflightOptions,
        ctx: OperationContext,
    ): RollPreflightPiece {
        const job = this.job(
            name,
            {
                version: cluster.spec.version,
                script: rollPreflightScript({ plan: cluster.plan, maxLagBytes: opts.maxLagBytes }),
                trigger: `version=${cluster.spec.version}`,
                deadlineSeconds: 600,
            },
            ctx,
        );
        return { resource: job, backupDir: pulumi.output(""), baseline: pulumi.output(null) };
    }
}

/** A colour as the traffic plan sees it before anything is read from it: its masters and no topics yet. */
function colourState(plan: ClusterPlan): ColourState {
    return {
        clusterName: plan.clusterName,
        masters: plan.brokers
            .filter((b) => b.brokerId === 0)
            .map((b) => ({ brokerName: b.brokerName, address: b.address })),
        topics: {},
    };
}

/** A broker's broker.conf: identity and role from the plan, its pod's DNS name advertised, RocketMQ's store defaults. */
export function brokerConf(b: BrokerPlan, plan: ClusterPlan, spec: PieceContext["spec"], namespace: string): string {
    return brokerProperties({
        version: mustParseVersion(spec.version),
        clusterName: plan.clusterName,
        brokerName: b.brokerName,
        brokerId: b.brokerId,
        role: b.role,
        flushDiskType: spec.flushDiskType,
        nameServers: plan.nameServers.map((n) => n.address),
        port: PORTS.broker,
        haPort: PORTS.brokerHa,
        storeDir: PATHS.store,
        store: DEFAULT_STORE,
        advertisedHost: brokerHost(namespace, plan.clusterName, b.name),
        autoCreateTopicEnable: false,
        extra: spec.brokerConfig,
    });
}
