/**
 * Restores a backup taken by the Backup component into a stopped cluster.
 *
 *   npm run restore -- BACKUP_DIR [--into CLUSTER_DIR] [--dry-run]
 *
 * BACKUP_DIR is a backup's directory (the stack output `blueBackupDir`, or any
 * `<backupRoot>/<cluster>/<id>`). Without --into, files go back to the process
 * directories they came from. --dry-run lists what would change and writes nothing.
 * Then start the cluster again with `npm run pulumi -- up`.
 */
import { applyRestore, planRestore } from "../operations/restore";
import { verifyBackup } from "../operations/backup";

function main(argv: string[]): void {
    const dryRun = argv.includes("--dry-run");
    const intoIndex = argv.indexOf("--into");
    const into = intoIndex >= 0 ? argv[intoIndex + 1] : undefined;
    const backupDir = argv.find((a, i) => !a.startsWith("--") && (intoIndex < 0 || i !== intoIndex + 1));
    if (!backupDir || (intoIndex >= 0 && !into)) {
        throw new Error("usage: restore BACKUP_DIR [--into CLUSTER_DIR] [--dry-run]");
    }
    if (dryRun) {
        const problems = verifyBackup(backupDir);
        for (const p of problems) {
            console.log(`checksum problem: ${p}`);
        }
        for (const a of planRestore(backupDir, into)) {
            console.log(`${a.change.padEnd(9)} ${a.to}`);
        }
        return;
    }
    const actions = applyRestore(backupDir, into);
    for (const a of actions) {
        console.log(`${a.change === "unchanged" ? "unchanged" : "restored "} ${a.to}`);
    }
    console.log(`restored ${actions.filter((a) => a.change !== "unchanged").length} of ${actions.length} files`);
}

try {
    main(process.argv.slice(2));
} catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
}
