import * as pulumi from "@pulumi/pulumi";
import type { DeclaredTopic } from "../../../domain/trafficPlan";
import type { ColourInput } from "./trafficResources";

/** Arguments of an {@link AddressServer}. */
export interface AddressServerArgs {
    /** Its config, pid file, logs (clients.log: each client poll) and temp files. */
    dir: pulumi.Input<string>;
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    /** What blue's clients get: blue's `host:port;host:port`. */
    blueNameServers: pulumi.Input<string>;
    /** What green's clients get; "" while there is no green. */
    greenNameServers: pulumi.Input<string>;
    /** Percent of client instances answered green. */
    weight: pulumi.Input<number>;
    /** The stages the weight walks through, for the step check. */
    canaryStages: pulumi.Input<number[]>;
    /** Skip the step check for this update. */
    forceWeightChange: pulumi.Input<boolean>;
}

/** nginx on this machine answering RocketMQ clients' name-server polls, carried out by the `rocketmq` plugin. */
export class AddressServer extends pulumi.CustomResource {
    public readonly pid!: pulumi.Output<number>;
    /** The URL clients poll with the default subgroup. */
    public readonly url!: pulumi.Output<string>;
    /** `host:port`, what clients set as `rocketmq.namesrv.domain`. */
    public readonly domain!: pulumi.Output<string>;
    public readonly clientLog!: pulumi.Output<string>;
    /** When this weight was applied. */
    public readonly appliedAt!: pulumi.Output<string>;

    constructor(name: string, args: AddressServerArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "rocketmq:local:AddressServer",
            name,
            { ...args, pid: undefined, url: undefined, domain: undefined, clientLog: undefined, appliedAt: undefined },
            opts,
        );
    }
}

/** Arguments of a {@link MetadataSync}. */
export interface MetadataSyncArgs {
    blueNameServers: pulumi.Input<string>;
    greenNameServers: pulumi.Input<string>;
    blue: pulumi.Input<ColourInput>;
    green: pulumi.Input<ColourInput>;
    /** The weight about to be applied: above 0, green must hold everything. */
    weight: pulumi.Input<number>;
    declaredTopics: pulumi.Input<DeclaredTopic[]>;
    consumerGroups: pulumi.Input<string[]>;
    /** Blue is retired (stopped): record it, copy nothing. */
    blueRetired: pulumi.Input<boolean>;
}

/** Blue's topics and groups made to exist on an isolated green, carried out by the `rocketmq` plugin. */
export class MetadataSync extends pulumi.CustomResource {
    public readonly topics!: pulumi.Output<string[]>;
    public readonly groups!: pulumi.Output<string[]>;
    public readonly syncedAt!: pulumi.Output<string>;

    constructor(name: string, args: MetadataSyncArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "rocketmq:local:MetadataSync",
            name,
            { ...args, topics: undefined, groups: undefined, syncedAt: undefined },
            opts,
        );
    }
}
