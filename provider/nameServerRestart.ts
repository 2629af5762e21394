/**
 * What restarting a name server in place must respect, on any machine: it serves again only once every broker it
 * listed before has registered with it again (a rolling name-server upgrade never leaves clients a name server
 * that knows no routes), and it never drops below 5.1 while 5.x brokers are registered with it. The name server
 * is named by its `host:port`, as clients reach it.
 */
import { FIVE_X_NAME_SERVER_FLOOR, nameServerTakesBroker } from "../domain/compatibility";
import { parseClusterList } from "../domain/mqadminOutput";
import { mustParseVersion } from "../domain/versions";
import { portAccepts } from "../operations/launcher";
import { resolveRuntime } from "../operations/maven";
import { mqadmin } from "../operations/mqadmin";
import type { HandlerContext } from "./resourceHandler";

/** Brokers re-register every 30 s; a restarted name server gets two rounds and some slack. */
const REREGISTRATION_TIMEOUT_MS = 90_000;

async function clusterRows(version: string, address: string) {
    const runtime = await resolveRuntime(version);
    const out = await mqadmin(runtime, ["clusterList", "-n", address], { timeoutMs: 30_000 });
    return parseClusterList(out);
}

/** `brokerName/brokerId` of every broker a name server lists; empty if it does not answer. */
export async function listedBrokers(version: string, address: string): Promise<Set<string>> {
    try {
        return new Set((await clusterRows(version, address)).map((r) => `${r.brokerName}/${r.brokerId}`));
    } catch {
        return new Set();
    }
}

/**
 * Why the name server at `address` must not move to `version`: it would drop below 5.1 while 5.x brokers are
 * registered with it. Undefined when the move is fine or the name server does not answer (nothing registered to
 * lose).
 */
export async function nameServerDowngradeRefusal(version: string, address: string): Promise<string | undefined> {
    if (nameServerTakesBroker(mustParseVersion(version), mustParseVersion(FIVE_X_NAME_SERVER_FLOOR))) {
        return undefined;
    }
    const colon = address.lastIndexOf(":");
    if (!(await portAccepts(Number(address.slice(colon + 1)), address.slice(0, colon)))) {
        return undefined;
    }
    const rows = await clusterRows(version, address).catch(() => []);
    const fiveX = rows.filter((r) => /^V5_/.test(r.version)).map((r) => `${r.brokerName}/${r.brokerId} (${r.version})`);
    if (fiveX.length === 0) {
        return undefined;
    }
    return (
        `name servers below ${FIVE_X_NAME_SERVER_FLOOR} cannot take 5.x brokers, and ${fiveX.join(", ")} still run 5.x; ` +
        `keep rocketmq-upgrade:nameServer.version at its current release until every broker runs ${version}, ` +
        `then lower it in a later update`
    );
}

/** Resolves once the name server at `address` lists every broker of `expected` again; fails after 90 s naming each. */
export async function awaitReregistration(
    ctx: HandlerContext,
    version: string,
    address: string,
    expected: Set<string>,
): Promise<void> {
    const began = Date.now();
    for (;;) {
        const listed = await listedBrokers(version, address);
        const missing = [...expected].filter((b) => !listed.has(b));
        if (missing.length === 0) {
            return;
        }
        const waited = Math.round((Date.now() - began) / 1000);
        if (Date.now() - began > REREGISTRATION_TIMEOUT_MS) {
            throw new Error(
                `name server ${address} restarted, but after ${waited}s these brokers have not registered with it ` +
                    `again: ${missing.join(", ")}. It serves, with incomplete routes; check the brokers' logs.`,
            );
        }
        ctx.progress(`name server ${address}: waiting for ${missing.length} broker(s) to re-register (${waited}s)`);
        await new Promise((r) => setTimeout(r, 3000));
    }
}

/** The preview's refusal of a name server's move to `version`, as a check failure on `version`; none when it may move. */
export async function downgradeFailures(
    version: string,
    address: string,
): Promise<{ property: string; reason: string }[]> {
    const refusal = await nameServerDowngradeRefusal(version, address);
    return refusal ? [{ property: "version", reason: refusal }] : [];
}
