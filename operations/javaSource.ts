/**
 * Compiles one of the project's own Java sources against a resolved
 * RocketMQ runtime, once per source hash and release, into the cache.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { RocketMQRuntime } from "./maven";
import { cacheRoot } from "./paths";

/** Compiles `source` (a single class named like the file) if needed; returns the classpath to run it with. */
export function compiledClasspath(source: string, runtime: RocketMQRuntime, cacheKind: string): string {
    const className = path.basename(source, ".java");
    const hash = crypto.createHash("sha256").update(fs.readFileSync(source)).digest("hex").slice(0, 16);
    const out = path.join(cacheRoot(), cacheKind, `${runtime.version.text}-${hash}`);
    if (!fs.existsSync(path.join(out, `${className}.class`))) {
        // Compiled aside and renamed into place, so a concurrent or interrupted compile never leaves half a class dir.
        const staging = `${out}.tmp-${process.pid}-${Date.now()}`;
        fs.mkdirSync(staging, { recursive: true });
        try {
            execFileSync("javac", ["-nowarn", "-d", staging, "-cp", runtime.classpath, source], { stdio: "pipe" });
            fs.renameSync(staging, out);
        } catch (err) {
            fs.rmSync(staging, { recursive: true, force: true });
            if (!fs.existsSync(path.join(out, `${className}.class`))) {
                throw err;
            }
        }
    }
    return `${out}${path.delimiter}${runtime.classpath}`;
}
