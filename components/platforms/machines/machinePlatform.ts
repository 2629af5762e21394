import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { mustParseVersion } from "../../../domain/versions";
import { brokerProperties, proxyJson, SMALL_STORE, StoreSizing } from "../../../domain/serverConfig";
import type { Addressing, BrokerPlan, ClusterPlan, NameServerPlan, ProxyPlan } from "../../../domain/clusterPlan";
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
import type { RollPreflightInputs } from "../../../contracts/rollPreflightContract";
import { AddressServer, MetadataSync } from "./addressServerResources";
import { ClusterBackup, ClusterVerification } from "./operationResources";
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

/** Arguments every platform for machines shares. */
export interface MachinePlatformArgs {
    /** This machine's directory for backups, reports, traffic snapshots and the address server (the operator's side). */
    dataRoot: string;
    /** Store file sizes; they must stay the same for the life of a store. */
    store?: StoreSizing;
}

/**
 * RocketMQ on machines: what every platform for machines shares, whichever machines the servers run on. The
 * operations that talk to a cluster through its name servers (backup, verification, the roll's preflight, traffic,
 * the retirement gate, isolated routing) run from this machine, and a broker's config, registration and roll are
 * rendered here once. Where each server runs, and how it is started, is the subclass's (hosts/hostsPlatform.ts).
 */
export abstract class MachinePlatform implements ClusterPlatform {
    abstract readonly addressing: Addressing;

    constructor(protected readonly args: MachinePlatformArgs) {}

    abstract placeCluster(plan: ClusterPlan): ClusterPlan;
    abstract placeNameServers(plans: readonly NameServerPlan[], setName: string): readonly NameServerPlan[];
    abstract nameServer(ns: NameServerPlan, ctx: NameServerContext): pulumi.Resource;
    abstract broker(b: BrokerPlan, ctx: PieceContext): pulumi.Resource;
    abstract proxy(p: ProxyPlan, ctx: PieceContext): pulumi.Resource;
    /** Every process of `cluster` with its directory and host, name servers first: what a backup copies. */
    protected abstract processesOf(cluster: ClusterRef): BackupProcess[];
    /** Each machine `cluster`'s brokers and proxies run on, once, with where its releases live there. */
    protected abstract releaseHostsOf(cluster: ClusterRef): RollPreflightInputs["releaseHosts"];

    /** The SSH key processes on other machines are reached with; none when every host is this machine. */
    protected abstract readonly privateKey: pulumi.Input<string> | undefined;

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
    protected abstract advertisedHost(b: BrokerPlan): string | undefined;

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
        const processes = this.processesOf(cluster);
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
                    dir: processes.find((p) => p.name === b.name)?.dir ?? "",
                })),
                // Proxies keep no data, and the target release's proxies may not exist yet.
                processes: processes.filter((p) => p.role !== "proxy"),
                releaseHosts: this.releaseHostsOf(cluster),
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
