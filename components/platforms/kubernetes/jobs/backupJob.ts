/**
 * The script of the backup Job, the seed's backup before a change, kept on
 * the protected backup claim so that no mistake in the program loses it. The
 * S3 upload (s3UploadJob.ts, the same Job's next container) finds it through
 * the `.latest-<cluster>` file written last.
 */
import type { ClusterPlan } from "../../../../domain/clusterPlan";
import { PATHS } from "../kubernetesObjects";
import { prelude, registeredChecks, sh } from "./scriptPrelude";

export interface BackupScriptArgs {
    plan: ClusterPlan;
    retentionDays: number;
    /** Where the backup claim is mounted. */
    backupRoot?: string;
}

/**
 * The seed's pre-change backup: the cluster listing, every broker's runtime
 * config, the topic and subscription-group metadata and consumer progress,
 * with a checksum list, under /backups/<cluster>-<UTC time>; backups older
 * than the retention are removed.
 */
export function backupScript(a: BackupScriptArgs): string {
    const { plan } = a;
    const ns = sh(plan.nameServerList);
    const masters = plan.brokers.filter((b) => b.brokerId === 0);
    const root = a.backupRoot ?? PATHS.backups;
    return [
        ...prelude(`backup of ${plan.clusterName}`),
        `dir=${root}/${plan.clusterName}-$(date -u +%Y%m%dT%H%M%SZ)`,
        'mkdir -p "$dir"',
        ...registeredChecks(plan, ns),
        'echo "$listing" > "$dir/clusterList.txt"',
        `admin topicList -n ${ns} -c > "$dir/topicList.txt"`,
        ...plan.brokers.map((b) => `admin getBrokerConfig -n ${ns} -b ${sh(b.address)} > "$dir/${b.name}.conf"`),
        `admin exportMetadata -n ${ns} -c ${sh(plan.clusterName)} -f "$dir"`,
        ...masters.map((b) => `admin brokerStatus -n ${ns} -b ${sh(b.address)} > "$dir/${b.name}.status"`),
        `admin consumerProgress -n ${ns} > "$dir/consumerProgress.txt" || true`,
        '(cd "$dir" && sha256sum * > SHA256SUMS)',
        `find ${root} -mindepth 1 -maxdepth 1 -type d -name ${sh(`${plan.clusterName}-*`)} -mtime +${a.retentionDays} -exec rm -rf {} +`,
        // The upload step (when an S3 target is set) finds the backup through this file.
        `printf '%s\\n' "$dir" > ${root}/.latest-${plan.clusterName}`,
        'say "backup written to $dir"',
        "",
    ].join("\n");
}
