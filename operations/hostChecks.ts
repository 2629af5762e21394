/**
 * What the hosts platform asks of every machine before it changes anything: that it answers over SSH, accepts the
 * stack's key, offers the pinned host key, and has a JDK RocketMQ runs on. The machines are checked side by side and
 * every problem is kept, each naming its host, so one preview shows all of an inventory's faults, not the first.
 */
import { checkJava } from "./hostRelease";
import { HostError, openHostShell, type HostAccess, type HostShell } from "./hostShell";

export interface HostToCheck {
    readonly access: HostAccess;
    /** The host's configured JDK; its PATH's `java` when unset. */
    readonly javaHome?: string;
}

/** One machine's answer: its Java major version, or the problem, which starts with `host <name>:`. */
export interface HostReadiness {
    readonly host: string;
    readonly javaMajor?: number;
    readonly problem?: string;
}

/** Checks every host at once; never throws for a host's fault, which is its {@link HostReadiness.problem}. */
export async function checkHosts(
    hosts: readonly HostToCheck[],
    progress: (msg: string) => void = () => {},
): Promise<HostReadiness[]> {
    return Promise.all(
        hosts.map(async ({ access, javaHome }): Promise<HostReadiness> => {
            let shell: HostShell | undefined;
            try {
                shell = await openHostShell(access);
                const javaMajor = await checkJava(shell, javaHome);
                progress(`host ${access.name}: answers, Java ${javaMajor}`);
                return { host: access.name, javaMajor };
            } catch (e) {
                const message = e instanceof HostError ? e.message : `host ${access.name}: ${(e as Error).message}`;
                return { host: access.name, problem: message };
            } finally {
                await shell?.close().catch(() => undefined);
            }
        }),
    );
}

/** The problems of a check, in the hosts' order; empty when every host is ready. Pure. */
export function hostProblems(readiness: readonly HostReadiness[]): string[] {
    return readiness.flatMap((r) => (r.problem === undefined ? [] : [r.problem]));
}
