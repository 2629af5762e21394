import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { mustParseVersion } from "../../../domain/versions";
import {
    brokerProperties,
    nameServerProperties,
    proxyJson,
    SMALL_STORE,
    StoreSizing,
} from "../../../domain/serverConfig";
import {
    LOOPBACK,
    type BrokerPlan,
    type ClusterPlan,
    type NameServerPlan,
    type ProxyPlan,
} from "../../../domain/clusterPlan";
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
import type { BackupProcess } from "../../../contracts/backupContract";
import { AddressServer, MetadataSync } from "./addressServerResources";
import { ClusterBackup, ClusterVerification } from "./operationResources";
import { RocketMQProcess } from "./processResource";
import { RocketMQRuntime } from "./runtimeResource";
import { RollPreflight } from "./rollPreflightResource";
import { ColourInput, DrainCheck, TrafficSplit } from "./trafficResources";

function colourOf(cluster: ClusterRef): ColourInput {
    return {
        clusterName: cluster.plan.clusterName,
        masters: cluster.plan.brokers
            .filter((b) => b.brokerId === 0)
            .map((b) => ({ brokerName: b.brokerName, address: b.address })),
    };
}

/** Arguments of the {@link LocalPlatform}. */
export interface LocalPlatformArgs {
    /**
     * Where each process gets its directory: `<dataRoot>/<cluster>/<process>`
     * holds its config, store, `stdout.log` and `logs/rocketmqlogs/`.
     */
    dataRoot: string;
    /** Store file sizes; they must stay the same for the life of a store. */
    store?: StoreSizing;
}

/**
 * RocketMQ as JVM processes on loopback. Each cluster gets one Runtime (its
 * release's jars) and one Process per server.
 */
export class LocalPlatform implements ClusterPlatform {
    readonly addressing = LOOPBACK;
    private readonly runtimes = new Map<string, RocketMQRuntime>();

    constructor(protected readonly args: LocalPlatformArgs) {}

    /** Every process already has its own loopback port. */
    placeCluster(plan: ClusterPlan): ClusterPlan {
        return plan;
    }

    placeNameServers(plans: readonly NameServerPlan[], _setName: string): readonly NameServerPlan[] {
        return plans;
    }

    /** One Runtime per cluster (and one for the name servers), named after what uses it. */
    private runtimeFor(key: string, version: string, parent: pulumi.Resource): RocketMQRuntime {
        let rt = this.runtimes.get(key);
        if (!rt) {
            rt = new RocketMQRuntime(`${key}-runtime`, { version }, { parent });
            this.runtimes.set(key, rt);
        }
        return rt;
    }

    /** The SSH key processes on other machines are reached with; none on this machine alone. */
    protected readonly privateKey: pulumi.Input<string> | undefined = undefined;

    private dir(ctx: { plan: { clusterName: string } }, name: string): string {
        return path.join(this.args.dataRoot, ctx.plan.clusterName, name);
    }

    /** Name servers live outside any colour's directory: they outlive the colours. */
    private nameServerDir(setName: string, name: string): string {
        return path.join(this.args.dataRoot, setName, name);
    }

    private opts(ctx: PieceContext): pulumi.CustomResourceOptions {
        const runtime = this.runtimeFor(ctx.plan.clusterName, ctx.spec.version, ctx.parent);
        return { parent: ctx.parent, dependsOn: [runtime, ...ctx.dependsOn] };
    }

    nameServer(ns: NameServerPlan, ctx: NameServerContext): pulumi.Resource {
        const runtime = this.runtimeFor(ctx.setName, ctx.version, ctx.parent);
        return new RocketMQProcess(
            ns.name,
            {
                role: "namesrv",
                version: ctx.version,
                dir: this.nameServerDir(ctx.setName, ns.name),
                config: nameServerProperties({ version: mustParseVersion(ctx.version), port: ns.port }),
                servicePort: ns.port,
                heapMb: ctx.heapMb,
            },
            { parent: ctx.parent, dependsOn: [runtime, ...ctx.dependsOn] },
        );
    }

