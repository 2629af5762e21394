import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { BackupProcess } from "../../../contracts/backupContract";
import type { HostAccessInputs } from "../../../contracts/hostProcessContract";
import type { AdoptionDiscovery, DiscoveredBroker } from "../../../contracts/adoptionContract";
import { adoptedBrokerConfig, adoptedBrokerProcessName, planAdoptedCluster } from "../../../domain/adoptionMatch";
import {
    LOOPBACK,
    type BrokerPlan,
    type ClusterPlan,
    type NameServerPlan,
    type ProxyPlan,
} from "../../../domain/clusterPlan";
import {
    placeCluster,
    placeNameServers,
    processDir,
    type ColourPlacement,
    type HostSpec,
} from "../../../domain/hostPlacement";
import { mustParseVersion } from "../../../domain/versions";
import { nameServerProperties } from "../../../domain/serverConfig";
import type { ClusterRef, NameServerContext, PieceContext } from "../clusterPlatform";
import { MachinePlatform } from "../machines/machinePlatform";
import type { StoreSizing } from "../../../domain/serverConfig";
import { HostInventory, HostProcess, type HostProcessArgs } from "./hostResources";

/** One machine as the hosts platform reaches and uses it. */
export interface HostMachine extends HostSpec {
    /** The pinned host key's fingerprint; unset trusts the key offered. */
    readonly hostKey?: string;
    /** The JDK RocketMQ runs with; the first `java` on the host's PATH when unset. */
    readonly javaHome?: string;
    readonly processManager: "process" | "systemd";
}

/** Arguments of the {@link HostsPlatform}. */
export interface HostsPlatformArgs {
    /** The machines, by name. */
    hosts: ReadonlyMap<string, HostMachine>;
    /** Which hosts run the name servers, in order. */
    nameServerHosts: readonly string[];
    /** Each colour's placement, by cluster name. */
    colours: ReadonlyMap<string, ColourPlacement>;
    /** The stack's SSH private key, a Pulumi secret; absent when every host is local. */
    privateKey?: pulumi.Output<string>;
    /** This machine's directory for backups, reports and traffic snapshots (the operator's side). */
    dataRoot: string;
    /** Store file sizes; they must stay the same for the life of a store. */
    store?: StoreSizing;
    /**
     * The embedded local stack: every server on this one host, on loopback only, at the port its plan gives it, in
     * `<dataRoot>/<cluster or name-server set>/<process>`. `nameServerHosts` and `colours` are then unused.
     */
    plannedOn?: string;
    /** The component every inventory check belongs to. */
    parent?: pulumi.Resource;
    /** A running cluster taken over as it runs (`blue.adopt`), as the program's discovery found it. */
    adopted?: {
        clusterName: string;
        discovery: AdoptionDiscovery;
        /** Destroying the stack leaves the adopted processes running. */
        keepOnDestroy: boolean;
    };
}

/**
 * RocketMQ on machines (platforms "hosts" and "local"): each name server, broker and proxy on its host, reached
 * over SSH or, for a host marked local, through a local shell, started the runbook's way. On the hosts platform
 * each runs at RocketMQ's default ports; the local platform is this one with a single loopback host and the plan's
 * own ports ({@link loopbackPlatform}). Everything that talks to the cluster through its name servers runs from
 * this machine (machines/machinePlatform.ts).
 */
export class HostsPlatform extends MachinePlatform {
    readonly addressing = LOOPBACK;
    private inventory?: HostInventory;
    protected readonly privateKey: pulumi.Output<string> | undefined;

    constructor(private readonly hostsArgs: HostsPlatformArgs) {
        super({ dataRoot: hostsArgs.dataRoot, store: hostsArgs.store });
        this.privateKey = hostsArgs.privateKey;
    }

    private host(name: string): HostMachine {
        const host = this.hostsArgs.hosts.get(name);
        if (!host) {
            throw new Error(`no host named ${name}: the stack config's placement was not checked`);
        }
        return host;
    }

    private access(name: string): HostAccessInputs {
        const h = this.host(name);
        return {
            name: h.name,
            address: h.address,
            local: h.local,
            sshPort: h.sshPort,
            user: h.user,
            hostKeyFingerprint: h.hostKey,
        };
    }

    /** Every host checked once, before the first process on any of them; every process depends on it. */
    private inventoryFor(parent: pulumi.Resource): HostInventory {
        this.inventory ??= new HostInventory(
            "hosts",
            {
                hosts: [...this.hostsArgs.hosts.keys()].map((name) => ({
                    access: this.access(name),
                    javaHome: this.host(name).javaHome,
                })),
                privateKey: this.privateKey,
            },
            { parent: this.hostsArgs.parent ?? parent },
        );
        return this.inventory;
    }

