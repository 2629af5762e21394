/**
 * The `aws` block of the stack config: the hardened S3 bucket backups go to,
 * and isolated routing's weighted DNS for 5.x gRPC clients. Checked here so a
 * bad value fails at preview naming the key.
 */
import { z } from "zod";
import { intRange } from "./configRules";
import { recordType } from "../domain/dnsPlan";

/** An S3 bucket name as S3 accepts it. */
export const bucketName = z
    .string()
    .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-'",
    )
    .refine((b) => !/\.\.|\.-|-\./.test(b), { message: "must not have '..', '.-' or '-.'" });

export const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region, e.g. eu-west-1");

/** A DNS name (no trailing dot needed). */
const dnsName = z
    .string()
    .regex(
        /^(?=.{1,253}\.?$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]\.?$/,
        "must be a fully qualified lowercase DNS name, e.g. mq.example.com",
    );

/** A proxy endpoint: a DNS name (a load balancer's) or an IPv4 address. */
const endpoint = z.string().refine((t) => recordType(t) === "A" || dnsName.safeParse(t).success, {
    message: "must be a DNS name or an IPv4 address of the colour's proxy endpoint",
});

const backupBucketSchema = z
    .object({
        name: bucketName,
        /** Backups (and their noncurrent versions) expire after this many days. */
        retentionDays: intRange(1, 3650).default(30),
        /** SSE-KMS with this key; unset uses SSE-S3 (AES256). */
        kmsKeyArn: z
            .string()
            .regex(
                /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/,
                "must be a KMS key or alias ARN",
            )
            .optional(),
    })
    .strict();

const dnsSchema = z
    .object({
        /** The Route53 hosted zone holding `name`. */
        zoneId: z.string().regex(/^Z[A-Z0-9]{1,32}$/, "must be a Route53 hosted zone id, e.g. Z0123456789ABCDEFGHIJ"),
        /** The one name 5.x gRPC clients dial, e.g. mq.example.com (not the zone apex: the records may be CNAMEs). */
        name: dnsName,
        /**
         * Seconds resolvers may cache an answer: a weight change reaches a
         * client within one TTL plus its reconnect (README.md).
         */
        ttl: intRange(5, 300).default(30),
        /** Each colour's proxy endpoint (e.g. its load balancer's name). */
        endpoints: z.object({ blue: endpoint, green: endpoint.optional() }).strict(),
        healthCheck: z
            .object({
                /** The proxies' gRPC port. */
                port: intRange(1, 65535).default(8081),
                /** Route53 checks every 10 or 30 seconds. */
                intervalSeconds: z.union([z.literal(10), z.literal(30)], { error: "must be 10 or 30" }).default(10),
                failureThreshold: intRange(1, 10).default(3),
            })
            .strict()
            .default({ port: 8081, intervalSeconds: 10, failureThreshold: 3 }),
    })
    .strict();

export const awsSchema = z
    .object({
        region: awsRegion,
        /** Declares the hardened bucket backups are uploaded to (backup.s3 names it as the target). */
        backupBucket: backupBucketSchema.optional(),
        /** Isolated routing: Route53 weighted records of one name on blue's and green's proxy endpoints. */
        dns: dnsSchema.optional(),
    })
    .strict();

export type AwsSpec = z.infer<typeof awsSchema>;
export type DnsSpec = z.infer<typeof dnsSchema>;
export type BackupBucketSpec = z.infer<typeof backupBucketSchema>;