    /** A broker's broker.conf, its store under `dir`: one rendering for every machine. */
    protected brokerConfig(b: BrokerPlan, ctx: PieceContext, dir: string): string {
        return brokerProperties({
            version: mustParseVersion(ctx.spec.version),
            clusterName: ctx.plan.clusterName,
            brokerName: b.brokerName,
            brokerId: b.brokerId,
            role: b.role,
            flushDiskType: ctx.spec.flushDiskType,
            nameServers: ctx.plan.nameServers.map((n) => n.address),
            port: b.port,
            haPort: b.haPort,
            storeDir: path.posix.join(dir, "store"),
            store: this.args.store ?? SMALL_STORE,
            autoCreateTopicEnable: false,
            advertisedHost: this.advertisedHost(b),
            extra: ctx.spec.brokerConfig,
        });
    }

    /** The address a broker gives clients and its slaves; undefined keeps loopback, where every broker is here. */
    protected advertisedHost(_b: BrokerPlan): string | undefined {
        return undefined;
    }

    /** A broker serves once the name servers list it under its name and id. */
    protected registrationOf(b: BrokerPlan, ctx: PieceContext) {
        return { nameServers: ctx.plan.nameServerList, brokerName: b.brokerName, brokerId: b.brokerId };
    }

    /** A rolling cluster's broker: a restart of the running broker is its turn of the roll. */
    protected rollOf(b: BrokerPlan, ctx: PieceContext) {
        return ctx.roll
            ? {
                  groupRole: ctx.spec.brokerRole,
                  address: b.address,
                  peers: ctx.plan.brokers
                      .filter((p) => p.brokerName === b.brokerName && p.brokerId !== b.brokerId)
                      .map((p) => ({ brokerId: p.brokerId, address: p.address })),
                  settings: ctx.roll,
                  baselineDir: ctx.rollBaselineDir ?? "",
              }
            : undefined;
    }

    protected proxyConfig(p: ProxyPlan, ctx: PieceContext): string {
        return proxyJson({
            clusterName: ctx.plan.clusterName,
            nameServers: ctx.plan.nameServers.map((n) => n.address),
            remotingPort: p.remotingPort,
            grpcPort: p.grpcPort,
        });
    }

    broker(b: BrokerPlan, ctx: PieceContext): pulumi.Resource {
        const dir = this.dir(ctx, b.name);
        return new RocketMQProcess(
            b.name,
            {
                role: "broker",
                version: ctx.spec.version,
                dir,
                config: this.brokerConfig(b, ctx, dir),
                servicePort: b.port,
                heapMb: ctx.spec.heap.brokerMb,
                registration: this.registrationOf(b, ctx),
                roll: this.rollOf(b, ctx),
                stopped: ctx.stopped,
            },
            this.opts(ctx),
        );
    }

    proxy(p: ProxyPlan, ctx: PieceContext): pulumi.Resource {
        return new RocketMQProcess(
            p.name,
            {
                role: "proxy",
                version: ctx.spec.version,
                dir: this.dir(ctx, p.name),
                config: this.proxyConfig(p, ctx),
                servicePort: p.grpcPort,
                heapMb: ctx.spec.heap.proxyMb,
                stopped: ctx.stopped,
            },
            this.opts(ctx),
        );
    }

    /** Every process of `cluster` with its directory, name servers first: what a backup copies. */
    protected processesOf(cluster: ClusterRef): BackupProcess[] {
        const { plan } = cluster;
        return [
            ...plan.nameServers.map((n) => ({
                name: n.name,
                role: "namesrv" as const,
                // A name server's plan name is "<setName>-<index>".
                dir: this.nameServerDir(n.name.replace(/-\d+$/, ""), n.name),
            })),
            ...[
                ...plan.brokers.map((b) => ({ name: b.name, role: "broker" as const })),
                ...plan.proxies.map((p) => ({ name: p.name, role: "proxy" as const })),
            ].map((p) => ({ ...p, dir: this.dir(cluster, p.name) })),
        ];
    }

