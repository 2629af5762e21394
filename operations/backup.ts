/**
 * The seed's pre-upgrade backup (§3.1.1), as code: configs, cluster metadata
 * and each broker's metadata files (optionally the store) in a timestamped
 * directory with a manifest of checksums, plus verification and pruning.
 */
import * as fs from "fs";
import { sha256OfFile } from "./fileChecksum";
import * as path from "path";
import { configFileName, ServerRole } from "./launcher";
import { RocketMQRuntime } from "./maven";
import { mqadmin } from "./mqadmin";
import { hasExportMetadata } from "../domain/versions";
import { METADATA_FILE, MetadataAdmin, MetadataSubject, recordMetadata } from "./brokerMetadata";
import { DeadLetterAdmin, exportDeadLetters } from "./deadLetters";
import type { BackupProcess } from "../contracts/backupContract";
import { localFiles, type ProcessFileSource } from "./processFiles";

export const MANIFEST = "manifest.json";
/** A broker's metadata under store/config that a restore needs: topics, groups and offsets. */
export const BROKER_METADATA_FILES = [
    "topics.json",
    "subscriptionGroup.json",
    "consumerOffset.json",
    "delayOffset.json",
];

export interface BackupRequest {
    runtime: RocketMQRuntime;
    nameServers: string;
    clusterName: string;
    processes: BackupProcess[];
    /** Backups go to `<backupRoot>/<clusterName>/<backupId>/`. */
    backupRoot: string;
    /** Copy each broker's whole store too (the seed's optional rsync). Off by default: it can be large. */
    includeStore: boolean;
    progress?: (msg: string) => void;
    now?: Date;
    /** Further files to keep in the backup (path inside it → contents), e.g. the performance baseline. */
    extraFiles?: Record<string, string>;
    /** Where each process's files are read: this machine's disk unless told otherwise. */
    filesOf?: (p: BackupProcess) => ProcessFileSource;
}

/** A process's config file and store, where they are on its machine: its own paths, else its directory's layout. */
export function processPaths(p: BackupProcess): { config: string; store: string } {
    return {
        config: p.configPath ?? path.join(p.dir, configFileName(p.role)),
        store: p.storeDir ?? path.join(p.dir, "store"),
    };
}

export interface ManifestEntry {
    path: string;
    sha256: string;
    bytes: number;
}

export interface BackupManifest {
    formatVersion: 1;
    backupId: string;
    clusterName: string;
    version: string;
    takenAt: string;
    includeStore: boolean;
    processes: { name: string; role: ServerRole; dir: string }[];
    files: ManifestEntry[];
}

/** A sortable, filesystem-safe id: 20261125T005538123Z. */
export function backupIdAt(now: Date): string {
    return now.toISOString().replace(/[-:]/g, "").replace(".", "");
}

function listFiles(dir: string, base = dir): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
    });
}

/** The mqadmin outputs a backup keeps, with the file each goes to. */
export function clusterCommands(
    req: Pick<BackupRequest, "nameServers" | "clusterName" | "runtime">,
): [string, string[]][] {
    const n = ["-n", req.nameServers];
    return [
        ["cluster/clusterList.txt", ["clusterList", ...n]],
        ["cluster/topicList.txt", ["topicList", ...n]],
        ["cluster/consumerProgress.txt", ["consumerProgress", ...n]],
        ["cluster/statsAll.txt", ["statsAll", ...n]],
    ];
}

/** A process's config file, and a broker's metadata files (its store too when asked), into `out`. */
async function copyProcessFiles(
    p: BackupProcess,
    files: ProcessFileSource,
    out: string,
    includeStore: boolean,
): Promise<void> {
    const { config, store } = processPaths(p);
    fs.mkdirSync(out, { recursive: true });
    if (!(await files.copyFile(config, path.join(out, configFileName(p.role))))) {
        throw new Error(`${p.name}: its config file ${config} is missing on ${files.where}`);
    }
    if (p.role !== "broker") {
        return;
    }
    fs.mkdirSync(path.join(out, "config"), { recursive: true });
    for (const f of BROKER_METADATA_FILES) {
        await files.copyFile(path.join(store, "config", f), path.join(out, "config", f));
    }
    if (includeStore) {
        await files.copyTree(store, path.join(out, "store"));
    }
}

