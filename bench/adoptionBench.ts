/**
 * Adopting a running cluster: the 2M-2S 4.9.7 cluster test/integration/hosts/start-by-hand.sh starts by hand on six
 * namespace hosts, taken over through the real CLI. Times, per round:
 * - the preview: the discovery of every process over SSH and of the brokers through the name servers, and the
 *   listing of what the `up` would take over;
 * - the first `up`: the discovery again, the takeover of each process by its pid (no restart), the backup from the
 *   hosts and the verification, i.e. what the "adopt in under 60 s" counts.
 * Each round has hosts and a cluster of its own, removed at its end. Prints the medians as Markdown, every
 * observation in brackets.
 *
 * Usage: node -r ts-node/register/transpile-only bench/adoptionBench.ts [ROUNDS=3]   (as root: it makes namespaces)
 */
import { adoptStackConfig, HAND_SERVERS, startByHand, writeStack } from "../test/integration/handMadeCluster";
import { NamespaceHosts } from "../test/integration/namespaceHosts";
import { copyProject, mustPulumi, pulumi } from "../test/integration/support";
import { median } from "./observations";

function timed(what: () => void): number {
    const began = Date.now();
    what();
    return (Date.now() - began) / 1000;
}

async function round(): Promise<{ preview: number; up: number }> {
    const hosts = await NamespaceHosts.create(Object.values(HAND_SERVERS));
    const dir = copyProject();
    try {
        await startByHand(hosts);
        writeStack(dir, adoptStackConfig(hosts), hosts.privateKey);
        const preview = timed(() => mustPulumi(dir, "preview"));
        const up = timed(() => mustPulumi(dir, "up", "--yes", "--skip-preview"));
        return { preview, up };
    } finally {
        pulumi(dir, "destroy", "--yes", "--skip-preview");
        hosts.destroy();
    }
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 3);
    const results: { preview: number; up: number }[] = [];
    for (let i = 0; i < rounds; i++) {
        results.push(await round());
        console.error(`round ${i + 1}/${rounds}: ${JSON.stringify(results[i])}`);
    }
    const show = (k: "preview" | "up") =>
        `${median(results.map((r) => r[k])).toFixed(1)} s [${results.map((r) => r[k].toFixed(1)).join(", ")}]`;
    console.log("| what | median (observations) |");
    console.log("| --- | --- |");
    console.log(`| preview of the adoption (discovery and listing) | ${show("preview")} |`);
    console.log(`| first \`up\`: takeover, backup, verification | ${show("up")} |`);
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
