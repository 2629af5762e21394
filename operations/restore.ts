/**
 * The seed's restore (§4.2), as code: puts configs and broker metadata (and
 * the store, when the backup has it) back into a stopped cluster's process
 * directories. Checksums are verified first; a dry run lists what would change.
 */
import * as fs from "fs";
import { sha256OfFile } from "./fileChecksum";
import * as path from "path";
import { configFileName, runningPid } from "./launcher";
import { readManifest, verifyBackup } from "./backup";

export interface RestoreAction {
    /** Path inside the backup. */
    from: string;
    /** Absolute destination. */
    to: string;
    /** The process directory the destination belongs to. */
    processDir: string;
    change: "create" | "update" | "unchanged";
}

/**
 * Where each process's files go. `intoClusterDir` sends process NAME to
 * `<intoClusterDir>/NAME`; without it, each goes back to the directory it was
 * backed up from.
 */
export function planRestore(backupDir: string, intoClusterDir?: string): RestoreAction[] {
    const manifest = readManifest(backupDir);
    const listed = new Set(manifest.files.map((f) => f.path));
    const actions: RestoreAction[] = [];
    for (const p of manifest.processes) {
        const target = intoClusterDir ? path.join(intoClusterDir, p.name) : p.dir;
        const pairs: [string, string][] = [
            [`processes/${p.name}/${configFileName(p.role)}`, path.join(target, configFileName(p.role))],
        ];
        const storePrefix = `processes/${p.name}/store/`;
        const hasStore = manifest.files.some((f) => f.path.startsWith(storePrefix));
        for (const f of manifest.files) {
            if (f.path.startsWith(`processes/${p.name}/config/`) && !hasStore) {
                pairs.push([f.path, path.join(target, "store", "config", path.basename(f.path))]);
            } else if (f.path.startsWith(storePrefix)) {
                pairs.push([f.path, path.join(target, "store", f.path.slice(storePrefix.length))]);
            }
        }
        for (const [from, to] of pairs) {
            if (!listed.has(from)) {
                continue;
            }
            const change = !fs.existsSync(to)
                ? "create"
                : sha256OfFile(to) === sha256OfFile(path.join(backupDir, from))
                  ? "unchanged"
                  : "update";
            actions.push({ from, to, processDir: target, change });
        }
    }
    return actions;
}

/** Target directories whose process still runs: a restore under a live broker would be overwritten or corrupt it. */
export function runningTargets(actions: RestoreAction[]): string[] {
    return [...new Set(actions.map((a) => a.processDir))].filter((d) => runningPid(d) !== undefined);
}

/** Verifies the backup, refuses running targets, then copies every changed file. Returns the actions taken. */
export function applyRestore(backupDir: string, intoClusterDir?: string): RestoreAction[] {
    const problems = verifyBackup(backupDir);
    if (problems.length > 0) {
        throw new Error(`backup ${backupDir} does not match its manifest:\n  ${problems.join("\n  ")}`);
    }
    const actions = planRestore(backupDir, intoClusterDir);
    const running = runningTargets(actions);
    if (running.length > 0) {
        throw new Error(`stop these processes before restoring into them: ${running.join(", ")}`);
    }
    for (const a of actions.filter((x) => x.change !== "unchanged")) {
        fs.mkdirSync(path.dirname(a.to), { recursive: true });
        fs.copyFileSync(path.join(backupDir, a.from), a.to);
    }
    return actions;
}
