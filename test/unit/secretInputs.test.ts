import * as assert from "assert";
import { backupInputs } from "../../contracts/backupContract";
import { hostProcessInputs } from "../../contracts/hostProcessContract";
import { SECRET_SIG, SECRET_SIG_KEY } from "../../contracts/sharedShapes";
import { hostProcessInputFailures } from "../../provider/hostProcessHandler";
import { keepSecrets } from "../../provider/rocketmqProvider";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nunit-test-key\n-----END OPENSSH PRIVATE KEY-----\n";
const wrapped = { [SECRET_SIG_KEY]: SECRET_SIG, value: KEY };
const HOST = { name: "b1", address: "10.0.0.21", local: false, sshPort: 22, user: "root" };
const PROCESS = {
    role: "broker",
    name: "blue-broker-a-0",
    version: "4.9.7",
    host: HOST,
    privateKey: wrapped,
    releaseRoot: "/opt",
    dir: "/data/rocketmq/blue-broker-a-0",
    config: "brokerClusterName=blue\n",
    servicePort: 10911,
    heapMb: 256,
    manager: "process",
};

describe("secret inputs: the SSH key between the engine and the provider", () => {
    it("decodes the engine's secret wrapper to the key, and takes a plain string as it is", () => {
        assert.strictEqual(hostProcessInputs.parse(PROCESS).privateKey, KEY);
        assert.strictEqual(hostProcessInputs.parse({ ...PROCESS, privateKey: KEY }).privateKey, KEY);
        const backup = backupInputs.parse({
            version: "4.9.7",
            nameServers: "10.0.0.11:9876",
            clusterName: "blue",
            processes: [{ name: "blue-broker-a-0", role: "broker", dir: "/data/rocketmq/blue-broker-a-0", host: HOST }],
            backupRoot: "/backups",
            includeStore: false,
            retentionDays: 7,
            trigger: "t",
            privateKey: wrapped,
        });
        assert.strictEqual(backup.privateKey, KEY);
    });

    it("puts every secret input back in its wrapper in the outputs, whatever the handler echoed", () => {
        const decoded = hostProcessInputs.parse(PROCESS);
        const outs = keepSecrets(PROCESS, { ...decoded, pid: 42 });
        assert.deepStrictEqual(outs.privateKey, wrapped);
        assert.strictEqual(outs.pid, 42);
        // Outside its wrapper the key appears nowhere in the outputs.
        assert.ok(!JSON.stringify({ ...outs, privateKey: undefined }).includes("unit-test-key"));
        // Inputs that were not secret are left as the handler returned them.
        assert.deepStrictEqual(keepSecrets({ dir: "/x" }, { dir: "/y" }), { dir: "/y" });
    });

    it("refuses a process on a host reached over SSH without the key, naming the host", () => {
        const { privateKey: _key, ...withoutKey } = PROCESS;
        assert.deepStrictEqual(hostProcessInputFailures(withoutKey), [
            { property: "privateKey", reason: "host b1 is reached over SSH: set the stack's sshPrivateKey" },
        ]);
        assert.deepStrictEqual(hostProcessInputFailures({ ...PROCESS, host: { ...HOST, local: true } }), []);
        assert.deepStrictEqual(hostProcessInputFailures({ ...PROCESS, dir: "data" }), [
            { property: "dir", reason: "dir must be an absolute path on the host, got data" },
        ]);
    });
});