    backup(name: string, cluster: ClusterRef, opts: BackupOptions, ctx: OperationContext): BackupPiece {
        const { plan } = cluster;
        const processes = this.processesOf(cluster);
        const resource = new ClusterBackup(
            name,
            {
                version: cluster.spec.version,
                nameServers: plan.nameServerList,
                clusterName: plan.clusterName,
                processes,
                backupRoot: path.join(this.args.dataRoot, "backups"),
                includeStore: opts.includeStore,
                retentionDays: opts.retentionDays,
                benchmark: opts.benchmark,
                trigger: opts.trigger,
                s3: opts.s3,
                privateKey: this.privateKey,
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
        return {
            resource,
            backupId: resource.backupId,
            backupDir: resource.backupDir,
            baseline: resource.baseline,
            uploadedTo: resource.uploadedTo.apply((u) => u ?? ""),
        };
    }

    verification(
        name: string,
        cluster: ClusterRef,
        opts: VerificationOptions,
        ctx: OperationContext,
    ): VerificationPiece {
        const { plan } = cluster;
        const resource = new ClusterVerification(
            name,
            {
                version: cluster.spec.version,
                nameServers: plan.nameServerList,
                clusterName: plan.clusterName,
                brokers: plan.brokers.map((b) => ({
                    brokerName: b.brokerName,
                    brokerId: b.brokerId,
                    address: b.address,
                })),
                settings: opts.settings,
                reportDir: path.join(this.args.dataRoot, "reports"),
                baseline: opts.baseline?.result,
                benchmark: opts.baseline?.benchmark,
                baselineTolerance: opts.baseline?.tolerance,
                metadataRecordDir: opts.metadataRecordDir ?? "",
                trigger: opts.trigger,
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
        return { resource, reportFile: resource.reportFile };
    }

    traffic(
        name: string,
        blue: ClusterRef,
        green: ClusterRef,
        opts: TrafficOptions,
        ctx: OperationContext,
    ): TrafficPiece {
        const resource = new TrafficSplit(
            name,
            {
                nameServers: blue.plan.nameServerList,
                blue: colourOf(blue),
                green: colourOf(green),
                ...opts,
                snapshotDir: path.join(this.args.dataRoot, "backups", "traffic"),
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
        return {
            resource,
            effectiveShares: resource.effectiveShares,
            orderedPauses: resource.orderedPauses,
            appliedAt: resource.appliedAt,
        };
    }

    drainCheck(name: string, blue: ClusterRef, gate: RetirementGate, ctx: OperationContext): pulumi.Resource {
        return new DrainCheck(
            name,
            {
                nameServers: blue.plan.nameServerList,
                blue: colourOf(blue),
                timeoutSeconds: gate.timeoutSeconds,
                quietSeconds: gate.quietSeconds,
                stranded: gate.stranded,
                deadLetterExportRoot: path.join(this.args.dataRoot, "backups", blue.plan.clusterName, "dead-letters"),
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
    }

    addressServer(name: string, opts: AddressServerOptions, ctx: OperationContext): AddressServerPiece {
        const resource = new AddressServer(
            name,
            {
                dir: path.join(this.args.dataRoot, name),
                host: "127.0.0.1",
                port: opts.port,
                blueNameServers: opts.blueNameServers,
                greenNameServers: opts.greenNameServers ?? "",
                weight: opts.weight,
                canaryStages: opts.canaryStages,
                forceWeightChange: opts.forceWeightChange,
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
        return {
            resource,
            domain: resource.domain,
            url: resource.url,
            appliedAt: resource.appliedAt,
            clientLog: resource.clientLog,
        };
    }

    metadataSync(
        name: string,
        blue: ClusterRef,
        green: ClusterRef,
        opts: MetadataSyncOptions,
        ctx: OperationContext,
    ): pulumi.Resource {
        return new MetadataSync(
            name,
            {
                blueNameServers: blue.plan.nameServerList,
                greenNameServers: green.plan.nameServerList,
                blue: colourOf(blue),
                green: colourOf(green),
                ...opts,
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
    }

    rollPreflight(
        name: string,
        cluster: ClusterRef,
        opts: RollPreflightOptions,
        ctx: OperationContext,
    ): RollPreflightPiece {
        const { plan, spec } = cluster;
        const resource = new RollPreflight(
            name,
            {
                nameServers: plan.nameServerList,
                clusterName: plan.clusterName,
                targetVersion: spec.version,
                groupRole: spec.brokerRole,
                maxLagBytes: opts.maxLagBytes,
                brokers: plan.brokers.map((b) => ({
                    name: b.name,
                    brokerName: b.brokerName,
                    brokerId: b.brokerId,
                    address: b.address,
                    dir: this.dir(cluster, b.name),
                })),
                // Proxies keep no data, and the target release's proxies may not exist yet.
                processes: this.processesOf(cluster).filter((p) => p.role !== "proxy"),
                backupRoot: path.join(this.args.dataRoot, "backups"),
                includeStore: opts.includeStore,
                retentionDays: opts.retentionDays,
                benchmark: opts.benchmark,
                privateKey: this.privateKey,
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
        return { resource, backupDir: resource.backupDir, baseline: resource.baseline };
    }
}
