/**
 * The custom resource types served by the `rocketmq` provider plugin, and
 * the small contract each one implements. Components in components/ declare
 * these resources; this plugin carries them out.
 */
import * as provider from "@pulumi/pulumi/provider";

/** One custom resource type: create/read/update/delete for its properties. */
export interface ResourceHandler {
    /** Fills in defaults and rejects bad inputs before anything runs. */
    check?(news: Record<string, unknown>): Promise<provider.CheckResult>;
    diff(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<provider.DiffResult>;
    create(inputs: Record<string, unknown>): Promise<provider.CreateResult>;
    /** Returns an empty id when the resource is gone, so a refresh drops it and the next `up` recreates it. */
    read(id: string, props: Record<string, unknown>): Promise<provider.ReadResult>;
    update?(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<provider.UpdateResult>;
    delete(id: string, props: Record<string, unknown>): Promise<void>;
}

/**
 * The type token inside a URN: `urn:pulumi:stack::project::parent$pkg:mod:Type::name`
 * carries the resource's own type last in the chain of `$`-separated types.
 */
export function typeOfUrn(urn: string): string {
    const parts = urn.split("::");
    if (parts.length < 4) {
        throw new Error(`malformed URN: ${urn}`);
    }
    const chain = parts[2].split("$");
    return chain[chain.length - 1];
}

/** Property names whose values differ between two bags (shallow JSON comparison). */
export function changedKeys(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    keys: readonly string[],
): string[] {
    return keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}
