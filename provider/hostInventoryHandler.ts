/**
 * rocketmq:hosts:Inventory: every machine of the stack, checked together at every preview and `up` before any
 * process on them is touched: each answers over SSH, accepts the stack's key, offers its pinned host key, and has
 * a JDK. One failing host fails the check naming it (every failing host is named), and since every process
 * depends on the inventory, nothing is changed anywhere.
 */
import * as provider from "@pulumi/pulumi/provider";
import { checkHosts, hostProblems } from "../operations/hostChecks";
import { decodeInputs } from "../contracts/inputDecoding";
import { HOST_INVENTORY_TYPE, hostInventoryInputs, type HostInventoryInputs } from "../contracts/hostProcessContract";
import { hostAccessOf } from "./hostProcessHandler";
import { changedKeys, type HandlerContext, type ResourceHandler } from "./resourceHandler";

async function readiness(ctx: HandlerContext, inputs: HostInventoryInputs) {
    return checkHosts(
        inputs.hosts.map((h) => ({ access: hostAccessOf(h.access, inputs.privateKey), javaHome: h.javaHome })),
        ctx.progress,
    );
}

/** The hosts' Java versions by name, once every host is ready; throws naming each host that is not. */
async function javaMajors(ctx: HandlerContext, raw: Record<string, unknown>): Promise<Record<string, number>> {
    const checked = await readiness(ctx, decodeInputs(HOST_INVENTORY_TYPE, hostInventoryInputs, raw));
    const problems = hostProblems(checked);
    if (problems.length > 0) {
        throw new Error(problems.join("\n"));
    }
    return Object.fromEntries(checked.map((r) => [r.host, r.javaMajor ?? 0]));
}

export const hostInventoryHandler: ResourceHandler = {
    async check(ctx, news) {
        const parsed = hostInventoryInputs.safeParse(news);
        if (!parsed.success) {
            // At preview the key may still be unknown (a secret from another resource); the `up` checks again.
            return { inputs: news };
        }
        const failures: provider.CheckFailure[] = hostProblems(await readiness(ctx, parsed.data)).map((reason) => ({
            // No property: the engine would print the whole inventory before the reason.
            property: "",
            reason,
        }));
        return { inputs: news, failures };
    },

    async diff(_ctx, olds, news) {
        // The hosts are checked at every run by `check`; the record changes only with the inventory itself.
        return { changes: changedKeys(olds, news, ["hosts", "privateKey"]).length > 0, replaces: [] };
    },

    async create(ctx, raw) {
        return { id: "inventory", outs: { ...raw, javaMajors: await javaMajors(ctx, raw) } };
    },

    async read(_ctx, id, props) {
        return { id, props };
    },

    async update(ctx, _id, _olds, raw) {
        return { outs: { ...raw, javaMajors: await javaMajors(ctx, raw) } };
    },

    async delete() {
        // Nothing on the hosts belongs to the inventory itself.
    },
};
