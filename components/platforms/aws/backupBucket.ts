import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BackupBucketSpec } from "../../../config/awsConfig";

/** Arguments of a {@link BackupBucket}. */
export interface BackupBucketArgs {
    /** Name, retention and encryption key of the bucket. */
    spec: BackupBucketSpec;
    /** The key prefix backups are uploaded under (backup.s3.prefix); the lifecycle rule applies to it. */
    prefix: string;
}

/**
 * A bucket policy that refuses every request not made over TLS 1.2 or newer,
 * whoever makes it: backups hold the cluster's configs and metadata.
 */
export function tlsOnlyPolicy(bucketArn: string): string {
    const resources = [bucketArn, `${bucketArn}/*`];
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyWithoutTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: resources,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyTlsBelow12",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: resources,
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ],
    });
}

/**
 * The S3 bucket backups are uploaded to, hardened: versioning (an overwritten
 * or deleted backup stays recoverable until it expires), default encryption
 * (SSE-KMS with the given key, else SSE-S3), every public-access block on,
 * ACLs off (bucket-owner-enforced), TLS-only access by policy, and a
 * lifecycle rule expiring backups and their old versions after the retention.
 * Removing it from the program leaves the bucket and its backups in place.
 */
export class BackupBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:BackupBucket", name, {}, opts);
        const { spec } = args;
        const child = { parent: this };
        const bucket = new aws.s3.Bucket(
            name,
            { bucket: spec.name, forceDestroy: false, tags: { "app.kubernetes.io/part-of": "rocketmq-upgrade" } },
            { ...child, retainOnDelete: true },
        );
        const ownership = new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            child,
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                bucket: bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            child,
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            child,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: spec.kmsKeyArn
                            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: spec.kmsKeyArn }
                            : { sseAlgorithm: "AES256" },
                        // One data key per bucket instead of per object: far fewer KMS calls.
                        bucketKeyEnabled: spec.kmsKeyArn !== undefined,
                    },
                ],
            },
            child,
        );
        // After the public-access block, so the policy can never be the one that opens the bucket.
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyPolicy) },
            { ...child, dependsOn: [publicAccess, ownership] },
        );
        const prefix = args.prefix.split("/").filter(Boolean).join("/");
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-retention`,
            {
                bucket: bucket.id,
                rules: [
                    {
                        id: "expire-backups",
                        status: "Enabled",
                        filter: { prefix: prefix ? `${prefix}/` : "" },
                        expiration: { days: spec.retentionDays },
                        noncurrentVersionExpiration: { noncurrentDays: spec.retentionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    },
                ],
            },
            // Lifecycle rules on versioned buckets need versioning in place first.
            { ...child, dependsOn: [versioning] },
        );
        this.bucketName = bucket.bucket;
        this.arn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}
