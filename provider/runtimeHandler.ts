/**
 * rocketmq:local:Runtime: a RocketMQ release resolved from Maven Central into
 * the shared cache. Deleting it leaves the cache alone, because other stacks
 * and later upgrades share the same jars.
 */
import * as fs from "fs";
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";
import { resolveRuntime } from "../operations/maven";
import { decodeInputs } from "../contracts/inputDecoding";
import { RUNTIME_TYPE, runtimeInputs, RuntimeOutputs } from "../contracts/runtimeContract";
import { changedKeys, ResourceHandler } from "./resourceHandler";

function runtimeOutputs(version: string, home: string, classpath: string): RuntimeOutputs {
    return { version, home, jarCount: classpath.split(path.delimiter).filter((j) => j.length > 0).length };
}

export const runtimeHandler: ResourceHandler = {
    async check(ctx, news) {
        const version = news.version;
        if (typeof version !== "string" || version.length === 0) {
            return { inputs: news, failures: [{ property: "version", reason: "version is required, e.g. 4.9.7" }] };
        }
        // Resolving here, during preview, makes an unserved version fail before anything changes.
        // It only fills the shared jar cache, which a later `up` needs anyway.
        try {
            await resolveRuntime(version, ctx.progress);
        } catch (err) {
            return { inputs: news, failures: [{ property: "version", reason: (err as Error).message }] };
        }
        return { inputs: news };
    },

    async diff(_ctx, olds, news) {
        const replaces = changedKeys(olds, news, ["version"]);
        return { changes: replaces.length > 0, replaces };
    },

    async create(ctx, inputs) {
        const { version } = decodeInputs(RUNTIME_TYPE, runtimeInputs, inputs);
        const rt = await resolveRuntime(version, ctx.progress);
        return { id: `rocketmq-${version}`, outs: runtimeOutputs(version, rt.home, rt.classpath) };
    },

    async read(_ctx, id, props): Promise<provider.ReadResult> {
        const home = String(props.home ?? "");
        if (!home || !fs.existsSync(path.join(home, "classpath.txt"))) {
            return { id: "", props: {} };
        }
        return { id, props };
    },

    async delete() {
        // The cache is shared; nothing belongs to this stack alone.
    },
};
