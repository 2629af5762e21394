/**
 * The script of the backup Job's upload step, run by the AWS CLI image rather
 * than RocketMQ's (so it has no mqadmin prelude): it copies the backup the
 * previous step wrote (backupJob.ts) off the cluster, and keeps it on the
 * claim when the upload fails.
 */
import { PATHS } from "../kubernetesObjects";
import { sh } from "./scriptPrelude";

export interface S3UploadScriptArgs {
    clusterName: string;
    bucket: string;
    prefix: string;
    /** An S3-compatible endpoint instead of AWS's. */
    endpoint?: string;
    /** Where the backup claim is mounted. */
    backupRoot?: string;
}

/**
 * The backup's upload, run by the AWS CLI after the backup step of the same
 * Job: every file of the latest backup (its SHA256SUMS included) under
 * `<prefix>/<cluster>/<backup>/`, then the listing is compared with the
 * local file count. A failure fails the Job; the backup stays on the claim.
 */
export function s3UploadScript(a: S3UploadScriptArgs): string {
    const root = a.backupRoot ?? PATHS.backups;
    const endpoint = a.endpoint ? ` --endpoint-url ${sh(a.endpoint)}` : "";
    const prefix = [...a.prefix.split("/").filter(Boolean), a.clusterName].join("/");
    return [
        "#!/bin/sh",
        `# upload of ${a.clusterName}'s latest backup to s3://${a.bucket}/${prefix}/`,
        "set -eu",
        'fail() { echo "FAILED: $*" >&2; exit 1; }',
        `dir=$(cat ${root}/.latest-${a.clusterName}) || fail "no backup of ${a.clusterName} to upload"`,
        `dest=${sh(`s3://${a.bucket}/${prefix}/`)}"$(basename "$dir")/"`,
        `aws s3 cp --recursive --only-show-errors${endpoint} "$dir" "$dest" || fail "upload of $dir to $dest failed; the backup is kept on the claim"`,
        `listing=$(aws s3 ls --recursive${endpoint} "$dest") || fail "cannot list $dest after the upload"`,
        "listed=$(printf '%s\\n' \"$listing\" | grep -c . || true)",
        'files=$(find "$dir" -type f | wc -l)',
        '[ "$listed" -eq "$files" ] || fail "$dest lists $listed objects, the backup has $files files; the backup is kept on the claim"',
        'echo "uploaded $files files to $dest"',
        "",
    ].join("\n");
}