/** Takes a backup; it appears under its final name only once complete. */
export async function takeBackup(req: BackupRequest): Promise<{ dir: string; manifest: BackupManifest }> {
    const progress = req.progress ?? (() => {});
    const backupId = backupIdAt(req.now ?? new Date());
    const finalDir = path.join(req.backupRoot, req.clusterName, backupId);
    const work = `${finalDir}.partial`;
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(path.join(work, "cluster"), { recursive: true });
    try {
        progress(`backup ${backupId}: exporting cluster metadata with mqadmin`);
        const commands = clusterCommands(req);
        await Promise.all(
            commands.map(async ([file, args]) => {
                fs.writeFileSync(
                    path.join(work, file),
                    await mqadmin(req.runtime, args, { timeoutMs: 120_000, attempts: 5 }),
                );
            }),
        );
        if (hasExportMetadata(req.runtime.version)) {
            const n = ["-n", req.nameServers, "-c", req.clusterName];
            await mqadmin(req.runtime, ["exportMetadata", ...n, "-s", "-f", path.join(work, "cluster")], {
                attempts: 5,
            });
            await mqadmin(req.runtime, ["exportConfigs", ...n, "-f", path.join(work, "cluster")], { attempts: 5 });
        }
        const sourceOf = req.filesOf ?? (() => localFiles);
        // One chain of copies per host, the hosts side by side: every file costs round trips to its host, and a
        // cluster's hosts answer independently. Settled, not raced: the work directory is removed on a failure only
        // once no copy still writes into it.
        const chains = new Map<string, { p: BackupProcess; files: ProcessFileSource }[]>();
        for (const p of req.processes) {
            const files = sourceOf(p);
            chains.set(files.where, [...(chains.get(files.where) ?? []), { p, files }]);
        }
        const copied = await Promise.allSettled(
            [...chains.values()].map(async (chain) => {
                for (const { p, files } of chain) {
                    progress(`backup ${backupId}: copying ${p.name} from ${files.where}`);
                    await copyProcessFiles(p, files, path.join(work, "processes", p.name), req.includeStore);
                }
            }),
        );
        const failed = copied.find((c): c is PromiseRejectedResult => c.status === "rejected");
        if (failed) {
            throw failed.reason;
        }
        for (const [file, contents] of Object.entries(req.extraFiles ?? {})) {
            fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
            fs.writeFileSync(path.join(work, file), contents);
        }
        const files = listFiles(work)
            .sort()
            .map((f) => ({
                path: f,
                sha256: sha256OfFile(path.join(work, f)),
                bytes: fs.statSync(path.join(work, f)).size,
            }));
        const manifest: BackupManifest = {
            formatVersion: 1,
            backupId,
            clusterName: req.clusterName,
            version: req.runtime.version.text,
            takenAt: (req.now ?? new Date()).toISOString(),
            includeStore: req.includeStore,
            processes: req.processes.map((p) => ({ name: p.name, role: p.role, dir: p.dir })),
            files,
        };
        fs.writeFileSync(path.join(work, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
        fs.renameSync(work, finalDir);
        progress(`backup ${backupId}: ${files.length} files in ${finalDir}`);
        return { dir: finalDir, manifest };
    } catch (err) {
        fs.rmSync(work, { recursive: true, force: true });
        throw err;
    }
}

export function readManifest(dir: string): BackupManifest {
    const file = path.join(dir, MANIFEST);
    if (!fs.existsSync(file)) {
        throw new Error(`${dir} is not a backup: it has no ${MANIFEST}`);
    }
    return JSON.parse(fs.readFileSync(file, "utf8")) as BackupManifest;
}

/** Problems with a backup's files against its manifest: missing, changed, or not listed. Empty means intact. */
export function verifyBackup(dir: string): string[] {
    const manifest = readManifest(dir);
    const problems: string[] = [];
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const f of manifest.files) {
        const full = path.join(dir, f.path);
        if (!fs.existsSync(full)) {
            problems.push(`${f.path}: missing`);
        } else if (sha256OfFile(full) !== f.sha256) {
            problems.push(`${f.path}: checksum differs from the manifest`);
        }
    }
    for (const f of listFiles(dir)) {
        if (f !== MANIFEST && !listed.has(f)) {
            problems.push(`${f}: not in the manifest`);
        }
    }
    return problems;
}

/** Backup ids in `clusterDir` older than `retentionDays`, given `now`. Pure over the names. */
export function expiredBackups(ids: string[], retentionDays: number, now: Date): string[] {
    const cutoff = now.getTime() - retentionDays * 24 * 3600 * 1000;
    return ids.filter((id) => {
        const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(id);
        return m !== null && Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]) < cutoff;
    });
}

/** Deletes a cluster's backups past retention, never the newest one. Returns the ids removed. */
export function pruneBackups(
    backupRoot: string,
    clusterName: string,
    retentionDays: number,
    now = new Date(),
): string[] {
    const clusterDir = path.join(backupRoot, clusterName);
    if (!fs.existsSync(clusterDir)) {
        return [];
    }
    const ids = fs
        .readdirSync(clusterDir)
        .filter((d) => fs.existsSync(path.join(clusterDir, d, MANIFEST)))
        .sort();
    const removable = expiredBackups(ids.slice(0, -1), retentionDays, now);
    for (const id of removable) {
        fs.rmSync(path.join(clusterDir, id), { recursive: true, force: true });
    }
    return removable;
}

/**
 * What a backup keeps from the admin API beside the files it copies: every
 * broker's metadata record (compared after the change) and the dead letters
 * of its masters. Files by their path inside the backup; `partial` names a
 * dead-letter queue too long to export whole.
 */
export async function adminRecords(
    admin: MetadataAdmin & DeadLetterAdmin,
    brokers: readonly MetadataSubject[],
): Promise<{ files: Record<string, string>; deadLetters: number; partial: string[] }> {
    const metadata = await recordMetadata(admin, brokers);
    const dead = await exportDeadLetters(
        admin,
        brokers.filter((b) => b.brokerId === 0),
    );
    return {
        files: { [METADATA_FILE]: JSON.stringify(metadata, null, 2) + "\n", ...dead.files },
        deadLetters: dead.messages,
        partial: dead.partial,
    };
}
