import { createHash } from "crypto";
import * as fs from "fs";

/** A file's sha256 in hex: what backup manifests record and what a host's `sha256sum` prints. */
export function sha256OfFile(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}
