import * as os from "os";
import * as path from "path";

/**
 * Where downloaded runtimes and the built Pulumi toolchain live: outside the
 * clone, so that CI runs and later checkouts on the same machine reuse them.
 */
export function cacheRoot(): string {
    return process.env.ROCKETMQ_UPGRADE_CACHE ?? path.join(os.homedir(), ".cache", "rocketmq-upgrade");
}

/** The repository root (this file lives in operations/). */
export function projectRoot(): string {
    return path.resolve(__dirname, "..");
}
