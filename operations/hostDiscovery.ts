/**
 * What adoption reads from a running host before anything is touched: every Java process (pid, working directory,
 * command line) and the broker.conf files the stack config names. Read-only: nothing is started, stopped or
 * written. domain/adoptionMatch.ts decides what the observations mean.
 */
import type { HostObservation, HostProcess } from "../domain/adoptionMatch";
import { shellQuote, type HostShell } from "./hostShell";

/**
 * One line per Java process: pid, working directory, the NUL-separated command line in base64 and the home
 * directory of the user it runs as, tab-separated
 * (a path or an argument may hold spaces; base64 holds neither tabs nor newlines). Processes that end while the
 * table is read are skipped.
 */
export const PROCESS_TABLE_COMMAND = [
    "for d in /proc/[0-9]*; do",
    '  [ "$(cat "$d/comm" 2>/dev/null)" = java ] || continue',
    '  cwd=$(readlink "$d/cwd" 2>/dev/null) || continue',
    '  argv=$(base64 -w0 < "$d/cmdline" 2>/dev/null) || continue',
    '  home=$(getent passwd "$(stat -c %u "$d" 2>/dev/null)" | cut -d: -f6)',
    '  printf "%s\\t%s\\t%s\\t%s\\n" "${d#/proc/}" "$cwd" "$argv" "$home"',
    "done",
].join("\n");

/** The processes in PROCESS_TABLE_COMMAND's output. Pure. */
export function parseProcessTable(text: string): HostProcess[] {
    return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .flatMap((line) => {
            const [pidText, cwd, argv64, home] = line.split("\t");
            const pid = Number(pidText);
            if (!Number.isInteger(pid) || cwd === undefined || argv64 === undefined) {
                return [];
            }
            const argv = Buffer.from(argv64, "base64").toString("utf8").split("\0");
            if (argv[argv.length - 1] === "") {
                argv.pop();
            }
            return [{ pid, cwd, argv, ...(home ? { home } : {}) }];
        });
}

/** Reads one host's Java processes and the named files (undefined for a file that cannot be read). */
export async function observeHost(shell: HostShell, files: readonly string[]): Promise<HostObservation> {
    const processes = parseProcessTable(await shell.mustRun(PROCESS_TABLE_COMMAND));
    const read: Record<string, string | undefined> = {};
    const realPaths: Record<string, string> = {};
    for (const file of files) {
        const r = await shell.run(`cat ${shellQuote(file)}`);
        read[file] = r.code === 0 ? r.stdout : undefined;
        const real = await shell.run(`readlink -f ${shellQuote(file)}`);
        if (real.code === 0 && real.stdout.trim() !== "") {
            realPaths[file] = real.stdout.trim();
        }
    }
    return { processes, files: read, realPaths };
}
