import { createHash } from "crypto";
import * as fs from "fs";

/**
 * A file's sha256 in hex: what backup manifests record and what a host's `sha256sum` prints. Read in 1 MiB
 * chunks: a release archive or a store's commit-log file must not be held in memory whole.
 */
export function sha256OfFile(file: string): string {
    const hash = createHash("sha256");
    const chunk = Buffer.alloc(1 << 20);
    const fd = fs.openSync(file, "r");
    try {
        for (let n = fs.readSync(fd, chunk); n > 0; n = fs.readSync(fd, chunk)) {
            hash.update(chunk.subarray(0, n));
        }
    } finally {
        fs.closeSync(fd);
    }
    return hash.digest("hex");
}
