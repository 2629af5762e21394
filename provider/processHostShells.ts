/**
 * The SSH sessions a backup needs: one per host its processes live on, opened before the first copy so that an
 * unreachable host fails the backup before anything is written, and each process's files read through its own
 * host's session (this machine's disk for a process without a host).
 */
import type { BackupProcess } from "../contracts/backupContract";
import type { BenchmarkResult } from "../domain/benchmarkSettings";
import { takeBackup, type BackupRequest } from "../operations/backup";
import { openHostShell, type HostShell } from "../operations/hostShell";
import { hostFiles, localFiles, type ProcessFileSource } from "../operations/processFiles";

export interface ProcessHostShells {
    /** Where a process's files are read. */
    filesOf(p: BackupProcess): ProcessFileSource;
    close(): Promise<void>;
}

export async function openProcessHostShells(
    processes: readonly BackupProcess[],
    privateKey: string | undefined,
): Promise<ProcessHostShells> {
    const shells = new Map<string, HostShell>();
    const close = async () => {
        await Promise.all([...shells.values()].map((sh) => sh.close().catch(() => undefined)));
    };
    try {
        for (const p of processes) {
            if (p.host && !shells.has(p.host.name)) {
                shells.set(p.host.name, await openHostShell({ ...p.host, privateKey }));
            }
        }
    } catch (e) {
        await close();
        throw e;
    }
    return {
        filesOf: (p) => (p.host ? hostFiles(shells.get(p.host.name)!) : localFiles),
        close,
    };
}

/**
 * A backup of processes wherever they run, each host's session open only while it is taken. `records` are the files
 * read through the admin API; the baseline, when measured, is kept beside them.
 */
export async function backupFromHosts(
    req: Omit<BackupRequest, "filesOf" | "extraFiles">,
    privateKey: string | undefined,
    records: Record<string, string>,
    baseline: BenchmarkResult | null | undefined,
): ReturnType<typeof takeBackup> {
    const shells = await openProcessHostShells(req.processes, privateKey);
    return takeBackup({
        ...req,
        filesOf: shells.filesOf,
        extraFiles: {
            ...records,
            ...(baseline ? { "baseline.json": JSON.stringify(baseline, null, 2) + "\n" } : {}),
        },
    }).finally(() => shells.close());
}
