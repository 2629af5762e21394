import * as pulumi from "@pulumi/pulumi";
import { BACKUP_OUTPUTS, BACKUP_TYPE, BackupInputs, BackupOutputs } from "../../../contracts/backupContract";
import { outputSlots } from "../../../contracts/inputDecoding";
import {
    VERIFICATION_OUTPUTS,
    VERIFICATION_TYPE,
    VerificationInputs,
    VerificationOutputs,
} from "../../../contracts/verificationContract";
import type { ResourceArgs } from "./resourceArgs";

/** Arguments of a {@link ClusterBackup}: the contract's inputs (contracts/backupContract.ts). */
export type ClusterBackupArgs = ResourceArgs<BackupInputs>;

/** A backup of one cluster on this machine, taken by the `rocketmq` provider plugin. */
export class ClusterBackup extends pulumi.CustomResource {
    public readonly backupId!: pulumi.Output<BackupOutputs["backupId"]>;
    public readonly backupDir!: pulumi.Output<BackupOutputs["backupDir"]>;
    public readonly fileCount!: pulumi.Output<BackupOutputs["fileCount"]>;
    public readonly takenAt!: pulumi.Output<BackupOutputs["takenAt"]>;
    /** `s3://...` where the backup was uploaded, "" without an S3 target. */
    public readonly uploadedTo!: pulumi.Output<BackupOutputs["uploadedTo"]>;
    /** The benchmark measured with the backup, or null when none was asked for. */
    public readonly baseline!: pulumi.Output<BackupOutputs["baseline"]>;

    constructor(name: string, args: ClusterBackupArgs, opts?: pulumi.CustomResourceOptions) {
        super(BACKUP_TYPE, name, { ...args, ...outputSlots(BACKUP_OUTPUTS) }, opts);
    }
}

/** Arguments of a {@link ClusterVerification}: the contract's inputs (contracts/verificationContract.ts). */
export type ClusterVerificationArgs = ResourceArgs<VerificationInputs>;

/** The seed's verification checks against one cluster; a failed check fails the update. */
export class ClusterVerification extends pulumi.CustomResource {
    public readonly reportFile!: pulumi.Output<VerificationOutputs["reportFile"]>;
    public readonly checksPassed!: pulumi.Output<VerificationOutputs["checksPassed"]>;

    constructor(name: string, args: ClusterVerificationArgs, opts?: pulumi.CustomResourceOptions) {
        super(VERIFICATION_TYPE, name, { ...args, ...outputSlots(VERIFICATION_OUTPUTS) }, opts);
    }
}
