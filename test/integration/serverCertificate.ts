/**
 * One certificate per machine for RocketMQ's default TLS mode ("permissive"), loaded from files instead of the
 * self-signed RSA certificate each server otherwise builds at every start. bench/serverStart.ts measures what that
 * saves, through plainServer.ts. No platform uses it: the one CI run with every local server on it failed in backup's
 * first `up` (docs/benchmarks.md), and the cause is not found. It guards nothing: clients are not asked to trust it, exactly
 * as with RocketMQ's own test-mode certificate.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cacheRoot } from "../../operations/paths";

/** PEM files: an X.509 certificate and its unencrypted PKCS#8 private key, the form RocketMQ's TlsHelper reads. */
export interface ServerCertificate {
    readonly certPath: string;
    readonly keyPath: string;
}

const CERT = "server.crt";
const KEY = "server.key";

/**
 * The machine's server certificate under the cache, made with `openssl` on first use. It is written into a
 * scratch directory and renamed into place, so that two processes starting at once never read half a file.
 */
export function machineServerCertificate(root = path.join(cacheRoot(), "tls")): ServerCertificate {
    const made = { certPath: path.join(root, CERT), keyPath: path.join(root, KEY) };
    if (fs.existsSync(made.certPath) && fs.existsSync(made.keyPath)) {
        return made;
    }
    fs.mkdirSync(path.dirname(root), { recursive: true });
    const scratch = fs.mkdtempSync(`${root}.making-`);
    try {
        execFileSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "3650",
                "-subj",
                "/CN=rocketmq-upgrade local server",
                "-keyout",
                path.join(scratch, KEY),
                "-out",
                path.join(scratch, CERT),
            ],
            { stdio: ["ignore", "ignore", "pipe"] },
        );
        fs.chmodSync(path.join(scratch, KEY), 0o600);
        try {
            fs.renameSync(scratch, root);
        } catch (e) {
            // Another process made it first; its files are as good as ours.
            if (!fs.existsSync(made.keyPath)) {
                throw e;
            }
        }
    } catch (e) {
        throw new Error(
            `could not make the local servers' certificate in ${root} with openssl (is openssl installed?): ${(e as Error).message}`,
            { cause: e },
        );
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
    return made;
}

/** The JVM flags that make RocketMQ's remoting servers load `certificate` instead of building their own. Pure. */
export function certificateFlags(certificate: ServerCertificate): string[] {
    return [
        "-Dtls.test.mode.enable=false",
        `-Dtls.server.certPath=${certificate.certPath}`,
        `-Dtls.server.keyPath=${certificate.keyPath}`,
    ];
}
