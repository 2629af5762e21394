/** Where a backup goes off the machine; the upload itself is operations/s3Upload.ts. */
/** Where backups are uploaded. Credentials come from the AWS SDK's default chain (environment, profile, role). */
export interface S3Target {
    bucket: string;
    /** Key prefix; each backup goes under `<prefix>/<clusterName>/<backupId>/`. */
    prefix: string;
    region: string;
    /** An S3-compatible endpoint instead of AWS's (e.g. a local emulator); path-style addressing is then used. */
    endpoint?: string;
}
