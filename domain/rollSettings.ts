/**
 * A broker's turn of the roll: its limits with their one set of defaults, and
 * the report each turn leaves in state. The turn runs in operations/brokerTurn.ts.
 */
/** Limits of one broker's turn. */
export interface RollSettings {
    /** A master is not taken down while a slave is further behind than this (bytes). */
    maxLagBytes: number;
    /** How long slaves get to hold everything their master holds, once its writes stop. */
    catchUpSeconds: number;
    /** How long producers get to leave a master after its write permission is gone (they re-read routes every 30 s). */
    writeStopSeconds: number;
    /** How long consumers get to read what a master holds before it stops; the roll goes on after it. */
    consumerWaitSeconds: number;
}

export const DEFAULT_ROLL_SETTINGS: RollSettings = {
    maxLagBytes: 1 << 20,
    catchUpSeconds: 60,
    writeStopSeconds: 45,
    consumerWaitSeconds: 30,
};

/** What one broker's turn did, kept in the Process's outputs. */
export interface RollReport {
    broker: string;
    from: string;
    to: string;
    steps: { action: string; seconds: number; detail?: string }[];
    /**
     * Master only: seconds from taking write permission away to giving it back.
     * For a resumed turn, counted from the interrupted run's restart (the
     * moment of its wipe is not known), so the real figure is larger.
     */
    writeBlockedSeconds?: number;
    /** The turn found the broker already restarted on the target by an interrupted run. */
    resumed?: boolean;
}
