import * as assert from "assert";
import { weightedRecords } from "../../domain/dnsPlan";
import { installMocks, registered, Registered, runProgram, settled } from "./mocks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const ENDPOINTS = { blue: "blue-proxy.example.net", green: "green-proxy.example.net" };

/** A 5.x → 5.x isolated stack on the local platform with weighted DNS: both colours run proxies. */
function isolatedWithDns(weight: number, dns: Record<string, unknown> = {}): Record<string, string> {
    return {
        "rocketmq-upgrade:routing": "isolated",
        "rocketmq-upgrade:blue": JSON.stringify({ version: "5.5.0", clusterName: "blue" }),
        "rocketmq-upgrade:green": JSON.stringify({ version: "5.5.0", clusterName: "green" }),
        "rocketmq-upgrade:trafficWeight": String(weight),
        "rocketmq-upgrade:aws": JSON.stringify({
            region: "eu-west-1",
            dns: { zoneId: "Z0123456789ABCDEFGHIJ", name: "mq.example.com", endpoints: ENDPOINTS, ...dns },
        }),
    };
}

const byType = (type: string) => registered.filter((r) => r.type === type);
const input = (r: Registered) => r.inputs as Any;

describe("AWS (Pulumi mocks)", () => {
    before(installMocks);

    describe("weighted DNS for 5.x gRPC clients", () => {
        const cases: [number, [string, number][]][] = [
            [0, [["blue", 100]]],
            [
                10,
                [
                    ["blue", 90],
                    ["green", 10],
                ],
            ],
            [
                50,
                [
                    ["blue", 50],
                    ["green", 50],
                ],
            ],
            [100, [["green", 100]]],
        ];
        for (const [weight, expected] of cases) {
            it(`at weight ${weight} declares exactly the records that draw traffic, each behind its health check`, async () => {
                runProgram(isolatedWithDns(weight));
                await settled();
                const records = byType("aws:route53/record:Record");
                assert.deepStrictEqual(
                    records.map((r) => [input(r).setIdentifier, input(r).weightedRoutingPolicies[0].weight]).sort(),
                    expected,
                );
                for (const r of records) {
                    const i = input(r);
                    assert.strictEqual(i.name, "mq.example.com");
                    assert.strictEqual(i.zoneId, "Z0123456789ABCDEFGHIJ");
                    assert.strictEqual(i.type, "CNAME");
                    assert.strictEqual(i.ttl, 30);
                    assert.deepStrictEqual(i.records, [ENDPOINTS[i.setIdentifier as "blue" | "green"]]);
                    // The mocks give each resource the id "<name>-id".
                    assert.strictEqual(i.healthCheckId, `grpc-${i.setIdentifier}-health-id`);
                }
                const checks = byType("aws:route53/healthCheck:HealthCheck").map(input);
                assert.deepStrictEqual(
                    checks.map((c) => [c.type, c.fqdn, c.port, c.requestInterval, c.failureThreshold]).sort(),
                    [
                        ["TCP", "blue-proxy.example.net", 8081, 10, 3],
                        ["TCP", "green-proxy.example.net", 8081, 10, 3],
                    ],
                );
            });
        }

        it("uses A records and address health checks for IPv4 endpoints", async () => {
            runProgram(isolatedWithDns(30, { endpoints: { blue: "10.0.0.10", green: "10.0.1.10" }, ttl: 10 }));
            await settled();
            const records = byType("aws:route53/record:Record").map(input);
            assert.deepStrictEqual(records.map((r) => [r.type, r.ttl, r.records[0]]).sort(), [
                ["A", 10, "10.0.0.10"],
                ["A", 10, "10.0.1.10"],
            ]);
            assert.ok(byType("aws:route53/healthCheck:HealthCheck").every((c) => input(c).ipAddress && !input(c).fqdn));
        });

        it("the plan refuses a weight outside 0..100 and a colour without an endpoint", () => {
            assert.throws(() => weightedRecords(101, ENDPOINTS), /weight 101 must be an integer from 0 to 100/);
            assert.throws(
                () => weightedRecords(10, { blue: "b.example.com" }),
                /sends 10% to green, which has no proxy endpoint/,
            );
            assert.deepStrictEqual(weightedRecords(0, { blue: "b.example.com" }).length, 1);
        });
    });

    describe("the backup bucket", () => {
        const BUCKET = "acme-rocketmq-backups";
        function bucketStack(bucket: Record<string, unknown> = {}): Record<string, string> {
            return {
                "rocketmq-upgrade:blue": JSON.stringify({ version: "4.9.7", clusterName: "blue" }),
                "rocketmq-upgrade:backup": JSON.stringify({
                    s3: { bucket: BUCKET, prefix: "team/rocketmq", region: "eu-west-1" },
                }),
                "rocketmq-upgrade:aws": JSON.stringify({
                    region: "eu-west-1",
                    backupBucket: { name: BUCKET, retentionDays: 45, ...bucket },
                }),
            };
        }
        const one = (type: string) => {
            const found = byType(type);
            assert.strictEqual(found.length, 1, `${type}: ${found.length}`);
            return input(found[0]);
        };

        it("is versioned, encrypted, owner-enforced, with every public-access block on and backups expiring", async () => {
            runProgram(bucketStack());
            await settled();
            assert.strictEqual(one("aws:s3/bucket:Bucket").bucket, BUCKET);
            assert.strictEqual(one("aws:s3/bucket:Bucket").forceDestroy, false);
            assert.deepStrictEqual(one("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration, {
                status: "Enabled",
            });
            const block = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
            for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
                assert.strictEqual(block[key], true, key);
            }
            assert.deepStrictEqual(one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").rule, {
                objectOwnership: "BucketOwnerEnforced",
            });
            const sse = one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
            assert.deepStrictEqual(sse.rules[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
            const rule = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules[0];
            assert.strictEqual(rule.status, "Enabled");
            assert.deepStrictEqual(rule.filter, { prefix: "team/rocketmq/" });
            assert.deepStrictEqual(rule.expiration, { days: 45 });
            assert.deepStrictEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 45 });
        });

        it("denies every request without TLS 1.2, on the bucket and its objects", async () => {
            runProgram(bucketStack());
            await settled();
            const attached = one("aws:s3/bucketPolicy:BucketPolicy");
            // On the hardened bucket itself: the mocks give each resource the id "<name>-id".
            const bucket = byType("aws:s3/bucket:Bucket").find((b) => input(b).bucket === BUCKET);
            assert.ok(bucket, `no Bucket named ${BUCKET}`);
            assert.strictEqual(attached.bucket, `${bucket.name}-id`);
            const policy = JSON.parse(attached.policy);
            assert.strictEqual(policy.Statement.length, 2);
            const [noTls, oldTls] = policy.Statement;
            assert.strictEqual(noTls.Effect, "Deny");
            assert.strictEqual(noTls.Principal, "*");
            assert.strictEqual(noTls.Action, "s3:*");
            assert.deepStrictEqual(noTls.Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.deepStrictEqual(oldTls.Condition, { NumericLessThan: { "s3:TlsVersion": "1.2" } });
            for (const statement of policy.Statement) {
                // S3's ARN format applied to the configured name, not the ARN the mocks compute.
                assert.deepStrictEqual(statement.Resource, [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`]);
            }
        });

        it("encrypts with the configured KMS key and a bucket key", async () => {
            const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
            runProgram(bucketStack({ kmsKeyArn: key }));
            await settled();
            const rule = one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
                .rules[0];
            assert.deepStrictEqual(rule.applyServerSideEncryptionByDefault, {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: key,
            });
            assert.strictEqual(rule.bucketKeyEnabled, true);
        });

        it("hands the S3 target to the backup", async () => {
            runProgram(bucketStack());
            await settled();
            const backup = byType("rocketmq:local:Backup").map(input);
            assert.deepStrictEqual(backup[0].s3, {
                bucket: BUCKET,
                prefix: "team/rocketmq",
                region: "eu-west-1",
            });
        });
    });

    describe("refuses bad AWS input at preview, naming the key, before any resource", () => {
        const cases: [string, Record<string, string>, RegExp][] = [
            [
                "weighted DNS with shared routing",
                { ...isolatedWithDns(0), "rocketmq-upgrade:routing": "shared" },
                /rocketmq-upgrade:aws\.dns: only used with routing "isolated"/,
            ],
            [
                "weighted DNS while blue runs no proxy",
                {
                    ...isolatedWithDns(0),
                    "rocketmq-upgrade:blue": JSON.stringify({ version: "4.9.7", clusterName: "blue" }),
                },
                /rocketmq-upgrade:aws\.dns: blue \(4\.9\.7\) runs no proxy/,
            ],
            [
                "an endpoint that is neither a name nor an address",
                isolatedWithDns(0, { endpoints: { blue: "http://x", green: "g.example.com" } }),
                /rocketmq-upgrade:aws\.dns\.endpoints\.blue = "http:\/\/x": must be a DNS name or an IPv4 address/,
            ],
            [
                "a name and an address as the two endpoints",
                isolatedWithDns(0, { endpoints: { blue: "10.0.0.1", green: "g.example.com" } }),
                /aws\.dns\.endpoints: blue "10\.0\.0\.1" and green "g\.example\.com" must both be DNS names or both IPv4/,
            ],
            [
                "a TTL out of range",
                isolatedWithDns(0, { ttl: 3600 }),
                /rocketmq-upgrade:aws\.dns\.ttl = 3600: must be an integer from 5 to 300/,
            ],
            [
                "an upload target other than the declared bucket",
                {
                    "rocketmq-upgrade:blue": JSON.stringify({ version: "4.9.7", clusterName: "blue" }),
                    "rocketmq-upgrade:backup": JSON.stringify({ s3: { bucket: "other-bucket", region: "eu-west-1" } }),
                    "rocketmq-upgrade:aws": JSON.stringify({
                        region: "eu-west-1",
                        backupBucket: { name: "acme-backups" },
                    }),
                },
                /rocketmq-upgrade:backup\.s3\.bucket = "other-bucket": must be aws\.backupBucket\.name \("acme-backups"\)/,
            ],
            [
                "a bucket name S3 refuses",
                {
                    "rocketmq-upgrade:blue": JSON.stringify({ version: "4.9.7", clusterName: "blue" }),
                    "rocketmq-upgrade:aws": JSON.stringify({
                        region: "eu-west-1",
                        backupBucket: { name: "Acme_Backups" },
                    }),
                },
                /rocketmq-upgrade:aws\.backupBucket\.name = "Acme_Backups": must be an S3 bucket name/,
            ],
        ];
        for (const [what, config, message] of cases) {
            it(what, () => {
                assert.throws(() => runProgram(config), message);
                assert.strictEqual(registered.length, 0, "no resource may be registered");
            });
        }
    });
});
