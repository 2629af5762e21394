/**
 * The kubernetes provider plugin this project builds (scripts/kubernetes-provider.sh).
 * The provider resource asks for exactly that version, so the engine loads the
 * plugin built here and never looks for a released one to download.
 */
import * as fs from "fs";
import * as path from "path";

/** `KUBERNETES_PLUGIN_VERSION=...` out of scripts/toolchain.lock's text. */
export function pluginVersionIn(lockText: string): string {
    const match = /^KUBERNETES_PLUGIN_VERSION=(\S+)$/m.exec(lockText);
    if (!match) {
        throw new Error("scripts/toolchain.lock names no KUBERNETES_PLUGIN_VERSION");
    }
    return match[1];
}

export function pinnedPluginVersion(): string {
    const lock = path.resolve(__dirname, "..", "..", "..", "scripts", "toolchain.lock");
    return pluginVersionIn(fs.readFileSync(lock, "utf8"));
}
