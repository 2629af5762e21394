import * as pulumi from "@pulumi/pulumi";
import {
    ADDRESS_SERVER_OUTPUTS,
    ADDRESS_SERVER_TYPE,
    AddressServerInputs,
    AddressServerOutputs,
    METADATA_SYNC_OUTPUTS,
    METADATA_SYNC_TYPE,
    MetadataSyncInputs,
    MetadataSyncOutputs,
} from "../../../contracts/addressServerContract";
import { outputSlots } from "../../../contracts/inputDecoding";
import type { ResourceArgs } from "./resourceArgs";

/** Arguments of an {@link AddressServer}: the contract's inputs (contracts/addressServerContract.ts). */
export type AddressServerArgs = ResourceArgs<AddressServerInputs>;

/** nginx on this machine answering RocketMQ clients' name-server polls, carried out by the `rocketmq` plugin. */
export class AddressServer extends pulumi.CustomResource {
    public readonly pid!: pulumi.Output<AddressServerOutputs["pid"]>;
    /** The URL clients poll with the default subgroup. */
    public readonly url!: pulumi.Output<AddressServerOutputs["url"]>;
    /** `host:port`, what clients set as `rocketmq.namesrv.domain`. */
    public readonly domain!: pulumi.Output<AddressServerOutputs["domain"]>;
    public readonly clientLog!: pulumi.Output<AddressServerOutputs["clientLog"]>;
    /** When this weight was applied. */
    public readonly appliedAt!: pulumi.Output<AddressServerOutputs["appliedAt"]>;

    constructor(name: string, args: AddressServerArgs, opts?: pulumi.CustomResourceOptions) {
        super(ADDRESS_SERVER_TYPE, name, { ...args, ...outputSlots(ADDRESS_SERVER_OUTPUTS) }, opts);
    }
}

/** Arguments of a {@link MetadataSync}: the contract's inputs (contracts/addressServerContract.ts). */
export type MetadataSyncArgs = ResourceArgs<MetadataSyncInputs>;

/** Blue's topics and groups made to exist on an isolated green, carried out by the `rocketmq` plugin. */
export class MetadataSync extends pulumi.CustomResource {
    public readonly topics!: pulumi.Output<MetadataSyncOutputs["topics"]>;
    public readonly groups!: pulumi.Output<MetadataSyncOutputs["groups"]>;
    public readonly syncedAt!: pulumi.Output<MetadataSyncOutputs["syncedAt"]>;

    constructor(name: string, args: MetadataSyncArgs, opts?: pulumi.CustomResourceOptions) {
        super(METADATA_SYNC_TYPE, name, { ...args, ...outputSlots(METADATA_SYNC_OUTPUTS) }, opts);
    }
}
