import * as pulumi from "@pulumi/pulumi";
import {
    ADOPTION_DISCOVERY_FUNCTION,
    adoptionDiscovery,
    type AdoptionDiscovery,
    type AdoptionDiscoveryInputs,
} from "../../../contracts/adoptionContract";
import { decodeInputs } from "../../../contracts/inputDecoding";
import { adoptedRole } from "../../../domain/adoptionMatch";

/** What the program asks of the running cluster, with the key as the secret it is. */
export type AdoptedClusterQuery = Omit<AdoptionDiscoveryInputs, "privateKey"> & {
    privateKey?: pulumi.Output<string>;
    /** Destroying the stack leaves the adopted processes running. */
    keepOnDestroy: boolean;
};

/** The lines a preview prints: exactly what the first `up` takes over. Pure. */
export function adoptionListing(clusterName: string, found: AdoptionDiscovery): string {
    const lines = [
        ...found.nameServers.map(
            (n) => `name server on ${n.host}:${n.port}, pid ${n.pid}, RocketMQ ${n.runningVersion}`,
        ),
        ...found.brokers.map(
            (b) =>
                `broker ${b.brokerName}/${b.brokerId} (${adoptedRole(b)}) ` +
                `on ${b.host} at ${b.address}, pid ${b.pid}, RocketMQ ${b.runningVersion}, ${b.confPath}, store ${b.storeRoot}`,
        ),
    ];
    return `blue.adopt: cluster ${clusterName} as it runs:\n${lines.map((l) => `  ${l}`).join("\n")}`;
}

/**
 * The running cluster `blue.adopt` names, read by the provider's rocketmq:hosts:discoverAdoption at every preview
 * and `up` (contracts/adoptionContract.ts): the stack is then laid out as the cluster runs. Anything that cannot be
 * adopted stops the run here, before a single resource is declared, naming each broker's key and host.
 */
export async function discoverAdoptedCluster(query: AdoptedClusterQuery) {
    const { keepOnDestroy, ...args } = query;
    const found: AdoptionDiscovery = decodeInputs(
        ADOPTION_DISCOVERY_FUNCTION,
        adoptionDiscovery,
        await pulumi.runtime.invoke(ADOPTION_DISCOVERY_FUNCTION, args),
    );
    if (found.problems.length > 0) {
        throw new Error(
            `rocketmq-upgrade:blue.adopt: nothing was adopted or changed:\n${found.problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
    pulumi.log.info(adoptionListing(query.clusterName, found));
    return { clusterName: query.clusterName, discovery: found, keepOnDestroy };
}