    /** The host each placed process runs on, by process name. */
    private readonly hostOf = new Map<string, string>();
    /** Each placed process's directory on its host, by process name. */
    private readonly dirOf = new Map<string, string>();

    private hostOfProcess(processName: string): string {
        const host = this.hostOf.get(processName);
        if (host === undefined) {
            throw new Error(`${processName} was declared before it was placed on a host`);
        }
        return host;
    }

    private placed<T extends { hostOf: Readonly<Record<string, string>> }>(p: { value?: T; problems: string[] }): T {
        if (!p.value) {
            throw new Error(`the placement was not checked at preview: ${p.problems.join("; ")}`);
        }
        for (const [process, host] of Object.entries(p.value.hostOf)) {
            this.hostOf.set(process, host);
            this.dirOf.set(process, processDir(this.host(host), process));
        }
        return p.value;
    }

    /** The local platform's layout: each process on the one host, at its planned port, in its group's directory. */
    private plannedOnOneHost(host: string, group: string, names: readonly string[]): void {
        for (const name of names) {
            this.hostOf.set(name, host);
            this.dirOf.set(name, path.posix.join(this.host(host).dataRoot, group, name));
        }
    }

    /** The adopted brokers by process name. */
    private readonly adoptedBrokers = new Map<string, DiscoveredBroker>();

    placeCluster(plan: ClusterPlan): ClusterPlan {
        if (this.hostsArgs.plannedOn !== undefined) {
            const names = [...plan.brokers.map((b) => b.name), ...plan.proxies.map((p) => p.name)];
            this.plannedOnOneHost(this.hostsArgs.plannedOn, plan.clusterName, names);
            return plan;
        }
        const adopted = this.hostsArgs.adopted;
        if (adopted && adopted.clusterName === plan.clusterName) {
            // The cluster as it runs, not as the config's group counts would lay one out.
            const found = planAdoptedCluster(
                plan.clusterName,
                plan.version,
                adopted.discovery.brokers,
                plan.nameServers,
            );
            for (const b of adopted.discovery.brokers) {
                this.adoptedBrokers.set(adoptedBrokerProcessName(plan.clusterName, b), b);
            }
            return this.placed({ value: found, problems: [] }).plan;
        }
        const where = this.hostsArgs.colours.get(plan.clusterName);
        if (!where) {
            throw new Error(`cluster ${plan.clusterName} has no placement: the stack config was not checked`);
        }
        return this.placed(placeCluster(plan, where, this.hostsArgs.hosts, `placement of ${plan.clusterName}`)).plan;
    }

    placeNameServers(plans: readonly NameServerPlan[], setName: string): readonly NameServerPlan[] {
        if (this.hostsArgs.plannedOn !== undefined) {
            // Name servers live outside any colour's directory: they outlive the colours.
            this.plannedOnOneHost(
                this.hostsArgs.plannedOn,
                setName,
                plans.map((n) => n.name),
            );
            return plans;
        }
        return this.placed(
            placeNameServers(this.hostsArgs.nameServerHosts, this.hostsArgs.hosts, "placement.nameServers", setName),
        ).nameServers;
    }

    /** What every process on a host shares: where it is, how it is reached and run. */
    private onHost(hostName: string, processName: string) {
        const h = this.host(hostName);
        const dir = this.dirOf.get(processName);
        if (dir === undefined) {
            throw new Error(`${processName} was declared before it was placed on a host`);
        }
        return {
            host: this.access(hostName),
            privateKey: this.privateKey,
            releaseRoot: h.releaseRoot,
            dir,
            javaHome: h.javaHome,
            manager: h.processManager,
        };
    }

    /** One server on its host, behind the check of every host. */
    private process(
        name: string,
        what: Omit<HostProcessArgs, "name" | keyof ReturnType<HostsPlatform["onHost"]> | "config"> & {
            config: (dir: string) => string;
        },
        parent: pulumi.Resource,
        dependsOn: pulumi.Input<pulumi.Resource>[],
    ): HostProcess {
        const on = this.onHost(this.hostOfProcess(name), name);
        return new HostProcess(
            name,
            { ...what, name, ...on, config: what.config(on.dir) },
            {
                parent,
                dependsOn: [this.inventoryFor(parent), ...dependsOn],
                // An adopted broker's broker.conf is read into state when it is taken over, and every restart uses
                // that copy: the file on the host is rewritten by the broker itself whenever its config changes at
                // runtime, so what it holds later is no instruction.
                ...(what.role === "broker" && what.adopted ? { ignoreChanges: ["config"] } : {}),
            },
        );
    }

