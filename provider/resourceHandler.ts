/**
 * The custom resource types served by the `rocketmq` provider plugin, and
 * the small contract each one implements. Components in components/ declare
 * these resources; this plugin carries them out.
 */
import * as provider from "@pulumi/pulumi/provider";
import { Progress } from "./engineLog";

/** What every handler call knows about the resource it works on. */
export interface HandlerContext {
    readonly urn: string;
    /** Shows a transient status line on the resource in the CLI. */
    readonly progress: Progress;
}

type Props = Record<string, unknown>;

/** One custom resource type: create/read/update/delete for its properties. */
export interface ResourceHandler {
    /** Fills in defaults and rejects bad inputs before anything runs (also during preview). */
    check?(ctx: HandlerContext, news: Props, olds: Props): Promise<provider.CheckResult>;
    diff(ctx: HandlerContext, olds: Props, news: Props): Promise<provider.DiffResult>;
    create(ctx: HandlerContext, inputs: Props): Promise<provider.CreateResult>;
    /** Reports the live state; see each handler for what "gone" means for its type. */
    read(ctx: HandlerContext, id: string, props: Props): Promise<provider.ReadResult>;
    update?(ctx: HandlerContext, id: string, olds: Props, news: Props): Promise<provider.UpdateResult>;
    delete(ctx: HandlerContext, id: string, props: Props): Promise<void>;
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
