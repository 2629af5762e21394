import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { serverJavaArgs, type ServerProcessSpec } from "../integration/plainServer";
import type { RocketMQRuntime } from "../../operations/maven";
import { machineServerCertificate } from "../integration/serverCertificate";
import { mustParseVersion } from "../../domain/versions";

const CERTIFICATE = { certPath: "/c/tls/server.crt", keyPath: "/c/tls/server.key" };
const RUNTIME: RocketMQRuntime = { version: mustParseVersion("5.5.0"), home: "/r", classpath: "/r/lib/*" };
const BROKER: ServerProcessSpec = {
    role: "broker",
    dir: "/d/broker",
    config: "brokerName=a\n",
    servicePort: 8081,
    heapMb: 256,
};

describe("the local servers' certificate", () => {
    it("makes RocketMQ's remoting servers load the certificate instead of building one", () => {
        const args = serverJavaArgs({ ...BROKER, tlsCertificate: CERTIFICATE }, RUNTIME);
        for (const flag of [
            "-Dtls.test.mode.enable=false",
            "-Dtls.server.certPath=/c/tls/server.crt",
            "-Dtls.server.keyPath=/c/tls/server.key",
        ]) {
            assert.ok(args.indexOf(flag) >= 0 && args.indexOf(flag) < args.indexOf("-cp"), `${flag} before -cp`);
        }
        assert.ok(!serverJavaArgs(BROKER, RUNTIME).some((a) => a.startsWith("-Dtls.")), "no TLS flag without one");
    });

    it("is made once per machine, its key readable by its owner only", () => {
        const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cert-")), "tls");
        try {
            const made = machineServerCertificate(root);
            const key = fs.readFileSync(made.keyPath, "utf8");
            assert.match(key, /^-----BEGIN PRIVATE KEY-----/, "an unencrypted PKCS#8 key, the form RocketMQ reads");
            assert.strictEqual(fs.statSync(made.keyPath).mode & 0o777, 0o600);
            assert.match(fs.readFileSync(made.certPath, "utf8"), /^-----BEGIN CERTIFICATE-----/);
            assert.deepStrictEqual(machineServerCertificate(root), made);
            assert.strictEqual(fs.readFileSync(made.keyPath, "utf8"), key, "a second call reuses it");
            assert.deepStrictEqual(
                fs.readdirSync(path.dirname(root)).filter((f) => f !== "tls"),
                [],
                "no scratch directory left",
            );
        } finally {
            fs.rmSync(path.dirname(root), { recursive: true, force: true });
        }
    });
});
