/**
 * A running broker's turn of the roll, whatever machine it runs on: the platform hands in how to stop and start its
 * process, and whether an interrupted run already restarted it on the target. The gates and their order live in
 * operations/brokerTurn.ts; this glue gives both machine handlers (this machine's JVMs and hosts over SSH) one way
 * of calling them, so neither can skip a step the other takes.
 */
import * as path from "path";
import { withAdminSession } from "../operations/adminSession";
import { METADATA_FILE, readMetadataRecord } from "../operations/brokerMetadata";
import { rollBroker } from "../operations/brokerTurn";
import type { BrokerRollInputs } from "../contracts/hostProcessContract";
import { engineLog } from "./engineLog";
import type { HandlerContext } from "./resourceHandler";

/** A broker's identity as its registration declares it. */
export interface TurnRegistration {
    readonly nameServers: string;
    readonly brokerName: string;
    readonly brokerId: number;
}

/** How the turn reaches the broker's process on its machine. */
export interface TurnMachine {
    /**
     * The running process, when an interrupted run already restarted it as declared (writable, or a master
     * read-only): the turn resumes instead of restarting it again.
     */
    readonly resumed?: { readonly startedAt: string; readonly outputs: Record<string, unknown> };
    /** When the process running now was started, if known. */
    readonly startedAt?: string;
    stop(): Promise<void>;
    /**
     * Starts it on the target; a master's restart starts without write permission, `writesWipedAt` (ms since the
     * epoch) saying since when. Resolves with its outputs.
     */
    start(withoutWrites: boolean, writesWipedAt?: number): Promise<Record<string, unknown>>;
}

/** The metadata record of the pre-roll backup, with the file it came from. */
function baselineOf(backupDir: string | undefined) {
    const record = backupDir ? readMetadataRecord(backupDir) : undefined;
    return record && { record, source: path.join(backupDir!, METADATA_FILE) };
}

/** Runs the turn; its report lands in the outputs as `lastRoll`. */
export async function brokerRollTurn(
    ctx: HandlerContext,
    targetVersion: string,
    roll: BrokerRollInputs,
    reg: TurnRegistration,
    machine: TurnMachine,
): Promise<Record<string, unknown>> {
    let outs: Record<string, unknown> = machine.resumed?.outputs ?? {};
    const report = await withAdminSession(reg.nameServers, ctx.progress, (session) =>
        rollBroker(
            session,
            {
                brokerName: reg.brokerName,
                brokerId: reg.brokerId,
                address: roll.address,
                groupRole: roll.groupRole,
                peers: roll.peers,
                targetVersion,
            },
            roll.settings,
            {
                runsTarget: machine.resumed !== undefined,
                stop: () => machine.stop(),
                start: async (withoutWrites, writesWipedAt) => {
                    outs = await machine.start(withoutWrites, writesWipedAt);
                },
                progress: ctx.progress,
                note: (message) => engineLog(ctx.urn, message),
            },
            {
                startedAt: machine.startedAt ? Date.parse(machine.startedAt) : undefined,
                baseline: baselineOf(roll.baselineDir),
            },
        ),
    );
    return { ...outs, lastRoll: report };
}
