/**
 * Where a backup reads one process's files: this machine's disk for the local platform, or the process's host over
 * SSH. Paths are absolute on the machine that holds them. An adopted broker keeps its broker.conf and store wherever
 * its operator put them, so the paths come from the process, never from a layout assumed here.
 */
import * as fs from "fs";
import * as path from "path";
import { HostError, shellQuote, type HostShell } from "./hostShell";

export interface ProcessFileSource {
    /** Where the files are, for messages: "this machine" or "host <name>". */
    readonly where: string;
    /** Copies one file to `to`; false, copying nothing, when there is no such file. */
    copyFile(from: string, to: string): Promise<boolean>;
    /** Copies a directory with everything under it into `to`; false when there is no such directory. */
    copyTree(from: string, to: string): Promise<boolean>;
}

/** Files on this machine. */
export const localFiles: ProcessFileSource = {
    where: "this machine",
    copyFile(from, to) {
        if (!fs.existsSync(from)) {
            return Promise.resolve(false);
        }
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(from, to);
        return Promise.resolve(true);
    },
    copyTree(from, to) {
        if (!fs.existsSync(from)) {
            return Promise.resolve(false);
        }
        fs.cpSync(from, to, { recursive: true });
        return Promise.resolve(true);
    },
};

/** Files on a host, each fetched checked (see {@link HostShell.copyFrom}). */
export function hostFiles(shell: HostShell): ProcessFileSource {
    return {
        where: `host ${shell.host}`,
        copyFile: (from, to) => shell.copyFrom(from, to),
        async copyTree(from, to) {
            const listed = await shell.run(`cd ${shellQuote(from)} 2>/dev/null || exit 3; find . -type f`);
            if (listed.code === 3) {
                return false;
            }
            if (listed.code !== 0) {
                throw new HostError(shell.host, `cannot list ${from}: ${listed.stderr.trim() || "no output"}`);
            }
            for (const relative of listed.stdout.split("\n").filter((l) => l.startsWith("./"))) {
                // A file removed since the listing (a rolled-over log, say) is not an error: it is no longer there.
                await shell.copyFrom(path.posix.join(from, relative), path.join(to, relative));
            }
            return true;
        },
    };
}
