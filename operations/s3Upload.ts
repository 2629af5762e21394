/**
 * A backup's copy in S3 (or any S3-compatible store): every file the
 * manifest lists, each sent with its SHA-256 so the store refuses a corrupted
 * body, then the manifest last, so a listing that holds the manifest holds a
 * whole backup. The upload is then listed back and every key and size is
 * compared with the manifest. Any failure throws naming the target and the
 * file; the local copy is never touched.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
    GetObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
    type ListObjectsV2CommandOutput,
} from "@aws-sdk/client-s3";
import { MANIFEST, readManifest, type BackupManifest } from "./backup";
import { S3Target } from "../domain/s3Target";

export interface UploadResult {
    /** `s3://bucket/prefix/cluster/backupId/` */
    url: string;
    /** Objects written, the manifest included. */
    objects: number;
    bytes: number;
}

/** The key prefix of one backup (no leading or doubled slashes). */
export function backupKeyPrefix(target: S3Target, manifest: Pick<BackupManifest, "clusterName" | "backupId">): string {
    return [...target.prefix.split("/").filter(Boolean), manifest.clusterName, manifest.backupId].join("/") + "/";
}

export function s3Client(target: S3Target): S3Client {
    return new S3Client({
        region: target.region,
        ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
        // A failed upload must fail the backup promptly rather than retry for minutes.
        maxAttempts: 3,
    });
}

function describeError(err: unknown): string {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : "";
    return `${e.name ?? "Error"}${status}: ${e.message ?? String(err)}`;
}

/** Uploads the backup in `dir` to `target` and checks the listing; throws naming what failed. */
export async function uploadBackup(
    dir: string,
    target: S3Target,
    progress: (msg: string) => void = () => {},
): Promise<UploadResult> {
    const manifest = readManifest(dir);
    const prefix = backupKeyPrefix(target, manifest);
    const url = `s3://${target.bucket}/${prefix}`;
    const client = s3Client(target);
    const fail = (what: string, err: unknown): never => {
        throw new Error(
            `backup ${manifest.backupId}: upload to ${url} failed at ${what}: ${describeError(err)}; ` +
                `the backup is kept locally at ${dir}`,
        );
    };
    const put = async (relative: string, sha256Hex: string) => {
        try {
            await client.send(
                new PutObjectCommand({
                    Bucket: target.bucket,
                    Key: prefix + relative,
                    Body: fs.readFileSync(path.join(dir, relative)),
                    ChecksumSHA256: Buffer.from(sha256Hex, "hex").toString("base64"),
                }),
            );
        } catch (err) {
            fail(relative, err);
        }
    };
    try {
        progress(`backup ${manifest.backupId}: uploading ${manifest.files.length + 1} files to ${url}`);
        for (const f of manifest.files) {
            await put(f.path, f.sha256);
        }
        const manifestText = fs.readFileSync(path.join(dir, MANIFEST));
        await put(MANIFEST, createHash("sha256").update(manifestText).digest("hex"));

        const listed = new Map<string, number>();
        let token: string | undefined;
        do {
            let page: ListObjectsV2CommandOutput;
            try {
                page = await client.send(
                    new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix, ContinuationToken: token }),
                );
            } catch (err) {
                return fail("listing the upload", err);
            }
            for (const o of page.Contents ?? []) {
                listed.set(o.Key!.slice(prefix.length), o.Size ?? -1);
            }
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        const expected: [string, number][] = [
            ...manifest.files.map((f): [string, number] => [f.path, f.bytes]),
            [MANIFEST, manifestText.length],
        ];
        const wrong = expected.filter(([p, bytes]) => listed.get(p) !== bytes);
        if (wrong.length > 0) {
            fail(
                "the check after the upload",
                new Error(
                    `${wrong.length} object(s) missing or of the wrong size, e.g. ${wrong[0][0]} ` +
                        `(${listed.get(wrong[0][0]) ?? "absent"} bytes listed, ${wrong[0][1]} expected)`,
                ),
            );
        }
        const bytes = expected.reduce((sum, [, b]) => sum + b, 0);
        progress(`backup ${manifest.backupId}: ${expected.length} objects, ${bytes} bytes in ${url}`);
        return { url, objects: expected.length, bytes };
    } finally {
        client.destroy();
    }
}

/** Reads one object of an uploaded backup back. */
export async function downloadObject(target: S3Target, key: string): Promise<Buffer> {
    const client = s3Client(target);
    try {
        const out = await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
    } finally {
        client.destroy();
    }
}
