/**
 * rocketmq:hosts:discoverAdoption: the function the program calls, at every preview and `up` of a stack with
 * `blue.adopt`, to learn the running cluster it takes over: which process on which host is each declared broker
 * and name server, what each broker.conf says, and the release each one runs. Read-only on the hosts. The one
 * definition of its arguments and result, which index.ts sends and provider/adoptionDiscoveryHandler.ts decodes.
 */
import { z } from "zod";
import type { AdoptedBroker, AdoptedNameServer } from "../domain/adoptionMatch";
import { hostAccessInputs } from "./hostProcessContract";
import { secretText } from "./sharedShapes";

export const ADOPTION_DISCOVERY_FUNCTION = "rocketmq:hosts:discoverAdoption";

export const adoptionDiscoveryInputs = z.object({
    /** Every host of the stack, by name: the adopted processes are looked for on the declared ones. */
    hosts: z.array(hostAccessInputs),
    privateKey: secretText.optional(),
    /** The cluster name every adopted broker must carry (the config's blue.clusterName). */
    clusterName: z.string(),
    /** `blue.adopt.nameServers`, with the hosts placement.nameServers puts them on and their port. */
    nameServers: z.object({ entries: z.array(z.string()), hosts: z.array(z.string()), port: z.number() }),
    brokers: z.array(z.object({ key: z.string(), host: z.string(), confPath: z.string(), releaseDir: z.string() })),
});
export type AdoptionDiscoveryInputs = z.infer<typeof adoptionDiscoveryInputs>;

/** One adopted broker, with the release it runs as read from its classpath on the host. */
export interface DiscoveredBroker extends AdoptedBroker {
    /** e.g. 4.9.7; "" when the classpath names no RocketMQ jar. */
    readonly runningVersion: string;
}

export interface AdoptionDiscovery {
    brokers: DiscoveredBroker[];
    nameServers: (AdoptedNameServer & { runningVersion: string })[];
    /** Each names the key and host of what cannot be adopted; the program refuses the run when any is listed. */
    problems: string[];
}

const adoptedBroker = z.object({
    key: z.string(),
    host: z.string(),
    pid: z.number(),
    confPath: z.string(),
    releaseDir: z.string(),
    conf: z.record(z.string(), z.string()),
    confText: z.string(),
    storeRoot: z.string(),
    clusterName: z.string(),
    brokerName: z.string(),
    brokerId: z.number(),
    address: z.string(),
    version: z.string(),
    runningVersion: z.string(),
});

/** The result as the program receives it back from the engine. */
export const adoptionDiscovery: z.ZodType<AdoptionDiscovery> = z.object({
    brokers: z.array(adoptedBroker),
    nameServers: z.array(
        z.object({ key: z.string(), host: z.string(), port: z.number(), pid: z.number(), runningVersion: z.string() }),
    ),
    problems: z.array(z.string()),
});
