/** Shared helpers for integration tests: scratch directories and free loopback ports. */
import * as fs from "fs";
import * as path from "path";
import { portIsFree } from "../../runtime/launcher";
import { projectRoot } from "../../runtime/paths";

/** A fresh directory under test-output/ (gitignored), named after the test. */
export function scratchDir(name: string): string {
    const dir = path.join(projectRoot(), "test-output", `${name}-${process.pid}-${Date.now()}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

let nextCandidate = 20000 + (process.pid % 200) * 100;

/**
 * Returns `count` consecutive free ports. RocketMQ brokers use port-2 and
 * port+1 beside their own port, so callers ask for whole blocks.
 */
export async function freePortBlock(count: number): Promise<number> {
    for (let attempt = 0; attempt < 500; attempt++) {
        const base = nextCandidate;
        nextCandidate += count + 10;
        if (nextCandidate > 60000) {
            nextCandidate = 20000;
        }
        let free = true;
        for (let p = base; p < base + count && free; p++) {
            free = await portIsFree(p);
        }
        if (free) {
            return base;
        }
    }
    throw new Error(`no block of ${count} free ports found`);
}