    /** A broker on a machine is reached at its host's address; the local stack's stay on loopback only. */
    protected advertisedHost(b: BrokerPlan): string | undefined {
        return this.hostsArgs.plannedOn !== undefined ? undefined : this.host(this.hostOfProcess(b.name)).address;
    }

    private adoptedInput(pid: number, runningVersion: string, confPath?: string) {
        const keepOnDestroy = this.hostsArgs.adopted!.keepOnDestroy;
        return { adopted: { pid, runningVersion, keepOnDestroy, ...(confPath ? { confPath } : {}) } };
    }

    nameServer(ns: NameServerPlan, ctx: NameServerContext): pulumi.Resource {
        // Clients and brokers on other machines reach it: it listens on every interface, as on the runbook's VMs.
        // The local stack's listen on loopback only.
        const config = nameServerProperties({
            version: mustParseVersion(ctx.version),
            port: ns.port,
            bindAll: this.hostsArgs.plannedOn === undefined,
        });
        const host = this.hostOfProcess(ns.name);
        const adopted = this.hostsArgs.adopted?.discovery.nameServers.find(
            (n) => n.host === host && n.port === ns.port,
        );
        return this.process(
            ns.name,
            {
                role: "namesrv",
                version: ctx.version,
                config: () => config,
                servicePort: ns.port,
                heapMb: ctx.heapMb,
                ...(adopted ? this.adoptedInput(adopted.pid, adopted.runningVersion) : {}),
            },
            ctx.parent,
            ctx.dependsOn,
        );
    }

    broker(b: BrokerPlan, ctx: PieceContext): pulumi.Resource {
        const adopted = this.adoptedBrokers.get(b.name);
        return this.process(
            b.name,
            {
                role: "broker",
                version: ctx.spec.version,
                // An adopted broker keeps the operator's broker.conf: the file on its host stays the one to edit.
                config: (dir) => (adopted ? adoptedBrokerConfig(adopted) : this.brokerConfig(b, ctx, dir)),
                ...(adopted ? this.adoptedInput(adopted.pid, adopted.runningVersion, adopted.confPath) : {}),
                servicePort: b.port,
                heapMb: ctx.spec.heap.brokerMb,
                registration: this.registrationOf(b, ctx),
                roll: this.rollOf(b, ctx),
                stopped: ctx.stopped,
            },
            ctx.parent,
            ctx.dependsOn,
        );
    }

    proxy(p: ProxyPlan, ctx: PieceContext): pulumi.Resource {
        return this.process(
            p.name,
            {
                role: "proxy",
                version: ctx.spec.version,
                config: () => this.proxyConfig(p, ctx),
                servicePort: p.grpcPort,
                heapMb: ctx.spec.heap.proxyMb,
                stopped: ctx.stopped,
            },
            ctx.parent,
            ctx.dependsOn,
        );
    }

    /** The hosts of the cluster's brokers and proxies, each once: where the roll stages the target release. */
    protected releaseHostsOf(cluster: ClusterRef): { host: HostAccessInputs; releaseRoot: string }[] {
        const { plan } = cluster;
        const hosts = new Set([...plan.brokers, ...plan.proxies].map((p) => this.hostOfProcess(p.name)));
        return [...hosts].map((name) => ({ host: this.access(name), releaseRoot: this.host(name).releaseRoot }));
    }

    /** Each process's files on its own host, for the backup to fetch over SSH. */
    protected processesOf(cluster: ClusterRef): BackupProcess[] {
        const { plan } = cluster;
        const placed = [
            ...plan.nameServers.map((n) => ({ name: n.name, role: "namesrv" as const })),
            ...plan.brokers.map((b) => ({ name: b.name, role: "broker" as const })),
            ...plan.proxies.map((p) => ({ name: p.name, role: "proxy" as const })),
        ];
        return placed.map((p) => {
            const on = this.onHost(this.hostOfProcess(p.name), p.name);
            const adopted = this.adoptedBrokers.get(p.name);
            // An adopted broker's files are where the operator keeps them.
            const where = adopted ? { configPath: adopted.confPath, storeDir: adopted.storeRoot } : {};
            return { name: p.name, role: p.role, dir: on.dir, host: on.host, ...where };
        });
    }
}
