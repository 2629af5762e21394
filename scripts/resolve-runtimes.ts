/**
 * Resolves RocketMQ releases from Maven Central into the shared cache.
 * Usage: ts-node scripts/resolve-runtimes.ts 4.9.7 5.5.0
 */
import { resolveRuntime } from "../operations/maven";

async function main(versions: string[]): Promise<void> {
    if (versions.length === 0) {
        throw new Error("usage: resolve-runtimes.ts VERSION [VERSION ...]");
    }
    for (const v of versions) {
        const rt = await resolveRuntime(v, (m) => console.error(`[runtime] ${m}`));
        console.log(`${v}\t${rt.home}`);
    }
}

main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
