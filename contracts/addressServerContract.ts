/**
 * rocketmq:local:AddressServer, nginx answering RocketMQ clients' name-server polls by weight, and
 * rocketmq:local:MetadataSync, blue's topics and groups made to exist on an isolated green: their inputs and
 * outputs, declared by components/platforms/local/addressServerResources.ts, served by
 * provider/addressServerHandler.ts.
 */
import { z } from "zod";
import { colourRef, declaredTopic, weight } from "./sharedShapes";

export const ADDRESS_SERVER_TYPE = "rocketmq:local:AddressServer";
export const METADATA_SYNC_TYPE = "rocketmq:local:MetadataSync";

export const addressServerInputs = z.object({
    /** Its config, pid file, logs (clients.log: each client poll) and temp files. */
    dir: z.string(),
    host: z.string(),
    port: z.number(),
    /** What blue's clients get: blue's `host:port;host:port`. */
    blueNameServers: z.string(),
    /** What green's clients get; "" while there is no green. */
    greenNameServers: z.string(),
    /** Percent of client instances answered green. */
    weight: weight,
    /** The stages the weight walks through, for the step check. */
    canaryStages: z.array(z.number()),
    /** Skip the step check for this update. */
    forceWeightChange: z.boolean(),
});
export type AddressServerInputs = z.infer<typeof addressServerInputs>;

export interface AddressServerOutputs {
    pid: number;
    /** The URL clients poll with the default subgroup. */
    url: string;
    /** `host:port`, what clients set as `rocketmq.namesrv.domain`. */
    domain: string;
    /** Each client poll as "time identity colour". */
    clientLog: string;
    /** When this weight was applied. */
    appliedAt: string;
}
export const ADDRESS_SERVER_OUTPUTS = [
    "pid",
    "url",
    "domain",
    "clientLog",
    "appliedAt",
] as const satisfies readonly (keyof AddressServerOutputs)[];

export const metadataSyncInputs = z.object({
    blueNameServers: z.string(),
    greenNameServers: z.string(),
    blue: colourRef,
    green: colourRef,
    /** The weight about to be applied: above 0, green must hold everything. */
    weight: weight,
    declaredTopics: z.array(declaredTopic),
    consumerGroups: z.array(z.string()),
    /** Blue is retired (stopped): record it, copy nothing. */
    blueRetired: z.boolean(),
});
export type MetadataSyncInputs = z.infer<typeof metadataSyncInputs>;

export interface MetadataSyncOutputs {
    topics: string[];
    groups: string[];
    syncedAt: string;
}
export const METADATA_SYNC_OUTPUTS = [
    "topics",
    "groups",
    "syncedAt",
] as const satisfies readonly (keyof MetadataSyncOutputs)[];
