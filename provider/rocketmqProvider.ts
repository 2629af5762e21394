import * as provider from "@pulumi/pulumi/provider";
import { progressFor } from "./engineLog";
import { HandlerContext, ResourceHandler, typeOfUrn } from "./resourceHandler";
import { ADOPTION_DISCOVERY_FUNCTION, adoptionDiscoveryInputs } from "../contracts/adoptionContract";
import { decodeInputs } from "../contracts/inputDecoding";
import { discoverAdoption } from "../operations/adoptionDiscovery";
import { ADDRESS_SERVER_TYPE, METADATA_SYNC_TYPE } from "../contracts/addressServerContract";
import { BACKUP_TYPE } from "../contracts/backupContract";
import { SECRET_SIG, SECRET_SIG_KEY } from "../contracts/sharedShapes";
import { HOST_INVENTORY_TYPE, HOST_PROCESS_TYPE } from "../contracts/hostProcessContract";
import { ROLL_PREFLIGHT_TYPE } from "../contracts/rollPreflightContract";
import { DRAIN_CHECK_TYPE, TRAFFIC_TYPE } from "../contracts/trafficContract";
import { VERIFICATION_TYPE } from "../contracts/verificationContract";
import { addressServerHandler, metadataSyncHandler } from "./addressServerHandler";
import { backupHandler } from "./backupHandler";
import { hostInventoryHandler } from "./hostInventoryHandler";
import { hostProcessHandler } from "./hostProcessHandler";
import { rollPreflightHandler } from "./rollPreflightHandler";
import { drainCheckHandler, trafficHandler } from "./trafficHandler";
import { verificationHandler } from "./verificationHandler";

/** Keep in step with package.json's version: the engine records it in state. */
export const PROVIDER_VERSION = "0.1.0";

const HANDLERS: Record<string, ResourceHandler> = {
    [BACKUP_TYPE]: backupHandler,
    [VERIFICATION_TYPE]: verificationHandler,
    [TRAFFIC_TYPE]: trafficHandler,
    [DRAIN_CHECK_TYPE]: drainCheckHandler,
    [ROLL_PREFLIGHT_TYPE]: rollPreflightHandler,
    [ADDRESS_SERVER_TYPE]: addressServerHandler,
    [METADATA_SYNC_TYPE]: metadataSyncHandler,
    [HOST_INVENTORY_TYPE]: hostInventoryHandler,
    [HOST_PROCESS_TYPE]: hostProcessHandler,
};

/** The local platform's own process types, before it became the hosts platform with one loopback host. */
const LEGACY_TYPES = new Set(["rocketmq:local:Process", "rocketmq:local:Runtime"]);
const LEGACY_HINT =
    ": this stack was made by a rocketmq-upgrade whose local platform had its own process type; destroy it with " +
    'that version, then bring it up again with this one (README, "Upgrading the tool")';

function contextFor(urn: string): HandlerContext {
    return { urn, progress: progressFor(urn) };
}

function handlerFor(urn: string): ResourceHandler {
    const type = typeOfUrn(urn);
    const handler = HANDLERS[type];
    if (!handler) {
        throw new Error(
            `the rocketmq provider has no resource type ${type}${LEGACY_TYPES.has(type) ? LEGACY_HINT : ""}`,
        );
    }
    return handler;
}

/**
 * The outputs with every input the engine sent as a secret put back in its wrapper: a handler that echoes its
 * decoded inputs would otherwise hand the engine a secret (the SSH key) in plain text, and state would keep it so.
 */
export function keepSecrets(inputs: Record<string, unknown>, outs: Record<string, unknown>): Record<string, unknown> {
    const kept = { ...outs };
    for (const [key, value] of Object.entries(inputs)) {
        if (isSecretWrapper(value)) {
            kept[key] = value;
        }
    }
    return kept;
}

function isSecretWrapper(value: unknown): boolean {
    return (
        typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
    );
}

/** The `rocketmq` resource provider: routes each CRUD call to its type's handler. */
export class RocketMQProvider implements provider.Provider {
    readonly version = PROVIDER_VERSION;

    async check(
        urn: string,
        olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<provider.CheckResult> {
        const handler = handlerFor(urn);
        return handler.check ? handler.check(contextFor(urn), news, olds ?? {}) : { inputs: news };
    }

    async diff(
        _id: string,
        urn: string,
        olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<provider.DiffResult> {
        return handlerFor(urn).diff(contextFor(urn), olds, news);
    }

    async create(urn: string, inputs: Record<string, unknown>): Promise<provider.CreateResult> {
        const result = await handlerFor(urn).create(contextFor(urn), inputs);
        return { ...result, outs: keepSecrets(inputs, result.outs ?? {}) };
    }

    async read(id: string, urn: string, props: Record<string, unknown>): Promise<provider.ReadResult> {
        return handlerFor(urn).read(contextFor(urn), id, props ?? {});
    }

    async update(
        id: string,
        urn: string,
        olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<provider.UpdateResult> {
        const handler = handlerFor(urn);
        if (!handler.update) {
            throw new Error(`${typeOfUrn(urn)} has no in-place update; its diff should have asked for a replace`);
        }
        const result = await handler.update(contextFor(urn), id, olds, news);
        return { ...result, outs: keepSecrets(news, result.outs ?? {}) };
    }

    async delete(id: string, urn: string, props: Record<string, unknown>): Promise<void> {
        return handlerFor(urn).delete(contextFor(urn), id, props ?? {});
    }

    /** The provider's one function: adoption's read of a running cluster (contracts/adoptionContract.ts). */
    async invoke(token: string, inputs: Record<string, unknown>): Promise<provider.InvokeResult> {
        if (token !== ADOPTION_DISCOVERY_FUNCTION) {
            throw new Error(`the rocketmq provider has no function ${token}`);
        }
        const args = decodeInputs(ADOPTION_DISCOVERY_FUNCTION, adoptionDiscoveryInputs, inputs);
        return { outputs: { ...(await discoverAdoption(args, () => undefined)) } };
    }
}
