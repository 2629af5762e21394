/**
 * Progress and diagnostics from inside the provider, attached to the resource
 * being worked on. Ephemeral messages show as the resource's live status in
 * the CLI ("waiting for blue-a-0 to register, 12s") and are not kept after.
 */
import * as grpc from "@grpc/grpc-js";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";

let client: engineRpc.EngineClient | undefined;

/** Called once with the engine address the plugin was started with. */
export function connectEngineLog(engineAddress: string | undefined): void {
    if (engineAddress) {
        client = new engineRpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
    }
}

export type Severity = "info" | "warning" | "error";

const SEVERITY: Record<Severity, engineProto.LogSeverity> = {
    info: engineProto.LogSeverity.INFO,
    warning: engineProto.LogSeverity.WARNING,
    error: engineProto.LogSeverity.ERROR,
};

/** Sends one message to the engine; without an engine (unit tests), writes it to stderr. */
export function engineLog(urn: string, message: string, opts: { severity?: Severity; ephemeral?: boolean } = {}): void {
    if (!client) {
        console.error(message);
        return;
    }
    const req = new engineProto.LogRequest();
    req.setSeverity(SEVERITY[opts.severity ?? "info"]);
    req.setMessage(message);
    req.setUrn(urn);
    req.setEphemeral(opts.ephemeral ?? false);
    client.log(req, () => {
        // Logging is best effort: a lost progress line must never fail an update.
    });
}

/** A progress reporter bound to one resource. */
export type Progress = (message: string) => void;

export function progressFor(urn: string): Progress {
    return (message) => engineLog(urn, message, { ephemeral: true });
}
