import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { mustParseVersion } from "../../../runtime/versions";
import {
    brokerProperties,
    nameServerProperties,
    proxyJson,
    SMALL_STORE,
    StoreSizing,
} from "../../../runtime/serverConfig";
import type { BrokerPlan, NameServerPlan, ProxyPlan } from "../../plan/clusterPlan";
import type {
    BackupOptions,
    BackupPiece,
    ClusterPlatform,
    ClusterRef,
    OperationContext,
    PieceContext,
    VerificationOptions,
    VerificationPiece,
} from "../types";
import { ClusterBackup, ClusterVerification } from "./operations";
import { RocketMQProcess } from "./process";
import { RocketMQRuntime } from "./runtime";

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
    private readonly runtimes = new Map<string, RocketMQRuntime>();

    constructor(private readonly args: LocalPlatformArgs) {}

    private runtimeFor(ctx: PieceContext): RocketMQRuntime {
        const key = ctx.plan.clusterName;
        let rt = this.runtimes.get(key);
        if (!rt) {
            rt = new RocketMQRuntime(`${key}-runtime`, { version: ctx.spec.version }, { parent: ctx.parent });
            this.runtimes.set(key, rt);
        }
        return rt;
    }

    private dir(ctx: { plan: { clusterName: string } }, name: string): string {
        return path.join(this.args.dataRoot, ctx.plan.clusterName, name);
    }

    private opts(ctx: PieceContext): pulumi.CustomResourceOptions {
        return { parent: ctx.parent, dependsOn: [this.runtimeFor(ctx), ...ctx.dependsOn] };
    }

    nameServer(ns: NameServerPlan, ctx: PieceContext): pulumi.Resource {
        return new RocketMQProcess(
            ns.name,
            {
                role: "namesrv",
                version: ctx.spec.version,
                dir: this.dir(ctx, ns.name),
                config: nameServerProperties({ version: mustParseVersion(ctx.spec.version), port: ns.port }),
                servicePort: ns.port,
                heapMb: ctx.spec.heap.nameServerMb,
            },
            this.opts(ctx),
        );
    }

    broker(b: BrokerPlan, ctx: PieceContext): pulumi.Resource {
        const dir = this.dir(ctx, b.name);
        return new RocketMQProcess(
            b.name,
            {
                role: "broker",
                version: ctx.spec.version,
                dir,
                config: brokerProperties({
                    version: mustParseVersion(ctx.spec.version),
                    clusterName: ctx.plan.clusterName,
                    brokerName: b.brokerName,
                    brokerId: b.brokerId,
                    role: b.role,
                    flushDiskType: ctx.spec.flushDiskType,
                    nameServers: ctx.plan.nameServers.map((n) => n.address),
                    port: b.port,
                    haPort: b.haPort,
                    storeDir: path.join(dir, "store"),
                    store: this.args.store ?? SMALL_STORE,
                    autoCreateTopicEnable: false,
                    extra: ctx.spec.brokerConfig,
                }),
                servicePort: b.port,
                heapMb: ctx.spec.heap.brokerMb,
                registration: { nameServers: ctx.plan.nameServerList, brokerName: b.brokerName, brokerId: b.brokerId },
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
                config: proxyJson({
                    clusterName: ctx.plan.clusterName,
                    nameServers: ctx.plan.nameServers.map((n) => n.address),
                    remotingPort: p.remotingPort,
                    grpcPort: p.grpcPort,
                }),
                servicePort: p.grpcPort,
                heapMb: ctx.spec.heap.proxyMb,
            },
            this.opts(ctx),
        );
    }

    backup(name: string, cluster: ClusterRef, opts: BackupOptions, ctx: OperationContext): BackupPiece {
        const { plan } = cluster;
        const processes = [
            ...plan.nameServers.map((n) => ({ name: n.name, role: "namesrv" as const })),
            ...plan.brokers.map((b) => ({ name: b.name, role: "broker" as const })),
            ...plan.proxies.map((p) => ({ name: p.name, role: "proxy" as const })),
        ].map((p) => ({ ...p, dir: this.dir(cluster, p.name) }));
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
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
        return { resource, backupId: resource.backupId, backupDir: resource.backupDir, baseline: resource.baseline };
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
                trigger: opts.trigger,
            },
            { parent: ctx.parent, dependsOn: ctx.dependsOn },
        );
        return { resource, reportFile: resource.reportFile };
    }
}
