import * as pulumi from "@pulumi/pulumi";
import type { NameServerSpec } from "../config/stackConfig";
import { NameServerPlan, planNameServers } from "../domain/clusterPlan";
import type { ClusterPlatform } from "./platforms/clusterPlatform";

/** Arguments of a {@link NameServerSet}. */
export interface NameServerSetArgs {
    /** Release, count, first port and heap of the name servers. */
    spec: NameServerSpec;
    /** Where they run; the local platform starts JVMs on loopback. */
    platform: ClusterPlatform;
    /**
     * Names the set's servers (`<setName>-0`, ...) and their directory:
     * "namesrv" (the default) for the shared or blue's set, another name for
     * isolated green's own set.
     */
    setName?: string;
}

/**
 * A set of name servers: the one both colours register with (shared
 * routing), or one colour's own (isolated routing). Changing the release
 * restarts them in place one at a time, each waiting until every broker it
 * listed before is registered with it again, so routing never goes dark: the
 * seed's "upgrade the name servers first".
 */
export class NameServerSet extends pulumi.ComponentResource {
    /** `host:port;host:port`, as clients take it in `namesrvAddr`. Resolves once every name server serves. */
    public readonly addresses: pulumi.Output<string>;
    public readonly version: pulumi.Output<string>;
    /** The name servers as planned. */
    public readonly plan: readonly NameServerPlan[];
    /** Each name server's resource, in plan order. */
    public readonly processes: readonly pulumi.Resource[];

    constructor(name: string, args: NameServerSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:NameServers", name, {}, opts);
        const setName = args.setName ?? "namesrv";
        this.plan = args.platform.placeNameServers(
            planNameServers(args.spec.count, args.spec.basePort, setName, args.platform.addressing),
            setName,
        );
        const processes: pulumi.Resource[] = [];
        for (const ns of this.plan) {
            // Each waits for the one before: a release change restarts them one by one, never together.
            const before = processes.length > 0 ? [processes[processes.length - 1]] : [];
            processes.push(
                args.platform.nameServer(ns, {
                    setName,
                    setSize: this.plan.length,
                    version: args.spec.version,
                    heapMb: args.spec.heapMb,
                    parent: this,
                    dependsOn: before,
                }),
            );
        }
        this.processes = processes;
        const list = this.plan.map((n) => n.address).join(";");
        this.addresses = pulumi.all(processes.map((p) => (p as pulumi.CustomResource).id)).apply(() => list);
        this.version = pulumi.output(args.spec.version);
        this.registerOutputs({ addresses: this.addresses, version: this.version });
    }
}
